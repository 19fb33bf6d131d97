/*
 * Platform configuration: the system headers every file needs and the
 * basic integer types.  hanx targets Linux only (epoll, signalfd, netlink),
 * so there is no per-OS indirection here; configure's probes land in
 * objs/hx_auto_config.h, which is included first.
 */

#ifndef HX_CORE_HX_CONFIG_H
#define HX_CORE_HX_CONFIG_H

#include "hx_auto_config.h"

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <unistd.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <limits.h>
#include <pwd.h>
#include <grp.h>
#include <glob.h>
#include <dirent.h>
#include <sched.h>


typedef intptr_t        hx_int_t;
typedef uintptr_t       hx_uint_t;
typedef intptr_t        hx_flag_t;
typedef int             hx_fd_t;
typedef int             hx_err_t;
typedef uint64_t        hx_msec_t;      /* monotonic milliseconds */
typedef int64_t         hx_msec_int_t;

#define HX_INT_T_LEN        (sizeof("-9223372036854775808") - 1)
#define HX_MAX_INT_T_VALUE  INTPTR_MAX
#define HX_MAX_UINT_T_VALUE UINTPTR_MAX
#define HX_MAX_OFF_T_VALUE  INT64_MAX
#define HX_MAX_TIME_T_VALUE INT64_MAX
#define HX_OFF_T_LEN        (sizeof("-9223372036854775808") - 1)
#define HX_TIME_T_LEN       (sizeof("-9223372036854775808") - 1)

#define HX_ALIGNMENT        sizeof(unsigned long)
#define hx_align(d, a)      (((d) + (a - 1)) & ~(a - 1))
#define hx_align_ptr(p, a)                                                    \
    (uint8_t *) (((uintptr_t) (p) + ((uintptr_t) a - 1)) & ~((uintptr_t) a - 1))

#define HX_INVALID_FILE     -1
#define HX_FILE_ERROR       -1

#define hx_abs(v)           (((v) >= 0) ? (v) : -(v))
#define hx_max(a, b)        (((a) < (b)) ? (b) : (a))
#define hx_min(a, b)        (((a) > (b)) ? (b) : (a))
#define hx_nelems(a)        (sizeof(a) / sizeof((a)[0]))

#define hx_errno            errno
#define hx_set_errno(e)     (errno = (e))

#define HX_UNUSED           __attribute__((unused))

#endif /* HX_CORE_HX_CONFIG_H */

/*
 * The core umbrella header: forward declarations of the core types, the
 * status codes every subsystem shares, and the core headers in dependency
 * order.  A .c file includes hx_config.h, then this, then its own header.
 */

#ifndef HX_CORE_HX_CORE_H
#define HX_CORE_HX_CORE_H

#include "hx_config.h"


typedef struct hx_module_s          hx_module_t;
typedef struct hx_conf_s            hx_conf_t;
typedef struct hx_cycle_s           hx_cycle_t;
typedef struct hx_pool_s            hx_pool_t;
typedef struct hx_chain_s           hx_chain_t;
typedef struct hx_log_s             hx_log_t;
typedef struct hx_open_file_s       hx_open_file_t;
typedef struct hx_command_s         hx_command_t;
typedef struct hx_file_s            hx_file_t;
typedef struct hx_event_s           hx_event_t;
typedef struct hx_connection_s      hx_connection_t;
typedef struct hx_shm_zone_s        hx_shm_zone_t;

typedef void (*hx_event_handler_pt)(hx_event_t *ev);
typedef void (*hx_connection_handler_pt)(hx_connection_t *c);


/* status codes shared by every subsystem (STYLE.md section 6) */
#define HX_OK          0
#define HX_ERROR      -1
#define HX_AGAIN      -2
#define HX_BUSY       -3
#define HX_DONE       -4
#define HX_DECLINED   -5
#define HX_ABORT      -6


#include "hx_version.h"
#include "hx_string.h"
#include "hx_parse.h"
#include "hx_queue.h"
#include "hx_rbtree.h"
#include "hx_array.h"
#include "hx_list.h"
#include "hx_palloc.h"
#include "hx_buf.h"
#include "hx_hash.h"
#include "hx_crc32.h"
#include "hx_murmurhash.h"
#include "hx_times.h"
#include "hx_log.h"
#include "hx_files.h"
#include "hx_inet.h"
#include "hx_regex.h"
#include "hx_shmem.h"
#include "hx_slab.h"
#include "hx_conf_file.h"
#include "hx_module.h"
#include "hx_cycle.h"
#include "hx_process_cycle.h"
#include "hx_syslog.h"


#define LF     (uint8_t) '\n'
#define CR     (uint8_t) '\r'
#define CRLF   "\r\n"

#if (HX_DEBUG)
#define hx_assert(expr)                                                       \
    do {                                                                      \
        if (!(expr)) {                                                        \
            hx_log_stderr(0, "assertion \"%s\" failed at %s:%d",              \
                          #expr, __FILE__, __LINE__);                         \
            abort();                                                          \
        }                                                                     \
    } while (0)
#else
#define hx_assert(expr)  ((void) 0)
#endif

#endif /* HX_CORE_HX_CORE_H */

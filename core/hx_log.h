/*
 * The error log (STYLE.md section 7).  A log object carries a level, an
 * open file, the connection serial and an "action" string, and a handler
 * that appends context (client, server, upstream, VRRP instance), so
 * callers never format that context by hand.  Logs chain through "next":
 * several error_log directives at one level write to several targets, each
 * with its own level.  Lines look like nginx's:
 *   2026/11/24 00:16:09 [error] 1234#1234: *5 message, client: 127.0.0.1
 */

#ifndef HX_CORE_HX_LOG_H
#define HX_CORE_HX_LOG_H


#define HX_LOG_STDERR            0
#define HX_LOG_EMERG             1
#define HX_LOG_ALERT             2
#define HX_LOG_CRIT              3
#define HX_LOG_ERR               4
#define HX_LOG_WARN              5
#define HX_LOG_NOTICE            6
#define HX_LOG_INFO              7
#define HX_LOG_DEBUG             8

/* debug masks, selected by "error_log ... debug_<name>" */
#define HX_LOG_DEBUG_CORE        0x010
#define HX_LOG_DEBUG_ALLOC       0x020
#define HX_LOG_DEBUG_MUTEX       0x040
#define HX_LOG_DEBUG_EVENT       0x080
#define HX_LOG_DEBUG_HTTP        0x100
#define HX_LOG_DEBUG_MAIL        0x200
#define HX_LOG_DEBUG_STREAM      0x400
#define HX_LOG_DEBUG_HA          0x800

#define HX_LOG_DEBUG_FIRST       HX_LOG_DEBUG_CORE
#define HX_LOG_DEBUG_LAST        HX_LOG_DEBUG_HA
#define HX_LOG_DEBUG_CONNECTION  0x80000000
#define HX_LOG_DEBUG_ALL         0x7ffffff0

#define HX_MAX_ERROR_STR         2048


typedef uint8_t *(*hx_log_handler_pt) (hx_log_t *log, uint8_t *buf,
    size_t len);
typedef void (*hx_log_writer_pt) (hx_log_t *log, hx_uint_t level,
    uint8_t *buf, size_t len);


struct hx_log_s {
    hx_uint_t            log_level;
    hx_open_file_t      *file;

    hx_uint_t            connection;    /* serial printed as "*N" */
    time_t               disk_full_time;

    /* appends context to a line; data is the handler's */
    hx_log_handler_pt    handler;
    void                *data;

    /* a writer replaces the file (syslog, memory buffer) */
    hx_log_writer_pt     writer;
    void                *wdata;

    /* what the code is doing: "reading the request line" */
    char                *action;

    hx_log_t            *next;
};


void hx_log_error_core(hx_uint_t level, hx_log_t *log, hx_err_t err,
    const char *fmt, ...);

#define hx_log_error(level, log, ...)                                         \
    do {                                                                      \
        if ((log)->log_level >= level) {                                      \
            hx_log_error_core(level, log, __VA_ARGS__);                       \
        }                                                                     \
    } while (0)

#if (HX_DEBUG)
#define hx_log_debug(mask, log, ...)                                          \
    do {                                                                      \
        if ((log)->log_level & (mask)) {                                      \
            hx_log_error_core(HX_LOG_DEBUG, log, __VA_ARGS__);                \
        }                                                                     \
    } while (0)
#else
/* never runs, but keeps the arguments "used" and type-checked */
#define hx_log_debug(mask, log, ...)                                          \
    do {                                                                      \
        if (0) {                                                              \
            hx_log_error_core(HX_LOG_DEBUG, log, __VA_ARGS__);                \
        }                                                                     \
    } while (0)
#endif


/*
 * The first log: stderr, or the compiled-in error log path under prefix
 * when it can be opened.  Returns the static log every early message uses.
 */
hx_log_t *hx_log_init(uint8_t *prefix, uint8_t *error_log);

/* "hanx: [emerg] ..." on stderr, for messages before any log exists */
void hx_log_stderr(hx_err_t err, const char *fmt, ...);

/* formatted output with no prefix: -V, -T and the like */
void hx_fd_printf(hx_fd_t fd, const char *fmt, ...);

/* "message (13: Permission denied)" suffix */
uint8_t *hx_log_errno(uint8_t *buf, uint8_t *last, hx_err_t err);

/*
 * Parses the arguments of an error_log directive starting at args[1]
 * (file or "stderr", then levels) into a log appended to *head.
 * Returns NULL or an error string for hx_conf_file.
 */
char *hx_log_set_log(hx_conf_t *cf, hx_log_t **head);

/* inserts log into the chain ordered by level, most verbose first */
void hx_log_insert(hx_log_t *log, hx_log_t *new_log);

/* dup2()s the first file log of the cycle onto stderr (daemon mode) */
hx_int_t hx_log_redirect_stderr(hx_cycle_t *cycle);

hx_log_t *hx_log_get_file_log(hx_log_t *head);

/* the level names, "stderr" first, for error_log and for messages */
extern hx_str_t  hx_log_levels[];

extern hx_module_t  hx_errlog_module;
extern hx_uint_t    hx_use_stderr;

char *hx_strerror(hx_err_t err, char *buf, size_t size);

#endif /* HX_CORE_HX_LOG_H */

/*
 * The access log: log_format, access_log and open_log_file_cache, as
 * nginx documents them.
 *
 * A format is compiled once, at log_format time, into an array of "ops":
 * literal text, a handful of fields this module computes itself from the
 * request ($status, $time_local, $bytes_sent, ... -- read at log time,
 * never cached), and indexed variables for everything else.  Each op
 * reports its length first, so one line is one allocation (or a slice
 * of the file's buffer) and is written with one write().  Variables are
 * escaped per the format's escape= mode: "\xHH" for bytes a log parser
 * would choke on, JSON escapes, or nothing.
 *
 * Files without variables in their name are cycle open files
 * (hx_conf_open_file): opened by the cycle, shared by every access_log
 * naming them, reopened on USR1.  A buffered file keeps its buffer in
 * file->data and registers file->flush, so the cycle can flush it before
 * a reopen; a timer flushes it after flush=, and the worker flushes every
 * buffer when it exits.  gzip= compresses each flushed buffer as one
 * gzip member, which "zcat" reads back as one stream.
 *
 * A name with variables is evaluated per request and opened for that
 * write only (after checking, as nginx does, that the request's root
 * directory exists, so a request for an unknown host can't create log
 * files anywhere), unless open_log_file_cache keeps descriptors
 * (hx_http_log_cache.c).  The escapes are in hx_http_log_escape.c.
 *
 * "syslog:server=..." sends each line as one datagram with the syslog
 * header instead (hx_syslog.c); such logs are never buffered.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>

#include <hx_http_log_cache.h>
#include <hx_http_log_escape.h>

#include <zlib.h>


typedef struct hx_http_log_op_s  hx_http_log_op_t;

typedef uint8_t *(*hx_http_log_op_run_pt)(hx_http_request_t *r,
    uint8_t *buf, uint8_t *end, hx_http_log_op_t *op);
typedef size_t (*hx_http_log_op_getlen_pt)(hx_http_request_t *r,
    uintptr_t data);


/* len is the op's maximum length; 0 means "ask getlen" */
struct hx_http_log_op_s {
    size_t                      len;
    hx_http_log_op_getlen_pt    getlen;
    hx_http_log_op_run_pt       run;
    uintptr_t                   data;
};


#define HX_HTTP_LOG_ESCAPE_DEFAULT  0
#define HX_HTTP_LOG_ESCAPE_JSON     1
#define HX_HTTP_LOG_ESCAPE_NONE     2


typedef struct {
    hx_str_t                    name;
    hx_array_t                 *flushes;   /* hx_uint_t variable indexes */
    hx_array_t                 *ops;       /* hx_http_log_op_t */
} hx_http_log_fmt_t;


typedef struct {
    hx_array_t                  formats;   /* hx_http_log_fmt_t */
    hx_uint_t                   combined_used;
} hx_http_log_main_conf_t;


/* the buffer of a buffered log file, in its hx_open_file_t's data */
typedef struct {
    uint8_t                    *start;
    uint8_t                    *pos;
    uint8_t                    *last;

    hx_event_t                 *event;
    hx_msec_t                   flush;
    hx_int_t                    gzip;
} hx_http_log_buf_t;


/* a file name with variables */
typedef struct {
    hx_array_t                 *lengths;
    hx_array_t                 *values;
} hx_http_log_script_t;


typedef struct {
    hx_open_file_t             *file;
    hx_http_log_script_t       *script;
    time_t                      disk_full_time;
    time_t                      error_log_time;
    hx_syslog_peer_t      *syslog_peer;
    hx_http_log_fmt_t          *format;
    hx_http_complex_value_t    *filter;
} hx_http_log_t;


typedef struct {
    hx_array_t                 *logs;      /* hx_http_log_t */

    hx_http_log_file_cache_t   *open_file_cache;
    time_t                      open_file_cache_valid;
    hx_uint_t                   open_file_cache_min_uses;

    hx_uint_t                   off;       /* "access_log off" */
} hx_http_log_loc_conf_t;


/* a field this module computes itself, by name */
typedef struct {
    hx_str_t                    name;
    size_t                      len;
    hx_http_log_op_run_pt       run;
} hx_http_log_var_t;


static void hx_http_log_write(hx_http_request_t *r, hx_http_log_t *log,
    uint8_t *buf, size_t len);
static void hx_http_log_syslog(hx_http_request_t *r, hx_http_log_t *log,
    size_t len);
static ssize_t hx_http_log_script_write(hx_http_request_t *r,
    hx_http_log_script_t *script, uint8_t **name, uint8_t *buf, size_t len);
static ssize_t hx_http_log_gzip(hx_fd_t fd, uint8_t *buf, size_t len,
    hx_int_t level, hx_log_t *log);
static void *hx_http_log_gzip_alloc(void *opaque, u_int items, u_int size);
static void hx_http_log_gzip_free(void *opaque, void *address);

static void hx_http_log_flush(hx_open_file_t *file, hx_log_t *log);
static void hx_http_log_flush_handler(hx_event_t *ev);
static void hx_http_log_flush_all(hx_cycle_t *cycle);


static uint8_t *hx_http_log_copy(hx_http_request_t *r, uint8_t *buf,
    uint8_t *end, hx_http_log_op_t *op);
static uint8_t *hx_http_log_pipe(hx_http_request_t *r, uint8_t *buf,
    uint8_t *end, hx_http_log_op_t *op);
static uint8_t *hx_http_log_time(hx_http_request_t *r, uint8_t *buf,
    uint8_t *end, hx_http_log_op_t *op);
static uint8_t *hx_http_log_iso8601(hx_http_request_t *r, uint8_t *buf,
    uint8_t *end, hx_http_log_op_t *op);
static uint8_t *hx_http_log_msec(hx_http_request_t *r, uint8_t *buf,
    uint8_t *end, hx_http_log_op_t *op);
static uint8_t *hx_http_log_status(hx_http_request_t *r, uint8_t *buf,
    uint8_t *end, hx_http_log_op_t *op);
static uint8_t *hx_http_log_bytes_sent(hx_http_request_t *r, uint8_t *buf,
    uint8_t *end, hx_http_log_op_t *op);
static uint8_t *hx_http_log_body_bytes_sent(hx_http_request_t *r,
    uint8_t *buf, uint8_t *end, hx_http_log_op_t *op);
static uint8_t *hx_http_log_request_length(hx_http_request_t *r,
    uint8_t *buf, uint8_t *end, hx_http_log_op_t *op);

static size_t hx_http_log_variable_getlen(hx_http_request_t *r,
    uintptr_t data);
static uint8_t *hx_http_log_variable(hx_http_request_t *r, uint8_t *buf,
    uint8_t *end, hx_http_log_op_t *op);
static size_t hx_http_log_json_variable_getlen(hx_http_request_t *r,
    uintptr_t data);
static uint8_t *hx_http_log_json_variable(hx_http_request_t *r,
    uint8_t *buf, uint8_t *end, hx_http_log_op_t *op);
static size_t hx_http_log_unescaped_variable_getlen(hx_http_request_t *r,
    uintptr_t data);
static uint8_t *hx_http_log_unescaped_variable(hx_http_request_t *r,
    uint8_t *buf, uint8_t *end, hx_http_log_op_t *op);
static hx_int_t hx_http_log_check_length(hx_http_request_t *r,
    uint8_t *buf, uint8_t *end, size_t len);

static void *hx_http_log_create_main_conf(hx_conf_t *cf);
static void *hx_http_log_create_loc_conf(hx_conf_t *cf);
static char *hx_http_log_merge_loc_conf(hx_conf_t *cf, void *parent,
    void *child);
static char *hx_http_log_set_log(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_log_set_buffer(hx_conf_t *cf, hx_http_log_t *log,
    hx_str_t *name, ssize_t size, hx_msec_t flush, hx_int_t gzip);
static char *hx_http_log_set_format(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_log_compile_format(hx_conf_t *cf,
    hx_array_t *flushes, hx_array_t *ops, hx_array_t *args, hx_uint_t s);
static char *hx_http_log_compile_variable(hx_conf_t *cf,
    hx_http_log_op_t *op, hx_str_t *name, hx_uint_t escape,
    hx_array_t *flushes);
static char *hx_http_log_open_file_cache(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static hx_int_t hx_http_log_init(hx_conf_t *cf);
static void hx_http_log_exit_process(hx_cycle_t *cycle);


static hx_command_t  hx_http_log_commands[] = {

    { hx_string("log_format"),
      HX_HTTP_MAIN_CONF|HX_CONF_2MORE,
      hx_http_log_set_format,
      HX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { hx_string("access_log"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_HTTP_SIF_CONF
                        |HX_HTTP_LIF_CONF|HX_HTTP_LMT_CONF|HX_CONF_1MORE,
      hx_http_log_set_log,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("open_log_file_cache"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1234,
      hx_http_log_open_file_cache,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_log_module_ctx = {
    NULL,                                  /* preconfiguration */
    hx_http_log_init,                      /* postconfiguration */

    hx_http_log_create_main_conf,          /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    hx_http_log_create_loc_conf,           /* create location configuration */
    hx_http_log_merge_loc_conf             /* merge location configuration */
};


hx_module_t  hx_http_log_module = {
    HX_MODULE_V1,
    "hx_http_log_module",
    &hx_http_log_module_ctx,
    hx_http_log_commands,
    HX_HTTP_MODULE,
    NULL,                                  /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    hx_http_log_exit_process,              /* exit process */
    hx_http_log_exit_process               /* exit master */
};


static hx_str_t  hx_http_access_log = hx_string(HX_HTTP_LOG_PATH);


static hx_str_t  hx_http_combined_fmt =
    hx_string("$remote_addr - $remote_user [$time_local] "
              "\"$request\" $status $body_bytes_sent "
              "\"$http_referer\" \"$http_user_agent\"");


static hx_http_log_var_t  hx_http_log_vars[] = {
    { hx_string("pipe"), 1, hx_http_log_pipe },
    { hx_string("time_local"), sizeof("28/Sep/1970:12:00:00 +0600") - 1,
      hx_http_log_time },
    { hx_string("time_iso8601"), sizeof("1970-09-28T12:00:00+06:00") - 1,
      hx_http_log_iso8601 },
    { hx_string("msec"), HX_TIME_T_LEN + 4, hx_http_log_msec },
    { hx_string("status"), HX_INT_T_LEN, hx_http_log_status },
    { hx_string("bytes_sent"), HX_OFF_T_LEN, hx_http_log_bytes_sent },
    { hx_string("body_bytes_sent"), HX_OFF_T_LEN,
      hx_http_log_body_bytes_sent },
    { hx_string("request_length"), HX_OFF_T_LEN,
      hx_http_log_request_length },

    { hx_null_string, 0, NULL }
};


/* the log phase handler: one line per configured log of the location */
static hx_int_t
hx_http_log_handler(hx_http_request_t *r)
{
    size_t                   len;
    uint8_t                 *line, *p, *end;
    hx_str_t                 val;
    hx_uint_t                i, l, nops;
    hx_http_log_t           *log;
    hx_http_log_op_t        *op;
    hx_http_log_buf_t       *buffer;
    hx_http_log_loc_conf_t  *lcf;

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "http log handler");

    lcf = hx_http_get_module_loc_conf(r, hx_http_log_module);

    if (lcf->off || lcf->logs == NULL) {
        return HX_OK;
    }

    log = lcf->logs->elts;

    for (l = 0; l < lcf->logs->nelts; l++) {

        if (log[l].filter) {
            if (hx_http_complex_value(r, log[l].filter, &val) != HX_OK) {
                return HX_ERROR;
            }

            if (val.len == 0 || (val.len == 1 && val.data[0] == '0')) {
                continue;
            }
        }

        /* a full disk is not retried more than once a second */
        if (hx_time() == log[l].disk_full_time) {
            continue;
        }

        if (log[l].format->flushes) {
            hx_http_script_flush_no_cacheable_variables(r,
                                                    log[l].format->flushes);
        }

        op = log[l].format->ops->elts;
        nops = log[l].format->ops->nelts;

        len = 0;

        for (i = 0; i < nops; i++) {
            len += op[i].len ? op[i].len : op[i].getlen(r, op[i].data);
        }

        len++;   /* the line feed */

        if (log[l].syslog_peer) {
            hx_http_log_syslog(r, &log[l], len - 1);
            continue;
        }

        buffer = log[l].file ? log[l].file->data : NULL;

        if (buffer) {

            if (len > (size_t) (buffer->last - buffer->pos)) {
                hx_http_log_write(r, &log[l], buffer->start,
                                  buffer->pos - buffer->start);
                buffer->pos = buffer->start;
            }

            if (len <= (size_t) (buffer->last - buffer->pos)) {

                p = buffer->pos;
                end = p + len - 1;

                if (buffer->event && p == buffer->start) {
                    hx_add_timer(buffer->event, buffer->flush);
                }

                for (i = 0; i < nops && p; i++) {
                    p = op[i].run(r, p, end, &op[i]);
                }

                if (p == NULL) {
                    return HX_ERROR;
                }

                *p++ = LF;
                buffer->pos = p;

                continue;
            }

            /* longer than the whole buffer: written on its own */
            if (buffer->event && buffer->event->timer_set) {
                hx_del_timer(buffer->event);
            }
        }

        line = hx_pnalloc(r->pool, len);
        if (line == NULL) {
            return HX_ERROR;
        }

        p = line;
        end = line + len - 1;

        for (i = 0; i < nops && p; i++) {
            p = op[i].run(r, p, end, &op[i]);
        }

        if (p == NULL) {
            return HX_ERROR;
        }

        *p++ = LF;

        hx_http_log_write(r, &log[l], line, p - line);
    }

    return HX_OK;
}


/* one message of len bytes (header apart, no line feed) to syslog */
static void
hx_http_log_syslog(hx_http_request_t *r, hx_http_log_t *log, size_t len)
{
    size_t             size;
    ssize_t            n;
    uint8_t           *line, *p, *end;
    hx_uint_t          i, nops;
    hx_http_log_op_t  *op;

    line = hx_pnalloc(r->pool, HX_SYSLOG_HEADER_LEN(log->syslog_peer)
                               + len);
    if (line == NULL) {
        return;
    }

    p = hx_syslog_add_header(log->syslog_peer, line);
    end = p + len;

    op = log->format->ops->elts;
    nops = log->format->ops->nelts;

    for (i = 0; i < nops && p; i++) {
        p = op[i].run(r, p, end, &op[i]);
    }

    if (p == NULL) {
        return;
    }

    size = p - line;

    n = hx_syslog_send(log->syslog_peer, line, size,
                            r->connection->log);

    if (n < 0) {
        hx_log_error(HX_LOG_WARN, r->connection->log, hx_errno,
                     "send() to syslog failed");

    } else if ((size_t) n != size) {
        hx_log_error(HX_LOG_WARN, r->connection->log, 0,
                     "send() to syslog has written only %z of %uz",
                     n, size);
    }
}


static void
hx_http_log_write(hx_http_request_t *r, hx_http_log_t *log, uint8_t *buf,
    size_t len)
{
    time_t              now;
    ssize_t             n;
    uint8_t            *name;
    hx_err_t            err;
    hx_http_log_buf_t  *buffer;

    if (len == 0) {
        return;
    }

    if (log->script == NULL) {
        name = log->file->name.data;
        buffer = log->file->data;

        if (buffer && buffer->gzip) {
            n = hx_http_log_gzip(log->file->fd, buf, len, buffer->gzip,
                                 r->connection->log);
        } else {
            n = hx_write_fd(log->file->fd, buf, len);
        }

    } else {
        name = NULL;
        n = hx_http_log_script_write(r, log->script, &name, buf, len);
    }

    if (n == (ssize_t) len) {
        return;
    }

    now = hx_time();

    if (n == -1) {
        err = hx_errno;

        if (err == ENOSPC) {
            log->disk_full_time = now;
        }

        /* at most one complaint a minute per log */
        if (now - log->error_log_time > 59) {
            hx_log_error(HX_LOG_ALERT, r->connection->log, err,
                         "write() to \"%s\" failed", name);
            log->error_log_time = now;
        }

        return;
    }

    if (now - log->error_log_time > 59) {
        hx_log_error(HX_LOG_ALERT, r->connection->log, 0,
                     "write() to \"%s\" was incomplete: %z of %uz",
                     name, n, len);
        log->error_log_time = now;
    }
}


/*
 * Writes buf to the file the script names for this request.  Failures to
 * find the root or open the file are logged and then reported as a
 * complete write, so that the caller does not log them a second time.
 */
static ssize_t
hx_http_log_script_write(hx_http_request_t *r, hx_http_log_script_t *script,
    uint8_t **name, uint8_t *buf, size_t len)
{
    size_t                       root;
    ssize_t                      n;
    uint8_t                     *end;
    hx_fd_t                      fd;
    hx_str_t                     path, value, log;
    hx_err_t                     err;
    struct stat                  sb;
    hx_http_log_loc_conf_t      *llcf;
    hx_http_log_cached_file_t   *cached;

    if (!r->root_tested) {

        /* the request's root must exist before a log is created for it */

        if (hx_http_map_uri_to_path(r, &path, &root, 0) == NULL) {
            return len;
        }

        path.data[root] = '\0';

        if (hx_file_info(path.data, &sb) == -1) {
            hx_log_error(HX_LOG_ERR, r->connection->log, hx_errno,
                         "testing \"%s\" existence failed", path.data);
            return len;
        }

        if (!hx_is_dir(&sb)) {
            hx_log_error(HX_LOG_ERR, r->connection->log, ENOTDIR,
                         "testing \"%s\" existence failed", path.data);
            return len;
        }
    }

    end = hx_http_script_run(r, &value, script->lengths->elts, 1,
                             script->values->elts);
    if (end == NULL) {
        return len;
    }

    /*
     * The name is the value less the byte reserved for the NUL; copied
     * so that it is terminated whichever end the reserve was made at.
     */

    log.len = value.len - 1;
    log.data = hx_pnalloc(r->pool, log.len + 1);
    if (log.data == NULL) {
        return len;
    }

    hx_memcpy(log.data, end - log.len, log.len);
    log.data[log.len] = '\0';

    *name = log.data;

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "http log \"%s\"", log.data);

    llcf = hx_http_get_module_loc_conf(r, hx_http_log_module);

    if (llcf->open_file_cache) {
        fd = hx_http_log_cache_open(llcf->open_file_cache, &log,
                                    llcf->open_file_cache_valid,
                                    llcf->open_file_cache_min_uses,
                                    &cached, r->connection->log);

    } else {
        cached = NULL;
        fd = hx_open_file(log.data, HX_FILE_APPEND, HX_FILE_CREATE_OR_OPEN,
                          HX_FILE_DEFAULT_ACCESS);
    }

    if (fd == HX_INVALID_FILE) {
        hx_log_error(HX_LOG_CRIT, r->connection->log, hx_errno,
                     "open() \"%s\" failed", log.data);
        return len;
    }

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "http log #%d", fd);

    n = hx_write_fd(fd, buf, len);
    err = hx_errno;

    if (cached) {
        hx_http_log_cache_release(llcf->open_file_cache, cached,
                                  llcf->open_file_cache_min_uses,
                                  r->connection->log);

    } else if (hx_close_file(fd) == -1) {
        hx_log_error(HX_LOG_ALERT, r->connection->log, hx_errno,
                     "close() \"%s\" failed", log.data);
    }

    hx_set_errno(err);

    return n;
}


/*
 * Compresses buf as one gzip member and writes it.  Compression failures
 * are logged and the data dropped (reported as written); a failed write
 * returns -1 with errno set.
 */
static ssize_t
hx_http_log_gzip(hx_fd_t fd, uint8_t *buf, size_t len, hx_int_t level,
    hx_log_t *log)
{
    int          rc, wbits, memlevel;
    size_t       size;
    ssize_t      n;
    uint8_t     *out;
    hx_err_t     err;
    z_stream     zstream;
    hx_pool_t   *pool;

    wbits = MAX_WBITS;
    memlevel = MAX_MEM_LEVEL - 1;

    /* a smaller window for a small buffer: less memory, same output */
    while ((ssize_t) len < ((1 << (wbits - 1)) - 262)) {
        wbits--;
        memlevel--;
    }

    /* deflateBound()'s conservative bound plus the gzip wrapper */
    size = len + ((len + 7) >> 3) + ((len + 63) >> 6) + 5 + 18;

    pool = hx_create_pool(256, log);
    if (pool == NULL) {
        return len;
    }

    hx_memzero(&zstream, sizeof(z_stream));

    zstream.zalloc = hx_http_log_gzip_alloc;
    zstream.zfree = hx_http_log_gzip_free;
    zstream.opaque = pool;

    out = hx_pnalloc(pool, size);
    if (out == NULL) {
        goto done;
    }

    zstream.next_in = buf;
    zstream.avail_in = len;
    zstream.next_out = out;
    zstream.avail_out = size;

    rc = deflateInit2(&zstream, (int) level, Z_DEFLATED, wbits + 16,
                      memlevel, Z_DEFAULT_STRATEGY);

    if (rc != Z_OK) {
        hx_log_error(HX_LOG_ALERT, log, 0, "deflateInit2() failed: %d", rc);
        goto done;
    }

    rc = deflate(&zstream, Z_FINISH);

    if (rc != Z_STREAM_END) {
        hx_log_error(HX_LOG_ALERT, log, 0,
                     "deflate(Z_FINISH) failed: %d", rc);
        (void) deflateEnd(&zstream);
        goto done;
    }

    size -= zstream.avail_out;

    rc = deflateEnd(&zstream);

    if (rc != Z_OK) {
        hx_log_error(HX_LOG_ALERT, log, 0, "deflateEnd() failed: %d", rc);
        goto done;
    }

    n = hx_write_fd(fd, out, size);

    if (n != (ssize_t) size) {
        err = (n == -1) ? hx_errno : 0;
        hx_destroy_pool(pool);
        hx_set_errno(err);
        return -1;
    }

done:

    hx_destroy_pool(pool);

    return len;
}


static void *
hx_http_log_gzip_alloc(void *opaque, u_int items, u_int size)
{
    hx_pool_t  *pool = opaque;

    return hx_palloc(pool, (size_t) items * size);
}


static void
hx_http_log_gzip_free(void *opaque, void *address)
{
    /* the pool is destroyed as a whole after each member */
    (void) opaque;
    (void) address;
}


/* file->flush of a buffered log: writes out what the buffer holds */
static void
hx_http_log_flush(hx_open_file_t *file, hx_log_t *log)
{
    size_t              len;
    ssize_t             n;
    hx_http_log_buf_t  *buffer;

    buffer = file->data;

    if (buffer == NULL) {
        return;
    }

    len = buffer->pos - buffer->start;

    if (len == 0) {
        return;
    }

    if (buffer->gzip) {
        n = hx_http_log_gzip(file->fd, buffer->start, len, buffer->gzip, log);
    } else {
        n = hx_write_fd(file->fd, buffer->start, len);
    }

    if (n == -1) {
        hx_log_error(HX_LOG_ALERT, log, hx_errno,
                     "write() to \"%s\" failed", file->name.data);

    } else if ((size_t) n != len) {
        hx_log_error(HX_LOG_ALERT, log, 0,
                     "write() to \"%s\" was incomplete: %z of %uz",
                     file->name.data, n, len);
    }

    buffer->pos = buffer->start;

    if (buffer->event && buffer->event->timer_set) {
        hx_del_timer(buffer->event);
    }
}


static void
hx_http_log_flush_handler(hx_event_t *ev)
{
    hx_log_debug(HX_LOG_DEBUG_HTTP, ev->log, 0,
                 "http log buffer flush handler");

    hx_http_log_flush(ev->data, ev->log);
}


/* flushes every buffered access log of cycle */
static void
hx_http_log_flush_all(hx_cycle_t *cycle)
{
    hx_open_file_t  *file;
    hx_list_iter_t   it;

    if (cycle == NULL || cycle->open_files.part.elts == NULL) {
        return;
    }

    hx_list_iter_init(&it, &cycle->open_files);

    while ((file = hx_list_iter_next(&it)) != NULL) {
        if (file->flush == hx_http_log_flush) {
            hx_http_log_flush(file, cycle->log);
        }
    }
}


static void
hx_http_log_exit_process(hx_cycle_t *cycle)
{
    hx_http_log_flush_all(cycle);
}


/* the ops */

static uint8_t *
hx_http_log_copy(hx_http_request_t *r, uint8_t *buf, uint8_t *end,
    hx_http_log_op_t *op)
{
    (void) r;
    (void) end;

    return hx_cpymem(buf, (uint8_t *) op->data, op->len);
}


static uint8_t *
hx_http_log_pipe(hx_http_request_t *r, uint8_t *buf, uint8_t *end,
    hx_http_log_op_t *op)
{
    (void) end;
    (void) op;

    *buf = r->pipeline ? 'p' : '.';

    return buf + 1;
}


static uint8_t *
hx_http_log_time(hx_http_request_t *r, uint8_t *buf, uint8_t *end,
    hx_http_log_op_t *op)
{
    (void) r;
    (void) end;

    return hx_cpymem(buf, hx_cached_http_log_time.data,
                     hx_cached_http_log_time.len < op->len
                     ? hx_cached_http_log_time.len : op->len);
}


static uint8_t *
hx_http_log_iso8601(hx_http_request_t *r, uint8_t *buf, uint8_t *end,
    hx_http_log_op_t *op)
{
    (void) r;
    (void) end;

    return hx_cpymem(buf, hx_cached_http_log_iso8601.data,
                     hx_cached_http_log_iso8601.len < op->len
                     ? hx_cached_http_log_iso8601.len : op->len);
}


static uint8_t *
hx_http_log_msec(hx_http_request_t *r, uint8_t *buf, uint8_t *end,
    hx_http_log_op_t *op)
{
    hx_time_t  *tp;

    (void) r;
    (void) end;
    (void) op;

    tp = hx_timeofday();

    return hx_sprintf(buf, "%T.%03ui", tp->sec, tp->msec);
}


static uint8_t *
hx_http_log_status(hx_http_request_t *r, uint8_t *buf, uint8_t *end,
    hx_http_log_op_t *op)
{
    hx_uint_t  status;

    (void) end;
    (void) op;

    if (r->err_status) {
        status = r->err_status;

    } else if (r->headers_out.status) {
        status = r->headers_out.status;

    } else if (r->http_version == HX_HTTP_VERSION_9) {
        status = 9;

    } else {
        status = 0;
    }

    return hx_sprintf(buf, "%03ui", status);
}


static uint8_t *
hx_http_log_bytes_sent(hx_http_request_t *r, uint8_t *buf, uint8_t *end,
    hx_http_log_op_t *op)
{
    (void) end;
    (void) op;

    return hx_sprintf(buf, "%O", r->connection->sent);
}


/* bytes sent minus the header, as Apache's %B counts it */
static uint8_t *
hx_http_log_body_bytes_sent(hx_http_request_t *r, uint8_t *buf, uint8_t *end,
    hx_http_log_op_t *op)
{
    off_t  length;

    (void) end;
    (void) op;

    length = r->connection->sent - (off_t) r->header_size;

    if (length > 0) {
        return hx_sprintf(buf, "%O", length);
    }

    *buf = '0';

    return buf + 1;
}


static uint8_t *
hx_http_log_request_length(hx_http_request_t *r, uint8_t *buf, uint8_t *end,
    hx_http_log_op_t *op)
{
    (void) end;
    (void) op;

    return hx_sprintf(buf, "%O", r->request_length);
}


/*
 * Variables.  getlen computes the value (cached for the run that
 * follows) and records in value->escape whether escaping is needed.
 */

static size_t
hx_http_log_variable_getlen(hx_http_request_t *r, uintptr_t data)
{
    uintptr_t                  len;
    hx_http_variable_value_t  *value;

    value = hx_http_get_indexed_variable(r, data);

    if (value == NULL || value->not_found) {
        return 1;
    }

    len = hx_http_log_escape(NULL, value->data, value->len);

    value->escape = len ? 1 : 0;

    return value->len + len * 3;
}


static uint8_t *
hx_http_log_variable(hx_http_request_t *r, uint8_t *buf, uint8_t *end,
    hx_http_log_op_t *op)
{
    uintptr_t                  len;
    hx_http_variable_value_t  *value;

    value = hx_http_get_indexed_variable(r, op->data);

    if (value == NULL || value->not_found) {
        if (hx_http_log_check_length(r, buf, end, 1) != HX_OK) {
            return NULL;
        }

        *buf = '-';
        return buf + 1;
    }

    if (value->escape == 0) {
        if (hx_http_log_check_length(r, buf, end, value->len) != HX_OK) {
            return NULL;
        }

        return hx_cpymem(buf, value->data, value->len);
    }

    len = hx_http_log_escape(NULL, value->data, value->len);

    if (hx_http_log_check_length(r, buf, end, value->len + len * 3)
        != HX_OK)
    {
        return NULL;
    }

    return (uint8_t *) hx_http_log_escape(buf, value->data, value->len);
}


static size_t
hx_http_log_json_variable_getlen(hx_http_request_t *r, uintptr_t data)
{
    uintptr_t                  len;
    hx_http_variable_value_t  *value;

    value = hx_http_get_indexed_variable(r, data);

    if (value == NULL || value->not_found) {
        return 0;
    }

    len = hx_http_log_escape_json(NULL, value->data, value->len);

    value->escape = len ? 1 : 0;

    return value->len + len;
}


static uint8_t *
hx_http_log_json_variable(hx_http_request_t *r, uint8_t *buf, uint8_t *end,
    hx_http_log_op_t *op)
{
    uintptr_t                  len;
    hx_http_variable_value_t  *value;

    value = hx_http_get_indexed_variable(r, op->data);

    if (value == NULL || value->not_found) {
        return buf;
    }

    if (value->escape == 0) {
        if (hx_http_log_check_length(r, buf, end, value->len) != HX_OK) {
            return NULL;
        }

        return hx_cpymem(buf, value->data, value->len);
    }

    len = hx_http_log_escape_json(NULL, value->data, value->len);

    if (hx_http_log_check_length(r, buf, end, value->len + len) != HX_OK) {
        return NULL;
    }

    return (uint8_t *) hx_http_log_escape_json(buf, value->data, value->len);
}


static size_t
hx_http_log_unescaped_variable_getlen(hx_http_request_t *r, uintptr_t data)
{
    hx_http_variable_value_t  *value;

    value = hx_http_get_indexed_variable(r, data);

    if (value == NULL || value->not_found) {
        return 0;
    }

    value->escape = 0;

    return value->len;
}


static uint8_t *
hx_http_log_unescaped_variable(hx_http_request_t *r, uint8_t *buf,
    uint8_t *end, hx_http_log_op_t *op)
{
    hx_http_variable_value_t  *value;

    value = hx_http_get_indexed_variable(r, op->data);

    if (value == NULL || value->not_found) {
        return buf;
    }

    if (hx_http_log_check_length(r, buf, end, value->len) != HX_OK) {
        return NULL;
    }

    return hx_cpymem(buf, value->data, value->len);
}


/* a value that changed between measuring and writing must not overflow */
static hx_int_t
hx_http_log_check_length(hx_http_request_t *r, uint8_t *buf, uint8_t *end,
    size_t len)
{
    if (end - buf < (ssize_t) len) {
        hx_log_error(HX_LOG_ALERT, r->connection->log, 0,
                     "no buffer space in log script copy");
        return HX_ERROR;
    }

    return HX_OK;
}


/* configuration */

static void *
hx_http_log_create_main_conf(hx_conf_t *cf)
{
    hx_http_log_fmt_t        *fmt;
    hx_http_log_main_conf_t  *conf;

    conf = hx_pcalloc(cf->pool, sizeof(hx_http_log_main_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    if (hx_array_init(&conf->formats, cf->pool, 4, sizeof(hx_http_log_fmt_t))
        != HX_OK)
    {
        return NULL;
    }

    /* "combined" is always there; compiled at the end when used */

    fmt = hx_array_push(&conf->formats);
    if (fmt == NULL) {
        return NULL;
    }

    hx_str_set(&fmt->name, "combined");

    fmt->flushes = NULL;

    fmt->ops = hx_array_create(cf->pool, 16, sizeof(hx_http_log_op_t));
    if (fmt->ops == NULL) {
        return NULL;
    }

    return conf;
}


static void *
hx_http_log_create_loc_conf(hx_conf_t *cf)
{
    hx_http_log_loc_conf_t  *conf;

    conf = hx_pcalloc(cf->pool, sizeof(hx_http_log_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by hx_pcalloc():
     *
     *     conf->logs = NULL;
     *     conf->off = 0;
     */

    conf->open_file_cache = HX_CONF_UNSET_PTR;

    return conf;
}


static char *
hx_http_log_merge_loc_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_http_log_loc_conf_t  *prev = parent;
    hx_http_log_loc_conf_t  *conf = child;

    hx_http_log_t            *log;
    hx_http_log_fmt_t        *fmt;
    hx_http_log_main_conf_t  *lmcf;

    if (conf->open_file_cache == HX_CONF_UNSET_PTR) {

        conf->open_file_cache = prev->open_file_cache;
        conf->open_file_cache_valid = prev->open_file_cache_valid;
        conf->open_file_cache_min_uses = prev->open_file_cache_min_uses;

        if (conf->open_file_cache == HX_CONF_UNSET_PTR) {
            conf->open_file_cache = NULL;
        }
    }

    if (conf->logs || conf->off) {
        return HX_CONF_OK;
    }

    conf->logs = prev->logs;
    conf->off = prev->off;

    if (conf->logs || conf->off) {
        return HX_CONF_OK;
    }

    /* nothing anywhere above: logs/access.log in the combined format */

    conf->logs = hx_array_create(cf->pool, 2, sizeof(hx_http_log_t));
    if (conf->logs == NULL) {
        return HX_CONF_ERROR;
    }

    log = hx_array_push(conf->logs);
    if (log == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(log, sizeof(hx_http_log_t));

    log->file = hx_conf_open_file(cf->cycle, &hx_http_access_log);
    if (log->file == NULL) {
        return HX_CONF_ERROR;
    }

    lmcf = hx_http_conf_get_module_main_conf(cf, hx_http_log_module);
    fmt = lmcf->formats.elts;

    log->format = &fmt[0];
    lmcf->combined_used = 1;

    return HX_CONF_OK;
}


/*
 * access_log path [format [buffer=size] [gzip[=level]] [flush=time]
 * [if=condition]] | off
 */
static char *
hx_http_log_set_log(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_log_loc_conf_t  *llcf = conf;

    ssize_t                           size;
    hx_int_t                          gzip;
    hx_str_t                         *value, name, s;
    hx_uint_t                         i, n;
    hx_msec_t                         flush;
    hx_http_log_t                    *log;
    hx_http_log_fmt_t                *fmt;
    hx_http_log_main_conf_t          *lmcf;
    hx_http_script_compile_t          sc;
    hx_http_compile_complex_value_t   ccv;

    (void) cmd;

    value = cf->args->elts;

    if (hx_strcmp(value[1].data, "off") == 0) {
        llcf->off = 1;

        if (cf->args->nelts == 2) {
            return HX_CONF_OK;
        }

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid parameter \"%V\"", &value[2]);
        return HX_CONF_ERROR;
    }

    if (llcf->logs == NULL) {
        llcf->logs = hx_array_create(cf->pool, 2, sizeof(hx_http_log_t));
        if (llcf->logs == NULL) {
            return HX_CONF_ERROR;
        }
    }

    lmcf = hx_http_conf_get_module_main_conf(cf, hx_http_log_module);

    log = hx_array_push(llcf->logs);
    if (log == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(log, sizeof(hx_http_log_t));

    if (hx_strncmp(value[1].data, "syslog:", 7) == 0) {

        log->syslog_peer = hx_pcalloc(cf->pool,
                                      sizeof(hx_syslog_peer_t));
        if (log->syslog_peer == NULL) {
            return HX_CONF_ERROR;
        }

        if (hx_syslog_process_conf(cf, log->syslog_peer)
            != HX_CONF_OK)
        {
            return HX_CONF_ERROR;
        }

        n = 0;

    } else {
        n = hx_http_script_variables_count(&value[1]);
    }

    if (log->syslog_peer) {
        /* no file */

    } else if (n == 0) {
        log->file = hx_conf_open_file(cf->cycle, &value[1]);
        if (log->file == NULL) {
            return HX_CONF_ERROR;
        }

    } else {
        if (hx_conf_full_name(cf->cycle, &value[1], 0) != HX_OK) {
            return HX_CONF_ERROR;
        }

        log->script = hx_pcalloc(cf->pool, sizeof(hx_http_log_script_t));
        if (log->script == NULL) {
            return HX_CONF_ERROR;
        }

        hx_memzero(&sc, sizeof(hx_http_script_compile_t));

        sc.cf = cf;
        sc.source = &value[1];
        sc.lengths = &log->script->lengths;
        sc.values = &log->script->values;
        sc.variables = n;
        sc.complete_lengths = 1;
        sc.complete_values = 1;

        if (hx_http_script_compile(&sc) != HX_OK) {
            return HX_CONF_ERROR;
        }
    }

    if (cf->args->nelts >= 3) {
        name = value[2];

        if (hx_strcmp(name.data, "combined") == 0) {
            lmcf->combined_used = 1;
        }

    } else {
        hx_str_set(&name, "combined");
        lmcf->combined_used = 1;
    }

    fmt = lmcf->formats.elts;

    for (i = 0; i < lmcf->formats.nelts; i++) {
        if (fmt[i].name.len == name.len
            && hx_strncasecmp(fmt[i].name.data, name.data, name.len) == 0)
        {
            log->format = &fmt[i];
            break;
        }
    }

    if (log->format == NULL) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "unknown log format \"%V\"", &name);
        return HX_CONF_ERROR;
    }

    size = 0;
    flush = 0;
    gzip = 0;

    for (i = 3; i < cf->args->nelts; i++) {

        if (hx_strncmp(value[i].data, "buffer=", 7) == 0) {
            s.len = value[i].len - 7;
            s.data = value[i].data + 7;

            size = hx_parse_size(&s);

            if (size == HX_ERROR || size == 0) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid buffer size \"%V\"", &s);
                return HX_CONF_ERROR;
            }

            continue;
        }

        if (hx_strncmp(value[i].data, "flush=", 6) == 0) {
            s.len = value[i].len - 6;
            s.data = value[i].data + 6;

            flush = (hx_msec_t) hx_parse_time(&s, 0);

            if (flush == (hx_msec_t) HX_ERROR || flush == 0) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid flush time \"%V\"", &s);
                return HX_CONF_ERROR;
            }

            continue;
        }

        if (hx_strncmp(value[i].data, "gzip", 4) == 0
            && (value[i].len == 4 || value[i].data[4] == '='))
        {
            if (size == 0) {
                size = 64 * 1024;
            }

            if (value[i].len == 4) {
                gzip = Z_BEST_SPEED;
                continue;
            }

            s.len = value[i].len - 5;
            s.data = value[i].data + 5;

            gzip = hx_atoi(s.data, s.len);

            if (gzip < 1 || gzip > 9) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid compression level \"%V\"", &s);
                return HX_CONF_ERROR;
            }

            continue;
        }

        if (hx_strncmp(value[i].data, "if=", 3) == 0) {
            s.len = value[i].len - 3;
            s.data = value[i].data + 3;

            hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

            ccv.cf = cf;
            ccv.value = &s;
            ccv.complex_value = hx_palloc(cf->pool,
                                          sizeof(hx_http_complex_value_t));
            if (ccv.complex_value == NULL) {
                return HX_CONF_ERROR;
            }

            if (hx_http_compile_complex_value(&ccv) != HX_OK) {
                return HX_CONF_ERROR;
            }

            log->filter = ccv.complex_value;

            continue;
        }

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid parameter \"%V\"", &value[i]);
        return HX_CONF_ERROR;
    }

    if (flush && size == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "no buffer is defined for access_log \"%V\"",
                          &value[1]);
        return HX_CONF_ERROR;
    }

    if (size) {
        return hx_http_log_set_buffer(cf, log, &value[1], size, flush, gzip);
    }

    return HX_CONF_OK;
}


/* gives log's file a buffer, or checks the one another log gave it */
static char *
hx_http_log_set_buffer(hx_conf_t *cf, hx_http_log_t *log, hx_str_t *name,
    ssize_t size, hx_msec_t flush, hx_int_t gzip)
{
    hx_http_log_buf_t  *buffer;

    if (log->script) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "buffered logs cannot have variables in name");
        return HX_CONF_ERROR;
    }

    if (log->syslog_peer) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "logs to syslog cannot be buffered");
        return HX_CONF_ERROR;
    }

    if (log->file->data) {
        buffer = log->file->data;

        if (buffer->last - buffer->start != size
            || buffer->flush != flush
            || buffer->gzip != gzip)
        {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "access_log \"%V\" already defined "
                              "with conflicting parameters", name);
            return HX_CONF_ERROR;
        }

        return HX_CONF_OK;
    }

    buffer = hx_pcalloc(cf->pool, sizeof(hx_http_log_buf_t));
    if (buffer == NULL) {
        return HX_CONF_ERROR;
    }

    buffer->start = hx_pnalloc(cf->pool, size);
    if (buffer->start == NULL) {
        return HX_CONF_ERROR;
    }

    buffer->pos = buffer->start;
    buffer->last = buffer->start + size;

    if (flush) {
        buffer->event = hx_pcalloc(cf->pool, sizeof(hx_event_t));
        if (buffer->event == NULL) {
            return HX_CONF_ERROR;
        }

        buffer->event->data = log->file;
        buffer->event->handler = hx_http_log_flush_handler;
        buffer->event->log = &cf->cycle->new_log;
        buffer->event->cancelable = 1;

        buffer->flush = flush;
    }

    buffer->gzip = gzip;

    log->file->flush = hx_http_log_flush;
    log->file->data = buffer;

    return HX_CONF_OK;
}


/* log_format name [escape=default|json|none] string ... */
static char *
hx_http_log_set_format(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_log_main_conf_t  *lmcf = conf;

    hx_str_t           *value;
    hx_uint_t           i;
    hx_http_log_fmt_t  *fmt;

    (void) cmd;

    value = cf->args->elts;

    fmt = lmcf->formats.elts;

    for (i = 0; i < lmcf->formats.nelts; i++) {
        if (fmt[i].name.len == value[1].len
            && hx_strcmp(fmt[i].name.data, value[1].data) == 0)
        {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "duplicate \"log_format\" name \"%V\"",
                              &value[1]);
            return HX_CONF_ERROR;
        }
    }

    fmt = hx_array_push(&lmcf->formats);
    if (fmt == NULL) {
        return HX_CONF_ERROR;
    }

    fmt->name = value[1];

    fmt->flushes = hx_array_create(cf->pool, 4, sizeof(hx_uint_t));
    if (fmt->flushes == NULL) {
        return HX_CONF_ERROR;
    }

    fmt->ops = hx_array_create(cf->pool, 16, sizeof(hx_http_log_op_t));
    if (fmt->ops == NULL) {
        return HX_CONF_ERROR;
    }

    return hx_http_log_compile_format(cf, fmt->flushes, fmt->ops, cf->args,
                                      2);
}


/*
 * Compiles args[s..] (an optional escape= first) into ops: the words
 * are concatenated; "$name" and "${name}" become fields or variables,
 * everything else literal text.
 */
static char *
hx_http_log_compile_format(hx_conf_t *cf, hx_array_t *flushes,
    hx_array_t *ops, hx_array_t *args, hx_uint_t s)
{
    uint8_t            *data, *p, *last, *lit, ch;
    size_t              len;
    hx_str_t           *value, var;
    hx_uint_t           escape, bracket;
    hx_http_log_op_t   *op;

    escape = HX_HTTP_LOG_ESCAPE_DEFAULT;
    value = args->elts;

    if (s < args->nelts
        && hx_strncmp(value[s].data, "escape=", 7) == 0)
    {
        data = value[s].data + 7;

        if (hx_strcmp(data, "json") == 0) {
            escape = HX_HTTP_LOG_ESCAPE_JSON;

        } else if (hx_strcmp(data, "none") == 0) {
            escape = HX_HTTP_LOG_ESCAPE_NONE;

        } else if (hx_strcmp(data, "default") != 0) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "unknown log format escaping \"%s\"", data);
            return HX_CONF_ERROR;
        }

        s++;
    }

    for ( /* void */ ; s < args->nelts; s++) {

        p = value[s].data;
        last = p + value[s].len;

        while (p < last) {

            if (*p == '$') {

                p++;

                if (p < last && *p == '{') {
                    bracket = 1;
                    p++;

                } else {
                    bracket = 0;
                }

                var.data = p;

                while (p < last) {
                    ch = *p;

                    if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')
                        || (ch >= '0' && ch <= '9') || ch == '_')
                    {
                        p++;
                        continue;
                    }

                    break;
                }

                var.len = p - var.data;

                if (bracket) {
                    if (p == last || *p != '}') {
                        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                          "the closing bracket in \"%V\" "
                                          "variable is missing", &var);
                        return HX_CONF_ERROR;
                    }

                    p++;
                }

                if (var.len == 0) {
                    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                      "invalid parameter \"%s\"",
                                      value[s].data);
                    return HX_CONF_ERROR;
                }

                op = hx_array_push(ops);
                if (op == NULL) {
                    return HX_CONF_ERROR;
                }

                if (hx_http_log_compile_variable(cf, op, &var, escape,
                                                 flushes)
                    != HX_CONF_OK)
                {
                    return HX_CONF_ERROR;
                }

                continue;
            }

            lit = p;

            while (p < last && *p != '$') {
                p++;
            }

            len = p - lit;

            op = hx_array_push(ops);
            if (op == NULL) {
                return HX_CONF_ERROR;
            }

            data = hx_pnalloc(cf->pool, len);
            if (data == NULL) {
                return HX_CONF_ERROR;
            }

            hx_memcpy(data, lit, len);

            op->len = len;
            op->getlen = NULL;
            op->run = hx_http_log_copy;
            op->data = (uintptr_t) data;
        }
    }

    return HX_CONF_OK;
}


static char *
hx_http_log_compile_variable(hx_conf_t *cf, hx_http_log_op_t *op,
    hx_str_t *name, hx_uint_t escape, hx_array_t *flushes)
{
    hx_int_t            index;
    hx_uint_t          *flush;
    hx_http_log_var_t  *v;

    for (v = hx_http_log_vars; v->name.len; v++) {
        if (v->name.len == name->len
            && hx_strncmp(v->name.data, name->data, name->len) == 0)
        {
            op->len = v->len;
            op->getlen = NULL;
            op->run = v->run;
            op->data = 0;

            return HX_CONF_OK;
        }
    }

    index = hx_http_get_variable_index(cf, name);
    if (index == HX_ERROR) {
        return HX_CONF_ERROR;
    }

    op->len = 0;

    switch (escape) {

    case HX_HTTP_LOG_ESCAPE_JSON:
        op->getlen = hx_http_log_json_variable_getlen;
        op->run = hx_http_log_json_variable;
        break;

    case HX_HTTP_LOG_ESCAPE_NONE:
        op->getlen = hx_http_log_unescaped_variable_getlen;
        op->run = hx_http_log_unescaped_variable;
        break;

    default: /* HX_HTTP_LOG_ESCAPE_DEFAULT */
        op->getlen = hx_http_log_variable_getlen;
        op->run = hx_http_log_variable;
    }

    op->data = index;

    if (flushes) {
        flush = hx_array_push(flushes);
        if (flush == NULL) {
            return HX_CONF_ERROR;
        }

        *flush = index;
    }

    return HX_CONF_OK;
}


/* open_log_file_cache max=N [inactive=time] [min_uses=N] [valid=time] | off */
static char *
hx_http_log_open_file_cache(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_log_loc_conf_t  *llcf = conf;

    time_t                      inactive, valid;
    hx_int_t                    max, min_uses;
    hx_str_t                   *value, s;
    hx_uint_t                   i;
    hx_http_log_file_cache_t   *cache;

    (void) cmd;

    if (llcf->open_file_cache != HX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    max = 0;
    inactive = 10;
    valid = 60;
    min_uses = 1;

    for (i = 1; i < cf->args->nelts; i++) {

        if (hx_strncmp(value[i].data, "max=", 4) == 0) {

            max = hx_atoi(value[i].data + 4, value[i].len - 4);
            if (max == HX_ERROR || max == 0) {
                goto failed;
            }

            continue;
        }

        if (hx_strncmp(value[i].data, "inactive=", 9) == 0) {

            s.len = value[i].len - 9;
            s.data = value[i].data + 9;

            inactive = hx_parse_time(&s, 1);
            if (inactive == (time_t) HX_ERROR) {
                goto failed;
            }

            continue;
        }

        if (hx_strncmp(value[i].data, "min_uses=", 9) == 0) {

            min_uses = hx_atoi(value[i].data + 9, value[i].len - 9);
            if (min_uses == HX_ERROR) {
                goto failed;
            }

            continue;
        }

        if (hx_strncmp(value[i].data, "valid=", 6) == 0) {

            s.len = value[i].len - 6;
            s.data = value[i].data + 6;

            valid = hx_parse_time(&s, 1);
            if (valid == (time_t) HX_ERROR) {
                goto failed;
            }

            continue;
        }

        if (hx_strcmp(value[i].data, "off") == 0) {

            llcf->open_file_cache = NULL;

            continue;
        }

    failed:

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid \"open_log_file_cache\" parameter \"%V\"",
                          &value[i]);
        return HX_CONF_ERROR;
    }

    if (llcf->open_file_cache == NULL) {
        return HX_CONF_OK;
    }

    if (max == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "\"open_log_file_cache\" must have \"max\" "
                          "parameter");
        return HX_CONF_ERROR;
    }

    cache = hx_http_log_cache_create(cf->pool, max, inactive);
    if (cache == NULL) {
        return HX_CONF_ERROR;
    }

    llcf->open_file_cache = cache;
    llcf->open_file_cache_valid = valid;
    llcf->open_file_cache_min_uses = min_uses;

    return HX_CONF_OK;
}


/* compiles "combined" if used and joins the log phase */
static hx_int_t
hx_http_log_init(hx_conf_t *cf)
{
    hx_str_t                  *value;
    hx_array_t                 a;
    hx_http_handler_pt        *h;
    hx_http_log_fmt_t         *fmt;
    hx_http_log_main_conf_t   *lmcf;
    hx_http_core_main_conf_t  *cmcf;

    lmcf = hx_http_conf_get_module_main_conf(cf, hx_http_log_module);

    if (lmcf->combined_used) {
        if (hx_array_init(&a, cf->pool, 1, sizeof(hx_str_t)) != HX_OK) {
            return HX_ERROR;
        }

        value = hx_array_push(&a);
        if (value == NULL) {
            return HX_ERROR;
        }

        *value = hx_http_combined_fmt;
        fmt = lmcf->formats.elts;

        if (hx_http_log_compile_format(cf, NULL, fmt->ops, &a, 0)
            != HX_CONF_OK)
        {
            return HX_ERROR;
        }
    }

    cmcf = hx_http_conf_get_module_main_conf(cf, hx_http_core_module);

    h = hx_array_push(&cmcf->phases[HX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return HX_ERROR;
    }

    *h = hx_http_log_handler;

    return HX_OK;
}

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
 * (core/hx_log_cache.c).  The escapes (core/hx_log_escape.c), the
 * file's buffer, gzip and flushing (core/hx_log_file.c) and the cache
 * are shared with the stream access log.
 *
 * "syslog:server=..." sends each line as one datagram with the syslog
 * header instead (hx_syslog.c); such logs are never buffered.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>

#include <hx_log_escape.h>
#include <hx_log_file.h>
#include <hx_log_cache.h>


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


typedef struct {
    hx_str_t                    name;
    hx_array_t                 *flushes;   /* hx_uint_t variable indexes */
    hx_array_t                 *ops;       /* hx_http_log_op_t */
} hx_http_log_fmt_t;


typedef struct {
    hx_array_t                  formats;   /* hx_http_log_fmt_t */
    hx_uint_t                   combined_used;
} hx_http_log_main_conf_t;


/* a file name with variables */
typedef struct {
    hx_array_t                 *lengths;
    hx_array_t                 *values;
} hx_http_log_script_t;


typedef struct {
    hx_log_file_t               lf;        /* lf.file NULL: see script */
    hx_http_log_script_t       *script;
    hx_syslog_peer_t           *syslog_peer;
    hx_http_log_fmt_t          *format;
    hx_http_complex_value_t    *filter;
} hx_http_log_t;


typedef struct {
    hx_array_t                 *logs;      /* hx_http_log_t */

    hx_log_cache_conf_t         open_file_cache;

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
    hx_log_file_flush_all,                 /* exit process */
    hx_log_file_flush_all                  /* exit master */
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
    hx_uint_t                i, l, nops, buffered;
    hx_http_log_t           *log;
    hx_http_log_op_t        *op;
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

        if (hx_log_file_disk_full(&log[l].lf)) {
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

        /* into the file's buffer, or a line of its own */

        line = hx_log_file_reserve(&log[l].lf, len, r->connection->log);
        buffered = (line != NULL);

        if (line == NULL) {
            line = hx_pnalloc(r->pool, len);
            if (line == NULL) {
                return HX_ERROR;
            }
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

        if (buffered) {
            hx_log_file_commit(&log[l].lf, p);
            continue;
        }

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


/* a whole line (or more) to log's file, or the file its name leads to */
static void
hx_http_log_write(hx_http_request_t *r, hx_http_log_t *log, uint8_t *buf,
    size_t len)
{
    ssize_t   n;
    uint8_t  *name;

    if (log->script == NULL) {
        hx_log_file_write(&log->lf, buf, len, r->connection->log);
        return;
    }

    if (len == 0) {
        return;
    }

    name = NULL;
    n = hx_http_log_script_write(r, log->script, &name, buf, len);

    hx_log_file_result(&log->lf, name, n, len, r->connection->log);
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
    size_t                    root;
    uint8_t                  *end;
    hx_str_t                  path, value, log;
    struct stat               sb;
    hx_http_log_loc_conf_t   *llcf;

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

    return hx_log_cache_write(&llcf->open_file_cache, &log, buf, len,
                              r->connection->log);
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

    len = hx_log_escape(NULL, value->data, value->len);

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

    len = hx_log_escape(NULL, value->data, value->len);

    if (hx_http_log_check_length(r, buf, end, value->len + len * 3)
        != HX_OK)
    {
        return NULL;
    }

    return (uint8_t *) hx_log_escape(buf, value->data, value->len);
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

    len = hx_escape_json(NULL, value->data, value->len);

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

    len = hx_escape_json(NULL, value->data, value->len);

    if (hx_http_log_check_length(r, buf, end, value->len + len) != HX_OK) {
        return NULL;
    }

    return (uint8_t *) hx_escape_json(buf, value->data, value->len);
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

    conf->open_file_cache.cache = HX_CONF_UNSET_PTR;

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

    hx_log_cache_merge(&conf->open_file_cache, &prev->open_file_cache);

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

    log->lf.file = hx_conf_open_file(cf->cycle, &hx_http_access_log);
    if (log->lf.file == NULL) {
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

    hx_str_t                         *value, name;
    hx_uint_t                         i, n;
    hx_log_file_params_t              params;
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
        log->lf.file = hx_conf_open_file(cf->cycle, &value[1]);
        if (log->lf.file == NULL) {
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

    if (hx_log_file_params(cf, 3, &params) != HX_OK) {
        return HX_CONF_ERROR;
    }

    if (params.filter.data) {
        hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &params.filter;
        ccv.complex_value = hx_palloc(cf->pool,
                                      sizeof(hx_http_complex_value_t));
        if (ccv.complex_value == NULL) {
            return HX_CONF_ERROR;
        }

        if (hx_http_compile_complex_value(&ccv) != HX_OK) {
            return HX_CONF_ERROR;
        }

        log->filter = ccv.complex_value;
    }

    if (params.size && log->syslog_peer) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "logs to syslog cannot be buffered");
        return HX_CONF_ERROR;
    }

    return hx_log_file_set_buffer(cf, log->lf.file, &value[1], &params);
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
    hx_int_t            rc;
    hx_str_t           *value, var;
    hx_uint_t           escape, bracket;
    hx_http_log_op_t   *op;

    escape = HX_LOG_ESCAPE_DEFAULT;
    value = args->elts;

    if (s < args->nelts) {
        rc = hx_log_escape_param(cf, &value[s], &escape);

        if (rc == HX_ERROR) {
            return HX_CONF_ERROR;
        }

        s += (rc == HX_OK);
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

    case HX_LOG_ESCAPE_JSON:
        op->getlen = hx_http_log_json_variable_getlen;
        op->run = hx_http_log_json_variable;
        break;

    case HX_LOG_ESCAPE_NONE:
        op->getlen = hx_http_log_unescaped_variable_getlen;
        op->run = hx_http_log_unescaped_variable;
        break;

    default: /* HX_LOG_ESCAPE_DEFAULT */
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

    (void) cmd;

    return hx_log_cache_directive(cf, &llcf->open_file_cache);
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

/*
 * The stream access log: log_format, access_log and open_log_file_cache
 * in stream {}, as nginx documents them.  One line per session, written
 * by the log phase when the session ends.
 *
 * A format is compiled as a stream complex value (literal text and
 * variables, nothing else exists in stream) and evaluated part by part,
 * each variable escaped per the format's escape= mode, so the line's
 * length is known before it is written.  A missing value prints "-"
 * with the default escaping and nothing with json or none, as nginx's
 * stream log does.
 *
 * A file without variables in its name is a cycle open file, reopened on
 * USR1.  With buffer= its lines collect in a buffer hung on the file
 * (file->data, file->flush for the reopen), written out when full, after
 * flush= (a timer that does not hold a stopping worker back), and when
 * the worker exits; with gzip each written buffer is one gzip member, so
 * the file reads back with zcat.  A file name with variables is opened,
 * written and closed for each line: open_log_file_cache is accepted and
 * checked, but keeps no descriptors.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>

#include <zlib.h>


#define HX_STREAM_LOG_ESCAPE_DEFAULT  0
#define HX_STREAM_LOG_ESCAPE_JSON     1
#define HX_STREAM_LOG_ESCAPE_NONE     2


typedef struct {
    hx_str_t                        name;
    hx_uint_t                       escape;
    hx_stream_complex_value_t       value;
} hx_stream_log_fmt_t;


typedef struct {
    hx_array_t                      formats;    /* hx_stream_log_fmt_t */
} hx_stream_log_main_conf_t;


/* the buffer of a buffered file, in its hx_open_file_t's data */
typedef struct {
    uint8_t                        *start;
    uint8_t                        *pos;
    uint8_t                        *last;

    hx_event_t                     *event;
    hx_msec_t                       flush;
    hx_int_t                        gzip;
} hx_stream_log_buf_t;


typedef struct {
    hx_open_file_t                 *file;       /* NULL: name has variables */
    hx_stream_complex_value_t      *script;
    hx_stream_log_fmt_t            *format;
    hx_stream_complex_value_t      *filter;     /* if= */
    time_t                          disk_full_time;
    time_t                          error_log_time;
} hx_stream_log_t;


typedef struct {
    hx_array_t                     *logs;       /* hx_stream_log_t */
    hx_uint_t                       off;        /* "access_log off" */
    hx_uint_t                       open_file_cache;  /* given: 1 */
} hx_stream_log_srv_conf_t;


static hx_int_t hx_stream_log_handler(hx_stream_session_t *s);
static hx_int_t hx_stream_log_format_line(hx_stream_session_t *s,
    hx_stream_log_fmt_t *fmt, hx_str_t *line);
static size_t hx_stream_log_escape(hx_uint_t mode, uint8_t *dst,
    uint8_t *src, size_t size);
static void hx_stream_log_write(hx_stream_session_t *s, hx_stream_log_t *log,
    uint8_t *buf, size_t len);
static ssize_t hx_stream_log_gzip(hx_fd_t fd, uint8_t *buf, size_t len,
    hx_int_t level, hx_log_t *log);
static void hx_stream_log_flush(hx_open_file_t *file, hx_log_t *log);
static void hx_stream_log_flush_handler(hx_event_t *ev);
static void hx_stream_log_exit_process(hx_cycle_t *cycle);

static void *hx_stream_log_create_main_conf(hx_conf_t *cf);
static void *hx_stream_log_create_srv_conf(hx_conf_t *cf);
static char *hx_stream_log_merge_srv_conf(hx_conf_t *cf, void *parent,
    void *child);
static char *hx_stream_log_set_format(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_stream_log_set_log(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_stream_log_set_buffer(hx_conf_t *cf, hx_stream_log_t *log,
    size_t size, hx_msec_t flush, hx_int_t gzip);
static char *hx_stream_log_open_file_cache(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static hx_int_t hx_stream_log_init(hx_conf_t *cf);


static hx_command_t  hx_stream_log_commands[] = {

    { hx_string("log_format"),
      HX_STREAM_MAIN_CONF|HX_CONF_2MORE,
      hx_stream_log_set_format,
      HX_STREAM_MAIN_CONF_OFFSET,
      0,
      NULL },

    { hx_string("access_log"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_1MORE,
      hx_stream_log_set_log,
      HX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    { hx_string("open_log_file_cache"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_1MORE,
      hx_stream_log_open_file_cache,
      HX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_stream_module_t  hx_stream_log_module_ctx = {
    NULL,                                 /* preconfiguration */
    hx_stream_log_init,                   /* postconfiguration */

    hx_stream_log_create_main_conf,       /* create main configuration */
    NULL,                                 /* init main configuration */

    hx_stream_log_create_srv_conf,        /* create server configuration */
    hx_stream_log_merge_srv_conf          /* merge server configuration */
};


hx_module_t  hx_stream_log_module = {
    HX_MODULE_V1,
    "hx_stream_log_module",
    &hx_stream_log_module_ctx,
    hx_stream_log_commands,
    HX_STREAM_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    hx_stream_log_exit_process,          /* exit process */
    NULL                                 /* exit master */
};


static hx_int_t
hx_stream_log_handler(hx_stream_session_t *s)
{
    size_t                     len;
    hx_str_t                   val, line;
    hx_uint_t                  l;
    hx_stream_log_t           *log;
    hx_stream_log_buf_t       *buffer;
    hx_stream_log_srv_conf_t  *lscf;

    lscf = hx_stream_get_module_srv_conf(s, hx_stream_log_module);

    if (lscf->off || lscf->logs == NULL) {
        return HX_OK;
    }

    log = lscf->logs->elts;

    for (l = 0; l < lscf->logs->nelts; l++) {

        if (log[l].filter) {
            if (hx_stream_complex_value(s, log[l].filter, &val) != HX_OK) {
                return HX_ERROR;
            }

            if (val.len == 0 || (val.len == 1 && val.data[0] == '0')) {
                continue;
            }
        }

        /* a full disk is tried again once a second at most */

        if (hx_time() == log[l].disk_full_time) {
            continue;
        }

        if (hx_stream_log_format_line(s, log[l].format, &line) != HX_OK) {
            return HX_ERROR;
        }

        len = line.len;
        buffer = log[l].file ? log[l].file->data : NULL;

        if (buffer == NULL || log[l].file->flush != hx_stream_log_flush) {
            hx_stream_log_write(s, &log[l], line.data, len);
            continue;
        }

        if (len > (size_t) (buffer->last - buffer->pos)) {
            hx_stream_log_write(s, &log[l], buffer->start,
                                buffer->pos - buffer->start);
            buffer->pos = buffer->start;
        }

        if (len > (size_t) (buffer->last - buffer->pos)) {

            /* longer than the whole buffer: written on its own */

            hx_stream_log_write(s, &log[l], line.data, len);
            continue;
        }

        if (buffer->event && buffer->pos == buffer->start) {
            hx_add_timer(buffer->event, buffer->flush);
        }

        buffer->pos = hx_cpymem(buffer->pos, line.data, len);
    }

    return HX_OK;
}


/* the format's line for s, line feed included, from the session's pool */
static hx_int_t
hx_stream_log_format_line(hx_stream_session_t *s, hx_stream_log_fmt_t *fmt,
    hx_str_t *line)
{
    size_t                        len;
    uint8_t                      *p;
    hx_uint_t                     i;
    hx_stream_cv_part_t          *part;
    hx_stream_variable_value_t  **vals;

    vals = hx_palloc(s->connection->pool,
                     (fmt->value.nparts + 1) * sizeof(void *));
    if (vals == NULL) {
        return HX_ERROR;
    }

    len = 1;
    part = fmt->value.parts;

    for (i = 0; i < fmt->value.nparts; i++) {

        if (part[i].type == HX_STREAM_CV_TEXT) {
            len += part[i].text.len;
            continue;
        }

        vals[i] = hx_stream_get_flushed_variable(s, part[i].index);

        if (vals[i] == NULL) {
            return HX_ERROR;
        }

        if (vals[i]->not_found) {
            len += (fmt->escape == HX_STREAM_LOG_ESCAPE_DEFAULT);
            continue;
        }

        len += hx_stream_log_escape(fmt->escape, NULL, vals[i]->data,
                                    vals[i]->len);
    }

    p = hx_pnalloc(s->connection->pool, len);
    if (p == NULL) {
        return HX_ERROR;
    }

    line->data = p;

    for (i = 0; i < fmt->value.nparts; i++) {

        if (part[i].type == HX_STREAM_CV_TEXT) {
            p = hx_cpymem(p, part[i].text.data, part[i].text.len);
            continue;
        }

        if (vals[i]->not_found) {
            if (fmt->escape == HX_STREAM_LOG_ESCAPE_DEFAULT) {
                *p++ = '-';
            }

            continue;
        }

        p += hx_stream_log_escape(fmt->escape, p, vals[i]->data,
                                  vals[i]->len);
    }

    *p++ = LF;

    line->len = p - line->data;

    return HX_OK;
}


/*
 * Copies src escaped for the log into dst and returns the length, or
 * with dst NULL only the length.  default: '"', '\' and bytes outside
 * printable ASCII become "\xHH", so a line is always one parseable line;
 * json: JSON string escapes; none: as it is.
 */
static size_t
hx_stream_log_escape(hx_uint_t mode, uint8_t *dst, uint8_t *src, size_t size)
{
    size_t          n;
    uint8_t         c;
    static uint8_t  hex[] = "0123456789ABCDEF";

    if (size == 0) {
        return 0;
    }

    if (mode == HX_STREAM_LOG_ESCAPE_NONE) {
        if (dst) {
            hx_memcpy(dst, src, size);
        }

        return size;
    }

    if (mode == HX_STREAM_LOG_ESCAPE_JSON) {
        if (dst == NULL) {
            return size + hx_escape_json(NULL, src, size);
        }

        return (uint8_t *) hx_escape_json(dst, src, size) - dst;
    }

    n = 0;

    while (size--) {
        c = *src++;

        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            n += 4;

            if (dst) {
                *dst++ = '\\';
                *dst++ = 'x';
                *dst++ = hex[c >> 4];
                *dst++ = hex[c & 0xf];
            }

            continue;
        }

        n++;

        if (dst) {
            *dst++ = c;
        }
    }

    return n;
}


static void
hx_stream_log_write(hx_stream_session_t *s, hx_stream_log_t *log,
    uint8_t *buf, size_t len)
{
    time_t                now;
    hx_fd_t               fd;
    ssize_t               n;
    hx_err_t              err;
    hx_str_t              name;
    hx_stream_log_buf_t  *buffer;

    if (len == 0) {
        return;
    }

    if (log->script == NULL) {
        name = log->file->name;
        buffer = log->file->flush == hx_stream_log_flush
                 ? log->file->data : NULL;

        if (buffer && buffer->gzip) {
            n = hx_stream_log_gzip(log->file->fd, buf, len, buffer->gzip,
                                   s->connection->log);

        } else {
            n = hx_write_fd(log->file->fd, buf, len);
        }

    } else {
        if (hx_stream_complex_value(s, log->script, &name) != HX_OK) {
            return;
        }

        fd = hx_open_file(name.data, HX_FILE_APPEND, HX_FILE_CREATE_OR_OPEN,
                          HX_FILE_DEFAULT_ACCESS);

        if (fd == HX_INVALID_FILE) {
            hx_log_error(HX_LOG_ERR, s->connection->log, hx_errno,
                         "open() \"%s\" failed", name.data);
            return;
        }

        n = hx_write_fd(fd, buf, len);
        err = hx_errno;

        (void) close(fd);

        errno = err;
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

        /* one complaint a minute per log is enough */

        if (now - log->error_log_time > 59) {
            hx_log_error(HX_LOG_ALERT, s->connection->log, err,
                         "write() to \"%V\" failed", &name);
            log->error_log_time = now;
        }

        return;
    }

    if (now - log->error_log_time > 59) {
        hx_log_error(HX_LOG_ALERT, s->connection->log, 0,
                     "write() to \"%V\" was incomplete: %z of %uz",
                     &name, n, len);
        log->error_log_time = now;
    }
}


/*
 * Writes buf as one gzip member; returns len when all was written (so
 * the caller's accounting is in uncompressed bytes), -1 on failure.
 */
static ssize_t
hx_stream_log_gzip(hx_fd_t fd, uint8_t *buf, size_t len, hx_int_t level,
    hx_log_t *log)
{
    int        rc;
    size_t     size;
    ssize_t    n;
    uint8_t   *out;
    z_stream   zstream;

    size = deflateBound(NULL, (uLong) len) + 32;

    out = malloc(size);
    if (out == NULL) {
        hx_log_error(HX_LOG_ALERT, log, hx_errno, "malloc(%uz) failed", size);
        return -1;
    }

    hx_memzero(&zstream, sizeof(z_stream));

    /* windowBits 15 + 16: a gzip header and trailer around the data */

    rc = deflateInit2(&zstream, (int) level, Z_DEFLATED, 15 + 16, 8,
                      Z_DEFAULT_STRATEGY);

    if (rc != Z_OK) {
        hx_log_error(HX_LOG_ALERT, log, 0, "deflateInit2() failed: %d", rc);
        free(out);
        return -1;
    }

    zstream.next_in = buf;
    zstream.avail_in = (uInt) len;
    zstream.next_out = out;
    zstream.avail_out = (uInt) size;

    rc = deflate(&zstream, Z_FINISH);

    if (rc != Z_STREAM_END) {
        hx_log_error(HX_LOG_ALERT, log, 0, "deflate(Z_FINISH) failed: %d",
                     rc);
        (void) deflateEnd(&zstream);
        free(out);
        return -1;
    }

    size = zstream.next_out - out;

    (void) deflateEnd(&zstream);

    n = hx_write_fd(fd, out, size);

    free(out);

    if (n != (ssize_t) size) {
        return n == -1 ? -1 : 0;
    }

    return (ssize_t) len;
}


/* file->flush of a buffered file: writes out what the buffer holds */
static void
hx_stream_log_flush(hx_open_file_t *file, hx_log_t *log)
{
    size_t                len;
    ssize_t               n;
    hx_stream_log_buf_t  *buffer;

    buffer = file->data;

    if (buffer == NULL) {
        return;
    }

    len = buffer->pos - buffer->start;

    if (len) {
        if (buffer->gzip) {
            n = hx_stream_log_gzip(file->fd, buffer->start, len,
                                   buffer->gzip, log);

        } else {
            n = hx_write_fd(file->fd, buffer->start, len);
        }

        if (n == -1) {
            hx_log_error(HX_LOG_ALERT, log, hx_errno,
                         "write() to \"%V\" failed", &file->name);

        } else if ((size_t) n != len) {
            hx_log_error(HX_LOG_ALERT, log, 0,
                         "write() to \"%V\" was incomplete: %z of %uz",
                         &file->name, n, len);
        }

        buffer->pos = buffer->start;
    }

    if (buffer->event && buffer->event->timer_set) {
        hx_del_timer(buffer->event);
    }
}


static void
hx_stream_log_flush_handler(hx_event_t *ev)
{
    hx_log_debug(HX_LOG_DEBUG_STREAM, ev->log, 0,
                 "stream log buffer flush handler");

    hx_stream_log_flush(ev->data, ev->log);
}


static void
hx_stream_log_exit_process(hx_cycle_t *cycle)
{
    hx_open_file_t  *file;
    hx_list_iter_t   it;

    if (cycle == NULL || cycle->open_files.part.elts == NULL) {
        return;
    }

    hx_list_iter_init(&it, &cycle->open_files);

    while ((file = hx_list_iter_next(&it)) != NULL) {
        if (file->flush == hx_stream_log_flush) {
            hx_stream_log_flush(file, cycle->log);
        }
    }
}


static void *
hx_stream_log_create_main_conf(hx_conf_t *cf)
{
    hx_stream_log_main_conf_t  *lmcf;

    lmcf = hx_pcalloc(cf->pool, sizeof(hx_stream_log_main_conf_t));
    if (lmcf == NULL) {
        return NULL;
    }

    if (hx_array_init(&lmcf->formats, cf->pool, 4,
                      sizeof(hx_stream_log_fmt_t))
        != HX_OK)
    {
        return NULL;
    }

    return lmcf;
}


static void *
hx_stream_log_create_srv_conf(hx_conf_t *cf)
{
    hx_stream_log_srv_conf_t  *conf;

    conf = hx_pcalloc(cf->pool, sizeof(hx_stream_log_srv_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->logs = HX_CONF_UNSET_PTR;

    return conf;
}


static char *
hx_stream_log_merge_srv_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_stream_log_srv_conf_t  *prev = parent;
    hx_stream_log_srv_conf_t  *conf = child;

    (void) cf;

    if (conf->logs != HX_CONF_UNSET_PTR || conf->off) {
        return HX_CONF_OK;
    }

    conf->logs = (prev->logs == HX_CONF_UNSET_PTR) ? NULL : prev->logs;
    conf->off = prev->off;

    return HX_CONF_OK;
}


/* log_format NAME [escape=default|json|none] STRING ... */
static char *
hx_stream_log_set_format(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_stream_log_main_conf_t  *lmcf = conf;

    size_t                               len;
    uint8_t                             *p;
    hx_str_t                            *value, text;
    hx_uint_t                            i, first;
    hx_stream_log_fmt_t                 *fmt;
    hx_stream_compile_complex_value_t    ccv;

    (void) cmd;

    value = cf->args->elts;

    fmt = lmcf->formats.elts;

    for (i = 0; i < lmcf->formats.nelts; i++) {
        if (hx_str_eq(&fmt[i].name, &value[1])) {
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

    hx_memzero(fmt, sizeof(hx_stream_log_fmt_t));

    fmt->name = value[1];
    fmt->escape = HX_STREAM_LOG_ESCAPE_DEFAULT;

    first = 2;

    if (value[2].len > 7 && hx_strncmp(value[2].data, "escape=", 7) == 0) {

        if (hx_strcmp(value[2].data + 7, "json") == 0) {
            fmt->escape = HX_STREAM_LOG_ESCAPE_JSON;

        } else if (hx_strcmp(value[2].data + 7, "none") == 0) {
            fmt->escape = HX_STREAM_LOG_ESCAPE_NONE;

        } else if (hx_strcmp(value[2].data + 7, "default") != 0) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "unknown log format escaping \"%s\"",
                              value[2].data + 7);
            return HX_CONF_ERROR;
        }

        first = 3;

        if (cf->args->nelts == 3) {
            return "has no format";
        }
    }

    /* the strings of the directive are one format, joined as written */

    len = 0;

    for (i = first; i < cf->args->nelts; i++) {
        len += value[i].len;
    }

    text.data = hx_pnalloc(cf->pool, len);
    if (text.data == NULL) {
        return HX_CONF_ERROR;
    }

    p = text.data;

    for (i = first; i < cf->args->nelts; i++) {
        p = hx_cpymem(p, value[i].data, value[i].len);
    }

    text.len = len;

    hx_memzero(&ccv, sizeof(hx_stream_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &text;
    ccv.complex_value = &fmt->value;

    if (hx_stream_compile_complex_value(&ccv) != HX_OK) {
        return HX_CONF_ERROR;
    }

    /* a constant format is one text part, so the handler has one path */

    if (fmt->value.parts == NULL) {
        fmt->value.parts = hx_palloc(cf->pool, sizeof(hx_stream_cv_part_t));
        if (fmt->value.parts == NULL) {
            return HX_CONF_ERROR;
        }

        fmt->value.parts[0].type = HX_STREAM_CV_TEXT;
        fmt->value.parts[0].text = fmt->value.value;
        fmt->value.parts[0].index = 0;
        fmt->value.nparts = 1;
    }

    return HX_CONF_OK;
}


/*
 * access_log off
 * access_log PATH FORMAT [buffer=SIZE] [gzip[=LEVEL]] [flush=TIME]
 *            [if=CONDITION]
 */
static char *
hx_stream_log_set_log(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_stream_log_srv_conf_t  *lscf = conf;

    ssize_t                              size;
    hx_int_t                             gzip;
    hx_str_t                            *value, name, s;
    hx_uint_t                            i;
    hx_msec_t                            flush;
    hx_stream_log_t                     *log;
    hx_stream_log_fmt_t                 *fmt;
    hx_stream_log_main_conf_t           *lmcf;
    hx_stream_compile_complex_value_t    ccv;

    (void) cmd;

    value = cf->args->elts;

    if (hx_strcmp(value[1].data, "off") == 0) {
        lscf->off = 1;

        if (cf->args->nelts == 2) {
            return HX_CONF_OK;
        }

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid parameter \"%V\"", &value[2]);
        return HX_CONF_ERROR;
    }

    if (lscf->logs == HX_CONF_UNSET_PTR) {
        lscf->logs = hx_array_create(cf->pool, 2, sizeof(hx_stream_log_t));
        if (lscf->logs == NULL) {
            return HX_CONF_ERROR;
        }
    }

    log = hx_array_push(lscf->logs);
    if (log == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(log, sizeof(hx_stream_log_t));

    if (cf->args->nelts < 3) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "log format is not specified");
        return HX_CONF_ERROR;
    }

    if (hx_stream_script_variables_count(&value[1])) {
        log->script = hx_pcalloc(cf->pool,
                                 sizeof(hx_stream_complex_value_t));
        if (log->script == NULL) {
            return HX_CONF_ERROR;
        }

        hx_memzero(&ccv, sizeof(hx_stream_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &value[1];
        ccv.complex_value = log->script;
        ccv.zero = 1;
        ccv.conf_prefix = 0;
        ccv.root_prefix = 1;

        if (hx_stream_compile_complex_value(&ccv) != HX_OK) {
            return HX_CONF_ERROR;
        }

    } else {
        name = value[1];

        if (hx_conf_full_name(cf->cycle, &name, 0) != HX_OK) {
            return HX_CONF_ERROR;
        }

        log->file = hx_conf_open_file(cf->cycle, &name);
        if (log->file == NULL) {
            return HX_CONF_ERROR;
        }
    }

    lmcf = hx_stream_conf_get_module_main_conf(cf, hx_stream_log_module);
    fmt = lmcf->formats.elts;

    for (i = 0; i < lmcf->formats.nelts; i++) {
        if (hx_str_eq(&fmt[i].name, &value[2])) {
            log->format = &fmt[i];
            break;
        }
    }

    if (log->format == NULL) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "unknown log format \"%V\"", &value[2]);
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
            if (value[i].len == 4) {
                gzip = Z_BEST_SPEED;
                continue;
            }

            gzip = hx_atoi(value[i].data + 5, value[i].len - 5);

            if (gzip < 1 || gzip > 9) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid compression level \"%V\"",
                                  &value[i]);
                return HX_CONF_ERROR;
            }

            continue;
        }

        if (hx_strncmp(value[i].data, "if=", 3) == 0) {
            s.len = value[i].len - 3;
            s.data = value[i].data + 3;

            log->filter = hx_palloc(cf->pool,
                                    sizeof(hx_stream_complex_value_t));
            if (log->filter == NULL) {
                return HX_CONF_ERROR;
            }

            hx_memzero(&ccv, sizeof(hx_stream_compile_complex_value_t));

            ccv.cf = cf;
            ccv.value = &s;
            ccv.complex_value = log->filter;

            if (hx_stream_compile_complex_value(&ccv) != HX_OK) {
                return HX_CONF_ERROR;
            }

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
        if (log->script) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "buffered logs cannot have variables in name");
            return HX_CONF_ERROR;
        }

        return hx_stream_log_set_buffer(cf, log, (size_t) size, flush, gzip);
    }

    if (gzip) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "gzip is only supported with buffered logs");
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


static char *
hx_stream_log_set_buffer(hx_conf_t *cf, hx_stream_log_t *log, size_t size,
    hx_msec_t flush, hx_int_t gzip)
{
    hx_stream_log_buf_t  *buffer;

    if (log->file->data) {
        buffer = log->file->data;

        if (log->file->flush != hx_stream_log_flush
            || (size_t) (buffer->last - buffer->start) != size
            || buffer->flush != flush
            || buffer->gzip != gzip)
        {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "access_log \"%V\" already defined "
                              "with conflicting parameters",
                              &log->file->name);
            return HX_CONF_ERROR;
        }

        return HX_CONF_OK;
    }

    buffer = hx_pcalloc(cf->pool, sizeof(hx_stream_log_buf_t));
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
        buffer->event->handler = hx_stream_log_flush_handler;
        buffer->event->log = &cf->cycle->new_log;
        buffer->event->cancelable = 1;

        buffer->flush = flush;
    }

    buffer->gzip = gzip;

    log->file->flush = hx_stream_log_flush;
    log->file->data = buffer;

    return HX_CONF_OK;
}


/*
 * open_log_file_cache off | max=N [inactive=T] [min_uses=N] [valid=T]:
 * checked as nginx checks it; the descriptors are not kept (see top).
 */
static char *
hx_stream_log_open_file_cache(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_stream_log_srv_conf_t  *lscf = conf;

    hx_str_t   *value, s;
    hx_int_t    n;
    hx_uint_t   i, max;

    (void) cmd;

    if (lscf->open_file_cache) {
        return "is duplicate";
    }

    lscf->open_file_cache = 1;

    value = cf->args->elts;
    max = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (hx_strncmp(value[i].data, "max=", 4) == 0) {
            n = hx_atoi(value[i].data + 4, value[i].len - 4);
            if (n == HX_ERROR || n == 0) {
                goto failed;
            }

            max = (hx_uint_t) n;
            continue;
        }

        if (hx_strncmp(value[i].data, "inactive=", 9) == 0
            || hx_strncmp(value[i].data, "valid=", 6) == 0)
        {
            s.data = hx_strlchr(value[i].data, value[i].data + value[i].len,
                                '=') + 1;
            s.len = value[i].data + value[i].len - s.data;

            if (hx_parse_time(&s, 1) == HX_ERROR) {
                goto failed;
            }

            continue;
        }

        if (hx_strncmp(value[i].data, "min_uses=", 9) == 0) {
            if (hx_atoi(value[i].data + 9, value[i].len - 9) == HX_ERROR) {
                goto failed;
            }

            continue;
        }

        if (hx_strcmp(value[i].data, "off") == 0) {
            continue;
        }

    failed:

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid \"open_log_file_cache\" parameter \"%V\"",
                          &value[i]);
        return HX_CONF_ERROR;
    }

    if (cf->args->nelts == 2 && hx_strcmp(value[1].data, "off") == 0) {
        return HX_CONF_OK;
    }

    if (max == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "\"open_log_file_cache\" must have \"max\" "
                          "parameter");
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


static hx_int_t
hx_stream_log_init(hx_conf_t *cf)
{
    hx_stream_handler_pt         *h;
    hx_stream_core_main_conf_t   *cmcf;

    cmcf = hx_stream_conf_get_module_main_conf(cf, hx_stream_core_module);

    h = hx_array_push(&cmcf->phases[HX_STREAM_LOG_PHASE].handlers);
    if (h == NULL) {
        return HX_ERROR;
    }

    *h = hx_stream_log_handler;

    return HX_OK;
}

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
 * USR1.  buffer=, flush= and gzip are core/hx_log_file.c's, shared with
 * the http access log: lines collect in a buffer hung on the file,
 * written out when full, after flush= and when the worker exits, one
 * gzip member per write.  A file name with variables is opened for each
 * line, unless open_log_file_cache keeps its descriptor
 * (core/hx_log_cache.c, also http's).
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>
#include <hx_log_cache.h>
#include <hx_log_escape.h>
#include <hx_log_file.h>


typedef struct {
    hx_str_t                        name;
    hx_uint_t                       escape;
    hx_stream_complex_value_t       value;
} hx_stream_log_fmt_t;


typedef struct {
    hx_array_t                      formats;    /* hx_stream_log_fmt_t */
} hx_stream_log_main_conf_t;


typedef struct {
    hx_log_file_t                   lf;         /* lf.file NULL: script */
    hx_stream_complex_value_t      *script;
    hx_stream_log_fmt_t            *format;
    hx_stream_complex_value_t      *filter;     /* if= */
} hx_stream_log_t;


typedef struct {
    hx_array_t                     *logs;       /* hx_stream_log_t */
    hx_uint_t                       off;        /* "access_log off" */
    hx_log_cache_conf_t             open_file_cache;
} hx_stream_log_srv_conf_t;


static hx_int_t hx_stream_log_handler(hx_stream_session_t *s);
static hx_int_t hx_stream_log_format_line(hx_stream_session_t *s,
    hx_stream_log_fmt_t *fmt, hx_str_t *line);
static void hx_stream_log_write(hx_stream_session_t *s, hx_stream_log_t *log,
    uint8_t *buf, size_t len);
static void *hx_stream_log_create_main_conf(hx_conf_t *cf);
static void *hx_stream_log_create_srv_conf(hx_conf_t *cf);
static char *hx_stream_log_merge_srv_conf(hx_conf_t *cf, void *parent,
    void *child);
static char *hx_stream_log_set_format(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_stream_log_set_log(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
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
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1234,
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
    hx_log_file_flush_all,               /* exit process */
    NULL                                 /* exit master */
};


static hx_int_t
hx_stream_log_handler(hx_stream_session_t *s)
{
    uint8_t                   *p;
    hx_str_t                   val, line;
    hx_uint_t                  l;
    hx_stream_log_t           *log;
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

        if (hx_log_file_disk_full(&log[l].lf)) {
            continue;
        }

        if (hx_stream_log_format_line(s, log[l].format, &line) != HX_OK) {
            return HX_ERROR;
        }

        p = hx_log_file_reserve(&log[l].lf, line.len, s->connection->log);

        if (p) {
            hx_log_file_commit(&log[l].lf,
                               hx_cpymem(p, line.data, line.len));
            continue;
        }

        hx_stream_log_write(s, &log[l], line.data, line.len);
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
            len += (fmt->escape == HX_LOG_ESCAPE_DEFAULT);
            continue;
        }

        len += hx_log_escape_value(fmt->escape, NULL, vals[i]->data,
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
            if (fmt->escape == HX_LOG_ESCAPE_DEFAULT) {
                *p++ = '-';
            }

            continue;
        }

        p += hx_log_escape_value(fmt->escape, p, vals[i]->data,
                                 vals[i]->len);
    }

    *p++ = LF;

    line->len = p - line->data;

    return HX_OK;
}


/* a whole line (or more) to log's file, or the file its name leads to */
static void
hx_stream_log_write(hx_stream_session_t *s, hx_stream_log_t *log,
    uint8_t *buf, size_t len)
{
    ssize_t                    n;
    hx_str_t                   name;
    hx_stream_log_srv_conf_t  *lscf;

    if (log->script == NULL) {
        hx_log_file_write(&log->lf, buf, len, s->connection->log);
        return;
    }

    if (len == 0
        || hx_stream_complex_value(s, log->script, &name) != HX_OK)
    {
        return;
    }

    lscf = hx_stream_get_module_srv_conf(s, hx_stream_log_module);

    n = hx_log_cache_write(&lscf->open_file_cache, &name, buf, len,
                           s->connection->log);

    hx_log_file_result(&log->lf, name.data, n, len, s->connection->log);
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
    conf->open_file_cache.cache = HX_CONF_UNSET_PTR;

    return conf;
}


static char *
hx_stream_log_merge_srv_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_stream_log_srv_conf_t  *prev = parent;
    hx_stream_log_srv_conf_t  *conf = child;

    (void) cf;

    hx_log_cache_merge(&conf->open_file_cache, &prev->open_file_cache);

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
    hx_int_t                             rc;
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
    fmt->escape = HX_LOG_ESCAPE_DEFAULT;

    first = 2;

    rc = hx_log_escape_param(cf, &value[2], &fmt->escape);

    if (rc == HX_ERROR) {
        return HX_CONF_ERROR;
    }

    if (rc == HX_OK) {
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

    hx_str_t                            *value, name;
    hx_uint_t                            i;
    hx_log_file_params_t                 params;
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

        log->lf.file = hx_conf_open_file(cf->cycle, &name);
        if (log->lf.file == NULL) {
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

    if (hx_log_file_params(cf, 3, &params) != HX_OK) {
        return HX_CONF_ERROR;
    }

    if (params.filter.data) {
        log->filter = hx_palloc(cf->pool, sizeof(hx_stream_complex_value_t));
        if (log->filter == NULL) {
            return HX_CONF_ERROR;
        }

        hx_memzero(&ccv, sizeof(hx_stream_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &params.filter;
        ccv.complex_value = log->filter;

        if (hx_stream_compile_complex_value(&ccv) != HX_OK) {
            return HX_CONF_ERROR;
        }
    }

    return hx_log_file_set_buffer(cf, log->lf.file, &value[1], &params);
}


/* open_log_file_cache max=N [inactive=T] [min_uses=N] [valid=T] | off */
static char *
hx_stream_log_open_file_cache(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_stream_log_srv_conf_t  *lscf = conf;

    (void) cmd;

    return hx_log_cache_directive(cf, &lscf->open_file_cache);
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

/*
 * stub_status: the basic status page, and the $connections_* variables.
 *
 *     Active connections: 2
 *     server accepts handled requests
 *      16 16 31
 *     Reading: 0 Writing: 1 Waiting: 1
 *
 * The figures are the counters every worker keeps in the shared page the
 * event module maps before fork (hx_event_stat, next to the connection
 * serial number): the accept code counts accepted, handled and active
 * connections, the http code counts requests and moves each connection
 * between reading, writing and waiting.  This module only reads them, so
 * it costs nothing when no status page is configured.
 *
 * The counters are event/hx_event.h's hx_event_stat.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


#define hx_http_stub_status_read(field)                                       \
    __atomic_load_n(&hx_event_stat->field, __ATOMIC_RELAXED)


static hx_int_t hx_http_stub_status_handler(hx_http_request_t *r);
static hx_int_t hx_http_stub_status_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_stub_status_add_variables(hx_conf_t *cf);
static char *hx_http_set_stub_status(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);


static hx_command_t  hx_http_status_commands[] = {

    { hx_string("stub_status"),
      HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_NOARGS|HX_CONF_TAKE1,
      hx_http_set_stub_status,
      0,
      0,
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_stub_status_module_ctx = {
    hx_http_stub_status_add_variables,     /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


hx_module_t  hx_http_stub_status_module = {
    HX_MODULE_V1,
    "hx_http_stub_status_module",
    &hx_http_stub_status_module_ctx,
    hx_http_status_commands,
    HX_HTTP_MODULE,
    NULL,                                  /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL                                   /* exit master */
};


/* the data of each variable: which counter */
#define HX_HTTP_STUB_ACTIVE   0
#define HX_HTTP_STUB_READING  1
#define HX_HTTP_STUB_WRITING  2
#define HX_HTTP_STUB_WAITING  3


static hx_http_variable_t  hx_http_stub_status_vars[] = {

    { hx_string("connections_active"), NULL, hx_http_stub_status_variable,
      HX_HTTP_STUB_ACTIVE, HX_HTTP_VAR_NOCACHEABLE, 0 },

    { hx_string("connections_reading"), NULL, hx_http_stub_status_variable,
      HX_HTTP_STUB_READING, HX_HTTP_VAR_NOCACHEABLE, 0 },

    { hx_string("connections_writing"), NULL, hx_http_stub_status_variable,
      HX_HTTP_STUB_WRITING, HX_HTTP_VAR_NOCACHEABLE, 0 },

    { hx_string("connections_waiting"), NULL, hx_http_stub_status_variable,
      HX_HTTP_STUB_WAITING, HX_HTTP_VAR_NOCACHEABLE, 0 },

    hx_http_null_variable
};


static hx_int_t
hx_http_stub_status_handler(hx_http_request_t *r)
{
    size_t       size;
    uint64_t     ap, hn, ac, rq, rd, wr, wa;
    hx_int_t     rc;
    hx_buf_t    *b;
    hx_chain_t   out;

    if (!(r->method & (HX_HTTP_GET|HX_HTTP_HEAD))) {
        return HX_HTTP_NOT_ALLOWED;
    }

    rc = hx_http_discard_request_body(r);

    if (rc != HX_OK) {
        return rc;
    }

    hx_str_set(&r->headers_out.content_type, "text/plain");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    size = sizeof("Active connections:  \n") + HX_INT_T_LEN
           + sizeof("server accepts handled requests\n") - 1
           + 6 + 3 * HX_INT_T_LEN
           + sizeof("Reading:  Writing:  Waiting:  \n") + 3 * HX_INT_T_LEN;

    b = hx_create_temp_buf(r->pool, size);
    if (b == NULL) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ap = hx_http_stub_status_read(accepted);
    hn = hx_http_stub_status_read(handled);
    ac = hx_http_stub_status_read(active);
    rq = hx_http_stub_status_read(requests);
    rd = hx_http_stub_status_read(reading);
    wr = hx_http_stub_status_read(writing);
    wa = hx_http_stub_status_read(waiting);

    b->last = hx_sprintf(b->last, "Active connections: %uL \n", ac);

    b->last = hx_cpymem(b->last, "server accepts handled requests\n",
                        sizeof("server accepts handled requests\n") - 1);

    b->last = hx_sprintf(b->last, " %uL %uL %uL \n", ap, hn, rq);

    b->last = hx_sprintf(b->last, "Reading: %uL Writing: %uL Waiting: %uL \n",
                         rd, wr, wa);

    r->headers_out.status = HX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    rc = hx_http_send_header(r);

    if (rc == HX_ERROR || rc > HX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return hx_http_output_filter(r, &out);
}


static hx_int_t
hx_http_stub_status_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    uint8_t   *p;
    uint64_t   value;

    p = hx_pnalloc(r->pool, HX_INT_T_LEN);
    if (p == NULL) {
        return HX_ERROR;
    }

    switch (data) {

    case HX_HTTP_STUB_ACTIVE:
        value = hx_http_stub_status_read(active);
        break;

    case HX_HTTP_STUB_READING:
        value = hx_http_stub_status_read(reading);
        break;

    case HX_HTTP_STUB_WRITING:
        value = hx_http_stub_status_read(writing);
        break;

    default: /* HX_HTTP_STUB_WAITING */
        value = hx_http_stub_status_read(waiting);
        break;
    }

    v->len = hx_sprintf(p, "%uL", value) - p;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = p;

    return HX_OK;
}


static hx_int_t
hx_http_stub_status_add_variables(hx_conf_t *cf)
{
    hx_http_variable_t  *var, *v;

    for (v = hx_http_stub_status_vars; v->name.len; v++) {
        var = hx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return HX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return HX_OK;
}


/* stub_status (an old "stub_status on;" is accepted too) */
static char *
hx_http_set_stub_status(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_core_loc_conf_t  *clcf;

    (void) cmd;
    (void) conf;

    clcf = hx_http_conf_get_module_loc_conf(cf, hx_http_core_module);
    clcf->handler = hx_http_stub_status_handler;

    return HX_CONF_OK;
}

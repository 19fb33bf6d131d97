/*
 * "return VALUE;" in a stream server: send the value (variables allowed)
 * to the client and close, with status 200.
 *
 * The handler evaluates the text once, hands it to the filter chain and
 * finishes when the write filter has nothing left; if the socket is full
 * it waits for the write event, with a 5 second limit per wait as
 * nginx's module has, so a client that never reads can't hold the
 * session open.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>


#define HX_STREAM_RETURN_SEND_TIMEOUT  5000


typedef struct {
    hx_stream_complex_value_t    text;
} hx_stream_return_srv_conf_t;


typedef struct {
    hx_chain_t                  *out;
} hx_stream_return_ctx_t;


static void hx_stream_return_handler(hx_stream_session_t *s);
static void hx_stream_return_write_handler(hx_event_t *ev);

static void *hx_stream_return_create_srv_conf(hx_conf_t *cf);
static char *hx_stream_return(hx_conf_t *cf, hx_command_t *cmd, void *conf);


static hx_command_t  hx_stream_return_commands[] = {

    { hx_string("return"),
      HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_stream_return,
      HX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_stream_module_t  hx_stream_return_module_ctx = {
    NULL,                                 /* preconfiguration */
    NULL,                                 /* postconfiguration */

    NULL,                                 /* create main configuration */
    NULL,                                 /* init main configuration */

    hx_stream_return_create_srv_conf,     /* create server configuration */
    NULL                                  /* merge server configuration */
};


hx_module_t  hx_stream_return_module = {
    HX_MODULE_V1,
    "hx_stream_return_module",
    &hx_stream_return_module_ctx,
    hx_stream_return_commands,
    HX_STREAM_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static void
hx_stream_return_handler(hx_stream_session_t *s)
{
    hx_str_t                       text;
    hx_buf_t                      *b;
    hx_connection_t               *c;
    hx_stream_return_ctx_t        *ctx;
    hx_stream_return_srv_conf_t   *rscf;

    c = s->connection;

    c->log->action = "returning text";

    rscf = hx_stream_get_module_srv_conf(s, hx_stream_return_module);

    if (hx_stream_complex_value(s, &rscf->text, &text) != HX_OK) {
        hx_stream_finalize_session(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    hx_log_debug(HX_LOG_DEBUG_STREAM, c->log, 0,
                 "stream return text: \"%V\"", &text);

    if (text.len == 0) {
        hx_stream_finalize_session(s, HX_STREAM_OK);
        return;
    }

    ctx = hx_pcalloc(c->pool, sizeof(hx_stream_return_ctx_t));
    if (ctx == NULL) {
        hx_stream_finalize_session(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    hx_stream_set_ctx(s, ctx, hx_stream_return_module);

    b = hx_calloc_buf(c->pool);
    if (b == NULL) {
        hx_stream_finalize_session(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    b->memory = 1;
    b->pos = text.data;
    b->last = text.data + text.len;
    b->last_buf = 1;

    ctx->out = hx_alloc_chain_link(c->pool);
    if (ctx->out == NULL) {
        hx_stream_finalize_session(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    ctx->out->buf = b;
    ctx->out->next = NULL;

    c->write->handler = hx_stream_return_write_handler;

    hx_stream_return_write_handler(c->write);
}


static void
hx_stream_return_write_handler(hx_event_t *ev)
{
    hx_int_t                  rc;
    hx_connection_t          *c;
    hx_stream_session_t      *s;
    hx_stream_return_ctx_t   *ctx;

    c = ev->data;
    s = c->data;

    if (ev->timedout) {
        hx_connection_error(c, ETIMEDOUT, "connection timed out");
        hx_stream_finalize_session(s, HX_STREAM_OK);
        return;
    }

    ctx = hx_stream_get_module_ctx(s, hx_stream_return_module);

    rc = hx_stream_top_filter(s, ctx->out, 1);

    if (rc == HX_ERROR) {
        hx_stream_finalize_session(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    ctx->out = NULL;

    if (!c->buffered) {
        hx_log_debug(HX_LOG_DEBUG_STREAM, c->log, 0,
                     "stream return done sending");
        hx_stream_finalize_session(s, HX_STREAM_OK);
        return;
    }

    if (hx_handle_write_event(ev, 0) != HX_OK) {
        hx_stream_finalize_session(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    hx_add_timer(ev, HX_STREAM_RETURN_SEND_TIMEOUT);
}


static void *
hx_stream_return_create_srv_conf(hx_conf_t *cf)
{
    hx_stream_return_srv_conf_t  *conf;

    conf = hx_pcalloc(cf->pool, sizeof(hx_stream_return_srv_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /* hx_pcalloc() left text.value.data NULL: "return" not given */

    return conf;
}


static char *
hx_stream_return(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_stream_return_srv_conf_t  *rscf = conf;

    hx_str_t                            *value;
    hx_stream_core_srv_conf_t           *cscf;
    hx_stream_compile_complex_value_t    ccv;

    (void) cmd;

    if (rscf->text.value.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    hx_memzero(&ccv, sizeof(hx_stream_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = &rscf->text;

    if (hx_stream_compile_complex_value(&ccv) != HX_OK) {
        return HX_CONF_ERROR;
    }

    cscf = hx_stream_conf_get_module_srv_conf(cf, hx_stream_core_module);

    cscf->handler = hx_stream_return_handler;

    return HX_CONF_OK;
}

/*
 * geo in stream: a variable whose value depends on the client's address.
 *
 *     geo [$address] $variable { default v; 10.0.0.0/8 v; ::1 v;
 *                                delete net; include f; volatile; }
 *     geo $variable { ranges; 10.0.0.1-10.0.0.9 v; ... }
 *
 * The table itself -- longest-prefix tries, or sorted IPv4 ranges -- is
 * the shared one in core/hx_geo.c, and the block's syntax is read into
 * it by core/hx_geo_conf.c, both shared with http's geo; this module
 * adds the variable and looks the session's address up.  The address
 * is the client's, or the value of $address parsed as one; a unix-socket
 * client, or a value that is no address, is looked up as
 * 255.255.255.255, as nginx does.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>
#include <hx_map.h>
#include <hx_geo_conf.h>


typedef struct {
    hx_geo_t                        table;
    hx_stream_variable_value_t     *default_value;
    hx_int_t                        index;    /* $address, or -1 */
} hx_stream_geo_ctx_t;


static hx_int_t hx_stream_geo_variable(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static char *hx_stream_geo_block(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static void *hx_stream_geo_value(hx_geo_conf_t *gc, hx_str_t *text);
static hx_str_t hx_stream_geo_text(void *value);


static hx_command_t  hx_stream_geo_commands[] = {

    { hx_string("geo"),
      HX_STREAM_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_TAKE12,
      hx_stream_geo_block,
      0,
      0,
      NULL },

    hx_null_command
};


static hx_stream_module_t  hx_stream_geo_module_ctx = {
    NULL,                                 /* preconfiguration */
    NULL,                                 /* postconfiguration */

    NULL,                                 /* create main configuration */
    NULL,                                 /* init main configuration */

    NULL,                                 /* create server configuration */
    NULL                                  /* merge server configuration */
};


hx_module_t  hx_stream_geo_module = {
    HX_MODULE_V1,
    "hx_stream_geo_module",
    &hx_stream_geo_module_ctx,
    hx_stream_geo_commands,
    HX_STREAM_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static hx_int_t
hx_stream_geo_variable(hx_stream_session_t *s, hx_stream_variable_value_t *v,
    uintptr_t data)
{
    hx_stream_geo_ctx_t  *ctx = (hx_stream_geo_ctx_t *) data;

    hx_addr_t                     addr;
    struct sockaddr              *sa;
    hx_stream_variable_value_t   *vv;

    sa = s->connection->sockaddr;

    if (ctx->index != -1) {
        vv = hx_stream_get_flushed_variable(s, (hx_uint_t) ctx->index);

        sa = NULL;

        if (vv && !vv->not_found
            && hx_parse_addr(s->connection->pool, &addr, vv->data, vv->len)
               == HX_OK)
        {
            sa = addr.sockaddr;
        }
    }

    vv = hx_geo_find(&ctx->table, sa);

    if (vv == NULL) {
        vv = ctx->default_value;
    }

    *v = *vv;

    hx_log_debug(HX_LOG_DEBUG_STREAM, s->connection->log, 0,
                 "stream geo: %*s", (size_t) v->len, v->data);

    return HX_OK;
}


/* geo [$address] $variable { ... } */
static char *
hx_stream_geo_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char                   *rv;
    hx_str_t               *args, name;
    hx_geo_conf_t           gc;
    hx_stream_geo_ctx_t    *geo;
    hx_stream_variable_t   *var;

    (void) cmd;

    args = cf->args->elts;

    geo = hx_pcalloc(cf->pool, sizeof(hx_stream_geo_ctx_t));
    if (geo == NULL || hx_map_variable_name(cf, &args[1], &name) != HX_OK) {
        return HX_CONF_ERROR;
    }

    geo->index = -1;

    if (cf->args->nelts == 3) {
        geo->index = hx_stream_get_variable_index(cf, &name);

        if (geo->index == HX_ERROR
            || hx_map_variable_name(cf, &args[2], &name) != HX_OK)
        {
            return HX_CONF_ERROR;
        }
    }

    var = hx_stream_add_variable(cf, &name, HX_STREAM_VAR_CHANGEABLE);
    if (var == NULL) {
        return HX_CONF_ERROR;
    }

    var->data = (uintptr_t) geo;
    var->get_handler = hx_stream_geo_variable;

    hx_memzero(&gc, sizeof(hx_geo_conf_t));
    gc.value = hx_stream_geo_value;
    gc.text = hx_stream_geo_text;

    rv = hx_geo_conf_block(cf, conf, &gc);
    if (rv != HX_CONF_OK) {
        return rv;
    }

    if (gc.no_cacheable) {
        var->flags |= HX_STREAM_VAR_NOCACHEABLE;
    }

    geo->table = gc.table;
    geo->default_value = gc.default_value ? gc.default_value
                                          : &hx_stream_variable_null_value;

    return HX_CONF_OK;
}


/* a value: the text as a constant variable value */
static void *
hx_stream_geo_value(hx_geo_conf_t *gc, hx_str_t *text)
{
    hx_stream_variable_value_t  *val;

    val = hx_pcalloc(gc->pool, sizeof(hx_stream_variable_value_t));
    if (val == NULL) {
        return NULL;
    }

    val->data = hx_pnalloc(gc->pool, text->len ? text->len : 1);
    if (val->data == NULL) {
        return NULL;
    }

    hx_memcpy(val->data, text->data, text->len);

    val->len = text->len;
    val->valid = 1;

    return val;
}


static hx_str_t
hx_stream_geo_text(void *value)
{
    hx_stream_variable_value_t  *val = value;
    hx_str_t                     text;

    text.data = val->data;
    text.len = val->len;

    return text;
}

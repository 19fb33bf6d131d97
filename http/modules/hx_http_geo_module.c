/*
 * geo: a variable whose value depends on the client's address.
 *
 *     geo [$address] $variable { default v; 10.0.0.0/8 v; ::1 v;
 *                                delete net; include f; proxy net;
 *                                proxy_recursive; volatile; }
 *     geo $variable { ranges; 10.0.0.1-10.0.0.9 v; ... }
 *
 * The block's syntax and the table it fills (longest-prefix tries for
 * networks, sorted disjoint IPv4 ranges for "ranges") are shared with
 * stream's geo: core/hx_geo_conf.c and core/hx_geo.c.  This module adds
 * what is http's: the variable, and "proxy" / "proxy_recursive", which
 * take the address that trusted proxies report in X-Forwarded-For.
 *
 * The address is the peer's (IPv4-mapped IPv6 counts as IPv4; a unix
 * socket, or an $address that is no address, as 255.255.255.255), or
 * the value of $address parsed as one.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_forwarded.h>
#include <hx_map.h>
#include <hx_geo_conf.h>


typedef struct {
    hx_geo_t                    table;
    hx_http_variable_value_t   *default_value;

    hx_array_t                 *proxies;  /* hx_cidr_t */
    hx_int_t                    index;    /* the $address, or -1 */

    unsigned                    proxy_recursive:1;
} hx_http_geo_ctx_t;


static hx_int_t hx_http_geo_addr(hx_http_request_t *r,
    hx_http_geo_ctx_t *ctx, hx_addr_t *addr);
static char *hx_http_geo_block(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static hx_int_t hx_http_geo_line(hx_geo_conf_t *gc, hx_conf_t *cf);
static void *hx_http_geo_value(hx_geo_conf_t *gc, hx_str_t *text);
static hx_str_t hx_http_geo_text(void *value);


static hx_command_t  hx_http_geo_commands[] = {

    { hx_string("geo"),
      HX_HTTP_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_TAKE12,
      hx_http_geo_block,
      HX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_geo_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


hx_module_t  hx_http_geo_module = {
    HX_MODULE_V1,
    "hx_http_geo_module",
    &hx_http_geo_module_ctx,
    hx_http_geo_commands,
    HX_HTTP_MODULE,
    NULL,                                  /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL                                   /* exit master */
};


/* the variable's get handler */
static hx_int_t
hx_http_geo_variable(hx_http_request_t *r, hx_http_variable_value_t *v,
    uintptr_t data)
{
    hx_http_geo_ctx_t  *ctx = (hx_http_geo_ctx_t *) data;

    hx_addr_t                   addr;
    hx_http_variable_value_t   *vv;

    vv = hx_geo_find(&ctx->table, (hx_http_geo_addr(r, ctx, &addr) == HX_OK)
                                  ? addr.sockaddr : NULL);

    if (vv == NULL) {
        vv = ctx->default_value;
    }

    *v = *vv;

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "http geo: %*s", (size_t) v->len, v->data);

    return HX_OK;
}


/*
 * The address to look up: $address, or the peer's, then what trusted
 * proxies forwarded.  HX_ERROR when there is no usable address (the
 * caller then uses 255.255.255.255).
 */
static hx_int_t
hx_http_geo_addr(hx_http_request_t *r, hx_http_geo_ctx_t *ctx,
    hx_addr_t *addr)
{
    hx_table_elt_t            *xfwd;
    hx_http_variable_value_t  *v;

    if (ctx->index == -1) {
        addr->sockaddr = r->connection->sockaddr;
        addr->socklen = r->connection->socklen;
        addr->name = r->connection->addr_text;

    } else {
        v = hx_http_get_flushed_variable(r, ctx->index);

        if (v == NULL || v->not_found
            || hx_parse_addr(r->pool, addr, v->data, v->len) != HX_OK)
        {
            return HX_ERROR;
        }
    }

    xfwd = r->headers_in.x_forwarded_for;

    if (xfwd != NULL && ctx->proxies != NULL) {
        (void) hx_http_get_forwarded_addr(r, addr, xfwd, NULL, ctx->proxies,
                                          ctx->proxy_recursive);
    }

    if (addr->sockaddr->sa_family != AF_INET
        && addr->sockaddr->sa_family != AF_INET6)
    {
        return HX_ERROR;
    }

    return HX_OK;
}


/* geo [$address] $variable { ... } */
static char *
hx_http_geo_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char                 *rv;
    hx_str_t             *value, name;
    hx_geo_conf_t         gc;
    hx_http_variable_t   *var;
    hx_http_geo_ctx_t    *geo;

    (void) cmd;

    value = cf->args->elts;

    geo = hx_pcalloc(cf->pool, sizeof(hx_http_geo_ctx_t));
    if (geo == NULL || hx_map_variable_name(cf, &value[1], &name) != HX_OK) {
        return HX_CONF_ERROR;
    }

    geo->index = -1;

    if (cf->args->nelts == 3) {
        geo->index = hx_http_get_variable_index(cf, &name);

        if (geo->index == HX_ERROR
            || hx_map_variable_name(cf, &value[2], &name) != HX_OK)
        {
            return HX_CONF_ERROR;
        }
    }

    var = hx_http_add_variable(cf, &name, HX_HTTP_VAR_CHANGEABLE);
    if (var == NULL) {
        return HX_CONF_ERROR;
    }

    var->get_handler = hx_http_geo_variable;
    var->data = (uintptr_t) geo;

    hx_memzero(&gc, sizeof(hx_geo_conf_t));

    gc.value = hx_http_geo_value;
    gc.text = hx_http_geo_text;
    gc.line = hx_http_geo_line;
    gc.data = geo;

    rv = hx_geo_conf_block(cf, conf, &gc);
    if (rv != HX_CONF_OK) {
        return rv;
    }

    geo->table = gc.table;
    geo->default_value = gc.default_value ? gc.default_value
                                          : &hx_http_variable_null_value;

    if (gc.no_cacheable) {
        var->flags |= HX_HTTP_VAR_NOCACHEABLE;
    }

    return HX_CONF_OK;
}


/* http's own lines: "proxy net" and "proxy_recursive" */
static hx_int_t
hx_http_geo_line(hx_geo_conf_t *gc, hx_conf_t *cf)
{
    hx_str_t           *args;
    hx_http_geo_ctx_t  *geo;

    geo = gc->data;
    args = cf->args->elts;

    if (cf->args->nelts == 1
        && hx_strcmp(args[0].data, "proxy_recursive") == 0)
    {
        geo->proxy_recursive = 1;
        return HX_OK;
    }

    if (cf->args->nelts == 2 && hx_strcmp(args[0].data, "proxy") == 0) {
        return hx_http_forwarded_add_cidr(gc->cf, &geo->proxies, &args[1],
                                          "proxy");
    }

    return HX_DECLINED;
}


static void *
hx_http_geo_value(hx_geo_conf_t *gc, hx_str_t *text)
{
    hx_http_variable_value_t  *val;

    val = hx_palloc(gc->pool, sizeof(hx_http_variable_value_t));
    if (val == NULL) {
        return NULL;
    }

    val->data = hx_pstrdup(gc->pool, text);
    if (val->data == NULL) {
        return NULL;
    }

    val->len = text->len;
    val->valid = 1;
    val->no_cacheable = 0;
    val->not_found = 0;
    val->escape = 0;

    return val;
}


static hx_str_t
hx_http_geo_text(void *value)
{
    hx_str_t                   text;
    hx_http_variable_value_t  *val = value;

    text.len = val->len;
    text.data = val->data;

    return text;
}

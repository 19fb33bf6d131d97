/*
 * set_real_ip_from, real_ip_header, real_ip_recursive: the client
 * address as trusted proxies report it.
 *
 * When the peer is a trusted address (set_real_ip_from), the address in
 * the configured header (X-Real-IP by default, X-Forwarded-For read from
 * the right, any other header, or the PROXY protocol source address and
 * port) replaces
 * c->sockaddr and c->addr_text for the rest of the request, so that
 * $remote_addr, allow/deny, geo and the logs all see it.  The original
 * is restored by a cleanup on the request pool: the connection may
 * carry further keep-alive requests, each judged afresh.
 *
 * The handler runs twice, in post-read (server-level settings) and in
 * preaccess (location-level ones); whichever replaces the address first
 * leaves a context and the other does nothing.  An internal redirect
 * clears module contexts, so the context is also found through the
 * cleanup it lives in.  $realip_remote_addr and $realip_remote_port give
 * the peer's own address and port.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_proxy_protocol.h>
#include <hx_http_forwarded.h>


#define HX_HTTP_REALIP_XREALIP  0
#define HX_HTTP_REALIP_XFWD     1
#define HX_HTTP_REALIP_HEADER   2
#define HX_HTTP_REALIP_PROXY    3


typedef struct {
    hx_array_t           *from;     /* hx_cidr_t */
    hx_uint_t             type;
    hx_str_t              header;
    hx_flag_t             recursive;
} hx_http_realip_loc_conf_t;


/* what the connection had before, restored when the request ends */
typedef struct {
    hx_connection_t      *connection;
    struct sockaddr      *sockaddr;
    socklen_t             socklen;
    hx_str_t              addr_text;
} hx_http_realip_ctx_t;


static hx_int_t hx_http_realip_handler(hx_http_request_t *r);
static hx_table_elt_t *hx_http_realip_find_header(hx_http_request_t *r,
    hx_str_t *name);
static hx_int_t hx_http_realip_set_addr(hx_http_request_t *r,
    hx_addr_t *addr);
static void hx_http_realip_cleanup(void *data);
static hx_http_realip_ctx_t *hx_http_realip_get_module_ctx(
    hx_http_request_t *r);
static char *hx_http_realip_from(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_realip(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static void *hx_http_realip_create_loc_conf(hx_conf_t *cf);
static char *hx_http_realip_merge_loc_conf(hx_conf_t *cf, void *parent,
    void *child);
static hx_int_t hx_http_realip_add_variables(hx_conf_t *cf);
static hx_int_t hx_http_realip_init(hx_conf_t *cf);
static hx_int_t hx_http_realip_remote_addr_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_realip_remote_port_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);


static hx_command_t  hx_http_realip_commands[] = {

    { hx_string("set_real_ip_from"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_http_realip_from,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("real_ip_header"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_http_realip,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("real_ip_recursive"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_realip_loc_conf_t, recursive),
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_realip_module_ctx = {
    hx_http_realip_add_variables,          /* preconfiguration */
    hx_http_realip_init,                   /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    hx_http_realip_create_loc_conf,        /* create location configuration */
    hx_http_realip_merge_loc_conf          /* merge location configuration */
};


hx_module_t  hx_http_realip_module = {
    HX_MODULE_V1,
    "hx_http_realip_module",
    &hx_http_realip_module_ctx,
    hx_http_realip_commands,
    HX_HTTP_MODULE,
    NULL,                                  /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL                                   /* exit master */
};


static hx_http_variable_t  hx_http_realip_vars[] = {

    { hx_string("realip_remote_addr"), NULL,
      hx_http_realip_remote_addr_variable, 0, 0, 0 },

    { hx_string("realip_remote_port"), NULL,
      hx_http_realip_remote_port_variable, 0, 0, 0 },

    hx_http_null_variable
};


static hx_int_t
hx_http_realip_handler(hx_http_request_t *r)
{
    hx_int_t                    rc;
    hx_str_t                   *value;
    hx_addr_t                   addr;
    hx_connection_t            *c;
    hx_table_elt_t             *h, *xfwd;
    hx_proxy_protocol_t        *pp;
    hx_http_realip_ctx_t       *ctx;
    hx_http_realip_loc_conf_t  *rlcf;

    rlcf = hx_http_get_module_loc_conf(r, hx_http_realip_module);

    if (rlcf->from == NULL) {
        return HX_DECLINED;
    }

    ctx = hx_http_realip_get_module_ctx(r);

    if (ctx) {
        return HX_DECLINED;
    }

    c = r->connection;
    pp = NULL;

    switch (rlcf->type) {

    case HX_HTTP_REALIP_XREALIP:

        if (r->headers_in.x_real_ip == NULL) {
            return HX_DECLINED;
        }

        value = &r->headers_in.x_real_ip->value;
        xfwd = NULL;

        break;

    case HX_HTTP_REALIP_XFWD:

        xfwd = r->headers_in.x_forwarded_for;

        if (xfwd == NULL) {
            return HX_DECLINED;
        }

        value = NULL;

        break;

    case HX_HTTP_REALIP_PROXY:

        /* what "listen ... proxy_protocol" read, if the header had it */
        pp = c->proxy_protocol;

        if (pp == NULL) {
            return HX_DECLINED;
        }

        value = &pp->src_addr;
        xfwd = NULL;

        break;

    default: /* HX_HTTP_REALIP_HEADER */

        h = hx_http_realip_find_header(r, &rlcf->header);

        if (h == NULL) {
            return HX_DECLINED;
        }

        value = &h->value;
        xfwd = NULL;

        break;
    }

    addr.sockaddr = c->sockaddr;
    addr.socklen = c->socklen;
    addr.name = c->addr_text;

    rc = hx_http_get_forwarded_addr(r, &addr, xfwd, value, rlcf->from,
                                    rlcf->recursive);

    if (rc != HX_DECLINED) {
        if (pp) {
            hx_inet_set_port(addr.sockaddr, pp->src_port);
        }

        return hx_http_realip_set_addr(r, &addr);
    }

    return HX_DECLINED;
}


/* the first request header of that name, any case */
static hx_table_elt_t *
hx_http_realip_find_header(hx_http_request_t *r, hx_str_t *name)
{
    hx_list_iter_t   it;
    hx_table_elt_t  *h;

    hx_list_iter_init(&it, &r->headers_in.headers);

    while ((h = hx_list_iter_next(&it)) != NULL) {

        if (h->hash == 0 || h->key.len != name->len) {
            continue;
        }

        if (hx_strncasecmp(h->key.data, name->data, name->len) == 0) {
            return h;
        }
    }

    return NULL;
}


static hx_int_t
hx_http_realip_set_addr(hx_http_request_t *r, hx_addr_t *addr)
{
    size_t                  len;
    uint8_t                *p;
    uint8_t                 text[HX_SOCKADDR_STRLEN];
    hx_connection_t        *c;
    hx_pool_cleanup_t      *cln;
    hx_http_realip_ctx_t   *ctx;

    cln = hx_pool_cleanup_add(r->pool, sizeof(hx_http_realip_ctx_t));
    if (cln == NULL) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx = cln->data;

    c = r->connection;

    len = hx_sock_ntop(addr->sockaddr, addr->socklen, text,
                       HX_SOCKADDR_STRLEN, 0);
    if (len == 0) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = hx_pnalloc(r->pool, len);
    if (p == NULL) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    hx_memcpy(p, text, len);

    cln->handler = hx_http_realip_cleanup;
    hx_http_set_ctx(r, ctx, hx_http_realip_module);

    ctx->connection = c;
    ctx->sockaddr = c->sockaddr;
    ctx->socklen = c->socklen;
    ctx->addr_text = c->addr_text;

    c->sockaddr = addr->sockaddr;
    c->socklen = addr->socklen;
    c->addr_text.len = len;
    c->addr_text.data = p;

    return HX_DECLINED;
}


static void
hx_http_realip_cleanup(void *data)
{
    hx_http_realip_ctx_t  *ctx = data;

    hx_connection_t  *c;

    c = ctx->connection;

    c->sockaddr = ctx->sockaddr;
    c->socklen = ctx->socklen;
    c->addr_text = ctx->addr_text;
}


/* the context, also after an internal redirect has cleared r->ctx */
static hx_http_realip_ctx_t *
hx_http_realip_get_module_ctx(hx_http_request_t *r)
{
    hx_pool_cleanup_t     *cln;
    hx_http_realip_ctx_t  *ctx;

    ctx = hx_http_get_module_ctx(r, hx_http_realip_module);

    if (ctx == NULL && (r->internal || r->filter_finalize)) {

        for (cln = r->pool->cleanup; cln; cln = cln->next) {
            if (cln->handler == hx_http_realip_cleanup) {
                ctx = cln->data;
                break;
            }
        }
    }

    return ctx;
}


/* set_real_ip_from address | CIDR | unix: | hostname */
static char *
hx_http_realip_from(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_realip_loc_conf_t  *rlcf = conf;

    hx_str_t  *value;

    (void) cmd;

    value = cf->args->elts;

    if (hx_http_forwarded_add_cidr(cf, &rlcf->from, &value[1],
                                   "set_real_ip_from")
        != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


/* real_ip_header X-Real-IP | X-Forwarded-For | proxy_protocol | name */
static char *
hx_http_realip(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_realip_loc_conf_t  *rlcf = conf;

    hx_str_t  *value;

    (void) cmd;

    if (rlcf->type != HX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (hx_strcmp(value[1].data, "X-Real-IP") == 0) {
        rlcf->type = HX_HTTP_REALIP_XREALIP;
        return HX_CONF_OK;
    }

    if (hx_strcmp(value[1].data, "X-Forwarded-For") == 0) {
        rlcf->type = HX_HTTP_REALIP_XFWD;
        return HX_CONF_OK;
    }

    if (hx_strcmp(value[1].data, "proxy_protocol") == 0) {
        rlcf->type = HX_HTTP_REALIP_PROXY;
        return HX_CONF_OK;
    }

    rlcf->type = HX_HTTP_REALIP_HEADER;
    rlcf->header = value[1];

    return HX_CONF_OK;
}


static void *
hx_http_realip_create_loc_conf(hx_conf_t *cf)
{
    hx_http_realip_loc_conf_t  *conf;

    conf = hx_pcalloc(cf->pool, sizeof(hx_http_realip_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by hx_pcalloc():
     *
     *     conf->from = NULL;
     *     conf->header = { 0, NULL };
     */

    conf->type = HX_CONF_UNSET_UINT;
    conf->recursive = HX_CONF_UNSET;

    return conf;
}


static char *
hx_http_realip_merge_loc_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_http_realip_loc_conf_t  *prev = parent;
    hx_http_realip_loc_conf_t  *conf = child;

    (void) cf;

    if (conf->from == NULL) {
        conf->from = prev->from;
    }

    hx_conf_merge_uint_value(conf->type, prev->type, HX_HTTP_REALIP_XREALIP);
    hx_conf_merge_value(conf->recursive, prev->recursive, 0);

    if (conf->header.len == 0) {
        conf->header = prev->header;
    }

    return HX_CONF_OK;
}


static hx_int_t
hx_http_realip_add_variables(hx_conf_t *cf)
{
    hx_http_variable_t  *var, *v;

    for (v = hx_http_realip_vars; v->name.len; v++) {
        var = hx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return HX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return HX_OK;
}


static hx_int_t
hx_http_realip_init(hx_conf_t *cf)
{
    hx_http_handler_pt        *h;
    hx_http_core_main_conf_t  *cmcf;

    cmcf = hx_http_conf_get_module_main_conf(cf, hx_http_core_module);

    h = hx_array_push(&cmcf->phases[HX_HTTP_POST_READ_PHASE].handlers);
    if (h == NULL) {
        return HX_ERROR;
    }

    *h = hx_http_realip_handler;

    h = hx_array_push(&cmcf->phases[HX_HTTP_PREACCESS_PHASE].handlers);
    if (h == NULL) {
        return HX_ERROR;
    }

    *h = hx_http_realip_handler;

    return HX_OK;
}


static hx_int_t
hx_http_realip_remote_addr_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_str_t              *addr_text;
    hx_http_realip_ctx_t  *ctx;

    (void) data;

    ctx = hx_http_realip_get_module_ctx(r);

    addr_text = ctx ? &ctx->addr_text : &r->connection->addr_text;

    v->len = addr_text->len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = addr_text->data;

    return HX_OK;
}


static hx_int_t
hx_http_realip_remote_port_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_uint_t              port;
    struct sockaddr       *sa;
    hx_http_realip_ctx_t  *ctx;

    (void) data;

    ctx = hx_http_realip_get_module_ctx(r);

    sa = ctx ? ctx->sockaddr : r->connection->sockaddr;

    v->len = 0;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    v->data = hx_pnalloc(r->pool, sizeof("65535") - 1);
    if (v->data == NULL) {
        return HX_ERROR;
    }

    port = hx_inet_get_port(sa);

    if (port > 0 && port < 65536) {
        v->len = hx_sprintf(v->data, "%ui", port) - v->data;
    }

    return HX_OK;
}

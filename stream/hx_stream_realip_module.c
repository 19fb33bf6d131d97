/*
 * realip in stream: "set_real_ip_from" names the proxies trusted to send
 * a PROXY protocol header; for a connection from one of them (on a
 * "listen ... proxy_protocol" socket) the client address of the session
 * becomes the header's source address and port, so $remote_addr, access,
 * limit_conn, geo and the log all see the real client.  The address the
 * connection really came from stays in $realip_remote_addr and
 * $realip_remote_port.
 *
 * The switch happens in the post_accept phase, the first one, so every
 * later module sees only the real address.  Trusted networks are CIDRs,
 * addresses, "unix:" for unix-socket clients, or host names resolved at
 * start (each address then trusted on its own).
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>


typedef struct {
    hx_array_t                     *from;       /* hx_cidr_t */
} hx_stream_realip_srv_conf_t;


/* the address the connection came from, kept for the variables */
typedef struct {
    struct sockaddr                *sockaddr;
    socklen_t                       socklen;
    hx_str_t                        addr_text;
} hx_stream_realip_ctx_t;


static hx_int_t hx_stream_realip_handler(hx_stream_session_t *s);
static hx_int_t hx_stream_realip_trusted(struct sockaddr *sa,
    hx_array_t *from);
static hx_int_t hx_stream_realip_set_addr(hx_stream_session_t *s,
    hx_proxy_protocol_t *pp);
static hx_int_t hx_stream_realip_remote_addr_variable(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_realip_remote_port_variable(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);

static char *hx_stream_realip_from(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static void *hx_stream_realip_create_srv_conf(hx_conf_t *cf);
static char *hx_stream_realip_merge_srv_conf(hx_conf_t *cf, void *parent,
    void *child);
static hx_int_t hx_stream_realip_add_variables(hx_conf_t *cf);
static hx_int_t hx_stream_realip_init(hx_conf_t *cf);


static hx_command_t  hx_stream_realip_commands[] = {

    { hx_string("set_real_ip_from"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_stream_realip_from,
      HX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_stream_module_t  hx_stream_realip_module_ctx = {
    hx_stream_realip_add_variables,       /* preconfiguration */
    hx_stream_realip_init,                /* postconfiguration */

    NULL,                                 /* create main configuration */
    NULL,                                 /* init main configuration */

    hx_stream_realip_create_srv_conf,     /* create server configuration */
    hx_stream_realip_merge_srv_conf       /* merge server configuration */
};


hx_module_t  hx_stream_realip_module = {
    HX_MODULE_V1,
    "hx_stream_realip_module",
    &hx_stream_realip_module_ctx,
    hx_stream_realip_commands,
    HX_STREAM_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static hx_stream_variable_t  hx_stream_realip_vars[] = {

    { hx_string("realip_remote_addr"), NULL,
      hx_stream_realip_remote_addr_variable, 0, 0, 0 },

    { hx_string("realip_remote_port"), NULL,
      hx_stream_realip_remote_port_variable, 0, 0, 0 },

    hx_stream_null_variable
};


static hx_int_t
hx_stream_realip_handler(hx_stream_session_t *s)
{
    hx_connection_t              *c;
    hx_proxy_protocol_t          *pp;
    hx_stream_realip_srv_conf_t  *rscf;

    rscf = hx_stream_get_module_srv_conf(s, hx_stream_realip_module);

    if (rscf->from == NULL) {
        return HX_DECLINED;
    }

    c = s->connection;
    pp = c->proxy_protocol;

    if (pp == NULL) {
        return HX_DECLINED;
    }

    if (hx_stream_realip_trusted(c->sockaddr, rscf->from) != HX_OK) {
        return HX_DECLINED;
    }

    return hx_stream_realip_set_addr(s, pp);
}


/* hx_cidr_match(), plus "unix:" entries for unix-socket clients */
static hx_int_t
hx_stream_realip_trusted(struct sockaddr *sa, hx_array_t *from)
{
    hx_uint_t   i;
    hx_cidr_t  *cidr;

    if (sa->sa_family == AF_UNIX) {
        cidr = from->elts;

        for (i = 0; i < from->nelts; i++) {
            if (cidr[i].family == AF_UNIX || cidr[i].family == AF_UNSPEC) {
                return HX_OK;
            }
        }

        return HX_DECLINED;
    }

    return hx_cidr_match(sa, from);
}


static hx_int_t
hx_stream_realip_set_addr(hx_stream_session_t *s, hx_proxy_protocol_t *pp)
{
    size_t                   len;
    uint8_t                 *p;
    hx_int_t                 rc;
    hx_addr_t                addr;
    hx_connection_t         *c;
    hx_stream_realip_ctx_t  *ctx;

    c = s->connection;

    rc = hx_parse_addr(c->pool, &addr, pp->src_addr.data, pp->src_addr.len);

    if (rc == HX_ERROR) {
        return HX_ERROR;
    }

    if (rc != HX_OK) {

        /* the header was checked when read: this only guards the rest */

        return HX_DECLINED;
    }

    hx_inet_set_port(addr.sockaddr, pp->src_port);

    p = hx_pnalloc(c->pool, HX_SOCKADDR_STRLEN);
    ctx = hx_palloc(c->pool, sizeof(hx_stream_realip_ctx_t));

    if (p == NULL || ctx == NULL) {
        return HX_ERROR;
    }

    len = hx_sock_ntop(addr.sockaddr, addr.socklen, p, HX_SOCKADDR_STRLEN, 0);

    ctx->sockaddr = c->sockaddr;
    ctx->socklen = c->socklen;
    ctx->addr_text = c->addr_text;

    hx_stream_set_ctx(s, ctx, hx_stream_realip_module);

    c->sockaddr = addr.sockaddr;
    c->socklen = addr.socklen;
    c->addr_text.data = p;
    c->addr_text.len = len;

    return HX_DECLINED;
}


static hx_int_t
hx_stream_realip_remote_addr_variable(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    hx_str_t                *addr;
    hx_stream_realip_ctx_t  *ctx;

    (void) data;

    ctx = hx_stream_get_module_ctx(s, hx_stream_realip_module);

    addr = ctx ? &ctx->addr_text : &s->connection->addr_text;

    v->len = addr->len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = addr->data;

    return HX_OK;
}


static hx_int_t
hx_stream_realip_remote_port_variable(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    uint8_t                 *p;
    in_port_t                port;
    struct sockaddr         *sa;
    hx_stream_realip_ctx_t  *ctx;

    (void) data;

    ctx = hx_stream_get_module_ctx(s, hx_stream_realip_module);

    sa = ctx ? ctx->sockaddr : s->connection->sockaddr;

    v->len = 0;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    p = hx_pnalloc(s->connection->pool, sizeof("65535") - 1);
    if (p == NULL) {
        return HX_ERROR;
    }

    v->data = p;

    port = hx_inet_get_port(sa);

    if (port > 0) {
        v->len = hx_sprintf(p, "%ui", (hx_uint_t) port) - p;
    }

    return HX_OK;
}


/*
 * "unix:", a CIDR or address, or a host name whose every address is
 * trusted on its own.
 */
static char *
hx_stream_realip_from(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_stream_realip_srv_conf_t  *rscf = conf;

    hx_int_t              rc;
    hx_str_t             *value;
    hx_url_t              u;
    hx_uint_t             i;
    hx_cidr_t            *cidr;
    struct sockaddr_in   *sin;
    struct sockaddr_in6  *sin6;

    (void) cmd;

    value = cf->args->elts;

    if (rscf->from == NULL) {
        rscf->from = hx_array_create(cf->pool, 2, sizeof(hx_cidr_t));
        if (rscf->from == NULL) {
            return HX_CONF_ERROR;
        }
    }

    cidr = hx_array_push(rscf->from);
    if (cidr == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(cidr, sizeof(hx_cidr_t));

    if (value[1].len == 5 && hx_strncmp(value[1].data, "unix:", 5) == 0) {
        cidr->family = AF_UNIX;
        return HX_CONF_OK;
    }

    rc = hx_ptocidr(&value[1], cidr);

    if (rc != HX_ERROR) {
        if (rc == HX_DONE) {
            hx_conf_log_error(HX_LOG_WARN, cf, 0,
                              "low address bits of %V are meaningless",
                              &value[1]);
        }

        return HX_CONF_OK;
    }

    rscf->from->nelts--;

    hx_memzero(&u, sizeof(hx_url_t));
    u.host = value[1];

    if (hx_inet_resolve_host(cf->pool, &u) != HX_OK) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "%s in set_real_ip_from \"%V\"",
                          u.err ? u.err : "invalid value", &value[1]);
        return HX_CONF_ERROR;
    }

    cidr = hx_array_push_n(rscf->from, u.naddrs);
    if (cidr == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(cidr, u.naddrs * sizeof(hx_cidr_t));

    for (i = 0; i < u.naddrs; i++) {
        cidr[i].family = u.addrs[i].sockaddr->sa_family;

        if (cidr[i].family == AF_INET6) {
            sin6 = (struct sockaddr_in6 *) u.addrs[i].sockaddr;
            cidr[i].u.in6.addr = sin6->sin6_addr;
            hx_memset(cidr[i].u.in6.mask.s6_addr, 0xff, 16);

        } else {
            sin = (struct sockaddr_in *) u.addrs[i].sockaddr;
            cidr[i].u.in.addr = sin->sin_addr.s_addr;
            cidr[i].u.in.mask = 0xffffffff;
        }
    }

    return HX_CONF_OK;
}


static void *
hx_stream_realip_create_srv_conf(hx_conf_t *cf)
{
    hx_stream_realip_srv_conf_t  *conf;

    conf = hx_pcalloc(cf->pool, sizeof(hx_stream_realip_srv_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /* hx_pcalloc() left from NULL: nobody trusted */

    return conf;
}


static char *
hx_stream_realip_merge_srv_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_stream_realip_srv_conf_t  *prev = parent;
    hx_stream_realip_srv_conf_t  *conf = child;

    (void) cf;

    if (conf->from == NULL) {
        conf->from = prev->from;
    }

    return HX_CONF_OK;
}


static hx_int_t
hx_stream_realip_add_variables(hx_conf_t *cf)
{
    hx_stream_variable_t  *var, *v;

    for (v = hx_stream_realip_vars; v->name.len; v++) {
        var = hx_stream_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return HX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return HX_OK;
}


static hx_int_t
hx_stream_realip_init(hx_conf_t *cf)
{
    hx_stream_handler_pt         *h;
    hx_stream_core_main_conf_t   *cmcf;

    cmcf = hx_stream_conf_get_module_main_conf(cf, hx_stream_core_module);

    h = hx_array_push(&cmcf->phases[HX_STREAM_POST_ACCEPT_PHASE].handlers);
    if (h == NULL) {
        return HX_ERROR;
    }

    *h = hx_stream_realip_handler;

    return HX_OK;
}

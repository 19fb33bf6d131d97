/*
 * "pass ADDRESS;" in a stream server: hands the accepted connection over
 * to another listening socket of this hanx -- an http server, say -- as
 * if that socket had accepted it.  Useful after a preread module (or an
 * access check) has decided where a connection belongs.
 *
 * The connection keeps its descriptor and pool; only its listening
 * socket, local address and log change before the other socket's
 * handler takes it.  The client's bytes must still be in the socket
 * (prereading peeks, it does not consume), UDP cannot be passed, and a
 * chain of passes is cut after a few hops so two servers passing to
 * each other can't loop.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>


#define HX_STREAM_PASS_MAX_PASSES  10


typedef struct {
    hx_addr_t                      *addr;
    hx_stream_complex_value_t      *addr_value;
} hx_stream_pass_srv_conf_t;


static void hx_stream_pass_handler(hx_stream_session_t *s);
static hx_addr_t *hx_stream_pass_addr(hx_stream_session_t *s,
    hx_stream_pass_srv_conf_t *pscf);
static hx_int_t hx_stream_pass_count(hx_connection_t *c);
static void hx_stream_pass_cleanup(void *data);
static hx_uint_t hx_stream_pass_match(hx_listening_t *ls, hx_addr_t *addr);
static void *hx_stream_pass_create_srv_conf(hx_conf_t *cf);
static char *hx_stream_pass(hx_conf_t *cf, hx_command_t *cmd, void *conf);


static hx_command_t  hx_stream_pass_commands[] = {

    { hx_string("pass"),
      HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_stream_pass,
      HX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_stream_module_t  hx_stream_pass_module_ctx = {
    NULL,                                 /* preconfiguration */
    NULL,                                 /* postconfiguration */

    NULL,                                 /* create main configuration */
    NULL,                                 /* init main configuration */

    hx_stream_pass_create_srv_conf,       /* create server configuration */
    NULL                                  /* merge server configuration */
};


hx_module_t  hx_stream_pass_module = {
    HX_MODULE_V1,
    "hx_stream_pass_module",
    &hx_stream_pass_module_ctx,
    hx_stream_pass_commands,
    HX_STREAM_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static void
hx_stream_pass_handler(hx_stream_session_t *s)
{
    hx_uint_t                   i;
    hx_addr_t                  *addr;
    hx_listening_t             *ls;
    hx_connection_t            *c;
    hx_stream_pass_srv_conf_t  *pscf;

    c = s->connection;

    c->log->action = "passing connection to port";

    if (c->type == SOCK_DGRAM) {
        hx_log_error(HX_LOG_ERR, c->log, 0, "cannot pass udp connection");
        hx_stream_finalize_session(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    if (c->buffer && c->buffer->pos != c->buffer->last) {
        hx_log_error(HX_LOG_ERR, c->log, 0,
                     "cannot pass connection with preread data");
        hx_stream_finalize_session(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    pscf = hx_stream_get_module_srv_conf(s, hx_stream_pass_module);

    addr = hx_stream_pass_addr(s, pscf);

    if (addr == NULL || hx_stream_pass_count(c) != HX_OK) {
        hx_stream_finalize_session(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    hx_log_debug(HX_LOG_DEBUG_STREAM, c->log, 0, "stream pass addr: \"%V\"",
                 &addr->name);

    ls = hx_cycle->listening.elts;

    for (i = 0; i < hx_cycle->listening.nelts; i++) {

        if (!hx_stream_pass_match(&ls[i], addr)) {
            continue;
        }

        /* the other socket's handler takes it from here, as accepted */

        c->listening = &ls[i];
        c->data = NULL;
        c->buffer = NULL;

        *c->log = ls[i].log;
        c->log->handler = NULL;
        c->log->data = NULL;

        c->local_sockaddr = addr->sockaddr;
        c->local_socklen = addr->socklen;

        ls[i].handler(c);

        return;
    }

    hx_log_error(HX_LOG_ERR, c->log, 0, "port not found for \"%V\"",
                 &addr->name);

    hx_stream_finalize_session(s, HX_STREAM_OK);
}


/* the address: fixed, or the value of the variables parsed now */
static hx_addr_t *
hx_stream_pass_addr(hx_stream_session_t *s, hx_stream_pass_srv_conf_t *pscf)
{
    hx_str_t          url;
    hx_url_t          u;
    hx_connection_t  *c;

    if (pscf->addr) {
        return pscf->addr;
    }

    c = s->connection;

    if (hx_stream_complex_value(s, pscf->addr_value, &url) != HX_OK) {
        return NULL;
    }

    hx_memzero(&u, sizeof(hx_url_t));

    u.url = url;
    u.no_resolve = 1;

    if (hx_parse_url(c->pool, &u) != HX_OK) {
        if (u.err) {
            hx_log_error(HX_LOG_ERR, c->log, 0, "%s in pass \"%V\"",
                         u.err, &u.url);
        }

        return NULL;
    }

    if (u.naddrs == 0) {
        hx_log_error(HX_LOG_ERR, c->log, 0, "no addresses in pass \"%V\"",
                     &u.url);
        return NULL;
    }

    if (u.no_port) {
        hx_log_error(HX_LOG_ERR, c->log, 0, "no port in pass \"%V\"",
                     &u.url);
        return NULL;
    }

    return &u.addrs[0];
}


/* counts the hops in a cleanup of the pool, which every hop shares */
static hx_int_t
hx_stream_pass_count(hx_connection_t *c)
{
    hx_uint_t          *n;
    hx_pool_cleanup_t  *cln;

    for (cln = c->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler != hx_stream_pass_cleanup) {
            continue;
        }

        n = cln->data;

        if (++(*n) > HX_STREAM_PASS_MAX_PASSES) {
            hx_log_error(HX_LOG_ERR, c->log, 0, "stream pass cycle");
            return HX_ERROR;
        }

        return HX_OK;
    }

    cln = hx_pool_cleanup_add(c->pool, sizeof(hx_uint_t));
    if (cln == NULL) {
        return HX_ERROR;
    }

    cln->handler = hx_stream_pass_cleanup;

    n = cln->data;
    *n = 1;

    return HX_OK;
}


static void
hx_stream_pass_cleanup(void *data)
{
    /* only a marker: the hop count lives in its data */

    (void) data;
}


/* a TCP socket bound to addr, or a wildcard one on its port */
static hx_uint_t
hx_stream_pass_match(hx_listening_t *ls, hx_addr_t *addr)
{
    if (ls->type == SOCK_DGRAM || ls->fd == -1) {
        return 0;
    }

    if (!ls->wildcard) {
        return hx_cmp_sockaddr(ls->sockaddr, ls->socklen, addr->sockaddr,
                               addr->socklen, 1) == HX_OK;
    }

    return ls->sockaddr->sa_family == addr->sockaddr->sa_family
           && hx_inet_get_port(ls->sockaddr)
              == hx_inet_get_port(addr->sockaddr);
}


static void *
hx_stream_pass_create_srv_conf(hx_conf_t *cf)
{
    /* hx_pcalloc() leaves addr and addr_value NULL: no "pass" */

    return hx_pcalloc(cf->pool, sizeof(hx_stream_pass_srv_conf_t));
}


static char *
hx_stream_pass(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_stream_pass_srv_conf_t  *pscf = conf;

    hx_str_t                            *value;
    hx_url_t                             u;
    hx_stream_core_srv_conf_t           *cscf;
    hx_stream_compile_complex_value_t    ccv;

    (void) cmd;

    if (pscf->addr || pscf->addr_value) {
        return "is duplicate";
    }

    cscf = hx_stream_conf_get_module_srv_conf(cf, hx_stream_core_module);

    cscf->handler = hx_stream_pass_handler;

    value = cf->args->elts;

    if (hx_stream_script_variables_count(&value[1])) {
        pscf->addr_value = hx_palloc(cf->pool,
                                     sizeof(hx_stream_complex_value_t));
        if (pscf->addr_value == NULL) {
            return HX_CONF_ERROR;
        }

        hx_memzero(&ccv, sizeof(hx_stream_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &value[1];
        ccv.complex_value = pscf->addr_value;

        if (hx_stream_compile_complex_value(&ccv) != HX_OK) {
            return HX_CONF_ERROR;
        }

        return HX_CONF_OK;
    }

    hx_memzero(&u, sizeof(hx_url_t));

    u.url = value[1];
    u.listen = 1;

    if (hx_parse_url(cf->pool, &u) != HX_OK) {
        if (u.err) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "%s in \"%V\" of the \"pass\" directive",
                              u.err, &u.url);
        }

        return HX_CONF_ERROR;
    }

    if (u.naddrs == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "no addresses in \"%V\" of the \"pass\" directive",
                          &u.url);
        return HX_CONF_ERROR;
    }

    if (u.no_port) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "no port in \"%V\" of the \"pass\" directive",
                          &u.url);
        return HX_CONF_ERROR;
    }

    pscf->addr = &u.addrs[0];

    return HX_CONF_OK;
}

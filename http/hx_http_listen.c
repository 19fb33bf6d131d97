/*
 * From "listen" and "server_name" directives to listening sockets, and
 * from a request's Host back to its virtual server.
 *
 * While the block is parsed, every listen directive adds its server to an
 * address (hx_http_conf_addr_t) under a port (hx_http_conf_port_t).  When
 * the block ends, each address gets its name tables: an exact hash, the
 * "*.example.com" and "example.*" wildcard hashes and the regex names in
 * order; then each port becomes sockets.  If the port has a wildcard
 * address (*:80), one socket serves it and every non-"bind" address of
 * the port is told apart after accept by the local address
 * (getsockname); addresses with "bind" (or any option that needs its own
 * socket) get their own socket.
 *
 * Selection follows nginx: the exact name, then the longest wildcard
 * starting with "*", then the longest ending with "*", then the first
 * regex in file order; otherwise the default server of the address (the
 * one marked default_server, else the first listed).
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_listen_param.h>


static hx_int_t hx_http_add_addresses(hx_conf_t *cf,
    hx_http_core_srv_conf_t *cscf, hx_http_conf_port_t *port,
    hx_http_listen_opt_t *lsopt);
static hx_int_t hx_http_add_address(hx_conf_t *cf,
    hx_http_core_srv_conf_t *cscf, hx_http_conf_port_t *port,
    hx_http_listen_opt_t *lsopt);
static hx_int_t hx_http_add_server(hx_conf_t *cf,
    hx_http_core_srv_conf_t *cscf, hx_http_conf_addr_t *addr);
static hx_int_t hx_http_server_names(hx_conf_t *cf,
    hx_http_core_main_conf_t *cmcf, hx_http_conf_addr_t *addr);
static hx_int_t hx_http_cmp_conf_addrs(const void *one, const void *two);
static int hx_http_cmp_dns_wildcards(const void *one, const void *two);
static hx_int_t hx_http_init_listening(hx_conf_t *cf,
    hx_http_conf_port_t *port);
static hx_listening_t *hx_http_add_listening(hx_conf_t *cf,
    hx_http_conf_addr_t *addr);
static hx_int_t hx_http_add_addrs(hx_conf_t *cf, hx_http_port_t *hport,
    hx_http_conf_addr_t *addr);


/*
 * The "listen" directive: address[:port] or port, then options.  A port
 * range ("127.0.0.1:8000-8010") adds one address per port.
 */
char *
hx_http_core_listen(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_core_srv_conf_t *cscf = conf;

    hx_str_t              *value, size;
    hx_url_t               u;
    hx_uint_t              n, i;
    hx_http_listen_opt_t   lsopt;
    hx_listen_keepalive_t  ka;

    (void) cmd;

    cscf->listen = 1;

    value = cf->args->elts;

    hx_memzero(&u, sizeof(hx_url_t));

    u.url = value[1];
    u.listen = 1;
    u.default_port = 80;

    if (hx_parse_url(cf->pool, &u) != HX_OK) {
        if (u.err) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "%s in \"%V\" of the \"listen\" directive",
                              u.err, &u.url);
        }

        return HX_CONF_ERROR;
    }

    hx_memzero(&lsopt, sizeof(hx_http_listen_opt_t));

    lsopt.backlog = HX_LISTEN_BACKLOG;
    lsopt.type = SOCK_STREAM;
    lsopt.rcvbuf = -1;
    lsopt.sndbuf = -1;
    lsopt.fastopen = -1;
    lsopt.ipv6only = 1;

    for (n = 2; n < cf->args->nelts; n++) {

        if (hx_strcmp(value[n].data, "default_server") == 0
            || hx_strcmp(value[n].data, "default") == 0)
        {
            lsopt.default_server = 1;
            continue;
        }

        if (hx_strcmp(value[n].data, "bind") == 0) {
            lsopt.set = 1;
            lsopt.bind = 1;
            continue;
        }

        if (hx_strncmp(value[n].data, "fastopen=", 9) == 0) {
            lsopt.fastopen = hx_atoi(value[n].data + 9, value[n].len - 9);
            lsopt.set = 1;
            lsopt.bind = 1;

            if (lsopt.fastopen == HX_ERROR) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid fastopen \"%V\"", &value[n]);
                return HX_CONF_ERROR;
            }

            continue;
        }

        if (hx_strncmp(value[n].data, "backlog=", 8) == 0) {
            lsopt.backlog = hx_atoi(value[n].data + 8, value[n].len - 8);
            lsopt.set = 1;
            lsopt.bind = 1;

            if (lsopt.backlog == HX_ERROR || lsopt.backlog == 0) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid backlog \"%V\"", &value[n]);
                return HX_CONF_ERROR;
            }

            continue;
        }

        if (hx_strncmp(value[n].data, "rcvbuf=", 7) == 0
            || hx_strncmp(value[n].data, "sndbuf=", 7) == 0)
        {
            size.len = value[n].len - 7;
            size.data = value[n].data + 7;

            i = (hx_uint_t) hx_parse_size(&size);

            if ((ssize_t) i == HX_ERROR) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid %*s \"%V\"", (size_t) 6,
                                  value[n].data, &value[n]);
                return HX_CONF_ERROR;
            }

            if (value[n].data[0] == 'r') {
                lsopt.rcvbuf = (int) i;
            } else {
                lsopt.sndbuf = (int) i;
            }

            lsopt.set = 1;
            lsopt.bind = 1;

            continue;
        }

        if (hx_strncmp(value[n].data, "accept_filter=", 14) == 0) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "accept filters \"%V\" are not supported "
                              "on this platform, ignored", &value[n]);
            continue;
        }

        if (hx_strcmp(value[n].data, "deferred") == 0) {
            lsopt.deferred_accept = 1;
            lsopt.set = 1;
            lsopt.bind = 1;
            continue;
        }

        if (hx_strncmp(value[n].data, "ipv6only=o", 10) == 0) {
            if (hx_strcmp(&value[n].data[10], "n") == 0) {
                lsopt.ipv6only = 1;

            } else if (hx_strcmp(&value[n].data[10], "ff") == 0) {
                lsopt.ipv6only = 0;

            } else {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid ipv6only flags \"%s\"",
                                  &value[n].data[9]);
                return HX_CONF_ERROR;
            }

            lsopt.set = 1;
            lsopt.bind = 1;

            continue;
        }

        if (hx_strcmp(value[n].data, "reuseport") == 0) {
            lsopt.reuseport = 1;
            lsopt.set = 1;
            lsopt.bind = 1;
            continue;
        }

        if (hx_strcmp(value[n].data, "freebind") == 0) {
            lsopt.freebind = 1;
            lsopt.set = 1;
            lsopt.bind = 1;
            continue;
        }

        if (hx_strcmp(value[n].data, "ssl") == 0) {
            lsopt.ssl = 1;
            continue;
        }

        if (hx_strcmp(value[n].data, "http2") == 0) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "the \"http2\" parameter requires "
                              "ngx_http_v2_module");
            return HX_CONF_ERROR;
        }

        if (hx_strcmp(value[n].data, "quic") == 0) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "the \"quic\" parameter requires "
                              "ngx_http_v3_module");
            return HX_CONF_ERROR;
        }

        if (hx_strncmp(value[n].data, "so_keepalive=", 13) == 0) {
            if (hx_listen_parse_keepalive(cf, &value[n], &ka) != HX_OK) {
                return HX_CONF_ERROR;
            }

            lsopt.so_keepalive = ka.mode;
            lsopt.tcp_keepidle = ka.idle;
            lsopt.tcp_keepintvl = ka.intvl;
            lsopt.tcp_keepcnt = ka.cnt;
            lsopt.set = 1;
            lsopt.bind = 1;
            continue;
        }

        if (hx_strcmp(value[n].data, "proxy_protocol") == 0) {
            lsopt.proxy_protocol = 1;
            continue;
        }

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid parameter \"%V\"", &value[n]);
        return HX_CONF_ERROR;
    }

    /* hx_parse_url has one address per port of a range already */

    for (n = 0; n < u.naddrs; n++) {

        lsopt.socklen = u.addrs[n].socklen;
        hx_memcpy(&lsopt.sockaddr, u.addrs[n].sockaddr, u.addrs[n].socklen);

        lsopt.wildcard = hx_inet_wildcard(&lsopt.sockaddr.sockaddr);

        lsopt.addr_text.data = hx_pnalloc(cf->pool, HX_SOCKADDR_STRLEN);
        if (lsopt.addr_text.data == NULL) {
            return HX_CONF_ERROR;
        }

        lsopt.addr_text.len = hx_sock_ntop(&lsopt.sockaddr.sockaddr,
                                           lsopt.socklen,
                                           lsopt.addr_text.data,
                                           HX_SOCKADDR_STRLEN, 1);

        if (hx_http_add_listen(cf, cscf, &lsopt) != HX_OK) {
            return HX_CONF_ERROR;
        }
    }

    return HX_CONF_OK;
}


hx_int_t
hx_http_add_listen(hx_conf_t *cf, hx_http_core_srv_conf_t *cscf,
    hx_http_listen_opt_t *lsopt)
{
    in_port_t                   p;
    hx_uint_t                   i;
    struct sockaddr            *sa;
    hx_http_conf_port_t        *port;
    hx_http_core_main_conf_t   *cmcf;

    cmcf = hx_http_conf_get_module_main_conf(cf, hx_http_core_module);

    if (cmcf->ports == NULL) {
        cmcf->ports = hx_array_create(cf->temp_pool, 2,
                                      sizeof(hx_http_conf_port_t));
        if (cmcf->ports == NULL) {
            return HX_ERROR;
        }
    }

    sa = &lsopt->sockaddr.sockaddr;
    p = (sa->sa_family == AF_UNIX) ? 0 : hx_inet_get_port(sa);

    port = cmcf->ports->elts;
    for (i = 0; i < cmcf->ports->nelts; i++) {

        if (p != port[i].port || sa->sa_family != port[i].family) {
            continue;
        }

        return hx_http_add_addresses(cf, cscf, &port[i], lsopt);
    }

    port = hx_array_push(cmcf->ports);
    if (port == NULL) {
        return HX_ERROR;
    }

    port->family = sa->sa_family;
    port->port = p;
    port->addrs.elts = NULL;

    return hx_http_add_address(cf, cscf, port, lsopt);
}


static hx_int_t
hx_http_add_addresses(hx_conf_t *cf, hx_http_core_srv_conf_t *cscf,
    hx_http_conf_port_t *port, hx_http_listen_opt_t *lsopt)
{
    hx_uint_t              i, default_server, proxy_protocol, ssl;
    hx_http_conf_addr_t   *addr;

    addr = port->addrs.elts;

    for (i = 0; i < port->addrs.nelts; i++) {

        if (hx_cmp_sockaddr(&lsopt->sockaddr.sockaddr, lsopt->socklen,
                            &addr[i].opt.sockaddr.sockaddr,
                            addr[i].opt.socklen, 0)
            != HX_OK)
        {
            continue;
        }

        /* the address is already known: one more server on it */

        if (hx_http_add_server(cf, cscf, &addr[i]) != HX_OK) {
            return HX_ERROR;
        }

        default_server = addr[i].opt.default_server;
        proxy_protocol = lsopt->proxy_protocol || addr[i].opt.proxy_protocol;
        ssl = lsopt->ssl || addr[i].opt.ssl;

        if (lsopt->set) {

            if (addr[i].opt.set) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "duplicate listen options for %V",
                                  &addr[i].opt.addr_text);
                return HX_ERROR;
            }

            addr[i].opt = *lsopt;
        }

        if (lsopt->default_server) {

            if (default_server) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "a duplicate default server for %V",
                                  &addr[i].opt.addr_text);
                return HX_ERROR;
            }

            default_server = 1;
            addr[i].default_server = cscf;
        }

        addr[i].opt.default_server = default_server;
        addr[i].opt.proxy_protocol = proxy_protocol;
        addr[i].opt.ssl = ssl;

        return HX_OK;
    }

    return hx_http_add_address(cf, cscf, port, lsopt);
}


static hx_int_t
hx_http_add_address(hx_conf_t *cf, hx_http_core_srv_conf_t *cscf,
    hx_http_conf_port_t *port, hx_http_listen_opt_t *lsopt)
{
    hx_http_conf_addr_t  *addr;

    if (port->addrs.elts == NULL) {
        if (hx_array_init(&port->addrs, cf->temp_pool, 4,
                          sizeof(hx_http_conf_addr_t))
            != HX_OK)
        {
            return HX_ERROR;
        }
    }

    addr = hx_array_push(&port->addrs);
    if (addr == NULL) {
        return HX_ERROR;
    }

    hx_memzero(addr, sizeof(hx_http_conf_addr_t));

    addr->opt = *lsopt;
    addr->default_server = cscf;

    return hx_http_add_server(cf, cscf, addr);
}


static hx_int_t
hx_http_add_server(hx_conf_t *cf, hx_http_core_srv_conf_t *cscf,
    hx_http_conf_addr_t *addr)
{
    hx_uint_t                   i;
    hx_http_core_srv_conf_t   **server;

    if (addr->servers.elts == NULL) {
        if (hx_array_init(&addr->servers, cf->temp_pool, 4,
                          sizeof(hx_http_core_srv_conf_t *))
            != HX_OK)
        {
            return HX_ERROR;
        }

    } else {
        server = addr->servers.elts;
        for (i = 0; i < addr->servers.nelts; i++) {
            if (server[i] == cscf) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "a duplicate listen %V",
                                  &addr->opt.addr_text);
                return HX_ERROR;
            }
        }
    }

    server = hx_array_push(&addr->servers);
    if (server == NULL) {
        return HX_ERROR;
    }

    *server = cscf;

    return HX_OK;
}


hx_int_t
hx_http_optimize_servers(hx_conf_t *cf, hx_http_core_main_conf_t *cmcf,
    hx_array_t *ports)
{
    hx_uint_t              p, a;
    hx_http_conf_port_t   *port;
    hx_http_conf_addr_t   *addr;

    if (ports == NULL) {
        return HX_OK;
    }

    port = ports->elts;
    for (p = 0; p < ports->nelts; p++) {

        hx_sort(port[p].addrs.elts, (size_t) port[p].addrs.nelts,
                sizeof(hx_http_conf_addr_t), hx_http_cmp_conf_addrs);

        /* name tables only where a choice exists (or captures are used) */

        addr = port[p].addrs.elts;
        for (a = 0; a < port[p].addrs.nelts; a++) {

            if (addr[a].servers.nelts > 1
                || addr[a].default_server->captures)
            {
                if (hx_http_server_names(cf, cmcf, &addr[a]) != HX_OK) {
                    return HX_ERROR;
                }
            }
        }

        if (hx_http_init_listening(cf, &port[p]) != HX_OK) {
            return HX_ERROR;
        }
    }

    return HX_OK;
}


static hx_int_t
hx_http_server_names(hx_conf_t *cf, hx_http_core_main_conf_t *cmcf,
    hx_http_conf_addr_t *addr)
{
    hx_int_t                    rc;
    hx_uint_t                   n, s, i, regex;
    hx_hash_init_t              hash;
    hx_hash_keys_arrays_t       ha;
    hx_http_server_name_t      *name;
    hx_http_core_srv_conf_t   **cscfp;

    regex = 0;

    hx_memzero(&ha, sizeof(hx_hash_keys_arrays_t));

    ha.temp_pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, cf->log);
    if (ha.temp_pool == NULL) {
        return HX_ERROR;
    }

    ha.pool = cf->pool;

    if (hx_hash_keys_array_init(&ha, HX_HASH_LARGE) != HX_OK) {
        goto failed;
    }

    cscfp = addr->servers.elts;

    for (s = 0; s < addr->servers.nelts; s++) {

        name = cscfp[s]->server_names.elts;

        for (n = 0; n < cscfp[s]->server_names.nelts; n++) {

            if (name[n].regex) {
                regex++;
                continue;
            }

            rc = hx_hash_add_key(&ha, &name[n].name, name[n].server,
                                 HX_HASH_WILDCARD_KEY);

            if (rc == HX_ERROR) {
                goto failed;
            }

            if (rc == HX_DECLINED) {
                hx_log_error(HX_LOG_EMERG, cf->log, 0,
                             "invalid server name or wildcard \"%V\" on %V",
                             &name[n].name, &addr->opt.addr_text);
                goto failed;
            }

            if (rc == HX_BUSY) {
                hx_log_error(HX_LOG_WARN, cf->log, 0,
                             "conflicting server name \"%V\" on %V, ignored",
                             &name[n].name, &addr->opt.addr_text);
            }
        }
    }

    hash.key = hx_hash_key_lc;
    hash.max_size = cmcf->server_names_hash_max_size;
    hash.bucket_size = cmcf->server_names_hash_bucket_size;
    hash.name = "server_names_hash";
    hash.pool = cf->pool;

    if (ha.keys.nelts) {
        hash.hash = &addr->hash;
        hash.temp_pool = NULL;

        if (hx_hash_init(&hash, ha.keys.elts, ha.keys.nelts) != HX_OK) {
            goto failed;
        }
    }

    if (ha.dns_wc_head.nelts) {

        hx_qsort(ha.dns_wc_head.elts, (size_t) ha.dns_wc_head.nelts,
                 sizeof(hx_hash_key_t), hx_http_cmp_dns_wildcards);

        hash.hash = NULL;
        hash.temp_pool = ha.temp_pool;

        if (hx_hash_wildcard_init(&hash, ha.dns_wc_head.elts,
                                  ha.dns_wc_head.nelts)
            != HX_OK)
        {
            goto failed;
        }

        addr->wc_head = (hx_hash_wildcard_t *) hash.hash;
    }

    if (ha.dns_wc_tail.nelts) {

        hx_qsort(ha.dns_wc_tail.elts, (size_t) ha.dns_wc_tail.nelts,
                 sizeof(hx_hash_key_t), hx_http_cmp_dns_wildcards);

        hash.hash = NULL;
        hash.temp_pool = ha.temp_pool;

        if (hx_hash_wildcard_init(&hash, ha.dns_wc_tail.elts,
                                  ha.dns_wc_tail.nelts)
            != HX_OK)
        {
            goto failed;
        }

        addr->wc_tail = (hx_hash_wildcard_t *) hash.hash;
    }

    hx_destroy_pool(ha.temp_pool);

    if (regex == 0) {
        return HX_OK;
    }

    addr->nregex = regex;
    addr->regex = hx_palloc(cf->pool, regex * sizeof(hx_http_server_name_t));
    if (addr->regex == NULL) {
        return HX_ERROR;
    }

    i = 0;

    for (s = 0; s < addr->servers.nelts; s++) {

        name = cscfp[s]->server_names.elts;

        for (n = 0; n < cscfp[s]->server_names.nelts; n++) {
            if (name[n].regex) {
                addr->regex[i++] = name[n];
            }
        }
    }

    return HX_OK;

failed:

    hx_destroy_pool(ha.temp_pool);

    return HX_ERROR;
}


/* explicit binds first, the wildcard address last (a stable sort) */
static hx_int_t
hx_http_cmp_conf_addrs(const void *one, const void *two)
{
    hx_http_conf_addr_t  *first, *second;

    first = (hx_http_conf_addr_t *) one;
    second = (hx_http_conf_addr_t *) two;

    if (first->opt.wildcard) {
        return 1;
    }

    if (second->opt.wildcard) {
        return -1;
    }

    if (first->opt.bind && !second->opt.bind) {
        return -1;
    }

    if (!first->opt.bind && second->opt.bind) {
        return 1;
    }

    return 0;
}


static int
hx_http_cmp_dns_wildcards(const void *one, const void *two)
{
    hx_hash_key_t  *first, *second;

    first = (hx_hash_key_t *) one;
    second = (hx_hash_key_t *) two;

    return (int) hx_dns_strcmp(first->key.data, second->key.data);
}


/*
 * One socket per explicit address, unless the port has a wildcard: then
 * the wildcard socket serves all non-bind addresses, which are told apart
 * by the local address after accept.
 */
static hx_int_t
hx_http_init_listening(hx_conf_t *cf, hx_http_conf_port_t *port)
{
    hx_uint_t              i, last, bind_wildcard;
    hx_listening_t        *ls;
    hx_http_port_t        *hport;
    hx_http_conf_addr_t   *addr;

    addr = port->addrs.elts;
    last = port->addrs.nelts;

    if (addr[last - 1].opt.wildcard) {
        addr[last - 1].opt.bind = 1;
        bind_wildcard = 1;

    } else {
        bind_wildcard = 0;
    }

    i = 0;

    while (i < last) {

        if (bind_wildcard && !addr[i].opt.bind) {
            i++;
            continue;
        }

        /*
         * this socket serves addr[i] and, when it is the wildcard, the
         * implicit addresses addr[0 .. i-1] before it
         */

        ls = hx_http_add_listening(cf, &addr[i]);
        if (ls == NULL) {
            return HX_ERROR;
        }

        hport = hx_pcalloc(cf->pool, sizeof(hx_http_port_t));
        if (hport == NULL) {
            return HX_ERROR;
        }

        ls->servers = hport;

        hport->naddrs = i + 1;

        if (hx_http_add_addrs(cf, hport, addr) != HX_OK) {
            return HX_ERROR;
        }

        addr++;
        last--;
    }

    return HX_OK;
}


static hx_listening_t *
hx_http_add_listening(hx_conf_t *cf, hx_http_conf_addr_t *addr)
{
    hx_listening_t             *ls;
    hx_http_core_loc_conf_t    *clcf;
    hx_http_core_srv_conf_t    *cscf;

    ls = hx_create_listening(cf, &addr->opt.sockaddr.sockaddr,
                             addr->opt.socklen);
    if (ls == NULL) {
        return NULL;
    }

    ls->addr_ntop = 1;

    ls->handler = hx_http_init_connection;

    cscf = addr->default_server;
    ls->pool_size = cscf->connection_pool_size;

    clcf = cscf->ctx->loc_conf[hx_http_core_module.ctx_index];

    ls->logp = clcf->error_log;
    ls->log.data = &ls->addr_text;
    ls->log.handler = hx_accept_log_error;

    ls->type = addr->opt.type;
    ls->backlog = addr->opt.backlog;
    ls->rcvbuf = addr->opt.rcvbuf;
    ls->sndbuf = addr->opt.sndbuf;

    ls->keepalive = addr->opt.so_keepalive;
    ls->keepidle = addr->opt.tcp_keepidle;
    ls->keepintvl = addr->opt.tcp_keepintvl;
    ls->keepcnt = addr->opt.tcp_keepcnt;

    ls->deferred_accept = addr->opt.deferred_accept;
    ls->ipv6only = addr->opt.ipv6only;
    ls->fastopen = addr->opt.fastopen;
    ls->reuseport = addr->opt.reuseport;
    ls->freebind = addr->opt.freebind;
    ls->bind = addr->opt.bind;

    ls->wildcard = addr->opt.wildcard;

    return ls;
}


static hx_int_t
hx_http_add_addrs(hx_conf_t *cf, hx_http_port_t *hport,
    hx_http_conf_addr_t *addr)
{
    hx_uint_t                   i;
    hx_http_addr_conf_t        *conf;
    hx_http_in_addr_t          *addrs;
    hx_http_in6_addr_t         *addrs6;
    hx_http_virtual_names_t    *vn;
    struct sockaddr            *sa;

    sa = &addr[0].opt.sockaddr.sockaddr;

    if (sa->sa_family == AF_INET6) {
        addrs6 = hx_pcalloc(cf->pool,
                            hport->naddrs * sizeof(hx_http_in6_addr_t));
        if (addrs6 == NULL) {
            return HX_ERROR;
        }

        hport->addrs = addrs6;
        addrs = NULL;

    } else {
        addrs = hx_pcalloc(cf->pool,
                           hport->naddrs * sizeof(hx_http_in_addr_t));
        if (addrs == NULL) {
            return HX_ERROR;
        }

        hport->addrs = addrs;
        addrs6 = NULL;
    }

    for (i = 0; i < hport->naddrs; i++) {

        sa = &addr[i].opt.sockaddr.sockaddr;

        if (addrs6) {
            addrs6[i].addr6 = addr[i].opt.sockaddr.sockaddr_in6.sin6_addr;
            conf = &addrs6[i].conf;

        } else {
            addrs[i].addr = (sa->sa_family == AF_INET)
                            ? addr[i].opt.sockaddr.sockaddr_in.sin_addr.s_addr
                            : 0;
            conf = &addrs[i].conf;
        }

        conf->default_server = addr[i].default_server;
        conf->ssl = addr[i].opt.ssl;
        conf->proxy_protocol = addr[i].opt.proxy_protocol;

        if (addr[i].hash.buckets == NULL
            && (addr[i].wc_head == NULL
                || addr[i].wc_head->hash.buckets == NULL)
            && (addr[i].wc_tail == NULL
                || addr[i].wc_tail->hash.buckets == NULL)
            && addr[i].nregex == 0)
        {
            continue;
        }

        vn = hx_palloc(cf->pool, sizeof(hx_http_virtual_names_t));
        if (vn == NULL) {
            return HX_ERROR;
        }

        conf->virtual_names = vn;

        vn->names.hash = addr[i].hash;
        vn->names.wc_head = addr[i].wc_head;
        vn->names.wc_tail = addr[i].wc_tail;
        vn->nregex = addr[i].nregex;
        vn->regex = addr[i].regex;
    }

    return HX_OK;
}


/*
 * The address conf an accepted connection belongs to: with several
 * addresses on the socket (a wildcard serving implicit ones), the local
 * address decides; the last entry is the wildcard itself.  NULL on error.
 */
hx_http_addr_conf_t *
hx_http_connection_addr_conf(hx_connection_t *c)
{
    hx_uint_t              i;
    hx_http_port_t        *port;
    hx_http_in_addr_t     *addr;
    hx_http_in6_addr_t    *addr6;
    struct sockaddr_in    *sin;
    struct sockaddr_in6   *sin6;

    port = c->listening->servers;

    if (port->naddrs > 1) {

        if (hx_connection_local_sockaddr(c, NULL, 0) != HX_OK) {
            return NULL;
        }

        switch (c->local_sockaddr->sa_family) {

        case AF_INET6:
            sin6 = (struct sockaddr_in6 *) c->local_sockaddr;
            addr6 = port->addrs;

            for (i = 0; i < port->naddrs - 1; i++) {
                if (hx_memcmp(&addr6[i].addr6, &sin6->sin6_addr, 16) == 0) {
                    break;
                }
            }

            return &addr6[i].conf;

        default:
            sin = (struct sockaddr_in *) c->local_sockaddr;
            addr = port->addrs;

            for (i = 0; i < port->naddrs - 1; i++) {
                if (addr[i].addr == sin->sin_addr.s_addr) {
                    break;
                }
            }

            return &addr[i].conf;
        }
    }

    if (c->local_sockaddr->sa_family == AF_INET6) {
        addr6 = port->addrs;
        return &addr6[0].conf;
    }

    addr = port->addrs;
    return &addr[0].conf;
}


hx_int_t
hx_http_find_virtual_server(hx_connection_t *c,
    hx_http_virtual_names_t *virtual_names, hx_str_t *host,
    hx_http_request_t *r, hx_http_core_srv_conf_t **cscfp)
{
    hx_int_t                    rc;
    hx_uint_t                   i;
    hx_str_t                    name;
    hx_http_server_name_t      *sn;
    hx_http_core_srv_conf_t    *cscf;

    if (virtual_names == NULL) {
        return HX_DECLINED;
    }

    cscf = hx_http_find_combined_name(&virtual_names->names, host);

    if (cscf) {
        *cscfp = cscf;
        return HX_OK;
    }

    if (host->len == 0 || virtual_names->nregex == 0) {
        return HX_DECLINED;
    }

    sn = virtual_names->regex;

    for (i = 0; i < virtual_names->nregex; i++) {

        name = *host;

        if (r == NULL) {

            /* no request yet (TLS SNI): match without captures */

            rc = hx_regex_exec(sn[i].regex->regex, &name, NULL, 0);

            if (rc == HX_REGEX_NO_MATCHED) {
                continue;
            }

            if (rc < 0) {
                hx_log_error(HX_LOG_ALERT, c->log, 0,
                             "regex exec failed: %i on \"%V\" using \"%V\"",
                             rc, &name, &sn[i].regex->name);
                return HX_ERROR;
            }

            *cscfp = sn[i].server;
            return HX_OK;
        }

        rc = hx_http_regex_exec(r, sn[i].regex, &name);

        if (rc == HX_DECLINED) {
            continue;
        }

        if (rc == HX_OK) {
            *cscfp = sn[i].server;
            return HX_OK;
        }

        return HX_ERROR;
    }

    return HX_DECLINED;
}


/* exact, then "*.x" and ".x", then "x.*"; host is lowercase already */
void *
hx_http_find_combined_name(hx_hash_combined_t *names, hx_str_t *host)
{
    hx_uint_t  key;

    /* an empty host finds server_name "" in the exact hash */

    key = hx_hash_key(host->data, host->len);

    return hx_hash_find_combined(names, key, host->data, host->len);
}

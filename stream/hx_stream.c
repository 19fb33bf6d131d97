/*
 * The stream {} block.
 *
 * hx_stream_module is a core module whose one directive, "stream", opens
 * the block for the HX_STREAM_MODULE modules, as nginx's ngx_stream_block
 * does: each module gets a main conf and a block-level srv conf, every
 * server {} gets its own srv confs (hx_stream_core_module's "server"),
 * and when the block ends the server confs are merged into the block's,
 * the modules' postconfiguration attaches phase handlers and filters, the
 * variables are bound, and the phase engine is laid out as one flat array
 * so that running a session is a loop over it.
 *
 * The listen directives are only recorded while parsing (grouped by port,
 * then address); the sockets are made at the end, when every address of
 * a port is known.  If one of them is the wildcard ("*:9000") and the
 * others don't say "bind" (or set a socket option, which implies it),
 * only the wildcard gets a socket and the specific addresses are found
 * per connection from its local address; that is nginx's rule and keeps
 * the number of sockets down.  Two servers on one address and port are a
 * configuration error: without server_name there would be no way to
 * choose between them.
 *
 * Servers can also be added by code once the file is read (the ha
 * module's virtual_server): hx_stream_conf_block() gives the block's
 * context, making an empty one when the file has no stream { }, and
 * hx_stream_add_server_listening() gives such a server a socket of its
 * own, refusing an address that already listens.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>


static char *hx_stream_block(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_stream_block_run(hx_conf_t *cf, hx_stream_conf_ctx_t *ctx,
    hx_uint_t parse);
static hx_int_t hx_stream_create_confs(hx_conf_t *cf,
    hx_stream_conf_ctx_t *ctx);
static char *hx_stream_merge_confs(hx_conf_t *cf, hx_stream_conf_ctx_t *ctx,
    hx_stream_core_main_conf_t *cmcf);
static hx_int_t hx_stream_init_phases(hx_conf_t *cf,
    hx_stream_core_main_conf_t *cmcf);
static hx_int_t hx_stream_init_phase_handlers(hx_conf_t *cf,
    hx_stream_core_main_conf_t *cmcf);

static hx_int_t hx_stream_add_address(hx_conf_t *cf,
    hx_stream_core_srv_conf_t *cscf, hx_stream_conf_port_t *port,
    hx_stream_listen_opt_t *lsopt);
static hx_uint_t hx_stream_sockaddr_overlap(struct sockaddr *one,
    struct sockaddr *two);
static hx_int_t hx_stream_optimize_servers(hx_conf_t *cf,
    hx_array_t *ports);
static hx_int_t hx_stream_cmp_conf_addrs(const void *one, const void *two);
static hx_int_t hx_stream_init_listening(hx_conf_t *cf,
    hx_stream_conf_port_t *port);
static hx_listening_t *hx_stream_add_listening(hx_conf_t *cf,
    hx_stream_conf_addr_t *addr);
static hx_int_t hx_stream_add_addrs(hx_conf_t *cf, hx_stream_port_t *stport,
    hx_stream_conf_addr_t *addr);
static hx_int_t hx_stream_add_addrs6(hx_conf_t *cf, hx_stream_port_t *stport,
    hx_stream_conf_addr_t *addr);
static hx_int_t hx_stream_init_process(hx_cycle_t *cycle);


hx_uint_t  hx_stream_max_module;

hx_stream_filter_pt  hx_stream_top_filter;


static hx_command_t  hx_stream_commands[] = {

    { hx_string("stream"),
      HX_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_NOARGS,
      hx_stream_block,
      0,
      0,
      NULL },

    hx_null_command
};


static hx_core_module_t  hx_stream_module_ctx = {
    hx_string("stream"),
    NULL,
    NULL
};


hx_module_t  hx_stream_module = {
    HX_MODULE_V1,
    "hx_stream_module",
    &hx_stream_module_ctx,
    hx_stream_commands,
    HX_CORE_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    hx_stream_init_process,              /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static char *
hx_stream_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_stream_conf_ctx_t  *ctx;

    (void) cmd;

    if (*(hx_stream_conf_ctx_t **) conf) {
        return "is duplicate";
    }

    ctx = hx_pcalloc(cf->pool, sizeof(hx_stream_conf_ctx_t));
    if (ctx == NULL) {
        return HX_CONF_ERROR;
    }

    *(hx_stream_conf_ctx_t **) conf = ctx;

    return hx_stream_block_run(cf, ctx, 1);
}


hx_stream_conf_ctx_t *
hx_stream_conf_block(hx_conf_t *cf)
{
    hx_stream_conf_ctx_t  *ctx;

    ctx = (hx_stream_conf_ctx_t *) cf->cycle->conf_ctx[hx_stream_module.index];

    if (ctx) {
        return ctx;
    }

    ctx = hx_pcalloc(cf->pool, sizeof(hx_stream_conf_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    if (hx_stream_block_run(cf, ctx, 0) != HX_CONF_OK) {
        return NULL;
    }

    cf->cycle->conf_ctx[hx_stream_module.index] = (void ***) ctx;

    return ctx;
}


/*
 * What "stream {" starts and "}" finishes: the modules' confs, the
 * contents (parsed only when parse is set: an empty block otherwise),
 * merging, phases, variables and the listening sockets.
 */
static char *
hx_stream_block_run(hx_conf_t *cf, hx_stream_conf_ctx_t *ctx,
    hx_uint_t parse)
{
    char                         *rv;
    hx_uint_t                     m;
    hx_conf_t                     pcf;
    hx_stream_module_t           *module;
    hx_stream_core_main_conf_t   *cmcf;

    hx_stream_max_module = hx_count_modules(cf->cycle, HX_STREAM_MODULE);

    if (hx_stream_create_confs(cf, ctx) != HX_OK) {
        return HX_CONF_ERROR;
    }

    pcf = *cf;
    cf->ctx = ctx;

    for (m = 0; cf->cycle->modules[m]; m++) {
        if (cf->cycle->modules[m]->type != HX_STREAM_MODULE) {
            continue;
        }

        module = cf->cycle->modules[m]->ctx;

        if (module->preconfiguration) {
            if (module->preconfiguration(cf) != HX_OK) {
                *cf = pcf;
                return HX_CONF_ERROR;
            }
        }
    }

    cf->module_type = HX_STREAM_MODULE;
    cf->cmd_type = HX_STREAM_MAIN_CONF;

    rv = parse ? hx_conf_parse(cf, NULL) : HX_CONF_OK;

    if (rv != HX_CONF_OK) {
        *cf = pcf;
        return rv;
    }

    cmcf = ctx->main_conf[hx_stream_core_module.ctx_index];

    rv = hx_stream_merge_confs(cf, ctx, cmcf);

    if (rv != HX_CONF_OK) {
        *cf = pcf;
        return rv;
    }

    cf->ctx = ctx;

    if (hx_stream_init_phases(cf, cmcf) != HX_OK) {
        *cf = pcf;
        return HX_CONF_ERROR;
    }

    for (m = 0; cf->cycle->modules[m]; m++) {
        if (cf->cycle->modules[m]->type != HX_STREAM_MODULE) {
            continue;
        }

        module = cf->cycle->modules[m]->ctx;

        if (module->postconfiguration) {
            if (module->postconfiguration(cf) != HX_OK) {
                *cf = pcf;
                return HX_CONF_ERROR;
            }
        }
    }

    if (hx_stream_variables_init_vars(cf) != HX_OK) {
        *cf = pcf;
        return HX_CONF_ERROR;
    }

    *cf = pcf;

    if (hx_stream_init_phase_handlers(cf, cmcf) != HX_OK) {
        return HX_CONF_ERROR;
    }

    if (hx_stream_optimize_servers(cf, cmcf->ports) != HX_OK) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


/* the main confs and the block-level srv confs of every stream module */
static hx_int_t
hx_stream_create_confs(hx_conf_t *cf, hx_stream_conf_ctx_t *ctx)
{
    hx_uint_t            m, mi;
    hx_stream_module_t  *module;

    ctx->main_conf = hx_pcalloc(cf->pool,
                                sizeof(void *) * hx_stream_max_module);
    ctx->srv_conf = hx_pcalloc(cf->pool,
                               sizeof(void *) * hx_stream_max_module);

    if (ctx->main_conf == NULL || ctx->srv_conf == NULL) {
        return HX_ERROR;
    }

    for (m = 0; cf->cycle->modules[m]; m++) {
        if (cf->cycle->modules[m]->type != HX_STREAM_MODULE) {
            continue;
        }

        module = cf->cycle->modules[m]->ctx;
        mi = cf->cycle->modules[m]->ctx_index;

        if (module->create_main_conf) {
            ctx->main_conf[mi] = module->create_main_conf(cf);
            if (ctx->main_conf[mi] == NULL) {
                return HX_ERROR;
            }
        }

        if (module->create_srv_conf) {
            ctx->srv_conf[mi] = module->create_srv_conf(cf);
            if (ctx->srv_conf[mi] == NULL) {
                return HX_ERROR;
            }
        }
    }

    return HX_OK;
}


hx_stream_conf_ctx_t *
hx_stream_create_srv_ctx(hx_conf_t *cf, hx_stream_conf_ctx_t *parent)
{
    hx_uint_t              m;
    hx_module_t           *module;
    hx_stream_module_t    *smod;
    hx_stream_conf_ctx_t  *ctx;

    ctx = hx_pcalloc(cf->pool, sizeof(hx_stream_conf_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    ctx->main_conf = parent->main_conf;

    ctx->srv_conf = hx_pcalloc(cf->pool,
                               sizeof(void *) * hx_stream_max_module);
    if (ctx->srv_conf == NULL) {
        return NULL;
    }

    for (m = 0; cf->cycle->modules[m]; m++) {
        module = cf->cycle->modules[m];

        if (module->type != HX_STREAM_MODULE) {
            continue;
        }

        smod = module->ctx;

        if (smod->create_srv_conf) {
            ctx->srv_conf[module->ctx_index] = smod->create_srv_conf(cf);
            if (ctx->srv_conf[module->ctx_index] == NULL) {
                return NULL;
            }
        }
    }

    return ctx;
}


/* init_main_conf of each module, then each server merged with the block */
static char *
hx_stream_merge_confs(hx_conf_t *cf, hx_stream_conf_ctx_t *ctx,
    hx_stream_core_main_conf_t *cmcf)
{
    char                         *rv;
    hx_uint_t                     m, mi, s;
    hx_stream_module_t           *module;
    hx_stream_core_srv_conf_t   **cscfp;

    cscfp = cmcf->servers.elts;

    for (m = 0; cf->cycle->modules[m]; m++) {
        if (cf->cycle->modules[m]->type != HX_STREAM_MODULE) {
            continue;
        }

        module = cf->cycle->modules[m]->ctx;
        mi = cf->cycle->modules[m]->ctx_index;

        cf->ctx = ctx;

        if (module->init_main_conf) {
            rv = module->init_main_conf(cf, ctx->main_conf[mi]);
            if (rv != HX_CONF_OK) {
                return rv;
            }
        }

        if (module->merge_srv_conf == NULL) {
            continue;
        }

        for (s = 0; s < cmcf->servers.nelts; s++) {
            cf->ctx = cscfp[s]->ctx;

            rv = module->merge_srv_conf(cf, ctx->srv_conf[mi],
                                        cscfp[s]->ctx->srv_conf[mi]);
            if (rv != HX_CONF_OK) {
                return rv;
            }
        }
    }

    return HX_CONF_OK;
}


static hx_int_t
hx_stream_init_phases(hx_conf_t *cf, hx_stream_core_main_conf_t *cmcf)
{
    hx_uint_t  i;

    for (i = 0; i <= HX_STREAM_LOG_PHASE; i++) {

        /* the content phase has the server's handler, not a list */

        if (i == HX_STREAM_CONTENT_PHASE) {
            continue;
        }

        if (hx_array_init(&cmcf->phases[i].handlers, cf->pool, 1,
                          sizeof(hx_stream_handler_pt))
            != HX_OK)
        {
            return HX_ERROR;
        }
    }

    return HX_OK;
}


/*
 * Lays the phase handlers out in one array in phase order, each entry
 * with the checker that knows how to run it and the index of the first
 * entry of the next phase (where HX_OK jumps).  The content phase is one
 * entry; the log phase is not in the array, it runs at finalization.
 * Handlers of a phase run in the reverse order of registration, as in
 * nginx, so a module registered later runs earlier.
 */
static hx_int_t
hx_stream_init_phase_handlers(hx_conf_t *cf,
    hx_stream_core_main_conf_t *cmcf)
{
    hx_int_t                      j;
    hx_uint_t                     i, n;
    hx_stream_handler_pt         *h;
    hx_stream_phase_handler_t    *ph;
    hx_stream_phase_handler_pt    checker;

    n = 1;                            /* the content phase */

    for (i = 0; i < HX_STREAM_LOG_PHASE; i++) {
        if (i != HX_STREAM_CONTENT_PHASE) {
            n += cmcf->phases[i].handlers.nelts;
        }
    }

    /* one more, zeroed, entry ends the array */

    ph = hx_pcalloc(cf->pool, (n + 1) * sizeof(hx_stream_phase_handler_t));
    if (ph == NULL) {
        return HX_ERROR;
    }

    cmcf->phase_engine.handlers = ph;
    n = 0;

    for (i = 0; i < HX_STREAM_LOG_PHASE; i++) {

        if (i == HX_STREAM_CONTENT_PHASE) {
            ph->checker = hx_stream_core_content_phase;
            ph++;
            n++;
            continue;
        }

        checker = (i == HX_STREAM_PREREAD_PHASE)
                  ? hx_stream_core_preread_phase
                  : hx_stream_core_generic_phase;

        h = cmcf->phases[i].handlers.elts;
        n += cmcf->phases[i].handlers.nelts;

        for (j = (hx_int_t) cmcf->phases[i].handlers.nelts - 1; j >= 0; j--) {
            ph->checker = checker;
            ph->handler = h[j];
            ph->next = n;
            ph++;
        }
    }

    return HX_OK;
}


hx_int_t
hx_stream_add_listen(hx_conf_t *cf, hx_stream_core_srv_conf_t *cscf,
    hx_stream_listen_opt_t *lsopt)
{
    in_port_t                     p;
    hx_uint_t                     i;
    struct sockaddr              *sa;
    hx_stream_conf_port_t        *port;
    hx_stream_core_main_conf_t   *cmcf;

    cmcf = hx_stream_conf_get_module_main_conf(cf, hx_stream_core_module);

    if (cmcf->ports == NULL) {
        cmcf->ports = hx_array_create(cf->temp_pool, 2,
                                      sizeof(hx_stream_conf_port_t));
        if (cmcf->ports == NULL) {
            return HX_ERROR;
        }
    }

    sa = lsopt->sockaddr;
    p = hx_inet_get_port(sa);

    port = cmcf->ports->elts;

    for (i = 0; i < cmcf->ports->nelts; i++) {

        if (p != port[i].port
            || lsopt->type != port[i].type
            || sa->sa_family != port[i].family)
        {
            continue;
        }

        return hx_stream_add_address(cf, cscf, &port[i], lsopt);
    }

    port = hx_array_push(cmcf->ports);
    if (port == NULL) {
        return HX_ERROR;
    }

    port->family = sa->sa_family;
    port->type = lsopt->type;
    port->port = p;

    if (hx_array_init(&port->addrs, cf->temp_pool, 2,
                      sizeof(hx_stream_conf_addr_t))
        != HX_OK)
    {
        return HX_ERROR;
    }

    return hx_stream_add_address(cf, cscf, port, lsopt);
}


static hx_int_t
hx_stream_add_address(hx_conf_t *cf, hx_stream_core_srv_conf_t *cscf,
    hx_stream_conf_port_t *port, hx_stream_listen_opt_t *lsopt)
{
    hx_uint_t                     i;
    hx_stream_conf_addr_t        *addr;
    hx_stream_core_srv_conf_t   **server;

    addr = port->addrs.elts;

    for (i = 0; i < port->addrs.nelts; i++) {

        /* the port is equal: compare the addresses only */

        if (hx_cmp_sockaddr(lsopt->sockaddr, lsopt->socklen,
                            addr[i].opt.sockaddr, addr[i].opt.socklen, 0)
            == HX_OK)
        {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "duplicate \"%V\" address and port pair",
                              &lsopt->addr_text);
            return HX_ERROR;
        }
    }

    addr = hx_array_push(&port->addrs);
    if (addr == NULL) {
        return HX_ERROR;
    }

    addr->opt = *lsopt;
    addr->default_server = cscf;

    if (hx_array_init(&addr->servers, cf->temp_pool, 1,
                      sizeof(hx_stream_core_srv_conf_t *))
        != HX_OK)
    {
        return HX_ERROR;
    }

    server = hx_array_push(&addr->servers);
    if (server == NULL) {
        return HX_ERROR;
    }

    *server = cscf;

    return HX_OK;
}


hx_listening_t *
hx_stream_add_server_listening(hx_conf_t *cf, hx_stream_core_srv_conf_t *cscf,
    hx_stream_listen_opt_t *lsopt)
{
    hx_uint_t               i;
    hx_listening_t         *ls;
    hx_stream_port_t       *stport;
    hx_stream_conf_addr_t   addr;

    ls = cf->cycle->listening.elts;

    for (i = 0; i < cf->cycle->listening.nelts; i++) {
        if (ls[i].type == lsopt->type
            && hx_stream_sockaddr_overlap(ls[i].sockaddr, lsopt->sockaddr))
        {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "\"%V\" is already a listening address "
                              "(\"%V\")", &lsopt->addr_text,
                              &ls[i].addr_text);
            return NULL;
        }
    }

    hx_memzero(&addr, sizeof(hx_stream_conf_addr_t));

    addr.opt = *lsopt;
    addr.default_server = cscf;

    ls = hx_stream_add_listening(cf, &addr);
    if (ls == NULL) {
        return NULL;
    }

    stport = hx_pcalloc(cf->pool, sizeof(hx_stream_port_t));
    if (stport == NULL) {
        return NULL;
    }

    ls->servers = stport;
    stport->naddrs = 1;

    if (ls->sockaddr->sa_family == AF_INET6) {
        if (hx_stream_add_addrs6(cf, stport, &addr) != HX_OK) {
            return NULL;
        }

    } else {
        if (hx_stream_add_addrs(cf, stport, &addr) != HX_OK) {
            return NULL;
        }
    }

    return ls;
}


/*
 * Whether two IP sockets could not both be bound: the same port and
 * family, and the same address or a wildcard on either side.
 */
static hx_uint_t
hx_stream_sockaddr_overlap(struct sockaddr *one, struct sockaddr *two)
{
    struct sockaddr_in   *sin1, *sin2;
    struct sockaddr_in6  *sin61, *sin62;

    if (one->sa_family != two->sa_family
        || (one->sa_family != AF_INET && one->sa_family != AF_INET6)
        || hx_inet_get_port(one) != hx_inet_get_port(two))
    {
        return 0;
    }

    if (one->sa_family == AF_INET6) {
        sin61 = (struct sockaddr_in6 *) one;
        sin62 = (struct sockaddr_in6 *) two;

        return IN6_IS_ADDR_UNSPECIFIED(&sin61->sin6_addr)
               || IN6_IS_ADDR_UNSPECIFIED(&sin62->sin6_addr)
               || IN6_ARE_ADDR_EQUAL(&sin61->sin6_addr, &sin62->sin6_addr);
    }

    sin1 = (struct sockaddr_in *) one;
    sin2 = (struct sockaddr_in *) two;

    return sin1->sin_addr.s_addr == INADDR_ANY
           || sin2->sin_addr.s_addr == INADDR_ANY
           || sin1->sin_addr.s_addr == sin2->sin_addr.s_addr;
}


static hx_int_t
hx_stream_optimize_servers(hx_conf_t *cf, hx_array_t *ports)
{
    hx_uint_t               p;
    hx_stream_conf_port_t  *port;

    if (ports == NULL) {
        return HX_OK;
    }

    port = ports->elts;

    for (p = 0; p < ports->nelts; p++) {

        hx_sort(port[p].addrs.elts, port[p].addrs.nelts,
                sizeof(hx_stream_conf_addr_t), hx_stream_cmp_conf_addrs);

        if (hx_stream_init_listening(cf, &port[p]) != HX_OK) {
            return HX_ERROR;
        }
    }

    return HX_OK;
}


/* explicitly bound addresses first, then implicit ones, the wildcard last */
static hx_int_t
hx_stream_cmp_conf_addrs(const void *one, const void *two)
{
    const hx_stream_conf_addr_t  *first, *second;

    first = one;
    second = two;

    if (first->opt.wildcard != second->opt.wildcard) {
        return first->opt.wildcard ? 1 : -1;
    }

    if (first->opt.bind != second->opt.bind) {
        return first->opt.bind ? -1 : 1;
    }

    return 0;
}


/*
 * One socket per explicitly bound address; the rest of the port's
 * addresses are served by the wildcard socket if there is one (its
 * hx_stream_port_t lists them all, the wildcard last), or get their own.
 */
static hx_int_t
hx_stream_init_listening(hx_conf_t *cf, hx_stream_conf_port_t *port)
{
    hx_uint_t               i, last, bind_wildcard;
    hx_listening_t         *ls;
    hx_stream_port_t       *stport;
    hx_stream_conf_addr_t  *addr;

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

        ls = hx_stream_add_listening(cf, &addr[i]);
        if (ls == NULL) {
            return HX_ERROR;
        }

        stport = hx_pcalloc(cf->pool, sizeof(hx_stream_port_t));
        if (stport == NULL) {
            return HX_ERROR;
        }

        ls->servers = stport;

        /* the implicit addresses before i, and this one */

        stport->naddrs = i + 1;

        if (ls->sockaddr->sa_family == AF_INET6) {
            if (hx_stream_add_addrs6(cf, stport, addr) != HX_OK) {
                return HX_ERROR;
            }

        } else {
            if (hx_stream_add_addrs(cf, stport, addr) != HX_OK) {
                return HX_ERROR;
            }
        }

        addr++;
        last--;
    }

    return HX_OK;
}


static hx_listening_t *
hx_stream_add_listening(hx_conf_t *cf, hx_stream_conf_addr_t *addr)
{
    hx_listening_t              *ls;
    hx_stream_core_srv_conf_t   *cscf;

    ls = hx_create_listening(cf, addr->opt.sockaddr, addr->opt.socklen);
    if (ls == NULL) {
        return NULL;
    }

    ls->addr_ntop = 1;
    ls->handler = hx_stream_init_connection;

    /*
     * a session allocates little, but the session itself should come
     * from the pool's block rather than from malloc (a pool hands out at
     * most its block size minus its header); the pool grows when a
     * module needs more
     */
    ls->pool_size = 512;

    cscf = addr->default_server;

    ls->logp = cscf->error_log;
    ls->log.data = &ls->addr_text;
    ls->log.handler = hx_accept_log_error;

    ls->type = addr->opt.type;
    ls->protocol = addr->opt.protocol;
    ls->backlog = addr->opt.backlog;
    ls->rcvbuf = addr->opt.rcvbuf;
    ls->sndbuf = addr->opt.sndbuf;
    ls->fastopen = addr->opt.fastopen;

    ls->keepalive = addr->opt.so_keepalive;
    ls->keepidle = addr->opt.tcp_keepidle;
    ls->keepintvl = addr->opt.tcp_keepintvl;
    ls->keepcnt = addr->opt.tcp_keepcnt;

    ls->deferred_accept = addr->opt.deferred_accept;
    ls->ipv6only = addr->opt.ipv6only;
    ls->reuseport = addr->opt.reuseport;
    ls->wildcard = addr->opt.wildcard;
    ls->bind = addr->opt.bind;
    ls->freebind = addr->opt.freebind;

    return ls;
}


static hx_int_t
hx_stream_add_addrs(hx_conf_t *cf, hx_stream_port_t *stport,
    hx_stream_conf_addr_t *addr)
{
    hx_uint_t              i;
    struct sockaddr_in    *sin;
    hx_stream_in_addr_t   *addrs;

    addrs = hx_pcalloc(cf->pool, stport->naddrs * sizeof(hx_stream_in_addr_t));
    if (addrs == NULL) {
        return HX_ERROR;
    }

    stport->addrs = addrs;

    for (i = 0; i < stport->naddrs; i++) {
        sin = (struct sockaddr_in *) addr[i].opt.sockaddr;

        addrs[i].addr = sin->sin_addr.s_addr;
        addrs[i].conf.default_server = addr[i].default_server;
        addrs[i].conf.ssl = addr[i].opt.ssl;
        addrs[i].conf.proxy_protocol = addr[i].opt.proxy_protocol;
    }

    return HX_OK;
}


static hx_int_t
hx_stream_add_addrs6(hx_conf_t *cf, hx_stream_port_t *stport,
    hx_stream_conf_addr_t *addr)
{
    hx_uint_t              i;
    struct sockaddr_in6   *sin6;
    hx_stream_in6_addr_t  *addrs6;

    addrs6 = hx_pcalloc(cf->pool,
                        stport->naddrs * sizeof(hx_stream_in6_addr_t));
    if (addrs6 == NULL) {
        return HX_ERROR;
    }

    stport->addrs = addrs6;

    for (i = 0; i < stport->naddrs; i++) {
        sin6 = (struct sockaddr_in6 *) addr[i].opt.sockaddr;

        addrs6[i].addr6 = sin6->sin6_addr;
        addrs6[i].conf.default_server = addr[i].default_server;
        addrs6[i].conf.ssl = addr[i].opt.ssl;
        addrs6[i].conf.proxy_protocol = addr[i].opt.proxy_protocol;
    }

    return HX_OK;
}


/*
 * A worker's part: the event module (loaded before) has given each of
 * this worker's listening sockets a slot and armed the TCP ones; the
 * UDP ones are read by stream itself.
 */
static hx_int_t
hx_stream_init_process(hx_cycle_t *cycle)
{
    hx_uint_t        i;
    hx_listening_t  *ls;

    ls = cycle->listening.elts;

    for (i = 0; i < cycle->listening.nelts; i++) {

        if (ls[i].handler != hx_stream_init_connection
            || ls[i].type != SOCK_DGRAM
            || ls[i].fd == -1
            || ls[i].connection == NULL)
        {
            continue;
        }

        if (hx_stream_udp_init_listening(cycle, &ls[i]) != HX_OK) {
            return HX_ERROR;
        }
    }

    return HX_OK;
}

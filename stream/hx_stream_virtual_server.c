/*
 * The traffic of keepalived's virtual_server blocks (DESIGN.md
 * "virtual_server without IPVS"): each one becomes a stream server that
 * listens on VIP:port and proxies to its real servers.
 *
 * The ha module has already turned every virtual_server into an
 * hx_upstream_t with the IPVS balancer, the persistence table and a
 * zone that the master's checkers write into.  This core module runs
 * after the whole file is read (init_conf), so it does not matter
 * whether stream { } comes before ha { }, after it, or not at all: it
 * takes the stream block's context (an empty one is made when there is
 * no block), adds one server per virtual_server with the stream proxy
 * as its content handler, and gives that server a listening socket of
 * its own.  The server's upstream only wraps the virtual_server's
 * (hx_stream_upstream_srv_conf_t.shared), so the checkers' verdicts and
 * the balancer's shared positions are the ones sessions see.
 *
 * The socket is bound with IP_FREEBIND: a BACKUP node holds VIP:port
 * before the VIP is on any of its interfaces and starts receiving the
 * moment VRRP adds it.  Listening sockets are matched by address on
 * reload, so an unchanged virtual_server keeps its socket and one that
 * left the file is closed with the old cycle.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>
#include <hx_stream_proxy.h>
#include <hx_ha.h>
#include <hx_ha_virtual_server.h>


/*
 * Idle timeouts of a forwarded connection as IPVS has them by default
 * ("ipvsadm --set 900 120 300"): 15 minutes for an established TCP
 * connection, 5 minutes for a UDP "connection" (client address and
 * port).  A keepalived user expects a quiet session to live that long,
 * not the 10 minutes of nginx's proxy_timeout.  Connecting keeps
 * stream's 60 s: with IPVS the client waits on its own SYN retries for
 * about that long when a real server drops SYNs, and a refused connect
 * moves on to the next real server at once either way.  A proxy_* set
 * in stream { } applies to the virtual servers too.
 */
#define HX_STREAM_VS_TCP_TIMEOUT   (900 * 1000)
#define HX_STREAM_VS_UDP_TIMEOUT   (300 * 1000)


static char *hx_stream_vs_init_conf(hx_cycle_t *cycle, void *conf);
static char *hx_stream_vs_add(hx_conf_t *cf, hx_stream_conf_ctx_t *block,
    hx_ha_vs_conf_t *vs);
static hx_stream_core_srv_conf_t *hx_stream_vs_server(hx_conf_t *cf,
    hx_stream_conf_ctx_t *block, hx_ha_vs_conf_t *vs);


static hx_core_module_t  hx_stream_virtual_server_module_ctx = {
    hx_string("stream_virtual_server"),
    NULL,
    hx_stream_vs_init_conf
};


hx_module_t  hx_stream_virtual_server_module = {
    HX_MODULE_V1,
    "hx_stream_virtual_server_module",
    &hx_stream_virtual_server_module_ctx,
    NULL,                                /* no directives */
    HX_CORE_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


/*
 * Every virtual_server of the file as a stream server on its VIP:port.
 * Messages name the virtual_server's file and line (its conf_file is
 * made up for the purpose, as the file has been read by now).
 */
static char *
hx_stream_vs_init_conf(hx_cycle_t *cycle, void *conf)
{
    char                   *rv;
    hx_uint_t               i;
    hx_conf_t               cf;
    hx_conf_file_t          file;
    hx_ha_vs_conf_t       **vsp;
    hx_stream_conf_ctx_t   *block;
    hx_ha_vs_main_conf_t   *vmcf;

    (void) conf;

    vmcf = hx_ha_vs_cycle_conf(cycle);
    if (vmcf == NULL) {
        return HX_CONF_OK;
    }

    vsp = vmcf->servers.elts;

    hx_memzero(&cf, sizeof(hx_conf_t));
    hx_memzero(&file, sizeof(hx_conf_file_t));

    file.file.name = vsp[0]->pos.file;
    file.line = vsp[0]->pos.line;

    cf.cycle = cycle;
    cf.pool = cycle->pool;
    cf.log = cycle->log;
    cf.conf_file = &file;
    cf.ctx = cycle->conf_ctx;
    cf.module_type = HX_CORE_MODULE;
    cf.cmd_type = HX_MAIN_CONF;

    cf.args = hx_array_create(cycle->pool, 1, sizeof(hx_str_t));
    cf.temp_pool = hx_create_pool(HX_CYCLE_POOL_SIZE, cycle->log);

    if (cf.args == NULL || cf.temp_pool == NULL) {
        rv = HX_CONF_ERROR;
        goto done;
    }

    block = hx_stream_conf_block(&cf);
    if (block == NULL) {
        rv = HX_CONF_ERROR;
        goto done;
    }

    rv = HX_CONF_OK;

    for (i = 0; i < vmcf->servers.nelts; i++) {
        file.file.name = vsp[i]->pos.file;
        file.line = vsp[i]->pos.line;

        rv = hx_stream_vs_add(&cf, block, vsp[i]);
        if (rv != HX_CONF_OK) {
            goto done;
        }
    }

    /* the events module counted the sockets before these were added */

    if (cycle->connection_n < cycle->listening.nelts + 2) {
        hx_log_error(HX_LOG_EMERG, cycle->log, 0,
                     "%ui worker_connections are not enough for %ui "
                     "listening sockets with the virtual servers",
                     cycle->connection_n, cycle->listening.nelts);
        rv = HX_CONF_ERROR;
    }

done:

    if (cf.temp_pool) {
        hx_destroy_pool(cf.temp_pool);
    }

    return rv;
}


/*
 * one virtual_server: its server and its listening sockets (one, or one
 * per member of its virtual_server_group, all feeding the same upstream)
 */
static char *
hx_stream_vs_add(hx_conf_t *cf, hx_stream_conf_ctx_t *block,
    hx_ha_vs_conf_t *vs)
{
    hx_uint_t                    i, n;
    hx_addr_t                   *addr;
    hx_listening_t              *ls;
    hx_stream_listen_opt_t       lsopt;
    hx_stream_core_srv_conf_t   *cscf;

    cscf = hx_stream_vs_server(cf, block, vs);
    if (cscf == NULL) {
        return HX_CONF_ERROR;
    }

    addr = vs->addrs ? vs->addrs->elts : &vs->addr;
    n = vs->addrs ? vs->addrs->nelts : 1;

    for (i = 0; i < n; i++) {
        hx_stream_listen_opt_init(&lsopt);

        lsopt.sockaddr = addr[i].sockaddr;
        lsopt.socklen = addr[i].socklen;
        lsopt.addr_text = vs->addrs ? addr[i].name : vs->text;
        lsopt.type = (int) vs->protocol;
        lsopt.bind = 1;
        lsopt.freebind = 1;

        ls = hx_stream_add_server_listening(cf, cscf, &lsopt);
        if (ls == NULL) {
            return HX_CONF_ERROR;
        }

        hx_log_debug(HX_LOG_DEBUG_STREAM, cf->log, 0,
                     "virtual_server %V listens on %V", &vs->text,
                     &ls->addr_text);
    }

    return HX_CONF_OK;
}


/*
 * A server {} as if written in the stream block with "proxy_pass" to
 * the virtual_server's upstream: its own srv confs, merged with the
 * block's, and added to the block's servers like a parsed one.
 */
static hx_stream_core_srv_conf_t *
hx_stream_vs_server(hx_conf_t *cf, hx_stream_conf_ctx_t *block,
    hx_ha_vs_conf_t *vs)
{
    char                            *rv;
    void                            *saved;
    hx_uint_t                        m, mi;
    hx_module_t                     *module;
    hx_stream_module_t              *smod;
    hx_stream_conf_ctx_t            *ctx;
    hx_stream_proxy_srv_conf_t      *pscf, *ppscf;
    hx_stream_core_srv_conf_t       *cscf, **cscfp;
    hx_stream_core_main_conf_t      *cmcf;
    hx_stream_upstream_srv_conf_t   *uscf;

    ctx = hx_stream_create_srv_ctx(cf, block);
    if (ctx == NULL) {
        return NULL;
    }

    cscf = ctx->srv_conf[hx_stream_core_module.ctx_index];
    cscf->ctx = ctx;
    cscf->file_name = vs->pos.file.data;
    cscf->line = vs->pos.line;
    cscf->handler = hx_stream_proxy_handler;
    cscf->listen = 1;

    uscf = hx_pcalloc(cf->pool, sizeof(hx_stream_upstream_srv_conf_t));
    if (uscf == NULL) {
        return NULL;
    }

    uscf->shared = &vs->upstream;
    uscf->host = vs->text;
    uscf->file_name = vs->pos.file.data;
    uscf->line = vs->pos.line;

    pscf = ctx->srv_conf[hx_stream_proxy_module.ctx_index];
    ppscf = block->srv_conf[hx_stream_proxy_module.ctx_index];

    pscf->upstream = uscf;

    if (ppscf->timeout == HX_CONF_UNSET_MSEC) {
        pscf->timeout = (vs->protocol == SOCK_DGRAM)
                        ? HX_STREAM_VS_UDP_TIMEOUT
                        : HX_STREAM_VS_TCP_TIMEOUT;
    }

    saved = cf->ctx;
    cf->ctx = ctx;

    for (m = 0; cf->cycle->modules[m]; m++) {
        module = cf->cycle->modules[m];

        if (module->type != HX_STREAM_MODULE) {
            continue;
        }

        smod = module->ctx;
        mi = module->ctx_index;

        if (smod->merge_srv_conf == NULL) {
            continue;
        }

        rv = smod->merge_srv_conf(cf, block->srv_conf[mi], ctx->srv_conf[mi]);

        if (rv != HX_CONF_OK) {
            if (rv != HX_CONF_ERROR) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "virtual_server %V: %s", &vs->text, rv);
            }

            cf->ctx = saved;
            return NULL;
        }
    }

    cf->ctx = saved;

    cmcf = block->main_conf[hx_stream_core_module.ctx_index];

    cscfp = hx_array_push(&cmcf->servers);
    if (cscfp == NULL) {
        return NULL;
    }

    *cscfp = cscf;

    return cscf;
}

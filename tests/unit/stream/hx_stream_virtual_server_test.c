/*
 * Tests for stream/hx_stream_virtual_server.c: once the file is read,
 * every virtual_server of ha { } is a stream server with a listening
 * socket of its own on VIP:port (IP_FREEBIND, TCP or UDP), proxying
 * through the virtual_server's own upstream, whether stream { } comes
 * before ha { }, after it or not at all; IPVS's idle timeouts unless
 * stream { } sets proxy_timeout; an address that already listens is
 * refused naming the virtual_server's line.
 */

#include "hx_stream_fixture.h"
#include <hx_stream_proxy.h>
#include <hx_ha.h>
#include <hx_ha_virtual_server.h>


TestSuite(stream_virtual_server, .init = hxs_init);


#define VS(addr, port, proto)                                                 \
    "    virtual_server " addr " " port " {\n"                                \
    "        lb_algo rr;\n"                                                   \
    "        protocol " proto ";\n"                                           \
    "        real_server 127.0.0.1 7001 { weight 1; }\n"                      \
    "        real_server 127.0.0.1 7002 { weight 2; }\n"                      \
    "    }\n"


/* the core module's step after parsing, as hx_init_cycle runs it */
static char *
vs_init_conf(void)
{
    hx_core_module_t  *m;

    m = hx_stream_virtual_server_module.ctx;

    return m->init_conf(&hxs_cycle, NULL);
}


static void
vs_init_conf_ok(void)
{
    cr_assert_eq(vs_init_conf(), HX_CONF_OK, "%s", hxs_logged);
}


static hx_stream_core_srv_conf_t *
server_of(hx_listening_t *ls)
{
    hx_stream_port_t     *port;
    hx_stream_in_addr_t  *in;

    port = ls->servers;
    cr_assert_eq(port->naddrs, 1);

    in = port->addrs;

    return in[0].conf.default_server;
}


static hx_stream_proxy_srv_conf_t *
proxy_of(hx_listening_t *ls)
{
    return server_of(ls)->ctx->srv_conf[hx_stream_proxy_module.ctx_index];
}


static hx_ha_vs_conf_t *
vs_of(hx_uint_t i)
{
    hx_ha_vs_conf_t       **vsp;
    hx_ha_vs_main_conf_t   *vmcf;

    vmcf = hx_ha_vs_cycle_conf(&hxs_cycle);
    cr_assert_not_null(vmcf);
    cr_assert_lt(i, vmcf->servers.nelts);

    vsp = vmcf->servers.elts;

    return vsp[i];
}


Test(stream_virtual_server, without_a_stream_block_one_is_made)
{
    hx_listening_t  *ls;

    hxs_parse_ok("ha {\n" VS("127.0.0.1", "6201", "TCP") "}\n");

    cr_assert_null(hxs_cycle.conf_ctx[hx_stream_module.index]);

    vs_init_conf_ok();

    cr_assert_not_null(hxs_cycle.conf_ctx[hx_stream_module.index]);
    cr_assert_eq(hxs_cmcf()->servers.nelts, 1);

    ls = hxs_listening("127.0.0.1:6201", SOCK_STREAM);
    cr_assert_not_null(ls);
    cr_assert_eq(ls->handler, hx_stream_init_connection);
    cr_assert(ls->freebind);
    cr_assert(ls->bind);
    cr_assert_eq(server_of(ls)->handler, hx_stream_proxy_handler);
}


Test(stream_virtual_server, the_server_chooses_from_the_ha_upstream)
{
    hx_listening_t                  *ls;
    hx_stream_proxy_srv_conf_t      *pscf;
    hx_stream_upstream_main_conf_t  *umcf;

    hxs_parse_ok("ha {\n" VS("127.0.0.1", "6201", "TCP") "}\n");
    vs_init_conf_ok();

    ls = hxs_listening("127.0.0.1:6201", SOCK_STREAM);
    cr_assert_not_null(ls);

    pscf = proxy_of(ls);
    cr_assert_not_null(pscf->upstream);
    cr_assert_eq(pscf->upstream->shared, &vs_of(0)->upstream);
    cr_assert_eq(pscf->upstream->shared->balancer, &hx_upstream_ipvs_rr);

    /* no second upstream for stream's own lookup by name */
    umcf = hx_stream_cycle_get_module_main_conf((&hxs_cycle),
                                                hx_stream_upstream_module);
    cr_assert_eq(umcf->upstreams.nelts, 0);
}


Test(stream_virtual_server, ipvs_idle_timeouts_for_tcp_and_udp)
{
    hx_listening_t  *tcp, *udp;

    hxs_parse_ok("ha {\n" VS("127.0.0.1", "6201", "TCP")
                 VS("127.0.0.1", "53", "UDP") "}\n");
    vs_init_conf_ok();

    tcp = hxs_listening("127.0.0.1:6201", SOCK_STREAM);
    udp = hxs_listening("127.0.0.1:53", SOCK_DGRAM);
    cr_assert_not_null(tcp);
    cr_assert_not_null(udp);
    cr_assert(udp->freebind);

    cr_assert_eq(proxy_of(tcp)->timeout, 900 * 1000);
    cr_assert_eq(proxy_of(udp)->timeout, 300 * 1000);

    /* stream's own defaults for the rest: 60 s connect, next upstream */
    cr_assert_eq(proxy_of(tcp)->connect_timeout, 60000);
    cr_assert_eq(proxy_of(tcp)->next_upstream, 1);
}


Test(stream_virtual_server, a_stream_block_after_ha_is_used_with_its_settings)
{
    hx_listening_t  *ls;

    hxs_parse_ok("ha {\n" VS("127.0.0.1", "6201", "TCP") "}\n"
                 "stream {\n"
                 "    proxy_timeout 5s;\n"
                 "    proxy_connect_timeout 2s;\n"
                 "    server { listen 127.0.0.1:9000; return x; }\n"
                 "}\n");
    vs_init_conf_ok();

    cr_assert_eq(hxs_cmcf()->servers.nelts, 2);
    cr_assert_not_null(hxs_listening("127.0.0.1:9000", SOCK_STREAM));

    ls = hxs_listening("127.0.0.1:6201", SOCK_STREAM);
    cr_assert_not_null(ls);
    cr_assert_eq(proxy_of(ls)->timeout, 5000);
    cr_assert_eq(proxy_of(ls)->connect_timeout, 2000);
}


Test(stream_virtual_server, a_stream_block_before_ha_is_used)
{
    hxs_parse_ok("stream {\n"
                 "    server { listen 127.0.0.1:9000; return x; }\n"
                 "}\n"
                 "ha {\n" VS("127.0.0.1", "6201", "TCP") "}\n");
    vs_init_conf_ok();

    cr_assert_eq(hxs_cmcf()->servers.nelts, 2);
    cr_assert_not_null(hxs_listening("127.0.0.1:9000", SOCK_STREAM));
    cr_assert_not_null(hxs_listening("127.0.0.1:6201", SOCK_STREAM));
}


/* a stream server on listen, then the virtual_server: refused */
static void
refused(const char *listen, const char *message)
{
    char  text[1024];

    snprintf(text, sizeof(text),
             "stream {\n"
             "    server { listen %s; return x; }\n"
             "}\n"
             "ha {\n" VS("127.0.0.1", "6201", "TCP") "}\n", listen);

    cr_assert_eq(hxs_parse(text), HX_OK, "%s", hxs_logged);

    cr_assert_eq(vs_init_conf(), HX_CONF_ERROR);
    cr_assert(hxs_logged_has(message), "%s", hxs_logged);
    cr_assert(hxs_logged_has("hanx.conf:5"), "%s", hxs_logged);
}


Test(stream_virtual_server, an_address_that_listens_already_is_refused)
{
    refused("127.0.0.1:6201", "\"[127.0.0.1]:tcp:6201\" is already a "
            "listening address (\"127.0.0.1:6201\")");
}


Test(stream_virtual_server, a_wildcard_on_the_port_is_refused_too)
{
    refused("6201", "is already a listening address (\"0.0.0.0:6201\")");
}


Test(stream_virtual_server, tcp_and_udp_on_one_port_do_not_clash)
{
    hxs_parse_ok("stream {\n"
                 "    server { listen 127.0.0.1:6201 udp; return x; }\n"
                 "}\n"
                 "ha {\n" VS("127.0.0.1", "6201", "TCP") "}\n");
    vs_init_conf_ok();

    cr_assert_not_null(hxs_listening("127.0.0.1:6201", SOCK_STREAM));
    cr_assert_not_null(hxs_listening("127.0.0.1:6201", SOCK_DGRAM));
}


Test(stream_virtual_server, no_virtual_server_changes_nothing)
{
    hxs_parse_ok("ha { }\n");
    vs_init_conf_ok();

    cr_assert_null(hxs_cycle.conf_ctx[hx_stream_module.index]);
    cr_assert_eq(hxs_cycle.listening.nelts, 0);
}


Test(stream_virtual_server, an_ipv6_virtual_server_listens_on_its_address)
{
    hx_listening_t        *ls;
    hx_stream_port_t      *port;
    hx_stream_in6_addr_t  *in6;

    hxs_parse_ok("ha {\n" VS("::1", "6201", "TCP") "}\n");
    vs_init_conf_ok();

    ls = hxs_listening("[::1]:6201", SOCK_STREAM);
    cr_assert_not_null(ls, "%s", hxs_logged);
    cr_assert(ls->freebind);
    cr_assert(ls->ipv6only);

    port = ls->servers;
    cr_assert_eq(port->naddrs, 1);

    in6 = port->addrs;
    cr_assert(IN6_IS_ADDR_LOOPBACK(&in6[0].addr6));
    cr_assert_eq(in6[0].conf.default_server->handler,
                 hx_stream_proxy_handler);
}


Test(stream_virtual_server, too_few_worker_connections_for_the_sockets)
{
    hxs_parse_ok("ha {\n" VS("127.0.0.1", "6201", "TCP")
                 VS("127.0.0.1", "6202", "TCP") "}\n");

    /* the worker's own two, and one socket: not two */
    hxs_cycle.connection_n = 3;

    cr_assert_eq(vs_init_conf(), HX_CONF_ERROR);
    cr_assert(hxs_logged_has("3 worker_connections are not enough for 2 "
                             "listening sockets"), "%s", hxs_logged);
}

/*
 * Tests for stream/hx_stream.c: the stream {} block as the real
 * dispatcher parses it, and the listening sockets made from the listen
 * directives -- one per address, the wildcard standing in for the
 * specific addresses of its port unless they say "bind" (or set a socket
 * option), TCP and UDP apart, duplicates refused with nginx's message,
 * and the server's error_log as the socket's log.
 */

#include "hx_stream_fixture.h"


TestSuite(stream_block, .init = hxs_init);


Test(stream_block, a_return_server_gets_one_listening_socket)
{
    hx_listening_t    *ls;
    hx_stream_port_t  *port;

    hxs_parse_ok("stream { server { listen 127.0.0.1:9000; "
                 "return \"text\"; } }\n");

    cr_assert_eq(hxs_cycle.listening.nelts, 1);

    ls = hxs_listening("127.0.0.1:9000", SOCK_STREAM);
    cr_assert_not_null(ls);

    cr_assert_eq(ls->handler, hx_stream_init_connection);
    cr_assert_eq(ls->backlog, HX_LISTEN_BACKLOG);
    cr_assert_eq(ls->rcvbuf, -1);
    cr_assert_eq(ls->sndbuf, -1);
    cr_assert(ls->addr_ntop);
    cr_assert_not(ls->wildcard);
    cr_assert_eq(ls->fd, -1);

    port = ls->servers;
    cr_assert_not_null(port);
    cr_assert_eq(port->naddrs, 1);
}


Test(stream_block, two_servers_on_one_address_and_port_are_refused)
{
    cr_assert_eq(hxs_parse("stream {\n"
                           "    server { listen 127.0.0.1:9000; }\n"
                           "    server { listen 127.0.0.1:9000; }\n"
                           "}\n"), HX_ERROR);

    cr_assert(hxs_logged_has("duplicate \"127.0.0.1:9000\" address and "
                             "port pair in "), "%s", hxs_logged);
    cr_assert(hxs_logged_has("hanx.conf:3"), "%s", hxs_logged);
}


Test(stream_block, a_repeated_listen_in_one_server_is_refused)
{
    cr_assert_eq(hxs_parse("stream { server {\n"
                           "    listen 127.0.0.1:9000;\n"
                           "    listen 127.0.0.1:9000;\n"
                           "} }\n"), HX_ERROR);

    cr_assert(hxs_logged_has("duplicate \"127.0.0.1:9000\" address and "
                             "port pair"), "%s", hxs_logged);
}


Test(stream_block, tcp_and_udp_on_one_port_get_separate_sockets)
{
    hxs_parse_ok("stream {\n"
                 "    server { listen 127.0.0.1:9000; return a; }\n"
                 "    server { listen 127.0.0.1:9000 udp; return b; }\n"
                 "}\n");

    cr_assert_eq(hxs_cycle.listening.nelts, 2);
    cr_assert_not_null(hxs_listening("127.0.0.1:9000", SOCK_STREAM));
    cr_assert_not_null(hxs_listening("127.0.0.1:9000", SOCK_DGRAM));
}


Test(stream_block, the_wildcard_serves_the_specific_addresses_of_its_port)
{
    hx_listening_t              *ls;
    hx_stream_port_t            *port;
    hx_stream_in_addr_t         *addrs;
    hx_stream_core_srv_conf_t  **servers;

    hxs_parse_ok("stream {\n"
                 "    server { listen *:9000; return wild; }\n"
                 "    server { listen 127.0.0.2:9000; return two; }\n"
                 "    server { listen 9001; return port; }\n"
                 "}\n");

    cr_assert_eq(hxs_cycle.listening.nelts, 2, "%s", hxs_logged);

    ls = hxs_listening("0.0.0.0:9000", SOCK_STREAM);
    cr_assert_not_null(ls);
    cr_assert(ls->wildcard);
    cr_assert_null(hxs_listening("127.0.0.2:9000", SOCK_STREAM));
    cr_assert_not_null(hxs_listening("0.0.0.0:9001", SOCK_STREAM));

    /* the specific address first, the wildcard last */

    port = ls->servers;
    cr_assert_eq(port->naddrs, 2);

    addrs = port->addrs;
    servers = hxs_cmcf()->servers.elts;

    cr_assert_eq(addrs[0].addr, inet_addr("127.0.0.2"));
    cr_assert_eq(addrs[0].conf.default_server, servers[1]);
    cr_assert_eq(addrs[1].addr, INADDR_ANY);
    cr_assert_eq(addrs[1].conf.default_server, servers[0]);
}


Test(stream_block, bind_gives_an_address_a_socket_of_its_own)
{
    hx_listening_t    *ls;
    hx_stream_port_t  *port;

    hxs_parse_ok("stream {\n"
                 "    server { listen 127.0.0.2:9000 bind; return two; }\n"
                 "    server { listen *:9000; return wild; }\n"
                 "}\n");

    cr_assert_eq(hxs_cycle.listening.nelts, 2);

    ls = hxs_listening("127.0.0.2:9000", SOCK_STREAM);
    cr_assert_not_null(ls);
    cr_assert(ls->bind);
    port = ls->servers;
    cr_assert_eq(port->naddrs, 1);

    ls = hxs_listening("0.0.0.0:9000", SOCK_STREAM);
    cr_assert_not_null(ls);
    port = ls->servers;
    cr_assert_eq(port->naddrs, 1);
}


Test(stream_block, a_socket_option_implies_bind)
{
    hx_listening_t  *ls;

    hxs_parse_ok("stream {\n"
                 "    server { listen *:9000; return wild; }\n"
                 "    server { listen 127.0.0.2:9000 backlog=7; "
                 "return two; }\n"
                 "}\n");

    cr_assert_eq(hxs_cycle.listening.nelts, 2);

    ls = hxs_listening("127.0.0.2:9000", SOCK_STREAM);
    cr_assert_not_null(ls);
    cr_assert_eq(ls->backlog, 7);
}


Test(stream_block, specific_addresses_without_wildcard_each_get_a_socket)
{
    hxs_parse_ok("stream {\n"
                 "    server { listen 127.0.0.1:9000; return one; }\n"
                 "    server { listen 127.0.0.2:9000; return two; }\n"
                 "}\n");

    cr_assert_eq(hxs_cycle.listening.nelts, 2);
    cr_assert_not_null(hxs_listening("127.0.0.1:9000", SOCK_STREAM));
    cr_assert_not_null(hxs_listening("127.0.0.2:9000", SOCK_STREAM));
}


Test(stream_block, listen_options_reach_the_socket)
{
    hx_listening_t  *ls;

    hxs_parse_ok("stream { server {\n"
                 "    listen 127.0.0.1:9000 rcvbuf=64k sndbuf=32k reuseport "
                 "so_keepalive=30m:10:3 fastopen=16 deferred;\n"
                 "    listen [::1]:9001 ipv6only=off;\n"
                 "    return x;\n"
                 "} }\n");

    ls = hxs_listening("127.0.0.1:9000", SOCK_STREAM);
    cr_assert_not_null(ls);

    cr_assert_eq(ls->rcvbuf, 65536);
    cr_assert_eq(ls->sndbuf, 32768);
    cr_assert(ls->reuseport);
    cr_assert_eq(ls->keepalive, 1);
    cr_assert_eq(ls->keepidle, 1800);
    cr_assert_eq(ls->keepintvl, 10);
    cr_assert_eq(ls->keepcnt, 3);
    cr_assert_eq(ls->fastopen, 16);
    cr_assert(ls->deferred_accept);

    ls = hxs_listening("[::1]:9001", SOCK_STREAM);
    cr_assert_not_null(ls, "%s", hxs_logged);
    cr_assert_not(ls->ipv6only);
    cr_assert_eq(ls->sockaddr->sa_family, AF_INET6);
}


Test(stream_block, ipv6_wildcard_serves_its_specific_addresses)
{
    hx_listening_t        *ls;
    hx_stream_port_t      *port;
    hx_stream_in6_addr_t  *addrs6;

    hxs_parse_ok("stream {\n"
                 "    server { listen [::]:9000; return wild; }\n"
                 "    server { listen [::1]:9000; return one; }\n"
                 "}\n");

    cr_assert_eq(hxs_cycle.listening.nelts, 1);

    ls = hxs_listening("[::]:9000", SOCK_STREAM);
    cr_assert_not_null(ls);

    port = ls->servers;
    cr_assert_eq(port->naddrs, 2);

    addrs6 = port->addrs;
    cr_assert(IN6_IS_ADDR_LOOPBACK(&addrs6[0].addr6));
    cr_assert(IN6_IS_ADDR_UNSPECIFIED(&addrs6[1].addr6));
}


Test(stream_block, a_server_without_listen_is_refused)
{
    cr_assert_eq(hxs_parse("stream {\n"
                           "    server {\n"
                           "        return x;\n"
                           "    }\n"
                           "}\n"), HX_ERROR);

    cr_assert(hxs_logged_has("no \"listen\" is defined for server in "),
              "%s", hxs_logged);
    cr_assert(hxs_logged_has("hanx.conf:2"), "%s", hxs_logged);
}


Test(stream_block, a_second_stream_block_is_a_duplicate)
{
    cr_assert_eq(hxs_parse("stream { }\nstream { }\n"), HX_ERROR);

    cr_assert(hxs_logged_has("\"stream\" directive is duplicate"),
              "%s", hxs_logged);
}


Test(stream_block, an_empty_stream_block_makes_no_socket)
{
    hxs_parse_ok("stream { }\n");

    cr_assert_eq(hxs_cycle.listening.nelts, 0);
    cr_assert_not_null(hxs_cmcf()->phase_engine.handlers);
}


Test(stream_block, server_directives_are_not_allowed_at_block_level)
{
    cr_assert_eq(hxs_parse("stream { listen 127.0.0.1:9000; }\n"), HX_ERROR);

    cr_assert(hxs_logged_has("\"listen\" directive is not allowed here"),
              "%s", hxs_logged);
}


Test(stream_block, return_outside_a_server_is_not_allowed)
{
    cr_assert_eq(hxs_parse("stream { return x; }\n"), HX_ERROR);

    cr_assert(hxs_logged_has("\"return\" directive is not allowed here"),
              "%s", hxs_logged);
}


Test(stream_block, an_unknown_variable_is_refused_at_the_end_of_the_block)
{
    cr_assert_eq(hxs_parse("stream { server { listen 127.0.0.1:9000; "
                           "return $nosuch; } }\n"), HX_ERROR);

    cr_assert(hxs_logged_has("unknown \"nosuch\" variable"),
              "%s", hxs_logged);
}


Test(stream_block, the_socket_logs_to_the_server_error_log)
{
    hx_listening_t              *ls;
    hx_stream_core_srv_conf_t  **servers;

    hxs_parse_ok("stream {\n"
                 "    server { listen 127.0.0.1:9000; return a; }\n"
                 "    server { listen 127.0.0.1:9001; return b;\n"
                 "             error_log stderr info; }\n"
                 "}\n");

    servers = hxs_cmcf()->servers.elts;

    ls = hxs_listening("127.0.0.1:9000", SOCK_STREAM);
    cr_assert_eq(ls->logp, &hxs_cycle.new_log);
    cr_assert_eq(servers[0]->error_log, &hxs_cycle.new_log);

    ls = hxs_listening("127.0.0.1:9001", SOCK_STREAM);
    cr_assert_neq(ls->logp, &hxs_cycle.new_log);
    cr_assert_eq(ls->logp, servers[1]->error_log);
    cr_assert_eq(ls->logp->log_level, HX_LOG_INFO);
    cr_assert_eq(ls->log.handler, hx_accept_log_error);
}


Test(stream_block, the_phase_engine_ends_after_the_content_phase)
{
    hx_stream_phase_handler_t  *ph;

    hx_uint_t                   i;

    hxs_parse_ok("stream { server { listen 127.0.0.1:9000; "
                 "return x; } }\n");

    /* the modules' handlers of the earlier phases, content, the end */

    ph = hxs_cmcf()->phase_engine.handlers;

    for (i = 0; ph[i].checker; i++) {
        if (ph[i].checker == hx_stream_core_content_phase) {
            break;
        }

        cr_assert_eq(ph[i].checker, hx_stream_core_generic_phase);
    }

    cr_assert_eq(ph[i].checker, hx_stream_core_content_phase);
    cr_assert_null(ph[i + 1].checker);
}


Test(stream_block, the_write_filter_is_the_top_filter)
{
    hx_stream_top_filter = NULL;

    hxs_parse_ok("stream { }\n");

    cr_assert_not_null(hx_stream_top_filter);
}

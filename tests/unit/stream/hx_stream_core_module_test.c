/*
 * Tests for stream/hx_stream_core_module.c: the parameters of "listen"
 * parsed into listen options (what each sets, what implies "bind", what
 * is refused and with which message), the address part of "listen", and
 * the server-level directives with their defaults and inheritance from
 * the stream {} level.
 */

#include "hx_stream_fixture.h"


TestSuite(stream_listen, .init = hxs_init);
TestSuite(stream_core, .init = hxs_init);


/*
 * Parses "listen" parameters given as one string of words separated by
 * spaces.  Returns what hx_stream_parse_listen_params() returned.
 */
static char *
parse_params(const char *words, hx_stream_listen_opt_t *lsopt)
{
    char       *copy, *w, *save;
    hx_str_t   *value;
    hx_uint_t   n;

    value = hx_pcalloc(hxs_cycle.pool, 16 * sizeof(hx_str_t));
    cr_assert_not_null(value);

    copy = strdup(words);
    cr_assert_not_null(copy);

    hx_str_set(&value[0], "listen");
    hx_str_set(&value[1], "127.0.0.1:9000");
    n = 2;

    for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        value[n].len = strlen(w);
        value[n].data = (uint8_t *) hx_pnalloc(hxs_cycle.pool,
                                               value[n].len + 1);
        cr_assert_not_null(value[n].data);
        memcpy(value[n].data, w, value[n].len + 1);
        n++;
    }

    free(copy);

    hx_stream_listen_opt_init(lsopt);

    return hx_stream_parse_listen_params(&hxs_cf, value, 2, n, lsopt);
}


Test(stream_listen, no_parameters_give_nginx_defaults)
{
    hx_stream_listen_opt_t  lsopt;

    cr_assert_eq(parse_params("", &lsopt), HX_CONF_OK);

    cr_assert_eq(lsopt.type, SOCK_STREAM);
    cr_assert_eq(lsopt.backlog, HX_LISTEN_BACKLOG);
    cr_assert_eq(lsopt.rcvbuf, -1);
    cr_assert_eq(lsopt.sndbuf, -1);
    cr_assert_eq(lsopt.fastopen, -1);
    cr_assert(lsopt.ipv6only);
    cr_assert_not(lsopt.set);
    cr_assert_not(lsopt.bind);
    cr_assert_eq(lsopt.so_keepalive, 0);
}


Test(stream_listen, udp_makes_a_datagram_socket)
{
    hx_stream_listen_opt_t  lsopt;

    cr_assert_eq(parse_params("udp", &lsopt), HX_CONF_OK);

    cr_assert_eq(lsopt.type, SOCK_DGRAM);
    cr_assert_not(lsopt.bind);
}


Test(stream_listen, default_server_does_not_imply_bind)
{
    hx_stream_listen_opt_t  lsopt;

    cr_assert_eq(parse_params("default_server", &lsopt), HX_CONF_OK);

    cr_assert(lsopt.default_server);
    cr_assert_not(lsopt.bind);
}


Test(stream_listen, socket_options_imply_bind)
{
    hx_stream_listen_opt_t   lsopt;
    const char             **p;
    static const char       *params[] = {
        "bind", "backlog=10", "rcvbuf=8k", "sndbuf=8k", "reuseport",
        "ipv6only=on", "so_keepalive=on", "fastopen=5", "deferred", NULL
    };

    for (p = params; *p; p++) {
        cr_assert_eq(parse_params(*p, &lsopt), HX_CONF_OK, "%s", *p);
        cr_assert(lsopt.set, "%s", *p);
        cr_assert(lsopt.bind, "%s", *p);
    }
}


Test(stream_listen, numeric_parameters_are_parsed)
{
    hx_stream_listen_opt_t  lsopt;

    cr_assert_eq(parse_params("backlog=1024 rcvbuf=1m sndbuf=512 "
                              "fastopen=0", &lsopt), HX_CONF_OK);

    cr_assert_eq(lsopt.backlog, 1024);
    cr_assert_eq(lsopt.rcvbuf, 1024 * 1024);
    cr_assert_eq(lsopt.sndbuf, 512);
    cr_assert_eq(lsopt.fastopen, 0);
}


Test(stream_listen, a_zero_or_bad_backlog_is_refused)
{
    hx_stream_listen_opt_t  lsopt;

    cr_assert_eq(parse_params("backlog=0", &lsopt), HX_CONF_ERROR);
    cr_assert(hxs_logged_has("invalid backlog \"backlog=0\""),
              "%s", hxs_logged);

    cr_assert_eq(parse_params("backlog=x", &lsopt), HX_CONF_ERROR);
    cr_assert(hxs_logged_has("invalid backlog \"backlog=x\""));
}


Test(stream_listen, bad_buffer_sizes_are_refused_by_name)
{
    hx_stream_listen_opt_t  lsopt;

    cr_assert_eq(parse_params("rcvbuf=lots", &lsopt), HX_CONF_ERROR);
    cr_assert(hxs_logged_has("invalid rcvbuf \"rcvbuf=lots\""),
              "%s", hxs_logged);

    /* an unset rcvbuf (-1) must not be taken for a failed one */

    cr_assert_eq(parse_params("sndbuf=4k", &lsopt), HX_CONF_OK);

    cr_assert_eq(parse_params("sndbuf=", &lsopt), HX_CONF_ERROR);
    cr_assert(hxs_logged_has("invalid sndbuf \"sndbuf=\""));
}


Test(stream_listen, so_keepalive_takes_on_off_or_three_fields)
{
    hx_stream_listen_opt_t  lsopt;

    cr_assert_eq(parse_params("so_keepalive=on", &lsopt), HX_CONF_OK);
    cr_assert_eq(lsopt.so_keepalive, 1);

    cr_assert_eq(parse_params("so_keepalive=off", &lsopt), HX_CONF_OK);
    cr_assert_eq(lsopt.so_keepalive, 2);

    cr_assert_eq(parse_params("so_keepalive=1h:30s:4", &lsopt), HX_CONF_OK);
    cr_assert_eq(lsopt.so_keepalive, 1);
    cr_assert_eq(lsopt.tcp_keepidle, 3600);
    cr_assert_eq(lsopt.tcp_keepintvl, 30);
    cr_assert_eq(lsopt.tcp_keepcnt, 4);

    cr_assert_eq(parse_params("so_keepalive=::7", &lsopt), HX_CONF_OK);
    cr_assert_eq(lsopt.tcp_keepidle, 0);
    cr_assert_eq(lsopt.tcp_keepintvl, 0);
    cr_assert_eq(lsopt.tcp_keepcnt, 7);

    cr_assert_eq(parse_params("so_keepalive=10m", &lsopt), HX_CONF_OK);
    cr_assert_eq(lsopt.tcp_keepidle, 600);
}


Test(stream_listen, a_bad_so_keepalive_is_refused)
{
    hx_stream_listen_opt_t   lsopt;
    const char             **p;
    static const char       *bad[] = {
        "so_keepalive=yes", "so_keepalive=::", "so_keepalive=1:2:3:4",
        "so_keepalive=x:1:1", "so_keepalive=", NULL
    };

    for (p = bad; *p; p++) {
        hxs_logged_len = 0;
        hxs_logged[0] = '\0';

        cr_assert_eq(parse_params(*p, &lsopt), HX_CONF_ERROR, "%s", *p);
        cr_assert(hxs_logged_has("invalid so_keepalive value: \""),
                  "%s: %s", *p, hxs_logged);
    }
}


Test(stream_listen, ipv6only_takes_on_or_off)
{
    hx_stream_listen_opt_t  lsopt;

    cr_assert_eq(parse_params("ipv6only=off", &lsopt), HX_CONF_OK);
    cr_assert_not(lsopt.ipv6only);

    cr_assert_eq(parse_params("ipv6only=on", &lsopt), HX_CONF_OK);
    cr_assert(lsopt.ipv6only);

    cr_assert_eq(parse_params("ipv6only=often", &lsopt), HX_CONF_ERROR);
    cr_assert(hxs_logged_has("invalid ipv6only flags"), "%s", hxs_logged);
}


Test(stream_listen, ssl_needs_the_stream_ssl_module)
{
    hx_stream_listen_opt_t  lsopt;

    cr_assert_eq(parse_params("ssl", &lsopt), HX_CONF_ERROR);
    cr_assert(hxs_logged_has("the \"ssl\" parameter requires "
                             "ngx_stream_ssl_module"), "%s", hxs_logged);
}


Test(stream_listen, proxy_protocol_is_read_on_tcp_and_refused_on_udp)
{
    hx_stream_listen_opt_t  lsopt;

    cr_assert_eq(parse_params("proxy_protocol", &lsopt), HX_CONF_OK);
    cr_assert_eq(lsopt.proxy_protocol, 1);

    /* it is not an option of the socket: the address may share one */
    cr_assert_eq(lsopt.bind, 0);

    cr_assert_str_eq(parse_params("udp proxy_protocol", &lsopt),
                     "\"proxy_protocol\" parameter is incompatible "
                     "with \"udp\"");
}


Test(stream_listen, an_unknown_parameter_is_named)
{
    hx_stream_listen_opt_t  lsopt;

    cr_assert_eq(parse_params("reuseport http2", &lsopt), HX_CONF_ERROR);
    cr_assert(hxs_logged_has("invalid parameter \"http2\""),
              "%s", hxs_logged);
}


Test(stream_listen, udp_refuses_what_only_tcp_has)
{
    char                    *rv;
    hx_stream_listen_opt_t   lsopt;
    const char             **p;
    static const char       *pairs[] = {
        "udp backlog=5", "\"backlog\" parameter is incompatible with \"udp\"",
        "udp fastopen=1", "\"fastopen\" parameter is incompatible",
        "so_keepalive=on udp", "\"so_keepalive\" parameter is incompatible",
        "udp deferred", "\"deferred\" parameter is incompatible",
        NULL
    };

    for (p = pairs; *p; p += 2) {
        rv = parse_params(p[0], &lsopt);

        cr_assert(rv != HX_CONF_OK && rv != HX_CONF_ERROR, "%s", p[0]);
        cr_assert_not_null(strstr(rv, p[1]), "%s: %s", p[0], rv);
    }

    cr_assert_eq(parse_params("udp reuseport rcvbuf=1m", &lsopt),
                 HX_CONF_OK);
}


Test(stream_listen, a_listen_without_port_is_refused)
{
    cr_assert_eq(hxs_parse("stream { server { listen 127.0.0.1; } }\n"),
                 HX_ERROR);

    cr_assert(hxs_logged_has("no port in \"127.0.0.1\" of the \"listen\" "
                             "directive"), "%s", hxs_logged);
}


Test(stream_listen, a_bad_address_is_refused_with_the_parser_reason)
{
    cr_assert_eq(hxs_parse("stream { server { listen 127.0.0.1:99999; } }\n"),
                 HX_ERROR);

    cr_assert(hxs_logged_has("in \"127.0.0.1:99999\" of the \"listen\" "
                             "directive"), "%s", hxs_logged);
}


Test(stream_listen, a_port_alone_listens_on_the_wildcard)
{
    hx_listening_t  *ls;

    hxs_parse_ok("stream { server { listen 9000; return x; } }\n");

    ls = hxs_listening("0.0.0.0:9000", SOCK_STREAM);
    cr_assert_not_null(ls);
    cr_assert(ls->wildcard);
}


Test(stream_listen, a_port_range_makes_one_socket_per_port)
{
    hxs_parse_ok("stream { server { listen 127.0.0.1:9000-9002; "
                 "return x; } }\n");

    cr_assert_eq(hxs_cycle.listening.nelts, 3);
    cr_assert_not_null(hxs_listening("127.0.0.1:9002", SOCK_STREAM));
}


Test(stream_listen, a_unix_socket_can_be_listened_on)
{
    hx_listening_t  *ls;
    char             conf[256], addr[160];

    snprintf(addr, sizeof(addr), "unix:%s/s.sock", hxs_dir);
    snprintf(conf, sizeof(conf),
             "stream { server { listen %s; return x; } }\n", addr);

    hxs_parse_ok(conf);

    ls = hxs_listening(addr, SOCK_STREAM);
    cr_assert_not_null(ls, "%s", hxs_logged);
    cr_assert_eq(ls->sockaddr->sa_family, AF_UNIX);
}


Test(stream_core, server_settings_have_nginx_defaults)
{
    hx_stream_core_srv_conf_t  **servers;

    hxs_parse_ok("stream { server { listen 127.0.0.1:9000; } }\n");

    servers = hxs_cmcf()->servers.elts;

    cr_assert_eq(servers[0]->tcp_nodelay, 1);
    cr_assert_eq(servers[0]->preread_buffer_size, 16384);
    cr_assert_eq(servers[0]->preread_timeout, 30000);
    cr_assert_eq(servers[0]->proxy_protocol_timeout, 30000);
    cr_assert_null(servers[0]->handler);
    cr_assert_eq(hxs_cmcf()->variables_hash_max_size, 1024);
    cr_assert_eq(hxs_cmcf()->variables_hash_bucket_size, 64);
}


Test(stream_core, servers_inherit_the_block_settings_and_may_override)
{
    hx_stream_core_srv_conf_t  **servers;

    hxs_parse_ok("stream {\n"
                 "    tcp_nodelay off;\n"
                 "    preread_buffer_size 4k;\n"
                 "    preread_timeout 5s;\n"
                 "    proxy_protocol_timeout 1m;\n"
                 "    server { listen 127.0.0.1:9000; }\n"
                 "    server { listen 127.0.0.1:9001;\n"
                 "             tcp_nodelay on; preread_timeout 100ms; }\n"
                 "}\n");

    servers = hxs_cmcf()->servers.elts;

    cr_assert_eq(servers[0]->tcp_nodelay, 0);
    cr_assert_eq(servers[0]->preread_buffer_size, 4096);
    cr_assert_eq(servers[0]->preread_timeout, 5000);
    cr_assert_eq(servers[0]->proxy_protocol_timeout, 60000);

    cr_assert_eq(servers[1]->tcp_nodelay, 1);
    cr_assert_eq(servers[1]->preread_buffer_size, 4096);
    cr_assert_eq(servers[1]->preread_timeout, 100);
}


Test(stream_core, the_server_remembers_where_it_was_defined)
{
    hx_stream_core_srv_conf_t  **servers;

    hxs_parse_ok("stream {\n"
                 "\n"
                 "    server { listen 127.0.0.1:9000; }\n"
                 "}\n");

    servers = hxs_cmcf()->servers.elts;

    cr_assert_eq(servers[0]->line, 3);
    cr_assert_not_null(strstr((char *) servers[0]->file_name, "hanx.conf"));
}


Test(stream_core, error_log_at_block_level_is_inherited)
{
    hx_stream_core_srv_conf_t  **servers;

    hxs_parse_ok("stream {\n"
                 "    error_log stderr warn;\n"
                 "    server { listen 127.0.0.1:9000; }\n"
                 "}\n");

    servers = hxs_cmcf()->servers.elts;

    cr_assert_neq(servers[0]->error_log, &hxs_cycle.new_log);
    cr_assert_eq(servers[0]->error_log->log_level, HX_LOG_WARN);
}


Test(stream_core, a_repeated_setting_is_a_duplicate)
{
    cr_assert_eq(hxs_parse("stream { server { listen 127.0.0.1:9000;\n"
                           "    preread_timeout 1s; preread_timeout 2s; "
                           "} }\n"), HX_ERROR);

    cr_assert(hxs_logged_has("\"preread_timeout\" directive is duplicate"),
              "%s", hxs_logged);
}


Test(stream_core, resolver_is_reported_as_not_supported)
{
    cr_assert_eq(hxs_parse("stream { resolver 127.0.0.1; }\n"), HX_ERROR);

    cr_assert(hxs_logged_has("\"resolver\" directive is not supported"),
              "%s", hxs_logged);
}


Test(stream_core, a_second_return_is_a_duplicate)
{
    cr_assert_eq(hxs_parse("stream { server { listen 127.0.0.1:9000;\n"
                           "    return a; return b; } }\n"), HX_ERROR);

    cr_assert(hxs_logged_has("\"return\" directive is duplicate"),
              "%s", hxs_logged);
}

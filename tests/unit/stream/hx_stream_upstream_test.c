/*
 * Tests for stream/hx_stream_upstream.c and the balancer modules: the
 * upstream {} block and its server lines, upstreams found by name in
 * either order, implicit upstreams for proxy_pass host:port and unix
 * sockets, the errors nginx gives, and the $upstream_* variables over
 * a session's recorded attempts.
 */

#include "hx_stream_fixture.h"


TestSuite(stream_upstream, .init = hxs_init);


static hx_stream_upstream_main_conf_t *
umcf(void)
{
    hx_stream_upstream_main_conf_t  *u;

    u = hx_stream_cycle_get_module_main_conf((&hxs_cycle),
                                             hx_stream_upstream_module);
    cr_assert_not_null(u);

    return u;
}


/* the upstream named name (host of an implicit one), or NULL */
static hx_stream_upstream_srv_conf_t *
upstream(const char *name)
{
    hx_uint_t                        i;
    hx_stream_upstream_srv_conf_t  **uscf;

    uscf = umcf()->upstreams.elts;

    for (i = 0; i < umcf()->upstreams.nelts; i++) {
        if (uscf[i]->host.len == strlen(name)
            && memcmp(uscf[i]->host.data, name, uscf[i]->host.len) == 0)
        {
            return uscf[i];
        }
    }

    return NULL;
}


Test(stream_upstream, servers_become_peer_groups)
{
    hx_upstream_peers_t            *peers;
    hx_stream_upstream_srv_conf_t  *u;

    hxs_parse_ok("stream {\n"
                 "    upstream b {\n"
                 "        server 127.0.0.1:9001 weight=3 max_fails=2;\n"
                 "        server 127.0.0.1:9002 down;\n"
                 "        server 127.0.0.1:9003 backup;\n"
                 "    }\n"
                 "    server { listen 127.0.0.1:9000; proxy_pass b; }\n"
                 "}\n");

    u = upstream("b");
    cr_assert_not_null(u);
    cr_assert(u->flags & HX_STREAM_UPSTREAM_CREATE);

    peers = u->upstream.peers;
    cr_assert_not_null(peers);
    cr_assert_eq(peers->number, 2);
    cr_assert_eq(peers->peer[0].weight, 3);
    cr_assert_eq(peers->peer[0].max_fails, 2);
    cr_assert_eq(peers->peer[1].down, 1);

    cr_assert_not_null(peers->next);
    cr_assert_eq(peers->next->number, 1);
}


Test(stream_upstream, proxy_pass_may_come_before_the_block)
{
    hx_stream_upstream_srv_conf_t  *u;

    hxs_parse_ok("stream {\n"
                 "    server { listen 127.0.0.1:9000; proxy_pass later; }\n"
                 "    upstream later { server 127.0.0.1:9001; }\n"
                 "}\n");

    cr_assert_eq(umcf()->upstreams.nelts, 1);

    u = upstream("later");
    cr_assert_not_null(u);
    cr_assert_eq(u->upstream.peers->number, 1);
}


Test(stream_upstream, an_address_is_an_implicit_upstream_shared_by_users)
{
    hx_stream_upstream_srv_conf_t  *u;

    hxs_parse_ok("stream {\n"
                 "    server { listen 127.0.0.1:9000;"
                 " proxy_pass 127.0.0.1:9001; }\n"
                 "    server { listen 127.0.0.1:9002;"
                 " proxy_pass 127.0.0.1:9001; }\n"
                 "    server { listen 127.0.0.1:9003;"
                 " proxy_pass unix:/tmp/x.sock; }\n"
                 "}\n");

    cr_assert_eq(umcf()->upstreams.nelts, 2);

    u = upstream("127.0.0.1");
    cr_assert_not_null(u);
    cr_assert_eq(u->port, 9001);
    cr_assert_eq(u->upstream.peers->number, 1);
    cr_assert(!(u->flags & HX_STREAM_UPSTREAM_CREATE));

    /* the other one: the unix socket, a peer ready without resolving */

    u = ((hx_stream_upstream_srv_conf_t **) umcf()->upstreams.elts)[1];
    cr_assert_eq(u->upstream.peers->number, 1);
    cr_assert_eq(u->upstream.peers->peer[0].sockaddr->sa_family, AF_UNIX);
}


Test(stream_upstream, a_name_is_one_block)
{
    cr_assert_eq(hxs_parse("stream { upstream a { server 127.0.0.1:1; }\n"
                           "upstream a { server 127.0.0.1:2; } }\n"),
                 HX_ERROR);
    cr_assert(hxs_logged_has("duplicate upstream \"a\""), "%s", hxs_logged);
}


Test(stream_upstream, a_block_needs_servers)
{
    cr_assert_eq(hxs_parse("stream { upstream e { } }\n"), HX_ERROR);
    cr_assert(hxs_logged_has("no servers are inside upstream"), "%s",
              hxs_logged);
}


Test(stream_upstream, a_name_without_a_block_needs_a_port)
{
    cr_assert_eq(hxs_parse("stream { server { listen 127.0.0.1:9000;"
                           " proxy_pass nowhere; } }\n"), HX_ERROR);
    cr_assert(hxs_logged_has("no port in upstream \"nowhere\""), "%s",
              hxs_logged);
}


Test(stream_upstream, server_lines_need_a_port_in_stream)
{
    cr_assert_eq(hxs_parse("stream { upstream a { server 127.0.0.1; } }\n"),
                 HX_ERROR);
    cr_assert(hxs_logged_has("no port in upstream \"127.0.0.1\""), "%s",
              hxs_logged);
}


Test(stream_upstream, balancer_directives_choose_the_method)
{
    hxs_parse_ok("stream {\n"
                 "    upstream h { hash $remote_addr consistent;"
                 " server 127.0.0.1:1; server 127.0.0.1:2; }\n"
                 "    upstream l { least_conn; server 127.0.0.1:1; }\n"
                 "    upstream r { random two least_conn;"
                 " server 127.0.0.1:1; }\n"
                 "}\n");

    cr_assert_eq(upstream("h")->upstream.balancer, &hx_upstream_chash);
    cr_assert_not_null(upstream("h")->hash_key);
    cr_assert_eq(upstream("l")->upstream.balancer, &hx_upstream_least_conn);
    cr_assert_eq(upstream("r")->upstream.balancer, &hx_upstream_random_two);
}


Test(stream_upstream, find_by_host_and_port)
{
    hx_str_t              host;
    hx_stream_session_t  *s;

    hxs_parse_ok("stream {\n"
                 "    upstream b { server 127.0.0.1:9001; }\n"
                 "    server { listen 127.0.0.1:9000;"
                 " proxy_pass 127.0.0.1:9005; }\n"
                 "}\n");

    s = hxs_fake_session(hxs_listening("127.0.0.1:9000", SOCK_STREAM),
                         "10.0.0.1:5555", "127.0.0.1:9000");

    hx_str_set(&host, "B");
    cr_assert_eq(hx_stream_upstream_find(s, &host, 0, 1), upstream("b"));

    hx_str_set(&host, "127.0.0.1");
    cr_assert_eq(hx_stream_upstream_find(s, &host, 9005, 0),
                 upstream("127.0.0.1"));
    cr_assert_null(hx_stream_upstream_find(s, &host, 9006, 0));
}


static void
assert_var(hx_stream_session_t *s, const char *name, const char *expected)
{
    hx_str_t                     n;
    hx_stream_variable_value_t  *vv;

    n.len = strlen(name);
    n.data = (uint8_t *) name;

    vv = hx_stream_get_variable(s, &n, hx_hash_key(n.data, n.len));
    cr_assert_not_null(vv);
    cr_assert_not(vv->not_found, "$%s not found", name);
    cr_assert(vv->len == strlen(expected)
              && memcmp(vv->data, expected, vv->len) == 0,
              "$%s is \"%.*s\", not \"%s\"", name, (int) vv->len, vv->data,
              expected);
}


Test(stream_upstream, variables_list_every_attempt)
{
    hx_str_t                     n;
    hx_stream_session_t         *s;
    hx_stream_upstream_state_t  *st;
    hx_stream_variable_value_t  *vv;
    static hx_str_t              one = hx_string("10.0.0.1:80");
    static hx_str_t              two = hx_string("10.0.0.2:80");

    hxs_parse_ok("stream { server { listen 127.0.0.1:9000; return x; } }\n");

    s = hxs_fake_session(hxs_listening("127.0.0.1:9000", SOCK_STREAM),
                         "10.0.0.9:5555", "127.0.0.1:9000");

    hx_str_set(&n, "upstream_addr");
    vv = hx_stream_get_variable(s, &n, hx_hash_key(n.data, n.len));
    cr_assert(vv->not_found);

    s->upstream_states = hx_array_create(s->connection->pool, 2,
                                         sizeof(hx_stream_upstream_state_t));
    cr_assert_not_null(s->upstream_states);

    st = hx_array_push(s->upstream_states);
    st->peer = &one;
    st->connect_time = (hx_msec_t) -1;
    st->first_byte_time = (hx_msec_t) -1;
    st->response_time = 1;
    st->bytes_sent = 0;
    st->bytes_received = 0;

    st = hx_array_push(s->upstream_states);
    st->peer = &two;
    st->connect_time = 2;
    st->first_byte_time = 1500;
    st->response_time = 61234;
    st->bytes_sent = 10;
    st->bytes_received = 2000;

    assert_var(s, "upstream_addr", "10.0.0.1:80, 10.0.0.2:80");
    assert_var(s, "upstream_bytes_sent", "0, 10");
    assert_var(s, "upstream_bytes_received", "0, 2000");
    assert_var(s, "upstream_connect_time", "-, 0.002");
    assert_var(s, "upstream_first_byte_time", "-, 1.500");
    assert_var(s, "upstream_session_time", "0.001, 61.234");
}


Test(stream_upstream, an_upstream_with_every_server_down_is_warned_about)
{
    hxs_parse_ok("stream { upstream d { server 127.0.0.1:1 down;"
                 " server 127.0.0.1:2 down; } }\n");

    cr_assert(hxs_logged_has("every server of upstream \"d\" is marked "
                             "\"down\""), "%s", hxs_logged);
}

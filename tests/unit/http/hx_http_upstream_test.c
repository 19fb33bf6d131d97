/*
 * Tests for http/hx_http_upstream.c, the configuration side: upstream {}
 * blocks and their server lines, the implicit upstreams proxy_pass
 * creates (shared by name, one server for a literal address), nginx's
 * refusals (duplicate upstream, a port on a named upstream, a block with
 * no servers), proxy_bind, the buffer size checks, the hidden headers
 * hash with its inheritance, and the default keep-alive of upstream
 * blocks (nginx 1.30: 32 connections, per location).
 */

#include "hx_http_upstream_fixture.h"


TestSuite(http_upstream, .init = hxh_init);


static hx_http_upstream_main_conf_t *
hxu_umcf(void)
{
    hx_http_upstream_main_conf_t  *umcf;

    umcf = hx_http_cycle_get_module_main_conf((&hxh_cycle),
                                              hx_http_upstream_module);
    cr_assert_not_null(umcf);

    return umcf;
}


/* the upstream named name (host), or NULL */
static hx_http_upstream_srv_conf_t *
hxu_find(const char *name)
{
    hx_uint_t                       i;
    hx_http_upstream_srv_conf_t   **uscfp;
    hx_http_upstream_main_conf_t   *umcf;

    umcf = hxu_umcf();
    uscfp = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {
        if (uscfp[i]->host.len == strlen(name)
            && hx_strncmp(uscfp[i]->host.data, name, strlen(name)) == 0)
        {
            return uscfp[i];
        }
    }

    return NULL;
}


Test(http_upstream, block_servers_become_peers)
{
    hx_http_upstream_srv_conf_t  *uscf;

    hxh_parse_ok(HXU_HTTP(
        "upstream app { server 127.0.0.1:81 weight=3; "
        "server 127.0.0.1:82 max_fails=2 fail_timeout=5s; "
        "server 127.0.0.1:83 backup; }",
        "location / { proxy_pass http://app; }"));

    uscf = hxu_find("app");
    cr_assert_not_null(uscf);
    cr_assert_not_null(uscf->srv_conf);
    cr_assert_not_null(uscf->upstream.peers);
    cr_assert_eq(uscf->upstream.peers->number, 2);
    cr_assert_eq(uscf->upstream.peers->peer[0].weight, 3);
    cr_assert_eq(uscf->upstream.peers->peer[1].max_fails, 2);
    cr_assert_eq(uscf->upstream.peers->peer[1].fail_timeout, 5);
    cr_assert_not_null(uscf->upstream.peers->next);
    cr_assert_eq(uscf->upstream.peers->next->number, 1);
}


Test(http_upstream, proxy_pass_before_the_block_finds_it)
{
    hx_http_upstream_srv_conf_t  *uscf;
    hx_http_proxy_loc_conf_t     *plcf;
    hx_http_request_t            *r;

    hxh_parse_ok(HXU_HTTP(
        "",
        "location / { proxy_pass http://later; }\n"
        "} upstream later { server 127.0.0.1:81; } server { listen 9002;"));

    uscf = hxu_find("later");
    cr_assert_not_null(uscf);
    cr_assert_eq(uscf->upstream.peers->number, 1);

    r = hxu_request("/", NULL);
    plcf = hxu_plcf(r);
    cr_assert_eq(plcf->upstream.upstream, uscf);
}


Test(http_upstream, implicit_upstreams_are_shared_by_address)
{
    hx_uint_t                      i, n;
    hx_http_upstream_srv_conf_t  **uscfp;
    hx_http_upstream_main_conf_t  *umcf;

    hxh_parse_ok(HXU_HTTP("",
        "location /a { proxy_pass http://127.0.0.1:81; }\n"
        "location /b { proxy_pass http://127.0.0.1:81/b/; }\n"
        "location /c { proxy_pass http://127.0.0.1:82; }"));

    umcf = hxu_umcf();
    uscfp = umcf->upstreams.elts;
    n = 0;

    for (i = 0; i < umcf->upstreams.nelts; i++) {
        if (uscfp[i]->host.len == 9
            && hx_strncmp(uscfp[i]->host.data, "127.0.0.1", 9) == 0)
        {
            n++;
            cr_assert_null(uscfp[i]->srv_conf);
            cr_assert_eq(uscfp[i]->upstream.peers->number, 1);
        }
    }

    cr_assert_eq(n, 2);
}


Test(http_upstream, unix_socket_proxy_pass_is_one_peer)
{
    hx_http_upstream_srv_conf_t  *uscf;

    hxh_parse_ok(HXU_HTTP("",
        "location / { proxy_pass http://unix:/tmp/hx.sock:/app/; }"));

    uscf = hxu_find("/tmp/hx.sock");
    cr_assert_not_null(uscf);
    cr_assert_eq(uscf->upstream.peers->number, 1);
    cr_assert_eq(uscf->upstream.peers->peer[0].sockaddr->sa_family,
                 AF_UNIX);
}


Test(http_upstream, duplicate_upstream_is_refused)
{
    hxh_parse_fails(HXU_HTTP(
        "upstream u { server 127.0.0.1:81; } "
        "upstream u { server 127.0.0.1:82; }", ""),
        "duplicate upstream \"u\"");
}


Test(http_upstream, named_upstream_may_not_have_port)
{
    hxh_parse_fails(HXU_HTTP(
        "upstream u { server 127.0.0.1:81; }",
        "location / { proxy_pass http://u:8080; }"),
        "upstream \"u\" may not have port 8080");
}


Test(http_upstream, block_without_servers_is_refused)
{
    hxh_parse_fails(HXU_HTTP("upstream u { }", ""),
                    "no servers are inside upstream");
}


Test(http_upstream, server_parameters_are_checked)
{
    hxh_parse_fails(HXU_HTTP(
        "upstream u { server 127.0.0.1:81 weight=0; }", ""),
        "invalid parameter \"weight=0\"");
}


Test(http_upstream, bind_address_and_off)
{
    hx_http_request_t         *r;
    hx_http_proxy_loc_conf_t  *plcf;

    hxh_parse_ok(HXU_HTTP("",
        "proxy_bind 127.0.0.2 transparent;\n"
        "location / { proxy_pass http://127.0.0.1:81; }\n"
        "location /off { proxy_bind off; proxy_pass http://127.0.0.1:81; }"));

    r = hxu_request("/", NULL);
    plcf = hxu_plcf(r);
    cr_assert_not_null(plcf->upstream.local);
    cr_assert_not_null(plcf->upstream.local->addr);
    cr_assert_eq(plcf->upstream.local->transparent, 1);

    r = hxu_request("/off", NULL);
    plcf = hxu_plcf(r);
    cr_assert_null(plcf->upstream.local);
}


Test(http_upstream, bind_refuses_what_is_no_address)
{
    hxh_parse_fails(HXU_HTTP("",
        "location / { proxy_bind not-an-address; "
        "proxy_pass http://127.0.0.1:81; }"),
        "invalid address \"not-an-address\"");
}


Test(http_upstream, busy_buffers_must_fit_the_buffers)
{
    hxh_parse_fails(HXU_HTTP("",
        "location / { proxy_buffers 2 4k; proxy_busy_buffers_size 8k; "
        "proxy_pass http://127.0.0.1:81; }"),
        "\"proxy_busy_buffers_size\" must be less than the size of all "
        "\"proxy_buffers\" minus one buffer");
}


Test(http_upstream, two_buffers_at_least)
{
    hxh_parse_fails(HXU_HTTP("",
        "location / { proxy_buffers 1 4k; proxy_pass http://127.0.0.1:81; }"),
        "there must be at least 2 \"proxy_buffers\"");
}


Test(http_upstream, buffer_defaults)
{
    hx_http_request_t         *r;
    hx_http_proxy_loc_conf_t  *plcf;

    hxh_parse_ok(HXU_HTTP("",
        "location / { proxy_pass http://127.0.0.1:81; }"));

    r = hxu_request("/", NULL);
    plcf = hxu_plcf(r);

    cr_assert_eq(plcf->upstream.buffer_size, hx_pagesize);
    cr_assert_eq(plcf->upstream.bufs.num, 8);
    cr_assert_eq(plcf->upstream.busy_buffers_size, 2 * hx_pagesize);
    cr_assert_eq(plcf->upstream.max_temp_file_size, 1024 * 1024 * 1024);
    cr_assert_eq(plcf->upstream.next_upstream,
                 HX_CONF_BITMASK_SET|HX_HTTP_UPSTREAM_FT_ERROR
                 |HX_HTTP_UPSTREAM_FT_TIMEOUT);
}


static hx_uint_t
hxu_hidden(hx_http_request_t *r, const char *name)
{
    uint8_t   lc[64];
    size_t    len;
    hx_uint_t key;

    len = strlen(name);
    key = hx_hash_strlow(lc, (uint8_t *) name, len);

    return hx_hash_find(&hxu_plcf(r)->upstream.hide_headers_hash, key, lc,
                        len) != NULL;
}


Test(http_upstream, hidden_headers_with_pass_and_hide)
{
    hx_http_request_t  *r;

    hxh_parse_ok(HXU_HTTP("",
        "proxy_hide_header X-Secret;\n"
        "location / { proxy_pass http://127.0.0.1:81; }\n"
        "location /pass { proxy_pass_header Server; "
        "proxy_pass http://127.0.0.1:81; }"));

    r = hxu_request("/", NULL);
    cr_assert(hxu_hidden(r, "Server"));
    cr_assert(hxu_hidden(r, "X-Accel-Redirect"));
    cr_assert(hxu_hidden(r, "x-secret"));
    cr_assert_not(hxu_hidden(r, "X-Other"));

    /* a level with its own proxy_pass_header still inherits the hides */
    r = hxu_request("/pass", NULL);
    cr_assert_not(hxu_hidden(r, "Server"));
    cr_assert(hxu_hidden(r, "Date"));
    cr_assert(hxu_hidden(r, "X-Secret"));
}


Test(http_upstream, blocks_keep_32_connections_per_location_by_default)
{
    hx_http_upstream_srv_conf_t  *uscf, *off, *implicit;

    hxh_parse_ok(HXU_HTTP(
        "upstream a { server 127.0.0.1:81; } "
        "upstream b { server 127.0.0.1:82; keepalive 0; }",
        "location /a { proxy_pass http://a; }\n"
        "location /b { proxy_pass http://b; }\n"
        "location /c { proxy_pass http://127.0.0.1:83; }"));

    uscf = hxu_find("a");
    off = hxu_find("b");
    implicit = hxu_find("127.0.0.1");

    cr_assert_not_null(uscf);
    cr_assert_not_null(off);
    cr_assert_not_null(implicit);

    /* the keepalive module wrapped only the block that keeps connections */
    cr_assert_neq((void *) uscf->init_peer, (void *) off->init_peer);
    cr_assert_eq((void *) off->init_peer, (void *) implicit->init_peer);
}


Test(http_upstream, keepalive_parameters_are_checked)
{
    hxh_parse_fails(HXU_HTTP(
        "upstream a { server 127.0.0.1:81; keepalive 8 shared; }", ""),
        "invalid parameter \"shared\"");

}


Test(http_upstream, keepalive_twice_is_duplicate)
{
    hxh_parse_fails(HXU_HTTP(
        "upstream b { server 127.0.0.1:81; keepalive 8; keepalive 9; }",
        ""), "\"keepalive\" directive is duplicate");
}


Test(http_upstream, balancer_directives_reach_the_library)
{
    hx_http_upstream_srv_conf_t  *uscf;

    hxh_parse_ok(HXU_HTTP(
        "upstream h { hash $request_uri consistent; "
        "server 127.0.0.1:81; server 127.0.0.1:82; } "
        "upstream l { least_conn; server 127.0.0.1:81; } "
        "upstream i { ip_hash; server 127.0.0.1:81; } "
        "upstream r { random two least_conn; server 127.0.0.1:81; }",
        "location / { proxy_pass http://h; }"));

    uscf = hxu_find("h");
    cr_assert_eq(uscf->upstream.balancer, &hx_upstream_chash);
    cr_assert_not_null(uscf->hash_key);

    cr_assert_eq(hxu_find("l")->upstream.balancer, &hx_upstream_least_conn);
    cr_assert_eq(hxu_find("i")->upstream.balancer, &hx_upstream_ip_hash);
    cr_assert_eq(hxu_find("r")->upstream.balancer, &hx_upstream_random_two);
}


Test(http_upstream, ip_hash_refuses_weightless_parameters)
{
    hxh_parse_fails(HXU_HTTP(
        "upstream i { ip_hash; server 127.0.0.1:81 backup; }", ""),
        "balancing method does not support parameter \"backup\"");
}

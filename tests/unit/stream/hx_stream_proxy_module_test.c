/*
 * Tests for stream/hx_stream_proxy_module.c: the proxy_* directives,
 * their defaults and inheritance from the stream block, proxy_pass as
 * the content handler (with an address, an upstream or variables), and
 * proxy_bind with its "off" and "transparent" forms.
 */

#include "hx_stream_fixture.h"
#include <hx_stream_proxy.h>


TestSuite(stream_proxy_module, .init = hxs_init);


/* the proxy srv conf of the server listening on addr */
static hx_stream_proxy_srv_conf_t *
pscf(const char *addr)
{
    hx_stream_session_t  *s;

    s = hxs_fake_session(hxs_listening(addr, SOCK_STREAM), "10.0.0.1:5555",
                         addr);

    return hx_stream_get_module_srv_conf(s, hx_stream_proxy_module);
}


Test(stream_proxy_module, defaults_are_nginx_s)
{
    hx_stream_proxy_srv_conf_t  *p;

    hxs_parse_ok("stream { server { listen 127.0.0.1:9000;"
                 " proxy_pass 127.0.0.1:9001; } }\n");

    p = pscf("127.0.0.1:9000");

    cr_assert_eq(p->connect_timeout, 60000);
    cr_assert_eq(p->timeout, 600000);
    cr_assert_eq(p->buffer_size, 16384);
    cr_assert_eq(p->next_upstream, 1);
    cr_assert_eq(p->next_upstream_tries, 0);
    cr_assert_eq(p->next_upstream_timeout, 0);
    cr_assert_eq(p->proxy_protocol, 0);
    cr_assert_eq(p->half_close, 0);
    cr_assert_eq(p->requests, 0);
    cr_assert_eq(p->responses, HX_STREAM_PROXY_RESPONSES_UNSET);
    cr_assert_null(p->local);
    cr_assert_null(p->upload_rate);
    cr_assert_not_null(p->upstream);
}


Test(stream_proxy_module, the_block_s_values_are_inherited)
{
    hx_stream_proxy_srv_conf_t  *p;

    hxs_parse_ok("stream {\n"
                 "    proxy_timeout 3s;\n"
                 "    proxy_buffer_size 4k;\n"
                 "    proxy_bind 127.0.0.2;\n"
                 "    proxy_download_rate 1k;\n"
                 "    server { listen 127.0.0.1:9000; proxy_pass 127.0.0.1:1;"
                 " proxy_timeout 1s; proxy_bind off; }\n"
                 "    server { listen 127.0.0.1:9001;"
                 " proxy_pass 127.0.0.1:1; }\n"
                 "}\n");

    p = pscf("127.0.0.1:9000");
    cr_assert_eq(p->timeout, 1000);
    cr_assert_eq(p->buffer_size, 4096);
    cr_assert_null(p->local);
    cr_assert_not_null(p->download_rate);
    cr_assert_eq(p->download_rate->u.size, 1024);

    p = pscf("127.0.0.1:9001");
    cr_assert_eq(p->timeout, 3000);
    cr_assert_not_null(p->local);
    cr_assert_not_null(p->local->addr);
    cr_assert_eq(p->local->transparent, 0);
}


Test(stream_proxy_module, proxy_pass_sets_the_content_handler)
{
    hx_stream_core_srv_conf_t  **servers;

    hxs_parse_ok("stream { server { listen 127.0.0.1:9000;"
                 " proxy_pass 127.0.0.1:9001; } }\n");

    servers = hxs_cmcf()->servers.elts;
    cr_assert_eq(servers[0]->handler, hx_stream_proxy_handler);
}


Test(stream_proxy_module, proxy_pass_with_variables_is_a_complex_value)
{
    hx_stream_proxy_srv_conf_t  *p;

    hxs_parse_ok("stream { server { listen 127.0.0.1:9000;"
                 " proxy_pass $remote_addr:8080; } }\n");

    p = pscf("127.0.0.1:9000");
    cr_assert_null(p->upstream);
    cr_assert_not_null(p->upstream_value);
}


Test(stream_proxy_module, proxy_pass_twice_is_duplicate)
{
    cr_assert_eq(hxs_parse("stream { server { listen 127.0.0.1:9000;"
                           " proxy_pass 127.0.0.1:1;"
                           " proxy_pass 127.0.0.1:2; } }\n"), HX_ERROR);
    cr_assert(hxs_logged_has("\"proxy_pass\" directive is duplicate"),
              "%s", hxs_logged);
}


Test(stream_proxy_module, proxy_bind_checks_its_address)
{
    cr_assert_eq(hxs_parse("stream { server { listen 127.0.0.1:9000;"
                           " proxy_pass 127.0.0.1:1;"
                           " proxy_bind nonsense; } }\n"), HX_ERROR);
    cr_assert(hxs_logged_has("invalid address \"nonsense\""), "%s",
              hxs_logged);
}


Test(stream_proxy_module, proxy_bind_with_variables_and_transparent)
{
    hx_stream_proxy_srv_conf_t  *p;

    hxs_parse_ok("stream { server { listen 127.0.0.1:9000;"
                 " proxy_pass 127.0.0.1:1;"
                 " proxy_bind $remote_addr transparent; } }\n");

    p = pscf("127.0.0.1:9000");
    cr_assert_not_null(p->local);
    cr_assert_not_null(p->local->value);
    cr_assert_eq(p->local->transparent, 1);
}


Test(stream_proxy_module, transparent_needs_workers_that_stay_root)
{
    hxs_parse_ok("stream { server { listen 127.0.0.1:9000;"
                 " proxy_pass 127.0.0.1:1;"
                 " proxy_bind 127.0.0.2 transparent; } }\n");

    /* the fixture's workers would run as a user other than root */

    hxs_ccf.user = 65534;

    cr_assert_eq(hx_stream_proxy_module.init_module(&hxs_cycle), HX_ERROR);
    cr_assert(hxs_logged_has("needs CAP_NET_ADMIN in the workers"), "%s",
              hxs_logged);

    hxs_ccf.user = 0;

    cr_assert_eq(hx_stream_proxy_module.init_module(&hxs_cycle),
                 geteuid() == 0 ? HX_OK : HX_ERROR);
}


Test(stream_proxy_module, the_buffer_must_have_a_size)
{
    cr_assert_eq(hxs_parse("stream { server { listen 127.0.0.1:9000;"
                           " proxy_pass 127.0.0.1:1;"
                           " proxy_buffer_size 0; } }\n"), HX_ERROR);
    cr_assert(hxs_logged_has("\"proxy_buffer_size\" must be positive"),
              "%s", hxs_logged);
}

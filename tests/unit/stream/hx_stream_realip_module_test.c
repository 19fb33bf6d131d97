/*
 * Tests for stream/hx_stream_realip_module.c: the PROXY protocol source
 * replaces the client address only for trusted senders, the original
 * stays in $realip_remote_addr/_port, and set_real_ip_from takes CIDRs,
 * "unix:" and host names.
 */

#include "hx_stream_modules_fixture.h"


TestSuite(stream_realip, .init = hxs_init);


static hx_stream_session_t *
session_with_header(const char *client)
{
    uint8_t               *end;
    hx_proxy_protocol_t   *pp;
    hx_stream_session_t   *s;
    static uint8_t         h[] = "PROXY TCP4 192.0.2.7 192.0.2.8 4321 80\r\n";

    s = hxm_session(client);

    cr_assert_eq(hx_proxy_protocol_read(s->connection->pool, &hxs_log, h,
                                        h + sizeof(h) - 1, &end, &pp),
                 HX_OK);

    s->connection->proxy_protocol = pp;

    return s;
}


Test(stream_realip, a_trusted_proxy_gives_the_client_address)
{
    hx_stream_session_t  *s;

    hxs_parse_ok("stream { server { listen 127.0.0.1:9000;"
                 " set_real_ip_from 10.0.0.0/8; return x; } }\n");

    s = session_with_header("10.1.1.1:5555");

    cr_assert_eq(hxm_run_phase(s, HX_STREAM_POST_ACCEPT_PHASE),
                 HX_DECLINED);

    cr_assert_str_eq(hxm_var(s, "remote_addr"), "192.0.2.7");
    cr_assert_str_eq(hxm_var(s, "remote_port"), "4321");
    cr_assert_str_eq(hxm_var(s, "realip_remote_addr"), "10.1.1.1");
    cr_assert_str_eq(hxm_var(s, "realip_remote_port"), "5555");
    cr_assert_str_eq(hxm_var(s, "proxy_protocol_server_port"), "80");
}


Test(stream_realip, an_untrusted_sender_keeps_its_address)
{
    hx_stream_session_t  *s;

    hxs_parse_ok("stream { server { listen 127.0.0.1:9000;"
                 " set_real_ip_from 10.0.0.0/8; return x; } }\n");

    s = session_with_header("172.16.0.1:5555");

    cr_assert_eq(hxm_run_phase(s, HX_STREAM_POST_ACCEPT_PHASE),
                 HX_DECLINED);

    cr_assert_str_eq(hxm_var(s, "remote_addr"), "172.16.0.1");
    cr_assert_str_eq(hxm_var(s, "realip_remote_addr"), "172.16.0.1");
    cr_assert_str_eq(hxm_var(s, "proxy_protocol_addr"), "192.0.2.7");
}


Test(stream_realip, host_names_are_resolved_at_start)
{
    hx_stream_session_t  *s;

    hxs_parse_ok("stream { server { listen 127.0.0.1:9000;"
                 " set_real_ip_from localhost; return x; } }\n");

    s = session_with_header("127.0.0.1:5555");

    (void) hxm_run_phase(s, HX_STREAM_POST_ACCEPT_PHASE);

    cr_assert_str_eq(hxm_var(s, "remote_addr"), "192.0.2.7");
}


Test(stream_realip, without_a_header_nothing_changes)
{
    hx_stream_session_t  *s;

    hxs_parse_ok("stream { server { listen 127.0.0.1:9000;"
                 " set_real_ip_from 0.0.0.0/0; return x; } }\n");

    s = hxm_session("10.1.1.1:5555");

    (void) hxm_run_phase(s, HX_STREAM_POST_ACCEPT_PHASE);

    cr_assert_str_eq(hxm_var(s, "remote_addr"), "10.1.1.1");
    cr_assert_str_eq(hxm_var(s, "proxy_protocol_addr"), "<not found>");
}

/*
 * Tests for stream/hx_stream_geo_module.c: networks and ranges read from
 * the block, the client's address or a variable's as the key, the
 * default, and the configuration errors (the table itself is tested in
 * tests/unit/core/hx_geo_test.c).
 */

#include "hx_stream_modules_fixture.h"


TestSuite(stream_geo, .init = hxs_init);


#define SERVER  " server { listen 127.0.0.1:9000; return x; }"


Test(stream_geo, networks_by_the_client_address)
{
    hx_stream_session_t  *s;

    hxs_parse_ok("stream { geo $g { default world; 10.0.0.0/8 lan;"
                 " 10.1.0.0/16 office; delete 10.1.0.0/16; }"
                 SERVER " }\n");

    s = hxm_session("10.1.2.3:5555");
    cr_assert_str_eq(hxm_var(s, "g"), "lan");

    s = hxm_session("192.0.2.1:5555");
    cr_assert_str_eq(hxm_var(s, "g"), "world");
}


Test(stream_geo, ranges_from_a_variable)
{
    hx_stream_session_t  *s;

    hxs_parse_ok("stream {"
                 " map $remote_port $addr { 1111 10.0.0.5; default bad; }"
                 " geo $addr $g { ranges; default none;"
                 " 10.0.0.0-10.0.0.9 low; }" SERVER " }\n");

    s = hxm_session("192.0.2.1:1111");
    cr_assert_str_eq(hxm_var(s, "g"), "low");

    /* not an address: looked up as 255.255.255.255 */
    s = hxm_session("192.0.2.1:2222");
    cr_assert_str_eq(hxm_var(s, "g"), "none");
}


Test(stream_geo, ranges_must_come_first)
{
    cr_assert_eq(hxs_parse("stream { geo $g { default x; ranges; }"
                           SERVER " }\n"), HX_ERROR);
    cr_assert(hxs_logged_has("\"ranges\" directive must be the first"),
              "%s", hxs_logged);
}


Test(stream_geo, overlapping_ranges_are_refused)
{
    cr_assert_eq(hxs_parse("stream { geo $g { ranges;"
                           " 10.0.0.5-10.0.0.9 a; 10.0.0.7-10.0.0.20 b; }"
                           SERVER " }\n"), HX_ERROR);
    cr_assert(hxs_logged_has("range \"10.0.0.7-10.0.0.20\" overlaps "
                             "\"10.0.0.5-10.0.0.9\""), "%s", hxs_logged);
}


Test(stream_geo, a_bad_network_is_refused)
{
    cr_assert_eq(hxs_parse("stream { geo $g { 10.0.0.300/8 a; }"
                           SERVER " }\n"), HX_ERROR);
    cr_assert(hxs_logged_has("invalid network \"10.0.0.300/8\""), "%s",
              hxs_logged);
}

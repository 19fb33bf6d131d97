/*
 * Tests for stream/hx_stream_access_module.c: rules in order, "all",
 * CIDRs of both families, "unix:", inheritance from the block, and the
 * parameter check.
 */

#include "hx_stream_modules_fixture.h"


TestSuite(stream_access, .init = hxs_init);


static hx_int_t
check(const char *client)
{
    return hxm_run_phase(hxm_session(client), HX_STREAM_ACCESS_PHASE);
}


Test(stream_access, the_first_matching_rule_decides)
{
    hxs_parse_ok("stream { server { listen 127.0.0.1:9000;"
                 " deny 10.0.0.1; allow 10.0.0.0/8; deny all;"
                 " return x; } }\n");

    cr_assert_eq(check("10.0.0.1:1"), HX_STREAM_FORBIDDEN);
    cr_assert_eq(check("10.0.0.2:1"), HX_OK);
    cr_assert_eq(check("192.0.2.1:1"), HX_STREAM_FORBIDDEN);
    cr_assert(hxs_logged_has("access forbidden by rule"), "%s", hxs_logged);
}


Test(stream_access, no_rule_lets_everyone_in)
{
    hxs_parse_ok("stream { server { listen 127.0.0.1:9000; return x; } }\n");

    cr_assert_eq(check("192.0.2.1:1"), HX_DECLINED);
}


Test(stream_access, ipv6_rules_and_inheritance)
{
    hxs_parse_ok("stream { allow 2001:db8::/32; deny all;"
                 " server { listen 127.0.0.1:9000; return x; } }\n");

    cr_assert_eq(check("[2001:db8::1]:1"), HX_OK);
    cr_assert_eq(check("[2001:db9::1]:1"), HX_STREAM_FORBIDDEN);

    /* an IPv4-mapped client matches IPv4 rules, not IPv6 ones */
    cr_assert_eq(check("[::ffff:10.0.0.1]:1"), HX_STREAM_FORBIDDEN);
}


Test(stream_access, a_bad_address_is_refused)
{
    cr_assert_eq(hxs_parse("stream { server { listen 127.0.0.1:9000;"
                           " allow 10.0.0.0/40; return x; } }\n"),
                 HX_ERROR);
    cr_assert(hxs_logged_has("invalid parameter \"10.0.0.0/40\""), "%s",
              hxs_logged);
}

/*
 * Tests for http/modules/hx_http_access_module.c: allow and deny for
 * IPv4, IPv6, IPv4-mapped IPv6 and unix clients, the first matching rule
 * deciding, no match passing the decision on, inheritance of the whole
 * rule set, and the rule's parsing.
 */

#include "hx_http_modules_fixture.h"

#define hx_http_access_module  hxh_access_copy
#include "hx_http_access_module.c"
#undef hx_http_access_module

extern hx_module_t  hx_http_access_module;


TestSuite(http_access, .init = hxh_init);


static void
hxh_access_parse_ok(const char *text)
{
    hxh_parse_ok(text);
    hxh_access_copy.ctx_index = hx_http_access_module.ctx_index;
}


static hx_int_t
hxh_access(const char *client, const char *uri)
{
    return hx_http_access_handler(hxh_request(client, uri, NULL));
}


Test(http_access, the_first_matching_rule_decides)
{
    hxh_access_parse_ok("http { server { listen 127.0.0.1:9000;\n"
                        "location / {\n"
                        "    deny  10.0.0.1;\n"
                        "    allow 10.0.0.0/8;\n"
                        "    allow 2001:db8::/32;\n"
                        "    deny  all;\n"
                        "} } }\n");

    cr_assert_eq(hxh_access("10.0.0.1:1", "/"), HX_HTTP_FORBIDDEN);
    cr_assert_eq(hxh_access("10.0.0.2:1", "/"), HX_OK);
    cr_assert_eq(hxh_access("192.0.2.1:1", "/"), HX_HTTP_FORBIDDEN);
    cr_assert_eq(hxh_access("[2001:db8::1]:1", "/"), HX_OK);
    cr_assert_eq(hxh_access("[2001:db9::1]:1", "/"), HX_HTTP_FORBIDDEN);
    cr_assert_eq(hxh_access("[::ffff:10.0.0.3]:1", "/"), HX_OK);
    cr_assert_eq(hxh_access("unix:", "/"), HX_HTTP_FORBIDDEN);

    cr_assert(hxh_logged_has("access forbidden by rule"), "%s", hxh_logged);
}


Test(http_access, no_matching_rule_passes_the_decision_on)
{
    hxh_access_parse_ok("http { server { listen 127.0.0.1:9000;\n"
                        "location / { allow 10.0.0.0/8; } } }\n");

    cr_assert_eq(hxh_access("192.0.2.1:1", "/"), HX_DECLINED);
    cr_assert_eq(hxh_access("[::1]:1", "/"), HX_DECLINED);
    cr_assert_eq(hxh_access("unix:", "/"), HX_DECLINED);
}


Test(http_access, unix_rules_apply_to_unix_clients_only)
{
    hxh_access_parse_ok("http { server { listen 127.0.0.1:9000;\n"
                        "location /allow { allow unix:; }\n"
                        "location /deny { deny unix:; } } }\n");

    cr_assert_eq(hxh_access("unix:", "/allow"), HX_OK);
    cr_assert_eq(hxh_access("unix:", "/deny"), HX_HTTP_FORBIDDEN);
    cr_assert_eq(hxh_access("127.0.0.1:1", "/deny"), HX_DECLINED);
}


Test(http_access, a_location_with_rules_inherits_none)
{
    hxh_access_parse_ok("http { server { listen 127.0.0.1:9000;\n"
                        "deny 192.0.2.0/24;\n"
                        "location /inherit { }\n"
                        "location /own { allow ::1; } } }\n");

    cr_assert_eq(hxh_access("192.0.2.1:1", "/inherit"), HX_HTTP_FORBIDDEN);
    cr_assert_eq(hxh_access("192.0.2.1:1", "/own"), HX_DECLINED);
}


Test(http_access, satisfy_any_is_not_logged)
{
    hxh_access_parse_ok("http { server { listen 127.0.0.1:9000;\n"
                        "location / { satisfy any; deny all; } } }\n");

    cr_assert_eq(hxh_access("192.0.2.1:1", "/"), HX_HTTP_FORBIDDEN);
    cr_assert_not(hxh_logged_has("access forbidden by rule"));
}


Test(http_access, host_bits_are_warned_about)
{
    hxh_access_parse_ok("http { server { listen 127.0.0.1:9000;\n"
                        "location / { allow 10.1.2.3/8; } } }\n");

    cr_assert(hxh_logged_has("low address bits of 10.1.2.3/8 are "
                             "meaningless"), "%s", hxh_logged);
    cr_assert_eq(hxh_access("10.200.0.1:1", "/"), HX_OK);
}


Test(http_access, a_bad_address_is_refused)
{
    hxh_parse_fails("http { server { listen 127.0.0.1:9000;\n"
                    "location / { deny 10.0.0.256; } } }\n",
                    "invalid parameter \"10.0.0.256\" in ");
}

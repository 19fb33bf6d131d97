/*
 * Tests for stream/hx_stream_upstream_hc_module.c: health_check and its
 * parameters, match blocks, and the checks a configuration must pass
 * (an upstream block with a zone, a known match).  The probing itself
 * is tested in tests/unit/event/hx_health_check_test.c and end to end
 * in tests/integration/test_stream_health_check.py.
 */

#include "hx_stream_fixture.h"


TestSuite(stream_hc, .init = hxs_init);


#define UPSTREAM  " upstream u { zone u 64k; server 127.0.0.1:1; }"


Test(stream_hc, parameters_and_match_are_accepted)
{
    hxs_parse_ok("stream {"
                 " match m { send \"ping\\r\\n\"; expect ~ \"^\\\\+PONG\"; }"
                 " match s { expect \"OK\"; }"
                 UPSTREAM
                 " server { listen 127.0.0.1:9000; proxy_pass u;"
                 " health_check interval=2s jitter=100ms fails=3 passes=2"
                 " port=8080 match=m mandatory;"
                 " health_check match=s;"
                 " health_check_timeout 1s; } }\n");
}


Test(stream_hc, the_upstream_needs_a_zone)
{
    cr_assert_eq(hxs_parse("stream { upstream u { server 127.0.0.1:1; }"
                           " server { listen 127.0.0.1:9000; proxy_pass u;"
                           " health_check; } }\n"), HX_ERROR);
    cr_assert(hxs_logged_has("needs upstream \"u\" to have a \"zone\""),
              "%s", hxs_logged);
}


Test(stream_hc, an_address_is_not_an_upstream_block)
{
    cr_assert_eq(hxs_parse("stream { server { listen 127.0.0.1:9000;"
                           " proxy_pass 127.0.0.1:1; health_check; } }\n"),
                 HX_ERROR);
    cr_assert(hxs_logged_has("needs \"proxy_pass\" to an upstream block"),
              "%s", hxs_logged);
}


Test(stream_hc, an_unknown_match_is_refused)
{
    cr_assert_eq(hxs_parse("stream {" UPSTREAM
                           " server { listen 127.0.0.1:9000; proxy_pass u;"
                           " health_check match=none; } }\n"), HX_ERROR);
    cr_assert(hxs_logged_has("match \"none\" not found"), "%s", hxs_logged);
}


Test(stream_hc, bad_parameters_are_named)
{
    cr_assert_eq(hxs_parse("stream {" UPSTREAM
                           " server { listen 127.0.0.1:9000; proxy_pass u;"
                           " health_check fails=0; } }\n"), HX_ERROR);
    cr_assert(hxs_logged_has("invalid parameter \"fails=0\""), "%s",
              hxs_logged);
}


Test(stream_hc, a_match_line_must_be_send_or_expect)
{
    cr_assert_eq(hxs_parse("stream { match m { recv x; } }\n"), HX_ERROR);
    cr_assert(hxs_logged_has("invalid \"match\" line"), "%s", hxs_logged);
}


Test(stream_hc, a_bad_expect_regex_is_reported)
{
    cr_assert_eq(hxs_parse("stream { match m { expect ~ \"(\"; } }\n"),
                 HX_ERROR);
    cr_assert(hxs_logged_has("pcre2_compile() failed"), "%s", hxs_logged);
}

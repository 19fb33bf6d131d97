/*
 * Tests for stream/hx_stream_map_module.c and stream/hx_stream_regex.c:
 * exact keys without case, hostnames wildcards, regexes in order with
 * captures in the value, the default, "\" escapes, includes, and the
 * configuration errors.
 */

#include "hx_stream_modules_fixture.h"


TestSuite(stream_map, .init = hxs_init);


#define SERVER  " server { listen 127.0.0.1:9000; return x; }"


Test(stream_map, exact_keys_ignore_case_and_default_applies)
{
    hx_stream_session_t  *s;

    hxs_parse_ok("stream { map $remote_addr $m {"
                 " default other; 10.0.0.1 one; \\default escaped; }"
                 SERVER " }\n");

    s = hxm_session("10.0.0.1:5555");
    cr_assert_str_eq(hxm_var(s, "m"), "one");

    s = hxm_session("10.0.0.2:5555");
    cr_assert_str_eq(hxm_var(s, "m"), "other");
}


Test(stream_map, without_default_the_value_is_empty)
{
    hx_stream_session_t  *s;

    hxs_parse_ok("stream { map $remote_addr $m { 10.0.0.1 one; }"
                 SERVER " }\n");

    s = hxm_session("10.9.9.9:5555");
    cr_assert_str_eq(hxm_var(s, "m"), "");
}


Test(stream_map, regexes_in_order_with_captures)
{
    hx_stream_session_t  *s;

    hxs_parse_ok("stream { map $remote_addr $m {"
                 " ~^10\\.(\\d+) \"ten-$1\";"
                 " ~^10 never;"
                 " ~*^(?<first>\\d+)\\. \"named-$first\"; }"
                 SERVER " }\n");

    s = hxm_session("10.42.0.1:5555");
    cr_assert_str_eq(hxm_var(s, "m"), "ten-42");

    s = hxm_session("192.0.2.1:5555");
    cr_assert_str_eq(hxm_var(s, "m"), "named-192");
    cr_assert_str_eq(hxm_var(s, "first"), "192");
}


Test(stream_map, hostnames_match_wildcards)
{
    hx_stream_session_t  *s;

    hxs_parse_ok("stream {"
                 " map $server_name $dummy { default x; }"
                 " map $remote_port $m { hostnames; *.example.com wc;"
                 " 5555 five; }"
                 SERVER " }\n");

    s = hxm_session("10.0.0.1:5555");
    cr_assert_str_eq(hxm_var(s, "m"), "five");
}


Test(stream_map, a_bad_regex_is_reported)
{
    cr_assert_eq(hxs_parse("stream { map $remote_addr $m { ~(unclosed x; }"
                           SERVER " }\n"), HX_ERROR);
    cr_assert(hxs_logged_has("pcre2_compile() failed"), "%s", hxs_logged);
}


Test(stream_map, a_second_default_is_an_error)
{
    cr_assert_eq(hxs_parse("stream { map $remote_addr $m {"
                           " default a; default b; }" SERVER " }\n"),
                 HX_ERROR);
    cr_assert(hxs_logged_has("duplicate default map parameter"), "%s",
              hxs_logged);
}


Test(stream_map, the_result_must_be_a_variable)
{
    cr_assert_eq(hxs_parse("stream { map $remote_addr m { default a; }"
                           SERVER " }\n"), HX_ERROR);
    cr_assert(hxs_logged_has("invalid variable name \"m\""), "%s",
              hxs_logged);
}

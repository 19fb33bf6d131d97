/*
 * Tests for stream/hx_stream_limit_conn_module.c: the directives and
 * their errors, and $limit_conn_status before any limit ran.  Counting
 * in the shared zone across workers is covered by the integration
 * tests (tests/integration/test_stream_modules.py).
 */

#include "hx_stream_modules_fixture.h"


TestSuite(stream_limit_conn, .init = hxs_init);


Test(stream_limit_conn, a_zone_and_a_limit_are_accepted)
{
    hx_stream_session_t  *s;

    hxs_parse_ok("stream { limit_conn_zone $binary_remote_addr zone=a:1m;"
                 " server { listen 127.0.0.1:9000; limit_conn a 10;"
                 " limit_conn_log_level info; limit_conn_dry_run on;"
                 " return x; } }\n");

    s = hxm_session("10.0.0.1:1");
    cr_assert_str_eq(hxm_var(s, "limit_conn_status"), "<not found>");
}


Test(stream_limit_conn, the_zone_needs_a_size_big_enough)
{
    cr_assert_eq(hxs_parse("stream { limit_conn_zone $remote_addr"
                           " zone=a:1k; }\n"), HX_ERROR);
    cr_assert(hxs_logged_has("zone \"zone=a:1k\" is too small"), "%s",
              hxs_logged);
}


Test(stream_limit_conn, the_zone_parameter_is_required)
{
    cr_assert_eq(hxs_parse("stream { limit_conn_zone $remote_addr x=1; }\n"),
                 HX_ERROR);
    cr_assert(hxs_logged_has("invalid parameter \"x=1\""), "%s",
              hxs_logged);
}


Test(stream_limit_conn, the_limit_is_a_positive_number_below_65536)
{
    cr_assert_eq(hxs_parse("stream { limit_conn_zone $remote_addr"
                           " zone=a:1m; server { listen 127.0.0.1:9000;"
                           " limit_conn a 70000; return x; } }\n"),
                 HX_ERROR);
    cr_assert(hxs_logged_has("connection limit must be less 65536"), "%s",
              hxs_logged);
}


Test(stream_limit_conn, one_zone_one_key)
{
    cr_assert_eq(hxs_parse("stream {"
                           " limit_conn_zone $remote_addr zone=a:1m;"
                           " limit_conn_zone $remote_port zone=a:1m; }\n"),
                 HX_ERROR);
    cr_assert(hxs_logged_has("is already bound to key \"$remote_addr\""),
              "%s", hxs_logged);
}

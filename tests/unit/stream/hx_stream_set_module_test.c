/*
 * Tests for stream/hx_stream_set_module.c: "set" assigns in the
 * preaccess phase, may use other variables, overrides a changeable
 * variable of another module, and leaves its own variables empty until
 * it has run.
 */

#include "hx_stream_modules_fixture.h"


TestSuite(stream_set, .init = hxs_init);


Test(stream_set, values_are_set_in_the_preaccess_phase)
{
    hx_stream_session_t  *s;

    hxs_parse_ok("stream { map $remote_port $m { default from-map; }"
                 " server { listen 127.0.0.1:9000;"
                 " set $greeting \"hello $remote_addr\"; set $m set;"
                 " return x; } }\n");

    s = hxm_session("10.0.0.1:5555");

    cr_assert_str_eq(hxm_var(s, "greeting"), "");

    cr_assert_eq(hxm_run_phase(s, HX_STREAM_PREACCESS_PHASE), HX_DECLINED);

    cr_assert_str_eq(hxm_var(s, "greeting"), "hello 10.0.0.1");
    cr_assert_str_eq(hxm_var(s, "m"), "set");
}


Test(stream_set, the_name_must_be_a_variable)
{
    cr_assert_eq(hxs_parse("stream { server { listen 127.0.0.1:9000;"
                           " set greeting x; return x; } }\n"), HX_ERROR);
    cr_assert(hxs_logged_has("invalid variable name \"greeting\""), "%s",
              hxs_logged);
}


Test(stream_set, a_core_variable_cannot_be_set)
{
    cr_assert_eq(hxs_parse("stream { server { listen 127.0.0.1:9000;"
                           " set $remote_addr x; return x; } }\n"),
                 HX_ERROR);
    cr_assert(hxs_logged_has("the duplicate \"remote_addr\" variable"),
              "%s", hxs_logged);
}

/*
 * Tests of core/hx_listen_param.c: so_keepalive=on, =off and the three
 * fields (times, then a count; any may be empty but not all), and the
 * values refused with nginx's message.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_listen_param.h>

#include <criterion/criterion.h>


static hx_command_t  test_commands[] = {
    hx_null_command
};


static hx_module_t  hxc_test_module = {
    HX_MODULE_V1,
    "test_module",
    NULL,
    test_commands,
    HX_CORE_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


#include "hx_core_conf_fixture.h"


static void
setup(void)
{
    hxc_setup();

    (void) hxc_parse;     /* the fixture's, unused here */
}


TestSuite(hx_listen_param, .init = setup, .fini = hxc_teardown);


static hx_listen_keepalive_t  ka;


static hx_int_t
keepalive(const char *word)
{
    hx_str_t  w;

    w.len = strlen(word);
    w.data = (uint8_t *) word;

    return hx_listen_parse_keepalive(&hxc_cf, &w, &ka);
}


Test(hx_listen_param, on_and_off)
{
    cr_assert_eq(keepalive("so_keepalive=on"), HX_OK);
    cr_assert_eq(ka.mode, 1);
    cr_assert_eq(ka.idle + ka.intvl + ka.cnt, 0);

    cr_assert_eq(keepalive("so_keepalive=off"), HX_OK);
    cr_assert_eq(ka.mode, 2);
}


Test(hx_listen_param, three_fields_times_then_a_count)
{
    cr_assert_eq(keepalive("so_keepalive=1h:30s:4"), HX_OK);
    cr_assert_eq(ka.mode, 1);
    cr_assert_eq(ka.idle, 3600);
    cr_assert_eq(ka.intvl, 30);
    cr_assert_eq(ka.cnt, 4);
}


Test(hx_listen_param, empty_fields_keep_the_system_s)
{
    cr_assert_eq(keepalive("so_keepalive=::7"), HX_OK);
    cr_assert_eq(ka.mode, 1);
    cr_assert_eq(ka.idle, 0);
    cr_assert_eq(ka.intvl, 0);
    cr_assert_eq(ka.cnt, 7);

    cr_assert_eq(keepalive("so_keepalive=10m"), HX_OK);
    cr_assert_eq(ka.idle, 600);
    cr_assert_eq(ka.cnt, 0);
}


Test(hx_listen_param, bad_values_are_refused)
{
    cr_assert_eq(keepalive("so_keepalive=::"), HX_ERROR);
    cr_assert(strstr(hxc_error, "invalid so_keepalive value: \"::\""),
              "%s", hxc_error);

    cr_assert_eq(keepalive("so_keepalive=x"), HX_ERROR);
    cr_assert_eq(keepalive("so_keepalive=1:2:3:4"), HX_ERROR);
    cr_assert_eq(keepalive("so_keepalive=1:2:x"), HX_ERROR);
    cr_assert_eq(keepalive("so_keepalive="), HX_ERROR);
}

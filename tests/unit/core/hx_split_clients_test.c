/*
 * Tests of core/hx_split_clients.c: the parts of a split_clients {}
 * block as slices of the MurmurHash2 space (nginx's boundaries), "*"
 * and a part that completes 100% taking the rest, keys that fall
 * outside every slice, and the block's error messages.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_split_clients.h>

#include <criterion/criterion.h>


static char *test_split(hx_conf_t *cf, hx_command_t *cmd, void *conf);


static hx_command_t  test_commands[] = {

    { hx_string("split"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_BLOCK|HX_CONF_NOARGS,
      test_split,
      0,
      0,
      NULL },

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


static hx_split_clients_t  sc;


static char *
test_split(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    (void) cmd;
    (void) conf;

    return hx_split_clients_block(cf, &sc);
}


TestSuite(hx_split_clients, .init = hxc_setup, .fini = hxc_teardown);


/* the part key falls in, "(none)" when it falls in none */
static const char *
find(const char *key)
{
    hx_str_t   k, *v;

    k.len = strlen(key);
    k.data = (uint8_t *) key;

    v = hx_split_clients_find(&sc, &k, &hxc_log);

    return v ? hxc_cstr(v) : "(none)";
}


/* a key whose MurmurHash2 is below (or not) a bound */
static const char *
key_where(int below, uint32_t bound)
{
    static char  buf[32];
    uint32_t     i, h;

    for (i = 0; i < 100000; i++) {
        snprintf(buf, sizeof(buf), "k%u", i);
        h = hx_murmur_hash2((uint8_t *) buf, strlen(buf));

        if ((h < bound) == (below != 0)) {
            return buf;
        }
    }

    cr_assert_fail("no key found");
    return NULL;
}


Test(hx_split_clients, percentages_become_cumulative_bounds_as_nginx)
{
    hx_split_clients_part_t  *part;

    cr_assert_eq(hxc_parse("split { 0.5% one; 2% two; * rest; }"),
                 HX_CONF_OK);

    cr_assert_eq(sc.parts.nelts, 3);
    part = sc.parts.elts;

    /* nginx: each part adds percent * 0xffffffff / 10000 */
    cr_assert_eq(part[0].bound, (uint32_t) (50 * 0xffffffffULL / 10000));
    cr_assert_eq(part[1].bound, part[0].bound
                 + (uint32_t) (200 * 0xffffffffULL / 10000));
    cr_assert_eq(part[2].bound, 0);
    cr_assert_str_eq(hxc_cstr(&part[1].value), "two");
}


Test(hx_split_clients, a_key_gets_the_part_of_its_slice)
{
    hx_split_clients_part_t  *part;

    cr_assert_eq(hxc_parse("split { 50% low; * high; }"), HX_CONF_OK);
    part = sc.parts.elts;

    cr_assert_str_eq(find(key_where(1, part[0].bound)), "low");
    cr_assert_str_eq(find(key_where(0, part[0].bound)), "high");
}


Test(hx_split_clients, the_part_that_completes_100_takes_the_rest)
{
    hx_split_clients_part_t  *part;

    cr_assert_eq(hxc_parse("split { 30% a; 70% b; }"), HX_CONF_OK);
    part = sc.parts.elts;

    cr_assert_eq(part[1].bound, 0);
    cr_assert_str_eq(find(key_where(0, part[0].bound)), "b");
}


Test(hx_split_clients, a_key_outside_every_slice_has_no_part)
{
    hx_split_clients_part_t  *part;

    cr_assert_eq(hxc_parse("split { 10% a; }"), HX_CONF_OK);
    part = sc.parts.elts;

    cr_assert_str_eq(find(key_where(1, part[0].bound)), "a");
    cr_assert_str_eq(find(key_where(0, part[0].bound)), "(none)");
}


Test(hx_split_clients, an_empty_value_is_a_value)
{
    cr_assert_eq(hxc_parse("split { * \"\"; }"), HX_CONF_OK);
    cr_assert_str_eq(find("anything"), "");
}


Test(hx_split_clients, a_total_over_100_is_refused)
{
    cr_assert_eq(hxc_parse("split { 60% a; 50% b; }"), HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error,
                              "percent total is greater than 100%"));
}


Test(hx_split_clients, bad_percentages_are_refused)
{
    cr_assert_eq(hxc_parse("split { 10 a; }"), HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error, "invalid percent value \"10\""));

    cr_assert_eq(hxc_parse("split { 0% a; }"), HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error, "invalid percent value \"0%\""));

    cr_assert_eq(hxc_parse("split { x% a; }"), HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error, "invalid percent value \"x%\""));
}


Test(hx_split_clients, a_line_must_have_two_words)
{
    cr_assert_eq(hxc_parse("split { 10% a b; }"), HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error,
                        "invalid number of the split_clients parameters"));
}

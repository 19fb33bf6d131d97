/*
 * Tests of core/hx_geo_conf.c, the body of a geo {} block: networks
 * and "default" into the tries, "ranges" (first only) into sorted
 * ranges with its own default, delete, duplicates and overlaps with
 * nginx's messages, include, volatile, and the subsystem's own lines.
 * Values are plain strings; lookups go through hx_geo_find.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_geo_conf.h>

#include <criterion/criterion.h>


static char *test_geo(hx_conf_t *cf, hx_command_t *cmd, void *conf);


static hx_command_t  test_commands[] = {

    { hx_string("geo"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_BLOCK|HX_CONF_NOARGS,
      test_geo,
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


static hx_geo_conf_t  gc;
static hx_uint_t      own_lines;
static hx_uint_t      with_line;


static void *
test_value(hx_geo_conf_t *g, hx_str_t *text)
{
    hx_str_t  *v;

    v = hx_palloc(g->pool, sizeof(hx_str_t));
    if (v == NULL) {
        return NULL;
    }

    v->len = text->len;
    v->data = hx_pstrdup(g->pool, text);

    return v;
}


static hx_str_t
test_text(void *value)
{
    return *(hx_str_t *) value;
}


/* "own;" is the subsystem's, "own_bad;" fails */
static hx_int_t
test_line(hx_geo_conf_t *g, hx_conf_t *cf)
{
    hx_str_t  *args = cf->args->elts;

    cr_assert_eq(g->data, &own_lines);

    if (hx_strcmp(args[0].data, "own") == 0) {
        own_lines++;
        return HX_OK;
    }

    if (hx_strcmp(args[0].data, "own_bad") == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "own line refused");
        return HX_ERROR;
    }

    return HX_DECLINED;
}


static char *
test_geo(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    (void) cmd;

    hx_memzero(&gc, sizeof(hx_geo_conf_t));
    gc.value = test_value;
    gc.text = test_text;

    if (with_line) {
        gc.line = test_line;
        gc.data = &own_lines;
    }

    return hx_geo_conf_block(cf, conf, &gc);
}


static void
setup(void)
{
    hxc_setup();
    own_lines = 0;
    with_line = 0;
}


TestSuite(hx_geo_conf, .init = setup, .fini = hxc_teardown);


/* the value for an address ("" when none), as the table finds it */
static const char *
find(const char *text)
{
    hx_str_t    *v;
    hx_addr_t    addr;

    cr_assert_eq(hx_parse_addr(hxc_cycle.pool, &addr, (uint8_t *) text,
                               strlen(text)), HX_OK, "%s", text);

    v = hx_geo_find(&gc.table, addr.sockaddr);

    return v ? hxc_cstr(v) : "";
}


Test(hx_geo_conf, networks_take_the_longest_prefix)
{
    cr_assert_eq(hxc_parse("geo { default d; 10.0.0.0/8 ten;"
                           " 10.1.0.0/16 ten-one; ::1 lo6; }"),
                 HX_CONF_OK, "%s", hxc_error);

    cr_assert_eq(gc.table.is_ranges, 0);
    cr_assert_str_eq(find("10.2.3.4"), "ten");
    cr_assert_str_eq(find("10.1.3.4"), "ten-one");
    cr_assert_str_eq(find("192.0.2.1"), "d");
    cr_assert_str_eq(find("::1"), "lo6");
    cr_assert_str_eq(find("::2"), "d");
    cr_assert_null(gc.default_value);
}


Test(hx_geo_conf, an_empty_block_is_an_empty_networks_table)
{
    cr_assert_eq(hxc_parse("geo { }"), HX_CONF_OK);

    cr_assert_not_null(gc.table.pool);
    cr_assert_str_eq(find("10.0.0.1"), "");
}


Test(hx_geo_conf, delete_removes_a_network_and_warns_when_absent)
{
    cr_assert_eq(hxc_parse("geo { 10.0.0.0/8 ten; 10.1.0.0/16 one;"
                           " delete 10.1.0.0/16; }"), HX_CONF_OK);
    cr_assert_str_eq(find("10.1.0.1"), "ten");

    cr_assert_eq(hxc_parse("geo { 10.0.0.0/8 ten; delete 10.9.0.0/16; }"),
                 HX_CONF_OK);
    cr_assert_not_null(strstr(hxc_error,
                              "no network \"10.9.0.0/16\" to delete"));
}


Test(hx_geo_conf, a_duplicate_network_warns_and_replaces)
{
    cr_assert_eq(hxc_parse("geo { 10.0.0.0/8 a; 10.0.0.0/8 b; }"),
                 HX_CONF_OK);

    cr_assert_not_null(strstr(hxc_error,
                              "[warn]"), "%s", hxc_error);
    cr_assert_not_null(strstr(hxc_error,
                              "duplicate network \"10.0.0.0/8\", "
                              "value: \"b\", old value: \"a\""),
                       "%s", hxc_error);
    cr_assert_str_eq(find("10.0.0.1"), "b");
}


Test(hx_geo_conf, bad_networks_are_refused_or_warned)
{
    cr_assert_eq(hxc_parse("geo { 10.0.0.300/8 x; }"), HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error,
                              "invalid network \"10.0.0.300/8\""));

    cr_assert_eq(hxc_parse("geo { 10.0.0.1/8 x; }"), HX_CONF_OK);
    cr_assert_not_null(strstr(hxc_error,
                              "low address bits of 10.0.0.1/8 are "
                              "meaningless"));
}


Test(hx_geo_conf, ranges_split_and_keep_their_own_default)
{
    cr_assert_eq(hxc_parse("geo { ranges; default d;"
                           " 10.0.0.0-10.0.0.255 all;"
                           " 10.0.0.10-10.0.0.20 mid; }"),
                 HX_CONF_OK, "%s", hxc_error);

    cr_assert_eq(gc.table.is_ranges, 1);
    cr_assert_not_null(gc.default_value);
    cr_assert_str_eq(hxc_cstr(gc.default_value), "d");
    cr_assert_str_eq(find("10.0.0.5"), "all");
    cr_assert_str_eq(find("10.0.0.15"), "mid");
    cr_assert_str_eq(find("10.0.0.25"), "all");
    cr_assert_str_eq(find("10.0.1.0"), "");
}


Test(hx_geo_conf, ranges_must_come_first)
{
    cr_assert_eq(hxc_parse("geo { 10.0.0.0/8 a; ranges; }"), HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error,
                              "the \"ranges\" directive must be the first "
                              "directive inside \"geo\" block"));
}


Test(hx_geo_conf, a_range_across_another_is_refused)
{
    cr_assert_eq(hxc_parse("geo { ranges; 10.0.0.0-10.0.0.9 a;"
                           " 10.0.0.5-10.0.0.20 b; }"), HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error,
                              "range \"10.0.0.5-10.0.0.20\" overlaps "
                              "\"10.0.0.0-10.0.0.9\""), "%s", hxc_error);
}


Test(hx_geo_conf, range_duplicates_deletes_and_bad_ranges)
{
    cr_assert_eq(hxc_parse("geo { ranges; 10.0.0.0-10.0.0.9 a;"
                           " 10.0.0.0-10.0.0.9 b; }"), HX_CONF_OK);
    cr_assert_not_null(strstr(hxc_error,
                              "duplicate range \"10.0.0.0-10.0.0.9\", "
                              "value: \"b\", old value: \"a\""));

    cr_assert_eq(hxc_parse("geo { ranges; 10.0.0.0-10.0.0.9 a;"
                           " delete 10.0.0.0-10.0.0.8; }"), HX_CONF_OK);
    cr_assert_not_null(strstr(hxc_error,
                              "no address range \"10.0.0.0-10.0.0.8\" to "
                              "delete"));

    cr_assert_eq(hxc_parse("geo { ranges; 10.0.0.9-10.0.0.0 a; }"),
                 HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error,
                              "invalid range \"10.0.0.9-10.0.0.0\""));
}


Test(hx_geo_conf, include_and_volatile)
{
    hxc_write_file("nets.geo", "10.0.0.0/8 file;\n");

    cr_assert_eq(hxc_parse("geo { volatile; include nets.geo; }"),
                 HX_CONF_OK, "%s", hxc_error);

    cr_assert(gc.no_cacheable);
    cr_assert_str_eq(find("10.0.0.1"), "file");
}


Test(hx_geo_conf, a_line_of_three_words_is_refused)
{
    cr_assert_eq(hxc_parse("geo { 10.0.0.0/8 a b; }"), HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error,
                              "invalid number of the geo parameters"));
}


Test(hx_geo_conf, the_subsystem_gets_its_own_lines)
{
    with_line = 1;

    cr_assert_eq(hxc_parse("geo { own; 10.0.0.0/8 a; own; }"), HX_CONF_OK,
                 "%s", hxc_error);
    cr_assert_eq(own_lines, 2);
    cr_assert_str_eq(find("10.0.0.1"), "a");

    cr_assert_eq(hxc_parse("geo { own_bad; }"), HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error, "own line refused"));
}


Test(hx_geo_conf, without_a_line_callback_a_foreign_line_is_refused)
{
    cr_assert_eq(hxc_parse("geo { own; }"), HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error,
                              "invalid number of the geo parameters"));
}

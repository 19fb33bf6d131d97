/*
 * Tests of core/hx_log_escape.c: the escape= word, the default "\xHH"
 * escaping measured and written, and each mode's length and output as
 * the log modules use them.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_log_escape.h>

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


TestSuite(hx_log_escape, .init = setup, .fini = hxc_teardown);


/* src escaped per mode, checking that measuring agrees with writing */
static const char *
escaped(hx_uint_t mode, const char *src)
{
    size_t       len, n;
    static char  buf[256];

    len = hx_log_escape_value(mode, NULL, (uint8_t *) src, strlen(src));
    cr_assert_lt(len, sizeof(buf));

    n = hx_log_escape_value(mode, (uint8_t *) buf, (uint8_t *) src,
                            strlen(src));
    cr_assert_eq(n, len);
    buf[n] = '\0';

    return buf;
}


static hx_int_t
param(const char *word, hx_uint_t *mode)
{
    hx_str_t  w;

    w.len = strlen(word);
    w.data = (uint8_t *) word;

    return hx_log_escape_param(&hxc_cf, &w, mode);
}


Test(hx_log_escape, default_writes_quotes_backslashes_and_controls_as_hex)
{
    cr_assert_str_eq(escaped(HX_LOG_ESCAPE_DEFAULT, "a\"b\\c\n\x7f\xc3"),
                     "a\\x22b\\x5Cc\\x0A\\x7F\\xC3");
    cr_assert_str_eq(escaped(HX_LOG_ESCAPE_DEFAULT, "plain text"),
                     "plain text");
}


Test(hx_log_escape, default_counts_the_bytes_needing_it)
{
    cr_assert_eq(hx_log_escape(NULL, (uint8_t *) "a\"b\t", 4), 2);
    cr_assert_eq(hx_log_escape(NULL, (uint8_t *) "ab", 2), 0);
}


Test(hx_log_escape, json_writes_string_escapes)
{
    cr_assert_str_eq(escaped(HX_LOG_ESCAPE_JSON, "a\"b\\c\n\x01\xc3\xa9"),
                     "a\\\"b\\\\c\\n\\u0001\xc3\xa9");
}


Test(hx_log_escape, none_copies)
{
    cr_assert_str_eq(escaped(HX_LOG_ESCAPE_NONE, "a\"b\n"), "a\"b\n");
}


Test(hx_log_escape, an_empty_value_is_empty_in_every_mode)
{
    cr_assert_eq(hx_log_escape_value(HX_LOG_ESCAPE_DEFAULT, NULL, NULL, 0),
                 0);
    cr_assert_eq(hx_log_escape_value(HX_LOG_ESCAPE_JSON, NULL, NULL, 0), 0);
    cr_assert_eq(hx_log_escape_value(HX_LOG_ESCAPE_NONE, NULL, NULL, 0), 0);
}


Test(hx_log_escape, the_escape_word_names_a_mode)
{
    hx_uint_t  mode;

    mode = 9;
    cr_assert_eq(param("escape=json", &mode), HX_OK);
    cr_assert_eq(mode, HX_LOG_ESCAPE_JSON);

    cr_assert_eq(param("escape=none", &mode), HX_OK);
    cr_assert_eq(mode, HX_LOG_ESCAPE_NONE);

    cr_assert_eq(param("escape=default", &mode), HX_OK);
    cr_assert_eq(mode, HX_LOG_ESCAPE_DEFAULT);

    mode = 9;
    cr_assert_eq(param("$remote_addr", &mode), HX_DECLINED);
    cr_assert_eq(mode, 9);
}


Test(hx_log_escape, an_unknown_mode_is_refused)
{
    hx_uint_t  mode;

    cr_assert_eq(param("escape=html", &mode), HX_ERROR);
    cr_assert(strstr(hxc_error, "unknown log format escaping \"html\""),
              "%s", hxc_error);
}

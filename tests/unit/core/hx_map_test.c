/*
 * Tests of core/hx_map.c, the body of a map {} block: the keywords
 * (hostnames, volatile, default, include), exact keys without case,
 * "\" escapes, wildcards with hostnames, regexes in file order with
 * "~*" caseless, the hash sizes' defaults, and the error messages.
 *
 * A fake cycle holds hx_conf_module (for include) and a test module
 * whose "map" block hands its body to hx_map_block with callbacks that
 * keep values as plain strings and regexes as bare hx_regex_t.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_map.h>

#include <criterion/criterion.h>



typedef struct {
    hx_regex_t          *regex;
    void                *value;
} test_regex_t;


static char *test_map(hx_conf_t *cf, hx_command_t *cmd, void *conf);


static hx_command_t  test_commands[] = {

    { hx_string("map"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_BLOCK|HX_CONF_NOARGS,
      test_map,
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


static hx_map_block_t       mb;
static hx_hash_combined_t   hash;
static hx_uint_t            max_size, bucket_size;


static void *
test_value(hx_map_block_t *b, hx_str_t *text)
{
    hx_str_t  *v;

    v = hx_palloc(b->keys.pool, sizeof(hx_str_t));
    if (v == NULL) {
        return NULL;
    }

    v->len = text->len;
    v->data = hx_pstrdup(b->keys.pool, text);

    return v->data ? v : NULL;
}


static hx_int_t
test_regex(hx_map_block_t *b, hx_regex_compile_t *rc, void *value)
{
    test_regex_t  *re;

    if (hx_regex_compile(rc) != HX_OK) {
        hx_conf_log_error(HX_LOG_EMERG, b->cf, 0, "%V", &rc->err);
        return HX_ERROR;
    }

    re = hx_array_push(&b->regexes);
    if (re == NULL) {
        return HX_ERROR;
    }

    re->regex = rc->regex;
    re->value = value;

    return HX_OK;
}


static char *
test_map(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    (void) cmd;

    hx_memzero(&mb, sizeof(hx_map_block_t));
    mb.value = test_value;
    mb.regex = test_regex;

    return hx_map_block(cf, conf, &mb, sizeof(test_regex_t), &max_size,
                        &bucket_size, &hash);
}


static void
setup(void)
{
    hxc_setup();

    hx_memzero(&hash, sizeof(hx_hash_combined_t));
    max_size = HX_CONF_UNSET_UINT;
    bucket_size = HX_CONF_UNSET_UINT;
}


TestSuite(hx_map, .init = setup, .fini = hxc_teardown);


/* the value of key as a C string, "" when the hashes have none */
static const char *
find(const char *key)
{
    size_t      len;
    uint8_t     low[64];
    hx_str_t   *v;

    len = strlen(key);
    cr_assert_lt(len, sizeof(low));
    hx_strlow(low, (uint8_t *) key, len);

    v = hx_hash_find_combined(&hash, hx_hash_key(low, len), low, len);

    return v ? hxc_cstr(v) : "";
}


/* the value of the first regex that matches, "" when none */
static const char *
find_regex(const char *subject)
{
    hx_str_t       s;
    hx_uint_t      i;
    test_regex_t  *re;

    s.len = strlen(subject);
    s.data = (uint8_t *) subject;

    re = mb.regexes.elts;

    for (i = 0; i < mb.regexes.nelts; i++) {
        if (hx_regex_exec(re[i].regex, &s, NULL, 0) >= 0) {
            return hxc_cstr(re[i].value);
        }
    }

    return "";
}


Test(hx_map, exact_keys_compare_without_case)
{
    cr_assert_eq(hxc_parse("map { Example.COM one; two 2; }"), HX_CONF_OK);

    cr_assert_str_eq(find("example.com"), "one");
    cr_assert_str_eq(find("TWO"), "2");
    cr_assert_str_eq(find("three"), "");
    cr_assert_null(mb.default_value);
}


Test(hx_map, default_and_keywords_are_recorded)
{
    cr_assert_eq(hxc_parse("map { hostnames; volatile; default d; k v; }"),
                 HX_CONF_OK);

    cr_assert(mb.hostnames);
    cr_assert(mb.no_cacheable);
    cr_assert_not_null(mb.default_value);
    cr_assert_str_eq(hxc_cstr(mb.default_value), "d");
}


Test(hx_map, backslash_makes_a_keyword_a_key)
{
    cr_assert_eq(hxc_parse("map { \\default x; \\~tilde y; }"), HX_CONF_OK);

    cr_assert_str_eq(find("default"), "x");
    cr_assert_str_eq(find("~tilde"), "y");
    cr_assert_null(mb.default_value);
    cr_assert_eq(mb.regexes.nelts, 0);
}


Test(hx_map, wildcards_need_hostnames)
{
    cr_assert_eq(hxc_parse("map { hostnames; *.example.com w; www.* t; }"),
                 HX_CONF_OK);

    cr_assert_str_eq(find("a.example.com"), "w");
    cr_assert_str_eq(find("www.other.org"), "t");
}


Test(hx_map, a_wildcard_without_hostnames_is_an_exact_key)
{
    cr_assert_eq(hxc_parse("map { *.example.com w; }"), HX_CONF_OK);

    cr_assert_str_eq(find("a.example.com"), "");
    cr_assert_str_eq(find("*.example.com"), "w");
}


Test(hx_map, regexes_are_kept_in_file_order)
{
    cr_assert_eq(hxc_parse("map { ~^a first; ~^ab second; ~*^X caseless; }"),
                 HX_CONF_OK);

    cr_assert_eq(mb.regexes.nelts, 3);
    cr_assert_str_eq(find_regex("abc"), "first");
    cr_assert_str_eq(find_regex("xyz"), "caseless");
    cr_assert_str_eq(find_regex("zzz"), "");
}


Test(hx_map, include_reads_lines_from_a_file)
{
    hxc_write_file("keys.map", "from-file f;\n");

    cr_assert_eq(hxc_parse("map { include keys.map; here h; }"), HX_CONF_OK);

    cr_assert_str_eq(find("from-file"), "f");
    cr_assert_str_eq(find("here"), "h");
}


Test(hx_map, hash_sizes_get_defaults_and_cache_line_rounding)
{
    cr_assert_eq(hxc_parse("map { a b; }"), HX_CONF_OK);
    cr_assert_eq(max_size, 2048);
    cr_assert_eq(bucket_size, 64);

    max_size = 512;
    bucket_size = 100;
    cr_assert_eq(hxc_parse("map { a b; }"), HX_CONF_OK);
    cr_assert_eq(max_size, 512);
    cr_assert_eq(bucket_size, 128);
}


Test(hx_map, duplicate_default_is_refused)
{
    cr_assert_eq(hxc_parse("map { default a; default b; }"), HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error, "duplicate default map parameter"));
}


Test(hx_map, a_line_with_three_words_is_refused)
{
    cr_assert_eq(hxc_parse("map { a b c; }"), HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error,
                              "invalid number of the map parameters"));
}


Test(hx_map, a_key_given_twice_is_a_conflict)
{
    cr_assert_eq(hxc_parse("map { a b; A c; }"), HX_CONF_ERROR, "%s", hxc_error);
    cr_assert_not_null(strstr(hxc_error, "conflicting parameter \"a\""),
                       "%s", hxc_error);
}


Test(hx_map, a_bad_wildcard_is_refused_with_hostnames)
{
    cr_assert_eq(hxc_parse("map { hostnames; a.*.b x; }"), HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error,
                              "invalid hostname or wildcard \"a.*.b\""));
}


Test(hx_map, a_bad_regex_fails_the_block)
{
    cr_assert_eq(hxc_parse("map { ~(open x; }"), HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error, "pcre2_compile() failed"));
}


Test(hx_map, variable_name_drops_the_dollar)
{
    hx_str_t  arg = hx_string("$result"), name;

    cr_assert_eq(hx_map_variable_name(&hxc_cf, &arg, &name), HX_OK);
    cr_assert_eq(name.len, 6);
    cr_assert_eq(memcmp(name.data, "result", 6), 0);
}


Test(hx_map, variable_name_without_a_dollar_is_refused)
{
    hx_str_t  arg = hx_string("result"), one = hx_string("$"), name;

    cr_assert_eq(hx_map_variable_name(&hxc_cf, &arg, &name), HX_ERROR);
    cr_assert_not_null(strstr(hxc_error,
                              "invalid variable name \"result\""));
    cr_assert_eq(hx_map_variable_name(&hxc_cf, &one, &name), HX_ERROR);
}

/*
 * Tests for http/modules/hx_http_map_module.c: map blocks parsed by the
 * real dispatcher and looked up through the variable they define --
 * exact keys (case-insensitively), hostnames with both wildcard forms,
 * regexes in file order with captures usable in the value, values with
 * variables, the default, include, "\" escapes and volatile -- plus the
 * messages nginx gives for a broken block.
 */

#include "hx_http_modules_fixture.h"


TestSuite(http_map, .init = hxh_init);


#define HXH_SERVER  "server { listen 127.0.0.1:9000; location / { } }\n"


static char *
hxh_map(const char *var, const char *args)
{
    return hxh_var(hxh_request("127.0.0.1:1", "/", args), var);
}


Test(http_map, exact_keys_and_the_default)
{
    hxh_parse_ok("http {\n"
                 "map $args $x { default 0; foo bar; foo2 baz; }\n"
                 HXH_SERVER "}\n");

    cr_assert_str_eq(hxh_map("x", "foo"), "bar");
    cr_assert_str_eq(hxh_map("x", "foo2"), "baz");
    cr_assert_str_eq(hxh_map("x", "FOO"), "bar");
    cr_assert_str_eq(hxh_map("x", "fo"), "0");
    cr_assert_str_eq(hxh_map("x", ""), "0");
}


Test(http_map, without_default_a_miss_is_empty)
{
    hxh_parse_ok("http { map $args $x { foo bar; }\n" HXH_SERVER "}\n");

    cr_assert_str_eq(hxh_map("x", "nope"), "");
}


Test(http_map, hostnames_take_wildcards_at_both_ends)
{
    hxh_parse_ok("http {\n"
                 "map $args $y {\n"
                 "    hostnames;\n"
                 "    default            0;\n"
                 "    example.com        exact;\n"
                 "    example.*          right;\n"
                 "    *.example.com      left;\n"
                 "    .dot.example.com   dot;\n"
                 "}\n" HXH_SERVER "}\n");

    cr_assert_str_eq(hxh_map("y", "example.com"), "exact");
    cr_assert_str_eq(hxh_map("y", "example.com."), "exact");
    cr_assert_str_eq(hxh_map("y", "example.org"), "right");
    cr_assert_str_eq(hxh_map("y", "www.example.com"), "left");
    cr_assert_str_eq(hxh_map("y", "dot.example.com"), "dot");
    cr_assert_str_eq(hxh_map("y", "a.dot.example.com"), "dot");
    cr_assert_str_eq(hxh_map("y", "example"), "0");
}


Test(http_map, regexes_in_order_with_captures)
{
    hxh_parse_ok("http {\n"
                 "map $args $y {\n"
                 "    default              0;\n"
                 "    ~^REGEX\\.ORG$        sensitive;\n"
                 "    ~*^www\\.(.+)$        insensitive-$1;\n"
                 "    ~^www                never;\n"
                 "}\n" HXH_SERVER "}\n");

    cr_assert_str_eq(hxh_map("y", "REGEX.ORG"), "sensitive");
    cr_assert_str_eq(hxh_map("y", "regex.org"), "0");
    cr_assert_str_eq(hxh_map("y", "WWW.example.net"),
                     "insensitive-example.net");
}


Test(http_map, values_with_variables_and_other_maps)
{
    hxh_parse_ok("http {\n"
                 "map $args $x { var foo:$y; var2 $y:foo; default foo:$y; }\n"
                 "map $args $y { default bar; same baz; }\n"
                 HXH_SERVER "}\n");

    cr_assert_str_eq(hxh_map("x", "var"), "foo:bar");
    cr_assert_str_eq(hxh_map("x", "var2"), "bar:foo");
    cr_assert_str_eq(hxh_map("x", "same"), "foo:baz");
}


Test(http_map, include_and_escaped_keywords)
{
    hxh_write("map.conf", "included yes;\n");

    hxh_parse_ok("http {\n"
                 "map $args $z {\n"
                 "    default    0;\n"
                 "    include    %s/map.conf;\n"
                 "    \\include   keyword;\n"
                 "    \\default   other;\n"
                 "}\n" HXH_SERVER "}\n");

    cr_assert_str_eq(hxh_map("z", "included"), "yes");
    cr_assert_str_eq(hxh_map("z", "include"), "keyword");
    cr_assert_str_eq(hxh_map("z", "default"), "other");
}


Test(http_map, the_source_may_be_a_complex_value)
{
    hxh_parse_ok("http { map $args:$uri $x { a:/b hit; }\n" HXH_SERVER
                 "}\n");

    cr_assert_str_eq(hxh_var(hxh_request("127.0.0.1:1", "/b", "a"), "x"),
                     "hit");
}


Test(http_map, volatile_makes_the_variable_uncacheable)
{
    hx_uint_t                   key;
    hx_str_t                    name = hx_string("x");
    hx_http_variable_t         *v;
    hx_http_core_main_conf_t   *cmcf;

    hxh_parse_ok("http { map $uri $x { volatile; /a b; }\n" HXH_SERVER
                 "}\n");

    cmcf = hxh_cmcf();
    key = hx_hash_key(name.data, name.len);
    v = hx_hash_find(&cmcf->variables_hash, key, name.data, name.len);

    cr_assert_not_null(v);
    cr_assert(v->flags & HX_HTTP_VAR_NOCACHEABLE);
}


Test(http_map, a_second_default_is_refused)
{
    hxh_parse_fails("http { map $args $x { default a; default b; }\n"
                    HXH_SERVER "}\n", "duplicate default map parameter in ");
}


Test(http_map, a_repeated_key_is_refused)
{
    hxh_parse_fails("http { map $args $x { foo a; FOO b; }\n"
                    HXH_SERVER "}\n", "conflicting parameter \"foo\" in ");
}


Test(http_map, a_bad_wildcard_is_refused)
{
    hxh_parse_fails("http { map $args $x { hostnames; *.ex*.com a; }\n"
                    HXH_SERVER "}\n",
                    "invalid hostname or wildcard \"*.ex*.com\"");
}


Test(http_map, a_line_with_three_words_is_refused)
{
    hxh_parse_fails("http { map $args $x { a b c; }\n" HXH_SERVER "}\n",
                    "invalid number of the map parameters in ");
}


Test(http_map, the_result_must_be_a_variable)
{
    hxh_parse_fails("http { map $args x { a b; }\n" HXH_SERVER "}\n",
                    "invalid variable name \"x\"");
}


Test(http_map, a_bad_regex_is_refused)
{
    cr_assert_eq(hxh_parse("http { map $args $x { ~(a b; }\n" HXH_SERVER
                           "}\n"), HX_ERROR);
}

/*
 * Tests for http/modules/hx_http_geo_module.c: geo blocks parsed by the
 * real dispatcher, then looked up for made-up clients -- longest prefix
 * wins in CIDR mode (IPv4 and IPv6), "default" and "delete", ranges that
 * split the range they land in, overlaps refused as nginx refuses them,
 * unix clients as 255.255.255.255, and addresses behind trusted proxies.
 */

#include "hx_http_modules_fixture.h"


TestSuite(http_geo, .init = hxh_init);


#define HXH_SERVER  "server { listen 127.0.0.1:9000; location / { } }\n"


Test(http_geo, the_longest_matching_network_wins)
{
    hxh_parse_ok("http {\n"
                 "geo $g {\n"
                 "    default        world;\n"
                 "    10.0.0.0/8     ten;\n"
                 "    10.1.0.0/16    ten-one;\n"
                 "    10.1.2.3       host;\n"
                 "}\n" HXH_SERVER "}\n");

    cr_assert_str_eq(hxh_var(hxh_request("10.9.9.9:1", "/", NULL), "g"),
                     "ten");
    cr_assert_str_eq(hxh_var(hxh_request("10.1.9.9:1", "/", NULL), "g"),
                     "ten-one");
    cr_assert_str_eq(hxh_var(hxh_request("10.1.2.3:1", "/", NULL), "g"),
                     "host");
    cr_assert_str_eq(hxh_var(hxh_request("192.0.2.1:1", "/", NULL), "g"),
                     "world");
}


Test(http_geo, without_default_an_unknown_address_is_empty)
{
    hxh_parse_ok("http { geo $g { 10.0.0.0/8 ten; }\n" HXH_SERVER "}\n");

    cr_assert_str_eq(hxh_var(hxh_request("192.0.2.1:1", "/", NULL), "g"),
                     "");
}


Test(http_geo, ipv6_networks_and_mapped_ipv4_clients)
{
    hxh_parse_ok("http {\n"
                 "geo $g {\n"
                 "    default          none;\n"
                 "    2001:db8::/32    doc;\n"
                 "    ::1              lo6;\n"
                 "    192.0.2.0/24     test;\n"
                 "}\n" HXH_SERVER "}\n");

    cr_assert_str_eq(hxh_var(hxh_request("[2001:db8::5]:1", "/", NULL),
                             "g"), "doc");
    cr_assert_str_eq(hxh_var(hxh_request("[::1]:1", "/", NULL), "g"),
                     "lo6");
    cr_assert_str_eq(hxh_var(hxh_request("[::ffff:192.0.2.7]:1", "/", NULL),
                             "g"), "test");
    cr_assert_str_eq(hxh_var(hxh_request("[2001:db9::1]:1", "/", NULL),
                             "g"), "none");
}


Test(http_geo, delete_removes_a_network_and_a_duplicate_replaces_it)
{
    hxh_parse_ok("http {\n"
                 "geo $g {\n"
                 "    127.0.0.0/8   loopback;\n"
                 "    0.0.0.0/0     world;\n"
                 "    192.0.2.0/24  old;\n"
                 "    192.0.2.0/24  new;\n"
                 "    delete        127.0.0.0/8;\n"
                 "}\n" HXH_SERVER "}\n");

    cr_assert(hxh_logged_has("duplicate network \"192.0.2.0/24\", "
                             "value: \"new\", old value: \"old\""),
              "%s", hxh_logged);

    cr_assert_str_eq(hxh_var(hxh_request("127.0.0.1:1", "/", NULL), "g"),
                     "world");
    cr_assert_str_eq(hxh_var(hxh_request("192.0.2.9:1", "/", NULL), "g"),
                     "new");
}


Test(http_geo, the_address_can_come_from_a_variable)
{
    hxh_parse_ok("http {\n"
                 "geo $arg_ip $g {\n"
                 "    default       default;\n"
                 "    192.0.2.0/24  test;\n"
                 "    255.255.255.255  none;\n"
                 "}\n" HXH_SERVER "}\n");

    cr_assert_str_eq(hxh_var(hxh_request("127.0.0.1:1", "/", "ip=192.0.2.1"),
                             "g"), "test");
    cr_assert_str_eq(hxh_var(hxh_request("127.0.0.1:1", "/", "ip=10.0.0.1"),
                             "g"), "default");

    /* not an address: looked up as 255.255.255.255 */
    cr_assert_str_eq(hxh_var(hxh_request("127.0.0.1:1", "/", "ip=junk"),
                             "g"), "none");
}


Test(http_geo, a_unix_client_is_255_255_255_255)
{
    hxh_parse_ok("http {\n"
                 "geo $g { default default; 255.255.255.255 none; }\n"
                 "geo $r { ranges; 0.0.0.0-255.255.255.254 test;"
                 " default none; }\n"
                 HXH_SERVER "}\n");

    cr_assert_str_eq(hxh_var(hxh_request("unix:", "/", NULL), "g"), "none");
    cr_assert_str_eq(hxh_var(hxh_request("unix:", "/", NULL), "r"), "none");
}


Test(http_geo, ranges_are_found_by_address)
{
    hxh_parse_ok("http {\n"
                 "geo $g {\n"
                 "    ranges;\n"
                 "    default                  default;\n"
                 "    10.0.0.0-10.0.0.255      a;\n"
                 "    10.0.1.0-10.0.255.255    b;\n"
                 "    192.0.2.0-192.0.2.255    c;\n"
                 "}\n" HXH_SERVER "}\n");

    cr_assert_str_eq(hxh_var(hxh_request("10.0.0.0:1", "/", NULL), "g"),
                     "a");
    cr_assert_str_eq(hxh_var(hxh_request("10.0.0.255:1", "/", NULL), "g"),
                     "a");
    cr_assert_str_eq(hxh_var(hxh_request("10.0.7.1:1", "/", NULL), "g"),
                     "b");
    cr_assert_str_eq(hxh_var(hxh_request("192.0.2.128:1", "/", NULL), "g"),
                     "c");
    cr_assert_str_eq(hxh_var(hxh_request("10.1.0.0:1", "/", NULL), "g"),
                     "default");
}


Test(http_geo, a_range_inside_another_splits_it)
{
    hxh_parse_ok("http {\n"
                 "geo $g {\n"
                 "    ranges;\n"
                 "    default                default;\n"
                 "    127.0.0.0-127.0.0.255  test;\n"
                 "    127.0.0.1-127.0.0.2    test2;\n"
                 "    127.0.0.1-127.0.0.1    loopback;\n"
                 "}\n" HXH_SERVER "}\n");

    cr_assert_str_eq(hxh_var(hxh_request("127.0.0.0:1", "/", NULL), "g"),
                     "test");
    cr_assert_str_eq(hxh_var(hxh_request("127.0.0.1:1", "/", NULL), "g"),
                     "loopback");
    cr_assert_str_eq(hxh_var(hxh_request("127.0.0.2:1", "/", NULL), "g"),
                     "test2");
    cr_assert_str_eq(hxh_var(hxh_request("127.0.0.3:1", "/", NULL), "g"),
                     "test");
}


Test(http_geo, a_range_across_another_is_refused)
{
    hxh_parse_fails("http {\n"
                    "geo $g {\n"
                    "    ranges;\n"
                    "    10.0.0.0-10.0.0.9   a;\n"
                    "    10.0.0.5-10.0.0.20  b;\n"
                    "}\n" HXH_SERVER "}\n",
                    "range \"10.0.0.5-10.0.0.20\" overlaps "
                    "\"10.0.0.0-10.0.0.9\" in ");
}


Test(http_geo, delete_removes_exactly_the_range_given)
{
    hxh_parse_ok("http {\n"
                 "geo $g {\n"
                 "    ranges;\n"
                 "    default                default;\n"
                 "    127.0.0.0-127.0.0.255  test;\n"
                 "    127.0.0.1-127.0.0.1    loopback;\n"
                 "    delete                 127.0.0.0-127.0.0.0;\n"
                 "    delete                 127.0.0.2-127.0.0.255;\n"
                 "    delete                 10.0.0.0-10.0.0.1;\n"
                 "}\n" HXH_SERVER "}\n");

    cr_assert(hxh_logged_has("no address range \"10.0.0.0-10.0.0.1\" "
                             "to delete"), "%s", hxh_logged);

    cr_assert_str_eq(hxh_var(hxh_request("127.0.0.0:1", "/", NULL), "g"),
                     "default");
    cr_assert_str_eq(hxh_var(hxh_request("127.0.0.1:1", "/", NULL), "g"),
                     "loopback");
    cr_assert_str_eq(hxh_var(hxh_request("127.0.0.9:1", "/", NULL), "g"),
                     "default");
}


Test(http_geo, bad_ranges_and_networks_are_refused)
{
    hxh_parse_fails("http { geo $g { ranges; 10.0.0.9-10.0.0.1 x; }\n"
                    HXH_SERVER "}\n", "invalid range \"10.0.0.9-10.0.0.1\"");
}


Test(http_geo, a_bad_network_is_refused)
{
    hxh_parse_fails("http { geo $g { 10.0.0.300/8 x; }\n" HXH_SERVER "}\n",
                    "invalid network \"10.0.0.300/8\"");
}


Test(http_geo, ranges_must_come_first)
{
    hxh_parse_fails("http { geo $g { 10.0.0.0/8 x; ranges; }\n"
                    HXH_SERVER "}\n",
                    "the \"ranges\" directive must be the first directive "
                    "inside \"geo\" block");
}


Test(http_geo, trusted_proxies_hand_over_the_forwarded_address)
{
    hx_http_request_t  *r;

    hxh_parse_ok("http {\n"
                 "geo $g {\n"
                 "    default       default;\n"
                 "    proxy         127.0.0.1;\n"
                 "    127.0.0.0/8   loopback;\n"
                 "    192.0.2.0/24  test;\n"
                 "}\n" HXH_SERVER "}\n");

    r = hxh_request("127.0.0.1:1", "/", NULL);
    r->headers_in.x_forwarded_for = hxh_header(r, "X-Forwarded-For",
                                               "10.0.0.1, 192.0.2.1");
    cr_assert_str_eq(hxh_var(r, "g"), "test");

    /* an untrusted peer's header is ignored */
    r = hxh_request("10.0.0.7:1", "/", NULL);
    r->headers_in.x_forwarded_for = hxh_header(r, "X-Forwarded-For",
                                               "192.0.2.1");
    cr_assert_str_eq(hxh_var(r, "g"), "default");
}


Test(http_geo, volatile_makes_the_variable_uncacheable)
{
    hx_uint_t                   key;
    hx_str_t                    name = hx_string("g");
    hx_http_variable_t         *v;
    hx_http_core_main_conf_t   *cmcf;

    hxh_parse_ok("http { geo $g { volatile; default x; }\n" HXH_SERVER
                 "}\n");

    cmcf = hxh_cmcf();
    key = hx_hash_key(name.data, name.len);
    v = hx_hash_find(&cmcf->variables_hash, key, name.data, name.len);

    cr_assert_not_null(v);
    cr_assert(v->flags & HX_HTTP_VAR_NOCACHEABLE);
}

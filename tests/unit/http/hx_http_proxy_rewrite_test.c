/*
 * Tests for http/modules/hx_http_proxy_rewrite.c: proxy_redirect (the
 * implied default with and without a URI part, strings with variables,
 * regexes with captures, several rules tried in order, "off"), Refresh's
 * url= part, the proxy_cookie_domain / _path / _flags rewrites of
 * Set-Cookie, and the configuration errors nginx gives.
 */

#include "hx_http_upstream_fixture.h"


TestSuite(http_proxy_rewrite, .init = hxh_init);


#define HXW_CONF                                                              \
    HXU_HTTP("",                                                              \
        "location /one/ { proxy_pass http://127.0.0.1:9001/two/; }\n"        \
        "location /plain { proxy_pass http://127.0.0.1:9001; }\n"            \
        "location /rules { proxy_pass http://127.0.0.1:9001;\n"              \
        "    proxy_redirect http://x/a/ /b/;\n"                              \
        "    proxy_redirect ~*^http://(\\w+)\\.example/(.*)$ /$1/$2;\n"      \
        "    proxy_redirect http://$host/ /host/; }\n"                       \
        "location /flags { proxy_pass http://127.0.0.1:9001;\n"              \
        "    proxy_cookie_flags one secure httponly samesite=strict;\n"      \
        "    proxy_cookie_flags ~^t nosecure nohttponly nosamesite; }\n"     \
        "location /dom { proxy_pass http://127.0.0.1:9001;\n"                \
        "    proxy_cookie_domain ~\\.?(\\w+)\\.local$ $1.org;\n"             \
        "    proxy_cookie_path ~*^/A(.*)$ /z$1; }")


static hx_uint_t  hxw_parsed;


static hx_http_request_t *
hxw_request(const char *uri)
{
    if (!hxw_parsed) {
        hxh_parse_ok(HXW_CONF);
        hxw_parsed = 1;
    }

    return hxu_request(uri, NULL);
}


/* what the location's rules make of a Location value (or "DECLINED") */
static char *
hxw_redirect(const char *uri, const char *location)
{
    char               *s;
    hx_int_t            rc;
    hx_table_elt_t      h;
    hx_http_request_t  *r;

    r = hxw_request(uri);
    hx_str_set(&r->headers_in.server, "myhost");

    hx_memzero(&h, sizeof(hx_table_elt_t));
    h.value.data = (uint8_t *) location;
    h.value.len = strlen(location);

    rc = hx_http_proxy_rewrite_redirect(r, &h, 0);

    if (rc == HX_DECLINED) {
        return "DECLINED";
    }

    cr_assert_eq(rc, HX_OK);

    s = (char *) hx_pnalloc(r->pool, h.value.len + 1);
    cr_assert_not_null(s);
    hx_memcpy(s, h.value.data, h.value.len);
    s[h.value.len] = '\0';

    return s;
}


/* a Set-Cookie value after the location's cookie rules */
static char *
hxw_cookie(const char *uri, const char *cookie)
{
    char               *s;
    hx_int_t            rc;
    hx_table_elt_t      h;
    hx_http_request_t  *r;

    r = hxw_request(uri);

    hx_memzero(&h, sizeof(hx_table_elt_t));
    h.value.len = strlen(cookie);
    h.value.data = hx_pnalloc(r->pool, h.value.len + 1);
    cr_assert_not_null(h.value.data);
    hx_memcpy(h.value.data, cookie, h.value.len + 1);

    rc = hx_http_proxy_rewrite_cookie(r, &h);

    if (rc == HX_DECLINED) {
        return "DECLINED";
    }

    cr_assert_eq(rc, HX_OK);

    s = (char *) hx_pnalloc(r->pool, h.value.len + 1);
    cr_assert_not_null(s);
    hx_memcpy(s, h.value.data, h.value.len);
    s[h.value.len] = '\0';

    return s;
}


Test(http_proxy_rewrite, default_maps_the_uri_part_to_the_location)
{
    cr_assert_str_eq(hxw_redirect("/one/", "http://127.0.0.1:9001/two/x"),
                     "/one/x");
    cr_assert_str_eq(hxw_redirect("/one/", "http://other/two/x"),
                     "DECLINED");
}


Test(http_proxy_rewrite, default_without_uri_part_strips_the_host)
{
    cr_assert_str_eq(hxw_redirect("/plain", "http://127.0.0.1:9001/p?q"),
                     "/p?q");
}


Test(http_proxy_rewrite, rules_in_order_strings_and_regexes)
{
    cr_assert_str_eq(hxw_redirect("/rules", "http://x/a/page"), "/b/page");
    cr_assert_str_eq(hxw_redirect("/rules", "HTTP://shop.example/cart"),
                     "/shop/cart");
    cr_assert_str_eq(hxw_redirect("/rules", "http://myhost/path"),
                     "/host/path");
    cr_assert_str_eq(hxw_redirect("/rules", "http://y/"), "DECLINED");
}


Test(http_proxy_rewrite, cookie_flags_added_and_removed)
{
    cr_assert_str_eq(hxw_cookie("/flags", "one=1; Path=/"),
                     "one=1; Path=/; Secure; HttpOnly; SameSite=Strict");
    cr_assert_str_eq(hxw_cookie("/flags", "one=1; secure; samesite=lax"),
                     "one=1; secure; SameSite=Strict; HttpOnly");
    cr_assert_str_eq(hxw_cookie("/flags",
                                "two=2; Secure; HttpOnly; SameSite=None; x"),
                     "two=2; x");
    cr_assert_str_eq(hxw_cookie("/flags", "other=3; Secure"), "DECLINED");
}


Test(http_proxy_rewrite, cookie_domain_and_path_regexes)
{
    cr_assert_str_eq(hxw_cookie("/dom",
                                "s=1; Domain=.api.local; Path=/Area/x"),
                     "s=1; Domain=api.org; Path=/zrea/x");
    cr_assert_str_eq(hxw_cookie("/dom", "s=1; Domain=example.com"),
                     "DECLINED");
}


Test(http_proxy_rewrite, cookie_without_value_is_left_alone)
{
    cr_assert_str_eq(hxw_cookie("/dom", "novalue; Domain=a.local"),
                     "DECLINED");
}


Test(http_proxy_rewrite, default_before_proxy_pass_is_refused)
{
    hxh_parse_fails(HXU_HTTP("",
        "location / { proxy_redirect default; "
        "proxy_pass http://127.0.0.1:9001; }"),
        "\"proxy_redirect default\" should be placed after the "
        "\"proxy_pass\" directive");
}


Test(http_proxy_rewrite, default_with_variables_is_refused)
{
    hxh_parse_fails(HXU_HTTP("",
        "location / { proxy_pass http://$host; proxy_redirect default; }"),
        "\"proxy_redirect default\" cannot be used with \"proxy_pass\" "
        "directive with variables");
}


Test(http_proxy_rewrite, uri_part_in_regex_location_is_refused)
{
    hxh_parse_fails(HXU_HTTP("",
        "location ~ ^/r { proxy_pass http://127.0.0.1:9001/x/; }"),
        "\"proxy_pass\" cannot have URI part in location given by "
        "regular expression");
}

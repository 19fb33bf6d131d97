/*
 * Tests for http/modules/hx_http_limit_conn_module.c: counters in a real
 * shared zone -- requests in progress per key up to the limit, the count
 * given back when a request's pool goes (and at once when a later limit
 * refuses), dry run, $limit_conn_status -- and the directives' messages.
 */

#include "hx_http_modules_fixture.h"

#define hx_http_limit_conn_module  hxh_limit_conn_copy
#include "hx_http_limit_conn_module.c"
#undef hx_http_limit_conn_module

extern hx_module_t  hx_http_limit_conn_module;


TestSuite(http_limit_conn, .init = hxh_init);


static void
hxh_lc_parse_ok(const char *text)
{
    hxh_parse_ok(text);
    hxh_init_zones();
    hxh_limit_conn_copy.ctx_index = hx_http_limit_conn_module.ctx_index;
}


static hx_int_t
hxh_lc(const char *client, const char *uri, hx_http_request_t **rp)
{
    hx_http_request_t  *r;

    r = hxh_request(client, uri, NULL);
    *rp = r;

    return hx_http_limit_conn_handler(r);
}


#define HXH_ZONES                                                             \
    "http {\n"                                                                \
    "limit_conn_zone $binary_remote_addr zone=addr:1m;\n"                     \
    "limit_conn_zone $uri zone=uri:1m;\n"                                     \
    "server { listen 127.0.0.1:9000;\n"


Test(http_limit_conn, requests_in_progress_up_to_the_limit)
{
    hx_http_request_t  *r1, *r2, *r3, *other;

    hxh_lc_parse_ok(HXH_ZONES "location / { limit_conn addr 2; } } }\n");

    cr_assert_eq(hxh_lc("10.0.0.1:1", "/", &r1), HX_DECLINED);
    cr_assert_str_eq(hxh_var(r1, "limit_conn_status"), "PASSED");
    cr_assert_eq(hxh_lc("10.0.0.1:2", "/", &r2), HX_DECLINED);

    cr_assert_eq(hxh_lc("10.0.0.1:3", "/", &r3), HX_HTTP_SERVICE_UNAVAILABLE);
    cr_assert_str_eq(hxh_var(r3, "limit_conn_status"), "REJECTED");
    cr_assert(hxh_logged_has("limiting connections by zone \"addr\""),
              "%s", hxh_logged);

    cr_assert_eq(hxh_lc("10.0.0.2:1", "/", &other), HX_DECLINED);

    /* a request that ends makes room */
    hx_destroy_pool(r1->pool);
    cr_assert_eq(hxh_lc("10.0.0.1:4", "/", &r3), HX_DECLINED);
}


Test(http_limit_conn, a_refusal_gives_back_what_earlier_limits_took)
{
    hx_http_request_t  *a, *b, *c;

    hxh_lc_parse_ok(HXH_ZONES
                    "location / { limit_conn addr 5; limit_conn uri 1; }"
                    " } }\n");

    cr_assert_eq(hxh_lc("10.0.0.1:1", "/x", &a), HX_DECLINED);

    /* refused by "uri": the count in "addr" must not stay behind */
    cr_assert_eq(hxh_lc("10.0.0.1:2", "/x", &b),
                 HX_HTTP_SERVICE_UNAVAILABLE);
    cr_assert_eq(hxh_lc("10.0.0.1:3", "/x", &b),
                 HX_HTTP_SERVICE_UNAVAILABLE);
    cr_assert_eq(hxh_lc("10.0.0.1:4", "/x", &b),
                 HX_HTTP_SERVICE_UNAVAILABLE);
    cr_assert_eq(hxh_lc("10.0.0.1:5", "/x", &b),
                 HX_HTTP_SERVICE_UNAVAILABLE);

    cr_assert_eq(hxh_lc("10.0.0.1:6", "/y", &b), HX_DECLINED);
    cr_assert_eq(hxh_lc("10.0.0.1:7", "/z", &c), HX_DECLINED);
}


Test(http_limit_conn, dry_run_and_status)
{
    hx_http_request_t  *a, *b;

    hxh_lc_parse_ok(HXH_ZONES
                    "location / { limit_conn addr 1; limit_conn_dry_run on;"
                    " limit_conn_status 429; } } }\n");

    cr_assert_eq(hxh_lc("10.0.0.1:1", "/", &a), HX_DECLINED);
    cr_assert_eq(hxh_lc("10.0.0.1:2", "/", &b), HX_DECLINED);
    cr_assert_str_eq(hxh_var(b, "limit_conn_status"), "REJECTED_DRY_RUN");
    cr_assert(hxh_logged_has("limiting connections, dry run"), "%s",
              hxh_logged);
}


Test(http_limit_conn, the_status_code_is_configurable)
{
    hx_http_request_t  *a, *b;

    hxh_lc_parse_ok(HXH_ZONES
                    "location / { limit_conn addr 1; limit_conn_status 429; }"
                    " } }\n");

    cr_assert_eq(hxh_lc("10.0.0.1:1", "/", &a), HX_DECLINED);
    cr_assert_eq(hxh_lc("10.0.0.1:2", "/", &b), 429);
}


Test(http_limit_conn, without_limits_nothing_is_counted)
{
    hx_http_request_t  *a;

    hxh_lc_parse_ok(HXH_ZONES "location / { } } }\n");

    cr_assert_eq(hxh_lc("10.0.0.1:1", "/", &a), HX_DECLINED);
    cr_assert_str_eq(hxh_var(a, "limit_conn_status"), "-");
}


Test(http_limit_conn, a_bad_number_is_refused)
{
    hxh_parse_fails(HXH_ZONES "limit_conn addr 0; } }\n",
                    "invalid number of connections \"0\" in ");
}


Test(http_limit_conn, the_same_zone_twice_is_refused)
{
    hxh_parse_fails(HXH_ZONES "limit_conn addr 1; limit_conn addr 2; } }\n",
                    "\"limit_conn\" directive is duplicate in ");
}


Test(http_limit_conn, a_zone_needs_its_size)
{
    hxh_parse_fails("http { limit_conn_zone $uri zone=z; }\n",
                    "invalid zone size \"zone=z\" in ");
}

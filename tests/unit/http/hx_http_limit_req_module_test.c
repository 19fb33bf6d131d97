/*
 * Tests for http/modules/hx_http_limit_req_module.c: the leaky bucket in
 * a real shared zone, driven with a hand-set clock -- burst then refusal,
 * draining at the rate, a delay when the excess is above "delay", keys
 * kept apart, several limits checked together, dry run, the
 * $limit_req_status variable -- and the directives' messages.
 */

#include "hx_http_modules_fixture.h"

#define hx_http_limit_req_module  hxh_limit_req_copy
#include "hx_http_limit_req_module.c"
#undef hx_http_limit_req_module

extern hx_module_t  hx_http_limit_req_module;


TestSuite(http_limit_req, .init = hxh_init);


static void
hxh_lr_parse_ok(const char *text)
{
    hxh_parse_ok(text);
    hxh_init_zones();
    hxh_limit_req_copy.ctx_index = hx_http_limit_req_module.ctx_index;
    hx_current_msec = 1000000;
}


/* one request from client to uri; returns the handler's verdict */
static hx_int_t
hxh_lr(const char *client, const char *uri, hx_http_request_t **rp)
{
    hx_http_request_t  *r;

    r = hxh_request(client, uri, NULL);

    if (rp) {
        *rp = r;
    }

    return hx_http_limit_req_handler(r);
}


#define HXH_ZONES                                                             \
    "http {\n"                                                                \
    "limit_req_zone $binary_remote_addr zone=one:1m rate=2r/s;\n"             \
    "limit_req_zone $binary_remote_addr zone=slow:1m rate=1r/m;\n"            \
    "server { listen 127.0.0.1:9000;\n"


Test(http_limit_req, burst_then_refusal_then_draining)
{
    hx_http_request_t  *r;

    hxh_lr_parse_ok(HXH_ZONES
                    "location / { limit_req zone=one burst=1 nodelay; }"
                    " } }\n");

    cr_assert_eq(hxh_lr("10.0.0.1:1", "/", &r), HX_DECLINED);
    cr_assert_str_eq(hxh_var(r, "limit_req_status"), "PASSED");

    cr_assert_eq(hxh_lr("10.0.0.1:1", "/", NULL), HX_DECLINED);

    cr_assert_eq(hxh_lr("10.0.0.1:1", "/", &r), HX_HTTP_SERVICE_UNAVAILABLE);
    cr_assert_str_eq(hxh_var(r, "limit_req_status"), "REJECTED");
    cr_assert(hxh_logged_has("limiting requests, excess: 2.000 by zone "
                             "\"one\""), "%s", hxh_logged);

    /* another client has a bucket of its own */
    cr_assert_eq(hxh_lr("10.0.0.2:1", "/", NULL), HX_DECLINED);

    /* half a second drains one request at 2r/s */
    hx_current_msec += 500;
    cr_assert_eq(hxh_lr("10.0.0.1:1", "/", NULL), HX_DECLINED);
    cr_assert_eq(hxh_lr("10.0.0.1:1", "/", NULL), HX_HTTP_SERVICE_UNAVAILABLE);
}


Test(http_limit_req, a_burst_without_nodelay_delays)
{
    hx_http_request_t  *r;

    hxh_lr_parse_ok(HXH_ZONES
                    "location / { limit_req zone=one burst=5; } } }\n");

    cr_assert_eq(hxh_lr("10.0.0.1:1", "/", NULL), HX_DECLINED);

    cr_assert_eq(hxh_lr("10.0.0.1:1", "/", &r), HX_AGAIN);
    cr_assert_str_eq(hxh_var(r, "limit_req_status"), "DELAYED");
    cr_assert(r->connection->write->delayed);
    cr_assert(r->connection->write->timer_set);

    /* excess 1 at 2r/s: half a second */
    cr_assert_eq(r->connection->write->timer.key, hx_current_msec + 500);

    hx_event_del_timer(r->connection->write);
}


Test(http_limit_req, delay_lets_the_first_requests_through)
{
    hx_http_request_t  *r;

    hxh_lr_parse_ok(HXH_ZONES
                    "location / { limit_req zone=one burst=5 delay=2; }"
                    " } }\n");

    cr_assert_eq(hxh_lr("10.0.0.1:1", "/", NULL), HX_DECLINED);
    cr_assert_eq(hxh_lr("10.0.0.1:1", "/", NULL), HX_DECLINED);
    cr_assert_eq(hxh_lr("10.0.0.1:1", "/", NULL), HX_DECLINED);
    cr_assert_eq(hxh_lr("10.0.0.1:1", "/", &r), HX_AGAIN);

    hx_event_del_timer(r->connection->write);
}


Test(http_limit_req, the_status_code_and_log_level_are_configurable)
{
    hxh_lr_parse_ok(HXH_ZONES
                    "location / { limit_req zone=slow;"
                    " limit_req_status 429; limit_req_log_level warn; }"
                    " } }\n");

    cr_assert_eq(hxh_lr("10.0.0.1:1", "/", NULL), HX_DECLINED);
    cr_assert_eq(hxh_lr("10.0.0.1:1", "/", NULL), 429);
    cr_assert(hxh_logged_has("limiting requests"), "%s", hxh_logged);
}


Test(http_limit_req, dry_run_only_tells)
{
    hx_http_request_t  *r;

    hxh_lr_parse_ok(HXH_ZONES
                    "location / { limit_req zone=slow; limit_req_dry_run on;"
                    " } } }\n");

    cr_assert_eq(hxh_lr("10.0.0.1:1", "/", NULL), HX_DECLINED);
    cr_assert_eq(hxh_lr("10.0.0.1:1", "/", &r), HX_DECLINED);
    cr_assert_str_eq(hxh_var(r, "limit_req_status"), "REJECTED_DRY_RUN");
    cr_assert(hxh_logged_has("limiting requests, dry run"), "%s",
              hxh_logged);
}


Test(http_limit_req, every_limit_of_the_location_counts)
{
    hxh_lr_parse_ok(HXH_ZONES
                    "location / { limit_req zone=one burst=10 nodelay;"
                    " limit_req zone=slow; } } }\n");

    cr_assert_eq(hxh_lr("10.0.0.1:1", "/", NULL), HX_DECLINED);

    /* "one" would allow it, "slow" does not */
    cr_assert_eq(hxh_lr("10.0.0.1:1", "/", NULL),
                 HX_HTTP_SERVICE_UNAVAILABLE);
    cr_assert(hxh_logged_has("by zone \"slow\""), "%s", hxh_logged);
}


Test(http_limit_req, an_empty_key_is_not_limited)
{
    hxh_lr_parse_ok("http {\n"
                    "limit_req_zone $arg_none zone=k:1m rate=1r/m;\n"
                    "server { listen 127.0.0.1:9000;\n"
                    "location / { limit_req zone=k; } } }\n");

    cr_assert_eq(hxh_lr("10.0.0.1:1", "/", NULL), HX_DECLINED);
    cr_assert_eq(hxh_lr("10.0.0.1:1", "/", NULL), HX_DECLINED);
    cr_assert_eq(hxh_lr("10.0.0.1:1", "/", NULL), HX_DECLINED);
}


Test(http_limit_req, a_zone_needs_a_size_it_can_hold)
{
    hxh_parse_fails("http { limit_req_zone $uri zone=z:1k rate=1r/s; }\n",
                    "zone \"zone=z:1k\" is too small in ");
}


Test(http_limit_req, a_bad_rate_is_refused)
{
    hxh_parse_fails("http { limit_req_zone $uri zone=z:1m rate=0r/s; }\n",
                    "invalid rate \"rate=0r/s\" in ");
}


Test(http_limit_req, a_zone_bound_twice_is_refused)
{
    hxh_parse_fails("http { limit_req_zone $uri zone=z:1m rate=1r/s;\n"
                    "limit_req_zone $host zone=z:1m rate=1r/s; }\n",
                    "limit_req_zone \"z\" is already bound to key \"$uri\"");
}


Test(http_limit_req, the_same_zone_twice_in_a_location_is_refused)
{
    hxh_parse_fails("http { limit_req_zone $uri zone=z:1m rate=1r/s;\n"
                    "server { listen 127.0.0.1:9000;\n"
                    "limit_req zone=z; limit_req zone=z; } }\n",
                    "\"limit_req\" directive is duplicate in ");
}


Test(http_limit_req, limit_req_needs_a_zone)
{
    hxh_parse_fails("http { server { listen 127.0.0.1:9000;\n"
                    "limit_req burst=5; } }\n",
                    "\"limit_req\" must have \"zone\" parameter in ");
}


Test(http_limit_req, the_status_must_be_an_error)
{
    hxh_parse_fails("http { limit_req_status 200; }\n",
                    "value must be between 400 and 599 in ");
}

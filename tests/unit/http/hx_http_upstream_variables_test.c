/*
 * Tests for http/hx_http_upstream_variables.c: $upstream_addr, _status,
 * _response_time, _connect_time, _header_time, _response_length,
 * _bytes_received and _bytes_sent print one value per attempt, ", "
 * between attempts and " : " between upstreams, "-" for what an attempt
 * never got to; $upstream_http_*, $upstream_cookie_* read the backend's
 * header; nothing is found before an upstream ran.
 */

#include "hx_http_upstream_fixture.h"


TestSuite(http_upstream_variables, .init = hxh_init);


#define HXV_CONF                                                              \
    HXU_HTTP("", "location / { proxy_pass http://127.0.0.1:9001; }")


static hx_str_t  hxv_peer1 = hx_string("127.0.0.1:81");
static hx_str_t  hxv_peer2 = hx_string("127.0.0.1:82");


static hx_http_upstream_state_t *
hxv_state(hx_http_request_t *r, hx_str_t *peer, hx_uint_t status,
    hx_msec_t response, hx_msec_t connect, off_t length)
{
    hx_http_upstream_state_t  *s;

    s = hx_array_push(r->upstream_states);
    cr_assert_not_null(s);
    hx_memzero(s, sizeof(hx_http_upstream_state_t));

    s->peer = peer;
    s->status = status;
    s->response_time = response;
    s->connect_time = connect;
    s->header_time = (hx_msec_t) -1;
    s->response_length = length;
    s->bytes_received = length + 100;
    s->bytes_sent = 50;

    return s;
}


Test(http_upstream_variables, nothing_before_an_upstream)
{
    hx_http_request_t  *r;

    hxh_parse_ok(HXV_CONF);

    r = hxh_request("127.0.0.1:5000", "/", NULL);

    cr_assert_str_eq(hxh_var(r, "upstream_addr"), "-");
    cr_assert_str_eq(hxh_var(r, "upstream_status"), "-");
    cr_assert_str_eq(hxh_var(r, "upstream_http_server"), "-");
    cr_assert_str_eq(hxh_var(r, "upstream_cookie_id"), "-");
}


Test(http_upstream_variables, one_value_per_attempt)
{
    hx_http_request_t  *r;

    hxh_parse_ok(HXV_CONF);

    r = hxu_request("/", NULL);

    /* hxu_request pushed the first attempt's state already */
    r->upstream_states->nelts = 0;

    hxv_state(r, &hxv_peer1, 502, 12, 1, 0);
    hxv_state(r, &hxv_peer2, 200, 1234, (hx_msec_t) -1, 77);

    cr_assert_str_eq(hxh_var(r, "upstream_addr"),
                     "127.0.0.1:81, 127.0.0.1:82");
    cr_assert_str_eq(hxh_var(r, "upstream_status"), "502, 200");
    cr_assert_str_eq(hxh_var(r, "upstream_response_time"),
                     "0.012, 1.234");
    cr_assert_str_eq(hxh_var(r, "upstream_connect_time"), "0.001, -");
    cr_assert_str_eq(hxh_var(r, "upstream_header_time"), "-, -");
    cr_assert_str_eq(hxh_var(r, "upstream_response_length"), "0, 77");
    cr_assert_str_eq(hxh_var(r, "upstream_bytes_received"), "100, 177");
    cr_assert_str_eq(hxh_var(r, "upstream_bytes_sent"), "50, 50");
}


Test(http_upstream_variables, upstreams_are_separated_by_colons)
{
    hx_http_request_t          *r;
    hx_http_upstream_state_t   *s;

    hxh_parse_ok(HXV_CONF);

    r = hxu_request("/", NULL);
    r->upstream_states->nelts = 0;

    hxv_state(r, &hxv_peer1, 404, 1, 1, 0);

    /* an X-Accel-Redirect to another proxied location */
    s = hx_array_push(r->upstream_states);
    cr_assert_not_null(s);
    hx_memzero(s, sizeof(hx_http_upstream_state_t));

    hxv_state(r, &hxv_peer2, 200, 2, 1, 5);

    cr_assert_str_eq(hxh_var(r, "upstream_addr"),
                     "127.0.0.1:81 : 127.0.0.1:82");
    cr_assert_str_eq(hxh_var(r, "upstream_status"), "404 : 200");
}


Test(http_upstream_variables, status_dash_when_none_came)
{
    hx_http_request_t  *r;

    hxh_parse_ok(HXV_CONF);

    r = hxu_request("/", NULL);
    r->upstream_states->nelts = 0;

    hxv_state(r, &hxv_peer1, 0, (hx_msec_t) -1, (hx_msec_t) -1, 0);

    cr_assert_str_eq(hxh_var(r, "upstream_status"), "-");
    cr_assert_str_eq(hxh_var(r, "upstream_response_time"), "-");
}


Test(http_upstream_variables, backend_header_lines)
{
    hx_http_request_t  *r;

    hxh_parse_ok(HXV_CONF);

    r = hxu_request("/", NULL);

    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\n"
                             "X-Multi: a\r\n"
                             "X-Multi: b\r\n"
                             "Set-Cookie: other=1\r\n"
                             "Set-Cookie: id = abc; Path=/\r\n\r\n", 0),
                 HX_OK);

    cr_assert_str_eq(hxh_var(r, "upstream_http_x_multi"), "a, b");
    cr_assert_str_eq(hxh_var(r, "upstream_cookie_id"), "abc");
    cr_assert_str_eq(hxh_var(r, "upstream_cookie_other"), "1");
    cr_assert_str_eq(hxh_var(r, "upstream_cookie_none"), "-");
    cr_assert_str_eq(hxh_var(r, "upstream_trailer_x"), "-");
}

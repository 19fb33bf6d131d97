/*
 * Tests for http/hx_http_upstream_headers.c: the backend's header as it
 * arrives (a second Content-Length, a length beside Transfer-Encoding or
 * an unknown coding make the response invalid; a repeated single-valued
 * header is ignored with a warning; X-Accel-* take effect) and as it is
 * copied to the client (hidden and passed headers, our Server and Date
 * unless the backend's are passed, Content-Type split from its charset,
 * Location made relative by proxy_redirect or left alone, Set-Cookie
 * rewritten, status line and length carried over).
 */

#include "hx_http_upstream_fixture.h"


TestSuite(http_upstream_headers, .init = hxh_init);


#define HXH_CONF                                                              \
    HXU_HTTP("",                                                              \
        "location / { proxy_pass http://127.0.0.1:9001; }\n"                 \
        "location /passed { proxy_pass_header Server; "                      \
        "proxy_pass http://127.0.0.1:9001; }\n"                              \
        "location /cookies/ { proxy_cookie_path /app/ /; "                   \
        "proxy_cookie_domain backend.local example.com; "                    \
        "proxy_pass http://127.0.0.1:9001/app/; }\n"                         \
        "location /noredirect { proxy_redirect off; "                        \
        "proxy_pass http://127.0.0.1:9001; }\n"                              \
        "location /xa { proxy_ignore_headers X-Accel-Limit-Rate; "           \
        "proxy_pass http://127.0.0.1:9001; }")


static hx_uint_t  hxuh_parsed;


static hx_http_request_t *
hxuh_request(const char *uri)
{
    if (!hxuh_parsed) {
        hxh_parse_ok(HXH_CONF);
        hxuh_parsed = 1;
    }

    return hxu_request(uri, NULL);
}


Test(http_upstream_headers, second_content_length_is_invalid)
{
    hx_http_request_t  *r;

    r = hxuh_request("/");

    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                             "Content-Length: 5\r\n\r\n", 0),
                 HX_HTTP_UPSTREAM_INVALID_HEADER);
    cr_assert(hxh_logged_has("upstream sent duplicate header line: "
                             "\"Content-Length: 5\""));
}


Test(http_upstream_headers, length_with_transfer_encoding_is_invalid)
{
    hx_http_request_t  *r;

    r = hxuh_request("/");
    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n", 0),
                 HX_HTTP_UPSTREAM_INVALID_HEADER);

    r = hxuh_request("/");
    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\n"
                             "Transfer-Encoding: chunked\r\n"
                             "Content-Length: 5\r\n\r\n", 0),
                 HX_HTTP_UPSTREAM_INVALID_HEADER);
    cr_assert(hxh_logged_has("\"Content-Length\" and \"Transfer-Encoding\""
                             " headers at the same time"));
}


Test(http_upstream_headers, unknown_transfer_coding_is_invalid)
{
    hx_http_request_t  *r;

    r = hxuh_request("/");
    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\n"
                             "Transfer-Encoding: gzip, chunked\r\n\r\n", 0),
                 HX_HTTP_UPSTREAM_INVALID_HEADER);
    cr_assert(hxh_logged_has("upstream sent unknown \"Transfer-Encoding\""));
}


Test(http_upstream_headers, bad_content_length_is_invalid)
{
    hx_http_request_t  *r;

    r = hxuh_request("/");
    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                          0), HX_HTTP_UPSTREAM_INVALID_HEADER);
    cr_assert(hxh_logged_has("upstream sent invalid \"Content-Length\""));
}


Test(http_upstream_headers, repeated_single_header_keeps_the_first)
{
    hx_http_request_t  *r;

    r = hxuh_request("/noredirect");

    cr_assert_eq(hxu_feed(r, "HTTP/1.1 302 Found\r\n"
                             "Location: http://a/\r\n"
                             "Location: http://b/\r\n\r\n", 0), HX_OK);
    cr_assert_eq(hx_http_upstream_process_headers(r, r->upstream), HX_OK);

    cr_assert_str_eq(hxu_out_header(r, "Location"), "http://a/");
    cr_assert(hxh_logged_has("upstream sent duplicate header line: "
                             "\"Location: http://b/\""));
}


Test(http_upstream_headers, copy_hides_ours_and_passes_the_rest)
{
    hx_http_request_t  *r;

    r = hxuh_request("/");

    cr_assert_eq(hxu_feed(r, "HTTP/1.1 404 Nope\r\n"
                             "Server: backend/1.0\r\n"
                             "Date: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
                             "X-Accel-Expires: 10\r\n"
                             "X-Pad: avoid browser bug\r\n"
                             "X-Custom: yes\r\n"
                             "Content-Length: 7\r\n"
                             "Connection: keep-alive\r\n"
                             "Keep-Alive: timeout=5\r\n\r\n", 0), HX_OK);
    cr_assert_eq(hx_http_upstream_process_headers(r, r->upstream), HX_OK);

    cr_assert_eq(r->headers_out.status, 404);
    cr_assert_eq(r->headers_out.status_line.len, 8);
    cr_assert_eq(r->headers_out.content_length_n, 7);

    cr_assert_str_eq(hxu_out_header(r, "X-Custom"), "yes");

    /* ours are used: the backend's hidden, none set here */
    cr_assert_null(hxu_out_header(r, "Server"));
    cr_assert_null(r->headers_out.server);
    cr_assert_null(hxu_out_header(r, "Date"));
    cr_assert_null(r->headers_out.date);

    cr_assert_null(hxu_out_header(r, "X-Accel-Expires"));
    cr_assert_null(hxu_out_header(r, "X-Pad"));
    cr_assert_null(hxu_out_header(r, "Content-Length"));
    cr_assert_null(hxu_out_header(r, "Connection"));
    cr_assert_null(hxu_out_header(r, "Keep-Alive"));
}


Test(http_upstream_headers, passed_server_header_replaces_ours)
{
    hx_http_request_t  *r;

    r = hxuh_request("/passed");
    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\nServer: backend/1.0\r\n"
                             "\r\n", 0), HX_OK);
    cr_assert_eq(hx_http_upstream_process_headers(r, r->upstream), HX_OK);

    cr_assert_not_null(r->headers_out.server);
    cr_assert_str_eq(hxu_out_header(r, "Server"), "backend/1.0");

    /* passed but absent: neither the backend's nor ours */
    r = hxuh_request("/passed");
    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\n\r\n", 0), HX_OK);
    cr_assert_eq(hx_http_upstream_process_headers(r, r->upstream), HX_OK);

    cr_assert_not_null(r->headers_out.server);
    cr_assert_eq(r->headers_out.server->hash, 0);
}


Test(http_upstream_headers, content_type_and_charset)
{
    hx_http_request_t  *r;

    r = hxuh_request("/");
    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\n"
                             "Content-Type: text/html; charset=\"koi8-r\"\r\n"
                             "\r\n", 0), HX_OK);
    cr_assert_eq(hx_http_upstream_process_headers(r, r->upstream), HX_OK);

    cr_assert_eq(r->headers_out.content_type_len, 9);
    cr_assert_eq(r->headers_out.charset.len, 6);
    cr_assert_eq(hx_strncmp(r->headers_out.charset.data, "koi8-r", 6), 0);
}


Test(http_upstream_headers, default_redirect_rewrites_the_backend_prefix)
{
    hx_http_request_t  *r;

    r = hxuh_request("/");
    cr_assert_eq(hxu_feed(r, "HTTP/1.1 301 Moved\r\n"
                             "Location: http://127.0.0.1:9001/new/place\r\n"
                             "\r\n", 0), HX_OK);
    cr_assert_eq(hx_http_upstream_process_headers(r, r->upstream), HX_OK);

    cr_assert_not_null(r->headers_out.location);
    cr_assert_str_eq(hxu_out_header(r, "Location"), "/new/place");
}


Test(http_upstream_headers, redirect_off_leaves_location_alone)
{
    hx_http_request_t  *r;

    r = hxuh_request("/noredirect");
    cr_assert_eq(hxu_feed(r, "HTTP/1.1 301 Moved\r\n"
                             "Location: /relative\r\n\r\n", 0), HX_OK);
    cr_assert_eq(hx_http_upstream_process_headers(r, r->upstream), HX_OK);

    /* relative: kept as the backend said, not made absolute */
    cr_assert_null(r->headers_out.location);
    cr_assert_str_eq(hxu_out_header(r, "Location"), "/relative");
}


Test(http_upstream_headers, set_cookie_path_and_domain_rewritten)
{
    hx_http_request_t  *r;

    r = hxuh_request("/cookies/x");
    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\n"
                             "Set-Cookie: id=1; Path=/app/x; "
                             "Domain=.backend.local; HttpOnly\r\n\r\n", 0),
                 HX_OK);
    cr_assert_eq(hx_http_upstream_process_headers(r, r->upstream), HX_OK);

    cr_assert_str_eq(hxu_out_header(r, "Set-Cookie"),
                     "id=1; Path=/x; Domain=.example.com; HttpOnly");
}


Test(http_upstream_headers, x_accel_limit_rate_unless_ignored)
{
    hx_http_request_t  *r;

    r = hxuh_request("/");
    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\nX-Accel-Limit-Rate: 1000\r\n"
                             "\r\n", 0), HX_OK);
    cr_assert_eq(r->limit_rate, 1000);

    r = hxuh_request("/xa");
    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\nX-Accel-Limit-Rate: 1000\r\n"
                             "\r\n", 0), HX_OK);
    cr_assert_eq(r->limit_rate, 0);
}


Test(http_upstream_headers, x_accel_buffering_switches_buffering)
{
    hx_http_request_t  *r;

    r = hxuh_request("/");
    r->upstream->buffering = 1;

    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\nX-Accel-Buffering: no\r\n"
                             "\r\n", 0), HX_OK);
    cr_assert_eq(r->upstream->buffering, 0);
}


Test(http_upstream_headers, trailers_pass_only_when_asked)
{
    hx_table_elt_t     *h;
    hx_http_request_t  *r;

    r = hxuh_request("/");

    h = hx_list_push(&r->upstream->headers_in.trailers);
    cr_assert_not_null(h);
    h->hash = 1;
    hx_str_set(&h->key, "X-Sum");
    hx_str_set(&h->value, "abc");
    h->lowcase_key = (uint8_t *) "x-sum";

    cr_assert_eq(hx_http_upstream_process_trailers(r, r->upstream), HX_OK);
    cr_assert_eq(r->headers_out.trailers.part.nelts, 0);

    hxu_plcf(r)->upstream.pass_trailers = 1;

    cr_assert_eq(hx_http_upstream_process_trailers(r, r->upstream), HX_OK);
    cr_assert_eq(r->headers_out.trailers.part.nelts, 1);
}

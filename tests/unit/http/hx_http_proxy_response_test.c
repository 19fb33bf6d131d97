/*
 * Tests for http/modules/hx_http_proxy_response.c: the backend's status
 * line and header lines parsed at any split (one read or byte by byte),
 * the status line the client gets, interim responses skipped, HTTP/0.9
 * and HTTP/1.0 answers, invalid lines, and the body framing each header
 * leads to: Content-Length, chunked and until-close bodies through the
 * pipe and the unbuffered filters, with keep-alive allowed only when the
 * body ended exactly where its framing said.
 */

#include "hx_http_upstream_fixture.h"


TestSuite(http_proxy_response, .init = hxh_init);


#define HXR_CONF                                                              \
    HXU_HTTP("", "location / { proxy_pass http://127.0.0.1:9001; }")


static hx_uint_t  hxr_parsed;


static hx_http_request_t *
hxr_request(void)
{
    if (!hxr_parsed) {
        hxh_parse_ok(HXR_CONF);
        hxr_parsed = 1;
    }

    return hxu_request("/", NULL);
}


Test(http_proxy_response, status_and_headers_at_any_split)
{
    hx_uint_t            bytewise;
    hx_http_request_t   *r;
    hx_http_upstream_t  *u;

    for (bytewise = 0; bytewise < 2; bytewise++) {
        r = hxr_request();
        u = r->upstream;

        cr_assert_eq(hxu_feed(r, "HTTP/1.1 201 Made It\r\n"
                                 "Content-Length: 12\r\n"
                                 "X-Thing: a b\r\n"
                                 "\r\n", bytewise), HX_OK);

        cr_assert_eq(u->headers_in.status_n, 201);
        cr_assert_eq(u->state->status, 201);
        cr_assert_eq(u->headers_in.status_line.len, 11);
        cr_assert_eq(hx_strncmp(u->headers_in.status_line.data,
                                "201 Made It", 11), 0);
        cr_assert_eq(u->headers_in.content_length_n, 12);
        cr_assert_eq(u->headers_in.connection_close, 0);
        cr_assert_eq(u->buffer.pos, u->buffer.last);
    }
}


Test(http_proxy_response, incomplete_header_asks_for_more)
{
    hx_http_request_t  *r;

    r = hxr_request();

    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\nX-A: 1\r\n", 0), HX_AGAIN);
}


Test(http_proxy_response, interim_responses_are_skipped)
{
    hx_http_request_t   *r;
    hx_http_upstream_t  *u;

    r = hxr_request();
    u = r->upstream;

    cr_assert_eq(hxu_feed(r, "HTTP/1.1 100 Continue\r\n\r\n"
                             "HTTP/1.1 103 Early Hints\r\n"
                             "Link: </style.css>\r\n\r\n"
                             "HTTP/1.1 200 OK\r\nX-Final: 1\r\n\r\n", 1),
                 HX_OK);

    cr_assert_eq(u->headers_in.status_n, 200);
    cr_assert_eq(u->state->status, 200);

    /* only the final response's lines (and the Server/Date markers) */
    cr_assert_eq(u->headers_in.headers.part.nelts, 3);
}


Test(http_proxy_response, http10_answer_closes_the_connection)
{
    hx_http_request_t  *r;

    r = hxr_request();

    cr_assert_eq(hxu_feed(r, "HTTP/1.0 200 OK\r\n\r\n", 0), HX_OK);
    cr_assert_eq(r->upstream->headers_in.connection_close, 1);
}


Test(http_proxy_response, connection_close_is_noted)
{
    hx_http_request_t  *r;

    r = hxr_request();

    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\nConnection: Close\r\n\r\n",
                          0), HX_OK);
    cr_assert_eq(r->upstream->headers_in.connection_close, 1);
}


Test(http_proxy_response, no_status_line_is_an_http09_body)
{
    hx_http_request_t  *r;

    r = hxr_request();

    cr_assert_eq(hxu_feed(r, "just bytes\n", 0), HX_OK);
    cr_assert_eq(r->http_version, HX_HTTP_VERSION_9);
    cr_assert_eq(r->upstream->state->status, 200);
    cr_assert(hxh_logged_has("upstream sent no valid HTTP/1.0 header"));
}


Test(http_proxy_response, invalid_header_line_is_invalid_header)
{
    hx_http_request_t  *r;

    r = hxr_request();

    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", 0),
                 HX_HTTP_UPSTREAM_INVALID_HEADER);
    cr_assert(hxh_logged_has("upstream sent invalid header"));
}


Test(http_proxy_response, missing_server_and_date_get_empty_markers)
{
    hx_table_elt_t      *h;
    hx_list_iter_t       it;
    hx_uint_t            markers;
    hx_http_request_t   *r;

    r = hxr_request();

    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\n\r\n", 0), HX_OK);

    markers = 0;
    hx_list_iter_init(&it, &r->upstream->headers_in.headers);

    while ((h = hx_list_iter_next(&it)) != NULL) {
        if (h->value.data == NULL) {
            markers++;
        }
    }

    cr_assert_eq(markers, 2);
}


Test(http_proxy_response, switching_protocols_upgrades_only_when_asked)
{
    hx_http_request_t   *r;

    r = hxr_request();
    cr_assert_eq(hxu_feed(r, "HTTP/1.1 101 Switching\r\n\r\n", 0), HX_OK);
    cr_assert_eq(r->upstream->upgrade, 0);

    r = hxr_request();
    r->headers_in.upgrade = hxh_header(r, "Upgrade", "websocket");
    cr_assert_eq(hxu_feed(r, "HTTP/1.1 101 Switching\r\n\r\n", 0), HX_OK);
    cr_assert_eq(r->upstream->upgrade, 1);
    cr_assert_eq(r->upstream->keepalive, 0);
}


/* ---- body framing ---------------------------------------------------- */

/* runs the pipe's input filter on text as one raw buffer */
static hx_buf_t *
hxr_pipe_input(hx_http_request_t *r, const char *text)
{
    size_t    len;
    hx_buf_t *raw;

    len = strlen(text);

    raw = hx_create_temp_buf(r->pool, len + 1);
    cr_assert_not_null(raw);
    raw->last = hx_cpymem(raw->pos, text, len);

    cr_assert_eq(r->upstream->pipe->input_filter(r->upstream->pipe, raw),
                 HX_OK);

    return raw;
}


/* the data the pipe's input filter queued, as a string */
static char *
hxr_pipe_data(hx_http_request_t *r)
{
    char        *s, *p;
    hx_chain_t  *cl;

    s = (char *) hx_pcalloc(r->pool, 65536);
    cr_assert_not_null(s);
    p = s;

    for (cl = r->upstream->pipe->in; cl; cl = cl->next) {
        hx_memcpy(p, cl->buf->pos, cl->buf->last - cl->buf->pos);
        p += cl->buf->last - cl->buf->pos;
    }

    return s;
}


Test(http_proxy_response, content_length_body_ends_the_pipe_and_keeps_alive)
{
    hx_http_request_t  *r;

    r = hxr_request();

    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
                          0), HX_OK);
    cr_assert_eq(hx_http_proxy_input_filter_init(r), HX_OK);
    cr_assert_eq(r->upstream->pipe->length, 10);

    hxr_pipe_input(r, "01234");
    cr_assert_eq(r->upstream->pipe->upstream_done, 0);

    hxr_pipe_input(r, "56789");
    cr_assert_eq(r->upstream->pipe->upstream_done, 1);
    cr_assert_eq(r->upstream->keepalive, 1);
    cr_assert_str_eq(hxr_pipe_data(r), "0123456789");
}


Test(http_proxy_response, bytes_beyond_content_length_are_dropped)
{
    hx_http_request_t  *r;

    r = hxr_request();

    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n",
                          0), HX_OK);
    cr_assert_eq(hx_http_proxy_input_filter_init(r), HX_OK);

    hxr_pipe_input(r, "okayHTTP/1.1 200 OK\r\n\r\n");

    cr_assert_str_eq(hxr_pipe_data(r), "okay");
    cr_assert_eq(r->upstream->pipe->upstream_done, 1);
    cr_assert_eq(r->upstream->keepalive, 0);
    cr_assert(hxh_logged_has("upstream sent more data than specified"));
}


Test(http_proxy_response, chunked_body_is_decoded_through_the_pipe)
{
    hx_http_request_t  *r;

    r = hxr_request();

    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n", 0), HX_OK);
    cr_assert_eq(r->upstream->headers_in.content_length_n, -1);
    cr_assert_eq(hx_http_proxy_input_filter_init(r), HX_OK);

    hxr_pipe_input(r, "5\r\nhel");
    hxr_pipe_input(r, "lo\r\n6;x=y\r\n world\r\n");
    cr_assert_eq(r->upstream->pipe->upstream_done, 0);

    hxr_pipe_input(r, "0\r\nTrailer: t\r\n\r\n");
    cr_assert_eq(r->upstream->pipe->upstream_done, 1);
    cr_assert_eq(r->upstream->keepalive, 1);
    cr_assert_str_eq(hxr_pipe_data(r), "hello world");
}


Test(http_proxy_response, data_after_the_last_chunk_spoils_keepalive)
{
    hx_http_request_t  *r;

    r = hxr_request();

    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n", 0), HX_OK);
    cr_assert_eq(hx_http_proxy_input_filter_init(r), HX_OK);

    hxr_pipe_input(r, "2\r\nok\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n");

    cr_assert_eq(r->upstream->pipe->upstream_done, 1);
    cr_assert_eq(r->upstream->keepalive, 0);
    cr_assert_str_eq(hxr_pipe_data(r), "ok");
    cr_assert(hxh_logged_has("upstream sent data after final chunk"));
}


Test(http_proxy_response, invalid_chunk_is_an_error)
{
    hx_buf_t           *raw;
    hx_http_request_t  *r;

    r = hxr_request();

    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n", 0), HX_OK);
    cr_assert_eq(hx_http_proxy_input_filter_init(r), HX_OK);

    raw = hx_create_temp_buf(r->pool, 16);
    cr_assert_not_null(raw);
    raw->last = hx_cpymem(raw->pos, "zz\r\n", 4);

    cr_assert_eq(r->upstream->pipe->input_filter(r->upstream->pipe, raw),
                 HX_ERROR);
    cr_assert(hxh_logged_has("upstream sent invalid chunked response"));
}


Test(http_proxy_response, head_response_has_no_body_and_keeps_alive)
{
    hx_http_request_t    *r;
    hx_http_proxy_ctx_t  *ctx;

    r = hxr_request();

    ctx = hx_http_get_module_ctx(r, hx_http_proxy_module);
    ctx->head = 1;

    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
                          0), HX_OK);
    cr_assert_eq(r->upstream->keepalive, 1);

    cr_assert_eq(hx_http_proxy_input_filter_init(r), HX_OK);
    cr_assert_eq(r->upstream->pipe->length, 0);
    cr_assert_eq(r->upstream->length, 0);
}


Test(http_proxy_response, until_close_body_never_keeps_alive)
{
    hx_http_request_t  *r;

    r = hxr_request();

    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\n\r\n", 0), HX_OK);
    cr_assert_eq(hx_http_proxy_input_filter_init(r), HX_OK);
    cr_assert_eq(r->upstream->pipe->length, -1);

    hxr_pipe_input(r, "anything at all");

    cr_assert_eq(r->upstream->pipe->upstream_done, 0);
    cr_assert_eq(r->upstream->keepalive, 0);
    cr_assert_str_eq(hxr_pipe_data(r), "anything at all");
}


/* the unbuffered chunked filter over u->buffer, as the reader calls it */
Test(http_proxy_response, unbuffered_chunked_filter_passes_data_only)
{
    size_t               len;
    char                 got[64], *p;
    hx_chain_t          *cl;
    hx_http_request_t   *r;
    hx_http_upstream_t  *u;
    const char          *body = "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";

    r = hxr_request();
    u = r->upstream;

    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n", 0), HX_OK);
    cr_assert_eq(hx_http_proxy_input_filter_init(r), HX_OK);

    /* a fresh buffer, the body read into it in one go */

    len = strlen(body);
    u->buffer.start = hx_pnalloc(r->pool, 64);
    cr_assert_not_null(u->buffer.start);
    u->buffer.pos = u->buffer.start;
    u->buffer.last = u->buffer.start;
    u->buffer.end = u->buffer.start + 64;
    hx_memcpy(u->buffer.start, body, len);

    cr_assert_eq(u->input_filter(r, (ssize_t) len), HX_OK);

    p = got;

    for (cl = u->out_bufs; cl; cl = cl->next) {
        p = (char *) hx_cpymem(p, cl->buf->pos, cl->buf->last - cl->buf->pos);
        cr_assert_eq(cl->buf->flush, 1);
    }

    *p = '\0';

    cr_assert_str_eq(got, "abcde");
    cr_assert_eq(u->length, 0);
    cr_assert_eq(u->keepalive, 1);
}

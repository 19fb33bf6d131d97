/*
 * Tests for http/modules/hx_http_proxy_response.c: the backend's status
 * line and header lines parsed at any split (one read or byte by byte),
 * the status line the client gets, interim responses skipped, HTTP/0.9
 * and HTTP/1.0 answers, invalid lines, and the body framing each header
 * leads to: Content-Length, chunked and until-close bodies through the
 * pipe and the unbuffered filters, with keep-alive allowed only when the
 * body ended exactly where its framing said.  With proxy_pass_trailers
 * the trailer section is kept, at any split, within proxy_buffer_size.
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

/* the backend's header says chunked; the body filters are set up */
static void
hxr_chunked(hx_http_request_t *r)
{
    cr_assert_eq(hxu_feed(r, "HTTP/1.1 200 OK\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n", 0), HX_OK);
    cr_assert_eq(r->upstream->headers_in.content_length_n, -1);
    cr_assert_eq(hx_http_proxy_input_filter_init(r), HX_OK);
}


/* runs the pipe's input filter on text as one raw buffer: rc expected */
static hx_buf_t *
hxr_pipe_feed(hx_http_request_t *r, const char *text, hx_int_t rc)
{
    size_t    len;
    hx_buf_t *raw;

    len = strlen(text);

    raw = hx_create_temp_buf(r->pool, len + 1);
    cr_assert_not_null(raw);
    raw->last = hx_cpymem(raw->pos, text, len);

    cr_assert_eq(r->upstream->pipe->input_filter(r->upstream->pipe, raw), rc);

    return raw;
}


static hx_buf_t *
hxr_pipe_input(hx_http_request_t *r, const char *text)
{
    return hxr_pipe_feed(r, text, HX_OK);
}


/* the pipe's filter on text, which must fail with msg logged */
static void
hxr_pipe_refuses(hx_http_request_t *r, const char *text, const char *msg)
{
    hxr_pipe_feed(r, text, HX_ERROR);
    cr_assert(hxh_logged_has(msg), "no \"%s\" in: %s", msg, hxh_logged);
}


/* the pipe saw the body's end; keep-alive as expected */
static void
hxr_pipe_ended(hx_http_request_t *r, hx_uint_t keepalive)
{
    cr_assert_eq(r->upstream->pipe->upstream_done, 1);
    cr_assert_eq(r->upstream->keepalive, keepalive);
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
    hxr_pipe_ended(r, 1);
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
    hxr_pipe_ended(r, 0);
    cr_assert(hxh_logged_has("upstream sent more data than specified"));
}


Test(http_proxy_response, chunked_body_is_decoded_through_the_pipe)
{
    hx_http_request_t  *r;

    r = hxr_request();
    hxr_chunked(r);

    hxr_pipe_input(r, "5\r\nhel");
    hxr_pipe_input(r, "lo\r\n6;x=y\r\n world\r\n");
    cr_assert_eq(r->upstream->pipe->upstream_done, 0);

    hxr_pipe_input(r, "0\r\nTrailer: t\r\n\r\n");
    hxr_pipe_ended(r, 1);
    cr_assert_str_eq(hxr_pipe_data(r), "hello world");
}


Test(http_proxy_response, data_after_the_last_chunk_spoils_keepalive)
{
    hx_http_request_t  *r;

    r = hxr_request();
    hxr_chunked(r);

    hxr_pipe_input(r, "2\r\nok\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n");

    hxr_pipe_ended(r, 0);
    cr_assert_str_eq(hxr_pipe_data(r), "ok");
    cr_assert(hxh_logged_has("upstream sent data after final chunk"));
}


Test(http_proxy_response, invalid_chunk_is_an_error)
{
    hx_http_request_t  *r;

    r = hxr_request();
    hxr_chunked(r);

    hxr_pipe_refuses(r, "zz\r\n", "upstream sent invalid chunked response");
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

    hxr_chunked(r);

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


/* ---- proxy_pass_trailers ---------------------------------------------- */

#define HXR_TRAILERS_CONF                                                     \
    HXU_HTTP("",                                                              \
        "location / { proxy_pass_trailers on; proxy_hide_header X-Hidden;"   \
        " proxy_buffer_size 1k; proxy_buffers 4 1k;"                          \
        " proxy_pass http://127.0.0.1:9001; }"                                \
        "location /small/ { proxy_pass_trailers on; proxy_buffer_size 32;"    \
        " proxy_buffers 4 64;"                                              \
        " proxy_pass http://127.0.0.1:9001; }")


/* a request whose chunked response header has been read */
static hx_http_request_t *
hxr_trailers_request(const char *uri)
{
    hx_http_request_t  *r;

    hxh_parse_ok(HXR_TRAILERS_CONF);

    r = hxu_request(uri, NULL);

    hxr_chunked(r);

    return r;
}


/* "name: value|" for each entry of list */
static char *
hxr_fields(hx_http_request_t *r, hx_list_t *list)
{
    char            *s, *p;
    hx_list_iter_t   it;
    hx_table_elt_t  *h;

    s = (char *) hx_pcalloc(r->pool, 4096);
    cr_assert_not_null(s);
    p = s;

    hx_list_iter_init(&it, list);

    while ((h = hx_list_iter_next(&it)) != NULL) {
        p += sprintf(p, "%.*s: %.*s|", (int) h->key.len, h->key.data,
                     (int) h->value.len, h->value.data);
    }

    return s;
}


Test(http_proxy_response, trailers_are_kept_across_pipe_reads)
{
    hx_http_request_t  *r;

    r = hxr_trailers_request("/");

    hxr_pipe_input(r, "5\r\nhello\r\n0\r\nX-A:  1 \r\nX-Hid");
    cr_assert_eq(r->upstream->pipe->upstream_done, 0);
    cr_assert_gt(r->upstream->pipe->length, 0);

    hxr_pipe_input(r, "den: 2\r");
    hxr_pipe_input(r, "\n");
    cr_assert_eq(r->upstream->pipe->upstream_done, 0);

    hxr_pipe_input(r, "\r\n");
    hxr_pipe_ended(r, 1);
    cr_assert_str_eq(hxr_pipe_data(r), "hello");

    cr_assert_str_eq(hxr_fields(r, &r->upstream->headers_in.trailers),
                     "X-A: 1|X-Hidden: 2|");

    /* what the client gets: proxy_hide_header applies */

    cr_assert_eq(hx_http_upstream_process_trailers(r, r->upstream), HX_OK);
    cr_assert_str_eq(hxr_fields(r, &r->headers_out.trailers), "X-A: 1|");
}


Test(http_proxy_response, trailers_are_skipped_without_pass_trailers)
{
    hx_http_request_t  *r;

    r = hxr_request();
    hxr_chunked(r);

    hxr_pipe_input(r, "2\r\nok\r\n0\r\nX-A: 1\r\n\r\n");

    hxr_pipe_ended(r, 1);
    cr_assert_str_eq(hxr_fields(r, &r->upstream->headers_in.trailers), "");

    cr_assert_eq(hx_http_upstream_process_trailers(r, r->upstream), HX_OK);
    cr_assert_str_eq(hxr_fields(r, &r->headers_out.trailers), "");
}


Test(http_proxy_response, empty_trailer_section_ends_the_body)
{
    hx_http_request_t  *r;

    r = hxr_trailers_request("/");

    hxr_pipe_input(r, "2\r\nok\r\n0\r\n\r\n");

    hxr_pipe_ended(r, 1);
    cr_assert_str_eq(hxr_fields(r, &r->upstream->headers_in.trailers), "");
}


Test(http_proxy_response, data_after_the_trailers_spoils_keepalive)
{
    hx_http_request_t  *r;

    r = hxr_trailers_request("/");

    hxr_pipe_input(r, "0\r\nX-A: 1\r\n\r\nHTTP/1.1 200 OK\r\n\r\n");

    hxr_pipe_ended(r, 0);
    cr_assert_str_eq(hxr_fields(r, &r->upstream->headers_in.trailers),
                     "X-A: 1|");
    cr_assert(hxh_logged_has("upstream sent data after trailers"));
}



Test(http_proxy_response, invalid_trailer_is_an_error)
{
    hxr_pipe_refuses(hxr_trailers_request("/"),
                     "2\r\nok\r\n0\r\nX Bad: 1\r\n\r\n",
                     "upstream sent invalid trailer: \"X");
}


Test(http_proxy_response, trailers_beyond_proxy_buffer_size_are_an_error)
{
    hx_http_request_t  *r;

    r = hxr_trailers_request("/small/");

    /* 32 bytes hold these lines one after the other, not all at once */
    hxr_pipe_input(r, "0\r\nX-A: 0123456789\r\n");
    hxr_pipe_refuses(r, "X-B: 0123456789\r\n\r\n",
                     "upstream sent too big trailers");
}


Test(http_proxy_response, unbuffered_chunked_filter_keeps_trailers)
{
    size_t               i;
    hx_http_request_t   *r;
    hx_http_upstream_t  *u;
    const char          *parts[] = { "3\r\nabc\r\n0\r\nX-", "A: 1\r\n",
                                     "X-Hidden: 2\r\n\r" , "\n" };

    r = hxr_trailers_request("/");
    u = r->upstream;

    u->buffer.start = hx_pnalloc(r->pool, 64);
    cr_assert_not_null(u->buffer.start);
    u->buffer.pos = u->buffer.start;
    u->buffer.last = u->buffer.start;
    u->buffer.end = u->buffer.start + 64;

    for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        cr_assert_eq(u->length, 1, "before part %zu", i);

        hx_memcpy(u->buffer.last, parts[i], strlen(parts[i]));
        cr_assert_eq(u->input_filter(r, (ssize_t) strlen(parts[i])), HX_OK);
    }

    cr_assert_eq(u->length, 0);
    cr_assert_eq(u->keepalive, 1);
    cr_assert_str_eq(hxr_fields(r, &u->headers_in.trailers),
                     "X-A: 1|X-Hidden: 2|");
}

/*
 * Tests for http/modules/hx_http_proxy_request.c: the request line and
 * header the proxy sends.  The URI rules (the client's URI as it came
 * when proxy_pass has no URI part, the location's prefix replaced when
 * it has one, escaped after a rewrite, the evaluated URI with
 * variables), the HTTP version, proxy_method, the configured header
 * lines with nginx 1.30's defaults (Host from proxy_pass, no
 * Connection), inheritance of proxy_set_header as a whole, an empty
 * value removing a header, Content-Length and Transfer-Encoding for the
 * body, proxy_set_body, and the chunked framing of a streamed body.
 */

#include "hx_http_upstream_fixture.h"


TestSuite(http_proxy_request, .init = hxh_init);


#define HXQ_CONF                                                              \
    HXU_HTTP("upstream app { server 127.0.0.1:9001; }",                       \
        "proxy_set_header X-Level server;\n"                                 \
        "location / { proxy_pass http://app; }\n"                            \
        "location /p/ { proxy_pass http://app/q/; }\n"                       \
        "location /v { proxy_pass http://127.0.0.1:9001/dyn$uri; }\n"        \
        "location /own { proxy_set_header X-Own 1; "                         \
        "proxy_set_header User-Agent \"\"; proxy_pass http://app; }\n"       \
        "location /m { proxy_method POST; proxy_http_version 1.0; "          \
        "proxy_pass http://app; }\n"                                         \
        "location /body { proxy_set_body \"k=$arg_k\"; "                     \
        "proxy_pass http://app; }\n"                                         \
        "location /host { proxy_set_header Host $host:77; "                  \
        "proxy_pass http://app; }")


static hx_uint_t  hxq_parsed;


static hx_http_request_t *
hxq_request(const char *uri, const char *args)
{
    if (!hxq_parsed) {
        hxh_parse_ok(HXQ_CONF);
        hxq_parsed = 1;
    }

    return hxu_request(uri, args);
}


/* what create_request built, header buffer first, as a string */
static char *
hxq_sent(hx_http_request_t *r)
{
    char        *s, *p;
    hx_chain_t  *cl;

    cr_assert_eq(hx_http_proxy_create_request(r), HX_OK);

    s = (char *) hx_pcalloc(r->pool, 65536);
    cr_assert_not_null(s);
    p = s;

    for (cl = r->upstream->request_bufs; cl; cl = cl->next) {
        if (hx_buf_in_memory(cl->buf)) {
            p = (char *) hx_cpymem(p, cl->buf->pos,
                                   cl->buf->last - cl->buf->pos);
        }
    }

    return s;
}


/* a request header line as the parser leaves it (hash, lowercase key) */
static void
hxq_header(hx_http_request_t *r, const char *key, const char *value)
{
    hx_table_elt_t  *h;

    h = hxh_header(r, key, value);

    h->lowcase_key = hx_pnalloc(r->pool, h->key.len);
    cr_assert_not_null(h->lowcase_key);
    h->hash = hx_hash_strlow(h->lowcase_key, h->key.data, h->key.len);
}


static void
hxq_assert_has(const char *sent, const char *line)
{
    cr_assert_not_null(strstr(sent, line), "no \"%s\" in:\n%s", line, sent);
}


static void
hxq_assert_lacks(const char *sent, const char *line)
{
    cr_assert_null(strstr(sent, line), "\"%s\" in:\n%s", line, sent);
}


Test(http_proxy_request, uri_as_the_client_sent_it)
{
    char               *s;
    hx_http_request_t  *r;

    r = hxq_request("/a b", NULL);
    hx_str_set(&r->unparsed_uri, "/a%20b?x=%41");

    s = hxq_sent(r);

    cr_assert_eq(strncmp(s, "GET /a%20b?x=%41 HTTP/1.1\r\n", 27), 0, "%s", s);
}


Test(http_proxy_request, uri_part_replaces_the_location_prefix)
{
    char               *s;
    hx_http_request_t  *r;

    r = hxq_request("/p/deeper/x", "y=1");
    s = hxq_sent(r);

    cr_assert_eq(strncmp(s, "GET /q/deeper/x?y=1 HTTP/1.1\r\n", 30), 0,
                 "%s", s);
}


Test(http_proxy_request, changed_uri_is_escaped)
{
    char               *s;
    hx_http_request_t  *r;

    r = hxq_request("/p/with space", NULL);
    r->internal = 1;
    s = hxq_sent(r);

    cr_assert_eq(strncmp(s, "GET /q/with%20space HTTP/1.1\r\n", 30), 0,
                 "%s", s);
}


Test(http_proxy_request, default_headers)
{
    char               *s;
    hx_http_request_t  *r;

    r = hxq_request("/x", NULL);

    hxq_header(r, "Connection", "keep-alive");
    hxq_header(r, "X-Client", "abc");

    s = hxq_sent(r);

    hxq_assert_has(s, "\r\nHost: app\r\n");
    hxq_assert_has(s, "\r\nX-Level: server\r\n");
    hxq_assert_has(s, "\r\nX-Client: abc\r\n");
    hxq_assert_lacks(s, "Connection");
    cr_assert_eq(strcmp(s + strlen(s) - 4, "\r\n\r\n"), 0);
}


Test(http_proxy_request, location_headers_replace_inherited)
{
    char               *s;
    hx_http_request_t  *r;

    r = hxq_request("/own", NULL);
    hxq_header(r, "User-Agent", "curl");

    s = hxq_sent(r);

    hxq_assert_has(s, "\r\nX-Own: 1\r\n");
    hxq_assert_lacks(s, "X-Level");
    hxq_assert_lacks(s, "User-Agent");
}


Test(http_proxy_request, method_and_version)
{
    char               *s;
    hx_http_request_t  *r;

    r = hxq_request("/m", NULL);
    s = hxq_sent(r);

    cr_assert_eq(strncmp(s, "POST /m HTTP/1.0\r\n", 18), 0, "%s", s);
}


Test(http_proxy_request, set_body_with_its_length)
{
    char               *s;
    hx_http_request_t  *r;

    r = hxq_request("/body", "k=v");
    s = hxq_sent(r);

    hxq_assert_has(s, "\r\nContent-Length: 3\r\n");
    cr_assert_eq(strcmp(s + strlen(s) - 7, "\r\n\r\nk=v"), 0, "%s", s);
}


Test(http_proxy_request, host_header_from_the_configuration)
{
    char               *s;
    hx_http_request_t  *r;

    r = hxq_request("/host", NULL);
    hx_str_set(&r->headers_in.server, "example.com");

    s = hxq_sent(r);

    hxq_assert_has(s, "\r\nHost: example.com:77\r\n");
}


Test(http_proxy_request, client_body_length_is_announced)
{
    char               *s;
    hx_http_request_t  *r;

    r = hxq_request("/x", NULL);
    r->headers_in.content_length_n = 12;

    s = hxq_sent(r);

    hxq_assert_has(s, "\r\nContent-Length: 12\r\n");
    hxq_assert_lacks(s, "Transfer-Encoding");
}


Test(http_proxy_request, streamed_chunked_body_is_sent_chunked)
{
    char                 *s;
    hx_buf_t             *b;
    hx_chain_t           *in, *out, *cl;
    hx_http_request_t    *r;

    r = hxq_request("/x", NULL);
    r->headers_in.chunked = 1;
    r->reading_body = 1;
    r->request_body_no_buffering = 1;

    s = hxq_sent(r);

    hxq_assert_has(s, "\r\nTransfer-Encoding: chunked\r\n");
    hxq_assert_lacks(s, "Content-Length");

    /* the body as it arrives: framed in chunks */

    b = hx_calloc_buf(r->pool);
    in = hx_alloc_chain_link(r->pool);
    cr_assert_not_null(b);
    cr_assert_not_null(in);
    b->memory = 1;
    b->pos = (uint8_t *) "hello";
    b->last = b->pos + 5;
    in->buf = b;
    in->next = NULL;

    out = NULL;
    cr_assert_eq(hx_http_proxy_body_filter(r, in, &out), HX_OK);

    b = hx_calloc_buf(r->pool);
    in = hx_alloc_chain_link(r->pool);
    cr_assert_not_null(b);
    cr_assert_not_null(in);
    b->last_buf = 1;
    in->buf = b;
    in->next = NULL;

    cr_assert_eq(hx_http_proxy_body_filter(r, in, &out), HX_OK);

    s = (char *) hx_pcalloc(r->pool, 256);
    cr_assert_not_null(s);

    for (cl = out; cl; cl = cl->next) {
        if (hx_buf_in_memory(cl->buf)) {
            strncat(s, (char *) cl->buf->pos, cl->buf->last - cl->buf->pos);
        }
    }

    cr_assert_str_eq(s, "5\r\nhello\r\n0\r\n\r\n");
}

/*
 * Tests for http/modules/hx_http_gzip_filter_module.c: the header
 * filter's decision (status, length, type, an existing encoding, the
 * client) and its header changes, and the body filter streaming through
 * zlib -- output that inflates back to the input whatever the buffer
 * sizes, a flush buffer ending a sync point, HX_AGAIN when every output
 * buffer is busy, zlib's memory released at the end, and $gzip_ratio.
 * The file is compiled in here with its "next" filters pointing at a
 * stub that plays the client.
 */

#include "hx_http_modules_fixture.h"

#include <zlib.h>

#define hx_http_gzip_filter_module  hxh_gzip_copy
#include "hx_http_gzip_filter_module.c"
#undef hx_http_gzip_filter_module

extern hx_module_t  hx_http_gzip_filter_module;


static uint8_t     hxh_out[1 << 20];
static size_t      hxh_out_len;
static hx_uint_t   hxh_last_seen;
static hx_uint_t   hxh_flushes;
static hx_uint_t   hxh_stall;        /* the client takes nothing */


static hx_int_t
hxh_next_header(hx_http_request_t *r)
{
    (void) r;
    return HX_OK;
}


/*
 * The client, as the write filter shows it: buffers passed on are kept
 * until they can be sent, and sent (consumed) unless the client stalls.
 */
static hx_buf_t   *hxh_pending[4096];
static hx_uint_t   hxh_npending;


static hx_int_t
hxh_next_body(hx_http_request_t *r, hx_chain_t *in)
{
    size_t       n;
    hx_buf_t    *b;
    hx_uint_t    i;
    hx_chain_t  *cl;

    (void) r;

    for (cl = in; cl; cl = cl->next) {
        cr_assert_lt(hxh_npending, hx_nelems(hxh_pending));
        hxh_pending[hxh_npending++] = cl->buf;
    }

    if (hxh_stall) {
        return hxh_npending ? HX_AGAIN : HX_OK;
    }

    for (i = 0; i < hxh_npending; i++) {
        b = hxh_pending[i];
        n = b->last - b->pos;

        if (n) {
            cr_assert_leq(hxh_out_len + n, sizeof(hxh_out));
            hx_memcpy(hxh_out + hxh_out_len, b->pos, n);
            hxh_out_len += n;
            b->pos = b->last;
        }

        if (b->last_buf) {
            hxh_last_seen++;
        }

        if (b->flush) {
            hxh_flushes++;
        }
    }

    hxh_npending = 0;

    return HX_OK;
}


static void
hxh_gzip_init(void)
{
    hxh_init();
    hxh_out_len = 0;
    hxh_last_seen = 0;
    hxh_flushes = 0;
    hxh_stall = 0;
    hxh_npending = 0;
}


TestSuite(http_gzip, .init = hxh_gzip_init);


static void
hxh_gzip_parse_ok(const char *text)
{
    hxh_parse_ok(text);

    hxh_gzip_copy.ctx_index = hx_http_gzip_filter_module.ctx_index;
    hx_http_next_header_filter = hxh_next_header;
    hx_http_next_body_filter = hxh_next_body;
}


/* a 200 text/html response with a known length, for a gzip client */
static hx_http_request_t *
hxh_response(const char *type, off_t length)
{
    hx_http_request_t  *r;

    r = hxh_request("127.0.0.1:1", "/", NULL);

    r->headers_out.status = HX_HTTP_OK;
    r->headers_out.content_type.data = (uint8_t *) type;
    r->headers_out.content_type.len = strlen(type);
    r->headers_out.content_length_n = length;

    r->gzip_tested = 1;
    r->gzip_ok = 1;

    return r;
}


static hx_uint_t
hxh_encoded(hx_http_request_t *r)
{
    return r->headers_out.content_encoding != NULL;
}


/* inflates what the client got */
static size_t
hxh_inflate(uint8_t *dst, size_t size)
{
    int        rc;
    z_stream   z;

    hx_memzero(&z, sizeof(z_stream));
    cr_assert_eq(inflateInit2(&z, MAX_WBITS + 16), Z_OK);

    z.next_in = hxh_out;
    z.avail_in = hxh_out_len;
    z.next_out = dst;
    z.avail_out = size;

    rc = inflate(&z, Z_FINISH);
    cr_assert_eq(rc, Z_STREAM_END, "inflate: %d", rc);

    inflateEnd(&z);

    return size - z.avail_out;
}


/* a memory buffer of data, the last one when last */
static hx_chain_t *
hxh_chain(hx_http_request_t *r, uint8_t *data, size_t len, hx_uint_t last,
    hx_uint_t flush)
{
    hx_buf_t    *b;
    hx_chain_t  *cl;

    b = hx_calloc_buf(r->pool);
    cl = hx_alloc_chain_link(r->pool);
    cr_assert_not_null(b);
    cr_assert_not_null(cl);

    b->pos = data;
    b->last = data + len;
    b->start = data;
    b->end = data + len;
    b->memory = len ? 1 : 0;
    b->last_buf = last;
    b->flush = flush;

    cl->buf = b;
    cl->next = NULL;

    return cl;
}


#define HXH_SRV  "http { server { listen 127.0.0.1:9000;\n"


Test(http_gzip, a_html_response_is_encoded)
{
    hx_http_request_t  *r;

    hxh_gzip_parse_ok(HXH_SRV "location / { gzip on; } } }\n");

    r = hxh_response("text/html", 1000);

    cr_assert_eq(hx_http_gzip_header_filter(r), HX_OK);
    cr_assert(hxh_encoded(r));
    cr_assert_str_eq((char *) r->headers_out.content_encoding->value.data,
                     "gzip");
    cr_assert_eq(r->headers_out.content_length_n, -1);
    cr_assert(r->main_filter_need_in_memory);
    cr_assert(r->gzip_vary);
}


Test(http_gzip, what_is_left_alone)
{
    hx_table_elt_t     *ce;
    hx_http_request_t  *r;

    hxh_gzip_parse_ok(HXH_SRV "gzip on; gzip_min_length 100;\n"
                      "location / { }\n"
                      "location /off { gzip off; } } }\n");

    /* too short */
    r = hxh_response("text/html", 99);
    cr_assert_eq(hx_http_gzip_header_filter(r), HX_OK);
    cr_assert_not(hxh_encoded(r));

    /* a type not listed */
    r = hxh_response("image/png", 1000);
    cr_assert_eq(hx_http_gzip_header_filter(r), HX_OK);
    cr_assert_not(hxh_encoded(r));
    cr_assert_not(r->gzip_vary);

    /* a status other than 200, 403, 404 */
    r = hxh_response("text/html", 1000);
    r->headers_out.status = 206;
    cr_assert_eq(hx_http_gzip_header_filter(r), HX_OK);
    cr_assert_not(hxh_encoded(r));

    /* encoded already */
    r = hxh_response("text/html", 1000);
    ce = hx_list_push(&r->headers_out.headers);
    ce->hash = 1;
    hx_str_set(&ce->key, "Content-Encoding");
    hx_str_set(&ce->value, "br");
    r->headers_out.content_encoding = ce;
    cr_assert_eq(hx_http_gzip_header_filter(r), HX_OK);
    cr_assert_eq(r->headers_out.content_length_n, 1000);

    /* the client does not take it */
    r = hxh_response("text/html", 1000);
    r->gzip_ok = 0;
    cr_assert_eq(hx_http_gzip_header_filter(r), HX_OK);
    cr_assert_not(hxh_encoded(r));
    cr_assert(r->gzip_vary);

    /* gzip off */
    r = hxh_request("127.0.0.1:1", "/off", NULL);
    r->headers_out.status = 200;
    hx_str_set(&r->headers_out.content_type, "text/html");
    r->gzip_tested = 1;
    r->gzip_ok = 1;
    cr_assert_eq(hx_http_gzip_header_filter(r), HX_OK);
    cr_assert_not(hxh_encoded(r));
}


Test(http_gzip, gzip_types_with_parameters_and_star)
{
    hx_http_request_t  *r;

    hxh_gzip_parse_ok(HXH_SRV
                      "location /t { gzip on; gzip_types text/plain; }\n"
                      "location /any { gzip on; gzip_types *; } } }\n");

    r = hxh_request("127.0.0.1:1", "/t", NULL);
    r->headers_out.status = 200;
    hx_str_set(&r->headers_out.content_type, "TEXT/Plain; charset=utf-8");
    r->headers_out.content_length_n = -1;
    r->gzip_tested = 1;
    r->gzip_ok = 1;
    cr_assert_eq(hx_http_gzip_header_filter(r), HX_OK);
    cr_assert(hxh_encoded(r));

    r = hxh_request("127.0.0.1:1", "/t", NULL);
    r->headers_out.status = 200;
    hx_str_set(&r->headers_out.content_type, "text/html");
    r->headers_out.content_length_n = -1;
    r->gzip_tested = 1;
    r->gzip_ok = 1;
    cr_assert_eq(hx_http_gzip_header_filter(r), HX_OK);
    cr_assert(hxh_encoded(r), "text/html is always compressed");

    r = hxh_request("127.0.0.1:1", "/any", NULL);
    r->headers_out.status = 404;
    hx_str_set(&r->headers_out.content_type, "application/x-whatever");
    r->headers_out.content_length_n = -1;
    r->gzip_tested = 1;
    r->gzip_ok = 1;
    cr_assert_eq(hx_http_gzip_header_filter(r), HX_OK);
    cr_assert(hxh_encoded(r));
}


Test(http_gzip, the_body_inflates_back_whatever_the_buffers)
{
    size_t               i, n, len, sent;
    uint8_t             *data, back[200000];
    hx_chain_t          *cl;
    hx_http_request_t   *r;
    hx_http_gzip_ctx_t  *ctx;

    hxh_gzip_parse_ok(HXH_SRV "location / { gzip on; gzip_comp_level 6;"
                      " gzip_buffers 4 64; } } }\n");

    len = 150000;
    data = hx_pnalloc(hxh_cycle.pool, len);

    /* compressible but not trivial */
    for (i = 0; i < len; i++) {
        data[i] = (uint8_t) ("abcdefghij"[(i * 7) % 10] + (i % 97 == 0));
    }

    r = hxh_response("text/html", -1);
    cr_assert_eq(hx_http_gzip_header_filter(r), HX_OK);

    for (sent = 0; sent < len; sent += n) {
        n = hx_min((size_t) 7777, len - sent);
        cl = hxh_chain(r, data + sent, n, sent + n == len, 0);
        cr_assert_eq(hx_http_gzip_body_filter(r, cl), HX_OK);
    }

    cr_assert_eq(hxh_last_seen, 1);
    cr_assert_lt(hxh_out_len, len / 4);
    cr_assert_eq(hxh_inflate(back, sizeof(back)), len);
    cr_assert(memcmp(back, data, len) == 0);

    ctx = hx_http_get_module_ctx(r, hxh_gzip_copy);
    cr_assert(ctx->done);
    cr_assert_null(ctx->preallocated);
    cr_assert_not(r->connection->buffered & HX_HTTP_GZIP_BUFFERED);
    cr_assert_leq(ctx->bufs, 4);
}


Test(http_gzip, a_short_known_length_uses_a_small_window)
{
    uint8_t             back[64];
    hx_http_request_t  *r;
    hx_http_gzip_ctx_t *ctx;

    hxh_gzip_parse_ok(HXH_SRV "location / { gzip on; } } }\n");

    r = hxh_response("text/html", 64);
    cr_assert_eq(hx_http_gzip_header_filter(r), HX_OK);

    ctx = hx_http_get_module_ctx(r, hxh_gzip_copy);
    cr_assert_lt(ctx->wbits, MAX_WBITS);
    cr_assert_lt(ctx->allocated, 64 * 1024);

    cr_assert_eq(hx_http_gzip_body_filter(r,
                     hxh_chain(r, (uint8_t *) "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
                               "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", 64, 1, 0)),
                 HX_OK);

    cr_assert_eq(hxh_inflate(back, sizeof(back)), 64);
    cr_assert_eq(back[63], 'X');
}


Test(http_gzip, a_flush_buffer_makes_a_sync_point)
{
    uint8_t             back[64];
    hx_http_request_t  *r;

    hxh_gzip_parse_ok(HXH_SRV "location / { gzip on; } } }\n");

    r = hxh_response("text/html", -1);
    cr_assert_eq(hx_http_gzip_header_filter(r), HX_OK);

    cr_assert_eq(hx_http_gzip_body_filter(r,
                     hxh_chain(r, (uint8_t *) "first ", 6, 0, 1)), HX_OK);

    /* everything so far is out and decodable */
    cr_assert_eq(hxh_flushes, 1);
    cr_assert_gt(hxh_out_len, 6);

    cr_assert_eq(hx_http_gzip_body_filter(r,
                     hxh_chain(r, (uint8_t *) "second", 6, 1, 0)), HX_OK);

    cr_assert_eq(hxh_inflate(back, sizeof(back)), 12);
    cr_assert(memcmp(back, "first second", 12) == 0);
}


Test(http_gzip, busy_output_buffers_stop_the_filter)
{
    size_t              i, len;
    uint8_t            *data, back[100000];
    hx_int_t            rc;
    hx_http_request_t  *r;

    hxh_gzip_parse_ok(HXH_SRV "location / { gzip on; gzip_comp_level 1;"
                      " gzip_buffers 2 32; } } }\n");

    len = 60000;
    data = hx_pnalloc(hxh_cycle.pool, len);

    /* incompressible: the output is as long as the input */
    for (i = 0; i < len; i++) {
        data[i] = (uint8_t) (hx_murmur_hash2((uint8_t *) &i, sizeof(i)));
    }

    r = hxh_response("text/html", -1);
    cr_assert_eq(hx_http_gzip_header_filter(r), HX_OK);

    hxh_stall = 1;

    rc = hx_http_gzip_body_filter(r, hxh_chain(r, data, len, 1, 0));
    cr_assert_eq(rc, HX_AGAIN);
    cr_assert(r->connection->buffered & HX_HTTP_GZIP_BUFFERED);

    /* the client reads again: the write event calls with no input */
    hxh_stall = 0;

    for (i = 0; i < 100000 && hxh_last_seen == 0; i++) {
        rc = hx_http_gzip_body_filter(r, NULL);
        cr_assert_neq(rc, HX_ERROR);
    }

    cr_assert_eq(hxh_last_seen, 1);
    cr_assert_eq(hxh_inflate(back, sizeof(back)), len);
    cr_assert(memcmp(back, data, len) == 0);
}


Test(http_gzip, gzip_ratio_after_the_end)
{
    size_t                     len;
    uint8_t                   *data;
    hx_http_request_t         *r;
    hx_http_variable_value_t   v;

    hxh_gzip_parse_ok(HXH_SRV "location / { gzip on; } } }\n");

    len = 10000;
    data = hx_pnalloc(hxh_cycle.pool, len);
    hx_memset(data, 'a', len);

    r = hxh_response("text/html", -1);

    hx_memzero(&v, sizeof(v));
    cr_assert_eq(hx_http_gzip_ratio_variable(r, &v, 0), HX_OK);
    cr_assert(v.not_found);

    cr_assert_eq(hx_http_gzip_header_filter(r), HX_OK);
    cr_assert_eq(hx_http_gzip_body_filter(r, hxh_chain(r, data, len, 1, 0)),
                 HX_OK);

    hx_memzero(&v, sizeof(v));
    cr_assert_eq(hx_http_gzip_ratio_variable(r, &v, 0), HX_OK);
    cr_assert_not(v.not_found);

    /* 10000 bytes of "a" shrink well over ten times: "NN.NN" */
    cr_assert_geq(v.len, 5);
    cr_assert_eq(v.data[v.len - 3], '.');
    cr_assert_gt(atoi((char *) v.data), 10);
}


Test(http_gzip, a_head_request_gets_the_header_only)
{
    hx_http_request_t  *r;

    hxh_gzip_parse_ok(HXH_SRV "location / { gzip on; } } }\n");

    r = hxh_response("text/html", 100);
    r->header_only = 1;

    cr_assert_eq(hx_http_gzip_header_filter(r), HX_OK);
    cr_assert_not(hxh_encoded(r));
}


Test(http_gzip, the_comp_level_is_bounded)
{
    hxh_parse_fails("http { gzip_comp_level 10; }\n",
                    "value must be between 1 and 9 in ");
}


Test(http_gzip, gzip_types_twice_is_refused)
{
    hxh_parse_fails("http { gzip_types text/css; gzip_types text/xml; }\n",
                    "\"gzip_types\" directive is duplicate in ");
}

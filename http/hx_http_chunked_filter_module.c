/*
 * Chunked transfer coding for responses whose length is unknown when the
 * header goes out (RFC 9112 7.1), and for responses with trailers
 * (add_trailer).  Each pass of the body filter becomes one chunk: a size
 * line in front of the data and a CRLF after it, with the data buffers
 * passed through untouched; the last buffer brings "0", the trailers and
 * the final CRLF.  An HTTP/1.0 client (or chunked_transfer_encoding off)
 * gets the body as it is and the connection closes after it.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


typedef struct {
    hx_chain_t        *free;
    hx_chain_t        *busy;
} hx_http_chunked_filter_ctx_t;


static hx_int_t hx_http_chunked_filter_init(hx_conf_t *cf);
static hx_chain_t *hx_http_chunked_create_trailers(hx_http_request_t *r,
    hx_http_chunked_filter_ctx_t *ctx);


static hx_http_module_t  hx_http_chunked_filter_module_ctx = {
    NULL,                                  /* preconfiguration */
    hx_http_chunked_filter_init,           /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


hx_module_t  hx_http_chunked_filter_module = {
    HX_MODULE_V1,
    "hx_http_chunked_filter_module",
    &hx_http_chunked_filter_module_ctx,
    NULL,
    HX_HTTP_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


static hx_http_output_header_filter_pt  hx_http_next_header_filter;
static hx_http_output_body_filter_pt    hx_http_next_body_filter;


#define HX_HTTP_CHUNKED_TAG  ((hx_buf_tag_t) &hx_http_chunked_filter_module)


static hx_int_t
hx_http_chunked_header_filter(hx_http_request_t *r)
{
    hx_http_core_loc_conf_t         *clcf;
    hx_http_chunked_filter_ctx_t    *ctx;

    if (r->headers_out.status == HX_HTTP_NOT_MODIFIED
        || r->headers_out.status == HX_HTTP_NO_CONTENT
        || r->headers_out.status < HX_HTTP_OK
        || r != r->main
        || r->method == HX_HTTP_HEAD)
    {
        return hx_http_next_header_filter(r);
    }

    if (r->headers_out.content_length_n == -1 || r->expect_trailers) {

        clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

        if (r->http_version >= HX_HTTP_VERSION_11
            && clcf->chunked_transfer_encoding)
        {
            if (r->expect_trailers) {
                hx_http_clear_content_length(r);
            }

            r->chunked = 1;

            ctx = hx_pcalloc(r->pool, sizeof(hx_http_chunked_filter_ctx_t));
            if (ctx == NULL) {
                return HX_ERROR;
            }

            hx_http_set_ctx(r, ctx, hx_http_chunked_filter_module);

        } else if (r->headers_out.content_length_n == -1) {

            /* the end of the body is the end of the connection */

            r->keepalive = 0;
        }
    }

    return hx_http_next_header_filter(r);
}


static hx_int_t
hx_http_chunked_body_filter(hx_http_request_t *r, hx_chain_t *in)
{
    uint8_t                          *chunk;
    off_t                             size;
    hx_int_t                          rc;
    hx_buf_t                         *b;
    hx_chain_t                       *out, *cl, *tl, **ll;
    hx_http_chunked_filter_ctx_t     *ctx;

    if (in == NULL || !r->chunked || r->header_only) {
        return hx_http_next_body_filter(r, in);
    }

    ctx = hx_http_get_module_ctx(r, hx_http_chunked_filter_module);

    out = NULL;
    ll = &out;

    size = 0;
    cl = in;

    for ( ;; ) {

        size += hx_buf_size(cl->buf);

        if (cl->buf->flush
            || cl->buf->sync
            || hx_buf_in_memory(cl->buf)
            || cl->buf->in_file)
        {
            tl = hx_alloc_chain_link(r->pool);
            if (tl == NULL) {
                return HX_ERROR;
            }

            tl->buf = cl->buf;
            *ll = tl;
            ll = &tl->next;
        }

        if (cl->next == NULL) {
            break;
        }

        cl = cl->next;
    }

    if (size) {
        tl = hx_chain_get_free_buf(r->pool, &ctx->free);
        if (tl == NULL) {
            return HX_ERROR;
        }

        b = tl->buf;
        chunk = b->start;

        if (chunk == NULL) {

            /* room for a 64-bit size in hex */

            chunk = hx_palloc(r->pool, sizeof("0000000000000000" CRLF) - 1);
            if (chunk == NULL) {
                return HX_ERROR;
            }

            b->start = chunk;
            b->end = chunk + sizeof("0000000000000000" CRLF) - 1;
        }

        b->tag = HX_HTTP_CHUNKED_TAG;
        b->memory = 0;
        b->temporary = 1;
        b->pos = chunk;
        b->last = hx_sprintf(chunk, "%xO" CRLF, size);

        tl->next = out;
        out = tl;
    }

    if (cl->buf->last_buf) {
        tl = hx_http_chunked_create_trailers(r, ctx);
        if (tl == NULL) {
            return HX_ERROR;
        }

        cl->buf->last_buf = 0;

        *ll = tl;

        if (size == 0) {
            /* no data chunk before: no CRLF to end it */
            tl->buf->pos += 2;
        }

    } else if (size > 0) {
        tl = hx_chain_get_free_buf(r->pool, &ctx->free);
        if (tl == NULL) {
            return HX_ERROR;
        }

        b = tl->buf;

        b->tag = HX_HTTP_CHUNKED_TAG;
        b->temporary = 0;
        b->memory = 1;
        b->pos = (uint8_t *) CRLF;
        b->last = b->pos + 2;

        *ll = tl;

    } else {
        *ll = NULL;
    }

    rc = hx_http_next_body_filter(r, out);

    hx_chain_update_chains(r->pool, &ctx->free, &ctx->busy, &out,
                           HX_HTTP_CHUNKED_TAG);

    return rc;
}


static hx_chain_t *
hx_http_chunked_create_trailers(hx_http_request_t *r,
    hx_http_chunked_filter_ctx_t *ctx)
{
    size_t            len;
    hx_buf_t         *b;
    hx_chain_t       *cl;
    hx_list_iter_t    it;
    hx_table_elt_t   *h;

    len = 0;

    hx_list_iter_init(&it, &r->headers_out.trailers);

    while ((h = hx_list_iter_next(&it)) != NULL) {
        if (h->hash) {
            len += h->key.len + sizeof(": ") - 1
                   + h->value.len + sizeof(CRLF) - 1;
        }
    }

    cl = hx_chain_get_free_buf(r->pool, &ctx->free);
    if (cl == NULL) {
        return NULL;
    }

    b = cl->buf;

    b->tag = HX_HTTP_CHUNKED_TAG;
    b->temporary = 0;
    b->memory = 1;
    b->last_buf = 1;

    if (len == 0) {
        b->pos = (uint8_t *) CRLF "0" CRLF CRLF;
        b->last = b->pos + sizeof(CRLF "0" CRLF CRLF) - 1;
        return cl;
    }

    len += sizeof(CRLF "0" CRLF CRLF) - 1;

    b->pos = hx_palloc(r->pool, len);
    if (b->pos == NULL) {
        return NULL;
    }

    b->last = b->pos;

    *b->last++ = CR; *b->last++ = LF;
    *b->last++ = '0';
    *b->last++ = CR; *b->last++ = LF;

    hx_list_iter_init(&it, &r->headers_out.trailers);

    while ((h = hx_list_iter_next(&it)) != NULL) {
        if (h->hash == 0) {
            continue;
        }

        b->last = hx_cpymem(b->last, h->key.data, h->key.len);
        *b->last++ = ':'; *b->last++ = ' ';
        b->last = hx_cpymem(b->last, h->value.data, h->value.len);
        *b->last++ = CR; *b->last++ = LF;
    }

    *b->last++ = CR; *b->last++ = LF;

    return cl;
}


static hx_int_t
hx_http_chunked_filter_init(hx_conf_t *cf)
{
    (void) cf;

    hx_http_next_header_filter = hx_http_top_header_filter;
    hx_http_top_header_filter = hx_http_chunked_header_filter;

    hx_http_next_body_filter = hx_http_top_body_filter;
    hx_http_top_body_filter = hx_http_chunked_body_filter;

    return HX_OK;
}

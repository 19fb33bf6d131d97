/*
 * What the proxy sends: the request line, the header, and the body.
 *
 * The URI follows nginx's rules (see hx_http_proxy_module.c); the header
 * is the location's configured lines (values evaluated now, empty ones
 * dropped) followed by the client's lines that no configured line names.
 * Everything up to the empty line goes into one buffer, sized exactly
 * after a first pass over the values.
 *
 * The body is the client's, after it: a buffered body (memory buffers
 * and/or its temp file) is linked as it is, and the upstream machinery
 * sends a fresh copy per attempt; a body read without buffering is
 * passed through hx_http_proxy_body_filter() as it arrives, which frames
 * it in chunks when the client sent chunks and the backend speaks
 * HTTP/1.1 (the total length is not known before the last chunk).
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_upstream.h>
#include "hx_http_proxy.h"


static int  hx_http_proxy_body_tag;

#define HX_HTTP_PROXY_BODY_TAG  ((hx_buf_tag_t) &hx_http_proxy_body_tag)


static uint8_t  hx_http_proxy_version_10[] = " HTTP/1.0" CRLF;
static uint8_t  hx_http_proxy_version_11[] = " HTTP/1.1" CRLF;


/* the evaluated configured header lines; value.len 0 means skip */
static hx_int_t
hx_http_proxy_eval_headers(hx_http_request_t *r,
    hx_http_proxy_headers_t *headers, hx_str_t **values, size_t *len)
{
    hx_str_t                *v;
    hx_uint_t                i;
    hx_http_proxy_header_t  *ph;

    ph = headers->list->elts;

    v = hx_pcalloc(r->pool, (headers->list->nelts + 1) * sizeof(hx_str_t));
    if (v == NULL) {
        return HX_ERROR;
    }

    for (i = 0; i < headers->list->nelts; i++) {

        if (hx_http_complex_value(r, &ph[i].value, &v[i]) != HX_OK) {
            return HX_ERROR;
        }

        if (v[i].len == 0) {
            continue;
        }

        *len += ph[i].key.len + sizeof(": ") - 1 + v[i].len
                + sizeof(CRLF) - 1;
    }

    *values = v;

    return HX_OK;
}


hx_int_t
hx_http_proxy_create_request(hx_http_request_t *r)
{
    size_t                      len, uri_len, loc_len;
    uintptr_t                   escape;
    hx_str_t                    method, body, *values;
    hx_buf_t                   *b;
    hx_uint_t                   i, unparsed_uri;
    hx_chain_t                 *cl, *tl, *in, **ll;
    hx_list_iter_t              it;
    hx_table_elt_t             *h;
    hx_http_upstream_t         *u;
    hx_http_proxy_ctx_t        *ctx;
    hx_http_proxy_header_t     *ph;
    hx_http_proxy_headers_t    *headers;
    hx_http_proxy_loc_conf_t   *plcf;

    u = r->upstream;

    plcf = hx_http_get_module_loc_conf(r, hx_http_proxy_module);
    ctx = hx_http_get_module_ctx(r, hx_http_proxy_module);

    headers = &plcf->headers;

    if (plcf->method) {
        if (hx_http_complex_value(r, plcf->method, &method) != HX_OK) {
            return HX_ERROR;
        }

    } else {
        method = r->method_name;
    }

    if (method.len == 4
        && hx_strncasecmp(method.data, (uint8_t *) "HEAD", 4) == 0)
    {
        ctx->head = 1;
    }

    len = method.len + 1 + sizeof(hx_http_proxy_version_11) - 1
          + sizeof(CRLF) - 1;

    escape = 0;
    loc_len = 0;
    unparsed_uri = 0;

    if (plcf->proxy && ctx->vars.uri.len) {
        uri_len = ctx->vars.uri.len;

    } else if (ctx->vars.uri.len == 0 && r->valid_unparsed_uri) {
        unparsed_uri = 1;
        uri_len = r->unparsed_uri.len;

    } else {
        loc_len = (r->valid_location && ctx->vars.uri.len)
                  ? hx_min(plcf->location.len, r->uri.len) : 0;

        if (r->quoted_uri || r->internal) {
            escape = 2 * hx_escape_uri(NULL, r->uri.data + loc_len,
                                       r->uri.len - loc_len, HX_ESCAPE_URI);
        }

        uri_len = ctx->vars.uri.len + r->uri.len - loc_len + escape
                  + sizeof("?") - 1 + r->args.len;
    }

    if (uri_len == 0) {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "zero length URI to proxy");
        return HX_ERROR;
    }

    len += uri_len;

    /* the body length the default headers announce */

    hx_str_null(&body);

    if (plcf->body) {
        if (hx_http_complex_value(r, plcf->body, &body) != HX_OK) {
            return HX_ERROR;
        }

        ctx->internal_body_length = body.len;
        len += body.len;

    } else if (r->headers_in.chunked && r->reading_body) {
        ctx->internal_body_length = -1;
        ctx->internal_chunked = 1;

    } else {
        ctx->internal_body_length = r->headers_in.content_length_n;
    }

    if (hx_http_proxy_eval_headers(r, headers, &values, &len) != HX_OK) {
        return HX_ERROR;
    }

    if (plcf->upstream.pass_request_headers) {
        hx_list_iter_init(&it, &r->headers_in.headers);

        while ((h = hx_list_iter_next(&it)) != NULL) {

            if (hx_hash_find(&headers->hash, h->hash, h->lowcase_key,
                             h->key.len))
            {
                continue;
            }

            len += h->key.len + sizeof(": ") - 1 + h->value.len
                   + sizeof(CRLF) - 1;
        }
    }

    b = hx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return HX_ERROR;
    }

    cl = hx_alloc_chain_link(r->pool);
    if (cl == NULL) {
        return HX_ERROR;
    }

    cl->buf = b;

    /* the request line */

    b->last = hx_cpymem(b->last, method.data, method.len);
    *b->last++ = ' ';

    u->uri.data = b->last;

    if (plcf->proxy && ctx->vars.uri.len) {
        b->last = hx_cpymem(b->last, ctx->vars.uri.data, ctx->vars.uri.len);

    } else if (unparsed_uri) {
        b->last = hx_cpymem(b->last, r->unparsed_uri.data,
                            r->unparsed_uri.len);

    } else {
        if (r->valid_location && ctx->vars.uri.len) {
            b->last = hx_cpymem(b->last, ctx->vars.uri.data,
                                ctx->vars.uri.len);
        }

        if (escape) {
            hx_escape_uri(b->last, r->uri.data + loc_len,
                          r->uri.len - loc_len, HX_ESCAPE_URI);
            b->last += r->uri.len - loc_len + escape;

        } else {
            b->last = hx_cpymem(b->last, r->uri.data + loc_len,
                                r->uri.len - loc_len);
        }

        if (r->args.len > 0) {
            *b->last++ = '?';
            b->last = hx_cpymem(b->last, r->args.data, r->args.len);
        }
    }

    u->uri.len = b->last - u->uri.data;

    if (plcf->http_version == HX_HTTP_VERSION_11) {
        b->last = hx_cpymem(b->last, hx_http_proxy_version_11,
                            sizeof(hx_http_proxy_version_11) - 1);

    } else {
        b->last = hx_cpymem(b->last, hx_http_proxy_version_10,
                            sizeof(hx_http_proxy_version_10) - 1);
    }

    /* the configured lines, then the client's */

    ph = headers->list->elts;

    for (i = 0; i < headers->list->nelts; i++) {

        if (values[i].len == 0) {
            continue;
        }

        b->last = hx_cpymem(b->last, ph[i].key.data, ph[i].key.len);
        *b->last++ = ':';
        *b->last++ = ' ';
        b->last = hx_cpymem(b->last, values[i].data, values[i].len);
        *b->last++ = CR;
        *b->last++ = LF;
    }

    if (plcf->upstream.pass_request_headers) {
        hx_list_iter_init(&it, &r->headers_in.headers);

        while ((h = hx_list_iter_next(&it)) != NULL) {

            if (hx_hash_find(&headers->hash, h->hash, h->lowcase_key,
                             h->key.len))
            {
                continue;
            }

            b->last = hx_cpymem(b->last, h->key.data, h->key.len);
            *b->last++ = ':';
            *b->last++ = ' ';
            b->last = hx_cpymem(b->last, h->value.data, h->value.len);
            *b->last++ = CR;
            *b->last++ = LF;

            hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                         "http proxy header: \"%V: %V\"",
                         &h->key, &h->value);
        }
    }

    *b->last++ = CR;
    *b->last++ = LF;

    if (body.len) {
        b->last = hx_cpymem(b->last, body.data, body.len);
    }

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "http proxy header:%N\"%*s\"",
                 (size_t) (b->last - b->pos), b->pos);

    if (r->request_body_no_buffering) {

        /* the body follows as it arrives: hx_http_proxy_body_filter */

        u->request_bufs = cl;
        cl->next = NULL;

        return HX_OK;
    }

    /* a buffered body: linked after the header, when it is to be sent */

    in = (plcf->body == NULL && plcf->upstream.pass_request_body)
         ? u->request_bufs : NULL;

    u->request_bufs = cl;
    ll = &cl->next;

    for ( /* void */ ; in; in = in->next) {

        tl = hx_alloc_chain_link(r->pool);
        if (tl == NULL) {
            return HX_ERROR;
        }

        tl->buf = in->buf;
        *ll = tl;
        ll = &tl->next;
    }

    *ll = NULL;

    return HX_OK;
}


/* a retry: the response parsing starts over */
hx_int_t
hx_http_proxy_reinit_request(hx_http_request_t *r)
{
    hx_http_proxy_ctx_t  *ctx;

    ctx = hx_http_get_module_ctx(r, hx_http_proxy_module);

    if (ctx == NULL) {
        return HX_OK;
    }

    hx_memzero(&ctx->status, sizeof(hx_http_status_t));
    hx_memzero(&ctx->chunked, sizeof(hx_http_chunked_t));
    hx_memzero(&ctx->parser, sizeof(hx_http_parser_t));
    ctx->trailers = NULL;

    r->upstream->process_header = hx_http_proxy_process_status_line;
    r->upstream->pipe->input_filter = hx_http_proxy_copy_filter;
    r->upstream->input_filter = hx_http_proxy_non_buffered_copy_filter;

    return HX_OK;
}


/*
 * A framing buffer ("size CRLF", "CRLF", the last chunk) linked at *ll:
 * its own link stays in ctx->busy until its bytes are sent, and it is
 * reused from ctx->free after that.  NULL on no memory.
 */
static hx_buf_t *
hx_http_proxy_chunk_buf(hx_http_request_t *r, hx_http_proxy_ctx_t *ctx,
    hx_chain_t ***ll)
{
    hx_buf_t    *b;
    hx_chain_t  *cl, *tl;

    cl = hx_chain_get_free_buf(r->pool, &ctx->free);
    tl = hx_alloc_chain_link(r->pool);

    if (cl == NULL || tl == NULL) {
        return NULL;
    }

    b = cl->buf;

    b->tag = HX_HTTP_PROXY_BODY_TAG;
    b->temporary = 0;
    b->memory = 1;
    b->last_buf = 0;
    b->flush = 0;

    cl->next = ctx->busy;
    ctx->busy = cl;

    tl->buf = b;
    tl->next = NULL;

    **ll = tl;
    *ll = &tl->next;

    return b;
}


/*
 * The client's body buffers as they arrive (unbuffered): passed as they
 * are, or framed as chunks "size CRLF data CRLF", with "0 CRLF CRLF" at
 * the last buffer, when the body is sent chunked.  *out is appended to.
 */
hx_int_t
hx_http_proxy_body_filter(hx_http_request_t *r, hx_chain_t *in,
    hx_chain_t **out)
{
    off_t                 size;
    uint8_t              *chunk;
    hx_buf_t             *b;
    hx_uint_t             last;
    hx_chain_t           *cl, *tl, **ll, **pl;
    hx_http_proxy_ctx_t  *ctx;

    ctx = hx_http_get_module_ctx(r, hx_http_proxy_module);

    ll = out;

    while (*ll) {
        ll = &(*ll)->next;
    }

    /* framing buffers already sent can be used again */

    for (pl = &ctx->busy; *pl; /* void */ ) {
        cl = *pl;

        if (hx_buf_size(cl->buf) == 0) {
            *pl = cl->next;
            cl->next = ctx->free;
            ctx->free = cl;
            continue;
        }

        pl = &cl->next;
    }

    size = 0;
    last = 0;

    for (cl = in; cl; cl = cl->next) {
        size += hx_buf_size(cl->buf);

        if (cl->buf->last_buf) {
            last = 1;
        }
    }

    if (ctx->internal_chunked && size) {

        b = hx_http_proxy_chunk_buf(r, ctx, &ll);
        if (b == NULL) {
            return HX_ERROR;
        }

        chunk = b->start;

        if (chunk == NULL) {
            chunk = hx_palloc(r->pool, sizeof("0000000000000000" CRLF) - 1);
            if (chunk == NULL) {
                return HX_ERROR;
            }

            b->start = chunk;
            b->end = chunk + sizeof("0000000000000000" CRLF) - 1;
        }

        b->memory = 0;
        b->temporary = 1;
        b->pos = chunk;
        b->last = hx_sprintf(chunk, "%xO" CRLF, size);
    }

    for (cl = in; cl; cl = cl->next) {

        tl = hx_alloc_chain_link(r->pool);
        if (tl == NULL) {
            return HX_ERROR;
        }

        tl->buf = cl->buf;
        tl->next = NULL;

        *ll = tl;
        ll = &tl->next;
    }

    if (!ctx->internal_chunked || (!last && size == 0)) {
        return HX_OK;
    }

    b = hx_http_proxy_chunk_buf(r, ctx, &ll);
    if (b == NULL) {
        return HX_ERROR;
    }

    if (last) {
        b->pos = (uint8_t *) CRLF "0" CRLF CRLF;
        b->last = b->pos + 7;

        if (size == 0) {
            b->pos += 2;
        }

    } else {
        b->pos = (uint8_t *) CRLF;
        b->last = b->pos + 2;
    }

    return HX_OK;
}

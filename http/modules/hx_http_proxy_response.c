/*
 * What the proxy reads back: the status line, the header lines, and the
 * framing of the body (Content-Length, chunked, or until close), for the
 * buffered pipe and the unbuffered path alike.
 *
 * Header lines are parsed in place (hx_http_parse_header_line, the same
 * state machine as for requests, underscores allowed) and copied once
 * into the request pool, so that the header buffer can then carry body
 * bytes.  Interim responses (1xx other than 101) are read and dropped:
 * the backend's final answer follows them in the same stream.
 *
 * With proxy_pass_trailers, the chunked parser stops where the trailer
 * section begins; its bytes are copied into a buffer of proxy_buffer_size
 * (the same limit as the header) and parsed there with the header-line
 * parser, since the section may span any number of reads and the pipe's
 * raw buffers do not stay put.  An invalid or oversized section makes the
 * response invalid, as in nginx: the client's chunked body is cut short.
 *
 * Framing decides keep-alive: the backend connection may go back to the
 * pool only when the body ended exactly where its framing said, and the
 * backend did not say "Connection: close"; any byte beyond that end is
 * logged and the connection closed, so a second response can never be
 * read from it as if it answered the next request.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_upstream.h>
#include "hx_http_proxy.h"


static hx_int_t hx_http_proxy_process_header(hx_http_request_t *r);
static hx_int_t hx_http_proxy_add_header_line(hx_http_request_t *r,
    hx_http_parser_t *p, hx_list_t *list, hx_table_elt_t **hp);
static void hx_http_proxy_invalid_line(hx_http_request_t *r,
    hx_http_parser_t *p, const char *what);
static hx_int_t hx_http_proxy_header_done(hx_http_request_t *r,
    hx_http_proxy_ctx_t *ctx);
static hx_int_t hx_http_proxy_chunked_filter(hx_http_upstream_pipe_t *p,
    hx_buf_t *raw);
static hx_int_t hx_http_proxy_non_buffered_chunked_filter(void *data,
    ssize_t bytes);
static hx_int_t hx_http_proxy_chunked_done(hx_http_request_t *r,
    hx_http_proxy_ctx_t *ctx, hx_buf_t *buf);
static hx_int_t hx_http_proxy_process_trailers(hx_http_request_t *r,
    hx_http_proxy_ctx_t *ctx, hx_buf_t *buf);


hx_int_t
hx_http_proxy_process_status_line(hx_http_request_t *r)
{
    size_t                len;
    uint8_t              *p;
    hx_int_t              rc;
    hx_http_upstream_t   *u;
    hx_http_proxy_ctx_t  *ctx;

    ctx = hx_http_get_module_ctx(r, hx_http_proxy_module);

    if (ctx == NULL) {
        return HX_ERROR;
    }

    u = r->upstream;

    rc = hx_http_parse_status_line(&ctx->status, &u->buffer);

    if (rc == HX_AGAIN) {
        return rc;
    }

    if (rc == HX_ERROR) {

        /* an HTTP/0.9 backend: the bytes are the body */

        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "upstream sent no valid HTTP/1.0 header");

        r->http_version = HX_HTTP_VERSION_9;
        u->state->status = HX_HTTP_OK;
        u->headers_in.connection_close = 1;

        return HX_OK;
    }

    if (u->state && u->state->status == 0) {
        u->state->status = ctx->status.code;
    }

    u->headers_in.status_n = ctx->status.code;

    /* the status line for the client is "200 OK": no protocol part */

    p = ctx->status.start;

    while (p < ctx->status.end && *p != ' ') {
        p++;
    }

    while (p < ctx->status.end && *p == ' ') {
        p++;
    }

    len = ctx->status.end - p;
    u->headers_in.status_line.len = len;

    u->headers_in.status_line.data = hx_pnalloc(r->pool, len);
    if (u->headers_in.status_line.data == NULL) {
        return HX_ERROR;
    }

    hx_memcpy(u->headers_in.status_line.data, p, len);

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "http proxy status %ui \"%V\"",
                 u->headers_in.status_n, &u->headers_in.status_line);

    if (ctx->status.http_version < HX_HTTP_VERSION_11) {
        u->headers_in.connection_close = 1;
    }

    hx_memzero(&ctx->parser, sizeof(hx_http_parser_t));

    u->process_header = hx_http_proxy_process_header;

    return hx_http_proxy_process_header(r);
}


static hx_int_t
hx_http_proxy_process_header(hx_http_request_t *r)
{
    hx_int_t                        rc;
    hx_table_elt_t                 *h;
    hx_http_upstream_t             *u;
    hx_http_proxy_ctx_t            *ctx;
    hx_http_upstream_header_t      *hh;
    hx_http_upstream_main_conf_t   *umcf;

    umcf = hx_http_get_module_main_conf(r, hx_http_upstream_module);
    ctx = hx_http_get_module_ctx(r, hx_http_proxy_module);
    u = r->upstream;

    for ( ;; ) {

        rc = hx_http_parse_header_line(&ctx->parser, &u->buffer, 1);

        if (rc == HX_OK) {

            if (u->headers_in.status_n < HX_HTTP_OK
                && u->headers_in.status_n != HX_HTTP_SWITCHING_PROTOCOLS)
            {
                /* an interim response's lines are not kept */
                continue;
            }

            if (hx_http_proxy_add_header_line(r, &ctx->parser,
                                              &u->headers_in.headers, &h)
                != HX_OK)
            {
                return HX_ERROR;
            }

            hh = hx_hash_find(&umcf->headers_in_hash, h->hash,
                              h->lowcase_key, h->key.len);

            if (hh) {
                rc = hh->handler(r, h, hh->offset);

                if (rc != HX_OK) {
                    return rc;
                }
            }

            continue;
        }

        if (rc == HX_HTTP_PARSE_HEADER_DONE) {

            if (u->headers_in.status_n < HX_HTTP_OK
                && u->headers_in.status_n != HX_HTTP_SWITCHING_PROTOCOLS)
            {
                /* 100, 102, 103: the final response comes next */

                hx_memzero(&ctx->status, sizeof(hx_http_status_t));
                u->headers_in.status_n = 0;
                u->state->status = 0;
                u->process_header = hx_http_proxy_process_status_line;

                if (u->buffer.pos == u->buffer.last) {
                    return HX_AGAIN;
                }

                return hx_http_proxy_process_status_line(r);
            }

            return hx_http_proxy_header_done(r, ctx);
        }

        if (rc == HX_AGAIN) {
            return HX_AGAIN;
        }

        /* rc == HX_HTTP_PARSE_INVALID_HEADER */

        hx_http_proxy_invalid_line(r, &ctx->parser, "header");

        return HX_HTTP_UPSTREAM_INVALID_HEADER;
    }
}


/* the line just parsed, copied into the request's pool, added to list */
static hx_int_t
hx_http_proxy_add_header_line(hx_http_request_t *r, hx_http_parser_t *p,
    hx_list_t *list, hx_table_elt_t **hp)
{
    hx_table_elt_t  *h;

    h = hx_list_push(list);
    if (h == NULL) {
        return HX_ERROR;
    }

    h->hash = p->header_hash;
    h->next = NULL;

    h->key.len = p->header_name_end - p->header_name_start;
    h->value.len = p->header_end - p->header_start;

    h->key.data = hx_pnalloc(r->pool,
                             h->key.len + 1 + h->value.len + 1 + h->key.len);
    if (h->key.data == NULL) {
        h->hash = 0;
        return HX_ERROR;
    }

    h->value.data = h->key.data + h->key.len + 1;
    h->lowcase_key = h->key.data + h->key.len + 1 + h->value.len + 1;

    hx_memcpy(h->key.data, p->header_name_start, h->key.len);
    h->key.data[h->key.len] = '\0';
    hx_memcpy(h->value.data, p->header_start, h->value.len);
    h->value.data[h->value.len] = '\0';

    if (h->key.len == p->lowcase_index) {
        hx_memcpy(h->lowcase_key, p->lowcase_header, h->key.len);

    } else {
        hx_strlow(h->lowcase_key, h->key.data, h->key.len);
    }

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "http proxy %s: \"%V: %V\"",
                 list == &r->upstream->headers_in.headers
                 ? "header" : "trailer",
                 &h->key, &h->value);

    *hp = h;

    return HX_OK;
}


/* logs the bad line up to the byte the parser refused */
static void
hx_http_proxy_invalid_line(hx_http_request_t *r, hx_http_parser_t *p,
    const char *what)
{
    hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                 "upstream sent invalid %s: \"%*s\\x%02xd...\"", what,
                 (size_t) (p->header_end - p->header_name_start),
                 p->header_name_start, (int) *p->header_end);
}


/* the empty line: what the response's framing and keep-alive are */
static hx_int_t
hx_http_proxy_header_done(hx_http_request_t *r, hx_http_proxy_ctx_t *ctx)
{
    hx_table_elt_t      *h;
    hx_http_upstream_t  *u;

    u = r->upstream;

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "http proxy header done");

    /*
     * no Server or Date from the backend: empty entries keep ours out
     * when the location passes the backend's (proxy_pass_header)
     */

    if (u->headers_in.server == NULL) {
        h = hx_list_push(&u->headers_in.headers);
        if (h == NULL) {
            return HX_ERROR;
        }

        h->hash = hx_hash(hx_hash(hx_hash(hx_hash(hx_hash('s', 'e'), 'r'),
                                          'v'), 'e'), 'r');

        hx_str_set(&h->key, "Server");
        hx_str_null(&h->value);
        h->lowcase_key = (uint8_t *) "server";
        h->next = NULL;
    }

    if (u->headers_in.date == NULL) {
        h = hx_list_push(&u->headers_in.headers);
        if (h == NULL) {
            return HX_ERROR;
        }

        h->hash = hx_hash(hx_hash(hx_hash('d', 'a'), 't'), 'e');

        hx_str_set(&h->key, "Date");
        hx_str_null(&h->value);
        h->lowcase_key = (uint8_t *) "date";
        h->next = NULL;
    }

    if (u->headers_in.chunked) {
        u->headers_in.content_length_n = -1;
    }

    /*
     * no body to read: the connection can be kept even if the client
     * never gets one (HEAD, X-Accel-Redirect)
     */

    if (u->headers_in.status_n == HX_HTTP_NO_CONTENT
        || u->headers_in.status_n == HX_HTTP_NOT_MODIFIED
        || ctx->head
        || (!u->headers_in.chunked
            && u->headers_in.content_length_n == 0))
    {
        u->keepalive = !u->headers_in.connection_close;
    }

    if (u->headers_in.status_n == HX_HTTP_SWITCHING_PROTOCOLS) {
        u->keepalive = 0;

        if (r->headers_in.upgrade) {
            u->upgrade = 1;
        }
    }

    return HX_OK;
}


hx_int_t
hx_http_proxy_input_filter_init(void *data)
{
    hx_http_request_t    *r = data;

    hx_http_upstream_t   *u;
    hx_http_proxy_ctx_t  *ctx;

    u = r->upstream;
    ctx = hx_http_get_module_ctx(r, hx_http_proxy_module);

    if (ctx == NULL) {
        return HX_ERROR;
    }

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "http proxy filter init s:%ui h:%d c:%d l:%O",
                 u->headers_in.status_n, ctx->head, u->headers_in.chunked,
                 u->headers_in.content_length_n);

    /* RFC 9112 6.3: which responses have a body, and how long it is */

    if (u->headers_in.status_n == HX_HTTP_NO_CONTENT
        || u->headers_in.status_n == HX_HTTP_NOT_MODIFIED
        || ctx->head)
    {
        u->pipe->length = 0;
        u->length = 0;
        u->keepalive = !u->headers_in.connection_close;

    } else if (u->headers_in.chunked) {

        ctx->chunked.trailers = u->conf->pass_trailers ? 1 : 0;

        u->pipe->input_filter = hx_http_proxy_chunked_filter;
        u->pipe->length = 3;

        u->input_filter = hx_http_proxy_non_buffered_chunked_filter;
        u->length = 1;

    } else if (u->headers_in.content_length_n == 0) {

        u->pipe->length = 0;
        u->length = 0;
        u->keepalive = !u->headers_in.connection_close;

    } else {

        /* Content-Length, or until the backend closes (-1) */

        u->pipe->length = u->headers_in.content_length_n;
        u->length = u->headers_in.content_length_n;
    }

    return HX_OK;
}


/* the pipe's filter for Content-Length and until-close bodies */
hx_int_t
hx_http_proxy_copy_filter(hx_http_upstream_pipe_t *p, hx_buf_t *raw)
{
    off_t                n;
    hx_http_request_t   *r;
    hx_http_upstream_t  *u;

    n = raw->last - raw->pos;

    if (n == 0) {
        return HX_OK;
    }

    r = p->input_ctx;
    u = r->upstream;

    if (p->upstream_done) {
        raw->pos = raw->last;
        return HX_OK;
    }

    if (p->length == 0) {
        hx_log_error(HX_LOG_WARN, p->log, 0,
                     "upstream sent more data than specified in "
                     "\"Content-Length\" header");

        u->keepalive = 0;
        p->upstream_done = 1;
        raw->pos = raw->last;

        return HX_OK;
    }

    if (p->length != -1 && n > p->length) {
        hx_log_error(HX_LOG_WARN, p->log, 0,
                     "upstream sent more data than specified in "
                     "\"Content-Length\" header");

        if (hx_http_upstream_pipe_add_data(p, raw, (size_t) p->length)
            == NULL)
        {
            return HX_ERROR;
        }

        raw->pos = raw->last;
        p->length = 0;
        p->upstream_done = 1;

        return HX_OK;
    }

    if (hx_http_upstream_pipe_add_data(p, raw, (size_t) n) == NULL) {
        return HX_ERROR;
    }

    raw->pos = raw->last;

    if (p->length == -1) {
        return HX_OK;
    }

    p->length -= n;

    if (p->length == 0) {
        u->keepalive = !u->headers_in.connection_close;
        p->upstream_done = 1;
    }

    return HX_OK;
}


/* the pipe's filter for chunked bodies: data only, framing dropped */
static hx_int_t
hx_http_proxy_chunked_filter(hx_http_upstream_pipe_t *p, hx_buf_t *raw)
{
    off_t                 n;
    hx_int_t              rc;
    hx_http_request_t    *r;
    hx_http_proxy_ctx_t  *ctx;

    r = p->input_ctx;
    ctx = hx_http_get_module_ctx(r, hx_http_proxy_module);

    if (ctx == NULL) {
        return HX_ERROR;
    }

    if (p->upstream_done) {
        raw->pos = raw->last;
        return HX_OK;
    }

    /* once in the trailer section, the chunk parser has had its say */

    while (ctx->trailers == NULL) {

        rc = hx_http_parse_chunked(&ctx->chunked, raw);

        if (rc == HX_OK) {

            n = raw->last - raw->pos;

            if (n > ctx->chunked.size) {
                n = ctx->chunked.size;
            }

            if (hx_http_upstream_pipe_add_data(p, raw, (size_t) n) == NULL) {
                return HX_ERROR;
            }

            raw->pos += n;
            ctx->chunked.size -= n;

            continue;
        }

        if (rc == HX_DONE) {
            break;
        }

        if (rc == HX_AGAIN) {
            p->length = ctx->chunked.length ? ctx->chunked.length : 1;
            return HX_OK;
        }

        /* rc == HX_ERROR */

        hx_log_error(HX_LOG_ERR, p->log, 0,
                     "upstream sent invalid chunked response");

        return HX_ERROR;
    }

    rc = hx_http_proxy_chunked_done(r, ctx, raw);

    if (rc == HX_ERROR) {
        return HX_ERROR;
    }

    raw->pos = raw->last;

    if (rc == HX_AGAIN) {
        p->length = 1;
        return HX_OK;
    }

    p->length = 0;
    p->upstream_done = 1;

    return HX_OK;
}


hx_int_t
hx_http_proxy_non_buffered_copy_filter(void *data, ssize_t bytes)
{
    hx_http_request_t   *r = data;

    hx_buf_t            *b;
    hx_chain_t          *cl, **ll;
    hx_http_upstream_t  *u;

    u = r->upstream;

    if (u->length == 0) {
        hx_log_error(HX_LOG_WARN, r->connection->log, 0,
                     "upstream sent more data than specified in "
                     "\"Content-Length\" header");
        u->keepalive = 0;
        return HX_OK;
    }

    for (cl = u->out_bufs, ll = &u->out_bufs; cl; cl = cl->next) {
        ll = &cl->next;
    }

    cl = hx_chain_get_free_buf(r->pool, &u->free_bufs);
    if (cl == NULL) {
        return HX_ERROR;
    }

    *ll = cl;

    cl->buf->flush = 1;
    cl->buf->memory = 1;

    b = &u->buffer;

    cl->buf->pos = b->last;
    b->last += bytes;
    cl->buf->last = b->last;
    cl->buf->tag = hx_http_upstream_buf_tag();

    if (u->length == -1) {
        return HX_OK;
    }

    if (bytes > u->length) {

        hx_log_error(HX_LOG_WARN, r->connection->log, 0,
                     "upstream sent more data than specified in "
                     "\"Content-Length\" header");

        cl->buf->last = cl->buf->pos + u->length;
        u->length = 0;

        return HX_OK;
    }

    u->length -= bytes;

    if (u->length == 0) {
        u->keepalive = !u->headers_in.connection_close;
    }

    return HX_OK;
}


static hx_int_t
hx_http_proxy_non_buffered_chunked_filter(void *data, ssize_t bytes)
{
    hx_http_request_t   *r = data;

    hx_int_t              rc;
    hx_buf_t             *b, *buf;
    hx_chain_t           *cl, **ll;
    hx_http_upstream_t   *u;
    hx_http_proxy_ctx_t  *ctx;

    ctx = hx_http_get_module_ctx(r, hx_http_proxy_module);

    if (ctx == NULL) {
        return HX_ERROR;
    }

    u = r->upstream;
    buf = &u->buffer;

    buf->pos = buf->last;
    buf->last += bytes;

    for (cl = u->out_bufs, ll = &u->out_bufs; cl; cl = cl->next) {
        ll = &cl->next;
    }

    while (ctx->trailers == NULL) {

        rc = hx_http_parse_chunked(&ctx->chunked, buf);

        if (rc == HX_OK) {

            cl = hx_chain_get_free_buf(r->pool, &u->free_bufs);
            if (cl == NULL) {
                return HX_ERROR;
            }

            *ll = cl;
            ll = &cl->next;

            b = cl->buf;

            b->flush = 1;
            b->memory = 1;
            b->pos = buf->pos;
            b->tag = hx_http_upstream_buf_tag();

            if (buf->last - buf->pos >= ctx->chunked.size) {
                buf->pos += (size_t) ctx->chunked.size;
                b->last = buf->pos;
                ctx->chunked.size = 0;

            } else {
                ctx->chunked.size -= buf->last - buf->pos;
                buf->pos = buf->last;
                b->last = buf->last;
            }

            continue;
        }

        if (rc == HX_DONE) {
            break;
        }

        if (rc == HX_AGAIN) {
            return HX_OK;
        }

        /* rc == HX_ERROR */

        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "upstream sent invalid chunked response");

        return HX_ERROR;
    }

    rc = hx_http_proxy_chunked_done(r, ctx, buf);

    if (rc == HX_ERROR) {
        return HX_ERROR;
    }

    u->length = (rc == HX_AGAIN) ? 1 : 0;

    return HX_OK;
}


/*
 * After the last chunk (or more bytes of the trailer section): HX_OK when
 * the response is complete, with keep-alive decided and buf->pos past
 * its end; HX_AGAIN while the trailer section goes on (all of buf
 * taken); HX_ERROR for an invalid or too big trailer section.
 */
static hx_int_t
hx_http_proxy_chunked_done(hx_http_request_t *r, hx_http_proxy_ctx_t *ctx,
    hx_buf_t *buf)
{
    hx_int_t             rc;
    hx_http_upstream_t  *u;

    u = r->upstream;

    if (ctx->chunked.trailers) {
        rc = hx_http_proxy_process_trailers(r, ctx, buf);

        if (rc != HX_OK) {
            return rc;
        }
    }

    u->keepalive = !u->headers_in.connection_close;

    if (buf->pos != buf->last) {
        hx_log_error(HX_LOG_WARN, r->connection->log, 0,
                     "upstream sent data after %s",
                     ctx->chunked.trailers ? "trailers" : "final chunk");
        u->keepalive = 0;
    }

    return HX_OK;
}


/*
 * Copies what buf holds of the trailer section into ctx->trailers (made
 * on the first call, proxy_buffer_size bytes) and parses the lines there
 * into u->headers_in.trailers.  Returns HX_OK at the section's empty
 * line, buf->pos just past it; HX_AGAIN with all of buf taken; HX_ERROR
 * for an invalid line or a section that does not fit.
 */
static hx_int_t
hx_http_proxy_process_trailers(hx_http_request_t *r, hx_http_proxy_ctx_t *ctx,
    hx_buf_t *buf)
{
    size_t               len;
    hx_int_t             rc;
    hx_buf_t            *b;
    hx_table_elt_t      *h;
    hx_http_upstream_t  *u;

    u = r->upstream;

    if (ctx->trailers == NULL) {
        ctx->trailers = hx_create_temp_buf(r->pool, u->conf->buffer_size);
        if (ctx->trailers == NULL) {
            return HX_ERROR;
        }

        hx_memzero(&ctx->parser, sizeof(hx_http_parser_t));
    }

    b = ctx->trailers;

    len = hx_min((size_t) (buf->last - buf->pos), (size_t) (b->end - b->last));
    b->last = hx_cpymem(b->last, buf->pos, len);

    for ( ;; ) {

        rc = hx_http_parse_header_line(&ctx->parser, b, 1);

        if (rc == HX_OK) {
            if (hx_http_proxy_add_header_line(r, &ctx->parser,
                                              &u->headers_in.trailers, &h)
                != HX_OK)
            {
                return HX_ERROR;
            }

            continue;
        }

        if (rc == HX_HTTP_PARSE_HEADER_DONE) {

            /* what was copied beyond the empty line stays in buf */

            buf->pos += len - (b->last - b->pos);

            hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                         "http proxy trailers done");

            return HX_OK;
        }

        if (rc == HX_AGAIN) {
            buf->pos += len;

            if (b->last == b->end) {
                hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                             "upstream sent too big trailers");
                return HX_ERROR;
            }

            return HX_AGAIN;
        }

        /* rc == HX_HTTP_PARSE_INVALID_HEADER */

        hx_http_proxy_invalid_line(r, &ctx->parser, "trailer");

        return HX_ERROR;
    }
}


void
hx_http_proxy_abort_request(hx_http_request_t *r)
{
    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "abort http proxy request");
}


void
hx_http_proxy_finalize_request(hx_http_request_t *r, hx_int_t rc)
{
    (void) rc;

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "finalize http proxy request");
}

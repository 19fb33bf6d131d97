/*
 * Request bodies: reading them (into memory up to client_body_buffer_size,
 * then into a temp file), or discarding them so the connection can be
 * kept alive, for Content-Length and chunked bodies alike.
 *
 * What arrives passes through a small filter chain: the length or chunked
 * filter cuts the raw bytes into body data (enforcing client_max_body_size
 * for chunked bodies, whose size is learned as they come), then modules
 * may look at the data (hx_http_top_request_body_filter), and the last
 * filter saves it.  Bytes after the body belong to a pipelined request
 * and are moved back into the header buffer.
 *
 * "Expect: 100-continue" is answered the first time the body is touched,
 * so a client is told to send only when a handler actually wants the
 * body (or wants it discarded, which reads it too).
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


static void hx_http_read_client_request_body_handler(hx_http_request_t *r);
static hx_int_t hx_http_do_read_client_request_body(hx_http_request_t *r);
static hx_int_t hx_http_copy_pipelined_header(hx_http_request_t *r,
    hx_buf_t *buf);
static hx_int_t hx_http_write_request_body(hx_http_request_t *r);
static hx_int_t hx_http_read_discarded_request_body(hx_http_request_t *r);
static hx_int_t hx_http_discard_request_body_filter(hx_http_request_t *r,
    hx_buf_t *b);
static hx_int_t hx_http_test_expect(hx_http_request_t *r);
static hx_int_t hx_http_request_body_filter(hx_http_request_t *r,
    hx_chain_t *in);
static hx_int_t hx_http_request_body_length_filter(hx_http_request_t *r,
    hx_chain_t *in);
static hx_int_t hx_http_request_body_chunked_filter(hx_http_request_t *r,
    hx_chain_t *in);


/* the tag of the buffers the body filters hand out */
static int  hx_http_request_body_tag;

#define HX_HTTP_BODY_TAG  ((hx_buf_tag_t) &hx_http_request_body_tag)


hx_int_t
hx_http_read_client_request_body(hx_http_request_t *r,
    hx_http_client_body_handler_pt post_handler)
{
    size_t                     preread;
    ssize_t                    size;
    hx_int_t                   rc;
    hx_buf_t                  *b;
    hx_chain_t                 out;
    hx_http_request_body_t    *rb;
    hx_http_core_loc_conf_t   *clcf;

    r->main->count++;

    if (r != r->main || r->request_body || r->discard_body) {
        r->request_body_no_buffering = 0;
        post_handler(r);
        return HX_OK;
    }

    if (hx_http_test_expect(r) != HX_OK) {
        rc = HX_HTTP_INTERNAL_SERVER_ERROR;
        goto done;
    }

    rb = hx_pcalloc(r->pool, sizeof(hx_http_request_body_t));
    if (rb == NULL) {
        rc = HX_HTTP_INTERNAL_SERVER_ERROR;
        goto done;
    }

    rb->rest = -1;
    rb->post_handler = post_handler;

    r->request_body = rb;

    if (r->headers_in.content_length_n < 0 && !r->headers_in.chunked) {
        r->request_body_no_buffering = 0;
        post_handler(r);
        return HX_OK;
    }

    preread = r->header_in->last - r->header_in->pos;

    if (preread) {

        /* the part of the body that came with the header */

        out.buf = r->header_in;
        out.next = NULL;

        rc = hx_http_request_body_filter(r, &out);

        if (rc != HX_OK) {
            goto done;
        }

        r->request_length += preread - (r->header_in->last
                                        - r->header_in->pos);

        if (!r->headers_in.chunked
            && rb->rest > 0
            && rb->rest <= (off_t) (r->header_in->end - r->header_in->last))
        {
            /* the rest fits into the header buffer: read it there */

            b = hx_calloc_buf(r->pool);
            if (b == NULL) {
                rc = HX_HTTP_INTERNAL_SERVER_ERROR;
                goto done;
            }

            b->temporary = 1;
            b->start = r->header_in->pos;
            b->pos = r->header_in->pos;
            b->last = r->header_in->last;
            b->end = r->header_in->end;

            rb->buf = b;

            r->read_event_handler = hx_http_read_client_request_body_handler;
            r->write_event_handler = hx_http_request_empty_handler;

            rc = hx_http_do_read_client_request_body(r);
            goto done;
        }

    } else {

        /* sets rb->rest */

        rc = hx_http_request_body_filter(r, NULL);

        if (rc != HX_OK) {
            goto done;
        }
    }

    if (rb->rest == 0 && rb->last_saved) {

        /* the whole body came with the header */

        r->request_body_no_buffering = 0;
        post_handler(r);
        return HX_OK;
    }

    if (rb->rest < 0) {
        hx_log_error(HX_LOG_ALERT, r->connection->log, 0,
                     "negative request body rest");
        rc = HX_HTTP_INTERNAL_SERVER_ERROR;
        goto done;
    }

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    size = clcf->client_body_buffer_size;
    size += size >> 2;

    if (!r->headers_in.chunked && rb->rest < size) {
        size = (ssize_t) rb->rest;

        if (r->request_body_in_single_buf) {
            size += preread;
        }

        if (size == 0) {
            size++;
        }

    } else {
        size = clcf->client_body_buffer_size;
    }

    rb->buf = hx_create_temp_buf(r->pool, size);
    if (rb->buf == NULL) {
        rc = HX_HTTP_INTERNAL_SERVER_ERROR;
        goto done;
    }

    r->read_event_handler = hx_http_read_client_request_body_handler;
    r->write_event_handler = hx_http_request_empty_handler;

    rc = hx_http_do_read_client_request_body(r);

done:

    if (r->request_body_no_buffering && (rc == HX_OK || rc == HX_AGAIN)) {

        if (rc == HX_OK) {
            r->request_body_no_buffering = 0;

        } else {
            r->reading_body = 1;
        }

        r->read_event_handler = hx_http_block_reading;
        post_handler(r);
    }

    if (rc >= HX_HTTP_SPECIAL_RESPONSE) {
        r->main->count--;
    }

    return rc;
}


hx_int_t
hx_http_read_unbuffered_request_body(hx_http_request_t *r)
{
    hx_int_t  rc;

    if (r->connection->read->timedout) {
        r->connection->timedout = 1;
        return HX_HTTP_REQUEST_TIME_OUT;
    }

    rc = hx_http_do_read_client_request_body(r);

    if (rc == HX_OK) {
        r->reading_body = 0;
    }

    return rc;
}


static void
hx_http_read_client_request_body_handler(hx_http_request_t *r)
{
    hx_int_t  rc;

    if (r->connection->read->timedout) {
        r->connection->timedout = 1;
        hx_http_finalize_request(r, HX_HTTP_REQUEST_TIME_OUT);
        return;
    }

    rc = hx_http_do_read_client_request_body(r);

    if (rc >= HX_HTTP_SPECIAL_RESPONSE) {
        hx_http_finalize_request(r, rc);
    }
}


/* waits for more body bytes: client_body_timeout and the read event */
static hx_int_t
hx_http_body_wait(hx_http_request_t *r)
{
    hx_connection_t            *c;
    hx_http_core_loc_conf_t    *clcf;

    c = r->connection;

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);
    hx_add_timer(c->read, clcf->client_body_timeout);

    if (hx_handle_read_event(c->read, 0) != HX_OK) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return HX_AGAIN;
}


static hx_int_t
hx_http_do_read_client_request_body(hx_http_request_t *r)
{
    off_t                      rest;
    size_t                     size;
    ssize_t                    n;
    hx_int_t                   rc;
    hx_uint_t                  flush;
    hx_chain_t                 out;
    hx_connection_t           *c;
    hx_http_request_body_t    *rb;

    c = r->connection;
    rb = r->request_body;
    flush = 1;

    for ( ;; ) {
        for ( ;; ) {
            if (rb->rest == 0) {
                break;
            }

            if (rb->buf->last == rb->buf->end) {

                /* the buffer is full: let the filters take it */

                rc = hx_http_request_body_filter(r, NULL);

                if (rc != HX_OK) {
                    return rc;
                }

                if (rb->busy != NULL) {
                    if (r->request_body_no_buffering) {
                        if (c->read->timer_set) {
                            hx_del_timer(c->read);
                        }

                        if (hx_handle_read_event(c->read, 0) != HX_OK) {
                            return HX_HTTP_INTERNAL_SERVER_ERROR;
                        }

                        return HX_AGAIN;
                    }

                    if (rb->filter_need_buffering) {
                        return hx_http_body_wait(r);
                    }

                    hx_log_error(HX_LOG_ALERT, c->log, 0,
                                 "busy buffers after request body flush");

                    return HX_HTTP_INTERNAL_SERVER_ERROR;
                }

                flush = 0;
                rb->buf->pos = rb->buf->start;
                rb->buf->last = rb->buf->start;
            }

            size = rb->buf->end - rb->buf->last;
            rest = rb->rest - (rb->buf->last - rb->buf->pos);

            if ((off_t) size > rest) {
                size = (size_t) rest;
            }

            if (size == 0) {
                break;
            }

            n = c->recv(c, rb->buf->last, size);

            if (n == HX_AGAIN) {
                break;
            }

            if (n == 0) {
                hx_log_error(HX_LOG_INFO, c->log, 0,
                             "client prematurely closed connection");
            }

            if (n == 0 || n == HX_ERROR) {
                c->error = 1;
                return HX_HTTP_BAD_REQUEST;
            }

            rb->buf->last += n;
            r->request_length += n;

            flush = 0;
            out.buf = rb->buf;
            out.next = NULL;

            rc = hx_http_request_body_filter(r, &out);

            if (rc != HX_OK) {
                return rc;
            }

            if (rb->rest == 0) {
                break;
            }

            if (rb->buf->last < rb->buf->end) {
                break;
            }
        }

        if (flush) {
            rc = hx_http_request_body_filter(r, NULL);

            if (rc != HX_OK) {
                return rc;
            }
        }

        if (rb->rest == 0 && rb->last_saved) {
            break;
        }

        if (!c->read->ready || rb->rest == 0) {
            return hx_http_body_wait(r);
        }
    }

    if (hx_http_copy_pipelined_header(r, rb->buf) != HX_OK) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (c->read->timer_set) {
        hx_del_timer(c->read);
    }

    if (!r->request_body_no_buffering) {
        r->read_event_handler = hx_http_block_reading;
        rb->post_handler(r);
    }

    return HX_OK;
}


/*
 * Bytes read past the body start the next (pipelined) request: they go
 * back to the header buffer, or to a large header buffer if they do not
 * fit there.
 */
static hx_int_t
hx_http_copy_pipelined_header(hx_http_request_t *r, hx_buf_t *buf)
{
    size_t                      n;
    hx_buf_t                   *b;
    hx_chain_t                 *cl;
    hx_http_connection_t       *hc;
    hx_http_core_srv_conf_t    *cscf;

    b = r->header_in;
    n = buf->last - buf->pos;

    if (buf == b || n == 0) {
        return HX_OK;
    }

    if (n > (size_t) (b->end - b->last)) {

        hc = r->http_connection;

        if (hc->free) {
            cl = hc->free;
            hc->free = cl->next;

            b = cl->buf;

        } else {
            cscf = hx_http_get_module_srv_conf(r, hx_http_core_module);

            b = hx_create_temp_buf(r->connection->pool,
                                   cscf->large_client_header_buffers.size);
            if (b == NULL) {
                return HX_ERROR;
            }

            cl = hx_alloc_chain_link(r->connection->pool);
            if (cl == NULL) {
                return HX_ERROR;
            }

            cl->buf = b;
        }

        cl->next = hc->busy;
        hc->busy = cl;
        hc->nbusy++;

        r->header_in = b;

        if (n > (size_t) (b->end - b->last)) {
            hx_log_error(HX_LOG_ALERT, r->connection->log, 0,
                         "too large pipelined header after reading body");
            return HX_ERROR;
        }
    }

    hx_memcpy(b->last, buf->pos, n);

    b->last += n;
    r->request_length -= n;

    return HX_OK;
}


static hx_int_t
hx_http_write_request_body(hx_http_request_t *r)
{
    ssize_t                    n;
    hx_chain_t                *cl;
    hx_http_temp_file_t       *tf;
    hx_http_request_body_t    *rb;
    hx_http_core_loc_conf_t   *clcf;

    rb = r->request_body;

    if (rb->temp_file == NULL) {
        tf = hx_pcalloc(r->pool, sizeof(hx_http_temp_file_t));
        if (tf == NULL) {
            return HX_ERROR;
        }

        clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

        tf->file.fd = HX_INVALID_FILE;
        tf->file.log = r->connection->log;
        tf->path = clcf->client_body_temp_path;
        tf->pool = r->pool;
        tf->warn = "a client request body is buffered to a temporary file";
        tf->log_level = r->request_body_file_log_level;
        tf->persistent = r->request_body_in_persistent_file;
        tf->clean = r->request_body_in_clean_file;

        if (r->request_body_file_group_access) {
            tf->access = 0660;
        }

        rb->temp_file = tf;

        if (rb->bufs == NULL
            || (!hx_buf_in_memory(rb->bufs->buf) && rb->bufs->buf->last_buf))
        {
            /* an empty body with client_body_in_file_only */

            return hx_http_create_temp_file(tf);
        }
    }

    if (rb->bufs == NULL) {
        return HX_OK;
    }

    n = hx_http_write_chain_to_temp_file(rb->temp_file, rb->bufs);

    if (n == HX_ERROR) {
        return HX_ERROR;
    }

    /* everything is in the file now */

    for (cl = rb->bufs; cl; cl = cl->next) {
        cl->buf->pos = cl->buf->last;
    }

    rb->bufs = NULL;

    return HX_OK;
}


hx_int_t
hx_http_discard_request_body(hx_http_request_t *r)
{
    ssize_t      size;
    hx_int_t     rc;
    hx_event_t  *rev;

    if (r != r->main || r->discard_body || r->request_body) {
        return HX_OK;
    }

    if (hx_http_test_expect(r) != HX_OK) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rev = r->connection->read;

    if (rev->timer_set) {
        hx_del_timer(rev);
    }

    if (r->headers_in.content_length_n <= 0 && !r->headers_in.chunked) {
        return HX_OK;
    }

    size = r->header_in->last - r->header_in->pos;

    if (size || r->headers_in.chunked) {
        rc = hx_http_discard_request_body_filter(r, r->header_in);

        if (rc != HX_OK) {
            return rc;
        }

        if (r->headers_in.content_length_n == 0) {
            return HX_OK;
        }
    }

    rc = hx_http_read_discarded_request_body(r);

    if (rc == HX_OK) {
        r->lingering_close = 0;
        return HX_OK;
    }

    if (rc >= HX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    /* HX_AGAIN: the rest is read while the response goes out */

    r->read_event_handler = hx_http_discarded_request_body_handler;

    if (hx_handle_read_event(rev, 0) != HX_OK) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->count++;
    r->discard_body = 1;

    return HX_OK;
}


void
hx_http_discarded_request_body_handler(hx_http_request_t *r)
{
    hx_int_t                    rc;
    hx_msec_t                   timer;
    hx_msec_int_t               left;
    hx_event_t                 *rev;
    hx_connection_t            *c;
    hx_http_core_loc_conf_t    *clcf;

    c = r->connection;
    rev = c->read;

    if (rev->timedout) {
        c->timedout = 1;
        c->error = 1;
        hx_http_finalize_request(r, HX_ERROR);
        return;
    }

    if (r->lingering_time) {
        left = (hx_msec_int_t) r->lingering_time - (hx_msec_int_t) hx_time();

        if (left <= 0) {
            r->discard_body = 0;
            r->lingering_close = 0;
            hx_http_finalize_request(r, HX_ERROR);
            return;
        }

        timer = (hx_msec_t) left;

    } else {
        timer = 0;
    }

    rc = hx_http_read_discarded_request_body(r);

    if (rc == HX_OK) {
        r->discard_body = 0;
        r->lingering_close = 0;
        r->lingering_time = 0;
        hx_http_finalize_request(r, HX_DONE);
        return;
    }

    if (rc >= HX_HTTP_SPECIAL_RESPONSE) {
        c->error = 1;
        hx_http_finalize_request(r, HX_ERROR);
        return;
    }

    /* HX_AGAIN */

    if (hx_handle_read_event(rev, 0) != HX_OK) {
        c->error = 1;
        hx_http_finalize_request(r, HX_ERROR);
        return;
    }

    if (timer) {

        clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

        timer *= 1000;

        if (timer > clcf->lingering_timeout) {
            timer = clcf->lingering_timeout;
        }

        hx_add_timer(rev, timer);
    }
}


static hx_int_t
hx_http_read_discarded_request_body(hx_http_request_t *r)
{
    size_t     size;
    ssize_t    n;
    hx_int_t   rc;
    hx_buf_t   b;
    uint8_t    buffer[HX_HTTP_DISCARD_BUFFER_SIZE];

    hx_memzero(&b, sizeof(hx_buf_t));

    b.temporary = 1;

    for ( ;; ) {
        if (r->headers_in.content_length_n == 0) {
            break;
        }

        if (!r->connection->read->ready) {
            return HX_AGAIN;
        }

        size = (size_t) hx_min(r->headers_in.content_length_n,
                               HX_HTTP_DISCARD_BUFFER_SIZE);

        n = r->connection->recv(r->connection, buffer, size);

        if (n == HX_ERROR) {
            r->connection->error = 1;
            return HX_OK;
        }

        if (n == HX_AGAIN) {
            return HX_AGAIN;
        }

        if (n == 0) {
            return HX_OK;
        }

        b.pos = buffer;
        b.last = buffer + n;

        rc = hx_http_discard_request_body_filter(r, &b);

        if (rc != HX_OK) {
            return rc;
        }
    }

    if (hx_http_copy_pipelined_header(r, &b) != HX_OK) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->read_event_handler = hx_http_block_reading;

    return HX_OK;
}


static hx_int_t
hx_http_discard_request_body_filter(hx_http_request_t *r, hx_buf_t *b)
{
    size_t                      size;
    hx_int_t                    rc;
    hx_http_request_body_t     *rb;
    hx_http_core_srv_conf_t    *cscf;

    if (!r->headers_in.chunked) {
        size = b->last - b->pos;

        if ((off_t) size > r->headers_in.content_length_n) {
            b->pos += (size_t) r->headers_in.content_length_n;
            r->headers_in.content_length_n = 0;

        } else {
            b->pos = b->last;
            r->headers_in.content_length_n -= size;
        }

        return HX_OK;
    }

    rb = r->request_body;

    if (rb == NULL) {

        rb = hx_pcalloc(r->pool, sizeof(hx_http_request_body_t));
        if (rb == NULL) {
            return HX_HTTP_INTERNAL_SERVER_ERROR;
        }

        rb->chunked = hx_pcalloc(r->pool, sizeof(hx_http_chunked_t));
        if (rb->chunked == NULL) {
            return HX_HTTP_INTERNAL_SERVER_ERROR;
        }

        r->request_body = rb;
    }

    for ( ;; ) {

        rc = hx_http_parse_chunked(rb->chunked, b);

        if (rc == HX_OK) {

            /* chunk data: skip it */

            size = b->last - b->pos;

            if ((off_t) size > rb->chunked->size) {
                b->pos += (size_t) rb->chunked->size;
                rb->chunked->size = 0;

            } else {
                rb->chunked->size -= size;
                b->pos = b->last;
            }

            continue;
        }

        if (rc == HX_DONE) {
            r->headers_in.content_length_n = 0;
            break;
        }

        if (rc == HX_AGAIN) {

            /* how much to read next time */

            cscf = hx_http_get_module_srv_conf(r, hx_http_core_module);

            r->headers_in.content_length_n = hx_max(rb->chunked->length,
                              (off_t) cscf->large_client_header_buffers.size);
            break;
        }

        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "client sent invalid chunked body");

        return HX_HTTP_BAD_REQUEST;
    }

    return HX_OK;
}


static hx_int_t
hx_http_test_expect(hx_http_request_t *r)
{
    ssize_t     n;
    hx_str_t   *expect;

    if (r->expect_tested
        || r->headers_in.expect == NULL
        || r->http_version < HX_HTTP_VERSION_11)
    {
        return HX_OK;
    }

    r->expect_tested = 1;

    expect = &r->headers_in.expect->value;

    if (expect->len != sizeof("100-continue") - 1
        || hx_strncasecmp(expect->data, (uint8_t *) "100-continue",
                          sizeof("100-continue") - 1)
           != 0)
    {
        return HX_OK;
    }

    n = r->connection->send(r->connection,
                            (uint8_t *) "HTTP/1.1 100 Continue" CRLF CRLF,
                            sizeof("HTTP/1.1 100 Continue" CRLF CRLF) - 1);

    if (n == sizeof("HTTP/1.1 100 Continue" CRLF CRLF) - 1) {
        return HX_OK;
    }

    /* so small a write to a fresh socket does not block */

    r->connection->error = 1;

    return HX_ERROR;
}


static hx_int_t
hx_http_request_body_filter(hx_http_request_t *r, hx_chain_t *in)
{
    if (r->headers_in.chunked) {
        return hx_http_request_body_chunked_filter(r, in);
    }

    return hx_http_request_body_length_filter(r, in);
}


static hx_chain_t *
hx_http_body_buf(hx_http_request_t *r, hx_chain_t *src)
{
    hx_buf_t                  *b;
    hx_chain_t                *tl;
    hx_http_request_body_t    *rb;

    rb = r->request_body;

    tl = hx_chain_get_free_buf(r->pool, &rb->free);
    if (tl == NULL) {
        return NULL;
    }

    b = tl->buf;

    hx_memzero(b, sizeof(hx_buf_t));

    if (src) {
        b->temporary = 1;
        b->tag = HX_HTTP_BODY_TAG;
        b->start = src->buf->pos;
        b->pos = src->buf->pos;
        b->last = src->buf->last;
        b->end = src->buf->end;
        b->flush = r->request_body_no_buffering;

    } else {
        b->last_buf = 1;
    }

    return tl;
}


static hx_int_t
hx_http_request_body_length_filter(hx_http_request_t *r, hx_chain_t *in)
{
    size_t                     size;
    hx_int_t                   rc;
    hx_buf_t                  *b;
    hx_chain_t                *cl, *tl, *out, **ll;
    hx_http_request_body_t    *rb;

    rb = r->request_body;

    out = NULL;
    ll = &out;

    if (rb->rest == -1) {

        rb->rest = r->headers_in.content_length_n;

        if (rb->rest == 0) {
            tl = hx_http_body_buf(r, NULL);
            if (tl == NULL) {
                return HX_HTTP_INTERNAL_SERVER_ERROR;
            }

            *ll = tl;
            ll = &tl->next;
        }
    }

    for (cl = in; cl; cl = cl->next) {

        if (rb->rest == 0) {
            break;
        }

        tl = hx_http_body_buf(r, cl);
        if (tl == NULL) {
            return HX_HTTP_INTERNAL_SERVER_ERROR;
        }

        b = tl->buf;

        size = cl->buf->last - cl->buf->pos;

        if ((off_t) size < rb->rest) {
            cl->buf->pos = cl->buf->last;
            rb->rest -= size;

        } else {
            cl->buf->pos += (size_t) rb->rest;
            rb->rest = 0;
            b->last = cl->buf->pos;
            b->last_buf = 1;
        }

        *ll = tl;
        ll = &tl->next;
    }

    rc = hx_http_top_request_body_filter(r, out);

    hx_chain_update_chains(r->pool, &rb->free, &rb->busy, &out,
                           HX_HTTP_BODY_TAG);

    return rc;
}


static hx_int_t
hx_http_request_body_chunked_filter(hx_http_request_t *r, hx_chain_t *in)
{
    size_t                      size;
    hx_int_t                    rc;
    hx_buf_t                   *b;
    hx_chain_t                 *cl, *out, *tl, **ll;
    hx_http_request_body_t     *rb;
    hx_http_core_loc_conf_t    *clcf;
    hx_http_core_srv_conf_t    *cscf;

    rb = r->request_body;

    out = NULL;
    ll = &out;

    if (rb->rest == -1) {

        rb->chunked = hx_pcalloc(r->pool, sizeof(hx_http_chunked_t));
        if (rb->chunked == NULL) {
            return HX_HTTP_INTERNAL_SERVER_ERROR;
        }

        cscf = hx_http_get_module_srv_conf(r, hx_http_core_module);

        r->headers_in.content_length_n = 0;
        rb->rest = cscf->large_client_header_buffers.size;
    }

    for (cl = in; cl; cl = cl->next) {

        b = NULL;

        for ( ;; ) {

            rc = hx_http_parse_chunked(rb->chunked, cl->buf);

            if (rc == HX_OK) {

                clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

                if (clcf->client_max_body_size
                    && clcf->client_max_body_size
                       - r->headers_in.content_length_n < rb->chunked->size)
                {
                    hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                                 "client intended to send too large chunked "
                                 "body: %O+%O bytes",
                                 r->headers_in.content_length_n,
                                 rb->chunked->size);

                    r->lingering_close = 1;

                    return HX_HTTP_REQUEST_ENTITY_TOO_LARGE;
                }

                if (b
                    && rb->chunked->size <= 128
                    && cl->buf->last - cl->buf->pos >= rb->chunked->size)
                {
                    /* a small chunk joins the previous data in place */

                    r->headers_in.content_length_n += rb->chunked->size;

                    hx_memmove(b->last, cl->buf->pos,
                               (size_t) rb->chunked->size);
                    b->last += rb->chunked->size;
                    cl->buf->pos += rb->chunked->size;
                    rb->chunked->size = 0;

                    continue;
                }

                tl = hx_http_body_buf(r, cl);
                if (tl == NULL) {
                    return HX_HTTP_INTERNAL_SERVER_ERROR;
                }

                b = tl->buf;

                *ll = tl;
                ll = &tl->next;

                size = cl->buf->last - cl->buf->pos;

                if ((off_t) size > rb->chunked->size) {
                    cl->buf->pos += (size_t) rb->chunked->size;
                    r->headers_in.content_length_n += rb->chunked->size;
                    rb->chunked->size = 0;

                } else {
                    rb->chunked->size -= size;
                    r->headers_in.content_length_n += size;
                    cl->buf->pos = cl->buf->last;
                }

                b->last = cl->buf->pos;

                continue;
            }

            if (rc == HX_DONE) {

                rb->rest = 0;

                tl = hx_http_body_buf(r, NULL);
                if (tl == NULL) {
                    return HX_HTTP_INTERNAL_SERVER_ERROR;
                }

                *ll = tl;
                ll = &tl->next;

                break;
            }

            if (rc == HX_AGAIN) {

                cscf = hx_http_get_module_srv_conf(r, hx_http_core_module);

                rb->rest = hx_max(rb->chunked->length,
                              (off_t) cscf->large_client_header_buffers.size);

                break;
            }

            hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                         "client sent invalid chunked body");

            return HX_HTTP_BAD_REQUEST;
        }
    }

    rc = hx_http_top_request_body_filter(r, out);

    hx_chain_update_chains(r->pool, &rb->free, &rb->busy, &out,
                           HX_HTTP_BODY_TAG);

    return rc;
}


hx_int_t
hx_http_request_body_save_filter(hx_http_request_t *r, hx_chain_t *in)
{
    hx_buf_t                  *b;
    hx_chain_t                *cl, *tl, **ll;
    hx_http_request_body_t    *rb;

    rb = r->request_body;

    ll = &rb->bufs;

    for (cl = rb->bufs; cl; cl = cl->next) {
        ll = &cl->next;
    }

    for (cl = in; cl; cl = cl->next) {

        if (cl->buf->last_buf) {

            if (rb->last_saved) {
                hx_log_error(HX_LOG_ALERT, r->connection->log, 0,
                             "duplicate last buf in save filter");
                *ll = NULL;
                return HX_HTTP_INTERNAL_SERVER_ERROR;
            }

            rb->last_saved = 1;
        }

        tl = hx_alloc_chain_link(r->pool);
        if (tl == NULL) {
            *ll = NULL;
            return HX_HTTP_INTERNAL_SERVER_ERROR;
        }

        tl->buf = cl->buf;
        *ll = tl;
        ll = &tl->next;
    }

    *ll = NULL;

    if (r->request_body_no_buffering) {
        return HX_OK;
    }

    if (rb->rest > 0) {

        if (rb->bufs && rb->buf && rb->buf->last == rb->buf->end
            && hx_http_write_request_body(r) != HX_OK)
        {
            return HX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return HX_OK;
    }

    if (!rb->last_saved) {
        return HX_OK;
    }

    if (rb->temp_file || r->request_body_in_file_only) {

        if (rb->bufs && rb->bufs->buf->in_file) {
            hx_log_error(HX_LOG_ALERT, r->connection->log, 0,
                         "body already in file");
            return HX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (hx_http_write_request_body(r) != HX_OK) {
            return HX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (rb->temp_file->offset != 0) {

            cl = hx_chain_get_free_buf(r->pool, &rb->free);
            if (cl == NULL) {
                return HX_HTTP_INTERNAL_SERVER_ERROR;
            }

            b = cl->buf;

            hx_memzero(b, sizeof(hx_buf_t));

            b->in_file = 1;
            b->file_last = rb->temp_file->offset;
            b->file = &rb->temp_file->file;

            rb->bufs = cl;
        }
    }

    return HX_OK;
}

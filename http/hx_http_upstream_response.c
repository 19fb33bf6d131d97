/*
 * The response body, once the backend's header is in: sending the
 * header to the client and then moving the body one of three ways.
 *
 *  - buffered (proxy_buffering on): the pipe (hx_http_upstream_pipe.c)
 *    reads ahead into proxy_buffers and a temp file, so a slow client
 *    does not hold the backend connection;
 *  - unbuffered: one buffer (proxy_buffer_size), each read passed on with
 *    a flush and the next read only once the client took it;
 *  - upgraded (101 Switching Protocols): two buffers, one per direction,
 *    bytes copied both ways until either side closes.
 *
 * Whichever way, the body's end decides the request's fate: a complete
 * body finalizes with 0 (the last buffer, keep-alive possible), a backend
 * that closes early with 502 after the header was sent (the client's
 * connection is then cut, as nginx does, so the truncation shows).
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_upstream.h>


static void hx_http_upstream_send_non_buffered(hx_http_request_t *r,
    hx_http_upstream_t *u);
static void hx_http_upstream_process_non_buffered_downstream(
    hx_http_request_t *r);
static void hx_http_upstream_process_non_buffered_upstream(
    hx_http_request_t *r, hx_http_upstream_t *u);
static void hx_http_upstream_process_non_buffered_request(
    hx_http_request_t *r, hx_uint_t do_write);

static void hx_http_upstream_send_buffered(hx_http_request_t *r,
    hx_http_upstream_t *u);
static hx_int_t hx_http_upstream_output_filter(void *data,
    hx_chain_t *chain);
static void hx_http_upstream_process_downstream(hx_http_request_t *r);
static void hx_http_upstream_process_upstream(hx_http_request_t *r,
    hx_http_upstream_t *u);
static void hx_http_upstream_process_request(hx_http_request_t *r,
    hx_http_upstream_t *u);

static void hx_http_upstream_upgrade(hx_http_request_t *r,
    hx_http_upstream_t *u);
static void hx_http_upstream_upgraded_read_downstream(hx_http_request_t *r);
static void hx_http_upstream_upgraded_write_downstream(hx_http_request_t *r);
static void hx_http_upstream_upgraded_read_upstream(hx_http_request_t *r,
    hx_http_upstream_t *u);
static void hx_http_upstream_upgraded_write_upstream(hx_http_request_t *r,
    hx_http_upstream_t *u);
static void hx_http_upstream_process_upgraded(hx_http_request_t *r,
    hx_uint_t from_upstream, hx_uint_t do_write);


/* the tag of the buffers the unbuffered path hands out */
static int  hx_http_upstream_tag;

#define HX_HTTP_UPSTREAM_TAG  ((hx_buf_tag_t) &hx_http_upstream_tag)


void
hx_http_upstream_send_response(hx_http_request_t *r, hx_http_upstream_t *u)
{
    hx_int_t   rc;

    rc = hx_http_send_header(r);

    if (rc == HX_ERROR || rc > HX_OK || r->post_action) {
        hx_http_upstream_finalize_request(r, u, rc);
        return;
    }

    u->header_sent = 1;

    if (u->upgrade) {
        hx_http_upstream_upgrade(r, u);
        return;
    }

    if (r->header_only) {

        /* HEAD, 304: the backend connection may still be kept */

        hx_http_upstream_finalize_request(r, u, rc);
        return;
    }

    /* the request body file is not needed any more */

    if (r->request_body && r->request_body->temp_file && r == r->main
        && !r->preserve_body)
    {
        hx_pool_run_cleanup_file(r->pool,
                                 r->request_body->temp_file->file.fd);
        r->request_body->temp_file->file.fd = HX_INVALID_FILE;
    }

    if (!u->buffering) {
        hx_http_upstream_send_non_buffered(r, u);
        return;
    }

    hx_http_upstream_send_buffered(r, u);
}


/* ---- unbuffered ------------------------------------------------------ */

static void
hx_http_upstream_send_non_buffered(hx_http_request_t *r,
    hx_http_upstream_t *u)
{
    ssize_t                    n;
    hx_connection_t           *c;
    hx_http_core_loc_conf_t   *clcf;

    c = r->connection;
    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (u->input_filter == NULL) {
        u->input_filter_init = hx_http_upstream_non_buffered_filter_init;
        u->input_filter = hx_http_upstream_non_buffered_filter;
        u->input_filter_ctx = r;
    }

    u->read_event_handler = hx_http_upstream_process_non_buffered_upstream;
    r->write_event_handler =
                           hx_http_upstream_process_non_buffered_downstream;

    r->limit_rate = 0;
    r->limit_rate_set = 1;

    if (u->input_filter_init(u->input_filter_ctx) == HX_ERROR) {
        hx_http_upstream_finalize_request(r, u, HX_ERROR);
        return;
    }

    if (clcf->tcp_nodelay && hx_tcp_nodelay(c) != HX_OK) {
        hx_http_upstream_finalize_request(r, u, HX_ERROR);
        return;
    }

    n = u->buffer.last - u->buffer.pos;

    if (n) {
        u->buffer.last = u->buffer.pos;

        u->state->response_length += n;

        if (u->input_filter(u->input_filter_ctx, n) == HX_ERROR) {
            hx_http_upstream_finalize_request(r, u, HX_ERROR);
            return;
        }

        hx_http_upstream_process_non_buffered_downstream(r);

    } else {
        u->buffer.pos = u->buffer.start;
        u->buffer.last = u->buffer.start;

        if (hx_http_send_special(r, HX_HTTP_FLUSH) == HX_ERROR) {
            hx_http_upstream_finalize_request(r, u, HX_ERROR);
            return;
        }

        hx_http_upstream_process_non_buffered_upstream(r, u);
    }
}


static void
hx_http_upstream_process_non_buffered_downstream(hx_http_request_t *r)
{
    hx_event_t          *wev;
    hx_connection_t     *c;
    hx_http_upstream_t  *u;

    c = r->connection;
    u = r->upstream;
    wev = r->connection->write;

    hx_log_debug(HX_LOG_DEBUG_HTTP, c->log, 0,
                 "http upstream process non buffered downstream");

    c->log->action = "sending to client";

    if (wev->timedout) {
        c->timedout = 1;
        (void) hx_connection_error(c, ETIMEDOUT, "client timed out");
        hx_http_upstream_finalize_request(r, u, HX_HTTP_REQUEST_TIME_OUT);
        return;
    }

    hx_http_upstream_process_non_buffered_request(r, 1);
}


static void
hx_http_upstream_process_non_buffered_upstream(hx_http_request_t *r,
    hx_http_upstream_t *u)
{
    hx_connection_t  *c;

    c = u->peer.connection;

    hx_log_debug(HX_LOG_DEBUG_HTTP, c->log, 0,
                 "http upstream process non buffered upstream");

    c->log->action = "reading upstream";

    if (c->read->timedout) {
        (void) hx_connection_error(c, ETIMEDOUT, "upstream timed out");
        hx_http_upstream_finalize_request(r, u, HX_HTTP_GATEWAY_TIME_OUT);
        return;
    }

    hx_http_upstream_process_non_buffered_request(r, 0);
}


static void
hx_http_upstream_process_non_buffered_request(hx_http_request_t *r,
    hx_uint_t do_write)
{
    size_t                     size;
    ssize_t                    n;
    hx_int_t                   rc;
    hx_uint_t                  flags;
    hx_buf_t                  *b;
    hx_connection_t           *downstream, *upstream;
    hx_http_upstream_t        *u;
    hx_http_core_loc_conf_t   *clcf;

    u = r->upstream;
    downstream = r->connection;
    upstream = u->peer.connection;

    b = &u->buffer;

    do_write = do_write || u->length == 0;

    for ( ;; ) {

        if (do_write) {

            if (u->out_bufs || u->busy_bufs || downstream->buffered) {
                rc = hx_http_output_filter(r, u->out_bufs);

                if (rc == HX_ERROR) {
                    hx_http_upstream_finalize_request(r, u, HX_ERROR);
                    return;
                }

                hx_chain_update_chains(r->pool, &u->free_bufs, &u->busy_bufs,
                                       &u->out_bufs, HX_HTTP_UPSTREAM_TAG);
            }

            if (u->busy_bufs == NULL) {

                if (u->length == 0
                    || (upstream->read->eof && u->length == -1))
                {
                    hx_http_upstream_finalize_request(r, u, 0);
                    return;
                }

                if (upstream->read->eof) {
                    hx_log_error(HX_LOG_ERR, upstream->log, 0,
                                 "upstream prematurely closed connection");

                    hx_http_upstream_finalize_request(r, u,
                                                      HX_HTTP_BAD_GATEWAY);
                    return;
                }

                if (upstream->read->error || u->error) {
                    hx_http_upstream_finalize_request(r, u,
                                                      HX_HTTP_BAD_GATEWAY);
                    return;
                }

                b->pos = b->start;
                b->last = b->start;
            }
        }

        size = b->end - b->last;

        if (size && upstream->read->ready) {

            n = upstream->recv(upstream, b->last, size);

            if (n == HX_AGAIN) {
                break;
            }

            if (n > 0) {
                u->state->bytes_received += n;
                u->state->response_length += n;

                if (u->input_filter(u->input_filter_ctx, n) == HX_ERROR) {
                    hx_http_upstream_finalize_request(r, u, HX_ERROR);
                    return;
                }
            }

            do_write = 1;

            continue;
        }

        break;
    }

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (downstream->data == r) {
        if (hx_handle_write_event(downstream->write, clcf->send_lowat)
            != HX_OK)
        {
            hx_http_upstream_finalize_request(r, u, HX_ERROR);
            return;
        }
    }

    if (downstream->write->active && !downstream->write->ready) {
        hx_add_timer(downstream->write, clcf->send_timeout);

    } else if (downstream->write->timer_set) {
        hx_del_timer(downstream->write);
    }

    flags = (upstream->read->eof || upstream->read->error) ? HX_CLOSE_EVENT
                                                          : 0;

    if (hx_handle_read_event(upstream->read, flags) != HX_OK) {
        hx_http_upstream_finalize_request(r, u, HX_ERROR);
        return;
    }

    if (upstream->read->active && !upstream->read->ready) {
        hx_add_timer(upstream->read, u->conf->read_timeout);

    } else if (upstream->read->timer_set) {
        hx_del_timer(upstream->read);
    }
}


hx_int_t
hx_http_upstream_non_buffered_filter_init(void *data)
{
    (void) data;

    return HX_OK;
}


/*
 * The bytes just read into u->buffer (at its last) become a buffer for
 * the client, cut at the Content-Length when there is one.
 */
hx_int_t
hx_http_upstream_non_buffered_filter(void *data, ssize_t bytes)
{
    hx_http_request_t  *r = data;

    hx_buf_t            *b;
    hx_chain_t          *cl, **ll;
    hx_http_upstream_t  *u;

    u = r->upstream;

    if (u->length == 0) {
        hx_log_error(HX_LOG_WARN, r->connection->log, 0,
                     "upstream sent more data than specified in "
                     "\"Content-Length\" header");
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
    cl->buf->tag = HX_HTTP_UPSTREAM_TAG;

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

    return HX_OK;
}


/* for protocol modules' unbuffered filters: the tag to give buffers */
hx_buf_tag_t
hx_http_upstream_buf_tag(void)
{
    return HX_HTTP_UPSTREAM_TAG;
}


/* ---- buffered -------------------------------------------------------- */

static void
hx_http_upstream_send_buffered(hx_http_request_t *r, hx_http_upstream_t *u)
{
    hx_connection_t           *c;
    hx_http_upstream_pipe_t   *p;
    hx_http_core_loc_conf_t   *clcf;

    c = r->connection;
    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    p = u->pipe;

    p->output_filter = hx_http_upstream_output_filter;
    p->output_ctx = r;
    p->bufs = u->conf->bufs;
    p->busy_size = u->conf->busy_buffers_size;
    p->upstream = u->peer.connection;
    p->downstream = c;
    p->pool = r->pool;
    p->log = c->log;

    p->limit_rate = hx_http_complex_value_size(r, u->conf->limit_rate, 0);
    p->start_msec = hx_current_msec;

    p->temp_file = hx_pcalloc(r->pool, sizeof(hx_http_temp_file_t));
    if (p->temp_file == NULL) {
        hx_http_upstream_finalize_request(r, u, HX_ERROR);
        return;
    }

    p->temp_file->file.fd = HX_INVALID_FILE;
    p->temp_file->file.log = c->log;
    p->temp_file->path = u->conf->temp_path;
    p->temp_file->pool = r->pool;
    p->temp_file->log_level = HX_LOG_WARN;
    p->temp_file->warn = "an upstream response is buffered to a temporary "
                         "file";

    p->max_temp_file_size = u->conf->max_temp_file_size;
    p->temp_file_write_size = u->conf->temp_file_write_size;

    p->read_timeout = u->conf->read_timeout;
    p->send_timeout = clcf->send_timeout;
    p->send_lowat = clcf->send_lowat;

    p->length = -1;

    if (u->input_filter_init
        && u->input_filter_init(p->input_ctx) != HX_OK)
    {
        hx_http_upstream_finalize_request(r, u, HX_ERROR);
        return;
    }

    u->read_event_handler = hx_http_upstream_process_upstream;
    r->write_event_handler = hx_http_upstream_process_downstream;

    /* what came with the header is the first raw buffer */

    u->buffer.num = 0;
    p->cur = &u->buffer;

    u->state->response_length += u->buffer.last - u->buffer.pos;

    if (u->buffer.pos < u->buffer.last || p->length == 0) {

        if (p->length == 0) {
            p->upstream_done = 1;

        } else if (p->input_filter(p, &u->buffer) != HX_OK) {
            hx_http_upstream_finalize_request(r, u, HX_ERROR);
            return;
        }
    }

    hx_http_upstream_process_upstream(r, u);
}


static hx_int_t
hx_http_upstream_output_filter(void *data, hx_chain_t *chain)
{
    hx_http_request_t  *r = data;

    return hx_http_output_filter(r, chain);
}


static void
hx_http_upstream_process_downstream(hx_http_request_t *r)
{
    hx_event_t                *wev;
    hx_connection_t           *c;
    hx_http_upstream_t        *u;
    hx_http_upstream_pipe_t   *p;
    hx_http_core_loc_conf_t   *clcf;

    c = r->connection;
    u = r->upstream;
    p = u->pipe;
    wev = c->write;

    hx_log_debug(HX_LOG_DEBUG_HTTP, c->log, 0,
                 "http upstream process downstream");

    c->log->action = "sending to client";

    if (wev->timedout) {
        p->downstream_error = 1;
        c->timedout = 1;
        (void) hx_connection_error(c, ETIMEDOUT, "client timed out");

    } else {

        if (wev->delayed) {
            clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

            if (hx_handle_write_event(wev, clcf->send_lowat) != HX_OK) {
                hx_http_upstream_finalize_request(r, u, HX_ERROR);
            }

            return;
        }

        if (hx_http_upstream_pipe_run(p, 1) == HX_ABORT) {
            hx_http_upstream_finalize_request(r, u, HX_ERROR);
            return;
        }
    }

    hx_http_upstream_process_request(r, u);
}


static void
hx_http_upstream_process_upstream(hx_http_request_t *r,
    hx_http_upstream_t *u)
{
    hx_event_t                *rev;
    hx_connection_t           *c;
    hx_http_upstream_pipe_t   *p;

    c = u->peer.connection;
    p = u->pipe;
    rev = c->read;

    hx_log_debug(HX_LOG_DEBUG_HTTP, c->log, 0,
                 "http upstream process upstream");

    c->log->action = "reading upstream";

    if (rev->timedout) {

        p->upstream_error = 1;
        (void) hx_connection_error(c, ETIMEDOUT, "upstream timed out");

    } else {

        if (rev->delayed) {

            if (hx_handle_read_event(rev, 0) != HX_OK) {
                hx_http_upstream_finalize_request(r, u, HX_ERROR);
            }

            return;
        }

        if (hx_http_upstream_pipe_run(p, 0) == HX_ABORT) {
            hx_http_upstream_finalize_request(r, u, HX_ERROR);
            return;
        }
    }

    hx_http_upstream_process_request(r, u);
}


static void
hx_http_upstream_process_request(hx_http_request_t *r,
    hx_http_upstream_t *u)
{
    hx_http_upstream_pipe_t  *p;

    p = u->pipe;

    if (u->peer.connection) {

        if (p->upstream_done || p->upstream_eof || p->upstream_error) {

            hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                         "http upstream exit: %p", p->out);

            if (p->upstream_done
                || (p->upstream_eof && p->length == -1))
            {
                hx_http_upstream_finalize_request(r, u, 0);
                return;
            }

            if (p->upstream_eof) {
                hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                             "upstream prematurely closed connection");
            }

            hx_http_upstream_finalize_request(r, u, HX_HTTP_BAD_GATEWAY);
            return;
        }
    }

    if (p->downstream_error) {
        hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                     "http upstream downstream error");

        if (u->peer.connection) {
            hx_http_upstream_finalize_request(r, u, HX_ERROR);
        }
    }
}


/* ---- upgraded -------------------------------------------------------- */

static void
hx_http_upstream_upgrade(hx_http_request_t *r, hx_http_upstream_t *u)
{
    hx_connection_t           *c;
    hx_http_core_loc_conf_t   *clcf;

    c = r->connection;
    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (r != r->main) {
        hx_log_error(HX_LOG_ERR, c->log, 0,
                     "connection upgrade in subrequest");
        hx_http_upstream_finalize_request(r, u, HX_ERROR);
        return;
    }

    r->keepalive = 0;
    c->log->action = "proxying upgraded connection";

    u->read_event_handler = hx_http_upstream_upgraded_read_upstream;
    u->write_event_handler = hx_http_upstream_upgraded_write_upstream;
    r->read_event_handler = hx_http_upstream_upgraded_read_downstream;
    r->write_event_handler = hx_http_upstream_upgraded_write_downstream;

    if (clcf->tcp_nodelay) {

        if (hx_tcp_nodelay(c) != HX_OK) {
            hx_http_upstream_finalize_request(r, u, HX_ERROR);
            return;
        }

        if (hx_tcp_nodelay(u->peer.connection) != HX_OK) {
            hx_http_upstream_finalize_request(r, u, HX_ERROR);
            return;
        }
    }

    if (hx_http_send_special(r, HX_HTTP_FLUSH) == HX_ERROR) {
        hx_http_upstream_finalize_request(r, u, HX_ERROR);
        return;
    }

    if (u->peer.connection->read->ready
        || u->buffer.pos != u->buffer.last)
    {
        hx_post_event(c->read, &hx_posted_events);
        hx_http_upstream_process_upgraded(r, 1, 1);
        return;
    }

    hx_http_upstream_process_upgraded(r, 0, 1);
}


static void
hx_http_upstream_upgraded_read_downstream(hx_http_request_t *r)
{
    hx_http_upstream_process_upgraded(r, 0, 0);
}


static void
hx_http_upstream_upgraded_write_downstream(hx_http_request_t *r)
{
    hx_http_upstream_process_upgraded(r, 1, 1);
}


static void
hx_http_upstream_upgraded_read_upstream(hx_http_request_t *r,
    hx_http_upstream_t *u)
{
    (void) u;

    hx_http_upstream_process_upgraded(r, 1, 0);
}


static void
hx_http_upstream_upgraded_write_upstream(hx_http_request_t *r,
    hx_http_upstream_t *u)
{
    (void) u;

    hx_http_upstream_process_upgraded(r, 0, 1);
}


/* arms both connections' events and timers after a tunnel step */
static hx_int_t
hx_http_upstream_upgraded_events(hx_http_request_t *r,
    hx_http_upstream_t *u)
{
    hx_uint_t                  flags;
    hx_connection_t           *downstream, *upstream;
    hx_http_core_loc_conf_t   *clcf;

    downstream = r->connection;
    upstream = u->peer.connection;

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (hx_handle_write_event(upstream->write, u->conf->send_lowat)
        != HX_OK)
    {
        return HX_ERROR;
    }

    if (upstream->write->active && !upstream->write->ready) {
        hx_add_timer(upstream->write, u->conf->send_timeout);

    } else if (upstream->write->timer_set) {
        hx_del_timer(upstream->write);
    }

    flags = (upstream->read->eof || upstream->read->error) ? HX_CLOSE_EVENT
                                                          : 0;

    if (hx_handle_read_event(upstream->read, flags) != HX_OK) {
        return HX_ERROR;
    }

    if (upstream->read->active && !upstream->read->ready) {
        hx_add_timer(upstream->read, u->conf->read_timeout);

    } else if (upstream->read->timer_set) {
        hx_del_timer(upstream->read);
    }

    if (hx_handle_write_event(downstream->write, clcf->send_lowat)
        != HX_OK)
    {
        return HX_ERROR;
    }

    flags = (downstream->read->eof || downstream->read->error)
            ? HX_CLOSE_EVENT : 0;

    if (hx_handle_read_event(downstream->read, flags) != HX_OK) {
        return HX_ERROR;
    }

    if (downstream->write->active && !downstream->write->ready) {
        hx_add_timer(downstream->write, clcf->send_timeout);

    } else if (downstream->write->timer_set) {
        hx_del_timer(downstream->write);
    }

    return HX_OK;
}


static void
hx_http_upstream_process_upgraded(hx_http_request_t *r,
    hx_uint_t from_upstream, hx_uint_t do_write)
{
    size_t               size;
    ssize_t              n;
    hx_buf_t            *b;
    hx_connection_t     *c, *downstream, *upstream, *dst, *src;
    hx_http_upstream_t  *u;

    c = r->connection;
    u = r->upstream;

    hx_log_debug(HX_LOG_DEBUG_HTTP, c->log, 0,
                 "http upstream process upgraded, fu:%ui", from_upstream);

    downstream = c;
    upstream = u->peer.connection;

    if (downstream->write->timedout) {
        c->timedout = 1;
        (void) hx_connection_error(c, ETIMEDOUT, "client timed out");
        hx_http_upstream_finalize_request(r, u, HX_HTTP_REQUEST_TIME_OUT);
        return;
    }

    if (upstream->read->timedout || upstream->write->timedout) {
        (void) hx_connection_error(c, ETIMEDOUT, "upstream timed out");
        hx_http_upstream_finalize_request(r, u, HX_HTTP_GATEWAY_TIME_OUT);
        return;
    }

    if (from_upstream) {
        src = upstream;
        dst = downstream;
        b = &u->buffer;

    } else {
        src = downstream;
        dst = upstream;
        b = &u->from_client;

        if (r->header_in->last > r->header_in->pos) {

            /* what the client sent after its request, before the 101 */

            b = r->header_in;
            b->end = b->last;
            do_write = 1;
        }

        if (b->start == NULL) {
            b->start = hx_palloc(r->pool, u->conf->buffer_size);
            if (b->start == NULL) {
                hx_http_upstream_finalize_request(r, u, HX_ERROR);
                return;
            }

            b->pos = b->start;
            b->last = b->start;
            b->end = b->start + u->conf->buffer_size;
            b->temporary = 1;
        }
    }

    for ( ;; ) {

        if (do_write) {

            size = b->last - b->pos;

            if (size && dst->write->ready) {

                n = dst->send(dst, b->pos, size);

                if (n == HX_ERROR) {
                    hx_http_upstream_finalize_request(r, u, HX_ERROR);
                    return;
                }

                if (n > 0) {
                    b->pos += n;

                    if (from_upstream) {
                        u->state->response_length += n;
                    }

                    if (b->pos == b->last) {
                        b->pos = b->start;
                        b->last = b->start;
                    }
                }
            }
        }

        size = b->end - b->last;

        if (size && src->read->ready) {

            n = src->recv(src, b->last, size);

            if (n == HX_AGAIN || n == 0) {
                break;
            }

            if (n > 0) {
                do_write = 1;
                b->last += n;

                if (from_upstream) {
                    u->state->bytes_received += n;
                }

                continue;
            }

            if (n == HX_ERROR) {
                src->read->eof = 1;
            }
        }

        break;
    }

    if ((upstream->read->eof && u->buffer.pos == u->buffer.last)
        || (downstream->read->eof && u->from_client.pos == u->from_client.last)
        || (downstream->read->eof && upstream->read->eof))
    {
        hx_log_debug(HX_LOG_DEBUG_HTTP, c->log, 0,
                     "http upstream upgraded done");
        hx_http_upstream_finalize_request(r, u, 0);
        return;
    }

    if (hx_http_upstream_upgraded_events(r, u) != HX_OK) {
        hx_http_upstream_finalize_request(r, u, HX_ERROR);
        return;
    }
}


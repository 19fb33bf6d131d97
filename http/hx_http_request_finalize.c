/*
 * Ending requests: hx_http_finalize_request() is the one function every
 * path ends a request through (STYLE.md section 11), and what follows a
 * request on its connection: waiting for the rest of the output, keeping
 * the connection alive (with pipelined requests started at once), a
 * lingering close that drains what the client still sends, or closing.
 *
 * A request stays alive while r->main->count is above zero: reading a
 * body, subrequests and posted events each hold a reference.  Closing a
 * request drops one; the last one logs the request, frees its pool and
 * closes the connection (unless it is kept alive).
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


static void hx_http_finalize_connection(hx_http_request_t *r);
static hx_int_t hx_http_set_write_handler(hx_http_request_t *r);
static void hx_http_writer(hx_http_request_t *r);
static void hx_http_request_finalizer(hx_http_request_t *r);
static void hx_http_terminate_handler(hx_http_request_t *r);
static void hx_http_set_keepalive(hx_http_request_t *r);
static void hx_http_keepalive_handler(hx_event_t *ev);
static void hx_http_set_lingering_close(hx_connection_t *c);
static void hx_http_lingering_close_handler(hx_event_t *ev);
static hx_int_t hx_http_post_action(hx_http_request_t *r);


void
hx_http_finalize_request(hx_http_request_t *r, hx_int_t rc)
{
    hx_connection_t            *c;
    hx_http_request_t          *pr;
    hx_http_core_loc_conf_t    *clcf;

    c = r->connection;

    hx_log_debug(HX_LOG_DEBUG_HTTP, c->log, 0,
                 "http finalize request: %i, \"%V?%V\" a:%d, c:%d",
                 rc, &r->uri, &r->args, r == c->data, r->main->count);

    if (rc == HX_DONE) {
        hx_http_finalize_connection(r);
        return;
    }

    if (rc == HX_OK && r->filter_finalize) {
        c->error = 1;
    }

    if (rc == HX_DECLINED) {
        r->content_handler = NULL;
        r->write_event_handler = hx_http_core_run_phases;
        hx_http_core_run_phases(r);
        return;
    }

    if (r != r->main && r->post_subrequest) {
        rc = r->post_subrequest->handler(r, r->post_subrequest->data, rc);
    }

    if (rc == HX_ERROR
        || rc == HX_HTTP_REQUEST_TIME_OUT
        || rc == HX_HTTP_CLIENT_CLOSED_REQUEST
        || c->error)
    {
        if (hx_http_post_action(r) == HX_OK) {
            return;
        }

        hx_http_terminate_request(r, rc);
        return;
    }

    if (rc >= HX_HTTP_SPECIAL_RESPONSE
        || rc == HX_HTTP_CREATED
        || rc == HX_HTTP_NO_CONTENT)
    {
        if (rc == HX_HTTP_CLOSE) {
            c->timedout = 1;
            hx_http_terminate_request(r, rc);
            return;
        }

        if (r == r->main) {
            if (c->read->timer_set) {
                hx_del_timer(c->read);
            }

            if (c->write->timer_set) {
                hx_del_timer(c->write);
            }
        }

        c->read->handler = hx_http_request_handler;
        c->write->handler = hx_http_request_handler;

        hx_http_finalize_request(r, hx_http_special_response_handler(r, rc));
        return;
    }

    if (r != r->main) {

        if (r->buffered || r->postponed) {

            if (hx_http_set_write_handler(r) != HX_OK) {
                hx_http_terminate_request(r, 0);
            }

            return;
        }

        pr = r->parent;

        if (r == c->data || r->background) {

            if (!r->logged) {

                clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

                if (clcf->log_subrequest) {
                    hx_http_log_request(r);
                }

                r->logged = 1;

            } else {
                hx_log_error(HX_LOG_ALERT, c->log, 0,
                             "subrequest: \"%V?%V\" logged again",
                             &r->uri, &r->args);
            }

            r->done = 1;

            if (r->background) {
                hx_http_finalize_connection(r);
                return;
            }

            r->main->count--;

            r->write_event_handler = hx_http_request_empty_handler;

            if (pr->postponed && pr->postponed->request == r) {
                pr->postponed = pr->postponed->next;
            }

            c->data = pr;

        } else {

            r->write_event_handler = hx_http_request_finalizer;

            if (r->waited) {
                r->done = 1;
            }
        }

        if (hx_http_post_request(pr, NULL) != HX_OK) {
            r->main->count++;
            hx_http_terminate_request(r, 0);
            return;
        }

        return;
    }

    if (r->buffered || c->buffered || r->postponed) {

        if (hx_http_set_write_handler(r) != HX_OK) {
            hx_http_terminate_request(r, 0);
        }

        return;
    }

    if (r != c->data) {
        hx_log_error(HX_LOG_ALERT, c->log, 0,
                     "http finalize non-active request: \"%V?%V\"",
                     &r->uri, &r->args);
        return;
    }

    r->done = 1;

    r->read_event_handler = hx_http_block_reading;
    r->write_event_handler = hx_http_request_empty_handler;

    if (!r->post_action) {
        r->request_complete = 1;
    }

    if (hx_http_post_action(r) == HX_OK) {
        return;
    }

    if (c->read->timer_set) {
        hx_del_timer(c->read);
    }

    if (c->write->timer_set) {
        c->write->delayed = 0;
        hx_del_timer(c->write);
    }

    hx_http_finalize_connection(r);
}


void
hx_http_terminate_request(hx_http_request_t *r, hx_int_t rc)
{
    hx_http_cleanup_t            *cln;
    hx_http_request_t            *mr;
    hx_http_posted_request_t     *pr;

    mr = r->main;

    mr->terminated = 1;

    if (rc > 0 && (mr->headers_out.status == 0 || mr->connection->sent == 0)) {
        mr->headers_out.status = rc;
    }

    cln = mr->cleanup;
    mr->cleanup = NULL;

    while (cln) {
        if (cln->handler) {
            cln->handler(cln->data);
        }

        cln = cln->next;
    }

    if (mr->write_event_handler) {

        if (mr->blocked) {
            r = r->connection->data;

            r->connection->error = 1;
            r->write_event_handler = hx_http_request_finalizer;

            return;
        }

        pr = hx_palloc(mr->pool, sizeof(hx_http_posted_request_t));
        if (pr == NULL) {
            hx_http_close_request(mr, rc);
            return;
        }

        mr->posted_requests = NULL;
        mr->write_event_handler = hx_http_terminate_handler;
        (void) hx_http_post_request(mr, pr);
        return;
    }

    hx_http_close_request(mr, rc);
}


static void
hx_http_terminate_handler(hx_http_request_t *r)
{
    r->count = 1;

    hx_http_close_request(r, 0);
}


static void
hx_http_finalize_connection(hx_http_request_t *r)
{
    hx_http_core_loc_conf_t  *clcf;

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (r->main->count != 1) {

        if (r->discard_body) {
            r->read_event_handler = hx_http_discarded_request_body_handler;
            hx_add_timer(r->connection->read, clcf->lingering_timeout);

            if (r->lingering_time == 0) {
                r->lingering_time = hx_time()
                                    + (time_t) (clcf->lingering_time / 1000);
            }
        }

        hx_http_close_request(r, 0);
        return;
    }

    r = r->main;

    if (r->connection->read->eof) {
        hx_http_close_request(r, 0);
        return;
    }

    if (r->reading_body) {
        r->keepalive = 0;
        r->lingering_close = 1;
    }

    /*
     * Within keepalive_min_timeout a connection is kept even by a worker
     * that is shutting down, so that a client can still reuse it.
     */

    if (r->keepalive && clcf->keepalive_min_timeout > 0) {
        hx_http_set_keepalive(r);
        return;
    }

    if (!hx_terminate
        && !hx_exiting
        && r->keepalive
        && clcf->keepalive_timeout > 0)
    {
        hx_http_set_keepalive(r);
        return;
    }

    if (clcf->lingering_close == HX_HTTP_LINGERING_ALWAYS
        || (clcf->lingering_close == HX_HTTP_LINGERING_ON
            && (r->lingering_close
                || r->header_in->pos < r->header_in->last
                || r->connection->read->ready
                || r->connection->pipeline)))
    {
        hx_http_set_lingering_close(r->connection);
        return;
    }

    hx_http_close_request(r, 0);
}


static hx_int_t
hx_http_set_write_handler(hx_http_request_t *r)
{
    hx_event_t                 *wev;
    hx_http_core_loc_conf_t    *clcf;

    r->http_state = HX_HTTP_WRITING_REQUEST_STATE;

    r->read_event_handler = r->discard_body
                            ? hx_http_discarded_request_body_handler
                            : hx_http_test_reading;
    r->write_event_handler = hx_http_writer;

    wev = r->connection->write;

    if (wev->ready && wev->delayed) {
        return HX_OK;
    }

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (!wev->delayed) {
        hx_add_timer(wev, clcf->send_timeout);
    }

    if (hx_handle_write_event(wev, clcf->send_lowat) != HX_OK) {
        hx_http_close_request(r, 0);
        return HX_ERROR;
    }

    return HX_OK;
}


static void
hx_http_writer(hx_http_request_t *r)
{
    hx_int_t                    rc;
    hx_event_t                 *wev;
    hx_connection_t            *c;
    hx_http_core_loc_conf_t    *clcf;

    c = r->connection;
    wev = c->write;

    clcf = hx_http_get_module_loc_conf(r->main, hx_http_core_module);

    if (wev->timedout) {
        hx_log_error(HX_LOG_INFO, c->log, ETIMEDOUT, "client timed out");
        c->timedout = 1;

        hx_http_finalize_request(r, HX_HTTP_REQUEST_TIME_OUT);
        return;
    }

    if (wev->delayed || r->aio) {

        if (!wev->delayed) {
            hx_add_timer(wev, clcf->send_timeout);
        }

        if (hx_handle_write_event(wev, clcf->send_lowat) != HX_OK) {
            hx_http_close_request(r, 0);
        }

        return;
    }

    rc = hx_http_output_filter(r, NULL);

    if (rc == HX_ERROR) {
        hx_http_finalize_request(r, rc);
        return;
    }

    if (r->buffered || r->postponed || (r == r->main && c->buffered)) {

        if (!wev->delayed) {
            hx_add_timer(wev, clcf->send_timeout);
        }

        if (hx_handle_write_event(wev, clcf->send_lowat) != HX_OK) {
            hx_http_close_request(r, 0);
        }

        return;
    }

    r->write_event_handler = hx_http_request_empty_handler;

    hx_http_finalize_request(r, rc);
}


static void
hx_http_request_finalizer(hx_http_request_t *r)
{
    hx_http_finalize_request(r, 0);
}


/*
 * The request is done and the connection stays: a pipelined request in
 * the buffer starts at once (posted, so the stack unwinds); otherwise the
 * header buffers go back and the connection waits, reusable, for the
 * next request or keepalive_timeout.
 */
static void
hx_http_set_keepalive(hx_http_request_t *r)
{
    hx_buf_t                   *b, *f;
    hx_chain_t                 *cl, *ln;
    hx_event_t                 *rev, *wev;
    hx_connection_t            *c;
    hx_http_connection_t       *hc;
    hx_http_core_loc_conf_t    *clcf;

    c = r->connection;
    rev = c->read;

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    c->log->action = "closing request";

    hc = r->http_connection;
    b = r->header_in;

    if (b->pos < b->last && b != c->buffer) {

        /*
         * the pipelined request lives in a large header buffer: keep that
         * one busy and recycle the others
         */

        for (cl = hc->busy; cl; /* void */ ) {
            ln = cl;
            cl = cl->next;

            if (ln->buf == b) {
                continue;
            }

            f = ln->buf;
            f->pos = f->start;
            f->last = f->start;

            ln->next = hc->free;
            hc->free = ln;
        }

        cl = hx_alloc_chain_link(c->pool);
        if (cl == NULL) {
            hx_http_close_request(r, 0);
            return;
        }

        cl->buf = b;
        cl->next = NULL;

        hc->busy = cl;
        hc->nbusy = 1;
    }

    /* guard against a recursive call from hx_http_finalize_connection() */
    r->keepalive = 0;

    hx_http_free_request(r, 0);

    c->data = hc;

    if (hx_handle_read_event(rev, 0) != HX_OK) {
        hx_http_close_connection(c);
        return;
    }

    wev = c->write;
    wev->handler = hx_http_empty_handler;

    if (b->pos < b->last) {

        c->log->action = "reading client pipelined request line";

        r = hx_http_create_request(c);
        if (r == NULL) {
            hx_http_close_connection(c);
            return;
        }

        r->pipeline = 1;

        c->data = r;

        c->sent = 0;
        c->destroyed = 0;
        c->pipeline = 1;

        if (rev->timer_set) {
            hx_del_timer(rev);
        }

        rev->handler = hx_http_process_request_line;
        hx_post_event(rev, &hx_posted_events);
        return;
    }

    /* an idle connection holds no buffer memory */

    b = c->buffer;

    if (hx_pfree(c->pool, b->start) == HX_OK) {

        /* the note for the keepalive handler that the memory is gone */

        b->pos = NULL;

    } else {
        b->pos = b->start;
        b->last = b->start;
    }

    for (cl = hc->free; cl; cl = cl->next) {
        (void) hx_pfree(c->pool, cl->buf->start);
    }

    hc->free = NULL;

    for (cl = hc->busy; cl; cl = cl->next) {
        (void) hx_pfree(c->pool, cl->buf->start);
    }

    hc->busy = NULL;
    hc->nbusy = 0;

    rev->handler = hx_http_keepalive_handler;

    c->log->action = "keepalive";

    if (c->tcp_nopush == HX_TCP_NOPUSH_SET) {
        if (hx_tcp_push(c->fd) == -1) {
            hx_connection_error(c, errno, "setsockopt(!TCP_CORK) failed");
            hx_http_close_connection(c);
            return;
        }

        c->tcp_nopush = HX_TCP_NOPUSH_UNSET;
    }

    if (clcf->tcp_nodelay && hx_tcp_nodelay(c) != HX_OK) {
        hx_http_close_connection(c);
        return;
    }

    /*
     * With keepalive_min_timeout the connection is neither idle nor
     * reusable (so neither a worker's shutdown nor a shortage of
     * connections closes it) until that much time has passed; the rest
     * of keepalive_timeout follows in hx_http_keepalive_handler().
     */

    if (clcf->keepalive_min_timeout == 0) {
        c->idle = 1;
        hx_reusable_connection(c, 1);
    }

    if (clcf->keepalive_min_timeout > 0
        && clcf->keepalive_timeout > clcf->keepalive_min_timeout)
    {
        hc->keepalive_timeout = clcf->keepalive_timeout
                                - clcf->keepalive_min_timeout;

    } else {
        hc->keepalive_timeout = 0;
    }

    hx_add_timer(rev, clcf->keepalive_timeout - hc->keepalive_timeout);

    if (rev->ready) {
        hx_post_event(rev, &hx_posted_events);
    }
}


static void
hx_http_keepalive_handler(hx_event_t *rev)
{
    size_t                   size;
    ssize_t                  n;
    hx_buf_t                *b;
    hx_connection_t         *c;
    hx_http_connection_t    *hc;

    c = rev->data;
    hc = c->data;

    if (!hx_terminate
        && !hx_exiting
        && rev->timedout
        && hc->keepalive_timeout > 0)
    {
        /* keepalive_min_timeout has passed: idle for the rest */

        c->idle = 1;
        hx_reusable_connection(c, 1);

        hx_add_timer(rev, hc->keepalive_timeout);

        hc->keepalive_timeout = 0;
        rev->timedout = 0;
        return;
    }

    if (rev->timedout || c->close) {
        hx_http_close_connection(c);
        return;
    }

    b = c->buffer;
    size = b->end - b->start;

    if (b->pos == NULL) {

        /* the memory was given back by hx_http_set_keepalive() */

        b->pos = hx_palloc(c->pool, size);
        if (b->pos == NULL) {
            hx_http_close_connection(c);
            return;
        }

        b->start = b->pos;
        b->last = b->pos;
        b->end = b->pos + size;
    }

    /* some clients end a keep-alive connection with a reset */

    c->log_error = HX_ERROR_IGNORE_ECONNRESET;
    errno = 0;

    n = c->recv(c, b->last, size);
    c->log_error = HX_ERROR_INFO;

    if (n == HX_AGAIN) {
        if (hx_handle_read_event(rev, 0) != HX_OK) {
            hx_http_close_connection(c);
            return;
        }

        if (hx_pfree(c->pool, b->start) == HX_OK) {
            b->pos = NULL;
        }

        return;
    }

    if (n == HX_ERROR) {
        hx_http_close_connection(c);
        return;
    }

    c->log->handler = NULL;

    if (n == 0) {
        hx_log_error(HX_LOG_INFO, c->log, errno,
                     "client %V closed keepalive connection", &c->addr_text);
        hx_http_close_connection(c);
        return;
    }

    b->last += n;

    c->log->handler = hx_http_log_error_handler;
    c->log->action = "reading client request line";

    c->idle = 0;
    hx_reusable_connection(c, 0);

    c->data = hx_http_create_request(c);
    if (c->data == NULL) {
        hx_http_close_connection(c);
        return;
    }

    c->sent = 0;
    c->destroyed = 0;

    if (rev->timer_set) {
        hx_del_timer(rev);
    }

    rev->handler = hx_http_process_request_line;
    rev->handler(rev);
}


/*
 * Half-closes and reads what the client still sends for a while, so that
 * the response is not destroyed by a reset when unread data arrives after
 * close (RFC 9112 9.6).
 */
static void
hx_http_set_lingering_close(hx_connection_t *c)
{
    hx_event_t                 *rev, *wev;
    hx_http_request_t          *r;
    hx_http_core_loc_conf_t    *clcf;

    r = c->data;

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (r->lingering_time == 0) {
        r->lingering_time = hx_time() + (time_t) (clcf->lingering_time / 1000);
    }

    rev = c->read;
    rev->handler = hx_http_lingering_close_handler;

    if (hx_handle_read_event(rev, 0) != HX_OK) {
        hx_http_close_request(r, 0);
        return;
    }

    wev = c->write;
    wev->handler = hx_http_empty_handler;

    if (shutdown(c->fd, SHUT_WR) == -1) {
        hx_connection_error(c, errno, "shutdown() failed");
        hx_http_close_request(r, 0);
        return;
    }

    c->close = 0;
    hx_reusable_connection(c, 1);

    hx_add_timer(rev, clcf->lingering_timeout);

    if (rev->ready) {
        hx_http_lingering_close_handler(rev);
    }
}


static void
hx_http_lingering_close_handler(hx_event_t *rev)
{
    ssize_t                     n;
    hx_msec_t                   timer;
    hx_msec_int_t               left;
    hx_connection_t            *c;
    hx_http_request_t          *r;
    hx_http_core_loc_conf_t    *clcf;
    uint8_t                     buffer[HX_HTTP_LINGERING_BUFFER_SIZE];

    c = rev->data;
    r = c->data;

    if (rev->timedout || c->close) {
        hx_http_close_request(r, 0);
        return;
    }

    left = (hx_msec_int_t) r->lingering_time - (hx_msec_int_t) hx_time();
    if (left <= 0) {
        hx_http_close_request(r, 0);
        return;
    }

    do {
        n = c->recv(c, buffer, HX_HTTP_LINGERING_BUFFER_SIZE);

        if (n == HX_AGAIN) {
            break;
        }

        if (n == HX_ERROR || n == 0) {
            hx_http_close_request(r, 0);
            return;
        }

    } while (rev->ready);

    if (hx_handle_read_event(rev, 0) != HX_OK) {
        hx_http_close_request(r, 0);
        return;
    }

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    timer = (hx_msec_t) left * 1000;

    if (timer > clcf->lingering_timeout) {
        timer = clcf->lingering_timeout;
    }

    hx_add_timer(rev, timer);
}


hx_int_t
hx_http_send_special(hx_http_request_t *r, hx_uint_t flags)
{
    hx_buf_t    *b;
    hx_chain_t   out;

    b = hx_calloc_buf(r->pool);
    if (b == NULL) {
        return HX_ERROR;
    }

    if (flags & HX_HTTP_LAST) {

        if (r == r->main && !r->post_action) {
            b->last_buf = 1;

        } else {
            b->sync = 1;
            b->last_in_chain = 1;
        }
    }

    if (flags & HX_HTTP_FLUSH) {
        b->flush = 1;
    }

    out.buf = b;
    out.next = NULL;

    return hx_http_output_filter(r, &out);
}


static hx_int_t
hx_http_post_action(hx_http_request_t *r)
{
    hx_http_core_loc_conf_t  *clcf;

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (clcf->post_action.data == NULL) {
        return HX_DECLINED;
    }

    if (r->post_action && r->uri_changes == 0) {
        return HX_DECLINED;
    }

    r->main->count--;

    r->http_version = HX_HTTP_VERSION_9;
    r->header_only = 1;
    r->post_action = 1;

    r->read_event_handler = hx_http_block_reading;

    if (clcf->post_action.data[0] == '/') {
        hx_http_internal_redirect(r, &clcf->post_action, NULL);

    } else {
        hx_http_named_location(r, &clcf->post_action);
    }

    return HX_OK;
}


void
hx_http_close_request(hx_http_request_t *r, hx_int_t rc)
{
    hx_connection_t  *c;

    r = r->main;
    c = r->connection;

    if (r->count == 0) {
        hx_log_error(HX_LOG_ALERT, c->log, 0, "http request count is zero");
    }

    r->count--;

    if (r->count || r->blocked) {
        return;
    }

    hx_http_free_request(r, rc);
    hx_http_close_connection(c);
}


void
hx_http_free_request(hx_http_request_t *r, hx_int_t rc)
{
    hx_log_t                   *log;
    hx_pool_t                  *pool;
    struct linger               linger;
    hx_http_cleanup_t          *cln;
    hx_http_log_ctx_t          *ctx;
    hx_http_core_loc_conf_t    *clcf;

    log = r->connection->log;

    if (r->pool == NULL) {
        hx_log_error(HX_LOG_ALERT, log, 0, "http request already closed");
        return;
    }

    cln = r->cleanup;
    r->cleanup = NULL;

    while (cln) {
        if (cln->handler) {
            cln->handler(cln->data);
        }

        cln = cln->next;
    }

    if (r->stat_reading) {
        hx_http_stat_add(reading, -1);
    }

    if (r->stat_writing) {
        hx_http_stat_add(writing, -1);
    }

    if (rc > 0 && (r->headers_out.status == 0 || r->connection->sent == 0)) {
        r->headers_out.status = rc;
    }

    if (!r->logged) {
        log->action = "logging request";

        hx_http_log_request(r);
    }

    log->action = "closing request";

    if (r->connection->timedout) {
        clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

        if (clcf->reset_timedout_connection) {
            linger.l_onoff = 1;
            linger.l_linger = 0;

            if (setsockopt(r->connection->fd, SOL_SOCKET, SO_LINGER,
                           (const void *) &linger, sizeof(struct linger))
                == -1)
            {
                hx_log_error(HX_LOG_ALERT, log, errno,
                             "setsockopt(SO_LINGER) failed");
            }
        }
    }

    /* the request strings were allocated from r->pool */
    ctx = log->data;
    ctx->request = NULL;

    r->request_line.len = 0;

    r->connection->destroyed = 1;

    /* a NULL pool makes a double close visible */

    pool = r->pool;
    r->pool = NULL;

    hx_destroy_pool(pool);
}


void
hx_http_log_request(hx_http_request_t *r)
{
    hx_uint_t                    i, n;
    hx_http_handler_pt          *log_handler;
    hx_http_core_main_conf_t    *cmcf;

    cmcf = hx_http_get_module_main_conf(r, hx_http_core_module);

    log_handler = cmcf->phases[HX_HTTP_LOG_PHASE].handlers.elts;
    n = cmcf->phases[HX_HTTP_LOG_PHASE].handlers.nelts;

    for (i = 0; i < n; i++) {
        log_handler[i](r);
    }
}


void
hx_http_close_connection(hx_connection_t *c)
{
    hx_pool_t  *pool;

    c->destroyed = 1;

    pool = c->pool;

    hx_close_connection(c);

    hx_destroy_pool(pool);
}

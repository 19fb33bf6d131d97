/*
 * One request's life with a backend: choosing the peer, connecting,
 * sending the request (buffered, or streaming the client body as it
 * arrives), reading and parsing the response header, deciding whether
 * this peer failed and another should be tried (proxy_next_upstream),
 * and ending it all in one place, hx_http_upstream_finalize_request().
 *
 * The flow is nginx's, driven by events on the backend connection:
 * u->write_event_handler is "send the request" until it is sent, and
 * u->read_event_handler is "read the header" until the header is in;
 * hx_http_upstream_send_response() then takes over the body.  Every
 * failure on the way goes through hx_http_upstream_next(), which returns
 * the peer to its balancer as failed and either connects to the next one
 * or answers the client 502/504 (or the backend's own status, for the
 * http_* conditions once no peer is left).
 *
 * A request that is sent again (a retry, or a keep-alive connection that
 * turned out closed) must go out byte-identical, so the request chain the
 * protocol module built is never sent itself: each attempt sends fresh
 * copies of its buffers.  The exception is a request body streamed
 * without buffering: its buffers are the client's and are sent as they
 * are, and such a request is never retried once any of it is sent.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_upstream.h>


static void hx_http_upstream_init_request(hx_http_request_t *r);
static hx_int_t hx_http_upstream_resolved_peer(hx_http_request_t *r,
    hx_http_upstream_t *u);
static void hx_http_upstream_rd_check_broken_connection(hx_http_request_t *r);
static void hx_http_upstream_wr_check_broken_connection(hx_http_request_t *r);
static void hx_http_upstream_connect(hx_http_request_t *r,
    hx_http_upstream_t *u);
static hx_int_t hx_http_upstream_reinit(hx_http_request_t *r,
    hx_http_upstream_t *u);
static hx_int_t hx_http_upstream_copy_request(hx_http_request_t *r,
    hx_http_upstream_t *u);
static hx_int_t hx_http_upstream_set_local(hx_http_request_t *r,
    hx_http_upstream_t *u, hx_http_upstream_local_t *local);
static void hx_http_upstream_send_request(hx_http_request_t *r,
    hx_http_upstream_t *u, hx_uint_t do_write);
static hx_int_t hx_http_upstream_send_request_body(hx_http_request_t *r,
    hx_http_upstream_t *u, hx_uint_t do_write);
static hx_int_t hx_http_upstream_write_out(hx_http_request_t *r,
    hx_http_upstream_t *u, hx_chain_t *in);
static void hx_http_upstream_send_request_handler(hx_http_request_t *r,
    hx_http_upstream_t *u);
static void hx_http_upstream_read_request_handler(hx_http_request_t *r);
static void hx_http_upstream_process_header(hx_http_request_t *r,
    hx_http_upstream_t *u);
static hx_int_t hx_http_upstream_test_next(hx_http_request_t *r,
    hx_http_upstream_t *u);
static hx_int_t hx_http_upstream_intercept_errors(hx_http_request_t *r,
    hx_http_upstream_t *u);
static hx_int_t hx_http_upstream_test_connect(hx_connection_t *c);
static void hx_http_upstream_dummy_handler(hx_http_request_t *r,
    hx_http_upstream_t *u);
static void hx_http_upstream_cleanup(void *data);
static void hx_http_upstream_close_peer_connection(hx_http_upstream_t *u);
static uint8_t *hx_http_upstream_log_error(hx_http_request_t *r,
    hx_http_request_t *sr, uint8_t *buf, size_t len);


/* the http_* conditions of proxy_next_upstream, by status */
static hx_http_upstream_next_t  hx_http_upstream_next_errors[] = {
    { 500, HX_HTTP_UPSTREAM_FT_HTTP_500 },
    { 502, HX_HTTP_UPSTREAM_FT_HTTP_502 },
    { 503, HX_HTTP_UPSTREAM_FT_HTTP_503 },
    { 504, HX_HTTP_UPSTREAM_FT_HTTP_504 },
    { 403, HX_HTTP_UPSTREAM_FT_HTTP_403 },
    { 404, HX_HTTP_UPSTREAM_FT_HTTP_404 },
    { 429, HX_HTTP_UPSTREAM_FT_HTTP_429 },
    { 0, 0 }
};


hx_int_t
hx_http_upstream_create(hx_http_request_t *r)
{
    hx_http_upstream_t  *u;

    u = r->upstream;

    if (u && u->cleanup) {
        r->main->count++;
        hx_http_upstream_cleanup(r);
    }

    u = hx_pcalloc(r->pool, sizeof(hx_http_upstream_t));
    if (u == NULL) {
        return HX_ERROR;
    }

    r->upstream = u;

    u->peer.log = r->connection->log;
    u->peer.log_error = HX_ERROR_ERR;

    u->headers_in.content_length_n = -1;
    u->headers_in.last_modified_time = -1;

    return HX_OK;
}


void
hx_http_upstream_init(hx_http_request_t *r)
{
    hx_connection_t  *c;

    c = r->connection;

    hx_log_debug(HX_LOG_DEBUG_HTTP, c->log, 0,
                 "http init upstream, client timer: %d", c->read->timer_set);

    if (c->read->timer_set) {
        hx_del_timer(c->read);
    }

    /*
     * an edge-triggered write event tells us when the client goes away
     * while the backend is slow
     */

    if (!c->write->active) {
        if (hx_add_event(c->write, HX_WRITE_EVENT, HX_CLEAR_EVENT)
            == HX_ERROR)
        {
            hx_http_finalize_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }
    }

    hx_http_upstream_init_request(r);
}


static void
hx_http_upstream_init_request(hx_http_request_t *r)
{
    hx_int_t                        rc;
    hx_uint_t                       i;
    hx_http_cleanup_t              *cln;
    hx_http_upstream_t             *u;
    hx_http_upstream_loc_conf_t    *ulcf;
    hx_http_upstream_state_t       *state;
    hx_http_upstream_srv_conf_t    *uscf, **uscfp;
    hx_http_upstream_main_conf_t   *umcf;

    u = r->upstream;

    u->start_time = hx_current_msec;

    if (!r->post_action && !u->conf->ignore_client_abort) {
        r->read_event_handler = hx_http_upstream_rd_check_broken_connection;
        r->write_event_handler = hx_http_upstream_wr_check_broken_connection;
    }

    if (r->request_body) {
        u->request_bufs = r->request_body->bufs;
    }

    if (u->create_request(r) != HX_OK) {
        hx_http_finalize_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    if (hx_http_upstream_set_local(r, u, u->conf->local) != HX_OK) {
        hx_http_finalize_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    if (u->conf->socket_keepalive) {
        u->peer.so_keepalive = 1;
    }

    if (hx_list_init(&u->headers_in.headers, r->pool, 8,
                     sizeof(hx_table_elt_t))
        != HX_OK
        || hx_list_init(&u->headers_in.trailers, r->pool, 2,
                        sizeof(hx_table_elt_t))
           != HX_OK)
    {
        hx_http_finalize_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    if (r->upstream_states == NULL) {

        r->upstream_states = hx_array_create(r->pool, 1,
                                        sizeof(hx_http_upstream_state_t));
        if (r->upstream_states == NULL) {
            hx_http_finalize_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

    } else {

        /* a second upstream of this request: " : " in $upstream_* */

        state = hx_array_push(r->upstream_states);
        if (state == NULL) {
            hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        hx_memzero(state, sizeof(hx_http_upstream_state_t));
    }

    cln = hx_http_cleanup_add(r, 0);
    if (cln == NULL) {
        hx_http_finalize_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    cln->handler = hx_http_upstream_cleanup;
    cln->data = r;
    u->cleanup = &cln->handler;

    r->log_handler = hx_http_upstream_log_error;

    if (u->resolved == NULL) {

        uscf = u->conf->upstream;

    } else {

        if (u->resolved->sockaddr) {

            if (hx_http_upstream_resolved_peer(r, u) != HX_OK) {
                hx_http_upstream_finalize_request(r, u,
                                              HX_HTTP_INTERNAL_SERVER_ERROR);
                return;
            }

            goto connect;
        }

        /* a name: one of the configured upstreams, or nothing */

        umcf = hx_http_get_module_main_conf(r, hx_http_upstream_module);

        uscfp = umcf->upstreams.elts;
        uscf = NULL;

        for (i = 0; i < umcf->upstreams.nelts; i++) {

            if (uscfp[i]->host.len == u->resolved->host.len
                && ((uscfp[i]->port == 0 && u->resolved->no_port)
                     || uscfp[i]->port == u->resolved->port)
                && hx_strncasecmp(uscfp[i]->host.data,
                                  u->resolved->host.data,
                                  u->resolved->host.len) == 0
                && uscfp[i]->upstream.peers)
            {
                uscf = uscfp[i];
                break;
            }
        }

        if (uscf == NULL) {

            if (u->resolved->port == 0) {
                hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                             "no port in upstream \"%V\"",
                             &u->resolved->host);
                hx_http_upstream_finalize_request(r, u,
                                               HX_HTTP_INTERNAL_SERVER_ERROR);
                return;
            }

            ulcf = hx_http_get_module_loc_conf(r, hx_http_upstream_module);

            if (ulcf->resolver == NULL) {
                hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                             "no resolver defined to resolve %V",
                             &u->resolved->host);

                hx_http_upstream_finalize_request(r, u, HX_HTTP_BAD_GATEWAY);
                return;
            }

            rc = hx_http_upstream_resolve(r, u, ulcf->resolver);

            if (rc == HX_DECLINED) {
                hx_http_upstream_finalize_request(r, u, HX_HTTP_BAD_GATEWAY);

            } else if (rc == HX_ERROR) {
                hx_http_upstream_finalize_request(r, u,
                                               HX_HTTP_INTERNAL_SERVER_ERROR);
            }

            return;
        }
    }

    if (uscf == NULL || uscf->init_peer == NULL) {
        hx_log_error(HX_LOG_ALERT, r->connection->log, 0,
                     "no upstream configuration");
        hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    u->upstream = uscf;

    if (uscf->init_peer(r, uscf) != HX_OK) {
        hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

connect:

    hx_http_upstream_start(r, u);
}


void
hx_http_upstream_start(hx_http_request_t *r, hx_http_upstream_t *u)
{
    u->peer.start_time = hx_current_msec;

    if (u->conf->next_upstream_tries
        && u->peer.tries > u->conf->next_upstream_tries)
    {
        u->peer.tries = u->conf->next_upstream_tries;
    }

    hx_http_upstream_connect(r, u);
}


/* proxy_pass to a literal address with variables: a one-off peer */
static hx_int_t
hx_http_upstream_resolved_peer(hx_http_request_t *r, hx_http_upstream_t *u)
{
    size_t                        len;
    uint8_t                      *p;
    hx_addr_t                    *addr;
    hx_http_upstream_resolved_t  *ur;

    ur = u->resolved;

    addr = hx_pcalloc(r->pool, sizeof(hx_addr_t));
    if (addr == NULL) {
        return HX_ERROR;
    }

    addr->sockaddr = ur->sockaddr;
    addr->socklen = ur->socklen;

    if (ur->name.len) {
        addr->name = ur->name;

    } else {
        len = HX_SOCKADDR_STRLEN;

        p = hx_pnalloc(r->pool, len);
        if (p == NULL) {
            return HX_ERROR;
        }

        addr->name.len = hx_sock_ntop(ur->sockaddr, ur->socklen, p, len, 1);
        addr->name.data = p;
    }

    return hx_upstream_create_peer(&u->peer, r->pool, addr, 1, &ur->host);
}


static void
hx_http_upstream_rd_check_broken_connection(hx_http_request_t *r)
{
    hx_http_upstream_check_broken_connection(r, r->connection->read);
}


static void
hx_http_upstream_wr_check_broken_connection(hx_http_request_t *r)
{
    hx_http_upstream_check_broken_connection(r, r->connection->write);
}


/*
 * An event on the client while the backend works: did the client go
 * away?  With EPOLLRDHUP the kernel says so; otherwise a one-byte peek
 * tells a closed connection from pipelined bytes.  A closed client ends
 * the request (499 in the log) and the backend connection with it.
 */
void
hx_http_upstream_check_broken_connection(hx_http_request_t *r,
    hx_event_t *ev)
{
    int                  n;
    char                 buf[1];
    hx_err_t             err;
    socklen_t            len;
    hx_connection_t     *c;
    hx_http_upstream_t  *u;

    hx_log_debug(HX_LOG_DEBUG_HTTP, ev->log, 0,
                 "http upstream check client, write event:%d, \"%V\"",
                 ev->write, &r->uri);

    c = r->connection;
    u = r->upstream;

    if (c->error) {
        hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_CLIENT_CLOSED_REQUEST);
        return;
    }

    if (hx_use_epoll_rdhup) {

        if (!ev->pending_eof) {
            return;
        }

        ev->eof = 1;
        c->error = 1;

        err = 0;
        len = sizeof(hx_err_t);

        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len)
            == -1)
        {
            err = errno;
        }

        if (err) {
            ev->error = 1;
        }

        if (u->peer.connection) {
            hx_log_error(HX_LOG_INFO, ev->log, err,
                         "epoll_wait() reported that client prematurely "
                         "closed connection, so upstream connection is "
                         "closed too");
            hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_CLIENT_CLOSED_REQUEST);
            return;
        }

        hx_log_error(HX_LOG_INFO, ev->log, err,
                     "epoll_wait() reported that client prematurely "
                     "closed connection");

        hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_CLIENT_CLOSED_REQUEST);
        return;
    }

    n = recv(c->fd, buf, 1, MSG_PEEK);

    err = errno;

    hx_log_debug(HX_LOG_DEBUG_HTTP, ev->log, err,
                 "http upstream recv(): %d", n);

    if (ev->write && (n >= 0 || err == EAGAIN)) {
        return;
    }

    if (n > 0) {
        return;
    }

    if (n == -1) {
        if (err == EAGAIN) {
            return;
        }

        ev->error = 1;

    } else { /* n == 0 */
        err = 0;
    }

    ev->eof = 1;
    c->error = 1;

    if (u->peer.connection) {
        hx_log_error(HX_LOG_INFO, ev->log, err,
                     "client prematurely closed connection, "
                     "so upstream connection is closed too");
        hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_CLIENT_CLOSED_REQUEST);
        return;
    }

    hx_log_error(HX_LOG_INFO, ev->log, err,
                 "client prematurely closed connection");

    hx_http_upstream_finalize_request(r, u, HX_HTTP_CLIENT_CLOSED_REQUEST);
}


static void
hx_http_upstream_connect(hx_http_request_t *r, hx_http_upstream_t *u)
{
    hx_int_t                    rc;
    hx_connection_t            *c;
    hx_http_upstream_state_t   *state;

    r->connection->log->action = "connecting to upstream";

    if (u->state && u->state->response_time == (hx_msec_t) -1) {
        u->state->response_time = hx_current_msec - u->start_time;
    }

    state = hx_array_push(r->upstream_states);
    if (state == NULL) {
        hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    hx_memzero(state, sizeof(hx_http_upstream_state_t));

    u->state = state;
    u->start_time = hx_current_msec;

    state->response_time = (hx_msec_t) -1;
    state->connect_time = (hx_msec_t) -1;
    state->header_time = (hx_msec_t) -1;

    u->peer.connect_timeout = 0;

    rc = hx_event_connect_peer(&u->peer);

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "http upstream connect: %i", rc);

    if (rc == HX_ERROR) {
        hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    state->peer = u->peer.name;

    if (rc == HX_BUSY) {
        hx_http_upstream_next(r, u, HX_HTTP_UPSTREAM_FT_NOLIVE);
        return;
    }

    if (rc == HX_DECLINED) {
        hx_http_upstream_next(r, u, HX_HTTP_UPSTREAM_FT_ERROR);
        return;
    }

    /* rc == HX_OK || rc == HX_AGAIN || rc == HX_DONE (a cached one) */

    c = u->peer.connection;

    c->requests++;

    c->data = r;

    c->write->handler = hx_http_upstream_handler;
    c->read->handler = hx_http_upstream_handler;

    u->write_event_handler = hx_http_upstream_send_request_handler;
    u->read_event_handler = hx_http_upstream_process_header;

    c->sendfile &= r->connection->sendfile;

    if (r->connection->tcp_nopush == HX_TCP_NOPUSH_DISABLED) {
        c->tcp_nopush = HX_TCP_NOPUSH_DISABLED;
    }

    if (c->pool == NULL) {

        /* a keep-alive connection keeps its pool between requests */

        c->pool = hx_create_pool(128, r->connection->log);
        if (c->pool == NULL) {
            hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }
    }

    c->log = r->connection->log;
    c->pool->log = c->log;
    c->read->log = c->log;
    c->write->log = c->log;

    /* a retry starts from a clean slate, with the same bytes to send */

    if (u->request_sent && hx_http_upstream_reinit(r, u) != HX_OK) {
        hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    if (hx_http_upstream_copy_request(r, u) != HX_OK) {
        hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    u->request_sent = 0;
    u->request_body_sent = 0;
    u->request_body_blocked = 0;

    if (rc == HX_AGAIN) {
        hx_add_timer(c->write, u->conf->connect_timeout);
        return;
    }

    hx_http_upstream_send_request(r, u, 1);
}


/* what a retry must forget of the attempt before */
static hx_int_t
hx_http_upstream_reinit(hx_http_request_t *r, hx_http_upstream_t *u)
{
    if (u->reinit_request && u->reinit_request(r) != HX_OK) {
        return HX_ERROR;
    }

    u->keepalive = 0;
    u->upgrade = 0;
    u->error = 0;

    hx_memzero(&u->headers_in, sizeof(hx_http_upstream_headers_in_t));
    u->headers_in.content_length_n = -1;
    u->headers_in.last_modified_time = -1;

    if (hx_list_init(&u->headers_in.headers, r->pool, 8,
                     sizeof(hx_table_elt_t))
        != HX_OK)
    {
        return HX_ERROR;
    }

    if (hx_list_init(&u->headers_in.trailers, r->pool, 2,
                     sizeof(hx_table_elt_t))
        != HX_OK)
    {
        return HX_ERROR;
    }

    u->buffer.pos = u->buffer.start;
    u->buffer.last = u->buffer.start;

    return HX_OK;
}


/*
 * This attempt's copy of the request: new buffer headers over the same
 * bytes (or file region), so that what one attempt sent does not move
 * the next one's positions.  A streamed body is not copied (see the top
 * of the file).
 */
static hx_int_t
hx_http_upstream_copy_request(hx_http_request_t *r, hx_http_upstream_t *u)
{
    hx_buf_t     *b;
    hx_chain_t   *cl, *ln, **ll;

    u->request_out = NULL;

    if (r->request_body_no_buffering) {
        return HX_OK;
    }

    ll = &u->request_out;

    for (cl = u->request_bufs; cl; cl = cl->next) {

        b = hx_alloc_buf(r->pool);
        ln = hx_alloc_chain_link(r->pool);

        if (b == NULL || ln == NULL) {
            return HX_ERROR;
        }

        hx_memcpy(b, cl->buf, sizeof(hx_buf_t));

        ln->buf = b;
        ln->next = NULL;

        *ll = ln;
        ll = &ln->next;
    }

    return HX_OK;
}


/* proxy_bind: the local address for this request, if any */
static hx_int_t
hx_http_upstream_set_local(hx_http_request_t *r, hx_http_upstream_t *u,
    hx_http_upstream_local_t *local)
{
    hx_int_t    rc;
    hx_str_t    val;
    hx_addr_t  *addr;

    if (local == NULL) {
        u->peer.local = NULL;
        return HX_OK;
    }

    u->peer.transparent = local->transparent;

    if (local->value == NULL) {
        u->peer.local = local->addr;
        return HX_OK;
    }

    if (hx_http_complex_value(r, local->value, &val) != HX_OK) {
        return HX_ERROR;
    }

    if (val.len == 0) {
        return HX_OK;
    }

    addr = hx_palloc(r->pool, sizeof(hx_addr_t));
    if (addr == NULL) {
        return HX_ERROR;
    }

    rc = hx_parse_addr_port(r->pool, addr, val.data, val.len);
    if (rc == HX_ERROR) {
        return HX_ERROR;
    }

    if (rc != HX_OK) {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "invalid local address \"%V\"", &val);
        return HX_OK;
    }

    addr->name = val;
    u->peer.local = addr;

    return HX_OK;
}


static void
hx_http_upstream_send_request(hx_http_request_t *r, hx_http_upstream_t *u,
    hx_uint_t do_write)
{
    hx_int_t          rc;
    hx_connection_t  *c;

    c = u->peer.connection;

    hx_log_debug(HX_LOG_DEBUG_HTTP, c->log, 0, "http upstream send request");

    if (u->state->connect_time == (hx_msec_t) -1) {
        u->state->connect_time = hx_current_msec - u->start_time;
    }

    /*
     * a connect in progress may have failed; a kept-alive connection
     * was established long ago (if it died since, the send says so)
     */

    if (!u->request_sent && !u->peer.cached
        && hx_http_upstream_test_connect(c) != HX_OK)
    {
        hx_http_upstream_next(r, u, HX_HTTP_UPSTREAM_FT_ERROR);
        return;
    }

    c->log->action = "sending request to upstream";

    rc = hx_http_upstream_send_request_body(r, u, do_write);

    if (rc == HX_ERROR) {
        hx_http_upstream_next(r, u, HX_HTTP_UPSTREAM_FT_ERROR);
        return;
    }

    if (rc >= HX_HTTP_SPECIAL_RESPONSE) {
        hx_http_upstream_finalize_request(r, u, rc);
        return;
    }

    if (rc == HX_AGAIN) {
        if (!c->write->ready || u->request_body_blocked) {
            hx_add_timer(c->write, u->conf->send_timeout);

        } else if (c->write->timer_set) {
            hx_del_timer(c->write);
        }

        if (hx_handle_write_event(c->write, u->conf->send_lowat) != HX_OK) {
            hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        return;
    }

    /* rc == HX_OK: all of it is sent */

    if (c->write->timer_set) {
        hx_del_timer(c->write);
    }

    if (c->tcp_nopush == HX_TCP_NOPUSH_SET) {
        if (hx_tcp_push(c->fd) == -1) {
            hx_log_error(HX_LOG_CRIT, c->log, errno,
                         "setsockopt(!TCP_CORK) failed");
            hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        c->tcp_nopush = HX_TCP_NOPUSH_UNSET;
    }

    u->write_event_handler = hx_http_upstream_dummy_handler;

    if (hx_handle_write_event(c->write, 0) != HX_OK) {
        hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    if (!u->request_body_sent) {
        u->request_body_sent = 1;

        if (u->header_sent) {
            return;
        }

        hx_add_timer(c->read, u->conf->read_timeout);

        if (c->read->ready) {
            hx_http_upstream_process_header(r, u);
            return;
        }
    }
}


static hx_int_t
hx_http_upstream_send_request_body(hx_http_request_t *r,
    hx_http_upstream_t *u, hx_uint_t do_write)
{
    hx_int_t                   rc;
    hx_chain_t                *out, *cl, **ll;
    hx_connection_t           *c;
    hx_http_core_loc_conf_t   *clcf;

    if (!r->request_body_no_buffering) {

        /* the whole request is in u->request_out */

        if (!u->request_sent) {
            u->request_sent = 1;
        }

        rc = hx_http_upstream_write_out(r, u, NULL);

        u->request_body_blocked = (rc == HX_AGAIN);

        return rc;
    }

    out = NULL;

    if (!u->request_sent) {
        u->request_sent = 1;

        ll = &out;

        for (cl = u->request_bufs; cl; cl = cl->next) {
            *ll = cl;
            ll = &cl->next;
        }

        if (r->request_body->bufs) {
            if (u->body_filter) {
                if (u->body_filter(r, r->request_body->bufs, ll) != HX_OK) {
                    return HX_ERROR;
                }

            } else {
                *ll = r->request_body->bufs;
            }

            r->request_body->bufs = NULL;
        }

        c = u->peer.connection;
        clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

        if (clcf->tcp_nodelay && hx_tcp_nodelay(c) != HX_OK) {
            return HX_ERROR;
        }

        r->read_event_handler = hx_http_upstream_read_request_handler;
    }

    for ( ;; ) {

        if (do_write) {
            rc = hx_http_upstream_write_out(r, u, out);

            if (rc == HX_ERROR) {
                return HX_ERROR;
            }

            if (rc == HX_OK && !r->reading_body) {
                break;
            }

            u->request_body_blocked = (rc == HX_AGAIN);
        }

        out = NULL;

        if (r->reading_body) {

            /* more of the client's body, if it has come */

            rc = hx_http_read_unbuffered_request_body(r);

            if (rc >= HX_HTTP_SPECIAL_RESPONSE) {
                return rc;
            }

            if (r->request_body->bufs) {
                if (u->body_filter) {
                    if (u->body_filter(r, r->request_body->bufs, &out)
                        != HX_OK)
                    {
                        return HX_ERROR;
                    }

                } else {
                    out = r->request_body->bufs;
                }

                r->request_body->bufs = NULL;
            }
        }

        if (out == NULL) {
            rc = (u->request_out || r->reading_body) ? HX_AGAIN : HX_OK;
            break;
        }

        do_write = 1;
    }

    if (!r->reading_body) {
        if (!r->post_action && !u->conf->ignore_client_abort) {
            r->read_event_handler =
                                  hx_http_upstream_rd_check_broken_connection;
        }
    }

    return rc;
}


/*
 * Appends in to what this attempt still has to send and sends as much as
 * the socket takes.  HX_OK when nothing is left, HX_AGAIN, HX_ERROR.
 */
static hx_int_t
hx_http_upstream_write_out(hx_http_request_t *r, hx_http_upstream_t *u,
    hx_chain_t *in)
{
    off_t             sent;
    hx_chain_t      **ll, *cl;
    hx_connection_t  *c;

    c = u->peer.connection;

    ll = &u->request_out;

    for (cl = u->request_out; cl; cl = cl->next) {
        ll = &cl->next;
    }

    *ll = in;

    if (u->request_out == NULL) {
        return HX_OK;
    }

    if (c->write->error) {
        return HX_ERROR;
    }

    sent = c->sent;

    u->request_out = c->send_chain(c, u->request_out, 0);

    hx_log_debug(HX_LOG_DEBUG_HTTP, c->log, 0,
                 "http upstream sent %O, rest %p", c->sent - sent,
                 u->request_out);

    if (u->request_out == HX_CHAIN_ERROR) {
        u->request_out = NULL;
        return HX_ERROR;
    }

    /* skip what is left of empty (special) buffers */

    while (u->request_out && hx_buf_size(u->request_out->buf) == 0) {
        u->request_out = u->request_out->next;
    }

    (void) r;

    return u->request_out ? HX_AGAIN : HX_OK;
}


static void
hx_http_upstream_send_request_handler(hx_http_request_t *r,
    hx_http_upstream_t *u)
{
    hx_connection_t  *c;

    c = u->peer.connection;

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "http upstream send request handler");

    if (c->write->timedout) {
        hx_http_upstream_next(r, u, HX_HTTP_UPSTREAM_FT_TIMEOUT);
        return;
    }

    if (u->header_sent) {
        u->write_event_handler = hx_http_upstream_dummy_handler;

        (void) hx_handle_write_event(c->write, 0);

        return;
    }

    hx_http_upstream_send_request(r, u, 1);
}


/* the client's read event while its body streams to the backend */
static void
hx_http_upstream_read_request_handler(hx_http_request_t *r)
{
    hx_connection_t     *c;
    hx_http_upstream_t  *u;

    c = r->connection;
    u = r->upstream;

    hx_log_debug(HX_LOG_DEBUG_HTTP, c->log, 0,
                 "http upstream read request handler");

    if (c->read->timedout) {
        c->timedout = 1;
        hx_http_upstream_finalize_request(r, u, HX_HTTP_REQUEST_TIME_OUT);
        return;
    }

    hx_http_upstream_send_request(r, u, 0);
}


/* the backend connection's events, for read and write alike */
void
hx_http_upstream_handler(hx_event_t *ev)
{
    hx_connection_t     *c;
    hx_http_request_t   *r;
    hx_http_upstream_t  *u;

    c = ev->data;
    r = c->data;

    u = r->upstream;
    c = r->connection;

    hx_log_debug(HX_LOG_DEBUG_HTTP, c->log, 0,
                 "http upstream request: \"%V?%V\"", &r->uri, &r->args);

    if (ev->delayed && ev->timedout) {
        ev->delayed = 0;
        ev->timedout = 0;
    }

    if (ev->write) {
        u->write_event_handler(r, u);

    } else {
        u->read_event_handler(r, u);
    }

    hx_http_run_posted_requests(c);
}


static void
hx_http_upstream_process_header(hx_http_request_t *r, hx_http_upstream_t *u)
{
    ssize_t           n;
    hx_int_t          rc;
    hx_connection_t  *c;

    c = u->peer.connection;

    hx_log_debug(HX_LOG_DEBUG_HTTP, c->log, 0,
                 "http upstream process header");

    c->log->action = "reading response header from upstream";

    if (c->read->timedout) {
        hx_http_upstream_next(r, u, HX_HTTP_UPSTREAM_FT_TIMEOUT);
        return;
    }

    if (!u->request_sent && hx_http_upstream_test_connect(c) != HX_OK) {
        hx_http_upstream_next(r, u, HX_HTTP_UPSTREAM_FT_ERROR);
        return;
    }

    if (u->buffer.start == NULL) {
        u->buffer.start = hx_palloc(r->pool, u->conf->buffer_size);
        if (u->buffer.start == NULL) {
            hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        u->buffer.pos = u->buffer.start;
        u->buffer.last = u->buffer.start;
        u->buffer.end = u->buffer.start + u->conf->buffer_size;
        u->buffer.temporary = 1;
    }

    for ( ;; ) {

        n = c->recv(c, u->buffer.last, u->buffer.end - u->buffer.last);

        if (n == HX_AGAIN) {
            if (hx_handle_read_event(c->read, 0) != HX_OK) {
                hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_INTERNAL_SERVER_ERROR);
                return;
            }

            return;
        }

        if (n == 0) {
            hx_log_error(HX_LOG_ERR, c->log, 0,
                         "upstream prematurely closed connection");
        }

        if (n == HX_ERROR || n == 0) {
            hx_http_upstream_next(r, u, HX_HTTP_UPSTREAM_FT_ERROR);
            return;
        }

        u->state->bytes_received += n;

        u->buffer.last += n;

        rc = u->process_header(r);

        if (rc == HX_AGAIN) {

            if (u->buffer.last == u->buffer.end) {
                hx_log_error(HX_LOG_ERR, c->log, 0,
                             "upstream sent too big header");

                hx_http_upstream_next(r, u,
                                      HX_HTTP_UPSTREAM_FT_INVALID_HEADER);
                return;
            }

            continue;
        }

        break;
    }

    if (rc == HX_HTTP_UPSTREAM_INVALID_HEADER) {
        hx_http_upstream_next(r, u, HX_HTTP_UPSTREAM_FT_INVALID_HEADER);
        return;
    }

    if (rc == HX_ERROR) {
        hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    /* rc == HX_OK */

    u->state->header_time = hx_current_msec - u->start_time;

    if (u->headers_in.status_n >= HX_HTTP_SPECIAL_RESPONSE) {

        if (hx_http_upstream_test_next(r, u) == HX_OK) {
            return;
        }

        if (hx_http_upstream_intercept_errors(r, u) == HX_OK) {
            return;
        }
    }

    if (hx_http_upstream_process_headers(r, u) != HX_OK) {
        return;
    }

    hx_http_upstream_send_response(r, u);
}


/* a status proxy_next_upstream names, with a peer left to try */
static hx_int_t
hx_http_upstream_test_next(hx_http_request_t *r, hx_http_upstream_t *u)
{
    hx_msec_t                  timeout;
    hx_uint_t                  status, mask;
    hx_http_upstream_next_t   *un;

    status = u->headers_in.status_n;

    for (un = hx_http_upstream_next_errors; un->status; un++) {

        if (status != un->status) {
            continue;
        }

        timeout = u->conf->next_upstream_timeout;

        if (u->request_sent
            && (r->method & (HX_HTTP_POST|HX_HTTP_LOCK|HX_HTTP_PATCH)))
        {
            mask = un->mask | HX_HTTP_UPSTREAM_FT_NON_IDEMPOTENT;

        } else {
            mask = un->mask;
        }

        if (u->peer.tries > 1
            && ((u->conf->next_upstream & mask) == mask)
            && !(u->request_sent && r->request_body_no_buffering)
            && !(timeout && hx_current_msec - u->peer.start_time >= timeout))
        {
            hx_http_upstream_next(r, u, un->mask);
            return HX_OK;
        }
    }

    return HX_DECLINED;
}


/* proxy_intercept_errors: the location's error_page answers instead */
static hx_int_t
hx_http_upstream_intercept_errors(hx_http_request_t *r,
    hx_http_upstream_t *u)
{
    hx_int_t                    status;
    hx_uint_t                   i;
    hx_table_elt_t             *h, *ho, **ph;
    hx_http_err_page_t         *err_page;
    hx_http_core_loc_conf_t    *clcf;

    status = u->headers_in.status_n;

    if (status == HX_HTTP_NOT_FOUND && u->conf->intercept_404) {
        hx_http_upstream_finalize_request(r, u, HX_HTTP_NOT_FOUND);
        return HX_OK;
    }

    if (!u->conf->intercept_errors) {
        return HX_DECLINED;
    }

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (clcf->error_pages == NULL) {
        return HX_DECLINED;
    }

    err_page = clcf->error_pages->elts;

    for (i = 0; i < clcf->error_pages->nelts; i++) {

        if (err_page[i].status != status) {
            continue;
        }

        if (status == HX_HTTP_UNAUTHORIZED
            && u->headers_in.www_authenticate)
        {
            /* every challenge of the backend goes to the client */

            h = u->headers_in.www_authenticate;
            ph = &r->headers_out.www_authenticate;

            while (h) {
                ho = hx_list_push(&r->headers_out.headers);
                if (ho == NULL) {
                    hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_INTERNAL_SERVER_ERROR);
                    return HX_OK;
                }

                *ho = *h;
                ho->next = NULL;

                *ph = ho;
                ph = &ho->next;

                h = h->next;
            }
        }

        hx_http_upstream_finalize_request(r, u, status);
        return HX_OK;
    }

    return HX_DECLINED;
}


/* whether a non-blocking connect() succeeded */
static hx_int_t
hx_http_upstream_test_connect(hx_connection_t *c)
{
    int        err;
    socklen_t  len;

    err = 0;
    len = sizeof(int);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len) == -1) {
        err = errno;
    }

    if (err) {
        c->log->action = "connecting to upstream";
        (void) hx_connection_error(c, err, "connect() failed");
        return HX_ERROR;
    }

    return HX_OK;
}


static void
hx_http_upstream_dummy_handler(hx_http_request_t *r, hx_http_upstream_t *u)
{
    (void) u;

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "http upstream dummy handler");
}


void
hx_http_upstream_next(hx_http_request_t *r, hx_http_upstream_t *u,
    hx_uint_t ft_type)
{
    hx_msec_t   timeout;
    hx_uint_t   status, state;

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "http next upstream, %xi", ft_type);

    if (u->peer.sockaddr) {

        if (u->peer.connection) {
            u->state->bytes_sent = u->peer.connection->sent;
        }

        if (ft_type == HX_HTTP_UPSTREAM_FT_HTTP_403
            || ft_type == HX_HTTP_UPSTREAM_FT_HTTP_404)
        {
            state = HX_PEER_NEXT;

        } else {
            state = HX_PEER_FAILED;
        }

        u->peer.free(&u->peer, u->peer.data, state);
        u->peer.sockaddr = NULL;
    }

    if (ft_type == HX_HTTP_UPSTREAM_FT_TIMEOUT) {
        hx_log_error(HX_LOG_ERR, r->connection->log, ETIMEDOUT,
                     "upstream timed out");
    }

    if (u->peer.cached && ft_type == HX_HTTP_UPSTREAM_FT_ERROR) {

        /* a kept-alive connection that died is not the peer's fault */

        u->peer.tries++;
    }

    switch (ft_type) {

    case HX_HTTP_UPSTREAM_FT_TIMEOUT:
    case HX_HTTP_UPSTREAM_FT_HTTP_504:
        status = HX_HTTP_GATEWAY_TIME_OUT;
        break;

    case HX_HTTP_UPSTREAM_FT_HTTP_500:
        status = HX_HTTP_INTERNAL_SERVER_ERROR;
        break;

    case HX_HTTP_UPSTREAM_FT_HTTP_503:
        status = HX_HTTP_SERVICE_UNAVAILABLE;
        break;

    case HX_HTTP_UPSTREAM_FT_HTTP_403:
        status = HX_HTTP_FORBIDDEN;
        break;

    case HX_HTTP_UPSTREAM_FT_HTTP_404:
        status = HX_HTTP_NOT_FOUND;
        break;

    case HX_HTTP_UPSTREAM_FT_HTTP_429:
        status = HX_HTTP_TOO_MANY_REQUESTS;
        break;

    default:
        status = HX_HTTP_BAD_GATEWAY;
    }

    if (r->connection->error) {
        hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_CLIENT_CLOSED_REQUEST);
        return;
    }

    u->state->status = status;

    timeout = u->conf->next_upstream_timeout;

    if (u->request_sent
        && (r->method & (HX_HTTP_POST|HX_HTTP_LOCK|HX_HTTP_PATCH)))
    {
        ft_type |= HX_HTTP_UPSTREAM_FT_NON_IDEMPOTENT;
    }

    if (u->peer.tries == 0
        || ((u->conf->next_upstream & ft_type) != ft_type)
        || (u->request_sent && r->request_body_no_buffering)
        || (timeout && hx_current_msec - u->peer.start_time >= timeout))
    {
        hx_http_upstream_finalize_request(r, u, status);
        return;
    }

    if (u->peer.connection) {
        hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "close http upstream connection: %d",
                       u->peer.connection->fd);

        hx_http_upstream_close_peer_connection(u);
    }

    hx_http_upstream_connect(r, u);
}


static void
hx_http_upstream_close_peer_connection(hx_http_upstream_t *u)
{
    hx_pool_t        *pool;
    hx_connection_t  *c;

    c = u->peer.connection;
    u->peer.connection = NULL;

    if (c == NULL) {
        return;
    }

    pool = c->pool;

    hx_close_connection(c);

    if (pool) {
        hx_destroy_pool(pool);
    }
}


/* the request ends without going through the upstream (terminate) */
static void
hx_http_upstream_cleanup(void *data)
{
    hx_http_request_t *r = data;

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "cleanup http upstream request: \"%V\"", &r->uri);

    hx_http_upstream_finalize_request(r, r->upstream, HX_DONE);
}


void
hx_http_upstream_finalize_request(hx_http_request_t *r,
    hx_http_upstream_t *u, hx_int_t rc)
{
    hx_uint_t  flush;

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "finalize http upstream request: %i", rc);

    if (u->cleanup == NULL) {

        /* the request was already finalized */

        hx_http_finalize_request(r, HX_DONE);
        return;
    }

    *u->cleanup = NULL;
    u->cleanup = NULL;

    hx_http_upstream_resolve_cancel(u);

    if (u->state && u->state->response_time == (hx_msec_t) -1) {

        u->state->response_time = hx_current_msec - u->start_time;

        if (u->pipe && u->pipe->read_length) {
            u->state->bytes_received += u->pipe->read_length;
            u->state->response_length += u->pipe->read_length;
        }

        if (u->peer.connection) {
            u->state->bytes_sent = u->peer.connection->sent;
        }
    }

    u->finalize_request(r, rc);

    if (u->peer.free && u->peer.sockaddr) {
        u->peer.free(&u->peer, u->peer.data, 0);
        u->peer.sockaddr = NULL;
    }

    if (u->peer.connection) {
        hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "close http upstream connection: %d",
                       u->peer.connection->fd);

        hx_http_upstream_close_peer_connection(u);
    }

    if (u->pipe && u->pipe->temp_file) {
        hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                     "http upstream temp fd: %d",
                     u->pipe->temp_file->file.fd);
    }

    if (rc == HX_DECLINED) {
        return;
    }

    r->connection->log->action = "sending to client";

    if (!u->header_sent
        || rc == HX_HTTP_REQUEST_TIME_OUT
        || rc == HX_HTTP_CLIENT_CLOSED_REQUEST)
    {
        hx_http_finalize_request(r, rc);
        return;
    }

    flush = 0;

    if (rc >= HX_HTTP_SPECIAL_RESPONSE) {
        rc = HX_ERROR;
        flush = 1;
    }

    if (r->header_only || (u->pipe && u->pipe->downstream_error)) {
        hx_http_finalize_request(r, rc);
        return;
    }

    if (rc == 0) {

        if (hx_http_upstream_process_trailers(r, u) != HX_OK) {
            hx_http_finalize_request(r, HX_ERROR);
            return;
        }

        rc = hx_http_send_special(r, HX_HTTP_LAST);

    } else if (flush) {
        r->keepalive = 0;
        rc = hx_http_send_special(r, HX_HTTP_FLUSH);
    }

    hx_http_finalize_request(r, rc);
}


/* ", upstream: "http://10.0.0.1:80/uri"" on error log lines */
static uint8_t *
hx_http_upstream_log_error(hx_http_request_t *r, hx_http_request_t *sr,
    uint8_t *buf, size_t len)
{
    uint8_t             *p;
    hx_http_upstream_t  *u;

    p = hx_http_log_request_context(r, sr, buf, len);

    len -= p - buf;
    buf = p;

    u = sr->upstream;

    if (u == NULL || u->peer.name == NULL || len == 0) {
        return buf;
    }

    p = hx_snprintf(buf, len, ", upstream: \"%V%V%s%V\"",
                    &u->schema, u->peer.name,
                    (u->peer.sockaddr
                     && u->peer.sockaddr->sa_family == AF_UNIX) ? ":" : "",
                    &u->uri);

    return p;
}

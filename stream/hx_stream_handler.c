/*
 * Stream sessions: from an accepted connection to its close.
 *
 * hx_stream_init_connection() is the handler of every stream listening
 * socket.  It finds the server that owns the connection's local address
 * (one lookup in the small table hx_stream.c built for the socket),
 * creates the session in the connection's pool, points the connection's
 * log at the server's error_log with a handler that appends ", client:
 * A, server: B" to every line, and starts the phase engine.  From there
 * the session advances only through event handlers; nothing here waits.
 *
 * hx_stream_finalize_session() is the only way out: it records the
 * status, runs the log phase and closes the connection.  Every error
 * path, every timeout and every normal end goes through it once, so an
 * access log line is written exactly once per session.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>


static hx_stream_addr_conf_t *hx_stream_find_addr_conf(hx_connection_t *c);
static void hx_stream_proxy_protocol_handler(hx_event_t *rev);
static hx_log_t *hx_stream_proxy_protocol_log(hx_connection_t *c);
static void hx_stream_close_requested(hx_stream_session_t *s);
static void hx_stream_log_session(hx_stream_session_t *s);
static void hx_stream_close_connection(hx_connection_t *c);
static uint8_t *hx_stream_log_error(hx_log_t *log, uint8_t *buf, size_t len);


void
hx_stream_init_connection(hx_connection_t *c)
{
    size_t                        len;
    uint8_t                       text[HX_SOCKADDR_STRLEN];
    hx_time_t                    *tp;
    hx_event_t                   *rev;
    hx_stream_session_t          *s;
    hx_stream_conf_ctx_t         *ctx;
    hx_stream_addr_conf_t        *addr_conf;
    hx_stream_core_srv_conf_t    *cscf;
    hx_stream_core_main_conf_t   *cmcf;

    addr_conf = hx_stream_find_addr_conf(c);
    if (addr_conf == NULL) {
        hx_stream_close_connection(c);
        return;
    }

    s = hx_pcalloc(c->pool, sizeof(hx_stream_session_t));
    if (s == NULL) {
        hx_stream_close_connection(c);
        return;
    }

    ctx = addr_conf->default_server->ctx;

    s->signature = HX_STREAM_MODULE;
    s->main_conf = ctx->main_conf;
    s->srv_conf = ctx->srv_conf;
    s->ssl = addr_conf->ssl;

    /* a UDP session starts with its first datagram already read */

    if (c->buffer) {
        s->received += c->buffer->last - c->buffer->pos;
    }

    s->connection = c;
    c->data = s;

    cscf = hx_stream_get_module_srv_conf(s, hx_stream_core_module);

    hx_set_connection_log(c, cscf->error_log);

    len = hx_sock_ntop(c->sockaddr, c->socklen, text, HX_SOCKADDR_STRLEN, 1);

    /* the accepting code has already put "*N" into the log */

    hx_log_error(HX_LOG_INFO, c->log, 0, "%sclient %*s connected to %V",
                 c->type == SOCK_DGRAM ? "udp " : "",
                 len, text, &c->listening->addr_text);

    c->log->connection = (hx_uint_t) c->number;
    c->log->handler = hx_stream_log_error;
    c->log->data = s;
    c->log->action = "initializing session";
    c->log_error = HX_ERROR_INFO;

    s->ctx = hx_pcalloc(c->pool, sizeof(void *) * hx_stream_max_module);
    if (s->ctx == NULL) {
        hx_stream_close_connection(c);
        return;
    }

    cmcf = hx_stream_get_module_main_conf(s, hx_stream_core_module);

    s->variables = hx_pcalloc(c->pool, cmcf->variables.nelts
                                       * sizeof(hx_stream_variable_value_t));
    if (s->variables == NULL) {
        hx_stream_close_connection(c);
        return;
    }

    tp = hx_timeofday();
    s->start_sec = tp->sec;
    s->start_msec = tp->msec;

    rev = c->read;
    rev->handler = hx_stream_session_handler;

    if (addr_conf->proxy_protocol) {
        c->log->action = "reading PROXY protocol";

        rev->handler = hx_stream_proxy_protocol_handler;

        if (!rev->ready) {
            hx_add_timer(rev, cscf->proxy_protocol_timeout);

            if (hx_handle_read_event(rev, 0) != HX_OK) {
                hx_stream_finalize_session(s,
                                           HX_STREAM_INTERNAL_SERVER_ERROR);
            }

            return;
        }
    }

    rev->handler(rev);
}


/*
 * Broken PROXY protocol headers: every one is counted, but only the first
 * HX_STREAM_PP_LOG_RATE of each second are logged, so that a hostile
 * client can't flood the error log; the next logged line says how many
 * went unlogged.  A worker keeps its own count.
 */

#define HX_STREAM_PP_LOG_RATE  10

hx_uint_t         hx_stream_proxy_protocol_broken;

static time_t     hx_stream_pp_second;
static hx_uint_t  hx_stream_pp_logged;
static hx_uint_t  hx_stream_pp_quiet;


/* the log the parser may complain to: c's, or a silent one */
static hx_log_t *
hx_stream_proxy_protocol_log(hx_connection_t *c)
{
    time_t           now;
    static hx_log_t  silent;

    now = hx_time();

    if (now != hx_stream_pp_second) {
        if (hx_stream_pp_quiet) {
            hx_log_error(HX_LOG_ERR, c->log, 0,
                         "%ui broken PROXY protocol headers were not logged",
                         hx_stream_pp_quiet);
        }

        hx_stream_pp_second = now;
        hx_stream_pp_logged = 0;
        hx_stream_pp_quiet = 0;
    }

    return (hx_stream_pp_logged < HX_STREAM_PP_LOG_RATE) ? c->log : &silent;
}


/*
 * "listen ... proxy_protocol": the header is peeked at, parsed, and only
 * then taken out of the socket with a read of exactly its length, so the
 * client's own bytes stay in the socket for the phases (a preread module
 * peeks at them in turn).  A header split over several segments is
 * waited for, within proxy_protocol_timeout.
 */
static void
hx_stream_proxy_protocol_handler(hx_event_t *rev)
{
    ssize_t                       n;
    uint8_t                      *end, buf[HX_PROXY_PROTOCOL_MAX_HEADER];
    hx_int_t                      rc;
    hx_err_t                      err;
    hx_log_t                     *log;
    hx_connection_t              *c;
    hx_proxy_protocol_t          *pp;
    hx_stream_session_t          *s;
    hx_stream_core_srv_conf_t    *cscf;

    c = rev->data;
    s = c->data;

    if (c->close) {
        hx_stream_close_requested(s);
        return;
    }

    if (rev->timedout) {
        hx_log_error(HX_LOG_INFO, c->log, ETIMEDOUT, "client timed out");
        hx_stream_finalize_session(s, HX_STREAM_OK);
        return;
    }

    n = recv(c->fd, buf, sizeof(buf), MSG_PEEK);
    err = hx_errno;

    hx_log_debug(HX_LOG_DEBUG_STREAM, c->log, 0,
                 "stream PROXY protocol recv(): %z", n);

    if (n == -1) {
        if (err != EAGAIN && err != EINTR) {
            hx_connection_error(c, err, "recv() failed");
            hx_stream_finalize_session(s, HX_STREAM_OK);
            return;
        }

        rc = HX_AGAIN;

    } else {
        log = hx_stream_proxy_protocol_log(c);

        rc = hx_proxy_protocol_read(c->pool, log, buf, buf + n, &end, &pp);

        if (rc == HX_AGAIN
            && (n == 0 || rev->pending_eof || (size_t) n == sizeof(buf)))
        {
            /* the client stopped, or sent too much, mid-header */

            hx_log_error(HX_LOG_ERR, log, 0, "broken header: "
                         "incomplete PROXY protocol header");
            rc = HX_ERROR;
        }

        if (rc == HX_ERROR) {
            hx_stream_proxy_protocol_broken++;

            if (log == c->log) {
                hx_stream_pp_logged++;

            } else {
                hx_stream_pp_quiet++;
            }
        }
    }

    if (rc == HX_AGAIN) {
        rev->ready = 0;

        if (!rev->timer_set) {
            cscf = hx_stream_get_module_srv_conf(s, hx_stream_core_module);
            hx_add_timer(rev, cscf->proxy_protocol_timeout);
        }

        if (hx_handle_read_event(rev, 0) != HX_OK) {
            hx_stream_finalize_session(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        }

        return;
    }

    if (rev->timer_set) {
        hx_del_timer(rev);
    }

    if (rc != HX_OK) {
        hx_stream_finalize_session(s, HX_STREAM_BAD_REQUEST);
        return;
    }

    c->proxy_protocol = pp;

    /* now take the header itself out of the socket */

    if (c->recv(c, buf, end - buf) != end - buf) {
        hx_stream_finalize_session(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    c->log->action = "initializing session";

    rev->handler = hx_stream_session_handler;

    hx_stream_session_handler(rev);
}


/*
 * The address entry for c's local address.  A socket that serves one
 * address has one entry; a wildcard socket standing in for several
 * addresses of its port asks the kernel which one c came in on, and
 * falls back to its own (last) entry.
 */
static hx_stream_addr_conf_t *
hx_stream_find_addr_conf(hx_connection_t *c)
{
    hx_uint_t               i;
    struct sockaddr        *sa;
    hx_stream_port_t       *port;
    struct sockaddr_in     *sin;
    struct sockaddr_in6    *sin6;
    hx_stream_in_addr_t    *addr;
    hx_stream_in6_addr_t   *addr6;

    port = c->listening->servers;

    if (port->naddrs == 1) {
        if (c->listening->sockaddr->sa_family == AF_INET6) {
            addr6 = port->addrs;
            return &addr6[0].conf;
        }

        addr = port->addrs;
        return &addr[0].conf;
    }

    if (hx_connection_local_sockaddr(c, NULL, 0) != HX_OK) {
        return NULL;
    }

    sa = c->local_sockaddr;

    if (sa->sa_family == AF_INET6) {
        sin6 = (struct sockaddr_in6 *) sa;
        addr6 = port->addrs;

        for (i = 0; i < port->naddrs - 1; i++) {
            if (hx_memcmp(&addr6[i].addr6, &sin6->sin6_addr, 16) == 0) {
                break;
            }
        }

        return &addr6[i].conf;
    }

    sin = (struct sockaddr_in *) sa;
    addr = port->addrs;

    for (i = 0; i < port->naddrs - 1; i++) {
        if (addr[i].addr == sin->sin_addr.s_addr) {
            break;
        }
    }

    return &addr[i].conf;
}


void
hx_stream_session_handler(hx_event_t *rev)
{
    hx_connection_t      *c;
    hx_stream_session_t  *s;

    c = rev->data;
    s = c->data;

    if (c->close) {
        hx_stream_close_requested(s);
        return;
    }

    hx_stream_core_run_phases(s);
}


void
hx_stream_block_reading(hx_event_t *rev)
{
    hx_connection_t  *c;

    c = rev->data;

    if (c->close) {
        hx_stream_close_requested(c->data);
        return;
    }

    /* edge-triggered: an unread report does not come back in a loop */

    hx_log_debug(HX_LOG_DEBUG_STREAM, c->log, 0,
                 "stream reading blocked");

    if (c->udp) {
        rev->ready = 0;
    }
}


/*
 * The worker asked every connection to close (worker_shutdown_timeout
 * ran out during a graceful stop) by setting c->close and calling the
 * read handler: the session ends now, as nginx's stream proxy ends it.
 */
static void
hx_stream_close_requested(hx_stream_session_t *s)
{
    hx_log_error(HX_LOG_INFO, s->connection->log, 0, "shutdown timeout");

    hx_stream_finalize_session(s, HX_STREAM_OK);
}


void
hx_stream_finalize_session(hx_stream_session_t *s, hx_uint_t rc)
{
    hx_log_debug(HX_LOG_DEBUG_STREAM, s->connection->log, 0,
                 "finalize stream session: %ui", rc);

    s->status = rc;

    hx_stream_log_session(s);

    hx_stream_close_connection(s->connection);
}


static void
hx_stream_log_session(hx_stream_session_t *s)
{
    hx_uint_t                     i, n;
    hx_stream_handler_pt         *log_handler;
    hx_stream_core_main_conf_t   *cmcf;

    cmcf = hx_stream_get_module_main_conf(s, hx_stream_core_module);

    log_handler = cmcf->phases[HX_STREAM_LOG_PHASE].handlers.elts;
    n = cmcf->phases[HX_STREAM_LOG_PHASE].handlers.nelts;

    for (i = 0; i < n; i++) {
        (void) log_handler[i](s);
    }
}


static void
hx_stream_close_connection(hx_connection_t *c)
{
    hx_pool_t  *pool;

    hx_log_debug(HX_LOG_DEBUG_STREAM, c->log, 0,
                 "close stream connection: %d", c->fd);

    /* TODO(TLS issue): a TLS shutdown that would block finishes first */

    pool = c->pool;

    hx_close_connection(c);

    hx_destroy_pool(pool);
}


static uint8_t *
hx_stream_log_error(hx_log_t *log, uint8_t *buf, size_t len)
{
    uint8_t              *p;
    hx_stream_session_t  *s;

    if (log->action) {
        p = hx_snprintf(buf, len, " while %s", log->action);
        len -= p - buf;
        buf = p;
    }

    s = log->data;

    p = hx_snprintf(buf, len, ", %sclient: %V, server: %V",
                    s->connection->type == SOCK_DGRAM ? "udp " : "",
                    &s->connection->addr_text,
                    &s->connection->listening->addr_text);
    len -= p - buf;
    buf = p;

    if (s->log_handler) {
        p = s->log_handler(log, buf, len);
    }

    return p;
}

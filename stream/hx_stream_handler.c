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

    rev->handler(rev);
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

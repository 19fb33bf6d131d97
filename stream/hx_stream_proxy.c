/*
 * Proxied stream sessions: choosing a peer, connecting (and failing over
 * to the next one), then relaying bytes (TCP) or datagrams (UDP) both
 * ways until the session is done.
 *
 * Each direction is a pipe with one fixed buffer of proxy_buffer_size
 * bytes.  Reading appends to the buffer while it has room; whatever was
 * read is handed to the write filter when the filter has finished with
 * the previous batch, as one buffer descriptor over the bytes read
 * since; when the filter reports everything sent, the buffer starts over
 * from its beginning.  A slow reader on one side therefore stops the
 * reading on the other side once the buffer is full: the bytes wait in
 * the kernel and TCP flow control pushes back on the sender, and hanx
 * never holds more than two buffers per session, whatever the volume.
 * Handing over in batches also means one writev per wake-up instead of
 * one per read.  For UDP the batch is exactly one datagram, so datagram
 * boundaries survive; a datagram that arrives while the previous one is
 * still queued is dropped, as a full socket buffer would drop it.
 *
 * A TCP direction that turns out to be bulk (a read filled the whole
 * buffer) and has no rate limit switches to splice(): once the buffer
 * has gone out, bytes move socket -> kernel pipe -> socket without being
 * copied through user space.  The pipe is filled only when empty and
 * drained before the next fill, so it holds at most one pipe's worth
 * (64 KiB by default) and the back-pressure is the buffer's: a slow
 * reader stops the splicing in, the kernel's socket buffers fill and
 * TCP pushes back on the sender.  Short sessions never pay for the pipe.
 *
 * A session ends when one side has closed and what it sent has been
 * delivered (both sides with proxy_half_close, which passes the first
 * close on as a shutdown of writing), on proxy_timeout of silence both
 * ways, or, for UDP, when proxy_responses datagrams came back for each
 * one sent.  Failing to connect moves to the next peer the balancer
 * offers, within proxy_next_upstream_tries and _timeout; once connected
 * a session never moves.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>
#include <hx_stream_proxy.h>
#include <hx_proxy_protocol.h>

#include <fcntl.h>


/* one direction spliced through a kernel pipe */
typedef struct {
    int                           fd[2];     /* -1: none yet */
    size_t                        in;        /* bytes in the pipe */
    unsigned                      on:1;
} hx_stream_proxy_splice_t;


/* the proxy's per-session context: splicing, by from_upstream */
typedef struct {
    hx_stream_proxy_splice_t      dir[2];
} hx_stream_proxy_ctx_t;


/* as much as one splice() into an empty pipe may ask for */
#define HX_STREAM_PROXY_SPLICE_MAX    (1024 * 1024)


static hx_int_t hx_stream_proxy_eval(hx_stream_session_t *s,
    hx_stream_proxy_srv_conf_t *pscf);
static hx_int_t hx_stream_proxy_set_local(hx_stream_session_t *s,
    hx_stream_upstream_t *u, hx_stream_proxy_local_t *local);
static hx_int_t hx_stream_proxy_pipe_init(hx_connection_t *c,
    hx_stream_upstream_pipe_t *pipe, size_t size);
static void hx_stream_proxy_connect(hx_stream_session_t *s);
static void hx_stream_proxy_connect_handler(hx_event_t *ev);
static void hx_stream_proxy_init_upstream(hx_stream_session_t *s);
static void hx_stream_proxy_log_connected(hx_stream_session_t *s);
static hx_int_t hx_stream_proxy_send_preamble(hx_stream_session_t *s);
static void hx_stream_proxy_downstream_handler(hx_event_t *ev);
static void hx_stream_proxy_upstream_handler(hx_event_t *ev);
static void hx_stream_proxy_process_connection(hx_event_t *ev,
    hx_uint_t from_upstream);
static hx_int_t hx_stream_proxy_timed_out(hx_stream_session_t *s,
    hx_event_t *ev);
static void hx_stream_proxy_process(hx_stream_session_t *s,
    hx_uint_t from_upstream, hx_uint_t do_write);
static hx_int_t hx_stream_proxy_read(hx_stream_session_t *s,
    hx_uint_t from_upstream, hx_connection_t *src,
    hx_stream_upstream_pipe_t *pipe);
static hx_int_t hx_stream_proxy_flush(hx_stream_session_t *s,
    hx_uint_t from_upstream, hx_connection_t *dst,
    hx_stream_upstream_pipe_t *pipe);
static hx_int_t hx_stream_proxy_send_empty(hx_connection_t *dst);
static hx_stream_proxy_splice_t *hx_stream_proxy_splice_get(
    hx_stream_session_t *s, hx_uint_t from_upstream);
static hx_stream_proxy_splice_t *hx_stream_proxy_splice_start(
    hx_stream_session_t *s, hx_uint_t from_upstream, hx_connection_t *src,
    hx_connection_t *dst);
static void hx_stream_proxy_splice_cleanup(void *data);
static hx_int_t hx_stream_proxy_splice(hx_stream_session_t *s,
    hx_uint_t from_upstream, hx_connection_t *src, hx_connection_t *dst,
    hx_stream_proxy_splice_t *sp);
static hx_uint_t hx_stream_proxy_pending(hx_stream_session_t *s,
    hx_uint_t from_upstream);
static hx_int_t hx_stream_proxy_arm(hx_stream_session_t *s,
    hx_uint_t from_upstream, hx_connection_t *src, hx_connection_t *dst,
    hx_stream_upstream_pipe_t *pipe);
static hx_int_t hx_stream_proxy_test_finalize(hx_stream_session_t *s,
    hx_uint_t from_upstream);
static void hx_stream_proxy_log_done(hx_stream_session_t *s,
    const char *what);
static void hx_stream_proxy_next_upstream(hx_stream_session_t *s);
static void hx_stream_proxy_finalize(hx_stream_session_t *s, hx_uint_t rc);
static uint8_t *hx_stream_proxy_log_error(hx_log_t *log, uint8_t *buf,
    size_t len);


/* bytes (or an empty datagram) the other side has not been handed yet */
#define hx_stream_proxy_pipe_pending(pipe)                                    \
    ((pipe)->buf.pos != (pipe)->buf.last || (pipe)->empty)


void
hx_stream_proxy_handler(hx_stream_session_t *s)
{
    hx_connection_t                *c;
    hx_stream_upstream_t           *u;
    hx_stream_proxy_srv_conf_t     *pscf;
    hx_stream_upstream_srv_conf_t  *uscf;

    c = s->connection;

    pscf = hx_stream_get_module_srv_conf(s, hx_stream_proxy_module);

    hx_log_debug(HX_LOG_DEBUG_STREAM, c->log, 0, "proxy connection handler");

    u = hx_pcalloc(c->pool, sizeof(hx_stream_upstream_t));
    if (u == NULL) {
        hx_stream_proxy_finalize(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    s->upstream = u;
    s->log_handler = hx_stream_proxy_log_error;

    u->requests = 1;

    u->peer.log = c->log;
    u->peer.log_error = HX_ERROR_ERR;
    u->peer.type = c->type;
    u->peer.so_keepalive = pscf->socket_keepalive ? 1 : 0;
    u->peer.rcvbuf = (int) pscf->socket_rcvbuf;
    u->peer.sndbuf = (int) pscf->socket_sndbuf;

    u->start_sec = hx_time();

    if (hx_stream_proxy_set_local(s, u, pscf->local) != HX_OK) {
        hx_stream_proxy_finalize(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    c->read->handler = hx_stream_proxy_downstream_handler;
    c->write->handler = hx_stream_proxy_downstream_handler;

    s->upstream_states = hx_array_create(c->pool, 1,
                                         sizeof(hx_stream_upstream_state_t));
    if (s->upstream_states == NULL) {
        hx_stream_proxy_finalize(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    if (hx_stream_proxy_pipe_init(c, &u->upload, pscf->buffer_size)
        != HX_OK)
    {
        hx_stream_proxy_finalize(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    /* the client may have sent already: read it while connecting */

    if (c->read->ready) {
        hx_post_event(c->read, &hx_posted_events);
    }

    uscf = pscf->upstream;

    if (pscf->upstream_value) {
        if (hx_stream_proxy_eval(s, pscf) != HX_OK) {
            hx_stream_proxy_finalize(s, HX_STREAM_INTERNAL_SERVER_ERROR);
            return;
        }

        uscf = u->upstream;

        if (uscf == NULL) {

            /* an address known only now: hx_stream_proxy_eval set peer */

            u->peer.start_time = hx_current_msec;
            hx_stream_proxy_connect(s);
            return;
        }
    }

    if (uscf == NULL) {
        hx_log_error(HX_LOG_ALERT, c->log, 0, "no upstream configuration");
        hx_stream_proxy_finalize(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    u->upstream = uscf;

    if (hx_stream_upstream_init_peer(s, uscf) != HX_OK) {
        hx_stream_proxy_finalize(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    u->peer.start_time = hx_current_msec;

    if (pscf->next_upstream_tries
        && u->peer.tries > pscf->next_upstream_tries)
    {
        u->peer.tries = pscf->next_upstream_tries;
    }

    hx_stream_proxy_connect(s);
}


/*
 * proxy_pass with variables: the value names an upstream {} (or an
 * implicit upstream), or is an address of its own.  hanx has no resolver,
 * so a host name that is neither fails the session.
 */
static hx_int_t
hx_stream_proxy_eval(hx_stream_session_t *s, hx_stream_proxy_srv_conf_t *pscf)
{
    hx_str_t               value;
    hx_url_t               url;
    hx_connection_t       *c;
    hx_stream_upstream_t  *u;

    c = s->connection;
    u = s->upstream;

    if (hx_stream_complex_value(s, pscf->upstream_value, &value) != HX_OK) {
        return HX_ERROR;
    }

    hx_memzero(&url, sizeof(hx_url_t));

    url.url = value;
    url.no_resolve = 1;

    if (hx_parse_url(c->pool, &url) != HX_OK) {
        if (url.err) {
            hx_log_error(HX_LOG_ERR, c->log, 0,
                         "%s in upstream \"%V\"", url.err, &url.url);
        }

        return HX_ERROR;
    }

    u->resolved = url.host;

    u->upstream = hx_stream_upstream_find(s, &url.host, url.port,
                                          url.no_port);
    if (u->upstream) {
        return HX_OK;
    }

    if (url.naddrs) {
        if (url.port == 0
            && url.addrs[0].sockaddr->sa_family != AF_UNIX)
        {
            hx_log_error(HX_LOG_ERR, c->log, 0,
                         "no port in upstream \"%V\"", &url.host);
            return HX_ERROR;
        }

        return hx_upstream_create_peer(&u->peer, c->pool, url.addrs, 1,
                                       &u->resolved);
    }

    if (url.port == 0) {
        hx_log_error(HX_LOG_ERR, c->log, 0,
                     "no port in upstream \"%V\"", &url.host);
        return HX_ERROR;
    }

    hx_log_error(HX_LOG_ERR, c->log, 0,
                 "no resolver defined to resolve %V", &url.host);

    return HX_ERROR;
}


/* proxy_bind: a fixed address, or one evaluated now ("" means none) */
static hx_int_t
hx_stream_proxy_set_local(hx_stream_session_t *s, hx_stream_upstream_t *u,
    hx_stream_proxy_local_t *local)
{
    hx_int_t    rc;
    hx_str_t    val;
    hx_addr_t  *addr;

    u->peer.local = NULL;

    if (local == NULL) {
        return HX_OK;
    }

    u->peer.transparent = local->transparent;

    if (local->value == NULL) {
        u->peer.local = local->addr;
        return HX_OK;
    }

    if (hx_stream_complex_value(s, local->value, &val) != HX_OK) {
        return HX_ERROR;
    }

    if (val.len == 0) {
        return HX_OK;
    }

    addr = hx_palloc(s->connection->pool, sizeof(hx_addr_t));
    if (addr == NULL) {
        return HX_ERROR;
    }

    rc = hx_parse_addr_port(s->connection->pool, addr, val.data, val.len);

    if (rc == HX_ERROR) {
        return HX_ERROR;
    }

    if (rc != HX_OK) {
        hx_log_error(HX_LOG_ERR, s->connection->log, 0,
                     "invalid local address \"%V\"", &val);
        return HX_OK;
    }

    addr->name = val;
    u->peer.local = addr;

    return HX_OK;
}


static hx_int_t
hx_stream_proxy_pipe_init(hx_connection_t *c, hx_stream_upstream_pipe_t *pipe,
    size_t size)
{
    uint8_t  *p;

    p = hx_pnalloc(c->pool, size);
    if (p == NULL) {
        return HX_ERROR;
    }

    pipe->buf.start = p;
    pipe->buf.pos = p;
    pipe->buf.last = p;
    pipe->buf.end = p + size;
    pipe->buf.temporary = 1;

    pipe->out.temporary = 1;
    pipe->out.flush = 1;

    pipe->link.buf = &pipe->out;
    pipe->link.next = NULL;

    return HX_OK;
}


static void
hx_stream_proxy_connect(hx_stream_session_t *s)
{
    hx_int_t                      rc;
    hx_str_t                     *name;
    hx_connection_t              *c, *pc;
    hx_stream_upstream_t         *u;
    hx_stream_proxy_srv_conf_t   *pscf;

    c = s->connection;

    c->log->action = "connecting to upstream";

    pscf = hx_stream_get_module_srv_conf(s, hx_stream_proxy_module);

    u = s->upstream;

    u->connected = 0;
    u->proxy_protocol = pscf->proxy_protocol ? 1 : 0;

    if (u->state) {
        u->state->response_time = hx_current_msec - u->start_time;
    }

    u->state = hx_array_push(s->upstream_states);
    if (u->state == NULL) {
        hx_stream_proxy_finalize(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    hx_memzero(u->state, sizeof(hx_stream_upstream_state_t));

    u->start_time = hx_current_msec;

    u->state->connect_time = (hx_msec_t) -1;
    u->state->first_byte_time = (hx_msec_t) -1;
    u->state->response_time = (hx_msec_t) -1;

    rc = hx_event_connect_peer(&u->peer);

    hx_log_debug(HX_LOG_DEBUG_STREAM, c->log, 0, "proxy connect: %i", rc);

    if (rc == HX_ERROR) {
        hx_stream_proxy_finalize(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    /*
     * the peer's name may live in a shared zone that a reload replaces
     * while this session runs: keep a copy for the variables and the log
     */

    if (u->peer.name) {
        name = hx_palloc(c->pool, sizeof(hx_str_t) + u->peer.name->len);
        if (name == NULL) {
            hx_stream_proxy_finalize(s, HX_STREAM_INTERNAL_SERVER_ERROR);
            return;
        }

        name->len = u->peer.name->len;
        name->data = (uint8_t *) (name + 1);
        hx_memcpy(name->data, u->peer.name->data, name->len);

        u->peer.name = name;
        u->state->peer = name;
    }

    if (rc == HX_BUSY) {

        /* the balancer logged "no live upstreams" */

        hx_stream_proxy_finalize(s, HX_STREAM_BAD_GATEWAY);
        return;
    }

    if (rc == HX_DECLINED) {
        hx_stream_proxy_next_upstream(s);
        return;
    }

    pc = u->peer.connection;

    pc->data = s;
    pc->log = c->log;
    pc->pool = c->pool;
    pc->read->log = c->log;
    pc->write->log = c->log;

    if (rc != HX_AGAIN) {
        hx_stream_proxy_init_upstream(s);
        return;
    }

    pc->read->handler = hx_stream_proxy_connect_handler;
    pc->write->handler = hx_stream_proxy_connect_handler;

    hx_add_timer(pc->write, pscf->connect_timeout);
}


static void
hx_stream_proxy_connect_handler(hx_event_t *ev)
{
    hx_connection_t      *pc;
    hx_stream_session_t  *s;

    pc = ev->data;
    s = pc->data;

    if (ev->timedout) {
        hx_log_error(HX_LOG_ERR, pc->log, ETIMEDOUT, "upstream timed out");
        hx_stream_proxy_next_upstream(s);
        return;
    }

    if (pc->write->timer_set) {
        hx_del_timer(pc->write);
    }

    hx_log_debug(HX_LOG_DEBUG_STREAM, pc->log, 0,
                 "stream proxy connect upstream");

    if (hx_event_connect_test(pc) != HX_OK) {
        hx_stream_proxy_next_upstream(s);
        return;
    }

    hx_stream_proxy_init_upstream(s);
}


static void
hx_stream_proxy_init_upstream(hx_stream_session_t *s)
{
    hx_connection_t              *c, *pc;
    hx_stream_upstream_t         *u;
    hx_stream_proxy_srv_conf_t   *pscf;
    hx_stream_core_srv_conf_t    *cscf;

    c = s->connection;
    u = s->upstream;
    pc = u->peer.connection;

    cscf = hx_stream_get_module_srv_conf(s, hx_stream_core_module);
    pscf = hx_stream_get_module_srv_conf(s, hx_stream_proxy_module);

    if (pc->type == SOCK_STREAM
        && cscf->tcp_nodelay
        && hx_tcp_nodelay(pc) != HX_OK)
    {
        hx_stream_proxy_next_upstream(s);
        return;
    }

    hx_stream_proxy_log_connected(s);

    u->state->connect_time = hx_current_msec - u->start_time;

    hx_stream_upstream_connected(s);

    if (u->download.buf.start == NULL
        && hx_stream_proxy_pipe_init(c, &u->download, pscf->buffer_size)
           != HX_OK)
    {
        hx_stream_proxy_finalize(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    u->upload_rate = hx_stream_complex_value_size(s, pscf->upload_rate, 0);
    u->download_rate = hx_stream_complex_value_size(s, pscf->download_rate,
                                                    0);

    u->connected = 1;

    pc->read->handler = hx_stream_proxy_upstream_handler;
    pc->write->handler = hx_stream_proxy_upstream_handler;

    if (hx_stream_proxy_send_preamble(s) != HX_OK) {
        hx_stream_proxy_finalize(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    if (pc->read->ready) {
        hx_post_event(pc->read, &hx_posted_events);
    }

    hx_stream_proxy_process(s, 0, 1);
}


/* "proxy 127.0.0.1:41234 connected to 127.0.0.1:8081" at info */
static void
hx_stream_proxy_log_connected(hx_stream_session_t *s)
{
    uint8_t               addr[HX_SOCKADDR_STRLEN];
    hx_str_t              str;
    hx_connection_t      *c, *pc;
    hx_log_handler_pt     handler;

    c = s->connection;
    pc = s->upstream->peer.connection;

    if (c->log->log_level < HX_LOG_INFO) {
        return;
    }

    str.len = HX_SOCKADDR_STRLEN;
    str.data = addr;

    if (hx_connection_local_sockaddr(pc, &str, 1) != HX_OK) {
        return;
    }

    handler = c->log->handler;
    c->log->handler = NULL;

    hx_log_error(HX_LOG_INFO, c->log, 0, "%sproxy %V connected to %V",
                 pc->type == SOCK_DGRAM ? "udp " : "", &str,
                 s->upstream->peer.name);

    c->log->handler = handler;
}


/*
 * What goes to the peer before anything read from now on: the PROXY
 * protocol header, then what the session has already read from the
 * client (a UDP session's first datagram, or bytes a preread module
 * consumed).  For UDP both leave as one datagram.
 */
static hx_int_t
hx_stream_proxy_send_preamble(hx_stream_session_t *s)
{
    uint8_t                *p;
    hx_buf_t               *b;
    hx_chain_t             *cl, *out, **ll;
    hx_connection_t        *c;
    hx_stream_upstream_t   *u;

    c = s->connection;
    u = s->upstream;

    out = NULL;
    ll = &out;

    if (u->proxy_protocol) {
        hx_log_debug(HX_LOG_DEBUG_STREAM, c->log, 0,
                     "stream proxy add PROXY protocol header");

        if (hx_connection_local_sockaddr(c, NULL, 0) != HX_OK) {
            return HX_ERROR;
        }

        p = hx_pnalloc(c->pool, HX_PROXY_PROTOCOL_V1_MAX_HEADER);
        b = hx_calloc_buf(c->pool);
        cl = hx_alloc_chain_link(c->pool);

        if (p == NULL || b == NULL || cl == NULL) {
            return HX_ERROR;
        }

        b->pos = p;
        b->last = hx_proxy_protocol_write(p,
                                          p + HX_PROXY_PROTOCOL_V1_MAX_HEADER,
                                          c->sockaddr, c->socklen,
                                          c->local_sockaddr,
                                          c->local_socklen);
        if (b->last == NULL) {
            return HX_ERROR;
        }

        b->start = p;
        b->end = b->last;
        b->temporary = 1;

        cl->buf = b;
        cl->next = NULL;

        *ll = cl;
        ll = &cl->next;

        u->proxy_protocol = 0;
    }

    if (c->type == SOCK_DGRAM && out == NULL
        && c->buffer && c->buffer->pos == c->buffer->last)
    {
        /* the first datagram was empty: it is passed on as it is */

        u->upload.empty = 1;
        return HX_OK;
    }

    if (c->buffer && c->buffer->pos < c->buffer->last) {
        hx_log_debug(HX_LOG_DEBUG_STREAM, c->log, 0,
                     "stream proxy add preread buffer: %uz",
                     (size_t) (c->buffer->last - c->buffer->pos));

        b = hx_calloc_buf(c->pool);
        cl = hx_alloc_chain_link(c->pool);

        if (b == NULL || cl == NULL) {
            return HX_ERROR;
        }

        *b = *c->buffer;
        b->temporary = 1;
        b->flush = 1;

        c->buffer->pos = c->buffer->last;

        cl->buf = b;
        cl->next = NULL;

        *ll = cl;
    }

    if (out == NULL) {
        return HX_OK;
    }

    if (hx_stream_top_filter(s, out, 0) == HX_ERROR) {
        return HX_ERROR;
    }

    return HX_OK;
}


static void
hx_stream_proxy_downstream_handler(hx_event_t *ev)
{
    hx_stream_proxy_process_connection(ev, ev->write);
}


static void
hx_stream_proxy_upstream_handler(hx_event_t *ev)
{
    hx_stream_proxy_process_connection(ev, !ev->write);
}


/*
 * An event on either connection.  A write event means the other side's
 * bytes can move to this one (flush first); a read event, that this
 * side's bytes can be read.  Timers: proxy_timeout lives on the client's
 * write event; a rate-limited read waits on its own read event.
 */
static void
hx_stream_proxy_process_connection(hx_event_t *ev, hx_uint_t from_upstream)
{
    hx_connection_t       *c;
    hx_stream_session_t   *s;
    hx_stream_upstream_t  *u;

    c = ev->data;
    s = c->data;
    u = s->upstream;

    if (s->connection->close) {
        hx_log_error(HX_LOG_INFO, s->connection->log, 0, "shutdown timeout");
        hx_stream_proxy_finalize(s, HX_STREAM_OK);
        return;
    }

    if (ev->timedout) {
        ev->timedout = 0;

        if (hx_stream_proxy_timed_out(s, ev) != HX_OK) {
            return;
        }

    } else if (ev->delayed) {

        /* still rate limited: the timer will call again */

        hx_log_debug(HX_LOG_DEBUG_STREAM, c->log, 0,
                     "stream connection delayed");

        if (hx_handle_read_event(ev, 0) != HX_OK) {
            hx_stream_proxy_finalize(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        }

        return;
    }

    if (from_upstream && !u->connected) {
        return;
    }

    hx_stream_proxy_process(s, from_upstream, ev->write);
}


/*
 * A timer went off: the end of a rate-limit delay (HX_OK: go on and
 * read), or proxy_timeout (the session is finalized: HX_DONE).
 */
static hx_int_t
hx_stream_proxy_timed_out(hx_stream_session_t *s, hx_event_t *ev)
{
    hx_connection_t              *c, *pc;
    hx_stream_upstream_t         *u;
    hx_stream_proxy_srv_conf_t   *pscf;

    c = s->connection;
    u = s->upstream;
    pc = u->connected ? u->peer.connection : NULL;

    pscf = hx_stream_get_module_srv_conf(s, hx_stream_proxy_module);

    if (ev->delayed) {
        ev->delayed = 0;

        if (ev->ready) {
            return HX_OK;
        }

        if (hx_handle_read_event(ev, 0) != HX_OK) {
            hx_stream_proxy_finalize(s, HX_STREAM_INTERNAL_SERVER_ERROR);
            return HX_DONE;
        }

        if (pc && !c->read->delayed && !pc->read->delayed) {
            hx_add_timer(c->write, pscf->timeout);
        }

        return HX_DONE;
    }

    if (c->type == SOCK_DGRAM) {

        if (pscf->responses == HX_STREAM_PROXY_RESPONSES_UNSET
            || u->responses >= pscf->responses * u->requests)
        {
            /* the expected answers came (or none was expected): done */

            hx_stream_proxy_log_done(s, "udp timed out");
            hx_stream_proxy_finalize(s, HX_STREAM_OK);
            return HX_DONE;
        }

        if (pc) {
            hx_connection_error(pc, ETIMEDOUT, "upstream timed out");
            pc->read->error = 1;
        }

        hx_stream_proxy_finalize(s, HX_STREAM_BAD_GATEWAY);
        return HX_DONE;
    }

    hx_connection_error(c, ETIMEDOUT, "connection timed out");
    hx_stream_proxy_finalize(s, HX_STREAM_OK);

    return HX_DONE;
}


/*
 * Moves bytes one way: from the peer to the client (from_upstream) or
 * from the client to the peer, reading and handing over until the
 * source has nothing more or the pipe is full, then decides whether the
 * session is over and arms the events and timers.
 */
static void
hx_stream_proxy_process(hx_stream_session_t *s, hx_uint_t from_upstream,
    hx_uint_t do_write)
{
    hx_int_t                      rc;
    hx_uint_t                     bulk;
    hx_connection_t              *c, *pc, *src, *dst;
    hx_log_handler_pt             handler;
    hx_stream_upstream_t         *u;
    hx_stream_upstream_pipe_t    *pipe;
    hx_stream_proxy_splice_t     *sp;

    u = s->upstream;
    c = s->connection;
    pc = u->connected ? u->peer.connection : NULL;

    if (c->type == SOCK_DGRAM && (hx_terminate || hx_exiting)) {

        /* the listening socket a UDP session answers through is closing */

        handler = c->log->handler;
        c->log->handler = NULL;

        hx_log_error(HX_LOG_INFO, c->log, 0, "disconnected on shutdown");

        c->log->handler = handler;

        hx_stream_proxy_finalize(s, HX_STREAM_OK);
        return;
    }

    if (from_upstream) {
        src = pc;
        dst = c;
        pipe = &u->download;

    } else {
        src = c;
        dst = pc;
        pipe = &u->upload;
    }

    sp = hx_stream_proxy_splice_get(s, from_upstream);
    bulk = 0;

    for ( ;; ) {

        if (sp && sp->on) {
            c->log->action = "proxying and splicing";

            if (hx_stream_proxy_splice(s, from_upstream, src, dst, sp)
                != HX_OK)
            {
                hx_stream_proxy_finalize(s, HX_STREAM_OK);
                return;
            }

            break;
        }

        if (do_write && dst) {
            c->log->action = from_upstream ? "proxying and sending to client"
                                           : "proxying and sending to upstream";

            rc = hx_stream_proxy_flush(s, from_upstream, dst, pipe);

            if (rc == HX_ERROR) {
                hx_stream_proxy_finalize(s, HX_STREAM_OK);
                return;
            }

            if (rc == HX_OK && bulk && src) {
                sp = hx_stream_proxy_splice_start(s, from_upstream, src,
                                                  dst);
                if (sp && sp->on) {
                    continue;
                }
            }
        }

        if (src == NULL) {
            break;
        }

        c->log->action = from_upstream ? "proxying and reading from upstream"
                                       : "proxying and reading from client";

        rc = hx_stream_proxy_read(s, from_upstream, src, pipe);

        if (rc == HX_ERROR) {
            hx_stream_proxy_finalize(s, HX_STREAM_INTERNAL_SERVER_ERROR);
            return;
        }

        if (rc != HX_OK) {
            break;
        }

        bulk = (pipe->buf.last == pipe->buf.end);
        do_write = 1;
    }

    c->log->action = "proxying connection";

    if (hx_stream_proxy_test_finalize(s, from_upstream) == HX_OK) {
        return;
    }

    if (hx_stream_proxy_arm(s, from_upstream, src, dst, pipe) != HX_OK) {
        hx_stream_proxy_finalize(s, HX_STREAM_INTERNAL_SERVER_ERROR);
    }
}


/*
 * One read from src into the pipe.  HX_OK: bytes (or the end of the
 * stream) came in; HX_DECLINED: nothing to do now (no room, not ready,
 * rate limited, already at the end); HX_ERROR: no memory.
 */
static hx_int_t
hx_stream_proxy_read(hx_stream_session_t *s, hx_uint_t from_upstream,
    hx_connection_t *src, hx_stream_upstream_pipe_t *pipe)
{
    off_t                  limit, *received;
    size_t                 size, rate;
    ssize_t                n;
    hx_buf_t              *b;
    hx_msec_t              delay;
    hx_stream_upstream_t  *u;

    u = s->upstream;
    b = &pipe->buf;

    if (!src->read->ready || src->read->delayed || src->read->eof) {
        return HX_DECLINED;
    }

    /* a datagram is handed over alone: read the next once it has gone */

    if (src->type == SOCK_DGRAM && (b->last != b->start || pipe->empty)) {
        return HX_DECLINED;
    }

    size = b->end - b->last;

    if (size == 0) {
        return HX_DECLINED;
    }

    if (from_upstream) {
        rate = u->download_rate;
        received = &u->received;

    } else {
        rate = u->upload_rate;
        received = &s->received;
    }

    if (rate) {
        limit = (off_t) rate * (hx_time() - u->start_sec + 1) - *received;

        if (limit <= 0) {
            src->read->delayed = 1;
            delay = (hx_msec_t) (-limit * 1000 / (off_t) rate + 1);
            hx_add_timer(src->read, delay);
            return HX_DECLINED;
        }

        if (src->type == SOCK_STREAM && (off_t) size > limit) {
            size = (size_t) limit;
        }
    }

    n = src->recv(src, b->last, size);

    if (n == HX_AGAIN) {
        return HX_DECLINED;
    }

    if (n == HX_ERROR) {

        /* logged by recv: the side is gone, as if it had closed */

        src->read->eof = 1;
        n = 0;
    }

    if (rate) {
        delay = (hx_msec_t) (n * 1000 / rate);

        if (delay > 0) {
            src->read->delayed = 1;
            hx_add_timer(src->read, delay);
        }
    }

    if (from_upstream && u->state->first_byte_time == (hx_msec_t) -1) {
        u->state->first_byte_time = hx_current_msec - u->start_time;
    }

    if (src->type == SOCK_DGRAM && n == 0) {
        pipe->empty = 1;
    }

    if (src->type == SOCK_DGRAM || n > 0) {
        if (from_upstream) {
            u->responses++;

        } else {
            u->requests++;
        }
    }

    *received += n;
    b->last += n;

    hx_log_debug(HX_LOG_DEBUG_STREAM, s->connection->log, 0,
                 "stream proxy %s read: %z",
                 from_upstream ? "upstream" : "client", n);

    return HX_OK;
}


/*
 * Hands the bytes read since the last hand-over to the write filter once
 * it has sent the previous ones, and rewinds the buffer when everything
 * has gone.  HX_OK (nothing left queued), HX_AGAIN (the filter waits for
 * the socket) or HX_ERROR (the side is gone).
 */
static hx_int_t
hx_stream_proxy_flush(hx_stream_session_t *s, hx_uint_t from_upstream,
    hx_connection_t *dst, hx_stream_upstream_pipe_t *pipe)
{
    hx_int_t   rc;
    hx_buf_t  *b;

    b = &pipe->buf;

    if (dst->buffered) {
        rc = hx_stream_top_filter(s, NULL, from_upstream);

        if (rc == HX_ERROR) {
            return HX_ERROR;
        }

        if (dst->buffered) {
            return HX_AGAIN;
        }
    }

    if (pipe->empty) {
        pipe->empty = 0;
        return hx_stream_proxy_send_empty(dst);
    }

    if (b->pos == b->last) {
        b->pos = b->start;
        b->last = b->start;
        return HX_OK;
    }

    pipe->out.start = b->pos;
    pipe->out.pos = b->pos;
    pipe->out.last = b->last;
    pipe->out.end = b->last;

    pipe->link.buf = &pipe->out;
    pipe->link.next = NULL;

    b->pos = b->last;

    rc = hx_stream_top_filter(s, &pipe->link, from_upstream);

    if (rc == HX_ERROR) {
        return HX_ERROR;
    }

    if (dst->buffered) {
        return HX_AGAIN;
    }

    b->pos = b->start;
    b->last = b->start;

    return HX_OK;
}


/*
 * A zero-byte datagram: the write filter carries no empty buffers and
 * the plain send() wrapper takes 0 for a failure, so it is sent here.
 * A full socket drops it, as it would any datagram.
 */
static hx_int_t
hx_stream_proxy_send_empty(hx_connection_t *dst)
{
    uint8_t   none;
    hx_err_t  err;

    if (dst->shared) {

        /* the client's side: a sendmsg() on the listening socket */

        return dst->send(dst, &none, 0) == HX_ERROR ? HX_ERROR : HX_OK;
    }

    if (send(dst->fd, &none, 0, 0) == -1) {
        err = hx_errno;

        if (err == EAGAIN || err == EINTR) {
            return HX_OK;
        }

        dst->write->error = 1;
        hx_connection_error(dst, err, "send() failed");

        return HX_ERROR;
    }

    return HX_OK;
}


/* the splicing state of a direction, NULL while it has none */
static hx_stream_proxy_splice_t *
hx_stream_proxy_splice_get(hx_stream_session_t *s, hx_uint_t from_upstream)
{
    hx_stream_proxy_ctx_t  *ctx;

    ctx = hx_stream_get_module_ctx(s, hx_stream_proxy_module);

    return ctx ? &ctx->dir[from_upstream ? 1 : 0] : NULL;
}


/*
 * Switches a direction whose buffer has just gone out to splice() when
 * both sides are plain TCP sockets and no rate limit holds it.  Returns
 * the direction's state (on set when it splices from now on), or NULL
 * when it keeps copying (including when no pipe could be had: logged).
 */
static hx_stream_proxy_splice_t *
hx_stream_proxy_splice_start(hx_stream_session_t *s, hx_uint_t from_upstream,
    hx_connection_t *src, hx_connection_t *dst)
{
    hx_connection_t           *c;
    hx_pool_cleanup_t         *cln;
    hx_stream_upstream_t      *u;
    hx_stream_proxy_ctx_t     *ctx;
    hx_stream_proxy_splice_t  *sp;

    c = s->connection;
    u = s->upstream;

    if (src->type != SOCK_STREAM || dst->type != SOCK_STREAM
        || src->ssl || dst->ssl
        || src->recv != hx_os_io.recv || dst->buffered
        || (from_upstream ? u->download_rate : u->upload_rate))
    {
        return NULL;
    }

    ctx = hx_stream_get_module_ctx(s, hx_stream_proxy_module);

    if (ctx == NULL) {
        ctx = hx_palloc(c->pool, sizeof(hx_stream_proxy_ctx_t));
        cln = hx_pool_cleanup_add(c->pool, 0);

        if (ctx == NULL || cln == NULL) {
            return NULL;
        }

        hx_memzero(ctx, sizeof(hx_stream_proxy_ctx_t));
        ctx->dir[0].fd[0] = ctx->dir[0].fd[1] = -1;
        ctx->dir[1].fd[0] = ctx->dir[1].fd[1] = -1;

        cln->handler = hx_stream_proxy_splice_cleanup;
        cln->data = ctx;

        hx_stream_set_ctx(s, ctx, hx_stream_proxy_module);
    }

    sp = &ctx->dir[from_upstream ? 1 : 0];

    if (pipe2(sp->fd, O_NONBLOCK|O_CLOEXEC) == -1) {
        hx_log_error(HX_LOG_ERR, c->log, hx_errno,
                     "pipe2() failed, copying instead of splicing");
        sp->fd[0] = sp->fd[1] = -1;
        return NULL;
    }

    sp->on = 1;

    hx_log_debug(HX_LOG_DEBUG_STREAM, c->log, 0,
                 "stream proxy %s splicing: %d %d",
                 from_upstream ? "upstream" : "client",
                 sp->fd[0], sp->fd[1]);

    return sp;
}


static void
hx_stream_proxy_splice_cleanup(void *data)
{
    hx_uint_t               i, j;
    hx_stream_proxy_ctx_t  *ctx;

    ctx = data;

    for (i = 0; i < 2; i++) {
        for (j = 0; j < 2; j++) {
            if (ctx->dir[i].fd[j] != -1) {
                (void) close(ctx->dir[i].fd[j]);
                ctx->dir[i].fd[j] = -1;
            }
        }
    }
}


/*
 * Moves bytes from src to dst through the direction's pipe until src has
 * nothing more or dst takes no more: drains the pipe into dst, then
 * fills the empty pipe from src.  The end of src or a failure to read
 * from it sets src's eof, as a read would; HX_ERROR when dst is gone.
 */
static hx_int_t
hx_stream_proxy_splice(hx_stream_session_t *s, hx_uint_t from_upstream,
    hx_connection_t *src, hx_connection_t *dst, hx_stream_proxy_splice_t *sp)
{
    off_t                 *received;
    ssize_t                n;
    hx_err_t               err;
    hx_stream_upstream_t  *u;

    u = s->upstream;
    received = from_upstream ? &u->received : &s->received;

    for ( ;; ) {

        if (sp->in) {
            if (!dst->write->ready) {
                return HX_OK;
            }

            n = splice(sp->fd[0], NULL, dst->fd, NULL, sp->in,
                       SPLICE_F_MOVE|SPLICE_F_NONBLOCK);

            if (n == -1) {
                err = hx_errno;

                if (err == EINTR) {
                    continue;
                }

                dst->write->ready = 0;

                if (err == EAGAIN) {
                    return HX_OK;
                }

                dst->write->error = 1;
                hx_connection_error(dst, err, "splice() to socket failed");

                return HX_ERROR;
            }

            sp->in -= n;
            dst->sent += n;

            continue;
        }

        if (!src->read->ready || src->read->eof) {
            return HX_OK;
        }

        n = splice(src->fd, NULL, sp->fd[1], NULL, HX_STREAM_PROXY_SPLICE_MAX,
                   SPLICE_F_MOVE|SPLICE_F_NONBLOCK);

        hx_log_debug(HX_LOG_DEBUG_STREAM, s->connection->log, 0,
                     "stream proxy %s splice: %z",
                     from_upstream ? "upstream" : "client", n);

        if (n == -1) {
            err = hx_errno;

            if (err == EINTR) {
                continue;
            }

            src->read->ready = 0;
            src->read->available = 0;

            if (err == EAGAIN) {
                return HX_OK;
            }

            /* the side is gone, as if it had closed */

            src->read->error = 1;
            src->read->eof = 1;
            hx_connection_error(src, err, "splice() from socket failed");

            return HX_OK;
        }

        if (n == 0) {
            src->read->ready = 0;
            src->read->eof = 1;
            return HX_OK;
        }

        if (from_upstream && u->state->first_byte_time == (hx_msec_t) -1) {
            u->state->first_byte_time = hx_current_msec - u->start_time;
        }

        sp->in = n;
        *received += n;
    }
}


/* whether bytes read one way still wait to be delivered */
static hx_uint_t
hx_stream_proxy_pending(hx_stream_session_t *s, hx_uint_t from_upstream)
{
    hx_stream_upstream_t      *u;
    hx_stream_proxy_splice_t  *sp;

    u = s->upstream;

    if (hx_stream_proxy_pipe_pending(from_upstream ? &u->download
                                                   : &u->upload))
    {
        return 1;
    }

    sp = hx_stream_proxy_splice_get(s, from_upstream);

    return sp != NULL && sp->in != 0;
}


/*
 * After a pass: waits for more input from src, passes a finished
 * direction on as a shutdown (proxy_half_close), waits for dst to take
 * more, and restarts proxy_timeout unless a rate limit holds a side.
 */
static hx_int_t
hx_stream_proxy_arm(hx_stream_session_t *s, hx_uint_t from_upstream,
    hx_connection_t *src, hx_connection_t *dst,
    hx_stream_upstream_pipe_t *pipe)
{
    hx_uint_t                     flags;
    hx_connection_t              *c, *pc;
    hx_stream_upstream_t         *u;
    hx_stream_proxy_srv_conf_t   *pscf;

    c = s->connection;
    u = s->upstream;
    pc = u->connected ? u->peer.connection : NULL;

    pscf = hx_stream_get_module_srv_conf(s, hx_stream_proxy_module);

    if (src) {
        flags = src->read->eof ? HX_CLOSE_EVENT : 0;

        if (hx_handle_read_event(src->read, flags) != HX_OK) {
            return HX_ERROR;
        }
    }

    if (dst == NULL) {
        return HX_OK;
    }

    if (dst->type == SOCK_STREAM
        && pscf->half_close
        && src && src->read->eof
        && !pipe->shutdown
        && !dst->buffered
        && !hx_stream_proxy_pending(s, from_upstream))
    {
        if (shutdown(dst->fd, SHUT_WR) == -1) {
            hx_connection_error(c, hx_errno, "shutdown() failed");
            return HX_ERROR;
        }

        pipe->shutdown = 1;

        hx_log_debug(HX_LOG_DEBUG_STREAM, c->log, 0,
                     "stream proxy %s socket shutdown",
                     from_upstream ? "client" : "upstream");
        (void) from_upstream;
    }

    if (hx_handle_write_event(dst->write, 0) != HX_OK) {
        return HX_ERROR;
    }

    if (pc && !c->read->delayed && !pc->read->delayed) {
        hx_add_timer(c->write, pscf->timeout);

    } else if (c->write->timer_set) {
        hx_del_timer(c->write);
    }

    return HX_OK;
}


/*
 * HX_OK when the session is over (and finalized here), HX_DECLINED when
 * it goes on.
 */
static hx_int_t
hx_stream_proxy_test_finalize(hx_stream_session_t *s, hx_uint_t from_upstream)
{
    hx_uint_t                     to_client, to_upstream;
    hx_connection_t              *c, *pc;
    hx_stream_upstream_t         *u;
    hx_stream_proxy_srv_conf_t   *pscf;

    pscf = hx_stream_get_module_srv_conf(s, hx_stream_proxy_module);

    c = s->connection;
    u = s->upstream;
    pc = u->connected ? u->peer.connection : NULL;

    if (c->type == SOCK_DGRAM) {

        if (pscf->requests && u->requests < pscf->requests) {
            return HX_DECLINED;
        }

        /* enough datagrams for this session: new ones start another */

        if (pscf->requests && !u->detached) {
            hx_stream_udp_detach(c);
            u->detached = 1;
        }

        if (pscf->responses == HX_STREAM_PROXY_RESPONSES_UNSET
            || u->responses < pscf->responses * u->requests)
        {
            return HX_DECLINED;
        }

        if (pc == NULL || c->buffered || pc->buffered
            || hx_stream_proxy_pipe_pending(&u->download)
            || hx_stream_proxy_pipe_pending(&u->upload))
        {
            return HX_DECLINED;
        }

        hx_stream_proxy_log_done(s, "udp done");
        hx_stream_proxy_finalize(s, HX_STREAM_OK);

        return HX_OK;
    }

    if (pc == NULL) {
        return HX_DECLINED;
    }

    /* bytes read from one side and not yet delivered to the other */

    to_client = c->buffered || hx_stream_proxy_pending(s, 1);
    to_upstream = pc->buffered || hx_stream_proxy_pending(s, 0);

    if (!c->read->eof && !pc->read->eof) {
        return HX_DECLINED;
    }

    /* the side that closed must have had its bytes delivered */

    if ((!c->read->eof && to_client) || (!pc->read->eof && to_upstream)) {
        return HX_DECLINED;
    }

    if (pscf->half_close
        && !(c->read->eof && pc->read->eof && !to_client && !to_upstream))
    {
        return HX_DECLINED;
    }

    hx_stream_proxy_log_done(s, from_upstream ? "upstream disconnected"
                                              : "client disconnected");

    hx_stream_proxy_finalize(s, HX_STREAM_OK);

    return HX_OK;
}


/* the info line that closes a session, without the usual context */
static void
hx_stream_proxy_log_done(hx_stream_session_t *s, const char *what)
{
    hx_connection_t       *c, *pc;
    hx_log_handler_pt      handler;
    hx_stream_upstream_t  *u;

    c = s->connection;
    u = s->upstream;
    pc = u->peer.connection;

    handler = c->log->handler;
    c->log->handler = NULL;

    if (c->type == SOCK_DGRAM) {
        hx_log_error(HX_LOG_INFO, c->log, 0,
                     "%s, packets from/to client:%ui/%ui"
                     ", bytes from/to client:%O/%O"
                     ", bytes from/to upstream:%O/%O",
                     what, u->requests, u->responses,
                     s->received, c->sent, u->received, pc ? pc->sent : 0);

    } else {
        hx_log_error(HX_LOG_INFO, c->log, 0,
                     "%s, bytes from/to client:%O/%O"
                     ", bytes from/to upstream:%O/%O",
                     what, s->received, c->sent, u->received,
                     pc ? pc->sent : 0);
    }

    c->log->handler = handler;
}


static void
hx_stream_proxy_next_upstream(hx_stream_session_t *s)
{
    hx_msec_t                     timeout;
    hx_connection_t              *pc;
    hx_stream_upstream_t         *u;
    hx_stream_proxy_srv_conf_t   *pscf;

    hx_log_debug(HX_LOG_DEBUG_STREAM, s->connection->log, 0,
                 "stream proxy next upstream");

    u = s->upstream;
    pc = u->peer.connection;

    if (pc && pc->buffered) {
        hx_log_error(HX_LOG_ERR, s->connection->log, 0,
                     "buffered data on next upstream");
        hx_stream_proxy_finalize(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    if (u->peer.sockaddr) {
        u->peer.free(&u->peer, u->peer.data, HX_PEER_FAILED);
        u->peer.sockaddr = NULL;
    }

    pscf = hx_stream_get_module_srv_conf(s, hx_stream_proxy_module);

    timeout = pscf->next_upstream_timeout;

    if (u->peer.tries == 0
        || !pscf->next_upstream
        || (timeout && hx_current_msec - u->peer.start_time >= timeout))
    {
        hx_stream_proxy_finalize(s, HX_STREAM_BAD_GATEWAY);
        return;
    }

    if (pc) {
        hx_log_debug(HX_LOG_DEBUG_STREAM, s->connection->log, 0,
                     "close proxy upstream connection: %d", pc->fd);

        u->state->bytes_received = u->received;
        u->state->bytes_sent = pc->sent;

        hx_close_connection(pc);
        u->peer.connection = NULL;
    }

    hx_stream_proxy_connect(s);
}


static void
hx_stream_proxy_finalize(hx_stream_session_t *s, hx_uint_t rc)
{
    hx_uint_t              state;
    hx_connection_t       *pc;
    hx_stream_upstream_t  *u;

    hx_log_debug(HX_LOG_DEBUG_STREAM, s->connection->log, 0,
                 "finalize stream proxy: %ui", rc);

    u = s->upstream;

    if (u == NULL) {
        hx_stream_finalize_session(s, rc);
        return;
    }

    pc = u->peer.connection;

    if (u->state) {
        if (u->state->response_time == (hx_msec_t) -1) {
            u->state->response_time = hx_current_msec - u->start_time;
        }

        if (pc) {
            u->state->bytes_received = u->received;
            u->state->bytes_sent = pc->sent;
        }
    }

    if (u->peer.free && u->peer.sockaddr) {
        state = 0;

        /* a UDP peer that refused (ICMP) or never answered has failed */

        if (pc && pc->type == SOCK_DGRAM
            && (pc->read->error || pc->write->error))
        {
            state = HX_PEER_FAILED;
        }

        u->peer.free(&u->peer, u->peer.data, state);
        u->peer.sockaddr = NULL;
    }

    if (pc) {
        hx_log_debug(HX_LOG_DEBUG_STREAM, s->connection->log, 0,
                     "close stream proxy upstream connection: %d", pc->fd);

        hx_close_connection(pc);
        u->peer.connection = NULL;
    }

    hx_stream_finalize_session(s, rc);
}


static uint8_t *
hx_stream_proxy_log_error(hx_log_t *log, uint8_t *buf, size_t len)
{
    uint8_t               *p;
    hx_connection_t       *pc;
    hx_stream_session_t   *s;
    hx_stream_upstream_t  *u;

    s = log->data;
    u = s->upstream;

    p = buf;

    if (u->peer.name) {
        p = hx_snprintf(p, len, ", upstream: \"%V\"", u->peer.name);
        len -= p - buf;
    }

    pc = u->peer.connection;

    return hx_snprintf(p, len,
                       ", bytes from/to client:%O/%O"
                       ", bytes from/to upstream:%O/%O",
                       s->received, s->connection->sent,
                       u->received, pc ? pc->sent : 0);
}

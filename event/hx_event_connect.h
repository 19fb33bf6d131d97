/*
 * Non-blocking connect for upstreams and health checks.  The caller fills
 * an hx_peer_connection_t with a "get" callback that picks the peer
 * (balancer), then calls hx_event_connect_peer(): the socket is created
 * non-blocking, registered edge-triggered for both directions, and
 * connect() is started.  HX_AGAIN means "in progress": the write event
 * fires when the outcome is known, and hx_event_connect_test() tells
 * success from failure.  Both directions are registered, so the caller
 * sets c->read->handler and c->write->handler before the loop runs.  A
 * connect_timeout, when set, arms the write event's timer so a silent
 * peer times out like any other event.
 */

#ifndef HX_EVENT_HX_EVENT_CONNECT_H
#define HX_EVENT_HX_EVENT_CONNECT_H


/* the "state" argument of free */
#define HX_PEER_KEEPALIVE   1
#define HX_PEER_NEXT        2
#define HX_PEER_FAILED      4


typedef struct hx_peer_connection_s  hx_peer_connection_t;

/* fills pc->sockaddr/socklen/name; HX_OK, HX_BUSY (no live peer), ... */
typedef hx_int_t (*hx_event_get_peer_pt)(hx_peer_connection_t *pc,
    void *data);
typedef void (*hx_event_free_peer_pt)(hx_peer_connection_t *pc, void *data,
    hx_uint_t state);
typedef void (*hx_event_notify_peer_pt)(hx_peer_connection_t *pc,
    void *data, hx_uint_t type);


struct hx_peer_connection_s {
    hx_connection_t         *connection;

    struct sockaddr         *sockaddr;
    socklen_t                socklen;
    hx_str_t                *name;

    hx_uint_t                tries;
    hx_msec_t                start_time;

    hx_event_get_peer_pt     get;
    hx_event_free_peer_pt    free;
    hx_event_notify_peer_pt  notify;
    void                    *data;

    hx_addr_t               *local;          /* proxy_bind */

    int                      type;           /* 0 means SOCK_STREAM */
    int                      rcvbuf;
    int                      sndbuf;

    hx_msec_t                connect_timeout; /* 0: the caller's business */

    hx_log_t                *log;

    unsigned                 cached:1;       /* a kept-alive connection */
    unsigned                 transparent:1;  /* proxy_bind ... transparent */
    unsigned                 so_keepalive:1;
    unsigned                 down:1;

    unsigned                 log_error:2;    /* hx_connection_log_error_e */
};


/*
 * Calls pc->get, then connects to pc->sockaddr.  Returns what get
 * returned if not HX_OK (HX_BUSY: no live peer), HX_OK when connected at
 * once (wev->ready set), HX_AGAIN when in progress, HX_DECLINED when
 * connect() failed (logged; try the next peer), HX_ERROR on a local
 * failure.  pc->connection is set for HX_OK and HX_AGAIN only.
 */
hx_int_t hx_event_connect_peer(hx_peer_connection_t *pc);

/* a get callback that keeps what the caller put in pc */
hx_int_t hx_event_get_peer(hx_peer_connection_t *pc, void *data);

/*
 * After the write event of a connect in progress fired: HX_OK when the
 * connection is established, HX_ERROR (logged as "connect() failed")
 * otherwise.
 */
hx_int_t hx_event_connect_test(hx_connection_t *c);

#endif /* HX_EVENT_HX_EVENT_CONNECT_H */

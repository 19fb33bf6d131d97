/*
 * Listening sockets and connections.
 *
 * A listening socket (hx_listening_t) is created at configuration time by
 * the http/stream "listen" directives, opened by the master with every
 * option nginx's "listen" has, inherited by the workers, and carried over
 * a reload when its address is unchanged (the cycle matches old and new
 * by address and sets "previous"/"remain").
 *
 * A connection (hx_connection_t) is a slot of the worker's preallocated
 * pool: worker_connections slots, each with its read and write event
 * embedded, on a free list.  Client and upstream connections share the
 * pool, as nginx counts them.  When the list runs dry, idle keep-alive
 * connections marked reusable are reclaimed first; if none, the caller
 * gets NULL, accepting pauses, and an alert is logged at most once a
 * second.
 */

#ifndef HX_EVENT_HX_CONNECTION_H
#define HX_EVENT_HX_CONNECTION_H


typedef struct hx_listening_s  hx_listening_t;

#define HX_LISTEN_BACKLOG     511
#define HX_LISTEN_POOL_SIZE   512


struct hx_listening_s {
    hx_fd_t              fd;

    struct sockaddr     *sockaddr;
    socklen_t            socklen;
    size_t               addr_text_max_len;
    hx_str_t             addr_text;       /* "127.0.0.1:80" */

    int                  type;            /* SOCK_STREAM or SOCK_DGRAM */
    int                  protocol;

    int                  backlog;
    int                  rcvbuf;          /* -1: unset */
    int                  sndbuf;          /* -1: unset */
    int                  keepidle;        /* so_keepalive=idle:intvl:cnt */
    int                  keepintvl;
    int                  keepcnt;
    int                  fastopen;        /* -1: unset */

    /* called with each accepted connection */
    hx_connection_handler_pt   handler;

    void                *servers;         /* the module's: its addresses */

    hx_log_t             log;
    hx_log_t            *logp;            /* copied into log on configure */

    size_t               pool_size;       /* of each connection's pool */
    hx_msec_t            post_accept_timeout;

    hx_listening_t      *previous;        /* the same socket, old cycle */
    hx_connection_t     *connection;      /* the worker's slot for it */

    hx_uint_t            worker;          /* reuseport: whose copy */

    unsigned             open:1;
    unsigned             remain:1;        /* kept across a reload */
    unsigned             ignore:1;

    unsigned             bound:1;
    unsigned             inherited:1;     /* from the old binary (USR2) */
    unsigned             nonblocking_accept:1;
    unsigned             listen:1;        /* listen() done */
    unsigned             nonblocking:1;
    unsigned             shared:1;
    unsigned             addr_ntop:1;     /* fill c->addr_text on accept */
    unsigned             wildcard:1;
    unsigned             bind:1;          /* "listen ... bind" */

    unsigned             ipv6only:1;
    unsigned             reuseport:1;
    unsigned             add_reuseport:1;
    unsigned             keepalive:2;     /* 0 unset, 1 on, 2 off */
    unsigned             freebind:1;      /* IP_FREEBIND: VIP not yet up */

    unsigned             deferred_accept:1;
    unsigned             delete_deferred:1;
    unsigned             add_deferred:1;
};


typedef enum {
    HX_ERROR_ALERT = 0,
    HX_ERROR_ERR,
    HX_ERROR_INFO,
    HX_ERROR_IGNORE_ECONNRESET,
    HX_ERROR_IGNORE_EINVAL,
    HX_ERROR_IGNORE_EMSGSIZE
} hx_connection_log_error_e;


typedef enum {
    HX_TCP_NODELAY_UNSET = 0,
    HX_TCP_NODELAY_SET,
    HX_TCP_NODELAY_DISABLED
} hx_connection_tcp_nodelay_e;


typedef enum {
    HX_TCP_NOPUSH_UNSET = 0,
    HX_TCP_NOPUSH_SET,
    HX_TCP_NOPUSH_DISABLED
} hx_connection_tcp_nopush_e;


#define HX_LOWLEVEL_BUFFERED  0x0f
#define HX_SSL_BUFFERED       0x01


struct hx_connection_s {
    void                *data;     /* the owner's; free list link when free */
    hx_event_t          *read;
    hx_event_t          *write;

    hx_fd_t              fd;

    hx_recv_pt           recv;
    hx_send_pt           send;
    hx_recv_chain_pt     recv_chain;
    hx_send_chain_pt     send_chain;

    hx_listening_t      *listening;

    off_t                sent;

    hx_log_t            *log;

    hx_pool_t           *pool;

    int                  type;

    struct sockaddr     *sockaddr;
    socklen_t            socklen;
    hx_str_t             addr_text;

    void                *proxy_protocol;  /* the PROXY protocol module's */
    void                *ssl;             /* the TLS layer's */
    void                *udp;             /* the UDP session's */

    struct sockaddr     *local_sockaddr;
    socklen_t            local_socklen;

    hx_buf_t            *buffer;

    hx_queue_t           queue;           /* reusable connections */

    uint64_t             number;          /* "*N" in the log */

    hx_msec_t            start_time;
    hx_uint_t            requests;

    unsigned             buffered:8;

    unsigned             log_error:3;     /* hx_connection_log_error_e */

    unsigned             timedout:1;
    unsigned             error:1;
    unsigned             destroyed:1;
    unsigned             pipeline:1;

    unsigned             idle:1;
    unsigned             reusable:1;
    unsigned             close:1;         /* asked to close (drain, exit) */
    unsigned             shared:1;        /* fd not ours: don't close */

    unsigned             sendfile:1;
    unsigned             sndlowat:1;
    unsigned             tcp_nodelay:2;   /* hx_connection_tcp_nodelay_e */
    unsigned             tcp_nopush:2;    /* hx_connection_tcp_nopush_e */

    unsigned             need_last_buf:1;
    unsigned             need_flush_buf:1;
    unsigned             stat_active:1;   /* counted in hx_event_stat */
};


/* switches a connection's log to another target, keeping debug_connection */
#define hx_set_connection_log(c, l)                                           \
                                                                              \
    c->log->file = l->file;                                                   \
    c->log->next = l->next;                                                   \
    c->log->writer = l->writer;                                               \
    c->log->wdata = l->wdata;                                                 \
    if (!(c->log->log_level & HX_LOG_DEBUG_CONNECTION)) {                     \
        c->log->log_level = l->log_level;                                     \
    }


/*
 * Adds a listening socket for sockaddr to cf->cycle->listening with
 * nginx's defaults (backlog 511, buffers unset, stream type, not open).
 * The caller fills in handler, servers, options.  NULL on no memory.
 */
hx_listening_t *hx_create_listening(hx_conf_t *cf, struct sockaddr *sockaddr,
    socklen_t socklen);

/*
 * "listen ... reuseport": one copy per worker, each with its own socket
 * (ls->worker 1 .. worker_processes - 1 are appended).  The pointer ls
 * may be invalidated, as cycle->listening can grow.
 */
hx_int_t hx_clone_listening(hx_cycle_t *cycle, hx_listening_t *ls);

/*
 * For sockets inherited from the old binary (only fd is set in each
 * cycle->listening element): reads back address, type, buffers,
 * reuseport, fastopen and deferred accept.  HX_OK or HX_ERROR.
 */
hx_int_t hx_set_inherited_sockets(hx_cycle_t *cycle);

/*
 * Opens every listening socket that has no fd yet: SO_REUSEADDR,
 * SO_REUSEPORT (reuseport), IPV6_V6ONLY, IP_FREEBIND, non-blocking, bind,
 * listen.  A bind() that fails with EADDRINUSE is retried 5 times 500 ms
 * apart, then "still could not bind()".  HX_OK or HX_ERROR (logged at
 * emerg).  Under -t nothing is bound for good.
 */
hx_int_t hx_open_listening_sockets(hx_cycle_t *cycle);

/*
 * Applies the per-socket options to open sockets (rcvbuf, sndbuf,
 * so_keepalive, fastopen, backlog via a second listen(), deferred);
 * failures are logged and ignored, as nginx does.
 */
void hx_configure_listening_sockets(hx_cycle_t *cycle);

/* closes every listening socket of the cycle and frees their slots */
void hx_close_listening_sockets(hx_cycle_t *cycle);


/*
 * Takes a slot for fd from hx_cycle's free list, reclaiming idle
 * reusable connections when the list is nearly empty.  The connection and
 * its events are zeroed except the instance bit, which flips.  NULL when
 * no slot is left, with "N worker_connections are not enough" logged at
 * most once a second.
 */
hx_connection_t *hx_get_connection(hx_fd_t fd, hx_log_t *log);

/* puts the slot back on the free list (the fd is the caller's) */
void hx_free_connection(hx_connection_t *c);

/*
 * Deletes c's events, timers and posted entries, frees the slot and
 * closes the fd.  The pool is the caller's to destroy.
 */
void hx_close_connection(hx_connection_t *c);

/* asks every idle connection to close (graceful shutdown) */
void hx_close_idle_connections(hx_cycle_t *cycle);

/*
 * Marks c as reclaimable (an idle keep-alive connection) or not.  When
 * slots run out, the oldest reusable connections get c->close = 1 and
 * their read handler is called, which must close them.
 */
void hx_reusable_connection(hx_connection_t *c, hx_uint_t reusable);

/* free slots after reclaiming reusable ones; logs when there are none */
hx_uint_t hx_connection_slots_left(hx_cycle_t *cycle, hx_log_t *log);

/*
 * Fills c->local_sockaddr with getsockname() when the listening address
 * was a wildcard, and prints it into s (with the port when port != 0)
 * when s is not NULL.  HX_OK or HX_ERROR.
 */
hx_int_t hx_connection_local_sockaddr(hx_connection_t *c, hx_str_t *s,
    hx_uint_t port);

/* TCP_NODELAY once per connection; HX_OK or HX_ERROR (logged) */
hx_int_t hx_tcp_nodelay(hx_connection_t *c);

/*
 * Logs a socket error at the level nginx uses: peer-caused errors
 * (ECONNRESET, EPIPE, ETIMEDOUT, ...) at info or error per c->log_error,
 * anything else at alert.  Returns HX_ERROR, or 0 for an ignored error.
 */
hx_int_t hx_connection_error(hx_connection_t *c, hx_err_t err, char *text);

#endif /* HX_EVENT_HX_CONNECTION_H */

/*
 * Socket I/O primitives.  Every connection carries recv/send/recv_chain/
 * send_chain pointers, set from hx_io when the socket is created, so that
 * TLS (or a test double) can replace them without touching the callers.
 * The functions here are the plain-socket ones: they keep the event's
 * "ready" bit honest (cleared on EAGAIN or a short transfer), so the
 * caller knows when to wait for the next epoll report.
 */

#ifndef HX_EVENT_HX_OS_IO_H
#define HX_EVENT_HX_OS_IO_H


typedef ssize_t (*hx_recv_pt)(hx_connection_t *c, uint8_t *buf, size_t size);
typedef ssize_t (*hx_recv_chain_pt)(hx_connection_t *c, hx_chain_t *in,
    off_t limit);
typedef ssize_t (*hx_send_pt)(hx_connection_t *c, uint8_t *buf, size_t size);
typedef hx_chain_t *(*hx_send_chain_pt)(hx_connection_t *c, hx_chain_t *in,
    off_t limit);


typedef struct {
    hx_recv_pt           recv;
    hx_recv_chain_pt     recv_chain;
    hx_recv_pt           udp_recv;
    hx_send_pt           send;
    hx_send_pt           udp_send;
    hx_send_chain_pt     udp_send_chain;
    hx_send_chain_pt     send_chain;
    hx_uint_t            flags;
} hx_os_io_t;


#define HX_IO_SENDFILE       1

/* what a send_chain returns on error (a chain pointer otherwise) */
#define HX_CHAIN_ERROR       (hx_chain_t *) HX_ERROR

#if (IOV_MAX > 64)
#define HX_IOVS_PREALLOCATE  IOV_MAX
#else
#define HX_IOVS_PREALLOCATE  64
#endif

/* Linux sendfile() moves at most this much in one call */
#define HX_SENDFILE_MAXSIZE  2147479552L


typedef struct {
    struct iovec        *iovs;
    hx_uint_t            count;
    size_t               size;
    hx_uint_t            nalloc;
} hx_iovec_t;


/*
 * recv: bytes read (> 0), 0 at end of stream (rev->eof set), HX_AGAIN
 * (rev->ready cleared) or HX_ERROR (rev->error set, logged by
 * hx_connection_error's rules).
 */
ssize_t hx_unix_recv(hx_connection_t *c, uint8_t *buf, size_t size);

/* readv into the free space (last..end) of the chain's buffers */
ssize_t hx_readv_chain(hx_connection_t *c, hx_chain_t *chain, off_t limit);

/* one datagram; 0 is an empty datagram, not end of stream */
ssize_t hx_udp_recv(hx_connection_t *c, uint8_t *buf, size_t size);

/*
 * send: bytes written (wev->ready cleared when short), HX_AGAIN or
 * HX_ERROR (wev->error set).  Never raises SIGPIPE.
 */
ssize_t hx_unix_send(hx_connection_t *c, uint8_t *buf, size_t size);

/* the whole datagram or HX_ERROR */
ssize_t hx_udp_send(hx_connection_t *c, uint8_t *buf, size_t size);

/*
 * Send chains: write as much of "in" as the socket takes (at most limit
 * bytes, 0 for no limit), advance the buffers, add to c->sent and return
 * the first link not completely sent (NULL when all went), or
 * HX_CHAIN_ERROR.  hx_writev_chain handles memory buffers only;
 * hx_linux_sendfile_chain also sends in_file buffers with sendfile().
 */
hx_chain_t *hx_writev_chain(hx_connection_t *c, hx_chain_t *in,
    off_t limit);
hx_chain_t *hx_linux_sendfile_chain(hx_connection_t *c, hx_chain_t *in,
    off_t limit);
/* the memory buffers of "in" as one datagram */
hx_chain_t *hx_udp_send_chain(hx_connection_t *c, hx_chain_t *in,
    off_t limit);

/*
 * Gathers the memory buffers at the head of "in" into vec (up to
 * vec->nalloc entries, limit bytes), merging adjacent ones.  Returns the
 * first link not gathered, or HX_CHAIN_ERROR for a zero-size buffer.
 */
hx_chain_t *hx_output_chain_to_iovec(hx_iovec_t *vec, hx_chain_t *in,
    size_t limit, hx_log_t *log);
/* writev (sendmsg) of vec: bytes, HX_AGAIN or HX_ERROR */
ssize_t hx_writev(hx_connection_t *c, hx_iovec_t *vec);

/* TCP_CORK on and off: 0 or -1 with errno */
int hx_tcp_nopush(hx_fd_t s);
int hx_tcp_push(hx_fd_t s);


extern hx_os_io_t  hx_io;       /* what new connections use */
extern hx_os_io_t  hx_os_io;    /* the plain-socket set */

#define hx_recv             hx_io.recv
#define hx_recv_chain       hx_io.recv_chain
#define hx_send             hx_io.send
#define hx_send_chain       hx_io.send_chain

#endif /* HX_EVENT_HX_OS_IO_H */

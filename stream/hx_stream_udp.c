/*
 * UDP sessions: "listen ... udp" served as connections.
 *
 * A UDP socket has no accept(): every datagram arrives on the one
 * listening socket.  Each worker reads them (hx_stream_udp_read_handler)
 * and keeps, per listening socket, a red-black tree of sessions keyed by
 * the client's address and the local address the datagram was sent to.
 * The first datagram from an unknown pair makes a pseudo-connection --
 * a connection slot that shares the listening socket's descriptor
 * (c->shared: never registered with epoll, never closed) with the
 * datagram already in c->buffer -- and hands it to the listening handler
 * like an accepted TCP connection, so the phases and content handlers
 * serve both protocols.  Later datagrams of the pair go to the session's
 * read handler through c->recv.  Replies leave through sendmsg() on the
 * shared socket, addressed to the client and, for a wildcard socket,
 * sent from the address the client used (IP_PKTINFO), so that the reply
 * comes from where the client expects it.
 *
 * This is nginx's design (ngx_event_udp.c).  It lives in stream/ because
 * stream is the only subsystem that listens on UDP; the event layer
 * leaves UDP listening sockets to their module.  A send that would block
 * drops the datagram, as a full socket buffer would have anyway: a UDP
 * pseudo-connection has no write event of its own to wait on.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>


/* datagrams read per read event before the loop gets a turn */
#define HX_STREAM_UDP_BATCH      32

#define HX_STREAM_UDP_MAX_SIZE   65535


typedef struct {
    hx_rbtree_node_t        node;
    hx_connection_t        *connection;
    hx_rbtree_t            *tree;

    /* the datagram that arrived for the session, until it reads it */
    hx_buf_t               *buffer;
} hx_stream_udp_t;


typedef union {
    struct cmsghdr          cm;
    uint8_t                 in[CMSG_SPACE(sizeof(struct in_pktinfo))];
    uint8_t                 in6[CMSG_SPACE(sizeof(struct in6_pktinfo))];
} hx_stream_udp_control_t;


static void hx_stream_udp_read_handler(hx_event_t *ev);
static hx_int_t hx_stream_udp_local_sockaddr(hx_listening_t *ls,
    struct msghdr *msg, hx_sockaddr_t *local, socklen_t *local_len);
static hx_stream_udp_t *hx_stream_udp_lookup(hx_rbtree_t *tree,
    hx_uint_t key, struct sockaddr *sa, socklen_t len,
    struct sockaddr *local, socklen_t local_len);
static hx_int_t hx_stream_udp_cmp(struct sockaddr *sa1, socklen_t len1,
    struct sockaddr *local1, socklen_t local_len1, hx_connection_t *c);
static void hx_stream_udp_rbtree_insert_value(hx_rbtree_node_t *temp,
    hx_rbtree_node_t *node, hx_rbtree_node_t *sentinel);
static void hx_stream_udp_deliver(hx_stream_udp_t *udp, uint8_t *data,
    size_t n);
static hx_int_t hx_stream_udp_new_session(hx_connection_t *lc,
    hx_uint_t key, hx_sockaddr_t *sa, socklen_t socklen,
    hx_sockaddr_t *local, socklen_t local_len, uint8_t *data, size_t n);
static void hx_stream_udp_delete(void *data);
static ssize_t hx_stream_udp_recv(hx_connection_t *c, uint8_t *buf,
    size_t size);
static ssize_t hx_stream_udp_send(hx_connection_t *c, uint8_t *buf,
    size_t size);
static hx_chain_t *hx_stream_udp_send_chain(hx_connection_t *c,
    hx_chain_t *in, off_t limit);
static ssize_t hx_stream_udp_sendmsg(hx_connection_t *c, struct iovec *iov,
    size_t niov, size_t size);
static hx_uint_t hx_stream_udp_key(struct sockaddr *sa, socklen_t len,
    struct sockaddr *local, socklen_t local_len);


static uint8_t          hx_stream_udp_buffer[HX_STREAM_UDP_MAX_SIZE];

/* the session being handed a datagram, unless it ended meanwhile */
static hx_stream_udp_t  *hx_stream_udp_delivering;


hx_int_t
hx_stream_udp_init_listening(hx_cycle_t *cycle, hx_listening_t *ls)
{
    int               on;
    hx_uint_t         flags;
    hx_event_t        *rev;
    hx_core_conf_t    *ccf;
    hx_stream_port_t  *port;

    on = 1;

    if (ls->wildcard) {

        /* the local address of each datagram, to reply from it */

        if (ls->sockaddr->sa_family == AF_INET6) {
            if (setsockopt(ls->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO,
                           &on, sizeof(int))
                == -1)
            {
                hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                             "setsockopt(IPV6_RECVPKTINFO) "
                             "for %V failed", &ls->addr_text);
                return HX_ERROR;
            }

        } else if (ls->sockaddr->sa_family == AF_INET) {
            if (setsockopt(ls->fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(int))
                == -1)
            {
                hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                             "setsockopt(IP_PKTINFO) for %V failed",
                             &ls->addr_text);
                return HX_ERROR;
            }
        }
    }

    port = ls->servers;

    hx_rbtree_init(&port->rbtree, &port->sentinel,
                   hx_stream_udp_rbtree_insert_value);

    rev = ls->connection->read;
    rev->handler = hx_stream_udp_read_handler;
    rev->log = &ls->log;

    /* the socket is shared by the workers: wake one of them per datagram */

    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);

    flags = 0;

    if (!ls->reuseport && ccf && ccf->master && ccf->worker_processes > 1) {
        flags = HX_EXCLUSIVE_EVENT;
    }

    return hx_add_event(rev, HX_READ_EVENT, flags);
}


/* reads the datagrams waiting on a UDP listening socket */
static void
hx_stream_udp_read_handler(hx_event_t *ev)
{
    ssize_t                   n;
    hx_err_t                  err;
    hx_uint_t                 i, key;
    socklen_t                 local_len;
    struct iovec              iov;
    struct msghdr             msg;
    hx_sockaddr_t             sa, local;
    hx_connection_t          *lc;
    hx_listening_t           *ls;
    hx_stream_udp_t          *udp;
    hx_stream_port_t         *port;
    hx_stream_udp_control_t   control;

    lc = ev->data;
    ls = lc->listening;
    port = ls->servers;

    for (i = 0; i < HX_STREAM_UDP_BATCH; i++) {

        hx_memzero(&msg, sizeof(struct msghdr));
        hx_memzero(&sa, sizeof(hx_sockaddr_t));

        iov.iov_base = hx_stream_udp_buffer;
        iov.iov_len = sizeof(hx_stream_udp_buffer);

        msg.msg_name = &sa;
        msg.msg_namelen = sizeof(hx_sockaddr_t);
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;

        if (ls->wildcard) {
            msg.msg_control = &control;
            msg.msg_controllen = sizeof(control);
        }

        n = recvmsg(lc->fd, &msg, 0);

        if (n == -1) {
            err = hx_errno;

            if (err == EAGAIN || err == EWOULDBLOCK) {
                return;
            }

            if (err == EINTR) {
                continue;
            }

            hx_log_error(HX_LOG_ALERT, ev->log, err, "recvmsg() failed");
            return;
        }

        if (msg.msg_flags & (MSG_TRUNC|MSG_CTRUNC)) {
            hx_log_error(HX_LOG_ALERT, ev->log, 0,
                         "recvmsg() truncated data");
            continue;
        }

        if (hx_stream_udp_local_sockaddr(ls, &msg, &local, &local_len)
            != HX_OK)
        {
            continue;
        }

        key = hx_stream_udp_key(&sa.sockaddr, msg.msg_namelen,
                                &local.sockaddr, local_len);

        udp = hx_stream_udp_lookup(&port->rbtree, key, &sa.sockaddr,
                                   msg.msg_namelen, &local.sockaddr,
                                   local_len);

        if (udp) {
            hx_stream_udp_deliver(udp, hx_stream_udp_buffer, (size_t) n);
            continue;
        }

        if (hx_stream_udp_new_session(lc, key, &sa, msg.msg_namelen,
                                      &local, local_len,
                                      hx_stream_udp_buffer, (size_t) n)
            != HX_OK)
        {
            /* out of slots or memory: this datagram is lost, as UDP may */
            return;
        }
    }
}


/*
 * The address the datagram was sent to: the socket's own, or for a
 * wildcard socket the one the kernel reports with the datagram.
 */
static hx_int_t
hx_stream_udp_local_sockaddr(hx_listening_t *ls, struct msghdr *msg,
    hx_sockaddr_t *local, socklen_t *local_len)
{
    struct cmsghdr       *cmsg;
    struct in_pktinfo    *pi;
    struct in6_pktinfo   *pi6;

    hx_memcpy(local, ls->sockaddr, ls->socklen);
    *local_len = ls->socklen;

    if (!ls->wildcard) {
        return HX_OK;
    }

    for (cmsg = CMSG_FIRSTHDR(msg);
         cmsg != NULL;
         cmsg = CMSG_NXTHDR(msg, cmsg))
    {
        if (cmsg->cmsg_level == IPPROTO_IP
            && cmsg->cmsg_type == IP_PKTINFO
            && local->sockaddr.sa_family == AF_INET)
        {
            pi = (struct in_pktinfo *) CMSG_DATA(cmsg);
            local->sockaddr_in.sin_addr = pi->ipi_addr;
            return HX_OK;
        }

        if (cmsg->cmsg_level == IPPROTO_IPV6
            && cmsg->cmsg_type == IPV6_PKTINFO
            && local->sockaddr.sa_family == AF_INET6)
        {
            pi6 = (struct in6_pktinfo *) CMSG_DATA(cmsg);
            local->sockaddr_in6.sin6_addr = pi6->ipi6_addr;
            return HX_OK;
        }
    }

    /* no report: answer from the wildcard and let the kernel choose */

    return HX_OK;
}


static hx_uint_t
hx_stream_udp_key(struct sockaddr *sa, socklen_t len, struct sockaddr *local,
    socklen_t local_len)
{
    uint32_t  crc;

    hx_crc32_init(crc);
    hx_crc32_update(&crc, (uint8_t *) sa, len);
    hx_crc32_update(&crc, (uint8_t *) local, local_len);
    hx_crc32_final(crc);

    return crc;
}


/* the order of the tree: key, then client address, then local address */
static hx_int_t
hx_stream_udp_cmp(struct sockaddr *sa1, socklen_t len1,
    struct sockaddr *local1, socklen_t local_len1, hx_connection_t *c)
{
    hx_int_t  rc;

    rc = hx_memn2cmp((uint8_t *) sa1, (uint8_t *) c->sockaddr, len1,
                     c->socklen);
    if (rc != 0) {
        return rc;
    }

    return hx_memn2cmp((uint8_t *) local1, (uint8_t *) c->local_sockaddr,
                       local_len1, c->local_socklen);
}


static hx_stream_udp_t *
hx_stream_udp_lookup(hx_rbtree_t *tree, hx_uint_t key, struct sockaddr *sa,
    socklen_t len, struct sockaddr *local, socklen_t local_len)
{
    hx_int_t           rc;
    hx_stream_udp_t   *udp;
    hx_rbtree_node_t  *node, *sentinel;

    node = tree->root;
    sentinel = tree->sentinel;

    while (node != sentinel) {

        if (key != node->key) {
            node = (key < node->key) ? node->left : node->right;
            continue;
        }

        udp = hx_rbtree_data(node, hx_stream_udp_t, node);

        rc = hx_stream_udp_cmp(sa, len, local, local_len, udp->connection);

        if (rc == 0) {
            return udp;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


static void
hx_stream_udp_rbtree_insert_value(hx_rbtree_node_t *temp,
    hx_rbtree_node_t *node, hx_rbtree_node_t *sentinel)
{
    hx_int_t            rc;
    hx_connection_t    *c;
    hx_stream_udp_t    *udp, *udpt;
    hx_rbtree_node_t  **p;

    udp = hx_rbtree_data(node, hx_stream_udp_t, node);
    c = udp->connection;

    for ( ;; ) {

        if (node->key != temp->key) {
            p = (node->key < temp->key) ? &temp->left : &temp->right;

        } else {
            udpt = hx_rbtree_data(temp, hx_stream_udp_t, node);

            rc = hx_stream_udp_cmp(c->sockaddr, c->socklen,
                                   c->local_sockaddr, c->local_socklen,
                                   udpt->connection);

            p = (rc < 0) ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    hx_rbt_red(node);
}


/*
 * Hands a datagram to a running session: its read handler finds it
 * through c->recv.  What the handler does not read now is dropped; a
 * session that wants no more input has a read handler that ignores it.
 */
static void
hx_stream_udp_deliver(hx_stream_udp_t *udp, uint8_t *data, size_t n)
{
    hx_buf_t          b;
    hx_event_t       *rev;
    hx_connection_t  *c;

    c = udp->connection;
    rev = c->read;

    hx_memzero(&b, sizeof(hx_buf_t));
    b.start = data;
    b.pos = data;
    b.last = data + n;
    b.end = data + n;
    b.temporary = 1;

    udp->buffer = &b;
    rev->ready = 1;

    hx_stream_udp_delivering = udp;

    rev->handler(rev);

    /*
     * b is on the stack: a session that did not read it must not find
     * it later.  A session that ended in the handler took udp with it,
     * and its cleanup cleared hx_stream_udp_delivering.
     */

    if (hx_stream_udp_delivering) {
        hx_stream_udp_delivering->buffer = NULL;
        hx_stream_udp_delivering = NULL;
    }
}


static hx_int_t
hx_stream_udp_new_session(hx_connection_t *lc, hx_uint_t key,
    hx_sockaddr_t *sa, socklen_t socklen, hx_sockaddr_t *local,
    socklen_t local_len, uint8_t *data, size_t n)
{
    hx_log_t            *log;
    hx_pool_t           *pool;
    hx_listening_t      *ls;
    hx_connection_t     *c;
    hx_stream_udp_t     *udp;
    hx_stream_port_t    *port;
    hx_pool_cleanup_t   *cln;

    ls = lc->listening;
    port = ls->servers;

    pool = hx_create_pool(ls->pool_size, lc->log);
    if (pool == NULL) {
        return HX_ERROR;
    }

    log = hx_palloc(pool, sizeof(hx_log_t));
    udp = hx_pcalloc(pool, sizeof(hx_stream_udp_t));
    cln = hx_pool_cleanup_add(pool, 0);

    if (log == NULL || udp == NULL || cln == NULL) {
        hx_destroy_pool(pool);
        return HX_ERROR;
    }

    *log = ls->log;
    pool->log = log;

    c = hx_get_connection(lc->fd, log);
    if (c == NULL) {
        hx_destroy_pool(pool);
        return HX_ERROR;
    }

    /* from here the pool's cleanup frees the slot's place in the tree */

    c->shared = 1;
    c->type = SOCK_DGRAM;
    c->pool = pool;
    c->listening = ls;
    c->udp = udp;

    c->sockaddr = hx_palloc(pool, socklen);
    c->local_sockaddr = hx_palloc(pool, local_len);
    c->buffer = hx_create_temp_buf(pool, n ? n : 1);
    c->addr_text.data = hx_pnalloc(pool, ls->addr_text_max_len);

    if (c->sockaddr == NULL || c->local_sockaddr == NULL
        || c->buffer == NULL || c->addr_text.data == NULL)
    {
        hx_close_connection(c);
        hx_destroy_pool(pool);
        return HX_ERROR;
    }

    hx_memcpy(c->sockaddr, sa, socklen);
    c->socklen = socklen;
    hx_memcpy(c->local_sockaddr, local, local_len);
    c->local_socklen = local_len;

    c->buffer->last = hx_cpymem(c->buffer->last, data, n);

    c->addr_text.len = hx_sock_ntop(c->sockaddr, c->socklen,
                                    c->addr_text.data,
                                    ls->addr_text_max_len, 0);

    c->recv = hx_stream_udp_recv;
    c->send = hx_stream_udp_send;
    c->send_chain = hx_stream_udp_send_chain;

    c->number = hx_event_next_number();
    c->start_time = hx_current_msec;
    log->connection = (hx_uint_t) c->number;
    log->data = NULL;
    log->handler = NULL;

    /* the descriptor is the listening socket's: never in epoll for c */

    c->read->log = log;
    c->write->log = log;
    c->read->active = 1;
    c->write->active = 1;
    c->write->ready = 1;

    udp->connection = c;
    udp->tree = &port->rbtree;
    udp->node.key = key;

    hx_rbtree_insert(&port->rbtree, &udp->node);

    cln->handler = hx_stream_udp_delete;
    cln->data = udp;

    hx_log_debug(HX_LOG_DEBUG_STREAM, log, 0,
                 "udp session from %V, %uz bytes", &c->addr_text, n);

    ls->handler(c);

    return HX_OK;
}


void
hx_stream_udp_detach(hx_connection_t *c)
{
    hx_stream_udp_t  *udp;

    udp = c->udp;

    if (udp == NULL || udp->tree == NULL) {
        return;
    }

    hx_rbtree_delete(udp->tree, &udp->node);
    udp->tree = NULL;
}


/* the session's pool is going: take it out of the tree */
static void
hx_stream_udp_delete(void *data)
{
    hx_stream_udp_t  *udp = data;

    if (udp->tree) {
        hx_rbtree_delete(udp->tree, &udp->node);
    }

    if (hx_stream_udp_delivering == udp) {
        hx_stream_udp_delivering = NULL;
    }
}


static ssize_t
hx_stream_udp_recv(hx_connection_t *c, uint8_t *buf, size_t size)
{
    size_t            n;
    hx_buf_t         *b;
    hx_stream_udp_t  *udp;

    udp = c->udp;
    b = udp->buffer;

    if (b == NULL) {
        c->read->ready = 0;
        return HX_AGAIN;
    }

    /* a datagram is read whole or its tail is lost, as recv() does */

    n = hx_min(size, (size_t) (b->last - b->pos));

    hx_memcpy(buf, b->pos, n);

    udp->buffer = NULL;
    c->read->ready = 0;

    return (ssize_t) n;
}


static ssize_t
hx_stream_udp_send(hx_connection_t *c, uint8_t *buf, size_t size)
{
    struct iovec  iov;

    iov.iov_base = buf;
    iov.iov_len = size;

    return hx_stream_udp_sendmsg(c, &iov, 1, size);
}


/* the memory buffers of in, sent as one datagram */
static hx_chain_t *
hx_stream_udp_send_chain(hx_connection_t *c, hx_chain_t *in, off_t limit)
{
    off_t          size;
    ssize_t        n;
    hx_chain_t    *cl;
    hx_iovec_t     vec;
    struct iovec   iovs[HX_IOVS_PREALLOCATE];

    (void) limit;

    size = 0;

    for (cl = in; cl; cl = cl->next) {
        if (cl->buf->in_file) {
            hx_log_error(HX_LOG_ALERT, c->log, 0,
                         "file buf in udp send chain");
            return HX_CHAIN_ERROR;
        }

        size += hx_buf_size(cl->buf);
    }

    if (size > HX_STREAM_UDP_MAX_SIZE) {
        hx_log_error(HX_LOG_ERR, c->log, 0,
                     "a datagram of %O bytes is too large to send", size);
        return HX_CHAIN_ERROR;
    }

    hx_memzero(&vec, sizeof(hx_iovec_t));
    vec.iovs = iovs;
    vec.nalloc = HX_IOVS_PREALLOCATE;

    cl = hx_output_chain_to_iovec(&vec, in, SSIZE_MAX, c->log);

    if (cl == HX_CHAIN_ERROR) {
        return HX_CHAIN_ERROR;
    }

    if (cl) {
        hx_log_error(HX_LOG_ALERT, c->log, 0,
                     "too many buffers in a datagram");
        return HX_CHAIN_ERROR;
    }

    if (vec.count == 0) {
        return hx_chain_update_sent(in, 0);
    }

    n = hx_stream_udp_sendmsg(c, vec.iovs, vec.count, vec.size);

    if (n == HX_ERROR) {
        return HX_CHAIN_ERROR;
    }

    return hx_chain_update_sent(in, (off_t) vec.size);
}


static ssize_t
hx_stream_udp_sendmsg(hx_connection_t *c, struct iovec *iov, size_t niov,
    size_t size)
{
    ssize_t                   n;
    hx_err_t                  err;
    struct msghdr             msg;
    struct cmsghdr           *cmsg;
    struct in_pktinfo        *pi;
    struct in6_pktinfo       *pi6;
    hx_stream_udp_control_t   control;

    hx_memzero(&msg, sizeof(struct msghdr));

    msg.msg_name = c->sockaddr;
    msg.msg_namelen = c->socklen;
    msg.msg_iov = iov;
    msg.msg_iovlen = niov;

    if (c->listening->wildcard) {

        /* reply from the address the client sent to */

        hx_memzero(&control, sizeof(control));
        msg.msg_control = &control;
        cmsg = &control.cm;

        if (c->local_sockaddr->sa_family == AF_INET6) {
            msg.msg_controllen = CMSG_SPACE(sizeof(struct in6_pktinfo));
            cmsg->cmsg_level = IPPROTO_IPV6;
            cmsg->cmsg_type = IPV6_PKTINFO;
            cmsg->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));

            pi6 = (struct in6_pktinfo *) CMSG_DATA(cmsg);
            pi6->ipi6_addr =
                ((struct sockaddr_in6 *) c->local_sockaddr)->sin6_addr;

        } else {
            msg.msg_controllen = CMSG_SPACE(sizeof(struct in_pktinfo));
            cmsg->cmsg_level = IPPROTO_IP;
            cmsg->cmsg_type = IP_PKTINFO;
            cmsg->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));

            pi = (struct in_pktinfo *) CMSG_DATA(cmsg);
            pi->ipi_spec_dst =
                ((struct sockaddr_in *) c->local_sockaddr)->sin_addr;
        }
    }

    for ( ;; ) {
        n = sendmsg(c->fd, &msg, 0);

        hx_log_debug(HX_LOG_DEBUG_STREAM, c->log, 0,
                     "sendmsg: fd:%d %z of %uz", c->fd, n, size);

        if (n >= 0) {
            c->sent += n;
            return n;
        }

        err = hx_errno;

        if (err == EINTR) {
            continue;
        }

        if (err == EAGAIN || err == EWOULDBLOCK) {
            hx_log_debug(HX_LOG_DEBUG_STREAM, c->log, err,
                         "sendmsg() not ready, datagram dropped");
            return (ssize_t) size;
        }

        c->write->error = 1;
        (void) hx_connection_error(c, err, "sendmsg() failed");

        return HX_ERROR;
    }
}

/*
 * Non-blocking connect.  The socket takes a slot from the same pool as
 * client connections (worker_connections counts both, as in nginx), is
 * registered with epoll for both directions, edge-triggered, before
 * connect() starts, and the write event reports the outcome.  A refused
 * or unreachable peer is HX_DECLINED so the balancer can try the next
 * one; only local trouble (no slot, no descriptor) is HX_ERROR.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>


static hx_int_t hx_event_connect_set_options(hx_peer_connection_t *pc,
    hx_fd_t s);
static hx_int_t hx_event_connect_bind(hx_peer_connection_t *pc, hx_fd_t s);


hx_int_t
hx_event_connect_peer(hx_peer_connection_t *pc)
{
    int                rc, type;
    hx_fd_t            s;
    hx_err_t           err;
    hx_int_t           ret;
    hx_uint_t          level;
    hx_event_t        *rev, *wev;
    hx_connection_t   *c;

    ret = pc->get(pc, pc->data);
    if (ret != HX_OK) {
        return ret;
    }

    type = (pc->type ? pc->type : SOCK_STREAM);

    s = socket(pc->sockaddr->sa_family, type|SOCK_NONBLOCK|SOCK_CLOEXEC, 0);

    hx_log_debug(HX_LOG_DEBUG_EVENT, pc->log, 0, "%s socket %d",
                 (type == SOCK_STREAM) ? "stream" : "dgram", s);

    if (s == -1) {
        hx_log_error(HX_LOG_ALERT, pc->log, hx_errno, "socket() failed");
        return HX_ERROR;
    }

    c = hx_get_connection(s, pc->log);

    if (c == NULL) {
        (void) close(s);
        return HX_ERROR;
    }

    c->type = type;

    if (hx_event_connect_set_options(pc, s) != HX_OK) {
        goto failed;
    }

    if (pc->local && hx_event_connect_bind(pc, s) != HX_OK) {
        goto failed;
    }

    if (type == SOCK_STREAM) {
        c->recv = hx_io.recv;
        c->send = hx_io.send;
        c->recv_chain = hx_io.recv_chain;
        c->send_chain = hx_io.send_chain;

        c->sendfile = 1;

        if (pc->sockaddr->sa_family == AF_UNIX) {
            c->tcp_nopush = HX_TCP_NOPUSH_DISABLED;
            c->tcp_nodelay = HX_TCP_NODELAY_DISABLED;
        }

    } else {
        c->recv = hx_io.udp_recv;
        c->send = hx_io.send;
        c->send_chain = hx_io.udp_send_chain;

        c->need_flush_buf = 1;
    }

    c->log_error = pc->log_error;

    rev = c->read;
    wev = c->write;

    rev->log = pc->log;
    wev->log = pc->log;

    pc->connection = c;

    c->number = hx_event_next_number();
    c->start_time = hx_current_msec;

    if (hx_add_conn(c) == HX_ERROR) {
        goto failed;
    }

    hx_log_debug(HX_LOG_DEBUG_EVENT, pc->log, 0,
                 "connect to %V, fd:%d #%uL", pc->name, s, c->number);

    rc = connect(s, pc->sockaddr, pc->socklen);

    if (rc == -1) {
        err = hx_errno;

        if (err != EINPROGRESS) {

            /* Linux says EAGAIN for a unix socket whose backlog is full */

            if (err == ECONNREFUSED || err == EAGAIN || err == ECONNRESET
                || err == ENETDOWN || err == ENETUNREACH
                || err == EHOSTDOWN || err == EHOSTUNREACH)
            {
                level = HX_LOG_ERR;

            } else {
                level = HX_LOG_CRIT;
            }

            hx_log_error(level, c->log, err, "connect() to %V failed",
                         pc->name);

            hx_close_connection(c);
            pc->connection = NULL;

            return HX_DECLINED;
        }

        if (pc->connect_timeout) {
            hx_add_timer(wev, pc->connect_timeout);
        }

        return HX_AGAIN;
    }

    hx_log_debug(HX_LOG_DEBUG_EVENT, pc->log, 0, "connected");

    wev->ready = 1;

    return HX_OK;

failed:

    hx_close_connection(c);
    pc->connection = NULL;

    return HX_ERROR;
}


static hx_int_t
hx_event_connect_set_options(hx_peer_connection_t *pc, hx_fd_t s)
{
    int  value;

    if (pc->rcvbuf) {
        if (setsockopt(s, SOL_SOCKET, SO_RCVBUF,
                       (const void *) &pc->rcvbuf, sizeof(int))
            == -1)
        {
            hx_log_error(HX_LOG_ALERT, pc->log, hx_errno,
                         "setsockopt(SO_RCVBUF, %d) failed, ignored",
                         pc->rcvbuf);
        }
    }

    if (pc->sndbuf) {
        if (setsockopt(s, SOL_SOCKET, SO_SNDBUF,
                       (const void *) &pc->sndbuf, sizeof(int))
            == -1)
        {
            hx_log_error(HX_LOG_ALERT, pc->log, hx_errno,
                         "setsockopt(SO_SNDBUF, %d) failed, ignored",
                         pc->sndbuf);
        }
    }

    if (pc->so_keepalive) {
        value = 1;

        if (setsockopt(s, SOL_SOCKET, SO_KEEPALIVE,
                       (const void *) &value, sizeof(int))
            == -1)
        {
            hx_log_error(HX_LOG_ALERT, pc->log, hx_errno,
                         "setsockopt(SO_KEEPALIVE) failed, ignored");
        }
    }

    return HX_OK;
}


/* proxy_bind: a local address (transparent: the client's own address) */
static hx_int_t
hx_event_connect_bind(hx_peer_connection_t *pc, hx_fd_t s)
{
    int        value;
    hx_err_t   err;
    in_port_t  port;

    if (pc->transparent) {
        value = 1;

        if (pc->local->sockaddr->sa_family == AF_INET6) {
            if (setsockopt(s, IPPROTO_IPV6, IPV6_TRANSPARENT,
                           (const void *) &value, sizeof(int))
                == -1)
            {
                hx_log_error(HX_LOG_ALERT, pc->log, hx_errno,
                             "setsockopt(IPV6_TRANSPARENT) failed");
                return HX_ERROR;
            }

        } else {
            if (setsockopt(s, IPPROTO_IP, IP_TRANSPARENT,
                           (const void *) &value, sizeof(int))
                == -1)
            {
                hx_log_error(HX_LOG_ALERT, pc->log, hx_errno,
                             "setsockopt(IP_TRANSPARENT) failed");
                return HX_ERROR;
            }
        }
    }

    port = hx_inet_get_port(pc->local->sockaddr);

    if (pc->sockaddr->sa_family != AF_UNIX && port == 0) {

        /*
         * pick the port at connect() time, from the whole 4-tuple space,
         * instead of reserving one per source address at bind() time
         */

        value = 1;

        if (setsockopt(s, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT,
                       (const void *) &value, sizeof(int))
            == -1)
        {
            err = hx_errno;

            if (err != EOPNOTSUPP && err != ENOPROTOOPT) {
                hx_log_error(HX_LOG_ALERT, pc->log, err,
                             "setsockopt(IP_BIND_ADDRESS_NO_PORT) "
                             "failed, ignored");
            }
        }
    }

    if (pc->type == SOCK_DGRAM && port != 0) {
        value = 1;

        if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR,
                       (const void *) &value, sizeof(int))
            == -1)
        {
            hx_log_error(HX_LOG_ALERT, pc->log, hx_errno,
                         "setsockopt(SO_REUSEADDR) failed");
            return HX_ERROR;
        }
    }

    if (bind(s, pc->local->sockaddr, pc->local->socklen) == -1) {
        hx_log_error(HX_LOG_CRIT, pc->log, hx_errno,
                     "bind(%V) failed", &pc->local->name);
        return HX_ERROR;
    }

    return HX_OK;
}


hx_int_t
hx_event_get_peer(hx_peer_connection_t *pc, void *data)
{
    (void) pc;
    (void) data;

    return HX_OK;
}


hx_int_t
hx_event_connect_test(hx_connection_t *c)
{
    int        err;
    socklen_t  len;

    err = 0;
    len = sizeof(int);

    /* the outcome of a non-blocking connect() is the pending socket error */

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len) == -1) {
        err = hx_errno;
    }

    if (err) {
        (void) hx_connection_error(c, err, "connect() failed");
        return HX_ERROR;
    }

    return HX_OK;
}

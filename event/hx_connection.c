/*
 * The connection pool of a process: slots preallocated by
 * hx_event_alloc_connections() and chained through c->data on a free
 * list, so taking and returning one is a pointer swap and no connection
 * ever allocates its event objects.
 *
 * When the list runs low, idle keep-alive connections that their module
 * marked reusable are reclaimed, oldest first, by calling their read
 * handler with c->close set (nginx's drain).  When it is empty the caller
 * gets NULL and "N worker_connections are not enough" is logged, at most
 * once a second so a flood of clients cannot flood the log; accepting
 * pauses until a slot is freed (event/hx_event_accept.c).
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>


static void hx_drain_connections(hx_cycle_t *cycle);
static void hx_connections_exhausted(hx_cycle_t *cycle, hx_log_t *log);


hx_connection_t *
hx_get_connection(hx_fd_t s, hx_log_t *log)
{
    hx_uint_t          instance;
    hx_cycle_t        *cycle;
    hx_event_t        *rev, *wev;
    hx_connection_t   *c;

    cycle = (hx_cycle_t *) hx_cycle;

    hx_drain_connections(cycle);

    c = cycle->free_connections;

    if (c == NULL) {
        hx_connections_exhausted(cycle, log);
        return NULL;
    }

    cycle->free_connections = c->data;
    cycle->free_connection_n--;

    rev = c->read;
    wev = c->write;

    hx_memzero(c, sizeof(hx_connection_t));

    c->read = rev;
    c->write = wev;
    c->fd = s;
    c->log = log;

    instance = rev->instance;

    hx_memzero(rev, sizeof(hx_event_t));
    hx_memzero(wev, sizeof(hx_event_t));

    /* reports still queued for the slot's previous fd become stale */

    rev->instance = !instance;
    wev->instance = !instance;

    rev->index = HX_INVALID_INDEX;
    wev->index = HX_INVALID_INDEX;

    rev->data = c;
    wev->data = c;

    wev->write = 1;

    return c;
}


void
hx_free_connection(hx_connection_t *c)
{
    hx_cycle_t  *cycle;

    cycle = (hx_cycle_t *) hx_cycle;

    c->data = cycle->free_connections;
    cycle->free_connections = c;
    cycle->free_connection_n++;

    hx_event_accept_slot_freed();
}


void
hx_close_connection(hx_connection_t *c)
{
    hx_fd_t     fd;
    hx_err_t    err;
    hx_uint_t   log_error, level;

    if (c->fd == -1) {
        hx_log_error(HX_LOG_ALERT, c->log, 0, "connection already closed");
        return;
    }

    if (c->read->timer_set) {
        hx_del_timer(c->read);
    }

    if (c->write->timer_set) {
        hx_del_timer(c->write);
    }

    if (!c->shared) {
        if (hx_del_conn) {
            (void) hx_del_conn(c, HX_CLOSE_EVENT);

        } else {
            c->read->active = 0;
            c->write->active = 0;
        }
    }

    if (c->read->posted) {
        hx_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        hx_delete_posted_event(c->write);
    }

    c->read->closed = 1;
    c->write->closed = 1;

    hx_reusable_connection(c, 0);

    if (c->stat_active) {
        hx_event_stat_add(active, -1);
        c->stat_active = 0;
    }

    log_error = c->log_error;

    hx_free_connection(c);

    fd = c->fd;
    c->fd = -1;

    if (c->shared) {
        return;
    }

    if (close(fd) == -1) {

        err = hx_errno;

        if (err == ECONNRESET || err == ENOTCONN) {

            switch (log_error) {

            case HX_ERROR_INFO:
                level = HX_LOG_INFO;
                break;

            case HX_ERROR_ERR:
                level = HX_LOG_ERR;
                break;

            default:
                level = HX_LOG_CRIT;
            }

        } else {
            level = HX_LOG_CRIT;
        }

        hx_log_error(level, c->log, err, "close() socket %d failed", fd);
    }
}


void
hx_reusable_connection(hx_connection_t *c, hx_uint_t reusable)
{
    hx_cycle_t  *cycle;

    hx_log_debug(HX_LOG_DEBUG_CORE, c->log, 0,
                 "reusable connection: %ui", reusable);

    cycle = (hx_cycle_t *) hx_cycle;

    /* an idle keep-alive connection is what stub_status calls "waiting" */

    if (c->reusable) {
        hx_queue_remove(&c->queue);
        cycle->reusable_connections_n--;
        hx_event_stat_add(waiting, -1);
    }

    c->reusable = reusable;

    if (reusable) {
        hx_queue_insert_head(&cycle->reusable_connections_queue, &c->queue);
        cycle->reusable_connections_n++;
        hx_event_stat_add(waiting, 1);
    }
}


/*
 * Below 1/16 of the pool free, closes up to 32 of the oldest reusable
 * connections (at least one): their handlers see c->close and close.
 */
static void
hx_drain_connections(hx_cycle_t *cycle)
{
    hx_uint_t          i, n;
    hx_queue_t        *q;
    hx_connection_t   *c;

    if (cycle->free_connection_n > cycle->connection_n / 16
        || cycle->reusable_connections_n == 0)
    {
        return;
    }

    if (cycle->connections_reuse_time != hx_time()) {
        cycle->connections_reuse_time = hx_time();

        hx_log_error(HX_LOG_WARN, cycle->log, 0,
                     "%ui worker_connections are not enough, "
                     "reusing connections",
                     cycle->connection_n);
    }

    c = NULL;
    n = hx_max(hx_min(32, cycle->reusable_connections_n / 8), 1);

    for (i = 0; i < n; i++) {
        if (hx_queue_empty(&cycle->reusable_connections_queue)) {
            break;
        }

        q = hx_queue_last(&cycle->reusable_connections_queue);
        c = hx_queue_data(q, hx_connection_t, queue);

        hx_log_debug(HX_LOG_DEBUG_CORE, c->log, 0, "reusing connection");

        c->close = 1;
        c->read->handler(c->read);
    }

    if (cycle->free_connection_n == 0 && c && c->reusable) {

        /*
         * nothing was freed: the handler may have moved the connection
         * to a lingering close, which a second call finishes
         */

        hx_log_debug(HX_LOG_DEBUG_CORE, c->log, 0,
                     "reusing connection again");

        c->close = 1;
        c->read->handler(c->read);
    }
}


static void
hx_connections_exhausted(hx_cycle_t *cycle, hx_log_t *log)
{
    static time_t  last;

    if (last == hx_time()) {
        return;
    }

    last = hx_time();

    hx_log_error(HX_LOG_ALERT, log, 0,
                 "%ui worker_connections are not enough",
                 cycle->connection_n);
}


hx_uint_t
hx_connection_slots_left(hx_cycle_t *cycle, hx_log_t *log)
{
    hx_drain_connections(cycle);

    if (cycle->free_connection_n == 0) {
        hx_connections_exhausted(cycle, log);
    }

    return cycle->free_connection_n;
}


void
hx_close_idle_connections(hx_cycle_t *cycle)
{
    hx_uint_t          i;
    hx_connection_t   *c;

    c = cycle->connections;

    for (i = 0; i < cycle->connection_n; i++) {

        if (c[i].fd != -1 && c[i].idle) {
            c[i].close = 1;
            c[i].read->handler(c[i].read);
        }
    }
}


hx_int_t
hx_connection_local_sockaddr(hx_connection_t *c, hx_str_t *s,
    hx_uint_t port)
{
    hx_uint_t             addr, i;
    socklen_t             len;
    hx_sockaddr_t         sa;
    struct sockaddr_in   *sin;
    struct sockaddr_in6  *sin6;

    addr = 0;

    if (c->local_socklen) {
        switch (c->local_sockaddr->sa_family) {

        case AF_INET6:
            sin6 = (struct sockaddr_in6 *) c->local_sockaddr;

            for (i = 0; addr == 0 && i < 16; i++) {
                addr |= sin6->sin6_addr.s6_addr[i];
            }

            break;

        case AF_UNIX:
            addr = 1;
            break;

        default: /* AF_INET */
            sin = (struct sockaddr_in *) c->local_sockaddr;
            addr = sin->sin_addr.s_addr;
            break;
        }
    }

    if (addr == 0) {

        /* a wildcard listener: ask which address the client reached */

        len = sizeof(hx_sockaddr_t);

        if (getsockname(c->fd, &sa.sockaddr, &len) == -1) {
            hx_connection_error(c, hx_errno, "getsockname() failed");
            return HX_ERROR;
        }

        c->local_sockaddr = hx_palloc(c->pool, len);
        if (c->local_sockaddr == NULL) {
            return HX_ERROR;
        }

        hx_memcpy(c->local_sockaddr, &sa, len);

        c->local_socklen = len;
    }

    if (s == NULL) {
        return HX_OK;
    }

    s->len = hx_sock_ntop(c->local_sockaddr, c->local_socklen,
                          s->data, s->len, port);

    return HX_OK;
}


hx_int_t
hx_tcp_nodelay(hx_connection_t *c)
{
    int  tcp_nodelay;

    if (c->tcp_nodelay != HX_TCP_NODELAY_UNSET) {
        return HX_OK;
    }

    hx_log_debug(HX_LOG_DEBUG_CORE, c->log, 0, "tcp_nodelay");

    tcp_nodelay = 1;

    if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY,
                   (const void *) &tcp_nodelay, sizeof(int))
        == -1)
    {
        hx_connection_error(c, hx_errno, "setsockopt(TCP_NODELAY) failed");
        return HX_ERROR;
    }

    c->tcp_nodelay = HX_TCP_NODELAY_SET;

    return HX_OK;
}


hx_int_t
hx_connection_error(hx_connection_t *c, hx_err_t err, char *text)
{
    hx_uint_t  level;

    if (err == ECONNRESET && c->log_error == HX_ERROR_IGNORE_ECONNRESET) {
        return 0;
    }

    if (err == EMSGSIZE && c->log_error == HX_ERROR_IGNORE_EMSGSIZE) {
        return 0;
    }

    if (err == 0
        || err == ECONNRESET
        || err == EPIPE
        || err == ENOTCONN
        || err == ETIMEDOUT
        || err == ECONNREFUSED
        || err == ENETDOWN
        || err == ENETUNREACH
        || err == EHOSTDOWN
        || err == EHOSTUNREACH)
    {
        /* the peer or the network did it: not the server's fault */

        switch (c->log_error) {

        case HX_ERROR_IGNORE_EMSGSIZE:
        case HX_ERROR_IGNORE_EINVAL:
        case HX_ERROR_IGNORE_ECONNRESET:
        case HX_ERROR_INFO:
            level = HX_LOG_INFO;
            break;

        default:
            level = HX_LOG_ERR;
        }

    } else {
        level = HX_LOG_ALERT;
    }

    hx_log_error(level, c->log, err, "%s", text);

    return HX_ERROR;
}

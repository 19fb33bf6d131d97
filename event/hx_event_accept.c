/*
 * Accepting connections on a listening socket.
 *
 * The read event of a listening socket runs hx_event_accept(): accept4()
 * with SOCK_NONBLOCK|SOCK_CLOEXEC, once or (multi_accept) until EAGAIN,
 * and for each connection a slot from the pool, a pool of ls->pool_size
 * bytes, a copy of the listener's log numbered with the connection's
 * serial, and the plain socket I/O functions; then ls->handler(c) takes
 * over.  As in nginx, the new socket is not in epoll yet: the handler
 * reads at once when deferred accept says data is there, and otherwise
 * calls hx_handle_read_event(), which registers it edge-triggered.  A
 * writable report for a socket that has nothing to write would be a
 * wasted wake-up per connection.
 *
 * Running out is survived, never fatal.  Before each accept the pool is
 * checked: with no free slot (after reclaiming idle keep-alive
 * connections) the listening sockets are taken out of epoll, so pending
 * connections wait in the kernel's backlog instead of being accepted and
 * dropped, and a posted event re-arms them as soon as a slot is freed.
 * EMFILE/ENFILE from accept4() likewise disarms them for
 * accept_mutex_delay (500 ms) and a timer re-arms them.
 *
 * With EPOLLEXCLUSIVE the kernel tends to wake the worker that registered
 * first; re-registering every 16 accepts spreads the load, as nginx does.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>


static void hx_event_accept_resume(hx_event_t *ev);
static void hx_reorder_accept_events(hx_listening_t *ls);
static void hx_close_accepted_connection(hx_connection_t *c);
static hx_int_t hx_event_accept_init_connection(hx_connection_t *c,
    hx_listening_t *ls, hx_sockaddr_t *sa, socklen_t socklen,
    hx_event_t *ev, hx_event_conf_t *ecf);


hx_uint_t          hx_event_accept_paused;

static hx_event_t  hx_event_accept_resume_event;


void
hx_event_accept(hx_event_t *ev)
{
    hx_fd_t            s;
    hx_err_t           err;
    hx_uint_t          level;
    socklen_t          socklen;
    hx_cycle_t        *cycle;
    hx_sockaddr_t      sa;
    hx_listening_t    *ls;
    hx_connection_t   *c, *lc;
    hx_event_conf_t   *ecf;

    cycle = (hx_cycle_t *) hx_cycle;

    if (ev->timedout) {

        /* the EMFILE back-off is over */

        if (hx_enable_accept_events(cycle) != HX_OK) {
            return;
        }

        ev->timedout = 0;
    }

    ecf = hx_event_get_conf(cycle->conf_ctx, hx_event_core_module);

    ev->available = ecf->multi_accept;

    lc = ev->data;
    ls = lc->listening;
    ev->ready = 0;

    hx_log_debug(HX_LOG_DEBUG_EVENT, ev->log, 0,
                 "accept on %V, ready: %d", &ls->addr_text, ev->available);

    do {
        if (hx_connection_slots_left(cycle, ev->log) == 0) {

            /* leave the rest in the backlog until a slot frees */

            hx_event_accept_paused = 1;
            (void) hx_disable_accept_events(cycle, 1);
            return;
        }

        socklen = sizeof(hx_sockaddr_t);

        s = accept4(lc->fd, &sa.sockaddr, &socklen,
                    SOCK_NONBLOCK|SOCK_CLOEXEC);

        if (s == -1) {
            err = hx_errno;

            if (err == EAGAIN || err == EWOULDBLOCK) {
                hx_log_debug(HX_LOG_DEBUG_EVENT, ev->log, err,
                             "accept() not ready");
                return;
            }

            if (err == EINTR) {
                continue;
            }

            level = HX_LOG_ALERT;

            if (err == ECONNABORTED) {
                level = HX_LOG_ERR;

            } else if (err == EMFILE || err == ENFILE || err == ENOBUFS
                       || err == ENOMEM)
            {
                level = HX_LOG_CRIT;
            }

            hx_log_error(level, ev->log, err, "accept4() failed");

            if (err == ECONNABORTED) {
                if (ev->available) {
                    continue;
                }

                return;
            }

            if (err == EMFILE || err == ENFILE || err == ENOBUFS
                || err == ENOMEM)
            {
                if (hx_disable_accept_events(cycle, 1) != HX_OK) {
                    return;
                }

                hx_add_timer(ev, ecf->accept_mutex_delay);
            }

            return;
        }

        hx_accept_disabled = (hx_int_t) (cycle->connection_n / 8)
                             - (hx_int_t) cycle->free_connection_n;

        hx_event_stat_add(accepted, 1);

        c = hx_get_connection(s, ev->log);

        if (c == NULL) {
            if (close(s) == -1) {
                hx_log_error(HX_LOG_ALERT, ev->log, hx_errno,
                             "close() socket failed");
            }

            return;
        }

        hx_event_stat_add(handled, 1);
        hx_event_stat_add(active, 1);
        c->stat_active = 1;

        if (hx_event_accept_init_connection(c, ls, &sa, socklen, ev, ecf)
            != HX_OK)
        {
            hx_close_accepted_connection(c);
            return;
        }

        ls->handler(c);

    } while (ev->available);

    hx_reorder_accept_events(ls);
}


/* everything an accepted connection needs before ls->handler sees it */
static hx_int_t
hx_event_accept_init_connection(hx_connection_t *c, hx_listening_t *ls,
    hx_sockaddr_t *sa, socklen_t socklen, hx_event_t *ev,
    hx_event_conf_t *ecf)
{
    hx_log_t    *log;
    hx_event_t  *rev, *wev;

    (void) ecf;

    c->type = SOCK_STREAM;

    c->pool = hx_create_pool(ls->pool_size, ev->log);
    if (c->pool == NULL) {
        return HX_ERROR;
    }

    if (socklen > (socklen_t) sizeof(hx_sockaddr_t)) {
        socklen = sizeof(hx_sockaddr_t);
    }

    c->sockaddr = hx_palloc(c->pool, socklen);
    if (c->sockaddr == NULL) {
        return HX_ERROR;
    }

    hx_memcpy(c->sockaddr, sa, socklen);

    log = hx_palloc(c->pool, sizeof(hx_log_t));
    if (log == NULL) {
        return HX_ERROR;
    }

    *log = ls->log;

    c->recv = hx_io.recv;
    c->send = hx_io.send;
    c->recv_chain = hx_io.recv_chain;
    c->send_chain = hx_io.send_chain;

    c->log = log;
    c->pool->log = log;

    c->socklen = socklen;
    c->listening = ls;
    c->local_sockaddr = ls->sockaddr;
    c->local_socklen = ls->socklen;

    if (c->sockaddr->sa_family == AF_UNIX) {
        c->tcp_nopush = HX_TCP_NOPUSH_DISABLED;
        c->tcp_nodelay = HX_TCP_NODELAY_DISABLED;
    }

    c->sendfile = 1;

    rev = c->read;
    wev = c->write;

    /* a new socket can be written to at once */

    wev->ready = 1;

    if (ev->deferred_accept) {

        /* TCP_DEFER_ACCEPT: the kernel waited for the first data */

        rev->ready = 1;
        rev->available = 1;
    }

    rev->log = log;
    wev->log = log;

    c->number = hx_event_next_number();
    c->start_time = hx_current_msec;

    log->connection = (hx_uint_t) c->number;

    if (ls->addr_ntop) {
        c->addr_text.data = hx_pnalloc(c->pool, ls->addr_text_max_len);
        if (c->addr_text.data == NULL) {
            return HX_ERROR;
        }

        c->addr_text.len = hx_sock_ntop(c->sockaddr, c->socklen,
                                        c->addr_text.data,
                                        ls->addr_text_max_len, 0);
        if (c->addr_text.len == 0) {
            return HX_ERROR;
        }
    }

#if (HX_DEBUG)
    {
    hx_str_t  addr;
    uint8_t   text[HX_SOCKADDR_STRLEN];

    hx_debug_accepted_connection(ecf, c);

    if (log->log_level & HX_LOG_DEBUG_EVENT) {
        addr.data = text;
        addr.len = hx_sock_ntop(c->sockaddr, c->socklen, text,
                                HX_SOCKADDR_STRLEN, 1);

        hx_log_debug(HX_LOG_DEBUG_EVENT, log, 0,
                     "*%uL accept: %V fd:%d", c->number, &addr, c->fd);
    }
    }
#endif

    log->data = NULL;
    log->handler = NULL;

    return HX_OK;
}


hx_int_t
hx_enable_accept_events(hx_cycle_t *cycle)
{
    hx_uint_t          i, flags;
    hx_listening_t    *ls;
    hx_connection_t   *c;

    ls = cycle->listening.elts;
    for (i = 0; i < cycle->listening.nelts; i++) {

        c = ls[i].connection;

        if (c == NULL || c->fd == -1 || c->read->active
            || ls[i].type != SOCK_STREAM)
        {
            continue;
        }

        flags = (hx_use_exclusive_accept && !ls[i].reuseport)
                ? HX_EXCLUSIVE_EVENT : 0;

        if (hx_add_event(c->read, HX_READ_EVENT, flags) == HX_ERROR) {
            return HX_ERROR;
        }
    }

    return HX_OK;
}


hx_int_t
hx_disable_accept_events(hx_cycle_t *cycle, hx_uint_t all)
{
    hx_uint_t          i;
    hx_listening_t    *ls;
    hx_connection_t   *c;

    ls = cycle->listening.elts;
    for (i = 0; i < cycle->listening.nelts; i++) {

        c = ls[i].connection;

        /*
         * UDP listeners stay armed: a datagram that finds no free slot is
         * dropped by its handler, and enabling (TCP only) would never
         * bring a disarmed one back.
         */
        if (c == NULL || c->fd == -1 || !c->read->active
            || ls[i].type != SOCK_STREAM)
        {
            continue;
        }

        /* a worker's own reuseport socket stays, unless all must go */

        if (ls[i].reuseport && !all) {
            continue;
        }

        if (hx_del_event(c->read, HX_READ_EVENT, HX_DISABLE_EVENT)
            == HX_ERROR)
        {
            return HX_ERROR;
        }
    }

    return HX_OK;
}


void
hx_event_accept_slot_freed(void)
{
    hx_event_t  *ev;

    if (!hx_event_accept_paused) {
        return;
    }

    ev = &hx_event_accept_resume_event;

    if (ev->posted) {
        return;
    }

    ev->handler = hx_event_accept_resume;
    ev->log = hx_cycle->log;

    hx_post_event(ev, &hx_posted_events);
}


static void
hx_event_accept_resume(hx_event_t *ev)
{
    hx_cycle_t  *cycle;

    (void) ev;

    cycle = (hx_cycle_t *) hx_cycle;

    if (!hx_event_accept_paused || cycle->free_connection_n == 0) {
        return;
    }

    hx_log_debug(HX_LOG_DEBUG_EVENT, ev->log, 0, "accept resumed");

    if (hx_enable_accept_events(cycle) == HX_OK) {
        hx_event_accept_paused = 0;
    }
}


static void
hx_reorder_accept_events(hx_listening_t *ls)
{
    hx_connection_t  *c;

    if (!hx_use_exclusive_accept || ls->reuseport) {
        return;
    }

    c = ls->connection;

    if (c->read->active == 0
        || (c->requests++ % 16 != 0 && hx_accept_disabled <= 0))
    {
        return;
    }

    if (hx_del_event(c->read, HX_READ_EVENT, HX_DISABLE_EVENT) == HX_ERROR) {
        return;
    }

    (void) hx_add_event(c->read, HX_READ_EVENT, HX_EXCLUSIVE_EVENT);
}


static void
hx_close_accepted_connection(hx_connection_t *c)
{
    hx_fd_t  fd;

    hx_free_connection(c);

    fd = c->fd;
    c->fd = -1;

    if (close(fd) == -1) {
        hx_log_error(HX_LOG_ALERT, c->log, hx_errno, "close() socket failed");
    }

    if (c->pool) {
        hx_destroy_pool(c->pool);
        c->pool = NULL;
    }
}


uint8_t *
hx_accept_log_error(hx_log_t *log, uint8_t *buf, size_t len)
{
    return hx_snprintf(buf, len, " while accepting new connection on %V",
                       log->data);
}


#if (HX_DEBUG)

void
hx_debug_accepted_connection(hx_event_conf_t *ecf, hx_connection_t *c)
{
    hx_uint_t             i, n, match;
    hx_cidr_t            *cidr;
    struct sockaddr_in   *sin;
    struct sockaddr_in6  *sin6;

    cidr = ecf->debug_connection.elts;
    for (i = 0; i < ecf->debug_connection.nelts; i++) {

        if (cidr[i].family != (hx_uint_t) c->sockaddr->sa_family) {
            continue;
        }

        match = 1;

        switch (cidr[i].family) {

        case AF_INET6:
            sin6 = (struct sockaddr_in6 *) c->sockaddr;
            for (n = 0; n < 16; n++) {
                if ((sin6->sin6_addr.s6_addr[n]
                     & cidr[i].u.in6.mask.s6_addr[n])
                    != cidr[i].u.in6.addr.s6_addr[n])
                {
                    match = 0;
                    break;
                }
            }
            break;

        case AF_UNIX:
            break;

        default: /* AF_INET */
            sin = (struct sockaddr_in *) c->sockaddr;
            if ((sin->sin_addr.s_addr & cidr[i].u.in.mask)
                != cidr[i].u.in.addr)
            {
                match = 0;
            }
            break;
        }

        if (match) {
            c->log->log_level = HX_LOG_DEBUG_CONNECTION|HX_LOG_DEBUG_ALL;
            return;
        }
    }
}

#endif

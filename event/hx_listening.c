/*
 * Listening sockets: created by "listen" directives, opened by the master
 * before it forks, configured with nginx's listen options, and inherited
 * by the workers (and, through USR2, by a new binary).
 *
 * The master opens them in two steps as nginx does: hx_open_listening_
 * sockets() does what must happen before bind/listen (SO_REUSEADDR,
 * SO_REUSEPORT, IPV6_V6ONLY, IP_FREEBIND) and retries a bind() that hits
 * EADDRINUSE, which is what a restart racing the old process's exit looks
 * like; hx_configure_listening_sockets() then applies what may change on
 * a reload for a socket that is kept (buffers, keepalive, backlog,
 * deferred accept), logging and ignoring failures.
 *
 * Listening sockets are not close-on-exec: a binary upgrade passes them
 * to the new master by number.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>


#define HX_LISTEN_BIND_TRIES   5
#define HX_LISTEN_BIND_DELAY   500     /* msec */


static hx_int_t hx_open_listening_socket(hx_cycle_t *cycle,
    hx_listening_t *ls);
static void hx_inherit_socket_options(hx_cycle_t *cycle,
    hx_listening_t *ls);
static void hx_configure_keepalive(hx_cycle_t *cycle, hx_listening_t *ls);
static void hx_configure_deferred(hx_cycle_t *cycle, hx_listening_t *ls);


hx_listening_t *
hx_create_listening(hx_conf_t *cf, struct sockaddr *sockaddr,
    socklen_t socklen)
{
    size_t            len;
    hx_listening_t   *ls;
    struct sockaddr  *sa;
    uint8_t           text[HX_SOCKADDR_STRLEN + 1];

    ls = hx_array_push(&cf->cycle->listening);
    if (ls == NULL) {
        return NULL;
    }

    hx_memzero(ls, sizeof(hx_listening_t));

    sa = hx_palloc(cf->pool, socklen);
    if (sa == NULL) {
        return NULL;
    }

    hx_memcpy(sa, sockaddr, socklen);

    ls->sockaddr = sa;
    ls->socklen = socklen;

    len = hx_sock_ntop(sa, socklen, text, HX_SOCKADDR_STRLEN, 1);
    ls->addr_text.len = len;

    /* a unix path is used as a C string (chmod, unlink): keep its NUL */
    text[len] = '\0';

    switch (ls->sockaddr->sa_family) {

    case AF_INET6:
        ls->addr_text_max_len = HX_INET6_ADDRSTRLEN;
        break;

    case AF_UNIX:
        ls->addr_text_max_len = HX_UNIX_ADDRSTRLEN;
        len++;
        break;

    case AF_INET:
        ls->addr_text_max_len = HX_INET_ADDRSTRLEN;
        break;

    default:
        ls->addr_text_max_len = HX_SOCKADDR_STRLEN;
        break;
    }

    ls->addr_text.data = hx_pnalloc(cf->pool, len);
    if (ls->addr_text.data == NULL) {
        return NULL;
    }

    hx_memcpy(ls->addr_text.data, text, len);

    ls->fd = -1;
    ls->type = SOCK_STREAM;

    ls->backlog = HX_LISTEN_BACKLOG;
    ls->rcvbuf = -1;
    ls->sndbuf = -1;
    ls->fastopen = -1;

    ls->pool_size = HX_LISTEN_POOL_SIZE;

    ls->log = *cf->log;
    ls->logp = cf->log;

    return ls;
}


hx_int_t
hx_clone_listening(hx_cycle_t *cycle, hx_listening_t *ls)
{
    hx_int_t          n;
    hx_core_conf_t   *ccf;
    hx_listening_t    ols;

    if (!ls->reuseport || ls->worker != 0) {
        return HX_OK;
    }

    ols = *ls;

    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);

    for (n = 1; n < ccf->worker_processes; n++) {

        /* a socket of its own for each worker */

        ls = hx_array_push(&cycle->listening);
        if (ls == NULL) {
            return HX_ERROR;
        }

        *ls = ols;
        ls->worker = (hx_uint_t) n;
    }

    return HX_OK;
}


hx_int_t
hx_set_inherited_sockets(hx_cycle_t *cycle)
{
    size_t            len;
    hx_uint_t         i;
    hx_listening_t   *ls;
    socklen_t         olen;

    ls = cycle->listening.elts;
    for (i = 0; i < cycle->listening.nelts; i++) {

        ls[i].sockaddr = hx_palloc(cycle->pool, sizeof(hx_sockaddr_t));
        if (ls[i].sockaddr == NULL) {
            return HX_ERROR;
        }

        ls[i].socklen = sizeof(hx_sockaddr_t);

        if (getsockname(ls[i].fd, ls[i].sockaddr, &ls[i].socklen) == -1) {
            hx_log_error(HX_LOG_CRIT, cycle->log, hx_errno,
                         "getsockname() of the inherited "
                         "socket #%d failed", ls[i].fd);
            ls[i].ignore = 1;
            continue;
        }

        if (ls[i].socklen > (socklen_t) sizeof(hx_sockaddr_t)) {
            ls[i].socklen = sizeof(hx_sockaddr_t);
        }

        switch (ls[i].sockaddr->sa_family) {

        case AF_INET6:
            ls[i].addr_text_max_len = HX_INET6_ADDRSTRLEN;
            len = HX_INET6_ADDRSTRLEN + sizeof("[]:65535") - 1;
            break;

        case AF_UNIX:
            ls[i].addr_text_max_len = HX_UNIX_ADDRSTRLEN;
            len = HX_UNIX_ADDRSTRLEN;
            break;

        case AF_INET:
            ls[i].addr_text_max_len = HX_INET_ADDRSTRLEN;
            len = HX_INET_ADDRSTRLEN + sizeof(":65535") - 1;
            break;

        default:
            hx_log_error(HX_LOG_CRIT, cycle->log, 0,
                         "the inherited socket #%d has "
                         "an unsupported protocol family", ls[i].fd);
            ls[i].ignore = 1;
            continue;
        }

        ls[i].addr_text.data = hx_pnalloc(cycle->pool, len);
        if (ls[i].addr_text.data == NULL) {
            return HX_ERROR;
        }

        len = hx_sock_ntop(ls[i].sockaddr, ls[i].socklen,
                           ls[i].addr_text.data, len, 1);
        if (len == 0) {
            return HX_ERROR;
        }

        ls[i].addr_text.len = len;

        ls[i].backlog = HX_LISTEN_BACKLOG;

        olen = sizeof(int);

        if (getsockopt(ls[i].fd, SOL_SOCKET, SO_TYPE, (void *) &ls[i].type,
                       &olen)
            == -1)
        {
            hx_log_error(HX_LOG_CRIT, cycle->log, hx_errno,
                         "getsockopt(SO_TYPE) %V failed", &ls[i].addr_text);
            ls[i].ignore = 1;
            continue;
        }

        hx_inherit_socket_options(cycle, &ls[i]);
    }

    return HX_OK;
}


/* reads back the options set by the binary that opened the socket */
static void
hx_inherit_socket_options(hx_cycle_t *cycle, hx_listening_t *ls)
{
    int        value;
    hx_err_t   err;
    socklen_t  olen;

    olen = sizeof(int);

    if (getsockopt(ls->fd, SOL_SOCKET, SO_RCVBUF, (void *) &ls->rcvbuf,
                   &olen)
        == -1)
    {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "getsockopt(SO_RCVBUF) %V failed, ignored",
                     &ls->addr_text);
        ls->rcvbuf = -1;
    }

    olen = sizeof(int);

    if (getsockopt(ls->fd, SOL_SOCKET, SO_SNDBUF, (void *) &ls->sndbuf,
                   &olen)
        == -1)
    {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "getsockopt(SO_SNDBUF) %V failed, ignored",
                     &ls->addr_text);
        ls->sndbuf = -1;
    }

    value = 0;
    olen = sizeof(int);

    if (getsockopt(ls->fd, SOL_SOCKET, SO_REUSEPORT, (void *) &value, &olen)
        == -1)
    {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "getsockopt(SO_REUSEPORT) %V failed, ignored",
                     &ls->addr_text);

    } else {
        ls->reuseport = value ? 1 : 0;
    }

    if (ls->type != SOCK_STREAM) {
        return;
    }

    olen = sizeof(int);

    if (getsockopt(ls->fd, IPPROTO_TCP, TCP_FASTOPEN, (void *) &ls->fastopen,
                   &olen)
        == -1)
    {
        err = hx_errno;

        if (err != EOPNOTSUPP && err != ENOPROTOOPT && err != EINVAL) {
            hx_log_error(HX_LOG_NOTICE, cycle->log, err,
                         "getsockopt(TCP_FASTOPEN) %V failed, ignored",
                         &ls->addr_text);
        }

        ls->fastopen = -1;
    }

    value = 0;
    olen = sizeof(int);

    if (getsockopt(ls->fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &value, &olen)
        == -1)
    {
        err = hx_errno;

        if (err != EOPNOTSUPP) {
            hx_log_error(HX_LOG_NOTICE, cycle->log, err,
                         "getsockopt(TCP_DEFER_ACCEPT) for %V failed, "
                         "ignored", &ls->addr_text);
        }

        return;
    }

    if (olen == sizeof(int) && value != 0) {
        ls->deferred_accept = 1;
    }
}


hx_int_t
hx_open_listening_sockets(hx_cycle_t *cycle)
{
    hx_int_t          rc;
    hx_uint_t         i, tries, failed;
    hx_listening_t   *ls;

    failed = 0;

    for (tries = HX_LISTEN_BIND_TRIES; tries; tries--) {
        failed = 0;

        ls = cycle->listening.elts;
        for (i = 0; i < cycle->listening.nelts; i++) {

            if (ls[i].ignore) {
                continue;
            }

            if (ls[i].add_reuseport && ls[i].fd != -1) {
                int  reuseport = 1;

                /*
                 * a kept socket that gains "reuseport": it must carry
                 * SO_REUSEPORT before the per-worker copies can bind
                 */

                if (setsockopt(ls[i].fd, SOL_SOCKET, SO_REUSEPORT,
                               (const void *) &reuseport, sizeof(int))
                    == -1)
                {
                    hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                                 "setsockopt(SO_REUSEPORT) %V failed, "
                                 "ignored", &ls[i].addr_text);
                }

                ls[i].add_reuseport = 0;
            }

            if (ls[i].fd != -1 || ls[i].inherited) {
                continue;
            }

            rc = hx_open_listening_socket(cycle, &ls[i]);

            if (rc == HX_ERROR) {
                return HX_ERROR;
            }

            if (rc == HX_AGAIN) {
                failed = 1;
            }
        }

        if (!failed) {
            break;
        }

        if (hx_process == HX_PROCESS_MASTER) {
            /*
             * A reload: the master's loop also carries VRRP adverts and
             * must not sleep; the running configuration stays in force.
             */
            break;
        }

        hx_log_error(HX_LOG_NOTICE, cycle->log, 0,
                     "try again to bind() after %dms", HX_LISTEN_BIND_DELAY);

        (void) usleep(HX_LISTEN_BIND_DELAY * 1000);
    }

    if (failed) {
        hx_log_error(HX_LOG_EMERG, cycle->log, 0, "still could not bind()");
        return HX_ERROR;
    }

    return HX_OK;
}


/*
 * Opens one socket.  HX_OK, HX_AGAIN when the address is in use (retry
 * later), HX_ERROR otherwise; every failure is logged at emerg.
 */
static hx_int_t
hx_open_listening_socket(hx_cycle_t *cycle, hx_listening_t *ls)
{
    int        s, value;
    hx_err_t   err;
    hx_log_t  *log;

    log = cycle->log;

    s = socket(ls->sockaddr->sa_family, ls->type|SOCK_NONBLOCK,
               ls->protocol);

    if (s == -1) {
        hx_log_error(HX_LOG_EMERG, log, hx_errno,
                     "socket() %V failed", &ls->addr_text);
        return HX_ERROR;
    }

    value = 1;

    if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, (const void *) &value,
                   sizeof(int))
        == -1)
    {
        hx_log_error(HX_LOG_EMERG, log, hx_errno,
                     "setsockopt(SO_REUSEADDR) %V failed", &ls->addr_text);
        goto failed;
    }

    if (ls->reuseport && !hx_test_config) {
        value = 1;

        if (setsockopt(s, SOL_SOCKET, SO_REUSEPORT, (const void *) &value,
                       sizeof(int))
            == -1)
        {
            hx_log_error(HX_LOG_EMERG, log, hx_errno,
                         "setsockopt(SO_REUSEPORT) %V failed",
                         &ls->addr_text);
            goto failed;
        }
    }

    if (ls->sockaddr->sa_family == AF_INET6) {
        value = ls->ipv6only;

        if (setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, (const void *) &value,
                       sizeof(int))
            == -1)
        {
            hx_log_error(HX_LOG_EMERG, log, hx_errno,
                         "setsockopt(IPV6_V6ONLY) %V failed, ignored",
                         &ls->addr_text);
        }
    }

    if (ls->freebind) {
        value = 1;

        if (setsockopt(s, IPPROTO_IP, IP_FREEBIND, (const void *) &value,
                       sizeof(int))
            == -1)
        {
            hx_log_error(HX_LOG_EMERG, log, hx_errno,
                         "setsockopt(IP_FREEBIND) %V failed, ignored",
                         &ls->addr_text);
        }
    }

    hx_log_debug(HX_LOG_DEBUG_CORE, log, 0,
                 "bind() %V #%d ", &ls->addr_text, s);

    if (bind(s, ls->sockaddr, ls->socklen) == -1) {
        err = hx_errno;

        if (err != EADDRINUSE || !hx_test_config) {
            hx_log_error(HX_LOG_EMERG, log, err,
                         "bind() to %V failed", &ls->addr_text);
        }

        (void) close(s);

        if (err != EADDRINUSE) {
            return HX_ERROR;
        }

        /* under -t a running server holds the address: that is fine */

        return hx_test_config ? HX_OK : HX_AGAIN;
    }

    if (ls->sockaddr->sa_family == AF_UNIX) {
        uint8_t  *name;

        name = ls->addr_text.data + sizeof("unix:") - 1;

        if (chmod((char *) name, S_IRUSR|S_IWUSR|S_IRGRP|S_IWGRP
                                 |S_IROTH|S_IWOTH)
            == -1)
        {
            hx_log_error(HX_LOG_EMERG, log, hx_errno,
                         "chmod() \"%s\" failed", name);
        }

        if (hx_test_config && unlink((char *) name) == -1) {
            hx_log_error(HX_LOG_EMERG, log, hx_errno,
                         "unlink() \"%s\" failed", name);
        }
    }

    if (ls->type != SOCK_STREAM) {
        ls->fd = s;
        ls->open = 1;
        return HX_OK;
    }

    if (listen(s, ls->backlog) == -1) {
        err = hx_errno;

        if (err != EADDRINUSE || !hx_test_config) {
            hx_log_error(HX_LOG_EMERG, log, err,
                         "listen() to %V, backlog %d failed",
                         &ls->addr_text, ls->backlog);
        }

        (void) close(s);

        if (err != EADDRINUSE) {
            return HX_ERROR;
        }

        return hx_test_config ? HX_OK : HX_AGAIN;
    }

    ls->listen = 1;

    ls->fd = s;
    ls->open = 1;

    /* "listen ... deferred" on a fresh socket: configure sets it */

    if (ls->deferred_accept) {
        ls->add_deferred = 1;
    }

    return HX_OK;

failed:

    (void) close(s);

    return HX_ERROR;
}


void
hx_configure_listening_sockets(hx_cycle_t *cycle)
{
    hx_uint_t         i;
    hx_listening_t   *ls;

    ls = cycle->listening.elts;
    for (i = 0; i < cycle->listening.nelts; i++) {

        if (ls[i].logp) {
            ls[i].log = *ls[i].logp;
        }

        if (ls[i].fd == -1) {
            continue;
        }

        if (ls[i].rcvbuf != -1) {
            if (setsockopt(ls[i].fd, SOL_SOCKET, SO_RCVBUF,
                           (const void *) &ls[i].rcvbuf, sizeof(int))
                == -1)
            {
                hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                             "setsockopt(SO_RCVBUF, %d) %V failed, ignored",
                             ls[i].rcvbuf, &ls[i].addr_text);
            }
        }

        if (ls[i].sndbuf != -1) {
            if (setsockopt(ls[i].fd, SOL_SOCKET, SO_SNDBUF,
                           (const void *) &ls[i].sndbuf, sizeof(int))
                == -1)
            {
                hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                             "setsockopt(SO_SNDBUF, %d) %V failed, ignored",
                             ls[i].sndbuf, &ls[i].addr_text);
            }
        }

        hx_configure_keepalive(cycle, &ls[i]);

        if (ls[i].fastopen != -1) {
            if (setsockopt(ls[i].fd, IPPROTO_TCP, TCP_FASTOPEN,
                           (const void *) &ls[i].fastopen, sizeof(int))
                == -1)
            {
                hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                             "setsockopt(TCP_FASTOPEN, %d) %V failed, "
                             "ignored", ls[i].fastopen, &ls[i].addr_text);
            }
        }

        if (ls[i].listen) {

            /* a second listen() changes the backlog of a kept socket */

            if (listen(ls[i].fd, ls[i].backlog) == -1) {
                hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                             "listen() to %V, backlog %d failed, ignored",
                             &ls[i].addr_text, ls[i].backlog);
            }
        }

        hx_configure_deferred(cycle, &ls[i]);
    }
}


/* so_keepalive=on|off|[idle]:[intvl]:[cnt] */
static void
hx_configure_keepalive(hx_cycle_t *cycle, hx_listening_t *ls)
{
    int  value;

    if (ls->keepalive) {
        value = (ls->keepalive == 1) ? 1 : 0;

        if (setsockopt(ls->fd, SOL_SOCKET, SO_KEEPALIVE,
                       (const void *) &value, sizeof(int))
            == -1)
        {
            hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                         "setsockopt(SO_KEEPALIVE, %d) %V failed, ignored",
                         value, &ls->addr_text);
        }
    }

    if (ls->keepidle) {
        if (setsockopt(ls->fd, IPPROTO_TCP, TCP_KEEPIDLE,
                       (const void *) &ls->keepidle, sizeof(int))
            == -1)
        {
            hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                         "setsockopt(TCP_KEEPIDLE, %d) %V failed, ignored",
                         ls->keepidle, &ls->addr_text);
        }
    }

    if (ls->keepintvl) {
        if (setsockopt(ls->fd, IPPROTO_TCP, TCP_KEEPINTVL,
                       (const void *) &ls->keepintvl, sizeof(int))
            == -1)
        {
            hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                         "setsockopt(TCP_KEEPINTVL, %d) %V failed, ignored",
                         ls->keepintvl, &ls->addr_text);
        }
    }

    if (ls->keepcnt) {
        if (setsockopt(ls->fd, IPPROTO_TCP, TCP_KEEPCNT,
                       (const void *) &ls->keepcnt, sizeof(int))
            == -1)
        {
            hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                         "setsockopt(TCP_KEEPCNT, %d) %V failed, ignored",
                         ls->keepcnt, &ls->addr_text);
        }
    }
}


/*
 * "listen ... deferred": TCP_DEFER_ACCEPT, so accept() reports a
 * connection only once its first data arrived.  There is no way to learn
 * how long a connection waited, so the timeout is 1 second, as in nginx.
 */
static void
hx_configure_deferred(hx_cycle_t *cycle, hx_listening_t *ls)
{
    int  value;

    if (!ls->add_deferred && !ls->delete_deferred) {
        return;
    }

    value = ls->add_deferred ? 1 : 0;

    if (setsockopt(ls->fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &value,
                   sizeof(int))
        == -1)
    {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "setsockopt(TCP_DEFER_ACCEPT, %d) for %V failed, "
                     "ignored", value, &ls->addr_text);
        return;
    }

    ls->deferred_accept = ls->add_deferred;
}


void
hx_close_listening_sockets(hx_cycle_t *cycle)
{
    hx_uint_t          i;
    hx_listening_t    *ls;
    hx_connection_t   *c;

    hx_use_accept_mutex = 0;

    ls = cycle->listening.elts;
    for (i = 0; i < cycle->listening.nelts; i++) {

        c = ls[i].connection;

        if (c) {
            if (c->read->timer_set) {
                hx_del_timer(c->read);
            }

            if (c->read->posted) {
                hx_delete_posted_event(c->read);
            }

            if (c->read->active) {

                /*
                 * deleted explicitly: the other workers keep the socket
                 * open, so closing ours would not remove it from epoll
                 */

                (void) hx_del_event(c->read, HX_READ_EVENT, 0);
            }

            c->read->closed = 1;

            hx_free_connection(c);

            c->fd = -1;
            ls[i].connection = NULL;
        }

        if (ls[i].fd == -1) {
            continue;
        }

        hx_log_debug(HX_LOG_DEBUG_CORE, cycle->log, 0,
                     "close listening %V #%d ", &ls[i].addr_text, ls[i].fd);

        if (close(ls[i].fd) == -1) {
            hx_log_error(HX_LOG_EMERG, cycle->log, hx_errno,
                         "close() socket %V failed", &ls[i].addr_text);
        }

        /*
         * The master (or a single process) removes its unix socket files
         * on the way out, unless a new binary took the sockets over.
         */
        if (ls[i].sockaddr->sa_family == AF_UNIX
            && hx_process != HX_PROCESS_WORKER
            && hx_new_binary == 0
            && !ls[i].inherited)
        {
            if (unlink(((struct sockaddr_un *) ls[i].sockaddr)->sun_path)
                == -1)
            {
                hx_log_error(HX_LOG_EMERG, cycle->log, hx_errno,
                             "unlink() %V failed", &ls[i].addr_text);
            }
        }

        ls[i].fd = -1;
    }

    cycle->listening.nelts = 0;
}

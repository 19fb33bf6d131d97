/*
 * Unit tests for event/hx_listening.c: sockets open on 127.0.0.1:0 with
 * the nginx defaults, options land on the socket, an address in use is
 * retried and then reported in nginx's words, reuseport clones one
 * socket per worker, inherited sockets are read back, and closing frees
 * the worker's slots.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <criterion/criterion.h>

#include "hx_event_fixture.h"


static void
setup(void)
{
    hxt_cycle_init(8);
}


TestSuite(listening, .init = setup);


static int
sockopt(int fd, int level, int name)
{
    int        v;
    socklen_t  len;

    v = -1;
    len = sizeof(int);
    cr_assert_eq(getsockopt(fd, level, name, &v, &len), 0);

    return v;
}


Test(listening, create_sets_nginx_defaults_and_address_text)
{
    hx_conf_t         cf;
    hx_listening_t   *ls;

    ls = hxt_listen_loopback(&cf);

    cr_assert_eq(ls->fd, -1);
    cr_assert_eq(ls->type, SOCK_STREAM);
    cr_assert_eq(ls->backlog, 511);
    cr_assert_eq(ls->rcvbuf, -1);
    cr_assert_eq(ls->sndbuf, -1);
    cr_assert_eq(ls->fastopen, -1);
    cr_assert_eq(ls->addr_text.len, sizeof("127.0.0.1:0") - 1);
    cr_assert_eq(hx_memcmp(ls->addr_text.data, "127.0.0.1:0",
                           ls->addr_text.len), 0);
    cr_assert_eq(hxt_cycle.listening.nelts, 1);
}


Test(listening, open_binds_listens_nonblocking_and_inheritable)
{
    int               flags;
    hx_conf_t         cf;
    hx_listening_t   *ls;

    ls = hxt_listen_loopback(&cf);

    cr_assert_eq(hx_open_listening_sockets(&hxt_cycle), HX_OK);

    cr_assert_neq(ls->fd, -1);
    cr_assert(ls->open && ls->listen);
    cr_assert_gt(hxt_bound_port(ls), 0);

    flags = fcntl(ls->fd, F_GETFL);
    cr_assert(flags & O_NONBLOCK);

    cr_assert_eq(fcntl(ls->fd, F_GETFD) & FD_CLOEXEC, 0,
                 "a new binary must inherit it across exec");

    cr_assert_eq(sockopt(ls->fd, SOL_SOCKET, SO_REUSEADDR), 1);
    cr_assert_eq(sockopt(ls->fd, SOL_SOCKET, SO_ACCEPTCONN), 1);
    cr_assert_eq(sockopt(ls->fd, SOL_SOCKET, SO_REUSEPORT), 0);

    hx_close_listening_sockets(&hxt_cycle);
}


Test(listening, already_open_sockets_are_left_alone)
{
    int               fd;
    hx_conf_t         cf;
    hx_listening_t   *ls;

    ls = hxt_listen_loopback(&cf);
    cr_assert_eq(hx_open_listening_sockets(&hxt_cycle), HX_OK);

    fd = ls->fd;

    cr_assert_eq(hx_open_listening_sockets(&hxt_cycle), HX_OK);
    cr_assert_eq(ls->fd, fd);

    hx_close_listening_sockets(&hxt_cycle);
}


Test(listening, options_are_applied_by_configure)
{
    hx_conf_t         cf;
    hx_listening_t   *ls;

    ls = hxt_listen_loopback(&cf);

    ls->rcvbuf = 65536;
    ls->sndbuf = 32768;
    ls->keepalive = 1;
    ls->keepidle = 30;
    ls->keepintvl = 10;
    ls->keepcnt = 3;
    ls->add_deferred = 1;
    ls->backlog = 100;

    cr_assert_eq(hx_open_listening_sockets(&hxt_cycle), HX_OK);
    hx_configure_listening_sockets(&hxt_cycle);

    /* Linux doubles the requested buffer sizes */

    cr_assert_eq(sockopt(ls->fd, SOL_SOCKET, SO_RCVBUF), 2 * 65536);
    cr_assert_eq(sockopt(ls->fd, SOL_SOCKET, SO_SNDBUF), 2 * 32768);
    cr_assert_eq(sockopt(ls->fd, SOL_SOCKET, SO_KEEPALIVE), 1);
    cr_assert_eq(sockopt(ls->fd, IPPROTO_TCP, TCP_KEEPIDLE), 30);
    cr_assert_eq(sockopt(ls->fd, IPPROTO_TCP, TCP_KEEPINTVL), 10);
    cr_assert_eq(sockopt(ls->fd, IPPROTO_TCP, TCP_KEEPCNT), 3);
    cr_assert_neq(sockopt(ls->fd, IPPROTO_TCP, TCP_DEFER_ACCEPT), 0);
    cr_assert(ls->deferred_accept);
    cr_assert_eq(hxt_alerts, 0);

    hx_close_listening_sockets(&hxt_cycle);
}


Test(listening, deferred_wish_on_a_fresh_socket_is_applied)
{
    hx_conf_t         cf;
    hx_listening_t   *ls;

    ls = hxt_listen_loopback(&cf);
    ls->deferred_accept = 1;

    cr_assert_eq(hx_open_listening_sockets(&hxt_cycle), HX_OK);
    hx_configure_listening_sockets(&hxt_cycle);

    cr_assert_neq(sockopt(ls->fd, IPPROTO_TCP, TCP_DEFER_ACCEPT), 0);

    hx_close_listening_sockets(&hxt_cycle);
}


Test(listening, reuseport_sets_so_reuseport)
{
    hx_conf_t         cf;
    hx_listening_t   *ls;

    ls = hxt_listen_loopback(&cf);
    ls->reuseport = 1;

    cr_assert_eq(hx_open_listening_sockets(&hxt_cycle), HX_OK);
    cr_assert_eq(sockopt(ls->fd, SOL_SOCKET, SO_REUSEPORT), 1);

    hx_close_listening_sockets(&hxt_cycle);
}


Test(listening, reuseport_is_cloned_once_per_worker)
{
    hx_conf_t         cf;
    hx_uint_t         i;
    hx_listening_t   *ls;

    hxt_ccf.worker_processes = 4;

    ls = hxt_listen_loopback(&cf);
    ls->reuseport = 1;

    cr_assert_eq(hx_clone_listening(&hxt_cycle, ls), HX_OK);
    cr_assert_eq(hxt_cycle.listening.nelts, 4);

    ls = hxt_cycle.listening.elts;

    for (i = 0; i < 4; i++) {
        cr_assert_eq(ls[i].worker, i);
        cr_assert(ls[i].reuseport);
    }

    /* a clone is not cloned again */

    cr_assert_eq(hx_clone_listening(&hxt_cycle, &ls[2]), HX_OK);
    cr_assert_eq(hxt_cycle.listening.nelts, 4);
}


Test(listening, ipv6only_is_set_on_ipv6_sockets)
{
    hx_conf_t             cf;
    hx_listening_t       *ls;
    struct sockaddr_in6   sin6;

    hx_memzero(&sin6, sizeof(sin6));
    sin6.sin6_family = AF_INET6;
    sin6.sin6_addr = in6addr_loopback;

    hx_memzero(&cf, sizeof(hx_conf_t));
    cf.cycle = &hxt_cycle;
    cf.pool = hxt_cycle.pool;
    cf.log = &hxt_log;

    ls = hx_create_listening(&cf, (struct sockaddr *) &sin6, sizeof(sin6));
    ls->ipv6only = 1;

    if (hx_open_listening_sockets(&hxt_cycle) != HX_OK) {
        cr_skip_test("no IPv6 loopback here");
    }

    cr_assert_eq(sockopt(ls->fd, IPPROTO_IPV6, IPV6_V6ONLY), 1);
    cr_assert_eq(hx_memcmp(ls->addr_text.data, "[::1]:0",
                           ls->addr_text.len), 0);

    hx_close_listening_sockets(&hxt_cycle);
}


Test(listening, address_in_use_is_retried_then_reported_like_nginx,
     .timeout = 20)
{
    int                  busy;
    hx_conf_t            cf;
    socklen_t            len;
    hx_listening_t      *ls;
    struct sockaddr_in   sin;
    char                 msg[128];

    busy = socket(AF_INET, SOCK_STREAM, 0);
    hx_memzero(&sin, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(busy, (struct sockaddr *) &sin, sizeof(sin)), 0);
    cr_assert_eq(listen(busy, 1), 0);

    len = sizeof(sin);
    cr_assert_eq(getsockname(busy, (struct sockaddr *) &sin, &len), 0);

    hx_memzero(&cf, sizeof(hx_conf_t));
    cf.cycle = &hxt_cycle;
    cf.pool = hxt_cycle.pool;
    cf.log = &hxt_log;

    ls = hx_create_listening(&cf, (struct sockaddr *) &sin, sizeof(sin));
    cr_assert_not_null(ls);

    cr_assert_eq(hx_open_listening_sockets(&hxt_cycle), HX_ERROR);
    cr_assert_eq(ls->fd, -1);

    snprintf(msg, sizeof(msg),
             "[emerg] %d#0: bind() to 127.0.0.1:%d failed "
             "(98: Address already in use)",
             (int) getpid(), ntohs(sin.sin_port));

    cr_assert_eq(hxt_logged_count(msg), 5, "%s", hxt_logged);
    cr_assert_eq(hxt_logged_count("[notice]"), 5);
    cr_assert_eq(hxt_logged_count("try again to bind() after 500ms"), 5);
    cr_assert_eq(hxt_logged_count("[emerg] "), 6);
    cr_assert_eq(hxt_logged_count("still could not bind()"), 1);

    close(busy);
}


Test(listening, inherited_sockets_are_read_back)
{
    int                  fd, v;
    hx_listening_t      *ls;
    struct sockaddr_in   sin;

    fd = socket(AF_INET, SOCK_STREAM, 0);
    hx_memzero(&sin, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    v = 1;
    cr_assert_eq(setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &v, sizeof(v)),
                 0);
    cr_assert_eq(setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &v,
                            sizeof(v)), 0);
    cr_assert_eq(bind(fd, (struct sockaddr *) &sin, sizeof(sin)), 0);
    cr_assert_eq(listen(fd, 8), 0);

    ls = hx_array_push(&hxt_cycle.listening);
    hx_memzero(ls, sizeof(hx_listening_t));
    ls->fd = fd;
    ls->inherited = 1;

    cr_assert_eq(hx_set_inherited_sockets(&hxt_cycle), HX_OK);

    cr_assert(!ls->ignore);
    cr_assert_eq(ls->type, SOCK_STREAM);
    cr_assert_eq(ls->sockaddr->sa_family, AF_INET);
    cr_assert(ls->reuseport);
    cr_assert(ls->deferred_accept);
    cr_assert_gt(ls->rcvbuf, 0);
    cr_assert_eq(hx_memcmp(ls->addr_text.data, "127.0.0.1:", 10), 0);

    /* an inherited socket is not opened again */

    cr_assert_eq(hx_open_listening_sockets(&hxt_cycle), HX_OK);
    cr_assert_eq(ls->fd, fd);

    close(fd);
}


Test(listening, a_descriptor_that_is_no_socket_is_ignored)
{
    int               p[2];
    hx_listening_t   *ls;

    cr_assert_eq(pipe(p), 0);

    ls = hx_array_push(&hxt_cycle.listening);
    hx_memzero(ls, sizeof(hx_listening_t));
    ls->fd = p[0];

    cr_assert_eq(hx_set_inherited_sockets(&hxt_cycle), HX_OK);
    cr_assert(ls->ignore);
    cr_assert_eq(hxt_logged_count("getsockname() of the inherited "
                                  "socket"), 1);

    close(p[0]);
    close(p[1]);
}


Test(listening, close_closes_sockets_and_frees_worker_slots)
{
    int               fd;
    hx_conf_t         cf;
    hx_listening_t   *ls;

    ls = hxt_listen_loopback(&cf);
    ls->handler = NULL;
    cr_assert_eq(hx_open_listening_sockets(&hxt_cycle), HX_OK);

    cr_assert_eq(hx_event_process_init(&hxt_cycle), HX_OK);
    cr_assert_not_null(ls->connection);
    cr_assert(ls->connection->read->active);
    cr_assert_eq(hxt_cycle.free_connection_n, 7);

    fd = ls->fd;

    hx_close_listening_sockets(&hxt_cycle);

    cr_assert_eq(hxt_cycle.free_connection_n, 8);
    cr_assert_eq(fcntl(fd, F_GETFD), -1);
    cr_assert_eq(hxt_cycle.listening.nelts, 0);

    hx_event_process_done(&hxt_cycle);
}

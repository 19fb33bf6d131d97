/*
 * Unit tests for event/hx_event_connect.c: a non-blocking connect to a
 * listening socket completes through the write event; one to a closed
 * port fails as HX_DECLINED (or, if the kernel reports it late, through
 * hx_event_connect_test); the balancer's HX_BUSY passes through; a
 * connect timeout arms the write timer; no free slot is HX_ERROR without
 * leaking the socket; datagram peers connect at once.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <criterion/criterion.h>

#include "hx_event_fixture.h"


static volatile hx_uint_t  writable;
static hx_str_t            peer_name = hx_string("127.0.0.1");
static struct sockaddr_in  peer;


static void
on_write(hx_event_t *ev)
{
    (void) ev;
    writable = 1;
}


static hx_int_t
get_busy(hx_peer_connection_t *pc, void *data)
{
    (void) pc;
    (void) data;

    return HX_BUSY;
}


static void
setup(void)
{
    hxt_cycle_init(8);
    cr_assert_eq(hx_event_process_init(&hxt_cycle), HX_OK);

    writable = 0;

    hx_memzero(&peer, sizeof(peer));
    peer.sin_family = AF_INET;
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}


static void
teardown(void)
{
    hx_event_process_done(&hxt_cycle);
}


static void
peer_init(hx_peer_connection_t *pc, in_port_t port)
{
    hx_memzero(pc, sizeof(hx_peer_connection_t));

    peer.sin_port = htons(port);

    pc->sockaddr = (struct sockaddr *) &peer;
    pc->socklen = sizeof(peer);
    pc->name = &peer_name;
    pc->get = hx_event_get_peer;
    pc->log = &hxt_log;
    pc->log_error = HX_ERROR_ERR;
}


/* a port with nothing listening: bound, never listened on */
static in_port_t
closed_port(int *holder)
{
    socklen_t            len;
    struct sockaddr_in   sin;

    *holder = socket(AF_INET, SOCK_STREAM, 0);

    hx_memzero(&sin, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(*holder, (struct sockaddr *) &sin, sizeof(sin)), 0);

    len = sizeof(sin);
    cr_assert_eq(getsockname(*holder, (struct sockaddr *) &sin, &len), 0);

    return ntohs(sin.sin_port);
}


TestSuite(event_connect, .init = setup, .fini = teardown);


Test(event_connect, connect_to_a_listener_completes_through_the_write_event)
{
    int                    a;
    hx_int_t               rc;
    hx_conf_t              cf;
    hx_listening_t        *ls;
    hx_connection_t       *c;
    hx_peer_connection_t   pc;

    ls = hxt_listen_loopback(&cf);
    cr_assert_eq(hx_open_listening_sockets(&hxt_cycle), HX_OK);

    peer_init(&pc, hxt_bound_port(ls));

    rc = hx_event_connect_peer(&pc);

    cr_assert(rc == HX_AGAIN || rc == HX_OK, "rc %d", (int) rc);

    c = pc.connection;
    cr_assert_not_null(c);
    cr_assert(c->read->active && c->write->active,
              "registered for both directions");
    cr_assert(fcntl(c->fd, F_GETFL) & O_NONBLOCK);
    cr_assert(fcntl(c->fd, F_GETFD) & FD_CLOEXEC);
    cr_assert_eq(c->send, hx_io.send);
    cr_assert_gt(c->number, 0);

    c->write->handler = on_write;
    c->read->handler = on_write;

    if (rc == HX_AGAIN) {
        hxt_run_until(&writable, 50);
        cr_assert(writable);
        cr_assert(c->write->ready);
    }

    cr_assert_eq(hx_event_connect_test(c), HX_OK);

    a = accept(ls->fd, NULL, NULL);
    cr_assert_neq(a, -1, "the listener sees the connection");

    cr_assert_eq(hx_unix_send(c, (uint8_t *) "ping", 4), 4);
    cr_assert_eq(hxt_alerts, 0);

    hx_close_connection(c);
    close(a);
    hx_close_listening_sockets(&hxt_cycle);
}


Test(event_connect, connect_to_a_closed_port_is_an_error)
{
    int                    holder;
    hx_int_t               rc;
    hx_connection_t       *c;
    hx_peer_connection_t   pc;

    peer_init(&pc, closed_port(&holder));

    rc = hx_event_connect_peer(&pc);

    if (rc == HX_DECLINED) {
        cr_assert_null(pc.connection);
        cr_assert_eq(hxt_cycle.free_connection_n, 8, "the slot came back");
        cr_assert_eq(hxt_logged_count("[error]"), 1);
        cr_assert_eq(hxt_logged_count("connect() to 127.0.0.1 failed "
                                      "(111: Connection refused)"), 1);
        close(holder);
        return;
    }

    cr_assert_eq(rc, HX_AGAIN, "rc %d", (int) rc);

    c = pc.connection;
    c->write->handler = on_write;
    c->read->handler = on_write;

    hxt_run_until(&writable, 50);
    cr_assert(writable, "the failure is reported as an event");

    cr_assert_eq(hx_event_connect_test(c), HX_ERROR);
    cr_assert_eq(hxt_logged_count("connect() failed (111: Connection "
                                  "refused)"), 1);

    hx_close_connection(c);
    close(holder);
}


Test(event_connect, busy_balancer_passes_through_without_a_socket)
{
    hx_peer_connection_t  pc;

    peer_init(&pc, 1);
    pc.get = get_busy;

    cr_assert_eq(hx_event_connect_peer(&pc), HX_BUSY);
    cr_assert_null(pc.connection);
    cr_assert_eq(hxt_cycle.free_connection_n, 8);
}


Test(event_connect, connect_timeout_arms_the_write_timer)
{
    hx_int_t               rc;
    hx_conf_t              cf;
    hx_listening_t        *ls;
    hx_peer_connection_t   pc;

    ls = hxt_listen_loopback(&cf);
    cr_assert_eq(hx_open_listening_sockets(&hxt_cycle), HX_OK);

    peer_init(&pc, hxt_bound_port(ls));
    pc.connect_timeout = 5000;

    rc = hx_event_connect_peer(&pc);

    if (rc == HX_OK) {
        cr_skip_test("connected at once: no timer needed");
    }

    cr_assert_eq(rc, HX_AGAIN);
    cr_assert(pc.connection->write->timer_set);
    cr_assert_eq(hx_event_find_timer(), 5000);

    /* closing cancels it */

    hx_close_connection(pc.connection);
    cr_assert_eq(hx_event_find_timer(), HX_TIMER_INFINITE);

    hx_close_listening_sockets(&hxt_cycle);
}


Test(event_connect, no_free_slot_is_an_error_without_a_leaked_socket)
{
    int                    fd;
    hx_uint_t              i;
    hx_connection_t       *c[8];
    hx_peer_connection_t   pc;

    for (i = 0; i < 8; i++) {
        c[i] = hx_get_connection(-2, &hxt_log);
    }

    fd = dup(0);
    close(fd);

    peer_init(&pc, 80);

    cr_assert_eq(hx_event_connect_peer(&pc), HX_ERROR);
    cr_assert_null(pc.connection);
    cr_assert_eq(hxt_logged_count("8 worker_connections are not enough"),
                 1);

    cr_assert_eq(dup(0), fd, "the socket was closed again");
    close(fd);

    for (i = 0; i < 8; i++) {
        c[i]->fd = -1;
        hx_free_connection(c[i]);
    }
}


Test(event_connect, datagram_peers_connect_at_once)
{
    int                    u;
    socklen_t              len;
    uint8_t                buf[8];
    hx_connection_t       *c;
    struct sockaddr_in     sin;
    hx_peer_connection_t   pc;

    u = socket(AF_INET, SOCK_DGRAM, 0);
    hx_memzero(&sin, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(u, (struct sockaddr *) &sin, sizeof(sin)), 0);
    len = sizeof(sin);
    cr_assert_eq(getsockname(u, (struct sockaddr *) &sin, &len), 0);

    peer_init(&pc, ntohs(sin.sin_port));
    pc.type = SOCK_DGRAM;

    cr_assert_eq(hx_event_connect_peer(&pc), HX_OK);

    c = pc.connection;
    cr_assert(c->write->ready);
    cr_assert_eq(c->type, SOCK_DGRAM);
    cr_assert_eq(c->recv, hx_io.udp_recv);
    cr_assert_eq(c->send_chain, hx_io.udp_send_chain);

    cr_assert_eq(c->send(c, (uint8_t *) "dns?", 4), 4);
    cr_assert_eq(recv(u, buf, sizeof(buf), 0), 4);

    hx_close_connection(c);
    close(u);
}


Test(event_connect, local_address_is_bound_before_connecting)
{
    int                    a;
    hx_conf_t              cf;
    hx_addr_t              local;
    socklen_t              len;
    hx_listening_t        *ls;
    struct sockaddr_in     sin, got;
    hx_peer_connection_t   pc;
    hx_str_t               name = hx_string("127.0.0.2");

    ls = hxt_listen_loopback(&cf);
    cr_assert_eq(hx_open_listening_sockets(&hxt_cycle), HX_OK);

    hx_memzero(&sin, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(0x7f000002);

    local.sockaddr = (struct sockaddr *) &sin;
    local.socklen = sizeof(sin);
    local.name = name;

    peer_init(&pc, hxt_bound_port(ls));
    pc.local = &local;

    cr_assert_neq(hx_event_connect_peer(&pc), HX_ERROR);
    cr_assert_not_null(pc.connection);

    pc.connection->write->handler = on_write;
    pc.connection->read->handler = on_write;

    hxt_run_until(&writable, 5);

    len = sizeof(got);
    a = accept(ls->fd, (struct sockaddr *) &got, &len);
    cr_assert_neq(a, -1);
    cr_assert_eq(got.sin_addr.s_addr, htonl(0x7f000002),
                 "the upstream sees the proxy_bind address");

    hx_close_connection(pc.connection);
    close(a);
    hx_close_listening_sockets(&hxt_cycle);
}

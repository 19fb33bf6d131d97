/*
 * Unit tests for event/hx_connection.c: the slot pool runs out after
 * worker_connections, says so at most once a second, hands a freed slot
 * out again with its instance bit flipped, reclaims reusable (idle
 * keep-alive) connections when low, and closing a connection deletes its
 * timers and posted events and closes the descriptor.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <criterion/criterion.h>

#include "hx_event_fixture.h"


static hx_uint_t  closed_by_drain;


static void
setup(void)
{
    hxt_cycle_init(4);
    cr_assert_eq(hx_event_process_init(&hxt_cycle), HX_OK);
}


static void
teardown(void)
{
    hx_event_process_done(&hxt_cycle);
}


TestSuite(connection, .init = setup, .fini = teardown);


Test(connection, pool_starts_full)
{
    cr_assert_eq(hxt_cycle.connection_n, 4);
    cr_assert_eq(hxt_cycle.free_connection_n, 4);
}


Test(connection, get_returns_null_once_worker_connections_are_used)
{
    hx_uint_t          i;
    hx_connection_t   *c[4];

    for (i = 0; i < 4; i++) {
        c[i] = hx_get_connection(100 + i, &hxt_log);
        cr_assert_not_null(c[i]);
        cr_assert_eq(c[i]->fd, (hx_fd_t) (100 + i));
        cr_assert_eq(c[i]->read->data, c[i]);
        cr_assert_eq(c[i]->write->data, c[i]);
        cr_assert(c[i]->write->write);
        cr_assert(!c[i]->read->write);
    }

    cr_assert_eq(hxt_cycle.free_connection_n, 0);

    cr_assert_null(hx_get_connection(200, &hxt_log));
    cr_assert_eq(hxt_logged_count("4 worker_connections are not enough"), 1);
    cr_assert_eq(hxt_logged_count("[alert]"), 1);

    /* rate-limited: a flood within the same second logs nothing more */

    for (i = 0; i < 100; i++) {
        cr_assert_null(hx_get_connection(200, &hxt_log));
    }

    cr_assert_eq(hxt_logged_count("worker_connections are not enough"), 1);

    for (i = 0; i < 4; i++) {
        c[i]->fd = -1;
        hx_free_connection(c[i]);
    }
}


Test(connection, freed_slot_is_reused_with_a_new_instance)
{
    hx_uint_t          i, instance;
    hx_connection_t   *c[4], *again;

    for (i = 0; i < 4; i++) {
        c[i] = hx_get_connection(100 + i, &hxt_log);
    }

    instance = c[2]->read->instance;
    c[2]->read->ready = 1;
    c[2]->data = &i;

    hx_free_connection(c[2]);
    cr_assert_eq(hxt_cycle.free_connection_n, 1);

    again = hx_get_connection(300, &hxt_log);

    cr_assert_eq(again, c[2], "the freed slot is the one handed out");
    cr_assert_eq(again->fd, 300);
    cr_assert_neq(again->read->instance, instance,
                  "stale epoll reports for the old fd are recognisable");
    cr_assert_eq(again->write->instance, again->read->instance);
    cr_assert(!again->read->ready, "the events start clean");
    cr_assert_null(again->data);
}


Test(connection, close_connection_closes_fd_and_forgets_timers_and_posts)
{
    int                s[2];
    hx_connection_t   *c;

    hxt_socketpair(s);

    c = hx_get_connection(s[0], &hxt_log);
    cr_assert_not_null(c);
    c->read->log = &hxt_log;
    c->write->log = &hxt_log;

    hx_add_timer(c->read, 1000);
    hx_add_timer(c->write, 2000);
    hx_post_event(c->read, &hx_posted_events);

    hx_close_connection(c);

    cr_assert_eq(c->fd, -1);
    cr_assert(!c->read->timer_set && !c->write->timer_set);
    cr_assert(!c->read->posted);
    cr_assert(hx_queue_empty(&hx_posted_events));
    cr_assert_eq(hx_event_find_timer(), HX_TIMER_INFINITE);
    cr_assert_eq(hxt_cycle.free_connection_n, 4);

    /* the peer sees the close */

    cr_assert_eq(read(s[1], s, 1), 0);
    cr_assert_eq(fcntl(s[0], F_GETFD), -1, "fd is closed");

    close(s[1]);
}


Test(connection, closing_twice_is_reported_not_fatal)
{
    int                s[2];
    hx_connection_t   *c;

    hxt_socketpair(s);

    c = hx_get_connection(s[0], &hxt_log);
    hx_close_connection(c);
    hx_close_connection(c);

    cr_assert_eq(hxt_logged_count("connection already closed"), 1);
    cr_assert_eq(hxt_cycle.free_connection_n, 4);

    close(s[1]);
}


static void
drain_handler(hx_event_t *rev)
{
    hx_connection_t  *c;

    c = rev->data;

    cr_assert(c->close, "a reclaimed connection is asked to close");

    closed_by_drain++;
    hx_close_connection(c);
}


Test(connection, idle_reusable_connections_are_reclaimed_when_slots_run_out)
{
    int                s[4][2];
    hx_uint_t          i;
    hx_connection_t   *c[4], *nc;

    closed_by_drain = 0;

    for (i = 0; i < 4; i++) {
        hxt_socketpair(s[i]);
        c[i] = hx_get_connection(s[i][0], &hxt_log);
        c[i]->read->handler = drain_handler;
        c[i]->read->log = &hxt_log;
    }

    /* the two oldest are idle keep-alive connections */

    hx_reusable_connection(c[0], 1);
    hx_reusable_connection(c[1], 1);
    cr_assert_eq(hxt_cycle.reusable_connections_n, 2);

    nc = hx_get_connection(999, &hxt_log);

    cr_assert_not_null(nc, "a reusable connection made room");
    cr_assert_eq(closed_by_drain, 1);
    cr_assert_eq(nc, c[0], "the oldest reusable one went first");
    cr_assert_eq(hxt_logged_count("worker_connections are not enough, "
                                  "reusing connections"), 1);
    cr_assert_eq(hxt_logged_count("[alert]"), 0);
    cr_assert_eq(hxt_cycle.reusable_connections_n, 1);

    nc->fd = -1;
    hx_free_connection(nc);

    for (i = 1; i < 4; i++) {
        if (c[i]->fd != -1) {
            hx_close_connection(c[i]);
        }

        close(s[i][1]);
    }
}


Test(connection, slots_left_counts_after_reclaiming)
{
    hx_uint_t          i;
    hx_connection_t   *c[4];

    for (i = 0; i < 4; i++) {
        c[i] = hx_get_connection(100 + i, &hxt_log);
    }

    cr_assert_eq(hx_connection_slots_left(&hxt_cycle, &hxt_log), 0);
    cr_assert_eq(hxt_logged_count("worker_connections are not enough"), 1);

    c[3]->fd = -1;
    hx_free_connection(c[3]);

    cr_assert_eq(hx_connection_slots_left(&hxt_cycle, &hxt_log), 1);
}


Test(connection, peer_errors_log_at_info_others_at_alert)
{
    hx_connection_t  *c;

    c = hx_get_connection(100, &hxt_log);
    c->log_error = HX_ERROR_INFO;

    cr_assert_eq(hx_connection_error(c, ECONNRESET, "recv() failed"),
                 HX_ERROR);
    cr_assert_eq(hxt_logged_count("[info]"), 1);
    cr_assert_eq(hxt_logged_count("recv() failed (104: "), 1);

    c->log_error = HX_ERROR_ERR;
    (void) hx_connection_error(c, EPIPE, "send() failed");
    cr_assert_eq(hxt_logged_count("[error]"), 1);

    (void) hx_connection_error(c, EBADF, "send() failed");
    cr_assert_eq(hxt_logged_count("[alert]"), 1);

    c->log_error = HX_ERROR_IGNORE_ECONNRESET;
    cr_assert_eq(hx_connection_error(c, ECONNRESET, "recv() failed"), 0);
    cr_assert_eq(hxt_logged_count("recv() failed"), 1);

    c->fd = -1;
    hx_free_connection(c);
}


Test(connection, local_sockaddr_of_a_wildcard_listener_is_looked_up)
{
    int                  s, a;
    uint8_t              text[HX_SOCKADDR_STRLEN];
    hx_str_t             addr;
    socklen_t            len;
    hx_conf_t            cf;
    hx_listening_t      *ls;
    hx_connection_t     *c;
    struct sockaddr_in   any;

    ls = hxt_listen_loopback(&cf);
    cr_assert_eq(hx_open_listening_sockets(&hxt_cycle), HX_OK);

    s = hxt_connect(hxt_bound_port(ls));

    len = sizeof(any);
    a = accept(ls->fd, (struct sockaddr *) &any, &len);
    cr_assert_neq(a, -1);

    /* pretend the listener was 0.0.0.0 */

    hx_memzero(&any, sizeof(any));
    any.sin_family = AF_INET;

    c = hx_get_connection(a, &hxt_log);
    c->pool = hxt_cycle.pool;
    c->local_sockaddr = (struct sockaddr *) &any;
    c->local_socklen = sizeof(any);

    addr.data = text;
    addr.len = sizeof(text);

    cr_assert_eq(hx_connection_local_sockaddr(c, &addr, 0), HX_OK);
    cr_assert_eq(addr.len, sizeof("127.0.0.1") - 1);
    cr_assert_eq(hx_memcmp(addr.data, "127.0.0.1", addr.len), 0);

    cr_assert_eq(hx_tcp_nodelay(c), HX_OK);
    cr_assert_eq(c->tcp_nodelay, HX_TCP_NODELAY_SET);

    hx_close_connection(c);
    close(s);
}

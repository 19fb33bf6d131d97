/*
 * Unit tests for event/hx_epoll_module.c, driven through the loop
 * (hx_process_events_and_timers) over socketpairs: readiness reaches the
 * handler once per edge, the ready bit survives until the handler drains,
 * a peer close is seen as pending EOF, a slot reused within an iteration
 * drops the old descriptor's stale report, level-triggered events repeat,
 * reports of connections the worker opened (backends) run before those
 * of accepted ones, and the notify eventfd wakes the loop.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <criterion/criterion.h>

#include "hx_event_fixture.h"


static hx_uint_t          nread, nwrite;
static volatile hx_uint_t  done;
static hx_connection_t   *victim;
static hx_connection_t   *replacement;


static void
setup(void)
{
    hxt_cycle_init(16);
    cr_assert_eq(hx_event_process_init(&hxt_cycle), HX_OK);

    nread = 0;
    nwrite = 0;
    done = 0;
}


static void
teardown(void)
{
    hx_event_process_done(&hxt_cycle);
}


static void
count_read(hx_event_t *ev)
{
    nread++;
    done = 1;
    (void) ev;
}


static void
count_write(hx_event_t *ev)
{
    nwrite++;
    (void) ev;
}


static hx_connection_t *
watch(int fd)
{
    hx_connection_t  *c;

    c = hx_get_connection(fd, &hxt_log);
    cr_assert_not_null(c);

    c->read->log = &hxt_log;
    c->write->log = &hxt_log;
    c->read->handler = count_read;
    c->write->handler = count_write;

    return c;
}


TestSuite(epoll, .init = setup, .fini = teardown);


Test(epoll, the_backend_is_epoll)
{
    cr_assert(hx_event_flags & HX_USE_EPOLL_EVENT);
    cr_assert(hx_event_flags & HX_USE_CLEAR_EVENT);
    cr_assert_not_null(hx_event_actions.process_events);
    cr_assert(hx_use_epoll_rdhup, "this kernel reports EPOLLRDHUP");
}


Test(epoll, edge_triggered_read_fires_once_per_arrival)
{
    int                s[2];
    uint8_t            buf[16];
    hx_connection_t   *c;

    hxt_socketpair(s);
    c = watch(s[0]);

    cr_assert_eq(hx_add_conn(c), HX_OK);
    cr_assert(c->read->active && c->write->active);

    cr_assert_eq(write(s[1], "abc", 3), 3);

    hxt_run_until(&done, 20);

    cr_assert_eq(nread, 1);
    cr_assert(c->read->ready);
    cr_assert_eq(nwrite, 1, "a new socket reports writable once");
    cr_assert(c->write->ready);

    /* nothing read yet, no new data: no new report */

    done = 0;
    hxt_run_until(&done, 3);
    cr_assert_eq(nread, 1);
    cr_assert_eq(nwrite, 1);

    /* the handler's job: read until the ready bit drops */

    cr_assert_eq(hx_unix_recv(c, buf, sizeof(buf)), 3);
    cr_assert(!c->read->ready, "a short read drains the socket");
    cr_assert_eq(hx_unix_recv(c, buf, sizeof(buf)), HX_AGAIN);

    cr_assert_eq(write(s[1], "d", 1), 1);

    done = 0;
    hxt_run_until(&done, 20);
    cr_assert_eq(nread, 2);

    hx_close_connection(c);
    close(s[1]);
}


Test(epoll, peer_close_is_reported_as_pending_eof)
{
    int                s[2];
    uint8_t            buf[16];
    hx_connection_t   *c;

    hxt_socketpair(s);
    c = watch(s[0]);
    cr_assert_eq(hx_add_conn(c), HX_OK);

    close(s[1]);

    hxt_run_until(&done, 20);

    cr_assert_eq(nread, 1);
    cr_assert(c->read->pending_eof);

    cr_assert_eq(hx_unix_recv(c, buf, sizeof(buf)), 0);
    cr_assert(c->read->eof);
    cr_assert(!c->read->ready);

    hx_close_connection(c);
}


Test(epoll, handle_read_event_arms_an_unregistered_socket_once)
{
    int                s[2];
    hx_connection_t   *c;

    hxt_socketpair(s);
    c = watch(s[0]);

    cr_assert_eq(hx_handle_read_event(c->read, 0), HX_OK);
    cr_assert(c->read->active);
    cr_assert(!c->write->active);

    /* already active: a second call must not re-add (EEXIST) */

    cr_assert_eq(hx_handle_read_event(c->read, 0), HX_OK);
    cr_assert_eq(hxt_logged_count("epoll_ctl"), 0);

    cr_assert_eq(write(s[1], "x", 1), 1);
    hxt_run_until(&done, 20);

    cr_assert_eq(nread, 1);
    cr_assert_eq(nwrite, 0, "write was never asked for");

    cr_assert_eq(hx_handle_write_event(c->write, 0), HX_OK);
    cr_assert(c->write->active);

    done = 0;
    hxt_run_until(&done, 3);
    cr_assert_eq(nwrite, 1);

    hx_close_connection(c);
    close(s[1]);
}


static hx_connection_t  *pair[2];


static void
close_other(hx_event_t *ev)
{
    hx_connection_t  *other;

    nread++;

    /*
     * close the other connection and reuse its slot at once for a new
     * descriptor: its report, already fetched by epoll_wait(), is stale
     */

    other = (ev->data == pair[0]) ? pair[1] : pair[0];
    victim = other;

    hx_close_connection(other);

    replacement = hx_get_connection(dup(0), &hxt_log);
    cr_assert_eq(replacement, other, "the free list is LIFO");

    replacement->read->log = &hxt_log;
    replacement->read->handler = count_read;
    replacement->read->active = 1;
}


static void
reuse_race(hx_uint_t flags)
{
    int  a[2], b[2];

    hxt_socketpair(a);
    hxt_socketpair(b);

    pair[0] = watch(a[0]);
    pair[1] = watch(b[0]);

    cr_assert_eq(hx_add_conn(pair[0]), HX_OK);
    cr_assert_eq(hx_add_conn(pair[1]), HX_OK);

    /* let the initial writable reports pass */

    hxt_run_until(&done, 2);
    cr_assert_eq(nread, 0);

    pair[0]->read->handler = close_other;
    pair[1]->read->handler = close_other;

    cr_assert_eq(write(a[1], "x", 1), 1);
    cr_assert_eq(write(b[1], "y", 1), 1);

    (void) hx_process_events(&hxt_cycle, 1000, flags);
    hx_event_process_posted(&hxt_cycle, &hx_posted_peer_events);
    hx_event_process_posted(&hxt_cycle, &hx_posted_events);

    cr_assert_eq(nread, 1, "the stale report ran no handler");
    cr_assert(!replacement->read->ready);

    close(replacement->fd);
    replacement->fd = -1;
    hx_free_connection(replacement);

    hx_close_connection(victim == pair[0] ? pair[1] : pair[0]);

    close(a[1]);
    close(b[1]);
}


Test(epoll, instance_bit_drops_a_report_for_a_slot_reused_meanwhile)
{
    /* handlers run inside the backend: only the instance bit protects */
    reuse_race(HX_UPDATE_TIME);
}


Test(epoll, closing_unposts_the_report_of_a_slot_reused_meanwhile)
{
    /* handlers run from the posted queue: closing unqueues the report */
    reuse_race(HX_UPDATE_TIME|HX_POST_EVENTS);
}


Test(epoll, level_triggered_events_repeat_until_drained)
{
    int                s[2];
    char               c1;
    hx_connection_t   *c;

    hxt_socketpair(s);
    c = watch(s[0]);

    cr_assert_eq(hx_add_event(c->read, HX_READ_EVENT, HX_LEVEL_EVENT),
                 HX_OK);

    cr_assert_eq(write(s[1], "xy", 2), 2);

    hxt_iterate();
    hxt_iterate();
    cr_assert_eq(nread, 2, "still readable: reported again");

    cr_assert_eq(read(s[0], &c1, 1), 1);
    cr_assert_eq(read(s[0], &c1, 1), 1);

    done = 0;
    nread = 0;
    hxt_run_until(&done, 2);
    cr_assert_eq(nread, 0);

    cr_assert_eq(hx_del_event(c->read, HX_READ_EVENT, 0), HX_OK);
    cr_assert(!c->read->active);

    hx_close_connection(c);
    close(s[1]);
}


static hx_connection_t  *order[2];
static hx_uint_t          norder;


static void
note_order(hx_event_t *ev)
{
    if (norder < 2) {
        order[norder++] = ev->data;
    }
}


Test(epoll, reports_of_connections_the_worker_opened_run_first)
{
    int                a[2], b[2];
    hx_listening_t     ls;
    hx_connection_t   *client, *backend;

    hx_memzero(&ls, sizeof(hx_listening_t));

    hxt_socketpair(a);
    hxt_socketpair(b);

    /* an accepted connection first in epoll's order, then a backend */

    client = watch(a[0]);
    client->listening = &ls;
    backend = watch(b[0]);

    cr_assert_eq(hx_add_conn(client), HX_OK);
    cr_assert_eq(hx_add_conn(backend), HX_OK);

    hxt_run_until(&done, 2);

    client->read->handler = note_order;
    backend->read->handler = note_order;
    norder = 0;

    cr_assert_eq(write(a[1], "x", 1), 1);
    cr_assert_eq(write(b[1], "y", 1), 1);

    hx_process_events_and_timers(&hxt_cycle);

    cr_assert_eq(norder, 2);
    cr_assert_eq(order[0], backend, "the backend's response runs first");
    cr_assert_eq(order[1], client);

    client->listening = NULL;
    hx_close_connection(client);
    hx_close_connection(backend);
    close(a[1]);
    close(b[1]);
}


static void
notified(hx_event_t *ev)
{
    (void) ev;
    done = 1;
}


Test(epoll, notify_wakes_the_loop)
{
    hx_event_t  t;

    cr_assert_not_null(hx_notify);

    /* a far timer: without the notify the loop would sleep 10 s */

    hx_memzero(&t, sizeof(hx_event_t));
    t.log = &hxt_log;
    t.handler = notified;
    hx_add_timer(&t, 10000);

    cr_assert_eq(hx_notify(notified), HX_OK);

    hx_process_events_and_timers(&hxt_cycle);

    cr_assert(done);
    cr_assert(t.timer_set, "woken by the notify, not the timer");

    hx_del_timer(&t);
}


static void
timed_out(hx_event_t *ev)
{
    cr_assert(ev->timedout);
    done = 1;
}


Test(epoll, the_loop_sleeps_until_the_nearest_timer)
{
    hx_msec_t   start;
    hx_event_t  t;

    hx_memzero(&t, sizeof(hx_event_t));
    t.log = &hxt_log;
    t.handler = timed_out;

    hx_time_update();
    start = hx_current_msec;

    hx_add_timer(&t, 100);

    while (!done) {
        hx_process_events_and_timers(&hxt_cycle);
    }

    cr_assert_geq(hx_current_msec - start, 100);
    cr_assert_lt(hx_current_msec - start, 1000);
}

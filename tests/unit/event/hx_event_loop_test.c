/*
 * Unit tests for event/hx_event_loop.c: one iteration runs accepts, then
 * due timers, then other I/O; events posted from outside the loop run
 * without sleeping; the master's pool watches plain descriptors
 * (level-triggered, fd kept on removal) and moves to a new cycle on
 * reload with its registrations intact.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <criterion/criterion.h>

#include "hx_event_fixture.h"


static char                order[8];
static hx_uint_t           norder;
static volatile hx_uint_t  done;
static hx_uint_t           nread;


static void
note(char what)
{
    order[norder++] = what;
    order[norder] = '\0';
}


static void
on_accept(hx_connection_t *c)
{
    note('A');

    hx_close_connection(c);
    hx_destroy_pool(c->pool);
}


static void
on_timer(hx_event_t *ev)
{
    (void) ev;
    note('T');
}


static void
on_read(hx_event_t *ev)
{
    (void) ev;
    note('R');
}


TestSuite(event_loop);


Test(event_loop, accepts_run_before_timers_before_other_io)
{
    int               s[2], client;
    hx_conf_t         cf;
    hx_event_t        t;
    hx_listening_t   *ls;
    hx_connection_t  *c;

    hxt_cycle_init(8);

    ls = hxt_listen_loopback(&cf);
    ls->handler = on_accept;
    cr_assert_eq(hx_open_listening_sockets(&hxt_cycle), HX_OK);
    cr_assert_eq(hx_event_process_init(&hxt_cycle), HX_OK);

    hxt_socketpair(s);
    c = hx_get_connection(s[0], &hxt_log);
    c->read->log = &hxt_log;
    c->read->handler = on_read;
    cr_assert_eq(hx_add_event(c->read, HX_READ_EVENT, HX_CLEAR_EVENT),
                 HX_OK);

    /* all three are due at once: data, a connection, an expired timer */

    cr_assert_eq(write(s[1], "x", 1), 1);
    client = hxt_connect(hxt_bound_port(ls));

    hx_memzero(&t, sizeof(hx_event_t));
    t.log = &hxt_log;
    t.handler = on_timer;
    hx_add_timer(&t, 0);

    norder = 0;
    hx_process_events_and_timers(&hxt_cycle);

    cr_assert_str_eq(order, "ATR");

    hx_close_connection(c);
    close(s[1]);
    close(client);
    hx_event_process_done(&hxt_cycle);
}


static void
posted_handler(hx_event_t *ev)
{
    (void) ev;
    done = 1;
}


Test(event_loop, events_posted_from_outside_run_without_sleeping,
     .timeout = 5)
{
    hx_event_t  far, ev;

    hxt_cycle_init(8);
    cr_assert_eq(hx_event_process_init(&hxt_cycle), HX_OK);

    /* without the posted event the loop would sleep an hour */

    hx_memzero(&far, sizeof(hx_event_t));
    far.log = &hxt_log;
    far.handler = on_timer;
    hx_add_timer(&far, 3600 * 1000);

    hx_memzero(&ev, sizeof(hx_event_t));
    ev.log = &hxt_log;
    ev.handler = posted_handler;
    hx_post_event(&ev, &hx_posted_events);

    done = 0;
    hx_process_events_and_timers(&hxt_cycle);

    cr_assert(done);

    hx_del_timer(&far);
    hx_event_process_done(&hxt_cycle);
}


static void
read_one(hx_event_t *ev)
{
    char              ch;
    hx_connection_t  *c;

    c = ev->data;

    cr_assert_eq(c->data, &nread, "c->data is the watcher's data");

    if (read(c->fd, &ch, 1) == 1) {
        nread++;
    }

    done = 1;
}


Test(event_loop, master_watches_plain_descriptors_level_triggered)
{
    int                p[2];
    hx_uint_t          i;
    hx_connection_t   *c;

    hxt_cycle_init(8);

    cr_assert_eq(hx_event_master_init(&hxt_cycle), HX_OK);
    cr_assert_eq(hxt_cycle.connection_n, HX_EVENT_MASTER_CONNECTIONS);
    cr_assert_eq(hxt_cycle.free_connection_n, HX_EVENT_MASTER_CONNECTIONS);

    cr_assert_eq(pipe2(p, O_NONBLOCK), 0);

    nread = 0;
    c = hx_event_add_fd(p[0], read_one, &nread, &hxt_log);
    cr_assert_not_null(c);
    cr_assert_eq(c->fd, p[0]);

    cr_assert_eq(write(p[1], "abc", 3), 3);

    /* one byte per call: level triggering reports the rest again */

    for (i = 0; i < 10 && nread < 3; i++) {
        hxt_iterate();
    }

    cr_assert_eq(nread, 3);

    hx_event_del_fd(c);

    cr_assert_eq(hxt_cycle.free_connection_n, HX_EVENT_MASTER_CONNECTIONS);
    cr_assert_neq(fcntl(p[0], F_GETFD), -1, "the caller keeps the fd");

    /* no longer watched */

    cr_assert_eq(write(p[1], "d", 1), 1);

    done = 0;
    hxt_iterate();
    cr_assert_eq(nread, 3);

    close(p[0]);
    close(p[1]);
}


Test(event_loop, master_pool_and_watches_survive_a_reload)
{
    int                p[2];
    hx_cycle_t         reloaded;
    hx_connection_t   *c;

    hxt_cycle_init(8);

    cr_assert_eq(hx_event_master_init(&hxt_cycle), HX_OK);

    cr_assert_eq(pipe2(p, O_NONBLOCK), 0);

    nread = 0;
    c = hx_event_add_fd(p[0], read_one, &nread, &hxt_log);
    cr_assert_not_null(c);

    /* the new cycle of a reload, as hx_init_cycle() leaves it */

    reloaded = hxt_cycle;
    reloaded.connections = NULL;
    reloaded.read_events = NULL;
    reloaded.write_events = NULL;
    reloaded.free_connections = NULL;
    reloaded.free_connection_n = 0;
    reloaded.connection_n = 1024;

    hx_cycle = &reloaded;
    cr_assert_eq(hx_event_master_init(&reloaded), HX_OK);

    cr_assert_eq(reloaded.connections, hxt_cycle.connections);
    cr_assert_eq(reloaded.connection_n, HX_EVENT_MASTER_CONNECTIONS);
    cr_assert_eq(reloaded.free_connection_n,
                 HX_EVENT_MASTER_CONNECTIONS - 1);

    cr_assert_eq(write(p[1], "z", 1), 1);

    done = 0;
    hx_process_events_and_timers(&reloaded);
    cr_assert_eq(nread, 1, "the watch still works");

    hx_event_del_fd(c);
    cr_assert_eq(reloaded.free_connection_n, HX_EVENT_MASTER_CONNECTIONS);

    close(p[0]);
    close(p[1]);
}


static void
worker_child(void)
{
    int                s[2];
    hx_connection_t   *c;

    /* a forked worker: its own epoll instance and pool */

    hxt_ecf->connections = 16;

    if (hx_event_process_init(&hxt_cycle) != HX_OK) {
        _exit(2);
    }

    if (hxt_cycle.connection_n != 16 || hxt_cycle.free_connection_n != 16) {
        _exit(3);
    }

    if (hx_event_find_timer() != HX_TIMER_INFINITE) {
        _exit(4);   /* the master's timers are not the worker's */
    }

    if (socketpair(AF_UNIX, SOCK_STREAM|SOCK_NONBLOCK, 0, s) != 0) {
        _exit(5);
    }

    c = hx_get_connection(s[0], &hxt_log);
    c->read->log = &hxt_log;
    c->write->log = &hxt_log;
    c->read->handler = posted_handler;
    c->write->handler = on_timer;

    if (hx_add_conn(c) != HX_OK) {
        _exit(6);
    }

    if (write(s[1], "w", 1) != 1) {
        _exit(7);
    }

    done = 0;
    hxt_run_until(&done, 20);

    _exit(done ? 0 : 8);
}


Test(event_loop, a_forked_worker_starts_its_own_loop)
{
    int                p[2], status;
    pid_t              pid;
    hx_event_t         t;
    hx_connection_t   *c;

    hxt_cycle_init(8);

    cr_assert_eq(hx_event_master_init(&hxt_cycle), HX_OK);

    cr_assert_eq(pipe2(p, O_NONBLOCK), 0);
    c = hx_event_add_fd(p[0], read_one, &nread, &hxt_log);
    cr_assert_not_null(c);

    hx_memzero(&t, sizeof(hx_event_t));
    t.log = &hxt_log;
    t.handler = on_timer;
    hx_add_timer(&t, 100000);

    pid = fork();
    cr_assert_neq(pid, -1);

    if (pid == 0) {
        worker_child();
    }

    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status));
    cr_assert_eq(WEXITSTATUS(status), 0);

    /* the master's loop is unaffected */

    nread = 0;
    cr_assert_eq(write(p[1], "m", 1), 1);
    hxt_iterate();
    cr_assert_eq(nread, 1);
    cr_assert(t.timer_set);

    hx_del_timer(&t);
    hx_event_del_fd(c);
    close(p[0]);
    close(p[1]);
}


static hx_uint_t  accepted_on_new;


static void
on_accept_new(hx_connection_t *c)
{
    accepted_on_new++;
    done = 1;

    hx_close_connection(c);
    hx_destroy_pool(c->pool);
}


Test(event_loop, a_reload_without_master_keeps_the_running_loop)
{
    int                s[2], client;
    hx_conf_t          cf;
    hx_event_t         t;
    hx_cycle_t         next;
    hx_listening_t    *kept, *gone, *nls;
    hx_connection_t   *c;

    /* the first configuration: two listeners, a connection, a timer */

    hxt_cycle_init(8);

    kept = hxt_listen_loopback(&cf);
    gone = hxt_listen_loopback(&cf);
    cr_assert_eq(hx_open_listening_sockets(&hxt_cycle), HX_OK);
    cr_assert_eq(hx_event_process_init(&hxt_cycle), HX_OK);
    cr_assert_eq(hxt_cycle.free_connection_n, 6);

    hxt_socketpair(s);
    c = hx_get_connection(s[0], &hxt_log);
    c->read->log = &hxt_log;
    c->read->handler = on_read;

    hx_memzero(&t, sizeof(hx_event_t));
    t.log = &hxt_log;
    t.handler = on_timer;
    hx_add_timer(&t, 100000);

    /*
     * the reloaded configuration keeps the first address and drops the
     * second, as hx_init_cycle() leaves them: the kept socket is marked
     * remain, the dropped one is closed
     */

    next = hxt_cycle;
    next.connections = NULL;
    next.free_connections = NULL;
    next.free_connection_n = 0;
    next.old_cycle = &hxt_cycle;

    cr_assert_eq(hx_array_init(&next.listening, hxt_cycle.pool, 2,
                               sizeof(hx_listening_t)), HX_OK);

    nls = hx_array_push(&next.listening);
    *nls = *kept;
    nls->connection = NULL;
    nls->previous = kept;
    nls->handler = on_accept_new;
    kept->remain = 1;

    close(gone->fd);
    gone->fd = -1;

    hx_cycle = &next;

    cr_assert_eq(hx_event_process_init(&next), HX_OK);

    cr_assert_eq(next.connections, hxt_cycle.connections, "the pool moved");
    cr_assert_eq(next.free_connection_n, 8 - 1 - 1,
                 "old listeners' slots came back, the kept one has one");
    cr_assert_not_null(nls->connection);
    cr_assert(nls->connection->read->active);
    cr_assert(t.timer_set, "running timers survive");
    cr_assert_eq(hx_event_find_timer() > 90000, 1);
    cr_assert_eq(c->fd, s[0], "open connections survive");
    cr_assert_eq(hxt_alerts, 0, "%s", hxt_logged);

    /* the kept socket accepts through its new slot and new handler */

    client = hxt_connect(hxt_bound_port(nls));

    done = 0;
    accepted_on_new = 0;
    hxt_run_until(&done, 20);

    cr_assert_eq(accepted_on_new, 1);
    cr_assert_eq(hxt_alerts, 0, "%s", hxt_logged);

    hx_del_timer(&t);
    hx_close_connection(c);
    close(s[1]);
    close(client);
}

/*
 * Unit tests for event/hx_event_accept.c with a hand-built cycle and a
 * listening socket on 127.0.0.1:0: an accepted connection reaches the
 * listener's handler fully set up; multi_accept drains the backlog in one
 * pass; running out of slots pauses accepting (one alert, no crash) and a
 * freed slot resumes it; EMFILE backs off and recovers; debug_connection
 * raises the log level of matching clients.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <criterion/criterion.h>

#include "hx_event_fixture.h"


static hx_connection_t    *accepted[16];
static volatile hx_uint_t  naccepted;
static hx_listening_t     *ls;
static in_port_t           port;


static void
keep_connection(hx_connection_t *c)
{
    accepted[naccepted++] = c;
}


static void
close_accepted(hx_uint_t i)
{
    hx_pool_t  *pool;

    pool = accepted[i]->pool;
    hx_close_connection(accepted[i]);
    hx_destroy_pool(pool);
}


static void
start(hx_uint_t connections)
{
    hx_conf_t  cf;

    hxt_cycle_init(connections);

    naccepted = 0;

    ls = hxt_listen_loopback(&cf);
    ls->handler = keep_connection;
    ls->addr_ntop = 1;

    cr_assert_eq(hx_open_listening_sockets(&hxt_cycle), HX_OK);
    hx_configure_listening_sockets(&hxt_cycle);

    port = hxt_bound_port(ls);

    cr_assert_eq(hx_event_process_init(&hxt_cycle), HX_OK);
}


/* loops until n connections were accepted (or gives up) */
static void
accept_until(hx_uint_t n, hx_uint_t iterations)
{
    hx_uint_t  i;

    for (i = 0; i < iterations && naccepted < n; i++) {
        hxt_iterate();
    }
}


Test(event_accept, listening_socket_is_armed_for_accept)
{
    start(8);

    cr_assert_not_null(ls->connection);
    cr_assert(ls->connection->read->accept);
    cr_assert(ls->connection->read->active);
    cr_assert_eq(ls->connection->read->handler, hx_event_accept);
}


Test(event_accept, accepted_connection_reaches_the_handler_set_up)
{
    int                   s;
    hx_connection_t      *c;
    struct sockaddr_in   *sin;

    start(8);

    s = hxt_connect(port);

    accept_until(1, 50);

    cr_assert_eq(naccepted, 1);

    c = accepted[0];

    cr_assert_neq(c->fd, -1);
    cr_assert(fcntl(c->fd, F_GETFL) & O_NONBLOCK);
    cr_assert(fcntl(c->fd, F_GETFD) & FD_CLOEXEC);
    cr_assert_eq(c->listening, ls);
    cr_assert_eq(c->type, SOCK_STREAM);
    cr_assert_not_null(c->pool);
    cr_assert_eq(c->pool->log, c->log);

    sin = (struct sockaddr_in *) c->sockaddr;
    cr_assert_eq(sin->sin_family, AF_INET);
    cr_assert_eq(sin->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    cr_assert_eq(c->addr_text.len, sizeof("127.0.0.1") - 1);
    cr_assert_eq(hx_memcmp(c->addr_text.data, "127.0.0.1", 9), 0);
    cr_assert_eq(c->local_sockaddr, ls->sockaddr);

    cr_assert_gt(c->number, 0);
    cr_assert_eq(c->log->connection, c->number, "lines carry *N");
    cr_assert_neq(c->log, &ls->log, "each connection has its own log");

    cr_assert_eq(c->recv, hx_io.recv);
    cr_assert_eq(c->send, hx_io.send);
    cr_assert_eq(c->send_chain, hx_io.send_chain);

    cr_assert(c->write->ready, "a new socket is writable");
    cr_assert(!c->read->ready);
    cr_assert(!c->read->active, "the handler decides when to register");
    cr_assert_eq(c->read->log, c->log);

    cr_assert_eq(hxt_cycle.free_connection_n, 8 - 2);

    close_accepted(0);
    close(s);
}


Test(event_accept, connection_numbers_increase)
{
    int  s1, s2;

    start(8);

    s1 = hxt_connect(port);
    s2 = hxt_connect(port);

    accept_until(2, 50);

    cr_assert_eq(naccepted, 2);
    cr_assert_eq(accepted[1]->number, accepted[0]->number + 1);

    close_accepted(0);
    close_accepted(1);
    close(s1);
    close(s2);
}


Test(event_accept, without_multi_accept_one_connection_per_report)
{
    int  s[3];

    start(8);

    s[0] = hxt_connect(port);
    s[1] = hxt_connect(port);
    s[2] = hxt_connect(port);

    hxt_iterate();
    cr_assert_eq(naccepted, 1);

    /* level-triggered: the backlog is reported again */

    accept_until(3, 50);
    cr_assert_eq(naccepted, 3);

    close_accepted(0);
    close_accepted(1);
    close_accepted(2);
    close(s[0]);
    close(s[1]);
    close(s[2]);
}


Test(event_accept, multi_accept_drains_the_backlog_in_one_pass)
{
    int  s[3];

    start(8);
    hxt_ecf->multi_accept = 1;

    s[0] = hxt_connect(port);
    s[1] = hxt_connect(port);
    s[2] = hxt_connect(port);

    hxt_iterate();
    cr_assert_eq(naccepted, 3);

    close_accepted(0);
    close_accepted(1);
    close_accepted(2);
    close(s[0]);
    close(s[1]);
    close(s[2]);
}


Test(event_accept, exhausted_slots_pause_accepting_until_one_frees)
{
    int        s[4];
    time_t     first;
    hx_uint_t  i;

    /* one slot for the listener, two for clients */

    start(3);
    hxt_ecf->multi_accept = 1;

    for (i = 0; i < 4; i++) {
        s[i] = hxt_connect(port);
    }

    accept_until(2, 20);

    first = hx_time();

    /* paused: further iterations neither accept nor log */

    for (i = 0; i < 3; i++) {
        hxt_iterate();
    }

    cr_assert_eq(naccepted, 2);
    cr_assert_eq(hxt_cycle.free_connection_n, 0);
    cr_assert(hx_event_accept_paused);
    cr_assert(!ls->connection->read->active,
              "the rest wait in the kernel's backlog");
    cr_assert_eq(hxt_logged_count("[alert]"), 1);
    cr_assert_eq(hxt_logged_count("3 worker_connections are not enough"),
                 1, "%s", hxt_logged);

    /* the clients left in the backlog were not accepted and dropped */

    cr_assert_eq(recv(s[2], &i, 1, MSG_DONTWAIT), -1);
    cr_assert_eq(errno, EAGAIN);

    close_accepted(0);

    accept_until(3, 20);

    cr_assert_eq(naccepted, 3, "a freed slot resumes accepting");

    close_accepted(1);

    accept_until(4, 20);

    cr_assert_eq(naccepted, 4);
    cr_assert_leq(hxt_logged_count("[alert]"), 1 + (hx_time() - first),
                  "at most one alert a second");

    close_accepted(2);
    close_accepted(3);

    for (i = 0; i < 4; i++) {
        close(s[i]);
    }
}


Test(event_accept, emfile_backs_off_and_recovers, .timeout = 10)
{
    int            s, fd;
    struct rlimit  rl, low;

    start(8);
    hxt_ecf->accept_mutex_delay = 50;

    s = hxt_connect(port);

    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);

    /* no descriptor can be created above the lowest free one */

    fd = dup(0);
    close(fd);

    low = rl;
    low.rlim_cur = (rlim_t) fd;
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);

    hxt_iterate();

    cr_assert_eq(naccepted, 0);
    cr_assert_eq(hxt_logged_count("[crit]"), 1);
    cr_assert_eq(hxt_logged_count("accept4() failed (24: Too many open "
                                  "files)"), 1, "%s", hxt_logged);
    cr_assert(!ls->connection->read->active, "accepting is off");
    cr_assert(ls->connection->read->timer_set, "and will come back");

    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);

    accept_until(1, 50);

    cr_assert_eq(naccepted, 1);
    cr_assert(ls->connection->read->active);
    cr_assert_eq(hxt_alerts, 0);

    close_accepted(0);
    close(s);
}


Test(event_accept, deferred_accept_marks_the_connection_readable)
{
    int  s;

    start(8);

    ls->connection->read->deferred_accept = 1;

    s = hxt_connect(port);
    accept_until(1, 50);

    cr_assert_eq(naccepted, 1);
    cr_assert(accepted[0]->read->ready);

    close_accepted(0);
    close(s);
}


#if (HX_DEBUG)

Test(event_accept, debug_connection_raises_the_level_for_matching_clients)
{
    int         s1, s2;
    hx_str_t    all = hx_string("127.0.0.0/8");
    hx_str_t    other = hx_string("10.0.0.1");
    hx_cidr_t  *cidr;

    start(8);

    cidr = hx_array_push(&hxt_ecf->debug_connection);
    cr_assert_eq(hx_ptocidr(&other, cidr), HX_OK);

    s1 = hxt_connect(port);
    accept_until(1, 50);

    cr_assert_eq(naccepted, 1);
    cr_assert_eq(accepted[0]->log->log_level & HX_LOG_DEBUG_CONNECTION, 0);

    cidr = hx_array_push(&hxt_ecf->debug_connection);
    cr_assert_eq(hx_ptocidr(&all, cidr), HX_OK);

    s2 = hxt_connect(port);
    accept_until(2, 50);

    cr_assert_eq(naccepted, 2);
    cr_assert(accepted[1]->log->log_level & HX_LOG_DEBUG_CONNECTION);
    cr_assert_eq(hxt_log.log_level, HX_LOG_INFO,
                 "the listener's log is untouched");

    close_accepted(0);
    close_accepted(1);
    close(s1);
    close(s2);
}

#endif


Test(event_accept, disable_and_enable_toggle_every_listener)
{
    start(8);

    cr_assert_eq(hx_disable_accept_events(&hxt_cycle, 1), HX_OK);
    cr_assert(!ls->connection->read->active);

    cr_assert_eq(hx_enable_accept_events(&hxt_cycle), HX_OK);
    cr_assert(ls->connection->read->active);

    /* enabling twice must not re-add (EEXIST would be an alert) */

    cr_assert_eq(hx_enable_accept_events(&hxt_cycle), HX_OK);
    cr_assert_eq(hxt_alerts, 0);
}


Test(event_accept, udp_listeners_stay_armed_when_slots_run_out)
{
    start(8);

    /*
     * Enabling re-arms stream listeners only, so a datagram listener that
     * disabling took away would stay deaf for good.
     */
    ls->type = SOCK_DGRAM;

    cr_assert_eq(hx_disable_accept_events(&hxt_cycle, 1), HX_OK);
    cr_assert(ls->connection->read->active);

    ls->type = SOCK_STREAM;
}

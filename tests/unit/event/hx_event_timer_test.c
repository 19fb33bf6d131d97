/*
 * Unit tests for event/hx_event_timer.c: timers expire in deadline order
 * against a fake clock (hx_current_msec set by hand), deletion, the lazy
 * re-arm, the nearest-deadline query and the graceful-exit check.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <criterion/criterion.h>


static hx_log_t     test_log;
static hx_event_t  *fired[16];
static hx_uint_t    nfired;


static void
record(hx_event_t *ev)
{
    cr_assert(ev->timedout, "a timer handler sees timedout set");
    cr_assert(!ev->timer_set, "the timer is off the tree before the call");

    fired[nfired++] = ev;
}


static void
setup(void)
{
    hx_memzero(&test_log, sizeof(hx_log_t));
    test_log.log_level = HX_LOG_ERR;

    hx_event_timer_init(&test_log);

    nfired = 0;
    hx_current_msec = 1000000;
}


static void
ev_init(hx_event_t *ev)
{
    hx_memzero(ev, sizeof(hx_event_t));
    ev->log = &test_log;
    ev->handler = record;
}


TestSuite(event_timer, .init = setup);


Test(event_timer, empty_tree_has_no_deadline)
{
    cr_assert_eq(hx_event_find_timer(), HX_TIMER_INFINITE);
    cr_assert_eq(hx_event_no_timers_left(), HX_OK);
}


Test(event_timer, timers_expire_in_deadline_order_not_insertion_order)
{
    hx_event_t  a, b, c;

    ev_init(&a);
    ev_init(&b);
    ev_init(&c);

    hx_add_timer(&a, 3000);
    hx_add_timer(&b, 1000);
    hx_add_timer(&c, 2000);

    cr_assert(a.timer_set && b.timer_set && c.timer_set);
    cr_assert_eq(hx_event_find_timer(), 1000);

    hx_current_msec += 999;
    hx_event_expire_timers();
    cr_assert_eq(nfired, 0, "nothing is due a millisecond early");
    cr_assert_eq(hx_event_find_timer(), 1);

    hx_current_msec += 1;
    hx_event_expire_timers();
    cr_assert_eq(nfired, 1);
    cr_assert_eq(fired[0], &b);

    hx_current_msec += 5000;
    hx_event_expire_timers();
    cr_assert_eq(nfired, 3);
    cr_assert_eq(fired[1], &c);
    cr_assert_eq(fired[2], &a);

    cr_assert_eq(hx_event_find_timer(), HX_TIMER_INFINITE);
}


Test(event_timer, overdue_timer_reports_zero_wait)
{
    hx_event_t  a;

    ev_init(&a);
    hx_add_timer(&a, 10);

    hx_current_msec += 500;

    cr_assert_eq(hx_event_find_timer(), 0);
}


Test(event_timer, deleted_timer_never_fires)
{
    hx_event_t  a, b;

    ev_init(&a);
    ev_init(&b);

    hx_add_timer(&a, 100);
    hx_add_timer(&b, 200);

    hx_del_timer(&a);
    cr_assert(!a.timer_set);
    cr_assert_eq(hx_event_find_timer(), 200);

    hx_current_msec += 1000;
    hx_event_expire_timers();

    cr_assert_eq(nfired, 1);
    cr_assert_eq(fired[0], &b);
    cr_assert(!a.timedout);
}


Test(event_timer, rearm_within_lazy_delay_keeps_the_old_deadline)
{
    hx_event_t  a;

    ev_init(&a);

    hx_add_timer(&a, 60000);
    cr_assert_eq((hx_msec_t) a.timer.key, hx_current_msec + 60000);

    /* 200 ms later the same timeout moves the deadline by 200 < 300 */

    hx_current_msec += 200;
    hx_add_timer(&a, 60000);
    cr_assert_eq((hx_msec_t) a.timer.key, hx_current_msec - 200 + 60000);
}


Test(event_timer, rearm_beyond_lazy_delay_moves_the_deadline)
{
    hx_event_t  a;

    ev_init(&a);

    hx_add_timer(&a, 60000);

    hx_current_msec += HX_TIMER_LAZY_DELAY;
    hx_add_timer(&a, 60000);
    cr_assert_eq((hx_msec_t) a.timer.key, hx_current_msec + 60000);

    /* a much shorter timeout always wins */

    hx_add_timer(&a, 5);
    cr_assert_eq((hx_msec_t) a.timer.key, hx_current_msec + 5);
    cr_assert_eq(hx_event_find_timer(), 5);
}


Test(event_timer, handler_may_rearm_itself_without_looping)
{
    hx_event_t  a;

    ev_init(&a);
    a.handler = record;

    hx_add_timer(&a, 10);
    hx_current_msec += 10;
    hx_event_expire_timers();

    cr_assert_eq(nfired, 1);

    /* re-armed for the future: the same expire pass must not run it */

    hx_add_timer(&a, 10);
    hx_event_expire_timers();
    cr_assert_eq(nfired, 1);
}


Test(event_timer, only_cancelable_timers_let_a_worker_exit)
{
    hx_event_t  a, b;

    ev_init(&a);
    ev_init(&b);

    a.cancelable = 1;
    hx_add_timer(&a, 100);
    cr_assert_eq(hx_event_no_timers_left(), HX_OK);

    hx_add_timer(&b, 50000);
    cr_assert_eq(hx_event_no_timers_left(), HX_AGAIN);

    hx_del_timer(&b);
    cr_assert_eq(hx_event_no_timers_left(), HX_OK);
}


Test(event_timer, deadlines_survive_clock_wrap_around)
{
    hx_event_t  a, b;

    ev_init(&a);
    ev_init(&b);

    hx_current_msec = (hx_msec_t) -100;

    hx_add_timer(&a, 50);      /* before the wrap */
    hx_add_timer(&b, 200);     /* after the wrap: a small key */

    cr_assert_eq(hx_event_find_timer(), 50);

    hx_current_msec += 150;
    hx_event_expire_timers();
    cr_assert_eq(nfired, 1);
    cr_assert_eq(fired[0], &a);

    hx_current_msec += 100;
    hx_event_expire_timers();
    cr_assert_eq(nfired, 2);
    cr_assert_eq(fired[1], &b);
}

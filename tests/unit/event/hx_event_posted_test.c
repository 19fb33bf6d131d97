/*
 * Unit tests for event/hx_event_posted.c: posting is idempotent, queues
 * run first in first out including events posted while they run, a
 * deleted event does not run, and posted-next events come back ready.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <criterion/criterion.h>


static hx_log_t     test_log;
static hx_cycle_t   test_cycle;
static hx_event_t  *ran[16];
static hx_uint_t    nran;
static hx_event_t   later;


static void
record(hx_event_t *ev)
{
    cr_assert(!ev->posted, "an event is unqueued before its handler runs");
    ran[nran++] = ev;
}


static void
post_another(hx_event_t *ev)
{
    record(ev);
    hx_post_event(&later, &hx_posted_events);
}


static void
setup(void)
{
    hx_memzero(&test_log, sizeof(hx_log_t));
    test_log.log_level = HX_LOG_ERR;

    hx_memzero(&test_cycle, sizeof(hx_cycle_t));
    test_cycle.log = &test_log;

    hx_event_posted_init();
    nran = 0;
}


static void
ev_init(hx_event_t *ev, hx_event_handler_pt handler)
{
    hx_memzero(ev, sizeof(hx_event_t));
    ev->log = &test_log;
    ev->handler = handler;
}


TestSuite(event_posted, .init = setup);


Test(event_posted, events_run_in_posting_order)
{
    hx_event_t  a, b, c;

    ev_init(&a, record);
    ev_init(&b, record);
    ev_init(&c, record);

    hx_post_event(&b, &hx_posted_events);
    hx_post_event(&a, &hx_posted_events);
    hx_post_event(&c, &hx_posted_events);

    cr_assert(a.posted && b.posted && c.posted);

    hx_event_process_posted(&test_cycle, &hx_posted_events);

    cr_assert_eq(nran, 3);
    cr_assert_eq(ran[0], &b);
    cr_assert_eq(ran[1], &a);
    cr_assert_eq(ran[2], &c);
    cr_assert(hx_queue_empty(&hx_posted_events));
}


Test(event_posted, posting_twice_runs_once)
{
    hx_event_t  a;

    ev_init(&a, record);

    hx_post_event(&a, &hx_posted_events);
    hx_post_event(&a, &hx_posted_events);
    hx_post_event(&a, &hx_posted_accept_events);

    cr_assert(hx_queue_empty(&hx_posted_accept_events));

    hx_event_process_posted(&test_cycle, &hx_posted_events);

    cr_assert_eq(nran, 1);
}


Test(event_posted, deleted_event_does_not_run)
{
    hx_event_t  a, b;

    ev_init(&a, record);
    ev_init(&b, record);

    hx_post_event(&a, &hx_posted_events);
    hx_post_event(&b, &hx_posted_events);

    hx_delete_posted_event(&a);
    cr_assert(!a.posted);

    hx_event_process_posted(&test_cycle, &hx_posted_events);

    cr_assert_eq(nran, 1);
    cr_assert_eq(ran[0], &b);
}


Test(event_posted, events_posted_by_a_handler_run_in_the_same_pass)
{
    hx_event_t  a;

    ev_init(&a, post_another);
    ev_init(&later, record);

    hx_post_event(&a, &hx_posted_events);

    hx_event_process_posted(&test_cycle, &hx_posted_events);

    cr_assert_eq(nran, 2);
    cr_assert_eq(ran[0], &a);
    cr_assert_eq(ran[1], &later);
}


Test(event_posted, queues_are_independent)
{
    hx_event_t  a, b;

    ev_init(&a, record);
    ev_init(&b, record);

    hx_post_event(&a, &hx_posted_accept_events);
    hx_post_event(&b, &hx_posted_events);

    hx_event_process_posted(&test_cycle, &hx_posted_accept_events);

    cr_assert_eq(nran, 1);
    cr_assert_eq(ran[0], &a);
    cr_assert(b.posted);
}


Test(event_posted, posted_next_events_move_back_ready)
{
    hx_event_t  a, b;

    ev_init(&a, record);
    ev_init(&b, record);

    hx_post_event(&a, &hx_posted_next_events);
    hx_post_event(&b, &hx_posted_next_events);

    hx_event_move_posted_next(&test_cycle);

    cr_assert(hx_queue_empty(&hx_posted_next_events));
    cr_assert(a.ready && b.ready);
    cr_assert_eq(a.available, -1);

    hx_event_process_posted(&test_cycle, &hx_posted_events);

    cr_assert_eq(nran, 2);
    cr_assert_eq(ran[0], &a);
    cr_assert_eq(ran[1], &b);
}

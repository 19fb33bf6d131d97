/*
 * Posted event queues.  Handlers run from here after the backend has
 * collected every report of an iteration, which lets the loop order work
 * (accepts, then timers, then I/O on connections the worker opened, then
 * the rest) and lets a handler close a connection
 * whose other event is still queued: closing unqueues it.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>


hx_queue_t  hx_posted_accept_events;
hx_queue_t  hx_posted_next_events;
hx_queue_t  hx_posted_peer_events;
hx_queue_t  hx_posted_events;


void
hx_event_posted_init(void)
{
    hx_queue_init(&hx_posted_accept_events);
    hx_queue_init(&hx_posted_next_events);
    hx_queue_init(&hx_posted_peer_events);
    hx_queue_init(&hx_posted_events);
}


void
hx_event_process_posted(hx_cycle_t *cycle, hx_queue_t *posted)
{
    hx_queue_t  *q;
    hx_event_t  *ev;

    (void) cycle;

    while (!hx_queue_empty(posted)) {

        q = hx_queue_head(posted);
        ev = hx_queue_data(q, hx_event_t, queue);

        hx_log_debug(HX_LOG_DEBUG_EVENT, cycle->log, 0,
                     "posted event %p", ev);

        hx_delete_posted_event(ev);

        ev->handler(ev);
    }
}


void
hx_event_move_posted_next(hx_cycle_t *cycle)
{
    hx_queue_t  *q;
    hx_event_t  *ev;

    (void) cycle;

    for (q = hx_queue_head(&hx_posted_next_events);
         q != hx_queue_sentinel(&hx_posted_next_events);
         q = hx_queue_next(q))
    {
        ev = hx_queue_data(q, hx_event_t, queue);

        hx_log_debug(HX_LOG_DEBUG_EVENT, cycle->log, 0,
                     "posted next event %p", ev);

        /* a read that stopped early: pretend the data is still there */
        ev->ready = 1;
        ev->available = -1;
    }

    hx_queue_add(&hx_posted_events, &hx_posted_next_events);
    hx_queue_init(&hx_posted_next_events);
}

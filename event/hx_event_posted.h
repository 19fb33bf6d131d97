/*
 * Posted events: handlers queued to run later in the same loop iteration
 * instead of at once.  The backend posts what epoll reports so that
 * accepts run first (hx_posted_accept_events), then timers, then the I/O
 * of connections the worker opened itself (hx_posted_peer_events: a
 * backend's response frees its kept-alive connection before the client
 * requests of the same iteration look for one), then the rest
 * (hx_posted_events).  hx_posted_next_events holds events to retry on the
 * next iteration (a rate-limited read that still has data); the loop
 * polls without waiting while it is not empty.
 */

#ifndef HX_EVENT_HX_EVENT_POSTED_H
#define HX_EVENT_HX_EVENT_POSTED_H


/* queues ev on q unless it is already posted somewhere */
static inline void
hx_post_event(hx_event_t *ev, hx_queue_t *q)
{
    if (ev->posted) {
        hx_log_debug(HX_LOG_DEBUG_CORE, ev->log, 0,
                     "update posted event %p", ev);
        return;
    }

    ev->posted = 1;
    hx_queue_insert_tail(q, &ev->queue);

    hx_log_debug(HX_LOG_DEBUG_CORE, ev->log, 0, "post event %p", ev);
}


/* unqueues a posted event */
static inline void
hx_delete_posted_event(hx_event_t *ev)
{
    ev->posted = 0;
    hx_queue_remove(&ev->queue);

    hx_log_debug(HX_LOG_DEBUG_CORE, ev->log, 0,
                 "delete posted event %p", ev);
}


/* empties the four queues */
void hx_event_posted_init(void);

/*
 * Runs the handlers queued on "posted", first in first out, including
 * events that the handlers post to the same queue meanwhile.
 */
void hx_event_process_posted(hx_cycle_t *cycle, hx_queue_t *posted);

/* moves hx_posted_next_events to hx_posted_events, marking them ready */
void hx_event_move_posted_next(hx_cycle_t *cycle);


extern hx_queue_t  hx_posted_accept_events;
extern hx_queue_t  hx_posted_peer_events;
extern hx_queue_t  hx_posted_next_events;
extern hx_queue_t  hx_posted_events;

#endif /* HX_EVENT_HX_EVENT_POSTED_H */

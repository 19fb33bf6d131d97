/*
 * Timers: a red-black tree of events keyed by the absolute time (cached
 * monotonic msec) at which they expire, so the loop learns the nearest
 * deadline from the leftmost node and expires timers in order.  Re-arming
 * a timer within HX_TIMER_LAZY_DELAY of its current deadline is skipped:
 * handlers re-arm on every read, and most re-arms would otherwise move
 * the node by a few milliseconds.
 */

#ifndef HX_EVENT_HX_EVENT_TIMER_H
#define HX_EVENT_HX_EVENT_TIMER_H


#define HX_TIMER_INFINITE     (hx_msec_t) -1

#define HX_TIMER_LAZY_DELAY   300


/* empties the tree (the loop starts, or a worker starts after fork) */
hx_int_t hx_event_timer_init(hx_log_t *log);

/* msec until the nearest timer (0 if one is due), or HX_TIMER_INFINITE */
hx_msec_t hx_event_find_timer(void);

/* runs, in deadline order, every timer due at hx_current_msec */
void hx_event_expire_timers(void);

/*
 * HX_OK when every pending timer is cancelable (a gracefully exiting
 * worker may leave), HX_AGAIN otherwise.
 */
hx_int_t hx_event_no_timers_left(void);


extern hx_rbtree_t  hx_event_timer_rbtree;


/* removes ev's timer; ev must have one (timer_set) */
static inline void
hx_event_del_timer(hx_event_t *ev)
{
    hx_log_debug(HX_LOG_DEBUG_EVENT, ev->log, 0,
                 "event timer del: %p: %M", ev, (hx_msec_t) ev->timer.key);

    hx_rbtree_delete(&hx_event_timer_rbtree, &ev->timer);

#if (HX_DEBUG)
    ev->timer.left = NULL;
    ev->timer.right = NULL;
    ev->timer.parent = NULL;
#endif

    ev->timer_set = 0;
}


/*
 * Arms (or re-arms) ev to time out "timer" msec from the cached clock.
 * A re-arm that would move the deadline by less than HX_TIMER_LAZY_DELAY
 * keeps the old one.
 */
static inline void
hx_event_add_timer(hx_event_t *ev, hx_msec_t timer)
{
    hx_msec_t      key;
    hx_msec_int_t  diff;

    key = hx_current_msec + timer;

    if (ev->timer_set) {

        diff = (hx_msec_int_t) (key - (hx_msec_t) ev->timer.key);

        if (hx_abs(diff) < HX_TIMER_LAZY_DELAY) {
            hx_log_debug(HX_LOG_DEBUG_EVENT, ev->log, 0,
                         "event timer: %p, old: %M, new: %M",
                         ev, (hx_msec_t) ev->timer.key, key);
            return;
        }

        hx_event_del_timer(ev);
    }

    ev->timer.key = (hx_rbtree_key_t) key;

    hx_log_debug(HX_LOG_DEBUG_EVENT, ev->log, 0,
                 "event timer add: %p: %M:%M", ev, timer, key);

    hx_rbtree_insert(&hx_event_timer_rbtree, &ev->timer);

    ev->timer_set = 1;
}


#define hx_add_timer  hx_event_add_timer
#define hx_del_timer  hx_event_del_timer

#endif /* HX_EVENT_HX_EVENT_TIMER_H */

/*
 * Timers: one red-black tree per process, keyed by absolute expiry time
 * in cached monotonic milliseconds.  The tree's insert compares keys as a
 * signed difference so the order survives wrap-around.  The loop asks for
 * the nearest deadline before it sleeps and expires what is due after it
 * wakes; nothing else reads the clock.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>


hx_rbtree_t              hx_event_timer_rbtree;
static hx_rbtree_node_t  hx_event_timer_sentinel;


/*
 * Empties the tree.  Also used by a freshly forked worker: the master's
 * timers it inherited belong to the master.
 */
hx_int_t
hx_event_timer_init(hx_log_t *log)
{
    (void) log;

    hx_rbtree_init(&hx_event_timer_rbtree, &hx_event_timer_sentinel,
                   hx_rbtree_insert_timer_value);

    return HX_OK;
}


hx_msec_t
hx_event_find_timer(void)
{
    hx_msec_int_t      timer;
    hx_rbtree_node_t  *node, *root, *sentinel;

    if (hx_event_timer_rbtree.root == &hx_event_timer_sentinel) {
        return HX_TIMER_INFINITE;
    }

    root = hx_event_timer_rbtree.root;
    sentinel = hx_event_timer_rbtree.sentinel;

    node = hx_rbtree_min(root, sentinel);

    timer = (hx_msec_int_t) ((hx_msec_t) node->key - hx_current_msec);

    return (hx_msec_t) (timer > 0 ? timer : 0);
}


void
hx_event_expire_timers(void)
{
    hx_event_t        *ev;
    hx_rbtree_node_t  *node, *root, *sentinel;

    sentinel = hx_event_timer_rbtree.sentinel;

    for ( ;; ) {
        root = hx_event_timer_rbtree.root;

        if (root == sentinel) {
            return;
        }

        node = hx_rbtree_min(root, sentinel);

        /* node->key > hx_current_msec, modulo wrap-around */

        if ((hx_msec_int_t) ((hx_msec_t) node->key - hx_current_msec) > 0) {
            return;
        }

        ev = hx_rbtree_data(node, hx_event_t, timer);

        hx_log_debug(HX_LOG_DEBUG_EVENT, ev->log, 0,
                     "event timer del: %p: %M", ev, (hx_msec_t) node->key);

        hx_rbtree_delete(&hx_event_timer_rbtree, &ev->timer);

#if (HX_DEBUG)
        ev->timer.left = NULL;
        ev->timer.right = NULL;
        ev->timer.parent = NULL;
#endif

        ev->timer_set = 0;
        ev->timedout = 1;

        ev->handler(ev);
    }
}


hx_int_t
hx_event_no_timers_left(void)
{
    hx_event_t        *ev;
    hx_rbtree_node_t  *node, *root, *sentinel;

    sentinel = hx_event_timer_rbtree.sentinel;
    root = hx_event_timer_rbtree.root;

    if (root == sentinel) {
        return HX_OK;
    }

    for (node = hx_rbtree_min(root, sentinel);
         node;
         node = hx_rbtree_next(&hx_event_timer_rbtree, node))
    {
        ev = hx_rbtree_data(node, hx_event_t, timer);

        if (!ev->cancelable) {
            return HX_AGAIN;
        }
    }

    /* only cancelable timers are left */

    return HX_OK;
}

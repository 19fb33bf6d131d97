/*
 * The two queue operations too long for a macro: finding the middle and
 * sorting.
 *
 * The middle is found with two cursors, one moving twice as fast as the
 * other, so a single pass suffices and no count is kept in the head.
 * Sorting is an insertion sort done by relinking: queues sorted here are
 * short (locations, configuration lists), already nearly in order, and
 * must keep equal elements in their original order, which insertion sort
 * gives for free without any allocation.
 */

#include <hx_config.h>
#include <hx_core.h>


/*
 * Returns the middle element of the queue headed by queue: of 2k + 1
 * elements the (k + 1)-th, of 2k elements the k-th.  NULL when the
 * queue is empty.
 */
hx_queue_t *
hx_queue_middle(hx_queue_t *queue)
{
    hx_queue_t  *middle, *fast;

    if (hx_queue_empty(queue)) {
        return NULL;
    }

    middle = hx_queue_head(queue);
    fast = hx_queue_head(queue);

    /* fast moves two steps per step of middle and stops on the last */
    for ( ;; ) {
        fast = hx_queue_next(fast);
        if (fast == hx_queue_sentinel(queue)) {
            return middle;
        }

        fast = hx_queue_next(fast);
        if (fast == hx_queue_sentinel(queue)) {
            return middle;
        }

        middle = hx_queue_next(middle);
    }
}


/*
 * Sorts the queue in place, ascending by cmp, keeping elements that
 * compare equal in their original order.  O(n) when already sorted.
 */
void
hx_queue_sort(hx_queue_t *queue,
    hx_int_t (*cmp)(const hx_queue_t *, const hx_queue_t *))
{
    hx_queue_t  *q, *prev, *next;

    q = hx_queue_head(queue);

    if (q == hx_queue_last(queue)) {
        return;
    }

    for (q = hx_queue_next(q); q != hx_queue_sentinel(queue); q = next) {

        prev = hx_queue_prev(q);
        next = hx_queue_next(q);

        if (cmp(prev, q) <= 0) {
            continue;
        }

        hx_queue_remove(q);

        /* walk back past every element strictly greater than q */
        do {
            prev = hx_queue_prev(prev);
        } while (prev != hx_queue_sentinel(queue) && cmp(prev, q) > 0);

        hx_queue_insert_after(prev, q);
    }
}

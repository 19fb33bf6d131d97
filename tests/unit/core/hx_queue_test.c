/*
 * Unit tests for core/hx_queue.c and the queue macros it relies on.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <criterion/criterion.h>


typedef struct {
    int          key;
    int          seq;
    hx_queue_t   link;
} item_t;


static hx_int_t
item_cmp(const hx_queue_t *a, const hx_queue_t *b)
{
    const item_t  *x, *y;

    x = (const item_t *) ((const uint8_t *) a - offsetof(item_t, link));
    y = (const item_t *) ((const uint8_t *) b - offsetof(item_t, link));

    return x->key - y->key;
}


static void
fill(hx_queue_t *h, item_t *items, const int *keys, int n)
{
    int  i;

    hx_queue_init(h);

    for (i = 0; i < n; i++) {
        items[i].key = keys[i];
        items[i].seq = i;
        hx_queue_insert_tail(h, &items[i].link);
    }
}


static item_t *
item(hx_queue_t *q)
{
    return hx_queue_data(q, item_t, link);
}


static int
count(hx_queue_t *h)
{
    int          n;
    hx_queue_t  *q;

    n = 0;
    for (q = hx_queue_head(h); q != hx_queue_sentinel(h);
         q = hx_queue_next(q))
    {
        cr_assert_eq(hx_queue_prev(hx_queue_next(q)), q);
        n++;
    }

    return n;
}


Test(hx_queue, middle_of_empty_is_null)
{
    hx_queue_t  h;

    hx_queue_init(&h);
    cr_assert_null(hx_queue_middle(&h));
}


Test(hx_queue, middle_of_odd_and_even_counts)
{
    static const int  keys[] = { 0, 1, 2, 3, 4, 5, 6 };
    item_t            items[7];
    hx_queue_t        h;
    int               n;
    /* 1 -> 1st, 2 -> 1st, 3 -> 2nd, 4 -> 2nd, 5 -> 3rd, ... */
    static const int  expect[] = { -1, 0, 0, 1, 1, 2, 2, 3 };

    for (n = 1; n <= 7; n++) {
        fill(&h, items, keys, n);
        cr_assert_eq(item(hx_queue_middle(&h))->key, expect[n],
                     "count %d", n);
    }
}


Test(hx_queue, sort_is_ascending_and_stable)
{
    static const int  keys[] = { 5, 1, 3, 1, 5, 0, 3, 2, 1 };
    item_t            items[9];
    hx_queue_t        h, *q;
    item_t           *prev, *cur;

    fill(&h, items, keys, 9);
    hx_queue_sort(&h, item_cmp);

    cr_assert_eq(count(&h), 9);

    prev = NULL;
    for (q = hx_queue_head(&h); q != hx_queue_sentinel(&h);
         q = hx_queue_next(q))
    {
        cur = item(q);
        if (prev) {
            cr_assert_leq(prev->key, cur->key);
            if (prev->key == cur->key) {
                cr_assert_lt(prev->seq, cur->seq);
            }
        }
        prev = cur;
    }

    cr_assert_eq(item(hx_queue_head(&h))->key, 0);
    cr_assert_eq(item(hx_queue_last(&h))->seq, 4);
}


Test(hx_queue, sort_handles_trivial_and_reverse_queues)
{
    static const int  rev[] = { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 };
    item_t            items[10];
    hx_queue_t        h, *q;
    int               k;

    hx_queue_init(&h);
    hx_queue_sort(&h, item_cmp);
    cr_assert(hx_queue_empty(&h));

    fill(&h, items, rev, 1);
    hx_queue_sort(&h, item_cmp);
    cr_assert_eq(count(&h), 1);

    fill(&h, items, rev, 10);
    hx_queue_sort(&h, item_cmp);
    cr_assert_eq(count(&h), 10);

    k = 0;
    for (q = hx_queue_head(&h); q != hx_queue_sentinel(&h);
         q = hx_queue_next(q))
    {
        cr_assert_eq(item(q)->key, k++);
    }
}


Test(hx_queue, split_and_add_macros)
{
    static const int  keys[] = { 0, 1, 2, 3, 4, 5 };
    item_t            items[6];
    hx_queue_t        h, n;

    fill(&h, items, keys, 6);
    hx_queue_split(&h, &items[2].link, &n);
    cr_assert_eq(count(&h), 2);
    cr_assert_eq(count(&n), 4);
    cr_assert_eq(item(hx_queue_head(&n))->key, 2);

    hx_queue_add(&h, &n);
    cr_assert_eq(count(&h), 6);
    cr_assert_eq(item(hx_queue_last(&h))->key, 5);

    hx_queue_remove(&items[0].link);
    cr_assert_eq(count(&h), 5);
    cr_assert_eq(item(hx_queue_head(&h))->key, 1);
}

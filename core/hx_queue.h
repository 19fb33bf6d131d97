/*
 * Intrusive doubly-linked circular queue: the link lives inside the
 * element, so insertion and removal never allocate.
 */

#ifndef HX_CORE_HX_QUEUE_H
#define HX_CORE_HX_QUEUE_H


typedef struct hx_queue_s  hx_queue_t;

struct hx_queue_s {
    hx_queue_t  *prev;
    hx_queue_t  *next;
};


#define hx_queue_init(q)       (q)->prev = q; (q)->next = q
#define hx_queue_empty(h)      (h == (h)->prev)
#define hx_queue_head(h)       (h)->next
#define hx_queue_last(h)       (h)->prev
#define hx_queue_sentinel(h)   (h)
#define hx_queue_next(q)       (q)->next
#define hx_queue_prev(q)       (q)->prev

#define hx_queue_insert_head(h, x)                                            \
    (x)->next = (h)->next; (x)->next->prev = x;                               \
    (x)->prev = h; (h)->next = x

#define hx_queue_insert_after  hx_queue_insert_head

#define hx_queue_insert_tail(h, x)                                            \
    (x)->prev = (h)->prev; (x)->prev->next = x;                               \
    (x)->next = h; (h)->prev = x

#define hx_queue_insert_before(q, x)  hx_queue_insert_tail(q, x)

#define hx_queue_remove(x)                                                    \
    (x)->next->prev = (x)->prev; (x)->prev->next = (x)->next;                 \
    (x)->prev = NULL; (x)->next = NULL

/* move h's elements from q on into n; h keeps those before q */
#define hx_queue_split(h, q, n)                                               \
    (n)->prev = (h)->prev; (n)->prev->next = n; (n)->next = q;                \
    (h)->prev = (q)->prev; (h)->prev->next = h; (q)->prev = n

#define hx_queue_add(h, n)                                                    \
    (h)->prev->next = (n)->next; (n)->next->prev = (h)->prev;                 \
    (h)->prev = (n)->prev; (h)->prev->next = h

#define hx_queue_data(q, type, link)                                          \
    (type *) ((uint8_t *) q - offsetof(type, link))


/* the middle element (the first of the two middles for an even count) */
hx_queue_t *hx_queue_middle(hx_queue_t *queue);

/* stable insertion sort */
void hx_queue_sort(hx_queue_t *queue,
    hx_int_t (*cmp)(const hx_queue_t *, const hx_queue_t *));

#endif /* HX_CORE_HX_QUEUE_H */

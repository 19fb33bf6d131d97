/*
 * A list of fixed-size parts: elements never move once pushed, so pointers
 * into it stay valid (request headers rely on that).
 */

#ifndef HX_CORE_HX_LIST_H
#define HX_CORE_HX_LIST_H


typedef struct hx_list_part_s  hx_list_part_t;

struct hx_list_part_s {
    void            *elts;
    hx_uint_t        nelts;
    hx_list_part_t  *next;
};


typedef struct {
    hx_list_part_t  *last;
    hx_list_part_t   part;
    size_t           size;
    hx_uint_t        nalloc;
    hx_pool_t       *pool;
} hx_list_t;


hx_list_t *hx_list_create(hx_pool_t *pool, hx_uint_t n, size_t size);
hx_int_t hx_list_init(hx_list_t *list, hx_pool_t *pool, hx_uint_t n,
    size_t size);
void *hx_list_push(hx_list_t *list);


/* walks every element of a list, part by part */
typedef struct {
    hx_list_t       *list;
    hx_list_part_t  *part;
    hx_uint_t        i;
} hx_list_iter_t;


static inline void
hx_list_iter_init(hx_list_iter_t *it, hx_list_t *list)
{
    it->list = list;
    it->part = &list->part;
    it->i = 0;
}


/* the next element, or NULL after the last (also for an unused list) */
static inline void *
hx_list_iter_next(hx_list_iter_t *it)
{
    if (it->part->elts == NULL) {
        return NULL;
    }

    while (it->i >= it->part->nelts) {
        if (it->part->next == NULL) {
            return NULL;
        }

        it->part = it->part->next;
        it->i = 0;
    }

    return (uint8_t *) it->part->elts + it->list->size * it->i++;
}

#endif /* HX_CORE_HX_LIST_H */

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

#endif /* HX_CORE_HX_LIST_H */

/*
 * Growable array of fixed-size elements allocated from a pool.  Growing
 * doubles the capacity (or extends in place when the array ends the pool's
 * last block), and the old memory is left to the pool.
 */

#ifndef HX_CORE_HX_ARRAY_H
#define HX_CORE_HX_ARRAY_H


typedef struct {
    void        *elts;
    hx_uint_t    nelts;
    size_t       size;
    hx_uint_t    nalloc;
    hx_pool_t   *pool;
} hx_array_t;


hx_array_t *hx_array_create(hx_pool_t *p, hx_uint_t n, size_t size);
void hx_array_destroy(hx_array_t *a);
/* one more element (uninitialised), or NULL when the pool is exhausted */
void *hx_array_push(hx_array_t *a);
void *hx_array_push_n(hx_array_t *a, hx_uint_t n);

hx_int_t hx_array_init(hx_array_t *array, hx_pool_t *pool, hx_uint_t n,
    size_t size);

#endif /* HX_CORE_HX_ARRAY_H */

/*
 * Growable arrays in a pool.
 *
 * Pools cannot free a single allocation, so growing an array leaves the
 * old storage behind.  Two things keep that waste down: when the array's
 * storage is the most recent allocation in the pool's first block and
 * the block has room, the array simply grows in place; otherwise the
 * capacity doubles, so the memory left behind over an array's life stays
 * below its final size.
 */

#include <hx_config.h>
#include <hx_core.h>


/*
 * Initialises an array struct the caller owns with room for n elements
 * of size bytes.  HX_ERROR when the pool is out of memory.
 */
hx_int_t
hx_array_init(hx_array_t *array, hx_pool_t *pool, hx_uint_t n, size_t size)
{
    array->nelts = 0;
    array->size = size;
    array->nalloc = n;
    array->pool = pool;

    if (size && n > SIZE_MAX / size) {
        array->elts = NULL;
        return HX_ERROR;
    }

    array->elts = hx_palloc(pool, n * size);
    if (array->elts == NULL) {
        return HX_ERROR;
    }

    return HX_OK;
}


/*
 * Allocates an array and its storage for n elements from p; NULL when
 * out of memory.
 */
hx_array_t *
hx_array_create(hx_pool_t *p, hx_uint_t n, size_t size)
{
    hx_array_t  *a;

    a = hx_palloc(p, sizeof(hx_array_t));
    if (a == NULL) {
        return NULL;
    }

    if (hx_array_init(a, p, n, size) != HX_OK) {
        return NULL;
    }

    return a;
}


/*
 * Gives the array's storage, and the array struct itself, back to the
 * pool when they are the latest allocations in its first block; any
 * other memory stays until the pool is destroyed.
 */
void
hx_array_destroy(hx_array_t *a)
{
    hx_pool_t  *p;

    p = a->pool;

    if ((uint8_t *) a->elts + a->size * a->nalloc == p->d.last) {
        p->d.last -= a->size * a->nalloc;
    }

    if ((uint8_t *) a + sizeof(hx_array_t) == p->d.last) {
        p->d.last = (uint8_t *) a;
    }
}


/*
 * Room for one more element at the end (uninitialised), growing the
 * array when it is full.  NULL when out of memory; the array is then
 * unchanged.
 */
void *
hx_array_push(hx_array_t *a)
{
    return hx_array_push_n(a, 1);
}


/*
 * Room for n more contiguous elements at the end (uninitialised).  When
 * the array must move, the new capacity is twice the larger of n and the
 * current capacity.  NULL when out of memory or when the size would
 * overflow; the array is then unchanged.
 */
void *
hx_array_push_n(hx_array_t *a, hx_uint_t n)
{
    void       *elt, *new;
    size_t      size;
    hx_uint_t   nalloc;
    hx_pool_t  *p;

    if (a->size && n > (SIZE_MAX / a->size) - a->nelts) {
        return NULL;
    }

    size = n * a->size;

    if (a->nelts + n > a->nalloc) {

        p = a->pool;

        if ((uint8_t *) a->elts + a->size * a->nalloc == p->d.last
            && (size_t) (p->d.end - p->d.last) >= size)
        {
            /* the storage ends the first block and the block has room */
            p->d.last += size;
            a->nalloc += n;

        } else {
            nalloc = 2 * ((n >= a->nalloc) ? n : a->nalloc);

            if (a->size && nalloc > SIZE_MAX / a->size) {
                return NULL;
            }

            new = hx_palloc(p, nalloc * a->size);
            if (new == NULL) {
                return NULL;
            }

            if (a->nelts) {
                hx_memcpy(new, a->elts, a->nelts * a->size);
            }

            a->elts = new;
            a->nalloc = nalloc;
        }
    }

    elt = (uint8_t *) a->elts + a->size * a->nelts;
    a->nelts += n;

    return elt;
}

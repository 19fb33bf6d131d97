/*
 * Lists of fixed-size parts.
 *
 * Unlike an array, a list never moves an element once it is pushed: when
 * the last part is full a new part is chained on.  Code that keeps
 * pointers to elements (parsed headers pointing at each other) needs
 * that; iteration walks the parts.
 */

#include <hx_config.h>
#include <hx_core.h>


/*
 * Initialises a list the caller owns; each part holds n elements of
 * size bytes.  HX_ERROR when out of memory.
 */
hx_int_t
hx_list_init(hx_list_t *list, hx_pool_t *pool, hx_uint_t n, size_t size)
{
    list->size = size;
    list->nalloc = n;
    list->pool = pool;
    list->part.nelts = 0;
    list->part.next = NULL;
    list->last = &list->part;

    if (size && n > SIZE_MAX / size) {
        list->part.elts = NULL;
        return HX_ERROR;
    }

    list->part.elts = hx_palloc(pool, n * size);
    if (list->part.elts == NULL) {
        return HX_ERROR;
    }

    return HX_OK;
}


/*
 * Allocates and initialises a list in pool; NULL when out of memory.
 */
hx_list_t *
hx_list_create(hx_pool_t *pool, hx_uint_t n, size_t size)
{
    hx_list_t  *list;

    list = hx_palloc(pool, sizeof(hx_list_t));
    if (list == NULL) {
        return NULL;
    }

    if (hx_list_init(list, pool, n, size) != HX_OK) {
        return NULL;
    }

    return list;
}


/*
 * Room for one more element (uninitialised) at the end of the list,
 * adding a part when the last one is full.  NULL when out of memory.
 */
void *
hx_list_push(hx_list_t *l)
{
    void            *elt;
    hx_list_part_t  *last;

    last = l->last;

    if (last->nelts == l->nalloc) {

        last = hx_palloc(l->pool, sizeof(hx_list_part_t));
        if (last == NULL) {
            return NULL;
        }

        last->elts = hx_palloc(l->pool, l->nalloc * l->size);
        if (last->elts == NULL) {
            return NULL;
        }

        last->nelts = 0;
        last->next = NULL;

        l->last->next = last;
        l->last = last;
    }

    elt = (uint8_t *) last->elts + l->size * last->nelts;
    last->nelts++;

    return elt;
}

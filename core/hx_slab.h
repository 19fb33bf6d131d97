/*
 * Slab allocator for shared zones: the zone is cut into pages; small
 * objects come from per-size slots of bitmapped pages, large ones take
 * runs of whole pages.  Everything is protected by the pool's mutex, taken
 * by hx_slab_alloc() and hx_slab_free() (the _locked variants assume the
 * caller holds it).
 */

#ifndef HX_CORE_HX_SLAB_H
#define HX_CORE_HX_SLAB_H


typedef struct hx_slab_page_s  hx_slab_page_t;

struct hx_slab_page_s {
    uintptr_t         slab;
    hx_slab_page_t   *next;
    uintptr_t         prev;
};


typedef struct {
    hx_uint_t         total;
    hx_uint_t         used;
    hx_uint_t         reqs;
    hx_uint_t         fails;
} hx_slab_stat_t;


typedef struct {
    hx_shmtx_t        mutex;

    size_t            min_size;
    size_t            min_shift;

    hx_slab_page_t   *pages;
    hx_slab_page_t   *last;
    hx_slab_page_t    free;

    hx_slab_stat_t   *stats;
    hx_uint_t         pfree;

    uint8_t          *start;
    uint8_t          *end;

    uint8_t          *log_ctx;
    uint8_t           zero;

    unsigned          log_nomem:1;

    void             *data;
    void             *addr;
} hx_slab_pool_t;


void hx_slab_sizes_init(void);
/* lays the pool out over [pool, pool->end); pool->addr, end, min_shift set */
void hx_slab_init(hx_slab_pool_t *pool);
/* NULL and a "ngx_slab_alloc() failed: no memory"-style crit when full */
void *hx_slab_alloc(hx_slab_pool_t *pool, size_t size);
void *hx_slab_alloc_locked(hx_slab_pool_t *pool, size_t size);
void *hx_slab_calloc(hx_slab_pool_t *pool, size_t size);
void *hx_slab_calloc_locked(hx_slab_pool_t *pool, size_t size);
void hx_slab_free(hx_slab_pool_t *pool, void *p);
void hx_slab_free_locked(hx_slab_pool_t *pool, void *p);

#endif /* HX_CORE_HX_SLAB_H */

/*
 * Memory pools: allocation by lifetime (STYLE.md section 5).
 *
 * A pool is a chain of equal-sized blocks.  The first block starts with
 * the pool header; later blocks carry only the small hx_pool_data_t part.
 * Small requests are served by bumping a block's "last" pointer, so an
 * allocation is a comparison and an addition, and nothing is freed until
 * the whole pool goes.  Requests above pool->max go straight to malloc()
 * and are remembered in the "large" list, which is the only memory that
 * can be given back early (hx_pfree).
 *
 * A block that could not satisfy a request several times is nearly full;
 * "current" moves past such blocks so a long-lived pool does not rescan
 * its full blocks on every allocation.  Cleanup handlers, registered on
 * the pool, release what memory alone cannot: descriptors, TLS objects,
 * temp files; they run newest first, so a resource is released before
 * the ones it was built on.
 *
 * Debug builds fill released memory with 0xA5 before handing it back, so
 * a use after the pool's end reads obvious garbage instead of stale data.
 */

#include <hx_config.h>
#include <hx_core.h>

#if (HX_DEBUG)
#include <malloc.h>
#endif


/* a block is skipped by "current" after failing this many requests */
#define HX_POOL_MAX_FAILED  4

#define HX_POOL_POISON      0xA5


static void *hx_palloc_small(hx_pool_t *pool, size_t size, hx_uint_t align);
static void *hx_palloc_block(hx_pool_t *pool, size_t size);
static void *hx_palloc_large(hx_pool_t *pool, size_t size);
static void hx_pool_free_large(hx_pool_t *pool);
static void hx_pool_run_cleanups(hx_pool_t *pool);


#if (HX_DEBUG)

static void
hx_poison(void *p, size_t size)
{
    hx_memset(p, HX_POOL_POISON, size);
}


static void
hx_poison_malloced(void *p)
{
    hx_memset(p, HX_POOL_POISON, malloc_usable_size(p));
}

#else

#define hx_poison(p, size)
#define hx_poison_malloced(p)

#endif


/*
 * malloc(size); on failure logs "malloc(N) failed" at emerg on log (when
 * there is one) and returns NULL.
 */
void *
hx_alloc(size_t size, hx_log_t *log)
{
    void  *p;

    p = malloc(size);

    if (p == NULL && log != NULL) {
        hx_log_error(HX_LOG_EMERG, log, hx_errno,
                     "malloc(%uz) failed", size);
    }

    return p;
}


/*
 * As hx_alloc(), with the memory zeroed.
 */
void *
hx_calloc(size_t size, hx_log_t *log)
{
    void  *p;

    p = hx_alloc(size, log);

    if (p) {
        hx_memzero(p, size);
    }

    return p;
}


/*
 * size bytes aligned to alignment (a power of two, a multiple of
 * sizeof(void *)), released with hx_free(); logs and returns NULL on
 * failure.
 */
void *
hx_memalign(size_t alignment, size_t size, hx_log_t *log)
{
    int    err;
    void  *p;

    err = posix_memalign(&p, alignment, size);

    if (err != 0) {
        if (log != NULL) {
            hx_log_error(HX_LOG_EMERG, log, err,
                         "posix_memalign(%uz, %uz) failed", alignment, size);
        }
        return NULL;
    }

    return p;
}


/*
 * Creates a pool whose blocks are size bytes (raised to
 * HX_MIN_POOL_SIZE); the header sits in the first block.  Returns NULL
 * when the first block cannot be allocated.
 */
hx_pool_t *
hx_create_pool(size_t size, hx_log_t *log)
{
    hx_pool_t  *p;

    size = hx_max(size, HX_MIN_POOL_SIZE);

    p = hx_memalign(HX_POOL_ALIGNMENT, size, log);
    if (p == NULL) {
        return NULL;
    }

    p->d.last = (uint8_t *) p + sizeof(hx_pool_t);
    p->d.end = (uint8_t *) p + size;
    p->d.next = NULL;
    p->d.failed = 0;

    size -= sizeof(hx_pool_t);
    p->max = hx_min(size, HX_MAX_ALLOC_FROM_POOL);

    p->current = p;
    p->large = NULL;
    p->cleanup = NULL;
    p->log = log;

    return p;
}


/*
 * Runs the cleanups (newest first), frees large allocations, then every
 * block.  The pool and all memory from it are gone afterwards.
 */
void
hx_destroy_pool(hx_pool_t *pool)
{
    hx_pool_t  *p, *n;

    hx_pool_run_cleanups(pool);
    hx_pool_free_large(pool);

    for (p = pool; p; p = n) {
        n = p->d.next;
        hx_poison(p, (size_t) (p->d.end - (uint8_t *) p));
        hx_free(p);
    }
}


/*
 * Ends the lifetime of everything allocated from the pool while keeping
 * its blocks: cleanups run (their records live in the blocks being
 * recycled), large allocations are freed, and every block is emptied.
 */
void
hx_reset_pool(hx_pool_t *pool)
{
    hx_pool_t  *p;
    uint8_t    *start;

    hx_pool_run_cleanups(pool);
    hx_pool_free_large(pool);

    for (p = pool; p; p = p->d.next) {
        if (p == pool) {
            start = (uint8_t *) p + sizeof(hx_pool_t);
        } else {
            start = (uint8_t *) p + sizeof(hx_pool_data_t);
        }

        hx_poison(start, (size_t) (p->d.end - start));

        p->d.last = start;
        p->d.failed = 0;
    }

    pool->current = pool;
}


static void
hx_pool_run_cleanups(hx_pool_t *pool)
{
    hx_pool_cleanup_t  *c;

    for (c = pool->cleanup; c; c = c->next) {
        if (c->handler) {
            c->handler(c->data);
        }
    }

    pool->cleanup = NULL;
}


static void
hx_pool_free_large(hx_pool_t *pool)
{
    hx_pool_large_t  *l;

    for (l = pool->large; l; l = l->next) {
        if (l->alloc) {
            hx_poison_malloced(l->alloc);
            hx_free(l->alloc);
            l->alloc = NULL;
        }
    }

    pool->large = NULL;
}


/*
 * size bytes aligned to HX_ALIGNMENT; NULL when out of memory.
 */
void *
hx_palloc(hx_pool_t *pool, size_t size)
{
    if (size <= pool->max) {
        return hx_palloc_small(pool, size, 1);
    }

    return hx_palloc_large(pool, size);
}


/*
 * size bytes with no alignment, for strings and byte buffers.
 */
void *
hx_pnalloc(hx_pool_t *pool, size_t size)
{
    if (size <= pool->max) {
        return hx_palloc_small(pool, size, 0);
    }

    return hx_palloc_large(pool, size);
}


/*
 * As hx_palloc(), zeroed.
 */
void *
hx_pcalloc(hx_pool_t *pool, size_t size)
{
    void  *p;

    p = hx_palloc(pool, size);

    if (p) {
        hx_memzero(p, size);
    }

    return p;
}


static void *
hx_palloc_small(hx_pool_t *pool, size_t size, hx_uint_t align)
{
    uint8_t    *m;
    hx_pool_t  *p;

    for (p = pool->current; p; p = p->d.next) {
        m = p->d.last;

        if (align) {
            m = hx_align_ptr(m, HX_ALIGNMENT);
        }

        if (m <= p->d.end && (size_t) (p->d.end - m) >= size) {
            p->d.last = m + size;
            return m;
        }
    }

    return hx_palloc_block(pool, size);
}


/*
 * Adds a block of the pool's size and serves size bytes (aligned) from
 * it.  Every block from current on has just failed once more; those
 * that failed too often stop being scanned.
 */
static void *
hx_palloc_block(hx_pool_t *pool, size_t size)
{
    size_t      psize;
    uint8_t    *m;
    hx_pool_t  *p, *new;

    psize = (size_t) (pool->d.end - (uint8_t *) pool);

    m = hx_memalign(HX_POOL_ALIGNMENT, psize, pool->log);
    if (m == NULL) {
        return NULL;
    }

    new = (hx_pool_t *) m;

    new->d.end = m + psize;
    new->d.next = NULL;
    new->d.failed = 0;

    m += sizeof(hx_pool_data_t);
    m = hx_align_ptr(m, HX_ALIGNMENT);
    new->d.last = m + size;

    for (p = pool->current; p->d.next; p = p->d.next) {
        if (++p->d.failed >= HX_POOL_MAX_FAILED) {
            pool->current = p->d.next;
        }
    }

    p->d.next = new;

    return m;
}


static void *
hx_palloc_large(hx_pool_t *pool, size_t size)
{
    void             *p;
    hx_uint_t         n;
    hx_pool_large_t  *large;

    p = hx_alloc(size, pool->log);
    if (p == NULL) {
        return NULL;
    }

    /* reuse a slot freed by hx_pfree(), looking only near the head */
    n = 0;

    for (large = pool->large; large; large = large->next) {
        if (large->alloc == NULL) {
            large->alloc = p;
            return p;
        }

        if (n++ > 3) {
            break;
        }
    }

    large = hx_palloc_small(pool, sizeof(hx_pool_large_t), 1);
    if (large == NULL) {
        hx_free(p);
        return NULL;
    }

    large->alloc = p;
    large->next = pool->large;
    pool->large = large;

    return p;
}


/*
 * size bytes aligned to alignment (a power of two, at least
 * sizeof(void *)), always kept on the large list so hx_pfree() can
 * release it early.
 */
void *
hx_pmemalign(hx_pool_t *pool, size_t size, size_t alignment)
{
    void             *p;
    hx_pool_large_t  *large;

    p = hx_memalign(alignment, size, pool->log);
    if (p == NULL) {
        return NULL;
    }

    large = hx_palloc_small(pool, sizeof(hx_pool_large_t), 1);
    if (large == NULL) {
        hx_free(p);
        return NULL;
    }

    large->alloc = p;
    large->next = pool->large;
    pool->large = large;

    return p;
}


/*
 * Frees p now if it is one of the pool's large allocations (HX_OK);
 * HX_DECLINED otherwise, leaving it to the pool's end.
 */
hx_int_t
hx_pfree(hx_pool_t *pool, void *p)
{
    hx_pool_large_t  *l;

    if (p == NULL) {
        return HX_DECLINED;
    }

    for (l = pool->large; l; l = l->next) {
        if (p == l->alloc) {
            hx_poison_malloced(l->alloc);
            hx_free(l->alloc);
            l->alloc = NULL;

            return HX_OK;
        }
    }

    return HX_DECLINED;
}


/*
 * Registers a cleanup (handler NULL until the caller sets it) with size
 * bytes of handler data from the pool, or data NULL when size is 0.
 * Cleanups run newest first.  NULL when out of memory.
 */
hx_pool_cleanup_t *
hx_pool_cleanup_add(hx_pool_t *p, size_t size)
{
    hx_pool_cleanup_t  *c;

    c = hx_palloc(p, sizeof(hx_pool_cleanup_t));
    if (c == NULL) {
        return NULL;
    }

    if (size) {
        c->data = hx_palloc(p, size);
        if (c->data == NULL) {
            return NULL;
        }

    } else {
        c->data = NULL;
    }

    c->handler = NULL;
    c->next = p->cleanup;

    p->cleanup = c;

    return c;
}


/*
 * Runs, ahead of time, the hx_pool_cleanup_file cleanup registered for
 * fd, and disarms it so the pool's end does not close fd again.
 */
void
hx_pool_run_cleanup_file(hx_pool_t *p, hx_fd_t fd)
{
    hx_pool_cleanup_t       *c;
    hx_pool_cleanup_file_t  *cf;

    for (c = p->cleanup; c; c = c->next) {
        if (c->handler == hx_pool_cleanup_file) {

            cf = c->data;

            if (cf->fd == fd) {
                c->handler(cf);
                c->handler = NULL;
                return;
            }
        }
    }
}


/*
 * Cleanup handler: closes the hx_pool_cleanup_file_t's descriptor.
 */
void
hx_pool_cleanup_file(void *data)
{
    hx_pool_cleanup_file_t  *c = data;

    if (close(c->fd) == -1 && c->log != NULL) {
        hx_log_error(HX_LOG_ALERT, c->log, hx_errno,
                     "close() \"%s\" failed", c->name);
    }
}


/*
 * Cleanup handler for temporary files: removes the file by name, then
 * closes its descriptor.  A file already gone is not an error.
 */
void
hx_pool_delete_file(void *data)
{
    hx_err_t                 err;
    hx_pool_cleanup_file_t  *c = data;

    if (hx_delete_file(c->name) == -1) {
        err = hx_errno;

        if (err != ENOENT && c->log != NULL) {
            hx_log_error(HX_LOG_CRIT, c->log, err,
                         "unlink() \"%s\" failed", c->name);
        }
    }

    if (close(c->fd) == -1 && c->log != NULL) {
        hx_log_error(HX_LOG_ALERT, c->log, hx_errno,
                     "close() \"%s\" failed", c->name);
    }
}


/*
 * A NUL-terminated copy of src allocated from pool, or NULL.
 */
uint8_t *
hx_pstrdup(hx_pool_t *pool, hx_str_t *src)
{
    uint8_t  *dst;

    dst = hx_pnalloc(pool, src->len + 1);
    if (dst == NULL) {
        return NULL;
    }

    if (src->len) {
        hx_memcpy(dst, src->data, src->len);
    }

    dst[src->len] = '\0';

    return dst;
}

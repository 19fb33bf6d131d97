/*
 * The slab allocator of shared zones.
 *
 * A zone starts with the hx_slab_pool_t, then one list head and one
 * hx_slab_stat_t per slot size, then one descriptor per page, then the
 * pages themselves, page-aligned.  Every pointer handed out is inside the
 * pages, so a pointer maps back to its descriptor with one shift.
 *
 * Large requests (more than half a page) take a run of whole pages.  Free
 * pages form runs kept on one list, first fit; freeing a run merges it with
 * free neighbours on both sides, so the zone does not splinter into
 * single pages.  To find the start of the run on the left, the last page
 * of every free run points back at its first.
 *
 * Small requests are rounded up to a power of two, from 1 << min_shift up
 * to half a page, and served from pages cut into slots of that size.  A
 * page with a free slot sits on its size's list; a full page leaves the
 * list and comes back when a slot is freed; an empty page goes back to
 * the free runs.  The used/free state of the slots is a bitmap: in the
 * descriptor's word when a page holds few slots, else in the first slots
 * of the page itself, which are then never handed out.
 *
 * Descriptor fields:
 *
 *   prev   the previous page on its list, and in its low two bits the
 *          page type: FREE, RUN (whole pages in use) or SLOTS.
 *   slab   FREE: the run length on the first page, 0 on the others.
 *          RUN: the run length on the first page, 0 on the others.
 *          SLOTS: the slot shift in the low four bits; above them the
 *          bitmap (few slots) or the count of slots in use (many slots).
 *   next   the next page on its list; NULL when on none.
 *
 * Everything is serialised by the pool's robust mutex, which the zone's
 * creator initialises (hx_shmtx_create) before calling hx_slab_init().
 */

#include <hx_config.h>
#include <hx_core.h>


#define HX_SLAB_TYPE_MASK    (uintptr_t) 3
#define HX_SLAB_FREE         (uintptr_t) 0
#define HX_SLAB_RUN          (uintptr_t) 1
#define HX_SLAB_SLOTS        (uintptr_t) 2

#define HX_SLAB_SHIFT_BITS   4
#define HX_SLAB_SHIFT_MASK   (uintptr_t) 0xf
#define HX_SLAB_WORD_BITS    (8 * sizeof(uintptr_t))

/* the largest slot shift the four shift bits can hold */
#define HX_SLAB_MAX_SHIFT    15

#define hx_slab_type(pg)     ((pg)->prev & HX_SLAB_TYPE_MASK)
#define hx_slab_prev(pg)                                                      \
    ((hx_slab_page_t *) ((pg)->prev & ~HX_SLAB_TYPE_MASK))
#define hx_slab_slots(pool)                                                   \
    ((hx_slab_page_t *) ((uint8_t *) (pool) + sizeof(hx_slab_pool_t)))
#define hx_slab_page_addr(pool, pg)                                           \
    ((pool)->start + ((uintptr_t) ((pg) - (pool)->pages) << hx_slab_page_shift))


static void hx_slab_list_init(hx_slab_page_t *head);
static void hx_slab_list_insert(hx_slab_page_t *head, hx_slab_page_t *pg);
static void hx_slab_list_remove(hx_slab_page_t *pg);
static void hx_slab_set_prev(hx_slab_page_t *pg, hx_slab_page_t *prev);
static void hx_slab_make_free_run(hx_slab_page_t *pg, hx_uint_t n);
static hx_slab_page_t *hx_slab_alloc_pages(hx_slab_pool_t *pool,
    hx_uint_t n);
static void hx_slab_free_pages(hx_slab_pool_t *pool, hx_slab_page_t *pg,
    hx_uint_t n);
static void *hx_slab_alloc_slot(hx_slab_pool_t *pool, hx_uint_t shift);
static void hx_slab_free_slot(hx_slab_pool_t *pool, hx_slab_page_t *pg,
    uint8_t *p);
static hx_uint_t hx_slab_reserved(hx_uint_t shift);
static void hx_slab_error(hx_slab_pool_t *pool, hx_uint_t level,
    const char *text);


static hx_uint_t  hx_slab_page_size;
static hx_uint_t  hx_slab_page_shift;
static hx_uint_t  hx_slab_max_shift;


/*
 * Learns the page size.  Called once at startup; hx_slab_init() calls it
 * too when nobody has.
 */
void
hx_slab_sizes_init(void)
{
    hx_uint_t  n;

    hx_slab_page_size = (hx_uint_t) getpagesize();

    for (n = hx_slab_page_size, hx_slab_page_shift = 0; n >>= 1;
         hx_slab_page_shift++)
    {
        /* void */
    }

    hx_slab_max_shift = hx_min(hx_slab_page_shift - 1, HX_SLAB_MAX_SHIFT);
}


/*
 * Lays a pool out over [pool, pool->end).  The caller has set pool->addr,
 * end and min_shift (3 unless it wants bigger smallest slots) and created
 * pool->mutex.  Afterwards every page is free, log_nomem is on and
 * log_ctx is empty.
 */
void
hx_slab_init(hx_slab_pool_t *pool)
{
    size_t           size;
    uint8_t         *p;
    hx_uint_t        i, nslots, npages;
    hx_slab_page_t  *slots;

    if (hx_slab_page_size == 0) {
        hx_slab_sizes_init();
    }

    if (pool->min_shift < 3 || pool->min_shift > hx_slab_max_shift) {
        pool->min_shift = 3;
    }

    pool->min_size = (size_t) 1 << pool->min_shift;

    nslots = hx_slab_max_shift - pool->min_shift + 1;

    slots = hx_slab_slots(pool);

    for (i = 0; i < nslots; i++) {
        hx_slab_list_init(&slots[i]);
    }

    p = (uint8_t *) &slots[nslots];

    pool->stats = (hx_slab_stat_t *) p;
    hx_memzero(pool->stats, nslots * sizeof(hx_slab_stat_t));
    p += nslots * sizeof(hx_slab_stat_t);

    size = (pool->end > p) ? (size_t) (pool->end - p) : 0;
    npages = size / (hx_slab_page_size + sizeof(hx_slab_page_t));

    pool->pages = (hx_slab_page_t *) p;
    pool->start = hx_align_ptr(p + npages * sizeof(hx_slab_page_t),
                               hx_slab_page_size);

    /* aligning the first page may have cost the last one */
    while (npages > 0
           && pool->start + npages * hx_slab_page_size > pool->end)
    {
        npages--;
    }

    hx_memzero(pool->pages, npages * sizeof(hx_slab_page_t));

    pool->last = pool->pages + npages;
    pool->pfree = npages;

    hx_slab_list_init(&pool->free);

    if (npages > 0) {
        hx_slab_make_free_run(pool->pages, npages);
        hx_slab_list_insert(&pool->free, pool->pages);
    }

    pool->zero = '\0';
    pool->log_ctx = &pool->zero;
    pool->log_nomem = 1;
}


/*
 * size bytes from the pool, aligned to the slot size (at least
 * 1 << min_shift) or to a page for more than half a page.  NULL when the
 * pool is full; the first such failure after log_nomem was set logs
 * "hx_slab_alloc() failed: no memory" at crit (then log_nomem is cleared:
 * the owner sets it again to hear of the next one, or leaves it 0 when it
 * reports failures itself).
 */
void *
hx_slab_alloc(hx_slab_pool_t *pool, size_t size)
{
    void  *p;

    hx_shmtx_lock(&pool->mutex);
    p = hx_slab_alloc_locked(pool, size);
    hx_shmtx_unlock(&pool->mutex);

    return p;
}


/* hx_slab_alloc() with the pool's mutex already held by the caller */
void *
hx_slab_alloc_locked(hx_slab_pool_t *pool, size_t size)
{
    void            *p;
    hx_uint_t        shift, n;
    hx_slab_page_t  *pg;

    if (size > ((size_t) 1 << hx_slab_max_shift)) {

        if (size > (size_t) (pool->end - pool->start)) {
            goto nomem;
        }

        n = (size >> hx_slab_page_shift)
            + ((size & (hx_slab_page_size - 1)) ? 1 : 0);

        pg = hx_slab_alloc_pages(pool, n);
        if (pg == NULL) {
            goto nomem;
        }

        return hx_slab_page_addr(pool, pg);
    }

    for (shift = pool->min_shift; ((size_t) 1 << shift) < size; shift++) {
        /* void */
    }

    p = hx_slab_alloc_slot(pool, shift);
    if (p != NULL) {
        return p;
    }

nomem:

    if (pool->log_nomem) {
        pool->log_nomem = 0;
        hx_slab_error(pool, HX_LOG_CRIT, "hx_slab_alloc() failed: no memory");
    }

    return NULL;
}


void *
hx_slab_calloc(hx_slab_pool_t *pool, size_t size)
{
    void  *p;

    hx_shmtx_lock(&pool->mutex);
    p = hx_slab_calloc_locked(pool, size);
    hx_shmtx_unlock(&pool->mutex);

    return p;
}


void *
hx_slab_calloc_locked(hx_slab_pool_t *pool, size_t size)
{
    void  *p;

    p = hx_slab_alloc_locked(pool, size);

    if (p != NULL) {
        hx_memzero(p, size);
    }

    return p;
}


/*
 * Gives p back to the pool.  A pointer that was not handed out by the
 * pool, or is freed twice, is logged at alert and otherwise ignored.
 */
void
hx_slab_free(hx_slab_pool_t *pool, void *p)
{
    hx_shmtx_lock(&pool->mutex);
    hx_slab_free_locked(pool, p);
    hx_shmtx_unlock(&pool->mutex);
}


/* hx_slab_free() with the pool's mutex already held by the caller */
void
hx_slab_free_locked(hx_slab_pool_t *pool, void *p)
{
    uint8_t         *u;
    hx_uint_t        i;
    hx_slab_page_t  *pg;

    u = p;

    if (u < pool->start || u >= pool->end) {
        hx_slab_error(pool, HX_LOG_ALERT, "hx_slab_free(): outside of pool");
        return;
    }

    i = (hx_uint_t) (u - pool->start) >> hx_slab_page_shift;
    pg = &pool->pages[i];

    if (pg >= pool->last) {
        hx_slab_error(pool, HX_LOG_ALERT, "hx_slab_free(): outside of pool");
        return;
    }

    switch (hx_slab_type(pg)) {

    case HX_SLAB_SLOTS:
        hx_slab_free_slot(pool, pg, u);
        return;

    case HX_SLAB_RUN:
        if (pg->slab == 0 || u != hx_slab_page_addr(pool, pg)) {
            hx_slab_error(pool, HX_LOG_ALERT,
                          "hx_slab_free(): pointer to wrong chunk");
            return;
        }

        hx_slab_free_pages(pool, pg, pg->slab);
        return;

    default:
        hx_slab_error(pool, HX_LOG_ALERT,
                      "hx_slab_free(): page is already free");
        return;
    }
}


/* lists are circular with a sentinel head */
static void
hx_slab_list_init(hx_slab_page_t *head)
{
    head->slab = 0;
    head->next = head;
    head->prev = (uintptr_t) head;
}


static void
hx_slab_list_insert(hx_slab_page_t *head, hx_slab_page_t *pg)
{
    pg->next = head->next;
    hx_slab_set_prev(pg, head);
    hx_slab_set_prev(head->next, pg);
    head->next = pg;
}


static void
hx_slab_list_remove(hx_slab_page_t *pg)
{
    hx_slab_page_t  *prev;

    prev = hx_slab_prev(pg);

    prev->next = pg->next;
    hx_slab_set_prev(pg->next, prev);

    pg->next = NULL;
    pg->prev &= HX_SLAB_TYPE_MASK;
}


/* changes the previous pointer and keeps the type bits */
static void
hx_slab_set_prev(hx_slab_page_t *pg, hx_slab_page_t *prev)
{
    pg->prev = (uintptr_t) prev | (pg->prev & HX_SLAB_TYPE_MASK);
}


/*
 * Marks pg as the first of a free run of n pages (not yet on the list)
 * and points the run's last page back at it.
 */
static void
hx_slab_make_free_run(hx_slab_page_t *pg, hx_uint_t n)
{
    hx_slab_page_t  *tail;

    pg->slab = n;
    pg->next = NULL;
    pg->prev = HX_SLAB_FREE;

    if (n > 1) {
        tail = pg + n - 1;
        tail->slab = 0;
        tail->next = NULL;
        tail->prev = (uintptr_t) pg | HX_SLAB_FREE;
    }
}


/* the first free run of at least n pages, cut to n and marked RUN */
static hx_slab_page_t *
hx_slab_alloc_pages(hx_slab_pool_t *pool, hx_uint_t n)
{
    hx_uint_t        i, rest;
    hx_slab_page_t  *pg;

    if (n == 0) {
        return NULL;
    }

    for (pg = pool->free.next; pg != &pool->free; pg = pg->next) {

        if (pg->slab < n) {
            continue;
        }

        rest = pg->slab - n;

        hx_slab_list_remove(pg);

        if (rest) {
            hx_slab_make_free_run(pg + n, rest);
            hx_slab_list_insert(&pool->free, pg + n);
        }

        pg->slab = n;
        pg->next = NULL;
        pg->prev = HX_SLAB_RUN;

        for (i = 1; i < n; i++) {
            pg[i].slab = 0;
            pg[i].next = NULL;
            pg[i].prev = (uintptr_t) pg | HX_SLAB_RUN;
        }

        pool->pfree -= n;

        return pg;
    }

    return NULL;
}


/* returns n pages from pg on to the free runs, merging with neighbours */
static void
hx_slab_free_pages(hx_slab_pool_t *pool, hx_slab_page_t *pg, hx_uint_t n)
{
    hx_uint_t        i;
    hx_slab_page_t  *next, *prev, *head;

    pool->pfree += n;

    for (i = 0; i < n; i++) {
        pg[i].slab = 0;
        pg[i].next = NULL;
        pg[i].prev = HX_SLAB_FREE;
    }

    next = pg + n;

    if (next < pool->last && hx_slab_type(next) == HX_SLAB_FREE) {
        /* next is the first page of a free run */
        hx_slab_list_remove(next);
        n += next->slab;
        next->slab = 0;
    }

    if (pg > pool->pages) {
        prev = pg - 1;

        if (hx_slab_type(prev) == HX_SLAB_FREE) {
            head = prev->slab ? prev : hx_slab_prev(prev);

            hx_slab_list_remove(head);
            n += head->slab;
            pg = head;
        }
    }

    hx_slab_make_free_run(pg, n);
    hx_slab_list_insert(&pool->free, pg);
}


/* a slot of 1 << shift bytes, or NULL when no page can be had */
static void *
hx_slab_alloc_slot(hx_slab_pool_t *pool, hx_uint_t shift)
{
    uint8_t          *addr;
    uintptr_t        *map, bits, full;
    hx_uint_t         idx, n, reserved, w, bit, slot, i;
    hx_slab_page_t   *head, *pg;
    hx_slab_stat_t   *st;

    idx = shift - pool->min_shift;
    head = &hx_slab_slots(pool)[idx];
    st = &pool->stats[idx];

    st->reqs++;

    n = hx_slab_page_size >> shift;
    reserved = hx_slab_reserved(shift);

    pg = head->next;

    if (pg == head) {
        pg = hx_slab_alloc_pages(pool, 1);
        if (pg == NULL) {
            st->fails++;
            return NULL;
        }

        pg->slab = shift;
        pg->prev = HX_SLAB_SLOTS;

        if (reserved) {
            /* the bitmap sits in its own first slots; mark them used */
            map = (uintptr_t *) hx_slab_page_addr(pool, pg);
            hx_memzero(map, n / 8);

            for (i = 0; i < reserved; i++) {
                map[i / HX_SLAB_WORD_BITS] |=
                    (uintptr_t) 1 << (i % HX_SLAB_WORD_BITS);
            }
        }

        hx_slab_list_insert(head, pg);
        st->total += n - reserved;
    }

    addr = hx_slab_page_addr(pool, pg);

    if (reserved == 0) {
        full = (n == HX_SLAB_WORD_BITS) ? ~(uintptr_t) 0
                                        : ((uintptr_t) 1 << n) - 1;
        bits = pg->slab >> HX_SLAB_SHIFT_BITS;
        slot = (hx_uint_t) __builtin_ctzl((unsigned long) (~bits & full));

        bits |= (uintptr_t) 1 << slot;
        pg->slab = (bits << HX_SLAB_SHIFT_BITS) | shift;

        if (bits == full) {
            hx_slab_list_remove(pg);
        }

    } else {
        map = (uintptr_t *) addr;

        for (w = 0; map[w] == ~(uintptr_t) 0; w++) {
            /* a page on the list has a free slot, so this stops */
        }

        bit = (hx_uint_t) __builtin_ctzl((unsigned long) ~map[w]);
        map[w] |= (uintptr_t) 1 << bit;
        slot = w * HX_SLAB_WORD_BITS + bit;

        pg->slab += (uintptr_t) 1 << HX_SLAB_SHIFT_BITS;

        if ((pg->slab >> HX_SLAB_SHIFT_BITS) == n - reserved) {
            hx_slab_list_remove(pg);
        }
    }

    st->used++;

    return addr + ((uintptr_t) slot << shift);
}


static void
hx_slab_free_slot(hx_slab_pool_t *pool, hx_slab_page_t *pg, uint8_t *p)
{
    uintptr_t        *map, m, bits;
    hx_uint_t         shift, idx, n, reserved, slot, used;
    hx_slab_page_t   *head;
    hx_slab_stat_t   *st;

    shift = (hx_uint_t) (pg->slab & HX_SLAB_SHIFT_MASK);

    if ((uintptr_t) p & (((uintptr_t) 1 << shift) - 1)) {
        hx_slab_error(pool, HX_LOG_ALERT,
                      "hx_slab_free(): pointer to wrong chunk");
        return;
    }

    n = hx_slab_page_size >> shift;
    reserved = hx_slab_reserved(shift);
    slot = (hx_uint_t) (((uintptr_t) p & (hx_slab_page_size - 1)) >> shift);

    if (slot < reserved) {
        hx_slab_error(pool, HX_LOG_ALERT,
                      "hx_slab_free(): pointer to wrong chunk");
        return;
    }

    m = (uintptr_t) 1 << (slot % HX_SLAB_WORD_BITS);

    if (reserved == 0) {
        bits = pg->slab >> HX_SLAB_SHIFT_BITS;

        if (!(bits & m)) {
            goto already_free;
        }

        bits &= ~m;
        pg->slab = (bits << HX_SLAB_SHIFT_BITS) | shift;
        used = (hx_uint_t) __builtin_popcountl((unsigned long) bits);

    } else {
        map = (uintptr_t *) (p - ((uintptr_t) slot << shift));

        if (!(map[slot / HX_SLAB_WORD_BITS] & m)) {
            goto already_free;
        }

        map[slot / HX_SLAB_WORD_BITS] &= ~m;
        pg->slab -= (uintptr_t) 1 << HX_SLAB_SHIFT_BITS;
        used = (hx_uint_t) (pg->slab >> HX_SLAB_SHIFT_BITS);
    }

    idx = shift - pool->min_shift;
    head = &hx_slab_slots(pool)[idx];
    st = &pool->stats[idx];

    st->used--;

    if (used == 0) {
        /* an empty page goes back to the free runs */
        if (pg->next != NULL) {
            hx_slab_list_remove(pg);
        }

        st->total -= n - reserved;
        hx_slab_free_pages(pool, pg, 1);
        return;
    }

    if (pg->next == NULL) {
        /* it was full: it has room again */
        hx_slab_list_insert(head, pg);
    }

    return;

already_free:

    hx_slab_error(pool, HX_LOG_ALERT, "hx_slab_free(): chunk is already free");
}


/*
 * How many leading slots of a page with slots of 1 << shift bytes hold
 * the page's own bitmap: 0 when the bitmap fits in the descriptor.
 */
static hx_uint_t
hx_slab_reserved(hx_uint_t shift)
{
    hx_uint_t  n, bytes;

    n = hx_slab_page_size >> shift;

    if (n <= HX_SLAB_WORD_BITS - HX_SLAB_SHIFT_BITS) {
        return 0;
    }

    bytes = n / 8;

    return (bytes + ((hx_uint_t) 1 << shift) - 1) >> shift;
}


static void
hx_slab_error(hx_slab_pool_t *pool, hx_uint_t level, const char *text)
{
    hx_log_t  *log;

    log = (hx_cycle != NULL) ? hx_cycle->log : NULL;

    if (log != NULL) {
        hx_log_error(level, log, 0, "%s%s", text, pool->log_ctx);
    }
}

/*
 * Tests of the slab allocator: alignment, random allocation until the
 * zone is full with no two blocks overlapping, every page free again
 * (and mergeable into one run) after everything is freed, statistics,
 * the "no memory" message, bad frees, and two processes sharing a zone.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <criterion/criterion.h>


#define ZONE_SIZE  (1024 * 1024)


typedef struct {
    uint8_t   *p;
    size_t     size;
} block_t;


static hx_log_t         test_log;
static hx_cycle_t       cycle;
static hx_uint_t        logged_level;
static hx_uint_t        nlogged;
static char             logged[512];
static hx_slab_pool_t  *pool;
static hx_uint_t        page_size;
static hx_uint_t        all_pages;


static void
capture(hx_log_t *l, hx_uint_t level, uint8_t *buf, size_t len)
{
    (void) l;

    nlogged++;
    logged_level = level;
    len = hx_min(len, sizeof(logged) - 1);
    memcpy(logged, buf, len);
    logged[len] = '\0';
}


static void
setup(void)
{
    uint8_t  *addr;

    hx_memzero(&test_log, sizeof(test_log));
    test_log.log_level = HX_LOG_DEBUG;
    test_log.writer = capture;

    hx_memzero(&cycle, sizeof(cycle));
    cycle.log = &test_log;
    hx_cycle = &cycle;

    hx_time_init();

    page_size = (hx_uint_t) getpagesize();
    hx_slab_sizes_init();

    addr = mmap(NULL, ZONE_SIZE, PROT_READ|PROT_WRITE,
                MAP_ANONYMOUS|MAP_SHARED, -1, 0);
    cr_assert(addr != MAP_FAILED);

    pool = (hx_slab_pool_t *) addr;
    pool->end = addr + ZONE_SIZE;
    pool->min_shift = 3;
    pool->addr = addr;

    cr_assert_eq(hx_shmtx_create(&pool->mutex, &test_log), HX_OK);
    hx_slab_init(pool);

    all_pages = pool->pfree;

    nlogged = 0;
    logged[0] = '\0';
}


static void
teardown(void)
{
    munmap(pool->addr, ZONE_SIZE);
}


TestSuite(hx_slab, .init = setup, .fini = teardown, .timeout = 60);


static int
cmp_block(const void *a, const void *b)
{
    const block_t  *x = a, *y = b;

    return (x->p > y->p) - (x->p < y->p);
}


static hx_uint_t
slot_size(size_t size)
{
    hx_uint_t  s;

    for (s = 8; s < size; s <<= 1) { /* void */ }

    return s;
}


Test(hx_slab, layout_fits_the_zone)
{
    cr_assert(all_pages > 0);
    cr_assert(all_pages <= ZONE_SIZE / page_size);
    cr_assert(all_pages >= ZONE_SIZE / page_size - 3);
    cr_assert_eq((uintptr_t) pool->start % page_size, 0);
    cr_assert(pool->start + all_pages * page_size <= pool->end);
    cr_assert((uint8_t *) pool->last <= pool->start);
    cr_assert_eq(pool->min_size, 8);
    cr_assert_eq(pool->log_nomem, 1);
    cr_assert_str_eq((char *) pool->log_ctx, "");
}


Test(hx_slab, blocks_are_aligned_to_their_slot_or_page)
{
    uint8_t  *p;
    size_t    size;

    for (size = 1; size <= 3 * page_size; size = size * 3 / 2 + 1) {
        p = hx_slab_alloc(pool, size);
        cr_assert(p != NULL, "size %zu", size);
        cr_assert(p >= pool->start && p + size <= pool->end);

        if (size <= page_size / 2) {
            cr_assert_eq((uintptr_t) p % slot_size(size), 0, "size %zu",
                         size);

        } else {
            cr_assert_eq((uintptr_t) p % page_size, 0, "size %zu", size);
        }
    }

    p = hx_slab_alloc(pool, 0);
    cr_assert(p != NULL);
    cr_assert_eq((uintptr_t) p % 8, 0);
}


Test(hx_slab, random_sizes_until_full_then_all_free_again)
{
    static block_t  blocks[200000];

    hx_uint_t   n, i, j, k, round;
    size_t      size;
    uint8_t    *p;
    block_t     t;

    srandom(7);

    for (round = 0; round < 3; round++) {
        n = 0;

        for ( ;; ) {
            switch (random() % 4) {
            case 0:
                size = 1 + random() % 64;
                break;
            case 1:
                size = 1 + random() % 512;
                break;
            case 2:
                size = 1 + random() % page_size;
                break;
            default:
                size = 1 + random() % (4 * page_size);
            }

            p = hx_slab_alloc(pool, size);

            if (p == NULL) {
                /* full for this size: a smaller one may still fit */
                p = hx_slab_alloc(pool, 8);

                if (p == NULL) {
                    break;
                }

                size = 8;
            }

            blocks[n].p = p;
            blocks[n].size = size;
            memset(p, (int) (n & 0xff), size);
            n++;

            cr_assert(n < hx_nelems(blocks));

            /* free some on the way, so that runs split and merge */
            if (random() % 5 == 0) {
                k = random() % n;
                hx_slab_free(pool, blocks[k].p);
                blocks[k] = blocks[--n];

                if (k < n) {
                    memset(blocks[k].p, (int) (k & 0xff), blocks[k].size);
                }
            }
        }

        cr_assert(n > 100);
        cr_assert_eq(pool->pfree, 0);

        /* contents intact */
        for (i = 0; i < n; i++) {
            for (j = 0; j < blocks[i].size; j++) {
                cr_assert_eq(blocks[i].p[j], (uint8_t) (i & 0xff),
                             "block %lu overwritten", (unsigned long) i);
            }
        }

        /* no overlap, all inside the pages */
        qsort(blocks, n, sizeof(block_t), cmp_block);

        for (i = 0; i < n; i++) {
            cr_assert(blocks[i].p >= pool->start);
            cr_assert(blocks[i].p + blocks[i].size
                      <= pool->start + all_pages * page_size);

            if (i > 0) {
                cr_assert(blocks[i - 1].p + blocks[i - 1].size
                          <= blocks[i].p, "blocks overlap");
            }
        }

        /* free in random order */
        for (i = n; i > 1; i--) {
            k = random() % i;
            t = blocks[k];
            blocks[k] = blocks[i - 1];
            blocks[i - 1] = t;
        }

        for (i = 0; i < n; i++) {
            hx_slab_free(pool, blocks[i].p);
        }

        cr_assert_eq(pool->pfree, all_pages, "round %lu",
                     (unsigned long) round);
        cr_assert_eq(pool->stats[0].used, 0);
    }

    cr_assert(strstr(logged, "no memory") != NULL, "%s", logged);
}


Test(hx_slab, freeing_everything_gives_every_page_back_in_one_run)
{
    static block_t  blocks[100000];

    hx_uint_t   n, i, k, s, nslots;
    size_t      size;
    uint8_t    *p;

    srandom(11);
    n = 0;

    /* fill with random sizes until even the smallest fails */
    for ( ;; ) {
        size = 1 + random() % (random() % 2 ? 300 : 3 * page_size);

        p = hx_slab_alloc(pool, size);

        if (p == NULL) {
            p = hx_slab_alloc(pool, 1);

            if (p == NULL) {
                break;
            }

            size = 1;
        }

        blocks[n].p = p;
        blocks[n].size = size;
        memset(p, 0xa5, size);
        n++;
    }

    cr_assert_eq(pool->pfree, 0);
    cr_assert_eq(nlogged, 1, "one message per log_nomem");
    cr_assert_eq(logged_level, HX_LOG_CRIT);
    cr_assert(strstr(logged, "hx_slab_alloc() failed: no memory") != NULL);

    for (i = n; i > 0; i--) {
        k = random() % i;
        hx_slab_free(pool, blocks[k].p);
        blocks[k] = blocks[i - 1];
    }

    cr_assert_eq(nlogged, 1, "%s", logged);
    cr_assert_eq(pool->pfree, all_pages);

    nslots = 0;

    for (s = pool->min_shift; (1u << s) <= page_size / 2; s++) {
        nslots++;
        cr_assert_eq(pool->stats[s - pool->min_shift].used, 0);
        cr_assert_eq(pool->stats[s - pool->min_shift].total, 0);
    }

    cr_assert(nslots > 5);

    /* merged back into one run: the whole zone in one allocation */
    p = hx_slab_alloc(pool, all_pages * page_size);
    cr_assert(p == pool->start);
    cr_assert_eq(pool->pfree, 0);
    hx_slab_free(pool, p);
    cr_assert_eq(pool->pfree, all_pages);
}


Test(hx_slab, stats_count_slots_per_size)
{
    void            *p[40];
    hx_uint_t        i, per_page;
    hx_slab_stat_t  *st;

    /* 100 bytes go to the 128-byte slots */
    st = &pool->stats[7 - pool->min_shift];
    per_page = page_size / 128;

    for (i = 0; i < 40; i++) {
        p[i] = hx_slab_alloc(pool, 100);
        cr_assert(p[i] != NULL);
    }

    cr_assert_eq(st->reqs, 40);
    cr_assert_eq(st->used, 40);
    cr_assert_eq(st->total, ((40 + per_page - 1) / per_page) * per_page);
    cr_assert_eq(st->fails, 0);

    for (i = 0; i < 40; i++) {
        hx_slab_free(pool, p[i]);
    }

    cr_assert_eq(st->used, 0);
    cr_assert_eq(st->total, 0);
    cr_assert_eq(pool->pfree, all_pages);
}


Test(hx_slab, small_slots_keep_their_bitmap_in_the_page)
{
    uint8_t    *p, *first;
    hx_uint_t   i, n;

    /* 8-byte slots: the page's first slots hold the bitmap */
    first = hx_slab_alloc(pool, 8);
    cr_assert(first != NULL);
    cr_assert((uintptr_t) first % page_size != 0);

    n = page_size / 8 - (page_size / 8 / 8 + 7) / 8;

    for (i = 1; i < n; i++) {
        p = hx_slab_alloc(pool, 8);
        cr_assert(p != NULL);
        cr_assert_eq((uintptr_t) p / page_size,
                     (uintptr_t) first / page_size, "slot %lu",
                     (unsigned long) i);
        memset(p, 0xff, 8);
    }

    /* the page is full now: the next slot starts a new page */
    p = hx_slab_alloc(pool, 8);
    cr_assert_neq((uintptr_t) p / page_size, (uintptr_t) first / page_size);
    cr_assert_eq(pool->pfree, all_pages - 2);

    /* and freeing into the bitmap area is refused */
    hx_slab_free(pool, (void *) ((uintptr_t) first & ~(uintptr_t) 7
                                 & ~((uintptr_t) page_size - 1)));
    cr_assert(strstr(logged, "wrong chunk") != NULL, "%s", logged);
}


Test(hx_slab, calloc_zeroes)
{
    uint8_t    *p;
    hx_uint_t   i;

    p = hx_slab_alloc(pool, 200);
    memset(p, 0xff, 200);
    hx_slab_free(pool, p);

    p = hx_slab_calloc(pool, 200);
    cr_assert(p != NULL);

    for (i = 0; i < 200; i++) {
        cr_assert_eq(p[i], 0);
    }

    p = hx_slab_calloc(pool, 2 * page_size + 1);
    cr_assert(p != NULL);
    cr_assert_eq(p[2 * page_size], 0);
}


Test(hx_slab, no_memory_is_logged_once_per_flag)
{
    uint8_t  *p;

    pool->log_ctx = (uint8_t *) " in test zone \"z\"";

    p = hx_slab_alloc(pool, ZONE_SIZE);
    cr_assert(p == NULL);
    cr_assert_eq(nlogged, 1);
    cr_assert_eq(logged_level, HX_LOG_CRIT);
    cr_assert(strstr(logged, "hx_slab_alloc() failed: no memory"
                             " in test zone \"z\"") != NULL, "%s", logged);
    cr_assert_eq(pool->log_nomem, 0);

    cr_assert(hx_slab_alloc(pool, (all_pages + 1) * page_size) == NULL);
    cr_assert_eq(nlogged, 1);

    pool->log_nomem = 1;
    cr_assert(hx_slab_alloc(pool, (all_pages + 1) * page_size) == NULL);
    cr_assert_eq(nlogged, 2);

    /* an owner that handles failures itself sees no message */
    pool->log_nomem = 0;
    cr_assert(hx_slab_alloc(pool, (all_pages + 1) * page_size) == NULL);
    cr_assert_eq(nlogged, 2);

    cr_assert(hx_slab_alloc(pool, all_pages * page_size) != NULL);
}


Test(hx_slab, bad_frees_are_reported_and_ignored)
{
    uint8_t  *small, *big;
    int       outside;

    small = hx_slab_alloc(pool, 64);
    big = hx_slab_alloc(pool, 3 * page_size);

    hx_slab_free(pool, &outside);
    cr_assert(strstr(logged, "outside of pool") != NULL, "%s", logged);
    cr_assert_eq(logged_level, HX_LOG_ALERT);

    logged[0] = '\0';
    hx_slab_free(pool, small + 1);
    cr_assert(strstr(logged, "wrong chunk") != NULL, "%s", logged);

    logged[0] = '\0';
    hx_slab_free(pool, big + page_size);
    cr_assert(strstr(logged, "wrong chunk") != NULL, "%s", logged);

    logged[0] = '\0';
    hx_slab_free(pool, big + 8);
    cr_assert(strstr(logged, "wrong chunk") != NULL, "%s", logged);

    /* the block next to small keeps the page alive for the double free */
    cr_assert(hx_slab_alloc(pool, 64) != NULL);

    logged[0] = '\0';
    hx_slab_free(pool, small);
    cr_assert_str_eq(logged, "");
    hx_slab_free(pool, small);
    cr_assert(strstr(logged, "chunk is already free") != NULL, "%s", logged);

    logged[0] = '\0';
    hx_slab_free(pool, big);
    cr_assert_str_eq(logged, "");
    hx_slab_free(pool, big);
    cr_assert(strstr(logged, "page is already free") != NULL, "%s", logged);

    cr_assert_eq(pool->pfree, all_pages - 1);
}


Test(hx_slab, two_processes_share_a_zone)
{
    pid_t       pid;
    int         status;
    hx_uint_t   i, j;
    void       *p[64];

    pid = fork();
    cr_assert(pid != -1);

    srandom(pid == 0 ? 1 : 2);

    for (i = 0; i < 2000; i++) {
        for (j = 0; j < 64; j++) {
            p[j] = hx_slab_alloc(pool, 1 + random() % (2 * page_size));
            cr_assert(p[j] != NULL);
        }

        for (j = 0; j < 64; j++) {
            hx_slab_free(pool, p[j]);
        }
    }

    if (pid == 0) {
        _exit(0);
    }

    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    cr_assert_eq(pool->pfree, all_pages);
    cr_assert_str_eq(logged, "");
}

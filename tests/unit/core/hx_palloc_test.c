/*
 * Unit tests for core/hx_palloc.c: small and large allocations,
 * alignment, block chaining, early frees, cleanups and reset.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <criterion/criterion.h>


/* let the allocation-failure test see NULL instead of an ASan abort */
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}


static uint8_t    logged[2048];
static size_t     logged_len;
static hx_uint_t  logged_level;

static void
capture(hx_log_t *log, hx_uint_t level, uint8_t *buf, size_t len)
{
    (void) log;

    len = hx_min(len, sizeof(logged) - 1);
    hx_memcpy(logged, buf, len);
    logged[len] = '\0';
    logged_len = len;
    logged_level = level;
}


static hx_log_t  test_log;

static void
setup(void)
{
    /* the real logger stamps lines from the time cache */
    hx_time_init();

    hx_memzero(&test_log, sizeof(hx_log_t));
    test_log.log_level = HX_LOG_NOTICE;
    test_log.writer = capture;
    logged_len = 0;
}


static hx_uint_t
nblocks(hx_pool_t *pool)
{
    hx_uint_t   n;
    hx_pool_t  *p;

    n = 0;
    for (p = pool; p; p = p->d.next) {
        n++;
    }

    return n;
}


static hx_uint_t
nlarge(hx_pool_t *pool)
{
    hx_uint_t         n;
    hx_pool_large_t  *l;

    n = 0;
    for (l = pool->large; l; l = l->next) {
        if (l->alloc) {
            n++;
        }
    }

    return n;
}


/* whether p..p+size lies inside one of the pool's blocks */
static int
in_pool(hx_pool_t *pool, void *ptr, size_t size)
{
    hx_pool_t  *p;
    uint8_t    *m = ptr;

    for (p = pool; p; p = p->d.next) {
        if (m >= (uint8_t *) p && m + size <= p->d.end) {
            return 1;
        }
    }

    return 0;
}


TestSuite(hx_palloc, .init = setup);


Test(hx_palloc, create_sets_limits)
{
    hx_pool_t  *pool;

    pool = hx_create_pool(1024, &test_log);
    cr_assert_not_null(pool);
    cr_assert_eq(pool->max, 1024 - sizeof(hx_pool_t));
    cr_assert_eq(pool->current, pool);
    cr_assert_eq(pool->d.end - (uint8_t *) pool, 1024);
    cr_assert_eq((uintptr_t) pool % HX_POOL_ALIGNMENT, 0);
    hx_destroy_pool(pool);

    pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, &test_log);
    cr_assert_eq(pool->max, HX_MAX_ALLOC_FROM_POOL);
    hx_destroy_pool(pool);

    pool = hx_create_pool(1, &test_log);
    cr_assert_not_null(pool);
    cr_assert_eq(pool->d.end - (uint8_t *) pool, HX_MIN_POOL_SIZE);
    cr_assert_not_null(hx_palloc(pool, 8));
    hx_destroy_pool(pool);
}


Test(hx_palloc, many_small_allocations_chain_blocks)
{
    int         i;
    uint8_t    *p[2000];
    hx_pool_t  *pool;

    pool = hx_create_pool(1024, &test_log);

    for (i = 0; i < 2000; i++) {
        p[i] = hx_pnalloc(pool, 7);
        cr_assert_not_null(p[i]);
        cr_assert(in_pool(pool, p[i], 7));
        hx_memset(p[i], i & 0xff, 7);
    }

    cr_assert_gt(nblocks(pool), 10);
    cr_assert_eq(nlarge(pool), 0);

    /* nothing overlapped */
    for (i = 0; i < 2000; i++) {
        cr_assert_eq(p[i][0], (uint8_t) (i & 0xff));
        cr_assert_eq(p[i][6], (uint8_t) (i & 0xff));
    }

    hx_destroy_pool(pool);
}


Test(hx_palloc, aligned_and_unaligned)
{
    int         i;
    uint8_t    *p, *q;
    hx_pool_t  *pool;

    pool = hx_create_pool(4096, &test_log);

    for (i = 0; i < 100; i++) {
        p = hx_pnalloc(pool, 3);
        q = hx_palloc(pool, 5);
        cr_assert_eq((uintptr_t) q % HX_ALIGNMENT, 0);
        cr_assert_geq(q, p + 3);
    }

    /* unaligned allocations pack tightly */
    p = hx_pnalloc(pool, 1);
    q = hx_pnalloc(pool, 1);
    cr_assert_eq(q, p + 1);

    p = hx_pmemalign(pool, 100, 4096);
    cr_assert_not_null(p);
    cr_assert_eq((uintptr_t) p % 4096, 0);
    cr_assert_eq(nlarge(pool), 1);
    cr_assert_eq(hx_pfree(pool, p), HX_OK);

    hx_destroy_pool(pool);
}


Test(hx_palloc, pcalloc_zeroes)
{
    int         i;
    uint8_t    *p;
    hx_pool_t  *pool;

    pool = hx_create_pool(1024, &test_log);

    p = hx_pnalloc(pool, 64);
    hx_memset(p, 0xff, 64);
    hx_reset_pool(pool);

    p = hx_pcalloc(pool, 64);
    for (i = 0; i < 64; i++) {
        cr_assert_eq(p[i], 0);
    }

    p = hx_pcalloc(pool, 8000);
    for (i = 0; i < 8000; i++) {
        cr_assert_eq(p[i], 0);
    }

    hx_destroy_pool(pool);
}


Test(hx_palloc, full_blocks_are_skipped_via_current)
{
    int         i;
    hx_pool_t  *pool;

    pool = hx_create_pool(1024, &test_log);

    /* each request only fits in a fresh block */
    for (i = 0; i < 8; i++) {
        cr_assert_not_null(hx_pnalloc(pool, 900));
    }

    cr_assert_eq(nblocks(pool), 8);
    cr_assert_neq(pool->current, pool);
    cr_assert_geq(pool->d.failed, 4);

    /* a small request is still served, from a block at or after current */
    cr_assert(in_pool(pool->current, hx_pnalloc(pool, 16), 16));

    hx_destroy_pool(pool);
}


Test(hx_palloc, large_allocations_and_pfree)
{
    uint8_t    *a, *b, *c, *small;
    hx_pool_t  *pool;

    pool = hx_create_pool(1024, &test_log);

    a = hx_palloc(pool, 5000);
    b = hx_pnalloc(pool, 1024 - sizeof(hx_pool_t) + 1);
    cr_assert_not_null(a);
    cr_assert_not_null(b);
    cr_assert_not(in_pool(pool, a, 1));
    cr_assert_eq(nlarge(pool), 2);
    hx_memset(a, 1, 5000);

    small = hx_palloc(pool, 16);
    cr_assert_eq(hx_pfree(pool, small), HX_DECLINED);
    cr_assert_eq(hx_pfree(pool, NULL), HX_DECLINED);

    cr_assert_eq(hx_pfree(pool, a), HX_OK);
    cr_assert_eq(nlarge(pool), 1);
    cr_assert_eq(hx_pfree(pool, a), HX_DECLINED);

    /* the freed slot is reused rather than a new record allocated */
    c = hx_palloc(pool, 6000);
    cr_assert_not_null(c);
    cr_assert_eq(nlarge(pool), 2);
    cr_assert_eq(pool->large->next->alloc, c);

    hx_destroy_pool(pool);
}


static int  order[8];
static int  norder;

static void
record(void *data)
{
    order[norder++] = *(int *) data;
}


Test(hx_palloc, cleanups_run_in_reverse_order)
{
    int                 i;
    hx_pool_t          *pool;
    hx_pool_cleanup_t  *cln;

    norder = 0;
    pool = hx_create_pool(1024, &test_log);

    for (i = 1; i <= 3; i++) {
        cln = hx_pool_cleanup_add(pool, sizeof(int));
        cr_assert_not_null(cln);
        cr_assert_not_null(cln->data);
        cr_assert_null(cln->handler);
        *(int *) cln->data = i;
        cln->handler = record;
    }

    cln = hx_pool_cleanup_add(pool, 0);
    cr_assert_null(cln->data);

    hx_destroy_pool(pool);

    cr_assert_eq(norder, 3);
    cr_assert_eq(order[0], 3);
    cr_assert_eq(order[1], 2);
    cr_assert_eq(order[2], 1);
}


Test(hx_palloc, reset_runs_cleanups_frees_large_and_reuses_blocks)
{
    int                 i;
    uint8_t            *first, *p;
    hx_uint_t           blocks;
    hx_pool_t          *pool;
    hx_pool_cleanup_t  *cln;

    norder = 0;
    pool = hx_create_pool(1024, &test_log);

    first = hx_pnalloc(pool, 16);
    hx_memset(first, 0, 16);

    for (i = 0; i < 5; i++) {
        cr_assert_not_null(hx_pnalloc(pool, 900));
    }
    cr_assert_not_null(hx_palloc(pool, 10000));

    blocks = nblocks(pool);
    cr_assert_gt(blocks, 1);

    cln = hx_pool_cleanup_add(pool, sizeof(int));
    *(int *) cln->data = 7;
    cln->handler = record;

    hx_reset_pool(pool);

    cr_assert_eq(norder, 1);
    cr_assert_eq(order[0], 7);
    cr_assert_null(pool->cleanup);
    cr_assert_null(pool->large);
    cr_assert_eq(pool->current, pool);
    cr_assert_eq(nblocks(pool), blocks);

#if (HX_DEBUG)
    /* debug builds poison what the reset released */
    for (i = 0; i < 16; i++) {
        cr_assert_eq(first[i], 0xA5);
    }
#endif

    /* the first block is served again from its start */
    p = hx_pnalloc(pool, 16);
    cr_assert_eq(p, first);

    /* the later blocks are empty again too */
    for (i = 0; i < 5; i++) {
        cr_assert_not_null(hx_pnalloc(pool, 900));
    }
    cr_assert_eq(nblocks(pool), blocks);

    hx_destroy_pool(pool);
    cr_assert_eq(norder, 1);
}


Test(hx_palloc, pstrdup_terminates)
{
    hx_pool_t  *pool;
    hx_str_t    s = hx_string("hello"), e = hx_null_string;
    uint8_t    *d;

    pool = hx_create_pool(1024, &test_log);

    d = hx_pstrdup(pool, &s);
    cr_assert_str_eq((char *) d, "hello");
    cr_assert_neq(d, s.data);

    d = hx_pstrdup(pool, &e);
    cr_assert_str_eq((char *) d, "");

    hx_destroy_pool(pool);
}


static int
fd_is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}


Test(hx_palloc, file_cleanup_closes_once)
{
    int                      fd, other;
    hx_pool_t               *pool;
    hx_pool_cleanup_t       *cln;
    hx_pool_cleanup_file_t  *cf;

    pool = hx_create_pool(1024, &test_log);

    fd = open("/dev/null", O_RDONLY);
    cr_assert_neq(fd, -1);

    cln = hx_pool_cleanup_add(pool, sizeof(hx_pool_cleanup_file_t));
    cln->handler = hx_pool_cleanup_file;
    cf = cln->data;
    cf->fd = fd;
    cf->name = (uint8_t *) "/dev/null";
    cf->log = &test_log;

    hx_pool_run_cleanup_file(pool, fd + 1000);
    cr_assert(fd_is_open(fd));

    hx_pool_run_cleanup_file(pool, fd);
    cr_assert_not(fd_is_open(fd));
    cr_assert_null(cln->handler);

    /* the number comes back for another file; destroy must not close it */
    other = open("/dev/null", O_RDONLY);
    cr_assert_eq(other, fd);

    hx_destroy_pool(pool);
    cr_assert(fd_is_open(other));
    close(other);
}


Test(hx_palloc, delete_file_cleanup_unlinks_and_closes)
{
    int                      fd;
    char                     name[] = "/tmp/hx_palloc_test.XXXXXX";
    struct stat              sb;
    hx_pool_t               *pool;
    hx_pool_cleanup_t       *cln;
    hx_pool_cleanup_file_t  *cf;

    pool = hx_create_pool(1024, &test_log);

    fd = mkstemp(name);
    cr_assert_neq(fd, -1);

    cln = hx_pool_cleanup_add(pool, sizeof(hx_pool_cleanup_file_t));
    cln->handler = hx_pool_delete_file;
    cf = cln->data;
    cf->fd = fd;
    cf->name = (uint8_t *) name;
    cf->log = &test_log;

    hx_destroy_pool(pool);

    cr_assert_eq(stat(name, &sb), -1);
    cr_assert_eq(errno, ENOENT);
    cr_assert_not(fd_is_open(fd));
    cr_assert_eq(logged_len, 0);
}


Test(hx_palloc, malloc_failure_is_logged_at_emerg)
{
    void  *p;

    p = hx_alloc(SIZE_MAX - 4096, &test_log);
    cr_assert_null(p);
    cr_assert_eq(logged_level, HX_LOG_EMERG);
    cr_assert_not_null(strstr((char *) logged, "malloc("));
    cr_assert_not_null(strstr((char *) logged, ") failed"));

    logged_len = 0;
    p = hx_calloc(SIZE_MAX - 4096, &test_log);
    cr_assert_null(p);
    cr_assert_gt(logged_len, 0);

    logged_len = 0;
    p = hx_memalign(16, SIZE_MAX - 4096, &test_log);
    cr_assert_null(p);
    cr_assert_eq(logged_level, HX_LOG_EMERG);
    cr_assert_not_null(strstr((char *) logged, "failed"));

    /* a pool's oversized request fails cleanly */
    {
        hx_pool_t  *pool = hx_create_pool(1024, &test_log);

        cr_assert_null(hx_palloc(pool, SIZE_MAX - 4096));
        cr_assert_eq(nlarge(pool), 0);
        hx_destroy_pool(pool);
    }
}


Test(hx_palloc, alloc_and_calloc_work)
{
    uint8_t  *p;
    int       i;

    p = hx_calloc(100, &test_log);
    cr_assert_not_null(p);
    for (i = 0; i < 100; i++) {
        cr_assert_eq(p[i], 0);
    }
    hx_free(p);

    p = hx_memalign(64, 100, &test_log);
    cr_assert_eq((uintptr_t) p % 64, 0);
    hx_free(p);
    cr_assert_eq(logged_len, 0);
}

/*
 * Unit tests for core/hx_array.c.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <criterion/criterion.h>


static hx_log_t    test_log;
static hx_pool_t  *pool;

static void
setup(void)
{
    hx_memzero(&test_log, sizeof(hx_log_t));
    pool = hx_create_pool(1024, &test_log);
    cr_assert_not_null(pool);
}

static void
teardown(void)
{
    hx_destroy_pool(pool);
}

TestSuite(hx_array, .init = setup, .fini = teardown);


Test(hx_array, create_and_push_keep_values)
{
    int          i, *v;
    hx_array_t  *a;

    a = hx_array_create(pool, 2, sizeof(int));
    cr_assert_not_null(a);
    cr_assert_eq(a->nelts, 0);
    cr_assert_eq(a->nalloc, 2);
    cr_assert_eq(a->size, sizeof(int));

    for (i = 0; i < 1000; i++) {
        v = hx_array_push(a);
        cr_assert_not_null(v);
        *v = i * 3;
    }

    cr_assert_eq(a->nelts, 1000);
    cr_assert_geq(a->nalloc, 1000);

    v = a->elts;
    for (i = 0; i < 1000; i++) {
        cr_assert_eq(v[i], i * 3);
    }
}


Test(hx_array, grows_in_place_when_last_in_block)
{
    hx_array_t  a;
    void       *elts;

    cr_assert_eq(hx_array_init(&a, pool, 2, 8), HX_OK);
    elts = a.elts;

    hx_array_push(&a);
    hx_array_push(&a);
    cr_assert_not_null(hx_array_push(&a));

    /* nothing else was allocated, so the storage was extended */
    cr_assert_eq(a.elts, elts);
    cr_assert_eq(a.nalloc, 3);
    cr_assert_eq((uint8_t *) elts + 3 * 8, pool->d.last);
}


Test(hx_array, doubles_when_it_must_move)
{
    hx_array_t  a;
    void       *elts;
    uint64_t   *v;

    cr_assert_eq(hx_array_init(&a, pool, 2, 8), HX_OK);
    elts = a.elts;

    v = hx_array_push(&a);
    *v = 11;
    v = hx_array_push(&a);
    *v = 22;

    /* another allocation now follows the storage */
    cr_assert_not_null(hx_pnalloc(pool, 1));

    v = hx_array_push(&a);
    *v = 33;

    cr_assert_neq(a.elts, elts);
    cr_assert_eq(a.nalloc, 4);
    v = a.elts;
    cr_assert_eq(v[0], 11);
    cr_assert_eq(v[1], 22);
    cr_assert_eq(v[2], 33);
}


Test(hx_array, push_n_contiguous)
{
    int          i, *v;
    hx_array_t  *a;

    a = hx_array_create(pool, 4, sizeof(int));
    hx_pnalloc(pool, 1);

    v = hx_array_push_n(a, 3);
    for (i = 0; i < 3; i++) {
        v[i] = i;
    }

    /* more than the capacity: the new capacity is twice n */
    v = hx_array_push_n(a, 10);
    cr_assert_not_null(v);
    cr_assert_eq(a->nelts, 13);
    cr_assert_eq(a->nalloc, 20);
    cr_assert_eq(v, (int *) a->elts + 3);

    for (i = 0; i < 10; i++) {
        v[i] = 100 + i;
    }

    v = a->elts;
    cr_assert_eq(v[2], 2);
    cr_assert_eq(v[3], 100);
    cr_assert_eq(v[12], 109);
}


Test(hx_array, large_arrays_leave_the_small_block)
{
    hx_array_t  *a;
    uint8_t     *v;

    a = hx_array_create(pool, 16, 256);
    cr_assert_not_null(a);

    v = hx_array_push_n(a, 16);
    cr_assert_not_null(v);
    hx_memset(v, 0x5a, 16 * 256);
}


Test(hx_array, overflowing_sizes_are_refused)
{
    hx_array_t  *a;
    hx_array_t   b;

    a = hx_array_create(pool, 1, 16);
    cr_assert_null(hx_array_push_n(a, SIZE_MAX / 8));
    cr_assert_eq(a->nelts, 0);

    cr_assert_eq(hx_array_init(&b, pool, SIZE_MAX / 4, 8), HX_ERROR);
    cr_assert_null(hx_array_create(pool, SIZE_MAX / 4, 8));
}


Test(hx_array, destroy_returns_tail_memory)
{
    uint8_t     *before;
    hx_array_t  *a;

    before = pool->d.last;
    a = hx_array_create(pool, 4, 8);
    cr_assert_gt(pool->d.last, before);

    hx_array_destroy(a);

    /* the struct sat at an aligned address at or after "before" */
    cr_assert_leq((size_t) (pool->d.last - before), HX_ALIGNMENT - 1);
}

/*
 * Unit tests for core/hx_list.c.
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

TestSuite(hx_list, .init = setup, .fini = teardown);


Test(hx_list, elements_never_move_and_iterate_in_order)
{
    int              i, n, *v, *ptrs[100];
    hx_uint_t        j;
    hx_list_t       *l;
    hx_list_part_t  *part;

    l = hx_list_create(pool, 8, sizeof(int));
    cr_assert_not_null(l);
    cr_assert_eq(l->last, &l->part);

    for (i = 0; i < 100; i++) {
        v = hx_list_push(l);
        cr_assert_not_null(v);
        *v = i;
        ptrs[i] = v;
    }

    /* pointers taken early still see their values */
    for (i = 0; i < 100; i++) {
        cr_assert_eq(*ptrs[i], i);
    }

    n = 0;
    for (part = &l->part; part; part = part->next) {
        cr_assert_leq(part->nelts, 8);
        v = part->elts;
        for (j = 0; j < part->nelts; j++) {
            cr_assert_eq(v[j], n);
            n++;
        }
    }

    cr_assert_eq(n, 100);
    cr_assert_eq(l->last->nelts, 100 % 8);
    cr_assert_null(l->last->next);
}


Test(hx_list, init_on_caller_storage)
{
    hx_list_t   l;
    uint64_t   *v;

    cr_assert_eq(hx_list_init(&l, pool, 1, sizeof(uint64_t)), HX_OK);
    cr_assert_eq(l.part.nelts, 0);

    v = hx_list_push(&l);
    *v = 1;
    v = hx_list_push(&l);
    *v = 2;

    cr_assert_eq(l.part.nelts, 1);
    cr_assert_not_null(l.part.next);
    cr_assert_eq(l.last, l.part.next);
    cr_assert_eq(*(uint64_t *) l.part.elts, 1);
    cr_assert_eq(*(uint64_t *) l.last->elts, 2);
}


Test(hx_list, overflowing_size_is_refused)
{
    hx_list_t  l;

    cr_assert_eq(hx_list_init(&l, pool, SIZE_MAX / 2, 4), HX_ERROR);
    cr_assert_null(hx_list_create(pool, SIZE_MAX / 2, 4));
}

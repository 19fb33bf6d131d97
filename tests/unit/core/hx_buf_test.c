/*
 * Unit tests for core/hx_buf.c: buffer creation, chain copies, free
 * lists, busy/free bookkeeping after writes, sent-byte accounting and
 * file coalescing.
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
    pool = hx_create_pool(4096, &test_log);
    cr_assert_not_null(pool);
}

static void
teardown(void)
{
    hx_destroy_pool(pool);
}

TestSuite(hx_buf, .init = setup, .fini = teardown);


static int  tag_a, tag_b;


static hx_chain_t *
link_mem(hx_buf_tag_t tag, size_t size, size_t filled)
{
    hx_chain_t  *cl;

    cl = hx_alloc_chain_link(pool);
    cl->buf = hx_create_temp_buf(pool, size);
    cl->buf->last += filled;
    cl->buf->tag = tag;
    cl->next = NULL;

    return cl;
}


static hx_chain_t *
link_file(hx_file_t *file, off_t pos, off_t last)
{
    hx_chain_t  *cl;

    cl = hx_alloc_chain_link(pool);
    cl->buf = hx_calloc_buf(pool);
    cl->buf->in_file = 1;
    cl->buf->file = file;
    cl->buf->file_pos = pos;
    cl->buf->file_last = last;
    cl->next = NULL;

    return cl;
}


static int
chain_len(hx_chain_t *cl)
{
    int  n;

    for (n = 0; cl; cl = cl->next) {
        n++;
    }

    return n;
}


Test(hx_buf, temp_buf_is_empty_and_writable)
{
    hx_buf_t  *b;

    b = hx_create_temp_buf(pool, 100);
    cr_assert_not_null(b);
    cr_assert(b->temporary);
    cr_assert_eq(b->pos, b->start);
    cr_assert_eq(b->last, b->start);
    cr_assert_eq(b->end - b->start, 100);
    cr_assert_eq(hx_buf_size(b), 0);
    cr_assert_not(b->in_file);
    cr_assert_null(b->tag);

    b->last = hx_cpymem(b->last, "abc", 3);
    cr_assert_eq(hx_buf_size(b), 3);
}


Test(hx_buf, chain_of_bufs_carves_one_area)
{
    int          i;
    hx_bufs_t    bufs = { 4, 256 };
    hx_chain_t  *cl, *chain;
    hx_bufs_t    none = { 0, 256 };

    chain = hx_create_chain_of_bufs(pool, &bufs);
    cr_assert_eq(chain_len(chain), 4);

    for (i = 0, cl = chain; cl; cl = cl->next, i++) {
        cr_assert(cl->buf->temporary);
        cr_assert_eq(cl->buf->end - cl->buf->start, 256);
        cr_assert_eq(cl->buf->pos, cl->buf->start);
        if (cl->next) {
            cr_assert_eq(cl->buf->end, cl->next->buf->start);
        }
    }

    cr_assert_null(hx_create_chain_of_bufs(pool, &none));
}


Test(hx_buf, add_copy_appends_links_sharing_buffers)
{
    hx_chain_t  *chain, *in, *cl;

    chain = NULL;
    in = link_mem(&tag_a, 10, 1);
    in->next = link_mem(&tag_a, 10, 2);

    cr_assert_eq(hx_chain_add_copy(pool, &chain, in), HX_OK);
    cr_assert_eq(chain_len(chain), 2);
    cr_assert_neq(chain, in);
    cr_assert_eq(chain->buf, in->buf);
    cr_assert_eq(chain->next->buf, in->next->buf);

    cr_assert_eq(hx_chain_add_copy(pool, &chain, in), HX_OK);
    cr_assert_eq(chain_len(chain), 4);

    cl = chain->next->next;
    cr_assert_eq(cl->buf, in->buf);
    cr_assert_eq(chain_len(in), 2);

    cr_assert_eq(hx_chain_add_copy(pool, &chain, NULL), HX_OK);
    cr_assert_eq(chain_len(chain), 4);
}


Test(hx_buf, get_free_buf_reuses_then_allocates)
{
    hx_chain_t  *free, *a, *b, *cl;

    a = link_mem(&tag_a, 10, 0);
    b = link_mem(&tag_a, 10, 0);
    a->next = b;
    free = a;

    cl = hx_chain_get_free_buf(pool, &free);
    cr_assert_eq(cl, a);
    cr_assert_null(cl->next);
    cr_assert_eq(free, b);

    cl = hx_chain_get_free_buf(pool, &free);
    cr_assert_eq(cl, b);
    cr_assert_null(free);

    cl = hx_chain_get_free_buf(pool, &free);
    cr_assert_not_null(cl);
    cr_assert_not_null(cl->buf);
    cr_assert_null(cl->next);
    cr_assert_null(cl->buf->start);
    cr_assert_eq(cl->buf->temporary, 0);
}


Test(hx_buf, update_chains_sorts_busy_and_free_by_tag)
{
    hx_chain_t  *free, *busy, *out, *a1, *a2, *b1, *a3;

    free = NULL;
    busy = NULL;

    /* a1 sent, b1 (another owner) sent, a2 sent, a3 still has data */
    a1 = link_mem(&tag_a, 10, 0);
    b1 = link_mem(&tag_b, 10, 0);
    a2 = link_mem(&tag_a, 10, 5);
    a3 = link_mem(&tag_a, 10, 5);
    a2->buf->pos = a2->buf->last;
    a1->next = b1;
    b1->next = a2;
    a2->next = a3;
    out = a1;

    hx_chain_update_chains(pool, &free, &busy, &out, &tag_a);

    cr_assert_null(out);
    cr_assert_eq(busy, a3);
    cr_assert_eq(chain_len(free), 2);
    cr_assert_eq(free, a2);
    cr_assert_eq(free->next, a1);

    /* recycled buffers are rewound */
    cr_assert_eq(a2->buf->pos, a2->buf->start);
    cr_assert_eq(a2->buf->last, a2->buf->start);
    cr_assert_neq(b1->buf->last, NULL);

    /* the next output goes behind what is busy; nothing sent yet */
    out = link_mem(&tag_a, 10, 0);
    hx_chain_update_chains(pool, &free, &busy, &out, &tag_a);
    cr_assert_eq(busy, a3);
    cr_assert_eq(chain_len(busy), 2);
    cr_assert_eq(chain_len(free), 2);

    /* a3 is sent: both it and the empty buffer behind it are freed */
    a3->buf->pos = a3->buf->last;
    hx_chain_update_chains(pool, &free, &busy, &out, &tag_a);
    cr_assert_null(busy);
    cr_assert_eq(chain_len(free), 4);
}


Test(hx_buf, update_sent_advances_memory_and_file)
{
    hx_file_t    file;
    hx_chain_t  *a, *b, *flush, *f, *rest;

    hx_memzero(&file, sizeof(file));

    a = link_mem(&tag_a, 10, 10);
    flush = hx_alloc_chain_link(pool);
    flush->buf = hx_calloc_buf(pool);
    flush->buf->flush = 1;
    b = link_mem(&tag_a, 10, 10);
    f = link_file(&file, 100, 200);
    a->next = flush;
    flush->next = b;
    b->next = f;
    f->next = NULL;

    rest = hx_chain_update_sent(a, 14);
    cr_assert_eq(rest, b);
    cr_assert_eq(a->buf->pos, a->buf->last);
    cr_assert_eq(b->buf->pos, b->buf->start + 4);

    rest = hx_chain_update_sent(rest, 6 + 50);
    cr_assert_eq(rest, f);
    cr_assert_eq(f->buf->file_pos, 150);

    rest = hx_chain_update_sent(rest, 50);
    cr_assert_null(rest);
    cr_assert_eq(f->buf->file_pos, 200);

    /* nothing sent: the chain is returned unchanged */
    a->buf->pos = a->buf->start;
    cr_assert_eq(hx_chain_update_sent(a, 0), a);
    cr_assert_eq(a->buf->pos, a->buf->start);
}


Test(hx_buf, update_sent_moves_both_views_of_a_file_backed_buffer)
{
    hx_file_t    file;
    hx_chain_t  *cl;

    hx_memzero(&file, sizeof(file));

    cl = link_mem(&tag_a, 100, 100);
    cl->buf->in_file = 1;
    cl->buf->file = &file;
    cl->buf->file_pos = 1000;
    cl->buf->file_last = 1100;

    cr_assert_eq(hx_chain_update_sent(cl, 30), cl);
    cr_assert_eq(cl->buf->pos, cl->buf->start + 30);
    cr_assert_eq(cl->buf->file_pos, 1030);
}


Test(hx_buf, coalesce_file_joins_contiguous_ranges)
{
    off_t        n;
    hx_file_t    f1, f2;
    hx_chain_t  *a, *b, *c, *d, *in;

    hx_memzero(&f1, sizeof(f1));
    hx_memzero(&f2, sizeof(f2));
    f1.fd = 10;
    f2.fd = 11;

    a = link_file(&f1, 0, 100);
    b = link_file(&f1, 100, 300);
    c = link_file(&f1, 400, 500);      /* a gap */
    d = link_file(&f2, 500, 600);
    a->next = b;
    b->next = c;
    c->next = d;

    in = a;
    n = hx_chain_coalesce_file(&in, 1000000);
    cr_assert_eq(n, 300);
    cr_assert_eq(in, c);

    n = hx_chain_coalesce_file(&in, 1000000);
    cr_assert_eq(n, 100);
    cr_assert_eq(in, d);                /* another file */

    n = hx_chain_coalesce_file(&in, 1000000);
    cr_assert_eq(n, 100);
    cr_assert_null(in);
}


Test(hx_buf, coalesce_file_stops_at_limit_rounding_to_a_page)
{
    off_t        n, page;
    hx_file_t    f;
    hx_chain_t  *a, *b, *in;

    page = (off_t) sysconf(_SC_PAGESIZE);
    hx_memzero(&f, sizeof(f));

    a = link_file(&f, 0, 100);
    b = link_file(&f, 100, 10 * page);
    a->next = b;

    /* the cut falls inside b: round up to the page boundary */
    in = a;
    n = hx_chain_coalesce_file(&in, 150);
    cr_assert_eq(n, page);
    cr_assert_eq(in, b);

    /* when the buffer ends before the boundary, the limit stands */
    b->buf->file_last = 300;
    in = a;
    n = hx_chain_coalesce_file(&in, 150);
    cr_assert_eq(n, 150);
    cr_assert_eq(in, b);

    /* a memory buffer ends the run */
    b->buf->in_file = 0;
    b->buf->temporary = 1;
    in = a;
    n = hx_chain_coalesce_file(&in, 1000);
    cr_assert_eq(n, 100);
    cr_assert_eq(in, b);
}

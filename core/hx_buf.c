/*
 * Buffers and chains of buffers.
 *
 * Data moves through filters and out to sockets as chains of buffer
 * descriptors; the bytes themselves are never copied on the way.  Each
 * producer tags the buffers it owns, and after a write the chain is
 * sorted back: buffers still holding unsent bytes stay "busy", fully
 * sent ones of the producer's own go to its "free" list to be refilled,
 * and links of other producers' buffers are simply dropped.  That is
 * what lets a proxy read into a fixed set of buffers for any amount of
 * data.
 */

#include <hx_config.h>
#include <hx_core.h>


/*
 * A temporary (writable) buffer with size bytes of storage from pool,
 * empty (pos == last == start).  NULL when out of memory.
 */
hx_buf_t *
hx_create_temp_buf(hx_pool_t *pool, size_t size)
{
    hx_buf_t  *b;

    b = hx_calloc_buf(pool);
    if (b == NULL) {
        return NULL;
    }

    b->start = hx_palloc(pool, size);
    if (b->start == NULL) {
        return NULL;
    }

    b->pos = b->start;
    b->last = b->start;
    b->end = b->start + size;
    b->temporary = 1;

    return b;
}


/*
 * A chain link from pool; the caller sets buf and next.
 */
hx_chain_t *
hx_alloc_chain_link(hx_pool_t *pool)
{
    return hx_palloc(pool, sizeof(hx_chain_t));
}


/*
 * bufs->num empty temporary buffers of bufs->size bytes each, carved
 * from one allocation and linked in order.  NULL when out of memory or
 * when bufs asks for nothing.
 */
hx_chain_t *
hx_create_chain_of_bufs(hx_pool_t *pool, hx_bufs_t *bufs)
{
    uint8_t     *p;
    hx_int_t     i;
    hx_buf_t    *b;
    hx_chain_t  *chain, *cl, **ll;

    if (bufs->num <= 0 || bufs->size == 0
        || (size_t) bufs->num > SIZE_MAX / bufs->size)
    {
        return NULL;
    }

    p = hx_palloc(pool, bufs->num * bufs->size);
    if (p == NULL) {
        return NULL;
    }

    chain = NULL;
    ll = &chain;

    for (i = 0; i < bufs->num; i++) {

        b = hx_calloc_buf(pool);
        if (b == NULL) {
            return NULL;
        }

        b->pos = p;
        b->last = p;
        b->temporary = 1;
        b->start = p;
        p += bufs->size;
        b->end = p;

        cl = hx_alloc_chain_link(pool);
        if (cl == NULL) {
            return NULL;
        }

        cl->buf = b;
        *ll = cl;
        ll = &cl->next;
    }

    *ll = NULL;

    return chain;
}


/*
 * Appends to *chain new links pointing at the buffers of in (the buffers
 * are shared, not copied).  HX_ERROR when out of memory; the links added
 * so far stay.
 */
hx_int_t
hx_chain_add_copy(hx_pool_t *pool, hx_chain_t **chain, hx_chain_t *in)
{
    hx_chain_t  *cl, **ll;

    ll = chain;

    for (cl = *chain; cl; cl = cl->next) {
        ll = &cl->next;
    }

    while (in) {
        cl = hx_alloc_chain_link(pool);
        if (cl == NULL) {
            *ll = NULL;
            return HX_ERROR;
        }

        cl->buf = in->buf;
        *ll = cl;
        ll = &cl->next;
        in = in->next;
    }

    *ll = NULL;

    return HX_OK;
}


/*
 * The first link of *free (unlinked), or a new link with a zeroed buffer
 * descriptor (no storage).  NULL when out of memory.
 */
hx_chain_t *
hx_chain_get_free_buf(hx_pool_t *p, hx_chain_t **free)
{
    hx_chain_t  *cl;

    if (*free) {
        cl = *free;
        *free = cl->next;
        cl->next = NULL;
        return cl;
    }

    cl = hx_alloc_chain_link(p);
    if (cl == NULL) {
        return NULL;
    }

    cl->buf = hx_calloc_buf(p);
    if (cl->buf == NULL) {
        return NULL;
    }

    cl->next = NULL;

    return cl;
}


/*
 * After a write: appends *out to *busy and empties *out, then walks
 * *busy from its head.  The walk stops at the first buffer that still
 * has bytes to send, so order is kept.  Sent buffers tagged with tag are
 * rewound (pos = last = start) and their links moved to the head of
 * *free; sent buffers of other owners just leave the busy list.
 */
void
hx_chain_update_chains(hx_pool_t *p, hx_chain_t **free, hx_chain_t **busy,
    hx_chain_t **out, hx_buf_tag_t tag)
{
    hx_chain_t  *cl;

    (void) p;

    if (*out) {
        if (*busy == NULL) {
            *busy = *out;

        } else {
            for (cl = *busy; cl->next; cl = cl->next) { /* void */ }

            cl->next = *out;
        }

        *out = NULL;
    }

    while (*busy) {
        cl = *busy;

        if (hx_buf_size(cl->buf) != 0) {
            break;
        }

        *busy = cl->next;

        if (cl->buf->tag != tag) {
            /* not ours to recycle; pool memory, so nothing to free */
            continue;
        }

        cl->buf->pos = cl->buf->start;
        cl->buf->last = cl->buf->start;

        cl->next = *free;
        *free = cl;
    }
}


/*
 * Accounts for sent bytes written from the chain in: each buffer is
 * advanced (in memory, in file, or both when it is in both) until sent
 * is used up.  Special buffers (flush, last_buf, sync) are skipped.
 * Returns the first link with bytes left, or NULL when all were sent.
 */
hx_chain_t *
hx_chain_update_sent(hx_chain_t *in, off_t sent)
{
    off_t  size;

    for ( /* void */ ; in; in = in->next) {

        if (hx_buf_special(in->buf)) {
            continue;
        }

        if (sent == 0) {
            break;
        }

        size = hx_buf_size(in->buf);

        if (sent >= size) {
            sent -= size;

            if (hx_buf_in_memory(in->buf)) {
                in->buf->pos = in->buf->last;
            }

            if (in->buf->in_file) {
                in->buf->file_pos = in->buf->file_last;
            }

            continue;
        }

        if (hx_buf_in_memory(in->buf)) {
            in->buf->pos += (size_t) sent;
        }

        if (in->buf->in_file) {
            in->buf->file_pos += sent;
        }

        break;
    }

    return in;
}


/*
 * Measures how many bytes the file buffers at the head of *in cover as
 * one contiguous range of one file, so that a single sendfile() can send
 * them; stops at limit, a memory buffer, another file or a gap.  When
 * the limit cuts a buffer, the length is rounded up to a page boundary
 * if the buffer extends that far, which keeps the next send aligned.
 * Advances *in to the first link not covered (the one cut by the limit
 * included) and returns the byte count.  The first link must be in_file.
 */
off_t
hx_chain_coalesce_file(hx_chain_t **in, off_t limit)
{
    off_t        total, size, aligned, fprev, page;
    hx_fd_t      fd;
    hx_chain_t  *cl;

    total = 0;
    cl = *in;
    fd = cl->buf->file->fd;
    page = (off_t) sysconf(_SC_PAGESIZE);

    if (page <= 0) {
        page = 4096;
    }

    do {
        size = cl->buf->file_last - cl->buf->file_pos;

        if (size > limit - total) {
            size = limit - total;

            aligned = (cl->buf->file_pos + size + page - 1) & ~(page - 1);

            if (aligned <= cl->buf->file_last) {
                size = aligned - cl->buf->file_pos;
            }

            total += size;
            break;
        }

        total += size;
        fprev = cl->buf->file_pos + size;
        cl = cl->next;

    } while (cl
             && cl->buf->in_file
             && total < limit
             && fd == cl->buf->file->fd
             && fprev == cl->buf->file_pos);

    *in = cl;

    return total;
}

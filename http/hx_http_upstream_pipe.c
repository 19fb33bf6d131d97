/*
 * The buffered response pipe (see hx_http_upstream_pipe.h for the model).
 *
 * One call of hx_http_upstream_pipe_run() alternates two moves until
 * neither makes progress: writing (the temp file part, then the memory
 * part, to the output filter, keeping at most busy_size bytes there) and
 * reading (into the current raw buffer, a free one, a new one while
 * fewer than bufs.num exist, or -- when the client is stuck and every
 * buffer holds data -- space freed by writing the oldest memory data to
 * the temp file).  Reading stops when the client can take data now
 * (write first), when nothing can be freed, or when the backend has
 * nothing more to give.
 *
 * Buffers sent by the output filter are recognised by their pos having
 * reached their last, in order, as the socket layer consumes them; that
 * is when their raw buffer's count drops.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_upstream_pipe.h>


static hx_int_t hx_http_upstream_pipe_read(hx_http_upstream_pipe_t *p);
static hx_int_t hx_http_upstream_pipe_write(hx_http_upstream_pipe_t *p);
static hx_chain_t *hx_http_upstream_pipe_get_bufs(
    hx_http_upstream_pipe_t *p, off_t *size, hx_int_t *rc);
static void hx_http_upstream_pipe_put_bufs(hx_http_upstream_pipe_t *p,
    hx_chain_t *cl);
static hx_uint_t hx_http_upstream_pipe_fresh(hx_http_upstream_pipe_t *p,
    hx_uint_t room, off_t size);
static hx_chain_t *hx_http_upstream_pipe_bare_link(
    hx_http_upstream_pipe_t *p);
static hx_int_t hx_http_upstream_pipe_to_temp_file(
    hx_http_upstream_pipe_t *p);
static hx_int_t hx_http_upstream_pipe_events(hx_http_upstream_pipe_t *p);
static void hx_http_upstream_pipe_collect(hx_http_upstream_pipe_t *p);
static void hx_http_upstream_pipe_slow(hx_http_upstream_pipe_t *p);
static void hx_http_upstream_pipe_release(hx_http_upstream_pipe_t *p,
    hx_chain_t *cl);
static hx_chain_t *hx_http_upstream_pipe_link(hx_http_upstream_pipe_t *p);


hx_int_t
hx_http_upstream_pipe_run(hx_http_upstream_pipe_t *p, hx_uint_t do_write)
{
    hx_int_t  rc;

    if (p->last_in == NULL) {
        p->last_in = &p->in;
        p->last_out = &p->out;
    }

    for ( ;; ) {

        if (do_write) {
            rc = hx_http_upstream_pipe_write(p);

            if (rc == HX_ABORT) {
                return HX_ABORT;
            }

            if (rc == HX_BUSY) {
                return HX_OK;
            }
        }

        p->read = 0;
        p->upstream_blocked = 0;

        if (hx_http_upstream_pipe_read(p) == HX_ABORT) {
            return HX_ABORT;
        }

        if (!p->read && !p->upstream_blocked) {
            break;
        }

        do_write = 1;
    }

    if (p->upstream_done || p->upstream_eof || p->upstream_error) {

        /* whatever is left goes to the output now */

        if (hx_http_upstream_pipe_write(p) == HX_ABORT) {
            return HX_ABORT;
        }
    }

    if (p->no_events) {
        return HX_OK;
    }

    return hx_http_upstream_pipe_events(p);
}


hx_buf_t *
hx_http_upstream_pipe_add_data(hx_http_upstream_pipe_t *p, hx_buf_t *raw,
    size_t len)
{
    hx_buf_t    *b;
    hx_chain_t  *cl;

    if (p->last_in == NULL) {
        p->last_in = &p->in;
        p->last_out = &p->out;
    }

    cl = hx_http_upstream_pipe_link(p);
    if (cl == NULL) {
        return NULL;
    }

    b = cl->buf;

    hx_memzero(b, sizeof(hx_buf_t));

    b->memory = 1;
    b->pos = raw->pos;
    b->last = raw->pos + len;
    b->start = b->pos;
    b->end = b->last;
    b->shadow = raw;

    raw->num++;

    *p->last_in = cl;
    p->last_in = &cl->next;

    return b;
}


hx_int_t
hx_http_upstream_pipe_copy_input(hx_http_upstream_pipe_t *p, hx_buf_t *raw)
{
    size_t  len;

    len = raw->last - raw->pos;

    if (len == 0) {
        return HX_OK;
    }

    if (hx_http_upstream_pipe_add_data(p, raw, len) == NULL) {
        return HX_ERROR;
    }

    raw->pos = raw->last;

    return HX_OK;
}


void
hx_http_upstream_pipe_drain(hx_http_upstream_pipe_t *p)
{
    hx_chain_t  *cl, *next;

    for (cl = p->in; cl; cl = next) {
        next = cl->next;
        hx_http_upstream_pipe_release(p, cl);
    }

    p->in = NULL;
    p->last_in = &p->in;

    for (cl = p->out; cl; cl = next) {
        next = cl->next;
        hx_http_upstream_pipe_release(p, cl);
    }

    p->out = NULL;
    p->last_out = &p->out;
}


off_t
hx_http_upstream_pipe_pending(hx_http_upstream_pipe_t *p)
{
    off_t        size;
    hx_chain_t  *cl;

    size = 0;

    for (cl = p->out; cl; cl = cl->next) {
        size += hx_buf_size(cl->buf);
    }

    for (cl = p->in; cl; cl = cl->next) {
        size += hx_buf_size(cl->buf);
    }

    for (cl = p->busy; cl; cl = cl->next) {
        size += hx_buf_size(cl->buf);
    }

    return size;
}


static hx_int_t
hx_http_upstream_pipe_read(hx_http_upstream_pipe_t *p)
{
    off_t             limit, size;
    ssize_t           n, take;
    hx_int_t          rc;
    hx_buf_t         *b;
    hx_msec_t         delay, elapsed;
    hx_chain_t       *chain, *cl, *tl, *next;
    hx_connection_t  *c;

    if (p->upstream_eof || p->upstream_error || p->upstream_done) {
        return HX_OK;
    }

    c = p->upstream;

    for ( ;; ) {

        if (!c->read->ready || c->read->delayed) {
            break;
        }

        chain = hx_http_upstream_pipe_get_bufs(p, &size, &rc);

        if (chain == NULL) {
            if (rc == HX_ABORT) {
                return HX_ABORT;
            }

            break;
        }

        limit = 0;

        if (p->limit_rate) {
            elapsed = hx_current_msec - p->start_msec;

            limit = (off_t) p->limit_rate * (off_t) (elapsed + 1000) / 1000
                    - p->read_length;

            if (limit <= 0) {
                hx_http_upstream_pipe_put_bufs(p, chain);

                c->read->delayed = 1;
                delay = (hx_msec_t) (-limit * 1000 / (off_t) p->limit_rate
                                     + 1);
                hx_add_timer(c->read, delay);
                break;
            }
        }

        n = c->recv_chain(c, chain, limit);

        hx_log_debug(HX_LOG_DEBUG_EVENT, p->log, 0,
                     "pipe recv chain: %z of %O", n, size);

        if (n == HX_AGAIN || n == HX_ERROR || n == 0) {
            hx_http_upstream_pipe_put_bufs(p, chain);

            if (n == HX_ERROR) {
                p->upstream_error = 1;

            } else if (n == 0) {
                p->upstream_eof = 1;
            }

            break;
        }

        p->read = 1;
        p->read_length += n;

        /* the bytes taken are paid for by waiting, as nginx paces them */

        delay = p->limit_rate ? (hx_msec_t) (n * 1000 / p->limit_rate) : 0;

        /* more buffers at once next time while the backend fills them */

        if (n == size) {
            p->grow = p->grow ? hx_min(p->grow * 2, 16) : 2;
        }

        /*
         * The bytes filled the buffers in order; each that got some goes
         * to the input filter.  The last with room left is where the
         * next read goes; full ones still referenced wait for their data
         * to be sent; the rest are free.
         */

        p->cur = NULL;

        for (cl = chain; cl; cl = next) {
            next = cl->next;
            b = cl->buf;

            take = hx_min(n, (ssize_t) (b->end - b->last));
            b->last += take;
            n -= take;

            if (take) {
                if (p->input_filter(p, b) != HX_OK) {
                    hx_http_upstream_pipe_put_bufs(p, cl);
                    return HX_ABORT;
                }

                if (b->num == 0 && b->pos == b->last) {

                    /* framing only (chunk sizes): the space is free */

                    b->pos = b->start;
                    b->last = b->start;
                }
            }

            cl->next = NULL;

            if (take && b->last < b->end) {

                if (p->cur && p->cur->num == 0) {

                    /* a reset buffer before this one: free after all */

                    tl = hx_http_upstream_pipe_bare_link(p);
                    if (tl == NULL) {
                        return HX_ABORT;
                    }

                    tl->buf = p->cur;
                    p->cur = NULL;
                    hx_http_upstream_pipe_put_bufs(p, tl);
                }

                p->cur = b;
                hx_http_upstream_pipe_put_bufs(p, cl);
                continue;
            }

            hx_http_upstream_pipe_put_bufs(p, cl);
        }

        if (p->upstream_done) {
            break;
        }

        if (delay > 0) {
            c->read->delayed = 1;
            hx_add_timer(c->read, delay);
            break;
        }
    }

    return HX_OK;
}


/*
 * Raw buffers with room, as a chain for one readv: the current one,
 * then the free ones, then new ones (fewer than bufs.num exist, as many
 * as the backend's pace suggests).  NULL when there are none: *rc is
 * HX_OK when reading should wait (or write first: p->upstream_blocked),
 * HX_ABORT on a failure.  *size gets the room offered.
 */
static hx_chain_t *
hx_http_upstream_pipe_get_bufs(hx_http_upstream_pipe_t *p, off_t *size,
    hx_int_t *rc)
{
    hx_buf_t    *b;
    hx_uint_t    fresh;
    hx_chain_t  *chain, *cl, **ll;
    hx_event_t  *wev;

    *rc = HX_OK;
    *size = 0;

    for ( ;; ) {

        chain = NULL;
        ll = &chain;

        b = p->cur;

        if (b) {
            if (b->last == b->end && b->num == 0 && b->pos == b->last) {
                b->pos = b->start;
                b->last = b->start;
            }

            if (b->last < b->end) {
                cl = hx_http_upstream_pipe_bare_link(p);
                if (cl == NULL) {
                    *rc = HX_ABORT;
                    return NULL;
                }

                cl->buf = b;
                *ll = cl;
                ll = &cl->next;
                *size += b->end - b->last;

            } else {
                /* full and still referenced: freed when its data is sent */
                p->cur = NULL;
            }
        }

        /* the free ones; their links come along */

        while (p->free_raw) {
            cl = p->free_raw;
            p->free_raw = cl->next;

            cl->next = NULL;
            *ll = cl;
            ll = &cl->next;
            *size += cl->buf->end - cl->buf->last;
        }

        fresh = hx_http_upstream_pipe_fresh(p, chain != NULL, *size);

        while (fresh-- && p->allocated < p->bufs.num + p->extra) {
            b = hx_create_temp_buf(p->pool, p->bufs.size);
            cl = hx_http_upstream_pipe_bare_link(p);

            if (b == NULL || cl == NULL) {
                *rc = HX_ABORT;
                return NULL;
            }

            b->num = 0;
            p->allocated++;

            cl->buf = b;
            *ll = cl;
            ll = &cl->next;
            *size += b->end - b->last;
        }

        if (chain) {
            return chain;
        }

        /* every buffer holds data: the client first, then the disk */

        wev = p->downstream->write;

        if (p->downstream->data == p->output_ctx && wev->ready
            && !wev->delayed && !p->downstream_error)
        {
            p->upstream_blocked = 1;
            return NULL;
        }

        if (p->in == NULL || p->temp_file == NULL
            || p->temp_file->offset >= p->max_temp_file_size)
        {
            return NULL;
        }

        if (hx_http_upstream_pipe_to_temp_file(p) != HX_OK) {
            *rc = HX_ABORT;
            return NULL;
        }

        if (p->free_raw == NULL) {
            return NULL;
        }
    }
}


/*
 * How many new buffers the next read offers besides the room it has:
 * enough for the rest of the body when its length is known (one readv
 * for a whole Content-Length body that has arrived), else as many as
 * the backend's pace suggests (p->grow doubles while reads fill all
 * they are offered), at least one when there is no room at all.
 */
static hx_uint_t
hx_http_upstream_pipe_fresh(hx_http_upstream_pipe_t *p, hx_uint_t room,
    off_t size)
{
    hx_uint_t  fresh, need;

    fresh = p->grow ? p->grow : 1;

    if (room) {
        fresh--;
    }

    if (p->length > size) {
        need = (hx_uint_t) ((p->length - size + (off_t) p->bufs.size - 1)
                            / (off_t) p->bufs.size);
        fresh = hx_max(fresh, need);
    }

    return fresh;
}


/* buffers a read did not use go back: the free ones to free_raw */
static void
hx_http_upstream_pipe_put_bufs(hx_http_upstream_pipe_t *p, hx_chain_t *cl)
{
    hx_chain_t  *next;

    for ( /* void */ ; cl; cl = next) {
        next = cl->next;

        if (cl->buf == p->cur || cl->buf->num) {
            cl->buf = NULL;
            cl->next = p->spare;
            p->spare = cl;
            continue;
        }

        cl->buf->pos = cl->buf->start;
        cl->buf->last = cl->buf->start;

        cl->next = p->free_raw;
        p->free_raw = cl;
    }
}


/* a link without a buffer header, from the spares */
static hx_chain_t *
hx_http_upstream_pipe_bare_link(hx_http_upstream_pipe_t *p)
{
    hx_chain_t  *cl;

    cl = p->spare;

    if (cl) {
        p->spare = cl->next;
        cl->next = NULL;
        return cl;
    }

    cl = hx_alloc_chain_link(p->pool);
    if (cl) {
        cl->next = NULL;
    }

    return cl;
}


/*
 * Moves the oldest memory data (up to temp_file_write_size, within
 * max_temp_file_size) to the temp file, leaving file buffers in "out".
 */
static hx_int_t
hx_http_upstream_pipe_to_temp_file(hx_http_upstream_pipe_t *p)
{
    off_t         size, room, offset, len;
    ssize_t       n;
    hx_buf_t     *b;
    hx_chain_t   *cl, *next, *chain, **ll;

    room = p->max_temp_file_size - p->temp_file->offset;
    size = 0;

    chain = NULL;
    ll = &chain;

    while (p->in) {
        len = hx_buf_size(p->in->buf);

        if (chain && (size + len > (off_t) p->temp_file_write_size
                      || size + len > room))
        {
            break;
        }

        cl = p->in;
        p->in = cl->next;

        cl->next = NULL;
        *ll = cl;
        ll = &cl->next;

        size += len;
    }

    if (p->in == NULL) {
        p->last_in = &p->in;
    }

    offset = p->temp_file->offset;

    n = hx_http_write_chain_to_temp_file(p->temp_file, chain);

    if (n == HX_ERROR) {
        return HX_ERROR;
    }

    hx_log_debug(HX_LOG_DEBUG_EVENT, p->log, 0,
                 "pipe wrote %z bytes to temp file", n);

    for (cl = chain; cl; cl = next) {
        next = cl->next;

        len = hx_buf_size(cl->buf);

        hx_http_upstream_pipe_release(p, cl);

        if (len == 0) {
            continue;
        }

        cl = hx_http_upstream_pipe_link(p);
        if (cl == NULL) {
            return HX_ERROR;
        }

        b = cl->buf;

        hx_memzero(b, sizeof(hx_buf_t));

        b->in_file = 1;
        b->temp_file = 1;
        b->file = &p->temp_file->file;
        b->file_pos = offset;
        b->file_last = offset + len;

        offset += len;

        *p->last_out = cl;
        p->last_out = &cl->next;
    }

    return HX_OK;
}


static hx_int_t
hx_http_upstream_pipe_write(hx_http_upstream_pipe_t *p)
{
    off_t        size, len, cap;
    hx_int_t     rc;
    hx_uint_t    flush, flushed;
    hx_chain_t  *out, *cl, **ll, **bl;
    hx_event_t  *wev;

    flushed = 0;

    for ( ;; ) {

        if (p->downstream_error) {
            hx_http_upstream_pipe_drain(p);
            return HX_OK;
        }

        hx_http_upstream_pipe_collect(p);

        out = NULL;
        ll = &out;
        flush = 0;

        if (p->upstream_eof || p->upstream_error || p->upstream_done) {

            /* the end: everything goes, whatever the busy size */

            if (p->out) {
                *ll = p->out;
                ll = p->last_out;
            }

            if (p->in) {
                *ll = p->in;
                ll = p->last_in;
            }

            p->out = NULL;
            p->last_out = &p->out;
            p->in = NULL;
            p->last_in = &p->in;

            if (out == NULL) {
                p->downstream_done = (p->busy == NULL);
                return HX_OK;
            }

        } else {

            wev = p->downstream->write;

            if (p->downstream->data != p->output_ctx
                || !wev->ready || wev->delayed)
            {
                return HX_OK;
            }

            size = p->busy_bytes;

            /*
             * While the client has taken every pass whole, everything
             * waiting goes in one pass (one writev, not one per
             * busy_size); once a pass is left partly unsent, passes are
             * held to busy_size so that the other buffers stay free for
             * reading and, behind a slow client, for the temp file.
             */

            cap = (p->busy || p->downstream_slow)
                  ? (off_t) p->busy_size : HX_MAX_OFF_T_VALUE;

            if (size >= (off_t) p->busy_size) {
                flush = 1;

            } else {

                while (p->out || p->in) {

                    if (p->out) {
                        cl = p->out;
                        len = hx_buf_size(cl->buf);

                        if (out && size + len > cap) {
                            break;
                        }

                        p->out = cl->next;

                        if (p->out == NULL) {
                            p->last_out = &p->out;
                        }

                    } else {
                        cl = p->in;
                        len = hx_buf_size(cl->buf);

                        if (out && size + len > cap) {
                            break;
                        }

                        p->in = cl->next;

                        if (p->in == NULL) {
                            p->last_in = &p->in;
                        }
                    }

                    cl->next = NULL;
                    *ll = cl;
                    ll = &cl->next;

                    size += len;
                }
            }

            if (out == NULL) {

                if (!flush) {
                    return HX_OK;
                }

                if (flushed++ > 10) {
                    return HX_BUSY;
                }
            }
        }

        /* what goes out is busy until the socket takes it */

        bl = &p->busy;

        while (*bl) {
            bl = &(*bl)->next;
        }

        *bl = out;

        rc = p->output_filter(p->output_ctx, out);

        if (rc == HX_ERROR) {
            p->downstream_error = 1;
            hx_http_upstream_pipe_drain(p);
            return HX_OK;
        }

        hx_http_upstream_pipe_collect(p);

        if (p->busy && !p->downstream_slow) {
            hx_http_upstream_pipe_slow(p);
        }

        if (p->upstream_eof || p->upstream_error || p->upstream_done) {
            p->downstream_done = (p->busy == NULL);
            return HX_OK;
        }
    }
}


/*
 * The client left a pass partly unsent: from now on passes keep to
 * busy_size.  What that pass left busy beyond busy_size is made up for
 * with as many more raw buffers, so that reading (and spilling to the
 * temp file behind a client that stays stuck) goes on as if the pass
 * had kept to busy_size.
 */
static void
hx_http_upstream_pipe_slow(hx_http_upstream_pipe_t *p)
{
    off_t  over;

    p->downstream_slow = 1;

    over = p->busy_bytes - (off_t) p->busy_size;

    if (over > 0) {
        p->extra = (hx_int_t) hx_min((over + (off_t) p->bufs.size - 1)
                                     / (off_t) p->bufs.size,
                                     (off_t) p->bufs.num);
    }
}


/* sent buffers leave the busy list, in order, freeing their raw ones */
static void
hx_http_upstream_pipe_collect(hx_http_upstream_pipe_t *p)
{
    off_t        size;
    hx_chain_t  *cl;

    while (p->busy && hx_buf_size(p->busy->buf) == 0) {
        cl = p->busy;
        p->busy = cl->next;

        hx_http_upstream_pipe_release(p, cl);
    }

    size = 0;

    for (cl = p->busy; cl; cl = cl->next) {
        size += hx_buf_size(cl->buf);
    }

    p->busy_bytes = size;
}


/*
 * A data or file buffer is done with: its raw buffer loses a reference
 * (and becomes free with the last), and the link and buffer header go to
 * the spare list.
 */
static void
hx_http_upstream_pipe_release(hx_http_upstream_pipe_t *p, hx_chain_t *cl)
{
    hx_buf_t    *b, *raw;
    hx_chain_t  *fl;

    b = cl->buf;
    raw = b->shadow;

    if (raw && --raw->num == 0) {

        if (raw == p->cur) {
            if (raw->pos == raw->last) {
                raw->pos = raw->start;
                raw->last = raw->start;
            }

        } else {
            raw->pos = raw->start;
            raw->last = raw->start;

            fl = p->spare;

            if (fl) {
                p->spare = fl->next;

            } else {
                fl = hx_alloc_chain_link(p->pool);
            }

            if (fl) {
                fl->buf = raw;
                fl->next = p->free_raw;
                p->free_raw = fl;

            } else {
                p->allocated--;
            }
        }
    }

    b->shadow = NULL;
    b->pos = NULL;
    b->last = NULL;
    b->file = NULL;
    b->in_file = 0;

    cl->next = p->free;
    p->free = cl;
}


/* a spare link with a buffer header, or a new pair */
static hx_chain_t *
hx_http_upstream_pipe_link(hx_http_upstream_pipe_t *p)
{
    hx_chain_t  *cl;

    cl = p->free;

    if (cl) {
        p->free = cl->next;
        cl->next = NULL;

        return cl;
    }

    cl = hx_alloc_chain_link(p->pool);
    if (cl == NULL) {
        return NULL;
    }

    cl->buf = hx_calloc_buf(p->pool);
    if (cl->buf == NULL) {
        return NULL;
    }

    cl->next = NULL;

    return cl;
}


static hx_int_t
hx_http_upstream_pipe_events(hx_http_upstream_pipe_t *p)
{
    hx_uint_t    flags;
    hx_event_t  *rev, *wev;

    rev = p->upstream->read;

    if (!p->upstream_done && !p->upstream_eof && !p->upstream_error) {

        flags = (rev->eof || rev->error) ? HX_CLOSE_EVENT : 0;

        if (hx_handle_read_event(rev, flags) != HX_OK) {
            return HX_ABORT;
        }

        if (!rev->delayed) {
            if (rev->active && !rev->ready) {
                hx_add_timer(rev, p->read_timeout);

            } else if (rev->timer_set) {
                hx_del_timer(rev);
            }
        }
    }

    if (p->downstream->fd != HX_INVALID_FILE
        && p->downstream->data == p->output_ctx)
    {
        wev = p->downstream->write;

        if (hx_handle_write_event(wev, p->send_lowat) != HX_OK) {
            return HX_ABORT;
        }

        if (!wev->delayed) {
            if (wev->active && !wev->ready) {
                hx_add_timer(wev, p->send_timeout);

            } else if (wev->timer_set) {
                hx_del_timer(wev);
            }
        }
    }

    return HX_OK;
}

/*
 * The last body filter: collects the chain in r->out and writes it with
 * c->send_chain (writev, or sendfile for file buffers).  Small outputs
 * wait until postpone_output bytes, a flush or the last buffer, so a
 * response goes out in few packets; limit_rate and limit_rate_after pace
 * the writes with the write event's timer ("delayed").
 *
 * What the socket does not take stays in r->out, c->buffered says so,
 * and the writer handler (hx_http_request_finalize.c) calls this filter
 * again with an empty chain when the socket is writable.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


static hx_int_t hx_http_write_filter_init(hx_conf_t *cf);


static hx_http_module_t  hx_http_write_filter_module_ctx = {
    NULL,                                  /* preconfiguration */
    hx_http_write_filter_init,             /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL,                                  /* merge location configuration */
};


hx_module_t  hx_http_write_filter_module = {
    HX_MODULE_V1,
    "hx_http_write_filter_module",
    &hx_http_write_filter_module_ctx,
    NULL,
    HX_HTTP_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


/* checks one buffer and adds it to the totals; HX_ERROR for a bad one */
static hx_int_t
hx_http_write_filter_account(hx_http_request_t *r, hx_buf_t *b, off_t *size,
    hx_uint_t *flush, hx_uint_t *sync, hx_uint_t *last)
{
    if ((hx_buf_size(b) == 0 && !hx_buf_special(b)) || hx_buf_size(b) < 0) {
        hx_log_error(HX_LOG_ALERT, r->connection->log, 0,
                     "%s buf in writer t:%d f:%d %p, pos %p, size: %z "
                     "file: %O, size: %O",
                     hx_buf_size(b) ? "negative size" : "zero size",
                     b->temporary, b->in_file, b->start, b->pos,
                     (ssize_t) (b->last - b->pos), b->file_pos,
                     b->file_last - b->file_pos);
        return HX_ERROR;
    }

    *size += hx_buf_size(b);

    if (b->flush || b->recycled) {
        *flush = 1;
    }

    if (b->sync) {
        *sync = 1;
    }

    if (b->last_buf) {
        *last = 1;
    }

    return HX_OK;
}


/* with limit_rate: the bytes that may go now, or <= 0 to wait */
static off_t
hx_http_write_filter_limit(hx_http_request_t *r,
    hx_http_core_loc_conf_t *clcf)
{
    off_t             limit;
    hx_connection_t  *c;

    c = r->connection;

    if (!r->limit_rate_after_set) {
        r->limit_rate_after = hx_http_complex_value_size(r,
                                                 clcf->limit_rate_after, 0);
        r->limit_rate_after_set = 1;
    }

    limit = (off_t) r->limit_rate * (hx_time() - r->start_sec + 1)
            - (c->sent - r->limit_rate_after);

    if (limit > 0 && clcf->sendfile_max_chunk
        && (off_t) clcf->sendfile_max_chunk < limit)
    {
        limit = clcf->sendfile_max_chunk;
    }

    return limit;
}


hx_int_t
hx_http_write_filter(hx_http_request_t *r, hx_chain_t *in)
{
    off_t                       size, sent, nsent, limit;
    hx_uint_t                   last, flush, sync;
    hx_msec_t                   delay;
    hx_chain_t                 *cl, *ln, **ll, *chain;
    hx_connection_t            *c;
    hx_http_core_loc_conf_t    *clcf;

    c = r->connection;

    if (c->error) {
        return HX_ERROR;
    }

    size = 0;
    flush = 0;
    sync = 0;
    last = 0;
    ll = &r->out;

    /* what is saved from before */

    for (cl = r->out; cl; cl = cl->next) {
        ll = &cl->next;

        if (hx_http_write_filter_account(r, cl->buf, &size, &flush, &sync,
                                         &last)
            != HX_OK)
        {
            return HX_ERROR;
        }
    }

    /* and what comes now */

    for (ln = in; ln; ln = ln->next) {
        cl = hx_alloc_chain_link(r->pool);
        if (cl == NULL) {
            return HX_ERROR;
        }

        cl->buf = ln->buf;
        *ll = cl;
        ll = &cl->next;

        if (hx_http_write_filter_account(r, cl->buf, &size, &flush, &sync,
                                         &last)
            != HX_OK)
        {
            return HX_ERROR;
        }
    }

    *ll = NULL;

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (!last && !flush && in && size < (off_t) clcf->postpone_output) {
        return HX_OK;
    }

    if (c->write->delayed) {
        c->buffered |= HX_HTTP_WRITE_BUFFERED;
        return HX_AGAIN;
    }

    if (size == 0
        && !(c->buffered & HX_LOWLEVEL_BUFFERED)
        && !(last && c->need_last_buf)
        && !(flush && c->need_flush_buf))
    {
        if (last || flush || sync) {
            r->out = NULL;
            c->buffered &= ~HX_HTTP_WRITE_BUFFERED;

            if (last) {
                r->response_sent = 1;
            }

            return HX_OK;
        }

        hx_log_error(HX_LOG_ALERT, c->log, 0,
                     "the http output chain is empty");

        return HX_ERROR;
    }

    if (!r->limit_rate_set) {
        r->limit_rate = hx_http_complex_value_size(r, clcf->limit_rate, 0);
        r->limit_rate_set = 1;
    }

    if (r->limit_rate) {

        limit = hx_http_write_filter_limit(r, clcf);

        if (limit <= 0) {
            c->write->delayed = 1;
            delay = (hx_msec_t) (- limit * 1000 / r->limit_rate + 1);
            hx_add_timer(c->write, delay);

            c->buffered |= HX_HTTP_WRITE_BUFFERED;

            return HX_AGAIN;
        }

    } else {
        limit = clcf->sendfile_max_chunk;
    }

    sent = c->sent;

    chain = c->send_chain(c, r->out, limit);

    if (chain == HX_CHAIN_ERROR) {
        c->error = 1;
        return HX_ERROR;
    }

    if (r->limit_rate) {

        nsent = c->sent;

        if (r->limit_rate_after) {

            sent -= r->limit_rate_after;
            if (sent < 0) {
                sent = 0;
            }

            nsent -= r->limit_rate_after;
            if (nsent < 0) {
                nsent = 0;
            }
        }

        delay = (hx_msec_t) ((nsent - sent) * 1000 / r->limit_rate);

        if (delay > 0) {
            c->write->delayed = 1;
            hx_add_timer(c->write, delay);
        }
    }

    if (chain && c->write->ready && !c->write->delayed) {

        /* sendfile_max_chunk stopped us: go on after other connections */

        hx_post_event(c->write, &hx_posted_next_events);
    }

    r->out = chain;

    if (chain) {
        c->buffered |= HX_HTTP_WRITE_BUFFERED;
        return HX_AGAIN;
    }

    c->buffered &= ~HX_HTTP_WRITE_BUFFERED;

    if (last) {
        r->response_sent = 1;
    }

    if ((c->buffered & HX_LOWLEVEL_BUFFERED) && r->postponed == NULL) {
        return HX_AGAIN;
    }

    return HX_OK;
}


static hx_int_t
hx_http_write_filter_init(hx_conf_t *cf)
{
    (void) cf;

    hx_http_top_body_filter = hx_http_write_filter;

    return HX_OK;
}

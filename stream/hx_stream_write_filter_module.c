/*
 * The write filter: the last link of the stream filter chain, the one
 * that puts bytes on a socket.
 *
 * A content handler (return, later proxy) passes a chain down the filter
 * chain and this filter appends it to what is still unsent for that
 * direction, then gives everything to the connection's send_chain, which
 * writes as much as the socket takes without blocking.  What is left
 * stays queued here, c->buffered says so, and the caller waits for the
 * write event before calling again (with NULL to just flush).  A slow
 * client therefore holds at most what its caller has handed over: the
 * caller decides when to stop producing, never this filter.
 *
 * The two directions of a proxied session (to the client, to the
 * upstream) keep separate queues.  Chain links are recycled through a
 * per-session free list, so a long session does not grow its pool with
 * every write.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>


typedef struct {
    hx_chain_t   *from_upstream;     /* queued for the client */
    hx_chain_t   *from_downstream;   /* queued for the upstream */
    hx_chain_t   *free;              /* links for reuse */
} hx_stream_write_filter_ctx_t;


static hx_int_t hx_stream_write_filter(hx_stream_session_t *s,
    hx_chain_t *in, hx_uint_t from_upstream);
static hx_int_t hx_stream_write_filter_append(hx_connection_t *c,
    hx_stream_write_filter_ctx_t *ctx, hx_chain_t **out, hx_chain_t *in);
static hx_int_t hx_stream_write_filter_init(hx_conf_t *cf);


static hx_stream_module_t  hx_stream_write_filter_module_ctx = {
    NULL,                                 /* preconfiguration */
    hx_stream_write_filter_init,          /* postconfiguration */

    NULL,                                 /* create main configuration */
    NULL,                                 /* init main configuration */

    NULL,                                 /* create server configuration */
    NULL                                  /* merge server configuration */
};


hx_module_t  hx_stream_write_filter_module = {
    HX_MODULE_V1,
    "hx_stream_write_filter_module",
    &hx_stream_write_filter_module_ctx,
    NULL,
    HX_STREAM_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static hx_int_t
hx_stream_write_filter(hx_stream_session_t *s, hx_chain_t *in,
    hx_uint_t from_upstream)
{
    hx_chain_t                     *cl, *chain, **out;
    hx_connection_t                *c;
    hx_stream_write_filter_ctx_t   *ctx;

    ctx = hx_stream_get_module_ctx(s, hx_stream_write_filter_module);

    if (ctx == NULL) {
        ctx = hx_pcalloc(s->connection->pool,
                         sizeof(hx_stream_write_filter_ctx_t));
        if (ctx == NULL) {
            return HX_ERROR;
        }

        hx_stream_set_ctx(s, ctx, hx_stream_write_filter_module);
    }

    if (from_upstream) {
        c = s->connection;
        out = &ctx->from_upstream;

    } else {
        c = s->upstream->peer.connection;
        out = &ctx->from_downstream;
    }

    if (c->error) {
        return HX_ERROR;
    }

    if (hx_stream_write_filter_append(s->connection, ctx, out, in)
        != HX_OK)
    {
        return HX_ERROR;
    }

    if (*out == NULL) {
        c->buffered &= ~HX_STREAM_WRITE_BUFFERED;

        return (c->buffered & HX_LOWLEVEL_BUFFERED) ? HX_AGAIN : HX_OK;
    }

    hx_log_debug(HX_LOG_DEBUG_STREAM, c->log, 0,
                 "stream write filter %p", *out);

    chain = c->send_chain(c, *out, 0);

    hx_log_debug(HX_LOG_DEBUG_STREAM, c->log, 0,
                 "stream write filter %p", chain);

    if (chain == HX_CHAIN_ERROR) {
        c->error = 1;
        return HX_ERROR;
    }

    /* the links before chain are sent: back to the free list */

    while (*out && *out != chain) {
        cl = *out;
        *out = cl->next;
        cl->next = ctx->free;
        ctx->free = cl;
    }

    if (chain) {
        if (c->shared) {
            hx_log_error(HX_LOG_ALERT, c->log, 0,
                         "shared connection is busy");
            return HX_ERROR;
        }

        c->buffered |= HX_STREAM_WRITE_BUFFERED;
        return HX_AGAIN;
    }

    c->buffered &= ~HX_STREAM_WRITE_BUFFERED;

    if (c->buffered & HX_LOWLEVEL_BUFFERED) {
        return HX_AGAIN;
    }

    return HX_OK;
}


/*
 * Appends the buffers of in to *out.  A zero-size buffer that only marks
 * the end or a flush point carries nothing to send and is dropped; one
 * that marks nothing is a caller's bug.
 */
static hx_int_t
hx_stream_write_filter_append(hx_connection_t *c,
    hx_stream_write_filter_ctx_t *ctx, hx_chain_t **out, hx_chain_t *in)
{
    hx_chain_t   *cl, **ll;

    for (ll = out; *ll; ll = &(*ll)->next) { /* void */ }

    for ( /* void */ ; in; in = in->next) {

        if (hx_buf_size(in->buf) == 0) {
            if (hx_buf_special(in->buf)) {
                continue;
            }

            hx_log_error(HX_LOG_ALERT, c->log, 0,
                         "zero size buf in stream writer "
                         "t:%d f:%d %p, pos %p, size: %z",
                         in->buf->temporary, in->buf->in_file,
                         in->buf->start, in->buf->pos,
                         in->buf->last - in->buf->pos);
            return HX_ERROR;
        }

        cl = ctx->free;

        if (cl) {
            ctx->free = cl->next;

        } else {
            cl = hx_alloc_chain_link(c->pool);
            if (cl == NULL) {
                return HX_ERROR;
            }
        }

        cl->buf = in->buf;
        cl->next = NULL;

        *ll = cl;
        ll = &cl->next;
    }

    return HX_OK;
}


static hx_int_t
hx_stream_write_filter_init(hx_conf_t *cf)
{
    (void) cf;

    hx_stream_top_filter = hx_stream_write_filter;

    return HX_OK;
}

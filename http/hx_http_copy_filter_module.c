/*
 * Reading files into memory on the way out.  Static responses travel as
 * buffers that only describe a file region; the socket layer sends them
 * with sendfile().  When that is not wanted (sendfile off) or a later
 * filter must see the bytes (gzip, sub: r->filter_need_in_memory), this
 * filter reads the file into output_buffers-sized memory buffers and
 * passes those on instead.
 *
 * At most output_buffers.num buffers are in flight: when all of them are
 * still queued in the socket layer, the rest waits in the context
 * (r->buffered says so) and the writer calls the chain again once the
 * socket drains, so a large file never sits in memory whole.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


typedef struct {
    hx_bufs_t        bufs;
} hx_http_copy_filter_conf_t;


typedef struct {
    hx_chain_t      *in;         /* what is still to be copied or passed */
    hx_chain_t      *free;
    hx_chain_t      *busy;
    hx_int_t         allocated;
} hx_http_copy_filter_ctx_t;


static void *hx_http_copy_filter_create_conf(hx_conf_t *cf);
static char *hx_http_copy_filter_merge_conf(hx_conf_t *cf, void *parent,
    void *child);
static hx_int_t hx_http_copy_filter_init(hx_conf_t *cf);


static hx_command_t  hx_http_copy_filter_commands[] = {

    { hx_string("output_buffers"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE2,
      hx_conf_set_bufs_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_copy_filter_conf_t, bufs),
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_copy_filter_module_ctx = {
    NULL,                                  /* preconfiguration */
    hx_http_copy_filter_init,              /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    hx_http_copy_filter_create_conf,       /* create location configuration */
    hx_http_copy_filter_merge_conf         /* merge location configuration */
};


hx_module_t  hx_http_copy_filter_module = {
    HX_MODULE_V1,
    "hx_http_copy_filter_module",
    &hx_http_copy_filter_module_ctx,
    hx_http_copy_filter_commands,
    HX_HTTP_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


static hx_http_output_body_filter_pt    hx_http_next_body_filter;


#define HX_HTTP_COPY_TAG  ((hx_buf_tag_t) &hx_http_copy_filter_module)


static hx_uint_t
hx_http_copy_need(hx_http_request_t *r, hx_buf_t *b)
{
    if (!b->in_file || hx_buf_in_memory(b)) {
        return 0;
    }

    return !r->connection->sendfile
           || r->filter_need_in_memory
           || r->main_filter_need_in_memory;
}


/* copies the next part of a file buffer; HX_OK, HX_AGAIN or HX_ERROR */
static hx_int_t
hx_http_copy_one(hx_http_request_t *r, hx_http_copy_filter_ctx_t *ctx,
    hx_http_copy_filter_conf_t *conf, hx_chain_t ***ll)
{
    off_t         size;
    ssize_t       n;
    hx_buf_t     *src, *b;
    hx_chain_t   *cl;

    src = ctx->in->buf;

    if (ctx->free) {
        cl = ctx->free;
        ctx->free = cl->next;
        cl->next = NULL;

    } else if (ctx->allocated < conf->bufs.num) {

        size = src->file_last - src->file_pos;

        cl = hx_alloc_chain_link(r->pool);
        if (cl == NULL) {
            return HX_ERROR;
        }

        cl->buf = hx_create_temp_buf(r->pool,
                                     (size_t) hx_min(size,
                                                     (off_t) conf->bufs.size));
        if (cl->buf == NULL) {
            return HX_ERROR;
        }

        cl->buf->tag = HX_HTTP_COPY_TAG;
        cl->buf->recycled = 1;
        cl->next = NULL;

        ctx->allocated++;

    } else {
        return HX_AGAIN;
    }

    b = cl->buf;

    b->pos = b->start;
    b->last = b->start;
    b->last_buf = 0;
    b->last_in_chain = 0;
    b->flush = 0;
    b->sync = 0;

    size = hx_min(src->file_last - src->file_pos, (off_t) (b->end - b->start));

    n = hx_read_file(src->file, b->pos, (size_t) size, src->file_pos);

    if (n == HX_ERROR) {
        return HX_ERROR;
    }

    if (n != size) {
        hx_log_error(HX_LOG_ALERT, r->connection->log, 0,
                     "read only %z of %O from \"%V\"",
                     n, size, &src->file->name);
        return HX_ERROR;
    }

    b->last += n;
    src->file_pos += n;

    if (src->file_pos == src->file_last) {

        /* the source is done: its flags go with its last bytes */

        b->last_buf = src->last_buf;
        b->last_in_chain = src->last_in_chain;
        b->flush = src->flush;
        b->sync = src->sync;

        ctx->in = ctx->in->next;
    }

    **ll = cl;
    *ll = &cl->next;

    return HX_OK;
}


static hx_int_t
hx_http_copy_filter(hx_http_request_t *r, hx_chain_t *in)
{
    hx_int_t                       rc;
    hx_uint_t                      need;
    hx_chain_t                    *cl, *out, **ll, *tl, **il;
    hx_http_copy_filter_ctx_t     *ctx;
    hx_http_copy_filter_conf_t    *conf;

    ctx = hx_http_get_module_ctx(r, hx_http_copy_filter_module);

    if (ctx == NULL) {

        need = 0;

        for (cl = in; cl; cl = cl->next) {
            if (hx_http_copy_need(r, cl->buf)) {
                need = 1;
                break;
            }
        }

        if (!need) {
            return hx_http_next_body_filter(r, in);
        }

        ctx = hx_pcalloc(r->pool, sizeof(hx_http_copy_filter_ctx_t));
        if (ctx == NULL) {
            return HX_ERROR;
        }

        hx_http_set_ctx(r, ctx, hx_http_copy_filter_module);
    }

    conf = hx_http_get_module_loc_conf(r, hx_http_copy_filter_module);

    /* queue the new links after what is still pending */

    for (il = &ctx->in; *il; il = &(*il)->next) { /* void */ }

    for (cl = in; cl; cl = cl->next) {
        tl = hx_alloc_chain_link(r->pool);
        if (tl == NULL) {
            return HX_ERROR;
        }

        tl->buf = cl->buf;
        tl->next = NULL;
        *il = tl;
        il = &tl->next;
    }

    for ( ;; ) {

        out = NULL;
        ll = &out;
        rc = HX_OK;

        while (ctx->in) {

            if (!hx_http_copy_need(r, ctx->in->buf)) {
                tl = ctx->in;
                ctx->in = tl->next;
                tl->next = NULL;
                *ll = tl;
                ll = &tl->next;
                continue;
            }

            rc = hx_http_copy_one(r, ctx, conf, &ll);

            if (rc != HX_OK) {
                break;
            }
        }

        if (rc == HX_ERROR) {
            return HX_ERROR;
        }

        if (out == NULL && ctx->in == NULL && in == NULL) {
            r->buffered &= ~HX_HTTP_COPY_BUFFERED;
            return hx_http_next_body_filter(r, NULL);
        }

        rc = hx_http_next_body_filter(r, out);

        hx_chain_update_chains(r->pool, &ctx->free, &ctx->busy, &out,
                               HX_HTTP_COPY_TAG);

        if (rc == HX_ERROR) {
            return HX_ERROR;
        }

        if (ctx->in == NULL) {
            r->buffered &= ~HX_HTTP_COPY_BUFFERED;
            return rc;
        }

        if (ctx->free == NULL) {

            /* every buffer is queued in the socket layer: wait */

            r->buffered |= HX_HTTP_COPY_BUFFERED;
            return HX_AGAIN;
        }

        in = NULL;
    }
}


static void *
hx_http_copy_filter_create_conf(hx_conf_t *cf)
{
    hx_http_copy_filter_conf_t  *conf;

    conf = hx_palloc(cf->pool, sizeof(hx_http_copy_filter_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->bufs.num = 0;

    return conf;
}


static char *
hx_http_copy_filter_merge_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_http_copy_filter_conf_t *prev = parent;
    hx_http_copy_filter_conf_t *conf = child;

    (void) cf;

    hx_conf_merge_bufs_value(conf->bufs, prev->bufs, 2, 32768);

    return HX_CONF_OK;
}


static hx_int_t
hx_http_copy_filter_init(hx_conf_t *cf)
{
    (void) cf;

    hx_http_next_body_filter = hx_http_top_body_filter;
    hx_http_top_body_filter = hx_http_copy_filter;

    return HX_OK;
}

/*
 * gzip: compresses responses on the fly with zlib.
 *
 * The header filter decides: the location has "gzip on", the status is
 * 200, 403 or 404, the response is not already encoded, is at least
 * gzip_min_length long (when the length is known), has one of the
 * gzip_types, and the client accepts gzip (hx_http_gzip_ok(): the core
 * module owns gzip_http_version, gzip_proxied, gzip_disable and
 * gzip_vary, which gzip_static shares in nginx).  Then it adds
 * "Content-Encoding: gzip", drops Content-Length (the chunked filter
 * below takes over), Accept-Ranges and makes the ETag weak.  Every
 * response that could have been compressed is marked r->gzip_vary, so
 * the header filter adds "Vary: Accept-Encoding" under gzip_vary.
 *
 * The body filter streams: input buffers are fed to deflate() as they
 * come, output goes into at most gzip_buffers buffers of the request
 * pool, which are recycled once the next filters have sent them.  When
 * every output buffer is busy the filter returns HX_AGAIN with its input
 * still queued; the write event brings it back.  A flush buffer becomes
 * Z_SYNC_FLUSH, the last buffer Z_FINISH.
 *
 * zlib's memory comes from the request pool as one block sized the way
 * deflateInit2() will ask for it (the window shrinks for a small
 * Content-Length), handed out by a bump allocator and freed as soon as
 * the stream ends, so a long download does not keep ~256K per client.
 * Should zlib ask for more than was foreseen, the pool serves the rest.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>

#include <zlib.h>


typedef struct {
    hx_flag_t            enable;

    hx_array_t          *types;         /* hx_str_t, lowercase; NULL: "*" */
    hx_uint_t            types_any;     /* gzip_types * */
    hx_uint_t            types_set;

    hx_bufs_t            bufs;

    hx_int_t             level;
    size_t               wbits;
    size_t               memlevel;
    ssize_t              min_length;
} hx_http_gzip_conf_t;


typedef struct {
    hx_chain_t          *in;
    hx_chain_t          *free;
    hx_chain_t          *busy;
    hx_chain_t          *out;
    hx_chain_t         **last_out;

    hx_buf_t            *in_buf;
    hx_buf_t            *out_buf;
    hx_int_t             bufs;

    void                *preallocated;
    uint8_t             *free_mem;
    size_t               allocated;

    int                  wbits;
    int                  memlevel;

    unsigned             flush:4;
    unsigned             redo:1;
    unsigned             done:1;
    unsigned             nomem:1;
    unsigned             state_allocated:1;

    size_t               zin;
    size_t               zout;

    z_stream             zstream;
    hx_http_request_t   *request;
} hx_http_gzip_ctx_t;


static hx_int_t hx_http_gzip_test_type(hx_http_request_t *r,
    hx_http_gzip_conf_t *conf);
static void hx_http_gzip_filter_memory(hx_http_request_t *r,
    hx_http_gzip_ctx_t *ctx);
static hx_int_t hx_http_gzip_filter_deflate_start(hx_http_request_t *r,
    hx_http_gzip_ctx_t *ctx);
static hx_int_t hx_http_gzip_filter_add_data(hx_http_request_t *r,
    hx_http_gzip_ctx_t *ctx);
static hx_int_t hx_http_gzip_filter_get_buf(hx_http_request_t *r,
    hx_http_gzip_ctx_t *ctx);
static hx_int_t hx_http_gzip_filter_deflate(hx_http_request_t *r,
    hx_http_gzip_ctx_t *ctx);
static hx_int_t hx_http_gzip_filter_deflate_end(hx_http_request_t *r,
    hx_http_gzip_ctx_t *ctx);
static hx_int_t hx_http_gzip_filter_out(hx_http_request_t *r,
    hx_http_gzip_ctx_t *ctx, hx_buf_t *b);

static void *hx_http_gzip_filter_alloc(void *opaque, u_int items,
    u_int size);
static void hx_http_gzip_filter_free(void *opaque, void *address);

static hx_int_t hx_http_gzip_add_variables(hx_conf_t *cf);
static hx_int_t hx_http_gzip_ratio_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);

static hx_int_t hx_http_gzip_filter_init(hx_conf_t *cf);
static void *hx_http_gzip_create_conf(hx_conf_t *cf);
static char *hx_http_gzip_merge_conf(hx_conf_t *cf, void *parent,
    void *child);
static char *hx_http_gzip_types(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);


static hx_conf_num_bounds_t  hx_http_gzip_comp_level_bounds = {
    hx_conf_check_num_bounds, 1, 9
};


static hx_command_t  hx_http_gzip_filter_commands[] = {

    { hx_string("gzip"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LIF_CONF
                        |HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_gzip_conf_t, enable),
      NULL },

    { hx_string("gzip_buffers"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE2,
      hx_conf_set_bufs_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_gzip_conf_t, bufs),
      NULL },

    { hx_string("gzip_types"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_1MORE,
      hx_http_gzip_types,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("gzip_comp_level"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_gzip_conf_t, level),
      &hx_http_gzip_comp_level_bounds },

    { hx_string("gzip_min_length"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_size_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_gzip_conf_t, min_length),
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_gzip_filter_module_ctx = {
    hx_http_gzip_add_variables,            /* preconfiguration */
    hx_http_gzip_filter_init,              /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    hx_http_gzip_create_conf,              /* create location configuration */
    hx_http_gzip_merge_conf                /* merge location configuration */
};


hx_module_t  hx_http_gzip_filter_module = {
    HX_MODULE_V1,
    "hx_http_gzip_filter_module",
    &hx_http_gzip_filter_module_ctx,
    hx_http_gzip_filter_commands,
    HX_HTTP_MODULE,
    NULL,                                  /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL                                   /* exit master */
};


static hx_str_t  hx_http_gzip_ratio = hx_string("gzip_ratio");

static hx_http_output_header_filter_pt  hx_http_next_header_filter;
static hx_http_output_body_filter_pt    hx_http_next_body_filter;


static hx_int_t
hx_http_gzip_header_filter(hx_http_request_t *r)
{
    hx_table_elt_t       *h;
    hx_http_gzip_ctx_t   *ctx;
    hx_http_gzip_conf_t  *conf;

    conf = hx_http_get_module_loc_conf(r, hx_http_gzip_filter_module);

    if (!conf->enable
        || (r->headers_out.status != HX_HTTP_OK
            && r->headers_out.status != HX_HTTP_FORBIDDEN
            && r->headers_out.status != HX_HTTP_NOT_FOUND)
        || (r->headers_out.content_encoding
            && r->headers_out.content_encoding->value.len)
        || (r->headers_out.content_length_n != -1
            && r->headers_out.content_length_n < conf->min_length)
        || hx_http_gzip_test_type(r, conf) != HX_OK
        || r->header_only)
    {
        return hx_http_next_header_filter(r);
    }

    /* the answer depends on Accept-Encoding from here on */
    r->gzip_vary = 1;

    if (!r->gzip_tested) {
        if (hx_http_gzip_ok(r) != HX_OK) {
            return hx_http_next_header_filter(r);
        }

    } else if (!r->gzip_ok) {
        return hx_http_next_header_filter(r);
    }

    ctx = hx_pcalloc(r->pool, sizeof(hx_http_gzip_ctx_t));
    if (ctx == NULL) {
        return HX_ERROR;
    }

    hx_http_set_ctx(r, ctx, hx_http_gzip_filter_module);

    ctx->request = r;

    hx_http_gzip_filter_memory(r, ctx);

    h = hx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return HX_ERROR;
    }

    h->hash = 1;
    h->next = NULL;
    h->lowcase_key = NULL;
    hx_str_set(&h->key, "Content-Encoding");
    hx_str_set(&h->value, "gzip");
    r->headers_out.content_encoding = h;

    r->main_filter_need_in_memory = 1;

    hx_http_clear_content_length(r);
    hx_http_clear_accept_ranges(r);
    hx_http_weak_etag(r);

    return hx_http_next_header_filter(r);
}


/* whether the response's type is one of gzip_types (text/html always) */
static hx_int_t
hx_http_gzip_test_type(hx_http_request_t *r, hx_http_gzip_conf_t *conf)
{
    size_t      len;
    uint8_t    *p;
    hx_str_t   *type;
    hx_uint_t   i;

    if (conf->types_any) {
        return HX_OK;
    }

    if (r->headers_out.content_type.len == 0) {
        return HX_DECLINED;
    }

    len = r->headers_out.content_type_len;

    if (len == 0) {
        p = hx_strlchr(r->headers_out.content_type.data,
                       r->headers_out.content_type.data
                       + r->headers_out.content_type.len, ';');

        len = p ? (size_t) (p - r->headers_out.content_type.data)
                : r->headers_out.content_type.len;
    }

    while (len && r->headers_out.content_type.data[len - 1] == ' ') {
        len--;
    }

    if (conf->types == NULL) {
        return HX_DECLINED;
    }

    type = conf->types->elts;

    for (i = 0; i < conf->types->nelts; i++) {
        if (type[i].len == len
            && hx_strncasecmp(type[i].data, r->headers_out.content_type.data,
                              len) == 0)
        {
            return HX_OK;
        }
    }

    return HX_DECLINED;
}


static hx_int_t
hx_http_gzip_body_filter(hx_http_request_t *r, hx_chain_t *in)
{
    hx_int_t             rc;
    hx_uint_t            flush;
    hx_chain_t          *cl;
    hx_http_gzip_ctx_t  *ctx;

    ctx = hx_http_get_module_ctx(r, hx_http_gzip_filter_module);

    if (ctx == NULL || ctx->done || r->header_only) {
        return hx_http_next_body_filter(r, in);
    }

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "http gzip filter");

    if (ctx->preallocated == NULL) {
        if (hx_http_gzip_filter_deflate_start(r, ctx) != HX_OK) {
            goto failed;
        }
    }

    if (in) {
        if (hx_chain_add_copy(r->pool, &ctx->in, in) != HX_OK) {
            goto failed;
        }

        r->connection->buffered |= HX_HTTP_GZIP_BUFFERED;
    }

    if (ctx->nomem) {

        /* every output buffer was busy: push them on first */

        if (hx_http_next_body_filter(r, NULL) == HX_ERROR) {
            goto failed;
        }

        cl = NULL;

        hx_chain_update_chains(r->pool, &ctx->free, &ctx->busy, &cl,
                               (hx_buf_tag_t) &hx_http_gzip_filter_module);
        ctx->nomem = 0;
        flush = 0;

    } else {
        flush = ctx->busy ? 1 : 0;
    }

    for ( ;; ) {

        /* as long as the client takes output */

        for ( ;; ) {

            /* as long as there is input and room for output */

            rc = hx_http_gzip_filter_add_data(r, ctx);

            if (rc == HX_DECLINED) {
                break;
            }

            if (rc == HX_AGAIN) {
                continue;
            }

            rc = hx_http_gzip_filter_get_buf(r, ctx);

            if (rc == HX_DECLINED) {
                break;
            }

            if (rc == HX_ERROR) {
                goto failed;
            }

            rc = hx_http_gzip_filter_deflate(r, ctx);

            if (rc == HX_OK) {
                break;
            }

            if (rc == HX_ERROR) {
                goto failed;
            }

            /* HX_AGAIN: deflate has more output */
        }

        if (ctx->out == NULL && !flush) {
            return ctx->busy ? HX_AGAIN : HX_OK;
        }

        rc = hx_http_next_body_filter(r, ctx->out);

        if (rc == HX_ERROR) {
            goto failed;
        }

        hx_chain_update_chains(r->pool, &ctx->free, &ctx->busy, &ctx->out,
                               (hx_buf_tag_t) &hx_http_gzip_filter_module);
        ctx->last_out = &ctx->out;

        ctx->nomem = 0;
        flush = 0;

        if (ctx->done) {
            return rc;
        }
    }

    /* unreachable */

failed:

    ctx->done = 1;

    if (ctx->preallocated) {
        (void) deflateEnd(&ctx->zstream);
        (void) hx_pfree(r->pool, ctx->preallocated);
        ctx->preallocated = NULL;
    }

    return HX_ERROR;
}


/*
 * Sizes zlib's memory: a known short body needs a smaller window and
 * hash, and the block is what deflateInit2() will ask for: the state
 * (under 8K), the window (2 << wbits), prev and head (2 << wbits and
 * 2 << (memlevel + 7)) and the pending buffer (4 << (memlevel + 6)).
 */
static void
hx_http_gzip_filter_memory(hx_http_request_t *r, hx_http_gzip_ctx_t *ctx)
{
    int                   wbits, memlevel;
    hx_http_gzip_conf_t  *conf;

    conf = hx_http_get_module_loc_conf(r, hx_http_gzip_filter_module);

    wbits = (int) conf->wbits;
    memlevel = (int) conf->memlevel;

    if (r->headers_out.content_length_n > 0) {

        /* zlib's usable window is 262 bytes short of its size */

        while (wbits > 9
               && r->headers_out.content_length_n
                  < ((1 << (wbits - 1)) - 262))
        {
            wbits--;
            memlevel--;
        }

        if (memlevel < 1) {
            memlevel = 1;
        }
    }

    ctx->wbits = wbits;
    ctx->memlevel = memlevel;

    ctx->allocated = 8192 + 16 + (1 << (wbits + 2)) + (1 << (memlevel + 9));
}


static hx_int_t
hx_http_gzip_filter_deflate_start(hx_http_request_t *r,
    hx_http_gzip_ctx_t *ctx)
{
    int                   rc;
    hx_http_gzip_conf_t  *conf;

    conf = hx_http_get_module_loc_conf(r, hx_http_gzip_filter_module);

    ctx->preallocated = hx_palloc(r->pool, ctx->allocated);
    if (ctx->preallocated == NULL) {
        return HX_ERROR;
    }

    ctx->free_mem = ctx->preallocated;

    ctx->zstream.zalloc = hx_http_gzip_filter_alloc;
    ctx->zstream.zfree = hx_http_gzip_filter_free;
    ctx->zstream.opaque = ctx;

    /* wbits + 16: a gzip wrapper rather than a zlib one */
    rc = deflateInit2(&ctx->zstream, (int) conf->level, Z_DEFLATED,
                      ctx->wbits + 16, ctx->memlevel, Z_DEFAULT_STRATEGY);

    if (rc != Z_OK) {
        hx_log_error(HX_LOG_ALERT, r->connection->log, 0,
                     "deflateInit2() failed: %d", rc);
        return HX_ERROR;
    }

    ctx->last_out = &ctx->out;
    ctx->flush = Z_NO_FLUSH;

    return HX_OK;
}


/*
 * Gives zlib the next input buffer when it has none.  HX_OK (there is
 * work for deflate), HX_AGAIN (an empty buffer was skipped), HX_DECLINED
 * (no input left).
 */
static hx_int_t
hx_http_gzip_filter_add_data(hx_http_request_t *r, hx_http_gzip_ctx_t *ctx)
{
    hx_chain_t  *cl;

    if (ctx->zstream.avail_in || ctx->flush != Z_NO_FLUSH || ctx->redo) {
        return HX_OK;
    }

    if (ctx->in == NULL) {
        return HX_DECLINED;
    }

    cl = ctx->in;
    ctx->in_buf = cl->buf;
    ctx->in = cl->next;

    ctx->zstream.next_in = ctx->in_buf->pos;
    ctx->zstream.avail_in = ctx->in_buf->last - ctx->in_buf->pos;

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "gzip in_buf:%p ni:%p ai:%ud", ctx->in_buf,
                 ctx->zstream.next_in, (uint32_t) ctx->zstream.avail_in);

    if (ctx->in_buf->last_buf) {
        ctx->flush = Z_FINISH;

    } else if (ctx->in_buf->flush) {
        ctx->flush = Z_SYNC_FLUSH;

    } else if (ctx->zstream.avail_in == 0) {
        return HX_AGAIN;
    }

    return HX_OK;
}


/*
 * Makes sure zlib has room for output: a recycled buffer, or a new one
 * while fewer than gzip_buffers exist.  HX_DECLINED when all are busy.
 */
static hx_int_t
hx_http_gzip_filter_get_buf(hx_http_request_t *r, hx_http_gzip_ctx_t *ctx)
{
    hx_chain_t           *cl;
    hx_http_gzip_conf_t  *conf;

    if (ctx->zstream.avail_out) {
        return HX_OK;
    }

    conf = hx_http_get_module_loc_conf(r, hx_http_gzip_filter_module);

    if (ctx->free) {
        cl = ctx->free;
        ctx->out_buf = cl->buf;
        ctx->free = cl->next;

        ctx->out_buf->pos = ctx->out_buf->start;
        ctx->out_buf->last = ctx->out_buf->start;

    } else if (ctx->bufs < conf->bufs.num) {

        ctx->out_buf = hx_create_temp_buf(r->pool, conf->bufs.size);
        if (ctx->out_buf == NULL) {
            return HX_ERROR;
        }

        ctx->out_buf->tag = (hx_buf_tag_t) &hx_http_gzip_filter_module;
        ctx->out_buf->recycled = 1;
        ctx->bufs++;

    } else {
        ctx->nomem = 1;
        return HX_DECLINED;
    }

    ctx->zstream.next_out = ctx->out_buf->pos;
    ctx->zstream.avail_out = conf->bufs.size;

    return HX_OK;
}


/*
 * One deflate() call.  HX_AGAIN: the output buffer is full and queued,
 * call again; HX_OK: this round is over (input used up, a flush or the
 * end written); HX_ERROR.
 */
static hx_int_t
hx_http_gzip_filter_deflate(hx_http_request_t *r, hx_http_gzip_ctx_t *ctx)
{
    int        rc;
    hx_buf_t  *b;

    rc = deflate(&ctx->zstream, ctx->flush);

    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        hx_log_error(HX_LOG_ALERT, r->connection->log, 0,
                     "deflate() failed: %d, %d", ctx->flush, rc);
        return HX_ERROR;
    }

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "deflate out: ni:%p no:%p ai:%ud ao:%ud rc:%d",
                 ctx->zstream.next_in, ctx->zstream.next_out,
                 (uint32_t) ctx->zstream.avail_in,
                 (uint32_t) ctx->zstream.avail_out, rc);

    if (ctx->zstream.next_in) {
        ctx->in_buf->pos = ctx->zstream.next_in;

        if (ctx->zstream.avail_in == 0) {
            ctx->zstream.next_in = NULL;
        }
    }

    ctx->out_buf->last = ctx->zstream.next_out;

    if (ctx->zstream.avail_out == 0 && rc != Z_STREAM_END) {

        /* full: out it goes, and zlib has more to say */

        if (hx_http_gzip_filter_out(r, ctx, ctx->out_buf) != HX_OK) {
            return HX_ERROR;
        }

        ctx->redo = 1;

        return HX_AGAIN;
    }

    ctx->redo = 0;

    if (ctx->flush == Z_SYNC_FLUSH) {

        ctx->flush = Z_NO_FLUSH;

        b = ctx->out_buf;

        if (hx_buf_size(b) == 0) {
            b = hx_calloc_buf(r->pool);
            if (b == NULL) {
                return HX_ERROR;
            }

        } else {
            /* the partly filled buffer leaves with the flush */
            ctx->zstream.avail_out = 0;
        }

        b->flush = 1;

        if (hx_http_gzip_filter_out(r, ctx, b) != HX_OK) {
            return HX_ERROR;
        }

        r->connection->buffered &= ~HX_HTTP_GZIP_BUFFERED;

        return HX_OK;
    }

    if (rc == Z_STREAM_END) {
        return hx_http_gzip_filter_deflate_end(r, ctx);
    }

    return HX_AGAIN;
}


static hx_int_t
hx_http_gzip_filter_deflate_end(hx_http_request_t *r,
    hx_http_gzip_ctx_t *ctx)
{
    int        rc;
    hx_buf_t  *b;

    ctx->zin = ctx->zstream.total_in;
    ctx->zout = ctx->zstream.total_out;

    rc = deflateEnd(&ctx->zstream);

    if (rc != Z_OK) {
        hx_log_error(HX_LOG_ALERT, r->connection->log, 0,
                     "deflateEnd() failed: %d", rc);
        return HX_ERROR;
    }

    (void) hx_pfree(r->pool, ctx->preallocated);
    ctx->preallocated = NULL;

    b = ctx->out_buf;

    if (hx_buf_size(b) == 0) {
        b->temporary = 0;
    }

    b->last_buf = 1;

    if (hx_http_gzip_filter_out(r, ctx, b) != HX_OK) {
        return HX_ERROR;
    }

    ctx->zstream.avail_in = 0;
    ctx->zstream.avail_out = 0;

    ctx->done = 1;

    r->connection->buffered &= ~HX_HTTP_GZIP_BUFFERED;

    return HX_OK;
}


/* appends b to the output chain */
static hx_int_t
hx_http_gzip_filter_out(hx_http_request_t *r, hx_http_gzip_ctx_t *ctx,
    hx_buf_t *b)
{
    hx_chain_t  *cl;

    cl = hx_alloc_chain_link(r->pool);
    if (cl == NULL) {
        return HX_ERROR;
    }

    cl->buf = b;
    cl->next = NULL;
    *ctx->last_out = cl;
    ctx->last_out = &cl->next;

    return HX_OK;
}


/*
 * zlib's allocator: bump allocation from the preallocated block.  The
 * deflate state is the one odd-sized request and gets 8K, so the sizes
 * add up to what hx_http_gzip_filter_memory() reserved.
 */
static void *
hx_http_gzip_filter_alloc(void *opaque, u_int items, u_int size)
{
    hx_http_gzip_ctx_t  *ctx = opaque;

    void    *p;
    size_t   alloc;

    alloc = (size_t) items * size;

    if (items == 1 && alloc % 512 != 0 && alloc < 8192
        && !ctx->state_allocated)
    {
        ctx->state_allocated = 1;
        alloc = 8192;
    }

    if (alloc <= ctx->allocated) {
        p = ctx->free_mem;
        ctx->free_mem += alloc;
        ctx->allocated -= alloc;

        return p;
    }

    /* a zlib that needs more than foreseen still works, from the pool */

    hx_log_debug(HX_LOG_DEBUG_HTTP, ctx->request->connection->log, 0,
                 "gzip alloc beyond the preallocated block: %uz", alloc);

    return hx_palloc(ctx->request->pool, (size_t) items * size);
}


static void
hx_http_gzip_filter_free(void *opaque, void *address)
{
    /* the block is freed as a whole when the stream ends */
    (void) opaque;
    (void) address;
}


static hx_int_t
hx_http_gzip_add_variables(hx_conf_t *cf)
{
    hx_http_variable_t  *var;

    var = hx_http_add_variable(cf, &hx_http_gzip_ratio,
                               HX_HTTP_VAR_NOHASH);
    if (var == NULL) {
        return HX_ERROR;
    }

    var->get_handler = hx_http_gzip_ratio_variable;

    return HX_OK;
}


/* $gzip_ratio: input size over output size, two decimals */
static hx_int_t
hx_http_gzip_ratio_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_uint_t            zint, zfrac;
    hx_http_gzip_ctx_t  *ctx;

    (void) data;

    ctx = hx_http_get_module_ctx(r, hx_http_gzip_filter_module);

    if (ctx == NULL || ctx->zout == 0) {
        v->not_found = 1;
        return HX_OK;
    }

    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    v->data = hx_pnalloc(r->pool, HX_INT_T_LEN + 3);
    if (v->data == NULL) {
        return HX_ERROR;
    }

    zint = (hx_uint_t) (ctx->zin / ctx->zout);
    zfrac = (hx_uint_t) ((ctx->zin * 100 / ctx->zout) % 100);

    /* rounded to two decimals */
    if ((ctx->zin * 1000 / ctx->zout) % 10 > 4) {

        zfrac++;

        if (zfrac > 99) {
            zint++;
            zfrac = 0;
        }
    }

    v->len = hx_sprintf(v->data, "%ui.%02ui", zint, zfrac) - v->data;

    return HX_OK;
}


static void *
hx_http_gzip_create_conf(hx_conf_t *cf)
{
    hx_http_gzip_conf_t  *conf;

    conf = hx_pcalloc(cf->pool, sizeof(hx_http_gzip_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by hx_pcalloc():
     *
     *     conf->bufs.num = 0;
     *     conf->types = NULL;
     *     conf->types_any = 0;
     *     conf->types_set = 0;
     */

    conf->enable = HX_CONF_UNSET;

    conf->level = HX_CONF_UNSET;
    conf->wbits = HX_CONF_UNSET_SIZE;
    conf->memlevel = HX_CONF_UNSET_SIZE;
    conf->min_length = HX_CONF_UNSET;

    return conf;
}


static char *
hx_http_gzip_merge_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_http_gzip_conf_t  *prev = parent;
    hx_http_gzip_conf_t  *conf = child;

    hx_str_t  *type;

    hx_conf_merge_value(conf->enable, prev->enable, 0);

    hx_conf_merge_bufs_value(conf->bufs, prev->bufs,
                             (128 * 1024) / 4096, 4096);

    hx_conf_merge_value(conf->level, prev->level, 1);
    hx_conf_merge_size_value(conf->wbits, prev->wbits, MAX_WBITS);
    hx_conf_merge_size_value(conf->memlevel, prev->memlevel,
                             MAX_MEM_LEVEL - 1);
    hx_conf_merge_value(conf->min_length, prev->min_length, 20);

    if (!conf->types_set) {
        conf->types = prev->types;
        conf->types_any = prev->types_any;
        conf->types_set = prev->types_set;
    }

    if (!conf->types_set) {

        /* the default: text/html only */

        conf->types = hx_array_create(cf->pool, 1, sizeof(hx_str_t));
        if (conf->types == NULL) {
            return HX_CONF_ERROR;
        }

        type = hx_array_push(conf->types);
        if (type == NULL) {
            return HX_CONF_ERROR;
        }

        hx_str_set(type, "text/html");
        conf->types_set = 1;
    }

    return HX_CONF_OK;
}


/* gzip_types mime/type ... | *  (text/html is always included) */
static char *
hx_http_gzip_types(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_gzip_conf_t  *gcf = conf;

    hx_str_t   *value, *type;
    hx_uint_t   i, j;

    (void) cmd;

    if (gcf->types_set) {
        return "is duplicate";
    }

    gcf->types_set = 1;

    gcf->types = hx_array_create(cf->pool, 4, sizeof(hx_str_t));
    if (gcf->types == NULL) {
        return HX_CONF_ERROR;
    }

    type = hx_array_push(gcf->types);
    if (type == NULL) {
        return HX_CONF_ERROR;
    }

    hx_str_set(type, "text/html");

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len == 1 && value[i].data[0] == '*') {
            gcf->types_any = 1;
            continue;
        }

        type = gcf->types->elts;

        for (j = 0; j < gcf->types->nelts; j++) {
            if (type[j].len == value[i].len
                && hx_strncasecmp(type[j].data, value[i].data,
                                  value[i].len) == 0)
            {
                break;
            }
        }

        if (j < gcf->types->nelts) {
            continue;
        }

        type = hx_array_push(gcf->types);
        if (type == NULL) {
            return HX_CONF_ERROR;
        }

        type->len = value[i].len;
        type->data = hx_pnalloc(cf->pool, value[i].len);
        if (type->data == NULL) {
            return HX_CONF_ERROR;
        }

        hx_strlow(type->data, value[i].data, value[i].len);
    }

    return HX_CONF_OK;
}


static hx_int_t
hx_http_gzip_filter_init(hx_conf_t *cf)
{
    (void) cf;

    hx_http_next_header_filter = hx_http_top_header_filter;
    hx_http_top_header_filter = hx_http_gzip_header_filter;

    hx_http_next_body_filter = hx_http_top_body_filter;
    hx_http_top_body_filter = hx_http_gzip_body_filter;

    return HX_OK;
}

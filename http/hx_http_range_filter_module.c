/*
 * Byte ranges (RFC 9110 14): for a 200 response whose length is known
 * and whose handler allows it (r->allow_ranges, static files), a Range
 * header makes a 206 with one range, a multipart/byteranges 206 with
 * several, or a 416 when no range fits.  If-Range keeps the full response
 * when the validator differs.  max_ranges caps the count (0 disables
 * ranges), and a set of ranges larger than the response itself is
 * answered in full, so ranges cannot multiply the output.
 *
 * Two modules: the header filter sits early in the header chain to
 * rewrite status and lengths; the body filter sits near the top of the
 * body chain to cut buffers (file ranges stay file ranges, so sendfile
 * still works).  Multipart answers need the whole body in one buffer,
 * which is what static files give.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


typedef struct {
    off_t        start;
    off_t        end;
    hx_str_t     content_range;
} hx_http_range_t;


typedef struct {
    off_t        offset;
    hx_str_t     boundary_header;
    hx_array_t   ranges;
} hx_http_range_filter_ctx_t;


#define HX_HTTP_RANGE_BOUNDARY_LEN  20


static hx_int_t hx_http_range_parse(hx_http_request_t *r,
    hx_http_range_filter_ctx_t *ctx, hx_uint_t ranges);
static hx_int_t hx_http_range_singlepart_header(hx_http_request_t *r,
    hx_http_range_filter_ctx_t *ctx);
static hx_int_t hx_http_range_multipart_header(hx_http_request_t *r,
    hx_http_range_filter_ctx_t *ctx);
static hx_int_t hx_http_range_not_satisfiable(hx_http_request_t *r);
static hx_int_t hx_http_range_singlepart_body(hx_http_request_t *r,
    hx_http_range_filter_ctx_t *ctx, hx_chain_t *in);
static hx_int_t hx_http_range_multipart_body(hx_http_request_t *r,
    hx_http_range_filter_ctx_t *ctx, hx_chain_t *in);
static hx_int_t hx_http_range_header_filter_init(hx_conf_t *cf);
static hx_int_t hx_http_range_body_filter_init(hx_conf_t *cf);


static hx_http_module_t  hx_http_range_header_filter_module_ctx = {
    NULL,                                  /* preconfiguration */
    hx_http_range_header_filter_init,      /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


hx_module_t  hx_http_range_header_filter_module = {
    HX_MODULE_V1,
    "hx_http_range_header_filter_module",
    &hx_http_range_header_filter_module_ctx,
    NULL,
    HX_HTTP_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


static hx_http_module_t  hx_http_range_body_filter_module_ctx = {
    NULL,                                  /* preconfiguration */
    hx_http_range_body_filter_init,        /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


hx_module_t  hx_http_range_body_filter_module = {
    HX_MODULE_V1,
    "hx_http_range_body_filter_module",
    &hx_http_range_body_filter_module_ctx,
    NULL,
    HX_HTTP_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


static hx_http_output_header_filter_pt  hx_http_next_header_filter;
static hx_http_output_body_filter_pt    hx_http_next_body_filter;

static uint64_t  hx_http_range_boundary;


/* whether If-Range (if any) allows ranges for this response */
static hx_uint_t
hx_http_range_if_range_ok(hx_http_request_t *r)
{
    time_t     t;
    hx_str_t  *if_range, *etag;

    if (r->headers_in.if_range == NULL) {
        return 1;
    }

    if_range = &r->headers_in.if_range->value;

    if (if_range->len >= 2 && if_range->data[if_range->len - 1] == '"') {

        /* an entity tag: a strong match only */

        if (r->headers_out.etag == NULL) {
            return 0;
        }

        etag = &r->headers_out.etag->value;

        return if_range->len == etag->len
               && hx_strncmp(if_range->data, etag->data, etag->len) == 0;
    }

    if (r->headers_out.last_modified_time == (time_t) -1) {
        return 0;
    }

    t = hx_parse_http_time(if_range->data, if_range->len);

    return t == r->headers_out.last_modified_time;
}


static hx_int_t
hx_http_range_header_filter(hx_http_request_t *r)
{
    hx_uint_t                      ranges;
    hx_table_elt_t                *h;
    hx_http_core_loc_conf_t       *clcf;
    hx_http_range_filter_ctx_t    *ctx;

    if (r->http_version < HX_HTTP_VERSION_10
        || r->headers_out.status != HX_HTTP_OK
        || (r != r->main && !r->subrequest_ranges)
        || r->headers_out.content_length_n == -1
        || !r->allow_ranges)
    {
        return hx_http_next_header_filter(r);
    }

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (clcf->max_ranges == 0) {
        return hx_http_next_header_filter(r);
    }

    if (r->headers_in.range == NULL
        || r->headers_in.range->value.len < 7
        || hx_strncasecmp(r->headers_in.range->value.data,
                          (uint8_t *) "bytes=", 6)
           != 0
        || !hx_http_range_if_range_ok(r))
    {
        goto next_filter;
    }

    ctx = hx_pcalloc(r->pool, sizeof(hx_http_range_filter_ctx_t));
    if (ctx == NULL) {
        return HX_ERROR;
    }

    ctx->offset = r->headers_out.content_offset;

    ranges = r->single_range ? 1 : clcf->max_ranges;

    switch (hx_http_range_parse(r, ctx, ranges)) {

    case HX_OK:
        hx_http_set_ctx(r, ctx, hx_http_range_body_filter_module);

        r->headers_out.status = HX_HTTP_PARTIAL_CONTENT;
        r->headers_out.status_line.len = 0;

        if (ctx->ranges.nelts == 1) {
            return hx_http_range_singlepart_header(r, ctx);
        }

        return hx_http_range_multipart_header(r, ctx);

    case HX_HTTP_RANGE_NOT_SATISFIABLE:
        return hx_http_range_not_satisfiable(r);

    case HX_ERROR:
        return HX_ERROR;

    default: /* HX_DECLINED */
        break;
    }

next_filter:

    h = hx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return HX_ERROR;
    }

    h->hash = 1;
    h->next = NULL;
    h->lowcase_key = NULL;
    hx_str_set(&h->key, "Accept-Ranges");
    hx_str_set(&h->value, "bytes");

    r->headers_out.accept_ranges = h;

    return hx_http_next_header_filter(r);
}


/* reads digits into *n; HX_ERROR on overflow */
static hx_int_t
hx_http_range_number(uint8_t **pp, off_t *n)
{
    off_t     cutoff, cutlim;
    uint8_t  *p;

    cutoff = HX_MAX_OFF_T_VALUE / 10;
    cutlim = HX_MAX_OFF_T_VALUE % 10;

    p = *pp;

    while (*p >= '0' && *p <= '9') {
        if (*n >= cutoff && (*n > cutoff || *p - '0' > cutlim)) {
            return HX_ERROR;
        }

        *n = *n * 10 + (*p++ - '0');
    }

    *pp = p;

    return HX_OK;
}


/*
 * "bytes=a-b, c-, -d" into ctx->ranges (end exclusive).  HX_OK,
 * HX_HTTP_RANGE_NOT_SATISFIABLE, HX_DECLINED (answer in full: too many
 * ranges, or ranges adding up to more than the body), HX_ERROR.
 */
static hx_int_t
hx_http_range_parse(hx_http_request_t *r, hx_http_range_filter_ctx_t *ctx,
    hx_uint_t ranges)
{
    uint8_t                       *p;
    off_t                          start, end, size, content_length;
    hx_uint_t                      suffix, max_ranges;
    hx_http_range_t               *range;
    hx_http_range_filter_ctx_t    *mctx;

    if (r != r->main) {
        mctx = hx_http_get_module_ctx(r->main,
                                      hx_http_range_body_filter_module);
        if (mctx) {
            ctx->ranges = mctx->ranges;
            return HX_OK;
        }
    }

    if (hx_array_init(&ctx->ranges, r->pool, 1, sizeof(hx_http_range_t))
        != HX_OK)
    {
        return HX_ERROR;
    }

    p = r->headers_in.range->value.data + 6;
    size = 0;
    max_ranges = ranges;

    content_length = r->headers_out.content_length_n;

    for ( ;; ) {
        start = 0;
        end = 0;
        suffix = 0;

        while (*p == ' ') { p++; }

        if (*p != '-') {
            if (*p < '0' || *p > '9') {
                return HX_HTTP_RANGE_NOT_SATISFIABLE;
            }

            if (hx_http_range_number(&p, &start) != HX_OK) {
                return HX_HTTP_RANGE_NOT_SATISFIABLE;
            }

            while (*p == ' ') { p++; }

            if (*p++ != '-') {
                return HX_HTTP_RANGE_NOT_SATISFIABLE;
            }

            while (*p == ' ') { p++; }

            if (*p == ',' || *p == '\0') {
                end = content_length;
                goto found;
            }

        } else {
            suffix = 1;
            p++;
        }

        if (*p < '0' || *p > '9') {
            return HX_HTTP_RANGE_NOT_SATISFIABLE;
        }

        if (hx_http_range_number(&p, &end) != HX_OK) {
            return HX_HTTP_RANGE_NOT_SATISFIABLE;
        }

        while (*p == ' ') { p++; }

        if (*p != ',' && *p != '\0') {
            return HX_HTTP_RANGE_NOT_SATISFIABLE;
        }

        if (suffix) {
            start = (end < content_length) ? content_length - end : 0;
            end = content_length - 1;
        }

        if (end >= content_length) {
            end = content_length;

        } else {
            end++;
        }

    found:

        if (start < end) {
            range = hx_array_push(&ctx->ranges);
            if (range == NULL) {
                return HX_ERROR;
            }

            range->start = start;
            range->end = end;

            if (size > HX_MAX_OFF_T_VALUE - (end - start)) {
                return HX_HTTP_RANGE_NOT_SATISFIABLE;
            }

            size += end - start;

            if (ranges-- == 0) {
                return HX_DECLINED;
            }

        } else if (start == 0) {
            return HX_DECLINED;
        }

        if (*p++ != ',') {
            break;
        }
    }

    if (ctx->ranges.nelts == 0) {
        return HX_HTTP_RANGE_NOT_SATISFIABLE;
    }

    if (ctx->ranges.nelts == 1) {
        return HX_OK;
    }

    if (size > content_length) {
        return HX_DECLINED;
    }

    if (max_ranges == INT32_MAX) {

        /* no max_ranges: the multipart overhead may not exceed the body */

        size += ctx->ranges.nelts * 256;
        content_length += 4096;

        if (size > content_length) {
            return HX_DECLINED;
        }
    }

    return HX_OK;
}


static hx_int_t
hx_http_range_singlepart_header(hx_http_request_t *r,
    hx_http_range_filter_ctx_t *ctx)
{
    hx_table_elt_t   *content_range;
    hx_http_range_t  *range;

    if (r != r->main) {
        return hx_http_next_header_filter(r);
    }

    content_range = hx_list_push(&r->headers_out.headers);
    if (content_range == NULL) {
        return HX_ERROR;
    }

    if (r->headers_out.content_range) {
        r->headers_out.content_range->hash = 0;
    }

    r->headers_out.content_range = content_range;

    content_range->hash = 1;
    content_range->next = NULL;
    content_range->lowcase_key = NULL;
    hx_str_set(&content_range->key, "Content-Range");

    content_range->value.data = hx_pnalloc(r->pool,
                                     sizeof("bytes -/") - 1 + 3 * HX_OFF_T_LEN);
    if (content_range->value.data == NULL) {
        content_range->hash = 0;
        r->headers_out.content_range = NULL;
        return HX_ERROR;
    }

    range = ctx->ranges.elts;

    content_range->value.len = hx_sprintf(content_range->value.data,
                                          "bytes %O-%O/%O",
                                          range->start, range->end - 1,
                                          r->headers_out.content_length_n)
                               - content_range->value.data;

    r->headers_out.content_length_n = range->end - range->start;
    r->headers_out.content_offset = range->start;

    if (r->headers_out.content_length) {
        r->headers_out.content_length->hash = 0;
        r->headers_out.content_length = NULL;
    }

    return hx_http_next_header_filter(r);
}


static hx_int_t
hx_http_range_multipart_header(hx_http_request_t *r,
    hx_http_range_filter_ctx_t *ctx)
{
    off_t              len;
    size_t             size;
    uint64_t           boundary;
    hx_uint_t          i;
    hx_http_range_t   *range;
    hx_str_t          *ct, *charset;

    ct = &r->headers_out.content_type;
    charset = &r->headers_out.charset;

    size = sizeof(CRLF "--") - 1 + HX_HTTP_RANGE_BOUNDARY_LEN
           + sizeof(CRLF "Content-Type: ") - 1
           + ct->len
           + sizeof(CRLF "Content-Range: bytes ") - 1;

    if (r->headers_out.content_type_len == ct->len && charset->len) {
        size += sizeof("; charset=") - 1 + charset->len;
    }

    ctx->boundary_header.data = hx_pnalloc(r->pool, size);
    if (ctx->boundary_header.data == NULL) {
        return HX_ERROR;
    }

    if (hx_http_range_boundary == 0) {
        hx_http_range_boundary = (uint64_t) getpid() * 100000;
    }

    boundary = ++hx_http_range_boundary;

    if (r->headers_out.content_type_len == ct->len && charset->len) {
        ctx->boundary_header.len = hx_sprintf(ctx->boundary_header.data,
                                          CRLF "--%020uL" CRLF
                                          "Content-Type: %V; charset=%V" CRLF
                                          "Content-Range: bytes ",
                                          boundary, ct, charset)
                                   - ctx->boundary_header.data;

    } else if (ct->len) {
        ctx->boundary_header.len = hx_sprintf(ctx->boundary_header.data,
                                          CRLF "--%020uL" CRLF
                                          "Content-Type: %V" CRLF
                                          "Content-Range: bytes ",
                                          boundary, ct)
                                   - ctx->boundary_header.data;

    } else {
        ctx->boundary_header.len = hx_sprintf(ctx->boundary_header.data,
                                          CRLF "--%020uL" CRLF
                                          "Content-Range: bytes ",
                                          boundary)
                                   - ctx->boundary_header.data;
    }

    ct->data = hx_pnalloc(r->pool,
                          sizeof("multipart/byteranges; boundary=") - 1
                          + HX_HTTP_RANGE_BOUNDARY_LEN);
    if (ct->data == NULL) {
        return HX_ERROR;
    }

    r->headers_out.content_type_lowcase = NULL;

    ct->len = hx_sprintf(ct->data, "multipart/byteranges; boundary=%020uL",
                         boundary)
              - ct->data;

    r->headers_out.content_type_len = ct->len;

    charset->len = 0;

    /* the last boundary: CRLF "--0123456789--" CRLF */

    len = sizeof(CRLF "--") - 1 + HX_HTTP_RANGE_BOUNDARY_LEN
          + sizeof("--" CRLF) - 1;

    range = ctx->ranges.elts;

    for (i = 0; i < ctx->ranges.nelts; i++) {

        /* "SSSS-EEEE/TTTT" CRLF CRLF */

        range[i].content_range.data = hx_pnalloc(r->pool,
                                                 3 * HX_OFF_T_LEN + 2 + 4);
        if (range[i].content_range.data == NULL) {
            return HX_ERROR;
        }

        range[i].content_range.len = hx_sprintf(range[i].content_range.data,
                                          "%O-%O/%O" CRLF CRLF,
                                          range[i].start, range[i].end - 1,
                                          r->headers_out.content_length_n)
                                     - range[i].content_range.data;

        len += ctx->boundary_header.len + range[i].content_range.len
               + (range[i].end - range[i].start);
    }

    r->headers_out.content_length_n = len;

    if (r->headers_out.content_length) {
        r->headers_out.content_length->hash = 0;
        r->headers_out.content_length = NULL;
    }

    if (r->headers_out.content_range) {
        r->headers_out.content_range->hash = 0;
        r->headers_out.content_range = NULL;
    }

    return hx_http_next_header_filter(r);
}


static hx_int_t
hx_http_range_not_satisfiable(hx_http_request_t *r)
{
    hx_table_elt_t  *content_range;

    r->headers_out.status = HX_HTTP_RANGE_NOT_SATISFIABLE;

    content_range = hx_list_push(&r->headers_out.headers);
    if (content_range == NULL) {
        return HX_ERROR;
    }

    if (r->headers_out.content_range) {
        r->headers_out.content_range->hash = 0;
    }

    r->headers_out.content_range = content_range;

    content_range->hash = 1;
    content_range->next = NULL;
    content_range->lowcase_key = NULL;
    hx_str_set(&content_range->key, "Content-Range");

    content_range->value.data = hx_pnalloc(r->pool,
                                       sizeof("bytes */") - 1 + HX_OFF_T_LEN);
    if (content_range->value.data == NULL) {
        content_range->hash = 0;
        r->headers_out.content_range = NULL;
        return HX_ERROR;
    }

    content_range->value.len = hx_sprintf(content_range->value.data,
                                          "bytes */%O",
                                          r->headers_out.content_length_n)
                               - content_range->value.data;

    hx_http_clear_content_length(r);

    return HX_HTTP_RANGE_NOT_SATISFIABLE;
}


static hx_int_t
hx_http_range_body_filter(hx_http_request_t *r, hx_chain_t *in)
{
    off_t                          start, last;
    hx_uint_t                      i;
    hx_http_range_t               *range;
    hx_http_range_filter_ctx_t    *ctx;

    if (in == NULL) {
        return hx_http_next_body_filter(r, in);
    }

    ctx = hx_http_get_module_ctx(r, hx_http_range_body_filter_module);

    if (ctx == NULL) {
        return hx_http_next_body_filter(r, in);
    }

    if (ctx->ranges.nelts == 1) {
        return hx_http_range_singlepart_body(r, ctx, in);
    }

    if (hx_buf_special(in->buf)) {
        return hx_http_next_body_filter(r, in);
    }

    /* multipart: the whole body must be in this one buffer */

    if (ctx->offset) {
        goto overlapped;
    }

    if (!in->buf->last_buf) {
        start = ctx->offset;
        last = ctx->offset + hx_buf_size(in->buf);

        range = ctx->ranges.elts;
        for (i = 0; i < ctx->ranges.nelts; i++) {
            if (start > range[i].start || last < range[i].end) {
                goto overlapped;
            }
        }
    }

    ctx->offset = hx_buf_size(in->buf);

    return hx_http_range_multipart_body(r, ctx, in);

overlapped:

    hx_log_error(HX_LOG_ALERT, r->connection->log, 0,
                 "range in overlapped buffers");

    return HX_ERROR;
}


static hx_int_t
hx_http_range_singlepart_body(hx_http_request_t *r,
    hx_http_range_filter_ctx_t *ctx, hx_chain_t *in)
{
    off_t              start, last;
    hx_buf_t          *buf;
    hx_chain_t        *out, *cl, *tl, **ll;
    hx_http_range_t   *range;

    out = NULL;
    ll = &out;
    range = ctx->ranges.elts;

    for (cl = in; cl; cl = cl->next) {

        buf = cl->buf;

        start = ctx->offset;
        last = ctx->offset + hx_buf_size(buf);

        ctx->offset = last;

        if (hx_buf_special(buf)) {

            if (range->end <= start) {
                continue;
            }

            goto pass;
        }

        if (range->end <= start || range->start >= last) {

            /* nothing of the range in this buffer */

            if (buf->in_file) {
                buf->file_pos = buf->file_last;
            }

            buf->pos = buf->last;
            buf->sync = 1;

            continue;
        }

        if (range->start > start) {

            if (buf->in_file) {
                buf->file_pos += range->start - start;
            }

            if (hx_buf_in_memory(buf)) {
                buf->pos += (size_t) (range->start - start);
            }
        }

        if (range->end <= last) {

            if (buf->in_file) {
                buf->file_last -= last - range->end;
            }

            if (hx_buf_in_memory(buf)) {
                buf->last -= (size_t) (last - range->end);
            }

            buf->last_buf = (r == r->main) ? 1 : 0;
            buf->last_in_chain = 1;
        }

    pass:

        tl = hx_alloc_chain_link(r->pool);
        if (tl == NULL) {
            return HX_ERROR;
        }

        tl->buf = buf;
        tl->next = NULL;

        *ll = tl;
        ll = &tl->next;
    }

    return hx_http_next_body_filter(r, out);
}


static hx_chain_t *
hx_http_range_link(hx_http_request_t *r, hx_buf_t *b)
{
    hx_chain_t  *cl;

    cl = hx_alloc_chain_link(r->pool);
    if (cl == NULL) {
        return NULL;
    }

    cl->buf = b;
    cl->next = NULL;

    return cl;
}


static hx_int_t
hx_http_range_multipart_body(hx_http_request_t *r,
    hx_http_range_filter_ctx_t *ctx, hx_chain_t *in)
{
    hx_buf_t          *b, *buf;
    hx_uint_t          i;
    hx_chain_t        *out, *cl, **ll;
    hx_http_range_t   *range;

    ll = &out;
    buf = in->buf;
    range = ctx->ranges.elts;

    for (i = 0; i < ctx->ranges.nelts; i++) {

        /* CRLF "--boundary" CRLF "Content-Type: ..." "Content-Range: " */

        b = hx_calloc_buf(r->pool);
        if (b == NULL) {
            return HX_ERROR;
        }

        b->memory = 1;
        b->pos = ctx->boundary_header.data;
        b->last = ctx->boundary_header.data + ctx->boundary_header.len;

        if ((cl = hx_http_range_link(r, b)) == NULL) {
            return HX_ERROR;
        }

        *ll = cl;
        ll = &cl->next;

        /* "SSSS-EEEE/TTTT" CRLF CRLF */

        b = hx_calloc_buf(r->pool);
        if (b == NULL) {
            return HX_ERROR;
        }

        b->temporary = 1;
        b->pos = range[i].content_range.data;
        b->last = range[i].content_range.data + range[i].content_range.len;

        if ((cl = hx_http_range_link(r, b)) == NULL) {
            return HX_ERROR;
        }

        *ll = cl;
        ll = &cl->next;

        /* the data */

        b = hx_calloc_buf(r->pool);
        if (b == NULL) {
            return HX_ERROR;
        }

        b->in_file = buf->in_file;
        b->temporary = buf->temporary;
        b->memory = buf->memory;
        b->mmap = buf->mmap;
        b->file = buf->file;

        if (buf->in_file) {
            b->file_pos = buf->file_pos + range[i].start;
            b->file_last = buf->file_pos + range[i].end;
        }

        if (hx_buf_in_memory(buf)) {
            b->pos = buf->pos + (size_t) range[i].start;
            b->last = buf->pos + (size_t) range[i].end;
        }

        if ((cl = hx_http_range_link(r, b)) == NULL) {
            return HX_ERROR;
        }

        *ll = cl;
        ll = &cl->next;
    }

    /* CRLF "--boundary--" CRLF */

    b = hx_calloc_buf(r->pool);
    if (b == NULL) {
        return HX_ERROR;
    }

    b->temporary = 1;
    b->last_buf = 1;

    b->pos = hx_pnalloc(r->pool, sizeof(CRLF "--") - 1
                                 + HX_HTTP_RANGE_BOUNDARY_LEN
                                 + sizeof("--" CRLF) - 1);
    if (b->pos == NULL) {
        return HX_ERROR;
    }

    b->last = hx_cpymem(b->pos, ctx->boundary_header.data,
                        sizeof(CRLF "--") - 1 + HX_HTTP_RANGE_BOUNDARY_LEN);
    *b->last++ = '-'; *b->last++ = '-';
    *b->last++ = CR; *b->last++ = LF;

    if ((cl = hx_http_range_link(r, b)) == NULL) {
        return HX_ERROR;
    }

    *ll = cl;

    return hx_http_next_body_filter(r, out);
}


static hx_int_t
hx_http_range_header_filter_init(hx_conf_t *cf)
{
    (void) cf;

    hx_http_next_header_filter = hx_http_top_header_filter;
    hx_http_top_header_filter = hx_http_range_header_filter;

    return HX_OK;
}


static hx_int_t
hx_http_range_body_filter_init(hx_conf_t *cf)
{
    (void) cf;

    hx_http_next_body_filter = hx_http_top_body_filter;
    hx_http_top_body_filter = hx_http_range_body_filter;

    return HX_OK;
}

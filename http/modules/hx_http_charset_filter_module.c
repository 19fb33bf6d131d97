/*
 * charset: adds "; charset=..." to the Content-Type of text responses
 * (charset_types) and, when the response's own charset (source_charset,
 * or the one a backend named) differs and a charset_map links the two,
 * recodes the body on the way out.
 *
 * Maps are byte-to-byte tables between one-byte charsets, or byte-to-
 * UTF-8 tables when one side is utf-8.  One-byte recoding keeps every
 * offset, so lengths and ranges stay valid and buffers are recoded in
 * place when they may be written; recoding to or from UTF-8 changes the
 * length, so Content-Length is dropped and each buffer is copied.  A
 * UTF-8 character split between buffers is carried over in the context;
 * characters without a mapping become "&#NNNN;" (from UTF-8) or "?" (to
 * UTF-8 from an unmapped byte).
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


#define HX_HTTP_CHARSET_OFF    -2
#define HX_HTTP_NO_CHARSET     -3
#define HX_HTTP_CHARSET_VAR    0x10000

/* a UTF-8 entry of a byte-to-UTF-8 table: length, then up to 3 bytes */
#define HX_HTTP_UTF_LEN        4

/* the longest "&#NNNNNNN;" written for an unmapped character */
#define HX_HTTP_HTML_ENTITY_LEN  (sizeof("&#1114111;") - 1)


typedef struct {
    uint8_t                 **tables;   /* by destination charset index */
    hx_str_t                  name;
    unsigned                  utf8:1;
} hx_http_charset_t;


typedef struct {
    hx_int_t                  src;
    hx_int_t                  dst;
    uint8_t                  *src2dst;
    uint8_t                  *dst2src;
} hx_http_charset_tables_t;


typedef struct {
    hx_array_t                charsets;   /* hx_http_charset_t */
    hx_array_t                tables;     /* hx_http_charset_tables_t */
} hx_http_charset_main_conf_t;


typedef struct {
    hx_int_t                  charset;
    hx_int_t                  source_charset;
    hx_flag_t                 override_charset;

    hx_hash_t                 types;
    hx_array_t               *types_keys;
} hx_http_charset_loc_conf_t;


typedef struct {
    uint8_t                  *table;
    hx_int_t                  charset;
    hx_str_t                  charset_name;

    unsigned                  to_utf8:1;
    unsigned                  from_utf8:1;

    size_t                    saved_len;
    uint8_t                   saved[HX_HTTP_UTF_LEN];
} hx_http_charset_ctx_t;


typedef struct {
    hx_http_charset_tables_t *table;
    hx_http_charset_t        *charset;
    hx_uint_t                 characters;
} hx_http_charset_conf_ctx_t;


static hx_int_t hx_http_charset_get(hx_http_request_t *r, hx_str_t *name);
static hx_int_t hx_http_charset_add(hx_conf_t *cf, hx_array_t *charsets,
    hx_str_t *name);
static char *hx_http_charset_map_block(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_charset_map(hx_conf_t *cf, hx_command_t *dummy,
    void *conf);
static char *hx_http_set_charset_slot(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static void *hx_http_charset_create_main_conf(hx_conf_t *cf);
static char *hx_http_charset_init_main_conf(hx_conf_t *cf, void *conf);
static void *hx_http_charset_create_loc_conf(hx_conf_t *cf);
static char *hx_http_charset_merge_loc_conf(hx_conf_t *cf, void *parent,
    void *child);
static hx_int_t hx_http_charset_postconfiguration(hx_conf_t *cf);


static hx_str_t  hx_http_charset_default_types[] = {
    hx_string("text/html"),
    hx_string("text/xml"),
    hx_string("text/plain"),
    hx_string("text/vnd.wap.wml"),
    hx_string("application/javascript"),
    hx_string("application/rss+xml"),
    hx_null_string
};


static hx_command_t  hx_http_charset_filter_commands[] = {

    { hx_string("charset"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LIF_CONF
                        |HX_CONF_TAKE1,
      hx_http_set_charset_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_charset_loc_conf_t, charset),
      NULL },

    { hx_string("source_charset"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LIF_CONF
                        |HX_CONF_TAKE1,
      hx_http_set_charset_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_charset_loc_conf_t, source_charset),
      NULL },

    { hx_string("override_charset"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LIF_CONF
                        |HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_charset_loc_conf_t, override_charset),
      NULL },

    { hx_string("charset_types"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_1MORE,
      hx_http_types_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_charset_loc_conf_t, types_keys),
      &hx_http_charset_default_types[0] },

    { hx_string("charset_map"),
      HX_HTTP_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_TAKE2,
      hx_http_charset_map_block,
      HX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_charset_filter_module_ctx = {
    NULL,                                  /* preconfiguration */
    hx_http_charset_postconfiguration,     /* postconfiguration */

    hx_http_charset_create_main_conf,      /* create main configuration */
    hx_http_charset_init_main_conf,        /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    hx_http_charset_create_loc_conf,       /* create location configuration */
    hx_http_charset_merge_loc_conf         /* merge location configuration */
};


hx_module_t  hx_http_charset_filter_module = {
    HX_MODULE_V1,
    "hx_http_charset_filter_module",
    &hx_http_charset_filter_module_ctx,
    hx_http_charset_filter_commands,
    HX_HTTP_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


static hx_http_output_header_filter_pt  hx_http_next_header_filter;
static hx_http_output_body_filter_pt    hx_http_next_body_filter;


/* the charset named by a directive value: index, variable, or off */
static hx_int_t
hx_http_charset_conf_value(hx_http_request_t *r, hx_int_t charset,
    hx_str_t *name)
{
    hx_http_charset_t               *charsets;
    hx_http_variable_value_t        *vv;
    hx_http_charset_main_conf_t     *mcf;

    if (charset < HX_HTTP_CHARSET_VAR) {
        mcf = hx_http_get_module_main_conf(r, hx_http_charset_filter_module);
        charsets = mcf->charsets.elts;
        *name = charsets[charset].name;
        return charset;
    }

    vv = hx_http_get_indexed_variable(r, charset - HX_HTTP_CHARSET_VAR);

    if (vv == NULL || vv->not_found) {
        return HX_ERROR;
    }

    name->len = vv->len;
    name->data = vv->data;

    return hx_http_charset_get(r, name);
}


/* the charset the response goes out in, or HX_DECLINED for none */
static hx_int_t
hx_http_charset_destination(hx_http_request_t *r, hx_str_t *name)
{
    hx_int_t                       charset;
    hx_http_charset_loc_conf_t    *lcf;

    if (r->headers_out.content_type.len == 0) {
        return HX_DECLINED;
    }

    if (r->headers_out.override_charset
        && r->headers_out.override_charset->len)
    {
        *name = *r->headers_out.override_charset;

        charset = hx_http_charset_get(r, name);

        if (charset != HX_HTTP_NO_CHARSET) {
            return charset;
        }

        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "unknown charset \"%V\" to override", name);

        return HX_DECLINED;
    }

    lcf = hx_http_get_module_loc_conf(r, hx_http_charset_filter_module);

    if (lcf->charset == HX_HTTP_CHARSET_OFF) {
        return HX_DECLINED;
    }

    if (r->headers_out.charset.len) {
        if (lcf->override_charset == 0) {
            return HX_DECLINED;
        }

    } else if (hx_http_test_content_type(r, &lcf->types) == NULL) {
        return HX_DECLINED;
    }

    return hx_http_charset_conf_value(r, lcf->charset, name);
}


/* a subrequest answers in the charset of its main request */
static hx_int_t
hx_http_charset_main_request(hx_http_request_t *r, hx_str_t *src)
{
    hx_str_t                 *main_charset;
    hx_http_charset_ctx_t    *ctx;

    ctx = hx_http_get_module_ctx(r->main, hx_http_charset_filter_module);

    if (ctx) {
        *src = ctx->charset_name;
        return ctx->charset;
    }

    main_charset = &r->main->headers_out.charset;

    if (main_charset->len == 0) {
        return HX_DECLINED;
    }

    ctx = hx_pcalloc(r->pool, sizeof(hx_http_charset_ctx_t));
    if (ctx == NULL) {
        return HX_ERROR;
    }

    hx_http_set_ctx(r->main, ctx, hx_http_charset_filter_module);

    ctx->charset = hx_http_charset_get(r, main_charset);
    ctx->charset_name = *main_charset;
    *src = *main_charset;

    return ctx->charset;
}


/* the charset the body is in */
static hx_int_t
hx_http_charset_source(hx_http_request_t *r, hx_str_t *name)
{
    hx_http_charset_loc_conf_t  *lcf;

    if (r->headers_out.charset.len) {
        *name = r->headers_out.charset;
        return hx_http_charset_get(r, name);
    }

    lcf = hx_http_get_module_loc_conf(r, hx_http_charset_filter_module);

    if (lcf->source_charset == HX_HTTP_CHARSET_OFF) {
        name->len = 0;
        return HX_HTTP_CHARSET_OFF;
    }

    return hx_http_charset_conf_value(r, lcf->source_charset, name);
}


static hx_int_t
hx_http_charset_get(hx_http_request_t *r, hx_str_t *name)
{
    hx_uint_t                      i;
    hx_http_charset_t             *charset;
    hx_http_charset_main_conf_t   *mcf;

    mcf = hx_http_get_module_main_conf(r, hx_http_charset_filter_module);

    charset = mcf->charsets.elts;

    for (i = 0; i < mcf->charsets.nelts; i++) {
        if (charset[i].name.len == name->len
            && hx_strncasecmp(charset[i].name.data, name->data, name->len)
               == 0)
        {
            return i;
        }
    }

    return HX_HTTP_NO_CHARSET;
}


static void
hx_http_charset_set(hx_http_request_t *r, hx_str_t *charset)
{
    if (r != r->main) {
        return;
    }

    if (r->headers_out.status == HX_HTTP_MOVED_PERMANENTLY
        || r->headers_out.status == HX_HTTP_MOVED_TEMPORARILY)
    {
        /* old browsers applied a redirect's charset to the next page */

        r->headers_out.charset.len = 0;
        return;
    }

    r->headers_out.charset = *charset;
}


static hx_int_t
hx_http_charset_recoding(hx_http_request_t *r, hx_int_t charset,
    hx_int_t source_charset)
{
    hx_http_charset_t              *charsets;
    hx_http_charset_ctx_t          *ctx;
    hx_http_charset_main_conf_t    *mcf;

    mcf = hx_http_get_module_main_conf(r, hx_http_charset_filter_module);
    charsets = mcf->charsets.elts;

    ctx = hx_pcalloc(r->pool, sizeof(hx_http_charset_ctx_t));
    if (ctx == NULL) {
        return HX_ERROR;
    }

    hx_http_set_ctx(r, ctx, hx_http_charset_filter_module);

    ctx->table = charsets[source_charset].tables[charset];
    ctx->charset = charset;
    ctx->charset_name = charsets[charset].name;
    ctx->from_utf8 = charsets[source_charset].utf8;
    ctx->to_utf8 = charsets[charset].utf8;

    r->filter_need_in_memory = 1;

    if ((ctx->to_utf8 || ctx->from_utf8) && r == r->main) {
        hx_http_clear_content_length(r);
        hx_http_clear_accept_ranges(r);
    }

    return hx_http_next_header_filter(r);
}


static hx_int_t
hx_http_charset_header_filter(hx_http_request_t *r)
{
    hx_int_t                        charset, source_charset;
    hx_str_t                        dst, src;
    hx_http_charset_t              *charsets;
    hx_http_charset_main_conf_t    *mcf;

    charset = (r == r->main) ? hx_http_charset_destination(r, &dst)
                             : hx_http_charset_main_request(r, &dst);

    if (charset == HX_ERROR) {
        return HX_ERROR;
    }

    if (charset == HX_DECLINED) {
        return hx_http_next_header_filter(r);
    }

    source_charset = hx_http_charset_source(r, &src);

    if (source_charset == HX_ERROR) {
        return HX_ERROR;
    }

    if (source_charset == HX_HTTP_CHARSET_OFF) {
        hx_http_charset_set(r, &dst);
        return hx_http_next_header_filter(r);
    }

    if (charset == HX_HTTP_NO_CHARSET || source_charset == HX_HTTP_NO_CHARSET) {

        if (source_charset != charset || dst.len != src.len
            || hx_strncasecmp(dst.data, src.data, dst.len) != 0)
        {
            goto no_charset_map;
        }

        hx_http_charset_set(r, &dst);
        return hx_http_next_header_filter(r);
    }

    if (source_charset == charset) {
        r->headers_out.content_type.len = r->headers_out.content_type_len;

        hx_http_charset_set(r, &dst);
        return hx_http_next_header_filter(r);
    }

    if (r->headers_out.content_encoding
        && r->headers_out.content_encoding->value.len)
    {
        /* compressed bytes cannot be recoded */
        return hx_http_next_header_filter(r);
    }

    mcf = hx_http_get_module_main_conf(r, hx_http_charset_filter_module);
    charsets = mcf->charsets.elts;

    if (charsets[source_charset].tables == NULL
        || charsets[source_charset].tables[charset] == NULL)
    {
        goto no_charset_map;
    }

    r->headers_out.content_type.len = r->headers_out.content_type_len;

    hx_http_charset_set(r, &dst);

    return hx_http_charset_recoding(r, charset, source_charset);

no_charset_map:

    hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                 "no \"charset_map\" between the charsets \"%V\" and \"%V\"",
                 &src, &dst);

    return hx_http_next_header_filter(r);
}


/* a memory buffer of size bytes carrying buf's flags */
static hx_buf_t *
hx_http_charset_buf(hx_http_request_t *r, hx_buf_t *buf, size_t size)
{
    hx_buf_t  *b;

    b = hx_create_temp_buf(r->pool, size ? size : 1);
    if (b == NULL) {
        return NULL;
    }

    b->last_buf = buf->last_buf;
    b->last_in_chain = buf->last_in_chain;
    b->flush = buf->flush;
    b->sync = buf->sync;

    return b;
}


/* one-byte to one-byte: in place when allowed, else into a copy */
static hx_buf_t *
hx_http_charset_recode_bytes(hx_http_request_t *r, hx_buf_t *buf,
    uint8_t *table)
{
    uint8_t   *p, *d;
    hx_buf_t  *b;

    if (buf->temporary) {
        for (p = buf->pos; p < buf->last; p++) {
            *p = table[*p];
        }

        return buf;
    }

    b = hx_http_charset_buf(r, buf, buf->last - buf->pos);
    if (b == NULL) {
        return NULL;
    }

    for (p = buf->pos, d = b->last; p < buf->last; p++) {
        *d++ = table[*p];
    }

    b->last = d;
    buf->pos = buf->last;

    return b;
}


/* one-byte to UTF-8: each byte becomes its table entry */
static hx_buf_t *
hx_http_charset_recode_to_utf8(hx_http_request_t *r, hx_buf_t *buf,
    uint8_t *table)
{
    uint8_t   *p, *e, *d;
    hx_buf_t  *b;

    b = hx_http_charset_buf(r, buf, (buf->last - buf->pos) * 3);
    if (b == NULL) {
        return NULL;
    }

    d = b->last;

    for (p = buf->pos; p < buf->last; p++) {
        e = &table[*p * HX_HTTP_UTF_LEN];

        if (e[0] == 0) {
            *d++ = '?';
            continue;
        }

        d = hx_cpymem(d, &e[1], e[0]);
    }

    b->last = d;
    buf->pos = buf->last;

    return b;
}


/* the one-byte character for a code point, or 0 when unmapped */
static uint8_t
hx_http_charset_from_utf8_char(uint8_t **table, uint32_t n)
{
    uint8_t  *page;

    if (n >= 0x10000) {
        return 0;
    }

    page = table[n >> 8];

    return page ? page[n & 0xff] : 0;
}


static uint8_t *
hx_http_charset_write_char(uint8_t *d, uint8_t **table, uint32_t n)
{
    uint8_t  c;

    if (n > 0x10ffff) {
        *d++ = '?';
        return d;
    }

    c = hx_http_charset_from_utf8_char(table, n);

    if (c) {
        *d++ = c;
        return d;
    }

    return hx_sprintf(d, "&#%uD;", n);
}


/*
 * UTF-8 to one-byte.  A character split at the end of a buffer waits in
 * ctx->saved for the next one.
 */
static hx_buf_t *
hx_http_charset_recode_from_utf8(hx_http_request_t *r, hx_buf_t *buf,
    hx_http_charset_ctx_t *ctx)
{
    size_t      len, need;
    uint8_t    *p, *d, *s, **table;
    uint32_t    n;
    hx_buf_t   *b;

    table = (uint8_t **) ctx->table;

    len = buf->last - buf->pos;

    b = hx_http_charset_buf(r, buf,
                            (len + ctx->saved_len) * HX_HTTP_HTML_ENTITY_LEN);
    if (b == NULL) {
        return NULL;
    }

    d = b->last;
    p = buf->pos;

    if (ctx->saved_len) {

        /* complete the character the previous buffer ended with */

        need = hx_min(HX_HTTP_UTF_LEN - ctx->saved_len, len);
        hx_memcpy(&ctx->saved[ctx->saved_len], p, need);

        s = ctx->saved;
        n = hx_utf8_decode(&s, ctx->saved_len + need);

        if (n == 0xfffffffe && ctx->saved_len + need < HX_HTTP_UTF_LEN) {
            ctx->saved_len += need;
            buf->pos = buf->last;
            b->last = d;
            return b;
        }

        if (n == 0xfffffffe || n == 0xffffffff) {
            *d++ = '?';
            p += need;

        } else {
            d = hx_http_charset_write_char(d, table, n);
            p += (s - ctx->saved) - ctx->saved_len;
        }

        ctx->saved_len = 0;
    }

    while (p < buf->last) {

        if (*p < 0x80) {
            *d++ = *p++;
            continue;
        }

        len = buf->last - p;
        s = p;
        n = hx_utf8_decode(&s, len);

        if (n == 0xfffffffe) {

            /* cut at the buffer's end */

            hx_memcpy(ctx->saved, p, len);
            ctx->saved_len = len;
            break;
        }

        if (n == 0xffffffff) {
            *d++ = '?';
            p = (s > p) ? s : p + 1;
            continue;
        }

        d = hx_http_charset_write_char(d, table, n);
        p = s;
    }

    if (buf->last_buf && ctx->saved_len) {
        *d++ = '?';
        ctx->saved_len = 0;
    }

    b->last = d;
    buf->pos = buf->last;

    return b;
}


static hx_int_t
hx_http_charset_body_filter(hx_http_request_t *r, hx_chain_t *in)
{
    hx_buf_t                  *b;
    hx_chain_t                *cl, *out, **ll;
    hx_http_charset_ctx_t     *ctx;

    ctx = hx_http_get_module_ctx(r, hx_http_charset_filter_module);

    if (ctx == NULL || ctx->table == NULL || in == NULL) {
        return hx_http_next_body_filter(r, in);
    }

    out = NULL;
    ll = &out;

    for (cl = in; cl; cl = cl->next) {

        b = cl->buf;

        if (hx_buf_in_memory(b) && b->last > b->pos) {

            if (ctx->to_utf8) {
                b = hx_http_charset_recode_to_utf8(r, b, ctx->table);

            } else if (ctx->from_utf8) {
                b = hx_http_charset_recode_from_utf8(r, b, ctx);

            } else {
                b = hx_http_charset_recode_bytes(r, b, ctx->table);
            }

            if (b == NULL) {
                return HX_ERROR;
            }

            b->in_file = 0;
        }

        *ll = hx_alloc_chain_link(r->pool);
        if (*ll == NULL) {
            return HX_ERROR;
        }

        (*ll)->buf = b;
        (*ll)->next = NULL;
        ll = &(*ll)->next;
    }

    return hx_http_next_body_filter(r, out);
}


static char *
hx_http_charset_map_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_charset_main_conf_t  *mcf = conf;

    char                          *rv;
    uint8_t                       *p, **pages;
    hx_int_t                       src, dst;
    hx_str_t                      *value;
    hx_uint_t                      i, n;
    hx_conf_t                      pvcf;
    hx_http_charset_t             *charset;
    hx_http_charset_tables_t      *table;
    hx_http_charset_conf_ctx_t     ctx;

    (void) cmd;

    value = cf->args->elts;

    src = hx_http_charset_add(cf, &mcf->charsets, &value[1]);
    if (src == HX_ERROR) {
        return HX_CONF_ERROR;
    }

    dst = hx_http_charset_add(cf, &mcf->charsets, &value[2]);
    if (dst == HX_ERROR) {
        return HX_CONF_ERROR;
    }

    if (src == dst) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "\"charset_map\" between the same charsets "
                          "\"%V\" and \"%V\"", &value[1], &value[2]);
        return HX_CONF_ERROR;
    }

    table = mcf->tables.elts;
    for (i = 0; i < mcf->tables.nelts; i++) {
        if ((src == table->src && dst == table->dst)
            || (src == table->dst && dst == table->src))
        {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "duplicate \"charset_map\" between "
                              "\"%V\" and \"%V\"", &value[1], &value[2]);
            return HX_CONF_ERROR;
        }
    }

    table = hx_array_push(&mcf->tables);
    if (table == NULL) {
        return HX_CONF_ERROR;
    }

    table->src = src;
    table->dst = dst;

    charset = mcf->charsets.elts;

    if (charset[src].utf8) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "\"charset_map\" from utf-8 is not supported, "
                          "map \"%V\" to utf-8 instead", &value[2]);
        return HX_CONF_ERROR;
    }

    if (charset[dst].utf8) {

        /* byte -> UTF-8 entries; UTF-8 -> byte by pages of 256 */

        table->src2dst = hx_pcalloc(cf->pool, 256 * HX_HTTP_UTF_LEN);
        table->dst2src = hx_pcalloc(cf->pool, 256 * sizeof(void *));
        if (table->src2dst == NULL || table->dst2src == NULL) {
            return HX_CONF_ERROR;
        }

        pages = (uint8_t **) table->dst2src;

        pages[0] = hx_pcalloc(cf->pool, 256);
        if (pages[0] == NULL) {
            return HX_CONF_ERROR;
        }

        for (i = 0; i < 128; i++) {
            p = &table->src2dst[i * HX_HTTP_UTF_LEN];
            p[0] = 1;
            p[1] = (uint8_t) i;
            pages[0][i] = (uint8_t) i;
        }

    } else {
        table->src2dst = hx_palloc(cf->pool, 256);
        table->dst2src = hx_palloc(cf->pool, 256);
        if (table->src2dst == NULL || table->dst2src == NULL) {
            return HX_CONF_ERROR;
        }

        for (n = 0; n < 256; n++) {
            table->src2dst[n] = (uint8_t) n;
            table->dst2src[n] = (uint8_t) n;
        }
    }

    ctx.table = table;
    ctx.charset = &charset[dst];
    ctx.characters = 0;

    pvcf = *cf;
    cf->ctx = &ctx;
    cf->handler = hx_http_charset_map;
    cf->handler_conf = conf;

    rv = hx_conf_parse(cf, NULL);

    *cf = pvcf;

    return rv;
}


/* one line of charset_map: "C0 FE;" or "C0 D0B0;" */
static char *
hx_http_charset_map(hx_conf_t *cf, hx_command_t *dummy, void *conf)
{
    uint8_t                        *p, *dst, **pages;
    hx_int_t                        n, src;
    hx_str_t                       *value;
    hx_uint_t                       i;
    hx_http_charset_tables_t       *table;
    hx_http_charset_conf_ctx_t     *ctx;

    (void) dummy;
    (void) conf;

    if (cf->args->nelts != 2) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "invalid parameters number");
        return HX_CONF_ERROR;
    }

    value = cf->args->elts;

    src = hx_hextoi(value[0].data, value[0].len);
    if (src == HX_ERROR || src > 255) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid value \"%V\"", &value[0]);
        return HX_CONF_ERROR;
    }

    ctx = cf->ctx;
    table = ctx->table;

    if (!ctx->charset->utf8) {
        n = hx_hextoi(value[1].data, value[1].len);
        if (n == HX_ERROR || n > 255) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid value \"%V\"", &value[1]);
            return HX_CONF_ERROR;
        }

        table->src2dst[src] = (uint8_t) n;
        table->dst2src[n] = (uint8_t) src;

        return HX_CONF_OK;
    }

    /* the UTF-8 bytes in hex, one to three of them */

    if (value[1].len % 2 || value[1].len < 2 || value[1].len > 6) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid value \"%V\"", &value[1]);
        return HX_CONF_ERROR;
    }

    dst = &table->src2dst[src * HX_HTTP_UTF_LEN];
    dst[0] = (uint8_t) (value[1].len / 2);

    for (i = 0; i < value[1].len / 2; i++) {
        n = hx_hextoi(&value[1].data[i * 2], 2);
        if (n == HX_ERROR) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid value \"%V\"", &value[1]);
            return HX_CONF_ERROR;
        }

        dst[i + 1] = (uint8_t) n;
    }

    p = &dst[1];
    n = hx_utf8_decode(&p, dst[0]);

    if (n > 0xffff) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid value \"%V\"", &value[1]);
        return HX_CONF_ERROR;
    }

    pages = (uint8_t **) table->dst2src;

    if (pages[n >> 8] == NULL) {
        pages[n >> 8] = hx_pcalloc(cf->pool, 256);
        if (pages[n >> 8] == NULL) {
            return HX_CONF_ERROR;
        }
    }

    pages[n >> 8][n & 0xff] = (uint8_t) src;

    return HX_CONF_OK;
}


static char *
hx_http_set_charset_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char  *p = conf;

    hx_int_t                       *cp;
    hx_str_t                       *value, var;
    hx_http_charset_main_conf_t    *mcf;

    cp = (hx_int_t *) (p + cmd->offset);

    if (*cp != HX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cmd->offset == offsetof(hx_http_charset_loc_conf_t, charset)
        && hx_strcmp(value[1].data, "off") == 0)
    {
        *cp = HX_HTTP_CHARSET_OFF;
        return HX_CONF_OK;
    }

    if (value[1].data[0] == '$') {
        var.len = value[1].len - 1;
        var.data = value[1].data + 1;

        *cp = hx_http_get_variable_index(cf, &var);
        if (*cp == HX_ERROR) {
            return HX_CONF_ERROR;
        }

        *cp += HX_HTTP_CHARSET_VAR;

        return HX_CONF_OK;
    }

    mcf = hx_http_conf_get_module_main_conf(cf, hx_http_charset_filter_module);

    *cp = hx_http_charset_add(cf, &mcf->charsets, &value[1]);
    if (*cp == HX_ERROR) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


static hx_int_t
hx_http_charset_add(hx_conf_t *cf, hx_array_t *charsets, hx_str_t *name)
{
    hx_uint_t           i;
    hx_http_charset_t  *c;

    c = charsets->elts;
    for (i = 0; i < charsets->nelts; i++) {
        if (name->len == c[i].name.len
            && hx_strncasecmp(name->data, c[i].name.data, name->len) == 0)
        {
            return i;
        }
    }

    c = hx_array_push(charsets);
    if (c == NULL) {
        return HX_ERROR;
    }

    c->tables = NULL;
    c->name = *name;
    c->utf8 = (name->len == 5
               && hx_strncasecmp(name->data, (uint8_t *) "utf-8", 5) == 0);

    (void) cf;

    return i;
}


static void *
hx_http_charset_create_main_conf(hx_conf_t *cf)
{
    hx_http_charset_main_conf_t  *mcf;

    mcf = hx_pcalloc(cf->pool, sizeof(hx_http_charset_main_conf_t));
    if (mcf == NULL) {
        return NULL;
    }

    if (hx_array_init(&mcf->charsets, cf->pool, 2, sizeof(hx_http_charset_t))
        != HX_OK
        || hx_array_init(&mcf->tables, cf->pool, 1,
                         sizeof(hx_http_charset_tables_t))
           != HX_OK)
    {
        return NULL;
    }

    return mcf;
}


/* hangs each map's two directions on the charsets it links */
static char *
hx_http_charset_init_main_conf(hx_conf_t *cf, void *conf)
{
    hx_http_charset_main_conf_t *mcf = conf;

    hx_uint_t                    i, n;
    hx_http_charset_t           *charset;
    hx_http_charset_tables_t    *tables;

    charset = mcf->charsets.elts;
    tables = mcf->tables.elts;
    n = mcf->charsets.nelts;

    for (i = 0; i < mcf->tables.nelts; i++) {

        if (charset[tables[i].src].tables == NULL) {
            charset[tables[i].src].tables = hx_pcalloc(cf->pool,
                                                       n * sizeof(void *));
            if (charset[tables[i].src].tables == NULL) {
                return HX_CONF_ERROR;
            }
        }

        if (charset[tables[i].dst].tables == NULL) {
            charset[tables[i].dst].tables = hx_pcalloc(cf->pool,
                                                       n * sizeof(void *));
            if (charset[tables[i].dst].tables == NULL) {
                return HX_CONF_ERROR;
            }
        }

        charset[tables[i].src].tables[tables[i].dst] = tables[i].src2dst;
        charset[tables[i].dst].tables[tables[i].src] = tables[i].dst2src;
    }

    return HX_CONF_OK;
}


static void *
hx_http_charset_create_loc_conf(hx_conf_t *cf)
{
    hx_http_charset_loc_conf_t  *lcf;

    lcf = hx_pcalloc(cf->pool, sizeof(hx_http_charset_loc_conf_t));
    if (lcf == NULL) {
        return NULL;
    }

    lcf->charset = HX_CONF_UNSET;
    lcf->source_charset = HX_CONF_UNSET;
    lcf->override_charset = HX_CONF_UNSET;

    return lcf;
}


static char *
hx_http_charset_merge_loc_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_http_charset_loc_conf_t *prev = parent;
    hx_http_charset_loc_conf_t *conf = child;

    if (hx_http_merge_types(cf, &conf->types_keys, &conf->types,
                            &prev->types_keys, &prev->types,
                            hx_http_charset_default_types)
        != HX_CONF_OK)
    {
        return HX_CONF_ERROR;
    }

    hx_conf_merge_value(conf->override_charset, prev->override_charset, 0);
    hx_conf_merge_value(conf->charset, prev->charset, HX_HTTP_CHARSET_OFF);
    hx_conf_merge_value(conf->source_charset, prev->source_charset,
                        HX_HTTP_CHARSET_OFF);

    return HX_CONF_OK;
}


static hx_int_t
hx_http_charset_postconfiguration(hx_conf_t *cf)
{
    (void) cf;

    hx_http_next_header_filter = hx_http_top_header_filter;
    hx_http_top_header_filter = hx_http_charset_header_filter;

    hx_http_next_body_filter = hx_http_top_body_filter;
    hx_http_top_body_filter = hx_http_charset_body_filter;

    return HX_OK;
}

/*
 * Error and redirect responses: the error_page the location configures
 * (an internal redirect to a URI or a named location, or a redirect to an
 * absolute URL), or the built-in page.  Built-in pages have nginx's exact
 * form, because clients, monitoring and the public test suite compare
 * them byte for byte:
 *
 *     <html>
 *     <head><title>404 Not Found</title></head>
 *     <body>
 *     <center><h1>404 Not Found</h1></center>
 *     <hr><center>nginx/1.30.0</center>
 *     </body>
 *     </html>
 *
 * The page text comes from one table of titles; the tail follows
 * server_tokens, with the same identity the Server header shows.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


typedef struct {
    hx_uint_t    status;
    const char  *title;       /* shown in the page; NULL: no body */
    hx_uint_t    sent_as;     /* the status on the wire, if different */
} hx_http_error_page_t;


static hx_http_error_page_t  hx_http_error_pages[] = {
    { 201, NULL, 0 },
    { 204, NULL, 0 },
    { 301, "301 Moved Permanently", 0 },
    { 302, "302 Found", 0 },
    { 303, "303 See Other", 0 },
    { 307, "307 Temporary Redirect", 0 },
    { 308, "308 Permanent Redirect", 0 },
    { 400, "400 Bad Request", 0 },
    { 401, "401 Authorization Required", 0 },
    { 402, "402 Payment Required", 0 },
    { 403, "403 Forbidden", 0 },
    { 404, "404 Not Found", 0 },
    { 405, "405 Not Allowed", 0 },
    { 406, "406 Not Acceptable", 0 },
    { 407, "407 Proxy Authentication Required", 0 },
    { 408, "408 Request Time-out", 0 },
    { 409, "409 Conflict", 0 },
    { 410, "410 Gone", 0 },
    { 411, "411 Length Required", 0 },
    { 412, "412 Precondition Failed", 0 },
    { 413, "413 Request Entity Too Large", 0 },
    { 414, "414 Request-URI Too Large", 0 },
    { 415, "415 Unsupported Media Type", 0 },
    { 416, "416 Requested Range Not Satisfiable", 0 },
    { 421, "421 Misdirected Request", 0 },
    { 429, "429 Too Many Requests", 0 },
    { 494, "400 Request Header Or Cookie Too Large", 400 },
    { 495, "400 The SSL certificate error", 400 },
    { 496, "400 No required SSL certificate was sent", 400 },
    { 497, "400 The plain HTTP request was sent to HTTPS port", 400 },
    { 500, "500 Internal Server Error", 0 },
    { 501, "501 Not Implemented", 0 },
    { 502, "502 Bad Gateway", 0 },
    { 503, "503 Service Temporarily Unavailable", 0 },
    { 504, "504 Gateway Time-out", 0 },
    { 505, "505 HTTP Version Not Supported", 0 },
    { 507, "507 Insufficient Storage", 0 },
    { 0, NULL, 0 }
};


static uint8_t  hx_http_error_full_tail[] =
"<hr><center>" HX_NGINX_VER "</center>" CRLF
"</body>" CRLF
"</html>" CRLF
;


static uint8_t  hx_http_error_build_tail[] =
"<hr><center>" HX_NGINX_VER " (" HANX_VER ")</center>" CRLF
"</body>" CRLF
"</html>" CRLF
;


static uint8_t  hx_http_error_tail[] =
"<hr><center>nginx</center>" CRLF
"</body>" CRLF
"</html>" CRLF
;


static uint8_t  hx_http_msie_padding[] =
"<!-- a padding to disable MSIE and Chrome friendly error page -->" CRLF
"<!-- a padding to disable MSIE and Chrome friendly error page -->" CRLF
"<!-- a padding to disable MSIE and Chrome friendly error page -->" CRLF
"<!-- a padding to disable MSIE and Chrome friendly error page -->" CRLF
"<!-- a padding to disable MSIE and Chrome friendly error page -->" CRLF
"<!-- a padding to disable MSIE and Chrome friendly error page -->" CRLF
;


static uint8_t  hx_http_msie_refresh_head[] =
"<html><head><meta http-equiv=\"Refresh\" content=\"0; URL=";


static uint8_t  hx_http_msie_refresh_tail[] =
"\"></head><body></body></html>" CRLF;


static hx_int_t hx_http_send_special_response(hx_http_request_t *r,
    hx_http_core_loc_conf_t *clcf, hx_http_error_page_t *page);
static hx_int_t hx_http_send_refresh(hx_http_request_t *r);


static hx_http_error_page_t *
hx_http_find_error_page(hx_uint_t status)
{
    hx_http_error_page_t  *page;

    for (page = hx_http_error_pages; page->status; page++) {
        if (page->status == status) {
            return page;
        }
    }

    return NULL;
}


hx_int_t
hx_http_special_response_handler(hx_http_request_t *r, hx_int_t error)
{
    hx_uint_t                  i;
    hx_http_err_page_t        *err_page;
    hx_http_error_page_t      *page;
    hx_http_core_loc_conf_t   *clcf;

    r->err_status = error;

    if (r->keepalive) {
        switch (error) {
        case HX_HTTP_BAD_REQUEST:
        case HX_HTTP_REQUEST_ENTITY_TOO_LARGE:
        case HX_HTTP_REQUEST_URI_TOO_LARGE:
        case HX_HTTP_TO_HTTPS:
        case HX_HTTPS_CERT_ERROR:
        case HX_HTTPS_NO_CERT:
        case HX_HTTP_INTERNAL_SERVER_ERROR:
        case HX_HTTP_NOT_IMPLEMENTED:
            r->keepalive = 0;
        }
    }

    if (r->lingering_close) {
        switch (error) {
        case HX_HTTP_BAD_REQUEST:
        case HX_HTTP_TO_HTTPS:
        case HX_HTTPS_CERT_ERROR:
        case HX_HTTPS_NO_CERT:
            r->lingering_close = 0;
        }
    }

    r->headers_out.content_type.len = 0;

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (!r->error_page && clcf->error_pages && r->uri_changes != 0) {

        if (clcf->recursive_error_pages == 0) {
            r->error_page = 1;
        }

        err_page = clcf->error_pages->elts;

        for (i = 0; i < clcf->error_pages->nelts; i++) {
            if (err_page[i].status == error) {
                return hx_http_send_error_page(r, &err_page[i]);
            }
        }
    }

    r->expect_tested = 1;

    if (hx_http_discard_request_body(r) != HX_OK) {
        r->keepalive = 0;
    }

    if (clcf->msie_refresh
        && r->headers_in.msie
        && (error == HX_HTTP_MOVED_PERMANENTLY
            || error == HX_HTTP_MOVED_TEMPORARILY))
    {
        return hx_http_send_refresh(r);
    }

    page = hx_http_find_error_page(error);

    if (page && page->sent_as) {
        r->err_status = page->sent_as;
    }

    return hx_http_send_special_response(r, clcf, page);
}


hx_int_t
hx_http_filter_finalize_request(hx_http_request_t *r, hx_module_t *m,
    hx_int_t error)
{
    void      *ctx;
    hx_int_t   rc;

    hx_http_clean_header(r);

    ctx = NULL;

    if (m) {
        ctx = r->ctx[m->ctx_index];
    }

    hx_memzero(r->ctx, sizeof(void *) * hx_http_max_module);

    if (m) {
        r->ctx[m->ctx_index] = ctx;
    }

    r->filter_finalize = 1;

    rc = hx_http_special_response_handler(r, error);

    /* HX_ERROR drops whatever output is pending */

    switch (rc) {

    case HX_OK:
    case HX_DONE:
        return HX_ERROR;

    default:
        return rc;
    }
}


void
hx_http_clean_header(hx_http_request_t *r)
{
    hx_memzero(&r->headers_out.status,
               sizeof(hx_http_headers_out_t)
               - offsetof(hx_http_headers_out_t, status));

    r->headers_out.headers.part.nelts = 0;
    r->headers_out.headers.part.next = NULL;
    r->headers_out.headers.last = &r->headers_out.headers.part;

    r->headers_out.trailers.part.nelts = 0;
    r->headers_out.trailers.part.next = NULL;
    r->headers_out.trailers.last = &r->headers_out.trailers.part;

    r->headers_out.content_length_n = -1;
    r->headers_out.last_modified_time = -1;
}


hx_int_t
hx_http_send_error_page(hx_http_request_t *r, hx_http_err_page_t *err_page)
{
    hx_int_t                   overwrite;
    hx_str_t                   uri, args;
    hx_table_elt_t            *location;
    hx_http_core_loc_conf_t   *clcf;

    overwrite = err_page->overwrite;

    if (overwrite && overwrite != HX_HTTP_OK) {
        r->expect_tested = 1;
    }

    if (overwrite >= 0) {
        r->err_status = overwrite;
    }

    if (hx_http_complex_value(r, &err_page->value, &uri) != HX_OK) {
        return HX_ERROR;
    }

    if (uri.len && uri.data[0] == '/') {

        if (err_page->value.lengths) {
            hx_http_split_args(&uri, &args);

        } else {
            args = err_page->args;
        }

        if (r->method != HX_HTTP_HEAD) {
            r->method = HX_HTTP_GET;
            r->method_name = hx_http_core_get_method;
        }

        return hx_http_internal_redirect(r, &uri, &args);
    }

    if (uri.len && uri.data[0] == '@') {
        return hx_http_named_location(r, &uri);
    }

    r->expect_tested = 1;

    if (hx_http_discard_request_body(r) != HX_OK) {
        r->keepalive = 0;
    }

    location = hx_list_push(&r->headers_out.headers);

    if (location == NULL) {
        return HX_ERROR;
    }

    if (overwrite != HX_HTTP_MOVED_PERMANENTLY
        && overwrite != HX_HTTP_MOVED_TEMPORARILY
        && overwrite != HX_HTTP_SEE_OTHER
        && overwrite != HX_HTTP_TEMPORARY_REDIRECT
        && overwrite != HX_HTTP_PERMANENT_REDIRECT)
    {
        r->err_status = HX_HTTP_MOVED_TEMPORARILY;
    }

    location->hash = 1;
    location->next = NULL;
    location->lowcase_key = NULL;
    hx_str_set(&location->key, "Location");
    location->value = uri;

    hx_http_clear_location(r);

    r->headers_out.location = location;

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (clcf->msie_refresh && r->headers_in.msie) {
        return hx_http_send_refresh(r);
    }

    return hx_http_send_special_response(r, clcf,
                                     hx_http_find_error_page(r->err_status));
}


static hx_int_t
hx_http_send_special_response(hx_http_request_t *r,
    hx_http_core_loc_conf_t *clcf, hx_http_error_page_t *page)
{
    uint8_t      *tail, *p;
    size_t        len, page_len;
    hx_int_t      rc;
    hx_buf_t     *b;
    hx_uint_t     msie_padding;
    hx_chain_t    out[3];

    if (clcf->server_tokens == HX_HTTP_SERVER_TOKENS_ON) {
        len = sizeof(hx_http_error_full_tail) - 1;
        tail = hx_http_error_full_tail;

    } else if (clcf->server_tokens == HX_HTTP_SERVER_TOKENS_BUILD) {
        len = sizeof(hx_http_error_build_tail) - 1;
        tail = hx_http_error_build_tail;

    } else {
        len = sizeof(hx_http_error_tail) - 1;
        tail = hx_http_error_tail;
    }

    msie_padding = 0;
    page_len = 0;
    p = NULL;

    if (page && page->title) {

        page_len = sizeof("<html>" CRLF "<head><title></title></head>" CRLF
                          "<body>" CRLF "<center><h1></h1></center>" CRLF) - 1
                   + 2 * hx_strlen(page->title);

        p = hx_pnalloc(r->pool, page_len);
        if (p == NULL) {
            return HX_ERROR;
        }

        (void) hx_sprintf(p, "<html>" CRLF
                             "<head><title>%s</title></head>" CRLF
                             "<body>" CRLF
                             "<center><h1>%s</h1></center>" CRLF,
                          page->title, page->title);

        r->headers_out.content_length_n = page_len + len;

        if (clcf->msie_padding
            && (r->headers_in.msie || r->headers_in.chrome)
            && r->http_version >= HX_HTTP_VERSION_10
            && page->status >= HX_HTTP_BAD_REQUEST)
        {
            r->headers_out.content_length_n +=
                                         sizeof(hx_http_msie_padding) - 1;
            msie_padding = 1;
        }

        r->headers_out.content_type_len = sizeof("text/html") - 1;
        hx_str_set(&r->headers_out.content_type, "text/html");
        r->headers_out.content_type_lowcase = NULL;

    } else {
        r->headers_out.content_length_n = 0;
    }

    if (r->headers_out.content_length) {
        r->headers_out.content_length->hash = 0;
        r->headers_out.content_length = NULL;
    }

    hx_http_clear_accept_ranges(r);
    hx_http_clear_last_modified(r);
    hx_http_clear_etag(r);

    rc = hx_http_send_header(r);

    if (rc == HX_ERROR || r->header_only) {
        return rc;
    }

    if (page_len == 0) {
        return hx_http_send_special(r, HX_HTTP_LAST);
    }

    b = hx_calloc_buf(r->pool);
    if (b == NULL) {
        return HX_ERROR;
    }

    b->memory = 1;
    b->pos = p;
    b->last = p + page_len;

    out[0].buf = b;
    out[0].next = &out[1];

    b = hx_calloc_buf(r->pool);
    if (b == NULL) {
        return HX_ERROR;
    }

    b->memory = 1;
    b->pos = tail;
    b->last = tail + len;

    out[1].buf = b;
    out[1].next = NULL;

    if (msie_padding) {
        b = hx_calloc_buf(r->pool);
        if (b == NULL) {
            return HX_ERROR;
        }

        b->memory = 1;
        b->pos = hx_http_msie_padding;
        b->last = hx_http_msie_padding + sizeof(hx_http_msie_padding) - 1;

        out[1].next = &out[2];
        out[2].buf = b;
        out[2].next = NULL;
    }

    if (r == r->main) {
        b->last_buf = 1;
    }

    b->last_in_chain = 1;

    return hx_http_output_filter(r, &out[0]);
}


/* MSIE's refresh instead of a redirect (msie_refresh on) */
static hx_int_t
hx_http_send_refresh(hx_http_request_t *r)
{
    uint8_t      *p, *location;
    size_t        len, size;
    uintptr_t     escape;
    hx_int_t      rc;
    hx_buf_t     *b;
    hx_chain_t    out;

    len = r->headers_out.location->value.len;
    location = r->headers_out.location->value.data;

    escape = 2 * hx_escape_uri(NULL, location, len, HX_ESCAPE_REFRESH);

    size = sizeof(hx_http_msie_refresh_head) - 1
           + escape + len
           + sizeof(hx_http_msie_refresh_tail) - 1;

    r->err_status = HX_HTTP_OK;

    r->headers_out.content_type_len = sizeof("text/html") - 1;
    hx_str_set(&r->headers_out.content_type, "text/html");
    r->headers_out.content_type_lowcase = NULL;

    r->headers_out.location->hash = 0;
    r->headers_out.location = NULL;

    r->headers_out.content_length_n = size;

    if (r->headers_out.content_length) {
        r->headers_out.content_length->hash = 0;
        r->headers_out.content_length = NULL;
    }

    hx_http_clear_accept_ranges(r);
    hx_http_clear_last_modified(r);
    hx_http_clear_etag(r);

    rc = hx_http_send_header(r);

    if (rc == HX_ERROR || r->header_only) {
        return rc;
    }

    b = hx_create_temp_buf(r->pool, size);
    if (b == NULL) {
        return HX_ERROR;
    }

    p = hx_cpymem(b->pos, hx_http_msie_refresh_head,
                  sizeof(hx_http_msie_refresh_head) - 1);

    if (escape == 0) {
        p = hx_cpymem(p, location, len);

    } else {
        p = (uint8_t *) hx_escape_uri(p, location, len, HX_ESCAPE_REFRESH);
    }

    b->last = hx_cpymem(p, hx_http_msie_refresh_tail,
                        sizeof(hx_http_msie_refresh_tail) - 1);

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return hx_http_output_filter(r, &out);
}

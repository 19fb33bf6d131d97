/*
 * The backend's response header, on its way to the client.
 *
 * Every header line the protocol module parses lands in
 * u->headers_in.headers; the ones the machinery cares about are found in
 * a hash built from hx_http_upstream_headers_in[] and get a "process"
 * handler as they arrive (noting Content-Length, refusing a duplicate
 * length or a length beside Transfer-Encoding, so a backend can never
 * frame one response two ways).  Once the header is complete,
 * hx_http_upstream_process_headers() copies what is not hidden into
 * r->headers_out, each known header through its "copy" handler: Location
 * and Refresh through proxy_redirect, Set-Cookie through the proxy_cookie
 * rules, Content-Type split from its charset, and so on.  X-Accel-Redirect
 * turns the response into an internal redirect instead.
 *
 * The table and the rules are nginx's (ngx_http_upstream_headers_in), so
 * that what reaches the client is what nginx would have sent.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_upstream.h>


static hx_int_t hx_http_upstream_process_header_line(hx_http_request_t *r,
    void *data, hx_uint_t offset);
static hx_int_t hx_http_upstream_process_multi_header_lines(
    hx_http_request_t *r, void *data, hx_uint_t offset);
static hx_int_t hx_http_upstream_ignore_header_line(hx_http_request_t *r,
    void *data, hx_uint_t offset);
static hx_int_t hx_http_upstream_process_content_length(hx_http_request_t *r,
    void *data, hx_uint_t offset);
static hx_int_t hx_http_upstream_process_last_modified(hx_http_request_t *r,
    void *data, hx_uint_t offset);
static hx_int_t hx_http_upstream_process_limit_rate(hx_http_request_t *r,
    void *data, hx_uint_t offset);
static hx_int_t hx_http_upstream_process_buffering(hx_http_request_t *r,
    void *data, hx_uint_t offset);
static hx_int_t hx_http_upstream_process_charset(hx_http_request_t *r,
    void *data, hx_uint_t offset);
static hx_int_t hx_http_upstream_process_connection(hx_http_request_t *r,
    void *data, hx_uint_t offset);
static hx_int_t hx_http_upstream_process_transfer_encoding(
    hx_http_request_t *r, void *data, hx_uint_t offset);

static hx_int_t hx_http_upstream_copy_header_line(hx_http_request_t *r,
    void *data, hx_uint_t offset);
static hx_int_t hx_http_upstream_copy_multi_header_lines(
    hx_http_request_t *r, void *data, hx_uint_t offset);
static hx_int_t hx_http_upstream_copy_content_type(hx_http_request_t *r,
    void *data, hx_uint_t offset);
static hx_int_t hx_http_upstream_copy_last_modified(hx_http_request_t *r,
    void *data, hx_uint_t offset);
static hx_int_t hx_http_upstream_rewrite_location(hx_http_request_t *r,
    void *data, hx_uint_t offset);
static hx_int_t hx_http_upstream_rewrite_refresh(hx_http_request_t *r,
    void *data, hx_uint_t offset);
static hx_int_t hx_http_upstream_rewrite_set_cookie(hx_http_request_t *r,
    void *data, hx_uint_t offset);
static hx_int_t hx_http_upstream_copy_allow_ranges(hx_http_request_t *r,
    void *data, hx_uint_t offset);
static hx_int_t hx_http_upstream_x_accel_redirect(hx_http_request_t *r,
    hx_http_upstream_t *u);
static hx_int_t hx_http_upstream_unsafe_uri(hx_http_request_t *r,
    hx_str_t *uri, hx_str_t *args, hx_uint_t *flags);


#define hx_http_uh_offset(field)                                              \
    offsetof(hx_http_upstream_headers_in_t, field)
#define hx_http_ho_offset(field)                                              \
    offsetof(hx_http_headers_out_t, field)


hx_http_upstream_header_t  hx_http_upstream_headers_in[] = {

    { hx_string("Status"),
                 hx_http_upstream_process_header_line,
                 hx_http_uh_offset(status),
                 hx_http_upstream_copy_header_line, 0, 0 },

    { hx_string("Content-Type"),
                 hx_http_upstream_process_header_line,
                 hx_http_uh_offset(content_type),
                 hx_http_upstream_copy_content_type, 0, 1 },

    { hx_string("Content-Length"),
                 hx_http_upstream_process_content_length, 0,
                 hx_http_upstream_ignore_header_line, 0, 0 },

    { hx_string("Date"),
                 hx_http_upstream_process_header_line,
                 hx_http_uh_offset(date),
                 hx_http_upstream_copy_header_line,
                 hx_http_ho_offset(date), 0 },

    { hx_string("Last-Modified"),
                 hx_http_upstream_process_last_modified, 0,
                 hx_http_upstream_copy_last_modified, 0, 0 },

    { hx_string("ETag"),
                 hx_http_upstream_process_header_line,
                 hx_http_uh_offset(etag),
                 hx_http_upstream_copy_header_line,
                 hx_http_ho_offset(etag), 0 },

    { hx_string("Server"),
                 hx_http_upstream_process_header_line,
                 hx_http_uh_offset(server),
                 hx_http_upstream_copy_header_line,
                 hx_http_ho_offset(server), 0 },

    { hx_string("WWW-Authenticate"),
                 hx_http_upstream_process_multi_header_lines,
                 hx_http_uh_offset(www_authenticate),
                 hx_http_upstream_copy_header_line, 0, 0 },

    { hx_string("Location"),
                 hx_http_upstream_process_header_line,
                 hx_http_uh_offset(location),
                 hx_http_upstream_rewrite_location, 0, 0 },

    { hx_string("Refresh"),
                 hx_http_upstream_process_header_line,
                 hx_http_uh_offset(refresh),
                 hx_http_upstream_rewrite_refresh, 0, 0 },

    { hx_string("Set-Cookie"),
                 hx_http_upstream_process_multi_header_lines,
                 hx_http_uh_offset(set_cookie),
                 hx_http_upstream_rewrite_set_cookie, 0, 1 },

    { hx_string("Content-Disposition"),
                 hx_http_upstream_ignore_header_line, 0,
                 hx_http_upstream_copy_header_line, 0, 1 },

    { hx_string("Cache-Control"),
                 hx_http_upstream_ignore_header_line, 0,
                 hx_http_upstream_copy_multi_header_lines,
                 hx_http_ho_offset(cache_control), 1 },

    { hx_string("Expires"),
                 hx_http_upstream_process_header_line,
                 hx_http_uh_offset(expires),
                 hx_http_upstream_copy_header_line,
                 hx_http_ho_offset(expires), 1 },

    { hx_string("Accept-Ranges"),
                 hx_http_upstream_ignore_header_line, 0,
                 hx_http_upstream_copy_allow_ranges,
                 hx_http_ho_offset(accept_ranges), 1 },

    { hx_string("Content-Range"),
                 hx_http_upstream_ignore_header_line, 0,
                 hx_http_upstream_copy_header_line,
                 hx_http_ho_offset(content_range), 0 },

    { hx_string("Connection"),
                 hx_http_upstream_process_connection, 0,
                 hx_http_upstream_ignore_header_line, 0, 0 },

    { hx_string("Keep-Alive"),
                 hx_http_upstream_ignore_header_line, 0,
                 hx_http_upstream_ignore_header_line, 0, 0 },

    { hx_string("Upgrade"),
                 hx_http_upstream_process_header_line,
                 hx_http_uh_offset(upgrade),
                 hx_http_upstream_copy_header_line, 0, 0 },

    { hx_string("Vary"),
                 hx_http_upstream_process_header_line,
                 hx_http_uh_offset(vary),
                 hx_http_upstream_copy_header_line, 0, 0 },

    { hx_string("Link"),
                 hx_http_upstream_ignore_header_line, 0,
                 hx_http_upstream_copy_multi_header_lines,
                 hx_http_ho_offset(link), 0 },

    { hx_string("X-Accel-Expires"),
                 hx_http_upstream_process_header_line,
                 hx_http_uh_offset(x_accel_expires),
                 hx_http_upstream_copy_header_line, 0, 0 },

    { hx_string("X-Accel-Redirect"),
                 hx_http_upstream_process_header_line,
                 hx_http_uh_offset(x_accel_redirect),
                 hx_http_upstream_copy_header_line, 0, 0 },

    { hx_string("X-Accel-Limit-Rate"),
                 hx_http_upstream_process_limit_rate, 0,
                 hx_http_upstream_copy_header_line, 0, 0 },

    { hx_string("X-Accel-Buffering"),
                 hx_http_upstream_process_buffering, 0,
                 hx_http_upstream_copy_header_line, 0, 0 },

    { hx_string("X-Accel-Charset"),
                 hx_http_upstream_process_charset, 0,
                 hx_http_upstream_copy_header_line, 0, 0 },

    { hx_string("Transfer-Encoding"),
                 hx_http_upstream_process_transfer_encoding, 0,
                 hx_http_upstream_ignore_header_line, 0, 0 },

    { hx_string("Content-Encoding"),
                 hx_http_upstream_ignore_header_line, 0,
                 hx_http_upstream_copy_header_line,
                 hx_http_ho_offset(content_encoding), 0 },

    { hx_null_string, NULL, 0, NULL, 0, 0 }
};


/* ---- as the header arrives ------------------------------------------ */

static hx_int_t
hx_http_upstream_process_header_line(hx_http_request_t *r, void *data,
    hx_uint_t offset)
{
    hx_table_elt_t  *h = data;

    hx_table_elt_t  **ph;

    ph = (hx_table_elt_t **) ((char *) &r->upstream->headers_in + offset);

    if (*ph) {
        hx_log_error(HX_LOG_WARN, r->connection->log, 0,
                     "upstream sent duplicate header line: \"%V: %V\", "
                     "previous value: \"%V: %V\", ignoring",
                     &h->key, &h->value, &(*ph)->key, &(*ph)->value);
        h->hash = 0;
        return HX_OK;
    }

    *ph = h;
    h->next = NULL;

    return HX_OK;
}


static hx_int_t
hx_http_upstream_process_multi_header_lines(hx_http_request_t *r,
    void *data, hx_uint_t offset)
{
    hx_table_elt_t  *h = data;

    hx_table_elt_t  **ph;

    ph = (hx_table_elt_t **) ((char *) &r->upstream->headers_in + offset);

    while (*ph) {
        ph = &(*ph)->next;
    }

    *ph = h;
    h->next = NULL;

    return HX_OK;
}


static hx_int_t
hx_http_upstream_ignore_header_line(hx_http_request_t *r, void *data,
    hx_uint_t offset)
{
    (void) r;
    (void) data;
    (void) offset;

    return HX_OK;
}


/*
 * One length, given one way: a second Content-Length, or one beside
 * Transfer-Encoding, makes the response unusable (a 502), never a guess
 * that a smuggled second response could hide behind.
 */
static hx_int_t
hx_http_upstream_process_content_length(hx_http_request_t *r, void *data,
    hx_uint_t offset)
{
    hx_table_elt_t  *h = data;

    hx_http_upstream_t  *u;

    (void) offset;

    u = r->upstream;

    if (u->headers_in.content_length) {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "upstream sent duplicate header line: \"%V: %V\", "
                     "previous value: \"%V: %V\"",
                     &h->key, &h->value,
                     &u->headers_in.content_length->key,
                     &u->headers_in.content_length->value);
        return HX_HTTP_UPSTREAM_INVALID_HEADER;
    }

    if (u->headers_in.transfer_encoding) {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "upstream sent \"Content-Length\" and "
                     "\"Transfer-Encoding\" headers at the same time");
        return HX_HTTP_UPSTREAM_INVALID_HEADER;
    }

    h->next = NULL;
    u->headers_in.content_length = h;
    u->headers_in.content_length_n = hx_atoof(h->value.data, h->value.len);

    if (u->headers_in.content_length_n == HX_ERROR) {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "upstream sent invalid \"Content-Length\" header: "
                     "\"%V: %V\"", &h->key, &h->value);
        return HX_HTTP_UPSTREAM_INVALID_HEADER;
    }

    return HX_OK;
}


static hx_int_t
hx_http_upstream_process_last_modified(hx_http_request_t *r, void *data,
    hx_uint_t offset)
{
    hx_table_elt_t  *h = data;

    hx_http_upstream_t  *u;

    (void) offset;

    u = r->upstream;

    if (u->headers_in.last_modified) {
        hx_log_error(HX_LOG_WARN, r->connection->log, 0,
                     "upstream sent duplicate header line: \"%V: %V\", "
                     "previous value: \"%V: %V\", ignoring",
                     &h->key, &h->value,
                     &u->headers_in.last_modified->key,
                     &u->headers_in.last_modified->value);
        h->hash = 0;
        return HX_OK;
    }

    h->next = NULL;
    u->headers_in.last_modified = h;
    u->headers_in.last_modified_time = hx_parse_http_time(h->value.data,
                                                          h->value.len);

    return HX_OK;
}


static hx_int_t
hx_http_upstream_process_limit_rate(hx_http_request_t *r, void *data,
    hx_uint_t offset)
{
    hx_table_elt_t  *h = data;

    hx_int_t             n;
    hx_http_upstream_t  *u;

    (void) offset;

    u = r->upstream;

    if (u->headers_in.x_accel_limit_rate) {
        hx_log_error(HX_LOG_WARN, r->connection->log, 0,
                     "upstream sent duplicate header line: \"%V: %V\", "
                     "previous value: \"%V: %V\", ignoring",
                     &h->key, &h->value,
                     &u->headers_in.x_accel_limit_rate->key,
                     &u->headers_in.x_accel_limit_rate->value);
        h->hash = 0;
        return HX_OK;
    }

    h->next = NULL;
    u->headers_in.x_accel_limit_rate = h;

    if (u->conf->ignore_headers & HX_HTTP_UPSTREAM_IGN_XA_LIMIT_RATE) {
        return HX_OK;
    }

    n = hx_atoi(h->value.data, h->value.len);

    if (n != HX_ERROR) {
        r->limit_rate = (size_t) n;
        r->limit_rate_set = 1;
    }

    return HX_OK;
}


static hx_int_t
hx_http_upstream_process_buffering(hx_http_request_t *r, void *data,
    hx_uint_t offset)
{
    hx_table_elt_t  *h = data;

    hx_http_upstream_t  *u;

    (void) offset;

    u = r->upstream;

    if (u->conf->ignore_headers & HX_HTTP_UPSTREAM_IGN_XA_BUFFERING) {
        return HX_OK;
    }

    if (!u->conf->change_buffering) {
        return HX_OK;
    }

    if (h->value.len == 2 && hx_strncasecmp(h->value.data, (uint8_t *) "no", 2)
                             == 0)
    {
        u->buffering = 0;

    } else if (h->value.len == 3
               && hx_strncasecmp(h->value.data, (uint8_t *) "yes", 3) == 0)
    {
        u->buffering = 1;
    }

    return HX_OK;
}


static hx_int_t
hx_http_upstream_process_charset(hx_http_request_t *r, void *data,
    hx_uint_t offset)
{
    hx_table_elt_t  *h = data;

    hx_http_upstream_t  *u;

    (void) offset;

    u = r->upstream;

    if (u->conf->ignore_headers & HX_HTTP_UPSTREAM_IGN_XA_CHARSET) {
        return HX_OK;
    }

    r->headers_out.override_charset = &h->value;

    return HX_OK;
}


static hx_int_t
hx_http_upstream_process_connection(hx_http_request_t *r, void *data,
    hx_uint_t offset)
{
    hx_table_elt_t  *h = data;

    hx_table_elt_t      **ph;
    hx_http_upstream_t   *u;

    (void) offset;

    u = r->upstream;

    ph = &u->headers_in.connection;

    while (*ph) {
        ph = &(*ph)->next;
    }

    *ph = h;
    h->next = NULL;

    if (hx_strlcasestrn(h->value.data, h->value.data + h->value.len,
                        (uint8_t *) "close", 5 - 1)
        != NULL)
    {
        u->headers_in.connection_close = 1;
    }

    return HX_OK;
}


static hx_int_t
hx_http_upstream_process_transfer_encoding(hx_http_request_t *r,
    void *data, hx_uint_t offset)
{
    hx_table_elt_t  *h = data;

    hx_http_upstream_t  *u;

    (void) offset;

    u = r->upstream;

    if (u->headers_in.transfer_encoding) {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "upstream sent duplicate header line: \"%V: %V\", "
                     "previous value: \"%V: %V\"",
                     &h->key, &h->value,
                     &u->headers_in.transfer_encoding->key,
                     &u->headers_in.transfer_encoding->value);
        return HX_HTTP_UPSTREAM_INVALID_HEADER;
    }

    if (u->headers_in.content_length) {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "upstream sent \"Content-Length\" and "
                     "\"Transfer-Encoding\" headers at the same time");
        return HX_HTTP_UPSTREAM_INVALID_HEADER;
    }

    u->headers_in.transfer_encoding = h;
    h->next = NULL;

    if (h->value.len == 7
        && hx_strncasecmp(h->value.data, (uint8_t *) "chunked", 7) == 0)
    {
        u->headers_in.chunked = 1;

    } else {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "upstream sent unknown \"Transfer-Encoding\": \"%V\"",
                     &h->value);
        return HX_HTTP_UPSTREAM_INVALID_HEADER;
    }

    return HX_OK;
}


/* ---- into the response ---------------------------------------------- */

/* a copy of h in r->headers_out, or NULL */
static hx_table_elt_t *
hx_http_upstream_push_header(hx_http_request_t *r, hx_table_elt_t *h)
{
    hx_table_elt_t  *ho;

    ho = hx_list_push(&r->headers_out.headers);
    if (ho == NULL) {
        return NULL;
    }

    *ho = *h;
    ho->next = NULL;

    return ho;
}


static hx_int_t
hx_http_upstream_copy_header_line(hx_http_request_t *r, void *data,
    hx_uint_t offset)
{
    hx_table_elt_t  *h = data;

    hx_table_elt_t  *ho, **ph;

    ho = hx_http_upstream_push_header(r, h);
    if (ho == NULL) {
        return HX_ERROR;
    }

    if (offset) {
        ph = (hx_table_elt_t **) ((char *) &r->headers_out + offset);
        *ph = ho;
    }

    return HX_OK;
}


static hx_int_t
hx_http_upstream_copy_multi_header_lines(hx_http_request_t *r, void *data,
    hx_uint_t offset)
{
    hx_table_elt_t  *h = data;

    hx_table_elt_t  *ho, **ph;

    ho = hx_http_upstream_push_header(r, h);
    if (ho == NULL) {
        return HX_ERROR;
    }

    ph = (hx_table_elt_t **) ((char *) &r->headers_out + offset);

    while (*ph) {
        ph = &(*ph)->next;
    }

    *ph = ho;

    return HX_OK;
}


/*
 * Content-Type goes to headers_out.content_type, with a "charset=" part
 * noted separately (the charset filter and add_header see it), as nginx
 * splits it.
 */
static hx_int_t
hx_http_upstream_copy_content_type(hx_http_request_t *r, void *data,
    hx_uint_t offset)
{
    hx_table_elt_t  *h = data;

    uint8_t  *p, *last, *end, *semi;

    (void) offset;

    r->headers_out.content_type_len = h->value.len;
    r->headers_out.content_type = h->value;
    r->headers_out.content_type_lowcase = NULL;

    p = h->value.data;
    end = h->value.data + h->value.len;

    for ( /* void */ ; p < end; p++) {

        if (*p != ';') {
            continue;
        }

        semi = p;

        do {
            p++;
        } while (p < end && *p == ' ');

        if (p == end) {
            return HX_OK;
        }

        if (end - p < 8
            || hx_strncasecmp(p, (uint8_t *) "charset=", 8) != 0)
        {
            p--;
            continue;
        }

        p += 8;

        r->headers_out.content_type_len = semi - h->value.data;

        if (p < end && *p == '"') {
            p++;
        }

        last = end;

        if (last > p && *(last - 1) == '"') {
            last--;
        }

        r->headers_out.charset.len = last - p;
        r->headers_out.charset.data = p;

        return HX_OK;
    }

    return HX_OK;
}


static hx_int_t
hx_http_upstream_copy_last_modified(hx_http_request_t *r, void *data,
    hx_uint_t offset)
{
    hx_table_elt_t  *h = data;

    hx_table_elt_t  *ho;

    (void) offset;

    ho = hx_http_upstream_push_header(r, h);
    if (ho == NULL) {
        return HX_ERROR;
    }

    r->headers_out.last_modified = ho;
    r->headers_out.last_modified_time =
                                   r->upstream->headers_in.last_modified_time;

    return HX_OK;
}


static hx_int_t
hx_http_upstream_rewrite_location(hx_http_request_t *r, void *data,
    hx_uint_t offset)
{
    hx_table_elt_t  *h = data;

    hx_int_t         rc;
    hx_table_elt_t  *ho;

    (void) offset;

    ho = hx_http_upstream_push_header(r, h);
    if (ho == NULL) {
        return HX_ERROR;
    }

    if (r->upstream->rewrite_redirect) {
        rc = r->upstream->rewrite_redirect(r, ho, 0);

        if (rc == HX_DECLINED) {
            return HX_OK;
        }

        if (rc == HX_OK) {
            r->headers_out.location = ho;

            hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                         "rewritten location: \"%V\"", &ho->value);
        }

        return rc;
    }

    /*
     * a relative Location is not made absolute by the header filter: it
     * stays as the backend sent it
     */

    if (ho->value.len && ho->value.data[0] != '/') {
        r->headers_out.location = ho;
    }

    return HX_OK;
}


static hx_int_t
hx_http_upstream_rewrite_refresh(hx_http_request_t *r, void *data,
    hx_uint_t offset)
{
    hx_table_elt_t  *h = data;

    uint8_t         *p;
    hx_int_t         rc;
    hx_table_elt_t  *ho;

    (void) offset;

    ho = hx_http_upstream_push_header(r, h);
    if (ho == NULL) {
        return HX_ERROR;
    }

    if (r->upstream->rewrite_redirect) {

        p = hx_strlcasestrn(ho->value.data, ho->value.data + ho->value.len,
                            (uint8_t *) "url=", 4 - 1);

        rc = HX_DECLINED;

        if (p) {
            rc = r->upstream->rewrite_redirect(r, ho, p + 4 - ho->value.data);
        }

        if (rc == HX_DECLINED) {
            return HX_OK;
        }

        if (rc == HX_OK) {
            r->headers_out.refresh = ho;

            hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                         "rewritten refresh: \"%V\"", &ho->value);
        }

        return rc;
    }

    return HX_OK;
}


static hx_int_t
hx_http_upstream_rewrite_set_cookie(hx_http_request_t *r, void *data,
    hx_uint_t offset)
{
    hx_table_elt_t  *h = data;

    hx_int_t         rc;
    hx_table_elt_t  *ho;

    (void) offset;

    ho = hx_http_upstream_push_header(r, h);
    if (ho == NULL) {
        return HX_ERROR;
    }

    if (r->upstream->rewrite_cookie) {
        rc = r->upstream->rewrite_cookie(r, ho);
        return (rc == HX_DECLINED) ? HX_OK : rc;
    }

    return HX_OK;
}


static hx_int_t
hx_http_upstream_copy_allow_ranges(hx_http_request_t *r, void *data,
    hx_uint_t offset)
{
    hx_table_elt_t  *h = data;

    hx_table_elt_t  *ho;

    (void) offset;

    if (r->upstream->conf->force_ranges) {
        return HX_OK;
    }

    ho = hx_http_upstream_push_header(r, h);
    if (ho == NULL) {
        return HX_ERROR;
    }

    r->headers_out.accept_ranges = ho;

    return HX_OK;
}


hx_int_t
hx_http_upstream_process_headers(hx_http_request_t *r, hx_http_upstream_t *u)
{
    hx_table_elt_t                 *h;
    hx_list_iter_t                  it;
    hx_http_upstream_header_t      *hh;
    hx_http_upstream_main_conf_t   *umcf;

    umcf = hx_http_get_module_main_conf(r, hx_http_upstream_module);

    if (u->headers_in.x_accel_redirect
        && !(u->conf->ignore_headers & HX_HTTP_UPSTREAM_IGN_XA_REDIRECT))
    {
        return hx_http_upstream_x_accel_redirect(r, u);
    }

    hx_list_iter_init(&it, &u->headers_in.headers);

    while ((h = hx_list_iter_next(&it)) != NULL) {

        if (h->hash == 0) {
            continue;
        }

        if (hx_hash_find(&u->conf->hide_headers_hash, h->hash,
                         h->lowcase_key, h->key.len))
        {
            continue;
        }

        hh = hx_hash_find(&umcf->headers_in_hash, h->hash,
                          h->lowcase_key, h->key.len);

        if (hh) {
            if (hh->copy_handler(r, h, hh->conf) != HX_OK) {
                hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_INTERNAL_SERVER_ERROR);
                return HX_DONE;
            }

            continue;
        }

        if (hx_http_upstream_copy_header_line(r, h, 0) != HX_OK) {
            hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_INTERNAL_SERVER_ERROR);
            return HX_DONE;
        }
    }

    /* an empty Server or Date the protocol module added means "none" */

    if (r->headers_out.server && r->headers_out.server->value.data == NULL) {
        r->headers_out.server->hash = 0;
    }

    if (r->headers_out.date && r->headers_out.date->value.data == NULL) {
        r->headers_out.date->hash = 0;
    }

    r->headers_out.status = u->headers_in.status_n;
    r->headers_out.status_line = u->headers_in.status_line;

    r->headers_out.content_length_n = u->headers_in.content_length_n;

    r->disable_not_modified = 1;

    if (u->conf->force_ranges) {
        r->allow_ranges = 1;
        r->single_range = 1;
    }

    u->length = -1;

    return HX_OK;
}


/*
 * X-Accel-Redirect: the backend names a URI (or @location) that answers
 * instead.  The headers marked "redirect" in the table (Content-Type,
 * Set-Cookie, caching headers) survive into that answer.
 */
static hx_int_t
hx_http_upstream_x_accel_redirect(hx_http_request_t *r,
    hx_http_upstream_t *u)
{
    hx_str_t                        uri, args;
    hx_uint_t                       flags;
    hx_table_elt_t                 *h;
    hx_list_iter_t                  it;
    hx_http_upstream_header_t      *hh;
    hx_http_upstream_main_conf_t   *umcf;

    umcf = hx_http_get_module_main_conf(r, hx_http_upstream_module);

    hx_http_upstream_finalize_request(r, u, HX_DECLINED);

    hx_list_iter_init(&it, &u->headers_in.headers);

    while ((h = hx_list_iter_next(&it)) != NULL) {

        if (h->hash == 0) {
            continue;
        }

        hh = hx_hash_find(&umcf->headers_in_hash, h->hash,
                          h->lowcase_key, h->key.len);

        if (hh && hh->redirect) {
            if (hh->copy_handler(r, h, hh->conf) != HX_OK) {
                hx_http_finalize_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
                return HX_DONE;
            }
        }
    }

    uri = u->headers_in.x_accel_redirect->value;

    if (uri.len && uri.data[0] == '@') {
        hx_http_named_location(r, &uri);

    } else {
        hx_str_null(&args);
        flags = HX_HTTP_LOG_UNSAFE;

        if (hx_http_upstream_unsafe_uri(r, &uri, &args, &flags) != HX_OK) {
            hx_http_finalize_request(r, HX_HTTP_NOT_FOUND);
            return HX_DONE;
        }

        if (r->method != HX_HTTP_HEAD) {
            r->method = HX_HTTP_GET;
            r->method_name = hx_http_core_get_method;
        }

        hx_http_internal_redirect(r, &uri, &args);
    }

    hx_http_finalize_request(r, HX_DONE);

    return HX_DONE;
}


/*
 * The URI an X-Accel-Redirect names: "%XX" is decoded (the backend sends
 * a URI, the redirect wants a path), and the result checked again, so
 * that an escaped "../" cannot climb out either.  HX_OK or HX_ERROR
 * (logged).
 */
static hx_int_t
hx_http_upstream_unsafe_uri(hx_http_request_t *r, hx_str_t *uri,
    hx_str_t *args, hx_uint_t *flags)
{
    uint8_t   *src, *dst;
    hx_str_t   check, scratch;

    if (hx_http_parse_unsafe_uri(uri, args, flags) != HX_OK) {
        goto unsafe;
    }

    if (hx_strlchr(uri->data, uri->data + uri->len, '%') == NULL) {
        return HX_OK;
    }

    dst = hx_pnalloc(r->pool, uri->len);
    if (dst == NULL) {
        return HX_ERROR;
    }

    src = uri->data;
    uri->data = dst;

    hx_unescape_uri(&dst, &src, uri->len, 0);

    uri->len = dst - uri->data;

    /* a decoded "?" is part of the path: check a copy */

    check = *uri;
    hx_str_null(&scratch);

    if (hx_http_parse_unsafe_uri(&check, &scratch, flags) == HX_OK) {
        return HX_OK;
    }

unsafe:

    hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                 "unsafe URI \"%V\" was detected", uri);

    return HX_ERROR;
}


hx_int_t
hx_http_upstream_process_trailers(hx_http_request_t *r,
    hx_http_upstream_t *u)
{
    hx_table_elt_t  *h, *ho;
    hx_list_iter_t   it;

    if (!u->conf->pass_trailers) {
        return HX_OK;
    }

    hx_list_iter_init(&it, &u->headers_in.trailers);

    while ((h = hx_list_iter_next(&it)) != NULL) {

        if (h->hash == 0) {
            continue;
        }

        if (hx_hash_find(&u->conf->hide_headers_hash, h->hash,
                         h->lowcase_key, h->key.len))
        {
            continue;
        }

        ho = hx_list_push(&r->headers_out.trailers);
        if (ho == NULL) {
            return HX_ERROR;
        }

        *ho = *h;
        ho->next = NULL;
    }

    return HX_OK;
}

/*
 * The last header filter: turns r->headers_out into the bytes of an
 * HTTP/1.x response header and hands them to the write filter.  It is
 * computed in two passes (the length, then the bytes) into one buffer
 * from the request pool, so a header costs one allocation.
 *
 * The status line, Server, Date, Content-Type (with charset),
 * Content-Length, Last-Modified, Location (made absolute per
 * absolute_redirect, server_name_in_redirect and port_in_redirect),
 * Transfer-Encoding, Connection and Keep-Alive come from the request's
 * state; everything else from the header list in order.
 *
 * Identity: hanx answers as the nginx release it follows ("nginx/1.30.0",
 * or "nginx" with server_tokens off), the way $nginx_version and "-V" do,
 * so that clients and tools written against nginx see what they expect;
 * "server_tokens build" adds hanx's own version.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


static hx_int_t hx_http_header_filter_init(hx_conf_t *cf);
static hx_int_t hx_http_header_filter(hx_http_request_t *r);


static hx_http_module_t  hx_http_header_filter_module_ctx = {
    NULL,                                  /* preconfiguration */
    hx_http_header_filter_init,            /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


hx_module_t  hx_http_header_filter_module = {
    HX_MODULE_V1,
    "hx_http_header_filter_module",
    &hx_http_header_filter_module_ctx,
    NULL,
    HX_HTTP_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


static uint8_t  hx_http_server_line[] = "Server: nginx" CRLF;
static uint8_t  hx_http_server_full_line[] = "Server: " HX_NGINX_VER CRLF;
static uint8_t  hx_http_server_build_line[] =
    "Server: " HX_NGINX_VER " (" HANX_VER ")" CRLF;

hx_str_t  hx_http_server_string = hx_string("nginx");
hx_str_t  hx_http_server_full_string = hx_string(HX_NGINX_VER);


typedef struct {
    hx_uint_t   status;
    hx_str_t    line;
} hx_http_status_line_t;


static hx_http_status_line_t  hx_http_status_lines[] = {
    { 200, hx_string("200 OK") },
    { 201, hx_string("201 Created") },
    { 202, hx_string("202 Accepted") },
    { 204, hx_string("204 No Content") },
    { 206, hx_string("206 Partial Content") },
    { 301, hx_string("301 Moved Permanently") },
    { 302, hx_string("302 Moved Temporarily") },
    { 303, hx_string("303 See Other") },
    { 304, hx_string("304 Not Modified") },
    { 307, hx_string("307 Temporary Redirect") },
    { 308, hx_string("308 Permanent Redirect") },
    { 400, hx_string("400 Bad Request") },
    { 401, hx_string("401 Unauthorized") },
    { 402, hx_string("402 Payment Required") },
    { 403, hx_string("403 Forbidden") },
    { 404, hx_string("404 Not Found") },
    { 405, hx_string("405 Not Allowed") },
    { 406, hx_string("406 Not Acceptable") },
    { 407, hx_string("407 Proxy Authentication Required") },
    { 408, hx_string("408 Request Time-out") },
    { 409, hx_string("409 Conflict") },
    { 410, hx_string("410 Gone") },
    { 411, hx_string("411 Length Required") },
    { 412, hx_string("412 Precondition Failed") },
    { 413, hx_string("413 Request Entity Too Large") },
    { 414, hx_string("414 Request-URI Too Large") },
    { 415, hx_string("415 Unsupported Media Type") },
    { 416, hx_string("416 Requested Range Not Satisfiable") },
    { 421, hx_string("421 Misdirected Request") },
    { 429, hx_string("429 Too Many Requests") },
    { 500, hx_string("500 Internal Server Error") },
    { 501, hx_string("501 Not Implemented") },
    { 502, hx_string("502 Bad Gateway") },
    { 503, hx_string("503 Service Temporarily Unavailable") },
    { 504, hx_string("504 Gateway Time-out") },
    { 505, hx_string("505 HTTP Version Not Supported") },
    { 507, hx_string("507 Insufficient Storage") },
    { 0, hx_null_string }
};


hx_str_t *
hx_http_status_line(hx_uint_t status)
{
    hx_http_status_line_t  *s;

    for (s = hx_http_status_lines; s->status; s++) {
        if (s->status == status) {
            return &s->line;
        }
    }

    return NULL;
}


/* the sum of "Key: Value\r\n" over the header list */
static size_t
hx_http_header_list_len(hx_list_t *list)
{
    size_t           len;
    hx_list_iter_t   it;
    hx_table_elt_t  *h;

    len = 0;

    hx_list_iter_init(&it, list);

    while ((h = hx_list_iter_next(&it)) != NULL) {
        if (h->hash == 0) {
            continue;
        }

        len += h->key.len + sizeof(": ") - 1 + h->value.len
               + sizeof(CRLF) - 1;
    }

    return len;
}


static uint8_t *
hx_http_header_list_copy(uint8_t *p, hx_list_t *list)
{
    hx_list_iter_t   it;
    hx_table_elt_t  *h;

    hx_list_iter_init(&it, list);

    while ((h = hx_list_iter_next(&it)) != NULL) {
        if (h->hash == 0) {
            continue;
        }

        p = hx_cpymem(p, h->key.data, h->key.len);
        *p++ = ':'; *p++ = ' ';
        p = hx_cpymem(p, h->value.data, h->value.len);
        *p++ = CR; *p++ = LF;
    }

    return p;
}


/*
 * The host and port an absolute Location is built from, or host.data ==
 * NULL when Location stays as it is.  HX_OK or HX_ERROR.
 */
static hx_int_t
hx_http_header_location_host(hx_http_request_t *r,
    hx_http_core_loc_conf_t *clcf, hx_str_t *host, hx_uint_t *port,
    uint8_t *addr)
{
    hx_connection_t            *c;
    hx_http_core_srv_conf_t    *cscf;

    hx_str_null(host);
    *port = 0;

    if (r->headers_out.location == NULL
        || r->headers_out.location->value.len == 0
        || r->headers_out.location->value.data[0] != '/'
        || !clcf->absolute_redirect)
    {
        return HX_OK;
    }

    c = r->connection;

    r->headers_out.location->hash = 0;

    if (clcf->server_name_in_redirect) {
        cscf = hx_http_get_module_srv_conf(r, hx_http_core_module);
        *host = cscf->server_name;

    } else if (r->headers_in.server.len) {
        *host = r->headers_in.server;

    } else {
        host->len = HX_SOCKADDR_STRLEN;
        host->data = addr;

        if (hx_connection_local_sockaddr(c, host, 0) != HX_OK) {
            return HX_ERROR;
        }
    }

    if (!clcf->port_in_redirect) {
        return HX_OK;
    }

    if (hx_connection_local_sockaddr(c, NULL, 0) != HX_OK) {
        return HX_ERROR;
    }

    *port = (c->local_sockaddr->sa_family == AF_UNIX)
            ? 0 : hx_inet_get_port(c->local_sockaddr);

    if (*port == (c->ssl ? 443u : 80u)) {
        *port = 0;
    }

    return HX_OK;
}


/* the status line for the response, adjusting header_only and the like */
static hx_str_t *
hx_http_header_status(hx_http_request_t *r, hx_uint_t *status)
{
    hx_str_t  *line;

    if (r->headers_out.status_line.len) {
        return &r->headers_out.status_line;
    }

    *status = r->headers_out.status;

    if (*status == HX_HTTP_NO_CONTENT) {
        r->header_only = 1;
        hx_str_null(&r->headers_out.content_type);
        r->headers_out.last_modified_time = -1;
        r->headers_out.last_modified = NULL;
        r->headers_out.content_length = NULL;
        r->headers_out.content_length_n = -1;

    } else if (*status == HX_HTTP_NOT_MODIFIED) {
        r->header_only = 1;
    }

    line = hx_http_status_line(*status);

    return line;
}


static hx_int_t
hx_http_header_filter(hx_http_request_t *r)
{
    uint8_t                    *p, *server;
    size_t                      len, server_len;
    hx_str_t                    host, *status_line;
    hx_buf_t                   *b;
    hx_uint_t                   status, port;
    hx_chain_t                  out;
    hx_connection_t            *c;
    hx_http_core_loc_conf_t    *clcf;
    uint8_t                     addr[HX_SOCKADDR_STRLEN];

    if (r->header_sent) {
        return HX_OK;
    }

    r->header_sent = 1;

    if (r != r->main) {
        return HX_OK;
    }

    if (r->http_version < HX_HTTP_VERSION_10) {
        return HX_OK;
    }

    c = r->connection;

    if (r->method == HX_HTTP_HEAD) {
        r->header_only = 1;
    }

    if (r->headers_out.last_modified_time != -1) {
        if (r->headers_out.status != HX_HTTP_OK
            && r->headers_out.status != HX_HTTP_PARTIAL_CONTENT
            && r->headers_out.status != HX_HTTP_NOT_MODIFIED)
        {
            r->headers_out.last_modified_time = -1;
            r->headers_out.last_modified = NULL;
        }
    }

    if (r->keepalive && (hx_terminate || hx_exiting)) {
        r->keepalive = 0;
    }

    len = sizeof("HTTP/1.x ") - 1 + sizeof(CRLF) - 1
          /* the end of the header */
          + sizeof(CRLF) - 1;

    status = 0;
    status_line = hx_http_header_status(r, &status);

    if (status_line) {
        len += status_line->len;

    } else {
        len += HX_INT_T_LEN + 1 /* SP */;
    }

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (clcf->server_tokens == HX_HTTP_SERVER_TOKENS_ON) {
        server = hx_http_server_full_line;
        server_len = sizeof(hx_http_server_full_line) - 1;

    } else if (clcf->server_tokens == HX_HTTP_SERVER_TOKENS_BUILD) {
        server = hx_http_server_build_line;
        server_len = sizeof(hx_http_server_build_line) - 1;

    } else {
        server = hx_http_server_line;
        server_len = sizeof(hx_http_server_line) - 1;
    }

    if (r->headers_out.server == NULL) {
        len += server_len;
    }

    if (r->headers_out.date == NULL) {
        len += sizeof("Date: Mon, 28 Sep 1970 06:00:00 GMT" CRLF) - 1;
    }

    if (r->headers_out.content_type.len) {
        len += sizeof("Content-Type: ") - 1
               + r->headers_out.content_type.len + 2;

        if (r->headers_out.content_type_len == r->headers_out.content_type.len
            && r->headers_out.charset.len)
        {
            len += sizeof("; charset=") - 1 + r->headers_out.charset.len;
        }
    }

    if (r->headers_out.content_length == NULL
        && r->headers_out.content_length_n >= 0)
    {
        len += sizeof("Content-Length: ") - 1 + HX_OFF_T_LEN + 2;
    }

    if (r->headers_out.last_modified == NULL
        && r->headers_out.last_modified_time != -1)
    {
        len += sizeof("Last-Modified: Mon, 28 Sep 1970 06:00:00 GMT" CRLF) - 1;
    }

    if (hx_http_header_location_host(r, clcf, &host, &port, addr) != HX_OK) {
        return HX_ERROR;
    }

    if (host.data) {
        len += sizeof("Location: https://") - 1
               + host.len
               + r->headers_out.location->value.len + 2;

        if (port) {
            len += sizeof(":65535") - 1;
        }
    }

    if (r->chunked) {
        len += sizeof("Transfer-Encoding: chunked" CRLF) - 1;
    }

    if (r->headers_out.status == HX_HTTP_SWITCHING_PROTOCOLS) {
        len += sizeof("Connection: upgrade" CRLF) - 1;

    } else if (r->keepalive) {
        len += sizeof("Connection: keep-alive" CRLF) - 1;

        if (clcf->keepalive_header) {
            len += sizeof("Keep-Alive: timeout=") - 1 + HX_TIME_T_LEN + 2;
        }

    } else {
        len += sizeof("Connection: close" CRLF) - 1;
    }

    if (r->gzip_vary) {
        if (clcf->gzip_vary) {
            len += sizeof("Vary: Accept-Encoding" CRLF) - 1;

        } else {
            r->gzip_vary = 0;
        }
    }

    len += hx_http_header_list_len(&r->headers_out.headers);

    b = hx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return HX_ERROR;
    }

    /* the status line */

    b->last = hx_cpymem(b->last, "HTTP/1.1 ", sizeof("HTTP/1.x ") - 1);

    if (status_line) {
        b->last = hx_cpymem(b->last, status_line->data, status_line->len);

    } else {
        b->last = hx_sprintf(b->last, "%03ui ", status);
    }

    *b->last++ = CR; *b->last++ = LF;

    if (r->headers_out.server == NULL) {
        b->last = hx_cpymem(b->last, server, server_len);
    }

    if (r->headers_out.date == NULL) {
        b->last = hx_cpymem(b->last, "Date: ", sizeof("Date: ") - 1);
        b->last = hx_cpymem(b->last, hx_cached_http_time.data,
                            hx_cached_http_time.len);

        *b->last++ = CR; *b->last++ = LF;
    }

    if (r->headers_out.content_type.len) {
        b->last = hx_cpymem(b->last, "Content-Type: ",
                            sizeof("Content-Type: ") - 1);
        p = b->last;
        b->last = hx_cpymem(b->last, r->headers_out.content_type.data,
                            r->headers_out.content_type.len);

        if (r->headers_out.content_type_len == r->headers_out.content_type.len
            && r->headers_out.charset.len)
        {
            b->last = hx_cpymem(b->last, "; charset=",
                                sizeof("; charset=") - 1);
            b->last = hx_cpymem(b->last, r->headers_out.charset.data,
                                r->headers_out.charset.len);

            /* the full type, for $sent_http_content_type */

            r->headers_out.content_type.len = b->last - p;
            r->headers_out.content_type.data = p;
        }

        *b->last++ = CR; *b->last++ = LF;
    }

    if (r->headers_out.content_length == NULL
        && r->headers_out.content_length_n >= 0)
    {
        b->last = hx_sprintf(b->last, "Content-Length: %O" CRLF,
                             r->headers_out.content_length_n);
    }

    if (r->headers_out.last_modified == NULL
        && r->headers_out.last_modified_time != -1)
    {
        b->last = hx_cpymem(b->last, "Last-Modified: ",
                            sizeof("Last-Modified: ") - 1);
        b->last = hx_http_time(b->last, r->headers_out.last_modified_time);

        *b->last++ = CR; *b->last++ = LF;
    }

    if (host.data) {

        p = b->last + sizeof("Location: ") - 1;

        b->last = hx_cpymem(b->last, "Location: http",
                            sizeof("Location: http") - 1);

        if (c->ssl) {
            *b->last++ = 's';
        }

        *b->last++ = ':'; *b->last++ = '/'; *b->last++ = '/';
        b->last = hx_cpymem(b->last, host.data, host.len);

        if (port) {
            b->last = hx_sprintf(b->last, ":%ui", port);
        }

        b->last = hx_cpymem(b->last, r->headers_out.location->value.data,
                            r->headers_out.location->value.len);

        /* the absolute value, for $sent_http_location */

        r->headers_out.location->value.len = b->last - p;
        r->headers_out.location->value.data = p;
        hx_str_set(&r->headers_out.location->key, "Location");

        *b->last++ = CR; *b->last++ = LF;
    }

    if (r->chunked) {
        b->last = hx_cpymem(b->last, "Transfer-Encoding: chunked" CRLF,
                            sizeof("Transfer-Encoding: chunked" CRLF) - 1);
    }

    if (r->headers_out.status == HX_HTTP_SWITCHING_PROTOCOLS) {
        b->last = hx_cpymem(b->last, "Connection: upgrade" CRLF,
                            sizeof("Connection: upgrade" CRLF) - 1);

    } else if (r->keepalive) {
        b->last = hx_cpymem(b->last, "Connection: keep-alive" CRLF,
                            sizeof("Connection: keep-alive" CRLF) - 1);

        if (clcf->keepalive_header) {
            b->last = hx_sprintf(b->last, "Keep-Alive: timeout=%T" CRLF,
                                 clcf->keepalive_header);
        }

    } else {
        b->last = hx_cpymem(b->last, "Connection: close" CRLF,
                            sizeof("Connection: close" CRLF) - 1);
    }

    if (r->gzip_vary) {
        b->last = hx_cpymem(b->last, "Vary: Accept-Encoding" CRLF,
                            sizeof("Vary: Accept-Encoding" CRLF) - 1);
    }

    b->last = hx_http_header_list_copy(b->last, &r->headers_out.headers);

    hx_log_debug(HX_LOG_DEBUG_HTTP, c->log, 0, "%*s",
                 (size_t) (b->last - b->pos), b->pos);

    /* the end of the header */
    *b->last++ = CR; *b->last++ = LF;

    r->header_size = b->last - b->pos;

    if (r->header_only) {
        b->last_buf = 1;
    }

    out.buf = b;
    out.next = NULL;

    return hx_http_write_filter(r, &out);
}


static hx_int_t
hx_http_header_filter_init(hx_conf_t *cf)
{
    (void) cf;

    hx_http_top_header_filter = hx_http_header_filter;

    return HX_OK;
}

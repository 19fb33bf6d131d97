/*
 * Reading a request: from an accepted connection to a request whose line
 * and headers are parsed and checked, ready for the phases.
 *
 * The connection first waits with no request allocated (and no buffer
 * held while idle); the first bytes bring a client_header_buffer_size
 * buffer from the connection pool and a request with its own pool.  The
 * request line and header lines are parsed in place by the resumable
 * parsers of hx_http_parse.c.  When a line does not fit, the bytes of the
 * unfinished line move into one of large_client_header_buffers (the
 * parser's pointers move with them); a line larger than such a buffer is
 * answered 414 (request line) or 400 "Request Header Or Cookie Too Large"
 * (status 494 in the log), as nginx does.
 *
 * Known headers are found through a hash built at configuration time and
 * handled by small functions (duplicate checks, Host validation, the
 * Connection tokens); the rest are only kept in the list.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


static void hx_http_wait_request_handler(hx_event_t *ev);
static hx_int_t hx_http_read_proxy_protocol(hx_connection_t *c,
    hx_buf_t *b);
static void hx_http_process_request_headers(hx_event_t *rev);
static ssize_t hx_http_read_request_header(hx_http_request_t *r);
static hx_int_t hx_http_alloc_large_header_buffer(hx_http_request_t *r,
    hx_uint_t request_line);
static hx_int_t hx_http_process_request_fields(hx_http_request_t *r);
static hx_int_t hx_http_process_header(hx_http_request_t *r,
    hx_http_core_main_conf_t *cmcf);

static hx_int_t hx_http_process_header_line(hx_http_request_t *r,
    void *h, hx_uint_t offset);
static hx_int_t hx_http_process_unique_header_line(hx_http_request_t *r,
    void *h, hx_uint_t offset);
static hx_int_t hx_http_process_host(hx_http_request_t *r, void *h,
    hx_uint_t offset);
static hx_int_t hx_http_process_connection(hx_http_request_t *r, void *h,
    hx_uint_t offset);
static hx_int_t hx_http_process_proxy_connection(hx_http_request_t *r,
    void *h, hx_uint_t offset);
static hx_int_t hx_http_process_user_agent(hx_http_request_t *r, void *h,
    hx_uint_t offset);



hx_http_header_t  hx_http_headers_in[] = {
    { hx_string("Host"), offsetof(hx_http_headers_in_t, host),
      hx_http_process_host },

    { hx_string("Connection"), offsetof(hx_http_headers_in_t, connection),
      hx_http_process_connection },

    { hx_string("Proxy-Connection"), 0,
      hx_http_process_proxy_connection },

    { hx_string("If-Modified-Since"),
      offsetof(hx_http_headers_in_t, if_modified_since),
      hx_http_process_unique_header_line },

    { hx_string("If-Unmodified-Since"),
      offsetof(hx_http_headers_in_t, if_unmodified_since),
      hx_http_process_unique_header_line },

    { hx_string("If-Match"), offsetof(hx_http_headers_in_t, if_match),
      hx_http_process_unique_header_line },

    { hx_string("If-None-Match"),
      offsetof(hx_http_headers_in_t, if_none_match),
      hx_http_process_unique_header_line },

    { hx_string("User-Agent"), offsetof(hx_http_headers_in_t, user_agent),
      hx_http_process_user_agent },

    { hx_string("Referer"), offsetof(hx_http_headers_in_t, referer),
      hx_http_process_header_line },

    { hx_string("Content-Length"),
      offsetof(hx_http_headers_in_t, content_length),
      hx_http_process_unique_header_line },

    { hx_string("Content-Range"),
      offsetof(hx_http_headers_in_t, content_range),
      hx_http_process_unique_header_line },

    { hx_string("Content-Type"),
      offsetof(hx_http_headers_in_t, content_type),
      hx_http_process_header_line },

    { hx_string("Range"), offsetof(hx_http_headers_in_t, range),
      hx_http_process_header_line },

    { hx_string("If-Range"), offsetof(hx_http_headers_in_t, if_range),
      hx_http_process_unique_header_line },

    { hx_string("Transfer-Encoding"),
      offsetof(hx_http_headers_in_t, transfer_encoding),
      hx_http_process_unique_header_line },

    { hx_string("TE"), offsetof(hx_http_headers_in_t, te),
      hx_http_process_header_line },

    { hx_string("Expect"), offsetof(hx_http_headers_in_t, expect),
      hx_http_process_unique_header_line },

    { hx_string("Upgrade"), offsetof(hx_http_headers_in_t, upgrade),
      hx_http_process_header_line },

    { hx_string("Accept-Encoding"),
      offsetof(hx_http_headers_in_t, accept_encoding),
      hx_http_process_header_line },

    { hx_string("Via"), offsetof(hx_http_headers_in_t, via),
      hx_http_process_header_line },

    { hx_string("Authorization"),
      offsetof(hx_http_headers_in_t, authorization),
      hx_http_process_unique_header_line },

    { hx_string("Proxy-Authorization"),
      offsetof(hx_http_headers_in_t, proxy_authorization),
      hx_http_process_unique_header_line },

    { hx_string("Keep-Alive"), offsetof(hx_http_headers_in_t, keep_alive),
      hx_http_process_header_line },

    { hx_string("X-Forwarded-For"),
      offsetof(hx_http_headers_in_t, x_forwarded_for),
      hx_http_process_header_line },

    { hx_string("X-Real-IP"), offsetof(hx_http_headers_in_t, x_real_ip),
      hx_http_process_header_line },

    { hx_string("Accept"), offsetof(hx_http_headers_in_t, accept),
      hx_http_process_header_line },

    { hx_string("Accept-Language"),
      offsetof(hx_http_headers_in_t, accept_language),
      hx_http_process_header_line },

    { hx_string("Depth"), offsetof(hx_http_headers_in_t, depth),
      hx_http_process_header_line },

    { hx_string("Destination"), offsetof(hx_http_headers_in_t, destination),
      hx_http_process_header_line },

    { hx_string("Overwrite"), offsetof(hx_http_headers_in_t, overwrite),
      hx_http_process_header_line },

    { hx_string("Date"), offsetof(hx_http_headers_in_t, date),
      hx_http_process_header_line },

    { hx_string("Cookie"), offsetof(hx_http_headers_in_t, cookie),
      hx_http_process_header_line },

    { hx_null_string, 0, NULL }
};


static char *hx_http_client_errors[] = {

    /* HX_HTTP_PARSE_INVALID_METHOD */
    "client sent invalid method",

    /* HX_HTTP_PARSE_INVALID_REQUEST */
    "client sent invalid request",

    /* HX_HTTP_PARSE_INVALID_VERSION */
    "client sent invalid version",

    /* HX_HTTP_PARSE_INVALID_09_METHOD */
    "client sent invalid method in HTTP/0.9 request"
};


void
hx_http_init_connection(hx_connection_t *c)
{
    hx_event_t                 *rev;
    hx_http_log_ctx_t          *ctx;
    hx_http_connection_t       *hc;
    hx_http_addr_conf_t        *addr_conf;
    hx_http_core_srv_conf_t    *cscf;

    hc = hx_pcalloc(c->pool, sizeof(hx_http_connection_t));
    if (hc == NULL) {
        hx_http_close_connection(c);
        return;
    }

    c->data = hc;

    addr_conf = hx_http_connection_addr_conf(c);
    if (addr_conf == NULL) {
        hx_http_close_connection(c);
        return;
    }

    hc->addr_conf = addr_conf;
    hc->conf_ctx = addr_conf->default_server->ctx;
    hc->proxy_protocol = addr_conf->proxy_protocol;

    ctx = hx_palloc(c->pool, sizeof(hx_http_log_ctx_t));
    if (ctx == NULL) {
        hx_http_close_connection(c);
        return;
    }

    ctx->connection = c;
    ctx->request = NULL;
    ctx->current_request = NULL;

    c->log->connection = (hx_uint_t) c->number;
    c->log->handler = hx_http_log_error_handler;
    c->log->data = ctx;
    c->log->action = "waiting for request";

    c->log_error = HX_ERROR_INFO;

    rev = c->read;
    rev->handler = hx_http_wait_request_handler;
    c->write->handler = hx_http_empty_handler;

    if (rev->ready) {
        /* the data came with the connection (deferred accept) */
        rev->handler(rev);
        return;
    }

    cscf = addr_conf->default_server;

    hx_add_timer(rev, cscf->client_header_timeout);
    hx_reusable_connection(c, 1);

    if (hx_handle_read_event(rev, 0) != HX_OK) {
        hx_http_close_connection(c);
        return;
    }
}


/*
 * The first bytes of a connection: the header buffer is allocated only
 * now, and given back when the read would block, so that idle
 * connections cost little memory.
 */
static void
hx_http_wait_request_handler(hx_event_t *rev)
{
    size_t                      size;
    ssize_t                     n;
    hx_int_t                    rc;
    hx_buf_t                   *b;
    hx_connection_t            *c;
    hx_http_connection_t       *hc;
    hx_http_core_srv_conf_t    *cscf;

    c = rev->data;

    if (rev->timedout) {
        hx_log_error(HX_LOG_INFO, c->log, ETIMEDOUT, "client timed out");
        hx_http_close_connection(c);
        return;
    }

    if (c->close) {
        hx_http_close_connection(c);
        return;
    }

    hc = c->data;
    cscf = hc->addr_conf->default_server;

    size = cscf->client_header_buffer_size;

    b = c->buffer;

    if (b == NULL) {
        b = hx_create_temp_buf(c->pool, size);
        if (b == NULL) {
            hx_http_close_connection(c);
            return;
        }

        c->buffer = b;

    } else if (b->start == NULL) {

        b->start = hx_palloc(c->pool, size);
        if (b->start == NULL) {
            hx_http_close_connection(c);
            return;
        }

        b->pos = b->start;
        b->last = b->start;
        b->end = b->last + size;
    }

    size = b->end - b->last;

    n = c->recv(c, b->last, size);

    if (n == HX_AGAIN) {

        if (!rev->timer_set) {
            hx_add_timer(rev, cscf->client_header_timeout);
            hx_reusable_connection(c, 1);
        }

        if (hx_handle_read_event(rev, 0) != HX_OK) {
            hx_http_close_connection(c);
            return;
        }

        if (b->pos == b->last) {

            /* keep no memory while idle */

            if (hx_pfree(c->pool, b->start) == HX_OK) {
                b->start = NULL;
            }
        }

        return;
    }

    if (n == HX_ERROR) {
        hx_http_close_connection(c);
        return;
    }

    if (n == 0) {
        hx_log_error(HX_LOG_INFO, c->log, 0,
                     "client closed connection");
        hx_http_close_connection(c);
        return;
    }

    b->last += n;

    if (hc->proxy_protocol) {
        rc = hx_http_read_proxy_protocol(c, b);

        if (rc == HX_ERROR) {
            hx_http_close_connection(c);
            return;
        }

        if (rc == HX_AGAIN || b->pos == b->last) {

            /* the header is incomplete, or nothing followed it yet */

            if (!rev->timer_set) {
                hx_add_timer(rev, cscf->client_header_timeout);
            }

            if (rc == HX_OK) {
                b->pos = b->start;
                b->last = b->start;
                hx_post_event(rev, &hx_posted_events);
                return;
            }

            if (hx_handle_read_event(rev, 0) != HX_OK) {
                hx_http_close_connection(c);
            }

            return;
        }
    }

    c->log->action = "reading client request line";

    hx_reusable_connection(c, 0);

    c->data = hx_http_create_request(c);
    if (c->data == NULL) {
        hx_http_close_connection(c);
        return;
    }

    rev->handler = hx_http_process_request_line;
    hx_http_process_request_line(rev);
}


/*
 * "listen ... proxy_protocol": the PROXY protocol header at the start of
 * the header buffer [b->pos, b->last).  HX_OK with the header consumed
 * (b->pos past it) and c->proxy_protocol set; HX_AGAIN when more bytes are
 * needed and the buffer has room; HX_ERROR for a broken header (logged by
 * the parser) or one that does not fit client_header_buffer_size.
 */
static hx_int_t
hx_http_read_proxy_protocol(hx_connection_t *c, hx_buf_t *b)
{
    uint8_t               *end;
    hx_int_t               rc;
    char                  *action;
    hx_proxy_protocol_t   *pp;
    hx_http_connection_t  *hc;

    hc = c->data;

    action = c->log->action;
    c->log->action = "reading PROXY protocol";

    rc = hx_proxy_protocol_read(c->pool, c->log, b->pos, b->last, &end, &pp);

    c->log->action = action;

    if (rc == HX_AGAIN) {
        if (b->last < b->end) {
            return HX_AGAIN;
        }

        hx_log_error(HX_LOG_ERR, c->log, 0,
                     "too large PROXY protocol header");
        return HX_ERROR;
    }

    if (rc != HX_OK) {
        return HX_ERROR;
    }

    hc->proxy_protocol = 0;
    c->proxy_protocol = pp;
    b->pos = end;

    return HX_OK;
}


hx_http_request_t *
hx_http_create_request(hx_connection_t *c)
{
    hx_pool_t                   *pool;
    hx_time_t                   *tp;
    hx_http_request_t           *r;
    hx_http_log_ctx_t           *ctx;
    hx_http_connection_t        *hc;
    hx_http_conf_ctx_t          *conf_ctx;
    hx_http_core_srv_conf_t     *cscf;
    hx_http_core_main_conf_t    *cmcf;

    c->requests++;

    hc = c->data;

    conf_ctx = hc->conf_ctx;
    cscf = conf_ctx->srv_conf[hx_http_core_module.ctx_index];

    pool = hx_create_pool(cscf->request_pool_size, c->log);
    if (pool == NULL) {
        return NULL;
    }

    r = hx_pcalloc(pool, sizeof(hx_http_request_t));
    if (r == NULL) {
        hx_destroy_pool(pool);
        return NULL;
    }

    r->pool = pool;
    r->signature = HX_HTTP_REQUEST_SIGNATURE;
    r->http_connection = hc;
    r->connection = c;

    r->main_conf = conf_ctx->main_conf;
    r->srv_conf = conf_ctx->srv_conf;
    r->loc_conf = conf_ctx->loc_conf;

    r->read_event_handler = hx_http_block_reading;

    r->header_in = hc->busy ? hc->busy->buf : c->buffer;

    if (hx_list_init(&r->headers_out.headers, r->pool, 20,
                     sizeof(hx_table_elt_t))
        != HX_OK
        || hx_list_init(&r->headers_out.trailers, r->pool, 4,
                        sizeof(hx_table_elt_t))
           != HX_OK)
    {
        hx_destroy_pool(r->pool);
        return NULL;
    }

    r->ctx = hx_pcalloc(r->pool, sizeof(void *) * hx_http_max_module);
    if (r->ctx == NULL) {
        hx_destroy_pool(r->pool);
        return NULL;
    }

    cmcf = hx_http_get_module_main_conf(r, hx_http_core_module);

    r->variables = hx_pcalloc(r->pool, cmcf->variables.nelts
                                       * sizeof(hx_http_variable_value_t));
    if (r->variables == NULL) {
        hx_destroy_pool(r->pool);
        return NULL;
    }

    r->main = r;
    r->count = 1;

    tp = hx_timeofday();
    r->start_sec = tp->sec;
    r->start_msec = tp->msec;

    r->method = HX_HTTP_UNKNOWN;
    r->http_version = HX_HTTP_VERSION_10;

    r->headers_in.content_length_n = -1;
    r->headers_in.keep_alive_n = -1;
    r->headers_out.content_length_n = -1;
    r->headers_out.last_modified_time = -1;

    r->uri_changes = HX_HTTP_MAX_URI_CHANGES + 1;
    r->subrequests = HX_HTTP_MAX_SUBREQUESTS + 1;

    r->http_state = HX_HTTP_READING_REQUEST_STATE;

    r->log_handler = hx_http_log_request_context;

    r->stat_reading = 1;
    hx_http_stat_add(reading, 1);
    hx_http_stat_add(requests, 1);

    ctx = c->log->data;
    ctx->request = r;
    ctx->current_request = r;

    return r;
}


void
hx_http_process_request_line(hx_event_t *rev)
{
    ssize_t              n;
    hx_int_t             rc, rv;
    hx_connection_t     *c;
    hx_http_request_t   *r;

    c = rev->data;
    r = c->data;

    if (rev->timedout) {
        hx_log_error(HX_LOG_INFO, c->log, ETIMEDOUT, "client timed out");
        c->timedout = 1;
        hx_http_close_request(r, HX_HTTP_REQUEST_TIME_OUT);
        return;
    }

    rc = HX_AGAIN;

    for ( ;; ) {

        if (rc == HX_AGAIN) {
            n = hx_http_read_request_header(r);

            if (n == HX_AGAIN || n == HX_ERROR) {
                break;
            }
        }

        rc = hx_http_parse_request_line(&r->parser, r->header_in);

        if (rc == HX_OK) {

            if (hx_http_process_request_fields(r) != HX_OK) {
                break;
            }

            if (r->http_version < HX_HTTP_VERSION_10) {

                if (r->headers_in.server.len == 0
                    && hx_http_set_virtual_server(r, &r->headers_in.server)
                       == HX_ERROR)
                {
                    break;
                }

                hx_http_process_request(r);
                break;
            }

            if (hx_list_init(&r->headers_in.headers, r->pool, 20,
                             sizeof(hx_table_elt_t))
                != HX_OK)
            {
                hx_http_close_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
                break;
            }

            c->log->action = "reading client request headers";

            rev->handler = hx_http_process_request_headers;
            hx_http_process_request_headers(rev);

            break;
        }

        if (rc != HX_AGAIN) {

            hx_log_error(HX_LOG_INFO, c->log, 0, "%s",
                         hx_http_client_errors[rc
                                       - HX_HTTP_PARSE_INVALID_METHOD]);

            if (rc == HX_HTTP_PARSE_INVALID_VERSION) {
                hx_http_finalize_request(r, HX_HTTP_VERSION_NOT_SUPPORTED);

            } else {
                hx_http_finalize_request(r, HX_HTTP_BAD_REQUEST);
            }

            break;
        }

        /* HX_AGAIN: the request line is incomplete */

        if (r->header_in->pos == r->header_in->end) {

            rv = hx_http_alloc_large_header_buffer(r, 1);

            if (rv == HX_ERROR) {
                hx_http_close_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
                break;
            }

            if (rv == HX_DECLINED) {
                r->request_line.len = r->header_in->end
                                      - r->parser.request_start;
                r->request_line.data = r->parser.request_start;

                hx_log_error(HX_LOG_INFO, c->log, 0,
                             "client sent too long URI");
                hx_http_finalize_request(r, HX_HTTP_REQUEST_URI_TOO_LARGE);
                break;
            }
        }
    }

    hx_http_run_posted_requests(c);
}


/* copies what the request-line parser found into the request */
static hx_int_t
hx_http_process_request_fields(hx_http_request_t *r)
{
    hx_int_t           rc;
    hx_str_t           host;
    in_port_t          port;
    hx_connection_t   *c;
    hx_http_parser_t  *p;

    c = r->connection;
    p = &r->parser;

    r->method = p->method;
    r->http_version = p->http_version;
    r->http_major = p->http_major;
    r->http_minor = p->http_minor;

    r->request_line.len = p->request_end - p->request_start;
    r->request_line.data = p->request_start;
    r->request_length = r->header_in->pos - p->request_start;

    r->method_name.len = p->method_end - p->request_start + 1;
    r->method_name.data = p->request_start;

    if (p->http_protocol_start) {
        r->http_protocol.len = p->request_end - p->http_protocol_start;
        r->http_protocol.data = p->http_protocol_start;
    }

    r->complex_uri = p->complex_uri;
    r->quoted_uri = p->quoted_uri;
    r->plus_in_uri = p->plus_in_uri;
    r->empty_path_in_uri = p->empty_path_in_uri;

    if (hx_http_process_request_uri(r) != HX_OK) {
        return HX_ERROR;
    }

    if (p->schema_end) {
        r->schema.len = p->schema_end - p->schema_start;
        r->schema.data = p->schema_start;
    }

    if (p->host_end) {

        host.len = p->host_end - p->host_start;
        host.data = p->host_start;

        if (p->port_end) {

            /* validated with its port, as a Host header would be */

            host.len = p->port_end - p->host_start;
        }

        rc = hx_http_validate_host(&host, &port, r->pool, 0);

        if (rc == HX_DECLINED) {
            hx_log_error(HX_LOG_INFO, c->log, 0,
                         "client sent invalid host in request line");
            hx_http_finalize_request(r, HX_HTTP_BAD_REQUEST);
            return HX_ERROR;
        }

        if (rc == HX_ERROR) {
            hx_http_close_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
            return HX_ERROR;
        }

        if (hx_http_set_virtual_server(r, &host) == HX_ERROR) {
            return HX_ERROR;
        }

        r->headers_in.server = host;
        r->host_in_uri = host;
        r->port = port;
    }

    return HX_OK;
}


hx_int_t
hx_http_process_request_uri(hx_http_request_t *r)
{
    size_t                      len, args_len;
    uint8_t                    *args, *u;
    hx_http_parser_t           *p;
    hx_http_core_srv_conf_t    *cscf;

    p = &r->parser;

    if (p->complex_uri || p->quoted_uri || p->empty_path_in_uri) {

        r->uri.data = hx_pnalloc(r->pool, p->uri_end - p->uri_start + 2);
        if (r->uri.data == NULL) {
            hx_http_close_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
            return HX_ERROR;
        }

        u = r->uri.data;

        if (p->empty_path_in_uri && *p->uri_start != '/') {
            /* "http://host?args": the path is "/" */
            *u++ = '/';
        }

        cscf = hx_http_get_module_srv_conf(r, hx_http_core_module);

        if (hx_http_parse_complex_uri(p, u, &len, cscf->merge_slashes, &args,
                                      &args_len)
            != HX_OK)
        {
            r->uri.len = 0;

            hx_log_error(HX_LOG_INFO, r->connection->log, 0,
                         "client sent invalid request");
            hx_http_finalize_request(r, HX_HTTP_BAD_REQUEST);
            return HX_ERROR;
        }

        r->uri.len = (u - r->uri.data) + len;

        if (args) {
            r->args.len = args_len;
            r->args.data = args;
        }

    } else {
        r->uri.data = p->uri_start;
        r->uri.len = (p->args_start ? p->args_start - 1 : p->uri_end)
                     - p->uri_start;

        if (p->args_start && p->uri_end > p->args_start) {
            r->args.len = p->uri_end - p->args_start;
            r->args.data = p->args_start;
        }
    }

    r->unparsed_uri.len = p->uri_end - p->uri_start;
    r->unparsed_uri.data = p->uri_start;

    r->valid_unparsed_uri = p->empty_path_in_uri ? 0 : 1;

    if (p->uri_ext
        && p->uri_ext >= r->uri.data
        && p->uri_ext <= r->uri.data + r->uri.len)
    {
        r->exten.len = r->uri.data + r->uri.len - p->uri_ext;
        r->exten.data = p->uri_ext;
    }

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "http uri: \"%V\" args: \"%V\" exten: \"%V\"",
                 &r->uri, &r->args, &r->exten);

    return HX_OK;
}


static void
hx_http_process_request_headers(hx_event_t *rev)
{
    uint8_t                     *p;
    size_t                       len;
    ssize_t                      n;
    hx_int_t                     rc, rv;
    hx_connection_t             *c;
    hx_http_request_t           *r;
    hx_http_core_srv_conf_t     *cscf;
    hx_http_core_main_conf_t    *cmcf;

    c = rev->data;
    r = c->data;

    if (rev->timedout) {
        hx_log_error(HX_LOG_INFO, c->log, ETIMEDOUT, "client timed out");
        c->timedout = 1;
        hx_http_close_request(r, HX_HTTP_REQUEST_TIME_OUT);
        return;
    }

    cmcf = hx_http_get_module_main_conf(r, hx_http_core_module);

    rc = HX_AGAIN;

    for ( ;; ) {

        if (rc == HX_AGAIN) {

            if (r->header_in->pos == r->header_in->end) {

                rv = hx_http_alloc_large_header_buffer(r, 0);

                if (rv == HX_ERROR) {
                    hx_http_close_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
                    break;
                }

                if (rv == HX_DECLINED) {
                    p = r->parser.header_name_start;

                    r->lingering_close = 1;

                    if (p == NULL) {
                        hx_log_error(HX_LOG_INFO, c->log, 0,
                                     "client sent too large request");
                        hx_http_finalize_request(r,
                                      HX_HTTP_REQUEST_HEADER_TOO_LARGE);
                        break;
                    }

                    len = r->header_in->end - p;

                    if (len > HX_MAX_ERROR_STR - 300) {
                        len = HX_MAX_ERROR_STR - 300;
                    }

                    hx_log_error(HX_LOG_INFO, c->log, 0,
                                 "client sent too long header line: "
                                 "\"%*s...\"", len, p);

                    hx_http_finalize_request(r,
                                      HX_HTTP_REQUEST_HEADER_TOO_LARGE);
                    break;
                }
            }

            n = hx_http_read_request_header(r);

            if (n == HX_AGAIN || n == HX_ERROR) {
                break;
            }
        }

        /* the Host header may have changed the server */
        cscf = hx_http_get_module_srv_conf(r, hx_http_core_module);

        rc = hx_http_parse_header_line(&r->parser, r->header_in,
                                       cscf->underscores_in_headers);

        if (rc == HX_OK) {

            r->request_length += r->header_in->pos
                                 - r->parser.header_name_start;

            if (r->parser.invalid_header && cscf->ignore_invalid_headers) {
                hx_log_error(HX_LOG_INFO, c->log, 0,
                             "client sent invalid header line: \"%*s\"",
                             (size_t) (r->parser.header_end
                                       - r->parser.header_name_start),
                             r->parser.header_name_start);
                continue;
            }

            if (r->headers_in.count++ >= cscf->max_headers) {
                r->lingering_close = 1;
                hx_log_error(HX_LOG_INFO, c->log, 0,
                             "client sent too many header lines");
                hx_http_finalize_request(r,
                                         HX_HTTP_REQUEST_HEADER_TOO_LARGE);
                break;
            }

            if (hx_http_process_header(r, cmcf) != HX_OK) {
                break;
            }

            continue;
        }

        if (rc == HX_HTTP_PARSE_HEADER_DONE) {

            r->request_length += r->header_in->pos
                                 - r->parser.header_name_start;

            r->http_state = HX_HTTP_PROCESS_REQUEST_STATE;
            r->headers_done = 1;

            if (hx_http_process_request_header(r) != HX_OK) {
                break;
            }

            hx_http_process_request(r);

            break;
        }

        if (rc == HX_AGAIN) {
            continue;
        }

        /* HX_HTTP_PARSE_INVALID_HEADER */

        hx_log_error(HX_LOG_INFO, c->log, 0,
                     "client sent invalid header line: \"%*s\\x%02xD...\"",
                     (size_t) (r->parser.header_end
                               - r->parser.header_name_start),
                     r->parser.header_name_start,
                     (uint32_t) *r->parser.header_end);

        hx_http_finalize_request(r, HX_HTTP_BAD_REQUEST);
        break;
    }

    hx_http_run_posted_requests(c);
}


/* one parsed header line into the list, and through its handler */
static hx_int_t
hx_http_process_header(hx_http_request_t *r, hx_http_core_main_conf_t *cmcf)
{
    hx_table_elt_t     *h;
    hx_http_parser_t   *p;
    hx_http_header_t   *hh;

    p = &r->parser;

    h = hx_list_push(&r->headers_in.headers);
    if (h == NULL) {
        hx_http_close_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
        return HX_ERROR;
    }

    h->hash = p->header_hash;

    h->key.len = p->header_name_end - p->header_name_start;
    h->key.data = p->header_name_start;
    h->key.data[h->key.len] = '\0';

    h->value.len = p->header_end - p->header_start;
    h->value.data = p->header_start;
    h->value.data[h->value.len] = '\0';

    h->lowcase_key = hx_pnalloc(r->pool, h->key.len);
    if (h->lowcase_key == NULL) {
        hx_http_close_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
        return HX_ERROR;
    }

    if (h->key.len == p->lowcase_index) {
        hx_memcpy(h->lowcase_key, p->lowcase_header, h->key.len);

    } else {
        hx_strlow(h->lowcase_key, h->key.data, h->key.len);
    }

    h->next = NULL;

    hh = hx_hash_find(&cmcf->headers_in_hash, h->hash, h->lowcase_key,
                      h->key.len);

    if (hh && hh->handler(r, h, hh->offset) != HX_OK) {
        return HX_ERROR;
    }

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "http header: \"%V: %V\"", &h->key, &h->value);

    return HX_OK;
}


static ssize_t
hx_http_read_request_header(hx_http_request_t *r)
{
    ssize_t                     n;
    hx_event_t                 *rev;
    hx_connection_t            *c;
    hx_http_core_srv_conf_t    *cscf;

    c = r->connection;
    rev = c->read;

    n = r->header_in->last - r->header_in->pos;

    if (n > 0) {
        return n;
    }

    if (rev->ready) {
        n = c->recv(c, r->header_in->last,
                    r->header_in->end - r->header_in->last);
    } else {
        n = HX_AGAIN;
    }

    if (n == HX_AGAIN) {
        if (!rev->timer_set) {
            cscf = hx_http_get_module_srv_conf(r, hx_http_core_module);
            hx_add_timer(rev, cscf->client_header_timeout);
        }

        if (hx_handle_read_event(rev, 0) != HX_OK) {
            hx_http_close_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
            return HX_ERROR;
        }

        return HX_AGAIN;
    }

    if (n == 0) {
        hx_log_error(HX_LOG_INFO, c->log, 0,
                     "client prematurely closed connection");
    }

    if (n == 0 || n == HX_ERROR) {
        c->error = 1;
        c->log->action = "reading client request headers";

        hx_http_finalize_request(r, HX_HTTP_BAD_REQUEST);
        return HX_ERROR;
    }

    r->header_in->last += n;

    return n;
}


/* moves a parser pointer from the old buffer to the new one */
#define hx_http_move_ptr(p, old, new)                                         \
    if (p) {                                                                  \
        p = new + (p - old);                                                  \
    }


static hx_int_t
hx_http_alloc_large_header_buffer(hx_http_request_t *r,
    hx_uint_t request_line)
{
    uint8_t                    *old, *new;
    hx_buf_t                   *b;
    hx_chain_t                 *cl;
    hx_http_parser_t           *p;
    hx_http_connection_t       *hc;
    hx_http_core_srv_conf_t    *cscf;

    p = &r->parser;

    if (request_line && p->state == 0) {

        /* the client fills the buffer with empty lines */

        r->header_in->pos = r->header_in->start;
        r->header_in->last = r->header_in->start;

        return HX_OK;
    }

    old = request_line ? p->request_start : p->header_name_start;

    cscf = hx_http_get_module_srv_conf(r, hx_http_core_module);

    if (p->state != 0
        && (size_t) (r->header_in->pos - old)
           >= cscf->large_client_header_buffers.size)
    {
        return HX_DECLINED;
    }

    hc = r->http_connection;

    if (hc->free) {
        cl = hc->free;
        hc->free = cl->next;

        b = cl->buf;

    } else if (hc->nbusy < cscf->large_client_header_buffers.num) {

        b = hx_create_temp_buf(r->connection->pool,
                               cscf->large_client_header_buffers.size);
        if (b == NULL) {
            return HX_ERROR;
        }

        cl = hx_alloc_chain_link(r->connection->pool);
        if (cl == NULL) {
            return HX_ERROR;
        }

        cl->buf = b;

    } else {
        return HX_DECLINED;
    }

    cl->next = hc->busy;
    hc->busy = cl;
    hc->nbusy++;

    if (p->state == 0) {

        /* between lines: nothing to copy */

        r->header_in = b;

        return HX_OK;
    }

    if (r->header_in->pos - old > b->end - b->start) {
        hx_log_error(HX_LOG_ALERT, r->connection->log, 0,
                     "too large header to copy");
        return HX_ERROR;
    }

    new = b->start;

    hx_memcpy(new, old, r->header_in->pos - old);

    b->pos = new + (r->header_in->pos - old);
    b->last = new + (r->header_in->pos - old);

    if (request_line) {
        hx_http_move_ptr(p->request_start, old, new);
        hx_http_move_ptr(p->request_end, old, new);
        hx_http_move_ptr(p->method_end, old, new);
        hx_http_move_ptr(p->uri_start, old, new);
        hx_http_move_ptr(p->uri_end, old, new);
        hx_http_move_ptr(p->schema_start, old, new);
        hx_http_move_ptr(p->schema_end, old, new);
        hx_http_move_ptr(p->host_start, old, new);
        hx_http_move_ptr(p->host_end, old, new);
        hx_http_move_ptr(p->port_start, old, new);
        hx_http_move_ptr(p->port_end, old, new);
        hx_http_move_ptr(p->uri_ext, old, new);
        hx_http_move_ptr(p->args_start, old, new);
        hx_http_move_ptr(p->http_protocol_start, old, new);

    } else {
        hx_http_move_ptr(p->header_name_start, old, new);
        hx_http_move_ptr(p->header_name_end, old, new);
        hx_http_move_ptr(p->header_start, old, new);
        hx_http_move_ptr(p->header_end, old, new);
    }

    r->header_in = b;

    return HX_OK;
}


static hx_int_t
hx_http_process_header_line(hx_http_request_t *r, void *h, hx_uint_t offset)
{
    hx_table_elt_t  **ph;

    ph = (hx_table_elt_t **) ((char *) &r->headers_in + offset);

    while (*ph) {
        ph = &(*ph)->next;
    }

    *ph = h;
    ((hx_table_elt_t *) h)->next = NULL;

    return HX_OK;
}


static hx_int_t
hx_http_process_unique_header_line(hx_http_request_t *r, void *h,
    hx_uint_t offset)
{
    hx_table_elt_t  **ph, *th;

    th = h;

    ph = (hx_table_elt_t **) ((char *) &r->headers_in + offset);

    if (*ph == NULL) {
        *ph = th;
        th->next = NULL;
        return HX_OK;
    }

    hx_log_error(HX_LOG_INFO, r->connection->log, 0,
                 "client sent duplicate header line: \"%V: %V\", "
                 "previous value: \"%V: %V\"",
                 &th->key, &th->value, &(*ph)->key, &(*ph)->value);

    hx_http_finalize_request(r, HX_HTTP_BAD_REQUEST);

    return HX_ERROR;
}


static hx_int_t
hx_http_process_host(hx_http_request_t *r, void *h, hx_uint_t offset)
{
    hx_int_t         rc;
    hx_str_t         host;
    in_port_t        port;
    hx_table_elt_t  *th;

    (void) offset;

    th = h;

    if (r->headers_in.host) {
        hx_log_error(HX_LOG_INFO, r->connection->log, 0,
                     "client sent duplicate host header: \"%V: %V\", "
                     "previous value: \"%V: %V\"",
                     &th->key, &th->value, &r->headers_in.host->key,
                     &r->headers_in.host->value);
        hx_http_finalize_request(r, HX_HTTP_BAD_REQUEST);
        return HX_ERROR;
    }

    r->headers_in.host = th;
    th->next = NULL;

    host = th->value;

    rc = hx_http_validate_host(&host, &port, r->pool, 0);

    if (rc == HX_DECLINED) {
        hx_log_error(HX_LOG_INFO, r->connection->log, 0,
                     "client sent invalid host header");
        hx_http_finalize_request(r, HX_HTTP_BAD_REQUEST);
        return HX_ERROR;
    }

    if (rc == HX_ERROR) {
        hx_http_close_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
        return HX_ERROR;
    }

    if (r->headers_in.server.len) {

        /* the absolute URI named the host already */

        return HX_OK;
    }

    if (hx_http_set_virtual_server(r, &host) == HX_ERROR) {
        return HX_ERROR;
    }

    r->headers_in.server = host;
    r->port = port;

    return HX_OK;
}


static hx_int_t
hx_http_process_connection(hx_http_request_t *r, void *h, hx_uint_t offset)
{
    hx_table_elt_t  *th;

    th = h;

    if (hx_http_process_header_line(r, h, offset) != HX_OK) {
        return HX_ERROR;
    }

    if (hx_strcasestrn(th->value.data, "close", 5 - 1)) {
        r->headers_in.connection_type = HX_HTTP_CONNECTION_CLOSE;

    } else if (hx_strcasestrn(th->value.data, "keep-alive", 10 - 1)) {
        r->headers_in.connection_type = HX_HTTP_CONNECTION_KEEP_ALIVE;
    }

    return HX_OK;
}


static hx_int_t
hx_http_process_proxy_connection(hx_http_request_t *r, void *h,
    hx_uint_t offset)
{
    (void) r;
    (void) h;
    (void) offset;

    /* meaningful for HTTP/2 only, where it is an error */

    return HX_OK;
}


static hx_int_t
hx_http_process_user_agent(hx_http_request_t *r, void *h, hx_uint_t offset)
{
    uint8_t         *user_agent, *msie;
    hx_table_elt_t  *th;

    th = h;

    if (hx_http_process_header_line(r, h, offset) != HX_OK) {
        return HX_ERROR;
    }

    user_agent = th->value.data;

    msie = hx_strstrn(user_agent, "MSIE ", 5 - 1);

    if (msie && msie + 7 < user_agent + th->value.len) {

        r->headers_in.msie = 1;

        if (msie[6] == '.') {

            switch (msie[5]) {
            case '4':
            case '5':
                r->headers_in.msie6 = 1;
                break;
            case '6':
                if (hx_strstrn(msie + 8, "SV1", 3 - 1) == NULL) {
                    r->headers_in.msie6 = 1;
                }
                break;
            }
        }
    }

    if (hx_strstrn(user_agent, "Opera", 5 - 1)) {
        r->headers_in.opera = 1;
        r->headers_in.msie = 0;
        r->headers_in.msie6 = 0;
    }

    if (!r->headers_in.msie && !r->headers_in.opera) {

        if (hx_strstrn(user_agent, "Gecko/", 6 - 1)) {
            r->headers_in.gecko = 1;

        } else if (hx_strstrn(user_agent, "Chrome/", 7 - 1)) {
            r->headers_in.chrome = 1;

        } else if (hx_strstrn(user_agent, "Safari/", 7 - 1)
                   && hx_strstrn(user_agent, "Mac OS X", 8 - 1))
        {
            r->headers_in.safari = 1;

        } else if (hx_strstrn(user_agent, "Konqueror", 9 - 1)) {
            r->headers_in.konqueror = 1;
        }
    }

    return HX_OK;
}


/*
 * The header as a whole: Host required for HTTP/1.1, Content-Length and
 * Transfer-Encoding checked and never accepted together (no request
 * smuggling), TRACE refused.
 */
hx_int_t
hx_http_process_request_header(hx_http_request_t *r)
{
    hx_log_t  *log;

    log = r->connection->log;

    if (r->headers_in.server.len == 0
        && hx_http_set_virtual_server(r, &r->headers_in.server) == HX_ERROR)
    {
        return HX_ERROR;
    }

    if (r->headers_in.host == NULL && r->http_version > HX_HTTP_VERSION_10) {
        hx_log_error(HX_LOG_INFO, log, 0,
                     "client sent HTTP/1.1 request without \"Host\" header");
        hx_http_finalize_request(r, HX_HTTP_BAD_REQUEST);
        return HX_ERROR;
    }

    if (r->headers_in.content_length) {
        r->headers_in.content_length_n =
                          hx_atoof(r->headers_in.content_length->value.data,
                                   r->headers_in.content_length->value.len);

        if (r->headers_in.content_length_n == HX_ERROR) {
            hx_log_error(HX_LOG_INFO, log, 0,
                         "client sent invalid \"Content-Length\" header");
            hx_http_finalize_request(r, HX_HTTP_BAD_REQUEST);
            return HX_ERROR;
        }
    }

    if (r->headers_in.transfer_encoding) {

        if (r->http_version < HX_HTTP_VERSION_11) {
            hx_log_error(HX_LOG_INFO, log, 0,
                         "client sent HTTP/1.0 request with "
                         "\"Transfer-Encoding\" header");
            hx_http_finalize_request(r, HX_HTTP_BAD_REQUEST);
            return HX_ERROR;
        }

        if (r->headers_in.transfer_encoding->value.len == 7
            && hx_strncasecmp(r->headers_in.transfer_encoding->value.data,
                              (uint8_t *) "chunked", 7) == 0)
        {
            if (r->headers_in.content_length) {
                hx_log_error(HX_LOG_INFO, log, 0,
                             "client sent \"Content-Length\" and "
                             "\"Transfer-Encoding\" headers "
                             "at the same time");
                hx_http_finalize_request(r, HX_HTTP_BAD_REQUEST);
                return HX_ERROR;
            }

            r->headers_in.chunked = 1;

        } else {
            hx_log_error(HX_LOG_INFO, log, 0,
                         "client sent unknown \"Transfer-Encoding\": \"%V\"",
                         &r->headers_in.transfer_encoding->value);
            hx_http_finalize_request(r, HX_HTTP_NOT_IMPLEMENTED);
            return HX_ERROR;
        }
    }

    if (r->headers_in.connection_type == HX_HTTP_CONNECTION_KEEP_ALIVE
        && r->headers_in.keep_alive)
    {
        r->headers_in.keep_alive_n =
                           hx_atotm(r->headers_in.keep_alive->value.data,
                                    r->headers_in.keep_alive->value.len);
    }

    if (r->method == HX_HTTP_CONNECT) {
        hx_log_error(HX_LOG_INFO, log, 0, "client sent CONNECT method");
        hx_http_finalize_request(r, HX_HTTP_NOT_ALLOWED);
        return HX_ERROR;
    }

    if (r->method == HX_HTTP_TRACE) {
        hx_log_error(HX_LOG_INFO, log, 0, "client sent TRACE method");
        hx_http_finalize_request(r, HX_HTTP_NOT_ALLOWED);
        return HX_ERROR;
    }

    return HX_OK;
}


void
hx_http_process_request(hx_http_request_t *r)
{
    hx_connection_t  *c;

    c = r->connection;

    if (r->http_connection->ssl && c->ssl == NULL) {
        hx_log_error(HX_LOG_INFO, c->log, 0,
                     "client sent plain HTTP request to HTTPS port");
        hx_http_finalize_request(r, HX_HTTP_TO_HTTPS);
        return;
    }

    if (c->read->timer_set) {
        hx_del_timer(c->read);
    }

    c->log->action = "processing client request";

    if (r->stat_reading) {
        r->stat_reading = 0;
        hx_http_stat_add(reading, -1);
    }

    r->stat_writing = 1;
    hx_http_stat_add(writing, 1);

    r->http_state = HX_HTTP_PROCESS_REQUEST_STATE;

    c->read->handler = hx_http_request_handler;
    c->write->handler = hx_http_request_handler;
    r->read_event_handler = hx_http_block_reading;

    hx_http_handler(r);
}


hx_int_t
hx_http_validate_host(hx_str_t *host, in_port_t *portp, hx_pool_t *pool,
    hx_uint_t alloc)
{
    uint8_t    *h, ch;
    size_t      i, dot_pos, host_len;
    hx_int_t    port;

    enum {
        sw_host_start = 0,
        sw_host,
        sw_host_ip_literal,
        sw_host_end,
        sw_port
    } state;

    dot_pos = host->len;
    host_len = host->len;
    port = 0;

    h = host->data;

    state = sw_host_start;

    for (i = 0; i < host->len; i++) {
        ch = h[i];

        switch (state) {

        case sw_host_start:

            if (ch == '[') {
                state = sw_host_ip_literal;
                break;
            }

            state = sw_host;

            /* fall through */

        case sw_host:
        case sw_host_ip_literal:

            if (ch >= 'A' && ch <= 'Z') {
                alloc = 1;
                break;
            }

            if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
                break;
            }

            switch (ch) {

            case ':':
                if (state == sw_host) {
                    host_len = i;
                    state = sw_port;
                }
                break;

            case ']':
                if (state != sw_host_ip_literal) {
                    return HX_DECLINED;
                }

                host_len = i + 1;
                state = sw_host_end;
                break;

            case '.':
                if (dot_pos == i - 1) {
                    return HX_DECLINED;
                }
                dot_pos = i;
                break;

            case '%':
                /* pct-encoded, in names only */
                if (state != sw_host) {
                    return HX_DECLINED;
                }
                break;

            case '-':
            case '_':
            case '~':
            case '!':
            case '$':
            case '&':
            case '\'':
            case '(':
            case ')':
            case '*':
            case '+':
            case ',':
            case ';':
            case '=':
                /* unreserved and sub-delims (RFC 3986 3.2.2) */
                break;

            default:
                return HX_DECLINED;
            }

            break;

        case sw_host_end:

            if (ch == ':') {
                state = sw_port;
                break;
            }

            return HX_DECLINED;

        case sw_port:

            if (ch >= '0' && ch <= '9') {
                if (port >= 6553 && (port > 6553 || (ch - '0') > 5)) {
                    return HX_DECLINED;
                }

                port = port * 10 + (ch - '0');
                break;
            }

            return HX_DECLINED;
        }
    }

    if (state == sw_host_ip_literal) {
        return HX_DECLINED;
    }

    if (dot_pos == host_len - 1) {
        host_len--;
    }

    if (host_len == 0) {
        return HX_DECLINED;
    }

    if (alloc) {
        host->data = hx_pnalloc(pool, host_len);
        if (host->data == NULL) {
            return HX_ERROR;
        }

        hx_strlow(host->data, h, host_len);
    }

    host->len = host_len;

    if (portp) {
        *portp = (in_port_t) port;
    }

    return HX_OK;
}


hx_int_t
hx_http_set_virtual_server(hx_http_request_t *r, hx_str_t *host)
{
    hx_int_t                    rc;
    hx_http_connection_t       *hc;
    hx_http_core_loc_conf_t    *clcf;
    hx_http_core_srv_conf_t    *cscf;

    hc = r->http_connection;

    rc = hx_http_find_virtual_server(r->connection,
                                     hc->addr_conf->virtual_names,
                                     host, r, &cscf);

    if (rc == HX_ERROR) {
        hx_http_close_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
        return HX_ERROR;
    }

    if (rc == HX_DECLINED) {
        return HX_OK;
    }

    r->srv_conf = cscf->ctx->srv_conf;
    r->loc_conf = cscf->ctx->loc_conf;

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    hx_set_connection_log(r->connection, clcf->error_log);

    return HX_OK;
}


void
hx_http_request_handler(hx_event_t *ev)
{
    hx_connection_t    *c;
    hx_http_request_t  *r;
    hx_http_log_ctx_t  *ctx;

    c = ev->data;
    r = c->data;

    ctx = c->log->data;
    ctx->current_request = r;

    if (c->close) {
        r->main->count++;
        hx_http_terminate_request(r, 0);
        hx_http_run_posted_requests(c);
        return;
    }

    if (ev->delayed && ev->timedout) {
        ev->delayed = 0;
        ev->timedout = 0;
    }

    if (ev->write) {
        r->write_event_handler(r);

    } else {
        r->read_event_handler(r);
    }

    hx_http_run_posted_requests(c);
}


void
hx_http_run_posted_requests(hx_connection_t *c)
{
    hx_http_request_t           *r;
    hx_http_log_ctx_t           *ctx;
    hx_http_posted_request_t    *pr;

    for ( ;; ) {

        if (c->destroyed) {
            return;
        }

        r = c->data;
        pr = r->main->posted_requests;

        if (pr == NULL) {
            return;
        }

        r->main->posted_requests = pr->next;

        r = pr->request;

        ctx = c->log->data;
        ctx->current_request = r;

        r->write_event_handler(r);
    }
}


hx_int_t
hx_http_post_request(hx_http_request_t *r, hx_http_posted_request_t *pr)
{
    hx_http_posted_request_t  **p;

    for (p = &r->main->posted_requests; *p; p = &(*p)->next) {
        if ((*p)->request == r) {
            return HX_OK;
        }
    }

    if (pr == NULL) {
        pr = hx_palloc(r->pool, sizeof(hx_http_posted_request_t));
        if (pr == NULL) {
            return HX_ERROR;
        }
    }

    pr->request = r;
    pr->next = NULL;

    *p = pr;

    return HX_OK;
}


hx_http_cleanup_t *
hx_http_cleanup_add(hx_http_request_t *r, size_t size)
{
    hx_http_cleanup_t  *cln;

    r = r->main;

    cln = hx_palloc(r->pool, sizeof(hx_http_cleanup_t));
    if (cln == NULL) {
        return NULL;
    }

    if (size) {
        cln->data = hx_palloc(r->pool, size);
        if (cln->data == NULL) {
            return NULL;
        }

    } else {
        cln->data = NULL;
    }

    cln->handler = NULL;
    cln->next = r->cleanup;

    r->cleanup = cln;

    return cln;
}


void
hx_http_empty_handler(hx_event_t *wev)
{
    (void) wev;
}


void
hx_http_request_empty_handler(hx_http_request_t *r)
{
    (void) r;
}


void
hx_http_block_reading(hx_http_request_t *r)
{
    /* edge-triggered epoll: nothing to disarm */

    (void) r;
}


/*
 * While the response is written, notices a client that went away: with
 * EPOLLRDHUP the kernel says so; otherwise a peek tells.
 */
void
hx_http_test_reading(hx_http_request_t *r)
{
    int                n;
    char               buf[1];
    hx_err_t           err;
    socklen_t          len;
    hx_event_t        *rev;
    hx_connection_t   *c;

    c = r->connection;
    rev = c->read;

    if (hx_use_epoll_rdhup) {

        if (!rev->pending_eof) {
            return;
        }

        rev->eof = 1;
        c->error = 1;

        err = 0;
        len = sizeof(hx_err_t);

        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len)
            == -1)
        {
            err = errno;
        }

        goto closed;
    }

    n = recv(c->fd, buf, 1, MSG_PEEK);

    if (n == 0) {
        rev->eof = 1;
        c->error = 1;
        err = 0;

        goto closed;

    } else if (n == -1) {
        err = errno;

        if (err != EAGAIN) {
            rev->eof = 1;
            c->error = 1;

            goto closed;
        }
    }

    return;

closed:

    if (err) {
        rev->error = 1;
    }

    hx_log_error(HX_LOG_INFO, c->log, err,
                 "client prematurely closed connection");

    hx_http_finalize_request(r, HX_HTTP_CLIENT_CLOSED_REQUEST);
}


hx_table_elt_t *
hx_http_add_response_header(hx_http_request_t *r, hx_str_t *key,
    hx_str_t *value)
{
    hx_table_elt_t  *h;

    h = hx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NULL;
    }

    h->hash = 1;
    h->key = *key;
    h->value = *value;
    h->lowcase_key = NULL;
    h->next = NULL;

    return h;
}


hx_table_elt_t *
hx_http_find_request_header(hx_http_request_t *r, uint8_t *lowcase_name,
    size_t len)
{
    hx_list_iter_t   it;
    hx_table_elt_t  *h;

    hx_list_iter_init(&it, &r->headers_in.headers);

    while ((h = hx_list_iter_next(&it)) != NULL) {
        if (h->hash && h->key.len == len
            && hx_strncasecmp(h->key.data, lowcase_name, len) == 0)
        {
            return h;
        }
    }

    return NULL;
}


uint8_t *
hx_http_log_error_handler(hx_log_t *log, uint8_t *buf, size_t len)
{
    uint8_t             *p;
    hx_http_request_t   *r;
    hx_http_log_ctx_t   *ctx;

    if (log->action) {
        p = hx_snprintf(buf, len, " while %s", log->action);
        len -= p - buf;
        buf = p;
    }

    ctx = log->data;

    p = hx_snprintf(buf, len, ", client: %V", &ctx->connection->addr_text);
    len -= p - buf;

    r = ctx->request;

    if (r) {
        return r->log_handler(r, ctx->current_request, p, len);
    }

    return hx_snprintf(p, len, ", server: %V",
                       &ctx->connection->listening->addr_text);
}


uint8_t *
hx_http_log_request_context(hx_http_request_t *r, hx_http_request_t *sr,
    uint8_t *buf, size_t len)
{
    uint8_t                    *p;
    hx_http_core_srv_conf_t    *cscf;

    cscf = hx_http_get_module_srv_conf(r, hx_http_core_module);

    p = hx_snprintf(buf, len, ", server: %V", &cscf->server_name);
    len -= p - buf;
    buf = p;

    if (r->request_line.data == NULL && r->parser.request_start) {
        for (p = r->parser.request_start; p < r->header_in->last; p++) {
            if (*p == CR || *p == LF) {
                break;
            }
        }

        r->request_line.len = p - r->parser.request_start;
        r->request_line.data = r->parser.request_start;
    }

    if (r->request_line.len) {
        p = hx_snprintf(buf, len, ", request: \"%V\"", &r->request_line);
        len -= p - buf;
        buf = p;
    }

    if (sr && r != sr) {
        p = hx_snprintf(buf, len, ", subrequest: \"%V\"", &sr->uri);
        len -= p - buf;
        buf = p;
    }

    if (r->headers_in.host) {
        p = hx_snprintf(buf, len, ", host: \"%V\"",
                        &r->headers_in.host->value);
        len -= p - buf;
        buf = p;
    }

    if (r->headers_in.referer) {
        p = hx_snprintf(buf, len, ", referrer: \"%V\"",
                        &r->headers_in.referer->value);
        buf = p;
    }

    return buf;
}

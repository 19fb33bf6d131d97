/*
 * Subrequests and the order of their output.  A subrequest runs through
 * the phases like any request but writes into the same connection as its
 * parent; only the request that is c->data at the moment may write.
 * Output produced out of turn waits in r->postponed, interleaved with the
 * subrequests in the order they were created, and is released when its
 * turn comes.  A subrequest "in memory" instead collects its body into
 * one buffer (subrequest_output_buffer_size) for its parent to read.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


static hx_int_t hx_http_postpone_filter_add(hx_http_request_t *r,
    hx_chain_t *in);
static hx_int_t hx_http_postpone_filter_in_memory(hx_http_request_t *r,
    hx_chain_t *in);
static hx_int_t hx_http_postpone_filter_init(hx_conf_t *cf);


static hx_http_module_t  hx_http_postpone_filter_module_ctx = {
    NULL,                                  /* preconfiguration */
    hx_http_postpone_filter_init,          /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


hx_module_t  hx_http_postpone_filter_module = {
    HX_MODULE_V1,
    "hx_http_postpone_filter_module",
    &hx_http_postpone_filter_module_ctx,
    NULL,
    HX_HTTP_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


static hx_http_output_body_filter_pt    hx_http_next_body_filter;


static hx_int_t
hx_http_postpone_filter(hx_http_request_t *r, hx_chain_t *in)
{
    hx_connection_t               *c;
    hx_http_postponed_request_t   *pr;

    c = r->connection;

    if (r->subrequest_in_memory) {
        return hx_http_postpone_filter_in_memory(r, in);
    }

    if (r != c->data) {

        /* not this request's turn: keep the output */

        if (in && hx_http_postpone_filter_add(r, in) != HX_OK) {
            return HX_ERROR;
        }

        return HX_OK;
    }

    if (r->postponed == NULL) {

        if (in || c->buffered) {
            return hx_http_next_body_filter(r->main, in);
        }

        return HX_OK;
    }

    if (in && hx_http_postpone_filter_add(r, in) != HX_OK) {
        return HX_ERROR;
    }

    do {
        pr = r->postponed;

        if (pr->request) {

            /* a subrequest's turn: it writes next */

            r->postponed = pr->next;

            c->data = pr->request;

            return hx_http_post_request(pr->request, NULL);
        }

        if (pr->out == NULL) {
            hx_log_error(HX_LOG_ALERT, c->log, 0,
                         "http postpone filter NULL output");

        } else if (hx_http_next_body_filter(r->main, pr->out) == HX_ERROR) {
            return HX_ERROR;
        }

        r->postponed = pr->next;

    } while (r->postponed);

    return HX_OK;
}


static hx_int_t
hx_http_postpone_filter_add(hx_http_request_t *r, hx_chain_t *in)
{
    hx_http_postponed_request_t   *pr, **ppr;

    if (r->postponed) {
        for (pr = r->postponed; pr->next; pr = pr->next) { /* void */ }

        if (pr->request == NULL) {
            goto found;
        }

        ppr = &pr->next;

    } else {
        ppr = &r->postponed;
    }

    pr = hx_palloc(r->pool, sizeof(hx_http_postponed_request_t));
    if (pr == NULL) {
        return HX_ERROR;
    }

    *ppr = pr;

    pr->request = NULL;
    pr->out = NULL;
    pr->next = NULL;

found:

    return hx_chain_add_copy(r->pool, &pr->out, in);
}


static hx_int_t
hx_http_postpone_filter_in_memory(hx_http_request_t *r, hx_chain_t *in)
{
    size_t                      len;
    hx_buf_t                   *b;
    hx_connection_t            *c;
    hx_http_core_loc_conf_t    *clcf;

    c = r->connection;

    if (r->out == NULL) {
        clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

        if (r->headers_out.content_length_n != -1) {
            len = r->headers_out.content_length_n;

            if (len > clcf->subrequest_output_buffer_size) {
                hx_log_error(HX_LOG_ERR, c->log, 0,
                             "too big subrequest response: %uz", len);
                return HX_ERROR;
            }

        } else {
            len = clcf->subrequest_output_buffer_size;
        }

        b = hx_create_temp_buf(r->pool, len);
        if (b == NULL) {
            return HX_ERROR;
        }

        b->last_buf = 1;

        r->out = hx_alloc_chain_link(r->pool);
        if (r->out == NULL) {
            return HX_ERROR;
        }

        r->out->buf = b;
        r->out->next = NULL;
    }

    b = r->out->buf;

    for ( /* void */ ; in; in = in->next) {

        if (hx_buf_special(in->buf)) {
            continue;
        }

        len = in->buf->last - in->buf->pos;

        if (len > (size_t) (b->end - b->last)) {
            hx_log_error(HX_LOG_ERR, c->log, 0,
                         "too big subrequest response");
            return HX_ERROR;
        }

        b->last = hx_cpymem(b->last, in->buf->pos, len);
        in->buf->pos = in->buf->last;
    }

    return HX_OK;
}


/*
 * Creates a subrequest of r for uri and args and posts it to run.  The
 * subrequest shares r's pool, header and variables; its output follows
 * r's output so far (see above), or goes into memory with
 * HX_HTTP_SUBREQUEST_IN_MEMORY.  ps, if given, is called when the
 * subrequest finishes.  HX_OK (with *psr set) or HX_ERROR.
 */
hx_int_t
hx_http_subrequest(hx_http_request_t *r, hx_str_t *uri, hx_str_t *args,
    hx_http_request_t **psr, hx_http_post_subrequest_t *ps,
    hx_uint_t flags)
{
    hx_time_t                     *tp;
    hx_connection_t               *c;
    hx_http_request_t             *sr;
    hx_http_core_srv_conf_t       *cscf;
    hx_http_posted_request_t      *posted;
    hx_http_postponed_request_t   *pr, *p;

    if (r->subrequests == 0) {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "subrequests cycle while processing \"%V\"", uri);
        return HX_ERROR;
    }

    /* the reference counter is 16 bits; keep room for other references */

    if (r->main->count >= 65535 - 1000) {
        hx_log_error(HX_LOG_CRIT, r->connection->log, 0,
                     "request reference counter overflow "
                     "while processing \"%V\"", uri);
        return HX_ERROR;
    }

    if (r->subrequest_in_memory) {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "nested in-memory subrequest \"%V\"", uri);
        return HX_ERROR;
    }

    sr = hx_pcalloc(r->pool, sizeof(hx_http_request_t));
    if (sr == NULL) {
        return HX_ERROR;
    }

    sr->signature = HX_HTTP_REQUEST_SIGNATURE;

    c = r->connection;
    sr->connection = c;

    sr->ctx = hx_pcalloc(r->pool, sizeof(void *) * hx_http_max_module);
    if (sr->ctx == NULL) {
        return HX_ERROR;
    }

    if (hx_list_init(&sr->headers_out.headers, r->pool, 20,
                     sizeof(hx_table_elt_t))
        != HX_OK
        || hx_list_init(&sr->headers_out.trailers, r->pool, 4,
                        sizeof(hx_table_elt_t))
           != HX_OK)
    {
        return HX_ERROR;
    }

    posted = hx_palloc(r->pool, sizeof(hx_http_posted_request_t));
    if (posted == NULL) {
        return HX_ERROR;
    }

    cscf = hx_http_get_module_srv_conf(r, hx_http_core_module);
    sr->main_conf = cscf->ctx->main_conf;
    sr->srv_conf = cscf->ctx->srv_conf;
    sr->loc_conf = cscf->ctx->loc_conf;

    sr->pool = r->pool;

    sr->headers_in = r->headers_in;

    hx_http_clear_content_length(sr);
    hx_http_clear_accept_ranges(sr);
    hx_http_clear_last_modified(sr);

    sr->request_body = r->request_body;

    sr->method = HX_HTTP_GET;
    sr->http_version = r->http_version;
    sr->port = r->port;

    sr->request_line = r->request_line;
    sr->uri = *uri;

    if (args) {
        sr->args = *args;
    }

    sr->subrequest_in_memory = (flags & HX_HTTP_SUBREQUEST_IN_MEMORY) != 0;
    sr->waited = (flags & HX_HTTP_SUBREQUEST_WAITED) != 0;
    sr->background = (flags & HX_HTTP_SUBREQUEST_BACKGROUND) != 0;

    sr->unparsed_uri = r->unparsed_uri;
    sr->method_name = hx_http_core_get_method;
    sr->http_protocol = r->http_protocol;
    sr->schema = r->schema;

    hx_http_set_exten(sr);

    sr->main = r->main;
    sr->parent = r;
    sr->post_subrequest = ps;
    sr->read_event_handler = hx_http_request_empty_handler;
    sr->write_event_handler = hx_http_handler;

    sr->variables = r->variables;

    sr->log_handler = r->log_handler;

    if (sr->subrequest_in_memory) {
        sr->filter_need_in_memory = 1;
    }

    if (!sr->background) {
        pr = hx_palloc(r->pool, sizeof(hx_http_postponed_request_t));
        if (pr == NULL) {
            return HX_ERROR;
        }

        pr->request = sr;
        pr->out = NULL;
        pr->next = NULL;

        if (c->data == r && r->postponed == NULL) {
            c->data = sr;
        }

        if (r->postponed) {
            for (p = r->postponed; p->next; p = p->next) { /* void */ }
            p->next = pr;

        } else {
            r->postponed = pr;
        }
    }

    sr->internal = 1;

    sr->discard_body = r->discard_body;
    sr->expect_tested = 1;
    sr->main_filter_need_in_memory = r->main_filter_need_in_memory;

    sr->uri_changes = HX_HTTP_MAX_URI_CHANGES + 1;
    sr->subrequests = r->subrequests - 1;

    tp = hx_timeofday();
    sr->start_sec = tp->sec;
    sr->start_msec = tp->msec;

    r->main->count++;

    *psr = sr;

    if (flags & HX_HTTP_SUBREQUEST_CLONE) {
        sr->method = r->method;
        sr->method_name = r->method_name;
        sr->loc_conf = r->loc_conf;
        sr->valid_location = r->valid_location;
        sr->valid_unparsed_uri = r->valid_unparsed_uri;
        sr->content_handler = r->content_handler;
        sr->phase_handler = r->phase_handler;
        sr->write_event_handler = hx_http_core_run_phases;

        sr->ncaptures = r->ncaptures;
        sr->captures = r->captures;
        sr->captures_data = r->captures_data;
        sr->realloc_captures = 1;
        r->realloc_captures = 1;

        hx_http_update_location_config(sr);
    }

    return hx_http_post_request(sr, posted);
}


static hx_int_t
hx_http_postpone_filter_init(hx_conf_t *cf)
{
    (void) cf;

    hx_http_next_body_filter = hx_http_top_body_filter;
    hx_http_top_body_filter = hx_http_postpone_filter;

    return HX_OK;
}

/*
 * The phase engine: running a request through the flattened array of
 * phase handlers (built in hx_http.c), the checkers that give each phase
 * its meaning of HX_OK / HX_DECLINED / HX_AGAIN / a status, choosing the
 * location, and restarting the request elsewhere (internal redirects,
 * named locations).
 *
 * A checker returns HX_AGAIN to go on to r->phase_handler, or HX_OK when
 * the request has been handed elsewhere (finalized, waiting for an event,
 * redirected), which stops the loop.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


static hx_int_t hx_http_core_auth_delay(hx_http_request_t *r);
static void hx_http_core_auth_delay_handler(hx_http_request_t *r);


/* starts the phases for a new request or after an internal redirect */
void
hx_http_handler(hx_http_request_t *r)
{
    hx_http_core_main_conf_t  *cmcf;

    r->connection->log->action = NULL;

    if (!r->internal) {

        switch (r->headers_in.connection_type) {
        case 0:
            r->keepalive = (r->http_version > HX_HTTP_VERSION_10);
            break;

        case HX_HTTP_CONNECTION_CLOSE:
            r->keepalive = 0;
            break;

        case HX_HTTP_CONNECTION_KEEP_ALIVE:
            r->keepalive = 1;
            break;
        }

        r->lingering_close = (r->headers_in.content_length_n > 0
                              || r->headers_in.chunked);
        r->phase_handler = 0;

    } else {
        cmcf = hx_http_get_module_main_conf(r, hx_http_core_module);
        r->phase_handler = cmcf->phase_engine.server_rewrite_index;
    }

    r->valid_location = 1;
    r->gzip_tested = 0;
    r->gzip_ok = 0;
    r->gzip_vary = 0;

    r->write_event_handler = hx_http_core_run_phases;
    hx_http_core_run_phases(r);
}


void
hx_http_core_run_phases(hx_http_request_t *r)
{
    hx_int_t                     rc;
    hx_http_phase_handler_t     *ph;
    hx_http_core_main_conf_t    *cmcf;

    cmcf = hx_http_get_module_main_conf(r, hx_http_core_module);

    ph = cmcf->phase_engine.handlers;

    while (ph[r->phase_handler].checker) {

        rc = ph[r->phase_handler].checker(r, &ph[r->phase_handler]);

        if (rc == HX_OK) {
            return;
        }
    }
}


/* post read, preaccess, precontent, log */
hx_int_t
hx_http_core_generic_phase(hx_http_request_t *r, hx_http_phase_handler_t *ph)
{
    hx_int_t  rc;

    rc = ph->handler(r);

    if (rc == HX_OK) {
        r->phase_handler = ph->next;
        return HX_AGAIN;
    }

    if (rc == HX_DECLINED) {
        r->phase_handler++;
        return HX_AGAIN;
    }

    if (rc == HX_AGAIN || rc == HX_DONE) {
        return HX_OK;
    }

    /* HX_ERROR or an HTTP status */

    hx_http_finalize_request(r, rc);

    return HX_OK;
}


hx_int_t
hx_http_core_rewrite_phase(hx_http_request_t *r, hx_http_phase_handler_t *ph)
{
    hx_int_t  rc;

    rc = ph->handler(r);

    if (rc == HX_DECLINED) {
        r->phase_handler++;
        return HX_AGAIN;
    }

    if (rc == HX_DONE) {
        return HX_OK;
    }

    /* HX_OK, HX_AGAIN, HX_ERROR or an HTTP status */

    hx_http_finalize_request(r, rc);

    return HX_OK;
}


/* a directory redirect: Location is the location's name plus the args */
static hx_int_t
hx_http_core_location_redirect(hx_http_request_t *r,
    hx_http_core_loc_conf_t *clcf)
{
    size_t           len;
    uint8_t         *p;
    hx_str_t         value;
    hx_table_elt_t  *h;

    hx_http_clear_location(r);

    if (r->args.len == 0) {
        value = clcf->escaped_name;

    } else {
        len = clcf->escaped_name.len + 1 + r->args.len;

        p = hx_pnalloc(r->pool, len);
        if (p == NULL) {
            return HX_HTTP_INTERNAL_SERVER_ERROR;
        }

        value.len = len;
        value.data = p;

        p = hx_cpymem(p, clcf->escaped_name.data, clcf->escaped_name.len);
        *p++ = '?';
        hx_memcpy(p, r->args.data, r->args.len);
    }

    h = hx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    h->next = NULL;
    h->lowcase_key = NULL;
    hx_str_set(&h->key, "Location");
    h->value = value;

    r->headers_out.location = h;

    return HX_HTTP_MOVED_PERMANENTLY;
}


hx_int_t
hx_http_core_find_config_phase(hx_http_request_t *r,
    hx_http_phase_handler_t *ph)
{
    hx_int_t                   rc;
    hx_http_core_loc_conf_t   *clcf;

    (void) ph;

    r->content_handler = NULL;
    r->uri_changed = 0;

    rc = hx_http_find_location(r);

    if (rc == HX_ERROR) {
        hx_http_finalize_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
        return HX_OK;
    }

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (!r->internal && clcf->internal) {
        hx_http_finalize_request(r, HX_HTTP_NOT_FOUND);
        return HX_OK;
    }

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "using configuration \"%s%V\"",
                 (clcf->noname ? "*" : (clcf->exact_match ? "=" : "")),
                 &clcf->name);

    hx_http_update_location_config(r);

    if (r->headers_in.content_length_n != -1
        && !r->discard_body
        && clcf->client_max_body_size
        && clcf->client_max_body_size < r->headers_in.content_length_n)
    {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "client intended to send too large body: %O bytes",
                     r->headers_in.content_length_n);

        r->expect_tested = 1;
        (void) hx_http_discard_request_body(r);
        hx_http_finalize_request(r, HX_HTTP_REQUEST_ENTITY_TOO_LARGE);
        return HX_OK;
    }

    if (rc == HX_DONE) {
        hx_http_finalize_request(r, hx_http_core_location_redirect(r, clcf));
        return HX_OK;
    }

    r->phase_handler++;
    return HX_AGAIN;
}


hx_int_t
hx_http_core_post_rewrite_phase(hx_http_request_t *r,
    hx_http_phase_handler_t *ph)
{
    hx_http_core_srv_conf_t  *cscf;

    if (!r->uri_changed) {
        r->phase_handler++;
        return HX_AGAIN;
    }

    r->uri_changes--;

    if (r->uri_changes == 0) {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "rewrite or internal redirection cycle "
                     "while processing \"%V\"", &r->uri);

        hx_http_finalize_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
        return HX_OK;
    }

    r->phase_handler = ph->next;

    cscf = hx_http_get_module_srv_conf(r, hx_http_core_module);
    r->loc_conf = cscf->ctx->loc_conf;

    return HX_AGAIN;
}


hx_int_t
hx_http_core_access_phase(hx_http_request_t *r, hx_http_phase_handler_t *ph)
{
    hx_int_t                   rc;
    hx_table_elt_t            *h;
    hx_http_core_loc_conf_t   *clcf;

    if (r != r->main) {
        r->phase_handler = ph->next;
        return HX_AGAIN;
    }

    rc = ph->handler(r);

    if (rc == HX_DECLINED) {
        r->phase_handler++;
        return HX_AGAIN;
    }

    if (rc == HX_AGAIN || rc == HX_DONE) {
        return HX_OK;
    }

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (clcf->satisfy == HX_HTTP_SATISFY_ALL) {

        if (rc == HX_OK) {
            r->phase_handler++;
            return HX_AGAIN;
        }

    } else {
        if (rc == HX_OK) {
            r->access_code = 0;

            for (h = r->headers_out.www_authenticate; h; h = h->next) {
                h->hash = 0;
            }

            r->phase_handler = ph->next;
            return HX_AGAIN;
        }

        if (rc == HX_HTTP_FORBIDDEN || rc == HX_HTTP_UNAUTHORIZED) {
            if (r->access_code != HX_HTTP_UNAUTHORIZED) {
                r->access_code = rc;
            }

            r->phase_handler++;
            return HX_AGAIN;
        }
    }

    /* HX_ERROR or an HTTP status */

    if (rc == HX_HTTP_UNAUTHORIZED) {
        r->access_code = rc;
        return hx_http_core_auth_delay(r);
    }

    hx_http_finalize_request(r, rc);
    return HX_OK;
}


hx_int_t
hx_http_core_post_access_phase(hx_http_request_t *r,
    hx_http_phase_handler_t *ph)
{
    hx_int_t  access_code;

    (void) ph;

    access_code = r->access_code;

    if (access_code) {
        if (access_code == HX_HTTP_FORBIDDEN) {
            hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                         "access forbidden by rule");
        }

        if (access_code == HX_HTTP_UNAUTHORIZED) {
            return hx_http_core_auth_delay(r);
        }

        r->access_code = 0;

        hx_http_finalize_request(r, access_code);
        return HX_OK;
    }

    r->phase_handler++;
    return HX_AGAIN;
}


/*
 * auth_delay: a 401 goes out only after the delay, so that guessing
 * credentials costs the client time; the write event's timer holds it.
 */
static hx_int_t
hx_http_core_auth_delay(hx_http_request_t *r)
{
    hx_int_t                   access_code;
    hx_http_core_loc_conf_t   *clcf;

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (clcf->auth_delay == 0) {
        access_code = r->access_code;
        r->access_code = 0;

        hx_http_finalize_request(r, access_code);
        return HX_OK;
    }

    hx_log_error(HX_LOG_INFO, r->connection->log, 0,
                 "delaying unauthorized request");

    if (r->connection->read->ready) {
        hx_post_event(r->connection->read, &hx_posted_events);

    } else if (hx_handle_read_event(r->connection->read, 0) != HX_OK) {
        hx_http_finalize_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
        return HX_OK;
    }

    r->read_event_handler = hx_http_test_reading;
    r->write_event_handler = hx_http_core_auth_delay_handler;

    r->connection->write->delayed = 1;
    hx_add_timer(r->connection->write, clcf->auth_delay);

    /* one more loop iteration, so every answer takes the same path */

    hx_post_event(r->connection->write, &hx_posted_next_events);

    return HX_OK;
}


static void
hx_http_core_auth_delay_handler(hx_http_request_t *r)
{
    hx_int_t     access_code;
    hx_event_t  *wev;

    wev = r->connection->write;

    if (wev->delayed) {

        if (hx_handle_write_event(wev, 0) != HX_OK) {
            hx_http_finalize_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
        }

        return;
    }

    access_code = r->access_code;
    r->access_code = 0;

    hx_http_finalize_request(r, access_code);
}


hx_int_t
hx_http_core_content_phase(hx_http_request_t *r,
    hx_http_phase_handler_t *ph)
{
    size_t     root;
    hx_int_t   rc;
    hx_str_t   path;

    if (r->content_handler) {
        r->write_event_handler = hx_http_request_empty_handler;
        hx_http_finalize_request(r, r->content_handler(r));
        return HX_OK;
    }

    rc = ph->handler(r);

    if (rc != HX_DECLINED) {
        hx_http_finalize_request(r, rc);
        return HX_OK;
    }

    ph++;

    if (ph->checker) {
        r->phase_handler++;
        return HX_AGAIN;
    }

    /* no content handler took the request */

    if (r->uri.data[r->uri.len - 1] == '/') {

        if (hx_http_map_uri_to_path(r, &path, &root, 0) != NULL) {
            hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                         "directory index of \"%s\" is forbidden",
                         path.data);
        }

        hx_http_finalize_request(r, HX_HTTP_FORBIDDEN);
        return HX_OK;
    }

    hx_log_error(HX_LOG_ERR, r->connection->log, 0, "no handler found");

    hx_http_finalize_request(r, HX_HTTP_NOT_FOUND);
    return HX_OK;
}


void
hx_http_update_location_config(hx_http_request_t *r)
{
    hx_connection_t            *c;
    hx_http_core_loc_conf_t    *clcf;

    c = r->connection;

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (r->method & clcf->limit_except) {
        r->loc_conf = clcf->limit_except_loc_conf;
        clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);
    }

    if (r == r->main) {
        hx_set_connection_log(c, clcf->error_log);
    }

    c->sendfile = ((hx_io.flags & HX_IO_SENDFILE) && clcf->sendfile) ? 1 : 0;

    if (clcf->client_body_in_file_only) {
        r->request_body_in_file_only = 1;
        r->request_body_in_persistent_file = 1;
        r->request_body_in_clean_file =
            clcf->client_body_in_file_only == HX_HTTP_REQUEST_BODY_FILE_CLEAN;
        r->request_body_file_log_level = HX_LOG_NOTICE;

    } else {
        r->request_body_file_log_level = HX_LOG_WARN;
    }

    r->request_body_in_single_buf = clcf->client_body_in_single_buffer;

    if (r->keepalive) {
        if (clcf->keepalive_timeout == 0) {
            r->keepalive = 0;

        } else if (c->requests >= clcf->keepalive_requests) {
            r->keepalive = 0;

        } else if (hx_current_msec - c->start_time > clcf->keepalive_time) {
            r->keepalive = 0;

        } else if (r->headers_in.msie6
                   && r->method == HX_HTTP_POST
                   && (clcf->keepalive_disable
                       & HX_HTTP_KEEPALIVE_DISABLE_MSIE6))
        {
            /* MSIE may stall on a POST answered over keep-alive */
            r->keepalive = 0;

        } else if (r->headers_in.safari
                   && (clcf->keepalive_disable
                       & HX_HTTP_KEEPALIVE_DISABLE_SAFARI))
        {
            /* Safari may send a POST to a closed keep-alive connection */
            r->keepalive = 0;
        }
    }

    if (!clcf->tcp_nopush) {
        c->tcp_nopush = HX_TCP_NOPUSH_DISABLED;
    }

    if (clcf->handler) {
        r->content_handler = clcf->handler;
    }
}


hx_int_t
hx_http_internal_redirect(hx_http_request_t *r, hx_str_t *uri,
    hx_str_t *args)
{
    hx_http_core_srv_conf_t  *cscf;

    r->uri_changes--;

    if (r->uri_changes == 0) {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "rewrite or internal redirection cycle "
                     "while internally redirecting to \"%V\"", uri);

        r->main->count++;
        hx_http_finalize_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
        return HX_DONE;
    }

    r->uri = *uri;

    if (args) {
        r->args = *args;

    } else {
        hx_str_null(&r->args);
    }

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "internal redirect: \"%V?%V\"", uri, &r->args);

    hx_http_set_exten(r);

    /* the modules' contexts belong to the old location */
    hx_memzero(r->ctx, sizeof(void *) * hx_http_max_module);

    cscf = hx_http_get_module_srv_conf(r, hx_http_core_module);
    r->loc_conf = cscf->ctx->loc_conf;

    hx_http_update_location_config(r);

    r->internal = 1;
    r->valid_unparsed_uri = 0;
    r->add_uri_to_alias = 0;
    r->main->count++;

    hx_http_handler(r);

    return HX_DONE;
}


hx_int_t
hx_http_named_location(hx_http_request_t *r, hx_str_t *name)
{
    hx_http_core_loc_conf_t     *clcf;
    hx_http_core_main_conf_t    *cmcf;

    r->main->count++;
    r->uri_changes--;

    if (r->uri_changes == 0) {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "rewrite or internal redirection cycle "
                     "while redirect to named location \"%V\"", name);

        hx_http_finalize_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
        return HX_DONE;
    }

    if (r->uri.len == 0) {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "empty URI in redirect to named location \"%V\"", name);

        hx_http_finalize_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
        return HX_DONE;
    }

    clcf = hx_http_find_named_location(r, name);

    if (clcf == NULL) {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "could not find named location \"%V\"", name);

        hx_http_finalize_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
        return HX_DONE;
    }

    r->internal = 1;
    r->content_handler = NULL;
    r->uri_changed = 0;
    r->loc_conf = clcf->loc_conf;

    hx_memzero(r->ctx, sizeof(void *) * hx_http_max_module);

    hx_http_update_location_config(r);

    cmcf = hx_http_get_module_main_conf(r, hx_http_core_module);

    r->phase_handler = cmcf->phase_engine.location_rewrite_index;

    r->write_event_handler = hx_http_core_run_phases;
    hx_http_core_run_phases(r);

    return HX_DONE;
}

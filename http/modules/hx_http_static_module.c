/*
 * Static files: the content handler that answers GET and HEAD with the
 * file the URI maps to under root or alias.  The body is one buffer that
 * describes the file (sendfile when the location allows it), never read
 * into memory here; a directory gets a 301 to the same URI with a
 * trailing slash (index and autoindex answer the slash form).
 *
 * The URI was normalised by the parser (no "..", no NUL), so the path
 * cannot leave the root; disable_symlinks decides whether links may be
 * followed on the way.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


static hx_int_t hx_http_static_handler(hx_http_request_t *r);
static hx_int_t hx_http_static_init(hx_conf_t *cf);


static hx_http_module_t  hx_http_static_module_ctx = {
    NULL,                                  /* preconfiguration */
    hx_http_static_init,                   /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


hx_module_t  hx_http_static_module = {
    HX_MODULE_V1,
    "hx_http_static_module",
    &hx_http_static_module_ctx,
    NULL,
    HX_HTTP_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


/*
 * The answer to a failed open: 404 (logged per log_not_found), 403 for
 * permissions and forbidden links, 500 for the rest.
 */
hx_int_t
hx_http_static_open_error(hx_http_request_t *r, hx_http_open_file_info_t *of,
    hx_str_t *path)
{
    hx_int_t                   rc;
    hx_uint_t                  level;
    hx_http_core_loc_conf_t   *clcf;

    switch (of->err) {

    case 0:
        return HX_HTTP_INTERNAL_SERVER_ERROR;

    case ENOENT:
    case ENOTDIR:
    case ENAMETOOLONG:
        level = HX_LOG_ERR;
        rc = HX_HTTP_NOT_FOUND;
        break;

    case EACCES:
    case EMLINK:
    case ELOOP:
        level = HX_LOG_ERR;
        rc = HX_HTTP_FORBIDDEN;
        break;

    default:
        level = HX_LOG_CRIT;
        rc = HX_HTTP_INTERNAL_SERVER_ERROR;
        break;
    }

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (rc != HX_HTTP_NOT_FOUND || clcf->log_not_found) {
        hx_log_error(level, r->connection->log, of->err,
                     "%s \"%s\" failed", of->failed, path->data);
    }

    return rc;
}


/* "301 Location: /dir/" for a directory named without its slash */
static hx_int_t
hx_http_static_redirect(hx_http_request_t *r, hx_str_t *path,
    size_t root, uint8_t *last, hx_http_core_loc_conf_t *clcf)
{
    size_t           len;
    uint8_t         *location;
    uintptr_t        escape;
    hx_table_elt_t  *h;

    hx_http_clear_location(r);

    h = hx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    escape = 2 * hx_escape_uri(NULL, r->uri.data, r->uri.len, HX_ESCAPE_URI);

    if (!clcf->alias && r->args.len == 0 && escape == 0) {

        /* the URI is at the end of the path: reuse it */

        len = r->uri.len + 1;
        location = path->data + root;

        *last = '/';

    } else {
        len = r->uri.len + escape + 1;

        if (r->args.len) {
            len += r->args.len + 1;
        }

        location = hx_pnalloc(r->pool, len);
        if (location == NULL) {
            h->hash = 0;
            return HX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (escape) {
            last = (uint8_t *) hx_escape_uri(location, r->uri.data,
                                             r->uri.len, HX_ESCAPE_URI);

        } else {
            last = hx_cpymem(location, r->uri.data, r->uri.len);
        }

        *last = '/';

        if (r->args.len) {
            *++last = '?';
            hx_memcpy(++last, r->args.data, r->args.len);
        }
    }

    h->hash = 1;
    h->next = NULL;
    h->lowcase_key = NULL;
    hx_str_set(&h->key, "Location");
    h->value.len = len;
    h->value.data = location;

    r->headers_out.location = h;

    return HX_HTTP_MOVED_PERMANENTLY;
}


static hx_int_t
hx_http_static_handler(hx_http_request_t *r)
{
    uint8_t                    *last;
    size_t                      root;
    hx_str_t                    path;
    hx_int_t                    rc;
    hx_log_t                   *log;
    hx_buf_t                   *b;
    hx_chain_t                  out;
    hx_http_core_loc_conf_t    *clcf;
    hx_http_open_file_info_t    of;

    if (!(r->method & (HX_HTTP_GET|HX_HTTP_HEAD|HX_HTTP_POST))) {
        return HX_HTTP_NOT_ALLOWED;
    }

    if (r->uri.data[r->uri.len - 1] == '/') {
        return HX_DECLINED;
    }

    log = r->connection->log;

    /* the NUL the mapping allocates leaves room for a redirect's '/' */

    last = hx_http_map_uri_to_path(r, &path, &root, 0);
    if (last == NULL) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    path.len = last - path.data;

    hx_log_debug(HX_LOG_DEBUG_HTTP, log, 0, "http filename: \"%s\"",
                 path.data);

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    hx_memzero(&of, sizeof(hx_http_open_file_info_t));

    of.disable_symlinks = clcf->disable_symlinks;

    if (hx_http_open_file(r, &path, &of) != HX_OK) {
        return hx_http_static_open_error(r, &of, &path);
    }

    r->root_tested = !r->error_page;

    if (of.is_dir) {
        return hx_http_static_redirect(r, &path, root, last, clcf);
    }

    if (!of.is_file) {
        hx_log_error(HX_LOG_CRIT, log, 0,
                     "\"%s\" is not a regular file", path.data);

        return HX_HTTP_NOT_FOUND;
    }

    if (r->method == HX_HTTP_POST) {
        return HX_HTTP_NOT_ALLOWED;
    }

    rc = hx_http_discard_request_body(r);

    if (rc != HX_OK) {
        return rc;
    }

    log->action = "sending response to client";

    r->headers_out.status = HX_HTTP_OK;
    r->headers_out.content_length_n = of.size;
    r->headers_out.last_modified_time = of.mtime;

    if (hx_http_set_etag(r) != HX_OK) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (hx_http_set_content_type(r) != HX_OK) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->allow_ranges = 1;

    /* everything is allocated before the header goes out */

    b = hx_calloc_buf(r->pool);
    if (b == NULL) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->file = hx_pcalloc(r->pool, sizeof(hx_file_t));
    if (b->file == NULL) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = hx_http_send_header(r);

    if (rc == HX_ERROR || rc > HX_OK || r->header_only) {
        return rc;
    }

    b->file_pos = 0;
    b->file_last = of.size;

    b->in_file = b->file_last ? 1 : 0;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;
    b->sync = (b->last_buf || b->in_file) ? 0 : 1;

    b->file->fd = of.fd;
    b->file->name = path;
    b->file->log = log;

    out.buf = b;
    out.next = NULL;

    return hx_http_output_filter(r, &out);
}


static hx_int_t
hx_http_static_init(hx_conf_t *cf)
{
    hx_http_handler_pt         *h;
    hx_http_core_main_conf_t   *cmcf;

    cmcf = hx_http_conf_get_module_main_conf(cf, hx_http_core_module);

    h = hx_array_push(&cmcf->phases[HX_HTTP_CONTENT_PHASE].handlers);
    if (h == NULL) {
        return HX_ERROR;
    }

    *h = hx_http_static_handler;

    return HX_OK;
}

/*
 * Helpers content handlers share: starting the header and body filter
 * chains, a whole response from a complex value (return, error pages),
 * the file name a URI maps to under root or alias, the content type from
 * the extension, entity tags, Basic credentials and the gzip test.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


static hx_int_t hx_http_gzip_accept_encoding(hx_str_t *ae);
static hx_uint_t hx_http_gzip_quantity(uint8_t *p, uint8_t *last);
static hx_uint_t hx_http_cache_control_has(hx_table_elt_t *cc,
    const char *token);


hx_int_t
hx_http_send_header(hx_http_request_t *r)
{
    if (r->post_action) {
        return HX_OK;
    }

    if (r->header_sent) {
        hx_log_error(HX_LOG_ALERT, r->connection->log, 0,
                     "header already sent");
        return HX_ERROR;
    }

    if (r->err_status) {
        r->headers_out.status = r->err_status;
        r->headers_out.status_line.len = 0;
    }

    return hx_http_top_header_filter(r);
}


hx_int_t
hx_http_output_filter(hx_http_request_t *r, hx_chain_t *in)
{
    hx_int_t  rc;

    rc = hx_http_top_body_filter(r, in);

    if (rc == HX_ERROR) {
        /* any filter may fail; the connection is then not reusable */
        r->connection->error = 1;
    }

    return rc;
}


hx_int_t
hx_http_send_response(hx_http_request_t *r, hx_uint_t status, hx_str_t *ct,
    hx_http_complex_value_t *cv)
{
    hx_int_t         rc;
    hx_str_t         val;
    hx_buf_t        *b;
    hx_chain_t       out;
    hx_table_elt_t  *h;

    rc = hx_http_discard_request_body(r);

    if (rc != HX_OK) {
        return rc;
    }

    r->headers_out.status = status;

    if (hx_http_complex_value(r, cv, &val) != HX_OK) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (status == HX_HTTP_MOVED_PERMANENTLY
        || status == HX_HTTP_MOVED_TEMPORARILY
        || status == HX_HTTP_SEE_OTHER
        || status == HX_HTTP_TEMPORARY_REDIRECT
        || status == HX_HTTP_PERMANENT_REDIRECT)
    {
        hx_http_clear_location(r);

        h = hx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return HX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->hash = 1;
        h->next = NULL;
        h->lowcase_key = NULL;
        hx_str_set(&h->key, "Location");
        h->value = val;

        r->headers_out.location = h;

        return status;
    }

    r->headers_out.content_length_n = val.len;

    if (ct) {
        r->headers_out.content_type_len = ct->len;
        r->headers_out.content_type = *ct;

    } else if (hx_http_set_content_type(r) != HX_OK) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b = hx_calloc_buf(r->pool);
    if (b == NULL) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = val.data;
    b->last = val.data + val.len;
    b->memory = val.len ? 1 : 0;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;
    b->sync = (b->last_buf || b->memory) ? 0 : 1;

    out.buf = b;
    out.next = NULL;

    rc = hx_http_send_header(r);

    if (rc == HX_ERROR || rc > HX_OK || r->header_only) {
        return rc;
    }

    return hx_http_output_filter(r, &out);
}


hx_int_t
hx_http_set_content_type(hx_http_request_t *r)
{
    uint8_t                    c, *exten;
    hx_str_t                  *type;
    hx_uint_t                  i, hash;
    hx_http_core_loc_conf_t   *clcf;

    if (r->headers_out.content_type.len) {
        return HX_OK;
    }

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (r->exten.len) {

        hash = 0;

        for (i = 0; i < r->exten.len; i++) {
            c = r->exten.data[i];

            if (c >= 'A' && c <= 'Z') {

                exten = hx_pnalloc(r->pool, r->exten.len);
                if (exten == NULL) {
                    return HX_ERROR;
                }

                hash = hx_hash_strlow(exten, r->exten.data, r->exten.len);

                r->exten.data = exten;

                break;
            }

            hash = hx_hash(hash, c);
        }

        type = hx_hash_find(&clcf->types_hash, hash, r->exten.data,
                            r->exten.len);

        if (type) {
            r->headers_out.content_type_len = type->len;
            r->headers_out.content_type = *type;

            return HX_OK;
        }
    }

    r->headers_out.content_type_len = clcf->default_type.len;
    r->headers_out.content_type = clcf->default_type;

    return HX_OK;
}


void
hx_http_set_exten(hx_http_request_t *r)
{
    hx_int_t  i;

    hx_str_null(&r->exten);

    for (i = (hx_int_t) r->uri.len - 1; i > 1; i--) {
        if (r->uri.data[i] == '.' && r->uri.data[i - 1] != '/') {

            r->exten.len = r->uri.len - i - 1;
            r->exten.data = &r->uri.data[i + 1];

            return;

        } else if (r->uri.data[i] == '/') {
            return;
        }
    }
}


hx_int_t
hx_http_set_etag(hx_http_request_t *r)
{
    hx_table_elt_t            *etag;
    hx_http_core_loc_conf_t   *clcf;

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (!clcf->etag) {
        return HX_OK;
    }

    etag = hx_list_push(&r->headers_out.headers);
    if (etag == NULL) {
        return HX_ERROR;
    }

    etag->hash = 1;
    etag->next = NULL;
    etag->lowcase_key = NULL;
    hx_str_set(&etag->key, "ETag");

    etag->value.data = hx_pnalloc(r->pool, HX_OFF_T_LEN + HX_TIME_T_LEN + 3);
    if (etag->value.data == NULL) {
        etag->hash = 0;
        return HX_ERROR;
    }

    /* "mtime-length" in hex, as nginx forms it, so caches stay valid */

    etag->value.len = hx_sprintf(etag->value.data, "\"%xT-%xO\"",
                                 r->headers_out.last_modified_time,
                                 r->headers_out.content_length_n)
                      - etag->value.data;

    r->headers_out.etag = etag;

    return HX_OK;
}


void
hx_http_weak_etag(hx_http_request_t *r)
{
    size_t           len;
    uint8_t         *p;
    hx_table_elt_t  *etag;

    etag = r->headers_out.etag;

    if (etag == NULL) {
        return;
    }

    if (etag->value.len > 2
        && etag->value.data[0] == 'W'
        && etag->value.data[1] == '/')
    {
        return;
    }

    if (etag->value.len < 1 || etag->value.data[0] != '"') {
        r->headers_out.etag->hash = 0;
        r->headers_out.etag = NULL;
        return;
    }

    p = hx_pnalloc(r->pool, etag->value.len + 2);
    if (p == NULL) {
        r->headers_out.etag->hash = 0;
        r->headers_out.etag = NULL;
        return;
    }

    len = hx_sprintf(p, "W/%V", &etag->value) - p;

    etag->value.data = p;
    etag->value.len = len;
}


uint8_t *
hx_http_map_uri_to_path(hx_http_request_t *r, hx_str_t *path,
    size_t *root_length, size_t reserved)
{
    uint8_t                   *last;
    size_t                     alias;
    hx_http_core_loc_conf_t   *clcf;

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    alias = clcf->alias;

    if (alias && !r->valid_location) {
        hx_log_error(HX_LOG_ALERT, r->connection->log, 0,
                     "\"alias\" cannot be used in location \"%V\" "
                     "where URI was rewritten", &clcf->name);
        return NULL;
    }

    if (clcf->root_lengths == NULL) {

        *root_length = clcf->root.len;

        if (alias > r->uri.len) {
            alias = r->uri.len;
        }

        path->len = clcf->root.len + reserved + r->uri.len - alias + 1;

        path->data = hx_pnalloc(r->pool, path->len);
        if (path->data == NULL) {
            return NULL;
        }

        last = hx_cpymem(path->data, clcf->root.data, clcf->root.len);

    } else {

        if (alias == (size_t) -1) {
            reserved += r->add_uri_to_alias ? r->uri.len + 1 : 1;

        } else {
            if (alias > r->uri.len) {
                alias = r->uri.len;
            }

            reserved += r->uri.len - alias + 1;
        }

        if (hx_http_script_run(r, path, clcf->root_lengths->elts, reserved,
                               clcf->root_values->elts)
            == NULL)
        {
            return NULL;
        }

        if (hx_get_full_name(r->pool, (hx_str_t *) &hx_cycle->prefix, path)
            != HX_OK)
        {
            return NULL;
        }

        *root_length = path->len - reserved;
        last = path->data + *root_length;

        if (alias == (size_t) -1) {
            if (!r->add_uri_to_alias) {
                *last = '\0';
                return last;
            }

            alias = 0;
        }
    }

    last = hx_cpymem(last, r->uri.data + alias, r->uri.len - alias);
    *last = '\0';

    return last;
}


hx_int_t
hx_http_auth_basic_user(hx_http_request_t *r)
{
    hx_str_t          auth, encoded;
    hx_uint_t         len;
    hx_table_elt_t   *h;

    if (r->headers_in.user.len == 0 && r->headers_in.user.data != NULL) {
        return HX_DECLINED;
    }

    h = r->headers_in.authorization;

    if (h == NULL) {
        r->headers_in.user.data = (uint8_t *) "";
        return HX_DECLINED;
    }

    encoded = h->value;

    if (encoded.len < sizeof("Basic ") - 1
        || hx_strncasecmp(encoded.data, (uint8_t *) "Basic ",
                          sizeof("Basic ") - 1)
           != 0)
    {
        r->headers_in.user.data = (uint8_t *) "";
        return HX_DECLINED;
    }

    encoded.len -= sizeof("Basic ") - 1;
    encoded.data += sizeof("Basic ") - 1;

    while (encoded.len && encoded.data[0] == ' ') {
        encoded.len--;
        encoded.data++;
    }

    if (encoded.len == 0) {
        r->headers_in.user.data = (uint8_t *) "";
        return HX_DECLINED;
    }

    auth.len = hx_base64_decoded_length(encoded.len);
    auth.data = hx_pnalloc(r->pool, auth.len + 1);
    if (auth.data == NULL) {
        return HX_ERROR;
    }

    if (hx_decode_base64(&auth, &encoded) != HX_OK) {
        r->headers_in.user.data = (uint8_t *) "";
        return HX_DECLINED;
    }

    auth.data[auth.len] = '\0';

    for (len = 0; len < auth.len; len++) {
        if (auth.data[len] == ':') {
            break;
        }
    }

    if (len == 0 || len == auth.len) {
        r->headers_in.user.data = (uint8_t *) "";
        return HX_DECLINED;
    }

    r->headers_in.user.len = len;
    r->headers_in.user.data = auth.data;
    r->headers_in.passwd.len = auth.len - len - 1;
    r->headers_in.passwd.data = &auth.data[len + 1];

    return HX_OK;
}


/*
 * Whether the response may be gzipped for this client: Accept-Encoding
 * names gzip with a non-zero quality, the HTTP version is high enough,
 * and for proxied requests (Via) gzip_proxied allows it.
 */
hx_int_t
hx_http_gzip_ok(hx_http_request_t *r)
{
    time_t                     date, expires;
    hx_uint_t                  p;
    hx_table_elt_t            *e, *d, *ae, *cc;
    hx_http_core_loc_conf_t   *clcf;

    r->gzip_tested = 1;

    if (r != r->main) {
        return HX_DECLINED;
    }

    ae = r->headers_in.accept_encoding;
    if (ae == NULL || ae->value.len < sizeof("gzip") - 1) {
        return HX_DECLINED;
    }

    if (hx_memcmp(ae->value.data, "gzip,", 5) != 0
        && hx_http_gzip_accept_encoding(&ae->value) != HX_OK)
    {
        return HX_DECLINED;
    }

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (r->headers_in.msie6 && clcf->gzip_disable_msie6) {
        return HX_DECLINED;
    }

    if (r->http_version < clcf->gzip_http_version) {
        return HX_DECLINED;
    }

    if (r->headers_in.via == NULL) {
        goto ok;
    }

    p = clcf->gzip_proxied;

    if (p & HX_HTTP_GZIP_PROXIED_OFF) {
        return HX_DECLINED;
    }

    if (p & HX_HTTP_GZIP_PROXIED_ANY) {
        goto ok;
    }

    if (r->headers_in.authorization && (p & HX_HTTP_GZIP_PROXIED_AUTH)) {
        goto ok;
    }

    e = r->headers_out.expires;

    if (e) {

        if (!(p & HX_HTTP_GZIP_PROXIED_EXPIRED)) {
            return HX_DECLINED;
        }

        expires = hx_parse_http_time(e->value.data, e->value.len);
        if (expires == HX_ERROR) {
            return HX_DECLINED;
        }

        d = r->headers_out.date;

        if (d) {
            date = hx_parse_http_time(d->value.data, d->value.len);
            if (date == HX_ERROR) {
                return HX_DECLINED;
            }

        } else {
            date = hx_time();
        }

        if (expires < date) {
            goto ok;
        }

        return HX_DECLINED;
    }

    cc = r->headers_out.cache_control;

    if (cc) {

        if (((p & HX_HTTP_GZIP_PROXIED_NO_CACHE)
             && hx_http_cache_control_has(cc, "no-cache"))
            || ((p & HX_HTTP_GZIP_PROXIED_NO_STORE)
                && hx_http_cache_control_has(cc, "no-store"))
            || ((p & HX_HTTP_GZIP_PROXIED_PRIVATE)
                && hx_http_cache_control_has(cc, "private")))
        {
            goto ok;
        }

        return HX_DECLINED;
    }

    if ((p & HX_HTTP_GZIP_PROXIED_NO_LM) && r->headers_out.last_modified) {
        return HX_DECLINED;
    }

    if ((p & HX_HTTP_GZIP_PROXIED_NO_ETAG) && r->headers_out.etag) {
        return HX_DECLINED;
    }

ok:

    if (clcf->gzip_disable && r->headers_in.user_agent) {

        if (hx_regex_exec_array(clcf->gzip_disable,
                                &r->headers_in.user_agent->value,
                                r->connection->log)
            != HX_DECLINED)
        {
            return HX_DECLINED;
        }
    }

    r->gzip_ok = 1;

    return HX_OK;
}


/* a token of a comma-separated Cache-Control list, any of its lines */
static hx_uint_t
hx_http_cache_control_has(hx_table_elt_t *cc, const char *token)
{
    size_t     len;
    uint8_t   *p, *end;

    len = hx_strlen(token);

    for ( /* void */ ; cc; cc = cc->next) {

        p = cc->value.data;
        end = p + cc->value.len;

        while (p < end) {

            while (p < end && (*p == ' ' || *p == ',')) {
                p++;
            }

            if ((size_t) (end - p) >= len
                && hx_strncasecmp(p, (uint8_t *) token, len) == 0
                && (p + len == end || p[len] == ',' || p[len] == ' '
                    || p[len] == ';' || p[len] == '='))
            {
                return 1;
            }

            while (p < end && *p != ',') {
                p++;
            }
        }
    }

    return 0;
}


/*
 * "gzip" as a coding of Accept-Encoding: enabled for "gzip;q=0.001" up
 * to "gzip;q=1", disabled for q=0 and anything malformed.
 */
static hx_int_t
hx_http_gzip_accept_encoding(hx_str_t *ae)
{
    uint8_t  *p, *start, *last;

    start = ae->data;
    last = start + ae->len;

    for ( ;; ) {
        p = hx_strcasestrn(start, "gzip", 4 - 1);
        if (p == NULL || p >= last) {
            return HX_DECLINED;
        }

        if (p == start || (*(p - 1) == ',' || *(p - 1) == ' ')) {
            break;
        }

        start = p + 4;
    }

    p += 4;

    while (p < last) {
        switch (*p++) {
        case ',':
            return HX_OK;
        case ';':
            goto quantity;
        case ' ':
            continue;
        default:
            return HX_DECLINED;
        }
    }

    return HX_OK;

quantity:

    while (p < last) {
        switch (*p++) {
        case 'q':
        case 'Q':
            goto equal;
        case ' ':
            continue;
        default:
            return HX_DECLINED;
        }
    }

    return HX_OK;

equal:

    if (p + 2 > last || *p++ != '=') {
        return HX_DECLINED;
    }

    if (hx_http_gzip_quantity(p, last) == 0) {
        return HX_DECLINED;
    }

    return HX_OK;
}


/* q in thousandths; 0 for an invalid value */
static hx_uint_t
hx_http_gzip_quantity(uint8_t *p, uint8_t *last)
{
    uint8_t    c;
    hx_uint_t  n, q;

    c = *p++;

    if (c != '0' && c != '1') {
        return 0;
    }

    q = (c - '0') * 100;

    if (p == last) {
        return q;
    }

    c = *p++;

    if (c == ',' || c == ' ') {
        return q;
    }

    if (c != '.') {
        return 0;
    }

    n = 0;

    while (p < last) {
        c = *p++;

        if (c == ',' || c == ' ') {
            break;
        }

        if (c >= '0' && c <= '9') {
            q += c - '0';
            n++;
            continue;
        }

        return 0;
    }

    if (q > 100 || n > 3) {
        return 0;
    }

    return q;
}


hx_int_t
hx_http_map_file_error(hx_http_request_t *r, hx_err_t err, uint8_t *name)
{
    hx_uint_t                  level;
    hx_http_core_loc_conf_t   *clcf;

    switch (err) {

    case ENOENT:
    case ENOTDIR:
    case ENAMETOOLONG:

        clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

        if (clcf->log_not_found) {
            hx_log_error(HX_LOG_ERR, r->connection->log, err,
                         "open() \"%s\" failed", name);
        }

        return HX_HTTP_NOT_FOUND;

    case EACCES:
    case ELOOP:
        level = HX_LOG_ERR;
        hx_log_error(level, r->connection->log, err,
                     "open() \"%s\" failed", name);
        return HX_HTTP_FORBIDDEN;

    default:
        hx_log_error(HX_LOG_CRIT, r->connection->log, err,
                     "open() \"%s\" failed", name);
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }
}

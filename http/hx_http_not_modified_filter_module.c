/*
 * Conditional requests (RFC 9110 13): the first header filter.  For a
 * 200 response it checks, in the RFC's order, If-Unmodified-Since and
 * If-Match (a failure is 412), then If-Modified-Since and If-None-Match
 * (a match turns the response into a 304 without body).  The entity tag
 * and Last-Modified the handler set are what the conditions compare
 * against; if_modified_since off|exact|before chooses the date rule.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


static hx_uint_t hx_http_test_if_unmodified(hx_http_request_t *r);
static hx_uint_t hx_http_test_if_modified(hx_http_request_t *r);
static hx_int_t hx_http_not_modified_filter_init(hx_conf_t *cf);


static hx_http_module_t  hx_http_not_modified_filter_module_ctx = {
    NULL,                                  /* preconfiguration */
    hx_http_not_modified_filter_init,      /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


hx_module_t  hx_http_not_modified_filter_module = {
    HX_MODULE_V1,
    "hx_http_not_modified_filter_module",
    &hx_http_not_modified_filter_module_ctx,
    NULL,
    HX_HTTP_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


static hx_http_output_header_filter_pt  hx_http_next_header_filter;


static hx_int_t
hx_http_not_modified_header_filter(hx_http_request_t *r)
{
    hx_str_t   etag;

    if (r->headers_out.status != HX_HTTP_OK
        || r != r->main
        || r->disable_not_modified)
    {
        return hx_http_next_header_filter(r);
    }

    etag.len = 0;
    etag.data = NULL;

    if (r->headers_out.etag) {
        etag = r->headers_out.etag->value;
    }

    if (r->headers_in.if_unmodified_since && !hx_http_test_if_unmodified(r)) {
        return hx_http_filter_finalize_request(r, NULL,
                                               HX_HTTP_PRECONDITION_FAILED);
    }

    if (r->headers_in.if_match
        && !hx_http_etag_match(&r->headers_in.if_match->value, &etag, 0))
    {
        return hx_http_filter_finalize_request(r, NULL,
                                               HX_HTTP_PRECONDITION_FAILED);
    }

    if (r->headers_in.if_modified_since == NULL
        && r->headers_in.if_none_match == NULL)
    {
        return hx_http_next_header_filter(r);
    }

    if (r->headers_in.if_modified_since && hx_http_test_if_modified(r)) {
        return hx_http_next_header_filter(r);
    }

    if (r->headers_in.if_none_match
        && !hx_http_etag_match(&r->headers_in.if_none_match->value, &etag, 1))
    {
        return hx_http_next_header_filter(r);
    }

    /* not modified */

    r->headers_out.status = HX_HTTP_NOT_MODIFIED;
    r->headers_out.status_line.len = 0;
    r->headers_out.content_type.len = 0;
    hx_http_clear_content_length(r);
    hx_http_clear_accept_ranges(r);

    if (r->headers_out.content_encoding) {
        r->headers_out.content_encoding->hash = 0;
        r->headers_out.content_encoding = NULL;
    }

    return hx_http_next_header_filter(r);
}


static hx_uint_t
hx_http_test_if_unmodified(hx_http_request_t *r)
{
    time_t  iums;

    if (r->headers_out.last_modified_time == (time_t) -1) {
        return 0;
    }

    iums = hx_parse_http_time(r->headers_in.if_unmodified_since->value.data,
                              r->headers_in.if_unmodified_since->value.len);

    return iums >= r->headers_out.last_modified_time;
}


static hx_uint_t
hx_http_test_if_modified(hx_http_request_t *r)
{
    time_t                     ims;
    hx_http_core_loc_conf_t   *clcf;

    if (r->headers_out.last_modified_time == (time_t) -1) {
        return 1;
    }

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (clcf->if_modified_since == HX_HTTP_IMS_OFF) {
        return 1;
    }

    ims = hx_parse_http_time(r->headers_in.if_modified_since->value.data,
                             r->headers_in.if_modified_since->value.len);

    if (ims == r->headers_out.last_modified_time) {
        return 0;
    }

    if (clcf->if_modified_since == HX_HTTP_IMS_EXACT
        || ims < r->headers_out.last_modified_time)
    {
        return 1;
    }

    return 0;
}


/*
 * Whether the comma-separated entity tag list (If-Match, If-None-Match)
 * names etag, or is "*".  With weak set (If-None-Match), "W/" prefixes
 * are ignored on both sides (the weak comparison of RFC 9110 8.8.3.2).
 */
hx_uint_t
hx_http_etag_match(hx_str_t *list, hx_str_t *etag, hx_uint_t weak)
{
    uint8_t   *start, *end, ch;
    hx_str_t   tag;

    if (list->len == 1 && list->data[0] == '*') {
        return 1;
    }

    if (etag->len == 0) {
        return 0;
    }

    tag = *etag;

    if (weak && tag.len > 2 && tag.data[0] == 'W' && tag.data[1] == '/') {
        tag.len -= 2;
        tag.data += 2;
    }

    start = list->data;
    end = list->data + list->len;

    while (start < end) {

        if (weak && end - start > 2 && start[0] == 'W' && start[1] == '/') {
            start += 2;
        }

        if (tag.len > (size_t) (end - start)) {
            return 0;
        }

        if (hx_strncmp(start, tag.data, tag.len) == 0) {

            start += tag.len;

            while (start < end && (*start == ' ' || *start == '\t')) {
                start++;
            }

            if (start == end || *start == ',') {
                return 1;
            }
        }

        /* to the next element */

        while (start < end && *start != ',') {
            start++;
        }

        while (start < end) {
            ch = *start;

            if (ch != ' ' && ch != '\t' && ch != ',') {
                break;
            }

            start++;
        }
    }

    return 0;
}


static hx_int_t
hx_http_not_modified_filter_init(hx_conf_t *cf)
{
    (void) cf;

    hx_http_next_header_filter = hx_http_top_header_filter;
    hx_http_top_header_filter = hx_http_not_modified_header_filter;

    return HX_OK;
}

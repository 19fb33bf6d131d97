/*
 * The $upstream_* variables: one value per attempt of the request,
 * joined by ", " ($upstream_addr "10.0.0.1:80, 10.0.0.2:80" after a
 * retry), with " : " between the upstreams of one request (an
 * X-Accel-Redirect or error_page that reached another proxied
 * location), as nginx prints them; and the backend's header lines
 * ($upstream_http_*, $upstream_trailer_*, $upstream_cookie_*).
 *
 * The attempts are r->upstream_states, pushed by the machinery; an entry
 * with no peer marks the boundary between two upstreams.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_upstream.h>


static hx_int_t hx_http_upstream_addr_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_upstream_status_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_upstream_response_time_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_upstream_response_length_variable(
    hx_http_request_t *r, hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_upstream_header_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_upstream_trailer_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_upstream_cookie_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);


/* which time or length a variable prints */
#define HX_HTTP_UPSTREAM_RESPONSE       0
#define HX_HTTP_UPSTREAM_HEADER         1
#define HX_HTTP_UPSTREAM_CONNECT        2

#define HX_HTTP_UPSTREAM_LENGTH         0
#define HX_HTTP_UPSTREAM_RECEIVED       1
#define HX_HTTP_UPSTREAM_SENT           2


static hx_http_variable_t  hx_http_upstream_vars[] = {

    { hx_string("upstream_addr"), NULL,
      hx_http_upstream_addr_variable, 0,
      HX_HTTP_VAR_NOCACHEABLE, 0 },

    { hx_string("upstream_status"), NULL,
      hx_http_upstream_status_variable, 0,
      HX_HTTP_VAR_NOCACHEABLE, 0 },

    { hx_string("upstream_connect_time"), NULL,
      hx_http_upstream_response_time_variable, HX_HTTP_UPSTREAM_CONNECT,
      HX_HTTP_VAR_NOCACHEABLE, 0 },

    { hx_string("upstream_header_time"), NULL,
      hx_http_upstream_response_time_variable, HX_HTTP_UPSTREAM_HEADER,
      HX_HTTP_VAR_NOCACHEABLE, 0 },

    { hx_string("upstream_response_time"), NULL,
      hx_http_upstream_response_time_variable, HX_HTTP_UPSTREAM_RESPONSE,
      HX_HTTP_VAR_NOCACHEABLE, 0 },

    { hx_string("upstream_response_length"), NULL,
      hx_http_upstream_response_length_variable, HX_HTTP_UPSTREAM_LENGTH,
      HX_HTTP_VAR_NOCACHEABLE, 0 },

    { hx_string("upstream_bytes_received"), NULL,
      hx_http_upstream_response_length_variable, HX_HTTP_UPSTREAM_RECEIVED,
      HX_HTTP_VAR_NOCACHEABLE, 0 },

    { hx_string("upstream_bytes_sent"), NULL,
      hx_http_upstream_response_length_variable, HX_HTTP_UPSTREAM_SENT,
      HX_HTTP_VAR_NOCACHEABLE, 0 },

    { hx_string("upstream_http_"), NULL, hx_http_upstream_header_variable,
      0, HX_HTTP_VAR_NOCACHEABLE|HX_HTTP_VAR_PREFIX, 0 },

    { hx_string("upstream_trailer_"), NULL,
      hx_http_upstream_trailer_variable,
      0, HX_HTTP_VAR_NOCACHEABLE|HX_HTTP_VAR_PREFIX, 0 },

    { hx_string("upstream_cookie_"), NULL, hx_http_upstream_cookie_variable,
      0, HX_HTTP_VAR_NOCACHEABLE|HX_HTTP_VAR_PREFIX, 0 },

    hx_http_null_variable
};


hx_int_t
hx_http_upstream_add_variables(hx_conf_t *cf)
{
    hx_http_variable_t  *var, *v;

    for (v = hx_http_upstream_vars; v->name.len; v++) {
        var = hx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return HX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return HX_OK;
}


/*
 * The states to print, or NULL (v is then "not found"); *n gets their
 * count.
 */
static hx_http_upstream_state_t *
hx_http_upstream_states(hx_http_request_t *r, hx_http_variable_value_t *v,
    hx_uint_t *n)
{
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    if (r->upstream_states == NULL || r->upstream_states->nelts == 0) {
        v->not_found = 1;
        return NULL;
    }

    *n = r->upstream_states->nelts;

    return r->upstream_states->elts;
}


/*
 * The separator before state i: ", " between attempts, " : " where a new
 * upstream starts (a state with no peer, which is skipped).  Returns the
 * index of the next state to print, or n at the end.
 */
static hx_uint_t
hx_http_upstream_separator(hx_http_upstream_state_t *state, hx_uint_t i,
    hx_uint_t n, uint8_t **pp)
{
    uint8_t  *p;

    p = *pp;

    if (state[i].peer) {
        *p++ = ',';
        *p++ = ' ';

    } else {
        *p++ = ' ';
        *p++ = ':';
        *p++ = ' ';

        i++;
    }

    *pp = p;

    return (i < n) ? i : n;
}


static hx_int_t
hx_http_upstream_addr_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    size_t                      len;
    uint8_t                    *p;
    hx_uint_t                   i, n;
    hx_http_upstream_state_t   *state;

    (void) data;

    state = hx_http_upstream_states(r, v, &n);
    if (state == NULL) {
        return HX_OK;
    }

    len = 0;

    for (i = 0; i < n; i++) {
        len += (state[i].peer ? state[i].peer->len : 0) + 3;
    }

    p = hx_pnalloc(r->pool, len);
    if (p == NULL) {
        return HX_ERROR;
    }

    v->data = p;

    i = 0;

    for ( ;; ) {
        if (state[i].peer) {
            p = hx_cpymem(p, state[i].peer->data, state[i].peer->len);
        }

        if (++i == n) {
            break;
        }

        i = hx_http_upstream_separator(state, i, n, &p);

        if (i == n) {
            break;
        }
    }

    v->len = p - v->data;

    return HX_OK;
}


static hx_int_t
hx_http_upstream_status_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    uint8_t                    *p;
    hx_uint_t                   i, n;
    hx_http_upstream_state_t   *state;

    (void) data;

    state = hx_http_upstream_states(r, v, &n);
    if (state == NULL) {
        return HX_OK;
    }

    p = hx_pnalloc(r->pool, n * (3 + 3));
    if (p == NULL) {
        return HX_ERROR;
    }

    v->data = p;

    i = 0;

    for ( ;; ) {
        if (state[i].status) {
            p = hx_sprintf(p, "%ui", state[i].status);

        } else {
            *p++ = '-';
        }

        if (++i == n) {
            break;
        }

        i = hx_http_upstream_separator(state, i, n, &p);

        if (i == n) {
            break;
        }
    }

    v->len = p - v->data;

    return HX_OK;
}


static hx_int_t
hx_http_upstream_response_time_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    uint8_t                    *p;
    hx_uint_t                   i, n;
    hx_msec_t                   ms;
    hx_http_upstream_state_t   *state;

    state = hx_http_upstream_states(r, v, &n);
    if (state == NULL) {
        return HX_OK;
    }

    p = hx_pnalloc(r->pool, n * (HX_TIME_T_LEN + 4 + 3));
    if (p == NULL) {
        return HX_ERROR;
    }

    v->data = p;

    i = 0;

    for ( ;; ) {

        switch (data) {
        case HX_HTTP_UPSTREAM_HEADER:
            ms = state[i].header_time;
            break;

        case HX_HTTP_UPSTREAM_CONNECT:
            ms = state[i].connect_time;
            break;

        default:
            ms = state[i].response_time;
        }

        if (ms != (hx_msec_t) -1) {
            p = hx_sprintf(p, "%T.%03M", (time_t) (ms / 1000), ms % 1000);

        } else {
            *p++ = '-';
        }

        if (++i == n) {
            break;
        }

        i = hx_http_upstream_separator(state, i, n, &p);

        if (i == n) {
            break;
        }
    }

    v->len = p - v->data;

    return HX_OK;
}


static hx_int_t
hx_http_upstream_response_length_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    off_t                       len;
    uint8_t                    *p;
    hx_uint_t                   i, n;
    hx_http_upstream_state_t   *state;

    state = hx_http_upstream_states(r, v, &n);
    if (state == NULL) {
        return HX_OK;
    }

    p = hx_pnalloc(r->pool, n * (HX_OFF_T_LEN + 3));
    if (p == NULL) {
        return HX_ERROR;
    }

    v->data = p;

    i = 0;

    for ( ;; ) {

        switch (data) {
        case HX_HTTP_UPSTREAM_RECEIVED:
            len = state[i].bytes_received;
            break;

        case HX_HTTP_UPSTREAM_SENT:
            len = state[i].bytes_sent;
            break;

        default:
            len = state[i].response_length;
        }

        p = hx_sprintf(p, "%O", len);

        if (++i == n) {
            break;
        }

        i = hx_http_upstream_separator(state, i, n, &p);

        if (i == n) {
            break;
        }
    }

    v->len = p - v->data;

    return HX_OK;
}


static hx_int_t
hx_http_upstream_header_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    if (r->upstream == NULL) {
        v->not_found = 1;
        return HX_OK;
    }

    return hx_http_variable_unknown_header(r, v, (hx_str_t *) data,
                                         &r->upstream->headers_in.headers.part,
                                         sizeof("upstream_http_") - 1);
}


static hx_int_t
hx_http_upstream_trailer_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    if (r->upstream == NULL) {
        v->not_found = 1;
        return HX_OK;
    }

    return hx_http_variable_unknown_header(r, v, (hx_str_t *) data,
                                        &r->upstream->headers_in.trailers.part,
                                        sizeof("upstream_trailer_") - 1);
}


/* a cookie the backend set: the first Set-Cookie line naming it */
static hx_int_t
hx_http_upstream_cookie_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_str_t         *name = (hx_str_t *) data;

    hx_str_t          s, cookie;
    hx_table_elt_t   *h;

    if (r->upstream == NULL) {
        v->not_found = 1;
        return HX_OK;
    }

    s.len = name->len - (sizeof("upstream_cookie_") - 1);
    s.data = name->data + sizeof("upstream_cookie_") - 1;

    for (h = r->upstream->headers_in.set_cookie; h; h = h->next) {

        if (hx_http_parse_multi_header_line(&h->value, &s, &cookie, ';')
            == HX_OK)
        {
            v->len = cookie.len;
            v->valid = 1;
            v->no_cacheable = 0;
            v->not_found = 0;
            v->data = cookie.data;

            return HX_OK;
        }
    }

    v->not_found = 1;

    return HX_OK;
}

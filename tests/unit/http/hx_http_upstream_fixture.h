/*
 * Shared fixture of the upstream and proxy unit tests, on top of the
 * http modules fixture: a request as the proxy handler would have set it
 * up (an upstream, the proxy's context, its location's settings), and a
 * way to hand it a backend response header as bytes, without sockets.
 */

#ifndef HX_TESTS_UNIT_HTTP_HX_HTTP_UPSTREAM_FIXTURE_H
#define HX_TESTS_UNIT_HTTP_HX_HTTP_UPSTREAM_FIXTURE_H

#include "hx_http_modules_fixture.h"
#include <hx_http_upstream.h>
#include <hx_http_proxy.h>


/* "http { ... }" around a server on 127.0.0.1:9000 with locations */
#define HXU_HTTP(upstreams, locations)                                        \
    "http {\n" upstreams "\n"                                                 \
    "server { listen 127.0.0.1:9000; server_name localhost;\n"               \
    locations "\n} }\n"


/*
 * A request for uri whose location proxies: an upstream, the proxy
 * context (as hx_http_proxy_handler leaves it) and u->conf.
 */
HX_UNUSED static hx_http_request_t *
hxu_request(const char *uri, const char *args)
{
    hx_http_request_t          *r;
    hx_http_upstream_t         *u;
    hx_http_proxy_ctx_t        *ctx;
    hx_http_upstream_state_t   *state;
    hx_http_proxy_loc_conf_t   *plcf;

    r = hxh_request("127.0.0.1:5000", uri, args);

    r->valid_location = 1;
    r->valid_unparsed_uri = 1;

    cr_assert_eq(hx_http_upstream_create(r), HX_OK);

    u = r->upstream;

    ctx = hx_pcalloc(r->pool, sizeof(hx_http_proxy_ctx_t));
    cr_assert_not_null(ctx);
    hx_http_set_ctx(r, ctx, hx_http_proxy_module);

    plcf = hx_http_get_module_loc_conf(r, hx_http_proxy_module);

    ctx->vars = plcf->vars;
    u->schema = plcf->vars.schema;
    u->conf = &plcf->upstream;

    u->process_header = hx_http_proxy_process_status_line;

    if (plcf->redirects) {
        u->rewrite_redirect = hx_http_proxy_rewrite_redirect;
    }

    if (plcf->cookie_domains || plcf->cookie_paths || plcf->cookie_flags) {
        u->rewrite_cookie = hx_http_proxy_rewrite_cookie;
    }

    u->pipe = hx_pcalloc(r->pool, sizeof(hx_http_upstream_pipe_t));
    cr_assert_not_null(u->pipe);
    u->pipe->input_filter = hx_http_proxy_copy_filter;
    u->pipe->input_ctx = r;
    u->pipe->log = &hxh_log;
    u->pipe->pool = r->pool;

    u->input_filter_init = hx_http_proxy_input_filter_init;
    u->input_filter = hx_http_proxy_non_buffered_copy_filter;
    u->input_filter_ctx = r;

    cr_assert_eq(hx_list_init(&u->headers_in.headers, r->pool, 8,
                              sizeof(hx_table_elt_t)), HX_OK);
    cr_assert_eq(hx_list_init(&u->headers_in.trailers, r->pool, 2,
                              sizeof(hx_table_elt_t)), HX_OK);

    r->upstream_states = hx_array_create(r->pool, 1,
                                         sizeof(hx_http_upstream_state_t));
    cr_assert_not_null(r->upstream_states);

    state = hx_array_push(r->upstream_states);
    cr_assert_not_null(state);
    hx_memzero(state, sizeof(hx_http_upstream_state_t));
    u->state = state;

    return r;
}


/*
 * The backend's bytes, given to the header parser as one read (or one
 * byte per read when bytewise); returns what process_header said last.
 */
HX_UNUSED static hx_int_t
hxu_feed(hx_http_request_t *r, const char *text, hx_uint_t bytewise)
{
    size_t               len, i;
    hx_int_t             rc;
    hx_buf_t            *b;
    hx_http_upstream_t  *u;

    u = r->upstream;
    b = &u->buffer;

    len = strlen(text);

    b->start = hx_pnalloc(r->pool, len + 1);
    cr_assert_not_null(b->start);
    hx_memcpy(b->start, text, len);
    b->pos = b->start;
    b->end = b->start + len;

    if (!bytewise) {
        b->last = b->end;
        return u->process_header(r);
    }

    rc = HX_AGAIN;

    for (i = 1; i <= len; i++) {
        b->last = b->start + i;

        rc = u->process_header(r);

        if (rc != HX_AGAIN) {
            break;
        }
    }

    return rc;
}


/* the value of the first response header named name, or NULL */
HX_UNUSED static char *
hxu_out_header(hx_http_request_t *r, const char *name)
{
    char            *s;
    hx_table_elt_t  *h;
    hx_list_iter_t   it;

    hx_list_iter_init(&it, &r->headers_out.headers);

    while ((h = hx_list_iter_next(&it)) != NULL) {
        if (h->hash == 0 || h->key.len != strlen(name)
            || hx_strncasecmp(h->key.data, (uint8_t *) name, h->key.len)
               != 0)
        {
            continue;
        }

        s = (char *) hx_pnalloc(r->pool, h->value.len + 1);
        cr_assert_not_null(s);
        hx_memcpy(s, h->value.data, h->value.len);
        s[h->value.len] = '\0';

        return s;
    }

    return NULL;
}


/* the proxy's loc conf of r's location */
HX_UNUSED static hx_http_proxy_loc_conf_t *
hxu_plcf(hx_http_request_t *r)
{
    return hx_http_get_module_loc_conf(r, hx_http_proxy_module);
}

#endif /* HX_TESTS_UNIT_HTTP_HX_HTTP_UPSTREAM_FIXTURE_H */

/*
 * proxy_pass: the content handler that sends the request to a backend
 * over HTTP/1.x through the upstream machinery, and every proxy_*
 * directive of nginx 1.30 that does not need the cache or TLS to the
 * backend (those report "is not supported").
 *
 * What is sent follows nginx: "proxy_pass http://backend" (no URI part)
 * passes the client's URI as it came; "proxy_pass http://backend/x/"
 * replaces the location's prefix with /x/; with variables the evaluated
 * URI is sent as it is; in regex, named and "if" locations a URI part is
 * refused.  Headers: the client's, minus the ones proxy_set_header names,
 * plus those (an empty value removes one), with nginx 1.30's defaults:
 * "Host: $proxy_host", no "Connection" (HTTP/1.1 keeps the backend
 * connection reusable), and Content-Length or Transfer-Encoding as the
 * body demands.  proxy_set_header is inherited as a whole, only when a
 * level sets none.
 *
 * Files: this one (directives, configuration, the handler and the
 * $proxy_* variables); hx_http_proxy_request.c; hx_http_proxy_response.c;
 * hx_http_proxy_rewrite.c.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_upstream.h>
#include "hx_http_proxy.h"


static hx_int_t hx_http_proxy_handler(hx_http_request_t *r);
static hx_int_t hx_http_proxy_eval(hx_http_request_t *r,
    hx_http_proxy_ctx_t *ctx, hx_http_proxy_loc_conf_t *plcf);
static void hx_http_proxy_set_vars(hx_url_t *u, hx_http_proxy_vars_t *v);

static hx_int_t hx_http_proxy_host_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_proxy_port_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_proxy_add_x_forwarded_for_variable(
    hx_http_request_t *r, hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_proxy_internal_body_length_variable(
    hx_http_request_t *r, hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_proxy_internal_chunked_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);

static hx_int_t hx_http_proxy_add_variables(hx_conf_t *cf);
static void *hx_http_proxy_create_loc_conf(hx_conf_t *cf);
static char *hx_http_proxy_merge_loc_conf(hx_conf_t *cf, void *parent,
    void *child);
static hx_int_t hx_http_proxy_init_headers(hx_conf_t *cf,
    hx_http_proxy_loc_conf_t *conf, hx_http_proxy_headers_t *headers,
    hx_keyval_t *default_headers);

static char *hx_http_proxy_pass(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_proxy_set_body(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_proxy_lowat_check(hx_conf_t *cf, void *post,
    void *data);


static hx_conf_post_t  hx_http_proxy_lowat_post =
    { hx_http_proxy_lowat_check };


static hx_conf_bitmask_t  hx_http_proxy_next_upstream_masks[] = {
    { hx_string("error"), HX_HTTP_UPSTREAM_FT_ERROR },
    { hx_string("timeout"), HX_HTTP_UPSTREAM_FT_TIMEOUT },
    { hx_string("invalid_header"), HX_HTTP_UPSTREAM_FT_INVALID_HEADER },
    { hx_string("non_idempotent"), HX_HTTP_UPSTREAM_FT_NON_IDEMPOTENT },
    { hx_string("http_500"), HX_HTTP_UPSTREAM_FT_HTTP_500 },
    { hx_string("http_502"), HX_HTTP_UPSTREAM_FT_HTTP_502 },
    { hx_string("http_503"), HX_HTTP_UPSTREAM_FT_HTTP_503 },
    { hx_string("http_504"), HX_HTTP_UPSTREAM_FT_HTTP_504 },
    { hx_string("http_403"), HX_HTTP_UPSTREAM_FT_HTTP_403 },
    { hx_string("http_404"), HX_HTTP_UPSTREAM_FT_HTTP_404 },
    { hx_string("http_429"), HX_HTTP_UPSTREAM_FT_HTTP_429 },
    { hx_string("updating"), HX_HTTP_UPSTREAM_FT_UPDATING },
    { hx_string("off"), HX_HTTP_UPSTREAM_FT_OFF },
    { hx_null_string, 0 }
};


static hx_conf_enum_t  hx_http_proxy_http_version[] = {
    { hx_string("1.0"), HX_HTTP_VERSION_10 },
    { hx_string("1.1"), HX_HTTP_VERSION_11 },
    { hx_null_string, 0 }
};


static hx_path_init_t  hx_http_proxy_temp_path = {
    hx_string("proxy_temp"), { 1, 2, 0 }
};


#define HX_HTTP_PROXY_CONF                                                    \
    (HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF)

#define hx_http_proxy_offset(field)                                           \
    offsetof(hx_http_proxy_loc_conf_t, field)


static hx_command_t  hx_http_proxy_commands[] = {

    { hx_string("proxy_pass"),
      HX_HTTP_LOC_CONF|HX_HTTP_LIF_CONF|HX_HTTP_LMT_CONF|HX_CONF_TAKE1,
      hx_http_proxy_pass,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("proxy_redirect"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE12,
      hx_http_proxy_redirect,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("proxy_cookie_domain"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE12,
      hx_http_proxy_cookie_domain,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("proxy_cookie_path"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE12,
      hx_http_proxy_cookie_path,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("proxy_cookie_flags"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE1234,
      hx_http_proxy_cookie_flags,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("proxy_buffering"),
      HX_HTTP_PROXY_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.buffering),
      NULL },

    { hx_string("proxy_request_buffering"),
      HX_HTTP_PROXY_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.request_buffering),
      NULL },

    { hx_string("proxy_ignore_client_abort"),
      HX_HTTP_PROXY_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.ignore_client_abort),
      NULL },

    { hx_string("proxy_bind"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE12,
      hx_http_upstream_bind_set_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.local),
      NULL },

    { hx_string("proxy_socket_keepalive"),
      HX_HTTP_PROXY_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.socket_keepalive),
      NULL },

    { hx_string("proxy_connect_timeout"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.connect_timeout),
      NULL },

    { hx_string("proxy_send_timeout"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.send_timeout),
      NULL },

    { hx_string("proxy_send_lowat"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE1,
      hx_conf_set_size_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.send_lowat),
      &hx_http_proxy_lowat_post },

    { hx_string("proxy_intercept_errors"),
      HX_HTTP_PROXY_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.intercept_errors),
      NULL },

    { hx_string("proxy_set_header"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE2,
      hx_conf_set_keyval_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(headers_source),
      NULL },

    { hx_string("proxy_headers_hash_max_size"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(headers_hash_max_size),
      NULL },

    { hx_string("proxy_headers_hash_bucket_size"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(headers_hash_bucket_size),
      NULL },

    { hx_string("proxy_set_body"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE1,
      hx_http_proxy_set_body,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("proxy_method"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE1,
      hx_http_set_complex_value_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(method),
      NULL },

    { hx_string("proxy_pass_request_headers"),
      HX_HTTP_PROXY_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.pass_request_headers),
      NULL },

    { hx_string("proxy_pass_request_body"),
      HX_HTTP_PROXY_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.pass_request_body),
      NULL },

    { hx_string("proxy_pass_trailers"),
      HX_HTTP_PROXY_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.pass_trailers),
      NULL },

    { hx_string("proxy_buffer_size"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE1,
      hx_conf_set_size_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.buffer_size),
      NULL },

    { hx_string("proxy_read_timeout"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.read_timeout),
      NULL },

    { hx_string("proxy_buffers"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE2,
      hx_conf_set_bufs_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.bufs),
      NULL },

    { hx_string("proxy_busy_buffers_size"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE1,
      hx_conf_set_size_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.busy_buffers_size_conf),
      NULL },

    { hx_string("proxy_force_ranges"),
      HX_HTTP_PROXY_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.force_ranges),
      NULL },

    { hx_string("proxy_limit_rate"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE1,
      hx_http_set_complex_value_size_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.limit_rate),
      NULL },

    { hx_string("proxy_temp_path"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE1234,
      hx_http_set_path_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.temp_path),
      NULL },

    { hx_string("proxy_max_temp_file_size"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE1,
      hx_conf_set_size_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.max_temp_file_size_conf),
      NULL },

    { hx_string("proxy_temp_file_write_size"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE1,
      hx_conf_set_size_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.temp_file_write_size_conf),
      NULL },

    { hx_string("proxy_next_upstream"),
      HX_HTTP_PROXY_CONF|HX_CONF_1MORE,
      hx_conf_set_bitmask_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.next_upstream),
      &hx_http_proxy_next_upstream_masks },

    { hx_string("proxy_next_upstream_tries"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.next_upstream_tries),
      NULL },

    { hx_string("proxy_next_upstream_timeout"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.next_upstream_timeout),
      NULL },

    { hx_string("proxy_pass_header"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE1,
      hx_conf_set_str_array_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.pass_headers),
      NULL },

    { hx_string("proxy_hide_header"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE1,
      hx_conf_set_str_array_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.hide_headers),
      NULL },

    { hx_string("proxy_ignore_headers"),
      HX_HTTP_PROXY_CONF|HX_CONF_1MORE,
      hx_conf_set_bitmask_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(upstream.ignore_headers),
      &hx_http_upstream_ignore_headers_masks },

    { hx_string("proxy_http_version"),
      HX_HTTP_PROXY_CONF|HX_CONF_TAKE1,
      hx_conf_set_enum_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      hx_http_proxy_offset(http_version),
      &hx_http_proxy_http_version },

    hx_null_command
};


static hx_http_module_t  hx_http_proxy_module_ctx = {
    hx_http_proxy_add_variables,           /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    hx_http_proxy_create_loc_conf,         /* create location configuration */
    hx_http_proxy_merge_loc_conf           /* merge location configuration */
};


hx_module_t  hx_http_proxy_module = {
    HX_MODULE_V1,
    "hx_http_proxy_module",
    &hx_http_proxy_module_ctx,
    hx_http_proxy_commands,
    HX_HTTP_MODULE,
    NULL,                                  /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL                                   /* exit master */
};


/* nginx 1.30's defaults; "" means "never sent" */
static hx_keyval_t  hx_http_proxy_headers[] = {
    { hx_string("Host"), hx_string("$proxy_internal_host") },
    { hx_string("Connection"), hx_string("") },
    { hx_string("Content-Length"), hx_string("$proxy_internal_body_length") },
    { hx_string("Transfer-Encoding"), hx_string("$proxy_internal_chunked") },
    { hx_string("TE"), hx_string("") },
    { hx_string("Keep-Alive"), hx_string("") },
    { hx_string("Expect"), hx_string("") },
    { hx_string("Upgrade"), hx_string("") },
    { hx_null_string, hx_null_string }
};


/* response headers the client never sees unless proxy_pass_header */
static hx_str_t  hx_http_proxy_hide_headers[] = {
    hx_string("Date"),
    hx_string("Server"),
    hx_string("X-Pad"),
    hx_string("X-Accel-Expires"),
    hx_string("X-Accel-Redirect"),
    hx_string("X-Accel-Limit-Rate"),
    hx_string("X-Accel-Buffering"),
    hx_string("X-Accel-Charset"),
    hx_null_string
};


static hx_http_variable_t  hx_http_proxy_vars[] = {

    { hx_string("proxy_host"), NULL, hx_http_proxy_host_variable, 0,
      HX_HTTP_VAR_CHANGEABLE|HX_HTTP_VAR_NOCACHEABLE|HX_HTTP_VAR_NOHASH, 0 },

    { hx_string("proxy_port"), NULL, hx_http_proxy_port_variable, 0,
      HX_HTTP_VAR_CHANGEABLE|HX_HTTP_VAR_NOCACHEABLE|HX_HTTP_VAR_NOHASH, 0 },

    { hx_string("proxy_add_x_forwarded_for"), NULL,
      hx_http_proxy_add_x_forwarded_for_variable, 0,
      HX_HTTP_VAR_NOHASH, 0 },

    { hx_string("proxy_internal_host"), NULL,
      hx_http_proxy_host_variable, 1,
      HX_HTTP_VAR_CHANGEABLE|HX_HTTP_VAR_NOCACHEABLE|HX_HTTP_VAR_NOHASH, 0 },

    { hx_string("proxy_internal_body_length"), NULL,
      hx_http_proxy_internal_body_length_variable, 0,
      HX_HTTP_VAR_NOCACHEABLE|HX_HTTP_VAR_NOHASH, 0 },

    { hx_string("proxy_internal_chunked"), NULL,
      hx_http_proxy_internal_chunked_variable, 0,
      HX_HTTP_VAR_NOCACHEABLE|HX_HTTP_VAR_NOHASH, 0 },

    hx_http_null_variable
};


static hx_int_t
hx_http_proxy_handler(hx_http_request_t *r)
{
    hx_int_t                     rc;
    hx_http_upstream_t          *u;
    hx_http_proxy_ctx_t         *ctx;
    hx_http_proxy_loc_conf_t    *plcf;

    plcf = hx_http_get_module_loc_conf(r, hx_http_proxy_module);

    if (hx_http_upstream_create(r) != HX_OK) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx = hx_pcalloc(r->pool, sizeof(hx_http_proxy_ctx_t));
    if (ctx == NULL) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    hx_http_set_ctx(r, ctx, hx_http_proxy_module);

    u = r->upstream;

    if (plcf->proxy == NULL) {
        ctx->vars = plcf->vars;
        u->schema = plcf->vars.schema;

    } else {
        if (hx_http_proxy_eval(r, ctx, plcf) != HX_OK) {
            return HX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    u->conf = &plcf->upstream;

    u->create_request = hx_http_proxy_create_request;
    u->reinit_request = hx_http_proxy_reinit_request;
    u->process_header = hx_http_proxy_process_status_line;
    u->abort_request = hx_http_proxy_abort_request;
    u->finalize_request = hx_http_proxy_finalize_request;

    if (plcf->redirects) {
        u->rewrite_redirect = hx_http_proxy_rewrite_redirect;
    }

    if (plcf->cookie_domains || plcf->cookie_paths || plcf->cookie_flags) {
        u->rewrite_cookie = hx_http_proxy_rewrite_cookie;
    }

    u->buffering = plcf->upstream.buffering;

    u->pipe = hx_pcalloc(r->pool, sizeof(hx_http_upstream_pipe_t));
    if (u->pipe == NULL) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    u->pipe->input_filter = hx_http_proxy_copy_filter;
    u->pipe->input_ctx = r;

    u->input_filter_init = hx_http_proxy_input_filter_init;
    u->input_filter = hx_http_proxy_non_buffered_copy_filter;
    u->input_filter_ctx = r;

    u->accel = 1;

    if (!plcf->upstream.request_buffering
        && plcf->body == NULL && plcf->upstream.pass_request_body
        && (!r->headers_in.chunked
            || plcf->http_version == HX_HTTP_VERSION_11))
    {
        r->request_body_no_buffering = 1;
        u->body_filter = hx_http_proxy_body_filter;
    }

    rc = hx_http_read_client_request_body(r, hx_http_upstream_init);

    if (rc >= HX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return HX_DONE;
}


/* proxy_pass with variables: the URL for this request */
static hx_int_t
hx_http_proxy_eval(hx_http_request_t *r, hx_http_proxy_ctx_t *ctx,
    hx_http_proxy_loc_conf_t *plcf)
{
    size_t                        add;
    uint8_t                      *p;
    in_port_t                     port;
    hx_str_t                      proxy;
    hx_url_t                      url;
    hx_http_upstream_t           *u;
    hx_http_upstream_resolved_t  *ur;

    if (hx_http_complex_value(r, plcf->proxy, &proxy) != HX_OK) {
        return HX_ERROR;
    }

    if (proxy.len > 7
        && hx_strncasecmp(proxy.data, (uint8_t *) "http://", 7) == 0)
    {
        add = 7;
        port = 80;

    } else {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "invalid URL prefix in \"%V\"", &proxy);
        return HX_ERROR;
    }

    u = r->upstream;

    u->schema.len = add;
    u->schema.data = proxy.data;

    hx_memzero(&url, sizeof(hx_url_t));

    url.url.len = proxy.len - add;
    url.url.data = proxy.data + add;
    url.default_port = port;
    url.uri_part = 1;
    url.no_resolve = 1;

    if (hx_parse_url(r->pool, &url) != HX_OK) {
        if (url.err) {
            hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                         "%s in upstream \"%V\"", url.err, &url.url);
        }

        return HX_ERROR;
    }

    if (url.uri.len && url.uri.data[0] == '?') {

        /* "http://host?args": the URI is "/?args" */

        p = hx_pnalloc(r->pool, url.uri.len + 1);
        if (p == NULL) {
            return HX_ERROR;
        }

        *p = '/';
        hx_memcpy(p + 1, url.uri.data, url.uri.len);

        url.uri.len++;
        url.uri.data = p;
    }

    ctx->vars.key_start = u->schema;

    hx_http_proxy_set_vars(&url, &ctx->vars);

    ur = hx_pcalloc(r->pool, sizeof(hx_http_upstream_resolved_t));
    if (ur == NULL) {
        return HX_ERROR;
    }

    u->resolved = ur;

    if (url.addrs) {
        ur->sockaddr = url.addrs[0].sockaddr;
        ur->socklen = url.addrs[0].socklen;
        ur->name = url.addrs[0].name;
        ur->naddrs = 1;
    }

    ur->host = url.host;
    ur->port = (in_port_t) (url.no_port ? port : url.port);
    ur->no_port = url.no_port;

    return HX_OK;
}


static void
hx_http_proxy_set_vars(hx_url_t *u, hx_http_proxy_vars_t *v)
{
    if (u->family != AF_UNIX) {

        if (u->no_port || u->port == u->default_port) {

            v->host_header = u->host;

            if (u->default_port == 80) {
                hx_str_set(&v->port, "80");

            } else {
                hx_str_set(&v->port, "443");
            }

        } else {
            v->host_header.len = u->host.len + 1 + u->port_text.len;
            v->host_header.data = u->host.data;
            v->port = u->port_text;
        }

        v->key_start.len += v->host_header.len;

    } else {
        hx_str_set(&v->host_header, "localhost");
        hx_str_null(&v->port);
        v->key_start.len += sizeof("unix:") - 1 + u->host.len + 1;
    }

    v->uri = u->uri;
}


/* ---- variables ------------------------------------------------------- */

static hx_int_t
hx_http_proxy_add_variables(hx_conf_t *cf)
{
    hx_http_variable_t  *var, *v;

    for (v = hx_http_proxy_vars; v->name.len; v++) {
        var = hx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return HX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return HX_OK;
}


static hx_int_t
hx_http_proxy_host_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_http_proxy_ctx_t  *ctx;

    (void) data;

    ctx = hx_http_get_module_ctx(r, hx_http_proxy_module);

    if (ctx == NULL) {
        v->not_found = 1;
        return HX_OK;
    }

    v->len = ctx->vars.host_header.len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = ctx->vars.host_header.data;

    return HX_OK;
}


static hx_int_t
hx_http_proxy_port_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_http_proxy_ctx_t  *ctx;

    (void) data;

    ctx = hx_http_get_module_ctx(r, hx_http_proxy_module);

    if (ctx == NULL) {
        v->not_found = 1;
        return HX_OK;
    }

    v->len = ctx->vars.port.len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = ctx->vars.port.data;

    return HX_OK;
}


/* the client's X-Forwarded-For lines, then its address */
static hx_int_t
hx_http_proxy_add_x_forwarded_for_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    size_t           len;
    uint8_t         *p;
    hx_table_elt_t  *h, *xfwd;

    (void) data;

    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    xfwd = r->headers_in.x_forwarded_for;

    len = 0;

    for (h = xfwd; h; h = h->next) {
        len += h->value.len + sizeof(", ") - 1;
    }

    if (len == 0) {
        v->len = r->connection->addr_text.len;
        v->data = r->connection->addr_text.data;
        return HX_OK;
    }

    len += r->connection->addr_text.len;

    p = hx_pnalloc(r->pool, len);
    if (p == NULL) {
        return HX_ERROR;
    }

    v->len = len;
    v->data = p;

    for (h = xfwd; h; h = h->next) {
        p = hx_cpymem(p, h->value.data, h->value.len);
        *p++ = ',';
        *p++ = ' ';
    }

    hx_memcpy(p, r->connection->addr_text.data,
              r->connection->addr_text.len);

    return HX_OK;
}


static hx_int_t
hx_http_proxy_internal_body_length_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_http_proxy_ctx_t  *ctx;

    (void) data;

    ctx = hx_http_get_module_ctx(r, hx_http_proxy_module);

    if (ctx == NULL || ctx->internal_body_length < 0) {
        v->not_found = 1;
        return HX_OK;
    }

    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    v->data = hx_pnalloc(r->pool, HX_OFF_T_LEN);
    if (v->data == NULL) {
        return HX_ERROR;
    }

    v->len = hx_sprintf(v->data, "%O", ctx->internal_body_length) - v->data;

    return HX_OK;
}


static hx_int_t
hx_http_proxy_internal_chunked_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_http_proxy_ctx_t  *ctx;

    (void) data;

    ctx = hx_http_get_module_ctx(r, hx_http_proxy_module);

    if (ctx == NULL || !ctx->internal_chunked) {
        v->not_found = 1;
        return HX_OK;
    }

    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    v->data = (uint8_t *) "chunked";
    v->len = sizeof("chunked") - 1;

    return HX_OK;
}


/* ---- configuration --------------------------------------------------- */

static void *
hx_http_proxy_create_loc_conf(hx_conf_t *cf)
{
    hx_http_proxy_loc_conf_t  *conf;

    conf = hx_pcalloc(cf->pool, sizeof(hx_http_proxy_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by hx_pcalloc():
     *
     *     conf->upstream.upstream = NULL;
     *     conf->upstream.ignore_headers = 0;
     *     conf->upstream.next_upstream = 0;
     *     conf->upstream.hide_headers_hash = { NULL, 0 };
     *     conf->upstream.temp_path = NULL;
     *     conf->body = NULL;
     *     conf->proxy = NULL;
     *     conf->redirects = NULL;
     *     conf->location = { 0, NULL };
     *     conf->url = { 0, NULL };
     *     conf->vars = { ... };
     */

    conf->upstream.next_upstream_tries = HX_CONF_UNSET_UINT;
    conf->upstream.buffering = HX_CONF_UNSET;
    conf->upstream.request_buffering = HX_CONF_UNSET;
    conf->upstream.ignore_client_abort = HX_CONF_UNSET;
    conf->upstream.force_ranges = HX_CONF_UNSET;

    conf->upstream.local = HX_CONF_UNSET_PTR;
    conf->upstream.socket_keepalive = HX_CONF_UNSET;

    conf->upstream.connect_timeout = HX_CONF_UNSET_MSEC;
    conf->upstream.send_timeout = HX_CONF_UNSET_MSEC;
    conf->upstream.read_timeout = HX_CONF_UNSET_MSEC;
    conf->upstream.next_upstream_timeout = HX_CONF_UNSET_MSEC;

    conf->upstream.send_lowat = HX_CONF_UNSET_SIZE;
    conf->upstream.buffer_size = HX_CONF_UNSET_SIZE;
    conf->upstream.limit_rate = HX_CONF_UNSET_PTR;

    conf->upstream.busy_buffers_size_conf = HX_CONF_UNSET_SIZE;
    conf->upstream.max_temp_file_size_conf = HX_CONF_UNSET_SIZE;
    conf->upstream.temp_file_write_size_conf = HX_CONF_UNSET_SIZE;

    conf->upstream.pass_request_headers = HX_CONF_UNSET;
    conf->upstream.pass_request_body = HX_CONF_UNSET;
    conf->upstream.pass_trailers = HX_CONF_UNSET;

    conf->upstream.hide_headers = HX_CONF_UNSET_PTR;
    conf->upstream.pass_headers = HX_CONF_UNSET_PTR;

    conf->upstream.intercept_errors = HX_CONF_UNSET;

    /* "proxy_cookie_*" and "proxy_redirect" have their own unset marks */

    conf->cookie_domains = HX_CONF_UNSET_PTR;
    conf->cookie_paths = HX_CONF_UNSET_PTR;
    conf->cookie_flags = HX_CONF_UNSET_PTR;

    conf->method = HX_CONF_UNSET_PTR;

    conf->redirect = HX_CONF_UNSET;

    conf->headers_source = HX_CONF_UNSET_PTR;

    conf->http_version = HX_CONF_UNSET_UINT;

    conf->headers_hash_max_size = HX_CONF_UNSET_UINT;
    conf->headers_hash_bucket_size = HX_CONF_UNSET_UINT;

    conf->upstream.change_buffering = 1;

    hx_str_set(&conf->upstream.module, "proxy");

    return conf;
}


static char *
hx_http_proxy_merge_loc_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_http_proxy_loc_conf_t *prev = parent;
    hx_http_proxy_loc_conf_t *conf = child;

    hx_hash_init_t              hash;
    hx_http_proxy_rewrite_t    *pr;
    hx_http_core_loc_conf_t    *clcf;

    hx_conf_merge_uint_value(conf->upstream.next_upstream_tries,
                             prev->upstream.next_upstream_tries, 0);

    hx_conf_merge_value(conf->upstream.buffering,
                        prev->upstream.buffering, 1);

    hx_conf_merge_value(conf->upstream.request_buffering,
                        prev->upstream.request_buffering, 1);

    hx_conf_merge_value(conf->upstream.ignore_client_abort,
                        prev->upstream.ignore_client_abort, 0);

    hx_conf_merge_value(conf->upstream.force_ranges,
                        prev->upstream.force_ranges, 0);

    hx_conf_merge_ptr_value(conf->upstream.local,
                            prev->upstream.local, NULL);

    hx_conf_merge_value(conf->upstream.socket_keepalive,
                        prev->upstream.socket_keepalive, 0);

    hx_conf_merge_msec_value(conf->upstream.connect_timeout,
                             prev->upstream.connect_timeout, 60000);

    hx_conf_merge_msec_value(conf->upstream.send_timeout,
                             prev->upstream.send_timeout, 60000);

    hx_conf_merge_msec_value(conf->upstream.read_timeout,
                             prev->upstream.read_timeout, 60000);

    hx_conf_merge_msec_value(conf->upstream.next_upstream_timeout,
                             prev->upstream.next_upstream_timeout, 0);

    hx_conf_merge_size_value(conf->upstream.send_lowat,
                             prev->upstream.send_lowat, 0);

    hx_conf_merge_ptr_value(conf->upstream.limit_rate,
                            prev->upstream.limit_rate, NULL);

    if (hx_http_upstream_merge_buffers(cf, &conf->upstream, &prev->upstream,
                                       "proxy")
        != HX_CONF_OK)
    {
        return HX_CONF_ERROR;
    }

    hx_conf_merge_bitmask_value(conf->upstream.ignore_headers,
                                prev->upstream.ignore_headers,
                                HX_CONF_BITMASK_SET);

    hx_conf_merge_bitmask_value(conf->upstream.next_upstream,
                                prev->upstream.next_upstream,
                                (HX_CONF_BITMASK_SET
                                 |HX_HTTP_UPSTREAM_FT_ERROR
                                 |HX_HTTP_UPSTREAM_FT_TIMEOUT));

    if (conf->upstream.next_upstream & HX_HTTP_UPSTREAM_FT_OFF) {
        conf->upstream.next_upstream = HX_CONF_BITMASK_SET
                                       |HX_HTTP_UPSTREAM_FT_OFF;
    }

    if (hx_http_merge_path_value(cf, &conf->upstream.temp_path,
                                 prev->upstream.temp_path,
                                 &hx_http_proxy_temp_path)
        != HX_CONF_OK)
    {
        return HX_CONF_ERROR;
    }

    hx_conf_merge_value(conf->upstream.pass_request_headers,
                        prev->upstream.pass_request_headers, 1);

    hx_conf_merge_value(conf->upstream.pass_request_body,
                        prev->upstream.pass_request_body, 1);

    hx_conf_merge_value(conf->upstream.pass_trailers,
                        prev->upstream.pass_trailers, 0);

    hx_conf_merge_value(conf->upstream.intercept_errors,
                        prev->upstream.intercept_errors, 0);

    hx_conf_merge_ptr_value(conf->method, prev->method, NULL);

    hx_conf_merge_value(conf->redirect, prev->redirect, 1);

    if (conf->redirect) {

        if (conf->redirects == NULL) {
            conf->redirects = prev->redirects;
        }

        if (conf->redirects == NULL && conf->url.data) {

            /* "proxy_redirect default" is implied */

            conf->redirects = hx_array_create(cf->pool, 1,
                                          sizeof(hx_http_proxy_rewrite_t));
            if (conf->redirects == NULL) {
                return HX_CONF_ERROR;
            }

            pr = hx_array_push(conf->redirects);
            if (pr == NULL) {
                return HX_CONF_ERROR;
            }

            if (hx_http_proxy_default_redirect(cf, conf, pr) != HX_OK) {
                return HX_CONF_ERROR;
            }
        }
    }

    hx_conf_merge_ptr_value(conf->cookie_domains, prev->cookie_domains, NULL);

    hx_conf_merge_ptr_value(conf->cookie_paths, prev->cookie_paths, NULL);

    hx_conf_merge_ptr_value(conf->cookie_flags, prev->cookie_flags, NULL);

    hx_conf_merge_uint_value(conf->http_version, prev->http_version,
                             HX_HTTP_VERSION_11);

    hx_conf_merge_uint_value(conf->headers_hash_max_size,
                             prev->headers_hash_max_size, 512);

    hx_conf_merge_uint_value(conf->headers_hash_bucket_size,
                             prev->headers_hash_bucket_size, 64);

    conf->headers_hash_bucket_size = hx_align(conf->headers_hash_bucket_size,
                                              HX_ALIGNMENT);

    hash.max_size = conf->headers_hash_max_size;
    hash.bucket_size = conf->headers_hash_bucket_size;
    hash.name = "proxy_headers_hash";

    if (hx_http_upstream_hide_headers_hash(cf, &conf->upstream,
            &prev->upstream, hx_http_proxy_hide_headers, &hash)
        != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    clcf = hx_http_conf_get_module_loc_conf(cf, hx_http_core_module);

    if (clcf->noname
        && conf->upstream.upstream == NULL && conf->proxy == NULL)
    {
        /* "if" and "limit_except" blocks proxy where their location does */

        conf->upstream.upstream = prev->upstream.upstream;
        conf->location = prev->location;
        conf->vars = prev->vars;
        conf->proxy = prev->proxy;
    }

    if (clcf->lmt_excpt && clcf->handler == NULL
        && (conf->upstream.upstream || conf->proxy))
    {
        clcf->handler = hx_http_proxy_handler;
    }

    if (conf->body == NULL) {
        conf->body = prev->body;
    }

    hx_conf_merge_ptr_value(conf->headers_source, prev->headers_source, NULL);

    if (conf->headers_source == prev->headers_source) {
        conf->headers = prev->headers;
    }

    if (hx_http_proxy_init_headers(cf, conf, &conf->headers,
                                   hx_http_proxy_headers)
        != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    /* the http level keeps what it built, so every server inherits it */

    if (prev->headers.list == NULL
        && conf->headers_source == prev->headers_source)
    {
        prev->headers = conf->headers;
    }

    return HX_CONF_OK;
}


/*
 * The location's headers: its proxy_set_header lines in order, then the
 * defaults they do not override; the hash holds every name, so that the
 * client's header of such a name is never passed.
 */
static hx_int_t
hx_http_proxy_init_headers(hx_conf_t *cf, hx_http_proxy_loc_conf_t *conf,
    hx_http_proxy_headers_t *headers, hx_keyval_t *default_headers)
{
    hx_uint_t                          i, j;
    hx_array_t                         names, merged;
    hx_keyval_t                       *src, *s, *h;
    hx_hash_key_t                     *hk;
    hx_hash_init_t                     hash;
    hx_http_proxy_header_t            *ph;
    hx_http_compile_complex_value_t    ccv;

    if (headers->list) {
        return HX_OK;
    }

    if (hx_array_init(&names, cf->temp_pool, 4, sizeof(hx_hash_key_t))
        != HX_OK
        || hx_array_init(&merged, cf->temp_pool, 4, sizeof(hx_keyval_t))
           != HX_OK)
    {
        return HX_ERROR;
    }

    headers->list = hx_array_create(cf->pool, 8,
                                    sizeof(hx_http_proxy_header_t));
    if (headers->list == NULL) {
        return HX_ERROR;
    }

    if (conf->headers_source) {
        src = conf->headers_source->elts;

        for (i = 0; i < conf->headers_source->nelts; i++) {
            s = hx_array_push(&merged);
            if (s == NULL) {
                return HX_ERROR;
            }

            *s = src[i];
        }
    }

    for (h = default_headers; h->key.len; h++) {

        src = merged.elts;

        for (j = 0; j < merged.nelts; j++) {
            if (src[j].key.len == h->key.len
                && hx_strncasecmp(src[j].key.data, h->key.data, h->key.len)
                   == 0)
            {
                break;
            }
        }

        if (j < merged.nelts) {
            continue;
        }

        s = hx_array_push(&merged);
        if (s == NULL) {
            return HX_ERROR;
        }

        *s = *h;
    }

    src = merged.elts;

    for (i = 0; i < merged.nelts; i++) {

        hk = hx_array_push(&names);
        if (hk == NULL) {
            return HX_ERROR;
        }

        hk->key = src[i].key;
        hk->key_hash = hx_hash_key_lc(src[i].key.data, src[i].key.len);
        hk->value = (void *) 1;

        if (src[i].value.len == 0) {
            continue;
        }

        ph = hx_array_push(headers->list);
        if (ph == NULL) {
            return HX_ERROR;
        }

        ph->key = src[i].key;

        hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &src[i].value;
        ccv.complex_value = &ph->value;

        if (hx_http_compile_complex_value(&ccv) != HX_OK) {
            return HX_ERROR;
        }
    }

    hash.hash = &headers->hash;
    hash.key = hx_hash_key_lc;
    hash.max_size = conf->headers_hash_max_size;
    hash.bucket_size = conf->headers_hash_bucket_size;
    hash.name = "proxy_headers_hash";
    hash.pool = cf->pool;
    hash.temp_pool = NULL;

    return hx_hash_init(&hash, names.elts, names.nelts);
}


static char *
hx_http_proxy_pass(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_proxy_loc_conf_t *plcf = conf;

    size_t                              add;
    in_port_t                           port;
    hx_str_t                           *value, *url;
    hx_url_t                            u;
    hx_http_core_loc_conf_t            *clcf;
    hx_http_compile_complex_value_t     ccv;

    (void) cmd;

    if (plcf->upstream.upstream || plcf->proxy) {
        return "is duplicate";
    }

    clcf = hx_http_conf_get_module_loc_conf(cf, hx_http_core_module);

    clcf->handler = hx_http_proxy_handler;

    if (clcf->name.len && clcf->name.data[clcf->name.len - 1] == '/') {
        clcf->auto_redirect = 1;
    }

    value = cf->args->elts;

    url = &value[1];

    if (hx_http_script_variables_count(url)) {

        plcf->proxy = hx_palloc(cf->pool, sizeof(hx_http_complex_value_t));
        if (plcf->proxy == NULL) {
            return HX_CONF_ERROR;
        }

        hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = url;
        ccv.complex_value = plcf->proxy;

        if (hx_http_compile_complex_value(&ccv) != HX_OK) {
            return HX_CONF_ERROR;
        }

        return HX_CONF_OK;
    }

    if (url->len >= 7
        && hx_strncasecmp(url->data, (uint8_t *) "http://", 7) == 0)
    {
        add = 7;
        port = 80;

    } else if (url->len >= 8
               && hx_strncasecmp(url->data, (uint8_t *) "https://", 8) == 0)
    {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "https protocol requires SSL support");
        return HX_CONF_ERROR;

    } else {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "invalid URL prefix");
        return HX_CONF_ERROR;
    }

    hx_memzero(&u, sizeof(hx_url_t));

    u.url.len = url->len - add;
    u.url.data = url->data + add;
    u.default_port = port;
    u.uri_part = 1;
    u.no_resolve = 1;

    plcf->upstream.upstream = hx_http_upstream_add(cf, &u, 0);
    if (plcf->upstream.upstream == NULL) {
        return HX_CONF_ERROR;
    }

    plcf->vars.schema.len = add;
    plcf->vars.schema.data = url->data;
    plcf->vars.key_start = plcf->vars.schema;

    hx_http_proxy_set_vars(&u, &plcf->vars);

    plcf->location = clcf->name;

    if (clcf->named || clcf->regex || clcf->noname) {

        if (plcf->vars.uri.len) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "\"proxy_pass\" cannot have URI part in "
                              "location given by regular expression, "
                              "or inside named location, "
                              "or inside \"if\" statement, "
                              "or inside \"limit_except\" block");
            return HX_CONF_ERROR;
        }

        plcf->location.len = 0;
    }

    plcf->url = *url;

    return HX_CONF_OK;
}


static char *
hx_http_proxy_set_body(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_proxy_loc_conf_t *plcf = conf;

    hx_str_t                          *value;
    hx_http_compile_complex_value_t    ccv;

    (void) cmd;

    if (plcf->body) {
        return "is duplicate";
    }

    value = cf->args->elts;

    plcf->body = hx_palloc(cf->pool, sizeof(hx_http_complex_value_t));
    if (plcf->body == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = plcf->body;

    if (hx_http_compile_complex_value(&ccv) != HX_OK) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


static char *
hx_http_proxy_lowat_check(hx_conf_t *cf, void *post, void *data)
{
    size_t  *np = data;

    (void) post;

    if (*np >= 4 * 1024 * 1024) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "\"proxy_send_lowat\" must be less than %d "
                          "(sysctl net.ipv4.tcp_wmem)", 4 * 1024 * 1024);
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}

/*
 * The core variables: what a request carries ($uri, $args, $host,
 * $remote_addr, ...), what the response says ($status, $sent_http_*),
 * and the process and time ($pid, $msec, $time_local).  Each is a small
 * get handler over the request; prefix variables ($http_*, $cookie_*,
 * $arg_*, $sent_http_*) get the full variable name as data.
 *
 * Values point into the request's own memory wherever possible; only
 * joined header lists and formatted numbers are allocated.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_temp_file.h>
#include <sys/random.h>


#define hx_http_var_set(v, d, l)                                              \
    (v)->len = (l);                                                           \
    (v)->valid = 1;                                                           \
    (v)->no_cacheable = 0;                                                    \
    (v)->not_found = 0;                                                       \
    (v)->data = (d)


static hx_int_t hx_http_variable_request(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static void hx_http_variable_set_args(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_header(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_cookies(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_unknown_header_in(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_unknown_header_out(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_unknown_trailer_out(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_request_line(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_cookie_prefix(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_argument_prefix(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_tcpinfo(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_content_length(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_host(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_binary_remote_addr(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_remote_addr(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_remote_port(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_proxy_protocol_addr(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_proxy_protocol_port(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_proxy_protocol_tlv(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_server_addr(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_server_port(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_scheme(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_https(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_request_port(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_is_request_port(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_is_args(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_document_root(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_realpath_root(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_request_filename(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_server_name(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_request_method(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_remote_user(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_bytes_sent(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_body_bytes_sent(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_pipe(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_request_completion(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_request_body(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_request_body_file(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_request_length(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_request_time(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_request_id(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_status(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_sent_content_type(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_sent_content_length(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_sent_location(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_sent_last_modified(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_sent_connection(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_sent_keep_alive(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_sent_transfer_encoding(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static void hx_http_variable_set_limit_rate(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_request_get_size(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_connection(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_connection_requests(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_connection_time(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_nginx_version(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_hostname(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_pid(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_msec(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_time_iso8601(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static hx_int_t hx_http_variable_time_local(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);


#define HX_HTTP_VAR_NC  HX_HTTP_VAR_NOCACHEABLE

static hx_http_variable_t  hx_http_core_variables[] = {

    { hx_string("http_host"), NULL, hx_http_variable_header,
      offsetof(hx_http_request_t, headers_in.host), 0, 0 },

    { hx_string("http_user_agent"), NULL, hx_http_variable_header,
      offsetof(hx_http_request_t, headers_in.user_agent), 0, 0 },

    { hx_string("http_referer"), NULL, hx_http_variable_header,
      offsetof(hx_http_request_t, headers_in.referer), 0, 0 },

    { hx_string("http_via"), NULL, hx_http_variable_header,
      offsetof(hx_http_request_t, headers_in.via), 0, 0 },

    { hx_string("http_x_forwarded_for"), NULL, hx_http_variable_header,
      offsetof(hx_http_request_t, headers_in.x_forwarded_for), 0, 0 },

    { hx_string("http_cookie"), NULL, hx_http_variable_cookies,
      offsetof(hx_http_request_t, headers_in.cookie), 0, 0 },

    { hx_string("content_length"), NULL, hx_http_variable_content_length,
      0, 0, 0 },

    { hx_string("content_type"), NULL, hx_http_variable_header,
      offsetof(hx_http_request_t, headers_in.content_type), 0, 0 },

    { hx_string("host"), NULL, hx_http_variable_host, 0, 0, 0 },

    { hx_string("binary_remote_addr"), NULL,
      hx_http_variable_binary_remote_addr, 0, 0, 0 },

    { hx_string("remote_addr"), NULL, hx_http_variable_remote_addr, 0, 0, 0 },

    { hx_string("remote_port"), NULL, hx_http_variable_remote_port, 0, 0, 0 },

    { hx_string("proxy_protocol_addr"), NULL,
      hx_http_variable_proxy_protocol_addr,
      offsetof(hx_proxy_protocol_t, src_addr), 0, 0 },

    { hx_string("proxy_protocol_port"), NULL,
      hx_http_variable_proxy_protocol_port,
      offsetof(hx_proxy_protocol_t, src_port), 0, 0 },

    { hx_string("proxy_protocol_server_addr"), NULL,
      hx_http_variable_proxy_protocol_addr,
      offsetof(hx_proxy_protocol_t, dst_addr), 0, 0 },

    { hx_string("proxy_protocol_server_port"), NULL,
      hx_http_variable_proxy_protocol_port,
      offsetof(hx_proxy_protocol_t, dst_port), 0, 0 },

    { hx_string("proxy_protocol_tlv_"), NULL,
      hx_http_variable_proxy_protocol_tlv, 0, HX_HTTP_VAR_PREFIX, 0 },

    { hx_string("server_addr"), NULL, hx_http_variable_server_addr, 0, 0, 0 },

    { hx_string("server_port"), NULL, hx_http_variable_server_port, 0, 0, 0 },

    { hx_string("server_protocol"), NULL, hx_http_variable_request,
      offsetof(hx_http_request_t, http_protocol), 0, 0 },

    { hx_string("scheme"), NULL, hx_http_variable_scheme, 0, 0, 0 },

    { hx_string("https"), NULL, hx_http_variable_https, 0, 0, 0 },

    { hx_string("request_port"), NULL, hx_http_variable_request_port,
      0, 0, 0 },

    { hx_string("is_request_port"), NULL, hx_http_variable_is_request_port,
      0, 0, 0 },

    { hx_string("request_uri"), NULL, hx_http_variable_request,
      offsetof(hx_http_request_t, unparsed_uri), 0, 0 },

    { hx_string("uri"), NULL, hx_http_variable_request,
      offsetof(hx_http_request_t, uri), HX_HTTP_VAR_NC, 0 },

    { hx_string("document_uri"), NULL, hx_http_variable_request,
      offsetof(hx_http_request_t, uri), HX_HTTP_VAR_NC, 0 },

    { hx_string("request"), NULL, hx_http_variable_request_line, 0, 0, 0 },

    { hx_string("document_root"), NULL, hx_http_variable_document_root,
      0, HX_HTTP_VAR_NC, 0 },

    { hx_string("realpath_root"), NULL, hx_http_variable_realpath_root,
      0, HX_HTTP_VAR_NC, 0 },

    { hx_string("query_string"), NULL, hx_http_variable_request,
      offsetof(hx_http_request_t, args), HX_HTTP_VAR_NC, 0 },

    { hx_string("args"), hx_http_variable_set_args, hx_http_variable_request,
      offsetof(hx_http_request_t, args),
      HX_HTTP_VAR_CHANGEABLE|HX_HTTP_VAR_NC, 0 },

    { hx_string("is_args"), NULL, hx_http_variable_is_args,
      0, HX_HTTP_VAR_NC, 0 },

    { hx_string("request_filename"), NULL, hx_http_variable_request_filename,
      0, HX_HTTP_VAR_NC, 0 },

    { hx_string("server_name"), NULL, hx_http_variable_server_name, 0, 0, 0 },

    { hx_string("request_method"), NULL, hx_http_variable_request_method,
      0, HX_HTTP_VAR_NC, 0 },

    { hx_string("remote_user"), NULL, hx_http_variable_remote_user, 0, 0, 0 },

    { hx_string("bytes_sent"), NULL, hx_http_variable_bytes_sent, 0, 0, 0 },

    { hx_string("body_bytes_sent"), NULL, hx_http_variable_body_bytes_sent,
      0, 0, 0 },

    { hx_string("pipe"), NULL, hx_http_variable_pipe, 0, 0, 0 },

    { hx_string("request_completion"), NULL,
      hx_http_variable_request_completion, 0, 0, 0 },

    { hx_string("request_body"), NULL, hx_http_variable_request_body,
      0, 0, 0 },

    { hx_string("request_body_file"), NULL,
      hx_http_variable_request_body_file, 0, 0, 0 },

    { hx_string("request_length"), NULL, hx_http_variable_request_length,
      0, HX_HTTP_VAR_NC, 0 },

    { hx_string("request_time"), NULL, hx_http_variable_request_time,
      0, HX_HTTP_VAR_NC, 0 },

    { hx_string("request_id"), NULL, hx_http_variable_request_id, 0, 0, 0 },

    { hx_string("status"), NULL, hx_http_variable_status,
      0, HX_HTTP_VAR_NC, 0 },

    { hx_string("sent_http_content_type"), NULL,
      hx_http_variable_sent_content_type, 0, 0, 0 },

    { hx_string("sent_http_content_length"), NULL,
      hx_http_variable_sent_content_length, 0, 0, 0 },

    { hx_string("sent_http_location"), NULL,
      hx_http_variable_sent_location, 0, 0, 0 },

    { hx_string("sent_http_last_modified"), NULL,
      hx_http_variable_sent_last_modified, 0, 0, 0 },

    { hx_string("sent_http_connection"), NULL,
      hx_http_variable_sent_connection, 0, 0, 0 },

    { hx_string("sent_http_keep_alive"), NULL,
      hx_http_variable_sent_keep_alive, 0, 0, 0 },

    { hx_string("sent_http_transfer_encoding"), NULL,
      hx_http_variable_sent_transfer_encoding, 0, 0, 0 },

    { hx_string("sent_http_cache_control"), NULL, hx_http_variable_header,
      offsetof(hx_http_request_t, headers_out.cache_control), 0, 0 },

    { hx_string("sent_http_link"), NULL, hx_http_variable_header,
      offsetof(hx_http_request_t, headers_out.link), 0, 0 },

    { hx_string("limit_rate"), hx_http_variable_set_limit_rate,
      hx_http_variable_request_get_size,
      offsetof(hx_http_request_t, limit_rate),
      HX_HTTP_VAR_CHANGEABLE|HX_HTTP_VAR_NC, 0 },

    { hx_string("connection"), NULL, hx_http_variable_connection, 0, 0, 0 },

    { hx_string("connection_requests"), NULL,
      hx_http_variable_connection_requests, 0, 0, 0 },

    { hx_string("connection_time"), NULL, hx_http_variable_connection_time,
      0, HX_HTTP_VAR_NC, 0 },

    { hx_string("nginx_version"), NULL, hx_http_variable_nginx_version,
      0, 0, 0 },

    { hx_string("hostname"), NULL, hx_http_variable_hostname, 0, 0, 0 },

    { hx_string("pid"), NULL, hx_http_variable_pid, 0, 0, 0 },

    { hx_string("msec"), NULL, hx_http_variable_msec, 0, HX_HTTP_VAR_NC, 0 },

    { hx_string("time_iso8601"), NULL, hx_http_variable_time_iso8601,
      0, HX_HTTP_VAR_NC, 0 },

    { hx_string("time_local"), NULL, hx_http_variable_time_local,
      0, HX_HTTP_VAR_NC, 0 },

    { hx_string("tcpinfo_rtt"), NULL, hx_http_variable_tcpinfo,
      0, HX_HTTP_VAR_NC, 0 },

    { hx_string("tcpinfo_rttvar"), NULL, hx_http_variable_tcpinfo,
      1, HX_HTTP_VAR_NC, 0 },

    { hx_string("tcpinfo_snd_cwnd"), NULL, hx_http_variable_tcpinfo,
      2, HX_HTTP_VAR_NC, 0 },

    { hx_string("tcpinfo_rcv_space"), NULL, hx_http_variable_tcpinfo,
      3, HX_HTTP_VAR_NC, 0 },

    { hx_string("http_"), NULL, hx_http_variable_unknown_header_in,
      0, HX_HTTP_VAR_PREFIX, 0 },

    { hx_string("sent_http_"), NULL, hx_http_variable_unknown_header_out,
      0, HX_HTTP_VAR_PREFIX, 0 },

    { hx_string("sent_trailer_"), NULL, hx_http_variable_unknown_trailer_out,
      0, HX_HTTP_VAR_PREFIX, 0 },

    { hx_string("cookie_"), NULL, hx_http_variable_cookie_prefix,
      0, HX_HTTP_VAR_PREFIX, 0 },

    { hx_string("arg_"), NULL, hx_http_variable_argument_prefix,
      0, HX_HTTP_VAR_NC|HX_HTTP_VAR_PREFIX, 0 },

    hx_http_null_variable
};


hx_int_t
hx_http_variables_add_core_vars(hx_conf_t *cf)
{
    hx_http_variable_t         *cv, *v;
    hx_http_core_main_conf_t   *cmcf;

    cmcf = hx_http_conf_get_module_main_conf(cf, hx_http_core_module);

    cmcf->variables_keys = hx_pcalloc(cf->temp_pool,
                                      sizeof(hx_hash_keys_arrays_t));
    if (cmcf->variables_keys == NULL) {
        return HX_ERROR;
    }

    cmcf->variables_keys->pool = cf->pool;
    cmcf->variables_keys->temp_pool = cf->pool;

    if (hx_hash_keys_array_init(cmcf->variables_keys, HX_HASH_SMALL)
        != HX_OK)
    {
        return HX_ERROR;
    }

    if (hx_array_init(&cmcf->prefix_variables, cf->pool, 8,
                      sizeof(hx_http_variable_t))
        != HX_OK)
    {
        return HX_ERROR;
    }

    for (cv = hx_http_core_variables; cv->name.len; cv++) {
        v = hx_http_add_variable(cf, &cv->name, cv->flags);
        if (v == NULL) {
            return HX_ERROR;
        }

        *v = *cv;
    }

    return HX_OK;
}


static hx_int_t
hx_http_variable_request(hx_http_request_t *r, hx_http_variable_value_t *v,
    uintptr_t data)
{
    hx_str_t  *s;

    s = (hx_str_t *) ((char *) r + data);

    if (s->data) {
        hx_http_var_set(v, s->data, s->len);

    } else {
        v->not_found = 1;
    }

    return HX_OK;
}


static void
hx_http_variable_set_args(hx_http_request_t *r, hx_http_variable_value_t *v,
    uintptr_t data)
{
    (void) data;

    r->args.len = v->len;
    r->args.data = v->data;
    r->valid_unparsed_uri = 0;
}


/* joins a header chain linked through ->next with sep */
static hx_int_t
hx_http_variable_headers_join(hx_http_request_t *r,
    hx_http_variable_value_t *v, hx_table_elt_t *h, uint8_t sep)
{
    size_t           len;
    uint8_t         *p;
    hx_table_elt_t  *th;

    len = 0;

    for (th = h; th; th = th->next) {

        if (th->hash == 0) {
            continue;
        }

        len += th->value.len + 2;
    }

    if (len == 0) {
        v->not_found = 1;
        return HX_OK;
    }

    len -= 2;

    if (h->next == NULL) {
        hx_http_var_set(v, h->value.data, h->value.len);
        return HX_OK;
    }

    p = hx_pnalloc(r->pool, len);
    if (p == NULL) {
        return HX_ERROR;
    }

    hx_http_var_set(v, p, len);

    for (th = h; th; th = th->next) {

        if (th->hash == 0) {
            continue;
        }

        if (p != v->data) {
            *p++ = sep;
            *p++ = ' ';
        }

        p = hx_cpymem(p, th->value.data, th->value.len);
    }

    return HX_OK;
}


static hx_int_t
hx_http_variable_header(hx_http_request_t *r, hx_http_variable_value_t *v,
    uintptr_t data)
{
    hx_table_elt_t  *h;

    h = *(hx_table_elt_t **) ((char *) r + data);

    if (h == NULL) {
        v->not_found = 1;
        return HX_OK;
    }

    return hx_http_variable_headers_join(r, v, h, ',');
}


static hx_int_t
hx_http_variable_cookies(hx_http_request_t *r, hx_http_variable_value_t *v,
    uintptr_t data)
{
    hx_table_elt_t  *h;

    h = *(hx_table_elt_t **) ((char *) r + data);

    if (h == NULL) {
        v->not_found = 1;
        return HX_OK;
    }

    return hx_http_variable_headers_join(r, v, h, ';');
}


/* whether header name key matches the variable part ('_' for '-') */
static hx_uint_t
hx_http_variable_header_name_match(hx_str_t *key, uint8_t *var, size_t len)
{
    size_t   n;
    uint8_t  ch;

    if (key->len != len) {
        return 0;
    }

    for (n = 0; n < len; n++) {
        ch = key->data[n];

        if (ch >= 'A' && ch <= 'Z') {
            ch |= 0x20;

        } else if (ch == '-') {
            ch = '_';
        }

        if (var[n] != ch) {
            return 0;
        }
    }

    return 1;
}


hx_int_t
hx_http_variable_unknown_header(hx_http_request_t *r,
    hx_http_variable_value_t *v, hx_str_t *var, hx_list_part_t *part,
    size_t prefix)
{
    size_t            len, vlen;
    uint8_t          *p, *name, sep;
    hx_uint_t         i, count;
    hx_table_elt_t   *header, *first;
    hx_list_part_t   *start;

    name = var->data + prefix;
    vlen = var->len - prefix;

    sep = (vlen == 6 && hx_strncmp(name, "cookie", 6) == 0) ? ';' : ',';

    start = part;
    first = NULL;
    count = 0;
    len = 0;

    for ( /* void */ ; part; part = part->next) {
        header = part->elts;

        for (i = 0; i < part->nelts; i++) {

            if (header[i].hash == 0
                || !hx_http_variable_header_name_match(&header[i].key, name,
                                                       vlen))
            {
                continue;
            }

            if (first == NULL) {
                first = &header[i];
            }

            count++;
            len += header[i].value.len + 2;
        }
    }

    if (first == NULL) {
        v->not_found = 1;
        return HX_OK;
    }

    if (count == 1) {
        hx_http_var_set(v, first->value.data, first->value.len);
        return HX_OK;
    }

    len -= 2;

    p = hx_pnalloc(r->pool, len);
    if (p == NULL) {
        return HX_ERROR;
    }

    hx_http_var_set(v, p, len);

    for (part = start; part; part = part->next) {
        header = part->elts;

        for (i = 0; i < part->nelts; i++) {

            if (header[i].hash == 0
                || !hx_http_variable_header_name_match(&header[i].key, name,
                                                       vlen))
            {
                continue;
            }

            if (p != v->data) {
                *p++ = sep;
                *p++ = ' ';
            }

            p = hx_cpymem(p, header[i].value.data, header[i].value.len);
        }
    }

    return HX_OK;
}


static hx_int_t
hx_http_variable_unknown_header_in(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    return hx_http_variable_unknown_header(r, v, (hx_str_t *) data,
                                           &r->headers_in.headers.part,
                                           sizeof("http_") - 1);
}


static hx_int_t
hx_http_variable_unknown_header_out(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    return hx_http_variable_unknown_header(r, v, (hx_str_t *) data,
                                           &r->headers_out.headers.part,
                                           sizeof("sent_http_") - 1);
}


static hx_int_t
hx_http_variable_unknown_trailer_out(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    return hx_http_variable_unknown_header(r, v, (hx_str_t *) data,
                                           &r->headers_out.trailers.part,
                                           sizeof("sent_trailer_") - 1);
}


static hx_int_t
hx_http_variable_request_line(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    uint8_t  *p, *s;

    (void) data;

    if (r->request_line.data) {
        hx_http_var_set(v, r->request_line.data, r->request_line.len);
        return HX_OK;
    }

    /* an invalid request line: what arrived up to the line end */

    s = r->parser.request_start;

    if (s == NULL || r->header_in == NULL) {
        v->not_found = 1;
        return HX_OK;
    }

    for (p = s; p < r->header_in->last; p++) {
        if (*p == CR || *p == LF) {
            break;
        }
    }

    r->request_line.len = p - s;
    r->request_line.data = s;

    hx_http_var_set(v, s, (size_t) (p - s));

    return HX_OK;
}


hx_int_t
hx_http_variable_cookie(hx_http_request_t *r, hx_http_variable_value_t *v,
    hx_str_t *name)
{
    hx_str_t          cookie, s;
    hx_table_elt_t   *h;

    for (h = r->headers_in.cookie; h; h = h->next) {

        if (h->hash == 0) {
            continue;
        }

        if (hx_http_parse_multi_header_line(&h->value, name, &cookie, ';')
            == HX_OK)
        {
            hx_http_var_set(v, cookie.data, cookie.len);
            return HX_OK;
        }
    }

    (void) s;

    v->not_found = 1;

    return HX_OK;
}


static hx_int_t
hx_http_variable_cookie_prefix(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_str_t  *name = (hx_str_t *) data;
    hx_str_t   s;

    s.len = name->len - (sizeof("cookie_") - 1);
    s.data = name->data + sizeof("cookie_") - 1;

    return hx_http_variable_cookie(r, v, &s);
}


hx_int_t
hx_http_variable_argument(hx_http_request_t *r, hx_http_variable_value_t *v,
    hx_str_t *name)
{
    hx_str_t  value;

    if (hx_http_arg(&r->args, name->data, name->len, &value) != HX_OK) {
        v->not_found = 1;
        return HX_OK;
    }

    hx_http_var_set(v, value.data, value.len);

    return HX_OK;
}


static hx_int_t
hx_http_variable_argument_prefix(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_str_t  *name = (hx_str_t *) data;
    hx_str_t   s;

    s.len = name->len - (sizeof("arg_") - 1);
    s.data = name->data + sizeof("arg_") - 1;

    return hx_http_variable_argument(r, v, &s);
}


static hx_int_t
hx_http_variable_tcpinfo(hx_http_request_t *r, hx_http_variable_value_t *v,
    uintptr_t data)
{
    uint32_t         value;
    socklen_t        len;
    struct tcp_info  ti;

    len = sizeof(struct tcp_info);
    if (getsockopt(r->connection->fd, IPPROTO_TCP, TCP_INFO, &ti, &len)
        == -1)
    {
        v->not_found = 1;
        return HX_OK;
    }

    v->data = hx_pnalloc(r->pool, HX_INT_T_LEN);
    if (v->data == NULL) {
        return HX_ERROR;
    }

    switch (data) {
    case 0:
        value = ti.tcpi_rtt;
        break;

    case 1:
        value = ti.tcpi_rttvar;
        break;

    case 2:
        value = ti.tcpi_snd_cwnd;
        break;

    default:
        value = ti.tcpi_rcv_space;
        break;
    }

    v->len = hx_sprintf(v->data, "%uD", value) - v->data;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return HX_OK;
}


static hx_int_t
hx_http_variable_content_length(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    uint8_t  *p;

    (void) data;

    if (r->headers_in.content_length) {
        hx_http_var_set(v, r->headers_in.content_length->value.data,
                        r->headers_in.content_length->value.len);

    } else if (r->reading_body) {
        v->not_found = 1;
        v->no_cacheable = 1;

    } else if (r->headers_in.content_length_n >= 0) {
        p = hx_pnalloc(r->pool, HX_OFF_T_LEN);
        if (p == NULL) {
            return HX_ERROR;
        }

        hx_http_var_set(v, p, (size_t) (hx_sprintf(p, "%O",
                                r->headers_in.content_length_n) - p));

    } else if (r->headers_in.chunked) {
        v->not_found = 1;
        v->no_cacheable = 1;

    } else {
        v->not_found = 1;
    }

    return HX_OK;
}


static hx_int_t
hx_http_variable_host(hx_http_request_t *r, hx_http_variable_value_t *v,
    uintptr_t data)
{
    hx_http_core_srv_conf_t  *cscf;

    (void) data;

    if (r->headers_in.server.len) {
        hx_http_var_set(v, r->headers_in.server.data,
                        r->headers_in.server.len);

    } else {
        cscf = hx_http_get_module_srv_conf(r, hx_http_core_module);
        hx_http_var_set(v, cscf->server_name.data, cscf->server_name.len);
    }

    return HX_OK;
}


static hx_int_t
hx_http_variable_binary_remote_addr(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_connection_t  *c;

    (void) data;

    c = r->connection;

    switch (c->sockaddr->sa_family) {

    case AF_INET6:
        hx_http_var_set(v,
            ((struct sockaddr_in6 *) c->sockaddr)->sin6_addr.s6_addr,
            sizeof(struct in6_addr));
        break;

    case AF_UNIX:
        hx_http_var_set(v, c->addr_text.data, c->addr_text.len);
        break;

    default:
        hx_http_var_set(v,
            (uint8_t *) &((struct sockaddr_in *) c->sockaddr)->sin_addr,
            sizeof(in_addr_t));
        break;
    }

    return HX_OK;
}


static hx_int_t
hx_http_variable_remote_addr(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    (void) data;

    hx_http_var_set(v, r->connection->addr_text.data,
                    r->connection->addr_text.len);

    return HX_OK;
}


static hx_int_t
hx_http_variable_remote_port(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_uint_t  port;

    (void) data;

    v->len = 0;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    v->data = hx_pnalloc(r->pool, sizeof("65535") - 1);
    if (v->data == NULL) {
        return HX_ERROR;
    }

    if (r->connection->sockaddr->sa_family == AF_UNIX) {
        return HX_OK;
    }

    port = hx_inet_get_port(r->connection->sockaddr);

    if (port > 0 && port < 65536) {
        v->len = hx_sprintf(v->data, "%ui", port) - v->data;
    }

    return HX_OK;
}


/*
 * $proxy_protocol_addr, $proxy_protocol_server_addr: data is the offset of
 * the address in the connection's PROXY protocol header; not found on a
 * connection without one.
 */
static hx_int_t
hx_http_variable_proxy_protocol_addr(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_str_t             *addr;
    hx_proxy_protocol_t  *pp;

    pp = r->connection->proxy_protocol;
    if (pp == NULL) {
        v->not_found = 1;
        return HX_OK;
    }

    addr = (hx_str_t *) ((char *) pp + data);

    hx_http_var_set(v, addr->data, addr->len);

    return HX_OK;
}


/* $proxy_protocol_port, $proxy_protocol_server_port: as above */
static hx_int_t
hx_http_variable_proxy_protocol_port(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_uint_t             port;
    hx_proxy_protocol_t  *pp;

    pp = r->connection->proxy_protocol;
    if (pp == NULL) {
        v->not_found = 1;
        return HX_OK;
    }

    v->data = hx_pnalloc(r->pool, sizeof("65535") - 1);
    if (v->data == NULL) {
        return HX_ERROR;
    }

    hx_http_var_set(v, v->data, 0);

    port = *(in_port_t *) ((char *) pp + data);

    if (port > 0 && port < 65536) {
        v->len = hx_sprintf(v->data, "%ui", port) - v->data;
    }

    return HX_OK;
}


/* $proxy_protocol_tlv_NAME: a version 2 TLV by hx_proxy_protocol's names */
static hx_int_t
hx_http_variable_proxy_protocol_tlv(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_str_t  *name = (hx_str_t *) data;

    hx_int_t              rc;
    hx_str_t              tlv, value;
    hx_proxy_protocol_t  *pp;

    pp = r->connection->proxy_protocol;
    if (pp == NULL) {
        v->not_found = 1;
        return HX_OK;
    }

    tlv.len = name->len - (sizeof("proxy_protocol_tlv_") - 1);
    tlv.data = name->data + sizeof("proxy_protocol_tlv_") - 1;

    rc = hx_proxy_protocol_get_tlv(pp, r->pool, r->connection->log, &tlv,
                                   &value);

    if (rc == HX_ERROR) {
        return HX_ERROR;
    }

    if (rc == HX_DECLINED) {
        v->not_found = 1;
        return HX_OK;
    }

    hx_http_var_set(v, value.data, value.len);

    return HX_OK;
}


static hx_int_t
hx_http_variable_server_addr(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_str_t  s;
    uint8_t   addr[HX_SOCKADDR_STRLEN];

    (void) data;

    s.len = HX_SOCKADDR_STRLEN;
    s.data = addr;

    if (hx_connection_local_sockaddr(r->connection, &s, 0) != HX_OK) {
        return HX_ERROR;
    }

    s.data = hx_pnalloc(r->pool, s.len);
    if (s.data == NULL) {
        return HX_ERROR;
    }

    hx_memcpy(s.data, addr, s.len);

    hx_http_var_set(v, s.data, s.len);

    return HX_OK;
}


static hx_int_t
hx_http_variable_server_port(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_uint_t  port;

    (void) data;

    v->len = 0;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    if (hx_connection_local_sockaddr(r->connection, NULL, 0) != HX_OK) {
        return HX_ERROR;
    }

    v->data = hx_pnalloc(r->pool, sizeof("65535") - 1);
    if (v->data == NULL) {
        return HX_ERROR;
    }

    if (r->connection->local_sockaddr->sa_family == AF_UNIX) {
        return HX_OK;
    }

    port = hx_inet_get_port(r->connection->local_sockaddr);

    if (port > 0 && port < 65536) {
        v->len = hx_sprintf(v->data, "%ui", port) - v->data;
    }

    return HX_OK;
}


static hx_int_t
hx_http_variable_scheme(hx_http_request_t *r, hx_http_variable_value_t *v,
    uintptr_t data)
{
    (void) data;

    if (r->connection->ssl) {
        hx_http_var_set(v, (uint8_t *) "https", sizeof("https") - 1);
        return HX_OK;
    }

    hx_http_var_set(v, (uint8_t *) "http", sizeof("http") - 1);

    return HX_OK;
}


static hx_int_t
hx_http_variable_https(hx_http_request_t *r, hx_http_variable_value_t *v,
    uintptr_t data)
{
    (void) data;

    if (r->connection->ssl) {
        hx_http_var_set(v, (uint8_t *) "on", sizeof("on") - 1);
        return HX_OK;
    }

    *v = hx_http_variable_null_value;

    return HX_OK;
}


/* the port the client named in Host or an absolute URI ($request_port) */
static hx_int_t
hx_http_variable_request_port(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    (void) data;

    v->len = 0;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    v->data = hx_pnalloc(r->pool, sizeof("65535") - 1);
    if (v->data == NULL) {
        return HX_ERROR;
    }

    if (r->port > 0) {
        v->len = hx_sprintf(v->data, "%ui", (hx_uint_t) r->port) - v->data;
    }

    return HX_OK;
}


static hx_int_t
hx_http_variable_is_request_port(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    (void) data;

    if (r->port == 0) {
        *v = hx_http_variable_null_value;
        return HX_OK;
    }

    hx_http_var_set(v, (uint8_t *) ":", 1);

    return HX_OK;
}


static hx_int_t
hx_http_variable_is_args(hx_http_request_t *r, hx_http_variable_value_t *v,
    uintptr_t data)
{
    (void) data;

    if (r->args.len == 0) {
        *v = hx_http_variable_null_value;
        return HX_OK;
    }

    hx_http_var_set(v, (uint8_t *) "?", 1);

    return HX_OK;
}


static hx_int_t
hx_http_variable_document_root(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_str_t                   path;
    hx_http_core_loc_conf_t   *clcf;

    (void) data;

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (clcf->root_lengths == NULL) {
        hx_http_var_set(v, clcf->root.data, clcf->root.len);
        return HX_OK;
    }

    if (hx_http_script_run(r, &path, clcf->root_lengths->elts, 0,
                           clcf->root_values->elts)
        == NULL)
    {
        return HX_ERROR;
    }

    if (hx_get_full_name(r->pool, (hx_str_t *) &hx_cycle->prefix, &path) != HX_OK) {
        return HX_ERROR;
    }

    hx_http_var_set(v, path.data, path.len);

    return HX_OK;
}


static hx_int_t
hx_http_variable_realpath_root(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    size_t                     len;
    uint8_t                   *real;
    hx_str_t                   path;
    hx_http_core_loc_conf_t   *clcf;
    char                       buf[PATH_MAX];

    (void) data;

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    if (clcf->root_lengths == NULL) {
        path = clcf->root;

    } else {
        if (hx_http_script_run(r, &path, clcf->root_lengths->elts, 1,
                               clcf->root_values->elts)
            == NULL)
        {
            return HX_ERROR;
        }

        path.data[path.len - 1] = '\0';

        if (hx_get_full_name(r->pool, (hx_str_t *) &hx_cycle->prefix, &path) != HX_OK) {
            return HX_ERROR;
        }
    }

    real = hx_pstrdup(r->pool, &path);
    if (real == NULL) {
        return HX_ERROR;
    }

    if (realpath((char *) real, buf) == NULL) {
        hx_log_error(HX_LOG_CRIT, r->connection->log, hx_errno,
                     "realpath() \"%s\" failed", real);
        return HX_ERROR;
    }

    len = hx_strlen(buf);

    v->data = hx_pnalloc(r->pool, len);
    if (v->data == NULL) {
        return HX_ERROR;
    }

    hx_memcpy(v->data, buf, len);

    v->len = len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return HX_OK;
}


static hx_int_t
hx_http_variable_request_filename(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    size_t     root;
    hx_str_t   path;

    (void) data;

    if (hx_http_map_uri_to_path(r, &path, &root, 0) == NULL) {
        return HX_ERROR;
    }

    /* the NUL is not part of the value */

    hx_http_var_set(v, path.data, path.len - 1);

    return HX_OK;
}


static hx_int_t
hx_http_variable_server_name(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_http_core_srv_conf_t  *cscf;

    (void) data;

    cscf = hx_http_get_module_srv_conf(r, hx_http_core_module);

    hx_http_var_set(v, cscf->server_name.data, cscf->server_name.len);

    return HX_OK;
}


static hx_int_t
hx_http_variable_request_method(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    (void) data;

    if (r->main->method_name.data) {
        hx_http_var_set(v, r->main->method_name.data,
                        r->main->method_name.len);

    } else {
        v->not_found = 1;
    }

    return HX_OK;
}


static hx_int_t
hx_http_variable_remote_user(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_int_t  rc;

    (void) data;

    rc = hx_http_auth_basic_user(r);

    if (rc == HX_DECLINED) {
        v->not_found = 1;
        return HX_OK;
    }

    if (rc == HX_ERROR) {
        return HX_ERROR;
    }

    hx_http_var_set(v, r->headers_in.user.data, r->headers_in.user.len);

    return HX_OK;
}


static hx_int_t
hx_http_variable_off(hx_http_request_t *r, hx_http_variable_value_t *v,
    off_t n)
{
    uint8_t  *p;

    p = hx_pnalloc(r->pool, HX_OFF_T_LEN);
    if (p == NULL) {
        return HX_ERROR;
    }

    hx_http_var_set(v, p, (size_t) (hx_sprintf(p, "%O", n) - p));

    return HX_OK;
}


static hx_int_t
hx_http_variable_bytes_sent(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    (void) data;

    return hx_http_variable_off(r, v, r->connection->sent);
}


static hx_int_t
hx_http_variable_body_bytes_sent(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    off_t  sent;

    (void) data;

    sent = r->connection->sent - r->header_size;

    if (sent < 0) {
        sent = 0;
    }

    return hx_http_variable_off(r, v, sent);
}


static hx_int_t
hx_http_variable_pipe(hx_http_request_t *r, hx_http_variable_value_t *v,
    uintptr_t data)
{
    (void) data;

    hx_http_var_set(v, (uint8_t *) (r->pipeline ? "p" : "."), 1);

    return HX_OK;
}


static hx_int_t
hx_http_variable_request_completion(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    (void) data;

    if (r->request_complete) {
        hx_http_var_set(v, (uint8_t *) "OK", 2);
        return HX_OK;
    }

    *v = hx_http_variable_null_value;

    return HX_OK;
}


static hx_int_t
hx_http_variable_request_body(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    size_t        len;
    uint8_t      *p;
    hx_buf_t     *buf;
    hx_chain_t   *cl;

    (void) data;

    if (r->request_body == NULL
        || r->request_body->bufs == NULL
        || r->request_body->temp_file)
    {
        v->not_found = 1;
        return HX_OK;
    }

    cl = r->request_body->bufs;
    buf = cl->buf;

    if (cl->next == NULL) {
        hx_http_var_set(v, buf->pos, (size_t) (buf->last - buf->pos));
        return HX_OK;
    }

    len = 0;

    for ( /* void */ ; cl; cl = cl->next) {
        len += cl->buf->last - cl->buf->pos;
    }

    p = hx_pnalloc(r->pool, len);
    if (p == NULL) {
        return HX_ERROR;
    }

    hx_http_var_set(v, p, len);

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        if (cl->buf->last == cl->buf->pos) {
            /* the empty last buffer of a chunked body has no memory */
            continue;
        }

        p = hx_cpymem(p, cl->buf->pos, cl->buf->last - cl->buf->pos);
    }

    return HX_OK;
}


static hx_int_t
hx_http_variable_request_body_file(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_http_temp_file_t  *tf;

    (void) data;

    if (r->request_body == NULL || r->request_body->temp_file == NULL) {
        v->not_found = 1;
        return HX_OK;
    }

    tf = r->request_body->temp_file;

    hx_http_var_set(v, tf->file.name.data, tf->file.name.len);

    return HX_OK;
}


static hx_int_t
hx_http_variable_request_length(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    (void) data;

    return hx_http_variable_off(r, v, r->request_length);
}


static hx_int_t
hx_http_variable_request_time(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    uint8_t          *p;
    hx_time_t        *tp;
    hx_msec_int_t     ms;

    (void) data;

    p = hx_pnalloc(r->pool, HX_TIME_T_LEN + 4);
    if (p == NULL) {
        return HX_ERROR;
    }

    tp = hx_timeofday();

    ms = (hx_msec_int_t) ((tp->sec - r->start_sec) * 1000
                          + ((hx_msec_int_t) tp->msec
                             - (hx_msec_int_t) r->start_msec));
    ms = hx_max(ms, 0);

    hx_http_var_set(v, p, (size_t) (hx_sprintf(p, "%T.%03M",
                                    (time_t) ms / 1000,
                                    (hx_msec_t) (ms % 1000)) - p));

    return HX_OK;
}


static hx_int_t
hx_http_variable_request_id(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    uint8_t   *id;
    uint8_t    random_bytes[16];

    static uint64_t  counter;

    (void) data;

    id = hx_pnalloc(r->pool, 32);
    if (id == NULL) {
        return HX_ERROR;
    }

    if (getrandom(random_bytes, sizeof(random_bytes), GRND_NONBLOCK)
        != (ssize_t) sizeof(random_bytes))
    {
        /* no entropy yet: time, pid and a counter still make ids unique */
        counter++;
        hx_memcpy(random_bytes, &counter, 8);
        *(uint32_t *) &random_bytes[8] = (uint32_t) getpid();
        *(uint32_t *) &random_bytes[12] = (uint32_t) hx_time();
    }

    hx_hex_dump(id, random_bytes, 16);

    hx_http_var_set(v, id, 32);

    return HX_OK;
}


static hx_int_t
hx_http_variable_status(hx_http_request_t *r, hx_http_variable_value_t *v,
    uintptr_t data)
{
    hx_uint_t  status;

    (void) data;

    v->data = hx_pnalloc(r->pool, HX_INT_T_LEN);
    if (v->data == NULL) {
        return HX_ERROR;
    }

    if (r->err_status) {
        status = r->err_status;

    } else if (r->headers_out.status) {
        status = r->headers_out.status;

    } else if (r->http_version == HX_HTTP_VERSION_9) {
        status = 9;

    } else {
        status = 0;
    }

    v->len = hx_sprintf(v->data, "%03ui", status) - v->data;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return HX_OK;
}


static hx_int_t
hx_http_variable_sent_content_type(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    (void) data;

    if (r->headers_out.content_type.len) {
        hx_http_var_set(v, r->headers_out.content_type.data,
                        r->headers_out.content_type.len);

    } else {
        v->not_found = 1;
    }

    return HX_OK;
}


static hx_int_t
hx_http_variable_sent_content_length(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    (void) data;

    if (r->headers_out.content_length) {
        hx_http_var_set(v, r->headers_out.content_length->value.data,
                        r->headers_out.content_length->value.len);
        return HX_OK;
    }

    if (r->headers_out.content_length_n >= 0) {
        return hx_http_variable_off(r, v, r->headers_out.content_length_n);
    }

    v->not_found = 1;

    return HX_OK;
}


static hx_int_t
hx_http_variable_sent_location(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_str_t  name;

    (void) data;

    if (r->headers_out.location) {
        hx_http_var_set(v, r->headers_out.location->value.data,
                        r->headers_out.location->value.len);
        return HX_OK;
    }

    hx_str_set(&name, "sent_http_location");

    return hx_http_variable_unknown_header(r, v, &name,
                                           &r->headers_out.headers.part,
                                           sizeof("sent_http_") - 1);
}


static hx_int_t
hx_http_variable_sent_last_modified(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    uint8_t  *p;

    (void) data;

    if (r->headers_out.last_modified) {
        hx_http_var_set(v, r->headers_out.last_modified->value.data,
                        r->headers_out.last_modified->value.len);
        return HX_OK;
    }

    if (r->headers_out.last_modified_time >= 0) {
        p = hx_pnalloc(r->pool, sizeof("Mon, 28 Sep 1970 06:00:00 GMT") - 1);
        if (p == NULL) {
            return HX_ERROR;
        }

        hx_http_var_set(v, p, (size_t) (hx_http_time(p,
                                r->headers_out.last_modified_time) - p));
        return HX_OK;
    }

    v->not_found = 1;

    return HX_OK;
}


static hx_int_t
hx_http_variable_sent_connection(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    (void) data;

    if (r->headers_out.status == HX_HTTP_SWITCHING_PROTOCOLS) {
        hx_http_var_set(v, (uint8_t *) "upgrade", sizeof("upgrade") - 1);

    } else if (r->keepalive) {
        hx_http_var_set(v, (uint8_t *) "keep-alive",
                        sizeof("keep-alive") - 1);

    } else {
        hx_http_var_set(v, (uint8_t *) "close", sizeof("close") - 1);
    }

    return HX_OK;
}


static hx_int_t
hx_http_variable_sent_keep_alive(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    uint8_t                   *p;
    hx_http_core_loc_conf_t   *clcf;

    (void) data;

    if (r->keepalive) {
        clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

        if (clcf->keepalive_header) {

            p = hx_pnalloc(r->pool, sizeof("timeout=") - 1 + HX_TIME_T_LEN);
            if (p == NULL) {
                return HX_ERROR;
            }

            hx_http_var_set(v, p, (size_t) (hx_sprintf(p, "timeout=%T",
                                            clcf->keepalive_header) - p));
            return HX_OK;
        }
    }

    v->not_found = 1;

    return HX_OK;
}


static hx_int_t
hx_http_variable_sent_transfer_encoding(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    (void) data;

    if (r->chunked) {
        hx_http_var_set(v, (uint8_t *) "chunked", sizeof("chunked") - 1);

    } else {
        v->not_found = 1;
    }

    return HX_OK;
}


static void
hx_http_variable_set_limit_rate(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    ssize_t    s, *sp;
    hx_str_t   val;

    val.len = v->len;
    val.data = v->data;

    s = hx_parse_size(&val);

    if (s == HX_ERROR) {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "invalid $limit_rate \"%V\"", &val);
        return;
    }

    sp = (ssize_t *) ((char *) r + data);

    *sp = s;

    r->limit_rate_set = 1;
}


static hx_int_t
hx_http_variable_request_get_size(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    size_t  *sp;

    sp = (size_t *) ((char *) r + data);

    v->data = hx_pnalloc(r->pool, HX_INT_T_LEN);
    if (v->data == NULL) {
        return HX_ERROR;
    }

    v->len = hx_sprintf(v->data, "%uz", *sp) - v->data;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return HX_OK;
}


static hx_int_t
hx_http_variable_connection(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    uint8_t  *p;

    (void) data;

    p = hx_pnalloc(r->pool, HX_INT_T_LEN);
    if (p == NULL) {
        return HX_ERROR;
    }

    hx_http_var_set(v, p, (size_t) (hx_sprintf(p, "%uL",
                                    r->connection->number) - p));

    return HX_OK;
}


static hx_int_t
hx_http_variable_connection_requests(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    uint8_t  *p;

    (void) data;

    p = hx_pnalloc(r->pool, HX_INT_T_LEN);
    if (p == NULL) {
        return HX_ERROR;
    }

    hx_http_var_set(v, p, (size_t) (hx_sprintf(p, "%ui",
                                    r->connection->requests) - p));

    return HX_OK;
}


static hx_int_t
hx_http_variable_connection_time(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    uint8_t     *p;
    hx_msec_t    ms;

    (void) data;

    p = hx_pnalloc(r->pool, HX_TIME_T_LEN + 4);
    if (p == NULL) {
        return HX_ERROR;
    }

    ms = hx_current_msec - r->connection->start_time;

    hx_http_var_set(v, p, (size_t) (hx_sprintf(p, "%T.%03M",
                                    (time_t) (ms / 1000), ms % 1000) - p));

    return HX_OK;
}


static hx_int_t
hx_http_variable_nginx_version(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    (void) r;
    (void) data;

    hx_http_var_set(v, (uint8_t *) HX_NGINX_VERSION,
                    sizeof(HX_NGINX_VERSION) - 1);

    return HX_OK;
}


static hx_int_t
hx_http_variable_hostname(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    (void) r;
    (void) data;

    hx_http_var_set(v, hx_cycle->hostname.data, hx_cycle->hostname.len);

    return HX_OK;
}


static hx_int_t
hx_http_variable_pid(hx_http_request_t *r, hx_http_variable_value_t *v,
    uintptr_t data)
{
    uint8_t  *p;

    (void) data;

    p = hx_pnalloc(r->pool, HX_INT_T_LEN);
    if (p == NULL) {
        return HX_ERROR;
    }

    hx_http_var_set(v, p, (size_t) (hx_sprintf(p, "%i",
                                    (hx_int_t) getpid()) - p));

    return HX_OK;
}


static hx_int_t
hx_http_variable_msec(hx_http_request_t *r, hx_http_variable_value_t *v,
    uintptr_t data)
{
    uint8_t    *p;
    hx_time_t  *tp;

    (void) data;

    p = hx_pnalloc(r->pool, HX_TIME_T_LEN + 4);
    if (p == NULL) {
        return HX_ERROR;
    }

    tp = hx_timeofday();

    hx_http_var_set(v, p, (size_t) (hx_sprintf(p, "%T.%03M", tp->sec,
                                    (hx_msec_t) tp->msec) - p));

    return HX_OK;
}


static hx_int_t
hx_http_variable_cached_time(hx_http_request_t *r,
    hx_http_variable_value_t *v, volatile hx_str_t *t)
{
    uint8_t  *p;
    size_t    len;

    len = t->len;

    p = hx_pnalloc(r->pool, len);
    if (p == NULL) {
        return HX_ERROR;
    }

    hx_memcpy(p, t->data, len);

    hx_http_var_set(v, p, len);

    return HX_OK;
}


static hx_int_t
hx_http_variable_time_iso8601(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    (void) data;

    return hx_http_variable_cached_time(r, v, &hx_cached_http_log_iso8601);
}


static hx_int_t
hx_http_variable_time_local(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    (void) data;

    return hx_http_variable_cached_time(r, v, &hx_cached_http_log_time);
}

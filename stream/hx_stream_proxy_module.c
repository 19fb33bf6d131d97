/*
 * The stream proxy module's directives: proxy_pass and the proxy_*
 * settings of a stream server.  The sessions themselves are run by
 * hx_stream_proxy.c; this file only turns the configuration into an
 * hx_stream_proxy_srv_conf_t per server.
 *
 * "proxy_pass" with a plain address or name resolves to an upstream
 * while parsing (an upstream {} block of that name, or an implicit one
 * for host:port), so a session only asks the balancer for a peer.  With
 * variables it is kept as a complex value and looked up per session.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>
#include <hx_stream_proxy.h>


static void *hx_stream_proxy_create_srv_conf(hx_conf_t *cf);
static char *hx_stream_proxy_merge_srv_conf(hx_conf_t *cf, void *parent,
    void *child);
static hx_int_t hx_stream_proxy_init_module(hx_cycle_t *cycle);
static char *hx_stream_proxy_pass(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_stream_proxy_bind(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);


static hx_command_t  hx_stream_proxy_commands[] = {

    { hx_string("proxy_pass"),
      HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_stream_proxy_pass,
      HX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    { hx_string("proxy_bind"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE12,
      hx_stream_proxy_bind,
      HX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    { hx_string("proxy_socket_keepalive"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_proxy_srv_conf_t, socket_keepalive),
      NULL },

    { hx_string("proxy_socket_rcvbuf"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_conf_set_size_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_proxy_srv_conf_t, socket_rcvbuf),
      NULL },

    { hx_string("proxy_socket_sndbuf"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_conf_set_size_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_proxy_srv_conf_t, socket_sndbuf),
      NULL },

    { hx_string("proxy_connect_timeout"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_proxy_srv_conf_t, connect_timeout),
      NULL },

    { hx_string("proxy_timeout"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_proxy_srv_conf_t, timeout),
      NULL },

    { hx_string("proxy_buffer_size"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_conf_set_size_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_proxy_srv_conf_t, buffer_size),
      NULL },

    { hx_string("proxy_upload_rate"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_stream_set_complex_value_size_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_proxy_srv_conf_t, upload_rate),
      NULL },

    { hx_string("proxy_download_rate"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_stream_set_complex_value_size_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_proxy_srv_conf_t, download_rate),
      NULL },

    { hx_string("proxy_requests"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_proxy_srv_conf_t, requests),
      NULL },

    { hx_string("proxy_responses"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_proxy_srv_conf_t, responses),
      NULL },

    { hx_string("proxy_next_upstream"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_proxy_srv_conf_t, next_upstream),
      NULL },

    { hx_string("proxy_next_upstream_tries"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_proxy_srv_conf_t, next_upstream_tries),
      NULL },

    { hx_string("proxy_next_upstream_timeout"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_proxy_srv_conf_t, next_upstream_timeout),
      NULL },

    { hx_string("proxy_protocol"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_proxy_srv_conf_t, proxy_protocol),
      NULL },

    { hx_string("proxy_half_close"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_proxy_srv_conf_t, half_close),
      NULL },

    hx_null_command
};


static hx_stream_module_t  hx_stream_proxy_module_ctx = {
    NULL,                                 /* preconfiguration */
    NULL,                                 /* postconfiguration */

    NULL,                                 /* create main configuration */
    NULL,                                 /* init main configuration */

    hx_stream_proxy_create_srv_conf,      /* create server configuration */
    hx_stream_proxy_merge_srv_conf        /* merge server configuration */
};


hx_module_t  hx_stream_proxy_module = {
    HX_MODULE_V1,
    "hx_stream_proxy_module",
    &hx_stream_proxy_module_ctx,
    hx_stream_proxy_commands,
    HX_STREAM_MODULE,
    hx_stream_proxy_init_module,         /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static void *
hx_stream_proxy_create_srv_conf(hx_conf_t *cf)
{
    hx_stream_proxy_srv_conf_t  *conf;

    conf = hx_pcalloc(cf->pool, sizeof(hx_stream_proxy_srv_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * hx_pcalloc() left upstream and upstream_value NULL (no proxy_pass)
     * and upload_rate and download_rate NULL (unset)
     */

    conf->connect_timeout = HX_CONF_UNSET_MSEC;
    conf->timeout = HX_CONF_UNSET_MSEC;
    conf->next_upstream_timeout = HX_CONF_UNSET_MSEC;
    conf->buffer_size = HX_CONF_UNSET_SIZE;
    conf->requests = HX_CONF_UNSET_UINT;
    conf->responses = HX_CONF_UNSET_UINT;
    conf->next_upstream_tries = HX_CONF_UNSET_UINT;
    conf->next_upstream = HX_CONF_UNSET;
    conf->proxy_protocol = HX_CONF_UNSET;
    conf->half_close = HX_CONF_UNSET;
    conf->local = HX_CONF_UNSET_PTR;
    conf->socket_keepalive = HX_CONF_UNSET;
    conf->socket_rcvbuf = HX_CONF_UNSET_SIZE;
    conf->socket_sndbuf = HX_CONF_UNSET_SIZE;

    return conf;
}


static char *
hx_stream_proxy_merge_srv_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_stream_proxy_srv_conf_t  *prev = parent;
    hx_stream_proxy_srv_conf_t  *conf = child;

    (void) cf;

    hx_conf_merge_msec_value(conf->connect_timeout,
                             prev->connect_timeout, 60000);

    hx_conf_merge_msec_value(conf->timeout, prev->timeout, 10 * 60000);

    hx_conf_merge_msec_value(conf->next_upstream_timeout,
                             prev->next_upstream_timeout, 0);

    hx_conf_merge_size_value(conf->buffer_size, prev->buffer_size, 16384);

    if (conf->upload_rate == NULL) {
        conf->upload_rate = prev->upload_rate;
    }

    if (conf->download_rate == NULL) {
        conf->download_rate = prev->download_rate;
    }

    hx_conf_merge_uint_value(conf->requests, prev->requests, 0);

    hx_conf_merge_uint_value(conf->responses, prev->responses,
                             HX_STREAM_PROXY_RESPONSES_UNSET);

    hx_conf_merge_uint_value(conf->next_upstream_tries,
                             prev->next_upstream_tries, 0);

    hx_conf_merge_value(conf->next_upstream, prev->next_upstream, 1);

    hx_conf_merge_value(conf->proxy_protocol, prev->proxy_protocol, 0);

    hx_conf_merge_value(conf->half_close, prev->half_close, 0);

    hx_conf_merge_ptr_value(conf->local, prev->local, NULL);

    hx_conf_merge_value(conf->socket_keepalive, prev->socket_keepalive, 0);

    hx_conf_merge_size_value(conf->socket_rcvbuf, prev->socket_rcvbuf, 0);

    hx_conf_merge_size_value(conf->socket_sndbuf, prev->socket_sndbuf, 0);

    if (conf->buffer_size == 0) {
        return "\"proxy_buffer_size\" must be positive";
    }

    return HX_CONF_OK;
}


/*
 * IP_TRANSPARENT needs CAP_NET_ADMIN in the process that connects, and
 * hanx's workers keep no capabilities after dropping to "user": only
 * workers that stay root can use "proxy_bind ... transparent".  Saying
 * so at start beats an alert on every connection.
 */
static hx_int_t
hx_stream_proxy_init_module(hx_cycle_t *cycle)
{
    hx_uint_t                      i;
    hx_core_conf_t                *ccf;
    hx_stream_proxy_srv_conf_t    *pscf;
    hx_stream_core_srv_conf_t    **cscfp;
    hx_stream_core_main_conf_t    *cmcf;

    cmcf = hx_stream_cycle_get_module_main_conf(cycle, hx_stream_core_module);
    if (cmcf == NULL) {
        return HX_OK;
    }

    cscfp = cmcf->servers.elts;

    for (i = 0; i < cmcf->servers.nelts; i++) {
        pscf = cscfp[i]->ctx->srv_conf[hx_stream_proxy_module.ctx_index];

        if (pscf->local && pscf->local->transparent) {
            break;
        }
    }

    if (i == cmcf->servers.nelts) {
        return HX_OK;
    }

    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);

    if (geteuid() == 0 && ccf && ccf->user == 0) {
        return HX_OK;
    }

    hx_log_error(HX_LOG_EMERG, cycle->log, 0,
                 "\"proxy_bind ... transparent\" needs CAP_NET_ADMIN in the "
                 "workers: run hanx as root with \"user root;\"");

    return HX_ERROR;
}


static char *
hx_stream_proxy_pass(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_stream_proxy_srv_conf_t  *pscf = conf;

    hx_url_t                             u;
    hx_str_t                            *value;
    hx_stream_core_srv_conf_t           *cscf;
    hx_stream_compile_complex_value_t    ccv;

    (void) cmd;

    if (pscf->upstream || pscf->upstream_value) {
        return "is duplicate";
    }

    cscf = hx_stream_conf_get_module_srv_conf(cf, hx_stream_core_module);

    cscf->handler = hx_stream_proxy_handler;

    value = cf->args->elts;

    if (hx_stream_script_variables_count(&value[1])) {

        pscf->upstream_value = hx_palloc(cf->pool,
                                         sizeof(hx_stream_complex_value_t));
        if (pscf->upstream_value == NULL) {
            return HX_CONF_ERROR;
        }

        hx_memzero(&ccv, sizeof(hx_stream_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &value[1];
        ccv.complex_value = pscf->upstream_value;

        if (hx_stream_compile_complex_value(&ccv) != HX_OK) {
            return HX_CONF_ERROR;
        }

        return HX_CONF_OK;
    }

    hx_memzero(&u, sizeof(hx_url_t));

    u.url = value[1];
    u.no_resolve = 1;

    pscf->upstream = hx_stream_upstream_add(cf, &u, 0);
    if (pscf->upstream == NULL) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


static char *
hx_stream_proxy_bind(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_stream_proxy_srv_conf_t  *pscf = conf;

    hx_int_t                             rc;
    hx_str_t                            *value;
    hx_stream_proxy_local_t             *local;
    hx_stream_compile_complex_value_t    ccv;

    (void) cmd;

    if (pscf->local != HX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2 && hx_strcmp(value[1].data, "off") == 0) {
        pscf->local = NULL;
        return HX_CONF_OK;
    }

    local = hx_pcalloc(cf->pool, sizeof(hx_stream_proxy_local_t));
    if (local == NULL) {
        return HX_CONF_ERROR;
    }

    pscf->local = local;

    if (hx_stream_script_variables_count(&value[1])) {
        local->value = hx_palloc(cf->pool, sizeof(hx_stream_complex_value_t));
        if (local->value == NULL) {
            return HX_CONF_ERROR;
        }

        hx_memzero(&ccv, sizeof(hx_stream_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &value[1];
        ccv.complex_value = local->value;

        if (hx_stream_compile_complex_value(&ccv) != HX_OK) {
            return HX_CONF_ERROR;
        }

    } else {
        local->addr = hx_palloc(cf->pool, sizeof(hx_addr_t));
        if (local->addr == NULL) {
            return HX_CONF_ERROR;
        }

        rc = hx_parse_addr_port(cf->pool, local->addr, value[1].data,
                                value[1].len);

        if (rc == HX_DECLINED) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid address \"%V\"", &value[1]);
            return HX_CONF_ERROR;
        }

        if (rc != HX_OK) {
            return HX_CONF_ERROR;
        }

        local->addr->name = value[1];
    }

    if (cf->args->nelts > 2) {
        if (hx_strcmp(value[2].data, "transparent") != 0) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid parameter \"%V\"", &value[2]);
            return HX_CONF_ERROR;
        }

        local->transparent = 1;
    }

    return HX_CONF_OK;
}

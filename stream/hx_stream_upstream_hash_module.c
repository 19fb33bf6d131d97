/*
 * "hash KEY [consistent]" in a stream upstream {}: the peer is chosen by
 * a hash of KEY (variables allowed, e.g. $remote_addr), plain modulo or
 * on a ring of points (ketama-style) with "consistent".  The balancers
 * are the shared library's; this module compiles KEY as a stream complex
 * value, which hx_stream_upstream_init_peer() evaluates per session.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>


static char *hx_stream_upstream_hash(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);


static hx_command_t  hx_stream_upstream_hash_commands[] = {

    { hx_string("hash"),
      HX_STREAM_UPS_CONF|HX_CONF_TAKE12,
      hx_stream_upstream_hash,
      HX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_stream_module_t  hx_stream_upstream_hash_module_ctx = {
    NULL,                                 /* preconfiguration */
    NULL,                                 /* postconfiguration */

    NULL,                                 /* create main configuration */
    NULL,                                 /* init main configuration */

    NULL,                                 /* create server configuration */
    NULL                                  /* merge server configuration */
};


hx_module_t  hx_stream_upstream_hash_module = {
    HX_MODULE_V1,
    "hx_stream_upstream_hash_module",
    &hx_stream_upstream_hash_module_ctx,
    hx_stream_upstream_hash_commands,
    HX_STREAM_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static char *
hx_stream_upstream_hash(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char                               *rv;
    hx_str_t                           *value;
    hx_stream_upstream_srv_conf_t      *uscf;
    hx_stream_compile_complex_value_t   ccv;

    (void) cmd;
    (void) conf;

    uscf = hx_stream_conf_upstream_srv_conf(cf);

    rv = hx_upstream_method(cf, &uscf->upstream);
    if (rv != HX_CONF_OK) {
        return rv;
    }

    value = cf->args->elts;

    uscf->hash_key = hx_palloc(cf->pool, sizeof(hx_stream_complex_value_t));
    if (uscf->hash_key == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(&ccv, sizeof(hx_stream_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = uscf->hash_key;

    if (hx_stream_compile_complex_value(&ccv) != HX_OK) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}

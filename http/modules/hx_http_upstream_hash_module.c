/*
 * "hash KEY [consistent]" in an http upstream {}: the peer is chosen by a
 * hash of KEY (variables allowed: $request_uri, $cookie_id), plain
 * modulo or, with "consistent", on a ketama-compatible ring where adding
 * or removing a peer moves only its share of keys.  The balancers are the
 * shared library's (event/hx_upstream_hash.c); KEY is compiled here and
 * evaluated per request by the upstream's default init_peer.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_upstream.h>


static char *hx_http_upstream_hash(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);


static hx_command_t  hx_http_upstream_hash_commands[] = {

    { hx_string("hash"),
      HX_HTTP_UPS_CONF|HX_CONF_TAKE12,
      hx_http_upstream_hash,
      0,
      0,
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_upstream_hash_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


hx_module_t  hx_http_upstream_hash_module = {
    HX_MODULE_V1,
    "hx_http_upstream_hash_module",
    &hx_http_upstream_hash_module_ctx,
    hx_http_upstream_hash_commands,
    HX_HTTP_MODULE,
    NULL,                                  /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL                                   /* exit master */
};


static char *
hx_http_upstream_hash(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char                              *rv;
    hx_str_t                          *value;
    hx_http_upstream_srv_conf_t       *uscf;
    hx_http_compile_complex_value_t    ccv;

    (void) cmd;
    (void) conf;

    uscf = hx_http_upstream_conf_current(cf);

    rv = hx_upstream_method(cf, &uscf->upstream);
    if (rv != HX_CONF_OK) {
        return rv;
    }

    value = cf->args->elts;

    uscf->hash_key = hx_palloc(cf->pool, sizeof(hx_http_complex_value_t));
    if (uscf->hash_key == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = uscf->hash_key;

    if (hx_http_compile_complex_value(&ccv) != HX_OK) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}

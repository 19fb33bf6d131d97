/*
 * "random [two [least_conn]]" in an http upstream {}: a peer drawn at
 * random by weight, or the less loaded of two drawn.  The balancer is
 * the shared library's (event/hx_upstream_random.c).
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_upstream.h>


static char *hx_http_upstream_random(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);


static hx_command_t  hx_http_upstream_random_commands[] = {

    { hx_string("random"),
      HX_HTTP_UPS_CONF|HX_CONF_NOARGS|HX_CONF_TAKE12,
      hx_http_upstream_random,
      0,
      0,
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_upstream_random_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


hx_module_t  hx_http_upstream_random_module = {
    HX_MODULE_V1,
    "hx_http_upstream_random_module",
    &hx_http_upstream_random_module_ctx,
    hx_http_upstream_random_commands,
    HX_HTTP_MODULE,
    NULL,                                  /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL                                   /* exit master */
};


static char *
hx_http_upstream_random(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    (void) cmd;
    (void) conf;

    return hx_upstream_method(cf, &hx_http_upstream_conf_current(cf)->upstream);
}

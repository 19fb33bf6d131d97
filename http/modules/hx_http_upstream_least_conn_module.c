/*
 * "least_conn" in an http upstream {}: the peer with the fewest active
 * connections relative to its weight, ties broken by smooth weighted
 * round robin.  The balancer is the shared library's
 * (event/hx_upstream_least_conn.c); this module gives the directive its
 * place among the http modules, and its --without switch.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_upstream.h>


static char *hx_http_upstream_least_conn(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);


static hx_command_t  hx_http_upstream_least_conn_commands[] = {

    { hx_string("least_conn"),
      HX_HTTP_UPS_CONF|HX_CONF_NOARGS,
      hx_http_upstream_least_conn,
      0,
      0,
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_upstream_least_conn_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


hx_module_t  hx_http_upstream_least_conn_module = {
    HX_MODULE_V1,
    "hx_http_upstream_least_conn_module",
    &hx_http_upstream_least_conn_module_ctx,
    hx_http_upstream_least_conn_commands,
    HX_HTTP_MODULE,
    NULL,                                  /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL                                   /* exit master */
};


static char *
hx_http_upstream_least_conn(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    (void) cmd;
    (void) conf;

    return hx_upstream_method(cf, &hx_http_upstream_conf_current(cf)->upstream);
}

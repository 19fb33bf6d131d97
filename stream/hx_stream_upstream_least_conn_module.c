/*
 * "least_conn" in a stream upstream {}: the peer with the fewest active
 * connections relative to its weight, round robin among equals.  The
 * balancer is the shared library's; this module only gives the directive
 * its place among the stream modules (and its --without switch).
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>


static char *hx_stream_upstream_least_conn(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);


static hx_command_t  hx_stream_upstream_least_conn_commands[] = {

    { hx_string("least_conn"),
      HX_STREAM_UPS_CONF|HX_CONF_NOARGS,
      hx_stream_upstream_least_conn,
      HX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_stream_module_t  hx_stream_upstream_least_conn_module_ctx = {
    NULL,                                 /* preconfiguration */
    NULL,                                 /* postconfiguration */

    NULL,                                 /* create main configuration */
    NULL,                                 /* init main configuration */

    NULL,                                 /* create server configuration */
    NULL                                  /* merge server configuration */
};


hx_module_t  hx_stream_upstream_least_conn_module = {
    HX_MODULE_V1,
    "hx_stream_upstream_least_conn_module",
    &hx_stream_upstream_least_conn_module_ctx,
    hx_stream_upstream_least_conn_commands,
    HX_STREAM_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static char *
hx_stream_upstream_least_conn(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    (void) cmd;
    (void) conf;

    return hx_upstream_method(cf, &hx_stream_conf_upstream_srv_conf(cf)
                                   ->upstream);
}

/*
 * "zone NAME [SIZE]" in a stream upstream {}: the peers live in a shared
 * memory zone, so every worker sees the same connection counts, failure
 * counts and health-check verdicts.  The zone itself (sizing, copying the
 * peer groups in when it is created) is the shared library's.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>


static char *hx_stream_upstream_zone(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);


static hx_command_t  hx_stream_upstream_zone_commands[] = {

    { hx_string("zone"),
      HX_STREAM_UPS_CONF|HX_CONF_TAKE12,
      hx_stream_upstream_zone,
      HX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_stream_module_t  hx_stream_upstream_zone_module_ctx = {
    NULL,                                 /* preconfiguration */
    NULL,                                 /* postconfiguration */

    NULL,                                 /* create main configuration */
    NULL,                                 /* init main configuration */

    NULL,                                 /* create server configuration */
    NULL                                  /* merge server configuration */
};


hx_module_t  hx_stream_upstream_zone_module = {
    HX_MODULE_V1,
    "hx_stream_upstream_zone_module",
    &hx_stream_upstream_zone_module_ctx,
    hx_stream_upstream_zone_commands,
    HX_STREAM_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static char *
hx_stream_upstream_zone(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    (void) cmd;
    (void) conf;

    return hx_upstream_zone_directive(cf, &hx_stream_conf_upstream_srv_conf(cf)
                                           ->upstream);
}

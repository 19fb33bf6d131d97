/*
 * The ha side of virtual_server forwarding: only a check that the
 * forwarding can exist at all.
 *
 * The traffic of a virtual_server is carried by the stream module
 * (stream/hx_stream_virtual_server.c); in a build made --without-stream
 * that file is not compiled, and a virtual_server would parse, run its
 * health checks and forward nothing.  So when the ha { } block ends,
 * this module refuses a virtual_server if the stream module is not among
 * the built modules, naming the file and line.  It looks the module up
 * by name in the cycle's list rather than through a build macro, so the
 * same object works in every build.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_ha.h>
#include "hx_ha_virtual_server.h"


static char *hx_ha_forward_init_main_conf(hx_conf_t *cf, void *conf);


static hx_ha_module_t  hx_ha_forward_module_ctx = {
    NULL,                                /* create main conf */
    hx_ha_forward_init_main_conf         /* init main conf */
};


hx_module_t  hx_ha_forward_module = {
    HX_MODULE_V1,
    "hx_ha_forward_module",
    &hx_ha_forward_module_ctx,
    NULL,                                /* no directives */
    HX_HA_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static char *
hx_ha_forward_init_main_conf(hx_conf_t *cf, void *conf)
{
    hx_uint_t               i;
    hx_ha_vs_conf_t       **vsp;
    hx_ha_vs_main_conf_t   *vmcf;

    (void) conf;

    vmcf = hx_ha_conf_get_main_conf(cf, hx_ha_virtual_server_module);

    if (vmcf == NULL || vmcf->servers.nelts == 0) {
        return HX_CONF_OK;
    }

    for (i = 0; cf->cycle->modules[i]; i++) {
        if (hx_strcmp(cf->cycle->modules[i]->name,
                      "hx_stream_virtual_server_module") == 0)
        {
            return HX_CONF_OK;
        }
    }

    vsp = vmcf->servers.elts;

    hx_ha_conf_log(HX_LOG_EMERG, cf, &vsp[0]->pos,
                   "virtual_server needs the stream module, which this "
                   "hanx was built without (configure --without-stream)");

    return HX_CONF_ERROR;
}

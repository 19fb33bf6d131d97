/*
 * limit_conn_zone, limit_conn: how many requests with one key (usually
 * $binary_remote_addr) may be in progress at once.
 *
 * A shared zone holds, per key, a counter in a red-black tree keyed by
 * crc32 of the key.  The preaccess handler increments the counter of
 * every limit of the location (refusing with limit_conn_status, 503 by
 * default, when one is at its maximum) and registers a cleanup on the
 * request pool that decrements it, so the count follows the request's
 * life exactly, whatever way it ends; a node whose count drops to zero
 * is freed at once.  When a later limit refuses, the counts already
 * taken are given back on the spot.  With limit_conn_dry_run the
 * decision is only logged and shown in $limit_conn_status.  The zone,
 * its tree and the counts are core/hx_limit_zone.c, which stream's
 * limit_conn and limit_req share; this file is the http phase handler,
 * its variable and its configuration.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_limit_zone.h>


#define HX_HTTP_LIMIT_CONN_PASSED            1
#define HX_HTTP_LIMIT_CONN_REJECTED          2
#define HX_HTTP_LIMIT_CONN_REJECTED_DRY_RUN  3


/* shm_zone->data; core/hx_limit_zone.c sees its first member */
typedef struct {
    hx_limit_zone_t              zone;
    hx_http_complex_value_t      key;
} hx_http_limit_conn_ctx_t;


typedef struct {
    hx_array_t                   limits;   /* hx_limit_conn_limit_t */
    hx_uint_t                    log_level;
    hx_uint_t                    status_code;
    hx_flag_t                    dry_run;
} hx_http_limit_conn_conf_t;


static hx_int_t hx_http_limit_conn_refuse(hx_http_request_t *r,
    hx_http_limit_conn_conf_t *lccf);
static hx_int_t hx_http_limit_conn_status_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static void *hx_http_limit_conn_create_conf(hx_conf_t *cf);
static char *hx_http_limit_conn_merge_conf(hx_conf_t *cf, void *parent,
    void *child);
static char *hx_http_limit_conn_zone(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_limit_conn(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static hx_int_t hx_http_limit_conn_add_variables(hx_conf_t *cf);
static hx_int_t hx_http_limit_conn_init(hx_conf_t *cf);


static hx_conf_enum_t  hx_http_limit_conn_log_levels[] = {
    { hx_string("info"), HX_LOG_INFO },
    { hx_string("notice"), HX_LOG_NOTICE },
    { hx_string("warn"), HX_LOG_WARN },
    { hx_string("error"), HX_LOG_ERR },
    { hx_null_string, 0 }
};


static hx_conf_num_bounds_t  hx_http_limit_conn_status_bounds = {
    hx_conf_check_num_bounds, 400, 599
};


static hx_command_t  hx_http_limit_conn_commands[] = {

    { hx_string("limit_conn_zone"),
      HX_HTTP_MAIN_CONF|HX_CONF_TAKE2,
      hx_http_limit_conn_zone,
      0,
      0,
      NULL },

    { hx_string("limit_conn"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE2,
      hx_http_limit_conn,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("limit_conn_log_level"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_enum_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_limit_conn_conf_t, log_level),
      &hx_http_limit_conn_log_levels },

    { hx_string("limit_conn_status"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_limit_conn_conf_t, status_code),
      &hx_http_limit_conn_status_bounds },

    { hx_string("limit_conn_dry_run"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_limit_conn_conf_t, dry_run),
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_limit_conn_module_ctx = {
    hx_http_limit_conn_add_variables,      /* preconfiguration */
    hx_http_limit_conn_init,               /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    hx_http_limit_conn_create_conf,        /* create location configuration */
    hx_http_limit_conn_merge_conf          /* merge location configuration */
};


hx_module_t  hx_http_limit_conn_module = {
    HX_MODULE_V1,
    "hx_http_limit_conn_module",
    &hx_http_limit_conn_module_ctx,
    hx_http_limit_conn_commands,
    HX_HTTP_MODULE,
    NULL,                                  /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL                                   /* exit master */
};


static hx_http_variable_t  hx_http_limit_conn_vars[] = {

    { hx_string("limit_conn_status"), NULL,
      hx_http_limit_conn_status_variable, 0, HX_HTTP_VAR_NOCACHEABLE, 0 },

    hx_http_null_variable
};


static hx_str_t  hx_http_limit_conn_status[] = {
    hx_string("PASSED"),
    hx_string("REJECTED"),
    hx_string("REJECTED_DRY_RUN")
};


static hx_int_t
hx_http_limit_conn_handler(hx_http_request_t *r)
{
    hx_int_t                    rc;
    hx_str_t                    key;
    hx_uint_t                   i;
    hx_limit_conn_limit_t      *limits;
    hx_http_limit_conn_ctx_t   *ctx;
    hx_http_limit_conn_conf_t  *lccf;

    if (r->main->limit_conn_status) {
        return HX_DECLINED;
    }

    lccf = hx_http_get_module_loc_conf(r, hx_http_limit_conn_module);
    limits = lccf->limits.elts;

    for (i = 0; i < lccf->limits.nelts; i++) {
        ctx = limits[i].shm_zone->data;

        if (hx_http_complex_value(r, &ctx->key, &key) != HX_OK) {
            return HX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (key.len == 0) {
            continue;
        }

        if (key.len > 255) {
            hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                         "the value of the \"%V\" key "
                         "is more than 255 bytes: \"%V\"",
                         &ctx->key.value, &key);
            continue;
        }

        r->main->limit_conn_status = HX_HTTP_LIMIT_CONN_PASSED;

        rc = hx_limit_conn_take(&limits[i], &key, r->pool);

        if (rc == HX_ERROR) {
            return HX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (rc == HX_BUSY) {
            hx_log_error(lccf->log_level, r->connection->log, 0,
                         "limiting connections%s by zone \"%V\"",
                         lccf->dry_run ? ", dry run" : "",
                         &limits[i].shm_zone->shm.name);
        }

        if (rc != HX_OK) {
            return hx_http_limit_conn_refuse(r, lccf);
        }
    }

    return HX_DECLINED;
}


/* gives back the counts taken so far and refuses (or, dry, lets through) */
static hx_int_t
hx_http_limit_conn_refuse(hx_http_request_t *r,
    hx_http_limit_conn_conf_t *lccf)
{
    hx_limit_conn_give_back(r->pool);

    if (lccf->dry_run) {
        r->main->limit_conn_status = HX_HTTP_LIMIT_CONN_REJECTED_DRY_RUN;
        return HX_DECLINED;
    }

    r->main->limit_conn_status = HX_HTTP_LIMIT_CONN_REJECTED;

    return lccf->status_code;
}


static hx_int_t
hx_http_limit_conn_status_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    (void) data;

    if (r->main->limit_conn_status == 0) {
        v->not_found = 1;
        return HX_OK;
    }

    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->len = hx_http_limit_conn_status[r->main->limit_conn_status - 1].len;
    v->data = hx_http_limit_conn_status[r->main->limit_conn_status - 1].data;

    return HX_OK;
}


static void *
hx_http_limit_conn_create_conf(hx_conf_t *cf)
{
    hx_http_limit_conn_conf_t  *conf;

    conf = hx_pcalloc(cf->pool, sizeof(hx_http_limit_conn_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by hx_pcalloc():
     *
     *     conf->limits.elts = NULL;
     */

    conf->log_level = HX_CONF_UNSET_UINT;
    conf->status_code = HX_CONF_UNSET_UINT;
    conf->dry_run = HX_CONF_UNSET;

    return conf;
}


static char *
hx_http_limit_conn_merge_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_http_limit_conn_conf_t  *prev = parent;
    hx_http_limit_conn_conf_t  *conf = child;

    (void) cf;

    if (conf->limits.elts == NULL) {
        conf->limits = prev->limits;
    }

    hx_conf_merge_uint_value(conf->log_level, prev->log_level, HX_LOG_ERR);
    hx_conf_merge_uint_value(conf->status_code, prev->status_code,
                             HX_HTTP_SERVICE_UNAVAILABLE);

    hx_conf_merge_value(conf->dry_run, prev->dry_run, 0);

    return HX_CONF_OK;
}


/* limit_conn_zone key zone=name:size */
static char *
hx_http_limit_conn_zone(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t                          *value;
    hx_http_limit_conn_ctx_t          *ctx;
    hx_http_compile_complex_value_t    ccv;

    (void) conf;

    value = cf->args->elts;

    ctx = hx_pcalloc(cf->pool, sizeof(hx_http_limit_conn_ctx_t));
    if (ctx == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = &ctx->key;

    if (hx_http_compile_complex_value(&ccv) != HX_OK) {
        return HX_CONF_ERROR;
    }

    ctx->zone.key = ctx->key.value;
    ctx->zone.name = "limit_conn_zone";
    ctx->zone.log_name = "limit_conn_zone";

    return hx_limit_zone_directive(cf, cmd, &ctx->zone,
                                   &hx_http_limit_conn_module, NULL, NULL);
}


/* limit_conn zone number */
static char *
hx_http_limit_conn(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_limit_conn_conf_t  *lccf = conf;

    (void) cmd;

    return hx_limit_conn_directive(cf, &lccf->limits,
                                   &hx_http_limit_conn_module);
}


static hx_int_t
hx_http_limit_conn_add_variables(hx_conf_t *cf)
{
    hx_http_variable_t  *var, *v;

    for (v = hx_http_limit_conn_vars; v->name.len; v++) {
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
hx_http_limit_conn_init(hx_conf_t *cf)
{
    hx_http_handler_pt        *h;
    hx_http_core_main_conf_t  *cmcf;

    cmcf = hx_http_conf_get_module_main_conf(cf, hx_http_core_module);

    h = hx_array_push(&cmcf->phases[HX_HTTP_PREACCESS_PHASE].handlers);
    if (h == NULL) {
        return HX_ERROR;
    }

    *h = hx_http_limit_conn_handler;

    return HX_OK;
}

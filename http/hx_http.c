/*
 * The http {} block.  Parsing it creates the three conf levels for every
 * http module (hx_http_config.h), lets modules run their preconfiguration,
 * parses the block, and then builds everything requests read without
 * further lookups: merged confs at every server and location, the
 * location trees, the request header hash, the flattened phase engine and
 * the listening sockets with their virtual-server tables.
 *
 * The order is nginx's, and it matters: modules add variables before the
 * block is parsed (so directives can look them up), add phase handlers and
 * filters after everything is merged, and variables are checked last,
 * once every module has declared its own.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


static char *hx_http_block(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static hx_int_t hx_http_init_phases(hx_conf_t *cf,
    hx_http_core_main_conf_t *cmcf);
static hx_int_t hx_http_init_headers_in_hash(hx_conf_t *cf,
    hx_http_core_main_conf_t *cmcf);
static hx_int_t hx_http_init_phase_handlers(hx_conf_t *cf,
    hx_http_core_main_conf_t *cmcf);
static char *hx_http_merge_servers(hx_conf_t *cf,
    hx_http_core_main_conf_t *cmcf, hx_http_module_t *module,
    hx_uint_t ctx_index);
static char *hx_http_merge_locations(hx_conf_t *cf, hx_queue_t *locations,
    void **loc_conf, hx_http_module_t *module, hx_uint_t ctx_index);


hx_uint_t  hx_http_max_module;

hx_http_output_header_filter_pt  hx_http_top_header_filter;
hx_http_output_body_filter_pt    hx_http_top_body_filter;
hx_http_request_body_filter_pt   hx_http_top_request_body_filter;


hx_str_t  hx_http_html_default_types[] = {
    hx_string("text/html"),
    hx_null_string
};


static hx_command_t  hx_http_commands[] = {

    { hx_string("http"),
      HX_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_NOARGS,
      hx_http_block,
      0,
      0,
      NULL },

    hx_null_command
};


static hx_core_module_t  hx_http_module_ctx = {
    hx_string("http"),
    NULL,
    NULL
};


hx_module_t  hx_http_module = {
    HX_MODULE_V1,
    "hx_http_module",
    &hx_http_module_ctx,
    hx_http_commands,
    HX_CORE_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


/* creates each module's confs at one level of a fresh http ctx */
static char *
hx_http_create_confs(hx_conf_t *cf, hx_http_conf_ctx_t *ctx)
{
    hx_uint_t           m, mi;
    hx_module_t        *mod;
    hx_http_module_t   *module;

    for (m = 0; cf->cycle->modules[m]; m++) {
        mod = cf->cycle->modules[m];

        if (mod->type != HX_HTTP_MODULE) {
            continue;
        }

        module = mod->ctx;
        mi = mod->ctx_index;

        if (module->create_main_conf) {
            ctx->main_conf[mi] = module->create_main_conf(cf);
            if (ctx->main_conf[mi] == NULL) {
                return HX_CONF_ERROR;
            }
        }

        if (module->create_srv_conf) {
            ctx->srv_conf[mi] = module->create_srv_conf(cf);
            if (ctx->srv_conf[mi] == NULL) {
                return HX_CONF_ERROR;
            }
        }

        if (module->create_loc_conf) {
            ctx->loc_conf[mi] = module->create_loc_conf(cf);
            if (ctx->loc_conf[mi] == NULL) {
                return HX_CONF_ERROR;
            }
        }
    }

    return HX_CONF_OK;
}


/* runs preconfiguration or postconfiguration of every http module */
static hx_int_t
hx_http_run_hooks(hx_conf_t *cf, hx_uint_t post)
{
    hx_uint_t           m;
    hx_http_module_t   *module;
    hx_int_t          (*hook)(hx_conf_t *cf);

    for (m = 0; cf->cycle->modules[m]; m++) {
        if (cf->cycle->modules[m]->type != HX_HTTP_MODULE) {
            continue;
        }

        module = cf->cycle->modules[m]->ctx;
        hook = post ? module->postconfiguration : module->preconfiguration;

        if (hook && hook(cf) != HX_OK) {
            return HX_ERROR;
        }
    }

    return HX_OK;
}


static char *
hx_http_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char                        *rv;
    hx_uint_t                    m, mi, s;
    hx_conf_t                    pcf;
    hx_http_module_t            *module;
    hx_http_conf_ctx_t          *ctx;
    hx_http_core_loc_conf_t     *clcf;
    hx_http_core_srv_conf_t    **cscfp;
    hx_http_core_main_conf_t    *cmcf;

    (void) cmd;

    if (*(hx_http_conf_ctx_t **) conf) {
        return "is duplicate";
    }

    ctx = hx_pcalloc(cf->pool, sizeof(hx_http_conf_ctx_t));
    if (ctx == NULL) {
        return HX_CONF_ERROR;
    }

    *(hx_http_conf_ctx_t **) conf = ctx;

    hx_http_max_module = hx_count_modules(cf->cycle, HX_HTTP_MODULE);

    /*
     * main_conf is shared by every level below; the srv_conf and loc_conf
     * made here are the "null" ones that servers merge from
     */

    ctx->main_conf = hx_pcalloc(cf->pool, sizeof(void *) * hx_http_max_module);
    ctx->srv_conf = hx_pcalloc(cf->pool, sizeof(void *) * hx_http_max_module);
    ctx->loc_conf = hx_pcalloc(cf->pool, sizeof(void *) * hx_http_max_module);

    if (ctx->main_conf == NULL || ctx->srv_conf == NULL
        || ctx->loc_conf == NULL)
    {
        return HX_CONF_ERROR;
    }

    if (hx_http_create_confs(cf, ctx) != HX_CONF_OK) {
        return HX_CONF_ERROR;
    }

    pcf = *cf;
    cf->ctx = ctx;

    if (hx_http_run_hooks(cf, 0) != HX_OK) {
        *cf = pcf;
        return HX_CONF_ERROR;
    }

    cf->module_type = HX_HTTP_MODULE;
    cf->cmd_type = HX_HTTP_MAIN_CONF;
    rv = hx_conf_parse(cf, NULL);

    if (rv != HX_CONF_OK) {
        goto failed;
    }

    cmcf = ctx->main_conf[hx_http_core_module.ctx_index];
    cscfp = cmcf->servers.elts;

    for (m = 0; cf->cycle->modules[m]; m++) {
        if (cf->cycle->modules[m]->type != HX_HTTP_MODULE) {
            continue;
        }

        module = cf->cycle->modules[m]->ctx;
        mi = cf->cycle->modules[m]->ctx_index;

        if (module->init_main_conf) {
            rv = module->init_main_conf(cf, ctx->main_conf[mi]);
            if (rv != HX_CONF_OK) {
                goto failed;
            }
        }

        rv = hx_http_merge_servers(cf, cmcf, module, mi);
        if (rv != HX_CONF_OK) {
            goto failed;
        }
    }

    for (s = 0; s < cmcf->servers.nelts; s++) {

        clcf = cscfp[s]->ctx->loc_conf[hx_http_core_module.ctx_index];

        if (hx_http_init_locations(cf, cscfp[s], clcf) != HX_OK) {
            rv = HX_CONF_ERROR;
            goto failed;
        }

        if (hx_http_init_static_location_trees(cf, clcf) != HX_OK) {
            rv = HX_CONF_ERROR;
            goto failed;
        }
    }

    if (hx_http_init_phases(cf, cmcf) != HX_OK
        || hx_http_init_headers_in_hash(cf, cmcf) != HX_OK
        || hx_http_run_hooks(cf, 1) != HX_OK
        || hx_http_variables_init_vars(cf) != HX_OK)
    {
        rv = HX_CONF_ERROR;
        goto failed;
    }

    *cf = pcf;

    if (hx_http_init_phase_handlers(cf, cmcf) != HX_OK) {
        return HX_CONF_ERROR;
    }

    if (hx_http_optimize_servers(cf, cmcf, cmcf->ports) != HX_OK) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;

failed:

    *cf = pcf;

    return rv;
}


static hx_int_t
hx_http_init_phases(hx_conf_t *cf, hx_http_core_main_conf_t *cmcf)
{
    hx_uint_t  i;

    for (i = 0; i <= HX_HTTP_LOG_PHASE; i++) {

        /* these phases are run by the core alone */

        if (i == HX_HTTP_FIND_CONFIG_PHASE
            || i == HX_HTTP_POST_REWRITE_PHASE
            || i == HX_HTTP_POST_ACCESS_PHASE)
        {
            continue;
        }

        if (hx_array_init(&cmcf->phases[i].handlers, cf->pool,
                          i == HX_HTTP_ACCESS_PHASE ? 2 : 1,
                          sizeof(hx_http_handler_pt))
            != HX_OK)
        {
            return HX_ERROR;
        }
    }

    return HX_OK;
}


static hx_int_t
hx_http_init_headers_in_hash(hx_conf_t *cf, hx_http_core_main_conf_t *cmcf)
{
    hx_array_t         headers_in;
    hx_hash_key_t     *hk;
    hx_hash_init_t     hash;
    hx_http_header_t  *header;

    if (hx_array_init(&headers_in, cf->temp_pool, 32, sizeof(hx_hash_key_t))
        != HX_OK)
    {
        return HX_ERROR;
    }

    for (header = hx_http_headers_in; header->name.len; header++) {
        hk = hx_array_push(&headers_in);
        if (hk == NULL) {
            return HX_ERROR;
        }

        hk->key = header->name;
        hk->key_hash = hx_hash_key_lc(header->name.data, header->name.len);
        hk->value = header;
    }

    hash.hash = &cmcf->headers_in_hash;
    hash.key = hx_hash_key_lc;
    hash.max_size = 512;
    hash.bucket_size = hx_align(64, HX_ALIGNMENT);
    hash.name = "headers_in_hash";
    hash.pool = cf->pool;
    hash.temp_pool = NULL;

    return hx_hash_init(&hash, headers_in.elts, headers_in.nelts);
}


/*
 * Flattens cmcf->phases into one array.  Handlers of a phase are taken
 * in reverse order of registration, as nginx does, so the module listed
 * last in auto/modules runs first within a phase.
 */
static hx_int_t
hx_http_init_phase_handlers(hx_conf_t *cf, hx_http_core_main_conf_t *cmcf)
{
    hx_int_t                   j;
    hx_uint_t                  i, n;
    hx_uint_t                  find_config_index, use_rewrite, use_access;
    hx_http_handler_pt        *h;
    hx_http_phase_handler_t   *ph;
    hx_http_phase_handler_pt   checker;

    cmcf->phase_engine.server_rewrite_index = (hx_uint_t) -1;
    cmcf->phase_engine.location_rewrite_index = (hx_uint_t) -1;
    find_config_index = 0;
    use_rewrite = cmcf->phases[HX_HTTP_REWRITE_PHASE].handlers.nelts ? 1 : 0;
    use_access = cmcf->phases[HX_HTTP_ACCESS_PHASE].handlers.nelts ? 1 : 0;

    n = 1                  /* find config phase */
        + use_rewrite      /* post rewrite phase */
        + use_access;      /* post access phase */

    for (i = 0; i < HX_HTTP_LOG_PHASE; i++) {
        n += cmcf->phases[i].handlers.nelts;
    }

    ph = hx_pcalloc(cf->pool,
                    n * sizeof(hx_http_phase_handler_t) + sizeof(void *));
    if (ph == NULL) {
        return HX_ERROR;
    }

    cmcf->phase_engine.handlers = ph;
    n = 0;

    for (i = 0; i < HX_HTTP_LOG_PHASE; i++) {
        h = cmcf->phases[i].handlers.elts;

        switch (i) {

        case HX_HTTP_SERVER_REWRITE_PHASE:
            if (cmcf->phase_engine.server_rewrite_index == (hx_uint_t) -1) {
                cmcf->phase_engine.server_rewrite_index = n;
            }
            checker = hx_http_core_rewrite_phase;
            break;

        case HX_HTTP_FIND_CONFIG_PHASE:
            find_config_index = n;

            ph->checker = hx_http_core_find_config_phase;
            n++;
            ph++;

            continue;

        case HX_HTTP_REWRITE_PHASE:
            if (cmcf->phase_engine.location_rewrite_index == (hx_uint_t) -1) {
                cmcf->phase_engine.location_rewrite_index = n;
            }
            checker = hx_http_core_rewrite_phase;
            break;

        case HX_HTTP_POST_REWRITE_PHASE:
            if (use_rewrite) {
                ph->checker = hx_http_core_post_rewrite_phase;
                ph->next = find_config_index;
                n++;
                ph++;
            }

            continue;

        case HX_HTTP_ACCESS_PHASE:
            checker = hx_http_core_access_phase;
            n += use_access;    /* the post access phase follows */
            break;

        case HX_HTTP_POST_ACCESS_PHASE:
            if (use_access) {
                ph->checker = hx_http_core_post_access_phase;
                ph->next = n;
                ph++;
            }

            continue;

        case HX_HTTP_CONTENT_PHASE:
            checker = hx_http_core_content_phase;
            break;

        default:
            checker = hx_http_core_generic_phase;
        }

        n += cmcf->phases[i].handlers.nelts;

        for (j = (hx_int_t) cmcf->phases[i].handlers.nelts - 1; j >= 0; j--) {
            ph->checker = checker;
            ph->handler = h[j];
            ph->next = n;
            ph++;
        }
    }

    return HX_OK;
}


static char *
hx_http_merge_servers(hx_conf_t *cf, hx_http_core_main_conf_t *cmcf,
    hx_http_module_t *module, hx_uint_t ctx_index)
{
    char                        *rv;
    hx_uint_t                    s;
    hx_http_conf_ctx_t          *ctx, saved;
    hx_http_core_loc_conf_t     *clcf;
    hx_http_core_srv_conf_t    **cscfp;

    cscfp = cmcf->servers.elts;
    ctx = (hx_http_conf_ctx_t *) cf->ctx;
    saved = *ctx;
    rv = HX_CONF_OK;

    for (s = 0; s < cmcf->servers.nelts; s++) {

        /* merge the server{}s' srv_conf's */

        ctx->srv_conf = cscfp[s]->ctx->srv_conf;

        if (module->merge_srv_conf) {
            rv = module->merge_srv_conf(cf, saved.srv_conf[ctx_index],
                                        cscfp[s]->ctx->srv_conf[ctx_index]);
            if (rv != HX_CONF_OK) {
                goto failed;
            }
        }

        if (module->merge_loc_conf) {

            /* merge the server{}'s loc_conf */

            ctx->loc_conf = cscfp[s]->ctx->loc_conf;

            rv = module->merge_loc_conf(cf, saved.loc_conf[ctx_index],
                                        cscfp[s]->ctx->loc_conf[ctx_index]);
            if (rv != HX_CONF_OK) {
                goto failed;
            }

            /* merge the locations{}' loc_conf's */

            clcf = cscfp[s]->ctx->loc_conf[hx_http_core_module.ctx_index];

            rv = hx_http_merge_locations(cf, clcf->locations,
                                         cscfp[s]->ctx->loc_conf,
                                         module, ctx_index);
            if (rv != HX_CONF_OK) {
                goto failed;
            }
        }
    }

failed:

    *ctx = saved;

    return rv;
}


static char *
hx_http_merge_locations(hx_conf_t *cf, hx_queue_t *locations,
    void **loc_conf, hx_http_module_t *module, hx_uint_t ctx_index)
{
    char                       *rv;
    hx_queue_t                 *q;
    hx_http_conf_ctx_t         *ctx, saved;
    hx_http_core_loc_conf_t    *clcf;
    hx_http_location_queue_t   *lq;

    if (locations == NULL) {
        return HX_CONF_OK;
    }

    ctx = (hx_http_conf_ctx_t *) cf->ctx;
    saved = *ctx;

    for (q = hx_queue_head(locations);
         q != hx_queue_sentinel(locations);
         q = hx_queue_next(q))
    {
        lq = (hx_http_location_queue_t *) q;

        clcf = lq->exact ? lq->exact : lq->inclusive;
        ctx->loc_conf = clcf->loc_conf;

        rv = module->merge_loc_conf(cf, loc_conf[ctx_index],
                                    clcf->loc_conf[ctx_index]);
        if (rv != HX_CONF_OK) {
            return rv;
        }

        rv = hx_http_merge_locations(cf, clcf->locations, clcf->loc_conf,
                                     module, ctx_index);
        if (rv != HX_CONF_OK) {
            return rv;
        }
    }

    *ctx = saved;

    return HX_CONF_OK;
}

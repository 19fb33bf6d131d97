/*
 * The ha {} block, global_defs {}, and the setters the ha modules share.
 *
 * hx_ha_module is a core module with one directive, "ha", which gives
 * every HX_HA_MODULE module a main conf and parses the block with only
 * their directives visible (as hx_events_block() does for events {}).
 * The block is parsed into a pool of its own (see hx_ha.h for why): the
 * cycle pool only holds a cleanup that frees it unless the VRRP runtime
 * has taken it over.
 *
 * hx_ha_core_module holds global_defs {} and the ha-level directives.
 * Keepalived's global keywords that matter to VRRP are implemented; the
 * e-mail, SNMP, D-Bus and firewall ones are accepted and ignored with a
 * notice, so that a keepalived.conf translates line by line.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_ha.h>


/* the cycle pool's handle on the block's pool */
typedef struct {
    hx_pool_t           *pool;
    hx_uint_t            taken;
} hx_ha_pool_ref_t;


/* what the core module keeps in its conf slot */
typedef struct {
    hx_ha_conf_ctx_t     ctx;
    hx_ha_pool_ref_t    *ref;
} hx_ha_block_t;


static char *hx_ha_block(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_ha_init_modules(hx_conf_t *cf, hx_ha_conf_ctx_t *ctx);
static void hx_ha_pool_cleanup(void *data);
static char *hx_ha_global_defs(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_script_user(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_ignore_any(hx_conf_t *cf, hx_command_t *dummy,
    void *conf);
static char *hx_ha_mcast_group(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static void *hx_ha_core_create_main_conf(hx_conf_t *cf);
static char *hx_ha_core_init_main_conf(hx_conf_t *cf, void *conf);


hx_uint_t  hx_ha_max_module;


static hx_command_t  hx_ha_commands[] = {

    { hx_string("ha"),
      HX_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_NOARGS,
      hx_ha_block,
      0,
      0,
      NULL },

    hx_null_command
};


static hx_core_module_t  hx_ha_module_ctx = {
    hx_string("ha"),
    NULL,
    NULL
};


hx_module_t  hx_ha_module = {
    HX_MODULE_V1,
    "hx_ha_module",
    &hx_ha_module_ctx,
    hx_ha_commands,
    HX_CORE_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static hx_conf_num_bounds_t  hx_ha_version_bounds = {
    hx_conf_check_num_bounds, 2, 3
};

static hx_conf_num_bounds_t  hx_ha_repeat_bounds = {
    hx_conf_check_num_bounds, 0, 255
};

static hx_ha_conf_msec_bounds_t  hx_ha_garp_delay_bounds = {
    hx_ha_conf_check_msec_bounds, 0, 3600000
};


#define HX_HA_GLOBAL(name, args, set, field, post)                           \
    { hx_string(name),                                                        \
      HX_HA_GLOBAL_CONF|args,                                                 \
      set,                                                                    \
      HX_HA_MAIN_CONF_OFFSET,                                                 \
      offsetof(hx_ha_main_conf_t, field),                                     \
      post }

#define HX_HA_IGNORED(name, args)                                             \
    { hx_string(name),                                                        \
      HX_HA_GLOBAL_CONF|args,                                                 \
      hx_ha_conf_ignore,                                                      \
      0,                                                                      \
      0,                                                                      \
      NULL }


static hx_command_t  hx_ha_core_commands[] = {

    { hx_string("global_defs"),
      HX_HA_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_NOARGS,
      hx_ha_global_defs,
      HX_HA_MAIN_CONF_OFFSET,
      0,
      NULL },

    { hx_string("vrrp_state_file"),
      HX_HA_MAIN_CONF|HX_CONF_TAKE1,
      hx_conf_set_str_slot,
      HX_HA_MAIN_CONF_OFFSET,
      offsetof(hx_ha_main_conf_t, state_file),
      NULL },

    HX_HA_GLOBAL("router_id", HX_CONF_TAKE1, hx_conf_set_str_slot,
                 router_id, NULL),
    HX_HA_GLOBAL("vrrp_version", HX_CONF_TAKE1, hx_conf_set_num_slot,
                 vrrp_version, &hx_ha_version_bounds),
    HX_HA_GLOBAL("vrrp_garp_master_delay", HX_CONF_TAKE1,
                 hx_ha_conf_set_dsec_slot, garp_master_delay,
                 &hx_ha_garp_delay_bounds),
    HX_HA_GLOBAL("vrrp_garp_master_repeat", HX_CONF_TAKE1,
                 hx_conf_set_num_slot, garp_master_repeat,
                 &hx_ha_repeat_bounds),
    HX_HA_GLOBAL("vrrp_garp_master_refresh", HX_CONF_TAKE1,
                 hx_ha_conf_set_dsec_slot, garp_master_refresh,
                 &hx_ha_garp_delay_bounds),
    HX_HA_GLOBAL("vrrp_garp_master_refresh_repeat", HX_CONF_TAKE1,
                 hx_conf_set_num_slot, garp_master_refresh_repeat,
                 &hx_ha_repeat_bounds),
    HX_HA_GLOBAL("vrrp_garp_lower_prio_delay", HX_CONF_TAKE1,
                 hx_ha_conf_set_dsec_slot, garp_lower_prio_delay,
                 &hx_ha_garp_delay_bounds),
    HX_HA_GLOBAL("vrrp_garp_lower_prio_repeat", HX_CONF_TAKE1,
                 hx_conf_set_num_slot, garp_lower_prio_repeat,
                 &hx_ha_repeat_bounds),
    HX_HA_GLOBAL("vrrp_garp_interval", HX_CONF_TAKE1,
                 hx_ha_conf_set_dsec_slot, garp_interval,
                 &hx_ha_garp_delay_bounds),
    HX_HA_GLOBAL("vrrp_gna_interval", HX_CONF_TAKE1,
                 hx_ha_conf_set_dsec_slot, gna_interval,
                 &hx_ha_garp_delay_bounds),
    HX_HA_GLOBAL("vrrp_lower_prio_no_advert", HX_CONF_NOARGS|HX_CONF_TAKE1,
                 hx_ha_conf_set_keyword_slot, lower_prio_no_advert, NULL),
    HX_HA_GLOBAL("vrrp_higher_prio_send_advert",
                 HX_CONF_NOARGS|HX_CONF_TAKE1,
                 hx_ha_conf_set_keyword_slot, higher_prio_send_advert, NULL),
    HX_HA_GLOBAL("vrrp_strict", HX_CONF_NOARGS|HX_CONF_TAKE1,
                 hx_ha_conf_set_keyword_slot, strict, NULL),
    HX_HA_GLOBAL("vrrp_check_unicast_src", HX_CONF_NOARGS|HX_CONF_TAKE1,
                 hx_ha_conf_set_keyword_slot, check_unicast_src, NULL),
    HX_HA_GLOBAL("vrrp_skip_check_adv_addr", HX_CONF_NOARGS|HX_CONF_TAKE1,
                 hx_ha_conf_set_keyword_slot, skip_check_adv_addr, NULL),
    HX_HA_GLOBAL("enable_script_security", HX_CONF_NOARGS|HX_CONF_TAKE1,
                 hx_ha_conf_set_keyword_slot, script_security, NULL),
    HX_HA_GLOBAL("script_user", HX_CONF_TAKE12, hx_ha_script_user,
                 script_user, NULL),

    /* keepalived's mail, SNMP, D-Bus, firewall and tuning keywords */
    { hx_string("notification_email"),
      HX_HA_GLOBAL_CONF|HX_CONF_BLOCK|HX_CONF_NOARGS,
      hx_ha_conf_ignore_block,
      0,
      0,
      NULL },

    HX_HA_IGNORED("notification_email_from", HX_CONF_TAKE1),
    HX_HA_IGNORED("smtp_server", HX_CONF_TAKE12),
    HX_HA_IGNORED("smtp_helo_name", HX_CONF_TAKE1),
    HX_HA_IGNORED("smtp_connect_timeout", HX_CONF_TAKE1),
    HX_HA_IGNORED("smtp_alert", HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_IGNORED("smtp_alert_vrrp", HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_IGNORED("smtp_alert_checker", HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_IGNORED("enable_snmp_vrrp", HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_IGNORED("enable_snmp_keepalived", HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_IGNORED("enable_snmp_checker", HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_IGNORED("enable_snmp_rfc", HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_IGNORED("enable_snmp_rfcv2", HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_IGNORED("enable_snmp_rfcv3", HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_IGNORED("enable_traps", HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_IGNORED("snmp_socket", HX_CONF_TAKE1),
    HX_HA_IGNORED("enable_dbus", HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_IGNORED("dynamic_interfaces", HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_IGNORED("vrrp_iptables", HX_CONF_ANY),
    HX_HA_IGNORED("vrrp_ipsets", HX_CONF_ANY),
    HX_HA_IGNORED("nftables", HX_CONF_ANY),
    HX_HA_IGNORED("vrrp_no_swap", HX_CONF_NOARGS),
    HX_HA_IGNORED("checker_no_swap", HX_CONF_NOARGS),
    HX_HA_IGNORED("vrrp_priority", HX_CONF_TAKE1),
    HX_HA_IGNORED("checker_priority", HX_CONF_TAKE1),
    HX_HA_IGNORED("max_auto_priority", HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_IGNORED("vrrp_notify_fifo", HX_CONF_TAKE123),
    HX_HA_IGNORED("notify_fifo", HX_CONF_TAKE123),
    { hx_string("vrrp_mcast_group4"),
      HX_HA_GLOBAL_CONF|HX_CONF_TAKE1,
      hx_ha_mcast_group,
      0,
      0,
      NULL },

    { hx_string("vrrp_mcast_group6"),
      HX_HA_GLOBAL_CONF|HX_CONF_TAKE1,
      hx_ha_mcast_group,
      0,
      0,
      NULL },

    HX_HA_IGNORED("vrrp_netlink_cmd_rcv_bufs", HX_CONF_TAKE1),
    HX_HA_IGNORED("vrrp_netlink_monitor_rcv_bufs", HX_CONF_TAKE1),
    HX_HA_IGNORED("vrrp_rx_bufs_policy", HX_CONF_1MORE),
    HX_HA_IGNORED("vrrp_startup_delay", HX_CONF_TAKE1),
    HX_HA_IGNORED("vrrp_garp_extra_if", HX_CONF_1MORE),
    HX_HA_IGNORED("vrrp_min_garp", HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_IGNORED("vrrp_notify_priority_changes",
                  HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_IGNORED("vrrp_track_process_debounce", HX_CONF_TAKE1),
    HX_HA_IGNORED("process_names", HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_IGNORED("process_name", HX_CONF_TAKE1),
    HX_HA_IGNORED("vrrp_process_name", HX_CONF_TAKE1),
    HX_HA_IGNORED("checker_process_name", HX_CONF_TAKE1),
    HX_HA_IGNORED("bfd_process_name", HX_CONF_TAKE1),
    HX_HA_IGNORED("instance", HX_CONF_TAKE1),
    HX_HA_IGNORED("child_wait_time", HX_CONF_TAKE1),
    HX_HA_IGNORED("reload_check_config", HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_IGNORED("config_save_dir", HX_CONF_TAKE1),
    HX_HA_IGNORED("use_pid_dir", HX_CONF_NOARGS),
    HX_HA_IGNORED("linkbeat_use_polling", HX_CONF_NOARGS),
    HX_HA_IGNORED("umask", HX_CONF_TAKE1),

    hx_null_command
};


static hx_ha_module_t  hx_ha_core_module_ctx = {
    hx_ha_core_create_main_conf,
    hx_ha_core_init_main_conf
};


hx_module_t  hx_ha_core_module = {
    HX_MODULE_V1,
    "hx_ha_core_module",
    &hx_ha_core_module_ctx,
    hx_ha_core_commands,
    HX_HA_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static char *
hx_ha_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char               *rv;
    hx_uint_t           i;
    hx_conf_t           pcf;
    hx_pool_t          *pool;
    hx_module_t        *module;
    hx_ha_block_t      *blk;
    hx_ha_module_t     *m;
    hx_ha_pool_ref_t   *ref;
    hx_pool_cleanup_t  *cln;

    (void) cmd;

    if (*(void **) conf) {
        return "is duplicate";
    }

    hx_ha_max_module = hx_count_modules(cf->cycle, HX_HA_MODULE);

    pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, cf->log);
    if (pool == NULL) {
        return HX_CONF_ERROR;
    }

    cln = hx_pool_cleanup_add(cf->pool, sizeof(hx_ha_pool_ref_t));
    if (cln == NULL) {
        hx_destroy_pool(pool);
        return HX_CONF_ERROR;
    }

    ref = cln->data;
    ref->pool = pool;
    ref->taken = 0;
    cln->handler = hx_ha_pool_cleanup;

    blk = hx_pcalloc(pool, sizeof(hx_ha_block_t));
    if (blk == NULL) {
        return HX_CONF_ERROR;
    }

    blk->ref = ref;
    blk->ctx.pool = pool;
    blk->ctx.main_conf = hx_pcalloc(pool, hx_ha_max_module * sizeof(void *));
    blk->ctx.block_conf = hx_pcalloc(pool,
                                     hx_ha_max_module * sizeof(void *));

    if (blk->ctx.main_conf == NULL || blk->ctx.block_conf == NULL) {
        return HX_CONF_ERROR;
    }

    *(void **) conf = blk;

    pcf = *cf;
    cf->pool = pool;
    cf->ctx = &blk->ctx;
    cf->module_type = HX_HA_MODULE;
    cf->cmd_type = HX_HA_MAIN_CONF;

    for (i = 0; cf->cycle->modules[i]; i++) {
        module = cf->cycle->modules[i];

        if (module->type != HX_HA_MODULE) {
            continue;
        }

        m = module->ctx;

        if (m->create_main_conf) {
            blk->ctx.main_conf[module->ctx_index] = m->create_main_conf(cf);

            if (blk->ctx.main_conf[module->ctx_index] == NULL) {
                *cf = pcf;
                return HX_CONF_ERROR;
            }
        }
    }

    hx_ha_conf_pos(&pcf, &((hx_ha_main_conf_t *)
                          blk->ctx.main_conf[hx_ha_core_module.ctx_index])
                         ->pos);

    rv = hx_conf_parse(cf, NULL);

    if (rv == HX_CONF_OK) {
        rv = hx_ha_init_modules(cf, &blk->ctx);
    }

    *cf = pcf;

    return rv;
}


static char *
hx_ha_init_modules(hx_conf_t *cf, hx_ha_conf_ctx_t *ctx)
{
    char            *rv;
    hx_uint_t        i;
    hx_module_t     *module;
    hx_ha_module_t  *m;

    for (i = 0; cf->cycle->modules[i]; i++) {
        module = cf->cycle->modules[i];

        if (module->type != HX_HA_MODULE) {
            continue;
        }

        m = module->ctx;

        if (m->init_main_conf) {
            rv = m->init_main_conf(cf, ctx->main_conf[module->ctx_index]);
            if (rv != HX_CONF_OK) {
                return rv;
            }
        }
    }

    return HX_CONF_OK;
}


static void
hx_ha_pool_cleanup(void *data)
{
    hx_ha_pool_ref_t  *ref = data;

    if (!ref->taken) {
        hx_destroy_pool(ref->pool);
    }
}


void *
hx_ha_cycle_get_main_conf(hx_cycle_t *cycle, hx_module_t *module)
{
    hx_ha_block_t  *blk;

    if (cycle->conf_ctx == NULL) {
        return NULL;
    }

    blk = (hx_ha_block_t *) cycle->conf_ctx[hx_ha_module.index];

    if (blk == NULL) {
        return NULL;
    }

    return blk->ctx.main_conf[module->ctx_index];
}


hx_pool_t *
hx_ha_cycle_pool(hx_cycle_t *cycle)
{
    hx_ha_block_t  *blk;

    if (cycle->conf_ctx == NULL) {
        return NULL;
    }

    blk = (hx_ha_block_t *) cycle->conf_ctx[hx_ha_module.index];

    return blk ? blk->ctx.pool : NULL;
}


hx_pool_t *
hx_ha_take_pool(hx_cycle_t *cycle)
{
    hx_ha_block_t  *blk;

    blk = (hx_ha_block_t *) cycle->conf_ctx[hx_ha_module.index];

    if (blk == NULL) {
        return NULL;
    }

    blk->ref->taken = 1;

    return blk->ctx.pool;
}


void
hx_ha_free_pool(hx_pool_t *pool)
{
    /* the log it was made with may have gone with its cycle */
    pool->log = hx_cycle->log;

    hx_destroy_pool(pool);
}


static char *
hx_ha_global_defs(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char       *rv;
    hx_uint_t   cmd_type;

    (void) cmd;
    (void) conf;

    cmd_type = cf->cmd_type;
    cf->cmd_type = HX_HA_GLOBAL_CONF;

    rv = hx_conf_parse(cf, NULL);

    cf->cmd_type = cmd_type;

    return rv;
}


/* keepalived: "script_user USER [GROUP]" */
static char *
hx_ha_script_user(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_ha_main_conf_t  *hmcf;
    hx_str_t           *value;

    (void) cmd;

    hmcf = conf;

    if (hmcf->script_user.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    hmcf->script_user = value[1];

    if (cf->args->nelts == 3) {
        hmcf->script_group = value[2];
    }

    if (getpwnam((char *) value[1].data) == NULL) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "script_user \"%V\" does not exist", &value[1]);
        return HX_CONF_ERROR;
    }

    if (cf->args->nelts == 3 && getgrnam((char *) value[2].data) == NULL) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "group \"%V\" does not exist", &value[2]);
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


/*
 * RFC 5798 5.1.1.2 and 5.1.2.2 fix the groups; keepalived lets them be
 * changed.  hanx keeps the RFC's: the default is accepted as written,
 * another group is refused rather than silently not used.
 */
static char *
hx_ha_mcast_group(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t      *value;
    hx_ha_addr_t   a, def;

    (void) conf;

    value = cf->args->elts;

    if (hx_ha_parse_addr(value[1].data, value[1].len, &a) != HX_OK) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "invalid address \"%V\"",
                          &value[1]);
        return HX_CONF_ERROR;
    }

    if (cmd->name.data[sizeof("vrrp_mcast_group") - 1] == '4') {
        (void) hx_ha_parse_addr((uint8_t *) "224.0.0.18", 10, &def);

    } else {
        (void) hx_ha_parse_addr((uint8_t *) "ff02::12", 8, &def);
    }

    if (a.family == def.family
        && hx_memcmp(a.addr, def.addr, a.family == AF_INET ? 4 : 16) == 0)
    {
        return HX_CONF_OK;
    }

    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                      "\"%V\" other than %V is not supported by hanx",
                      &cmd->name, &def.text);

    return HX_CONF_ERROR;
}


static void *
hx_ha_core_create_main_conf(hx_conf_t *cf)
{
    hx_ha_main_conf_t  *hmcf;

    hmcf = hx_pcalloc(cf->pool, sizeof(hx_ha_main_conf_t));
    if (hmcf == NULL) {
        return NULL;
    }

    /*
     * set by hx_pcalloc():
     *
     *     hmcf->router_id = { 0, NULL };
     *     hmcf->script_user = { 0, NULL };
     *     hmcf->state_file = { 0, NULL };
     */

    hmcf->vrrp_version = HX_CONF_UNSET;
    hmcf->garp_master_delay = HX_CONF_UNSET_MSEC;
    hmcf->garp_master_repeat = HX_CONF_UNSET;
    hmcf->garp_master_refresh = HX_CONF_UNSET_MSEC;
    hmcf->garp_master_refresh_repeat = HX_CONF_UNSET;
    hmcf->garp_lower_prio_delay = HX_CONF_UNSET_MSEC;
    hmcf->garp_lower_prio_repeat = HX_CONF_UNSET;
    hmcf->garp_interval = HX_CONF_UNSET_MSEC;
    hmcf->gna_interval = HX_CONF_UNSET_MSEC;
    hmcf->lower_prio_no_advert = HX_CONF_UNSET;
    hmcf->higher_prio_send_advert = HX_CONF_UNSET;
    hmcf->strict = HX_CONF_UNSET;
    hmcf->check_unicast_src = HX_CONF_UNSET;
    hmcf->skip_check_adv_addr = HX_CONF_UNSET;
    hmcf->script_security = HX_CONF_UNSET;

    return hmcf;
}


/* keepalived's defaults (global_data.c): 5 GARPs now and 5 after 5 s */
static char *
hx_ha_core_init_main_conf(hx_conf_t *cf, void *conf)
{
    hx_ha_main_conf_t  *hmcf = conf;

    (void) cf;

    hx_conf_init_value(hmcf->vrrp_version, 2);
    hx_conf_init_msec_value(hmcf->garp_master_delay, 5000);
    hx_conf_init_value(hmcf->garp_master_repeat, 5);
    hx_conf_init_msec_value(hmcf->garp_master_refresh, 0);
    hx_conf_init_value(hmcf->garp_master_refresh_repeat, 1);
    hx_conf_init_msec_value(hmcf->garp_lower_prio_delay,
                            hmcf->garp_master_delay);
    hx_conf_init_value(hmcf->garp_lower_prio_repeat,
                       hmcf->garp_master_repeat);
    hx_conf_init_msec_value(hmcf->garp_interval, 0);
    hx_conf_init_msec_value(hmcf->gna_interval, 0);
    hx_conf_init_value(hmcf->lower_prio_no_advert, 0);
    hx_conf_init_value(hmcf->higher_prio_send_advert, 0);
    hx_conf_init_value(hmcf->strict, 0);
    hx_conf_init_value(hmcf->check_unicast_src, 0);
    hx_conf_init_value(hmcf->skip_check_adv_addr, 0);
    hx_conf_init_value(hmcf->script_security, 0);

    if (hmcf->state_file.data == NULL) {
        hx_str_set(&hmcf->state_file, "logs/vrrp.state");
    }

    return HX_CONF_OK;
}


char *
hx_ha_conf_set_dsec_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    uint8_t    *p, *last;
    hx_int_t    frac, digits, n;
    hx_str_t   *value;
    hx_msec_t  *mp, ms;
    hx_conf_post_t  *post;

    mp = (hx_msec_t *) ((char *) conf + cmd->offset);

    if (*mp != HX_CONF_UNSET_MSEC) {
        return "is duplicate";
    }

    value = cf->args->elts;
    p = value[1].data;
    last = p + value[1].len;

    if (value[1].len == 0) {
        return "invalid value";
    }

    if (last[-1] < '0' || last[-1] > '9') {
        /* nginx units: "100ms", "2s", "1m" */
        n = hx_parse_time(&value[1], 0);

        if (n == HX_ERROR) {
            return "invalid value";
        }

        *mp = (hx_msec_t) n;
        goto post;
    }

    /* keepalived: seconds with up to six decimals; hanx keeps ms */
    ms = 0;

    for ( /* void */ ; p < last && *p != '.'; p++) {
        if (*p < '0' || *p > '9' || ms > 1000000000) {
            return "invalid value";
        }

        ms = ms * 10 + (*p - '0');
    }

    if (p == value[1].data) {
        return "invalid value";
    }

    ms *= 1000;
    frac = 0;
    digits = 0;

    if (p < last) {
        p++;

        if (p == last) {
            return "invalid value";
        }

        for ( /* void */ ; p < last; p++) {
            if (*p < '0' || *p > '9' || digits == 6) {
                return "invalid value";
            }

            if (digits < 3) {
                frac = frac * 10 + (*p - '0');
            }

            digits++;
        }

        while (digits < 3) {
            frac *= 10;
            digits++;
        }
    }

    *mp = ms + frac;

post:

    post = cmd->post;

    if (post) {
        return post->post_handler(cf, post, mp);
    }

    return HX_CONF_OK;
}


char *
hx_ha_conf_check_msec_bounds(hx_conf_t *cf, void *post, void *data)
{
    hx_ha_conf_msec_bounds_t  *b = post;
    hx_msec_t                 *mp = data;

    if (*mp >= b->low && *mp <= b->high) {
        return HX_CONF_OK;
    }

    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                      "value must be between %M and %M seconds "
                      "(in milliseconds: %M..%M)",
                      b->low / 1000, b->high / 1000, b->low, b->high);

    return HX_CONF_ERROR;
}


char *
hx_ha_conf_set_keyword_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t   *value;
    hx_flag_t  *fp;

    fp = (hx_flag_t *) ((char *) conf + cmd->offset);

    if (*fp != HX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 1) {
        *fp = 1;
        return HX_CONF_OK;
    }

    if (hx_strcasecmp(value[1].data, (uint8_t *) "on") == 0
        || hx_strcasecmp(value[1].data, (uint8_t *) "true") == 0
        || hx_strcasecmp(value[1].data, (uint8_t *) "yes") == 0)
    {
        *fp = 1;
        return HX_CONF_OK;
    }

    if (hx_strcasecmp(value[1].data, (uint8_t *) "off") == 0
        || hx_strcasecmp(value[1].data, (uint8_t *) "false") == 0
        || hx_strcasecmp(value[1].data, (uint8_t *) "no") == 0)
    {
        *fp = 0;
        return HX_CONF_OK;
    }

    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                      "invalid value \"%V\" in \"%V\" directive, "
                      "it must be \"on\" or \"off\" (or nothing)",
                      &value[1], &value[0]);

    return HX_CONF_ERROR;
}


/*
 * keepalived's mail, SNMP, D-Bus and tuning keywords are common in real
 * keepalived.conf files: refusing them would refuse the file, so they
 * are read and -t warns that they do nothing.
 */
char *
hx_ha_conf_ignore(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    (void) conf;

    hx_conf_log_error(HX_LOG_WARN, cf, 0,
                      "\"%V\" is a keepalived keyword hanx ignores: "
                      "it has no effect",
                      &cmd->name);

    return HX_CONF_OK;
}


char *
hx_ha_conf_ignore_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char       *rv;
    hx_conf_t   save;

    (void) conf;

    hx_conf_log_error(HX_LOG_WARN, cf, 0,
                      "\"%V\" is a keepalived keyword hanx ignores: "
                      "it has no effect",
                      &cmd->name);

    save = *cf;
    cf->handler = hx_ha_ignore_any;
    cf->handler_conf = NULL;

    rv = hx_conf_parse(cf, NULL);

    *cf = save;

    return rv;
}


static char *
hx_ha_ignore_any(hx_conf_t *cf, hx_command_t *dummy, void *conf)
{
    (void) cf;
    (void) dummy;
    (void) conf;

    return HX_CONF_OK;
}


void
hx_ha_conf_pos(hx_conf_t *cf, hx_ha_conf_pos_t *pos)
{
    if (cf->conf_file == NULL) {
        hx_str_null(&pos->file);
        pos->line = 0;
        return;
    }

    pos->file = cf->conf_file->file.name;
    pos->line = cf->conf_file->line;
}


void
hx_ha_conf_log(hx_uint_t level, hx_conf_t *cf, hx_ha_conf_pos_t *pos,
    const char *fmt, ...)
{
    uint8_t   errstr[HX_MAX_ERROR_STR], *p;
    va_list   args;

    va_start(args, fmt);
    p = hx_vslprintf(errstr, errstr + HX_MAX_ERROR_STR, fmt, args);
    va_end(args);

    if (pos == NULL || pos->file.data == NULL) {
        hx_conf_log_error(level, cf, 0, "%*s", (size_t) (p - errstr),
                          errstr);
        return;
    }

    hx_log_error(level, cf->log, 0, "%*s in %V:%ui",
                 (size_t) (p - errstr), errstr, &pos->file, pos->line);
}

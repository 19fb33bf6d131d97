/*
 * vrrp_instance, vrrp_script and vrrp_sync_group: keepalived's keywords
 * in nginx grammar, and the checks "hanx -t" makes of them.
 *
 * Every scalar keyword is a table row with a generic setter writing into
 * the block's object.  Blocks that are lists in keepalived
 * (virtual_ipaddress, unicast_peer, track_interface, track_script, group,
 * authentication) are read line by line by a cf->handler.  Defaults that
 * come from global_defs, cross-references (track_script names, sync group
 * members) and the warnings about risky setups wait until the whole ha {}
 * block is read (hx_ha_vrrp_complete.c), since keepalived allows
 * global_defs and vrrp_script after the instances that use them.
 *
 * The module's hooks start and stop the runtime (hx_ha_vrrp.c).
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_ha.h>
#include "hx_ha_static.h"

#include <net/if.h>
#include <linux/rtnetlink.h>


typedef char *(*hx_ha_line_pt)(hx_conf_t *cf, void *conf);


static char *hx_ha_vrrp_instance(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_vrrp_script(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_vrrp_sync_group(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_vrrp_block(hx_conf_t *cf, void *obj, hx_uint_t type);
static char *hx_ha_vrrp_lines(hx_conf_t *cf, hx_ha_line_pt line,
    void *conf);
static char *hx_ha_vrrp_line_handler(hx_conf_t *cf, hx_command_t *dummy,
    void *conf);

static char *hx_ha_vrrp_state(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_ha_vrrp_vrid(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_ha_vrrp_advert_int(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_vrrp_version(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_vrrp_nopreempt(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_vrrp_accept(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_ha_vrrp_addr(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_ha_vrrp_cmd(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_ha_vrrp_script_user(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_vrrp_script_weight(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static hx_int_t hx_ha_vrrp_weight(hx_str_t *value);
static char *hx_ha_vrrp_unsupported(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);

static char *hx_ha_vrrp_authentication(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_vrrp_auth_line(hx_conf_t *cf, void *conf);
static char *hx_ha_vrrp_vips(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_ha_vrrp_vip_line(hx_conf_t *cf, void *conf);
static char *hx_ha_vrrp_routes(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_vrrp_rules(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_ha_vrrp_peers(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_ha_vrrp_peer_line(hx_conf_t *cf, void *conf);
static char *hx_ha_vrrp_tracks(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_ha_vrrp_track_workers(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_vrrp_track_line(hx_conf_t *cf, void *conf);
static char *hx_ha_vrrp_group(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_ha_vrrp_group_line(hx_conf_t *cf, void *conf);


static void *hx_ha_vrrp_create_main_conf(hx_conf_t *cf);

static hx_int_t hx_ha_vrrp_init_module(hx_cycle_t *cycle);
static hx_int_t hx_ha_vrrp_init_master(hx_cycle_t *cycle);
static hx_int_t hx_ha_vrrp_init_process(hx_cycle_t *cycle);
static void hx_ha_vrrp_exit_master(hx_cycle_t *cycle);


/* static_* are in the kernel: a reload applies the new blocks */
static hx_uint_t  hx_ha_vrrp_static_started;


/* the object a line handler fills, and the handler */
typedef struct {
    hx_ha_line_pt        line;
    void                *conf;
} hx_ha_lines_t;


static hx_conf_num_bounds_t  hx_ha_vrrp_prio_bounds = {
    hx_conf_check_num_bounds, 1, 255
};

static hx_conf_num_bounds_t  hx_ha_vrrp_repeat_bounds = {
    hx_conf_check_num_bounds, 0, 255
};

static hx_conf_num_bounds_t  hx_ha_vrrp_count_bounds = {
    hx_conf_check_num_bounds, 1, 1000000
};

static hx_conf_num_bounds_t  hx_ha_vrrp_debug_bounds = {
    hx_conf_check_num_bounds, 0, 4
};

static hx_ha_conf_msec_bounds_t  hx_ha_vrrp_garp_bounds = {
    hx_ha_conf_check_msec_bounds, 0, 3600000
};

static hx_ha_conf_msec_bounds_t  hx_ha_vrrp_preempt_bounds = {
    hx_ha_conf_check_msec_bounds, 0, 1000000
};

static hx_ha_conf_msec_bounds_t  hx_ha_vrrp_script_bounds = {
    hx_ha_conf_check_msec_bounds, 1, 86400000
};


#define HX_HA_VRRP(name, args, set, field, post)                             \
    { hx_string(name),                                                        \
      HX_HA_VRRP_CONF|args,                                                   \
      set,                                                                    \
      HX_HA_BLOCK_CONF_OFFSET,                                                \
      offsetof(hx_ha_vrrp_conf_t, field),                                     \
      post }

#define HX_HA_SCRIPT(name, args, set, field, post)                           \
    { hx_string(name),                                                        \
      HX_HA_SCRIPT_CONF|args,                                                 \
      set,                                                                    \
      HX_HA_BLOCK_CONF_OFFSET,                                                \
      offsetof(hx_ha_script_conf_t, field),                                   \
      post }

#define HX_HA_SYNC(name, args, set, field, post)                             \
    { hx_string(name),                                                        \
      HX_HA_SYNC_CONF|args,                                                   \
      set,                                                                    \
      HX_HA_BLOCK_CONF_OFFSET,                                                \
      offsetof(hx_ha_sync_conf_t, field),                                     \
      post }

#define HX_HA_VRRP_IGNORED(name, ctx, args)                                   \
    { hx_string(name),                                                        \
      ctx|args,                                                               \
      hx_ha_conf_ignore,                                                      \
      0,                                                                      \
      0,                                                                      \
      NULL }

#define HX_HA_VRRP_UNSUPPORTED(name, ctx, args)                               \
    { hx_string(name),                                                        \
      ctx|args,                                                               \
      hx_ha_vrrp_unsupported,                                                 \
      0,                                                                      \
      0,                                                                      \
      NULL }


static hx_command_t  hx_ha_vrrp_commands[] = {

    { hx_string("vrrp_instance"),
      HX_HA_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_TAKE1,
      hx_ha_vrrp_instance,
      HX_HA_MAIN_CONF_OFFSET,
      0,
      NULL },

    { hx_string("vrrp_script"),
      HX_HA_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_TAKE1,
      hx_ha_vrrp_script,
      HX_HA_MAIN_CONF_OFFSET,
      0,
      NULL },

    { hx_string("vrrp_sync_group"),
      HX_HA_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_TAKE1,
      hx_ha_vrrp_sync_group,
      HX_HA_MAIN_CONF_OFFSET,
      0,
      NULL },

    HX_HA_VRRP_UNSUPPORTED("vrrp_track_file", HX_HA_MAIN_CONF,
                           HX_CONF_BLOCK|HX_CONF_TAKE1),
    HX_HA_VRRP_UNSUPPORTED("vrrp_track_process", HX_HA_MAIN_CONF,
                           HX_CONF_BLOCK|HX_CONF_TAKE1),
    { hx_string("static_ipaddress"),
      HX_HA_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_NOARGS,
      hx_ha_vrrp_vips,
      HX_HA_MAIN_CONF_OFFSET,
      offsetof(hx_ha_vrrp_main_conf_t, static_ips),
      NULL },

    { hx_string("static_routes"),
      HX_HA_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_NOARGS,
      hx_ha_vrrp_routes,
      HX_HA_MAIN_CONF_OFFSET,
      offsetof(hx_ha_vrrp_main_conf_t, static_routes),
      NULL },

    { hx_string("static_rules"),
      HX_HA_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_NOARGS,
      hx_ha_vrrp_rules,
      HX_HA_MAIN_CONF_OFFSET,
      offsetof(hx_ha_vrrp_main_conf_t, static_rules),
      NULL },

    HX_HA_VRRP_UNSUPPORTED("linkbeat_interfaces", HX_HA_MAIN_CONF,
                           HX_CONF_BLOCK|HX_CONF_NOARGS),

    /* vrrp_instance { } */

    HX_HA_VRRP("state", HX_CONF_TAKE1, hx_ha_vrrp_state, want_state, NULL),
    HX_HA_VRRP("interface", HX_CONF_TAKE1, hx_conf_set_str_slot, interface,
               NULL),
    HX_HA_VRRP("virtual_router_id", HX_CONF_TAKE1, hx_ha_vrrp_vrid, vrid,
               NULL),
    HX_HA_VRRP("priority", HX_CONF_TAKE1, hx_conf_set_num_slot, priority,
               &hx_ha_vrrp_prio_bounds),
    HX_HA_VRRP("advert_int", HX_CONF_TAKE1, hx_ha_vrrp_advert_int,
               adver_int, NULL),
    HX_HA_VRRP("version", HX_CONF_TAKE1, hx_ha_vrrp_version, version, NULL),
    HX_HA_VRRP("vrrp_version", HX_CONF_TAKE1, hx_ha_vrrp_version, version,
               NULL),

    { hx_string("authentication"),
      HX_HA_VRRP_CONF|HX_CONF_BLOCK|HX_CONF_NOARGS,
      hx_ha_vrrp_authentication,
      HX_HA_BLOCK_CONF_OFFSET,
      0,
      NULL },

    HX_HA_VRRP("virtual_ipaddress", HX_CONF_BLOCK|HX_CONF_NOARGS,
               hx_ha_vrrp_vips, vips, NULL),
    HX_HA_VRRP("virtual_ipaddress_excluded", HX_CONF_BLOCK|HX_CONF_NOARGS,
               hx_ha_vrrp_vips, evips, NULL),
    HX_HA_VRRP("unicast_peer", HX_CONF_BLOCK|HX_CONF_NOARGS,
               hx_ha_vrrp_peers, peers, NULL),
    HX_HA_VRRP("unicast_src_ip", HX_CONF_TAKE1, hx_ha_vrrp_addr,
               unicast_src, NULL),
    HX_HA_VRRP("mcast_src_ip", HX_CONF_TAKE1, hx_ha_vrrp_addr, mcast_src,
               NULL),
    HX_HA_VRRP("nopreempt", HX_CONF_NOARGS|HX_CONF_TAKE1,
               hx_ha_vrrp_nopreempt, nopreempt, NULL),
    HX_HA_VRRP("preempt_delay", HX_CONF_TAKE1, hx_ha_conf_set_dsec_slot,
               preempt_delay, &hx_ha_vrrp_preempt_bounds),
    HX_HA_VRRP("track_interface", HX_CONF_BLOCK|HX_CONF_NOARGS,
               hx_ha_vrrp_tracks, track_ifs, NULL),
    HX_HA_VRRP("track_script", HX_CONF_BLOCK|HX_CONF_NOARGS,
               hx_ha_vrrp_tracks, track_scripts, NULL),
    HX_HA_VRRP("track_workers", HX_CONF_NOARGS|HX_CONF_TAKE2,
               hx_ha_vrrp_track_workers, track_workers, NULL),
    HX_HA_VRRP("notify_master", HX_CONF_TAKE123, hx_ha_vrrp_cmd,
               notify_master, NULL),
    HX_HA_VRRP("notify_backup", HX_CONF_TAKE123, hx_ha_vrrp_cmd,
               notify_backup, NULL),
    HX_HA_VRRP("notify_fault", HX_CONF_TAKE123, hx_ha_vrrp_cmd,
               notify_fault, NULL),
    HX_HA_VRRP("notify_stop", HX_CONF_TAKE123, hx_ha_vrrp_cmd,
               notify_stop, NULL),
    HX_HA_VRRP("notify", HX_CONF_TAKE123, hx_ha_vrrp_cmd, notify, NULL),
    HX_HA_VRRP("garp_master_delay", HX_CONF_TAKE1, hx_ha_conf_set_dsec_slot,
               garp_master_delay, &hx_ha_vrrp_garp_bounds),
    HX_HA_VRRP("garp_master_repeat", HX_CONF_TAKE1, hx_conf_set_num_slot,
               garp_master_repeat, &hx_ha_vrrp_repeat_bounds),
    HX_HA_VRRP("garp_master_refresh", HX_CONF_TAKE1,
               hx_ha_conf_set_dsec_slot, garp_master_refresh,
               &hx_ha_vrrp_garp_bounds),
    HX_HA_VRRP("garp_master_refresh_repeat", HX_CONF_TAKE1,
               hx_conf_set_num_slot, garp_master_refresh_repeat,
               &hx_ha_vrrp_repeat_bounds),
    HX_HA_VRRP("garp_lower_prio_delay", HX_CONF_TAKE1,
               hx_ha_conf_set_dsec_slot, garp_lower_prio_delay,
               &hx_ha_vrrp_garp_bounds),
    HX_HA_VRRP("garp_lower_prio_repeat", HX_CONF_TAKE1,
               hx_conf_set_num_slot, garp_lower_prio_repeat,
               &hx_ha_vrrp_repeat_bounds),
    HX_HA_VRRP("accept", HX_CONF_NOARGS, hx_ha_vrrp_accept, accept, NULL),
    HX_HA_VRRP("no_accept", HX_CONF_NOARGS, hx_ha_vrrp_accept, accept, NULL),
    HX_HA_VRRP("dont_track_primary", HX_CONF_NOARGS|HX_CONF_TAKE1,
               hx_ha_conf_set_keyword_slot, dont_track_primary, NULL),
    HX_HA_VRRP("lower_prio_no_advert", HX_CONF_NOARGS|HX_CONF_TAKE1,
               hx_ha_conf_set_keyword_slot, lower_prio_no_advert, NULL),
    HX_HA_VRRP("higher_prio_send_advert", HX_CONF_NOARGS|HX_CONF_TAKE1,
               hx_ha_conf_set_keyword_slot, higher_prio_send_advert, NULL),
    HX_HA_VRRP("skip_check_adv_addr", HX_CONF_NOARGS|HX_CONF_TAKE1,
               hx_ha_conf_set_keyword_slot, skip_check_adv_addr, NULL),
    HX_HA_VRRP("debug", HX_CONF_TAKE1, hx_conf_set_num_slot, debug,
               &hx_ha_vrrp_debug_bounds),

    HX_HA_VRRP_IGNORED("smtp_alert", HX_HA_VRRP_CONF,
                       HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_VRRP_IGNORED("promote_secondaries", HX_HA_VRRP_CONF,
                       HX_CONF_NOARGS),
    HX_HA_VRRP_IGNORED("notify_master_rx_lower_pri", HX_HA_VRRP_CONF,
                       HX_CONF_TAKE123),
    HX_HA_VRRP_IGNORED("notify_deleted", HX_HA_VRRP_CONF,
                       HX_CONF_NOARGS|HX_CONF_TAKE123),
    HX_HA_VRRP_IGNORED("notify_priority_changes", HX_HA_VRRP_CONF,
                       HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_VRRP_IGNORED("kernel_rx_buf_size", HX_HA_VRRP_CONF,
                       HX_CONF_TAKE1),
    HX_HA_VRRP_IGNORED("old_unicast_checksum", HX_HA_VRRP_CONF,
                       HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_VRRP_IGNORED("unicast_fault_no_peer", HX_HA_VRRP_CONF,
                       HX_CONF_NOARGS),
    HX_HA_VRRP_IGNORED("unicast_ttl", HX_HA_VRRP_CONF, HX_CONF_TAKE1),
    HX_HA_VRRP_IGNORED("native_ipv6", HX_HA_VRRP_CONF, HX_CONF_NOARGS),
    HX_HA_VRRP_IGNORED("strict_mode", HX_HA_VRRP_CONF,
                       HX_CONF_NOARGS|HX_CONF_TAKE1),

    HX_HA_VRRP_UNSUPPORTED("use_vmac", HX_HA_VRRP_CONF,
                           HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_VRRP_UNSUPPORTED("use_ipvlan", HX_HA_VRRP_CONF, HX_CONF_ANY),
    HX_HA_VRRP_UNSUPPORTED("vmac_xmit_base", HX_HA_VRRP_CONF,
                           HX_CONF_NOARGS),
    HX_HA_VRRP("virtual_routes", HX_CONF_BLOCK|HX_CONF_NOARGS,
               hx_ha_vrrp_routes, vroutes, NULL),
    HX_HA_VRRP("virtual_rules", HX_CONF_BLOCK|HX_CONF_NOARGS,
               hx_ha_vrrp_rules, vrules, NULL),
    HX_HA_VRRP_UNSUPPORTED("track_file", HX_HA_VRRP_CONF,
                           HX_CONF_BLOCK|HX_CONF_NOARGS),
    HX_HA_VRRP_UNSUPPORTED("track_process", HX_HA_VRRP_CONF,
                           HX_CONF_BLOCK|HX_CONF_NOARGS),
    HX_HA_VRRP_UNSUPPORTED("track_bfd", HX_HA_VRRP_CONF,
                           HX_CONF_BLOCK|HX_CONF_NOARGS),
    HX_HA_VRRP_UNSUPPORTED("down_timer_adverts", HX_HA_VRRP_CONF,
                           HX_CONF_TAKE1),

    /* vrrp_script { } */

    HX_HA_SCRIPT("script", HX_CONF_TAKE123, hx_ha_vrrp_cmd, script, NULL),
    HX_HA_SCRIPT("interval", HX_CONF_TAKE1, hx_ha_conf_set_dsec_slot,
                 interval, &hx_ha_vrrp_script_bounds),
    HX_HA_SCRIPT("timeout", HX_CONF_TAKE1, hx_ha_conf_set_dsec_slot,
                 timeout, &hx_ha_vrrp_script_bounds),
    HX_HA_SCRIPT("weight", HX_CONF_TAKE12, hx_ha_vrrp_script_weight, weight,
                 NULL),
    HX_HA_SCRIPT("rise", HX_CONF_TAKE1, hx_conf_set_num_slot, rise,
                 &hx_ha_vrrp_count_bounds),
    HX_HA_SCRIPT("fall", HX_CONF_TAKE1, hx_conf_set_num_slot, fall,
                 &hx_ha_vrrp_count_bounds),
    HX_HA_SCRIPT("user", HX_CONF_TAKE12, hx_ha_vrrp_script_user, user, NULL),
    HX_HA_SCRIPT("init_fail", HX_CONF_NOARGS|HX_CONF_TAKE1,
                 hx_ha_conf_set_keyword_slot, init_fail, NULL),

    /* vrrp_sync_group { } */

    HX_HA_SYNC("group", HX_CONF_BLOCK|HX_CONF_NOARGS, hx_ha_vrrp_group,
               member_names, NULL),
    HX_HA_SYNC("notify_master", HX_CONF_TAKE123, hx_ha_vrrp_cmd,
               notify_master, NULL),
    HX_HA_SYNC("notify_backup", HX_CONF_TAKE123, hx_ha_vrrp_cmd,
               notify_backup, NULL),
    HX_HA_SYNC("notify_fault", HX_CONF_TAKE123, hx_ha_vrrp_cmd,
               notify_fault, NULL),
    HX_HA_SYNC("notify_stop", HX_CONF_TAKE123, hx_ha_vrrp_cmd,
               notify_stop, NULL),
    HX_HA_SYNC("notify", HX_CONF_TAKE123, hx_ha_vrrp_cmd, notify, NULL),

    HX_HA_VRRP_IGNORED("smtp_alert", HX_HA_SYNC_CONF,
                       HX_CONF_NOARGS|HX_CONF_TAKE1),
    HX_HA_VRRP_IGNORED("global_tracking", HX_HA_SYNC_CONF, HX_CONF_NOARGS),
    HX_HA_VRRP_IGNORED("sync_group_tracking_weight", HX_HA_SYNC_CONF,
                       HX_CONF_NOARGS),
    HX_HA_VRRP_UNSUPPORTED("track_interface", HX_HA_SYNC_CONF,
                           HX_CONF_BLOCK|HX_CONF_NOARGS),
    HX_HA_VRRP_UNSUPPORTED("track_script", HX_HA_SYNC_CONF,
                           HX_CONF_BLOCK|HX_CONF_NOARGS),

    hx_null_command
};


static hx_ha_module_t  hx_ha_vrrp_module_ctx = {
    hx_ha_vrrp_create_main_conf,
    hx_ha_vrrp_init_main_conf
};


hx_module_t  hx_ha_vrrp_module = {
    HX_MODULE_V1,
    "hx_ha_vrrp_module",
    &hx_ha_vrrp_module_ctx,
    hx_ha_vrrp_commands,
    HX_HA_MODULE,
    hx_ha_vrrp_init_module,              /* init module */
    hx_ha_vrrp_init_master,              /* init master */
    hx_ha_vrrp_init_process,             /* init process */
    NULL,                                /* exit process */
    hx_ha_vrrp_exit_master               /* exit master */
};


static char *
hx_ha_vrrp_instance(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t                 *value;
    hx_uint_t                 i;
    hx_ha_vrrp_conf_t        *vr, **vrp;
    hx_ha_vrrp_main_conf_t   *vmcf;

    (void) cmd;

    vmcf = conf;
    value = cf->args->elts;

    vrp = vmcf->instances.elts;

    for (i = 0; i < vmcf->instances.nelts; i++) {
        if (hx_str_eq(&vrp[i]->name, &value[1])) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "duplicate vrrp_instance \"%V\"", &value[1]);
            return HX_CONF_ERROR;
        }
    }

    vr = hx_pcalloc(cf->pool, sizeof(hx_ha_vrrp_conf_t));
    if (vr == NULL) {
        return HX_CONF_ERROR;
    }

    vr->name = value[1];
    hx_ha_conf_pos(cf, &vr->pos);

    vr->vrid = HX_CONF_UNSET;
    vr->priority = HX_CONF_UNSET;
    vr->adver_int = HX_CONF_UNSET_MSEC;
    vr->version = HX_CONF_UNSET;
    vr->nopreempt = HX_CONF_UNSET;
    vr->preempt_delay = HX_CONF_UNSET_MSEC;
    vr->garp_master_delay = HX_CONF_UNSET_MSEC;
    vr->garp_master_repeat = HX_CONF_UNSET;
    vr->garp_master_refresh = HX_CONF_UNSET_MSEC;
    vr->garp_master_refresh_repeat = HX_CONF_UNSET;
    vr->garp_lower_prio_delay = HX_CONF_UNSET_MSEC;
    vr->garp_lower_prio_repeat = HX_CONF_UNSET;
    vr->accept = HX_CONF_UNSET;
    vr->dont_track_primary = HX_CONF_UNSET;
    vr->lower_prio_no_advert = HX_CONF_UNSET;
    vr->higher_prio_send_advert = HX_CONF_UNSET;
    vr->skip_check_adv_addr = HX_CONF_UNSET;
    vr->debug = HX_CONF_UNSET;
    vr->track_workers = HX_CONF_UNSET;

    vrp = hx_array_push(&vmcf->instances);
    if (vrp == NULL) {
        return HX_CONF_ERROR;
    }

    *vrp = vr;

    return hx_ha_vrrp_block(cf, vr, HX_HA_VRRP_CONF);
}


static char *
hx_ha_vrrp_script(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t                 *value;
    hx_uint_t                 i;
    hx_ha_script_conf_t      *sc, **scp;
    hx_ha_vrrp_main_conf_t   *vmcf;

    (void) cmd;

    vmcf = conf;
    value = cf->args->elts;

    scp = vmcf->scripts.elts;

    for (i = 0; i < vmcf->scripts.nelts; i++) {
        if (hx_str_eq(&scp[i]->name, &value[1])) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "duplicate vrrp_script \"%V\"", &value[1]);
            return HX_CONF_ERROR;
        }
    }

    sc = hx_pcalloc(cf->pool, sizeof(hx_ha_script_conf_t));
    if (sc == NULL) {
        return HX_CONF_ERROR;
    }

    sc->name = value[1];
    hx_ha_conf_pos(cf, &sc->pos);

    sc->interval = HX_CONF_UNSET_MSEC;
    sc->timeout = HX_CONF_UNSET_MSEC;
    sc->weight = HX_CONF_UNSET;
    sc->rise = HX_CONF_UNSET;
    sc->fall = HX_CONF_UNSET;
    sc->init_fail = HX_CONF_UNSET;

    scp = hx_array_push(&vmcf->scripts);
    if (scp == NULL) {
        return HX_CONF_ERROR;
    }

    *scp = sc;

    return hx_ha_vrrp_block(cf, sc, HX_HA_SCRIPT_CONF);
}


static char *
hx_ha_vrrp_sync_group(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t                 *value;
    hx_uint_t                 i;
    hx_ha_sync_conf_t        *sg, **sgp;
    hx_ha_vrrp_main_conf_t   *vmcf;

    (void) cmd;

    vmcf = conf;
    value = cf->args->elts;

    sgp = vmcf->groups.elts;

    for (i = 0; i < vmcf->groups.nelts; i++) {
        if (hx_str_eq(&sgp[i]->name, &value[1])) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "duplicate vrrp_sync_group \"%V\"", &value[1]);
            return HX_CONF_ERROR;
        }
    }

    sg = hx_pcalloc(cf->pool, sizeof(hx_ha_sync_conf_t));
    if (sg == NULL) {
        return HX_CONF_ERROR;
    }

    sg->name = value[1];
    hx_ha_conf_pos(cf, &sg->pos);

    sgp = hx_array_push(&vmcf->groups);
    if (sgp == NULL) {
        return HX_CONF_ERROR;
    }

    *sgp = sg;

    return hx_ha_vrrp_block(cf, sg, HX_HA_SYNC_CONF);
}


/* parses a block whose object is obj, with the directives of type */
static char *
hx_ha_vrrp_block(hx_conf_t *cf, void *obj, hx_uint_t type)
{
    char               *rv;
    void              **block_conf;
    hx_conf_t           save;
    hx_ha_conf_ctx_t   *ctx, *pctx;

    pctx = cf->ctx;

    ctx = hx_pcalloc(cf->pool, sizeof(hx_ha_conf_ctx_t));
    block_conf = hx_pcalloc(cf->pool, hx_ha_max_module * sizeof(void *));

    if (ctx == NULL || block_conf == NULL) {
        return HX_CONF_ERROR;
    }

    block_conf[hx_ha_vrrp_module.ctx_index] = obj;

    ctx->main_conf = pctx->main_conf;
    ctx->block_conf = block_conf;
    ctx->pool = pctx->pool;

    save = *cf;
    cf->ctx = ctx;
    cf->cmd_type = type;

    rv = hx_conf_parse(cf, NULL);

    *cf = save;

    return rv;
}


/* reads a block whose lines are items of a list, one call per line */
static char *
hx_ha_vrrp_lines(hx_conf_t *cf, hx_ha_line_pt line, void *conf)
{
    char           *rv;
    hx_conf_t       save;
    hx_ha_lines_t   lines;

    lines.line = line;
    lines.conf = conf;

    save = *cf;
    cf->handler = hx_ha_vrrp_line_handler;
    cf->handler_conf = &lines;

    rv = hx_conf_parse(cf, NULL);

    *cf = save;

    return rv;
}


static char *
hx_ha_vrrp_line_handler(hx_conf_t *cf, hx_command_t *dummy, void *conf)
{
    char           *rv;
    hx_ha_lines_t  *lines = conf;

    (void) dummy;

    rv = lines->line(cf, lines->conf);

    if (rv == HX_CONF_OK || rv == HX_CONF_ERROR) {
        return rv;
    }

    /* the parser prints a handler's reason as it is: add file and line */
    hx_conf_log_error(HX_LOG_EMERG, cf, 0, "%s", rv);

    return HX_CONF_ERROR;
}


static char *
hx_ha_vrrp_state(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t           *value;
    hx_ha_vrrp_conf_t  *vr = conf;

    (void) cmd;

    if (vr->want_state) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (hx_strcasecmp(value[1].data, (uint8_t *) "MASTER") == 0) {
        vr->want_state = HX_VRRP_MASTER;

    } else if (hx_strcasecmp(value[1].data, (uint8_t *) "BACKUP") == 0) {
        vr->want_state = HX_VRRP_BACKUP;

    } else {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid state \"%V\", it must be "
                          "\"MASTER\" or \"BACKUP\"", &value[1]);
        return HX_CONF_ERROR;
    }

    hx_ha_conf_pos(cf, &vr->state_pos);

    return HX_CONF_OK;
}


static char *
hx_ha_vrrp_vrid(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t           *value;
    hx_ha_vrrp_conf_t  *vr = conf;

    (void) cmd;

    if (vr->vrid != HX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;
    vr->vrid = hx_atoi(value[1].data, value[1].len);

    if (vr->vrid < 1 || vr->vrid > 255) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid virtual_router_id \"%V\", "
                          "it must be between 1 and 255", &value[1]);
        return HX_CONF_ERROR;
    }

    hx_ha_conf_pos(cf, &vr->vrid_pos);

    return HX_CONF_OK;
}


static char *
hx_ha_vrrp_advert_int(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char               *rv;
    hx_ha_vrrp_conf_t  *vr = conf;

    rv = hx_ha_conf_set_dsec_slot(cf, cmd, conf);
    if (rv != HX_CONF_OK) {
        return rv;
    }

    /* keepalived: from 0.01 s to 255 s */
    if (vr->adver_int < 10 || vr->adver_int > 255000) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "advert_int must be between 0.01 and 255 seconds");
        return HX_CONF_ERROR;
    }

    hx_ha_conf_pos(cf, &vr->adver_pos);

    return HX_CONF_OK;
}


static char *
hx_ha_vrrp_version(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t           *value;
    hx_ha_vrrp_conf_t  *vr = conf;

    (void) cmd;

    if (vr->version != HX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;
    vr->version = hx_atoi(value[1].data, value[1].len);

    if (vr->version != 2 && vr->version != 3) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid VRRP version \"%V\", it must be 2 or 3",
                          &value[1]);
        return HX_CONF_ERROR;
    }

    hx_ha_conf_pos(cf, &vr->version_pos);

    return HX_CONF_OK;
}


static char *
hx_ha_vrrp_nopreempt(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_ha_vrrp_conf_t  *vr = conf;

    hx_ha_conf_pos(cf, &vr->nopreempt_pos);

    return hx_ha_conf_set_keyword_slot(cf, cmd, conf);
}


static char *
hx_ha_vrrp_accept(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_ha_vrrp_conf_t  *vr = conf;

    (void) cf;

    if (vr->accept != HX_CONF_UNSET) {
        return "is duplicate";
    }

    vr->accept = cmd->name.len == sizeof("accept") - 1;

    return HX_CONF_OK;
}


static char *
hx_ha_vrrp_addr(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t      *value;
    hx_ha_addr_t  *a;

    a = (hx_ha_addr_t *) ((char *) conf + cmd->offset);

    if (a->family) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (hx_ha_parse_addr(value[1].data, value[1].len, a) != HX_OK) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid address \"%V\"", &value[1]);
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


static char *
hx_ha_vrrp_cmd(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_ha_cmd_t  **cp;

    cp = (hx_ha_cmd_t **) ((char *) conf + cmd->offset);

    if (*cp) {
        return "is duplicate";
    }

    *cp = hx_ha_vrrp_parse_cmd(cf, cf->args->elts, cf->args->nelts);

    return *cp ? HX_CONF_OK : HX_CONF_ERROR;
}


/*
 * keepalived's form: the program and its arguments in one (usually
 * quoted) word, split at white space, then an optional user and group.
 */
hx_ha_cmd_t *
hx_ha_vrrp_parse_cmd(hx_conf_t *cf, hx_str_t *args, hx_uint_t n)
{
    char          **argv;
    uint8_t        *p, *last, *start;
    hx_uint_t       argc;
    hx_ha_cmd_t    *c;

    c = hx_pcalloc(cf->pool, sizeof(hx_ha_cmd_t));
    if (c == NULL) {
        return NULL;
    }

    c->text = args[1];

    if (n > 2) {
        c->user = args[2];

        if (getpwnam((char *) args[2].data) == NULL) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "user \"%V\" does not exist", &args[2]);
            return NULL;
        }
    }

    if (n > 3) {
        c->group = args[3];

        if (getgrnam((char *) args[3].data) == NULL) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "group \"%V\" does not exist", &args[3]);
            return NULL;
        }
    }

    /* at most one word per two bytes, plus the terminating NULL */
    argv = hx_pcalloc(cf->pool, (args[1].len / 2 + 2) * sizeof(char *));
    if (argv == NULL) {
        return NULL;
    }

    p = hx_pnalloc(cf->pool, args[1].len + 1);
    if (p == NULL) {
        return NULL;
    }

    hx_memcpy(p, args[1].data, args[1].len);
    last = p + args[1].len;
    *last = '\0';

    argc = 0;

    while (p < last) {
        while (p < last && (*p == ' ' || *p == '\t')) {
            *p++ = '\0';
        }

        if (p == last) {
            break;
        }

        start = p;

        while (p < last && *p != ' ' && *p != '\t') {
            p++;
        }

        argv[argc++] = (char *) start;
    }

    if (argc == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "empty command in \"%V\"",
                          &args[0]);
        return NULL;
    }

    argv[argc] = NULL;
    c->argv = argv;

    return c;
}


static char *
hx_ha_vrrp_script_user(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t             *value;
    hx_ha_script_conf_t  *sc = conf;

    (void) cmd;

    if (sc->user.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (getpwnam((char *) value[1].data) == NULL) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "user \"%V\" does not exist", &value[1]);
        return HX_CONF_ERROR;
    }

    sc->user = value[1];

    if (cf->args->nelts == 3) {
        if (getgrnam((char *) value[2].data) == NULL) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "group \"%V\" does not exist", &value[2]);
            return HX_CONF_ERROR;
        }

        sc->group = value[2];
    }

    return HX_CONF_OK;
}


/* "weight N [reverse]", N from -253 to 253 */
static char *
hx_ha_vrrp_script_weight(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t             *value;
    hx_ha_script_conf_t  *sc = conf;

    (void) cmd;

    if (sc->weight != HX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;
    sc->weight = hx_ha_vrrp_weight(&value[1]);

    if (sc->weight == HX_ERROR - 1000) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid weight \"%V\", it must be between -253 "
                          "and 253", &value[1]);
        return HX_CONF_ERROR;
    }

    if (cf->args->nelts == 3) {
        if (hx_strcmp(value[2].data, "reverse") != 0) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid parameter \"%V\" of weight",
                              &value[2]);
            return HX_CONF_ERROR;
        }

        sc->reverse = 1;
    }

    return HX_CONF_OK;
}


/* a signed weight, or HX_ERROR - 1000 (no weight is that low) */
static hx_int_t
hx_ha_vrrp_weight(hx_str_t *value)
{
    hx_int_t   w;
    hx_uint_t  neg;

    neg = value->len > 1 && value->data[0] == '-';
    w = hx_atoi(value->data + neg, value->len - neg);

    if (w == HX_ERROR || w > 253) {
        return HX_ERROR - 1000;
    }

    return neg ? -w : w;
}


static char *
hx_ha_vrrp_unsupported(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    (void) conf;

    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                      "keepalived's \"%V\" is not supported by hanx",
                      &cmd->name);

    return HX_CONF_ERROR;
}


static char *
hx_ha_vrrp_authentication(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_ha_vrrp_conf_t  *vr = conf;

    (void) cmd;

    if (vr->auth_pos.line) {
        return "is duplicate";
    }

    hx_ha_conf_pos(cf, &vr->auth_pos);

    return hx_ha_vrrp_lines(cf, hx_ha_vrrp_auth_line, vr);
}


static char *
hx_ha_vrrp_auth_line(hx_conf_t *cf, void *conf)
{
    hx_str_t           *value;
    hx_ha_vrrp_conf_t  *vr = conf;

    value = cf->args->elts;

    if (hx_strcmp(value[0].data, "auth_type") == 0) {

        if (cf->args->nelts != 2) {
            return "invalid number of arguments in \"auth_type\"";
        }

        if (vr->auth_type != HX_VRRP_AUTH_NONE) {
            return "\"auth_type\" is duplicate";
        }

        if (hx_strcmp(value[1].data, "PASS") == 0) {
            vr->auth_type = HX_VRRP_AUTH_PASS;

        } else if (hx_strcmp(value[1].data, "AH") == 0) {
            vr->auth_type = HX_VRRP_AUTH_AH;

        } else {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid auth_type \"%V\", it must be "
                              "\"PASS\" or \"AH\"", &value[1]);
            return HX_CONF_ERROR;
        }

        return HX_CONF_OK;
    }

    if (hx_strcmp(value[0].data, "auth_pass") == 0) {

        if (cf->args->nelts != 2) {
            return "invalid number of arguments in \"auth_pass\"";
        }

        if (vr->auth_pass.data) {
            return "\"auth_pass\" is duplicate";
        }

        vr->auth_pass = value[1];
        hx_ha_conf_pos(cf, &vr->auth_pos);

        return HX_CONF_OK;
    }

    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                      "unknown directive \"%V\" in authentication",
                      &value[0]);

    return HX_CONF_ERROR;
}


static char *
hx_ha_vrrp_vips(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_array_t  **a;

    a = (hx_array_t **) ((char *) conf + cmd->offset);

    if (*a == NULL) {
        *a = hx_array_create(cf->pool, 4, sizeof(hx_ha_vip_t));
        if (*a == NULL) {
            return HX_CONF_ERROR;
        }
    }

    return hx_ha_vrrp_lines(cf, hx_ha_vrrp_vip_line, *a);
}


/* static_routes { }, virtual_routes { }: hx_ha_static.c reads the lines */
static char *
hx_ha_vrrp_routes(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_array_t  **a;

    a = (hx_array_t **) ((char *) conf + cmd->offset);

    if (*a == NULL) {
        *a = hx_array_create(cf->pool, 4, sizeof(hx_ha_route_t));
        if (*a == NULL) {
            return HX_CONF_ERROR;
        }
    }

    return hx_ha_vrrp_lines(cf, hx_ha_static_route_line, *a);
}


/* static_rules { }, virtual_rules { } */
static char *
hx_ha_vrrp_rules(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_array_t  **a;

    a = (hx_array_t **) ((char *) conf + cmd->offset);

    if (*a == NULL) {
        *a = hx_array_create(cf->pool, 2, sizeof(hx_ha_rule_t));
        if (*a == NULL) {
            return HX_CONF_ERROR;
        }
    }

    return hx_ha_vrrp_lines(cf, hx_ha_static_rule_line, *a);
}


/* "ADDR[/LEN] [dev IF] [label L] [scope S] [brd B] [no_track]" */
static char *
hx_ha_vrrp_vip_line(hx_conf_t *cf, void *conf)
{
    uint8_t      *slash;
    hx_int_t      n;
    hx_str_t     *value, addr;
    hx_uint_t     i, max;
    hx_array_t   *vips = conf;
    hx_ha_vip_t  *vip;

    value = cf->args->elts;

    vip = hx_array_push(vips);
    if (vip == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(vip, sizeof(hx_ha_vip_t));
    hx_ha_conf_pos(cf, &vip->pos);

    addr = value[0];
    slash = hx_strlchr(addr.data, addr.data + addr.len, '/');

    if (slash) {
        addr.len = slash - addr.data;
    }

    if (hx_strlchr(addr.data, addr.data + addr.len, '-')) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "address ranges such as \"%V\" are not "
                          "supported, list the addresses", &value[0]);
        return HX_CONF_ERROR;
    }

    if (hx_ha_parse_addr(addr.data, addr.len, &vip->addr) != HX_OK) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid virtual address \"%V\"", &value[0]);
        return HX_CONF_ERROR;
    }

    max = vip->addr.family == AF_INET ? 32 : 128;
    vip->prefixlen = max;
    vip->scope = RT_SCOPE_UNIVERSE;

    if (slash) {
        n = hx_atoi(slash + 1, value[0].data + value[0].len - slash - 1);

        if (n == HX_ERROR || (hx_uint_t) n > max) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid prefix length in \"%V\"", &value[0]);
            return HX_CONF_ERROR;
        }

        vip->prefixlen = n;
    }

    vip->addr.text = value[0];

    for (i = 1; i < cf->args->nelts; i++) {

        if (hx_strcmp(value[i].data, "no_track") == 0) {
            continue;
        }

        if (i + 1 == cf->args->nelts) {
            goto invalid;
        }

        if (hx_strcmp(value[i].data, "dev") == 0) {
            vip->dev = value[++i];

        } else if (hx_strcmp(value[i].data, "label") == 0) {
            vip->label = value[++i];

            if (vip->label.len >= IFNAMSIZ) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "label \"%V\" is longer than %d characters",
                                  &vip->label, IFNAMSIZ - 1);
                return HX_CONF_ERROR;
            }

        } else if (hx_strcmp(value[i].data, "scope") == 0) {
            i++;

            if (hx_strcmp(value[i].data, "global") == 0) {
                vip->scope = RT_SCOPE_UNIVERSE;

            } else if (hx_strcmp(value[i].data, "site") == 0) {
                vip->scope = RT_SCOPE_SITE;

            } else if (hx_strcmp(value[i].data, "link") == 0) {
                vip->scope = RT_SCOPE_LINK;

            } else if (hx_strcmp(value[i].data, "host") == 0) {
                vip->scope = RT_SCOPE_HOST;

            } else if (hx_strcmp(value[i].data, "nowhere") == 0) {
                vip->scope = RT_SCOPE_NOWHERE;

            } else {
                n = hx_atoi(value[i].data, value[i].len);

                if (n == HX_ERROR || n > 255) {
                    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                      "invalid scope \"%V\"", &value[i]);
                    return HX_CONF_ERROR;
                }

                vip->scope = n;
            }

        } else if (hx_strcmp(value[i].data, "brd") == 0
                   || hx_strcmp(value[i].data, "broadcast") == 0
                   || hx_strcmp(value[i].data, "preferred_lft") == 0)
        {
            /* the kernel computes the broadcast; lifetimes are kept 0 */
            i++;

        } else {
            goto invalid;
        }
    }

    return HX_CONF_OK;

invalid:

    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                      "invalid parameter \"%V\" of virtual address \"%V\"",
                      &value[i], &value[0]);

    return HX_CONF_ERROR;
}


static char *
hx_ha_vrrp_peers(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_array_t  **a;

    a = (hx_array_t **) ((char *) conf + cmd->offset);

    if (*a == NULL) {
        *a = hx_array_create(cf->pool, 2, sizeof(hx_ha_addr_t));
        if (*a == NULL) {
            return HX_CONF_ERROR;
        }
    }

    return hx_ha_vrrp_lines(cf, hx_ha_vrrp_peer_line, *a);
}


static char *
hx_ha_vrrp_peer_line(hx_conf_t *cf, void *conf)
{
    hx_str_t      *value;
    hx_uint_t      i;
    hx_array_t    *peers = conf;
    hx_ha_addr_t  *a;

    value = cf->args->elts;

    /* keepalived allows "min_ttl N max_ttl N" after the address */
    for (i = 1; i < cf->args->nelts; i += 2) {
        if ((hx_strcmp(value[i].data, "min_ttl") != 0
             && hx_strcmp(value[i].data, "max_ttl") != 0)
            || i + 1 == cf->args->nelts)
        {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid parameter \"%V\" of unicast peer",
                              &value[i]);
            return HX_CONF_ERROR;
        }
    }

    a = hx_array_push(peers);
    if (a == NULL) {
        return HX_CONF_ERROR;
    }

    if (hx_ha_parse_addr(value[0].data, value[0].len, a) != HX_OK) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid unicast peer \"%V\"", &value[0]);
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


static char *
hx_ha_vrrp_tracks(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_array_t  **a;

    a = (hx_array_t **) ((char *) conf + cmd->offset);

    if (*a == NULL) {
        *a = hx_array_create(cf->pool, 2, sizeof(hx_ha_track_t));
        if (*a == NULL) {
            return HX_CONF_ERROR;
        }
    }

    return hx_ha_vrrp_lines(cf, hx_ha_vrrp_track_line, *a);
}


/* "NAME [weight N [reverse]]" */
static char *
hx_ha_vrrp_track_line(hx_conf_t *cf, void *conf)
{
    hx_int_t        w;
    hx_str_t       *value;
    hx_uint_t       i;
    hx_array_t     *tracks = conf;
    hx_ha_track_t  *t;

    value = cf->args->elts;

    t = hx_array_push(tracks);
    if (t == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(t, sizeof(hx_ha_track_t));
    t->name = value[0];
    hx_ha_conf_pos(cf, &t->pos);

    for (i = 1; i < cf->args->nelts; i++) {

        if (hx_strcmp(value[i].data, "reverse") == 0) {
            t->reverse = 1;
            continue;
        }

        if (hx_strcmp(value[i].data, "weight") != 0
            || i + 1 == cf->args->nelts)
        {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid parameter \"%V\" of \"%V\"",
                              &value[i], &value[0]);
            return HX_CONF_ERROR;
        }

        i++;
        w = hx_ha_vrrp_weight(&value[i]);

        if (w == HX_ERROR - 1000) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid weight \"%V\", it must be between "
                              "-253 and 253", &value[i]);
            return HX_CONF_ERROR;
        }

        t->weight = w;
        t->weight_set = 1;
    }

    return HX_CONF_OK;
}


/*
 * hanx's own tracked object: its workers.  "track_workers;" means FAULT
 * while no worker process is serving, "track_workers weight -50;" a
 * lower priority instead.
 */
static char *
hx_ha_vrrp_track_workers(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t           *value;
    hx_ha_vrrp_conf_t  *vr = conf;

    (void) cmd;

    if (vr->track_workers != HX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 1) {
        vr->track_workers = 0;
        return HX_CONF_OK;
    }

    if (hx_strcmp(value[1].data, "weight") != 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid parameter \"%V\" of track_workers",
                          &value[1]);
        return HX_CONF_ERROR;
    }

    vr->track_workers = hx_ha_vrrp_weight(&value[2]);

    if (vr->track_workers == HX_ERROR - 1000) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid weight \"%V\", it must be between -253 "
                          "and 253", &value[2]);
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


static char *
hx_ha_vrrp_group(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_array_t  **a;

    a = (hx_array_t **) ((char *) conf + cmd->offset);

    if (*a == NULL) {
        *a = hx_array_create(cf->pool, 2, sizeof(hx_str_t));
        if (*a == NULL) {
            return HX_CONF_ERROR;
        }
    }

    return hx_ha_vrrp_lines(cf, hx_ha_vrrp_group_line, *a);
}


static char *
hx_ha_vrrp_group_line(hx_conf_t *cf, void *conf)
{
    hx_str_t    *value, *name;
    hx_uint_t    i;
    hx_array_t  *names = conf;

    value = cf->args->elts;

    /* "VI_1; VI_2;" or "VI_1 VI_2;" */
    for (i = 0; i < cf->args->nelts; i++) {
        name = hx_array_push(names);
        if (name == NULL) {
            return HX_CONF_ERROR;
        }

        *name = value[i];
    }

    return HX_CONF_OK;
}


static void *
hx_ha_vrrp_create_main_conf(hx_conf_t *cf)
{
    hx_ha_vrrp_main_conf_t  *vmcf;

    vmcf = hx_pcalloc(cf->pool, sizeof(hx_ha_vrrp_main_conf_t));
    if (vmcf == NULL) {
        return NULL;
    }

    if (hx_array_init(&vmcf->instances, cf->pool, 4,
                      sizeof(hx_ha_vrrp_conf_t *))
        != HX_OK
        || hx_array_init(&vmcf->scripts, cf->pool, 2,
                         sizeof(hx_ha_script_conf_t *))
           != HX_OK
        || hx_array_init(&vmcf->groups, cf->pool, 1,
                         sizeof(hx_ha_sync_conf_t *))
           != HX_OK)
    {
        return NULL;
    }

    return vmcf;
}


/* ---- the module's hooks ---- */


static hx_int_t
hx_ha_vrrp_init_module(hx_cycle_t *cycle)
{
    if (hx_test_config) {
        hx_ha_vrrp_test_config(cycle);
        return HX_OK;
    }

    /* a reload: the runtime takes the new cycle when it is in force */
    hx_ha_vrrp_reload(cycle);

    if (hx_ha_vrrp_static_started) {
        hx_ha_static_apply(cycle);
    }

    return HX_OK;
}


static hx_int_t
hx_ha_vrrp_init_master(hx_cycle_t *cycle)
{
    /* static_ipaddress, static_routes, static_rules: for the master's life */
    hx_ha_static_apply(cycle);
    hx_ha_vrrp_static_started = 1;

    return hx_ha_vrrp_start(cycle);
}


static hx_int_t
hx_ha_vrrp_init_process(hx_cycle_t *cycle)
{
    (void) cycle;

    /* workers never hold the master's raw and netlink sockets */
    hx_ha_vrrp_close_inherited();

    return HX_OK;
}


static void
hx_ha_vrrp_exit_master(hx_cycle_t *cycle)
{
    hx_ha_vrrp_stop(cycle);
    hx_ha_static_stop(cycle->log);
    hx_ha_vrrp_static_started = 0;
}

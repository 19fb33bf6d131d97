/*
 * The ha subsystem's umbrella header: the ha {} block's contexts and conf
 * layout, the context of HX_HA_MODULE modules, the settings of
 * global_defs, and the rest of ha/'s headers.
 *
 * ha {} holds keepalived's keywords in nginx grammar (DESIGN.md "The ha {}
 * block").  hx_ha_module, a core module, opens the block and gives every
 * HX_HA_MODULE module a main conf, as events {} does for event modules.
 * Blocks inside (vrrp_instance, vrrp_script, ...) each get a fresh
 * hx_ha_conf_ctx_t whose block_conf slot of the owning module points at
 * the object being filled, so that generic setters write straight into it.
 *
 * The whole block is parsed into a pool of its own rather than the
 * cycle's: VRRP state must outlive a reload, and when the new cycle is in
 * force the VRRP runtime (hx_ha_vrrp.c) takes that pool over, keeps it
 * while the configuration is in use, and frees it after the next one.  A
 * failed reload frees it with its cycle.
 */

#ifndef HX_HA_HX_HA_H
#define HX_HA_HX_HA_H


typedef struct hx_ha_vrrp_conf_s     hx_ha_vrrp_conf_t;
typedef struct hx_ha_script_conf_s   hx_ha_script_conf_t;
typedef struct hx_ha_sync_conf_s     hx_ha_sync_conf_t;


/*
 * Contexts (the high byte of a command's type while cf->module_type is
 * HX_HA_MODULE).  0x01 is HX_MAIN_CONF's bit, which the dispatcher treats
 * specially, so it is never used here; 0x40 and 0x80 are left for the
 * virtual_server blocks.
 */
#define HX_HA_MAIN_CONF          0x02000000   /* ha { } */
#define HX_HA_GLOBAL_CONF        0x04000000   /* global_defs { } */
#define HX_HA_VRRP_CONF          0x08000000   /* vrrp_instance { } */
#define HX_HA_SCRIPT_CONF        0x10000000   /* vrrp_script { } */
#define HX_HA_SYNC_CONF          0x20000000   /* vrrp_sync_group { } */


/*
 * cf->ctx inside ha {}: every module's main conf, and the object of the
 * block being parsed (per module; NULL where a module has none).
 * Commands say which with offsetof(hx_ha_conf_ctx_t, main_conf) or
 * offsetof(hx_ha_conf_ctx_t, block_conf).
 */
typedef struct {
    void               **main_conf;
    void               **block_conf;
    hx_pool_t           *pool;         /* the block's own pool */
} hx_ha_conf_ctx_t;

#define HX_HA_MAIN_CONF_OFFSET   offsetof(hx_ha_conf_ctx_t, main_conf)
#define HX_HA_BLOCK_CONF_OFFSET  offsetof(hx_ha_conf_ctx_t, block_conf)


/* the context of an HX_HA_MODULE module */
typedef struct {
    void              *(*create_main_conf)(hx_conf_t *cf);
    /* after the whole ha {} block: defaults, cross-references */
    char              *(*init_main_conf)(hx_conf_t *cf, void *conf);
} hx_ha_module_t;


/* a place in the configuration, for warnings made after the fact */
typedef struct {
    hx_str_t             file;
    hx_uint_t            line;
} hx_ha_conf_pos_t;


/* global_defs { } and the ha-level settings (hx_ha_core_module) */
typedef struct {
    hx_str_t             router_id;
    hx_int_t             vrrp_version;
    hx_msec_t            garp_master_delay;
    hx_int_t             garp_master_repeat;
    hx_msec_t            garp_master_refresh;
    hx_int_t             garp_master_refresh_repeat;
    hx_msec_t            garp_lower_prio_delay;
    hx_int_t             garp_lower_prio_repeat;
    hx_msec_t            garp_interval;
    hx_msec_t            gna_interval;
    hx_flag_t            lower_prio_no_advert;
    hx_flag_t            higher_prio_send_advert;
    hx_flag_t            strict;
    hx_flag_t            check_unicast_src;
    hx_flag_t            skip_check_adv_addr;
    hx_str_t             script_user;
    hx_str_t             script_group;
    hx_flag_t            script_security;
    hx_str_t             state_file;        /* hanx: "vrrp_state_file" */
    hx_ha_conf_pos_t     pos;               /* the ha { } line */
} hx_ha_main_conf_t;


#define hx_ha_conf_get_main_conf(cf, module)                                  \
    ((hx_ha_conf_ctx_t *) (cf)->ctx)->main_conf[(module).ctx_index]

/* NULL when the configuration has no ha { } block */
void *hx_ha_cycle_get_main_conf(hx_cycle_t *cycle, hx_module_t *module);

/* the block's pool of cycle, or NULL; see hx_ha_take_pool() */
hx_pool_t *hx_ha_cycle_pool(hx_cycle_t *cycle);

/*
 * Makes the caller the owner of cycle's ha pool: destroying the cycle no
 * longer frees it; the caller frees it with hx_ha_free_pool().
 */
hx_pool_t *hx_ha_take_pool(hx_cycle_t *cycle);
void hx_ha_free_pool(hx_pool_t *pool);


/* setters shared by the ha modules */

/* seconds with decimals ("1", "0.1") or nginx units ("100ms") into msec */
char *hx_ha_conf_set_dsec_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf);
/* keepalived's bare keywords: "nopreempt;" is on, "nopreempt off;" too */
char *hx_ha_conf_set_keyword_slot(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
/* a keepalived keyword hanx accepts and ignores, with a notice */
char *hx_ha_conf_ignore(hx_conf_t *cf, hx_command_t *cmd, void *conf);
/* the same for a block: its contents are skipped */
char *hx_ha_conf_ignore_block(hx_conf_t *cf, hx_command_t *cmd, void *conf);

/* bounds for hx_ha_conf_set_dsec_slot, in msec */
typedef struct {
    hx_conf_post_handler_pt  post_handler;
    hx_msec_t                low;
    hx_msec_t                high;
} hx_ha_conf_msec_bounds_t;

char *hx_ha_conf_check_msec_bounds(hx_conf_t *cf, void *post, void *data);

/* records where the current directive is */
void hx_ha_conf_pos(hx_conf_t *cf, hx_ha_conf_pos_t *pos);

/* "[level] message in file:line", for a position recorded earlier */
void hx_ha_conf_log(hx_uint_t level, hx_conf_t *cf, hx_ha_conf_pos_t *pos,
    const char *fmt, ...);


extern hx_module_t  hx_ha_module;
extern hx_module_t  hx_ha_core_module;
extern hx_module_t  hx_ha_vrrp_module;

extern hx_uint_t    hx_ha_max_module;


#include "hx_vrrp_packet.h"
#include "hx_vrrp_fsm.h"
#include "hx_ha_vrrp.h"

#endif /* HX_HA_HX_HA_H */

/*
 * VRRP instances: what vrrp_instance, vrrp_script and vrrp_sync_group
 * configure (filled by hx_ha_vrrp_module.c), and the runtime that runs
 * them in the master (hx_ha_vrrp.c).
 */

#ifndef HX_HA_HX_HA_VRRP_H
#define HX_HA_HX_HA_VRRP_H


/* an address as keepalived configurations write them, without port */
typedef struct {
    int                  family;        /* AF_INET, AF_INET6; 0: unset */
    uint8_t              addr[16];
    hx_str_t             text;
} hx_ha_addr_t;


/* one line of virtual_ipaddress { } */
typedef struct {
    hx_ha_addr_t         addr;
    hx_uint_t            prefixlen;     /* 32 or 128 unless given */
    hx_str_t             dev;           /* empty: the instance's interface */
    hx_str_t             label;
    hx_uint_t            scope;         /* RT_SCOPE_* */
    hx_ha_conf_pos_t     pos;
} hx_ha_vip_t;


/* a program to run: notify scripts and vrrp_script's "script" */
typedef struct {
    hx_str_t             text;          /* as written, for logs */
    char               **argv;          /* NULL-terminated */
    hx_str_t             user;          /* run as; empty: script_user */
    hx_str_t             group;
} hx_ha_cmd_t;


/* one line of track_interface { } or track_script { } */
typedef struct {
    hx_str_t             name;
    hx_int_t             weight;
    hx_uint_t            weight_set;    /* "weight N" was given */
    hx_uint_t            reverse;       /* keepalived's "reverse" */
    hx_ha_script_conf_t *script;        /* track_script: resolved */
    hx_ha_conf_pos_t     pos;
} hx_ha_track_t;


struct hx_ha_vrrp_conf_s {
    hx_str_t             name;
    hx_ha_conf_pos_t     pos;

    hx_uint_t            want_state;    /* HX_VRRP_MASTER/BACKUP; 0 unset */
    hx_ha_conf_pos_t     state_pos;
    hx_str_t             interface;
    hx_int_t             vrid;
    hx_ha_conf_pos_t     vrid_pos;
    hx_int_t             priority;
    hx_msec_t            adver_int;
    hx_ha_conf_pos_t     adver_pos;
    hx_int_t             version;
    hx_ha_conf_pos_t     version_pos;

    hx_uint_t            auth_type;
    hx_str_t             auth_pass;
    hx_ha_conf_pos_t     auth_pos;
    uint8_t              auth_data[HX_VRRP_AUTH_LEN];

    hx_array_t          *vips;          /* hx_ha_vip_t */
    hx_array_t          *evips;         /* hx_ha_vip_t, not advertised */
    hx_array_t          *vroutes;       /* hx_ha_route_t, virtual_routes */
    hx_array_t          *vrules;        /* hx_ha_rule_t, virtual_rules */
    hx_array_t          *peers;         /* hx_ha_addr_t */
    hx_ha_addr_t         unicast_src;
    hx_ha_addr_t         mcast_src;

    hx_flag_t            nopreempt;
    hx_ha_conf_pos_t     nopreempt_pos;
    hx_msec_t            preempt_delay;

    hx_array_t          *track_ifs;     /* hx_ha_track_t */
    hx_array_t          *track_scripts; /* hx_ha_track_t */
    hx_int_t             track_workers; /* weight; unset: not tracked */

    hx_ha_cmd_t         *notify_master;
    hx_ha_cmd_t         *notify_backup;
    hx_ha_cmd_t         *notify_fault;
    hx_ha_cmd_t         *notify_stop;
    hx_ha_cmd_t         *notify;

    hx_msec_t            garp_master_delay;
    hx_int_t             garp_master_repeat;
    hx_msec_t            garp_master_refresh;
    hx_int_t             garp_master_refresh_repeat;
    hx_msec_t            garp_lower_prio_delay;
    hx_int_t             garp_lower_prio_repeat;

    hx_flag_t            accept;
    hx_flag_t            dont_track_primary;
    hx_flag_t            lower_prio_no_advert;
    hx_flag_t            higher_prio_send_advert;
    hx_flag_t            skip_check_adv_addr;
    hx_int_t             debug;

    hx_ha_sync_conf_t   *sync;

    /* derived when the block closes */
    int                  family;
    hx_uint_t            unicast;
};


struct hx_ha_script_conf_s {
    hx_str_t             name;
    hx_ha_conf_pos_t     pos;
    hx_ha_cmd_t         *script;
    hx_msec_t            interval;
    hx_msec_t            timeout;
    hx_int_t             weight;
    hx_uint_t            reverse;
    hx_int_t             rise;
    hx_int_t             fall;
    hx_flag_t            init_fail;
    hx_str_t             user;
    hx_str_t             group;
};


struct hx_ha_sync_conf_s {
    hx_str_t             name;
    hx_ha_conf_pos_t     pos;
    hx_array_t          *member_names;  /* hx_str_t, as written */
    hx_array_t          *members;       /* hx_ha_vrrp_conf_t *, resolved */
    hx_ha_cmd_t         *notify_master;
    hx_ha_cmd_t         *notify_backup;
    hx_ha_cmd_t         *notify_fault;
    hx_ha_cmd_t         *notify_stop;
    hx_ha_cmd_t         *notify;
};


/* hx_ha_vrrp_module's main conf */
typedef struct {
    hx_array_t           instances;     /* hx_ha_vrrp_conf_t * */
    hx_array_t           scripts;       /* hx_ha_script_conf_t * */
    hx_array_t           groups;        /* hx_ha_sync_conf_t * */
    hx_array_t          *static_ips;    /* hx_ha_vip_t, static_ipaddress */
    hx_array_t          *static_routes; /* hx_ha_route_t (hx_ha_static.h) */
    hx_array_t          *static_rules;  /* hx_ha_rule_t */
} hx_ha_vrrp_main_conf_t;


/*
 * The runtime (hx_ha_vrrp.c).  hx_ha_vrrp_start() runs when the master's
 * loop starts: it opens the sockets, removes stale VIPs and starts every
 * instance; called again with another cycle (a reload), it reconciles the
 * running instances with the new configuration.  hx_ha_vrrp_stop() makes
 * every master resign (priority 0, VIPs removed) and frees everything.
 * hx_ha_vrrp_reload() is called from init_module during a reload: the new
 * configuration takes over once that cycle is hx_cycle.
 * hx_ha_vrrp_close_inherited() closes the master's descriptors in a newly
 * forked worker.
 */
hx_int_t hx_ha_vrrp_start(hx_cycle_t *cycle);
void hx_ha_vrrp_reload(hx_cycle_t *cycle);
void hx_ha_vrrp_stop(hx_cycle_t *cycle);
void hx_ha_vrrp_close_inherited(void);

/* the -t checks that need the running system (interfaces, subnets) */
void hx_ha_vrrp_test_config(hx_cycle_t *cycle);

/*
 * hx_ha_vrrp_module's init_main_conf (hx_ha_vrrp_complete.c): defaults,
 * cross-references and the -t warnings, once ha {} is read.
 */
char *hx_ha_vrrp_init_main_conf(hx_conf_t *cf, void *conf);

/* parses "ADDR" into a (no port, no prefix); HX_OK or HX_DECLINED */
hx_int_t hx_ha_parse_addr(uint8_t *text, size_t len, hx_ha_addr_t *a);

/*
 * keepalived's command form (args[1] is the program and its arguments in
 * one word, split at white space; args[2], args[3]: user and group) into
 * a program to run; n is the number of args.  NULL on error (logged).
 */
hx_ha_cmd_t *hx_ha_vrrp_parse_cmd(hx_conf_t *cf, hx_str_t *args,
    hx_uint_t n);

#endif /* HX_HA_HX_HA_VRRP_H */

/*
 * What the VRRP runtime's files share (hx_ha_vrrp.c: configurations
 * coming and going; hx_ha_vrrp_instance.c: running instances;
 * hx_ha_script.c: vrrp_script checks and notify scripts).  Not for use
 * outside ha/.
 */

#ifndef HX_HA_HX_HA_RUNTIME_H
#define HX_HA_HX_HA_RUNTIME_H

#include <hx_ha_addr.h>
#include <hx_ha_script.h>
#include <hx_vrrp_io.h>


#define HX_HA_SCRIPT_INIT    0
#define HX_HA_SCRIPT_UP      1
#define HX_HA_SCRIPT_DOWN    2


typedef struct hx_ha_vr_s      hx_ha_vr_t;
typedef struct hx_ha_script_s  hx_ha_script_t;
typedef struct hx_ha_group_s   hx_ha_group_t;


struct hx_ha_vr_s {
    hx_queue_t               queue;
    hx_ha_vrrp_conf_t       *conf;
    hx_vrrp_fsm_t            fsm;
    hx_ha_if_t              *ifp;
    hx_vrrp_sock_t          *sock;
    hx_event_t               timer;
    hx_log_t                 log;

    int                      family;
    size_t                   alen;
    uint8_t                  saddr[16];
    uint8_t                 *vips;           /* for adverts and checks */
    hx_uint_t                nvips;

    uint16_t                 ip_id;
    uint32_t                 ah_seq_tx;
    uint32_t                 ah_seq_rx;

    hx_ha_if_t             **track_ifps;     /* of conf->track_ifs */
    hx_uint_t                ntrack_ifps;

    hx_uint_t                own_faults;     /* from its own tracking */
    hx_uint_t                vips_set;
    hx_uint_t                stopping;

    uint8_t                  master_addr[16];
    hx_uint_t                adverts_sent;
    hx_uint_t                adverts_rcvd;
    hx_uint_t                bad[HX_VRRP_RX_NREASONS];
    hx_msec_t                bad_logged;
    hx_uint_t                bad_quiet;
};


struct hx_ha_script_s {
    hx_queue_t               queue;
    hx_ha_script_conf_t     *conf;
    hx_event_t               timer;
    hx_ha_proc_t            *proc;
    hx_int_t                 result;        /* keepalived's counter */
    hx_uint_t                state;
    int                      last_status;
    hx_uint_t                used;
    hx_log_t                 log;
};


struct hx_ha_group_s {
    hx_queue_t               queue;
    hx_ha_sync_conf_t       *conf;
    hx_vrrp_state_e          state;
};


/* hx_ha_vrrp.c */
extern hx_queue_t           hx_ha_vrs;         /* hx_ha_vr_t */
extern hx_queue_t           hx_ha_scripts;     /* hx_ha_script_t */
extern hx_queue_t           hx_ha_groups;      /* hx_ha_group_t */
extern hx_ha_main_conf_t   *hx_ha_hmcf;        /* of the conf in force */
extern hx_log_t             hx_ha_log;
extern hx_uint_t            hx_ha_workers_up;

/* the log level of the cycle in force, into every runtime log */
void hx_ha_log_refresh(void);
/* a runtime log's writer: the line goes to the cycle in force's logs */
void hx_ha_log_writer(hx_log_t *log, hx_uint_t level, uint8_t *buf,
    size_t len);
/* rewrites the state file (vrrp_state_file) from the instances */
void hx_ha_state_file(void);


/* hx_ha_vrrp_instance.c */

/* a running instance for conf, sockets open, still in INIT; or NULL */
hx_ha_vr_t *hx_ha_vr_create(hx_ha_vrrp_conf_t *conf);
/* a reload kept the instance: new settings, same state */
void hx_ha_vr_update(hx_ha_vr_t *vr, hx_ha_vrrp_conf_t *conf);
/* resigns (priority 0 as master) and drops the VIPs */
void hx_ha_vr_stop(hx_ha_vr_t *vr);
/* unlinks and frees a stopped instance */
void hx_ha_vr_free(hx_ha_vr_t *vr);
void hx_ha_vr_feed(hx_ha_vr_t *vr, hx_vrrp_input_e type);
/* re-reads the tracked objects: FAULT, UP and priority inputs */
void hx_ha_vr_track(hx_ha_vr_t *vr);
/* every VIP of the instance is on its interface */
hx_uint_t hx_ha_vr_holds_vips(hx_ha_vr_t *vr);
/* the interface handler given to hx_ha_addr_init() */
void hx_ha_if_changed(hx_ha_if_t *ifp);


/* hx_ha_script.c */
hx_ha_script_t *hx_ha_script_create(hx_ha_script_conf_t *conf);
/* unlinks and frees; a running check is left to finish unheard */
void hx_ha_script_stop(hx_ha_script_t *sc);
hx_ha_script_t *hx_ha_script_find(hx_str_t *name);
/*
 * Runs a notify script: with kind ("INSTANCE", "GROUP"), keepalived's
 * arguments TYPE NAME STATE PRIORITY follow the command's own.
 */
void hx_ha_run_notify(hx_ha_cmd_t *cmd, const char *kind, hx_str_t *name,
    hx_vrrp_state_e state, hx_uint_t priority);

#endif /* HX_HA_HX_HA_RUNTIME_H */

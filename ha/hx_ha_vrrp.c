/*
 * The VRRP runtime in the master: instances, their state machines,
 * tracked interfaces and scripts, notify scripts, the state file, and
 * reloads that keep state.
 *
 * Each running instance (hx_ha_vr_t) owns an hx_vrrp_fsm_t and one event
 * timer armed at the machine's next deadline; packets from the shared
 * raw socket of its interface and timer expiries become machine inputs,
 * and the actions that come back are performed here in a fixed order
 * (resign, advertise, drop VIPs, take VIPs, gratuitous ARP, report).
 *
 * Everything here is allocated outside any cycle.  The configuration an
 * instance reads is the ha {} block's own pool, which this runtime takes
 * over when the cycle is in force and frees when the next configuration
 * replaces it, after every running instance has been matched: an instance
 * whose (interface, virtual_router_id, family) is unchanged keeps its
 * state and its VIPs, the rest stop (priority 0) or start.  The master
 * switches cycles outside module hooks, so a reload is noticed by
 * init_module and applied from a zero-delay timer once hx_cycle is the
 * new cycle; a reload that fails never becomes hx_cycle and is dropped.
 *
 * Logs go through hx_ha_log and per-instance logs whose writer forwards
 * each line to the current cycle's log: these objects outlive every
 * cycle, while a cycle's log does not.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_process.h>
#include <hx_ha.h>
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


static hx_int_t hx_ha_vrrp_apply(hx_cycle_t *cycle);
static void hx_ha_vrrp_apply_handler(hx_event_t *ev);
static void hx_ha_log_refresh(void);
static void hx_ha_log_writer(hx_log_t *log, hx_uint_t level, uint8_t *buf,
    size_t len);
static uint8_t *hx_ha_vr_log_handler(hx_log_t *log, uint8_t *buf,
    size_t len);

static hx_ha_vr_t *hx_ha_vr_create(hx_ha_vrrp_conf_t *conf);
static void hx_ha_vr_configure(hx_ha_vr_t *vr, hx_ha_vrrp_conf_t *conf);
static void hx_ha_vr_track_ifs(hx_ha_vr_t *vr, hx_ha_vrrp_conf_t *conf);
static hx_int_t hx_ha_vr_open(hx_ha_vr_t *vr);
static void hx_ha_vr_update(hx_ha_vr_t *vr, hx_ha_vrrp_conf_t *conf);
static void hx_ha_vr_drop_gone(hx_ha_vr_t *vr, hx_array_t *vips,
    hx_ha_vrrp_conf_t *conf);
static hx_uint_t hx_ha_vip_in(hx_ha_vip_t *vip, hx_array_t *vips);
static void hx_ha_vr_stop(hx_ha_vr_t *vr);
static void hx_ha_vr_free(hx_ha_vr_t *vr);
static void hx_ha_vr_input(hx_ha_vr_t *vr, hx_vrrp_input_t *in);
static void hx_ha_vr_feed(hx_ha_vr_t *vr, hx_vrrp_input_e type);
static void hx_ha_vr_act(hx_ha_vr_t *vr, hx_uint_t act);
static void hx_ha_vr_arm(hx_ha_vr_t *vr);
static void hx_ha_vr_timer(hx_event_t *ev);
static void hx_ha_vr_send(hx_ha_vr_t *vr, hx_uint_t priority);
static void hx_ha_vr_vips(hx_ha_vr_t *vr, hx_uint_t add);
static void hx_ha_vr_vip_list(hx_ha_vr_t *vr, hx_array_t *vips,
    hx_uint_t add);
static void hx_ha_vr_garp(hx_ha_vr_t *vr, hx_uint_t count);
static void hx_ha_vr_transition(hx_ha_vr_t *vr);
static void hx_ha_vr_notify(hx_ha_vr_t *vr);
static void hx_ha_vr_saddr(hx_ha_vr_t *vr);
static hx_uint_t hx_ha_is_vip(int family, uint8_t *addr);
static void hx_ha_vr_track(hx_ha_vr_t *vr);
static void hx_ha_vr_recv(hx_vrrp_sock_t *s, hx_vrrp_rx_t *rx);
static void hx_ha_vr_bad(hx_ha_vr_t *vr, hx_vrrp_rx_t *rx,
    hx_vrrp_rx_reason_e reason);
static void hx_ha_ntop(int family, uint8_t *addr, uint8_t *text,
    size_t size);
static void hx_ha_if_changed(hx_ha_if_t *ifp);
static void hx_ha_sync(hx_ha_vr_t *vr);
static void hx_ha_group_notify(hx_ha_vr_t *vr);

static hx_ha_script_t *hx_ha_script_create(hx_ha_script_conf_t *conf);
static void hx_ha_script_stop(hx_ha_script_t *sc);
static void hx_ha_script_run(hx_event_t *ev);
static void hx_ha_script_done(void *data, int status, hx_uint_t timed_out);
static hx_ha_script_t *hx_ha_script_find(hx_str_t *name);

static void hx_ha_start_handler(hx_event_t *ev);
static void hx_ha_workers_handler(hx_event_t *ev);
static hx_uint_t hx_ha_workers_serving(void);
static hx_uint_t hx_ha_vr_holds_vips(hx_ha_vr_t *vr);
static void hx_ha_state_file(void);
static void hx_ha_run_notify(hx_ha_cmd_t *cmd, const char *kind,
    hx_str_t *name, hx_vrrp_state_e state, hx_uint_t priority);


static hx_uint_t            hx_ha_started;
static hx_uint_t            hx_ha_addr_ready;
static hx_uint_t            hx_ha_syncing;
static hx_queue_t           hx_ha_vrs;
static hx_queue_t           hx_ha_scripts;
static hx_queue_t           hx_ha_groups;
static hx_pool_t           *hx_ha_pool;
static hx_ha_main_conf_t   *hx_ha_hmcf;
static hx_cycle_t          *hx_ha_cycle;
static hx_cycle_t          *hx_ha_pending;
static hx_event_t           hx_ha_apply_ev;
static hx_event_t           hx_ha_start_ev;
static hx_event_t           hx_ha_workers_ev;
static hx_uint_t            hx_ha_workers_up;
static hx_uint_t            hx_ha_first;
static hx_log_t             hx_ha_log;
static char                *hx_ha_state_path;

static const uint8_t  hx_ha_group4[4] = { 224, 0, 0, 18 };
static const uint8_t  hx_ha_group6[16] = {
    0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12
};


/* ---- start, reload, stop ---- */


hx_int_t
hx_ha_vrrp_start(hx_cycle_t *cycle)
{
    if (hx_ha_started) {
        /* a caller that runs init_master again after a reload */
        if (cycle != hx_ha_cycle) {
            return hx_ha_vrrp_apply(cycle);
        }

        return HX_OK;
    }

    hx_queue_init(&hx_ha_vrs);
    hx_queue_init(&hx_ha_scripts);
    hx_queue_init(&hx_ha_groups);

    hx_ha_log.writer = hx_ha_log_writer;
    hx_ha_log_refresh();

    hx_ha_apply_ev.handler = hx_ha_vrrp_apply_handler;
    hx_ha_apply_ev.log = &hx_ha_log;
    hx_ha_start_ev.handler = hx_ha_start_handler;
    hx_ha_start_ev.log = &hx_ha_log;
    hx_ha_workers_ev.handler = hx_ha_workers_handler;
    hx_ha_workers_ev.log = &hx_ha_log;
    hx_ha_workers_up = 1;

    hx_ha_started = 1;
    hx_ha_first = 1;

    return hx_ha_vrrp_apply(cycle);
}


void
hx_ha_vrrp_reload(hx_cycle_t *cycle)
{
    if (!hx_ha_started
        || (hx_process != HX_PROCESS_MASTER
            && hx_process != HX_PROCESS_SINGLE))
    {
        return;
    }

    hx_ha_pending = cycle;

    if (!hx_ha_apply_ev.timer_set) {
        hx_event_add_timer(&hx_ha_apply_ev, 0);
    }
}


static void
hx_ha_vrrp_apply_handler(hx_event_t *ev)
{
    hx_cycle_t  *cycle;

    (void) ev;

    cycle = hx_ha_pending;
    hx_ha_pending = NULL;

    /* a reload that failed never became hx_cycle: nothing to do */
    if (cycle == NULL || cycle != (hx_cycle_t *) hx_cycle
        || cycle == hx_ha_cycle)
    {
        return;
    }

    (void) hx_ha_vrrp_apply(cycle);
}


void
hx_ha_vrrp_stop(hx_cycle_t *cycle)
{
    hx_queue_t      *q;
    hx_ha_vr_t      *vr;
    hx_ha_group_t   *g;
    hx_ha_script_t  *sc;

    (void) cycle;

    if (!hx_ha_started) {
        return;
    }

    hx_ha_log_refresh();

    if (hx_ha_apply_ev.timer_set) {
        hx_event_del_timer(&hx_ha_apply_ev);
    }

    if (hx_ha_start_ev.timer_set) {
        hx_event_del_timer(&hx_ha_start_ev);
    }

    if (hx_ha_workers_ev.timer_set) {
        hx_event_del_timer(&hx_ha_workers_ev);
    }

    if (hx_new_binary) {
        /*
         * A binary upgrade: the new master took the instances over with
         * their VIPs; leaving quietly keeps the addresses where they are.
         */
        for (q = hx_queue_head(&hx_ha_vrs);
             q != hx_queue_sentinel(&hx_ha_vrs);
             q = hx_queue_next(q))
        {
            vr = hx_queue_data(q, hx_ha_vr_t, queue);

            hx_log_error(HX_LOG_NOTICE, &vr->log, 0,
                         "(%V) left to the new binary (pid %P) as %s",
                         &vr->conf->name, hx_new_binary,
                         hx_vrrp_state_name(vr->fsm.state));
        }

        if (hx_ha_state_path) {
            hx_free(hx_ha_state_path);
            hx_ha_state_path = NULL;
        }

    } else {
        /* every instance resigns first: the state file then says STOP */
        for (q = hx_queue_head(&hx_ha_vrs);
             q != hx_queue_sentinel(&hx_ha_vrs);
             q = hx_queue_next(q))
        {
            hx_ha_vr_stop(hx_queue_data(q, hx_ha_vr_t, queue));
        }
    }

    while (!hx_queue_empty(&hx_ha_vrs)) {
        q = hx_queue_head(&hx_ha_vrs);
        vr = hx_queue_data(q, hx_ha_vr_t, queue);
        hx_ha_vr_free(vr);
    }

    while (!hx_queue_empty(&hx_ha_scripts)) {
        q = hx_queue_head(&hx_ha_scripts);
        sc = hx_queue_data(q, hx_ha_script_t, queue);
        hx_ha_script_stop(sc);
    }

    while (!hx_queue_empty(&hx_ha_groups)) {
        q = hx_queue_head(&hx_ha_groups);
        g = hx_queue_data(q, hx_ha_group_t, queue);
        hx_queue_remove(q);
        hx_free(g);
    }

    if (hx_ha_addr_ready) {
        hx_ha_addr_done(1);
        hx_ha_addr_ready = 0;
    }

    if (hx_ha_pool) {
        hx_ha_free_pool(hx_ha_pool);
        hx_ha_pool = NULL;
    }

    if (hx_ha_state_path) {
        hx_free(hx_ha_state_path);
        hx_ha_state_path = NULL;
    }

    hx_ha_hmcf = NULL;
    hx_ha_cycle = NULL;
    hx_ha_started = 0;
}


void
hx_ha_vrrp_close_inherited(void)
{
    if (hx_process != HX_PROCESS_WORKER) {
        return;
    }

    hx_vrrp_sock_close_all();
    hx_ha_addr_close_fds();
}


/*
 * Puts cycle's configuration in force: running instances are matched by
 * identity and updated, the others stopped; new ones are started.
 */
static hx_int_t
hx_ha_vrrp_apply(hx_cycle_t *cycle)
{
    uint8_t                  *p;
    hx_str_t                  name;
    hx_uint_t                 i, found;
    hx_queue_t               *q, *next, old_scripts;
    hx_pool_t                *pool, *old_pool;
    hx_ha_vr_t               *vr;
    hx_ha_group_t            *g;
    hx_ha_script_t           *sc;
    hx_ha_vrrp_conf_t       **vrp, *conf;
    hx_ha_sync_conf_t       **sgp;
    hx_ha_script_conf_t     **scp;
    hx_ha_vrrp_main_conf_t   *vmcf;

    hx_ha_log_refresh();

    pool = hx_ha_cycle_pool(cycle);
    vmcf = pool ? hx_ha_cycle_get_main_conf(cycle, &hx_ha_vrrp_module) : NULL;

    if (pool) {
        (void) hx_ha_take_pool(cycle);
        pool->log = &hx_ha_log;
    }

    if (vmcf && vmcf->instances.nelts && !hx_ha_addr_ready) {
        if (hx_ha_addr_init(&hx_ha_log, hx_ha_if_changed) != HX_OK) {
            if (hx_ha_cycle == NULL) {
                hx_ha_free_pool(pool);
                return HX_ERROR;
            }

            hx_log_error(HX_LOG_ALERT, &hx_ha_log, 0,
                         "VRRP cannot run with the new configuration");
            vmcf = NULL;

        } else {
            hx_ha_addr_ready = 1;
        }
    }

    old_pool = hx_ha_pool;
    hx_ha_pool = pool;
    hx_ha_cycle = cycle;
    hx_ha_hmcf = pool ? hx_ha_cycle_get_main_conf(cycle, &hx_ha_core_module)
                      : NULL;

    /* the state file, resolved against the prefix */
    if (hx_ha_state_path) {
        hx_free(hx_ha_state_path);
        hx_ha_state_path = NULL;
    }

    if (hx_ha_hmcf && hx_strcmp(hx_ha_hmcf->state_file.data, "off") != 0) {
        name = hx_ha_hmcf->state_file;
        hx_ha_state_path = hx_alloc(cycle->prefix.len + name.len + 1,
                                    &hx_ha_log);

        if (hx_ha_state_path) {
            p = (uint8_t *) hx_ha_state_path;

            if (name.data[0] != '/') {
                p = hx_cpymem(p, cycle->prefix.data, cycle->prefix.len);
            }

            p = hx_cpymem(p, name.data, name.len);
            *p = '\0';
        }
    }

    /* scripts: kept by name, so their results survive the reload */
    hx_queue_init(&old_scripts);

    while (!hx_queue_empty(&hx_ha_scripts)) {
        q = hx_queue_head(&hx_ha_scripts);
        hx_queue_remove(q);
        hx_queue_insert_tail(&old_scripts, q);
    }

    scp = vmcf ? vmcf->scripts.elts : NULL;

    for (i = 0; vmcf && i < vmcf->scripts.nelts; i++) {
        found = 0;

        for (q = hx_queue_head(&old_scripts);
             q != hx_queue_sentinel(&old_scripts);
             q = hx_queue_next(q))
        {
            sc = hx_queue_data(q, hx_ha_script_t, queue);

            if (hx_str_eq(&sc->conf->name, &scp[i]->name)
                && hx_str_eq(&sc->conf->script->text, &scp[i]->script->text))
            {
                hx_queue_remove(q);
                hx_queue_insert_tail(&hx_ha_scripts, q);
                sc->conf = scp[i];
                sc->used = 0;
                found = 1;
                break;
            }
        }

        if (!found) {
            sc = hx_ha_script_create(scp[i]);
            if (sc) {
                hx_queue_insert_tail(&hx_ha_scripts, &sc->queue);
            }
        }
    }

    while (!hx_queue_empty(&old_scripts)) {
        q = hx_queue_head(&old_scripts);
        hx_queue_remove(q);
        hx_queue_insert_tail(&hx_ha_scripts, q);
        hx_ha_script_stop(hx_queue_data(q, hx_ha_script_t, queue));
    }

    /* sync groups: kept by name */
    for (q = hx_queue_head(&hx_ha_groups);
         q != hx_queue_sentinel(&hx_ha_groups);
         q = next)
    {
        next = hx_queue_next(q);
        g = hx_queue_data(q, hx_ha_group_t, queue);
        found = 0;
        sgp = vmcf ? vmcf->groups.elts : NULL;

        for (i = 0; vmcf && i < vmcf->groups.nelts; i++) {
            if (hx_str_eq(&g->conf->name, &sgp[i]->name)) {
                g->conf = sgp[i];
                found = 1;
                break;
            }
        }

        if (!found) {
            hx_queue_remove(q);
            hx_free(g);
        }
    }

    sgp = vmcf ? vmcf->groups.elts : NULL;

    for (i = 0; vmcf && i < vmcf->groups.nelts; i++) {
        found = 0;

        for (q = hx_queue_head(&hx_ha_groups);
             q != hx_queue_sentinel(&hx_ha_groups);
             q = hx_queue_next(q))
        {
            g = hx_queue_data(q, hx_ha_group_t, queue);

            if (g->conf == sgp[i]) {
                found = 1;
                break;
            }
        }

        if (!found) {
            g = hx_calloc(sizeof(hx_ha_group_t), &hx_ha_log);
            if (g) {
                g->conf = sgp[i];
                g->state = HX_VRRP_INIT;
                hx_queue_insert_tail(&hx_ha_groups, &g->queue);
            }
        }
    }

    /* running instances: keep those whose identity is unchanged */
    vrp = vmcf ? vmcf->instances.elts : NULL;

    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = next)
    {
        next = hx_queue_next(q);
        vr = hx_queue_data(q, hx_ha_vr_t, queue);
        conf = NULL;

        for (i = 0; vmcf && i < vmcf->instances.nelts; i++) {
            if (vrp[i]->vrid == vr->conf->vrid
                && vrp[i]->family == vr->family
                && hx_str_eq(&vrp[i]->interface, &vr->conf->interface))
            {
                conf = vrp[i];
                break;
            }
        }

        if (conf) {
            hx_ha_vr_update(vr, conf);
            continue;
        }

        hx_log_error(HX_LOG_NOTICE, &vr->log, 0,
                     "(%V) is no longer configured, stopping",
                     &vr->conf->name);

        hx_ha_vr_stop(vr);
        hx_ha_vr_free(vr);
    }

    /* new instances */
    for (i = 0; vmcf && i < vmcf->instances.nelts; i++) {
        found = 0;

        for (q = hx_queue_head(&hx_ha_vrs);
             q != hx_queue_sentinel(&hx_ha_vrs);
             q = hx_queue_next(q))
        {
            vr = hx_queue_data(q, hx_ha_vr_t, queue);

            if (vr->conf == vrp[i]) {
                found = 1;
                break;
            }
        }

        if (found) {
            continue;
        }

        vr = hx_ha_vr_create(vrp[i]);

        if (vr == NULL) {
            if (old_pool == NULL && hx_queue_empty(&hx_ha_vrs)) {
                /* the first start: refuse to run half of the config */
                return HX_ERROR;
            }

            continue;
        }

        hx_queue_insert_tail(&hx_ha_vrs, &vr->queue);
    }

    /* scripts nobody tracks stop running; the others run from now */
    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = hx_queue_next(q))
    {
        vr = hx_queue_data(q, hx_ha_vr_t, queue);
        conf = vr->conf;

        for (i = 0; conf->track_scripts && i < conf->track_scripts->nelts;
             i++)
        {
            sc = hx_ha_script_find(
                     &((hx_ha_track_t *) conf->track_scripts->elts)[i].name);
            if (sc) {
                sc->used = 1;
            }
        }
    }

    for (q = hx_queue_head(&hx_ha_scripts);
         q != hx_queue_sentinel(&hx_ha_scripts);
         q = next)
    {
        next = hx_queue_next(q);
        sc = hx_queue_data(q, hx_ha_script_t, queue);

        if (!sc->used) {
            hx_ha_script_stop(sc);

        } else if (!sc->timer.timer_set && sc->proc == NULL) {
            hx_event_add_timer(&sc->timer, 0);
        }
    }

    /*
     * New instances start from the loop's next turn: sync groups then see
     * every member, and the workers the master starts after init_master
     * already exist for track_workers.
     */
    if (!hx_ha_start_ev.timer_set) {
        hx_event_add_timer(&hx_ha_start_ev, 0);
    }

    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = hx_queue_next(q))
    {
        vr = hx_queue_data(q, hx_ha_vr_t, queue);

        if (vr->conf->track_workers != HX_CONF_UNSET
            && !hx_ha_workers_ev.timer_set)
        {
            hx_event_add_timer(&hx_ha_workers_ev, 500);
        }
    }

    if (old_pool) {
        hx_ha_free_pool(old_pool);
    }

    hx_ha_state_file();

    return HX_OK;
}


static void
hx_ha_start_handler(hx_event_t *ev)
{
    hx_uint_t    takeover;
    hx_queue_t  *q;
    hx_ha_vr_t  *vr;

    (void) ev;

    hx_ha_log_refresh();
    hx_ha_workers_up = hx_ha_workers_serving();

    /* the first configuration of a binary started by an upgrade (USR2) */
    takeover = hx_ha_first && hx_inherited;
    hx_ha_first = 0;

    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = hx_queue_next(q))
    {
        vr = hx_queue_data(q, hx_ha_vr_t, queue);

        if (vr->fsm.state != HX_VRRP_INIT) {
            continue;
        }

        hx_ha_vr_track(vr);

        if (takeover && hx_ha_vr_holds_vips(vr)) {
            hx_ha_vr_feed(vr, HX_VRRP_IN_TAKEOVER);

        } else {
            hx_ha_vr_feed(vr, HX_VRRP_IN_START);
        }
    }

    hx_ha_state_file();
}


/* the VIPs are on the interface: the binary before us was master */
static hx_uint_t
hx_ha_vr_holds_vips(hx_ha_vr_t *vr)
{
    hx_uint_t     i;
    hx_ha_vip_t  *vip;

    if (vr->conf->vips == NULL || vr->conf->vips->nelts == 0) {
        return 0;
    }

    vip = vr->conf->vips->elts;

    for (i = 0; i < vr->conf->vips->nelts; i++) {
        if (!hx_ha_if_has_addr(vr->ifp, vip[i].addr.family,
                               vip[i].addr.addr))
        {
            return 0;
        }
    }

    return 1;
}


/* track_workers: every half second, is some worker serving? */
static void
hx_ha_workers_handler(hx_event_t *ev)
{
    hx_uint_t    up, any;
    hx_queue_t  *q;
    hx_ha_vr_t  *vr;

    ev->timedout = 0;

    up = hx_ha_workers_serving();

    if (up != hx_ha_workers_up) {
        hx_ha_log_refresh();
        hx_log_error(HX_LOG_NOTICE, &hx_ha_log, 0,
                     up ? "workers are serving again"
                        : "no worker process is serving");
        hx_ha_workers_up = up;
    }

    any = 0;

    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = hx_queue_next(q))
    {
        vr = hx_queue_data(q, hx_ha_vr_t, queue);

        if (vr->conf->track_workers == HX_CONF_UNSET) {
            continue;
        }

        any = 1;

        if (vr->fsm.state != HX_VRRP_INIT) {
            hx_ha_vr_track(vr);
        }
    }

    if (any) {
        hx_event_add_timer(ev, 500);
    }
}


static hx_uint_t
hx_ha_workers_serving(void)
{
    hx_int_t  i;

    if (hx_process != HX_PROCESS_MASTER) {
        return 1;
    }

    for (i = 0; i < hx_last_process; i++) {
        if (hx_processes[i].pid != HX_INVALID_PID
            && !hx_processes[i].exited && !hx_processes[i].detached
            && !hx_processes[i].exiting)
        {
            return 1;
        }
    }

    return 0;
}


/* ---- logging ---- */


static void
hx_ha_log_refresh(void)
{
    hx_queue_t  *q;
    hx_ha_vr_t  *vr;

    hx_ha_log.log_level = hx_cycle->log->log_level;

    if (!hx_ha_started) {
        return;
    }

    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = hx_queue_next(q))
    {
        vr = hx_queue_data(q, hx_ha_vr_t, queue);
        vr->log.log_level = hx_ha_log.log_level;
    }
}


/* forwards a formatted line to the logs of the cycle in force */
static void
hx_ha_log_writer(hx_log_t *log, hx_uint_t level, uint8_t *buf, size_t len)
{
    hx_log_t  *l;

    (void) log;

    for (l = hx_cycle->log; l; l = l->next) {

        if (l->log_level < level) {
            break;
        }

        if (l->writer) {
            l->writer(l, level, buf, len);
            continue;
        }

        if (l->file) {
            (void) hx_write_fd(l->file->fd, buf, len);
        }
    }
}


static uint8_t *
hx_ha_vr_log_handler(hx_log_t *log, uint8_t *buf, size_t len)
{
    hx_ha_vr_t  *vr = log->data;

    if (vr->conf == NULL) {
        return buf;
    }

    return hx_snprintf(buf, len, ", vrid: %i, interface: %V",
                       vr->conf->vrid, &vr->conf->interface);
}


/* ---- instances ---- */


static hx_ha_vr_t *
hx_ha_vr_create(hx_ha_vrrp_conf_t *conf)
{
    hx_ha_vr_t  *vr;

    vr = hx_calloc(sizeof(hx_ha_vr_t), &hx_ha_log);
    if (vr == NULL) {
        return NULL;
    }

    vr->log = hx_ha_log;
    vr->log.handler = hx_ha_vr_log_handler;
    vr->log.data = vr;

    vr->timer.handler = hx_ha_vr_timer;
    vr->timer.data = vr;
    vr->timer.log = &vr->log;

    vr->family = conf->family;
    vr->alen = conf->family == AF_INET6 ? 16 : 4;

    vr->ifp = hx_ha_if_get(&conf->interface, &vr->log);
    if (vr->ifp == NULL) {
        hx_free(vr);
        return NULL;
    }

    hx_ha_vr_configure(vr, conf);
    hx_vrrp_fsm_init(&vr->fsm);

    if (vr->ifp->index == 0) {
        hx_log_error(HX_LOG_WARN, &vr->log, 0,
                     "(%V) interface %V does not exist (yet)",
                     &conf->name, &conf->interface);

    } else if (hx_ha_vr_open(vr) != HX_OK) {
        hx_ha_vr_track_ifs(vr, NULL);
        hx_ha_if_put(vr->ifp);
        hx_free(vr->vips);
        hx_free(vr);
        return NULL;
    }

    return vr;
}


/* copies what the machine and the packets need from conf */
static void
hx_ha_vr_configure(hx_ha_vr_t *vr, hx_ha_vrrp_conf_t *conf)
{
    hx_uint_t       i;
    hx_ha_vip_t    *vip;
    hx_vrrp_fsm_t  *fsm;

    vr->conf = conf;
    fsm = &vr->fsm;

    fsm->version = conf->version;
    fsm->base_priority = conf->priority;
    fsm->adver_int = conf->adver_int;
    fsm->preempt_delay = conf->preempt_delay;
    fsm->garp_delay = conf->garp_master_delay;
    fsm->garp_refresh = conf->garp_master_refresh;
    fsm->garp_lower_prio_delay = conf->garp_lower_prio_delay;
    fsm->garp_rep = conf->garp_master_repeat;
    fsm->garp_refresh_rep = conf->garp_master_refresh_repeat;
    fsm->garp_lower_prio_rep = conf->garp_lower_prio_repeat;
    fsm->nopreempt = conf->nopreempt ? 1 : 0;
    fsm->want_master = conf->want_state == HX_VRRP_MASTER;
    fsm->lower_prio_no_advert = conf->lower_prio_no_advert ? 1 : 0;
    fsm->higher_prio_send_advert = conf->higher_prio_send_advert ? 1 : 0;

    hx_ha_vr_track_ifs(vr, conf);

    if (vr->vips) {
        hx_free(vr->vips);
        vr->vips = NULL;
    }

    vr->nvips = conf->vips ? conf->vips->nelts : 0;
    vr->nvips = hx_min(vr->nvips, HX_VRRP_MAX_ADDRS);

    if (vr->nvips) {
        vr->vips = hx_alloc(vr->nvips * vr->alen, &vr->log);

        if (vr->vips == NULL) {
            vr->nvips = 0;
            return;
        }

        vip = conf->vips->elts;

        for (i = 0; i < vr->nvips; i++) {
            hx_memcpy(vr->vips + i * vr->alen, vip[i].addr.addr, vr->alen);
        }
    }
}


/* holds the records of the tracked interfaces (they outlive lookups) */
static void
hx_ha_vr_track_ifs(hx_ha_vr_t *vr, hx_ha_vrrp_conf_t *conf)
{
    hx_str_t        name;
    hx_uint_t       i, n;
    hx_ha_if_t    **ifps;
    hx_ha_track_t  *t;

    n = conf && conf->track_ifs ? conf->track_ifs->nelts : 0;
    ifps = NULL;

    if (n) {
        ifps = hx_calloc(n * sizeof(hx_ha_if_t *), &vr->log);
        if (ifps == NULL) {
            n = 0;
        }
    }

    for (i = 0; i < n; i++) {
        t = conf->track_ifs->elts;
        name = t[i].name;
        ifps[i] = hx_ha_if_get(&name, &vr->log);
    }

    /* after the new references, so that shared records are not freed */
    for (i = 0; i < vr->ntrack_ifps; i++) {
        if (vr->track_ifps[i]) {
            hx_ha_if_put(vr->track_ifps[i]);
        }
    }

    if (vr->track_ifps) {
        hx_free(vr->track_ifps);
    }

    vr->track_ifps = ifps;
    vr->ntrack_ifps = n;
}


static hx_int_t
hx_ha_vr_open(hx_ha_vr_t *vr)
{
    hx_uint_t  proto;

    proto = vr->conf->auth_type == HX_VRRP_AUTH_AH ? 51 : HX_VRRP_PROTO;

    vr->sock = hx_vrrp_sock_get(vr->family, proto, vr->ifp->name,
                                vr->ifp->index, hx_ha_vr_recv, &hx_ha_log);
    if (vr->sock == NULL) {
        return HX_ERROR;
    }

    if (!vr->conf->unicast) {
        (void) hx_vrrp_sock_join(vr->sock);
    }

    hx_ha_vr_saddr(vr);

    return HX_OK;
}


/*
 * A reload kept the instance: the machine keeps its state and deadlines,
 * takes the new settings, and a master moves the VIPs that changed.
 */
static void
hx_ha_vr_update(hx_ha_vr_t *vr, hx_ha_vrrp_conf_t *conf)
{
    hx_uint_t           ah;
    hx_ha_vrrp_conf_t  *old;

    old = vr->conf;
    ah = (old->auth_type == HX_VRRP_AUTH_AH)
         != (conf->auth_type == HX_VRRP_AUTH_AH);

    if (vr->vips_set) {
        hx_ha_vr_drop_gone(vr, old->vips, conf);
        hx_ha_vr_drop_gone(vr, old->evips, conf);
    }

    hx_ha_vr_configure(vr, conf);

    /* an owner clash lowered the priority; the configuration resets it */
    vr->fsm.base_priority = conf->priority;

    if (vr->vips_set) {
        hx_ha_vr_vip_list(vr, conf->vips, 1);
        hx_ha_vr_vip_list(vr, conf->evips, 1);
    }

    if (vr->fsm.state == HX_VRRP_MASTER) {
        vr->fsm.master_adver_int = conf->adver_int;
    }

    if (ah && vr->sock) {
        hx_vrrp_sock_put(vr->sock);
        vr->sock = NULL;
        (void) hx_ha_vr_open(vr);

    } else if (vr->sock && !conf->unicast) {
        (void) hx_vrrp_sock_join(vr->sock);
    }

    hx_ha_vr_saddr(vr);

    /* the machine ignores priority changes of an owner: set it here */
    if (conf->priority == HX_VRRP_PRIO_OWNER) {
        vr->fsm.priority = HX_VRRP_PRIO_OWNER;
    }

    hx_ha_vr_track(vr);
    hx_ha_vr_arm(vr);
}


/* removes the addresses of vips that conf no longer has */
static void
hx_ha_vr_drop_gone(hx_ha_vr_t *vr, hx_array_t *vips, hx_ha_vrrp_conf_t *conf)
{
    hx_str_t      name;
    hx_uint_t     i;
    hx_ha_if_t   *ifp;
    hx_ha_vip_t  *vip;

    if (vips == NULL) {
        return;
    }

    vip = vips->elts;

    for (i = 0; i < vips->nelts; i++) {
        if (hx_ha_vip_in(&vip[i], conf->vips)
            || hx_ha_vip_in(&vip[i], conf->evips))
        {
            continue;
        }

        ifp = vr->ifp;

        if (vip[i].dev.len) {
            name = vip[i].dev;
            ifp = hx_ha_if_get(&name, &vr->log);
            if (ifp == NULL) {
                continue;
            }
        }

        (void) hx_ha_addr_del(ifp, vip[i].addr.family, vip[i].addr.addr,
                              vip[i].prefixlen, &vr->log);

        if (vip[i].dev.len) {
            hx_ha_if_put(ifp);
        }
    }
}


static hx_uint_t
hx_ha_vip_in(hx_ha_vip_t *vip, hx_array_t *vips)
{
    hx_uint_t     i;
    hx_ha_vip_t  *v;

    if (vips == NULL) {
        return 0;
    }

    v = vips->elts;

    for (i = 0; i < vips->nelts; i++) {
        if (v[i].addr.family == vip->addr.family
            && hx_memcmp(v[i].addr.addr, vip->addr.addr,
                         vip->addr.family == AF_INET ? 4 : 16) == 0
            && v[i].prefixlen == vip->prefixlen
            && v[i].dev.len == vip->dev.len
            && (vip->dev.len == 0 || hx_str_eq(&v[i].dev, &vip->dev)))
        {
            return 1;
        }
    }

    return 0;
}


static void
hx_ha_vr_stop(hx_ha_vr_t *vr)
{
    vr->stopping = 1;

    if (vr->fsm.state != HX_VRRP_INIT) {
        hx_ha_vr_feed(vr, HX_VRRP_IN_STOP);
    }

    if (vr->vips_set) {
        hx_ha_vr_vips(vr, 0);
    }
}


static void
hx_ha_vr_free(hx_ha_vr_t *vr)
{
    hx_queue_remove(&vr->queue);

    if (vr->timer.timer_set) {
        hx_event_del_timer(&vr->timer);
    }

    if (vr->sock) {
        hx_vrrp_sock_put(vr->sock);
    }

    if (vr->ifp) {
        hx_ha_if_put(vr->ifp);
    }

    if (vr->vips) {
        hx_free(vr->vips);
    }

    hx_ha_vr_track_ifs(vr, NULL);

    hx_free(vr);
}


static void
hx_ha_vr_feed(hx_ha_vr_t *vr, hx_vrrp_input_e type)
{
    hx_vrrp_input_t  in;

    hx_memzero(&in, sizeof(in));
    in.type = type;

    hx_ha_vr_input(vr, &in);
}


static void
hx_ha_vr_input(hx_ha_vr_t *vr, hx_vrrp_input_t *in)
{
    hx_uint_t  act;

    act = hx_vrrp_fsm_step(&vr->fsm, in, hx_current_msec);

    hx_ha_vr_act(vr, act);
    hx_ha_vr_arm(vr);
}


static void
hx_ha_vr_act(hx_ha_vr_t *vr, hx_uint_t act)
{
    uint8_t  text[INET6_ADDRSTRLEN];

    if (act & HX_VRRP_ACT_SEND_STOP) {
        hx_ha_vr_send(vr, HX_VRRP_PRIO_STOP);

        if (vr->fsm.state == HX_VRRP_STOPPED) {
            hx_log_error(HX_LOG_NOTICE, &vr->log, 0, "(%V) sent 0 priority",
                         &vr->conf->name);
        }
    }

    if (act & HX_VRRP_ACT_SEND_ADVERT) {
        hx_ha_vr_send(vr, vr->fsm.priority);
    }

    if (act & HX_VRRP_ACT_DEL_VIPS) {
        if (vr->vips_set && vr->fsm.state == HX_VRRP_STOPPED) {
            hx_log_error(HX_LOG_NOTICE, &vr->log, 0, "(%V) removing VIPs.",
                         &vr->conf->name);
        }

        hx_ha_vr_vips(vr, 0);
    }

    if (act & HX_VRRP_ACT_ADD_VIPS) {
        hx_ha_vr_vips(vr, 1);
    }

    if (act & HX_VRRP_ACT_GARP) {
        hx_ha_vr_garp(vr, vr->fsm.garp_count);
    }

    if (act & HX_VRRP_ACT_LOWER_PRIO) {
        hx_ha_ntop(vr->family, vr->master_addr, text, sizeof(text));

        if (vr->fsm.state == HX_VRRP_MASTER) {
            hx_log_error(HX_LOG_INFO, &vr->log, 0,
                         "(%V) Received advert from %s with lower priority "
                         "%ui, ours %ui, forcing new election",
                         &vr->conf->name, text, vr->fsm.master_priority,
                         vr->fsm.priority);

        } else {
            hx_log_error(HX_LOG_INFO, &vr->log, 0,
                         "(%V) received lower priority (%ui) advert from %s "
                         "- discarding", &vr->conf->name,
                         vr->fsm.master_priority, text);
        }
    }

    if (act & HX_VRRP_ACT_OWNER_CLASH) {
        hx_log_error(HX_LOG_ERR, &vr->log, 0,
                     "(%V) CONFIGURATION ERROR: local instance and a remote "
                     "instance are both configured as address owner, please "
                     "fix - reducing local priority", &vr->conf->name);
    }

    if (act & HX_VRRP_ACT_SAME_ADDR) {
        hx_log_error(HX_LOG_WARN, &vr->log, 0,
                     "(%V) WARNING - equal priority advert received from "
                     "remote host with our IP address.", &vr->conf->name);
    }

    if (act & HX_VRRP_ACT_STATE) {
        hx_ha_vr_transition(vr);
    }
}


/* one event timer per instance, at the machine's next deadline */
static void
hx_ha_vr_arm(hx_ha_vr_t *vr)
{
    hx_msec_t  next;

    next = hx_vrrp_fsm_next(&vr->fsm);

    /* never lazily: a VRRP deadline must move by a millisecond if asked */
    if (vr->timer.timer_set) {
        hx_event_del_timer(&vr->timer);
    }

    if (next == HX_VRRP_NEVER) {
        return;
    }

    hx_event_add_timer(&vr->timer,
                       next > hx_current_msec ? next - hx_current_msec : 0);
}


static void
hx_ha_vr_timer(hx_event_t *ev)
{
    hx_ha_vr_t  *vr = ev->data;

    ev->timedout = 0;

    hx_ha_vr_feed(vr, HX_VRRP_IN_TIMER);
}


static void
hx_ha_vr_send(hx_ha_vr_t *vr, hx_uint_t priority)
{
    size_t             len;
    hx_uint_t          i, npeers;
    hx_ha_addr_t      *peers;
    hx_vrrp_advert_t   adv;
    const uint8_t     *dst, *src;
    uint8_t            pkt[HX_VRRP_MAX_PACKET];

    if (vr->sock == NULL) {
        return;
    }

    hx_memzero(&adv, sizeof(adv));
    adv.version = vr->conf->version;
    adv.family = vr->family;
    adv.vrid = vr->conf->vrid;
    adv.priority = priority;
    adv.adver_int = vr->conf->adver_int;
    adv.auth_type = vr->conf->version == 2 ? vr->conf->auth_type
                                           : HX_VRRP_AUTH_NONE;
    hx_memcpy(adv.auth_data, vr->conf->auth_data, HX_VRRP_AUTH_LEN);
    adv.naddrs = vr->nvips;
    adv.addrs = vr->vips;

    if (adv.auth_type == HX_VRRP_AUTH_AH) {
        adv.ah_seq = ++vr->ah_seq_tx;
    }

    peers = vr->conf->unicast ? vr->conf->peers->elts : NULL;
    npeers = vr->conf->unicast ? vr->conf->peers->nelts : 1;
    src = vr->saddr;

    /* the IP id counts adverts, not copies; 0 would let the kernel pick */
    if (++vr->ip_id == 0) {
        vr->ip_id = 1;
    }

    for (i = 0; i < npeers; i++) {

        if (peers) {
            dst = peers[i].addr;

        } else {
            dst = vr->family == AF_INET ? hx_ha_group4 : hx_ha_group6;
        }

        if (vr->family == AF_INET) {
            len = hx_vrrp_encode_ip4(pkt, sizeof(pkt), &adv, src, dst,
                                     HX_VRRP_TTL, vr->ip_id);
        } else {
            len = hx_vrrp_encode(pkt, sizeof(pkt), &adv, src, dst);
        }

        if (len == 0) {
            hx_log_error(HX_LOG_ALERT, &vr->log, 0,
                         "(%V) could not build an advertisement",
                         &vr->conf->name);
            return;
        }

        if (hx_vrrp_send(vr->sock, pkt, len,
                         vr->family == AF_INET6 ? src : NULL, dst)
            == HX_OK)
        {
            vr->adverts_sent++;
        }
    }
}


static void
hx_ha_vr_vips(hx_ha_vr_t *vr, hx_uint_t add)
{
    hx_ha_vr_vip_list(vr, vr->conf->vips, add);
    hx_ha_vr_vip_list(vr, vr->conf->evips, add);

    vr->vips_set = add;

    /* our source address skips VIPs: the choice may change */
    hx_ha_vr_saddr(vr);
}


static void
hx_ha_vr_vip_list(hx_ha_vr_t *vr, hx_array_t *vips, hx_uint_t add)
{
    hx_str_t      name;
    hx_uint_t     i, other;
    hx_ha_if_t   *ifp;
    hx_ha_vip_t  *vip;

    if (vips == NULL) {
        return;
    }

    vip = vips->elts;

    for (i = 0; i < vips->nelts; i++) {
        ifp = vr->ifp;
        other = vip[i].dev.len
                && !hx_str_eq(&vip[i].dev, &vr->conf->interface);

        if (other) {
            name = vip[i].dev;
            ifp = hx_ha_if_get(&name, &vr->log);

            if (ifp == NULL) {
                continue;
            }
        }

        if (add) {
            (void) hx_ha_addr_add(ifp, vip[i].addr.family, vip[i].addr.addr,
                                  vip[i].prefixlen, vip[i].scope,
                                  &vip[i].label, &vr->log);
        } else {
            (void) hx_ha_addr_del(ifp, vip[i].addr.family, vip[i].addr.addr,
                                  vip[i].prefixlen, &vr->log);
        }

        if (other) {
            hx_ha_if_put(ifp);
        }
    }
}


/* keepalived's vrrp_send_link_update(): count rounds over every VIP */
static void
hx_ha_vr_garp(hx_ha_vr_t *vr, hx_uint_t count)
{
    hx_uint_t     i, j, k;
    hx_array_t   *vips;
    hx_ha_vip_t  *vip;

    if (!vr->vips_set || vr->ifp->index == 0) {
        return;
    }

    for (k = 0; k < count; k++) {
        for (j = 0; j < 2; j++) {
            vips = j ? vr->conf->evips : vr->conf->vips;

            if (vips == NULL) {
                continue;
            }

            vip = vips->elts;

            for (i = 0; i < vips->nelts; i++) {
                if (vip[i].dev.len
                    && !hx_str_eq(&vip[i].dev, &vr->conf->interface))
                {
                    continue;
                }

                if (vip[i].addr.family == AF_INET) {
                    hx_ha_send_garp(vr->ifp, vip[i].addr.addr, &vr->log);

                } else {
                    hx_ha_send_na(vr->ifp, vip[i].addr.addr, &vr->log);
                }
            }
        }
    }
}


/* keepalived's words, then what changed and why */
static void
hx_ha_vr_transition(hx_ha_vr_t *vr)
{
    hx_vrrp_fsm_t  *fsm = &vr->fsm;

    if (fsm->state == HX_VRRP_STOPPED) {
        hx_log_error(HX_LOG_NOTICE, &vr->log, 0,
                     "(%V) Stopped (was %s)", &vr->conf->name,
                     hx_vrrp_state_name(fsm->prev));

    } else if (fsm->prev == HX_VRRP_INIT && fsm->state != HX_VRRP_MASTER) {
        hx_log_error(HX_LOG_NOTICE, &vr->log, 0,
                     "(%V) Entering %s STATE (init)", &vr->conf->name,
                     hx_vrrp_state_name(fsm->state));

    } else {
        hx_log_error(HX_LOG_NOTICE, &vr->log, 0,
                     "(%V) Entering %s STATE (was %s: %s)", &vr->conf->name,
                     hx_vrrp_state_name(fsm->state),
                     hx_vrrp_state_name(fsm->prev),
                     hx_vrrp_why_text(fsm->why));
    }

    hx_ha_state_file();
    hx_ha_vr_notify(vr);

    if (!vr->stopping) {
        hx_ha_sync(vr);
    }

    hx_ha_group_notify(vr);
}


static void
hx_ha_vr_notify(hx_ha_vr_t *vr)
{
    hx_ha_cmd_t        *cmd;
    hx_ha_vrrp_conf_t  *conf = vr->conf;

    switch (vr->fsm.state) {

    case HX_VRRP_MASTER:
        cmd = conf->notify_master;
        break;

    case HX_VRRP_BACKUP:
        cmd = conf->notify_backup;
        break;

    case HX_VRRP_FAULT:
        cmd = conf->notify_fault;
        break;

    case HX_VRRP_STOPPED:
        cmd = conf->notify_stop;
        break;

    default:
        return;
    }

    if (cmd) {
        hx_ha_run_notify(cmd, NULL, NULL, vr->fsm.state, 0);
    }

    if (conf->notify) {
        hx_ha_run_notify(conf->notify, "INSTANCE", &conf->name,
                         vr->fsm.state, vr->fsm.priority);
    }
}


static void
hx_ha_run_notify(hx_ha_cmd_t *cmd, const char *kind, hx_str_t *name,
    hx_vrrp_state_e state, hx_uint_t priority)
{
    char          *extra[5], prio[HX_INT_T_LEN + 1], *n;
    hx_str_t      *user, *group;
    hx_ha_proc_t  *p;

    extra[0] = NULL;
    n = NULL;

    if (kind) {
        n = hx_alloc(name->len + 1, &hx_ha_log);
        if (n == NULL) {
            return;
        }

        hx_memcpy(n, name->data, name->len);
        n[name->len] = '\0';

        (void) hx_snprintf((uint8_t *) prio, sizeof(prio), "%ui%Z",
                           priority);

        /* keepalived: TYPE NAME STATE PRIORITY */
        extra[0] = (char *) kind;
        extra[1] = n;
        extra[2] = (char *) hx_vrrp_state_name(state);
        extra[3] = prio;
        extra[4] = NULL;
    }

    user = cmd->user.len ? &cmd->user : &hx_ha_hmcf->script_user;
    group = cmd->user.len ? &cmd->group : &hx_ha_hmcf->script_group;

    p = hx_ha_spawn(cmd, kind ? extra : NULL, user, group, 0, NULL, NULL,
                    &hx_ha_log);

    if (p) {
        hx_ha_proc_detach(p);
    }

    if (n) {
        hx_free(n);
    }
}


/* the instance's own address: what adverts come from, and are compared to */
static void
hx_ha_vr_saddr(hx_ha_vr_t *vr)
{
    hx_uint_t     i;
    hx_ha_if_t   *ifp = vr->ifp;

    if (vr->conf->unicast_src.family) {
        hx_memcpy(vr->saddr, vr->conf->unicast_src.addr, vr->alen);
        return;
    }

    if (vr->conf->mcast_src.family) {
        hx_memcpy(vr->saddr, vr->conf->mcast_src.addr, vr->alen);
        return;
    }

    hx_memzero(vr->saddr, sizeof(vr->saddr));

    if (vr->family == AF_INET) {
        for (i = 0; i < ifp->naddrs4; i++) {
            if (!hx_ha_is_vip(AF_INET, ifp->addrs4[i])) {
                hx_memcpy(vr->saddr, ifp->addrs4[i], 4);
                return;
            }
        }

        return;
    }

    /* RFC 5798 5.1.2.1: IPv6 adverts come from the link-local address */
    for (i = 0; i < ifp->naddrs6; i++) {
        if (ifp->addrs6[i][0] == 0xfe && (ifp->addrs6[i][1] & 0xc0) == 0x80
            && !hx_ha_is_vip(AF_INET6, ifp->addrs6[i]))
        {
            hx_memcpy(vr->saddr, ifp->addrs6[i], 16);
            return;
        }
    }
}


static hx_uint_t
hx_ha_is_vip(int family, uint8_t *addr)
{
    hx_uint_t     i, j;
    hx_queue_t   *q;
    hx_ha_vr_t   *vr;
    hx_array_t   *vips;
    hx_ha_vip_t  *vip;

    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = hx_queue_next(q))
    {
        vr = hx_queue_data(q, hx_ha_vr_t, queue);

        for (j = 0; j < 2; j++) {
            vips = j ? vr->conf->evips : vr->conf->vips;

            if (vips == NULL) {
                continue;
            }

            vip = vips->elts;

            for (i = 0; i < vips->nelts; i++) {
                if (vip[i].addr.family == family
                    && hx_memcmp(vip[i].addr.addr, addr,
                                 family == AF_INET ? 4 : 16) == 0)
                {
                    return 1;
                }
            }
        }
    }

    return 0;
}


/*
 * Tracked objects (keepalived's vrrp_track.c): an unweighted failure
 * (the instance's interface unless dont_track_primary, a track_interface
 * or track_script of weight 0) means FAULT; a weighted one moves the
 * priority: a positive weight is added while the object is up, a
 * negative one while it is down ("reverse" swaps up and down).
 */
static void
hx_ha_vr_track(hx_ha_vr_t *vr)
{
    hx_int_t          prio, w;
    hx_uint_t         i, faults, up;
    hx_ha_if_t       *ifp;
    hx_ha_track_t    *t;
    hx_ha_script_t   *sc;
    hx_vrrp_input_t   in;

    faults = 0;
    prio = vr->conf->priority;

    if (!vr->conf->dont_track_primary && !hx_ha_if_is_up(vr->ifp)) {
        faults++;
    }

    if (vr->conf->track_ifs) {
        t = vr->conf->track_ifs->elts;

        for (i = 0; i < vr->conf->track_ifs->nelts; i++) {
            ifp = i < vr->ntrack_ifps ? vr->track_ifps[i] : NULL;
            up = ifp ? hx_ha_if_is_up(ifp) : 0;
            w = t[i].weight;

            if (w == 0) {
                faults += !up;
                continue;
            }

            if (t[i].reverse) {
                up = !up;
            }

            if ((w > 0 && up) || (w < 0 && !up)) {
                prio += w;
            }
        }
    }

    if (vr->conf->track_scripts) {
        t = vr->conf->track_scripts->elts;

        for (i = 0; i < vr->conf->track_scripts->nelts; i++) {
            sc = hx_ha_script_find(&t[i].name);

            if (sc == NULL) {
                continue;
            }

            sc->used = 1;
            w = t[i].weight;

            if (w == 0) {
                faults += sc->state != HX_HA_SCRIPT_UP;
                continue;
            }

            up = sc->state == HX_HA_SCRIPT_UP;

            if (t[i].reverse) {
                up = !up;
            }

            if ((w > 0 && up) || (w < 0 && !up)) {
                prio += w;
            }
        }
    }

    if (vr->conf->track_workers != HX_CONF_UNSET) {
        w = vr->conf->track_workers;
        up = hx_ha_workers_up;

        if (w == 0) {
            faults += !up;

        } else if ((w > 0 && up) || (w < 0 && !up)) {
            prio += w;
        }
    }

    vr->own_faults = faults;

    /* a sync group faults as a whole */
    if (vr->conf->sync) {
        hx_queue_t  *q;
        hx_ha_vr_t  *m;

        for (q = hx_queue_head(&hx_ha_vrs);
             q != hx_queue_sentinel(&hx_ha_vrs);
             q = hx_queue_next(q))
        {
            m = hx_queue_data(q, hx_ha_vr_t, queue);

            if (m != vr && m->conf->sync == vr->conf->sync) {
                faults += m->own_faults;
            }
        }
    }

    if (vr->conf->priority != HX_VRRP_PRIO_OWNER
        && (hx_uint_t) prio != vr->fsm.priority)
    {
        hx_memzero(&in, sizeof(in));
        in.type = HX_VRRP_IN_PRIORITY;
        in.priority = prio < 1 ? 1 : (hx_uint_t) prio;

        if (vr->fsm.state != HX_VRRP_INIT) {
            hx_log_error(HX_LOG_INFO, &vr->log, 0,
                         "(%V) Changing effective priority from %ui to %i",
                         &vr->conf->name, vr->fsm.priority,
                         hx_min(hx_max(prio, 1), 254));
        }

        hx_ha_vr_input(vr, &in);
    }

    if (faults && !vr->fsm.faulted) {
        hx_ha_vr_feed(vr, HX_VRRP_IN_FAULT);

    } else if (!faults && vr->fsm.faulted) {
        hx_ha_vr_feed(vr, HX_VRRP_IN_UP);
    }
}


/* ---- packets ---- */


static void
hx_ha_vr_recv(hx_vrrp_sock_t *s, hx_vrrp_rx_t *rx)
{
    hx_int_t              cmp;
    hx_uint_t             version, vrid, i, found;
    hx_queue_t           *q;
    hx_ha_vr_t           *vr;
    hx_ha_addr_t         *peer;
    hx_vrrp_input_t       in;
    hx_vrrp_advert_t      adv;
    hx_vrrp_expect_t      exp;
    hx_vrrp_rx_reason_e   rc;

    if (hx_vrrp_peek(rx, &version, &vrid) != HX_OK) {
        return;
    }

    vr = NULL;

    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = hx_queue_next(q))
    {
        vr = hx_queue_data(q, hx_ha_vr_t, queue);

        if (vr->sock == s && (hx_uint_t) vr->conf->vrid == vrid) {
            break;
        }

        vr = NULL;
    }

    /* another router's VRID, or ours while we cannot act on it */
    if (vr == NULL || vr->fsm.state == HX_VRRP_INIT
        || vr->fsm.state == HX_VRRP_FAULT
        || vr->fsm.state == HX_VRRP_STOPPED)
    {
        return;
    }

    hx_memzero(&exp, sizeof(exp));
    exp.version = vr->conf->version;
    exp.family = vr->family;
    exp.vrid = vrid;
    exp.auth_type = vr->conf->version == 2 ? vr->conf->auth_type
                                           : HX_VRRP_AUTH_NONE;
    hx_memcpy(exp.auth_data, vr->conf->auth_data, HX_VRRP_AUTH_LEN);
    exp.ah_seq = vr->ah_seq_rx;
    exp.adver_int = vr->conf->adver_int;
    exp.unicast = vr->conf->unicast;
    exp.naddrs = vr->nvips;
    exp.addrs = vr->vips;

    /* keepalived's skip_check_adv_addr: not again for the same master */
    exp.check_vips = !(vr->conf->skip_check_adv_addr
                       && hx_memcmp(rx->src, vr->master_addr, vr->alen) == 0);

    rc = hx_vrrp_check(rx, &exp, &adv);

    if (rc == HX_VRRP_RX_OK && vr->conf->unicast
        && hx_ha_hmcf->check_unicast_src)
    {
        peer = vr->conf->peers->elts;
        found = 0;

        for (i = 0; i < vr->conf->peers->nelts; i++) {
            if (hx_memcmp(peer[i].addr, rx->src, vr->alen) == 0) {
                found = 1;
            }
        }

        if (!found) {
            rc = HX_VRRP_RX_CAST;
        }
    }

    if (rc != HX_VRRP_RX_OK) {
        hx_ha_vr_bad(vr, rx, rc);
        hx_ha_vr_feed(vr, HX_VRRP_IN_INVALID);
        return;
    }

    vr->adverts_rcvd++;

    if (adv.ah_seq) {
        vr->ah_seq_rx = adv.ah_seq;
    }

    cmp = hx_memcmp(rx->src, vr->saddr, vr->alen);

    hx_memcpy(vr->master_addr, rx->src, vr->alen);

    hx_memzero(&in, sizeof(in));
    in.type = HX_VRRP_IN_ADVERT;
    in.priority = adv.priority;
    in.adver_int = adv.adver_int;
    in.addr_cmp = cmp > 0 ? 1 : (cmp < 0 ? -1 : 0);

    hx_ha_vr_input(vr, &in);
}


/* bad packets: counted, logged at most once a second per instance */
static void
hx_ha_vr_bad(hx_ha_vr_t *vr, hx_vrrp_rx_t *rx, hx_vrrp_rx_reason_e reason)
{
    uint8_t  text[INET6_ADDRSTRLEN];

    vr->bad[reason]++;

    if (vr->bad_logged && hx_current_msec - vr->bad_logged < 1000) {
        vr->bad_quiet++;
        return;
    }

    hx_ha_ntop(vr->family, rx->src, text, sizeof(text));

    hx_log_error(HX_LOG_INFO, &vr->log, 0,
                 "(%V) ignoring an advertisement from %s: %s "
                 "(%ui more ignored since the last report)",
                 &vr->conf->name, text, hx_vrrp_rx_reason_text(reason),
                 vr->bad_quiet);

    vr->bad_logged = hx_current_msec;
    vr->bad_quiet = 0;
}


/* an address as a C string, for "%s" */
static void
hx_ha_ntop(int family, uint8_t *addr, uint8_t *text, size_t size)
{
    size_t  n;

    n = hx_inet_ntop(family, addr, text, size - 1);
    text[n] = '\0';
}


/* ---- interfaces and scripts ---- */


static void
hx_ha_if_changed(hx_ha_if_t *ifp)
{
    hx_queue_t  *q;
    hx_ha_vr_t  *vr;

    hx_ha_log_refresh();

    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = hx_queue_next(q))
    {
        vr = hx_queue_data(q, hx_ha_vr_t, queue);

        if (vr->ifp == ifp) {
            if (vr->sock && vr->sock->ifindex != ifp->index) {
                /* the interface went away, or came back as another one */
                hx_vrrp_sock_put(vr->sock);
                vr->sock = NULL;
            }

            if (vr->sock == NULL && ifp->index) {
                (void) hx_ha_vr_open(vr);
            }

            hx_ha_vr_saddr(vr);
        }

        if (vr->fsm.state != HX_VRRP_INIT) {
            hx_ha_vr_track(vr);
        }
    }
}


static hx_ha_script_t *
hx_ha_script_create(hx_ha_script_conf_t *conf)
{
    hx_ha_script_t  *sc;

    sc = hx_calloc(sizeof(hx_ha_script_t), &hx_ha_log);
    if (sc == NULL) {
        return NULL;
    }

    sc->conf = conf;
    sc->log = hx_ha_log;

    /* keepalived: one success is enough to come up, unless init_fail */
    sc->state = conf->init_fail ? HX_HA_SCRIPT_DOWN : HX_HA_SCRIPT_INIT;
    sc->result = conf->init_fail ? 0 : conf->rise - 1;
    sc->last_status = -1;

    sc->timer.handler = hx_ha_script_run;
    sc->timer.data = sc;
    sc->timer.log = &hx_ha_log;

    return sc;
}


static void
hx_ha_script_stop(hx_ha_script_t *sc)
{
    hx_queue_remove(&sc->queue);

    if (sc->timer.timer_set) {
        hx_event_del_timer(&sc->timer);
    }

    if (sc->proc) {
        hx_ha_proc_detach(sc->proc);
    }

    hx_free(sc);
}


static hx_ha_script_t *
hx_ha_script_find(hx_str_t *name)
{
    hx_queue_t      *q;
    hx_ha_script_t  *sc;

    for (q = hx_queue_head(&hx_ha_scripts);
         q != hx_queue_sentinel(&hx_ha_scripts);
         q = hx_queue_next(q))
    {
        sc = hx_queue_data(q, hx_ha_script_t, queue);

        if (hx_str_eq(&sc->conf->name, name)) {
            return sc;
        }
    }

    return NULL;
}


static void
hx_ha_script_run(hx_event_t *ev)
{
    hx_str_t        *user, *group;
    hx_ha_script_t  *sc = ev->data;

    ev->timedout = 0;

    hx_event_add_timer(&sc->timer, sc->conf->interval);

    if (sc->proc) {
        /* still running: its timeout will end it */
        return;
    }

    user = sc->conf->user.len ? &sc->conf->user : &hx_ha_hmcf->script_user;
    group = sc->conf->user.len ? &sc->conf->group
                               : &hx_ha_hmcf->script_group;

    sc->proc = hx_ha_spawn(sc->conf->script, NULL, user, group,
                           sc->conf->timeout, hx_ha_script_done, sc,
                           &hx_ha_log);
}


/* keepalived's rise/fall counter (vrrp_script_child_thread) */
static void
hx_ha_script_done(void *data, int status, hx_uint_t timed_out)
{
    hx_uint_t        ok, old;
    hx_queue_t      *q;
    hx_ha_vr_t      *vr;
    hx_ha_script_t  *sc = data;
    hx_ha_script_conf_t  *c = sc->conf;

    sc->proc = NULL;
    hx_ha_log_refresh();

    ok = !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;

    if (!timed_out && WIFEXITED(status)
        && WEXITSTATUS(status) != sc->last_status)
    {
        hx_log_error(HX_LOG_INFO, &hx_ha_log, 0,
                     "Script `%V` now returning %d", &c->name,
                     WEXITSTATUS(status));
        sc->last_status = WEXITSTATUS(status);
    }

    old = sc->state;

    if (ok) {
        if (sc->result < c->rise - 1) {
            sc->result++;

        } else {
            sc->result = c->rise + c->fall - 1;
            sc->state = HX_HA_SCRIPT_UP;
        }

    } else {
        if (sc->result > c->rise) {
            sc->result--;

        } else {
            sc->result = 0;
            sc->state = HX_HA_SCRIPT_DOWN;
        }
    }

    if (sc->state == old) {
        return;
    }

    hx_log_error(HX_LOG_NOTICE, &hx_ha_log, 0, "VRRP_Script(%V) %s",
                 &c->name, sc->state == HX_HA_SCRIPT_UP ? "succeeded"
                           : (timed_out ? "timed_out" : "failed"));

    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = hx_queue_next(q))
    {
        vr = hx_queue_data(q, hx_ha_vr_t, queue);

        if (vr->fsm.state != HX_VRRP_INIT) {
            hx_ha_vr_track(vr);
        }
    }
}


/* ---- sync groups ---- */


/* keepalived's sync groups: members follow one that moved on its own */
static void
hx_ha_sync(hx_ha_vr_t *vr)
{
    hx_queue_t          *q;
    hx_ha_vr_t          *m;
    hx_vrrp_input_e      type;

    if (vr->conf->sync == NULL || hx_ha_syncing) {
        return;
    }

    if (vr->fsm.state == HX_VRRP_MASTER) {
        type = HX_VRRP_IN_GOTO_MASTER;

    } else if (vr->fsm.state == HX_VRRP_BACKUP
               && vr->fsm.prev == HX_VRRP_MASTER)
    {
        type = HX_VRRP_IN_GOTO_BACKUP;

    } else if (vr->fsm.state == HX_VRRP_FAULT
               || vr->fsm.prev == HX_VRRP_FAULT)
    {
        /* faults are shared through hx_ha_vr_track() */
        hx_ha_syncing = 1;

        for (q = hx_queue_head(&hx_ha_vrs);
             q != hx_queue_sentinel(&hx_ha_vrs);
             q = hx_queue_next(q))
        {
            m = hx_queue_data(q, hx_ha_vr_t, queue);

            if (m != vr && m->conf->sync == vr->conf->sync
                && m->fsm.state != HX_VRRP_INIT)
            {
                hx_ha_vr_track(m);
            }
        }

        hx_ha_syncing = 0;
        return;

    } else {
        return;
    }

    hx_ha_syncing = 1;

    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = hx_queue_next(q))
    {
        m = hx_queue_data(q, hx_ha_vr_t, queue);

        if (m != vr && m->conf->sync == vr->conf->sync) {
            hx_ha_vr_feed(m, type);
        }
    }

    hx_ha_syncing = 0;
}


static void
hx_ha_group_notify(hx_ha_vr_t *vr)
{
    hx_queue_t         *q;
    hx_ha_cmd_t        *cmd;
    hx_ha_group_t      *g;
    hx_ha_sync_conf_t  *sg;

    sg = vr->conf->sync;

    if (sg == NULL) {
        return;
    }

    for (q = hx_queue_head(&hx_ha_groups);
         q != hx_queue_sentinel(&hx_ha_groups);
         q = hx_queue_next(q))
    {
        g = hx_queue_data(q, hx_ha_group_t, queue);

        if (g->conf != sg || g->state == vr->fsm.state) {
            continue;
        }

        g->state = vr->fsm.state;

        hx_log_error(HX_LOG_NOTICE, &hx_ha_log, 0,
                     "(%V) Entering %s STATE", &sg->name,
                     hx_vrrp_state_name(g->state));

        switch (g->state) {
        case HX_VRRP_MASTER:
            cmd = sg->notify_master;
            break;
        case HX_VRRP_BACKUP:
            cmd = sg->notify_backup;
            break;
        case HX_VRRP_FAULT:
            cmd = sg->notify_fault;
            break;
        case HX_VRRP_STOPPED:
            cmd = sg->notify_stop;
            break;
        default:
            cmd = NULL;
        }

        if (cmd) {
            hx_ha_run_notify(cmd, NULL, NULL, g->state, 0);
        }

        if (sg->notify) {
            hx_ha_run_notify(sg->notify, "GROUP", &sg->name, g->state, 0);
        }
    }
}


/* ---- the state file ---- */


/*
 * One line per instance, rewritten at each transition through a
 * temporary file and rename(), so a reader never sees half of it:
 *
 *     VI_1 MASTER vrid 51 interface eth0 priority 100 effective 100
 */
static void
hx_ha_state_file(void)
{
    int          fd;
    char         tmp[4096 + 8];
    uint8_t      buf[8192], *p, *last;
    hx_queue_t  *q;
    hx_ha_vr_t  *vr;

    if (hx_ha_state_path == NULL) {
        return;
    }

    p = buf;
    last = buf + sizeof(buf);

    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = hx_queue_next(q))
    {
        vr = hx_queue_data(q, hx_ha_vr_t, queue);

        p = hx_slprintf(p, last, "%V %s vrid %i interface %V priority %i "
                        "effective %ui\n", &vr->conf->name,
                        hx_vrrp_state_name(vr->fsm.state), vr->conf->vrid,
                        &vr->conf->interface, vr->conf->priority,
                        vr->fsm.priority);
    }

    if (hx_strlen(hx_ha_state_path) > 4096) {
        return;
    }

    (void) snprintf(tmp, sizeof(tmp), "%s.tmp", hx_ha_state_path);

    fd = open(tmp, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644);
    if (fd == -1) {
        hx_log_error(HX_LOG_ERR, &hx_ha_log, hx_errno,
                     "open() \"%s\" failed", tmp);
        return;
    }

    if (hx_write_fd(fd, buf, p - buf) != p - buf) {
        hx_log_error(HX_LOG_ERR, &hx_ha_log, hx_errno,
                     "write() \"%s\" failed", tmp);
        (void) close(fd);
        return;
    }

    (void) close(fd);

    if (rename(tmp, hx_ha_state_path) == -1) {
        hx_log_error(HX_LOG_ERR, &hx_ha_log, hx_errno,
                     "rename() \"%s\" failed", tmp);
    }
}


/* ---- hanx -t ---- */


void
hx_ha_vrrp_test_config(hx_cycle_t *cycle)
{
    hx_uint_t                 i, j, k, in;
    hx_ha_if_t                ifr;
    hx_ha_vip_t              *vip;
    hx_ha_vrrp_conf_t       **vrp, *vr;
    hx_ha_vrrp_main_conf_t   *vmcf;
    uint8_t                  *net;
    uint32_t                  a, b;
    hx_uint_t                 plen;

    vmcf = hx_ha_cycle_get_main_conf(cycle, &hx_ha_vrrp_module);
    if (vmcf == NULL) {
        return;
    }

    vrp = vmcf->instances.elts;

    for (i = 0; i < vmcf->instances.nelts; i++) {
        vr = vrp[i];

        hx_memzero(&ifr, sizeof(ifr));
        (void) hx_cpystrn((uint8_t *) ifr.name, vr->interface.data,
                          hx_min(vr->interface.len + 1, IFNAMSIZ));
        hx_ha_if_refresh(&ifr, cycle->log);

        if (ifr.index == 0) {
            hx_log_error(HX_LOG_WARN, cycle->log, 0,
                         "interface \"%V\" of vrrp_instance \"%V\" does not "
                         "exist on this host in %V:%ui", &vr->interface,
                         &vr->name, &vr->pos.file, vr->pos.line);
            continue;
        }

        if (vr->family != AF_INET || vr->vips == NULL || ifr.naddrs4 == 0) {
            continue;
        }

        vip = vr->vips->elts;

        for (j = 0; j < vr->vips->nelts; j++) {
            if (vip[j].dev.len && !hx_str_eq(&vip[j].dev, &vr->interface)) {
                continue;
            }

            in = 0;

            for (k = 0; k < ifr.naddrs4; k++) {
                net = ifr.addrs4[k];
                plen = ifr.prefix4[k];

                if (plen == 32 || hx_memcmp(net, vip[j].addr.addr, 4) == 0) {
                    continue;
                }

                hx_memcpy(&a, net, 4);
                hx_memcpy(&b, vip[j].addr.addr, 4);

                if (plen == 0 || (ntohl(a) ^ ntohl(b)) >> (32 - plen) == 0) {
                    in = 1;
                    break;
                }
            }

            if (!in) {
                hx_log_error(HX_LOG_WARN, cycle->log, 0,
                             "virtual address %V of vrrp_instance \"%V\" is "
                             "outside every subnet of %V: hosts on %V will "
                             "not reach it without a route in %V:%ui",
                             &vip[j].addr.text, &vr->name, &vr->interface,
                             &vr->interface, &vip[j].pos.file,
                             vip[j].pos.line);
            }
        }
    }
}

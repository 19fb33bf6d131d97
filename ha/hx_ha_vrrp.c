/*
 * The VRRP runtime in the master: configurations coming and going.
 *
 * hx_ha_vrrp_start() runs when the master's loop starts, hx_ha_vrrp_stop()
 * when it ends.  Everything the runtime holds is allocated outside any
 * cycle.  The configuration an instance reads is the ha {} block's own
 * pool, which this runtime takes over when the cycle is in force and
 * frees when the next configuration replaces it, after every running
 * instance has been matched: an instance whose (interface,
 * virtual_router_id, family) is unchanged keeps its state and its VIPs,
 * the rest stop (priority 0) or start.  The master switches cycles
 * outside module hooks, so a reload is noticed by init_module and
 * applied from a zero-delay timer once hx_cycle is the new cycle; a
 * reload that fails never becomes hx_cycle and is dropped.
 *
 * A binary upgrade (USR2) hands the instances over: the new binary finds
 * the VIPs of the old one's masters on their interfaces and starts those
 * instances as MASTER at once, and the old binary, seeing it has a
 * successor, leaves without resigning.
 *
 * Logs go through hx_ha_log and per-instance logs whose writer forwards
 * each line to the current cycle's log: these objects outlive every
 * cycle, while a cycle's log does not.  The running instances are in
 * hx_ha_vrrp_instance.c, the scripts in hx_ha_script.c.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_process.h>
#include <hx_ha.h>
#include <hx_ha_runtime.h>


static hx_int_t hx_ha_vrrp_apply(hx_cycle_t *cycle);
static void hx_ha_apply_state_path(hx_cycle_t *cycle);
static void hx_ha_apply_scripts(hx_ha_vrrp_main_conf_t *vmcf);
static void hx_ha_apply_groups(hx_ha_vrrp_main_conf_t *vmcf);
static hx_int_t hx_ha_apply_instances(hx_ha_vrrp_main_conf_t *vmcf);
static void hx_ha_apply_timers(void);
static void hx_ha_vrrp_apply_handler(hx_event_t *ev);
static void hx_ha_start_handler(hx_event_t *ev);
static void hx_ha_workers_handler(hx_event_t *ev);
static hx_uint_t hx_ha_workers_serving(void);


hx_queue_t                  hx_ha_vrs;
hx_queue_t                  hx_ha_scripts;
hx_queue_t                  hx_ha_groups;
hx_ha_main_conf_t          *hx_ha_hmcf;
hx_log_t                    hx_ha_log;
hx_uint_t                   hx_ha_workers_up;

static hx_uint_t            hx_ha_started;
static hx_uint_t            hx_ha_addr_ready;
static hx_pool_t           *hx_ha_pool;
static hx_cycle_t          *hx_ha_cycle;
static hx_cycle_t          *hx_ha_pending;
static hx_event_t           hx_ha_apply_ev;
static hx_event_t           hx_ha_start_ev;
static hx_event_t           hx_ha_workers_ev;
static hx_uint_t            hx_ha_first;
static char                *hx_ha_state_path;


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
    hx_pool_t               *pool, *old_pool;
    hx_ha_vrrp_main_conf_t  *vmcf;

    hx_ha_log_refresh();

    pool = hx_ha_cycle_pool(cycle);
    vmcf = pool ? hx_ha_cycle_get_main_conf(cycle, &hx_ha_vrrp_module) : NULL;

    if (pool) {
        (void) hx_ha_take_pool(cycle);
        pool->log = &hx_ha_log;
    }

    /* the sockets only when there is VRRP to run: no root needed else */
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

    hx_ha_apply_state_path(cycle);
    hx_ha_apply_scripts(vmcf);
    hx_ha_apply_groups(vmcf);

    if (hx_ha_apply_instances(vmcf) != HX_OK && old_pool == NULL) {
        /* the first start: refuse to run half of the configuration */
        return HX_ERROR;
    }

    hx_ha_apply_timers();

    if (old_pool) {
        hx_ha_free_pool(old_pool);
    }

    hx_ha_state_file();

    return HX_OK;
}


/* vrrp_state_file, resolved against the prefix; "off" means none */
static void
hx_ha_apply_state_path(hx_cycle_t *cycle)
{
    uint8_t   *p;
    hx_str_t   name;

    if (hx_ha_state_path) {
        hx_free(hx_ha_state_path);
        hx_ha_state_path = NULL;
    }

    if (hx_ha_hmcf == NULL
        || hx_strcmp(hx_ha_hmcf->state_file.data, "off") == 0)
    {
        return;
    }

    name = hx_ha_hmcf->state_file;
    hx_ha_state_path = hx_alloc(cycle->prefix.len + name.len + 1,
                                &hx_ha_log);
    if (hx_ha_state_path == NULL) {
        return;
    }

    p = (uint8_t *) hx_ha_state_path;

    if (name.data[0] != '/') {
        p = hx_cpymem(p, cycle->prefix.data, cycle->prefix.len);
    }

    p = hx_cpymem(p, name.data, name.len);
    *p = '\0';
}


/* scripts are kept by name and command, so their results survive */
static void
hx_ha_apply_scripts(hx_ha_vrrp_main_conf_t *vmcf)
{
    hx_uint_t              i, found;
    hx_queue_t            *q, old;
    hx_ha_script_t        *sc;
    hx_ha_script_conf_t  **scp;

    hx_queue_init(&old);

    while (!hx_queue_empty(&hx_ha_scripts)) {
        q = hx_queue_head(&hx_ha_scripts);
        hx_queue_remove(q);
        hx_queue_insert_tail(&old, q);
    }

    scp = vmcf ? vmcf->scripts.elts : NULL;

    for (i = 0; vmcf && i < vmcf->scripts.nelts; i++) {
        found = 0;

        for (q = hx_queue_head(&old);
             q != hx_queue_sentinel(&old);
             q = hx_queue_next(q))
        {
            sc = hx_queue_data(q, hx_ha_script_t, queue);

            if (hx_str_eq(&sc->conf->name, &scp[i]->name)
                && hx_str_eq(&sc->conf->script->text,
                             &scp[i]->script->text))
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

    while (!hx_queue_empty(&old)) {
        q = hx_queue_head(&old);
        hx_queue_remove(q);
        hx_queue_insert_tail(&hx_ha_scripts, q);
        hx_ha_script_stop(hx_queue_data(q, hx_ha_script_t, queue));
    }
}


/* sync groups are kept by name, so their last state is remembered */
static void
hx_ha_apply_groups(hx_ha_vrrp_main_conf_t *vmcf)
{
    hx_uint_t            i, n;
    hx_queue_t          *q, *next;
    hx_ha_group_t       *g;
    hx_ha_sync_conf_t  **sgp;

    n = vmcf ? vmcf->groups.nelts : 0;
    sgp = vmcf ? vmcf->groups.elts : NULL;

    for (q = hx_queue_head(&hx_ha_groups);
         q != hx_queue_sentinel(&hx_ha_groups);
         q = next)
    {
        next = hx_queue_next(q);
        g = hx_queue_data(q, hx_ha_group_t, queue);

        for (i = 0; i < n; i++) {
            if (hx_str_eq(&g->conf->name, &sgp[i]->name)) {
                break;
            }
        }

        if (i == n) {
            hx_queue_remove(q);
            hx_free(g);
            continue;
        }

        g->conf = sgp[i];
    }

    for (i = 0; i < n; i++) {

        for (q = hx_queue_head(&hx_ha_groups);
             q != hx_queue_sentinel(&hx_ha_groups);
             q = hx_queue_next(q))
        {
            g = hx_queue_data(q, hx_ha_group_t, queue);

            if (g->conf == sgp[i]) {
                break;
            }
        }

        if (q != hx_queue_sentinel(&hx_ha_groups)) {
            continue;
        }

        g = hx_calloc(sizeof(hx_ha_group_t), &hx_ha_log);
        if (g) {
            g->conf = sgp[i];
            g->state = HX_VRRP_INIT;
            hx_queue_insert_tail(&hx_ha_groups, &g->queue);
        }
    }
}


/*
 * Running instances whose identity (interface, virtual_router_id,
 * family) is in the new configuration keep their state; the others
 * resign.  Instances new to it are created (they start on the loop's
 * next turn).  HX_ERROR when one could not be created.
 */
static hx_int_t
hx_ha_apply_instances(hx_ha_vrrp_main_conf_t *vmcf)
{
    hx_int_t             rc;
    hx_uint_t            i, n;
    hx_queue_t          *q, *next;
    hx_ha_vr_t          *vr;
    hx_ha_vrrp_conf_t  **vrp;

    n = vmcf ? vmcf->instances.nelts : 0;
    vrp = vmcf ? vmcf->instances.elts : NULL;

    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = next)
    {
        next = hx_queue_next(q);
        vr = hx_queue_data(q, hx_ha_vr_t, queue);

        for (i = 0; i < n; i++) {
            if (vrp[i]->vrid == vr->conf->vrid
                && vrp[i]->family == vr->family
                && hx_str_eq(&vrp[i]->interface, &vr->conf->interface))
            {
                break;
            }
        }

        if (i < n) {
            hx_ha_vr_update(vr, vrp[i]);
            continue;
        }

        hx_log_error(HX_LOG_NOTICE, &vr->log, 0,
                     "(%V) is no longer configured, stopping",
                     &vr->conf->name);

        hx_ha_vr_stop(vr);
        hx_ha_vr_free(vr);
    }

    rc = HX_OK;

    for (i = 0; i < n; i++) {

        for (q = hx_queue_head(&hx_ha_vrs);
             q != hx_queue_sentinel(&hx_ha_vrs);
             q = hx_queue_next(q))
        {
            vr = hx_queue_data(q, hx_ha_vr_t, queue);

            if (vr->conf == vrp[i]) {
                break;
            }
        }

        if (q != hx_queue_sentinel(&hx_ha_vrs)) {
            continue;
        }

        vr = hx_ha_vr_create(vrp[i]);

        if (vr == NULL) {
            rc = HX_ERROR;
            continue;
        }

        hx_queue_insert_tail(&hx_ha_vrs, &vr->queue);
    }

    return rc;
}


/*
 * Scripts nobody tracks stop, the others run from now; new instances
 * start from the loop's next turn: sync groups then see every member,
 * and the workers the master starts after init_master already exist for
 * track_workers.
 */
static void
hx_ha_apply_timers(void)
{
    hx_uint_t            i;
    hx_queue_t          *q, *next;
    hx_ha_vr_t          *vr;
    hx_ha_track_t       *t;
    hx_ha_script_t      *sc;
    hx_ha_vrrp_conf_t   *conf;

    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = hx_queue_next(q))
    {
        vr = hx_queue_data(q, hx_ha_vr_t, queue);
        conf = vr->conf;

        if (conf->track_workers != HX_CONF_UNSET
            && !hx_ha_workers_ev.timer_set)
        {
            hx_event_add_timer(&hx_ha_workers_ev, 500);
        }

        if (conf->track_scripts == NULL) {
            continue;
        }

        t = conf->track_scripts->elts;

        for (i = 0; i < conf->track_scripts->nelts; i++) {
            sc = hx_ha_script_find(&t[i].name);
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

    if (!hx_ha_start_ev.timer_set) {
        hx_event_add_timer(&hx_ha_start_ev, 0);
    }
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


void
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
void
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


/* ---- the state file ---- */


/*
 * One line per instance, rewritten at each transition through a
 * temporary file and rename(), so a reader never sees half of it:
 *
 *     VI_1 MASTER vrid 51 interface eth0 priority 100 effective 100
 */
void
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

/*
 * The real_server checkers of virtual_server blocks, run by the master
 * (DESIGN.md "virtual_server without IPVS").
 *
 * Every TCP_CHECK of every real_server becomes one prober of the shared
 * checker (event/hx_health_check.c) in the master's event loop: a
 * non-blocking connect every delay_loop, given connect_timeout.  keepalived
 * takes a real server out after "retry" further failed attempts; here a
 * prober needs retry + 1 failures in a row, one per delay_loop (the shared
 * checker has one interval, so delay_before_retry is not honoured
 * separately).  Several checkers on one real server vote: it is in
 * service only while all of them pass.
 *
 * A verdict goes into the virtual server's upstream zone, so every worker
 * sees it on its next connection: hx_upstream_peer_set_down(), or with
 * inhibit_on_failure hx_upstream_peer_set_weight() 0 (the server keeps its
 * place in the hashing tables but gets nothing).  Transitions are logged
 * in keepalived's words ("TCP connection to [10.0.0.2]:tcp:80 failed.",
 * "Removing service [10.0.0.2]:tcp:80 from VS [10.0.0.1]:tcp:80").
 *
 * As for stream's health_check: the checks of a configuration run while
 * it is in force; a reload stops them when the new configuration is read
 * and a zero timer starts those of whichever cycle is then in force.
 * The new cycle's zones are new (upstream zones are not reused), so its
 * real servers start in service until their checks say otherwise.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_ha.h>
#include <hx_health_check.h>
#include "hx_ha_virtual_server.h"


/* a real server and the checkers that vote on it */
typedef struct {
    hx_ha_vs_conf_t          *vs;
    hx_ha_rs_conf_t          *rs;
    hx_upstream_peer_t       *peer;
    hx_uint_t                 votes;        /* checkers saying "down" */
} hx_ha_check_rs_t;


typedef struct {
    hx_health_check_t         hc;
    hx_health_check_conf_t    conf;
    hx_ha_check_conf_t       *ck;
    hx_ha_check_rs_t         *rs;
    hx_log_t                  log;
} hx_ha_check_target_t;


typedef struct {
    hx_pool_t                *pool;
    hx_array_t                targets;      /* hx_ha_check_target_t * */
} hx_ha_check_runtime_t;


static hx_int_t hx_ha_check_start(hx_cycle_t *cycle);
static hx_int_t hx_ha_check_add(hx_ha_check_runtime_t *rt,
    hx_ha_vs_conf_t *vs, hx_ha_rs_conf_t *rs);
static void hx_ha_check_stop(void);
static void hx_ha_check_verdict(hx_health_check_t *hc, hx_uint_t up);
static void hx_ha_check_apply_handler(hx_event_t *ev);
static hx_int_t hx_ha_check_init_module(hx_cycle_t *cycle);
static hx_int_t hx_ha_check_init_master(hx_cycle_t *cycle);
static hx_int_t hx_ha_check_init_process(hx_cycle_t *cycle);
static void hx_ha_check_exit_master(hx_cycle_t *cycle);


static hx_ha_module_t  hx_ha_check_module_ctx = {
    NULL,
    NULL
};


hx_module_t  hx_ha_check_module = {
    HX_MODULE_V1,
    "hx_ha_check_module",
    &hx_ha_check_module_ctx,
    NULL,
    HX_HA_MODULE,
    hx_ha_check_init_module,             /* init module */
    hx_ha_check_init_master,             /* init master */
    hx_ha_check_init_process,            /* init process */
    NULL,                                /* exit process */
    hx_ha_check_exit_master              /* exit master */
};


/* the master's checks, outside any cycle: they outlive a failed reload */
static hx_ha_check_runtime_t  *hx_ha_check_runtime;
static hx_uint_t               hx_ha_check_started;
static hx_event_t              hx_ha_check_apply_event;
static hx_log_t                hx_ha_check_log;
static hx_log_t                hx_ha_check_null_log;


static hx_int_t
hx_ha_check_start(hx_cycle_t *cycle)
{
    hx_uint_t               i, j;
    hx_pool_t              *pool;
    hx_ha_rs_conf_t        *rs;
    hx_ha_vs_conf_t       **vsp;
    hx_ha_vs_main_conf_t   *vmcf;
    hx_ha_check_runtime_t  *rt;

    vmcf = hx_ha_vs_cycle_conf(cycle);

    if (vmcf == NULL) {
        return HX_OK;
    }

    hx_ha_check_log = *cycle->log;

    pool = hx_create_pool(4096, &hx_ha_check_log);
    if (pool == NULL) {
        return HX_ERROR;
    }

    rt = hx_pcalloc(pool, sizeof(hx_ha_check_runtime_t));

    if (rt == NULL
        || hx_array_init(&rt->targets, pool, 8, sizeof(void *)) != HX_OK)
    {
        hx_destroy_pool(pool);
        return HX_ERROR;
    }

    rt->pool = pool;
    hx_ha_check_runtime = rt;

    vsp = vmcf->servers.elts;

    for (i = 0; i < vmcf->servers.nelts; i++) {
        rs = vsp[i]->real_servers.elts;

        for (j = 0; j < vsp[i]->real_servers.nelts; j++) {
            if (hx_ha_check_add(rt, vsp[i], &rs[j]) != HX_OK) {
                hx_ha_check_stop();
                return HX_ERROR;
            }
        }
    }

    hx_log_error(HX_LOG_NOTICE, &hx_ha_check_log, 0,
                 "real server checks started: %ui checkers",
                 rt->targets.nelts);

    return HX_OK;
}


static hx_int_t
hx_ha_check_add(hx_ha_check_runtime_t *rt, hx_ha_vs_conf_t *vs,
    hx_ha_rs_conf_t *rs)
{
    hx_uint_t              i;
    hx_ha_check_rs_t      *crs;
    hx_ha_check_conf_t    *ck;
    hx_upstream_peer_t    *peer;
    hx_ha_check_target_t  *t, **tp;

    if (rs->checks->nelts == 0) {
        return HX_OK;
    }

    peer = hx_upstream_find_peer(&vs->upstream, rs->addr.sockaddr,
                                 rs->addr.socklen);
    if (peer == NULL) {
        return HX_OK;
    }

    crs = hx_pcalloc(rt->pool, sizeof(hx_ha_check_rs_t));
    if (crs == NULL) {
        return HX_ERROR;
    }

    crs->vs = vs;
    crs->rs = rs;
    crs->peer = peer;

    ck = rs->checks->elts;

    for (i = 0; i < rs->checks->nelts; i++) {
        t = hx_pcalloc(rt->pool, sizeof(hx_ha_check_target_t));
        tp = hx_array_push(&rt->targets);

        if (t == NULL || tp == NULL) {
            return HX_ERROR;
        }

        *tp = t;

        t->ck = &ck[i];
        t->rs = crs;

        t->conf.type = HX_HEALTH_CHECK_TCP;
        t->conf.interval = ck[i].delay_loop;
        t->conf.timeout = ck[i].connect_timeout;
        t->conf.fails = ck[i].retry + 1;
        t->conf.passes = 1;
        t->conf.port = hx_inet_get_port(ck[i].connect.sockaddr);
        t->conf.local = ck[i].bind.sockaddr ? &ck[i].bind : NULL;

        t->log = hx_ha_check_log;
        t->log.action = "checking a real server";

        t->hc.conf = &t->conf;
        t->hc.sockaddr = ck[i].connect.sockaddr;
        t->hc.socklen = ck[i].connect.socklen;
        t->hc.name = ck[i].connect.name;
        t->hc.log = &t->log;
        t->hc.handler = hx_ha_check_verdict;
        t->hc.data = t;

        /* a server a kept zone already has down stays down until it passes */
        t->hc.up = !(peer->hc_down || peer->inhibited);

        if (!t->hc.up) {
            crs->votes++;
        }

        if (hx_health_check_start(&t->hc, ck[i].warmup) != HX_OK) {
            return HX_ERROR;
        }
    }

    return HX_OK;
}


static void
hx_ha_check_stop(void)
{
    hx_uint_t                i;
    hx_ha_check_target_t   **t;
    hx_ha_check_runtime_t   *rt;

    rt = hx_ha_check_runtime;

    if (rt == NULL) {
        return;
    }

    t = rt->targets.elts;

    for (i = 0; i < rt->targets.nelts; i++) {
        hx_health_check_stop(&t[i]->hc);
    }

    hx_ha_check_runtime = NULL;

    hx_destroy_pool(rt->pool);
}


/* a checker changed its mind: the vote goes to the zone */
static void
hx_ha_check_verdict(hx_health_check_t *hc, hx_uint_t up)
{
    hx_uint_t              was, now;
    hx_ha_check_rs_t      *crs;
    hx_ha_check_target_t  *t;

    t = hc->data;
    crs = t->rs;

    was = (crs->votes == 0);

    if (up) {
        if (crs->votes) {
            crs->votes--;
        }

    } else {
        crs->votes++;
    }

    now = (crs->votes == 0);

    if (up) {
        hx_log_error(HX_LOG_NOTICE, hc->log, 0,
                     "TCP connection to %V success.", &hc->name);

    } else {
        hx_log_error(HX_LOG_WARN, hc->log, 0,
                     "TCP connection to %V failed.", &hc->name);
    }

    if (was == now) {
        return;
    }

    if (crs->rs->inhibit_on_failure) {
        hx_upstream_peer_set_weight(&crs->vs->upstream, crs->peer,
                                    now ? -1 : 0);

    } else {
        hx_upstream_peer_set_down(&crs->vs->upstream, crs->peer, !now);
    }

    hx_log_error(HX_LOG_NOTICE, hc->log, 0, "%s service %V %s VS %V",
                 now ? (crs->rs->inhibit_on_failure ? "Enabling" : "Adding")
                     : (crs->rs->inhibit_on_failure ? "Disabling"
                                                    : "Removing"),
                 &crs->rs->text, now ? "to" : "from", &crs->vs->text);
}


static void
hx_ha_check_apply_handler(hx_event_t *ev)
{
    hx_cycle_t  *cycle;

    (void) ev;

    cycle = (hx_cycle_t *) hx_cycle;

    if (hx_ha_check_runtime) {
        return;
    }

    if (hx_ha_check_start(cycle) != HX_OK) {
        hx_log_error(HX_LOG_ALERT, cycle->log, 0,
                     "real server checks could not start");
    }
}


/* a reload was read: the running checks point into the old cycle */
static hx_int_t
hx_ha_check_init_module(hx_cycle_t *cycle)
{
    (void) cycle;

    if (hx_test_config || !hx_ha_check_started
        || (hx_process != HX_PROCESS_MASTER
            && hx_process != HX_PROCESS_SINGLE))
    {
        return HX_OK;
    }

    hx_ha_check_stop();

    hx_ha_check_apply_event.handler = hx_ha_check_apply_handler;
    hx_ha_check_apply_event.log = &hx_ha_check_null_log;
    hx_ha_check_apply_event.cancelable = 1;

    if (!hx_ha_check_apply_event.timer_set) {
        hx_add_timer(&hx_ha_check_apply_event, 0);
    }

    return HX_OK;
}


static hx_int_t
hx_ha_check_init_master(hx_cycle_t *cycle)
{
    hx_ha_check_started = 1;

    return hx_ha_check_start(cycle);
}


/* a worker holds copies of the probes' sockets: they are the master's */
static hx_int_t
hx_ha_check_init_process(hx_cycle_t *cycle)
{
    hx_uint_t                i;
    hx_ha_check_target_t   **t;

    (void) cycle;

    if (hx_process != HX_PROCESS_WORKER || hx_ha_check_runtime == NULL) {
        return HX_OK;
    }

    t = hx_ha_check_runtime->targets.elts;

    for (i = 0; i < hx_ha_check_runtime->targets.nelts; i++) {
        hx_health_check_forget(&t[i]->hc);
    }

    hx_ha_check_runtime = NULL;
    hx_ha_check_started = 0;

    return HX_OK;
}


static void
hx_ha_check_exit_master(hx_cycle_t *cycle)
{
    (void) cycle;

    if (hx_ha_check_apply_event.timer_set) {
        hx_del_timer(&hx_ha_check_apply_event);
    }

    hx_ha_check_stop();

    hx_ha_check_started = 0;
}

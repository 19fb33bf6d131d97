/*
 * The real_server checkers of virtual_server blocks, run by the master
 * (DESIGN.md "virtual_server without IPVS").
 *
 * Every TCP_CHECK, UDP_CHECK, PING_CHECK, MISC_CHECK, url of an HTTP_GET
 * or SSL_GET and host of an SMTP_CHECK (the real server when it has none)
 * becomes one prober of the shared checker (event/hx_health_check.c) in
 * the master's event loop: a non-blocking connect (and HTTP exchange,
 * over TLS for SSL_GET, or SMTP dialogue), a datagram, an ICMP echo,
 * every delay_loop, given connect_timeout, or a script
 * (hx_ha_check_misc.c).  keepalived takes a real server out after
 * "retry" further failed attempts, each delay_before_retry after the
 * last; here a prober needs retry + 1 failures in a row, and the shared
 * checker's retry interval is delay_before_retry.  Several probers on one
 * real server vote: it is in service only while all of them pass, so
 * every url of an HTTP_GET must pass.
 *
 * A verdict goes into the virtual server's upstream zone, so every worker
 * sees it on its next connection: hx_upstream_peer_set_down(), or with
 * inhibit_on_failure hx_upstream_peer_set_weight() 0 (the server keeps its
 * place in the hashing tables but gets nothing).  Transitions are logged
 * in keepalived's words ("TCP connection to [10.0.0.2]:tcp:80 failed.",
 * "Removing service [10.0.0.2]:tcp:80 from VS [10.0.0.1]:tcp:80"), run
 * the real server's notify_up / notify_down and update the virtual
 * server's quorum (hx_ha_check_quorum.c).  With alpha a real server
 * starts out of service until its checks pass; with omega, stopping runs
 * the notify_down of the live ones and quorum_down.  With ha_suspend the
 * checks of a virtual server run only while a VRRP instance of this node
 * holds its address (hx_ha_check_vips_changed()).
 *
 * As for stream's health_check: the checks of a configuration run while
 * it is in force; a reload stops them when the new configuration is read
 * and a zero timer starts those of whichever cycle is then in force.
 * The new cycle's zones are new (upstream zones are not reused), so its
 * real servers start in service (unless alpha) until their checks say
 * otherwise.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_ha.h>
#include <hx_ha_runtime.h>
#include "hx_ha_check.h"
#include "hx_ha_static.h"


typedef struct {
    hx_pool_t                *pool;
    hx_array_t                vss;          /* hx_ha_check_vs_t * */
    hx_uint_t                 ntargets;
} hx_ha_check_runtime_t;


static hx_int_t hx_ha_check_start(hx_cycle_t *cycle);
static hx_int_t hx_ha_check_add_vs(hx_ha_check_runtime_t *rt,
    hx_ha_vs_conf_t *vs);
static hx_int_t hx_ha_check_add_rs(hx_ha_check_runtime_t *rt,
    hx_ha_check_vs_t *cvs, hx_ha_rs_conf_t *rs);
static hx_int_t hx_ha_check_add_target(hx_ha_check_runtime_t *rt,
    hx_ha_check_rs_t *crs, hx_ha_check_conf_t *ck, hx_ha_check_url_t *url);
static void hx_ha_check_net_init(hx_ha_check_target_t *t);
static void hx_ha_check_run_vs(hx_ha_check_vs_t *cvs, hx_uint_t run);
static hx_uint_t hx_ha_check_vip_held(hx_ha_vs_conf_t *vs);
static hx_uint_t hx_ha_check_addr_held(hx_addr_t *addr);
static void hx_ha_check_stop(hx_uint_t omega);
static hx_int_t hx_ha_check_copy_str(hx_pool_t *pool, hx_str_t *dst,
    hx_str_t *src);
static void hx_ha_check_verdict(hx_health_check_t *hc, hx_uint_t up);
static void hx_ha_check_log_probe(hx_ha_check_target_t *t, hx_uint_t up);
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
/* a worker's inherited checks; volatile: nothing reads it, the store stays */
static hx_ha_check_runtime_t  *volatile hx_ha_check_inherited;
static hx_uint_t               hx_ha_check_started;
static hx_event_t              hx_ha_check_apply_event;
static hx_log_t                hx_ha_check_log;
static hx_log_t                hx_ha_check_null_log;


static hx_int_t
hx_ha_check_start(hx_cycle_t *cycle)
{
    hx_uint_t               i;
    hx_pool_t              *pool;
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
        || hx_array_init(&rt->vss, pool, 4, sizeof(void *)) != HX_OK)
    {
        hx_destroy_pool(pool);
        return HX_ERROR;
    }

    rt->pool = pool;
    hx_ha_check_runtime = rt;

    vsp = vmcf->servers.elts;

    for (i = 0; i < vmcf->servers.nelts; i++) {
        if (hx_ha_check_add_vs(rt, vsp[i]) != HX_OK) {
            hx_ha_check_stop(0);
            return HX_ERROR;
        }
    }

    hx_log_error(HX_LOG_NOTICE, &hx_ha_check_log, 0,
                 "real server checks started: %ui checkers", rt->ntargets);

    return HX_OK;
}


static hx_int_t
hx_ha_check_add_vs(hx_ha_check_runtime_t *rt, hx_ha_vs_conf_t *vs)
{
    hx_uint_t           i;
    hx_ha_rs_conf_t    *rs;
    hx_ha_check_vs_t   *cvs, **cvsp;

    cvs = hx_pcalloc(rt->pool, sizeof(hx_ha_check_vs_t));
    cvsp = hx_array_push(&rt->vss);

    if (cvs == NULL || cvsp == NULL
        || hx_array_init(&cvs->rss, rt->pool, 4, sizeof(void *)) != HX_OK
        || hx_array_init(&cvs->targets, rt->pool, 4, sizeof(void *))
           != HX_OK)
    {
        return HX_ERROR;
    }

    *cvsp = cvs;

    cvs->vs = vs;
    cvs->log = &hx_ha_check_log;

    /* keepalived starts with quorum; alpha may lose it at once */
    cvs->quorum_up = 1;

    if (vs->omega) {
        cvs->omega = 1;
        cvs->omega_down = hx_ha_check_copy_cmd(rt->pool, vs->quorum_down_cmd);
    }

    rs = vs->real_servers.elts;

    for (i = 0; i < vs->real_servers.nelts; i++) {
        if (hx_ha_check_add_rs(rt, cvs, &rs[i]) != HX_OK) {
            return HX_ERROR;
        }
    }

    hx_ha_check_quorum(cvs);

    if (vs->ha_suspend && !hx_ha_check_vip_held(vs)) {
        cvs->suspended = 1;

        hx_log_error(HX_LOG_NOTICE, &hx_ha_check_log, 0,
                     "checks of VS %V suspended: its address is not held "
                     "by this node", &vs->text);
        return HX_OK;
    }

    hx_ha_check_run_vs(cvs, 1);

    return HX_OK;
}


static hx_int_t
hx_ha_check_add_rs(hx_ha_check_runtime_t *rt, hx_ha_check_vs_t *cvs,
    hx_ha_rs_conf_t *rs)
{
    hx_uint_t              i, j;
    hx_ha_check_rs_t      *crs, **crsp;
    hx_ha_check_url_t     *url;
    hx_ha_check_conf_t    *ck, *host;
    hx_upstream_peer_t    *peer;

    peer = hx_upstream_find_peer(&cvs->vs->upstream, rs->addr.sockaddr,
                                 rs->addr.socklen);
    if (peer == NULL) {
        return HX_OK;
    }

    crs = hx_pcalloc(rt->pool, sizeof(hx_ha_check_rs_t));
    crsp = hx_array_push(&cvs->rss);

    if (crs == NULL || crsp == NULL) {
        return HX_ERROR;
    }

    *crsp = crs;

    crs->cvs = cvs;
    crs->rs = rs;
    crs->peer = peer;
    crs->weight = rs->weight;

    if (cvs->omega) {
        crs->omega_down = hx_ha_check_copy_cmd(rt->pool, rs->notify_down_cmd);
    }

    ck = rs->checks->elts;

    for (i = 0; i < rs->checks->nelts; i++) {

        if (ck[i].hosts) {

            /* SMTP_CHECK's host { }s: one prober each, all must pass */

            host = ck[i].hosts->elts;

            for (j = 0; j < ck[i].hosts->nelts; j++) {
                if (hx_ha_check_add_target(rt, crs, &host[j], NULL) != HX_OK)
                {
                    return HX_ERROR;
                }
            }

            continue;
        }

        if (ck[i].urls == NULL) {
            if (hx_ha_check_add_target(rt, crs, &ck[i], NULL) != HX_OK) {
                return HX_ERROR;
            }

            continue;
        }

        url = ck[i].urls->elts;

        for (j = 0; j < ck[i].urls->nelts; j++) {
            if (hx_ha_check_add_target(rt, crs, &ck[i], &url[j]) != HX_OK) {
                return HX_ERROR;
            }
        }
    }

    crs->alive = (crs->votes == 0);

    /* alpha, or a server a kept zone already has down */
    if (!crs->alive) {
        hx_ha_check_apply(crs);
    }

    return HX_OK;
}


static hx_int_t
hx_ha_check_add_target(hx_ha_check_runtime_t *rt, hx_ha_check_rs_t *crs,
    hx_ha_check_conf_t *ck, hx_ha_check_url_t *url)
{
    hx_ha_check_target_t  *t, **tp;

    t = hx_pcalloc(rt->pool, sizeof(hx_ha_check_target_t));
    tp = hx_array_push(&crs->cvs->targets);

    if (t == NULL || tp == NULL) {
        return HX_ERROR;
    }

    *tp = t;
    rt->ntargets++;

    t->ck = ck;
    t->url = url;
    t->rs = crs;

    t->conf.interval = ck->delay_loop;
    t->conf.retry_interval = ck->delay_before_retry;
    t->conf.fails = ck->retry + 1;
    t->conf.passes = 1;

    t->log = hx_ha_check_log;
    t->log.action = "checking a real server";

    t->hc.conf = &t->conf;
    t->hc.sockaddr = ck->connect.sockaddr;
    t->hc.socklen = ck->connect.socklen;
    t->hc.name = ck->connect.name;
    t->hc.log = &t->log;
    t->hc.handler = hx_ha_check_verdict;
    t->hc.data = t;

    if (ck->type == HX_HA_CHECK_MISC) {
        hx_ha_check_misc_init(t);

    } else {
        hx_ha_check_net_init(t);
    }

    /* alpha: out of service until the check passes */
    t->hc.up = !(crs->peer->hc_down || crs->peer->inhibited
                 || crs->cvs->vs->alpha);

    if (!t->hc.up) {
        crs->votes++;
    }

    return HX_OK;
}


static void
hx_ha_check_net_init(hx_ha_check_target_t *t)
{
    hx_ha_check_conf_t  *ck = t->ck;

    t->conf.type = HX_HEALTH_CHECK_TCP;
    t->conf.timeout = ck->connect_timeout;
    t->conf.port = hx_inet_get_port(ck->connect.sockaddr);
    t->conf.local = ck->bind.sockaddr ? &ck->bind : NULL;

    switch (ck->type) {

    case HX_HA_CHECK_UDP:
        t->conf.type = HX_HEALTH_CHECK_UDP;
        t->conf.send = ck->payload;
        t->conf.reply = ck->require_reply;
        t->conf.expect = ck->reply;
        return;

    case HX_HA_CHECK_PING:
        t->conf.type = HX_HEALTH_CHECK_ICMP;
        return;

    case HX_HA_CHECK_SMTP:
        t->conf.type = HX_HEALTH_CHECK_SMTP;
        t->conf.helo = ck->helo_name;
        return;
    }

    if (t->url == NULL) {
        return;
    }

    t->conf.type = HX_HEALTH_CHECK_HTTP;
    t->conf.ssl = (ck->type == HX_HA_CHECK_SSL);
    t->conf.uri = t->url->path;
    t->conf.host = t->url->virtualhost.len ? t->url->virtualhost : ck->host;
    t->conf.status = t->url->status;
    t->conf.digest = t->url->digest;

    /* a body to digest must fit: keepalived reads it all */
    t->conf.buffer_size = t->url->digest.len ? 64 * 1024 : 0;
}


/* starts (run) or stops the probers of a virtual server */
static void
hx_ha_check_run_vs(hx_ha_check_vs_t *cvs, hx_uint_t run)
{
    hx_msec_t               delay;
    hx_uint_t               i;
    hx_ha_check_target_t  **t;

    t = cvs->targets.elts;

    for (i = 0; i < cvs->targets.nelts; i++) {
        if (!run) {
            hx_health_check_stop(&t[i]->hc);
            continue;
        }

        /* keepalived's warmup: the first check after a random delay */
        delay = t[i]->ck->warmup
                ? hx_upstream_random_number() % (t[i]->ck->warmup + 1) : 0;

        if (hx_health_check_start(&t[i]->hc, delay) != HX_OK) {
            hx_log_error(HX_LOG_ALERT, cvs->log, 0,
                         "a check of %V could not start",
                         &t[i]->rs->rs->text);
        }
    }
}


/* whether a VRRP instance of this node has the virtual server's address */
/* a virtual server of a group is held while any member's address is */
static hx_uint_t
hx_ha_check_vip_held(hx_ha_vs_conf_t *vs)
{
    hx_uint_t   i, n;
    hx_addr_t  *addr;

    addr = vs->addrs ? vs->addrs->elts : &vs->addr;
    n = vs->addrs ? vs->addrs->nelts : 1;

    for (i = 0; i < n; i++) {
        if (hx_ha_check_addr_held(&addr[i])) {
            return 1;
        }
    }

    return 0;
}


static hx_uint_t
hx_ha_check_addr_held(hx_addr_t *addr)
{
    size_t       alen;
    uint8_t     *a;
    hx_uint_t    i;
    hx_queue_t  *q;
    hx_ha_vr_t  *vr;

    if (hx_ha_vrs.next == NULL) {
        /* no VRRP runtime yet */
        return 0;
    }

    if (addr->sockaddr->sa_family == AF_INET) {
        a = (uint8_t *) &((struct sockaddr_in *) addr->sockaddr)->sin_addr;
        alen = 4;

    } else {
        a = (uint8_t *)
            &((struct sockaddr_in6 *) addr->sockaddr)->sin6_addr;
        alen = 16;
    }

    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = hx_queue_next(q))
    {
        vr = hx_queue_data(q, hx_ha_vr_t, queue);

        if (!vr->vips_set || vr->alen != alen) {
            continue;
        }

        for (i = 0; i < vr->nvips; i++) {
            if (hx_memcmp(vr->vips + i * alen, a, alen) == 0) {
                return 1;
            }
        }
    }

    return 0;
}


void
hx_ha_check_vips_changed(void)
{
    hx_uint_t            i, held;
    hx_ha_check_vs_t   **cvs;

    /* an instance's virtual_routes and virtual_rules follow its VIPs */
    hx_ha_static_vips_changed();

    if (hx_ha_check_runtime == NULL) {
        return;
    }

    cvs = hx_ha_check_runtime->vss.elts;

    for (i = 0; i < hx_ha_check_runtime->vss.nelts; i++) {
        if (!cvs[i]->vs->ha_suspend) {
            continue;
        }

        held = hx_ha_check_vip_held(cvs[i]->vs);

        if (held == !cvs[i]->suspended) {
            continue;
        }

        cvs[i]->suspended = !held;

        hx_log_error(HX_LOG_NOTICE, cvs[i]->log, 0,
                     "checks of VS %V %s", &cvs[i]->vs->text,
                     held ? "resumed: its address is held"
                          : "suspended: its address is no longer held");

        hx_ha_check_run_vs(cvs[i], held);
    }
}


/* omega: the stop runs the notify_down of live servers and quorum_down */
static void
hx_ha_check_stop(hx_uint_t omega)
{
    hx_uint_t                i, j;
    hx_ha_check_rs_t       **crs;
    hx_ha_check_vs_t       **cvs;
    hx_ha_check_runtime_t   *rt;

    rt = hx_ha_check_runtime;

    if (rt == NULL) {
        return;
    }

    cvs = rt->vss.elts;

    for (i = 0; i < rt->vss.nelts; i++) {
        hx_ha_check_run_vs(cvs[i], 0);

        /* the configuration may be gone: only the copies are read */

        if (!omega || !cvs[i]->omega) {
            continue;
        }

        crs = cvs[i]->rss.elts;

        for (j = 0; j < cvs[i]->rss.nelts; j++) {
            if (crs[j]->alive && crs[j]->omega_down) {
                hx_ha_check_exec(crs[j]->omega_down, cvs[i]->log);
            }
        }

        if (cvs[i]->quorum_up && cvs[i]->omega_down) {
            hx_ha_check_exec(cvs[i]->omega_down, cvs[i]->log);
        }
    }

    hx_ha_check_runtime = NULL;

    hx_destroy_pool(rt->pool);
}


void
hx_ha_check_apply(hx_ha_check_rs_t *crs)
{
    hx_int_t          weight;
    hx_uint_t         in;
    hx_upstream_t    *us;
    hx_ha_vs_conf_t  *vs;

    vs = crs->cvs->vs;
    us = &vs->upstream;

    /* without quorum the sorry server takes over from the live ones */
    in = crs->alive && (crs->cvs->quorum_up || vs->sorry_server == NULL);

    /* -1: the configured weight; misc_dynamic may have set another */
    weight = (crs->weight == crs->rs->weight) ? -1 : crs->weight;

    if (crs->rs->inhibit_on_failure) {
        hx_upstream_peer_set_weight(us, crs->peer, in ? weight : 0);
        return;
    }

    hx_upstream_peer_set_down(us, crs->peer, !in);

    if (in) {
        hx_upstream_peer_set_weight(us, crs->peer, weight);
    }
}


hx_ha_cmd_t *
hx_ha_check_copy_cmd(hx_pool_t *pool, hx_ha_cmd_t *cmd)
{
    size_t        n;
    hx_str_t      arg, copy;
    hx_uint_t     i;
    hx_ha_cmd_t  *c;

    if (cmd == NULL) {
        return NULL;
    }

    for (n = 0; cmd->argv[n]; n++) { /* void */ }

    c = hx_pcalloc(pool, sizeof(hx_ha_cmd_t));
    if (c == NULL) {
        return NULL;
    }

    c->argv = hx_pcalloc(pool, (n + 1) * sizeof(char *));
    if (c->argv == NULL) {
        return NULL;
    }

    for (i = 0; i < n; i++) {
        arg.data = (uint8_t *) cmd->argv[i];
        arg.len = hx_strlen(arg.data);

        if (hx_ha_check_copy_str(pool, &copy, &arg) != HX_OK) {
            return NULL;
        }

        c->argv[i] = (char *) copy.data;
    }

    if (hx_ha_check_copy_str(pool, &c->text, &cmd->text) != HX_OK
        || hx_ha_check_copy_str(pool, &c->user, &cmd->user) != HX_OK
        || hx_ha_check_copy_str(pool, &c->group, &cmd->group) != HX_OK)
    {
        return NULL;
    }

    return c;
}


/* a NUL-terminated copy: user and group go to getpwnam() */
static hx_int_t
hx_ha_check_copy_str(hx_pool_t *pool, hx_str_t *dst, hx_str_t *src)
{
    dst->len = src->len;
    dst->data = hx_pnalloc(pool, src->len + 1);

    if (dst->data == NULL) {
        return HX_ERROR;
    }

    if (src->len) {
        hx_memcpy(dst->data, src->data, src->len);
    }

    dst->data[src->len] = '\0';

    return HX_OK;
}


void
hx_ha_check_exec(hx_ha_cmd_t *cmd, hx_log_t *log)
{
    hx_str_t      *user, *group;
    hx_ha_proc_t  *p;

    user = &cmd->user;
    group = &cmd->group;

    if (cmd->user.len == 0 && hx_ha_hmcf) {
        user = &hx_ha_hmcf->script_user;
        group = &hx_ha_hmcf->script_group;
    }

    p = hx_ha_spawn(cmd, NULL, user, group, 0, NULL, NULL, log);

    if (p) {
        hx_ha_proc_detach(p);
    }
}


/* a prober changed its mind: the vote goes to the zone */
static void
hx_ha_check_verdict(hx_health_check_t *hc, hx_uint_t up)
{
    hx_uint_t              was;
    hx_ha_cmd_t           *cmd;
    hx_ha_check_rs_t      *crs;
    hx_ha_check_target_t  *t;

    t = hc->data;
    crs = t->rs;

    was = crs->alive;

    if (up) {
        if (crs->votes) {
            crs->votes--;
        }

    } else {
        crs->votes++;
    }

    hx_ha_check_log_probe(t, up);

    crs->alive = (crs->votes == 0);

    if (was == crs->alive) {
        return;
    }

    hx_ha_check_apply(crs);

    hx_log_error(HX_LOG_NOTICE, hc->log, 0, "%s service %V %s VS %V",
                 crs->alive ? (crs->rs->inhibit_on_failure ? "Enabling"
                                                           : "Adding")
                            : (crs->rs->inhibit_on_failure ? "Disabling"
                                                           : "Removing"),
                 &crs->rs->text, crs->alive ? "to" : "from",
                 &crs->cvs->vs->text);

    cmd = crs->alive ? crs->rs->notify_up_cmd : crs->rs->notify_down_cmd;

    if (cmd) {
        hx_log_error(HX_LOG_NOTICE, hc->log, 0,
                     "Executing [%V] for service %V in VS %V", &cmd->text,
                     &crs->rs->text, &crs->cvs->vs->text);
        hx_ha_check_exec(cmd, hc->log);
    }

    hx_ha_check_quorum(crs->cvs);
}


/* what the prober saw, in keepalived's words */
static void
hx_ha_check_log_probe(hx_ha_check_target_t *t, hx_uint_t up)
{
    char               *r, *what;
    hx_str_t           *name, *path;
    hx_uint_t           level;
    hx_health_check_t  *hc;

    hc = &t->hc;
    level = up ? HX_LOG_NOTICE : HX_LOG_WARN;
    name = &hc->name;
    r = hc->reason ? hc->reason : "";

    switch (t->ck->type) {

    case HX_HA_CHECK_TCP:
        hx_log_error(level, hc->log, 0,
                     "TCP connection to %V %s.", name,
                     up ? "success" : "failed");
        return;

    case HX_HA_CHECK_UDP:
    case HX_HA_CHECK_PING:
    case HX_HA_CHECK_SMTP:
        hx_log_error(level, hc->log, 0, "%V to %V %s%s%s.",
                     &t->ck->name, name, up ? "success" : "failed",
                     up ? "" : ": ", up ? "" : r);
        return;

    case HX_HA_CHECK_MISC:
        hx_log_error(level, hc->log, 0,
                     "Misc check for [%V] %s.", &t->ck->misc_path->text,
                     up ? "succeeded"
                        : (hx_strcmp(r, "timed out") == 0 ? "timed out"
                                                          : "failed"));
        return;
    }

    path = &t->url->path;

    if (up) {
        hx_log_error(HX_LOG_NOTICE, hc->log, 0, "%s success to %V url(%V)",
                     t->url->digest.len ? "MD5 digest" : "HTTP status code",
                     name, path);
        return;
    }

    if (hx_strcmp(r, "HTTP status not accepted") == 0) {
        what = "HTTP status code error to";

    } else if (hx_strcmp(r, "digest does not match") == 0) {
        what = "MD5 digest error to";

    } else if (hx_strcmp(r, "timed out") == 0) {
        what = "Timeout connecting";

    } else if (hx_strcmp(r, "SSL handshake failed") == 0) {
        what = "SSL handshake/communication error connecting to";

    } else {
        what = "Error connecting";
    }

    hx_log_error(HX_LOG_WARN, hc->log, 0, "%s server %V.", what, name);

    /* what keepalived leaves out: the url and what it answered */
    hx_log_error(HX_LOG_INFO, hc->log, 0,
                 "%V url(%V) of %V: %s, status_code [%ui], MD5SUM [%s]",
                 &t->ck->name, path, name, r, hc->http_status,
                 hc->http_md5);

    hx_log_error(HX_LOG_WARN, hc->log, 0,
                 "Check on service %V failed after %i retries.", name,
                 t->ck->retry);
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

    hx_ha_check_stop(0);

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
    hx_uint_t                i, j;
    hx_ha_check_vs_t       **cvs;
    hx_ha_check_target_t   **t;

    (void) cycle;

    if (hx_process != HX_PROCESS_WORKER || hx_ha_check_runtime == NULL) {
        return HX_OK;
    }

    cvs = hx_ha_check_runtime->vss.elts;

    for (i = 0; i < hx_ha_check_runtime->vss.nelts; i++) {
        t = cvs[i]->targets.elts;

        for (j = 0; j < cvs[i]->targets.nelts; j++) {
            hx_health_check_forget(&t[j]->hc);
        }
    }

    /*
     * The memory is the master's copy-on-write image: it is left alone,
     * but kept reachable so that a leak checker at the worker's exit
     * does not count it (freeing it could run cleanups on descriptors
     * the worker no longer owns).
     */
    hx_ha_check_inherited = hx_ha_check_runtime;
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

    hx_ha_check_stop(1);

    hx_ha_check_started = 0;
}

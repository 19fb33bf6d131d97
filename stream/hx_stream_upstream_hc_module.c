/*
 * Active health checks for stream upstreams (beyond nginx's open-source
 * build, in nginx Plus's syntax):
 *
 *     match NAME { send "PING\r\n"; expect ~ "^\+PONG"; }
 *
 *     server {
 *         proxy_pass backend;            # an upstream with a "zone"
 *         health_check interval=5s fails=1 passes=1 [port=N] [jitter=T]
 *                      [match=NAME] [udp] [mandatory];
 *         health_check_timeout 5s;
 *     }
 *
 * Every peer of the upstream is probed by the master, once for all the
 * workers, with the shared checker (event/hx_health_check.c).  A verdict
 * goes into the peer's "down by checker" flag in the upstream's shared
 * zone, so every worker stops choosing a dead peer on its very next
 * connection, and takes it back the same way.  Several checks on one
 * peer vote: it is down while any of them says so.
 *
 * The checks of a configuration run while it is in force.  A reload
 * stops them as soon as the new configuration is read (the old one is
 * freed right after a successful reload, and the checks point into it),
 * then starts the new configuration's checks, or the old ones again if
 * the reload failed.  Verdicts survive in the zone meanwhile.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>
#include <hx_stream_proxy.h>
#include <hx_health_check.h>


typedef struct {
    hx_str_t                        name;
    hx_str_t                        send;
    hx_str_t                        expect;
    hx_regex_t                     *regex;
} hx_stream_hc_match_t;


/* one "health_check" directive */
typedef struct {
    hx_health_check_conf_t          conf;
    hx_str_t                        match;
    hx_stream_upstream_srv_conf_t  *uscf;
    uint8_t                        *file_name;
    hx_uint_t                       line;
    unsigned                        mandatory:1;
} hx_stream_hc_t;


typedef struct {
    hx_array_t                      matches;    /* hx_stream_hc_match_t */
    hx_array_t                      checks;     /* hx_stream_hc_t * */
} hx_stream_hc_main_conf_t;


typedef struct {
    hx_array_t                     *checks;     /* hx_stream_hc_t */
    hx_msec_t                       timeout;
} hx_stream_hc_srv_conf_t;


/* the runtime, in the master: a peer and the checks that vote on it */
typedef struct {
    hx_upstream_t                  *us;
    hx_upstream_peer_t             *peer;
    hx_uint_t                       votes;      /* checks saying "down" */
} hx_stream_hc_peer_t;


typedef struct {
    hx_health_check_t               hc;
    hx_stream_hc_peer_t            *peer;
    hx_stream_upstream_srv_conf_t  *uscf;
    hx_log_t                        log;        /* with the peer's name */
} hx_stream_hc_target_t;


typedef struct {
    hx_pool_t                      *pool;
    hx_cycle_t                     *cycle;
    hx_array_t                      targets;    /* hx_stream_hc_target_t * */
    hx_array_t                      peers;      /* hx_stream_hc_peer_t * */
} hx_stream_hc_runtime_t;


static hx_int_t hx_stream_hc_start(hx_cycle_t *cycle);
static hx_int_t hx_stream_hc_add_targets(hx_stream_hc_runtime_t *rt,
    hx_stream_hc_t *check, hx_log_t *log);
static hx_stream_hc_peer_t *hx_stream_hc_peer(hx_stream_hc_runtime_t *rt,
    hx_upstream_t *us, hx_upstream_peer_t *peer);
static uint8_t *hx_stream_hc_log_error(hx_log_t *log, uint8_t *buf,
    size_t len);
static void hx_stream_hc_stop(void);
static void hx_stream_hc_verdict(hx_health_check_t *hc, hx_uint_t up);
static void hx_stream_hc_apply_handler(hx_event_t *ev);

static void *hx_stream_hc_create_main_conf(hx_conf_t *cf);
static void *hx_stream_hc_create_srv_conf(hx_conf_t *cf);
static char *hx_stream_hc_merge_srv_conf(hx_conf_t *cf, void *parent,
    void *child);
static char *hx_stream_hc_health_check(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_stream_hc_match_block(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_stream_hc_match(hx_conf_t *cf, hx_command_t *dummy,
    void *conf);
static hx_int_t hx_stream_hc_postconfiguration(hx_conf_t *cf);
static hx_int_t hx_stream_hc_bind(hx_conf_t *cf,
    hx_stream_hc_main_conf_t *hmcf, hx_stream_core_srv_conf_t *cscf,
    hx_stream_hc_t *check);

static hx_int_t hx_stream_hc_init_module(hx_cycle_t *cycle);
static hx_int_t hx_stream_hc_init_master(hx_cycle_t *cycle);
static hx_int_t hx_stream_hc_init_process(hx_cycle_t *cycle);
static void hx_stream_hc_exit_master(hx_cycle_t *cycle);


static hx_command_t  hx_stream_hc_commands[] = {

    { hx_string("health_check"),
      HX_STREAM_SRV_CONF|HX_CONF_ANY,
      hx_stream_hc_health_check,
      HX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    { hx_string("health_check_timeout"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_hc_srv_conf_t, timeout),
      NULL },

    { hx_string("match"),
      HX_STREAM_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_TAKE1,
      hx_stream_hc_match_block,
      HX_STREAM_MAIN_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_stream_module_t  hx_stream_hc_module_ctx = {
    NULL,                                 /* preconfiguration */
    hx_stream_hc_postconfiguration,       /* postconfiguration */

    hx_stream_hc_create_main_conf,        /* create main configuration */
    NULL,                                 /* init main configuration */

    hx_stream_hc_create_srv_conf,         /* create server configuration */
    hx_stream_hc_merge_srv_conf           /* merge server configuration */
};


hx_module_t  hx_stream_upstream_hc_module = {
    HX_MODULE_V1,
    "hx_stream_upstream_hc_module",
    &hx_stream_hc_module_ctx,
    hx_stream_hc_commands,
    HX_STREAM_MODULE,
    hx_stream_hc_init_module,            /* init module */
    hx_stream_hc_init_master,            /* init master */
    hx_stream_hc_init_process,           /* init process */
    NULL,                                /* exit process */
    hx_stream_hc_exit_master             /* exit master */
};


/* the master's checks, outside any cycle: they outlive a failed reload */
static hx_stream_hc_runtime_t  *hx_stream_hc_runtime;
/* a worker's inherited checks; volatile: nothing reads it, the store stays */
static hx_stream_hc_runtime_t  *volatile hx_stream_hc_inherited;

/* the master loop runs (init_master was called) */
static hx_uint_t                hx_stream_hc_started;

/* after a reload was read: starts the checks of the cycle in force */
static hx_event_t               hx_stream_hc_apply_event;
static hx_log_t                 hx_stream_hc_log;

/*
 * the apply timer's log: silent, because neither the old cycle's log
 * nor the new one's is sure to outlive the reload
 */
static hx_log_t                 hx_stream_hc_null_log;


/* ---- the runtime, in the master ---------------------------------- */


static hx_int_t
hx_stream_hc_start(hx_cycle_t *cycle)
{
    hx_uint_t                  i;
    hx_pool_t                 *pool;
    hx_stream_hc_t           **checks;
    hx_stream_hc_runtime_t    *rt;
    hx_stream_hc_main_conf_t  *hmcf;

    hmcf = hx_stream_cycle_get_module_main_conf(cycle,
                                                hx_stream_upstream_hc_module);

    if (hmcf == NULL || hmcf->checks.nelts == 0) {
        return HX_OK;
    }

    hx_stream_hc_log = *cycle->log;

    pool = hx_create_pool(4096, &hx_stream_hc_log);
    if (pool == NULL) {
        return HX_ERROR;
    }

    rt = hx_pcalloc(pool, sizeof(hx_stream_hc_runtime_t));

    if (rt == NULL
        || hx_array_init(&rt->targets, pool, 8, sizeof(void *)) != HX_OK
        || hx_array_init(&rt->peers, pool, 8, sizeof(void *)) != HX_OK)
    {
        hx_destroy_pool(pool);
        return HX_ERROR;
    }

    rt->pool = pool;
    rt->cycle = cycle;

    hx_stream_hc_runtime = rt;

    checks = hmcf->checks.elts;

    for (i = 0; i < hmcf->checks.nelts; i++) {
        if (hx_stream_hc_add_targets(rt, checks[i], &hx_stream_hc_log)
            != HX_OK)
        {
            hx_stream_hc_stop();
            return HX_ERROR;
        }
    }

    hx_log_error(HX_LOG_NOTICE, &hx_stream_hc_log, 0,
                 "stream health checks started: %ui peers",
                 rt->targets.nelts);

    return HX_OK;
}


/* one prober per peer of the check's upstream ("down" ones excepted) */
static hx_int_t
hx_stream_hc_add_targets(hx_stream_hc_runtime_t *rt, hx_stream_hc_t *check,
    hx_log_t *log)
{
    hx_uint_t                i;
    hx_upstream_t           *us;
    hx_upstream_peer_t      *peer;
    hx_upstream_peers_t     *peers;
    hx_stream_hc_target_t   *t, **tp;

    us = &check->uscf->upstream;

    for (peers = us->peers; peers; peers = peers->next) {
        for (i = 0; i < peers->number; i++) {
            peer = &peers->peer[i];

            if (peer->down) {
                continue;
            }

            t = hx_pcalloc(rt->pool, sizeof(hx_stream_hc_target_t));
            tp = hx_array_push(&rt->targets);

            if (t == NULL || tp == NULL) {
                return HX_ERROR;
            }

            *tp = t;

            t->uscf = check->uscf;
            t->peer = hx_stream_hc_peer(rt, us, peer);
            if (t->peer == NULL) {
                return HX_ERROR;
            }

            t->log = *log;
            t->log.handler = hx_stream_hc_log_error;
            t->log.data = t;
            t->log.action = "health checking";

            t->hc.conf = &check->conf;
            t->hc.sockaddr = peer->sockaddr;
            t->hc.socklen = peer->socklen;
            t->hc.log = &t->log;
            t->hc.handler = hx_stream_hc_verdict;
            t->hc.data = t;

            t->hc.name.data = hx_pnalloc(rt->pool, peer->name.len);
            if (t->hc.name.data == NULL) {
                return HX_ERROR;
            }

            hx_memcpy(t->hc.name.data, peer->name.data, peer->name.len);
            t->hc.name.len = peer->name.len;

            /* a peer already down (a zone kept over a reload) stays so */

            t->hc.up = !(check->mandatory || peer->hc_down);

            if (!t->hc.up) {
                t->peer->votes++;
                hx_upstream_peer_set_down(us, peer, 1);
            }

            if (hx_health_check_start(&t->hc, 0) != HX_OK) {
                return HX_ERROR;
            }
        }
    }

    return HX_OK;
}


/* " while health checking, upstream: "b", peer: 10.0.0.1:80" */
static uint8_t *
hx_stream_hc_log_error(hx_log_t *log, uint8_t *buf, size_t len)
{
    uint8_t                *p;
    hx_stream_hc_target_t  *t;

    t = log->data;
    p = buf;

    if (log->action) {
        p = hx_snprintf(p, len, " while %s", log->action);
        len -= p - buf;
    }

    return hx_snprintf(p, len, ", upstream: \"%V\", peer: %V",
                       &t->uscf->host, &t->hc.name);
}


static hx_stream_hc_peer_t *
hx_stream_hc_peer(hx_stream_hc_runtime_t *rt, hx_upstream_t *us,
    hx_upstream_peer_t *peer)
{
    hx_uint_t              i;
    hx_stream_hc_peer_t  **pp, *p;

    pp = rt->peers.elts;

    for (i = 0; i < rt->peers.nelts; i++) {
        if (pp[i]->peer == peer) {
            return pp[i];
        }
    }

    p = hx_pcalloc(rt->pool, sizeof(hx_stream_hc_peer_t));
    pp = hx_array_push(&rt->peers);

    if (p == NULL || pp == NULL) {
        return NULL;
    }

    p->us = us;
    p->peer = peer;

    *pp = p;

    return p;
}


static void
hx_stream_hc_stop(void)
{
    hx_uint_t                 i;
    hx_stream_hc_target_t   **t;
    hx_stream_hc_runtime_t   *rt;

    rt = hx_stream_hc_runtime;

    if (rt == NULL) {
        return;
    }

    t = rt->targets.elts;

    for (i = 0; i < rt->targets.nelts; i++) {
        hx_health_check_stop(&t[i]->hc);
    }

    hx_stream_hc_runtime = NULL;

    hx_destroy_pool(rt->pool);
}


/* a check changed its mind about a peer: the vote goes to the zone */
static void
hx_stream_hc_verdict(hx_health_check_t *hc, hx_uint_t up)
{
    hx_stream_hc_peer_t    *p;
    hx_stream_hc_target_t  *t;

    t = hc->data;
    p = t->peer;

    if (up) {
        if (p->votes) {
            p->votes--;
        }

    } else {
        p->votes++;
    }

    hx_upstream_peer_set_down(p->us, p->peer, p->votes > 0);

    if (up) {
        hx_log_error(HX_LOG_NOTICE, hc->log, 0,
                     "upstream server %V of \"%V\" is up "
                     "(health check passed %ui times)",
                     &hc->name, &t->uscf->host, hc->npasses);

    } else {
        hx_log_error(HX_LOG_WARN, hc->log, 0,
                     "upstream server %V of \"%V\" is down "
                     "(health check: %s, %ui times)",
                     &hc->name, &t->uscf->host, hc->reason, hc->nfails);
    }
}


/*
 * After a reload was read: its checks start when it is the cycle in
 * force; a failed reload leaves the previous cycle in force, whose
 * checks start again.
 */
static void
hx_stream_hc_apply_handler(hx_event_t *ev)
{
    hx_cycle_t  *cycle;

    (void) ev;

    cycle = (hx_cycle_t *) hx_cycle;

    if (hx_stream_hc_runtime) {
        return;
    }

    if (hx_stream_hc_start(cycle) != HX_OK) {
        hx_log_error(HX_LOG_ALERT, cycle->log, 0,
                     "stream health checks could not start");
    }
}


/* ---- module hooks ------------------------------------------------ */


static hx_int_t
hx_stream_hc_init_module(hx_cycle_t *cycle)
{
    if (hx_test_config || !hx_stream_hc_started
        || (hx_process != HX_PROCESS_MASTER
            && hx_process != HX_PROCESS_SINGLE))
    {
        return HX_OK;
    }

    /*
     * a reload: the running checks point into the old cycle, which goes
     * away as soon as the new one is switched in
     */

    (void) cycle;

    hx_stream_hc_stop();

    hx_stream_hc_apply_event.handler = hx_stream_hc_apply_handler;
    hx_stream_hc_apply_event.log = &hx_stream_hc_null_log;
    hx_stream_hc_apply_event.cancelable = 1;

    if (!hx_stream_hc_apply_event.timer_set) {
        hx_add_timer(&hx_stream_hc_apply_event, 0);
    }

    return HX_OK;
}


static hx_int_t
hx_stream_hc_init_master(hx_cycle_t *cycle)
{
    hx_stream_hc_started = 1;

    return hx_stream_hc_start(cycle);
}


/* a worker holds copies of the probes' sockets: they are the master's */
static hx_int_t
hx_stream_hc_init_process(hx_cycle_t *cycle)
{
    hx_uint_t                 i;
    hx_stream_hc_target_t   **t;

    (void) cycle;

    if (hx_process != HX_PROCESS_WORKER || hx_stream_hc_runtime == NULL) {
        return HX_OK;
    }

    t = hx_stream_hc_runtime->targets.elts;

    for (i = 0; i < hx_stream_hc_runtime->targets.nelts; i++) {
        hx_health_check_forget(&t[i]->hc);
    }

    /*
     * The memory is the master's copy-on-write image: it is left alone,
     * but kept reachable so that a leak checker at the worker's exit
     * does not count it.
     */
    hx_stream_hc_inherited = hx_stream_hc_runtime;
    hx_stream_hc_runtime = NULL;
    hx_stream_hc_started = 0;

    return HX_OK;
}


static void
hx_stream_hc_exit_master(hx_cycle_t *cycle)
{
    (void) cycle;

    if (hx_stream_hc_apply_event.timer_set) {
        hx_del_timer(&hx_stream_hc_apply_event);
    }

    hx_stream_hc_stop();

    hx_stream_hc_started = 0;
}


/* ---- configuration ----------------------------------------------- */


static void *
hx_stream_hc_create_main_conf(hx_conf_t *cf)
{
    hx_stream_hc_main_conf_t  *hmcf;

    hmcf = hx_pcalloc(cf->pool, sizeof(hx_stream_hc_main_conf_t));
    if (hmcf == NULL) {
        return NULL;
    }

    if (hx_array_init(&hmcf->matches, cf->pool, 2,
                      sizeof(hx_stream_hc_match_t)) != HX_OK
        || hx_array_init(&hmcf->checks, cf->pool, 2, sizeof(void *))
           != HX_OK)
    {
        return NULL;
    }

    return hmcf;
}


static void *
hx_stream_hc_create_srv_conf(hx_conf_t *cf)
{
    hx_stream_hc_srv_conf_t  *conf;

    conf = hx_pcalloc(cf->pool, sizeof(hx_stream_hc_srv_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /* hx_pcalloc() left checks NULL: no health_check */

    conf->timeout = HX_CONF_UNSET_MSEC;

    return conf;
}


static char *
hx_stream_hc_merge_srv_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_stream_hc_srv_conf_t  *prev = parent;
    hx_stream_hc_srv_conf_t  *conf = child;

    (void) cf;

    hx_conf_merge_msec_value(conf->timeout, prev->timeout, 5000);

    return HX_CONF_OK;
}


/*
 * health_check [interval=T] [jitter=T] [fails=N] [passes=N] [port=N]
 *              [match=NAME] [udp] [mandatory]
 */
static char *
hx_stream_hc_health_check(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_stream_hc_srv_conf_t  *hscf = conf;

    hx_int_t         n;
    hx_str_t        *value, s;
    hx_uint_t        i;
    hx_stream_hc_t  *check;

    (void) cmd;

    if (hscf->checks == NULL) {
        hscf->checks = hx_array_create(cf->pool, 1, sizeof(hx_stream_hc_t));
        if (hscf->checks == NULL) {
            return HX_CONF_ERROR;
        }
    }

    check = hx_array_push(hscf->checks);
    if (check == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(check, sizeof(hx_stream_hc_t));

    check->conf.type = HX_HEALTH_CHECK_TCP;
    check->conf.interval = 5000;
    check->conf.fails = 1;
    check->conf.passes = 1;
    check->file_name = cf->conf_file->file.name.data;
    check->line = cf->conf_file->line;

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        s = value[i];

        if (hx_strncmp(s.data, "interval=", 9) == 0
            || hx_strncmp(s.data, "jitter=", 7) == 0)
        {
            s.data = hx_strlchr(s.data, s.data + s.len, '=') + 1;
            s.len = value[i].data + value[i].len - s.data;

            n = hx_parse_time(&s, 0);
            if (n == HX_ERROR || (n == 0 && value[i].data[0] == 'i')) {
                goto invalid;
            }

            if (value[i].data[0] == 'i') {
                check->conf.interval = (hx_msec_t) n;

            } else {
                check->conf.jitter = (hx_msec_t) n;
            }

            continue;
        }

        if (hx_strncmp(s.data, "fails=", 6) == 0
            || hx_strncmp(s.data, "passes=", 7) == 0
            || hx_strncmp(s.data, "port=", 5) == 0)
        {
            s.data = hx_strlchr(s.data, s.data + s.len, '=') + 1;
            s.len = value[i].data + value[i].len - s.data;

            n = hx_atoi(s.data, s.len);
            if (n == HX_ERROR || n == 0) {
                goto invalid;
            }

            if (value[i].data[0] == 'f') {
                check->conf.fails = (hx_uint_t) n;

            } else if (value[i].data[1] == 'a') {
                check->conf.passes = (hx_uint_t) n;

            } else if (n <= 65535) {
                check->conf.port = (in_port_t) n;

            } else {
                goto invalid;
            }

            continue;
        }

        if (hx_strncmp(s.data, "match=", 6) == 0 && s.len > 6) {
            check->match.data = s.data + 6;
            check->match.len = s.len - 6;
            continue;
        }

        if (hx_strcmp(s.data, "udp") == 0) {
            check->conf.type = HX_HEALTH_CHECK_UDP;
            continue;
        }

        if (hx_strcmp(s.data, "mandatory") == 0) {
            check->mandatory = 1;
            continue;
        }

    invalid:

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid parameter \"%V\"", &value[i]);
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


/* match NAME { send STRING; expect STRING | expect ~ REGEX; } */
static char *
hx_stream_hc_match_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_stream_hc_main_conf_t  *hmcf = conf;

    char                  *rv;
    hx_str_t              *value;
    hx_uint_t              i;
    hx_conf_t              save;
    hx_stream_hc_match_t  *m;

    (void) cmd;

    value = cf->args->elts;

    m = hmcf->matches.elts;

    for (i = 0; i < hmcf->matches.nelts; i++) {
        if (hx_str_eq(&m[i].name, &value[1])) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "duplicate match \"%V\"", &value[1]);
            return HX_CONF_ERROR;
        }
    }

    m = hx_array_push(&hmcf->matches);
    if (m == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(m, sizeof(hx_stream_hc_match_t));

    m->name = value[1];

    save = *cf;
    cf->handler = hx_stream_hc_match;
    cf->handler_conf = (void *) m;

    rv = hx_conf_parse(cf, NULL);

    *cf = save;

    return rv;
}


static char *
hx_stream_hc_match(hx_conf_t *cf, hx_command_t *dummy, void *conf)
{
    hx_stream_hc_match_t  *m = conf;

    hx_str_t            *value, text;
    hx_regex_compile_t   rc;
    uint8_t              errstr[256];

    (void) dummy;

    value = cf->args->elts;

    if (cf->args->nelts == 2 && hx_strcmp(value[0].data, "send") == 0) {
        if (m->send.data) {
            return "\"send\" is duplicate";
        }

        m->send = value[1];
        return HX_CONF_OK;
    }

    if (hx_strcmp(value[0].data, "expect") != 0
        || (cf->args->nelts != 2 && cf->args->nelts != 3)
        || (cf->args->nelts == 3 && hx_strcmp(value[1].data, "~") != 0))
    {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid \"match\" line: \"send STRING\", "
                          "\"expect STRING\" or \"expect ~ REGEX\"");
        return HX_CONF_ERROR;
    }

    if (m->expect.data || m->regex) {
        return "\"expect\" is duplicate";
    }

    text = value[cf->args->nelts - 1];

    if (cf->args->nelts == 2) {
        m->expect = text;
        return HX_CONF_OK;
    }

    hx_memzero(&rc, sizeof(hx_regex_compile_t));

    rc.pattern = text;
    rc.pool = cf->pool;
    rc.err.len = sizeof(errstr);
    rc.err.data = errstr;

    if (hx_regex_compile(&rc) != HX_OK) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "%V", &rc.err);
        return HX_CONF_ERROR;
    }

    m->regex = rc.regex;

    return HX_CONF_OK;
}


/* each health_check gets its upstream and its match, now all are read */
static hx_int_t
hx_stream_hc_postconfiguration(hx_conf_t *cf)
{
    hx_uint_t                     s, i;
    hx_stream_hc_t               *check;
    hx_stream_hc_srv_conf_t      *hscf;
    hx_stream_hc_main_conf_t     *hmcf;
    hx_stream_core_srv_conf_t   **cscfp;
    hx_stream_core_main_conf_t   *cmcf;

    cmcf = hx_stream_conf_get_module_main_conf(cf, hx_stream_core_module);
    hmcf = hx_stream_conf_get_module_main_conf(cf,
                                               hx_stream_upstream_hc_module);

    cscfp = cmcf->servers.elts;

    for (s = 0; s < cmcf->servers.nelts; s++) {
        hscf = cscfp[s]->ctx->srv_conf[hx_stream_upstream_hc_module.ctx_index];

        if (hscf->checks == NULL) {
            continue;
        }

        check = hscf->checks->elts;

        for (i = 0; i < hscf->checks->nelts; i++) {
            check[i].conf.timeout = hscf->timeout;

            if (hx_stream_hc_bind(cf, hmcf, cscfp[s], &check[i]) != HX_OK) {
                return HX_ERROR;
            }
        }
    }

    return HX_OK;
}


static hx_int_t
hx_stream_hc_bind(hx_conf_t *cf, hx_stream_hc_main_conf_t *hmcf,
    hx_stream_core_srv_conf_t *cscf, hx_stream_hc_t *check)
{
    hx_uint_t                    i;
    hx_stream_hc_t             **cp;
    hx_stream_hc_match_t        *m;
    hx_stream_proxy_srv_conf_t  *pscf;

    pscf = cscf->ctx->srv_conf[hx_stream_proxy_module.ctx_index];

    if (pscf->upstream == NULL || pscf->upstream->upstream.servers == NULL
        || !(pscf->upstream->flags & HX_STREAM_UPSTREAM_CREATE))
    {
        hx_log_error(HX_LOG_EMERG, cf->log, 0,
                     "\"health_check\" needs \"proxy_pass\" to an upstream "
                     "block in %s:%ui", check->file_name, check->line);
        return HX_ERROR;
    }

    if (pscf->upstream->upstream.shm_zone == NULL) {
        hx_log_error(HX_LOG_EMERG, cf->log, 0,
                     "\"health_check\" needs upstream \"%V\" to have a "
                     "\"zone\", so that every worker sees the verdicts, "
                     "in %s:%ui", &pscf->upstream->host, check->file_name,
                     check->line);
        return HX_ERROR;
    }

    check->uscf = pscf->upstream;
    check->uscf->health_check = 1;

    if (check->match.len) {
        m = hmcf->matches.elts;

        for (i = 0; i < hmcf->matches.nelts; i++) {
            if (hx_str_eq(&m[i].name, &check->match)) {
                break;
            }
        }

        if (i == hmcf->matches.nelts) {
            hx_log_error(HX_LOG_EMERG, cf->log, 0,
                         "match \"%V\" not found in %s:%ui",
                         &check->match, check->file_name, check->line);
            return HX_ERROR;
        }

        check->conf.send = m[i].send;
        check->conf.expect = m[i].expect;
        check->conf.expect_regex = m[i].regex;
    }

    cp = hx_array_push(&hmcf->checks);
    if (cp == NULL) {
        return HX_ERROR;
    }

    *cp = check;

    return HX_OK;
}

/*
 * Shared fixture of the event tests: a cycle built by hand (the module
 * list, a core conf, an events {} conf with a chosen worker_connections,
 * an empty listening array), a log whose lines are captured so tests can
 * look for messages, and helpers for sockets.  Each test file includes it
 * once; Criterion runs every test in its own process, so the globals
 * start fresh.
 */

#ifndef HX_TESTS_UNIT_EVENT_HX_EVENT_FIXTURE_H
#define HX_TESTS_UNIT_EVENT_HX_EVENT_FIXTURE_H


static uint8_t          hxt_logged[65536];
static size_t           hxt_logged_len;
static hx_uint_t        hxt_alerts;

static hx_cycle_t       hxt_cycle;
static hx_log_t         hxt_log;
static hx_core_conf_t   hxt_ccf;
static hx_event_conf_t *hxt_ecf;


static void
hxt_capture(hx_log_t *log, hx_uint_t level, uint8_t *buf, size_t len)
{
    (void) log;

    if (level <= HX_LOG_ALERT) {
        hxt_alerts++;
    }

    len = hx_min(len, sizeof(hxt_logged) - 1 - hxt_logged_len);
    hx_memcpy(hxt_logged + hxt_logged_len, buf, len);
    hxt_logged_len += len;
    hxt_logged[hxt_logged_len] = '\0';
}


/* how many captured lines contain s */
HX_UNUSED static hx_uint_t
hxt_logged_count(const char *s)
{
    hx_uint_t   n;
    char       *p;

    n = 0;
    p = (char *) hxt_logged;

    while ((p = strstr(p, s)) != NULL) {
        n++;
        p += strlen(s);
    }

    return n;
}


/*
 * Builds hxt_cycle with "connections" slots configured (not yet
 * allocated: hx_event_process_init() does that) and makes it hx_cycle.
 */
HX_UNUSED static void
hxt_cycle_init(hx_uint_t connections)
{
    void               ***ctx;
    hx_uint_t            i;
    hx_module_t         *m;
    hx_pool_t           *pool;
    hx_event_module_t   *em;

    hx_time_init();

    hx_memzero(&hxt_log, sizeof(hx_log_t));
    hxt_log.log_level = HX_LOG_INFO;
    hxt_log.writer = hxt_capture;
    hxt_logged_len = 0;
    hxt_logged[0] = '\0';
    hxt_alerts = 0;

    /* the lines are checked here, not echoed to the terminal */
    hx_use_stderr = 0;

    hx_preinit_modules();

    pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, &hxt_log);
    cr_assert_not_null(pool);

    hx_memzero(&hxt_cycle, sizeof(hx_cycle_t));
    hxt_cycle.pool = pool;
    hxt_cycle.log = &hxt_log;

    cr_assert_eq(hx_cycle_modules(&hxt_cycle), HX_OK);
    cr_assert_eq(hx_array_init(&hxt_cycle.listening, pool, 4,
                               sizeof(hx_listening_t)), HX_OK);
    hx_queue_init(&hxt_cycle.reusable_connections_queue);

    hxt_cycle.conf_ctx = hx_pcalloc(pool, hx_max_module * sizeof(void *));
    cr_assert_not_null(hxt_cycle.conf_ctx);

    hx_memzero(&hxt_ccf, sizeof(hx_core_conf_t));
    hxt_ccf.master = 0;
    hxt_ccf.worker_processes = 1;
    hxt_ccf.rlimit_nofile = HX_CONF_UNSET;
    hxt_cycle.conf_ctx[hx_core_module.index] = (void ***) &hxt_ccf;

    hx_event_max_module = hx_count_modules(&hxt_cycle, HX_EVENT_MODULE);

    ctx = hx_pcalloc(pool, sizeof(void *));
    cr_assert_not_null(ctx);
    *ctx = hx_pcalloc(pool, hx_event_max_module * sizeof(void *));
    cr_assert_not_null(*ctx);

    hxt_cycle.conf_ctx[hx_events_module.index] = (void ***) ctx;

    for (i = 0; hxt_cycle.modules[i]; i++) {
        m = hxt_cycle.modules[i];

        if (m->type != HX_EVENT_MODULE) {
            continue;
        }

        em = m->ctx;

        if (em->create_conf) {
            (*ctx)[m->ctx_index] = em->create_conf(&hxt_cycle);
            cr_assert_not_null((*ctx)[m->ctx_index]);
        }

        if (em->init_conf) {
            cr_assert_eq(em->init_conf(&hxt_cycle, (*ctx)[m->ctx_index]),
                         HX_CONF_OK);
        }
    }

    hxt_ecf = hx_event_get_conf(hxt_cycle.conf_ctx, hx_event_core_module);
    hxt_ecf->connections = connections;
    hxt_cycle.connection_n = connections;

    hx_cycle = &hxt_cycle;
}


/* a connected pair of non-blocking stream sockets */
HX_UNUSED static void
hxt_socketpair(int s[2])
{
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM|SOCK_NONBLOCK, 0, s), 0);
}


/* a listening socket on 127.0.0.1 with a kernel-chosen port */
HX_UNUSED static hx_listening_t *
hxt_listen_loopback(hx_conf_t *cf)
{
    hx_listening_t      *ls;
    struct sockaddr_in   sin;

    hx_memzero(&sin, sizeof(struct sockaddr_in));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = 0;

    hx_memzero(cf, sizeof(hx_conf_t));
    cf->cycle = &hxt_cycle;
    cf->pool = hxt_cycle.pool;
    cf->log = &hxt_log;

    ls = hx_create_listening(cf, (struct sockaddr *) &sin, sizeof(sin));
    cr_assert_not_null(ls);

    return ls;
}


/* the port the kernel gave ls once it is open */
HX_UNUSED static in_port_t
hxt_bound_port(hx_listening_t *ls)
{
    socklen_t            len;
    struct sockaddr_in   sin;

    len = sizeof(sin);
    cr_assert_eq(getsockname(ls->fd, (struct sockaddr *) &sin, &len), 0);

    return ntohs(sin.sin_port);
}


/* a blocking client connected to 127.0.0.1:port */
HX_UNUSED static int
hxt_connect(in_port_t port)
{
    int                  s;
    struct sockaddr_in   sin;

    s = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_neq(s, -1);

    hx_memzero(&sin, sizeof(struct sockaddr_in));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = htons(port);

    cr_assert_eq(connect(s, (struct sockaddr *) &sin, sizeof(sin)), 0);

    return s;
}


static void
hxt_tick_handler(hx_event_t *ev)
{
    (void) ev;
}


/*
 * One loop iteration that sleeps at most 50 ms: a loop with nothing to
 * wait for would otherwise block in epoll_wait() for ever.
 */
HX_UNUSED static void
hxt_iterate(void)
{
    static hx_event_t  tick;

    tick.log = &hxt_log;
    tick.handler = hxt_tick_handler;

    if (!tick.timer_set) {
        hx_add_timer(&tick, 50);
    }

    hx_process_events_and_timers(&hxt_cycle);

    if (tick.timer_set) {
        hx_del_timer(&tick);
    }
}


/* iterates until *done is set or n iterations passed; returns those used */
HX_UNUSED static hx_uint_t
hxt_run_until(volatile hx_uint_t *done, hx_uint_t n)
{
    hx_uint_t  i;

    for (i = 0; i < n && !*done; i++) {
        hxt_iterate();
    }

    return i;
}

#endif /* HX_TESTS_UNIT_EVENT_HX_EVENT_FIXTURE_H */

/*
 * Shared fixture of the stream tests: a cycle built by hand from the real
 * module list (so "stream {}" is parsed by the real dispatcher and the
 * real stream modules), a log whose lines are captured for the tests to
 * search, configuration text written to a real file in a temporary
 * directory, and helpers to make a session on a fake connection without
 * any socket.  Criterion runs every test in its own process, so the
 * globals start fresh each time.
 */

#ifndef HX_TESTS_UNIT_STREAM_HX_STREAM_FIXTURE_H
#define HX_TESTS_UNIT_STREAM_HX_STREAM_FIXTURE_H

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>

#include <criterion/criterion.h>


static char             hxs_dir[64];
static char             hxs_logged[65536];
static size_t           hxs_logged_len;
static hx_uint_t        hxs_alerts;

static hx_cycle_t       hxs_cycle;
static hx_log_t         hxs_log;
static hx_core_conf_t   hxs_ccf;
static hx_conf_t        hxs_cf;

/* the fake sessions' pools, kept reachable until the process ends */
static hx_pool_t       *hxs_session_pools[64];
static hx_uint_t        hxs_nsession_pools;


static void
hxs_capture(hx_log_t *log, hx_uint_t level, uint8_t *buf, size_t len)
{
    (void) log;

    if (level <= HX_LOG_ALERT) {
        hxs_alerts++;
    }

    len = hx_min(len, sizeof(hxs_logged) - 1 - hxs_logged_len);
    hx_memcpy(hxs_logged + hxs_logged_len, buf, len);
    hxs_logged_len += len;
    hxs_logged[hxs_logged_len] = '\0';
}


/* whether some captured line contains s */
HX_UNUSED static int
hxs_logged_has(const char *s)
{
    return strstr(hxs_logged, s) != NULL;
}


/* the events {} confs, as the events block would have made them */
static void
hxs_event_confs(void)
{
    void               ***ctx;
    hx_uint_t             i;
    hx_module_t          *m;
    hx_event_module_t    *em;

    hx_event_max_module = hx_count_modules(&hxs_cycle, HX_EVENT_MODULE);

    ctx = hx_pcalloc(hxs_cycle.pool, sizeof(void *));
    cr_assert_not_null(ctx);
    *ctx = hx_pcalloc(hxs_cycle.pool, hx_event_max_module * sizeof(void *));
    cr_assert_not_null(*ctx);

    hxs_cycle.conf_ctx[hx_events_module.index] = (void ***) ctx;

    for (i = 0; hxs_cycle.modules[i]; i++) {
        m = hxs_cycle.modules[i];

        if (m->type != HX_EVENT_MODULE) {
            continue;
        }

        em = m->ctx;

        if (em->create_conf) {
            (*ctx)[m->ctx_index] = em->create_conf(&hxs_cycle);
            cr_assert_not_null((*ctx)[m->ctx_index]);
        }

        if (em->init_conf) {
            cr_assert_eq(em->init_conf(&hxs_cycle, (*ctx)[m->ctx_index]),
                         HX_CONF_OK);
        }
    }
}


/* the cycle, its log and the conf context, ready for hxs_parse() */
HX_UNUSED static void
hxs_init(void)
{
    hx_pool_t  *pool;

    strcpy(hxs_dir, "/tmp/hx_stream_test.XXXXXX");
    cr_assert_not_null(mkdtemp(hxs_dir));

    hx_time_init();

    hx_memzero(&hxs_log, sizeof(hx_log_t));
    hxs_log.log_level = HX_LOG_DEBUG;
    hxs_log.writer = hxs_capture;
    hxs_logged_len = 0;
    hxs_logged[0] = '\0';
    hxs_alerts = 0;

    hx_use_stderr = 0;

    hx_preinit_modules();

    pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, &hxs_log);
    cr_assert_not_null(pool);

    hx_memzero(&hxs_cycle, sizeof(hx_cycle_t));
    hxs_cycle.pool = pool;
    hxs_cycle.log = &hxs_log;
    hxs_cycle.new_log = hxs_log;

    cr_assert_eq(hx_cycle_modules(&hxs_cycle), HX_OK);
    cr_assert_eq(hx_array_init(&hxs_cycle.listening, pool, 4,
                               sizeof(hx_listening_t)), HX_OK);
    cr_assert_eq(hx_array_init(&hxs_cycle.config_dump, pool, 1,
                               sizeof(hx_conf_dump_t)), HX_OK);
    cr_assert_eq(hx_list_init(&hxs_cycle.open_files, pool, 4,
                              sizeof(hx_open_file_t)), HX_OK);
    cr_assert_eq(hx_list_init(&hxs_cycle.shared_memory, pool, 2,
                              sizeof(hx_shm_zone_t)), HX_OK);
    hx_queue_init(&hxs_cycle.reusable_connections_queue);

    hxs_cycle.prefix.len = strlen(hxs_dir) + 1;
    hxs_cycle.prefix.data = hx_pnalloc(pool, hxs_cycle.prefix.len + 1);
    cr_assert_not_null(hxs_cycle.prefix.data);
    sprintf((char *) hxs_cycle.prefix.data, "%s/", hxs_dir);
    hxs_cycle.conf_prefix = hxs_cycle.prefix;

    hx_str_set(&hxs_cycle.hostname, "testhost");

    hxs_cycle.conf_ctx = hx_pcalloc(pool, hx_max_module * sizeof(void *));
    cr_assert_not_null(hxs_cycle.conf_ctx);

    hx_memzero(&hxs_ccf, sizeof(hx_core_conf_t));
    hxs_ccf.master = 0;
    hxs_ccf.worker_processes = 1;
    hxs_ccf.rlimit_nofile = HX_CONF_UNSET;
    hxs_cycle.conf_ctx[hx_core_module.index] = (void ***) &hxs_ccf;

    hxs_event_confs();

    hx_cycle = &hxs_cycle;

    hx_memzero(&hxs_cf, sizeof(hx_conf_t));
    hxs_cf.cycle = &hxs_cycle;
    hxs_cf.pool = pool;
    hxs_cf.temp_pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, &hxs_log);
    cr_assert_not_null(hxs_cf.temp_pool);
    hxs_cf.args = hx_array_create(pool, 10, sizeof(hx_str_t));
    cr_assert_not_null(hxs_cf.args);
    hxs_cf.ctx = hxs_cycle.conf_ctx;
    hxs_cf.log = &hxs_log;
    hxs_cf.module_type = HX_CORE_MODULE;
    hxs_cf.cmd_type = HX_MAIN_CONF;
}


/*
 * Writes text to a file and parses it as the main configuration.
 * HX_OK or HX_ERROR (the reason is in the captured log).
 */
HX_UNUSED static hx_int_t
hxs_parse(const char *text)
{
    FILE      *f;
    char       name[128];
    hx_str_t   file;

    snprintf(name, sizeof(name), "%s/hanx.conf", hxs_dir);

    f = fopen(name, "w");
    cr_assert_not_null(f);
    cr_assert_eq(fputs(text, f) >= 0, 1);
    cr_assert_eq(fclose(f), 0);

    file.len = strlen(name);
    file.data = (uint8_t *) hx_pnalloc(hxs_cycle.pool, file.len + 1);
    cr_assert_not_null(file.data);
    memcpy(file.data, name, file.len + 1);

    return hx_conf_parse(&hxs_cf, &file) == HX_CONF_OK ? HX_OK : HX_ERROR;
}


/* parses text and fails the test, showing the log, if it is refused */
HX_UNUSED static void
hxs_parse_ok(const char *text)
{
    hx_int_t  rc;

    rc = hxs_parse(text);

    cr_assert_eq(rc, HX_OK, "configuration refused: %s", hxs_logged);
}


HX_UNUSED static hx_stream_core_main_conf_t *
hxs_cmcf(void)
{
    hx_stream_core_main_conf_t  *cmcf;

    cmcf = hx_stream_cycle_get_module_main_conf((&hxs_cycle),
                                                hx_stream_core_module);
    cr_assert_not_null(cmcf);

    return cmcf;
}


/* the listening socket made for "addr" ("127.0.0.1:9000"), or NULL */
HX_UNUSED static hx_listening_t *
hxs_listening(const char *addr, int type)
{
    hx_uint_t        i;
    hx_listening_t  *ls;

    ls = hxs_cycle.listening.elts;

    for (i = 0; i < hxs_cycle.listening.nelts; i++) {
        if (ls[i].type == type
            && ls[i].addr_text.len == strlen(addr)
            && memcmp(ls[i].addr_text.data, addr, ls[i].addr_text.len) == 0)
        {
            return &ls[i];
        }
    }

    return NULL;
}


/*
 * A session on a connection that has no socket: the client and local
 * addresses are given as text ("10.0.0.1:5555"), the server is the
 * one that owns listening socket ls.  For variables and complex values.
 */
HX_UNUSED static hx_stream_session_t *
hxs_fake_session(hx_listening_t *ls, const char *client, const char *local)
{
    hx_addr_t                     addr;
    hx_pool_t                    *pool;
    hx_connection_t              *c;
    hx_stream_port_t             *port;
    hx_stream_session_t          *s;
    hx_stream_in_addr_t          *in;
    hx_stream_in6_addr_t         *in6;
    hx_stream_conf_ctx_t         *ctx;
    hx_stream_core_main_conf_t   *cmcf;

    pool = hx_create_pool(1024, &hxs_log);
    cr_assert_not_null(pool);

    cr_assert_lt(hxs_nsession_pools, hx_nelems(hxs_session_pools));
    hxs_session_pools[hxs_nsession_pools++] = pool;

    c = hx_pcalloc(pool, sizeof(hx_connection_t));
    cr_assert_not_null(c);

    c->pool = pool;
    c->log = &hxs_log;
    c->fd = -1;
    c->type = ls->type;
    c->listening = ls;
    c->number = 42;

    cr_assert_eq(hx_parse_addr_port(pool, &addr, (uint8_t *) client,
                                    strlen(client)), HX_OK);
    c->sockaddr = addr.sockaddr;
    c->socklen = addr.socklen;
    c->addr_text.data = (uint8_t *) client;
    c->addr_text.len = strchr(client, ':') && client[0] != '['
                       ? (size_t) (strchr(client, ':') - client)
                       : strlen(client);

    cr_assert_eq(hx_parse_addr_port(pool, &addr, (uint8_t *) local,
                                    strlen(local)), HX_OK);
    c->local_sockaddr = addr.sockaddr;
    c->local_socklen = addr.socklen;

    s = hx_pcalloc(pool, sizeof(hx_stream_session_t));
    cr_assert_not_null(s);

    port = ls->servers;

    if (ls->sockaddr->sa_family == AF_INET6) {
        in6 = port->addrs;
        ctx = in6[port->naddrs - 1].conf.default_server->ctx;

    } else {
        in = port->addrs;
        ctx = in[port->naddrs - 1].conf.default_server->ctx;
    }

    s->signature = HX_STREAM_MODULE;
    s->connection = c;
    s->main_conf = ctx->main_conf;
    s->srv_conf = ctx->srv_conf;
    c->data = s;

    s->ctx = hx_pcalloc(pool, sizeof(void *) * hx_stream_max_module);
    cr_assert_not_null(s->ctx);

    cmcf = hxs_cmcf();

    s->variables = hx_pcalloc(pool, (cmcf->variables.nelts + 1)
                                    * sizeof(hx_stream_variable_value_t));
    cr_assert_not_null(s->variables);

    s->start_sec = hx_time();
    s->start_msec = (hx_timeofday())->msec;

    return s;
}

#endif /* HX_TESTS_UNIT_STREAM_HX_STREAM_FIXTURE_H */

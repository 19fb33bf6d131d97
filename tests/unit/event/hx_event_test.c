/*
 * Unit tests for event/hx_event.c through the real configuration path
 * (hx_init_cycle on a file in a temporary directory, with the built-in
 * module list): the events {} block and its directives, their defaults
 * and error messages, the missing-block error nginx gives, the open file
 * limit warning, and the worker's init_process building the pool.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <criterion/criterion.h>


static char         tmpdir[64];
static char         conf_path[128];
static char         log_path[128];
static char         logged[16384];
static size_t       logged_len;
static hx_log_t     test_log;
static hx_cycle_t   init;


static void
capture(hx_log_t *log, hx_uint_t level, uint8_t *buf, size_t len)
{
    (void) log;
    (void) level;

    len = hx_min(len, sizeof(logged) - 1 - logged_len);
    memcpy(logged + logged_len, buf, len);
    logged_len += len;
    logged[logged_len] = '\0';
}


static void
setup(void)
{
    strcpy(tmpdir, "/tmp/hx_event_test.XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));

    snprintf(conf_path, sizeof(conf_path), "%s/hanx.conf", tmpdir);
    snprintf(log_path, sizeof(log_path), "%s/error.log", tmpdir);

    hx_time_init();
    hx_use_stderr = 0;
    hx_test_config = 1;
    hx_quiet_mode = 1;

    logged_len = 0;
    logged[0] = '\0';

    hx_memzero(&test_log, sizeof(hx_log_t));
    test_log.log_level = HX_LOG_INFO;
    test_log.writer = capture;

    cr_assert_eq(hx_preinit_modules(), HX_OK);

    hx_memzero(&init, sizeof(hx_cycle_t));
    init.log = &test_log;

    init.conf_file.data = (uint8_t *) conf_path;
    init.conf_file.len = strlen(conf_path);
    init.prefix.data = (uint8_t *) tmpdir;
    init.prefix.len = strlen(tmpdir);
    init.conf_prefix = init.prefix;
    init.error_log.data = (uint8_t *) log_path;
    init.error_log.len = strlen(log_path);
    init.conf_param.data = (uint8_t *) "";
    init.conf_param.len = 0;

    hx_cycle = &init;
}


static void
teardown(void)
{
    char  cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    (void) system(cmd);
}


static hx_cycle_t *
load(const char *text)
{
    FILE        *f;
    hx_cycle_t  *cycle;

    f = fopen(conf_path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);

    cycle = hx_init_cycle(&init);

    if (cycle) {
        hx_cycle = cycle;
    }

    return cycle;
}


static hx_event_conf_t *
ecf_of(hx_cycle_t *cycle)
{
    return hx_event_get_conf(cycle->conf_ctx, hx_event_core_module);
}


/* the error log the loaded cycle wrote to */
static char *
file_log(void)
{
    static char   buf[16384];
    FILE         *f;
    size_t        n;

    buf[0] = '\0';

    f = fopen(log_path, "r");

    if (f) {
        n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = '\0';
        fclose(f);
    }

    return buf;
}


TestSuite(event, .init = setup, .fini = teardown);


Test(event, missing_events_block_is_refused_as_nginx_does)
{
    cr_assert_null(load("worker_processes 1;\n"));
    cr_assert_not_null(strstr(logged, "[emerg] "));
    cr_assert_not_null(strstr(logged,
                              "no \"events\" section in configuration"),
                       "%s", logged);
}


Test(event, empty_events_block_takes_the_defaults)
{
    hx_cycle_t       *cycle;
    hx_event_conf_t  *ecf;

    cycle = load("events { }\n");
    cr_assert_not_null(cycle, "%s", logged);

    ecf = ecf_of(cycle);

    cr_assert_eq(ecf->connections, 512);
    cr_assert_eq(cycle->connection_n, 512);
    cr_assert_eq(ecf->multi_accept, 0);
    cr_assert_eq(ecf->accept_mutex, 0);
    cr_assert_eq(ecf->accept_mutex_delay, 500);
    cr_assert_str_eq((char *) ecf->name, "epoll");
    cr_assert_eq(ecf->use, hx_epoll_module.ctx_index);
}


Test(event, directives_are_read)
{
    hx_cycle_t       *cycle;
    hx_event_conf_t  *ecf;

    cycle = load("events {\n"
                 "    worker_connections 64;\n"
                 "    use epoll;\n"
                 "    multi_accept on;\n"
                 "    accept_mutex on;\n"
                 "    accept_mutex_delay 100ms;\n"
                 "    debug_connection 127.0.0.1;\n"
                 "    debug_connection 10.0.0.0/8;\n"
                 "    debug_connection unix:;\n"
                 "    epoll_events 128;\n"
                 "}\n");
    cr_assert_not_null(cycle, "%s", logged);

    ecf = ecf_of(cycle);

    cr_assert_eq(ecf->connections, 64);
    cr_assert_eq(cycle->connection_n, 64);
    cr_assert_eq(ecf->multi_accept, 1);
    cr_assert_eq(ecf->accept_mutex, 1, "accepted (and never used)");
    cr_assert_eq(ecf->accept_mutex_delay, 100);

#if (HX_DEBUG)
    cr_assert_eq(ecf->debug_connection.nelts, 3);
#else
    cr_assert_not_null(strstr(logged, "\"debug_connection\" is ignored, "
                                      "you need to rebuild hanx using "
                                      "--with-debug option"));
#endif
    cr_assert_null(strstr(logged, "accept_mutex"),
                   "accept_mutex is silently accepted");
}


Test(event, unknown_event_method_is_refused)
{
    cr_assert_null(load("events {\n    use kqueue;\n}\n"));
    cr_assert_not_null(strstr(logged, "invalid event type \"kqueue\" in "),
                       "%s", logged);
    cr_assert_not_null(strstr(logged, "hanx.conf:2"));
}


Test(event, event_core_is_not_a_method)
{
    cr_assert_null(load("events { use event_core; }\n"));
    cr_assert_not_null(strstr(logged, "invalid event type \"event_core\""));
}


Test(event, duplicates_are_refused)
{
    cr_assert_null(load("events {\n"
                        "    worker_connections 64;\n"
                        "    worker_connections 128;\n"
                        "}\n"));
    cr_assert_not_null(strstr(logged,
                              "\"worker_connections\" directive is "
                              "duplicate in "), "%s", logged);
    cr_assert_not_null(strstr(logged, "hanx.conf:3"));

    logged_len = 0;

    cr_assert_null(load("events { }\nevents { }\n"));
    cr_assert_not_null(strstr(logged, "\"events\" directive is duplicate"),
                       "%s", logged);
}


Test(event, worker_connections_must_be_a_number)
{
    cr_assert_null(load("events { worker_connections many; }\n"));
    cr_assert_not_null(strstr(logged, "invalid number \"many\" in "),
                       "%s", logged);
}


Test(event, event_directives_belong_inside_events)
{
    cr_assert_null(load("worker_connections 64;\nevents { }\n"));
    cr_assert_not_null(strstr(logged, "\"worker_connections\" directive "
                                      "is not allowed here in "),
                       "%s", logged);

    logged_len = 0;

    cr_assert_null(load("events { events { } }\n"));
    cr_assert_not_null(strstr(logged, "\"events\" directive is not "
                                      "allowed here in "), "%s", logged);
}


Test(event, too_many_connections_for_the_file_limit_warn_like_nginx)
{
    struct rlimit  rl;
    char           expect[128];

    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);

    if (rl.rlim_cur >= 100000000) {
        cr_skip_test("no open file limit to exceed");
    }

    cr_assert_not_null(load("error_log error.log info;\n"
                             "events { worker_connections 100000000; }\n"),
                       "%s", logged);

    snprintf(expect, sizeof(expect),
             "[warn] %d#0: 100000000 worker_connections exceed open file "
             "resource limit: %ld", (int) getpid(), (long) rl.rlim_cur);

    cr_assert_not_null(strstr(file_log(), expect), "%s", file_log());
}


Test(event, worker_rlimit_nofile_that_covers_the_connections_is_quiet)
{
    cr_assert_not_null(load("error_log error.log info;\n"
                            "worker_rlimit_nofile 200000000;\n"
                            "events { worker_connections 100000000; }\n"),
                       "%s", logged);

    cr_assert_null(strstr(file_log(), "exceed open file resource limit"),
                   "%s", file_log());
}


Test(event, worker_init_process_builds_the_pool)
{
    hx_cycle_t  *cycle;

    cycle = load("events { worker_connections 32; }\n");
    cr_assert_not_null(cycle, "%s", logged);

    cr_assert_eq(hx_modules_init_process(cycle), HX_OK);

    cr_assert_not_null(cycle->connections);
    cr_assert_eq(cycle->connection_n, 32);
    cr_assert_eq(cycle->free_connection_n, 32, "no listening sockets");
    cr_assert(hx_event_flags & HX_USE_EPOLL_EVENT);

    hx_event_process_done(cycle);
}

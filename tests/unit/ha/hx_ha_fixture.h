/*
 * Shared fixture of the ha tests that go through the configuration
 * parser: a cycle built by hand (a pool, a log that keeps each line in
 * memory, the config dump, open files and a shared memory list for the
 * virtual servers' zones) with the real ha modules plus hx_conf_module,
 * and configuration text written to files in a temporary directory.
 * Criterion runs every test in its own process, so the globals start
 * fresh each time.
 *
 * A test file defines HX_HA_FIXTURE_NAME (the temporary directory's
 * prefix) before including this, and declares
 * TestSuite(x, .init = hx_ha_fixture_setup, .fini = hx_ha_fixture_teardown).
 */

#ifndef HX_TESTS_UNIT_HA_HX_HA_FIXTURE_H
#define HX_TESTS_UNIT_HA_HX_HA_FIXTURE_H

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_ha.h>
#include <hx_ha_virtual_server.h>
#include <hx_ha_keepalived_conf.h>

#include <criterion/criterion.h>


#define HX_HA_FIXTURE_MAX_LINES  64


typedef struct {
    hx_uint_t            level;
    char                 text[HX_MAX_ERROR_STR];
} test_line_t;


extern hx_module_t  hx_conf_module;


static hx_module_t  *test_modules[] = {
    &hx_conf_module,
    &hx_ha_module,
    &hx_ha_core_module,
    &hx_ha_vrrp_module,
    &hx_ha_keepalived_module,
    &hx_ha_virtual_server_module,
    NULL
};

#define HX_HA_FIXTURE_NMODULES                                                \
    (sizeof(test_modules) / sizeof(test_modules[0]) - 1)


static char           tmpdir[64];
static char           main_conf[128];
static hx_log_t       test_log;
static hx_cycle_t     test_cycle;
static hx_conf_t      cf;
static hx_pool_t     *pool;
static void          *test_ctx[HX_HA_FIXTURE_NMODULES];
static test_line_t    lines[HX_HA_FIXTURE_MAX_LINES];
static hx_uint_t      nlines;


/* the log's writer: the message part of each line, kept */
static void
hx_ha_fixture_capture(hx_log_t *log, hx_uint_t level, uint8_t *buf,
    size_t len)
{
    uint8_t      *msg, *end;
    test_line_t  *line;

    (void) log;

    cr_assert_lt(nlines, HX_HA_FIXTURE_MAX_LINES, "too many log lines");

    end = buf + len - 1;
    msg = hx_strnstr(buf, "#0: ", len);
    cr_assert_not_null(msg);
    msg += 4;

    line = &lines[nlines++];
    line->level = level;
    memcpy(line->text, msg, end - msg);
    line->text[end - msg] = '\0';
}


/* a fresh configuration in the same cycle: no ha block, no zones */
static void
hx_ha_fixture_reset(void)
{
    hx_memzero(test_ctx, sizeof(test_ctx));
    cr_assert_eq(hx_list_init(&test_cycle.shared_memory, pool, 4,
                              sizeof(hx_shm_zone_t)), HX_OK);
    nlines = 0;
}


static void
hx_ha_fixture_setup(void)
{
    hx_uint_t  i;

    strcpy(tmpdir, "/tmp/" HX_HA_FIXTURE_NAME ".XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(main_conf, sizeof(main_conf), "%s/main.conf", tmpdir);

    hx_time_init();
    hx_use_stderr = 0;

    test_log.log_level = HX_LOG_INFO;
    test_log.writer = hx_ha_fixture_capture;

    pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, &test_log);
    cr_assert_not_null(pool);

    hx_memzero(&test_cycle, sizeof(test_cycle));
    test_cycle.pool = pool;
    test_cycle.log = &test_log;
    test_cycle.modules = test_modules;
    test_cycle.modules_n = HX_HA_FIXTURE_NMODULES;
    test_cycle.conf_ctx = (void ****) test_ctx;

    test_cycle.prefix.len = strlen(tmpdir) + 1;
    test_cycle.prefix.data = hx_pnalloc(pool, test_cycle.prefix.len + 1);
    sprintf((char *) test_cycle.prefix.data, "%s/", tmpdir);
    test_cycle.conf_prefix = test_cycle.prefix;

    cr_assert_eq(hx_array_init(&test_cycle.config_dump, pool, 1,
                               sizeof(hx_conf_dump_t)), HX_OK);
    cr_assert_eq(hx_list_init(&test_cycle.open_files, pool, 4,
                              sizeof(hx_open_file_t)), HX_OK);

    for (i = 0; test_modules[i]; i++) {
        test_modules[i]->index = i;
    }

    hx_memzero(&cf, sizeof(cf));
    cf.name = "test";
    cf.args = hx_array_create(pool, 10, sizeof(hx_str_t));
    cf.cycle = &test_cycle;
    cf.pool = pool;
    cf.temp_pool = pool;
    cf.log = &test_log;
    cf.ctx = test_ctx;
    cf.module_type = HX_CORE_MODULE;
    cf.cmd_type = HX_MAIN_CONF;

    hx_ha_fixture_reset();
}


static void
hx_ha_fixture_teardown(void)
{
    char  cmd[128];

    /* frees the ha {} pool too, through its cleanup */
    hx_destroy_pool(test_cycle.pool);

    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    cr_assert_eq(system(cmd), 0);
}


static void
write_file(const char *name, const char *text)
{
    char   path[256];
    FILE  *f;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);

    f = fopen(path, "w");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    cr_assert_eq(fclose(f), 0);
}


/* text as main.conf through the parser, into a fresh configuration */
static char *
parse(const char *text)
{
    hx_str_t  name;

    hx_ha_fixture_reset();
    write_file("main.conf", text);

    name.len = strlen(main_conf);
    name.data = (uint8_t *) main_conf;

    return hx_conf_parse(&cf, &name);
}


static void
parse_ok(const char *text)
{
    char       *rv;
    hx_uint_t   i;

    rv = parse(text);

    for (i = 0; i < nlines; i++) {
        cr_log_info("logged: %s", lines[i].text);
    }

    cr_assert_eq(rv, HX_CONF_OK, "parse failed: %s",
                 nlines ? lines[nlines - 1].text : "(nothing logged)");
}

#endif /* HX_TESTS_UNIT_HA_HX_HA_FIXTURE_H */

/*
 * Shared fixture of the core tests that read a configuration block: a
 * cycle built by hand whose module list is hx_conf_module (for include)
 * and the test's own core module, whose directives take HX_DIRECT_CONF
 * so the handler gets no conf of its own.  Configuration text goes
 * through a real file in a temporary directory, as hanx reads it; the
 * last line logged is kept for the error-message tests.
 *
 * The including file defines hxc_test_module before including this.
 */

#ifndef HX_TESTS_UNIT_CORE_HX_CORE_CONF_FIXTURE_H
#define HX_TESTS_UNIT_CORE_HX_CORE_CONF_FIXTURE_H

#include <criterion/criterion.h>


extern hx_module_t  hx_conf_module;

static hx_module_t  *hxc_modules[] = { &hx_conf_module, &hxc_test_module };

static char          hxc_dir[64];
static char          hxc_error[HX_MAX_ERROR_STR];
static hx_log_t      hxc_log;
static hx_cycle_t    hxc_cycle;
static hx_conf_t     hxc_cf;
static void         *hxc_ctx[2];


/* the log writer: keeps the last line */
static void
hxc_capture(hx_log_t *log, hx_uint_t level, uint8_t *buf, size_t len)
{
    (void) log;
    (void) level;

    len = hx_min(len, sizeof(hxc_error) - 1);
    memcpy(hxc_error, buf, len);
    hxc_error[len] = '\0';
}


static void
hxc_setup(void)
{
    hx_pool_t  *pool;

    strcpy(hxc_dir, "/tmp/hx_core_conf_test.XXXXXX");
    cr_assert_not_null(mkdtemp(hxc_dir));

    hx_time_init();
    hx_regex_init();
    hx_use_stderr = 0;

    hxc_log.log_level = HX_LOG_INFO;
    hxc_log.writer = hxc_capture;

    pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, &hxc_log);
    cr_assert_not_null(pool);

    hxc_cycle.pool = pool;
    hxc_cycle.log = &hxc_log;
    hxc_cycle.modules = hxc_modules;
    hxc_cycle.modules_n = 2;

    hxc_cycle.prefix.len = strlen(hxc_dir) + 1;
    hxc_cycle.prefix.data = hx_pnalloc(pool, hxc_cycle.prefix.len + 1);
    cr_assert_not_null(hxc_cycle.prefix.data);
    sprintf((char *) hxc_cycle.prefix.data, "%s/", hxc_dir);
    hxc_cycle.conf_prefix = hxc_cycle.prefix;

    cr_assert_eq(hx_array_init(&hxc_cycle.config_dump, pool, 1,
                               sizeof(hx_conf_dump_t)), HX_OK);
    cr_assert_eq(hx_list_init(&hxc_cycle.open_files, pool, 4,
                              sizeof(hx_open_file_t)), HX_OK);

    hx_conf_module.index = 0;
    hxc_test_module.index = 1;

    hx_memzero(&hxc_cf, sizeof(hx_conf_t));
    hxc_cf.name = "test";
    hxc_cf.args = hx_array_create(pool, 10, sizeof(hx_str_t));
    cr_assert_not_null(hxc_cf.args);
    hxc_cf.cycle = &hxc_cycle;
    hxc_cf.pool = pool;
    hxc_cf.temp_pool = pool;
    hxc_cf.log = &hxc_log;
    hxc_cf.ctx = hxc_ctx;
    hxc_cf.module_type = HX_CORE_MODULE;
    hxc_cf.cmd_type = HX_MAIN_CONF;

    hxc_error[0] = '\0';
}


static void
hxc_teardown(void)
{
    char  cmd[128];

    hx_destroy_pool(hxc_cycle.pool);

    snprintf(cmd, sizeof(cmd), "rm -rf %s", hxc_dir);
    cr_assert_eq(system(cmd), 0);
}


static void
hxc_write_file(const char *name, const char *text)
{
    char   path[256];
    FILE  *f;

    snprintf(path, sizeof(path), "%s/%s", hxc_dir, name);

    f = fopen(path, "w");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    cr_assert_eq(fclose(f), 0);
}


/* writes main.conf and reads it as the top-level file */
static char *
hxc_parse(const char *text)
{
    char      path[128];
    hx_str_t  name;

    hxc_write_file("main.conf", text);
    snprintf(path, sizeof(path), "%s/main.conf", hxc_dir);

    name.len = strlen(path);
    name.data = (uint8_t *) path;

    return hx_conf_parse(&hxc_cf, &name);
}


/* a value as a C string (values are short in these tests) */
static inline const char *
hxc_cstr(hx_str_t *v)
{
    static char  buf[64];

    cr_assert_lt(v->len, sizeof(buf));
    memcpy(buf, v->data, v->len);
    buf[v->len] = '\0';

    return buf;
}


#endif /* HX_TESTS_UNIT_CORE_HX_CORE_CONF_FIXTURE_H */

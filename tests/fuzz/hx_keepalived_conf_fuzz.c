/*
 * libFuzzer target for keepalived_config: the keepalived.conf translator
 * (ha/hx_ha_keepalived_conf.c) and, when it accepts the input, the
 * translation parsed the way keepalived_config parses it, inside ha {}
 * with the real ha modules (global_defs, vrrp_instance, vrrp_script,
 * vrrp_sync_group, the ignored keywords, virtual_server with its
 * upstream and zone), from memory through hx_conf_parse_buffer().
 *
 * The first input byte picks the config id ("a" or "b") so that "@a" and
 * "@^b" lines are both reached.  hx_ha_keepalived_module is left out of
 * the module list: an "include" would otherwise read arbitrary files.
 * Each input gets a fresh pool; the ha {} pool is freed with it.
 *
 * Run:
 *     objs/fuzz/hx_keepalived_conf_fuzz -max_total_time=600 \
 *         /tmp/kc-corpus tests/fuzz/corpus/keepalived
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_ha.h>
#include <hx_ha_keepalived_conf.h>
#include <hx_ha_virtual_server.h>


int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


extern hx_module_t  hx_conf_module;


static hx_module_t  *fuzz_modules[] = {
    &hx_conf_module,
    &hx_ha_module,
    &hx_ha_core_module,
    &hx_ha_vrrp_module,
    &hx_ha_virtual_server_module,
    NULL
};

#define FUZZ_NMODULES  (sizeof(fuzz_modules) / sizeof(hx_module_t *) - 1)


static hx_log_t  fuzz_log;


static void
fuzz_writer(hx_log_t *log, hx_uint_t level, uint8_t *buf, size_t len)
{
    (void) log;
    (void) level;
    (void) buf;
    (void) len;
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    hx_uint_t  i;

    (void) argc;
    (void) argv;

    hx_time_init();
    hx_use_stderr = 0;

    for (i = 0; fuzz_modules[i]; i++) {
        fuzz_modules[i]->index = i;
    }

    fuzz_log.log_level = HX_LOG_DEBUG;
    fuzz_log.writer = fuzz_writer;

    return 0;
}


static void
fuzz_parse(hx_pool_t *pool, hx_buf_t *translated)
{
    void        *ctx[FUZZ_NMODULES];
    hx_buf_t     b;
    hx_str_t     name = hx_string("/fuzz/keepalived.conf");
    hx_conf_t    cf;
    hx_cycle_t   cycle;
    uint8_t     *text;
    size_t       len;

    len = translated->last - translated->pos;

    /* the translation goes inside ha { }, as keepalived_config puts it */
    text = hx_pnalloc(pool, len + sizeof("ha {\n\n}\n"));
    if (text == NULL) {
        return;
    }

    b.pos = text;
    b.last = hx_cpymem(text, "ha {\n", 5);
    b.last = hx_cpymem(b.last, translated->pos, len);
    b.last = hx_cpymem(b.last, "\n}\n", 3);

    hx_memzero(&cycle, sizeof(cycle));
    cycle.pool = pool;
    cycle.log = &fuzz_log;
    cycle.modules = fuzz_modules;
    cycle.modules_n = FUZZ_NMODULES;
    cycle.conf_ctx = (void ****) ctx;
    hx_str_set(&cycle.prefix, "/fuzz/");
    cycle.conf_prefix = cycle.prefix;

    if (hx_array_init(&cycle.config_dump, pool, 1, sizeof(hx_conf_dump_t))
        != HX_OK
        || hx_list_init(&cycle.open_files, pool, 4, sizeof(hx_open_file_t))
           != HX_OK
        || hx_list_init(&cycle.shared_memory, pool, 4, sizeof(hx_shm_zone_t))
           != HX_OK)
    {
        return;
    }

    hx_memzero(ctx, sizeof(ctx));

    hx_memzero(&cf, sizeof(cf));
    cf.name = "fuzz";
    cf.args = hx_array_create(pool, 10, sizeof(hx_str_t));
    cf.cycle = &cycle;
    cf.pool = pool;
    cf.temp_pool = pool;
    cf.log = &fuzz_log;
    cf.ctx = ctx;
    cf.module_type = HX_CORE_MODULE;
    cf.cmd_type = HX_MAIN_CONF;

    if (cf.args == NULL) {
        return;
    }

    (void) hx_conf_parse_buffer(&cf, &name, &b);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hx_buf_t        *b;
    hx_pool_t       *pool;
    hx_ha_kc_ctx_t   kc;

    if (size == 0) {
        return 0;
    }

    pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, &fuzz_log);
    if (pool == NULL) {
        return 0;
    }

    hx_memzero(&kc, sizeof(kc));

    kc.config_id.data = (uint8_t *) ((data[0] & 1) ? "a" : "b");
    kc.config_id.len = 1;
    kc.vars = hx_array_create(pool, 2, sizeof(hx_ha_kc_var_t));
    hx_str_set(&kc.dir, "/fuzz/");

    if (kc.vars != NULL) {
        b = hx_ha_keepalived_translate(pool, &kc, data + 1, size - 1);

        if (b != NULL) {
            fuzz_parse(pool, b);

        } else if (kc.err_line && kc.err[0] == '\0') {
            /* a failure always says why */
            abort();
        }
    }

    hx_destroy_pool(pool);

    return 0;
}

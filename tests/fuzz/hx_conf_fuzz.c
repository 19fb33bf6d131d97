/*
 * libFuzzer target for the configuration reader: the tokenizer, the
 * dispatcher, the generic setters, include, and the -g parameter path.
 *
 * Each input is parsed twice on a fresh pool: once as a file, the way
 * hanx reads hanx.conf, and once as -g directives, from memory.  The file
 * is a memfd reached through /proc/self/fd, so nothing touches the disk
 * and hx_conf_parse() opens it by name exactly as it opens a real file.
 * The module list has hanx's own core, errlog and event modules (real
 * handlers: user, worker_processes, error_log, events {}, ...) and a fuzz
 * module whose table has a block with its own context and one directive
 * per setter kind.
 * "include" is the fuzz module's: it passes relative names without ".."
 * to hx_conf_include() inside a small sandbox directory built at start,
 * so the fuzzer can reach globs, nested files and errors in included
 * files, but never the rest of the file system (a glob over / would make
 * runs slow and machine-dependent).
 *
 * Build: ./configure --with-cc=clang && make fuzz, or by hand, see
 * tests/fuzz/README.  Run:
 *     objs/fuzz/hx_conf_fuzz -dict=tests/fuzz/hx_conf_fuzz.dict \
 *         -max_total_time=600 tests/fuzz/corpus/conf
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <sys/mman.h>


#define FUZZ_BLOCK_CONF  0x02000000
#define FUZZ_INNER_CONF  0x04000000


typedef struct {
    hx_flag_t            flag;
    hx_int_t             num;
    size_t               size;
    off_t                off;
    hx_msec_t            msec;
    time_t               sec;
    hx_str_t             str;
    hx_array_t          *strs;
    hx_array_t          *kv;
    hx_bufs_t            bufs;
    hx_uint_t            level;
    hx_uint_t            mask;
    hx_uint_t            depth;
} fuzz_conf_t;


int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fuzz_words(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *fuzz_block(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *fuzz_include(hx_conf_t *cf, hx_command_t *cmd, void *conf);


static hx_conf_num_bounds_t  fuzz_bounds = {
    hx_conf_check_num_bounds, 0, 1000
};

static hx_conf_deprecated_t  fuzz_deprecated = {
    hx_conf_deprecated, "old", "new"
};

static hx_conf_enum_t  fuzz_levels[] = {
    { hx_string("low"), 1 },
    { hx_string("high"), 2 },
    { hx_null_string, 0 }
};

static hx_conf_bitmask_t  fuzz_masks[] = {
    { hx_string("read"), 0x01 },
    { hx_string("write"), 0x02 },
    { hx_null_string, 0 }
};


#define FUZZ_SLOT(name, args, set, field, post)                              \
    { hx_string(name),                                                        \
      HX_MAIN_CONF|FUZZ_BLOCK_CONF|FUZZ_INNER_CONF|HX_DIRECT_CONF|args,       \
      set,                                                                    \
      0,                                                                      \
      offsetof(fuzz_conf_t, field),                                           \
      post }


static hx_command_t  fuzz_commands[] = {

    { hx_string("include"),
      HX_ANY_CONF|HX_DIRECT_CONF|HX_CONF_TAKE1,
      fuzz_include,
      0,
      0,
      NULL },

    { hx_string("w"),
      HX_ANY_CONF|HX_DIRECT_CONF|HX_CONF_ANY,
      fuzz_words,
      0,
      0,
      NULL },

    { hx_string("blk"),
      HX_MAIN_CONF|FUZZ_BLOCK_CONF|HX_DIRECT_CONF|HX_CONF_BLOCK|HX_CONF_ANY,
      fuzz_block,
      0,
      0,
      NULL },

    { hx_string("inner"),
      FUZZ_BLOCK_CONF|HX_DIRECT_CONF|HX_CONF_BLOCK|HX_CONF_NOARGS,
      fuzz_block,
      0,
      0,
      NULL },

    { hx_string("t2"),
      HX_ANY_CONF|HX_DIRECT_CONF|HX_CONF_TAKE2,
      fuzz_words,
      0,
      0,
      NULL },

    { hx_string("t13"),
      HX_ANY_CONF|HX_DIRECT_CONF|HX_CONF_TAKE13,
      fuzz_words,
      0,
      0,
      NULL },

    { hx_string("m2"),
      HX_ANY_CONF|HX_DIRECT_CONF|HX_CONF_2MORE,
      fuzz_words,
      0,
      0,
      NULL },

    { hx_string("none"),
      HX_ANY_CONF|HX_DIRECT_CONF|HX_CONF_NOARGS,
      fuzz_words,
      0,
      0,
      NULL },

    FUZZ_SLOT("flag", HX_CONF_FLAG, hx_conf_set_flag_slot, flag,
              &fuzz_deprecated),
    FUZZ_SLOT("num", HX_CONF_TAKE1, hx_conf_set_num_slot, num,
              &fuzz_bounds),
    FUZZ_SLOT("size", HX_CONF_TAKE1, hx_conf_set_size_slot, size, NULL),
    FUZZ_SLOT("off", HX_CONF_TAKE1, hx_conf_set_off_slot, off, NULL),
    FUZZ_SLOT("msec", HX_CONF_TAKE1, hx_conf_set_msec_slot, msec, NULL),
    FUZZ_SLOT("sec", HX_CONF_TAKE1, hx_conf_set_sec_slot, sec, NULL),
    FUZZ_SLOT("str", HX_CONF_TAKE1, hx_conf_set_str_slot, str, NULL),
    FUZZ_SLOT("strs", HX_CONF_TAKE1, hx_conf_set_str_array_slot, strs,
              NULL),
    FUZZ_SLOT("kv", HX_CONF_TAKE2, hx_conf_set_keyval_slot, kv, NULL),
    FUZZ_SLOT("bufs", HX_CONF_TAKE2, hx_conf_set_bufs_slot, bufs, NULL),
    FUZZ_SLOT("level", HX_CONF_TAKE1, hx_conf_set_enum_slot, level,
              fuzz_levels),
    FUZZ_SLOT("mask", HX_CONF_1MORE, hx_conf_set_bitmask_slot, mask,
              fuzz_masks),

      hx_null_command
};


static hx_module_t  fuzz_module = {
    HX_MODULE_V1,
    "fuzz_module",
    NULL,
    fuzz_commands,
    HX_CORE_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


static hx_module_t  *fuzz_modules[] = {
    &hx_core_module,
    &hx_errlog_module,
    &hx_events_module,
    &hx_event_core_module,
    &hx_epoll_module,
    &fuzz_module,
    NULL
};

#define FUZZ_NMODULES  6


static hx_log_t   fuzz_log;
static int        fuzz_fd = -1;
static char       fuzz_name[64];
static char       fuzz_sandbox[64];


/* formats every line (that is code under test too) and drops it */
static void
fuzz_writer(hx_log_t *log, hx_uint_t level, uint8_t *buf, size_t len)
{
    (void) log;
    (void) level;
    (void) buf;
    (void) len;
}


static void
fuzz_write(const char *name, const char *text)
{
    char  path[128];
    int   fd;

    snprintf(path, sizeof(path), "%s/%s", fuzz_sandbox, name);

    fd = open(path, O_WRONLY|O_CREAT|O_TRUNC, 0644);
    if (fd == -1 || write(fd, text, strlen(text)) != (ssize_t) strlen(text)) {
        abort();
    }

    close(fd);
}


static void
fuzz_cleanup(void)
{
    char  cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", fuzz_sandbox);
    (void) system(cmd);
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char       dir[128];
    hx_uint_t  i;

    (void) argc;
    (void) argv;

    hx_time_init();
    hx_use_stderr = 0;

    /* our own list: give its modules their indexes in it */
    for (i = 0; fuzz_modules[i]; i++) {
        fuzz_modules[i]->index = i;
    }

    fuzz_log.log_level = HX_LOG_DEBUG;
    fuzz_log.writer = fuzz_writer;

    fuzz_fd = memfd_create("hx_conf_fuzz", MFD_CLOEXEC);
    if (fuzz_fd == -1) {
        abort();
    }

    snprintf(fuzz_name, sizeof(fuzz_name), "/proc/self/fd/%d", fuzz_fd);

    strcpy(fuzz_sandbox, "/tmp/hx_conf_fuzz.XXXXXX");
    if (mkdtemp(fuzz_sandbox) == NULL) {
        abort();
    }

    atexit(fuzz_cleanup);

    snprintf(dir, sizeof(dir), "%s/d", fuzz_sandbox);
    if (mkdir(dir, 0755) == -1) {
        abort();
    }

    fuzz_write("a.conf", "w a;\nblk x { w 'b'; inner { none; } }\n");
    fuzz_write("bad.conf", "w a;\nfoo bar;\n");
    fuzz_write("open.conf", "blk {\n w a;\n");
    fuzz_write("close.conf", "w a;\n}\n");
    fuzz_write("nest.conf", "include a.conf;\ninclude d/*.conf;\n");
    fuzz_write("d/1.conf", "num 1;\n");
    fuzz_write("d/2.conf", "size 1k;\nstrs \"x y\";\n");

    return 0;
}


static char *
fuzz_words(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t  *value;
    hx_uint_t  i, sum;

    (void) cmd;
    (void) conf;

    /* touch every byte of every word, so ASan sees their bounds */
    value = cf->args->elts;
    sum = 0;

    for (i = 0; i < cf->args->nelts; i++) {
        sum += value[i].len ? value[i].data[value[i].len - 1] : 0;
        sum += value[i].data[value[i].len];    /* the terminating NUL */
    }

    return sum == (hx_uint_t) -1 ? "is impossible" : HX_CONF_OK;
}


static char *
fuzz_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char         *rv;
    hx_uint_t     cmd_type;
    fuzz_conf_t  *fc = conf;

    (void) fuzz_words(cf, cmd, conf);

    cmd_type = cf->cmd_type;
    cf->cmd_type = (cmd_type == HX_MAIN_CONF) ? FUZZ_BLOCK_CONF
                                              : FUZZ_INNER_CONF;
    fc->depth++;

    rv = hx_conf_parse(cf, NULL);

    fc->depth--;
    cf->cmd_type = cmd_type;

    return rv;
}


static char *
fuzz_include(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t  *value;

    value = cf->args->elts;

    if (value[1].len == 0
        || value[1].data[0] == '/'
        || hx_strnstr(value[1].data, "..", value[1].len) != NULL
        || hx_strlchr(value[1].data, value[1].data + value[1].len, '\0'))
    {
        return "is outside the sandbox";
    }

    return hx_conf_include(cf, cmd, conf);
}


static hx_int_t
fuzz_setup(hx_cycle_t *cycle, hx_conf_t *cf, void **ctx)
{
    hx_pool_t         *pool;
    fuzz_conf_t       *fc;
    hx_core_module_t  *core;

    pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, &fuzz_log);
    if (pool == NULL) {
        return HX_ERROR;
    }

    hx_memzero(cycle, sizeof(hx_cycle_t));

    cycle->pool = pool;
    cycle->log = &fuzz_log;
    cycle->modules = fuzz_modules;
    cycle->modules_n = FUZZ_NMODULES;

    cycle->prefix.len = strlen(fuzz_sandbox) + 1;
    cycle->prefix.data = hx_pnalloc(pool, cycle->prefix.len + 1);
    if (cycle->prefix.data == NULL) {
        return HX_ERROR;
    }

    hx_sprintf(cycle->prefix.data, "%s/%Z", fuzz_sandbox);
    cycle->conf_prefix = cycle->prefix;

    if (hx_array_init(&cycle->config_dump, pool, 1, sizeof(hx_conf_dump_t))
        != HX_OK
        || hx_list_init(&cycle->open_files, pool, 4, sizeof(hx_open_file_t))
           != HX_OK
        || hx_list_init(&cycle->shared_memory, pool, 1,
                        sizeof(hx_shm_zone_t))
           != HX_OK)
    {
        return HX_ERROR;
    }

    core = hx_core_module.ctx;

    hx_memzero(ctx, FUZZ_NMODULES * sizeof(void *));
    ctx[hx_core_module.index] = core->create_conf(cycle);

    fc = hx_pcalloc(pool, sizeof(fuzz_conf_t));
    if (ctx[hx_core_module.index] == NULL || fc == NULL) {
        return HX_ERROR;
    }

    fc->flag = HX_CONF_UNSET;
    fc->num = HX_CONF_UNSET;
    fc->size = HX_CONF_UNSET_SIZE;
    fc->off = HX_CONF_UNSET;
    fc->msec = HX_CONF_UNSET_MSEC;
    fc->sec = HX_CONF_UNSET;
    fc->strs = HX_CONF_UNSET_PTR;
    fc->kv = HX_CONF_UNSET_PTR;
    fc->level = HX_CONF_UNSET_UINT;

    ctx[fuzz_module.index] = fc;

    hx_memzero(cf, sizeof(hx_conf_t));

    cf->name = "fuzz";
    cf->args = hx_array_create(pool, 10, sizeof(hx_str_t));
    if (cf->args == NULL) {
        return HX_ERROR;
    }

    cf->cycle = cycle;
    cf->pool = pool;
    cf->temp_pool = pool;
    cf->log = &fuzz_log;
    cf->ctx = ctx;
    cf->module_type = HX_CORE_MODULE;
    cf->cmd_type = HX_MAIN_CONF;

    /* error_log fills the cycle's own log in place */
    cycle->new_log.log_level = 0;

    return HX_OK;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    void        *ctx[FUZZ_NMODULES];
    hx_str_t     name;
    hx_conf_t    cf;
    hx_cycle_t   cycle;

    /* the file pass */

    if (ftruncate(fuzz_fd, 0) == -1
        || pwrite(fuzz_fd, data, size, 0) != (ssize_t) size)
    {
        abort();
    }

    if (fuzz_setup(&cycle, &cf, ctx) != HX_OK) {
        abort();
    }

    hx_dump_config = size & 1;

    name.len = strlen(fuzz_name);
    name.data = (uint8_t *) fuzz_name;

    (void) hx_conf_parse(&cf, &name);

    if (cf.conf_file != NULL) {
        /* the reader must leave no file behind, whatever happened */
        abort();
    }

    hx_destroy_pool(cycle.pool);

    /* the -g pass: the same bytes from memory */

    if (fuzz_setup(&cycle, &cf, ctx) != HX_OK) {
        abort();
    }

    cycle.conf_param.len = size;
    cycle.conf_param.data = (uint8_t *) data;

    (void) hx_conf_param(&cf);

    hx_destroy_pool(cycle.pool);

    return 0;
}

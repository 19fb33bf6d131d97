/*
 * Tests of core/hx_limit_zone.c: a zone's start (fresh, found in an
 * existing segment, taken over on reload, refused when the key
 * changed), records of different layouts in one tree, limit_conn's
 * counts tied to a pool, and the limit_*_zone and limit_conn
 * directives' parameters and messages.
 *
 * The zone is an anonymous shared mapping with a slab pool in it, as
 * hx_shm_alloc would give; the directives run through the core conf
 * fixture with a cycle whose shared_memory list is real.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_limit_zone.h>

#include <criterion/criterion.h>


#define ZONE_SIZE  (64 * 4096)


static char *test_zone(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *test_limit(hx_conf_t *cf, hx_command_t *cmd, void *conf);


static hx_command_t  test_commands[] = {

    { hx_string("limit_conn_zone"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_2MORE,
      test_zone,
      0,
      0,
      NULL },

    { hx_string("limit_conn"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_TAKE2,
      test_limit,
      0,
      0,
      NULL },

    hx_null_command
};


static hx_module_t  hxc_test_module = {
    HX_MODULE_V1,
    "test_module",
    NULL,
    test_commands,
    HX_CORE_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


#include "hx_core_conf_fixture.h"


/* a module's zone context: core's part first */
typedef struct {
    hx_limit_zone_t         zone;
    hx_uint_t               extra;
} test_ctx_t;


/* a record of another layout than limit_conn's */
typedef struct {
    hx_limit_node_t         head;
    hx_queue_t              queue;
    uint64_t                payload;
    uint8_t                 data[1];
} test_node_t;


static hx_shm_zone_t   shm_zone;
static test_ctx_t      ctx;
static hx_array_t      limits;
static hx_int_t        zone_param_calls;


static void
setup(void)
{
    uint8_t         *addr;
    hx_slab_pool_t  *sp;

    hxc_setup();

    hx_cycle = &hxc_cycle;
    cr_assert_eq(hx_list_init(&hxc_cycle.shared_memory, hxc_cycle.pool, 2,
                              sizeof(hx_shm_zone_t)), HX_OK);

    hx_slab_sizes_init();

    addr = mmap(NULL, ZONE_SIZE, PROT_READ|PROT_WRITE,
                MAP_ANONYMOUS|MAP_SHARED, -1, 0);
    cr_assert(addr != MAP_FAILED);

    sp = (hx_slab_pool_t *) addr;
    sp->end = addr + ZONE_SIZE;
    sp->min_shift = 3;
    sp->addr = addr;

    cr_assert_eq(hx_shmtx_create(&sp->mutex, &hxc_log), HX_OK);
    hx_slab_init(sp);

    hx_memzero(&shm_zone, sizeof(hx_shm_zone_t));
    shm_zone.shm.addr = addr;
    shm_zone.shm.size = ZONE_SIZE;
    shm_zone.shm.name.len = 4;
    shm_zone.shm.name.data = (uint8_t *) "conn";
    shm_zone.shm.log = &hxc_log;
    shm_zone.data = &ctx;

    hx_memzero(&ctx, sizeof(test_ctx_t));
    ctx.zone.key.len = 19;
    ctx.zone.key.data = (uint8_t *) "$binary_remote_addr";
    ctx.zone.name = "limit_conn_zone";
    ctx.zone.log_name = "limit_conn_zone";

    hx_memzero(&limits, sizeof(hx_array_t));
    zone_param_calls = 0;
}


static void
teardown(void)
{
    munmap(shm_zone.shm.addr, ZONE_SIZE);
    hxc_teardown();
}


TestSuite(hx_limit_zone, .init = setup, .fini = teardown);


static hx_limit_conn_limit_t *
started_limit(hx_uint_t conn)
{
    static hx_limit_conn_limit_t  limit;

    cr_assert_eq(hx_limit_zone_init(&shm_zone, NULL), HX_OK);

    limit.shm_zone = &shm_zone;
    limit.conn = conn;

    return &limit;
}


static hx_str_t
str(const char *s)
{
    hx_str_t  v;

    v.len = strlen(s);
    v.data = (uint8_t *) s;

    return v;
}


static hx_rbtree_node_t *
lookup(const char *key)
{
    hx_str_t  k = str(key);

    return hx_limit_zone_lookup(&ctx.zone, &k, hx_crc32(k.data, k.len));
}


Test(hx_limit_zone, a_fresh_zone_gets_an_empty_tree_and_a_log_context)
{
    cr_assert_eq(hx_limit_zone_init(&shm_zone, NULL), HX_OK);

    cr_assert_not_null(ctx.zone.sh);
    cr_assert_eq(ctx.zone.shpool, (hx_slab_pool_t *) shm_zone.shm.addr);
    cr_assert_eq(ctx.zone.shpool->data, ctx.zone.sh);
    cr_assert_eq(ctx.zone.sh->rbtree.root, &ctx.zone.sh->sentinel);
    cr_assert(hx_queue_empty(&ctx.zone.sh->queue));
    cr_assert_str_eq((char *) ctx.zone.shpool->log_ctx,
                     " in limit_conn_zone \"conn\"");
    cr_assert_null(lookup("a"));
}


Test(hx_limit_zone, quiet_nomem_turns_the_slab_message_off)
{
    ctx.zone.quiet_nomem = 1;
    ctx.zone.log_name = "limit_req zone";

    cr_assert_eq(hx_limit_zone_init(&shm_zone, NULL), HX_OK);

    cr_assert_eq(ctx.zone.shpool->log_nomem, 0);
    cr_assert_str_eq((char *) ctx.zone.shpool->log_ctx,
                     " in limit_req zone \"conn\"");
}


Test(hx_limit_zone, an_existing_segment_keeps_its_tree)
{
    hx_limit_zone_sh_t  *sh;

    cr_assert_eq(hx_limit_zone_init(&shm_zone, NULL), HX_OK);
    sh = ctx.zone.sh;

    ctx.zone.sh = NULL;
    shm_zone.shm.exists = 1;

    cr_assert_eq(hx_limit_zone_init(&shm_zone, NULL), HX_OK);
    cr_assert_eq(ctx.zone.sh, sh);
}


Test(hx_limit_zone, a_reload_with_the_same_key_takes_the_zone_over)
{
    test_ctx_t  old;

    cr_assert_eq(hx_limit_zone_init(&shm_zone, NULL), HX_OK);
    old = ctx;

    hx_memzero(&ctx.zone.sh, sizeof(ctx.zone.sh));
    ctx.zone.shpool = NULL;

    cr_assert_eq(hx_limit_zone_init(&shm_zone, &old), HX_OK);
    cr_assert_eq(ctx.zone.sh, old.zone.sh);
    cr_assert_eq(ctx.zone.shpool, old.zone.shpool);
}


Test(hx_limit_zone, a_reload_with_another_key_is_refused)
{
    test_ctx_t  old;

    cr_assert_eq(hx_limit_zone_init(&shm_zone, NULL), HX_OK);
    old = ctx;

    ctx.zone.key = str("$remote_addr");

    cr_assert_eq(hx_limit_zone_init(&shm_zone, &old), HX_ERROR);
    cr_assert_not_null(strstr(hxc_error,
                              "limit_conn_zone \"conn\" uses the "
                              "\"$remote_addr\" key while previously it "
                              "used the \"$binary_remote_addr\" key"),
                       "%s", hxc_error);
}


Test(hx_limit_zone, records_of_any_layout_share_one_tree)
{
    size_t              off;
    hx_str_t            k;
    hx_uint_t           i;
    test_node_t        *tn;
    hx_rbtree_node_t   *node, *found;
    const char         *keys[] = { "alpha", "beta", "gamma", "al" };

    cr_assert_eq(hx_limit_zone_init(&shm_zone, NULL), HX_OK);

    off = offsetof(test_node_t, data);

    /* one hash for all: the key's bytes order them */
    for (i = 0; i < 4; i++) {
        k = str(keys[i]);
        node = hx_slab_alloc(ctx.zone.shpool, hx_limit_node_size(off, k.len));
        cr_assert_not_null(node);

        hx_limit_zone_insert(&ctx.zone, node, off, &k, 7);

        tn = (test_node_t *) hx_limit_node(node);
        tn->payload = i;
    }

    for (i = 0; i < 4; i++) {
        k = str(keys[i]);
        found = hx_limit_zone_lookup(&ctx.zone, &k, 7);
        cr_assert_not_null(found, "%s", keys[i]);

        tn = (test_node_t *) hx_limit_node(found);
        cr_assert_eq(tn->payload, i);
        cr_assert_eq(tn->head.len, k.len);
        cr_assert_eq(memcmp(tn->data, k.data, k.len), 0);
    }

    k = str("alp");
    cr_assert_null(hx_limit_zone_lookup(&ctx.zone, &k, 7));
    k = str("alpha");
    cr_assert_null(hx_limit_zone_lookup(&ctx.zone, &k, 8));
}


Test(hx_limit_zone, conn_counts_up_to_the_limit)
{
    hx_str_t                key = str("10.0.0.1");
    hx_pool_t              *pool;
    hx_limit_conn_limit_t  *limit;

    limit = started_limit(2);

    pool = hx_create_pool(1024, &hxc_log);
    cr_assert_not_null(pool);

    cr_assert_eq(hx_limit_conn_take(limit, &key, pool), HX_OK);
    cr_assert_eq(hx_limit_conn_take(limit, &key, pool), HX_OK);
    cr_assert_eq(hx_limit_conn_take(limit, &key, pool), HX_BUSY);

    key = str("10.0.0.2");
    cr_assert_eq(hx_limit_conn_take(limit, &key, pool), HX_OK);

    hx_destroy_pool(pool);
}


Test(hx_limit_zone, the_pool_gives_its_counts_back_and_frees_the_node)
{
    hx_str_t                key = str("10.0.0.1");
    hx_pool_t              *one, *two;
    hx_limit_conn_limit_t  *limit;

    limit = started_limit(1);

    one = hx_create_pool(1024, &hxc_log);
    two = hx_create_pool(1024, &hxc_log);
    cr_assert(one && two);

    cr_assert_eq(hx_limit_conn_take(limit, &key, one), HX_OK);
    cr_assert_eq(hx_limit_conn_take(limit, &key, two), HX_BUSY);
    cr_assert_not_null(lookup("10.0.0.1"));

    hx_destroy_pool(one);

    cr_assert_null(lookup("10.0.0.1"));
    cr_assert_eq(hx_limit_conn_take(limit, &key, two), HX_OK);

    hx_destroy_pool(two);
}


static hx_uint_t  other_ran;


static void
other_cleanup(void *data)
{
    (void) data;

    other_ran++;
}


Test(hx_limit_zone, give_back_runs_only_the_counts_taken_last)
{
    hx_str_t                a = str("a"), b = str("b"), c = str("c");
    hx_pool_t              *pool;
    hx_pool_cleanup_t      *cln;
    hx_limit_conn_limit_t  *limit;

    limit = started_limit(1);
    other_ran = 0;

    pool = hx_create_pool(1024, &hxc_log);
    cr_assert_not_null(pool);

    cr_assert_eq(hx_limit_conn_take(limit, &a, pool), HX_OK);

    cln = hx_pool_cleanup_add(pool, 0);
    cr_assert_not_null(cln);
    cln->handler = other_cleanup;

    cr_assert_eq(hx_limit_conn_take(limit, &b, pool), HX_OK);
    cr_assert_eq(hx_limit_conn_take(limit, &c, pool), HX_OK);

    hx_limit_conn_give_back(pool);

    /* b and c are back, a still counts: the other cleanup stopped it */
    cr_assert_null(lookup("b"));
    cr_assert_null(lookup("c"));
    cr_assert_not_null(lookup("a"));
    cr_assert_eq(other_ran, 0);

    hx_destroy_pool(pool);

    cr_assert_null(lookup("a"));
    cr_assert_eq(other_ran, 1);
}


Test(hx_limit_zone, a_full_zone_declines_a_new_key)
{
    char                    buf[64];
    hx_str_t                key;
    hx_int_t                rc;
    hx_uint_t               i;
    hx_pool_t              *pool;
    hx_limit_conn_limit_t  *limit;

    limit = started_limit(1);

    pool = hx_create_pool(1024, &hxc_log);
    cr_assert_not_null(pool);

    rc = HX_OK;

    for (i = 0; i < 100000 && rc == HX_OK; i++) {
        snprintf(buf, sizeof(buf), "key-%u-%s", (unsigned) i,
                 "padding-to-make-records-larger");
        key = str(buf);
        rc = hx_limit_conn_take(limit, &key, pool);
    }

    cr_assert_eq(rc, HX_DECLINED);
    cr_assert_null(lookup(buf));

    hx_destroy_pool(pool);
}


/* the directives, through the configuration reader */

static hx_int_t
test_param(hx_conf_t *cf, hx_str_t *arg, void *data)
{
    (void) data;

    zone_param_calls++;

    if (hx_strcmp(arg->data, "bad=1") == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "bad param");
        return HX_ERROR;
    }

    return (hx_strcmp(arg->data, "mine=1") == 0) ? HX_OK : HX_DECLINED;
}


static char *
test_zone(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    test_ctx_t  *tc;
    hx_str_t    *value;

    (void) conf;

    value = cf->args->elts;

    tc = hx_pcalloc(cf->pool, sizeof(test_ctx_t));
    cr_assert_not_null(tc);

    tc->zone.key = value[1];
    tc->zone.name = "limit_conn_zone";
    tc->zone.log_name = "limit_conn_zone";

    return hx_limit_zone_directive(cf, cmd, &tc->zone, &hxc_test_module,
                                   test_param, NULL);
}


static char *
test_limit(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    (void) cmd;
    (void) conf;

    return hx_limit_conn_directive(cf, &limits, &hxc_test_module);
}


static hx_shm_zone_t *
declared_zone(const char *name)
{
    hx_list_iter_t   it;
    hx_shm_zone_t   *z;

    hx_list_iter_init(&it, &hxc_cycle.shared_memory);

    while ((z = hx_list_iter_next(&it)) != NULL) {
        if (z->shm.name.len == strlen(name)
            && memcmp(z->shm.name.data, name, z->shm.name.len) == 0)
        {
            return z;
        }
    }

    return NULL;
}


Test(hx_limit_zone, zone_directive_declares_the_zone)
{
    hx_shm_zone_t  *z;

    cr_assert_eq(hxc_parse("limit_conn_zone $k zone=one:1m mine=1;"),
                 HX_CONF_OK, "%s", hxc_error);

    z = declared_zone("one");
    cr_assert_not_null(z);
    cr_assert_eq(z->shm.size, 1024 * 1024);
    cr_assert_eq(z->init, hx_limit_zone_init);
    cr_assert_not_null(z->data);
    cr_assert_eq(zone_param_calls, 1);
}


Test(hx_limit_zone, zone_directive_errors)
{
    cr_assert_eq(hxc_parse("limit_conn_zone $k mine=1;"), HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error,
                        "\"limit_conn_zone\" must have \"zone\" parameter"));

    cr_assert_eq(hxc_parse("limit_conn_zone $k zone=one;"), HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error,
                              "invalid zone size \"zone=one\""));

    cr_assert_eq(hxc_parse("limit_conn_zone $k zone=one:xx;"),
                 HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error,
                              "invalid zone size \"zone=one:xx\""));

    cr_assert_eq(hxc_parse("limit_conn_zone $k zone=one:1k;"),
                 HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error, "zone \"zone=one:1k\" is too small"));

    cr_assert_eq(hxc_parse("limit_conn_zone $k zone=one:1m other=2;"),
                 HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error, "invalid parameter \"other=2\""));

    cr_assert_eq(hxc_parse("limit_conn_zone $k zone=one:1m bad=1;"),
                 HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error, "bad param"));
}


Test(hx_limit_zone, a_zone_is_bound_to_one_key)
{
    cr_assert_eq(hxc_parse("limit_conn_zone $a zone=one:1m;\n"
                           "limit_conn_zone $b zone=one:1m;"),
                 HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error,
                              "limit_conn_zone \"one\" is already bound to "
                              "key \"$a\""), "%s", hxc_error);
}


Test(hx_limit_zone, limit_conn_directive_appends_limits)
{
    hx_limit_conn_limit_t  *limit;

    cr_assert_eq(hxc_parse("limit_conn_zone $a zone=one:1m;\n"
                           "limit_conn_zone $b zone=two:1m;\n"
                           "limit_conn one 5;\n"
                           "limit_conn two 65535;"),
                 HX_CONF_OK, "%s", hxc_error);

    cr_assert_eq(limits.nelts, 2);
    limit = limits.elts;
    cr_assert_eq(limit[0].conn, 5);
    cr_assert_eq(limit[0].shm_zone, declared_zone("one"));
    cr_assert_eq(limit[1].conn, 65535);
    cr_assert_eq(limit[1].shm_zone, declared_zone("two"));
}


Test(hx_limit_zone, limit_conn_directive_errors)
{
    cr_assert_eq(hxc_parse("limit_conn one 0;"), HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error,
                              "invalid number of connections \"0\""));

    cr_assert_eq(hxc_parse("limit_conn one 65536;"), HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error,
                              "connection limit must be less 65536"));

    cr_assert_eq(hxc_parse("limit_conn one 1; limit_conn one 2;"),
                 HX_CONF_ERROR);
    cr_assert_not_null(strstr(hxc_error, "is duplicate"), "%s", hxc_error);
}

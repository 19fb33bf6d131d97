/*
 * Tests for the ha {} block (ha/hx_ha_module.c, ha/hx_ha_vrrp_module.c):
 * keepalived's VRRP keywords in nginx grammar parse into the instance,
 * script and sync group structures with keepalived's defaults; mistakes
 * are refused with nginx-style messages naming file and line; the risky
 * setups "hanx -t" warns about are warned about, at the line of the
 * directive concerned.
 *
 * The cycle is a fake one, as in the config reader's tests: a pool, a
 * log that keeps each line in memory, and the real ha modules plus
 * hx_conf_module (for include).  Configuration text goes through a file.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_ha.h>

#include <linux/rtnetlink.h>
#include <criterion/criterion.h>


#define TEST_MAX_LINES  64


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
    NULL
};


static char          tmpdir[64];
static char          main_conf[128];
static hx_log_t      test_log;
static hx_cycle_t    test_cycle;
static hx_conf_t     cf;
static void         *test_ctx[4];
static test_line_t   lines[TEST_MAX_LINES];
static hx_uint_t     nlines;


static void
capture(hx_log_t *log, hx_uint_t level, uint8_t *buf, size_t len)
{
    uint8_t      *msg, *end;
    test_line_t  *line;

    (void) log;

    cr_assert_lt(nlines, TEST_MAX_LINES, "too many log lines");

    end = buf + len - 1;
    msg = hx_strnstr(buf, "#0: ", len);
    cr_assert_not_null(msg);
    msg += 4;

    line = &lines[nlines++];
    line->level = level;
    memcpy(line->text, msg, end - msg);
    line->text[end - msg] = '\0';
}


static void
setup(void)
{
    hx_pool_t  *pool;

    strcpy(tmpdir, "/tmp/hx_ha_vrrp_module_test.XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(main_conf, sizeof(main_conf), "%s/main.conf", tmpdir);

    hx_time_init();
    hx_use_stderr = 0;

    test_log.log_level = HX_LOG_INFO;
    test_log.writer = capture;

    pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, &test_log);
    cr_assert_not_null(pool);

    hx_memzero(&test_cycle, sizeof(test_cycle));
    test_cycle.pool = pool;
    test_cycle.log = &test_log;
    test_cycle.modules = test_modules;
    test_cycle.modules_n = 4;
    test_cycle.conf_ctx = (void ****) test_ctx;

    test_cycle.prefix.len = strlen(tmpdir) + 1;
    test_cycle.prefix.data = hx_pnalloc(pool, test_cycle.prefix.len + 1);
    sprintf((char *) test_cycle.prefix.data, "%s/", tmpdir);
    test_cycle.conf_prefix = test_cycle.prefix;

    cr_assert_eq(hx_array_init(&test_cycle.config_dump, pool, 1,
                               sizeof(hx_conf_dump_t)), HX_OK);
    cr_assert_eq(hx_list_init(&test_cycle.open_files, pool, 4,
                              sizeof(hx_open_file_t)), HX_OK);

    hx_conf_module.index = 0;
    hx_ha_module.index = 1;
    hx_ha_core_module.index = 2;
    hx_ha_vrrp_module.index = 3;

    hx_memzero(test_ctx, sizeof(test_ctx));

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

    nlines = 0;
}


static void
teardown(void)
{
    char  cmd[128];

    /* frees the ha {} pool too, through its cleanup */
    hx_destroy_pool(test_cycle.pool);

    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    cr_assert_eq(system(cmd), 0);
}


TestSuite(hx_ha_vrrp_module, .init = setup, .fini = teardown);


/* a fresh start for a second parse in the same test */
static void
reset(void)
{
    hx_memzero(test_ctx, sizeof(test_ctx));
    nlines = 0;
}


static char *
parse(const char *text)
{
    FILE      *f;
    hx_str_t   name;

    f = fopen(main_conf, "w");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    cr_assert_eq(fclose(f), 0);

    name.len = strlen(main_conf);
    name.data = (uint8_t *) main_conf;

    return hx_conf_parse(&cf, &name);
}


static void
parse_ok(const char *text)
{
    hx_uint_t  i;
    char      *rv;

    rv = parse(text);

    for (i = 0; i < nlines; i++) {
        cr_log_info("logged: %s", lines[i].text);
    }

    cr_assert_eq(rv, HX_CONF_OK, "parse failed: %s",
                 nlines ? lines[nlines - 1].text : "(nothing logged)");
}


/* expects a failure whose last line is the emerg fmt (%s: main.conf) */
static void
parse_fails(const char *text, const char *fmt)
{
    char   expect[HX_MAX_ERROR_STR];
    char  *rv;

    snprintf(expect, sizeof(expect), fmt, main_conf);

    rv = parse(text);

    cr_assert_eq(rv, HX_CONF_ERROR, "parse of <<%s>> succeeded", text);
    cr_assert_gt(nlines, 0);
    cr_assert_eq(lines[nlines - 1].level, HX_LOG_EMERG);
    cr_assert_str_eq(lines[nlines - 1].text, expect);
}


/* the number of lines at level that contain needle */
static hx_uint_t
logged(hx_uint_t level, const char *needle)
{
    hx_uint_t  i, n;

    for (n = 0, i = 0; i < nlines; i++) {
        if (lines[i].level == level && strstr(lines[i].text, needle)) {
            n++;
        }
    }

    return n;
}


/* the line at level containing needle ends with "in main.conf:line" */
static void
expect_at(hx_uint_t level, const char *needle, hx_uint_t line)
{
    char       where[256];
    hx_uint_t  i;

    snprintf(where, sizeof(where), " in %s:%lu", main_conf,
             (unsigned long) line);

    for (i = 0; i < nlines; i++) {
        if (lines[i].level == level && strstr(lines[i].text, needle)) {
            cr_assert(strstr(lines[i].text, where),
                      "\"%s\" does not end with \"%s\"", lines[i].text,
                      where);
            return;
        }
    }

    cr_assert_fail("nothing logged at level %lu with \"%s\"",
                   (unsigned long) level, needle);
}


static hx_ha_vrrp_main_conf_t *
vmcf(void)
{
    hx_ha_vrrp_main_conf_t  *v;

    v = hx_ha_cycle_get_main_conf(&test_cycle, &hx_ha_vrrp_module);
    cr_assert_not_null(v);

    return v;
}


static hx_ha_vrrp_conf_t *
instance(hx_uint_t i)
{
    cr_assert_lt(i, vmcf()->instances.nelts);

    return ((hx_ha_vrrp_conf_t **) vmcf()->instances.elts)[i];
}


static hx_ha_main_conf_t *
hmcf(void)
{
    hx_ha_main_conf_t  *h;

    h = hx_ha_cycle_get_main_conf(&test_cycle, &hx_ha_core_module);
    cr_assert_not_null(h);

    return h;
}


/* the seed's node1-keepalived.conf, written in nginx grammar */
#define SEED_HA                                                              \
    "ha {\n"                                                                  \
    "    vrrp_instance VI_1 {\n"                                              \
    "        state MASTER;\n"                                                 \
    "        interface ens33;\n"                                              \
    "        virtual_router_id 51;\n"                                         \
    "        priority 100;\n"                                                 \
    "        advert_int 1;\n"                                                 \
    "        authentication {\n"                                              \
    "            auth_type PASS;\n"                                           \
    "            auth_pass 123456;\n"                                         \
    "        }\n"                                                             \
    "        virtual_ipaddress {\n"                                           \
    "            192.168.99.151;\n"                                           \
    "        }\n"                                                             \
    "    }\n"                                                                 \
    "}\n"


Test(hx_ha_vrrp_module, seed_instance_parses_with_keepalived_meaning)
{
    hx_ha_vip_t        *vip;
    hx_ha_vrrp_conf_t  *vr;
    uint8_t             addr[4] = { 192, 168, 99, 151 };

    parse_ok(SEED_HA);

    vr = instance(0);

    cr_assert_str_eq((char *) vr->name.data, "VI_1");
    cr_assert_eq(vr->want_state, HX_VRRP_MASTER);
    cr_assert_str_eq((char *) vr->interface.data, "ens33");
    cr_assert_eq(vr->vrid, 51);
    cr_assert_eq(vr->priority, 100);
    cr_assert_eq(vr->adver_int, 1000);
    cr_assert_eq(vr->version, 2);
    cr_assert_eq(vr->family, AF_INET);
    cr_assert_eq(vr->unicast, 0);
    cr_assert_eq(vr->auth_type, HX_VRRP_AUTH_PASS);
    cr_assert_arr_eq(vr->auth_data, "123456\0\0", 8);

    cr_assert_eq(vr->vips->nelts, 1);
    vip = vr->vips->elts;
    cr_assert_arr_eq(vip[0].addr.addr, addr, 4);
    cr_assert_eq(vip[0].prefixlen, 32);
    cr_assert_eq(vip[0].scope, RT_SCOPE_UNIVERSE);

    /* keepalived's defaults */
    cr_assert_eq(vr->garp_master_delay, 5000);
    cr_assert_eq(vr->garp_master_repeat, 5);
    cr_assert_eq(vr->garp_lower_prio_repeat, 5);
    cr_assert_eq(vr->garp_master_refresh, 0);
    cr_assert_eq(vr->nopreempt, 0);
    cr_assert_eq(vr->preempt_delay, 0);
    cr_assert_eq(vr->accept, 1);
}


Test(hx_ha_vrrp_module, seed_mistakes_are_warned_about_at_their_lines)
{
    parse_ok(SEED_HA);

    expect_at(HX_LOG_WARN, "state MASTER of vrrp_instance \"VI_1\" with "
              "priority 100 below 255", 3);
    expect_at(HX_LOG_WARN, "uses virtual_router_id 51", 5);
    cr_assert_eq(logged(HX_LOG_EMERG, ""), 0);
}


Test(hx_ha_vrrp_module, long_auth_pass_is_truncated_like_keepalived)
{
    parse_ok("ha { vrrp_instance V { interface eth0; virtual_router_id 7;\n"
             "    authentication { auth_type PASS;\n"
             "        auth_pass 0123456789; }\n"
             "} }\n");

    cr_assert_arr_eq(instance(0)->auth_data, "01234567", 8);
    expect_at(HX_LOG_WARN, "auth_pass of vrrp_instance \"V\" is longer than "
              "8 characters: only \"01234567\" is used", 3);
}


Test(hx_ha_vrrp_module, nopreempt_with_state_master_is_cleared)
{
    parse_ok("ha { vrrp_instance V {\n"
             "    state MASTER; interface eth0; virtual_router_id 7;\n"
             "    nopreempt;\n"
             "} }\n");

    cr_assert_eq(instance(0)->nopreempt, 0);
    expect_at(HX_LOG_WARN, "nopreempt of vrrp_instance \"V\" is ignored "
              "with state MASTER", 3);
}


Test(hx_ha_vrrp_module, nopreempt_with_state_backup_holds)
{
    parse_ok("ha { vrrp_instance V { interface eth0; virtual_router_id 7;\n"
             "    state BACKUP; nopreempt; preempt_delay 30; } }\n");

    cr_assert_eq(instance(0)->nopreempt, 1);
    cr_assert_eq(instance(0)->preempt_delay, 0,
                 "preempt_delay is meaningless with nopreempt");
    cr_assert_eq(logged(HX_LOG_WARN, "preempt_delay of vrrp_instance"), 1);
}


Test(hx_ha_vrrp_module, advert_int_takes_decimals)
{
    parse_ok("ha { vrrp_instance V { interface eth0; virtual_router_id 7;\n"
             "    version 3; advert_int 0.1; } }\n");

    cr_assert_eq(instance(0)->adver_int, 100);
    cr_assert_eq(logged(HX_LOG_WARN, "advert"), 0);
}


Test(hx_ha_vrrp_module, v2_rounds_fractional_intervals_with_a_warning)
{
    parse_ok("ha { vrrp_instance V { interface eth0; virtual_router_id 7;\n"
             "    advert_int 1.5; } }\n");

    cr_assert_eq(instance(0)->adver_int, 2000);
    expect_at(HX_LOG_WARN, "VRRPv2 advertises whole seconds: advert_int "
              "1500 ms of vrrp_instance \"V\" is rounded to 2 s", 2);
}


Test(hx_ha_vrrp_module, v2_never_rounds_down_to_zero)
{
    parse_ok("ha { vrrp_instance V { interface eth0; virtual_router_id 7;\n"
             "    advert_int 0.2; } }\n");

    cr_assert_eq(instance(0)->adver_int, 1000);
}


Test(hx_ha_vrrp_module, v3_rounds_to_centiseconds_and_caps)
{
    parse_ok("ha { vrrp_instance A { interface eth0; virtual_router_id 7;\n"
             "    version 3; advert_int 0.015; }\n"
             "  vrrp_instance B { interface eth0; virtual_router_id 8;\n"
             "    version 3; advert_int 50; } }\n");

    cr_assert_eq(instance(0)->adver_int, 20);
    cr_assert_eq(instance(1)->adver_int, 40950);
    cr_assert_eq(logged(HX_LOG_WARN, "VRRPv3"), 2);
}


Test(hx_ha_vrrp_module, advert_int_out_of_keepalived_range_is_refused)
{
    parse_fails("ha { vrrp_instance V { interface eth0; virtual_router_id 7;"
                " advert_int 256; } }\n",
                "advert_int must be between 0.01 and 255 seconds "
                "in %s:1");
}


Test(hx_ha_vrrp_module, nginx_time_units_are_accepted_too)
{
    parse_ok("ha { vrrp_instance V { interface eth0; virtual_router_id 7;\n"
             "    version 3; advert_int 250ms; garp_master_delay 2s; } }\n");

    cr_assert_eq(instance(0)->adver_int, 250);
    cr_assert_eq(instance(0)->garp_master_delay, 2000);
}


Test(hx_ha_vrrp_module, bad_decimal_values_are_refused)
{
    parse_fails("ha { vrrp_instance V { interface eth0; virtual_router_id 7;"
                " advert_int 1.2.3; } }\n",
                "\"advert_int\" directive invalid value in %s:1");
}


Test(hx_ha_vrrp_module, virtual_address_options_are_read)
{
    hx_ha_vip_t  *vip;

    parse_ok("ha { vrrp_instance V { interface eth0; virtual_router_id 7;\n"
             "  virtual_ipaddress {\n"
             "    10.0.0.1/24 dev eth1 label eth1:vip scope link;\n"
             "    10.0.0.2 brd 10.0.0.255 no_track;\n"
             "  }\n"
             "  virtual_ipaddress_excluded { 10.0.1.1; }\n"
             "} }\n");

    vip = instance(0)->vips->elts;
    cr_assert_eq(instance(0)->vips->nelts, 2);
    cr_assert_eq(vip[0].prefixlen, 24);
    cr_assert_str_eq((char *) vip[0].dev.data, "eth1");
    cr_assert_str_eq((char *) vip[0].label.data, "eth1:vip");
    cr_assert_eq(vip[0].scope, RT_SCOPE_LINK);
    cr_assert_eq(vip[1].prefixlen, 32);
    cr_assert_eq(instance(0)->evips->nelts, 1);
}


Test(hx_ha_vrrp_module, ipv6_instances_default_to_version_3)
{
    hx_ha_vip_t  *vip;

    parse_ok("ha { vrrp_instance V6 { interface eth0; virtual_router_id 9;\n"
             "  virtual_ipaddress { fe80::9; 2001:db8::9/64; } } }\n");

    vip = instance(0)->vips->elts;
    cr_assert_eq(instance(0)->family, AF_INET6);
    cr_assert_eq(instance(0)->version, 3);
    cr_assert_eq(vip[0].prefixlen, 128);
    cr_assert_eq(vip[1].prefixlen, 64);
}


Test(hx_ha_vrrp_module, ipv6_with_version_2_is_refused)
{
    parse_fails("ha { vrrp_instance V6 { interface eth0;\n"
                "  virtual_router_id 9; version 2;\n"
                "  virtual_ipaddress { fe80::9; } } }\n",
                "VRRP version 2 has no IPv6: vrrp_instance \"V6\" needs "
                "version 3 in %s:2");
}


Test(hx_ha_vrrp_module, mixed_families_are_refused_at_the_address)
{
    parse_fails("ha { vrrp_instance V { interface eth0; virtual_router_id 9;"
                "\n  virtual_ipaddress {\n    10.0.0.1;\n    fe80::1;\n"
                "  } } }\n",
                "vrrp_instance \"V\" mixes IPv4 and IPv6 virtual addresses; "
                "use one instance per family in %s:4");
}


Test(hx_ha_vrrp_module, authentication_is_dropped_for_version_3)
{
    parse_ok("ha { vrrp_instance V { interface eth0; virtual_router_id 9;\n"
             "  version 3;\n"
             "  authentication { auth_type PASS; auth_pass x; } } }\n");

    cr_assert_eq(instance(0)->auth_type, HX_VRRP_AUTH_NONE);
    expect_at(HX_LOG_WARN, "authentication of vrrp_instance \"V\" is "
              "ignored: VRRPv3 has none", 3);
}


Test(hx_ha_vrrp_module, auth_type_ah_is_read)
{
    parse_ok("ha { vrrp_instance V { interface eth0; virtual_router_id 9;\n"
             "  authentication { auth_type AH; auth_pass secret; } } }\n");

    cr_assert_eq(instance(0)->auth_type, HX_VRRP_AUTH_AH);
    cr_assert_arr_eq(instance(0)->auth_data, "secret\0\0", 8);
}


Test(hx_ha_vrrp_module, authentication_mistakes_are_refused)
{
    parse_fails("ha { vrrp_instance V { interface eth0; virtual_router_id 9;"
                "\n  authentication { auth_type MD5; } } }\n",
                "invalid auth_type \"MD5\", it must be \"PASS\" or \"AH\" "
                "in %s:2");
}


Test(hx_ha_vrrp_module, unknown_keyword_in_authentication_is_refused)
{
    parse_fails("ha { vrrp_instance V { interface eth0; virtual_router_id 9;"
                "\n  authentication { auth_typo PASS; } } }\n",
                "unknown directive \"auth_typo\" in authentication in %s:2");
}


Test(hx_ha_vrrp_module, an_instance_needs_an_interface_and_a_vrid)
{
    parse_fails("ha {\n  vrrp_instance V { virtual_router_id 9; } }\n",
                "vrrp_instance \"V\" has no \"interface\" in %s:2");

    reset();
    parse_fails("ha {\n  vrrp_instance V { interface eth0; } }\n",
                "vrrp_instance \"V\" has no \"virtual_router_id\" in %s:2");
}


Test(hx_ha_vrrp_module, vrid_and_priority_are_bounded)
{
    parse_fails("ha { vrrp_instance V { interface eth0;\n"
                "    virtual_router_id 256; } }\n",
                "invalid virtual_router_id \"256\", it must be between 1 "
                "and 255 in %s:2");

    reset();
    parse_fails("ha { vrrp_instance V { interface eth0; virtual_router_id 1;"
                "\n    priority 0; } }\n",
                "value must be between 1 and 255 in %s:2");
}


Test(hx_ha_vrrp_module, one_vrid_per_interface_and_family)
{
    parse_fails("ha {\n"
                "  vrrp_instance A { interface eth0; virtual_router_id 9; }\n"
                "  vrrp_instance B { interface eth0;\n"
                "      virtual_router_id 9; }\n"
                "}\n",
                "virtual_router_id 9 of vrrp_instance \"B\" is already used "
                "by vrrp_instance \"A\" on eth0 in %s:4");
}


Test(hx_ha_vrrp_module, the_same_vrid_on_other_interfaces_is_fine)
{
    parse_ok("ha {\n"
             "  vrrp_instance A { interface eth0; virtual_router_id 9; }\n"
             "  vrrp_instance B { interface eth1; virtual_router_id 9; }\n"
             "  vrrp_instance C { interface eth0; virtual_router_id 9;\n"
             "      virtual_ipaddress { fe80::9; } }\n"
             "}\n");

    cr_assert_eq(vmcf()->instances.nelts, 3);
}


Test(hx_ha_vrrp_module, duplicate_instance_names_are_refused)
{
    parse_fails("ha {\n"
                "  vrrp_instance A { interface eth0; virtual_router_id 9; }\n"
                "  vrrp_instance A { interface eth0; virtual_router_id 8; }\n"
                "}\n",
                "duplicate vrrp_instance \"A\" in %s:3");
}


Test(hx_ha_vrrp_module, tracking_resolves_scripts_and_weights)
{
    hx_ha_track_t  *t;

    parse_ok("ha {\n"
             "  vrrp_instance V { interface eth0; virtual_router_id 9;\n"
             "    track_interface { eth1; eth2 weight -20; }\n"
             "    track_script { chk_a; chk_b weight 5 reverse; } }\n"
             "  vrrp_script chk_a { script \"/bin/true arg\"; interval 2;\n"
             "    weight -30; rise 2; fall 3; }\n"
             "  vrrp_script chk_b { script /bin/false; }\n"
             "}\n");

    t = instance(0)->track_ifs->elts;
    cr_assert_eq(instance(0)->track_ifs->nelts, 2);
    cr_assert_eq(t[0].weight, 0);
    cr_assert_eq(t[1].weight, -20);

    t = instance(0)->track_scripts->elts;
    cr_assert_eq(t[0].weight, -30, "the script's own weight");
    cr_assert_not_null(t[0].script);
    cr_assert_eq(t[0].script->interval, 2000);
    cr_assert_eq(t[0].script->timeout, 2000, "timeout defaults to interval");
    cr_assert_eq(t[0].script->rise, 2);
    cr_assert_eq(t[0].script->fall, 3);
    cr_assert_str_eq(t[0].script->script->argv[0], "/bin/true");
    cr_assert_str_eq(t[0].script->script->argv[1], "arg");
    cr_assert_null(t[0].script->script->argv[2]);

    cr_assert_eq(t[1].weight, 5, "the track line's weight wins");
    cr_assert_eq(t[1].reverse, 1);
}


Test(hx_ha_vrrp_module, an_unknown_track_script_is_refused)
{
    parse_fails("ha {\n"
                "  vrrp_instance V { interface eth0; virtual_router_id 9;\n"
                "    track_script {\n      nosuch;\n    } }\n"
                "}\n",
                "track_script \"nosuch\" of vrrp_instance \"V\" is no "
                "vrrp_script in %s:4");
}


Test(hx_ha_vrrp_module, weights_of_an_owner_are_ignored)
{
    parse_ok("ha { vrrp_instance V { interface eth0; virtual_router_id 9;\n"
             "  priority 255;\n  track_interface { eth1 weight 10; } } }\n");

    cr_assert_eq(((hx_ha_track_t *) instance(0)->track_ifs->elts)[0].weight,
                 0);
    expect_at(HX_LOG_WARN, "the weight of \"eth1\" is ignored", 3);
}


Test(hx_ha_vrrp_module, sync_groups_resolve_their_members)
{
    hx_ha_sync_conf_t  *sg;

    parse_ok("ha {\n"
             "  vrrp_sync_group G { group { VI_1; VI_2; }\n"
             "    notify_master \"/bin/echo master\"; }\n"
             "  vrrp_instance VI_1 { interface eth0; virtual_router_id 1; }\n"
             "  vrrp_instance VI_2 { interface eth1; virtual_router_id 2; }\n"
             "}\n");

    sg = ((hx_ha_sync_conf_t **) vmcf()->groups.elts)[0];

    cr_assert_eq(sg->members->nelts, 2);
    cr_assert_eq(instance(0)->sync, sg);
    cr_assert_eq(instance(1)->sync, sg);
    cr_assert_str_eq(sg->notify_master->argv[1], "master");
}


Test(hx_ha_vrrp_module, sync_group_with_an_unknown_member_is_refused)
{
    parse_fails("ha {\n  vrrp_sync_group G { group { VI_9; } }\n}\n",
                "vrrp_sync_group \"G\" names \"VI_9\", which is no "
                "vrrp_instance in %s:2");
}


Test(hx_ha_vrrp_module, global_defs_set_instance_defaults)
{
    parse_ok("ha {\n"
             "  vrrp_instance V { interface eth0; virtual_router_id 9; }\n"
             "  global_defs {\n"
             "    router_id LVS_DEVEL;\n"
             "    vrrp_version 3;\n"
             "    vrrp_garp_master_delay 1;\n"
             "    vrrp_garp_master_repeat 2;\n"
             "    script_user root;\n"
             "  }\n"
             "}\n");

    cr_assert_str_eq((char *) hmcf()->router_id.data, "LVS_DEVEL");
    cr_assert_eq(instance(0)->version, 3, "global_defs after the instance");
    cr_assert_eq(instance(0)->garp_master_delay, 1000);
    cr_assert_eq(instance(0)->garp_master_repeat, 2);
    cr_assert_eq(instance(0)->garp_lower_prio_repeat, 2,
                 "lower priority GARPs follow the master repeat");
    cr_assert_str_eq((char *) hmcf()->state_file.data, "logs/vrrp.state");
}


Test(hx_ha_vrrp_module, mail_and_snmp_keywords_are_ignored_with_a_warning)
{
    parse_ok("ha { global_defs {\n"
             "    notification_email { acassen@firewall.loc; }\n"
             "    notification_email_from a@b;\n"
             "    smtp_server 192.168.200.1;\n"
             "    smtp_connect_timeout 30;\n"
             "    enable_snmp_vrrp;\n"
             "} }\n");

    cr_assert_eq(logged(HX_LOG_WARN, "is a keepalived keyword hanx "
                        "ignores: it has no effect"), 5);
    expect_at(HX_LOG_WARN, "\"smtp_server\"", 4);
}


Test(hx_ha_vrrp_module, only_the_rfc_multicast_groups_are_accepted)
{
    parse_ok("ha { global_defs { vrrp_mcast_group4 224.0.0.18;\n"
             "    vrrp_mcast_group6 ff02::12; } }\n");

    reset();
    parse_fails("ha { global_defs {\n  vrrp_mcast_group4 224.0.0.19; } }\n",
                "\"vrrp_mcast_group4\" other than 224.0.0.18 is not "
                "supported by hanx in %s:2");
}


Test(hx_ha_vrrp_module, vrrp_strict_keeps_to_the_rfc)
{
    parse_ok("ha { global_defs { vrrp_strict; }\n"
             "  vrrp_instance V { interface eth0; virtual_router_id 9;\n"
             "    authentication { auth_type PASS; auth_pass x; } } }\n");

    cr_assert_eq(instance(0)->lower_prio_no_advert, 1);
    cr_assert_eq(instance(0)->garp_lower_prio_repeat, 0);
    cr_assert_eq(instance(0)->auth_type, HX_VRRP_AUTH_NONE);
}


Test(hx_ha_vrrp_module, unicast_peers_and_source)
{
    hx_ha_addr_t  *peer;
    uint8_t        a[4] = { 10, 0, 0, 2 };

    parse_ok("ha { vrrp_instance V { interface eth0; virtual_router_id 9;\n"
             "  unicast_src_ip 10.0.0.1;\n"
             "  unicast_peer { 10.0.0.2; 10.0.0.3 min_ttl 1 max_ttl 3; }\n"
             "  virtual_ipaddress { 10.0.0.100; } } }\n");

    peer = instance(0)->peers->elts;
    cr_assert_eq(instance(0)->unicast, 1);
    cr_assert_eq(instance(0)->peers->nelts, 2);
    cr_assert_arr_eq(peer[0].addr, a, 4);
    cr_assert_eq(instance(0)->unicast_src.family, AF_INET);
}


Test(hx_ha_vrrp_module, unicast_peer_of_another_family_is_refused)
{
    parse_fails("ha {\n  vrrp_instance V { interface eth0;\n"
                "  virtual_router_id 9;\n  unicast_peer { fe80::2; }\n"
                "  virtual_ipaddress { 10.0.0.100; } } }\n",
                "unicast peer \"fe80::2\" of vrrp_instance \"V\" is not of "
                "the family of its virtual addresses in %s:2");
}


Test(hx_ha_vrrp_module, notify_commands_split_like_keepalived)
{
    hx_ha_cmd_t  *c;

    parse_ok("ha { vrrp_instance V { interface eth0; virtual_router_id 9;\n"
             "  notify \"/usr/local/bin/notify.sh  --all\" root;\n"
             "  notify_master /bin/true; } }\n");

    c = instance(0)->notify;
    cr_assert_str_eq(c->argv[0], "/usr/local/bin/notify.sh");
    cr_assert_str_eq(c->argv[1], "--all");
    cr_assert_null(c->argv[2]);
    cr_assert_str_eq((char *) c->user.data, "root");
    cr_assert_str_eq(instance(0)->notify_master->argv[0], "/bin/true");
}


Test(hx_ha_vrrp_module, keepalived_features_hanx_lacks_are_refused)
{
    parse_fails("ha { vrrp_instance V { interface eth0; virtual_router_id 9;"
                "\n  use_vmac; } }\n",
                "keepalived's \"use_vmac\" is not supported by hanx in %s:2");
}


Test(hx_ha_vrrp_module, unknown_directives_inside_an_instance_are_refused)
{
    parse_fails("ha { vrrp_instance V { interface eth0; virtual_router_id 9;"
                "\n  prority 100; } }\n",
                "unknown directive \"prority\" in %s:2");
}


Test(hx_ha_vrrp_module, instance_keywords_are_refused_outside_instances)
{
    parse_fails("ha {\n  priority 100;\n}\n",
                "\"priority\" directive is not allowed here in %s:2");
}


Test(hx_ha_vrrp_module, address_ranges_are_refused_with_a_hint)
{
    parse_fails("ha { vrrp_instance V { interface eth0; virtual_router_id 9;"
                "\n  virtual_ipaddress { 10.0.0.1-5; } } }\n",
                "address ranges such as \"10.0.0.1-5\" are not supported, "
                "list the addresses in %s:2");
}


Test(hx_ha_vrrp_module, a_second_ha_block_is_refused)
{
    parse_fails("ha { }\nha { }\n", "\"ha\" directive is duplicate in %s:2");
}


Test(hx_ha_vrrp_module, keyword_flags_take_on_and_off)
{
    parse_ok("ha { vrrp_instance V { interface eth0; virtual_router_id 9;\n"
             "  dont_track_primary; lower_prio_no_advert off;\n"
             "  higher_prio_send_advert true; } }\n");

    cr_assert_eq(instance(0)->dont_track_primary, 1);
    cr_assert_eq(instance(0)->lower_prio_no_advert, 0);
    cr_assert_eq(instance(0)->higher_prio_send_advert, 1);
}


Test(hx_ha_vrrp_module, track_workers_takes_an_optional_weight)
{
    parse_ok("ha {\n"
             "  vrrp_instance A { interface eth0; virtual_router_id 1;\n"
             "    track_workers; }\n"
             "  vrrp_instance B { interface eth0; virtual_router_id 2;\n"
             "    track_workers weight -50; }\n"
             "  vrrp_instance C { interface eth0; virtual_router_id 3; }\n"
             "}\n");

    cr_assert_eq(instance(0)->track_workers, 0);
    cr_assert_eq(instance(1)->track_workers, -50);
    cr_assert_eq(instance(2)->track_workers, HX_CONF_UNSET);
}


Test(hx_ha_vrrp_module, no_ha_block_means_no_vrrp_conf)
{
    parse_ok("");

    cr_assert_null(hx_ha_cycle_get_main_conf(&test_cycle,
                                             &hx_ha_vrrp_module));
    cr_assert_null(hx_ha_cycle_pool(&test_cycle));
}


Test(hx_ha_vrrp_module, the_block_lives_in_a_pool_of_its_own)
{
    hx_pool_t  *pool;

    parse_ok(SEED_HA);

    pool = hx_ha_cycle_pool(&test_cycle);
    cr_assert_not_null(pool);
    cr_assert_neq(pool, test_cycle.pool);

    /* taken over, it survives the cycle; the test frees it itself */
    cr_assert_eq(hx_ha_take_pool(&test_cycle), pool);
    hx_destroy_pool(test_cycle.pool);

    cr_assert_eq(instance(0)->vrid, 51);
    hx_destroy_pool(pool);

    test_cycle.pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, &test_log);
}

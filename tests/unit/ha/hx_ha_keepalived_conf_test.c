/*
 * Tests for keepalived_config (ha/hx_ha_keepalived_conf.c): the
 * translator from keepalived's grammar into nginx's, on its own (every
 * construct: line ends, braces on the same or the next line, comments,
 * escapes, quotes, continuations, "@id" lines, "$VAR" definitions,
 * include, the errors with their lines), and then through the real ha
 * modules: a keepalived.conf and its ha {} spelling give the same
 * instances, errors name the keepalived file and line, includes with
 * globs and config ids work.
 *
 * The cycle is a fake one as in the ha module's tests: a pool, a log that
 * keeps its lines in memory, and the ha modules plus hx_conf_module.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_ha.h>
#include <hx_ha_keepalived_conf.h>

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
    &hx_ha_keepalived_module,
    NULL
};


static char           tmpdir[64];
static char           main_conf[128];
static hx_log_t       test_log;
static hx_cycle_t     test_cycle;
static hx_conf_t      cf;
static hx_pool_t     *pool;
static void          *test_ctx[5];
static test_line_t    lines[TEST_MAX_LINES];
static hx_uint_t      nlines;
static hx_ha_kc_ctx_t kc;


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
    hx_uint_t  i;

    strcpy(tmpdir, "/tmp/hx_ha_keepalived_conf_test.XXXXXX");
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
    test_cycle.modules_n = 5;
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

    hx_memzero(&kc, sizeof(kc));
    kc.config_id.data = (uint8_t *) "high";
    kc.config_id.len = 4;
    kc.vars = hx_array_create(pool, 2, sizeof(hx_ha_kc_var_t));
    kc.dir.data = (uint8_t *) "/etc/keepalived/";
    kc.dir.len = 16;
}


static void
teardown(void)
{
    char  cmd[128];

    hx_destroy_pool(test_cycle.pool);

    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    cr_assert_eq(system(cmd), 0);
}


TestSuite(hx_ha_keepalived_conf, .init = setup, .fini = teardown);


/* ---- the translator ------------------------------------------------ */

static char *
translate(const char *text)
{
    char      *s;
    hx_buf_t  *b;

    b = hx_ha_keepalived_translate(pool, &kc, (const uint8_t *) text,
                                   strlen(text));
    cr_assert_not_null(b, "translation failed: %s (line %lu)", kc.err,
                       (unsigned long) kc.err_line);

    s = hx_pnalloc(pool, b->last - b->pos + 1);
    memcpy(s, b->pos, b->last - b->pos);
    s[b->last - b->pos] = '\0';

    return s;
}


static void
translates(const char *text, const char *expect)
{
    cr_assert_str_eq(translate(text), expect);
}


static void
refused(const char *text, hx_uint_t line, const char *err)
{
    hx_buf_t  *b;

    b = hx_ha_keepalived_translate(pool, &kc, (const uint8_t *) text,
                                   strlen(text));
    cr_assert_null(b, "<<%s>> was translated", text);
    cr_assert_str_eq(kc.err, err);
    cr_assert_eq(kc.err_line, line, "error on line %lu, not %lu",
                 (unsigned long) kc.err_line, (unsigned long) line);
}


Test(hx_ha_keepalived_conf, a_line_end_ends_the_directive)
{
    translates("state MASTER\npriority 100\n",
               "\"state\" \"MASTER\" ;\n\"priority\" \"100\" ;\n");
}


Test(hx_ha_keepalived_conf, a_last_line_without_newline_still_ends)
{
    translates("priority 100", "\"priority\" \"100\" ;\n");
}


Test(hx_ha_keepalived_conf, a_brace_opens_a_block_on_the_same_line)
{
    translates("vrrp_instance VI_1 {\n    state BACKUP\n}\n",
               "\"vrrp_instance\" \"VI_1\" { \n"
               "\"state\" \"BACKUP\" ;\n"
               "} \n");
}


Test(hx_ha_keepalived_conf, a_brace_on_the_next_line_opens_the_block)
{
    translates("virtual_ipaddress\n\n{\n10.0.0.1\n}\n",
               "\"virtual_ipaddress\"  \n\n{ \n\"10.0.0.1\" ;\n} \n");
}


Test(hx_ha_keepalived_conf, a_whole_block_fits_on_one_line)
{
    translates("authentication { auth_type PASS auth_pass x }\n",
               "\"authentication\" { \"auth_type\" \"PASS\" \"auth_pass\" "
               "\"x\" ; } \n");
    translates("a {\nb }\n", "\"a\" { \n\"b\" ; } \n");
    translates("a { b\n}\n", "\"a\" { \"b\" ;\n} \n");
}


Test(hx_ha_keepalived_conf, comments_start_with_bang_or_hash_anywhere)
{
    translates("! a comment\n# another\nweight 1 # trailing\n"
               "auth_pass ab!cd\n",
               "\n\n\"weight\" \"1\" ;\n\"auth_pass\" \"ab\" ;\n");
}


Test(hx_ha_keepalived_conf, escaped_comment_characters_are_kept)
{
    translates("auth_pass a\\#b\\!c\n", "\"auth_pass\" \"a#b!c\" ;\n");
}


Test(hx_ha_keepalived_conf, quotes_keep_spaces_and_comment_characters)
{
    translates("script \"/bin/check --x 1 # not a comment\"\n",
               "\"script\" \"/bin/check --x 1 # not a comment\" ;\n");
}


Test(hx_ha_keepalived_conf, nginx_syntax_in_words_is_escaped)
{
    translates("notify \"/bin/a; rm x\" 'q' back\\slash\n",
               "\"notify\" \"/bin/a; rm x\" \"'q'\" \"back\\\\slash\" ;\n");
}


Test(hx_ha_keepalived_conf, a_backslash_joins_lines_and_keeps_numbering)
{
    translates("virtual_ipaddress_excluded {\n10.0.0.1 \\\n  dev eth0\n}\n"
               "x 1\n",
               "\"virtual_ipaddress_excluded\" { \n"
               "\"10.0.0.1\" \"dev\" \"eth0\" ;\n\n} \n\"x\" \"1\" ;\n");
}


Test(hx_ha_keepalived_conf, crlf_line_ends_are_accepted)
{
    translates("a 1\r\nb {\r\n}\r\n", "\"a\" \"1\" ;\n\"b\" { \n} \n");
}


Test(hx_ha_keepalived_conf, at_id_keeps_lines_of_the_config_id_only)
{
    translates("@high priority 170\n@low priority 85\n"
               "@^low advert_int 2\n@^high advert_int 3\n",
               "\"priority\" \"170\" ;\n\n\"advert_int\" \"2\" ;\n\n");

    kc.config_id.data = (uint8_t *) "low";
    kc.config_id.len = 3;

    translates("@high\tpriority 170\n@low\tpriority 85\n",
               "\n\"priority\" \"85\" ;\n");
}


Test(hx_ha_keepalived_conf, variables_are_defined_and_expanded)
{
    translates("$IF=eth0\n$VIP=10.0.0.1/24 dev ${IF}\n"
               "interface $IF\nvirtual_ipaddress { ${VIP} }\n",
               "\n\n\"interface\" \"eth0\" ;\n"
               "\"virtual_ipaddress\" { \"10.0.0.1/24\" \"dev\" \"eth0\" ; } "
               "\n");
}


Test(hx_ha_keepalived_conf, a_variable_redefined_takes_its_new_value)
{
    translates("$P=1\n$P=2\npriority $P\n", "\n\n\"priority\" \"2\" ;\n");
}


Test(hx_ha_keepalived_conf, unknown_variables_stay_as_written)
{
    translates("notify \"/bin/n $1 ${X}\" $Y\n",
               "\"notify\" \"/bin/n $1 ${X}\" \"$Y\" ;\n");
}


Test(hx_ha_keepalived_conf, builtin_hash_and_bang_escape_comments)
{
    translates("auth_pass a${_HASH}b$_BANG\n", "\"auth_pass\" \"a#b!\" ;\n");
}


Test(hx_ha_keepalived_conf, variables_survive_into_the_next_file)
{
    (void) translate("$W=7\n");
    translates("weight $W\n", "\"weight\" \"7\" ;\n");
}


Test(hx_ha_keepalived_conf, include_becomes_keepalived_include)
{
    translates("include conf.d/*.conf\ninclude /abs/x.conf\n",
               "\"keepalived_include\" \"/etc/keepalived/conf.d/*.conf\" ;\n"
               "\"keepalived_include\" \"/abs/x.conf\" ;\n");
}


Test(hx_ha_keepalived_conf, include_as_an_argument_is_a_plain_word)
{
    translates("x include y\n", "\"x\" \"include\" \"y\" ;\n");
}


Test(hx_ha_keepalived_conf, a_stray_closing_brace_is_refused_at_its_line)
{
    refused("a 1\n\n}\n", 3, "unexpected \"}\"");
}


Test(hx_ha_keepalived_conf, an_unclosed_block_names_its_opening_line)
{
    refused("x 1\nvrrp_instance A {\nstate MASTER\n", 3,
            "unexpected end of file, expecting \"}\" for the block opened "
            "on line 2");
}


Test(hx_ha_keepalived_conf, a_brace_without_a_name_is_refused)
{
    refused("\n{\n}\n", 2, "unexpected \"{\"");
}


Test(hx_ha_keepalived_conf, ipvs_only_keywords_are_refused_naming_the_feature)
{
    /* refused by the translator, before an earlier line can be parsed */
    refused("vrrp_sync_group G {\n  VI_2\n}\nvrrp_instance A {\n"
            "  lvs_sync_daemon_interface eth1\n}\n", 5,
            "keepalived's \"lvs_sync_daemon_interface\" (the IPVS "
            "connection synchronisation daemon) is not supported: hanx "
            "forwards in user space and has no IPVS connection table to "
            "synchronise; remove it");

    refused("global_defs {\n  lvs_flush\n}\n", 2,
            "keepalived's \"lvs_flush\" (flushing the IPVS table at start) "
            "is not supported: hanx forwards in user space and has no IPVS "
            "table to flush; remove it");
}


Test(hx_ha_keepalived_conf, ipvs_keywords_as_arguments_are_plain_words)
{
    translates("router_id lvs_sync_daemon\n",
               "\"router_id\" \"lvs_sync_daemon\" ;\n");
}


Test(hx_ha_keepalived_conf, an_unterminated_quote_is_refused)
{
    refused("a 1\nscript \"/bin/x\n", 2, "unterminated quoted string");
}


Test(hx_ha_keepalived_conf, an_error_after_a_continuation_counts_lines)
{
    refused("a \\\nb \\\nc\n}\n", 4, "unexpected \"}\"");
}


Test(hx_ha_keepalived_conf, every_line_keeps_its_number)
{
    const char  *text = "! c\n\n@low x\n$V=1\na {\n b \\\n c\n}\n";
    char        *out;
    hx_uint_t    in, n;

    for (in = 0, n = 0; text[n]; n++) {
        in += (text[n] == '\n');
    }

    out = translate(text);

    for (n = 0; *out; out++) {
        n += (*out == '\n');
    }

    cr_assert_eq(n, in);
}


Test(hx_ha_keepalived_conf, the_default_config_id_is_the_short_host_name)
{
    char      host[256];
    hx_str_t  id;

    cr_assert_eq(gethostname(host, sizeof(host)), 0);
    cr_assert_eq(hx_ha_keepalived_default_id(pool, &id), HX_OK);

    cr_assert_eq(strncmp((char *) id.data, host, id.len), 0);
    cr_assert(host[id.len] == '\0' || host[id.len] == '.');
}


/* ---- through the parser and the ha modules ------------------------- */

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


static char *
parse(const char *text)
{
    hx_str_t  name;

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


/* the last emerg line is "<what> in <tmpdir>/<file>:<line>" */
static void
parse_fails(const char *text, const char *what, const char *file,
    hx_uint_t line)
{
    char   expect[HX_MAX_ERROR_STR];
    char  *rv;

    snprintf(expect, sizeof(expect), "%s in %s/%s:%lu", what, tmpdir, file,
             (unsigned long) line);

    rv = parse(text);

    cr_assert_eq(rv, HX_CONF_ERROR, "parse of <<%s>> succeeded", text);
    cr_assert_gt(nlines, 0);
    cr_assert_eq(lines[nlines - 1].level, HX_LOG_EMERG);
    cr_assert_str_eq(lines[nlines - 1].text, expect);
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
    hx_ha_vrrp_conf_t  **vrp;

    cr_assert_lt(i, vmcf()->instances.nelts);
    vrp = vmcf()->instances.elts;

    return vrp[i];
}


/* a fresh configuration for a second parse in the same test */
static void
reset(void)
{
    hx_memzero(test_ctx, sizeof(test_ctx));
    nlines = 0;
}


static const char  seed_keepalived[] =
    "vrrp_instance VI_1 {\n"
    "    state MASTER\n"
    "    # a comment\n"
    "    interface lo\n"
    "    virtual_router_id 51\n"
    "    priority 100\n"
    "    advert_int 1\n"
    "    authentication {\n"
    "        auth_type PASS\n"
    "        auth_pass 123456\n"
    "    }\n"
    "    virtual_ipaddress {\n"
    "        192.168.99.151\n"
    "    }\n"
    "}\n";

static const char  seed_ha[] =
    "ha {\n"
    "    vrrp_instance VI_1 {\n"
    "        state MASTER;\n"
    "        interface lo;\n"
    "        virtual_router_id 51;\n"
    "        priority 100;\n"
    "        advert_int 1;\n"
    "        authentication { auth_type PASS; auth_pass 123456; }\n"
    "        virtual_ipaddress { 192.168.99.151; }\n"
    "    }\n"
    "}\n";


Test(hx_ha_keepalived_conf, both_spellings_give_the_same_instance)
{
    hx_ha_vip_t        *va, *vb;
    hx_ha_vrrp_conf_t   a, b;

    parse_ok(seed_ha);
    a = *instance(0);

    reset();
    write_file("keepalived.conf", seed_keepalived);
    parse_ok("ha { keepalived_config keepalived.conf; }\n");
    b = *instance(0);

    cr_assert_eq(vmcf()->instances.nelts, 1);
    cr_assert(hx_str_eq(&a.name, &b.name));
    cr_assert(hx_str_eq(&a.interface, &b.interface));
    cr_assert_eq(a.want_state, b.want_state);
    cr_assert_eq(a.vrid, b.vrid);
    cr_assert_eq(a.priority, b.priority);
    cr_assert_eq(a.adver_int, b.adver_int);
    cr_assert_eq(a.version, b.version);
    cr_assert_eq(a.auth_type, b.auth_type);
    cr_assert(hx_str_eq(&a.auth_pass, &b.auth_pass));
    cr_assert_eq(memcmp(a.auth_data, b.auth_data, sizeof(a.auth_data)), 0);
    cr_assert_eq(a.vips->nelts, 1);
    cr_assert_eq(b.vips->nelts, 1);
    va = a.vips->elts;
    vb = b.vips->elts;
    cr_assert_eq(va->addr.family, vb->addr.family);
    cr_assert_eq(memcmp(va->addr.addr, vb->addr.addr, 16), 0);
    cr_assert(hx_str_eq(&va->addr.text, &vb->addr.text));
    cr_assert_eq(va->prefixlen, vb->prefixlen);
    cr_assert_eq(va->scope, vb->scope);
    cr_assert_eq(va->dev.len, vb->dev.len);
    cr_assert_eq(a.family, b.family);

    /* and the positions name the keepalived file */
    cr_assert_eq(b.pos.line, 1);
    cr_assert(strstr((char *) b.pos.file.data, "keepalived.conf"));
}


Test(hx_ha_keepalived_conf, an_error_names_the_keepalived_file_and_line)
{
    write_file("ka.conf", "vrrp_instance V {\n  interface lo\n"
               "  priority abc\n}\n");

    parse_fails("ha {\n keepalived_config ka.conf;\n}\n",
                "\"priority\" directive invalid number", "ka.conf", 3);
}


Test(hx_ha_keepalived_conf, an_unknown_keyword_names_the_keepalived_line)
{
    write_file("ka.conf", "\n\nno_such_keyword 1\n");

    parse_fails("ha { keepalived_config ka.conf; }\n",
                "unknown directive \"no_such_keyword\"", "ka.conf", 3);
}


Test(hx_ha_keepalived_conf, a_translator_error_names_the_keepalived_line)
{
    write_file("ka.conf", "global_defs {\n}\n}\n");

    parse_fails("ha { keepalived_config ka.conf; }\n",
                "unexpected \"}\"", "ka.conf", 3);
}


Test(hx_ha_keepalived_conf, a_missing_file_is_refused)
{
    char  what[256];

    snprintf(what, sizeof(what), "open() \"%s/nope.conf\" failed "
             "(2: No such file or directory)", tmpdir);

    parse_fails("ha {\n\n keepalived_config nope.conf;\n}\n", what,
                "main.conf", 3);
}


Test(hx_ha_keepalived_conf, includes_glob_relative_to_the_including_file)
{
    write_file("ka.conf", "$PRIO=120\ninclude inst_*.conf\n");
    write_file("inst_a.conf", "vrrp_instance A {\n interface lo\n"
               " virtual_router_id 1\n priority $PRIO\n"
               " virtual_ipaddress { 10.0.0.1 }\n}\n");
    write_file("inst_b.conf", "vrrp_instance B {\n interface lo\n"
               " virtual_router_id 2\n priority 50\n"
               " virtual_ipaddress { 10.0.0.2 }\n}\n");

    parse_ok("ha { keepalived_config ka.conf; }\n");

    cr_assert_eq(vmcf()->instances.nelts, 2);
    cr_assert_eq(instance(0)->priority, 120);
    cr_assert_eq(instance(1)->priority, 50);
    cr_assert_eq(instance(1)->pos.line, 1);
    cr_assert(strstr((char *) instance(1)->pos.file.data, "inst_b.conf"));
}


Test(hx_ha_keepalived_conf, an_error_in_an_include_names_the_included_file)
{
    write_file("ka.conf", "include part.conf\n");
    write_file("part.conf", "\nvrrp_instance A {\n  bogus_word\n}\n");

    parse_fails("ha { keepalived_config ka.conf; }\n",
                "unknown directive \"bogus_word\"", "part.conf", 3);
}


Test(hx_ha_keepalived_conf, an_include_loop_is_refused)
{
    write_file("ka.conf", "include ka.conf\n");

    cr_assert_eq(parse("ha { keepalived_config ka.conf; }\n"),
                 HX_CONF_ERROR);
    cr_assert(strstr(lines[nlines - 1].text, "an include loop?"));
}


Test(hx_ha_keepalived_conf, config_id_parameter_chooses_at_lines)
{
    write_file("ka.conf", "vrrp_instance A {\n interface lo\n"
               " virtual_router_id 1\n@high priority 170\n"
               "@low priority 85\n virtual_ipaddress { 10.0.0.1 }\n}\n");

    parse_ok("ha { keepalived_config ka.conf config_id=low; }\n");
    cr_assert_eq(instance(0)->priority, 85);

    reset();
    parse_ok("ha { keepalived_config ka.conf config_id=high; }\n");
    cr_assert_eq(instance(0)->priority, 170);
}


Test(hx_ha_keepalived_conf, a_bad_parameter_is_refused)
{
    write_file("ka.conf", "\n");

    parse_fails("ha { keepalived_config ka.conf id=low; }\n",
                "invalid parameter \"id=low\"", "main.conf", 1);
}


Test(hx_ha_keepalived_conf, keepalived_config_only_at_ha_level)
{
    write_file("ka.conf", "\n");

    parse_fails("ha {\nglobal_defs {\nkeepalived_config ka.conf;\n}\n}\n",
                "\"keepalived_config\" directive is not allowed here",
                "main.conf", 3);
}


Test(hx_ha_keepalived_conf, dump_lists_the_keepalived_file_as_written)
{
    hx_conf_dump_t  *cd;

    hx_dump_config = 1;

    write_file("ka.conf", "! as written\nglobal_defs {\n router_id x\n}\n");
    parse_ok("ha { keepalived_config ka.conf; }\n");

    hx_dump_config = 0;

    cr_assert_eq(test_cycle.config_dump.nelts, 2);
    cd = test_cycle.config_dump.elts;
    cr_assert(strstr((char *) cd[1].name.data, "ka.conf"));
    cr_assert_eq(cd[1].buffer->last - cd[1].buffer->pos, 42);
    cr_assert_eq(memcmp(cd[1].buffer->pos, "! as written\n", 13), 0);
}

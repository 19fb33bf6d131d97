/*
 * Tests of the pcre2 wrapper: compile errors in nginx's wording, capture
 * offsets, named captures, caseless matching, the first-match array and
 * the pcre_jit directive of hx_regex_module.
 */

#include <hx_config.h>
#include <hx_core.h>

#define PCRE2_CODE_UNIT_WIDTH  8
#include <pcre2.h>

#include <criterion/criterion.h>


extern hx_module_t  hx_regex_module;

static hx_pool_t   *pool;
static uint8_t      errbuf[512];


static void
setup(void)
{
    pool = hx_create_pool(4096, NULL);
    cr_assert(pool != NULL);
    hx_regex_init();
}


static void
teardown(void)
{
    hx_destroy_pool(pool);
}


TestSuite(hx_regex, .init = setup, .fini = teardown);


static hx_int_t
compile(hx_regex_compile_t *rc, const char *pattern, hx_uint_t options)
{
    hx_memzero(rc, sizeof(hx_regex_compile_t));
    rc->pattern.data = (uint8_t *) pattern;
    rc->pattern.len = strlen(pattern);
    rc->pool = pool;
    rc->options = options;
    rc->err.data = errbuf;
    rc->err.len = sizeof(errbuf);

    return hx_regex_compile(rc);
}


static hx_int_t
exec(hx_regex_t *re, const char *subject, int *captures, hx_uint_t size)
{
    hx_str_t  s;

    s.data = (uint8_t *) subject;
    s.len = strlen(subject);

    return hx_regex_exec(re, &s, captures, size);
}


Test(hx_regex, compile_error_names_the_pattern)
{
    hx_regex_compile_t  rc;
    hx_str_t            err;

    cr_assert_eq(compile(&rc, "(foo", 0), HX_ERROR);
    err = rc.err;
    cr_assert(err.len > 0 && err.len < sizeof(errbuf));
    errbuf[err.len] = '\0';
    cr_assert(strncmp((char *) errbuf, "pcre2_compile() failed: ", 24) == 0,
              "%s", errbuf);
    cr_assert(strstr((char *) errbuf, "parenthes") != NULL, "%s", errbuf);
    /* the error is at the end: no "at" part */
    cr_assert(strstr((char *) errbuf, " in \"(foo\"") != NULL, "%s", errbuf);
    cr_assert(strstr((char *) errbuf, " at \"") == NULL, "%s", errbuf);

    cr_assert_eq(compile(&rc, "ab)cd", 0), HX_ERROR);
    errbuf[rc.err.len] = '\0';
    cr_assert(strstr((char *) errbuf, " in \"ab)cd\" at \")cd\"") != NULL,
              "%s", errbuf);

    cr_assert_eq(compile(&rc, "x{2,1}", 0), HX_ERROR);
    cr_assert_eq(compile(&rc, "[z-a]", 0), HX_ERROR);
}


Test(hx_regex, compile_error_fits_the_callers_buffer)
{
    hx_regex_compile_t  rc;

    hx_memzero(&rc, sizeof(rc));
    hx_str_set(&rc.pattern, "(((unbalanced");
    rc.pool = pool;
    memset(errbuf, 'Z', sizeof(errbuf));
    rc.err.data = errbuf;
    rc.err.len = 20;

    cr_assert_eq(hx_regex_compile(&rc), HX_ERROR);
    cr_assert_eq(rc.err.len, 20);
    cr_assert_eq(errbuf[20], 'Z');
}


Test(hx_regex, captures_are_offset_pairs)
{
    hx_regex_compile_t  rc;
    int                 cap[12];

    cr_assert_eq(compile(&rc, "^/(\\w+)/(\\d+)?(x)?", 0), HX_OK);
    cr_assert_eq(rc.captures, 3);
    cr_assert_eq(rc.named_captures, 0);
    cr_assert_eq(rc.names, NULL);

    cr_assert_eq(exec(rc.regex, "/users/42", cap, 12), 3);
    cr_assert(cap[0] == 0 && cap[1] == 9);
    cr_assert(cap[2] == 1 && cap[3] == 6);
    cr_assert(cap[4] == 7 && cap[5] == 9);

    /* a group that did not take part before one that did: -1 */
    cr_assert_eq(exec(rc.regex, "/users/x", cap, 12), 4);
    cr_assert(cap[4] == -1 && cap[5] == -1);
    cr_assert(cap[6] == 7 && cap[7] == 8);

    cr_assert_eq(exec(rc.regex, "users/42", cap, 12), HX_REGEX_NO_MATCHED);
}


Test(hx_regex, fewer_pairs_than_groups_are_still_a_match)
{
    hx_regex_compile_t  rc;
    int                 cap[2] = { 77, 77 };

    cr_assert_eq(compile(&rc, "(a)(b)(c)", 0), HX_OK);

    /* nothing asked for: 0, which is still a match */
    cr_assert_eq(exec(rc.regex, "xabc", NULL, 0), 0);
    cr_assert_eq(exec(rc.regex, "xab", NULL, 0), HX_REGEX_NO_MATCHED);

    /* room for the whole match only */
    cr_assert_eq(exec(rc.regex, "xabc", cap, 2), 1);
    cr_assert(cap[0] == 1 && cap[1] == 4);
}


Test(hx_regex, match_data_grows_for_bigger_requests)
{
    hx_regex_compile_t  rc;
    int                 cap[40];
    char                pattern[128], subject[32];
    hx_uint_t           i;

    strcpy(pattern, "");
    strcpy(subject, "");

    for (i = 0; i < 15; i++) {
        strcat(pattern, "(.)");
        subject[i] = (char) ('a' + i);
        subject[i + 1] = '\0';
    }

    cr_assert_eq(compile(&rc, "(.)", 0), HX_OK);
    cr_assert_eq(exec(rc.regex, "q", cap, 4), 2);

    cr_assert_eq(compile(&rc, pattern, 0), HX_OK);
    cr_assert_eq(rc.captures, 15);
    cr_assert_eq(exec(rc.regex, subject, cap, 40), 16);

    for (i = 1; i <= 15; i++) {
        cr_assert(cap[2 * i] == (int) i - 1 && cap[2 * i + 1] == (int) i);
    }

    /* and a small request after a big one still works */
    cr_assert_eq(exec(rc.regex, subject, cap, 6), 3);
}


Test(hx_regex, named_captures_come_from_the_name_table)
{
    hx_regex_compile_t  rc;
    uint8_t            *entry;
    hx_uint_t           i, found;

    cr_assert_eq(compile(&rc, "(?<year>\\d{4})-(\\d\\d)-(?<day>\\d\\d)", 0),
                 HX_OK);
    cr_assert_eq(rc.captures, 3);
    cr_assert_eq(rc.named_captures, 2);
    cr_assert(rc.name_size >= 2 + (int) sizeof("year"));
    cr_assert(rc.names != NULL);

    found = 0;

    for (i = 0; i < (hx_uint_t) rc.named_captures; i++) {
        entry = rc.names + i * rc.name_size;

        if (strcmp((char *) entry + 2, "year") == 0) {
            cr_assert_eq(entry[0] << 8 | entry[1], 1);
            found |= 1;

        } else if (strcmp((char *) entry + 2, "day") == 0) {
            cr_assert_eq(entry[0] << 8 | entry[1], 3);
            found |= 2;
        }
    }

    cr_assert_eq(found, 3);
}


Test(hx_regex, caseless_option)
{
    hx_regex_compile_t  rc;
    int                 cap[2];

    cr_assert_eq(compile(&rc, "^/Images/.*\\.PNG$", 0), HX_OK);
    cr_assert_eq(exec(rc.regex, "/images/a.png", cap, 2),
                 HX_REGEX_NO_MATCHED);

    cr_assert_eq(compile(&rc, "^/Images/.*\\.PNG$", HX_REGEX_CASELESS),
                 HX_OK);
    cr_assert_eq(exec(rc.regex, "/images/a.png", cap, 2), 1);
    cr_assert_eq(exec(rc.regex, "/IMAGES/B.Png", cap, 2), 1);
}


Test(hx_regex, multiline_option)
{
    hx_regex_compile_t  rc;

    cr_assert_eq(compile(&rc, "^b$", 0), HX_OK);
    cr_assert_eq(exec(rc.regex, "a\nb\nc", NULL, 0), HX_REGEX_NO_MATCHED);

    cr_assert_eq(compile(&rc, "^b$", HX_REGEX_MULTILINE), HX_OK);
    cr_assert_eq(exec(rc.regex, "a\nb\nc", NULL, 0), 0);
}


Test(hx_regex, subject_is_length_delimited)
{
    hx_regex_compile_t  rc;
    hx_str_t            s;

    cr_assert_eq(compile(&rc, "^abc$", 0), HX_OK);

    s.data = (uint8_t *) "abcdef";
    s.len = 3;
    cr_assert_eq(hx_regex_exec(rc.regex, &s, NULL, 0), 0);
}


Test(hx_regex, exec_array_returns_the_first_match)
{
    hx_regex_compile_t   rc;
    hx_array_t          *a;
    hx_regex_elt_t      *re;
    hx_str_t             s;
    hx_log_t             log;

    hx_memzero(&log, sizeof(log));
    a = hx_array_create(pool, 2, sizeof(hx_regex_elt_t));

    cr_assert_eq(compile(&rc, "^www\\.", 0), HX_OK);
    re = hx_array_push(a);
    re->regex = rc.regex;
    re->name = (uint8_t *) "^www\\.";

    cr_assert_eq(compile(&rc, "\\.org$", 0), HX_OK);
    re = hx_array_push(a);
    re->regex = rc.regex;
    re->name = (uint8_t *) "\\.org$";

    hx_str_set(&s, "example.org");
    cr_assert_eq(hx_regex_exec_array(a, &s, &log), HX_OK);
    hx_str_set(&s, "www.example.com");
    cr_assert_eq(hx_regex_exec_array(a, &s, &log), HX_OK);
    hx_str_set(&s, "example.com");
    cr_assert_eq(hx_regex_exec_array(a, &s, &log), HX_DECLINED);

    a->nelts = 0;
    cr_assert_eq(hx_regex_exec_array(a, &s, &log), HX_DECLINED);
}


Test(hx_regex, pcre_jit_directive_is_a_main_level_flag)
{
    hx_command_t  *cmd;

    cmd = hx_regex_module.commands;

    cr_assert_eq(hx_regex_module.type, HX_CORE_MODULE);
    cr_assert_eq(cmd[0].name.len, 8);
    cr_assert(memcmp(cmd[0].name.data, "pcre_jit", 8) == 0);
    cr_assert_eq(cmd[0].type, HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_FLAG);
    cr_assert_eq(cmd[0].set, hx_conf_set_flag_slot);
    cr_assert_eq(cmd[1].name.len, 0);
}


Test(hx_regex, pcre_jit_on_compiles_earlier_patterns)
{
    hx_cycle_t           cycle;
    hx_core_module_t    *ctx;
    hx_regex_compile_t   rc1, rc2;
    hx_conf_t            cf;
    hx_array_t          *args;
    hx_str_t            *v;
    hx_log_t             log;
    void                *conf;
    size_t               jitsize;
    uint32_t             jit;

    hx_memzero(&cycle, sizeof(cycle));
    hx_memzero(&log, sizeof(log));
    cycle.pool = pool;
    cycle.log = &log;

    ctx = hx_regex_module.ctx;
    conf = ctx->create_conf(&cycle);
    cr_assert(conf != NULL);
    cr_assert_eq(hx_regex_use_jit, 0);

    /* a pattern of http {} read before "pcre_jit on;" */
    cr_assert_eq(compile(&rc1, "^/api/(v\\d+)/", 0), HX_OK);

    hx_memzero(&cf, sizeof(cf));
    args = hx_array_create(pool, 2, sizeof(hx_str_t));
    v = hx_array_push(args);
    hx_str_set(v, "pcre_jit");
    v = hx_array_push(args);
    hx_str_set(v, "on");
    cf.args = args;
    cf.pool = pool;
    cf.cycle = &cycle;
    cf.log = &log;

    cr_assert_eq(hx_regex_module.commands[0].set(&cf,
                     &hx_regex_module.commands[0], conf), HX_CONF_OK);
    cr_assert_eq(ctx->init_conf(&cycle, conf), HX_CONF_OK);

    jit = 0;
    pcre2_config(PCRE2_CONFIG_JIT, &jit);

    if (!jit) {
        cr_assert_eq(hx_regex_use_jit, 0);
        return;
    }

    cr_assert_eq(hx_regex_use_jit, 1);

    jitsize = 0;
    cr_assert_eq(pcre2_pattern_info(rc1.regex->code, PCRE2_INFO_JITSIZE,
                                    &jitsize), 0);
    cr_assert(jitsize > 0);

    /* later patterns are JIT-compiled at once */
    cr_assert_eq(compile(&rc2, "\\.php$", 0), HX_OK);
    jitsize = 0;
    cr_assert_eq(pcre2_pattern_info(rc2.regex->code, PCRE2_INFO_JITSIZE,
                                    &jitsize), 0);
    cr_assert(jitsize > 0);
    cr_assert_eq(exec(rc1.regex, "/api/v2/users", NULL, 0), 0);
}


Test(hx_regex, pcre_jit_defaults_to_off)
{
    hx_cycle_t           cycle;
    hx_core_module_t    *ctx;
    hx_regex_compile_t   rc;
    hx_log_t             log;
    void                *conf;
    size_t               jitsize;

    hx_memzero(&cycle, sizeof(cycle));
    hx_memzero(&log, sizeof(log));
    cycle.pool = pool;
    cycle.log = &log;

    ctx = hx_regex_module.ctx;
    conf = ctx->create_conf(&cycle);
    cr_assert_eq(compile(&rc, "^/a", 0), HX_OK);
    cr_assert_eq(ctx->init_conf(&cycle, conf), HX_CONF_OK);
    cr_assert_eq(hx_regex_use_jit, 0);

    jitsize = 1;
    cr_assert_eq(pcre2_pattern_info(rc.regex->code, PCRE2_INFO_JITSIZE,
                                    &jitsize), 0);
    cr_assert_eq(jitsize, 0);
}

/*
 * Tests of the generic directive setters and the merge macros.  Each
 * setter is called directly, the way the dispatcher calls it: cf->args
 * holds the words (the directive name first), conf points at a struct
 * whose field is at cmd->offset.  Messages a setter logs itself go to a
 * writer that keeps them; with no file being parsed they carry no
 * position.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <criterion/criterion.h>


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
} test_conf_t;


static hx_uint_t  post_calls;
static void      *post_field;


static char *
count_post(hx_conf_t *cf, void *post, void *data)
{
    (void) cf;
    (void) post;

    post_calls++;
    post_field = data;

    return HX_CONF_OK;
}


static char *
refusing_post(hx_conf_t *cf, void *post, void *data)
{
    (void) cf;
    (void) post;
    (void) data;

    return "is refused by the post handler";
}


static hx_conf_post_t        test_counting = { count_post };
static hx_conf_post_t        test_refusing = { refusing_post };
static hx_conf_num_bounds_t  test_bounds = {
    hx_conf_check_num_bounds, -5, 5
};
static hx_conf_num_bounds_t  test_lower = {
    hx_conf_check_num_bounds, 3, -1
};
static hx_conf_deprecated_t  test_deprecated = {
    hx_conf_deprecated, "old_name", "new_name"
};

static hx_conf_enum_t  test_levels[] = {
    { hx_string("low"), 1 },
    { hx_string("high"), 2 },
    { hx_string("zero"), 0 },
    { hx_null_string, 0 }
};

static hx_conf_bitmask_t  test_masks[] = {
    { hx_string("read"), 0x01 },
    { hx_string("write"), 0x02 },
    { hx_string("exec"), 0x04 },
    { hx_null_string, 0 }
};


#define CMD(name, set, field, post)                                           \
    { hx_string(name), HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_ANY, set, 0,       \
      offsetof(test_conf_t, field), post }

static hx_command_t  flag_cmd = CMD("flag", hx_conf_set_flag_slot, flag,
                                    NULL);
static hx_command_t  num_cmd = CMD("num", hx_conf_set_num_slot, num, NULL);
static hx_command_t  size_cmd = CMD("size", hx_conf_set_size_slot, size,
                                    NULL);
static hx_command_t  off_cmd = CMD("off", hx_conf_set_off_slot, off, NULL);
static hx_command_t  msec_cmd = CMD("msec", hx_conf_set_msec_slot, msec,
                                    NULL);
static hx_command_t  sec_cmd = CMD("sec", hx_conf_set_sec_slot, sec, NULL);
static hx_command_t  str_cmd = CMD("str", hx_conf_set_str_slot, str, NULL);
static hx_command_t  strs_cmd = CMD("strs", hx_conf_set_str_array_slot,
                                    strs, NULL);
static hx_command_t  kv_cmd = CMD("kv", hx_conf_set_keyval_slot, kv, NULL);
static hx_command_t  bufs_cmd = CMD("bufs", hx_conf_set_bufs_slot, bufs,
                                    NULL);
static hx_command_t  level_cmd = CMD("level", hx_conf_set_enum_slot, level,
                                     test_levels);
static hx_command_t  mask_cmd = CMD("mask", hx_conf_set_bitmask_slot, mask,
                                    test_masks);


static hx_log_t      test_log;
static hx_cycle_t    test_cycle;
static hx_conf_t     cf;
static test_conf_t   tc;
static char          logged[8][512];
static hx_uint_t     logged_level[8];
static hx_uint_t     nlogged;


static void
capture(hx_log_t *log, hx_uint_t level, uint8_t *buf, size_t len)
{
    uint8_t  *msg;

    (void) log;

    cr_assert_lt(nlogged, 8);

    msg = hx_strnstr(buf, "#0: ", len);
    cr_assert_not_null(msg);
    msg += 4;

    len -= msg - buf + 1;    /* and the LF */
    cr_assert_lt(len, sizeof(logged[0]));

    memcpy(logged[nlogged], msg, len);
    logged[nlogged][len] = '\0';
    logged_level[nlogged++] = level;
}


static void
setup(void)
{
    hx_time_init();
    hx_use_stderr = 0;

    test_log.log_level = HX_LOG_DEBUG;
    test_log.writer = capture;

    test_cycle.pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, &test_log);
    cr_assert_not_null(test_cycle.pool);
    test_cycle.log = &test_log;

    cf.cycle = &test_cycle;
    cf.pool = test_cycle.pool;
    cf.log = &test_log;
    cf.args = hx_array_create(cf.pool, 4, sizeof(hx_str_t));
    cr_assert_not_null(cf.args);

    tc.flag = HX_CONF_UNSET;
    tc.num = HX_CONF_UNSET;
    tc.size = HX_CONF_UNSET_SIZE;
    tc.off = HX_CONF_UNSET;
    tc.msec = HX_CONF_UNSET_MSEC;
    tc.sec = HX_CONF_UNSET;
    hx_str_null(&tc.str);
    tc.strs = HX_CONF_UNSET_PTR;
    tc.kv = NULL;
    tc.bufs.num = 0;
    tc.bufs.size = 0;
    tc.level = HX_CONF_UNSET_UINT;
    tc.mask = 0;

    nlogged = 0;
    post_calls = 0;
    post_field = NULL;
}


static void
teardown(void)
{
    hx_destroy_pool(test_cycle.pool);
}


TestSuite(hx_conf_setters, .init = setup, .fini = teardown);


/* calls cmd's setter with the directive name and up to three words */
static char *
set3(hx_command_t *cmd, const char *a, const char *b, const char *c)
{
    const char  *words[4];
    hx_str_t    *w;
    hx_uint_t    i;

    words[0] = (const char *) cmd->name.data;
    words[1] = a;
    words[2] = b;
    words[3] = c;

    cf.args->nelts = 0;

    for (i = 0; i < 4 && words[i] != NULL; i++) {
        w = hx_array_push(cf.args);
        cr_assert_not_null(w);

        w->len = strlen(words[i]);
        w->data = hx_pnalloc(cf.pool, w->len + 1);
        cr_assert_not_null(w->data);
        memcpy(w->data, words[i], w->len + 1);
    }

    return cmd->set(&cf, cmd, &tc);
}


static char *
set(hx_command_t *cmd, const char *value)
{
    return set3(cmd, value, NULL, NULL);
}


/* a setter's reason, or "" for HX_CONF_OK, "(error)" for HX_CONF_ERROR */
static const char *
reason(char *rv)
{
    if (rv == HX_CONF_OK) {
        return "";
    }

    if (rv == HX_CONF_ERROR) {
        return "(error)";
    }

    return rv;
}


/* ---- flag */


Test(hx_conf_setters, flag_on_and_off)
{
    cr_assert_str_eq(reason(set(&flag_cmd, "on")), "");
    cr_assert_eq(tc.flag, 1);

    tc.flag = HX_CONF_UNSET;
    cr_assert_str_eq(reason(set(&flag_cmd, "off")), "");
    cr_assert_eq(tc.flag, 0);
}


Test(hx_conf_setters, flag_is_case_insensitive)
{
    cr_assert_str_eq(reason(set(&flag_cmd, "On")), "");
    cr_assert_eq(tc.flag, 1);

    tc.flag = HX_CONF_UNSET;
    cr_assert_str_eq(reason(set(&flag_cmd, "OFF")), "");
    cr_assert_eq(tc.flag, 0);
}


Test(hx_conf_setters, flag_refuses_other_words)
{
    static const char  *bad[] = { "yes", "no", "1", "0", "", "onn", "of" };
    hx_uint_t           i;
    char                expect[128];

    for (i = 0; i < hx_nelems(bad); i++) {
        tc.flag = HX_CONF_UNSET;
        nlogged = 0;

        cr_assert_eq(set(&flag_cmd, bad[i]), HX_CONF_ERROR, "%s", bad[i]);
        cr_assert_eq(nlogged, 1);
        cr_assert_eq(logged_level[0], HX_LOG_EMERG);

        snprintf(expect, sizeof(expect),
                 "invalid value \"%s\" in \"flag\" directive, "
                 "it must be \"on\" or \"off\"", bad[i]);
        cr_assert_str_eq(logged[0], expect);
    }
}


Test(hx_conf_setters, flag_twice_is_duplicate)
{
    cr_assert_str_eq(reason(set(&flag_cmd, "off")), "");
    cr_assert_str_eq(reason(set(&flag_cmd, "on")), "is duplicate");
    cr_assert_eq(tc.flag, 0);
}


Test(hx_conf_setters, flag_runs_the_deprecation_notice)
{
    hx_command_t  cmd = flag_cmd;

    cmd.post = &test_deprecated;

    cr_assert_str_eq(reason(set(&cmd, "on")), "");
    cr_assert_eq(tc.flag, 1);
    cr_assert_eq(nlogged, 1);
    cr_assert_eq(logged_level[0], HX_LOG_WARN);
    cr_assert_str_eq(logged[0], "the \"old_name\" directive is deprecated, "
                     "use the \"new_name\" directive instead");
}


/* ---- num */


Test(hx_conf_setters, num_parses_decimal)
{
    cr_assert_str_eq(reason(set(&num_cmd, "0")), "");
    cr_assert_eq(tc.num, 0);

    tc.num = HX_CONF_UNSET;
    cr_assert_str_eq(reason(set(&num_cmd, "65535")), "");
    cr_assert_eq(tc.num, 65535);

    tc.num = HX_CONF_UNSET;
    cr_assert_str_eq(reason(set(&num_cmd, "9223372036854775807")), "");
    cr_assert_eq(tc.num, INTPTR_MAX);
}


Test(hx_conf_setters, num_refuses_non_numbers)
{
    static const char  *bad[] = {
        "", "-1", "+1", "1k", "0x10", " 1", "1 ", "9223372036854775808",
        "99999999999999999999999"
    };
    hx_uint_t           i;

    for (i = 0; i < hx_nelems(bad); i++) {
        tc.num = HX_CONF_UNSET;
        cr_assert_str_eq(reason(set(&num_cmd, bad[i])), "invalid number",
                         "\"%s\"", bad[i]);
    }

    cr_assert_eq(nlogged, 0, "the dispatcher does the logging");
}


Test(hx_conf_setters, num_twice_is_duplicate)
{
    cr_assert_str_eq(reason(set(&num_cmd, "1")), "");
    cr_assert_str_eq(reason(set(&num_cmd, "2")), "is duplicate");
    cr_assert_eq(tc.num, 1);
}


Test(hx_conf_setters, num_bounds_between)
{
    hx_command_t  cmd = num_cmd;

    cmd.post = &test_bounds;

    cr_assert_str_eq(reason(set(&cmd, "5")), "");
    cr_assert_eq(tc.num, 5);

    tc.num = HX_CONF_UNSET;
    cr_assert_str_eq(reason(set(&cmd, "0")), "");

    tc.num = HX_CONF_UNSET;
    cr_assert_eq(set(&cmd, "6"), HX_CONF_ERROR);
    cr_assert_eq(nlogged, 1);
    cr_assert_eq(logged_level[0], HX_LOG_EMERG);
    cr_assert_str_eq(logged[0], "value must be between -5 and 5");
}


Test(hx_conf_setters, num_bounds_lower_only)
{
    hx_command_t  cmd = num_cmd;

    cmd.post = &test_lower;

    cr_assert_str_eq(reason(set(&cmd, "3")), "");

    tc.num = HX_CONF_UNSET;
    cr_assert_str_eq(reason(set(&cmd, "1000000")), "");

    tc.num = HX_CONF_UNSET;
    cr_assert_eq(set(&cmd, "2"), HX_CONF_ERROR);
    cr_assert_str_eq(logged[0], "value must be equal to or greater than 3");
}


Test(hx_conf_setters, check_num_bounds_directly)
{
    hx_int_t  n;

    n = -5;
    cr_assert_eq(hx_conf_check_num_bounds(&cf, &test_bounds, &n), HX_CONF_OK);
    n = -6;
    cr_assert_eq(hx_conf_check_num_bounds(&cf, &test_bounds, &n),
                 HX_CONF_ERROR);
    n = 3;
    cr_assert_eq(hx_conf_check_num_bounds(&cf, &test_lower, &n), HX_CONF_OK);
    n = 2;
    cr_assert_eq(hx_conf_check_num_bounds(&cf, &test_lower, &n),
                 HX_CONF_ERROR);
}


/* ---- size and offset */


Test(hx_conf_setters, size_units)
{
    static const struct {
        const char  *text;
        size_t       value;
    } ok[] = {
        { "0", 0 },
        { "512", 512 },
        { "64k", 64 * 1024 },
        { "64K", 64 * 1024 },
        { "10m", 10 * 1024 * 1024 },
        { "10M", 10 * 1024 * 1024 }
    };
    hx_uint_t  i;

    for (i = 0; i < hx_nelems(ok); i++) {
        tc.size = HX_CONF_UNSET_SIZE;
        cr_assert_str_eq(reason(set(&size_cmd, ok[i].text)), "", "%s",
                         ok[i].text);
        cr_assert_eq(tc.size, ok[i].value, "%s", ok[i].text);
    }
}


Test(hx_conf_setters, size_refuses_bad_values)
{
    static const char  *bad[] = { "", "k", "-1", "1g", "1kb", "1.5m", "x" };
    hx_uint_t           i;

    for (i = 0; i < hx_nelems(bad); i++) {
        tc.size = HX_CONF_UNSET_SIZE;
        cr_assert_str_eq(reason(set(&size_cmd, bad[i])), "invalid value",
                         "\"%s\"", bad[i]);
    }
}


Test(hx_conf_setters, size_twice_is_duplicate)
{
    cr_assert_str_eq(reason(set(&size_cmd, "1k")), "");
    cr_assert_str_eq(reason(set(&size_cmd, "2k")), "is duplicate");
    cr_assert_eq(tc.size, 1024);
}


Test(hx_conf_setters, offset_units)
{
    cr_assert_str_eq(reason(set(&off_cmd, "2g")), "");
    cr_assert_eq(tc.off, (off_t) 2 * 1024 * 1024 * 1024);

    tc.off = HX_CONF_UNSET;
    cr_assert_str_eq(reason(set(&off_cmd, "3m")), "");
    cr_assert_eq(tc.off, 3 * 1024 * 1024);

    tc.off = HX_CONF_UNSET;
    cr_assert_str_eq(reason(set(&off_cmd, "1t")), "invalid value");

    tc.off = HX_CONF_UNSET;
    cr_assert_str_eq(reason(set(&off_cmd, "-1")), "invalid value");
}


Test(hx_conf_setters, offset_twice_is_duplicate)
{
    cr_assert_str_eq(reason(set(&off_cmd, "0")), "");
    cr_assert_str_eq(reason(set(&off_cmd, "1")), "is duplicate");
}


/* ---- times */


Test(hx_conf_setters, msec_units)
{
    static const struct {
        const char  *text;
        hx_msec_t    value;
    } ok[] = {
        { "0", 0 },
        { "500ms", 500 },
        { "5", 5000 },
        { "5s", 5000 },
        { "1m", 60000 },
        { "1h 30m", 5400000 },
        { "1d", 86400000 },
        { "1m30s", 90000 }
    };
    hx_uint_t  i;

    for (i = 0; i < hx_nelems(ok); i++) {
        tc.msec = HX_CONF_UNSET_MSEC;
        cr_assert_str_eq(reason(set(&msec_cmd, ok[i].text)), "", "%s",
                         ok[i].text);
        cr_assert_eq(tc.msec, ok[i].value, "%s", ok[i].text);
    }
}


Test(hx_conf_setters, msec_refuses_bad_values)
{
    static const char  *bad[] = { "", "5q", "s", "-1s", "1.5s", "ms" };
    hx_uint_t           i;

    for (i = 0; i < hx_nelems(bad); i++) {
        tc.msec = HX_CONF_UNSET_MSEC;
        cr_assert_str_eq(reason(set(&msec_cmd, bad[i])), "invalid value",
                         "\"%s\"", bad[i]);
    }
}


Test(hx_conf_setters, sec_units)
{
    cr_assert_str_eq(reason(set(&sec_cmd, "10")), "");
    cr_assert_eq(tc.sec, 10);

    tc.sec = HX_CONF_UNSET;
    cr_assert_str_eq(reason(set(&sec_cmd, "1h")), "");
    cr_assert_eq(tc.sec, 3600);

    tc.sec = HX_CONF_UNSET;
    cr_assert_str_eq(reason(set(&sec_cmd, "1w")), "");
    cr_assert_eq(tc.sec, 7 * 86400);
}


Test(hx_conf_setters, sec_refuses_milliseconds_and_junk)
{
    cr_assert_str_eq(reason(set(&sec_cmd, "500ms")), "invalid value");

    tc.sec = HX_CONF_UNSET;
    cr_assert_str_eq(reason(set(&sec_cmd, "10x")), "invalid value");
}


Test(hx_conf_setters, time_twice_is_duplicate)
{
    cr_assert_str_eq(reason(set(&msec_cmd, "1s")), "");
    cr_assert_str_eq(reason(set(&msec_cmd, "2s")), "is duplicate");
    cr_assert_eq(tc.msec, 1000);

    cr_assert_str_eq(reason(set(&sec_cmd, "1")), "");
    cr_assert_str_eq(reason(set(&sec_cmd, "2")), "is duplicate");
    cr_assert_eq(tc.sec, 1);
}


/* ---- strings */


Test(hx_conf_setters, str_stores_the_word)
{
    cr_assert_str_eq(reason(set(&str_cmd, "logs/x.log")), "");
    cr_assert_eq(tc.str.len, 10);
    cr_assert_eq(memcmp(tc.str.data, "logs/x.log", 10), 0);
}


Test(hx_conf_setters, str_empty_word_counts_as_set)
{
    cr_assert_str_eq(reason(set(&str_cmd, "")), "");
    cr_assert_eq(tc.str.len, 0);
    cr_assert_not_null(tc.str.data);
    cr_assert_str_eq(reason(set(&str_cmd, "x")), "is duplicate");
}


Test(hx_conf_setters, str_runs_post_with_the_field)
{
    hx_command_t  cmd = str_cmd;

    cmd.post = &test_counting;

    cr_assert_str_eq(reason(set(&cmd, "a")), "");
    cr_assert_eq(post_calls, 1);
    cr_assert_eq(post_field, &tc.str);
}


Test(hx_conf_setters, post_handler_reason_is_returned)
{
    hx_command_t  cmd = str_cmd;

    cmd.post = &test_refusing;

    cr_assert_str_eq(reason(set(&cmd, "a")), "is refused by the post handler");
}


Test(hx_conf_setters, str_array_appends_from_unset_or_null)
{
    hx_str_t  *s;

    cr_assert_str_eq(reason(set(&strs_cmd, "one")), "");
    cr_assert_str_eq(reason(set(&strs_cmd, "two")), "");
    cr_assert_str_eq(reason(set(&strs_cmd, "three")), "");

    cr_assert_neq(tc.strs, HX_CONF_UNSET_PTR);
    cr_assert_eq(tc.strs->nelts, 3);
    s = tc.strs->elts;
    cr_assert_str_eq((char *) s[0].data, "one");
    cr_assert_str_eq((char *) s[2].data, "three");

    tc.strs = NULL;
    cr_assert_str_eq(reason(set(&strs_cmd, "four")), "");
    cr_assert_eq(tc.strs->nelts, 1);
}


Test(hx_conf_setters, str_array_runs_post_per_element)
{
    hx_command_t  cmd = strs_cmd;

    cmd.post = &test_counting;

    cr_assert_str_eq(reason(set(&cmd, "a")), "");
    cr_assert_str_eq(reason(set(&cmd, "b")), "");
    cr_assert_eq(post_calls, 2);
    cr_assert_eq(post_field, (hx_str_t *) tc.strs->elts + 1);
}


Test(hx_conf_setters, keyval_appends_pairs)
{
    hx_keyval_t  *kv;

    cr_assert_str_eq(reason(set3(&kv_cmd, "Host", "$host", NULL)), "");
    cr_assert_str_eq(reason(set3(&kv_cmd, "X-Real-IP", "$remote_addr",
                                 NULL)), "");

    cr_assert_eq(tc.kv->nelts, 2);
    kv = tc.kv->elts;
    cr_assert_str_eq((char *) kv[0].key.data, "Host");
    cr_assert_str_eq((char *) kv[0].value.data, "$host");
    cr_assert_str_eq((char *) kv[1].key.data, "X-Real-IP");
    cr_assert_str_eq((char *) kv[1].value.data, "$remote_addr");
}


/* ---- bufs */


Test(hx_conf_setters, bufs_number_and_size)
{
    cr_assert_str_eq(reason(set3(&bufs_cmd, "4", "32k", NULL)), "");
    cr_assert_eq(tc.bufs.num, 4);
    cr_assert_eq(tc.bufs.size, 32 * 1024);

    cr_assert_str_eq(reason(set3(&bufs_cmd, "8", "4k", NULL)),
                     "is duplicate");
}


Test(hx_conf_setters, bufs_refuses_zero_and_junk)
{
    static const char  *bad[][2] = {
        { "0", "4k" }, { "4", "0" }, { "x", "4k" }, { "4", "4x" },
        { "-1", "4k" }
    };
    hx_uint_t           i;

    for (i = 0; i < hx_nelems(bad); i++) {
        tc.bufs.num = 0;
        tc.bufs.size = 0;
        cr_assert_str_eq(reason(set3(&bufs_cmd, bad[i][0], bad[i][1], NULL)),
                         "invalid value", "%s %s", bad[i][0], bad[i][1]);
    }
}


/* ---- enum and bitmask */


Test(hx_conf_setters, enum_matches_names_case_insensitively)
{
    cr_assert_str_eq(reason(set(&level_cmd, "high")), "");
    cr_assert_eq(tc.level, 2);

    tc.level = HX_CONF_UNSET_UINT;
    cr_assert_str_eq(reason(set(&level_cmd, "LOW")), "");
    cr_assert_eq(tc.level, 1);

    tc.level = HX_CONF_UNSET_UINT;
    cr_assert_str_eq(reason(set(&level_cmd, "zero")), "");
    cr_assert_eq(tc.level, 0);
}


Test(hx_conf_setters, enum_refuses_unknown_and_prefixes)
{
    static const char  *bad[] = { "medium", "lo", "lowest", "" };
    hx_uint_t           i;
    char                expect[64];

    for (i = 0; i < hx_nelems(bad); i++) {
        tc.level = HX_CONF_UNSET_UINT;
        nlogged = 0;

        cr_assert_eq(set(&level_cmd, bad[i]), HX_CONF_ERROR, "%s", bad[i]);
        cr_assert_eq(tc.level, HX_CONF_UNSET_UINT);
        cr_assert_eq(nlogged, 1);

        snprintf(expect, sizeof(expect), "invalid value \"%s\"", bad[i]);
        cr_assert_str_eq(logged[0], expect);
    }
}


Test(hx_conf_setters, enum_twice_is_duplicate)
{
    cr_assert_str_eq(reason(set(&level_cmd, "low")), "");
    cr_assert_str_eq(reason(set(&level_cmd, "high")), "is duplicate");
    cr_assert_eq(tc.level, 1);
}


Test(hx_conf_setters, bitmask_ors_every_word)
{
    cr_assert_str_eq(reason(set3(&mask_cmd, "read", "EXEC", NULL)), "");
    cr_assert_eq(tc.mask, 0x05);

    /* a second directive adds to the first, as nginx's does */
    cr_assert_str_eq(reason(set(&mask_cmd, "write")), "");
    cr_assert_eq(tc.mask, 0x07);
}


Test(hx_conf_setters, bitmask_repeated_word_warns)
{
    cr_assert_str_eq(reason(set3(&mask_cmd, "read", "read", NULL)), "");
    cr_assert_eq(tc.mask, 0x01);
    cr_assert_eq(nlogged, 1);
    cr_assert_eq(logged_level[0], HX_LOG_WARN);
    cr_assert_str_eq(logged[0], "duplicate value \"read\"");
}


Test(hx_conf_setters, bitmask_refuses_unknown_word)
{
    cr_assert_eq(set3(&mask_cmd, "read", "delete", "write"), HX_CONF_ERROR);
    cr_assert_eq(nlogged, 1);
    cr_assert_str_eq(logged[0], "invalid value \"delete\"");
}


/* ---- unsupported */


Test(hx_conf_setters, unsupported_directive_reason)
{
    hx_command_t  cmd = { hx_string("proxy_cache"), HX_MAIN_CONF,
                          hx_conf_unsupported, 0, 0, NULL };

    cr_assert_str_eq(reason(set(&cmd, "x")), "is not supported by hanx");
}


/* ---- init and merge macros */


Test(hx_conf_setters, init_macros_fill_only_unset)
{
    hx_flag_t   f = HX_CONF_UNSET, g = 0;
    hx_uint_t   u = HX_CONF_UNSET_UINT;
    size_t      s = HX_CONF_UNSET_SIZE, t = 7;
    hx_msec_t   m = HX_CONF_UNSET_MSEC;
    void       *p = HX_CONF_UNSET_PTR;

    hx_conf_init_value(f, 1);
    hx_conf_init_value(g, 1);
    hx_conf_init_uint_value(u, 3);
    hx_conf_init_size_value(s, 4096);
    hx_conf_init_size_value(t, 4096);
    hx_conf_init_msec_value(m, 60000);
    hx_conf_init_ptr_value(p, NULL);

    cr_assert_eq(f, 1);
    cr_assert_eq(g, 0);
    cr_assert_eq(u, 3);
    cr_assert_eq(s, 4096);
    cr_assert_eq(t, 7);
    cr_assert_eq(m, 60000);
    cr_assert_null(p);
}


Test(hx_conf_setters, merge_value_prefers_own_then_parent_then_default)
{
    hx_int_t  conf, prev;

    conf = 5; prev = 7;
    hx_conf_merge_value(conf, prev, 9);
    cr_assert_eq(conf, 5);

    conf = HX_CONF_UNSET; prev = 7;
    hx_conf_merge_value(conf, prev, 9);
    cr_assert_eq(conf, 7);

    conf = HX_CONF_UNSET; prev = HX_CONF_UNSET;
    hx_conf_merge_value(conf, prev, 9);
    cr_assert_eq(conf, 9);

    conf = 0; prev = 1;
    hx_conf_merge_value(conf, prev, 1);
    cr_assert_eq(conf, 0, "an explicit 0 (off) is a value");
}


Test(hx_conf_setters, merge_typed_values)
{
    size_t      s, ps;
    hx_msec_t   m, pm;
    hx_uint_t   u, pu;
    time_t      t, pt;
    off_t       o, po;
    void       *p, *pp;

    s = HX_CONF_UNSET_SIZE; ps = 8192;
    hx_conf_merge_size_value(s, ps, 4096);
    cr_assert_eq(s, 8192);
    s = HX_CONF_UNSET_SIZE; ps = HX_CONF_UNSET_SIZE;
    hx_conf_merge_size_value(s, ps, 4096);
    cr_assert_eq(s, 4096);

    m = HX_CONF_UNSET_MSEC; pm = HX_CONF_UNSET_MSEC;
    hx_conf_merge_msec_value(m, pm, 60000);
    cr_assert_eq(m, 60000);
    m = 0; pm = 5;
    hx_conf_merge_msec_value(m, pm, 60000);
    cr_assert_eq(m, 0);

    u = HX_CONF_UNSET_UINT; pu = 3;
    hx_conf_merge_uint_value(u, pu, 1);
    cr_assert_eq(u, 3);

    t = HX_CONF_UNSET; pt = HX_CONF_UNSET;
    hx_conf_merge_sec_value(t, pt, 10);
    cr_assert_eq(t, 10);

    o = HX_CONF_UNSET; po = 1024;
    hx_conf_merge_off_value(o, po, 0);
    cr_assert_eq(o, 1024);

    p = HX_CONF_UNSET_PTR; pp = HX_CONF_UNSET_PTR;
    hx_conf_merge_ptr_value(p, pp, NULL);
    cr_assert_null(p);
    p = HX_CONF_UNSET_PTR; pp = &t;
    hx_conf_merge_ptr_value(p, pp, NULL);
    cr_assert_eq(p, &t);
}


Test(hx_conf_setters, merge_str_value)
{
    hx_str_t  conf = hx_null_string, prev = hx_null_string;
    hx_str_t  own = hx_string("own"), parent = hx_string("parent");

    hx_conf_merge_str_value(conf, prev, "default");
    cr_assert_eq(conf.len, 7);
    cr_assert_eq(memcmp(conf.data, "default", 7), 0);

    conf.data = NULL;
    conf.len = 0;
    hx_conf_merge_str_value(conf, parent, "default");
    cr_assert_eq(conf.len, 6);
    cr_assert_eq(conf.data, parent.data);

    conf = own;
    hx_conf_merge_str_value(conf, parent, "default");
    cr_assert_eq(conf.data, own.data);
}


Test(hx_conf_setters, merge_bufs_and_bitmask)
{
    hx_bufs_t  b = { 0, 0 }, pb = { 0, 0 }, set = { 8, 4096 };
    hx_uint_t  m, pm;

    hx_conf_merge_bufs_value(b, pb, 4, 32768);
    cr_assert_eq(b.num, 4);
    cr_assert_eq(b.size, 32768);

    b.num = 0;
    b.size = 0;
    hx_conf_merge_bufs_value(b, set, 4, 32768);
    cr_assert_eq(b.num, 8);
    cr_assert_eq(b.size, 4096);

    m = 0; pm = 0;
    hx_conf_merge_bitmask_value(m, pm, 0x03);
    cr_assert_eq(m, 0x03);
    m = 0; pm = 0x04;
    hx_conf_merge_bitmask_value(m, pm, 0x03);
    cr_assert_eq(m, 0x04);
    m = 0x01; pm = 0x04;
    hx_conf_merge_bitmask_value(m, pm, 0x03);
    cr_assert_eq(m, 0x01);
}

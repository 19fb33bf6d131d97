/*
 * Tests of the configuration reader: the tokenizer (words, quotes,
 * escapes, "${var}", comments), the dispatcher (lookup, context, arity,
 * terminators, "not supported"), include with globs, -g parameters, and
 * every error message with its exact file:line.
 *
 * The cycle is a fake one, built by hand: a pool, a log whose writer keeps
 * each line in memory, and a module list of hx_conf_module (for include)
 * plus a test module whose table has a recorder directive (it keeps the
 * words it was given), blocks with their own context, and one directive
 * per generic setter.  Configuration text goes through real files in a
 * temporary directory, since that is the path hanx itself takes.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <criterion/criterion.h>


/* contexts of the test module's blocks (the high byte of the type) */
#define TEST_BLOCK_CONF   0x02000000
#define TEST_INNER_CONF   0x04000000

#define TEST_MAX_LINES    64


typedef struct {
    hx_array_t          *seen;      /* hx_array_t * of hx_str_t words */
    hx_uint_t            blocks;
    hx_flag_t            flag;
    hx_int_t             num;
    hx_int_t             bounded;
    hx_int_t             atleast;
    size_t               size;
    off_t                off;
    hx_msec_t            msec;
    time_t               sec;
    hx_str_t             str;
    hx_array_t          *strs;
    hx_uint_t            level;
    hx_uint_t            mask;
} test_conf_t;


typedef struct {
    hx_uint_t            level;
    char                 text[HX_MAX_ERROR_STR];
} test_line_t;


static char *test_record(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *test_block(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *test_inner_block(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);


static hx_conf_num_bounds_t  test_bounds = {
    hx_conf_check_num_bounds, 1, 10
};

static hx_conf_num_bounds_t  test_lower_bound = {
    hx_conf_check_num_bounds, 5, -1
};

static hx_conf_enum_t  test_levels[] = {
    { hx_string("low"), 1 },
    { hx_string("high"), 2 },
    { hx_null_string, 0 }
};

static hx_conf_bitmask_t  test_masks[] = {
    { hx_string("read"), 0x01 },
    { hx_string("write"), 0x02 },
    { hx_string("exec"), 0x04 },
    { hx_null_string, 0 }
};


#define TEST_SLOT(name, args, set, field, post)                              \
    { hx_string(name),                                                        \
      HX_MAIN_CONF|TEST_BLOCK_CONF|HX_DIRECT_CONF|args,                       \
      set,                                                                    \
      0,                                                                      \
      offsetof(test_conf_t, field),                                           \
      post }


static hx_command_t  test_commands[] = {

    { hx_string("w"),
      HX_ANY_CONF|HX_DIRECT_CONF|HX_CONF_ANY,
      test_record,
      0,
      0,
      NULL },

    { hx_string("blk"),
      HX_MAIN_CONF|TEST_BLOCK_CONF|HX_DIRECT_CONF|HX_CONF_BLOCK|HX_CONF_ANY,
      test_block,
      0,
      0,
      NULL },

    { hx_string("inner"),
      TEST_BLOCK_CONF|HX_DIRECT_CONF|HX_CONF_BLOCK|HX_CONF_NOARGS,
      test_inner_block,
      0,
      0,
      NULL },

    { hx_string("only_main"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_TAKE1,
      test_record,
      0,
      0,
      NULL },

    { hx_string("only_block"),
      TEST_BLOCK_CONF|HX_DIRECT_CONF|HX_CONF_TAKE1,
      test_record,
      0,
      0,
      NULL },

    { hx_string("empty_blk"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_BLOCK|HX_CONF_NOARGS,
      test_block,
      0,
      0,
      NULL },

    { hx_string("noargs"),
      HX_ANY_CONF|HX_DIRECT_CONF|HX_CONF_NOARGS,
      test_record,
      0,
      0,
      NULL },

    { hx_string("take2"),
      HX_ANY_CONF|HX_DIRECT_CONF|HX_CONF_TAKE2,
      test_record,
      0,
      0,
      NULL },

    { hx_string("take13"),
      HX_ANY_CONF|HX_DIRECT_CONF|HX_CONF_TAKE13,
      test_record,
      0,
      0,
      NULL },

    { hx_string("take7"),
      HX_ANY_CONF|HX_DIRECT_CONF|HX_CONF_TAKE7,
      test_record,
      0,
      0,
      NULL },

    { hx_string("more1"),
      HX_ANY_CONF|HX_DIRECT_CONF|HX_CONF_1MORE,
      test_record,
      0,
      0,
      NULL },

    { hx_string("more2"),
      HX_ANY_CONF|HX_DIRECT_CONF|HX_CONF_2MORE,
      test_record,
      0,
      0,
      NULL },

    TEST_SLOT("flag", HX_CONF_FLAG, hx_conf_set_flag_slot, flag, NULL),
    TEST_SLOT("num", HX_CONF_TAKE1, hx_conf_set_num_slot, num, NULL),
    TEST_SLOT("bounded", HX_CONF_TAKE1, hx_conf_set_num_slot, bounded,
              &test_bounds),
    TEST_SLOT("atleast", HX_CONF_TAKE1, hx_conf_set_num_slot, atleast,
              &test_lower_bound),
    TEST_SLOT("size", HX_CONF_TAKE1, hx_conf_set_size_slot, size, NULL),
    TEST_SLOT("off", HX_CONF_TAKE1, hx_conf_set_off_slot, off, NULL),
    TEST_SLOT("msec", HX_CONF_TAKE1, hx_conf_set_msec_slot, msec, NULL),
    TEST_SLOT("sec", HX_CONF_TAKE1, hx_conf_set_sec_slot, sec, NULL),
    TEST_SLOT("str", HX_CONF_TAKE1, hx_conf_set_str_slot, str, NULL),
    TEST_SLOT("strs", HX_CONF_TAKE1, hx_conf_set_str_array_slot, strs,
              NULL),
    TEST_SLOT("level", HX_CONF_TAKE1, hx_conf_set_enum_slot, level,
              test_levels),
    TEST_SLOT("mask", HX_CONF_1MORE, hx_conf_set_bitmask_slot, mask,
              test_masks),

      hx_null_command
};


static hx_module_t  test_module = {
    HX_MODULE_V1,
    "test_module",
    NULL,
    test_commands,
    HX_CORE_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


/* a directive of another module type: known, but never allowed here */
static hx_command_t  test_http_commands[] = {

    { hx_string("http_only"),
      HX_ANY_CONF|HX_CONF_TAKE1,
      test_record,
      0,
      0,
      NULL },

      hx_null_command
};


static hx_module_t  test_http_module = {
    HX_MODULE_V1,
    "test_http_module",
    NULL,
    test_http_commands,
    HX_HTTP_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


extern hx_module_t  hx_conf_module;


static hx_module_t  *test_modules[] = {
    &hx_conf_module,
    &test_module,
    &test_http_module,
    NULL
};


static char          tmpdir[64];
static char          main_conf[128];
static hx_log_t      test_log;
static hx_cycle_t    test_cycle;
static hx_conf_t     cf;
static void         *test_ctx[3];
static test_conf_t  *tcf;
static test_line_t   lines[TEST_MAX_LINES];
static hx_uint_t     nlines;


/* the log writer: keeps the message part of each line and its level */
static void
capture(hx_log_t *log, hx_uint_t level, uint8_t *buf, size_t len)
{
    uint8_t      *msg, *end;
    test_line_t  *line;

    (void) log;

    cr_assert_lt(nlines, TEST_MAX_LINES, "too many log lines");

    end = buf + len;
    cr_assert(len > 0 && end[-1] == '\n', "a log line ends with LF");
    end--;

    msg = hx_strnstr(buf, "#0: ", len);
    cr_assert_not_null(msg, "no \"pid#0: \" in the log line");
    msg += 4;

    line = &lines[nlines++];
    line->level = level;
    cr_assert_lt((size_t) (end - msg), sizeof(line->text));
    memcpy(line->text, msg, end - msg);
    line->text[end - msg] = '\0';
}


static void
setup(void)
{
    hx_pool_t  *pool;

    strcpy(tmpdir, "/tmp/hx_conf_file_test.XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(main_conf, sizeof(main_conf), "%s/main.conf", tmpdir);

    hx_time_init();
    hx_use_stderr = 0;
    hx_dump_config = 0;

    test_log.log_level = HX_LOG_INFO;
    test_log.writer = capture;

    pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, &test_log);
    cr_assert_not_null(pool);

    test_cycle.pool = pool;
    test_cycle.log = &test_log;
    test_cycle.modules = test_modules;
    test_cycle.modules_n = 3;

    test_cycle.prefix.len = strlen(tmpdir) + 1;
    test_cycle.prefix.data = hx_pnalloc(pool, test_cycle.prefix.len + 1);
    cr_assert_not_null(test_cycle.prefix.data);
    sprintf((char *) test_cycle.prefix.data, "%s/", tmpdir);
    test_cycle.conf_prefix = test_cycle.prefix;

    cr_assert_eq(hx_array_init(&test_cycle.config_dump, pool, 1,
                               sizeof(hx_conf_dump_t)), HX_OK);
    cr_assert_eq(hx_list_init(&test_cycle.open_files, pool, 4,
                              sizeof(hx_open_file_t)), HX_OK);

    hx_conf_module.index = 0;
    test_module.index = 1;
    test_http_module.index = 2;

    tcf = hx_pcalloc(pool, sizeof(test_conf_t));
    cr_assert_not_null(tcf);

    tcf->seen = hx_array_create(pool, 4, sizeof(hx_array_t *));
    cr_assert_not_null(tcf->seen);

    tcf->flag = HX_CONF_UNSET;
    tcf->num = HX_CONF_UNSET;
    tcf->bounded = HX_CONF_UNSET;
    tcf->atleast = HX_CONF_UNSET;
    tcf->size = HX_CONF_UNSET_SIZE;
    tcf->off = HX_CONF_UNSET;
    tcf->msec = HX_CONF_UNSET_MSEC;
    tcf->sec = HX_CONF_UNSET;
    tcf->strs = HX_CONF_UNSET_PTR;
    tcf->level = HX_CONF_UNSET_UINT;
    tcf->mask = 0;

    test_ctx[1] = tcf;

    cf.name = "test";
    cf.args = hx_array_create(pool, 10, sizeof(hx_str_t));
    cr_assert_not_null(cf.args);
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

    hx_destroy_pool(test_cycle.pool);

    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    cr_assert_eq(system(cmd), 0);
}


TestSuite(hx_conf_file, .init = setup, .fini = teardown);


/* the recorder: a copy of every word, the directive name included */
static char *
test_record(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    test_conf_t  *tc = conf;
    hx_array_t  **a, *words;

    (void) cmd;

    cr_assert_eq(tc, tcf, "the dispatcher passes the module's conf");

    words = hx_array_create(cf->pool, cf->args->nelts, sizeof(hx_str_t));
    cr_assert_not_null(words);

    memcpy(hx_array_push_n(words, cf->args->nelts), cf->args->elts,
           cf->args->nelts * sizeof(hx_str_t));

    a = hx_array_push(tc->seen);
    cr_assert_not_null(a);
    *a = words;

    return HX_CONF_OK;
}


/* a block: records its own words, then parses its contents in its context */
static char *
test_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char         *rv;
    hx_uint_t     cmd_type;
    test_conf_t  *tc = conf;

    (void) test_record(cf, cmd, conf);

    tc->blocks++;

    cmd_type = cf->cmd_type;
    cf->cmd_type = TEST_BLOCK_CONF;

    rv = hx_conf_parse(cf, NULL);

    cf->cmd_type = cmd_type;

    return rv;
}


static char *
test_inner_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char       *rv;
    hx_uint_t   cmd_type;

    (void) test_record(cf, cmd, conf);

    cmd_type = cf->cmd_type;
    cf->cmd_type = TEST_INNER_CONF;

    rv = hx_conf_parse(cf, NULL);

    cf->cmd_type = cmd_type;

    return rv;
}


static void
write_file(const char *name, const char *text)
{
    char   path[256];
    FILE  *f;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);

    f = fopen(path, "w");
    cr_assert_not_null(f, "fopen(\"%s\")", path);
    cr_assert_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    cr_assert_eq(fclose(f), 0);
}


static void
make_dir(const char *name)
{
    char  path[256];

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    cr_assert_eq(mkdir(path, 0755), 0);
}


/* writes main.conf and parses it as the top-level file */
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


/*
 * Parses text, expects a failure and exactly one emerg line, equal to
 * fmt (with %s standing for main.conf's path where the message has it).
 */
static void
parse_fails(const char *text, const char *fmt, ...)
{
    char      expect[HX_MAX_ERROR_STR];
    char     *rv;
    va_list   args;

    va_start(args, fmt);
    vsnprintf(expect, sizeof(expect), fmt, args);
    va_end(args);

    rv = parse(text);

    cr_assert_eq(rv, HX_CONF_ERROR, "parse of <<%s>> succeeded", text);
    cr_assert_eq(nlines, 1, "one line logged, not %lu",
                 (unsigned long) nlines);
    cr_assert_eq(lines[0].level, HX_LOG_EMERG);
    cr_assert_str_eq(lines[0].text, expect);
}


/* line i of the log equals fmt with its arguments */
static void
expect_line(hx_uint_t i, const char *fmt, ...)
{
    char     expect[HX_MAX_ERROR_STR];
    va_list  args;

    va_start(args, fmt);
    vsnprintf(expect, sizeof(expect), fmt, args);
    va_end(args);

    cr_assert_lt(i, nlines, "line %lu was not logged", (unsigned long) i);
    cr_assert_str_eq(lines[i].text, expect);
}


static hx_uint_t
nseen(void)
{
    return tcf->seen->nelts;
}


/* word j of the i-th recorded directive, as a C string (words may be "") */
static const char *
word(hx_uint_t i, hx_uint_t j)
{
    static char   buf[4][256];
    static int    n;
    hx_str_t     *w;
    hx_array_t  **a;
    char         *p;

    a = tcf->seen->elts;
    cr_assert_lt(i, tcf->seen->nelts);
    cr_assert_lt(j, a[i]->nelts);

    w = a[i]->elts;
    p = buf[n++ % 4];

    cr_assert_lt(w[j].len, 256);
    memcpy(p, w[j].data, w[j].len);
    p[w[j].len] = '\0';

    return p;
}


static hx_uint_t
nwords(hx_uint_t i)
{
    hx_array_t  **a;

    a = tcf->seen->elts;
    cr_assert_lt(i, tcf->seen->nelts);

    return a[i]->nelts;
}


/* ---- words */


Test(hx_conf_file, splits_words_on_blanks_tabs_and_newlines)
{
    parse_ok("w a  b\tc\r\n  d\n\n;\n");

    cr_assert_eq(nseen(), 1);
    cr_assert_eq(nwords(0), 5);
    cr_assert_str_eq(word(0, 0), "w");
    cr_assert_str_eq(word(0, 1), "a");
    cr_assert_str_eq(word(0, 2), "b");
    cr_assert_str_eq(word(0, 3), "c");
    cr_assert_str_eq(word(0, 4), "d");
}


Test(hx_conf_file, semicolon_ends_a_word_without_a_blank)
{
    parse_ok("w a;w b;\nw;");

    cr_assert_eq(nseen(), 3);
    cr_assert_str_eq(word(0, 1), "a");
    cr_assert_str_eq(word(1, 1), "b");
    cr_assert_eq(nwords(2), 1);
}


Test(hx_conf_file, empty_file_and_comment_only_file_parse)
{
    parse_ok("");
    cr_assert_eq(nseen(), 0);

    parse_ok("# nothing here");
    cr_assert_eq(nseen(), 0);

    parse_ok("\n\n   \t\n# a\n  # b\n");
    cr_assert_eq(nseen(), 0);
}


Test(hx_conf_file, words_are_nul_terminated)
{
    hx_str_t    *w;
    hx_array_t **a;

    parse_ok("w abc \"de\";");

    a = tcf->seen->elts;
    w = a[0]->elts;

    cr_assert_eq(w[1].len, 3);
    cr_assert_eq(w[1].data[3], '\0');
    cr_assert_eq(w[2].len, 2);
    cr_assert_eq(w[2].data[2], '\0');
}


/* ---- quotes and escapes */


Test(hx_conf_file, double_and_single_quotes_keep_blanks_and_specials)
{
    parse_ok("w \"a b\" 'c d' \"x;y{z}\" '#not a comment';");

    cr_assert_eq(nwords(0), 5);
    cr_assert_str_eq(word(0, 1), "a b");
    cr_assert_str_eq(word(0, 2), "c d");
    cr_assert_str_eq(word(0, 3), "x;y{z}");
    cr_assert_str_eq(word(0, 4), "#not a comment");
}


Test(hx_conf_file, empty_quoted_words_are_words)
{
    parse_ok("w \"\" '';");

    cr_assert_eq(nwords(0), 3);
    cr_assert_str_eq(word(0, 1), "");
    cr_assert_str_eq(word(0, 2), "");
}


Test(hx_conf_file, quote_inside_a_word_is_literal)
{
    parse_ok("w a\"b a'b;");

    cr_assert_str_eq(word(0, 1), "a\"b");
    cr_assert_str_eq(word(0, 2), "a'b");
}


Test(hx_conf_file, other_quote_kind_is_literal_inside_quotes)
{
    parse_ok("w \"it's\" 'say \"hi\"';");

    cr_assert_str_eq(word(0, 1), "it's");
    cr_assert_str_eq(word(0, 2), "say \"hi\"");
}


Test(hx_conf_file, quoted_word_may_span_lines_and_lines_are_counted)
{
    parse_fails("w \"a\nb\";\nfoo;\n",
                "unknown directive \"foo\" in %s:3", main_conf);

    cr_assert_str_eq(word(0, 1), "a\nb");
}


Test(hx_conf_file, escapes_are_resolved)
{
    parse_ok("w \"a\\\"b\" 'a\\'b' a\\\\b \"\\t|\\n|\\r\" x\\ty;");

    cr_assert_eq(nwords(0), 6);
    cr_assert_str_eq(word(0, 1), "a\"b");
    cr_assert_str_eq(word(0, 2), "a'b");
    cr_assert_str_eq(word(0, 3), "a\\b");
    cr_assert_str_eq(word(0, 4), "\t|\n|\r");
    cr_assert_str_eq(word(0, 5), "x\ty");
}


Test(hx_conf_file, other_backslashes_are_kept)
{
    parse_ok("w \\d+ \"\\.\" '\\$x' a\\;b;");

    cr_assert_eq(nwords(0), 5);
    cr_assert_str_eq(word(0, 1), "\\d+");
    cr_assert_str_eq(word(0, 2), "\\.");
    cr_assert_str_eq(word(0, 3), "\\$x");
    cr_assert_str_eq(word(0, 4), "a\\;b");
}


Test(hx_conf_file, escaped_blank_does_not_split_a_word)
{
    parse_ok("w a\\ b;");

    cr_assert_eq(nwords(0), 2);
    cr_assert_str_eq(word(0, 1), "a\\ b");
}


Test(hx_conf_file, text_right_after_a_closing_quote_is_an_error)
{
    parse_fails("w \"a\"b;\n", "unexpected \"b\" in %s:1", main_conf);
}


Test(hx_conf_file, closing_quote_may_be_followed_by_semicolon_or_brace)
{
    parse_ok("w \"a\";\nblk 'b'{ w 'c'; }\n");

    cr_assert_eq(nseen(), 3);
    cr_assert_str_eq(word(0, 1), "a");
    cr_assert_str_eq(word(1, 1), "b");
    cr_assert_str_eq(word(2, 1), "c");
}


Test(hx_conf_file, unterminated_quote_is_end_of_file)
{
    parse_fails("w \"abc;\n\n",
                "unexpected end of file, expecting \";\" or \"}\" in %s:3",
                main_conf);
}


/* ---- variables */


Test(hx_conf_file, variables_are_kept_in_words)
{
    parse_ok("w $host ${host}x a${b}c \"${c} $d\" '${e}';");

    cr_assert_eq(nwords(0), 6);
    cr_assert_str_eq(word(0, 1), "$host");
    cr_assert_str_eq(word(0, 2), "${host}x");
    cr_assert_str_eq(word(0, 3), "a${b}c");
    cr_assert_str_eq(word(0, 4), "${c} $d");
    cr_assert_str_eq(word(0, 5), "${e}");
}


Test(hx_conf_file, brace_without_dollar_starts_a_block)
{
    parse_ok("blk a{ w b; }");

    cr_assert_eq(nseen(), 2);
    cr_assert_str_eq(word(0, 1), "a");
    cr_assert_str_eq(word(1, 1), "b");
}


/* ---- comments */


Test(hx_conf_file, comments_run_to_the_end_of_the_line)
{
    parse_ok("# w hidden;\n"
             "w a; # w hidden;\n"
             "w b # the rest; is ignored {\n"
             "  c;\n");

    cr_assert_eq(nseen(), 2);
    cr_assert_eq(nwords(0), 2);
    cr_assert_str_eq(word(0, 1), "a");
    cr_assert_eq(nwords(1), 3);
    cr_assert_str_eq(word(1, 1), "b");
    cr_assert_str_eq(word(1, 2), "c");
}


Test(hx_conf_file, sharp_inside_a_word_is_not_a_comment)
{
    parse_ok("w a#b \"#c\";");

    cr_assert_eq(nwords(0), 3);
    cr_assert_str_eq(word(0, 1), "a#b");
    cr_assert_str_eq(word(0, 2), "#c");
}


Test(hx_conf_file, comment_lines_count_for_line_numbers)
{
    parse_fails("# one\n# two\n\n# four\nfoo;\n",
                "unknown directive \"foo\" in %s:5", main_conf);
}


/* ---- blocks and nesting */


Test(hx_conf_file, blocks_nest_and_switch_context)
{
    parse_ok("blk outer {\n"
             "    w 1;\n"
             "    only_block x;\n"
             "    blk inner {\n"
             "        w 2;\n"
             "        inner { w 3; }\n"
             "    }\n"
             "    w 4;\n"
             "}\n"
             "only_main y;\n");

    cr_assert_eq(tcf->blocks, 2);
    cr_assert_eq(nseen(), 9);
    cr_assert_str_eq(word(0, 0), "blk");
    cr_assert_str_eq(word(0, 1), "outer");
    cr_assert_str_eq(word(1, 1), "1");
    cr_assert_str_eq(word(2, 0), "only_block");
    cr_assert_str_eq(word(3, 1), "inner");
    cr_assert_str_eq(word(4, 1), "2");
    cr_assert_str_eq(word(5, 0), "inner");
    cr_assert_str_eq(word(6, 1), "3");
    cr_assert_str_eq(word(7, 1), "4");
    cr_assert_str_eq(word(8, 0), "only_main");
    cr_assert_eq(cf.cmd_type, HX_MAIN_CONF, "context restored");
}


Test(hx_conf_file, empty_block_and_block_on_one_line)
{
    parse_ok("empty_blk {}\nempty_blk{}\nblk a {w b;}w c;");

    cr_assert_eq(tcf->blocks, 3);
    cr_assert_eq(nseen(), 5);
    cr_assert_str_eq(word(3, 1), "b");
    cr_assert_str_eq(word(4, 1), "c");
}


Test(hx_conf_file, deep_nesting_parses)
{
    char       text[4096], *p;
    hx_uint_t  i;

    p = text;

    for (i = 0; i < 100; i++) {
        p += sprintf(p, "blk {\n");
    }

    p += sprintf(p, "w deep;\n");

    for (i = 0; i < 100; i++) {
        p += sprintf(p, "}\n");
    }

    parse_ok(text);

    cr_assert_eq(tcf->blocks, 100);
    cr_assert_str_eq(word(100, 1), "deep");
}


/* ---- the dispatcher's messages, each with its line */


Test(hx_conf_file, unknown_directive_names_file_and_line)
{
    parse_fails("w 1;\nw 2;\nw 3;\nw 4;\nw 5;\nw 6;\n"
                "w 7;\nw 8;\nw 9;\nw 10;\nw 11;\nfoo bar;\nw 13;\n",
                "unknown directive \"foo\" in %s:12", main_conf);

    cr_assert_eq(nseen(), 11, "the directives before the error ran");
}


Test(hx_conf_file, line_of_a_multiline_directive_is_where_it_ends)
{
    parse_fails("w a;\nfoo\n  bar\n  baz;\n",
                "unknown directive \"foo\" in %s:4", main_conf);
}


Test(hx_conf_file, nginx_directive_hanx_lacks_is_not_supported)
{
    parse_fails("w a;\n\nproxy_cache one;\n",
                "\"proxy_cache\" directive is not supported by hanx in %s:3",
                main_conf);
}


Test(hx_conf_file, unsupported_block_directive_is_reported_at_its_brace)
{
    parse_fails("w a;\nmail {\n  server_name x;\n}\n",
                "\"mail\" directive is not supported by hanx in %s:2",
                main_conf);
}


Test(hx_conf_file, module_directive_wins_over_unsupported_table)
{
    cr_assert(hx_conf_is_unsupported(&(hx_str_t) hx_string("proxy_cache")));
    cr_assert(!hx_conf_is_unsupported(&(hx_str_t) hx_string("foo")));
}


Test(hx_conf_file, unsupported_table_lookup_is_exact)
{
    hx_str_t  yes[] = {
        hx_string("absolute_redirect"),
        hx_string("proxy_pass"),
        hx_string("zone"),
        hx_string("zone_sync"),
        hx_string("worker_connections"),
        hx_string("events"),
        hx_string("http"),
        hx_string("stream")
    };
    hx_str_t  no[] = {
        hx_string(""),
        hx_string("a"),
        hx_string("zon"),
        hx_string("zone_"),
        hx_string("zzz"),
        hx_string("proxy"),
        hx_string("proxy_pass_"),
        hx_string("Proxy_pass")
    };
    hx_uint_t  i;

    for (i = 0; i < hx_nelems(yes); i++) {
        cr_assert(hx_conf_is_unsupported(&yes[i]), "%s", yes[i].data);
    }

    for (i = 0; i < hx_nelems(no); i++) {
        cr_assert(!hx_conf_is_unsupported(&no[i]), "\"%s\"", no[i].data);
    }
}


Test(hx_conf_file, directive_in_wrong_block_is_not_allowed_here)
{
    parse_fails("w a;\nonly_block x;\n",
                "\"only_block\" directive is not allowed here in %s:2",
                main_conf);
}


Test(hx_conf_file, main_directive_inside_a_block_is_not_allowed_here)
{
    parse_fails("blk {\n    w a;\n    only_main x;\n}\n",
                "\"only_main\" directive is not allowed here in %s:3",
                main_conf);
}


Test(hx_conf_file, directive_of_another_module_type_is_not_allowed_here)
{
    parse_fails("http_only x;\n",
                "\"http_only\" directive is not allowed here in %s:1",
                main_conf);
}


Test(hx_conf_file, block_inside_its_own_context_only_where_allowed)
{
    parse_fails("inner {\n}\n",
                "\"inner\" directive is not allowed here in %s:1",
                main_conf);
}


Test(hx_conf_file, duplicate_directive_names_its_second_line)
{
    parse_fails("num 1;\nw a;\nnum 2;\n",
                "\"num\" directive is duplicate in %s:3", main_conf);

    cr_assert_eq(tcf->num, 1);
}


Test(hx_conf_file, invalid_number_of_arguments)
{
    parse_fails("w a;\ntake2 a;\n",
                "invalid number of arguments in \"take2\" directive in %s:2",
                main_conf);
}


Test(hx_conf_file, arity_rules_of_each_argument_kind)
{
    static const struct {
        const char  *text;
        const char  *name;
    } bad[] = {
        { "noargs a;", "noargs" },
        { "take2;", "take2" },
        { "take2 a b c;", "take2" },
        { "take13 a b;", "take13" },
        { "take13 a b c d;", "take13" },
        { "take7 1 2 3 4 5 6;", "take7" },
        { "take7 1 2 3 4 5 6 7 8;", "take7" },
        { "more1;", "more1" },
        { "more2 a;", "more2" },
        { "flag;", "flag" },
        { "flag on off;", "flag" },
        { "only_main;", "only_main" },
        { "empty_blk a {}", "empty_blk" },
        { "include;", "include" },
        { "include a b;", "include" }
    };
    char       expect[512];
    hx_uint_t  i;

    for (i = 0; i < hx_nelems(bad); i++) {
        nlines = 0;
        snprintf(expect, sizeof(expect),
                 "invalid number of arguments in \"%s\" directive in %s:1",
                 bad[i].name, main_conf);

        cr_assert_eq(parse(bad[i].text), HX_CONF_ERROR, "%s", bad[i].text);
        cr_assert_eq(nlines, 1, "%s", bad[i].text);
        cr_assert_str_eq(lines[0].text, expect);
    }
}


Test(hx_conf_file, arity_accepts_what_the_mask_allows)
{
    parse_ok("noargs;\n"
             "take2 a b;\n"
             "take13 a;\n"
             "take13 a b c;\n"
             "take7 1 2 3 4 5 6 7;\n"
             "more1 a;\n"
             "more1 a b c d e f g h i j;\n"
             "more2 a b;\n"
             "more2 a b c d e f g h i j;\n"
             "w;\n"
             "w 1 2 3 4 5 6 7 8 9 10 11 12;\n");

    cr_assert_eq(nseen(), 11);
    cr_assert_eq(nwords(6), 11);
    cr_assert_eq(nwords(10), 13);
}


Test(hx_conf_file, stray_closing_brace_at_top_level)
{
    parse_fails("w a;\n\n}\nw b;\n", "unexpected \"}\" in %s:3", main_conf);
}


Test(hx_conf_file, closing_brace_after_words_is_unexpected)
{
    parse_fails("blk {\n    w a }\n", "unexpected \"}\" in %s:2", main_conf);
}


Test(hx_conf_file, end_of_file_inside_a_block)
{
    parse_fails("w a;\nblk {\n    w b;\n",
                "unexpected end of file, expecting \"}\" in %s:4",
                main_conf);
}


Test(hx_conf_file, end_of_file_inside_a_block_without_final_newline)
{
    parse_fails("blk {\n    blk {\n    }\n    w b;",
                "unexpected end of file, expecting \"}\" in %s:4",
                main_conf);
}


Test(hx_conf_file, end_of_file_inside_a_directive)
{
    parse_fails("w a;\nw b",
                "unexpected end of file, expecting \";\" or \"}\" in %s:2",
                main_conf);
}


Test(hx_conf_file, end_of_file_after_words_and_newline)
{
    parse_fails("w a;\nw b\n\n",
                "unexpected end of file, expecting \";\" or \"}\" in %s:4",
                main_conf);
}


Test(hx_conf_file, end_of_file_in_a_comment_after_words)
{
    parse_fails("w a # comment; with semicolon",
                "unexpected end of file, expecting \";\" or \"}\" in %s:1",
                main_conf);
}


Test(hx_conf_file, simple_directive_followed_by_brace)
{
    parse_fails("w a;\nflag on {\n}\n",
                "directive \"flag\" is not terminated by \";\" in %s:2",
                main_conf);
}


Test(hx_conf_file, block_directive_followed_by_semicolon)
{
    parse_fails("w a;\n\nblk x;\n",
                "directive \"blk\" has no opening \"{\" in %s:3",
                main_conf);
}


Test(hx_conf_file, brace_without_a_directive)
{
    parse_fails("w a;\n{\n    w b;\n}\n",
                "unexpected \"{\" in %s:2", main_conf);
}


Test(hx_conf_file, semicolon_without_a_directive)
{
    parse_fails("w a;\n;\n", "unexpected \";\" in %s:2", main_conf);
}


Test(hx_conf_file, double_semicolon_is_unexpected)
{
    parse_fails("w a;;\n", "unexpected \";\" in %s:1", main_conf);
}


Test(hx_conf_file, error_inside_a_block_names_its_line)
{
    parse_fails("blk {\n    w a;\n    blk {\n        foo;\n    }\n}\n",
                "unknown directive \"foo\" in %s:4", main_conf);
}


Test(hx_conf_file, unknown_directive_ending_with_brace_is_unknown)
{
    parse_fails("w a;\nfoo {\n}\n",
                "unknown directive \"foo\" in %s:2", main_conf);
}


/* ---- setters reached through the dispatcher */


Test(hx_conf_file, setters_store_values)
{
    hx_str_t  *s;

    parse_ok("flag on;\n"
             "num 42;\n"
             "bounded 10;\n"
             "atleast 5;\n"
             "size 64k;\n"
             "off 2g;\n"
             "msec \"1h 30m\";\n"
             "sec 1m;\n"
             "str \"a b\";\n"
             "strs one;\n"
             "strs two;\n"
             "level HIGH;\n"
             "mask read exec;\n");

    cr_assert_eq(tcf->flag, 1);
    cr_assert_eq(tcf->num, 42);
    cr_assert_eq(tcf->bounded, 10);
    cr_assert_eq(tcf->atleast, 5);
    cr_assert_eq(tcf->size, 64 * 1024);
    cr_assert_eq(tcf->off, (off_t) 2 * 1024 * 1024 * 1024);
    cr_assert_eq(tcf->msec, 90 * 60 * 1000);
    cr_assert_eq(tcf->sec, 60);
    cr_assert_eq(tcf->str.len, 3);
    cr_assert_str_eq((char *) tcf->str.data, "a b");
    cr_assert_eq(tcf->strs->nelts, 2);
    s = tcf->strs->elts;
    cr_assert_str_eq((char *) s[0].data, "one");
    cr_assert_str_eq((char *) s[1].data, "two");
    cr_assert_eq(tcf->level, 2);
    cr_assert_eq(tcf->mask, 0x05);
}


Test(hx_conf_file, flag_value_must_be_on_or_off)
{
    parse_fails("w a;\nflag maybe;\n",
                "invalid value \"maybe\" in \"flag\" directive, "
                "it must be \"on\" or \"off\" in %s:2", main_conf);
}


Test(hx_conf_file, flag_value_is_case_insensitive)
{
    parse_ok("flag OFF;");
    cr_assert_eq(tcf->flag, 0);
}


Test(hx_conf_file, invalid_number)
{
    parse_fails("\nnum 12a;\n",
                "\"num\" directive invalid number in %s:2", main_conf);
}


Test(hx_conf_file, invalid_size)
{
    parse_fails("size 10x;\n",
                "\"size\" directive invalid value in %s:1", main_conf);
}


Test(hx_conf_file, invalid_offset)
{
    parse_fails("w a;\noff -1;\n",
                "\"off\" directive invalid value in %s:2", main_conf);
}


Test(hx_conf_file, invalid_msec_time)
{
    parse_fails("w a;\nw b;\nmsec 5q;\n",
                "\"msec\" directive invalid value in %s:3", main_conf);
}


Test(hx_conf_file, invalid_sec_time)
{
    parse_fails("sec 100ms;\n",
                "\"sec\" directive invalid value in %s:1", main_conf);
}


Test(hx_conf_file, invalid_enum_value)
{
    parse_fails("w a;\nlevel medium;\n",
                "invalid value \"medium\" in %s:2", main_conf);
    cr_assert_eq(tcf->level, HX_CONF_UNSET_UINT);
}


Test(hx_conf_file, invalid_bitmask_value)
{
    parse_fails("mask read\n  delete;\n",
                "invalid value \"delete\" in %s:2", main_conf);
}


Test(hx_conf_file, repeated_bitmask_value_warns_and_keeps_going)
{
    parse_ok("mask write write;\n");

    cr_assert_eq(tcf->mask, 0x02);
    cr_assert_eq(nlines, 1);
    cr_assert_eq(lines[0].level, HX_LOG_WARN);
    expect_line(0, "duplicate value \"write\" in %s:1", main_conf);
}


Test(hx_conf_file, number_above_bounds)
{
    parse_fails("w a;\nbounded 11;\n",
                "value must be between 1 and 10 in %s:2", main_conf);
}


Test(hx_conf_file, number_below_bounds)
{
    parse_fails("bounded 0;\n",
                "value must be between 1 and 10 in %s:1", main_conf);
}


Test(hx_conf_file, number_below_lower_bound)
{
    parse_fails("atleast 4;\n",
                "value must be equal to or greater than 5 in %s:1",
                main_conf);
}


Test(hx_conf_file, setter_duplicates_in_a_block_are_caught_too)
{
    parse_fails("blk {\n    size 1k;\n    size 2k;\n}\n",
                "\"size\" directive is duplicate in %s:3", main_conf);
}


/* ---- include */


Test(hx_conf_file, include_is_relative_to_the_conf_directory)
{
    write_file("sub.conf", "w from_sub;\n");

    parse_ok("w before;\ninclude sub.conf;\nw after;\n");

    cr_assert_eq(nseen(), 3);
    cr_assert_str_eq(word(0, 1), "before");
    cr_assert_str_eq(word(1, 1), "from_sub");
    cr_assert_str_eq(word(2, 1), "after");
}


Test(hx_conf_file, include_takes_absolute_paths)
{
    char  text[256];

    write_file("abs.conf", "w abs;\n");
    snprintf(text, sizeof(text), "include %s/abs.conf;\n", tmpdir);

    parse_ok(text);

    cr_assert_eq(nseen(), 1);
    cr_assert_str_eq(word(0, 1), "abs");
}


Test(hx_conf_file, include_glob_reads_files_in_sorted_order)
{
    make_dir("conf.d");
    write_file("conf.d/b.conf", "w b;\n");
    write_file("conf.d/c.conf", "w c;\n");
    write_file("conf.d/a.conf", "w a;\n");
    write_file("conf.d/10.conf", "w 10;\n");
    write_file("conf.d/skip.txt", "foo;\n");

    parse_ok("include conf.d/*.conf;\n");

    cr_assert_eq(nseen(), 4);
    cr_assert_str_eq(word(0, 1), "10");
    cr_assert_str_eq(word(1, 1), "a");
    cr_assert_str_eq(word(2, 1), "b");
    cr_assert_str_eq(word(3, 1), "c");
}


Test(hx_conf_file, include_glob_matching_nothing_is_fine)
{
    make_dir("empty.d");

    parse_ok("include empty.d/*.conf;\ninclude nodir/*.conf;\nw after;\n");

    cr_assert_eq(nseen(), 1);
    cr_assert_str_eq(word(0, 1), "after");
}


Test(hx_conf_file, include_of_a_missing_file_fails_at_the_include_line)
{
    parse_fails("w a;\n\ninclude missing.conf;\n",
                "open() \"%s/missing.conf\" failed "
                "(2: No such file or directory) in %s:3",
                tmpdir, main_conf);
}


Test(hx_conf_file, top_level_file_missing_has_no_position)
{
    char       path[256];
    char      *rv;
    hx_str_t   name;

    snprintf(path, sizeof(path), "%s/none.conf", tmpdir);
    name.len = strlen(path);
    name.data = (uint8_t *) path;

    rv = hx_conf_parse(&cf, &name);

    cr_assert_eq(rv, HX_CONF_ERROR);
    cr_assert_eq(nlines, 1);
    expect_line(0, "open() \"%s\" failed (2: No such file or directory)",
                path);
}


Test(hx_conf_file, include_of_a_directory_is_refused)
{
    char  expect[256];

    make_dir("adir");
    snprintf(expect, sizeof(expect), "\"%s/adir\" is not a regular file",
             tmpdir);

    cr_assert_eq(parse("include adir;\n"), HX_CONF_ERROR);
    cr_assert_eq(nlines, 1);
    cr_assert_eq(strncmp(lines[0].text, expect, strlen(expect)), 0, "%s",
                 lines[0].text);
}


Test(hx_conf_file, errors_in_included_files_name_that_file)
{
    char  sub[256];

    write_file("sub.conf", "w a;\n\nfoo;\n");
    snprintf(sub, sizeof(sub), "%s/sub.conf", tmpdir);

    parse_fails("w x;\ninclude sub.conf;\n",
                "unknown directive \"foo\" in %s:3", sub);
}


Test(hx_conf_file, line_numbers_resume_after_an_include)
{
    write_file("sub.conf", "w a;\nw b;\nw c;\nw d;\n");

    parse_fails("w x;\ninclude sub.conf;\nfoo;\n",
                "unknown directive \"foo\" in %s:3", main_conf);
}


Test(hx_conf_file, include_inside_a_block_reads_in_that_block)
{
    write_file("inner.conf", "only_block x;\nw y;\n");

    parse_ok("blk {\n    include inner.conf;\n}\nonly_main z;\n");

    cr_assert_eq(nseen(), 4);
    cr_assert_str_eq(word(1, 0), "only_block");
    cr_assert_str_eq(word(3, 0), "only_main");
}


Test(hx_conf_file, included_file_cannot_close_the_including_block)
{
    char  sub[256];

    write_file("sub.conf", "w a;\n}\n");
    snprintf(sub, sizeof(sub), "%s/sub.conf", tmpdir);

    parse_fails("blk {\n    include sub.conf;\n}\n",
                "unexpected \"}\" in %s:2", sub);
}


Test(hx_conf_file, included_file_must_close_its_own_blocks)
{
    char  sub[256];

    write_file("sub.conf", "blk {\n    w a;\n");
    snprintf(sub, sizeof(sub), "%s/sub.conf", tmpdir);

    parse_fails("include sub.conf;\nw b;\n",
                "unexpected end of file, expecting \"}\" in %s:3", sub);
}


Test(hx_conf_file, include_chain_across_directories)
{
    make_dir("a");
    make_dir("a/b");
    write_file("a/one.conf", "w one;\ninclude a/b/*.conf;\n");
    write_file("a/b/two.conf", "w two;\n");

    parse_ok("include a/one.conf;\n");

    cr_assert_eq(nseen(), 2, "globs are relative to the conf dir, "
                 "not to the including file");
    cr_assert_str_eq(word(1, 1), "two");
}


Test(hx_conf_file, include_error_in_a_glob_stops_at_that_file)
{
    char  bad[256];

    make_dir("d");
    write_file("d/1.conf", "w 1;\n");
    write_file("d/2.conf", "w 2;\nnum x;\n");
    write_file("d/3.conf", "w 3;\n");
    snprintf(bad, sizeof(bad), "%s/d/2.conf", tmpdir);

    parse_fails("include d/*.conf;\n",
                "\"num\" directive invalid number in %s:2", bad);

    cr_assert_eq(nseen(), 2);
}


Test(hx_conf_file, dump_keeps_every_file_once_in_reading_order)
{
    char             sub[256];
    hx_conf_dump_t  *cd;

    hx_dump_config = 1;

    write_file("sub.conf", "w s;\n");
    snprintf(sub, sizeof(sub), "%s/sub.conf", tmpdir);

    parse_ok("include sub.conf;\ninclude sub.conf;\nw m;\n");

    cr_assert_eq(nseen(), 3);
    cr_assert_eq(test_cycle.config_dump.nelts, 2);

    cd = test_cycle.config_dump.elts;

    cr_assert_eq(cd[0].name.len, strlen(main_conf));
    cr_assert_str_eq((char *) cd[0].name.data, main_conf);
    cr_assert_eq(cd[0].buffer->last - cd[0].buffer->pos,
                 (ssize_t) strlen("include sub.conf;\ninclude sub.conf;\n"
                                  "w m;\n"));
    cr_assert_eq(memcmp(cd[0].buffer->pos, "include sub.conf;\n", 18), 0);

    cr_assert_str_eq((char *) cd[1].name.data, sub);
    cr_assert_eq(cd[1].buffer->last - cd[1].buffer->pos, 5);
    cr_assert_eq(memcmp(cd[1].buffer->pos, "w s;\n", 5), 0);
}


Test(hx_conf_file, no_dump_without_minus_T)
{
    parse_ok("w m;\n");
    cr_assert_eq(test_cycle.config_dump.nelts, 0);
}


/* ---- -g parameters */


static char *
parse_param(const char *text)
{
    test_cycle.conf_param.len = strlen(text);
    test_cycle.conf_param.data = (uint8_t *) text;

    return hx_conf_param(&cf);
}


Test(hx_conf_file, param_directives_are_parsed)
{
    cr_assert_eq(parse_param("w a; num 3;w \"b c\";"), HX_CONF_OK);

    cr_assert_eq(nseen(), 2);
    cr_assert_str_eq(word(1, 1), "b c");
    cr_assert_eq(tcf->num, 3);
    cr_assert_null(cf.conf_file, "the param file is not left behind");
}


Test(hx_conf_file, empty_param_is_nothing)
{
    cr_assert_eq(parse_param(""), HX_CONF_OK);
    cr_assert_eq(nseen(), 0);
    cr_assert_eq(nlines, 0);
}


Test(hx_conf_file, param_errors_say_command_line)
{
    cr_assert_eq(parse_param("w a; foo b;"), HX_CONF_ERROR);
    cr_assert_eq(nlines, 1);
    cr_assert_str_eq(lines[0].text,
                     "unknown directive \"foo\" in command line");
}


Test(hx_conf_file, param_without_final_semicolon)
{
    cr_assert_eq(parse_param("w a"), HX_CONF_ERROR);
    cr_assert_eq(nlines, 1);
    cr_assert_str_eq(lines[0].text,
                     "unexpected end of parameter, expecting \";\" "
                     "in command line");
}


Test(hx_conf_file, param_refuses_blocks)
{
    cr_assert_eq(parse_param("blk { w a; }"), HX_CONF_ERROR);
    cr_assert_eq(nlines, 1);
    cr_assert_str_eq(lines[0].text,
                     "block directives are not supported in -g option "
                     "in command line");
}


Test(hx_conf_file, param_duplicate_of_a_file_directive)
{
    cr_assert_eq(parse_param("num 1;"), HX_CONF_OK);

    parse_fails("w a;\nnum 2;\n",
                "\"num\" directive is duplicate in %s:2", main_conf);
}


/* ---- conf_log_error outside of parsing */


Test(hx_conf_file, log_error_without_a_file_has_no_position)
{
    cf.conf_file = NULL;

    hx_conf_log_error(HX_LOG_WARN, &cf, 0, "plain %d", 7);
    hx_conf_log_error(HX_LOG_EMERG, &cf, ENOENT, "with errno");

    cr_assert_eq(nlines, 2);
    cr_assert_eq(lines[0].level, HX_LOG_WARN);
    cr_assert_str_eq(lines[0].text, "plain 7");
    cr_assert_str_eq(lines[1].text,
                     "with errno (2: No such file or directory)");
}


Test(hx_conf_file, log_error_respects_the_log_level)
{
    cf.conf_file = NULL;
    test_log.log_level = HX_LOG_WARN;

    hx_conf_log_error(HX_LOG_NOTICE, &cf, 0, "hidden");
    hx_conf_log_error(HX_LOG_WARN, &cf, 0, "shown");

    cr_assert_eq(nlines, 1);
    cr_assert_str_eq(lines[0].text, "shown");
}


/* ---- full names and shared open files */


Test(hx_conf_file, full_name_uses_conf_prefix_or_prefix)
{
    hx_str_t  name;

    test_cycle.conf_prefix.len = sizeof("/etc/hanx/") - 1;
    test_cycle.conf_prefix.data = (uint8_t *) "/etc/hanx/";
    test_cycle.prefix.len = sizeof("/usr/local/hanx/") - 1;
    test_cycle.prefix.data = (uint8_t *) "/usr/local/hanx/";

    hx_str_set(&name, "mime.types");
    cr_assert_eq(hx_conf_full_name(&test_cycle, &name, 1), HX_OK);
    cr_assert_str_eq((char *) name.data, "/etc/hanx/mime.types");

    hx_str_set(&name, "logs/error.log");
    cr_assert_eq(hx_conf_full_name(&test_cycle, &name, 0), HX_OK);
    cr_assert_str_eq((char *) name.data, "/usr/local/hanx/logs/error.log");
    cr_assert_eq(name.len, strlen("/usr/local/hanx/logs/error.log"));

    hx_str_set(&name, "/var/log/x.log");
    cr_assert_eq(hx_conf_full_name(&test_cycle, &name, 0), HX_OK);
    cr_assert_str_eq((char *) name.data, "/var/log/x.log");
}


Test(hx_conf_file, open_file_is_shared_by_full_name)
{
    hx_str_t         a, b, c, none;
    hx_open_file_t  *fa, *fb, *fc, *fs;

    hx_str_set(&a, "logs/a.log");
    b.len = strlen(tmpdir) + sizeof("/logs/a.log") - 1;
    b.data = hx_pnalloc(test_cycle.pool, b.len + 1);
    sprintf((char *) b.data, "%s/logs/a.log", tmpdir);
    hx_str_set(&c, "logs/c.log");
    hx_str_null(&none);

    fa = hx_conf_open_file(&test_cycle, &a);
    fb = hx_conf_open_file(&test_cycle, &b);
    fc = hx_conf_open_file(&test_cycle, &c);
    fs = hx_conf_open_file(&test_cycle, &none);

    cr_assert_not_null(fa);
    cr_assert_eq(fa, fb, "relative and absolute spellings share a file");
    cr_assert_neq(fa, fc);
    cr_assert_eq(fa->fd, HX_INVALID_FILE, "opened later, by the cycle");
    cr_assert_str_eq((char *) fa->name.data, (char *) b.data);
    cr_assert_eq(fs->fd, STDERR_FILENO);
    cr_assert_eq(fs->name.len, 0);
}


/* ---- text in memory under a file name (hx_conf_parse_buffer) */


static char *
parse_buffer(const char *name, const char *text)
{
    hx_str_t  n;
    hx_buf_t  b;

    n.len = strlen(name);
    n.data = (uint8_t *) name;

    hx_memzero(&b, sizeof(hx_buf_t));
    b.pos = (uint8_t *) text;
    b.last = b.pos + strlen(text);

    return hx_conf_parse_buffer(&cf, &n, &b);
}


Test(hx_conf_file, buffer_directives_and_blocks_are_parsed)
{
    cr_assert_eq(parse_buffer("/mem/a.conf",
                              "w a;\nblk x {\n  inner { w in; }\n}\nnum 4;"),
                 HX_CONF_OK);

    cr_assert_eq(nseen(), 4);
    cr_assert_str_eq(word(0, 1), "a");
    cr_assert_str_eq(word(1, 1), "x");
    cr_assert_str_eq(word(3, 1), "in");
    cr_assert_eq(tcf->blocks, 1);
    cr_assert_eq(tcf->num, 4);
    cr_assert_null(cf.conf_file, "the pretended file is not left behind");
}


Test(hx_conf_file, buffer_errors_name_the_given_file_and_line)
{
    cr_assert_eq(parse_buffer("/etc/keepalived/keepalived.conf",
                              "w a;\n\n  foo b;\n"), HX_CONF_ERROR);
    cr_assert_eq(nlines, 1);
    cr_assert_str_eq(lines[0].text, "unknown directive \"foo\" in "
                     "/etc/keepalived/keepalived.conf:3");
}


Test(hx_conf_file, buffer_with_a_stray_closing_brace_is_refused)
{
    cr_assert_eq(parse_buffer("/mem/b.conf", "w a;\n}\nw b;\n"),
                 HX_CONF_ERROR);
    cr_assert_eq(nlines, 1);
    cr_assert_str_eq(lines[0].text, "unexpected \"}\" in /mem/b.conf:2");
}


Test(hx_conf_file, buffer_with_an_unclosed_block_is_refused)
{
    cr_assert_eq(parse_buffer("/mem/c.conf", "blk {\n w a;\n"),
                 HX_CONF_ERROR);
    cr_assert_eq(nlines, 1);
    cr_assert_str_eq(lines[0].text, "unexpected end of file, expecting "
                     "\"}\" in /mem/c.conf:3");
}


Test(hx_conf_file, buffer_ending_in_a_comment_is_complete)
{
    cr_assert_eq(parse_buffer("/mem/d.conf", "w a; # no newline"),
                 HX_CONF_OK);
    cr_assert_eq(nseen(), 1);
}


Test(hx_conf_file, buffer_without_final_semicolon_is_refused)
{
    cr_assert_eq(parse_buffer("/mem/e.conf", "w a\n"), HX_CONF_ERROR);
    cr_assert_eq(nlines, 1);
    /* the closing "}" the text is given meets the open directive */
    cr_assert_str_eq(lines[0].text, "unexpected \"}\" in /mem/e.conf:2");
}


Test(hx_conf_file, buffer_may_include_files)
{
    char  text[256];

    write_file("inc.conf", "w from_file;\n");
    snprintf(text, sizeof(text), "w a;\ninclude %s/inc.conf;\nw b;\n",
             tmpdir);

    cr_assert_eq(parse_buffer("/mem/f.conf", text), HX_CONF_OK);
    cr_assert_eq(nseen(), 3);
    cr_assert_str_eq(word(1, 1), "from_file");
}

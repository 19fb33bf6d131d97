/*
 * Tests of the error log: nginx's line format, level filtering (the macro
 * skips formatting), errno text, context handlers, chains of logs with
 * their own levels, the terminal copy of early messages, the error_log
 * directive's arguments, and the first log hx_log_init() opens.
 *
 * Writers capture lines in memory; where the code writes to a descriptor
 * (files, stderr) the test points it at a temporary file and reads that.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <regex.h>

#include <criterion/criterion.h>


#define LINES  8

typedef struct {
    hx_uint_t   n;
    hx_uint_t   level[LINES];
    char        text[LINES][HX_MAX_ERROR_STR + 1];
    size_t      len[LINES];
} sink_t;


static sink_t      sink_a, sink_b;
static char        tmpdir[64];
static hx_log_t    log_a, log_b;
static hx_uint_t   evaluated;


static void
write_sink(hx_log_t *log, hx_uint_t level, uint8_t *buf, size_t len)
{
    sink_t  *s = log->wdata;

    cr_assert_lt(s->n, LINES);
    cr_assert_leq(len, HX_MAX_ERROR_STR);

    memcpy(s->text[s->n], buf, len);
    s->text[s->n][len] = '\0';
    s->len[s->n] = len;
    s->level[s->n++] = level;
}


static void
setup(void)
{
    hx_time_init();
    hx_use_stderr = 0;

    memset(&sink_a, 0, sizeof(sink_t));
    memset(&sink_b, 0, sizeof(sink_t));
    memset(&log_a, 0, sizeof(hx_log_t));
    memset(&log_b, 0, sizeof(hx_log_t));

    log_a.log_level = HX_LOG_INFO;
    log_a.writer = write_sink;
    log_a.wdata = &sink_a;

    log_b.log_level = HX_LOG_ERR;
    log_b.writer = write_sink;
    log_b.wdata = &sink_b;

    evaluated = 0;

    strcpy(tmpdir, "/tmp/hx_log_test.XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}


static void
teardown(void)
{
    char  cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    cr_assert_eq(system(cmd), 0);
}


TestSuite(hx_log, .init = setup, .fini = teardown);


static void
assert_matches(const char *text, const char *pattern)
{
    regex_t  re;

    cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
    cr_assert_eq(regexec(&re, text, 0, NULL, 0), 0,
                 "\"%s\" does not match /%s/", text, pattern);
    regfree(&re);
}


/* what follows "pid#0: " in a captured line, without the LF */
static const char *
message(sink_t *s, hx_uint_t i)
{
    static char   buf[HX_MAX_ERROR_STR + 1];
    char         *p;

    cr_assert_lt(i, s->n);

    p = strstr(s->text[i], "#0: ");
    cr_assert_not_null(p);

    strcpy(buf, p + 4);
    cr_assert(buf[0] != '\0');
    buf[strlen(buf) - 1] = '\0';

    return buf;
}


static int
count_call(void)
{
    evaluated++;
    return 1;
}


/* reads a whole file into buf (NUL-terminated); returns its length */
static size_t
slurp(const char *path, char *buf, size_t size)
{
    ssize_t  n;
    int      fd;

    fd = open(path, O_RDONLY);
    cr_assert_neq(fd, -1, "open(\"%s\")", path);

    n = read(fd, buf, size - 1);
    cr_assert_geq(n, 0);
    close(fd);

    buf[n] = '\0';

    return n;
}


/* runs fn with fd 2 pointed at a file; returns what it wrote there */
static void
capture_stderr(void (*fn)(void), char *buf, size_t size)
{
    char  path[128];
    int   fd, saved;

    snprintf(path, sizeof(path), "%s/stderr", tmpdir);

    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert_neq(fd, -1);

    saved = dup(STDERR_FILENO);
    cr_assert_neq(saved, -1);
    cr_assert_neq(dup2(fd, STDERR_FILENO), -1);
    close(fd);

    fn();

    cr_assert_neq(dup2(saved, STDERR_FILENO), -1);
    close(saved);

    slurp(path, buf, size);
}


/* ---- the line */


Test(hx_log, line_has_nginx_format)
{
    char  pattern[128];

    hx_log_error(HX_LOG_ERR, &log_a, 0, "something %s %d", "failed", 42);

    cr_assert_eq(sink_a.n, 1);
    cr_assert_eq(sink_a.level[0], HX_LOG_ERR);

    snprintf(pattern, sizeof(pattern),
             "^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} "
             "\\[error\\] %d#0: something failed 42\n$", (int) getpid());
    assert_matches(sink_a.text[0], pattern);
}


Test(hx_log, every_level_has_its_name)
{
    static const char  *names[] = {
        NULL, "emerg", "alert", "crit", "error", "warn", "notice", "info"
    };
    char                want[32];
    hx_uint_t           level;

    for (level = HX_LOG_EMERG; level <= HX_LOG_INFO; level++) {
        hx_log_error(level, &log_a, 0, "x");

        snprintf(want, sizeof(want), " [%s] ", names[level]);
        cr_assert_not_null(strstr(sink_a.text[level - 1], want),
                           "%s", sink_a.text[level - 1]);
        cr_assert_eq(sink_a.level[level - 1], level);
    }
}


Test(hx_log, level_names_table)
{
    cr_assert_str_eq((char *) hx_log_levels[HX_LOG_STDERR].data, "stderr");
    cr_assert_str_eq((char *) hx_log_levels[HX_LOG_EMERG].data, "emerg");
    cr_assert_str_eq((char *) hx_log_levels[HX_LOG_ERR].data, "error");
    cr_assert_str_eq((char *) hx_log_levels[HX_LOG_DEBUG].data, "debug");
}


Test(hx_log, connection_serial_is_printed)
{
    log_a.connection = 17;

    hx_log_error(HX_LOG_ERR, &log_a, 0, "client closed");

    cr_assert_str_eq(message(&sink_a, 0), "*17 client closed");
}


Test(hx_log, errno_is_appended_with_its_text)
{
    hx_log_error(HX_LOG_CRIT, &log_a, ENOENT, "open() \"%s\" failed", "/x");

    cr_assert_str_eq(message(&sink_a, 0),
                     "open() \"/x\" failed (2: No such file or directory)");
}


static uint8_t *
context_handler(hx_log_t *log, uint8_t *buf, size_t len)
{
    return hx_snprintf(buf, len, ", client: %s", (char *) log->data);
}


Test(hx_log, handler_adds_client_context)
{
    log_a.log_level = HX_LOG_DEBUG_ALL;
    log_a.handler = context_handler;
    log_a.data = "127.0.0.1";

    hx_log_error(HX_LOG_INFO, &log_a, 0, "client sent invalid request");
    hx_log_error_core(HX_LOG_DEBUG, &log_a, 0, "debug line");

    cr_assert_eq(sink_a.n, 2);
    cr_assert_str_eq(message(&sink_a, 0),
                     "client sent invalid request, client: 127.0.0.1");
    cr_assert_str_eq(message(&sink_a, 1), "debug line");
}


Test(hx_log, handler_output_follows_errno)
{
    log_a.handler = context_handler;
    log_a.data = "10.0.0.1";

    hx_log_error(HX_LOG_ERR, &log_a, ECONNREFUSED, "connect() failed");

    cr_assert_str_eq(message(&sink_a, 0),
                     "connect() failed (111: Connection refused), "
                     "client: 10.0.0.1");
}


/* ---- levels */


Test(hx_log, macro_skips_levels_above_the_log_level)
{
    log_a.log_level = HX_LOG_WARN;

    hx_log_error(HX_LOG_NOTICE, &log_a, 0, "hidden %d", count_call());
    hx_log_error(HX_LOG_INFO, &log_a, 0, "hidden %d", count_call());

    cr_assert_eq(sink_a.n, 0);
    cr_assert_eq(evaluated, 0, "arguments of a disabled level are not "
                 "evaluated");

    hx_log_error(HX_LOG_WARN, &log_a, 0, "shown %d", count_call());
    hx_log_error(HX_LOG_EMERG, &log_a, 0, "shown %d", count_call());

    cr_assert_eq(sink_a.n, 2);
    cr_assert_eq(evaluated, 2);
}


Test(hx_log, debug_macro_is_silent_without_debug_mask)
{
    log_a.log_level = HX_LOG_INFO;

    hx_log_debug(HX_LOG_DEBUG_HTTP, &log_a, 0, "debug %d", count_call());

    cr_assert_eq(sink_a.n, 0);
    cr_assert_eq(evaluated, 0);
}


#if (HX_DEBUG)

Test(hx_log, debug_macro_logs_its_mask_only)
{
    log_a.log_level = HX_LOG_INFO | HX_LOG_DEBUG_HTTP;

    hx_log_debug(HX_LOG_DEBUG_HTTP, &log_a, 0, "http %d", 1);
    hx_log_debug(HX_LOG_DEBUG_EVENT, &log_a, 0, "event %d", 2);

    cr_assert_eq(sink_a.n, 1);
    cr_assert_str_eq(message(&sink_a, 0), "http 1");
    cr_assert_not_null(strstr(sink_a.text[0], " [debug] "));
}

#endif


/* ---- chains */


Test(hx_log, chain_writes_each_target_up_to_its_level)
{
    /* most verbose first, as hx_log_insert() keeps them */
    log_a.next = &log_b;

    hx_log_error(HX_LOG_INFO, &log_a, 0, "info");
    hx_log_error(HX_LOG_WARN, &log_a, 0, "warn");
    hx_log_error(HX_LOG_ERR, &log_a, 0, "error");
    hx_log_error(HX_LOG_ALERT, &log_a, 0, "alert");

    cr_assert_eq(sink_a.n, 4);
    cr_assert_eq(sink_b.n, 2);
    cr_assert_str_eq(message(&sink_b, 0), "error");
    cr_assert_str_eq(message(&sink_b, 1), "alert");
}


Test(hx_log, insert_keeps_most_verbose_first_and_head_in_place)
{
    hx_log_t  head, warn, info, emerg;

    memset(&head, 0, sizeof(hx_log_t));
    memset(&warn, 0, sizeof(hx_log_t));
    memset(&info, 0, sizeof(hx_log_t));
    memset(&emerg, 0, sizeof(hx_log_t));

    head.log_level = HX_LOG_ERR;
    head.wdata = "error";
    warn.log_level = HX_LOG_WARN;
    warn.wdata = "warn";
    info.log_level = HX_LOG_INFO;
    info.wdata = "info";
    emerg.log_level = HX_LOG_EMERG;
    emerg.wdata = "emerg";

    hx_log_insert(&head, &warn);
    hx_log_insert(&head, &emerg);
    hx_log_insert(&head, &info);

    /* the head object stays the head, its contents become the most verbose */
    cr_assert_eq(head.log_level, HX_LOG_INFO);
    cr_assert_str_eq((char *) head.wdata, "info");
    cr_assert_eq(head.next->log_level, HX_LOG_WARN);
    cr_assert_eq(head.next->next->log_level, HX_LOG_ERR);
    cr_assert_eq(head.next->next->next->log_level, HX_LOG_EMERG);
    cr_assert_null(head.next->next->next->next);
}


Test(hx_log, get_file_log_skips_writer_only_logs)
{
    hx_open_file_t  file;

    file.fd = 5;
    log_a.next = &log_b;
    log_b.file = &file;

    cr_assert_eq(hx_log_get_file_log(&log_a), &log_b);
    cr_assert_null(hx_log_get_file_log(&log_b)->next);

    log_b.file = NULL;
    cr_assert_null(hx_log_get_file_log(&log_a));
}


/* ---- files and the terminal */


Test(hx_log, file_target_gets_one_line_per_message)
{
    char            path[128], buf[1024];
    hx_log_t        log;
    hx_open_file_t  file;

    snprintf(path, sizeof(path), "%s/error.log", tmpdir);

    memset(&log, 0, sizeof(hx_log_t));
    file.fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    cr_assert_neq(file.fd, -1);
    log.file = &file;
    log.log_level = HX_LOG_NOTICE;

    hx_log_error(HX_LOG_NOTICE, &log, 0, "first");
    hx_log_error(HX_LOG_INFO, &log, 0, "skipped");
    hx_log_error(HX_LOG_ERR, &log, 0, "second");
    close(file.fd);

    slurp(path, buf, sizeof(buf));

    assert_matches(buf,
                   "^[0-9/]{10} [0-9:]{8} \\[notice\\] [0-9]+#0: first\n"
                   "[0-9/]{10} [0-9:]{8} \\[error\\] [0-9]+#0: second\n$");
}


static void
log_warn_and_notice(void)
{
    hx_log_error(HX_LOG_WARN, &log_a, 0, "to the terminal");
    hx_log_error(HX_LOG_NOTICE, &log_a, 0, "not to the terminal");
    hx_log_error(HX_LOG_EMERG, &log_a, 0, "unknown directive \"x\"");
}


Test(hx_log, early_messages_are_copied_to_the_terminal)
{
    char  buf[1024];

    hx_use_stderr = 1;

    capture_stderr(log_warn_and_notice, buf, sizeof(buf));

    cr_assert_str_eq(buf, "hanx: [warn] to the terminal\n"
                          "hanx: [emerg] unknown directive \"x\"\n");
    cr_assert_eq(sink_a.n, 3, "the targets get every line still");
}


Test(hx_log, no_terminal_copy_after_start)
{
    char  buf[1024];

    hx_use_stderr = 0;

    capture_stderr(log_warn_and_notice, buf, sizeof(buf));

    cr_assert_str_eq(buf, "");
}


static hx_open_file_t  stderr_file;

static void
log_to_a_stderr_target(void)
{
    hx_log_t  log;

    memset(&log, 0, sizeof(hx_log_t));
    stderr_file.fd = STDERR_FILENO;
    log.file = &stderr_file;
    log.log_level = HX_LOG_ERR;

    hx_log_error(HX_LOG_ERR, &log, 0, "once");
}


Test(hx_log, stderr_target_is_not_written_twice)
{
    char  buf[1024];

    hx_use_stderr = 1;

    capture_stderr(log_to_a_stderr_target, buf, sizeof(buf));

    assert_matches(buf, "^[0-9/]{10} [0-9:]{8} \\[error\\] [0-9]+#0: once\n$");
}


static void
log_stderr_lines(void)
{
    hx_log_stderr(0, "invalid option: \"%s\"", "-x");
    hx_log_stderr(EACCES, "[alert] could not open error log file");
}


Test(hx_log, log_stderr_has_the_short_prefix)
{
    char  buf[1024];

    capture_stderr(log_stderr_lines, buf, sizeof(buf));

    cr_assert_str_eq(buf, "hanx: invalid option: \"-x\"\n"
                          "hanx: [alert] could not open error log file "
                          "(13: Permission denied)\n");
}


static void
fd_printf_line(void)
{
    hx_fd_printf(STDERR_FILENO, "nginx version: %s\n", "nginx/1.30.0");
}


Test(hx_log, fd_printf_writes_exactly_the_text)
{
    char  buf[128];

    capture_stderr(fd_printf_line, buf, sizeof(buf));

    cr_assert_str_eq(buf, "nginx version: nginx/1.30.0\n");
}


/* ---- errno text and long lines */


Test(hx_log, errno_suffix)
{
    uint8_t  buf[128], *p;

    p = hx_log_errno(buf, buf + sizeof(buf), EPERM);
    *p = '\0';

    cr_assert_str_eq((char *) buf, " (1: Operation not permitted)");
}


Test(hx_log, strerror_fills_the_buffer)
{
    char  buf[64];

    cr_assert_eq(hx_strerror(ENOENT, buf, sizeof(buf)), buf);
    cr_assert_str_eq(buf, "No such file or directory");
}


Test(hx_log, long_message_is_cut_and_keeps_errno_and_newline)
{
    char     *big;
    size_t    len;

    big = malloc(3 * HX_MAX_ERROR_STR);
    cr_assert_not_null(big);
    memset(big, 'x', 3 * HX_MAX_ERROR_STR - 1);
    big[3 * HX_MAX_ERROR_STR - 1] = '\0';

    hx_log_error(HX_LOG_ERR, &log_a, ENOENT, "%s", big);

    len = sink_a.len[0];
    cr_assert_leq(len, HX_MAX_ERROR_STR);
    cr_assert_eq(sink_a.text[0][len - 1], '\n');
    cr_assert_not_null(strstr(sink_a.text[0],
                              "x... (2: No such file or directory)"),
                       "%s", sink_a.text[0] + len - 60);

    free(big);
}


Test(hx_log, long_message_without_errno_ends_in_newline)
{
    char  *big;

    big = malloc(3 * HX_MAX_ERROR_STR);
    cr_assert_not_null(big);
    memset(big, 'y', 3 * HX_MAX_ERROR_STR - 1);
    big[3 * HX_MAX_ERROR_STR - 1] = '\0';

    hx_log_error(HX_LOG_ERR, &log_a, 0, "%s", big);

    cr_assert_eq(sink_a.len[0], HX_MAX_ERROR_STR);
    cr_assert_eq(sink_a.text[0][HX_MAX_ERROR_STR - 1], '\n');
    cr_assert_eq(sink_a.text[0][HX_MAX_ERROR_STR - 2], 'y');

    free(big);
}


/* ---- the error_log directive */


static hx_cycle_t   conf_cycle;
static hx_conf_t    conf;
static sink_t       conf_sink;
static hx_log_t     conf_log;


static void
conf_setup(void)
{
    hx_pool_t  *pool;

    pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, NULL);
    cr_assert_not_null(pool);

    memset(&conf_sink, 0, sizeof(sink_t));
    conf_log.log_level = HX_LOG_INFO;
    conf_log.writer = write_sink;
    conf_log.wdata = &conf_sink;

    conf_cycle.pool = pool;
    conf_cycle.log = &conf_log;
    hx_str_set(&conf_cycle.prefix, "/usr/local/hanx/");
    hx_str_set(&conf_cycle.conf_prefix, "/usr/local/hanx/conf/");
    cr_assert_eq(hx_list_init(&conf_cycle.open_files, pool, 4,
                              sizeof(hx_open_file_t)), HX_OK);

    conf.cycle = &conf_cycle;
    conf.pool = pool;
    conf.log = &conf_log;
    conf.args = hx_array_create(pool, 4, sizeof(hx_str_t));
    cr_assert_not_null(conf.args);
}


/* "error_log" and the given words, through the errlog module's table */
static char *
error_log(const char *w1, const char *w2, const char *w3)
{
    const char    *words[4];
    hx_str_t      *w;
    hx_uint_t      i;
    hx_command_t  *cmd;

    words[0] = "error_log";
    words[1] = w1;
    words[2] = w2;
    words[3] = w3;

    conf.args->nelts = 0;

    for (i = 0; i < 4 && words[i] != NULL; i++) {
        w = hx_array_push(conf.args);
        w->len = strlen(words[i]);
        w->data = (uint8_t *) hx_pstrdup(conf.pool,
                                         &(hx_str_t) { w->len,
                                                       (uint8_t *) words[i] });
    }

    cmd = hx_errlog_module.commands;
    cr_assert_str_eq((char *) cmd->name.data, "error_log");

    return cmd->set(&conf, cmd, NULL);
}


Test(hx_log, error_log_directive_fills_the_cycle_log)
{
    conf_setup();

    cr_assert_eq(error_log("logs/error.log", "warn", NULL), HX_CONF_OK);

    cr_assert_eq(conf_cycle.new_log.log_level, HX_LOG_WARN);
    cr_assert_not_null(conf_cycle.new_log.file);
    cr_assert_str_eq((char *) conf_cycle.new_log.file->name.data,
                     "/usr/local/hanx/logs/error.log");
    cr_assert_null(conf_cycle.new_log.next);
}


Test(hx_log, error_log_without_level_is_error)
{
    conf_setup();

    cr_assert_eq(error_log("/var/log/hanx/error.log", NULL, NULL),
                 HX_CONF_OK);

    cr_assert_eq(conf_cycle.new_log.log_level, HX_LOG_ERR);
    cr_assert_str_eq((char *) conf_cycle.new_log.file->name.data,
                     "/var/log/hanx/error.log");
}


Test(hx_log, second_error_log_joins_the_chain_by_level)
{
    conf_setup();

    cr_assert_eq(error_log("logs/a.log", "error", NULL), HX_CONF_OK);
    cr_assert_eq(error_log("logs/b.log", "info", NULL), HX_CONF_OK);
    cr_assert_eq(error_log("logs/a.log", "crit", NULL), HX_CONF_OK);

    cr_assert_eq(conf_cycle.new_log.log_level, HX_LOG_INFO);
    cr_assert_str_eq((char *) conf_cycle.new_log.file->name.data,
                     "/usr/local/hanx/logs/b.log");
    cr_assert_eq(conf_cycle.new_log.next->log_level, HX_LOG_ERR);
    cr_assert_eq(conf_cycle.new_log.next->next->log_level, HX_LOG_CRIT);
    cr_assert_eq(conf_cycle.new_log.next->file,
                 conf_cycle.new_log.next->next->file,
                 "one open file per name");
}


Test(hx_log, error_log_stderr)
{
    conf_setup();

    cr_assert_eq(error_log("stderr", "notice", NULL), HX_CONF_OK);

    cr_assert_eq(conf_cycle.new_log.file->fd, STDERR_FILENO);
    cr_assert_eq(conf_cycle.log_use_stderr, 1);
    cr_assert_eq(conf_cycle.new_log.log_level, HX_LOG_NOTICE);
}


Test(hx_log, error_log_debug_means_every_debug_mask)
{
    conf_setup();

    cr_assert_eq(error_log("logs/debug.log", "debug", NULL), HX_CONF_OK);
    cr_assert_eq(conf_cycle.new_log.log_level, HX_LOG_DEBUG_ALL);
}


Test(hx_log, error_log_debug_masks_combine)
{
    conf_setup();

    cr_assert_eq(error_log("logs/debug.log", "debug_http", "debug_event"),
                 HX_CONF_OK);
    cr_assert_eq(conf_cycle.new_log.log_level,
                 HX_LOG_DEBUG_HTTP | HX_LOG_DEBUG_EVENT);
}


Test(hx_log, error_log_refuses_unknown_level)
{
    conf_setup();

    cr_assert_eq(error_log("logs/error.log", "loud", NULL), HX_CONF_ERROR);
    cr_assert_eq(conf_sink.n, 1);
    cr_assert_eq(conf_sink.level[0], HX_LOG_EMERG);
    cr_assert_str_eq(message(&conf_sink, 0), "invalid log level \"loud\"");
}


Test(hx_log, error_log_refuses_two_levels)
{
    conf_setup();

    cr_assert_eq(error_log("logs/error.log", "warn", "error"), HX_CONF_ERROR);
    cr_assert_str_eq(message(&conf_sink, 0), "duplicate log level \"error\"");
}


Test(hx_log, error_log_refuses_level_with_debug_mask)
{
    conf_setup();

    cr_assert_eq(error_log("logs/error.log", "warn", "debug_http"),
                 HX_CONF_ERROR);
    cr_assert_str_eq(message(&conf_sink, 0),
                     "invalid log level \"debug_http\"");
}


Test(hx_log, error_log_syslog_sets_a_writer_and_keeps_the_level)
{
    hx_log_t  *head;

    conf_setup();

    cr_assert_eq(error_log("syslog:server=127.0.0.1:5514,tag=t", "warn",
                           NULL),
                 HX_CONF_OK);

    /* the syslog log has no file: it writes through hx_syslog_writer */
    for (head = &conf_cycle.new_log; head; head = head->next) {
        if (head->writer) {
            break;
        }
    }

    cr_assert_not_null(head);
    cr_assert_eq(head->writer, hx_syslog_writer);
    cr_assert_null(head->file);
    cr_assert_eq(head->log_level, HX_LOG_WARN);
}


Test(hx_log, error_log_syslog_without_server_is_refused)
{
    conf_setup();

    cr_assert_eq(error_log("syslog:tag=x", NULL, NULL), HX_CONF_ERROR);
    cr_assert_str_eq(message(&conf_sink, 0), "no syslog server specified");
}


Test(hx_log, error_log_memory_is_not_supported)
{
    conf_setup();

    cr_assert_eq(error_log("memory:32m", "debug", NULL), HX_CONF_ERROR);
    cr_assert_str_eq(message(&conf_sink, 0),
                     "\"memory\" log targets are not supported by hanx");
}


/* ---- the first log */


Test(hx_log, init_opens_the_log_under_the_prefix)
{
    char       prefix[128], path[128], buf[512];
    hx_log_t  *log;

    snprintf(prefix, sizeof(prefix), "%s", tmpdir);
    snprintf(path, sizeof(path), "%s/first.log", tmpdir);

    log = hx_log_init((uint8_t *) prefix, (uint8_t *) "first.log");

    cr_assert_not_null(log);
    cr_assert_eq(log->log_level, HX_LOG_NOTICE);
    cr_assert_neq(log->file->fd, STDERR_FILENO);

    hx_log_error(HX_LOG_NOTICE, log, 0, "hello");
    slurp(path, buf, sizeof(buf));

    assert_matches(buf, "\\[notice\\] [0-9]+#0: hello\n$");
}


Test(hx_log, init_takes_absolute_names_as_they_are)
{
    char       path[128];
    hx_log_t  *log;

    snprintf(path, sizeof(path), "%s/abs.log", tmpdir);

    log = hx_log_init((uint8_t *) "/nonexistent/prefix/", (uint8_t *) path);

    cr_assert_neq(log->file->fd, STDERR_FILENO);
    cr_assert_eq(access(path, F_OK), 0);
}


Test(hx_log, init_with_stderr_or_empty_name_uses_fd_2)
{
    hx_log_t  *log;

    log = hx_log_init(NULL, (uint8_t *) "stderr");
    cr_assert_eq(log->file->fd, STDERR_FILENO);

    log = hx_log_init(NULL, (uint8_t *) "");
    cr_assert_eq(log->file->fd, STDERR_FILENO);
}


static hx_log_t  *init_result;
static char       init_prefix[128];

static void
init_unopenable(void)
{
    init_result = hx_log_init((uint8_t *) init_prefix,
                              (uint8_t *) "no/such/dir/error.log");
}


Test(hx_log, init_falls_back_to_stderr_with_an_alert)
{
    char  buf[512], want[512];

    snprintf(init_prefix, sizeof(init_prefix), "%s/", tmpdir);

    capture_stderr(init_unopenable, buf, sizeof(buf));

    cr_assert_not_null(init_result);
    cr_assert_eq(init_result->file->fd, STDERR_FILENO);

    snprintf(want, sizeof(want),
             "hanx: [alert] could not open error log file: open() "
             "\"%s/no/such/dir/error.log\" failed "
             "(2: No such file or directory)\n", tmpdir);
    cr_assert_str_eq(buf, want);
}


Test(hx_log, redirect_stderr_points_fd_2_at_the_first_file)
{
    char            path[128], buf[256];
    int             saved;
    hx_cycle_t      cycle;
    hx_open_file_t  file;

    snprintf(path, sizeof(path), "%s/redirect.log", tmpdir);

    memset(&cycle, 0, sizeof(hx_cycle_t));
    file.fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    cr_assert_neq(file.fd, -1);

    log_a.next = &log_b;
    log_b.file = &file;
    cycle.log = &log_a;

    saved = dup(STDERR_FILENO);

    cr_assert_eq(hx_log_redirect_stderr(&cycle), HX_OK);
    cr_assert_eq(write(STDERR_FILENO, "via fd 2\n", 9), 9);

    dup2(saved, STDERR_FILENO);
    close(saved);
    close(file.fd);

    slurp(path, buf, sizeof(buf));
    cr_assert_str_eq(buf, "via fd 2\n");
}


Test(hx_log, redirect_stderr_keeps_fd_2_when_logging_to_stderr)
{
    hx_cycle_t  cycle;

    memset(&cycle, 0, sizeof(hx_cycle_t));
    cycle.log_use_stderr = 1;
    cycle.log = &log_a;

    cr_assert_eq(hx_log_redirect_stderr(&cycle), HX_OK);
}

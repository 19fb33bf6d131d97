/*
 * Tests of the pid file and of "-s": parsing a pid file, the pid file the
 * master writes, the messages nginx gives for a missing or bad pid file,
 * signalling the process named there, and the reload verdict that makes
 * "-s reload" fail when the master refused the new configuration (with a
 * child process standing in for the master).
 */

#include <hx_config.h>
#include <hx_core.h>

#include <criterion/criterion.h>


static char             tmpdir[64];
static char             pidpath[128];
static char             logged[4096];
static size_t           logged_len;
static hx_log_t         test_log;
static hx_open_file_t   test_file;
static hx_core_conf_t   ccf;
static hx_cycle_t       cycle;
static void            *ctx[256];


static void
capture(hx_log_t *log, hx_uint_t level, uint8_t *buf, size_t len)
{
    (void) log;
    (void) level;

    len = hx_min(len, sizeof(logged) - 1 - logged_len);
    memcpy(logged + logged_len, buf, len);
    logged_len += len;
    logged[logged_len] = '\0';
}


static void
setup(void)
{
    strcpy(tmpdir, "/tmp/hx_pidfile_test.XXXXXX");
    cr_assert(mkdtemp(tmpdir) != NULL);
    snprintf(pidpath, sizeof(pidpath), "%s/hanx.pid", tmpdir);

    hx_time_init();
    cr_assert_eq(hx_preinit_modules(), HX_OK);

    test_file.fd = -1;
    test_log.file = &test_file;
    test_log.log_level = HX_LOG_DEBUG;
    test_log.writer = capture;

    /* messages go to the capture only, not to the terminal */
    hx_use_stderr = 0;

    ccf.pid.data = (uint8_t *) pidpath;
    ccf.pid.len = strlen(pidpath);

    ctx[hx_core_module.index] = &ccf;
    cycle.conf_ctx = (void ****) ctx;
    cycle.log = &test_log;
    hx_cycle = &cycle;

    logged_len = 0;
    logged[0] = '\0';
}


static void
teardown(void)
{
    char  cmd[128];

    /* system() must be able to wait for its shell */
    signal(SIGCHLD, SIG_DFL);

    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    cr_assert(system(cmd) == 0);
}


static void
write_file(const char *name, const char *text)
{
    FILE  *f;

    f = fopen(name, "w");
    cr_assert(f != NULL);
    fputs(text, f);
    fclose(f);
}


TestSuite(pidfile, .init = setup, .fini = teardown);


Test(pidfile, parses_a_pid_with_or_without_the_newline)
{
    cr_assert_eq(hx_pid_parse((uint8_t *) "1234\n", 5), 1234);
    cr_assert_eq(hx_pid_parse((uint8_t *) "1234", 4), 1234);
    cr_assert_eq(hx_pid_parse((uint8_t *) "77\r\n", 4), 77);
}


Test(pidfile, refuses_what_is_not_a_positive_pid)
{
    cr_assert_eq(hx_pid_parse((uint8_t *) "", 0), -1);
    cr_assert_eq(hx_pid_parse((uint8_t *) "\n", 1), -1);
    cr_assert_eq(hx_pid_parse((uint8_t *) "abc\n", 4), -1);
    cr_assert_eq(hx_pid_parse((uint8_t *) "12x\n", 4), -1);
    cr_assert_eq(hx_pid_parse((uint8_t *) "-5\n", 3), -1);

    /* kill(0, sig) would signal our own process group */
    cr_assert_eq(hx_pid_parse((uint8_t *) "0\n", 2), -1);
    cr_assert_eq(hx_pid_parse((uint8_t *) "99999999999\n", 12), -1);
}


Test(pidfile, the_master_writes_its_pid_and_a_newline)
{
    char   buf[64];
    FILE  *f;

    hx_pid = 4242;
    hx_process = HX_PROCESS_MASTER;

    cr_assert_eq(hx_create_pidfile(&ccf.pid, &test_log), HX_OK);

    f = fopen(pidpath, "r");
    cr_assert(f != NULL);
    cr_assert(fgets(buf, sizeof(buf), f) != NULL);
    fclose(f);

    cr_assert_str_eq(buf, "4242\n");
}


Test(pidfile, a_worker_never_writes_the_pid_file)
{
    hx_pid = 4242;
    hx_process = HX_PROCESS_WORKER;

    cr_assert_eq(hx_create_pidfile(&ccf.pid, &test_log), HX_OK);
    cr_assert_eq(access(pidpath, F_OK), -1);
}


Test(pidfile, deleting_removes_the_pid_file_and_the_verdict)
{
    char  verdict[160];

    hx_pid = 4242;
    hx_process = HX_PROCESS_MASTER;

    cr_assert_eq(hx_create_pidfile(&ccf.pid, &test_log), HX_OK);
    cr_assert_eq(hx_reload_status_write(&ccf.pid, 1, 1, NULL, 0, &test_log),
                 HX_OK);

    hx_delete_pidfile(&cycle);

    snprintf(verdict, sizeof(verdict), "%s.reload", pidpath);
    cr_assert_eq(access(pidpath, F_OK), -1);
    cr_assert_eq(access(verdict, F_OK), -1);
}


Test(pidfile, signal_without_a_pid_file_says_what_open_failed)
{
    char  expect[256];

    cr_assert_eq(hx_signal_process(&cycle, "quit"), HX_ERROR);

    snprintf(expect, sizeof(expect), "open() \"%s\" failed (2: ", pidpath);
    cr_assert(strstr(logged, expect) != NULL, "%s", logged);
}


Test(pidfile, signal_with_a_bad_pid_names_it_and_the_file)
{
    char  expect[256];

    write_file(pidpath, "garbage\n");

    cr_assert_eq(hx_signal_process(&cycle, "stop"), HX_ERROR);

    snprintf(expect, sizeof(expect), "invalid PID number \"garbage\" in \"%s\"",
             pidpath);
    cr_assert(strstr(logged, expect) != NULL, "%s", logged);
}


static pid_t
spawn_sleeper(void)
{
    pid_t  pid;

    pid = fork();
    cr_assert_neq(pid, -1);

    if (pid == 0) {
        for ( ;; ) {
            pause();
        }
    }

    return pid;
}


Test(pidfile, each_command_sends_the_nginx_signal)
{
    int         status;
    char        text[32];
    pid_t       pid;
    hx_uint_t   i;
    char       *cmd[] = { "stop", "quit", "reopen" };
    int         sig[] = { SIGTERM, SIGQUIT, SIGUSR1 };

    for (i = 0; i < 3; i++) {
        pid = spawn_sleeper();

        snprintf(text, sizeof(text), "%d\n", (int) pid);
        write_file(pidpath, text);

        cr_assert_eq(hx_signal_process(&cycle, cmd[i]), HX_OK);

        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFSIGNALED(status));
        cr_assert_eq(WTERMSIG(status), sig[i], "-s %s", cmd[i]);
    }
}


Test(pidfile, verdict_round_trips_through_the_file)
{
    int                  fd;
    char                 name[160], buf[512];
    ssize_t              n;
    hx_reload_status_t   st;
    static char          msg[] = "hanx: [emerg] unknown directive \"x\"\n";

    hx_pid = 777;

    cr_assert_eq(hx_reload_status_write(&ccf.pid, 3, 0, (uint8_t *) msg,
                                        sizeof(msg) - 1, &test_log), HX_OK);

    snprintf(name, sizeof(name), "%s.reload", pidpath);
    fd = open(name, O_RDONLY);
    cr_assert(fd != -1);
    n = read(fd, buf, sizeof(buf));
    close(fd);

    cr_assert_eq(hx_reload_status_parse((uint8_t *) buf, n, &st), HX_OK);
    cr_assert_eq(st.generation, 3);
    cr_assert_eq(st.pid, 777);
    cr_assert_eq(st.ok, 0);
    cr_assert_eq(st.text.len, sizeof(msg) - 1);
    cr_assert(memcmp(st.text.data, msg, st.text.len) == 0);
}


Test(pidfile, verdict_parser_refuses_malformed_files)
{
    hx_reload_status_t  st;

#define PARSE(s)  hx_reload_status_parse((uint8_t *) s, sizeof(s) - 1, &st)

    cr_assert_eq(PARSE("1 100 ok\n"), HX_OK);
    cr_assert_eq(st.ok, 1);
    cr_assert_eq(st.text.len, 0);

    cr_assert_eq(PARSE(""), HX_ERROR);
    cr_assert_eq(PARSE("1 100 ok"), HX_ERROR);        /* cut short */
    cr_assert_eq(PARSE("1 100 maybe\n"), HX_ERROR);
    cr_assert_eq(PARSE("x 100 ok\n"), HX_ERROR);
    cr_assert_eq(PARSE("1 0 ok\n"), HX_ERROR);
    cr_assert_eq(PARSE("1100 ok\n"), HX_ERROR);

#undef PARSE
}


/*
 * A stand-in master: waits for SIGHUP, then writes a verdict the way the
 * real master does after a reload attempt.
 */
static pid_t
spawn_fake_master(hx_uint_t ok, const char *text)
{
    int       sig;
    pid_t     pid;
    sigset_t  set;

    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    cr_assert_eq(sigprocmask(SIG_BLOCK, &set, NULL), 0);

    pid = fork();
    cr_assert_neq(pid, -1);

    if (pid == 0) {
        hx_pid = getpid();

        (void) sigwait(&set, &sig);

        (void) hx_reload_status_write(&ccf.pid, 1, ok, (uint8_t *) text,
                                      strlen(text), &test_log);
        for ( ;; ) {
            pause();
        }
    }

    return pid;
}


static void
write_pid(pid_t pid)
{
    char  text[32];

    snprintf(text, sizeof(text), "%d\n", (int) pid);
    write_file(pidpath, text);
}


Test(pidfile, reload_succeeds_when_the_master_accepts)
{
    pid_t  pid;

    pid = spawn_fake_master(1, "");
    write_pid(pid);

    cr_assert_eq(hx_signal_process(&cycle, "reload"), HX_OK);

    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}


Test(pidfile, reload_fails_and_prints_the_masters_error)
{
    int     fd, saved;
    char    out[1024];
    pid_t   pid;
    ssize_t n;
    static const char  err[] =
        "hanx: [emerg] unknown directive \"bogus\" in /x/hanx.conf:3\n";

    /* a verdict from an earlier reload must not be taken for this one */
    hx_pid = 1;
    cr_assert_eq(hx_reload_status_write(&ccf.pid, 1, 1, NULL, 0, &test_log),
                 HX_OK);

    pid = spawn_fake_master(0, err);
    write_pid(pid);

    fd = open(tmpdir, O_TMPFILE|O_RDWR, 0600);
    cr_assert(fd != -1);
    saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);

    cr_assert_eq(hx_signal_process(&cycle, "reload"), HX_ERROR);

    dup2(saved, STDERR_FILENO);
    close(saved);

    n = pread(fd, out, sizeof(out) - 1, 0);
    close(fd);
    cr_assert_gt(n, 0);
    out[n] = '\0';

    cr_assert(strncmp(out, err, sizeof(err) - 1) == 0, "%s", out);
    cr_assert(strstr(out, "failed") != NULL);

    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}


Test(pidfile, reload_fails_at_once_when_the_master_dies)
{
    pid_t     pid;
    hx_msec_t start;

    /* reaped by the kernel, so that the dead master is gone at once */
    signal(SIGCHLD, SIG_IGN);

    pid = fork();
    cr_assert_neq(pid, -1);

    if (pid == 0) {
        /* dies of the SIGHUP without writing any verdict */
        pause();
        _exit(0);
    }

    write_pid(pid);

    hx_time_update();
    start = hx_current_msec;

    cr_assert_eq(hx_signal_process(&cycle, "reload"), HX_ERROR);

    hx_time_update();
    cr_assert_lt(hx_current_msec - start, 2000);
    cr_assert(strstr(logged, "exited during the reload") != NULL, "%s",
              logged);
}

/*
 * The process model: what runs after the first cycle is built.
 *
 * The master never serves traffic.  It blocks the signals it handles and
 * reads them from a signalfd in its own event loop, next to its timers
 * (respawn back-off, the kill deadline of a fast stop) and whatever the
 * ha module registers in init_master.  A signal only notes a flag; the
 * loop acts on the flags after each iteration, so a reload or a respawn
 * never runs inside a handler and never races another one.
 *
 * Workers (hx_worker_cycle.c) are forked with a socketpair channel each
 * and respawned when they die on their own, with a back-off when they
 * keep dying right after the start.
 *
 * Reload: a new cycle is built next to the old one; on failure nothing
 * changes.  On success new workers start and the old ones are told to
 * quit.  Every attempt leaves a verdict for "hanx -s reload" (see
 * hx_pidfile.c); the messages of the attempt are captured by pointing
 * stderr at a memfd while the log's terminal copy is switched on.
 *
 * The binary upgrade (USR2) is in hx_upgrade.c; WINCH stops this
 * master's workers so that the new binary's serve alone.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <sys/utsname.h>
#include <hx_event.h>
#include <hx_channel.h>
#include <hx_process.h>

#include <sys/signalfd.h>
#include <sys/mman.h>


#define HX_TERMINATE_KILL_DELAY  1500
#define HX_CAPTURE_MAX           8192
#define HX_TITLE_MAX             1024


typedef struct {
    int                  signo;
    char                *name;
} hx_signal_t;


static hx_int_t hx_init_signals(hx_log_t *log);
static void hx_signal_set(sigset_t *set);
static char *hx_signal_name(int signo);
static void hx_signal_note(int signo, pid_t from);
static void hx_signalfd_handler(hx_event_t *ev);

static void hx_log_os_status(hx_log_t *log);
static int hx_master_process_cycle(hx_cycle_t *cycle);
static hx_int_t hx_master_loop_init(hx_cycle_t *cycle);
static int hx_master_exit(hx_cycle_t *cycle, int status);
static void hx_start_worker_processes(hx_cycle_t *cycle, hx_int_t n,
    hx_int_t type);
static void hx_signal_worker_processes(hx_cycle_t *cycle,
    hx_uint_t command);
static hx_uint_t hx_reap_children(hx_cycle_t *cycle);
static hx_uint_t hx_master_live(void);
static void hx_respawn_handler(hx_event_t *ev);
static void hx_arm_respawn_timer(void);
static void hx_cancel_respawns(void);
static void hx_kill_handler(hx_event_t *ev);
static hx_cycle_t *hx_master_reload(hx_cycle_t *cycle);
static hx_cycle_t *hx_reload_cycle(hx_cycle_t *cycle);
static void hx_reload_verdict(hx_cycle_t *cycle, hx_uint_t ok);
static void hx_adopt_cycle(hx_cycle_t *cycle, hx_cycle_t *old);
static void hx_master_reopen(hx_cycle_t *cycle);

static int hx_single_process_cycle(hx_cycle_t *cycle);
static hx_int_t hx_single_watch_signals(hx_cycle_t *cycle);
static void hx_single_reload(hx_cycle_t *cycle);


hx_uint_t        hx_process;
hx_uint_t        hx_worker;
pid_t            hx_pid;
pid_t            hx_parent;
pid_t            hx_new_binary;
hx_uint_t        hx_daemonized;
hx_uint_t        hx_inherited;
hx_array_t       hx_old_cycles;

volatile sig_atomic_t         hx_quit;
volatile sig_atomic_t         hx_terminate;
volatile sig_atomic_t         hx_reopen;

static volatile sig_atomic_t  hx_reconfigure;
static volatile sig_atomic_t  hx_change_binary;
static volatile sig_atomic_t  hx_noaccept;
static volatile sig_atomic_t  hx_sigchld;

static hx_uint_t         hx_noaccepting;
static hx_uint_t         hx_restart;
static hx_uint_t         hx_quitting;
static hx_uint_t         hx_terminating;

static hx_fd_t           hx_signal_fd = -1;
static hx_connection_t  *hx_signal_conn;

/* the master's slots outlive reloads; so must the log they point to */
static hx_log_t          hx_master_log;

static hx_event_t        hx_respawn_event;
static hx_event_t        hx_kill_event;

static hx_uint_t         hx_reload_generation;
static uint8_t           hx_capture[HX_CAPTURE_MAX];
static size_t            hx_capture_len;
static hx_pool_t        *hx_old_cycles_pool;


static hx_signal_t  hx_signals[] = {
    { SIGHUP,   "SIGHUP" },
    { SIGQUIT,  "SIGQUIT" },
    { SIGTERM,  "SIGTERM" },
    { SIGINT,   "SIGINT" },
    { SIGUSR1,  "SIGUSR1" },
    { SIGUSR2,  "SIGUSR2" },
    { SIGWINCH, "SIGWINCH" },
    { SIGCHLD,  "SIGCHLD" },
    { 0, NULL }
};


/*
 * What nginx notes in its log at start: the version (the nginx release
 * hanx follows, which log watchers and the public test suite look for),
 * the compiler, the kernel and the descriptor limit.
 */
static void
hx_log_os_status(hx_log_t *log)
{
    struct rlimit   rlmt;
    struct utsname  u;

    hx_log_error(HX_LOG_NOTICE, log, 0, HANX_VER " (" HX_NGINX_VER ")");
    hx_log_error(HX_LOG_NOTICE, log, 0, "built by " HX_COMPILER);

    if (uname(&u) == 0) {
        hx_log_error(HX_LOG_NOTICE, log, 0, "OS: %s %s",
                     u.sysname, u.release);
    }

    if (getrlimit(RLIMIT_NOFILE, &rlmt) == 0) {
        hx_log_error(HX_LOG_NOTICE, log, 0,
                     "getrlimit(RLIMIT_NOFILE): %L:%L",
                     (int64_t) rlmt.rlim_cur, (int64_t) rlmt.rlim_max);
    }
}


int
hx_run_cycle(hx_cycle_t *cycle)
{
    hx_uint_t         i;
    sigset_t          set;
    hx_cycle_t       *init;
    hx_listening_t   *ls;
    hx_core_conf_t   *ccf;

    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);

    hx_pid = getpid();
    hx_parent = getppid();
    hx_process = ccf->master ? HX_PROCESS_MASTER : HX_PROCESS_SINGLE;

    if (hx_init_signals(cycle->log) != HX_OK) {
        return 1;
    }

    if (!hx_inherited && ccf->daemon) {
        if (hx_daemon(cycle->log) != HX_OK) {
            return 1;
        }

        hx_daemonized = 1;
    }

    if (hx_inherited) {
        hx_daemonized = 1;
    }

    if (hx_create_pidfile(&ccf->pid, cycle->log) != HX_OK) {
        return 1;
    }

    if (hx_log_redirect_stderr(cycle) != HX_OK) {
        hx_delete_pidfile(cycle);
        return 1;
    }

    /* the start-up log has done its job; workers need not inherit it */

    /*
     * The start-up cycle has done its job: the cycle copied what it needs
     * of it.  Its log file need not be inherited by workers, and its pool
     * (the inherited sockets' addresses, the options) can go.
     */

    init = cycle->old_cycle;

    if (init) {
        if (init->log && init->log->file
            && init->log->file->fd > STDERR_FILENO)
        {
            (void) close(init->log->file->fd);
            init->log->file->fd = STDERR_FILENO;
        }

        if (init->pool) {
            hx_destroy_pool(init->pool);
            init->pool = NULL;
        }
    }

    cycle->old_cycle = NULL;

    ls = cycle->listening.elts;
    for (i = 0; i < cycle->listening.nelts; i++) {
        ls[i].previous = NULL;
    }

    hx_use_stderr = 0;
    hx_master_log = *cycle->log;

    hx_log_os_status(cycle->log);

    hx_signal_set(&set);

    hx_signal_fd = signalfd(-1, &set, SFD_NONBLOCK|SFD_CLOEXEC);
    if (hx_signal_fd == -1) {
        hx_log_error(HX_LOG_EMERG, cycle->log, hx_errno, "signalfd() failed");
        hx_delete_pidfile(cycle);
        return 1;
    }

    if (hx_process == HX_PROCESS_MASTER) {
        return hx_master_process_cycle(cycle);
    }

    return hx_single_process_cycle(cycle);
}


/* ---- signals ---------------------------------------------------------- */


static void
hx_signal_set(sigset_t *set)
{
    hx_signal_t  *sig;

    sigemptyset(set);

    for (sig = hx_signals; sig->signo; sig++) {
        sigaddset(set, sig->signo);
    }
}


/*
 * Blocks the signals the loop reads from the signalfd (they stay pending
 * until then) and ignores SIGPIPE: a peer that goes away shows up as
 * EPIPE on the write, where the code handling it is.
 */
static hx_int_t
hx_init_signals(hx_log_t *log)
{
    sigset_t          set;
    struct sigaction  sa;

    hx_memzero(&sa, sizeof(struct sigaction));
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);

    if (sigaction(SIGPIPE, &sa, NULL) == -1) {
        hx_log_error(HX_LOG_EMERG, log, hx_errno,
                     "sigaction(SIGPIPE) failed");
        return HX_ERROR;
    }

    hx_signal_set(&set);

    if (sigprocmask(SIG_BLOCK, &set, NULL) == -1) {
        hx_log_error(HX_LOG_EMERG, log, hx_errno, "sigprocmask() failed");
        return HX_ERROR;
    }

    return HX_OK;
}


static char *
hx_signal_name(int signo)
{
    hx_signal_t  *sig;

    for (sig = hx_signals; sig->signo; sig++) {
        if (sig->signo == signo) {
            return sig->name;
        }
    }

    return "unknown";
}


/*
 * Turns a signal into a flag for the loop and returns the words for the
 * log.  Only sig_atomic_t flags are touched: a worker calls this from
 * its signal handler.
 */
char *
hx_signal_action(int signo)
{
    if (hx_process == HX_PROCESS_WORKER) {

        switch (signo) {

        case SIGQUIT:
            hx_quit = 1;
            return ", shutting down";

        case SIGTERM:
        case SIGINT:
            hx_terminate = 1;
            return ", exiting";

        case SIGUSR1:
            hx_reopen = 1;
            return ", reopening";

        default:
            return ", ignoring";
        }
    }

    switch (signo) {

    case SIGQUIT:
        hx_quit = 1;
        return ", shutting down";

    case SIGTERM:
    case SIGINT:
        hx_terminate = 1;
        return ", exiting";

    case SIGHUP:
        hx_reconfigure = 1;
        return ", reconfiguring";

    case SIGUSR1:
        hx_reopen = 1;
        return ", reopening";

    case SIGWINCH:
        /* a terminal resize sends it too: only a daemon obeys */
        if (hx_daemonized && hx_process == HX_PROCESS_MASTER) {
            hx_noaccept = 1;
            return ", stop accepting connections";
        }

        return ", ignoring";

    case SIGUSR2:
        /*
         * A new binary whose old master still runs (it is our parent),
         * or an old master whose new binary runs, must not start yet
         * another one; neither does a master in the foreground, which
         * would leave its supervisor behind.
         */
        if (getppid() == hx_parent || hx_new_binary > 0
            || hx_process != HX_PROCESS_MASTER)
        {
            return ", ignoring";
        }

        hx_change_binary = 1;
        return ", changing binary";

    case SIGCHLD:
        hx_sigchld = 1;
        return "";
    }

    return ", ignoring";
}


/* logs a signal as nginx words it: "signal 1 (SIGHUP) received from 12" */
void
hx_signal_log(int signo, pid_t from, char *action)
{
    if (from > 0) {
        hx_log_error(HX_LOG_NOTICE, hx_cycle->log, 0,
                     "signal %d (%s) received from %P%s",
                     signo, hx_signal_name(signo), from, action);

    } else {
        hx_log_error(HX_LOG_NOTICE, hx_cycle->log, 0,
                     "signal %d (%s) received%s",
                     signo, hx_signal_name(signo), action);
    }
}


static void
hx_signal_note(int signo, pid_t from)
{
    hx_signal_log(signo, from, hx_signal_action(signo));
}


static void
hx_signalfd_handler(hx_event_t *ev)
{
    ssize_t                  n;
    hx_err_t                 err;
    struct signalfd_siginfo  si;

    (void) ev;

    for ( ;; ) {
        n = read(hx_signal_fd, &si, sizeof(struct signalfd_siginfo));

        if (n == (ssize_t) sizeof(struct signalfd_siginfo)) {
            hx_signal_note((int) si.ssi_signo, (pid_t) si.ssi_pid);
            continue;
        }

        if (n == -1) {
            err = hx_errno;

            if (err == EINTR) {
                continue;
            }

            if (err != EAGAIN) {
                hx_log_error(HX_LOG_ALERT, hx_cycle->log, err,
                             "read() from signalfd failed");
            }
        }

        return;
    }
}


/* ---- the master ------------------------------------------------------- */


static int
hx_master_process_cycle(hx_cycle_t *cycle)
{
    int              i;
    uint8_t         *p, *last;
    hx_uint_t        live;
    hx_core_conf_t  *ccf;
    uint8_t          title[HX_TITLE_MAX];

    p = title;
    last = title + sizeof(title) - 1;

    p = hx_slprintf(p, last, "master process");

    for (i = 0; i < hx_argc; i++) {
        p = hx_slprintf(p, last, " %s", hx_argv[i]);
    }

    *p = '\0';

    hx_setproctitle((char *) title);

    if (hx_master_loop_init(cycle) != HX_OK) {
        return hx_master_exit(cycle, 1);
    }

    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);

    hx_start_worker_processes(cycle, ccf->worker_processes,
                              HX_PROCESS_RESPAWN);

    for ( ;; ) {

        hx_process_events_and_timers(cycle);

        cycle = (hx_cycle_t *) hx_cycle;

        if (hx_sigchld) {
            hx_sigchld = 0;
            hx_process_get_status();
        }

        if (hx_process_reaped) {
            hx_process_reaped = 0;
            (void) hx_reap_children(cycle);
        }

        live = hx_master_live();

        if (!live && (hx_terminate || hx_quit)) {
            return hx_master_exit(cycle, 0);
        }

        if (hx_terminate) {
            if (!hx_terminating) {
                hx_terminating = 1;
                hx_cancel_respawns();
                hx_signal_worker_processes(cycle, HX_CMD_TERMINATE);
                hx_add_timer(&hx_kill_event, HX_TERMINATE_KILL_DELAY);
            }

            continue;
        }

        if (hx_quit) {
            if (!hx_quitting) {
                hx_quitting = 1;
                hx_log_error(HX_LOG_NOTICE, cycle->log, 0,
                             "gracefully shutting down");
                hx_cancel_respawns();
                hx_signal_worker_processes(cycle, HX_CMD_QUIT);
                hx_close_listening_sockets(cycle);
            }

            continue;
        }

        if (hx_reconfigure) {
            hx_reconfigure = 0;
            cycle = hx_master_reload(cycle);
        }

        if (hx_restart) {
            hx_restart = 0;
            ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx,
                                                 hx_core_module);
            hx_start_worker_processes(cycle, ccf->worker_processes,
                                      HX_PROCESS_RESPAWN);
        }

        if (hx_reopen) {
            hx_reopen = 0;
            hx_master_reopen(cycle);
        }

        if (hx_change_binary) {
            hx_change_binary = 0;
            hx_log_error(HX_LOG_NOTICE, cycle->log, 0, "changing binary");
            hx_new_binary = hx_exec_new_binary(cycle);
        }

        if (hx_noaccept) {
            hx_noaccept = 0;
            hx_noaccepting = 1;
            hx_cancel_respawns();
            hx_signal_worker_processes(cycle, HX_CMD_QUIT);
        }
    }
}


/*
 * The event core without a worker's connection pool: a small pool for
 * the master's own descriptors, the signalfd in it, the timers, then the
 * modules' init_master (ha opens its sockets there).
 */
static hx_int_t
hx_master_loop_init(hx_cycle_t *cycle)
{
    if (hx_event_master_init(cycle) != HX_OK) {
        return HX_ERROR;
    }

    hx_signal_conn = hx_event_add_fd(hx_signal_fd, hx_signalfd_handler,
                                     NULL, &hx_master_log);
    if (hx_signal_conn == NULL) {
        return HX_ERROR;
    }

    hx_respawn_event.handler = hx_respawn_handler;
    hx_respawn_event.log = &hx_master_log;

    hx_kill_event.handler = hx_kill_handler;
    hx_kill_event.log = &hx_master_log;

    if (hx_modules_init_master(cycle) != HX_OK) {
        return HX_ERROR;
    }

    return HX_OK;
}


static int
hx_master_exit(hx_cycle_t *cycle, int status)
{
    hx_modules_exit_master(cycle);

    hx_delete_pidfile(cycle);

    hx_log_error(HX_LOG_NOTICE, cycle->log, 0, "exit");

    hx_close_listening_sockets(cycle);

    return status;
}


static void
hx_start_worker_processes(hx_cycle_t *cycle, hx_int_t n, hx_int_t type)
{
    hx_int_t  i;

    hx_log_error(HX_LOG_NOTICE, cycle->log, 0, "start worker processes");

    for (i = 0; i < n; i++) {
        (void) hx_spawn_process(cycle, hx_worker_process_cycle,
                                (void *) (intptr_t) i, "worker process",
                                type);
    }
}


/*
 * Sends a command to every worker except those just started by a reload
 * (which it unmarks): through the channel, or by signal when the channel
 * is gone or full.
 */
static void
hx_signal_worker_processes(hx_cycle_t *cycle, hx_uint_t command)
{
    int            signo;
    hx_int_t       i;
    hx_err_t       err;
    hx_channel_t   ch;
    hx_process_t  *p;

    hx_memzero(&ch, sizeof(hx_channel_t));

    ch.command = command;
    ch.fd = -1;

    switch (command) {

    case HX_CMD_QUIT:
        signo = SIGQUIT;
        break;

    case HX_CMD_TERMINATE:
        signo = SIGTERM;
        break;

    default:
        signo = SIGUSR1;
        break;
    }

    for (i = 0; i < hx_last_process; i++) {
        p = &hx_processes[i];

        if (p->detached || p->pid == HX_INVALID_PID || p->exited) {
            continue;
        }

        if (p->just_spawn) {
            p->just_spawn = 0;
            continue;
        }

        if (p->exiting && command == HX_CMD_QUIT) {
            continue;
        }

        ch.pid = p->pid;
        ch.slot = i;

        if (p->channel[0] != -1
            && hx_write_channel(p->channel[0], &ch, cycle->log) == HX_OK)
        {
            if (command != HX_CMD_REOPEN) {
                p->exiting = 1;
            }

            continue;
        }

        if (kill(p->pid, signo) == -1) {
            err = hx_errno;

            /* ESRCH: it died already; its SIGCHLD is on the way */

            if (err != ESRCH) {
                hx_log_error(HX_LOG_ALERT, cycle->log, err,
                             "kill(%P, %d) failed", p->pid, signo);
            }

            continue;
        }

        p->signo = signo;

        if (command != HX_CMD_REOPEN) {
            p->exiting = 1;
        }
    }
}


/*
 * Deals with the children hx_process_get_status() marked exited: the new
 * binary's end restores our pid file; a worker that died on its own is
 * respawned in its slot, at once or after the back-off; the others' slots
 * are freed.  Returns whether any child is still alive.
 */
static hx_uint_t
hx_reap_children(hx_cycle_t *cycle)
{
    pid_t          pid;
    hx_int_t       i;
    hx_msec_t      delay;
    hx_process_t  *p;

    for (i = 0; i < hx_last_process; i++) {
        p = &hx_processes[i];

        if (p->pid == HX_INVALID_PID || !p->exited) {
            continue;
        }

        pid = p->pid;

        if (p->detached && pid == hx_new_binary) {
            hx_restore_pidfile(cycle);
            hx_new_binary = 0;

            if (hx_noaccepting) {
                hx_restart = 1;
                hx_noaccepting = 0;
            }
        }

        if (!p->respawn || p->exiting || hx_terminate || hx_quit) {
            hx_process_free_slot(i);
            continue;
        }

        hx_close_channel(p->channel, cycle->log);

        delay = hx_process_backoff(&p->fails, hx_current_msec - p->start);

        if (delay == 0) {
            if (hx_spawn_process(cycle, p->proc, p->data, p->name, i)
                == HX_INVALID_PID)
            {
                hx_log_error(HX_LOG_ALERT, cycle->log, 0,
                             "could not respawn %s", p->name);
                hx_process_free_slot(i);
            }

            continue;
        }

        hx_log_error(HX_LOG_WARN, cycle->log, 0,
                     "%s %P died %ui times in a row within %d ms "
                     "of starting, respawning it in %M ms",
                     p->name, pid, p->fails, HX_RESPAWN_QUICK, delay);

        p->pid = HX_INVALID_PID;
        p->exited = 0;
        p->waiting = 1;
        p->respawn_at = hx_current_msec + delay;
    }

    hx_arm_respawn_timer();

    return hx_master_live();
}


static hx_uint_t
hx_master_live(void)
{
    hx_int_t       i;
    hx_process_t  *p;

    for (i = 0; i < hx_last_process; i++) {
        p = &hx_processes[i];

        if (p->pid == HX_INVALID_PID || p->exited) {
            continue;
        }

        /* a detached new binary does not keep the old master alive */

        if (p->exiting || !p->detached) {
            return 1;
        }
    }

    return 0;
}


static void
hx_arm_respawn_timer(void)
{
    hx_int_t   i;
    hx_msec_t  next;
    hx_uint_t  found;

    found = 0;
    next = 0;

    for (i = 0; i < hx_last_process; i++) {
        if (!hx_processes[i].waiting) {
            continue;
        }

        if (!found || hx_processes[i].respawn_at < next) {
            next = hx_processes[i].respawn_at;
            found = 1;
        }
    }

    if (hx_respawn_event.timer_set) {
        hx_del_timer(&hx_respawn_event);
    }

    if (found) {
        hx_add_timer(&hx_respawn_event,
                     next > hx_current_msec ? next - hx_current_msec : 0);
    }
}


static void
hx_respawn_handler(hx_event_t *ev)
{
    hx_int_t       i;
    hx_cycle_t    *cycle;
    hx_process_t  *p;

    (void) ev;

    cycle = (hx_cycle_t *) hx_cycle;

    for (i = 0; i < hx_last_process; i++) {
        p = &hx_processes[i];

        if (!p->waiting || p->respawn_at > hx_current_msec) {
            continue;
        }

        p->waiting = 0;

        if (hx_spawn_process(cycle, p->proc, p->data, p->name, i)
            == HX_INVALID_PID)
        {
            hx_log_error(HX_LOG_ALERT, cycle->log, 0,
                         "could not respawn %s", p->name);
            hx_process_free_slot(i);
        }
    }

    hx_arm_respawn_timer();
}


/* stopping, reloading or WINCH: workers waiting out a back-off stay dead */
static void
hx_cancel_respawns(void)
{
    hx_int_t  i;

    for (i = 0; i < hx_last_process; i++) {
        if (hx_processes[i].waiting) {
            hx_processes[i].waiting = 0;
            hx_process_free_slot(i);
        }
    }

    if (hx_respawn_event.timer_set) {
        hx_del_timer(&hx_respawn_event);
    }
}


/* a fast stop that workers did not obey in time */
static void
hx_kill_handler(hx_event_t *ev)
{
    hx_int_t       i;
    hx_process_t  *p;

    (void) ev;

    for (i = 0; i < hx_last_process; i++) {
        p = &hx_processes[i];

        if (p->detached || p->pid == HX_INVALID_PID || p->exited) {
            continue;
        }

        hx_log_error(HX_LOG_WARN, hx_cycle->log, 0,
                     "%s %P did not exit within %d ms, sending SIGKILL",
                     p->name, p->pid, HX_TERMINATE_KILL_DELAY);

        if (kill(p->pid, SIGKILL) == -1) {
            if (hx_errno != ESRCH) {
                hx_log_error(HX_LOG_ALERT, hx_cycle->log, hx_errno,
                             "kill(%P, %d) failed", p->pid, SIGKILL);
            }

            continue;
        }

        p->signo = SIGKILL;
    }
}


static hx_cycle_t *
hx_master_reload(hx_cycle_t *cycle)
{
    hx_cycle_t      *new;
    hx_core_conf_t  *ccf;

    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);

    if (hx_new_binary) {

        /*
         * An upgrade is under way: HUP brings this old master's workers
         * back with the configuration it has (the rollback), as nginx.
         */

        hx_start_worker_processes(cycle, ccf->worker_processes,
                                  HX_PROCESS_RESPAWN);
        hx_noaccepting = 0;
        hx_capture_len = 0;
        hx_reload_verdict(cycle, 1);

        return cycle;
    }

    hx_log_error(HX_LOG_NOTICE, cycle->log, 0, "reconfiguring");

    new = hx_reload_cycle(cycle);

    if (new == NULL) {
        hx_reload_verdict(cycle, 0);
        return cycle;
    }

    hx_cycle = new;

    hx_cancel_respawns();

    hx_adopt_cycle(new, cycle);

    ccf = (hx_core_conf_t *) hx_get_conf(new->conf_ctx, hx_core_module);

    hx_start_worker_processes(new, ccf->worker_processes,
                              HX_PROCESS_JUST_RESPAWN);

    hx_signal_worker_processes(new, HX_CMD_QUIT);

    hx_reload_verdict(new, 1);

    return new;
}


/*
 * hx_init_cycle() with what it logs at warn and above captured for the
 * verdict: while it runs, stderr is a memfd and the log's terminal copy
 * (the "hanx: [emerg] ..." lines -t prints) is on.  When the error log
 * itself is stderr the lines went only to the memfd, so they are passed
 * on to the real stderr afterwards.
 */
static hx_cycle_t *
hx_reload_cycle(hx_cycle_t *cycle)
{
    int          mfd, saved;
    ssize_t      n;
    hx_cycle_t  *new;

    hx_capture_len = 0;

    saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    mfd = memfd_create("hanx-reload", MFD_CLOEXEC);

    if (saved == -1 || mfd == -1 || dup2(mfd, STDERR_FILENO) == -1) {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "could not capture the reload messages");

        if (saved != -1) {
            (void) close(saved);
        }

        if (mfd != -1) {
            (void) close(mfd);
        }

        return hx_init_cycle(cycle);
    }

    hx_use_stderr = 1;

    new = hx_init_cycle(cycle);

    hx_use_stderr = 0;

    (void) dup2(saved, STDERR_FILENO);
    (void) close(saved);

    n = pread(mfd, hx_capture, sizeof(hx_capture), 0);
    hx_capture_len = (n > 0) ? (size_t) n : 0;

    (void) close(mfd);

    if (hx_capture_len && cycle->log_use_stderr) {
        (void) hx_write_fd(STDERR_FILENO, hx_capture, hx_capture_len);
    }

    return new;
}


static void
hx_reload_verdict(hx_cycle_t *cycle, hx_uint_t ok)
{
    hx_str_t        *name;
    hx_core_conf_t  *ccf;

    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);

    name = hx_new_binary ? &ccf->oldpid : &ccf->pid;

    (void) hx_reload_status_write(name, ++hx_reload_generation, ok,
                                  hx_capture, hx_capture_len, cycle->log);
}


/*
 * The master switches to a new cycle: its event slots and log move over,
 * stderr follows the new error log, a moved pid file is rewritten, and
 * the old cycle, which nothing in the master uses any more, is freed.
 */
static void
hx_adopt_cycle(hx_cycle_t *cycle, hx_cycle_t *old)
{
    hx_uint_t        i;
    hx_listening_t  *ls;
    hx_core_conf_t  *ccf, *occf;

    hx_master_log = *cycle->log;

    if (hx_event_master_init(cycle) != HX_OK) {
        hx_log_error(HX_LOG_ALERT, cycle->log, 0,
                     "could not move the master's events to the new cycle");
    }

    (void) hx_log_redirect_stderr(cycle);

    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);
    occf = (hx_core_conf_t *) hx_get_conf(old->conf_ctx, hx_core_module);

    if (!hx_str_eq(&ccf->pid, &occf->pid)) {
        if (hx_create_pidfile(&ccf->pid, cycle->log) == HX_OK) {
            if (hx_delete_file(occf->pid.data) == -1) {
                hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                             "unlink() \"%s\" failed", occf->pid.data);
            }

            hx_reload_status_delete(&occf->pid, cycle->log);
        }
    }

    cycle->old_cycle = NULL;

    ls = cycle->listening.elts;
    for (i = 0; i < cycle->listening.nelts; i++) {
        ls[i].previous = NULL;
    }

    hx_destroy_pool(old->pool);
}


static void
hx_master_reopen(hx_cycle_t *cycle)
{
    hx_core_conf_t  *ccf;

    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);

    hx_log_error(HX_LOG_NOTICE, cycle->log, 0, "reopening logs");

    /* the workers reopen next; the files must be theirs to write */

    hx_reopen_files(cycle, geteuid() == 0 ? ccf->user : (uid_t) -1);

    hx_master_log = *cycle->log;

    hx_signal_worker_processes(cycle, HX_CMD_REOPEN);
}


/* ---- master_process off ----------------------------------------------- */


static int
hx_single_process_cycle(hx_cycle_t *cycle)
{
    if (hx_set_environment(cycle, NULL) == NULL) {
        hx_delete_pidfile(cycle);
        return 1;
    }

    /* init_process builds the event loop; ha's init_master then joins it */

    if (hx_modules_init_process(cycle) != HX_OK
        || hx_single_watch_signals(cycle) != HX_OK
        || hx_modules_init_master(cycle) != HX_OK)
    {
        hx_delete_pidfile(cycle);
        return 1;
    }

    for ( ;; ) {

        hx_process_events_and_timers(cycle);

        cycle = (hx_cycle_t *) hx_cycle;

        if (hx_sigchld) {
            hx_sigchld = 0;
            hx_process_get_status();
        }

        if (hx_terminate || hx_quit) {
            hx_modules_exit_process(cycle);
            hx_modules_exit_master(cycle);
            hx_delete_pidfile(cycle);
            hx_log_error(HX_LOG_NOTICE, cycle->log, 0, "exit");
            return 0;
        }

        if (hx_reconfigure) {
            hx_reconfigure = 0;
            hx_single_reload(cycle);
        }

        if (hx_reopen) {
            hx_reopen = 0;
            hx_log_error(HX_LOG_NOTICE, cycle->log, 0, "reopening logs");
            hx_reopen_files(cycle, (uid_t) -1);
            hx_master_log = *cycle->log;
        }
    }
}


static hx_int_t
hx_single_watch_signals(hx_cycle_t *cycle)
{
    hx_master_log = *cycle->log;

    hx_signal_conn = hx_event_add_fd(hx_signal_fd, hx_signalfd_handler,
                                     NULL, &hx_master_log);
    if (hx_signal_conn == NULL) {
        return HX_ERROR;
    }

    hx_signal_conn->read->channel = 1;

    return HX_OK;
}


/*
 * A reload without workers: the process itself moves to the new cycle
 * and runs init_process again for it.  Connections still open on the old
 * cycle keep their memory, so the old cycle is kept in hx_old_cycles
 * rather than freed (a debugging mode; nginx keeps them too).
 */
static void
hx_single_reload(hx_cycle_t *cycle)
{
    hx_cycle_t   *new, **old;

    hx_log_error(HX_LOG_NOTICE, cycle->log, 0, "reconfiguring");

    new = hx_reload_cycle(cycle);

    if (new == NULL) {
        hx_reload_verdict(cycle, 0);
        return;
    }

    if (hx_old_cycles_pool == NULL) {
        hx_old_cycles_pool = hx_create_pool(1024, cycle->log);

        if (hx_old_cycles_pool == NULL
            || hx_array_init(&hx_old_cycles, hx_old_cycles_pool, 4,
                             sizeof(hx_cycle_t *))
               != HX_OK)
        {
            hx_old_cycles_pool = NULL;
        }
    }

    if (hx_old_cycles_pool) {
        old = hx_array_push(&hx_old_cycles);
        if (old) {
            *old = cycle;
        }
    }

    hx_event_del_fd(hx_signal_conn);
    hx_signal_conn = NULL;

    hx_cycle = new;

    (void) hx_log_redirect_stderr(new);

    if (hx_modules_init_process(new) != HX_OK
        || hx_single_watch_signals(new) != HX_OK)
    {
        hx_log_error(HX_LOG_ALERT, new->log, 0,
                     "could not start serving the new configuration");
    }

    hx_reload_verdict(new, 1);
}

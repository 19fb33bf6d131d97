/*
 * A worker's life, from fork to exit.  The worker closes what belongs to
 * the master (its event slots, the other workers' channels), restores
 * the signal mask, applies the worker limits, drops privileges when the
 * master is root, runs init_process and loops until told to quit
 * (graceful: stop accepting, let the timers of live connections run out,
 * bounded by worker_shutdown_timeout) or terminate.
 *
 * Commands come through the channel; signals sent to the worker itself
 * (nginx allows kill -QUIT to one worker) are caught by an ordinary
 * handler that sets the flag and writes to a self-pipe, so a signal
 * always wakes the loop even if it lands just before epoll_wait().
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_channel.h>
#include <hx_process.h>

#include <sys/prctl.h>


/* what the signal handler passes through the self-pipe */
typedef struct {
    int                  signo;
    pid_t                pid;
} hx_signal_msg_t;


static void hx_worker_process_init(hx_cycle_t *cycle, hx_uint_t worker);
static void hx_worker_drop_privileges(hx_cycle_t *cycle,
    hx_core_conf_t *ccf);
static void hx_worker_close_master_fds(hx_cycle_t *cycle);
static hx_int_t hx_worker_init_signals(hx_cycle_t *cycle);
static void hx_worker_signal(int signo, siginfo_t *si, void *ctx);
static void hx_worker_pipe_handler(hx_event_t *ev);
static void hx_worker_pipe_drain(void);
static void hx_channel_handler(hx_event_t *ev);
static void hx_worker_process_exit(hx_cycle_t *cycle);
static void hx_shutdown_timer_handler(hx_event_t *ev);


hx_uint_t          hx_exiting;

static int         hx_worker_pipe[2] = { -1, -1 };
static hx_uint_t   hx_shutdown_expired;
static hx_event_t  hx_shutdown_event;


void
hx_worker_process_cycle(hx_cycle_t *cycle, void *data)
{
    hx_uint_t  worker = (hx_uint_t) (intptr_t) data;

    hx_process = HX_PROCESS_WORKER;
    hx_worker = worker;

    hx_worker_process_init(cycle, worker);

    hx_setproctitle("worker process");

    for ( ;; ) {

        if (hx_exiting
            && (hx_shutdown_expired || hx_event_no_timers_left() == HX_OK))
        {
            hx_log_error(HX_LOG_NOTICE, cycle->log, 0, "exiting");
            hx_worker_process_exit(cycle);
        }

        hx_process_events_and_timers(cycle);

        if (hx_terminate || hx_quit || hx_reopen) {
            hx_worker_pipe_drain();
        }

        if (hx_terminate) {
            hx_log_error(HX_LOG_NOTICE, cycle->log, 0, "exiting");
            hx_worker_process_exit(cycle);
        }

        if (hx_quit) {
            hx_quit = 0;

            hx_log_error(HX_LOG_NOTICE, cycle->log, 0,
                         "gracefully shutting down");

            hx_setproctitle("worker process is shutting down");

            if (!hx_exiting) {
                hx_exiting = 1;
                hx_set_shutdown_timer(cycle);
                hx_close_listening_sockets(cycle);
                hx_close_idle_connections(cycle);
            }
        }

        if (hx_reopen) {
            hx_reopen = 0;
            hx_log_error(HX_LOG_NOTICE, cycle->log, 0, "reopening logs");
            hx_reopen_files(cycle, (uid_t) -1);
        }
    }
}


/*
 * Everything between fork and serving.  A failure that leaves the worker
 * unable to serve exits with HX_PROCESS_FATAL_EXIT, which the master
 * does not respawn (it would fail the same way).
 */
static void
hx_worker_process_init(hx_cycle_t *cycle, hx_uint_t worker)
{
    hx_int_t          n;
    cpu_set_t        *cpu;
    hx_connection_t  *c;
    hx_core_conf_t   *ccf;

    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);

    hx_worker_close_master_fds(cycle);

    if (hx_set_environment(cycle, NULL) == NULL) {
        exit(HX_PROCESS_FATAL_EXIT);
    }

    if (ccf->priority != 0
        && setpriority(PRIO_PROCESS, 0, ccf->priority) == -1)
    {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "setpriority(%d) failed", ccf->priority);
    }

    (void) hx_set_rlimits(cycle);

    hx_worker_drop_privileges(cycle, ccf);

    cpu = hx_get_cpu_affinity(worker);

    if (cpu && sched_setaffinity(0, sizeof(cpu_set_t), cpu) == -1) {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "sched_setaffinity() failed");
    }

    if (ccf->working_directory.len
        && chdir((char *) ccf->working_directory.data) == -1)
    {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "chdir(\"%s\") failed", ccf->working_directory.data);
        exit(HX_PROCESS_FATAL_EXIT);
    }

    if (hx_worker_init_signals(cycle) != HX_OK) {
        exit(HX_PROCESS_FATAL_EXIT);
    }

    /*
     * Keep our own end of our channel only.  Our slot is dealt with
     * apart: the master fills in its pid and counts it in
     * hx_last_process only after fork, so in here it still looks unused,
     * and keeping the master's end open would hide the master's death.
     */

    if (hx_processes[hx_process_slot].channel[0] != -1) {
        (void) close(hx_processes[hx_process_slot].channel[0]);
        hx_processes[hx_process_slot].channel[0] = -1;
    }

    for (n = 0; n < hx_last_process; n++) {

        if (n == hx_process_slot
            || hx_processes[n].pid == HX_INVALID_PID)
        {
            continue;
        }

        hx_close_channel(hx_processes[n].channel, cycle->log);
    }

    hx_event_worker = worker;

    if (hx_modules_init_process(cycle) != HX_OK) {
        exit(HX_PROCESS_FATAL_EXIT);
    }

    c = hx_event_add_fd(hx_processes[hx_process_slot].channel[1],
                        hx_channel_handler, NULL, cycle->log);
    if (c == NULL) {
        exit(HX_PROCESS_FATAL_EXIT);
    }

    c->read->channel = 1;

    /*
     * Without a slot for the self-pipe the worker still works: commands
     * come through the channel, and a signal interrupts epoll_wait().
     */

    c = hx_event_add_fd(hx_worker_pipe[0], hx_worker_pipe_handler, NULL,
                        cycle->log);
    if (c) {
        c->read->channel = 1;
    }
}


/*
 * The master runs as root so that it can bind low ports, manage VIPs and
 * reopen logs; the workers that parse client input must not.  Group
 * first, while we still may change it.
 */
static void
hx_worker_drop_privileges(hx_cycle_t *cycle, hx_core_conf_t *ccf)
{
    if (geteuid() != 0 || ccf->user == (uid_t) HX_CONF_UNSET_UINT) {
        return;
    }

    if (setgid(ccf->group) == -1) {
        hx_log_error(HX_LOG_EMERG, cycle->log, hx_errno,
                     "setgid(%d) failed", (int) ccf->group);
        exit(HX_PROCESS_FATAL_EXIT);
    }

    if (initgroups(ccf->username, ccf->group) == -1) {
        hx_log_error(HX_LOG_EMERG, cycle->log, hx_errno,
                     "initgroups(%s, %d) failed",
                     ccf->username, (int) ccf->group);
        exit(HX_PROCESS_FATAL_EXIT);
    }

    if (setuid(ccf->user) == -1) {
        hx_log_error(HX_LOG_EMERG, cycle->log, hx_errno,
                     "setuid(%d) failed", (int) ccf->user);
        exit(HX_PROCESS_FATAL_EXIT);
    }

    /* a setuid process does not dump core unless told it may */

    if (ccf->rlimit_core != HX_CONF_UNSET
        && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == -1)
    {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "prctl(PR_SET_DUMPABLE) failed");
    }
}


/*
 * The master's event slots hold only the master's descriptors (signalfd,
 * the ha module's sockets, health checks): a worker closes them all and
 * drops the master's event state before building its own.
 */
static void
hx_worker_close_master_fds(hx_cycle_t *cycle)
{
    hx_uint_t         i;
    hx_connection_t  *c;

    c = cycle->connections;

    for (i = 0; c && i < cycle->connection_n; i++) {
        if (c[i].fd != -1) {
            (void) close(c[i].fd);
            c[i].fd = -1;
        }
    }

    if (c) {
        hx_event_process_done(cycle);
    }
}


static hx_int_t
hx_worker_init_signals(hx_cycle_t *cycle)
{
    sigset_t          set;
    struct sigaction  sa;

    if (pipe2(hx_worker_pipe, O_NONBLOCK|O_CLOEXEC) == -1) {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno, "pipe2() failed");
        return HX_ERROR;
    }

    hx_memzero(&sa, sizeof(struct sigaction));
    sigemptyset(&sa.sa_mask);

    sa.sa_sigaction = hx_worker_signal;
    sa.sa_flags = SA_SIGINFO|SA_RESTART;

    if (sigaction(SIGQUIT, &sa, NULL) == -1
        || sigaction(SIGTERM, &sa, NULL) == -1
        || sigaction(SIGINT, &sa, NULL) == -1
        || sigaction(SIGUSR1, &sa, NULL) == -1)
    {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "sigaction() failed");
        return HX_ERROR;
    }

    /* reload, upgrade and WINCH are the master's business */

    hx_memzero(&sa, sizeof(struct sigaction));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = SIG_IGN;

    if (sigaction(SIGHUP, &sa, NULL) == -1
        || sigaction(SIGUSR2, &sa, NULL) == -1
        || sigaction(SIGWINCH, &sa, NULL) == -1)
    {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "sigaction() failed");
        return HX_ERROR;
    }

    sa.sa_handler = SIG_DFL;

    (void) sigaction(SIGCHLD, &sa, NULL);

    sigemptyset(&set);

    if (sigprocmask(SIG_SETMASK, &set, NULL) == -1) {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "sigprocmask() failed");
        return HX_ERROR;
    }

    return HX_OK;
}


/* async-signal context: a flag and a write(2) that wakes the loop */
static void
hx_worker_signal(int signo, siginfo_t *si, void *ctx)
{
    int              err;
    ssize_t          n;
    hx_signal_msg_t  msg;

    (void) ctx;

    err = errno;

    (void) hx_signal_action(signo);

    msg.signo = signo;
    msg.pid = si ? si->si_pid : 0;

    n = write(hx_worker_pipe[1], &msg, sizeof(hx_signal_msg_t));
    (void) n;

    errno = err;
}


static void
hx_worker_pipe_handler(hx_event_t *ev)
{
    (void) ev;

    hx_worker_pipe_drain();
}


/*
 * Logs the signals the handler noted (it has set the flags already).
 * The loop also calls this before acting on a flag, so that the line
 * appears even when the worker leaves before the pipe is polled.
 */
static void
hx_worker_pipe_drain(void)
{
    ssize_t          n;
    hx_signal_msg_t  msg;

    if (hx_worker_pipe[0] == -1) {
        return;
    }

    for ( ;; ) {
        n = read(hx_worker_pipe[0], &msg, sizeof(hx_signal_msg_t));

        if (n == (ssize_t) sizeof(hx_signal_msg_t)) {
            hx_signal_log(msg.signo, msg.pid, msg.signo == SIGQUIT
                          ? ", shutting down" : msg.signo == SIGUSR1
                          ? ", reopening" : ", exiting");
            continue;
        }

        if (n == -1 && hx_errno == EINTR) {
            continue;
        }

        return;
    }
}


static void
hx_channel_handler(hx_event_t *ev)
{
    hx_fd_t           fd;
    hx_int_t          rc;
    hx_channel_t      ch;
    hx_connection_t  *c;

    c = ev->data;

    for ( ;; ) {

        rc = hx_read_channel(c->fd, &ch, ev->log);

        if (rc == HX_AGAIN) {
            return;
        }

        if (rc == HX_ERROR || rc == HX_DONE) {

            if (rc == HX_DONE && !hx_exiting && !hx_terminate) {
                /* every master tells its workers before it goes */
                hx_log_error(HX_LOG_ALERT, ev->log, 0,
                             "the master process is gone, "
                             "shutting down");
            }

            fd = c->fd;
            hx_event_del_fd(c);
            (void) close(fd);

            if (!hx_exiting) {
                hx_quit = 1;
            }

            return;
        }

        if (ch.fd != -1) {
            (void) close(ch.fd);
        }

        switch (ch.command) {

        case HX_CMD_QUIT:
            hx_quit = 1;
            break;

        case HX_CMD_TERMINATE:
            hx_terminate = 1;
            break;

        case HX_CMD_REOPEN:
            hx_reopen = 1;
            break;
        }
    }
}


static void
hx_worker_process_exit(hx_cycle_t *cycle)
{
    hx_modules_exit_process(cycle);

    hx_log_error(HX_LOG_NOTICE, cycle->log, 0, "exit");

    exit(0);
}


void
hx_set_shutdown_timer(hx_cycle_t *cycle)
{
    hx_core_conf_t  *ccf;

    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);

    if (ccf->shutdown_timeout == 0) {
        return;
    }

    hx_shutdown_event.handler = hx_shutdown_timer_handler;
    hx_shutdown_event.data = cycle;
    hx_shutdown_event.log = cycle->log;

    /* the deadline itself must not keep the worker alive */
    hx_shutdown_event.cancelable = 1;

    hx_add_timer(&hx_shutdown_event, ccf->shutdown_timeout);
}


/* worker_shutdown_timeout expired: close what is still open */
static void
hx_shutdown_timer_handler(hx_event_t *ev)
{
    hx_uint_t         i;
    hx_cycle_t       *cycle;
    hx_connection_t  *c;

    cycle = ev->data;
    c = cycle->connections;

    for (i = 0; c && i < cycle->connection_n; i++) {

        if (c[i].fd == -1 || c[i].read == NULL || c[i].read->accept
            || c[i].read->channel || c[i].read->handler == NULL)
        {
            continue;
        }

        hx_log_debug(HX_LOG_DEBUG_CORE, ev->log, 0,
                     "*%uL shutdown timeout", c[i].number);

        c[i].close = 1;
        c[i].error = 1;

        c[i].read->handler(c[i].read);
    }

    /*
     * A handler that did not close its connection (one busy writing, say)
     * must not stretch the bound: the worker leaves now and the kernel
     * closes what is left.
     */

    hx_shutdown_expired = 1;
}

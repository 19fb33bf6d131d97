/*
 * Spawning and reaping the master's children.  The table is a fixed
 * array, as nginx's: workers are few, slots are reused, and a respawned
 * worker keeps its slot (so its channel index and back-off history stay
 * put).  Reaping only records and logs; hx_process_cycle.c decides
 * whether to respawn, because that depends on what the master is doing
 * (reloading, quitting, upgrading).
 *
 * The master reaps with waitpid(-1), so children that other modules spawn
 * (the ha module's health-check scripts) would be reaped here too; such a
 * module registers the pid with hx_process_watch() and gets the status
 * back from the loop.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_channel.h>
#include <hx_process.h>


#define HX_MAX_WATCHED  256


typedef struct {
    pid_t              pid;
    hx_child_exit_pt   handler;
    void              *data;
} hx_watched_t;


static void hx_process_log_exit(hx_process_t *p, pid_t pid, int status);
static hx_int_t hx_process_watched(pid_t pid, int status);


hx_process_t   hx_processes[HX_MAX_PROCESSES];
hx_int_t       hx_process_slot = -1;
hx_int_t       hx_last_process;
hx_uint_t      hx_process_reaped;

static hx_watched_t  hx_watched[HX_MAX_WATCHED];


hx_int_t
hx_spawn_process(hx_cycle_t *cycle, hx_spawn_proc_pt proc, void *data,
    char *name, hx_int_t respawn)
{
    pid_t          pid;
    hx_int_t       s;
    hx_process_t  *p;

    if (respawn >= 0) {
        s = respawn;

    } else {
        for (s = 0; s < hx_last_process; s++) {
            if (hx_processes[s].pid == HX_INVALID_PID
                && !hx_processes[s].waiting)
            {
                break;
            }
        }

        if (s == HX_MAX_PROCESSES) {
            hx_log_error(HX_LOG_ALERT, cycle->log, 0,
                         "no more than %d processes can be spawned",
                         HX_MAX_PROCESSES);
            return HX_INVALID_PID;
        }

        hx_processes[s].fails = 0;
    }

    p = &hx_processes[s];

    p->channel[0] = -1;
    p->channel[1] = -1;

    if (respawn != HX_PROCESS_DETACHED
        && hx_open_channel(p->channel, cycle->log) != HX_OK)
    {
        return HX_INVALID_PID;
    }

    hx_process_slot = s;

    pid = fork();

    switch (pid) {

    case -1:
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "fork() failed while spawning \"%s\"", name);
        hx_close_channel(p->channel, cycle->log);
        return HX_INVALID_PID;

    case 0:
        hx_parent = hx_pid;
        hx_pid = getpid();
        proc(cycle, data);

        /* proc never returns; if it did, the child must not go on */
        exit(0);

    default:
        break;
    }

    hx_log_error(HX_LOG_NOTICE, cycle->log, 0, "start %s %P", name, pid);

    p->pid = pid;
    p->status = 0;
    p->signo = 0;
    p->exited = 0;
    p->exiting = 0;
    p->waiting = 0;
    p->start = hx_current_msec;

    if (respawn >= 0) {
        return s;
    }

    p->proc = proc;
    p->data = data;
    p->name = name;

    p->respawn = 0;
    p->just_spawn = 0;
    p->detached = 0;

    switch (respawn) {

    case HX_PROCESS_RESPAWN:
        p->respawn = 1;
        break;

    case HX_PROCESS_JUST_SPAWN:
        p->just_spawn = 1;
        break;

    case HX_PROCESS_JUST_RESPAWN:
        p->respawn = 1;
        p->just_spawn = 1;
        break;

    case HX_PROCESS_DETACHED:
        p->detached = 1;
        break;
    }

    if (s == hx_last_process) {
        hx_last_process++;
    }

    return s;
}


void
hx_process_get_status(void)
{
    int        status;
    pid_t      pid;
    hx_err_t   err;
    hx_int_t   i;

    for ( ;; ) {
        pid = waitpid(-1, &status, WNOHANG);

        if (pid == 0) {
            return;
        }

        if (pid == -1) {
            err = hx_errno;

            if (err == EINTR) {
                continue;
            }

            if (err != ECHILD) {
                hx_log_error(HX_LOG_ALERT, hx_cycle->log, err,
                             "waitpid() failed");
            }

            return;
        }

        for (i = 0; i < hx_last_process; i++) {
            if (hx_processes[i].pid == pid && !hx_processes[i].exited) {
                break;
            }
        }

        if (i == hx_last_process) {
            if (hx_process_watched(pid, status) != HX_OK) {
                hx_process_log_exit(NULL, pid, status);
            }

            continue;
        }

        hx_processes[i].status = status;
        hx_processes[i].exited = 1;
        hx_process_reaped = 1;

        hx_process_log_exit(&hx_processes[i], pid, status);
    }
}


/*
 * nginx's wording.  A signal we did not send means a crash or a human
 * with kill -9: that needs attention (alert).  Exiting on the signal we
 * sent, or with a status, is the normal course (notice).
 */
static void
hx_process_log_exit(hx_process_t *p, pid_t pid, int status)
{
    int         signo;
    char       *name;
    hx_uint_t   level;

    name = p ? p->name : "unknown process";

    if (WIFSIGNALED(status)) {
        signo = WTERMSIG(status);
        level = (p && p->signo == signo) ? HX_LOG_NOTICE : HX_LOG_ALERT;

        hx_log_error(level, hx_cycle->log, 0,
                     "%s %P exited on signal %d%s", name, pid, signo,
                     WCOREDUMP(status) ? " (core dumped)" : "");
        return;
    }

    hx_log_error(HX_LOG_NOTICE, hx_cycle->log, 0,
                 "%s %P exited with code %d", name, pid,
                 WEXITSTATUS(status));

    if (p && WEXITSTATUS(status) == HX_PROCESS_FATAL_EXIT && p->respawn) {
        hx_log_error(HX_LOG_ALERT, hx_cycle->log, 0,
                     "%s %P exited with fatal code %d "
                     "and cannot be respawned",
                     name, pid, WEXITSTATUS(status));
        p->respawn = 0;
    }
}


void
hx_process_free_slot(hx_int_t slot)
{
    hx_process_t  *p;

    p = &hx_processes[slot];

    hx_close_channel(p->channel, hx_cycle->log);

    p->pid = HX_INVALID_PID;
    p->exited = 0;
    p->waiting = 0;
    p->exiting = 0;

    while (hx_last_process > 0
           && hx_processes[hx_last_process - 1].pid == HX_INVALID_PID
           && !hx_processes[hx_last_process - 1].waiting)
    {
        hx_last_process--;
    }
}


hx_msec_t
hx_process_backoff(hx_uint_t *fails, hx_msec_t lived)
{
    hx_msec_t  delay;
    hx_uint_t  n;

    if (lived >= HX_RESPAWN_RESET) {
        *fails = 0;
    }

    if (lived >= HX_RESPAWN_QUICK) {
        return 0;
    }

    n = (*fails)++;

    if (n == 0) {
        return 0;
    }

    delay = HX_RESPAWN_FIRST_DELAY;

    while (--n && delay < HX_RESPAWN_MAX_DELAY) {
        delay *= 2;
    }

    return hx_min(delay, (hx_msec_t) HX_RESPAWN_MAX_DELAY);
}


hx_int_t
hx_process_watch(pid_t pid, hx_child_exit_pt handler, void *data)
{
    hx_uint_t  i;

    for (i = 0; i < HX_MAX_WATCHED; i++) {
        if (hx_watched[i].pid == 0) {
            hx_watched[i].pid = pid;
            hx_watched[i].handler = handler;
            hx_watched[i].data = data;
            return HX_OK;
        }
    }

    return HX_ERROR;
}


static hx_int_t
hx_process_watched(pid_t pid, int status)
{
    hx_uint_t      i;
    hx_watched_t   w;

    for (i = 0; i < HX_MAX_WATCHED; i++) {
        if (hx_watched[i].pid == pid) {
            w = hx_watched[i];
            hx_watched[i].pid = 0;

            w.handler(pid, status, w.data);
            return HX_OK;
        }
    }

    return HX_DECLINED;
}

/*
 * Running vrrp_script checks and notify scripts (see hx_ha_script.h).
 *
 * fork() and exec, and the master goes back to its loop at once.  The
 * master reaps every child with waitpid(-1); a pid registered with
 * hx_process_watch() comes back to hx_ha_proc_exit() with its status.
 * The child gets a process group of its own so that a timeout can kill
 * the script and whatever it started, as keepalived does, and an empty
 * signal mask, since the master blocks the signals it reads from a
 * signalfd.  User and group are looked up in the parent: only
 * async-signal-safe calls happen between fork() and exec.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_process.h>
#include <hx_ha.h>
#include <hx_ha_script.h>

#include <grp.h>
#include <pwd.h>


#define HX_HA_PROC_RUNNING   0
#define HX_HA_PROC_TERM      1
#define HX_HA_PROC_KILL      2

#define HX_HA_PROC_MAX_ARGS  64


struct hx_ha_proc_s {
    pid_t                pid;
    hx_uint_t            state;
    hx_uint_t            timed_out;
    hx_event_t           timer;
    hx_ha_proc_done_pt   done;
    void                *data;
    hx_log_t            *log;
    char                 name[64];
};


static void hx_ha_proc_exit(pid_t pid, int status, void *data);
static void hx_ha_proc_timeout(hx_event_t *ev);
static void hx_ha_proc_child(char **argv, uid_t uid, gid_t gid,
    hx_uint_t setid);


hx_ha_proc_t *
hx_ha_spawn(hx_ha_cmd_t *cmd, char **extra, hx_str_t *user, hx_str_t *group,
    hx_msec_t timeout, hx_ha_proc_done_pt done, void *data, hx_log_t *log)
{
    char           *argv[HX_HA_PROC_MAX_ARGS + 1];
    uid_t           uid;
    gid_t           gid;
    pid_t           pid;
    hx_uint_t       n, setid;
    hx_ha_proc_t   *p;
    struct group   *gr;
    struct passwd  *pw;

    for (n = 0; cmd->argv[n] && n < HX_HA_PROC_MAX_ARGS; n++) {
        argv[n] = cmd->argv[n];
    }

    while (extra && *extra && n < HX_HA_PROC_MAX_ARGS) {
        argv[n++] = *extra++;
    }

    argv[n] = NULL;

    uid = 0;
    gid = 0;
    setid = 0;

    if (user && user->len) {
        pw = getpwnam((char *) user->data);
        if (pw == NULL) {
            hx_log_error(HX_LOG_ERR, log, 0, "user \"%V\" of \"%V\" "
                         "does not exist", user, &cmd->text);
            return NULL;
        }

        uid = pw->pw_uid;
        gid = pw->pw_gid;
        setid = 1;

        if (group && group->len) {
            gr = getgrnam((char *) group->data);
            if (gr == NULL) {
                hx_log_error(HX_LOG_ERR, log, 0, "group \"%V\" of \"%V\" "
                             "does not exist", group, &cmd->text);
                return NULL;
            }

            gid = gr->gr_gid;
        }
    }

    p = hx_calloc(sizeof(hx_ha_proc_t), log);
    if (p == NULL) {
        return NULL;
    }

    p->done = done;
    p->data = data;
    p->log = log;
    (void) hx_cpystrn((uint8_t *) p->name, (uint8_t *) argv[0],
                      sizeof(p->name));

    pid = fork();

    if (pid == -1) {
        hx_log_error(HX_LOG_ALERT, log, hx_errno, "fork() of \"%V\" failed",
                     &cmd->text);
        hx_free(p);
        return NULL;
    }

    if (pid == 0) {
        hx_ha_proc_child(argv, uid, gid, setid);
    }

    p->pid = pid;

    if (hx_process_watch(pid, hx_ha_proc_exit, p) != HX_OK) {
        hx_log_error(HX_LOG_ALERT, log, 0, "too many scripts running, "
                     "the result of \"%V\" is lost", &cmd->text);

        /* it will be reaped as an unknown child */
        hx_free(p);
        return NULL;
    }

    hx_log_debug(HX_LOG_DEBUG_HA, log, 0, "script \"%V\" started, pid %P",
                 &cmd->text, pid);

    if (timeout) {
        p->timer.handler = hx_ha_proc_timeout;
        p->timer.data = p;
        p->timer.log = log;
        hx_event_add_timer(&p->timer, timeout);
    }

    return p;
}


/* between fork() and exec: async-signal-safe calls only */
static void
hx_ha_proc_child(char **argv, uid_t uid, gid_t gid, hx_uint_t setid)
{
    int       fd, sig;
    sigset_t  set;

    (void) setsid();

    for (sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) {
            (void) signal(sig, SIG_DFL);
        }
    }

    (void) sigemptyset(&set);
    (void) sigprocmask(SIG_SETMASK, &set, NULL);

    fd = open("/dev/null", O_RDWR);

    if (fd != -1) {
        (void) dup2(fd, STDIN_FILENO);
        (void) dup2(fd, STDOUT_FILENO);
        (void) dup2(fd, STDERR_FILENO);

        if (fd > STDERR_FILENO) {
            (void) close(fd);
        }
    }

    if (setid) {
        if (setgroups(1, &gid) == -1 || setgid(gid) == -1
            || setuid(uid) == -1)
        {
            _exit(126);
        }
    }

    (void) execvp(argv[0], argv);

    _exit(127);
}


void
hx_ha_proc_detach(hx_ha_proc_t *p)
{
    p->done = NULL;
    p->data = NULL;
}


static void
hx_ha_proc_exit(pid_t pid, int status, void *data)
{
    hx_ha_proc_t  *p = data;

    (void) pid;

    if (p->timer.timer_set) {
        hx_event_del_timer(&p->timer);
    }

    /* a script killed on timeout may have left children behind */
    if (p->timed_out) {
        (void) kill(-p->pid, SIGKILL);
    }

    if (p->done) {
        p->done(p->data, status, p->timed_out);
    }

    hx_free(p);
}


static void
hx_ha_proc_timeout(hx_event_t *ev)
{
    int            sig;
    hx_ha_proc_t  *p = ev->data;

    p->timed_out = 1;

    if (p->state == HX_HA_PROC_RUNNING) {
        hx_log_error(HX_LOG_WARN, p->log, 0,
                     "script \"%s\" (pid %P) timed out, terminating it",
                     p->name, p->pid);
        p->state = HX_HA_PROC_TERM;
        sig = SIGTERM;

    } else {
        p->state = HX_HA_PROC_KILL;
        sig = SIGKILL;
    }

    if (kill(-p->pid, sig) == -1 && hx_errno != ESRCH) {
        hx_log_error(HX_LOG_ALERT, p->log, hx_errno,
                     "kill(-%P, %d) failed", p->pid, sig);
    }

    hx_event_add_timer(&p->timer, 2000);
}


uint8_t *
hx_ha_proc_status(uint8_t *buf, uint8_t *last, int status)
{
    if (WIFSIGNALED(status)) {
        return hx_slprintf(buf, last, "killed by signal %d",
                           WTERMSIG(status));
    }

    return hx_slprintf(buf, last, "exited with code %d",
                       WEXITSTATUS(status));
}

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
#include <hx_ha_runtime.h>

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
    hx_uint_t setid, int maxfd);
static void hx_ha_script_run(hx_event_t *ev);
static void hx_ha_script_done(void *data, int status, hx_uint_t timed_out);


hx_ha_proc_t *
hx_ha_spawn(hx_ha_cmd_t *cmd, char **extra, hx_str_t *user, hx_str_t *group,
    hx_msec_t timeout, hx_ha_proc_done_pt done, void *data, hx_log_t *log)
{
    char           *argv[HX_HA_PROC_MAX_ARGS + 1];
    int             maxfd;
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

    maxfd = (int) sysconf(_SC_OPEN_MAX);

    if (maxfd == -1 || maxfd > 65536) {
        maxfd = 65536;
    }

    pid = fork();

    if (pid == -1) {
        hx_log_error(HX_LOG_ALERT, log, hx_errno, "fork() of \"%V\" failed",
                     &cmd->text);
        hx_free(p);
        return NULL;
    }

    if (pid == 0) {
        hx_ha_proc_child(argv, uid, gid, setid, maxfd);
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


/*
 * Between fork() and exec: async-signal-safe calls only.  Every
 * descriptor above stderr is closed, so that a script outliving the
 * master (a notify script, a hung check) holds no listening socket.
 */
static void
hx_ha_proc_child(char **argv, uid_t uid, gid_t gid, hx_uint_t setid,
    int maxfd)
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

    for (fd = STDERR_FILENO + 1; fd < maxfd; fd++) {
        (void) close(fd);
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


/* ---- vrrp_script checks and notify scripts ---- */


hx_ha_script_t *
hx_ha_script_create(hx_ha_script_conf_t *conf)
{
    hx_ha_script_t  *sc;

    sc = hx_calloc(sizeof(hx_ha_script_t), &hx_ha_log);
    if (sc == NULL) {
        return NULL;
    }

    sc->conf = conf;
    sc->log = hx_ha_log;

    /* keepalived: one success is enough to come up, unless init_fail */
    sc->state = conf->init_fail ? HX_HA_SCRIPT_DOWN : HX_HA_SCRIPT_INIT;
    sc->result = conf->init_fail ? 0 : conf->rise - 1;
    sc->last_status = -1;

    sc->timer.handler = hx_ha_script_run;
    sc->timer.data = sc;
    sc->timer.log = &hx_ha_log;

    return sc;
}


void
hx_ha_script_stop(hx_ha_script_t *sc)
{
    hx_queue_remove(&sc->queue);

    if (sc->timer.timer_set) {
        hx_event_del_timer(&sc->timer);
    }

    if (sc->proc) {
        hx_ha_proc_detach(sc->proc);
    }

    hx_free(sc);
}


hx_ha_script_t *
hx_ha_script_find(hx_str_t *name)
{
    hx_queue_t      *q;
    hx_ha_script_t  *sc;

    for (q = hx_queue_head(&hx_ha_scripts);
         q != hx_queue_sentinel(&hx_ha_scripts);
         q = hx_queue_next(q))
    {
        sc = hx_queue_data(q, hx_ha_script_t, queue);

        if (hx_str_eq(&sc->conf->name, name)) {
            return sc;
        }
    }

    return NULL;
}


static void
hx_ha_script_run(hx_event_t *ev)
{
    hx_str_t        *user, *group;
    hx_ha_script_t  *sc = ev->data;

    ev->timedout = 0;

    hx_event_add_timer(&sc->timer, sc->conf->interval);

    if (sc->proc) {
        /* still running: its timeout will end it */
        return;
    }

    user = sc->conf->user.len ? &sc->conf->user : &hx_ha_hmcf->script_user;
    group = sc->conf->user.len ? &sc->conf->group
                               : &hx_ha_hmcf->script_group;

    sc->proc = hx_ha_spawn(sc->conf->script, NULL, user, group,
                           sc->conf->timeout, hx_ha_script_done, sc,
                           &hx_ha_log);
}


/* keepalived's rise/fall counter (vrrp_script_child_thread) */
static void
hx_ha_script_done(void *data, int status, hx_uint_t timed_out)
{
    hx_uint_t        ok, old;
    hx_queue_t      *q;
    hx_ha_vr_t      *vr;
    hx_ha_script_t  *sc = data;
    hx_ha_script_conf_t  *c = sc->conf;

    sc->proc = NULL;
    hx_ha_log_refresh();

    ok = !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;

    if (!timed_out && WIFEXITED(status)
        && WEXITSTATUS(status) != sc->last_status)
    {
        hx_log_error(HX_LOG_INFO, &hx_ha_log, 0,
                     "Script `%V` now returning %d", &c->name,
                     WEXITSTATUS(status));
        sc->last_status = WEXITSTATUS(status);
    }

    old = sc->state;

    if (ok) {
        if (sc->result < c->rise - 1) {
            sc->result++;

        } else {
            sc->result = c->rise + c->fall - 1;
            sc->state = HX_HA_SCRIPT_UP;
        }

    } else {
        if (sc->result > c->rise) {
            sc->result--;

        } else {
            sc->result = 0;
            sc->state = HX_HA_SCRIPT_DOWN;
        }
    }

    if (sc->state == old) {
        return;
    }

    hx_log_error(HX_LOG_NOTICE, &hx_ha_log, 0, "VRRP_Script(%V) %s",
                 &c->name, sc->state == HX_HA_SCRIPT_UP ? "succeeded"
                           : (timed_out ? "timed_out" : "failed"));

    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = hx_queue_next(q))
    {
        vr = hx_queue_data(q, hx_ha_vr_t, queue);

        if (vr->fsm.state != HX_VRRP_INIT) {
            hx_ha_vr_track(vr);
        }
    }
}


void
hx_ha_run_notify(hx_ha_cmd_t *cmd, const char *kind, hx_str_t *name,
    hx_vrrp_state_e state, hx_uint_t priority)
{
    char          *extra[5], prio[HX_INT_T_LEN + 1], *n;
    hx_str_t      *user, *group;
    hx_ha_proc_t  *p;

    extra[0] = NULL;
    n = NULL;

    if (kind) {
        n = hx_alloc(name->len + 1, &hx_ha_log);
        if (n == NULL) {
            return;
        }

        hx_memcpy(n, name->data, name->len);
        n[name->len] = '\0';

        (void) hx_snprintf((uint8_t *) prio, sizeof(prio), "%ui%Z",
                           priority);

        /* keepalived: TYPE NAME STATE PRIORITY */
        extra[0] = (char *) kind;
        extra[1] = n;
        extra[2] = (char *) hx_vrrp_state_name(state);
        extra[3] = prio;
        extra[4] = NULL;
    }

    user = &cmd->user;
    group = &cmd->group;

    /* a removed configuration may leave no global_defs to ask */
    if (cmd->user.len == 0 && hx_ha_hmcf) {
        user = &hx_ha_hmcf->script_user;
        group = &hx_ha_hmcf->script_group;
    }

    p = hx_ha_spawn(cmd, kind ? extra : NULL, user, group, 0, NULL, NULL,
                    &hx_ha_log);

    if (p) {
        hx_ha_proc_detach(p);
    }

    if (n) {
        hx_free(n);
    }
}

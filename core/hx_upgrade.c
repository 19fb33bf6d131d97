/*
 * The binary upgrade (USR2), nginx's way.  The old master renames its pid
 * file to .oldbin and execs argv[0] with the listening descriptors, close-
 * on-exec cleared, named in HANX="fd;fd;".  The new master finds them
 * there (hx_add_inherited_sockets) before it reads its configuration, and
 * its cycle then takes over every socket whose address is still
 * configured, so no connection is refused during the switch.  Should the
 * new binary die, the old master puts its pid file name back.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_process.h>


typedef struct {
    char                *path;
    char               **argv;
    char               **envp;
} hx_exec_ctx_t;


static void hx_execute_proc(hx_cycle_t *cycle, void *data);


pid_t
hx_exec_new_binary(hx_cycle_t *cycle)
{
    char            *var, *p;
    pid_t            pid;
    hx_int_t         s;
    hx_uint_t        i, n;
    hx_listening_t  *ls;
    hx_core_conf_t  *ccf;
    hx_exec_ctx_t    ctx;

    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);

    var = hx_alloc(sizeof(HX_INHERITED_VAR "=")
                   + cycle->listening.nelts * (HX_INT_T_LEN + 1),
                   cycle->log);
    if (var == NULL) {
        return 0;
    }

    p = (char *) hx_cpymem(var, HX_INHERITED_VAR "=",
                           sizeof(HX_INHERITED_VAR "=") - 1);

    ls = cycle->listening.elts;
    for (i = 0; i < cycle->listening.nelts; i++) {
        if (ls[i].fd != -1) {
            p = (char *) hx_sprintf((uint8_t *) p, "%d;", ls[i].fd);
        }
    }

    *p = '\0';

    n = 1;

    ctx.envp = hx_set_environment(cycle, &n);
    if (ctx.envp == NULL) {
        hx_free(var);
        return 0;
    }

    ctx.envp[n++] = var;
    ctx.envp[n] = NULL;

    ctx.path = hx_argv[0];
    ctx.argv = hx_argv;

    if (hx_rename_file(ccf->pid.data, ccf->oldpid.data) == -1) {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "rename() %s to %s failed "
                     "before executing new binary process \"%s\"",
                     ccf->pid.data, ccf->oldpid.data, ctx.path);
        hx_free(ctx.envp);
        hx_free(var);
        return 0;
    }

    s = hx_spawn_process(cycle, hx_execute_proc, &ctx, "new binary process",
                         HX_PROCESS_DETACHED);

    if (s == HX_INVALID_PID) {
        if (hx_rename_file(ccf->oldpid.data, ccf->pid.data) == -1) {
            hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                         "rename() %s back to %s failed after "
                         "an attempt to execute new binary process \"%s\"",
                         ccf->oldpid.data, ccf->pid.data, ctx.path);
        }

        pid = 0;

    } else {
        pid = hx_processes[s].pid;
    }

    hx_free(ctx.envp);
    hx_free(var);

    return pid;
}


/* the child of an upgrade: becomes the new binary, sockets and all */
static void
hx_execute_proc(hx_cycle_t *cycle, void *data)
{
    hx_exec_ctx_t   *ctx = data;
    hx_uint_t        i;
    sigset_t         set;
    hx_listening_t  *ls;

    sigemptyset(&set);
    (void) sigprocmask(SIG_SETMASK, &set, NULL);

    ls = cycle->listening.elts;
    for (i = 0; i < cycle->listening.nelts; i++) {
        if (ls[i].fd != -1) {
            (void) fcntl(ls[i].fd, F_SETFD, 0);
        }
    }

    execvpe(ctx->path, ctx->argv, ctx->envp);

    hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                 "execve() failed while executing new binary process \"%s\"",
                 ctx->path);

    _exit(1);
}


void
hx_restore_pidfile(hx_cycle_t *cycle)
{
    hx_core_conf_t  *ccf;

    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);

    if (hx_rename_file(ccf->oldpid.data, ccf->pid.data) == -1) {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "rename() %s back to %s failed after "
                     "the new binary process \"%s\" exited",
                     ccf->oldpid.data, ccf->pid.data, hx_argv[0]);
    }

    hx_reload_status_delete(&ccf->oldpid, cycle->log);
}


hx_int_t
hx_inherited_parse(uint8_t *value, hx_fd_t *fds, hx_uint_t n, uint8_t **bad)
{
    uint8_t    *p, *v;
    hx_int_t    s;
    hx_uint_t   count;

    count = 0;
    *bad = NULL;

    for (p = value, v = p; *p && count < n; p++) {

        if (*p != ';' && *p != ':') {
            continue;
        }

        s = hx_atoi(v, p - v);

        if (s == HX_ERROR || s > INT_MAX) {
            *bad = v;
            break;
        }

        fds[count++] = (hx_fd_t) s;
        v = p + 1;
    }

    return (hx_int_t) count;
}


hx_int_t
hx_add_inherited_sockets(hx_cycle_t *cycle)
{
    uint8_t         *inherited, *p, *bad;
    hx_int_t         n, i;
    hx_uint_t        max;
    hx_fd_t         *fds;
    hx_listening_t  *ls;

    inherited = (uint8_t *) getenv(HX_INHERITED_VAR);

    if (inherited == NULL) {
        return HX_OK;
    }

    hx_log_error(HX_LOG_NOTICE, cycle->log, 0,
                 "using inherited sockets from \"%s\"", inherited);

    max = 1;
    for (p = inherited; *p; p++) {
        if (*p == ';' || *p == ':') {
            max++;
        }
    }

    fds = hx_palloc(cycle->pool, max * sizeof(hx_fd_t));
    if (fds == NULL) {
        return HX_ERROR;
    }

    if (hx_array_init(&cycle->listening, cycle->pool, max,
                      sizeof(hx_listening_t))
        != HX_OK)
    {
        return HX_ERROR;
    }

    n = hx_inherited_parse(inherited, fds, max, &bad);

    if (bad) {
        hx_log_error(HX_LOG_EMERG, cycle->log, 0,
                     "invalid socket number \"%s\" in " HX_INHERITED_VAR
                     " environment variable, ignoring the rest"
                     " of the variable", bad);
    }

    for (i = 0; i < n; i++) {
        ls = hx_array_push(&cycle->listening);
        if (ls == NULL) {
            return HX_ERROR;
        }

        hx_memzero(ls, sizeof(hx_listening_t));

        ls->fd = fds[i];
        ls->inherited = 1;
    }

    hx_inherited = 1;

    return hx_set_inherited_sockets(cycle);
}

/*
 * What a process needs from the system before it serves: CPU and page
 * figures, resource limits, CPU affinity, the environment of workers and
 * of an exec'd binary, and reopening the log files (USR1).  The choices
 * that can be made without touching the process (which variables, which
 * CPU) are split into pure functions so that they can be unit tested.
 */

#include <hx_config.h>
#include <hx_core.h>


hx_uint_t  hx_ncpu;
hx_uint_t  hx_pagesize;


hx_int_t
hx_os_init(hx_log_t *log)
{
    long  n;

    hx_pagesize = (hx_uint_t) getpagesize();

    n = sysconf(_SC_NPROCESSORS_ONLN);
    hx_ncpu = (n > 0) ? (hx_uint_t) n : 1;

    (void) log;

    return HX_OK;
}


/*
 * Worker limits from worker_rlimit_nofile and worker_rlimit_core.  A
 * failure is logged and the worker goes on with the inherited limit, as
 * nginx does; HX_ERROR tells the caller something was not applied.
 */
hx_int_t
hx_set_rlimits(hx_cycle_t *cycle)
{
    hx_int_t         rc;
    struct rlimit    rlmt;
    hx_core_conf_t  *ccf;

    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);

    rc = HX_OK;

    if (ccf->rlimit_nofile != HX_CONF_UNSET) {
        rlmt.rlim_cur = (rlim_t) ccf->rlimit_nofile;
        rlmt.rlim_max = (rlim_t) ccf->rlimit_nofile;

        if (setrlimit(RLIMIT_NOFILE, &rlmt) == -1) {
            hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                         "setrlimit(RLIMIT_NOFILE, %i) failed",
                         ccf->rlimit_nofile);
            rc = HX_ERROR;
        }
    }

    if (ccf->rlimit_core != HX_CONF_UNSET) {
        rlmt.rlim_cur = (rlim_t) ccf->rlimit_core;
        rlmt.rlim_max = (rlim_t) ccf->rlimit_core;

        if (setrlimit(RLIMIT_CORE, &rlmt) == -1) {
            hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                         "setrlimit(RLIMIT_CORE, %O) failed",
                         ccf->rlimit_core);
            rc = HX_ERROR;
        }
    }

    return rc;
}


cpu_set_t *
hx_get_cpu_affinity(hx_uint_t n)
{
    hx_core_conf_t  *ccf;

    ccf = (hx_core_conf_t *) hx_get_conf(hx_cycle->conf_ctx, hx_core_module);

    return hx_cpu_affinity_pick(ccf, n);
}


cpu_set_t *
hx_cpu_affinity_pick(hx_core_conf_t *ccf, hx_uint_t n)
{
    hx_uint_t         i, count, limit;
    cpu_set_t        *mask;
    static cpu_set_t  result;

    if (ccf->cpu_affinity == NULL || ccf->cpu_affinity_n == 0) {
        return NULL;
    }

    if (!ccf->cpu_affinity_auto) {
        if (n < ccf->cpu_affinity_n) {
            return &ccf->cpu_affinity[n];
        }

        return &ccf->cpu_affinity[ccf->cpu_affinity_n - 1];
    }

    /* "auto": worker n gets the n-th usable CPU of the mask, round robin */

    mask = &ccf->cpu_affinity[ccf->cpu_affinity_n - 1];
    limit = (hx_ncpu && hx_ncpu < CPU_SETSIZE) ? hx_ncpu : CPU_SETSIZE;

    count = 0;

    for (i = 0; i < limit; i++) {
        if (CPU_ISSET(i, mask)) {
            count++;
        }
    }

    if (count == 0) {
        return NULL;
    }

    n %= count;

    for (i = 0; i < limit; i++) {
        if (CPU_ISSET(i, mask) && n-- == 0) {
            break;
        }
    }

    CPU_ZERO(&result);
    CPU_SET(i, &result);

    return &result;
}


hx_uint_t
hx_env_collect(hx_array_t *vars, char **from, char **to)
{
    size_t      len;
    hx_str_t   *var;
    hx_uint_t   i, n, tz;
    char      **e;

    var = vars->elts;
    n = 0;
    tz = 0;

    for (i = 0; i <= vars->nelts; i++) {

        if (i == vars->nelts) {

            /* TZ is kept unless the configuration names it itself */

            if (tz) {
                break;
            }

            for (e = from; e && *e; e++) {
                if (hx_strncmp(*e, "TZ=", 3) == 0) {
                    to[n++] = *e;
                    break;
                }
            }

            break;
        }

        if (hx_strlchr(var[i].data, var[i].data + var[i].len, '=')) {
            if (hx_strncmp(var[i].data, "TZ=", 3) == 0) {
                tz = 1;
            }

            to[n++] = (char *) var[i].data;
            continue;
        }

        len = var[i].len;

        if (len == 2 && hx_strncmp(var[i].data, "TZ", 2) == 0) {
            tz = 1;
        }

        for (e = from; e && *e; e++) {
            if (hx_strncmp(*e, var[i].data, len) == 0 && (*e)[len] == '=') {
                to[n++] = *e;
                break;
            }
        }
    }

    to[n] = NULL;

    return n;
}


/*
 * Without last: builds the workers' environment in the cycle pool and
 * makes it the process's.  With last: *last is how many entries the
 * caller will append; returns a malloc()ed array with that room plus the
 * terminating NULL, and sets *last to the index of the first free entry.
 */
char **
hx_set_environment(hx_cycle_t *cycle, hx_uint_t *last)
{
    size_t           size;
    hx_uint_t        n;
    hx_core_conf_t  *ccf;
    char           **env;

    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);

    size = ccf->env.nelts + 2 + (last ? *last : 0);

    if (last) {
        env = hx_alloc(size * sizeof(char *), cycle->log);

    } else {
        env = hx_palloc(cycle->pool, size * sizeof(char *));
    }

    if (env == NULL) {
        return NULL;
    }

    n = hx_env_collect(&ccf->env, hx_os_environ ? hx_os_environ : environ,
                       env);

    if (last) {
        *last = n;
        return env;
    }

    ccf->environment = env;
    environ = env;

    return env;
}


/*
 * USR1: each log file is opened again by name (logrotate has renamed the
 * old one) and swapped in.  The master passes the workers' user so that
 * the new files belong to it and the workers, which reopen them next,
 * can write; workers pass (uid_t) -1.
 */
void
hx_reopen_files(hx_cycle_t *cycle, uid_t user)
{
    hx_fd_t           fd;
    hx_err_t          err;
    struct stat       fi;
    hx_open_file_t   *file;
    hx_list_iter_t    it;

    hx_list_iter_init(&it, &cycle->open_files);

    while ((file = hx_list_iter_next(&it)) != NULL) {

        if (file->name.len == 0) {
            continue;
        }

        if (file->flush) {
            file->flush(file, cycle->log);
        }

        fd = hx_open_file(file->name.data, HX_FILE_APPEND,
                          HX_FILE_CREATE_OR_OPEN, HX_FILE_DEFAULT_ACCESS);

        if (fd == HX_INVALID_FILE) {
            hx_log_error(HX_LOG_EMERG, cycle->log, hx_errno,
                         "open() \"%s\" failed", file->name.data);
            continue;
        }

        if (user != (uid_t) -1) {

            if (fchown(fd, user, (gid_t) -1) == -1) {
                err = hx_errno;

                if (err != EPERM) {
                    hx_log_error(HX_LOG_EMERG, cycle->log, err,
                                 "chown(\"%s\", %d) failed",
                                 file->name.data, (int) user);
                    (void) close(fd);
                    continue;
                }
            }

            if (fstat(fd, &fi) == -1) {
                hx_log_error(HX_LOG_EMERG, cycle->log, hx_errno,
                             "fstat() \"%s\" failed", file->name.data);
                (void) close(fd);
                continue;
            }

            if ((fi.st_mode & (S_IRUSR|S_IWUSR)) != (S_IRUSR|S_IWUSR)
                && fchmod(fd, fi.st_mode | S_IRUSR | S_IWUSR) == -1)
            {
                hx_log_error(HX_LOG_EMERG, cycle->log, hx_errno,
                             "chmod() \"%s\" failed", file->name.data);
                (void) close(fd);
                continue;
            }
        }

        if (file->fd != HX_INVALID_FILE && file->fd != STDERR_FILENO
            && close(file->fd) == -1)
        {
            hx_log_error(HX_LOG_EMERG, cycle->log, hx_errno,
                         "close() \"%s\" failed", file->name.data);
        }

        file->fd = fd;
    }

    (void) hx_log_redirect_stderr(cycle);
}

/*
 * The pid file, "hanx -s", and the reload verdict.
 *
 * The pid file holds the master's pid and a newline, as nginx writes it;
 * only the master (or the single process) writes and removes it.
 *
 * "-s reload" in nginx only sends SIGHUP and reports success even when
 * the master then refuses the new configuration.  hanx closes that gap
 * with a file next to the pid file, "<pid file>.reload": after every
 * reload attempt the master writes a generation number, its pid, "ok" or
 * "failed", and the warnings and errors the attempt logged, into a
 * temporary file renamed over the old one (readers never see half a
 * file).  "-s reload" reads the generation before sending SIGHUP and
 * polls until a verdict with a later generation from the same master
 * appears, then prints the text and exits 1 on "failed".  Two -s reload
 * racing each other may be answered by one reload; both then read its
 * verdict, which covers both requests since it read the file after both
 * signals.  A file is used rather than a socket so that the master never
 * blocks on a slow reader and needs no extra descriptor in its loop.
 */

#include <hx_config.h>
#include <hx_core.h>


#define HX_RELOAD_SUFFIX     ".reload"
#define HX_RELOAD_TMP        ".reload.tmp"
#define HX_RELOAD_POLL       50
#define HX_RELOAD_MAX_TEXT   8192


static uint8_t *hx_pid_sibling(hx_str_t *pid, char *suffix, size_t len);
static hx_int_t hx_read_small_file(uint8_t *name, uint8_t *buf, size_t size,
    size_t *len, hx_err_t *err);
static hx_int_t hx_reload_wait(hx_cycle_t *cycle, hx_core_conf_t *ccf,
    pid_t pid, hx_uint_t before);
static hx_int_t hx_reload_read(hx_str_t *pidname, uint8_t *buf, size_t size,
    hx_reload_status_t *st);


hx_int_t
hx_create_pidfile(hx_str_t *name, hx_log_t *log)
{
    size_t   len;
    hx_fd_t  fd;
    uint8_t  pid[HX_INT_T_LEN + 2];

    if (hx_process != HX_PROCESS_SINGLE && hx_process != HX_PROCESS_MASTER) {
        return HX_OK;
    }

    fd = hx_open_file(name->data, HX_FILE_RDWR, HX_FILE_TRUNCATE,
                      HX_FILE_DEFAULT_ACCESS);

    if (fd == HX_INVALID_FILE) {
        hx_log_error(HX_LOG_EMERG, log, hx_errno,
                     "open() \"%s\" failed", name->data);
        return HX_ERROR;
    }

    len = hx_snprintf(pid, HX_INT_T_LEN + 2, "%P\n", hx_pid) - pid;

    if (hx_write_fd(fd, pid, len) != (ssize_t) len) {
        hx_log_error(HX_LOG_EMERG, log, hx_errno,
                     "write() to \"%s\" failed", name->data);
        (void) close(fd);
        return HX_ERROR;
    }

    if (close(fd) == -1) {
        hx_log_error(HX_LOG_ALERT, log, hx_errno,
                     "close() \"%s\" failed", name->data);
    }

    return HX_OK;
}


void
hx_delete_pidfile(hx_cycle_t *cycle)
{
    hx_str_t        *name;
    hx_core_conf_t  *ccf;

    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);

    /* during an upgrade the old master's file is the .oldbin one */
    name = hx_new_binary ? &ccf->oldpid : &ccf->pid;

    if (hx_delete_file(name->data) == -1) {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "unlink() \"%s\" failed", name->data);
    }

    hx_reload_status_delete(name, cycle->log);
}


pid_t
hx_pid_parse(uint8_t *buf, size_t len)
{
    hx_int_t  pid;

    while (len && (buf[len - 1] == LF || buf[len - 1] == CR
                   || buf[len - 1] == ' ' || buf[len - 1] == '\t'))
    {
        len--;
    }

    /* 0 or -1 would make kill() signal a whole process group */

    pid = hx_atoi(buf, len);

    if (pid == HX_ERROR || pid <= 0 || pid > INT_MAX) {
        return -1;
    }

    return (pid_t) pid;
}


hx_int_t
hx_signal_process(hx_cycle_t *cycle, char *sig)
{
    int              signo;
    pid_t            pid;
    size_t           len;
    hx_err_t         err;
    hx_uint_t        before;
    hx_core_conf_t  *ccf;
    uint8_t          buf[HX_INT_T_LEN + 2];
    uint8_t          sbuf[HX_RELOAD_MAX_TEXT];
    hx_reload_status_t  st;

    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);

    if (hx_strcmp(sig, "stop") == 0) {
        signo = SIGTERM;

    } else if (hx_strcmp(sig, "quit") == 0) {
        signo = SIGQUIT;

    } else if (hx_strcmp(sig, "reopen") == 0) {
        signo = SIGUSR1;

    } else if (hx_strcmp(sig, "reload") == 0) {
        signo = SIGHUP;

    } else {
        hx_log_error(HX_LOG_ERR, cycle->log, 0, "invalid signal \"%s\"", sig);
        return HX_ERROR;
    }

    if (hx_read_small_file(ccf->pid.data, buf, sizeof(buf), &len, &err)
        != HX_OK)
    {
        hx_log_error(HX_LOG_ERR, cycle->log, err,
                     "open() \"%s\" failed", ccf->pid.data);
        return HX_ERROR;
    }

    pid = hx_pid_parse(buf, len);

    if (pid == -1) {
        while (len && (buf[len - 1] == CR || buf[len - 1] == LF)) {
            len--;
        }

        hx_log_error(HX_LOG_ERR, cycle->log, 0,
                     "invalid PID number \"%*s\" in \"%s\"",
                     len, buf, ccf->pid.data);
        return HX_ERROR;
    }

    before = 0;

    if (signo == SIGHUP
        && hx_reload_read(&ccf->pid, sbuf, sizeof(sbuf), &st) == HX_OK
        && st.pid == pid)
    {
        before = st.generation;
    }

    if (kill(pid, signo) == -1) {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "kill(%P, %d) failed", pid, signo);
        return HX_ERROR;
    }

    if (signo != SIGHUP) {
        return HX_OK;
    }

    return hx_reload_wait(cycle, ccf, pid, before);
}


/*
 * Polls the verdict file until master pid answers, dies or takes longer
 * than HX_RELOAD_WAIT.  The master's messages go to stderr as they are.
 */
static hx_int_t
hx_reload_wait(hx_cycle_t *cycle, hx_core_conf_t *ccf, pid_t pid,
    hx_uint_t before)
{
    hx_uint_t           waited;
    hx_reload_status_t  st;
    uint8_t             buf[HX_RELOAD_MAX_TEXT];

    for (waited = 0; waited <= HX_RELOAD_WAIT; waited += HX_RELOAD_POLL) {

        if (hx_reload_read(&ccf->pid, buf, sizeof(buf), &st) == HX_OK
            && st.pid == pid && st.generation > before)
        {
            if (st.ok) {
                return HX_OK;
            }

            if (st.text.len) {
                (void) hx_write_fd(STDERR_FILENO, st.text.data, st.text.len);
            }

            hx_log_stderr(0, "reload of master process %P failed, "
                          "the previous configuration stays in force", pid);
            return HX_ERROR;
        }

        if (kill(pid, 0) == -1 && hx_errno == ESRCH) {
            hx_log_error(HX_LOG_ERR, cycle->log, 0,
                         "master process %P exited during the reload", pid);
            return HX_ERROR;
        }

        (void) usleep(HX_RELOAD_POLL * 1000);
    }

    hx_log_error(HX_LOG_ERR, cycle->log, 0,
                 "master process %P did not confirm the reload "
                 "within %d seconds", pid, HX_RELOAD_WAIT / 1000);

    return HX_ERROR;
}


static hx_int_t
hx_reload_read(hx_str_t *pidname, uint8_t *buf, size_t size,
    hx_reload_status_t *st)
{
    size_t     len;
    uint8_t   *name;
    hx_err_t   err;
    hx_int_t   rc;

    name = hx_pid_sibling(pidname, HX_RELOAD_SUFFIX,
                          sizeof(HX_RELOAD_SUFFIX) - 1);
    if (name == NULL) {
        return HX_ERROR;
    }

    rc = hx_read_small_file(name, buf, size, &len, &err);
    free(name);

    if (rc != HX_OK) {
        return HX_ERROR;
    }

    return hx_reload_status_parse(buf, len, st);
}


hx_int_t
hx_reload_status_parse(uint8_t *buf, size_t len, hx_reload_status_t *st)
{
    uint8_t  *p, *last, *word;

    p = buf;
    last = buf + len;

    /* "<generation> <pid> ok|failed\n" then free text */

    word = p;
    while (p < last && *p >= '0' && *p <= '9') {
        p++;
    }

    if (p == word || p == last || *p != ' ') {
        return HX_ERROR;
    }

    st->generation = (hx_uint_t) hx_atoi(word, p - word);

    if ((hx_int_t) st->generation == HX_ERROR) {
        return HX_ERROR;
    }

    word = ++p;
    while (p < last && *p >= '0' && *p <= '9') {
        p++;
    }

    if (p == last || *p != ' ') {
        return HX_ERROR;
    }

    st->pid = hx_pid_parse(word, p - word);

    if (st->pid == -1) {
        return HX_ERROR;
    }

    word = ++p;
    while (p < last && *p != LF) {
        p++;
    }

    if (p == last) {
        return HX_ERROR;
    }

    if (p - word == 2 && hx_strncmp(word, "ok", 2) == 0) {
        st->ok = 1;

    } else if (p - word == 6 && hx_strncmp(word, "failed", 6) == 0) {
        st->ok = 0;

    } else {
        return HX_ERROR;
    }

    p++;

    st->text.data = p;
    st->text.len = last - p;

    return HX_OK;
}


hx_int_t
hx_reload_status_write(hx_str_t *pid, hx_uint_t generation, hx_uint_t ok,
    uint8_t *text, size_t len, hx_log_t *log)
{
    size_t    n;
    hx_fd_t   fd;
    uint8_t  *tmp, *name, head[3 * HX_INT_T_LEN + 16];

    tmp = hx_pid_sibling(pid, HX_RELOAD_TMP, sizeof(HX_RELOAD_TMP) - 1);
    name = hx_pid_sibling(pid, HX_RELOAD_SUFFIX,
                          sizeof(HX_RELOAD_SUFFIX) - 1);

    if (tmp == NULL || name == NULL) {
        free(tmp);
        free(name);
        return HX_ERROR;
    }

    fd = hx_open_file(tmp, HX_FILE_WRONLY, HX_FILE_TRUNCATE,
                      HX_FILE_DEFAULT_ACCESS);

    if (fd == HX_INVALID_FILE) {
        hx_log_error(HX_LOG_ALERT, log, hx_errno,
                     "open() \"%s\" failed", tmp);
        goto failed;
    }

    n = hx_snprintf(head, sizeof(head), "%ui %P %s\n", generation, hx_pid,
                    ok ? "ok" : "failed") - head;

    len = hx_min(len, (size_t) HX_RELOAD_MAX_TEXT - n);

    if (hx_write_fd(fd, head, n) != (ssize_t) n
        || (len && hx_write_fd(fd, text, len) != (ssize_t) len))
    {
        hx_log_error(HX_LOG_ALERT, log, hx_errno,
                     "write() to \"%s\" failed", tmp);
        (void) close(fd);
        (void) hx_delete_file(tmp);
        goto failed;
    }

    (void) close(fd);

    if (hx_rename_file(tmp, name) == -1) {
        hx_log_error(HX_LOG_ALERT, log, hx_errno,
                     "rename() \"%s\" to \"%s\" failed", tmp, name);
        (void) hx_delete_file(tmp);
        goto failed;
    }

    free(tmp);
    free(name);

    return HX_OK;

failed:

    free(tmp);
    free(name);

    return HX_ERROR;
}


void
hx_reload_status_delete(hx_str_t *pid, hx_log_t *log)
{
    hx_err_t   err;
    uint8_t   *name;

    name = hx_pid_sibling(pid, HX_RELOAD_SUFFIX,
                          sizeof(HX_RELOAD_SUFFIX) - 1);
    if (name == NULL) {
        return;
    }

    if (hx_delete_file(name) == -1) {
        err = hx_errno;

        if (err != ENOENT) {
            hx_log_error(HX_LOG_ALERT, log, err,
                         "unlink() \"%s\" failed", name);
        }
    }

    free(name);
}


/* "<pid file><suffix>", NUL-terminated, malloc()ed: the caller frees */
static uint8_t *
hx_pid_sibling(hx_str_t *pid, char *suffix, size_t len)
{
    uint8_t  *name;

    name = malloc(pid->len + len + 1);
    if (name == NULL) {
        return NULL;
    }

    hx_memcpy(hx_cpymem(name, pid->data, pid->len), suffix, len);
    name[pid->len + len] = '\0';

    return name;
}


/* reads up to size bytes of file name; *err is set on HX_ERROR */
static hx_int_t
hx_read_small_file(uint8_t *name, uint8_t *buf, size_t size, size_t *len,
    hx_err_t *err)
{
    ssize_t  n;
    size_t   total;
    hx_fd_t  fd;

    fd = hx_open_file(name, HX_FILE_RDONLY, HX_FILE_OPEN, 0);

    if (fd == HX_INVALID_FILE) {
        *err = hx_errno;
        return HX_ERROR;
    }

    total = 0;

    while (total < size) {
        n = read(fd, buf + total, size - total);

        if (n == -1) {
            if (hx_errno == EINTR) {
                continue;
            }

            *err = hx_errno;
            (void) close(fd);
            return HX_ERROR;
        }

        if (n == 0) {
            break;
        }

        total += n;
    }

    (void) close(fd);

    *len = total;
    *err = 0;

    return HX_OK;
}

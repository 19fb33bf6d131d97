/*
 * "daemon on": leave the terminal.  One fork is enough: after setsid()
 * the master leads a new session with no controlling terminal, and it
 * never opens a terminal afterwards, so it cannot acquire one.  stdin
 * and stdout go to /dev/null; stderr is left for hx_log_redirect_stderr()
 * to point at the error log, so that messages from libraries land there.
 */

#include <hx_config.h>
#include <hx_core.h>


hx_int_t
hx_daemon(hx_log_t *log)
{
    int  fd;

    switch (fork()) {

    case -1:
        hx_log_error(HX_LOG_EMERG, log, hx_errno, "fork() failed");
        return HX_ERROR;

    case 0:
        break;

    default:
        /* the parent's job is done; _exit skips the atexit handlers and
         * leak checks that belong to the daemon now */
        _exit(0);
    }

    hx_parent = hx_pid;
    hx_pid = getpid();

    if (setsid() == -1) {
        hx_log_error(HX_LOG_EMERG, log, hx_errno, "setsid() failed");
        return HX_ERROR;
    }

    umask(0);

    fd = open("/dev/null", O_RDWR);
    if (fd == -1) {
        hx_log_error(HX_LOG_EMERG, log, hx_errno,
                     "open(\"/dev/null\") failed");
        return HX_ERROR;
    }

    if (dup2(fd, STDIN_FILENO) == -1) {
        hx_log_error(HX_LOG_EMERG, log, hx_errno, "dup2(STDIN) failed");
        (void) close(fd);
        return HX_ERROR;
    }

    if (dup2(fd, STDOUT_FILENO) == -1) {
        hx_log_error(HX_LOG_EMERG, log, hx_errno, "dup2(STDOUT) failed");
        (void) close(fd);
        return HX_ERROR;
    }

    if (fd > STDERR_FILENO && close(fd) == -1) {
        hx_log_error(HX_LOG_EMERG, log, hx_errno, "close() failed");
        return HX_ERROR;
    }

    return HX_OK;
}

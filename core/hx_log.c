/*
 * The error log.  Each message is formatted once into a stack buffer and
 * written with one write() per target, so lines from different workers
 * never interleave mid-line (O_APPEND makes each write atomic for the
 * sizes we produce).  While the master is starting, messages at warn and
 * above also go to the terminal in the short "hanx: [emerg] ..." form, the
 * way nginx reports configuration errors; after start-up only the
 * configured targets see them.
 */

#include <hx_config.h>
#include <hx_core.h>


static char *hx_error_log(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_log_set_levels(hx_conf_t *cf, hx_log_t *log);


static hx_command_t  hx_errlog_commands[] = {

    { hx_string("error_log"),
      HX_MAIN_CONF|HX_CONF_1MORE,
      hx_error_log,
      0,
      0,
      NULL },

      hx_null_command
};


static hx_core_module_t  hx_errlog_module_ctx = {
    hx_string("errlog"),
    NULL,
    NULL
};


hx_module_t  hx_errlog_module = {
    HX_MODULE_V1,
    "hx_errlog_module",
    &hx_errlog_module_ctx,
    hx_errlog_commands,
    HX_CORE_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


static hx_log_t        hx_log;
static hx_open_file_t  hx_log_file;
hx_uint_t              hx_use_stderr = 1;


hx_str_t  hx_log_levels[] = {
    hx_string("stderr"),
    hx_string("emerg"),
    hx_string("alert"),
    hx_string("crit"),
    hx_string("error"),
    hx_string("warn"),
    hx_string("notice"),
    hx_string("info"),
    hx_string("debug")
};

static const char  *hx_debug_levels[] = {
    "debug_core", "debug_alloc", "debug_mutex", "debug_event",
    "debug_http", "debug_mail", "debug_stream", "debug_ha"
};


char *
hx_strerror(hx_err_t err, char *buf, size_t size)
{
    /* the GNU strerror_r may return a static string instead of filling buf */
    char  *msg;

    msg = strerror_r(err, buf, size);
    if (msg != buf) {
        (void) hx_cpystrn((uint8_t *) buf, (uint8_t *) msg, size);
    }

    return buf;
}


uint8_t *
hx_log_errno(uint8_t *buf, uint8_t *last, hx_err_t err)
{
    char  text[128];

    if (buf > last - 50) {
        /* leave room for the errno text: cut the message, mark the cut */
        buf = last - 50;
        *buf++ = '.';
        *buf++ = '.';
        *buf++ = '.';
    }

    hx_strerror(err, text, sizeof(text));

    return hx_slprintf(buf, last, " (%d: %s)", err, text);
}


void
hx_log_error_core(hx_uint_t level, hx_log_t *log, hx_err_t err,
    const char *fmt, ...)
{
    va_list     args;
    uint8_t    *p, *last, *msg;
    hx_uint_t   wrote_stderr, debug_connection;
    uint8_t     errstr[HX_MAX_ERROR_STR];

    last = errstr + HX_MAX_ERROR_STR;

    /* the clock may not be set yet this early in a test or at start */
    p = errstr;

    if (hx_cached_err_log_time.data) {
        p = hx_cpymem(p, hx_cached_err_log_time.data,
                      hx_cached_err_log_time.len);
    }

    p = hx_slprintf(p, last, " [%V] ", &hx_log_levels[level]);

    /* the thread id is always 0: hanx workers are single-threaded */
    p = hx_slprintf(p, last, "%i#0: ", (hx_int_t) getpid());

    if (log->connection) {
        p = hx_slprintf(p, last, "*%ui ", log->connection);
    }

    msg = p;

    va_start(args, fmt);
    p = hx_vslprintf(p, last, fmt, args);
    va_end(args);

    if (err) {
        p = hx_log_errno(p, last, err);
    }

    if (level != HX_LOG_DEBUG && log->handler) {
        p = log->handler(log, p, last - p);
    }

    if (p > last - 1) {
        p = last - 1;
    }

    *p++ = '\n';

    wrote_stderr = 0;
    debug_connection = (log->log_level & HX_LOG_DEBUG_CONNECTION) != 0;

    while (log) {

        if (log->log_level < level && !debug_connection) {
            break;
        }

        if (log->writer) {
            log->writer(log, level, errstr, p - errstr);
            goto next;
        }

        if (log->file == NULL) {
            goto next;
        }

        if (hx_time() == log->disk_full_time) {
            /* the disk was full within this second: don't hammer it */
            goto next;
        }

        if (hx_write_fd(log->file->fd, errstr, p - errstr) == -1
            && hx_errno == ENOSPC)
        {
            log->disk_full_time = hx_time();
        }

        if (log->file->fd == STDERR_FILENO) {
            wrote_stderr = 1;
        }

    next:

        log = log->next;
    }

    if (!hx_use_stderr || level > HX_LOG_WARN || wrote_stderr) {
        return;
    }

    msg -= sizeof("hanx: [") - 1 + hx_log_levels[level].len + 2;

    (void) hx_sprintf(msg, "hanx: [%V] ", &hx_log_levels[level]);

    (void) hx_write_fd(STDERR_FILENO, msg, p - msg);
}


void
hx_log_stderr(hx_err_t err, const char *fmt, ...)
{
    uint8_t   *p, *last;
    va_list    args;
    uint8_t    errstr[HX_MAX_ERROR_STR];

    last = errstr + HX_MAX_ERROR_STR;

    p = hx_cpymem(errstr, "hanx: ", 6);

    va_start(args, fmt);
    p = hx_vslprintf(p, last, fmt, args);
    va_end(args);

    if (err) {
        p = hx_log_errno(p, last, err);
    }

    if (p > last - 1) {
        p = last - 1;
    }

    *p++ = '\n';

    (void) hx_write_fd(STDERR_FILENO, errstr, p - errstr);
}


void
hx_fd_printf(hx_fd_t fd, const char *fmt, ...)
{
    uint8_t   *p;
    va_list    args;
    uint8_t    buf[HX_MAX_ERROR_STR];

    va_start(args, fmt);
    p = hx_vslprintf(buf, buf + sizeof(buf), fmt, args);
    va_end(args);

    (void) hx_write_fd(fd, buf, p - buf);
}


hx_log_t *
hx_log_init(uint8_t *prefix, uint8_t *error_log)
{
    uint8_t  *p, *name;
    size_t    nlen, plen;

    hx_log.file = &hx_log_file;
    hx_log.log_level = HX_LOG_NOTICE;

    if (error_log == NULL) {
        error_log = (uint8_t *) HX_ERROR_LOG_PATH;
    }

    name = error_log;
    nlen = hx_strlen(name);

    if (nlen == 0 || hx_strcmp(name, "stderr") == 0) {
        hx_log_file.fd = STDERR_FILENO;
        return &hx_log;
    }

    p = NULL;

    if (name[0] != '/') {

        if (prefix == NULL) {
            prefix = (uint8_t *) HX_PREFIX;
        }

        plen = hx_strlen(prefix);

        if (plen) {
            name = malloc(plen + nlen + 2);
            if (name == NULL) {
                return NULL;
            }

            p = hx_cpymem(name, prefix, plen);

            if (!hx_path_separator(*(p - 1))) {
                *p++ = '/';
            }

            hx_cpystrn(p, error_log, nlen + 1);
            p = name;
        }
    }

    hx_log_file.fd = hx_open_file(name, O_WRONLY|O_APPEND,
                                  HX_FILE_CREATE_OR_OPEN,
                                  HX_FILE_DEFAULT_ACCESS);

    if (hx_log_file.fd == HX_INVALID_FILE) {
        hx_log_stderr(hx_errno,
                      "[alert] could not open error log file: "
                      "open() \"%s\" failed", name);
        hx_log_file.fd = STDERR_FILENO;
    }

    free(p);

    return &hx_log;
}


hx_int_t
hx_log_redirect_stderr(hx_cycle_t *cycle)
{
    hx_fd_t  fd;

    if (cycle->log_use_stderr) {
        return HX_OK;
    }

    /* the first file in the chain becomes fd 2, as daemons expect */
    fd = hx_log_get_file_log(cycle->log)->file->fd;

    if (fd != STDERR_FILENO) {
        if (dup2(fd, STDERR_FILENO) == -1) {
            hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                         "dup2(STDERR) failed");
            return HX_ERROR;
        }
    }

    return HX_OK;
}


hx_log_t *
hx_log_get_file_log(hx_log_t *head)
{
    hx_log_t  *log;

    for (log = head; log; log = log->next) {
        if (log->file != NULL) {
            return log;
        }
    }

    return NULL;
}


void
hx_log_insert(hx_log_t *log, hx_log_t *new_log)
{
    hx_log_t  tmp;

    if (new_log->log_level > log->log_level) {

        /*
         * The head must stay where it is (callers hold pointers to it),
         * so the more verbose log swaps contents with it instead.
         */
        tmp = *log;
        *log = *new_log;
        *new_log = tmp;

        log->next = new_log;
        return;
    }

    while (log->next) {
        if (new_log->log_level > log->next->log_level) {
            new_log->next = log->next;
            log->next = new_log;
            return;
        }

        log = log->next;
    }

    log->next = new_log;
}


static char *
hx_error_log(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_log_t  *dummy;

    (void) cmd;
    (void) conf;

    dummy = &cf->cycle->new_log;

    return hx_log_set_log(cf, &dummy);
}


char *
hx_log_set_log(hx_conf_t *cf, hx_log_t **head)
{
    hx_log_t          *new_log;
    hx_str_t          *value, name;
    hx_syslog_peer_t  *peer;

    if (*head != NULL && (*head)->log_level == 0) {
        /* the cycle's own log, not configured yet: fill it in place */
        new_log = *head;

    } else {
        new_log = hx_pcalloc(cf->pool, sizeof(hx_log_t));
        if (new_log == NULL) {
            return HX_CONF_ERROR;
        }

        if (*head == NULL) {
            *head = new_log;
        }
    }

    value = cf->args->elts;

    if (hx_strcmp(value[1].data, "stderr") == 0) {
        hx_str_null(&name);
        cf->cycle->log_use_stderr = 1;

        new_log->file = hx_conf_open_file(cf->cycle, &name);
        if (new_log->file == NULL) {
            return HX_CONF_ERROR;
        }

    } else if (hx_strncmp(value[1].data, "syslog:", 7) == 0) {
        peer = hx_pcalloc(cf->pool, sizeof(hx_syslog_peer_t));
        if (peer == NULL) {
            return HX_CONF_ERROR;
        }

        if (hx_syslog_process_conf(cf, peer) != HX_CONF_OK) {
            return HX_CONF_ERROR;
        }

        new_log->writer = hx_syslog_writer;
        new_log->wdata = peer;

    } else if (hx_strncmp(value[1].data, "memory:", 7) == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "\"memory\" log targets are not supported by hanx");
        return HX_CONF_ERROR;

    } else {
        new_log->file = hx_conf_open_file(cf->cycle, &value[1]);
        if (new_log->file == NULL) {
            return HX_CONF_ERROR;
        }
    }

    if (hx_log_set_levels(cf, new_log) != HX_CONF_OK) {
        return HX_CONF_ERROR;
    }

    if (*head != new_log) {
        hx_log_insert(*head, new_log);
    }

    return HX_CONF_OK;
}


static char *
hx_log_set_levels(hx_conf_t *cf, hx_log_t *log)
{
    hx_uint_t   i, n, d, found;
    hx_str_t   *value;

    if (cf->args->nelts == 2) {
        log->log_level = HX_LOG_ERR;
        return HX_CONF_OK;
    }

    value = cf->args->elts;

    for (i = 2; i < cf->args->nelts; i++) {
        found = 0;

        for (n = 1; n <= HX_LOG_DEBUG; n++) {
            if (hx_strcmp(value[i].data, hx_log_levels[n].data) == 0) {

                if (log->log_level != 0) {
                    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                      "duplicate log level \"%V\"",
                                      &value[i]);
                    return HX_CONF_ERROR;
                }

                log->log_level = n;
                found = 1;
                break;
            }
        }

        for (n = 0, d = HX_LOG_DEBUG_FIRST; d <= HX_LOG_DEBUG_LAST; d <<= 1) {
            if (hx_strcmp(value[i].data, hx_debug_levels[n++]) == 0) {
                if (log->log_level & ~HX_LOG_DEBUG_ALL) {
                    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                      "invalid log level \"%V\"",
                                      &value[i]);
                    return HX_CONF_ERROR;
                }

                log->log_level |= d;
                found = 1;
                break;
            }
        }

        if (!found) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid log level \"%V\"", &value[i]);
            return HX_CONF_ERROR;
        }
    }

    if (log->log_level == HX_LOG_DEBUG) {
        log->log_level = HX_LOG_DEBUG_ALL;
    }

    return HX_CONF_OK;
}

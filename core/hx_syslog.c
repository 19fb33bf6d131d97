/*
 * A syslog client for the access and error logs: "syslog:server=addr[:port]
 * [,facility=name][,severity=name][,tag=name][,nohostname]", messages in
 * the BSD format (RFC 3164) nginx sends, one datagram each, to UDP port
 * 514 by default or to a unix datagram socket.
 *
 * The socket is opened by each worker the first time it logs and kept
 * connect()ed; sending never blocks (a datagram is sent whole or not at
 * all).  When a send fails (the server went away: ECONNREFUSED arrives
 * on a later send) the socket is closed, so the next message opens a
 * fresh one and logging recovers by itself.
 */

#include <hx_config.h>
#include <hx_core.h>


static char  *hx_syslog_facilities[] = {
    "kern", "user", "mail", "daemon", "auth", "intern", "lpr", "news",
    "uucp", "clock", "authpriv", "ftp", "ntp", "audit", "alert", "cron",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6",
    "local7", NULL
};


static char  *hx_syslog_severities[] = {
    "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug",
    NULL
};


static char *hx_syslog_parse_args(hx_conf_t *cf,
    hx_syslog_peer_t *peer);
static char *hx_syslog_name(hx_conf_t *cf, char **names, uint8_t *p,
    size_t len, hx_uint_t *value, char *what);
static hx_int_t hx_syslog_open(hx_syslog_peer_t *peer,
    hx_log_t *log);
static void hx_syslog_cleanup(void *data);


char *
hx_syslog_process_conf(hx_conf_t *cf, hx_syslog_peer_t *peer)
{
    hx_pool_cleanup_t  *cln;

    peer->facility = HX_CONF_UNSET_UINT;
    peer->severity = HX_CONF_UNSET_UINT;

    /* the running cycle may still be the start-up one, which has none */
    peer->hostname = cf->cycle->hostname;

    if (hx_syslog_parse_args(cf, peer) != HX_CONF_OK) {
        return HX_CONF_ERROR;
    }

    if (peer->server.sockaddr == NULL) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "no syslog server specified");
        return HX_CONF_ERROR;
    }

    if (peer->facility == HX_CONF_UNSET_UINT) {
        peer->facility = 23;    /* local7 */
    }

    if (peer->severity == HX_CONF_UNSET_UINT) {
        peer->severity = 6;     /* info */
    }

    if (peer->tag.data == NULL) {
        /* nginx's: parsers of nginx logs key on it */
        hx_str_set(&peer->tag, "nginx");
    }

    peer->fd = HX_INVALID_FILE;

    cln = hx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return HX_CONF_ERROR;
    }

    cln->data = peer;
    cln->handler = hx_syslog_cleanup;

    return HX_CONF_OK;
}


/* the comma-separated parameters after "syslog:" */
static char *
hx_syslog_parse_args(hx_conf_t *cf, hx_syslog_peer_t *peer)
{
    size_t      len;
    uint8_t    *p, *last, *comma, c;
    hx_str_t   *value;
    hx_url_t    u;
    hx_uint_t   i;

    value = cf->args->elts;

    p = value[1].data + sizeof("syslog:") - 1;
    last = value[1].data + value[1].len;

    for ( ;; ) {
        comma = hx_strlchr(p, last, ',');
        len = (comma ? comma : last) - p;

        if (len > 7 && hx_strncmp(p, "server=", 7) == 0) {

            if (peer->server.sockaddr != NULL) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "duplicate syslog \"server\"");
                return HX_CONF_ERROR;
            }

            hx_memzero(&u, sizeof(hx_url_t));

            u.url.data = p + 7;
            u.url.len = len - 7;
            u.default_port = 514;

            if (hx_parse_url(cf->pool, &u) != HX_OK) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "%s in syslog server \"%V\"",
                                  u.err ? u.err : "invalid value", &u.url);
                return HX_CONF_ERROR;
            }

            peer->server = u.addrs[0];

        } else if (len > 9 && hx_strncmp(p, "facility=", 9) == 0) {

            if (hx_syslog_name(cf, hx_syslog_facilities, p + 9,
                                    len - 9, &peer->facility, "facility")
                != HX_CONF_OK)
            {
                return HX_CONF_ERROR;
            }

        } else if (len > 9 && hx_strncmp(p, "severity=", 9) == 0) {

            if (hx_syslog_name(cf, hx_syslog_severities, p + 9,
                                    len - 9, &peer->severity, "severity")
                != HX_CONF_OK)
            {
                return HX_CONF_ERROR;
            }

        } else if (len > 4 && hx_strncmp(p, "tag=", 4) == 0) {

            if (peer->tag.data != NULL) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "duplicate syslog \"tag\"");
                return HX_CONF_ERROR;
            }

            /* RFC 3164 4.1.3: alphanumeric, at most 32 characters */

            if (len - 4 > 32) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "syslog tag length exceeds 32");
                return HX_CONF_ERROR;
            }

            for (i = 4; i < len; i++) {
                c = hx_tolower(p[i]);

                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
                      || c == '_'))
                {
                    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                      "syslog \"tag\" only allows "
                                      "alphanumeric characters "
                                      "and underscore");
                    return HX_CONF_ERROR;
                }
            }

            peer->tag.data = p + 4;
            peer->tag.len = len - 4;

        } else if (len == 10 && hx_strncmp(p, "nohostname", 10) == 0) {
            peer->nohostname = 1;

        } else {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "unknown syslog parameter \"%*s\"", len, p);
            return HX_CONF_ERROR;
        }

        if (comma == NULL) {
            return HX_CONF_OK;
        }

        p = comma + 1;
    }
}


/* one of names, by its text, into *value (once) */
static char *
hx_syslog_name(hx_conf_t *cf, char **names, uint8_t *p, size_t len,
    hx_uint_t *value, char *what)
{
    hx_uint_t  i;

    if (*value != HX_CONF_UNSET_UINT) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "duplicate syslog \"%s\"", what);
        return HX_CONF_ERROR;
    }

    for (i = 0; names[i] != NULL; i++) {
        if (hx_strlen(names[i]) == len && hx_strncmp(p, names[i], len) == 0)
        {
            *value = i;
            return HX_CONF_OK;
        }
    }

    hx_conf_log_error(HX_LOG_EMERG, cf, 0, "unknown syslog %s \"%*s\"",
                      what, len, p);

    return HX_CONF_ERROR;
}


uint8_t *
hx_syslog_add_header(hx_syslog_peer_t *peer, uint8_t *buf)
{
    hx_uint_t  pri;

    pri = peer->facility * 8 + peer->severity;

    if (peer->nohostname) {
        return hx_sprintf(buf, "<%ui>%V %V: ", pri,
                          (hx_str_t *) &hx_cached_syslog_time, &peer->tag);
    }

    return hx_sprintf(buf, "<%ui>%V %V %V: ", pri,
                      (hx_str_t *) &hx_cached_syslog_time,
                      &peer->hostname, &peer->tag);
}


ssize_t
hx_syslog_send(hx_syslog_peer_t *peer, uint8_t *buf, size_t len,
    hx_log_t *log)
{
    ssize_t   n;
    hx_err_t  err;

    if (peer->fd == HX_INVALID_FILE
        && hx_syslog_open(peer, log) != HX_OK)
    {
        return -1;
    }

    n = send(peer->fd, buf, len, MSG_DONTWAIT|MSG_NOSIGNAL);

    if (n == -1) {
        err = hx_errno;

        /* a fresh socket for the next message */
        (void) close(peer->fd);
        peer->fd = HX_INVALID_FILE;

        hx_set_errno(err);
    }

    return n;
}


static hx_int_t
hx_syslog_open(hx_syslog_peer_t *peer, hx_log_t *log)
{
    hx_fd_t  fd;

    fd = socket(peer->server.sockaddr->sa_family,
                SOCK_DGRAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0);

    if (fd == -1) {
        hx_log_error(HX_LOG_ALERT, log, hx_errno,
                     "socket() for syslog failed");
        return HX_ERROR;
    }

    if (connect(fd, peer->server.sockaddr, peer->server.socklen) == -1) {
        hx_log_error(HX_LOG_ALERT, log, hx_errno,
                     "connect() to syslog %V failed", &peer->server.name);
        (void) close(fd);
        return HX_ERROR;
    }

    peer->fd = fd;

    return HX_OK;
}


static void
hx_syslog_cleanup(void *data)
{
    hx_syslog_peer_t  *peer = data;

    if (peer->fd != HX_INVALID_FILE) {
        (void) close(peer->fd);
        peer->fd = HX_INVALID_FILE;
    }
}


/*
 * The error log's writer (log->wdata is the peer): one datagram per line,
 * the whole hanx line after the header, as nginx sends it.  The severity
 * follows the message's level, not the "severity=" parameter.  A failure
 * to send is not logged through the same log: that could recurse.
 */
void
hx_syslog_writer(hx_log_t *log, hx_uint_t level, uint8_t *buf, size_t len)
{
    uint8_t           *p, msg[HX_MAX_ERROR_STR];
    hx_uint_t          severity;
    hx_syslog_peer_t  *peer;

    static hx_log_t    silent;

    peer = log->wdata;

    if (peer->busy) {
        return;
    }

    peer->busy = 1;

    if (len && buf[len - 1] == LF) {
        len--;
    }

    severity = peer->severity;
    peer->severity = (level > HX_LOG_EMERG) ? level - 1 : 0;

    p = hx_syslog_add_header(peer, msg);

    peer->severity = severity;

    len = hx_min(len, (size_t) (msg + sizeof(msg) - p));
    p = hx_cpymem(p, buf, len);

    (void) hx_syslog_send(peer, msg, p - msg, &silent);

    peer->busy = 0;
}

/*
 * Logging to a syslog server over UDP or a unix datagram socket, for
 * "access_log syslog:server=...[,facility=][,severity=][,tag=]
 * [,nohostname]" and the same for error_log: the target's parameters,
 * the RFC 3164 header nginx writes ("<PRI>Mmm dd hh:mm:ss host tag: ")
 * and the sending.
 */

#ifndef HX_CORE_HX_SYSLOG_H
#define HX_CORE_HX_SYSLOG_H


/* "<191>" "Sep 28 12:00:00 " host " " tag ": " */
#define HX_SYSLOG_HEADER_LEN(peer)                                       \
    (sizeof("<255>Jan 01 00:00:00 ") - 1 + (peer)->hostname.len + 1           \
     + (peer)->tag.len + 2)


typedef struct {
    hx_uint_t        facility;
    hx_uint_t        severity;
    hx_str_t         tag;
    hx_str_t         hostname;    /* of the cycle that configured it */

    hx_addr_t        server;
    hx_fd_t          fd;          /* opened on first use, per process */
    time_t           error_time;  /* of the last complaint */

    unsigned         nohostname:1;
    unsigned         busy:1;      /* the writer is sending */
} hx_syslog_peer_t;


/*
 * Parses the text after "syslog:" of cf->args[1] into peer (severity
 * defaults to "info", facility to "local7", tag to "nginx").  Returns
 * HX_CONF_OK, or HX_CONF_ERROR after an [emerg].
 */
char *hx_syslog_process_conf(hx_conf_t *cf, hx_syslog_peer_t *peer);

/* writes the header at buf (HX_SYSLOG_HEADER_LEN bytes at most) */
uint8_t *hx_syslog_add_header(hx_syslog_peer_t *peer,
    uint8_t *buf);

/*
 * Sends one message (header included), opening the socket if needed; a
 * failed send closes it, so the next one tries afresh.  Returns what
 * send() returned.
 */
ssize_t hx_syslog_send(hx_syslog_peer_t *peer, uint8_t *buf,
    size_t len, hx_log_t *log);

/* a log writer for "error_log syslog:..." (log->wdata: the peer) */
void hx_syslog_writer(hx_log_t *log, hx_uint_t level, uint8_t *buf,
    size_t len);

#endif /* HX_CORE_HX_SYSLOG_H */

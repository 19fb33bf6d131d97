/*
 * Active health checks: one prober per target (address and port), run
 * by the master's event loop, that decides whether the target is up.
 * Stream's "health_check" and the ha module's TCP_CHECK / HTTP_GET
 * checkers (keepalived's real_server checks) are both built on it; they
 * differ only in how they are configured and in what they do with a
 * verdict (a flag in an upstream zone, a real server's weight).
 *
 * A probe is one of:
 *
 *   TCP   connect; then, when configured, send bytes and/or read until
 *         the reply contains a string or matches a regex
 *   UDP   send a datagram (empty unless configured); with an expected
 *         reply, wait for a datagram that matches; without one, pass
 *         unless the target refuses (ICMP port unreachable) in time
 *   HTTP  "GET uri HTTP/1.0", the status must be in the accepted list,
 *         and the body's MD5 equal to a digest when one is given; with
 *         conf->ssl the exchange goes through TLS (OpenSSL, non-blocking,
 *         the certificate not verified: keepalived's SSL_GET)
 *   ICMP  an echo request to the target's address, passed by the echo
 *         reply (a "ping" socket, SOCK_DGRAM IPPROTO_ICMP, where the
 *         kernel allows it, else a raw socket: the master is root)
 *   SMTP  connect, a 220 greeting, "HELO conf->helo" answered by 250,
 *         "QUIT" answered by 221 (multi-line replies understood)
 *   EXTERNAL  the owner's conf->probe starts something (the ha module
 *         runs a MISC_CHECK script) and hx_health_check_report() brings
 *         the result back; the checker keeps the schedule and counters
 *
 * Probes are non-blocking connects with a timer for the whole exchange.
 * "fails" consecutive failures turn an up target down, "passes"
 * consecutive successes turn a down one up; the owner's handler is
 * called on every change.  Every target keeps its own timer, so a slow
 * target never delays the others, and a stopped check leaves no socket
 * or timer behind.
 */

#ifndef HX_EVENT_HX_HEALTH_CHECK_H
#define HX_EVENT_HX_HEALTH_CHECK_H


#define HX_HEALTH_CHECK_TCP    0
#define HX_HEALTH_CHECK_UDP    1
#define HX_HEALTH_CHECK_HTTP   2
#define HX_HEALTH_CHECK_EXTERNAL  3
#define HX_HEALTH_CHECK_ICMP   4
#define HX_HEALTH_CHECK_SMTP   5


typedef struct hx_health_check_s  hx_health_check_t;

/* a verdict changed: up is 1 (healthy) or 0; hc->reason says why */
typedef void (*hx_health_check_handler_pt)(hx_health_check_t *hc,
    hx_uint_t up);

/*
 * EXTERNAL probes: probe starts one and returns HX_OK (the result comes
 * later through hx_health_check_report()) or HX_ERROR (could not start:
 * not the target's fault, retried after the interval); abort is called
 * when a probe in progress is abandoned (stop, or conf->timeout).
 */
typedef hx_int_t (*hx_health_check_probe_pt)(hx_health_check_t *hc);
typedef void (*hx_health_check_abort_pt)(hx_health_check_t *hc);


/* an accepted HTTP status range, inclusive */
typedef struct {
    hx_uint_t                   low;
    hx_uint_t                   high;
} hx_health_check_status_t;


/* how to probe; shared by every target of one check, read-only */
typedef struct {
    hx_uint_t                   type;        /* HX_HEALTH_CHECK_* */

    hx_msec_t                   interval;    /* between probes */
    hx_msec_t                   retry_interval;  /* after a failure that
                                                leaves the target up (a
                                                retry); 0: interval */
    hx_msec_t                   jitter;      /* random extra delay, max */
    hx_msec_t                   timeout;     /* connect + exchange */
    hx_uint_t                   fails;       /* to go down */
    hx_uint_t                   passes;      /* to come back */
    in_port_t                   port;        /* 0: the target's own */

    hx_str_t                    send;        /* TCP, UDP */
    hx_uint_t                   reply;       /* UDP: a reply is required
                                                (any, or one containing
                                                expect) */
    hx_str_t                    helo;        /* SMTP: HELO's argument */
    hx_str_t                    expect;      /* a substring, or ... */
    hx_regex_t                 *expect_regex;  /* ... a regex */
    size_t                      buffer_size; /* of the reply kept */

    hx_str_t                    uri;         /* HTTP: "/" when empty */
    hx_str_t                    host;        /* HTTP: Host header */
    hx_array_t                 *status;      /* hx_health_check_status_t;
                                                NULL: 200-299 */
    hx_str_t                    digest;      /* HTTP: hex MD5 of body */
    hx_uint_t                   ssl;         /* HTTP over TLS, unverified */

    hx_health_check_probe_pt    probe;       /* EXTERNAL */
    hx_health_check_abort_pt    abort;       /* EXTERNAL, may be NULL */

    hx_addr_t                  *local;       /* source address, or NULL */
} hx_health_check_conf_t;


struct hx_health_check_s {
    hx_health_check_conf_t     *conf;

    struct sockaddr            *sockaddr;    /* the target; its port is */
    socklen_t                   socklen;     /* replaced by conf->port */
    hx_str_t                    name;        /* for messages */

    hx_health_check_handler_pt  handler;
    void                       *data;        /* the owner's */

    hx_log_t                   *log;

    /* the verdict: set it before hx_health_check_start() */
    hx_uint_t                   up;

    /* counters of consecutive results, and the last failure's reason */
    hx_uint_t                   nfails;
    hx_uint_t                   npasses;
    hx_uint_t                   checks;      /* probes completed */
    char                       *reason;

    /* HTTP: the last reply's status (0: none) and body MD5 (hex, or "") */
    hx_uint_t                   http_status;
    uint8_t                     http_md5[33];

    /* the probe in progress; private */
    hx_event_t                  timer;
    hx_peer_connection_t        pc;
    hx_pool_t                  *pool;
    hx_buf_t                   *buf;
    size_t                      sent;
    hx_sockaddr_t               target;
    void                       *ssl;         /* SSL * of the probe */
    hx_uint_t                   step;        /* SMTP: replies accepted */
    uint16_t                    icmp_id;     /* ICMP: of this target */
    uint16_t                    icmp_seq;    /* ICMP: of the last echo */
    unsigned                    icmp_raw:1;  /* ICMP: a raw socket */
    unsigned                    handshaked:1;
    unsigned                    running:1;
    unsigned                    active:1;
};


/*
 * Starts probing hc: the first probe after delay msec (plus jitter),
 * then every conf->interval.  hc->log, conf, sockaddr, socklen, name and
 * handler must be set.  HX_OK or HX_ERROR (no memory).
 */
hx_int_t hx_health_check_start(hx_health_check_t *hc, hx_msec_t delay);

/* stops probing: closes the probe in progress and drops the timer */
void hx_health_check_stop(hx_health_check_t *hc);

/*
 * In a process forked while hc was running (a worker): closes the
 * inherited socket of the probe in progress without touching the event
 * structures, which belong to the parent's loop.
 */
void hx_health_check_forget(hx_health_check_t *hc);

/*
 * The result of an EXTERNAL probe started by conf->probe: ok is 1 or 0,
 * reason (a static string) says why it failed.  Counts as a probe done
 * (verdict, handler, next probe).  Ignored when no probe is in progress.
 */
void hx_health_check_report(hx_health_check_t *hc, hx_uint_t ok,
    char *reason);

/*
 * Parses "200", "200-299" or "2xx"-style lists of accepted statuses into
 * an array (created in pool on first use).  HX_OK or HX_ERROR.
 */
hx_int_t hx_health_check_add_status(hx_pool_t *pool, hx_array_t **status,
    hx_str_t *value);

#endif /* HX_EVENT_HX_HEALTH_CHECK_H */

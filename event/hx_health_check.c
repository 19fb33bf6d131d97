/*
 * Active health checks (see hx_health_check.h): the probe of one target
 * and the verdict that consecutive results add up to.
 *
 * One timer per target does both jobs: while no probe runs it is the
 * time of the next one, while a probe runs it is its deadline.  A probe
 * is a non-blocking connect (hx_event_connect_peer) followed by plain
 * send() and recv() on the socket: the exchange is a few hundred bytes
 * at most, and a zero-length UDP payload must go out as an empty
 * datagram, which the connection send wrappers would take for an error.
 * The reply is read into one buffer of conf->buffer_size and matched
 * after every read, so a match ends the probe as soon as it is seen.
 *
 * TLS (conf->ssl) is a handshake step between the connect and the send,
 * then SSL_write()/SSL_read() in place of send()/recv(); the sockets are
 * edge-triggered, which suits OpenSSL: WANT_READ and WANT_WRITE only
 * come after the socket said EAGAIN.  One client context serves every
 * probe of the process; like keepalived's SSL_GET, it verifies nothing,
 * since the question is whether the server answers, not who it is.
 *
 * An EXTERNAL probe is the owner's: the checker only calls conf->probe
 * when one is due and counts what hx_health_check_report() brings back.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_upstream_peer.h>
#include <hx_health_check.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>


#define HX_HEALTH_CHECK_BUFFER  4096


static void hx_health_check_schedule(hx_health_check_t *hc,
    hx_msec_t delay);
static void hx_health_check_timer_handler(hx_event_t *ev);
static void hx_health_check_begin(hx_health_check_t *hc);
static void hx_health_check_io_handler(hx_event_t *ev);
static hx_int_t hx_health_check_send(hx_health_check_t *hc,
    hx_connection_t *c);
static hx_int_t hx_health_check_recv(hx_health_check_t *hc,
    hx_connection_t *c);
static hx_int_t hx_health_check_match(hx_health_check_t *hc,
    hx_uint_t complete);
static hx_int_t hx_health_check_http(hx_health_check_t *hc,
    hx_uint_t complete);
static hx_uint_t hx_health_check_expects(hx_health_check_t *hc);
static hx_int_t hx_health_check_handshake(hx_health_check_t *hc,
    hx_connection_t *c);
static SSL_CTX *hx_health_check_ssl_ctx(hx_log_t *log);
static void hx_health_check_begin_external(hx_health_check_t *hc);
static void hx_health_check_begin_icmp(hx_health_check_t *hc);
static hx_int_t hx_health_check_icmp_send(hx_health_check_t *hc,
    hx_fd_t s);
static void hx_health_check_icmp_handler(hx_event_t *ev);
static void hx_health_check_smtp(hx_health_check_t *hc, hx_connection_t *c);
static hx_int_t hx_health_check_smtp_reply(hx_buf_t *b);
static void hx_health_check_done(hx_health_check_t *hc, hx_uint_t ok,
    char *reason);
static void hx_health_check_close(hx_health_check_t *hc);


hx_int_t
hx_health_check_start(hx_health_check_t *hc, hx_msec_t delay)
{
    size_t  size;

    if (hc->pool == NULL) {
        hc->pool = hx_create_pool(1024, hc->log);
        if (hc->pool == NULL) {
            return HX_ERROR;
        }

        size = hc->conf->buffer_size ? hc->conf->buffer_size
                                     : HX_HEALTH_CHECK_BUFFER;

        hc->buf = hx_create_temp_buf(hc->pool, size);
        if (hc->buf == NULL) {
            hx_destroy_pool(hc->pool);
            hc->pool = NULL;
            return HX_ERROR;
        }
    }

    hx_memzero(&hc->timer, sizeof(hx_event_t));

    hc->timer.handler = hx_health_check_timer_handler;
    hc->timer.data = hc;
    hc->timer.log = hc->log;

    /* a stopping single process need not wait for the next probe */
    hc->timer.cancelable = 1;

    hc->running = 1;
    hc->active = 0;
    hc->nfails = 0;
    hc->npasses = 0;
    hc->checks = 0;
    hc->reason = NULL;

    hx_health_check_schedule(hc, delay);

    return HX_OK;
}


void
hx_health_check_stop(hx_health_check_t *hc)
{
    if (!hc->running) {
        return;
    }

    hx_health_check_close(hc);

    if (hc->timer.timer_set) {
        hx_del_timer(&hc->timer);
    }

    hc->running = 0;

    if (hc->pool) {
        hx_destroy_pool(hc->pool);
        hc->pool = NULL;
        hc->buf = NULL;
    }
}


void
hx_health_check_forget(hx_health_check_t *hc)
{
    if (hc->active && hc->pc.connection && hc->pc.connection->fd != -1) {
        (void) close(hc->pc.connection->fd);
    }
}


static void
hx_health_check_schedule(hx_health_check_t *hc, hx_msec_t delay)
{
    if (hc->conf->jitter) {
        delay += hx_upstream_random_number() % (hc->conf->jitter + 1);
    }

    if (hc->timer.timer_set) {
        hx_del_timer(&hc->timer);
    }

    hx_add_timer(&hc->timer, delay);
}


static void
hx_health_check_timer_handler(hx_event_t *ev)
{
    hx_health_check_t  *hc = ev->data;

    ev->timedout = 0;

    if (hc->active) {

        /* a UDP probe with no reply expected passes by staying quiet */

        if (hc->conf->type == HX_HEALTH_CHECK_UDP
            && !hx_health_check_expects(hc))
        {
            hx_health_check_done(hc, 1, NULL);
            return;
        }

        hx_health_check_done(hc, 0, "timed out");
        return;
    }

    hx_health_check_begin(hc);
}


static void
hx_health_check_begin(hx_health_check_t *hc)
{
    hx_int_t          rc;
    hx_connection_t  *c;

    hc->http_status = 0;
    hc->http_md5[0] = '\0';

    if (hc->conf->type == HX_HEALTH_CHECK_EXTERNAL) {
        hx_health_check_begin_external(hc);
        return;
    }

    if (hc->conf->type == HX_HEALTH_CHECK_ICMP) {
        hx_health_check_begin_icmp(hc);
        return;
    }

    hc->step = 0;

    hx_memcpy(&hc->target, hc->sockaddr, hc->socklen);

    if (hc->conf->port) {
        hx_inet_set_port(&hc->target.sockaddr, hc->conf->port);
    }

    hx_memzero(&hc->pc, sizeof(hx_peer_connection_t));

    hc->pc.sockaddr = &hc->target.sockaddr;
    hc->pc.socklen = hc->socklen;
    hc->pc.name = &hc->name;
    hc->pc.get = hx_event_get_peer;
    hc->pc.log = hc->log;
    hc->pc.log_error = HX_ERROR_INFO;
    hc->pc.local = hc->conf->local;

    if (hc->conf->type == HX_HEALTH_CHECK_UDP) {
        hc->pc.type = SOCK_DGRAM;
    }

    hc->buf->pos = hc->buf->start;
    hc->buf->last = hc->buf->start;
    hc->sent = 0;
    hc->active = 1;

    /* the whole exchange, connect included, must fit in the timeout */

    hx_health_check_schedule(hc, hc->conf->timeout);

    rc = hx_event_connect_peer(&hc->pc);

    if (rc == HX_ERROR || rc == HX_BUSY) {

        /* local trouble (no slot, no descriptor): not the target's fault */

        hc->pc.connection = NULL;
        hc->active = 0;

        hx_log_error(HX_LOG_ERR, hc->log, 0,
                     "health check of %V could not start", &hc->name);

        hx_health_check_schedule(hc, hc->conf->interval);
        return;
    }

    if (rc == HX_DECLINED) {
        hc->pc.connection = NULL;
        hx_health_check_done(hc, 0, "connect() failed");
        return;
    }

    c = hc->pc.connection;

    c->data = hc;
    c->read->handler = hx_health_check_io_handler;
    c->write->handler = hx_health_check_io_handler;

    if (rc == HX_OK) {
        hx_health_check_io_handler(c->write);
    }
}


static void
hx_health_check_io_handler(hx_event_t *ev)
{
    hx_int_t            rc;
    hx_connection_t    *c;
    hx_health_check_t  *hc;

    c = ev->data;
    hc = c->data;

    if (hc->sent == 0 && hc->buf->last == hc->buf->start) {

        /* the first event tells how the connect went */

        if (hx_event_connect_test(c) != HX_OK) {
            hx_health_check_done(hc, 0, "connect() failed");
            return;
        }
    }

    if (hc->conf->type == HX_HEALTH_CHECK_SMTP) {
        hx_health_check_smtp(hc, c);
        return;
    }

    if (hc->conf->ssl && !hc->handshaked) {
        rc = hx_health_check_handshake(hc, c);

        if (rc == HX_AGAIN) {
            return;
        }

        if (rc != HX_OK) {
            hx_health_check_done(hc, 0, "SSL handshake failed");
            return;
        }
    }

    rc = hx_health_check_send(hc, c);

    if (rc == HX_ERROR) {
        hx_health_check_done(hc, 0, "send() failed");
        return;
    }

    if (rc == HX_AGAIN) {
        return;
    }

    if (!hx_health_check_expects(hc)) {

        /* UDP without a reply to wait for: only a refusal fails it */

        if (hc->conf->type == HX_HEALTH_CHECK_UDP) {
            if (hx_health_check_recv(hc, c) == HX_ERROR) {
                hx_health_check_done(hc, 0, "refused");
            }

            return;
        }

        hx_health_check_done(hc, 1, NULL);
        return;
    }

    rc = hx_health_check_recv(hc, c);

    if (rc == HX_ERROR) {
        hx_health_check_done(hc, 0, "recv() failed");
        return;
    }

    /* HX_OK: the peer is done (closed, or one datagram, or buffer full) */

    rc = hx_health_check_match(hc, rc == HX_OK);

    if (rc == HX_AGAIN) {
        return;
    }

    hx_health_check_done(hc, rc == HX_OK, hc->reason);
}


/* whether the probe reads a reply at all */
static hx_uint_t
hx_health_check_expects(hx_health_check_t *hc)
{
    return hc->conf->type == HX_HEALTH_CHECK_HTTP
           || (hc->conf->type == HX_HEALTH_CHECK_UDP && hc->conf->reply)
           || hc->conf->expect.len
           || hc->conf->expect_regex;
}


/* the request: conf->send, or the HTTP GET; HX_OK when all has gone */
static hx_int_t
hx_health_check_send(hx_health_check_t *hc, hx_connection_t *c)
{
    size_t                   len;
    ssize_t                  n;
    uint8_t                 *data, req[1024];
    hx_err_t                 err;
    hx_str_t                 uri;
    hx_health_check_conf_t  *conf;

    conf = hc->conf;

    if (conf->type == HX_HEALTH_CHECK_HTTP) {
        uri = conf->uri;

        if (uri.len == 0) {
            hx_str_set(&uri, "/");
        }

        data = req;
        len = hx_snprintf(req, sizeof(req),
                          "GET %V HTTP/1.0" CRLF
                          "Host: %V" CRLF
                          "User-Agent: hanx health check" CRLF
                          "Connection: close" CRLF CRLF,
                          &uri, conf->host.len ? &conf->host : &hc->name)
              - req;

    } else {
        data = conf->send.len ? conf->send.data : req;
        len = conf->send.len;
    }

    if (hc->sent >= len && !(len == 0 && hc->sent == 0
                             && conf->type == HX_HEALTH_CHECK_UDP))
    {
        return HX_OK;
    }

    for ( ;; ) {
        if (hc->ssl) {
            ERR_clear_error();
            n = SSL_write(hc->ssl, data + hc->sent, len - hc->sent);

            if (n <= 0) {
                err = SSL_get_error(hc->ssl, n);

                if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ)
                {
                    return HX_AGAIN;
                }

                hx_log_error(HX_LOG_INFO, hc->log, 0,
                             "health check SSL_write() to %V failed",
                             &hc->name);
                return HX_ERROR;
            }

        } else {
            n = send(c->fd, data + hc->sent, len - hc->sent, MSG_NOSIGNAL);
        }

        if (n >= 0) {
            hc->sent += n;

            if (hc->sent >= len) {

                /* an empty UDP payload counts as sent once it went */

                hc->sent = hx_max(hc->sent, 1);
                return HX_OK;
            }

            continue;
        }

        err = hx_errno;

        if (err == EINTR) {
            continue;
        }

        if (err == EAGAIN) {
            c->write->ready = 0;
            return HX_AGAIN;
        }

        hx_log_error(HX_LOG_INFO, hc->log, err,
                     "health check send() to %V failed", &hc->name);

        return HX_ERROR;
    }
}


/*
 * Reads what there is.  HX_OK: no more will come (end of stream, a
 * datagram, a full buffer); HX_AGAIN: wait for more; HX_ERROR: failed.
 */
static hx_int_t
hx_health_check_recv(hx_health_check_t *hc, hx_connection_t *c)
{
    ssize_t    n;
    hx_err_t   err;
    hx_buf_t  *b;

    b = hc->buf;

    for ( ;; ) {
        if (b->last == b->end) {
            return HX_OK;
        }

        if (hc->ssl) {
            ERR_clear_error();
            n = SSL_read(hc->ssl, b->last, b->end - b->last);

            if (n <= 0) {
                err = SSL_get_error(hc->ssl, n);

                if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
                {
                    return HX_AGAIN;
                }

                /* close_notify, or a server that just closes */
                if (err == SSL_ERROR_ZERO_RETURN
                    || (err == SSL_ERROR_SYSCALL && hx_errno == 0))
                {
                    ERR_clear_error();
                    return HX_OK;
                }

                hx_log_error(HX_LOG_INFO, hc->log, 0,
                             "health check SSL_read() from %V failed",
                             &hc->name);
                ERR_clear_error();
                return HX_ERROR;
            }

        } else {
            n = recv(c->fd, b->last, b->end - b->last, 0);
        }

        if (n == 0 && c->type == SOCK_STREAM) {
            return HX_OK;
        }

        if (n >= 0) {
            b->last += n;

            if (c->type == SOCK_DGRAM) {
                return HX_OK;
            }

            continue;
        }

        err = hx_errno;

        if (err == EINTR) {
            continue;
        }

        if (err == EAGAIN) {
            c->read->ready = 0;
            return HX_AGAIN;
        }

        hx_log_error(HX_LOG_INFO, hc->log, err,
                     "health check recv() from %V failed", &hc->name);

        return HX_ERROR;
    }
}


/*
 * Whether the reply so far passes: HX_OK, HX_DECLINED (it can't, with
 * hc->reason set), or HX_AGAIN (not yet; complete means nothing more
 * will come, which turns "not yet" into a failure).
 */
static hx_int_t
hx_health_check_match(hx_health_check_t *hc, hx_uint_t complete)
{
    hx_int_t                 rc;
    hx_str_t                 s;
    hx_health_check_conf_t  *conf;

    conf = hc->conf;

    if (conf->type == HX_HEALTH_CHECK_HTTP) {
        return hx_health_check_http(hc, complete);
    }

    s.data = hc->buf->start;
    s.len = hc->buf->last - hc->buf->start;

    /* nothing yet: even an empty expect waits for a reply */

    if (s.len == 0 && !complete) {
        return HX_AGAIN;
    }

    if (conf->expect_regex) {
        rc = hx_regex_exec(conf->expect_regex, &s, NULL, 0);

        if (rc >= 0) {
            return HX_OK;
        }

        if (rc != HX_REGEX_NO_MATCHED) {
            hc->reason = "regex match failed";
            return HX_DECLINED;
        }

    } else if (conf->expect.len == 0
               || (s.len >= conf->expect.len
                   && memmem(s.data, s.len, conf->expect.data,
                             conf->expect.len)))
    {
        /* without an expected string (UDP's conf->reply) any reply does */
        return HX_OK;
    }

    if (!complete) {
        return HX_AGAIN;
    }

    hc->reason = s.len ? "the reply does not match" : "no reply";

    return HX_DECLINED;
}


/* "HTTP/1.x NNN ...": the status, then the body's digest if asked for */
static hx_int_t
hx_health_check_http(hx_health_check_t *hc, hx_uint_t complete)
{
    u_int                      mdlen;
    uint8_t                   *p, *last, *body;
    uint8_t                    md[EVP_MAX_MD_SIZE], hex[2 * EVP_MAX_MD_SIZE];
    hx_uint_t                  i, status;
    hx_health_check_status_t  *st;

    if (!complete) {
        return HX_AGAIN;
    }

    p = hc->buf->start;
    last = hc->buf->last;

    if (last - p < 12 || hx_strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' '
        || p[9] < '0' || p[9] > '9' || p[10] < '0' || p[10] > '9'
        || p[11] < '0' || p[11] > '9')
    {
        hc->reason = "no HTTP status line";
        return HX_DECLINED;
    }

    status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    hc->http_status = status;

    if (hc->conf->status == NULL) {
        if (status < 200 || status > 299) {
            hc->reason = "HTTP status not accepted";
            return HX_DECLINED;
        }

    } else {
        st = hc->conf->status->elts;

        for (i = 0; i < hc->conf->status->nelts; i++) {
            if (status >= st[i].low && status <= st[i].high) {
                break;
            }
        }

        if (i == hc->conf->status->nelts) {
            hc->reason = "HTTP status not accepted";
            return HX_DECLINED;
        }
    }

    if (hc->conf->digest.len == 0) {
        return HX_OK;
    }

    body = hx_strlcasestrn(p, last, (uint8_t *) CRLF CRLF, 4 - 1);

    if (body == NULL) {
        hc->reason = "no HTTP body";
        return HX_DECLINED;
    }

    body += 4;

    if (EVP_Digest(body, last - body, md, &mdlen, EVP_md5(), NULL) != 1) {
        hc->reason = "MD5 failed";
        return HX_DECLINED;
    }

    (void) hx_hex_dump(hex, md, mdlen);

    if (mdlen <= 16) {
        *hx_cpymem(hc->http_md5, hex, 2 * mdlen) = '\0';
    }

    if (hc->conf->digest.len != 2 * mdlen
        || hx_strncasecmp(hex, hc->conf->digest.data, 2 * mdlen) != 0)
    {
        hc->reason = "digest does not match";
        return HX_DECLINED;
    }

    return HX_OK;
}


/* one probe's result: counters, a verdict change, the next probe */
static void
hx_health_check_done(hx_health_check_t *hc, hx_uint_t ok, char *reason)
{
    hx_uint_t  was;

    hx_health_check_close(hc);

    hc->checks++;
    was = hc->up;

    if (ok) {
        hc->npasses++;
        hc->nfails = 0;

        if (!hc->up && hc->npasses >= hx_max(hc->conf->passes, 1)) {
            hc->up = 1;
        }

    } else {
        hc->reason = reason;
        hc->nfails++;
        hc->npasses = 0;

        if (hc->up && hc->nfails >= hx_max(hc->conf->fails, 1)) {
            hc->up = 0;
        }
    }

    hx_log_debug(HX_LOG_DEBUG_EVENT, hc->log, 0,
                 "health check of %V: %s, %ui fails, %ui passes",
                 &hc->name, ok ? "passed" : reason, hc->nfails,
                 hc->npasses);

    /* keepalived: a retry comes after delay_before_retry, not delay_loop */

    hx_health_check_schedule(hc, (!ok && hc->up && hc->conf->retry_interval)
                                 ? hc->conf->retry_interval
                                 : hc->conf->interval);

    if (hc->up != was && hc->handler) {
        hc->handler(hc, hc->up);
    }
}


static void
hx_health_check_close(hx_health_check_t *hc)
{
    if (hc->ssl) {
        SSL_set_quiet_shutdown(hc->ssl, 1);
        SSL_free(hc->ssl);
        hc->ssl = NULL;
    }

    hc->handshaked = 0;

    if (hc->active && hc->conf->type == HX_HEALTH_CHECK_EXTERNAL) {
        hc->active = 0;

        if (hc->conf->abort) {
            hc->conf->abort(hc);
        }
    }

    if (hc->active && hc->pc.connection) {
        hx_close_connection(hc->pc.connection);
    }

    hc->pc.connection = NULL;
    hc->active = 0;
}


void
hx_health_check_report(hx_health_check_t *hc, hx_uint_t ok, char *reason)
{
    if (!hc->running || !hc->active) {
        return;
    }

    /* finished: nothing for hx_health_check_close() to abort */
    hc->active = 0;

    hx_health_check_done(hc, ok, reason);
}


static void
hx_health_check_begin_external(hx_health_check_t *hc)
{
    hc->active = 1;

    if (hc->conf->timeout) {
        hx_health_check_schedule(hc, hc->conf->timeout);

    } else if (hc->timer.timer_set) {
        hx_del_timer(&hc->timer);
    }

    if (hc->conf->probe(hc) == HX_OK) {
        return;
    }

    hc->active = 0;

    hx_log_error(HX_LOG_ERR, hc->log, 0,
                 "health check of %V could not start", &hc->name);

    hx_health_check_schedule(hc, hc->conf->interval);
}

/*
 * An echo request on its own socket: a "ping" socket where
 * net.ipv4.ping_group_range lets this process have one (the kernel then
 * owns the identifier and only hands this socket its own replies), else
 * a raw socket, which sees every ICMP message to the host and is
 * filtered here by type, identifier and sequence.
 */
static void
hx_health_check_begin_icmp(hx_health_check_t *hc)
{
    int               family, proto;
    hx_fd_t           s;
    hx_connection_t  *c;

    family = hc->sockaddr->sa_family;
    proto = (family == AF_INET6) ? IPPROTO_ICMPV6 : IPPROTO_ICMP;

    hc->icmp_raw = 0;
    s = socket(family, SOCK_DGRAM|SOCK_NONBLOCK|SOCK_CLOEXEC, proto);

    if (s == -1) {
        hc->icmp_raw = 1;
        s = socket(family, SOCK_RAW|SOCK_NONBLOCK|SOCK_CLOEXEC, proto);
    }

    if (s == -1) {
        hx_log_error(HX_LOG_ERR, hc->log, hx_errno,
                     "health check of %V could not open an ICMP socket",
                     &hc->name);
        hx_health_check_schedule(hc, hc->conf->interval);
        return;
    }

    c = hx_get_connection(s, hc->log);
    if (c == NULL) {
        (void) close(s);
        hx_health_check_schedule(hc, hc->conf->interval);
        return;
    }

    c->type = SOCK_DGRAM;
    c->data = hc;
    c->read->handler = hx_health_check_icmp_handler;
    c->write->handler = hx_health_check_icmp_handler;
    c->read->log = hc->log;
    c->write->log = hc->log;
    c->number = hx_event_next_number();

    hc->pc.connection = c;
    hc->active = 1;

    hx_health_check_schedule(hc, hc->conf->timeout);

    if (hx_add_conn(c) == HX_ERROR) {
        hx_health_check_done(hc, 0, "epoll failed");
        return;
    }

    if ((hc->conf->local
         && bind(s, hc->conf->local->sockaddr, hc->conf->local->socklen)
            == -1)
        || connect(s, hc->sockaddr, hc->socklen) == -1)
    {
        hx_log_error(HX_LOG_INFO, hc->log, hx_errno,
                     "health check bind() or connect() for %V failed",
                     &hc->name);
        hx_health_check_done(hc, 0, "connect() failed");
        return;
    }

    if (hx_health_check_icmp_send(hc, s) != HX_OK) {
        hx_health_check_done(hc, 0, "send() failed");
    }
}


/* the echo request: 8 bytes of header, 16 of payload */
static hx_int_t
hx_health_check_icmp_send(hx_health_check_t *hc, hx_fd_t s)
{
    uint8_t    pkt[24];
    uint32_t   sum;
    hx_uint_t  i;

    if (hc->icmp_id == 0) {
        hc->icmp_id = (uint16_t) ((hx_pid ^ ((uintptr_t) hc >> 4)) | 1);
    }

    hc->icmp_seq++;

    hx_memzero(pkt, sizeof(pkt));

    pkt[0] = (hc->sockaddr->sa_family == AF_INET6) ? 128 : 8;
    pkt[4] = (uint8_t) (hc->icmp_id >> 8);
    pkt[5] = (uint8_t) hc->icmp_id;
    pkt[6] = (uint8_t) (hc->icmp_seq >> 8);
    pkt[7] = (uint8_t) hc->icmp_seq;
    hx_memcpy(&pkt[8], "hanx echo probe.", 16);

    /* the kernel sums ICMPv6; ICMP over IPv4 is summed here */

    if (pkt[0] == 8) {
        sum = 0;

        for (i = 0; i < sizeof(pkt); i += 2) {
            sum += (uint32_t) (pkt[i] << 8 | pkt[i + 1]);
        }

        sum = (sum >> 16) + (sum & 0xffff);
        sum += sum >> 16;
        sum = ~sum & 0xffff;

        pkt[2] = (uint8_t) (sum >> 8);
        pkt[3] = (uint8_t) sum;
    }

    if (send(s, pkt, sizeof(pkt), MSG_NOSIGNAL) != (ssize_t) sizeof(pkt)) {
        hx_log_error(HX_LOG_INFO, hc->log, hx_errno,
                     "health check echo request to %V failed", &hc->name);
        return HX_ERROR;
    }

    return HX_OK;
}


/* reads ICMP messages until the echo reply to the last request */
static void
hx_health_check_icmp_handler(hx_event_t *ev)
{
    size_t              off;
    ssize_t             n;
    uint8_t             pkt[1500], reply;
    hx_err_t            err;
    hx_connection_t    *c;
    hx_health_check_t  *hc;

    if (ev->write) {
        return;
    }

    c = ev->data;
    hc = c->data;

    reply = (hc->sockaddr->sa_family == AF_INET6) ? 129 : 0;

    for ( ;; ) {
        n = recv(c->fd, pkt, sizeof(pkt), 0);

        if (n == -1) {
            err = hx_errno;

            if (err == EINTR) {
                continue;
            }

            if (err == EAGAIN) {
                ev->ready = 0;
                return;
            }

            hx_health_check_done(hc, 0, "recv() failed");
            return;
        }

        /* a raw IPv4 socket hands over the IP header too */

        off = 0;

        if (hc->icmp_raw && reply == 0 && n > 0) {
            off = (size_t) (pkt[0] & 0x0f) * 4;
        }

        if ((size_t) n < off + 8 || pkt[off] != reply
            || pkt[off + 6] != (uint8_t) (hc->icmp_seq >> 8)
            || pkt[off + 7] != (uint8_t) hc->icmp_seq)
        {
            continue;
        }

        /* a ping socket's identifier is the kernel's, already matched */

        if (hc->icmp_raw
            && (pkt[off + 4] != (uint8_t) (hc->icmp_id >> 8)
                || pkt[off + 5] != (uint8_t) hc->icmp_id))
        {
            continue;
        }

        hx_health_check_done(hc, 1, NULL);
        return;
    }
}


/*
 * SMTP: each complete reply is checked against the step's code (220
 * greeting, 250 to HELO, 221 to QUIT) and answered with the next command.
 */
static void
hx_health_check_smtp(hx_health_check_t *hc, hx_connection_t *c)
{
    size_t     len;
    uint8_t    cmd[300];
    hx_int_t   rc, code;
    hx_str_t   helo;

    static hx_int_t  expected[] = { 220, 250, 221 };

    for ( ;; ) {
        rc = hx_health_check_recv(hc, c);

        if (rc == HX_ERROR) {
            hx_health_check_done(hc, 0, "recv() failed");
            return;
        }

        code = hx_health_check_smtp_reply(hc->buf);

        if (code == 0) {
            if (rc == HX_OK) {
                hx_health_check_done(hc, 0, "no SMTP reply");
            }

            return;
        }

        if (code != expected[hc->step]) {
            hx_health_check_done(hc, 0, "SMTP reply not accepted");
            return;
        }

        if (hc->step == 2) {
            hx_health_check_done(hc, 1, NULL);
            return;
        }

        helo = hc->conf->helo;

        if (helo.len == 0 || helo.len > 255) {
            hx_str_set(&helo, "localhost");
        }

        len = (hc->step == 0)
              ? (size_t) (hx_snprintf(cmd, sizeof(cmd), "HELO %V" CRLF, &helo)
                          - cmd)
              : (size_t) (hx_cpymem(cmd, "QUIT" CRLF, 6) - cmd);

        if (send(c->fd, cmd, len, MSG_NOSIGNAL) != (ssize_t) len) {
            hx_health_check_done(hc, 0, "send() failed");
            return;
        }

        hc->step++;
        hc->sent = 1;
        hc->buf->last = hc->buf->start;
    }
}


/*
 * The code of the first complete reply in b ("250-..." lines continue
 * one, "250 ..." ends it), 0 when none is complete yet, -1 when what
 * came is no SMTP reply.
 */
static hx_int_t
hx_health_check_smtp_reply(hx_buf_t *b)
{
    uint8_t  *p, *nl;

    for (p = b->start; p < b->last; p = nl + 1) {
        nl = hx_strlchr(p, b->last, '\n');

        if (nl == NULL) {
            return 0;
        }

        if (nl - p < 3 || p[0] < '1' || p[0] > '5' || p[1] < '0'
            || p[1] > '9' || p[2] < '0' || p[2] > '9')
        {
            return -1;
        }

        if (nl - p > 3 && p[3] == '-') {
            continue;
        }

        return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    }

    return 0;
}



/* one step of the TLS handshake: HX_OK done, HX_AGAIN, HX_ERROR */
static hx_int_t
hx_health_check_handshake(hx_health_check_t *hc, hx_connection_t *c)
{
    int       n, err;
    SSL      *ssl;
    SSL_CTX  *ctx;

    if (hc->ssl == NULL) {
        ctx = hx_health_check_ssl_ctx(hc->log);
        if (ctx == NULL) {
            return HX_ERROR;
        }

        ssl = SSL_new(ctx);
        if (ssl == NULL) {
            return HX_ERROR;
        }

        if (SSL_set_fd(ssl, c->fd) != 1) {
            SSL_free(ssl);
            return HX_ERROR;
        }

        SSL_set_connect_state(ssl);
        hc->ssl = ssl;
    }

    ERR_clear_error();

    n = SSL_do_handshake(hc->ssl);

    if (n == 1) {
        hc->handshaked = 1;
        return HX_OK;
    }

    err = SSL_get_error(hc->ssl, n);
    ERR_clear_error();

    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        return HX_AGAIN;
    }

    hx_log_error(HX_LOG_INFO, hc->log, 0,
                 "health check SSL handshake with %V failed", &hc->name);

    return HX_ERROR;
}


/* the process's one client context, made on first use */
static SSL_CTX *
hx_health_check_ssl_ctx(hx_log_t *log)
{
    static SSL_CTX  *ctx;

    if (ctx) {
        return ctx;
    }

    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        hx_log_error(HX_LOG_ALERT, log, 0,
                     "SSL_CTX_new() for health checks failed");
        return NULL;
    }

    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);

#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif

    return ctx;
}


hx_int_t
hx_health_check_add_status(hx_pool_t *pool, hx_array_t **status,
    hx_str_t *value)
{
    uint8_t                   *dash;
    hx_int_t                   low, high;
    hx_health_check_status_t  *st;

    if (value->len == 3 && value->data[1] == 'x' && value->data[2] == 'x'
        && value->data[0] >= '1' && value->data[0] <= '5')
    {
        low = (value->data[0] - '0') * 100;
        high = low + 99;

    } else {
        dash = hx_strlchr(value->data, value->data + value->len, '-');

        if (dash) {
            low = hx_atoi(value->data, dash - value->data);
            high = hx_atoi(dash + 1, value->data + value->len - dash - 1);

        } else {
            low = hx_atoi(value->data, value->len);
            high = low;
        }

        if (low < 100 || high > 599 || low > high) {
            return HX_ERROR;
        }
    }

    if (*status == NULL) {
        *status = hx_array_create(pool, 4, sizeof(hx_health_check_status_t));
        if (*status == NULL) {
            return HX_ERROR;
        }
    }

    st = hx_array_push(*status);
    if (st == NULL) {
        return HX_ERROR;
    }

    st->low = (hx_uint_t) low;
    st->high = (hx_uint_t) high;

    return HX_OK;
}

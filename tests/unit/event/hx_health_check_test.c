/*
 * Unit tests for event/hx_health_check.c, with real sockets on loopback
 * and a worker-style event loop: a TCP connect passes or fails, "fails"
 * failures turn a target down and "passes" successes back up, send and
 * expect (string and regex), HTTP status and digest, UDP refusals and
 * replies, the probe timeout, and stopping leaves nothing behind; the
 * retry interval after a failure; EXTERNAL probes the owner reports on.
 * Servers that must answer run in a thread of the test.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_health_check.h>

#include <criterion/criterion.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>

#include "hx_event_fixture.h"


static volatile hx_uint_t  changed;
static volatile hx_uint_t  verdict;

static hx_health_check_conf_t  conf;
static hx_health_check_t       hc;
static struct sockaddr_in      target;

/* what the thread server answers to every connection */
static const char             *reply;
static int                     server_fd;
static pthread_t               server_thread;


static void
setup(void)
{
    hxt_cycle_init(16);
    cr_assert_eq(hx_event_process_init(&hxt_cycle), HX_OK);

    changed = 0;
    verdict = 0;

    hx_memzero(&conf, sizeof(conf));
    conf.type = HX_HEALTH_CHECK_TCP;
    conf.interval = 20;
    conf.timeout = 500;
    conf.fails = 1;
    conf.passes = 1;

    hx_memzero(&hc, sizeof(hc));
    server_fd = -1;
}


static void
teardown(void)
{
    hx_health_check_stop(&hc);
    hx_event_process_done(&hxt_cycle);

    if (server_fd != -1) {
        shutdown(server_fd, SHUT_RDWR);
        close(server_fd);
        pthread_join(server_thread, NULL);
    }
}


TestSuite(health_check, .init = setup, .fini = teardown);


static void
on_change(hx_health_check_t *h, hx_uint_t up)
{
    (void) h;

    changed++;
    verdict = up;
}


/* a socket of type bound to 127.0.0.1 with a kernel port, into target */
static int
bound(int type)
{
    int        s;
    socklen_t  len;

    s = socket(AF_INET, type, 0);
    cr_assert_neq(s, -1);

    hx_memzero(&target, sizeof(target));
    target.sin_family = AF_INET;
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    cr_assert_eq(bind(s, (struct sockaddr *) &target, sizeof(target)), 0);

    len = sizeof(target);
    cr_assert_eq(getsockname(s, (struct sockaddr *) &target, &len), 0);

    return s;
}


static void *
tcp_server(void *arg)
{
    int   c;
    char  buf[1024];

    (void) arg;

    for ( ;; ) {
        c = accept(server_fd, NULL, NULL);
        if (c == -1) {
            return NULL;
        }

        (void) recv(c, buf, sizeof(buf), 0);
        (void) send(c, reply, strlen(reply), MSG_NOSIGNAL);
        close(c);
    }
}


static void *
udp_server(void *arg)
{
    ssize_t             n;
    char                buf[1024];
    socklen_t           len;
    struct sockaddr_in  from;

    (void) arg;

    for ( ;; ) {
        len = sizeof(from);
        n = recvfrom(server_fd, buf, sizeof(buf), 0,
                     (struct sockaddr *) &from, &len);
        if (n == -1) {
            return NULL;
        }

        (void) sendto(server_fd, reply, strlen(reply), 0,
                      (struct sockaddr *) &from, len);
    }
}


static void
serve(int type, const char *text)
{
    reply = text;
    server_fd = bound(type);

    if (type == SOCK_STREAM) {
        cr_assert_eq(listen(server_fd, 16), 0);
    }

    cr_assert_eq(pthread_create(&server_thread, NULL,
                                type == SOCK_STREAM ? tcp_server
                                                    : udp_server,
                                NULL), 0);
}


static void
start(hx_uint_t up)
{
    hc.conf = &conf;
    hc.sockaddr = (struct sockaddr *) &target;
    hc.socklen = sizeof(target);
    hx_str_set(&hc.name, "target");
    hc.handler = on_change;
    hc.log = &hxt_log;
    hc.up = up;

    cr_assert_eq(hx_health_check_start(&hc, 0), HX_OK);
}


/* runs the loop until n probes completed (at most ~5 s) */
static void
run_checks(hx_uint_t n)
{
    hx_uint_t  i;

    for (i = 0; i < 100 && hc.checks < n; i++) {
        hxt_iterate();
    }

    cr_assert_geq(hc.checks, n, "only %lu probes",
                  (unsigned long) hc.checks);
}


Test(health_check, a_listening_target_passes)
{
    int  s;

    s = bound(SOCK_STREAM);
    cr_assert_eq(listen(s, 16), 0);

    start(0);
    run_checks(1);

    cr_assert_eq(changed, 1);
    cr_assert_eq(verdict, 1);
    cr_assert_eq(hc.up, 1);

    close(s);
}


Test(health_check, fails_failures_turn_it_down_and_passes_bring_it_back)
{
    int  s;

    s = bound(SOCK_STREAM);

    conf.fails = 2;
    conf.passes = 3;

    start(1);
    run_checks(1);

    /* one failure is not enough */
    cr_assert_eq(changed, 0);
    cr_assert_eq(hc.nfails, 1);
    cr_assert_str_eq(hc.reason, "connect() failed");

    run_checks(2);
    cr_assert_eq(changed, 1);
    cr_assert_eq(verdict, 0);

    cr_assert_eq(listen(s, 16), 0);

    run_checks(hc.checks + 2);
    cr_assert_eq(verdict, 0, "up after two passes of three");

    run_checks(hc.checks + 1);
    cr_assert_eq(verdict, 1);
    cr_assert_eq(changed, 2);

    close(s);
}


Test(health_check, send_and_expect_a_string)
{
    serve(SOCK_STREAM, "hello world\n");

    hx_str_set(&conf.send, "ping");
    hx_str_set(&conf.expect, "lo wor");

    start(0);
    run_checks(1);

    cr_assert_eq(verdict, 1);
}


Test(health_check, a_reply_that_does_not_match_fails)
{
    hx_regex_compile_t  rc;
    uint8_t             err[128];

    serve(SOCK_STREAM, "hello world\n");

    hx_memzero(&rc, sizeof(rc));
    hx_str_set(&rc.pattern, "^HTTP/1\\.[01] 200");
    rc.pool = hxt_cycle.pool;
    rc.err.data = err;
    rc.err.len = sizeof(err);
    cr_assert_eq(hx_regex_compile(&rc), HX_OK);

    conf.expect_regex = rc.regex;
    hx_str_set(&conf.send, "x");

    start(1);
    run_checks(1);

    cr_assert_eq(verdict, 0);
    cr_assert_str_eq(hc.reason, "the reply does not match");
}


Test(health_check, http_status_and_digest)
{
    hx_str_t  s;

    /* md5("body") */
    serve(SOCK_STREAM, "HTTP/1.0 200 OK\r\nX: y\r\n\r\nbody");

    conf.type = HX_HEALTH_CHECK_HTTP;
    hx_str_set(&conf.digest, "841A2D689AD86BD1611447453C22C6FC");

    start(0);
    run_checks(1);
    cr_assert_eq(verdict, 1, "%s", hc.reason ? hc.reason : "");

    /* only 5xx accepted now */

    hx_health_check_stop(&hc);
    hx_str_set(&s, "5xx");
    cr_assert_eq(hx_health_check_add_status(hxt_cycle.pool, &conf.status,
                                            &s), HX_OK);
    hx_str_null(&conf.digest);

    start(1);
    run_checks(1);
    cr_assert_eq(verdict, 0);
    cr_assert_str_eq(hc.reason, "HTTP status not accepted");
}


Test(health_check, a_wrong_digest_fails)
{
    serve(SOCK_STREAM, "HTTP/1.0 200 OK\r\n\r\nother body");

    conf.type = HX_HEALTH_CHECK_HTTP;
    hx_str_set(&conf.digest, "841a2d689ad86bd1611447453c22c6fc");

    start(1);
    run_checks(1);

    cr_assert_eq(verdict, 0);
    cr_assert_str_eq(hc.reason, "digest does not match");
}


Test(health_check, an_http_failure_records_the_status_and_the_md5)
{
    serve(SOCK_STREAM, "HTTP/1.0 503 Busy\r\n\r\nbody");

    conf.type = HX_HEALTH_CHECK_HTTP;
    hx_str_set(&conf.digest, "00000000000000000000000000000000");

    start(1);
    run_checks(1);

    cr_assert_eq(verdict, 0);
    cr_assert_eq(hc.http_status, 503);
    cr_assert_str_eq(hc.reason, "HTTP status not accepted");

    /* 5xx accepted: now the digest is what fails, and it is kept */

    hx_health_check_stop(&hc);
    hx_memzero(&hc, sizeof(hc));
    conf.status = NULL;
    {
        hx_str_t  s;

        hx_str_set(&s, "5xx");
        cr_assert_eq(hx_health_check_add_status(hxt_cycle.pool,
                                                &conf.status, &s), HX_OK);
    }

    start(1);
    run_checks(1);

    cr_assert_str_eq(hc.reason, "digest does not match");
    cr_assert_str_eq((char *) hc.http_md5,
                     "841a2d689ad86bd1611447453c22c6fc");
}


Test(health_check, retries_come_after_the_retry_interval)
{
    int        s;
    hx_msec_t  began;

    /* bound, not listening: every connect is refused */
    s = bound(SOCK_STREAM);

    conf.interval = 5000;
    conf.retry_interval = 20;
    conf.fails = 3;

    hx_time_update();
    began = hx_current_msec;

    start(1);
    run_checks(3);

    /* three probes without waiting one interval between them */
    cr_assert_eq(verdict, 0);
    cr_assert_lt(hx_current_msec - began, 2000);

    /* down: the next probe is an interval away, not a retry interval */
    cr_assert(hc.timer.timer_set);
    cr_assert_geq(hc.timer.timer.key - hx_current_msec, 4000);

    close(s);
}


Test(health_check, without_a_retry_interval_retries_wait_the_interval)
{
    int  s;

    s = bound(SOCK_STREAM);

    conf.interval = 3000;
    conf.fails = 2;

    start(1);
    run_checks(1);

    cr_assert_eq(verdict, 0);
    cr_assert(hc.timer.timer_set);
    cr_assert_geq(hc.timer.timer.key - hx_current_msec, 2500);

    close(s);
}


static hx_uint_t  probes;
static hx_uint_t  aborts;


static hx_int_t
external_probe(hx_health_check_t *h)
{
    (void) h;

    probes++;

    return HX_OK;
}


static void
external_abort(hx_health_check_t *h)
{
    (void) h;

    aborts++;
}


Test(health_check, an_external_probe_counts_what_the_owner_reports)
{
    hx_uint_t  i;

    probes = 0;
    aborts = 0;

    conf.type = HX_HEALTH_CHECK_EXTERNAL;
    conf.timeout = 0;
    conf.fails = 2;
    conf.probe = external_probe;
    conf.abort = external_abort;

    start(1);

    for (i = 0; i < 20 && probes == 0; i++) {
        hxt_iterate();
    }

    cr_assert_eq(probes, 1);
    cr_assert(hc.active);

    /* no deadline: the probe waits for its report */
    for (i = 0; i < 3; i++) {
        hxt_iterate();
    }

    cr_assert_eq(probes, 1);

    hx_health_check_report(&hc, 0, "exited with an error");
    cr_assert_eq(hc.checks, 1);
    cr_assert_eq(changed, 0, "one failure of two");

    for (i = 0; i < 20 && probes == 1; i++) {
        hxt_iterate();
    }

    hx_health_check_report(&hc, 0, "exited with an error");
    cr_assert_eq(changed, 1);
    cr_assert_eq(verdict, 0);
    cr_assert_str_eq(hc.reason, "exited with an error");

    /* a report with no probe in progress is ignored */
    hx_health_check_report(&hc, 1, NULL);
    cr_assert_eq(hc.checks, 2);
    cr_assert_eq(aborts, 0);

    /* stopping during a probe aborts it */
    for (i = 0; i < 20 && probes == 2; i++) {
        hxt_iterate();
    }

    cr_assert(hc.active);
    hx_health_check_stop(&hc);
    cr_assert_eq(aborts, 1);
}


Test(health_check, an_external_probe_with_a_timeout_is_aborted)
{
    hx_uint_t  i;

    probes = 0;
    aborts = 0;

    conf.type = HX_HEALTH_CHECK_EXTERNAL;
    conf.timeout = 30;
    conf.probe = external_probe;
    conf.abort = external_abort;

    start(1);

    for (i = 0; i < 40 && hc.checks == 0; i++) {
        hxt_iterate();
    }

    cr_assert_eq(hc.checks, 1);
    cr_assert_eq(aborts, 1);
    cr_assert_str_eq(hc.reason, "timed out");
    cr_assert_eq(verdict, 0);
}


/* ---- TLS (SSL_GET) ---- */


static SSL_CTX  *tls_ctx;


/* a server context with a throw-away self-signed EC certificate */
static SSL_CTX *
tls_server_ctx(void)
{
    X509      *x;
    SSL_CTX   *ctx;
    EVP_PKEY  *key;
    X509_NAME *name;

    key = EVP_EC_gen("P-256");
    cr_assert_not_null(key);

    x = X509_new();
    cr_assert_not_null(x);
    cr_assert(X509_set_version(x, 2));
    cr_assert(ASN1_INTEGER_set(X509_get_serialNumber(x), 1));
    cr_assert_not_null(X509_gmtime_adj(X509_getm_notBefore(x), -60));
    cr_assert_not_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
    cr_assert(X509_set_pubkey(x, key));

    name = X509_get_subject_name(x);
    cr_assert(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                         (unsigned char *) "real.server",
                                         -1, -1, 0));
    cr_assert(X509_set_issuer_name(x, name));
    cr_assert(X509_sign(x, key, EVP_sha256()));

    ctx = SSL_CTX_new(TLS_server_method());
    cr_assert_not_null(ctx);
    cr_assert_eq(SSL_CTX_use_certificate(ctx, x), 1);
    cr_assert_eq(SSL_CTX_use_PrivateKey(ctx, key), 1);

    X509_free(x);
    EVP_PKEY_free(key);

    return ctx;
}


static void *
tls_server(void *arg)
{
    int    c;
    SSL   *ssl;
    char   buf[1024];

    (void) arg;

    for ( ;; ) {
        c = accept(server_fd, NULL, NULL);
        if (c == -1) {
            return NULL;
        }

        ssl = SSL_new(tls_ctx);
        SSL_set_fd(ssl, c);

        if (SSL_accept(ssl) == 1) {
            (void) SSL_read(ssl, buf, sizeof(buf));
            (void) SSL_write(ssl, reply, strlen(reply));
            (void) SSL_shutdown(ssl);
        }

        SSL_free(ssl);
        close(c);
    }
}


Test(health_check, an_https_target_passes_through_tls)
{
    tls_ctx = tls_server_ctx();

    reply = "HTTP/1.0 200 OK\r\n\r\nbody";
    server_fd = bound(SOCK_STREAM);
    cr_assert_eq(listen(server_fd, 16), 0);
    cr_assert_eq(pthread_create(&server_thread, NULL, tls_server, NULL), 0);

    conf.type = HX_HEALTH_CHECK_HTTP;
    conf.ssl = 1;
    hx_str_set(&conf.digest, "841a2d689ad86bd1611447453c22c6fc");

    /* the certificate is self-signed: not verified, as keepalived */
    start(0);
    run_checks(1);

    cr_assert_eq(verdict, 1, "%s", hc.reason ? hc.reason : "");
    cr_assert_eq(hc.http_status, 200);
    cr_assert_null(hc.ssl, "the TLS object is freed after the probe");
}


Test(health_check, tls_to_a_plain_server_fails_the_handshake)
{
    serve(SOCK_STREAM, "HTTP/1.0 200 OK\r\n\r\nbody");

    conf.type = HX_HEALTH_CHECK_HTTP;
    conf.ssl = 1;

    start(1);
    run_checks(1);

    cr_assert_eq(verdict, 0);
    cr_assert_str_eq(hc.reason, "SSL handshake failed");
}


Test(health_check, a_udp_target_that_refuses_fails)
{
    int  s;

    s = bound(SOCK_DGRAM);
    close(s);

    conf.type = HX_HEALTH_CHECK_UDP;
    conf.timeout = 300;

    start(1);
    run_checks(1);

    cr_assert_eq(verdict, 0);
    cr_assert_str_eq(hc.reason, "refused");
}


Test(health_check, a_udp_reply_that_matches_passes)
{
    serve(SOCK_DGRAM, "pong");

    conf.type = HX_HEALTH_CHECK_UDP;
    hx_str_set(&conf.expect, "pong");

    start(0);
    run_checks(1);

    cr_assert_eq(verdict, 1);
}


Test(health_check, a_silent_udp_target_passes_without_an_expected_reply)
{
    int  s;

    s = bound(SOCK_DGRAM);

    conf.type = HX_HEALTH_CHECK_UDP;
    conf.timeout = 100;

    start(0);
    run_checks(1);

    cr_assert_eq(verdict, 1);

    close(s);
}


Test(health_check, a_target_that_never_answers_times_out)
{
    int  s;

    s = bound(SOCK_STREAM);
    cr_assert_eq(listen(s, 16), 0);

    /* connected, but the reply never comes */

    hx_str_set(&conf.expect, "never");
    conf.timeout = 100;

    start(1);
    run_checks(1);

    cr_assert_eq(verdict, 0);
    cr_assert_str_eq(hc.reason, "timed out");

    close(s);
}


Test(health_check, stop_leaves_no_timer_and_no_socket)
{
    int  s;

    s = bound(SOCK_STREAM);
    cr_assert_eq(listen(s, 16), 0);

    hx_str_set(&conf.expect, "never");

    start(1);
    hxt_iterate();

    cr_assert(hc.active);

    hx_health_check_stop(&hc);

    cr_assert_not(hc.active);
    cr_assert_not(hc.timer.timer_set);
    cr_assert_eq(hxt_cycle.free_connection_n, hxt_cycle.connection_n);

    close(s);
}


Test(health_check, status_lists)
{
    hx_str_t                   s;
    hx_array_t                *a;
    hx_health_check_status_t  *st;

    a = NULL;

    hx_str_set(&s, "200");
    cr_assert_eq(hx_health_check_add_status(hxt_cycle.pool, &a, &s), HX_OK);
    hx_str_set(&s, "300-399");
    cr_assert_eq(hx_health_check_add_status(hxt_cycle.pool, &a, &s), HX_OK);
    hx_str_set(&s, "4xx");
    cr_assert_eq(hx_health_check_add_status(hxt_cycle.pool, &a, &s), HX_OK);

    st = a->elts;
    cr_assert_eq(st[0].low, 200);
    cr_assert_eq(st[0].high, 200);
    cr_assert_eq(st[1].high, 399);
    cr_assert_eq(st[2].low, 400);
    cr_assert_eq(st[2].high, 499);

    hx_str_set(&s, "399-300");
    cr_assert_eq(hx_health_check_add_status(hxt_cycle.pool, &a, &s),
                 HX_ERROR);
    hx_str_set(&s, "99");
    cr_assert_eq(hx_health_check_add_status(hxt_cycle.pool, &a, &s),
                 HX_ERROR);
}


Test(health_check, a_silent_udp_target_fails_when_a_reply_is_required)
{
    int  s;

    s = bound(SOCK_DGRAM);

    conf.type = HX_HEALTH_CHECK_UDP;
    conf.reply = 1;
    conf.timeout = 100;

    start(1);
    run_checks(1);

    cr_assert_eq(verdict, 0);
    cr_assert_str_eq(hc.reason, "timed out");

    close(s);
}


Test(health_check, any_udp_reply_passes_when_one_is_required)
{
    serve(SOCK_DGRAM, "whatever");

    conf.type = HX_HEALTH_CHECK_UDP;
    conf.reply = 1;

    start(0);
    run_checks(1);

    cr_assert_eq(verdict, 1);
}


Test(health_check, an_icmp_echo_to_loopback_passes)
{
    hx_memzero(&target, sizeof(target));
    target.sin_family = AF_INET;
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    conf.type = HX_HEALTH_CHECK_ICMP;
    conf.timeout = 1000;

    start(0);
    run_checks(1);

    /* a ping socket, or as root a raw one; neither: "could not open" */
    cr_assert_eq(verdict, 1, "%s", hc.reason ? hc.reason : "");
}


static char  helo_seen[128];


/* "220", then `reply` to HELO, then "221" to QUIT */
static void *
smtp_server(void *arg)
{
    int      c;
    ssize_t  n;
    char     buf[256];

    (void) arg;

    for ( ;; ) {
        c = accept(server_fd, NULL, NULL);
        if (c == -1) {
            return NULL;
        }

        (void) send(c, "220 test ESMTP\r\n", 16, MSG_NOSIGNAL);

        n = recv(c, buf, sizeof(buf) - 1, 0);
        if (n > 0) {
            buf[n] = '\0';
            (void) hx_cpystrn((uint8_t *) helo_seen, (uint8_t *) buf,
                              sizeof(helo_seen));
            (void) send(c, reply, strlen(reply), MSG_NOSIGNAL);

            if (recv(c, buf, sizeof(buf), 0) > 0) {
                (void) send(c, "221 bye\r\n", 9, MSG_NOSIGNAL);
            }
        }

        close(c);
    }
}


static void
serve_smtp(const char *helo_reply)
{
    reply = helo_reply;
    server_fd = bound(SOCK_STREAM);
    cr_assert_eq(listen(server_fd, 16), 0);
    cr_assert_eq(pthread_create(&server_thread, NULL, smtp_server, NULL), 0);
}


Test(health_check, an_smtp_dialogue_with_a_multiline_250_passes)
{
    serve_smtp("250-test hello\r\n250 ok\r\n");

    conf.type = HX_HEALTH_CHECK_SMTP;
    hx_str_set(&conf.helo, "probe.example");

    start(0);
    run_checks(1);

    cr_assert_eq(verdict, 1, "%s", hc.reason ? hc.reason : "");
    cr_assert_str_eq(helo_seen, "HELO probe.example\r\n");
}


Test(health_check, an_smtp_server_refusing_helo_fails)
{
    serve_smtp("554 go away\r\n");

    conf.type = HX_HEALTH_CHECK_SMTP;

    start(1);
    run_checks(1);

    cr_assert_eq(verdict, 0);
    cr_assert_str_eq(hc.reason, "SMTP reply not accepted");
}

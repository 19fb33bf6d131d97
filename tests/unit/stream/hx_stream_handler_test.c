/*
 * Tests for stream/hx_stream_handler.c, end to end inside one process: a
 * stream block is parsed, its sockets opened on loopback, the event loop
 * of a worker set up, and real clients connect and read.  This runs the
 * listening handler, the address lookup, the session, the phases, the
 * return module and the write filter the way a worker does, with the
 * log captured to check the session's context in it.
 */

#include "hx_stream_fixture.h"

#include <poll.h>


TestSuite(stream_handler, .init = hxs_init);


static in_port_t  port;


/* a port that was free a moment ago */
static in_port_t
free_port(void)
{
    int                  s;
    socklen_t            len;
    struct sockaddr_in   sin;

    s = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_neq(s, -1);

    hx_memzero(&sin, sizeof(struct sockaddr_in));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    cr_assert_eq(bind(s, (struct sockaddr *) &sin, sizeof(sin)), 0);

    len = sizeof(sin);
    cr_assert_eq(getsockname(s, (struct sockaddr *) &sin, &len), 0);
    close(s);

    return ntohs(sin.sin_port);
}


/*
 * Parses conf (every "%d" in it is the port), opens its sockets and
 * sets up the worker's event loop.
 */
static void
start(const char *fmt)
{
    char  conf[1024];

    port = free_port();

    snprintf(conf, sizeof(conf), fmt, port, port, port, port);

    hxs_parse_ok(conf);

    cr_assert_eq(hx_open_listening_sockets(&hxs_cycle), HX_OK,
                 "%s", hxs_logged);
    hx_configure_listening_sockets(&hxs_cycle);

    cr_assert_eq(hx_event_process_init(&hxs_cycle), HX_OK, "%s", hxs_logged);

    /* what the worker's init_process does after the event module's */

    cr_assert_eq(hx_stream_module.init_process(&hxs_cycle), HX_OK,
                 "%s", hxs_logged);
}


static int
client(const char *addr)
{
    int                  s;
    struct sockaddr_in   sin;

    s = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_neq(s, -1);

    hx_memzero(&sin, sizeof(struct sockaddr_in));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = inet_addr(addr);
    sin.sin_port = htons(port);

    cr_assert_eq(connect(s, (struct sockaddr *) &sin, sizeof(sin)), 0,
                 "connect: %s", strerror(errno));

    cr_assert_eq(fcntl(s, F_SETFL, O_NONBLOCK), 0);

    return s;
}


static void
tick(hx_event_t *ev)
{
    (void) ev;
}


typedef struct {
    int       fd;
    char      data[4096];
    size_t    len;
    int       eof;
} test_client_t;


/* runs the loop until every client saw the end of the stream */
static void
run_until_closed(test_client_t *clients, hx_uint_t n)
{
    ssize_t            r;
    hx_uint_t          i, open, rounds;
    static hx_event_t  timer;

    timer.log = &hxs_log;
    timer.handler = tick;

    for (rounds = 0; rounds < 400; rounds++) {

        if (!timer.timer_set) {
            hx_add_timer(&timer, 10);
        }

        hx_process_events_and_timers(&hxs_cycle);

        open = 0;

        for (i = 0; i < n; i++) {
            while (!clients[i].eof) {
                r = read(clients[i].fd, clients[i].data + clients[i].len,
                         sizeof(clients[i].data) - clients[i].len);

                if (r > 0) {
                    clients[i].len += r;
                    continue;
                }

                if (r == 0) {
                    clients[i].eof = 1;
                }

                break;
            }

            open += !clients[i].eof;
        }

        if (open == 0) {
            break;
        }
    }

    if (timer.timer_set) {
        hx_del_timer(&timer);
    }

    for (i = 0; i < n; i++) {
        cr_assert(clients[i].eof, "client %lu was not closed",
                  (unsigned long) i);
    }
}


/* one client to addr: what it read before the server closed */
static char *
fetch(const char *addr)
{
    static test_client_t  c;

    hx_memzero(&c, sizeof(test_client_t));
    c.fd = client(addr);

    run_until_closed(&c, 1);

    close(c.fd);
    c.data[c.len] = '\0';

    return c.data;
}


Test(stream_handler, return_sends_the_text_and_closes)
{
    start("stream { server { listen 127.0.0.1:%d; return \"text\"; } }\n");

    cr_assert_str_eq(fetch("127.0.0.1"), "text");
    cr_assert_eq(hxs_alerts, 0, "%s", hxs_logged);
}


Test(stream_handler, return_evaluates_variables_per_session)
{
    char  expected[64];

    start("stream { server { listen 127.0.0.1:%d; "
          "return \"$remote_addr $server_addr:$server_port $protocol "
          "$status\"; } }\n");

    snprintf(expected, sizeof(expected), "127.0.0.1 127.0.0.1:%d TCP 000",
             (int) port);

    cr_assert_str_eq(fetch("127.0.0.1"), expected);
}


Test(stream_handler, connections_are_numbered)
{
    char  *first, *second;

    start("stream { server { listen 127.0.0.1:%d; "
          "return $connection; } }\n");

    first = strdup(fetch("127.0.0.1"));
    second = strdup(fetch("127.0.0.1"));

    cr_assert_gt(atoi(first), 0);
    cr_assert_gt(atoi(second), atoi(first));

    free(first);
    free(second);
}


Test(stream_handler, an_empty_return_closes_at_once)
{
    start("stream { server { listen 127.0.0.1:%d; return \"\"; } }\n");

    cr_assert_str_eq(fetch("127.0.0.1"), "");
}


Test(stream_handler, a_server_without_content_handler_closes)
{
    start("stream { server { listen 127.0.0.1:%d; } }\n");

    cr_assert_str_eq(fetch("127.0.0.1"), "");
    cr_assert_eq(hxs_alerts, 0, "%s", hxs_logged);
}


Test(stream_handler, many_clients_at_once_each_get_the_text)
{
    hx_uint_t       i;
    test_client_t  *clients;

    start("stream { server { listen 127.0.0.1:%d; "
          "return \"hello from $server_port\"; } }\n");

    clients = calloc(100, sizeof(test_client_t));
    cr_assert_not_null(clients);

    for (i = 0; i < 100; i++) {
        clients[i].fd = client("127.0.0.1");
    }

    run_until_closed(clients, 100);

    for (i = 0; i < 100; i++) {
        clients[i].data[clients[i].len] = '\0';
        cr_assert_eq(strncmp(clients[i].data, "hello from ", 11), 0);
        cr_assert_eq(atoi(clients[i].data + 11), port);
        close(clients[i].fd);
    }

    free(clients);

    cr_assert_eq(hxs_alerts, 0, "%s", hxs_logged);
}


Test(stream_handler, the_wildcard_socket_finds_the_server_by_address)
{
    start("stream {\n"
          "    server { listen *:%d; return wild; }\n"
          "    server { listen 127.0.0.1:%d; return local; }\n"
          "}\n");

    cr_assert_eq(hxs_cycle.listening.nelts, 1);

    cr_assert_str_eq(fetch("127.0.0.1"), "local");
    cr_assert_str_eq(fetch("127.0.0.2"), "wild");
}


Test(stream_handler, the_session_is_logged_with_client_and_server)
{
    int            fd;
    char           line[128];
    struct linger  lg;

    /* the connection's log is the server's: the cycle's new_log */

    hxs_cycle.new_log.log_level = HX_LOG_INFO;

    start("stream { server { listen 127.0.0.1:%d; return x; } }\n");

    cr_assert_str_eq(fetch("127.0.0.1"), "x");

    snprintf(line, sizeof(line), "#0: *1 client 127.0.0.1:");
    cr_assert(hxs_logged_has(line), "%s", hxs_logged);

    snprintf(line, sizeof(line), " connected to 127.0.0.1:%d\n",
             (int) port);
    cr_assert(hxs_logged_has(line), "%s", hxs_logged);

    /*
     * A client that resets the connection before the text goes out: the
     * failed send is logged with what the session was doing and with
     * the client and server of the session.
     */

    fd = client("127.0.0.1");

    lg.l_onoff = 1;
    lg.l_linger = 0;
    cr_assert_eq(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
    close(fd);

    usleep(20000);

    hx_process_events_and_timers(&hxs_cycle);

    snprintf(line, sizeof(line),
             " while returning text, client: 127.0.0.1, "
             "server: 127.0.0.1:%d\n", (int) port);
    cr_assert(hxs_logged_has(line), "%s", hxs_logged);
    cr_assert_eq(hxs_alerts, 0, "%s", hxs_logged);
}


/* sends payload from a fresh UDP socket to addr:port, returns the reply */
static char *
udp_exchange(const char *addr, const char *payload, char *from)
{
    int                  s;
    ssize_t              n;
    hx_uint_t            rounds;
    socklen_t            len;
    struct sockaddr_in   sin, peer;
    static char          reply[2048];

    s = socket(AF_INET, SOCK_DGRAM|SOCK_NONBLOCK, 0);
    cr_assert_neq(s, -1);

    hx_memzero(&sin, sizeof(struct sockaddr_in));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = inet_addr(addr);
    sin.sin_port = htons(port);

    cr_assert_eq(sendto(s, payload, strlen(payload), 0,
                        (struct sockaddr *) &sin, sizeof(sin)),
                 (ssize_t) strlen(payload));

    n = -1;

    for (rounds = 0; rounds < 200 && n < 0; rounds++) {
        hx_process_events_and_timers(&hxs_cycle);

        len = sizeof(peer);
        n = recvfrom(s, reply, sizeof(reply) - 1, 0,
                     (struct sockaddr *) &peer, &len);
    }

    cr_assert_geq(n, 0, "no reply to a datagram");
    reply[n] = '\0';

    if (from) {
        strcpy(from, inet_ntoa(peer.sin_addr));
    }

    close(s);

    return reply;
}


/* the sessions a UDP listening socket still keeps */
static hx_uint_t
udp_sessions(hx_listening_t *ls)
{
    hx_uint_t          n;
    hx_stream_port_t  *stport;
    hx_rbtree_node_t  *node;

    stport = ls->servers;

    if (stport->rbtree.root == stport->rbtree.sentinel) {
        return 0;
    }

    n = 0;

    for (node = hx_rbtree_min(stport->rbtree.root, stport->rbtree.sentinel);
         node;
         node = hx_rbtree_next(&stport->rbtree, node))
    {
        n++;
    }

    return n;
}


Test(stream_handler, a_udp_datagram_gets_the_returned_text)
{
    char  from[32], expected[64];

    start("stream { server { listen 127.0.0.1:%d udp; "
          "return \"$protocol $remote_addr $server_port\"; } }\n");

    snprintf(expected, sizeof(expected), "UDP 127.0.0.1 %d", (int) port);

    cr_assert_str_eq(udp_exchange("127.0.0.1", "hi", from), expected);
    cr_assert_str_eq(from, "127.0.0.1");

    /* the session ended with the reply: the next datagram starts anew */

    cr_assert_eq(udp_sessions(hxs_cycle.listening.elts), 0);
    cr_assert_str_eq(udp_exchange("127.0.0.1", "again", NULL), expected);
    cr_assert_eq(udp_sessions(hxs_cycle.listening.elts), 0);

    cr_assert(hxs_logged_has("udp client 127.0.0.1:"), "%s", hxs_logged);
    cr_assert_eq(hxs_alerts, 0, "%s", hxs_logged);
}


Test(stream_handler, a_wildcard_udp_socket_replies_from_the_address_used)
{
    char  from[32];

    start("stream { server { listen %d udp; "
          "return \"$server_addr\"; } }\n");

    cr_assert_str_eq(udp_exchange("127.0.0.2", "x", from), "127.0.0.2");
    cr_assert_str_eq(from, "127.0.0.2");

    cr_assert_str_eq(udp_exchange("127.0.0.1", "x", from), "127.0.0.1");
    cr_assert_str_eq(from, "127.0.0.1");
}


Test(stream_handler, tcp_and_udp_on_one_port_answer_separately)
{
    start("stream {\n"
          "    server { listen 127.0.0.1:%d; return tcp; }\n"
          "    server { listen 127.0.0.1:%d udp; return udp; }\n"
          "}\n");

    cr_assert_str_eq(fetch("127.0.0.1"), "tcp");
    cr_assert_str_eq(udp_exchange("127.0.0.1", "?", NULL), "udp");
}


Test(stream_handler, the_first_datagram_counts_as_received)
{
    start("stream { server { listen 127.0.0.1:%d udp; "
          "return $bytes_received; } }\n");

    cr_assert_str_eq(udp_exchange("127.0.0.1", "12345", NULL), "5");
}


Test(stream_handler, a_shutdown_timeout_ends_a_session_stuck_sending)
{
    int                fd, rcvbuf;
    char              *conf, buf[4096];
    size_t             big, got;
    ssize_t            n;
    hx_uint_t          i, rounds, stuck;
    hx_connection_t   *c;

    big = 4 * 1024 * 1024;

    conf = malloc(big + 256);
    cr_assert_not_null(conf);

    port = free_port();

    n = sprintf(conf, "stream { server { listen 127.0.0.1:%d sndbuf=4k; "
                      "return ", (int) port);
    memset(conf + n, 'x', big);
    strcpy(conf + n + big, "; } }\n");

    hxs_cycle.new_log.log_level = HX_LOG_INFO;

    hxs_parse_ok(conf);
    free(conf);

    cr_assert_eq(hx_open_listening_sockets(&hxs_cycle), HX_OK);
    hx_configure_listening_sockets(&hxs_cycle);
    cr_assert_eq(hx_event_process_init(&hxs_cycle), HX_OK);

    /* a client that reads nothing: the session waits to send the rest */

    fd = client("127.0.0.1");
    rcvbuf = 4096;
    cr_assert_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
                            sizeof(int)), 0);

    stuck = 0;

    for (rounds = 0; rounds < 50 && !stuck; rounds++) {
        hx_process_events_and_timers(&hxs_cycle);

        c = hxs_cycle.connections;

        for (i = 0; i < hxs_cycle.connection_n; i++) {
            if (c[i].fd != -1 && !c[i].read->accept
                && (c[i].buffered & HX_STREAM_WRITE_BUFFERED))
            {
                stuck = 1;
            }
        }
    }

    cr_assert(stuck, "the session blocks on a full socket");

    /* what the worker does when worker_shutdown_timeout runs out */

    c = hxs_cycle.connections;

    for (i = 0; i < hxs_cycle.connection_n; i++) {
        if (c[i].fd == -1 || c[i].read->accept || c[i].read->handler == NULL) {
            continue;
        }

        c[i].close = 1;
        c[i].error = 1;
        c[i].read->handler(c[i].read);
    }

    /* the client gets part of the text, then the end of the stream */

    got = 0;

    for (rounds = 0; rounds < 1000; rounds++) {
        n = read(fd, buf, sizeof(buf));

        if (n == 0) {
            break;
        }

        if (n > 0) {
            got += n;
            continue;
        }

        if (errno == ECONNRESET) {
            break;
        }

        usleep(1000);
    }

    cr_assert_lt(rounds, 1000, "the connection was closed");
    cr_assert_lt(got, big);
    close(fd);

    cr_assert(hxs_logged_has("shutdown timeout while returning text"),
              "%s", hxs_logged);
    cr_assert_eq(hxs_alerts, 0, "%s", hxs_logged);
}

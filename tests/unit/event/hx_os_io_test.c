/*
 * Unit tests for event/hx_os_io.c over socketpairs: recv and its ready /
 * eof bookkeeping, readv into a chain, writev_chain against a small send
 * buffer (partial writes leave the unsent chain and clear ready, and the
 * bytes arrive complete and in order), sendfile for file buffers after a
 * memory header, and datagrams.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <criterion/criterion.h>

#include "hx_event_fixture.h"


static int               s[2];
static hx_connection_t  *c;


static void
setup(void)
{
    hxt_cycle_init(8);
    cr_assert_eq(hx_event_process_init(&hxt_cycle), HX_OK);

    hxt_socketpair(s);

    c = hx_get_connection(s[0], &hxt_log);
    cr_assert_not_null(c);

    c->pool = hxt_cycle.pool;
    c->read->log = &hxt_log;
    c->write->log = &hxt_log;
    c->recv = hx_io.recv;
    c->send = hx_io.send;
    c->recv_chain = hx_io.recv_chain;
    c->send_chain = hx_io.send_chain;
    c->tcp_nopush = HX_TCP_NOPUSH_DISABLED;
}


static void
teardown(void)
{
    if (c->fd != -1) {
        hx_close_connection(c);
    }

    close(s[1]);
    hx_event_process_done(&hxt_cycle);
}


TestSuite(os_io, .init = setup, .fini = teardown);


/* a chain of n buffers of size bytes each, filled with a running pattern */
static hx_chain_t *
pattern_chain(hx_uint_t n, size_t size, uint8_t *expect)
{
    size_t        i;
    hx_uint_t     k;
    hx_buf_t     *b;
    hx_chain_t   *head, **ll, *cl;

    head = NULL;
    ll = &head;

    for (k = 0; k < n; k++) {
        b = hx_create_temp_buf(hxt_cycle.pool, size);
        cr_assert_not_null(b);

        for (i = 0; i < size; i++) {
            *b->last = (uint8_t) ((k * size + i) % 251);
            expect[k * size + i] = *b->last;
            b->last++;
        }

        cl = hx_alloc_chain_link(hxt_cycle.pool);
        cr_assert_not_null(cl);

        cl->buf = b;
        cl->next = NULL;
        *ll = cl;
        ll = &cl->next;
    }

    return head;
}


/* reads whatever is pending on fd into buf at *got */
static void
drain_peer(int fd, uint8_t *buf, size_t *got, size_t max)
{
    ssize_t  n;

    for ( ;; ) {
        n = recv(fd, buf + *got, max - *got, MSG_DONTWAIT);

        if (n <= 0) {
            return;
        }

        *got += (size_t) n;
    }
}


Test(os_io, recv_clears_ready_on_eagain)
{
    uint8_t  buf[8];

    c->read->ready = 1;
    c->read->available = -1;

    cr_assert_eq(hx_unix_recv(c, buf, sizeof(buf)), HX_AGAIN);
    cr_assert(!c->read->ready);
    cr_assert(!c->read->eof && !c->read->error);
}


Test(os_io, recv_returns_zero_and_sets_eof_when_the_peer_closes)
{
    uint8_t  buf[8];

    cr_assert_eq(write(s[1], "hello", 5), 5);
    close(s[1]);
    s[1] = dup(0);

    c->read->ready = 1;
    c->read->available = -1;
    c->read->pending_eof = 1;

    cr_assert_eq(hx_unix_recv(c, buf, sizeof(buf)), 5);
    cr_assert_eq(hx_memcmp(buf, "hello", 5), 0);
    cr_assert(c->read->ready, "pending EOF: another read is due");

    cr_assert_eq(hx_unix_recv(c, buf, sizeof(buf)), 0);
    cr_assert(c->read->eof);
    cr_assert(!c->read->ready);
}


Test(os_io, full_read_keeps_ready_for_edge_triggering)
{
    uint8_t  buf[4];

    cr_assert_eq(write(s[1], "abcdefgh", 8), 8);

    c->read->ready = 1;
    c->read->available = -1;

    cr_assert_eq(hx_unix_recv(c, buf, sizeof(buf)), 4);
    cr_assert(c->read->ready, "the buffer was filled: more may be there");

    cr_assert_eq(hx_unix_recv(c, buf, sizeof(buf)), 4);
    cr_assert_eq(hx_memcmp(buf, "efgh", 4), 0);
}


Test(os_io, readv_chain_fills_buffers_in_order)
{
    hx_buf_t     *b1, *b2;
    hx_chain_t    l1, l2;

    b1 = hx_create_temp_buf(hxt_cycle.pool, 3);
    b2 = hx_create_temp_buf(hxt_cycle.pool, 16);

    l1.buf = b1;
    l1.next = &l2;
    l2.buf = b2;
    l2.next = NULL;

    cr_assert_eq(write(s[1], "0123456789", 10), 10);

    c->read->ready = 1;
    c->read->available = -1;

    cr_assert_eq(hx_readv_chain(c, &l1, 0), 10);
    cr_assert_eq(hx_memcmp(b1->start, "012", 3), 0);
    cr_assert_eq(hx_memcmp(b2->start, "3456789", 7), 0);
    cr_assert(!c->read->ready, "a short read means drained");
}


Test(os_io, send_reports_errors_without_sigpipe)
{
    close(s[1]);
    s[1] = dup(0);

    c->write->ready = 1;
    c->log_error = HX_ERROR_INFO;

    cr_assert_eq(hx_unix_send(c, (uint8_t *) "x", 1), HX_ERROR);
    cr_assert(c->write->error);
    cr_assert_eq(hxt_logged_count("send() failed (32: Broken pipe)"), 1);
}


Test(os_io, writev_chain_partial_writes_return_the_unsent_chain)
{
    int           sndbuf;
    size_t        got, total;
    uint8_t      *expect, *recvd;
    hx_uint_t     rounds;
    hx_chain_t   *in;

    sndbuf = 4096;
    cr_assert_eq(setsockopt(s[0], SOL_SOCKET, SO_SNDBUF, &sndbuf,
                            sizeof(int)), 0);

    total = 64 * 4000;
    expect = hx_palloc(hxt_cycle.pool, total);
    recvd = hx_palloc(hxt_cycle.pool, total);

    in = pattern_chain(64, 4000, expect);

    c->write->ready = 1;

    in = hx_writev_chain(c, in, 0);

    cr_assert_neq(in, HX_CHAIN_ERROR);
    cr_assert_not_null(in, "a small send buffer cannot take 256000 bytes");
    cr_assert(!c->write->ready, "a partial write clears ready");
    cr_assert_gt(c->sent, 0);
    cr_assert_lt(c->sent, (off_t) total);

    /* nothing more goes out while not ready */

    cr_assert_eq(hx_writev_chain(c, in, 0), in);

    got = 0;
    rounds = 0;

    while (in && rounds++ < 10000) {
        drain_peer(s[1], recvd, &got, total);

        c->write->ready = 1;
        in = hx_writev_chain(c, in, 0);
        cr_assert_neq(in, HX_CHAIN_ERROR);
    }

    cr_assert_null(in, "everything went out eventually");
    cr_assert_eq(c->sent, (off_t) total);

    while (got < total && rounds++ < 20000) {
        drain_peer(s[1], recvd, &got, total);
    }

    cr_assert_eq(got, total);
    cr_assert_eq(hx_memcmp(recvd, expect, total), 0,
                 "the bytes arrive complete and in order");
}


Test(os_io, writev_chain_stops_at_the_limit)
{
    uint8_t      expect[300], buf[300];
    hx_chain_t  *in;

    in = pattern_chain(3, 100, expect);

    c->write->ready = 1;

    in = hx_writev_chain(c, in, 150);

    cr_assert_not_null(in);
    cr_assert_eq(c->sent, 150);
    cr_assert(c->write->ready, "stopped by the limit, not by the socket");
    cr_assert_eq(in->buf->last - in->buf->pos, 50);

    cr_assert_eq(read(s[1], buf, sizeof(buf)), 150);
    cr_assert_eq(hx_memcmp(buf, expect, 150), 0);
}


Test(os_io, writev_chain_skips_empty_and_special_buffers)
{
    uint8_t      expect[10], buf[16];
    hx_buf_t     empty, last;
    hx_chain_t   l0, l2, *in;

    hx_memzero(&empty, sizeof(hx_buf_t));
    empty.temporary = 1;
    hx_memzero(&last, sizeof(hx_buf_t));
    last.last_buf = 1;

    in = pattern_chain(1, 10, expect);

    l0.buf = &empty;
    l0.next = in;
    in->next = &l2;
    l2.buf = &last;
    l2.next = NULL;

    c->write->ready = 1;

    cr_assert_null(hx_writev_chain(c, &l0, 0));
    cr_assert_eq(read(s[1], buf, sizeof(buf)), 10);
}


Test(os_io, sendfile_chain_sends_header_then_file_region)
{
    int          fd;
    char         path[] = "/tmp/hx_os_io_testXXXXXX";
    uint8_t      buf[64];
    hx_buf_t    *h, *fb;
    hx_file_t    file;
    hx_chain_t   l1, l2, *out;
    size_t       got;

    fd = mkstemp(path);
    cr_assert_neq(fd, -1);
    cr_assert_eq(write(fd, "0123456789abcdef", 16), 16);
    unlink(path);

    hx_memzero(&file, sizeof(hx_file_t));
    file.fd = fd;
    file.name.data = (uint8_t *) path;
    file.name.len = strlen(path);

    h = hx_create_temp_buf(hxt_cycle.pool, 8);
    h->last = hx_cpymem(h->last, "HEAD:", 5);

    fb = hx_calloc_buf(hxt_cycle.pool);
    fb->in_file = 1;
    fb->file = &file;
    fb->file_pos = 4;
    fb->file_last = 12;

    l1.buf = h;
    l1.next = &l2;
    l2.buf = fb;
    l2.next = NULL;

    c->write->ready = 1;

    out = hx_linux_sendfile_chain(c, &l1, 0);

    cr_assert_null(out);
    cr_assert_eq(c->sent, 13);
    cr_assert_eq(fb->file_pos, 12);

    got = 0;
    drain_peer(s[1], buf, &got, sizeof(buf));

    cr_assert_eq(got, 13);
    cr_assert_eq(hx_memcmp(buf, "HEAD:456789ab", 13), 0);

    close(fd);
}


Test(os_io, sendfile_of_a_truncated_file_is_an_error)
{
    int          fd;
    char         path[] = "/tmp/hx_os_io_testXXXXXX";
    hx_buf_t    *fb;
    hx_file_t    file;
    hx_chain_t   l1;

    fd = mkstemp(path);
    cr_assert_neq(fd, -1);
    cr_assert_eq(write(fd, "0123", 4), 4);
    unlink(path);

    hx_memzero(&file, sizeof(hx_file_t));
    file.fd = fd;
    file.name.data = (uint8_t *) path;
    file.name.len = strlen(path);

    fb = hx_calloc_buf(hxt_cycle.pool);
    fb->in_file = 1;
    fb->file = &file;
    fb->file_pos = 0;
    fb->file_last = 100;

    l1.buf = fb;
    l1.next = NULL;

    c->write->ready = 1;

    /* the first call sends the 4 bytes there are, the next finds none */

    (void) hx_linux_sendfile_chain(c, &l1, 0);

    c->write->ready = 1;
    cr_assert_eq(hx_linux_sendfile_chain(c, &l1, 0), HX_CHAIN_ERROR);
    cr_assert_eq(hxt_logged_count("was truncated at 4"), 1);

    close(fd);
}


Test(os_io, datagrams_keep_their_boundaries)
{
    int          d[2];
    uint8_t      buf[64];
    hx_buf_t    *b1, *b2;
    hx_chain_t   l1, l2;

    cr_assert_eq(socketpair(AF_UNIX, SOCK_DGRAM|SOCK_NONBLOCK, 0, d), 0);

    c->fd = d[0];

    cr_assert_eq(hx_udp_send(c, (uint8_t *) "one", 3), 3);

    b1 = hx_create_temp_buf(hxt_cycle.pool, 8);
    b1->last = hx_cpymem(b1->last, "tw", 2);
    b2 = hx_create_temp_buf(hxt_cycle.pool, 8);
    b2->last = hx_cpymem(b2->last, "o!", 2);

    l1.buf = b1;
    l1.next = &l2;
    l2.buf = b2;
    l2.next = NULL;

    cr_assert_null(hx_udp_send_chain(c, &l1, 0));

    c->fd = d[1];
    c->read->ready = 1;

    cr_assert_eq(hx_udp_recv(c, buf, sizeof(buf)), 3);
    cr_assert_eq(hx_memcmp(buf, "one", 3), 0);

    cr_assert_eq(hx_udp_recv(c, buf, sizeof(buf)), 4,
                 "a chain is one datagram");
    cr_assert_eq(hx_memcmp(buf, "two!", 4), 0);

    cr_assert_eq(hx_udp_recv(c, buf, sizeof(buf)), HX_AGAIN);
    cr_assert(!c->read->ready);

    c->fd = s[0];
    close(d[0]);
    close(d[1]);
}

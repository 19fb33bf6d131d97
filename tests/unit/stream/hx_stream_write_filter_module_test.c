/*
 * Tests for stream/hx_stream_write_filter_module.c on a real socket pair:
 * everything goes out when the socket takes it; what doesn't fit stays
 * queued with c->buffered set and goes out, in order, on later calls;
 * zero-size marker buffers are dropped and an empty data buffer is an
 * alert; a failed send marks the connection and fails from then on.
 */

#include "hx_stream_fixture.h"


TestSuite(stream_write_filter, .init = hxs_init);


static int  peer;


/* a session whose connection is one end of a socket pair */
static hx_stream_session_t *
socket_session(int sndbuf)
{
    int                   sv[2];
    hx_connection_t      *c;
    hx_stream_session_t  *s;

    hxs_parse_ok("stream { server { listen 127.0.0.1:9000; "
                 "return x; } }\n");

    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM|SOCK_NONBLOCK, 0, sv), 0);

    if (sndbuf) {
        cr_assert_eq(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf,
                                sizeof(int)), 0);
    }

    s = hxs_fake_session(hxs_cycle.listening.elts, "10.0.0.1:1",
                         "127.0.0.1:9000");

    c = s->connection;

    c->fd = sv[0];
    c->read = hx_pcalloc(c->pool, sizeof(hx_event_t));
    c->write = hx_pcalloc(c->pool, sizeof(hx_event_t));
    cr_assert(c->read && c->write);

    c->read->data = c;
    c->write->data = c;
    c->write->write = 1;
    c->write->ready = 1;
    c->read->log = c->log;
    c->write->log = c->log;

    c->recv = hx_os_io.recv;
    c->send = hx_os_io.send;
    c->send_chain = hx_os_io.send_chain;

    peer = sv[1];

    return s;
}


static hx_chain_t *
chain_of(hx_pool_t *pool, uint8_t *data, size_t len)
{
    hx_buf_t    *b;
    hx_chain_t  *cl;

    b = hx_calloc_buf(pool);
    cl = hx_alloc_chain_link(pool);
    cr_assert(b && cl);

    b->memory = 1;
    b->pos = data;
    b->last = len ? data + len : data;

    cl->buf = b;
    cl->next = NULL;

    return cl;
}


/* reads everything the peer has now; returns the count */
static size_t
drain(uint8_t *to, size_t size)
{
    ssize_t  n;
    size_t   total;

    total = 0;

    for ( ;; ) {
        n = read(peer, to + total, size - total);

        if (n <= 0) {
            return total;
        }

        total += n;
    }
}


Test(stream_write_filter, a_small_chain_goes_out_at_once)
{
    uint8_t               buf[64];
    hx_stream_session_t  *s;

    s = socket_session(0);

    cr_assert_eq(hx_stream_top_filter(s, chain_of(s->connection->pool,
                                                  (uint8_t *) "hello", 5),
                                      1), HX_OK);

    cr_assert_eq(s->connection->buffered, 0);
    cr_assert_eq(s->connection->sent, 5);
    cr_assert_eq(drain(buf, sizeof(buf)), 5);
    cr_assert_eq(memcmp(buf, "hello", 5), 0);
}


Test(stream_write_filter, what_does_not_fit_waits_for_the_next_call)
{
    size_t                size, got;
    uint8_t              *data, *back;
    hx_uint_t             i, rounds;
    hx_stream_session_t  *s;

    size = 4 * 1024 * 1024;

    data = malloc(size);
    back = malloc(size);
    cr_assert(data && back);

    for (i = 0; i < size; i++) {
        data[i] = (uint8_t) (i * 7 + i / 251);
    }

    s = socket_session(4096);

    cr_assert_eq(hx_stream_top_filter(s, chain_of(s->connection->pool,
                                                  data, size), 1),
                 HX_AGAIN);

    cr_assert(s->connection->buffered & HX_STREAM_WRITE_BUFFERED);
    cr_assert_lt(s->connection->sent, (off_t) size);

    got = 0;

    for (rounds = 0; rounds < 100000; rounds++) {
        got += drain(back + got, size - got);

        s->connection->write->ready = 1;

        if (hx_stream_top_filter(s, NULL, 1) == HX_OK) {
            break;
        }
    }

    got += drain(back + got, size - got);

    cr_assert_eq(s->connection->buffered, 0);
    cr_assert_eq(got, size);
    cr_assert_eq(s->connection->sent, (off_t) size);
    cr_assert_eq(memcmp(data, back, size), 0, "bytes arrive in order");

    free(data);
    free(back);
}


Test(stream_write_filter, new_data_queues_behind_unsent_data)
{
    size_t                size, got;
    uint8_t              *data, *back;
    hx_chain_t           *second;
    hx_uint_t             rounds;
    hx_stream_session_t  *s;

    size = 1024 * 1024;

    data = malloc(size);
    back = malloc(size + 3);
    cr_assert(data && back);
    memset(data, 'a', size);

    s = socket_session(4096);

    cr_assert_eq(hx_stream_top_filter(s, chain_of(s->connection->pool,
                                                  data, size), 1),
                 HX_AGAIN);

    second = chain_of(s->connection->pool, (uint8_t *) "xyz", 3);

    cr_assert_eq(hx_stream_top_filter(s, second, 1), HX_AGAIN);

    got = 0;

    for (rounds = 0; rounds < 100000; rounds++) {
        got += drain(back + got, size + 3 - got);
        s->connection->write->ready = 1;

        if (hx_stream_top_filter(s, NULL, 1) == HX_OK) {
            break;
        }
    }

    got += drain(back + got, size + 3 - got);

    cr_assert_eq(got, size + 3);
    cr_assert_eq(memcmp(back + size, "xyz", 3), 0);

    free(data);
    free(back);
}


Test(stream_write_filter, a_last_buf_marker_alone_sends_nothing)
{
    hx_buf_t             *b;
    hx_chain_t           *cl;
    hx_stream_session_t  *s;

    s = socket_session(0);

    cl = chain_of(s->connection->pool, NULL, 0);
    b = cl->buf;
    b->memory = 0;
    b->last_buf = 1;

    cr_assert_eq(hx_stream_top_filter(s, cl, 1), HX_OK);
    cr_assert_eq(s->connection->sent, 0);
    cr_assert_eq(hxs_alerts, 0);
}


Test(stream_write_filter, an_empty_data_buffer_is_an_alert)
{
    hx_stream_session_t  *s;

    s = socket_session(0);

    cr_assert_eq(hx_stream_top_filter(s, chain_of(s->connection->pool,
                                                  (uint8_t *) "x", 0), 1),
                 HX_ERROR);

    cr_assert(hxs_logged_has("zero size buf in stream writer"),
              "%s", hxs_logged);
}


Test(stream_write_filter, a_failed_send_fails_the_connection)
{
    hx_stream_session_t  *s;

    s = socket_session(0);

    cr_assert_eq(close(peer), 0);

    cr_assert_eq(hx_stream_top_filter(s, chain_of(s->connection->pool,
                                                  (uint8_t *) "abc", 3),
                                      1), HX_ERROR);
    cr_assert(s->connection->error);

    cr_assert_eq(hx_stream_top_filter(s, NULL, 1), HX_ERROR);
}

/*
 * Tests for http/hx_http_upstream_pipe.c, the buffered response path:
 * the "backend" is one end of a socketpair the test writes to, the
 * "client" an output filter that either takes everything (consuming the
 * buffers as a socket would) or is blocked.  They check that data comes
 * out in order and whole, that a client that keeps up gets what waits
 * in one pass and a known length is read at once, that after a pass the
 * client left partly unsent nothing more goes to the output until it
 * drains, that reading stops at bufs.num buffers (plus what that pass
 * held) and then spills to the temp file (or waits, with
 * max_temp_file_size 0),
 * that what was spilled comes back from the file before what stayed in
 * memory, that raw buffers are reused, that the end of the backend's
 * data flushes everything regardless of the busy limit, that an input
 * filter ends reading, and that limit_rate holds reading back.
 */

#include "hx_http_modules_fixture.h"
#include <hx_http_upstream_pipe.h>


TestSuite(http_upstream_pipe, .init = hxh_init);


/* the client: what it was given, and whether it takes it */
typedef struct {
    uint8_t          got[4 * 1024 * 1024];
    size_t           len;
    hx_uint_t        blocked;
    hx_uint_t        calls;
    hx_uint_t        files;      /* file buffers seen */
    hx_connection_t *c;
    hx_chain_t      *pending;    /* held while blocked, in order */
} hxp_client_t;


static int                    hxp_sv[2];
static hx_connection_t        hxp_up, hxp_down;
static hx_event_t             hxp_up_rev, hxp_up_wev, hxp_down_rev,
                              hxp_down_wev;
static hx_http_upstream_pipe_t  hxp;
static hx_http_temp_file_t    hxp_tf;
static hx_path_t              hxp_path;
static hxp_client_t          *hxp_client;


/* takes one buffer's bytes, as a socket that accepts them would */
static void
hxp_take(hxp_client_t *cl, hx_buf_t *b)
{
    ssize_t  n;
    size_t   size;

    if (b->in_file) {
        size = (size_t) (b->file_last - b->file_pos);
        n = pread(b->file->fd, cl->got + cl->len, size, b->file_pos);
        cr_assert_eq(n, (ssize_t) size);
        cl->len += size;
        b->file_pos = b->file_last;
        cl->files++;
        return;
    }

    size = b->last - b->pos;
    hx_memcpy(cl->got + cl->len, b->pos, size);
    cl->len += size;
    b->pos = b->last;
}


static hx_int_t
hxp_output(void *ctx, hx_chain_t *in)
{
    hxp_client_t  *cl = ctx;

    hx_chain_t  *ln, **ll;

    cl->calls++;

    /* held buffers first: order is what a socket would keep */

    ll = &cl->pending;

    while (*ll) {
        ll = &(*ll)->next;
    }

    for ( /* void */ ; in; in = in->next) {
        ln = hx_alloc_chain_link(hxh_cycle.pool);
        cr_assert_not_null(ln);
        ln->buf = in->buf;
        ln->next = NULL;
        *ll = ln;
        ll = &ln->next;
    }

    if (cl->blocked) {
        cl->c->write->ready = 0;
        return HX_AGAIN;
    }

    for (ln = cl->pending; ln; ln = ln->next) {
        hxp_take(cl, ln->buf);
    }

    cl->pending = NULL;

    return HX_OK;
}


/* a pipe of num buffers of size bytes, busy_size, temp file limits */
static void
hxp_setup(hx_int_t num, size_t size, size_t busy, off_t max_temp,
    size_t write_size)
{
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, hxp_sv), 0);
    cr_assert_eq(fcntl(hxp_sv[0], F_SETFL, O_NONBLOCK), 0);

    hxp_client = hx_pcalloc(hxh_cycle.pool, sizeof(hxp_client_t));
    cr_assert_not_null(hxp_client);

    hx_memzero(&hxp_up, sizeof(hx_connection_t));
    hx_memzero(&hxp_down, sizeof(hx_connection_t));

    hxp_up.fd = hxp_sv[0];
    hxp_up.read = &hxp_up_rev;
    hxp_up.write = &hxp_up_wev;
    hxp_up.recv = hx_os_io.recv;
    hxp_up.recv_chain = hx_os_io.recv_chain;
    hxp_up.log = &hxh_log;
    hxp_up_rev.data = &hxp_up;
    hxp_up_rev.log = &hxh_log;
    hxp_up_rev.ready = 1;
    hxp_up_wev.data = &hxp_up;
    hxp_up_wev.write = 1;

    hxp_down.fd = -1;
    hxp_down.read = &hxp_down_rev;
    hxp_down.write = &hxp_down_wev;
    hxp_down.data = hxp_client;
    hxp_down.log = &hxh_log;
    hxp_down_wev.ready = 1;
    hxp_down_wev.write = 1;

    hxp_client->c = &hxp_down;

    hx_str_set(&hxp_path.name, "");
    hxp_path.name.data = (uint8_t *) hxh_dir;
    hxp_path.name.len = strlen(hxh_dir);

    hx_memzero(&hxp_tf, sizeof(hx_http_temp_file_t));
    hxp_tf.file.fd = HX_INVALID_FILE;
    hxp_tf.file.log = &hxh_log;
    hxp_tf.path = &hxp_path;
    hxp_tf.pool = hxh_cycle.pool;
    hxp_tf.warn = "buffered to a temporary file";

    hx_memzero(&hxp, sizeof(hx_http_upstream_pipe_t));

    hxp.upstream = &hxp_up;
    hxp.downstream = &hxp_down;
    hxp.input_filter = hx_http_upstream_pipe_copy_input;
    hxp.output_filter = hxp_output;
    hxp.output_ctx = hxp_client;
    hxp.pool = hxh_cycle.pool;
    hxp.log = &hxh_log;
    hxp.bufs.num = num;
    hxp.bufs.size = size;
    hxp.busy_size = busy;
    hxp.max_temp_file_size = max_temp;
    hxp.temp_file_write_size = write_size;
    hxp.temp_file = &hxp_tf;
    hxp.length = -1;
    hxp.no_events = 1;
}


/* the backend sends len bytes of a known pattern starting at offset */
static void
hxp_backend_sends(size_t offset, size_t len)
{
    uint8_t  buf[65536];
    size_t   i, n;

    while (len) {
        n = hx_min(len, sizeof(buf));

        for (i = 0; i < n; i++) {
            buf[i] = (uint8_t) ((offset + i) * 7 + ((offset + i) >> 8));
        }

        cr_assert_eq(write(hxp_sv[1], buf, n), (ssize_t) n);

        offset += n;
        len -= n;
    }

    hxp_up_rev.ready = 1;
}


/* whether the client got exactly bytes [0, len) of the pattern */
static void
hxp_assert_got(size_t len)
{
    size_t  i;

    cr_assert_eq(hxp_client->len, len, "client got %zu of %zu bytes",
                 hxp_client->len, len);

    for (i = 0; i < len; i++) {
        cr_assert_eq(hxp_client->got[i],
                     (uint8_t) (i * 7 + (i >> 8)),
                     "byte %zu differs", i);
    }
}


static void
hxp_unblock(void)
{
    hxp_client->blocked = 0;
    hxp_down_wev.ready = 1;
}


Test(http_upstream_pipe, data_comes_out_in_order_as_it_is_read)
{
    hxp_setup(4, 64, 128, 0, 128);

    hxp_backend_sends(0, 50);
    cr_assert_eq(hx_http_upstream_pipe_run(&hxp, 0), HX_OK);
    hxp_assert_got(50);

    hxp_backend_sends(50, 1000);
    cr_assert_eq(hx_http_upstream_pipe_run(&hxp, 0), HX_OK);
    hxp_assert_got(1050);

    cr_assert_eq(hxp.read_length, 1050);
    cr_assert_eq(hxp_tf.file.fd, HX_INVALID_FILE);
}


Test(http_upstream_pipe, raw_buffers_are_reused_once_sent)
{
    hxp_setup(4, 64, 128, 0, 128);

    hxp_backend_sends(0, 64 * 40);
    cr_assert_eq(hx_http_upstream_pipe_run(&hxp, 0), HX_OK);

    /* forty buffers' worth through four buffers */
    hxp_assert_got(64 * 40);
    cr_assert_eq(hxp.allocated, 4, "allocated %d buffers",
                 (int) hxp.allocated);
    cr_assert_eq(hxp_tf.file.fd, HX_INVALID_FILE);
}


Test(http_upstream_pipe, slow_client_spills_to_the_temp_file_in_order)
{
    size_t  total = 64 * 100;

    hxp_setup(4, 64, 128, 1024 * 1024, 128);

    hxp_client->blocked = 1;

    hxp_backend_sends(0, total);
    cr_assert_eq(hx_http_upstream_pipe_run(&hxp, 0), HX_OK);

    /*
     * all read: what the first pass left busy plus four buffers' worth
     * in memory, the rest on disk
     */
    cr_assert_eq(hxp.read_length, (off_t) total);
    cr_assert_neq(hxp_tf.file.fd, HX_INVALID_FILE);
    cr_assert_eq(hxp.allocated, 4 + hxp.extra);
    cr_assert_leq(hxp.extra, 4);
    cr_assert_geq(hxp_tf.offset, (off_t) (total - (4 + hxp.extra) * 64));
    cr_assert(hxh_logged_has("buffered to a temporary file"));

    hxp_unblock();

    cr_assert_eq(hx_http_upstream_pipe_run(&hxp, 1), HX_OK);

    hxp_assert_got(total);
    cr_assert_gt(hxp_client->files, 0);
}


Test(http_upstream_pipe, a_client_that_keeps_up_gets_what_waits_in_one_pass)
{
    hxp_setup(8, 64, 128, 0, 128);

    hxp_backend_sends(0, 64 * 6);
    cr_assert_eq(hx_http_upstream_pipe_run(&hxp, 0), HX_OK);

    /* six buffers' worth, three times busy_size, in one output call */
    hxp_assert_got(64 * 6);
    cr_assert_eq(hxp_client->calls, 1, "%u output calls",
                 (unsigned) hxp_client->calls);
}


/* an input filter for a known length: p->length counts down to the end */
static hx_int_t
hxp_known_length(hx_http_upstream_pipe_t *p, hx_buf_t *raw)
{
    size_t  n;

    n = hx_min((size_t) (raw->last - raw->pos), (size_t) p->length);

    if (n && hx_http_upstream_pipe_add_data(p, raw, n) == NULL) {
        return HX_ERROR;
    }

    p->length -= n;
    raw->pos = raw->last;

    if (p->length == 0) {
        p->upstream_done = 1;
    }

    return HX_OK;
}


Test(http_upstream_pipe, a_known_length_is_read_into_all_the_buffers_it_needs)
{
    hxp_setup(8, 64, 128, 0, 128);

    hxp.input_filter = hxp_known_length;
    hxp.length = 64 * 6;

    hxp_backend_sends(0, 64 * 6);
    cr_assert_eq(hx_http_upstream_pipe_run(&hxp, 0), HX_OK);

    /* one read of six buffers, not 1 + 2 + 4 growing ones */
    hxp_assert_got(64 * 6);
    cr_assert_eq(hxp.allocated, 6, "allocated %d buffers",
                 (int) hxp.allocated);
}


Test(http_upstream_pipe, after_a_partly_sent_pass_busy_bytes_stop_growing)
{
    off_t  busy;

    hxp_setup(8, 64, 128, 1024 * 1024, 128);

    hxp_client->blocked = 1;

    hxp_backend_sends(0, 64 * 6);
    cr_assert_eq(hx_http_upstream_pipe_run(&hxp, 1), HX_OK);

    /* the first pass had it all; the client took none of it */
    busy = hxp.busy_bytes;
    cr_assert_eq(busy, 64 * 6);
    cr_assert_eq(hxp_client->len, 0);
    cr_assert_eq(hxp.extra, 4);

    hxp_backend_sends(64 * 6, 64 * 20);
    cr_assert_eq(hx_http_upstream_pipe_run(&hxp, 1), HX_OK);

    /* nothing more in the output: memory, then disk */
    cr_assert_eq(hxp.busy_bytes, busy);
    cr_assert_eq(hxp.read_length, 64 * 26);
    cr_assert_neq(hxp_tf.file.fd, HX_INVALID_FILE);

    hxp_unblock();

    cr_assert_eq(hx_http_upstream_pipe_run(&hxp, 1), HX_OK);

    hxp_assert_got(64 * 26);
}


Test(http_upstream_pipe, without_temp_file_reading_waits_for_the_client)
{
    hxp_setup(4, 64, 128, 0, 128);

    hxp_client->blocked = 1;

    hxp_backend_sends(0, 64 * 10);
    cr_assert_eq(hx_http_upstream_pipe_run(&hxp, 0), HX_OK);

    /* four buffers, and as many as the first pass left over busy_size */
    cr_assert_eq(hxp.read_length, (4 + hxp.extra) * 64);
    cr_assert_eq(hxp_tf.file.fd, HX_INVALID_FILE);
    cr_assert_eq(hxp_up_rev.ready, 1);

    hxp_unblock();

    cr_assert_eq(hx_http_upstream_pipe_run(&hxp, 1), HX_OK);

    hxp_assert_got(64 * 10);
}


Test(http_upstream_pipe, backend_close_flushes_everything)
{
    hxp_setup(8, 64, 64, 0, 64);

    hxp_backend_sends(0, 300);
    close(hxp_sv[1]);

    hxp_client->blocked = 1;
    cr_assert_eq(hx_http_upstream_pipe_run(&hxp, 0), HX_OK);

    /* the short read cleared "ready": the close is the next event */
    hxp_up_rev.ready = 1;
    cr_assert_eq(hx_http_upstream_pipe_run(&hxp, 0), HX_OK);

    cr_assert_eq(hxp.upstream_eof, 1);

    /* at the end, nothing waits in the pipe: the output has it all */
    cr_assert_null(hxp.in);
    cr_assert_null(hxp.out);

    hxp_unblock();
    cr_assert_eq(hxp_output(hxp_client, NULL), HX_OK);

    hxp_assert_got(300);
}


Test(http_upstream_pipe, input_filter_ends_the_body)
{
    hxp_setup(4, 64, 128, 0, 128);

    /* the body ends after 100 bytes */
    hxp.input_filter = hxp_known_length;
    hxp.length = 100;

    hxp_backend_sends(0, 150);
    cr_assert_eq(hx_http_upstream_pipe_run(&hxp, 0), HX_OK);

    cr_assert_eq(hxp.upstream_done, 1);
    hxp_assert_got(100);
}


Test(http_upstream_pipe, limit_rate_holds_reading_back)
{
    hxp_setup(64, 1024, 2048, 0, 2048);

    hxp.limit_rate = 1000;
    hxp.start_msec = hx_current_msec;

    hxp_backend_sends(0, 20000);
    cr_assert_eq(hx_http_upstream_pipe_run(&hxp, 0), HX_OK);

    /* about a second's worth at once, then the read event is delayed */
    cr_assert_leq(hxp.read_length, 1100);
    cr_assert_eq(hxp_up_rev.delayed, 1);
    cr_assert_eq(hxp_up_rev.timer_set, 1);

    hx_event_del_timer(&hxp_up_rev);
}

/*
 * The buffered response path of an upstream (proxy_buffering on): a
 * "pipe" that reads the backend's body into a fixed set of buffers
 * (proxy_buffers), lets the protocol module's input filter cut the raw
 * bytes into body data (a Content-Length window, or chunks), passes the
 * data to the client's output filter, and spills to a temp file when the
 * client is slower than the backend and every buffer is taken.
 *
 * How buffers are shared.  A raw buffer is read into; the input filter
 * makes "data" buffers that point into it (b->shadow is the raw buffer)
 * and never copies.  The raw buffer counts the data buffers that still
 * point into it in its num field; when the last of them is sent (its pos
 * reached its last), or written to the temp file, the raw buffer is free
 * to be read into again.  Data is passed on as soon as it is read, so a
 * fast client sees the body at the backend's pace; what the client cannot
 * take waits in memory (up to proxy_busy_buffers_size in the output
 * filter) and then on disk, in order: the file part ("out") always comes
 * before the memory part ("in").  A client that has taken everything so
 * far gets all that waits in one pass (one writev); busy_size holds
 * from the first pass it leaves partly unsent, and what that pass left
 * busy beyond busy_size is made up for with as many more raw buffers
 * (at most bufs.num), so that reading and spilling go on as nginx's
 * would.
 *
 * nginx's event pipe keeps partial buffers back until they fill; this
 * one forwards partial buffers at once, because the parsers it feeds are
 * resumable and a client then never waits for a buffer to fill.
 */

#ifndef HX_HTTP_HX_HTTP_UPSTREAM_PIPE_H
#define HX_HTTP_HX_HTTP_UPSTREAM_PIPE_H


typedef struct hx_http_upstream_pipe_s  hx_http_upstream_pipe_t;

/*
 * Consumes raw->pos .. raw->last (advancing raw->pos) and hands body data
 * to hx_http_upstream_pipe_add_data(); sets p->upstream_done when the
 * body is complete.  HX_OK, or HX_ERROR for a body that cannot be framed
 * (the pipe then reports upstream_error).
 */
typedef hx_int_t (*hx_http_upstream_pipe_input_pt)(hx_http_upstream_pipe_t *p,
    hx_buf_t *raw);

/* what the data goes to: the request's output filter, or a test's */
typedef hx_int_t (*hx_http_upstream_pipe_output_pt)(void *ctx,
    hx_chain_t *in);


struct hx_http_upstream_pipe_s {
    hx_connection_t                   *upstream;
    hx_connection_t                   *downstream;

    hx_http_upstream_pipe_input_pt     input_filter;
    void                              *input_ctx;

    hx_http_upstream_pipe_output_pt    output_filter;
    void                              *output_ctx;

    hx_pool_t                         *pool;
    hx_log_t                          *log;

    hx_bufs_t                          bufs;        /* raw buffers */
    size_t                             busy_size;   /* in the output */
    off_t                              max_temp_file_size;
    size_t                             temp_file_write_size;
    hx_http_temp_file_t               *temp_file;

    hx_msec_t                          read_timeout;
    hx_msec_t                          send_timeout;
    size_t                             send_lowat;

    size_t                             limit_rate;  /* bytes/s, 0: none */
    hx_msec_t                          start_msec;

    off_t                              read_length; /* raw bytes read */
    off_t                              length;      /* filter's: left */

    hx_buf_t                          *cur;         /* reading into */
    hx_chain_t                        *free_raw;
    hx_int_t                           allocated;
    hx_int_t                           extra;       /* beyond bufs.num */
    hx_uint_t                          grow;        /* buffers per read */

    hx_chain_t                        *in;          /* memory, waiting */
    hx_chain_t                       **last_in;
    hx_chain_t                        *out;         /* temp file, waiting */
    hx_chain_t                       **last_out;
    hx_chain_t                        *busy;        /* in the output */
    hx_chain_t                        *free;        /* spare links, bufs */
    hx_chain_t                        *spare;       /* spare bare links */

    off_t                              busy_bytes;

    unsigned                           read:1;
    unsigned                           upstream_eof:1;
    unsigned                           upstream_error:1;
    unsigned                           upstream_done:1;
    unsigned                           upstream_blocked:1;
    unsigned                           downstream_done:1;
    unsigned                           downstream_error:1;
    unsigned                           downstream_slow:1; /* left unsent */
    unsigned                           temp_file_warn:1;
    unsigned                           no_events:1;     /* tests */
};


/*
 * Moves data: with do_write, to the output first; then reads what the
 * backend has (and what fits), forwarding as it goes, until neither side
 * can move.  Then arms the events and timers (read_timeout while waiting
 * for the backend, send_timeout while the client blocks), unless
 * no_events.  HX_OK, or HX_ABORT when the pipe is unusable (no memory,
 * temp file failure); the flags tell the caller how it ended.
 */
hx_int_t hx_http_upstream_pipe_run(hx_http_upstream_pipe_t *p,
    hx_uint_t do_write);

/*
 * For input filters: queues raw->pos .. raw->pos + len as body data (the
 * caller then advances raw->pos).  Returns the data buffer (for flags
 * like last_buf) or NULL on no memory.
 */
hx_buf_t *hx_http_upstream_pipe_add_data(hx_http_upstream_pipe_t *p,
    hx_buf_t *raw, size_t len);

/* the simplest input filter: every byte is body data (until close) */
hx_int_t hx_http_upstream_pipe_copy_input(hx_http_upstream_pipe_t *p,
    hx_buf_t *raw);

/* drops everything queued (client gone); the buffers become free */
void hx_http_upstream_pipe_drain(hx_http_upstream_pipe_t *p);

/* data still waiting or in the output, for tests and logs */
off_t hx_http_upstream_pipe_pending(hx_http_upstream_pipe_t *p);

#endif /* HX_HTTP_HX_HTTP_UPSTREAM_PIPE_H */

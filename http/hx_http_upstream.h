/*
 * The http upstream machinery: what proxy_pass (and any later protocol
 * module) uses to talk to a backend on behalf of a request.
 *
 * A protocol module creates r->upstream (hx_http_upstream_create), fills
 * in its callbacks -- create_request builds the bytes to send,
 * process_header parses what comes back, input_filter frames the body --
 * and starts it (hx_http_upstream_init), usually as the post handler of
 * hx_http_read_client_request_body.  The machinery then picks a peer
 * through the shared balancer library (event/hx_upstream_peer.h),
 * connects with timeouts, sends, reads the response header into one
 * buffer (proxy_buffer_size), applies proxy_next_upstream when the peer
 * fails, copies the headers to the client's response (with hiding,
 * redirect and cookie rewriting), and moves the body: buffered through
 * hx_http_upstream_pipe_t, unbuffered through one buffer, or, after a
 * 101, as an opaque two-way tunnel.
 *
 * Configuration.  "upstream NAME { ... }" blocks and the implicit
 * upstreams that "proxy_pass http://host:port" creates are the same
 * hx_http_upstream_srv_conf_t, found by name (hx_http_upstream_add), as
 * nginx does.  Balancer and keepalive directives are small modules of
 * their own (http/modules/hx_http_upstream_*_module.c) that configure the
 * library or wrap init_peer.
 *
 * Files: hx_http_upstream.c (module, directives, configuration),
 * hx_http_upstream_request.c (connect, send, header, next, finalize),
 * hx_http_upstream_response.c (sending the response, body modes),
 * hx_http_upstream_headers.c (the response header table),
 * hx_http_upstream_variables.c ($upstream_*), hx_http_upstream_pipe.c.
 */

#ifndef HX_HTTP_HX_HTTP_UPSTREAM_H
#define HX_HTTP_HX_HTTP_UPSTREAM_H

#include <hx_upstream_peer.h>
#include "hx_http_upstream_pipe.h"


/* proxy_next_upstream: what makes an attempt fail over */
#define HX_HTTP_UPSTREAM_FT_ERROR           0x00000002
#define HX_HTTP_UPSTREAM_FT_TIMEOUT         0x00000004
#define HX_HTTP_UPSTREAM_FT_INVALID_HEADER  0x00000008
#define HX_HTTP_UPSTREAM_FT_HTTP_500        0x00000010
#define HX_HTTP_UPSTREAM_FT_HTTP_502        0x00000020
#define HX_HTTP_UPSTREAM_FT_HTTP_503        0x00000040
#define HX_HTTP_UPSTREAM_FT_HTTP_504        0x00000080
#define HX_HTTP_UPSTREAM_FT_HTTP_403        0x00000100
#define HX_HTTP_UPSTREAM_FT_HTTP_404        0x00000200
#define HX_HTTP_UPSTREAM_FT_HTTP_429        0x00000400
#define HX_HTTP_UPSTREAM_FT_UPDATING        0x00000800
#define HX_HTTP_UPSTREAM_FT_BUSY_LOCK       0x00001000
#define HX_HTTP_UPSTREAM_FT_MAX_WAITING     0x00002000
#define HX_HTTP_UPSTREAM_FT_NON_IDEMPOTENT  0x00004000
#define HX_HTTP_UPSTREAM_FT_NOLIVE          0x40000000
#define HX_HTTP_UPSTREAM_FT_OFF             0x80000000

#define HX_HTTP_UPSTREAM_FT_STATUS          (HX_HTTP_UPSTREAM_FT_HTTP_500   \
                                             |HX_HTTP_UPSTREAM_FT_HTTP_502  \
                                             |HX_HTTP_UPSTREAM_FT_HTTP_503  \
                                             |HX_HTTP_UPSTREAM_FT_HTTP_504  \
                                             |HX_HTTP_UPSTREAM_FT_HTTP_403  \
                                             |HX_HTTP_UPSTREAM_FT_HTTP_404  \
                                             |HX_HTTP_UPSTREAM_FT_HTTP_429)

/* process_header's verdict on a response it cannot use */
#define HX_HTTP_UPSTREAM_INVALID_HEADER     40

/* proxy_ignore_headers */
#define HX_HTTP_UPSTREAM_IGN_XA_REDIRECT    0x00000002
#define HX_HTTP_UPSTREAM_IGN_XA_EXPIRES     0x00000004
#define HX_HTTP_UPSTREAM_IGN_EXPIRES        0x00000008
#define HX_HTTP_UPSTREAM_IGN_CACHE_CONTROL  0x00000010
#define HX_HTTP_UPSTREAM_IGN_SET_COOKIE     0x00000020
#define HX_HTTP_UPSTREAM_IGN_XA_LIMIT_RATE  0x00000040
#define HX_HTTP_UPSTREAM_IGN_XA_BUFFERING   0x00000080
#define HX_HTTP_UPSTREAM_IGN_XA_CHARSET     0x00000100
#define HX_HTTP_UPSTREAM_IGN_VARY           0x00000200


/* one attempt, for $upstream_* (r->upstream_states) */
typedef struct {
    hx_uint_t                        status;
    hx_msec_t                        response_time;
    hx_msec_t                        connect_time;
    hx_msec_t                        header_time;
    off_t                            response_length;
    off_t                            bytes_received;
    off_t                            bytes_sent;
    hx_str_t                        *peer;
} hx_http_upstream_state_t;


typedef struct {
    hx_hash_t                        headers_in_hash;
    hx_array_t                       upstreams;
                                         /* hx_http_upstream_srv_conf_t * */
} hx_http_upstream_main_conf_t;


typedef struct hx_http_upstream_srv_conf_s  hx_http_upstream_srv_conf_t;

/*
 * Per request: sets up r->upstream->peer (get, free, data, tries).  The
 * default one asks the library; the keepalive module wraps it.
 */
typedef hx_int_t (*hx_http_upstream_init_peer_pt)(hx_http_request_t *r,
    hx_http_upstream_srv_conf_t *us);


struct hx_http_upstream_srv_conf_s {
    hx_upstream_t                    upstream;   /* the library's state */

    hx_http_upstream_init_peer_pt    init_peer;
    void                            *init_peer_data;

    void                           **srv_conf;   /* NULL: implicit */

    hx_str_t                         host;
    in_port_t                        port;
    hx_uint_t                        flags;      /* HX_UPSTREAM_CREATE... */
    unsigned                         no_port:1;

    hx_http_complex_value_t         *hash_key;   /* "hash KEY" */
};


/* proxy_bind */
typedef struct {
    hx_addr_t                       *addr;
    hx_http_complex_value_t         *value;
    hx_uint_t                        transparent;
} hx_http_upstream_local_t;


/* a protocol module's location settings the machinery reads */
typedef struct {
    hx_http_upstream_srv_conf_t     *upstream;

    hx_msec_t                        connect_timeout;
    hx_msec_t                        send_timeout;
    hx_msec_t                        read_timeout;
    hx_msec_t                        next_upstream_timeout;

    size_t                           send_lowat;
    size_t                           buffer_size;
    hx_http_complex_value_t         *limit_rate;

    size_t                           busy_buffers_size;
    size_t                           max_temp_file_size;
    size_t                           temp_file_write_size;

    size_t                           busy_buffers_size_conf;
    size_t                           max_temp_file_size_conf;
    size_t                           temp_file_write_size_conf;

    hx_bufs_t                        bufs;

    hx_uint_t                        ignore_headers;
    hx_uint_t                        next_upstream;
    hx_uint_t                        next_upstream_tries;

    hx_flag_t                        buffering;
    hx_flag_t                        request_buffering;
    hx_flag_t                        pass_request_headers;
    hx_flag_t                        pass_request_body;
    hx_flag_t                        pass_trailers;
    hx_flag_t                        ignore_client_abort;
    hx_flag_t                        intercept_errors;
    hx_flag_t                        force_ranges;
    hx_flag_t                        socket_keepalive;

    hx_path_t                       *temp_path;

    hx_hash_t                        hide_headers_hash;
    hx_array_t                      *hide_headers;     /* hx_str_t */
    hx_array_t                      *pass_headers;     /* hx_str_t */

    hx_http_upstream_local_t        *local;

    unsigned                         intercept_404:1;
    unsigned                         change_buffering:1;

    hx_str_t                         module;           /* "proxy" */
} hx_http_upstream_conf_t;


/* a response header the machinery knows: how to note it, how to copy it */
typedef struct {
    hx_str_t                         name;
    hx_http_header_handler_pt        handler;
    hx_uint_t                        offset;
    hx_http_header_handler_pt        copy_handler;
    hx_uint_t                        conf;
    hx_uint_t                        redirect;
} hx_http_upstream_header_t;


typedef struct {
    hx_list_t                        headers;
    hx_list_t                        trailers;

    hx_uint_t                        status_n;
    hx_str_t                         status_line;

    hx_table_elt_t                  *status;
    hx_table_elt_t                  *date;
    hx_table_elt_t                  *server;
    hx_table_elt_t                  *connection;

    hx_table_elt_t                  *expires;
    hx_table_elt_t                  *etag;
    hx_table_elt_t                  *x_accel_expires;
    hx_table_elt_t                  *x_accel_redirect;
    hx_table_elt_t                  *x_accel_limit_rate;

    hx_table_elt_t                  *content_type;
    hx_table_elt_t                  *content_length;

    hx_table_elt_t                  *last_modified;
    hx_table_elt_t                  *location;
    hx_table_elt_t                  *refresh;
    hx_table_elt_t                  *www_authenticate;
    hx_table_elt_t                  *transfer_encoding;
    hx_table_elt_t                  *vary;
    hx_table_elt_t                  *set_cookie;
    hx_table_elt_t                  *upgrade;

    off_t                            content_length_n;
    time_t                           last_modified_time;

    unsigned                         connection_close:1;
    unsigned                         chunked:1;
} hx_http_upstream_headers_in_t;


/* a destination known at request time (proxy_pass with variables) */
typedef struct {
    hx_str_t                         host;
    in_port_t                        port;
    hx_uint_t                        no_port;

    hx_uint_t                        naddrs;
    hx_addr_t                       *addrs;

    struct sockaddr                 *sockaddr;
    socklen_t                        socklen;
    hx_str_t                         name;

    void                            *ctx;        /* a lookup under way */
} hx_http_upstream_resolved_t;


/* the "resolver" directive's servers and cache (hx_http_upstream_resolver.c) */
typedef struct hx_http_upstream_resolver_s  hx_http_upstream_resolver_t;


/* the upstream module's own location settings */
typedef struct {
    hx_http_upstream_resolver_t     *resolver;
} hx_http_upstream_loc_conf_t;


typedef void (*hx_http_upstream_handler_pt)(hx_http_request_t *r,
    hx_http_upstream_t *u);


struct hx_http_upstream_s {
    hx_http_upstream_handler_pt      read_event_handler;
    hx_http_upstream_handler_pt      write_event_handler;

    hx_peer_connection_t             peer;

    hx_http_upstream_pipe_t         *pipe;

    /* the request as create_request built it, and this attempt's copy */
    hx_chain_t                      *request_bufs;
    hx_chain_t                      *request_out;

    /* bodies read without buffering: a filter (chunked framing) */
    hx_int_t                       (*body_filter)(hx_http_request_t *r,
                                         hx_chain_t *in, hx_chain_t **out);

    hx_http_upstream_conf_t         *conf;
    hx_http_upstream_srv_conf_t     *upstream;

    hx_http_upstream_headers_in_t    headers_in;

    hx_http_upstream_resolved_t     *resolved;

    hx_buf_t                         from_client;   /* upgraded */

    hx_buf_t                         buffer;         /* the header's */
    off_t                            length;         /* body left, -1 */

    /* unbuffered responses */
    hx_chain_t                      *out_bufs;
    hx_chain_t                      *busy_bufs;
    hx_chain_t                      *free_bufs;

    hx_int_t                       (*input_filter_init)(void *data);
    hx_int_t                       (*input_filter)(void *data, ssize_t bytes);
    void                            *input_filter_ctx;

    hx_int_t                       (*create_request)(hx_http_request_t *r);
    hx_int_t                       (*reinit_request)(hx_http_request_t *r);
    hx_int_t                       (*process_header)(hx_http_request_t *r);
    void                           (*abort_request)(hx_http_request_t *r);
    void                           (*finalize_request)(hx_http_request_t *r,
                                         hx_int_t rc);
    hx_int_t                       (*rewrite_redirect)(hx_http_request_t *r,
                                         hx_table_elt_t *h, size_t prefix);
    hx_int_t                       (*rewrite_cookie)(hx_http_request_t *r,
                                         hx_table_elt_t *h);

    hx_msec_t                        start_time;   /* next_upstream_timeout */

    hx_http_upstream_state_t        *state;

    hx_str_t                         method;
    hx_str_t                         schema;
    hx_str_t                         uri;

    hx_http_cleanup_pt              *cleanup;

    unsigned                         accel:1;
    unsigned                         buffering:1;
    unsigned                         keepalive:1;
    unsigned                         upgrade:1;
    unsigned                         error:1;

    unsigned                         request_sent:1;
    unsigned                         request_body_sent:1;
    unsigned                         request_body_blocked:1;
    unsigned                         header_sent:1;
    unsigned                         response_received:1;
};


typedef struct {
    hx_uint_t                        status;
    hx_uint_t                        mask;
} hx_http_upstream_next_t;


/* ---- the protocol module's side (hx_http_upstream_request.c) -------- */

/*
 * Gives r an upstream (replacing a previous one after an internal
 * redirect, whose connection is closed).  HX_OK or HX_ERROR.
 */
hx_int_t hx_http_upstream_create(hx_http_request_t *r);

/*
 * Starts the upstream: the post handler of the request body read.  It
 * ends the request itself through hx_http_finalize_request.
 */
void hx_http_upstream_init(hx_http_request_t *r);

/* the tag of buffers on the unbuffered path (for protocol filters) */
hx_buf_tag_t hx_http_upstream_buf_tag(void);

/* the input filter pair for an unbuffered body until close or length */
hx_int_t hx_http_upstream_non_buffered_filter_init(void *data);
hx_int_t hx_http_upstream_non_buffered_filter(void *data, ssize_t bytes);


/* ---- configuration (hx_http_upstream.c) ---------------------------- */

#define HX_HTTP_UPSTREAM_CREATE  HX_UPSTREAM_CREATE

/*
 * The upstream named u->host (with u->port), creating an implicit one for
 * a host:port or literal address, or -- with HX_HTTP_UPSTREAM_CREATE --
 * the entry of an "upstream NAME {}" block.  nginx's messages for
 * duplicates and ports; NULL after logging.
 */
hx_http_upstream_srv_conf_t *hx_http_upstream_add(hx_conf_t *cf,
    hx_url_t *u, hx_uint_t flags);

/* "proxy_bind address [transparent] | off" */
char *hx_http_upstream_bind_set_slot(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);

/*
 * Builds conf->hide_headers_hash from the module's default hidden headers,
 * the location's *_hide_header and *_pass_header, inheriting prev's when
 * the location sets neither.  HX_OK or HX_ERROR.
 */
hx_int_t hx_http_upstream_hide_headers_hash(hx_conf_t *cf,
    hx_http_upstream_conf_t *conf, hx_http_upstream_conf_t *prev,
    hx_str_t *default_hide_headers, hx_hash_init_t *hash);

/*
 * Merges the sizes of the buffering directives with nginx's checks
 * ("proxy_busy_buffers_size" must be less than the size of all buffers
 * minus one, and so on).  NULL or HX_CONF_ERROR after logging.
 */
char *hx_http_upstream_merge_buffers(hx_conf_t *cf,
    hx_http_upstream_conf_t *conf, hx_http_upstream_conf_t *prev,
    const char *prefix);

/* the upstream {} block's srv conf of a module, while parsing it */
#define hx_http_conf_upstream_srv_conf(uscf, module)                          \
    (uscf)->srv_conf[module.ctx_index]

/* the srv conf of the upstream block being parsed */
hx_http_upstream_srv_conf_t *hx_http_upstream_conf_current(hx_conf_t *cf);


/* ---- the pieces shared inside the machinery ------------------------ */

/* response headers: the table, and the pass-through of the rest */
extern hx_http_upstream_header_t  hx_http_upstream_headers_in[];

/* copies u->headers_in into r->headers_out; HX_OK or an HTTP status */
hx_int_t hx_http_upstream_process_headers(hx_http_request_t *r,
    hx_http_upstream_t *u);

/* sends the response header and starts moving the body */
void hx_http_upstream_send_response(hx_http_request_t *r,
    hx_http_upstream_t *u);

/* trailers of a chunked response, for proxy_pass_trailers */
hx_int_t hx_http_upstream_process_trailers(hx_http_request_t *r,
    hx_http_upstream_t *u);

/* ends the upstream part (peer, connection, temp file) and the request */
void hx_http_upstream_finalize_request(hx_http_request_t *r,
    hx_http_upstream_t *u, hx_int_t rc);

/* gives up on this peer: the next one, or an error for the client */
void hx_http_upstream_next(hx_http_request_t *r, hx_http_upstream_t *u,
    hx_uint_t ft_type);

/* the connection's event handler while the upstream runs */
void hx_http_upstream_handler(hx_event_t *ev);

/* for request read handlers: the client went away? */
void hx_http_upstream_check_broken_connection(hx_http_request_t *r,
    hx_event_t *ev);

/* connects to the first peer once u->peer is set up (init_peer or a
 * resolved name) */
void hx_http_upstream_start(hx_http_request_t *r, hx_http_upstream_t *u);


/* ---- run-time names (hx_http_upstream_resolver.c) ------------------- */

/*
 * Looks up u->resolved->host with res and connects when the answer
 * comes.  HX_OK (under way, or connected from the cache), HX_DECLINED
 * (no server could be asked: logged, the caller answers 502), HX_ERROR.
 */
hx_int_t hx_http_upstream_resolve(hx_http_request_t *r,
    hx_http_upstream_t *u, hx_http_upstream_resolver_t *res);

/* stops a lookup under way (the request ends) */
void hx_http_upstream_resolve_cancel(hx_http_upstream_t *u);

/* "resolver address ... [valid=time] [ipv4=on|off] [ipv6=on|off]" */
char *hx_http_upstream_resolver_directive(hx_conf_t *cf,
    hx_http_upstream_resolver_t **pres);

/*
 * DNS messages (RFC 1035), exposed for tests: a query for name into buf
 * (its length, 0 for an invalid name), and the addresses of an answer
 * (HX_OK, HX_DECLINED: not this answer, HX_ERROR: malformed, > 0: the
 * server's error code).
 */
size_t hx_http_upstream_dns_query(uint8_t *buf, size_t size, hx_str_t *name,
    uint16_t id, uint16_t type);
hx_int_t hx_http_upstream_dns_answer(uint8_t *buf, size_t len, uint16_t id,
    uint16_t type, in_port_t port, hx_pool_t *pool, hx_array_t *addrs,
    uint32_t *ttl);


/* $upstream_* (hx_http_upstream_variables.c) */
hx_int_t hx_http_upstream_add_variables(hx_conf_t *cf);


extern hx_module_t           hx_http_upstream_module;
extern hx_conf_bitmask_t     hx_http_upstream_ignore_headers_masks[];

#endif /* HX_HTTP_HX_HTTP_UPSTREAM_H */

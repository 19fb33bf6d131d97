/*
 * The stream subsystem's umbrella header: the stream {} configuration
 * (conf contexts, module context, listen options, the port/address tables
 * built from "listen"), the session, the phase engine and the filter
 * chain, then the headers of the rest of stream/.
 *
 * A stream {} block is parsed the way nginx parses it: every
 * HX_STREAM_MODULE gets a main conf and a srv conf per server {}, server
 * confs are merged into the block's, and the listen directives are turned
 * into hx_listening_t sockets whose handler, hx_stream_init_connection(),
 * finds the server by local address and runs the session through the
 * phases: post_accept, preaccess, access, ssl, preread, content, log.
 * Modules attach handlers to phases in postconfiguration; the content
 * phase runs the one content handler of the server (return, proxy, pass).
 */

#ifndef HX_STREAM_HX_STREAM_H
#define HX_STREAM_HX_STREAM_H

#include <hx_event.h>
#include <hx_proxy_protocol.h>


typedef struct hx_stream_session_s   hx_stream_session_t;
typedef struct hx_stream_upstream_s  hx_stream_upstream_t;


#include "hx_stream_variables.h"
#include "hx_stream_complex_value.h"
#include "hx_stream_upstream.h"


/* session status codes: what $status shows, as nginx's stream has them */
#define HX_STREAM_OK                        200
#define HX_STREAM_BAD_REQUEST               400
#define HX_STREAM_FORBIDDEN                 403
#define HX_STREAM_INTERNAL_SERVER_ERROR     500
#define HX_STREAM_BAD_GATEWAY               502
#define HX_STREAM_SERVICE_UNAVAILABLE       503


/* the directive contexts inside stream {} (the high byte of cmd->type) */
#define HX_STREAM_MAIN_CONF     0x02000000
#define HX_STREAM_SRV_CONF      0x04000000
#define HX_STREAM_UPS_CONF      0x08000000


typedef struct {
    void                          **main_conf;
    void                          **srv_conf;
} hx_stream_conf_ctx_t;

#define HX_STREAM_MAIN_CONF_OFFSET  offsetof(hx_stream_conf_ctx_t, main_conf)
#define HX_STREAM_SRV_CONF_OFFSET   offsetof(hx_stream_conf_ctx_t, srv_conf)


/* the parameters of one "listen" directive, for one address */
typedef struct {
    struct sockaddr                *sockaddr;
    socklen_t                       socklen;
    hx_str_t                        addr_text;

    /* a socket option was given: the address needs a socket of its own */
    unsigned                        set:1;
    unsigned                        default_server:1;
    unsigned                        bind:1;
    unsigned                        wildcard:1;
    unsigned                        ssl:1;
    unsigned                        ipv6only:1;
    unsigned                        deferred_accept:1;
    unsigned                        reuseport:1;
    unsigned                        so_keepalive:2;   /* 1 on, 2 off */
    unsigned                        proxy_protocol:1;
    unsigned                        freebind:1;       /* IP_FREEBIND */

    int                             backlog;
    int                             rcvbuf;
    int                             sndbuf;
    int                             type;             /* SOCK_STREAM/DGRAM */
    int                             protocol;
    int                             fastopen;
    int                             tcp_keepidle;
    int                             tcp_keepintvl;
    int                             tcp_keepcnt;
} hx_stream_listen_opt_t;


typedef enum {
    HX_STREAM_POST_ACCEPT_PHASE = 0,
    HX_STREAM_PREACCESS_PHASE,
    HX_STREAM_ACCESS_PHASE,
    HX_STREAM_SSL_PHASE,
    HX_STREAM_PREREAD_PHASE,
    HX_STREAM_CONTENT_PHASE,
    HX_STREAM_LOG_PHASE
} hx_stream_phases_e;


typedef struct hx_stream_phase_handler_s  hx_stream_phase_handler_t;

/*
 * A phase handler returns HX_OK (phase done, skip to the next phase),
 * HX_DECLINED (try the next handler of the phase), HX_AGAIN or HX_DONE
 * (it will resume the session itself), HX_ERROR, or a status code that
 * finalizes the session (HX_STREAM_FORBIDDEN).
 */
typedef hx_int_t (*hx_stream_phase_handler_pt)(hx_stream_session_t *s,
    hx_stream_phase_handler_t *ph);
typedef hx_int_t (*hx_stream_handler_pt)(hx_stream_session_t *s);
typedef void (*hx_stream_content_handler_pt)(hx_stream_session_t *s);


struct hx_stream_phase_handler_s {
    hx_stream_phase_handler_pt      checker;
    hx_stream_handler_pt            handler;
    hx_uint_t                       next;    /* first handler of next phase */
};


typedef struct {
    hx_stream_phase_handler_t      *handlers;   /* ends with checker NULL */
} hx_stream_phase_engine_t;


typedef struct {
    hx_array_t                      handlers;   /* hx_stream_handler_pt */
} hx_stream_phase_t;


typedef struct {
    hx_array_t                      servers;  /* hx_stream_core_srv_conf_t * */

    hx_stream_phase_engine_t        phase_engine;

    hx_hash_t                       variables_hash;

    hx_array_t                      variables;        /* indexed ones */
    hx_array_t                      prefix_variables; /* "$name_*" ones */
    hx_uint_t                       ncaptures;

    hx_uint_t                       variables_hash_max_size;
    hx_uint_t                       variables_hash_bucket_size;

    hx_hash_keys_arrays_t          *variables_keys;   /* while parsing */

    hx_array_t                     *ports;            /* while parsing */

    hx_stream_phase_t               phases[HX_STREAM_LOG_PHASE + 1];
} hx_stream_core_main_conf_t;


typedef struct {
    hx_stream_content_handler_pt    handler;

    hx_stream_conf_ctx_t           *ctx;

    uint8_t                        *file_name;
    hx_uint_t                       line;

    hx_flag_t                       tcp_nodelay;
    size_t                          preread_buffer_size;
    hx_msec_t                       preread_timeout;

    hx_log_t                       *error_log;

    hx_msec_t                       proxy_protocol_timeout;

    unsigned                        listen:1;
} hx_stream_core_srv_conf_t;


/* what a session needs to know about the address it came in on */
typedef struct {
    hx_stream_core_srv_conf_t      *default_server;

    unsigned                        ssl:1;
    unsigned                        proxy_protocol:1;
} hx_stream_addr_conf_t;


typedef struct {
    in_addr_t                       addr;
    hx_stream_addr_conf_t           conf;
} hx_stream_in_addr_t;


typedef struct {
    struct in6_addr                 addr6;
    hx_stream_addr_conf_t           conf;
} hx_stream_in6_addr_t;


/*
 * ls->servers of a stream listening socket: the addresses it serves.
 * One unless the socket is a wildcard standing in for several specific
 * addresses of the same port, which are then looked up by the local
 * address of each connection; the wildcard itself is the last entry.
 */
typedef struct {
    void                           *addrs;  /* hx_stream_in(6)_addr_t */
    hx_uint_t                       naddrs;

    /* UDP: the worker's sessions on this socket, by client address */
    hx_rbtree_t                     rbtree;
    hx_rbtree_node_t                sentinel;
} hx_stream_port_t;


/* the listen directives of the whole block, grouped while parsing */
typedef struct {
    int                             family;
    int                             type;
    in_port_t                       port;
    hx_array_t                      addrs;   /* hx_stream_conf_addr_t */
} hx_stream_conf_port_t;


typedef struct {
    hx_stream_listen_opt_t          opt;

    /* the server that takes this address (one: no server_name yet) */
    hx_stream_core_srv_conf_t      *default_server;
    hx_array_t                      servers; /* hx_stream_core_srv_conf_t * */
} hx_stream_conf_addr_t;


struct hx_stream_session_s {
    uint32_t                        signature;        /* "STRM" */

    hx_connection_t                *connection;

    off_t                           received;
    time_t                          start_sec;
    hx_msec_t                       start_msec;

    /* appends a module's context to the session's log lines */
    hx_log_handler_pt               log_handler;

    void                          **ctx;
    void                          **main_conf;
    void                          **srv_conf;

    hx_stream_upstream_t           *upstream;
    hx_array_t                     *upstream_states;

    hx_stream_variable_value_t     *variables;

    /* regex captures of the last match, for $1..$9 */
    hx_uint_t                       ncaptures;
    int                            *captures;
    uint8_t                        *captures_data;

    hx_int_t                        phase_handler;
    hx_uint_t                       status;

    unsigned                        ssl:1;
    unsigned                        health_check:1;
    unsigned                        limit_conn_status:2;
};


typedef struct {
    hx_int_t                      (*preconfiguration)(hx_conf_t *cf);
    hx_int_t                      (*postconfiguration)(hx_conf_t *cf);

    void                         *(*create_main_conf)(hx_conf_t *cf);
    char                         *(*init_main_conf)(hx_conf_t *cf,
                                                    void *conf);

    void                         *(*create_srv_conf)(hx_conf_t *cf);
    char                         *(*merge_srv_conf)(hx_conf_t *cf,
                                                    void *prev, void *conf);
} hx_stream_module_t;


#define hx_stream_get_module_ctx(s, module)   (s)->ctx[module.ctx_index]
#define hx_stream_set_ctx(s, c, module)       (s)->ctx[module.ctx_index] = c
#define hx_stream_delete_ctx(s, module)       (s)->ctx[module.ctx_index] = NULL

#define hx_stream_get_module_main_conf(s, module)                             \
    (s)->main_conf[module.ctx_index]
#define hx_stream_get_module_srv_conf(s, module)                              \
    (s)->srv_conf[module.ctx_index]

#define hx_stream_conf_get_module_main_conf(cf, module)                       \
    ((hx_stream_conf_ctx_t *) cf->ctx)->main_conf[module.ctx_index]
#define hx_stream_conf_get_module_srv_conf(cf, module)                        \
    ((hx_stream_conf_ctx_t *) cf->ctx)->srv_conf[module.ctx_index]

/* NULL when the cycle has no stream {} block */
#define hx_stream_cycle_get_module_main_conf(cycle, module)                   \
    ((cycle)->conf_ctx[hx_stream_module.index]                                \
     ? ((hx_stream_conf_ctx_t *)                                              \
        (cycle)->conf_ctx[hx_stream_module.index])->main_conf[module.ctx_index]\
     : NULL)


/* c->buffered bit: the write filter holds data it could not send yet */
#define HX_STREAM_WRITE_BUFFERED  0x10


/*
 * The filter chain: a module's body filter passes "in" on to the next
 * one; the last is the write filter, which sends to the client
 * (from_upstream 1) or to the upstream (from_upstream 0).  Returns HX_OK
 * (all sent), HX_AGAIN (some left buffered: c->buffered is set and the
 * caller waits for the write event) or HX_ERROR.
 */
typedef hx_int_t (*hx_stream_filter_pt)(hx_stream_session_t *s,
    hx_chain_t *in, hx_uint_t from_upstream);

extern hx_stream_filter_pt  hx_stream_top_filter;


/* hx_stream.c */

/*
 * Records one address of a "listen" directive for server cscf.  The
 * sockets are created when the block ends.  HX_OK or HX_ERROR (logged:
 * a second server on the same address and port, a repeated listen).
 */
hx_int_t hx_stream_add_listen(hx_conf_t *cf, hx_stream_core_srv_conf_t *cscf,
    hx_stream_listen_opt_t *lsopt);


/*
 * A new context inside the stream block's (parent): its main confs and
 * a fresh srv conf of every stream module, as a server {} or upstream {}
 * starts out.  NULL on no memory.
 */
hx_stream_conf_ctx_t *hx_stream_create_srv_ctx(hx_conf_t *cf,
    hx_stream_conf_ctx_t *parent);

/*
 * The context of cf->cycle's stream {} block, made (as an empty
 * "stream { }" would be) when the file has none, for servers added by
 * code after the file is read.  NULL after logging.
 */
hx_stream_conf_ctx_t *hx_stream_conf_block(hx_conf_t *cf);

/*
 * A listening socket of its own for server cscf, added after the stream
 * block was read (the ha module's virtual_server): cscf alone serves
 * lsopt's address.  NULL after logging when the address and port, or a
 * wildcard on the port, already listen.
 */
hx_listening_t *hx_stream_add_server_listening(hx_conf_t *cf,
    hx_stream_core_srv_conf_t *cscf, hx_stream_listen_opt_t *lsopt);


/* hx_stream_core_module.c */

/*
 * Parses the parameters of a listen directive (value[first] .. value[n-1]:
 * "udp", "backlog=N", ...) into lsopt, which the caller has reset with
 * hx_stream_listen_opt_init().  Returns HX_CONF_OK, HX_CONF_ERROR after
 * logging, or a short reason for the dispatcher to print.
 */
void hx_stream_listen_opt_init(hx_stream_listen_opt_t *lsopt);
char *hx_stream_parse_listen_params(hx_conf_t *cf, hx_str_t *value,
    hx_uint_t first, hx_uint_t n, hx_stream_listen_opt_t *lsopt);

/*
 * Runs the session's phase handlers from s->phase_handler until one of
 * them waits (it is resumed by an event handler that calls this again)
 * or the session is finalized.
 */
void hx_stream_core_run_phases(hx_stream_session_t *s);
hx_int_t hx_stream_core_generic_phase(hx_stream_session_t *s,
    hx_stream_phase_handler_t *ph);
hx_int_t hx_stream_core_preread_phase(hx_stream_session_t *s,
    hx_stream_phase_handler_t *ph);
hx_int_t hx_stream_core_content_phase(hx_stream_session_t *s,
    hx_stream_phase_handler_t *ph);


/* hx_stream_handler.c */

/* the handler of every stream listening socket: starts a session */
void hx_stream_init_connection(hx_connection_t *c);

/* a read event handler that resumes the phases */
void hx_stream_session_handler(hx_event_t *rev);

/* broken PROXY protocol headers this worker has seen (logged or not) */
extern hx_uint_t  hx_stream_proxy_protocol_broken;

/*
 * The read handler of a session whose content handler does not read:
 * input is left in the socket (or, for UDP, dropped) instead of running
 * the phases again.  Like every stream read handler, it ends the session
 * when the worker sets c->close (worker_shutdown_timeout).
 */
void hx_stream_block_reading(hx_event_t *rev);


/* hx_stream_udp.c */

/*
 * A worker's setup of a UDP listening socket (its slot made by the
 * event module): the session tree, IP_PKTINFO for a wildcard address,
 * and the read event.  HX_OK or HX_ERROR (logged).
 */
hx_int_t hx_stream_udp_init_listening(hx_cycle_t *cycle, hx_listening_t *ls);

/*
 * Takes a UDP session out of its socket's session tree: later datagrams
 * from the same client start a new session (proxy_requests).  The
 * session itself runs on; a no-op for a TCP connection.
 */
void hx_stream_udp_detach(hx_connection_t *c);

/*
 * Ends the session: records rc as its status (HX_STREAM_OK, 4xx, 5xx),
 * runs the log phase, closes the connection and destroys its pool.  Every
 * path that ends a session calls this, exactly once; s is gone after.
 */
void hx_stream_finalize_session(hx_stream_session_t *s, hx_uint_t rc);


extern hx_module_t  hx_stream_module;
extern hx_module_t  hx_stream_core_module;
extern hx_module_t  hx_stream_write_filter_module;
extern hx_module_t  hx_stream_virtual_server_module;   /* not --without-ha */
extern hx_uint_t    hx_stream_max_module;

#endif /* HX_STREAM_HX_STREAM_H */

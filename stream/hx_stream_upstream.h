/*
 * The upstream side of stream: "upstream NAME { server ...; }" blocks,
 * the implicit upstreams "proxy_pass host:port" makes, and the state of
 * one session's attempts to reach a peer.
 *
 * Choosing a peer is not done here: every upstream embeds an
 * hx_upstream_t (event/hx_upstream_peer.h), the library http, stream and
 * ha share, which parses the server lines, holds the peer groups (in a
 * shared zone with "zone") and runs the balancers.  stream adds what is
 * stream's own: the block syntax, the lookup of upstreams by name, the
 * evaluation of "hash KEY" per session, and the $upstream_* variables.
 */

#ifndef HX_STREAM_HX_STREAM_UPSTREAM_H
#define HX_STREAM_HX_STREAM_UPSTREAM_H

#include <hx_upstream_peer.h>


/* hx_stream_upstream_srv_conf_t.flags */
#define HX_STREAM_UPSTREAM_CREATE    0x0001   /* an upstream {} block */


typedef struct hx_stream_upstream_srv_conf_s  hx_stream_upstream_srv_conf_t;


typedef struct {
    hx_array_t                      upstreams;
                                        /* hx_stream_upstream_srv_conf_t * */
} hx_stream_upstream_main_conf_t;


struct hx_stream_upstream_srv_conf_s {
    hx_upstream_t                   upstream;   /* peers and balancer */

    /*
     * Another subsystem's upstream that this one wraps (a virtual_server's
     * real servers): sessions choose from it instead of "upstream".
     */
    hx_upstream_t                  *shared;

    hx_str_t                        host;       /* name, or the host */
    in_port_t                       port;       /* implicit: host's port */
    hx_uint_t                       no_port;    /* a name without port */
    hx_uint_t                       flags;

    uint8_t                        *file_name;
    hx_uint_t                       line;

    /* "hash KEY": evaluated per session into the select key */
    hx_stream_complex_value_t      *hash_key;

    /* the upstream {} block's srv confs, for its modules' directives */
    void                          **srv_conf;

    /* health_check uses this upstream (it must then have a zone) */
    unsigned                        health_check:1;
};


/* one attempt to reach a peer, for the $upstream_* variables */
typedef struct {
    hx_msec_t                       connect_time;     /* -1: not reached */
    hx_msec_t                       first_byte_time;  /* -1: no byte */
    hx_msec_t                       response_time;    /* session time */
    off_t                           bytes_sent;
    off_t                           bytes_received;
    hx_str_t                       *peer;
} hx_stream_upstream_state_t;


/* one direction of a proxied session: a fixed buffer and its descriptor */
typedef struct {
    hx_buf_t                        buf;    /* pos: next byte to hand over */
    hx_buf_t                        out;    /* what the write filter holds */
    hx_chain_t                      link;
    unsigned                        shutdown:1;  /* half-closed */
    unsigned                        empty:1;     /* a 0-byte datagram */
} hx_stream_upstream_pipe_t;


struct hx_stream_upstream_s {
    hx_peer_connection_t            peer;

    hx_stream_upstream_srv_conf_t  *upstream;   /* NULL: run-time address */
    hx_upstream_select_t            select;

    /* client to upstream, upstream to client */
    hx_stream_upstream_pipe_t       upload;
    hx_stream_upstream_pipe_t       download;

    size_t                          upload_rate;
    size_t                          download_rate;

    off_t                           received;   /* bytes from the peer */
    time_t                          start_sec;
    hx_msec_t                       start_time; /* of this attempt */

    hx_uint_t                       requests;   /* UDP datagrams in */
    hx_uint_t                       responses;  /* UDP datagrams out */

    hx_stream_upstream_state_t     *state;

    hx_str_t                        resolved;   /* proxy_pass evaluated */

    unsigned                        connected:1;
    unsigned                        proxy_protocol:1;
    unsigned                        detached:1;  /* UDP: left the tree */
};


/*
 * Finds or creates the upstream for u: an upstream {} block with the same
 * name (flags HX_STREAM_UPSTREAM_CREATE when called by the block), or an
 * implicit one for "host:port".  An address written as a literal (or a
 * unix socket) becomes its only server at once; a name is resolved when
 * the stream block ends.  NULL after logging ("duplicate upstream",
 * "upstream "x" may not have port N").
 */
hx_stream_upstream_srv_conf_t *hx_stream_upstream_add(hx_conf_t *cf,
    hx_url_t *u, hx_uint_t flags);

/*
 * The upstream {} block or implicit upstream that "host[:port]" names,
 * as proxy_pass with variables looks it up per session; NULL if none.
 */
hx_stream_upstream_srv_conf_t *hx_stream_upstream_find(hx_stream_session_t *s,
    hx_str_t *host, in_port_t port, hx_uint_t no_port);

/*
 * Prepares s->upstream->peer for a connection through uscf: evaluates
 * the hash key, fills the select inputs (client address), and hands over
 * to the shared library.  HX_OK or HX_ERROR.
 */
hx_int_t hx_stream_upstream_init_peer(hx_stream_session_t *s,
    hx_stream_upstream_srv_conf_t *uscf);

/*
 * The connection to the peer chosen from an upstream is established: a
 * peer that had failed is counted healthy again at once (TCP only: a
 * UDP "connect" proves nothing), as nginx's stream does.
 */
void hx_stream_upstream_connected(hx_stream_session_t *s);

/*
 * The upstream {} that a directive inside it belongs to (for the
 * balancer and zone modules' handlers).
 */
#define hx_stream_conf_upstream_srv_conf(cf)                                  \
    ((hx_stream_upstream_srv_conf_t *)                                        \
     hx_stream_conf_get_module_srv_conf(cf, hx_stream_upstream_module))


extern hx_module_t  hx_stream_upstream_module;

#endif /* HX_STREAM_HX_STREAM_UPSTREAM_H */

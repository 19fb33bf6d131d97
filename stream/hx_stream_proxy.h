/*
 * The stream proxy module's configuration, shared by its two files:
 * hx_stream_proxy_module.c (directives, merging) and hx_stream_proxy.c
 * (the sessions: connecting, relaying, failing over).
 */

#ifndef HX_STREAM_HX_STREAM_PROXY_H
#define HX_STREAM_HX_STREAM_PROXY_H


/* proxy_responses not given: a UDP session waits for proxy_timeout */
#define HX_STREAM_PROXY_RESPONSES_UNSET  ((hx_uint_t) 0x7fffffff)


/* "proxy_bind": a fixed address, or one computed per session */
typedef struct {
    hx_addr_t                      *addr;
    hx_stream_complex_value_t      *value;
    unsigned                        transparent:1;
} hx_stream_proxy_local_t;


typedef struct {
    hx_msec_t                       connect_timeout;
    hx_msec_t                       timeout;
    hx_msec_t                       next_upstream_timeout;
    size_t                          buffer_size;
    hx_stream_complex_value_t      *upload_rate;
    hx_stream_complex_value_t      *download_rate;
    hx_uint_t                       requests;
    hx_uint_t                       responses;
    hx_uint_t                       next_upstream_tries;
    hx_flag_t                       next_upstream;
    hx_flag_t                       proxy_protocol;
    hx_flag_t                       half_close;
    hx_stream_proxy_local_t        *local;        /* NULL: proxy_bind off */
    hx_flag_t                       socket_keepalive;
    size_t                          socket_rcvbuf;
    size_t                          socket_sndbuf;

    hx_stream_upstream_srv_conf_t  *upstream;
    hx_stream_complex_value_t      *upstream_value;
} hx_stream_proxy_srv_conf_t;


/*
 * The content handler "proxy_pass" installs: connects to a peer and
 * relays the session both ways until one side is done.
 */
void hx_stream_proxy_handler(hx_stream_session_t *s);


extern hx_module_t  hx_stream_proxy_module;

#endif /* HX_STREAM_HX_STREAM_PROXY_H */

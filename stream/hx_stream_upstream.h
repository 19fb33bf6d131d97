/*
 * The upstream side of a stream session.  For now only what the write
 * filter needs to reach the peer; the upstream {} block, the balancers
 * and the proxy module (issue 6) grow this structure.
 */

#ifndef HX_STREAM_HX_STREAM_UPSTREAM_H
#define HX_STREAM_HX_STREAM_UPSTREAM_H


struct hx_stream_upstream_s {
    hx_peer_connection_t            peer;
};

#endif /* HX_STREAM_HX_STREAM_UPSTREAM_H */

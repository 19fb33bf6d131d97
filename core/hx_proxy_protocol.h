/*
 * The PROXY protocol (haproxy's spec, versions 1 and 2): the header a
 * load balancer puts in front of a connection to tell the next hop who
 * the client really was.  hanx reads both versions on "listen ...
 * proxy_protocol" (http and stream), with the TLVs of version 2 kept for
 * $proxy_protocol_tlv_*, and writes version 1 for "proxy_protocol on".
 *
 * Everything here works on bytes, a pool and a log, not on connections,
 * so the parser is tested and fuzzed as it is; the callers (stream and
 * http handlers) own the reading from the socket.
 */

#ifndef HX_CORE_HX_PROXY_PROTOCOL_H
#define HX_CORE_HX_PROXY_PROTOCOL_H


/* "PROXY TCP6 " + two addresses + two ports + CRLF, per the spec */
#define HX_PROXY_PROTOCOL_V1_MAX_HEADER  107

/* the most hanx accepts of a version 2 header, TLVs included */
#define HX_PROXY_PROTOCOL_MAX_HEADER     4096

/* the fixed part of a version 2 header: signature, ver/cmd, fam, len */
#define HX_PROXY_PROTOCOL_V2_HDR_LEN     16


typedef struct {
    hx_str_t                src_addr;   /* text, as $proxy_protocol_addr */
    hx_str_t                dst_addr;
    in_port_t               src_port;
    in_port_t               dst_port;
    hx_str_t                tlvs;       /* version 2: the raw TLV area */
} hx_proxy_protocol_t;


/*
 * Parses a PROXY protocol header at the start of [buf, last).
 *
 *   HX_OK       a complete header: *end points past it; *pp is the
 *               parsed header (from pool), or NULL when the header
 *               carries no addresses (v1 "UNKNOWN", v2 LOCAL, a v2
 *               family or transport other than TCP over IPv4/IPv6)
 *   HX_AGAIN    the bytes are a valid beginning: read more and call again
 *               with the longer buffer (the parse restarts from buf)
 *   HX_ERROR    not a valid header (logged at error: "broken header",
 *               "header is too large", ...) or no memory
 */
hx_int_t hx_proxy_protocol_read(hx_pool_t *pool, hx_log_t *log,
    uint8_t *buf, uint8_t *last, uint8_t **end, hx_proxy_protocol_t **pp);

/*
 * Writes a version 1 header for a connection from src to dst into
 * [buf, last), which must hold HX_PROXY_PROTOCOL_V1_MAX_HEADER bytes.
 * A family other than IPv4/IPv6 (unix sockets) gives "PROXY UNKNOWN".
 * Returns the end of what was written, NULL when the buffer is short.
 */
uint8_t *hx_proxy_protocol_write(uint8_t *buf, uint8_t *last,
    struct sockaddr *src, socklen_t srclen, struct sockaddr *dst,
    socklen_t dstlen);

/*
 * The value of a version 2 TLV by the name $proxy_protocol_tlv_NAME
 * uses: "alpn", "authority", "unique_id", "ssl", "netns", "0xNN", and
 * inside the SSL TLV "ssl_version", "ssl_cn", "ssl_cipher",
 * "ssl_sig_alg", "ssl_key_alg", "ssl_0xNN", "ssl_verify" (the verify
 * field as a decimal, allocated from pool).  value points into pp's
 * TLV area otherwise.
 *
 *   HX_OK        found
 *   HX_DECLINED  no such TLV in this header, or an unknown name (logged)
 *   HX_ERROR     a malformed TLV area or an invalid "0x" name (logged)
 */
hx_int_t hx_proxy_protocol_get_tlv(hx_proxy_protocol_t *pp, hx_pool_t *pool,
    hx_log_t *log, hx_str_t *name, hx_str_t *value);

#endif /* HX_CORE_HX_PROXY_PROTOCOL_H */

/*
 * The PROXY protocol reader (versions 1 and 2) and the version 1 writer.
 *
 * The reader is a function of the bytes alone: it looks at what has
 * arrived so far and says "complete header of N bytes", "a valid start,
 * need more" or "not a header".  It keeps no state between calls; the
 * caller, which peeks at the socket, calls again with everything it has
 * when more arrives.  A header is at most 107 bytes (v1) or a few
 * hundred in practice (v2), so parsing from the start again costs
 * nothing and spares a resumable state machine.  A header split across
 * TCP segments is thus waited for instead of refused, which nginx does
 * not do; what already cannot become a header is refused at once.
 *
 * Version 1 is one text line; its addresses must parse as addresses of
 * the family the line names, and they are kept as the client wrote them
 * ($proxy_protocol_addr shows "2001:Db8::1" as sent).  Version 2 is
 * binary: a 16-byte header, the addresses, then TLVs, which are kept raw
 * and walked only when a $proxy_protocol_tlv_* variable asks, so a
 * connection pays nothing for TLVs nobody reads.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_proxy_protocol.h>


#define HX_PP_V2_CMD_LOCAL       0
#define HX_PP_V2_CMD_PROXY       1

#define HX_PP_V2_AF_INET         1
#define HX_PP_V2_AF_INET6        2

#define HX_PP_V2_STREAM          1

#define HX_PP_V2_INET_LEN        12    /* 2 x 4 address + 2 x 2 port */
#define HX_PP_V2_INET6_LEN       36    /* 2 x 16 address + 2 x 2 port */

#define HX_PP_TLV_SSL            0x20

/* the SSL TLV starts with client (1 byte) and verify (4 bytes) */
#define HX_PP_TLV_SSL_HDR_LEN    5


typedef struct {
    hx_str_t                name;
    hx_uint_t               type;
} hx_proxy_protocol_tlv_name_t;


static hx_int_t hx_proxy_protocol_v1(hx_pool_t *pool, hx_log_t *log,
    uint8_t *buf, uint8_t *last, uint8_t **end, hx_proxy_protocol_t **pp);
static hx_uint_t hx_proxy_protocol_v1_prefix(uint8_t *p, uint8_t *last);
static hx_int_t hx_proxy_protocol_v1_line(hx_pool_t *pool, uint8_t *p,
    uint8_t *eol, hx_proxy_protocol_t **pp);
static uint8_t *hx_proxy_protocol_v1_addr(hx_pool_t *pool, uint8_t *p,
    uint8_t *eol, int family, hx_str_t *addr);
static uint8_t *hx_proxy_protocol_v1_port(uint8_t *p, uint8_t *eol,
    uint8_t sep, in_port_t *port);
static hx_int_t hx_proxy_protocol_v2(hx_pool_t *pool, hx_log_t *log,
    uint8_t *buf, uint8_t *last, uint8_t **end, hx_proxy_protocol_t **pp);
static hx_int_t hx_proxy_protocol_v2_addrs(hx_pool_t *pool,
    hx_proxy_protocol_t *pp, int family, uint8_t *p);
static void hx_proxy_protocol_broken(hx_log_t *log, uint8_t *buf,
    uint8_t *last);
static hx_int_t hx_proxy_protocol_find_tlv(hx_log_t *log, hx_str_t *tlvs,
    hx_uint_t type, hx_str_t *value);


static const uint8_t  hx_proxy_protocol_sig[12] = {
    '\r', '\n', '\r', '\n', '\0', '\r', '\n', 'Q', 'U', 'I', 'T', '\n'
};

static hx_proxy_protocol_tlv_name_t  hx_proxy_protocol_tlv_names[] = {
    { hx_string("alpn"),        0x01 },
    { hx_string("authority"),   0x02 },
    { hx_string("unique_id"),   0x05 },
    { hx_string("ssl"),         0x20 },
    { hx_string("netns"),       0x30 },
    { hx_null_string,           0 }
};

static hx_proxy_protocol_tlv_name_t  hx_proxy_protocol_ssl_tlv_names[] = {
    { hx_string("version"),     0x21 },
    { hx_string("cn"),          0x22 },
    { hx_string("cipher"),      0x23 },
    { hx_string("sig_alg"),     0x24 },
    { hx_string("key_alg"),     0x25 },
    { hx_null_string,           0 }
};


hx_int_t
hx_proxy_protocol_read(hx_pool_t *pool, hx_log_t *log, uint8_t *buf,
    uint8_t *last, uint8_t **end, hx_proxy_protocol_t **pp)
{
    size_t  len;

    *pp = NULL;
    len = last - buf;

    if (len == 0) {
        return HX_AGAIN;
    }

    /* the first byte tells the versions apart: '\r' or 'P' */

    if (buf[0] == hx_proxy_protocol_sig[0]) {
        if (hx_memcmp(buf, hx_proxy_protocol_sig,
                      hx_min(len, sizeof(hx_proxy_protocol_sig)))
            != 0)
        {
            hx_proxy_protocol_broken(log, buf, last);
            return HX_ERROR;
        }

        if (len < HX_PROXY_PROTOCOL_V2_HDR_LEN) {
            return HX_AGAIN;
        }

        return hx_proxy_protocol_v2(pool, log, buf, last, end, pp);
    }

    return hx_proxy_protocol_v1(pool, log, buf, last, end, pp);
}


static hx_int_t
hx_proxy_protocol_v1(hx_pool_t *pool, hx_log_t *log, uint8_t *buf,
    uint8_t *last, uint8_t **end, hx_proxy_protocol_t **pp)
{
    size_t     len;
    uint8_t   *p, *eol;
    hx_int_t   rc;

    len = hx_min((size_t) (last - buf), HX_PROXY_PROTOCOL_V1_MAX_HEADER);

    if (hx_memcmp(buf, "PROXY ", hx_min(len, 6)) != 0) {
        hx_proxy_protocol_broken(log, buf, last);
        return HX_ERROR;
    }

    eol = NULL;

    for (p = buf; p + 1 < buf + len; p++) {
        if (p[0] == CR && p[1] == LF) {
            eol = p;
            break;
        }
    }

    if (eol == NULL) {
        if (len == HX_PROXY_PROTOCOL_V1_MAX_HEADER
            || !hx_proxy_protocol_v1_prefix(buf + 6, buf + len))
        {
            hx_proxy_protocol_broken(log, buf, last);
            return HX_ERROR;
        }

        return HX_AGAIN;
    }

    rc = hx_proxy_protocol_v1_line(pool, buf + 6, eol, pp);

    if (rc == HX_DECLINED) {
        hx_proxy_protocol_broken(log, buf, last);
        return HX_ERROR;
    }

    if (rc != HX_OK) {
        return HX_ERROR;
    }

    *end = eol + 2;

    if (*pp) {
        hx_log_debug(HX_LOG_DEBUG_CORE, log, 0,
                     "PROXY protocol src: %V %d, dst: %V %d",
                     &(*pp)->src_addr, (int) (*pp)->src_port,
                     &(*pp)->dst_addr, (int) (*pp)->dst_port);
    }

    return HX_OK;
}


/*
 * Whether [p, last), a line without its end yet, can still become a
 * valid header: the protocol word so far, then for TCP only the
 * characters addresses and ports are made of.  Garbage is refused at
 * once instead of waiting for a line end that may never come.
 */
static hx_uint_t
hx_proxy_protocol_v1_prefix(uint8_t *p, uint8_t *last)
{
    size_t          n, len;
    hx_uint_t       i;
    static char    *words[] = { "TCP4 ", "TCP6 ", "UNKNOWN" };

    if (p >= last) {
        return 1;
    }

    /* no CRLF was found: a line feed here is a bare one */

    if (hx_strlchr(p, last, LF)) {
        return 0;
    }

    len = last - p;

    for (i = 0; i < 3; i++) {
        n = hx_min(len, hx_strlen(words[i]));

        if (hx_memcmp(p, words[i], n) == 0) {
            break;
        }
    }

    if (i == 3) {
        return 0;
    }

    if (i == 2 || len <= 5) {
        return 1;
    }

    for (p += 5; p < last; p++) {
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')
              || (*p >= 'A' && *p <= 'F') || *p == '.' || *p == ':'
              || *p == ' ' || (*p == CR && p + 1 == last)))
        {
            return 0;
        }
    }

    return 1;
}


/*
 * "TCP4 SRC DST SPORT DPORT", "TCP6 ..." or "UNKNOWN[ anything]" up to
 * eol.  HX_OK, HX_DECLINED when malformed, HX_ERROR for no memory.
 */
static hx_int_t
hx_proxy_protocol_v1_line(hx_pool_t *pool, uint8_t *p, uint8_t *eol,
    hx_proxy_protocol_t **pp)
{
    int                   family;
    hx_proxy_protocol_t  *h;

    if (eol - p >= 7 && hx_memcmp(p, "UNKNOWN", 7) == 0
        && (eol - p == 7 || p[7] == ' '))
    {
        return HX_OK;
    }

    if (eol - p < 5 || hx_memcmp(p, "TCP", 3) != 0 || p[4] != ' ') {
        return HX_DECLINED;
    }

    if (p[3] == '4') {
        family = AF_INET;

    } else if (p[3] == '6') {
        family = AF_INET6;

    } else {
        return HX_DECLINED;
    }

    p += 5;

    h = hx_pcalloc(pool, sizeof(hx_proxy_protocol_t));
    if (h == NULL) {
        return HX_ERROR;
    }

    p = hx_proxy_protocol_v1_addr(pool, p, eol, family, &h->src_addr);
    if (p == NULL) {
        return HX_DECLINED;
    }

    p = hx_proxy_protocol_v1_addr(pool, p, eol, family, &h->dst_addr);
    if (p == NULL) {
        return HX_DECLINED;
    }

    p = hx_proxy_protocol_v1_port(p, eol, ' ', &h->src_port);
    if (p == NULL) {
        return HX_DECLINED;
    }

    p = hx_proxy_protocol_v1_port(p, eol, CR, &h->dst_port);
    if (p == NULL) {
        return HX_DECLINED;
    }

    *pp = h;

    return HX_OK;
}


/* an address of the given family followed by one space */
static uint8_t *
hx_proxy_protocol_v1_addr(hx_pool_t *pool, uint8_t *p, uint8_t *eol,
    int family, hx_str_t *addr)
{
    size_t    len;
    uint8_t  *sp, a6[16];

    sp = hx_strlchr(p, eol, ' ');
    if (sp == NULL || sp == p) {
        return NULL;
    }

    len = sp - p;

    if (family == AF_INET) {
        if (hx_inet_addr(p, len) == INADDR_NONE) {
            return NULL;
        }

    } else if (len > HX_INET6_ADDRSTRLEN
               || hx_inet6_addr(p, len, a6) != HX_OK)
    {
        return NULL;
    }

    addr->data = hx_pnalloc(pool, len);
    if (addr->data == NULL) {
        return NULL;
    }

    hx_memcpy(addr->data, p, len);
    addr->len = len;

    return sp + 1;
}


/* a decimal port followed by sep (the CR of the line's end for the last) */
static uint8_t *
hx_proxy_protocol_v1_port(uint8_t *p, uint8_t *eol, uint8_t sep,
    in_port_t *port)
{
    uint8_t   *q;
    hx_int_t   n;

    q = (sep == CR) ? eol : hx_strlchr(p, eol, sep);
    if (q == NULL) {
        return NULL;
    }

    n = hx_atoi(p, q - p);

    if (n == HX_ERROR || n > 65535) {
        return NULL;
    }

    *port = (in_port_t) n;

    return q + 1;
}


static hx_int_t
hx_proxy_protocol_v2(hx_pool_t *pool, hx_log_t *log, uint8_t *buf,
    uint8_t *last, uint8_t **end, hx_proxy_protocol_t **pp)
{
    size_t                len, alen;
    uint8_t              *p, *stop;
    hx_uint_t             version, command, family, transport;
    hx_proxy_protocol_t  *h;

    version = buf[12] >> 4;
    command = buf[12] & 0x0f;
    family = buf[13] >> 4;
    transport = buf[13] & 0x0f;
    len = ((size_t) buf[14] << 8) | buf[15];

    if (version != 2) {
        hx_log_error(HX_LOG_ERR, log, 0,
                     "unknown PROXY protocol version: %ui", version);
        return HX_ERROR;
    }

    if (command != HX_PP_V2_CMD_LOCAL && command != HX_PP_V2_CMD_PROXY) {
        hx_log_error(HX_LOG_ERR, log, 0,
                     "unknown PROXY protocol v2 command: %ui", command);
        return HX_ERROR;
    }

    if (HX_PROXY_PROTOCOL_V2_HDR_LEN + len > HX_PROXY_PROTOCOL_MAX_HEADER) {
        hx_log_error(HX_LOG_ERR, log, 0, "header is too large");
        return HX_ERROR;
    }

    if ((size_t) (last - buf) < HX_PROXY_PROTOCOL_V2_HDR_LEN + len) {
        return HX_AGAIN;
    }

    p = buf + HX_PROXY_PROTOCOL_V2_HDR_LEN;
    stop = p + len;
    *end = stop;

    /* LOCAL (a health check of the proxy itself), or what we can't use */

    if (command == HX_PP_V2_CMD_LOCAL
        || transport != HX_PP_V2_STREAM
        || (family != HX_PP_V2_AF_INET && family != HX_PP_V2_AF_INET6))
    {
        hx_log_debug(HX_LOG_DEBUG_CORE, log, 0,
                     "PROXY protocol v2 without addresses: "
                     "cmd %ui, family %ui, transport %ui",
                     command, family, transport);
        return HX_OK;
    }

    alen = (family == HX_PP_V2_AF_INET) ? HX_PP_V2_INET_LEN
                                        : HX_PP_V2_INET6_LEN;

    if (len < alen) {
        hx_log_error(HX_LOG_ERR, log, 0,
                     "PROXY protocol v2 addresses are truncated");
        return HX_ERROR;
    }

    h = hx_pcalloc(pool, sizeof(hx_proxy_protocol_t));
    if (h == NULL) {
        return HX_ERROR;
    }

    if (hx_proxy_protocol_v2_addrs(pool, h,
                                   family == HX_PP_V2_AF_INET ? AF_INET
                                                              : AF_INET6,
                                   p)
        != HX_OK)
    {
        return HX_ERROR;
    }

    p += alen;

    if (p < stop) {
        h->tlvs.len = stop - p;
        h->tlvs.data = hx_pnalloc(pool, h->tlvs.len);
        if (h->tlvs.data == NULL) {
            return HX_ERROR;
        }

        hx_memcpy(h->tlvs.data, p, h->tlvs.len);
    }

    hx_log_debug(HX_LOG_DEBUG_CORE, log, 0,
                 "PROXY protocol v2 src: %V %d, dst: %V %d, tlvs: %uz",
                 &h->src_addr, (int) h->src_port, &h->dst_addr,
                 (int) h->dst_port, h->tlvs.len);

    *pp = h;

    return HX_OK;
}


/* the binary addresses and ports of a v2 header as text and numbers */
static hx_int_t
hx_proxy_protocol_v2_addrs(hx_pool_t *pool, hx_proxy_protocol_t *pp,
    int family, uint8_t *p)
{
    size_t   alen;
    uint8_t  *ports;

    alen = (family == AF_INET) ? 4 : 16;

    pp->src_addr.data = hx_pnalloc(pool, HX_INET6_ADDRSTRLEN);
    pp->dst_addr.data = hx_pnalloc(pool, HX_INET6_ADDRSTRLEN);

    if (pp->src_addr.data == NULL || pp->dst_addr.data == NULL) {
        return HX_ERROR;
    }

    pp->src_addr.len = hx_inet_ntop(family, p, pp->src_addr.data,
                                    HX_INET6_ADDRSTRLEN);
    pp->dst_addr.len = hx_inet_ntop(family, p + alen, pp->dst_addr.data,
                                    HX_INET6_ADDRSTRLEN);

    ports = p + 2 * alen;

    pp->src_port = (in_port_t) ((ports[0] << 8) | ports[1]);
    pp->dst_port = (in_port_t) ((ports[2] << 8) | ports[3]);

    return HX_OK;
}


/* logs the first line of what was received, as nginx shows it */
static void
hx_proxy_protocol_broken(hx_log_t *log, uint8_t *buf, uint8_t *last)
{
    uint8_t  *p;

    for (p = buf; p < last && p - buf < HX_PROXY_PROTOCOL_V1_MAX_HEADER;
         p++)
    {
        if (*p == CR || *p == LF) {
            break;
        }
    }

    hx_log_error(HX_LOG_ERR, log, 0, "broken header: \"%*s\"",
                 (size_t) (p - buf), buf);
}


uint8_t *
hx_proxy_protocol_write(uint8_t *buf, uint8_t *last, struct sockaddr *src,
    socklen_t srclen, struct sockaddr *dst, socklen_t dstlen)
{
    if (last - buf < HX_PROXY_PROTOCOL_V1_MAX_HEADER) {
        return NULL;
    }

    if (src->sa_family != dst->sa_family
        || (src->sa_family != AF_INET && src->sa_family != AF_INET6))
    {
        return hx_cpymem(buf, "PROXY UNKNOWN" CRLF,
                         sizeof("PROXY UNKNOWN" CRLF) - 1);
    }

    buf = hx_cpymem(buf, src->sa_family == AF_INET ? "PROXY TCP4 "
                                                   : "PROXY TCP6 ", 11);

    buf += hx_sock_ntop(src, srclen, buf, last - buf, 0);
    *buf++ = ' ';
    buf += hx_sock_ntop(dst, dstlen, buf, last - buf, 0);

    return hx_slprintf(buf, last, " %ui %ui" CRLF,
                       (hx_uint_t) hx_inet_get_port(src),
                       (hx_uint_t) hx_inet_get_port(dst));
}


hx_int_t
hx_proxy_protocol_get_tlv(hx_proxy_protocol_t *pp, hx_pool_t *pool,
    hx_log_t *log, hx_str_t *name, hx_str_t *value)
{
    size_t                          n;
    uint8_t                        *p;
    uint32_t                        verify;
    hx_int_t                        rc, type;
    hx_str_t                        ssl, *tlvs;
    hx_proxy_protocol_tlv_name_t   *tn;

    if (pp == NULL) {
        return HX_DECLINED;
    }

    p = name->data;
    n = name->len;
    tlvs = &pp->tlvs;
    tn = hx_proxy_protocol_tlv_names;

    if (n > 4 && hx_memcmp(p, "ssl_", 4) == 0) {

        /* a sub-TLV of the SSL TLV, or its verify field */

        rc = hx_proxy_protocol_find_tlv(log, &pp->tlvs, HX_PP_TLV_SSL, &ssl);
        if (rc != HX_OK) {
            return rc;
        }

        if (ssl.len < HX_PP_TLV_SSL_HDR_LEN) {
            hx_log_error(HX_LOG_ERR, log, 0, "broken PROXY protocol TLV");
            return HX_ERROR;
        }

        p += 4;
        n -= 4;

        if (n == 6 && hx_memcmp(p, "verify", 6) == 0) {
            verify = ((uint32_t) ssl.data[1] << 24)
                     | ((uint32_t) ssl.data[2] << 16)
                     | ((uint32_t) ssl.data[3] << 8)
                     | (uint32_t) ssl.data[4];

            value->data = hx_pnalloc(pool, sizeof("4294967295") - 1);
            if (value->data == NULL) {
                return HX_ERROR;
            }

            value->len = hx_sprintf(value->data, "%uD", verify)
                         - value->data;
            return HX_OK;
        }

        ssl.data += HX_PP_TLV_SSL_HDR_LEN;
        ssl.len -= HX_PP_TLV_SSL_HDR_LEN;

        tlvs = &ssl;
        tn = hx_proxy_protocol_ssl_tlv_names;
    }

    if (n > 2 && p[0] == '0' && p[1] == 'x') {
        type = hx_hextoi(p + 2, n - 2);

        if (type == HX_ERROR || type > 0xff) {
            hx_log_error(HX_LOG_ERR, log, 0,
                         "invalid PROXY protocol TLV \"%V\"", name);
            return HX_ERROR;
        }

        return hx_proxy_protocol_find_tlv(log, tlvs, (hx_uint_t) type, value);
    }

    for ( /* void */ ; tn->name.len; tn++) {
        if (tn->name.len == n && hx_memcmp(tn->name.data, p, n) == 0) {
            return hx_proxy_protocol_find_tlv(log, tlvs, tn->type, value);
        }
    }

    hx_log_error(HX_LOG_ERR, log, 0, "unknown PROXY protocol TLV \"%V\"",
                 name);

    return HX_DECLINED;
}


/* the first TLV of a type in a TLV area: type (1), length (2), value */
static hx_int_t
hx_proxy_protocol_find_tlv(hx_log_t *log, hx_str_t *tlvs, hx_uint_t type,
    hx_str_t *value)
{
    size_t    n, len;
    uint8_t  *p;

    p = tlvs->data;
    n = tlvs->len;

    while (n) {
        if (n < 3) {
            goto broken;
        }

        len = ((size_t) p[1] << 8) | p[2];

        if (n - 3 < len) {
            goto broken;
        }

        if (p[0] == type) {
            value->data = p + 3;
            value->len = len;
            return HX_OK;
        }

        p += 3 + len;
        n -= 3 + len;
    }

    return HX_DECLINED;

broken:

    hx_log_error(HX_LOG_ERR, log, 0, "broken PROXY protocol TLV");

    return HX_ERROR;
}

/*
 * VRRP advertisements on the wire: building them, and deciding whether a
 * received one may be acted on.
 *
 * Both directions are pure functions over bytes and small structs, with
 * no socket, clock or instance state, so that the unit tests can feed
 * byte fixtures and the fuzzer can feed anything.  The layout and the
 * receive checks follow keepalived 2.2 exactly, since hanx must sit on the
 * same segment as keepalived:
 *
 *   - VRRPv2 (RFC 3768 section 5.1): the advert interval in seconds, the
 *     eight authentication bytes always present (zeroes without
 *     authentication), the checksum over the VRRP message alone;
 *   - VRRPv3 (RFC 5798 section 5.1): a 12-bit interval in centiseconds,
 *     no authentication, the checksum with the IPv4 or IPv6 pseudo-header
 *     (section 5.2.8);
 *   - keepalived's optional IPsec AH (RFC 2402) for VRRPv2 over IPv4:
 *     HMAC-MD5-96 over the IP header with its mutable fields zeroed, the
 *     AH header and the VRRP message; the SPI is the sender's address.
 */

#ifndef HX_HA_HX_VRRP_PACKET_H
#define HX_HA_HX_VRRP_PACKET_H


#define HX_VRRP_PROTO            112          /* IPPROTO_VRRP */
#define HX_VRRP_TTL              255          /* RFC 5798 5.1.1.3 */
#define HX_VRRP_TOS              0xc0         /* internetwork control */
#define HX_VRRP_TYPE_ADVERT      1            /* RFC 5798 5.2.2 */
#define HX_VRRP_PRIO_STOP        0            /* RFC 5798 5.2.4 */
#define HX_VRRP_PRIO_OWNER       255
#define HX_VRRP_MAX_ADDRS        255          /* the count is one byte */

#define HX_VRRP_HDR_LEN          8
#define HX_VRRP_AUTH_LEN         8            /* v2 authentication data */
#define HX_VRRP_AH_LEN           24           /* AH with a 96-bit ICV */
#define HX_VRRP_AH_ICV_LEN       12
#define HX_VRRP_IP4_HDR_LEN      20

#define HX_VRRP_AUTH_NONE        0            /* RFC 2338 5.3.6 */
#define HX_VRRP_AUTH_PASS        1
#define HX_VRRP_AUTH_AH          2

/* the 12-bit centisecond field of VRRPv3: at most 40.95 s */
#define HX_VRRP_V3_MAX_CENTIS    4095
#define HX_VRRP_V2_MAX_SECONDS   255

/* the largest packet: IPv4 + AH + header + 255 IPv6-sized addresses */
#define HX_VRRP_MAX_PACKET                                                    \
    (HX_VRRP_IP4_HDR_LEN + HX_VRRP_AH_LEN + HX_VRRP_HDR_LEN                  \
     + HX_VRRP_MAX_ADDRS * 16 + HX_VRRP_AUTH_LEN)


/*
 * One advertisement's content.  Encoding reads it; a successful check
 * fills it from the packet (addrs then points into the packet).
 */
typedef struct {
    hx_uint_t            version;       /* 2 or 3 */
    int                  family;        /* AF_INET or AF_INET6 */
    hx_uint_t            vrid;          /* 1..255 */
    hx_uint_t            priority;      /* 0..255 */
    hx_msec_t            adver_int;     /* v2: whole seconds; v3: 10 ms */
    hx_uint_t            auth_type;     /* v2 only */
    uint8_t              auth_data[HX_VRRP_AUTH_LEN];
    uint32_t             ah_seq;        /* AH sequence number */
    hx_uint_t            naddrs;
    const uint8_t       *addrs;         /* naddrs * 4 or 16 bytes */
} hx_vrrp_advert_t;


/*
 * A received packet as the socket layer saw it: the IP fields the checks
 * need, and the bytes after the IP header (AH and VRRP for IPv4 with AH;
 * the VRRP message otherwise).  For IPv4, ip_hdr is the IP header as
 * received (AH needs it); ip_len is its total length field.
 */
typedef struct {
    int                  family;
    hx_int_t             ttl;           /* TTL or hop limit; -1: unknown */
    hx_uint_t            multicast;     /* sent to a multicast address */
    hx_uint_t            protocol;      /* IPv4: 112 or 51 (AH) */
    hx_uint_t            ip_len;        /* IPv4 total length field */
    uint8_t              src[16];
    uint8_t              dst[16];
    const uint8_t       *ip_hdr;        /* IPv4 header, ip_hdr_len bytes */
    size_t               ip_hdr_len;
    const uint8_t       *data;
    size_t               len;
} hx_vrrp_rx_t;


/* what one instance expects of the adverts for its vrid */
typedef struct {
    hx_uint_t            version;
    int                  family;
    hx_uint_t            vrid;
    hx_uint_t            auth_type;
    uint8_t              auth_data[HX_VRRP_AUTH_LEN];
    uint32_t             ah_seq;        /* last AH sequence accepted */
    hx_msec_t            adver_int;     /* v2: must match the packet's */
    hx_uint_t            unicast;       /* unicast peers are configured */
    hx_uint_t            check_vips;    /* compare the address list */
    hx_uint_t            naddrs;
    const uint8_t       *addrs;         /* our VIPs, network order */
} hx_vrrp_expect_t;


/* why a packet was refused, in the order keepalived checks */
typedef enum {
    HX_VRRP_RX_OK = 0,
    HX_VRRP_RX_SHORT,            /* not even a whole header */
    HX_VRRP_RX_VRID,             /* another virtual router's advert */
    HX_VRRP_RX_AH_MISMATCH,      /* AH present xor configured */
    HX_VRRP_RX_LENGTH,           /* length differs from the count's */
    HX_VRRP_RX_TTL,              /* TTL / hop limit not 255 */
    HX_VRRP_RX_VERSION,
    HX_VRRP_RX_AUTH_TYPE,        /* an auth type that does not exist */
    HX_VRRP_RX_AUTH_MISMATCH,    /* another auth type than ours */
    HX_VRRP_RX_AUTH_FAIL,        /* wrong password or ICV */
    HX_VRRP_RX_AH_OTHER,         /* AH for another protocol */
    HX_VRRP_RX_AH_SPI,
    HX_VRRP_RX_AH_REPLAY,
    HX_VRRP_RX_INTERVAL,         /* v2 interval differs from ours */
    HX_VRRP_RX_TYPE,
    HX_VRRP_RX_COUNT,            /* address count differs from ours */
    HX_VRRP_RX_IP_LENGTH,        /* IPv4 total length differs */
    HX_VRRP_RX_CHECKSUM,
    HX_VRRP_RX_CAST,             /* multicast on a unicast instance */
    HX_VRRP_RX_VIP,              /* one of our VIPs is missing */
    HX_VRRP_RX_NREASONS
} hx_vrrp_rx_reason_e;


/* the length of an advert's VRRP part (after any IP and AH header) */
size_t hx_vrrp_advert_len(hx_uint_t version, int family, hx_uint_t naddrs);

/*
 * Writes adv's VRRP message into buf (size bytes) and returns its
 * length, or 0 when buf is too small or adv is out of range.  For v3,
 * src and dst (4 or 16 bytes each, network order) are the addresses of
 * the IP header, which the checksum covers; v2 ignores them.
 */
size_t hx_vrrp_encode(uint8_t *buf, size_t size, hx_vrrp_advert_t *adv,
    const uint8_t *src, const uint8_t *dst);

/*
 * Writes a whole IPv4 packet (IP header, AH when adv->auth_type is AH,
 * VRRP) as keepalived sends it with IP_HDRINCL: TOS 0xc0, TTL ttl, no
 * fragment bits, the given id, the IP checksum left 0 for the kernel.
 * Returns the length, or 0 as hx_vrrp_encode() does.
 */
size_t hx_vrrp_encode_ip4(uint8_t *buf, size_t size, hx_vrrp_advert_t *adv,
    const uint8_t *src, const uint8_t *dst, hx_uint_t ttl, uint16_t id);

/*
 * Reads an IPv4 packet as a raw socket returns it into rx: the header
 * fields and the payload after the IP header.  HX_OK, or HX_DECLINED
 * when it is not an IPv4 packet of a sane shape.
 */
hx_int_t hx_vrrp_parse_ip4(const uint8_t *pkt, size_t len, hx_vrrp_rx_t *rx);

/*
 * Finds the version and vrid of the VRRP message in rx, so that the
 * caller can choose the instance before checking.  HX_OK, or HX_DECLINED
 * when the packet is shorter than a header.
 */
hx_int_t hx_vrrp_peek(hx_vrrp_rx_t *rx, hx_uint_t *version, hx_uint_t *vrid);

/*
 * Checks rx against what the instance expects, in keepalived's order
 * (vrrp_check_packet): AH presence, length, TTL (multicast only),
 * version, authentication, v2 interval, type, address count, IPv4 total
 * length, checksum, multicast versus unicast, every local VIP present.
 * Returns HX_VRRP_RX_OK and fills adv (addrs points into rx->data), or
 * the first failed check.  Nothing else is touched: an AH caller stores
 * adv->ah_seq as the new expect->ah_seq itself.
 */
hx_vrrp_rx_reason_e hx_vrrp_check(hx_vrrp_rx_t *rx, hx_vrrp_expect_t *exp,
    hx_vrrp_advert_t *adv);

/* a short lowercase phrase for the log: "wrong password" */
const char *hx_vrrp_rx_reason_text(hx_vrrp_rx_reason_e reason);

/*
 * The Internet checksum (RFC 1071) of len bytes at p, continuing from
 * sum (0 to start); hx_vrrp_csum_fold() gives the final 16-bit value in
 * network byte order.
 */
uint32_t hx_vrrp_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t hx_vrrp_csum_fold(uint32_t sum);

#endif /* HX_HA_HX_VRRP_PACKET_H */

/*
 * Encoding and checking VRRP advertisements (see hx_vrrp_packet.h for the
 * formats).
 *
 * The checks run in the order keepalived's vrrp_check_packet() runs them,
 * and refuse what it refuses, so that a pair of hanx and keepalived nodes
 * agree on which adverts count.  Each check returns its own reason code;
 * the caller counts and logs them (rate-limited) and never acts on a
 * refused packet.  The functions never write into the packet and read no
 * byte outside [data, data + len), which the fuzz target verifies.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_vrrp_packet.h>

#if (HX_HAVE_OPENSSL)
#include <openssl/evp.h>
#include <openssl/hmac.h>
#endif


#define HX_VRRP_AH_PROTO   51
#define HX_VRRP_AH_PLEN    4        /* AH length in 32-bit words minus 2 */


static hx_vrrp_rx_reason_e hx_vrrp_check_auth(hx_vrrp_rx_t *rx,
    hx_vrrp_expect_t *exp, const uint8_t *hd, hx_vrrp_advert_t *adv);
static hx_uint_t hx_vrrp_checksum_ok(hx_vrrp_rx_t *rx, hx_vrrp_expect_t *exp,
    const uint8_t *hd, size_t len, hx_uint_t version);
static uint32_t hx_vrrp_pseudo_sum(int family, const uint8_t *src,
    const uint8_t *dst, size_t len);
static hx_uint_t hx_vrrp_has_vip(hx_vrrp_advert_t *adv, const uint8_t *vip,
    size_t alen);
#if (HX_HAVE_OPENSSL)
static hx_int_t hx_vrrp_ah_icv(const uint8_t *ip, size_t ip_len,
    const uint8_t *rest, size_t rest_len, const uint8_t *key, uint8_t *icv);
#endif


static const char  *hx_vrrp_reasons[] = {
    "ok",
    "packet too short",
    "wrong virtual router id",
    "AH header presence differs from the configured auth_type",
    "length differs from the address count",
    "TTL or hop limit is not 255",
    "wrong version",
    "invalid auth type",
    "auth type differs from ours",
    "authentication failed",
    "AH header for another protocol",
    "AH SPI is not the source address",
    "AH sequence number already seen",
    "advertisement interval differs from ours",
    "not an advertisement",
    "address count differs from ours",
    "IP total length differs from the received length",
    "bad checksum",
    "multicast and unicast mixed up",
    "one of our virtual addresses is missing"
};


size_t
hx_vrrp_advert_len(hx_uint_t version, int family, hx_uint_t naddrs)
{
    size_t  len;

    len = HX_VRRP_HDR_LEN + naddrs * (family == AF_INET6 ? 16 : 4);

    /* RFC 3768 5.3.10: the authentication data, present whatever the type */
    if (version == 2 && family == AF_INET) {
        len += HX_VRRP_AUTH_LEN;
    }

    return len;
}


size_t
hx_vrrp_encode(uint8_t *buf, size_t size, hx_vrrp_advert_t *adv,
    const uint8_t *src, const uint8_t *dst)
{
    size_t     len, alen;
    uint32_t   sum;
    uint16_t   csum;
    hx_uint_t  centis;

    if ((adv->version != 2 && adv->version != 3)
        || (adv->family != AF_INET && adv->family != AF_INET6)
        || (adv->version == 2 && adv->family != AF_INET)
        || adv->vrid < 1 || adv->vrid > 255
        || adv->priority > 255
        || adv->naddrs > HX_VRRP_MAX_ADDRS)
    {
        return 0;
    }

    len = hx_vrrp_advert_len(adv->version, adv->family, adv->naddrs);

    if (len > size) {
        return 0;
    }

    alen = adv->family == AF_INET6 ? 16 : 4;

    hx_memzero(buf, len);

    buf[0] = (uint8_t) ((adv->version << 4) | HX_VRRP_TYPE_ADVERT);
    buf[1] = (uint8_t) adv->vrid;
    buf[2] = (uint8_t) adv->priority;
    buf[3] = (uint8_t) adv->naddrs;

    if (adv->version == 2) {
        /* RFC 3768 5.3.7: whole seconds; keepalived truncates */
        buf[4] = (uint8_t) adv->auth_type;
        buf[5] = (uint8_t) hx_min(adv->adver_int / 1000,
                                  HX_VRRP_V2_MAX_SECONDS);

    } else {
        /* RFC 5798 5.2.7: 12 bits of centiseconds, reserved bits zero */
        centis = (hx_uint_t) hx_min(adv->adver_int / 10,
                                    HX_VRRP_V3_MAX_CENTIS);
        buf[4] = (uint8_t) (centis >> 8);
        buf[5] = (uint8_t) (centis & 0xff);
    }

    if (adv->naddrs) {
        hx_memcpy(buf + HX_VRRP_HDR_LEN, adv->addrs, adv->naddrs * alen);
    }

    if (adv->version == 2 && adv->auth_type == HX_VRRP_AUTH_PASS) {
        hx_memcpy(buf + len - HX_VRRP_AUTH_LEN, adv->auth_data,
                  HX_VRRP_AUTH_LEN);
    }

    /* RFC 5798 5.2.8: v3 covers the pseudo-header; RFC 3768 5.3.8: v2 not */
    sum = 0;

    if (adv->version == 3) {
        sum = hx_vrrp_pseudo_sum(adv->family, src, dst, len);
    }

    sum = hx_vrrp_csum_add(sum, buf, len);
    csum = hx_vrrp_csum_fold(sum);

    hx_memcpy(buf + 6, &csum, 2);

    return len;
}


size_t
hx_vrrp_encode_ip4(uint8_t *buf, size_t size, hx_vrrp_advert_t *adv,
    const uint8_t *src, const uint8_t *dst, hx_uint_t ttl, uint16_t id)
{
    size_t     hlen, vlen, total;
    uint8_t   *ip, *ah;
    uint16_t   v16;
    hx_uint_t  with_ah;
#if (HX_HAVE_OPENSSL)
    uint8_t    tmp[HX_VRRP_IP4_HDR_LEN];
#endif

    if (adv->family != AF_INET) {
        return 0;
    }

    with_ah = (adv->version == 2 && adv->auth_type == HX_VRRP_AUTH_AH);

#if !(HX_HAVE_OPENSSL)
    if (with_ah) {
        return 0;
    }
#endif

    hlen = HX_VRRP_IP4_HDR_LEN + (with_ah ? HX_VRRP_AH_LEN : 0);

    if (size < hlen) {
        return 0;
    }

    vlen = hx_vrrp_encode(buf + hlen, size - hlen, adv, src, dst);
    if (vlen == 0) {
        return 0;
    }

    total = hlen + vlen;
    ip = buf;

    ip[0] = 0x45;                         /* version 4, 5 words */
    ip[1] = HX_VRRP_TOS;
    v16 = htons((uint16_t) total);
    hx_memcpy(ip + 2, &v16, 2);
    v16 = htons(id);
    hx_memcpy(ip + 4, &v16, 2);
    ip[6] = 0;                            /* no DF, as keepalived */
    ip[7] = 0;
    ip[8] = (uint8_t) ttl;
    ip[9] = with_ah ? HX_VRRP_AH_PROTO : HX_VRRP_PROTO;
    ip[10] = 0;
    ip[11] = 0;
    hx_memcpy(ip + 12, src, 4);
    hx_memcpy(ip + 16, dst, 4);

#if (HX_HAVE_OPENSSL)
    if (with_ah) {
        ah = buf + HX_VRRP_IP4_HDR_LEN;

        hx_memzero(ah, HX_VRRP_AH_LEN);
        ah[0] = HX_VRRP_PROTO;            /* next header */
        ah[1] = HX_VRRP_AH_PLEN;
        hx_memcpy(ah + 4, src, 4);        /* SPI: the sender's address */
        ah[8] = (uint8_t) (adv->ah_seq >> 24);
        ah[9] = (uint8_t) (adv->ah_seq >> 16);
        ah[10] = (uint8_t) (adv->ah_seq >> 8);
        ah[11] = (uint8_t) adv->ah_seq;

        /* RFC 2402 3.3.3.1: mutable fields count as zero */
        hx_memcpy(tmp, ip, HX_VRRP_IP4_HDR_LEN);
        tmp[1] = 0;
        tmp[6] = 0;
        tmp[7] = 0;

        if ((dst[0] & 0xf0) != 0xe0) {
            tmp[8] = 0;                   /* keepalived: unicast TTL too */
        }

        if (hx_vrrp_ah_icv(tmp, HX_VRRP_IP4_HDR_LEN, ah, total - sizeof(tmp),
                           adv->auth_data, ah + 12)
            != HX_OK)
        {
            return 0;
        }
    }
#else
    (void) ah;
#endif

    /* the kernel fills it in too with IP_HDRINCL; the bytes then match */
    v16 = hx_vrrp_csum_fold(hx_vrrp_csum_add(0, ip, HX_VRRP_IP4_HDR_LEN));
    hx_memcpy(ip + 10, &v16, 2);

    return total;
}


hx_int_t
hx_vrrp_parse_ip4(const uint8_t *pkt, size_t len, hx_vrrp_rx_t *rx)
{
    size_t  ihl;

    if (len < HX_VRRP_IP4_HDR_LEN || (pkt[0] >> 4) != 4) {
        return HX_DECLINED;
    }

    ihl = (size_t) (pkt[0] & 0x0f) * 4;

    if (ihl < HX_VRRP_IP4_HDR_LEN || ihl > len) {
        return HX_DECLINED;
    }

    hx_memzero(rx, sizeof(hx_vrrp_rx_t));

    rx->family = AF_INET;
    rx->ttl = pkt[8];
    rx->protocol = pkt[9];
    rx->ip_len = ((hx_uint_t) pkt[2] << 8) | pkt[3];
    hx_memcpy(rx->src, pkt + 12, 4);
    hx_memcpy(rx->dst, pkt + 16, 4);
    rx->multicast = (pkt[16] & 0xf0) == 0xe0;
    rx->ip_hdr = pkt;
    rx->ip_hdr_len = ihl;
    rx->data = pkt + ihl;
    rx->len = len - ihl;

    return HX_OK;
}


hx_int_t
hx_vrrp_peek(hx_vrrp_rx_t *rx, hx_uint_t *version, hx_uint_t *vrid)
{
    size_t  off;

    off = (rx->family == AF_INET && rx->protocol == HX_VRRP_AH_PROTO)
          ? HX_VRRP_AH_LEN : 0;

    if (rx->len < off + HX_VRRP_HDR_LEN) {
        return HX_DECLINED;
    }

    *version = rx->data[off] >> 4;
    *vrid = rx->data[off + 1];

    return HX_OK;
}


hx_vrrp_rx_reason_e
hx_vrrp_check(hx_vrrp_rx_t *rx, hx_vrrp_expect_t *exp, hx_vrrp_advert_t *adv)
{
    size_t               off, expected, vlen, alen;
    hx_uint_t            i, version, naddrs;
    const uint8_t       *hd;
    hx_vrrp_rx_reason_e  rc;

    off = 0;

    if (rx->family == AF_INET) {

        /* keepalived checks this first: AH is there exactly when wanted */
        if ((rx->protocol == HX_VRRP_AH_PROTO)
            != (exp->auth_type == HX_VRRP_AUTH_AH))
        {
            return HX_VRRP_RX_AH_MISMATCH;
        }

        if (rx->protocol == HX_VRRP_AH_PROTO) {
            off = HX_VRRP_AH_LEN;
        }
    }

    if (rx->len < off + HX_VRRP_HDR_LEN) {
        return HX_VRRP_RX_SHORT;
    }

    hd = rx->data + off;

    /* RFC 5798 5.2.3: VRIDs are 1-255; 0 names no router */
    if (hd[1] != exp->vrid || hd[1] == 0) {
        return HX_VRRP_RX_VRID;
    }

    version = hd[0] >> 4;
    naddrs = hd[3];
    alen = rx->family == AF_INET6 ? 16 : 4;

    /* RFC 5798 7.1: the whole message, addresses included, is there */
    vlen = HX_VRRP_HDR_LEN + naddrs * alen;

    if (rx->family == AF_INET && version == 2) {
        vlen += HX_VRRP_AUTH_LEN;
    }

    expected = off + vlen;

    if (rx->len != expected) {
        return HX_VRRP_RX_LENGTH;
    }

    /* RFC 5798 7.1: TTL 255, except that unicast may cross routers */
    if (!exp->unicast && rx->ttl != -1 && rx->ttl != HX_VRRP_TTL) {
        return HX_VRRP_RX_TTL;
    }

    if (version != exp->version) {
        return HX_VRRP_RX_VERSION;
    }

    hx_memzero(adv, sizeof(hx_vrrp_advert_t));

    if (version == 2) {
        rc = hx_vrrp_check_auth(rx, exp, hd, adv);
        if (rc != HX_VRRP_RX_OK) {
            return rc;
        }

        /* RFC 3768 7.1: a different interval means a misconfigured pair */
        if (exp->adver_int != (hx_msec_t) hd[5] * 1000) {
            return HX_VRRP_RX_INTERVAL;
        }
    }

    if ((hd[0] & 0x0f) != HX_VRRP_TYPE_ADVERT) {
        return HX_VRRP_RX_TYPE;
    }

    if (exp->check_vips && naddrs != exp->naddrs) {
        return HX_VRRP_RX_COUNT;
    }

    if (rx->family == AF_INET && rx->ip_len != rx->ip_hdr_len + rx->len) {
        return HX_VRRP_RX_IP_LENGTH;
    }

    if (!hx_vrrp_checksum_ok(rx, exp, hd, vlen, version)) {
        return HX_VRRP_RX_CHECKSUM;
    }

    if (rx->multicast == exp->unicast) {
        return HX_VRRP_RX_CAST;
    }

    adv->version = version;
    adv->family = rx->family;
    adv->vrid = hd[1];
    adv->priority = hd[2];
    adv->naddrs = naddrs;
    adv->addrs = hd + HX_VRRP_HDR_LEN;
    adv->auth_type = version == 2 ? hd[4] : HX_VRRP_AUTH_NONE;

    if (version == 2) {
        adv->adver_int = (hx_msec_t) hd[5] * 1000;

    } else {
        adv->adver_int = (hx_msec_t) ((((hx_uint_t) hd[4] << 8) | hd[5])
                                      & 0x0fff) * 10;
    }

    if (exp->check_vips) {
        for (i = 0; i < exp->naddrs; i++) {
            if (!hx_vrrp_has_vip(adv, exp->addrs + i * alen, alen)) {
                return HX_VRRP_RX_VIP;
            }
        }
    }

    return HX_VRRP_RX_OK;
}


/*
 * RFC 3768 5.3.6 and keepalived: the auth type must exist and be ours;
 * a password is compared in constant time; AH carries an HMAC-MD5-96 ICV,
 * an SPI equal to the source address, and a growing sequence number.
 */
static hx_vrrp_rx_reason_e
hx_vrrp_check_auth(hx_vrrp_rx_t *rx, hx_vrrp_expect_t *exp, const uint8_t *hd,
    hx_vrrp_advert_t *adv)
{
    uint8_t         diff;
    uint32_t        seq;
    hx_uint_t       i;
    const uint8_t  *pw;
#if (HX_HAVE_OPENSSL)
    const uint8_t  *ah;
    uint8_t         icv[HX_VRRP_AH_ICV_LEN];
    uint8_t         tmp[60 + HX_VRRP_AH_LEN];
#endif

    if (hd[4] != HX_VRRP_AUTH_NONE && hd[4] != HX_VRRP_AUTH_PASS
        && hd[4] != HX_VRRP_AUTH_AH)
    {
        return HX_VRRP_RX_AUTH_TYPE;
    }

    if (hd[4] != exp->auth_type) {
        return HX_VRRP_RX_AUTH_MISMATCH;
    }

    if (exp->auth_type == HX_VRRP_AUTH_PASS) {
        pw = rx->data + rx->len - HX_VRRP_AUTH_LEN;
        diff = 0;

        for (i = 0; i < HX_VRRP_AUTH_LEN; i++) {
            diff |= pw[i] ^ exp->auth_data[i];
        }

        return diff ? HX_VRRP_RX_AUTH_FAIL : HX_VRRP_RX_OK;
    }

    if (exp->auth_type != HX_VRRP_AUTH_AH) {
        return HX_VRRP_RX_OK;
    }

#if (HX_HAVE_OPENSSL)

    ah = rx->data;

    if (ah[0] != HX_VRRP_PROTO) {
        return HX_VRRP_RX_AH_OTHER;
    }

    if (rx->ip_hdr == NULL || rx->ip_hdr_len < HX_VRRP_IP4_HDR_LEN
        || rx->ip_hdr_len > 60)
    {
        return HX_VRRP_RX_AUTH_FAIL;
    }

    /* the IP header with its mutable fields zeroed, then AH without ICV */
    hx_memcpy(tmp, rx->ip_hdr, rx->ip_hdr_len);
    tmp[1] = 0;
    tmp[6] = 0;
    tmp[7] = 0;
    tmp[10] = 0;
    tmp[11] = 0;

    if (exp->unicast) {
        tmp[8] = 0;
    }

    hx_memcpy(tmp + rx->ip_hdr_len, ah, HX_VRRP_AH_LEN);
    hx_memzero(tmp + rx->ip_hdr_len + 12, HX_VRRP_AH_ICV_LEN);

    if (hx_vrrp_ah_icv(tmp, rx->ip_hdr_len + HX_VRRP_AH_LEN,
                       hd, rx->len - HX_VRRP_AH_LEN, exp->auth_data, icv)
        != HX_OK)
    {
        return HX_VRRP_RX_AUTH_FAIL;
    }

    diff = 0;

    for (i = 0; i < HX_VRRP_AH_ICV_LEN; i++) {
        diff |= icv[i] ^ ah[12 + i];
    }

    if (diff) {
        return HX_VRRP_RX_AUTH_FAIL;
    }

    if (hx_memcmp(ah + 4, rx->src, 4) != 0) {
        return HX_VRRP_RX_AH_SPI;
    }

    seq = ((uint32_t) ah[8] << 24) | ((uint32_t) ah[9] << 16)
          | ((uint32_t) ah[10] << 8) | ah[11];

    if (seq <= exp->ah_seq) {
        return HX_VRRP_RX_AH_REPLAY;
    }

    adv->ah_seq = seq;

    return HX_VRRP_RX_OK;

#else

    (void) rx;
    (void) seq;
    (void) adv;

    return HX_VRRP_RX_AUTH_FAIL;

#endif
}


static hx_uint_t
hx_vrrp_checksum_ok(hx_vrrp_rx_t *rx, hx_vrrp_expect_t *exp,
    const uint8_t *hd, size_t len, hx_uint_t version)
{
    uint32_t  sum;
    uint8_t   group[4] = { 224, 0, 0, 18 };

    if (version == 2) {
        return hx_vrrp_csum_fold(hx_vrrp_csum_add(0, hd, len)) == 0;
    }

    sum = hx_vrrp_pseudo_sum(rx->family, rx->src, rx->dst, len);

    if (hx_vrrp_csum_fold(hx_vrrp_csum_add(sum, hd, len)) == 0) {
        return 1;
    }

    /*
     * keepalived before 2.0 computed unicast VRRPv3 checksums as if sent
     * to the multicast group; keepalived 2.2 still accepts those.
     */
    if (rx->family == AF_INET && exp->unicast) {
        sum = hx_vrrp_pseudo_sum(AF_INET, rx->src, group, len);
        return hx_vrrp_csum_fold(hx_vrrp_csum_add(sum, hd, len)) == 0;
    }

    return 0;
}


static uint32_t
hx_vrrp_pseudo_sum(int family, const uint8_t *src, const uint8_t *dst,
    size_t len)
{
    uint8_t  ph[40];

    hx_memzero(ph, sizeof(ph));

    if (family == AF_INET) {
        /* RFC 768-style: source, destination, zero, protocol, length */
        hx_memcpy(ph, src, 4);
        hx_memcpy(ph + 4, dst, 4);
        ph[9] = HX_VRRP_PROTO;
        ph[10] = (uint8_t) (len >> 8);
        ph[11] = (uint8_t) len;

        return hx_vrrp_csum_add(0, ph, 12);
    }

    /* RFC 8200 8.1: source, destination, 32-bit length, next header */
    hx_memcpy(ph, src, 16);
    hx_memcpy(ph + 16, dst, 16);
    ph[34] = (uint8_t) (len >> 8);
    ph[35] = (uint8_t) len;
    ph[39] = HX_VRRP_PROTO;

    return hx_vrrp_csum_add(0, ph, 40);
}


static hx_uint_t
hx_vrrp_has_vip(hx_vrrp_advert_t *adv, const uint8_t *vip, size_t alen)
{
    hx_uint_t  i;

    for (i = 0; i < adv->naddrs; i++) {
        if (hx_memcmp(adv->addrs + i * alen, vip, alen) == 0) {
            return 1;
        }
    }

    return 0;
}


#if (HX_HAVE_OPENSSL)

/* HMAC-MD5 (RFC 2403) over two pieces, truncated to 96 bits */
static hx_int_t
hx_vrrp_ah_icv(const uint8_t *ip, size_t ip_len, const uint8_t *rest,
    size_t rest_len, const uint8_t *key, uint8_t *icv)
{
    uint8_t        buf[HX_VRRP_MAX_PACKET + 60];
    uint8_t        md[EVP_MAX_MD_SIZE];
    unsigned int   mdlen;

    if (ip_len + rest_len > sizeof(buf)) {
        return HX_ERROR;
    }

    hx_memcpy(buf, ip, ip_len);
    hx_memcpy(buf + ip_len, rest, rest_len);

    if (HMAC(EVP_md5(), key, HX_VRRP_AUTH_LEN, buf, ip_len + rest_len,
             md, &mdlen)
        == NULL)
    {
        return HX_ERROR;
    }

    hx_memcpy(icv, md, HX_VRRP_AH_ICV_LEN);

    return HX_OK;
}

#endif


const char *
hx_vrrp_rx_reason_text(hx_vrrp_rx_reason_e reason)
{
    if ((hx_uint_t) reason >= HX_VRRP_RX_NREASONS) {
        return "unknown";
    }

    return hx_vrrp_reasons[reason];
}


uint32_t
hx_vrrp_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    /* big-endian 16-bit words; an odd last byte is padded with zero */
    while (len > 1) {
        sum += ((uint32_t) p[0] << 8) | p[1];
        p += 2;
        len -= 2;
    }

    if (len) {
        sum += (uint32_t) p[0] << 8;
    }

    return sum;
}


uint16_t
hx_vrrp_csum_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }

    return htons((uint16_t) ~sum);
}

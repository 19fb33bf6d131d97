/*
 * libFuzzer target: the VRRP advert checks (ha/hx_vrrp_packet.c).
 *
 * The first byte picks what the receiving instance expects (version,
 * authentication, unicast, address check, whether the expected VIPs are
 * the packet's own) and how the packet arrives (a raw IPv4 packet parsed
 * with hx_vrrp_parse_ip4(), or an IPv6 VRRP message with its addresses
 * and hop limit given); the rest is the packet.  Every check runs in a
 * buffer of exactly the input's size, so ASan sees any read past it.
 *
 * Properties: hx_vrrp_check() never accepts a packet of another length
 * than its count promises; an accepted advert's fields are in range; and
 * re-encoding an accepted advert (without AH) gives a packet the checks
 * accept again, with the same content.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_vrrp_packet.h>


static void hx_vrrp_fuzz_reencode(hx_vrrp_rx_t *rx, hx_vrrp_expect_t *exp,
    hx_vrrp_advert_t *adv);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t              sel, *copy;
    hx_uint_t            version, vrid, alen;
    hx_vrrp_rx_t         rx;
    hx_vrrp_advert_t     adv;
    hx_vrrp_expect_t     exp;
    hx_vrrp_rx_reason_e  rc;
    static const uint8_t  vips[32] = {
        192, 168, 99, 151, 192, 168, 99, 152, 10, 0, 0, 1, 10, 0, 0, 2,
        0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x60
    };

    if (size < 1) {
        return 0;
    }

    sel = data[0];
    data++;
    size--;

    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }

    memcpy(copy, data, size);

    if (sel & 0x80) {
        /* IPv6: 32 address bytes and a hop limit precede the message */
        if (size < 33) {
            free(copy);
            return 0;
        }

        hx_memzero(&rx, sizeof(rx));
        rx.family = AF_INET6;
        memcpy(rx.src, copy, 16);
        memcpy(rx.dst, copy + 16, 16);
        rx.ttl = copy[32];
        rx.multicast = rx.dst[0] == 0xff;
        rx.protocol = HX_VRRP_PROTO;
        rx.data = copy + 33;
        rx.len = size - 33;

    } else if (hx_vrrp_parse_ip4(copy, size, &rx) != HX_OK) {
        free(copy);
        return 0;
    }

    if (hx_vrrp_peek(&rx, &version, &vrid) != HX_OK) {
        version = 2;
        vrid = 1;
    }

    hx_memzero(&exp, sizeof(exp));

    /* an IPv6 instance is always version 3 (the configuration sees to it) */
    exp.version = ((sel & 0x01) || rx.family == AF_INET6) ? 3 : 2;
    exp.family = rx.family;
    exp.vrid = vrid;
    exp.auth_type = (sel >> 1) & 0x03;
    memcpy(exp.auth_data, "123456\0\0", 8);
    exp.adver_int = 1000;
    exp.unicast = (sel >> 3) & 1;
    exp.check_vips = (sel >> 4) & 1;
    alen = rx.family == AF_INET6 ? 16 : 4;
    exp.naddrs = (sel >> 5) & 0x03;
    exp.addrs = rx.family == AF_INET6 ? vips + 16 : vips;

    if (rx.family == AF_INET6) {
        exp.naddrs = hx_min(exp.naddrs, 1);
    }

    rc = hx_vrrp_check(&rx, &exp, &adv);

    if ((hx_uint_t) rc >= HX_VRRP_RX_NREASONS
        || hx_vrrp_rx_reason_text(rc) == NULL)
    {
        __builtin_trap();
    }

    if (rc == HX_VRRP_RX_OK) {
        if (adv.vrid != vrid || adv.priority > 255 || adv.naddrs > 255
            || adv.version != exp.version
            || hx_vrrp_advert_len(adv.version, rx.family, adv.naddrs)
               + (rx.family == AF_INET && exp.auth_type == HX_VRRP_AUTH_AH
                  ? HX_VRRP_AH_LEN : 0)
               != rx.len
            || (adv.naddrs
                && (adv.addrs < rx.data || adv.addrs + adv.naddrs * alen
                                           > rx.data + rx.len)))
        {
            __builtin_trap();
        }

        hx_vrrp_fuzz_reencode(&rx, &exp, &adv);
    }

    free(copy);

    return 0;
}


/* an accepted advert, encoded again, is accepted again and reads the same */
static void
hx_vrrp_fuzz_reencode(hx_vrrp_rx_t *rx, hx_vrrp_expect_t *exp,
    hx_vrrp_advert_t *adv)
{
    size_t             n;
    uint8_t            buf[HX_VRRP_MAX_PACKET];
    hx_vrrp_rx_t       rx2;
    hx_vrrp_advert_t   adv2;

    if (exp->auth_type == HX_VRRP_AUTH_AH) {
        return;
    }

    if (adv->version == 2) {
        /* the password travels in the auth bytes */
        memcpy(adv->auth_data, exp->auth_data, HX_VRRP_AUTH_LEN);
    }

    if (rx->family == AF_INET) {
        n = hx_vrrp_encode_ip4(buf, sizeof(buf), adv, rx->src, rx->dst,
                               rx->ttl, 1);
        if (n == 0 || hx_vrrp_parse_ip4(buf, n, &rx2) != HX_OK) {
            __builtin_trap();
        }

        /* an unusual source header (options) became a plain one */
        rx2.ttl = rx->ttl;

    } else {
        n = hx_vrrp_encode(buf, sizeof(buf), adv, rx->src, rx->dst);
        if (n == 0) {
            __builtin_trap();
        }

        rx2 = *rx;
        rx2.data = buf;
        rx2.len = n;
    }

    if (hx_vrrp_check(&rx2, exp, &adv2) != HX_VRRP_RX_OK
        || adv2.priority != adv->priority || adv2.naddrs != adv->naddrs
        || adv2.adver_int != adv->adver_int
        || (adv->naddrs
            && memcmp(adv2.addrs, adv->addrs,
                      adv->naddrs * (rx->family == AF_INET6 ? 16 : 4))))
    {
        __builtin_trap();
    }
}

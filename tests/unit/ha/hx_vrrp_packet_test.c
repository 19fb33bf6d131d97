/*
 * Tests for ha/hx_vrrp_packet.c: the encoder reproduces, byte for byte,
 * adverts captured from Debian's keepalived 2.2.7 (run in a network
 * namespace, read from a raw socket on the peer), and the checker accepts
 * them, refuses each kind of damage with its own reason, and reports the
 * first failure in keepalived's order.
 *
 * The captures: an IPv4 instance on 10.99.0.1 sending to 224.0.0.18 (or
 * the unicast peer 10.99.0.2), IP id counting from 1, TTL 255, TOS 0xc0.
 * A checksum computed here by a plain loop, independent of the code under
 * test, checks the fixtures themselves.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_vrrp_packet.h>

#include <criterion/criterion.h>


/* VRRPv2, vrid 51, priority 255, 192.168.99.151, PASS "123456", 1 s */
static const uint8_t  ka_v2_pass[] = {
    0x45, 0xc0, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00,
    0xff, 0x70, 0xd0, 0x2e, 0x0a, 0x63, 0x00, 0x01,
    0xe0, 0x00, 0x00, 0x12,
    0x21, 0x33, 0xff, 0x01, 0x01, 0x01, 0x20, 0xed,
    0xc0, 0xa8, 0x63, 0x97,
    0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x00, 0x00
};

/* VRRPv2 without authentication: the eight zero bytes are still there */
static const uint8_t  ka_v2_none[] = {
    0x45, 0xc0, 0x00, 0x2c, 0x00, 0x02, 0x00, 0x00,
    0xff, 0x70, 0xd0, 0x29, 0x0a, 0x63, 0x00, 0x01,
    0xe0, 0x00, 0x00, 0x12,
    0x21, 0x33, 0xff, 0x02, 0x00, 0x01, 0x97, 0x47,
    0xc0, 0xa8, 0x63, 0x97, 0xc0, 0xa8, 0x63, 0x98,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
};

/* VRRPv3, vrid 51, two addresses, 1 s (100 cs), multicast */
static const uint8_t  ka_v3[] = {
    0x45, 0xc0, 0x00, 0x24, 0x00, 0x01, 0x00, 0x00,
    0xff, 0x70, 0xd0, 0x32, 0x0a, 0x63, 0x00, 0x01,
    0xe0, 0x00, 0x00, 0x12,
    0x31, 0x33, 0xff, 0x02, 0x00, 0x64, 0x9b, 0xed,
    0xc0, 0xa8, 0x63, 0x97, 0xc0, 0xa8, 0x63, 0x98
};

/* the same instance stopping: priority 0, IP id 4 */
static const uint8_t  ka_v3_stop[] = {
    0x45, 0xc0, 0x00, 0x24, 0x00, 0x04, 0x00, 0x00,
    0xff, 0x70, 0xd0, 0x2f, 0x0a, 0x63, 0x00, 0x01,
    0xe0, 0x00, 0x00, 0x12,
    0x31, 0x33, 0x00, 0x02, 0x00, 0x64, 0x9a, 0xee,
    0xc0, 0xa8, 0x63, 0x97, 0xc0, 0xa8, 0x63, 0x98
};

/* VRRPv3 unicast to 10.99.0.2, vrid 7, 0.5 s (50 cs) */
static const uint8_t  ka_v3_unicast[] = {
    0x45, 0xc0, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00,
    0xff, 0x70, 0xa5, 0xe4, 0x0a, 0x63, 0x00, 0x01,
    0x0a, 0x63, 0x00, 0x02,
    0x31, 0x07, 0xff, 0x01, 0x00, 0x32, 0x96, 0x3f,
    0xc0, 0xa8, 0x63, 0x97
};

/* VRRPv2 with IPsec AH, key "secret", vrid 52, sequence number 1 */
static const uint8_t  ka_v2_ah[] = {
    0x45, 0xc0, 0x00, 0x40, 0x00, 0x01, 0x00, 0x00,
    0xff, 0x33, 0xd0, 0x53, 0x0a, 0x63, 0x00, 0x01,
    0xe0, 0x00, 0x00, 0x12,
    0x70, 0x04, 0x00, 0x00, 0x0a, 0x63, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x01, 0x8d, 0x07, 0xc6, 0x84,
    0x8e, 0xf6, 0xeb, 0x68, 0xd8, 0xa4, 0x52, 0x01,
    0x21, 0x34, 0xff, 0x01, 0x02, 0x01, 0xb9, 0x86,
    0xc0, 0xa8, 0x63, 0x99,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
};

/* VRRPv3 over IPv6 (the VRRP part), vrid 60, fe80::60, 2001:db8::60 */
static const uint8_t  ka_v6[] = {
    0x31, 0x3c, 0xff, 0x02, 0x00, 0x64, 0xa5, 0x33,
    0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x60,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x60
};

static const uint8_t  src4[4] = { 10, 99, 0, 1 };
static const uint8_t  peer4[4] = { 10, 99, 0, 2 };
static const uint8_t  group4[4] = { 224, 0, 0, 18 };

/* fe80::ff:fe00:1, the sender's link-local address; ff02::12 */
static const uint8_t  src6[16] = {
    0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 0, 0, 1
};
static const uint8_t  group6[16] = {
    0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12
};

static const uint8_t  vip1[4] = { 192, 168, 99, 151 };
static const uint8_t  vip12[8] = { 192, 168, 99, 151, 192, 168, 99, 152 };
static const uint8_t  vip_ah[4] = { 192, 168, 99, 153 };


/* an independent RFC 1071 sum: 0 over a packet whose checksum is right */
static uint16_t
plain_csum(const uint8_t *p, size_t len, uint32_t sum)
{
    size_t  i;

    for (i = 0; i + 1 < len; i += 2) {
        sum += (uint32_t) (p[i] << 8 | p[i + 1]);
    }

    if (len & 1) {
        sum += (uint32_t) p[len - 1] << 8;
    }

    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }

    return (uint16_t) ~sum;
}


static uint32_t
plain_pseudo4(const uint8_t *s, const uint8_t *d, size_t len)
{
    return (uint32_t) (s[0] << 8 | s[1]) + (uint32_t) (s[2] << 8 | s[3])
           + (uint32_t) (d[0] << 8 | d[1]) + (uint32_t) (d[2] << 8 | d[3])
           + 112 + (uint32_t) len;
}


/* recomputes the checksum of the v3 multicast fixture after an edit */
static void
fix_v3_csum(uint8_t *pkt)
{
    uint16_t  cs;

    pkt[26] = 0;
    pkt[27] = 0;
    cs = plain_csum(pkt + 20, 16, plain_pseudo4(src4, group4, 16));
    pkt[26] = (uint8_t) (cs >> 8);
    pkt[27] = (uint8_t) cs;
}


static void
advert_v2(hx_vrrp_advert_t *adv, hx_uint_t vrid, hx_uint_t prio,
    const uint8_t *addrs, hx_uint_t n)
{
    hx_memzero(adv, sizeof(hx_vrrp_advert_t));
    adv->version = 2;
    adv->family = AF_INET;
    adv->vrid = vrid;
    adv->priority = prio;
    adv->adver_int = 1000;
    adv->naddrs = n;
    adv->addrs = addrs;
}


static void
expect_for(hx_vrrp_expect_t *exp, hx_uint_t version, int family,
    hx_uint_t vrid, const uint8_t *addrs, hx_uint_t n)
{
    hx_memzero(exp, sizeof(hx_vrrp_expect_t));
    exp->version = version;
    exp->family = family;
    exp->vrid = vrid;
    exp->adver_int = 1000;
    exp->check_vips = 1;
    exp->naddrs = n;
    exp->addrs = addrs;
}


/* parses a copy of pkt (so a test may damage it) and checks it */
static hx_vrrp_rx_reason_e
check4(uint8_t *copy, const uint8_t *pkt, size_t len, hx_vrrp_expect_t *exp,
    hx_vrrp_advert_t *adv)
{
    hx_vrrp_rx_t  rx;

    memcpy(copy, pkt, len);
    cr_assert_eq(hx_vrrp_parse_ip4(copy, len, &rx), HX_OK);

    return hx_vrrp_check(&rx, exp, adv);
}


Test(hx_vrrp_packet, fixtures_carry_valid_checksums)
{
    /* the IP header checksums */
    cr_assert_eq(plain_csum(ka_v2_pass, 20, 0), 0);
    cr_assert_eq(plain_csum(ka_v3, 20, 0), 0);
    cr_assert_eq(plain_csum(ka_v2_ah, 20, 0), 0);

    /* v2: the VRRP message alone, auth bytes included */
    cr_assert_eq(plain_csum(ka_v2_pass + 20, 20, 0), 0);
    cr_assert_eq(plain_csum(ka_v2_none + 20, 24, 0), 0);

    /* v3: with the pseudo-header; unicast uses the peer's address */
    cr_assert_eq(plain_csum(ka_v3 + 20, 16,
                            plain_pseudo4(src4, group4, 16)), 0);
    cr_assert_eq(plain_csum(ka_v3_unicast + 20, 12,
                            plain_pseudo4(src4, peer4, 12)), 0);
}


Test(hx_vrrp_packet, v2_pass_advert_matches_keepalived)
{
    uint8_t           buf[128];
    size_t            n;
    hx_vrrp_advert_t  adv;

    advert_v2(&adv, 51, 255, vip1, 1);
    adv.auth_type = HX_VRRP_AUTH_PASS;
    memcpy(adv.auth_data, "123456\0\0", 8);

    n = hx_vrrp_encode_ip4(buf, sizeof(buf), &adv, src4, group4, 255, 1);

    cr_assert_eq(n, sizeof(ka_v2_pass));
    cr_assert_arr_eq(buf, ka_v2_pass, n);
}


Test(hx_vrrp_packet, v2_without_auth_keeps_eight_zero_bytes)
{
    uint8_t           buf[128];
    hx_vrrp_advert_t  adv;

    advert_v2(&adv, 51, 255, vip12, 2);

    cr_assert_eq(hx_vrrp_advert_len(2, AF_INET, 2), 24);
    cr_assert_eq(hx_vrrp_encode_ip4(buf, sizeof(buf), &adv, src4, group4,
                                    255, 2),
                 sizeof(ka_v2_none));
    cr_assert_arr_eq(buf, ka_v2_none, sizeof(ka_v2_none));
}


Test(hx_vrrp_packet, v3_advert_and_stop_match_keepalived)
{
    uint8_t           buf[128];
    hx_vrrp_advert_t  adv;

    advert_v2(&adv, 51, 255, vip12, 2);
    adv.version = 3;

    cr_assert_eq(hx_vrrp_encode_ip4(buf, sizeof(buf), &adv, src4, group4,
                                    255, 1),
                 sizeof(ka_v3));
    cr_assert_arr_eq(buf, ka_v3, sizeof(ka_v3));

    adv.priority = HX_VRRP_PRIO_STOP;

    cr_assert_eq(hx_vrrp_encode_ip4(buf, sizeof(buf), &adv, src4, group4,
                                    255, 4),
                 sizeof(ka_v3_stop));
    cr_assert_arr_eq(buf, ka_v3_stop, sizeof(ka_v3_stop));
}


Test(hx_vrrp_packet, v3_unicast_checksum_uses_the_peer_address)
{
    uint8_t           buf[128];
    hx_vrrp_advert_t  adv;

    advert_v2(&adv, 7, 255, vip1, 1);
    adv.version = 3;
    adv.adver_int = 500;

    cr_assert_eq(hx_vrrp_encode_ip4(buf, sizeof(buf), &adv, src4, peer4,
                                    255, 1),
                 sizeof(ka_v3_unicast));
    cr_assert_arr_eq(buf, ka_v3_unicast, sizeof(ka_v3_unicast));
}


Test(hx_vrrp_packet, v3_ipv6_advert_matches_keepalived)
{
    uint8_t           buf[128], addrs[32];
    hx_vrrp_advert_t  adv;

    memcpy(addrs, ka_v6 + 8, 32);

    hx_memzero(&adv, sizeof(adv));
    adv.version = 3;
    adv.family = AF_INET6;
    adv.vrid = 60;
    adv.priority = 255;
    adv.adver_int = 1000;
    adv.naddrs = 2;
    adv.addrs = addrs;

    cr_assert_eq(hx_vrrp_encode(buf, sizeof(buf), &adv, src6, group6),
                 sizeof(ka_v6));
    cr_assert_arr_eq(buf, ka_v6, sizeof(ka_v6));
}


#if (HX_HAVE_OPENSSL)

Test(hx_vrrp_packet, v2_ah_advert_matches_keepalived)
{
    uint8_t           buf[128];
    hx_vrrp_advert_t  adv;

    advert_v2(&adv, 52, 255, vip_ah, 1);
    adv.auth_type = HX_VRRP_AUTH_AH;
    memcpy(adv.auth_data, "secret\0\0", 8);
    adv.ah_seq = 1;

    cr_assert_eq(hx_vrrp_encode_ip4(buf, sizeof(buf), &adv, src4, group4,
                                    255, 1),
                 sizeof(ka_v2_ah));
    cr_assert_arr_eq(buf, ka_v2_ah, sizeof(ka_v2_ah));
}


Test(hx_vrrp_packet, ah_advert_is_accepted_once_then_seen_as_replay)
{
    uint8_t           copy[128];
    hx_vrrp_expect_t  exp;
    hx_vrrp_advert_t  adv;

    expect_for(&exp, 2, AF_INET, 52, vip_ah, 1);
    exp.auth_type = HX_VRRP_AUTH_AH;
    memcpy(exp.auth_data, "secret\0\0", 8);

    cr_assert_eq(check4(copy, ka_v2_ah, sizeof(ka_v2_ah), &exp, &adv),
                 HX_VRRP_RX_OK);
    cr_assert_eq(adv.ah_seq, 1);
    cr_assert_eq(adv.priority, 255);

    exp.ah_seq = adv.ah_seq;

    cr_assert_eq(check4(copy, ka_v2_ah, sizeof(ka_v2_ah), &exp, &adv),
                 HX_VRRP_RX_AH_REPLAY);
}


Test(hx_vrrp_packet, ah_with_a_wrong_key_or_spi_is_refused)
{
    uint8_t           copy[128];
    hx_vrrp_expect_t  exp;
    hx_vrrp_advert_t  adv;

    expect_for(&exp, 2, AF_INET, 52, vip_ah, 1);
    exp.auth_type = HX_VRRP_AUTH_AH;
    memcpy(exp.auth_data, "Secret\0\0", 8);

    cr_assert_eq(check4(copy, ka_v2_ah, sizeof(ka_v2_ah), &exp, &adv),
                 HX_VRRP_RX_AUTH_FAIL);

    /* the TOS byte is mutable: the ICV does not cover it */
    memcpy(exp.auth_data, "secret\0\0", 8);
    memcpy(copy, ka_v2_ah, sizeof(ka_v2_ah));
    copy[1] = 0x00;
    {
        hx_vrrp_rx_t  rx;

        cr_assert_eq(hx_vrrp_parse_ip4(copy, sizeof(ka_v2_ah), &rx), HX_OK);
        cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_OK);

        /* the SPI is covered by the ICV, so a changed SPI fails the ICV */
        copy[27] ^= 1;
        cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_AUTH_FAIL);
        copy[27] ^= 1;

        /* AH for some other protocol is dropped before the ICV */
        copy[20] = 6;
        cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_AH_OTHER);
    }
}

#endif


Test(hx_vrrp_packet, ah_presence_must_match_the_configuration)
{
    uint8_t           copy[128];
    hx_vrrp_expect_t  exp;
    hx_vrrp_advert_t  adv;

    expect_for(&exp, 2, AF_INET, 52, vip_ah, 1);

    cr_assert_eq(check4(copy, ka_v2_ah, sizeof(ka_v2_ah), &exp, &adv),
                 HX_VRRP_RX_AH_MISMATCH);

    expect_for(&exp, 2, AF_INET, 51, vip1, 1);
    exp.auth_type = HX_VRRP_AUTH_AH;

    cr_assert_eq(check4(copy, ka_v2_pass, sizeof(ka_v2_pass), &exp, &adv),
                 HX_VRRP_RX_AH_MISMATCH);
}


Test(hx_vrrp_packet, keepalived_adverts_pass_the_checks)
{
    uint8_t           copy[128];
    hx_vrrp_expect_t  exp;
    hx_vrrp_advert_t  adv;

    expect_for(&exp, 2, AF_INET, 51, vip1, 1);
    exp.auth_type = HX_VRRP_AUTH_PASS;
    memcpy(exp.auth_data, "123456\0\0", 8);

    cr_assert_eq(check4(copy, ka_v2_pass, sizeof(ka_v2_pass), &exp, &adv),
                 HX_VRRP_RX_OK);
    cr_assert_eq(adv.version, 2);
    cr_assert_eq(adv.vrid, 51);
    cr_assert_eq(adv.priority, 255);
    cr_assert_eq(adv.adver_int, 1000);
    cr_assert_eq(adv.naddrs, 1);
    cr_assert_arr_eq(adv.addrs, vip1, 4);

    expect_for(&exp, 3, AF_INET, 51, vip12, 2);

    cr_assert_eq(check4(copy, ka_v3, sizeof(ka_v3), &exp, &adv),
                 HX_VRRP_RX_OK);
    cr_assert_eq(adv.adver_int, 1000);

    cr_assert_eq(check4(copy, ka_v3_stop, sizeof(ka_v3_stop), &exp, &adv),
                 HX_VRRP_RX_OK);
    cr_assert_eq(adv.priority, 0);

    expect_for(&exp, 3, AF_INET, 7, vip1, 1);
    exp.unicast = 1;

    cr_assert_eq(check4(copy, ka_v3_unicast, sizeof(ka_v3_unicast), &exp,
                        &adv),
                 HX_VRRP_RX_OK);
    cr_assert_eq(adv.adver_int, 500);
}


Test(hx_vrrp_packet, ipv6_advert_passes_with_hop_limit_255)
{
    hx_vrrp_rx_t      rx;
    hx_vrrp_expect_t  exp;
    hx_vrrp_advert_t  adv;

    hx_memzero(&rx, sizeof(rx));
    rx.family = AF_INET6;
    rx.ttl = 255;
    rx.multicast = 1;
    memcpy(rx.src, src6, 16);
    memcpy(rx.dst, group6, 16);
    rx.data = ka_v6;
    rx.len = sizeof(ka_v6);

    expect_for(&exp, 3, AF_INET6, 60, ka_v6 + 8, 2);

    cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_OK);
    cr_assert_eq(adv.family, AF_INET6);
    cr_assert_eq(adv.naddrs, 2);

    rx.ttl = 254;
    cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_TTL);

    /* another source address changes the pseudo-header sum */
    rx.ttl = 255;
    rx.src[15] = 2;
    cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_CHECKSUM);
}


Test(hx_vrrp_packet, ttl_below_255_is_refused_on_multicast_only)
{
    uint8_t           copy[128];
    hx_vrrp_expect_t  exp;
    hx_vrrp_advert_t  adv;
    hx_vrrp_rx_t      rx;

    expect_for(&exp, 3, AF_INET, 51, vip12, 2);

    memcpy(copy, ka_v3, sizeof(ka_v3));
    copy[8] = 64;
    cr_assert_eq(hx_vrrp_parse_ip4(copy, sizeof(ka_v3), &rx), HX_OK);
    cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_TTL);

    expect_for(&exp, 3, AF_INET, 7, vip1, 1);
    exp.unicast = 1;

    memcpy(copy, ka_v3_unicast, sizeof(ka_v3_unicast));
    copy[8] = 64;
    cr_assert_eq(hx_vrrp_parse_ip4(copy, sizeof(ka_v3_unicast), &rx), HX_OK);
    cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_OK);
}


Test(hx_vrrp_packet, wrong_password_and_auth_types_are_refused)
{
    uint8_t           copy[128];
    hx_vrrp_expect_t  exp;
    hx_vrrp_advert_t  adv;

    expect_for(&exp, 2, AF_INET, 51, vip1, 1);
    exp.auth_type = HX_VRRP_AUTH_PASS;
    memcpy(exp.auth_data, "1234567\0", 8);

    cr_assert_eq(check4(copy, ka_v2_pass, sizeof(ka_v2_pass), &exp, &adv),
                 HX_VRRP_RX_AUTH_FAIL);

    /* we want no authentication, the packet has PASS */
    exp.auth_type = HX_VRRP_AUTH_NONE;
    cr_assert_eq(check4(copy, ka_v2_pass, sizeof(ka_v2_pass), &exp, &adv),
                 HX_VRRP_RX_AUTH_MISMATCH);

    /* an auth type that does not exist */
    memcpy(copy, ka_v2_pass, sizeof(ka_v2_pass));
    copy[24] = 7;
    {
        hx_vrrp_rx_t  rx;

        cr_assert_eq(hx_vrrp_parse_ip4(copy, sizeof(ka_v2_pass), &rx),
                     HX_OK);
        cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv),
                     HX_VRRP_RX_AUTH_TYPE);
    }
}


Test(hx_vrrp_packet, v2_interval_must_equal_ours)
{
    uint8_t           copy[128];
    hx_vrrp_expect_t  exp;
    hx_vrrp_advert_t  adv;

    expect_for(&exp, 2, AF_INET, 51, vip12, 2);
    exp.adver_int = 2000;

    cr_assert_eq(check4(copy, ka_v2_none, sizeof(ka_v2_none), &exp, &adv),
                 HX_VRRP_RX_INTERVAL);

    /* v3 carries the master's interval, which a backup adopts */
    expect_for(&exp, 3, AF_INET, 51, vip12, 2);
    exp.adver_int = 2000;

    cr_assert_eq(check4(copy, ka_v3, sizeof(ka_v3), &exp, &adv),
                 HX_VRRP_RX_OK);
    cr_assert_eq(adv.adver_int, 1000);
}


Test(hx_vrrp_packet, version_type_and_vrid_are_checked)
{
    uint8_t           copy[128];
    hx_vrrp_expect_t  exp;
    hx_vrrp_advert_t  adv;

    expect_for(&exp, 2, AF_INET, 51, vip12, 2);

    /* a v3 packet where v2 is configured: the length fits v3 */
    cr_assert_eq(check4(copy, ka_v3, sizeof(ka_v3), &exp, &adv),
                 HX_VRRP_RX_VERSION);

    expect_for(&exp, 3, AF_INET, 52, vip12, 2);
    cr_assert_eq(check4(copy, ka_v3, sizeof(ka_v3), &exp, &adv),
                 HX_VRRP_RX_VRID);

    /* vrid 0 is nobody's, even for an instance that would expect it */
    memcpy(copy, ka_v3, sizeof(ka_v3));
    copy[21] = 0;
    fix_v3_csum(copy);
    expect_for(&exp, 3, AF_INET, 0, vip12, 2);
    {
        hx_vrrp_rx_t  rx;

        cr_assert_eq(hx_vrrp_parse_ip4(copy, sizeof(ka_v3), &rx), HX_OK);
        cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_VRID);
    }

    /* type 2 with the checksum still right: only the type is wrong */
    expect_for(&exp, 3, AF_INET, 51, vip12, 2);
    memcpy(copy, ka_v3, sizeof(ka_v3));
    copy[20] = 0x32;
    fix_v3_csum(copy);
    {
        hx_vrrp_rx_t  rx;

        cr_assert_eq(hx_vrrp_parse_ip4(copy, sizeof(ka_v3), &rx), HX_OK);
        cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_TYPE);
    }
}


Test(hx_vrrp_packet, length_count_and_vips_are_checked)
{
    uint8_t           copy[128];
    uint8_t           other[8] = { 192, 168, 99, 151, 192, 168, 99, 153 };
    hx_vrrp_expect_t  exp;
    hx_vrrp_advert_t  adv;
    hx_vrrp_rx_t      rx;

    expect_for(&exp, 3, AF_INET, 51, vip12, 2);

    /* one byte short of what the count promises */
    memcpy(copy, ka_v3, sizeof(ka_v3));
    cr_assert_eq(hx_vrrp_parse_ip4(copy, sizeof(ka_v3) - 1, &rx), HX_OK);
    cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_LENGTH);

    /* trailing bytes are refused too */
    memcpy(copy, ka_v3, sizeof(ka_v3));
    copy[sizeof(ka_v3)] = 0;
    cr_assert_eq(hx_vrrp_parse_ip4(copy, sizeof(ka_v3) + 1, &rx), HX_OK);
    cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_LENGTH);

    /* we have one VIP, the master advertises two */
    expect_for(&exp, 3, AF_INET, 51, vip1, 1);
    cr_assert_eq(check4(copy, ka_v3, sizeof(ka_v3), &exp, &adv),
                 HX_VRRP_RX_COUNT);

    /* the same count, another address */
    expect_for(&exp, 3, AF_INET, 51, other, 2);
    cr_assert_eq(check4(copy, ka_v3, sizeof(ka_v3), &exp, &adv),
                 HX_VRRP_RX_VIP);

    /* without the address check, the list is not compared */
    exp.check_vips = 0;
    cr_assert_eq(check4(copy, ka_v3, sizeof(ka_v3), &exp, &adv),
                 HX_VRRP_RX_OK);
}


Test(hx_vrrp_packet, ip_total_length_must_match_what_arrived)
{
    uint8_t           copy[128];
    hx_vrrp_expect_t  exp;
    hx_vrrp_advert_t  adv;
    hx_vrrp_rx_t      rx;

    expect_for(&exp, 3, AF_INET, 51, vip12, 2);

    memcpy(copy, ka_v3, sizeof(ka_v3));
    copy[3] = 0x30;
    cr_assert_eq(hx_vrrp_parse_ip4(copy, sizeof(ka_v3), &rx), HX_OK);
    cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_IP_LENGTH);
}


Test(hx_vrrp_packet, any_flipped_bit_fails_the_checksum)
{
    uint8_t           copy[128];
    size_t            i;
    hx_vrrp_expect_t  exp;
    hx_vrrp_advert_t  adv;
    hx_vrrp_rx_t      rx;

    expect_for(&exp, 3, AF_INET, 51, vip12, 2);
    exp.check_vips = 0;

    /* the addresses and the checksum field: nothing else is checked first */
    for (i = 26; i < sizeof(ka_v3); i++) {
        memcpy(copy, ka_v3, sizeof(ka_v3));
        copy[i] ^= 0x10;
        cr_assert_eq(hx_vrrp_parse_ip4(copy, sizeof(ka_v3), &rx), HX_OK);
        cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_CHECKSUM,
                     "byte %zu", i);
    }

    /* v3 over IPv4 covers the source address through the pseudo-header */
    memcpy(copy, ka_v3, sizeof(ka_v3));
    copy[15] = 9;
    cr_assert_eq(hx_vrrp_parse_ip4(copy, sizeof(ka_v3), &rx), HX_OK);
    cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_CHECKSUM);

    /* v2 does not: another sender with the same message is fine */
    expect_for(&exp, 2, AF_INET, 51, vip12, 2);
    memcpy(copy, ka_v2_none, sizeof(ka_v2_none));
    copy[15] = 9;
    cr_assert_eq(hx_vrrp_parse_ip4(copy, sizeof(ka_v2_none), &rx), HX_OK);
    cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_OK);
}


Test(hx_vrrp_packet, unicast_v3_with_the_old_multicast_checksum_passes)
{
    uint8_t           copy[128];
    uint16_t          cs;
    hx_vrrp_expect_t  exp;
    hx_vrrp_advert_t  adv;
    hx_vrrp_rx_t      rx;

    /* keepalived < 2.0 summed unicast v3 as if sent to 224.0.0.18 */
    memcpy(copy, ka_v3_unicast, sizeof(ka_v3_unicast));
    copy[26] = 0;
    copy[27] = 0;
    cs = plain_csum(copy + 20, 12, plain_pseudo4(src4, group4, 12));
    copy[26] = (uint8_t) (cs >> 8);
    copy[27] = (uint8_t) cs;

    expect_for(&exp, 3, AF_INET, 7, vip1, 1);
    exp.unicast = 1;

    cr_assert_eq(hx_vrrp_parse_ip4(copy, sizeof(ka_v3_unicast), &rx), HX_OK);
    cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_OK);

    /* on a multicast instance there is no such leniency */
    exp.unicast = 0;
    copy[8] = 255;
    cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_CHECKSUM);
}


Test(hx_vrrp_packet, multicast_advert_on_a_unicast_instance_is_refused)
{
    uint8_t           copy[128];
    hx_vrrp_expect_t  exp;
    hx_vrrp_advert_t  adv;

    expect_for(&exp, 3, AF_INET, 51, vip12, 2);
    exp.unicast = 1;

    cr_assert_eq(check4(copy, ka_v3, sizeof(ka_v3), &exp, &adv),
                 HX_VRRP_RX_CAST);

    expect_for(&exp, 3, AF_INET, 7, vip1, 1);
    cr_assert_eq(check4(copy, ka_v3_unicast, sizeof(ka_v3_unicast), &exp,
                        &adv),
                 HX_VRRP_RX_CAST);
}


Test(hx_vrrp_packet, first_failure_is_reported_in_keepalived_order)
{
    uint8_t           copy[128];
    hx_vrrp_expect_t  exp;
    hx_vrrp_advert_t  adv;
    hx_vrrp_rx_t      rx;

    expect_for(&exp, 2, AF_INET, 51, vip1, 1);
    exp.auth_type = HX_VRRP_AUTH_PASS;
    memcpy(exp.auth_data, "wrong\0\0\0", 8);
    exp.adver_int = 3000;

    /* bad TTL, bad password, bad interval, bad checksum: TTL wins */
    memcpy(copy, ka_v2_pass, sizeof(ka_v2_pass));
    copy[8] = 1;
    copy[26] ^= 0xff;
    cr_assert_eq(hx_vrrp_parse_ip4(copy, sizeof(ka_v2_pass), &rx), HX_OK);
    cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_TTL);

    /* then the password, before the interval and the checksum */
    copy[8] = 255;
    cr_assert_eq(hx_vrrp_parse_ip4(copy, sizeof(ka_v2_pass), &rx), HX_OK);
    cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_AUTH_FAIL);

    /* then the interval, before the checksum */
    memcpy(exp.auth_data, "123456\0\0", 8);
    cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_INTERVAL);

    exp.adver_int = 1000;
    cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_CHECKSUM);
}


Test(hx_vrrp_packet, v3_reserved_bits_of_the_interval_are_ignored)
{
    uint8_t           copy[128];
    hx_vrrp_expect_t  exp;
    hx_vrrp_advert_t  adv;
    hx_vrrp_rx_t      rx;

    memcpy(copy, ka_v3, sizeof(ka_v3));
    copy[24] |= 0xf0;
    fix_v3_csum(copy);

    expect_for(&exp, 3, AF_INET, 51, vip12, 2);
    cr_assert_eq(hx_vrrp_parse_ip4(copy, sizeof(ka_v3), &rx), HX_OK);
    cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_OK);
    cr_assert_eq(adv.adver_int, 1000);
}


Test(hx_vrrp_packet, parse_ip4_refuses_malformed_headers)
{
    uint8_t       copy[128];
    hx_vrrp_rx_t  rx;

    memcpy(copy, ka_v3, sizeof(ka_v3));

    cr_assert_eq(hx_vrrp_parse_ip4(copy, 19, &rx), HX_DECLINED);

    copy[0] = 0x65;
    cr_assert_eq(hx_vrrp_parse_ip4(copy, sizeof(ka_v3), &rx), HX_DECLINED);

    copy[0] = 0x44;
    cr_assert_eq(hx_vrrp_parse_ip4(copy, sizeof(ka_v3), &rx), HX_DECLINED);

    copy[0] = 0x4f;                 /* 60-byte header in 36 bytes */
    cr_assert_eq(hx_vrrp_parse_ip4(copy, sizeof(ka_v3), &rx), HX_DECLINED);

    copy[0] = 0x45;
    cr_assert_eq(hx_vrrp_parse_ip4(copy, sizeof(ka_v3), &rx), HX_OK);
    cr_assert_eq(rx.ttl, 255);
    cr_assert_eq(rx.protocol, 112);
    cr_assert_eq(rx.multicast, 1);
    cr_assert_eq(rx.len, 16);
    cr_assert_arr_eq(rx.src, src4, 4);
}


Test(hx_vrrp_packet, a_header_too_short_is_refused_before_anything_else)
{
    hx_vrrp_rx_t      rx;
    hx_vrrp_expect_t  exp;
    hx_vrrp_advert_t  adv;
    hx_uint_t         version, vrid;

    cr_assert_eq(hx_vrrp_parse_ip4(ka_v3, 27, &rx), HX_OK);
    cr_assert_eq(hx_vrrp_peek(&rx, &version, &vrid), HX_DECLINED);

    expect_for(&exp, 3, AF_INET, 51, vip12, 2);
    cr_assert_eq(hx_vrrp_check(&rx, &exp, &adv), HX_VRRP_RX_SHORT);

    cr_assert_eq(hx_vrrp_parse_ip4(ka_v2_ah, 50, &rx), HX_OK);
    cr_assert_eq(hx_vrrp_peek(&rx, &version, &vrid), HX_DECLINED);

    cr_assert_eq(hx_vrrp_parse_ip4(ka_v2_ah, sizeof(ka_v2_ah), &rx), HX_OK);
    cr_assert_eq(hx_vrrp_peek(&rx, &version, &vrid), HX_OK);
    cr_assert_eq(version, 2);
    cr_assert_eq(vrid, 52);
}


Test(hx_vrrp_packet, encoder_refuses_what_cannot_be_sent)
{
    uint8_t           buf[64];
    hx_vrrp_advert_t  adv;

    advert_v2(&adv, 51, 100, vip1, 1);

    /* one byte too small */
    cr_assert_eq(hx_vrrp_encode(buf, 19, &adv, src4, group4), 0);
    cr_assert_eq(hx_vrrp_encode(buf, 20, &adv, src4, group4), 20);

    adv.family = AF_INET6;
    cr_assert_eq(hx_vrrp_encode(buf, sizeof(buf), &adv, src6, group6), 0);

    advert_v2(&adv, 0, 100, vip1, 1);
    cr_assert_eq(hx_vrrp_encode(buf, sizeof(buf), &adv, src4, group4), 0);

    advert_v2(&adv, 51, 256, vip1, 1);
    cr_assert_eq(hx_vrrp_encode(buf, sizeof(buf), &adv, src4, group4), 0);
}


Test(hx_vrrp_packet, intervals_are_clamped_to_their_fields)
{
    uint8_t           buf[64];
    hx_vrrp_advert_t  adv;

    advert_v2(&adv, 51, 100, vip1, 1);
    adv.adver_int = 300000;
    cr_assert_eq(hx_vrrp_encode(buf, sizeof(buf), &adv, src4, group4), 20);
    cr_assert_eq(buf[5], 255);

    adv.version = 3;
    adv.adver_int = 50000;
    cr_assert_eq(hx_vrrp_encode(buf, sizeof(buf), &adv, src4, group4), 12);
    cr_assert_eq(buf[4], 0x0f);
    cr_assert_eq(buf[5], 0xff);

    adv.adver_int = 100;
    cr_assert_eq(hx_vrrp_encode(buf, sizeof(buf), &adv, src4, group4), 12);
    cr_assert_eq(buf[4], 0);
    cr_assert_eq(buf[5], 10);
}


Test(hx_vrrp_packet, every_reason_has_a_text)
{
    hx_uint_t  i;

    for (i = 0; i < HX_VRRP_RX_NREASONS; i++) {
        cr_assert_not_null(hx_vrrp_rx_reason_text(i));
        cr_assert_neq(strcmp(hx_vrrp_rx_reason_text(i), "unknown"), 0);
    }

    cr_assert_str_eq(hx_vrrp_rx_reason_text(HX_VRRP_RX_NREASONS), "unknown");
    cr_assert_str_eq(hx_vrrp_rx_reason_text(HX_VRRP_RX_AUTH_FAIL),
                     "authentication failed");
}

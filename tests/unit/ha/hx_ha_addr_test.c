/*
 * Tests for the announcement frames of ha/hx_ha_addr.c: the gratuitous
 * ARP is keepalived's (an ARP request from the VIP for the VIP, to the
 * broadcast address) and the unsolicited neighbour advertisement is an
 * RFC 4861 one (from the VIP to ff02::1, hop limit 255, override flag,
 * target link-layer option) with a correct ICMPv6 checksum, computed
 * here independently.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_ha.h>
#include <hx_ha_addr.h>

#include <criterion/criterion.h>


static uint8_t  mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 };
static uint8_t  vip4[4] = { 192, 168, 99, 151 };
static uint8_t  vip6[16] = {
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x60
};


Test(hx_ha_addr, garp_is_a_broadcast_request_for_the_vip)
{
    uint8_t  f[64];
    uint8_t  expect[42] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff,          /* to everyone */
        0x02, 0x00, 0x5e, 0x10, 0x20, 0x30,          /* from us */
        0x08, 0x06,                                  /* ARP */
        0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,    /* Ethernet/IPv4 req */
        0x02, 0x00, 0x5e, 0x10, 0x20, 0x30,          /* sender MAC */
        192, 168, 99, 151,                           /* sender IP: VIP */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff,          /* target MAC */
        192, 168, 99, 151                            /* target IP: VIP */
    };

    cr_assert_eq(hx_ha_build_garp(f, mac, vip4), 42);
    cr_assert_arr_eq(f, expect, 42);
}


static uint16_t
icmp6_sum(uint8_t *ip6, size_t len)
{
    size_t    i;
    uint32_t  sum;

    sum = 0;

    for (i = 0; i < 32; i += 2) {                  /* both addresses */
        sum += (uint32_t) (ip6[8 + i] << 8 | ip6[8 + i + 1]);
    }

    sum += (uint32_t) len + 58;

    for (i = 0; i < len; i += 2) {
        sum += (uint32_t) (ip6[40 + i] << 8 | ip6[40 + i + 1]);
    }

    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }

    return (uint16_t) ~sum;
}


Test(hx_ha_addr, na_is_an_unsolicited_override_advert)
{
    uint8_t  f[128], *ip6, *icmp;
    uint8_t  all_nodes[16] = {
        0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
    };
    uint8_t  mcast_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };

    cr_assert_eq(hx_ha_build_na(f, mac, vip6, 0), 86);

    cr_assert_arr_eq(f, mcast_mac, 6);
    cr_assert_arr_eq(f + 6, mac, 6);
    cr_assert_eq(f[12], 0x86);
    cr_assert_eq(f[13], 0xdd);

    ip6 = f + 14;
    cr_assert_eq(ip6[0], 0x60);
    cr_assert_eq(ip6[5], 32, "payload length");
    cr_assert_eq(ip6[6], 58, "next header ICMPv6");
    cr_assert_eq(ip6[7], 255, "RFC 4861 hop limit");
    cr_assert_arr_eq(ip6 + 8, vip6, 16);
    cr_assert_arr_eq(ip6 + 24, all_nodes, 16);

    icmp = ip6 + 40;
    cr_assert_eq(icmp[0], 136);
    cr_assert_eq(icmp[4], 0x20, "override, not solicited, not router");
    cr_assert_arr_eq(icmp + 8, vip6, 16);
    cr_assert_eq(icmp[24], 2, "target link-layer address option");
    cr_assert_eq(icmp[25], 1);
    cr_assert_arr_eq(icmp + 26, mac, 6);

    cr_assert_eq(icmp6_sum(ip6, 32), 0, "checksum");
}


Test(hx_ha_addr, na_of_a_router_sets_the_router_flag)
{
    uint8_t  f[128];

    hx_ha_build_na(f, mac, vip6, 1);

    cr_assert_eq(f[14 + 40 + 4], 0xa0);
    cr_assert_eq(icmp6_sum(f + 14, 32), 0);
}

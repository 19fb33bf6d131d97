/*
 * Tests for the lines of static_ipaddress, static_routes, static_rules,
 * virtual_routes and virtual_rules (ha/hx_ha_static.c, parsed through
 * ha/hx_ha_vrrp_module.c): what each option fills in, the defaults
 * (table main, scope link without a gateway), multipath "or" gateways,
 * and the refusals with their lines.  Putting them into the kernel is
 * tested in tests/ha/test_static.py (network namespaces).
 */

#define HX_HA_FIXTURE_NAME  "hx_ha_static_test"

#include "hx_ha_fixture.h"
#include <hx_ha_static.h>

#include <linux/rtnetlink.h>


TestSuite(hx_ha_static, .init = hx_ha_fixture_setup,
          .fini = hx_ha_fixture_teardown);


static hx_ha_vrrp_main_conf_t *
vmcf(void)
{
    hx_ha_vrrp_main_conf_t  *c;

    c = hx_ha_cycle_get_main_conf(&test_cycle, &hx_ha_vrrp_module);
    cr_assert_not_null(c);

    return c;
}


static hx_ha_route_t *
route(hx_array_t *a, hx_uint_t i)
{
    cr_assert_not_null(a);
    cr_assert_lt(i, a->nelts);

    return (hx_ha_route_t *) a->elts + i;
}


Test(hx_ha_static, route_options_fill_the_route)
{
    hx_ha_route_t  *rt;

    parse_ok("ha { static_routes {"
             " src 10.0.0.1 10.1.0.0/24 via 10.0.0.254 dev eth0 metric 5;"
             " 10.2.0.0/16 dev eth1 table 100;"
             " blackhole 10.3.0.0/16;"
             " default gw 10.0.0.254 table main;"
             " 10.4.0.0/24 via 10.0.0.1 or 10.0.0.2 or 10.0.0.3; } }\n");

    rt = route(vmcf()->static_routes, 0);
    cr_assert_eq(rt->dst.family, AF_INET);
    cr_assert_eq(rt->dst_len, 24);
    cr_assert_eq(rt->src.family, AF_INET);
    cr_assert_eq(rt->via.addr[3], 254);
    cr_assert_eq(rt->dev.len, 4);
    cr_assert_eq(rt->metric, 5);
    cr_assert_eq(rt->table, RT_TABLE_MAIN);
    cr_assert_eq(rt->scope, RT_SCOPE_UNIVERSE);
    cr_assert_eq(rt->type, RTN_UNICAST);

    /* no gateway: on the link */
    rt = route(vmcf()->static_routes, 1);
    cr_assert_eq(rt->scope, RT_SCOPE_LINK);
    cr_assert_eq(rt->table, 100);

    rt = route(vmcf()->static_routes, 2);
    cr_assert_eq(rt->type, RTN_BLACKHOLE);

    rt = route(vmcf()->static_routes, 3);
    cr_assert_eq(rt->dst_len, 0);
    cr_assert_eq(rt->dst.family, AF_INET);

    rt = route(vmcf()->static_routes, 4);
    cr_assert_eq(rt->nors, 2);
    cr_assert_eq(rt->ors[1].addr[3], 3);
}


Test(hx_ha_static, rules_and_addresses_are_read)
{
    hx_ha_rule_t  *ru;
    hx_ha_vip_t   *ip;

    parse_ok("ha { static_rules { from 10.0.0.0/8 table 10 priority 100;"
             " to 192.168.0.0/16 lookup 11; from all table main; }"
             " static_ipaddress { 10.9.0.1/24 dev eth0 scope link; } }\n");

    cr_assert_eq(vmcf()->static_rules->nelts, 3);
    ru = vmcf()->static_rules->elts;
    cr_assert_eq(ru[0].from_len, 8);
    cr_assert_eq(ru[0].table, 10);
    cr_assert_eq(ru[0].priority, 100);
    cr_assert_eq(ru[1].to_len, 16);
    cr_assert_eq(ru[1].table, 11);
    cr_assert_eq(ru[2].from.family, 0);
    cr_assert_eq(ru[2].family, AF_INET);

    ip = vmcf()->static_ips->elts;
    cr_assert_eq(ip[0].prefixlen, 24);
    cr_assert_eq(ip[0].scope, RT_SCOPE_LINK);
}


Test(hx_ha_static, an_instance_keeps_its_virtual_routes_and_rules)
{
    hx_ha_vrrp_conf_t  **vr;

    parse_ok("ha { vrrp_instance V { interface eth0; virtual_router_id 9;"
             " virtual_ipaddress { 10.0.0.100; }"
             " virtual_routes { 10.5.0.0/24 via 10.0.0.1; }"
             " virtual_rules { to 10.6.0.0/24 table 7; } } }\n");

    vr = vmcf()->instances.elts;
    cr_assert_eq(vr[0]->vroutes->nelts, 1);
    cr_assert_eq(vr[0]->vrules->nelts, 1);
}


static void
refused(const char *text, const char *what)
{
    cr_assert_eq(parse(text), HX_CONF_ERROR, "<<%s>> parsed", text);
    cr_assert(strstr(lines[nlines - 1].text, what), "%s",
              lines[nlines - 1].text);
    cr_assert(strstr(lines[nlines - 1].text, "main.conf:2"), "%s",
              lines[nlines - 1].text);
}


Test(hx_ha_static, bad_lines_are_refused_at_their_line)
{
    refused("ha { static_routes {\n10.1.0.0/24; } }\n",
            "the route needs a gateway (via) or an interface (dev)");
    refused("ha { static_routes {\n10.1.0.0/24 via fe80::1; } }\n",
            "the route mixes IPv4 and IPv6 addresses");
    refused("ha { static_routes {\n10.1.0.0/24 via 10.0.0.1 mtu 9; } }\n",
            "unknown route option \"mtu\"");
    refused("ha { static_routes {\n10.1.0.0/24 or 10.0.0.1; } }\n",
            "the route has \"or\" without gateways around it");
    refused("ha { static_rules {\nfrom 10.0.0.0/8; } }\n",
            "the rule needs a table");
    refused("ha { static_rules {\nto 192.168.100./24 table 1; } }\n",
            "invalid rule value \"192.168.100./24\"");
}

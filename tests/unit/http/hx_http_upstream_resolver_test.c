/*
 * Tests for http/hx_http_upstream_resolver.c: DNS queries as RFC 1035
 * lays them out, answers read with compressed names, CNAMEs passed over,
 * the smallest TTL kept, other ids and broken or truncated messages told
 * apart from a server's error, and the "resolver" directive.
 */

#include "hx_http_upstream_fixture.h"


TestSuite(http_upstream_resolver, .init = hxh_init);


Test(http_upstream_resolver, query_layout)
{
    size_t    n;
    uint8_t   buf[512];
    hx_str_t  name = hx_string("a.example");

    static const uint8_t  expect[] = {
        0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
        1, 'a', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
        0, 28, 0, 1
    };

    n = hx_http_upstream_dns_query(buf, sizeof(buf), &name, 0x1234, 28);

    cr_assert_eq(n, sizeof(expect));
    cr_assert_eq(memcmp(buf, expect, n), 0);
}


Test(http_upstream_resolver, query_refuses_bad_names)
{
    uint8_t   buf[512];
    hx_str_t  empty_label = hx_string("a..b");
    hx_str_t  long_label = hx_string(
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.x");
    hx_str_t  dot = hx_string("host.");

    cr_assert_eq(hx_http_upstream_dns_query(buf, sizeof(buf), &empty_label,
                                            1, 1), 0);
    cr_assert_eq(hx_http_upstream_dns_query(buf, sizeof(buf), &long_label,
                                            1, 1), 0);
    cr_assert_gt(hx_http_upstream_dns_query(buf, sizeof(buf), &dot, 1, 1), 0);
    cr_assert_eq(hx_http_upstream_dns_query(buf, 10, &dot, 1, 1), 0);
}


/* an answer to "a.b" with id 7: a CNAME, two A records (TTL 300, 60) */
static const uint8_t  hxd_answer[] = {
    0x00, 0x07, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0,
    1, 'a', 1, 'b', 0, 0, 1, 0, 1,
    0xc0, 0x0c, 0, 5, 0, 1, 0, 0, 0, 10, 0, 4, 1, 'c', 0xc0, 0x0e,
    0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 10, 0, 0, 1,
    0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 2
};


Test(http_upstream_resolver, answer_addresses_and_ttl)
{
    uint8_t      buf[sizeof(hxd_answer)];
    uint32_t     ttl;
    hx_int_t     rc;
    hx_addr_t   *a;
    hx_array_t   addrs;

    memcpy(buf, hxd_answer, sizeof(buf));

    cr_assert_eq(hx_array_init(&addrs, hxh_cycle.pool, 2, sizeof(hx_addr_t)),
                 HX_OK);

    ttl = 0xffffffff;
    rc = hx_http_upstream_dns_answer(buf, sizeof(buf), 7, 1, 8080,
                                     hxh_cycle.pool, &addrs, &ttl);

    cr_assert_eq(rc, HX_OK);
    cr_assert_eq(addrs.nelts, 2);
    cr_assert_eq(ttl, 60);

    a = addrs.elts;
    cr_assert_eq(a[0].name.len, strlen("10.0.0.1:8080"));
    cr_assert_eq(memcmp(a[0].name.data, "10.0.0.1:8080", a[0].name.len), 0);
    cr_assert_eq(memcmp(a[1].name.data, "10.0.0.2:8080", a[1].name.len), 0);
}


Test(http_upstream_resolver, answer_for_another_query_is_declined)
{
    uint8_t      buf[sizeof(hxd_answer)];
    uint32_t     ttl;
    hx_array_t   addrs;

    memcpy(buf, hxd_answer, sizeof(buf));
    cr_assert_eq(hx_array_init(&addrs, hxh_cycle.pool, 2, sizeof(hx_addr_t)),
                 HX_OK);

    ttl = 0xffffffff;
    cr_assert_eq(hx_http_upstream_dns_answer(buf, sizeof(buf), 8, 1, 80,
                                             hxh_cycle.pool, &addrs, &ttl),
                 HX_DECLINED);

    /* a query, not a response */
    buf[2] &= 0x7f;
    cr_assert_eq(hx_http_upstream_dns_answer(buf, sizeof(buf), 7, 1, 80,
                                             hxh_cycle.pool, &addrs, &ttl),
                 HX_DECLINED);
}


Test(http_upstream_resolver, server_errors_and_broken_messages)
{
    size_t       len;
    uint8_t      buf[sizeof(hxd_answer)];
    uint32_t     ttl;
    hx_array_t   addrs;

    cr_assert_eq(hx_array_init(&addrs, hxh_cycle.pool, 2, sizeof(hx_addr_t)),
                 HX_OK);
    ttl = 0xffffffff;

    /* NXDOMAIN */
    memcpy(buf, hxd_answer, sizeof(buf));
    buf[3] |= 3;
    cr_assert_eq(hx_http_upstream_dns_answer(buf, sizeof(buf), 7, 1, 80,
                                             hxh_cycle.pool, &addrs, &ttl), 3);

    /* cut in the middle of a record */
    memcpy(buf, hxd_answer, sizeof(buf));
    for (len = 12; len < sizeof(buf) - 1; len++) {
        if (len == 21) {
            continue;       /* just after the question: no answer yet */
        }

        addrs.nelts = 0;
        cr_assert_neq(hx_http_upstream_dns_answer(buf, len, 7, 1, 80,
                                                  hxh_cycle.pool, &addrs,
                                                  &ttl), 0,
                      "accepted %zu bytes", len);
    }

    /* truncated over UDP */
    memcpy(buf, hxd_answer, sizeof(buf));
    buf[2] |= 0x02;
    cr_assert_eq(hx_http_upstream_dns_answer(buf, sizeof(buf), 7, 1, 80,
                                             hxh_cycle.pool, &addrs, &ttl),
                 HX_ERROR);

    /* shorter than a header */
    cr_assert_eq(hx_http_upstream_dns_answer(buf, 5, 7, 1, 80,
                                             hxh_cycle.pool, &addrs, &ttl),
                 HX_ERROR);
}


Test(http_upstream_resolver, aaaa_answer)
{
    uint32_t     ttl;
    hx_array_t   addrs;
    hx_addr_t   *a;

    static uint8_t  buf[] = {
        0x00, 0x09, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
        1, 'a', 0, 0, 28, 0, 1,
        0xc0, 0x0c, 0, 28, 0, 1, 0, 0, 0, 5, 0, 16,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
    };

    cr_assert_eq(hx_array_init(&addrs, hxh_cycle.pool, 2, sizeof(hx_addr_t)),
                 HX_OK);

    ttl = 0xffffffff;
    cr_assert_eq(hx_http_upstream_dns_answer(buf, sizeof(buf), 9, 28, 81,
                                             hxh_cycle.pool, &addrs, &ttl),
                 HX_OK);

    cr_assert_eq(addrs.nelts, 1);
    a = addrs.elts;
    cr_assert_eq(a[0].sockaddr->sa_family, AF_INET6);
    cr_assert_eq(memcmp(a[0].name.data, "[::1]:81", a[0].name.len), 0);
    cr_assert_eq(ttl, 5);
}


Test(http_upstream_resolver, directive_parameters)
{
    hxh_parse_ok(HXU_HTTP("",
        "resolver 127.0.0.1 [::1]:5353 valid=30s ipv6=off;\n"
        "location / { proxy_pass http://$host; }"));
}


Test(http_upstream_resolver, directive_refuses_both_families_off)
{
    hxh_parse_fails(HXU_HTTP("",
        "location / { resolver 127.0.0.1 ipv4=off ipv6=off; "
        "proxy_pass http://$host; }"),
        "\"ipv4\" and \"ipv6\" cannot both be \"off\"");
}


Test(http_upstream_resolver, directive_needs_a_server)
{
    hxh_parse_fails(HXU_HTTP("",
        "location / { resolver valid=10s; proxy_pass http://$host; }"),
        "no name servers defined");
}

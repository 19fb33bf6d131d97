/*
 * Tests of address parsing and printing: IPv4 and every IPv6 text form,
 * RFC 5952 output, CIDR masks and matching, and hx_parse_url() over the
 * shapes "listen", "server" and "proxy_pass" give it, errors included.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <criterion/criterion.h>


static hx_pool_t  *pool;


static void
setup(void)
{
    pool = hx_create_pool(4096, NULL);
    cr_assert(pool != NULL);
}


static void
teardown(void)
{
    hx_destroy_pool(pool);
}


TestSuite(hx_inet, .init = setup, .fini = teardown);


static hx_int_t
url(hx_url_t *u, const char *text, hx_uint_t listen, hx_uint_t uri_part)
{
    hx_memzero(u, sizeof(hx_url_t));
    u->url.data = (uint8_t *) text;
    u->url.len = strlen(text);
    u->listen = listen;
    u->uri_part = uri_part;
    u->default_port = 80;

    return hx_parse_url(pool, u);
}


static void
assert_str(hx_str_t *s, const char *want)
{
    cr_assert(s->len == strlen(want) && memcmp(s->data, want, s->len) == 0,
              "got \"%.*s\", want \"%s\"", (int) s->len, s->data, want);
}


static void
url_fails(const char *text, hx_uint_t listen, hx_uint_t uri_part,
    const char *err)
{
    hx_url_t  u;

    cr_assert_eq(url(&u, text, listen, uri_part), HX_ERROR, "%s", text);
    cr_assert(u.err != NULL, "%s", text);
    cr_assert_str_eq(u.err, err, "%s", text);
}


static hx_int_t
v6(const char *text, uint8_t *addr)
{
    return hx_inet6_addr((uint8_t *) text, strlen(text), addr);
}


static void
ntop_is(const char *in, const char *want)
{
    uint8_t  a[16], text[HX_INET6_ADDRSTRLEN];
    size_t   n;

    cr_assert_eq(inet_pton(AF_INET6, in, a), 1);
    n = hx_inet6_ntop(a, text, sizeof(text));
    cr_assert(n == strlen(want) && memcmp(text, want, n) == 0,
              "%s printed as \"%.*s\", want \"%s\"", in, (int) n, text,
              want);
}


Test(hx_inet, inet_addr_parses_dotted_quads)
{
    cr_assert_eq(hx_inet_addr((uint8_t *) "127.0.0.1", 9), htonl(0x7f000001));
    cr_assert_eq(hx_inet_addr((uint8_t *) "010.000.0.255", 13),
                 htonl(0x0a0000ff));
    cr_assert_eq(hx_inet_addr((uint8_t *) "0.0.0.0", 7), INADDR_ANY);
    /* only len bytes are read */
    cr_assert_eq(hx_inet_addr((uint8_t *) "1.2.3.4:80", 7),
                 htonl(0x01020304));
}


Test(hx_inet, inet_addr_rejects_other_text)
{
    static const char  *bad[] = {
        "", "1", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.1000", "1..2.3",
        ".1.2.3", "1.2.3.", "a.b.c.d", "1.2.3.4 ", " 1.2.3.4", "1.2.3.-4",
        "4294967297.0.0.1",
    };

    hx_uint_t  i;

    for (i = 0; i < hx_nelems(bad); i++) {
        cr_assert_eq(hx_inet_addr((uint8_t *) bad[i], strlen(bad[i])),
                     INADDR_NONE, "accepted \"%s\"", bad[i]);
    }
}


Test(hx_inet, inet6_addr_accepts_every_rfc4291_form)
{
    static const char  *good[] = {
        "::", "::1", "1::", "2001:db8::1", "2001:DB8::ABCD:1",
        "1:2:3:4:5:6:7:8", "0001:0002:0003:0004:0005:0006:0007:0008",
        "1::8", "1:2::7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
        "::ffff:1.2.3.4", "::1.2.3.4", "64:ff9b::192.0.2.33",
        "1:2:3:4:5:6:1.2.3.4", "1::5:6:255.255.255.255", "fe80::1",
    };

    uint8_t    a[16], b[16];
    hx_uint_t  i;

    for (i = 0; i < hx_nelems(good); i++) {
        memset(a, 0x5a, sizeof(a));
        cr_assert_eq(v6(good[i], a), HX_OK, "refused \"%s\"", good[i]);
        cr_assert_eq(inet_pton(AF_INET6, good[i], b), 1);
        cr_assert(memcmp(a, b, 16) == 0, "wrong value for \"%s\"", good[i]);
    }
}


Test(hx_inet, inet6_addr_rejects_malformed_text)
{
    static const char  *bad[] = {
        "", ":", ":::", "1:::2", "1::2::3", "12345::", "::12345",
        "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1::2:3:4:5:6:7:8",
        "::1.2.3", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3.4:5", "g::1", "1:",
        ":1", "[::1]", "::1 ", "1.2.3.4", "::ffff:1.2.3.256", "1:2:3:4:5:6:7:",
    };

    uint8_t    a[16];
    hx_uint_t  i;

    for (i = 0; i < hx_nelems(bad); i++) {
        cr_assert_eq(v6(bad[i], a), HX_ERROR, "accepted \"%s\"", bad[i]);
    }
}


Test(hx_inet, inet6_ntop_compresses_as_rfc5952_says)
{
    ntop_is("::", "::");
    ntop_is("::1", "::1");
    ntop_is("1::", "1::");
    ntop_is("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1");
    ntop_is("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
    ntop_is("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
    ntop_is("1:0:0:2:0:0:0:3", "1:0:0:2::3");
    ntop_is("0:0:1:0:0:1:0:0", "::1:0:0:1:0:0");
    ntop_is("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8");
    ntop_is("fe80::abcd:ef01", "fe80::abcd:ef01");
    ntop_is("::ffff:192.0.2.1", "::ffff:192.0.2.1");
    ntop_is("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}


Test(hx_inet, inet6_ntop_round_trips_and_truncates)
{
    uint8_t    a[16], b[16], text[HX_INET6_ADDRSTRLEN];
    size_t     n;
    hx_uint_t  i, j;

    srandom(42);

    for (i = 0; i < 20000; i++) {
        for (j = 0; j < 16; j++) {
            /* plenty of zero groups so compression is exercised */
            a[j] = (random() % 3 == 0) ? (uint8_t) random() : 0;
        }

        n = hx_inet6_ntop(a, text, sizeof(text));
        cr_assert(n > 0 && n <= HX_INET6_ADDRSTRLEN);
        cr_assert_eq(hx_inet6_addr(text, n, b), HX_OK, "%.*s", (int) n, text);
        cr_assert(memcmp(a, b, 16) == 0, "%.*s", (int) n, text);
    }

    cr_assert_eq(inet_pton(AF_INET6, "2001:db8::1", a), 1);
    cr_assert_eq(hx_inet6_ntop(a, text, 4), 4);
    cr_assert(memcmp(text, "2001", 4) == 0);
}


Test(hx_inet, sock_ntop_prints_every_family)
{
    uint8_t               text[HX_SOCKADDR_STRLEN];
    size_t                n;
    struct sockaddr_in    sin;
    struct sockaddr_in6   sin6;
    struct sockaddr_un    saun;

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(80);
    sin.sin_addr.s_addr = htonl(0x01020304);

    n = hx_sock_ntop((struct sockaddr *) &sin, sizeof(sin), text,
                     sizeof(text), 1);
    cr_assert(n == 10 && memcmp(text, "1.2.3.4:80", n) == 0);
    n = hx_sock_ntop((struct sockaddr *) &sin, sizeof(sin), text,
                     sizeof(text), 0);
    cr_assert(n == 7 && memcmp(text, "1.2.3.4", n) == 0);

    memset(&sin6, 0, sizeof(sin6));
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(8080);
    sin6.sin6_addr.s6_addr[15] = 1;

    n = hx_sock_ntop((struct sockaddr *) &sin6, sizeof(sin6), text,
                     sizeof(text), 1);
    cr_assert(n == 10 && memcmp(text, "[::1]:8080", n) == 0);
    n = hx_sock_ntop((struct sockaddr *) &sin6, sizeof(sin6), text,
                     sizeof(text), 0);
    cr_assert(n == 3 && memcmp(text, "::1", n) == 0);

    memset(&saun, 0, sizeof(saun));
    saun.sun_family = AF_UNIX;
    strcpy(saun.sun_path, "/run/hanx.sock");

    n = hx_sock_ntop((struct sockaddr *) &saun, sizeof(saun), text,
                     sizeof(text), 1);
    cr_assert(n == 19 && memcmp(text, "unix:/run/hanx.sock", n) == 0);

    memcpy(saun.sun_path, "\0abstract", 9);
    n = hx_sock_ntop((struct sockaddr *) &saun,
                     offsetof(struct sockaddr_un, sun_path) + 9, text,
                     sizeof(text), 1);
    cr_assert(n == 14 && memcmp(text, "unix:@abstract", n) == 0);

    /* truncation at len */
    n = hx_sock_ntop((struct sockaddr *) &sin, sizeof(sin), text, 5, 1);
    cr_assert(n == 5 && memcmp(text, "1.2.3", n) == 0);

    n = hx_inet_ntop(AF_INET, &sin.sin_addr, text, sizeof(text));
    cr_assert(n == 7 && memcmp(text, "1.2.3.4", n) == 0);
    n = hx_inet_ntop(AF_INET6, &sin6.sin6_addr, text, sizeof(text));
    cr_assert(n == 3 && memcmp(text, "::1", n) == 0);
    cr_assert_eq(hx_inet_ntop(AF_UNIX, &sin6.sin6_addr, text, 64), 0);
}


Test(hx_inet, ptocidr_parses_masks_and_flags_host_bits)
{
    hx_cidr_t  c;
    hx_str_t   s;
    uint8_t    a[16];

    hx_str_set(&s, "10.0.0.0/8");
    cr_assert_eq(hx_ptocidr(&s, &c), HX_OK);
    cr_assert_eq(c.family, AF_INET);
    cr_assert_eq(c.u.in.addr, htonl(0x0a000000));
    cr_assert_eq(c.u.in.mask, htonl(0xff000000));

    hx_str_set(&s, "10.1.2.3/8");
    cr_assert_eq(hx_ptocidr(&s, &c), HX_DONE);
    cr_assert_eq(c.u.in.addr, htonl(0x0a000000));

    hx_str_set(&s, "192.168.1.7");
    cr_assert_eq(hx_ptocidr(&s, &c), HX_OK);
    cr_assert_eq(c.u.in.mask, 0xffffffff);

    hx_str_set(&s, "10.0.0.0/0");
    cr_assert_eq(hx_ptocidr(&s, &c), HX_DONE);
    cr_assert_eq(c.u.in.mask, 0);
    cr_assert_eq(c.u.in.addr, 0);

    hx_str_set(&s, "2001:db8::/32");
    cr_assert_eq(hx_ptocidr(&s, &c), HX_OK);
    cr_assert_eq(c.family, AF_INET6);
    cr_assert_eq(inet_pton(AF_INET6, "ffff:ffff::", a), 1);
    cr_assert(memcmp(c.u.in6.mask.s6_addr, a, 16) == 0);

    hx_str_set(&s, "2001:db8::1/33");
    cr_assert_eq(hx_ptocidr(&s, &c), HX_DONE);
    cr_assert_eq(inet_pton(AF_INET6, "2001:db8::", a), 1);
    cr_assert(memcmp(c.u.in6.addr.s6_addr, a, 16) == 0);
    cr_assert_eq(c.u.in6.mask.s6_addr[4], 0x80);

    hx_str_set(&s, "::1");
    cr_assert_eq(hx_ptocidr(&s, &c), HX_OK);
    cr_assert_eq(c.u.in6.mask.s6_addr[15], 0xff);

    hx_str_set(&s, "all");
    cr_assert_eq(hx_ptocidr(&s, &c), HX_OK);
    cr_assert_eq(c.family, AF_UNSPEC);
}


Test(hx_inet, ptocidr_rejects_bad_text)
{
    static const char  *bad[] = {
        "10.0.0.0/33", "::/129", "foo", "10.0.0.0/", "10.0.0.0/x",
        "10.0.0/8", "/8", "", "al", "10.0.0.0/-1", "2001:db8::/32/1",
    };

    hx_cidr_t  c;
    hx_str_t   s;
    hx_uint_t  i;

    for (i = 0; i < hx_nelems(bad); i++) {
        s.data = (uint8_t *) bad[i];
        s.len = strlen(bad[i]);
        cr_assert_eq(hx_ptocidr(&s, &c), HX_ERROR, "accepted \"%s\"", bad[i]);
    }
}


static hx_int_t
match(hx_array_t *a, const char *addr)
{
    hx_sockaddr_t  sa;

    memset(&sa, 0, sizeof(sa));

    if (inet_pton(AF_INET, addr, &sa.sockaddr_in.sin_addr) == 1) {
        sa.sockaddr.sa_family = AF_INET;

    } else {
        cr_assert_eq(inet_pton(AF_INET6, addr, &sa.sockaddr_in6.sin6_addr),
                     1);
        sa.sockaddr.sa_family = AF_INET6;
    }

    return hx_cidr_match(&sa.sockaddr, a);
}


static void
push_cidr(hx_array_t *a, const char *text)
{
    hx_cidr_t  *c;
    hx_str_t    s;

    c = hx_array_push(a);
    s.data = (uint8_t *) text;
    s.len = strlen(text);
    cr_assert(hx_ptocidr(&s, c) != HX_ERROR);
}


Test(hx_inet, cidr_match_checks_family_and_mask)
{
    hx_array_t          *a;
    struct sockaddr_un   saun;

    a = hx_array_create(pool, 4, sizeof(hx_cidr_t));
    push_cidr(a, "10.0.0.0/8");
    push_cidr(a, "192.168.1.1");
    push_cidr(a, "2001:db8::/32");

    cr_assert_eq(match(a, "10.1.2.3"), HX_OK);
    cr_assert_eq(match(a, "192.168.1.1"), HX_OK);
    cr_assert_eq(match(a, "192.168.1.2"), HX_DECLINED);
    cr_assert_eq(match(a, "11.0.0.1"), HX_DECLINED);
    cr_assert_eq(match(a, "::ffff:10.9.9.9"), HX_OK);
    cr_assert_eq(match(a, "::ffff:11.9.9.9"), HX_DECLINED);
    cr_assert_eq(match(a, "2001:db8:ffff::5"), HX_OK);
    cr_assert_eq(match(a, "2001:db9::"), HX_DECLINED);
    cr_assert_eq(match(a, "::10.1.2.3"), HX_DECLINED);

    memset(&saun, 0, sizeof(saun));
    saun.sun_family = AF_UNIX;
    cr_assert_eq(hx_cidr_match((struct sockaddr *) &saun, a), HX_DECLINED);

    push_cidr(a, "all");
    cr_assert_eq(match(a, "11.0.0.1"), HX_OK);
    cr_assert_eq(match(a, "2001:db9::"), HX_OK);
    cr_assert_eq(hx_cidr_match((struct sockaddr *) &saun, a), HX_OK);
}


Test(hx_inet, parse_addr_and_addr_port)
{
    hx_addr_t  a;

    cr_assert_eq(hx_parse_addr(pool, &a, (uint8_t *) "10.0.0.1", 8), HX_OK);
    cr_assert_eq(a.sockaddr->sa_family, AF_INET);
    cr_assert_eq(a.socklen, sizeof(struct sockaddr_in));
    cr_assert_eq(hx_inet_get_port(a.sockaddr), 0);

    cr_assert_eq(hx_parse_addr(pool, &a, (uint8_t *) "fe80::1", 7), HX_OK);
    cr_assert_eq(a.sockaddr->sa_family, AF_INET6);
    cr_assert_eq(hx_parse_addr(pool, &a, (uint8_t *) "example.com", 11),
                 HX_DECLINED);
    cr_assert_eq(hx_parse_addr(pool, &a, (uint8_t *) "10.0.0.1:80", 11),
                 HX_DECLINED);

    cr_assert_eq(hx_parse_addr_port(pool, &a, (uint8_t *) "10.0.0.1:80", 11),
                 HX_OK);
    cr_assert_eq(a.sockaddr->sa_family, AF_INET);
    cr_assert_eq(hx_inet_get_port(a.sockaddr), 80);
    assert_str(&a.name, "10.0.0.1:80");

    cr_assert_eq(hx_parse_addr_port(pool, &a, (uint8_t *) "[::1]:443", 9),
                 HX_OK);
    cr_assert_eq(a.sockaddr->sa_family, AF_INET6);
    cr_assert_eq(hx_inet_get_port(a.sockaddr), 443);

    cr_assert_eq(hx_parse_addr_port(pool, &a, (uint8_t *) "[::1]", 5), HX_OK);
    cr_assert_eq(hx_inet_get_port(a.sockaddr), 0);
    cr_assert_eq(hx_parse_addr_port(pool, &a, (uint8_t *) "::1", 3), HX_OK);
    cr_assert_eq(hx_parse_addr_port(pool, &a, (uint8_t *) "1.2.3.4", 7),
                 HX_OK);

    cr_assert_eq(hx_parse_addr_port(pool, &a, (uint8_t *) "1.2.3.4:0", 9),
                 HX_DECLINED);
    cr_assert_eq(hx_parse_addr_port(pool, &a, (uint8_t *) "1.2.3.4:", 8),
                 HX_DECLINED);
    cr_assert_eq(hx_parse_addr_port(pool, &a, (uint8_t *) "[::1]80", 7),
                 HX_DECLINED);
    cr_assert_eq(hx_parse_addr_port(pool, &a, (uint8_t *) "[1.2.3.4]:80",
                                    12), HX_DECLINED);
    cr_assert_eq(hx_parse_addr_port(pool, &a, (uint8_t *) "host:80", 7),
                 HX_DECLINED);
}


Test(hx_inet, parse_url_ipv4_with_port)
{
    hx_url_t  u;

    cr_assert_eq(url(&u, "127.0.0.1:8080", 0, 0), HX_OK);
    assert_str(&u.host, "127.0.0.1");
    assert_str(&u.port_text, "8080");
    cr_assert_eq(u.port, 8080);
    cr_assert_eq(u.no_port, 0);
    cr_assert_eq(u.wildcard, 0);
    cr_assert_eq(u.family, AF_INET);
    cr_assert_eq(u.socklen, sizeof(struct sockaddr_in));
    cr_assert_eq(u.sockaddr.sockaddr_in.sin_port, htons(8080));
    cr_assert_eq(u.sockaddr.sockaddr_in.sin_addr.s_addr, htonl(0x7f000001));
    cr_assert_eq(u.naddrs, 1);
    assert_str(&u.addrs[0].name, "127.0.0.1:8080");
    cr_assert_eq(hx_inet_get_port(u.addrs[0].sockaddr), 8080);
}


Test(hx_inet, parse_url_without_port_takes_the_default)
{
    hx_url_t  u;

    cr_assert_eq(url(&u, "10.0.0.1", 0, 0), HX_OK);
    cr_assert_eq(u.no_port, 1);
    cr_assert_eq(u.port, 80);
    cr_assert_eq(u.naddrs, 1);
    assert_str(&u.addrs[0].name, "10.0.0.1:80");

    cr_assert_eq(url(&u, "[::1]", 0, 0), HX_OK);
    cr_assert_eq(u.no_port, 1);
    cr_assert_eq(u.port, 80);
    assert_str(&u.addrs[0].name, "[::1]:80");
}


Test(hx_inet, parse_url_ipv6)
{
    hx_url_t  u;

    cr_assert_eq(url(&u, "[::1]:8443", 0, 0), HX_OK);
    assert_str(&u.host, "[::1]");
    cr_assert_eq(u.port, 8443);
    cr_assert_eq(u.family, AF_INET6);
    cr_assert_eq(u.socklen, sizeof(struct sockaddr_in6));
    cr_assert(IN6_IS_ADDR_LOOPBACK(&u.sockaddr.sockaddr_in6.sin6_addr));
    cr_assert_eq(u.naddrs, 1);
    assert_str(&u.addrs[0].name, "[::1]:8443");

    cr_assert_eq(url(&u, "[::]:80", 1, 0), HX_OK);
    cr_assert_eq(u.wildcard, 1);

    cr_assert_eq(url(&u, "[2001:DB8::1]:80/x", 0, 1), HX_OK);
    assert_str(&u.uri, "/x");
    assert_str(&u.addrs[0].name, "[2001:db8::1]:80");
}


Test(hx_inet, parse_url_listen_forms)
{
    hx_url_t  u;

    cr_assert_eq(url(&u, "8080", 1, 0), HX_OK);
    cr_assert_eq(u.port, 8080);
    cr_assert_eq(u.wildcard, 1);
    cr_assert_eq(u.no_port, 0);
    cr_assert_eq(u.naddrs, 1);
    assert_str(&u.addrs[0].name, "0.0.0.0:8080");

    cr_assert_eq(url(&u, "*:80", 1, 0), HX_OK);
    cr_assert_eq(u.wildcard, 1);
    assert_str(&u.host, "*");
    assert_str(&u.addrs[0].name, "0.0.0.0:80");

    cr_assert_eq(url(&u, "0.0.0.0:81", 1, 0), HX_OK);
    cr_assert_eq(u.wildcard, 1);

    cr_assert_eq(url(&u, "127.0.0.1:80", 1, 0), HX_OK);
    cr_assert_eq(u.wildcard, 0);

    /* "80" is a host name unless it is a listen */
    hx_memzero(&u, sizeof(u));
    hx_str_set(&u.url, "80");
    u.no_resolve = 1;
    cr_assert_eq(hx_parse_url(pool, &u), HX_OK);
    cr_assert_eq(u.no_port, 1);
    assert_str(&u.host, "80");

    /* and "*" is a wildcard only for listen */
    cr_assert_eq(url(&u, "*:80", 0, 0), HX_ERROR);
}


Test(hx_inet, parse_url_listen_port_ranges)
{
    hx_url_t   u;
    hx_uint_t  i;

    cr_assert_eq(url(&u, "8000-8002", 1, 0), HX_OK);
    cr_assert_eq(u.port, 8000);
    cr_assert_eq(u.last_port, 8002);
    cr_assert_eq(u.naddrs, 3);
    assert_str(&u.port_text, "8000-8002");

    for (i = 0; i < 3; i++) {
        cr_assert_eq(hx_inet_get_port(u.addrs[i].sockaddr), 8000 + i);
    }

    assert_str(&u.addrs[2].name, "0.0.0.0:8002");

    cr_assert_eq(url(&u, "127.0.0.1:9000-9001", 1, 0), HX_OK);
    cr_assert_eq(u.naddrs, 2);
    assert_str(&u.addrs[1].name, "127.0.0.1:9001");

    cr_assert_eq(url(&u, "[::1]:9000-9001", 1, 0), HX_OK);
    cr_assert_eq(u.naddrs, 2);
    assert_str(&u.addrs[1].name, "[::1]:9001");

    cr_assert_eq(url(&u, "7000-7000", 1, 0), HX_OK);
    cr_assert_eq(u.naddrs, 1);

    /* without a range last_port stays 0 */
    cr_assert_eq(url(&u, "127.0.0.1:9000", 1, 0), HX_OK);
    cr_assert_eq(u.last_port, 0);

    url_fails("9001-9000", 1, 0, "invalid port range");
    url_fails("127.0.0.1:9001-9000", 1, 0, "invalid port range");
    url_fails("8000-70000", 1, 0, "invalid port");
    url_fails("127.0.0.1:8000-8001", 0, 0, "invalid port");
    url_fails("[::1]:8000-8001", 0, 0, "invalid port");
}


Test(hx_inet, parse_url_unix_sockets)
{
    hx_url_t  u;
    char      path[200];

    cr_assert_eq(url(&u, "unix:/run/hanx.sock", 0, 0), HX_OK);
    cr_assert_eq(u.family, AF_UNIX);
    assert_str(&u.host, "/run/hanx.sock");
    cr_assert_str_eq(u.sockaddr.sockaddr_un.sun_path, "/run/hanx.sock");
    cr_assert_eq(u.naddrs, 1);
    cr_assert_eq(u.addrs[0].sockaddr->sa_family, AF_UNIX);
    assert_str(&u.addrs[0].name, "unix:/run/hanx.sock");

    cr_assert_eq(url(&u, "UNIX:/run/b.sock:/path", 0, 1), HX_OK);
    assert_str(&u.host, "/run/b.sock");
    assert_str(&u.uri, "/path");
    assert_str(&u.addrs[0].name, "UNIX:/run/b.sock");

    url_fails("unix:", 0, 0, "no path in the unix domain socket");
    url_fails("unix::/uri", 0, 1, "no path in the unix domain socket");

    memset(path, 'a', sizeof(path));
    memcpy(path, "unix:/", 6);
    path[5 + sizeof(u.sockaddr.sockaddr_un.sun_path)] = '\0';
    url_fails(path, 0, 0, "too long path in the unix domain socket");
    path[4 + sizeof(u.sockaddr.sockaddr_un.sun_path)] = '\0';
    cr_assert_eq(url(&u, path, 0, 0), HX_OK);
}


Test(hx_inet, parse_url_uri_part)
{
    hx_url_t  u;

    cr_assert_eq(url(&u, "127.0.0.1:81/some/path?a=1", 0, 1), HX_OK);
    cr_assert_eq(u.port, 81);
    assert_str(&u.uri, "/some/path?a=1");
    assert_str(&u.host, "127.0.0.1");

    cr_assert_eq(url(&u, "127.0.0.1/p:x", 0, 1), HX_OK);
    cr_assert_eq(u.no_port, 1);
    cr_assert_eq(u.port, 80);
    assert_str(&u.uri, "/p:x");

    cr_assert_eq(url(&u, "127.0.0.1?q", 0, 1), HX_OK);
    assert_str(&u.uri, "?q");

    url_fails("127.0.0.1:80/path", 0, 0, "invalid host");
    url_fails("127.0.0.1:80/path", 1, 1, "invalid host");
    url_fails("[::1]:80/path", 0, 0, "invalid host");
}


Test(hx_inet, parse_url_errors)
{
    char  big[] = "127.0.0.1:99999999999999999999999";

    url_fails("127.0.0.1:0", 0, 0, "invalid port");
    url_fails("127.0.0.1:65536", 0, 0, "invalid port");
    url_fails("127.0.0.1:", 0, 0, "invalid port");
    url_fails("127.0.0.1:http", 0, 0, "invalid port");
    url_fails(big, 0, 0, "invalid port");
    url_fails("0", 1, 0, "invalid port");
    url_fails("65536", 1, 0, "invalid port");
    url_fails("[::1]:0", 0, 0, "invalid port");
    url_fails(":80", 0, 0, "no host");
    url_fails("", 0, 0, "no host");
    url_fails("[]:80", 0, 0, "no host");
    url_fails("[::1", 0, 0, "invalid host");
    url_fails("[::1]x", 0, 0, "invalid host");
    url_fails("[::g]:80", 0, 0, "invalid IPv6 address");
    url_fails("[1.2.3.4]:80", 0, 0, "invalid IPv6 address");
    url_fails("no-such-host.invalid:80", 0, 0, "host not found");
}


Test(hx_inet, parse_url_resolves_names_to_every_address)
{
    hx_url_t   u;
    hx_uint_t  i;

    cr_assert_eq(url(&u, "localhost:8081", 0, 0), HX_OK);
    assert_str(&u.host, "localhost");
    cr_assert_eq(u.port, 8081);
    cr_assert(u.naddrs >= 1);

    for (i = 0; i < u.naddrs; i++) {
        cr_assert_eq(hx_inet_get_port(u.addrs[i].sockaddr), 8081);
        cr_assert(u.addrs[i].name.len > 5);
    }

    cr_assert_eq(u.family, u.addrs[0].sockaddr->sa_family);
    cr_assert_eq(hx_cmp_sockaddr(&u.sockaddr.sockaddr, u.socklen,
                                 u.addrs[0].sockaddr, u.addrs[0].socklen, 1),
                 HX_OK);
}


Test(hx_inet, parse_url_no_resolve_keeps_the_name)
{
    hx_url_t  u;

    hx_memzero(&u, sizeof(u));
    hx_str_set(&u.url, "backend");
    u.no_resolve = 1;

    cr_assert_eq(hx_parse_url(pool, &u), HX_OK);
    assert_str(&u.host, "backend");
    cr_assert_eq(u.no_port, 1);
    cr_assert_eq(u.naddrs, 0);
    cr_assert_eq(u.addrs, NULL);

    /* an address is still parsed */
    hx_str_set(&u.url, "10.0.0.1:80");
    u.no_port = 0;
    cr_assert_eq(hx_parse_url(pool, &u), HX_OK);
    cr_assert_eq(u.naddrs, 1);
}


Test(hx_inet, cmp_sockaddr_compares_address_and_optionally_port)
{
    hx_addr_t            a, b;
    struct sockaddr_un   u1, u2;

    hx_parse_addr_port(pool, &a, (uint8_t *) "10.0.0.1:80", 11);
    hx_parse_addr_port(pool, &b, (uint8_t *) "10.0.0.1:81", 11);
    cr_assert_eq(hx_cmp_sockaddr(a.sockaddr, a.socklen, b.sockaddr,
                                 b.socklen, 0), HX_OK);
    cr_assert_eq(hx_cmp_sockaddr(a.sockaddr, a.socklen, b.sockaddr,
                                 b.socklen, 1), HX_DECLINED);

    hx_parse_addr_port(pool, &b, (uint8_t *) "10.0.0.2:80", 11);
    cr_assert_eq(hx_cmp_sockaddr(a.sockaddr, a.socklen, b.sockaddr,
                                 b.socklen, 0), HX_DECLINED);

    hx_parse_addr_port(pool, &b, (uint8_t *) "[::ffff:10.0.0.1]:80", 20);
    cr_assert_eq(hx_cmp_sockaddr(a.sockaddr, a.socklen, b.sockaddr,
                                 b.socklen, 1), HX_DECLINED);

    hx_parse_addr_port(pool, &a, (uint8_t *) "[::ffff:10.0.0.1]:81", 20);
    cr_assert_eq(hx_cmp_sockaddr(a.sockaddr, a.socklen, b.sockaddr,
                                 b.socklen, 0), HX_OK);
    cr_assert_eq(hx_cmp_sockaddr(a.sockaddr, a.socklen, b.sockaddr,
                                 b.socklen, 1), HX_DECLINED);

    memset(&u1, 0, sizeof(u1));
    memset(&u2, 0x55, sizeof(u2));
    u1.sun_family = u2.sun_family = AF_UNIX;
    strcpy(u1.sun_path, "/run/a.sock");
    strcpy(u2.sun_path, "/run/a.sock");

    cr_assert_eq(hx_cmp_sockaddr((struct sockaddr *) &u1, sizeof(u1),
                                 (struct sockaddr *) &u2,
                                 offsetof(struct sockaddr_un, sun_path) + 12,
                                 1), HX_OK);

    strcpy(u2.sun_path, "/run/a.sockx");
    cr_assert_eq(hx_cmp_sockaddr((struct sockaddr *) &u1, sizeof(u1),
                                 (struct sockaddr *) &u2, sizeof(u2), 1),
                 HX_DECLINED);
}


Test(hx_inet, ports_and_wildcards)
{
    hx_addr_t            a;
    struct sockaddr_un   saun;

    hx_parse_addr(pool, &a, (uint8_t *) "0.0.0.0", 7);
    cr_assert_eq(hx_inet_wildcard(a.sockaddr), 1);
    hx_inet_set_port(a.sockaddr, 443);
    cr_assert_eq(hx_inet_get_port(a.sockaddr), 443);
    cr_assert_eq(((struct sockaddr_in *) a.sockaddr)->sin_port, htons(443));

    hx_parse_addr(pool, &a, (uint8_t *) "::", 2);
    cr_assert_eq(hx_inet_wildcard(a.sockaddr), 1);
    hx_inet_set_port(a.sockaddr, 8443);
    cr_assert_eq(hx_inet_get_port(a.sockaddr), 8443);

    hx_parse_addr(pool, &a, (uint8_t *) "::1", 3);
    cr_assert_eq(hx_inet_wildcard(a.sockaddr), 0);

    memset(&saun, 0, sizeof(saun));
    saun.sun_family = AF_UNIX;
    hx_inet_set_port((struct sockaddr *) &saun, 80);
    cr_assert_eq(hx_inet_get_port((struct sockaddr *) &saun), 0);
    cr_assert_eq(hx_inet_wildcard((struct sockaddr *) &saun), 0);
}

/*
 * Tests of the PROXY protocol reader and writer: version 1 lines with
 * every address family, version 2 headers built byte by byte (with and
 * without TLVs), headers cut at every byte (which must ask for more,
 * never fail nor succeed early), malformed input of each kind, the TLV
 * lookup by name, and the v1 writer read back by the reader.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_proxy_protocol.h>

#include <criterion/criterion.h>


static hx_pool_t  *pool;
static hx_log_t    log_;
static char        logged[4096];


static void
capture(hx_log_t *log, hx_uint_t level, uint8_t *buf, size_t len)
{
    size_t  have;

    (void) log;
    (void) level;

    have = strlen(logged);
    len = hx_min(len, sizeof(logged) - 1 - have);
    memcpy(logged + have, buf, len);
    logged[have + len] = '\0';
}


static void
setup(void)
{
    hx_time_init();

    hx_memzero(&log_, sizeof(hx_log_t));
    log_.log_level = HX_LOG_INFO;
    log_.writer = capture;
    logged[0] = '\0';

    pool = hx_create_pool(4096, &log_);
    cr_assert(pool != NULL);
}


static void
teardown(void)
{
    hx_destroy_pool(pool);
}


TestSuite(hx_proxy_protocol, .init = setup, .fini = teardown);


static hx_int_t
parse(const void *data, size_t len, size_t *used, hx_proxy_protocol_t **pp)
{
    uint8_t   *buf, *end;
    hx_int_t   rc;

    /* a copy of exactly len bytes, so reading past them is caught */

    buf = hx_pnalloc(pool, len ? len : 1);
    cr_assert(buf != NULL);
    memcpy(buf, data, len);

    end = NULL;
    rc = hx_proxy_protocol_read(pool, &log_, buf, buf + len, &end, pp);

    if (rc == HX_OK) {
        *used = end - buf;
    }

    return rc;
}


static void
assert_str(hx_str_t *s, const char *want)
{
    cr_assert(s->len == strlen(want) && memcmp(s->data, want, s->len) == 0,
              "got \"%.*s\", want \"%s\"", (int) s->len, s->data, want);
}


Test(hx_proxy_protocol, v1_tcp4_gives_addresses_and_header_length)
{
    size_t                used;
    hx_proxy_protocol_t  *pp;
    const char           *h = "PROXY TCP4 192.0.2.1 192.0.2.2 1234 5678\r\n";
    char                  buf[128];

    snprintf(buf, sizeof(buf), "%sdata after", h);

    cr_assert_eq(parse(buf, strlen(buf), &used, &pp), HX_OK);
    cr_assert_eq(used, strlen(h));
    cr_assert(pp != NULL);
    assert_str(&pp->src_addr, "192.0.2.1");
    assert_str(&pp->dst_addr, "192.0.2.2");
    cr_assert_eq(pp->src_port, 1234);
    cr_assert_eq(pp->dst_port, 5678);
    cr_assert_eq(pp->tlvs.len, 0);
}


Test(hx_proxy_protocol, v1_tcp6_keeps_the_address_as_written)
{
    size_t                used;
    hx_proxy_protocol_t  *pp;
    const char           *h =
        "PROXY TCP6 2001:Db8::1 2001:Db8::2 123 5678\r\n";

    cr_assert_eq(parse(h, strlen(h), &used, &pp), HX_OK);
    cr_assert_eq(used, strlen(h));
    assert_str(&pp->src_addr, "2001:Db8::1");
    assert_str(&pp->dst_addr, "2001:Db8::2");
    cr_assert_eq(pp->src_port, 123);
}


Test(hx_proxy_protocol, v1_unknown_is_a_header_without_addresses)
{
    size_t                used;
    hx_proxy_protocol_t  *pp;
    const char           *h1 = "PROXY UNKNOWN\r\n";
    const char           *h2 =
        "PROXY UNKNOWN TCP4 192.0.2.1 192.0.2.2 1234 5678\r\nrest";

    cr_assert_eq(parse(h1, strlen(h1), &used, &pp), HX_OK);
    cr_assert_eq(used, strlen(h1));
    cr_assert_null(pp);

    cr_assert_eq(parse(h2, strlen(h2), &used, &pp), HX_OK);
    cr_assert_eq(used, strlen(h2) - 4);
    cr_assert_null(pp);
}


Test(hx_proxy_protocol, v1_cut_anywhere_asks_for_more)
{
    size_t                i, used;
    hx_proxy_protocol_t  *pp;
    const char           *h = "PROXY TCP4 192.0.2.1 192.0.2.2 1234 5678\r\n";

    for (i = 0; i < strlen(h); i++) {
        cr_assert_eq(parse(h, i, &used, &pp), HX_AGAIN, "cut at %zu", i);
    }

    cr_assert_eq(logged[0], '\0', "logged: %s", logged);
}


Test(hx_proxy_protocol, v1_malformed_lines_are_refused_and_logged)
{
    size_t                i, used;
    hx_proxy_protocol_t  *pp;
    static const char    *bad[] = {
        "GET / HTTP/1.0\r\n",
        "PROXY TCP5 192.0.2.1 192.0.2.2 1234 5678\r\n",
        "PROXY TCP4 192.0.2.1 192.0.2.2 1234\r\n",
        "PROXY TCP4 192.0.2.1 192.0.2.2 1234 65536\r\n",
        "PROXY TCP4 192.0.2.1 192.0.2.2 12x4 5678\r\n",
        "PROXY TCP4 192.0.2 192.0.2.2 1234 5678\r\n",
        "PROXY TCP4 ::1 ::1 1234 5678\r\n",
        "PROXY TCP6 192.0.2.1 192.0.2.2 1234 5678\r\n",
        "PROXY TCP4  192.0.2.1 192.0.2.2 1234 5678\r\n",
        "PROXY TCP4 192.0.2.1 192.0.2.2 1234 5678 \r\n",
        "PROXY\r\n",
        "proxy TCP4 192.0.2.1 192.0.2.2 1234 5678\r\n",
        "PROXY UNKNOWNX\r\n",
    };

    for (i = 0; i < hx_nelems(bad); i++) {
        logged[0] = '\0';
        cr_assert_eq(parse(bad[i], strlen(bad[i]), &used, &pp), HX_ERROR,
                     "accepted: %s", bad[i]);
        cr_assert(strstr(logged, "broken header") != NULL,
                  "%s: logged %s", bad[i], logged);
    }
}


Test(hx_proxy_protocol, v1_garbage_is_refused_before_the_line_ends)
{
    size_t                i, used;
    hx_proxy_protocol_t  *pp;
    static const char    *bad[] = {
        "PROXY INVALID",
        "PROXY TCP4 192.0.2.1 x",
        "PROXY TCP7",
        "PROXY UNKNOWN\n",
    };

    for (i = 0; i < hx_nelems(bad); i++) {
        cr_assert_eq(parse(bad[i], strlen(bad[i]), &used, &pp), HX_ERROR,
                     "waits for more: %s", bad[i]);
    }

    cr_assert_eq(parse("PROXY UNKNOWN whatever", 22, &used, &pp), HX_AGAIN);
    cr_assert_eq(parse("PROXY TCP6 ::1 ::1 1\r", 21, &used, &pp), HX_AGAIN);
}


Test(hx_proxy_protocol, v1_line_longer_than_107_bytes_is_refused)
{
    size_t                used;
    hx_proxy_protocol_t  *pp;
    char                  buf[200];

    memset(buf, 'A', sizeof(buf));
    memcpy(buf, "PROXY UNKNOWN ", 14);

    cr_assert_eq(parse(buf, 106, &used, &pp), HX_AGAIN);
    cr_assert_eq(parse(buf, sizeof(buf), &used, &pp), HX_ERROR);

    /* exactly 107 with the CRLF is the longest allowed */

    buf[105] = '\r';
    buf[106] = '\n';
    cr_assert_eq(parse(buf, sizeof(buf), &used, &pp), HX_OK);
    cr_assert_eq(used, 107);
}


/* a v2 header: signature, ver/cmd, fam/transport, then body */
static size_t
v2(uint8_t *out, uint8_t vercmd, uint8_t fam, const uint8_t *body,
    size_t len)
{
    static const uint8_t  sig[12] = {
        0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
    };

    memcpy(out, sig, 12);
    out[12] = vercmd;
    out[13] = fam;
    out[14] = (uint8_t) (len >> 8);
    out[15] = (uint8_t) len;

    if (len) {
        memcpy(out + 16, body, len);
    }

    return 16 + len;
}


static const uint8_t  inet_body[] = {
    192, 0, 2, 1,   192, 0, 2, 2,   0x04, 0xd2,   0x16, 0x2e,
    /* TLVs: authority "example.com", unique_id "\x01\x02" */
    0x02, 0x00, 0x0b, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm',
    0x05, 0x00, 0x02, 0x01, 0x02,
    /* SSL: client 1, verify 7, version "TLSv1.3", cn "cn1" */
    0x20, 0x00, 0x15, 0x01, 0x00, 0x00, 0x00, 0x07,
    0x21, 0x00, 0x07, 'T', 'L', 'S', 'v', '1', '.', '3',
    0x22, 0x00, 0x03, 'c', 'n', '1',
    /* a type nobody names: 0xe0 */
    0xe0, 0x00, 0x01, 'x'
};


Test(hx_proxy_protocol, v2_inet_gives_addresses_ports_and_tlvs)
{
    size_t                n, used;
    uint8_t               buf[256];
    hx_proxy_protocol_t  *pp;

    n = v2(buf, 0x21, 0x11, inet_body, sizeof(inet_body));
    memcpy(buf + n, "payload", 7);

    cr_assert_eq(parse(buf, n + 7, &used, &pp), HX_OK, "%s", logged);
    cr_assert_eq(used, n);
    cr_assert(pp != NULL);
    assert_str(&pp->src_addr, "192.0.2.1");
    assert_str(&pp->dst_addr, "192.0.2.2");
    cr_assert_eq(pp->src_port, 1234);
    cr_assert_eq(pp->dst_port, 5678);
    cr_assert_eq(pp->tlvs.len, sizeof(inet_body) - 12);
}


Test(hx_proxy_protocol, v2_inet6_prints_the_canonical_form)
{
    size_t                n, used;
    uint8_t               buf[128], body[36];
    hx_proxy_protocol_t  *pp;

    memset(body, 0, sizeof(body));
    body[0] = 0x20; body[1] = 0x01; body[2] = 0x0d; body[3] = 0xb8;
    body[15] = 1;
    body[16] = 0x20; body[17] = 0x01; body[18] = 0x0d; body[19] = 0xb8;
    body[31] = 2;
    body[32] = 0; body[33] = 80; body[34] = 0x1f; body[35] = 0x90;

    n = v2(buf, 0x21, 0x21, body, sizeof(body));

    cr_assert_eq(parse(buf, n, &used, &pp), HX_OK, "%s", logged);
    cr_assert_eq(used, n);
    assert_str(&pp->src_addr, "2001:db8::1");
    assert_str(&pp->dst_addr, "2001:db8::2");
    cr_assert_eq(pp->src_port, 80);
    cr_assert_eq(pp->dst_port, 8080);
}


Test(hx_proxy_protocol, v2_local_unspec_and_udp_carry_no_addresses)
{
    size_t                n, used;
    uint8_t               buf[128];
    hx_proxy_protocol_t  *pp;

    n = v2(buf, 0x20, 0x11, inet_body, 12);
    cr_assert_eq(parse(buf, n, &used, &pp), HX_OK);
    cr_assert_eq(used, n);
    cr_assert_null(pp);

    n = v2(buf, 0x21, 0x00, NULL, 0);
    cr_assert_eq(parse(buf, n, &used, &pp), HX_OK);
    cr_assert_null(pp);

    n = v2(buf, 0x21, 0x12, inet_body, 12);
    cr_assert_eq(parse(buf, n, &used, &pp), HX_OK);
    cr_assert_eq(used, n);
    cr_assert_null(pp);
}


Test(hx_proxy_protocol, v2_cut_anywhere_asks_for_more)
{
    size_t                i, n, used;
    uint8_t               buf[256];
    hx_proxy_protocol_t  *pp;

    n = v2(buf, 0x21, 0x11, inet_body, sizeof(inet_body));

    for (i = 0; i < n; i++) {
        cr_assert_eq(parse(buf, i, &used, &pp), HX_AGAIN, "cut at %zu", i);
    }
}


Test(hx_proxy_protocol, v2_bad_version_command_and_lengths_are_refused)
{
    size_t                n, used;
    uint8_t               buf[8192];
    hx_proxy_protocol_t  *pp;

    n = v2(buf, 0x11, 0x11, inet_body, 12);
    cr_assert_eq(parse(buf, n, &used, &pp), HX_ERROR);
    cr_assert(strstr(logged, "unknown PROXY protocol version") != NULL);

    n = v2(buf, 0x22, 0x11, inet_body, 12);
    cr_assert_eq(parse(buf, n, &used, &pp), HX_ERROR);

    /* addresses announced but the body is shorter than they are */
    n = v2(buf, 0x21, 0x11, inet_body, 8);
    cr_assert_eq(parse(buf, n, &used, &pp), HX_ERROR);

    memset(buf, 0, sizeof(buf));
    n = v2(buf, 0x21, 0x11, inet_body, 12);
    buf[14] = 0x10;
    buf[15] = 0x00;
    logged[0] = '\0';
    cr_assert_eq(parse(buf, sizeof(buf), &used, &pp), HX_ERROR);
    cr_assert(strstr(logged, "header is too large") != NULL);

    /* a wrong byte inside the signature */
    n = v2(buf, 0x21, 0x11, inet_body, 12);
    buf[7] = 'X';
    cr_assert_eq(parse(buf, 5, &used, &pp), HX_AGAIN);
    cr_assert_eq(parse(buf, n, &used, &pp), HX_ERROR);
}


static hx_int_t
tlv(hx_proxy_protocol_t *pp, const char *name, hx_str_t *value)
{
    hx_str_t  n;

    n.data = (uint8_t *) name;
    n.len = strlen(name);

    return hx_proxy_protocol_get_tlv(pp, pool, &log_, &n, value);
}


Test(hx_proxy_protocol, tlvs_by_name_number_and_inside_ssl)
{
    size_t                n, used;
    uint8_t               buf[256];
    hx_str_t              v;
    hx_proxy_protocol_t  *pp;

    n = v2(buf, 0x21, 0x11, inet_body, sizeof(inet_body));
    cr_assert_eq(parse(buf, n, &used, &pp), HX_OK);

    cr_assert_eq(tlv(pp, "authority", &v), HX_OK);
    assert_str(&v, "example.com");
    cr_assert_eq(tlv(pp, "0x02", &v), HX_OK);
    assert_str(&v, "example.com");
    cr_assert_eq(tlv(pp, "0xe0", &v), HX_OK);
    assert_str(&v, "x");
    cr_assert_eq(tlv(pp, "unique_id", &v), HX_OK);
    cr_assert_eq(v.len, 2);
    cr_assert_eq(tlv(pp, "ssl_version", &v), HX_OK);
    assert_str(&v, "TLSv1.3");
    cr_assert_eq(tlv(pp, "ssl_cn", &v), HX_OK);
    assert_str(&v, "cn1");
    cr_assert_eq(tlv(pp, "ssl_0x22", &v), HX_OK);
    assert_str(&v, "cn1");
    cr_assert_eq(tlv(pp, "ssl_verify", &v), HX_OK);
    assert_str(&v, "7");

    cr_assert_eq(tlv(pp, "alpn", &v), HX_DECLINED);
    cr_assert_eq(tlv(pp, "ssl_cipher", &v), HX_DECLINED);
    cr_assert_eq(tlv(pp, "0x7", &v), HX_DECLINED);

    cr_assert_eq(tlv(pp, "bogus", &v), HX_DECLINED);
    cr_assert(strstr(logged, "unknown PROXY protocol TLV \"bogus\"") != NULL);

    cr_assert_eq(tlv(pp, "0xzz", &v), HX_ERROR);
    cr_assert_eq(tlv(pp, "0x100", &v), HX_ERROR);
    cr_assert_eq(tlv(NULL, "alpn", &v), HX_DECLINED);
}


Test(hx_proxy_protocol, truncated_tlv_area_is_an_error_at_lookup)
{
    size_t                n, used;
    uint8_t               buf[128], body[20];
    hx_str_t              v;
    hx_proxy_protocol_t  *pp;

    memcpy(body, inet_body, 12);
    body[12] = 0x01;      /* alpn, length 10, but 5 bytes follow */
    body[13] = 0x00;
    body[14] = 0x0a;
    memcpy(body + 15, "h2abc", 5);

    n = v2(buf, 0x21, 0x11, body, sizeof(body));

    /* the connection itself is fine: TLVs are walked when asked for */

    cr_assert_eq(parse(buf, n, &used, &pp), HX_OK);
    cr_assert_eq(tlv(pp, "alpn", &v), HX_ERROR);
    cr_assert(strstr(logged, "broken PROXY protocol TLV") != NULL);
}


Test(hx_proxy_protocol, writer_output_reads_back)
{
    size_t                used;
    uint8_t               buf[HX_PROXY_PROTOCOL_V1_MAX_HEADER], *end;
    hx_addr_t             src, dst;
    hx_proxy_protocol_t  *pp;

    cr_assert_eq(hx_parse_addr_port(pool, &src, (uint8_t *) "10.0.0.1:5555",
                                    13), HX_OK);
    cr_assert_eq(hx_parse_addr_port(pool, &dst, (uint8_t *) "10.0.0.2:80",
                                    11), HX_OK);

    end = hx_proxy_protocol_write(buf, buf + sizeof(buf), src.sockaddr,
                                  src.socklen, dst.sockaddr, dst.socklen);
    cr_assert(end != NULL);
    cr_assert_eq((size_t) (end - buf),
                 strlen("PROXY TCP4 10.0.0.1 10.0.0.2 5555 80\r\n"));
    cr_assert(memcmp(buf, "PROXY TCP4 10.0.0.1 10.0.0.2 5555 80\r\n",
                     end - buf) == 0);

    cr_assert_eq(parse(buf, end - buf, &used, &pp), HX_OK);
    cr_assert_eq(used, (size_t) (end - buf));
    assert_str(&pp->src_addr, "10.0.0.1");
    cr_assert_eq(pp->dst_port, 80);
}


Test(hx_proxy_protocol, writer_ipv6_longest_fits_and_unix_is_unknown)
{
    uint8_t               buf[HX_PROXY_PROTOCOL_V1_MAX_HEADER], *end;
    hx_addr_t             src, dst;
    struct sockaddr_un    sun;
    const char           *a =
        "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535";

    cr_assert_eq(hx_parse_addr_port(pool, &src, (uint8_t *) a, strlen(a)),
                 HX_OK);
    cr_assert_eq(hx_parse_addr_port(pool, &dst, (uint8_t *) a, strlen(a)),
                 HX_OK);

    end = hx_proxy_protocol_write(buf, buf + sizeof(buf), src.sockaddr,
                                  src.socklen, dst.sockaddr, dst.socklen);
    cr_assert(end != NULL);
    cr_assert_eq(end - buf, 104);
    cr_assert(memcmp(end - 14, " 65535 65535\r\n", 14) == 0);

    hx_memzero(&sun, sizeof(sun));
    sun.sun_family = AF_UNIX;

    end = hx_proxy_protocol_write(buf, buf + sizeof(buf),
                                  (struct sockaddr *) &sun, sizeof(sun),
                                  (struct sockaddr *) &sun, sizeof(sun));
    cr_assert(end != NULL);
    cr_assert(memcmp(buf, "PROXY UNKNOWN\r\n", end - buf) == 0);

    cr_assert_null(hx_proxy_protocol_write(buf, buf + 50, src.sockaddr,
                                           src.socklen, dst.sockaddr,
                                           dst.socklen));
}

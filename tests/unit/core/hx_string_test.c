/*
 * Unit tests for core/hx_string.c: the formatter, comparisons, decimal
 * and hex parsers, base64, UTF-8 and the escapers.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <criterion/criterion.h>


/* formats into a NUL-terminated scratch buffer and returns it */
static char  out[512];

static char *
fmt(const char *f, ...)
{
    uint8_t  *p;
    va_list   args;

    va_start(args, f);
    p = hx_vslprintf((uint8_t *) out, (uint8_t *) out + sizeof(out) - 1, f,
                     args);
    va_end(args);
    *p = '\0';

    return out;
}


Test(hx_string_printf, plain_text_and_percent_escapes)
{
    cr_assert_str_eq(fmt("hello %% world%N"), "hello % world\n");
    cr_assert_str_eq(fmt("%c%c", 'o', 'k'), "ok");
}


Test(hx_string_printf, signed_int_types)
{
    cr_assert_str_eq(fmt("%d", 0), "0");
    cr_assert_str_eq(fmt("%d", -42), "-42");
    cr_assert_str_eq(fmt("%d", INT_MIN), "-2147483648");
    cr_assert_str_eq(fmt("%ud", UINT_MAX), "4294967295");
    cr_assert_str_eq(fmt("%i", (hx_int_t) -7), "-7");
    cr_assert_str_eq(fmt("%ui", (hx_uint_t) 7), "7");
    cr_assert_str_eq(fmt("%l/%ul", -1L, 2UL), "-1/2");
    cr_assert_str_eq(fmt("%D/%uD", (int32_t) -5, (uint32_t) 4000000000U),
                     "-5/4000000000");
    cr_assert_str_eq(fmt("%z/%uz", (ssize_t) -3, (size_t) 3), "-3/3");
    cr_assert_str_eq(fmt("%O", (off_t) -1234567890123LL), "-1234567890123");
    cr_assert_str_eq(fmt("%T", (time_t) 1700000000), "1700000000");
    cr_assert_str_eq(fmt("%P", (pid_t) 4321), "4321");
}


Test(hx_string_printf, int64_extremes)
{
    cr_assert_str_eq(fmt("%L", INT64_MIN), "-9223372036854775808");
    cr_assert_str_eq(fmt("%L", INT64_MAX), "9223372036854775807");
    cr_assert_str_eq(fmt("%uL", UINT64_MAX), "18446744073709551615");
    cr_assert_str_eq(fmt("%xL", UINT64_MAX), "ffffffffffffffff");
}


Test(hx_string_printf, width_pads_with_spaces_or_zeros)
{
    cr_assert_str_eq(fmt("[%5d]", 42), "[   42]");
    cr_assert_str_eq(fmt("[%05d]", 42), "[00042]");
    cr_assert_str_eq(fmt("[%2d]", 12345), "[12345]");
    /* the width counts digits; the sign goes before the padding */
    cr_assert_str_eq(fmt("[%05d]", -42), "[-00042]");
    cr_assert_str_eq(fmt("%02d:%02d:%02d", 1, 2, 30), "01:02:30");
}


Test(hx_string_printf, hex_lower_and_upper)
{
    cr_assert_str_eq(fmt("%xd", 255), "ff");
    cr_assert_str_eq(fmt("%Xd", 255), "FF");
    cr_assert_str_eq(fmt("%08Xd", 0xbeef), "0000BEEF");
    cr_assert_str_eq(fmt("%04xi", (hx_uint_t) 0xa), "000a");
    /* hex implies unsigned */
    cr_assert_str_eq(fmt("%xd", -1), "ffffffff");
}


Test(hx_string_printf, msec_shows_infinite_as_minus_one)
{
    cr_assert_str_eq(fmt("%M", (hx_msec_t) 1500), "1500");
    cr_assert_str_eq(fmt("%M", (hx_msec_t) -1), "-1");
}


Test(hx_string_printf, strings_str_t_and_counted)
{
    hx_str_t  s = hx_string("value");

    cr_assert_str_eq(fmt("<%V>", &s), "<value>");
    cr_assert_str_eq(fmt("<%s>", "abc"), "<abc>");
    cr_assert_str_eq(fmt("<%*s>", (size_t) 2, "abcdef"), "<ab>");
    cr_assert_str_eq(fmt("<%*s>", (size_t) 0, "abcdef"), "<>");
    cr_assert_str_eq(fmt("<%s>", (char *) NULL), "<(null)>");
}


Test(hx_string_printf, double_with_fraction)
{
    cr_assert_str_eq(fmt("%.3f", 1.5), "1.500");
    cr_assert_str_eq(fmt("%.2f", -0.125), "-0.13");
    cr_assert_str_eq(fmt("%.2f", 2.999), "3.00");
    cr_assert_str_eq(fmt("%f", 7.9), "7");
    cr_assert_str_eq(fmt("%03.1f", 1.25), "001.3");
    cr_assert_str_eq(fmt("%.0f", 0.0), "0");
}


Test(hx_string_printf, pointer_is_zero_padded_hex)
{
    cr_assert_str_eq(fmt("%p", (void *) 0x1f), "000000000000001f");
}


Test(hx_string_printf, nul_only_on_request)
{
    uint8_t   buf[8], *p;

    hx_memset(buf, 'x', sizeof(buf));
    p = hx_sprintf(buf, "ab");
    cr_assert_eq(p - buf, 2);
    cr_assert_eq(buf[2], 'x');

    p = hx_sprintf(buf, "ab%Z");
    cr_assert_eq(p - buf, 3);
    cr_assert_eq(buf[2], '\0');
}


Test(hx_string_printf, stops_exactly_at_last)
{
    uint8_t   buf[16], *p;
    hx_str_t  s = hx_string("0123456789");

    hx_memset(buf, 'x', sizeof(buf));

    p = hx_slprintf(buf, buf + 4, "%V", &s);
    cr_assert_eq(p - buf, 4);
    cr_assert(memcmp(buf, "0123x", 5) == 0);

    hx_memset(buf, 'x', sizeof(buf));
    p = hx_snprintf(buf, 3, "%d", 123456);
    cr_assert_eq(p - buf, 3);
    cr_assert(memcmp(buf, "123x", 4) == 0);

    hx_memset(buf, 'x', sizeof(buf));
    p = hx_snprintf(buf, 5, "%010d", 7);
    cr_assert_eq(p - buf, 5);
    cr_assert(memcmp(buf, "00000x", 6) == 0);

    p = hx_snprintf(buf, 2, "%s", "long string");
    cr_assert_eq(p - buf, 2);

    p = hx_snprintf(buf, 0, "abc");
    cr_assert_eq(p, buf);

    p = hx_snprintf(buf, 1, "%d", -5);
    cr_assert_eq(p - buf, 1);
    cr_assert_eq(buf[0], '-');
}


Test(hx_string_printf, unknown_conversion_and_trailing_percent)
{
    cr_assert_str_eq(fmt("%q"), "q");
    cr_assert_str_eq(fmt("abc%"), "abc");
}


Test(hx_string, strlow_and_strnlen)
{
    uint8_t  s[] = "MiXeD 09";

    hx_strlow(s, s, sizeof(s) - 1);
    cr_assert_str_eq((char *) s, "mixed 09");
    cr_assert_eq(hx_strnlen((uint8_t *) "abc", 10), 3);
    cr_assert_eq(hx_strnlen((uint8_t *) "abcdef", 4), 4);
}


Test(hx_string, cpystrn_truncates_and_terminates)
{
    uint8_t   dst[8], *p;

    p = hx_cpystrn(dst, (uint8_t *) "abcdefghij", 5);
    cr_assert_str_eq((char *) dst, "abcd");
    cr_assert_eq(p, dst + 4);

    p = hx_cpystrn(dst, (uint8_t *) "ab", 8);
    cr_assert_str_eq((char *) dst, "ab");
    cr_assert_eq(p, dst + 2);

    dst[0] = 'z';
    p = hx_cpystrn(dst, (uint8_t *) "ab", 0);
    cr_assert_eq(p, dst);
    cr_assert_eq(dst[0], 'z');
}


Test(hx_string, strcasecmp_family)
{
    cr_assert_eq(hx_strcasecmp((uint8_t *) "Host", (uint8_t *) "hOST"), 0);
    cr_assert_lt(hx_strcasecmp((uint8_t *) "abc", (uint8_t *) "ABD"), 0);
    cr_assert_gt(hx_strcasecmp((uint8_t *) "abcd", (uint8_t *) "ABC"), 0);
    cr_assert_lt(hx_strcasecmp((uint8_t *) "ab", (uint8_t *) "abc"), 0);

    cr_assert_eq(hx_strncasecmp((uint8_t *) "Content-Type",
                                (uint8_t *) "CONTENT-LENGTH", 8), 0);
    cr_assert_neq(hx_strncasecmp((uint8_t *) "Content-Type",
                                 (uint8_t *) "CONTENT-LENGTH", 9), 0);
    cr_assert_eq(hx_strncasecmp((uint8_t *) "a", (uint8_t *) "A", 10), 0);

    cr_assert_eq(hx_rstrncmp((uint8_t *) "xbc", (uint8_t *) "ybc", 0), 0);
    cr_assert_lt(hx_rstrncmp((uint8_t *) "xbc", (uint8_t *) "ybc", 3), 0);
    cr_assert_gt(hx_rstrncmp((uint8_t *) "abd", (uint8_t *) "abc", 3), 0);
    cr_assert_eq(hx_rstrncasecmp((uint8_t *) "A.COM", (uint8_t *) "a.com",
                                 5), 0);
    cr_assert_neq(hx_rstrncasecmp((uint8_t *) "b.com", (uint8_t *) "a.com",
                                  5), 0);
}


Test(hx_string, substring_search)
{
    uint8_t  *s = (uint8_t *) "GET /index.html HTTP/1.1";

    cr_assert_eq(hx_strnstr(s, "HTTP", 24), s + 16);
    cr_assert_null(hx_strnstr(s, "HTTP", 19));
    cr_assert_eq(hx_strnstr(s, "", 3), s);
    cr_assert_eq(hx_strstrn(s, "index", 4), s + 5);
    cr_assert_null(hx_strstrn(s, "indey", 4));
    cr_assert_eq(hx_strcasestrn(s, "http", 3), s + 16);
    cr_assert_eq(hx_strlcasestrn(s, s + 24, (uint8_t *) "http/1.1", 7),
                 s + 16);
    cr_assert_null(hx_strlcasestrn(s, s + 23, (uint8_t *) "http/1.1", 7));
}


Test(hx_string, memn2cmp_orders_by_bytes_then_length)
{
    cr_assert_eq(hx_memn2cmp((uint8_t *) "abc", (uint8_t *) "abc", 3, 3), 0);
    cr_assert_lt(hx_memn2cmp((uint8_t *) "ab", (uint8_t *) "abc", 2, 3), 0);
    cr_assert_gt(hx_memn2cmp((uint8_t *) "abd", (uint8_t *) "abc", 3, 3), 0);
    cr_assert_gt(hx_memn2cmp((uint8_t *) "b", (uint8_t *) "abc", 1, 3), 0);
}


Test(hx_string, dns_and_filename_order_separators_first)
{
    cr_assert_eq(hx_dns_strcmp((uint8_t *) "Ex.COM", (uint8_t *) "ex.com"),
                 0);
    cr_assert_lt(hx_dns_strcmp((uint8_t *) "a.b", (uint8_t *) "a-b"), 0);
    cr_assert_lt(hx_dns_strcmp((uint8_t *) "a", (uint8_t *) "a.b"), 0);

    cr_assert_lt(hx_filename_cmp((uint8_t *) "a/b", (uint8_t *) "a-b", 3),
                 0);
    cr_assert_eq(hx_filename_cmp((uint8_t *) "dir/x", (uint8_t *) "dir/y",
                                 4), 0);
    cr_assert_neq(hx_filename_cmp((uint8_t *) "A", (uint8_t *) "a", 1), 0);
}


#define S(lit)  (uint8_t *) lit, sizeof(lit) - 1

Test(hx_string_atoi, decimal_values)
{
    cr_assert_eq(hx_atoi(S("0")), 0);
    cr_assert_eq(hx_atoi(S("12345")), 12345);
    cr_assert_eq(hx_atoi(S("9223372036854775807")), INT64_MAX);
    cr_assert_eq(hx_atosz(S("4096")), 4096);
    cr_assert_eq(hx_atoof(S("9223372036854775807")), INT64_MAX);
    cr_assert_eq(hx_atotm(S("1700000000")), 1700000000);
}


Test(hx_string_atoi, rejects_empty_sign_garbage_and_overflow)
{
    cr_assert_eq(hx_atoi((uint8_t *) "", 0), HX_ERROR);
    cr_assert_eq(hx_atoi(S("-1")), HX_ERROR);
    cr_assert_eq(hx_atoi(S("+1")), HX_ERROR);
    cr_assert_eq(hx_atoi(S("12a")), HX_ERROR);
    cr_assert_eq(hx_atoi(S(" 1")), HX_ERROR);
    cr_assert_eq(hx_atoi(S("9223372036854775808")), HX_ERROR);
    cr_assert_eq(hx_atoi(S("99999999999999999999")), HX_ERROR);
    cr_assert_eq(hx_atosz(S("9223372036854775808")), HX_ERROR);
    cr_assert_eq(hx_atoof(S("18446744073709551616")), HX_ERROR);
    cr_assert_eq(hx_atotm(S("x")), HX_ERROR);
}


Test(hx_string_atoi, fixed_point)
{
    cr_assert_eq(hx_atofp(S("10.5"), 2), 1050);
    cr_assert_eq(hx_atofp(S("10"), 2), 1000);
    cr_assert_eq(hx_atofp(S("0.25"), 2), 25);
    cr_assert_eq(hx_atofp(S(".5"), 1), 5);
    cr_assert_eq(hx_atofp(S("1.234"), 2), HX_ERROR);
    cr_assert_eq(hx_atofp(S("1.2.3"), 3), HX_ERROR);
    cr_assert_eq(hx_atofp(S("."), 3), HX_ERROR);
    cr_assert_eq(hx_atofp(S("1x"), 3), HX_ERROR);
    cr_assert_eq(hx_atofp(S("922337203685477580"), 2), HX_ERROR);
}


Test(hx_string_atoi, hexadecimal)
{
    cr_assert_eq(hx_hextoi(S("ff")), 255);
    cr_assert_eq(hx_hextoi(S("DeadBeef")), 0xdeadbeef);
    cr_assert_eq(hx_hextoi(S("7fffffffffffffff")), INT64_MAX);
    cr_assert_eq(hx_hextoi(S("8000000000000000")), HX_ERROR);
    cr_assert_eq(hx_hextoi(S("0x1")), HX_ERROR);
    cr_assert_eq(hx_hextoi((uint8_t *) "", 0), HX_ERROR);
}


Test(hx_string, hex_dump)
{
    uint8_t   dst[16], *p;

    p = hx_hex_dump(dst, (uint8_t *) "\x00\xab\x7f", 3);
    cr_assert_eq(p - dst, 6);
    cr_assert(memcmp(dst, "00ab7f", 6) == 0);
}


static void
b64_roundtrip(const char *plain, const char *std, const char *url)
{
    uint8_t   enc[64], dec[64];
    hx_str_t  src, dst;

    src.data = (uint8_t *) plain;
    src.len = strlen(plain);

    dst.data = enc;
    hx_encode_base64(&dst, &src);
    cr_assert_eq(dst.len, strlen(std));
    cr_assert(memcmp(enc, std, dst.len) == 0, "std of \"%s\"", plain);

    src = dst;
    dst.data = dec;
    cr_assert_eq(hx_decode_base64(&dst, &src), HX_OK);
    cr_assert_eq(dst.len, strlen(plain));
    cr_assert(memcmp(dec, plain, dst.len) == 0);

    src.data = (uint8_t *) plain;
    src.len = strlen(plain);
    dst.data = enc;
    hx_encode_base64url(&dst, &src);
    cr_assert_eq(dst.len, strlen(url));
    cr_assert(memcmp(enc, url, dst.len) == 0, "url of \"%s\"", plain);

    src = dst;
    dst.data = dec;
    cr_assert_eq(hx_decode_base64url(&dst, &src), HX_OK);
    cr_assert_eq(dst.len, strlen(plain));
    cr_assert(memcmp(dec, plain, dst.len) == 0);
}


Test(hx_string_base64, rfc4648_vectors_round_trip)
{
    b64_roundtrip("", "", "");
    b64_roundtrip("f", "Zg==", "Zg");
    b64_roundtrip("fo", "Zm8=", "Zm8");
    b64_roundtrip("foo", "Zm9v", "Zm9v");
    b64_roundtrip("foob", "Zm9vYg==", "Zm9vYg");
    b64_roundtrip("fooba", "Zm9vYmE=", "Zm9vYmE");
    b64_roundtrip("foobar", "Zm9vYmFy", "Zm9vYmFy");
    b64_roundtrip("\xfb\xff\xbf", "+/+/", "-_-_");
}


static hx_int_t
b64_decode(const char *in, hx_uint_t url, hx_str_t *dst)
{
    static uint8_t  buf[64];
    hx_str_t        src;

    src.data = (uint8_t *) in;
    src.len = strlen(in);
    dst->data = buf;
    dst->len = 0;

    return url ? hx_decode_base64url(dst, &src) : hx_decode_base64(dst, &src);
}


Test(hx_string_base64, rejects_invalid_input)
{
    hx_str_t  d;

    cr_assert_eq(b64_decode("Zm9v!", 0, &d), HX_ERROR);
    cr_assert_eq(b64_decode("Z", 0, &d), HX_ERROR);
    cr_assert_eq(b64_decode("Zm9vY", 0, &d), HX_ERROR);
    cr_assert_eq(b64_decode("Zg=x", 0, &d), HX_ERROR);
    cr_assert_eq(b64_decode("Zg===", 0, &d), HX_ERROR);
    cr_assert_eq(b64_decode("-_", 0, &d), HX_ERROR);
    cr_assert_eq(b64_decode("+/", 1, &d), HX_ERROR);
    cr_assert_eq(b64_decode("Zm 9v", 0, &d), HX_ERROR);
}


Test(hx_string_base64, padding_is_optional)
{
    hx_str_t  d;

    cr_assert_eq(b64_decode("Zm8", 0, &d), HX_OK);
    cr_assert_eq(d.len, 2);
    cr_assert(memcmp(d.data, "fo", 2) == 0);
    cr_assert_eq(b64_decode("Zg==", 1, &d), HX_OK);
    cr_assert_eq(d.len, 1);
}


Test(hx_string_utf8, decodes_valid_sequences)
{
    uint8_t  *p, s[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";

    p = s;
    cr_assert_eq(hx_utf8_decode(&p, 10), 'a');
    cr_assert_eq(hx_utf8_decode(&p, 9), 0xe9);
    cr_assert_eq(hx_utf8_decode(&p, 7), 0x20ac);
    cr_assert_eq(hx_utf8_decode(&p, 4), 0x1f600);
    cr_assert_eq(p, s + 10);

    cr_assert_eq(hx_utf8_length(s, 10), 4);
}


Test(hx_string_utf8, rejects_invalid_and_reports_short)
{
    uint8_t  *p;

    p = (uint8_t *) "\x80";
    cr_assert_eq(hx_utf8_decode(&p, 1), 0xffffffff);

    p = (uint8_t *) "\xc0\xaf";                    /* overlong '/' */
    cr_assert_eq(hx_utf8_decode(&p, 2), 0xffffffff);

    p = (uint8_t *) "\xe0\x80\xaf";                /* overlong */
    cr_assert_eq(hx_utf8_decode(&p, 3), 0xffffffff);

    p = (uint8_t *) "\xed\xa0\x80";                /* surrogate */
    cr_assert_eq(hx_utf8_decode(&p, 3), 0xffffffff);

    p = (uint8_t *) "\xf4\x90\x80\x80";            /* > U+10FFFF */
    cr_assert_eq(hx_utf8_decode(&p, 4), 0xffffffff);

    p = (uint8_t *) "\xc3\x28";                    /* bad continuation */
    cr_assert_eq(hx_utf8_decode(&p, 2), 0xffffffff);

    p = (uint8_t *) "\xe2\x82";
    cr_assert_eq(hx_utf8_decode(&p, 2), 0xfffffffe);

    cr_assert_eq(hx_utf8_length((uint8_t *) "ab\xff", 3), 3);
}


Test(hx_string_utf8, cpystrn_copies_whole_characters)
{
    uint8_t   dst[16], *p;
    uint8_t   s[] = "\xc3\xa9t\xc3\xa9";

    p = hx_utf8_cpystrn(dst, s, 3, 5);
    cr_assert_eq(p - dst, 3);
    cr_assert(memcmp(dst, "\xc3\xa9t", 4) == 0);

    /* a character cut by len is not copied */
    p = hx_utf8_cpystrn(dst, s, 16, 4);
    cr_assert_eq(p - dst, 3);

    p = hx_utf8_cpystrn(dst, (uint8_t *) "ab\xff" "cd", 16, 5);
    cr_assert_str_eq((char *) dst, "ab");
}


static char *
escape(const char *in, hx_uint_t type)
{
    static uint8_t  buf[256];
    uintptr_t       n, end;
    size_t          len;

    len = strlen(in);
    n = hx_escape_uri(NULL, (uint8_t *) in, len, type);
    end = hx_escape_uri(buf, (uint8_t *) in, len, type);
    cr_assert_eq(end - (uintptr_t) buf, len + 2 * n);
    buf[end - (uintptr_t) buf] = '\0';

    return (char *) buf;
}


Test(hx_string_escape, uri_keeps_delimiters_escapes_unsafe)
{
    cr_assert_str_eq(escape("/a b/c?d#e%f", HX_ESCAPE_URI),
                     "/a%20b/c%3Fd%23e%25f");
    cr_assert_str_eq(escape("/x;y=z&w+v:@!$'()*,[]", HX_ESCAPE_URI),
                     "/x;y=z&w+v:@!$'()*,[]");
    cr_assert_str_eq(escape("<\"\\^`{|}>", HX_ESCAPE_URI),
                     "%3C%22%5C%5E%60%7B%7C%7D%3E");
    cr_assert_str_eq(escape("\x01\x7f\xc3\xa9", HX_ESCAPE_URI),
                     "%01%7F%C3%A9");
}


Test(hx_string_escape, args_also_escape_separators)
{
    cr_assert_str_eq(escape("a=1&b=2+3;c?/", HX_ESCAPE_ARGS),
                     "a=1%26b=2%2B3%3Bc%3F/");
}


Test(hx_string_escape, uri_component_keeps_only_unreserved)
{
    cr_assert_str_eq(escape("AZaz09-._~", HX_ESCAPE_URI_COMPONENT),
                     "AZaz09-._~");
    cr_assert_str_eq(escape("a/b=c&d@e:f!", HX_ESCAPE_URI_COMPONENT),
                     "a%2Fb%3Dc%26d%40e%3Af%21");
}


Test(hx_string_escape, html_refresh_memcached_mail_auth)
{
    cr_assert_str_eq(escape("a b'c\"d#%&", HX_ESCAPE_HTML),
                     "a%20b%27c%22d%23%25&");
    cr_assert_str_eq(escape("a b'c#%?", HX_ESCAPE_REFRESH),
                     "a%20b%27c#%?");
    cr_assert_str_eq(escape("key with%\r\n\xc3\xa9?", HX_ESCAPE_MEMCACHED),
                     "key%20with%25%0D%0A\xc3\xa9?");
    cr_assert_str_eq(escape("user name%", HX_ESCAPE_MAIL_AUTH),
                     "user%20name%25");
}


Test(hx_string_escape, count_mode_counts_bytes_to_escape)
{
    cr_assert_eq(hx_escape_uri(NULL, (uint8_t *) "a b c", 5, HX_ESCAPE_URI),
                 2);
    cr_assert_eq(hx_escape_uri(NULL, (uint8_t *) "abc", 3, HX_ESCAPE_URI),
                 0);
}


static char *
unescape(const char *in, hx_uint_t type, size_t *rest)
{
    static uint8_t  buf[256];
    uint8_t        *d, *s;

    d = buf;
    s = (uint8_t *) in;
    hx_unescape_uri(&d, &s, strlen(in), type);
    *d = '\0';

    if (rest) {
        *rest = strlen(in) - (size_t) (s - (uint8_t *) in);
    }

    return (char *) buf;
}


Test(hx_string_unescape, decodes_percent_sequences)
{
    cr_assert_str_eq(unescape("/a%20b%2Fc%2fd", 0, NULL), "/a b/c/d");
    cr_assert_str_eq(unescape("%41%42%43", 0, NULL), "ABC");
    cr_assert_str_eq(unescape("a?b%3Fc", 0, NULL), "a?b?c");
}


Test(hx_string_unescape, invalid_sequences_stay_literal)
{
    cr_assert_str_eq(unescape("%zz", 0, NULL), "%zz");
    cr_assert_str_eq(unescape("a%2", 0, NULL), "a%2");
    cr_assert_str_eq(unescape("%%41", 0, NULL), "%A");
    cr_assert_str_eq(unescape("%4g", 0, NULL), "%4g");
    cr_assert_str_eq(unescape("%", 0, NULL), "%");
}


Test(hx_string_unescape, uri_stops_after_question_mark)
{
    size_t  rest;

    cr_assert_str_eq(unescape("/p%20q?a=%20", HX_UNESCAPE_URI, &rest),
                     "/p q?");
    cr_assert_eq(rest, 5);

    cr_assert_str_eq(unescape("/p%3Fq", HX_UNESCAPE_URI, &rest), "/p?");
    cr_assert_eq(rest, 1);

    cr_assert_str_eq(unescape("/p%20q", HX_UNESCAPE_URI, &rest), "/p q");
    cr_assert_eq(rest, 0);
}


Test(hx_string_unescape, redirect_keeps_unsafe_bytes_encoded)
{
    size_t  rest;

    cr_assert_str_eq(unescape("/a%20b%41%25%0D%C3%7E?x", HX_UNESCAPE_REDIRECT,
                              &rest),
                     "/a%20bA%25%0D%C3~?");
    cr_assert_eq(rest, 1);
}


Test(hx_string_unescape, works_in_place)
{
    uint8_t   s[] = "%2Fa%20b%25", *d, *p;

    d = s;
    p = s;
    hx_unescape_uri(&d, &p, sizeof(s) - 1, HX_UNESCAPE_REDIRECT);
    cr_assert_eq(d - s, 9);
    cr_assert_eq(p - s, 11);
    cr_assert(memcmp(s, "/a%20b%25", 9) == 0);

    d = s;
    p = s;
    hx_memcpy(s, "%41%42c", 7);
    hx_unescape_uri(&d, &p, 7, 0);
    cr_assert_eq(d - s, 3);
    cr_assert(memcmp(s, "ABc", 3) == 0);
}


Test(hx_string_escape, html_entities)
{
    uint8_t    buf[64];
    uintptr_t  end;
    uint8_t   *src = (uint8_t *) "<a href=\"x\">&</a>";
    size_t     len = strlen((char *) src);

    cr_assert_eq(hx_escape_html(NULL, src, len), 3 + 5 + 5 + 3 + 4 + 3 + 3);
    end = hx_escape_html(buf, src, len);
    buf[end - (uintptr_t) buf] = '\0';
    cr_assert_str_eq((char *) buf,
                     "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
}


Test(hx_string_escape, json_strings)
{
    uint8_t    buf[64];
    uintptr_t  end;
    uint8_t   *src = (uint8_t *) "q\"b\\n\n\t\x01\xc3\xa9";
    size_t     len = strlen((char *) src);

    cr_assert_eq(hx_escape_json(NULL, src, len), 1 + 1 + 1 + 1 + 5);
    end = hx_escape_json(buf, src, len);
    buf[end - (uintptr_t) buf] = '\0';
    cr_assert_str_eq((char *) buf, "q\\\"b\\\\n\\n\\t\\u0001\xc3\xa9");
}


typedef struct {
    int  key;
    int  seq;
} pair_t;


static hx_int_t
pair_cmp(const void *a, const void *b)
{
    return ((const pair_t *) a)->key - ((const pair_t *) b)->key;
}


typedef struct {
    int      key;
    int      seq;
    uint8_t  pad[200];
} big_t;


static hx_int_t
big_cmp(const void *a, const void *b)
{
    return ((const big_t *) a)->key - ((const big_t *) b)->key;
}


Test(hx_string_sort, stable_insertion_sort)
{
    pair_t  v[] = { {3, 0}, {1, 1}, {3, 2}, {2, 3}, {1, 4}, {0, 5}, {3, 6} };
    int     keys[] = { 0, 1, 1, 2, 3, 3, 3 };
    int     seqs[] = { 5, 1, 4, 3, 0, 2, 6 };
    size_t  i;

    hx_sort(v, hx_nelems(v), sizeof(pair_t), pair_cmp);

    for (i = 0; i < hx_nelems(v); i++) {
        cr_assert_eq(v[i].key, keys[i]);
        cr_assert_eq(v[i].seq, seqs[i]);
    }
}


Test(hx_string_sort, large_elements_use_heap_temporary)
{
    static big_t  v[50];
    int           i;

    for (i = 0; i < 50; i++) {
        v[i].key = (i * 7) % 5;
        v[i].seq = i;
        v[i].pad[199] = (uint8_t) i;
    }

    hx_sort(v, 50, sizeof(big_t), big_cmp);

    for (i = 1; i < 50; i++) {
        cr_assert_leq(v[i - 1].key, v[i].key);
        if (v[i - 1].key == v[i].key) {
            cr_assert_lt(v[i - 1].seq, v[i].seq);
        }
        cr_assert_eq(v[i].pad[199], (uint8_t) v[i].seq);
    }
}


Test(hx_string_escape, json_hex_is_uppercase_as_nginx_writes_it)
{
    uint8_t    buf[16];
    uintptr_t  end;

    end = hx_escape_json(buf, (uint8_t *) "\x1b", 1);
    buf[end - (uintptr_t) buf] = '\0';
    cr_assert_str_eq((char *) buf, "\\u001B");
}


Test(hx_string_sprintf, empty_str_without_data)
{
    uint8_t   buf[8], *end;
    hx_str_t  empty = hx_null_string;

    end = hx_sprintf(buf, "<%V>", &empty);

    cr_assert_eq(end - buf, 2);
    cr_assert(memcmp(buf, "<>", 2) == 0);
}

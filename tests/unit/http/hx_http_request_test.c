/*
 * Tests for http/hx_http_request.c: hx_http_validate_host(), the check
 * every Host header and absolute-URI host goes through (RFC 3986 3.2.2
 * characters, IP literals, the port, a trailing dot, lowercasing).
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>

#include <criterion/criterion.h>


static hx_log_t    test_log;
static hx_pool_t  *pool;


static void
setup(void)
{
    memset(&test_log, 0, sizeof(hx_log_t));
    pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, &test_log);
    cr_assert_not_null(pool);
}


static void
teardown(void)
{
    hx_destroy_pool(pool);
}


TestSuite(validate_host, .init = setup, .fini = teardown);


/* validates text; the normalised host into out (NUL-terminated) */
static hx_int_t
validate(const char *text, char *out, in_port_t *port)
{
    hx_int_t   rc;
    hx_str_t   host;
    char       copy[256];

    snprintf(copy, sizeof(copy), "%s", text);

    host.data = (uint8_t *) copy;
    host.len = strlen(copy);

    rc = hx_http_validate_host(&host, port, pool, 1);

    if (rc == HX_OK) {
        memcpy(out, host.data, host.len);
        out[host.len] = '\0';
    }

    return rc;
}


Test(validate_host, names_are_lowercased_and_ports_cut)
{
    char       out[256];
    in_port_t  port;

    cr_assert_eq(validate("Example.COM", out, &port), HX_OK);
    cr_assert_str_eq(out, "example.com");
    cr_assert_eq(port, 0);

    cr_assert_eq(validate("example.com:8080", out, &port), HX_OK);
    cr_assert_str_eq(out, "example.com");
    cr_assert_eq(port, 8080);
}


Test(validate_host, a_trailing_dot_is_dropped)
{
    char       out[256];
    in_port_t  port;

    cr_assert_eq(validate("example.com.", out, &port), HX_OK);
    cr_assert_str_eq(out, "example.com");

    cr_assert_eq(validate("example.com.:81", out, &port), HX_OK);
    cr_assert_str_eq(out, "example.com");
    cr_assert_eq(port, 81);
}


Test(validate_host, ip_literals)
{
    char       out[256];
    in_port_t  port;

    cr_assert_eq(validate("[::1]:8080", out, &port), HX_OK);
    cr_assert_str_eq(out, "[::1]");
    cr_assert_eq(port, 8080);

    cr_assert_eq(validate("[v1.x!$&'()*+,;=]", out, &port), HX_OK);
    cr_assert_eq(validate("[::1", out, &port), HX_DECLINED);
    cr_assert_eq(validate("[::1].", out, &port), HX_DECLINED);
    cr_assert_eq(validate("x[::1]", out, &port), HX_DECLINED);
}


Test(validate_host, invalid_hosts)
{
    char       out[256];
    in_port_t  port;

    cr_assert_eq(validate("", out, &port), HX_DECLINED);
    cr_assert_eq(validate(".", out, &port), HX_DECLINED);
    cr_assert_eq(validate("a..b", out, &port), HX_DECLINED);
    cr_assert_eq(validate("a b", out, &port), HX_DECLINED);
    cr_assert_eq(validate("a/b", out, &port), HX_DECLINED);
    cr_assert_eq(validate("a\\b", out, &port), HX_DECLINED);
    cr_assert_eq(validate("a:b", out, &port), HX_DECLINED);
    cr_assert_eq(validate("a:65536", out, &port), HX_DECLINED);
    cr_assert_eq(validate("a:1:2", out, &port), HX_DECLINED);
    cr_assert_eq(validate("a\x01", out, &port), HX_DECLINED);
}


Test(validate_host, largest_port)
{
    char       out[256];
    in_port_t  port;

    cr_assert_eq(validate("a:65535", out, &port), HX_OK);
    cr_assert_eq(port, 65535);
}

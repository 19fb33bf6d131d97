/*
 * Tests of the geo address table: longest-prefix lookups in IPv4 and
 * IPv6, the default, deletions, IPv4-mapped addresses and non-IP
 * clients, and in ranges mode insertion in gaps and inside ranges (the
 * split), overlaps refused, exact deletion, and a large ordered base.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_geo.h>

#include <criterion/criterion.h>


static hx_pool_t  *pool;
static hx_geo_t    geo;


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


TestSuite(hx_geo, .init = setup, .fini = teardown);


static hx_int_t
add(const char *net, const char *value)
{
    void       *old;
    hx_str_t    s;
    hx_cidr_t   cidr;

    if (strcmp(net, "default") == 0) {
        hx_memzero(&cidr, sizeof(hx_cidr_t));
        cidr.family = AF_UNSPEC;

    } else {
        s.data = (uint8_t *) net;
        s.len = strlen(net);
        cr_assert_neq(hx_ptocidr(&s, &cidr), HX_ERROR, "%s", net);
    }

    return hx_geo_add_cidr(&geo, &cidr, (void *) value, &old);
}


static hx_int_t
del(const char *net)
{
    hx_str_t   s;
    hx_cidr_t  cidr;

    s.data = (uint8_t *) net;
    s.len = strlen(net);
    cr_assert_neq(hx_ptocidr(&s, &cidr), HX_ERROR);

    return hx_geo_delete_cidr(&geo, &cidr);
}


static const char *
find(const char *addr)
{
    hx_addr_t  a;

    cr_assert_eq(hx_parse_addr(pool, &a, (uint8_t *) addr, strlen(addr)),
                 HX_OK, "%s", addr);

    return hx_geo_find(&geo, a.sockaddr);
}


static hx_int_t
range(const char *text, const char *value, hx_geo_range_t *conflict)
{
    void           *old;
    uint32_t        start, end;
    hx_str_t        s;
    hx_geo_range_t  dummy;

    s.data = (uint8_t *) text;
    s.len = strlen(text);
    cr_assert_eq(hx_geo_parse_range(&s, &start, &end), HX_OK, "%s", text);

    return hx_geo_add_range(&geo, start, end, (void *) value, &old,
                            conflict ? conflict : &dummy);
}


Test(hx_geo, the_longest_prefix_wins)
{
    cr_assert_eq(hx_geo_init(&geo, pool, 0), HX_OK);

    cr_assert_eq(add("10.0.0.0/8", "ten"), HX_OK);
    cr_assert_eq(add("10.1.0.0/16", "ten-one"), HX_OK);
    cr_assert_eq(add("10.1.2.3", "host"), HX_OK);

    cr_assert_str_eq(find("10.9.9.9"), "ten");
    cr_assert_str_eq(find("10.1.9.9"), "ten-one");
    cr_assert_str_eq(find("10.1.2.3"), "host");
    cr_assert_null(find("192.0.2.1"));
}


Test(hx_geo, the_default_covers_both_families_and_other_clients)
{
    struct sockaddr_un  sun;

    cr_assert_eq(hx_geo_init(&geo, pool, 0), HX_OK);
    cr_assert_eq(add("default", "dflt"), HX_OK);
    cr_assert_eq(add("::1", "v6-loopback"), HX_OK);
    cr_assert_eq(add("255.255.255.255/32", "none"), HX_OK);

    cr_assert_str_eq(find("192.0.2.1"), "dflt");
    cr_assert_str_eq(find("2001:db8::1"), "dflt");
    cr_assert_str_eq(find("::1"), "v6-loopback");

    /* a unix-socket client is 255.255.255.255 */
    hx_memzero(&sun, sizeof(sun));
    sun.sun_family = AF_UNIX;
    cr_assert_str_eq(hx_geo_find(&geo, (struct sockaddr *) &sun), "none");
    cr_assert_str_eq(hx_geo_find(&geo, NULL), "none");

    /* a second default replaces the first */
    cr_assert_eq(add("default", "again"), HX_BUSY);
    cr_assert_str_eq(find("192.0.2.1"), "again");
}


Test(hx_geo, ipv4_mapped_addresses_are_ipv4)
{
    cr_assert_eq(hx_geo_init(&geo, pool, 0), HX_OK);
    cr_assert_eq(add("127.0.0.0/8", "loopback"), HX_OK);

    cr_assert_str_eq(find("::ffff:127.0.0.1"), "loopback");
}


Test(hx_geo, a_deleted_network_falls_back_to_its_parent)
{
    cr_assert_eq(hx_geo_init(&geo, pool, 0), HX_OK);
    cr_assert_eq(add("0.0.0.0/0", "world"), HX_OK);
    cr_assert_eq(add("127.0.0.0/8", "loopback"), HX_OK);

    cr_assert_eq(del("127.0.0.0/8"), HX_OK);
    cr_assert_str_eq(find("127.0.0.1"), "world");

    cr_assert_eq(del("127.0.0.0/8"), HX_DECLINED);
    cr_assert_eq(del("192.168.0.0/16"), HX_DECLINED);
}


Test(hx_geo, ranges_split_when_one_is_added_inside_another)
{
    hx_geo_range_t  *r;

    cr_assert_eq(hx_geo_init(&geo, pool, 1), HX_OK);

    cr_assert_eq(range("127.0.0.0-127.0.0.255", "test", NULL), HX_OK);
    cr_assert_eq(range("127.0.0.1-127.0.0.2", "test2", NULL), HX_OK);
    cr_assert_eq(range("127.0.0.1-127.0.0.1", "loopback", NULL), HX_OK);

    cr_assert_str_eq(find("127.0.0.0"), "test");
    cr_assert_str_eq(find("127.0.0.1"), "loopback");
    cr_assert_str_eq(find("127.0.0.2"), "test2");
    cr_assert_str_eq(find("127.0.0.3"), "test");
    cr_assert_null(find("127.0.1.0"));

    /* the pieces stay sorted and disjoint */
    r = geo.ranges->elts;
    cr_assert_eq(geo.ranges->nelts, 4);
    cr_assert_lt(r[0].end, r[1].start);
    cr_assert_lt(r[2].end, r[3].start);
}


Test(hx_geo, ranges_in_gaps_before_and_after)
{
    cr_assert_eq(hx_geo_init(&geo, pool, 1), HX_OK);

    cr_assert_eq(range("127.0.0.1-127.0.0.255", "a", NULL), HX_OK);
    cr_assert_eq(range("127.0.0.0-127.0.0.0", "before", NULL), HX_OK);
    cr_assert_eq(range("127.0.1.0-127.0.1.9", "after", NULL), HX_OK);

    cr_assert_str_eq(find("127.0.0.0"), "before");
    cr_assert_str_eq(find("127.0.0.7"), "a");
    cr_assert_str_eq(find("127.0.1.9"), "after");
}


Test(hx_geo, a_range_across_a_boundary_is_refused)
{
    hx_geo_range_t  conflict;

    cr_assert_eq(hx_geo_init(&geo, pool, 1), HX_OK);
    cr_assert_eq(range("10.0.0.10-10.0.0.20", "a", NULL), HX_OK);

    cr_assert_eq(range("10.0.0.15-10.0.0.30", "b", &conflict), HX_DECLINED);
    cr_assert_eq(conflict.start, 0x0a00000a);
    cr_assert_eq(conflict.end, 0x0a000014);

    cr_assert_eq(range("10.0.0.10-10.0.0.20", "c", NULL), HX_BUSY);
    cr_assert_str_eq(find("10.0.0.12"), "c");
}


Test(hx_geo, delete_takes_an_exact_range_only)
{
    uint32_t   start, end;
    hx_str_t   s;

    cr_assert_eq(hx_geo_init(&geo, pool, 1), HX_OK);
    cr_assert_eq(range("127.0.0.0-127.1.0.0", "a", NULL), HX_OK);

    hx_str_set(&s, "127.0.0.0-127.0.255.255");
    cr_assert_eq(hx_geo_parse_range(&s, &start, &end), HX_OK);
    cr_assert_eq(hx_geo_delete_range(&geo, start, end), HX_DECLINED);

    hx_str_set(&s, "127.0.0.0-127.1.0.0");
    cr_assert_eq(hx_geo_parse_range(&s, &start, &end), HX_OK);
    cr_assert_eq(hx_geo_delete_range(&geo, start, end), HX_OK);
    cr_assert_null(find("127.0.0.1"));
}


Test(hx_geo, range_text_is_checked)
{
    uint32_t   start, end;
    hx_str_t   s;

    hx_str_set(&s, "10.0.0.2-10.0.0.1");
    cr_assert_eq(hx_geo_parse_range(&s, &start, &end), HX_ERROR);

    hx_str_set(&s, "10.0.0.1");
    cr_assert_eq(hx_geo_parse_range(&s, &start, &end), HX_ERROR);

    hx_str_set(&s, "0.0.0.0-255.255.255.255");
    cr_assert_eq(hx_geo_parse_range(&s, &start, &end), HX_OK);
    cr_assert_eq(end, 0xffffffff);
}


Test(hx_geo, a_large_ordered_base_loads_fast)
{
    uint32_t         i;
    hx_geo_range_t   conflict;
    struct timespec  a, b;

    cr_assert_eq(hx_geo_init(&geo, pool, 1), HX_OK);

    clock_gettime(CLOCK_MONOTONIC, &a);

    for (i = 0; i < 200000; i++) {
        cr_assert_eq(hx_geo_add_range(&geo, 0x7f000000 + 2 * i,
                                      0x7f000000 + 2 * i, "x", NULL,
                                      &conflict), HX_OK);
    }

    clock_gettime(CLOCK_MONOTONIC, &b);

    /* quadratic insertion would take minutes */
    cr_assert_lt(b.tv_sec - a.tv_sec, 2);

    cr_assert_str_eq(find("127.0.0.2"), "x");
    cr_assert_null(find("127.0.0.3"));
}

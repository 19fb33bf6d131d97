/*
 * Tests for http/modules/hx_http_split_clients_module.c: each key lands
 * in the slice of the 32-bit MurmurHash2 space nginx gives it (the
 * boundaries are computed here independently, from the percentages),
 * "*" takes the rest, and bad percentages are refused.
 */

#include "hx_http_modules_fixture.h"


TestSuite(http_split_clients, .init = hxh_init);


#define HXH_SERVER  "server { listen 127.0.0.1:9000; location / { } }\n"


/* the variant nginx picks for key with 51.2% .one, 10% .two, * .three */
static const char *
hxh_expected(const char *key)
{
    uint32_t  hash, one, two;

    hash = hx_murmur_hash2((uint8_t *) key, strlen(key));

    one = (uint32_t) (5120 * (uint64_t) 0xffffffff / 10000);
    two = one + (uint32_t) (1000 * (uint64_t) 0xffffffff / 10000);

    if (hash < one) {
        return ".one";
    }

    if (hash < two) {
        return ".two";
    }

    return ".three";
}


Test(http_split_clients, keys_fall_in_nginx_s_slices)
{
    char        key[32];
    hx_uint_t   i, seen[3];
    const char *exp, *got;

    hxh_parse_ok("http {\n"
                 "split_clients $args $variant {\n"
                 "    51.2%  .one;\n"
                 "    10%    .two;\n"
                 "    *      .three;\n"
                 "}\n" HXH_SERVER "}\n");

    hx_memzero(seen, sizeof(seen));

    for (i = 0; i < 200; i++) {
        snprintf(key, sizeof(key), "client-%u", (unsigned) i);

        exp = hxh_expected(key);
        got = hxh_var(hxh_request("127.0.0.1:1", "/", key), "variant");

        cr_assert_str_eq(got, exp, "key %s", key);

        seen[exp[1] == 'o' ? 0 : exp[2] == 'w' ? 1 : 2]++;
    }

    /* every slice is used: the boundaries are not all at one end */
    cr_assert_gt(seen[0], 0);
    cr_assert_gt(seen[1], 0);
    cr_assert_gt(seen[2], 0);
}


Test(http_split_clients, a_total_of_100_percent_needs_no_star)
{
    hxh_parse_ok("http { split_clients $args $v { 50% a; 50% b; }\n"
                 HXH_SERVER "}\n");

    /* the last part catches everything, up to 0xffffffff */
    cr_assert_neq(strcmp(hxh_var(hxh_request("127.0.0.1:1", "/", "x"), "v"),
                         ""), 0);
}


Test(http_split_clients, without_star_the_rest_is_empty)
{
    hx_uint_t   i, empty;
    char        key[32];

    hxh_parse_ok("http { split_clients $args $v { 10% a; }\n"
                 HXH_SERVER "}\n");

    empty = 0;

    for (i = 0; i < 50; i++) {
        snprintf(key, sizeof(key), "k%u", (unsigned) i);

        if (hxh_var(hxh_request("127.0.0.1:1", "/", key), "v")[0] == '\0') {
            empty++;
        }
    }

    cr_assert_gt(empty, 0);
}


Test(http_split_clients, more_than_100_percent_is_refused)
{
    hxh_parse_fails("http { split_clients $args $v { 60% a; 50% b; }\n"
                    HXH_SERVER "}\n",
                    "percent total is greater than 100% in ");
}


Test(http_split_clients, a_percentage_needs_its_sign)
{
    hxh_parse_fails("http { split_clients $args $v { 60 a; }\n"
                    HXH_SERVER "}\n", "invalid percent value \"60\"");
}


Test(http_split_clients, zero_percent_is_refused)
{
    hxh_parse_fails("http { split_clients $args $v { 0% a; }\n"
                    HXH_SERVER "}\n", "invalid percent value \"0%\"");
}

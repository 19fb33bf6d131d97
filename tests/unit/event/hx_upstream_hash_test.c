/*
 * Tests of event/hx_upstream_hash.c: ip_hash follows nginx's formula, is
 * stable per /24 and moves only the clients of a server that goes down;
 * hash KEY lands where nginx's Cache::Memcached arithmetic says and
 * rehashes past a dead server; hash KEY consistent matches a ketama ring
 * built independently (expected values computed outside hanx), moves
 * about 1/n of the keys when a server is added and none of the others'
 * when one goes down, and spreads keys by weight.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <criterion/criterion.h>
#include <arpa/inet.h>

#include "hx_upstream_fixture.h"


TestSuite(hx_upstream_hash, .init = hxu_setup, .fini = hxu_teardown);


static const char  *three[] = {
    "server 10.0.0.1:80",
    "server 10.0.0.2:80",
    "server 10.0.0.3:80",
    NULL
};


/* nginx's ip_hash for an IPv4 client, written out from the formula */
static hx_uint_t
ref_ip_hash(const uint8_t *a, const hx_uint_t *weights, hx_uint_t total)
{
    hx_uint_t  i, h, w;

    h = 89;

    for (i = 0; i < 3; i++) {
        h = (h * 113 + a[i]) % 6271;
    }

    w = h % total;

    for (i = 0; w >= weights[i]; i++) {
        w -= weights[i];
    }

    return i;
}


static hx_int_t
pick_client(hx_upstream_t *us, const char *ip)
{
    return hxu_pick(us, hxu_sel(hxu_addr(ip, 40000), NULL), 0);
}


static hx_int_t
pick_key(hx_upstream_t *us, const char *key)
{
    return hxu_pick(us, hxu_sel(NULL, key), 0);
}


Test(hx_upstream_hash, ip_hash_matches_nginx_formula)
{
    char            ip[32];
    uint8_t         a[4];
    hx_uint_t       k, weights[3] = { 1, 2, 1 };
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80",
        "server 10.0.0.2:80 weight=2",
        "server 10.0.0.3:80",
        NULL
    };

    us = hxu_upstream(&hx_upstream_ip_hash, 0, lines);

    for (k = 0; k < 500; k++) {
        a[0] = 10 + k % 7;
        a[1] = (k * 37) & 0xff;
        a[2] = (k * 101) & 0xff;
        a[3] = k & 0xff;

        snprintf(ip, sizeof(ip), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);

        cr_assert_eq(pick_client(us, ip),
                     (hx_int_t) ref_ip_hash(a, weights, 4), "%s", ip);
    }
}


Test(hx_upstream_hash, ip_hash_is_stable_within_a_slash_24)
{
    char            ip[32];
    hx_int_t        first;
    hx_uint_t       k;
    hx_upstream_t  *us;

    us = hxu_upstream(&hx_upstream_ip_hash, 0, three);

    first = pick_client(us, "198.51.100.1");

    for (k = 2; k < 255; k++) {
        snprintf(ip, sizeof(ip), "198.51.100.%lu", k);
        cr_assert_eq(pick_client(us, ip), first);
    }
}


Test(hx_upstream_hash, ip_hash_spreads_networks_by_weight)
{
    char            ip[32];
    hx_uint_t       k, counts[16] = { 0 };
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80 weight=2",
        "server 10.0.0.2:80",
        "server 10.0.0.3:80",
        NULL
    };

    us = hxu_upstream(&hx_upstream_ip_hash, 0, lines);

    for (k = 0; k < 10000; k++) {
        snprintf(ip, sizeof(ip), "%lu.%lu.%lu.9", 1 + k / 65536,
                 (k / 256) % 256, k % 256);
        counts[pick_client(us, ip)]++;
    }

    cr_assert(counts[0] > 4500 && counts[0] < 5500, "%lu", counts[0]);
    cr_assert(counts[1] > 2000 && counts[1] < 3000, "%lu", counts[1]);
    cr_assert(counts[2] > 2000 && counts[2] < 3000, "%lu", counts[2]);
}


Test(hx_upstream_hash, ip_hash_moves_only_clients_of_a_down_server)
{
    char            ip[32];
    hx_int_t        before[300], after;
    hx_uint_t       k;
    hx_upstream_t  *us;

    us = hxu_upstream(&hx_upstream_ip_hash, 0, three);

    for (k = 0; k < 300; k++) {
        snprintf(ip, sizeof(ip), "172.16.%lu.1", k % 256);
        before[k] = pick_client(us, ip);
    }

    hx_upstream_peer_set_down(us, &us->peers->peer[1], 1);

    for (k = 0; k < 300; k++) {
        snprintf(ip, sizeof(ip), "172.16.%lu.1", k % 256);
        after = pick_client(us, ip);

        cr_assert_neq(after, 1);

        if (before[k] != 1) {
            cr_assert_eq(after, before[k], "%s moved", ip);
        }
    }
}


Test(hx_upstream_hash, ip_hash_uses_the_whole_ipv6_address)
{
    hx_int_t        a;
    hx_uint_t       k, moved;
    hx_upstream_t  *us;
    char            ip[64];

    us = hxu_upstream(&hx_upstream_ip_hash, 0, three);

    a = hxu_pick(us, hxu_sel(hxu_addr6("2001:db8::1", 1), NULL), 0);
    cr_assert_eq(hxu_pick(us, hxu_sel(hxu_addr6("2001:db8::1", 2), NULL), 0),
                 a);

    moved = 0;

    for (k = 2; k < 50; k++) {
        snprintf(ip, sizeof(ip), "2001:db8::%lx", k);
        moved += (hxu_pick(us, hxu_sel(hxu_addr6(ip, 1), NULL), 0) != a);
    }

    cr_assert_gt(moved, 10, "the last bytes matter for IPv6");
}


Test(hx_upstream_hash, ip_hash_without_client_uses_one_pseudo_address)
{
    hx_int_t        a;
    hx_uint_t       k;
    hx_upstream_t  *us;

    us = hxu_upstream(&hx_upstream_ip_hash, 0, three);

    a = hxu_pick(us, NULL, 0);

    for (k = 0; k < 5; k++) {
        cr_assert_eq(hxu_pick(us, NULL, 0), a);
    }
}


Test(hx_upstream_hash, ip_hash_falls_back_to_round_robin_when_all_probes_fail)
{
    hx_upstream_t  *us;

    us = hxu_upstream(&hx_upstream_ip_hash, 0, three);

    hx_upstream_peer_set_down(us, &us->peers->peer[0], 1);
    hx_upstream_peer_set_down(us, &us->peers->peer[1], 1);

    /* after 20 probes round robin finds the last one */
    cr_assert_eq(pick_client(us, "192.0.2.1"), 2);
    cr_assert_eq(pick_client(us, "203.0.113.50"), 2);
}


Test(hx_upstream_hash, hash_key_lands_where_nginx_puts_it)
{
    hx_uint_t       k;
    hx_upstream_t  *us;
    const char     *keys[] = { "/a", "/b", "/c", "/index.html", "/img/1.png",
                               "user42", "x", "y", "z", "hello" };
    hx_int_t        expect[] = { 1, 2, 1, 2, 2, 0, 1, 0, 2, 1 };

    us = hxu_upstream(&hx_upstream_hash, 0, three);

    for (k = 0; k < hx_nelems(keys); k++) {
        cr_assert_eq(pick_key(us, keys[k]), expect[k], "%s", keys[k]);
    }
}


Test(hx_upstream_hash, hash_is_stable_and_spread)
{
    char            key[32];
    hx_int_t        a;
    hx_uint_t       k, counts[16] = { 0 };
    hx_upstream_t  *us;

    us = hxu_upstream(&hx_upstream_hash, 0, three);

    for (k = 0; k < 10000; k++) {
        snprintf(key, sizeof(key), "/object/%lu", k);
        a = pick_key(us, key);
        cr_assert_eq(pick_key(us, key), a);
        counts[a]++;
    }

    for (k = 0; k < 3; k++) {
        cr_assert(counts[k] > 3000 && counts[k] < 3700, "%lu", counts[k]);
    }
}


Test(hx_upstream_hash, hash_rehashes_past_a_down_server)
{
    char            key[32];
    hx_int_t        before[200], after;
    hx_uint_t       k;
    hx_upstream_t  *us;

    us = hxu_upstream(&hx_upstream_hash, 0, three);

    for (k = 0; k < 200; k++) {
        snprintf(key, sizeof(key), "k%lu", k);
        before[k] = pick_key(us, key);
    }

    hx_upstream_peer_set_down(us, &us->peers->peer[0], 1);

    for (k = 0; k < 200; k++) {
        snprintf(key, sizeof(key), "k%lu", k);
        after = pick_key(us, key);

        cr_assert_neq(after, 0);

        if (before[k] != 0) {
            cr_assert_eq(after, before[k]);
        }
    }
}


Test(hx_upstream_hash, empty_key_goes_round_robin)
{
    hx_upstream_t  *us;

    us = hxu_upstream(&hx_upstream_hash, 0, three);

    cr_assert_eq(pick_key(us, ""), 0);
    cr_assert_eq(pick_key(us, ""), 1);
    cr_assert_eq(pick_key(us, ""), 2);
}


Test(hx_upstream_hash, consistent_ring_matches_ketama_reference)
{
    hx_uint_t       k;
    hx_upstream_t  *us;
    const char     *keys[] = { "/a", "/b", "/c", "/index.html", "/img/1.png",
                               "user42", "x", "y", "z", "hello" };
    hx_int_t        expect[] = { 0, 2, 1, 0, 0, 2, 0, 0, 0, 0 };

    us = hxu_upstream(&hx_upstream_chash, 0, three);

    for (k = 0; k < hx_nelems(keys); k++) {
        cr_assert_eq(pick_key(us, keys[k]), expect[k], "%s", keys[k]);
    }
}


Test(hx_upstream_hash, consistent_ring_splits_host_and_port_like_ketama)
{
    hx_str_t              name = hx_string("backend.example:8080");
    hx_uint_t             k;
    hx_upstream_t        *us;
    hx_upstream_server_t *s;
    const char           *keys[] = { "/a", "/b", "/c", "/index.html",
                                     "/img/1.png", "user42", "x", "y", "z",
                                     "hello" };
    hx_int_t              expect[] = { 2, 1, 1, 0, 0, 0, 1, 0, 1, 0 };
    const char           *lines[] = { "server 10.0.0.1:80 weight=2", NULL };

    us = hxu_upstream_conf(&hx_upstream_chash, 0, lines);

    /* a name as written in the configuration: the ring hashes the text */
    s = hx_upstream_add_server(hxu_cf.pool, us, hxu_addr("10.0.0.2", 8080),
                               sizeof(struct sockaddr_in), &name);
    cr_assert_not_null(s);

    cr_assert_eq(hxu_server(us, "server unix:/tmp/s.sock"), HX_CONF_OK);
    cr_assert_eq(hx_upstream_init(&hxu_cf, us), HX_OK);

    for (k = 0; k < hx_nelems(keys); k++) {
        cr_assert_eq(pick_key(us, keys[k]), expect[k], "%s", keys[k]);
    }
}


Test(hx_upstream_hash, consistent_adding_a_server_moves_about_a_quarter)
{
    char            key[32];
    hx_int_t        before[10000], after;
    hx_uint_t       k, moved;
    hx_upstream_t  *us, *us4;
    const char     *four[] = {
        "server 10.0.0.1:80",
        "server 10.0.0.2:80",
        "server 10.0.0.3:80",
        "server 10.0.0.4:80",
        NULL
    };

    us = hxu_upstream(&hx_upstream_chash, 0, three);
    us4 = hxu_upstream(&hx_upstream_chash, 0, four);

    moved = 0;

    for (k = 0; k < 10000; k++) {
        snprintf(key, sizeof(key), "/object/%lu", k);
        before[k] = pick_key(us, key);
        after = pick_key(us4, key);

        if (after != before[k]) {
            cr_assert_eq(after, 3, "keys only move to the new server");
            moved++;
        }
    }

    cr_assert(moved > 1700 && moved < 3300, "moved %lu of 10000", moved);
}


Test(hx_upstream_hash, consistent_down_server_moves_only_its_keys)
{
    char            key[32];
    hx_int_t        before[2000], after;
    hx_uint_t       k, counts[16] = { 0 };
    hx_upstream_t  *us;

    us = hxu_upstream(&hx_upstream_chash, 0, three);

    for (k = 0; k < 2000; k++) {
        snprintf(key, sizeof(key), "/object/%lu", k);
        before[k] = pick_key(us, key);
        counts[before[k]]++;
    }

    for (k = 0; k < 3; k++) {
        cr_assert(counts[k] > 450 && counts[k] < 900, "%lu", counts[k]);
    }

    hx_upstream_peer_set_down(us, &us->peers->peer[2], 1);

    for (k = 0; k < 2000; k++) {
        snprintf(key, sizeof(key), "/object/%lu", k);
        after = pick_key(us, key);

        cr_assert_neq(after, 2);

        if (before[k] != 2) {
            cr_assert_eq(after, before[k]);
        }
    }
}


Test(hx_upstream_hash, consistent_weights_take_proportional_shares)
{
    char            key[32];
    hx_uint_t       k, counts[16] = { 0 };
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80 weight=3",
        "server 10.0.0.2:80",
        NULL
    };

    us = hxu_upstream(&hx_upstream_chash, 0, lines);

    for (k = 0; k < 10000; k++) {
        snprintf(key, sizeof(key), "session-%lu", k);
        counts[pick_key(us, key)]++;
    }

    cr_assert(counts[0] > 7000 && counts[0] < 8000, "%lu", counts[0]);
}

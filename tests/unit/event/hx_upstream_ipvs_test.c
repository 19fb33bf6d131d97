/*
 * Tests of event/hx_upstream_ipvs.c, keepalived's lb_algo: rr and wrr
 * sequences as IPVS produces them, the connection-count schedulers (lc,
 * wlc, sed, nq) and fo/ovf choosing as their formulas say, sh stable per
 * client with weighted buckets, dh by destination, the Maglev table
 * (every slot filled, shares by weight, little disruption when a server
 * leaves, none when one is inhibited), fallback options, the sorry
 * server, and 10,000-connection distributions.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <criterion/criterion.h>
#include <arpa/inet.h>

#include "hx_upstream_fixture.h"


TestSuite(hx_upstream_ipvs, .init = hxu_setup, .fini = hxu_teardown);


static const char  *three[] = {
    "server 10.0.0.1:80",
    "server 10.0.0.2:80",
    "server 10.0.0.3:80",
    NULL
};


static hx_int_t
from(hx_upstream_t *us, const char *ip, in_port_t port)
{
    return hxu_pick(us, hxu_sel(hxu_addr(ip, port), NULL), 0);
}


static void
set_conns(hx_upstream_t *us, hx_uint_t a, hx_uint_t b, hx_uint_t c)
{
    us->peers->peer[0].conns = a;
    us->peers->peer[1].conns = b;
    us->peers->peer[2].conns = c;
}


Test(hx_upstream_ipvs, rr_rotates_ignoring_weights)
{
    hx_uint_t       k;
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80 weight=5",
        "server 10.0.0.2:80",
        "server 10.0.0.3:80",
        NULL
    };

    us = hxu_upstream(&hx_upstream_ipvs_rr, 0, lines);

    for (k = 0; k < 9; k++) {
        cr_assert_eq(hxu_pick(us, NULL, 0), (hx_int_t) (k % 3));
    }

    /* a server taken out or inhibited is stepped over */
    hx_upstream_peer_set_down(us, &us->peers->peer[1], 1);

    cr_assert_eq(hxu_pick(us, NULL, 0), 0);
    cr_assert_eq(hxu_pick(us, NULL, 0), 2);

    hx_upstream_peer_set_weight(us, &us->peers->peer[2], 0);

    cr_assert_eq(hxu_pick(us, NULL, 0), 0);
    cr_assert_eq(hxu_pick(us, NULL, 0), 0);
}


Test(hx_upstream_ipvs, wrr_4_3_2_interleaves_like_ipvs)
{
    hx_uint_t       k;
    hx_upstream_t  *us;
    const char     *seq = "aababcabc" "aababcabc";
    const char     *lines[] = {
        "server 10.0.0.1:80 weight=4",
        "server 10.0.0.2:80 weight=3",
        "server 10.0.0.3:80 weight=2",
        NULL
    };

    us = hxu_upstream(&hx_upstream_ipvs_wrr, 0, lines);

    for (k = 0; seq[k]; k++) {
        cr_assert_eq(hxu_pick(us, NULL, 0), seq[k] - 'a', "pick %lu", k);
    }
}


Test(hx_upstream_ipvs, wrr_steps_by_the_weights_gcd)
{
    hx_uint_t       k;
    hx_upstream_t  *us;
    const char     *seq = "aabaab";
    const char     *lines[] = {
        "server 10.0.0.1:80 weight=4",
        "server 10.0.0.2:80 weight=2",
        NULL
    };

    us = hxu_upstream(&hx_upstream_ipvs_wrr, 0, lines);

    for (k = 0; seq[k]; k++) {
        cr_assert_eq(hxu_pick(us, NULL, 0), seq[k] - 'a', "pick %lu", k);
    }
}


Test(hx_upstream_ipvs, wrr_shares_over_10000_and_after_removal)
{
    hx_uint_t       counts[16] = { 0 };
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80 weight=4",
        "server 10.0.0.2:80 weight=3",
        "server 10.0.0.3:80 weight=2",
        NULL
    };

    us = hxu_upstream(&hx_upstream_ipvs_wrr, 0, lines);

    hxu_count(us, NULL, 9000, counts);

    cr_assert_eq(counts[0], 4000);
    cr_assert_eq(counts[1], 3000);
    cr_assert_eq(counts[2], 2000);

    hx_upstream_peer_set_down(us, &us->peers->peer[0], 1);

    counts[0] = counts[1] = counts[2] = 0;
    hxu_count(us, NULL, 10000, counts);

    cr_assert_eq(counts[0], 0);
    cr_assert_eq(counts[1], 6000);
    cr_assert_eq(counts[2], 4000);
}


Test(hx_upstream_ipvs, lc_takes_fewest_connections_first_on_ties)
{
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80 weight=9",
        "server 10.0.0.2:80",
        "server 10.0.0.3:80",
        NULL
    };

    us = hxu_upstream(&hx_upstream_ipvs_lc, 0, lines);

    set_conns(us, 3, 1, 2);
    cr_assert_eq(hxu_pick(us, NULL, 0), 1);

    set_conns(us, 2, 2, 2);
    cr_assert_eq(hxu_pick(us, NULL, 0), 0);

    set_conns(us, 2, 2, 1);
    hx_upstream_peer_set_weight(us, &us->peers->peer[2], 0);
    cr_assert_eq(hxu_pick(us, NULL, 0), 0, "weight 0 is never chosen");
}


Test(hx_upstream_ipvs, wlc_and_sed_weigh_connections)
{
    hx_upstream_t  *wlc, *sed;
    const char     *lines[] = {
        "server 10.0.0.1:80",
        "server 10.0.0.2:80 weight=3",
        "server 10.0.0.3:80 weight=2",
        NULL
    };

    wlc = hxu_upstream(&hx_upstream_ipvs_wlc, 0, lines);
    sed = hxu_upstream(&hx_upstream_ipvs_sed, 0, lines);

    /* 0/1, 1/3, 1/2: wlc takes the idle one */
    set_conns(wlc, 0, 1, 1);
    cr_assert_eq(hxu_pick(wlc, NULL, 0), 0);

    /* (0+1)/1, (1+1)/3, (1+1)/2: sed expects the heavy one to be quicker */
    set_conns(sed, 0, 1, 1);
    cr_assert_eq(hxu_pick(sed, NULL, 0), 1);

    /* 4/1, 6/3, 4/2: a tie between 1 and 2 goes to the first */
    set_conns(wlc, 4, 6, 4);
    cr_assert_eq(hxu_pick(wlc, NULL, 0), 1);
}


Test(hx_upstream_ipvs, nq_prefers_an_idle_server)
{
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80 weight=10",
        "server 10.0.0.2:80 weight=10",
        "server 10.0.0.3:80",
        NULL
    };

    us = hxu_upstream(&hx_upstream_ipvs_nq, 0, lines);

    set_conns(us, 1, 1, 0);
    cr_assert_eq(hxu_pick(us, NULL, 0), 2);

    /* nobody idle: shortest expected delay, (1+1)/10 */
    set_conns(us, 1, 2, 1);
    cr_assert_eq(hxu_pick(us, NULL, 0), 0);
}


Test(hx_upstream_ipvs, fo_and_ovf_take_the_heaviest)
{
    hx_upstream_t  *fo, *ovf;
    const char     *lines[] = {
        "server 10.0.0.1:80 weight=2",
        "server 10.0.0.2:80 weight=5",
        "server 10.0.0.3:80 weight=3",
        NULL
    };

    fo = hxu_upstream(&hx_upstream_ipvs_fo, 0, lines);
    ovf = hxu_upstream(&hx_upstream_ipvs_ovf, 0, lines);

    set_conns(fo, 0, 100, 0);
    cr_assert_eq(hxu_pick(fo, NULL, 0), 1);

    hx_upstream_peer_set_down(fo, &fo->peers->peer[1], 1);
    cr_assert_eq(hxu_pick(fo, NULL, 0), 2, "fail over to the next weight");

    /* ovf: weight 5 until it has more than 5 connections */
    set_conns(ovf, 0, 5, 0);
    cr_assert_eq(hxu_pick(ovf, NULL, -1), 1);
    cr_assert_eq(hxu_pick(ovf, NULL, -1), 2);
}


Test(hx_upstream_ipvs, lc_and_wlc_spread_10000_open_connections)
{
    hx_uint_t       k;
    hx_upstream_t  *lc, *wlc;
    const char     *lines[] = {
        "server 10.0.0.1:80 weight=2",
        "server 10.0.0.2:80 weight=1",
        "server 10.0.0.3:80 weight=1",
        NULL
    };

    lc = hxu_upstream(&hx_upstream_ipvs_lc, 0, lines);
    wlc = hxu_upstream(&hx_upstream_ipvs_wlc, 0, lines);

    for (k = 0; k < 10000; k++) {
        cr_assert_geq(hxu_pick(lc, NULL, -1), 0);
        cr_assert_geq(hxu_pick(wlc, NULL, -1), 0);
    }

    for (k = 0; k < 3; k++) {
        cr_assert_leq(lc->peers->peer[k].conns, 3334);
        cr_assert_geq(lc->peers->peer[k].conns, 3333);
    }

    cr_assert_eq(wlc->peers->peer[0].conns, 5000);
    cr_assert_eq(wlc->peers->peer[1].conns, 2500);
    cr_assert_eq(wlc->peers->peer[2].conns, 2500);
}


Test(hx_upstream_ipvs, sh_is_stable_per_client_and_ignores_the_port)
{
    char            ip[32];
    hx_int_t        a;
    hx_uint_t       k, counts[16] = { 0 };
    hx_upstream_t  *us;

    us = hxu_upstream(&hx_upstream_ipvs_sh, 0, three);

    for (k = 0; k < 3000; k++) {
        snprintf(ip, sizeof(ip), "10.%lu.%lu.%lu", k % 7, k / 256, k % 256);

        a = from(us, ip, 1000 + k);
        cr_assert_eq(from(us, ip, 2000 + k), a);
        cr_assert_eq(from(us, ip, 3000), a);
        counts[a]++;
    }

    for (k = 0; k < 3; k++) {
        cr_assert(counts[k] > 800 && counts[k] < 1200, "%lu", counts[k]);
    }
}


Test(hx_upstream_ipvs, sh_table_gives_weight_consecutive_buckets)
{
    uint16_t       *slot;
    hx_uint_t       size, k, counts[16] = { 0 };
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80 weight=2",
        "server 10.0.0.2:80",
        NULL
    };

    us = hxu_upstream(&hx_upstream_ipvs_sh, 0, lines);

    slot = hx_upstream_ipvs_slots(us, &size);
    cr_assert_not_null(slot);
    cr_assert_eq(size, 256);

    cr_assert_eq(slot[0], 0);
    cr_assert_eq(slot[1], 0);
    cr_assert_eq(slot[2], 1);
    cr_assert_eq(slot[3], 0);

    for (k = 0; k < size; k++) {
        counts[slot[k]]++;
    }

    cr_assert_eq(counts[0], 171);
    cr_assert_eq(counts[1], 85);
}


Test(hx_upstream_ipvs, sh_with_port_option_hashes_the_port_too)
{
    hx_uint_t       k, differ;
    hx_upstream_t  *us;

    us = hxu_upstream(&hx_upstream_ipvs_sh, HX_UPSTREAM_HASH_PORT, three);

    differ = 0;

    for (k = 0; k < 50; k++) {
        differ += (from(us, "192.0.2.7", 1000 + k)
                   != from(us, "192.0.2.7", 2000 + k));
    }

    cr_assert_gt(differ, 10);
}


Test(hx_upstream_ipvs, sh_removed_server_reassigns_inhibited_one_fails)
{
    char            ip[32];
    hx_int_t        before[256], after;
    hx_uint_t       k, lost;
    hx_upstream_t  *us, *fb;

    us = hxu_upstream(&hx_upstream_ipvs_sh, 0, three);
    fb = hxu_upstream(&hx_upstream_ipvs_sh, HX_UPSTREAM_HASH_FALLBACK, three);

    for (k = 0; k < 256; k++) {
        snprintf(ip, sizeof(ip), "198.51.100.%lu", k);
        before[k] = from(us, ip, 1);
        cr_assert_eq(from(fb, ip, 1), before[k]);
    }

    /* inhibited (weight 0): its clients find nobody, unless fallback */
    hx_upstream_peer_set_weight(us, &us->peers->peer[0], 0);
    hx_upstream_peer_set_weight(fb, &fb->peers->peer[0], 0);

    lost = 0;

    for (k = 0; k < 256; k++) {
        snprintf(ip, sizeof(ip), "198.51.100.%lu", k);
        after = from(us, ip, 1);

        if (before[k] == 0) {
            cr_assert_eq(after, HXU_BUSY);
            lost++;

            after = from(fb, ip, 1);
            cr_assert(after == 1 || after == 2);

        } else {
            cr_assert_eq(after, before[k], "others keep their server");
            cr_assert_eq(from(fb, ip, 1), before[k]);
        }
    }

    cr_assert_gt(lost, 0);
    cr_assert_eq(hxu_logged_count("no live upstreams"), lost);

    /* removed by a checker: the table is rebuilt over the other two */
    hx_upstream_peer_set_weight(us, &us->peers->peer[0], -1);
    hx_upstream_peer_set_down(us, &us->peers->peer[0], 1);

    for (k = 0; k < 256; k++) {
        snprintf(ip, sizeof(ip), "198.51.100.%lu", k);
        after = from(us, ip, 1);
        cr_assert(after == 1 || after == 2);
    }
}


Test(hx_upstream_ipvs, dh_hashes_the_destination)
{
    char                   ip[32];
    hx_int_t               a;
    hx_uint_t              k, counts[16] = { 0 };
    hx_upstream_t         *us;
    hx_upstream_select_t  *sel;
    const char            *lines[] = {
        "server 10.0.0.1:80 weight=5",
        "server 10.0.0.2:80",
        NULL
    };

    us = hxu_upstream(&hx_upstream_ipvs_dh, 0, lines);

    for (k = 0; k < 1000; k++) {
        snprintf(ip, sizeof(ip), "203.0.%lu.%lu", k / 256, k % 256);

        sel = hxu_sel(hxu_addr("192.0.2.1", 1000 + k), NULL);
        sel->local = hxu_addr(ip, 80);
        sel->local_len = sizeof(struct sockaddr_in);

        a = hxu_pick(us, sel, 0);

        sel->client = hxu_addr("192.0.2.99", 7);
        cr_assert_eq(hxu_pick(us, sel, 0), a, "the client does not matter");

        counts[a]++;
    }

    /* dh ignores weights: buckets alternate */
    cr_assert(counts[0] > 400 && counts[0] < 600, "%lu", counts[0]);
}


Test(hx_upstream_ipvs, mh_table_is_full_and_even)
{
    uint16_t       *slot;
    hx_uint_t       size, k, lo, hi, counts[16] = { 0 };
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80",
        "server 10.0.0.2:80",
        "server 10.0.0.3:80",
        "server 10.0.0.4:80",
        "server 10.0.0.5:80",
        NULL
    };

    us = hxu_upstream(&hx_upstream_ipvs_mh, 0, lines);

    slot = hx_upstream_ipvs_slots(us, &size);
    cr_assert_eq(size, HX_UPSTREAM_MH_SIZE);

    for (k = 0; k < size; k++) {
        cr_assert_lt(slot[k], 5, "slot %lu is empty", k);
        counts[slot[k]]++;
    }

    lo = hi = counts[0];

    for (k = 1; k < 5; k++) {
        lo = hx_min(lo, counts[k]);
        hi = hx_max(hi, counts[k]);
    }

    /* one slot per server per round: never more than one apart */
    cr_assert_leq(hi - lo, 1);
}


Test(hx_upstream_ipvs, mh_shares_follow_weights)
{
    uint16_t       *slot;
    hx_uint_t       size, k, counts[16] = { 0 };
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80 weight=3",
        "server 10.0.0.2:80",
        "server 10.0.0.3:80 weight=2",
        NULL
    };

    us = hxu_upstream(&hx_upstream_ipvs_mh, 0, lines);

    slot = hx_upstream_ipvs_slots(us, &size);

    for (k = 0; k < size; k++) {
        counts[slot[k]]++;
    }

    cr_assert(counts[0] >= size / 2 - 3 && counts[0] <= size / 2 + 3);
    cr_assert(counts[1] >= size / 6 - 3 && counts[1] <= size / 6 + 3);
    cr_assert(counts[2] >= size / 3 - 3 && counts[2] <= size / 3 + 3);
}


Test(hx_upstream_ipvs, mh_removal_disturbs_little_and_inhibit_nothing)
{
    uint16_t       *slot, *before;
    hx_uint_t       size, k, kept, others;
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80",
        "server 10.0.0.2:80",
        "server 10.0.0.3:80",
        "server 10.0.0.4:80",
        "server 10.0.0.5:80",
        NULL
    };

    us = hxu_upstream(&hx_upstream_ipvs_mh, 0, lines);

    slot = hx_upstream_ipvs_slots(us, &size);

    before = hx_palloc(hxu_cf.pool, size * sizeof(uint16_t));
    cr_assert_not_null(before);
    hx_memcpy(before, slot, size * sizeof(uint16_t));

    /* inhibiting keeps the table: the next pick rebuilds the same one */
    hx_upstream_peer_set_weight(us, &us->peers->peer[3], 0);
    (void) from(us, "192.0.2.1", 1);
    cr_assert_eq(memcmp(before, slot, size * sizeof(uint16_t)), 0);

    hx_upstream_peer_set_weight(us, &us->peers->peer[3], -1);
    hx_upstream_peer_set_down(us, &us->peers->peer[3], 1);
    (void) from(us, "192.0.2.1", 1);

    kept = 0;
    others = 0;

    for (k = 0; k < size; k++) {
        cr_assert_neq(slot[k], 3);

        if (before[k] != 3) {
            others++;
            kept += (slot[k] == before[k]);
        }
    }

    cr_assert_gt(kept * 100, others * 90, "kept %lu of %lu", kept, others);
}


Test(hx_upstream_ipvs, mh_clients_stable_fallback_avoids_unavailable)
{
    char            ip[32];
    hx_int_t        a, b;
    hx_uint_t       k, counts[16] = { 0 };
    hx_upstream_t  *us;

    us = hxu_upstream(&hx_upstream_ipvs_mh, HX_UPSTREAM_HASH_FALLBACK, three);

    for (k = 0; k < 3000; k++) {
        snprintf(ip, sizeof(ip), "100.64.%lu.%lu", k / 256, k % 256);

        a = from(us, ip, 1);
        cr_assert_eq(from(us, ip, 9), a);
        counts[a]++;
    }

    for (k = 0; k < 3; k++) {
        cr_assert(counts[k] > 850 && counts[k] < 1150, "%lu", counts[k]);
    }

    hx_upstream_peer_set_weight(us, &us->peers->peer[1], 0);

    for (k = 0; k < 300; k++) {
        snprintf(ip, sizeof(ip), "100.64.%lu.%lu", k / 256, k % 256);

        b = from(us, ip, 1);
        cr_assert(b == 0 || b == 2);
    }
}


Test(hx_upstream_ipvs, sorry_server_when_no_real_server_is_left)
{
    hx_uint_t       k;
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80",
        "server 10.0.0.2:80",
        "server 10.0.0.99:80 backup",
        NULL
    };

    us = hxu_upstream(&hx_upstream_ipvs_wlc, 0, lines);

    cr_assert_lt(hxu_pick(us, NULL, 0), 2);

    hx_upstream_peer_set_down(us, &us->peers->peer[0], 1);
    hx_upstream_peer_set_weight(us, &us->peers->peer[1], 0);

    for (k = 0; k < 3; k++) {
        cr_assert_eq(hxu_pick(us, NULL, 0), HXU_BACKUP);
    }

    hx_upstream_peer_set_weight(us, &us->peers->peer[1], -1);
    cr_assert_eq(hxu_pick(us, NULL, 0), 1);
}


Test(hx_upstream_ipvs, rr_spreads_10000_connections_evenly)
{
    hx_uint_t       counts[16] = { 0 };
    hx_upstream_t  *us;

    us = hxu_upstream(&hx_upstream_ipvs_rr, 0, three);

    hxu_count(us, NULL, 9999, counts);

    cr_assert_eq(counts[0], 3333);
    cr_assert_eq(counts[1], 3333);
    cr_assert_eq(counts[2], 3333);
}

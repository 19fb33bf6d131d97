/*
 * Tests of event/hx_upstream_round_robin.c: nginx's smooth weighted round
 * robin sequences, the share of each weight over many picks, the backup
 * group, passive failure accounting against a fake clock (max_fails,
 * fail_timeout, the probe after it), max_conns, a single server and an
 * implicit upstream.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <criterion/criterion.h>
#include <arpa/inet.h>

#include "hx_upstream_fixture.h"


TestSuite(hx_upstream_round_robin, .init = hxu_setup, .fini = hxu_teardown);


Test(hx_upstream_round_robin, weights_5_1_1_give_nginx_smooth_sequence)
{
    hx_uint_t       k;
    hx_upstream_t  *us;
    const char     *seq = "aabacaa" "aabacaa";
    const char     *lines[] = {
        "server 10.0.0.1:80 weight=5",
        "server 10.0.0.2:80",
        "server 10.0.0.3:80",
        NULL
    };

    us = hxu_upstream(NULL, 0, lines);

    for (k = 0; seq[k]; k++) {
        cr_assert_eq(hxu_pick(us, NULL, 0), seq[k] - 'a', "pick %lu", k);
    }
}


Test(hx_upstream_round_robin, equal_weights_alternate)
{
    hx_uint_t       k;
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80",
        "server 10.0.0.2:80",
        "server 10.0.0.3:80",
        NULL
    };

    us = hxu_upstream(NULL, 0, lines);

    for (k = 0; k < 9; k++) {
        cr_assert_eq(hxu_pick(us, NULL, 0), (hx_int_t) (k % 3));
    }
}


Test(hx_upstream_round_robin, shares_follow_weights_over_10000_picks)
{
    hx_uint_t       counts[16] = { 0 };
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80 weight=3",
        "server 10.0.0.2:80 weight=2",
        "server 10.0.0.3:80 weight=1",
        NULL
    };

    us = hxu_upstream(NULL, 0, lines);

    hxu_count(us, NULL, 12000, counts);

    /* smooth round robin is exact over whole cycles */
    cr_assert_eq(counts[0], 6000);
    cr_assert_eq(counts[1], 4000);
    cr_assert_eq(counts[2], 2000);
}


Test(hx_upstream_round_robin, down_server_is_never_chosen)
{
    hx_uint_t       counts[16] = { 0 };
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80",
        "server 10.0.0.2:80 down",
        "server 10.0.0.3:80",
        NULL
    };

    us = hxu_upstream(NULL, 0, lines);

    cr_assert_eq(us->peers->tries, 2);

    hxu_count(us, NULL, 100, counts);

    cr_assert_eq(counts[1], 0);
    cr_assert_eq(counts[0], 50);
    cr_assert_eq(counts[2], 50);
}


Test(hx_upstream_round_robin, backup_used_only_when_primaries_unavailable)
{
    hx_uint_t              k;
    hx_upstream_t         *us;
    hx_peer_connection_t   pc;
    const char            *lines[] = {
        "server 10.0.0.1:80",
        "server 10.0.0.2:80",
        "server 10.0.0.9:80 backup",
        NULL
    };

    us = hxu_upstream(NULL, 0, lines);

    cr_assert_not_null(us->peers->next);
    cr_assert_eq(us->peers->single, 0);

    for (k = 0; k < 20; k++) {
        cr_assert_lt(hxu_pick(us, NULL, 0), 2);
    }

    /* both primaries fail once (max_fails=1): the next goes to backup */
    hxu_begin(us, NULL, &pc);
    cr_assert_lt(hxu_get(&pc), 2);
    pc.free(&pc, pc.data, HX_PEER_FAILED);
    cr_assert_lt(hxu_get(&pc), 2);
    pc.free(&pc, pc.data, HX_PEER_FAILED);
    cr_assert_eq(hxu_get(&pc), HXU_BACKUP + 0);
    pc.free(&pc, pc.data, 0);

    /* new connections too, until fail_timeout passes */
    cr_assert_eq(hxu_pick(us, NULL, 0), HXU_BACKUP + 0);

    hxu_time.sec += 11;

    cr_assert_lt(hxu_pick(us, NULL, 0), 2);
}


Test(hx_upstream_round_robin, all_down_including_backup_is_busy_and_logged)
{
    hx_upstream_t         *us;
    hx_peer_connection_t   pc;
    const char            *lines[] = {
        "server 10.0.0.1:80",
        "server 10.0.0.2:80",
        "server 10.0.0.9:80 backup",
        NULL
    };

    us = hxu_upstream(NULL, 0, lines);

    hxu_begin(us, NULL, &pc);
    cr_assert_eq(pc.tries, 3);

    cr_assert_geq(hxu_get(&pc), 0);
    pc.free(&pc, pc.data, HX_PEER_FAILED);
    cr_assert_geq(hxu_get(&pc), 0);
    pc.free(&pc, pc.data, HX_PEER_FAILED);
    cr_assert_eq(hxu_get(&pc), HXU_BACKUP);
    pc.free(&pc, pc.data, HX_PEER_FAILED);

    cr_assert_eq(pc.tries, 0);
    cr_assert_eq(hxu_get(&pc), HXU_BUSY);
    cr_assert_eq(pc.name, &us->name);
    cr_assert_eq(hxu_logged_count("no live upstreams"), 1);
    cr_assert_eq(hxu_logged_count("upstream server temporarily disabled"),
                 3);
}


/*
 * Picks until peer 0 comes up (at most "limit" picks), freeing it with
 * state and the others as successes; the picks it took, 0 if never.
 */
static hx_uint_t
until_first(hx_upstream_t *us, hx_uint_t state, hx_uint_t limit)
{
    hx_int_t              i;
    hx_uint_t             k;
    hx_peer_connection_t  pc;

    for (k = 1; k <= limit; k++) {
        hxu_begin(us, NULL, &pc);
        i = hxu_get(&pc);
        cr_assert_geq(i, 0);
        pc.free(&pc, pc.data, i == 0 ? state : 0);

        if (i == 0) {
            return k;
        }
    }

    return 0;
}


Test(hx_upstream_round_robin, max_fails_within_fail_timeout_then_probe)
{
    hx_uint_t       k;
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80 max_fails=2 fail_timeout=30s",
        "server 10.0.0.2:80",
        NULL
    };

    us = hxu_upstream(NULL, 0, lines);

    /* one failure is not enough to stop choosing it */
    cr_assert_eq(hxu_pick(us, NULL, HX_PEER_FAILED), 0);
    cr_assert_eq(us->peers->peer[0].fails, 1);
    cr_assert_eq(hxu_pick(us, NULL, 0), 1);

    hxu_time.sec += 5;

    cr_assert_eq(hxu_pick(us, NULL, HX_PEER_FAILED), 0);
    cr_assert_eq(us->peers->peer[0].fails, 2);

    /* failed twice within 30 s: out for 30 s after the last failure */
    for (k = 0; k < 15; k++) {
        cr_assert_eq(hxu_pick(us, NULL, 0), 1);
        hxu_time.sec += 2;
    }

    cr_assert_eq(hxu_pick(us, NULL, 0), 1, "30 s after: not yet");

    hxu_time.sec += 1;

    /* 31 s: one probe goes to it, and its success clears the count */
    cr_assert_neq(until_first(us, 0, 4), 0, "the probe after fail_timeout");
    cr_assert_eq(us->peers->peer[0].fails, 0, "a good probe clears fails");

    cr_assert_neq(until_first(us, 0, 3), 0, "back in rotation");
}


Test(hx_upstream_round_robin, failed_probe_keeps_the_server_out)
{
    hx_uint_t       k;
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80 fail_timeout=10",
        "server 10.0.0.2:80",
        NULL
    };

    us = hxu_upstream(NULL, 0, lines);

    cr_assert_eq(hxu_pick(us, NULL, HX_PEER_FAILED), 0);

    for (k = 0; k < 4; k++) {
        cr_assert_eq(hxu_pick(us, NULL, 0), 1);
    }

    hxu_time.sec += 11;

    cr_assert_neq(until_first(us, HX_PEER_FAILED, 4), 0);
    cr_assert_eq(us->peers->peer[0].fails, 2);

    /* out again for another fail_timeout */
    for (k = 0; k < 9; k++) {
        cr_assert_eq(hxu_pick(us, NULL, 0), 1);
        hxu_time.sec += 1;
    }
}


Test(hx_upstream_round_robin, max_fails_zero_never_disables)
{
    hx_uint_t       k, counts[16] = { 0 };
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80 max_fails=0",
        "server 10.0.0.2:80 max_fails=0",
        NULL
    };

    us = hxu_upstream(NULL, 0, lines);

    for (k = 0; k < 10; k++) {
        counts[hxu_pick(us, NULL, HX_PEER_FAILED)]++;
    }

    cr_assert_eq(counts[0], 5);
    cr_assert_eq(counts[1], 5);
}


Test(hx_upstream_round_robin, max_conns_limits_open_connections)
{
    hx_upstream_t         *us;
    hx_peer_connection_t   pc[3];
    const char            *lines[] = {
        "server 10.0.0.1:80 max_conns=1",
        "server 10.0.0.2:80 max_conns=1",
        NULL
    };

    us = hxu_upstream(NULL, 0, lines);

    hxu_begin(us, NULL, &pc[0]);
    hxu_begin(us, NULL, &pc[1]);
    hxu_begin(us, NULL, &pc[2]);

    cr_assert_eq(hxu_get(&pc[0]), 0);
    cr_assert_eq(hxu_get(&pc[1]), 1);
    cr_assert_eq(hxu_get(&pc[2]), HXU_BUSY);

    pc[1].free(&pc[1], pc[1].data, 0);

    cr_assert_eq(us->peers->peer[1].conns, 0);
    cr_assert_eq(hxu_get(&pc[2]), 1);
    cr_assert_eq(us->peers->peer[0].conns, 1);
}


Test(hx_upstream_round_robin, retry_skips_servers_already_tried)
{
    hx_int_t               a, b, c;
    hx_upstream_t         *us;
    hx_peer_connection_t   pc;
    const char            *lines[] = {
        "server 10.0.0.1:80 max_fails=0",
        "server 10.0.0.2:80 max_fails=0",
        "server 10.0.0.3:80 max_fails=0",
        NULL
    };

    us = hxu_upstream(NULL, 0, lines);

    hxu_begin(us, NULL, &pc);

    a = hxu_get(&pc);
    pc.free(&pc, pc.data, HX_PEER_FAILED);
    b = hxu_get(&pc);
    pc.free(&pc, pc.data, HX_PEER_FAILED);
    c = hxu_get(&pc);
    pc.free(&pc, pc.data, HX_PEER_FAILED);

    cr_assert(a != b && b != c && a != c);
    cr_assert_eq(hxu_get(&pc), HXU_BUSY);
}


Test(hx_upstream_round_robin, single_server_is_never_marked_failed)
{
    hx_uint_t              k;
    hx_upstream_t         *us;
    hx_peer_connection_t   pc;
    const char            *lines[] = {
        "server 10.0.0.1:80",
        NULL
    };

    us = hxu_upstream(NULL, 0, lines);

    cr_assert(us->peers->single);

    for (k = 0; k < 5; k++) {
        hxu_begin(us, NULL, &pc);
        cr_assert_eq(pc.tries, 1);
        cr_assert_eq(hxu_get(&pc), 0);
        pc.free(&pc, pc.data, HX_PEER_FAILED);
        cr_assert_eq(pc.tries, 0, "no next upstream to try");
    }

    cr_assert_eq(us->peers->peer[0].fails, 0);
    cr_assert_eq(hxu_logged_count("temporarily disabled"), 0);
}


Test(hx_upstream_round_robin, single_down_server_is_busy)
{
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80 down",
        NULL
    };

    us = hxu_upstream(NULL, 0, lines);

    cr_assert_eq(hxu_pick(us, NULL, 0), HXU_BUSY);
}


Test(hx_upstream_round_robin, implicit_upstream_resolves_host_and_port)
{
    hx_str_t        name = hx_string("127.0.0.1");
    hx_upstream_t   us;

    cr_assert_eq(hx_upstream_conf_init(&hxu_cf, &us, &name, 0, 0), HX_OK);
    us.port = 8080;

    cr_assert_eq(hx_upstream_init(&hxu_cf, &us), HX_OK);
    cr_assert_eq(us.peers->number, 1);
    cr_assert_eq(us.peers->peer[0].max_fails, 1);
    cr_assert_eq(us.peers->peer[0].fail_timeout, 10);
    cr_assert_eq(hx_inet_get_port(us.peers->peer[0].sockaddr), 8080);
    cr_assert(hxu_str_is(&us.peers->peer[0].name, "127.0.0.1:8080"));

    cr_assert_eq(hxu_pick(&us, NULL, 0), 0);
}


Test(hx_upstream_round_robin, implicit_upstream_without_port_is_refused)
{
    hx_str_t        name = hx_string("127.0.0.1");
    hx_upstream_t   us;

    cr_assert_eq(hx_upstream_conf_init(&hxu_cf, &us, &name, 0, 0), HX_OK);

    cr_assert_eq(hx_upstream_init(&hxu_cf, &us), HX_ERROR);
    cr_assert_eq(hxu_logged_count("no port in upstream \"127.0.0.1\""), 1);
}


Test(hx_upstream_round_robin, upstream_of_only_backups_is_refused)
{
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80 backup",
        NULL
    };

    us = hxu_upstream_conf(NULL, 0, lines);

    cr_assert_eq(hx_upstream_init(&hxu_cf, us), HX_ERROR);
    cr_assert_eq(hxu_logged_count("no servers in upstream \"backend\""), 1);
}

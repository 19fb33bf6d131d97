/*
 * Tests of event/hx_upstream_random.c: draws follow the weights, down
 * and failed servers are never drawn, "random two least_conn" prefers
 * the less loaded of two draws, weights changed by a checker take effect
 * in the draw table, and workers forked from one parent draw different
 * sequences.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <sys/wait.h>

#include "hx_upstream_fixture.h"


TestSuite(hx_upstream_random, .init = hxu_setup, .fini = hxu_teardown);


static const char  *weighted[] = {
    "server 10.0.0.1:80 weight=5",
    "server 10.0.0.2:80 weight=3",
    "server 10.0.0.3:80 weight=2",
    NULL
};


Test(hx_upstream_random, draws_follow_weights_over_10000_picks)
{
    hx_uint_t       counts[16] = { 0 };
    hx_upstream_t  *us;

    us = hxu_upstream(&hx_upstream_random, 0, weighted);

    hxu_count(us, NULL, 10000, counts);

    cr_assert(counts[0] > 4700 && counts[0] < 5300, "%lu", counts[0]);
    cr_assert(counts[1] > 2700 && counts[1] < 3300, "%lu", counts[1]);
    cr_assert(counts[2] > 1750 && counts[2] < 2250, "%lu", counts[2]);
}


Test(hx_upstream_random, down_and_failed_servers_are_not_drawn)
{
    hx_uint_t       counts[16] = { 0 };
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80",
        "server 10.0.0.2:80 down",
        "server 10.0.0.3:80",
        "server 10.0.0.4:80",
        NULL
    };

    us = hxu_upstream(&hx_upstream_random, 0, lines);

    us->peers->peer[3].fails = 1;
    us->peers->peer[3].checked = hxu_time.sec;

    hxu_count(us, NULL, 2000, counts);

    cr_assert_eq(counts[1], 0);
    cr_assert_eq(counts[3], 0);
    cr_assert(counts[0] > 800 && counts[2] > 800);
}


Test(hx_upstream_random, checker_weight_change_updates_the_draw)
{
    hx_uint_t       counts[16] = { 0 };
    hx_upstream_t  *us;

    us = hxu_upstream(&hx_upstream_random, 0, weighted);

    hx_upstream_peer_set_weight(us, &us->peers->peer[0], 0);

    hxu_count(us, NULL, 3000, counts);

    cr_assert_eq(counts[0], 0);
    cr_assert(counts[1] > 1600 && counts[1] < 2000, "%lu", counts[1]);
}


Test(hx_upstream_random, two_least_conn_prefers_the_idle_server)
{
    hx_uint_t       k, counts[16] = { 0 };
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80",
        "server 10.0.0.2:80",
        NULL
    };

    us = hxu_upstream(&hx_upstream_random_two, 0, lines);

    /* with two servers both draws differ, so the less loaded always wins */
    us->peers->peer[0].conns = 10;

    for (k = 0; k < 200; k++) {
        counts[hxu_pick(us, NULL, 0)]++;
    }

    cr_assert_eq(counts[1], 200);
}


Test(hx_upstream_random, two_least_conn_keeps_open_connections_even)
{
    hx_uint_t       k, lo, hi;
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80",
        "server 10.0.0.2:80",
        "server 10.0.0.3:80",
        "server 10.0.0.4:80",
        NULL
    };

    us = hxu_upstream(&hx_upstream_random_two, 0, lines);

    for (k = 0; k < 10000; k++) {
        cr_assert_geq(hxu_pick(us, NULL, -1), 0);
    }

    lo = hi = us->peers->peer[0].conns;

    for (k = 1; k < 4; k++) {
        lo = hx_min(lo, us->peers->peer[k].conns);
        hi = hx_max(hi, us->peers->peer[k].conns);
    }

    /* plain random would drift by hundreds; two choices stay close */
    cr_assert_leq(hi - lo, 10, "spread %lu..%lu", lo, hi);
}


Test(hx_upstream_random, single_server_and_empty_weights_use_round_robin)
{
    hx_upstream_t  *us;
    const char     *one[] = { "server 10.0.0.1:80", NULL };

    us = hxu_upstream(&hx_upstream_random, 0, one);
    cr_assert_eq(hxu_pick(us, NULL, 0), 0);

    us = hxu_upstream(&hx_upstream_random, 0, weighted);

    hx_upstream_peer_set_weight(us, &us->peers->peer[0], 0);
    hx_upstream_peer_set_weight(us, &us->peers->peer[1], 0);
    hx_upstream_peer_set_weight(us, &us->peers->peer[2], 0);

    cr_assert_eq(hxu_pick(us, NULL, 0), HXU_BUSY);
}


Test(hx_upstream_random, forked_processes_draw_different_sequences)
{
    int       fds[2], status;
    pid_t     pid;
    uint32_t  mine[8], theirs[8];
    hx_uint_t k;

    /* the parent draws first, so the state exists before fork */
    (void) hx_upstream_random_number();

    cr_assert_eq(pipe(fds), 0);

    pid = fork();
    cr_assert_neq(pid, -1);

    if (pid == 0) {
        for (k = 0; k < 8; k++) {
            theirs[k] = hx_upstream_random_number();
        }

        _exit(write(fds[1], theirs, sizeof(theirs)) == sizeof(theirs)
              ? 0 : 1);
    }

    for (k = 0; k < 8; k++) {
        mine[k] = hx_upstream_random_number();
    }

    cr_assert_eq(read(fds[0], theirs, sizeof(theirs)), sizeof(theirs));
    cr_assert_eq(waitpid(pid, &status, 0), pid);

    cr_assert_neq(memcmp(mine, theirs, sizeof(mine)), 0);
}

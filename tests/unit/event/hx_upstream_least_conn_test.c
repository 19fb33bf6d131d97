/*
 * Tests of event/hx_upstream_least_conn.c: the server with the fewest
 * open connections per weight is chosen, ties go round robin (by
 * weight), closed connections count no more, and the backup group is
 * used only when no primary can take a connection.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <criterion/criterion.h>
#include <arpa/inet.h>

#include "hx_upstream_fixture.h"


TestSuite(hx_upstream_least_conn, .init = hxu_setup, .fini = hxu_teardown);


Test(hx_upstream_least_conn, open_connections_steer_new_ones)
{
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80",
        "server 10.0.0.2:80",
        "server 10.0.0.3:80",
        NULL
    };

    us = hxu_upstream(&hx_upstream_least_conn, 0, lines);

    us->peers->peer[0].conns = 5;
    us->peers->peer[1].conns = 2;
    us->peers->peer[2].conns = 7;

    cr_assert_eq(hxu_pick(us, NULL, -1), 1);
    cr_assert_eq(hxu_pick(us, NULL, -1), 1);
    cr_assert_eq(us->peers->peer[1].conns, 4);

    /* 5, 4, 7: still peer 1 */
    cr_assert_eq(hxu_pick(us, NULL, -1), 1);

    /* 5, 5, 7: a tie between 0 and 1, round robin settles it */
    cr_assert_lt(hxu_pick(us, NULL, -1), 2);
}


Test(hx_upstream_least_conn, ratio_to_weight_decides)
{
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80 weight=4",
        "server 10.0.0.2:80",
        NULL
    };

    us = hxu_upstream(&hx_upstream_least_conn, 0, lines);

    /* 6/4 < 2/1 */
    us->peers->peer[0].conns = 6;
    us->peers->peer[1].conns = 2;

    cr_assert_eq(hxu_pick(us, NULL, -1), 0);

    /* 7/4 > 1/1 */
    us->peers->peer[1].conns = 1;

    cr_assert_eq(hxu_pick(us, NULL, -1), 1);
}


Test(hx_upstream_least_conn, ties_alternate_by_weight)
{
    hx_uint_t       counts[16] = { 0 };
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80 weight=2",
        "server 10.0.0.2:80",
        NULL
    };

    us = hxu_upstream(&hx_upstream_least_conn, 0, lines);

    /* every connection closes at once: always a tie at 0 */
    hxu_count(us, NULL, 9000, counts);

    cr_assert_eq(counts[0], 6000);
    cr_assert_eq(counts[1], 3000);
}


Test(hx_upstream_least_conn, long_connections_balance_by_weight)
{
    hx_uint_t       k;
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80 weight=3",
        "server 10.0.0.2:80",
        "server 10.0.0.3:80",
        NULL
    };

    us = hxu_upstream(&hx_upstream_least_conn, 0, lines);

    for (k = 0; k < 10000; k++) {
        cr_assert_geq(hxu_pick(us, NULL, -1), 0);
    }

    cr_assert_eq(us->peers->peer[0].conns, 6000);
    cr_assert_eq(us->peers->peer[1].conns, 2000);
    cr_assert_eq(us->peers->peer[2].conns, 2000);
}


Test(hx_upstream_least_conn, failed_and_down_servers_are_skipped)
{
    hx_uint_t       k;
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80",
        "server 10.0.0.2:80 down",
        "server 10.0.0.3:80",
        NULL
    };

    us = hxu_upstream(&hx_upstream_least_conn, 0, lines);

    us->peers->peer[2].conns = 100;

    cr_assert_eq(hxu_pick(us, NULL, HX_PEER_FAILED), 0);

    for (k = 0; k < 5; k++) {
        cr_assert_eq(hxu_pick(us, NULL, 0), 2);
    }
}


Test(hx_upstream_least_conn, backup_only_when_primaries_are_full)
{
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80 max_conns=2",
        "server 10.0.0.2:80 max_conns=1",
        "server 10.0.0.9:80 backup",
        NULL
    };

    us = hxu_upstream(&hx_upstream_least_conn, 0, lines);

    cr_assert_lt(hxu_pick(us, NULL, -1), 2);
    cr_assert_lt(hxu_pick(us, NULL, -1), 2);
    cr_assert_lt(hxu_pick(us, NULL, -1), 2);

    cr_assert_eq(hxu_pick(us, NULL, -1), HXU_BACKUP);
    cr_assert_eq(hxu_pick(us, NULL, -1), HXU_BACKUP);
    cr_assert_eq(us->peers->next->peer[0].conns, 2);
}


Test(hx_upstream_least_conn, single_server_goes_through_round_robin)
{
    hx_upstream_t  *us;
    const char     *lines[] = { "server 10.0.0.1:80", NULL };

    us = hxu_upstream(&hx_upstream_least_conn, 0, lines);

    cr_assert_eq(hxu_pick(us, NULL, HX_PEER_FAILED), 0);
    cr_assert_eq(hxu_pick(us, NULL, 0), 0);
}

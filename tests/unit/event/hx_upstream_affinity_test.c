/*
 * Tests of event/hx_upstream_affinity.c: the table itself (store, hit,
 * expiry against a fake monotonic clock, the clock restarting on a hit,
 * granularity masks for IPv4 and IPv6, eviction when the zone is full)
 * and persistence through any balancer: a client keeps its server while
 * it keeps coming, moves when the server leaves or fails, and a choice
 * made in one process holds in another.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <sys/wait.h>

#include "hx_upstream_fixture.h"


TestSuite(hx_upstream_affinity, .init = hxu_setup, .fini = hxu_teardown);


static const char  *three[] = {
    "server 10.0.0.1:80",
    "server 10.0.0.2:80",
    "server 10.0.0.3:80",
    NULL
};


/* an upstream with persistence (timeout seconds, IPv4 mask) in a zone */
static hx_upstream_t *
persistent(const hx_upstream_balancer_t *b, time_t timeout, const char *mask,
    size_t size)
{
    in_addr_t       m;
    hx_upstream_t  *us;
    hx_shm_zone_t  *zone;

    cr_assert_eq(inet_pton(AF_INET, mask, &m), 1);

    us = hxu_upstream_conf(b, 0, three);
    hx_upstream_set_persistence(us, timeout, m, 64);

    zone = hxu_zone(us, "persist", size);
    cr_assert_eq(hx_upstream_init(&hxu_cf, us), HX_OK);
    hxu_zone_init(zone);

    cr_assert_not_null(us->affinity);

    return us;
}


static hx_int_t
lookup(hx_upstream_t *us, struct sockaddr *sa)
{
    return hx_upstream_affinity_lookup(us->affinity, sa,
                                       sizeof(struct sockaddr_in6));
}


static hx_int_t
store(hx_upstream_t *us, struct sockaddr *sa, hx_uint_t peer)
{
    return hx_upstream_affinity_store(us->affinity, sa,
                                      sizeof(struct sockaddr_in6), peer);
}


static hx_int_t
from(hx_upstream_t *us, const char *ip)
{
    return hxu_pick(us, hxu_sel(hxu_addr(ip, 40000), NULL), 0);
}


Test(hx_upstream_affinity, entries_expire_after_the_timeout)
{
    hx_upstream_t  *us;

    us = persistent(&hx_upstream_ipvs_rr, 50, "255.255.255.255", 65536);

    cr_assert_eq(lookup(us, hxu_addr("192.0.2.1", 1)), -1);

    cr_assert_eq(store(us, hxu_addr("192.0.2.1", 1), 2), HX_OK);
    cr_assert_eq(hx_upstream_affinity_count(us->affinity), 1);
    cr_assert_eq(lookup(us, hxu_addr("192.0.2.1", 9)), 2, "port ignored");
    cr_assert_eq(lookup(us, hxu_addr("192.0.2.2", 1)), -1);

    hx_current_msec += 50000;

    cr_assert_eq(lookup(us, hxu_addr("192.0.2.1", 1)), -1);
    cr_assert_eq(hx_upstream_affinity_count(us->affinity), 0);
}


Test(hx_upstream_affinity, a_hit_restarts_the_clock)
{
    hx_uint_t       k;
    hx_upstream_t  *us;

    us = persistent(&hx_upstream_ipvs_rr, 10, "255.255.255.255", 65536);

    cr_assert_eq(store(us, hxu_addr("192.0.2.1", 1), 1), HX_OK);

    for (k = 0; k < 5; k++) {
        hx_current_msec += 9000;
        cr_assert_eq(lookup(us, hxu_addr("192.0.2.1", 1)), 1);
    }

    hx_current_msec += 10001;
    cr_assert_eq(lookup(us, hxu_addr("192.0.2.1", 1)), -1);
}


Test(hx_upstream_affinity, store_repoints_and_remove_forgets)
{
    hx_upstream_t  *us;

    us = persistent(&hx_upstream_ipvs_rr, 50, "255.255.255.255", 65536);

    cr_assert_eq(store(us, hxu_addr("192.0.2.1", 1), 0), HX_OK);
    cr_assert_eq(store(us, hxu_addr("192.0.2.1", 1),
                       1 | HX_UPSTREAM_AFFINITY_BACKUP), HX_OK);

    cr_assert_eq(hx_upstream_affinity_count(us->affinity), 1);
    cr_assert_eq(lookup(us, hxu_addr("192.0.2.1", 1)),
                 1 | HX_UPSTREAM_AFFINITY_BACKUP);

    hx_upstream_affinity_remove(us->affinity, hxu_addr("192.0.2.1", 1),
                                sizeof(struct sockaddr_in));
    cr_assert_eq(lookup(us, hxu_addr("192.0.2.1", 1)), -1);
    cr_assert_eq(hx_upstream_affinity_count(us->affinity), 0);
}


Test(hx_upstream_affinity, granularity_groups_a_network)
{
    hx_upstream_t  *us;

    us = persistent(&hx_upstream_ipvs_rr, 50, "255.255.255.0", 65536);

    cr_assert_eq(store(us, hxu_addr("198.51.100.7", 1), 2), HX_OK);
    cr_assert_eq(lookup(us, hxu_addr("198.51.100.200", 1)), 2);
    cr_assert_eq(lookup(us, hxu_addr("198.51.101.7", 1)), -1);

    /* IPv6 with a /64 granularity */
    cr_assert_eq(store(us, hxu_addr6("2001:db8:1:2::5", 1), 1), HX_OK);
    cr_assert_eq(lookup(us, hxu_addr6("2001:db8:1:2:ffff::1", 1)), 1);
    cr_assert_eq(lookup(us, hxu_addr6("2001:db8:1:3::5", 1)), -1);

    /* an IPv4 and an IPv6 client never share an entry */
    cr_assert_eq(lookup(us, hxu_addr6("::ffff:198.51.100.7", 1)), -1);
}


Test(hx_upstream_affinity, full_zone_evicts_the_least_recently_used)
{
    char            ip[32];
    hx_uint_t       k, n;
    hx_upstream_t  *us;

    us = persistent(&hx_upstream_ipvs_rr, 3600, "255.255.255.255",
                    8 * getpagesize());

    for (k = 0; k < 5000; k++) {
        snprintf(ip, sizeof(ip), "10.%lu.%lu.%lu", k >> 16, (k >> 8) & 0xff,
                 k & 0xff);
        cr_assert_eq(store(us, hxu_addr(ip, 1), k % 3), HX_OK);
    }

    n = hx_upstream_affinity_count(us->affinity);

    cr_assert_lt(n, 5000, "a 32k zone cannot hold 5000 entries");
    cr_assert_gt(n, 50);

    cr_assert_eq(lookup(us, hxu_addr("10.0.0.0", 1)), -1, "oldest evicted");
    cr_assert_eq(lookup(us, hxu_addr("10.0.19.135", 1)), 4999 % 3,
                 "newest kept");
}


Test(hx_upstream_affinity, expired_entries_are_swept_on_store)
{
    char            ip[32];
    hx_uint_t       k;
    hx_upstream_t  *us;

    us = persistent(&hx_upstream_ipvs_rr, 5, "255.255.255.255", 65536);

    for (k = 0; k < 10; k++) {
        snprintf(ip, sizeof(ip), "192.0.2.%lu", k + 1);
        cr_assert_eq(store(us, hxu_addr(ip, 1), 0), HX_OK);
    }

    hx_current_msec += 6000;

    for (k = 0; k < 5; k++) {
        snprintf(ip, sizeof(ip), "198.51.100.%lu", k + 1);
        cr_assert_eq(store(us, hxu_addr(ip, 1), 0), HX_OK);
    }

    /* each store swept two of the ten stale ones */
    cr_assert_eq(hx_upstream_affinity_count(us->affinity), 5);
}


Test(hx_upstream_affinity, persistence_keeps_a_client_on_its_server)
{
    hx_uint_t       k;
    hx_upstream_t  *us;

    us = persistent(&hx_upstream_ipvs_rr, 50, "255.255.255.255", 65536);

    cr_assert_eq(from(us, "192.0.2.1"), 0);
    cr_assert_eq(from(us, "192.0.2.2"), 1, "new clients still rotate");

    for (k = 0; k < 10; k++) {
        cr_assert_eq(from(us, "192.0.2.1"), 0);
        cr_assert_eq(from(us, "192.0.2.2"), 1);
    }

    cr_assert_eq(us->peers->peer[0].requests, 11);

    /* quiet for longer than the timeout: balanced afresh */
    hx_current_msec += 51000;

    cr_assert_eq(from(us, "192.0.2.9"), 2);
    cr_assert_eq(from(us, "192.0.2.10"), 0);
    cr_assert_eq(from(us, "192.0.2.1"), 1);
}


Test(hx_upstream_affinity, works_with_nginx_balancers_too)
{
    hx_int_t        a;
    hx_uint_t       k;
    hx_upstream_t  *us;

    us = persistent(&hx_upstream_least_conn, 50, "255.255.255.255", 65536);

    a = from(us, "192.0.2.1");

    /* least_conn would move it to an idle server; persistence does not */
    us->peers->peer[a].conns = 10;

    for (k = 0; k < 5; k++) {
        cr_assert_eq(from(us, "192.0.2.1"), a);
    }
}


Test(hx_upstream_affinity, server_taken_out_moves_its_clients)
{
    hx_int_t        a, b;
    hx_upstream_t  *us;

    us = persistent(&hx_upstream_ipvs_wrr, 50, "255.255.255.255", 65536);

    a = from(us, "192.0.2.1");

    hx_upstream_peer_set_down(us, &us->peers->peer[a], 1);

    b = from(us, "192.0.2.1");
    cr_assert_neq(b, a);

    /* back up: the client stays where it was moved */
    hx_upstream_peer_set_down(us, &us->peers->peer[a], 0);

    cr_assert_eq(from(us, "192.0.2.1"), b);
    cr_assert_eq(lookup(us, hxu_addr("192.0.2.1", 1)), b);
}


Test(hx_upstream_affinity, failed_connection_forgets_and_retries_elsewhere)
{
    hx_int_t               a, b;
    hx_upstream_t         *us;
    hx_peer_connection_t   pc;

    us = persistent(&hx_upstream_ipvs_rr, 50, "255.255.255.255", 65536);

    a = from(us, "192.0.2.1");

    hxu_begin(us, hxu_sel(hxu_addr("192.0.2.1", 1), NULL), &pc);
    cr_assert_eq(hxu_get(&pc), a);
    pc.free(&pc, pc.data, HX_PEER_FAILED);

    b = hxu_get(&pc);
    cr_assert_geq(b, 0);
    cr_assert_neq(b, a);
    pc.free(&pc, pc.data, 0);

    cr_assert_eq(lookup(us, hxu_addr("192.0.2.1", 1)), b);
}


Test(hx_upstream_affinity, full_server_is_skipped_but_remembered)
{
    hx_int_t        a, b;
    hx_upstream_t  *us;

    us = persistent(&hx_upstream_ipvs_rr, 50, "255.255.255.255", 65536);

    a = from(us, "192.0.2.1");

    us->peers->peer[a].max_conns = 1;
    us->peers->peer[a].conns = 1;

    b = from(us, "192.0.2.1");
    cr_assert_neq(b, a);

    us->peers->peer[a].conns = 0;

    cr_assert_eq(from(us, "192.0.2.1"), a);
}


Test(hx_upstream_affinity, sorry_server_clients_return_to_real_servers)
{
    hx_int_t        a;
    hx_upstream_t  *us;
    hx_shm_zone_t  *zone;
    const char     *lines[] = {
        "server 10.0.0.1:80",
        "server 10.0.0.99:80 backup",
        NULL
    };

    us = hxu_upstream_conf(&hx_upstream_ipvs_rr, 0, lines);
    hx_upstream_set_persistence(us, 50, 0xffffffff, 128);
    zone = hxu_zone(us, "sorry", 65536);
    cr_assert_eq(hx_upstream_init(&hxu_cf, us), HX_OK);
    hxu_zone_init(zone);

    hx_upstream_peer_set_down(us, &us->peers->peer[0], 1);

    cr_assert_eq(from(us, "192.0.2.1"), HXU_BACKUP);
    cr_assert_eq(lookup(us, hxu_addr("192.0.2.1", 1)),
                 HX_UPSTREAM_AFFINITY_BACKUP);

    hx_upstream_peer_set_down(us, &us->peers->peer[0], 0);

    a = from(us, "192.0.2.1");
    cr_assert_eq(a, 0);
    cr_assert_eq(lookup(us, hxu_addr("192.0.2.1", 1)), 0);
}


static hx_upstream_t  *child_us;


static void
child_is_sent_to(hx_int_t expect)
{
    if (from(child_us, "192.0.2.77") != expect) {
        _exit(8);
    }
}


Test(hx_upstream_affinity, choice_made_in_one_process_holds_in_another)
{
    int             status;
    pid_t           pid;
    hx_int_t        a;

    child_us = persistent(&hx_upstream_ipvs_rr, 50, "255.255.255.255",
                          65536);

    a = from(child_us, "192.0.2.77");

    pid = fork();
    cr_assert_neq(pid, -1);

    if (pid == 0) {
        child_is_sent_to(a);
        child_is_sent_to(a);
        _exit(0);
    }

    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* and the child's hits went to the shared server's counters */
    cr_assert_eq(child_us->peers->peer[a].requests, 3);
}

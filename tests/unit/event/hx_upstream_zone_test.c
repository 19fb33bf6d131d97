/*
 * Tests of event/hx_upstream_zone.c: the zone directive's checks, the
 * groups copied into shared memory, and state shared across fork: a
 * child's connections and failures seen by the parent, the parent's
 * checker verdict obeyed by the child at once, one round-robin sequence
 * across processes, and counts that stay exact when two processes pick
 * at the same time; a zone kept over a reload: the new copies take the
 * old peers' state by address, and the copies of two reloads ago are
 * freed.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <sys/wait.h>

#include "hx_upstream_fixture.h"


TestSuite(hx_upstream_zone, .init = hxu_setup, .fini = hxu_teardown);


#define ZONE_SIZE  (256 * 1024)


static const char  *two_and_backup[] = {
    "server 10.0.0.1:80",
    "server 10.0.0.2:80",
    "server 10.0.0.9:80 backup",
    NULL
};


/* an upstream in a fresh zone "name", ready for use */
static hx_upstream_t *
zoned(const hx_upstream_balancer_t *b, const char **lines, const char *name)
{
    hx_upstream_t  *us;
    hx_shm_zone_t  *zone;

    us = hxu_upstream_conf(b, 0, lines);
    zone = hxu_zone(us, name, ZONE_SIZE);

    cr_assert_eq(hx_upstream_init(&hxu_cf, us), HX_OK);
    hxu_zone_init(zone);

    return us;
}


static hx_uint_t
in_zone(hx_upstream_t *us, void *p)
{
    uint8_t  *a = p;

    return a >= us->shm_zone->shm.addr
           && a < us->shm_zone->shm.addr + us->shm_zone->shm.size;
}


/* runs fn in a child and waits for it to exit 0 */
static void
in_child(void (*fn)(hx_upstream_t *us), hx_upstream_t *us)
{
    int    status;
    pid_t  pid;

    pid = fork();
    cr_assert_neq(pid, -1);

    if (pid == 0) {
        fn(us);
        _exit(0);
    }

    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "child status %d", status);
}


Test(hx_upstream_zone, directive_checks_name_size_and_duplicates)
{
    hx_upstream_t  *us;
    const char     *lines[] = { "server 10.0.0.1:80", NULL };

    us = hxu_upstream_conf(NULL, 0, lines);

    hxu_args("zone \"\" 64k");
    hxu_cf.args->nelts = 2;
    ((hx_str_t *) hxu_cf.args->elts)[1].len = 0;
    cr_assert_eq(hx_upstream_zone_directive(&hxu_cf, us), HX_CONF_ERROR);
    cr_assert_eq(hxu_logged_count("invalid zone name"), 1);

    hxu_args("zone backend 64q");
    cr_assert_eq(hx_upstream_zone_directive(&hxu_cf, us), HX_CONF_ERROR);
    cr_assert_eq(hxu_logged_count("invalid zone size \"64q\""), 1);

    hxu_args("zone backend 4k");
    cr_assert_eq(hx_upstream_zone_directive(&hxu_cf, us), HX_CONF_ERROR);
    cr_assert_eq(hxu_logged_count("zone \"backend\" is too small"), 1);

    hxu_args("zone backend 64k");
    cr_assert_eq(hx_upstream_zone_directive(&hxu_cf, us), HX_CONF_OK);
    cr_assert_not_null(us->shm_zone);
    cr_assert_eq(us->shm_zone->shm.size, 65536);
    cr_assert_not(us->shm_zone->noreuse);

    hxu_args("zone backend 64k");
    cr_assert_str_eq(hx_upstream_zone_directive(&hxu_cf, us),
                     "is duplicate");
}


Test(hx_upstream_zone, conflicting_sizes_for_one_zone_are_refused)
{
    hx_upstream_t  *a, *b;
    const char     *lines[] = { "server 10.0.0.1:80", NULL };

    a = hxu_upstream_conf(NULL, 0, lines);
    b = hxu_upstream_conf(NULL, 0, lines);

    hxu_args("zone shared 64k");
    cr_assert_eq(hx_upstream_zone_directive(&hxu_cf, a), HX_CONF_OK);

    hxu_args("zone shared 128k");
    cr_assert_eq(hx_upstream_zone_directive(&hxu_cf, b), HX_CONF_ERROR);
    cr_assert_eq(hxu_logged_count("conflicts with already declared size"),
                 1);

    /* no size: the other declaration's */
    hxu_args("zone shared");
    cr_assert_eq(hx_upstream_zone_directive(&hxu_cf, b), HX_CONF_OK);
    cr_assert_eq(b->shm_zone, a->shm_zone);
}


Test(hx_upstream_zone, groups_are_copied_into_the_zone)
{
    hx_upstream_t        *us;
    hx_upstream_peers_t  *pool_peers;

    us = hxu_upstream_conf(NULL, 0, two_and_backup);
    hxu_zone(us, "backend", ZONE_SIZE);
    cr_assert_eq(hx_upstream_init(&hxu_cf, us), HX_OK);

    pool_peers = us->peers;
    cr_assert_null(pool_peers->lock);

    hxu_zone_init(us->shm_zone);

    cr_assert_neq(us->peers, pool_peers);
    cr_assert(in_zone(us, us->peers));
    cr_assert(in_zone(us, us->peers->peer));
    cr_assert(in_zone(us, us->peers->lock));
    cr_assert(in_zone(us, us->peers->next));
    cr_assert(in_zone(us, us->peers->next->peer));
    cr_assert_eq(us->peers->next->lock, us->peers->lock);

    cr_assert_eq(us->peers->number, 2);
    cr_assert_eq(us->peers->next->number, 1);
    cr_assert(hxu_str_is(&us->peers->peer[1].name, "10.0.0.2:80"));
    cr_assert_eq(hxu_pick(us, NULL, 0), 0);
}


Test(hx_upstream_zone, two_upstreams_share_one_zone)
{
    hx_upstream_t  *a, *b;
    hx_shm_zone_t  *zone;
    const char     *one[] = { "server 10.0.0.1:80", NULL };

    a = hxu_upstream_conf(NULL, 0, two_and_backup);
    b = hxu_upstream_conf(&hx_upstream_least_conn, 0, one);

    zone = hxu_zone(a, "shared", ZONE_SIZE);
    cr_assert_eq(hxu_zone(b, "shared", 0), zone);

    cr_assert_eq(hx_upstream_init(&hxu_cf, a), HX_OK);
    cr_assert_eq(hx_upstream_init(&hxu_cf, b), HX_OK);
    hxu_zone_init(zone);

    cr_assert(in_zone(a, a->peers) && in_zone(b, b->peers));
    cr_assert_neq(a->peers->lock, b->peers->lock);
    cr_assert_eq(hxu_pick(b, NULL, 0), 0);
}


Test(hx_upstream_zone, uninitialised_upstream_is_an_error)
{
    hx_upstream_t  *us;
    hx_shm_zone_t  *zone;
    const char     *one[] = { "server 10.0.0.1:80", NULL };

    us = hxu_upstream_conf(NULL, 0, one);
    zone = hxu_zone(us, "early", ZONE_SIZE);

    cr_assert_eq(zone->init(zone, NULL), HX_ERROR);
}


static void
child_opens_and_fails(hx_upstream_t *us)
{
    hx_peer_connection_t  pc;

    /* one connection kept open on peer 0, one failure on peer 1 */
    if (hxu_pick(us, NULL, -1) != 0) {
        _exit(2);
    }

    hxu_begin(us, NULL, &pc);

    if (hxu_get(&pc) != 1) {
        _exit(3);
    }

    pc.free(&pc, pc.data, HX_PEER_FAILED);
}


Test(hx_upstream_zone, child_connections_and_failures_are_seen_by_parent)
{
    hx_uint_t       k;
    hx_upstream_t  *us;

    us = zoned(NULL, two_and_backup, "backend");

    in_child(child_opens_and_fails, us);

    cr_assert_eq(us->peers->peer[0].conns, 1);
    cr_assert_eq(us->peers->peer[1].conns, 0);
    cr_assert_eq(us->peers->peer[1].fails, 1);
    cr_assert_eq(us->peers->peer[0].requests, 1);

    /* the failed peer is out for this process too */
    for (k = 0; k < 4; k++) {
        cr_assert_eq(hxu_pick(us, NULL, 0), 0);
    }
}


static void
child_never_picks_peer_0(hx_upstream_t *us)
{
    hx_uint_t  k;

    for (k = 0; k < 20; k++) {
        if (hxu_pick(us, NULL, 0) != 1) {
            _exit(4);
        }
    }
}


static void
child_picks_peer_0(hx_upstream_t *us)
{
    if (hxu_pick(us, NULL, 0) != 0) {
        _exit(5);
    }
}


Test(hx_upstream_zone, checker_verdict_in_parent_binds_child_at_once)
{
    hx_upstream_t  *us;

    us = zoned(NULL, two_and_backup, "backend");

    hx_upstream_peer_set_down(us, &us->peers->peer[0], 1);
    in_child(child_never_picks_peer_0, us);

    hx_upstream_peer_set_down(us, &us->peers->peer[0], 0);

    /* back in at once: level with peer 1, it wins the tie */
    in_child(child_picks_peer_0, us);
}


static void
child_picks_next(hx_upstream_t *us)
{
    if (hxu_pick(us, NULL, 0) != 1) {
        _exit(6);
    }
}


Test(hx_upstream_zone, round_robin_sequence_is_shared_across_processes)
{
    hx_upstream_t  *us;

    us = zoned(NULL, two_and_backup, "backend");

    cr_assert_eq(hxu_pick(us, NULL, 0), 0);
    in_child(child_picks_next, us);
    cr_assert_eq(hxu_pick(us, NULL, 0), 0);
    in_child(child_picks_next, us);
}


#define RACE_PICKS  20000


static void
child_races(hx_upstream_t *us)
{
    hx_uint_t  k;

    for (k = 0; k < RACE_PICKS; k++) {
        if (hxu_pick(us, NULL, -1) < 0) {
            _exit(7);
        }
    }
}


Test(hx_upstream_zone, concurrent_picks_lose_no_update, .timeout = 60)
{
    int             status;
    pid_t           pid;
    hx_uint_t       k;
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80",
        "server 10.0.0.2:80",
        "server 10.0.0.3:80",
        NULL
    };

    us = zoned(&hx_upstream_least_conn, lines, "race");

    pid = fork();
    cr_assert_neq(pid, -1);

    if (pid == 0) {
        child_races(us);
        _exit(0);
    }

    for (k = 0; k < RACE_PICKS; k++) {
        cr_assert_geq(hxu_pick(us, NULL, -1), 0);
    }

    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    cr_assert_eq(us->peers->peer[0].conns + us->peers->peer[1].conns
                 + us->peers->peer[2].conns, 2 * RACE_PICKS);
    cr_assert_eq(us->peers->peer[0].requests + us->peers->peer[1].requests
                 + us->peers->peer[2].requests, 2 * RACE_PICKS);

    /* least_conn over shared counts keeps them within a step */
    for (k = 0; k < 3; k++) {
        cr_assert_geq(us->peers->peer[k].conns, 2 * RACE_PICKS / 3 - 2);
        cr_assert_leq(us->peers->peer[k].conns, 2 * RACE_PICKS / 3 + 2);
    }
}


Test(hx_upstream_zone, without_zone_each_process_keeps_its_own_counts)
{
    hx_upstream_t  *us;

    us = hxu_upstream(NULL, 0, two_and_backup);

    in_child(child_opens_and_fails, us);

    cr_assert_eq(us->peers->peer[0].conns, 0);
    cr_assert_eq(us->peers->peer[1].fails, 0);
}


Test(hx_upstream_zone, zone_size_grows_with_peers_and_clients)
{
    hx_upstream_t  *us;

    us = hxu_upstream_conf(NULL, 0, two_and_backup);

    cr_assert_geq(hx_upstream_zone_size(us, 0), 8 * (size_t) getpagesize());
    cr_assert_gt(hx_upstream_zone_size(us, 10000),
                 hx_upstream_zone_size(us, 0) + 10000 * 128);
    cr_assert_eq(hx_upstream_zone_size(us, 100) % getpagesize(), 0);
}


/*
 * What the cycle does on a reload that keeps the zone: a new zone object
 * for the same memory, bound to the new configuration's upstream us,
 * initialised with shm.exists set.
 */
static hx_int_t
reload_zone(hx_shm_zone_t *old, hx_upstream_t *us)
{
    hx_array_t      *ups;
    hx_shm_zone_t   *zone;
    hx_upstream_t  **usp;

    zone = hx_pcalloc(hxu_cf.pool, sizeof(hx_shm_zone_t));
    ups = hx_array_create(hxu_cf.pool, 1, sizeof(hx_upstream_t *));
    cr_assert(zone != NULL && ups != NULL);

    *zone = *old;
    zone->shm.exists = 1;
    zone->data = ups;

    usp = hx_array_push(ups);
    *usp = us;

    us->shm_zone = zone;

    if (hx_upstream_init(&hxu_cf, us) != HX_OK) {
        return HX_ERROR;
    }

    return zone->init(zone, old->data);
}


static hx_upstream_peer_t *
peer_named(hx_upstream_t *us, const char *name)
{
    hx_uint_t             i;
    hx_upstream_peers_t  *group;

    for (group = us->peers; group; group = group->next) {
        for (i = 0; i < group->number; i++) {
            if (hxu_str_is(&group->peer[i].name, name)) {
                return &group->peer[i];
            }
        }
    }

    return NULL;
}


Test(hx_upstream_zone, a_reload_keeps_verdicts_and_fails_by_address)
{
    hx_uint_t            i;
    hx_upstream_t       *old, *us;
    hx_upstream_peer_t  *p;
    const char          *lines[] = {
        "server 10.0.0.3:80",
        "server 10.0.0.9:80 backup",
        "server 10.0.0.2:80",
        "server 10.0.0.1:80",
        NULL
    };

    old = zoned(NULL, two_and_backup, "kept");

    hx_upstream_peer_set_down(old, peer_named(old, "10.0.0.2:80"), 1);
    peer_named(old, "10.0.0.1:80")->fails = 1;
    peer_named(old, "10.0.0.9:80")->hc_down = 1;

    us = hxu_upstream_conf(NULL, 0, lines);
    cr_assert_eq(reload_zone(old->shm_zone, us), HX_OK);

    cr_assert(in_zone(us, us->peers->peer));
    cr_assert_neq(us->peers, old->peers);

    p = peer_named(us, "10.0.0.2:80");
    cr_assert(p->hc_down, "a dead server stays down");
    cr_assert_eq(peer_named(us, "10.0.0.1:80")->fails, 1);
    cr_assert(peer_named(us, "10.0.0.9:80")->hc_down);
    cr_assert_not(peer_named(us, "10.0.0.3:80")->hc_down);
    cr_assert_neq(us->peers->generation, 0);

    /* the balancer never picks it (index 1): 10.0.0.3 and 10.0.0.1 */
    cr_assert_eq(&us->peers->peer[1], p);

    for (i = 0; i < 10; i++) {
        cr_assert_neq(hxu_pick(us, NULL, 0), 1);
    }

    /* the old workers' copies are untouched */
    cr_assert(peer_named(old, "10.0.0.2:80")->hc_down);
    cr_assert_eq(old->peers->number, 2);
}


Test(hx_upstream_zone, another_upstream_name_inherits_nothing)
{
    hx_str_t             name = hx_string("other");
    hx_upstream_t       *old, *us;
    const char          *one[] = { "server 10.0.0.2:80", NULL };

    old = zoned(NULL, two_and_backup, "renamed");
    hx_upstream_peer_set_down(old, peer_named(old, "10.0.0.2:80"), 1);

    us = hxu_upstream_conf(NULL, 0, one);
    us->name = name;
    cr_assert_eq(reload_zone(old->shm_zone, us), HX_OK);

    cr_assert_not(peer_named(us, "10.0.0.2:80")->hc_down);
}


Test(hx_upstream_zone, reloads_free_the_copies_of_two_reloads_ago)
{
    hx_uint_t        i, pfree;
    hx_upstream_t   *us;
    hx_shm_zone_t   *zone;
    hx_slab_pool_t  *sp;

    us = zoned(NULL, two_and_backup, "many");
    zone = us->shm_zone;
    sp = (hx_slab_pool_t *) zone->shm.addr;

    pfree = 0;

    for (i = 0; i < 200; i++) {
        us = hxu_upstream_conf(NULL, 0, two_and_backup);
        cr_assert_eq(reload_zone(zone, us), HX_OK, "reload %u", (unsigned) i);
        zone = us->shm_zone;

        if (i == 10) {
            pfree = sp->pfree;
        }
    }

    /* steady: no page lost per reload */
    cr_assert_eq(sp->pfree, pfree);
}


Test(hx_upstream_zone, affinity_is_kept_while_the_peers_are_the_same)
{
    hx_upstream_t  *old, *same, *other;
    const char     *more[] = {
        "server 10.0.0.1:80",
        "server 10.0.0.2:80",
        "server 10.0.0.3:80",
        NULL
    };

    old = hxu_upstream_conf(NULL, 0, two_and_backup);
    hx_upstream_set_persistence(old, 50, 0xffffffff, 128);
    hxu_zone(old, "sticky", ZONE_SIZE);
    cr_assert_eq(hx_upstream_init(&hxu_cf, old), HX_OK);
    hxu_zone_init(old->shm_zone);
    cr_assert_not_null(old->affinity);

    same = hxu_upstream_conf(NULL, 0, two_and_backup);
    hx_upstream_set_persistence(same, 50, 0xffffffff, 128);
    cr_assert_eq(reload_zone(old->shm_zone, same), HX_OK);
    cr_assert_eq(same->affinity, old->affinity);

    /* other peers: the stored indexes would mean other servers */
    other = hxu_upstream_conf(NULL, 0, more);
    hx_upstream_set_persistence(other, 50, 0xffffffff, 128);
    cr_assert_eq(reload_zone(same->shm_zone, other), HX_OK);
    cr_assert_not_null(other->affinity);
    cr_assert_neq(other->affinity, same->affinity);
}


Test(hx_upstream_zone, the_state_comes_from_the_copies_in_force_not_a_failed_reload)
{
    hx_upstream_t  *live, *failed, *next;
    hx_shm_zone_t  *zone;

    live = zoned(NULL, two_and_backup, "failing");
    zone = live->shm_zone;

    /* a reload sets the zone up, then fails elsewhere: live stays */
    failed = hxu_upstream_conf(NULL, 0, two_and_backup);
    cr_assert_eq(reload_zone(zone, failed), HX_OK);

    hx_upstream_peer_set_down(live, &live->peers->peer[1], 1);

    /* the next reload takes the state of the copies in force */
    next = hxu_upstream_conf(NULL, 0, two_and_backup);
    cr_assert_eq(reload_zone(zone, next), HX_OK);
    cr_assert(next->peers->peer[1].hc_down);
}

/*
 * Tests of event/hx_upstream_peer.c: the "server" line (every parameter,
 * nginx's error messages, parameters a balancer refuses, service=,
 * resolve), the balancer directives, building an upstream, the attempt
 * state (tries, a tried bitmap past one word), one-off peers, and the
 * health-checker calls that take a peer out, inhibit it or reweigh it.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <criterion/criterion.h>
#include <arpa/inet.h>

#include "hx_upstream_fixture.h"


TestSuite(hx_upstream_peer, .init = hxu_setup, .fini = hxu_teardown);


static hx_upstream_t *
empty_upstream(in_port_t default_port)
{
    hx_str_t        name = hx_string("backend");
    hx_upstream_t  *us;

    us = hx_pcalloc(hxu_cf.pool, sizeof(hx_upstream_t));
    cr_assert_not_null(us);
    cr_assert_eq(hx_upstream_conf_init(&hxu_cf, us, &name, default_port, 1),
                 HX_OK);

    return us;
}


Test(hx_upstream_peer, server_line_parameters_are_kept)
{
    hx_upstream_t         *us;
    hx_upstream_server_t  *s;

    us = empty_upstream(80);

    cr_assert_eq(hxu_server(us, "server 10.0.0.1:8080 weight=7 max_conns=3 "
                                "max_fails=4 fail_timeout=1m backup"),
                 HX_CONF_OK);
    cr_assert_eq(hxu_server(us, "server 10.0.0.2 down resolve"), HX_CONF_OK);

    s = us->servers->elts;

    cr_assert_eq(us->servers->nelts, 2);
    cr_assert(hxu_str_is(&s[0].name, "10.0.0.1:8080"));
    cr_assert_eq(s[0].naddrs, 1);
    cr_assert_eq(s[0].weight, 7);
    cr_assert_eq(s[0].max_conns, 3);
    cr_assert_eq(s[0].max_fails, 4);
    cr_assert_eq(s[0].fail_timeout, 60);
    cr_assert(s[0].backup);
    cr_assert(!s[0].down);

    /* defaults: weight 1, max_fails 1, fail_timeout 10, port 80 */
    cr_assert_eq(s[1].weight, 1);
    cr_assert_eq(s[1].max_fails, 1);
    cr_assert_eq(s[1].fail_timeout, 10);
    cr_assert_eq(s[1].max_conns, 0);
    cr_assert(s[1].down);
    cr_assert(s[1].resolve);
    cr_assert_eq(hx_inet_get_port(s[1].addrs[0].sockaddr), 80);
}


Test(hx_upstream_peer, invalid_parameters_are_refused_in_nginx_words)
{
    hx_upstream_t  *us;

    us = empty_upstream(80);

    cr_assert_eq(hxu_server(us, "server 10.0.0.1 weight=0"), HX_CONF_ERROR);
    cr_assert_eq(hxu_logged_count("invalid parameter \"weight=0\""), 1);

    cr_assert_eq(hxu_server(us, "server 10.0.0.1 weight=x"), HX_CONF_ERROR);
    cr_assert_eq(hxu_server(us, "server 10.0.0.1 max_fails=-1"),
                 HX_CONF_ERROR);
    cr_assert_eq(hxu_server(us, "server 10.0.0.1 fail_timeout=zz"),
                 HX_CONF_ERROR);
    cr_assert_eq(hxu_server(us, "server 10.0.0.1 slow_start=10s"),
                 HX_CONF_ERROR);
    cr_assert_eq(hxu_logged_count("invalid parameter \"slow_start=10s\""), 1);

    cr_assert_eq(hxu_server(us, "server 10.0.0.1:99999"), HX_CONF_ERROR);
    cr_assert_eq(hxu_logged_count("invalid port in upstream "
                                  "\"10.0.0.1:99999\""), 1);

    /* nothing half-added */
    cr_assert_eq(us->servers->nelts, 0);
}


Test(hx_upstream_peer, service_parameter_is_not_supported)
{
    hx_upstream_t  *us;

    us = empty_upstream(80);

    cr_assert_eq(hxu_server(us, "server backend.example resolve "
                                "service=_http._tcp"), HX_CONF_ERROR);
    cr_assert_eq(hxu_logged_count("parameter \"service=_http._tcp\" is not "
                                  "supported"), 1);
    cr_assert_eq(us->servers->nelts, 0);
}


Test(hx_upstream_peer, stream_servers_need_a_port)
{
    hx_upstream_t  *us;

    us = empty_upstream(0);

    cr_assert_eq(hxu_server(us, "server 10.0.0.1"), HX_CONF_ERROR);
    cr_assert_eq(hxu_logged_count("no port in upstream \"10.0.0.1\""), 1);

    cr_assert_eq(hxu_server(us, "server 10.0.0.1:53"), HX_CONF_OK);
}


Test(hx_upstream_peer, balancer_refuses_parameters_it_cannot_honour)
{
    hx_upstream_t  *us;

    us = empty_upstream(80);

    hxu_args("ip_hash");
    cr_assert_eq(hx_upstream_method(&hxu_cf, us), HX_CONF_OK);
    cr_assert_eq(us->balancer, &hx_upstream_ip_hash);

    cr_assert_eq(hxu_server(us, "server 10.0.0.1 backup"), HX_CONF_ERROR);
    cr_assert_eq(hxu_logged_count("balancing method does not support "
                                  "parameter \"backup\""), 1);

    cr_assert_eq(hxu_server(us, "server 10.0.0.1 weight=2 down max_conns=5"),
                 HX_CONF_OK);
}


Test(hx_upstream_peer, method_directives_choose_balancers)
{
    hx_upstream_t  *us;

    us = empty_upstream(80);

    hxu_args("least_conn");
    cr_assert_eq(hx_upstream_method(&hxu_cf, us), HX_CONF_OK);
    cr_assert_eq(us->balancer, &hx_upstream_least_conn);
    cr_assert(us->flags & HX_UPSTREAM_BACKUP);

    hxu_args("hash $remote_addr");
    cr_assert_eq(hx_upstream_method(&hxu_cf, us), HX_CONF_OK);
    cr_assert_eq(us->balancer, &hx_upstream_hash);
    cr_assert_eq(hxu_logged_count("load balancing method redefined"), 1);

    hxu_args("hash $request_uri consistent");
    cr_assert_eq(hx_upstream_method(&hxu_cf, us), HX_CONF_OK);
    cr_assert_eq(us->balancer, &hx_upstream_chash);
    cr_assert(!(us->flags & HX_UPSTREAM_BACKUP));

    hxu_args("random");
    cr_assert_eq(hx_upstream_method(&hxu_cf, us), HX_CONF_OK);
    cr_assert_eq(us->balancer, &hx_upstream_random);

    hxu_args("random two");
    cr_assert_eq(hx_upstream_method(&hxu_cf, us), HX_CONF_OK);
    cr_assert_eq(us->balancer, &hx_upstream_random_two);

    hxu_args("random two least_conn");
    cr_assert_eq(hx_upstream_method(&hxu_cf, us), HX_CONF_OK);
    cr_assert_eq(us->balancer, &hx_upstream_random_two);
}


Test(hx_upstream_peer, method_directives_refuse_unknown_parameters)
{
    hx_upstream_t  *us;

    us = empty_upstream(80);

    hxu_args("hash $remote_addr sometimes");
    cr_assert_eq(hx_upstream_method(&hxu_cf, us), HX_CONF_ERROR);
    cr_assert_eq(hxu_logged_count("invalid parameter \"sometimes\""), 1);

    hxu_args("random three");
    cr_assert_eq(hx_upstream_method(&hxu_cf, us), HX_CONF_ERROR);
    cr_assert_eq(hxu_logged_count("invalid parameter \"three\""), 1);

    hxu_args("random two most_conn");
    cr_assert_eq(hx_upstream_method(&hxu_cf, us), HX_CONF_ERROR);
    cr_assert_eq(hxu_logged_count("invalid parameter \"most_conn\""), 1);
}


Test(hx_upstream_peer, ipvs_schedulers_by_name_and_refusals)
{
    hx_str_t     name;
    const char  *reason;
    const char  *known[] = { "rr", "wrr", "lc", "wlc", "sed", "nq", "fo",
                             "ovf", "sh", "dh", "mh", NULL };
    hx_uint_t    i;

    for (i = 0; known[i]; i++) {
        name.data = (uint8_t *) known[i];
        name.len = strlen(known[i]);

        cr_assert_not_null(hx_upstream_ipvs_balancer(&name, &reason), "%s",
                           known[i]);
    }

    reason = NULL;
    name.data = (uint8_t *) "lblc";
    name.len = 4;
    cr_assert_null(hx_upstream_ipvs_balancer(&name, &reason));
    cr_assert_not_null(strstr(reason, "destination address"));

    name.data = (uint8_t *) "lblcr";
    name.len = 5;
    cr_assert_null(hx_upstream_ipvs_balancer(&name, &reason));

    name.data = (uint8_t *) "xyz";
    name.len = 3;
    cr_assert_null(hx_upstream_ipvs_balancer(&name, &reason));
    cr_assert_str_eq(reason, "is not a known scheduler");
}


Test(hx_upstream_peer, init_builds_groups_with_weights_and_tries)
{
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80 weight=3",
        "server 10.0.0.2:80 down",
        "server 10.0.0.3:80 backup weight=2",
        "server 10.0.0.4:80 backup down",
        NULL
    };

    us = hxu_upstream(NULL, 0, lines);

    cr_assert_eq(us->peers->number, 2);
    cr_assert_eq(us->peers->total_weight, 4);
    cr_assert_eq(us->peers->tries, 1);
    cr_assert(us->peers->weighted);
    cr_assert(!us->peers->backup);
    cr_assert(hxu_str_is(&us->peers->peer[0].name, "10.0.0.1:80"));
    cr_assert(hxu_str_is(&us->peers->peer[0].server, "10.0.0.1:80"));

    cr_assert_not_null(us->peers->next);
    cr_assert(us->peers->next->backup);
    cr_assert_eq(us->peers->next->number, 2);
    cr_assert_eq(us->peers->next->tries, 1);
    cr_assert_eq(us->peers->next->total_weight, 3);
}


Test(hx_upstream_peer, persistence_without_zone_is_refused)
{
    hx_upstream_t  *us;
    const char     *lines[] = { "server 10.0.0.1:80", NULL };

    us = hxu_upstream_conf(&hx_upstream_ipvs_rr, 0, lines);
    hx_upstream_set_persistence(us, 50, 0xffffffff, 128);

    cr_assert_eq(hx_upstream_init(&hxu_cf, us), HX_ERROR);
    cr_assert_eq(hxu_logged_count("needs a shared zone"), 1);
}


Test(hx_upstream_peer, tried_bitmap_spans_more_than_one_word)
{
    char                   line[64];
    hx_int_t               i;
    hx_uint_t              k, seen[100] = { 0 };
    hx_upstream_t         *us;
    hx_peer_connection_t   pc;

    us = empty_upstream(80);

    for (k = 0; k < 100; k++) {
        snprintf(line, sizeof(line), "server 10.0.%lu.%lu:80 max_fails=0",
                 k / 200, k % 200 + 1);
        cr_assert_eq(hxu_server(us, line), HX_CONF_OK);
    }

    cr_assert_eq(hx_upstream_init(&hxu_cf, us), HX_OK);

    hxu_begin(us, NULL, &pc);
    cr_assert_eq(pc.tries, 100);

    for (k = 0; k < 100; k++) {
        i = hxu_get(&pc);
        cr_assert(i >= 0 && i < 100);
        cr_assert_eq(seen[i], 0, "peer %ld tried twice", (long) i);
        seen[i] = 1;
        pc.free(&pc, pc.data, HX_PEER_FAILED);
    }

    cr_assert_eq(hxu_get(&pc), HXU_BUSY);
}


Test(hx_upstream_peer, created_peers_for_runtime_addresses)
{
    hx_str_t               name = hx_string("dynamic");
    hx_addr_t              addrs[2];
    hx_peer_connection_t   pc;

    addrs[0].sockaddr = hxu_addr("10.1.0.1", 80);
    addrs[0].socklen = sizeof(struct sockaddr_in);
    hx_str_set(&addrs[0].name, "10.1.0.1:80");
    addrs[1].sockaddr = hxu_addr("10.1.0.2", 80);
    addrs[1].socklen = sizeof(struct sockaddr_in);
    hx_str_set(&addrs[1].name, "10.1.0.2:80");

    hx_memzero(&pc, sizeof(pc));
    pc.log = &hxu_log;

    cr_assert_eq(hx_upstream_create_peer(&pc, hxu_cf.pool, addrs, 2, &name),
                 HX_OK);
    cr_assert_eq(pc.tries, 2);

    cr_assert_eq(hxu_get(&pc), 0);
    cr_assert_eq(pc.sockaddr, addrs[0].sockaddr);
    pc.free(&pc, pc.data, HX_PEER_FAILED);

    cr_assert_eq(hxu_get(&pc), 1);
    pc.free(&pc, pc.data, HX_PEER_FAILED);

    cr_assert_eq(hxu_get(&pc), HXU_BUSY);
    cr_assert_eq(pc.name, &name);
}


Test(hx_upstream_peer, find_peer_by_address_and_port)
{
    hx_upstream_t  *us;
    const char     *lines[] = {
        "server 10.0.0.1:80",
        "server 10.0.0.1:81",
        "server 10.0.0.9:80 backup",
        NULL
    };

    us = hxu_upstream(NULL, 0, lines);

    cr_assert_eq(hx_upstream_find_peer(us, hxu_addr("10.0.0.1", 81),
                                       sizeof(struct sockaddr_in)),
                 &us->peers->peer[1]);
    cr_assert_eq(hx_upstream_find_peer(us, hxu_addr("10.0.0.9", 80),
                                       sizeof(struct sockaddr_in)),
                 &us->peers->next->peer[0]);
    cr_assert_null(hx_upstream_find_peer(us, hxu_addr("10.0.0.2", 80),
                                         sizeof(struct sockaddr_in)));
}


Test(hx_upstream_peer, checker_down_stops_choice_at_once_and_up_restores)
{
    hx_uint_t            k, counts[16] = { 0 };
    hx_upstream_t       *us;
    hx_upstream_peer_t  *p;
    const char          *lines[] = {
        "server 10.0.0.1:80",
        "server 10.0.0.2:80",
        NULL
    };

    us = hxu_upstream(NULL, 0, lines);
    p = &us->peers->peer[0];

    p->fails = 1;
    p->checked = hxu_time.sec;

    hx_upstream_peer_set_down(us, p, 1);
    cr_assert(p->hc_down);
    cr_assert_eq(us->peers->generation, 1);

    for (k = 0; k < 10; k++) {
        cr_assert_eq(hxu_pick(us, NULL, 0), 1);
    }

    hx_upstream_peer_set_down(us, p, 0);
    cr_assert_eq(p->fails, 0, "a passing check clears passive failures");
    cr_assert_eq(us->peers->generation, 2);

    hxu_count(us, NULL, 10, counts);
    cr_assert_eq(counts[0], 5);

    /* the same verdict twice changes nothing */
    hx_upstream_peer_set_down(us, p, 0);
    cr_assert_eq(us->peers->generation, 2);
}


Test(hx_upstream_peer, inhibit_sets_weight_zero_and_restores_it)
{
    hx_uint_t            counts[16] = { 0 };
    hx_upstream_t       *us;
    hx_upstream_peer_t  *p;
    const char          *lines[] = {
        "server 10.0.0.1:80 weight=2",
        "server 10.0.0.2:80",
        NULL
    };

    us = hxu_upstream(NULL, 0, lines);
    p = &us->peers->peer[0];

    hx_upstream_peer_set_weight(us, p, 0);
    cr_assert(p->inhibited);
    cr_assert_eq(p->weight, 0);
    cr_assert_eq(us->peers->total_weight, 1);

    hxu_count(us, NULL, 10, counts);
    cr_assert_eq(counts[0], 0);

    hx_upstream_peer_set_weight(us, p, -1);
    cr_assert(!p->inhibited);
    cr_assert_eq(p->weight, 2);
    cr_assert_eq(us->peers->total_weight, 3);

    hx_upstream_peer_set_weight(us, p, 5);
    cr_assert_eq(us->peers->total_weight, 6);

    counts[0] = counts[1] = 0;
    hxu_count(us, NULL, 600, counts);

    /* the effective weight climbs back; then 5:1 */
    cr_assert_geq(counts[0], 490);
    cr_assert_leq(counts[0], 500);
}


Test(hx_upstream_peer, select_inputs_reach_the_balancer)
{
    hx_upstream_t            *us;
    hx_peer_connection_t      pc;
    hx_upstream_select_t     *sel;
    hx_upstream_peer_data_t  *pd;
    const char               *lines[] = { "server 10.0.0.1:80", NULL };

    us = hxu_upstream(NULL, 0, lines);
    sel = hxu_sel(hxu_addr("192.0.2.1", 5000), "the-key");

    hxu_begin(us, sel, &pc);

    pd = pc.data;
    cr_assert_eq(pd->upstream, us);
    cr_assert_eq(pd->sel.client, sel->client);
    cr_assert_eq(pd->sel.key.len, 7);
    cr_assert_eq(pd->get, hx_upstream_get_round_robin_peer);
}

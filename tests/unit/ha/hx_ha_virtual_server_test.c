/*
 * Tests for virtual_server { real_server { ... } } inside ha { }
 * (ha/hx_ha_virtual_server.c): the directives and keepalived's defaults,
 * the checker blocks (TCP_CHECK, HTTP_GET and SSL_GET with their urls,
 * MISC_CHECK) and which keywords each takes, notify and quorum commands,
 * UDP_CHECK, PING_CHECK, SMTP_CHECK and its hosts, virtual_server_group
 * members and ranges, the refusals of what needs IPVS (lb_kind DR/TUN,
 * fwmark, lblc)
 * with their reasons and lines, the upstream each virtual_server becomes
 * (peers, weights, sorry server as backup, balancer, persistence, zone),
 * and the same result from the keepalived.conf spelling as from the ha {}
 * one, the seed's node1 configuration included.
 *
 * The cycle is the ha parser fixture's (hx_ha_fixture.h).
 */

#define HX_HA_FIXTURE_NAME  "hx_ha_virtual_server_test"

#include "hx_ha_fixture.h"
#include <hx_health_check.h>
#include <hx_ha_print.h>


TestSuite(hx_ha_virtual_server, .init = hx_ha_fixture_setup,
          .fini = hx_ha_fixture_teardown);


/* ---- through the parser and the ha modules ------------------------- */

/* the last emerg line is "<what> in <tmpdir>/<file>:<line>" */
static void
parse_fails(const char *text, const char *what, const char *file,
    hx_uint_t line)
{
    char   expect[HX_MAX_ERROR_STR];
    char  *rv;

    snprintf(expect, sizeof(expect), "%s in %s/%s:%lu", what, tmpdir, file,
             (unsigned long) line);

    rv = parse(text);

    cr_assert_eq(rv, HX_CONF_ERROR, "parse of <<%s>> succeeded", text);
    cr_assert_gt(nlines, 0);
    cr_assert_eq(lines[nlines - 1].level, HX_LOG_EMERG);
    cr_assert_str_eq(lines[nlines - 1].text, expect);
}


static void
reset(void)
{
    hx_ha_fixture_reset();
}


static hx_ha_vs_conf_t *
vs(hx_uint_t i)
{
    hx_ha_vs_conf_t       **vsp;
    hx_ha_vs_main_conf_t   *vmcf;

    vmcf = hx_ha_vs_cycle_conf(&test_cycle);
    cr_assert_not_null(vmcf, "no virtual_server parsed");
    cr_assert_lt(i, vmcf->servers.nelts);

    vsp = vmcf->servers.elts;

    return vsp[i];
}


static hx_ha_rs_conf_t *
rs(hx_ha_vs_conf_t *v, hx_uint_t i)
{
    cr_assert_lt(i, v->real_servers.nelts);

    return (hx_ha_rs_conf_t *) v->real_servers.elts + i;
}


/* the ha { } block as -T prints it, whichever spelling it was read from */
static char *
printed(void)
{
    static char  buf[4096];
    hx_str_t     title, text;

    cr_assert_eq(hx_ha_print(&test_cycle, pool, &title, &text), HX_OK);
    cr_assert_lt(text.len, sizeof(buf));

    hx_memcpy(buf, text.data, text.len);
    buf[text.len] = '\0';

    return buf;
}


static const char  vs_ha[] =
    "ha {\n"
    "    virtual_server 127.0.0.1 6201 {\n"
    "        delay_loop 3;\n"
    "        lb_algo wrr;\n"
    "        lb_kind NAT;\n"
    "        persistence_timeout 50;\n"
    "        protocol TCP;\n"
    "        sorry_server 127.0.0.1 9000;\n"
    "        real_server 127.0.0.1 8001 {\n"
    "            weight 3;\n"
    "            inhibit_on_failure;\n"
    "            TCP_CHECK { connect_timeout 2; retry 3;"
    " delay_before_retry 0.5; }\n"
    "        }\n"
    "        real_server 127.0.0.1 8002 {\n"
    "            weight 1;\n"
    "            TCP_CHECK { connect_port 9999; connect_ip 127.0.0.2; }\n"
    "        }\n"
    "    }\n"
    "}\n";

static const char  vs_keepalived[] =
    "virtual_server 127.0.0.1 6201 {\n"
    "    delay_loop 3\n"
    "    lb_algo wrr\n"
    "    lb_kind NAT\n"
    "    persistence_timeout 50\n"
    "    protocol TCP\n"
    "    sorry_server 127.0.0.1 9000\n"
    "    real_server 127.0.0.1 8001 {\n"
    "        weight 3\n"
    "        inhibit_on_failure\n"
    "        TCP_CHECK {\n"
    "            connect_timeout 2\n"
    "            retry 3\n"
    "            delay_before_retry 0.5\n"
    "        }\n"
    "    }\n"
    "    real_server 127.0.0.1 8002 {\n"
    "        weight 1\n"
    "        TCP_CHECK {\n"
    "            connect_port 9999\n"
    "            connect_ip 127.0.0.2\n"
    "        }\n"
    "    }\n"
    "}\n";


Test(hx_ha_virtual_server, directives_fill_the_virtual_server)
{
    hx_ha_vs_conf_t     *v;
    hx_ha_check_conf_t  *ck;

    parse_ok(vs_ha);

    v = vs(0);

    cr_assert_str_eq((char *) hx_pstrdup(pool, &v->text),
                     "[127.0.0.1]:tcp:6201");
    cr_assert_eq(v->delay_loop, 3000);
    cr_assert_eq(v->persistence_timeout, 50);
    cr_assert_eq(v->protocol, SOCK_STREAM);
    cr_assert_eq(v->balancer, &hx_upstream_ipvs_wrr);
    cr_assert_eq(v->real_servers.nelts, 2);
    cr_assert_eq(v->pos.line, 2);

    cr_assert_eq(rs(v, 0)->weight, 3);
    cr_assert_eq(rs(v, 0)->inhibit_on_failure, 1);
    cr_assert_eq(rs(v, 1)->inhibit_on_failure, 0);

    ck = rs(v, 0)->checks->elts;
    cr_assert_eq(rs(v, 0)->checks->nelts, 1);
    cr_assert_eq(ck->type, HX_HA_CHECK_TCP);
    cr_assert_eq(ck->connect_timeout, 2000);
    cr_assert_eq(ck->retry, 3);
    cr_assert_eq(ck->delay_before_retry, 500);
    cr_assert_eq(ck->delay_loop, 3000, "inherited from the virtual server");
    cr_assert_eq(hx_inet_get_port(ck->connect.sockaddr), 8001);

    ck = rs(v, 1)->checks->elts;
    cr_assert_eq(hx_inet_get_port(ck->connect.sockaddr), 9999);
    cr_assert_str_eq((char *) hx_pstrdup(pool, &ck->connect.name),
                     "[127.0.0.2]:tcp:9999");
}


Test(hx_ha_virtual_server, keepalived_defaults_apply)
{
    hx_ha_vs_conf_t     *v;
    hx_ha_check_conf_t  *ck;

    parse_ok("ha { virtual_server 10.0.0.1 80 {\n"
             " real_server 10.0.0.2 80 { TCP_CHECK { } }\n} }\n");

    v = vs(0);

    cr_assert_eq(v->delay_loop, 60000);
    cr_assert_eq(v->balancer, &hx_upstream_ipvs_wlc);
    cr_assert_eq(v->protocol, SOCK_STREAM);
    cr_assert_eq(v->persistence_timeout, 0);
    cr_assert_eq(rs(v, 0)->weight, 1);

    ck = rs(v, 0)->checks->elts;
    cr_assert_eq(ck->connect_timeout, 5000);
    cr_assert_eq(ck->retry, 1);
    cr_assert_eq(ck->delay_before_retry, 1000);
}


Test(hx_ha_virtual_server, the_upstream_has_the_real_servers_as_peers)
{
    hx_upstream_t        *us;
    hx_upstream_peer_t   *peer;
    struct sockaddr_in    sin;

    parse_ok(vs_ha);

    us = &vs(0)->upstream;

    cr_assert_not_null(us->peers);
    cr_assert_eq(us->peers->number, 2);
    cr_assert_not_null(us->peers->next, "the sorry server is the backup");
    cr_assert_eq(us->peers->next->number, 1);
    cr_assert_not_null(us->shm_zone, "every virtual_server has a zone");
    cr_assert_eq(us->affinity_conf.timeout, 50);
    cr_assert_eq(us->balancer, &hx_upstream_ipvs_wrr);

    hx_memzero(&sin, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(8001);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    peer = hx_upstream_find_peer(us, (struct sockaddr *) &sin, sizeof(sin));
    cr_assert_not_null(peer);
    cr_assert_eq(peer->weight, 3);
}


Test(hx_ha_virtual_server, both_spellings_give_the_same_virtual_server)
{
    char  a[4096];

    parse_ok(vs_ha);
    strcpy(a, printed());

    reset();
    write_file("keepalived.conf", vs_keepalived);
    parse_ok("ha { keepalived_config keepalived.conf; }\n");

    cr_assert_str_eq(printed(), a);
    cr_assert(strstr(a, "weight 3;"));
    cr_assert(strstr(a, "sorry_server 127.0.0.1 9000;"));
}


static const char  seed_node1[] =
    "vrrp_instance VI_1 {\n"
    "    state MASTER\n"
    "    # host interface\n"
    "    interface lo\n"
    "    virtual_router_id 51\n"
    "    priority 100\n"
    "    advert_int 1\n"
    "    authentication {\n"
    "        auth_type PASS\n"
    "        auth_pass 123456\n"
    "    }\n"
    "    virtual_ipaddress {\n"
    "        192.168.99.151\n"
    "    }\n"
    "}\n"
    "# where requests go\n"
    "virtual_server 192.168.99.151 6201 {\n"
    "    delay_loop 3\n"
    "    lb_algo rr\n"
    "    lb_kind NAT\n"
    "    persistence_timeout 50\n"
    "    protocol TCP\n"
    "    real_server 192.168.99.104 6101 {\n"
    "        weight 1\n"
    "    }\n"
    "}\n";

static const char  seed_node1_ha[] =
    "ha {\n"
    "    vrrp_instance VI_1 {\n"
    "        state MASTER;\n"
    "        interface lo;\n"
    "        virtual_router_id 51;\n"
    "        priority 100;\n"
    "        advert_int 1;\n"
    "        authentication { auth_type PASS; auth_pass 123456; }\n"
    "        virtual_ipaddress { 192.168.99.151; }\n"
    "    }\n"
    "    virtual_server 192.168.99.151 6201 {\n"
    "        delay_loop 3;\n"
    "        lb_algo rr;\n"
    "        lb_kind NAT;\n"
    "        persistence_timeout 50;\n"
    "        protocol TCP;\n"
    "        real_server 192.168.99.104 6101 { weight 1; }\n"
    "    }\n"
    "}\n";


Test(hx_ha_virtual_server, the_seed_node1_loads_in_both_spellings)
{
    char  a[4096];

    parse_ok(seed_node1_ha);
    strcpy(a, printed());

    reset();
    write_file("node1-keepalived.conf", seed_node1);
    parse_ok("ha { keepalived_config node1-keepalived.conf; }\n");

    cr_assert_str_eq(printed(), a);
    cr_assert_eq(vs(0)->balancer, &hx_upstream_ipvs_rr);
    cr_assert_eq(vs(0)->pos.line, 17);
}


Test(hx_ha_virtual_server, udp_names_say_udp)
{
    parse_ok("ha { virtual_server 10.0.0.1 53 { protocol UDP;\n"
             " real_server 10.0.0.2 53 { } } }\n");

    cr_assert_eq(vs(0)->protocol, SOCK_DGRAM);
    cr_assert_str_eq((char *) hx_pstrdup(pool, &vs(0)->text),
                     "[10.0.0.1]:udp:53");
    cr_assert_str_eq((char *) hx_pstrdup(pool, &rs(vs(0), 0)->text),
                     "[10.0.0.2]:udp:53");
}


Test(hx_ha_virtual_server, ipv6_addresses_are_accepted)
{
    parse_ok("ha { virtual_server 2001:db8::1 80 {\n"
             " real_server 2001:db8::2 8080 { } } }\n");

    cr_assert_str_eq((char *) hx_pstrdup(pool, &vs(0)->text),
                     "[2001:db8::1]:tcp:80");
}


Test(hx_ha_virtual_server, lb_kind_dr_is_refused_with_the_reason)
{
    parse_fails("ha {\nvirtual_server 10.0.0.1 80 {\nlb_kind DR;\n"
                "real_server 10.0.0.2 80 { }\n}\n}\n",
                "lb_kind DR needs the kernel's IPVS (the real servers "
                "answer the clients directly), and hanx forwards in user "
                "space: use lb_kind NAT", "main.conf", 3);
}


Test(hx_ha_virtual_server, lb_kind_tun_in_keepalived_conf_names_its_line)
{
    write_file("ka.conf", "virtual_server 10.0.0.1 80 {\n"
               "    lb_kind TUN\n}\n");

    parse_fails("ha { keepalived_config ka.conf; }\n",
                "lb_kind TUN needs the kernel's IPVS (the real servers "
                "answer the clients directly), and hanx forwards in user "
                "space: use lb_kind NAT", "ka.conf", 2);
}


Test(hx_ha_virtual_server, fwmark_is_refused_with_the_reason)
{
    write_file("ka.conf", "\nvirtual_server fwmark 1 {\n}\n");

    parse_fails("ha { keepalived_config ka.conf; }\n",
                "\"virtual_server fwmark\" needs the kernel's IPVS, which "
                "matches packets by firewall mark; hanx forwards in user "
                "space: use \"virtual_server IP PORT\" for each address "
                "instead", "ka.conf", 2);
}


Test(hx_ha_virtual_server, a_group_lists_its_members_and_ranges)
{
    hx_addr_t        *a;
    hx_ha_vs_conf_t  *v;

    cr_assert_eq(parse("ha { virtual_server_group G { 10.0.0.1 80;"
                       " 10.0.0.5-7 81; fe80::1-a 82; }\n"
                       " virtual_server group G {"
                       " real_server 10.0.0.2 80 { } } }\n"),
                 HX_CONF_OK);

    v = vs(0);
    cr_assert_not_null(v->addrs);
    cr_assert_eq(v->addrs->nelts, 1 + 3 + 10);
    cr_assert_eq(v->group.len, 1);
    cr_assert_eq(v->group.data[0], 'G');

    a = v->addrs->elts;
    cr_assert_eq(hx_memcmp(a[0].name.data, "[10.0.0.1]:tcp:80",
                           a[0].name.len), 0);
    cr_assert_eq(hx_memcmp(a[3].name.data, "[10.0.0.7]:tcp:81",
                           a[3].name.len), 0);
    cr_assert_eq(hx_memcmp(a[13].name.data, "[fe80::a]:tcp:82",
                           a[13].name.len), 0);

    /* the virtual server is named after its first member */
    cr_assert_eq(v->text.len, a[0].name.len);
}


Test(hx_ha_virtual_server, a_fwmark_member_is_refused_at_its_line)
{
    parse_fails("ha {\nvirtual_server_group G {\n10.0.0.1 80;\n"
                "fwmark 1;\n}\n}\n",
                "\"fwmark\" members need the kernel's IPVS, which matches "
                "packets by firewall mark; hanx forwards in user space: "
                "list the group's addresses instead", "main.conf", 4);
}


Test(hx_ha_virtual_server, an_unknown_group_is_refused)
{
    parse_fails("ha {\nvirtual_server group H {\n}\n}\n",
                "unknown virtual_server_group \"H\" (define it before the "
                "virtual_server that uses it)", "main.conf", 2);
}


Test(hx_ha_virtual_server, lblc_is_refused_with_the_library_reason)
{
    cr_assert_eq(parse("ha { virtual_server 10.0.0.1 80 { lb_algo lblc;"
                       " real_server 10.0.0.2 80 { } } }\n"),
                 HX_CONF_ERROR);
    cr_assert(strstr(lines[nlines - 1].text, "lb_algo \"lblc\" "),
              "%s", lines[nlines - 1].text);
}


Test(hx_ha_virtual_server, unknown_lb_algo_is_refused)
{
    cr_assert_eq(parse("ha { virtual_server 10.0.0.1 80 { lb_algo xyz;"
                       " real_server 10.0.0.2 80 { } } }\n"),
                 HX_CONF_ERROR);
    cr_assert(strstr(lines[nlines - 1].text, "lb_algo \"xyz\""));
}


Test(hx_ha_virtual_server, dns_check_is_refused_by_name)
{
    parse_fails("ha {\nvirtual_server 10.0.0.1 80 {\n"
                "real_server 10.0.0.2 80 {\nDNS_CHECK {\n}\n}\n}\n}\n",
                "DNS_CHECK health checks are not supported by hanx yet: "
                "use TCP_CHECK", "main.conf", 4);
}


static hx_ha_check_conf_t *
check(hx_ha_rs_conf_t *r, hx_uint_t i)
{
    cr_assert_lt(i, r->checks->nelts);

    return (hx_ha_check_conf_t *) r->checks->elts + i;
}


static hx_ha_check_url_t *
url(hx_ha_check_conf_t *ck, hx_uint_t i)
{
    cr_assert_not_null(ck->urls);
    cr_assert_lt(i, ck->urls->nelts);

    return (hx_ha_check_url_t *) ck->urls->elts + i;
}


Test(hx_ha_virtual_server, http_get_urls_and_options_are_read)
{
    hx_ha_check_conf_t        *ck;
    hx_ha_check_url_t         *u;
    hx_health_check_status_t  *st;

    parse_ok("ha { virtual_server 10.0.0.1 80 { delay_loop 3;\n"
             " real_server 10.0.0.2 8080 { HTTP_GET {\n"
             "  url { path /health; digest 0123456789abcdef0123456789abcdef;"
             " status_code 200 301-302; }\n"
             "  url { path /b; }\n"
             "  connect_ip 10.0.0.9; connect_port 81; bindto 10.0.0.3;"
             " bind_port 4000; connect_timeout 2; nb_get_retry 4;"
             " delay_before_retry 0.5; warmup 1; virtualhost ck.example;"
             " } } } }\n");

    ck = check(rs(vs(0), 0), 0);
    cr_assert_eq(ck->type, HX_HA_CHECK_HTTP);
    cr_assert_eq(ck->connect_timeout, 2000);
    cr_assert_eq(ck->retry, 4);
    cr_assert_eq(ck->delay_before_retry, 500);
    cr_assert_eq(ck->delay_loop, 3000);
    cr_assert_eq(ck->warmup, 1000);
    cr_assert_eq(ck->connect.name.len, sizeof("[10.0.0.9]:tcp:81") - 1);
    cr_assert_eq(hx_strncmp(ck->connect.name.data, "[10.0.0.9]:tcp:81",
                            ck->connect.name.len), 0);
    cr_assert_eq(hx_inet_get_port(ck->bind.sockaddr), 4000);
    cr_assert_eq(ck->host.len, sizeof("ck.example") - 1);

    u = url(ck, 0);
    cr_assert_eq(u->path.len, sizeof("/health") - 1);
    cr_assert_eq(u->digest.len, 32);
    cr_assert_eq(u->status->nelts, 2);
    st = u->status->elts;
    cr_assert_eq(st[0].low, 200);
    cr_assert_eq(st[1].low, 301);
    cr_assert_eq(st[1].high, 302);

    cr_assert_null(url(ck, 1)->status);
}


Test(hx_ha_virtual_server, the_host_header_falls_back_to_ip_and_port)
{
    hx_ha_check_conf_t  *ck;

    parse_ok("ha { virtual_server 10.0.0.1 80 {\n"
             " real_server 10.0.0.2 8080 { SSL_GET { url { path /; } } }\n"
             " real_server 10.0.0.3 8080 { virtualhost rs.example;"
             " HTTP_GET { url { path /; } } } } }\n");

    ck = check(rs(vs(0), 0), 0);
    cr_assert_eq(ck->type, HX_HA_CHECK_SSL);
    cr_assert_eq(hx_strncmp(ck->host.data, "10.0.0.2:8080", ck->host.len),
                 0);
    cr_assert_eq(ck->host.len, sizeof("10.0.0.2:8080") - 1);

    ck = check(rs(vs(0), 1), 0);
    cr_assert_eq(hx_strncmp(ck->host.data, "rs.example", ck->host.len), 0);

    reset();
    parse_ok("ha { virtual_server 10.0.0.1 80 { virtualhost vs.example;\n"
             " real_server 10.0.0.2 8080 { HTTP_GET { url { path /; } } }"
             " } }\n");

    ck = check(rs(vs(0), 0), 0);
    cr_assert_eq(hx_strncmp(ck->host.data, "vs.example", ck->host.len), 0);
}


Test(hx_ha_virtual_server, http_get_needs_a_url_and_a_real_digest)
{
    parse_fails("ha {\nvirtual_server 10.0.0.1 80 {\n"
                "real_server 10.0.0.2 80 {\nHTTP_GET {\n"
                "connect_timeout 1;\n}\n}\n}\n}\n",
                "HTTP_GET without url", "main.conf", 4);

    reset();
    parse_fails("ha {\nvirtual_server 10.0.0.1 80 {\n"
                "real_server 10.0.0.2 80 {\nHTTP_GET {\n"
                "url {\ndigest abc;\n}\n}\n}\n}\n}\n",
                "digest \"abc\" is not an MD5 sum (32 hex digits)",
                "main.conf", 5);

    reset();
    parse_fails("ha {\nvirtual_server 10.0.0.1 80 {\n"
                "real_server 10.0.0.2 80 {\nHTTP_GET {\n"
                "url {\nstatus_code 99;\n}\n}\n}\n}\n}\n",
                "invalid status_code \"99\"", "main.conf", 6);
}


Test(hx_ha_virtual_server, misc_check_is_read_with_keepalived_defaults)
{
    hx_ha_check_conf_t  *ck;

    parse_ok("ha { virtual_server 10.0.0.1 80 { delay_loop 4;\n"
             " real_server 10.0.0.2 80 {\n"
             "  MISC_CHECK { misc_path \"/bin/check.sh one two\"; }\n"
             "  MISC_CHECK { misc_path /bin/true; misc_timeout 2;"
             " misc_dynamic; user root; retry 3; }\n"
             " } } }\n");

    ck = check(rs(vs(0), 0), 0);
    cr_assert_eq(ck->type, HX_HA_CHECK_MISC);
    cr_assert_str_eq(ck->misc_path->argv[0], "/bin/check.sh");
    cr_assert_str_eq(ck->misc_path->argv[1], "one");
    cr_assert_str_eq(ck->misc_path->argv[2], "two");
    cr_assert_null(ck->misc_path->argv[3]);
    cr_assert_eq(ck->misc_timeout, 4000, "misc_timeout: the delay_loop");
    cr_assert_eq(ck->misc_dynamic, 0);
    cr_assert_eq(ck->retry, 0);

    ck = check(rs(vs(0), 0), 1);
    cr_assert_eq(ck->misc_timeout, 2000);
    cr_assert_eq(ck->misc_dynamic, 1);
    cr_assert_eq(ck->retry, 3);
    cr_assert_eq(ck->misc_path->user.len, 4);
}


Test(hx_ha_virtual_server, misc_check_needs_misc_path)
{
    parse_fails("ha {\nvirtual_server 10.0.0.1 80 {\n"
                "real_server 10.0.0.2 80 {\nMISC_CHECK {\n"
                "misc_timeout 1;\n}\n}\n}\n}\n",
                "MISC_CHECK without misc_path", "main.conf", 4);

    reset();
    parse_fails("ha {\nvirtual_server 10.0.0.1 80 {\n"
                "real_server 10.0.0.2 80 {\nMISC_CHECK {\n"
                "misc_path /bin/true;\nuser no-such-user-hanx;\n}\n}\n}\n"
                "}\n",
                "user \"no-such-user-hanx\" does not exist", "main.conf", 6);
}


Test(hx_ha_virtual_server, keywords_belong_to_their_checker)
{
    parse_fails("ha {\nvirtual_server 10.0.0.1 80 {\n"
                "real_server 10.0.0.2 80 {\nTCP_CHECK {\n"
                "url { path /; }\n}\n}\n}\n}\n",
                "\"url\" directive is not allowed here", "main.conf", 5);

    reset();
    parse_fails("ha {\nvirtual_server 10.0.0.1 80 {\n"
                "real_server 10.0.0.2 80 {\nMISC_CHECK {\n"
                "connect_timeout 3;\n}\n}\n}\n}\n",
                "\"connect_timeout\" directive is not allowed here",
                "main.conf", 5);
}


Test(hx_ha_virtual_server, notify_and_quorum_commands_are_split)
{
    hx_ha_vs_conf_t  *v;

    parse_ok("ha { virtual_server 10.0.0.1 80 { quorum 3; hysteresis 1;\n"
             " quorum_up \"/bin/up.sh vs\"; quorum_down /bin/down.sh;"
             " alpha; omega; ha_suspend;\n"
             " real_server 10.0.0.2 80 { weight 3; notify_up \"/bin/u a\";"
             " notify_down /bin/d; TCP_CHECK { } } } }\n");

    v = vs(0);
    cr_assert_eq(v->quorum, 3);
    cr_assert_eq(v->hysteresis, 1);
    cr_assert_eq(v->alpha, 1);
    cr_assert_eq(v->omega, 1);
    cr_assert_eq(v->ha_suspend, 1);
    cr_assert_str_eq(v->quorum_up_cmd->argv[1], "vs");
    cr_assert_str_eq(v->quorum_down_cmd->argv[0], "/bin/down.sh");
    cr_assert_str_eq(rs(v, 0)->notify_up_cmd->argv[1], "a");
    cr_assert_str_eq(rs(v, 0)->notify_down_cmd->argv[0], "/bin/d");
}


Test(hx_ha_virtual_server, http_get_and_misc_check_from_keepalived_conf)
{
    hx_ha_check_conf_t  *ck;

    write_file("k.conf",
               "virtual_server 10.0.0.1 80 {\n"
               "  real_server 10.0.0.2 80 {\n"
               "    HTTP_GET {\n"
               "      url {\n"
               "        path /index.html\n"
               "        digest 0123456789abcdef0123456789abcdef\n"
               "      }\n"
               "      nb_get_retry 3\n"
               "    }\n"
               "    MISC_CHECK {\n"
               "      misc_path \"/bin/check one\"\n"
               "      misc_dynamic\n"
               "    }\n"
               "  }\n"
               "}\n");

    parse_ok("ha { keepalived_config k.conf; }\n");

    ck = check(rs(vs(0), 0), 0);
    cr_assert_eq(ck->retry, 3);
    cr_assert_eq(url(ck, 0)->path.len, sizeof("/index.html") - 1);

    ck = check(rs(vs(0), 0), 1);
    cr_assert_eq(ck->misc_dynamic, 1);
    cr_assert_str_eq(ck->misc_path->argv[1], "one");
}


Test(hx_ha_virtual_server, a_virtual_server_needs_real_servers)
{
    parse_fails("ha {\n virtual_server 10.0.0.1 80 {\n delay_loop 2;\n}\n}\n",
                "no real_server in virtual_server [10.0.0.1]:tcp:80",
                "main.conf", 2);
}


Test(hx_ha_virtual_server, duplicates_are_refused)
{
    parse_fails("ha {\nvirtual_server 10.0.0.1 80 {\n"
                "real_server 10.0.0.2 80 { }\n"
                "real_server 10.0.0.2 80 { }\n}\n}\n",
                "duplicate real_server [10.0.0.2]:tcp:80 in virtual_server "
                "[10.0.0.1]:tcp:80", "main.conf", 4);

    reset();
    parse_fails("ha {\nvirtual_server 10.0.0.1 80 {\n"
                "real_server 10.0.0.2 80 { }\n}\n"
                "virtual_server 10.0.0.1 80 {\n"
                "real_server 10.0.0.2 80 { }\n}\n}\n",
                "duplicate virtual_server 10.0.0.1 80", "main.conf", 5);
}


Test(hx_ha_virtual_server, bad_values_are_refused_at_their_line)
{
    parse_fails("ha {\nvirtual_server 10.0.0.1 80 {\n"
                "real_server 10.0.0.2 80 {\nweight 70000;\n}\n}\n}\n",
                "value must be between 0 and 65535",
                "main.conf", 4);

    reset();
    parse_fails("ha {\nvirtual_server 10.0.0.1 99999 {\n}\n}\n",
                "invalid port \"99999\"", "main.conf", 2);

    reset();
    parse_fails("ha {\nvirtual_server 10.0.0.1 80 {\nprotocol SCTP;\n}\n}\n",
                "protocol SCTP is not supported by hanx: use TCP or UDP",
                "main.conf", 3);
}


Test(hx_ha_virtual_server, unknown_tcp_check_keyword_names_its_line)
{
    parse_fails("ha {\nvirtual_server 10.0.0.1 80 {\n"
                "real_server 10.0.0.2 80 {\nTCP_CHECK {\n"
                "connect_timeout 1;\nbogus 1;\n}\n}\n}\n}\n",
                "unknown directive \"bogus\"", "main.conf", 6);
}


Test(hx_ha_virtual_server, persistence_granularity_takes_a_netmask)
{
    parse_ok("ha { virtual_server 10.0.0.1 80 { persistence_timeout 10;\n"
             " persistence_granularity 255.255.255.0;\n"
             " real_server 10.0.0.2 80 { } } }\n");

    cr_assert_eq(vs(0)->upstream.affinity_conf.mask, htonl(0xffffff00));

    reset();
    parse_fails("ha {\nvirtual_server 10.0.0.1 80 {\n"
                "persistence_granularity 255.0.255.0;\n}\n}\n",
                "\"persistence_granularity\" directive is not a netmask",
                "main.conf", 3);
}


Test(hx_ha_virtual_server, weight_zero_is_configured_but_never_chosen)
{
    parse_ok("ha { virtual_server 10.0.0.1 80 {\n"
             " real_server 10.0.0.2 80 { weight 0; }\n"
             " real_server 10.0.0.3 80 { } } }\n");

    cr_assert_eq(vs(0)->upstream.peers->number, 2);
    cr_assert_eq(vs(0)->upstream.peers->peer[0].down, 1);
}


Test(hx_ha_virtual_server, udp_check_decodes_payload_and_reply)
{
    hx_ha_check_conf_t  *ck;

    cr_assert_eq(parse("ha { virtual_server 10.0.0.1 53 { protocol UDP;"
                       " real_server 10.0.0.2 53 {"
                       " UDP_CHECK { payload 0a1B; require_reply ff00; }"
                       " UDP_CHECK { } } } }\n"), HX_CONF_OK);

    ck = check(rs(vs(0), 0), 0);
    cr_assert_eq(ck->type, HX_HA_CHECK_UDP);
    cr_assert_eq(ck->payload.len, 2);
    cr_assert_eq(ck->payload.data[0], 0x0a);
    cr_assert_eq(ck->payload.data[1], 0x1b);
    cr_assert_eq(ck->require_reply, 1);
    cr_assert_eq(ck->reply.len, 2);
    cr_assert_eq(ck->reply.data[0], 0xff);

    ck = check(rs(vs(0), 0), 1);
    cr_assert_eq(ck->require_reply, 0);
    cr_assert_eq(ck->payload.len, 0);
}


Test(hx_ha_virtual_server, udp_check_payload_must_be_hex)
{
    parse_fails("ha {\nvirtual_server 10.0.0.1 53 {\n"
                "real_server 10.0.0.2 53 {\nUDP_CHECK {\npayload 0g;\n"
                "}\n}\n}\n}\n",
                "\"payload\" directive takes hex digits", "main.conf", 5);
}


Test(hx_ha_virtual_server, ping_check_takes_no_port)
{
    cr_assert_eq(parse("ha { virtual_server 10.0.0.1 80 {"
                       " real_server 10.0.0.2 80 {"
                       " PING_CHECK { connect_port 1; } } } }\n"),
                 HX_CONF_ERROR);
}


Test(hx_ha_virtual_server, smtp_hosts_inherit_the_checker_settings)
{
    hx_ha_check_conf_t  *ck, *host;

    cr_assert_eq(parse("ha { virtual_server 10.0.0.1 25 {"
                       " real_server 10.0.0.2 25 {"
                       " SMTP_CHECK { connect_timeout 3; retry 2;"
                       " connect_port 2525;"
                       " host { connect_ip 10.0.0.7; }"
                       " host { connect_ip 10.0.0.8; connect_port 587; } }"
                       " SMTP_CHECK { } } } }\n"), HX_CONF_OK);

    ck = check(rs(vs(0), 0), 0);
    cr_assert_eq(ck->type, HX_HA_CHECK_SMTP);
    cr_assert_not_null(ck->hosts);
    cr_assert_eq(ck->hosts->nelts, 2);

    host = ck->hosts->elts;
    cr_assert_eq(host[0].connect_timeout, 3000);
    cr_assert_eq(host[0].retry, 2);
    cr_assert_eq(hx_inet_get_port(host[0].connect.sockaddr), 2525);
    cr_assert_eq(hx_memcmp(host[0].connect.name.data, "[10.0.0.7]:tcp:2525",
                           host[0].connect.name.len), 0);
    cr_assert_eq(hx_inet_get_port(host[1].connect.sockaddr), 587);

    /* keepalived's default HELO name */
    ck = check(rs(vs(0), 0), 1);
    cr_assert_null(ck->hosts);
    cr_assert_eq(ck->helo_name.len, sizeof("smtpchecker.keepalived.org") - 1);
}

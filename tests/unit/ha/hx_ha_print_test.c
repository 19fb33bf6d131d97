/*
 * Tests for the converter behind "hanx -T" (ha/hx_ha_print.c): the
 * resolved ha { } block is printed in hanx's spelling with the defaults
 * that decide the election and the traffic, other settings only where
 * they differ from hanx's defaults, keepalived's spelling variants in one
 * form, words quoted where nginx grammar needs it; and what is printed
 * reads back into the same block (round trip), from either spelling.
 *
 * The cycle is a fake one as in the ha module's tests: a pool, a log
 * that keeps its lines in memory, a shared memory list for the zones,
 * and the ha modules plus hx_conf_module.  Text goes through files.
 */

#define HX_HA_FIXTURE_NAME  "hx_ha_print_test"

#include "hx_ha_fixture.h"
#include <hx_ha_print.h>


TestSuite(hx_ha_print, .init = hx_ha_fixture_setup,
          .fini = hx_ha_fixture_teardown);


/* the block printed for text, as a C string; its title in *title */
static char *
printed_titled(const char *text, char **title)
{
    hx_str_t  t, out;

    parse_ok(text);

    cr_assert_eq(hx_ha_print(&test_cycle, pool, &t, &out), HX_OK);

    if (title) {
        *title = (char *) hx_pstrdup(pool, &t);
    }

    return (char *) hx_pstrdup(pool, &out);
}


static char *
printed(const char *text)
{
    return printed_titled(text, NULL);
}


static char *
title_of(const char *text)
{
    char  *title;

    (void) printed_titled(text, &title);

    return title;
}


/* printing what was printed gives it back */
static void
assert_round_trip(const char *out)
{
    char  *again;

    again = printed(out);

    cr_assert_str_eq(again, out, "printed:\n%s\nprinted again:\n%s", out,
                     again);
}


static void
assert_has(const char *out, const char *part)
{
    cr_assert_not_null(strstr(out, part), "no <<%s>> in:\n%s", part, out);
}


static void
assert_lacks(const char *out, const char *part)
{
    cr_assert_null(strstr(out, part), "<<%s>> in:\n%s", part, out);
}


static const char  seed_ha[] =
    "ha {\n"
    "    vrrp_instance VI_1 {\n"
    "        state MASTER;\n"
    "        interface ens33;\n"
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

static const char  seed_keepalived[] =
    "vrrp_instance VI_1 {\n"
    "    state MASTER\n"
    "    interface ens33\n"
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

static const char  seed_printed[] =
    "ha {\n"
    "    vrrp_instance VI_1 {\n"
    "        state MASTER;\n"
    "        interface ens33;\n"
    "        virtual_router_id 51;\n"
    "        priority 100;\n"
    "        advert_int 1;\n"
    "        version 2;\n"
    "        authentication {\n"
    "            auth_type PASS;\n"
    "            auth_pass 123456;\n"
    "        }\n"
    "        virtual_ipaddress {\n"
    "            192.168.99.151;\n"
    "        }\n"
    "    }\n"
    "\n"
    "    virtual_server 192.168.99.151 6201 {\n"
    "        delay_loop 3;\n"
    "        lb_algo rr;\n"
    "        lb_kind NAT;\n"
    "        protocol TCP;\n"
    "        persistence_timeout 50;\n"
    "        real_server 192.168.99.104 6101 {\n"
    "            weight 1;\n"
    "        }\n"
    "    }\n"
    "}\n";


Test(hx_ha_print, no_ha_block_is_declined)
{
    hx_str_t  title, out;

    parse_ok("# nothing but a comment\n");

    cr_assert_eq(hx_ha_print(&test_cycle, pool, &title, &out), HX_DECLINED);
    cr_assert_eq(hx_ha_print_dump(&test_cycle), HX_OK);
    cr_assert_eq(test_cycle.config_dump.nelts, 0);
}


Test(hx_ha_print, the_seed_prints_in_hanx_spelling)
{
    cr_assert_str_eq(printed(seed_ha), seed_printed);
}


Test(hx_ha_print, both_spellings_of_the_seed_print_the_same)
{
    write_file("keepalived.conf", seed_keepalived);

    cr_assert_str_eq(printed("ha { keepalived_config keepalived.conf; }\n"),
                     seed_printed);
}


Test(hx_ha_print, the_title_names_the_keepalived_file_or_the_ha_line)
{
    char  expect[256];

    write_file("keepalived.conf", seed_keepalived);

    snprintf(expect, sizeof(expect), "# ha { } as hanx reads it (from "
             "keepalived_config %s/keepalived.conf)", tmpdir);
    cr_assert_str_eq(title_of("ha { keepalived_config keepalived.conf; }\n"),
                     expect);

    snprintf(expect, sizeof(expect), "# ha { } as hanx reads it (from "
             "%s:2)", main_conf);
    cr_assert_str_eq(title_of("\nha {\n}\n"), expect);
}


Test(hx_ha_print, an_instance_shows_the_defaults_that_decide_the_election)
{
    char  *out;

    out = printed("ha { vrrp_instance V { interface eth0;"
                  " virtual_router_id 7; virtual_ipaddress { 10.0.0.1; } } }");

    assert_has(out, "        state BACKUP;\n"
                    "        interface eth0;\n"
                    "        virtual_router_id 7;\n"
                    "        priority 100;\n"
                    "        advert_int 1;\n"
                    "        version 2;\n");

    /* nothing else was written and nothing else differs */
    assert_lacks(out, "global_defs");
    assert_lacks(out, "garp");
    assert_lacks(out, "accept");
    assert_lacks(out, "nopreempt");
}


Test(hx_ha_print, global_defs_holds_only_what_differs_from_the_defaults)
{
    char  *out;

    out = printed("ha { global_defs { router_id r1; vrrp_version 3;"
                  " vrrp_garp_master_delay 5; vrrp_garp_master_repeat 2;"
                  " vrrp_garp_lower_prio_repeat 5; }"
                  " vrrp_instance V { interface eth0; virtual_router_id 7;"
                  " garp_master_repeat 2; garp_master_delay 1; } }");

    assert_has(out, "    global_defs {\n"
                    "        router_id r1;\n"
                    "        vrrp_version 3;\n"
                    "        vrrp_garp_master_repeat 2;\n"
                    "        vrrp_garp_lower_prio_repeat 5;\n"
                    "    }\n");

    /* the instance's own GARP setting only where it differs */
    assert_has(out, "        garp_master_delay 1;\n");
    assert_lacks(out, "        garp_master_repeat");
    assert_has(out, "        version 3;\n");

    assert_round_trip(out);
}


Test(hx_ha_print, keepalived_spelling_variants_come_out_in_one_form)
{
    char  *out;

    out = printed("ha { virtual_server 10.0.0.1 80 { lvs_sched wrr;"
                  " lvs_method NAT; delay_loop 1500ms;"
                  " real_server 10.0.0.2 80 { TCP_CHECK { nb_get_retry 4;"
                  " connect_timeout 250ms; } } } }");

    assert_has(out, "        delay_loop 1.5;\n"
                    "        lb_algo wrr;\n"
                    "        lb_kind NAT;\n"
                    "        protocol TCP;\n");
    assert_has(out, "            TCP_CHECK {\n"
                    "                connect_timeout 0.25;\n"
                    "                retry 4;\n"
                    "                delay_before_retry 1;\n"
                    "            }\n");
    assert_lacks(out, "lvs_");
    assert_lacks(out, "nb_get_retry");
}


Test(hx_ha_print, a_virtual_server_shows_the_defaults_of_its_traffic)
{
    char  *out;

    out = printed("ha { virtual_server 10.0.0.1 80 {"
                  " real_server 10.0.0.2 8080 { } } }");

    /* IPVS's wlc and keepalived's 60 s are the defaults people miss */
    assert_has(out, "    virtual_server 10.0.0.1 80 {\n"
                    "        delay_loop 60;\n"
                    "        lb_algo wlc;\n"
                    "        lb_kind NAT;\n"
                    "        protocol TCP;\n"
                    "        real_server 10.0.0.2 8080 {\n"
                    "            weight 1;\n"
                    "        }\n"
                    "    }\n");
    assert_lacks(out, "persistence");
    assert_lacks(out, "quorum");
}


Test(hx_ha_print, settings_that_differ_are_printed_and_read_back)
{
    char  *out;

    out = printed(
        "ha {\n"
        "  vrrp_state_file logs/other.state;\n"
        "  global_defs { vrrp_strict; vrrp_garp_interval 0.5; }\n"
        "  vrrp_script chk { script \"/bin/true -x\"; interval 2;"
        "    weight -20 reverse; fall 3; rise 2; init_fail; }\n"
        "  vrrp_instance V1 { interface eth0; virtual_router_id 1;"
        "    state MASTER; priority 200; advert_int 2; nopreempt off;"
        "    virtual_ipaddress { 10.0.0.1/24 dev eth1 label eth1:v"
        "      scope link; 10.0.0.2; }\n"
        "    virtual_ipaddress_excluded { 10.0.1.1; }\n"
        "    unicast_src_ip 10.0.0.10; unicast_peer { 10.0.0.11; }\n"
        "    track_interface { eth1 weight -30; eth2; }\n"
        "    track_script { chk; }\n"
        "    track_workers weight -50;\n"
        "    notify_master \"/bin/echo master\";\n"
        "    no_accept; dont_track_primary; debug 2; }\n"
        "  vrrp_instance V2 { interface eth0; virtual_router_id 2;"
        "    state BACKUP; preempt_delay 0.1; }\n"
        "  vrrp_instance V3 { interface eth0; virtual_router_id 3;"
        "    nopreempt; }\n"
        "  vrrp_sync_group G { group { V1 V2; } notify \"/bin/echo g\"; }\n"
        "  virtual_server 10.0.0.1 53 { protocol UDP; lb_algo sh;"
        "    persistence_timeout 30;"
        "    persistence_granularity 255.255.255.0; quorum 2;"
        "    hysteresis 1; inhibit_on_failure; ha_suspend; alpha; omega;"
        "    sorry_server 10.0.0.9 53; sorry_server_inhibit;"
        "    virtualhost www.example.com;\n"
        "    real_server 10.0.0.3 53 { weight 3; inhibit_on_failure off;"
        "      TCP_CHECK { connect_ip 10.0.0.4; connect_port 5353;"
        "        bindto 10.0.0.1; bind_port 9999; delay_loop 7;"
        "        warmup 3; } }\n"
        "    real_server 10.0.0.5 53 { TCP_CHECK { } TCP_CHECK { retry 0; } }"
        "  }\n"
        "}\n");

    assert_has(out, "    vrrp_state_file logs/other.state;\n");
    assert_has(out, "        vrrp_garp_interval 0.5;\n"
                    "        vrrp_strict;\n");
    assert_has(out, "    vrrp_script chk {\n"
                    "        script \"/bin/true -x\";\n"
                    "        interval 2;\n"
                    "        timeout 2;\n"
                    "        weight -20 reverse;\n"
                    "        rise 2;\n"
                    "        fall 3;\n"
                    "        init_fail;\n"
                    "    }\n");
    assert_has(out, "            10.0.0.1/24 dev eth1 label eth1:v "
                    "scope link;\n"
                    "            10.0.0.2;\n");
    assert_has(out, "        virtual_ipaddress_excluded {\n"
                    "            10.0.1.1;\n");
    assert_has(out, "            eth1 weight -30;\n"
                    "            eth2;\n");

    /* the script's weight, resolved, so that the reader sees it */
    assert_has(out, "            chk weight -20 reverse;\n");
    assert_has(out, "        track_workers weight -50;\n");
    assert_has(out, "        notify_master \"/bin/echo master\";\n");
    assert_has(out, "        no_accept;\n");
    assert_has(out, "        dont_track_primary;\n");
    assert_has(out, "        debug 2;\n");
    assert_has(out, "        version 2;\n"
                    "        preempt_delay 0.1;\n");
    assert_has(out, "        version 2;\n"
                    "        nopreempt;\n");
    assert_has(out, "        group {\n"
                    "            V1;\n"
                    "            V2;\n"
                    "        }\n"
                    "        notify \"/bin/echo g\";\n");
    assert_has(out, "        protocol UDP;\n"
                    "        persistence_timeout 30;\n"
                    "        persistence_granularity 255.255.255.0;\n"
                    "        virtualhost www.example.com;\n"
                    "        sorry_server 10.0.0.9 53;\n"
                    "        sorry_server_inhibit;\n"
                    "        inhibit_on_failure;\n"
                    "        ha_suspend;\n"
                    "        alpha;\n"
                    "        omega;\n"
                    "        quorum 2;\n"
                    "        hysteresis 1;\n");
    assert_has(out, "            weight 3;\n"
                    "            inhibit_on_failure off;\n"
                    "            TCP_CHECK {\n"
                    "                connect_ip 10.0.0.4;\n"
                    "                connect_port 5353;\n"
                    "                bindto 10.0.0.1;\n"
                    "                bind_port 9999;\n"
                    "                connect_timeout 5;\n"
                    "                retry 1;\n"
                    "                delay_before_retry 1;\n"
                    "                delay_loop 7;\n"
                    "                warmup 3;\n");
    assert_has(out, "                retry 0;\n");

    assert_round_trip(out);
}


Test(hx_ha_print, http_ssl_and_misc_checkers_print_their_settings)
{
    char  *out;

    out = printed(
        "ha { virtual_server 10.0.0.1 80 { delay_loop 2;\n"
        "  real_server 10.0.0.2 80 { virtualhost rs.example;\n"
        "    HTTP_GET { nb_get_retry 2; virtualhost ck.example;\n"
        "      url { path /health; status_code 200 301-302; }\n"
        "      url { digest 9b3a0c85a887a256d6939da88aabd8cd;\n"
        "            virtualhost url.example; } }\n"
        "    SSL_GET { connect_port 443; url { path \"/a b\"; } }\n"
        "    MISC_CHECK { misc_path \"/bin/check --fast\";"
        " misc_timeout 5; misc_dynamic; } } } }\n");

    assert_has(out, "            virtualhost rs.example;\n");
    assert_has(out, "            HTTP_GET {\n"
                    "                connect_timeout 5;\n"
                    "                retry 2;\n"
                    "                delay_before_retry 1;\n"
                    "                virtualhost ck.example;\n"
                    "                url {\n"
                    "                    path /health;\n"
                    "                    status_code 200 301-302;\n"
                    "                }\n"
                    "                url {\n"
                    "                    path /;\n"
                    "                    digest "
                    "9b3a0c85a887a256d6939da88aabd8cd;\n"
                    "                    virtualhost url.example;\n"
                    "                }\n"
                    "            }\n");
    assert_has(out, "            SSL_GET {\n"
                    "                connect_port 443;\n"
                    "                connect_timeout 5;\n"
                    "                retry 1;\n"
                    "                delay_before_retry 1;\n"
                    "                url {\n"
                    "                    path \"/a b\";\n"
                    "                }\n"
                    "            }\n");

    /* no connect_* in MISC_CHECK; its retry defaults to 0 */
    assert_has(out, "            MISC_CHECK {\n"
                    "                misc_path \"/bin/check --fast\";\n"
                    "                misc_timeout 5;\n"
                    "                misc_dynamic;\n"
                    "                retry 0;\n"
                    "                delay_before_retry 1;\n"
                    "            }\n");

    assert_round_trip(out);
}


Test(hx_ha_print, udp_ping_smtp_checkers_and_groups_print_back)
{
    char  *out;

    out = printed(
        "ha { virtual_server_group G { 10.0.0.1 80; 10.0.0.5-6 80; }\n"
        "  virtual_server group G { protocol UDP;\n"
        "  real_server 10.0.0.2 53 {\n"
        "    UDP_CHECK { payload 0a1B; require_reply ff; }\n"
        "    UDP_CHECK { require_reply; }\n"
        "    PING_CHECK { connect_ip 10.0.0.3; }\n"
        "    SMTP_CHECK { connect_port 2525; helo_name h.example;\n"
        "      host { connect_ip 10.0.0.7; }\n"
        "      host { connect_ip 10.0.0.8; connect_port 25;"
        " bindto 10.0.0.1; } } } } }\n");

    assert_has(out, "    virtual_server_group G {\n"
                    "        10.0.0.1 80;\n"
                    "        10.0.0.5 80;\n"
                    "        10.0.0.6 80;\n"
                    "    }\n");
    assert_has(out, "    virtual_server group G {\n");
    assert_has(out, "                payload 0a1b;\n"
                    "                require_reply ff;\n");
    assert_has(out, "                require_reply;\n");
    assert_has(out, "            PING_CHECK {\n"
                    "                connect_ip 10.0.0.3;\n"
                    "                connect_timeout 5;\n");
    assert_has(out, "                connect_port 2525;\n"
                    "                connect_timeout 5;\n"
                    "                helo_name h.example;\n"
                    "                host {\n"
                    "                    connect_ip 10.0.0.7;\n"
                    "                }\n"
                    "                host {\n"
                    "                    connect_ip 10.0.0.8;\n"
                    "                    connect_port 25;\n"
                    "                    bindto 10.0.0.1;\n"
                    "                }\n");

    assert_round_trip(out);
}


Test(hx_ha_print, static_and_virtual_routes_rules_and_addresses_print_back)
{
    char  *out;

    out = printed(
        "ha { static_ipaddress { 10.1.0.1/24 dev eth1; }\n"
        "  static_routes { src 10.1.0.1 10.2.0.0/16 gw 10.1.0.254;\n"
        "    10.3.0.0/16 dev eth1 scope global table 7 metric 5; }\n"
        "  static_rules { from 10.1.0.0/24 lookup main pref 100; }\n"
        "  vrrp_instance V { interface eth0; virtual_router_id 7;\n"
        "    virtual_routes { default via 10.0.0.1 or 10.0.0.2;"
        " unreachable 10.9.0.0/16; }\n"
        "    virtual_rules { to 10.4.0.0/16 table 9; } } }\n");

    assert_has(out, "    static_ipaddress {\n"
                    "        10.1.0.1/24 dev eth1;\n"
                    "    }\n");
    assert_has(out, "    static_routes {\n"
                    "        src 10.1.0.1 10.2.0.0/16 via 10.1.0.254;\n"
                    "        10.3.0.0/16 dev eth1 scope global table 7"
                    " metric 5;\n"
                    "    }\n");
    assert_has(out, "        from 10.1.0.0/24 table 254 priority 100;\n");
    assert_has(out, "        virtual_routes {\n"
                    "            default via 10.0.0.1 or 10.0.0.2;\n"
                    "            unreachable 10.9.0.0/16;\n"
                    "        }\n");
    assert_has(out, "        virtual_rules {\n"
                    "            to 10.4.0.0/16 table 9;\n");

    assert_round_trip(out);
}


Test(hx_ha_print, strict_mode_drops_the_authentication_it_ignores)
{
    char  *out;

    out = printed("ha { global_defs { vrrp_strict; }"
                  " vrrp_instance V { interface eth0; virtual_router_id 7;"
                  " authentication { auth_type PASS; auth_pass x; } } }");

    assert_lacks(out, "authentication");
    assert_lacks(out, "auth_pass");

    assert_round_trip(out);
}


Test(hx_ha_print, words_are_quoted_where_nginx_grammar_needs_it)
{
    char  *out;

    write_file("keepalived.conf",
               "vrrp_instance \"V 1\" {\n"
               "    interface eth0\n"
               "    virtual_router_id 9\n"
               "    notify_master \"/bin/echo a;b {c} 'd' #f $g\"\n"
               "}\n");

    out = printed("ha { keepalived_config keepalived.conf; }\n");

    assert_has(out, "    vrrp_instance \"V 1\" {\n");
    assert_has(out, "        notify_master \"/bin/echo a;b {c} 'd' "
                    "#f $g\";\n");

    assert_round_trip(out);

    /* a double quote and a backslash are escaped inside the quotes */
    out = printed("ha { vrrp_instance V { interface eth0;"
                  " virtual_router_id 9;"
                  " notify_master '/bin/echo \"e\" \\\\x\ty'; } }");

    assert_has(out, "        notify_master \"/bin/echo \\\"e\\\" "
                    "\\\\x\\ty\";\n");

    assert_round_trip(out);
}


Test(hx_ha_print, times_print_as_seconds_with_decimals)
{
    char  *out;

    out = printed("ha { vrrp_instance V { interface eth0; virtual_router_id 7;"
                  " version 3; advert_int 0.05; } }");

    assert_has(out, "        advert_int 0.05;\n");

    out = printed("ha { vrrp_instance V { interface eth0; virtual_router_id 7;"
                  " version 3; advert_int 12.34; } }");

    assert_has(out, "        advert_int 12.34;\n");

    out = printed("ha { virtual_server 10.0.0.1 80 { delay_loop 0.001;"
                  " real_server 10.0.0.2 8080 { } } }");

    assert_has(out, "        delay_loop 0.001;\n");

    assert_round_trip(out);
}


Test(hx_ha_print, ipv6_addresses_print_without_brackets)
{
    char  *out;

    out = printed("ha { virtual_server 2001:db8::1 80 {"
                  " real_server 2001:db8::2 8080 { } } }");

    assert_has(out, "    virtual_server 2001:db8::1 80 {\n");
    assert_has(out, "        real_server 2001:db8::2 8080 {\n");

    assert_round_trip(out);
}


Test(hx_ha_print, the_dump_gets_the_block_after_the_files)
{
    hx_conf_dump_t  *cd;

    parse_ok(seed_ha);

    cr_assert_eq(hx_ha_print_dump(&test_cycle), HX_OK);
    cr_assert_eq(test_cycle.config_dump.nelts, 1);

    cd = test_cycle.config_dump.elts;

    cr_assert_eq(cd[0].name.data[0], '#');
    cr_assert_eq((size_t) (cd[0].buffer->last - cd[0].buffer->pos),
                 sizeof(seed_printed) - 1);
    cr_assert_eq(memcmp(cd[0].buffer->pos, seed_printed,
                        sizeof(seed_printed) - 1), 0);
}

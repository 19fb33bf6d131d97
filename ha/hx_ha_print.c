/*
 * The converter behind "hanx -T": the ha { } block as hanx resolved it,
 * written back in hanx's own spelling, so that a keepalived.conf read
 * through keepalived_config can be migrated into hanx.conf by copying
 * what -T prints.
 *
 * The printer walks the resolved structures (not the text that was
 * read), so keepalived's spelling variants come out in one form: "lvs_sched"
 * as lb_algo, "nb_get_retry" as retry, times in seconds with decimals,
 * booleans as bare keywords.  What it prints is read by the same
 * directive tables into the same structures: printing it again gives
 * the same text (the round trip the tests check).
 *
 * Which defaults are printed: the settings that decide who is master and
 * where traffic goes are always printed, resolved, even when they were
 * not written (state, interface, virtual_router_id, priority, advert_int
 * and version of an instance; delay_loop, lb_algo, lb_kind and protocol
 * of a virtual_server; weight of a real_server; connect_timeout, retry
 * and delay_before_retry of a checker; interval, timeout, weight, rise
 * and fall of a vrrp_script).  Those are what a reader migrating from
 * keepalived needs to see, and their defaults are the ones people get
 * wrong (state BACKUP, priority 100, VRRP version 2, lb_algo wlc,
 * delay_loop 60 s).  Everything else is printed only where it differs
 * from what hanx would take without it, so that the block stays as
 * short as the file it came from; where a default comes from
 * global_defs (the GARP settings), an instance prints its own only when
 * it differs from the global one.
 *
 * The output is built in a buffer that grows in the caller's pool.  For
 * -T it is handed to the dump as one more entry of cycle->config_dump
 * (hx_ha_print_dump()), called from the keepalived module's init_module,
 * so that core/hx_main.c needs no reference to ha/ (--without-ha builds).
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_ha.h>
#include "hx_ha_virtual_server.h"
#include "hx_ha_keepalived_conf.h"
#include "hx_ha_print.h"
#include "hx_ha_static.h"

#include <linux/rtnetlink.h>


/* the growing output and where the printer is in it */
typedef struct {
    hx_pool_t           *pool;
    uint8_t             *start;
    uint8_t             *last;
    uint8_t             *end;
    hx_uint_t            depth;
    hx_uint_t            failed;
} hx_ha_pr_t;


static void hx_ha_pr_globals(hx_ha_pr_t *pr, hx_ha_main_conf_t *hmcf);
static void hx_ha_pr_script(hx_ha_pr_t *pr, hx_ha_script_conf_t *sc);
static void hx_ha_pr_group(hx_ha_pr_t *pr, hx_ha_sync_conf_t *sg);
static void hx_ha_pr_instance(hx_ha_pr_t *pr, hx_ha_main_conf_t *hmcf,
    hx_ha_vrrp_conf_t *vr);
static void hx_ha_pr_instance_extras(hx_ha_pr_t *pr, hx_ha_main_conf_t *hmcf,
    hx_ha_vrrp_conf_t *vr);
static void hx_ha_pr_vips(hx_ha_pr_t *pr, const char *name, hx_array_t *a);
static void hx_ha_pr_routes(hx_ha_pr_t *pr, const char *name,
    hx_array_t *a);
static void hx_ha_pr_rules(hx_ha_pr_t *pr, const char *name, hx_array_t *a);
static void hx_ha_pr_tracks(hx_ha_pr_t *pr, const char *name, hx_array_t *a,
    hx_uint_t always_weight);
static void hx_ha_pr_cmd(hx_ha_pr_t *pr, const char *name, hx_ha_cmd_t *c);
static void hx_ha_pr_vs_group(hx_ha_pr_t *pr, hx_ha_vs_group_t *grp);
static void hx_ha_pr_vs(hx_ha_pr_t *pr, hx_ha_vs_conf_t *vs);
static void hx_ha_pr_rs(hx_ha_pr_t *pr, hx_ha_vs_conf_t *vs,
    hx_ha_rs_conf_t *rs);
static void hx_ha_pr_check(hx_ha_pr_t *pr, hx_ha_vs_conf_t *vs,
    hx_ha_check_conf_t *ck);
static void hx_ha_pr_connect(hx_ha_pr_t *pr, hx_ha_check_conf_t *ck);
static void hx_ha_pr_udp_smtp(hx_ha_pr_t *pr, hx_ha_check_conf_t *ck);
static hx_str_t *hx_ha_pr_hex(hx_ha_pr_t *pr, hx_str_t *bytes);
static void hx_ha_pr_url(hx_ha_pr_t *pr, hx_ha_check_url_t *url);
static hx_str_t *hx_ha_pr_addr(hx_ha_pr_t *pr, hx_addr_t *addr);
static hx_str_t *hx_ha_pr_word(hx_ha_pr_t *pr, hx_str_t *w);
static hx_str_t *hx_ha_pr_time(hx_ha_pr_t *pr, hx_msec_t ms);
static void hx_ha_pr_flag(hx_ha_pr_t *pr, const char *name, hx_flag_t on,
    hx_flag_t dflt);
static void hx_ha_pr_line(hx_ha_pr_t *pr, const char *fmt, ...);
static void hx_ha_pr_open(hx_ha_pr_t *pr, const char *fmt, ...);
static void hx_ha_pr_close(hx_ha_pr_t *pr);
static void hx_ha_pr_close_or_drop(hx_ha_pr_t *pr, size_t mark,
    size_t after);
static void hx_ha_pr_vput(hx_ha_pr_t *pr, const char *suffix,
    const char *fmt, va_list args);
static hx_int_t hx_ha_pr_title(hx_cycle_t *cycle, hx_pool_t *pool,
    hx_ha_main_conf_t *hmcf, hx_str_t *title);


static hx_str_t  hx_ha_pr_empty = hx_string("\"\"");


hx_int_t
hx_ha_print(hx_cycle_t *cycle, hx_pool_t *pool, hx_str_t *title,
    hx_str_t *text)
{
    hx_uint_t                 i;
    hx_ha_pr_t                pr;
    hx_ha_vs_conf_t         **vsp;
    hx_ha_vs_group_t         *grp;
    hx_ha_vrrp_conf_t       **vrp;
    hx_ha_sync_conf_t       **sgp;
    hx_ha_main_conf_t        *hmcf;
    hx_ha_script_conf_t     **scp;
    hx_ha_vs_main_conf_t     *vsmcf;
    hx_ha_vrrp_main_conf_t   *vmcf;

    hmcf = hx_ha_cycle_get_main_conf(cycle, &hx_ha_core_module);
    if (hmcf == NULL) {
        return HX_DECLINED;
    }

    vmcf = hx_ha_cycle_get_main_conf(cycle, &hx_ha_vrrp_module);
    vsmcf = hx_ha_cycle_get_main_conf(cycle, &hx_ha_virtual_server_module);

    hx_memzero(&pr, sizeof(hx_ha_pr_t));
    pr.pool = pool;

    hx_ha_pr_open(&pr, "ha");

    hx_ha_pr_globals(&pr, hmcf);

    if (vmcf) {
        hx_ha_pr_vips(&pr, "static_ipaddress", vmcf->static_ips);
        hx_ha_pr_routes(&pr, "static_routes", vmcf->static_routes);
        hx_ha_pr_rules(&pr, "static_rules", vmcf->static_rules);

        scp = vmcf->scripts.elts;

        for (i = 0; i < vmcf->scripts.nelts; i++) {
            hx_ha_pr_script(&pr, scp[i]);
        }

        sgp = vmcf->groups.elts;

        for (i = 0; i < vmcf->groups.nelts; i++) {
            hx_ha_pr_group(&pr, sgp[i]);
        }

        vrp = vmcf->instances.elts;

        for (i = 0; i < vmcf->instances.nelts; i++) {
            hx_ha_pr_instance(&pr, hmcf, vrp[i]);
        }
    }

    if (vsmcf) {
        grp = vsmcf->groups.elts;

        for (i = 0; i < vsmcf->groups.nelts; i++) {
            hx_ha_pr_vs_group(&pr, &grp[i]);
        }

        vsp = vsmcf->servers.elts;

        for (i = 0; i < vsmcf->servers.nelts; i++) {
            hx_ha_pr_vs(&pr, vsp[i]);
        }
    }

    hx_ha_pr_close(&pr);

    if (pr.failed) {
        return HX_ERROR;
    }

    text->data = pr.start;
    text->len = pr.last - pr.start;

    return hx_ha_pr_title(cycle, pool, hmcf, title);
}


hx_int_t
hx_ha_print_dump(hx_cycle_t *cycle)
{
    hx_int_t         rc;
    hx_str_t         title, text;
    hx_buf_t        *b;
    hx_conf_dump_t  *cd;

    rc = hx_ha_print(cycle, cycle->pool, &title, &text);

    if (rc == HX_DECLINED) {
        return HX_OK;
    }

    if (rc != HX_OK) {
        return HX_ERROR;
    }

    b = hx_calloc_buf(cycle->pool);
    cd = hx_array_push(&cycle->config_dump);

    if (b == NULL || cd == NULL) {
        return HX_ERROR;
    }

    b->start = text.data;
    b->pos = text.data;
    b->last = text.data + text.len;
    b->end = b->last;
    b->temporary = 1;

    cd->name = title;
    cd->buffer = b;

    return HX_OK;
}


/* "from keepalived_config FILE" when one was read, else "from FILE:LINE" */
static hx_int_t
hx_ha_pr_title(hx_cycle_t *cycle, hx_pool_t *pool, hx_ha_main_conf_t *hmcf,
    hx_str_t *title)
{
    size_t       len;
    uint8_t     *p, *last;
    hx_str_t    *files;
    hx_uint_t    i;
    hx_array_t  *a;

    a = hx_ha_keepalived_files(cycle);

    len = sizeof("# ha { } as hanx reads it (from keepalived_config )")
          + hmcf->pos.file.len + HX_INT_T_LEN;

    files = a ? a->elts : NULL;

    for (i = 0; a && i < a->nelts; i++) {
        len += files[i].len + sizeof(", ");
    }

    title->data = hx_pnalloc(pool, len);
    if (title->data == NULL) {
        return HX_ERROR;
    }

    p = title->data;
    last = p + len;

    p = hx_slprintf(p, last, "# ha { } as hanx reads it (from ");

    if (a == NULL || a->nelts == 0) {
        p = hx_slprintf(p, last, "%V:%ui)", &hmcf->pos.file, hmcf->pos.line);

    } else {
        p = hx_slprintf(p, last, "keepalived_config ");

        for (i = 0; i < a->nelts; i++) {
            p = hx_slprintf(p, last, "%s%V", i ? ", " : "", &files[i]);
        }

        p = hx_slprintf(p, last, ")");
    }

    title->len = p - title->data;

    return HX_OK;
}


/* global_defs { } with what differs from keepalived's defaults */
static void
hx_ha_pr_globals(hx_ha_pr_t *pr, hx_ha_main_conf_t *hmcf)
{
    size_t  mark, after;

    static hx_str_t  state_file = hx_string("logs/vrrp.state");

    if (!hx_str_eq(&hmcf->state_file, &state_file)) {
        hx_ha_pr_line(pr, "vrrp_state_file %V;",
                      hx_ha_pr_word(pr, &hmcf->state_file));
    }

    mark = pr->last - pr->start;

    hx_ha_pr_open(pr, "global_defs");

    after = pr->last - pr->start;

    if (hmcf->router_id.data) {
        hx_ha_pr_line(pr, "router_id %V;",
                      hx_ha_pr_word(pr, &hmcf->router_id));
    }

    if (hmcf->vrrp_version != 2) {
        hx_ha_pr_line(pr, "vrrp_version %i;", hmcf->vrrp_version);
    }

    if (hmcf->garp_master_delay != 5000) {
        hx_ha_pr_line(pr, "vrrp_garp_master_delay %V;",
                      hx_ha_pr_time(pr, hmcf->garp_master_delay));
    }

    if (hmcf->garp_master_repeat != 5) {
        hx_ha_pr_line(pr, "vrrp_garp_master_repeat %i;",
                      hmcf->garp_master_repeat);
    }

    if (hmcf->garp_master_refresh != 0) {
        hx_ha_pr_line(pr, "vrrp_garp_master_refresh %V;",
                      hx_ha_pr_time(pr, hmcf->garp_master_refresh));
    }

    if (hmcf->garp_master_refresh_repeat != 1) {
        hx_ha_pr_line(pr, "vrrp_garp_master_refresh_repeat %i;",
                      hmcf->garp_master_refresh_repeat);
    }

    /* these two default to the master's, not to a constant */
    if (hmcf->garp_lower_prio_delay != hmcf->garp_master_delay) {
        hx_ha_pr_line(pr, "vrrp_garp_lower_prio_delay %V;",
                      hx_ha_pr_time(pr, hmcf->garp_lower_prio_delay));
    }

    if (hmcf->garp_lower_prio_repeat != hmcf->garp_master_repeat) {
        hx_ha_pr_line(pr, "vrrp_garp_lower_prio_repeat %i;",
                      hmcf->garp_lower_prio_repeat);
    }

    if (hmcf->garp_interval != 0) {
        hx_ha_pr_line(pr, "vrrp_garp_interval %V;",
                      hx_ha_pr_time(pr, hmcf->garp_interval));
    }

    if (hmcf->gna_interval != 0) {
        hx_ha_pr_line(pr, "vrrp_gna_interval %V;",
                      hx_ha_pr_time(pr, hmcf->gna_interval));
    }

    hx_ha_pr_flag(pr, "vrrp_lower_prio_no_advert",
                  hmcf->lower_prio_no_advert, 0);
    hx_ha_pr_flag(pr, "vrrp_higher_prio_send_advert",
                  hmcf->higher_prio_send_advert, 0);
    hx_ha_pr_flag(pr, "vrrp_strict", hmcf->strict, 0);
    hx_ha_pr_flag(pr, "vrrp_check_unicast_src", hmcf->check_unicast_src, 0);
    hx_ha_pr_flag(pr, "vrrp_skip_check_adv_addr",
                  hmcf->skip_check_adv_addr, 0);
    hx_ha_pr_flag(pr, "enable_script_security", hmcf->script_security, 0);

    if (hmcf->script_user.data) {
        hx_ha_pr_line(pr, "script_user %V%s%V;",
                      hx_ha_pr_word(pr, &hmcf->script_user),
                      hmcf->script_group.data ? " " : "",
                      hmcf->script_group.data
                      ? hx_ha_pr_word(pr, &hmcf->script_group)
                      : &hmcf->script_group);
    }

    hx_ha_pr_close_or_drop(pr, mark, after);
}


static void
hx_ha_pr_script(hx_ha_pr_t *pr, hx_ha_script_conf_t *sc)
{
    hx_ha_pr_open(pr, "vrrp_script %V", hx_ha_pr_word(pr, &sc->name));

    hx_ha_pr_cmd(pr, "script", sc->script);
    hx_ha_pr_line(pr, "interval %V;", hx_ha_pr_time(pr, sc->interval));
    hx_ha_pr_line(pr, "timeout %V;", hx_ha_pr_time(pr, sc->timeout));
    hx_ha_pr_line(pr, "weight %i%s;", sc->weight,
                  sc->reverse ? " reverse" : "");
    hx_ha_pr_line(pr, "rise %i;", sc->rise);
    hx_ha_pr_line(pr, "fall %i;", sc->fall);
    hx_ha_pr_flag(pr, "init_fail", sc->init_fail, 0);

    if (sc->user.data) {
        hx_ha_pr_line(pr, "user %V%s%V;", hx_ha_pr_word(pr, &sc->user),
                      sc->group.data ? " " : "",
                      sc->group.data ? hx_ha_pr_word(pr, &sc->group)
                                     : &sc->group);
    }

    hx_ha_pr_close(pr);
}


static void
hx_ha_pr_group(hx_ha_pr_t *pr, hx_ha_sync_conf_t *sg)
{
    hx_str_t   *names;
    hx_uint_t   i;

    hx_ha_pr_open(pr, "vrrp_sync_group %V", hx_ha_pr_word(pr, &sg->name));
    hx_ha_pr_open(pr, "group");

    names = sg->member_names->elts;

    for (i = 0; i < sg->member_names->nelts; i++) {
        hx_ha_pr_line(pr, "%V;", hx_ha_pr_word(pr, &names[i]));
    }

    hx_ha_pr_close(pr);

    hx_ha_pr_cmd(pr, "notify_master", sg->notify_master);
    hx_ha_pr_cmd(pr, "notify_backup", sg->notify_backup);
    hx_ha_pr_cmd(pr, "notify_fault", sg->notify_fault);
    hx_ha_pr_cmd(pr, "notify_stop", sg->notify_stop);
    hx_ha_pr_cmd(pr, "notify", sg->notify);

    hx_ha_pr_close(pr);
}


static void
hx_ha_pr_instance(hx_ha_pr_t *pr, hx_ha_main_conf_t *hmcf,
    hx_ha_vrrp_conf_t *vr)
{
    hx_uint_t      i;
    hx_ha_addr_t  *peer;

    hx_ha_pr_open(pr, "vrrp_instance %V", hx_ha_pr_word(pr, &vr->name));

    hx_ha_pr_line(pr, "state %s;",
                  vr->want_state == HX_VRRP_MASTER ? "MASTER" : "BACKUP");
    hx_ha_pr_line(pr, "interface %V;", hx_ha_pr_word(pr, &vr->interface));
    hx_ha_pr_line(pr, "virtual_router_id %i;", vr->vrid);
    hx_ha_pr_line(pr, "priority %i;", vr->priority);
    hx_ha_pr_line(pr, "advert_int %V;", hx_ha_pr_time(pr, vr->adver_int));
    hx_ha_pr_line(pr, "version %i;", vr->version);

    hx_ha_pr_flag(pr, "nopreempt", vr->nopreempt, 0);

    if (vr->preempt_delay) {
        hx_ha_pr_line(pr, "preempt_delay %V;",
                      hx_ha_pr_time(pr, vr->preempt_delay));
    }

    /* v3 and vrrp_strict drop the authentication: so does the printout */
    if (vr->auth_type != HX_VRRP_AUTH_NONE) {
        hx_ha_pr_open(pr, "authentication");
        hx_ha_pr_line(pr, "auth_type %s;",
                      vr->auth_type == HX_VRRP_AUTH_AH ? "AH" : "PASS");
        hx_ha_pr_line(pr, "auth_pass %V;",
                      hx_ha_pr_word(pr, &vr->auth_pass));
        hx_ha_pr_close(pr);
    }

    hx_ha_pr_vips(pr, "virtual_ipaddress", vr->vips);
    hx_ha_pr_vips(pr, "virtual_ipaddress_excluded", vr->evips);
    hx_ha_pr_routes(pr, "virtual_routes", vr->vroutes);
    hx_ha_pr_rules(pr, "virtual_rules", vr->vrules);

    if (vr->unicast_src.family) {
        hx_ha_pr_line(pr, "unicast_src_ip %V;", &vr->unicast_src.text);
    }

    if (vr->mcast_src.family) {
        hx_ha_pr_line(pr, "mcast_src_ip %V;", &vr->mcast_src.text);
    }

    if (vr->peers && vr->peers->nelts) {
        hx_ha_pr_open(pr, "unicast_peer");

        peer = vr->peers->elts;

        for (i = 0; i < vr->peers->nelts; i++) {
            hx_ha_pr_line(pr, "%V;", &peer[i].text);
        }

        hx_ha_pr_close(pr);
    }

    hx_ha_pr_tracks(pr, "track_interface", vr->track_ifs, 0);

    /* an explicit weight of a track_script beats the script's own */
    hx_ha_pr_tracks(pr, "track_script", vr->track_scripts, 1);

    if (vr->track_workers == 0) {
        hx_ha_pr_line(pr, "track_workers;");

    } else if (vr->track_workers != HX_CONF_UNSET) {
        hx_ha_pr_line(pr, "track_workers weight %i;", vr->track_workers);
    }

    hx_ha_pr_cmd(pr, "notify_master", vr->notify_master);
    hx_ha_pr_cmd(pr, "notify_backup", vr->notify_backup);
    hx_ha_pr_cmd(pr, "notify_fault", vr->notify_fault);
    hx_ha_pr_cmd(pr, "notify_stop", vr->notify_stop);
    hx_ha_pr_cmd(pr, "notify", vr->notify);

    hx_ha_pr_instance_extras(pr, hmcf, vr);

    hx_ha_pr_close(pr);
}


/* the GARP and advertisement tuning, where the instance has its own */
static void
hx_ha_pr_instance_extras(hx_ha_pr_t *pr, hx_ha_main_conf_t *hmcf,
    hx_ha_vrrp_conf_t *vr)
{
    if (vr->garp_master_delay != hmcf->garp_master_delay) {
        hx_ha_pr_line(pr, "garp_master_delay %V;",
                      hx_ha_pr_time(pr, vr->garp_master_delay));
    }

    if (vr->garp_master_repeat != hmcf->garp_master_repeat) {
        hx_ha_pr_line(pr, "garp_master_repeat %i;", vr->garp_master_repeat);
    }

    if (vr->garp_master_refresh != hmcf->garp_master_refresh) {
        hx_ha_pr_line(pr, "garp_master_refresh %V;",
                      hx_ha_pr_time(pr, vr->garp_master_refresh));
    }

    if (vr->garp_master_refresh_repeat != hmcf->garp_master_refresh_repeat) {
        hx_ha_pr_line(pr, "garp_master_refresh_repeat %i;",
                      vr->garp_master_refresh_repeat);
    }

    if (vr->garp_lower_prio_delay != hmcf->garp_lower_prio_delay) {
        hx_ha_pr_line(pr, "garp_lower_prio_delay %V;",
                      hx_ha_pr_time(pr, vr->garp_lower_prio_delay));
    }

    if (vr->garp_lower_prio_repeat != hmcf->garp_lower_prio_repeat) {
        hx_ha_pr_line(pr, "garp_lower_prio_repeat %i;",
                      vr->garp_lower_prio_repeat);
    }

    if (!vr->accept) {
        hx_ha_pr_line(pr, "no_accept;");
    }

    hx_ha_pr_flag(pr, "dont_track_primary", vr->dont_track_primary, 0);
    hx_ha_pr_flag(pr, "lower_prio_no_advert", vr->lower_prio_no_advert,
                  hmcf->lower_prio_no_advert);
    hx_ha_pr_flag(pr, "higher_prio_send_advert", vr->higher_prio_send_advert,
                  hmcf->higher_prio_send_advert);
    hx_ha_pr_flag(pr, "skip_check_adv_addr", vr->skip_check_adv_addr,
                  hmcf->skip_check_adv_addr);

    if (vr->debug) {
        hx_ha_pr_line(pr, "debug %i;", vr->debug);
    }
}


static void
hx_ha_pr_vips(hx_ha_pr_t *pr, const char *name, hx_array_t *a)
{
    uint8_t       buf[sizeof(" scope nowhere") + HX_INT_T_LEN], *p;
    hx_uint_t     i, s;
    hx_ha_vip_t  *vip;

    static const char  *scopes[] = { "site", "link", "host", "nowhere" };
    static uint8_t      values[] = { RT_SCOPE_SITE, RT_SCOPE_LINK,
                                     RT_SCOPE_HOST, RT_SCOPE_NOWHERE };

    if (a == NULL || a->nelts == 0) {
        return;
    }

    hx_ha_pr_open(pr, "%s", name);

    vip = a->elts;

    for (i = 0; i < a->nelts; i++) {
        p = buf;

        if (vip[i].scope != RT_SCOPE_UNIVERSE) {
            for (s = 0; s < sizeof(values); s++) {
                if (values[s] == vip[i].scope) {
                    break;
                }
            }

            p = (s < sizeof(values))
                ? hx_sprintf(p, " scope %s", scopes[s])
                : hx_sprintf(p, " scope %ui", vip[i].scope);
        }

        hx_ha_pr_line(pr, "%V%s%V%s%V%*s;", &vip[i].addr.text,
                      vip[i].dev.len ? " dev " : "",
                      vip[i].dev.len ? hx_ha_pr_word(pr, &vip[i].dev)
                                     : &vip[i].dev,
                      vip[i].label.len ? " label " : "",
                      vip[i].label.len ? hx_ha_pr_word(pr, &vip[i].label)
                                       : &vip[i].label,
                      (size_t) (p - buf), buf);
    }

    hx_ha_pr_close(pr);
}


/* static_routes, virtual_routes: what differs from the line's defaults */
static void
hx_ha_pr_routes(hx_ha_pr_t *pr, const char *name, hx_array_t *a)
{
    uint8_t         buf[512], *p, *last;
    hx_uint_t       i, j, dflt;
    hx_ha_route_t  *rt;

    static const char  *types[] = { "", "blackhole ", "unreachable ",
                                    "prohibit " };

    if (a == NULL || a->nelts == 0) {
        return;
    }

    hx_ha_pr_open(pr, "%s", name);

    rt = a->elts;

    for (i = 0; i < a->nelts; i++) {
        p = buf;
        last = buf + sizeof(buf);

        if (rt[i].src.family) {
            p = hx_slprintf(p, last, "src %V ", &rt[i].src.text);
        }

        p = hx_slprintf(p, last, "%s",
                        rt[i].type == RTN_BLACKHOLE ? types[1]
                        : rt[i].type == RTN_UNREACHABLE ? types[2]
                        : rt[i].type == RTN_PROHIBIT ? types[3] : types[0]);

        if (rt[i].dst.text.len) {
            p = hx_slprintf(p, last, "%V", &rt[i].dst.text);

        } else {
            p = hx_slprintf(p, last, "default");
        }

        if (rt[i].via.family) {
            p = hx_slprintf(p, last, " via %V", &rt[i].via.text);

            for (j = 0; j < rt[i].nors; j++) {
                p = hx_slprintf(p, last, " or %V", &rt[i].ors[j].text);
            }
        }

        if (rt[i].dev.len) {
            p = hx_slprintf(p, last, " dev %V", &rt[i].dev);
        }

        dflt = (rt[i].type == RTN_UNICAST && rt[i].via.family == 0)
               ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;

        if (rt[i].scope != dflt) {
            p = hx_slprintf(p, last, " scope %s",
                            rt[i].scope == RT_SCOPE_LINK ? "link"
                            : rt[i].scope == RT_SCOPE_HOST ? "host"
                            : rt[i].scope == RT_SCOPE_SITE ? "site"
                            : "global");
        }

        if (rt[i].table != RT_TABLE_MAIN) {
            p = hx_slprintf(p, last, " table %ui", rt[i].table);
        }

        if (rt[i].metric) {
            p = hx_slprintf(p, last, " metric %ui", rt[i].metric);
        }

        hx_ha_pr_line(pr, "%*s;", (size_t) (p - buf), buf);
    }

    hx_ha_pr_close(pr);
}


/* static_rules, virtual_rules */
static void
hx_ha_pr_rules(hx_ha_pr_t *pr, const char *name, hx_array_t *a)
{
    uint8_t        buf[256], *p, *last;
    hx_uint_t      i;
    hx_ha_rule_t  *ru;

    if (a == NULL || a->nelts == 0) {
        return;
    }

    hx_ha_pr_open(pr, "%s", name);

    ru = a->elts;

    for (i = 0; i < a->nelts; i++) {
        p = buf;
        last = buf + sizeof(buf);

        if (ru[i].from.family) {
            p = hx_slprintf(p, last, "from %V ", &ru[i].from.text);
        }

        if (ru[i].to.family) {
            p = hx_slprintf(p, last, "to %V ", &ru[i].to.text);
        }

        p = hx_slprintf(p, last, "table %ui", ru[i].table);

        if (ru[i].priority) {
            p = hx_slprintf(p, last, " priority %ui", ru[i].priority);
        }

        hx_ha_pr_line(pr, "%*s;", (size_t) (p - buf), buf);
    }

    hx_ha_pr_close(pr);
}


static void
hx_ha_pr_tracks(hx_ha_pr_t *pr, const char *name, hx_array_t *a,
    hx_uint_t always_weight)
{
    uint8_t         buf[sizeof(" weight -253 reverse")], *p;
    hx_uint_t       i;
    hx_ha_track_t  *t;

    if (a == NULL || a->nelts == 0) {
        return;
    }

    hx_ha_pr_open(pr, "%s", name);

    t = a->elts;

    for (i = 0; i < a->nelts; i++) {
        p = buf;

        if (always_weight || t[i].weight) {
            p = hx_sprintf(p, " weight %i", t[i].weight);
        }

        if (t[i].reverse) {
            p = hx_cpymem(p, " reverse", sizeof(" reverse") - 1);
        }

        hx_ha_pr_line(pr, "%V%*s;", hx_ha_pr_word(pr, &t[i].name),
                      (size_t) (p - buf), buf);
    }

    hx_ha_pr_close(pr);
}


/* "NAME COMMAND [USER [GROUP]];", the command as one word */
static void
hx_ha_pr_cmd(hx_ha_pr_t *pr, const char *name, hx_ha_cmd_t *c)
{
    hx_str_t  *user, *group;

    if (c == NULL) {
        return;
    }

    user = c->user.len ? hx_ha_pr_word(pr, &c->user) : &c->user;
    group = c->group.len ? hx_ha_pr_word(pr, &c->group) : &c->group;

    hx_ha_pr_line(pr, "%s %V%s%V%s%V;", name, hx_ha_pr_word(pr, &c->text),
                  c->user.len ? " " : "", user,
                  c->group.len ? " " : "", group);
}


/* its members one by one, IP-LAST ranges written out */
static void
hx_ha_pr_vs_group(hx_ha_pr_t *pr, hx_ha_vs_group_t *grp)
{
    hx_uint_t   i;
    hx_addr_t  *addr;

    hx_ha_pr_open(pr, "virtual_server_group %V",
                  hx_ha_pr_word(pr, &grp->name));

    addr = grp->addrs.elts;

    for (i = 0; i < grp->addrs.nelts; i++) {
        hx_ha_pr_line(pr, "%V;", hx_ha_pr_addr(pr, &addr[i]));
    }

    hx_ha_pr_close(pr);
}


static void
hx_ha_pr_vs(hx_ha_pr_t *pr, hx_ha_vs_conf_t *vs)
{
    hx_uint_t         i;
    hx_ha_rs_conf_t  *rs;

    if (vs->group.len) {
        hx_ha_pr_open(pr, "virtual_server group %V",
                      hx_ha_pr_word(pr, &vs->group));

    } else {
        hx_ha_pr_open(pr, "virtual_server %V", hx_ha_pr_addr(pr, &vs->addr));
    }

    hx_ha_pr_line(pr, "delay_loop %V;", hx_ha_pr_time(pr, vs->delay_loop));
    hx_ha_pr_line(pr, "lb_algo %V;", hx_ha_pr_word(pr, &vs->lb_algo));
    hx_ha_pr_line(pr, "lb_kind NAT;");
    hx_ha_pr_line(pr, "protocol %s;",
                  vs->protocol == SOCK_DGRAM ? "UDP" : "TCP");

    if (vs->persistence_timeout) {
        hx_ha_pr_line(pr, "persistence_timeout %i;", vs->persistence_timeout);
    }

    if (vs->persistence_granularity.len) {
        hx_ha_pr_line(pr, "persistence_granularity %V;",
                      &vs->persistence_granularity);
    }

    if (vs->virtualhost.len) {
        hx_ha_pr_line(pr, "virtualhost %V;",
                      hx_ha_pr_word(pr, &vs->virtualhost));
    }

    if (vs->sorry_server) {
        hx_ha_pr_line(pr, "sorry_server %V;",
                      hx_ha_pr_addr(pr, &vs->sorry_server->addr));
    }

    hx_ha_pr_flag(pr, "sorry_server_inhibit", vs->sorry_server_inhibit, 0);
    hx_ha_pr_flag(pr, "inhibit_on_failure", vs->inhibit_on_failure, 0);
    hx_ha_pr_flag(pr, "ha_suspend", vs->ha_suspend, 0);
    hx_ha_pr_flag(pr, "alpha", vs->alpha, 0);
    hx_ha_pr_flag(pr, "omega", vs->omega, 0);

    if (vs->quorum != 1) {
        hx_ha_pr_line(pr, "quorum %i;", vs->quorum);
    }

    if (vs->hysteresis != 0) {
        hx_ha_pr_line(pr, "hysteresis %i;", vs->hysteresis);
    }

    if (vs->quorum_up.len) {
        hx_ha_pr_line(pr, "quorum_up %V;", hx_ha_pr_word(pr, &vs->quorum_up));
    }

    if (vs->quorum_down.len) {
        hx_ha_pr_line(pr, "quorum_down %V;",
                      hx_ha_pr_word(pr, &vs->quorum_down));
    }

    rs = vs->real_servers.elts;

    for (i = 0; i < vs->real_servers.nelts; i++) {
        hx_ha_pr_rs(pr, vs, &rs[i]);
    }

    hx_ha_pr_close(pr);
}


static void
hx_ha_pr_rs(hx_ha_pr_t *pr, hx_ha_vs_conf_t *vs, hx_ha_rs_conf_t *rs)
{
    hx_uint_t            i;
    hx_ha_check_conf_t  *ck;

    hx_ha_pr_open(pr, "real_server %V", hx_ha_pr_addr(pr, &rs->addr));

    hx_ha_pr_line(pr, "weight %i;", rs->weight);

    /* a real_server without its own takes the virtual server's */
    hx_ha_pr_flag(pr, "inhibit_on_failure", rs->inhibit_on_failure,
                  vs->inhibit_on_failure);

    if (rs->notify_up.len) {
        hx_ha_pr_line(pr, "notify_up %V;", hx_ha_pr_word(pr, &rs->notify_up));
    }

    if (rs->notify_down.len) {
        hx_ha_pr_line(pr, "notify_down %V;",
                      hx_ha_pr_word(pr, &rs->notify_down));
    }

    if (rs->virtualhost.len) {
        hx_ha_pr_line(pr, "virtualhost %V;",
                      hx_ha_pr_word(pr, &rs->virtualhost));
    }

    ck = rs->checks->elts;

    for (i = 0; i < rs->checks->nelts; i++) {
        hx_ha_pr_check(pr, vs, &ck[i]);
    }

    hx_ha_pr_close(pr);
}


static void
hx_ha_pr_check(hx_ha_pr_t *pr, hx_ha_vs_conf_t *vs, hx_ha_check_conf_t *ck)
{
    hx_uint_t           i;
    hx_ha_check_url_t  *url;

    hx_ha_pr_open(pr, "%V", &ck->name);

    if (ck->type == HX_HA_CHECK_MISC) {
        hx_ha_pr_line(pr, "misc_path %V;",
                      hx_ha_pr_word(pr, &ck->misc_path->text));

        if (ck->misc_timeout != ck->delay_loop) {
            hx_ha_pr_line(pr, "misc_timeout %V;",
                          hx_ha_pr_time(pr, ck->misc_timeout));
        }

        hx_ha_pr_flag(pr, "misc_dynamic", ck->misc_dynamic, 0);

        if (ck->user.len) {
            hx_ha_pr_line(pr, "user %V%s%V;", hx_ha_pr_word(pr, &ck->user),
                          ck->group.len ? " " : "",
                          ck->group.len ? hx_ha_pr_word(pr, &ck->group)
                                        : &ck->group);
        }

    } else {
        hx_ha_pr_connect(pr, ck);
        hx_ha_pr_udp_smtp(pr, ck);
    }

    hx_ha_pr_line(pr, "retry %i;", ck->retry);
    hx_ha_pr_line(pr, "delay_before_retry %V;",
                  hx_ha_pr_time(pr, ck->delay_before_retry));

    if (ck->delay_loop != vs->delay_loop) {
        hx_ha_pr_line(pr, "delay_loop %V;", hx_ha_pr_time(pr, ck->delay_loop));
    }

    if (ck->warmup) {
        hx_ha_pr_line(pr, "warmup %V;", hx_ha_pr_time(pr, ck->warmup));
    }

    if (ck->type == HX_HA_CHECK_HTTP || ck->type == HX_HA_CHECK_SSL) {
        if (ck->virtualhost.len) {
            hx_ha_pr_line(pr, "virtualhost %V;",
                          hx_ha_pr_word(pr, &ck->virtualhost));
        }

        url = ck->urls->elts;

        for (i = 0; i < ck->urls->nelts; i++) {
            hx_ha_pr_url(pr, &url[i]);
        }
    }

    hx_ha_pr_close(pr);
}


/* where TCP_CHECK, HTTP_GET and SSL_GET connect, and how long they wait */
static void
hx_ha_pr_connect(hx_ha_pr_t *pr, hx_ha_check_conf_t *ck)
{
    if (ck->connect_ip.len) {
        hx_ha_pr_line(pr, "connect_ip %V;", &ck->connect_ip);
    }

    if (ck->connect_port != HX_CONF_UNSET) {
        hx_ha_pr_line(pr, "connect_port %i;", ck->connect_port);
    }

    if (ck->bindto.len) {
        hx_ha_pr_line(pr, "bindto %V;", &ck->bindto);
    }

    if (ck->bind_port != HX_CONF_UNSET) {
        hx_ha_pr_line(pr, "bind_port %i;", ck->bind_port);
    }

    hx_ha_pr_line(pr, "connect_timeout %V;",
                  hx_ha_pr_time(pr, ck->connect_timeout));
}


/* UDP_CHECK's bytes, SMTP_CHECK's helo_name and host { } blocks */
static void
hx_ha_pr_udp_smtp(hx_ha_pr_t *pr, hx_ha_check_conf_t *ck)
{
    hx_uint_t            i;
    hx_ha_check_conf_t  *host;

    static hx_str_t  helo = hx_string("smtpchecker.keepalived.org");

    if (ck->type == HX_HA_CHECK_UDP) {
        if (ck->payload.len) {
            hx_ha_pr_line(pr, "payload %V;", hx_ha_pr_hex(pr, &ck->payload));
        }

        if (ck->require_reply && ck->reply.len) {
            hx_ha_pr_line(pr, "require_reply %V;",
                          hx_ha_pr_hex(pr, &ck->reply));

        } else if (ck->require_reply) {
            hx_ha_pr_line(pr, "require_reply;");
        }
    }

    if (ck->type != HX_HA_CHECK_SMTP) {
        return;
    }

    if (!hx_str_eq(&ck->helo_name, &helo)) {
        hx_ha_pr_line(pr, "helo_name %V;", hx_ha_pr_word(pr, &ck->helo_name));
    }

    if (ck->hosts == NULL) {
        return;
    }

    host = ck->hosts->elts;

    /* a host takes what it does not say from its checker */
    for (i = 0; i < ck->hosts->nelts; i++) {
        hx_ha_pr_open(pr, "host");

        if (host[i].connect_ip.len) {
            hx_ha_pr_line(pr, "connect_ip %V;", &host[i].connect_ip);
        }

        if (host[i].connect_port != ck->connect_port) {
            hx_ha_pr_line(pr, "connect_port %i;", host[i].connect_port);
        }

        if (host[i].bindto.len && !hx_str_eq(&host[i].bindto, &ck->bindto)) {
            hx_ha_pr_line(pr, "bindto %V;", &host[i].bindto);
        }

        if (host[i].bind_port != ck->bind_port) {
            hx_ha_pr_line(pr, "bind_port %i;", host[i].bind_port);
        }

        hx_ha_pr_close(pr);
    }
}


/* bytes as the hex digits UDP_CHECK's payload and require_reply take */
static hx_str_t *
hx_ha_pr_hex(hx_ha_pr_t *pr, hx_str_t *bytes)
{
    hx_str_t  *s;

    s = hx_palloc(pr->pool, sizeof(hx_str_t));
    if (s == NULL) {
        pr->failed = 1;
        return &hx_ha_pr_empty;
    }

    s->data = hx_pnalloc(pr->pool, bytes->len * 2);
    if (s->data == NULL) {
        pr->failed = 1;
        return &hx_ha_pr_empty;
    }

    s->len = hx_hex_dump(s->data, bytes->data, bytes->len) - s->data;

    return s;
}


/* url { } of HTTP_GET and SSL_GET; status_code only when not 200-299 */
static void
hx_ha_pr_url(hx_ha_pr_t *pr, hx_ha_check_url_t *url)
{
    uint8_t                   *p, *last;
    hx_str_t                   codes;
    hx_uint_t                  i;
    hx_health_check_status_t  *st;

    hx_ha_pr_open(pr, "url");

    hx_ha_pr_line(pr, "path %V;", hx_ha_pr_word(pr, &url->path));

    if (url->digest.len) {
        hx_ha_pr_line(pr, "digest %V;", hx_ha_pr_word(pr, &url->digest));
    }

    if (url->status && url->status->nelts) {
        codes.len = url->status->nelts * sizeof(" 999-999");
        codes.data = hx_pnalloc(pr->pool, codes.len);

        if (codes.data == NULL) {
            pr->failed = 1;
            return;
        }

        p = codes.data;
        last = p + codes.len;
        st = url->status->elts;

        for (i = 0; i < url->status->nelts; i++) {
            p = (st[i].low == st[i].high)
                ? hx_slprintf(p, last, " %ui", st[i].low)
                : hx_slprintf(p, last, " %ui-%ui", st[i].low, st[i].high);
        }

        codes.len = p - codes.data;
        hx_ha_pr_line(pr, "status_code%V;", &codes);
    }

    if (url->virtualhost.len) {
        hx_ha_pr_line(pr, "virtualhost %V;",
                      hx_ha_pr_word(pr, &url->virtualhost));
    }

    hx_ha_pr_close(pr);
}


/* "IP PORT", as virtual_server and real_server take them */
static hx_str_t *
hx_ha_pr_addr(hx_ha_pr_t *pr, hx_addr_t *addr)
{
    size_t     n;
    hx_str_t  *s;

    s = hx_palloc(pr->pool, sizeof(hx_str_t));
    if (s == NULL) {
        pr->failed = 1;
        return &hx_ha_pr_empty;
    }

    s->data = hx_pnalloc(pr->pool, HX_SOCKADDR_STRLEN + sizeof(" 65535"));
    if (s->data == NULL) {
        pr->failed = 1;
        return &hx_ha_pr_empty;
    }

    n = hx_sock_ntop(addr->sockaddr, addr->socklen, s->data,
                     HX_SOCKADDR_STRLEN, 0);

    s->len = hx_sprintf(s->data + n, " %ui",
                        (hx_uint_t) hx_inet_get_port(addr->sockaddr))
             - s->data;

    return s;
}


/*
 * w as one word of nginx grammar: as it is when it holds nothing the
 * tokenizer treats specially, otherwise double-quoted with '"' and '\'
 * escaped and control characters written as the escapes the tokenizer
 * turns back into them.
 */
static hx_str_t *
hx_ha_pr_word(hx_ha_pr_t *pr, hx_str_t *w)
{
    uint8_t    *p, *d, *last;
    hx_str_t   *q;
    hx_uint_t   plain;

    plain = w->len > 0;

    for (p = w->data, last = p + w->len; p < last; p++) {
        if (*p <= ' ' || *p == ';' || *p == '{' || *p == '}' || *p == '"'
            || *p == '\'' || *p == '\\' || *p == '#' || *p == '$'
            || *p == 0x7f)
        {
            plain = 0;
            break;
        }
    }

    if (plain) {
        return w;
    }

    q = hx_palloc(pr->pool, sizeof(hx_str_t));
    if (q == NULL) {
        pr->failed = 1;
        return &hx_ha_pr_empty;
    }

    q->data = hx_pnalloc(pr->pool, w->len * 2 + 2);
    if (q->data == NULL) {
        pr->failed = 1;
        return &hx_ha_pr_empty;
    }

    d = q->data;
    *d++ = '"';

    for (p = w->data; p < last; p++) {
        switch (*p) {

        case '"':
        case '\\':
            *d++ = '\\';
            *d++ = *p;
            break;

        case '\t':
            *d++ = '\\';
            *d++ = 't';
            break;

        case '\r':
            *d++ = '\\';
            *d++ = 'r';
            break;

        case '\n':
            *d++ = '\\';
            *d++ = 'n';
            break;

        default:
            *d++ = *p;
        }
    }

    *d++ = '"';
    q->len = d - q->data;

    return q;
}


/* milliseconds as keepalived writes times: seconds, with decimals */
static hx_str_t *
hx_ha_pr_time(hx_ha_pr_t *pr, hx_msec_t ms)
{
    uint8_t   *p;
    hx_str_t  *s;
    hx_uint_t  frac;

    s = hx_palloc(pr->pool, sizeof(hx_str_t));
    if (s == NULL) {
        pr->failed = 1;
        return &hx_ha_pr_empty;
    }

    s->data = hx_pnalloc(pr->pool, HX_INT_T_LEN + sizeof(".000"));
    if (s->data == NULL) {
        pr->failed = 1;
        return &hx_ha_pr_empty;
    }

    p = hx_sprintf(s->data, "%M", ms / 1000);
    frac = ms % 1000;

    if (frac) {
        *p++ = '.';
        *p++ = (uint8_t) ('0' + frac / 100);
        frac %= 100;

        if (frac) {
            *p++ = (uint8_t) ('0' + frac / 10);
            frac %= 10;

            if (frac) {
                *p++ = (uint8_t) ('0' + frac);
            }
        }
    }

    s->len = p - s->data;

    return s;
}


/* a keepalived switch: "name;" when on, "name off;" when the default is */
static void
hx_ha_pr_flag(hx_ha_pr_t *pr, const char *name, hx_flag_t on, hx_flag_t dflt)
{
    if (on == dflt) {
        return;
    }

    if (on) {
        hx_ha_pr_line(pr, "%s;", name);

    } else {
        hx_ha_pr_line(pr, "%s off;", name);
    }
}


static void
hx_ha_pr_line(hx_ha_pr_t *pr, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    hx_ha_pr_vput(pr, "\n", fmt, args);
    va_end(args);
}


static void
hx_ha_pr_open(hx_ha_pr_t *pr, const char *fmt, ...)
{
    va_list  args;

    /* a blank line between the blocks directly inside ha { } */
    if (pr->depth == 1 && pr->last > pr->start
        && hx_strncmp(pr->last - 2, "{\n", 2) != 0)
    {
        hx_ha_pr_line(pr, "");
    }

    va_start(args, fmt);
    hx_ha_pr_vput(pr, " {\n", fmt, args);
    va_end(args);

    pr->depth++;
}


static void
hx_ha_pr_close(hx_ha_pr_t *pr)
{
    pr->depth--;
    hx_ha_pr_line(pr, "}");
}


/*
 * Closes a block opened at offset mark whose contents start at offset
 * after, or takes the block back out when nothing was put in it.
 */
static void
hx_ha_pr_close_or_drop(hx_ha_pr_t *pr, size_t mark, size_t after)
{
    if ((size_t) (pr->last - pr->start) == after && !pr->failed) {
        pr->depth--;
        pr->last = pr->start + mark;
        return;
    }

    hx_ha_pr_close(pr);
}


/* indentation, then fmt, then suffix; the buffer grows as needed */
static void
hx_ha_pr_vput(hx_ha_pr_t *pr, const char *suffix, const char *fmt,
    va_list args)
{
    size_t    size, used, indent, slen;
    uint8_t  *p, *n;
    va_list   copy;

    if (pr->failed) {
        return;
    }

    indent = (*fmt == '\0') ? 0 : pr->depth * 4;
    slen = hx_strlen(suffix);

    for ( ;; ) {
        if ((size_t) (pr->end - pr->last) > indent + slen) {
            p = pr->last;
            hx_memset(p, ' ', indent);
            p += indent;

            va_copy(copy, args);
            p = hx_vslprintf(p, pr->end - slen, fmt, copy);
            va_end(copy);

            /* a line that reached the end may have been cut: grow */
            if (p < pr->end - slen) {
                pr->last = hx_cpymem(p, suffix, slen);
                return;
            }
        }

        used = pr->last - pr->start;
        size = (pr->end - pr->start) * 2;

        if (size < 4096) {
            size = 4096;
        }

        n = hx_pnalloc(pr->pool, size);
        if (n == NULL) {
            pr->failed = 1;
            return;
        }

        if (used) {
            hx_memcpy(n, pr->start, used);
        }

        pr->start = n;
        pr->last = n + used;
        pr->end = n + size;
    }
}

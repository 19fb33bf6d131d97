/*
 * The checks and defaults of the VRRP configuration, run once the whole
 * ha {} block is read (hx_ha_vrrp_module's init_main_conf).
 *
 * keepalived allows global_defs and vrrp_script after the instances that
 * use them, so defaults from global_defs, track_script names and sync
 * group members are settled here, not as each directive is read.  Each
 * instance is completed as keepalived's vrrp_complete_instance() does,
 * but in small steps (family, interval, authentication, preemption,
 * tracking), and every correction keepalived makes silently or with a
 * log line becomes a warning naming the line of the directive concerned:
 * these are what "hanx -t" reports about risky setups.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_ha.h>


static char *hx_ha_vrrp_complete(hx_conf_t *cf, hx_ha_main_conf_t *hmcf,
    hx_ha_vrrp_main_conf_t *vmcf, hx_ha_vrrp_conf_t *vr);
static char *hx_ha_vrrp_complete_family(hx_conf_t *cf,
    hx_ha_vrrp_conf_t *vr);
static void hx_ha_vrrp_complete_interval(hx_conf_t *cf,
    hx_ha_vrrp_conf_t *vr);
static char *hx_ha_vrrp_complete_auth(hx_conf_t *cf, hx_ha_main_conf_t *hmcf,
    hx_ha_vrrp_conf_t *vr);
static void hx_ha_vrrp_complete_preempt(hx_conf_t *cf,
    hx_ha_vrrp_conf_t *vr);
static char *hx_ha_vrrp_complete_tracks(hx_conf_t *cf,
    hx_ha_vrrp_main_conf_t *vmcf, hx_ha_vrrp_conf_t *vr);
static char *hx_ha_vrrp_complete_script(hx_conf_t *cf,
    hx_ha_script_conf_t *sc);
static char *hx_ha_vrrp_complete_group(hx_conf_t *cf,
    hx_ha_vrrp_main_conf_t *vmcf, hx_ha_sync_conf_t *sg);


char *
hx_ha_vrrp_init_main_conf(hx_conf_t *cf, void *conf)
{
    char                     *rv;
    hx_uint_t                 i, j;
    hx_ha_vrrp_conf_t       **vrp, *a, *b;
    hx_ha_sync_conf_t       **sgp;
    hx_ha_main_conf_t        *hmcf;
    hx_ha_script_conf_t     **scp;
    hx_ha_vrrp_main_conf_t   *vmcf = conf;

    hmcf = hx_ha_conf_get_main_conf(cf, hx_ha_core_module);

    scp = vmcf->scripts.elts;

    for (i = 0; i < vmcf->scripts.nelts; i++) {
        rv = hx_ha_vrrp_complete_script(cf, scp[i]);
        if (rv != HX_CONF_OK) {
            return rv;
        }
    }

    vrp = vmcf->instances.elts;

    for (i = 0; i < vmcf->instances.nelts; i++) {
        rv = hx_ha_vrrp_complete(cf, hmcf, vmcf, vrp[i]);
        if (rv != HX_CONF_OK) {
            return rv;
        }
    }

    /* RFC 5798 5.2.3: a VRID names one router per segment and family */
    for (i = 0; i < vmcf->instances.nelts; i++) {
        for (j = i + 1; j < vmcf->instances.nelts; j++) {
            a = vrp[i];
            b = vrp[j];

            if (a->vrid == b->vrid && a->family == b->family
                && hx_str_eq(&a->interface, &b->interface))
            {
                hx_ha_conf_log(HX_LOG_EMERG, cf, &b->vrid_pos,
                               "virtual_router_id %i of vrrp_instance "
                               "\"%V\" is already used by vrrp_instance "
                               "\"%V\" on %V",
                               b->vrid, &b->name, &a->name, &a->interface);
                return HX_CONF_ERROR;
            }
        }
    }

    sgp = vmcf->groups.elts;

    for (i = 0; i < vmcf->groups.nelts; i++) {
        rv = hx_ha_vrrp_complete_group(cf, vmcf, sgp[i]);
        if (rv != HX_CONF_OK) {
            return rv;
        }
    }

    return HX_CONF_OK;
}


/* defaults and checks of one instance, keepalived's vrrp_complete_init() */
static char *
hx_ha_vrrp_complete(hx_conf_t *cf, hx_ha_main_conf_t *hmcf,
    hx_ha_vrrp_main_conf_t *vmcf, hx_ha_vrrp_conf_t *vr)
{
    char  *rv;

    if (vr->interface.data == NULL) {
        hx_ha_conf_log(HX_LOG_EMERG, cf, &vr->pos,
                       "vrrp_instance \"%V\" has no \"interface\"",
                       &vr->name);
        return HX_CONF_ERROR;
    }

    if (vr->vrid == HX_CONF_UNSET) {
        hx_ha_conf_log(HX_LOG_EMERG, cf, &vr->pos,
                       "vrrp_instance \"%V\" has no \"virtual_router_id\"",
                       &vr->name);
        return HX_CONF_ERROR;
    }

    if (vr->want_state == 0) {
        vr->want_state = HX_VRRP_BACKUP;
    }

    hx_conf_init_value(vr->priority, 100);

    rv = hx_ha_vrrp_complete_family(cf, vr);
    if (rv != HX_CONF_OK) {
        return rv;
    }

    if (vr->version == HX_CONF_UNSET) {
        vr->version = vr->family == AF_INET6 ? 3 : hmcf->vrrp_version;
    }

    hx_conf_init_msec_value(vr->adver_int, 1000);
    hx_ha_vrrp_complete_interval(cf, vr);

    rv = hx_ha_vrrp_complete_auth(cf, hmcf, vr);
    if (rv != HX_CONF_OK) {
        return rv;
    }

    hx_conf_init_msec_value(vr->preempt_delay, 0);
    hx_ha_vrrp_complete_preempt(cf, vr);

    hx_conf_init_msec_value(vr->garp_master_delay, hmcf->garp_master_delay);
    hx_conf_init_value(vr->garp_master_repeat, hmcf->garp_master_repeat);
    hx_conf_init_msec_value(vr->garp_master_refresh,
                            hmcf->garp_master_refresh);
    hx_conf_init_value(vr->garp_master_refresh_repeat,
                       hmcf->garp_master_refresh_repeat);
    hx_conf_init_msec_value(vr->garp_lower_prio_delay,
                            hmcf->garp_lower_prio_delay);
    hx_conf_init_value(vr->garp_lower_prio_repeat,
                       hmcf->garp_lower_prio_repeat);
    hx_conf_init_value(vr->lower_prio_no_advert, hmcf->lower_prio_no_advert);
    hx_conf_init_value(vr->higher_prio_send_advert,
                       hmcf->higher_prio_send_advert);
    hx_conf_init_value(vr->skip_check_adv_addr, hmcf->skip_check_adv_addr);
    hx_conf_init_value(vr->accept, 1);
    hx_conf_init_value(vr->dont_track_primary, 0);
    hx_conf_init_value(vr->debug, 0);

    /* keepalived's strict mode: RFC behaviour, nothing extra on the wire */
    if (hmcf->strict) {
        vr->lower_prio_no_advert = 1;
        vr->higher_prio_send_advert = 0;
        vr->garp_lower_prio_repeat = 0;
        vr->garp_lower_prio_delay = 0;
    }

    if (vr->vrid == 51) {
        hx_ha_conf_log(HX_LOG_WARN, cf, &vr->vrid_pos,
                       "vrrp_instance \"%V\" uses virtual_router_id 51, "
                       "the value of keepalived's sample configuration: "
                       "another pair on the segment may use it too, "
                       "pick one unique to this pair", &vr->name);
    }

    if (vr->vips == NULL || vr->vips->nelts == 0) {
        hx_ha_conf_log(HX_LOG_WARN, cf, &vr->pos,
                       "vrrp_instance \"%V\" has no virtual_ipaddress",
                       &vr->name);
    }

    return hx_ha_vrrp_complete_tracks(cf, vmcf, vr);
}


static char *
hx_ha_vrrp_complete_family(hx_conf_t *cf, hx_ha_vrrp_conf_t *vr)
{
    hx_uint_t      i;
    hx_ha_vip_t   *vip;
    hx_ha_addr_t  *peer;

    vr->family = 0;

    if (vr->vips && vr->vips->nelts) {
        vip = vr->vips->elts;
        vr->family = vip[0].addr.family;

        for (i = 1; i < vr->vips->nelts; i++) {
            if (vip[i].addr.family != vr->family) {
                hx_ha_conf_log(HX_LOG_EMERG, cf, &vip[i].pos,
                               "vrrp_instance \"%V\" mixes IPv4 and IPv6 "
                               "virtual addresses; use one instance per "
                               "family", &vr->name);
                return HX_CONF_ERROR;
            }
        }

    } else if (vr->peers && vr->peers->nelts) {
        peer = vr->peers->elts;
        vr->family = peer[0].family;

    } else if (vr->unicast_src.family) {
        vr->family = vr->unicast_src.family;

    } else {
        vr->family = AF_INET;
    }

    if (vr->version == 2 && vr->family == AF_INET6) {
        hx_ha_conf_log(HX_LOG_EMERG, cf, &vr->version_pos,
                       "VRRP version 2 has no IPv6: vrrp_instance \"%V\" "
                       "needs version 3", &vr->name);
        return HX_CONF_ERROR;
    }

    if (vr->peers) {
        peer = vr->peers->elts;

        for (i = 0; i < vr->peers->nelts; i++) {
            if (peer[i].family != vr->family) {
                hx_ha_conf_log(HX_LOG_EMERG, cf, &vr->pos,
                               "unicast peer \"%V\" of vrrp_instance \"%V\" "
                               "is not of the family of its virtual "
                               "addresses", &peer[i].text, &vr->name);
                return HX_CONF_ERROR;
            }
        }

        vr->unicast = vr->peers->nelts > 0;
    }

    if ((vr->unicast_src.family && vr->unicast_src.family != vr->family)
        || (vr->mcast_src.family && vr->mcast_src.family != vr->family))
    {
        hx_ha_conf_log(HX_LOG_EMERG, cf, &vr->pos,
                       "the source address of vrrp_instance \"%V\" is not "
                       "of the family of its virtual addresses", &vr->name);
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


/* keepalived rounds what the version cannot carry, and says so */
static void
hx_ha_vrrp_complete_interval(hx_conf_t *cf, hx_ha_vrrp_conf_t *vr)
{
    hx_msec_t  orig;

    orig = vr->adver_int;

    if (vr->version == 2) {
        if (vr->adver_int % 1000 == 0) {
            return;
        }

        vr->adver_int = (vr->adver_int + 500) / 1000 * 1000;

        if (vr->adver_int == 0) {
            vr->adver_int = 1000;
        }

        hx_ha_conf_log(HX_LOG_WARN, cf, &vr->adver_pos,
                       "VRRPv2 advertises whole seconds: advert_int %M ms "
                       "of vrrp_instance \"%V\" is rounded to %M s "
                       "(use version 3 for fractions)",
                       orig, &vr->name, vr->adver_int / 1000);
        return;
    }

    if (vr->adver_int > HX_VRRP_V3_MAX_CENTIS * 10) {
        vr->adver_int = HX_VRRP_V3_MAX_CENTIS * 10;

        hx_ha_conf_log(HX_LOG_WARN, cf, &vr->adver_pos,
                       "VRRPv3 advert_int is at most 40.95 s: "
                       "vrrp_instance \"%V\" uses 40.95 s", &vr->name);
        return;
    }

    if (vr->adver_int % 10) {
        vr->adver_int = (vr->adver_int + 5) / 10 * 10;

        hx_ha_conf_log(HX_LOG_WARN, cf, &vr->adver_pos,
                       "VRRPv3 advertises hundredths of a second: "
                       "advert_int %M ms of vrrp_instance \"%V\" is "
                       "rounded to %M ms", orig, &vr->name, vr->adver_int);
    }
}


static char *
hx_ha_vrrp_complete_auth(hx_conf_t *cf, hx_ha_main_conf_t *hmcf,
    hx_ha_vrrp_conf_t *vr)
{
    size_t  len;

    if (vr->auth_type == HX_VRRP_AUTH_NONE) {
        if (vr->auth_pass.data) {
            hx_ha_conf_log(HX_LOG_WARN, cf, &vr->auth_pos,
                           "auth_pass of vrrp_instance \"%V\" is unused "
                           "without auth_type", &vr->name);
        }

        return HX_CONF_OK;
    }

    if (vr->version == 3 || hmcf->strict) {
        hx_ha_conf_log(HX_LOG_WARN, cf, &vr->auth_pos,
                       "authentication of vrrp_instance \"%V\" is ignored: "
                       "%s", &vr->name,
                       vr->version == 3 ? "VRRPv3 has none (RFC 5798)"
                                        : "vrrp_strict forbids it");
        vr->auth_type = HX_VRRP_AUTH_NONE;
        return HX_CONF_OK;
    }

#if !(HX_HAVE_OPENSSL)
    if (vr->auth_type == HX_VRRP_AUTH_AH) {
        hx_ha_conf_log(HX_LOG_EMERG, cf, &vr->auth_pos,
                       "auth_type AH needs hanx built with OpenSSL");
        return HX_CONF_ERROR;
    }
#endif

    if (vr->auth_pass.data == NULL) {
        hx_ha_conf_log(HX_LOG_EMERG, cf, &vr->auth_pos,
                       "vrrp_instance \"%V\" has auth_type but no auth_pass",
                       &vr->name);
        return HX_CONF_ERROR;
    }

    len = vr->auth_pass.len;

    if (len > HX_VRRP_AUTH_LEN) {
        len = HX_VRRP_AUTH_LEN;

        hx_ha_conf_log(HX_LOG_WARN, cf, &vr->auth_pos,
                       "auth_pass of vrrp_instance \"%V\" is longer than "
                       "%d characters: only \"%*s\" is used, as keepalived "
                       "does; shorten it so that both sides read the same",
                       &vr->name, HX_VRRP_AUTH_LEN, len, vr->auth_pass.data);
    }

    hx_memzero(vr->auth_data, HX_VRRP_AUTH_LEN);
    hx_memcpy(vr->auth_data, vr->auth_pass.data, len);

    return HX_CONF_OK;
}


static void
hx_ha_vrrp_complete_preempt(hx_conf_t *cf, hx_ha_vrrp_conf_t *vr)
{
    hx_conf_init_value(vr->nopreempt, 0);

    if (vr->priority == HX_VRRP_PRIO_OWNER && vr->nopreempt) {
        hx_ha_conf_log(HX_LOG_WARN, cf, &vr->nopreempt_pos,
                       "nopreempt of vrrp_instance \"%V\" is ignored: "
                       "priority 255 always preempts", &vr->name);
        vr->nopreempt = 0;
    }

    if (vr->want_state == HX_VRRP_MASTER && vr->nopreempt) {
        hx_ha_conf_log(HX_LOG_WARN, cf, &vr->nopreempt_pos,
                       "nopreempt of vrrp_instance \"%V\" is ignored with "
                       "state MASTER (keepalived ignores it too): use "
                       "state BACKUP on every node", &vr->name);
        vr->nopreempt = 0;
    }

    if (vr->preempt_delay && (vr->nopreempt
                              || vr->want_state == HX_VRRP_MASTER))
    {
        hx_ha_conf_log(HX_LOG_WARN, cf, &vr->pos,
                       "preempt_delay of vrrp_instance \"%V\" is ignored "
                       "with %s", &vr->name,
                       vr->nopreempt ? "nopreempt" : "state MASTER");
        vr->preempt_delay = 0;
    }

    if (vr->want_state == HX_VRRP_MASTER
        && vr->priority < HX_VRRP_PRIO_OWNER)
    {
        hx_ha_conf_log(HX_LOG_WARN, cf, &vr->state_pos,
                       "state MASTER of vrrp_instance \"%V\" with priority "
                       "%i below 255 only starts it as BACKUP: the node "
                       "with the highest priority wins, so give the other "
                       "node a lower priority, not the same one",
                       &vr->name, vr->priority);
    }
}


static char *
hx_ha_vrrp_complete_tracks(hx_conf_t *cf, hx_ha_vrrp_main_conf_t *vmcf,
    hx_ha_vrrp_conf_t *vr)
{
    hx_uint_t              i, j;
    hx_ha_track_t         *t;
    hx_ha_script_conf_t  **scp;

    if (vr->track_scripts == NULL) {
        goto done;
    }

    t = vr->track_scripts->elts;
    scp = vmcf->scripts.elts;

    for (i = 0; i < vr->track_scripts->nelts; i++) {

        for (j = 0; j < vmcf->scripts.nelts; j++) {
            if (hx_str_eq(&t[i].name, &scp[j]->name)) {
                t[i].script = scp[j];
                break;
            }
        }

        if (t[i].script == NULL) {
            hx_ha_conf_log(HX_LOG_EMERG, cf, &t[i].pos,
                           "track_script \"%V\" of vrrp_instance \"%V\" "
                           "is no vrrp_script", &t[i].name, &vr->name);
            return HX_CONF_ERROR;
        }

        if (!t[i].weight_set) {
            t[i].weight = t[i].script->weight;
            t[i].reverse = t[i].script->reverse;
        }
    }

done:

    if (vr->priority != HX_VRRP_PRIO_OWNER) {
        return HX_CONF_OK;
    }

    for (j = 0; j < 2; j++) {
        if ((j ? vr->track_ifs : vr->track_scripts) == NULL) {
            continue;
        }

        t = (j ? vr->track_ifs : vr->track_scripts)->elts;

        for (i = 0; i < (j ? vr->track_ifs : vr->track_scripts)->nelts; i++) {
            if (t[i].weight) {
                hx_ha_conf_log(HX_LOG_WARN, cf, &t[i].pos,
                               "the weight of \"%V\" is ignored: the "
                               "priority of vrrp_instance \"%V\" is 255",
                               &t[i].name, &vr->name);
                t[i].weight = 0;
            }
        }
    }

    return HX_CONF_OK;
}


static char *
hx_ha_vrrp_complete_script(hx_conf_t *cf, hx_ha_script_conf_t *sc)
{
    if (sc->script == NULL) {
        hx_ha_conf_log(HX_LOG_EMERG, cf, &sc->pos,
                       "vrrp_script \"%V\" has no \"script\"", &sc->name);
        return HX_CONF_ERROR;
    }

    /* keepalived's defaults: every second, timeout = interval */
    hx_conf_init_msec_value(sc->interval, 1000);
    hx_conf_init_msec_value(sc->timeout, sc->interval);
    hx_conf_init_value(sc->weight, 0);
    hx_conf_init_value(sc->rise, 1);
    hx_conf_init_value(sc->fall, 1);
    hx_conf_init_value(sc->init_fail, 0);

    return HX_CONF_OK;
}


static char *
hx_ha_vrrp_complete_group(hx_conf_t *cf, hx_ha_vrrp_main_conf_t *vmcf,
    hx_ha_sync_conf_t *sg)
{
    hx_str_t            *names;
    hx_uint_t            i, j;
    hx_ha_vrrp_conf_t  **vrp, **m;

    if (sg->member_names == NULL || sg->member_names->nelts == 0) {
        hx_ha_conf_log(HX_LOG_EMERG, cf, &sg->pos,
                       "vrrp_sync_group \"%V\" has no \"group\"", &sg->name);
        return HX_CONF_ERROR;
    }

    sg->members = hx_array_create(cf->pool, sg->member_names->nelts,
                                  sizeof(hx_ha_vrrp_conf_t *));
    if (sg->members == NULL) {
        return HX_CONF_ERROR;
    }

    names = sg->member_names->elts;
    vrp = vmcf->instances.elts;

    for (i = 0; i < sg->member_names->nelts; i++) {

        for (j = 0; j < vmcf->instances.nelts; j++) {
            if (hx_str_eq(&names[i], &vrp[j]->name)) {
                break;
            }
        }

        if (j == vmcf->instances.nelts) {
            hx_ha_conf_log(HX_LOG_EMERG, cf, &sg->pos,
                           "vrrp_sync_group \"%V\" names \"%V\", which is "
                           "no vrrp_instance", &sg->name, &names[i]);
            return HX_CONF_ERROR;
        }

        if (vrp[j]->sync) {
            hx_ha_conf_log(HX_LOG_EMERG, cf, &sg->pos,
                           "vrrp_instance \"%V\" is in vrrp_sync_group "
                           "\"%V\" and \"%V\"", &names[i],
                           &vrp[j]->sync->name, &sg->name);
            return HX_CONF_ERROR;
        }

        vrp[j]->sync = sg;

        m = hx_array_push(sg->members);
        if (m == NULL) {
            return HX_CONF_ERROR;
        }

        *m = vrp[j];
    }

    return HX_CONF_OK;
}


hx_int_t
hx_ha_parse_addr(uint8_t *text, size_t len, hx_ha_addr_t *a)
{
    in_addr_t  in;

    hx_memzero(a, sizeof(hx_ha_addr_t));

    if (len == 0) {
        return HX_DECLINED;
    }

    in = hx_inet_addr(text, len);

    if (in != INADDR_NONE) {
        a->family = AF_INET;
        hx_memcpy(a->addr, &in, 4);

    } else if (hx_inet6_addr(text, len, a->addr) == HX_OK) {
        a->family = AF_INET6;

    } else if (len == 15 && hx_strncmp(text, "255.255.255.255", 15) == 0) {
        return HX_DECLINED;

    } else {
        return HX_DECLINED;
    }

    a->text.data = text;
    a->text.len = len;

    return HX_OK;
}

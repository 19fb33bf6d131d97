/*
 * Running VRRP instances (the runtime's lifecycle is in hx_ha_vrrp.c).
 *
 * Each instance (hx_ha_vr_t) owns an hx_vrrp_fsm_t and one event timer
 * armed at the machine's next deadline; packets from the shared raw
 * socket of its interface and timer expiries become machine inputs, and
 * the actions that come back are performed here in a fixed order
 * (resign, advertise, drop VIPs, take VIPs, gratuitous ARP, report).
 * Tracked interfaces, scripts and workers turn into FAULT, UP and
 * priority inputs; sync group members follow one another.  Packets that
 * fail the checks are counted and logged at most once a second.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_process.h>
#include <hx_ha.h>
#include <hx_ha_runtime.h>
#include <hx_ha_virtual_server.h>


static uint8_t *hx_ha_vr_log_handler(hx_log_t *log, uint8_t *buf,
    size_t len);
static void hx_ha_vr_configure(hx_ha_vr_t *vr, hx_ha_vrrp_conf_t *conf);
static void hx_ha_vr_track_ifs(hx_ha_vr_t *vr, hx_ha_vrrp_conf_t *conf);
static hx_int_t hx_ha_vr_open(hx_ha_vr_t *vr);
static void hx_ha_vr_drop_gone(hx_ha_vr_t *vr, hx_array_t *vips,
    hx_ha_vrrp_conf_t *conf);
static hx_uint_t hx_ha_vip_in(hx_ha_vip_t *vip, hx_array_t *vips);
static void hx_ha_vr_input(hx_ha_vr_t *vr, hx_vrrp_input_t *in);
static void hx_ha_vr_act(hx_ha_vr_t *vr, hx_uint_t act);
static void hx_ha_vr_arm(hx_ha_vr_t *vr);
static void hx_ha_vr_timer(hx_event_t *ev);
static void hx_ha_vr_send(hx_ha_vr_t *vr, hx_uint_t priority);
static void hx_ha_vr_vips(hx_ha_vr_t *vr, hx_uint_t add);
static void hx_ha_vr_vip_list(hx_ha_vr_t *vr, hx_array_t *vips,
    hx_uint_t add);
static void hx_ha_vr_garp(hx_ha_vr_t *vr, hx_uint_t count);
static void hx_ha_vr_transition(hx_ha_vr_t *vr);
static void hx_ha_vr_notify(hx_ha_vr_t *vr);
static void hx_ha_vr_saddr(hx_ha_vr_t *vr);
static hx_uint_t hx_ha_is_vip(int family, uint8_t *addr);
static void hx_ha_vr_recv(hx_vrrp_sock_t *s, hx_vrrp_rx_t *rx);
static void hx_ha_vr_bad(hx_ha_vr_t *vr, hx_vrrp_rx_t *rx,
    hx_vrrp_rx_reason_e reason);
static void hx_ha_ntop(int family, uint8_t *addr, uint8_t *text,
    size_t size);
static void hx_ha_sync(hx_ha_vr_t *vr);
static void hx_ha_group_notify(hx_ha_vr_t *vr);


static hx_uint_t            hx_ha_syncing;

static const uint8_t  hx_ha_group4[4] = { 224, 0, 0, 18 };
static const uint8_t  hx_ha_group6[16] = {
    0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12
};


/* ---- instances ---- */


/* the VIPs are on the interface: the binary before us was master */
hx_uint_t
hx_ha_vr_holds_vips(hx_ha_vr_t *vr)
{
    hx_uint_t     i;
    hx_ha_vip_t  *vip;

    if (vr->conf->vips == NULL || vr->conf->vips->nelts == 0) {
        return 0;
    }

    vip = vr->conf->vips->elts;

    for (i = 0; i < vr->conf->vips->nelts; i++) {
        if (!hx_ha_if_has_addr(vr->ifp, vip[i].addr.family,
                               vip[i].addr.addr))
        {
            return 0;
        }
    }

    return 1;
}


static uint8_t *
hx_ha_vr_log_handler(hx_log_t *log, uint8_t *buf, size_t len)
{
    hx_ha_vr_t  *vr = log->data;

    if (vr->conf == NULL) {
        return buf;
    }

    return hx_snprintf(buf, len, ", vrid: %i, interface: %V",
                       vr->conf->vrid, &vr->conf->interface);
}


hx_ha_vr_t *
hx_ha_vr_create(hx_ha_vrrp_conf_t *conf)
{
    hx_ha_vr_t  *vr;

    vr = hx_calloc(sizeof(hx_ha_vr_t), &hx_ha_log);
    if (vr == NULL) {
        return NULL;
    }

    vr->log = hx_ha_log;
    vr->log.handler = hx_ha_vr_log_handler;
    vr->log.data = vr;

    vr->timer.handler = hx_ha_vr_timer;
    vr->timer.data = vr;
    vr->timer.log = &vr->log;

    vr->family = conf->family;
    vr->alen = conf->family == AF_INET6 ? 16 : 4;

    vr->ifp = hx_ha_if_get(&conf->interface, &vr->log);
    if (vr->ifp == NULL) {
        hx_free(vr);
        return NULL;
    }

    hx_ha_vr_configure(vr, conf);
    hx_vrrp_fsm_init(&vr->fsm);

    if (vr->ifp->index == 0) {
        hx_log_error(HX_LOG_WARN, &vr->log, 0,
                     "(%V) interface %V does not exist (yet)",
                     &conf->name, &conf->interface);

    } else if (hx_ha_vr_open(vr) != HX_OK) {
        hx_ha_vr_track_ifs(vr, NULL);
        hx_ha_if_put(vr->ifp);
        hx_free(vr->vips);
        hx_free(vr);
        return NULL;
    }

    return vr;
}


/* copies what the machine and the packets need from conf */
static void
hx_ha_vr_configure(hx_ha_vr_t *vr, hx_ha_vrrp_conf_t *conf)
{
    hx_uint_t       i;
    hx_ha_vip_t    *vip;
    hx_vrrp_fsm_t  *fsm;

    vr->conf = conf;
    fsm = &vr->fsm;

    fsm->version = conf->version;
    fsm->base_priority = conf->priority;
    fsm->adver_int = conf->adver_int;
    fsm->preempt_delay = conf->preempt_delay;
    fsm->garp_delay = conf->garp_master_delay;
    fsm->garp_refresh = conf->garp_master_refresh;
    fsm->garp_lower_prio_delay = conf->garp_lower_prio_delay;
    fsm->garp_rep = conf->garp_master_repeat;
    fsm->garp_refresh_rep = conf->garp_master_refresh_repeat;
    fsm->garp_lower_prio_rep = conf->garp_lower_prio_repeat;
    fsm->nopreempt = conf->nopreempt ? 1 : 0;
    fsm->want_master = conf->want_state == HX_VRRP_MASTER;
    fsm->lower_prio_no_advert = conf->lower_prio_no_advert ? 1 : 0;
    fsm->higher_prio_send_advert = conf->higher_prio_send_advert ? 1 : 0;

    hx_ha_vr_track_ifs(vr, conf);

    if (vr->vips) {
        hx_free(vr->vips);
        vr->vips = NULL;
    }

    vr->nvips = conf->vips ? conf->vips->nelts : 0;
    vr->nvips = hx_min(vr->nvips, HX_VRRP_MAX_ADDRS);

    if (vr->nvips) {
        vr->vips = hx_alloc(vr->nvips * vr->alen, &vr->log);

        if (vr->vips == NULL) {
            vr->nvips = 0;
            return;
        }

        vip = conf->vips->elts;

        for (i = 0; i < vr->nvips; i++) {
            hx_memcpy(vr->vips + i * vr->alen, vip[i].addr.addr, vr->alen);
        }
    }
}


/* holds the records of the tracked interfaces (they outlive lookups) */
static void
hx_ha_vr_track_ifs(hx_ha_vr_t *vr, hx_ha_vrrp_conf_t *conf)
{
    hx_str_t        name;
    hx_uint_t       i, n;
    hx_ha_if_t    **ifps;
    hx_ha_track_t  *t;

    n = conf && conf->track_ifs ? conf->track_ifs->nelts : 0;
    ifps = NULL;

    if (n) {
        ifps = hx_calloc(n * sizeof(hx_ha_if_t *), &vr->log);
        if (ifps == NULL) {
            n = 0;
        }
    }

    for (i = 0; i < n; i++) {
        t = conf->track_ifs->elts;
        name = t[i].name;
        ifps[i] = hx_ha_if_get(&name, &vr->log);
    }

    /* after the new references, so that shared records are not freed */
    for (i = 0; i < vr->ntrack_ifps; i++) {
        if (vr->track_ifps[i]) {
            hx_ha_if_put(vr->track_ifps[i]);
        }
    }

    if (vr->track_ifps) {
        hx_free(vr->track_ifps);
    }

    vr->track_ifps = ifps;
    vr->ntrack_ifps = n;
}


static hx_int_t
hx_ha_vr_open(hx_ha_vr_t *vr)
{
    hx_uint_t  proto;

    proto = vr->conf->auth_type == HX_VRRP_AUTH_AH ? 51 : HX_VRRP_PROTO;

    vr->sock = hx_vrrp_sock_get(vr->family, proto, vr->ifp->name,
                                vr->ifp->index, hx_ha_vr_recv, &hx_ha_log);
    if (vr->sock == NULL) {
        return HX_ERROR;
    }

    if (!vr->conf->unicast) {
        (void) hx_vrrp_sock_join(vr->sock);
    }

    hx_ha_vr_saddr(vr);

    return HX_OK;
}


/*
 * A reload kept the instance: the machine keeps its state and deadlines,
 * takes the new settings, and a master moves the VIPs that changed.
 */
void
hx_ha_vr_update(hx_ha_vr_t *vr, hx_ha_vrrp_conf_t *conf)
{
    hx_uint_t           ah;
    hx_ha_vrrp_conf_t  *old;

    old = vr->conf;
    ah = (old->auth_type == HX_VRRP_AUTH_AH)
         != (conf->auth_type == HX_VRRP_AUTH_AH);

    if (vr->vips_set) {
        hx_ha_vr_drop_gone(vr, old->vips, conf);
        hx_ha_vr_drop_gone(vr, old->evips, conf);
    }

    hx_ha_vr_configure(vr, conf);

    /* an owner clash lowered the priority; the configuration resets it */
    vr->fsm.base_priority = conf->priority;

    if (vr->vips_set) {
        hx_ha_vr_vip_list(vr, conf->vips, 1);
        hx_ha_vr_vip_list(vr, conf->evips, 1);
    }

    if (vr->fsm.state == HX_VRRP_MASTER) {
        vr->fsm.master_adver_int = conf->adver_int;
    }

    if (ah && vr->sock) {
        hx_vrrp_sock_put(vr->sock);
        vr->sock = NULL;
        (void) hx_ha_vr_open(vr);

    } else if (vr->sock && !conf->unicast) {
        (void) hx_vrrp_sock_join(vr->sock);
    }

    hx_ha_vr_saddr(vr);

    /* the machine ignores priority changes of an owner: set it here */
    if (conf->priority == HX_VRRP_PRIO_OWNER) {
        vr->fsm.priority = HX_VRRP_PRIO_OWNER;
    }

    hx_ha_vr_track(vr);
    hx_ha_vr_arm(vr);
}


/* removes the addresses of vips that conf no longer has */
static void
hx_ha_vr_drop_gone(hx_ha_vr_t *vr, hx_array_t *vips, hx_ha_vrrp_conf_t *conf)
{
    hx_str_t      name;
    hx_uint_t     i;
    hx_ha_if_t   *ifp;
    hx_ha_vip_t  *vip;

    if (vips == NULL) {
        return;
    }

    vip = vips->elts;

    for (i = 0; i < vips->nelts; i++) {
        if (hx_ha_vip_in(&vip[i], conf->vips)
            || hx_ha_vip_in(&vip[i], conf->evips))
        {
            continue;
        }

        ifp = vr->ifp;

        if (vip[i].dev.len) {
            name = vip[i].dev;
            ifp = hx_ha_if_get(&name, &vr->log);
            if (ifp == NULL) {
                continue;
            }
        }

        (void) hx_ha_addr_del(ifp, vip[i].addr.family, vip[i].addr.addr,
                              vip[i].prefixlen, &vr->log);

        if (vip[i].dev.len) {
            hx_ha_if_put(ifp);
        }
    }
}


static hx_uint_t
hx_ha_vip_in(hx_ha_vip_t *vip, hx_array_t *vips)
{
    hx_uint_t     i;
    hx_ha_vip_t  *v;

    if (vips == NULL) {
        return 0;
    }

    v = vips->elts;

    for (i = 0; i < vips->nelts; i++) {
        if (v[i].addr.family == vip->addr.family
            && hx_memcmp(v[i].addr.addr, vip->addr.addr,
                         vip->addr.family == AF_INET ? 4 : 16) == 0
            && v[i].prefixlen == vip->prefixlen
            && v[i].dev.len == vip->dev.len
            && (vip->dev.len == 0 || hx_str_eq(&v[i].dev, &vip->dev)))
        {
            return 1;
        }
    }

    return 0;
}


void
hx_ha_vr_stop(hx_ha_vr_t *vr)
{
    vr->stopping = 1;

    if (vr->fsm.state != HX_VRRP_INIT) {
        hx_ha_vr_feed(vr, HX_VRRP_IN_STOP);
    }

    if (vr->vips_set) {
        hx_ha_vr_vips(vr, 0);
    }
}


void
hx_ha_vr_free(hx_ha_vr_t *vr)
{
    hx_queue_remove(&vr->queue);

    if (vr->timer.timer_set) {
        hx_event_del_timer(&vr->timer);
    }

    if (vr->sock) {
        hx_vrrp_sock_put(vr->sock);
    }

    if (vr->ifp) {
        hx_ha_if_put(vr->ifp);
    }

    if (vr->vips) {
        hx_free(vr->vips);
    }

    hx_ha_vr_track_ifs(vr, NULL);

    hx_free(vr);
}


void
hx_ha_vr_feed(hx_ha_vr_t *vr, hx_vrrp_input_e type)
{
    hx_vrrp_input_t  in;

    hx_memzero(&in, sizeof(in));
    in.type = type;

    hx_ha_vr_input(vr, &in);
}


static void
hx_ha_vr_input(hx_ha_vr_t *vr, hx_vrrp_input_t *in)
{
    hx_uint_t  act;

    act = hx_vrrp_fsm_step(&vr->fsm, in, hx_current_msec);

    hx_ha_vr_act(vr, act);
    hx_ha_vr_arm(vr);
}


static void
hx_ha_vr_act(hx_ha_vr_t *vr, hx_uint_t act)
{
    uint8_t  text[INET6_ADDRSTRLEN];

    if (act & HX_VRRP_ACT_SEND_STOP) {
        hx_ha_vr_send(vr, HX_VRRP_PRIO_STOP);

        if (vr->fsm.state == HX_VRRP_STOPPED) {
            hx_log_error(HX_LOG_NOTICE, &vr->log, 0, "(%V) sent 0 priority",
                         &vr->conf->name);
        }
    }

    if (act & HX_VRRP_ACT_SEND_ADVERT) {
        hx_ha_vr_send(vr, vr->fsm.priority);
    }

    if (act & HX_VRRP_ACT_DEL_VIPS) {
        if (vr->vips_set && vr->fsm.state == HX_VRRP_STOPPED) {
            hx_log_error(HX_LOG_NOTICE, &vr->log, 0, "(%V) removing VIPs.",
                         &vr->conf->name);
        }

        hx_ha_vr_vips(vr, 0);
    }

    if (act & HX_VRRP_ACT_ADD_VIPS) {
        hx_ha_vr_vips(vr, 1);
    }

    if (act & HX_VRRP_ACT_GARP) {
        hx_ha_vr_garp(vr, vr->fsm.garp_count);
    }

    if (act & HX_VRRP_ACT_LOWER_PRIO) {
        hx_ha_ntop(vr->family, vr->master_addr, text, sizeof(text));

        if (vr->fsm.state == HX_VRRP_MASTER) {
            hx_log_error(HX_LOG_INFO, &vr->log, 0,
                         "(%V) Received advert from %s with lower priority "
                         "%ui, ours %ui, forcing new election",
                         &vr->conf->name, text, vr->fsm.master_priority,
                         vr->fsm.priority);

        } else {
            hx_log_error(HX_LOG_INFO, &vr->log, 0,
                         "(%V) received lower priority (%ui) advert from %s "
                         "- discarding", &vr->conf->name,
                         vr->fsm.master_priority, text);
        }
    }

    if (act & HX_VRRP_ACT_OWNER_CLASH) {
        hx_log_error(HX_LOG_ERR, &vr->log, 0,
                     "(%V) CONFIGURATION ERROR: local instance and a remote "
                     "instance are both configured as address owner, please "
                     "fix - reducing local priority", &vr->conf->name);
    }

    if (act & HX_VRRP_ACT_SAME_ADDR) {
        hx_log_error(HX_LOG_WARN, &vr->log, 0,
                     "(%V) WARNING - equal priority advert received from "
                     "remote host with our IP address.", &vr->conf->name);
    }

    if (act & HX_VRRP_ACT_STATE) {
        hx_ha_vr_transition(vr);
    }
}


/* one event timer per instance, at the machine's next deadline */
static void
hx_ha_vr_arm(hx_ha_vr_t *vr)
{
    hx_msec_t  next;

    next = hx_vrrp_fsm_next(&vr->fsm);

    /* never lazily: a VRRP deadline must move by a millisecond if asked */
    if (vr->timer.timer_set) {
        hx_event_del_timer(&vr->timer);
    }

    if (next == HX_VRRP_NEVER) {
        return;
    }

    hx_event_add_timer(&vr->timer,
                       next > hx_current_msec ? next - hx_current_msec : 0);
}


static void
hx_ha_vr_timer(hx_event_t *ev)
{
    hx_ha_vr_t  *vr = ev->data;

    ev->timedout = 0;

    hx_ha_vr_feed(vr, HX_VRRP_IN_TIMER);
}


static void
hx_ha_vr_send(hx_ha_vr_t *vr, hx_uint_t priority)
{
    size_t             len;
    hx_uint_t          i, npeers;
    hx_ha_addr_t      *peers;
    hx_vrrp_advert_t   adv;
    const uint8_t     *dst, *src;
    uint8_t            pkt[HX_VRRP_MAX_PACKET];

    if (vr->sock == NULL) {
        return;
    }

    hx_memzero(&adv, sizeof(adv));
    adv.version = vr->conf->version;
    adv.family = vr->family;
    adv.vrid = vr->conf->vrid;
    adv.priority = priority;
    adv.adver_int = vr->conf->adver_int;
    adv.auth_type = vr->conf->version == 2 ? vr->conf->auth_type
                                           : HX_VRRP_AUTH_NONE;
    hx_memcpy(adv.auth_data, vr->conf->auth_data, HX_VRRP_AUTH_LEN);
    adv.naddrs = vr->nvips;
    adv.addrs = vr->vips;

    if (adv.auth_type == HX_VRRP_AUTH_AH) {
        adv.ah_seq = ++vr->ah_seq_tx;
    }

    peers = vr->conf->unicast ? vr->conf->peers->elts : NULL;
    npeers = vr->conf->unicast ? vr->conf->peers->nelts : 1;
    src = vr->saddr;

    /* the IP id counts adverts, not copies; 0 would let the kernel pick */
    if (++vr->ip_id == 0) {
        vr->ip_id = 1;
    }

    for (i = 0; i < npeers; i++) {

        if (peers) {
            dst = peers[i].addr;

        } else {
            dst = vr->family == AF_INET ? hx_ha_group4 : hx_ha_group6;
        }

        if (vr->family == AF_INET) {
            len = hx_vrrp_encode_ip4(pkt, sizeof(pkt), &adv, src, dst,
                                     HX_VRRP_TTL, vr->ip_id);
        } else {
            len = hx_vrrp_encode(pkt, sizeof(pkt), &adv, src, dst);
        }

        if (len == 0) {
            hx_log_error(HX_LOG_ALERT, &vr->log, 0,
                         "(%V) could not build an advertisement",
                         &vr->conf->name);
            return;
        }

        if (hx_vrrp_send(vr->sock, pkt, len,
                         vr->family == AF_INET6 ? src : NULL, dst)
            == HX_OK)
        {
            vr->adverts_sent++;
        }
    }
}


static void
hx_ha_vr_vips(hx_ha_vr_t *vr, hx_uint_t add)
{
    hx_ha_vr_vip_list(vr, vr->conf->vips, add);
    hx_ha_vr_vip_list(vr, vr->conf->evips, add);

    vr->vips_set = add;

    /* our source address skips VIPs: the choice may change */
    hx_ha_vr_saddr(vr);

    /* ha_suspend: virtual servers on these addresses check or pause */
    hx_ha_check_vips_changed();
}


static void
hx_ha_vr_vip_list(hx_ha_vr_t *vr, hx_array_t *vips, hx_uint_t add)
{
    hx_str_t      name;
    hx_uint_t     i, other;
    hx_ha_if_t   *ifp;
    hx_ha_vip_t  *vip;

    if (vips == NULL) {
        return;
    }

    vip = vips->elts;

    for (i = 0; i < vips->nelts; i++) {
        ifp = vr->ifp;
        other = vip[i].dev.len
                && !hx_str_eq(&vip[i].dev, &vr->conf->interface);

        if (other) {
            name = vip[i].dev;
            ifp = hx_ha_if_get(&name, &vr->log);

            if (ifp == NULL) {
                continue;
            }
        }

        if (add) {
            (void) hx_ha_addr_add(ifp, vip[i].addr.family, vip[i].addr.addr,
                                  vip[i].prefixlen, vip[i].scope,
                                  &vip[i].label, &vr->log);
        } else {
            (void) hx_ha_addr_del(ifp, vip[i].addr.family, vip[i].addr.addr,
                                  vip[i].prefixlen, &vr->log);
        }

        if (other) {
            hx_ha_if_put(ifp);
        }
    }
}


/* keepalived's vrrp_send_link_update(): count rounds over every VIP */
static void
hx_ha_vr_garp(hx_ha_vr_t *vr, hx_uint_t count)
{
    hx_uint_t     i, j, k;
    hx_array_t   *vips;
    hx_ha_vip_t  *vip;

    if (!vr->vips_set || vr->ifp->index == 0) {
        return;
    }

    for (k = 0; k < count; k++) {
        for (j = 0; j < 2; j++) {
            vips = j ? vr->conf->evips : vr->conf->vips;

            if (vips == NULL) {
                continue;
            }

            vip = vips->elts;

            for (i = 0; i < vips->nelts; i++) {
                if (vip[i].dev.len
                    && !hx_str_eq(&vip[i].dev, &vr->conf->interface))
                {
                    continue;
                }

                if (vip[i].addr.family == AF_INET) {
                    hx_ha_send_garp(vr->ifp, vip[i].addr.addr, &vr->log);

                } else {
                    hx_ha_send_na(vr->ifp, vip[i].addr.addr, &vr->log);
                }
            }
        }
    }
}


/* keepalived's words, then what changed and why */
static void
hx_ha_vr_transition(hx_ha_vr_t *vr)
{
    hx_vrrp_fsm_t  *fsm = &vr->fsm;

    if (fsm->state == HX_VRRP_STOPPED) {
        hx_log_error(HX_LOG_NOTICE, &vr->log, 0,
                     "(%V) Stopped (was %s)", &vr->conf->name,
                     hx_vrrp_state_name(fsm->prev));

    } else if (fsm->prev == HX_VRRP_INIT && fsm->state != HX_VRRP_MASTER) {
        hx_log_error(HX_LOG_NOTICE, &vr->log, 0,
                     "(%V) Entering %s STATE (init)", &vr->conf->name,
                     hx_vrrp_state_name(fsm->state));

    } else {
        hx_log_error(HX_LOG_NOTICE, &vr->log, 0,
                     "(%V) Entering %s STATE (was %s: %s)", &vr->conf->name,
                     hx_vrrp_state_name(fsm->state),
                     hx_vrrp_state_name(fsm->prev),
                     hx_vrrp_why_text(fsm->why));
    }

    hx_ha_state_file();
    hx_ha_vr_notify(vr);

    if (!vr->stopping) {
        hx_ha_sync(vr);
    }

    hx_ha_group_notify(vr);
}


static void
hx_ha_vr_notify(hx_ha_vr_t *vr)
{
    hx_ha_cmd_t        *cmd;
    hx_ha_vrrp_conf_t  *conf = vr->conf;

    switch (vr->fsm.state) {

    case HX_VRRP_MASTER:
        cmd = conf->notify_master;
        break;

    case HX_VRRP_BACKUP:
        cmd = conf->notify_backup;
        break;

    case HX_VRRP_FAULT:
        cmd = conf->notify_fault;
        break;

    case HX_VRRP_STOPPED:
        cmd = conf->notify_stop;
        break;

    default:
        return;
    }

    if (cmd) {
        hx_ha_run_notify(cmd, NULL, NULL, vr->fsm.state, 0);
    }

    if (conf->notify) {
        hx_ha_run_notify(conf->notify, "INSTANCE", &conf->name,
                         vr->fsm.state, vr->fsm.priority);
    }
}


/* the instance's own address: what adverts come from, and are compared to */
static void
hx_ha_vr_saddr(hx_ha_vr_t *vr)
{
    hx_uint_t     i;
    hx_ha_if_t   *ifp = vr->ifp;

    if (vr->conf->unicast_src.family) {
        hx_memcpy(vr->saddr, vr->conf->unicast_src.addr, vr->alen);
        return;
    }

    if (vr->conf->mcast_src.family) {
        hx_memcpy(vr->saddr, vr->conf->mcast_src.addr, vr->alen);
        return;
    }

    hx_memzero(vr->saddr, sizeof(vr->saddr));

    if (vr->family == AF_INET) {
        for (i = 0; i < ifp->naddrs4; i++) {
            if (!hx_ha_is_vip(AF_INET, ifp->addrs4[i])) {
                hx_memcpy(vr->saddr, ifp->addrs4[i], 4);
                return;
            }
        }

        return;
    }

    /* RFC 5798 5.1.2.1: IPv6 adverts come from the link-local address */
    for (i = 0; i < ifp->naddrs6; i++) {
        if (ifp->addrs6[i][0] == 0xfe && (ifp->addrs6[i][1] & 0xc0) == 0x80
            && !hx_ha_is_vip(AF_INET6, ifp->addrs6[i]))
        {
            hx_memcpy(vr->saddr, ifp->addrs6[i], 16);
            return;
        }
    }
}


static hx_uint_t
hx_ha_is_vip(int family, uint8_t *addr)
{
    hx_uint_t     i, j;
    hx_queue_t   *q;
    hx_ha_vr_t   *vr;
    hx_array_t   *vips;
    hx_ha_vip_t  *vip;

    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = hx_queue_next(q))
    {
        vr = hx_queue_data(q, hx_ha_vr_t, queue);

        for (j = 0; j < 2; j++) {
            vips = j ? vr->conf->evips : vr->conf->vips;

            if (vips == NULL) {
                continue;
            }

            vip = vips->elts;

            for (i = 0; i < vips->nelts; i++) {
                if (vip[i].addr.family == family
                    && hx_memcmp(vip[i].addr.addr, addr,
                                 family == AF_INET ? 4 : 16) == 0)
                {
                    return 1;
                }
            }
        }
    }

    return 0;
}


/*
 * Tracked objects (keepalived's vrrp_track.c): an unweighted failure
 * (the instance's interface unless dont_track_primary, a track_interface
 * or track_script of weight 0) means FAULT; a weighted one moves the
 * priority: a positive weight is added while the object is up, a
 * negative one while it is down ("reverse" swaps up and down).
 */
void
hx_ha_vr_track(hx_ha_vr_t *vr)
{
    hx_int_t          prio, w;
    hx_uint_t         i, faults, up;
    hx_ha_if_t       *ifp;
    hx_ha_track_t    *t;
    hx_ha_script_t   *sc;
    hx_vrrp_input_t   in;

    faults = 0;
    prio = vr->conf->priority;

    if (!vr->conf->dont_track_primary && !hx_ha_if_is_up(vr->ifp)) {
        faults++;
    }

    if (vr->conf->track_ifs) {
        t = vr->conf->track_ifs->elts;

        for (i = 0; i < vr->conf->track_ifs->nelts; i++) {
            ifp = i < vr->ntrack_ifps ? vr->track_ifps[i] : NULL;
            up = ifp ? hx_ha_if_is_up(ifp) : 0;
            w = t[i].weight;

            if (w == 0) {
                faults += !up;
                continue;
            }

            if (t[i].reverse) {
                up = !up;
            }

            if ((w > 0 && up) || (w < 0 && !up)) {
                prio += w;
            }
        }
    }

    if (vr->conf->track_scripts) {
        t = vr->conf->track_scripts->elts;

        for (i = 0; i < vr->conf->track_scripts->nelts; i++) {
            sc = hx_ha_script_find(&t[i].name);

            if (sc == NULL) {
                continue;
            }

            sc->used = 1;
            w = t[i].weight;

            if (w == 0) {
                faults += sc->state != HX_HA_SCRIPT_UP;
                continue;
            }

            up = sc->state == HX_HA_SCRIPT_UP;

            if (t[i].reverse) {
                up = !up;
            }

            if ((w > 0 && up) || (w < 0 && !up)) {
                prio += w;
            }
        }
    }

    if (vr->conf->track_workers != HX_CONF_UNSET) {
        w = vr->conf->track_workers;
        up = hx_ha_workers_up;

        if (w == 0) {
            faults += !up;

        } else if ((w > 0 && up) || (w < 0 && !up)) {
            prio += w;
        }
    }

    vr->own_faults = faults;

    /* a sync group faults as a whole */
    if (vr->conf->sync) {
        hx_queue_t  *q;
        hx_ha_vr_t  *m;

        for (q = hx_queue_head(&hx_ha_vrs);
             q != hx_queue_sentinel(&hx_ha_vrs);
             q = hx_queue_next(q))
        {
            m = hx_queue_data(q, hx_ha_vr_t, queue);

            if (m != vr && m->conf->sync == vr->conf->sync) {
                faults += m->own_faults;
            }
        }
    }

    if (vr->conf->priority != HX_VRRP_PRIO_OWNER
        && (hx_uint_t) prio != vr->fsm.priority)
    {
        hx_memzero(&in, sizeof(in));
        in.type = HX_VRRP_IN_PRIORITY;
        in.priority = prio < 1 ? 1 : (hx_uint_t) prio;

        if (vr->fsm.state != HX_VRRP_INIT) {
            hx_log_error(HX_LOG_INFO, &vr->log, 0,
                         "(%V) Changing effective priority from %ui to %i",
                         &vr->conf->name, vr->fsm.priority,
                         hx_min(hx_max(prio, 1), 254));
        }

        hx_ha_vr_input(vr, &in);
    }

    if (faults && !vr->fsm.faulted) {
        hx_ha_vr_feed(vr, HX_VRRP_IN_FAULT);

    } else if (!faults && vr->fsm.faulted) {
        hx_ha_vr_feed(vr, HX_VRRP_IN_UP);
    }
}


/* ---- packets ---- */


static void
hx_ha_vr_recv(hx_vrrp_sock_t *s, hx_vrrp_rx_t *rx)
{
    hx_int_t              cmp;
    hx_uint_t             version, vrid, i, found;
    hx_queue_t           *q;
    hx_ha_vr_t           *vr;
    hx_ha_addr_t         *peer;
    hx_vrrp_input_t       in;
    hx_vrrp_advert_t      adv;
    hx_vrrp_expect_t      exp;
    hx_vrrp_rx_reason_e   rc;

    if (hx_vrrp_peek(rx, &version, &vrid) != HX_OK) {
        return;
    }

    vr = NULL;

    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = hx_queue_next(q))
    {
        vr = hx_queue_data(q, hx_ha_vr_t, queue);

        if (vr->sock == s && (hx_uint_t) vr->conf->vrid == vrid) {
            break;
        }

        vr = NULL;
    }

    /* another router's VRID, or ours while we cannot act on it */
    if (vr == NULL || vr->fsm.state == HX_VRRP_INIT
        || vr->fsm.state == HX_VRRP_FAULT
        || vr->fsm.state == HX_VRRP_STOPPED)
    {
        return;
    }

    hx_memzero(&exp, sizeof(exp));
    exp.version = vr->conf->version;
    exp.family = vr->family;
    exp.vrid = vrid;
    exp.auth_type = vr->conf->version == 2 ? vr->conf->auth_type
                                           : HX_VRRP_AUTH_NONE;
    hx_memcpy(exp.auth_data, vr->conf->auth_data, HX_VRRP_AUTH_LEN);
    exp.ah_seq = vr->ah_seq_rx;
    exp.adver_int = vr->conf->adver_int;
    exp.unicast = vr->conf->unicast;
    exp.naddrs = vr->nvips;
    exp.addrs = vr->vips;

    /* keepalived's skip_check_adv_addr: not again for the same master */
    exp.check_vips = !(vr->conf->skip_check_adv_addr
                       && hx_memcmp(rx->src, vr->master_addr, vr->alen) == 0);

    rc = hx_vrrp_check(rx, &exp, &adv);

    if (rc == HX_VRRP_RX_OK && vr->conf->unicast
        && hx_ha_hmcf->check_unicast_src)
    {
        peer = vr->conf->peers->elts;
        found = 0;

        for (i = 0; i < vr->conf->peers->nelts; i++) {
            if (hx_memcmp(peer[i].addr, rx->src, vr->alen) == 0) {
                found = 1;
            }
        }

        if (!found) {
            rc = HX_VRRP_RX_CAST;
        }
    }

    if (rc != HX_VRRP_RX_OK) {
        hx_ha_vr_bad(vr, rx, rc);
        hx_ha_vr_feed(vr, HX_VRRP_IN_INVALID);
        return;
    }

    vr->adverts_rcvd++;

    if (adv.ah_seq) {
        vr->ah_seq_rx = adv.ah_seq;
    }

    cmp = hx_memcmp(rx->src, vr->saddr, vr->alen);

    hx_memcpy(vr->master_addr, rx->src, vr->alen);

    hx_memzero(&in, sizeof(in));
    in.type = HX_VRRP_IN_ADVERT;
    in.priority = adv.priority;
    in.adver_int = adv.adver_int;
    in.addr_cmp = cmp > 0 ? 1 : (cmp < 0 ? -1 : 0);

    hx_ha_vr_input(vr, &in);
}


/* bad packets: counted, logged at most once a second per instance */
static void
hx_ha_vr_bad(hx_ha_vr_t *vr, hx_vrrp_rx_t *rx, hx_vrrp_rx_reason_e reason)
{
    uint8_t  text[INET6_ADDRSTRLEN];

    vr->bad[reason]++;

    if (vr->bad_logged && hx_current_msec - vr->bad_logged < 1000) {
        vr->bad_quiet++;
        return;
    }

    hx_ha_ntop(vr->family, rx->src, text, sizeof(text));

    hx_log_error(HX_LOG_INFO, &vr->log, 0,
                 "(%V) ignoring an advertisement from %s: %s "
                 "(%ui more ignored since the last report)",
                 &vr->conf->name, text, hx_vrrp_rx_reason_text(reason),
                 vr->bad_quiet);

    vr->bad_logged = hx_current_msec;
    vr->bad_quiet = 0;
}


/* an address as a C string, for "%s" */
static void
hx_ha_ntop(int family, uint8_t *addr, uint8_t *text, size_t size)
{
    size_t  n;

    n = hx_inet_ntop(family, addr, text, size - 1);
    text[n] = '\0';
}


/* ---- interfaces ---- */


void
hx_ha_if_changed(hx_ha_if_t *ifp)
{
    hx_queue_t  *q;
    hx_ha_vr_t  *vr;

    hx_ha_log_refresh();

    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = hx_queue_next(q))
    {
        vr = hx_queue_data(q, hx_ha_vr_t, queue);

        if (vr->ifp == ifp) {
            if (vr->sock && vr->sock->ifindex != ifp->index) {
                /* the interface went away, or came back as another one */
                hx_vrrp_sock_put(vr->sock);
                vr->sock = NULL;
            }

            if (vr->sock == NULL && ifp->index) {
                (void) hx_ha_vr_open(vr);
            }

            hx_ha_vr_saddr(vr);
        }

        if (vr->fsm.state != HX_VRRP_INIT) {
            hx_ha_vr_track(vr);
        }
    }
}


/* ---- sync groups ---- */


/* keepalived's sync groups: members follow one that moved on its own */
static void
hx_ha_sync(hx_ha_vr_t *vr)
{
    hx_queue_t          *q;
    hx_ha_vr_t          *m;
    hx_vrrp_input_e      type;

    if (vr->conf->sync == NULL || hx_ha_syncing) {
        return;
    }

    if (vr->fsm.state == HX_VRRP_MASTER) {
        type = HX_VRRP_IN_GOTO_MASTER;

    } else if (vr->fsm.state == HX_VRRP_BACKUP
               && vr->fsm.prev == HX_VRRP_MASTER)
    {
        type = HX_VRRP_IN_GOTO_BACKUP;

    } else if (vr->fsm.state == HX_VRRP_FAULT
               || vr->fsm.prev == HX_VRRP_FAULT)
    {
        /* faults are shared through hx_ha_vr_track() */
        hx_ha_syncing = 1;

        for (q = hx_queue_head(&hx_ha_vrs);
             q != hx_queue_sentinel(&hx_ha_vrs);
             q = hx_queue_next(q))
        {
            m = hx_queue_data(q, hx_ha_vr_t, queue);

            if (m != vr && m->conf->sync == vr->conf->sync
                && m->fsm.state != HX_VRRP_INIT)
            {
                hx_ha_vr_track(m);
            }
        }

        hx_ha_syncing = 0;
        return;

    } else {
        return;
    }

    hx_ha_syncing = 1;

    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = hx_queue_next(q))
    {
        m = hx_queue_data(q, hx_ha_vr_t, queue);

        if (m != vr && m->conf->sync == vr->conf->sync) {
            hx_ha_vr_feed(m, type);
        }
    }

    hx_ha_syncing = 0;
}


static void
hx_ha_group_notify(hx_ha_vr_t *vr)
{
    hx_queue_t         *q;
    hx_ha_cmd_t        *cmd;
    hx_ha_group_t      *g;
    hx_ha_sync_conf_t  *sg;

    sg = vr->conf->sync;

    if (sg == NULL) {
        return;
    }

    for (q = hx_queue_head(&hx_ha_groups);
         q != hx_queue_sentinel(&hx_ha_groups);
         q = hx_queue_next(q))
    {
        g = hx_queue_data(q, hx_ha_group_t, queue);

        if (g->conf != sg || g->state == vr->fsm.state) {
            continue;
        }

        g->state = vr->fsm.state;

        hx_log_error(HX_LOG_NOTICE, &hx_ha_log, 0,
                     "(%V) Entering %s STATE", &sg->name,
                     hx_vrrp_state_name(g->state));

        switch (g->state) {
        case HX_VRRP_MASTER:
            cmd = sg->notify_master;
            break;
        case HX_VRRP_BACKUP:
            cmd = sg->notify_backup;
            break;
        case HX_VRRP_FAULT:
            cmd = sg->notify_fault;
            break;
        case HX_VRRP_STOPPED:
            cmd = sg->notify_stop;
            break;
        default:
            cmd = NULL;
        }

        if (cmd) {
            hx_ha_run_notify(cmd, NULL, NULL, g->state, 0);
        }

        if (sg->notify) {
            hx_ha_run_notify(sg->notify, "GROUP", &sg->name, g->state, 0);
        }
    }
}

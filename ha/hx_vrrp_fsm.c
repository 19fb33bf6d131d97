/*
 * The VRRP state machine (see hx_vrrp_fsm.h).
 *
 * One function per state handles the inputs that matter there, the way
 * RFC 5798 section 6.4 lays the machine out; transitions go through
 * hx_vrrp_fsm_become_master() and hx_vrrp_fsm_become_backup(), which own
 * the actions and deadlines of arriving in those states.  Where the RFC
 * leaves a choice, keepalived's vrrp_state_backup() and
 * vrrp_state_master_rx() decide, with one deliberate difference: the
 * master's advert deadline moves only when it sends an advert.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_vrrp_packet.h>
#include <hx_vrrp_fsm.h>


static hx_uint_t hx_vrrp_fsm_init_state(hx_vrrp_fsm_t *fsm, hx_msec_t now);
static hx_uint_t hx_vrrp_fsm_backup(hx_vrrp_fsm_t *fsm, hx_vrrp_input_t *in,
    hx_msec_t now);
static hx_uint_t hx_vrrp_fsm_backup_advert(hx_vrrp_fsm_t *fsm,
    hx_vrrp_input_t *in, hx_msec_t now);
static hx_uint_t hx_vrrp_fsm_master(hx_vrrp_fsm_t *fsm, hx_vrrp_input_t *in,
    hx_msec_t now);
static hx_uint_t hx_vrrp_fsm_master_advert(hx_vrrp_fsm_t *fsm,
    hx_vrrp_input_t *in, hx_msec_t now);
static hx_uint_t hx_vrrp_fsm_master_timer(hx_vrrp_fsm_t *fsm, hx_msec_t now);
static hx_uint_t hx_vrrp_fsm_fault(hx_vrrp_fsm_t *fsm, hx_vrrp_input_t *in,
    hx_msec_t now);
static hx_uint_t hx_vrrp_fsm_become_master(hx_vrrp_fsm_t *fsm,
    hx_vrrp_why_e why, hx_msec_t now);
static hx_uint_t hx_vrrp_fsm_become_backup(hx_vrrp_fsm_t *fsm,
    hx_vrrp_why_e why, hx_msec_t down, hx_msec_t now);
static hx_uint_t hx_vrrp_fsm_enter(hx_vrrp_fsm_t *fsm, hx_vrrp_state_e state,
    hx_vrrp_why_e why);
static void hx_vrrp_fsm_set_priority(hx_vrrp_fsm_t *fsm, hx_uint_t priority,
    hx_msec_t now);


static const char  *hx_vrrp_state_names[] = {
    "INIT", "BACKUP", "MASTER", "FAULT", "STOP"
};

static const char  *hx_vrrp_why_texts[] = {
    "",
    "starting",
    "priority 255 makes us the address owner",
    "no advertisement within the master down interval",
    "the master resigned with priority 0",
    "a master with a higher priority",
    "a master with the same priority and a higher address",
    "a tracked interface or script is down",
    "tracked interfaces and scripts are up",
    "stopping",
    "the sync group changed state",
    "the previous binary was master"
};


void
hx_vrrp_fsm_init(hx_vrrp_fsm_t *fsm)
{
    fsm->state = HX_VRRP_INIT;
    fsm->prev = HX_VRRP_INIT;
    fsm->why = HX_VRRP_WHY_NONE;
    fsm->priority = fsm->base_priority;
    fsm->master_priority = 0;
    fsm->master_adver_int = fsm->adver_int;
    fsm->down_interval = 0;
    fsm->timer = HX_VRRP_NEVER;
    fsm->garp_at = HX_VRRP_NEVER;
    fsm->garp_at_count = 0;
    fsm->garp_refresh_at = HX_VRRP_NEVER;
    fsm->preempt_at = HX_VRRP_NEVER;
    fsm->garp_count = 0;
    fsm->faulted = 0;
    fsm->prio_zero = 0;
}


hx_uint_t
hx_vrrp_fsm_step(hx_vrrp_fsm_t *fsm, hx_vrrp_input_t *in, hx_msec_t now)
{
    hx_uint_t  act;

    fsm->garp_count = 0;

    /* inputs that mean the same in every state */

    switch (in->type) {

    case HX_VRRP_IN_INVALID:
        /* counted and logged by the caller; never acted on */
        return 0;

    case HX_VRRP_IN_PRIORITY:
        hx_vrrp_fsm_set_priority(fsm, in->priority, now);
        return 0;

    case HX_VRRP_IN_STOP:
        if (fsm->state == HX_VRRP_STOPPED) {
            return 0;
        }

        act = 0;

        /* RFC 5798 6.4.3: a leaving master sends priority 0 */
        if (fsm->state == HX_VRRP_MASTER) {
            act |= HX_VRRP_ACT_SEND_STOP|HX_VRRP_ACT_DEL_VIPS;
        }

        fsm->timer = HX_VRRP_NEVER;
        fsm->garp_at = HX_VRRP_NEVER;
        fsm->garp_refresh_at = HX_VRRP_NEVER;

        return act | hx_vrrp_fsm_enter(fsm, HX_VRRP_STOPPED,
                                       HX_VRRP_WHY_STOP);

    default:
        break;
    }

    switch (fsm->state) {

    case HX_VRRP_INIT:
        if (in->type == HX_VRRP_IN_FAULT) {
            fsm->faulted = 1;
            return 0;
        }

        if (in->type == HX_VRRP_IN_UP) {
            fsm->faulted = 0;
            return 0;
        }

        if (in->type == HX_VRRP_IN_START) {
            return hx_vrrp_fsm_init_state(fsm, now);
        }

        if (in->type == HX_VRRP_IN_TAKEOVER) {
            if (fsm->faulted) {
                return hx_vrrp_fsm_init_state(fsm, now);
            }

            fsm->priority = fsm->base_priority;
            return hx_vrrp_fsm_become_master(fsm, HX_VRRP_WHY_HANDOVER, now);
        }

        return 0;

    case HX_VRRP_BACKUP:
        return hx_vrrp_fsm_backup(fsm, in, now);

    case HX_VRRP_MASTER:
        return hx_vrrp_fsm_master(fsm, in, now);

    case HX_VRRP_FAULT:
        return hx_vrrp_fsm_fault(fsm, in, now);

    default:
        return 0;
    }
}


/*
 * RFC 5798 6.4.1: the owner (priority 255) becomes master at once; any
 * other router waits one master-down interval as backup, whatever its
 * configured state, so that it learns of a master before competing.
 */
static hx_uint_t
hx_vrrp_fsm_init_state(hx_vrrp_fsm_t *fsm, hx_msec_t now)
{
    fsm->priority = fsm->base_priority;
    fsm->master_adver_int = fsm->adver_int;

    if (fsm->faulted) {
        /* a fault found at start leaves no stale VIP behind either */
        return HX_VRRP_ACT_DEL_VIPS
               | hx_vrrp_fsm_enter(fsm, HX_VRRP_FAULT, HX_VRRP_WHY_FAULT);
    }

    if (fsm->want_master && fsm->base_priority == HX_VRRP_PRIO_OWNER) {
        return hx_vrrp_fsm_become_master(fsm, HX_VRRP_WHY_OWNER, now);
    }

    return HX_VRRP_ACT_DEL_VIPS
           | hx_vrrp_fsm_become_backup(fsm, HX_VRRP_WHY_INIT,
                                       hx_vrrp_fsm_down_interval(fsm), now);
}


static hx_uint_t
hx_vrrp_fsm_backup(hx_vrrp_fsm_t *fsm, hx_vrrp_input_t *in, hx_msec_t now)
{
    switch (in->type) {

    case HX_VRRP_IN_TIMER:
        if (fsm->timer > now) {
            return 0;
        }

        /* RFC 5798 6.4.2: Master_Down_Timer fired */
        return hx_vrrp_fsm_become_master(fsm,
                                         fsm->prio_zero
                                         ? HX_VRRP_WHY_PRIO_ZERO
                                         : HX_VRRP_WHY_MASTER_DOWN,
                                         now);

    case HX_VRRP_IN_ADVERT:
        return hx_vrrp_fsm_backup_advert(fsm, in, now);

    case HX_VRRP_IN_FAULT:
        fsm->faulted = 1;
        fsm->timer = HX_VRRP_NEVER;
        return hx_vrrp_fsm_enter(fsm, HX_VRRP_FAULT, HX_VRRP_WHY_FAULT);

    case HX_VRRP_IN_GOTO_MASTER:
        return hx_vrrp_fsm_become_master(fsm, HX_VRRP_WHY_SYNC, now);

    default:
        return 0;
    }
}


/*
 * RFC 5798 6.4.2 with keepalived's vrrp_state_backup(): priority 0 cuts
 * the wait to the skew; an advert we may not preempt (nopreempt, higher
 * or equal priority, preempt delay still running) restarts the down
 * timer, adopting the master's interval with v3; a lower priority one we
 * may preempt is ignored, so the down timer runs out.
 */
static hx_uint_t
hx_vrrp_fsm_backup_advert(hx_vrrp_fsm_t *fsm, hx_vrrp_input_t *in,
    hx_msec_t now)
{
    if (in->priority == HX_VRRP_PRIO_STOP) {
        fsm->prio_zero = 1;
        fsm->down_interval = hx_vrrp_fsm_skew(fsm);
        fsm->timer = now + fsm->down_interval;
        return 0;
    }

    if (fsm->nopreempt
        || in->priority >= fsm->priority
        || (fsm->preempt_delay
            && (fsm->preempt_at == HX_VRRP_NEVER || fsm->preempt_at > now)))
    {
        if (fsm->version == 3 && in->adver_int) {
            fsm->master_adver_int = in->adver_int;
        }

        fsm->master_priority = in->priority;
        fsm->prio_zero = 0;
        fsm->down_interval = hx_vrrp_fsm_down_interval(fsm);
        fsm->timer = now + fsm->down_interval;

        if (fsm->preempt_delay) {
            if (in->priority >= fsm->priority) {
                fsm->preempt_at = HX_VRRP_NEVER;

            } else if (fsm->preempt_at == HX_VRRP_NEVER) {
                fsm->preempt_at = now + fsm->preempt_delay;
            }
        }

        return 0;
    }

    /* a lower priority master we will preempt when the timer fires */
    fsm->master_priority = in->priority;

    return HX_VRRP_ACT_LOWER_PRIO;
}


static hx_uint_t
hx_vrrp_fsm_master(hx_vrrp_fsm_t *fsm, hx_vrrp_input_t *in, hx_msec_t now)
{
    switch (in->type) {

    case HX_VRRP_IN_TIMER:
        return hx_vrrp_fsm_master_timer(fsm, now);

    case HX_VRRP_IN_ADVERT:
        return hx_vrrp_fsm_master_advert(fsm, in, now);

    case HX_VRRP_IN_FAULT:
        /* keepalived: a master going to FAULT resigns with priority 0 */
        fsm->faulted = 1;
        fsm->timer = HX_VRRP_NEVER;
        fsm->garp_at = HX_VRRP_NEVER;
        fsm->garp_refresh_at = HX_VRRP_NEVER;

        return HX_VRRP_ACT_SEND_STOP|HX_VRRP_ACT_DEL_VIPS
               | hx_vrrp_fsm_enter(fsm, HX_VRRP_FAULT, HX_VRRP_WHY_FAULT);

    case HX_VRRP_IN_GOTO_BACKUP:
        fsm->master_adver_int = fsm->adver_int;
        return HX_VRRP_ACT_DEL_VIPS
               | hx_vrrp_fsm_become_backup(fsm, HX_VRRP_WHY_SYNC,
                                           hx_vrrp_fsm_down_interval(fsm),
                                           now);

    default:
        return 0;
    }
}


static hx_uint_t
hx_vrrp_fsm_master_timer(hx_vrrp_fsm_t *fsm, hx_msec_t now)
{
    hx_uint_t  act;

    act = 0;

    if (fsm->garp_at <= now) {
        act |= HX_VRRP_ACT_GARP;
        fsm->garp_count += fsm->garp_at_count;
        fsm->garp_at = HX_VRRP_NEVER;
    }

    if (fsm->timer <= now) {
        /* RFC 5798 6.4.3: Adver_Timer fired */
        act |= HX_VRRP_ACT_SEND_ADVERT;
        fsm->timer = now + fsm->adver_int;

        if (fsm->garp_refresh_at <= now) {
            act |= HX_VRRP_ACT_GARP;
            fsm->garp_count += fsm->garp_refresh_rep;
            fsm->garp_refresh_at = now + fsm->garp_refresh;
        }
    }

    return act;
}


/*
 * RFC 5798 6.4.3 with keepalived's vrrp_state_master_rx(): priority 0
 * is answered at once; a higher priority, or the same priority from a
 * higher address, makes us backup; a lower one is answered at once (and
 * with gratuitous ARP), which brings a master that started late back
 * into line.  Two owners clash: we drop to 254, as keepalived does, and
 * the address comparison settles it on the next round.
 */
static hx_uint_t
hx_vrrp_fsm_master_advert(hx_vrrp_fsm_t *fsm, hx_vrrp_input_t *in,
    hx_msec_t now)
{
    hx_uint_t  act;

    act = 0;

    if (in->priority == HX_VRRP_PRIO_STOP) {
        fsm->timer = now + fsm->adver_int;
        return HX_VRRP_ACT_SEND_ADVERT;
    }

    if (fsm->higher_prio_send_advert
        && (in->priority > fsm->priority
            || (in->priority == fsm->priority && in->addr_cmp > 0)))
    {
        act |= HX_VRRP_ACT_SEND_ADVERT;
        fsm->timer = now + fsm->adver_int;
    }

    if (in->priority == fsm->priority) {
        if (in->addr_cmp == 0) {
            act |= HX_VRRP_ACT_SAME_ADDR;

        } else if (fsm->priority == HX_VRRP_PRIO_OWNER) {
            fsm->base_priority = HX_VRRP_PRIO_OWNER - 1;
            fsm->priority = HX_VRRP_PRIO_OWNER - 1;
            act |= HX_VRRP_ACT_OWNER_CLASH;
        }
    }

    if (in->priority < fsm->priority
        || (in->priority == fsm->priority && in->addr_cmp < 0))
    {
        act |= HX_VRRP_ACT_LOWER_PRIO;
        fsm->master_priority = in->priority;

        if (!fsm->lower_prio_no_advert) {
            act |= HX_VRRP_ACT_SEND_ADVERT;
            fsm->timer = now + fsm->adver_int;
        }

        if (fsm->garp_lower_prio_rep) {
            act |= HX_VRRP_ACT_GARP;
            fsm->garp_count += fsm->garp_lower_prio_rep;

            if (fsm->garp_lower_prio_delay) {
                fsm->garp_at = now + fsm->garp_lower_prio_delay;
                fsm->garp_at_count = fsm->garp_lower_prio_rep;
            }
        }

        return act;
    }

    if (in->priority > fsm->priority
        || (in->priority == fsm->priority && in->addr_cmp > 0))
    {
        if (fsm->version == 3 && in->adver_int) {
            fsm->master_adver_int = in->adver_int;
        }

        fsm->master_priority = in->priority;

        return act | HX_VRRP_ACT_DEL_VIPS
               | hx_vrrp_fsm_become_backup(fsm,
                                           in->priority > fsm->priority
                                           ? HX_VRRP_WHY_HIGHER_PRIO
                                           : HX_VRRP_WHY_HIGHER_ADDR,
                                           hx_vrrp_fsm_down_interval(fsm),
                                           now);
    }

    /* equal priority and our own address: nothing to decide */
    return act;
}


static hx_uint_t
hx_vrrp_fsm_fault(hx_vrrp_fsm_t *fsm, hx_vrrp_input_t *in, hx_msec_t now)
{
    hx_msec_t  down;

    if (in->type == HX_VRRP_IN_FAULT) {
        fsm->faulted = 1;
        return 0;
    }

    if (in->type != HX_VRRP_IN_UP) {
        /* adverts, timers and sync moves mean nothing in FAULT */
        return 0;
    }

    fsm->faulted = 0;
    fsm->master_adver_int = fsm->adver_int;

    /*
     * keepalived's try_up_instance(): the owner waits one interval plus
     * skew before taking over, anyone else a whole down interval.
     */
    if (fsm->want_master && fsm->base_priority == HX_VRRP_PRIO_OWNER) {
        down = fsm->master_adver_int + hx_vrrp_fsm_skew(fsm);

    } else {
        down = hx_vrrp_fsm_down_interval(fsm);
    }

    return hx_vrrp_fsm_become_backup(fsm, HX_VRRP_WHY_UP, down, now);
}


/*
 * Arriving in MASTER (RFC 5798 6.4.1 and 6.4.2): advertise first, so
 * that the old master lets go of the addresses before our gratuitous
 * ARPs, then take the VIPs and announce them; a second burst follows
 * after garp_delay.  A v3 master advertises its own interval again.
 */
static hx_uint_t
hx_vrrp_fsm_become_master(hx_vrrp_fsm_t *fsm, hx_vrrp_why_e why,
    hx_msec_t now)
{
    fsm->master_adver_int = fsm->adver_int;
    fsm->prio_zero = 0;
    fsm->preempt_at = HX_VRRP_NEVER;
    fsm->timer = now + fsm->adver_int;

    fsm->garp_count = fsm->garp_rep;

    if (fsm->garp_delay) {
        fsm->garp_at = now + fsm->garp_delay;
        fsm->garp_at_count = fsm->garp_rep;

    } else {
        fsm->garp_at = HX_VRRP_NEVER;
    }

    fsm->garp_refresh_at = fsm->garp_refresh ? now + fsm->garp_refresh
                                             : HX_VRRP_NEVER;

    return HX_VRRP_ACT_SEND_ADVERT|HX_VRRP_ACT_ADD_VIPS
           | (fsm->garp_rep ? HX_VRRP_ACT_GARP : 0)
           | hx_vrrp_fsm_enter(fsm, HX_VRRP_MASTER, why);
}


static hx_uint_t
hx_vrrp_fsm_become_backup(hx_vrrp_fsm_t *fsm, hx_vrrp_why_e why,
    hx_msec_t down, hx_msec_t now)
{
    fsm->prio_zero = 0;
    fsm->preempt_at = HX_VRRP_NEVER;
    fsm->garp_at = HX_VRRP_NEVER;
    fsm->garp_refresh_at = HX_VRRP_NEVER;
    fsm->down_interval = down;
    fsm->timer = now + down;

    return hx_vrrp_fsm_enter(fsm, HX_VRRP_BACKUP, why);
}


static hx_uint_t
hx_vrrp_fsm_enter(hx_vrrp_fsm_t *fsm, hx_vrrp_state_e state,
    hx_vrrp_why_e why)
{
    fsm->prev = fsm->state;
    fsm->state = state;
    fsm->why = why;

    return HX_VRRP_ACT_STATE;
}


/*
 * keepalived's vrrp_set_effective_priority(): the owner's priority never
 * moves; a backup keeps its deadline consistent with the new skew, so a
 * lower priority waits longer from the same starting point.
 */
static void
hx_vrrp_fsm_set_priority(hx_vrrp_fsm_t *fsm, hx_uint_t priority,
    hx_msec_t now)
{
    hx_msec_t  old, down;

    if (fsm->base_priority == HX_VRRP_PRIO_OWNER) {
        return;
    }

    priority = hx_max(priority, 1);
    priority = hx_min(priority, HX_VRRP_PRIO_OWNER - 1);

    if (priority == fsm->priority) {
        return;
    }

    old = fsm->down_interval;
    fsm->priority = priority;

    if (fsm->state != HX_VRRP_BACKUP || fsm->prio_zero) {
        return;
    }

    down = hx_vrrp_fsm_down_interval(fsm);
    fsm->down_interval = down;

    if (down >= old) {
        fsm->timer += down - old;

    } else if (fsm->timer - now > old - down) {
        fsm->timer -= old - down;

    } else {
        fsm->timer = now;
    }
}


hx_msec_t
hx_vrrp_fsm_next(hx_vrrp_fsm_t *fsm)
{
    hx_msec_t  next;

    next = fsm->timer;

    if (fsm->state == HX_VRRP_MASTER) {
        next = hx_min(next, fsm->garp_at);
    }

    return next;
}


hx_msec_t
hx_vrrp_fsm_skew(hx_vrrp_fsm_t *fsm)
{
    hx_msec_t  span;

    /* RFC 3768 6.1 fixes v2's skew to a second; v3 scales it */
    span = fsm->version == 3 ? fsm->master_adver_int : 1000;

    return (256 - fsm->priority) * span / 256;
}


hx_msec_t
hx_vrrp_fsm_down_interval(hx_vrrp_fsm_t *fsm)
{
    return HX_VRRP_DOWN_ADVERTS * fsm->master_adver_int
           + hx_vrrp_fsm_skew(fsm);
}


const char *
hx_vrrp_state_name(hx_vrrp_state_e state)
{
    if ((hx_uint_t) state > HX_VRRP_STOPPED) {
        return "UNKNOWN";
    }

    return hx_vrrp_state_names[state];
}


const char *
hx_vrrp_why_text(hx_vrrp_why_e why)
{
    if ((hx_uint_t) why > HX_VRRP_WHY_HANDOVER) {
        return "";
    }

    return hx_vrrp_why_texts[why];
}

/*
 * The VRRP state machine of one virtual router (RFC 5798 section 6.4),
 * with keepalived's timers and choices where the RFC leaves room.
 *
 * It is a pure function: (state, input, now) -> next state, actions and
 * deadlines.  It sends nothing, touches no address and reads no clock;
 * the caller (hx_ha_vrrp.c) performs the returned actions in the order
 * of their bits and arms one event timer at hx_vrrp_fsm_next().  The unit
 * tests drive it with a fake clock.
 *
 * Timers, in milliseconds:
 *   skew          v2: (256 - priority) / 256 s (RFC 3768 6.1)
 *                 v3: (256 - priority) * master_adver_int / 256 (RFC 5798)
 *   master down   3 * master_adver_int + skew
 * A backup arms the master-down deadline on every advert it accepts and
 * never on one it refuses: a refused advert (HX_VRRP_IN_INVALID) changes
 * nothing, and neither does a lower-priority one it may preempt.  A master
 * moves its advert deadline only when it actually sends an advert, so a
 * stream of forged or foreign packets cannot keep it quiet (keepalived
 * re-arms on any packet received while master).
 */

#ifndef HX_HA_HX_VRRP_FSM_H
#define HX_HA_HX_VRRP_FSM_H


#define HX_VRRP_NEVER            ((hx_msec_t) -1)
#define HX_VRRP_DOWN_ADVERTS     3            /* RFC 5798 6.1 */


typedef enum {
    HX_VRRP_INIT = 0,
    HX_VRRP_BACKUP,
    HX_VRRP_MASTER,
    HX_VRRP_FAULT,
    HX_VRRP_STOPPED
} hx_vrrp_state_e;


typedef enum {
    HX_VRRP_IN_START = 0,    /* leave INIT: configuration is in force */
    HX_VRRP_IN_TIMER,        /* the clock reached hx_vrrp_fsm_next() */
    HX_VRRP_IN_ADVERT,       /* an advert that passed hx_vrrp_check() */
    HX_VRRP_IN_INVALID,      /* an advert that did not: changes nothing */
    HX_VRRP_IN_FAULT,        /* a tracked interface or script is down */
    HX_VRRP_IN_UP,           /* every tracked object is up again */
    HX_VRRP_IN_PRIORITY,     /* the effective priority changed */
    HX_VRRP_IN_STOP,         /* the instance leaves (shutdown, removal) */
    HX_VRRP_IN_GOTO_MASTER,  /* its sync group went MASTER */
    HX_VRRP_IN_GOTO_BACKUP,  /* its sync group went BACKUP */
    HX_VRRP_IN_TAKEOVER      /* leave INIT as MASTER: a binary upgrade
                                found the previous binary's VIPs held */
} hx_vrrp_input_e;


/* why the last transition happened; hx_vrrp_fsm_reason() words it */
typedef enum {
    HX_VRRP_WHY_NONE = 0,
    HX_VRRP_WHY_INIT,            /* started, waiting for a master */
    HX_VRRP_WHY_OWNER,           /* priority 255 and state MASTER */
    HX_VRRP_WHY_MASTER_DOWN,     /* no advert within the down interval */
    HX_VRRP_WHY_PRIO_ZERO,       /* the master resigned (priority 0) */
    HX_VRRP_WHY_HIGHER_PRIO,     /* a higher priority master */
    HX_VRRP_WHY_HIGHER_ADDR,     /* same priority, higher address */
    HX_VRRP_WHY_FAULT,           /* a tracked object failed */
    HX_VRRP_WHY_UP,              /* tracked objects recovered */
    HX_VRRP_WHY_STOP,
    HX_VRRP_WHY_SYNC,            /* the sync group moved */
    HX_VRRP_WHY_HANDOVER         /* the previous binary was master */
} hx_vrrp_why_e;


typedef struct {
    hx_vrrp_input_e      type;
    hx_uint_t            priority;    /* ADVERT: the sender's;
                                         PRIORITY: our new effective one */
    hx_msec_t            adver_int;   /* ADVERT: the sender's (v3) */
    hx_int_t             addr_cmp;    /* ADVERT: sign of (sender's primary
                                         address - ours), RFC 5798 6.4.3 */
} hx_vrrp_input_t;


/* actions, to be performed in this order */
#define HX_VRRP_ACT_SEND_STOP    0x0001   /* advert with priority 0 */
#define HX_VRRP_ACT_SEND_ADVERT  0x0002   /* advert with fsm->priority */
#define HX_VRRP_ACT_DEL_VIPS     0x0004
#define HX_VRRP_ACT_ADD_VIPS     0x0008
#define HX_VRRP_ACT_GARP         0x0010   /* fsm->garp_count bursts */
#define HX_VRRP_ACT_STATE        0x0020   /* state changed: log, notify */
#define HX_VRRP_ACT_LOWER_PRIO   0x0040   /* a lower priority master seen */
#define HX_VRRP_ACT_OWNER_CLASH  0x0080   /* two owners: we dropped to 254 */
#define HX_VRRP_ACT_SAME_ADDR    0x0100   /* equal priority from our address */


typedef struct {
    /* configuration; set before START, may be updated on reload */
    hx_uint_t            version;            /* 2 or 3 */
    hx_uint_t            base_priority;      /* 1..255 */
    hx_msec_t            adver_int;
    hx_msec_t            preempt_delay;      /* 0: none */
    hx_msec_t            garp_delay;         /* 2nd burst as master; 0 none */
    hx_msec_t            garp_refresh;       /* bursts while master; 0 none */
    hx_msec_t            garp_lower_prio_delay;
    hx_uint_t            garp_rep;
    hx_uint_t            garp_refresh_rep;
    hx_uint_t            garp_lower_prio_rep;
    unsigned             nopreempt:1;
    unsigned             want_master:1;      /* "state MASTER" */
    unsigned             lower_prio_no_advert:1;
    unsigned             higher_prio_send_advert:1;

    /* state */
    hx_vrrp_state_e      state;
    hx_vrrp_state_e      prev;               /* before the last change */
    hx_vrrp_why_e        why;
    hx_uint_t            priority;           /* effective */
    hx_uint_t            master_priority;    /* of the last master heard */
    hx_msec_t            master_adver_int;
    hx_msec_t            down_interval;      /* the one last armed */
    hx_msec_t            timer;              /* advert or master-down */
    hx_msec_t            garp_at;            /* delayed burst */
    hx_uint_t            garp_at_count;
    hx_msec_t            garp_refresh_at;
    hx_msec_t            preempt_at;         /* preempt delay ends */
    hx_uint_t            garp_count;         /* with HX_VRRP_ACT_GARP */
    unsigned             faulted:1;
    unsigned             prio_zero:1;        /* timer shortened by prio 0 */
} hx_vrrp_fsm_t;


/*
 * Resets fsm to INIT with its configuration kept (fields above "state"):
 * the effective priority becomes base_priority, every deadline NEVER.
 */
void hx_vrrp_fsm_init(hx_vrrp_fsm_t *fsm);

/*
 * Feeds one input at time now.  Returns the HX_VRRP_ACT_* bits the caller
 * must perform (in bit order); fsm->state, fsm->prev and fsm->why tell a
 * transition (HX_VRRP_ACT_STATE), fsm->garp_count the bursts of a GARP.
 * Deadlines are absolute; re-arm the timer at hx_vrrp_fsm_next() after
 * every call.
 */
hx_uint_t hx_vrrp_fsm_step(hx_vrrp_fsm_t *fsm, hx_vrrp_input_t *in,
    hx_msec_t now);

/* the earliest pending deadline, or HX_VRRP_NEVER */
hx_msec_t hx_vrrp_fsm_next(hx_vrrp_fsm_t *fsm);

/* the skew and master-down interval at the current priority */
hx_msec_t hx_vrrp_fsm_skew(hx_vrrp_fsm_t *fsm);
hx_msec_t hx_vrrp_fsm_down_interval(hx_vrrp_fsm_t *fsm);

/* "MASTER", "BACKUP", "FAULT", "INIT", "STOP": keepalived's words */
const char *hx_vrrp_state_name(hx_vrrp_state_e state);

/* "no advertisement within the master down interval", ... */
const char *hx_vrrp_why_text(hx_vrrp_why_e why);

#endif /* HX_HA_HX_VRRP_FSM_H */

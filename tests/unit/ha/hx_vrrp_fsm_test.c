/*
 * Tests for ha/hx_vrrp_fsm.c, driven by a fake clock: the timers
 * (skew, master-down, advert), each transition of RFC 5798 section 6.4
 * with keepalived's choices (start, preemption, nopreempt, preempt_delay,
 * priority 0, equal priorities, two owners, v3 interval adoption, FAULT,
 * stop), the gratuitous ARP schedule, and the rule keepalived breaks:
 * refused adverts never move a deadline.
 *
 * The last tests wire several machines together through a simulated
 * segment (adverts delivered at once, time in 1 ms steps) and check
 * elections and take-over times end to end.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_vrrp_packet.h>
#include <hx_vrrp_fsm.h>

#include <criterion/criterion.h>


static hx_vrrp_fsm_t  fsm;


static void
configure(hx_vrrp_fsm_t *f, hx_uint_t version, hx_uint_t prio,
    hx_msec_t adver_int)
{
    hx_memzero(f, sizeof(hx_vrrp_fsm_t));
    f->version = version;
    f->base_priority = prio;
    f->adver_int = adver_int;
    f->garp_rep = 5;
    f->garp_delay = 5000;
    f->garp_refresh_rep = 1;
    f->garp_lower_prio_rep = 5;
    f->garp_lower_prio_delay = 5000;
    hx_vrrp_fsm_init(f);
}


static hx_uint_t
feed(hx_vrrp_fsm_t *f, hx_vrrp_input_e type, hx_msec_t now)
{
    hx_vrrp_input_t  in;

    hx_memzero(&in, sizeof(in));
    in.type = type;

    return hx_vrrp_fsm_step(f, &in, now);
}


static hx_uint_t
advert(hx_vrrp_fsm_t *f, hx_uint_t prio, hx_int_t addr_cmp,
    hx_msec_t adver_int, hx_msec_t now)
{
    hx_vrrp_input_t  in;

    hx_memzero(&in, sizeof(in));
    in.type = HX_VRRP_IN_ADVERT;
    in.priority = prio;
    in.addr_cmp = addr_cmp;
    in.adver_int = adver_int;

    return hx_vrrp_fsm_step(f, &in, now);
}


static hx_uint_t
set_priority(hx_vrrp_fsm_t *f, hx_uint_t prio, hx_msec_t now)
{
    hx_vrrp_input_t  in;

    hx_memzero(&in, sizeof(in));
    in.type = HX_VRRP_IN_PRIORITY;
    in.priority = prio;

    return hx_vrrp_fsm_step(f, &in, now);
}


/* starts fsm at t = 1000 as backup and runs it to MASTER at its deadline */
static hx_msec_t
make_master(hx_vrrp_fsm_t *f)
{
    hx_msec_t  t;

    feed(f, HX_VRRP_IN_START, 1000);
    t = hx_vrrp_fsm_next(f);
    feed(f, HX_VRRP_IN_TIMER, t);
    cr_assert_eq(f->state, HX_VRRP_MASTER);

    return t;
}


Test(hx_vrrp_fsm, v2_skew_ignores_the_interval)
{
    configure(&fsm, 2, 100, 1000);
    cr_assert_eq(hx_vrrp_fsm_skew(&fsm), 609);          /* 156/256 s */
    cr_assert_eq(hx_vrrp_fsm_down_interval(&fsm), 3609);

    configure(&fsm, 2, 100, 3000);
    cr_assert_eq(hx_vrrp_fsm_skew(&fsm), 609);
    cr_assert_eq(hx_vrrp_fsm_down_interval(&fsm), 9609);

    configure(&fsm, 2, 254, 1000);
    cr_assert_eq(hx_vrrp_fsm_skew(&fsm), 7);
}


Test(hx_vrrp_fsm, v3_skew_scales_with_the_master_interval)
{
    configure(&fsm, 3, 100, 100);
    cr_assert_eq(hx_vrrp_fsm_skew(&fsm), 60);           /* 60.9 ms */
    cr_assert_eq(hx_vrrp_fsm_down_interval(&fsm), 360);

    configure(&fsm, 3, 100, 1000);
    cr_assert_eq(hx_vrrp_fsm_skew(&fsm), 609);
}


Test(hx_vrrp_fsm, start_waits_a_whole_down_interval_as_backup)
{
    hx_uint_t  act;

    configure(&fsm, 2, 100, 1000);
    fsm.want_master = 1;                 /* "state MASTER", priority 100 */

    act = feed(&fsm, HX_VRRP_IN_START, 5000);

    cr_assert_eq(fsm.state, HX_VRRP_BACKUP);
    cr_assert_eq(fsm.why, HX_VRRP_WHY_INIT);
    cr_assert_eq(act, HX_VRRP_ACT_STATE|HX_VRRP_ACT_DEL_VIPS,
                 "stale VIPs are removed at start");
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), 5000 + 3609);
}


Test(hx_vrrp_fsm, owner_with_state_master_starts_as_master)
{
    hx_uint_t  act;

    configure(&fsm, 2, 255, 1000);
    fsm.want_master = 1;

    act = feed(&fsm, HX_VRRP_IN_START, 5000);

    cr_assert_eq(fsm.state, HX_VRRP_MASTER);
    cr_assert_eq(fsm.why, HX_VRRP_WHY_OWNER);
    cr_assert_eq(act, HX_VRRP_ACT_SEND_ADVERT|HX_VRRP_ACT_ADD_VIPS
                      |HX_VRRP_ACT_GARP|HX_VRRP_ACT_STATE);
    cr_assert_eq(fsm.garp_count, 5);
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), 6000);
}


Test(hx_vrrp_fsm, owner_with_state_backup_still_waits)
{
    configure(&fsm, 2, 255, 1000);

    feed(&fsm, HX_VRRP_IN_START, 0);

    cr_assert_eq(fsm.state, HX_VRRP_BACKUP);
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), 3003);
}


Test(hx_vrrp_fsm, backup_becomes_master_exactly_at_the_deadline)
{
    hx_uint_t  act;

    configure(&fsm, 2, 100, 1000);
    feed(&fsm, HX_VRRP_IN_START, 0);

    cr_assert_eq(feed(&fsm, HX_VRRP_IN_TIMER, 3608), 0);
    cr_assert_eq(fsm.state, HX_VRRP_BACKUP);

    act = feed(&fsm, HX_VRRP_IN_TIMER, 3609);

    cr_assert_eq(fsm.state, HX_VRRP_MASTER);
    cr_assert_eq(fsm.prev, HX_VRRP_BACKUP);
    cr_assert_eq(fsm.why, HX_VRRP_WHY_MASTER_DOWN);
    cr_assert(act & HX_VRRP_ACT_SEND_ADVERT);
    cr_assert(act & HX_VRRP_ACT_ADD_VIPS);
    cr_assert(act & HX_VRRP_ACT_GARP);
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), 4609);
}


Test(hx_vrrp_fsm, master_advertises_every_interval)
{
    hx_msec_t  t;
    hx_uint_t  i;

    configure(&fsm, 3, 100, 100);
    fsm.garp_delay = 0;
    t = make_master(&fsm);

    for (i = 1; i <= 10; i++) {
        cr_assert_eq(hx_vrrp_fsm_next(&fsm), t + i * 100);
        cr_assert_eq(feed(&fsm, HX_VRRP_IN_TIMER, t + i * 100),
                     HX_VRRP_ACT_SEND_ADVERT);
    }
}


Test(hx_vrrp_fsm, accepted_adverts_restart_the_down_timer)
{
    hx_msec_t  t;

    configure(&fsm, 2, 100, 1000);
    feed(&fsm, HX_VRRP_IN_START, 0);

    for (t = 1000; t <= 20000; t += 1000) {
        cr_assert_eq(advert(&fsm, 150, 1, 0, t), 0);
        cr_assert_eq(hx_vrrp_fsm_next(&fsm), t + 3609);
        cr_assert_eq(feed(&fsm, HX_VRRP_IN_TIMER, t + 999), 0);
    }

    cr_assert_eq(fsm.state, HX_VRRP_BACKUP);
    cr_assert_eq(fsm.master_priority, 150);

    /* the master dies after its advert at 20000 */
    feed(&fsm, HX_VRRP_IN_TIMER, 23608);
    cr_assert_eq(fsm.state, HX_VRRP_BACKUP);
    feed(&fsm, HX_VRRP_IN_TIMER, 23609);
    cr_assert_eq(fsm.state, HX_VRRP_MASTER);
}


Test(hx_vrrp_fsm, refused_adverts_never_restart_the_down_timer)
{
    hx_msec_t  t;

    configure(&fsm, 2, 100, 1000);
    feed(&fsm, HX_VRRP_IN_START, 0);
    advert(&fsm, 150, 1, 0, 1000);

    for (t = 1001; t < 4609; t += 7) {
        cr_assert_eq(feed(&fsm, HX_VRRP_IN_INVALID, t), 0);
        cr_assert_eq(hx_vrrp_fsm_next(&fsm), 4609);
    }

    feed(&fsm, HX_VRRP_IN_TIMER, 4609);
    cr_assert_eq(fsm.state, HX_VRRP_MASTER);
}


Test(hx_vrrp_fsm, refused_adverts_never_silence_a_master)
{
    hx_msec_t  t, next;

    configure(&fsm, 3, 200, 100);
    fsm.garp_delay = 0;
    t = make_master(&fsm);
    next = t + 100;

    /* a flood of forged packets between two adverts */
    for (t = t + 1; t < next; t++) {
        cr_assert_eq(feed(&fsm, HX_VRRP_IN_INVALID, t), 0);
    }

    cr_assert_eq(hx_vrrp_fsm_next(&fsm), next);
    cr_assert_eq(feed(&fsm, HX_VRRP_IN_TIMER, next), HX_VRRP_ACT_SEND_ADVERT);
}


Test(hx_vrrp_fsm, priority_zero_cuts_the_wait_to_the_skew)
{
    hx_uint_t  act;

    configure(&fsm, 2, 100, 1000);
    feed(&fsm, HX_VRRP_IN_START, 0);
    advert(&fsm, 150, 1, 0, 1000);

    cr_assert_eq(advert(&fsm, 0, 1, 0, 1500), 0);
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), 1500 + 609);

    act = feed(&fsm, HX_VRRP_IN_TIMER, 2109);
    cr_assert_eq(fsm.state, HX_VRRP_MASTER);
    cr_assert_eq(fsm.why, HX_VRRP_WHY_PRIO_ZERO);
    cr_assert(act & HX_VRRP_ACT_STATE);
}


Test(hx_vrrp_fsm, v3_priority_zero_skew_uses_the_master_interval)
{
    configure(&fsm, 3, 100, 100);
    feed(&fsm, HX_VRRP_IN_START, 0);
    advert(&fsm, 150, 1, 100, 50);
    advert(&fsm, 0, 1, 100, 120);

    cr_assert_eq(hx_vrrp_fsm_next(&fsm), 120 + 60);
}


Test(hx_vrrp_fsm, equal_priority_never_preempts_a_master)
{
    hx_msec_t  t;

    configure(&fsm, 2, 100, 1000);
    feed(&fsm, HX_VRRP_IN_START, 0);

    /* whatever the addresses, a backup defers to an equal master */
    for (t = 1000; t < 30000; t += 1000) {
        advert(&fsm, 100, t % 2000 ? -1 : 1, 0, t);
        feed(&fsm, HX_VRRP_IN_TIMER, t + 500);
        cr_assert_eq(fsm.state, HX_VRRP_BACKUP);
    }
}


Test(hx_vrrp_fsm, higher_priority_backup_preempts_when_its_timer_fires)
{
    hx_uint_t  act;
    hx_msec_t  t;

    configure(&fsm, 2, 150, 1000);
    feed(&fsm, HX_VRRP_IN_START, 0);          /* deadline 3414 */
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), 3414);

    /* a lower priority master keeps advertising: ignored */
    for (t = 500; t < 3414; t += 1000) {
        act = advert(&fsm, 100, 1, 0, t);
        cr_assert_eq(act, HX_VRRP_ACT_LOWER_PRIO);
        cr_assert_eq(hx_vrrp_fsm_next(&fsm), 3414);
    }

    feed(&fsm, HX_VRRP_IN_TIMER, 3414);
    cr_assert_eq(fsm.state, HX_VRRP_MASTER);
}


Test(hx_vrrp_fsm, nopreempt_backup_stays_behind_a_lower_master)
{
    hx_msec_t  t;

    configure(&fsm, 2, 150, 1000);
    fsm.nopreempt = 1;
    feed(&fsm, HX_VRRP_IN_START, 0);

    for (t = 500; t < 60000; t += 1000) {
        cr_assert_eq(advert(&fsm, 100, 1, 0, t), 0);
        feed(&fsm, HX_VRRP_IN_TIMER, t + 999);
        cr_assert_eq(fsm.state, HX_VRRP_BACKUP);
    }

    /* but it takes over when the master goes quiet */
    feed(&fsm, HX_VRRP_IN_TIMER, t - 1000 + 3414);
    cr_assert_eq(fsm.state, HX_VRRP_MASTER);
}


Test(hx_vrrp_fsm, preempt_delay_holds_back_then_lets_go)
{
    hx_msec_t  t;

    configure(&fsm, 2, 150, 1000);
    fsm.preempt_delay = 10000;
    feed(&fsm, HX_VRRP_IN_START, 0);

    /* the first lower advert at 500 starts the delay: until 10500 */
    for (t = 500; t < 10500; t += 1000) {
        advert(&fsm, 100, 1, 0, t);
        cr_assert_eq(hx_vrrp_fsm_next(&fsm), t + 3414, "t %llu",
                     (unsigned long long) t);
    }

    cr_assert_eq(fsm.preempt_at, 10500);

    /* from now on lower adverts are ignored and the timer runs out */
    advert(&fsm, 100, 1, 0, 10500);
    advert(&fsm, 100, 1, 0, 11500);
    advert(&fsm, 100, 1, 0, 12500);
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), 9500 + 3414);

    feed(&fsm, HX_VRRP_IN_TIMER, 12914);
    cr_assert_eq(fsm.state, HX_VRRP_MASTER);
}


Test(hx_vrrp_fsm, preempt_delay_restarts_after_a_higher_master)
{
    configure(&fsm, 2, 150, 1000);
    fsm.preempt_delay = 10000;
    feed(&fsm, HX_VRRP_IN_START, 0);

    advert(&fsm, 100, 1, 0, 500);
    cr_assert_eq(fsm.preempt_at, 10500);

    advert(&fsm, 200, 1, 0, 1500);
    cr_assert_eq(fsm.preempt_at, HX_VRRP_NEVER);

    advert(&fsm, 100, 1, 0, 2500);
    cr_assert_eq(fsm.preempt_at, 12500);
}


Test(hx_vrrp_fsm, master_steps_down_for_a_higher_priority)
{
    hx_uint_t  act;

    configure(&fsm, 2, 100, 1000);
    make_master(&fsm);

    act = advert(&fsm, 101, -1, 0, 9000);

    cr_assert_eq(fsm.state, HX_VRRP_BACKUP);
    cr_assert_eq(fsm.why, HX_VRRP_WHY_HIGHER_PRIO);
    cr_assert_eq(act, HX_VRRP_ACT_DEL_VIPS|HX_VRRP_ACT_STATE);
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), 9000 + 3609);
}


Test(hx_vrrp_fsm, equal_priority_masters_resolve_by_address)
{
    hx_uint_t  act;

    /* the sender's address is lower: we stay and answer */
    configure(&fsm, 2, 100, 1000);
    make_master(&fsm);
    act = advert(&fsm, 100, -1, 0, 9000);
    cr_assert_eq(fsm.state, HX_VRRP_MASTER);
    cr_assert(act & HX_VRRP_ACT_SEND_ADVERT);
    cr_assert(act & HX_VRRP_ACT_LOWER_PRIO);

    /* the sender's address is higher: we yield */
    act = advert(&fsm, 100, 1, 0, 9500);
    cr_assert_eq(fsm.state, HX_VRRP_BACKUP);
    cr_assert_eq(fsm.why, HX_VRRP_WHY_HIGHER_ADDR);
    cr_assert(act & HX_VRRP_ACT_DEL_VIPS);

    /* our own address at our priority: warn, do nothing */
    configure(&fsm, 2, 100, 1000);
    make_master(&fsm);
    act = advert(&fsm, 100, 0, 0, 9000);
    cr_assert_eq(act, HX_VRRP_ACT_SAME_ADDR);
    cr_assert_eq(fsm.state, HX_VRRP_MASTER);
}


Test(hx_vrrp_fsm, master_answers_a_lower_priority_at_once)
{
    hx_uint_t  act;

    configure(&fsm, 2, 200, 1000);
    make_master(&fsm);

    act = advert(&fsm, 100, 1, 0, 9300);

    cr_assert_eq(fsm.state, HX_VRRP_MASTER);
    cr_assert_eq(act, HX_VRRP_ACT_SEND_ADVERT|HX_VRRP_ACT_GARP
                      |HX_VRRP_ACT_LOWER_PRIO);
    cr_assert_eq(fsm.garp_count, 5);
    cr_assert_eq(fsm.timer, 10300, "the advert restarts the interval");
    cr_assert_eq(fsm.garp_at, 14300, "a second burst follows");
}


Test(hx_vrrp_fsm, lower_prio_no_advert_keeps_the_schedule)
{
    hx_uint_t  act;
    hx_msec_t  t;

    configure(&fsm, 2, 200, 1000);
    fsm.lower_prio_no_advert = 1;
    fsm.garp_lower_prio_rep = 0;
    t = make_master(&fsm);

    act = advert(&fsm, 100, 1, 0, t + 300);

    cr_assert_eq(act, HX_VRRP_ACT_LOWER_PRIO);
    cr_assert_eq(fsm.timer, t + 1000);
}


Test(hx_vrrp_fsm, master_answers_priority_zero_and_stays)
{
    hx_uint_t  act;
    hx_msec_t  t;

    configure(&fsm, 2, 100, 1000);
    t = make_master(&fsm);

    act = advert(&fsm, 0, 1, 0, t + 400);

    cr_assert_eq(act, HX_VRRP_ACT_SEND_ADVERT);
    cr_assert_eq(fsm.state, HX_VRRP_MASTER);
    cr_assert_eq(fsm.timer, t + 1400);
}


Test(hx_vrrp_fsm, two_owners_drop_to_254_and_the_higher_one_wins)
{
    hx_vrrp_fsm_t  a, b;
    hx_uint_t      act;

    configure(&a, 2, 255, 1000);
    configure(&b, 2, 255, 1000);
    a.want_master = 1;
    b.want_master = 1;

    feed(&a, HX_VRRP_IN_START, 0);
    feed(&b, HX_VRRP_IN_START, 0);

    /* a (the lower address) hears b */
    act = advert(&a, 255, 1, 0, 10);
    cr_assert(act & HX_VRRP_ACT_OWNER_CLASH);
    cr_assert_eq(a.priority, 254);
    cr_assert_eq(a.state, HX_VRRP_BACKUP);

    /* b hears a's priority-255 advert sent before the clash */
    act = advert(&b, 255, -1, 0, 10);
    cr_assert(act & HX_VRRP_ACT_OWNER_CLASH);
    cr_assert_eq(b.state, HX_VRRP_BACKUP);

    /* both back off; b, with the higher address, wins the next round */
    feed(&a, HX_VRRP_IN_TIMER, hx_vrrp_fsm_next(&a));
    feed(&b, HX_VRRP_IN_TIMER, hx_vrrp_fsm_next(&b));
    cr_assert_eq(a.state, HX_VRRP_MASTER);
    cr_assert_eq(b.state, HX_VRRP_MASTER);

    advert(&a, 254, 1, 0, 5000);
    advert(&b, 254, -1, 0, 5000);
    cr_assert_eq(a.state, HX_VRRP_BACKUP);
    cr_assert_eq(b.state, HX_VRRP_MASTER);
}


Test(hx_vrrp_fsm, v3_backup_adopts_the_master_interval)
{
    configure(&fsm, 3, 100, 1000);
    feed(&fsm, HX_VRRP_IN_START, 0);

    advert(&fsm, 200, 1, 100, 50);

    cr_assert_eq(fsm.master_adver_int, 100);
    cr_assert_eq(fsm.down_interval, 360);
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), 410);

    /* as master again, it advertises its own interval */
    feed(&fsm, HX_VRRP_IN_TIMER, 410);
    cr_assert_eq(fsm.state, HX_VRRP_MASTER);
    cr_assert_eq(fsm.master_adver_int, 1000);
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), 1410);
}


Test(hx_vrrp_fsm, v2_backup_keeps_its_own_interval)
{
    configure(&fsm, 2, 100, 1000);
    feed(&fsm, HX_VRRP_IN_START, 0);

    advert(&fsm, 200, 1, 3000, 50);

    cr_assert_eq(fsm.master_adver_int, 1000);
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), 50 + 3609);
}


Test(hx_vrrp_fsm, fault_from_master_resigns_and_drops_the_vips)
{
    hx_uint_t  act;

    configure(&fsm, 2, 100, 1000);
    make_master(&fsm);

    act = feed(&fsm, HX_VRRP_IN_FAULT, 9000);

    cr_assert_eq(fsm.state, HX_VRRP_FAULT);
    cr_assert_eq(act, HX_VRRP_ACT_SEND_STOP|HX_VRRP_ACT_DEL_VIPS
                      |HX_VRRP_ACT_STATE);
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), HX_VRRP_NEVER);

    /* nothing moves it while faulted */
    cr_assert_eq(advert(&fsm, 50, 1, 0, 9100), 0);
    cr_assert_eq(feed(&fsm, HX_VRRP_IN_TIMER, 20000), 0);
    cr_assert_eq(feed(&fsm, HX_VRRP_IN_FAULT, 20001), 0);
    cr_assert_eq(fsm.state, HX_VRRP_FAULT);

    act = feed(&fsm, HX_VRRP_IN_UP, 30000);
    cr_assert_eq(act, HX_VRRP_ACT_STATE);
    cr_assert_eq(fsm.state, HX_VRRP_BACKUP);
    cr_assert_eq(fsm.why, HX_VRRP_WHY_UP);
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), 33609);
}


Test(hx_vrrp_fsm, fault_from_backup_and_at_start)
{
    hx_uint_t  act;

    configure(&fsm, 2, 100, 1000);
    feed(&fsm, HX_VRRP_IN_START, 0);
    act = feed(&fsm, HX_VRRP_IN_FAULT, 100);
    cr_assert_eq(act, HX_VRRP_ACT_STATE);
    cr_assert_eq(fsm.state, HX_VRRP_FAULT);
    cr_assert_eq(fsm.prev, HX_VRRP_BACKUP);

    configure(&fsm, 2, 255, 1000);
    fsm.want_master = 1;
    feed(&fsm, HX_VRRP_IN_FAULT, 0);
    act = feed(&fsm, HX_VRRP_IN_START, 0);
    cr_assert_eq(fsm.state, HX_VRRP_FAULT);
    cr_assert_eq(act, HX_VRRP_ACT_DEL_VIPS|HX_VRRP_ACT_STATE);

    /* the owner comes up after one interval and its skew */
    act = feed(&fsm, HX_VRRP_IN_UP, 1000);
    cr_assert_eq(fsm.state, HX_VRRP_BACKUP);
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), 1000 + 1000 + 3);
}


Test(hx_vrrp_fsm, stop_resigns_only_from_master)
{
    hx_uint_t  act;

    configure(&fsm, 2, 100, 1000);
    make_master(&fsm);
    act = feed(&fsm, HX_VRRP_IN_STOP, 9000);
    cr_assert_eq(act, HX_VRRP_ACT_SEND_STOP|HX_VRRP_ACT_DEL_VIPS
                      |HX_VRRP_ACT_STATE);
    cr_assert_eq(fsm.state, HX_VRRP_STOPPED);
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), HX_VRRP_NEVER);
    cr_assert_eq(feed(&fsm, HX_VRRP_IN_STOP, 9001), 0);
    cr_assert_eq(feed(&fsm, HX_VRRP_IN_TIMER, 99999), 0);

    configure(&fsm, 2, 100, 1000);
    feed(&fsm, HX_VRRP_IN_START, 0);
    act = feed(&fsm, HX_VRRP_IN_STOP, 100);
    cr_assert_eq(act, HX_VRRP_ACT_STATE);
}


Test(hx_vrrp_fsm, delayed_and_refresh_garp_bursts)
{
    hx_uint_t  act;
    hx_msec_t  t;

    configure(&fsm, 2, 100, 1000);
    fsm.garp_refresh = 3000;
    t = make_master(&fsm);

    cr_assert_eq(fsm.garp_at, t + 5000);

    /* the advert at t+3000 carries a refresh burst of one */
    feed(&fsm, HX_VRRP_IN_TIMER, t + 1000);
    feed(&fsm, HX_VRRP_IN_TIMER, t + 2000);
    act = feed(&fsm, HX_VRRP_IN_TIMER, t + 3000);
    cr_assert_eq(act, HX_VRRP_ACT_SEND_ADVERT|HX_VRRP_ACT_GARP);
    cr_assert_eq(fsm.garp_count, 1);

    /* at t+5000: the delayed burst of five, and no refresh yet */
    feed(&fsm, HX_VRRP_IN_TIMER, t + 4000);
    act = feed(&fsm, HX_VRRP_IN_TIMER, t + 5000);
    cr_assert_eq(act, HX_VRRP_ACT_SEND_ADVERT|HX_VRRP_ACT_GARP);
    cr_assert_eq(fsm.garp_count, 5);

    act = feed(&fsm, HX_VRRP_IN_TIMER, t + 6000);
    cr_assert_eq(fsm.garp_count, 1);
    cr_assert(act & HX_VRRP_ACT_GARP);
}


Test(hx_vrrp_fsm, delayed_garp_wakes_the_master_between_adverts)
{
    hx_msec_t  t;

    configure(&fsm, 2, 100, 2000);
    fsm.garp_delay = 1500;
    t = make_master(&fsm);

    cr_assert_eq(hx_vrrp_fsm_next(&fsm), t + 1500);
    cr_assert_eq(feed(&fsm, HX_VRRP_IN_TIMER, t + 1500), HX_VRRP_ACT_GARP);
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), t + 2000);
}


Test(hx_vrrp_fsm, priority_change_moves_a_backup_deadline)
{
    configure(&fsm, 2, 100, 1000);
    feed(&fsm, HX_VRRP_IN_START, 0);
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), 3609);

    /* priority 50: skew 804 ms, 195 ms later than before */
    cr_assert_eq(set_priority(&fsm, 50, 100), 0);
    cr_assert_eq(fsm.priority, 50);
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), 3804);

    set_priority(&fsm, 200, 100);
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), 3000 + 218);

    /* clamped to 1..254 */
    set_priority(&fsm, 0, 100);
    cr_assert_eq(fsm.priority, 1);
    set_priority(&fsm, 300, 100);
    cr_assert_eq(fsm.priority, 254);
}


Test(hx_vrrp_fsm, owner_priority_never_changes)
{
    configure(&fsm, 2, 255, 1000);
    feed(&fsm, HX_VRRP_IN_START, 0);
    set_priority(&fsm, 100, 10);
    cr_assert_eq(fsm.priority, 255);
}


Test(hx_vrrp_fsm, master_advertises_a_changed_priority)
{
    configure(&fsm, 2, 100, 1000);
    make_master(&fsm);
    set_priority(&fsm, 80, 9000);
    cr_assert_eq(fsm.priority, 80);
    cr_assert_eq(fsm.state, HX_VRRP_MASTER);

    /* a backup at 90 now wins */
    advert(&fsm, 90, -1, 0, 9100);
    cr_assert_eq(fsm.state, HX_VRRP_BACKUP);
}


Test(hx_vrrp_fsm, sync_group_moves_members)
{
    hx_uint_t  act;

    configure(&fsm, 2, 100, 1000);
    feed(&fsm, HX_VRRP_IN_START, 0);

    act = feed(&fsm, HX_VRRP_IN_GOTO_MASTER, 10);
    cr_assert_eq(fsm.state, HX_VRRP_MASTER);
    cr_assert_eq(fsm.why, HX_VRRP_WHY_SYNC);
    cr_assert(act & HX_VRRP_ACT_ADD_VIPS);

    act = feed(&fsm, HX_VRRP_IN_GOTO_BACKUP, 20);
    cr_assert_eq(fsm.state, HX_VRRP_BACKUP);
    cr_assert(act & HX_VRRP_ACT_DEL_VIPS);
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), 20 + 3609);
}


Test(hx_vrrp_fsm, takeover_starts_as_master_without_waiting)
{
    hx_uint_t  act;

    /* a binary upgrade: the old binary held the VIPs a moment ago */
    configure(&fsm, 2, 100, 1000);
    act = feed(&fsm, HX_VRRP_IN_TAKEOVER, 500);

    cr_assert_eq(fsm.state, HX_VRRP_MASTER);
    cr_assert_eq(fsm.why, HX_VRRP_WHY_HANDOVER);
    cr_assert(act & HX_VRRP_ACT_SEND_ADVERT);
    cr_assert(!(act & HX_VRRP_ACT_DEL_VIPS), "the VIPs never leave");
    cr_assert_eq(hx_vrrp_fsm_next(&fsm), 1500);

    /* but a faulted instance does not take anything over */
    configure(&fsm, 2, 100, 1000);
    feed(&fsm, HX_VRRP_IN_FAULT, 0);
    feed(&fsm, HX_VRRP_IN_TAKEOVER, 500);
    cr_assert_eq(fsm.state, HX_VRRP_FAULT);

    /* outside INIT it means nothing */
    configure(&fsm, 2, 100, 1000);
    feed(&fsm, HX_VRRP_IN_START, 0);
    cr_assert_eq(feed(&fsm, HX_VRRP_IN_TAKEOVER, 10), 0);
    cr_assert_eq(fsm.state, HX_VRRP_BACKUP);
}


Test(hx_vrrp_fsm, names_are_keepalived_words)
{
    cr_assert_str_eq(hx_vrrp_state_name(HX_VRRP_MASTER), "MASTER");
    cr_assert_str_eq(hx_vrrp_state_name(HX_VRRP_BACKUP), "BACKUP");
    cr_assert_str_eq(hx_vrrp_state_name(HX_VRRP_FAULT), "FAULT");
    cr_assert_str_eq(hx_vrrp_state_name(HX_VRRP_INIT), "INIT");
    cr_assert_str_eq(hx_vrrp_state_name(HX_VRRP_STOPPED), "STOP");
    cr_assert_str_eq(hx_vrrp_state_name(42), "UNKNOWN");
    cr_assert_str_eq(hx_vrrp_why_text(HX_VRRP_WHY_MASTER_DOWN),
                     "no advertisement within the master down interval");
}


/* ---- several machines on one simulated segment ---- */

#define SIM_NODES  3


typedef struct {
    hx_vrrp_fsm_t        fsm;
    hx_uint_t            alive;
    hx_uint_t            vips;         /* holds the VIPs */
    hx_uint_t            adverts;
} sim_node_t;


static sim_node_t  sim[SIM_NODES];
static hx_uint_t   sim_n;


static void sim_deliver(hx_uint_t from, hx_uint_t prio, hx_msec_t now);


static void
sim_act(hx_uint_t i, hx_uint_t act, hx_msec_t now)
{
    sim_node_t  *n = &sim[i];

    if (act & HX_VRRP_ACT_SEND_STOP) {
        sim_deliver(i, 0, now);
    }

    if (act & HX_VRRP_ACT_SEND_ADVERT) {
        n->adverts++;
        sim_deliver(i, n->fsm.priority, now);
    }

    if (act & HX_VRRP_ACT_DEL_VIPS) {
        n->vips = 0;
    }

    if (act & HX_VRRP_ACT_ADD_VIPS) {
        n->vips = 1;
    }
}


/* node index is the address: a higher index is a higher address */
static void
sim_deliver(hx_uint_t from, hx_uint_t prio, hx_msec_t now)
{
    hx_uint_t        i, act;
    hx_vrrp_input_t  in;

    for (i = 0; i < sim_n; i++) {
        if (i == from || !sim[i].alive) {
            continue;
        }

        hx_memzero(&in, sizeof(in));
        in.type = HX_VRRP_IN_ADVERT;
        in.priority = prio;
        in.adver_int = sim[from].fsm.adver_int;
        in.addr_cmp = from > i ? 1 : -1;

        act = hx_vrrp_fsm_step(&sim[i].fsm, &in, now);
        sim_act(i, act, now);
    }
}


static void
sim_start(hx_uint_t i, hx_msec_t now)
{
    sim[i].alive = 1;
    hx_vrrp_fsm_init(&sim[i].fsm);
    sim_act(i, feed(&sim[i].fsm, HX_VRRP_IN_START, now), now);
}


static void
sim_run(hx_msec_t from, hx_msec_t to)
{
    hx_uint_t  i;
    hx_msec_t  t;

    for (t = from; t < to; t++) {
        for (i = 0; i < sim_n; i++) {
            if (sim[i].alive && hx_vrrp_fsm_next(&sim[i].fsm) <= t) {
                sim_act(i, feed(&sim[i].fsm, HX_VRRP_IN_TIMER, t), t);
            }
        }
    }
}


/* the first ms in [from, to) at which node i holds the VIPs */
static hx_msec_t
sim_until_master(hx_uint_t i, hx_msec_t from, hx_msec_t to)
{
    hx_msec_t  t;

    for (t = from; t < to; t++) {
        sim_run(t, t + 1);

        if (sim[i].vips) {
            return t;
        }
    }

    return HX_VRRP_NEVER;
}


static hx_uint_t
sim_masters(void)
{
    hx_uint_t  i, n;

    for (n = 0, i = 0; i < sim_n; i++) {
        n += sim[i].alive && sim[i].fsm.state == HX_VRRP_MASTER;
    }

    return n;
}


Test(hx_vrrp_fsm, segment_elects_the_highest_priority)
{
    sim_n = 3;
    hx_memzero(sim, sizeof(sim));
    configure(&sim[0].fsm, 2, 100, 1000);
    configure(&sim[1].fsm, 2, 150, 1000);
    configure(&sim[2].fsm, 2, 50, 1000);

    sim_start(0, 0);
    sim_start(1, 0);
    sim_start(2, 0);
    sim_run(0, 20000);

    cr_assert_eq(sim_masters(), 1);
    cr_assert_eq(sim[1].fsm.state, HX_VRRP_MASTER);
    cr_assert(sim[1].vips && !sim[0].vips && !sim[2].vips);
}


Test(hx_vrrp_fsm, segment_takes_over_within_the_down_interval)
{
    hx_msec_t  killed, last, t;

    sim_n = 2;
    hx_memzero(sim, sizeof(sim));
    configure(&sim[0].fsm, 3, 200, 100);
    configure(&sim[1].fsm, 3, 100, 100);
    sim_start(0, 0);
    sim_start(1, 0);
    sim_run(0, 5000);
    cr_assert_eq(sim[0].fsm.state, HX_VRRP_MASTER);

    /* SIGKILL: the master just stops; its last advert was at "last" */
    last = sim[0].fsm.timer - 100;
    killed = 5000;
    sim[0].alive = 0;
    sim[0].vips = 0;

    t = sim_until_master(1, killed, killed + 2000);

    /* 3 x 100 ms + (256 - 100) x 100 / 256 ms after the last advert */
    cr_assert_eq(t, last + 360, "took over at %llu, last advert %llu",
                 (unsigned long long) t, (unsigned long long) last);
    cr_assert_lt(t - killed, 400);
}


Test(hx_vrrp_fsm, segment_graceful_stop_hands_over_within_the_skew)
{
    hx_msec_t  t;
    hx_uint_t  act;

    sim_n = 2;
    hx_memzero(sim, sizeof(sim));
    configure(&sim[0].fsm, 2, 200, 1000);
    configure(&sim[1].fsm, 2, 100, 1000);
    sim_start(0, 0);
    sim_start(1, 0);
    sim_run(0, 10000);

    act = feed(&sim[0].fsm, HX_VRRP_IN_STOP, 10000);
    sim_act(0, act, 10000);
    sim[0].alive = 0;
    cr_assert(!sim[0].vips);

    t = sim_until_master(1, 10000, 20000);
    cr_assert_eq(t, 10000 + 609);
}


Test(hx_vrrp_fsm, segment_preemption_and_nopreempt)
{
    sim_n = 2;
    hx_memzero(sim, sizeof(sim));
    configure(&sim[0].fsm, 2, 200, 1000);
    configure(&sim[1].fsm, 2, 100, 1000);

    /* the low one starts alone and becomes master */
    sim_start(1, 0);
    sim_run(0, 5000);
    cr_assert_eq(sim[1].fsm.state, HX_VRRP_MASTER);

    /* the high one joins and preempts after its own down interval */
    sim_start(0, 5000);
    sim_run(5000, 5000 + 3000 + 218);
    cr_assert_eq(sim[1].fsm.state, HX_VRRP_MASTER);
    sim_run(5000 + 3218, 5000 + 3219);
    cr_assert_eq(sim[0].fsm.state, HX_VRRP_MASTER);
    cr_assert_eq(sim[1].fsm.state, HX_VRRP_BACKUP);
    cr_assert(!sim[1].vips);

    /* the same with nopreempt: the high one stays backup */
    hx_memzero(sim, sizeof(sim));
    configure(&sim[0].fsm, 2, 200, 1000);
    configure(&sim[1].fsm, 2, 100, 1000);
    sim[0].fsm.nopreempt = 1;
    sim_start(1, 0);
    sim_run(0, 5000);
    sim_start(0, 5000);
    sim_run(5000, 60000);
    cr_assert_eq(sim[1].fsm.state, HX_VRRP_MASTER);
    cr_assert_eq(sim[0].fsm.state, HX_VRRP_BACKUP);
    cr_assert_eq(sim_masters(), 1);
}


Test(hx_vrrp_fsm, segment_equal_priorities_elect_one_master)
{
    sim_n = 3;
    hx_memzero(sim, sizeof(sim));
    configure(&sim[0].fsm, 2, 100, 1000);
    configure(&sim[1].fsm, 2, 100, 1000);
    configure(&sim[2].fsm, 2, 100, 1000);
    sim[0].fsm.want_master = 1;
    sim[1].fsm.want_master = 1;
    sim[2].fsm.want_master = 1;

    sim_start(0, 0);
    sim_start(1, 0);
    sim_start(2, 0);
    sim_run(0, 30000);

    /* all time out in the same millisecond; the first to speak wins */
    cr_assert_eq(sim_masters(), 1);

    /* a split segment heals with two masters: the higher address stays */
    sim[0].fsm.state = HX_VRRP_MASTER;
    sim[0].vips = 1;
    sim[0].fsm.timer = 30000;
    sim[1].fsm.state = HX_VRRP_BACKUP;
    sim[1].fsm.timer = HX_VRRP_NEVER;
    sim[2].fsm.state = HX_VRRP_MASTER;
    sim[2].vips = 1;
    sim[2].fsm.timer = 30000;
    sim_run(30000, 40000);
    cr_assert_eq(sim_masters(), 1);
    cr_assert_eq(sim[2].fsm.state, HX_VRRP_MASTER);
    cr_assert(!sim[0].vips);
}

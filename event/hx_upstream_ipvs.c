/*
 * keepalived's lb_algo, the schedulers of the kernel's IPVS, for the ha
 * module's virtual_server forwarded in user space.  Each follows the
 * documented IPVS behaviour so that a keepalived.conf moved to hanx
 * spreads connections the same way:
 *
 * rr   the next available real server after the last one chosen
 * wrr  interleaved weighted round robin: passes over the list with a
 *      required weight that starts at the highest weight and drops by
 *      the weights' gcd each pass (4,3,2 give a a b a b c a b c)
 * lc   fewest connections; wlc fewest per weight; sed fewest
 *      (connections + 1) per weight; nq an idle server if there is one,
 *      else sed; fo the highest weight; ovf the highest weight that has
 *      no more connections than its weight.  Ties go to the first.
 * sh   a 256-bucket table of real servers, each holding "weight"
 *      consecutive buckets in turn, indexed by the client address
 * dh   the same without weights, indexed by the destination address
 * mh   Maglev hashing: each server's preference list over a 65521-slot
 *      table (offset and skip from hashes of its address), filled in
 *      turns proportional to weight; removing a server moves little more
 *      than its own slots.
 *
 * Connections are counted as hanx sees them (in progress), where IPVS
 * weighs active and inactive ones; with a zone, all workers share the
 * counts.  A server taken out by a checker leaves the tables (they are
 * rebuilt, as IPVS reassigns on a removed destination); one inhibited
 * (weight 0) keeps its buckets but is never chosen.  With the
 * HX_UPSTREAM_HASH_FALLBACK option (sh-fallback, mh-fallback) sh and mh
 * probe further slots instead of giving up; HX_UPSTREAM_HASH_PORT mixes
 * the client port in.  When no real server can be used the backup group
 * (the sorry server) is tried.
 *
 * lblc and lblcr are refused: they balance by destination address,
 * which for a listener on VIP:port is always the VIP, so in user space
 * they could only ever pick one server.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_upstream_peer.h>


#define HX_UPSTREAM_NO_PEER   0xffff

/* Maglev: how many bits of weight/gcd a server's turns may use */
#define HX_UPSTREAM_MH_TURN_BITS  6


typedef hx_int_t (*hx_upstream_ipvs_pick_pt)(hx_upstream_peer_data_t *pd,
    time_t now);


typedef struct {
    hx_uint_t                 size;
    uint16_t                 *slot;      /* peer index or NO_PEER */

    /* Maglev's scratch, sized at configuration time */
    uint32_t                 *offset;
    uint32_t                 *skip;
    uint32_t                 *perm;
    hx_uint_t                *turns;
    uintptr_t                *taken;
} hx_upstream_ipvs_table_t;


static hx_int_t hx_upstream_ipvs_get(hx_peer_connection_t *pc,
    hx_upstream_peer_data_t *pd, hx_upstream_ipvs_pick_pt pick);
static hx_int_t hx_upstream_ipvs_init_table(hx_conf_t *cf, hx_upstream_t *us,
    hx_uint_t size);
static void hx_upstream_ipvs_build(hx_upstream_t *us);
static void hx_upstream_sh_build(hx_upstream_ipvs_table_t *t,
    hx_upstream_peers_t *peers);
static void hx_upstream_dh_build(hx_upstream_ipvs_table_t *t,
    hx_upstream_peers_t *peers);
static void hx_upstream_mh_build(hx_upstream_ipvs_table_t *t,
    hx_upstream_peers_t *peers);


#define HX_UPSTREAM_IPVS_FLAGS                                                \
    (HX_UPSTREAM_WEIGHT|HX_UPSTREAM_MAX_CONNS|HX_UPSTREAM_MAX_FAILS           \
     |HX_UPSTREAM_FAIL_TIMEOUT|HX_UPSTREAM_DOWN|HX_UPSTREAM_BACKUP)


/* usable for this connection: available and not tried before */
#define hx_upstream_ipvs_ok(pd, i, now)                                       \
    (!hx_upstream_is_tried(pd, i)                                             \
     && hx_upstream_peer_available(&(pd)->peers->peer[i], now))


static hx_uint_t
hx_upstream_gcd(hx_uint_t a, hx_uint_t b)
{
    hx_uint_t  t;

    while (b) {
        t = a % b;
        a = b;
        b = t;
    }

    return a;
}


/* ---- the list schedulers ------------------------------------------- */

static hx_int_t
hx_upstream_pick_rr(hx_upstream_peer_data_t *pd, time_t now)
{
    hx_int_t              i, k, n;
    hx_upstream_peers_t  *peers;

    peers = pd->peers;
    n = peers->number;

    for (k = 1; k <= n; k++) {
        i = (peers->ipvs_last + k) % n;

        if (hx_upstream_ipvs_ok(pd, i, now)) {
            peers->ipvs_last = i;
            return i;
        }
    }

    return -1;
}


static hx_int_t
hx_upstream_pick_wrr(hx_upstream_peer_data_t *pd, time_t now)
{
    hx_int_t              cl, cw, mw, di, n, w;
    hx_uint_t             i, g, step, limit;
    hx_upstream_peers_t  *peers;

    peers = pd->peers;
    n = peers->number;

    g = 0;
    mw = 0;

    for (i = 0; i < peers->number; i++) {
        w = peers->peer[i].weight;

        if (!hx_upstream_peer_member(&peers->peer[i]) || w <= 0) {
            continue;
        }

        g = g ? hx_upstream_gcd(w, g) : (hx_uint_t) w;
        mw = hx_max(mw, w);
    }

    if (mw == 0) {
        return -1;
    }

    di = g;

    /* the last pass asks for weight 1, catching weights below di */
    mw -= di - 1;

    cw = peers->wrr_cw;

    if (peers->wrr_generation != peers->generation
        || peers->wrr_mw != mw
        || peers->wrr_di != di
        || cw == 0)
    {
        /* the list changed: start over from its head, as IPVS does */
        peers->ipvs_last = -1;

        if (cw > mw || cw == 0) {
            cw = mw;

        } else if (di > 1) {
            cw = (cw / di) * di + 1;
        }

        peers->wrr_generation = peers->generation;
        peers->wrr_mw = mw;
        peers->wrr_di = di;
    }

    cl = peers->ipvs_last;

    /* every pass over every server, and one more */
    limit = (hx_uint_t) n * (mw / di + 2);

    for (step = 0; step < limit; step++) {
        cl++;

        if (cl >= n) {
            cl = 0;
            cw -= di;

            if (cw <= 0) {
                cw = mw;
            }
        }

        if (hx_upstream_ipvs_ok(pd, cl, now)
            && peers->peer[cl].weight >= cw)
        {
            peers->ipvs_last = cl;
            peers->wrr_cw = cw;
            return cl;
        }
    }

    return -1;
}


static hx_int_t
hx_upstream_pick_lc(hx_upstream_peer_data_t *pd, time_t now)
{
    hx_int_t              least;
    hx_uint_t             i;
    hx_upstream_peers_t  *peers;

    peers = pd->peers;
    least = -1;

    for (i = 0; i < peers->number; i++) {
        if (!hx_upstream_ipvs_ok(pd, i, now)) {
            continue;
        }

        if (least < 0 || peers->peer[i].conns < peers->peer[least].conns) {
            least = i;
        }
    }

    return least;
}


/*
 * The least loaded by (conns + extra) / weight, compared by cross
 * multiplication; extra 0 is wlc, 1 is sed.
 */
static hx_int_t
hx_upstream_pick_weighted(hx_upstream_peer_data_t *pd, time_t now,
    hx_uint_t extra)
{
    hx_int_t              least;
    hx_uint_t             i;
    hx_upstream_peer_t   *p, *l;
    hx_upstream_peers_t  *peers;

    peers = pd->peers;
    least = -1;

    for (i = 0; i < peers->number; i++) {
        if (!hx_upstream_ipvs_ok(pd, i, now)) {
            continue;
        }

        p = &peers->peer[i];

        if (least < 0) {
            least = i;
            continue;
        }

        l = &peers->peer[least];

        if ((uint64_t) (l->conns + extra) * p->weight
            > (uint64_t) (p->conns + extra) * l->weight)
        {
            least = i;
        }
    }

    return least;
}


static hx_int_t
hx_upstream_pick_wlc(hx_upstream_peer_data_t *pd, time_t now)
{
    return hx_upstream_pick_weighted(pd, now, 0);
}


static hx_int_t
hx_upstream_pick_sed(hx_upstream_peer_data_t *pd, time_t now)
{
    return hx_upstream_pick_weighted(pd, now, 1);
}


static hx_int_t
hx_upstream_pick_nq(hx_upstream_peer_data_t *pd, time_t now)
{
    hx_uint_t             i;
    hx_upstream_peers_t  *peers;

    peers = pd->peers;

    for (i = 0; i < peers->number; i++) {
        if (hx_upstream_ipvs_ok(pd, i, now) && peers->peer[i].conns == 0) {
            return i;
        }
    }

    return hx_upstream_pick_weighted(pd, now, 1);
}


/* the highest weight; ovf skips servers with more conns than weight */
static hx_int_t
hx_upstream_pick_heaviest(hx_upstream_peer_data_t *pd, time_t now,
    hx_uint_t overflow)
{
    hx_int_t              best;
    hx_uint_t             i;
    hx_upstream_peer_t   *p;
    hx_upstream_peers_t  *peers;

    peers = pd->peers;
    best = -1;

    for (i = 0; i < peers->number; i++) {
        if (!hx_upstream_ipvs_ok(pd, i, now)) {
            continue;
        }

        p = &peers->peer[i];

        if (overflow && p->conns > (hx_uint_t) p->weight) {
            continue;
        }

        if (best < 0 || p->weight > peers->peer[best].weight) {
            best = i;
        }
    }

    return best;
}


static hx_int_t
hx_upstream_pick_fo(hx_upstream_peer_data_t *pd, time_t now)
{
    return hx_upstream_pick_heaviest(pd, now, 0);
}


static hx_int_t
hx_upstream_pick_ovf(hx_upstream_peer_data_t *pd, time_t now)
{
    return hx_upstream_pick_heaviest(pd, now, 1);
}


/* ---- the hashing schedulers ---------------------------------------- */

/* an address as IPVS folds it: IPv4 as is, IPv6 words xored; host order */
static uint32_t
hx_upstream_ipvs_fold(struct sockaddr *sa)
{
    uint32_t              a;
    struct sockaddr_in6  *sin6;

    if (sa == NULL) {
        return 0;
    }

    if (sa->sa_family == AF_INET) {
        return ntohl(((struct sockaddr_in *) sa)->sin_addr.s_addr);
    }

    if (sa->sa_family == AF_INET6) {
        sin6 = (struct sockaddr_in6 *) sa;
        a = sin6->sin6_addr.s6_addr32[0] ^ sin6->sin6_addr.s6_addr32[1]
            ^ sin6->sin6_addr.s6_addr32[2] ^ sin6->sin6_addr.s6_addr32[3];
        return ntohl(a);
    }

    return 0;
}


static uint32_t
hx_upstream_ipvs_port(hx_upstream_peer_data_t *pd)
{
    if (!(pd->upstream->balancer_flags & HX_UPSTREAM_HASH_PORT)
        || pd->sel.client == NULL)
    {
        return 0;
    }

    return hx_inet_get_port(pd->sel.client);
}


/* IPVS's multiplicative hash into a 256-bucket table */
static hx_uint_t
hx_upstream_ipvs_bucket(uint32_t addr, uint32_t port, uint32_t offset)
{
    return (offset + (port + addr) * 2654435761u) & (HX_UPSTREAM_SH_SIZE - 1);
}


static hx_int_t
hx_upstream_pick_sh(hx_upstream_peer_data_t *pd, time_t now)
{
    uint32_t                   addr, port;
    hx_uint_t                  i, ihash, offset;
    hx_upstream_ipvs_table_t  *t;

    t = pd->upstream->balancer_data;

    addr = hx_upstream_ipvs_fold(pd->sel.client);
    port = hx_upstream_ipvs_port(pd);

    ihash = hx_upstream_ipvs_bucket(addr, port, 0);
    i = t->slot[ihash];

    if (i == HX_UPSTREAM_NO_PEER) {
        return -1;
    }

    if (hx_upstream_ipvs_ok(pd, i, now)) {
        return i;
    }

    if (!(pd->upstream->balancer_flags & HX_UPSTREAM_HASH_FALLBACK)) {
        return -1;
    }

    /* start from the original bucket so the detour is deterministic */
    for (offset = 0; offset < HX_UPSTREAM_SH_SIZE; offset++) {
        i = t->slot[hx_upstream_ipvs_bucket(addr, port,
                                   (offset + ihash) % HX_UPSTREAM_SH_SIZE)];

        if (i == HX_UPSTREAM_NO_PEER) {
            break;
        }

        if (hx_upstream_ipvs_ok(pd, i, now)) {
            return i;
        }
    }

    return -1;
}


static hx_int_t
hx_upstream_pick_dh(hx_upstream_peer_data_t *pd, time_t now)
{
    hx_uint_t                  i;
    hx_upstream_ipvs_table_t  *t;

    t = pd->upstream->balancer_data;

    i = t->slot[hx_upstream_ipvs_bucket(hx_upstream_ipvs_fold(pd->sel.local),
                                        0, 0)];

    if (i == HX_UPSTREAM_NO_PEER || !hx_upstream_ipvs_ok(pd, i, now)) {
        return -1;
    }

    return i;
}


/* murmur3's finaliser: every input bit reaches every output bit */
static uint32_t
hx_upstream_mix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;

    return h;
}


/* a seeded hash of an address's bytes (and port when wanted) */
static uint32_t
hx_upstream_mh_hash(struct sockaddr *sa, hx_uint_t with_port, uint32_t seed)
{
    size_t     i, len;
    uint8_t   *p;
    uint32_t   h;
    in_port_t  port;

    h = seed ^ 2166136261u;

    if (sa == NULL) {
        return hx_upstream_mix32(h);
    }

    if (sa->sa_family == AF_INET6) {
        p = ((struct sockaddr_in6 *) sa)->sin6_addr.s6_addr;
        len = 16;

    } else if (sa->sa_family == AF_INET) {
        p = (uint8_t *) &((struct sockaddr_in *) sa)->sin_addr.s_addr;
        len = 4;

    } else {
        len = 0;
        p = NULL;
    }

    for (i = 0; i < len; i++) {
        h = (h ^ p[i]) * 16777619u;
    }

    if (with_port) {
        port = hx_inet_get_port(sa);
        h = (h ^ (port >> 8)) * 16777619u;
        h = (h ^ (port & 0xff)) * 16777619u;
    }

    return hx_upstream_mix32(h);
}


#define HX_UPSTREAM_MH_SEED_OFFSET  0x9e3779b9u
#define HX_UPSTREAM_MH_SEED_SKIP    0x7f4a7c15u
#define HX_UPSTREAM_MH_SEED_LOOKUP  0x2545f491u


static hx_int_t
hx_upstream_pick_mh(hx_upstream_peer_data_t *pd, time_t now)
{
    uint32_t                   base;
    hx_uint_t                  i, j, ihash, offset, any;
    hx_upstream_peers_t       *peers;
    hx_upstream_ipvs_table_t  *t;

    t = pd->upstream->balancer_data;
    peers = pd->peers;

    base = hx_upstream_mh_hash(pd->sel.client,
                        pd->upstream->balancer_flags & HX_UPSTREAM_HASH_PORT,
                        HX_UPSTREAM_MH_SEED_LOOKUP);

    ihash = base % t->size;
    i = t->slot[ihash];

    if (i == HX_UPSTREAM_NO_PEER) {
        return -1;
    }

    if (hx_upstream_ipvs_ok(pd, i, now)) {
        return i;
    }

    if (!(pd->upstream->balancer_flags & HX_UPSTREAM_HASH_FALLBACK)) {
        return -1;
    }

    /* the walk below ends only on a hit: make sure one exists */
    any = 0;

    for (j = 0; j < peers->number; j++) {
        if (hx_upstream_ipvs_ok(pd, j, now)) {
            any = 1;
            break;
        }
    }

    if (!any) {
        return -1;
    }

    for (offset = 0; offset < t->size; offset++) {
        i = t->slot[hx_upstream_mix32(base + (offset + ihash) % t->size)
                    % t->size];

        if (i != HX_UPSTREAM_NO_PEER && hx_upstream_ipvs_ok(pd, i, now)) {
            return i;
        }
    }

    return -1;
}


/* ---- tables -------------------------------------------------------- */

static hx_int_t
hx_upstream_init_sh(hx_conf_t *cf, hx_upstream_t *us)
{
    return hx_upstream_ipvs_init_table(cf, us, HX_UPSTREAM_SH_SIZE);
}


static hx_int_t
hx_upstream_init_dh(hx_conf_t *cf, hx_upstream_t *us)
{
    return hx_upstream_ipvs_init_table(cf, us, HX_UPSTREAM_DH_SIZE);
}


static hx_int_t
hx_upstream_init_mh(hx_conf_t *cf, hx_upstream_t *us)
{
    return hx_upstream_ipvs_init_table(cf, us, HX_UPSTREAM_MH_SIZE);
}


static hx_int_t
hx_upstream_ipvs_init_table(hx_conf_t *cf, hx_upstream_t *us,
    hx_uint_t size)
{
    hx_uint_t                  n;
    hx_upstream_ipvs_table_t  *t;

    n = us->peers->number;

    if (n >= HX_UPSTREAM_NO_PEER) {
        hx_log_error(HX_LOG_EMERG, cf->log, 0,
                     "too many servers in upstream \"%V\" in %s:%ui",
                     &us->name, us->file_name, us->line);
        return HX_ERROR;
    }

    t = hx_pcalloc(cf->pool, sizeof(hx_upstream_ipvs_table_t));
    if (t == NULL) {
        return HX_ERROR;
    }

    t->size = size;
    t->slot = hx_palloc(cf->pool, size * sizeof(uint16_t));

    if (t->slot == NULL) {
        return HX_ERROR;
    }

    if (size == HX_UPSTREAM_MH_SIZE) {
        t->offset = hx_palloc(cf->pool, n * sizeof(uint32_t));
        t->skip = hx_palloc(cf->pool, n * sizeof(uint32_t));
        t->perm = hx_palloc(cf->pool, n * sizeof(uint32_t));
        t->turns = hx_palloc(cf->pool, n * sizeof(hx_uint_t));
        t->taken = hx_palloc(cf->pool,
                             (size + HX_UPSTREAM_TRIED_BITS - 1)
                             / HX_UPSTREAM_TRIED_BITS * sizeof(uintptr_t));

        if (t->offset == NULL || t->skip == NULL || t->perm == NULL
            || t->turns == NULL || t->taken == NULL)
        {
            return HX_ERROR;
        }
    }

    us->balancer_data = t;

    hx_upstream_ipvs_build(us);

    return HX_OK;
}


/* (re)fills the table from the members in force; group lock held */
static void
hx_upstream_ipvs_build(hx_upstream_t *us)
{
    hx_upstream_ipvs_table_t  *t;

    t = us->balancer_data;

    if (us->balancer == &hx_upstream_ipvs_sh) {
        hx_upstream_sh_build(t, us->peers);

    } else if (us->balancer == &hx_upstream_ipvs_dh) {
        hx_upstream_dh_build(t, us->peers);

    } else {
        hx_upstream_mh_build(t, us->peers);
    }

    us->generation = us->peers->generation;
}


/* the members in turn, each for "weight" buckets (at least one) */
static void
hx_upstream_sh_build(hx_upstream_ipvs_table_t *t, hx_upstream_peers_t *peers)
{
    hx_int_t   count;
    hx_uint_t  b, p, n, members;

    members = 0;

    for (p = 0; p < peers->number; p++) {
        members += hx_upstream_peer_member(&peers->peer[p]);
    }

    p = 0;
    count = 0;
    n = peers->number;

    for (b = 0; b < t->size; b++) {

        if (members == 0) {
            t->slot[b] = HX_UPSTREAM_NO_PEER;
            continue;
        }

        while (!hx_upstream_peer_member(&peers->peer[p])) {
            p = (p + 1) % n;
        }

        t->slot[b] = (uint16_t) p;

        if (++count >= peers->peer[p].weight) {
            p = (p + 1) % n;
            count = 0;
        }
    }
}


/* the members in turn, one bucket each */
static void
hx_upstream_dh_build(hx_upstream_ipvs_table_t *t, hx_upstream_peers_t *peers)
{
    hx_uint_t  b, p, n, members;

    members = 0;

    for (p = 0; p < peers->number; p++) {
        members += hx_upstream_peer_member(&peers->peer[p]);
    }

    p = 0;
    n = peers->number;

    for (b = 0; b < t->size; b++) {

        if (members == 0) {
            t->slot[b] = HX_UPSTREAM_NO_PEER;
            continue;
        }

        while (!hx_upstream_peer_member(&peers->peer[p])) {
            p = (p + 1) % n;
        }

        t->slot[b] = (uint16_t) p;
        p = (p + 1) % n;
    }
}


/*
 * Maglev population: members take turns claiming the next free slot of
 * their own permutation (offset, offset + skip, ... mod size), a member
 * with twice the weight claiming twice per round.  An inhibited member
 * keeps its configured weight here, so inhibiting does not reshuffle.
 */
static void
hx_upstream_mh_build(hx_upstream_ipvs_table_t *t, hx_upstream_peers_t *peers)
{
    hx_int_t             w;
    hx_uint_t            i, c, g, mw, shift, filled, round, words;
    hx_upstream_peer_t  *peer;

    g = 0;
    mw = 0;

    for (i = 0; i < peers->number; i++) {
        peer = &peers->peer[i];
        w = peer->weight > 0 ? peer->weight : peer->conf_weight;

        t->turns[i] = 0;

        if (!hx_upstream_peer_member(peer) || w <= 0) {
            continue;
        }

        t->turns[i] = w;
        g = g ? hx_upstream_gcd(w, g) : (hx_uint_t) w;
        mw = hx_max(mw, (hx_uint_t) w);
    }

    for (c = 0; c < t->size; c++) {
        t->slot[c] = HX_UPSTREAM_NO_PEER;
    }

    if (g == 0) {
        return;
    }

    /* keep turns small: a round must not take a large part of the table */
    shift = 0;

    while ((mw / g) >> shift >= (1u << HX_UPSTREAM_MH_TURN_BITS)) {
        shift++;
    }

    for (i = 0; i < peers->number; i++) {
        if (t->turns[i] == 0) {
            continue;
        }

        t->turns[i] = (t->turns[i] / g) >> shift;

        if (t->turns[i] == 0) {
            t->turns[i] = 1;
        }

        peer = &peers->peer[i];

        t->offset[i] = hx_upstream_mh_hash(peer->sockaddr, 1,
                                           HX_UPSTREAM_MH_SEED_OFFSET)
                       % t->size;
        t->skip[i] = hx_upstream_mh_hash(peer->sockaddr, 1,
                                         HX_UPSTREAM_MH_SEED_SKIP)
                     % (t->size - 1) + 1;
        t->perm[i] = t->offset[i];
    }

    words = (t->size + HX_UPSTREAM_TRIED_BITS - 1) / HX_UPSTREAM_TRIED_BITS;
    hx_memzero(t->taken, words * sizeof(uintptr_t));

    filled = 0;

    while (filled < t->size) {
        for (i = 0; i < peers->number && filled < t->size; i++) {

            for (round = 0; round < t->turns[i] && filled < t->size; round++)
            {
                c = t->perm[i];

                while (t->taken[c / HX_UPSTREAM_TRIED_BITS]
                       & ((uintptr_t) 1 << (c % HX_UPSTREAM_TRIED_BITS)))
                {
                    c += t->skip[i];

                    if (c >= t->size) {
                        c -= t->size;
                    }
                }

                t->perm[i] = c;
                t->taken[c / HX_UPSTREAM_TRIED_BITS]
                    |= (uintptr_t) 1 << (c % HX_UPSTREAM_TRIED_BITS);
                t->slot[c] = (uint16_t) i;
                filled++;
            }
        }
    }
}


/* ---- get ----------------------------------------------------------- */

/*
 * The frame every IPVS scheduler shares: rebuild a stale table, pick,
 * record; the backup group (sorry server) by round robin when the pick
 * finds nobody.
 */
static hx_int_t
hx_upstream_ipvs_get(hx_peer_connection_t *pc, hx_upstream_peer_data_t *pd,
    hx_upstream_ipvs_pick_pt pick)
{
    time_t                now;
    hx_int_t              i;
    hx_upstream_t        *us;
    hx_upstream_peers_t  *peers;

    peers = pd->peers;

    if (peers->backup) {
        return hx_upstream_get_round_robin_peer(pc, pd);
    }

    us = pd->upstream;
    now = hx_time();

    hx_upstream_lock(peers);

    if (us->balancer_data && us->generation != peers->generation) {
        hx_upstream_ipvs_build(us);
    }

    i = pick(pd, now);

    if (i >= 0) {
        hx_upstream_use_peer(pc, pd, i, now);
        hx_upstream_unlock(peers);

        hx_log_debug(HX_LOG_DEBUG_EVENT, pc->log, 0,
                     "ipvs %V peer: %V", &us->balancer->name, pc->name);
        return HX_OK;
    }

    hx_upstream_unlock(peers);

    if (hx_upstream_switch_to_backup(pd)) {
        return hx_upstream_get_round_robin_peer(pc, pd);
    }

    pc->name = peers->name;

    return HX_BUSY;
}


#define hx_upstream_ipvs_getter(algo)                                         \
    static hx_int_t                                                           \
    hx_upstream_get_##algo##_peer(hx_peer_connection_t *pc, void *data)       \
    {                                                                         \
        return hx_upstream_ipvs_get(pc, data, hx_upstream_pick_##algo);       \
    }

hx_upstream_ipvs_getter(rr)
hx_upstream_ipvs_getter(wrr)
hx_upstream_ipvs_getter(lc)
hx_upstream_ipvs_getter(wlc)
hx_upstream_ipvs_getter(sed)
hx_upstream_ipvs_getter(nq)
hx_upstream_ipvs_getter(fo)
hx_upstream_ipvs_getter(ovf)
hx_upstream_ipvs_getter(sh)
hx_upstream_ipvs_getter(dh)
hx_upstream_ipvs_getter(mh)


#define hx_upstream_ipvs_balancer_def(algo, init)                             \
    const hx_upstream_balancer_t  hx_upstream_ipvs_##algo = {                 \
        hx_string(#algo),                                                     \
        HX_UPSTREAM_IPVS_FLAGS,                                               \
        init,                                                                 \
        NULL,                                                                 \
        hx_upstream_get_##algo##_peer                                         \
    }

hx_upstream_ipvs_balancer_def(rr, NULL);
hx_upstream_ipvs_balancer_def(wrr, NULL);
hx_upstream_ipvs_balancer_def(lc, NULL);
hx_upstream_ipvs_balancer_def(wlc, NULL);
hx_upstream_ipvs_balancer_def(sed, NULL);
hx_upstream_ipvs_balancer_def(nq, NULL);
hx_upstream_ipvs_balancer_def(fo, NULL);
hx_upstream_ipvs_balancer_def(ovf, NULL);
hx_upstream_ipvs_balancer_def(sh, hx_upstream_init_sh);
hx_upstream_ipvs_balancer_def(dh, hx_upstream_init_dh);
hx_upstream_ipvs_balancer_def(mh, hx_upstream_init_mh);


static const hx_upstream_balancer_t  *hx_upstream_ipvs_all[] = {
    &hx_upstream_ipvs_rr,
    &hx_upstream_ipvs_wrr,
    &hx_upstream_ipvs_lc,
    &hx_upstream_ipvs_wlc,
    &hx_upstream_ipvs_sed,
    &hx_upstream_ipvs_nq,
    &hx_upstream_ipvs_fo,
    &hx_upstream_ipvs_ovf,
    &hx_upstream_ipvs_sh,
    &hx_upstream_ipvs_dh,
    &hx_upstream_ipvs_mh,
    NULL
};


const hx_upstream_balancer_t *
hx_upstream_ipvs_balancer(hx_str_t *name, const char **reason)
{
    hx_uint_t  i;

    for (i = 0; hx_upstream_ipvs_all[i]; i++) {
        if (hx_str_eq(name, &hx_upstream_ipvs_all[i]->name)) {
            return hx_upstream_ipvs_all[i];
        }
    }

    if ((name->len == 4 && hx_strncmp(name->data, "lblc", 4) == 0)
        || (name->len == 5 && hx_strncmp(name->data, "lblcr", 5) == 0))
    {
        *reason = "balances by destination address, which is always the "
                  "virtual server's own address when hanx forwards in "
                  "user space";
        return NULL;
    }

    *reason = "is not a known scheduler";

    return NULL;
}


uint16_t *
hx_upstream_ipvs_slots(hx_upstream_t *us, hx_uint_t *size)
{
    hx_upstream_ipvs_table_t  *t;

    if (us->balancer != &hx_upstream_ipvs_sh
        && us->balancer != &hx_upstream_ipvs_dh
        && us->balancer != &hx_upstream_ipvs_mh)
    {
        return NULL;
    }

    t = us->balancer_data;
    *size = t->size;

    return t->slot;
}

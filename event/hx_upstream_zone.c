/*
 * "zone NAME [SIZE]": an upstream's run-time peer state in shared memory
 * so that every worker, and the master's health checkers, see one set of
 * counters (fails, conns, weights, checker verdicts) and one round-robin
 * position.
 *
 * The zone is registered while the configuration is read; when the cycle
 * maps it (in the master, before the workers fork) its init copies each
 * bound upstream's groups into the slab pool, gives them one
 * process-shared mutex, creates the affinity table when the upstream has
 * persistence, and points the upstream at the copies.  Addresses and
 * names stay in the configuration pool: they never change, and every
 * process inherits them at the same address.
 *
 * A reload keeps a zone whose name and size are unchanged (nginx makes
 * upstream zones afresh; hanx keeps them so that health verdicts and
 * failure counts survive).  The peers are copied again all the same: the
 * old workers still read the old copies, whose addresses point into the
 * old configuration, while the new workers need the new configuration's.
 * Each copy takes over the run-time state of the old peer with the same
 * upstream name and address (checker verdict, fails, weight in force), so
 * a server that was down before the reload stays down after it until
 * its check passes.  The state comes from the copies the old
 * configuration uses (found through the old cycle's upstreams).  The
 * zone lists every generation of copies; a reload keeps its own, the
 * one in force and the one in force before that (old workers may still
 * be finishing), and frees the rest, among them those of reloads that
 * failed after the zone was set up.  A client affinity table is kept
 * when the upstream's peers are unchanged; a replaced one stays in the
 * zone until the zone goes.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_upstream_peer.h>


/* one upstream's copies in a generation */
typedef struct {
    hx_str_t                     name;
    hx_upstream_peers_t         *peers;
    hx_upstream_affinity_t      *affinity;
    hx_upstream_affinity_conf_t  affinity_conf;
} hx_upstream_zone_entry_t;


/* the copies one configuration made */
typedef struct hx_upstream_zone_gen_s  hx_upstream_zone_gen_t;

struct hx_upstream_zone_gen_s {
    hx_upstream_zone_entry_t    *entries;
    hx_uint_t                    nentries;
    hx_upstream_zone_gen_t      *next;      /* all of them, newest first */
    hx_upstream_zone_gen_t      *before;    /* in force when made */
};


/* shpool->data */
typedef struct {
    hx_upstream_zone_gen_t      *gens;
} hx_upstream_zone_root_t;


/* the address identifies the zones of this module */
static hx_uint_t  hx_upstream_zone_tag;


static hx_int_t hx_upstream_zone_init_upstream(hx_slab_pool_t *shpool,
    hx_upstream_t *us, hx_upstream_zone_entry_t *entry,
    hx_upstream_zone_gen_t *old, hx_log_t *log);
static hx_upstream_peers_t *hx_upstream_zone_copy(hx_slab_pool_t *shpool,
    hx_upstream_peers_t *src, hx_shmtx_t *lock);
static hx_upstream_zone_entry_t *hx_upstream_zone_find_entry(
    hx_upstream_zone_gen_t *old, hx_str_t *name);
static void hx_upstream_zone_inherit(hx_upstream_peers_t *peers,
    hx_upstream_peers_t *opeers);
static hx_int_t hx_upstream_zone_affinity(hx_slab_pool_t *shpool,
    hx_upstream_t *us, hx_upstream_zone_entry_t *entry,
    hx_upstream_zone_entry_t *oe);
static hx_uint_t hx_upstream_zone_same_peers(hx_upstream_peers_t *a,
    hx_upstream_peers_t *b);
static hx_upstream_peer_t *hx_upstream_zone_find_peer(
    hx_upstream_peers_t *peers, hx_upstream_peer_t *peer);
static hx_upstream_zone_gen_t *hx_upstream_zone_in_force(
    hx_upstream_zone_root_t *root, hx_array_t *ups);
static void hx_upstream_zone_prune(hx_slab_pool_t *shpool,
    hx_upstream_zone_root_t *root, hx_upstream_zone_gen_t *gen);
static void hx_upstream_zone_free_gen(hx_slab_pool_t *shpool,
    hx_upstream_zone_gen_t *gen);


char *
hx_upstream_zone(hx_conf_t *cf, hx_upstream_t *us, hx_str_t *name,
    size_t size)
{
    hx_array_t       *ups;
    hx_shm_zone_t    *zone;
    hx_upstream_t   **usp;

    if (us->shm_zone) {
        return "is duplicate";
    }

    if (size && size < 8 * (size_t) getpagesize()) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "zone \"%V\" is too small", name);
        return HX_CONF_ERROR;
    }

    zone = hx_shared_memory_add(cf, name, size, &hx_upstream_zone_tag);
    if (zone == NULL) {
        return HX_CONF_ERROR;
    }

    ups = zone->data;

    if (ups == NULL) {
        ups = hx_array_create(cf->pool, 4, sizeof(hx_upstream_t *));
        if (ups == NULL) {
            return HX_CONF_ERROR;
        }

        zone->data = ups;
    }

    usp = hx_array_push(ups);
    if (usp == NULL) {
        return HX_CONF_ERROR;
    }

    *usp = us;

    zone->init = hx_upstream_init_zone;

    us->shm_zone = zone;

    return HX_CONF_OK;
}


char *
hx_upstream_zone_directive(hx_conf_t *cf, hx_upstream_t *us)
{
    ssize_t    size;
    hx_str_t  *value;

    value = cf->args->elts;

    if (value[1].len == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid zone name \"%V\"", &value[1]);
        return HX_CONF_ERROR;
    }

    size = 0;

    if (cf->args->nelts == 3) {
        size = hx_parse_size(&value[2]);

        if (size == HX_ERROR) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid zone size \"%V\"", &value[2]);
            return HX_CONF_ERROR;
        }
    }

    return hx_upstream_zone(cf, us, &value[1], size);
}


size_t
hx_upstream_zone_size(hx_upstream_t *us, hx_uint_t clients)
{
    size_t                page, size, n;
    hx_upstream_server_t *s;
    hx_uint_t             i;

    page = getpagesize();

    /* the slab pool's own pages and bookkeeping */
    size = 10 * page;

    n = 0;

    if (us->servers) {
        s = us->servers->elts;

        for (i = 0; i < us->servers->nelts; i++) {
            n += s[i].naddrs;
        }
    }

    /* groups, peers, lock; slab rounds to powers of two, hence twice */
    size += 2 * (2 * sizeof(hx_upstream_peers_t)
                 + n * sizeof(hx_upstream_peer_t) + sizeof(hx_shmtx_t));

    /* affinity entries take 128-byte slots, plus some slack */
    size += clients * 160;

    return hx_align(size, page);
}


hx_int_t
hx_upstream_init_zone(hx_shm_zone_t *shm_zone, void *data)
{
    size_t                    len;
    hx_uint_t                 i;
    hx_array_t               *ups;
    hx_upstream_t           **usp;
    hx_slab_pool_t           *shpool;
    hx_upstream_zone_gen_t   *gen, *old;
    hx_upstream_zone_root_t  *root;

    shpool = (hx_slab_pool_t *) shm_zone->shm.addr;
    ups = shm_zone->data;

    if (shm_zone->shm.exists) {
        root = shpool->data;
        old = hx_upstream_zone_in_force(root, data);

    } else {
        len = sizeof(" in upstream zone \"\"") + shm_zone->shm.name.len;

        shpool->log_ctx = hx_slab_alloc(shpool, len);
        root = hx_slab_calloc(shpool, sizeof(hx_upstream_zone_root_t));

        if (shpool->log_ctx == NULL || root == NULL) {
            return HX_ERROR;
        }

        hx_sprintf(shpool->log_ctx, " in upstream zone \"%V\"%Z",
                   &shm_zone->shm.name);

        shpool->data = root;
        old = NULL;
    }

    gen = hx_slab_calloc(shpool, sizeof(hx_upstream_zone_gen_t));
    if (gen == NULL) {
        return HX_ERROR;
    }

    gen->entries = hx_slab_calloc(shpool, ups->nelts
                                          * sizeof(hx_upstream_zone_entry_t));
    if (gen->entries == NULL) {
        hx_slab_free(shpool, gen);
        return HX_ERROR;
    }

    usp = ups->elts;

    for (i = 0; i < ups->nelts; i++) {
        if (hx_upstream_zone_init_upstream(shpool, usp[i], &gen->entries[i],
                                           old, shm_zone->shm.log)
            != HX_OK)
        {
            /* a reload that fails here leaves the zone as it was */
            hx_upstream_zone_free_gen(shpool, gen);
            return HX_ERROR;
        }

        gen->nentries++;
    }

    gen->before = old;
    gen->next = root->gens;
    root->gens = gen;

    hx_upstream_zone_prune(shpool, root, gen);

    return HX_OK;
}


/*
 * The generation whose copies the old configuration's upstreams (ups,
 * the old cycle's zone data) point at, or NULL.
 */
static hx_upstream_zone_gen_t *
hx_upstream_zone_in_force(hx_upstream_zone_root_t *root, hx_array_t *ups)
{
    hx_uint_t                i, j;
    hx_upstream_t          **usp;
    hx_upstream_zone_gen_t  *gen;

    if (ups == NULL) {
        return NULL;
    }

    usp = ups->elts;

    for (gen = root->gens; gen; gen = gen->next) {
        for (i = 0; i < gen->nentries; i++) {
            for (j = 0; j < ups->nelts; j++) {
                if (gen->entries[i].peers == usp[j]->peers) {
                    return gen;
                }
            }
        }
    }

    return NULL;
}


/* frees every generation but gen, the one in force and the one before */
static void
hx_upstream_zone_prune(hx_slab_pool_t *shpool, hx_upstream_zone_root_t *root,
    hx_upstream_zone_gen_t *gen)
{
    hx_upstream_zone_gen_t  **gp, *g, *keep1, *keep2;

    keep1 = gen->before;
    keep2 = keep1 ? keep1->before : NULL;

    gp = &root->gens;

    while ((g = *gp) != NULL) {
        if (g == gen || g == keep1 || g == keep2) {
            gp = &g->next;
            continue;
        }

        *gp = g->next;

        hx_upstream_zone_free_gen(shpool, g);
    }
}


/* one upstream's groups copied into the zone, state taken from old */
static hx_int_t
hx_upstream_zone_init_upstream(hx_slab_pool_t *shpool, hx_upstream_t *us,
    hx_upstream_zone_entry_t *entry, hx_upstream_zone_gen_t *old,
    hx_log_t *log)
{
    hx_shmtx_t                *lock;
    hx_upstream_peers_t       *peers;
    hx_upstream_zone_entry_t  *oe;

    if (us->peers == NULL) {
        hx_log_error(HX_LOG_EMERG, log, 0,
                     "upstream \"%V\" in a zone was not initialised",
                     &us->name);
        return HX_ERROR;
    }

    entry->name.data = hx_slab_alloc(shpool, us->name.len + 1);
    lock = hx_slab_calloc(shpool, sizeof(hx_shmtx_t));

    if (entry->name.data == NULL || lock == NULL) {
        return HX_ERROR;
    }

    hx_memcpy(entry->name.data, us->name.data, us->name.len);
    entry->name.len = us->name.len;

    if (hx_shmtx_create(lock, log) != HX_OK) {
        return HX_ERROR;
    }

    peers = hx_upstream_zone_copy(shpool, us->peers, lock);
    if (peers == NULL) {
        return HX_ERROR;
    }

    entry->peers = peers;

    if (us->peers->next) {
        peers->next = hx_upstream_zone_copy(shpool, us->peers->next, lock);
        if (peers->next == NULL) {
            return HX_ERROR;
        }
    }

    oe = old ? hx_upstream_zone_find_entry(old, &us->name) : NULL;

    if (oe) {
        hx_upstream_zone_inherit(peers, oe->peers);
    }

    us->peers = peers;

    if (us->affinity_conf.timeout) {
        return hx_upstream_zone_affinity(shpool, us, entry, oe);
    }

    return HX_OK;
}


/*
 * The client affinity table: the old generation's when the peers are the
 * same ones in the same order (entries name peers by index) and the
 * persistence settings are unchanged, so that clients keep their server
 * across a reload; a new one otherwise.  The table's lock is the slab
 * pool's, which both generations share.
 */
static hx_int_t
hx_upstream_zone_affinity(hx_slab_pool_t *shpool, hx_upstream_t *us,
    hx_upstream_zone_entry_t *entry, hx_upstream_zone_entry_t *oe)
{
    hx_upstream_affinity_conf_t  *ac;

    ac = &us->affinity_conf;

    if (oe && oe->affinity
        && oe->affinity_conf.timeout == ac->timeout
        && oe->affinity_conf.mask == ac->mask
        && oe->affinity_conf.prefix6 == ac->prefix6
        && hx_upstream_zone_same_peers(oe->peers, us->peers))
    {
        us->affinity = oe->affinity;

    } else {
        us->affinity = hx_upstream_affinity_create(shpool, ac);
        if (us->affinity == NULL) {
            return HX_ERROR;
        }
    }

    entry->affinity = us->affinity;
    entry->affinity_conf = *ac;

    return HX_OK;
}


/* whether two upstreams' groups list the same addresses in one order */
static hx_uint_t
hx_upstream_zone_same_peers(hx_upstream_peers_t *a, hx_upstream_peers_t *b)
{
    hx_uint_t  i;

    for ( /* void */ ; a && b; a = a->next, b = b->next) {
        if (a->number != b->number) {
            return 0;
        }

        for (i = 0; i < a->number; i++) {
            if (hx_cmp_sockaddr(a->peer[i].sockaddr, a->peer[i].socklen,
                                b->peer[i].sockaddr, b->peer[i].socklen, 1)
                != HX_OK)
            {
                return 0;
            }
        }
    }

    return a == NULL && b == NULL;
}


static hx_upstream_peers_t *
hx_upstream_zone_copy(hx_slab_pool_t *shpool, hx_upstream_peers_t *src,
    hx_shmtx_t *lock)
{
    size_t                size;
    hx_upstream_peers_t  *peers;

    peers = hx_slab_alloc(shpool, sizeof(hx_upstream_peers_t));
    if (peers == NULL) {
        return NULL;
    }

    hx_memcpy(peers, src, sizeof(hx_upstream_peers_t));

    peers->lock = lock;
    peers->next = NULL;

    if (src->number) {
        size = src->number * sizeof(hx_upstream_peer_t);

        peers->peer = hx_slab_alloc(shpool, size);
        if (peers->peer == NULL) {
            return NULL;
        }

        hx_memcpy(peers->peer, src->peer, size);
    }

    return peers;
}


/* the old generation's entry for the upstream called name, or NULL */
static hx_upstream_zone_entry_t *
hx_upstream_zone_find_entry(hx_upstream_zone_gen_t *old, hx_str_t *name)
{
    hx_uint_t  i;

    for (i = 0; i < old->nentries; i++) {
        if (hx_str_eq(&old->entries[i].name, name)) {
            return &old->entries[i];
        }
    }

    return NULL;
}


/*
 * Gives the new copies of an upstream the run-time state of the peers
 * with the same address among the old copies of that upstream.
 * Connection counts stay with the old copies: the old workers that hold
 * those connections will count them down there.
 */
static void
hx_upstream_zone_inherit(hx_upstream_peers_t *peers,
    hx_upstream_peers_t *opeers)
{
    hx_uint_t              i, changed;
    hx_upstream_peer_t    *peer, *op;
    hx_upstream_peers_t   *group;

    changed = 0;

    hx_upstream_lock(opeers);

    for (group = peers; group; group = group->next) {
        for (i = 0; i < group->number; i++) {
            peer = &group->peer[i];

            op = hx_upstream_zone_find_peer(opeers, peer);
            if (op == NULL) {
                continue;
            }

            peer->fails = op->fails;
            peer->accessed = op->accessed;
            peer->checked = op->checked;
            peer->requests = op->requests;
            peer->hc_down = op->hc_down;

            if (op->inhibited && peer->conf_weight == op->conf_weight) {
                peer->inhibited = 1;
                peer->weight = op->weight;
                peer->effective_weight = op->effective_weight;
            }

            changed |= op->hc_down | op->inhibited;
        }
    }

    hx_upstream_unlock(opeers);

    if (changed) {

        /* the balancers' private tables must see the inherited verdicts */

        peers->generation = opeers->generation + 1;
    }
}


/* the peer of either group of peers with the address of peer, or NULL */
static hx_upstream_peer_t *
hx_upstream_zone_find_peer(hx_upstream_peers_t *peers,
    hx_upstream_peer_t *peer)
{
    hx_uint_t             i;
    hx_upstream_peers_t  *group;

    for (group = peers; group; group = group->next) {
        for (i = 0; i < group->number; i++) {
            if (hx_cmp_sockaddr(group->peer[i].sockaddr,
                                group->peer[i].socklen,
                                peer->sockaddr, peer->socklen, 1)
                == HX_OK)
            {
                return &group->peer[i];
            }
        }
    }

    return NULL;
}


/*
 * Frees what a generation's copies took from the slab (an affinity
 * table excepted: the next generation may use it, else it stays until
 * the zone goes).
 */
static void
hx_upstream_zone_free_gen(hx_slab_pool_t *shpool, hx_upstream_zone_gen_t *gen)
{
    hx_uint_t             i;
    hx_shmtx_t           *lock;
    hx_upstream_peers_t  *peers, *next;

    for (i = 0; i < gen->nentries; i++) {
        lock = NULL;

        for (peers = gen->entries[i].peers; peers; peers = next) {
            next = peers->next;
            lock = peers->lock;

            if (peers->number) {
                hx_slab_free(shpool, peers->peer);
            }

            hx_slab_free(shpool, peers);
        }

        if (lock) {
            hx_slab_free(shpool, lock);
        }

        hx_slab_free(shpool, gen->entries[i].name.data);
    }

    hx_slab_free(shpool, gen->entries);
    hx_slab_free(shpool, gen);
}

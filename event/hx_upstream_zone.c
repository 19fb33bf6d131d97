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
 * process inherits them at the same address.  As in nginx the zone is
 * never carried across a reload (noreuse): a new configuration may
 * list other servers, so it starts from fresh counters.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_upstream_peer.h>


/* the address identifies the zones of this module */
static hx_uint_t  hx_upstream_zone_tag;


static hx_upstream_peers_t *hx_upstream_zone_copy(hx_slab_pool_t *shpool,
    hx_upstream_peers_t *src, hx_shmtx_t *lock);


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
    zone->noreuse = 1;

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
    size_t               len;
    hx_uint_t            i;
    hx_array_t          *ups;
    hx_shmtx_t          *lock;
    hx_upstream_t       *us, **usp;
    hx_slab_pool_t      *shpool;
    hx_upstream_peers_t *peers;

    (void) data;

    shpool = (hx_slab_pool_t *) shm_zone->shm.addr;
    ups = shm_zone->data;

    if (shm_zone->shm.exists) {
        /* noreuse is set: a zone is never inherited */
        return HX_ERROR;
    }

    len = sizeof(" in upstream zone \"\"") + shm_zone->shm.name.len;

    shpool->log_ctx = hx_slab_alloc(shpool, len);
    if (shpool->log_ctx == NULL) {
        return HX_ERROR;
    }

    hx_sprintf(shpool->log_ctx, " in upstream zone \"%V\"%Z",
               &shm_zone->shm.name);

    usp = ups->elts;

    for (i = 0; i < ups->nelts; i++) {
        us = usp[i];

        if (us->peers == NULL) {
            hx_log_error(HX_LOG_EMERG, shm_zone->shm.log, 0,
                         "upstream \"%V\" in zone \"%V\" was not "
                         "initialised", &us->name, &shm_zone->shm.name);
            return HX_ERROR;
        }

        lock = hx_slab_calloc(shpool, sizeof(hx_shmtx_t));
        if (lock == NULL) {
            return HX_ERROR;
        }

        if (hx_shmtx_create(lock, shm_zone->shm.log) != HX_OK) {
            return HX_ERROR;
        }

        peers = hx_upstream_zone_copy(shpool, us->peers, lock);
        if (peers == NULL) {
            return HX_ERROR;
        }

        if (us->peers->next) {
            peers->next = hx_upstream_zone_copy(shpool, us->peers->next,
                                                lock);
            if (peers->next == NULL) {
                return HX_ERROR;
            }
        }

        us->peers = peers;

        if (us->affinity_conf.timeout) {
            us->affinity = hx_upstream_affinity_create(shpool,
                                                       &us->affinity_conf);
            if (us->affinity == NULL) {
                return HX_ERROR;
            }
        }
    }

    return HX_OK;
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

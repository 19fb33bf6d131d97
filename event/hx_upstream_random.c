/*
 * random [two [least_conn]]: a peer drawn with probability proportional
 * to its weight, or two distinct draws of which the one with fewer
 * connections per weight wins ("power of two choices", which keeps the
 * load even without every worker agreeing on exact counts).  Draws that
 * land on an unusable peer are repeated up to 20 times before round
 * robin takes over, as in nginx.
 *
 * The draw uses a table of cumulative weights searched by bisection.  It
 * belongs to the process and is rebuilt when a checker changes a weight
 * (the group's generation moves).
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_upstream_peer.h>


typedef struct {
    hx_uint_t                 number;
    hx_uint_t                *range;     /* first weight unit of peer i */
} hx_upstream_random_ranges_t;


static hx_int_t hx_upstream_init_random(hx_conf_t *cf, hx_upstream_t *us);
static void hx_upstream_update_random(hx_upstream_t *us);
static hx_uint_t hx_upstream_peek_random_peer(hx_upstream_peer_data_t *pd);
static hx_int_t hx_upstream_get_random_peer(hx_peer_connection_t *pc,
    void *data);
static hx_int_t hx_upstream_get_random2_peer(hx_peer_connection_t *pc,
    void *data);


#define HX_UPSTREAM_RANDOM_FLAGS                                              \
    (HX_UPSTREAM_CREATE|HX_UPSTREAM_MODIFY|HX_UPSTREAM_WEIGHT                 \
     |HX_UPSTREAM_MAX_CONNS|HX_UPSTREAM_MAX_FAILS                             \
     |HX_UPSTREAM_FAIL_TIMEOUT|HX_UPSTREAM_DOWN)


const hx_upstream_balancer_t  hx_upstream_random = {
    hx_string("random"),
    HX_UPSTREAM_RANDOM_FLAGS,
    hx_upstream_init_random,
    NULL,
    hx_upstream_get_random_peer
};


const hx_upstream_balancer_t  hx_upstream_random_two = {
    hx_string("random"),
    HX_UPSTREAM_RANDOM_FLAGS,
    hx_upstream_init_random,
    NULL,
    hx_upstream_get_random2_peer
};


static hx_int_t
hx_upstream_init_random(hx_conf_t *cf, hx_upstream_t *us)
{
    hx_upstream_random_ranges_t  *ranges;

    ranges = hx_palloc(cf->pool, sizeof(hx_upstream_random_ranges_t));
    if (ranges == NULL) {
        return HX_ERROR;
    }

    ranges->number = us->peers->number;
    ranges->range = hx_palloc(cf->pool, ranges->number * sizeof(hx_uint_t));
    if (ranges->range == NULL) {
        return HX_ERROR;
    }

    us->balancer_data = ranges;

    hx_upstream_update_random(us);

    return HX_OK;
}


/* recomputes the cumulative weights (group lock held at run time) */
static void
hx_upstream_update_random(hx_upstream_t *us)
{
    hx_uint_t                     i, total;
    hx_upstream_peers_t          *peers;
    hx_upstream_random_ranges_t  *ranges;

    peers = us->peers;
    ranges = us->balancer_data;

    total = 0;

    for (i = 0; i < ranges->number; i++) {
        ranges->range[i] = total;
        total += peers->peer[i].weight;
    }

    us->generation = peers->generation;
}


/* a peer index drawn by weight; a zero-weight peer is never drawn */
static hx_uint_t
hx_upstream_peek_random_peer(hx_upstream_peer_data_t *pd)
{
    hx_uint_t                     i, j, k, x;
    hx_upstream_random_ranges_t  *ranges;

    ranges = pd->upstream->balancer_data;

    x = hx_upstream_random_number() % pd->peers->total_weight;

    i = 0;
    j = ranges->number;

    /* the last i with range[i] <= x: empty ranges are skipped */
    while (j - i > 1) {
        k = (i + j) / 2;

        if (x < ranges->range[k]) {
            j = k;

        } else {
            i = k;
        }
    }

    return i;
}


/*
 * The checks both variants make before drawing: round robin when the
 * draws would not work (fallback, backup group, one peer, no weight).
 */
static hx_uint_t
hx_upstream_random_usable(hx_upstream_peer_data_t *pd)
{
    hx_upstream_t        *us;
    hx_upstream_peers_t  *peers;

    us = pd->upstream;
    peers = pd->peers;

    if (pd->tries > HX_UPSTREAM_HASH_TRIES
        || peers->number < 2
        || peers->backup
        || peers->total_weight == 0)
    {
        return 0;
    }

    if (us->generation != peers->generation) {
        hx_upstream_update_random(us);
    }

    return 1;
}


static hx_int_t
hx_upstream_get_random_peer(hx_peer_connection_t *pc, void *data)
{
    hx_upstream_peer_data_t *pd = data;

    time_t                now;
    hx_uint_t             i;
    hx_upstream_peers_t  *peers;

    hx_log_debug(HX_LOG_DEBUG_EVENT, pc->log, 0,
                 "get random peer, try: %ui", pc->tries);

    peers = pd->peers;

    hx_upstream_lock(peers);

    if (!hx_upstream_random_usable(pd)) {
        hx_upstream_unlock(peers);
        return hx_upstream_get_round_robin_peer(pc, pd);
    }

    now = hx_time();

    for ( ;; ) {
        i = hx_upstream_peek_random_peer(pd);

        if (!hx_upstream_is_tried(pd, i)
            && hx_upstream_peer_available(&peers->peer[i], now))
        {
            break;
        }

        if (++pd->tries > HX_UPSTREAM_HASH_TRIES) {
            hx_upstream_unlock(peers);
            return hx_upstream_get_round_robin_peer(pc, pd);
        }
    }

    hx_upstream_use_peer(pc, pd, i, now);

    hx_upstream_unlock(peers);

    return HX_OK;
}


static hx_int_t
hx_upstream_get_random2_peer(hx_peer_connection_t *pc, void *data)
{
    hx_upstream_peer_data_t *pd = data;

    time_t                now;
    hx_int_t              prev;
    hx_uint_t             i;
    hx_upstream_peer_t   *peer, *first;
    hx_upstream_peers_t  *peers;

    hx_log_debug(HX_LOG_DEBUG_EVENT, pc->log, 0,
                 "get random2 peer, try: %ui", pc->tries);

    peers = pd->peers;

    hx_upstream_lock(peers);

    if (!hx_upstream_random_usable(pd)) {
        hx_upstream_unlock(peers);
        return hx_upstream_get_round_robin_peer(pc, pd);
    }

    now = hx_time();
    prev = -1;

    for ( ;; ) {
        i = hx_upstream_peek_random_peer(pd);
        peer = &peers->peer[i];

        if ((hx_int_t) i != prev
            && !hx_upstream_is_tried(pd, i)
            && hx_upstream_peer_available(peer, now))
        {
            if (prev < 0) {
                prev = i;

            } else {
                first = &peers->peer[prev];

                /* the first draw wins only when the second is busier */
                if (peer->conns * first->weight
                    > first->conns * peer->weight)
                {
                    i = prev;
                }

                break;
            }
        }

        if (++pd->tries > HX_UPSTREAM_HASH_TRIES) {
            hx_upstream_unlock(peers);
            return hx_upstream_get_round_robin_peer(pc, pd);
        }
    }

    hx_upstream_use_peer(pc, pd, i, now);

    hx_upstream_unlock(peers);

    return HX_OK;
}

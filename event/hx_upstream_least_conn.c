/*
 * least_conn: the available peer with the fewest connections in
 * progress relative to its weight (conns / weight, compared by cross
 * multiplication so no division rounds); when several share the lowest
 * ratio, smooth weighted round robin chooses among them, so equal peers
 * still take turns.  As in nginx, "conns" counts this process's attempts
 * unless the upstream lives in a zone, where it counts all workers'.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_upstream_peer.h>


static hx_int_t hx_upstream_get_least_conn_peer(hx_peer_connection_t *pc,
    void *data);


const hx_upstream_balancer_t  hx_upstream_least_conn = {
    hx_string("least_conn"),
    HX_UPSTREAM_DEFAULT_FLAGS|HX_UPSTREAM_MODIFY,
    NULL,
    NULL,
    hx_upstream_get_least_conn_peer
};


/* whether a has fewer connections per weight than b */
#define hx_upstream_lc_less(a, b)                                             \
    ((a)->conns * (b)->weight < (b)->conns * (a)->weight)

#define hx_upstream_lc_equal(a, b)                                            \
    ((a)->conns * (b)->weight == (b)->conns * (a)->weight)


static hx_int_t
hx_upstream_get_least_conn_peer(hx_peer_connection_t *pc, void *data)
{
    hx_upstream_peer_data_t *pd = data;

    time_t                now;
    hx_int_t              total;
    hx_uint_t             i, p, many;
    hx_upstream_peer_t   *peer, *best;
    hx_upstream_peers_t  *peers;

    hx_log_debug(HX_LOG_DEBUG_EVENT, pc->log, 0,
                 "get least conn peer, try: %ui", pc->tries);

    peers = pd->peers;

    if (peers->single) {
        return hx_upstream_get_round_robin_peer(pc, pd);
    }

    now = hx_time();

    hx_upstream_lock(peers);

    best = NULL;
    many = 0;
    p = 0;

    for (i = 0; i < peers->number; i++) {
        peer = &peers->peer[i];

        if (hx_upstream_is_tried(pd, i)
            || !hx_upstream_peer_available(peer, now))
        {
            continue;
        }

        if (best == NULL || hx_upstream_lc_less(peer, best)) {
            best = peer;
            many = 0;
            p = i;

        } else if (hx_upstream_lc_equal(peer, best)) {
            many = 1;
        }
    }

    if (best == NULL) {
        hx_upstream_unlock(peers);

        if (hx_upstream_switch_to_backup(pd)) {
            return hx_upstream_get_least_conn_peer(pc, pd);
        }

        pc->name = peers->name;
        return HX_BUSY;
    }

    if (many) {
        total = 0;

        for (i = p; i < peers->number; i++) {
            peer = &peers->peer[i];

            if (hx_upstream_is_tried(pd, i)
                || !hx_upstream_peer_available(peer, now)
                || !hx_upstream_lc_equal(peer, best))
            {
                continue;
            }

            peer->current_weight += peer->effective_weight;
            total += peer->effective_weight;

            if (peer->effective_weight < peer->weight) {
                peer->effective_weight++;
            }

            if (peer->current_weight > peers->peer[p].current_weight) {
                p = i;
            }
        }

        peers->peer[p].current_weight -= total;
    }

    hx_upstream_use_peer(pc, pd, p, now);

    hx_upstream_unlock(peers);

    return HX_OK;
}

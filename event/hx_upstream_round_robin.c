/*
 * The peer groups and nginx's smooth weighted round robin, which is also
 * where every other balancer falls back, and the one free function all
 * balancers share.
 *
 * Smooth weighted round robin: on each choice every available peer adds
 * its effective weight to its current weight; the largest current weight
 * wins and gives back the sum of what was added.  Over a cycle each peer
 * is chosen in proportion to its weight, spread out rather than in
 * bursts (weights 5,1,1 give a a b a c a a).  A failure lowers the
 * effective weight by weight/max_fails; each later consideration raises it
 * by one, so a flapping peer comes back gradually.
 *
 * Failure accounting follows nginx: a failed attempt counts against the
 * peer and stamps "checked"; max_fails failures with the last one less
 * than fail_timeout ago make the peer unavailable; after fail_timeout one
 * connection probes it ("checked" moves on), and a success after the last
 * failure clears the count.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_upstream_peer.h>


static hx_upstream_peers_t *hx_upstream_rr_group(hx_conf_t *cf,
    hx_upstream_t *us, hx_uint_t backup);
static hx_int_t hx_upstream_rr_implicit(hx_conf_t *cf, hx_upstream_t *us);
static hx_int_t hx_upstream_rr_best(hx_upstream_peer_data_t *pd,
    time_t now);


const hx_upstream_balancer_t  hx_upstream_round_robin = {
    hx_string("round_robin"),
    HX_UPSTREAM_DEFAULT_FLAGS,
    NULL,
    NULL,
    hx_upstream_get_round_robin_peer
};


hx_int_t
hx_upstream_init_round_robin(hx_conf_t *cf, hx_upstream_t *us)
{
    hx_upstream_peers_t  *peers, *backup;

    if (us->servers == NULL) {
        return hx_upstream_rr_implicit(cf, us);
    }

    peers = hx_upstream_rr_group(cf, us, 0);
    if (peers == NULL) {
        return HX_ERROR;
    }

    if (peers->number == 0) {
        hx_log_error(HX_LOG_EMERG, cf->log, 0,
                     "no servers in upstream \"%V\" in %s:%ui",
                     &us->name, us->file_name, us->line);
        return HX_ERROR;
    }

    backup = hx_upstream_rr_group(cf, us, 1);
    if (backup == NULL) {
        return HX_ERROR;
    }

    if (backup->number) {
        backup->backup = 1;
        backup->single = 0;
        peers->single = 0;
        peers->next = backup;
    }

    us->peers = peers;

    return HX_OK;
}


/* the primary (backup 0) or backup group of us's server lines */
static hx_upstream_peers_t *
hx_upstream_rr_group(hx_conf_t *cf, hx_upstream_t *us, hx_uint_t backup)
{
    hx_uint_t              i, j, n, w, t;
    hx_upstream_peer_t    *peer;
    hx_upstream_peers_t   *peers;
    hx_upstream_server_t  *server;

    server = us->servers->elts;

    n = 0;
    w = 0;
    t = 0;

    for (i = 0; i < us->servers->nelts; i++) {
        if (server[i].backup != backup) {
            continue;
        }

        n += server[i].naddrs;
        w += server[i].naddrs * server[i].weight;

        if (!server[i].down) {
            t += server[i].naddrs;
        }
    }

    peers = hx_pcalloc(cf->pool, sizeof(hx_upstream_peers_t));
    if (peers == NULL) {
        return NULL;
    }

    peers->name = &us->name;

    if (n == 0) {
        return peers;
    }

    peer = hx_pcalloc(cf->pool, n * sizeof(hx_upstream_peer_t));
    if (peer == NULL) {
        return NULL;
    }

    peers->peer = peer;
    peers->number = n;
    peers->single = (n == 1);
    peers->weighted = (w != n);
    peers->total_weight = w;
    peers->tries = t;
    peers->ipvs_last = -1;

    n = 0;

    for (i = 0; i < us->servers->nelts; i++) {
        if (server[i].backup != backup) {
            continue;
        }

        for (j = 0; j < server[i].naddrs; j++) {
            peer[n].sockaddr = server[i].addrs[j].sockaddr;
            peer[n].socklen = server[i].addrs[j].socklen;
            peer[n].name = server[i].addrs[j].name;
            peer[n].server = server[i].name;
            peer[n].weight = server[i].weight;
            peer[n].conf_weight = server[i].weight;
            peer[n].effective_weight = server[i].weight;
            peer[n].max_conns = server[i].max_conns;
            peer[n].max_fails = server[i].max_fails;
            peer[n].fail_timeout = server[i].fail_timeout;
            peer[n].down = server[i].down;
            n++;
        }
    }

    return peers;
}


/* proxy_pass host:port with no upstream block: every address, weight 1 */
static hx_int_t
hx_upstream_rr_implicit(hx_conf_t *cf, hx_upstream_t *us)
{
    hx_url_t              u;
    hx_uint_t             i, n;
    hx_upstream_peer_t   *peer;
    hx_upstream_peers_t  *peers;

    if (us->port == 0) {
        hx_log_error(HX_LOG_EMERG, cf->log, 0,
                     "no port in upstream \"%V\" in %s:%ui",
                     &us->name, us->file_name, us->line);
        return HX_ERROR;
    }

    hx_memzero(&u, sizeof(hx_url_t));

    u.host = us->name;
    u.port = us->port;

    if (hx_inet_resolve_host(cf->pool, &u) != HX_OK) {
        if (u.err) {
            hx_log_error(HX_LOG_EMERG, cf->log, 0,
                         "%s in upstream \"%V\" in %s:%ui",
                         u.err, &us->name, us->file_name, us->line);
        }

        return HX_ERROR;
    }

    n = u.naddrs;

    peers = hx_pcalloc(cf->pool, sizeof(hx_upstream_peers_t));
    peer = hx_pcalloc(cf->pool, n * sizeof(hx_upstream_peer_t));

    if (peers == NULL || peer == NULL) {
        return HX_ERROR;
    }

    for (i = 0; i < n; i++) {
        peer[i].sockaddr = u.addrs[i].sockaddr;
        peer[i].socklen = u.addrs[i].socklen;
        peer[i].name = u.addrs[i].name;
        peer[i].server = us->name;
        peer[i].weight = 1;
        peer[i].conf_weight = 1;
        peer[i].effective_weight = 1;
        peer[i].max_fails = 1;
        peer[i].fail_timeout = 10;
    }

    peers->peer = peer;
    peers->number = n;
    peers->single = (n == 1);
    peers->total_weight = n;
    peers->tries = n;
    peers->name = &us->name;
    peers->ipvs_last = -1;

    us->peers = peers;

    return HX_OK;
}


hx_int_t
hx_upstream_get_round_robin_peer(hx_peer_connection_t *pc, void *data)
{
    hx_upstream_peer_data_t *pd = data;

    time_t                now;
    hx_int_t              best;
    hx_upstream_peer_t   *peer;
    hx_upstream_peers_t  *peers;

    hx_log_debug(HX_LOG_DEBUG_EVENT, pc->log, 0,
                 "get rr peer, try: %ui", pc->tries);

    pc->cached = 0;
    pc->connection = NULL;

    peers = pd->peers;
    now = hx_time();

    hx_upstream_lock(peers);

    if (peers->single) {
        peer = &peers->peer[0];

        if (!hx_upstream_peer_member(peer) || peer->weight <= 0) {
            goto failed;
        }

        if (peer->max_conns && peer->conns >= peer->max_conns) {
            goto failed;
        }

        /* one peer is never marked failed: there is nothing else to try */
        pd->current = peer;
        peer->conns++;
        peer->requests++;

        pc->sockaddr = peer->sockaddr;
        pc->socklen = peer->socklen;
        pc->name = &peer->name;

        hx_upstream_unlock(peers);
        return HX_OK;
    }

    best = hx_upstream_rr_best(pd, now);

    if (best < 0) {
        goto failed;
    }

    hx_upstream_use_peer(pc, pd, best, now);

    hx_log_debug(HX_LOG_DEBUG_EVENT, pc->log, 0,
                 "get rr peer, current: %ui %i", best,
                 pd->current->current_weight);

    hx_upstream_unlock(peers);
    return HX_OK;

failed:

    hx_upstream_unlock(peers);

    if (hx_upstream_switch_to_backup(pd)) {
        hx_log_debug(HX_LOG_DEBUG_EVENT, pc->log, 0, "backup servers");
        return hx_upstream_get_round_robin_peer(pc, pd);
    }

    pc->name = peers->name;

    return HX_BUSY;
}


/* the smooth weighted round robin choice among the untried; -1 if none */
static hx_int_t
hx_upstream_rr_best(hx_upstream_peer_data_t *pd, time_t now)
{
    hx_int_t              total, best;
    hx_uint_t             i;
    hx_upstream_peer_t   *peer;
    hx_upstream_peers_t  *peers;

    peers = pd->peers;
    best = -1;
    total = 0;

    for (i = 0; i < peers->number; i++) {
        peer = &peers->peer[i];

        if (hx_upstream_is_tried(pd, i)
            || !hx_upstream_peer_available(peer, now))
        {
            continue;
        }

        peer->current_weight += peer->effective_weight;
        total += peer->effective_weight;

        if (peer->effective_weight < peer->weight) {
            peer->effective_weight++;
        }

        if (best < 0
            || peer->current_weight > peers->peer[best].current_weight)
        {
            best = i;
        }
    }

    if (best >= 0) {
        peers->peer[best].current_weight -= total;
    }

    return best;
}


void
hx_upstream_free_peer(hx_peer_connection_t *pc, void *data, hx_uint_t state)
{
    hx_upstream_peer_data_t *pd = data;

    time_t                now;
    hx_upstream_t        *us;
    hx_upstream_peer_t   *peer;
    hx_upstream_peers_t  *peers;

    peer = pd->current;
    peers = pd->peers;

    if (peer == NULL) {
        return;
    }

    hx_log_debug(HX_LOG_DEBUG_EVENT, pc->log, 0,
                 "free rr peer %ui %ui", pc->tries, state);

    pd->current = NULL;

    hx_upstream_lock(peers);

    if (peer->conns) {
        peer->conns--;
    }

    if (peers->single) {
        peer->fails = 0;
        hx_upstream_unlock(peers);

        pc->tries = 0;
        return;
    }

    if (state & HX_PEER_FAILED) {
        now = hx_time();

        peer->fails++;
        peer->accessed = now;
        peer->checked = now;

        if (peer->max_fails) {
            peer->effective_weight -= peer->weight / peer->max_fails;

            if (peer->fails >= peer->max_fails && pc->log) {
                hx_log_error(HX_LOG_WARN, pc->log, 0,
                             "upstream server temporarily disabled");
            }
        }

        if (peer->effective_weight < 0) {
            peer->effective_weight = 0;
        }

    } else if (peer->accessed < peer->checked) {
        /* the probe after fail_timeout went well */
        peer->fails = 0;
    }

    hx_upstream_unlock(peers);

    if (pc->tries) {
        pc->tries--;
    }

    us = pd->upstream;

    if (us && us->affinity && pd->sel.client) {
        if (state & HX_PEER_FAILED) {
            hx_upstream_affinity_remove(us->affinity, pd->sel.client,
                                        pd->sel.client_len);

        } else {
            /* a use restarts the entry's clock, as IPVS templates do */
            (void) hx_upstream_affinity_lookup(us->affinity, pd->sel.client,
                                               pd->sel.client_len);
        }
    }
}

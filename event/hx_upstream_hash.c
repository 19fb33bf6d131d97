/*
 * The hashing balancers of nginx: ip_hash, hash KEY and hash KEY
 * consistent.  All three reproduce nginx's arithmetic so that a client or
 * key lands on the same server under hanx as under nginx with the same
 * configuration:
 *
 * ip_hash  h = 89, then h = (h * 113 + byte) % 6271 over the first three
 *          octets of an IPv4 client (all sixteen of IPv6); the peer is the
 *          one whose weight interval holds h % total_weight.  A peer that
 *          cannot be used makes the loop hash again from h.
 * hash     Cache::Memcached's ((crc32([REHASH] KEY) >> 16) & 0x7fff)
 *          added to the previous value, REHASH being the attempt number
 *          (omitted the first time).
 * consistent  a ketama ring: each server line gives 160 points per weight
 *          unit, point j being crc32(HOST "\0" PORT PREV) where PREV is
 *          the previous point's four bytes (little-endian); the key's
 *          crc32 picks the first point at or after it.  Adding a server
 *          moves only the keys that fall on its new points.
 *
 * Each tries at most 20 times, then hands over to round robin, as nginx
 * does, so a mostly-down upstream still finds its live peers.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_upstream_peer.h>


typedef struct {
    uint32_t                  hash;
    hx_str_t                 *server;
} hx_upstream_chash_point_t;


typedef struct {
    hx_uint_t                 number;
    hx_upstream_chash_point_t point[1];
} hx_upstream_chash_points_t;


static hx_int_t hx_upstream_init_ip_hash_peer(hx_upstream_peer_data_t *pd);
static hx_int_t hx_upstream_get_ip_hash_peer(hx_peer_connection_t *pc,
    void *data);
static hx_int_t hx_upstream_get_hash_peer(hx_peer_connection_t *pc,
    void *data);
static hx_int_t hx_upstream_init_chash(hx_conf_t *cf, hx_upstream_t *us);
static int hx_upstream_chash_cmp_points(const void *one, const void *two);
static hx_uint_t hx_upstream_find_chash_point(
    hx_upstream_chash_points_t *points, uint32_t hash);
static hx_int_t hx_upstream_init_chash_peer(hx_upstream_peer_data_t *pd);
static hx_int_t hx_upstream_get_chash_peer(hx_peer_connection_t *pc,
    void *data);


#define HX_UPSTREAM_HASH_FLAGS                                                \
    (HX_UPSTREAM_CREATE|HX_UPSTREAM_MODIFY|HX_UPSTREAM_WEIGHT                 \
     |HX_UPSTREAM_MAX_CONNS|HX_UPSTREAM_MAX_FAILS                             \
     |HX_UPSTREAM_FAIL_TIMEOUT|HX_UPSTREAM_DOWN)


const hx_upstream_balancer_t  hx_upstream_ip_hash = {
    hx_string("ip_hash"),
    HX_UPSTREAM_HASH_FLAGS,
    NULL,
    hx_upstream_init_ip_hash_peer,
    hx_upstream_get_ip_hash_peer
};


const hx_upstream_balancer_t  hx_upstream_hash = {
    hx_string("hash"),
    HX_UPSTREAM_HASH_FLAGS,
    NULL,
    NULL,
    hx_upstream_get_hash_peer
};


const hx_upstream_balancer_t  hx_upstream_chash = {
    hx_string("hash"),
    HX_UPSTREAM_HASH_FLAGS,
    hx_upstream_init_chash,
    hx_upstream_init_chash_peer,
    hx_upstream_get_chash_peer
};


static uint8_t  hx_upstream_ip_hash_pseudo_addr[3];


static hx_int_t
hx_upstream_init_ip_hash_peer(hx_upstream_peer_data_t *pd)
{
    pd->hash = 89;
    return HX_OK;
}


/* the index of the peer whose weight interval holds w */
static hx_uint_t
hx_upstream_weight_walk(hx_upstream_peers_t *peers, hx_uint_t w)
{
    hx_uint_t  p;

    p = 0;

    /* a peer of weight 0 has an empty interval and is stepped over */
    while (w >= (hx_uint_t) peers->peer[p].weight) {
        w -= peers->peer[p].weight;
        p++;
    }

    return p;
}


static hx_int_t
hx_upstream_get_ip_hash_peer(hx_peer_connection_t *pc, void *data)
{
    hx_upstream_peer_data_t *pd = data;

    time_t                 now;
    size_t                 addrlen;
    uint8_t               *addr;
    uint32_t               hash;
    hx_uint_t              i, p;
    hx_upstream_peers_t   *peers;
    struct sockaddr_in    *sin;
    struct sockaddr_in6   *sin6;

    hx_log_debug(HX_LOG_DEBUG_EVENT, pc->log, 0,
                 "get ip hash peer, try: %ui", pc->tries);

    peers = pd->peers;

    hx_upstream_lock(peers);

    if (pd->tries > HX_UPSTREAM_HASH_TRIES
        || peers->number < 2
        || peers->total_weight == 0)
    {
        hx_upstream_unlock(peers);
        return hx_upstream_get_round_robin_peer(pc, pd);
    }

    addr = hx_upstream_ip_hash_pseudo_addr;
    addrlen = 3;

    if (pd->sel.client && pd->sel.client->sa_family == AF_INET) {
        sin = (struct sockaddr_in *) pd->sel.client;
        addr = (uint8_t *) &sin->sin_addr.s_addr;

    } else if (pd->sel.client && pd->sel.client->sa_family == AF_INET6) {
        sin6 = (struct sockaddr_in6 *) pd->sel.client;
        addr = sin6->sin6_addr.s6_addr;
        addrlen = 16;
    }

    now = hx_time();
    hash = pd->hash;

    for ( ;; ) {

        for (i = 0; i < addrlen; i++) {
            hash = (hash * 113 + addr[i]) % 6271;
        }

        p = hx_upstream_weight_walk(peers, hash % peers->total_weight);

        if (!hx_upstream_is_tried(pd, p)
            && hx_upstream_peer_available(&peers->peer[p], now))
        {
            break;
        }

        if (++pd->tries > HX_UPSTREAM_HASH_TRIES) {
            hx_upstream_unlock(peers);
            return hx_upstream_get_round_robin_peer(pc, pd);
        }
    }

    hx_log_debug(HX_LOG_DEBUG_EVENT, pc->log, 0,
                 "get ip hash peer, hash: %ui", p);

    hx_upstream_use_peer(pc, pd, p, now);
    pd->hash = hash;

    hx_upstream_unlock(peers);

    return HX_OK;
}


static hx_int_t
hx_upstream_get_hash_peer(hx_peer_connection_t *pc, void *data)
{
    hx_upstream_peer_data_t *pd = data;

    time_t                now;
    size_t                size;
    uint8_t               buf[HX_INT_T_LEN];
    uint32_t              hash;
    hx_uint_t             p;
    hx_upstream_peers_t  *peers;

    hx_log_debug(HX_LOG_DEBUG_EVENT, pc->log, 0,
                 "get hash peer, try: %ui", pc->tries);

    peers = pd->peers;

    hx_upstream_lock(peers);

    if (pd->tries > HX_UPSTREAM_HASH_TRIES
        || peers->number < 2
        || peers->total_weight == 0
        || pd->sel.key.len == 0)
    {
        hx_upstream_unlock(peers);
        return hx_upstream_get_round_robin_peer(pc, pd);
    }

    now = hx_time();

    for ( ;; ) {

        hx_crc32_init(hash);

        if (pd->rehash > 0) {
            size = hx_sprintf(buf, "%ui", pd->rehash) - buf;
            hx_crc32_update(&hash, buf, size);
        }

        hx_crc32_update(&hash, pd->sel.key.data, pd->sel.key.len);
        hx_crc32_final(hash);

        hash = (hash >> 16) & 0x7fff;

        pd->hash += hash;
        pd->rehash++;

        p = hx_upstream_weight_walk(peers, pd->hash % peers->total_weight);

        hx_log_debug(HX_LOG_DEBUG_EVENT, pc->log, 0,
                     "get hash peer, value:%uD, peer:%ui", pd->hash, p);

        if (!hx_upstream_is_tried(pd, p)
            && hx_upstream_peer_available(&peers->peer[p], now))
        {
            break;
        }

        if (++pd->tries > HX_UPSTREAM_HASH_TRIES) {
            hx_upstream_unlock(peers);
            return hx_upstream_get_round_robin_peer(pc, pd);
        }
    }

    hx_upstream_use_peer(pc, pd, p, now);

    hx_upstream_unlock(peers);

    return HX_OK;
}


/*
 * Splits a server line's address into host and port the way ketama
 * clients do: "unix:" paths have no port, otherwise the port is the
 * digits after the last colon.
 */
static void
hx_upstream_chash_split(hx_str_t *server, hx_str_t *host, hx_str_t *port)
{
    size_t   j;
    uint8_t  c;

    if (server->len >= 5
        && hx_strncasecmp(server->data, (uint8_t *) "unix:", 5) == 0)
    {
        host->data = server->data + 5;
        host->len = server->len - 5;
        port->data = NULL;
        port->len = 0;
        return;
    }

    for (j = 0; j < server->len; j++) {
        c = server->data[server->len - j - 1];

        if (c == ':') {
            host->data = server->data;
            host->len = server->len - j - 1;
            port->data = server->data + server->len - j;
            port->len = j;
            return;
        }

        if (c < '0' || c > '9') {
            break;
        }
    }

    *host = *server;
    port->data = NULL;
    port->len = 0;
}


static hx_int_t
hx_upstream_init_chash(hx_conf_t *cf, hx_upstream_t *us)
{
    size_t                       size;
    uint8_t                      prev[4];
    uint32_t                     hash, base;
    hx_str_t                     host, port;
    hx_uint_t                    npoints, i, j;
    hx_upstream_peer_t          *peer;
    hx_upstream_peers_t         *peers;
    hx_upstream_chash_points_t  *points;

    peers = us->peers;
    npoints = 0;

    for (i = 0; i < peers->number; i++) {
        npoints += peers->peer[i].conf_weight * HX_UPSTREAM_CHASH_POINTS;
    }

    size = sizeof(hx_upstream_chash_points_t)
           + sizeof(hx_upstream_chash_point_t) * npoints;

    points = hx_palloc(cf->pool, size);
    if (points == NULL) {
        return HX_ERROR;
    }

    points->number = 0;

    for (i = 0; i < peers->number; i++) {
        peer = &peers->peer[i];

        hx_upstream_chash_split(&peer->server, &host, &port);

        hx_crc32_init(base);
        hx_crc32_update(&base, host.data, host.len);
        hx_crc32_update(&base, (uint8_t *) "", 1);
        hx_crc32_update(&base, port.data, port.len);

        hx_memzero(prev, sizeof(prev));

        npoints = peer->conf_weight * HX_UPSTREAM_CHASH_POINTS;

        for (j = 0; j < npoints; j++) {
            hash = base;

            hx_crc32_update(&hash, prev, 4);
            hx_crc32_final(hash);

            points->point[points->number].hash = hash;
            points->point[points->number].server = &peer->server;
            points->number++;

            /* the previous point in little-endian, whatever the host */
            prev[0] = (uint8_t) (hash & 0xff);
            prev[1] = (uint8_t) ((hash >> 8) & 0xff);
            prev[2] = (uint8_t) ((hash >> 16) & 0xff);
            prev[3] = (uint8_t) ((hash >> 24) & 0xff);
        }
    }

    qsort(points->point, points->number, sizeof(hx_upstream_chash_point_t),
          hx_upstream_chash_cmp_points);

    /* equal hashes keep the first server that made them */
    if (points->number) {
        for (i = 0, j = 1; j < points->number; j++) {
            if (points->point[i].hash != points->point[j].hash) {
                points->point[++i] = points->point[j];
            }
        }

        points->number = i + 1;
    }

    us->balancer_data = points;

    return HX_OK;
}


static int
hx_upstream_chash_cmp_points(const void *one, const void *two)
{
    const hx_upstream_chash_point_t  *a = one;
    const hx_upstream_chash_point_t  *b = two;

    if (a->hash < b->hash) {
        return -1;
    }

    if (a->hash > b->hash) {
        return 1;
    }

    return 0;
}


/* the first point at or after hash (number when past the last) */
static hx_uint_t
hx_upstream_find_chash_point(hx_upstream_chash_points_t *points,
    uint32_t hash)
{
    hx_uint_t                   i, j, k;
    hx_upstream_chash_point_t  *point;

    point = &points->point[0];

    i = 0;
    j = points->number;

    while (i < j) {
        k = (i + j) / 2;

        if (hash > point[k].hash) {
            i = k + 1;

        } else if (hash < point[k].hash) {
            j = k;

        } else {
            return k;
        }
    }

    return i;
}


static hx_int_t
hx_upstream_init_chash_peer(hx_upstream_peer_data_t *pd)
{
    hx_upstream_chash_points_t  *points;

    points = pd->upstream->balancer_data;

    if (points->number) {
        pd->hash = hx_upstream_find_chash_point(points,
                            hx_crc32(pd->sel.key.data, pd->sel.key.len));
    }

    return HX_OK;
}


static hx_int_t
hx_upstream_get_chash_peer(hx_peer_connection_t *pc, void *data)
{
    hx_upstream_peer_data_t *pd = data;

    time_t                       now;
    hx_int_t                     total, best;
    hx_str_t                    *server;
    hx_uint_t                    i;
    hx_upstream_peer_t          *peer;
    hx_upstream_peers_t         *peers;
    hx_upstream_chash_points_t  *points;

    hx_log_debug(HX_LOG_DEBUG_EVENT, pc->log, 0,
                 "get consistent hash peer, try: %ui", pc->tries);

    peers = pd->peers;
    points = pd->upstream->balancer_data;

    hx_upstream_lock(peers);

    if (pd->tries > HX_UPSTREAM_HASH_TRIES
        || peers->single
        || pd->sel.key.len == 0
        || points->number == 0)
    {
        hx_upstream_unlock(peers);
        return hx_upstream_get_round_robin_peer(pc, pd);
    }

    now = hx_time();

    for ( ;; ) {
        server = points->point[pd->hash % points->number].server;

        hx_log_debug(HX_LOG_DEBUG_EVENT, pc->log, 0,
                     "consistent hash peer:%uD, server:\"%V\"",
                     pd->hash, server);

        /* a server line may stand for several addresses: rr among them */
        best = -1;
        total = 0;

        for (i = 0; i < peers->number; i++) {
            peer = &peers->peer[i];

            if (hx_upstream_is_tried(pd, i)
                || !hx_upstream_peer_available(peer, now)
                || !hx_str_eq(&peer->server, server))
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
            break;
        }

        pd->hash++;

        if (++pd->tries > HX_UPSTREAM_HASH_TRIES) {
            hx_upstream_unlock(peers);
            return hx_upstream_get_round_robin_peer(pc, pd);
        }
    }

    hx_upstream_use_peer(pc, pd, best, now);

    hx_upstream_unlock(peers);

    return HX_OK;
}

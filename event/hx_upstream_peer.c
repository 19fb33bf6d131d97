/*
 * The balancer-independent part of peer selection: the "server" line and
 * the balancer directives, building an upstream once its block is read,
 * the per-connection state every balancer shares, the get wrapper that
 * applies client affinity and reports "no live upstreams", and the calls
 * a health checker uses to change a peer at run time.
 *
 * One state structure (hx_upstream_peer_data_t) serves every balancer: it
 * is a few words larger than nginx's round-robin data, and in exchange a
 * balancer is three functions and the affinity table works with all of
 * them, because it sits in front of whichever get the upstream uses.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_upstream_peer.h>


static hx_int_t hx_upstream_get_peer(hx_peer_connection_t *pc, void *data);
static hx_int_t hx_upstream_get_affine_peer(hx_peer_connection_t *pc,
    hx_upstream_peer_data_t *pd, hx_uint_t *store);
static hx_upstream_peers_t *hx_upstream_group_of(hx_upstream_t *us,
    hx_upstream_peer_t *peer);
static hx_int_t hx_upstream_alloc_tried(hx_upstream_peer_data_t *pd,
    hx_pool_t *pool, hx_uint_t n);


static const hx_upstream_balancer_t  *hx_upstream_methods[] = {
    &hx_upstream_least_conn,
    &hx_upstream_ip_hash,
    NULL
};


hx_int_t
hx_upstream_conf_init(hx_conf_t *cf, hx_upstream_t *us, hx_str_t *name,
    in_port_t default_port, hx_uint_t with_servers)
{
    hx_memzero(us, sizeof(hx_upstream_t));

    us->name = *name;
    us->default_port = default_port;
    us->flags = HX_UPSTREAM_DEFAULT_FLAGS;

    /* keepalived's default granularity: one client address */
    us->affinity_conf.mask = 0xffffffff;
    us->affinity_conf.prefix6 = 128;

    if (cf->conf_file) {
        us->file_name = cf->conf_file->file.name.data;
        us->line = cf->conf_file->line;
    }

    if (with_servers) {
        us->servers = hx_array_create(cf->pool, 4,
                                      sizeof(hx_upstream_server_t));
        if (us->servers == NULL) {
            return HX_ERROR;
        }
    }

    return HX_OK;
}


/*
 * Parses one "key=value" or flag of a server line into us; returns
 * HX_OK, HX_DECLINED for an unknown or invalid one (the caller reports
 * it as invalid), HX_BUSY when the balancer does not accept it, and
 * HX_ERROR when the message was logged here.
 */
static hx_int_t
hx_upstream_server_param(hx_conf_t *cf, hx_upstream_t *us,
    hx_upstream_server_t *s, hx_str_t *v)
{
    hx_int_t   n;
    hx_str_t   t;

    if (v->len > 7 && hx_strncmp(v->data, "weight=", 7) == 0) {
        if (!(us->flags & HX_UPSTREAM_WEIGHT)) {
            return HX_BUSY;
        }

        n = hx_atoi(v->data + 7, v->len - 7);
        if (n == HX_ERROR || n == 0) {
            return HX_DECLINED;
        }

        s->weight = n;
        return HX_OK;
    }

    if (v->len >= 10 && hx_strncmp(v->data, "max_conns=", 10) == 0) {
        if (!(us->flags & HX_UPSTREAM_MAX_CONNS)) {
            return HX_BUSY;
        }

        n = hx_atoi(v->data + 10, v->len - 10);
        if (n == HX_ERROR) {
            return HX_DECLINED;
        }

        s->max_conns = n;
        return HX_OK;
    }

    if (v->len >= 10 && hx_strncmp(v->data, "max_fails=", 10) == 0) {
        if (!(us->flags & HX_UPSTREAM_MAX_FAILS)) {
            return HX_BUSY;
        }

        n = hx_atoi(v->data + 10, v->len - 10);
        if (n == HX_ERROR) {
            return HX_DECLINED;
        }

        s->max_fails = n;
        return HX_OK;
    }

    if (v->len >= 13 && hx_strncmp(v->data, "fail_timeout=", 13) == 0) {
        if (!(us->flags & HX_UPSTREAM_FAIL_TIMEOUT)) {
            return HX_BUSY;
        }

        t.len = v->len - 13;
        t.data = v->data + 13;

        n = hx_parse_time(&t, 1);
        if (n == HX_ERROR) {
            return HX_DECLINED;
        }

        s->fail_timeout = (time_t) n;
        return HX_OK;
    }

    if (v->len == 6 && hx_strncmp(v->data, "backup", 6) == 0) {
        if (!(us->flags & HX_UPSTREAM_BACKUP)) {
            return HX_BUSY;
        }

        s->backup = 1;
        return HX_OK;
    }

    if (v->len == 4 && hx_strncmp(v->data, "down", 4) == 0) {
        if (!(us->flags & HX_UPSTREAM_DOWN)) {
            return HX_BUSY;
        }

        s->down = 1;
        return HX_OK;
    }

    /* names are resolved once at start; no resolver runs afterwards */
    if (v->len == 7 && hx_strncmp(v->data, "resolve", 7) == 0) {
        s->resolve = 1;
        return HX_OK;
    }

    if (v->len >= 8 && hx_strncmp(v->data, "service=", 8) == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "parameter \"%V\" is not supported: SRV records "
                          "need a resolver at run time", v);
        return HX_ERROR;
    }

    return HX_DECLINED;
}


char *
hx_upstream_server(hx_conf_t *cf, hx_upstream_t *us)
{
    hx_int_t               rc;
    hx_str_t              *value;
    hx_url_t               u;
    hx_uint_t              i;
    hx_upstream_server_t  *s;

    if (us->servers == NULL) {
        us->servers = hx_array_create(cf->pool, 4,
                                      sizeof(hx_upstream_server_t));
        if (us->servers == NULL) {
            return HX_CONF_ERROR;
        }
    }

    s = hx_array_push(us->servers);
    if (s == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(s, sizeof(hx_upstream_server_t));

    s->weight = 1;
    s->max_fails = 1;
    s->fail_timeout = 10;

    value = cf->args->elts;

    for (i = 2; i < cf->args->nelts; i++) {

        rc = hx_upstream_server_param(cf, us, s, &value[i]);

        if (rc == HX_OK) {
            continue;
        }

        us->servers->nelts--;

        if (rc == HX_BUSY) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "balancing method does not support "
                              "parameter \"%V\"", &value[i]);

        } else if (rc == HX_DECLINED) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid parameter \"%V\"", &value[i]);
        }

        return HX_CONF_ERROR;
    }

    hx_memzero(&u, sizeof(hx_url_t));

    u.url = value[1];
    u.default_port = us->default_port;

    if (hx_parse_url(cf->pool, &u) != HX_OK) {
        us->servers->nelts--;

        if (u.err) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "%s in upstream \"%V\"", u.err, &u.url);
        }

        return HX_CONF_ERROR;
    }

    if (u.no_port && us->default_port == 0) {
        us->servers->nelts--;

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "no port in upstream \"%V\"", &u.url);
        return HX_CONF_ERROR;
    }

    s->name = u.url;
    s->addrs = u.addrs;
    s->naddrs = u.naddrs;

    return HX_CONF_OK;
}


hx_upstream_server_t *
hx_upstream_add_server(hx_pool_t *pool, hx_upstream_t *us,
    struct sockaddr *sockaddr, socklen_t socklen, hx_str_t *name)
{
    hx_addr_t             *addr;
    hx_upstream_server_t  *s;

    if (us->servers == NULL) {
        us->servers = hx_array_create(pool, 4, sizeof(hx_upstream_server_t));
        if (us->servers == NULL) {
            return NULL;
        }
    }

    addr = hx_pcalloc(pool, sizeof(hx_addr_t));
    if (addr == NULL) {
        return NULL;
    }

    addr->sockaddr = hx_palloc(pool, socklen);
    addr->name.data = hx_pnalloc(pool, name->len);

    if (addr->sockaddr == NULL || addr->name.data == NULL) {
        return NULL;
    }

    hx_memcpy(addr->sockaddr, sockaddr, socklen);
    addr->socklen = socklen;
    hx_memcpy(addr->name.data, name->data, name->len);
    addr->name.len = name->len;

    s = hx_array_push(us->servers);
    if (s == NULL) {
        return NULL;
    }

    hx_memzero(s, sizeof(hx_upstream_server_t));

    s->name = addr->name;
    s->addrs = addr;
    s->naddrs = 1;
    s->weight = 1;
    s->max_fails = 1;
    s->fail_timeout = 10;

    return s;
}


char *
hx_upstream_set_balancer(hx_conf_t *cf, hx_upstream_t *us,
    const hx_upstream_balancer_t *b, hx_uint_t balancer_flags)
{
    if (us->balancer) {
        hx_conf_log_error(HX_LOG_WARN, cf, 0,
                          "load balancing method redefined");
    }

    us->balancer = b;
    us->balancer_flags = balancer_flags;
    us->flags = b->flags;

    return HX_CONF_OK;
}


char *
hx_upstream_method(hx_conf_t *cf, hx_upstream_t *us)
{
    hx_str_t                       *value;
    hx_uint_t                       i;
    const hx_upstream_balancer_t   *b;

    value = cf->args->elts;

    for (i = 0; hx_upstream_methods[i]; i++) {
        b = hx_upstream_methods[i];

        if (hx_str_eq(&value[0], &b->name)) {
            return hx_upstream_set_balancer(cf, us, b, 0);
        }
    }

    if (value[0].len == 4 && hx_strncmp(value[0].data, "hash", 4) == 0) {

        if (cf->args->nelts == 2) {
            return hx_upstream_set_balancer(cf, us, &hx_upstream_hash, 0);
        }

        if (value[2].len == 10
            && hx_strncmp(value[2].data, "consistent", 10) == 0)
        {
            return hx_upstream_set_balancer(cf, us, &hx_upstream_chash, 0);
        }

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid parameter \"%V\"", &value[2]);
        return HX_CONF_ERROR;
    }

    if (value[0].len == 6 && hx_strncmp(value[0].data, "random", 6) == 0) {

        if (cf->args->nelts == 1) {
            return hx_upstream_set_balancer(cf, us, &hx_upstream_random, 0);
        }

        if (value[1].len != 3 || hx_strncmp(value[1].data, "two", 3) != 0) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid parameter \"%V\"", &value[1]);
            return HX_CONF_ERROR;
        }

        if (cf->args->nelts > 2
            && (value[2].len != 10
                || hx_strncmp(value[2].data, "least_conn", 10) != 0))
        {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid parameter \"%V\"", &value[2]);
            return HX_CONF_ERROR;
        }

        return hx_upstream_set_balancer(cf, us, &hx_upstream_random_two, 0);
    }

    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                      "unknown balancing method \"%V\"", &value[0]);
    return HX_CONF_ERROR;
}


hx_int_t
hx_upstream_init(hx_conf_t *cf, hx_upstream_t *us)
{
    const hx_upstream_balancer_t  *b;

    if (us->affinity_conf.timeout && us->shm_zone == NULL) {
        hx_log_error(HX_LOG_EMERG, cf->log, 0,
                     "persistence in upstream \"%V\" needs a shared zone "
                     "in %s:%ui", &us->name, us->file_name, us->line);
        return HX_ERROR;
    }

    if (hx_upstream_init_round_robin(cf, us) != HX_OK) {
        return HX_ERROR;
    }

    b = us->balancer ? us->balancer : &hx_upstream_round_robin;

    if (b->init && b->init(cf, us) != HX_OK) {
        return HX_ERROR;
    }

    us->generation = us->peers->generation;

    return HX_OK;
}


hx_int_t
hx_upstream_init_peer(hx_upstream_t *us, hx_peer_connection_t *pc,
    hx_pool_t *pool, hx_upstream_select_t *sel)
{
    hx_uint_t                       n;
    hx_upstream_peers_t            *peers;
    hx_upstream_peer_data_t        *pd;
    const hx_upstream_balancer_t   *b;

    pd = hx_pcalloc(pool, sizeof(hx_upstream_peer_data_t));
    if (pd == NULL) {
        return HX_ERROR;
    }

    peers = us->peers;

    pd->upstream = us;
    pd->peers = peers;

    if (sel) {
        pd->sel = *sel;
    }

    n = peers->number;

    if (peers->next && peers->next->number > n) {
        n = peers->next->number;
    }

    if (hx_upstream_alloc_tried(pd, pool, n) != HX_OK) {
        return HX_ERROR;
    }

    b = us->balancer ? us->balancer : &hx_upstream_round_robin;

    pd->get = b->get;

    pc->get = hx_upstream_get_peer;
    pc->free = hx_upstream_free_peer;
    pc->data = pd;
    pc->tries = peers->tries + (peers->next ? peers->next->tries : 0);

    if (b->init_peer && b->init_peer(pd) != HX_OK) {
        return HX_ERROR;
    }

    return HX_OK;
}


hx_int_t
hx_upstream_create_peer(hx_peer_connection_t *pc, hx_pool_t *pool,
    hx_addr_t *addrs, hx_uint_t naddrs, hx_str_t *name)
{
    hx_uint_t                 i;
    hx_upstream_peer_t       *peer;
    hx_upstream_peers_t      *peers;
    hx_upstream_peer_data_t  *pd;

    if (naddrs == 0) {
        return HX_ERROR;
    }

    pd = hx_pcalloc(pool, sizeof(hx_upstream_peer_data_t));
    peers = hx_pcalloc(pool, sizeof(hx_upstream_peers_t));
    peer = hx_pcalloc(pool, naddrs * sizeof(hx_upstream_peer_t));

    if (pd == NULL || peers == NULL || peer == NULL) {
        return HX_ERROR;
    }

    for (i = 0; i < naddrs; i++) {
        peer[i].sockaddr = addrs[i].sockaddr;
        peer[i].socklen = addrs[i].socklen;
        peer[i].name = addrs[i].name;
        peer[i].server = addrs[i].name;
        peer[i].weight = 1;
        peer[i].conf_weight = 1;
        peer[i].effective_weight = 1;
        peer[i].max_fails = 1;
        peer[i].fail_timeout = 10;
    }

    peers->peer = peer;
    peers->number = naddrs;
    peers->single = (naddrs == 1);
    peers->total_weight = naddrs;
    peers->tries = naddrs;
    peers->name = name;

    pd->peers = peers;
    pd->get = hx_upstream_get_round_robin_peer;

    if (hx_upstream_alloc_tried(pd, pool, naddrs) != HX_OK) {
        return HX_ERROR;
    }

    pc->get = hx_upstream_get_peer;
    pc->free = hx_upstream_free_peer;
    pc->data = pd;
    pc->tries = naddrs;

    return HX_OK;
}


static hx_int_t
hx_upstream_alloc_tried(hx_upstream_peer_data_t *pd, hx_pool_t *pool,
    hx_uint_t n)
{
    if (n <= HX_UPSTREAM_TRIED_BITS) {
        pd->tried = &pd->data;
        pd->data = 0;
        return HX_OK;
    }

    n = (n + HX_UPSTREAM_TRIED_BITS - 1) / HX_UPSTREAM_TRIED_BITS;

    pd->tried = hx_pcalloc(pool, n * sizeof(uintptr_t));
    if (pd->tried == NULL) {
        return HX_ERROR;
    }

    return HX_OK;
}


/*
 * pc->get of every upstream: the affinity table first, then the
 * balancer; a choice the balancer made is remembered for the client.
 */
static hx_int_t
hx_upstream_get_peer(hx_peer_connection_t *pc, void *data)
{
    hx_upstream_peer_data_t *pd = data;

    hx_int_t        rc;
    hx_uint_t       store, index;
    hx_upstream_t  *us;

    pc->cached = 0;
    pc->connection = NULL;

    us = pd->upstream;
    store = 0;

    if (us && us->affinity && pd->sel.client) {
        store = 1;

        if (hx_upstream_get_affine_peer(pc, pd, &store) == HX_OK) {
            return HX_OK;
        }
    }

    rc = pd->get(pc, pd);

    if (rc == HX_OK) {
        if (store) {
            index = pd->current - pd->peers->peer;

            if (pd->peers->backup) {
                index |= HX_UPSTREAM_AFFINITY_BACKUP;
            }

            (void) hx_upstream_affinity_store(us->affinity, pd->sel.client,
                                              pd->sel.client_len, index);
        }

        return HX_OK;
    }

    if (rc == HX_BUSY) {
        pc->name = pd->peers->name;

        if (pc->log) {
            hx_log_error(HX_LOG_ERR, pc->log, 0, "no live upstreams");
        }
    }

    return rc;
}


/*
 * The remembered peer when it can take this connection (HX_OK).  An
 * entry whose peer left the group, lost its weight or failed is dropped
 * so that the balancer's choice replaces it; one whose peer is merely
 * full or already tried by this connection is kept (*store = 0).
 */
static hx_int_t
hx_upstream_get_affine_peer(hx_peer_connection_t *pc,
    hx_upstream_peer_data_t *pd, hx_uint_t *store)
{
    time_t                now;
    hx_int_t              index;
    hx_uint_t             i;
    hx_upstream_t        *us;
    hx_upstream_peer_t   *peer;
    hx_upstream_peers_t  *peers;

    us = pd->upstream;

    index = hx_upstream_affinity_lookup(us->affinity, pd->sel.client,
                                        pd->sel.client_len);
    if (index < 0) {
        return HX_DECLINED;
    }

    peers = pd->peers;

    /* an entry of the other group waits until the balancer gets there */
    if (((index & HX_UPSTREAM_AFFINITY_BACKUP) != 0) != peers->backup) {
        return HX_DECLINED;
    }

    i = index & ~HX_UPSTREAM_AFFINITY_BACKUP;

    if (i >= peers->number) {
        return HX_DECLINED;
    }

    now = hx_time();
    peer = &peers->peer[i];

    hx_upstream_lock(peers);

    if (!hx_upstream_is_tried(pd, i) && hx_upstream_peer_available(peer, now))
    {
        hx_upstream_use_peer(pc, pd, i, now);
        hx_upstream_unlock(peers);
        return HX_OK;
    }

    if (hx_upstream_peer_member(peer)
        && peer->weight > 0
        && !(peer->max_fails
             && peer->fails >= peer->max_fails
             && now - peer->checked <= peer->fail_timeout))
    {
        *store = 0;
    }

    hx_upstream_unlock(peers);

    return HX_DECLINED;
}


void
hx_upstream_use_peer(hx_peer_connection_t *pc, hx_upstream_peer_data_t *pd,
    hx_uint_t i, time_t now)
{
    hx_upstream_peer_t  *peer;

    peer = &pd->peers->peer[i];

    pd->current = peer;
    hx_upstream_set_tried(pd, i);

    peer->conns++;
    peer->requests++;

    if (now - peer->checked > peer->fail_timeout) {
        peer->checked = now;
    }

    pc->sockaddr = peer->sockaddr;
    pc->socklen = peer->socklen;
    pc->name = &peer->name;
}


hx_uint_t
hx_upstream_switch_to_backup(hx_upstream_peer_data_t *pd)
{
    hx_uint_t  i, n;

    if (pd->peers->next == NULL || pd->peers->next->number == 0) {
        return 0;
    }

    pd->peers = pd->peers->next;

    n = (pd->peers->number + HX_UPSTREAM_TRIED_BITS - 1)
        / HX_UPSTREAM_TRIED_BITS;

    for (i = 0; i < n; i++) {
        pd->tried[i] = 0;
    }

    return 1;
}


hx_upstream_peer_t *
hx_upstream_find_peer(hx_upstream_t *us, struct sockaddr *sockaddr,
    socklen_t socklen)
{
    hx_uint_t             i;
    hx_upstream_peers_t  *peers;

    for (peers = us->peers; peers; peers = peers->next) {
        for (i = 0; i < peers->number; i++) {
            if (hx_cmp_sockaddr(peers->peer[i].sockaddr,
                                peers->peer[i].socklen,
                                sockaddr, socklen, 1)
                == HX_OK)
            {
                return &peers->peer[i];
            }
        }
    }

    return NULL;
}


static hx_upstream_peers_t *
hx_upstream_group_of(hx_upstream_t *us, hx_upstream_peer_t *peer)
{
    hx_upstream_peers_t  *peers;

    for (peers = us->peers; peers; peers = peers->next) {
        if (peer >= peers->peer && peer < peers->peer + peers->number) {
            return peers;
        }
    }

    return NULL;
}


void
hx_upstream_peer_set_down(hx_upstream_t *us, hx_upstream_peer_t *peer,
    hx_uint_t down)
{
    hx_upstream_peers_t  *peers;

    peers = us->peers;

    hx_upstream_lock(peers);

    down = down ? 1 : 0;

    if (peer->hc_down != down) {
        peer->hc_down = down;

        if (!down) {
            peer->fails = 0;
        }

        peers->generation++;
    }

    hx_upstream_unlock(peers);
}


void
hx_upstream_peer_set_weight(hx_upstream_t *us, hx_upstream_peer_t *peer,
    hx_int_t weight)
{
    hx_upstream_peers_t  *peers, *group;

    peers = us->peers;
    group = hx_upstream_group_of(us, peer);

    if (group == NULL) {
        return;
    }

    hx_upstream_lock(peers);

    if (weight < 0) {
        weight = peer->conf_weight;
    }

    peer->inhibited = (weight == 0);

    if (peer->weight != weight) {
        group->total_weight += weight - peer->weight;
        peer->weight = weight;

        if (peer->effective_weight > weight) {
            peer->effective_weight = weight;
        }

        peers->generation++;
    }

    hx_upstream_unlock(peers);
}


/* reseeds the generator in a child: workers must not share one sequence */
static uint64_t   hx_upstream_random_state;
static hx_uint_t  hx_upstream_random_hooked;


static void
hx_upstream_random_forget(void)
{
    hx_upstream_random_state = 0;
}


uint32_t
hx_upstream_random_number(void)
{
    uint64_t         x;
    struct timespec  ts;

    if (hx_upstream_random_state == 0) {

        if (!hx_upstream_random_hooked) {
            (void) pthread_atfork(NULL, NULL, hx_upstream_random_forget);
            hx_upstream_random_hooked = 1;
        }

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);

        x = ((uint64_t) getpid() << 32) ^ (uint64_t) ts.tv_nsec
            ^ ((uint64_t) ts.tv_sec << 20);

        /* splitmix64 spreads the few varying bits over the whole word */
        x += 0x9e3779b97f4a7c15ULL;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        x ^= x >> 31;

        hx_upstream_random_state = x ? x : 1;
    }

    /* xorshift64* */
    x = hx_upstream_random_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    hx_upstream_random_state = x;

    return (uint32_t) ((x * 0x2545f4914f6cdd1dULL) >> 32);
}

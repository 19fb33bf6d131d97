/*
 * Client affinity for keepalived's persistence_timeout: which peer a
 * client (its address masked by persistence_granularity) was sent to,
 * kept in the upstream's shared zone so that every worker honours it.
 *
 * Entries live in a red-black tree keyed by a crc32 of the masked
 * address, with the address itself breaking ties, and on a queue in
 * order of last use.  A hit restarts the entry's clock (as an IPVS
 * persistence template lives on while its client keeps coming), an
 * expired entry is dropped when met, and each store sweeps up to two
 * expired entries from the old end of the queue, so the table never
 * needs a timer.  When the zone is full the oldest entry gives way; a
 * client that still cannot be stored is balanced without affinity.
 *
 * Expiry uses the monotonic hx_current_msec, which every process reads
 * from the same clock.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_upstream_peer.h>


struct hx_upstream_affinity_s {
    hx_slab_pool_t               *shpool;
    hx_upstream_affinity_conf_t   conf;
    hx_rbtree_t                   rbtree;
    hx_rbtree_node_t              sentinel;
    hx_queue_t                    queue;     /* most recently used first */
    hx_uint_t                     count;
};


typedef struct {
    hx_rbtree_node_t              node;      /* key: crc32 of the key */
    hx_queue_t                    queue;
    hx_msec_t                     expire;
    uint32_t                      peer;
    uint8_t                       len;
    uint8_t                       addr[17];  /* family, masked address */
} hx_upstream_affinity_node_t;


/* the lookup key of a client: its family byte and masked address */
typedef struct {
    uint32_t                      hash;
    uint8_t                       len;
    uint8_t                       addr[17];
} hx_upstream_affinity_key_t;


static hx_int_t hx_upstream_affinity_key(hx_upstream_affinity_t *aff,
    struct sockaddr *sa, socklen_t len, hx_upstream_affinity_key_t *key);
static hx_upstream_affinity_node_t *hx_upstream_affinity_find(
    hx_upstream_affinity_t *aff, hx_upstream_affinity_key_t *key);
static void hx_upstream_affinity_rbtree_insert(hx_rbtree_node_t *temp,
    hx_rbtree_node_t *node, hx_rbtree_node_t *sentinel);
static void hx_upstream_affinity_delete(hx_upstream_affinity_t *aff,
    hx_upstream_affinity_node_t *an);
static void hx_upstream_affinity_expire(hx_upstream_affinity_t *aff,
    hx_uint_t n, hx_uint_t force);


void
hx_upstream_set_persistence(hx_upstream_t *us, time_t timeout,
    in_addr_t mask, hx_uint_t prefix6)
{
    us->affinity_conf.timeout = timeout;
    us->affinity_conf.mask = mask;
    us->affinity_conf.prefix6 = prefix6 > 128 ? 128 : prefix6;
}


hx_upstream_affinity_t *
hx_upstream_affinity_create(hx_slab_pool_t *shpool,
    hx_upstream_affinity_conf_t *conf)
{
    hx_upstream_affinity_t  *aff;

    aff = hx_slab_calloc(shpool, sizeof(hx_upstream_affinity_t));
    if (aff == NULL) {
        return NULL;
    }

    aff->shpool = shpool;
    aff->conf = *conf;

    hx_rbtree_init(&aff->rbtree, &aff->sentinel,
                   hx_upstream_affinity_rbtree_insert);
    hx_queue_init(&aff->queue);

    return aff;
}


hx_int_t
hx_upstream_affinity_lookup(hx_upstream_affinity_t *aff,
    struct sockaddr *client, socklen_t len)
{
    hx_int_t                      peer;
    hx_upstream_affinity_key_t    key;
    hx_upstream_affinity_node_t  *an;

    if (hx_upstream_affinity_key(aff, client, len, &key) != HX_OK) {
        return -1;
    }

    hx_shmtx_lock(&aff->shpool->mutex);

    an = hx_upstream_affinity_find(aff, &key);

    if (an == NULL) {
        hx_shmtx_unlock(&aff->shpool->mutex);
        return -1;
    }

    if ((hx_msec_int_t) (an->expire - hx_current_msec) <= 0) {
        hx_upstream_affinity_delete(aff, an);
        hx_shmtx_unlock(&aff->shpool->mutex);
        return -1;
    }

    an->expire = hx_current_msec + (hx_msec_t) aff->conf.timeout * 1000;

    hx_queue_remove(&an->queue);
    hx_queue_insert_head(&aff->queue, &an->queue);

    peer = an->peer;

    hx_shmtx_unlock(&aff->shpool->mutex);

    return peer;
}


hx_int_t
hx_upstream_affinity_store(hx_upstream_affinity_t *aff,
    struct sockaddr *client, socklen_t len, hx_uint_t peer)
{
    hx_upstream_affinity_key_t    key;
    hx_upstream_affinity_node_t  *an;

    if (hx_upstream_affinity_key(aff, client, len, &key) != HX_OK) {
        return HX_ERROR;
    }

    hx_shmtx_lock(&aff->shpool->mutex);

    hx_upstream_affinity_expire(aff, 2, 0);

    an = hx_upstream_affinity_find(aff, &key);

    if (an == NULL) {
        an = hx_slab_alloc_locked(aff->shpool,
                                  sizeof(hx_upstream_affinity_node_t));

        if (an == NULL) {
            /* full: the least recently used entry gives way */
            hx_upstream_affinity_expire(aff, 1, 1);

            an = hx_slab_alloc_locked(aff->shpool,
                                      sizeof(hx_upstream_affinity_node_t));
            if (an == NULL) {
                hx_shmtx_unlock(&aff->shpool->mutex);
                return HX_ERROR;
            }
        }

        an->node.key = key.hash;
        an->len = key.len;
        hx_memcpy(an->addr, key.addr, key.len);

        hx_rbtree_insert(&aff->rbtree, &an->node);
        aff->count++;

    } else {
        hx_queue_remove(&an->queue);
    }

    an->peer = (uint32_t) peer;
    an->expire = hx_current_msec + (hx_msec_t) aff->conf.timeout * 1000;

    hx_queue_insert_head(&aff->queue, &an->queue);

    hx_shmtx_unlock(&aff->shpool->mutex);

    return HX_OK;
}


void
hx_upstream_affinity_remove(hx_upstream_affinity_t *aff,
    struct sockaddr *client, socklen_t len)
{
    hx_upstream_affinity_key_t    key;
    hx_upstream_affinity_node_t  *an;

    if (hx_upstream_affinity_key(aff, client, len, &key) != HX_OK) {
        return;
    }

    hx_shmtx_lock(&aff->shpool->mutex);

    an = hx_upstream_affinity_find(aff, &key);

    if (an) {
        hx_upstream_affinity_delete(aff, an);
    }

    hx_shmtx_unlock(&aff->shpool->mutex);
}


hx_uint_t
hx_upstream_affinity_count(hx_upstream_affinity_t *aff)
{
    return aff->count;
}


/* the masked address of an IPv4 or IPv6 client; HX_DECLINED otherwise */
static hx_int_t
hx_upstream_affinity_key(hx_upstream_affinity_t *aff, struct sockaddr *sa,
    socklen_t len, hx_upstream_affinity_key_t *key)
{
    in_addr_t             a;
    hx_uint_t             i, bits;
    struct sockaddr_in6  *sin6;

    (void) len;

    switch (sa->sa_family) {

    case AF_INET:
        a = ((struct sockaddr_in *) sa)->sin_addr.s_addr & aff->conf.mask;

        key->addr[0] = AF_INET;
        hx_memcpy(&key->addr[1], &a, 4);
        key->len = 5;
        break;

    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) sa;

        key->addr[0] = AF_INET6;
        hx_memcpy(&key->addr[1], sin6->sin6_addr.s6_addr, 16);
        key->len = 17;

        bits = aff->conf.prefix6;

        for (i = 0; i < 16; i++) {
            if (bits >= 8) {
                bits -= 8;
                continue;
            }

            key->addr[1 + i] &= (uint8_t) (0xff << (8 - bits));
            bits = 0;
        }

        break;

    default:
        return HX_DECLINED;
    }

    key->hash = hx_crc32(key->addr, key->len);

    return HX_OK;
}


static hx_upstream_affinity_node_t *
hx_upstream_affinity_find(hx_upstream_affinity_t *aff,
    hx_upstream_affinity_key_t *key)
{
    hx_int_t                      rc;
    hx_rbtree_node_t             *node, *sentinel;
    hx_upstream_affinity_node_t  *an;

    node = aff->rbtree.root;
    sentinel = aff->rbtree.sentinel;

    while (node != sentinel) {

        if (key->hash < node->key) {
            node = node->left;
            continue;
        }

        if (key->hash > node->key) {
            node = node->right;
            continue;
        }

        an = (hx_upstream_affinity_node_t *) node;

        rc = (key->len == an->len)
             ? hx_memcmp(key->addr, an->addr, key->len)
             : (hx_int_t) key->len - (hx_int_t) an->len;

        if (rc == 0) {
            return an;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


/* ordered by hash, then by length and bytes of the key */
static void
hx_upstream_affinity_rbtree_insert(hx_rbtree_node_t *temp,
    hx_rbtree_node_t *node, hx_rbtree_node_t *sentinel)
{
    hx_int_t                      rc;
    hx_rbtree_node_t            **p;
    hx_upstream_affinity_node_t  *an, *at;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else {
            an = (hx_upstream_affinity_node_t *) node;
            at = (hx_upstream_affinity_node_t *) temp;

            rc = (an->len == at->len)
                 ? hx_memcmp(an->addr, at->addr, an->len)
                 : (hx_int_t) an->len - (hx_int_t) at->len;

            p = (rc < 0) ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    hx_rbt_red(node);
}


static void
hx_upstream_affinity_delete(hx_upstream_affinity_t *aff,
    hx_upstream_affinity_node_t *an)
{
    hx_queue_remove(&an->queue);
    hx_rbtree_delete(&aff->rbtree, &an->node);
    hx_slab_free_locked(aff->shpool, an);
    aff->count--;
}


/* drops up to n entries from the old end: expired ones, or any if force */
static void
hx_upstream_affinity_expire(hx_upstream_affinity_t *aff, hx_uint_t n,
    hx_uint_t force)
{
    hx_queue_t                   *q;
    hx_upstream_affinity_node_t  *an;

    while (n-- && !hx_queue_empty(&aff->queue)) {
        q = hx_queue_last(&aff->queue);
        an = hx_queue_data(q, hx_upstream_affinity_node_t, queue);

        if (!force && (hx_msec_int_t) (an->expire - hx_current_msec) > 0) {
            return;
        }

        hx_upstream_affinity_delete(aff, an);
    }
}

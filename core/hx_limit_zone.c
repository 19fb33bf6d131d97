/*
 * Shared-memory zones of per-key records for limit_conn and limit_req,
 * and limit_conn's counters.
 *
 * Records are ordered by crc32 of the key, ties broken by the key's
 * bytes, the way nginx orders them; since every record says where its
 * key starts (hx_limit_node_t.off), one insert and one lookup serve
 * limit_conn's small counters and limit_req's larger buckets alike.
 *
 * A limit_conn count is tied to a pool: the cleanup that gives it back
 * is registered before the count is taken, so no failure can leave a
 * count behind, and a count whose node reaches zero frees the node at
 * once.  When a later limit of the same request refuses, the counts
 * already taken are given back on the spot by running the run of our
 * cleanups at the head of the pool's list.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_limit_zone.h>


/* a limit_conn record */
typedef struct {
    hx_limit_node_t         head;
    uint16_t                conn;
    uint8_t                 data[1];
} hx_limit_conn_node_t;


typedef struct {
    hx_shm_zone_t          *shm_zone;
    hx_rbtree_node_t       *node;
} hx_limit_conn_cleanup_t;


static hx_int_t hx_limit_zone_parse(hx_conf_t *cf, hx_str_t *arg,
    hx_str_t *name, ssize_t *size);
static char *hx_limit_zone_add(hx_conf_t *cf, hx_command_t *cmd,
    hx_str_t *name, ssize_t size, void *tag, hx_limit_zone_t *z);
static void hx_limit_zone_insert_value(hx_rbtree_node_t *temp,
    hx_rbtree_node_t *node, hx_rbtree_node_t *sentinel);
static void hx_limit_conn_cleanup(void *data);


char *
hx_limit_zone_directive(hx_conf_t *cf, hx_command_t *cmd,
    hx_limit_zone_t *z, void *tag, hx_limit_zone_param_pt param,
    void *data)
{
    ssize_t     size;
    hx_int_t    rc;
    hx_str_t   *value, name;
    hx_uint_t   i;

    value = cf->args->elts;

    size = 0;
    name.len = 0;
    name.data = NULL;

    for (i = 2; i < cf->args->nelts; i++) {
        rc = hx_limit_zone_parse(cf, &value[i], &name, &size);

        if (rc == HX_DECLINED && param) {
            rc = param(cf, &value[i], data);
        }

        if (rc == HX_ERROR) {
            return HX_CONF_ERROR;
        }

        if (rc == HX_DECLINED) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid parameter \"%V\"", &value[i]);
            return HX_CONF_ERROR;
        }
    }

    return hx_limit_zone_add(cf, cmd, &name, size, tag, z);
}


/* "zone=name:size"; HX_DECLINED for another parameter */
static hx_int_t
hx_limit_zone_parse(hx_conf_t *cf, hx_str_t *arg, hx_str_t *name,
    ssize_t *size)
{
    uint8_t   *p;
    hx_str_t   s;

    if (arg->len < 5 || hx_strncmp(arg->data, "zone=", 5) != 0) {
        return HX_DECLINED;
    }

    name->data = arg->data + 5;

    p = (uint8_t *) hx_strchr(name->data, ':');

    if (p == NULL) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid zone size \"%V\"", arg);
        return HX_ERROR;
    }

    name->len = p - name->data;

    s.data = p + 1;
    s.len = arg->data + arg->len - s.data;

    *size = hx_parse_size(&s);

    if (*size == HX_ERROR) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid zone size \"%V\"", arg);
        return HX_ERROR;
    }

    if (*size < (ssize_t) (8 * getpagesize())) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "zone \"%V\" is too small", arg);
        return HX_ERROR;
    }

    return HX_OK;
}


/* registers the zone name for z, unless no zone= was given */
static char *
hx_limit_zone_add(hx_conf_t *cf, hx_command_t *cmd, hx_str_t *name,
    ssize_t size, void *tag, hx_limit_zone_t *z)
{
    hx_shm_zone_t    *shm_zone;
    hx_limit_zone_t  *bound;

    if (name->len == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "\"%V\" must have \"zone\" parameter",
                          &cmd->name);
        return HX_CONF_ERROR;
    }

    shm_zone = hx_shared_memory_add(cf, name, size, tag);
    if (shm_zone == NULL) {
        return HX_CONF_ERROR;
    }

    if (shm_zone->data) {
        bound = shm_zone->data;

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "%V \"%V\" is already bound to key \"%V\"",
                          &cmd->name, name, &bound->key);
        return HX_CONF_ERROR;
    }

    shm_zone->init = hx_limit_zone_init;
    shm_zone->data = z;

    return HX_CONF_OK;
}


hx_int_t
hx_limit_zone_init(hx_shm_zone_t *shm_zone, void *data)
{
    hx_limit_zone_t  *octx = data;

    size_t            len;
    hx_limit_zone_t  *ctx;

    ctx = shm_zone->data;

    if (octx) {
        if (!hx_str_eq(&ctx->key, &octx->key)) {
            hx_log_error(HX_LOG_EMERG, shm_zone->shm.log, 0,
                         "%s \"%V\" uses the \"%V\" key "
                         "while previously it used the \"%V\" key",
                         ctx->name, &shm_zone->shm.name, &ctx->key,
                         &octx->key);
            return HX_ERROR;
        }

        ctx->sh = octx->sh;
        ctx->shpool = octx->shpool;

        return HX_OK;
    }

    ctx->shpool = (hx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        ctx->sh = ctx->shpool->data;
        return HX_OK;
    }

    ctx->sh = hx_slab_alloc(ctx->shpool, sizeof(hx_limit_zone_sh_t));
    if (ctx->sh == NULL) {
        return HX_ERROR;
    }

    ctx->shpool->data = ctx->sh;

    hx_rbtree_init(&ctx->sh->rbtree, &ctx->sh->sentinel,
                   hx_limit_zone_insert_value);

    hx_queue_init(&ctx->sh->queue);

    len = sizeof(" in  \"\"") + hx_strlen(ctx->log_name)
          + shm_zone->shm.name.len;

    ctx->shpool->log_ctx = hx_slab_alloc(ctx->shpool, len);
    if (ctx->shpool->log_ctx == NULL) {
        return HX_ERROR;
    }

    hx_sprintf(ctx->shpool->log_ctx, " in %s \"%V\"%Z", ctx->log_name,
               &shm_zone->shm.name);

    if (ctx->quiet_nomem) {
        ctx->shpool->log_nomem = 0;
    }

    return HX_OK;
}


hx_rbtree_node_t *
hx_limit_zone_lookup(hx_limit_zone_t *z, hx_str_t *key, uint32_t hash)
{
    hx_int_t           rc;
    hx_limit_node_t   *lh;
    hx_rbtree_node_t  *node, *sentinel;

    node = z->sh->rbtree.root;
    sentinel = z->sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash != node->key) {
            node = (hash < node->key) ? node->left : node->right;
            continue;
        }

        lh = hx_limit_node(node);

        rc = hx_memn2cmp(key->data, hx_limit_node_key(lh), key->len,
                         (size_t) lh->len);

        if (rc == 0) {
            return node;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


void
hx_limit_zone_insert(hx_limit_zone_t *z, hx_rbtree_node_t *node,
    size_t off, hx_str_t *key, uint32_t hash)
{
    hx_limit_node_t  *lh;

    lh = hx_limit_node(node);

    node->key = hash;
    lh->off = (uint8_t) off;
    lh->len = (uint16_t) key->len;
    hx_memcpy(hx_limit_node_key(lh), key->data, key->len);

    hx_rbtree_insert(&z->sh->rbtree, node);
}


static void
hx_limit_zone_insert_value(hx_rbtree_node_t *temp, hx_rbtree_node_t *node,
    hx_rbtree_node_t *sentinel)
{
    hx_limit_node_t    *lh, *lht;
    hx_rbtree_node_t  **p;

    for ( ;; ) {

        if (node->key != temp->key) {
            p = (node->key < temp->key) ? &temp->left : &temp->right;

        } else {
            lh = hx_limit_node(node);
            lht = hx_limit_node(temp);

            p = (hx_memn2cmp(hx_limit_node_key(lh), hx_limit_node_key(lht),
                             lh->len, lht->len) < 0)
                ? &temp->left : &temp->right;
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


hx_int_t
hx_limit_conn_take(hx_limit_conn_limit_t *limit, hx_str_t *key,
    hx_pool_t *pool)
{
    uint32_t                  hash;
    hx_limit_zone_t          *z;
    hx_rbtree_node_t         *node;
    hx_pool_cleanup_t        *cln;
    hx_limit_conn_node_t     *lc;
    hx_limit_conn_cleanup_t  *lccln;

    z = limit->shm_zone->data;

    cln = hx_pool_cleanup_add(pool, sizeof(hx_limit_conn_cleanup_t));
    if (cln == NULL) {
        return HX_ERROR;
    }

    lccln = cln->data;
    lccln->shm_zone = limit->shm_zone;
    lccln->node = NULL;
    cln->handler = hx_limit_conn_cleanup;

    hash = hx_crc32(key->data, key->len);

    hx_shmtx_lock(&z->shpool->mutex);

    node = hx_limit_zone_lookup(z, key, hash);

    if (node == NULL) {
        node = hx_slab_alloc_locked(z->shpool,
                   hx_limit_node_size(offsetof(hx_limit_conn_node_t, data),
                                      key->len));
        if (node == NULL) {
            hx_shmtx_unlock(&z->shpool->mutex);
            return HX_DECLINED;
        }

        hx_limit_zone_insert(z, node, offsetof(hx_limit_conn_node_t, data),
                             key, hash);

        lc = (hx_limit_conn_node_t *) hx_limit_node(node);
        lc->conn = 1;

    } else {
        lc = (hx_limit_conn_node_t *) hx_limit_node(node);

        if ((hx_uint_t) lc->conn >= limit->conn) {
            hx_shmtx_unlock(&z->shpool->mutex);
            return HX_BUSY;
        }

        lc->conn++;
    }

    hx_log_debug(HX_LOG_DEBUG_CORE, pool->log, 0,
                 "limit conn: %08XD %d", (uint32_t) node->key,
                 (int) lc->conn);

    hx_shmtx_unlock(&z->shpool->mutex);

    lccln->node = node;

    return HX_OK;
}


/* the pool is going: one count fewer for its key */
static void
hx_limit_conn_cleanup(void *data)
{
    hx_limit_conn_cleanup_t  *lccln = data;

    hx_limit_zone_t       *z;
    hx_rbtree_node_t      *node;
    hx_limit_conn_node_t  *lc;

    if (lccln->node == NULL) {
        return;
    }

    z = lccln->shm_zone->data;
    node = lccln->node;
    lc = (hx_limit_conn_node_t *) hx_limit_node(node);

    hx_shmtx_lock(&z->shpool->mutex);

    lc->conn--;

    if (lc->conn == 0) {
        hx_rbtree_delete(&z->sh->rbtree, node);
        hx_slab_free_locked(z->shpool, node);
    }

    hx_shmtx_unlock(&z->shpool->mutex);

    lccln->node = NULL;
}


void
hx_limit_conn_give_back(hx_pool_t *pool)
{
    hx_pool_cleanup_t  *cln;

    cln = pool->cleanup;

    while (cln && (cln->handler == hx_limit_conn_cleanup
                   || cln->handler == NULL))
    {
        if (cln->handler) {
            hx_limit_conn_cleanup(cln->data);
        }

        cln = cln->next;
    }

    pool->cleanup = cln;
}


char *
hx_limit_conn_directive(hx_conf_t *cf, hx_array_t *limits, void *tag)
{
    hx_int_t                n;
    hx_str_t               *value;
    hx_uint_t               i;
    hx_shm_zone_t          *shm_zone;
    hx_limit_conn_limit_t  *limit;

    value = cf->args->elts;

    shm_zone = hx_shared_memory_add(cf, &value[1], 0, tag);
    if (shm_zone == NULL) {
        return HX_CONF_ERROR;
    }

    if (limits->elts == NULL
        && hx_array_init(limits, cf->pool, 1, sizeof(hx_limit_conn_limit_t))
           != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    limit = limits->elts;

    for (i = 0; i < limits->nelts; i++) {
        if (shm_zone == limit[i].shm_zone) {
            return "is duplicate";
        }
    }

    n = hx_atoi(value[2].data, value[2].len);
    if (n <= 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid number of connections \"%V\"", &value[2]);
        return HX_CONF_ERROR;
    }

    if (n > 65535) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "connection limit must be less 65536");
        return HX_CONF_ERROR;
    }

    limit = hx_array_push(limits);
    if (limit == NULL) {
        return HX_CONF_ERROR;
    }

    limit->conn = (hx_uint_t) n;
    limit->shm_zone = shm_zone;

    return HX_CONF_OK;
}

/*
 * limit_conn_zone, limit_conn in stream: how many sessions with one key
 * (usually $binary_remote_addr) may run at once, counted across all
 * workers in a shared zone.
 *
 * The zone holds a red-black tree of counters keyed by crc32 of the key.
 * The preaccess handler takes one count per limit of the server, refuses
 * with 503 when a counter is at its maximum (giving back the counts it
 * already took), and registers a cleanup on the connection's pool that
 * gives the count back, so the count follows the session's life however
 * it ends; a counter that drops to zero leaves the tree at once.  With
 * limit_conn_dry_run the refusal is only logged and shown in
 * $limit_conn_status.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>


#define HX_STREAM_LIMIT_CONN_PASSED            1
#define HX_STREAM_LIMIT_CONN_REJECTED          2
#define HX_STREAM_LIMIT_CONN_REJECTED_DRY_RUN  3


/* lives in the rbtree node from its "color" byte on */
typedef struct {
    uint8_t                         color;
    uint8_t                         len;
    uint16_t                        conn;
    uint8_t                         data[1];
} hx_stream_limit_conn_node_t;


typedef struct {
    hx_shm_zone_t                  *shm_zone;
    hx_rbtree_node_t               *node;
} hx_stream_limit_conn_cleanup_t;


typedef struct {
    hx_rbtree_t                     rbtree;
    hx_rbtree_node_t                sentinel;
} hx_stream_limit_conn_shctx_t;


typedef struct {
    hx_stream_limit_conn_shctx_t   *sh;
    hx_slab_pool_t                 *shpool;
    hx_stream_complex_value_t       key;
} hx_stream_limit_conn_ctx_t;


typedef struct {
    hx_shm_zone_t                  *shm_zone;
    hx_uint_t                       conn;
} hx_stream_limit_conn_limit_t;


typedef struct {
    hx_array_t                      limits;
                                        /* hx_stream_limit_conn_limit_t */
    hx_uint_t                       log_level;
    hx_flag_t                       dry_run;
} hx_stream_limit_conn_conf_t;


#define hx_stream_limit_conn_node(n)                                          \
    ((hx_stream_limit_conn_node_t *) &(n)->color)


static hx_int_t hx_stream_limit_conn_handler(hx_stream_session_t *s);
static hx_int_t hx_stream_limit_conn_take(hx_stream_session_t *s,
    hx_stream_limit_conn_limit_t *limit, hx_str_t *key,
    hx_stream_limit_conn_conf_t *lccf);
static hx_int_t hx_stream_limit_conn_refuse(hx_stream_session_t *s,
    hx_stream_limit_conn_conf_t *lccf);
static hx_rbtree_node_t *hx_stream_limit_conn_lookup(hx_rbtree_t *rbtree,
    hx_str_t *key, uint32_t hash);
static void hx_stream_limit_conn_rbtree_insert_value(hx_rbtree_node_t *temp,
    hx_rbtree_node_t *node, hx_rbtree_node_t *sentinel);
static void hx_stream_limit_conn_cleanup(void *data);
static void hx_stream_limit_conn_cleanup_all(hx_pool_t *pool);
static hx_int_t hx_stream_limit_conn_init_zone(hx_shm_zone_t *shm_zone,
    void *data);

static hx_int_t hx_stream_limit_conn_status_variable(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static void *hx_stream_limit_conn_create_conf(hx_conf_t *cf);
static char *hx_stream_limit_conn_merge_conf(hx_conf_t *cf, void *parent,
    void *child);
static char *hx_stream_limit_conn_zone(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_stream_limit_conn(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static hx_int_t hx_stream_limit_conn_add_variables(hx_conf_t *cf);
static hx_int_t hx_stream_limit_conn_init(hx_conf_t *cf);


static hx_conf_enum_t  hx_stream_limit_conn_log_levels[] = {
    { hx_string("info"), HX_LOG_INFO },
    { hx_string("notice"), HX_LOG_NOTICE },
    { hx_string("warn"), HX_LOG_WARN },
    { hx_string("error"), HX_LOG_ERR },
    { hx_null_string, 0 }
};


static hx_command_t  hx_stream_limit_conn_commands[] = {

    { hx_string("limit_conn_zone"),
      HX_STREAM_MAIN_CONF|HX_CONF_TAKE2,
      hx_stream_limit_conn_zone,
      0,
      0,
      NULL },

    { hx_string("limit_conn"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE2,
      hx_stream_limit_conn,
      HX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    { hx_string("limit_conn_log_level"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_conf_set_enum_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_limit_conn_conf_t, log_level),
      &hx_stream_limit_conn_log_levels },

    { hx_string("limit_conn_dry_run"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_limit_conn_conf_t, dry_run),
      NULL },

    hx_null_command
};


static hx_stream_module_t  hx_stream_limit_conn_module_ctx = {
    hx_stream_limit_conn_add_variables,   /* preconfiguration */
    hx_stream_limit_conn_init,            /* postconfiguration */

    NULL,                                 /* create main configuration */
    NULL,                                 /* init main configuration */

    hx_stream_limit_conn_create_conf,     /* create server configuration */
    hx_stream_limit_conn_merge_conf       /* merge server configuration */
};


hx_module_t  hx_stream_limit_conn_module = {
    HX_MODULE_V1,
    "hx_stream_limit_conn_module",
    &hx_stream_limit_conn_module_ctx,
    hx_stream_limit_conn_commands,
    HX_STREAM_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static hx_stream_variable_t  hx_stream_limit_conn_vars[] = {

    { hx_string("limit_conn_status"), NULL,
      hx_stream_limit_conn_status_variable, 0,
      HX_STREAM_VAR_NOCACHEABLE, 0 },

    hx_stream_null_variable
};


static hx_str_t  hx_stream_limit_conn_status[] = {
    hx_string("PASSED"),
    hx_string("REJECTED"),
    hx_string("REJECTED_DRY_RUN")
};


static hx_int_t
hx_stream_limit_conn_handler(hx_stream_session_t *s)
{
    hx_int_t                        rc;
    hx_str_t                        key;
    hx_uint_t                       i;
    hx_stream_limit_conn_ctx_t     *ctx;
    hx_stream_limit_conn_conf_t    *lccf;
    hx_stream_limit_conn_limit_t   *limits;

    lccf = hx_stream_get_module_srv_conf(s, hx_stream_limit_conn_module);
    limits = lccf->limits.elts;

    for (i = 0; i < lccf->limits.nelts; i++) {
        ctx = limits[i].shm_zone->data;

        if (hx_stream_complex_value(s, &ctx->key, &key) != HX_OK) {
            return HX_ERROR;
        }

        if (key.len == 0) {
            continue;
        }

        if (key.len > 255) {
            hx_log_error(HX_LOG_ERR, s->connection->log, 0,
                         "the value of the \"%V\" key "
                         "is more than 255 bytes: \"%V\"",
                         &ctx->key.value, &key);
            continue;
        }

        s->limit_conn_status = HX_STREAM_LIMIT_CONN_PASSED;

        rc = hx_stream_limit_conn_take(s, &limits[i], &key, lccf);

        if (rc != HX_OK) {
            return rc;
        }
    }

    return HX_DECLINED;
}


/*
 * One count of limit for key.  HX_OK, a status that ends the session
 * (503), HX_DECLINED (dry run: refused but let through) or HX_ERROR.
 */
static hx_int_t
hx_stream_limit_conn_take(hx_stream_session_t *s,
    hx_stream_limit_conn_limit_t *limit, hx_str_t *key,
    hx_stream_limit_conn_conf_t *lccf)
{
    size_t                           n;
    uint32_t                         hash;
    hx_rbtree_node_t                *node;
    hx_pool_cleanup_t               *cln;
    hx_stream_limit_conn_ctx_t      *ctx;
    hx_stream_limit_conn_node_t     *lc;
    hx_stream_limit_conn_cleanup_t  *lccln;

    ctx = limit->shm_zone->data;

    /* the cleanup first, so no failure can leave a count behind */

    cln = hx_pool_cleanup_add(s->connection->pool,
                              sizeof(hx_stream_limit_conn_cleanup_t));
    if (cln == NULL) {
        return HX_ERROR;
    }

    lccln = cln->data;
    lccln->node = NULL;
    cln->handler = hx_stream_limit_conn_cleanup;

    hash = hx_crc32(key->data, key->len);

    hx_shmtx_lock(&ctx->shpool->mutex);

    node = hx_stream_limit_conn_lookup(&ctx->sh->rbtree, key, hash);

    if (node == NULL) {
        n = offsetof(hx_rbtree_node_t, color)
            + offsetof(hx_stream_limit_conn_node_t, data)
            + key->len;

        node = hx_slab_alloc_locked(ctx->shpool, n);

        if (node == NULL) {
            hx_shmtx_unlock(&ctx->shpool->mutex);
            return hx_stream_limit_conn_refuse(s, lccf);
        }

        lc = hx_stream_limit_conn_node(node);

        node->key = hash;
        lc->len = (uint8_t) key->len;
        lc->conn = 1;
        hx_memcpy(lc->data, key->data, key->len);

        hx_rbtree_insert(&ctx->sh->rbtree, node);

    } else {
        lc = hx_stream_limit_conn_node(node);

        if ((hx_uint_t) lc->conn >= limit->conn) {
            hx_shmtx_unlock(&ctx->shpool->mutex);

            hx_log_error(lccf->log_level, s->connection->log, 0,
                         "limiting connections%s by zone \"%V\"",
                         lccf->dry_run ? ", dry run" : "",
                         &limit->shm_zone->shm.name);

            return hx_stream_limit_conn_refuse(s, lccf);
        }

        lc->conn++;
    }

    hx_log_debug(HX_LOG_DEBUG_STREAM, s->connection->log, 0,
                 "limit conn: %08XD %d", (uint32_t) node->key, (int) lc->conn);

    hx_shmtx_unlock(&ctx->shpool->mutex);

    lccln->shm_zone = limit->shm_zone;
    lccln->node = node;

    return HX_OK;
}


/* gives back the counts taken so far and refuses (or, dry, lets through) */
static hx_int_t
hx_stream_limit_conn_refuse(hx_stream_session_t *s,
    hx_stream_limit_conn_conf_t *lccf)
{
    hx_stream_limit_conn_cleanup_all(s->connection->pool);

    if (lccf->dry_run) {
        s->limit_conn_status = HX_STREAM_LIMIT_CONN_REJECTED_DRY_RUN;
        return HX_DECLINED;
    }

    s->limit_conn_status = HX_STREAM_LIMIT_CONN_REJECTED;

    return HX_STREAM_SERVICE_UNAVAILABLE;
}


static hx_rbtree_node_t *
hx_stream_limit_conn_lookup(hx_rbtree_t *rbtree, hx_str_t *key,
    uint32_t hash)
{
    hx_int_t                      rc;
    hx_rbtree_node_t             *node, *sentinel;
    hx_stream_limit_conn_node_t  *lcn;

    node = rbtree->root;
    sentinel = rbtree->sentinel;

    while (node != sentinel) {

        if (hash != node->key) {
            node = (hash < node->key) ? node->left : node->right;
            continue;
        }

        lcn = hx_stream_limit_conn_node(node);

        rc = hx_memn2cmp(key->data, lcn->data, key->len, (size_t) lcn->len);

        if (rc == 0) {
            return node;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


static void
hx_stream_limit_conn_rbtree_insert_value(hx_rbtree_node_t *temp,
    hx_rbtree_node_t *node, hx_rbtree_node_t *sentinel)
{
    hx_rbtree_node_t             **p;
    hx_stream_limit_conn_node_t   *lcn, *lcnt;

    for ( ;; ) {

        if (node->key != temp->key) {
            p = (node->key < temp->key) ? &temp->left : &temp->right;

        } else {
            lcn = hx_stream_limit_conn_node(node);
            lcnt = hx_stream_limit_conn_node(temp);

            p = (hx_memn2cmp(lcn->data, lcnt->data, lcn->len, lcnt->len) < 0)
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


/* the session is over: one connection fewer for its key */
static void
hx_stream_limit_conn_cleanup(void *data)
{
    hx_stream_limit_conn_cleanup_t  *lccln = data;

    hx_rbtree_node_t             *node;
    hx_stream_limit_conn_ctx_t   *ctx;
    hx_stream_limit_conn_node_t  *lc;

    if (lccln->node == NULL) {
        return;
    }

    ctx = lccln->shm_zone->data;
    node = lccln->node;
    lc = hx_stream_limit_conn_node(node);

    hx_shmtx_lock(&ctx->shpool->mutex);

    lc->conn--;

    if (lc->conn == 0) {
        hx_rbtree_delete(&ctx->sh->rbtree, node);
        hx_slab_free_locked(ctx->shpool, node);
    }

    hx_shmtx_unlock(&ctx->shpool->mutex);

    lccln->node = NULL;
}


/*
 * Runs, now, the cleanups this module registered on pool: they are the
 * most recent ones, at the head of the list.
 */
static void
hx_stream_limit_conn_cleanup_all(hx_pool_t *pool)
{
    hx_pool_cleanup_t  *cln;

    cln = pool->cleanup;

    while (cln && cln->handler == hx_stream_limit_conn_cleanup) {
        hx_stream_limit_conn_cleanup(cln->data);
        cln = cln->next;
    }

    pool->cleanup = cln;
}


static hx_int_t
hx_stream_limit_conn_init_zone(hx_shm_zone_t *shm_zone, void *data)
{
    hx_stream_limit_conn_ctx_t  *octx = data;

    size_t                       len;
    hx_stream_limit_conn_ctx_t  *ctx;

    ctx = shm_zone->data;

    if (octx) {
        if (!hx_str_eq(&ctx->key.value, &octx->key.value)) {
            hx_log_error(HX_LOG_EMERG, shm_zone->shm.log, 0,
                         "limit_conn_zone \"%V\" uses the \"%V\" key "
                         "while previously it used the \"%V\" key",
                         &shm_zone->shm.name, &ctx->key.value,
                         &octx->key.value);
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

    ctx->sh = hx_slab_alloc(ctx->shpool,
                            sizeof(hx_stream_limit_conn_shctx_t));
    if (ctx->sh == NULL) {
        return HX_ERROR;
    }

    ctx->shpool->data = ctx->sh;

    hx_rbtree_init(&ctx->sh->rbtree, &ctx->sh->sentinel,
                   hx_stream_limit_conn_rbtree_insert_value);

    len = sizeof(" in limit_conn_zone \"\"") + shm_zone->shm.name.len;

    ctx->shpool->log_ctx = hx_slab_alloc(ctx->shpool, len);
    if (ctx->shpool->log_ctx == NULL) {
        return HX_ERROR;
    }

    hx_sprintf(ctx->shpool->log_ctx, " in limit_conn_zone \"%V\"%Z",
               &shm_zone->shm.name);

    return HX_OK;
}


static hx_int_t
hx_stream_limit_conn_status_variable(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    hx_str_t  *status;

    (void) data;

    if (s->limit_conn_status == 0) {
        v->not_found = 1;
        return HX_OK;
    }

    status = &hx_stream_limit_conn_status[s->limit_conn_status - 1];

    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->len = status->len;
    v->data = status->data;

    return HX_OK;
}


static void *
hx_stream_limit_conn_create_conf(hx_conf_t *cf)
{
    hx_stream_limit_conn_conf_t  *conf;

    conf = hx_pcalloc(cf->pool, sizeof(hx_stream_limit_conn_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /* hx_pcalloc() left limits.elts NULL: no limit of its own */

    conf->log_level = HX_CONF_UNSET_UINT;
    conf->dry_run = HX_CONF_UNSET;

    return conf;
}


static char *
hx_stream_limit_conn_merge_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_stream_limit_conn_conf_t  *prev = parent;
    hx_stream_limit_conn_conf_t  *conf = child;

    (void) cf;

    if (conf->limits.elts == NULL) {
        conf->limits = prev->limits;
    }

    hx_conf_merge_uint_value(conf->log_level, prev->log_level, HX_LOG_ERR);

    hx_conf_merge_value(conf->dry_run, prev->dry_run, 0);

    return HX_CONF_OK;
}


/* limit_conn_zone KEY zone=NAME:SIZE */
static char *
hx_stream_limit_conn_zone(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    uint8_t                             *p;
    ssize_t                              size;
    hx_str_t                            *value, name, s;
    hx_uint_t                            i;
    hx_shm_zone_t                       *shm_zone;
    hx_stream_limit_conn_ctx_t          *ctx;
    hx_stream_compile_complex_value_t    ccv;

    (void) conf;

    value = cf->args->elts;

    ctx = hx_pcalloc(cf->pool, sizeof(hx_stream_limit_conn_ctx_t));
    if (ctx == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(&ccv, sizeof(hx_stream_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = &ctx->key;

    if (hx_stream_compile_complex_value(&ccv) != HX_OK) {
        return HX_CONF_ERROR;
    }

    size = 0;
    name.len = 0;
    name.data = NULL;

    for (i = 2; i < cf->args->nelts; i++) {

        if (hx_strncmp(value[i].data, "zone=", 5) == 0) {
            name.data = value[i].data + 5;

            p = (uint8_t *) hx_strchr(name.data, ':');

            if (p == NULL) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid zone size \"%V\"", &value[i]);
                return HX_CONF_ERROR;
            }

            name.len = p - name.data;

            s.data = p + 1;
            s.len = value[i].data + value[i].len - s.data;

            size = hx_parse_size(&s);

            if (size == HX_ERROR) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid zone size \"%V\"", &value[i]);
                return HX_CONF_ERROR;
            }

            if (size < (ssize_t) (8 * getpagesize())) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "zone \"%V\" is too small", &value[i]);
                return HX_CONF_ERROR;
            }

            continue;
        }

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid parameter \"%V\"", &value[i]);
        return HX_CONF_ERROR;
    }

    if (name.len == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "\"%V\" must have \"zone\" parameter",
                          &cmd->name);
        return HX_CONF_ERROR;
    }

    shm_zone = hx_shared_memory_add(cf, &name, (size_t) size,
                                    &hx_stream_limit_conn_module);
    if (shm_zone == NULL) {
        return HX_CONF_ERROR;
    }

    if (shm_zone->data) {
        ctx = shm_zone->data;

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "%V \"%V\" is already bound to key \"%V\"",
                          &cmd->name, &name, &ctx->key.value);
        return HX_CONF_ERROR;
    }

    shm_zone->init = hx_stream_limit_conn_init_zone;
    shm_zone->data = ctx;

    return HX_CONF_OK;
}


/* limit_conn ZONE NUMBER */
static char *
hx_stream_limit_conn(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_stream_limit_conn_conf_t  *lccf = conf;

    hx_int_t                       n;
    hx_str_t                      *value;
    hx_uint_t                      i;
    hx_shm_zone_t                 *shm_zone;
    hx_stream_limit_conn_limit_t  *limit, *limits;

    (void) cmd;

    value = cf->args->elts;

    shm_zone = hx_shared_memory_add(cf, &value[1], 0,
                                    &hx_stream_limit_conn_module);
    if (shm_zone == NULL) {
        return HX_CONF_ERROR;
    }

    limits = lccf->limits.elts;

    if (limits == NULL) {
        if (hx_array_init(&lccf->limits, cf->pool, 1,
                          sizeof(hx_stream_limit_conn_limit_t))
            != HX_OK)
        {
            return HX_CONF_ERROR;
        }
    }

    for (i = 0; i < lccf->limits.nelts; i++) {
        if (shm_zone == limits[i].shm_zone) {
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

    limit = hx_array_push(&lccf->limits);
    if (limit == NULL) {
        return HX_CONF_ERROR;
    }

    limit->conn = (hx_uint_t) n;
    limit->shm_zone = shm_zone;

    return HX_CONF_OK;
}


static hx_int_t
hx_stream_limit_conn_add_variables(hx_conf_t *cf)
{
    hx_stream_variable_t  *var, *v;

    for (v = hx_stream_limit_conn_vars; v->name.len; v++) {
        var = hx_stream_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return HX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return HX_OK;
}


static hx_int_t
hx_stream_limit_conn_init(hx_conf_t *cf)
{
    hx_stream_handler_pt         *h;
    hx_stream_core_main_conf_t   *cmcf;

    cmcf = hx_stream_conf_get_module_main_conf(cf, hx_stream_core_module);

    h = hx_array_push(&cmcf->phases[HX_STREAM_PREACCESS_PHASE].handlers);
    if (h == NULL) {
        return HX_ERROR;
    }

    *h = hx_stream_limit_conn_handler;

    return HX_OK;
}

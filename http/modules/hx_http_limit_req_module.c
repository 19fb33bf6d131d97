/*
 * limit_req_zone, limit_req: request rate limiting, nginx's leaky bucket.
 *
 * Each key (usually $binary_remote_addr) has a node in a shared zone: the
 * "excess" of requests above the rate, in thousandths of a request, and
 * the time of the last one.  A request drains the bucket by rate x
 * elapsed time and adds one request; above burst it is refused
 * (limit_req_status, 503 by default), above "delay" (0 unless
 * burst/delay/nodelay say otherwise) it waits until the excess would
 * have drained, on a timer of the connection's write event.  Several
 * limit_req in one location are all checked; the last one accounts, the
 * others take a reference on their node until the verdict is known, so
 * that an expiry cannot free it meanwhile.
 *
 * Nodes sit in a red-black tree keyed by crc32 of the key (ties broken
 * by the key bytes) plus an LRU queue; a new node first frees one or two
 * idle entries at the tail, and when the slab is full the oldest goes by
 * force.  The zone survives a reload when its name, size and key are
 * unchanged.  With limit_req_dry_run nothing is delayed or refused, but
 * the decision is logged and shown in $limit_req_status.  The zone's
 * parameters, start, tree walk and insertion are core/hx_limit_zone.c,
 * shared with limit_conn; the bucket, LRU and expiry are this file's.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_limit_zone.h>


#define HX_HTTP_LIMIT_REQ_PASSED            1
#define HX_HTTP_LIMIT_REQ_DELAYED           2
#define HX_HTTP_LIMIT_REQ_REJECTED          3
#define HX_HTTP_LIMIT_REQ_DELAYED_DRY_RUN   4
#define HX_HTTP_LIMIT_REQ_REJECTED_DRY_RUN  5


/* lives in the rbtree node from its "color" byte on */
typedef struct {
    hx_limit_node_t              head;     /* color, key offset, length */
    hx_queue_t                   queue;
    hx_msec_t                    last;
    /* 1 is 0.001 of a request */
    hx_uint_t                    excess;
    hx_uint_t                    count;
    uint8_t                      data[1];
} hx_http_limit_req_node_t;


typedef struct {
    hx_limit_zone_t              zone;     /* first: core's view */
    /* 1 is 0.001 r/s */
    hx_uint_t                    rate;
    hx_http_complex_value_t      key;
    hx_http_limit_req_node_t    *node;
} hx_http_limit_req_ctx_t;


typedef struct {
    hx_shm_zone_t               *shm_zone;
    /* 1 is 0.001 of a request */
    hx_uint_t                    burst;
    hx_uint_t                    delay;
} hx_http_limit_req_limit_t;


typedef struct {
    hx_array_t                   limits;   /* hx_http_limit_req_limit_t */
    hx_uint_t                    limit_log_level;
    hx_uint_t                    delay_log_level;
    hx_uint_t                    status_code;
    hx_flag_t                    dry_run;
} hx_http_limit_req_conf_t;


#define hx_http_limit_req_node(n)                                             \
    ((hx_http_limit_req_node_t *) &(n)->color)

#define hx_http_limit_req_rbnode(lr)                                          \
    ((hx_rbtree_node_t *) ((uint8_t *) (lr)                                   \
                           - offsetof(hx_rbtree_node_t, color)))


static void hx_http_limit_req_delay(hx_http_request_t *r);
static hx_int_t hx_http_limit_req_lookup(hx_http_limit_req_limit_t *limit,
    hx_uint_t hash, hx_str_t *key, hx_uint_t *ep, hx_uint_t account);
static hx_msec_t hx_http_limit_req_account(hx_http_limit_req_limit_t *limits,
    hx_uint_t n, hx_uint_t *ep, hx_http_limit_req_limit_t **limit);
static void hx_http_limit_req_unlock(hx_http_limit_req_limit_t *limits,
    hx_uint_t n);
static void hx_http_limit_req_expire(hx_http_limit_req_ctx_t *ctx,
    hx_uint_t n);

static hx_int_t hx_http_limit_req_status_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
static void *hx_http_limit_req_create_conf(hx_conf_t *cf);
static char *hx_http_limit_req_merge_conf(hx_conf_t *cf, void *parent,
    void *child);
static char *hx_http_limit_req_zone(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static hx_int_t hx_http_limit_req_zone_param(hx_conf_t *cf, hx_str_t *arg,
    void *data);
static char *hx_http_limit_req(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static hx_int_t hx_http_limit_req_add_variables(hx_conf_t *cf);
static hx_int_t hx_http_limit_req_init(hx_conf_t *cf);


static hx_conf_enum_t  hx_http_limit_req_log_levels[] = {
    { hx_string("info"), HX_LOG_INFO },
    { hx_string("notice"), HX_LOG_NOTICE },
    { hx_string("warn"), HX_LOG_WARN },
    { hx_string("error"), HX_LOG_ERR },
    { hx_null_string, 0 }
};


static hx_conf_num_bounds_t  hx_http_limit_req_status_bounds = {
    hx_conf_check_num_bounds, 400, 599
};


static hx_command_t  hx_http_limit_req_commands[] = {

    { hx_string("limit_req_zone"),
      HX_HTTP_MAIN_CONF|HX_CONF_TAKE3|HX_CONF_TAKE4,
      hx_http_limit_req_zone,
      0,
      0,
      NULL },

    { hx_string("limit_req"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE123,
      hx_http_limit_req,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("limit_req_log_level"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_enum_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_limit_req_conf_t, limit_log_level),
      &hx_http_limit_req_log_levels },

    { hx_string("limit_req_status"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_limit_req_conf_t, status_code),
      &hx_http_limit_req_status_bounds },

    { hx_string("limit_req_dry_run"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_limit_req_conf_t, dry_run),
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_limit_req_module_ctx = {
    hx_http_limit_req_add_variables,       /* preconfiguration */
    hx_http_limit_req_init,                /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    hx_http_limit_req_create_conf,         /* create location configuration */
    hx_http_limit_req_merge_conf           /* merge location configuration */
};


hx_module_t  hx_http_limit_req_module = {
    HX_MODULE_V1,
    "hx_http_limit_req_module",
    &hx_http_limit_req_module_ctx,
    hx_http_limit_req_commands,
    HX_HTTP_MODULE,
    NULL,                                  /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL                                   /* exit master */
};


static hx_http_variable_t  hx_http_limit_req_vars[] = {

    { hx_string("limit_req_status"), NULL,
      hx_http_limit_req_status_variable, 0, HX_HTTP_VAR_NOCACHEABLE, 0 },

    hx_http_null_variable
};


static hx_str_t  hx_http_limit_req_status[] = {
    hx_string("PASSED"),
    hx_string("DELAYED"),
    hx_string("REJECTED"),
    hx_string("DELAYED_DRY_RUN"),
    hx_string("REJECTED_DRY_RUN")
};


static hx_int_t
hx_http_limit_req_handler(hx_http_request_t *r)
{
    uint32_t                     hash;
    hx_str_t                     key;
    hx_int_t                     rc;
    hx_uint_t                    n, excess;
    hx_msec_t                    delay;
    hx_http_limit_req_ctx_t     *ctx;
    hx_http_limit_req_conf_t    *lrcf;
    hx_http_limit_req_limit_t   *limit, *limits;

    if (r->main->limit_req_status) {
        return HX_DECLINED;
    }

    lrcf = hx_http_get_module_loc_conf(r, hx_http_limit_req_module);
    limits = lrcf->limits.elts;

    excess = 0;
    rc = HX_DECLINED;
    limit = NULL;

    for (n = 0; n < lrcf->limits.nelts; n++) {

        limit = &limits[n];
        ctx = limit->shm_zone->data;

        if (hx_http_complex_value(r, &ctx->key, &key) != HX_OK) {
            hx_http_limit_req_unlock(limits, n);
            return HX_HTTP_INTERNAL_SERVER_ERROR;
        }

        /* an empty key is not limited */
        if (key.len == 0) {
            continue;
        }

        if (key.len > 65535) {
            hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                         "the value of the \"%V\" key "
                         "is more than 65535 bytes: \"%V\"",
                         &ctx->key.value, &key);
            continue;
        }

        hash = hx_crc32(key.data, key.len);

        hx_shmtx_lock(&ctx->zone.shpool->mutex);

        rc = hx_http_limit_req_lookup(limit, hash, &key, &excess,
                                      (n == lrcf->limits.nelts - 1));

        hx_shmtx_unlock(&ctx->zone.shpool->mutex);

        hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                     "limit_req[%ui]: %i %ui.%03ui",
                     n, rc, excess / 1000, excess % 1000);

        if (rc != HX_AGAIN) {
            break;
        }
    }

    if (rc == HX_DECLINED) {
        return HX_DECLINED;
    }

    if (rc == HX_BUSY || rc == HX_ERROR) {

        if (rc == HX_BUSY) {
            hx_log_error(lrcf->limit_log_level, r->connection->log, 0,
                         "limiting requests%s, excess: %ui.%03ui "
                         "by zone \"%V\"",
                         lrcf->dry_run ? ", dry run" : "",
                         excess / 1000, excess % 1000,
                         &limit->shm_zone->shm.name);
        }

        hx_http_limit_req_unlock(limits, n);

        if (lrcf->dry_run) {
            r->main->limit_req_status = HX_HTTP_LIMIT_REQ_REJECTED_DRY_RUN;
            return HX_DECLINED;
        }

        r->main->limit_req_status = HX_HTTP_LIMIT_REQ_REJECTED;

        return lrcf->status_code;
    }

    /* HX_AGAIN (no limit accounted the request) or HX_OK */

    if (rc == HX_AGAIN) {
        excess = 0;
    }

    delay = hx_http_limit_req_account(limits, n, &excess, &limit);

    if (!delay) {
        r->main->limit_req_status = HX_HTTP_LIMIT_REQ_PASSED;
        return HX_DECLINED;
    }

    hx_log_error(lrcf->delay_log_level, r->connection->log, 0,
                 "delaying request%s, excess: %ui.%03ui, by zone \"%V\"",
                 lrcf->dry_run ? ", dry run" : "",
                 excess / 1000, excess % 1000, &limit->shm_zone->shm.name);

    if (lrcf->dry_run) {
        r->main->limit_req_status = HX_HTTP_LIMIT_REQ_DELAYED_DRY_RUN;
        return HX_DECLINED;
    }

    r->main->limit_req_status = HX_HTTP_LIMIT_REQ_DELAYED;

    /* meanwhile a client that closes is noticed */

    if (r->connection->read->ready) {
        hx_post_event(r->connection->read, &hx_posted_events);

    } else {
        if (hx_handle_read_event(r->connection->read, 0) != HX_OK) {
            return HX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    r->read_event_handler = hx_http_test_reading;
    r->write_event_handler = hx_http_limit_req_delay;

    r->connection->write->delayed = 1;
    hx_add_timer(r->connection->write, delay);

    return HX_AGAIN;
}


/* the write event while delayed: resume the phases once the timer fired */
static void
hx_http_limit_req_delay(hx_http_request_t *r)
{
    hx_event_t  *wev;

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "limit_req delay");

    wev = r->connection->write;

    if (wev->delayed) {

        if (hx_handle_write_event(wev, 0) != HX_OK) {
            hx_http_finalize_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
        }

        return;
    }

    if (hx_handle_read_event(r->connection->read, 0) != HX_OK) {
        hx_http_finalize_request(r, HX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    r->read_event_handler = hx_http_block_reading;
    r->write_event_handler = hx_http_core_run_phases;

    hx_http_core_run_phases(r);
}


/* how much of the bucket has drained since lr->last, as nginx measures */
static hx_int_t
hx_http_limit_req_drain(hx_http_limit_req_ctx_t *ctx,
    hx_http_limit_req_node_t *lr, hx_msec_t now, hx_msec_int_t *msp)
{
    hx_int_t        excess;
    hx_msec_int_t   ms;

    ms = (hx_msec_int_t) (now - lr->last);

    /* a clock that went back a lot counts as a fresh start */
    if (ms < -60000) {
        ms = 1;

    } else if (ms < 0) {
        ms = 0;
    }

    excess = (hx_int_t) lr->excess - (hx_int_t) (ctx->rate * ms / 1000)
             + 1000;

    if (excess < 0) {
        excess = 0;
    }

    *msp = ms;

    return excess;
}


/*
 * Finds or creates the node of key (the zone is locked).  With account
 * set the request is added to the node now; otherwise the node gets a
 * reference (ctx->node) and is accounted later.  HX_OK (accounted),
 * HX_AGAIN (referenced), HX_BUSY (over burst), HX_ERROR (no memory).
 * *ep is the excess the request would make.
 */
static hx_int_t
hx_http_limit_req_lookup(hx_http_limit_req_limit_t *limit, hx_uint_t hash,
    hx_str_t *key, hx_uint_t *ep, hx_uint_t account)
{
    size_t                      size;
    hx_int_t                    excess;
    hx_msec_t                   now;
    hx_msec_int_t               ms;
    hx_rbtree_node_t           *node;
    hx_http_limit_req_ctx_t    *ctx;
    hx_http_limit_req_node_t   *lr;

    now = hx_current_msec;

    ctx = limit->shm_zone->data;

    node = hx_limit_zone_lookup(&ctx->zone, key, hash);

    if (node != NULL) {
        lr = hx_http_limit_req_node(node);

        hx_queue_remove(&lr->queue);
        hx_queue_insert_head(&ctx->zone.sh->queue, &lr->queue);

        excess = hx_http_limit_req_drain(ctx, lr, now, &ms);

        *ep = excess;

        if ((hx_uint_t) excess > limit->burst) {
            return HX_BUSY;
        }

        if (account) {
            lr->excess = excess;

            if (ms) {
                lr->last = now;
            }

            return HX_OK;
        }

        lr->count++;

        ctx->node = lr;

        return HX_AGAIN;
    }

    *ep = 0;

    size = hx_limit_node_size(offsetof(hx_http_limit_req_node_t, data),
                              key->len);

    hx_http_limit_req_expire(ctx, 1);

    node = hx_slab_alloc_locked(ctx->zone.shpool, size);

    if (node == NULL) {
        hx_http_limit_req_expire(ctx, 0);

        node = hx_slab_alloc_locked(ctx->zone.shpool, size);
        if (node == NULL) {
            hx_log_error(HX_LOG_ALERT, hx_cycle->log, 0,
                         "could not allocate node%s",
                         ctx->zone.shpool->log_ctx);
            return HX_ERROR;
        }
    }

    hx_limit_zone_insert(&ctx->zone, node,
                         offsetof(hx_http_limit_req_node_t, data), key, hash);

    lr = hx_http_limit_req_node(node);
    lr->excess = 0;

    hx_queue_insert_head(&ctx->zone.sh->queue, &lr->queue);

    if (account) {
        lr->last = now;
        lr->count = 0;
        return HX_OK;
    }

    lr->last = 0;
    lr->count = 1;

    ctx->node = lr;

    return HX_AGAIN;
}


/*
 * Accounts the request in the nodes the first n limits referenced and
 * returns the longest delay any of them (or *limit, already accounted
 * with excess *ep) asks for; *limit and *ep then name that one.
 */
static hx_msec_t
hx_http_limit_req_account(hx_http_limit_req_limit_t *limits, hx_uint_t n,
    hx_uint_t *ep, hx_http_limit_req_limit_t **limit)
{
    hx_int_t                    excess;
    hx_msec_t                   delay, max_delay;
    hx_msec_int_t               ms;
    hx_http_limit_req_ctx_t    *ctx;
    hx_http_limit_req_node_t   *lr;

    excess = *ep;

    if ((hx_uint_t) excess <= (*limit)->delay) {
        max_delay = 0;

    } else {
        ctx = (*limit)->shm_zone->data;
        max_delay = (excess - (*limit)->delay) * 1000 / ctx->rate;
    }

    while (n--) {
        ctx = limits[n].shm_zone->data;
        lr = ctx->node;

        if (lr == NULL) {
            continue;
        }

        hx_shmtx_lock(&ctx->zone.shpool->mutex);

        excess = hx_http_limit_req_drain(ctx, lr, hx_current_msec, &ms);

        if (ms) {
            lr->last = hx_current_msec;
        }

        lr->excess = excess;
        lr->count--;

        hx_shmtx_unlock(&ctx->zone.shpool->mutex);

        ctx->node = NULL;

        if ((hx_uint_t) excess <= limits[n].delay) {
            continue;
        }

        delay = (excess - limits[n].delay) * 1000 / ctx->rate;

        if (delay > max_delay) {
            max_delay = delay;
            *ep = excess;
            *limit = &limits[n];
        }
    }

    return max_delay;
}


/* drops the references the first n limits took */
static void
hx_http_limit_req_unlock(hx_http_limit_req_limit_t *limits, hx_uint_t n)
{
    hx_http_limit_req_ctx_t  *ctx;

    while (n--) {
        ctx = limits[n].shm_zone->data;

        if (ctx->node == NULL) {
            continue;
        }

        hx_shmtx_lock(&ctx->zone.shpool->mutex);

        ctx->node->count--;

        hx_shmtx_unlock(&ctx->zone.shpool->mutex);

        ctx->node = NULL;
    }
}


/*
 * Frees nodes from the LRU tail (the zone is locked): with n == 1 up to
 * two that have drained and been idle for a minute; with n == 0 the
 * oldest one regardless, then up to two such.  A referenced node stops
 * the walk: the ones before it were used even more recently.
 */
static void
hx_http_limit_req_expire(hx_http_limit_req_ctx_t *ctx, hx_uint_t n)
{
    hx_int_t                    excess;
    hx_msec_t                   now;
    hx_queue_t                 *q;
    hx_msec_int_t               ms;
    hx_rbtree_node_t           *node;
    hx_http_limit_req_node_t   *lr;

    now = hx_current_msec;

    while (n < 3) {

        if (hx_queue_empty(&ctx->zone.sh->queue)) {
            return;
        }

        q = hx_queue_last(&ctx->zone.sh->queue);

        lr = hx_queue_data(q, hx_http_limit_req_node_t, queue);

        if (lr->count) {
            return;
        }

        if (n++ != 0) {

            ms = (hx_msec_int_t) (now - lr->last);
            ms = hx_abs(ms);

            if (ms < 60000) {
                return;
            }

            excess = (hx_int_t) lr->excess - (hx_int_t) (ctx->rate * ms / 1000);

            if (excess > 0) {
                return;
            }
        }

        hx_queue_remove(q);

        node = hx_http_limit_req_rbnode(lr);

        hx_rbtree_delete(&ctx->zone.sh->rbtree, node);

        hx_slab_free_locked(ctx->zone.shpool, node);
    }
}


static hx_int_t
hx_http_limit_req_status_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    (void) data;

    if (r->main->limit_req_status == 0) {
        v->not_found = 1;
        return HX_OK;
    }

    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->len = hx_http_limit_req_status[r->main->limit_req_status - 1].len;
    v->data = hx_http_limit_req_status[r->main->limit_req_status - 1].data;

    return HX_OK;
}


static void *
hx_http_limit_req_create_conf(hx_conf_t *cf)
{
    hx_http_limit_req_conf_t  *conf;

    conf = hx_pcalloc(cf->pool, sizeof(hx_http_limit_req_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by hx_pcalloc():
     *
     *     conf->limits.elts = NULL;
     */

    conf->limit_log_level = HX_CONF_UNSET_UINT;
    conf->status_code = HX_CONF_UNSET_UINT;
    conf->dry_run = HX_CONF_UNSET;

    return conf;
}


static char *
hx_http_limit_req_merge_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_http_limit_req_conf_t  *prev = parent;
    hx_http_limit_req_conf_t  *conf = child;

    (void) cf;

    if (conf->limits.elts == NULL) {
        conf->limits = prev->limits;
    }

    hx_conf_merge_uint_value(conf->limit_log_level, prev->limit_log_level,
                             HX_LOG_ERR);

    /* delays are logged one level less loudly than refusals */
    conf->delay_log_level = (conf->limit_log_level == HX_LOG_INFO)
                            ? HX_LOG_INFO : conf->limit_log_level + 1;

    hx_conf_merge_uint_value(conf->status_code, prev->status_code,
                             HX_HTTP_SERVICE_UNAVAILABLE);

    hx_conf_merge_value(conf->dry_run, prev->dry_run, 0);

    return HX_CONF_OK;
}


/* limit_req_zone key zone=name:size rate=rate [sync] */
static char *
hx_http_limit_req_zone(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t                          *value;
    hx_http_limit_req_ctx_t           *ctx;
    hx_http_compile_complex_value_t    ccv;

    (void) conf;

    value = cf->args->elts;

    ctx = hx_pcalloc(cf->pool, sizeof(hx_http_limit_req_ctx_t));
    if (ctx == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = &ctx->key;

    if (hx_http_compile_complex_value(&ccv) != HX_OK) {
        return HX_CONF_ERROR;
    }

    ctx->rate = 1000;

    ctx->zone.key = ctx->key.value;
    ctx->zone.name = "limit_req";
    ctx->zone.log_name = "limit_req zone";
    ctx->zone.quiet_nomem = 1;

    return hx_limit_zone_directive(cf, cmd, &ctx->zone,
                                   &hx_http_limit_req_module,
                                   hx_http_limit_req_zone_param, ctx);
}


/* rate=Nr/s or rate=Nr/m (into thousandths of a request a second); sync */
static hx_int_t
hx_http_limit_req_zone_param(hx_conf_t *cf, hx_str_t *arg, void *data)
{
    hx_http_limit_req_ctx_t  *ctx = data;

    size_t     len;
    uint8_t   *p;
    hx_int_t   rate, scale;

    if (hx_strcmp(arg->data, "sync") == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "\"sync\" is not supported by hanx");
        return HX_ERROR;
    }

    if (hx_strncmp(arg->data, "rate=", 5) != 0) {
        return HX_DECLINED;
    }

    scale = 1;
    len = arg->len;
    p = arg->data + len - 3;

    if (len > 8 && hx_strncmp(p, "r/s", 3) == 0) {
        len -= 3;

    } else if (len > 8 && hx_strncmp(p, "r/m", 3) == 0) {
        scale = 60;
        len -= 3;
    }

    rate = hx_atoi(arg->data + 5, len - 5);
    if (rate <= 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "invalid rate \"%V\"", arg);
        return HX_ERROR;
    }

    ctx->rate = rate * 1000 / scale;

    return HX_OK;
}


/* limit_req zone=name [burst=number] [nodelay | delay=number] */
static char *
hx_http_limit_req(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_limit_req_conf_t  *lrcf = conf;

    hx_int_t                     burst, delay;
    hx_str_t                    *value, s;
    hx_uint_t                    i;
    hx_shm_zone_t               *shm_zone;
    hx_http_limit_req_limit_t   *limit, *limits;

    value = cf->args->elts;

    shm_zone = NULL;
    burst = 0;
    delay = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (hx_strncmp(value[i].data, "zone=", 5) == 0) {

            s.len = value[i].len - 5;
            s.data = value[i].data + 5;

            shm_zone = hx_shared_memory_add(cf, &s, 0,
                                            &hx_http_limit_req_module);
            if (shm_zone == NULL) {
                return HX_CONF_ERROR;
            }

            continue;
        }

        if (hx_strncmp(value[i].data, "burst=", 6) == 0) {

            burst = hx_atoi(value[i].data + 6, value[i].len - 6);
            if (burst <= 0) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid burst value \"%V\"", &value[i]);
                return HX_CONF_ERROR;
            }

            continue;
        }

        if (hx_strncmp(value[i].data, "delay=", 6) == 0) {

            delay = hx_atoi(value[i].data + 6, value[i].len - 6);
            if (delay <= 0) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid delay value \"%V\"", &value[i]);
                return HX_CONF_ERROR;
            }

            continue;
        }

        if (hx_strcmp(value[i].data, "nodelay") == 0) {
            delay = HX_MAX_INT_T_VALUE / 1000;
            continue;
        }

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid parameter \"%V\"", &value[i]);
        return HX_CONF_ERROR;
    }

    if (shm_zone == NULL) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "\"%V\" must have \"zone\" parameter",
                          &cmd->name);
        return HX_CONF_ERROR;
    }

    limits = lrcf->limits.elts;

    if (limits == NULL) {
        if (hx_array_init(&lrcf->limits, cf->pool, 1,
                          sizeof(hx_http_limit_req_limit_t))
            != HX_OK)
        {
            return HX_CONF_ERROR;
        }
    }

    for (i = 0; i < lrcf->limits.nelts; i++) {
        if (shm_zone == limits[i].shm_zone) {
            return "is duplicate";
        }
    }

    limit = hx_array_push(&lrcf->limits);
    if (limit == NULL) {
        return HX_CONF_ERROR;
    }

    limit->shm_zone = shm_zone;
    limit->burst = burst * 1000;
    limit->delay = delay * 1000;

    return HX_CONF_OK;
}


static hx_int_t
hx_http_limit_req_add_variables(hx_conf_t *cf)
{
    hx_http_variable_t  *var, *v;

    for (v = hx_http_limit_req_vars; v->name.len; v++) {
        var = hx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return HX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return HX_OK;
}


static hx_int_t
hx_http_limit_req_init(hx_conf_t *cf)
{
    hx_http_handler_pt        *h;
    hx_http_core_main_conf_t  *cmcf;

    cmcf = hx_http_conf_get_module_main_conf(cf, hx_http_core_module);

    h = hx_array_push(&cmcf->phases[HX_HTTP_PREACCESS_PHASE].handlers);
    if (h == NULL) {
        return HX_ERROR;
    }

    *h = hx_http_limit_req_handler;

    return HX_OK;
}

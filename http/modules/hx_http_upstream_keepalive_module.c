/*
 * Keep-alive connections to the backends of an upstream {}: "keepalive
 * N [local]", keepalive_requests, keepalive_time, keepalive_timeout.
 *
 * A connection whose response ended cleanly (the protocol module set
 * u->keepalive: the body ended where its framing said, no "Connection:
 * close") is parked in a per-upstream cache of at most N connections,
 * idle, with keepalive_timeout on its read event; the next request that
 * the balancer sends to the same address takes it instead of connecting.
 * The least recently parked ones past N are closed once the events of
 * the loop's turn have run, not at once: under load a turn frees and
 * takes many connections, and closing one only to connect again a few
 * events later costs both ends a handshake.
 * A parked connection that becomes readable was closed (or spoke out of
 * turn) and is dropped.  With "local", a connection is only reused by
 * the location that parked it.
 *
 * As in nginx 1.30, an upstream {} block without the directive gets
 * "keepalive 32 local"; "keepalive 0" turns caching off.  Implicit
 * upstreams (proxy_pass http://host:port) never cache.
 *
 * The module works by wrapping the upstream's init_peer and the peer's
 * get and free: the balancer still chooses, the cache only supplies an
 * already open connection to its choice.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_upstream.h>


typedef struct {
    hx_uint_t                         max_cached;
    hx_uint_t                         requests;
    hx_msec_t                         time;
    hx_msec_t                         timeout;

    hx_queue_t                        cache;
    hx_queue_t                        free;
    hx_uint_t                         cached;     /* in cache */
    hx_event_t                        trim;       /* posted: over N */
    hx_pool_t                        *pool;       /* more items */

    hx_http_upstream_init_peer_pt     original_init_peer;

    hx_uint_t                         local;
} hx_http_upstream_keepalive_srv_conf_t;


typedef struct {
    hx_http_upstream_keepalive_srv_conf_t  *conf;

    hx_queue_t                        queue;
    hx_connection_t                  *connection;

    void                             *tag;       /* the location, "local" */

    socklen_t                         socklen;
    hx_sockaddr_t                     sockaddr;
} hx_http_upstream_keepalive_cache_t;


typedef struct {
    hx_http_upstream_keepalive_srv_conf_t  *conf;

    hx_http_upstream_t               *upstream;

    void                             *data;
    hx_event_get_peer_pt              original_get_peer;
    hx_event_free_peer_pt             original_free_peer;
} hx_http_upstream_keepalive_peer_data_t;


static hx_int_t hx_http_upstream_init_keepalive_peer(hx_http_request_t *r,
    hx_http_upstream_srv_conf_t *us);
static hx_int_t hx_http_upstream_get_keepalive_peer(hx_peer_connection_t *pc,
    void *data);
static void hx_http_upstream_free_keepalive_peer(hx_peer_connection_t *pc,
    void *data, hx_uint_t state);
static void hx_http_upstream_keepalive_dummy_handler(hx_event_t *ev);
static void hx_http_upstream_keepalive_close_handler(hx_event_t *ev);
static void hx_http_upstream_keepalive_close(hx_connection_t *c);
static hx_queue_t *hx_http_upstream_keepalive_item(
    hx_http_upstream_keepalive_srv_conf_t *kcf);
static void hx_http_upstream_keepalive_trim(hx_event_t *ev);

static void *hx_http_upstream_keepalive_create_conf(hx_conf_t *cf);
static char *hx_http_upstream_keepalive_init_main_conf(hx_conf_t *cf,
    void *conf);
static char *hx_http_upstream_keepalive(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);


static hx_command_t  hx_http_upstream_keepalive_commands[] = {

    { hx_string("keepalive"),
      HX_HTTP_UPS_CONF|HX_CONF_TAKE12,
      hx_http_upstream_keepalive,
      HX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

    { hx_string("keepalive_time"),
      HX_HTTP_UPS_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_HTTP_SRV_CONF_OFFSET,
      offsetof(hx_http_upstream_keepalive_srv_conf_t, time),
      NULL },

    { hx_string("keepalive_timeout"),
      HX_HTTP_UPS_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_HTTP_SRV_CONF_OFFSET,
      offsetof(hx_http_upstream_keepalive_srv_conf_t, timeout),
      NULL },

    { hx_string("keepalive_requests"),
      HX_HTTP_UPS_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_HTTP_SRV_CONF_OFFSET,
      offsetof(hx_http_upstream_keepalive_srv_conf_t, requests),
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_upstream_keepalive_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    hx_http_upstream_keepalive_init_main_conf, /* init main configuration */

    hx_http_upstream_keepalive_create_conf, /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


hx_module_t  hx_http_upstream_keepalive_module = {
    HX_MODULE_V1,
    "hx_http_upstream_keepalive_module",
    &hx_http_upstream_keepalive_module_ctx,
    hx_http_upstream_keepalive_commands,
    HX_HTTP_MODULE,
    NULL,                                  /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL                                   /* exit master */
};


static hx_int_t
hx_http_upstream_init_keepalive_peer(hx_http_request_t *r,
    hx_http_upstream_srv_conf_t *us)
{
    hx_http_upstream_t                       *u;
    hx_http_upstream_keepalive_srv_conf_t    *kcf;
    hx_http_upstream_keepalive_peer_data_t   *kp;

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "init keepalive peer");

    kcf = hx_http_conf_upstream_srv_conf(us,
                                         hx_http_upstream_keepalive_module);

    kp = hx_palloc(r->pool, sizeof(hx_http_upstream_keepalive_peer_data_t));
    if (kp == NULL) {
        return HX_ERROR;
    }

    if (kcf->original_init_peer(r, us) != HX_OK) {
        return HX_ERROR;
    }

    u = r->upstream;

    kp->conf = kcf;
    kp->upstream = u;
    kp->data = u->peer.data;
    kp->original_get_peer = u->peer.get;
    kp->original_free_peer = u->peer.free;

    u->peer.data = kp;
    u->peer.get = hx_http_upstream_get_keepalive_peer;
    u->peer.free = hx_http_upstream_free_keepalive_peer;

    return HX_OK;
}


/* the balancer's choice, with a parked connection to it if there is one */
static hx_int_t
hx_http_upstream_get_keepalive_peer(hx_peer_connection_t *pc, void *data)
{
    hx_http_upstream_keepalive_peer_data_t  *kp = data;

    hx_int_t                               rc;
    hx_queue_t                            *q, *cache;
    hx_connection_t                       *c;
    hx_http_upstream_keepalive_cache_t    *item;

    rc = kp->original_get_peer(pc, kp->data);

    if (rc != HX_OK) {
        return rc;
    }

    cache = &kp->conf->cache;

    for (q = hx_queue_head(cache);
         q != hx_queue_sentinel(cache);
         q = hx_queue_next(q))
    {
        item = hx_queue_data(q, hx_http_upstream_keepalive_cache_t, queue);

        if (kp->conf->local && item->tag != kp->upstream->conf) {
            continue;
        }

        if (hx_memn2cmp((uint8_t *) &item->sockaddr, (uint8_t *) pc->sockaddr,
                        item->socklen, pc->socklen)
            != 0)
        {
            continue;
        }

        hx_queue_remove(q);
        hx_queue_insert_head(&kp->conf->free, q);
        kp->conf->cached--;

        c = item->connection;

        hx_log_debug(HX_LOG_DEBUG_HTTP, pc->log, 0,
                     "get keepalive peer: using connection %p", c);

        c->idle = 0;
        c->sent = 0;
        c->data = NULL;
        c->log = pc->log;
        c->read->log = pc->log;
        c->write->log = pc->log;
        c->pool->log = pc->log;

        if (c->read->timer_set) {
            hx_del_timer(c->read);
        }

        pc->connection = c;
        pc->cached = 1;

        return HX_DONE;
    }

    return HX_OK;
}


/* a connection that ended its response cleanly is parked; others go */
static void
hx_http_upstream_free_keepalive_peer(hx_peer_connection_t *pc, void *data,
    hx_uint_t state)
{
    hx_http_upstream_keepalive_peer_data_t  *kp = data;

    hx_queue_t                            *q;
    hx_connection_t                       *c;
    hx_http_upstream_t                    *u;
    hx_http_upstream_keepalive_cache_t    *item;

    u = kp->upstream;
    c = pc->connection;

    if ((state & HX_PEER_FAILED)
        || c == NULL
        || c->read->eof
        || c->read->error
        || c->read->timedout
        || c->write->error
        || c->write->timedout)
    {
        goto invalid;
    }

    if (c->requests >= kp->conf->requests) {
        goto invalid;
    }

    if (hx_current_msec - c->start_time > kp->conf->time) {
        goto invalid;
    }

    if (!u->keepalive || !u->request_body_sent) {
        goto invalid;
    }

    if (hx_terminate || hx_exiting) {
        goto invalid;
    }

    if (hx_handle_read_event(c->read, 0) != HX_OK) {
        goto invalid;
    }

    hx_log_debug(HX_LOG_DEBUG_HTTP, pc->log, 0,
                 "free keepalive peer: saving connection %p", c);

    q = hx_http_upstream_keepalive_item(kp->conf);
    if (q == NULL) {
        goto invalid;
    }

    item = hx_queue_data(q, hx_http_upstream_keepalive_cache_t, queue);

    hx_queue_insert_head(&kp->conf->cache, q);

    item->connection = c;
    item->tag = u->conf;

    pc->connection = NULL;

    c->read->delayed = 0;
    hx_add_timer(c->read, kp->conf->timeout);

    if (c->write->timer_set) {
        hx_del_timer(c->write);
    }

    c->write->handler = hx_http_upstream_keepalive_dummy_handler;
    c->read->handler = hx_http_upstream_keepalive_close_handler;

    c->data = item;
    c->idle = 1;
    c->log = hx_cycle->log;
    c->read->log = hx_cycle->log;
    c->write->log = hx_cycle->log;
    c->pool->log = hx_cycle->log;

    item->socklen = pc->socklen;
    hx_memcpy(&item->sockaddr, pc->sockaddr, pc->socklen);

    if (c->read->ready) {
        hx_http_upstream_keepalive_close_handler(c->read);
    }

invalid:

    kp->original_free_peer(pc, kp->data, state);
}


static void
hx_http_upstream_keepalive_dummy_handler(hx_event_t *ev)
{
    hx_log_debug(HX_LOG_DEBUG_HTTP, ev->log, 0,
                 "keepalive dummy handler");
}


/*
 * A parked connection became readable: a close (or stray bytes, which
 * make it unusable as well) ends it; a spurious wake-up keeps it.
 */
static void
hx_http_upstream_keepalive_close_handler(hx_event_t *ev)
{
    int                                      n;
    char                                     buf[1];
    hx_connection_t                         *c;
    hx_http_upstream_keepalive_cache_t      *item;
    hx_http_upstream_keepalive_srv_conf_t   *conf;

    c = ev->data;

    if (c->close || c->read->timedout) {
        goto close;
    }

    n = recv(c->fd, buf, 1, MSG_PEEK);

    if (n == -1 && errno == EAGAIN) {
        ev->ready = 0;

        if (hx_handle_read_event(c->read, 0) != HX_OK) {
            goto close;
        }

        return;
    }

close:

    item = c->data;
    conf = item->conf;

    hx_http_upstream_keepalive_close(c);

    hx_queue_remove(&item->queue);
    hx_queue_insert_head(&conf->free, &item->queue);
    conf->cached--;
}


/*
 * A cache item for a connection being parked.  Past N cached, the least
 * recently parked ones are not closed at once but when the events at
 * hand have run (a posted trim): a connection a response frees is then
 * there for a request read in the same turn of the loop, rather than
 * closed and connected again, and no more than N wait idle for the
 * next turn.  Items beyond N come from the cycle's pool, once.
 */
static hx_queue_t *
hx_http_upstream_keepalive_item(hx_http_upstream_keepalive_srv_conf_t *kcf)
{
    hx_queue_t                          *q;
    hx_http_upstream_keepalive_cache_t  *item;

    if (!hx_queue_empty(&kcf->free)) {
        q = hx_queue_head(&kcf->free);
        hx_queue_remove(q);

    } else {
        item = hx_pcalloc(kcf->pool,
                          sizeof(hx_http_upstream_keepalive_cache_t));
        if (item == NULL) {
            return NULL;
        }

        item->conf = kcf;
        q = &item->queue;
    }

    if (++kcf->cached > kcf->max_cached && !kcf->trim.posted) {
        kcf->trim.handler = hx_http_upstream_keepalive_trim;
        kcf->trim.data = kcf;
        kcf->trim.log = hx_cycle->log;

        hx_post_event(&kcf->trim, &hx_posted_events);
    }

    return q;
}


/* the least recently parked connections past N are closed */
static void
hx_http_upstream_keepalive_trim(hx_event_t *ev)
{
    hx_queue_t                             *q;
    hx_http_upstream_keepalive_cache_t     *item;
    hx_http_upstream_keepalive_srv_conf_t  *kcf;

    kcf = ev->data;

    while (kcf->cached > kcf->max_cached) {
        q = hx_queue_last(&kcf->cache);
        hx_queue_remove(q);
        hx_queue_insert_head(&kcf->free, q);
        kcf->cached--;

        item = hx_queue_data(q, hx_http_upstream_keepalive_cache_t, queue);

        hx_http_upstream_keepalive_close(item->connection);
    }
}


static void
hx_http_upstream_keepalive_close(hx_connection_t *c)
{
    hx_pool_t  *pool;

    pool = c->pool;

    hx_close_connection(c);

    if (pool) {
        hx_destroy_pool(pool);
    }
}


static void *
hx_http_upstream_keepalive_create_conf(hx_conf_t *cf)
{
    hx_http_upstream_keepalive_srv_conf_t  *conf;

    conf = hx_pcalloc(cf->pool,
                      sizeof(hx_http_upstream_keepalive_srv_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->time = HX_CONF_UNSET_MSEC;
    conf->timeout = HX_CONF_UNSET_MSEC;
    conf->requests = HX_CONF_UNSET_UINT;
    conf->max_cached = HX_CONF_UNSET_UINT;

    return conf;
}


/*
 * Every upstream {} block: its cache (32 local ones unless the block
 * says otherwise), and init_peer wrapped.
 */
static char *
hx_http_upstream_keepalive_init_main_conf(hx_conf_t *cf, void *conf)
{
    hx_uint_t                                 i, j;
    hx_http_upstream_srv_conf_t             **uscfp;
    hx_http_upstream_main_conf_t             *umcf;
    hx_http_upstream_keepalive_cache_t       *cached;
    hx_http_upstream_keepalive_srv_conf_t    *kcf;

    (void) conf;

    umcf = hx_http_conf_get_module_main_conf(cf, hx_http_upstream_module);

    uscfp = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {

        if (uscfp[i]->srv_conf == NULL || uscfp[i]->init_peer == NULL) {
            continue;
        }

        kcf = hx_http_conf_upstream_srv_conf(uscfp[i],
                  hx_http_upstream_keepalive_module);

        if (kcf->max_cached == 0) {
            continue;
        }

        hx_conf_init_msec_value(kcf->time, 3600000);
        hx_conf_init_msec_value(kcf->timeout, 60000);
        hx_conf_init_uint_value(kcf->requests, 1000);

        if (kcf->max_cached == HX_CONF_UNSET_UINT) {
            kcf->local = 1;
            kcf->max_cached = 32;
        }

        kcf->original_init_peer = uscfp[i]->init_peer;
        uscfp[i]->init_peer = hx_http_upstream_init_keepalive_peer;

        cached = hx_pcalloc(cf->pool,
                            sizeof(hx_http_upstream_keepalive_cache_t)
                            * kcf->max_cached);
        if (cached == NULL) {
            return HX_CONF_ERROR;
        }

        hx_queue_init(&kcf->cache);
        hx_queue_init(&kcf->free);
        kcf->pool = cf->pool;

        for (j = 0; j < kcf->max_cached; j++) {
            hx_queue_insert_head(&kcf->free, &cached[j].queue);
            cached[j].conf = kcf;
        }
    }

    return HX_CONF_OK;
}


/* "keepalive N [local]" */
static char *
hx_http_upstream_keepalive(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_upstream_keepalive_srv_conf_t  *kcf = conf;

    hx_int_t    n;
    hx_str_t   *value;

    if (kcf->max_cached != HX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    n = hx_atoi(value[1].data, value[1].len);

    if (n == HX_ERROR) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid value \"%V\" in \"%V\" directive",
                          &value[1], &cmd->name);
        return HX_CONF_ERROR;
    }

    kcf->max_cached = n;

    if (cf->args->nelts == 3) {
        if (hx_strcmp(value[2].data, "local") == 0) {
            kcf->local = 1;

        } else {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid parameter \"%V\"", &value[2]);
            return HX_CONF_ERROR;
        }
    }

    return HX_CONF_OK;
}

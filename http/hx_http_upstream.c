/*
 * The http upstream module's configuration: "upstream NAME { server ...; }"
 * blocks, the implicit upstreams that "proxy_pass http://host:port"
 * creates, and the pieces of location configuration every protocol
 * module shares (proxy_bind, hidden headers, buffer sizes).
 *
 * Upstreams are kept in one list per http block and found by name, so
 * "proxy_pass http://backend" may come before "upstream backend {}"; the
 * first mention creates the entry and the block fills it in, with nginx's
 * rules and messages for ports and duplicates.  The server lines, the
 * peer groups and the balancers are the shared library's
 * (event/hx_upstream_peer.h): this file only hands it the words and, once
 * the http block is read, asks it to build every group.
 *
 * An upstream {} block gets a srv conf (and loc conf) of every http
 * module, as a server {} does, so that the balancer modules (hash,
 * ip_hash, least_conn, random, keepalive, zone) keep their settings
 * there and find the upstream with hx_http_upstream_conf_current().
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_upstream.h>


static void *hx_http_upstream_create_main_conf(hx_conf_t *cf);
static char *hx_http_upstream_init_main_conf(hx_conf_t *cf, void *conf);
static char *hx_http_upstream(hx_conf_t *cf, hx_command_t *cmd,
    void *dummy);
static char *hx_http_upstream_server(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static hx_int_t hx_http_upstream_default_init_peer(hx_http_request_t *r,
    hx_http_upstream_srv_conf_t *us);
static void *hx_http_upstream_create_loc_conf(hx_conf_t *cf);
static char *hx_http_upstream_merge_loc_conf(hx_conf_t *cf, void *parent,
    void *child);
static char *hx_http_upstream_resolver(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);


static hx_command_t  hx_http_upstream_commands[] = {

    { hx_string("upstream"),
      HX_HTTP_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_TAKE1,
      hx_http_upstream,
      0,
      0,
      NULL },

    { hx_string("server"),
      HX_HTTP_UPS_CONF|HX_CONF_1MORE,
      hx_http_upstream_server,
      HX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

    { hx_string("resolver"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_1MORE,
      hx_http_upstream_resolver,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_upstream_module_ctx = {
    hx_http_upstream_add_variables,        /* preconfiguration */
    NULL,                                  /* postconfiguration */

    hx_http_upstream_create_main_conf,     /* create main configuration */
    hx_http_upstream_init_main_conf,       /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    hx_http_upstream_create_loc_conf,      /* create location configuration */
    hx_http_upstream_merge_loc_conf        /* merge location configuration */
};


hx_module_t  hx_http_upstream_module = {
    HX_MODULE_V1,
    "hx_http_upstream_module",
    &hx_http_upstream_module_ctx,
    hx_http_upstream_commands,
    HX_HTTP_MODULE,
    NULL,                                  /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL                                   /* exit master */
};


hx_conf_bitmask_t  hx_http_upstream_ignore_headers_masks[] = {
    { hx_string("X-Accel-Redirect"), HX_HTTP_UPSTREAM_IGN_XA_REDIRECT },
    { hx_string("X-Accel-Expires"), HX_HTTP_UPSTREAM_IGN_XA_EXPIRES },
    { hx_string("X-Accel-Limit-Rate"), HX_HTTP_UPSTREAM_IGN_XA_LIMIT_RATE },
    { hx_string("X-Accel-Buffering"), HX_HTTP_UPSTREAM_IGN_XA_BUFFERING },
    { hx_string("X-Accel-Charset"), HX_HTTP_UPSTREAM_IGN_XA_CHARSET },
    { hx_string("Expires"), HX_HTTP_UPSTREAM_IGN_EXPIRES },
    { hx_string("Cache-Control"), HX_HTTP_UPSTREAM_IGN_CACHE_CONTROL },
    { hx_string("Set-Cookie"), HX_HTTP_UPSTREAM_IGN_SET_COOKIE },
    { hx_string("Vary"), HX_HTTP_UPSTREAM_IGN_VARY },
    { hx_null_string, 0 }
};


static void *
hx_http_upstream_create_main_conf(hx_conf_t *cf)
{
    hx_http_upstream_main_conf_t  *umcf;

    umcf = hx_pcalloc(cf->pool, sizeof(hx_http_upstream_main_conf_t));
    if (umcf == NULL) {
        return NULL;
    }

    if (hx_array_init(&umcf->upstreams, cf->pool, 4,
                      sizeof(hx_http_upstream_srv_conf_t *))
        != HX_OK)
    {
        return NULL;
    }

    return umcf;
}


/*
 * The whole http block is read: every upstream's peer groups (resolving
 * the names of implicit ones), and the hash of response headers the
 * machinery knows by name.
 */
static char *
hx_http_upstream_init_main_conf(hx_conf_t *cf, void *conf)
{
    hx_http_upstream_main_conf_t  *umcf = conf;

    hx_uint_t                      i;
    hx_array_t                     keys;
    hx_hash_key_t                 *key;
    hx_hash_init_t                 hash;
    hx_http_upstream_header_t     *header;
    hx_http_upstream_srv_conf_t  **uscfp;

    uscfp = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {

        if (uscfp[i]->srv_conf == NULL && uscfp[i]->upstream.servers == NULL
            && uscfp[i]->port == 0 && !uscfp[i]->no_port)
        {
            continue;
        }

        if (hx_upstream_init(cf, &uscfp[i]->upstream) != HX_OK) {
            return HX_CONF_ERROR;
        }

        if (uscfp[i]->init_peer == NULL) {
            uscfp[i]->init_peer = hx_http_upstream_default_init_peer;
        }
    }

    if (hx_array_init(&keys, cf->temp_pool, 32, sizeof(hx_hash_key_t))
        != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    for (header = hx_http_upstream_headers_in; header->name.len; header++) {
        key = hx_array_push(&keys);
        if (key == NULL) {
            return HX_CONF_ERROR;
        }

        key->key = header->name;
        key->key_hash = hx_hash_key_lc(header->name.data, header->name.len);
        key->value = header;
    }

    hash.hash = &umcf->headers_in_hash;
    hash.key = hx_hash_key_lc;
    hash.max_size = 512;
    hash.bucket_size = hx_align(64, HX_ALIGNMENT);
    hash.name = "upstream_headers_in_hash";
    hash.pool = cf->pool;
    hash.temp_pool = NULL;

    if (hx_hash_init(&hash, keys.elts, keys.nelts) != HX_OK) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


/* the default init_peer: the library's state for this request */
static hx_int_t
hx_http_upstream_default_init_peer(hx_http_request_t *r,
    hx_http_upstream_srv_conf_t *us)
{
    hx_str_t               key;
    hx_http_upstream_t    *u;
    hx_upstream_select_t   sel;

    u = r->upstream;

    hx_memzero(&sel, sizeof(hx_upstream_select_t));

    sel.client = r->connection->sockaddr;
    sel.client_len = r->connection->socklen;

    if (us->hash_key) {
        if (hx_http_complex_value(r, us->hash_key, &key) != HX_OK) {
            return HX_ERROR;
        }

        sel.key = key;
    }

    return hx_upstream_init_peer(&us->upstream, &u->peer, r->pool, &sel);
}


static void *
hx_http_upstream_create_loc_conf(hx_conf_t *cf)
{
    hx_http_upstream_loc_conf_t  *ulcf;

    ulcf = hx_pcalloc(cf->pool, sizeof(hx_http_upstream_loc_conf_t));
    if (ulcf == NULL) {
        return NULL;
    }

    ulcf->resolver = HX_CONF_UNSET_PTR;

    return ulcf;
}


static char *
hx_http_upstream_merge_loc_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_http_upstream_loc_conf_t *prev = parent;
    hx_http_upstream_loc_conf_t *conf = child;

    (void) cf;

    hx_conf_merge_ptr_value(conf->resolver, prev->resolver, NULL);

    return HX_CONF_OK;
}


static char *
hx_http_upstream_resolver(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_upstream_loc_conf_t  *ulcf = conf;

    (void) cmd;

    return hx_http_upstream_resolver_directive(cf, &ulcf->resolver);
}


hx_http_upstream_srv_conf_t *
hx_http_upstream_conf_current(hx_conf_t *cf)
{
    return hx_http_conf_get_module_srv_conf(cf, hx_http_upstream_module);
}


/* "upstream NAME { ... }" */
static char *
hx_http_upstream(hx_conf_t *cf, hx_command_t *cmd, void *dummy)
{
    char                          *rv;
    void                          *mconf;
    hx_str_t                      *value;
    hx_url_t                       u;
    hx_uint_t                      m;
    hx_conf_t                      pcf;
    hx_module_t                   *mod;
    hx_http_module_t              *module;
    hx_http_conf_ctx_t            *ctx, *http_ctx;
    hx_http_upstream_srv_conf_t   *uscf;

    (void) cmd;
    (void) dummy;

    value = cf->args->elts;

    hx_memzero(&u, sizeof(hx_url_t));

    u.host = value[1];
    u.no_resolve = 1;
    u.no_port = 1;

    uscf = hx_http_upstream_add(cf, &u, HX_UPSTREAM_DEFAULT_FLAGS);
    if (uscf == NULL) {
        return HX_CONF_ERROR;
    }

    ctx = hx_pcalloc(cf->pool, sizeof(hx_http_conf_ctx_t));
    if (ctx == NULL) {
        return HX_CONF_ERROR;
    }

    http_ctx = cf->ctx;
    ctx->main_conf = http_ctx->main_conf;

    ctx->srv_conf = hx_pcalloc(cf->pool, sizeof(void *) * hx_http_max_module);
    ctx->loc_conf = hx_pcalloc(cf->pool, sizeof(void *) * hx_http_max_module);

    if (ctx->srv_conf == NULL || ctx->loc_conf == NULL) {
        return HX_CONF_ERROR;
    }

    ctx->srv_conf[hx_http_upstream_module.ctx_index] = uscf;
    uscf->srv_conf = ctx->srv_conf;

    for (m = 0; cf->cycle->modules[m]; m++) {
        mod = cf->cycle->modules[m];

        if (mod->type != HX_HTTP_MODULE) {
            continue;
        }

        module = mod->ctx;

        if (module->create_srv_conf) {
            mconf = module->create_srv_conf(cf);
            if (mconf == NULL) {
                return HX_CONF_ERROR;
            }

            ctx->srv_conf[mod->ctx_index] = mconf;
        }

        if (module->create_loc_conf) {
            mconf = module->create_loc_conf(cf);
            if (mconf == NULL) {
                return HX_CONF_ERROR;
            }

            ctx->loc_conf[mod->ctx_index] = mconf;
        }
    }

    pcf = *cf;
    cf->ctx = ctx;
    cf->cmd_type = HX_HTTP_UPS_CONF;

    rv = hx_conf_parse(cf, NULL);

    *cf = pcf;

    if (rv != HX_CONF_OK) {
        return rv;
    }

    if (uscf->upstream.servers == NULL
        || uscf->upstream.servers->nelts == 0)
    {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "no servers are inside upstream");
        return HX_CONF_ERROR;
    }

    return rv;
}


/* "server ADDRESS [parameters]" inside upstream {} */
static char *
hx_http_upstream_server(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_upstream_srv_conf_t  *uscf = conf;

    (void) cmd;

    return hx_upstream_server(cf, &uscf->upstream);
}


hx_http_upstream_srv_conf_t *
hx_http_upstream_add(hx_conf_t *cf, hx_url_t *u, hx_uint_t flags)
{
    hx_uint_t                       i;
    hx_upstream_server_t           *s;
    hx_http_upstream_srv_conf_t    *uscf, **uscfp;
    hx_http_upstream_main_conf_t   *umcf;

    if (!(flags & HX_HTTP_UPSTREAM_CREATE)) {

        if (hx_parse_url(cf->pool, u) != HX_OK) {
            if (u->err) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "%s in upstream \"%V\"", u->err, &u->url);
            }

            return NULL;
        }
    }

    umcf = hx_http_conf_get_module_main_conf(cf, hx_http_upstream_module);

    uscfp = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {

        if (uscfp[i]->host.len != u->host.len
            || hx_strncasecmp(uscfp[i]->host.data, u->host.data, u->host.len)
               != 0)
        {
            continue;
        }

        if ((flags & HX_HTTP_UPSTREAM_CREATE)
            && (uscfp[i]->flags & HX_HTTP_UPSTREAM_CREATE))
        {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "duplicate upstream \"%V\"", &u->host);
            return NULL;
        }

        if ((uscfp[i]->flags & HX_HTTP_UPSTREAM_CREATE) && !u->no_port) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "upstream \"%V\" may not have port %d",
                              &u->host, (int) u->port);
            return NULL;
        }

        if ((flags & HX_HTTP_UPSTREAM_CREATE) && !uscfp[i]->no_port) {
            hx_log_error(HX_LOG_EMERG, cf->log, 0,
                         "upstream \"%V\" may not have port %d in %s:%ui",
                         &u->host, (int) uscfp[i]->port,
                         uscfp[i]->upstream.file_name,
                         uscfp[i]->upstream.line);
            return NULL;
        }

        if (uscfp[i]->port && u->port && uscfp[i]->port != u->port) {
            continue;
        }

        if (flags & HX_HTTP_UPSTREAM_CREATE) {

            /* the block that a proxy_pass mentioned earlier */

            if (hx_upstream_conf_init(cf, &uscfp[i]->upstream, &u->host, 80, 1)
                != HX_OK)
            {
                return NULL;
            }

            uscfp[i]->flags = flags;
            uscfp[i]->port = 0;
        }

        return uscfp[i];
    }

    uscf = hx_pcalloc(cf->pool, sizeof(hx_http_upstream_srv_conf_t));
    if (uscf == NULL) {
        return NULL;
    }

    uscf->flags = flags;
    uscf->host = u->host;
    uscf->port = u->port;
    uscf->no_port = u->no_port;

    if (hx_upstream_conf_init(cf, &uscf->upstream, &u->host, 80,
                              flags & HX_HTTP_UPSTREAM_CREATE)
        != HX_OK)
    {
        return NULL;
    }

    uscf->upstream.port = u->port;

    if (u->naddrs == 1 && (u->port || u->family == AF_UNIX)) {

        /* a literal address: one server, no resolving */

        s = hx_upstream_add_server(cf->pool, &uscf->upstream,
                                   u->addrs[0].sockaddr, u->addrs[0].socklen,
                                   &u->addrs[0].name);
        if (s == NULL) {
            return NULL;
        }

        s->max_fails = 0;
    }

    uscfp = hx_array_push(&umcf->upstreams);
    if (uscfp == NULL) {
        return NULL;
    }

    *uscfp = uscf;

    return uscf;
}


/* "proxy_bind off | address [transparent]" */
char *
hx_http_upstream_bind_set_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char  *p = conf;

    hx_int_t                           rc;
    hx_str_t                          *value;
    hx_http_complex_value_t            cv;
    hx_http_upstream_local_t         **plocal, *local;
    hx_http_compile_complex_value_t    ccv;

    plocal = (hx_http_upstream_local_t **) (p + cmd->offset);

    if (*plocal != HX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2 && hx_strcmp(value[1].data, "off") == 0) {
        *plocal = NULL;
        return HX_CONF_OK;
    }

    hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = &cv;

    if (hx_http_compile_complex_value(&ccv) != HX_OK) {
        return HX_CONF_ERROR;
    }

    local = hx_pcalloc(cf->pool, sizeof(hx_http_upstream_local_t));
    if (local == NULL) {
        return HX_CONF_ERROR;
    }

    *plocal = local;

    if (cv.lengths) {
        local->value = hx_palloc(cf->pool, sizeof(hx_http_complex_value_t));
        if (local->value == NULL) {
            return HX_CONF_ERROR;
        }

        *local->value = cv;

    } else {
        local->addr = hx_palloc(cf->pool, sizeof(hx_addr_t));
        if (local->addr == NULL) {
            return HX_CONF_ERROR;
        }

        rc = hx_parse_addr_port(cf->pool, local->addr, value[1].data,
                                value[1].len);

        switch (rc) {
        case HX_OK:
            local->addr->name = value[1];
            break;

        case HX_DECLINED:
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid address \"%V\"", &value[1]);
            /* fall through */

        default:
            return HX_CONF_ERROR;
        }
    }

    if (cf->args->nelts > 2) {
        if (hx_strcmp(value[2].data, "transparent") == 0) {
            local->transparent = 1;

        } else {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid parameter \"%V\"", &value[2]);
            return HX_CONF_ERROR;
        }
    }

    return HX_CONF_OK;
}


/* whether name is a key of the hx_hash_key_t array a (any case) */
static hx_uint_t
hx_http_upstream_key_in(hx_array_t *a, hx_str_t *name)
{
    hx_uint_t       i;
    hx_hash_key_t  *hk;

    hk = a->elts;

    for (i = 0; i < a->nelts; i++) {
        if (hk[i].key.len == name->len
            && hx_strncasecmp(hk[i].key.data, name->data, name->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/* whether name is in the hx_str_t array a (case-insensitively) */
static hx_uint_t
hx_http_upstream_name_in(hx_array_t *a, hx_str_t *name)
{
    hx_str_t   *s;
    hx_uint_t   i;

    if (a == NULL || a == HX_CONF_UNSET_PTR) {
        return 0;
    }

    s = a->elts;

    for (i = 0; i < a->nelts; i++) {
        if (s[i].len == name->len
            && hx_strncasecmp(s[i].data, name->data, name->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


hx_int_t
hx_http_upstream_hide_headers_hash(hx_conf_t *cf,
    hx_http_upstream_conf_t *conf, hx_http_upstream_conf_t *prev,
    hx_str_t *default_hide_headers, hx_hash_init_t *hash)
{
    hx_str_t        *h;
    hx_uint_t        i;
    hx_array_t       hide_headers;
    hx_hash_key_t   *hk;

    if (conf->hide_headers == HX_CONF_UNSET_PTR
        && conf->pass_headers == HX_CONF_UNSET_PTR)
    {
        conf->hide_headers = prev->hide_headers;
        conf->pass_headers = prev->pass_headers;

        conf->hide_headers_hash = prev->hide_headers_hash;

        if (conf->hide_headers_hash.buckets) {
            return HX_OK;
        }

    } else {
        if (conf->hide_headers == HX_CONF_UNSET_PTR) {
            conf->hide_headers = prev->hide_headers;
        }

        if (conf->pass_headers == HX_CONF_UNSET_PTR) {
            conf->pass_headers = prev->pass_headers;
        }
    }

    if (hx_array_init(&hide_headers, cf->temp_pool, 4, sizeof(hx_hash_key_t))
        != HX_OK)
    {
        return HX_ERROR;
    }

    for (h = default_hide_headers; h->len; h++) {
        if (hx_http_upstream_name_in(conf->pass_headers, h)) {
            continue;
        }

        hk = hx_array_push(&hide_headers);
        if (hk == NULL) {
            return HX_ERROR;
        }

        hk->key = *h;
        hk->key_hash = hx_hash_key_lc(h->data, h->len);
        hk->value = (void *) 1;
    }

    if (conf->hide_headers != HX_CONF_UNSET_PTR && conf->hide_headers) {

        h = conf->hide_headers->elts;

        for (i = 0; i < conf->hide_headers->nelts; i++) {

            if (hx_http_upstream_name_in(conf->pass_headers, &h[i])
                || hx_http_upstream_key_in(&hide_headers, &h[i]))
            {
                continue;
            }

            hk = hx_array_push(&hide_headers);
            if (hk == NULL) {
                return HX_ERROR;
            }

            hk->key = h[i];
            hk->key_hash = hx_hash_key_lc(h[i].data, h[i].len);
            hk->value = (void *) 1;
        }
    }

    hash->hash = &conf->hide_headers_hash;
    hash->key = hx_hash_key_lc;
    hash->pool = cf->pool;
    hash->temp_pool = NULL;

    if (hx_hash_init(hash, hide_headers.elts, hide_headers.nelts) != HX_OK) {
        return HX_ERROR;
    }

    /*
     * a location without its own settings may share the hash with its
     * parent, so the parent keeps the one built here
     */

    if (prev->hide_headers_hash.buckets == NULL
        && conf->hide_headers == prev->hide_headers
        && conf->pass_headers == prev->pass_headers)
    {
        prev->hide_headers_hash = conf->hide_headers_hash;
    }

    return HX_OK;
}


char *
hx_http_upstream_merge_buffers(hx_conf_t *cf, hx_http_upstream_conf_t *conf,
    hx_http_upstream_conf_t *prev, const char *prefix)
{
    size_t  size;

    hx_conf_merge_size_value(conf->buffer_size, prev->buffer_size,
                             (size_t) hx_pagesize);

    hx_conf_merge_bufs_value(conf->bufs, prev->bufs, 8, hx_pagesize);

    if (conf->bufs.num < 2) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "there must be at least 2 \"%s_buffers\"", prefix);
        return HX_CONF_ERROR;
    }

    size = conf->buffer_size;
    if (size < conf->bufs.size) {
        size = conf->bufs.size;
    }

    hx_conf_merge_size_value(conf->busy_buffers_size_conf,
                             prev->busy_buffers_size_conf,
                             HX_CONF_UNSET_SIZE);

    if (conf->busy_buffers_size_conf == HX_CONF_UNSET_SIZE) {
        conf->busy_buffers_size = 2 * size;

    } else {
        conf->busy_buffers_size = conf->busy_buffers_size_conf;
    }

    if (conf->busy_buffers_size < size) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
             "\"%s_busy_buffers_size\" must be equal to or greater than "
             "the maximum of the value of \"%s_buffer_size\" and "
             "one of the \"%s_buffers\"", prefix, prefix, prefix);

        return HX_CONF_ERROR;
    }

    if (conf->busy_buffers_size > (conf->bufs.num - 1) * conf->bufs.size) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
             "\"%s_busy_buffers_size\" must be less than "
             "the size of all \"%s_buffers\" minus one buffer",
             prefix, prefix);

        return HX_CONF_ERROR;
    }

    hx_conf_merge_size_value(conf->temp_file_write_size_conf,
                             prev->temp_file_write_size_conf,
                             HX_CONF_UNSET_SIZE);

    if (conf->temp_file_write_size_conf == HX_CONF_UNSET_SIZE) {
        conf->temp_file_write_size = 2 * size;

    } else {
        conf->temp_file_write_size = conf->temp_file_write_size_conf;
    }

    if (conf->temp_file_write_size < size) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
             "\"%s_temp_file_write_size\" must be equal to or greater "
             "than the maximum of the value of \"%s_buffer_size\" and "
             "one of the \"%s_buffers\"", prefix, prefix, prefix);

        return HX_CONF_ERROR;
    }

    hx_conf_merge_size_value(conf->max_temp_file_size_conf,
                             prev->max_temp_file_size_conf,
                             HX_CONF_UNSET_SIZE);

    if (conf->max_temp_file_size_conf == HX_CONF_UNSET_SIZE) {
        conf->max_temp_file_size = 1024 * 1024 * 1024;

    } else {
        conf->max_temp_file_size = conf->max_temp_file_size_conf;
    }

    if (conf->max_temp_file_size != 0 && conf->max_temp_file_size < size) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
             "\"%s_max_temp_file_size\" must be equal to zero to disable "
             "temporary files usage or must be equal to or greater than "
             "the maximum of the value of \"%s_buffer_size\" and "
             "one of the \"%s_buffers\"", prefix, prefix, prefix);

        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}

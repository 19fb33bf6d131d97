/*
 * The stream upstream module: "upstream NAME { ... }" in stream, its
 * "server" lines, the implicit upstreams of "proxy_pass host:port", the
 * $upstream_* variables, and the setup of a session's peer connection.
 *
 * An upstream {} block gets a srv conf of every stream module, as a
 * server {} does, so that the balancer and zone modules (hash,
 * least_conn, random, zone: one small module each, as in nginx, so that
 * each can be left out and -V shows it) find their upstream with
 * hx_stream_conf_upstream_srv_conf().  The server lines and the peer
 * groups belong to the shared library (event/hx_upstream_peer.h); when
 * the stream block ends, init_main_conf builds every upstream's groups.
 *
 * Upstreams are found by name: "proxy_pass backend" may come before
 * "upstream backend {}", so the first mention creates the entry and the
 * block fills it in, as nginx does.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>


static hx_int_t hx_stream_upstream_add_variables(hx_conf_t *cf);
static hx_int_t hx_stream_upstream_addr_variable(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_upstream_bytes_variable(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_upstream_time_variable(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);

static void *hx_stream_upstream_create_main_conf(hx_conf_t *cf);
static char *hx_stream_upstream_init_main_conf(hx_conf_t *cf, void *conf);
static void hx_stream_upstream_warn_down(hx_conf_t *cf,
    hx_stream_upstream_srv_conf_t *uscf);
static char *hx_stream_upstream(hx_conf_t *cf, hx_command_t *cmd,
    void *dummy);
static char *hx_stream_upstream_server(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);


/* the data word of the time variables */
#define HX_STREAM_UPSTREAM_CONNECT_TIME     0
#define HX_STREAM_UPSTREAM_FIRST_BYTE_TIME  1
#define HX_STREAM_UPSTREAM_SESSION_TIME     2


static hx_command_t  hx_stream_upstream_commands[] = {

    { hx_string("upstream"),
      HX_STREAM_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_TAKE1,
      hx_stream_upstream,
      0,
      0,
      NULL },

    { hx_string("server"),
      HX_STREAM_UPS_CONF|HX_CONF_1MORE,
      hx_stream_upstream_server,
      HX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_stream_module_t  hx_stream_upstream_module_ctx = {
    hx_stream_upstream_add_variables,     /* preconfiguration */
    NULL,                                 /* postconfiguration */

    hx_stream_upstream_create_main_conf,  /* create main configuration */
    hx_stream_upstream_init_main_conf,    /* init main configuration */

    NULL,                                 /* create server configuration */
    NULL                                  /* merge server configuration */
};


hx_module_t  hx_stream_upstream_module = {
    HX_MODULE_V1,
    "hx_stream_upstream_module",
    &hx_stream_upstream_module_ctx,
    hx_stream_upstream_commands,
    HX_STREAM_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static hx_stream_variable_t  hx_stream_upstream_vars[] = {

    { hx_string("upstream_addr"), NULL,
      hx_stream_upstream_addr_variable, 0,
      HX_STREAM_VAR_NOCACHEABLE, 0 },

    { hx_string("upstream_bytes_sent"), NULL,
      hx_stream_upstream_bytes_variable, 0,
      HX_STREAM_VAR_NOCACHEABLE, 0 },

    { hx_string("upstream_bytes_received"), NULL,
      hx_stream_upstream_bytes_variable, 1,
      HX_STREAM_VAR_NOCACHEABLE, 0 },

    { hx_string("upstream_connect_time"), NULL,
      hx_stream_upstream_time_variable, HX_STREAM_UPSTREAM_CONNECT_TIME,
      HX_STREAM_VAR_NOCACHEABLE, 0 },

    { hx_string("upstream_first_byte_time"), NULL,
      hx_stream_upstream_time_variable, HX_STREAM_UPSTREAM_FIRST_BYTE_TIME,
      HX_STREAM_VAR_NOCACHEABLE, 0 },

    { hx_string("upstream_session_time"), NULL,
      hx_stream_upstream_time_variable, HX_STREAM_UPSTREAM_SESSION_TIME,
      HX_STREAM_VAR_NOCACHEABLE, 0 },

    hx_stream_null_variable
};


static hx_int_t
hx_stream_upstream_add_variables(hx_conf_t *cf)
{
    hx_stream_variable_t  *var, *v;

    for (v = hx_stream_upstream_vars; v->name.len; v++) {
        var = hx_stream_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return HX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return HX_OK;
}


/*
 * The values of the session's attempts, one per state, joined by ", ";
 * "not found" before the first attempt.  Returns the states or NULL.
 */
static hx_stream_upstream_state_t *
hx_stream_upstream_states(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, hx_uint_t *n)
{
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    if (s->upstream_states == NULL || s->upstream_states->nelts == 0) {
        v->not_found = 1;
        return NULL;
    }

    *n = s->upstream_states->nelts;

    return s->upstream_states->elts;
}


static hx_int_t
hx_stream_upstream_addr_variable(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    size_t                        len;
    uint8_t                      *p;
    hx_uint_t                     i, n;
    hx_stream_upstream_state_t   *state;

    (void) data;

    state = hx_stream_upstream_states(s, v, &n);
    if (state == NULL) {
        return HX_OK;
    }

    len = 0;

    for (i = 0; i < n; i++) {
        len += (state[i].peer ? state[i].peer->len : 0) + 2;
    }

    p = hx_pnalloc(s->connection->pool, len);
    if (p == NULL) {
        return HX_ERROR;
    }

    v->data = p;

    for (i = 0; i < n; i++) {
        if (i) {
            *p++ = ',';
            *p++ = ' ';
        }

        if (state[i].peer) {
            p = hx_cpymem(p, state[i].peer->data, state[i].peer->len);
        }
    }

    v->len = p - v->data;

    return HX_OK;
}


static hx_int_t
hx_stream_upstream_bytes_variable(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    uint8_t                      *p;
    hx_uint_t                     i, n;
    hx_stream_upstream_state_t   *state;

    state = hx_stream_upstream_states(s, v, &n);
    if (state == NULL) {
        return HX_OK;
    }

    p = hx_pnalloc(s->connection->pool, n * (HX_OFF_T_LEN + 2));
    if (p == NULL) {
        return HX_ERROR;
    }

    v->data = p;

    for (i = 0; i < n; i++) {
        if (i) {
            *p++ = ',';
            *p++ = ' ';
        }

        p = hx_sprintf(p, "%O", data ? state[i].bytes_received
                                     : state[i].bytes_sent);
    }

    v->len = p - v->data;

    return HX_OK;
}


static hx_int_t
hx_stream_upstream_time_variable(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    uint8_t                      *p;
    hx_msec_t                     ms;
    hx_uint_t                     i, n;
    hx_stream_upstream_state_t   *state;

    state = hx_stream_upstream_states(s, v, &n);
    if (state == NULL) {
        return HX_OK;
    }

    p = hx_pnalloc(s->connection->pool, n * (HX_TIME_T_LEN + 4 + 2));
    if (p == NULL) {
        return HX_ERROR;
    }

    v->data = p;

    for (i = 0; i < n; i++) {
        if (i) {
            *p++ = ',';
            *p++ = ' ';
        }

        switch (data) {
        case HX_STREAM_UPSTREAM_CONNECT_TIME:
            ms = state[i].connect_time;
            break;
        case HX_STREAM_UPSTREAM_FIRST_BYTE_TIME:
            ms = state[i].first_byte_time;
            break;
        default:
            ms = state[i].response_time;
        }

        if (ms == (hx_msec_t) -1) {
            *p++ = '-';
            continue;
        }

        p = hx_sprintf(p, "%T.%03M", (time_t) (ms / 1000), ms % 1000);
    }

    v->len = p - v->data;

    return HX_OK;
}


static void *
hx_stream_upstream_create_main_conf(hx_conf_t *cf)
{
    hx_stream_upstream_main_conf_t  *umcf;

    umcf = hx_pcalloc(cf->pool, sizeof(hx_stream_upstream_main_conf_t));
    if (umcf == NULL) {
        return NULL;
    }

    if (hx_array_init(&umcf->upstreams, cf->pool, 4,
                      sizeof(hx_stream_upstream_srv_conf_t *))
        != HX_OK)
    {
        return NULL;
    }

    return umcf;
}


/* every upstream's peer groups, now that the whole block is read */
static char *
hx_stream_upstream_init_main_conf(hx_conf_t *cf, void *conf)
{
    hx_stream_upstream_main_conf_t  *umcf = conf;

    hx_uint_t                        i;
    hx_stream_upstream_srv_conf_t  **uscfp;

    uscfp = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {
        if (hx_upstream_init(cf, &uscfp[i]->upstream) != HX_OK) {
            return HX_CONF_ERROR;
        }

        hx_stream_upstream_warn_down(cf, uscfp[i]);
    }

    return HX_CONF_OK;
}


/* a risky setup -t should point out: no server can ever be chosen */
static void
hx_stream_upstream_warn_down(hx_conf_t *cf,
    hx_stream_upstream_srv_conf_t *uscf)
{
    hx_uint_t             i;
    hx_upstream_peers_t  *peers;

    for (peers = uscf->upstream.peers; peers; peers = peers->next) {
        for (i = 0; i < peers->number; i++) {
            if (!peers->peer[i].down) {
                return;
            }
        }
    }

    hx_log_error(HX_LOG_WARN, cf->log, 0,
                 "every server of upstream \"%V\" is marked \"down\": "
                 "its sessions will all fail, in %s:%ui",
                 &uscf->host, uscf->file_name, uscf->line);
}


static char *
hx_stream_upstream(hx_conf_t *cf, hx_command_t *cmd, void *dummy)
{
    char                           *rv;
    hx_str_t                       *value;
    hx_url_t                        u;
    hx_conf_t                       pcf;
    hx_stream_conf_ctx_t           *ctx;
    hx_stream_upstream_srv_conf_t  *uscf;

    (void) cmd;
    (void) dummy;

    value = cf->args->elts;

    hx_memzero(&u, sizeof(hx_url_t));

    u.host = value[1];
    u.no_resolve = 1;
    u.no_port = 1;

    uscf = hx_stream_upstream_add(cf, &u, HX_STREAM_UPSTREAM_CREATE);
    if (uscf == NULL) {
        return HX_CONF_ERROR;
    }

    ctx = hx_stream_create_srv_ctx(cf, cf->ctx);
    if (ctx == NULL) {
        return HX_CONF_ERROR;
    }

    ctx->srv_conf[hx_stream_upstream_module.ctx_index] = uscf;
    uscf->srv_conf = ctx->srv_conf;

    /* the block's own file and line, for messages about it */

    if (hx_upstream_conf_init(cf, &uscf->upstream, &uscf->host, 0, 1)
        != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    pcf = *cf;
    cf->ctx = ctx;
    cf->cmd_type = HX_STREAM_UPS_CONF;

    rv = hx_conf_parse(cf, NULL);

    *cf = pcf;

    if (rv != HX_CONF_OK) {
        return rv;
    }

    if (uscf->upstream.servers->nelts == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "no servers are inside upstream");
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


static char *
hx_stream_upstream_server(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    (void) cmd;
    (void) conf;

    return hx_upstream_server(cf, &hx_stream_conf_upstream_srv_conf(cf)
                                   ->upstream);
}


hx_stream_upstream_srv_conf_t *
hx_stream_upstream_add(hx_conf_t *cf, hx_url_t *u, hx_uint_t flags)
{
    hx_str_t                          name;
    hx_uint_t                         i;
    hx_upstream_server_t             *server;
    hx_stream_upstream_srv_conf_t    *uscf, **uscfp;
    hx_stream_upstream_main_conf_t   *umcf;

    if (!(flags & HX_STREAM_UPSTREAM_CREATE)) {
        if (hx_parse_url(cf->pool, u) != HX_OK) {
            if (u->err) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "%s in upstream \"%V\"", u->err, &u->url);
            }

            return NULL;
        }
    }

    umcf = hx_stream_conf_get_module_main_conf(cf, hx_stream_upstream_module);

    uscfp = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {
        uscf = uscfp[i];

        if (uscf->host.len != u->host.len
            || hx_strncasecmp(uscf->host.data, u->host.data, u->host.len)
               != 0)
        {
            continue;
        }

        if ((flags & HX_STREAM_UPSTREAM_CREATE)
            && (uscf->flags & HX_STREAM_UPSTREAM_CREATE))
        {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "duplicate upstream \"%V\"", &u->host);
            return NULL;
        }

        if ((uscf->flags & HX_STREAM_UPSTREAM_CREATE) && !u->no_port) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "upstream \"%V\" may not have port %d",
                              &u->host, (int) u->port);
            return NULL;
        }

        if ((flags & HX_STREAM_UPSTREAM_CREATE) && !uscf->no_port) {
            hx_log_error(HX_LOG_EMERG, cf->log, 0,
                         "upstream \"%V\" may not have port %d in %s:%ui",
                         &u->host, (int) uscf->port, uscf->file_name,
                         uscf->line);
            return NULL;
        }

        if (uscf->port != u->port) {
            continue;
        }

        if (flags & HX_STREAM_UPSTREAM_CREATE) {
            uscf->flags = flags;
            uscf->file_name = cf->conf_file->file.name.data;
            uscf->line = cf->conf_file->line;
        }

        return uscf;
    }

    uscf = hx_pcalloc(cf->pool, sizeof(hx_stream_upstream_srv_conf_t));
    if (uscf == NULL) {
        return NULL;
    }

    uscf->flags = flags;
    uscf->host = u->host;
    uscf->port = u->port;
    uscf->no_port = u->no_port;

    if (cf->conf_file) {
        uscf->file_name = cf->conf_file->file.name.data;
        uscf->line = cf->conf_file->line;
    }

    name = u->host;

    if (hx_upstream_conf_init(cf, &uscf->upstream, &uscf->host, 0, 0)
        != HX_OK)
    {
        return NULL;
    }

    uscf->upstream.port = u->port;

    /* a literal address or a unix socket needs no resolving later */

    if (u->naddrs == 1 && (u->port || u->family == AF_UNIX
                           || u->addrs[0].sockaddr->sa_family == AF_UNIX))
    {
        name = u->addrs[0].name;

        server = hx_upstream_add_server(cf->pool, &uscf->upstream,
                                        u->addrs[0].sockaddr,
                                        u->addrs[0].socklen, &name);
        if (server == NULL) {
            return NULL;
        }
    }

    uscfp = hx_array_push(&umcf->upstreams);
    if (uscfp == NULL) {
        return NULL;
    }

    *uscfp = uscf;

    return uscf;
}


hx_stream_upstream_srv_conf_t *
hx_stream_upstream_find(hx_stream_session_t *s, hx_str_t *host,
    in_port_t port, hx_uint_t no_port)
{
    hx_uint_t                         i;
    hx_stream_upstream_srv_conf_t   **uscfp;
    hx_stream_upstream_main_conf_t   *umcf;

    umcf = hx_stream_get_module_main_conf(s, hx_stream_upstream_module);

    uscfp = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {
        if (uscfp[i]->host.len == host->len
            && ((uscfp[i]->port == 0 && no_port) || uscfp[i]->port == port)
            && hx_strncasecmp(uscfp[i]->host.data, host->data, host->len)
               == 0)
        {
            return uscfp[i];
        }
    }

    return NULL;
}


void
hx_stream_upstream_connected(hx_stream_session_t *s)
{
    hx_upstream_peer_t       *peer;
    hx_upstream_peer_data_t  *pd;

    if (s->upstream->upstream == NULL
        || s->upstream->peer.connection->type != SOCK_STREAM)
    {
        return;
    }

    pd = s->upstream->peer.data;
    peer = pd->current;

    if (peer == NULL) {
        return;
    }

    /*
     * a failed peer that accepts again is healthy now, not when this
     * session ends: the sessions that start meanwhile may use it
     */

    hx_upstream_lock(pd->peers);

    if (peer->accessed < peer->checked) {
        peer->fails = 0;
    }

    hx_upstream_unlock(pd->peers);
}


hx_int_t
hx_stream_upstream_init_peer(hx_stream_session_t *s,
    hx_stream_upstream_srv_conf_t *uscf)
{
    hx_str_t               key;
    hx_connection_t       *c;
    hx_stream_upstream_t  *u;

    c = s->connection;
    u = s->upstream;

    u->select.client = c->sockaddr;
    u->select.client_len = c->socklen;

    /* dh hashes the address the client dialled (a virtual_server's VIP) */
    u->select.local = c->local_sockaddr;
    u->select.local_len = c->local_socklen;

    if (uscf->hash_key) {
        if (hx_stream_complex_value(s, uscf->hash_key, &key) != HX_OK) {
            return HX_ERROR;
        }

        hx_log_debug(HX_LOG_DEBUG_STREAM, c->log, 0,
                     "upstream hash key:\"%V\"", &key);

        u->select.key = key;
    }

    return hx_upstream_init_peer(uscf->shared ? uscf->shared
                                              : &uscf->upstream,
                                 &u->peer, c->pool, &u->select);
}

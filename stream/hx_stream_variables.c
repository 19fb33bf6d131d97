/*
 * The stream variable machinery and the core variables.
 *
 * Two tables are kept while the stream block is parsed: the declared
 * variables (a hash-keys array, so a duplicate is caught at once, plus a
 * list of "$prefix_*" families) and the used ones (an array: the position
 * is the index a directive keeps).  hx_stream_variables_init_vars() joins
 * them when the block ends; from then on a session reads a variable by
 * index in O(1), and name lookups at run time (rare: map, "set" through
 * a name) go through a static hash built at the same moment.
 *
 * The core variables describe the connection and the session.  Those
 * that change while a session runs ($bytes_sent, $session_time, $status,
 * the clock) are not cacheable: nginx caches $bytes_sent and
 * $bytes_received, which makes a value read in "return" stale in the
 * access log; here they are read afresh each time.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>


static hx_stream_variable_t *hx_stream_add_prefix_variable(hx_conf_t *cf,
    hx_str_t *name, hx_uint_t flags);
static hx_int_t hx_stream_bind_variable(hx_conf_t *cf,
    hx_stream_core_main_conf_t *cmcf, hx_stream_variable_t *v);

static hx_int_t hx_stream_variable_binary_remote_addr(
    hx_stream_session_t *s, hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_variable_remote_addr(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_variable_port(hx_stream_session_t *s,
    struct sockaddr *sa, hx_stream_variable_value_t *v);
static hx_int_t hx_stream_variable_remote_port(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_variable_server_addr(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_variable_server_port(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_variable_server_name(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_variable_bytes(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_variable_session_time(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_variable_status(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_variable_connection(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_variable_nginx_version(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_variable_hostname(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_variable_pid(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_variable_msec(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_variable_time(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_variable_proxy_protocol_addr(
    hx_stream_session_t *s, hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_variable_proxy_protocol_port(
    hx_stream_session_t *s, hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_variable_proxy_protocol_tlv(
    hx_stream_session_t *s, hx_stream_variable_value_t *v, uintptr_t data);
static hx_int_t hx_stream_variable_protocol(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);

static void hx_stream_variable_set(hx_stream_variable_value_t *v,
    uint8_t *data, size_t len);


/* how deep variables may evaluate each other before it is a loop */
#define HX_STREAM_VARIABLE_DEPTH  100

static hx_uint_t  hx_stream_variable_depth = HX_STREAM_VARIABLE_DEPTH;


/* the data word of the time variables */
#define HX_STREAM_TIME_LOCAL     0
#define HX_STREAM_TIME_ISO8601   1


static hx_stream_variable_t  hx_stream_core_variables[] = {

    { hx_string("binary_remote_addr"), NULL,
      hx_stream_variable_binary_remote_addr, 0, 0, 0 },

    { hx_string("remote_addr"), NULL,
      hx_stream_variable_remote_addr, 0, 0, 0 },

    { hx_string("remote_port"), NULL,
      hx_stream_variable_remote_port, 0, 0, 0 },

    { hx_string("server_addr"), NULL,
      hx_stream_variable_server_addr, 0, 0, 0 },

    { hx_string("server_port"), NULL,
      hx_stream_variable_server_port, 0, 0, 0 },

    { hx_string("server_name"), NULL,
      hx_stream_variable_server_name, 0, 0, 0 },

    { hx_string("bytes_sent"), NULL, hx_stream_variable_bytes,
      0, HX_STREAM_VAR_NOCACHEABLE, 0 },

    { hx_string("bytes_received"), NULL, hx_stream_variable_bytes,
      1, HX_STREAM_VAR_NOCACHEABLE, 0 },

    { hx_string("session_time"), NULL, hx_stream_variable_session_time,
      0, HX_STREAM_VAR_NOCACHEABLE, 0 },

    { hx_string("status"), NULL, hx_stream_variable_status,
      0, HX_STREAM_VAR_NOCACHEABLE, 0 },

    { hx_string("connection"), NULL,
      hx_stream_variable_connection, 0, 0, 0 },

    { hx_string("nginx_version"), NULL, hx_stream_variable_nginx_version,
      0, 0, 0 },

    { hx_string("hostname"), NULL, hx_stream_variable_hostname,
      0, 0, 0 },

    { hx_string("pid"), NULL, hx_stream_variable_pid,
      0, 0, 0 },

    { hx_string("msec"), NULL, hx_stream_variable_msec,
      0, HX_STREAM_VAR_NOCACHEABLE, 0 },

    { hx_string("time_iso8601"), NULL, hx_stream_variable_time,
      HX_STREAM_TIME_ISO8601, HX_STREAM_VAR_NOCACHEABLE, 0 },

    { hx_string("time_local"), NULL, hx_stream_variable_time,
      HX_STREAM_TIME_LOCAL, HX_STREAM_VAR_NOCACHEABLE, 0 },

    { hx_string("protocol"), NULL,
      hx_stream_variable_protocol, 0, 0, 0 },

    { hx_string("proxy_protocol_addr"), NULL,
      hx_stream_variable_proxy_protocol_addr,
      offsetof(hx_proxy_protocol_t, src_addr), 0, 0 },

    { hx_string("proxy_protocol_port"), NULL,
      hx_stream_variable_proxy_protocol_port,
      offsetof(hx_proxy_protocol_t, src_port), 0, 0 },

    { hx_string("proxy_protocol_server_addr"), NULL,
      hx_stream_variable_proxy_protocol_addr,
      offsetof(hx_proxy_protocol_t, dst_addr), 0, 0 },

    { hx_string("proxy_protocol_server_port"), NULL,
      hx_stream_variable_proxy_protocol_port,
      offsetof(hx_proxy_protocol_t, dst_port), 0, 0 },

    { hx_string("proxy_protocol_tlv_"), NULL,
      hx_stream_variable_proxy_protocol_tlv,
      0, HX_STREAM_VAR_PREFIX, 0 },

    hx_stream_null_variable
};


hx_stream_variable_value_t  hx_stream_variable_null_value = {
    0, 1, 0, 0, 0, (uint8_t *) ""
};

hx_stream_variable_value_t  hx_stream_variable_true_value = {
    1, 1, 0, 0, 0, (uint8_t *) "1"
};


hx_stream_variable_t *
hx_stream_add_variable(hx_conf_t *cf, hx_str_t *name, hx_uint_t flags)
{
    hx_int_t                      rc;
    hx_uint_t                     i;
    hx_hash_key_t                *key;
    hx_stream_variable_t         *v;
    hx_stream_core_main_conf_t   *cmcf;

    if (name->len == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid variable name \"$\"");
        return NULL;
    }

    if (flags & HX_STREAM_VAR_PREFIX) {
        return hx_stream_add_prefix_variable(cf, name, flags);
    }

    cmcf = hx_stream_conf_get_module_main_conf(cf, hx_stream_core_module);

    key = cmcf->variables_keys->keys.elts;

    for (i = 0; i < cmcf->variables_keys->keys.nelts; i++) {
        if (name->len != key[i].key.len
            || hx_strncasecmp(name->data, key[i].key.data, name->len) != 0)
        {
            continue;
        }

        v = key[i].value;

        if (!(v->flags & HX_STREAM_VAR_CHANGEABLE)) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "the duplicate \"%V\" variable", name);
            return NULL;
        }

        if (!(flags & HX_STREAM_VAR_WEAK)) {
            v->flags &= ~HX_STREAM_VAR_WEAK;
        }

        return v;
    }

    v = hx_pcalloc(cf->pool, sizeof(hx_stream_variable_t));
    if (v == NULL) {
        return NULL;
    }

    v->name.len = name->len;
    v->name.data = hx_pnalloc(cf->pool, name->len);
    if (v->name.data == NULL) {
        return NULL;
    }

    hx_strlow(v->name.data, name->data, name->len);

    v->flags = flags;

    rc = hx_hash_add_key(cmcf->variables_keys, &v->name, v, 0);

    if (rc == HX_ERROR) {
        return NULL;
    }

    if (rc == HX_BUSY) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "conflicting variable name \"%V\"", name);
        return NULL;
    }

    return v;
}


static hx_stream_variable_t *
hx_stream_add_prefix_variable(hx_conf_t *cf, hx_str_t *name, hx_uint_t flags)
{
    hx_uint_t                     i;
    hx_stream_variable_t         *v;
    hx_stream_core_main_conf_t   *cmcf;

    cmcf = hx_stream_conf_get_module_main_conf(cf, hx_stream_core_module);

    v = cmcf->prefix_variables.elts;

    for (i = 0; i < cmcf->prefix_variables.nelts; i++) {
        if (name->len != v[i].name.len
            || hx_strncasecmp(name->data, v[i].name.data, name->len) != 0)
        {
            continue;
        }

        if (!(v[i].flags & HX_STREAM_VAR_CHANGEABLE)) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "the duplicate \"%V\" variable", name);
            return NULL;
        }

        if (!(flags & HX_STREAM_VAR_WEAK)) {
            v[i].flags &= ~HX_STREAM_VAR_WEAK;
        }

        return &v[i];
    }

    v = hx_array_push(&cmcf->prefix_variables);
    if (v == NULL) {
        return NULL;
    }

    hx_memzero(v, sizeof(hx_stream_variable_t));

    v->name.len = name->len;
    v->name.data = hx_pnalloc(cf->pool, name->len);
    if (v->name.data == NULL) {
        return NULL;
    }

    hx_strlow(v->name.data, name->data, name->len);

    v->flags = flags;

    return v;
}


hx_int_t
hx_stream_get_variable_index(hx_conf_t *cf, hx_str_t *name)
{
    hx_uint_t                     i;
    hx_stream_variable_t         *v;
    hx_stream_core_main_conf_t   *cmcf;

    if (name->len == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid variable name \"$\"");
        return HX_ERROR;
    }

    cmcf = hx_stream_conf_get_module_main_conf(cf, hx_stream_core_module);

    v = cmcf->variables.elts;

    if (v == NULL) {
        if (hx_array_init(&cmcf->variables, cf->pool, 4,
                          sizeof(hx_stream_variable_t))
            != HX_OK)
        {
            return HX_ERROR;
        }

    } else {
        for (i = 0; i < cmcf->variables.nelts; i++) {
            if (name->len == v[i].name.len
                && hx_strncasecmp(name->data, v[i].name.data, name->len)
                   == 0)
            {
                return (hx_int_t) i;
            }
        }
    }

    v = hx_array_push(&cmcf->variables);
    if (v == NULL) {
        return HX_ERROR;
    }

    hx_memzero(v, sizeof(hx_stream_variable_t));

    v->name.len = name->len;
    v->name.data = hx_pnalloc(cf->pool, name->len);
    if (v->name.data == NULL) {
        return HX_ERROR;
    }

    hx_strlow(v->name.data, name->data, name->len);

    v->index = cmcf->variables.nelts - 1;

    return (hx_int_t) v->index;
}


hx_stream_variable_value_t *
hx_stream_get_indexed_variable(hx_stream_session_t *s, hx_uint_t index)
{
    hx_int_t                      rc;
    hx_stream_variable_t         *v;
    hx_stream_variable_value_t   *vv;
    hx_stream_core_main_conf_t   *cmcf;

    cmcf = hx_stream_get_module_main_conf(s, hx_stream_core_module);

    if (cmcf->variables.nelts <= index) {
        hx_log_error(HX_LOG_ALERT, s->connection->log, 0,
                     "unknown variable index: %ui", index);
        return NULL;
    }

    vv = &s->variables[index];

    if (vv->not_found || vv->valid) {
        return vv;
    }

    v = cmcf->variables.elts;

    if (hx_stream_variable_depth == 0) {
        hx_log_error(HX_LOG_ERR, s->connection->log, 0,
                     "cycle while evaluating variable \"%V\"",
                     &v[index].name);
        return NULL;
    }

    hx_stream_variable_depth--;

    rc = v[index].get_handler(s, vv, v[index].data);

    hx_stream_variable_depth++;

    if (rc != HX_OK) {
        vv->valid = 0;
        vv->not_found = 1;
        return NULL;
    }

    if (v[index].flags & HX_STREAM_VAR_NOCACHEABLE) {
        vv->no_cacheable = 1;
    }

    return vv;
}


hx_stream_variable_value_t *
hx_stream_get_flushed_variable(hx_stream_session_t *s, hx_uint_t index)
{
    hx_stream_variable_value_t  *v;

    v = &s->variables[index];

    if (v->valid || v->not_found) {
        if (!v->no_cacheable) {
            return v;
        }

        v->valid = 0;
        v->not_found = 0;
    }

    return hx_stream_get_indexed_variable(s, index);
}


hx_stream_variable_value_t *
hx_stream_get_variable(hx_stream_session_t *s, hx_str_t *name,
    hx_uint_t key)
{
    size_t                        len;
    hx_uint_t                     i;
    hx_stream_variable_t         *v;
    hx_stream_variable_value_t   *vv;
    hx_stream_core_main_conf_t   *cmcf;

    cmcf = hx_stream_get_module_main_conf(s, hx_stream_core_module);

    v = hx_hash_find(&cmcf->variables_hash, key, name->data, name->len);

    if (v) {
        if (v->flags & HX_STREAM_VAR_INDEXED) {
            return hx_stream_get_flushed_variable(s, v->index);
        }

        if (hx_stream_variable_depth == 0) {
            hx_log_error(HX_LOG_ERR, s->connection->log, 0,
                         "cycle while evaluating variable \"%V\"", name);
            return NULL;
        }

        vv = hx_pcalloc(s->connection->pool,
                        sizeof(hx_stream_variable_value_t));
        if (vv == NULL) {
            return NULL;
        }

        hx_stream_variable_depth--;

        if (v->get_handler(s, vv, v->data) != HX_OK) {
            vv = NULL;
        }

        hx_stream_variable_depth++;

        return vv;
    }

    vv = hx_pcalloc(s->connection->pool, sizeof(hx_stream_variable_value_t));
    if (vv == NULL) {
        return NULL;
    }

    v = cmcf->prefix_variables.elts;

    for (i = 0; i < cmcf->prefix_variables.nelts; i++) {
        len = v[i].name.len;

        if (name->len >= len
            && hx_strncmp(name->data, v[i].name.data, len) == 0)
        {
            /* the handler reads the whole name through data */

            if (v[i].get_handler(s, vv, (uintptr_t) name) != HX_OK) {
                return NULL;
            }

            return vv;
        }
    }

    vv->not_found = 1;

    return vv;
}


hx_int_t
hx_stream_variables_add_core_vars(hx_conf_t *cf)
{
    hx_stream_variable_t         *cv, *v;
    hx_stream_core_main_conf_t   *cmcf;

    cmcf = hx_stream_conf_get_module_main_conf(cf, hx_stream_core_module);

    cmcf->variables_keys = hx_pcalloc(cf->temp_pool,
                                      sizeof(hx_hash_keys_arrays_t));
    if (cmcf->variables_keys == NULL) {
        return HX_ERROR;
    }

    cmcf->variables_keys->pool = cf->pool;
    cmcf->variables_keys->temp_pool = cf->temp_pool;

    if (hx_hash_keys_array_init(cmcf->variables_keys, HX_HASH_SMALL)
        != HX_OK)
    {
        return HX_ERROR;
    }

    if (hx_array_init(&cmcf->prefix_variables, cf->pool, 8,
                      sizeof(hx_stream_variable_t))
        != HX_OK)
    {
        return HX_ERROR;
    }

    for (cv = hx_stream_core_variables; cv->name.len; cv++) {
        v = hx_stream_add_variable(cf, &cv->name, cv->flags);
        if (v == NULL) {
            return HX_ERROR;
        }

        /* the hash key keeps pointing at v's own copy of the name */

        *v = *cv;
    }

    return HX_OK;
}


hx_int_t
hx_stream_variables_init_vars(hx_conf_t *cf)
{
    hx_uint_t                     i, n;
    hx_hash_key_t                *key;
    hx_hash_init_t                hash;
    hx_stream_variable_t         *v, *av;
    hx_stream_core_main_conf_t   *cmcf;

    cmcf = hx_stream_conf_get_module_main_conf(cf, hx_stream_core_module);

    v = cmcf->variables.elts;

    for (i = 0; i < cmcf->variables.nelts; i++) {
        if (hx_stream_bind_variable(cf, cmcf, &v[i]) != HX_OK) {
            return HX_ERROR;
        }
    }

    key = cmcf->variables_keys->keys.elts;

    for (n = 0; n < cmcf->variables_keys->keys.nelts; n++) {
        av = key[n].value;

        if (av->flags & HX_STREAM_VAR_NOHASH) {
            key[n].key.data = NULL;
        }
    }

    hash.hash = &cmcf->variables_hash;
    hash.key = hx_hash_key;
    hash.max_size = cmcf->variables_hash_max_size;
    hash.bucket_size = cmcf->variables_hash_bucket_size;
    hash.name = "variables_hash";
    hash.pool = cf->pool;
    hash.temp_pool = NULL;

    if (hx_hash_init(&hash, cmcf->variables_keys->keys.elts,
                     cmcf->variables_keys->keys.nelts)
        != HX_OK)
    {
        return HX_ERROR;
    }

    cmcf->variables_keys = NULL;

    return HX_OK;
}


/*
 * Gives the used variable v the handler of its declaration, or of the
 * "$prefix_*" family it belongs to.  A declaration without a handler, or
 * a weak one, still lets a prefix family claim the name.
 */
static hx_int_t
hx_stream_bind_variable(hx_conf_t *cf, hx_stream_core_main_conf_t *cmcf,
    hx_stream_variable_t *v)
{
    size_t                 len;
    hx_uint_t              n;
    hx_hash_key_t         *key;
    hx_stream_variable_t  *av, *pv;

    key = cmcf->variables_keys->keys.elts;

    for (n = 0; n < cmcf->variables_keys->keys.nelts; n++) {

        if (v->name.len != key[n].key.len
            || hx_strncmp(v->name.data, key[n].key.data, v->name.len) != 0)
        {
            continue;
        }

        av = key[n].value;

        v->get_handler = av->get_handler;
        v->data = av->data;

        av->flags |= HX_STREAM_VAR_INDEXED;
        v->flags = av->flags;

        av->index = v->index;

        if (av->get_handler && !(av->flags & HX_STREAM_VAR_WEAK)) {
            return HX_OK;
        }

        break;
    }

    pv = cmcf->prefix_variables.elts;

    for (n = 0; n < cmcf->prefix_variables.nelts; n++) {
        len = pv[n].name.len;

        if (v->name.len >= len
            && hx_strncmp(v->name.data, pv[n].name.data, len) == 0)
        {
            v->get_handler = pv[n].get_handler;
            v->data = (uintptr_t) &v->name;
            v->flags = pv[n].flags;

            return HX_OK;
        }
    }

    if (v->get_handler == NULL) {
        hx_log_error(HX_LOG_EMERG, cf->log, 0,
                     "unknown \"%V\" variable", &v->name);
        return HX_ERROR;
    }

    return HX_OK;
}


/* the core variables */


static void
hx_stream_variable_set(hx_stream_variable_value_t *v, uint8_t *data,
    size_t len)
{
    v->len = len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = data;
}


static hx_int_t
hx_stream_variable_binary_remote_addr(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    hx_connection_t      *c;
    struct sockaddr_in   *sin;
    struct sockaddr_in6  *sin6;

    (void) data;

    c = s->connection;

    switch (c->sockaddr->sa_family) {

    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) c->sockaddr;
        hx_stream_variable_set(v, sin6->sin6_addr.s6_addr,
                               sizeof(struct in6_addr));
        break;

    case AF_UNIX:
        hx_stream_variable_set(v, c->addr_text.data, c->addr_text.len);
        break;

    default: /* AF_INET */
        sin = (struct sockaddr_in *) c->sockaddr;
        hx_stream_variable_set(v, (uint8_t *) &sin->sin_addr,
                               sizeof(in_addr_t));
        break;
    }

    return HX_OK;
}


static hx_int_t
hx_stream_variable_remote_addr(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    (void) data;

    hx_stream_variable_set(v, s->connection->addr_text.data,
                           s->connection->addr_text.len);

    return HX_OK;
}


/* a port as text, empty for a socket without one (unix:) */
static hx_int_t
hx_stream_variable_port(hx_stream_session_t *s, struct sockaddr *sa,
    hx_stream_variable_value_t *v)
{
    hx_uint_t   port;
    uint8_t    *p;

    p = hx_pnalloc(s->connection->pool, sizeof("65535") - 1);
    if (p == NULL) {
        return HX_ERROR;
    }

    port = hx_inet_get_port(sa);

    hx_stream_variable_set(v, p, 0);

    if (port > 0 && port < 65536) {
        v->len = hx_sprintf(p, "%ui", port) - p;
    }

    return HX_OK;
}


static hx_int_t
hx_stream_variable_remote_port(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    (void) data;

    return hx_stream_variable_port(s, s->connection->sockaddr, v);
}


static hx_int_t
hx_stream_variable_server_addr(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    hx_str_t  str;
    uint8_t   addr[HX_SOCKADDR_STRLEN];

    (void) data;

    str.len = HX_SOCKADDR_STRLEN;
    str.data = addr;

    if (hx_connection_local_sockaddr(s->connection, &str, 0) != HX_OK) {
        return HX_ERROR;
    }

    str.data = hx_pnalloc(s->connection->pool, str.len);
    if (str.data == NULL) {
        return HX_ERROR;
    }

    hx_memcpy(str.data, addr, str.len);

    hx_stream_variable_set(v, str.data, str.len);

    return HX_OK;
}


static hx_int_t
hx_stream_variable_server_port(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    (void) data;

    if (hx_connection_local_sockaddr(s->connection, NULL, 0) != HX_OK) {
        return HX_ERROR;
    }

    return hx_stream_variable_port(s, s->connection->local_sockaddr, v);
}


/* TODO(issue 6): the server's first server_name once stream has it */
static hx_int_t
hx_stream_variable_server_name(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    (void) s;
    (void) data;

    hx_stream_variable_set(v, (uint8_t *) "", 0);

    return HX_OK;
}


static hx_int_t
hx_stream_variable_bytes(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    uint8_t  *p;

    p = hx_pnalloc(s->connection->pool, HX_OFF_T_LEN);
    if (p == NULL) {
        return HX_ERROR;
    }

    hx_stream_variable_set(v, p, 0);

    if (data == 1) {
        v->len = hx_sprintf(p, "%O", s->received) - p;

    } else {
        v->len = hx_sprintf(p, "%O", s->connection->sent) - p;
    }

    return HX_OK;
}


static hx_int_t
hx_stream_variable_session_time(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    uint8_t        *p;
    hx_time_t      *tp;
    hx_msec_int_t   ms;

    (void) data;

    p = hx_pnalloc(s->connection->pool, HX_TIME_T_LEN + 4);
    if (p == NULL) {
        return HX_ERROR;
    }

    tp = hx_timeofday();

    ms = (hx_msec_int_t) ((tp->sec - s->start_sec) * 1000
                          + ((hx_msec_int_t) tp->msec
                             - (hx_msec_int_t) s->start_msec));
    ms = hx_max(ms, 0);

    hx_stream_variable_set(v, p, 0);
    v->len = hx_sprintf(p, "%T.%03M", (time_t) (ms / 1000),
                        (hx_msec_t) (ms % 1000)) - p;

    return HX_OK;
}


static hx_int_t
hx_stream_variable_status(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    uint8_t  *p;

    (void) data;

    p = hx_pnalloc(s->connection->pool, HX_INT_T_LEN);
    if (p == NULL) {
        return HX_ERROR;
    }

    hx_stream_variable_set(v, p, 0);
    v->len = hx_sprintf(p, "%03ui", s->status) - p;

    return HX_OK;
}


static hx_int_t
hx_stream_variable_connection(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    uint8_t  *p;

    (void) data;

    p = hx_pnalloc(s->connection->pool, HX_INT_T_LEN);
    if (p == NULL) {
        return HX_ERROR;
    }

    hx_stream_variable_set(v, p, 0);
    v->len = hx_sprintf(p, "%uL", s->connection->number) - p;

    return HX_OK;
}


static hx_int_t
hx_stream_variable_nginx_version(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    (void) s;
    (void) data;

    hx_stream_variable_set(v, (uint8_t *) HX_NGINX_VERSION,
                           sizeof(HX_NGINX_VERSION) - 1);

    return HX_OK;
}


static hx_int_t
hx_stream_variable_hostname(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    hx_cycle_t  *cycle;

    (void) s;
    (void) data;

    cycle = (hx_cycle_t *) hx_cycle;

    hx_stream_variable_set(v, cycle->hostname.data, cycle->hostname.len);

    return HX_OK;
}


static hx_int_t
hx_stream_variable_pid(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    uint8_t  *p;

    (void) data;

    p = hx_pnalloc(s->connection->pool, HX_INT_T_LEN);
    if (p == NULL) {
        return HX_ERROR;
    }

    hx_stream_variable_set(v, p, 0);
    v->len = hx_sprintf(p, "%i", (hx_int_t) getpid()) - p;

    return HX_OK;
}


static hx_int_t
hx_stream_variable_msec(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    uint8_t    *p;
    hx_time_t  *tp;

    (void) data;

    p = hx_pnalloc(s->connection->pool, HX_TIME_T_LEN + 4);
    if (p == NULL) {
        return HX_ERROR;
    }

    tp = hx_timeofday();

    hx_stream_variable_set(v, p, 0);
    v->len = hx_sprintf(p, "%T.%03M", tp->sec, (hx_msec_t) tp->msec) - p;

    return HX_OK;
}


/* $time_local and $time_iso8601: copies, the cached strings rotate */
static hx_int_t
hx_stream_variable_time(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    uint8_t   *p;
    hx_str_t   t;

    if (data == HX_STREAM_TIME_ISO8601) {
        t.len = hx_cached_http_log_iso8601.len;
        t.data = hx_cached_http_log_iso8601.data;

    } else {
        t.len = hx_cached_http_log_time.len;
        t.data = hx_cached_http_log_time.data;
    }

    p = hx_pnalloc(s->connection->pool, t.len);
    if (p == NULL) {
        return HX_ERROR;
    }

    hx_memcpy(p, t.data, t.len);

    hx_stream_variable_set(v, p, t.len);

    return HX_OK;
}


static hx_int_t
hx_stream_variable_protocol(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    (void) data;

    if (s->connection->type == SOCK_DGRAM) {
        hx_stream_variable_set(v, (uint8_t *) "UDP", 3);

    } else {
        hx_stream_variable_set(v, (uint8_t *) "TCP", 3);
    }

    return HX_OK;
}


/* $proxy_protocol_addr, $proxy_protocol_server_addr: data is the offset */
static hx_int_t
hx_stream_variable_proxy_protocol_addr(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    hx_str_t             *addr;
    hx_proxy_protocol_t  *pp;

    pp = s->connection->proxy_protocol;

    if (pp == NULL) {
        v->not_found = 1;
        return HX_OK;
    }

    addr = (hx_str_t *) ((uint8_t *) pp + data);

    hx_stream_variable_set(v, addr->data, addr->len);

    return HX_OK;
}


static hx_int_t
hx_stream_variable_proxy_protocol_port(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    uint8_t              *p;
    in_port_t             port;
    hx_proxy_protocol_t  *pp;

    pp = s->connection->proxy_protocol;

    if (pp == NULL) {
        v->not_found = 1;
        return HX_OK;
    }

    p = hx_pnalloc(s->connection->pool, sizeof("65535") - 1);
    if (p == NULL) {
        return HX_ERROR;
    }

    port = *(in_port_t *) ((uint8_t *) pp + data);

    hx_stream_variable_set(v, p, 0);

    if (port > 0) {
        v->len = hx_sprintf(p, "%ui", (hx_uint_t) port) - p;
    }

    return HX_OK;
}


/* $proxy_protocol_tlv_NAME: data is the whole variable name */
static hx_int_t
hx_stream_variable_proxy_protocol_tlv(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    hx_str_t  *name = (hx_str_t *) data;

    hx_int_t   rc;
    hx_str_t   tlv, value;

    tlv.len = name->len - (sizeof("proxy_protocol_tlv_") - 1);
    tlv.data = name->data + sizeof("proxy_protocol_tlv_") - 1;

    rc = hx_proxy_protocol_get_tlv(s->connection->proxy_protocol,
                                   s->connection->pool, s->connection->log,
                                   &tlv, &value);

    if (rc == HX_ERROR) {
        return HX_ERROR;
    }

    if (rc == HX_DECLINED) {
        v->not_found = 1;
        return HX_OK;
    }

    hx_stream_variable_set(v, value.data, value.len);

    return HX_OK;
}

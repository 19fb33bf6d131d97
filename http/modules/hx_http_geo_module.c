/*
 * geo: a variable whose value depends on the client's address.
 *
 *     geo [$address] $variable { default v; 10.0.0.0/8 v; ::1 v;
 *                                delete net; include f; proxy net;
 *                                proxy_recursive; volatile; }
 *     geo $variable { ranges; 10.0.0.1-10.0.0.9 v; ... }
 *
 * Networks (CIDR mode) go into two binary tries, one for IPv4 and one
 * for IPv6, walked bit by bit from the most significant: a lookup keeps
 * the value of the deepest node it passes, which is the longest prefix
 * that matches; "default" is the value of the root (0.0.0.0/0 and ::/0).
 * A trie keeps lookups independent of the number of networks, and it is
 * built once, from the configuration pool.
 *
 * Ranges mode keeps a sorted array of disjoint IPv4 ranges and finds an
 * address by binary search.  As in nginx, a range may be added inside an
 * existing one (the part it covers takes the new value), but not across
 * the boundary of another; "delete" removes a range given exactly.
 *
 * The address is the peer's (IPv4-mapped IPv6 counts as IPv4; a unix
 * socket, or an $address that is no address, as 255.255.255.255), or
 * the one trusted proxies report in X-Forwarded-For ("proxy").
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_forwarded.h>


typedef struct hx_http_geo_node_s  hx_http_geo_node_t;

struct hx_http_geo_node_s {
    hx_http_geo_node_t         *child[2];
    hx_http_variable_value_t   *value;
};


typedef struct {
    uint32_t                    start;    /* host order, inclusive */
    uint32_t                    end;
    hx_http_variable_value_t   *value;
} hx_http_geo_range_t;


typedef struct {
    hx_http_geo_node_t         *tree;
    hx_http_geo_node_t         *tree6;

    hx_array_t                 *ranges;   /* hx_http_geo_range_t */
    hx_http_variable_value_t   *default_value;

    hx_array_t                 *proxies;  /* hx_cidr_t */
    hx_int_t                    index;    /* the $address, or -1 */

    unsigned                    is_ranges:1;
    unsigned                    proxy_recursive:1;
} hx_http_geo_ctx_t;


/* what the block's lines fill while it is read */
typedef struct {
    hx_http_geo_ctx_t          *geo;
    hx_pool_t                  *pool;     /* the configuration's */
    hx_conf_t                  *cf;
    hx_uint_t                   entries;
    unsigned                    no_cacheable:1;
    unsigned                    default_set:1;
} hx_http_geo_conf_ctx_t;


static hx_int_t hx_http_geo_addr(hx_http_request_t *r,
    hx_http_geo_ctx_t *ctx, hx_addr_t *addr);
static hx_http_variable_value_t *hx_http_geo_find(hx_http_geo_node_t *node,
    uint8_t *key, hx_uint_t bits);
static hx_http_variable_value_t *hx_http_geo_range_find(
    hx_http_geo_ctx_t *ctx, uint32_t addr);
static hx_http_geo_node_t *hx_http_geo_node(hx_pool_t *pool);
static hx_int_t hx_http_geo_insert(hx_pool_t *pool, hx_http_geo_node_t *root,
    uint8_t *key, uint8_t *mask, hx_uint_t bytes,
    hx_http_variable_value_t *value, hx_http_variable_value_t **old);
static hx_int_t hx_http_geo_delete(hx_http_geo_node_t *root, uint8_t *key,
    uint8_t *mask, hx_uint_t bytes);

static char *hx_http_geo_block(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_geo(hx_conf_t *cf, hx_command_t *dummy, void *conf);
static char *hx_http_geo_cidr(hx_conf_t *cf, hx_http_geo_conf_ctx_t *ctx,
    hx_str_t *value);
static char *hx_http_geo_range(hx_conf_t *cf, hx_http_geo_conf_ctx_t *ctx,
    hx_str_t *value);
static hx_int_t hx_http_geo_inet(uint8_t *p, size_t len, uint32_t *addr);
static hx_int_t hx_http_geo_parse_range(hx_str_t *net, uint32_t *start,
    uint32_t *end);
static char *hx_http_geo_add_range(hx_conf_t *cf,
    hx_http_geo_conf_ctx_t *ctx, hx_str_t *net, uint32_t start,
    uint32_t end, hx_http_variable_value_t *value);
static char *hx_http_geo_delete_range(hx_conf_t *cf,
    hx_http_geo_conf_ctx_t *ctx, hx_str_t *net, uint32_t start,
    uint32_t end);
static hx_http_variable_value_t *hx_http_geo_value(hx_conf_t *cf,
    hx_http_geo_conf_ctx_t *ctx, hx_str_t *value);


static hx_command_t  hx_http_geo_commands[] = {

    { hx_string("geo"),
      HX_HTTP_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_TAKE12,
      hx_http_geo_block,
      HX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_geo_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


hx_module_t  hx_http_geo_module = {
    HX_MODULE_V1,
    "hx_http_geo_module",
    &hx_http_geo_module_ctx,
    hx_http_geo_commands,
    HX_HTTP_MODULE,
    NULL,                                  /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL                                   /* exit master */
};


static uint8_t  hx_http_geo_none[4] = { 0xff, 0xff, 0xff, 0xff };


/* the variable's get handler */
static hx_int_t
hx_http_geo_variable(hx_http_request_t *r, hx_http_variable_value_t *v,
    uintptr_t data)
{
    hx_http_geo_ctx_t  *ctx = (hx_http_geo_ctx_t *) data;

    uint8_t                    *key, *p;
    uint32_t                    inaddr;
    hx_uint_t                   bits;
    hx_addr_t                   addr;
    hx_http_geo_node_t         *tree;
    struct sockaddr_in6        *sin6;
    hx_http_variable_value_t   *vv;

    key = hx_http_geo_none;
    bits = 32;
    tree = ctx->tree;

    if (hx_http_geo_addr(r, ctx, &addr) == HX_OK) {

        switch (addr.sockaddr->sa_family) {

        case AF_INET:
            key = (uint8_t *)
                  &((struct sockaddr_in *) addr.sockaddr)->sin_addr.s_addr;
            break;

        case AF_INET6:
            sin6 = (struct sockaddr_in6 *) addr.sockaddr;
            p = sin6->sin6_addr.s6_addr;

            if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
                key = p + 12;

            } else {
                key = p;
                bits = 128;
                tree = ctx->tree6;
            }

            break;
        }
    }

    if (ctx->is_ranges) {

        if (bits == 128) {
            key = hx_http_geo_none;
        }

        inaddr = ((uint32_t) key[0] << 24) | ((uint32_t) key[1] << 16)
                 | ((uint32_t) key[2] << 8) | key[3];

        vv = hx_http_geo_range_find(ctx, inaddr);

    } else {
        vv = hx_http_geo_find(tree, key, bits);
    }

    if (vv == NULL) {
        vv = ctx->default_value;
    }

    *v = *vv;

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "http geo: %*s", (size_t) v->len, v->data);

    return HX_OK;
}


/*
 * The address to look up: $address, or the peer's, then what trusted
 * proxies forwarded.  HX_ERROR when there is no usable address (the
 * caller then uses 255.255.255.255).
 */
static hx_int_t
hx_http_geo_addr(hx_http_request_t *r, hx_http_geo_ctx_t *ctx,
    hx_addr_t *addr)
{
    hx_table_elt_t            *xfwd;
    hx_http_variable_value_t  *v;

    if (ctx->index == -1) {
        addr->sockaddr = r->connection->sockaddr;
        addr->socklen = r->connection->socklen;
        addr->name = r->connection->addr_text;

    } else {
        v = hx_http_get_flushed_variable(r, ctx->index);

        if (v == NULL || v->not_found
            || hx_parse_addr(r->pool, addr, v->data, v->len) != HX_OK)
        {
            return HX_ERROR;
        }
    }

    xfwd = r->headers_in.x_forwarded_for;

    if (xfwd != NULL && ctx->proxies != NULL) {
        (void) hx_http_get_forwarded_addr(r, addr, xfwd, NULL, ctx->proxies,
                                          ctx->proxy_recursive);
    }

    if (addr->sockaddr->sa_family != AF_INET
        && addr->sockaddr->sa_family != AF_INET6)
    {
        return HX_ERROR;
    }

    return HX_OK;
}


/* the value of the longest prefix of key's first "bits" bits, or NULL */
static hx_http_variable_value_t *
hx_http_geo_find(hx_http_geo_node_t *node, uint8_t *key, hx_uint_t bits)
{
    hx_uint_t                   i, bit;
    hx_http_variable_value_t   *value;

    value = NULL;

    for (i = 0; node; i++) {

        if (node->value) {
            value = node->value;
        }

        if (i == bits) {
            break;
        }

        bit = (key[i >> 3] >> (7 - (i & 7))) & 1;
        node = node->child[bit];
    }

    return value;
}


static hx_http_variable_value_t *
hx_http_geo_range_find(hx_http_geo_ctx_t *ctx, uint32_t addr)
{
    hx_uint_t             lo, hi, mid;
    hx_http_geo_range_t  *range;

    if (ctx->ranges == NULL) {
        return NULL;
    }

    range = ctx->ranges->elts;
    lo = 0;
    hi = ctx->ranges->nelts;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (addr < range[mid].start) {
            hi = mid;

        } else if (addr > range[mid].end) {
            lo = mid + 1;

        } else {
            return range[mid].value;
        }
    }

    return NULL;
}


static hx_http_geo_node_t *
hx_http_geo_node(hx_pool_t *pool)
{
    return hx_pcalloc(pool, sizeof(hx_http_geo_node_t));
}


/*
 * Puts value at the node of key/mask (bytes long), creating the path.
 * HX_OK, HX_BUSY when the network had a value (*old; it is replaced), or
 * HX_ERROR.
 */
static hx_int_t
hx_http_geo_insert(hx_pool_t *pool, hx_http_geo_node_t *root, uint8_t *key,
    uint8_t *mask, hx_uint_t bytes, hx_http_variable_value_t *value,
    hx_http_variable_value_t **old)
{
    hx_uint_t            i, bit;
    hx_http_geo_node_t  *node;

    node = root;

    for (i = 0; i < bytes * 8; i++) {

        if (!((mask[i >> 3] >> (7 - (i & 7))) & 1)) {
            break;
        }

        bit = (key[i >> 3] >> (7 - (i & 7))) & 1;

        if (node->child[bit] == NULL) {
            node->child[bit] = hx_http_geo_node(pool);
            if (node->child[bit] == NULL) {
                return HX_ERROR;
            }
        }

        node = node->child[bit];
    }

    *old = node->value;
    node->value = value;

    return *old ? HX_BUSY : HX_OK;
}


/* forgets the value of key/mask; HX_DECLINED when it had none */
static hx_int_t
hx_http_geo_delete(hx_http_geo_node_t *root, uint8_t *key, uint8_t *mask,
    hx_uint_t bytes)
{
    hx_uint_t            i, bit;
    hx_http_geo_node_t  *node;

    node = root;

    for (i = 0; node && i < bytes * 8; i++) {

        if (!((mask[i >> 3] >> (7 - (i & 7))) & 1)) {
            break;
        }

        bit = (key[i >> 3] >> (7 - (i & 7))) & 1;
        node = node->child[bit];
    }

    if (node == NULL || node->value == NULL) {
        return HX_DECLINED;
    }

    node->value = NULL;

    return HX_OK;
}


/* geo [$address] $variable { ... } */
static char *
hx_http_geo_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char                     *rv;
    hx_str_t                 *value, name;
    hx_conf_t                 save;
    hx_http_variable_t       *var;
    hx_http_geo_ctx_t        *geo;
    hx_http_geo_conf_ctx_t    ctx;

    (void) cmd;

    value = cf->args->elts;

    geo = hx_pcalloc(cf->pool, sizeof(hx_http_geo_ctx_t));
    if (geo == NULL) {
        return HX_CONF_ERROR;
    }

    name = value[1];

    if (name.len < 2 || name.data[0] != '$') {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid variable name \"%V\"", &name);
        return HX_CONF_ERROR;
    }

    name.len--;
    name.data++;

    if (cf->args->nelts == 3) {

        geo->index = hx_http_get_variable_index(cf, &name);
        if (geo->index == HX_ERROR) {
            return HX_CONF_ERROR;
        }

        name = value[2];

        if (name.len < 2 || name.data[0] != '$') {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid variable name \"%V\"", &name);
            return HX_CONF_ERROR;
        }

        name.len--;
        name.data++;

    } else {
        geo->index = -1;
    }

    var = hx_http_add_variable(cf, &name, HX_HTTP_VAR_CHANGEABLE);
    if (var == NULL) {
        return HX_CONF_ERROR;
    }

    var->get_handler = hx_http_geo_variable;
    var->data = (uintptr_t) geo;

    hx_memzero(&ctx, sizeof(hx_http_geo_conf_ctx_t));

    ctx.geo = geo;
    ctx.pool = cf->pool;
    ctx.cf = &save;

    save = *cf;
    cf->ctx = &ctx;
    cf->handler = hx_http_geo;
    cf->handler_conf = conf;

    rv = hx_conf_parse(cf, NULL);

    *cf = save;

    if (rv != HX_CONF_OK) {
        return rv;
    }

    if (ctx.no_cacheable) {
        var->flags |= HX_HTTP_VAR_NOCACHEABLE;
    }

    if (geo->default_value == NULL) {
        geo->default_value = &hx_http_variable_null_value;
    }

    return HX_CONF_OK;
}


/* one line of a geo block */
static char *
hx_http_geo(hx_conf_t *cf, hx_command_t *dummy, void *conf)
{
    hx_str_t                 *value;
    hx_http_geo_conf_ctx_t   *ctx;

    ctx = cf->ctx;
    value = cf->args->elts;

    if (cf->args->nelts == 1) {

        if (hx_strcmp(value[0].data, "ranges") == 0) {

            if (ctx->entries) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "the \"ranges\" directive must be "
                                  "the first directive inside "
                                  "\"geo\" block");
                return HX_CONF_ERROR;
            }

            ctx->geo->is_ranges = 1;
            return HX_CONF_OK;
        }

        if (hx_strcmp(value[0].data, "proxy_recursive") == 0) {
            ctx->geo->proxy_recursive = 1;
            return HX_CONF_OK;
        }

        if (hx_strcmp(value[0].data, "volatile") == 0) {
            ctx->no_cacheable = 1;
            return HX_CONF_OK;
        }
    }

    if (cf->args->nelts != 2) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid number of the geo parameters");
        return HX_CONF_ERROR;
    }

    if (hx_strcmp(value[0].data, "include") == 0) {
        return hx_conf_include(cf, dummy, conf);
    }

    if (hx_strcmp(value[0].data, "proxy") == 0) {
        if (hx_http_forwarded_add_cidr(ctx->cf, &ctx->geo->proxies,
                                       &value[1], "proxy")
            != HX_OK)
        {
            return HX_CONF_ERROR;
        }

        return HX_CONF_OK;
    }

    ctx->entries++;

    if (ctx->geo->is_ranges) {
        return hx_http_geo_range(cf, ctx, value);
    }

    return hx_http_geo_cidr(cf, ctx, value);
}


/* "net value", "default value" or "delete net" in CIDR mode */
static char *
hx_http_geo_cidr(hx_conf_t *cf, hx_http_geo_conf_ctx_t *ctx,
    hx_str_t *value)
{
    hx_int_t                    rc;
    hx_str_t                   *net;
    hx_uint_t                   i, del;
    hx_cidr_t                   cidr;
    hx_http_variable_value_t   *val, *old;

    if (ctx->geo->tree == NULL) {
        ctx->geo->tree = hx_http_geo_node(ctx->pool);
        ctx->geo->tree6 = hx_http_geo_node(ctx->pool);

        if (ctx->geo->tree == NULL || ctx->geo->tree6 == NULL) {
            return HX_CONF_ERROR;
        }
    }

    if (hx_strcmp(value[0].data, "delete") == 0) {
        net = &value[1];
        del = 1;

    } else {
        net = &value[0];
        del = 0;
    }

    if (hx_strcmp(net->data, "default") == 0) {
        hx_memzero(&cidr, sizeof(hx_cidr_t));
        cidr.family = AF_UNSPEC;

    } else {
        rc = hx_ptocidr(net, &cidr);

        if (rc == HX_ERROR || cidr.family == AF_UNSPEC) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid network \"%V\"", net);
            return HX_CONF_ERROR;
        }

        if (rc == HX_DONE) {
            hx_conf_log_error(HX_LOG_WARN, cf, 0,
                              "low address bits of %V are meaningless", net);
        }
    }

    val = NULL;

    if (!del) {
        val = hx_http_geo_value(cf, ctx, &value[1]);
        if (val == NULL) {
            return HX_CONF_ERROR;
        }
    }

    /* "default" is 0.0.0.0/0 and ::/0 */

    for (i = 0; i < 2; i++) {

        if (i == 0 && cidr.family != AF_INET && cidr.family != AF_UNSPEC) {
            continue;
        }

        if (i == 1 && cidr.family != AF_INET6 && cidr.family != AF_UNSPEC) {
            continue;
        }

        if (del) {
            rc = (i == 0)
                 ? hx_http_geo_delete(ctx->geo->tree,
                                      (uint8_t *) &cidr.u.in.addr,
                                      (uint8_t *) &cidr.u.in.mask, 4)
                 : hx_http_geo_delete(ctx->geo->tree6,
                                      cidr.u.in6.addr.s6_addr,
                                      cidr.u.in6.mask.s6_addr, 16);

            if (rc == HX_DECLINED && cidr.family != AF_UNSPEC) {
                hx_conf_log_error(HX_LOG_WARN, cf, 0,
                                  "no network \"%V\" to delete", net);
            }

            continue;
        }

        rc = (i == 0)
             ? hx_http_geo_insert(ctx->pool, ctx->geo->tree,
                                  (uint8_t *) &cidr.u.in.addr,
                                  (uint8_t *) &cidr.u.in.mask, 4, val, &old)
             : hx_http_geo_insert(ctx->pool, ctx->geo->tree6,
                                  cidr.u.in6.addr.s6_addr,
                                  cidr.u.in6.mask.s6_addr, 16, val, &old);

        if (rc == HX_ERROR) {
            return HX_CONF_ERROR;
        }

        if (rc == HX_BUSY && !(cidr.family == AF_UNSPEC && i == 1)) {
            hx_conf_log_error(HX_LOG_WARN, cf, 0,
                              "duplicate network \"%V\", value: \"%*s\", "
                              "old value: \"%*s\"", net,
                              (size_t) val->len, val->data,
                              (size_t) old->len, old->data);
        }
    }

    return HX_CONF_OK;
}


/* "start-end value", "default value" or "delete start-end" in ranges mode */
static char *
hx_http_geo_range(hx_conf_t *cf, hx_http_geo_conf_ctx_t *ctx,
    hx_str_t *value)
{
    uint32_t                    start, end;
    hx_str_t                   *net;
    hx_uint_t                   del;
    hx_http_variable_value_t   *val;

    if (hx_strcmp(value[0].data, "delete") == 0) {
        net = &value[1];
        del = 1;

    } else {
        net = &value[0];
        del = 0;
    }

    if (!del && hx_strcmp(net->data, "default") == 0) {
        val = hx_http_geo_value(cf, ctx, &value[1]);
        if (val == NULL) {
            return HX_CONF_ERROR;
        }

        ctx->geo->default_value = val;
        return HX_CONF_OK;
    }

    if (hx_http_geo_parse_range(net, &start, &end) != HX_OK) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "invalid range \"%V\"", net);
        return HX_CONF_ERROR;
    }

    if (ctx->geo->ranges == NULL) {
        ctx->geo->ranges = hx_array_create(ctx->pool, 16,
                                           sizeof(hx_http_geo_range_t));
        if (ctx->geo->ranges == NULL) {
            return HX_CONF_ERROR;
        }
    }

    if (del) {
        return hx_http_geo_delete_range(cf, ctx, net, start, end);
    }

    val = hx_http_geo_value(cf, ctx, &value[1]);
    if (val == NULL) {
        return HX_CONF_ERROR;
    }

    return hx_http_geo_add_range(cf, ctx, net, start, end, val);
}


/* one IPv4 address in host order; 255.255.255.255 is one too */
static hx_int_t
hx_http_geo_inet(uint8_t *p, size_t len, uint32_t *addr)
{
    in_addr_t  a;

    a = hx_inet_addr(p, len);

    if (a == INADDR_NONE
        && !(len == 15 && hx_strncmp(p, "255.255.255.255", 15) == 0))
    {
        return HX_ERROR;
    }

    *addr = ntohl(a);

    return HX_OK;
}


/* "a.b.c.d-e.f.g.h", start not above end, in host order */
static hx_int_t
hx_http_geo_parse_range(hx_str_t *net, uint32_t *start, uint32_t *end)
{
    uint8_t  *dash, *last;

    last = net->data + net->len;

    dash = hx_strlchr(net->data, last, '-');
    if (dash == NULL) {
        return HX_ERROR;
    }

    if (hx_http_geo_inet(net->data, dash - net->data, start) != HX_OK
        || hx_http_geo_inet(dash + 1, last - dash - 1, end) != HX_OK)
    {
        return HX_ERROR;
    }

    return (*start <= *end) ? HX_OK : HX_ERROR;
}


/*
 * Adds [start, end]: in a gap, or inside one existing range, whose
 * covered part then takes the new value; across a boundary it is an
 * error, as in nginx.
 */
static char *
hx_http_geo_add_range(hx_conf_t *cf, hx_http_geo_conf_ctx_t *ctx,
    hx_str_t *net, uint32_t start, uint32_t end,
    hx_http_variable_value_t *value)
{
    hx_uint_t             i, n, at, pieces;
    hx_array_t           *ranges;
    hx_http_geo_range_t  *range, old;

    ranges = ctx->geo->ranges;
    range = ranges->elts;
    n = ranges->nelts;

    /* the first range that does not end before start */
    for (at = 0; at < n && range[at].end < start; at++) {
        /* void */
    }

    if (at == n || range[at].start > end) {

        /* a gap: insert before "at" */

        if (hx_array_push(ranges) == NULL) {
            return HX_CONF_ERROR;
        }

        range = ranges->elts;
        hx_memmove(&range[at + 1], &range[at],
                   (n - at) * sizeof(hx_http_geo_range_t));

        range[at].start = start;
        range[at].end = end;
        range[at].value = value;

        return HX_CONF_OK;
    }

    if (start < range[at].start || end > range[at].end) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "range \"%V\" overlaps \"%ud.%ud.%ud.%ud-"
                          "%ud.%ud.%ud.%ud\"", net,
                          range[at].start >> 24, (range[at].start >> 16) & 0xff,
                          (range[at].start >> 8) & 0xff,
                          range[at].start & 0xff,
                          range[at].end >> 24, (range[at].end >> 16) & 0xff,
                          (range[at].end >> 8) & 0xff, range[at].end & 0xff);
        return HX_CONF_ERROR;
    }

    if (start == range[at].start && end == range[at].end) {
        hx_conf_log_error(HX_LOG_WARN, cf, 0,
                          "duplicate range \"%V\", value: \"%*s\", "
                          "old value: \"%*s\"", net,
                          (size_t) value->len, value->data,
                          (size_t) range[at].value->len,
                          range[at].value->data);

        range[at].value = value;
        return HX_CONF_OK;
    }

    /* inside: the old range splits into up to three pieces */

    old = range[at];
    pieces = 1 + (start > old.start) + (end < old.end);

    for (i = 1; i < pieces; i++) {
        if (hx_array_push(ranges) == NULL) {
            return HX_CONF_ERROR;
        }
    }

    range = ranges->elts;
    hx_memmove(&range[at + pieces], &range[at + 1],
               (n - at - 1) * sizeof(hx_http_geo_range_t));

    if (start > old.start) {
        range[at].start = old.start;
        range[at].end = start - 1;
        range[at].value = old.value;
        at++;
    }

    range[at].start = start;
    range[at].end = end;
    range[at].value = value;
    at++;

    if (end < old.end) {
        range[at].start = end + 1;
        range[at].end = old.end;
        range[at].value = old.value;
    }

    return HX_CONF_OK;
}


/* removes the range that is exactly [start, end] */
static char *
hx_http_geo_delete_range(hx_conf_t *cf, hx_http_geo_conf_ctx_t *ctx,
    hx_str_t *net, uint32_t start, uint32_t end)
{
    hx_uint_t             i, n;
    hx_http_geo_range_t  *range;

    range = ctx->geo->ranges->elts;
    n = ctx->geo->ranges->nelts;

    for (i = 0; i < n; i++) {
        if (range[i].start == start && range[i].end == end) {
            hx_memmove(&range[i], &range[i + 1],
                       (n - i - 1) * sizeof(hx_http_geo_range_t));
            ctx->geo->ranges->nelts--;
            return HX_CONF_OK;
        }
    }

    hx_conf_log_error(HX_LOG_WARN, cf, 0,
                      "no address range \"%V\" to delete", net);

    return HX_CONF_OK;
}


static hx_http_variable_value_t *
hx_http_geo_value(hx_conf_t *cf, hx_http_geo_conf_ctx_t *ctx,
    hx_str_t *value)
{
    hx_http_variable_value_t  *val;

    (void) cf;

    val = hx_palloc(ctx->pool, sizeof(hx_http_variable_value_t));
    if (val == NULL) {
        return NULL;
    }

    val->data = hx_pstrdup(ctx->pool, value);
    if (val->data == NULL) {
        return NULL;
    }

    val->len = value->len;
    val->valid = 1;
    val->no_cacheable = 0;
    val->not_found = 0;
    val->escape = 0;

    return val;
}

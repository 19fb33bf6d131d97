/*
 * map: a variable whose value is looked up from another value.
 *
 *     map $source $result { hostnames; volatile; default v;
 *                           include f; key v; ~regex v; ~*regex v; }
 *
 * The block is read line by line by a handler of its own (the way
 * types {} is), into hx_hash_keys_arrays_t for the exact keys (and, with
 * "hostnames", the "*.x", ".x" and "x.*" wildcards), plus a list of
 * regexes kept in file order.  At the end of the block the keys become
 * static hashes (map_hash_max_size, map_hash_bucket_size), so a lookup
 * is one hash probe, then the wildcards, then the regexes in order.
 * Exact keys compare case-insensitively, as nginx's do; a leading "\"
 * escapes a key that would read as a keyword ("\default").
 *
 * The source may be any complex value ("$host$uri").  A value with
 * variables or captures ($1) is compiled as a complex value and
 * evaluated after the match, so it can use the regex's captures.  The
 * result is cached per request like any variable unless "volatile".
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


/* hash buckets are rounded up to a cache line */
#define HX_HTTP_MAP_CACHELINE  64


typedef struct {
    hx_uint_t                   hash_max_size;
    hx_uint_t                   hash_bucket_size;
} hx_http_map_conf_t;


/* what one map block parses into while it is read */
typedef struct {
    hx_hash_keys_arrays_t       keys;
    hx_array_t                  regexes;   /* hx_http_map_regex_t */
    hx_http_variable_value_t   *default_value;
    hx_conf_t                  *cf;        /* the enclosing block's */
    unsigned                    hostnames:1;
    unsigned                    no_cacheable:1;
} hx_http_map_conf_ctx_t;


typedef struct {
    hx_http_map_t               map;
    hx_http_complex_value_t     value;     /* the source */
    hx_http_variable_value_t   *default_value;
    hx_uint_t                   hostnames; /* unsigned  hostnames:1 */
} hx_http_map_ctx_t;


static int hx_http_map_cmp_dns_wildcards(const void *one, const void *two);
static void *hx_http_map_create_conf(hx_conf_t *cf);
static char *hx_http_map_block(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_map_hashes(hx_conf_t *cf, hx_http_map_conf_t *mcf,
    hx_http_map_conf_ctx_t *ctx, hx_http_map_ctx_t *map, hx_pool_t *pool);
static char *hx_http_map(hx_conf_t *cf, hx_command_t *dummy, void *conf);
static hx_http_variable_value_t *hx_http_map_value(hx_conf_t *cf,
    hx_http_map_conf_ctx_t *ctx, hx_str_t *value);


static hx_command_t  hx_http_map_commands[] = {

    { hx_string("map"),
      HX_HTTP_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_TAKE2,
      hx_http_map_block,
      HX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { hx_string("map_hash_max_size"),
      HX_HTTP_MAIN_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_HTTP_MAIN_CONF_OFFSET,
      offsetof(hx_http_map_conf_t, hash_max_size),
      NULL },

    { hx_string("map_hash_bucket_size"),
      HX_HTTP_MAIN_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_HTTP_MAIN_CONF_OFFSET,
      offsetof(hx_http_map_conf_t, hash_bucket_size),
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_map_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    hx_http_map_create_conf,               /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


hx_module_t  hx_http_map_module = {
    HX_MODULE_V1,
    "hx_http_map_module",
    &hx_http_map_module_ctx,
    hx_http_map_commands,
    HX_HTTP_MODULE,
    NULL,                                  /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL                                   /* exit master */
};


/* the result variable's get handler */
static hx_int_t
hx_http_map_variable(hx_http_request_t *r, hx_http_variable_value_t *v,
    uintptr_t data)
{
    hx_http_map_ctx_t  *map = (hx_http_map_ctx_t *) data;

    hx_str_t                   val, str;
    hx_http_complex_value_t   *cv;
    hx_http_variable_value_t  *value;

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "http map started");

    if (hx_http_complex_value(r, &map->value, &val) != HX_OK) {
        return HX_ERROR;
    }

    /* "example.com." is the host "example.com" */
    if (map->hostnames && val.len > 0 && val.data[val.len - 1] == '.') {
        val.len--;
    }

    value = hx_http_map_find(r, &map->map, &val);

    if (value == NULL) {
        value = map->default_value;
    }

    if (!value->valid) {
        cv = (hx_http_complex_value_t *) value->data;

        if (hx_http_complex_value(r, cv, &str) != HX_OK) {
            return HX_ERROR;
        }

        v->valid = 1;
        v->no_cacheable = 0;
        v->not_found = 0;
        v->len = str.len;
        v->data = str.data;

    } else {
        *v = *value;
    }

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "http map: \"%V\" \"%*s\"", &val, (size_t) v->len, v->data);

    return HX_OK;
}


static void *
hx_http_map_create_conf(hx_conf_t *cf)
{
    hx_http_map_conf_t  *mcf;

    mcf = hx_palloc(cf->pool, sizeof(hx_http_map_conf_t));
    if (mcf == NULL) {
        return NULL;
    }

    mcf->hash_max_size = HX_CONF_UNSET_UINT;
    mcf->hash_bucket_size = HX_CONF_UNSET_UINT;

    return mcf;
}


/* map $source $name { ... } */
static char *
hx_http_map_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_map_conf_t  *mcf = conf;

    char                              *rv;
    hx_str_t                          *value, name;
    hx_conf_t                          save;
    hx_pool_t                         *pool;
    hx_http_map_ctx_t                 *map;
    hx_http_variable_t                *var;
    hx_http_map_conf_ctx_t             ctx;
    hx_http_compile_complex_value_t    ccv;

    (void) cmd;

    if (mcf->hash_max_size == HX_CONF_UNSET_UINT) {
        mcf->hash_max_size = 2048;
    }

    if (mcf->hash_bucket_size == HX_CONF_UNSET_UINT) {
        mcf->hash_bucket_size = HX_HTTP_MAP_CACHELINE;

    } else {
        mcf->hash_bucket_size = hx_align(mcf->hash_bucket_size,
                                         HX_HTTP_MAP_CACHELINE);
    }

    map = hx_pcalloc(cf->pool, sizeof(hx_http_map_ctx_t));
    if (map == NULL) {
        return HX_CONF_ERROR;
    }

    value = cf->args->elts;

    hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = &map->value;

    if (hx_http_compile_complex_value(&ccv) != HX_OK) {
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

    var = hx_http_add_variable(cf, &name, HX_HTTP_VAR_CHANGEABLE);
    if (var == NULL) {
        return HX_CONF_ERROR;
    }

    var->get_handler = hx_http_map_variable;
    var->data = (uintptr_t) map;

    /* the keys are gathered in a pool of their own, freed at the end */

    pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, cf->log);
    if (pool == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(&ctx, sizeof(hx_http_map_conf_ctx_t));

    ctx.keys.pool = cf->pool;
    ctx.keys.temp_pool = pool;

    if (hx_hash_keys_array_init(&ctx.keys, HX_HASH_LARGE) != HX_OK
        || hx_array_init(&ctx.regexes, cf->pool, 2,
                         sizeof(hx_http_map_regex_t))
           != HX_OK)
    {
        hx_destroy_pool(pool);
        return HX_CONF_ERROR;
    }

    ctx.cf = &save;

    save = *cf;
    cf->pool = pool;
    cf->ctx = &ctx;
    cf->handler = hx_http_map;
    cf->handler_conf = conf;

    rv = hx_conf_parse(cf, NULL);

    *cf = save;

    if (rv != HX_CONF_OK) {
        hx_destroy_pool(pool);
        return rv;
    }

    if (ctx.no_cacheable) {
        var->flags |= HX_HTTP_VAR_NOCACHEABLE;
    }

    map->default_value = ctx.default_value ? ctx.default_value
                                           : &hx_http_variable_null_value;

    map->hostnames = ctx.hostnames;

    rv = hx_http_map_hashes(cf, mcf, &ctx, map, pool);

    hx_destroy_pool(pool);

    return rv;
}


/* builds the exact and wildcard hashes of a parsed block */
static char *
hx_http_map_hashes(hx_conf_t *cf, hx_http_map_conf_t *mcf,
    hx_http_map_conf_ctx_t *ctx, hx_http_map_ctx_t *map, hx_pool_t *pool)
{
    hx_hash_init_t  hash;

    hash.key = hx_hash_key_lc;
    hash.max_size = mcf->hash_max_size;
    hash.bucket_size = mcf->hash_bucket_size;
    hash.name = "map_hash";
    hash.pool = cf->pool;

    if (ctx->keys.keys.nelts) {
        hash.hash = &map->map.hash.hash;
        hash.temp_pool = NULL;

        if (hx_hash_init(&hash, ctx->keys.keys.elts, ctx->keys.keys.nelts)
            != HX_OK)
        {
            return HX_CONF_ERROR;
        }
    }

    if (ctx->keys.dns_wc_head.nelts) {

        hx_qsort(ctx->keys.dns_wc_head.elts,
                 (size_t) ctx->keys.dns_wc_head.nelts,
                 sizeof(hx_hash_key_t), hx_http_map_cmp_dns_wildcards);

        hash.hash = NULL;
        hash.temp_pool = pool;

        if (hx_hash_wildcard_init(&hash, ctx->keys.dns_wc_head.elts,
                                  ctx->keys.dns_wc_head.nelts)
            != HX_OK)
        {
            return HX_CONF_ERROR;
        }

        map->map.hash.wc_head = (hx_hash_wildcard_t *) hash.hash;
    }

    if (ctx->keys.dns_wc_tail.nelts) {

        hx_qsort(ctx->keys.dns_wc_tail.elts,
                 (size_t) ctx->keys.dns_wc_tail.nelts,
                 sizeof(hx_hash_key_t), hx_http_map_cmp_dns_wildcards);

        hash.hash = NULL;
        hash.temp_pool = pool;

        if (hx_hash_wildcard_init(&hash, ctx->keys.dns_wc_tail.elts,
                                  ctx->keys.dns_wc_tail.nelts)
            != HX_OK)
        {
            return HX_CONF_ERROR;
        }

        map->map.hash.wc_tail = (hx_hash_wildcard_t *) hash.hash;
    }

    if (ctx->regexes.nelts) {
        map->map.regex = ctx->regexes.elts;
        map->map.nregex = ctx->regexes.nelts;
    }

    return HX_CONF_OK;
}


static int
hx_http_map_cmp_dns_wildcards(const void *one, const void *two)
{
    const hx_hash_key_t  *first = one;
    const hx_hash_key_t  *second = two;

    return (int) hx_dns_strcmp(first->key.data, second->key.data);
}


/* one line of a map block */
static char *
hx_http_map(hx_conf_t *cf, hx_command_t *dummy, void *conf)
{
    hx_int_t                    rv;
    hx_str_t                   *value, key;
    hx_http_map_regex_t        *regex;
    hx_regex_compile_t          rc;
    hx_http_map_conf_ctx_t     *ctx;
    hx_http_variable_value_t   *var;
    uint8_t                     errstr[HX_MAX_ERROR_STR];

    ctx = cf->ctx;

    value = cf->args->elts;

    if (cf->args->nelts == 1 && hx_strcmp(value[0].data, "hostnames") == 0) {
        ctx->hostnames = 1;
        return HX_CONF_OK;
    }

    if (cf->args->nelts == 1 && hx_strcmp(value[0].data, "volatile") == 0) {
        ctx->no_cacheable = 1;
        return HX_CONF_OK;
    }

    if (cf->args->nelts != 2) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid number of the map parameters");
        return HX_CONF_ERROR;
    }

    if (hx_strcmp(value[0].data, "include") == 0) {
        return hx_conf_include(cf, dummy, conf);
    }

    var = hx_http_map_value(cf, ctx, &value[1]);
    if (var == NULL) {
        return HX_CONF_ERROR;
    }

    if (hx_strcmp(value[0].data, "default") == 0) {

        if (ctx->default_value) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "duplicate default map parameter");
            return HX_CONF_ERROR;
        }

        ctx->default_value = var;

        return HX_CONF_OK;
    }

    key = value[0];

    if (key.len && key.data[0] == '~') {

        regex = hx_array_push(&ctx->regexes);
        if (regex == NULL) {
            return HX_CONF_ERROR;
        }

        key.len--;
        key.data++;

        hx_memzero(&rc, sizeof(hx_regex_compile_t));

        if (key.len && key.data[0] == '*') {
            key.len--;
            key.data++;
            rc.options = HX_REGEX_CASELESS;
        }

        rc.pattern = key;
        rc.pool = ctx->cf->pool;
        rc.err.len = HX_MAX_ERROR_STR;
        rc.err.data = errstr;

        regex->regex = hx_http_regex_compile(ctx->cf, &rc);
        if (regex->regex == NULL) {
            return HX_CONF_ERROR;
        }

        regex->value = var;

        return HX_CONF_OK;
    }

    if (key.len && key.data[0] == '\\') {
        key.len--;
        key.data++;
    }

    rv = hx_hash_add_key(&ctx->keys, &key, var,
                         ctx->hostnames ? HX_HASH_WILDCARD_KEY : 0);

    if (rv == HX_OK) {
        return HX_CONF_OK;
    }

    if (rv == HX_DECLINED) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid hostname or wildcard \"%V\"", &key);
    }

    if (rv == HX_BUSY) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "conflicting parameter \"%V\"", &key);
    }

    return HX_CONF_ERROR;
}


/*
 * A result value: literal text, or (with variables or captures) a
 * complex value whose pointer is kept in data with valid = 0.
 */
static hx_http_variable_value_t *
hx_http_map_value(hx_conf_t *cf, hx_http_map_conf_ctx_t *ctx,
    hx_str_t *value)
{
    hx_str_t                           v;
    hx_http_complex_value_t            cv, *cvp;
    hx_http_variable_value_t          *var;
    hx_http_compile_complex_value_t    ccv;

    (void) cf;

    var = hx_palloc(ctx->keys.pool, sizeof(hx_http_variable_value_t));
    if (var == NULL) {
        return NULL;
    }

    v.len = value->len;
    v.data = hx_pstrdup(ctx->keys.pool, value);
    if (v.data == NULL) {
        return NULL;
    }

    hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

    ccv.cf = ctx->cf;
    ccv.value = &v;
    ccv.complex_value = &cv;

    if (hx_http_compile_complex_value(&ccv) != HX_OK) {
        return NULL;
    }

    if (cv.lengths != NULL) {
        cvp = hx_palloc(ctx->keys.pool, sizeof(hx_http_complex_value_t));
        if (cvp == NULL) {
            return NULL;
        }

        *cvp = cv;

        var->len = 0;
        var->data = (uint8_t *) cvp;
        var->valid = 0;

    } else {
        var->len = v.len;
        var->data = v.data;
        var->valid = 1;
    }

    var->no_cacheable = 0;
    var->not_found = 0;
    var->escape = 0;

    return var;
}

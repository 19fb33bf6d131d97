/*
 * map in stream: a variable whose value is looked up from another value.
 *
 *     map $source $result { hostnames; volatile; default v; include f;
 *                           key v; ~regex v; ~*regex v; \default v; }
 *
 * The block is read line by line by a handler of its own.  Exact keys
 * (and with "hostnames" the "*.x", ".x", "x.*" wildcards) go into static
 * hashes built when the block ends, sized by map_hash_max_size and
 * map_hash_bucket_size; regexes are kept in file order and tried after
 * the hashes miss.  Exact keys compare without case.  A value with
 * variables (a regex's $1 included) is a complex value evaluated after
 * the match; any other value is a constant shared by all sessions.  The
 * result is cached for the session like any variable unless "volatile".
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>


/* hash buckets are rounded up to a cache line */
#define HX_STREAM_MAP_CACHELINE  64


typedef struct {
    hx_uint_t                       hash_max_size;
    hx_uint_t                       hash_bucket_size;
} hx_stream_map_conf_t;


/* what one map block parses into while it is read */
typedef struct {
    hx_hash_keys_arrays_t           keys;
    hx_array_t                      regexes;   /* hx_stream_map_regex_t */
    hx_stream_variable_value_t     *default_value;
    hx_conf_t                      *cf;        /* the enclosing block's */
    unsigned                        hostnames:1;
    unsigned                        no_cacheable:1;
} hx_stream_map_conf_ctx_t;


typedef struct {
    hx_stream_map_t                 map;
    hx_stream_complex_value_t       value;     /* the source */
    hx_stream_variable_value_t     *default_value;
    hx_uint_t                       hostnames;
} hx_stream_map_ctx_t;


static hx_int_t hx_stream_map_variable(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static void *hx_stream_map_create_conf(hx_conf_t *cf);
static char *hx_stream_map_block(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_stream_map(hx_conf_t *cf, hx_command_t *dummy, void *conf);
static hx_stream_variable_value_t *hx_stream_map_value(
    hx_stream_map_conf_ctx_t *ctx, hx_str_t *text);
static char *hx_stream_map_hashes(hx_conf_t *cf, hx_stream_map_conf_t *mcf,
    hx_stream_map_conf_ctx_t *ctx, hx_stream_map_ctx_t *map,
    hx_pool_t *temp_pool);
static int hx_stream_map_cmp_dns_wildcards(const void *one, const void *two);


static hx_command_t  hx_stream_map_commands[] = {

    { hx_string("map"),
      HX_STREAM_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_TAKE2,
      hx_stream_map_block,
      HX_STREAM_MAIN_CONF_OFFSET,
      0,
      NULL },

    { hx_string("map_hash_max_size"),
      HX_STREAM_MAIN_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_STREAM_MAIN_CONF_OFFSET,
      offsetof(hx_stream_map_conf_t, hash_max_size),
      NULL },

    { hx_string("map_hash_bucket_size"),
      HX_STREAM_MAIN_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_STREAM_MAIN_CONF_OFFSET,
      offsetof(hx_stream_map_conf_t, hash_bucket_size),
      NULL },

    hx_null_command
};


static hx_stream_module_t  hx_stream_map_module_ctx = {
    NULL,                                 /* preconfiguration */
    NULL,                                 /* postconfiguration */

    hx_stream_map_create_conf,            /* create main configuration */
    NULL,                                 /* init main configuration */

    NULL,                                 /* create server configuration */
    NULL                                  /* merge server configuration */
};


hx_module_t  hx_stream_map_module = {
    HX_MODULE_V1,
    "hx_stream_map_module",
    &hx_stream_map_module_ctx,
    hx_stream_map_commands,
    HX_STREAM_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static hx_int_t
hx_stream_map_variable(hx_stream_session_t *s, hx_stream_variable_value_t *v,
    uintptr_t data)
{
    hx_stream_map_ctx_t  *map = (hx_stream_map_ctx_t *) data;

    hx_str_t                      val, str;
    hx_stream_variable_value_t   *value;

    if (hx_stream_complex_value(s, &map->value, &val) != HX_OK) {
        return HX_ERROR;
    }

    /* "example.com." is the host "example.com" */

    if (map->hostnames && val.len > 0 && val.data[val.len - 1] == '.') {
        val.len--;
    }

    value = hx_stream_map_find(s, &map->map, &val);

    if (value == NULL) {
        value = map->default_value;
    }

    if (value->valid) {
        *v = *value;

    } else {

        /* a value with variables: its complex value is in data */

        if (hx_stream_complex_value(s,
                                    (hx_stream_complex_value_t *) value->data,
                                    &str)
            != HX_OK)
        {
            return HX_ERROR;
        }

        v->valid = 1;
        v->no_cacheable = 0;
        v->not_found = 0;
        v->len = str.len;
        v->data = str.data;
    }

    hx_log_debug(HX_LOG_DEBUG_STREAM, s->connection->log, 0,
                 "stream map: \"%V\" \"%*s\"", &val, (size_t) v->len,
                 v->data);

    return HX_OK;
}


static void *
hx_stream_map_create_conf(hx_conf_t *cf)
{
    hx_stream_map_conf_t  *mcf;

    mcf = hx_palloc(cf->pool, sizeof(hx_stream_map_conf_t));
    if (mcf == NULL) {
        return NULL;
    }

    mcf->hash_max_size = HX_CONF_UNSET_UINT;
    mcf->hash_bucket_size = HX_CONF_UNSET_UINT;

    return mcf;
}


static char *
hx_stream_map_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_stream_map_conf_t  *mcf = conf;

    char                                *rv;
    hx_str_t                            *value, name;
    hx_conf_t                            save;
    hx_pool_t                           *pool;
    hx_stream_map_ctx_t                 *map;
    hx_stream_variable_t                *var;
    hx_stream_map_conf_ctx_t             ctx;
    hx_stream_compile_complex_value_t    ccv;

    (void) cmd;

    if (mcf->hash_max_size == HX_CONF_UNSET_UINT) {
        mcf->hash_max_size = 2048;
    }

    if (mcf->hash_bucket_size == HX_CONF_UNSET_UINT) {
        mcf->hash_bucket_size = HX_STREAM_MAP_CACHELINE;

    } else {
        mcf->hash_bucket_size = hx_align(mcf->hash_bucket_size,
                                         HX_STREAM_MAP_CACHELINE);
    }

    map = hx_pcalloc(cf->pool, sizeof(hx_stream_map_ctx_t));
    if (map == NULL) {
        return HX_CONF_ERROR;
    }

    value = cf->args->elts;

    hx_memzero(&ccv, sizeof(hx_stream_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = &map->value;

    if (hx_stream_compile_complex_value(&ccv) != HX_OK) {
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

    var = hx_stream_add_variable(cf, &name, HX_STREAM_VAR_CHANGEABLE);
    if (var == NULL) {
        return HX_CONF_ERROR;
    }

    var->get_handler = hx_stream_map_variable;
    var->data = (uintptr_t) map;

    /* the keys gather in a pool of their own, freed when the map is built */

    pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, cf->log);
    if (pool == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(&ctx, sizeof(hx_stream_map_conf_ctx_t));

    ctx.keys.pool = cf->pool;
    ctx.keys.temp_pool = pool;

    if (hx_hash_keys_array_init(&ctx.keys, HX_HASH_LARGE) != HX_OK
        || hx_array_init(&ctx.regexes, cf->pool, 2,
                         sizeof(hx_stream_map_regex_t))
           != HX_OK)
    {
        hx_destroy_pool(pool);
        return HX_CONF_ERROR;
    }

    ctx.cf = &save;

    save = *cf;
    cf->pool = pool;
    cf->ctx = &ctx;
    cf->handler = hx_stream_map;
    cf->handler_conf = conf;

    rv = hx_conf_parse(cf, NULL);

    *cf = save;

    if (rv != HX_CONF_OK) {
        hx_destroy_pool(pool);
        return rv;
    }

    if (ctx.no_cacheable) {
        var->flags |= HX_STREAM_VAR_NOCACHEABLE;
    }

    map->default_value = ctx.default_value ? ctx.default_value
                                           : &hx_stream_variable_null_value;

    map->hostnames = ctx.hostnames;

    rv = hx_stream_map_hashes(cf, mcf, &ctx, map, pool);

    hx_destroy_pool(pool);

    return rv;
}


/* one line of the map block */
static char *
hx_stream_map(hx_conf_t *cf, hx_command_t *dummy, void *conf)
{
    hx_int_t                      rc;
    hx_str_t                     *value;
    hx_regex_compile_t            rcomp;
    hx_stream_map_regex_t        *regex;
    hx_stream_map_conf_ctx_t     *ctx;
    hx_stream_variable_value_t   *var;
    uint8_t                       errstr[256];

    ctx = cf->ctx;

    value = cf->args->elts;

    if (cf->args->nelts == 1
        && hx_strcmp(value[0].data, "hostnames") == 0)
    {
        ctx->hostnames = 1;
        return HX_CONF_OK;
    }

    if (cf->args->nelts == 1
        && hx_strcmp(value[0].data, "volatile") == 0)
    {
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

    var = hx_stream_map_value(ctx, &value[1]);
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

    if (value[0].len && value[0].data[0] == '~') {
        regex = hx_array_push(&ctx->regexes);
        if (regex == NULL) {
            return HX_CONF_ERROR;
        }

        hx_memzero(&rcomp, sizeof(hx_regex_compile_t));

        rcomp.pattern.data = value[0].data + 1;
        rcomp.pattern.len = value[0].len - 1;

        if (rcomp.pattern.len && rcomp.pattern.data[0] == '*') {
            rcomp.pattern.data++;
            rcomp.pattern.len--;
            rcomp.options = HX_REGEX_CASELESS;
        }

        rcomp.err.len = sizeof(errstr);
        rcomp.err.data = errstr;

        regex->regex = hx_stream_regex_compile(ctx->cf, &rcomp);
        if (regex->regex == NULL) {
            return HX_CONF_ERROR;
        }

        regex->value = var;

        return HX_CONF_OK;
    }

    /* "\default", "\~..." are keys, not a keyword or a regex */

    if (value[0].len && value[0].data[0] == '\\') {
        value[0].len--;
        value[0].data++;
    }

    rc = hx_hash_add_key(&ctx->keys, &value[0], var,
                         ctx->hostnames ? HX_HASH_WILDCARD_KEY : 0);

    if (rc == HX_OK) {
        return HX_CONF_OK;
    }

    if (rc == HX_DECLINED) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid hostname or wildcard \"%V\"", &value[0]);
    }

    if (rc == HX_BUSY) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "conflicting parameter \"%V\"", &value[0]);
    }

    return HX_CONF_ERROR;
}


/*
 * The value of a map line: a constant, or (when it has variables) an
 * unset value whose data is the complex value to evaluate.  Allocated
 * from the configuration's pool, not the block's temporary one.
 */
static hx_stream_variable_value_t *
hx_stream_map_value(hx_stream_map_conf_ctx_t *ctx, hx_str_t *text)
{
    hx_str_t                             v;
    hx_stream_complex_value_t           *cv;
    hx_stream_variable_value_t          *var;
    hx_stream_compile_complex_value_t    ccv;

    var = hx_pcalloc(ctx->keys.pool, sizeof(hx_stream_variable_value_t));
    cv = hx_pcalloc(ctx->keys.pool, sizeof(hx_stream_complex_value_t));
    v.data = hx_pnalloc(ctx->keys.pool, text->len ? text->len : 1);

    if (var == NULL || cv == NULL || v.data == NULL) {
        return NULL;
    }

    hx_memcpy(v.data, text->data, text->len);
    v.len = text->len;

    hx_memzero(&ccv, sizeof(hx_stream_compile_complex_value_t));

    ccv.cf = ctx->cf;
    ccv.value = &v;
    ccv.complex_value = cv;

    if (hx_stream_compile_complex_value(&ccv) != HX_OK) {
        return NULL;
    }

    if (cv->parts) {
        var->len = 0;
        var->data = (uint8_t *) cv;
        var->valid = 0;

    } else {
        var->len = v.len;
        var->data = v.data;
        var->valid = 1;
    }

    var->no_cacheable = 0;
    var->not_found = 0;

    return var;
}


/* the exact and wildcard hashes of the keys the block gathered */
static char *
hx_stream_map_hashes(hx_conf_t *cf, hx_stream_map_conf_t *mcf,
    hx_stream_map_conf_ctx_t *ctx, hx_stream_map_ctx_t *map,
    hx_pool_t *temp_pool)
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
                 sizeof(hx_hash_key_t), hx_stream_map_cmp_dns_wildcards);

        hash.hash = NULL;
        hash.temp_pool = temp_pool;

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
                 sizeof(hx_hash_key_t), hx_stream_map_cmp_dns_wildcards);

        hash.hash = NULL;
        hash.temp_pool = temp_pool;

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
hx_stream_map_cmp_dns_wildcards(const void *one, const void *two)
{
    const hx_hash_key_t  *first = one;
    const hx_hash_key_t  *second = two;

    return (int) hx_dns_strcmp(first->key.data, second->key.data);
}

/*
 * The body of a map {} block for the http and stream map modules.
 *
 * The block is read line by line by a handler of its own (the way
 * types {} is) into hx_hash_keys_arrays_t for the exact keys (and, with
 * "hostnames", the "*.x", ".x" and "x.*" wildcards) plus the caller's
 * array of regexes in file order.  The keys gather in a temporary pool
 * that is freed once the block's static hashes are built, so a lookup
 * is one hash probe, then the wildcards, then the regexes in order.
 * Exact keys compare case-insensitively, as nginx's do.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_map.h>


/* hash buckets are rounded up to a cache line */
#define HX_MAP_CACHELINE  64


static char *hx_map_line(hx_conf_t *cf, hx_command_t *dummy, void *conf);
static hx_int_t hx_map_key(hx_conf_t *cf, hx_map_block_t *mb, hx_str_t *key,
    void *value);
static char *hx_map_hashes(hx_map_block_t *mb, hx_hash_init_t *hash,
    hx_hash_combined_t *combined);
static hx_int_t hx_map_wildcards(hx_hash_init_t *hash, hx_array_t *keys,
    hx_hash_wildcard_t **wc);
static int hx_map_cmp_dns_wildcards(const void *one, const void *two);


char *
hx_map_block(hx_conf_t *cf, void *conf, hx_map_block_t *mb,
    size_t regex_size, hx_uint_t *max_size, hx_uint_t *bucket_size,
    hx_hash_combined_t *hash)
{
    char            *rv;
    hx_conf_t        save;
    hx_pool_t       *pool;
    hx_hash_init_t   init;

    if (*max_size == HX_CONF_UNSET_UINT) {
        *max_size = 2048;
    }

    if (*bucket_size == HX_CONF_UNSET_UINT) {
        *bucket_size = HX_MAP_CACHELINE;

    } else {
        *bucket_size = hx_align(*bucket_size, HX_MAP_CACHELINE);
    }

    pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, cf->log);
    if (pool == NULL) {
        return HX_CONF_ERROR;
    }

    mb->keys.pool = cf->pool;
    mb->keys.temp_pool = pool;

    if (hx_hash_keys_array_init(&mb->keys, HX_HASH_LARGE) != HX_OK
        || hx_array_init(&mb->regexes, cf->pool, 2, regex_size) != HX_OK)
    {
        hx_destroy_pool(pool);
        return HX_CONF_ERROR;
    }

    mb->cf = &save;

    save = *cf;
    cf->pool = pool;
    cf->ctx = mb;
    cf->handler = hx_map_line;
    cf->handler_conf = conf;

    rv = hx_conf_parse(cf, NULL);

    *cf = save;
    mb->cf = cf;

    if (rv == HX_CONF_OK) {
        init.key = hx_hash_key_lc;
        init.max_size = *max_size;
        init.bucket_size = *bucket_size;
        init.name = "map_hash";
        init.pool = cf->pool;
        init.temp_pool = pool;

        rv = hx_map_hashes(mb, &init, hash);
    }

    hx_destroy_pool(pool);

    return rv;
}


hx_int_t
hx_map_variable_name(hx_conf_t *cf, hx_str_t *arg, hx_str_t *name)
{
    if (arg->len < 2 || arg->data[0] != '$') {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid variable name \"%V\"", arg);
        return HX_ERROR;
    }

    name->len = arg->len - 1;
    name->data = arg->data + 1;

    return HX_OK;
}


/* one line of a map block */
static char *
hx_map_line(hx_conf_t *cf, hx_command_t *dummy, void *conf)
{
    void                *value;
    hx_str_t            *args, key;
    hx_map_block_t      *mb;
    hx_regex_compile_t   rc;
    uint8_t              errstr[HX_MAX_ERROR_STR];

    mb = cf->ctx;
    args = cf->args->elts;

    if (cf->args->nelts == 1 && hx_strcmp(args[0].data, "hostnames") == 0) {
        mb->hostnames = 1;
        return HX_CONF_OK;
    }

    if (cf->args->nelts == 1 && hx_strcmp(args[0].data, "volatile") == 0) {
        mb->no_cacheable = 1;
        return HX_CONF_OK;
    }

    if (cf->args->nelts != 2) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid number of the map parameters");
        return HX_CONF_ERROR;
    }

    if (hx_strcmp(args[0].data, "include") == 0) {
        return hx_conf_include(cf, dummy, conf);
    }

    value = mb->value(mb, &args[1]);
    if (value == NULL) {
        return HX_CONF_ERROR;
    }

    if (hx_strcmp(args[0].data, "default") == 0) {

        if (mb->default_value) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "duplicate default map parameter");
            return HX_CONF_ERROR;
        }

        mb->default_value = value;

        return HX_CONF_OK;
    }

    key = args[0];

    if (key.len == 0 || key.data[0] != '~') {
        return (hx_map_key(cf, mb, &key, value) == HX_OK) ? HX_CONF_OK
                                                          : HX_CONF_ERROR;
    }

    hx_memzero(&rc, sizeof(hx_regex_compile_t));

    rc.pattern.data = key.data + 1;
    rc.pattern.len = key.len - 1;

    if (rc.pattern.len && rc.pattern.data[0] == '*') {
        rc.pattern.data++;
        rc.pattern.len--;
        rc.options = HX_REGEX_CASELESS;
    }

    rc.pool = mb->cf->pool;
    rc.err.len = HX_MAX_ERROR_STR;
    rc.err.data = errstr;

    return (mb->regex(mb, &rc, value) == HX_OK) ? HX_CONF_OK : HX_CONF_ERROR;
}


/* an exact or wildcard key; "\default", "\~x" are keys, not keywords */
static hx_int_t
hx_map_key(hx_conf_t *cf, hx_map_block_t *mb, hx_str_t *key, void *value)
{
    hx_int_t  rc;

    if (key->len && key->data[0] == '\\') {
        key->len--;
        key->data++;
    }

    rc = hx_hash_add_key(&mb->keys, key, value,
                         mb->hostnames ? HX_HASH_WILDCARD_KEY : 0);

    if (rc == HX_OK) {
        return HX_OK;
    }

    if (rc == HX_DECLINED) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid hostname or wildcard \"%V\"", key);
    }

    if (rc == HX_BUSY) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "conflicting parameter \"%V\"", key);
    }

    return HX_ERROR;
}


/* the exact and wildcard hashes of the keys a block gathered */
static char *
hx_map_hashes(hx_map_block_t *mb, hx_hash_init_t *hash,
    hx_hash_combined_t *combined)
{
    hx_pool_t  *temp_pool;

    if (mb->keys.keys.nelts) {
        temp_pool = hash->temp_pool;

        hash->hash = &combined->hash;
        hash->temp_pool = NULL;

        if (hx_hash_init(hash, mb->keys.keys.elts, mb->keys.keys.nelts)
            != HX_OK)
        {
            return HX_CONF_ERROR;
        }

        hash->temp_pool = temp_pool;
    }

    if (hx_map_wildcards(hash, &mb->keys.dns_wc_head, &combined->wc_head)
        != HX_OK
        || hx_map_wildcards(hash, &mb->keys.dns_wc_tail, &combined->wc_tail)
           != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


/* the wildcard hash of keys, sorted first; *wc stays as is if empty */
static hx_int_t
hx_map_wildcards(hx_hash_init_t *hash, hx_array_t *keys,
    hx_hash_wildcard_t **wc)
{
    if (keys->nelts == 0) {
        return HX_OK;
    }

    hx_qsort(keys->elts, (size_t) keys->nelts, sizeof(hx_hash_key_t),
             hx_map_cmp_dns_wildcards);

    hash->hash = NULL;

    if (hx_hash_wildcard_init(hash, keys->elts, keys->nelts) != HX_OK) {
        return HX_ERROR;
    }

    *wc = (hx_hash_wildcard_t *) hash->hash;

    return HX_OK;
}


static int
hx_map_cmp_dns_wildcards(const void *one, const void *two)
{
    const hx_hash_key_t  *first = one;
    const hx_hash_key_t  *second = two;

    return (int) hx_dns_strcmp(first->key.data, second->key.data);
}

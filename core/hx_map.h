/*
 * The body of a map {} block, shared by the http and stream map modules:
 * reading its lines (hostnames, volatile, include, default, exact keys,
 * "~regex" and "~*regex" keys, "\" escaping a keyword) and turning the
 * exact and wildcard keys into the static hashes that are looked up.
 *
 * What a value is (a subsystem's variable value, maybe with variables)
 * and how a regex is compiled (its named captures become the
 * subsystem's variables) is left to two callbacks, so that this file
 * knows neither http nor stream.
 */

#ifndef HX_CORE_HX_MAP_H
#define HX_CORE_HX_MAP_H


typedef struct hx_map_block_s  hx_map_block_t;

/* the value of one line, allocated from mb->keys.pool; NULL on error */
typedef void *(*hx_map_value_pt)(hx_map_block_t *mb, hx_str_t *text);

/*
 * Compiles rc (pattern, options and error buffer set) with mb->cf and
 * appends the subsystem's {regex, value} element to mb->regexes.
 * HX_OK or HX_ERROR (already logged).
 */
typedef hx_int_t (*hx_map_regex_pt)(hx_map_block_t *mb,
    hx_regex_compile_t *rc, void *value);


struct hx_map_block_s {
    hx_hash_keys_arrays_t   keys;       /* values live in keys.pool */
    hx_array_t              regexes;    /* the subsystem's elements */
    void                   *default_value;
    hx_conf_t              *cf;         /* the enclosing block's */
    hx_map_value_pt         value;
    hx_map_regex_pt         regex;
    unsigned                hostnames:1;
    unsigned                no_cacheable:1;
};


/*
 * Reads the block that follows the current directive into mb, then
 * builds hash from its exact and wildcard keys.  The caller sets value,
 * regex and nothing else; regex_size is the size of one element of
 * mb->regexes.  *max_size and *bucket_size are map_hash_max_size and
 * map_hash_bucket_size: unset (HX_CONF_UNSET_UINT) ones get nginx's
 * defaults, the bucket size is rounded up to a cache line.  conf is the
 * directive's conf (for include).  HX_CONF_OK or an error string
 * (logged); the keys' temporary pool is gone either way.
 */
char *hx_map_block(hx_conf_t *cf, void *conf, hx_map_block_t *mb,
    size_t regex_size, hx_uint_t *max_size, hx_uint_t *bucket_size,
    hx_hash_combined_t *hash);

/*
 * The result variable of "map $source $name" (and of the directives
 * built the same way: split_clients, geo): name gets arg without its
 * "$".  HX_OK, or HX_ERROR after an [emerg] when arg is not "$name".
 */
hx_int_t hx_map_variable_name(hx_conf_t *cf, hx_str_t *arg, hx_str_t *name);


#endif /* HX_CORE_HX_MAP_H */

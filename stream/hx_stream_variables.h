/*
 * Stream variables: "$remote_addr" and the like, as configurations use
 * them in return, log_format, map, proxy_pass.
 *
 * A module declares a variable (hx_stream_add_variable, in its
 * preconfiguration) with a get handler; a directive that uses one asks
 * for its index (hx_stream_get_variable_index) while parsing.  At the end
 * of the block every used name is checked against the declared ones, so
 * an unknown variable is a configuration error, not a run-time surprise.
 * Each session has an array of values, one per index, filled on first use
 * and kept for the session unless the variable says it is not cacheable
 * ($msec, $bytes_sent change while the session runs).
 */

#ifndef HX_STREAM_HX_STREAM_VARIABLES_H
#define HX_STREAM_HX_STREAM_VARIABLES_H


typedef struct {
    unsigned                        len:28;

    unsigned                        valid:1;
    unsigned                        no_cacheable:1;
    unsigned                        not_found:1;
    unsigned                        escape:1;

    uint8_t                        *data;
} hx_stream_variable_value_t;


typedef struct hx_stream_variable_s  hx_stream_variable_t;

/*
 * A get handler fills v (data, len, valid or not_found) and returns HX_OK,
 * or HX_ERROR on allocation failure.  data is the variable's own word
 * (an offset into the session, a type), set when it was declared.
 */
typedef void (*hx_stream_set_variable_pt)(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
typedef hx_int_t (*hx_stream_get_variable_pt)(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);


/* flags of hx_stream_add_variable */
#define HX_STREAM_VAR_CHANGEABLE   1    /* "set" may assign it */
#define HX_STREAM_VAR_NOCACHEABLE  2    /* evaluated on every use */
#define HX_STREAM_VAR_INDEXED      4
#define HX_STREAM_VAR_NOHASH       8    /* by index only, not by name */
#define HX_STREAM_VAR_WEAK         16   /* a later declaration may replace */
#define HX_STREAM_VAR_PREFIX       32   /* "$name_*": the rest is an arg */


struct hx_stream_variable_s {
    hx_str_t                        name;   /* first: the hash needs it */
    hx_stream_set_variable_pt       set_handler;
    hx_stream_get_variable_pt       get_handler;
    uintptr_t                       data;
    hx_uint_t                       flags;
    hx_uint_t                       index;
};

#define hx_stream_null_variable  { hx_null_string, NULL, NULL, 0, 0, 0 }


/*
 * Declares a variable (or a "$name_*" family with HX_STREAM_VAR_PREFIX)
 * during configuration.  Returns the variable for the caller to set the
 * handlers, or NULL after logging "the duplicate "name" variable" (two
 * declarations neither of which is changeable or weak).
 */
hx_stream_variable_t *hx_stream_add_variable(hx_conf_t *cf, hx_str_t *name,
    hx_uint_t flags);

/*
 * The index of a variable that a directive uses; the name need not be
 * declared yet.  HX_ERROR on allocation failure or an empty name.
 */
hx_int_t hx_stream_get_variable_index(hx_conf_t *cf, hx_str_t *name);

/*
 * The value of an indexed variable for session s, computed on first use.
 * NULL on error (logged); a value with not_found set when the variable
 * has no value for this session.
 */
hx_stream_variable_value_t *hx_stream_get_indexed_variable(
    hx_stream_session_t *s, hx_uint_t index);

/* the same, but computes a not cacheable variable again */
hx_stream_variable_value_t *hx_stream_get_flushed_variable(
    hx_stream_session_t *s, hx_uint_t index);

/*
 * Looks a variable up by name at run time (key is hx_hash_key of the
 * lowercased name); handles prefix variables.  The value is allocated
 * from the session's pool; NULL on error.
 */
hx_stream_variable_value_t *hx_stream_get_variable(hx_stream_session_t *s,
    hx_str_t *name, hx_uint_t key);

/* the core module's preconfiguration: declares the core variables */
hx_int_t hx_stream_variables_add_core_vars(hx_conf_t *cf);

/*
 * At the end of the stream block: binds every used index to its
 * declaration ("unknown "name" variable" otherwise) and builds the hash
 * of names.  HX_OK or HX_ERROR (logged).
 */
hx_int_t hx_stream_variables_init_vars(hx_conf_t *cf);


/*
 * Regular expressions whose captures become variables: named captures
 * (?<name>...) are variables of their own, numbered ones are $1..$9
 * (hx_stream_regex.c).
 */
typedef struct {
    hx_uint_t                       capture;
    hx_int_t                        index;
} hx_stream_regex_variable_t;


typedef struct {
    hx_regex_t                     *regex;
    hx_uint_t                       ncaptures;
    hx_stream_regex_variable_t     *variables;
    hx_uint_t                       nvariables;
    hx_str_t                        name;      /* the pattern */
} hx_stream_regex_t;


typedef struct {
    hx_stream_regex_t              *regex;
    void                           *value;
} hx_stream_map_regex_t;


/* exact, wildcard and regex keys to values (map {}, and the like) */
typedef struct {
    hx_hash_combined_t              hash;
    hx_stream_map_regex_t          *regex;
    hx_uint_t                       nregex;
} hx_stream_map_t;


/*
 * Compiles rc->pattern and declares its named captures as variables.
 * The regex, or NULL after an [emerg] with pcre2's message.
 */
hx_stream_regex_t *hx_stream_regex_compile(hx_conf_t *cf,
    hx_regex_compile_t *rc);

/*
 * Matches str; on a match the captures go to s (for $1..$9, with
 * s->captures_data pointing into str) and the named captures' variables
 * are set.  HX_OK, HX_DECLINED (no match) or HX_ERROR (logged).
 */
hx_int_t hx_stream_regex_exec(hx_stream_session_t *s, hx_stream_regex_t *re,
    hx_str_t *str);

/*
 * The value for match: the exact and wildcard hashes (case-insensitive),
 * then the regexes in order.  NULL when nothing matches or on error.
 */
void *hx_stream_map_find(hx_stream_session_t *s, hx_stream_map_t *map,
    hx_str_t *match);

/* a get handler that has no value (a named capture not yet matched) */
hx_int_t hx_stream_variable_not_found(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);


extern hx_stream_variable_value_t  hx_stream_variable_null_value;
extern hx_stream_variable_value_t  hx_stream_variable_true_value;

#endif /* HX_STREAM_HX_STREAM_VARIABLES_H */

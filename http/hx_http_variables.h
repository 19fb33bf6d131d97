/*
 * Variables: named values ($uri, $http_host, $arg_id, $1) that
 * configurations use in complex values, log formats and scripts.
 *
 * A module declares a variable with hx_http_add_variable() (usually in
 * preconfiguration) and gives a get_handler that fills an
 * hx_http_variable_value_t.  A configuration that uses the variable asks
 * for its index (hx_http_get_variable_index), so that at request time the
 * value is found in r->variables[index] without a hash lookup and is
 * computed at most once per request (unless the variable is NOCACHEABLE).
 * Names that start with a known prefix ($http_, $arg_, $cookie_,
 * $sent_http_, ...) are resolved through the prefix variable's handler,
 * which receives the full name.
 *
 * Complex values ("$scheme://$host$request_uri") are compiled once into
 * script code (hx_http_script.h) and evaluated per request.
 */

#ifndef HX_HTTP_HX_HTTP_VARIABLES_H
#define HX_HTTP_HX_HTTP_VARIABLES_H


/*
 * A value: data/len valid when valid is set; not_found for a variable
 * that has no value in this request (an absent header).  no_cacheable
 * values are recomputed each time they are read.
 */
typedef struct {
    unsigned             len:28;

    unsigned             valid:1;
    unsigned             no_cacheable:1;
    unsigned             not_found:1;
    unsigned             escape:1;

    uint8_t             *data;
} hx_http_variable_value_t;


#define hx_http_variable(v)     { sizeof(v) - 1, 1, 0, 0, 0, (uint8_t *) v }


typedef void (*hx_http_set_variable_pt)(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);
/* fills v; HX_OK (v->not_found may be set) or HX_ERROR */
typedef hx_int_t (*hx_http_get_variable_pt)(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);


/* flags of hx_http_add_variable() */
#define HX_HTTP_VAR_CHANGEABLE   1   /* "set" may assign it */
#define HX_HTTP_VAR_NOCACHEABLE  2   /* recomputed on every read */
#define HX_HTTP_VAR_INDEXED      4
#define HX_HTTP_VAR_NOHASH       8   /* only reachable by index */
#define HX_HTTP_VAR_WEAK         16  /* a later definition may replace it */
#define HX_HTTP_VAR_PREFIX       32  /* "$http_" and the like */


struct hx_http_variable_s {
    hx_str_t                  name;     /* must be first, for the hash */
    hx_http_set_variable_pt   set_handler;
    hx_http_get_variable_pt   get_handler;
    uintptr_t                 data;
    hx_uint_t                 flags;
    hx_uint_t                 index;
};

#define hx_http_null_variable  { hx_null_string, NULL, NULL, 0, 0, 0 }


/*
 * Declares a variable, or returns the existing one (a CHANGEABLE or WEAK
 * earlier declaration) so the caller can set its handlers.  With
 * HX_HTTP_VAR_PREFIX, name is a prefix ("http_").  NULL after logging
 * "duplicate variable".
 */
hx_http_variable_t *hx_http_add_variable(hx_conf_t *cf, hx_str_t *name,
    hx_uint_t flags);

/*
 * The index of a variable a configuration uses; the variable may be
 * declared later in the file (checked when the http block ends: "unknown
 * variable").  HX_ERROR on no memory.
 */
hx_int_t hx_http_get_variable_index(hx_conf_t *cf, hx_str_t *name);

/* the value at index for this request, computed once; NULL on error */
hx_http_variable_value_t *hx_http_get_indexed_variable(hx_http_request_t *r,
    hx_uint_t index);
/* the same, but recomputed when the cached value is no_cacheable */
hx_http_variable_value_t *hx_http_get_flushed_variable(hx_http_request_t *r,
    hx_uint_t index);

/*
 * A variable by name at request time (for names not known at
 * configuration time, as in SSI).  key is hx_hash_strlow() of name.
 * Returns a value (not_found when there is no such variable) or NULL.
 */
hx_http_variable_value_t *hx_http_get_variable(hx_http_request_t *r,
    hx_str_t *name, hx_uint_t key);

/*
 * Helpers for prefix variables: the value of header "var" (the
 * variable's name after the prefix, '_' matching '-') among a list of
 * hx_table_elt_t, with repeated headers joined by ", " (or "; " for
 * cookies).
 */
hx_int_t hx_http_variable_unknown_header(hx_http_request_t *r,
    hx_http_variable_value_t *v, hx_str_t *var, hx_list_part_t *part,
    size_t prefix);
hx_int_t hx_http_variable_cookie(hx_http_request_t *r,
    hx_http_variable_value_t *v, hx_str_t *name);
hx_int_t hx_http_variable_argument(hx_http_request_t *r,
    hx_http_variable_value_t *v, hx_str_t *name);


/*
 * Regular expressions with captures as variables: named captures
 * (?<name>...) become variables, numbered ones are $1..$9.
 */
typedef struct {
    hx_uint_t                 capture;
    hx_int_t                  index;
} hx_http_regex_variable_t;


typedef struct {
    hx_regex_t               *regex;
    hx_uint_t                 ncaptures;
    hx_http_regex_variable_t *variables;
    hx_uint_t                 nvariables;
    hx_str_t                  name;     /* the pattern, for messages */
} hx_http_regex_t;


typedef struct {
    hx_http_regex_t          *regex;
    void                     *value;
} hx_http_map_regex_t;


/*
 * Compiles rc->pattern and registers its named captures as variables.
 * Returns the regex or NULL after an [emerg] naming the pattern.
 */
hx_http_regex_t *hx_http_regex_compile(hx_conf_t *cf,
    hx_regex_compile_t *rc);

/*
 * Matches s and, on success, stores the captures in r->captures (with
 * r->captures_data = s->data) and sets the named capture variables.
 * HX_OK, HX_DECLINED (no match) or HX_ERROR.
 */
hx_int_t hx_http_regex_exec(hx_http_request_t *r, hx_http_regex_t *re,
    hx_str_t *s);


/*
 * A lookup table that maps strings to values, with exact, wildcard and
 * regex keys (map {}, and the like).  Regexes are tried in order after
 * the hashes miss.
 */
typedef struct {
    hx_hash_combined_t        hash;
    hx_http_map_regex_t      *regex;
    hx_uint_t                 nregex;
} hx_http_map_t;

/* value for match, or NULL; captures of a regex key go to r */
void *hx_http_map_find(hx_http_request_t *r, hx_http_map_t *map,
    hx_str_t *match);


/* a get handler that finds nothing (a capture variable until set) */
hx_int_t hx_http_variable_not_found(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data);

/* the core variables (hx_http_variables.c), added by the core module */
hx_int_t hx_http_variables_add_core_vars(hx_conf_t *cf);
/* checks every used variable exists; builds the lookup hash */
hx_int_t hx_http_variables_init_vars(hx_conf_t *cf);


extern hx_http_variable_value_t  hx_http_variable_null_value;
extern hx_http_variable_value_t  hx_http_variable_true_value;

#endif /* HX_HTTP_HX_HTTP_VARIABLES_H */

/*
 * map: a variable whose value is looked up from another value.
 *
 *     map $source $result { hostnames; volatile; default v;
 *                           include f; key v; ~regex v; ~*regex v; }
 *
 * The block itself (its keywords, keys, regexes and hashes) is read
 * and built by core/hx_map.c, which stream's map shares; this module
 * adds what is http's: the variables, complex values and regexes whose
 * captures are request variables.
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
#include <hx_map.h>


typedef struct {
    hx_uint_t                   hash_max_size;
    hx_uint_t                   hash_bucket_size;
} hx_http_map_conf_t;


typedef struct {
    hx_http_map_t               map;
    hx_http_complex_value_t     value;     /* the source */
    hx_http_variable_value_t   *default_value;
    hx_uint_t                   hostnames; /* unsigned  hostnames:1 */
} hx_http_map_ctx_t;


static void *hx_http_map_create_conf(hx_conf_t *cf);
static char *hx_http_map_block(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static hx_int_t hx_http_map_regex(hx_map_block_t *mb,
    hx_regex_compile_t *rc, void *value);
static void *hx_http_map_value(hx_map_block_t *mb, hx_str_t *value);


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
    hx_map_block_t                     mb;
    hx_http_map_ctx_t                 *map;
    hx_http_variable_t                *var;
    hx_http_compile_complex_value_t    ccv;

    (void) cmd;

    map = hx_pcalloc(cf->pool, sizeof(hx_http_map_ctx_t));
    if (map == NULL) {
        return HX_CONF_ERROR;
    }

    value = cf->args->elts;

    hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = &map->value;

    if (hx_http_compile_complex_value(&ccv) != HX_OK
        || hx_map_variable_name(cf, &value[2], &name) != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    var = hx_http_add_variable(cf, &name, HX_HTTP_VAR_CHANGEABLE);
    if (var == NULL) {
        return HX_CONF_ERROR;
    }

    var->get_handler = hx_http_map_variable;
    var->data = (uintptr_t) map;

    hx_memzero(&mb, sizeof(hx_map_block_t));

    mb.value = hx_http_map_value;
    mb.regex = hx_http_map_regex;

    rv = hx_map_block(cf, conf, &mb, sizeof(hx_http_map_regex_t),
                      &mcf->hash_max_size, &mcf->hash_bucket_size,
                      &map->map.hash);
    if (rv != HX_CONF_OK) {
        return rv;
    }

    if (mb.no_cacheable) {
        var->flags |= HX_HTTP_VAR_NOCACHEABLE;
    }

    map->default_value = mb.default_value ? mb.default_value
                                          : &hx_http_variable_null_value;

    map->hostnames = mb.hostnames;

    if (mb.regexes.nelts) {
        map->map.regex = mb.regexes.elts;
        map->map.nregex = mb.regexes.nelts;
    }

    return HX_CONF_OK;
}


/* a "~regex" key of the block */
static hx_int_t
hx_http_map_regex(hx_map_block_t *mb, hx_regex_compile_t *rc, void *value)
{
    hx_http_map_regex_t  *regex;

    regex = hx_array_push(&mb->regexes);
    if (regex == NULL) {
        return HX_ERROR;
    }

    regex->value = value;
    regex->regex = hx_http_regex_compile(mb->cf, rc);

    return (regex->regex != NULL) ? HX_OK : HX_ERROR;
}


/*
 * A result value: literal text, or (with variables or captures) a
 * complex value whose pointer is kept in data with valid = 0.
 */
static void *
hx_http_map_value(hx_map_block_t *mb, hx_str_t *value)
{
    hx_str_t                           v;
    hx_http_complex_value_t            cv, *cvp;
    hx_http_variable_value_t          *var;
    hx_http_compile_complex_value_t    ccv;

    var = hx_palloc(mb->keys.pool, sizeof(hx_http_variable_value_t));
    if (var == NULL) {
        return NULL;
    }

    v.len = value->len;
    v.data = hx_pstrdup(mb->keys.pool, value);
    if (v.data == NULL) {
        return NULL;
    }

    hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

    ccv.cf = mb->cf;
    ccv.value = &v;
    ccv.complex_value = &cv;

    if (hx_http_compile_complex_value(&ccv) != HX_OK) {
        return NULL;
    }

    if (cv.lengths != NULL) {
        cvp = hx_palloc(mb->keys.pool, sizeof(hx_http_complex_value_t));
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

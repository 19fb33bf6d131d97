/*
 * map in stream: a variable whose value is looked up from another value.
 *
 *     map $source $result { hostnames; volatile; default v; include f;
 *                           key v; ~regex v; ~*regex v; \default v; }
 *
 * The block (keywords, exact and wildcard keys, regexes in file order,
 * the static hashes) is read and built by core/hx_map.c, shared with
 * http's map; this file adds the stream variables.  A value with
 * variables (a regex's $1 included) is a complex value evaluated after
 * the match; any other value is a constant shared by all sessions.  The
 * result is cached for the session like any variable unless "volatile".
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>
#include <hx_map.h>


typedef struct {
    hx_uint_t                       hash_max_size;
    hx_uint_t                       hash_bucket_size;
} hx_stream_map_conf_t;


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
static hx_int_t hx_stream_map_regex(hx_map_block_t *mb,
    hx_regex_compile_t *rc, void *value);
static void *hx_stream_map_value(hx_map_block_t *mb, hx_str_t *text);


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
    hx_map_block_t                       mb;
    hx_stream_map_ctx_t                 *map;
    hx_stream_variable_t                *var;
    hx_stream_compile_complex_value_t    ccv;

    (void) cmd;

    map = hx_pcalloc(cf->pool, sizeof(hx_stream_map_ctx_t));
    if (map == NULL) {
        return HX_CONF_ERROR;
    }

    value = cf->args->elts;

    hx_memzero(&ccv, sizeof(hx_stream_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = &map->value;

    if (hx_stream_compile_complex_value(&ccv) != HX_OK
        || hx_map_variable_name(cf, &value[2], &name) != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    var = hx_stream_add_variable(cf, &name, HX_STREAM_VAR_CHANGEABLE);
    if (var == NULL) {
        return HX_CONF_ERROR;
    }

    var->get_handler = hx_stream_map_variable;
    var->data = (uintptr_t) map;

    hx_memzero(&mb, sizeof(hx_map_block_t));

    mb.value = hx_stream_map_value;
    mb.regex = hx_stream_map_regex;

    rv = hx_map_block(cf, conf, &mb, sizeof(hx_stream_map_regex_t),
                      &mcf->hash_max_size, &mcf->hash_bucket_size,
                      &map->map.hash);
    if (rv != HX_CONF_OK) {
        return rv;
    }

    if (mb.no_cacheable) {
        var->flags |= HX_STREAM_VAR_NOCACHEABLE;
    }

    map->default_value = mb.default_value ? mb.default_value
                                          : &hx_stream_variable_null_value;
    map->hostnames = mb.hostnames;
    map->map.regex = mb.regexes.nelts ? mb.regexes.elts : NULL;
    map->map.nregex = mb.regexes.nelts;

    return HX_CONF_OK;
}


/* a "~regex" key: compiled with its named captures as stream variables */
static hx_int_t
hx_stream_map_regex(hx_map_block_t *mb, hx_regex_compile_t *rc, void *value)
{
    hx_stream_map_regex_t  *regex;

    regex = hx_array_push(&mb->regexes);
    if (regex == NULL) {
        return HX_ERROR;
    }

    regex->regex = hx_stream_regex_compile(mb->cf, rc);
    regex->value = value;

    return regex->regex ? HX_OK : HX_ERROR;
}


/*
 * The value of a map line: a constant, or (when it has variables) an
 * unset value whose data is the complex value to evaluate.  Allocated
 * from the configuration's pool, not the block's temporary one.
 */
static void *
hx_stream_map_value(hx_map_block_t *mb, hx_str_t *text)
{
    hx_str_t                             v;
    hx_stream_complex_value_t           *cv;
    hx_stream_variable_value_t          *var;
    hx_stream_compile_complex_value_t    ccv;

    var = hx_pcalloc(mb->keys.pool, sizeof(hx_stream_variable_value_t));
    cv = hx_pcalloc(mb->keys.pool, sizeof(hx_stream_complex_value_t));
    v.data = hx_pnalloc(mb->keys.pool, text->len ? text->len : 1);

    if (var == NULL || cv == NULL || v.data == NULL) {
        return NULL;
    }

    hx_memcpy(v.data, text->data, text->len);
    v.len = text->len;

    hx_memzero(&ccv, sizeof(hx_stream_compile_complex_value_t));

    ccv.cf = mb->cf;
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

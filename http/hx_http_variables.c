/*
 * The variable registry: declaring variables, resolving the names a
 * configuration uses into indexes, computing values per request, and the
 * regex helpers whose captures become variables.
 *
 * While the http block is parsed, declarations go into a keys array and
 * uses into cmcf->variables (one slot per distinct name).  When the block
 * ends every used name is bound to its declaration, either directly or
 * through a prefix variable ($http_foo through "http_"); a name nobody
 * declared is an [emerg] "unknown variable".  The declarations then
 * become a hash for the rare lookups by name at request time.
 *
 * Each request has r->variables[cmcf->variables.nelts]: a value is
 * computed on first use and cached there, except for NOCACHEABLE
 * variables ($uri changes as the request is rewritten), which are
 * recomputed when read through hx_http_get_flushed_variable().
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


hx_http_variable_value_t  hx_http_variable_null_value =
    hx_http_variable("");
hx_http_variable_value_t  hx_http_variable_true_value =
    hx_http_variable("1");


static hx_http_variable_t *
hx_http_add_prefix_variable(hx_conf_t *cf, hx_str_t *name, hx_uint_t flags)
{
    hx_uint_t                   i;
    hx_http_variable_t         *v;
    hx_http_core_main_conf_t   *cmcf;

    cmcf = hx_http_conf_get_module_main_conf(cf, hx_http_core_module);

    v = cmcf->prefix_variables.elts;
    for (i = 0; i < cmcf->prefix_variables.nelts; i++) {
        if (!hx_str_eq(name, &v[i].name)) {
            continue;
        }

        v = &v[i];

        if (!(v->flags & HX_HTTP_VAR_CHANGEABLE)) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "the duplicate \"%V\" variable", name);
            return NULL;
        }

        if (!(flags & HX_HTTP_VAR_WEAK)) {
            v->flags &= ~HX_HTTP_VAR_WEAK;
        }

        return v;
    }

    v = hx_array_push(&cmcf->prefix_variables);
    if (v == NULL) {
        return NULL;
    }

    v->name.len = name->len;
    v->name.data = hx_pnalloc(cf->pool, name->len);
    if (v->name.data == NULL) {
        return NULL;
    }

    hx_strlow(v->name.data, name->data, name->len);

    v->set_handler = NULL;
    v->get_handler = NULL;
    v->data = 0;
    v->flags = flags;
    v->index = 0;

    return v;
}


hx_http_variable_t *
hx_http_add_variable(hx_conf_t *cf, hx_str_t *name, hx_uint_t flags)
{
    hx_int_t                    rc;
    hx_uint_t                   i;
    hx_hash_key_t              *key;
    hx_http_variable_t         *v;
    hx_http_core_main_conf_t   *cmcf;

    if (name->len == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid variable name \"$\"");
        return NULL;
    }

    if (flags & HX_HTTP_VAR_PREFIX) {
        return hx_http_add_prefix_variable(cf, name, flags);
    }

    cmcf = hx_http_conf_get_module_main_conf(cf, hx_http_core_module);

    key = cmcf->variables_keys->keys.elts;
    for (i = 0; i < cmcf->variables_keys->keys.nelts; i++) {
        if (name->len != key[i].key.len
            || hx_strncasecmp(name->data, key[i].key.data, name->len) != 0)
        {
            continue;
        }

        v = key[i].value;

        if (!(v->flags & HX_HTTP_VAR_CHANGEABLE)) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "the duplicate \"%V\" variable", name);
            return NULL;
        }

        if (!(flags & HX_HTTP_VAR_WEAK)) {
            v->flags &= ~HX_HTTP_VAR_WEAK;
        }

        return v;
    }

    v = hx_palloc(cf->pool, sizeof(hx_http_variable_t));
    if (v == NULL) {
        return NULL;
    }

    v->name.len = name->len;
    v->name.data = hx_pnalloc(cf->pool, name->len);
    if (v->name.data == NULL) {
        return NULL;
    }

    hx_strlow(v->name.data, name->data, name->len);

    v->set_handler = NULL;
    v->get_handler = NULL;
    v->data = 0;
    v->flags = flags;
    v->index = 0;

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


hx_int_t
hx_http_get_variable_index(hx_conf_t *cf, hx_str_t *name)
{
    hx_uint_t                   i;
    hx_http_variable_t         *v;
    hx_http_core_main_conf_t   *cmcf;

    if (name->len == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid variable name \"$\"");
        return HX_ERROR;
    }

    cmcf = hx_http_conf_get_module_main_conf(cf, hx_http_core_module);

    v = cmcf->variables.elts;

    if (v == NULL) {
        if (hx_array_init(&cmcf->variables, cf->pool, 4,
                          sizeof(hx_http_variable_t))
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
                return i;
            }
        }
    }

    v = hx_array_push(&cmcf->variables);
    if (v == NULL) {
        return HX_ERROR;
    }

    v->name.len = name->len;
    v->name.data = hx_pnalloc(cf->pool, name->len);
    if (v->name.data == NULL) {
        return HX_ERROR;
    }

    hx_strlow(v->name.data, name->data, name->len);

    v->set_handler = NULL;
    v->get_handler = NULL;
    v->data = 0;
    v->flags = 0;
    v->index = cmcf->variables.nelts - 1;

    return v->index;
}


hx_http_variable_value_t *
hx_http_get_indexed_variable(hx_http_request_t *r, hx_uint_t index)
{
    hx_http_variable_t         *v;
    hx_http_core_main_conf_t   *cmcf;

    cmcf = hx_http_get_module_main_conf(r, hx_http_core_module);

    if (cmcf->variables.nelts <= index) {
        hx_log_error(HX_LOG_ALERT, r->connection->log, 0,
                     "unknown variable index: %ui", index);
        return NULL;
    }

    if (r->variables[index].not_found || r->variables[index].valid) {
        return &r->variables[index];
    }

    v = cmcf->variables.elts;

    if (v[index].get_handler(r, &r->variables[index], v[index].data)
        == HX_OK)
    {
        if (v[index].flags & HX_HTTP_VAR_NOCACHEABLE) {
            r->variables[index].no_cacheable = 1;
        }

        return &r->variables[index];
    }

    r->variables[index].valid = 0;
    r->variables[index].not_found = 1;

    return NULL;
}


hx_http_variable_value_t *
hx_http_get_flushed_variable(hx_http_request_t *r, hx_uint_t index)
{
    hx_http_variable_value_t  *v;

    v = &r->variables[index];

    if (v->valid || v->not_found) {
        if (!v->no_cacheable) {
            return v;
        }

        v->valid = 0;
        v->not_found = 0;
    }

    return hx_http_get_indexed_variable(r, index);
}


hx_http_variable_value_t *
hx_http_get_variable(hx_http_request_t *r, hx_str_t *name, hx_uint_t key)
{
    size_t                      len;
    hx_uint_t                   i, n;
    hx_http_variable_t         *v;
    hx_http_variable_value_t   *vv;
    hx_http_core_main_conf_t   *cmcf;

    cmcf = hx_http_get_module_main_conf(r, hx_http_core_module);

    v = hx_hash_find(&cmcf->variables_hash, key, name->data, name->len);

    if (v) {
        if (v->flags & HX_HTTP_VAR_INDEXED) {
            return hx_http_get_flushed_variable(r, v->index);
        }

        vv = hx_palloc(r->pool, sizeof(hx_http_variable_value_t));

        if (vv && v->get_handler(r, vv, v->data) == HX_OK) {
            return vv;
        }

        return NULL;
    }

    vv = hx_palloc(r->pool, sizeof(hx_http_variable_value_t));
    if (vv == NULL) {
        return NULL;
    }

    len = 0;

    v = cmcf->prefix_variables.elts;
    n = cmcf->prefix_variables.nelts;

    for (i = 0; i < cmcf->prefix_variables.nelts; i++) {
        if (name->len >= v[i].name.len && name->len > len
            && hx_strncmp(name->data, v[i].name.data, v[i].name.len) == 0)
        {
            len = v[i].name.len;
            n = i;
        }
    }

    if (n != cmcf->prefix_variables.nelts) {
        if (v[n].get_handler(r, vv, (uintptr_t) name) == HX_OK) {
            return vv;
        }

        return NULL;
    }

    vv->not_found = 1;

    return vv;
}


/* binds the used names to declarations; builds the name hash */
hx_int_t
hx_http_variables_init_vars(hx_conf_t *cf)
{
    size_t                      len;
    hx_uint_t                   i, n;
    hx_hash_key_t              *key;
    hx_hash_init_t              hash;
    hx_http_variable_t         *v, *av, *pv;
    hx_http_core_main_conf_t   *cmcf;

    cmcf = hx_http_conf_get_module_main_conf(cf, hx_http_core_module);

    pv = cmcf->prefix_variables.elts;
    key = cmcf->variables_keys->keys.elts;
    v = cmcf->variables.elts;

    for (i = 0; i < cmcf->variables.nelts; i++) {

        for (n = 0; n < cmcf->variables_keys->keys.nelts; n++) {

            av = key[n].value;

            if (v[i].name.len == key[n].key.len
                && hx_strncmp(v[i].name.data, key[n].key.data,
                              v[i].name.len) == 0)
            {
                v[i].get_handler = av->get_handler;
                v[i].data = av->data;

                av->flags |= HX_HTTP_VAR_INDEXED;
                v[i].flags = av->flags;

                av->index = i;

                if (av->get_handler == NULL
                    || (av->flags & HX_HTTP_VAR_WEAK))
                {
                    break;
                }

                goto next;
            }
        }

        len = 0;
        av = NULL;

        for (n = 0; n < cmcf->prefix_variables.nelts; n++) {
            if (v[i].name.len >= pv[n].name.len && v[i].name.len > len
                && hx_strncmp(v[i].name.data, pv[n].name.data,
                              pv[n].name.len) == 0)
            {
                av = &pv[n];
                len = pv[n].name.len;
            }
        }

        if (av) {
            v[i].get_handler = av->get_handler;
            v[i].data = (uintptr_t) &v[i].name;
            v[i].flags = av->flags;

            goto next;
        }

        if (v[i].get_handler == NULL) {
            hx_log_error(HX_LOG_EMERG, cf->log, 0,
                         "unknown \"%V\" variable", &v[i].name);
            return HX_ERROR;
        }

    next:
        continue;
    }

    for (n = 0; n < cmcf->variables_keys->keys.nelts; n++) {
        av = key[n].value;

        if (av->flags & HX_HTTP_VAR_NOHASH) {
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


hx_http_regex_t *
hx_http_regex_compile(hx_conf_t *cf, hx_regex_compile_t *rc)
{
    uint8_t                     *p;
    size_t                       size;
    hx_str_t                     name;
    hx_uint_t                    i, n;
    hx_http_variable_t          *v;
    hx_http_regex_t             *re;
    hx_http_regex_variable_t    *rv;
    hx_http_core_main_conf_t    *cmcf;

    rc->pool = cf->pool;

    if (hx_regex_compile(rc) != HX_OK) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "%V", &rc->err);
        return NULL;
    }

    re = hx_pcalloc(cf->pool, sizeof(hx_http_regex_t));
    if (re == NULL) {
        return NULL;
    }

    re->regex = rc->regex;
    re->ncaptures = rc->captures;
    re->name = rc->pattern;

    cmcf = hx_http_conf_get_module_main_conf(cf, hx_http_core_module);
    cmcf->ncaptures = hx_max(cmcf->ncaptures, re->ncaptures);

    n = (hx_uint_t) rc->named_captures;

    if (n == 0) {
        return re;
    }

    rv = hx_palloc(cf->pool, n * sizeof(hx_http_regex_variable_t));
    if (rv == NULL) {
        return NULL;
    }

    re->variables = rv;
    re->nvariables = n;

    size = rc->name_size;
    p = rc->names;

    for (i = 0; i < n; i++) {
        rv[i].capture = 2 * ((p[0] << 8) + p[1]);

        name.data = &p[2];
        name.len = hx_strlen(name.data);

        v = hx_http_add_variable(cf, &name, HX_HTTP_VAR_CHANGEABLE);
        if (v == NULL) {
            return NULL;
        }

        rv[i].index = hx_http_get_variable_index(cf, &name);
        if (rv[i].index == HX_ERROR) {
            return NULL;
        }

        v->get_handler = hx_http_variable_not_found;

        p += size;
    }

    return re;
}


hx_int_t
hx_http_regex_exec(hx_http_request_t *r, hx_http_regex_t *re, hx_str_t *s)
{
    hx_int_t                     rc, index;
    hx_uint_t                    i, n, len;
    hx_http_variable_value_t    *vv;
    hx_http_core_main_conf_t    *cmcf;

    cmcf = hx_http_get_module_main_conf(r, hx_http_core_module);

    if (re->ncaptures) {
        len = cmcf->ncaptures;

        if (r->captures == NULL || r->realloc_captures) {
            r->realloc_captures = 0;

            r->captures = hx_palloc(r->pool, len * sizeof(int));
            if (r->captures == NULL) {
                return HX_ERROR;
            }
        }

    } else {
        len = 0;
    }

    rc = hx_regex_exec(re->regex, s, r->captures, len);

    if (rc == HX_REGEX_NO_MATCHED) {
        return HX_DECLINED;
    }

    if (rc < 0) {
        hx_log_error(HX_LOG_ALERT, r->connection->log, 0,
                     "regex exec failed: %i on \"%V\" using \"%V\"",
                     rc, s, &re->name);
        return HX_ERROR;
    }

    for (i = 0; i < re->nvariables; i++) {

        n = re->variables[i].capture;
        index = re->variables[i].index;
        vv = &r->variables[index];

        vv->len = r->captures[n + 1] - r->captures[n];
        vv->valid = 1;
        vv->no_cacheable = 0;
        vv->not_found = 0;
        vv->data = &s->data[r->captures[n]];
    }

    if (re->ncaptures) {
        r->ncaptures = rc * 2;
        r->captures_data = s->data;
    }

    return HX_OK;
}


void *
hx_http_map_find(hx_http_request_t *r, hx_http_map_t *map, hx_str_t *match)
{
    void        *value;
    uint8_t     *low;
    size_t       len;
    hx_uint_t    i, key;
    hx_int_t     rc;

    len = match->len;

    if (len) {
        low = hx_pnalloc(r->pool, len);
        if (low == NULL) {
            return NULL;
        }

    } else {
        low = NULL;
    }

    key = hx_hash_strlow(low, match->data, len);

    value = hx_hash_find_combined(&map->hash, key, low, len);
    if (value) {
        return value;
    }

    if (len && map->nregex) {

        for (i = 0; i < map->nregex; i++) {

            rc = hx_http_regex_exec(r, map->regex[i].regex, match);

            if (rc == HX_OK) {
                return map->regex[i].value;
            }

            if (rc == HX_DECLINED) {
                continue;
            }

            /* HX_ERROR */

            return NULL;
        }
    }

    return NULL;
}


/* the value of a named capture never matched in this request */
hx_int_t
hx_http_variable_not_found(hx_http_request_t *r, hx_http_variable_value_t *v,
    uintptr_t data)
{
    (void) r;
    (void) data;

    v->not_found = 1;

    return HX_OK;
}

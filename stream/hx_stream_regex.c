/*
 * Regular expressions in stream: compiled at configuration time with
 * their named captures declared as variables, matched per session with
 * the captures stored in the session for $1..$9, and the lookup tables
 * map and the like build from exact, wildcard and regex keys.
 *
 * One capture array per session, sized for the pattern with the most
 * captures in the whole stream block (the core module's ncaptures), is
 * allocated on the first match and reused by later ones, so matching
 * allocates at most once per session.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>


hx_stream_regex_t *
hx_stream_regex_compile(hx_conf_t *cf, hx_regex_compile_t *rc)
{
    size_t                        size;
    uint8_t                      *p;
    hx_str_t                      name;
    hx_uint_t                     i, n;
    hx_stream_regex_t            *re;
    hx_stream_variable_t         *v;
    hx_stream_regex_variable_t   *rv;
    hx_stream_core_main_conf_t   *cmcf;

    rc->pool = cf->pool;

    if (hx_regex_compile(rc) != HX_OK) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "%V", &rc->err);
        return NULL;
    }

    re = hx_pcalloc(cf->pool, sizeof(hx_stream_regex_t));
    if (re == NULL) {
        return NULL;
    }

    re->regex = rc->regex;
    re->ncaptures = (hx_uint_t) rc->captures;
    re->name = rc->pattern;

    cmcf = hx_stream_conf_get_module_main_conf(cf, hx_stream_core_module);
    cmcf->ncaptures = hx_max(cmcf->ncaptures, re->ncaptures);

    n = (hx_uint_t) rc->named_captures;

    if (n == 0) {
        return re;
    }

    rv = hx_palloc(cf->pool, n * sizeof(hx_stream_regex_variable_t));
    if (rv == NULL) {
        return NULL;
    }

    re->variables = rv;
    re->nvariables = n;

    size = (size_t) rc->name_size;
    p = rc->names;

    for (i = 0; i < n; i++) {

        /* a name table entry: the capture number (2 bytes), the name */

        rv[i].capture = 2 * ((p[0] << 8) + p[1]);

        name.data = &p[2];
        name.len = hx_strlen(name.data);

        v = hx_stream_add_variable(cf, &name, HX_STREAM_VAR_CHANGEABLE);
        if (v == NULL) {
            return NULL;
        }

        rv[i].index = hx_stream_get_variable_index(cf, &name);
        if (rv[i].index == HX_ERROR) {
            return NULL;
        }

        v->get_handler = hx_stream_variable_not_found;

        p += size;
    }

    return re;
}


hx_int_t
hx_stream_regex_exec(hx_stream_session_t *s, hx_stream_regex_t *re,
    hx_str_t *str)
{
    hx_int_t                      rc, index;
    hx_uint_t                     i, n, len;
    hx_stream_variable_value_t   *vv;
    hx_stream_core_main_conf_t   *cmcf;

    cmcf = hx_stream_get_module_main_conf(s, hx_stream_core_module);

    len = 0;

    if (re->ncaptures || re->nvariables) {
        len = cmcf->ncaptures;

        if (s->captures == NULL && len) {
            s->captures = hx_palloc(s->connection->pool, len * sizeof(int));
            if (s->captures == NULL) {
                return HX_ERROR;
            }
        }
    }

    rc = hx_regex_exec(re->regex, str, s->captures, len);

    if (rc == HX_REGEX_NO_MATCHED) {
        return HX_DECLINED;
    }

    if (rc < 0) {
        hx_log_error(HX_LOG_ALERT, s->connection->log, 0,
                     "regex exec failed: %i on \"%V\" using \"%V\"",
                     rc, str, &re->name);
        return HX_ERROR;
    }

    for (i = 0; i < re->nvariables; i++) {
        n = re->variables[i].capture;
        index = re->variables[i].index;
        vv = &s->variables[index];

        vv->len = s->captures[n + 1] - s->captures[n];
        vv->valid = 1;
        vv->no_cacheable = 0;
        vv->not_found = 0;
        vv->data = &str->data[s->captures[n]];
    }

    if (len) {
        s->ncaptures = (hx_uint_t) rc * 2;
        s->captures_data = str->data;
    }

    return HX_OK;
}


void *
hx_stream_map_find(hx_stream_session_t *s, hx_stream_map_t *map,
    hx_str_t *match)
{
    void       *value;
    size_t      len;
    uint8_t    *low;
    hx_int_t    rc;
    hx_uint_t   i, key;

    len = match->len;
    low = NULL;

    if (len) {
        low = hx_pnalloc(s->connection->pool, len);
        if (low == NULL) {
            return NULL;
        }
    }

    key = hx_hash_strlow(low, match->data, len);

    value = hx_hash_find_combined(&map->hash, key, low, len);
    if (value) {
        return value;
    }

    if (len == 0) {
        return NULL;
    }

    for (i = 0; i < map->nregex; i++) {

        rc = hx_stream_regex_exec(s, map->regex[i].regex, match);

        if (rc == HX_OK) {
            return map->regex[i].value;
        }

        if (rc != HX_DECLINED) {
            return NULL;
        }
    }

    return NULL;
}


hx_int_t
hx_stream_variable_not_found(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    (void) s;
    (void) data;

    v->not_found = 1;

    return HX_OK;
}

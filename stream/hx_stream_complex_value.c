/*
 * Complex values: strings with variables, compiled while the stream
 * block is parsed and evaluated per session.
 *
 * Compiling splits the source at every "$name", "${name}" or "$1".."$9"
 * into parts: literal text (pointing into the source, which lives in the
 * cycle's pool), a variable index, or a regex capture.  Evaluating
 * fetches each variable once into a small array of values, adds up the
 * lengths, allocates once from the session's pool and copies.  Fetching
 * first and copying second means a not cacheable variable is evaluated
 * exactly once per evaluation, so its length can't change between the
 * two passes the way it could if each pass asked the variable again.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>


static hx_int_t hx_stream_cv_add_part(hx_array_t *parts,
    hx_stream_cv_part_type_e type, hx_str_t *text, hx_uint_t index);
static hx_int_t hx_stream_cv_parse(hx_stream_compile_complex_value_t *ccv,
    hx_array_t *parts);
static hx_int_t hx_stream_cv_part_value(hx_stream_session_t *s,
    hx_stream_cv_part_t *part, hx_str_t *value);
static char *hx_stream_set_complex_value(hx_conf_t *cf, hx_command_t *cmd,
    void *conf, hx_uint_t zero);


hx_int_t
hx_stream_compile_complex_value(hx_stream_compile_complex_value_t *ccv)
{
    hx_str_t                    *v;
    hx_uint_t                    nv;
    hx_array_t                   parts;
    hx_stream_complex_value_t   *cv;

    v = ccv->value;
    cv = ccv->complex_value;

    nv = hx_stream_script_variables_count(v);

    if ((v->len == 0 || v->data[0] != '$')
        && (ccv->conf_prefix || ccv->root_prefix))
    {
        if (hx_conf_full_name(ccv->cf->cycle, v, ccv->conf_prefix) != HX_OK) {
            return HX_ERROR;
        }

        ccv->conf_prefix = 0;
        ccv->root_prefix = 0;
    }

    hx_memzero(cv, sizeof(hx_stream_complex_value_t));

    cv->value = *v;
    cv->zero = ccv->zero;

    if (nv == 0) {
        if (ccv->zero) {

            /* a constant that must be NUL-terminated: keep a copy that is */

            cv->value.data = hx_pstrdup(ccv->cf->pool, v);
            if (cv->value.data == NULL) {
                return HX_ERROR;
            }
        }

        return HX_OK;
    }

    if (ccv->conf_prefix || ccv->root_prefix) {
        cv->prefix = ccv->conf_prefix ? ccv->cf->cycle->conf_prefix
                                      : ccv->cf->cycle->prefix;
    }

    /* at most: text, variable, text, ..., variable, text */

    if (hx_array_init(&parts, ccv->cf->pool, 2 * nv + 1,
                      sizeof(hx_stream_cv_part_t))
        != HX_OK)
    {
        return HX_ERROR;
    }

    if (hx_stream_cv_parse(ccv, &parts) != HX_OK) {
        return HX_ERROR;
    }

    cv->parts = parts.elts;
    cv->nparts = parts.nelts;

    return HX_OK;
}


/*
 * The grammar is nginx's: after "$", either "{name}" or the longest run
 * of [A-Za-z0-9_]; a digit 1-9 right after "$" is a capture.  Anything
 * else is literal text.
 */
static hx_int_t
hx_stream_cv_parse(hx_stream_compile_complex_value_t *ccv,
    hx_array_t *parts)
{
    uint8_t                      ch;
    hx_int_t                     index;
    hx_str_t                     name, *src;
    hx_uint_t                    i, bracket;
    hx_stream_core_main_conf_t  *cmcf;

    src = ccv->value;

    for (i = 0; i < src->len; /* void */ ) {

        name.len = 0;

        if (src->data[i] != '$') {
            name.data = &src->data[i];

            while (i < src->len && src->data[i] != '$') {
                i++;
                name.len++;
            }

            if (hx_stream_cv_add_part(parts, HX_STREAM_CV_TEXT, &name, 0)
                != HX_OK)
            {
                return HX_ERROR;
            }

            continue;
        }

        if (++i == src->len) {
            goto invalid_variable;
        }

        if (src->data[i] >= '1' && src->data[i] <= '9') {
            index = src->data[i] - '0';

            cmcf = hx_stream_conf_get_module_main_conf(ccv->cf,
                                                       hx_stream_core_module);
            if (cmcf->ncaptures < (hx_uint_t) index) {
                cmcf->ncaptures = index;
            }

            /* captures are offset pairs: $n starts at 2 * n */

            if (hx_stream_cv_add_part(parts, HX_STREAM_CV_CAPTURE, NULL,
                                      2 * (hx_uint_t) index)
                != HX_OK)
            {
                return HX_ERROR;
            }

            i++;
            continue;
        }

        bracket = 0;

        if (src->data[i] == '{') {
            bracket = 1;

            if (++i == src->len) {
                goto invalid_variable;
            }
        }

        name.data = &src->data[i];

        for ( /* void */ ; i < src->len; i++, name.len++) {
            ch = src->data[i];

            if (ch == '}' && bracket) {
                i++;
                bracket = 0;
                break;
            }

            if ((ch >= 'A' && ch <= 'Z')
                || (ch >= 'a' && ch <= 'z')
                || (ch >= '0' && ch <= '9')
                || ch == '_')
            {
                continue;
            }

            break;
        }

        if (bracket) {
            hx_conf_log_error(HX_LOG_EMERG, ccv->cf, 0,
                              "the closing bracket in \"%V\" "
                              "variable is missing", &name);
            return HX_ERROR;
        }

        if (name.len == 0) {
            goto invalid_variable;
        }

        index = hx_stream_get_variable_index(ccv->cf, &name);
        if (index == HX_ERROR) {
            return HX_ERROR;
        }

        if (hx_stream_cv_add_part(parts, HX_STREAM_CV_VARIABLE, NULL,
                                  (hx_uint_t) index)
            != HX_OK)
        {
            return HX_ERROR;
        }
    }

    return HX_OK;

invalid_variable:

    hx_conf_log_error(HX_LOG_EMERG, ccv->cf, 0, "invalid variable name");

    return HX_ERROR;
}


static hx_int_t
hx_stream_cv_add_part(hx_array_t *parts, hx_stream_cv_part_type_e type,
    hx_str_t *text, hx_uint_t index)
{
    hx_stream_cv_part_t  *part;

    part = hx_array_push(parts);
    if (part == NULL) {
        return HX_ERROR;
    }

    part->type = type;
    part->index = index;

    if (text) {
        part->text = *text;

    } else {
        hx_str_null(&part->text);
    }

    return HX_OK;
}


hx_int_t
hx_stream_complex_value(hx_stream_session_t *s,
    hx_stream_complex_value_t *cv, hx_str_t *value)
{
    size_t        len;
    uint8_t      *p;
    hx_str_t     *vals;
    hx_uint_t     i, prefix;

    if (cv->parts == NULL) {
        *value = cv->value;
        return HX_OK;
    }

    vals = hx_palloc(s->connection->pool, cv->nparts * sizeof(hx_str_t));
    if (vals == NULL) {
        return HX_ERROR;
    }

    len = 0;

    for (i = 0; i < cv->nparts; i++) {
        if (hx_stream_cv_part_value(s, &cv->parts[i], &vals[i]) != HX_OK) {
            return HX_ERROR;
        }

        len += vals[i].len;
    }

    /* a file name that came out relative gets the prefix it was meant to */

    prefix = cv->prefix.len
             && (len == 0 || vals[0].len == 0 || vals[0].data[0] != '/');

    if (prefix) {
        len += cv->prefix.len;
    }

    p = hx_pnalloc(s->connection->pool, len + cv->zero);
    if (p == NULL) {
        return HX_ERROR;
    }

    value->data = p;
    value->len = len;

    if (prefix) {
        p = hx_cpymem(p, cv->prefix.data, cv->prefix.len);
    }

    for (i = 0; i < cv->nparts; i++) {

        /* an empty value may have no data pointer at all */

        if (vals[i].len) {
            p = hx_cpymem(p, vals[i].data, vals[i].len);
        }
    }

    if (cv->zero) {
        *p = '\0';
    }

    return HX_OK;
}


/* the text of one part; a variable or capture without a value is "" */
static hx_int_t
hx_stream_cv_part_value(hx_stream_session_t *s, hx_stream_cv_part_t *part,
    hx_str_t *value)
{
    hx_uint_t                    n;
    hx_stream_variable_value_t  *vv;

    switch (part->type) {

    case HX_STREAM_CV_TEXT:
        *value = part->text;
        return HX_OK;

    case HX_STREAM_CV_VARIABLE:
        vv = hx_stream_get_flushed_variable(s, part->index);

        if (vv == NULL) {
            return HX_ERROR;
        }

        if (vv->not_found) {
            value->len = 0;
            value->data = NULL;
            return HX_OK;
        }

        value->len = vv->len;
        value->data = vv->data;
        return HX_OK;

    default: /* HX_STREAM_CV_CAPTURE */
        n = part->index;

        if (n + 1 < s->ncaptures && s->captures[n + 1] >= s->captures[n]) {
            value->len = s->captures[n + 1] - s->captures[n];
            value->data = s->captures_data + s->captures[n];

        } else {
            value->len = 0;
            value->data = NULL;
        }

        return HX_OK;
    }
}


size_t
hx_stream_complex_value_size(hx_stream_session_t *s,
    hx_stream_complex_value_t *cv, size_t default_value)
{
    ssize_t   size;
    hx_str_t  value;

    if (cv == NULL) {
        return default_value;
    }

    if (cv->parts == NULL) {
        return cv->u.size;
    }

    if (hx_stream_complex_value(s, cv, &value) != HX_OK) {
        return default_value;
    }

    size = hx_parse_size(&value);

    if (size == HX_ERROR) {
        hx_log_error(HX_LOG_ERR, s->connection->log, 0,
                     "invalid size \"%V\"", &value);
        return default_value;
    }

    return (size_t) size;
}


/* the setters share this: a complex value at cmd->offset, unset or NULL */
static char *
hx_stream_set_complex_value(hx_conf_t *cf, hx_command_t *cmd, void *conf,
    hx_uint_t zero)
{
    char                                *p = conf;
    hx_str_t                            *value;
    hx_stream_complex_value_t          **cv;
    hx_stream_compile_complex_value_t    ccv;

    cv = (hx_stream_complex_value_t **) (p + cmd->offset);

    if (*cv != HX_CONF_UNSET_PTR && *cv != NULL) {
        return "is duplicate";
    }

    *cv = hx_palloc(cf->pool, sizeof(hx_stream_complex_value_t));
    if (*cv == NULL) {
        return HX_CONF_ERROR;
    }

    value = cf->args->elts;

    hx_memzero(&ccv, sizeof(hx_stream_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = *cv;
    ccv.zero = zero;

    if (hx_stream_compile_complex_value(&ccv) != HX_OK) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


char *
hx_stream_set_complex_value_slot(hx_conf_t *cf, hx_command_t *cmd,
    void *conf)
{
    return hx_stream_set_complex_value(cf, cmd, conf, 0);
}


char *
hx_stream_set_complex_value_zero_slot(hx_conf_t *cf, hx_command_t *cmd,
    void *conf)
{
    return hx_stream_set_complex_value(cf, cmd, conf, 1);
}


char *
hx_stream_set_complex_value_size_slot(hx_conf_t *cf, hx_command_t *cmd,
    void *conf)
{
    char                       *p = conf;
    char                       *rv;
    ssize_t                     size;
    hx_stream_complex_value_t  *cv;

    rv = hx_stream_set_complex_value(cf, cmd, conf, 0);

    if (rv != HX_CONF_OK) {
        return rv;
    }

    cv = *(hx_stream_complex_value_t **) (p + cmd->offset);

    if (cv->parts) {
        return HX_CONF_OK;
    }

    size = hx_parse_size(&cv->value);
    if (size == HX_ERROR) {
        return "invalid value";
    }

    cv->u.size = (size_t) size;

    return HX_CONF_OK;
}


hx_uint_t
hx_stream_script_variables_count(hx_str_t *value)
{
    hx_uint_t  i, n;

    for (n = 0, i = 0; i < value->len; i++) {
        if (value->data[i] == '$') {
            n++;
        }
    }

    return n;
}

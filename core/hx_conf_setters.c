/*
 * The generic directive setters.  Each stores cf->args into the field at
 * cmd->offset of the conf struct the dispatcher found, refuses a second
 * occurrence with "is duplicate" (the field is no longer "unset"), and runs
 * the optional post handler (bounds, deprecation notice, enum check).
 * Adding a directive of a plain type is one table row and no code.
 */

#include <hx_config.h>
#include <hx_core.h>


#define hx_conf_field(conf, cmd, type)                                        \
    ((type *) ((char *) (conf) + (cmd)->offset))


static char *
hx_conf_run_post(hx_conf_t *cf, hx_command_t *cmd, void *field)
{
    hx_conf_post_t  *post;

    post = cmd->post;

    if (post) {
        return post->post_handler(cf, post, field);
    }

    return HX_CONF_OK;
}


char *
hx_conf_set_flag_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t   *value;
    hx_flag_t  *fp;

    fp = hx_conf_field(conf, cmd, hx_flag_t);

    if (*fp != HX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (hx_strcasecmp(value[1].data, (uint8_t *) "on") == 0) {
        *fp = 1;

    } else if (hx_strcasecmp(value[1].data, (uint8_t *) "off") == 0) {
        *fp = 0;

    } else {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid value \"%s\" in \"%s\" directive, "
                          "it must be \"on\" or \"off\"",
                          value[1].data, cmd->name.data);
        return HX_CONF_ERROR;
    }

    return hx_conf_run_post(cf, cmd, fp);
}


char *
hx_conf_set_str_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t  *field, *value;

    field = hx_conf_field(conf, cmd, hx_str_t);

    if (field->data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    *field = value[1];

    return hx_conf_run_post(cf, cmd, field);
}


char *
hx_conf_set_str_array_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t     *value, *s;
    hx_array_t  **a;

    a = hx_conf_field(conf, cmd, hx_array_t *);

    if (*a == HX_CONF_UNSET_PTR || *a == NULL) {
        *a = hx_array_create(cf->pool, 4, sizeof(hx_str_t));
        if (*a == NULL) {
            return HX_CONF_ERROR;
        }
    }

    s = hx_array_push(*a);
    if (s == NULL) {
        return HX_CONF_ERROR;
    }

    value = cf->args->elts;

    *s = value[1];

    return hx_conf_run_post(cf, cmd, s);
}


char *
hx_conf_set_keyval_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t      *value;
    hx_array_t   **a;
    hx_keyval_t   *kv;

    a = hx_conf_field(conf, cmd, hx_array_t *);

    if (*a == HX_CONF_UNSET_PTR || *a == NULL) {
        *a = hx_array_create(cf->pool, 4, sizeof(hx_keyval_t));
        if (*a == NULL) {
            return HX_CONF_ERROR;
        }
    }

    kv = hx_array_push(*a);
    if (kv == NULL) {
        return HX_CONF_ERROR;
    }

    value = cf->args->elts;

    kv->key = value[1];
    kv->value = value[2];

    return hx_conf_run_post(cf, cmd, kv);
}


char *
hx_conf_set_num_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_int_t  *np;
    hx_str_t  *value;

    np = hx_conf_field(conf, cmd, hx_int_t);

    if (*np != HX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;
    *np = hx_atoi(value[1].data, value[1].len);

    if (*np == HX_ERROR) {
        return "invalid number";
    }

    return hx_conf_run_post(cf, cmd, np);
}


char *
hx_conf_set_size_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    size_t    *sp;
    hx_str_t  *value;

    sp = hx_conf_field(conf, cmd, size_t);

    if (*sp != HX_CONF_UNSET_SIZE) {
        return "is duplicate";
    }

    value = cf->args->elts;

    *sp = hx_parse_size(&value[1]);

    if (*sp == (size_t) HX_ERROR) {
        return "invalid value";
    }

    return hx_conf_run_post(cf, cmd, sp);
}


char *
hx_conf_set_off_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    off_t     *op;
    hx_str_t  *value;

    op = hx_conf_field(conf, cmd, off_t);

    if (*op != HX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    *op = hx_parse_offset(&value[1]);

    if (*op == (off_t) HX_ERROR) {
        return "invalid value";
    }

    return hx_conf_run_post(cf, cmd, op);
}


char *
hx_conf_set_msec_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_int_t    ms;
    hx_str_t   *value;
    hx_msec_t  *msp;

    msp = hx_conf_field(conf, cmd, hx_msec_t);

    if (*msp != HX_CONF_UNSET_MSEC) {
        return "is duplicate";
    }

    value = cf->args->elts;

    ms = hx_parse_time(&value[1], 0);

    if (ms == HX_ERROR) {
        return "invalid value";
    }

    *msp = (hx_msec_t) ms;

    return hx_conf_run_post(cf, cmd, msp);
}


char *
hx_conf_set_sec_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    time_t    *sp;
    hx_str_t  *value;

    sp = hx_conf_field(conf, cmd, time_t);

    if (*sp != HX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    *sp = hx_parse_time(&value[1], 1);

    if (*sp == (time_t) HX_ERROR) {
        return "invalid value";
    }

    return hx_conf_run_post(cf, cmd, sp);
}


char *
hx_conf_set_bufs_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t   *value;
    hx_bufs_t  *bufs;

    bufs = hx_conf_field(conf, cmd, hx_bufs_t);

    if (bufs->num) {
        return "is duplicate";
    }

    value = cf->args->elts;

    bufs->num = hx_atoi(value[1].data, value[1].len);
    if (bufs->num == HX_ERROR || bufs->num == 0) {
        return "invalid value";
    }

    bufs->size = hx_parse_size(&value[2]);
    if (bufs->size == (size_t) HX_ERROR || bufs->size == 0) {
        return "invalid value";
    }

    return hx_conf_run_post(cf, cmd, bufs);
}


char *
hx_conf_set_enum_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_uint_t       *np, i;
    hx_str_t        *value;
    hx_conf_enum_t  *e;

    np = hx_conf_field(conf, cmd, hx_uint_t);

    if (*np != HX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    e = cmd->post;

    for (i = 0; e[i].name.len != 0; i++) {
        if (e[i].name.len == value[1].len
            && hx_strcasecmp(e[i].name.data, value[1].data) == 0)
        {
            *np = e[i].value;
            return HX_CONF_OK;
        }
    }

    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                      "invalid value \"%s\"", value[1].data);

    return HX_CONF_ERROR;
}


char *
hx_conf_set_bitmask_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_uint_t          *np, i, m;
    hx_str_t           *value;
    hx_conf_bitmask_t  *mask;

    np = hx_conf_field(conf, cmd, hx_uint_t);
    value = cf->args->elts;
    mask = cmd->post;

    for (i = 1; i < cf->args->nelts; i++) {
        for (m = 0; mask[m].name.len != 0; m++) {

            if (mask[m].name.len != value[i].len
                || hx_strcasecmp(mask[m].name.data, value[i].data) != 0)
            {
                continue;
            }

            if (*np & mask[m].mask) {
                hx_conf_log_error(HX_LOG_WARN, cf, 0,
                                  "duplicate value \"%s\"", value[i].data);

            } else {
                *np |= mask[m].mask;
            }

            break;
        }

        if (mask[m].name.len == 0) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid value \"%s\"", value[i].data);

            return HX_CONF_ERROR;
        }
    }

    return HX_CONF_OK;
}


char *
hx_conf_unsupported(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    (void) cf;
    (void) cmd;
    (void) conf;

    return "is not supported by hanx";
}


char *
hx_conf_deprecated(hx_conf_t *cf, void *post, void *data)
{
    hx_conf_deprecated_t  *d = post;

    (void) data;

    hx_conf_log_error(HX_LOG_WARN, cf, 0,
                      "the \"%s\" directive is deprecated, "
                      "use the \"%s\" directive instead",
                      d->old_name, d->new_name);

    return HX_CONF_OK;
}


char *
hx_conf_check_num_bounds(hx_conf_t *cf, void *post, void *data)
{
    hx_conf_num_bounds_t  *bounds = post;
    hx_int_t              *np = data;

    if (bounds->high == -1) {
        if (*np >= bounds->low) {
            return HX_CONF_OK;
        }

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "value must be equal to or greater than %i",
                          bounds->low);

        return HX_CONF_ERROR;
    }

    if (*np >= bounds->low && *np <= bounds->high) {
        return HX_CONF_OK;
    }

    hx_conf_log_error(HX_LOG_EMERG, cf, 0, "value must be between %i and %i",
                      bounds->low, bounds->high);

    return HX_CONF_ERROR;
}

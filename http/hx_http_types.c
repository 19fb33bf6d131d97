/*
 * MIME type lists for modules that act on some response types only
 * (gzip_types, charset_types, ...): the directive setter, the merge that
 * builds the lookup hash once per level, and the test against a
 * response's Content-Type.  A list is an array of hash keys while
 * parsing, the pointer -1 for "*" (every type), and a hash afterwards.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


/* the value every key maps to: anything not NULL */
#define HX_HTTP_TYPE_PRESENT  ((void *) 4)


static hx_hash_key_t *
hx_http_types_push(hx_array_t *types, hx_str_t *type, hx_uint_t hash)
{
    hx_hash_key_t  *key;

    key = hx_array_push(types);
    if (key == NULL) {
        return NULL;
    }

    key->key = *type;
    key->key_hash = hash;
    key->value = HX_HTTP_TYPE_PRESENT;

    return key;
}


char *
hx_http_types_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char  *p = conf;

    hx_str_t         *value, *default_type;
    hx_uint_t         i, n, hash;
    hx_array_t      **types;
    hx_hash_key_t    *type;

    types = (hx_array_t **) (p + cmd->offset);

    if (*types == HX_HTTP_TYPES_ANY) {
        return HX_CONF_OK;
    }

    default_type = cmd->post;

    if (*types == NULL) {
        *types = hx_array_create(cf->temp_pool, 1, sizeof(hx_hash_key_t));
        if (*types == NULL) {
            return HX_CONF_ERROR;
        }

        if (default_type
            && hx_http_types_push(*types, default_type,
                                  hx_hash_key(default_type->data,
                                              default_type->len))
               == NULL)
        {
            return HX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len == 1 && value[i].data[0] == '*') {
            *types = HX_HTTP_TYPES_ANY;
            return HX_CONF_OK;
        }

        hash = hx_hash_strlow(value[i].data, value[i].data, value[i].len);
        value[i].data[value[i].len] = '\0';

        type = (*types)->elts;
        for (n = 0; n < (*types)->nelts; n++) {
            if (hx_str_eq(&value[i], &type[n].key)) {
                hx_conf_log_error(HX_LOG_WARN, cf, 0,
                                  "duplicate MIME type \"%V\"", &value[i]);
                goto next;
            }
        }

        if (hx_http_types_push(*types, &value[i], hash) == NULL) {
            return HX_CONF_ERROR;
        }

    next:
        continue;
    }

    return HX_CONF_OK;
}


hx_int_t
hx_http_set_default_types(hx_conf_t *cf, hx_array_t **types,
    hx_str_t *default_type)
{
    *types = hx_array_create(cf->temp_pool, 1, sizeof(hx_hash_key_t));
    if (*types == NULL) {
        return HX_ERROR;
    }

    for ( /* void */ ; default_type->len; default_type++) {
        if (hx_http_types_push(*types, default_type,
                               hx_hash_key(default_type->data,
                                           default_type->len))
            == NULL)
        {
            return HX_ERROR;
        }
    }

    return HX_OK;
}


static hx_int_t
hx_http_types_hash(hx_conf_t *cf, hx_hash_t *types_hash, hx_array_t *keys)
{
    hx_hash_init_t  hash;

    hash.hash = types_hash;
    hash.key = NULL;
    hash.max_size = 2048;
    hash.bucket_size = 64;
    hash.name = "test_types_hash";
    hash.pool = cf->pool;
    hash.temp_pool = NULL;

    return hx_hash_init(&hash, keys->elts, keys->nelts);
}


char *
hx_http_merge_types(hx_conf_t *cf, hx_array_t **keys, hx_hash_t *types_hash,
    hx_array_t **prev_keys, hx_hash_t *prev_types_hash,
    hx_str_t *default_types)
{
    if (*keys) {

        if (*keys == HX_HTTP_TYPES_ANY) {
            return HX_CONF_OK;
        }

        if (hx_http_types_hash(cf, types_hash, *keys) != HX_OK) {
            return HX_CONF_ERROR;
        }

        return HX_CONF_OK;
    }

    if (prev_types_hash->buckets == NULL) {

        if (*prev_keys == NULL) {

            if (hx_http_set_default_types(cf, prev_keys, default_types)
                != HX_OK)
            {
                return HX_CONF_ERROR;
            }

        } else if (*prev_keys == HX_HTTP_TYPES_ANY) {
            *keys = *prev_keys;
            return HX_CONF_OK;
        }

        if (hx_http_types_hash(cf, prev_types_hash, *prev_keys) != HX_OK) {
            return HX_CONF_ERROR;
        }
    }

    *types_hash = *prev_types_hash;

    return HX_CONF_OK;
}


void *
hx_http_test_content_type(hx_http_request_t *r, hx_hash_t *types_hash)
{
    uint8_t     c, *lowcase;
    size_t      len;
    hx_uint_t   i, hash;

    if (types_hash->size == 0) {
        /* "*": every type */
        return HX_HTTP_TYPE_PRESENT;
    }

    if (r->headers_out.content_type.len == 0) {
        return NULL;
    }

    len = r->headers_out.content_type_len;

    if (r->headers_out.content_type_lowcase == NULL) {

        lowcase = hx_pnalloc(r->pool, len);
        if (lowcase == NULL) {
            return NULL;
        }

        r->headers_out.content_type_lowcase = lowcase;

        hash = 0;

        for (i = 0; i < len; i++) {
            c = hx_tolower(r->headers_out.content_type.data[i]);
            hash = hx_hash(hash, c);
            lowcase[i] = c;
        }

        r->headers_out.content_type_hash = hash;
    }

    return hx_hash_find(types_hash, r->headers_out.content_type_hash,
                        r->headers_out.content_type_lowcase, len);
}

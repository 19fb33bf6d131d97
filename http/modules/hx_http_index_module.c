/*
 * index: for a URI ending in "/", the first of the configured names that
 * exists in the directory, served through an internal redirect (so the
 * index file gets its own location, content type and filters).  A name
 * starting with "/" is a redirect target that needs no check.
 *
 * Names without variables are copied after the directory path in a
 * buffer sized once for the longest of them; names with variables are
 * evaluated per request.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


#define HX_HTTP_DEFAULT_INDEX   "index.html"


typedef struct {
    hx_str_t                name;      /* with its NUL, when relative */
    hx_array_t             *lengths;
    hx_array_t             *values;
} hx_http_index_t;


typedef struct {
    hx_array_t             *indices;    /* hx_http_index_t */
    size_t                  max_index_len;
} hx_http_index_loc_conf_t;


static hx_int_t hx_http_index_test_dir(hx_http_request_t *r,
    hx_http_core_loc_conf_t *clcf, uint8_t *path, uint8_t *last);
static hx_int_t hx_http_index_error(hx_http_request_t *r,
    hx_http_core_loc_conf_t *clcf, uint8_t *file, hx_err_t err);
static hx_int_t hx_http_index_init(hx_conf_t *cf);
static void *hx_http_index_create_loc_conf(hx_conf_t *cf);
static char *hx_http_index_merge_loc_conf(hx_conf_t *cf, void *parent,
    void *child);
static char *hx_http_index_set_index(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);


static hx_command_t  hx_http_index_commands[] = {

    { hx_string("index"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_1MORE,
      hx_http_index_set_index,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_index_module_ctx = {
    NULL,                                  /* preconfiguration */
    hx_http_index_init,                    /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    hx_http_index_create_loc_conf,         /* create location configuration */
    hx_http_index_merge_loc_conf           /* merge location configuration */
};


hx_module_t  hx_http_index_module = {
    HX_MODULE_V1,
    "hx_http_index_module",
    &hx_http_index_module_ctx,
    hx_http_index_commands,
    HX_HTTP_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


/*
 * Writes the name of index[i] after the directory path.  Sets *name (where
 * the name starts), path->len and *len (the name's length plus one), or
 * returns HX_DONE when the evaluated name is absolute (uri set), or an
 * HTTP status.
 */
static hx_int_t
hx_http_index_name(hx_http_request_t *r, hx_http_index_t *index,
    hx_http_index_loc_conf_t *ilcf, hx_str_t *path, size_t *root,
    uint8_t **name, size_t *allocated, size_t *len, hx_str_t *uri)
{
    size_t                        reserve;
    hx_http_script_code_pt        code;
    hx_http_script_engine_t       e;
    hx_http_script_len_code_pt    lcode;

    if (index->lengths == NULL) {
        reserve = ilcf->max_index_len;
        *len = index->name.len;

    } else {
        hx_memzero(&e, sizeof(hx_http_script_engine_t));

        e.ip = index->lengths->elts;
        e.request = r;
        e.flushed = 1;

        /* the NUL, as in the names without variables */
        *len = 1;

        while (*(uintptr_t *) e.ip) {
            lcode = *(hx_http_script_len_code_pt *) e.ip;
            *len += lcode(&e);
        }

        reserve = *len + 16;
    }

    if (reserve > *allocated) {

        *name = hx_http_map_uri_to_path(r, path, root, reserve);
        if (*name == NULL) {
            return HX_HTTP_INTERNAL_SERVER_ERROR;
        }

        *allocated = path->data + path->len - *name;
    }

    if (index->values == NULL) {

        /* the name's length includes its NUL */

        hx_memcpy(*name, index->name.data, index->name.len);

        path->len = (*name + index->name.len - 1) - path->data;

        return HX_OK;
    }

    hx_memzero(&e, sizeof(hx_http_script_engine_t));

    e.ip = index->values->elts;
    e.pos = *name;
    e.end = *name + *allocated;
    e.request = r;

    while (*(uintptr_t *) e.ip) {
        code = *(hx_http_script_code_pt *) e.ip;
        code(&e);
    }

    if (e.status || e.pos >= e.end) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (**name == '/') {
        uri->len = e.pos - *name;
        uri->data = *name;
        return HX_DONE;
    }

    *len = e.pos - *name + 1;
    path->len = e.pos - path->data;

    *e.pos = '\0';

    return HX_OK;
}


static hx_int_t
hx_http_index_handler(hx_http_request_t *r)
{
    uint8_t                      *p, *name;
    size_t                        len, root, allocated;
    hx_int_t                      rc;
    hx_str_t                      path, uri;
    hx_uint_t                     i, dir_tested;
    hx_http_index_t              *index;
    hx_http_core_loc_conf_t      *clcf;
    hx_http_index_loc_conf_t     *ilcf;
    hx_http_open_file_info_t      of;

    if (r->uri.data[r->uri.len - 1] != '/') {
        return HX_DECLINED;
    }

    if (!(r->method & (HX_HTTP_GET|HX_HTTP_HEAD|HX_HTTP_POST))) {
        return HX_DECLINED;
    }

    ilcf = hx_http_get_module_loc_conf(r, hx_http_index_module);
    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    allocated = 0;
    root = 0;
    dir_tested = 0;
    name = NULL;
    path.data = NULL;
    path.len = 0;

    index = ilcf->indices->elts;

    for (i = 0; i < ilcf->indices->nelts; i++) {

        if (index[i].lengths == NULL && index[i].name.data[0] == '/') {
            return hx_http_internal_redirect(r, &index[i].name, &r->args);
        }

        rc = hx_http_index_name(r, &index[i], ilcf, &path, &root, &name,
                                &allocated, &len, &uri);

        if (rc == HX_DONE) {
            return hx_http_internal_redirect(r, &uri, &r->args);
        }

        if (rc != HX_OK) {
            return rc;
        }

        hx_memzero(&of, sizeof(hx_http_open_file_info_t));

        of.test_only = 1;
        of.disable_symlinks = clcf->disable_symlinks;

        if (hx_http_open_file(r, &path, &of) != HX_OK) {

            if (of.err == 0) {
                return HX_HTTP_INTERNAL_SERVER_ERROR;
            }

            if (of.err == EMLINK || of.err == ELOOP) {
                return HX_HTTP_FORBIDDEN;
            }

            if (of.err == ENOTDIR || of.err == ENAMETOOLONG
                || of.err == EACCES)
            {
                return hx_http_index_error(r, clcf, path.data, of.err);
            }

            if (!dir_tested) {
                rc = hx_http_index_test_dir(r, clcf, path.data, name - 1);

                if (rc != HX_OK) {
                    return rc;
                }

                dir_tested = 1;
            }

            if (of.err == ENOENT) {
                continue;
            }

            hx_log_error(HX_LOG_CRIT, r->connection->log, of.err,
                         "%s \"%s\" failed", of.failed, path.data);

            return HX_HTTP_INTERNAL_SERVER_ERROR;
        }

        uri.len = r->uri.len + len - 1;

        if (!clcf->alias) {
            uri.data = path.data + root;

        } else {
            uri.data = hx_pnalloc(r->pool, uri.len);
            if (uri.data == NULL) {
                return HX_HTTP_INTERNAL_SERVER_ERROR;
            }

            p = hx_cpymem(uri.data, r->uri.data, r->uri.len);
            hx_memcpy(p, name, len - 1);
        }

        return hx_http_internal_redirect(r, &uri, &r->args);
    }

    return HX_DECLINED;
}


/*
 * After a missing index file: is the directory itself there?  A missing
 * directory is a 404, as nginx answers; a directory that cannot be
 * searched was ruled out by the first check.
 */
static hx_int_t
hx_http_index_test_dir(hx_http_request_t *r, hx_http_core_loc_conf_t *clcf,
    uint8_t *path, uint8_t *last)
{
    uint8_t                     c;
    hx_str_t                    dir;
    hx_http_open_file_info_t    of;

    c = *last;
    if (c != '/' || path == last) {
        /* alias without a trailing slash */
        c = *(++last);
    }

    *last = '\0';

    dir.len = last - path;
    dir.data = path;

    hx_memzero(&of, sizeof(hx_http_open_file_info_t));

    of.test_dir = 1;
    of.test_only = 1;
    of.disable_symlinks = clcf->disable_symlinks;

    if (hx_http_open_file(r, &dir, &of) != HX_OK) {

        if (of.err) {

            if (of.err == EMLINK || of.err == ELOOP) {
                *last = c;
                return HX_HTTP_FORBIDDEN;
            }

            if (of.err == ENOENT) {
                *last = c;
                return hx_http_index_error(r, clcf, dir.data, ENOENT);
            }

            if (of.err == EACCES) {
                *last = c;
                return HX_OK;
            }

            hx_log_error(HX_LOG_CRIT, r->connection->log, of.err,
                         "%s \"%s\" failed", of.failed, dir.data);
        }

        *last = c;
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    *last = c;

    if (of.is_dir) {
        return HX_OK;
    }

    hx_log_error(HX_LOG_ALERT, r->connection->log, 0,
                 "\"%s\" is not a directory", dir.data);

    return HX_HTTP_INTERNAL_SERVER_ERROR;
}


static hx_int_t
hx_http_index_error(hx_http_request_t *r, hx_http_core_loc_conf_t *clcf,
    uint8_t *file, hx_err_t err)
{
    if (err == EACCES) {
        hx_log_error(HX_LOG_ERR, r->connection->log, err,
                     "\"%s\" is forbidden", file);

        return HX_HTTP_FORBIDDEN;
    }

    if (clcf->log_not_found) {
        hx_log_error(HX_LOG_ERR, r->connection->log, err,
                     "\"%s\" is not found", file);
    }

    return HX_HTTP_NOT_FOUND;
}


static void *
hx_http_index_create_loc_conf(hx_conf_t *cf)
{
    hx_http_index_loc_conf_t  *conf;

    conf = hx_palloc(cf->pool, sizeof(hx_http_index_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->indices = NULL;
    conf->max_index_len = 0;

    return conf;
}


static char *
hx_http_index_merge_loc_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_http_index_loc_conf_t *prev = parent;
    hx_http_index_loc_conf_t *conf = child;

    hx_http_index_t  *index;

    if (conf->indices == NULL) {
        conf->indices = prev->indices;
        conf->max_index_len = prev->max_index_len;
    }

    if (conf->indices != NULL) {
        return HX_CONF_OK;
    }

    conf->indices = hx_array_create(cf->pool, 1, sizeof(hx_http_index_t));
    if (conf->indices == NULL) {
        return HX_CONF_ERROR;
    }

    index = hx_array_push(conf->indices);
    if (index == NULL) {
        return HX_CONF_ERROR;
    }

    index->name.len = sizeof(HX_HTTP_DEFAULT_INDEX);
    index->name.data = (uint8_t *) HX_HTTP_DEFAULT_INDEX;
    index->lengths = NULL;
    index->values = NULL;

    conf->max_index_len = sizeof(HX_HTTP_DEFAULT_INDEX);

    return HX_CONF_OK;
}


static hx_int_t
hx_http_index_init(hx_conf_t *cf)
{
    hx_http_handler_pt         *h;
    hx_http_core_main_conf_t   *cmcf;

    cmcf = hx_http_conf_get_module_main_conf(cf, hx_http_core_module);

    h = hx_array_push(&cmcf->phases[HX_HTTP_CONTENT_PHASE].handlers);
    if (h == NULL) {
        return HX_ERROR;
    }

    *h = hx_http_index_handler;

    return HX_OK;
}


static char *
hx_http_index_set_index(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_index_loc_conf_t *ilcf = conf;

    hx_str_t                    *value;
    hx_uint_t                    i, n;
    hx_http_index_t             *index;
    hx_http_script_compile_t     sc;

    (void) cmd;

    if (ilcf->indices == NULL) {
        ilcf->indices = hx_array_create(cf->pool, 2, sizeof(hx_http_index_t));
        if (ilcf->indices == NULL) {
            return HX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].data[0] == '/' && i != cf->args->nelts - 1) {
            hx_conf_log_error(HX_LOG_WARN, cf, 0,
                              "only the last index in \"index\" directive "
                              "should be absolute");
        }

        if (value[i].len == 0) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "index \"%V\" in \"index\" directive is "
                              "invalid", &value[i]);
            return HX_CONF_ERROR;
        }

        index = hx_array_push(ilcf->indices);
        if (index == NULL) {
            return HX_CONF_ERROR;
        }

        index->name.len = value[i].len;
        index->name.data = value[i].data;
        index->lengths = NULL;
        index->values = NULL;

        n = hx_http_script_variables_count(&value[i]);

        if (n == 0) {
            if (ilcf->max_index_len < index->name.len) {
                ilcf->max_index_len = index->name.len;
            }

            if (index->name.data[0] == '/') {
                continue;
            }

            /* the NUL is copied with the name */
            index->name.len++;

            continue;
        }

        hx_memzero(&sc, sizeof(hx_http_script_compile_t));

        sc.cf = cf;
        sc.source = &value[i];
        sc.lengths = &index->lengths;
        sc.values = &index->values;
        sc.variables = n;
        sc.complete_lengths = 1;
        sc.complete_values = 1;

        if (hx_http_script_compile(&sc) != HX_OK) {
            return HX_CONF_ERROR;
        }
    }

    return HX_CONF_OK;
}

/*
 * try_files: in the precontent phase, the first of the listed files (or
 * directories, written with a trailing "/") that exists under root or
 * alias becomes the request's URI, served by the location's own content
 * handler.  The last argument is the fallback and is not checked: a URI
 * (internal redirect, "?args" allowed), a named location, or "=code".
 *
 * Each candidate is written after the root into one buffer, grown only
 * when a longer name comes, and is checked with a stat-like open.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


typedef struct {
    hx_http_try_file_t     *try_files;
} hx_http_try_files_loc_conf_t;


static hx_int_t hx_http_try_files_handler(hx_http_request_t *r);
static char *hx_http_try_files(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static void *hx_http_try_files_create_loc_conf(hx_conf_t *cf);
static hx_int_t hx_http_try_files_init(hx_conf_t *cf);


static hx_command_t  hx_http_try_files_commands[] = {

    { hx_string("try_files"),
      HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_2MORE,
      hx_http_try_files,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_try_files_module_ctx = {
    NULL,                                  /* preconfiguration */
    hx_http_try_files_init,                /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    hx_http_try_files_create_loc_conf,     /* create location configuration */
    NULL                                   /* merge location configuration */
};


hx_module_t  hx_http_try_files_module = {
    HX_MODULE_V1,
    "hx_http_try_files_module",
    &hx_http_try_files_module_ctx,
    hx_http_try_files_commands,
    HX_HTTP_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


/*
 * Writes candidate tf after the root.  path and name are the buffer and
 * the place for names; *allocated the room reserved so far.  HX_OK or an
 * HTTP status.
 */
static hx_int_t
hx_http_try_files_name(hx_http_request_t *r, hx_http_try_file_t *tf,
    size_t alias, hx_str_t *path, size_t *root, uint8_t **name,
    size_t *allocated)
{
    size_t                         len, reserve, n;
    hx_http_script_code_pt         code;
    hx_http_script_engine_t        e;
    hx_http_script_len_code_pt     lcode;

    hx_memzero(&e, sizeof(hx_http_script_engine_t));

    if (tf->lengths) {
        e.ip = tf->lengths->elts;
        e.request = r;

        /* the NUL, as in the names without variables */
        len = 1;

        while (*(uintptr_t *) e.ip) {
            lcode = *(hx_http_script_len_code_pt *) e.ip;
            len += lcode(&e);
        }

    } else {
        len = tf->name.len;
    }

    if (!alias) {
        reserve = len > r->uri.len ? len - r->uri.len : 0;

    } else if (alias == (size_t) -1) {
        reserve = len;

    } else {
        reserve = len > r->uri.len - alias ? len - (r->uri.len - alias) : 0;
    }

    if (reserve > *allocated || !*allocated) {

        *allocated = reserve + 16;

        if (hx_http_map_uri_to_path(r, path, root, *allocated) == NULL) {
            return HX_HTTP_INTERNAL_SERVER_ERROR;
        }

        *name = path->data + *root;
    }

    if (tf->values == NULL) {

        /* the name's length includes its NUL */

        hx_memcpy(*name, tf->name.data, tf->name.len);

        path->len = (*name + tf->name.len - 1) - path->data;

        return HX_OK;
    }

    n = *allocated;

    if (alias != (size_t) -1) {
        n += r->uri.len - alias;
    }

    e.ip = tf->values->elts;
    e.pos = *name;
    e.end = *name + n;
    e.request = r;
    e.flushed = 1;

    while (*(uintptr_t *) e.ip) {
        code = *(hx_http_script_code_pt *) e.ip;
        code(&e);
    }

    if (e.status || e.pos >= e.end) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    path->len = e.pos - path->data;

    *e.pos = '\0';

    if (alias && alias != (size_t) -1
        && hx_strncmp(*name, r->uri.data, alias) == 0)
    {
        /* the location's part of an aliased name is not in the path */

        hx_memmove(*name, *name + alias, len - alias);
        path->len -= alias;
    }

    return HX_OK;
}


/* the fallback: a code, a named location or a URI */
static hx_int_t
hx_http_try_files_fallback(hx_http_request_t *r, hx_http_try_file_t *tf,
    hx_str_t *path, size_t root)
{
    hx_str_t  args;

    if (tf->code) {
        return tf->code;
    }

    path->len -= root;
    path->data += root;

    if (path->data[0] == '@') {
        (void) hx_http_named_location(r, path);

    } else {
        hx_http_split_args(path, &args);

        (void) hx_http_internal_redirect(r, path, &args);
    }

    hx_http_finalize_request(r, HX_DONE);
    return HX_DONE;
}


static hx_int_t
hx_http_try_files_handler(hx_http_request_t *r)
{
    size_t                           root, alias, allocated;
    uint8_t                         *p, *name;
    hx_int_t                         rc;
    hx_str_t                         path;
    hx_uint_t                        test_dir;
    hx_http_try_file_t              *tf;
    hx_http_core_loc_conf_t         *clcf;
    hx_http_open_file_info_t         of;
    hx_http_try_files_loc_conf_t    *tlcf;

    tlcf = hx_http_get_module_loc_conf(r, hx_http_try_files_module);

    if (tlcf->try_files == NULL) {
        return HX_DECLINED;
    }

    allocated = 0;
    root = 0;
    name = NULL;
    path.data = NULL;
    path.len = 0;

    tf = tlcf->try_files;

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    alias = clcf->alias;

    for ( ;; ) {

        rc = hx_http_try_files_name(r, tf, alias, &path, &root, &name,
                                    &allocated);
        if (rc != HX_OK) {
            return rc;
        }

        test_dir = tf->test_dir;

        tf++;

        if (tf->lengths == NULL && tf->name.len == 0) {
            return hx_http_try_files_fallback(r, tf, &path, root);
        }

        hx_memzero(&of, sizeof(hx_http_open_file_info_t));

        of.test_only = 1;
        of.disable_symlinks = clcf->disable_symlinks;

        if (hx_http_open_file(r, &path, &of) != HX_OK) {

            if (of.err == 0) {
                return HX_HTTP_INTERNAL_SERVER_ERROR;
            }

            if (of.err != ENOENT && of.err != ENOTDIR
                && of.err != ENAMETOOLONG)
            {
                hx_log_error(HX_LOG_CRIT, r->connection->log, of.err,
                             "%s \"%s\" failed", of.failed, path.data);
            }

            continue;
        }

        if (of.is_dir != test_dir) {
            continue;
        }

        path.len -= root;
        path.data += root;

        if (!alias) {
            r->uri = path;

        } else if (alias == (size_t) -1) {
            if (!test_dir) {
                r->uri = path;
                r->add_uri_to_alias = 1;
            }

        } else {
            name = r->uri.data;

            r->uri.len = alias + path.len;
            r->uri.data = hx_pnalloc(r->pool, r->uri.len);
            if (r->uri.data == NULL) {
                r->uri.len = 0;
                return HX_HTTP_INTERNAL_SERVER_ERROR;
            }

            p = hx_cpymem(r->uri.data, name, alias);
            hx_memcpy(p, path.data, path.len);
        }

        hx_http_set_exten(r);

        return HX_DECLINED;
    }
}


static char *
hx_http_try_files(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_try_files_loc_conf_t *tlcf = conf;

    hx_str_t                    *value;
    hx_int_t                     code;
    hx_uint_t                    i, n;
    hx_http_try_file_t          *tf;
    hx_http_script_compile_t     sc;

    (void) cmd;

    if (tlcf->try_files) {
        return "is duplicate";
    }

    tf = hx_pcalloc(cf->pool, cf->args->nelts * sizeof(hx_http_try_file_t));
    if (tf == NULL) {
        return HX_CONF_ERROR;
    }

    tlcf->try_files = tf;

    value = cf->args->elts;

    for (i = 0; i < cf->args->nelts - 1; i++) {

        tf[i].name = value[i + 1];

        if (tf[i].name.len > 0
            && tf[i].name.data[tf[i].name.len - 1] == '/'
            && i + 2 < cf->args->nelts)
        {
            tf[i].test_dir = 1;
            tf[i].name.len--;
            tf[i].name.data[tf[i].name.len] = '\0';
        }

        n = hx_http_script_variables_count(&tf[i].name);

        if (n) {
            hx_memzero(&sc, sizeof(hx_http_script_compile_t));

            sc.cf = cf;
            sc.source = &tf[i].name;
            sc.lengths = &tf[i].lengths;
            sc.values = &tf[i].values;
            sc.variables = n;
            sc.complete_lengths = 1;
            sc.complete_values = 1;

            if (hx_http_script_compile(&sc) != HX_OK) {
                return HX_CONF_ERROR;
            }

        } else {
            /* the NUL is copied with the name */
            tf[i].name.len++;
        }
    }

    if (tf[i - 1].name.data[0] == '=') {

        code = hx_atoi(tf[i - 1].name.data + 1, tf[i - 1].name.len - 2);

        if (code == HX_ERROR || code > 999) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0, "invalid code \"%*s\"",
                              tf[i - 1].name.len - 1, tf[i - 1].name.data);
            return HX_CONF_ERROR;
        }

        tf[i].code = code;
    }

    return HX_CONF_OK;
}


static void *
hx_http_try_files_create_loc_conf(hx_conf_t *cf)
{
    return hx_pcalloc(cf->pool, sizeof(hx_http_try_files_loc_conf_t));
}


static hx_int_t
hx_http_try_files_init(hx_conf_t *cf)
{
    hx_http_handler_pt         *h;
    hx_http_core_main_conf_t   *cmcf;

    cmcf = hx_http_conf_get_module_main_conf(cf, hx_http_core_module);

    h = hx_array_push(&cmcf->phases[HX_HTTP_PRECONTENT_PHASE].handlers);
    if (h == NULL) {
        return HX_ERROR;
    }

    *h = hx_http_try_files_handler;

    return HX_OK;
}

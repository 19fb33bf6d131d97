/*
 * Temp paths and temp files (see hx_http_temp_file.h).
 *
 * File names are a ten-digit counter, unique per process and salted with
 * the pid so that workers sharing a directory do not collide; with levels
 * "1 2" the file 0000000123 lives in dir/3/12/0000000123, the last digits
 * of the name choosing the subdirectories, as nginx does it.  A name that
 * exists already (a crashed worker's leftover) is skipped.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_temp_file.h>


static uint32_t  hx_http_temp_number;


/* registers path in cycle->paths, or finds the same name there */
static hx_path_t *
hx_http_add_path(hx_conf_t *cf, hx_path_t *path)
{
    hx_uint_t    i, n;
    hx_path_t  **p, **paths;

    paths = cf->cycle->paths.elts;

    for (i = 0; i < cf->cycle->paths.nelts; i++) {

        if (!hx_str_eq(&paths[i]->name, &path->name)) {
            continue;
        }

        for (n = 0; n < HX_MAX_PATH_LEVEL; n++) {
            if (paths[i]->level[n] != path->level[n]) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "the same path name \"%V\" "
                                  "used in %s:%ui and in %s:%ui "
                                  "has the different levels",
                                  &path->name,
                                  paths[i]->conf_file, paths[i]->line,
                                  path->conf_file, path->line);
                return NULL;
            }
        }

        return paths[i];
    }

    p = hx_array_push(&cf->cycle->paths);
    if (p == NULL) {
        return NULL;
    }

    *p = path;

    return path;
}


char *
hx_http_set_path_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ssize_t      level;
    hx_str_t    *value;
    hx_uint_t    i, n;
    hx_path_t   *path, **slot;

    slot = (hx_path_t **) (p + cmd->offset);

    if (*slot) {
        return "is duplicate";
    }

    path = hx_pcalloc(cf->pool, sizeof(hx_path_t));
    if (path == NULL) {
        return HX_CONF_ERROR;
    }

    value = cf->args->elts;

    path->name = value[1];

    if (path->name.data[path->name.len - 1] == '/') {
        path->name.len--;
    }

    if (hx_conf_full_name(cf->cycle, &path->name, 0) != HX_OK) {
        return HX_CONF_ERROR;
    }

    path->conf_file = (const char *) cf->conf_file->file.name.data;
    path->line = cf->conf_file->line;

    for (i = 0, n = 2; n < cf->args->nelts; i++, n++) {
        level = hx_atoi(value[n].data, value[n].len);
        if (level == HX_ERROR || level == 0) {
            return "invalid value";
        }

        path->level[i] = level;
        path->len += level + 1;
    }

    if (path->len > 10 + i) {
        return "invalid value";
    }

    *slot = hx_http_add_path(cf, path);
    if (*slot == NULL) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


char *
hx_http_merge_path_value(hx_conf_t *cf, hx_path_t **path, hx_path_t *prev,
    hx_path_init_t *init)
{
    hx_uint_t  i;

    if (*path) {
        return HX_CONF_OK;
    }

    if (prev) {
        *path = prev;
        return HX_CONF_OK;
    }

    *path = hx_pcalloc(cf->pool, sizeof(hx_path_t));
    if (*path == NULL) {
        return HX_CONF_ERROR;
    }

    (*path)->name = init->name;

    if (hx_conf_full_name(cf->cycle, &(*path)->name, 0) != HX_OK) {
        return HX_CONF_ERROR;
    }

    for (i = 0; i < HX_MAX_PATH_LEVEL; i++) {
        (*path)->level[i] = init->level[i];
        (*path)->len += init->level[i] + (init->level[i] ? 1 : 0);
    }

    *path = hx_http_add_path(cf, *path);
    if (*path == NULL) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


hx_int_t
hx_http_create_paths(hx_cycle_t *cycle)
{
    hx_err_t          err;
    hx_uint_t         i;
    hx_path_t       **path;
    uint8_t          *name;
    struct stat       fi;
    hx_core_conf_t   *ccf;

    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);

    path = cycle->paths.elts;

    for (i = 0; i < cycle->paths.nelts; i++) {

        name = hx_pstrdup(cycle->pool, &path[i]->name);
        if (name == NULL) {
            return HX_ERROR;
        }

        if (mkdir((const char *) name, 0700) == -1) {
            err = hx_errno;

            if (err != EEXIST) {
                hx_log_error(HX_LOG_EMERG, cycle->log, err,
                             "mkdir() \"%s\" failed", name);
                return HX_ERROR;
            }
        }

        if (ccf == NULL || ccf->user == (uid_t) HX_CONF_UNSET_UINT
            || geteuid() != 0)
        {
            continue;
        }

        if (stat((const char *) name, &fi) == -1) {
            hx_log_error(HX_LOG_EMERG, cycle->log, hx_errno,
                         "stat() \"%s\" failed", name);
            return HX_ERROR;
        }

        if (fi.st_uid != ccf->user) {
            if (chown((const char *) name, ccf->user, (gid_t) -1) == -1) {
                hx_log_error(HX_LOG_EMERG, cycle->log, hx_errno,
                             "chown(\"%s\", %d) failed",
                             name, (int) ccf->user);
                return HX_ERROR;
            }
        }

        if ((fi.st_mode & (S_IRUSR|S_IWUSR|S_IXUSR))
            != (S_IRUSR|S_IWUSR|S_IXUSR))
        {
            fi.st_mode |= (S_IRUSR|S_IWUSR|S_IXUSR);

            if (chmod((const char *) name, fi.st_mode) == -1) {
                hx_log_error(HX_LOG_EMERG, cycle->log, hx_errno,
                             "chmod() \"%s\" failed", name);
                return HX_ERROR;
            }
        }
    }

    return HX_OK;
}


/* moves the last digits of the name into the level directories */
static void
hx_http_hash_temp_name(hx_path_t *path, uint8_t *file, size_t len)
{
    size_t     i, level;
    hx_uint_t  n;

    i = path->name.len + 1;

    file[path->name.len + path->len] = '/';

    for (n = 0; n < HX_MAX_PATH_LEVEL; n++) {
        level = path->level[n];

        if (level == 0) {
            break;
        }

        len -= level;
        file[i - 1] = '/';
        hx_memcpy(&file[i], &file[len], level);
        i += level + 1;
    }
}


/* creates the level directories of a temp file's name */
static hx_int_t
hx_http_create_temp_levels(hx_file_t *file, hx_path_t *path)
{
    size_t      pos;
    hx_err_t    err;
    hx_uint_t   i;

    pos = path->name.len;

    for (i = 0; i < HX_MAX_PATH_LEVEL; i++) {
        if (path->level[i] == 0) {
            break;
        }

        pos += path->level[i] + 1;

        file->name.data[pos] = '\0';

        if (mkdir((const char *) file->name.data, 0700) == -1) {
            err = hx_errno;
            if (err != EEXIST) {
                hx_log_error(HX_LOG_CRIT, file->log, err,
                             "mkdir() \"%s\" failed", file->name.data);
                file->name.data[pos] = '/';
                return HX_ERROR;
            }
        }

        file->name.data[pos] = '/';
    }

    return HX_OK;
}


hx_int_t
hx_http_create_temp_file(hx_http_temp_file_t *tf)
{
    uint8_t                  *p;
    uint32_t                  n;
    hx_err_t                  err;
    hx_uint_t                 level;
    hx_file_t                *file;
    hx_path_t                *path;
    hx_pool_cleanup_t        *cln;
    hx_pool_cleanup_file_t   *clnf;

    file = &tf->file;
    path = tf->path;

    file->name.len = path->name.len + 1 + path->len + 10;

    file->name.data = hx_pnalloc(tf->pool, file->name.len + 1);
    if (file->name.data == NULL) {
        return HX_ERROR;
    }

    p = hx_cpymem(file->name.data, path->name.data, path->name.len);
    p += 1 + path->len;

    if (hx_http_temp_number == 0) {
        hx_http_temp_number = (uint32_t) getpid() * 1000;
    }

    n = ++hx_http_temp_number;

    cln = hx_pool_cleanup_add(tf->pool, sizeof(hx_pool_cleanup_file_t));
    if (cln == NULL) {
        return HX_ERROR;
    }

    for ( ;; ) {
        (void) hx_sprintf(p, "%010uD%Z", n);

        hx_http_hash_temp_name(path, file->name.data, file->name.len);

        file->fd = open((const char *) file->name.data,
                        O_CREAT|O_EXCL|O_RDWR|O_CLOEXEC,
                        tf->access ? tf->access : 0600);

        if (file->fd != HX_INVALID_FILE) {

            if (!tf->persistent) {
                (void) unlink((const char *) file->name.data);
            }

            cln->handler = (tf->persistent && tf->clean)
                           ? hx_pool_delete_file : hx_pool_cleanup_file;
            clnf = cln->data;

            clnf->fd = file->fd;
            clnf->name = file->name.data;
            clnf->log = tf->pool->log;

            if (tf->warn) {
                level = tf->log_level ? tf->log_level : HX_LOG_WARN;
                hx_log_error(level, file->log, 0, "%s %V",
                             tf->warn, &file->name);
            }

            return HX_OK;
        }

        err = hx_errno;

        if (err == EEXIST) {
            n = ++hx_http_temp_number;
            continue;
        }

        if (path->level[0] == 0 || err != ENOENT) {
            hx_log_error(HX_LOG_CRIT, file->log, err,
                         "open() \"%s\" failed", file->name.data);
            return HX_ERROR;
        }

        if (hx_http_create_temp_levels(file, path) != HX_OK) {
            return HX_ERROR;
        }
    }
}


ssize_t
hx_http_write_chain_to_temp_file(hx_http_temp_file_t *tf, hx_chain_t *chain)
{
    ssize_t      n, total;
    hx_chain_t  *cl;

    if (tf->file.fd == HX_INVALID_FILE) {
        if (hx_http_create_temp_file(tf) != HX_OK) {
            return HX_ERROR;
        }
    }

    total = 0;

    for (cl = chain; cl; cl = cl->next) {

        if (cl->buf->in_file || !hx_buf_in_memory(cl->buf)) {
            continue;
        }

        if (cl->buf->last == cl->buf->pos) {
            continue;
        }

        n = hx_write_file(&tf->file, cl->buf->pos,
                          cl->buf->last - cl->buf->pos, tf->offset);

        if (n == HX_ERROR) {
            return HX_ERROR;
        }

        tf->offset += n;
        total += n;
    }

    return total;
}

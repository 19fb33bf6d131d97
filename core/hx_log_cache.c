/*
 * The descriptor cache of open_log_file_cache, per worker: the entries
 * are on one queue, most recently used first, found by name (a worker
 * logs to a handful of names, so a walk of at most max entries, hashes
 * compared first, costs less than keeping a tree).  An entry is made for
 * every file opened but keeps its descriptor only once used min_uses
 * times; when the cache is full the least recently used entry goes, and
 * entries idle for "inactive" seconds go two at a time after each write.
 * A descriptor older than "valid" seconds is checked against the name
 * again, so a log that was moved or rotated is reopened.  Entries are
 * heap memory: they come and go at run time.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_log_cache.h>


static void hx_log_cache_expire(hx_log_cache_t *cache,
    hx_uint_t n, hx_log_t *log);
static void hx_log_cache_free(hx_log_cache_t *cache,
    hx_log_cached_file_t *file, hx_log_t *log);
static void hx_log_cache_cleanup(void *data);
static hx_int_t hx_log_cache_param(hx_str_t *word, hx_uint_t *max,
    time_t *inactive, hx_log_cache_conf_t *c);


hx_log_cache_t *
hx_log_cache_create(hx_pool_t *pool, hx_uint_t max, time_t inactive)
{
    hx_pool_cleanup_t  *cln;
    hx_log_cache_t     *cache;

    cache = hx_pcalloc(pool, sizeof(hx_log_cache_t));
    if (cache == NULL) {
        return NULL;
    }

    hx_queue_init(&cache->expire_queue);
    cache->max = max;
    cache->inactive = inactive;

    cln = hx_pool_cleanup_add(pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = hx_log_cache_cleanup;
    cln->data = cache;

    return cache;
}


/*
 * The open_log_file_cache lookup.  Returns an open descriptor for name
 * (and in *cached the node that holds it, or NULL when the file was
 * opened for this write only), or HX_INVALID_FILE with errno set.
 */
hx_fd_t
hx_log_cache_open(hx_log_cache_t *cache, hx_str_t *name,
    time_t valid, hx_uint_t min_uses, hx_log_cached_file_t **cached,
    hx_log_t *log)
{
    time_t                      now;
    hx_fd_t                     fd;
    hx_err_t                    err;
    hx_uint_t                   hash;
    hx_queue_t                 *q;
    struct stat                 sb;
    hx_log_cached_file_t       *file;

    (void) min_uses;

    *cached = NULL;
    now = hx_time();
    hash = hx_hash_key(name->data, name->len);

    file = NULL;

    for (q = hx_queue_head(&cache->expire_queue);
         q != hx_queue_sentinel(&cache->expire_queue);
         q = hx_queue_next(q))
    {
        file = hx_queue_data(q, hx_log_cached_file_t, queue);

        if (file->hash == hash && hx_str_eq(&file->name, name)) {
            break;
        }

        file = NULL;
    }

    if (file) {
        file->uses++;
        hx_queue_remove(&file->queue);

        if (file->fd != HX_INVALID_FILE && now - file->created < valid) {
            goto found;
        }

        /* not kept open yet, or due for a check that it is the same file */

        fd = hx_open_file(name->data, HX_FILE_APPEND, HX_FILE_CREATE_OR_OPEN,
                          HX_FILE_DEFAULT_ACCESS);

        if (fd == HX_INVALID_FILE) {
            err = hx_errno;
            hx_log_cache_free(cache, file, log);
            hx_set_errno(err);
            return HX_INVALID_FILE;
        }

        if (hx_fd_info(fd, &sb) == -1) {
            sb.st_dev = 0;
            sb.st_ino = 0;
        }

        if (file->fd != HX_INVALID_FILE) {

            if (sb.st_dev == file->dev && sb.st_ino == file->ino) {
                (void) hx_close_file(fd);
                fd = file->fd;

            } else {
                /* the file was moved or removed: write to the new one */
                (void) hx_close_file(file->fd);
            }
        }

        file->fd = fd;
        file->dev = sb.st_dev;
        file->ino = sb.st_ino;
        file->created = now;

        goto found;
    }

    fd = hx_open_file(name->data, HX_FILE_APPEND, HX_FILE_CREATE_OR_OPEN,
                      HX_FILE_DEFAULT_ACCESS);

    if (fd == HX_INVALID_FILE) {
        return HX_INVALID_FILE;
    }

    if (cache->current >= cache->max) {
        hx_log_cache_expire(cache, 0, log);
    }

    file = hx_alloc(sizeof(hx_log_cached_file_t) + name->len + 1, log);
    if (file == NULL) {
        /* written once without the cache */
        return fd;
    }

    file->name.len = name->len;
    file->name.data = (uint8_t *) (file + 1);
    hx_memcpy(file->name.data, name->data, name->len);
    file->name.data[name->len] = '\0';

    file->hash = hash;
    file->fd = fd;
    file->uses = 1;
    file->created = now;

    if (hx_fd_info(fd, &sb) == -1) {
        sb.st_dev = 0;
        sb.st_ino = 0;
    }

    file->dev = sb.st_dev;
    file->ino = sb.st_ino;

    cache->current++;

found:

    file->accessed = now;
    hx_queue_insert_head(&cache->expire_queue, &file->queue);

    *cached = file;

    return file->fd;
}


/*
 * After a write: a file used fewer than min_uses times is not kept open;
 * then up to two entries unused for "inactive" are dropped.
 */
void
hx_log_cache_release(hx_log_cache_t *cache,
    hx_log_cached_file_t *file, hx_uint_t min_uses, hx_log_t *log)
{
    if (file->uses < min_uses && file->fd != HX_INVALID_FILE) {
        if (hx_close_file(file->fd) == -1) {
            hx_log_error(HX_LOG_ALERT, log, hx_errno,
                         "close() \"%s\" failed", file->name.data);
        }

        file->fd = HX_INVALID_FILE;
    }

    hx_log_cache_expire(cache, 1, log);
}


/*
 * Drops least recently used entries: with n == 0 the oldest one
 * unconditionally (room for a new one), then, as with n == 1, up to two
 * that have been unused for longer than "inactive".
 */
static void
hx_log_cache_expire(hx_log_cache_t *cache, hx_uint_t n,
    hx_log_t *log)
{
    time_t                      now;
    hx_queue_t                 *q;
    hx_log_cached_file_t       *file;

    now = hx_time();

    while (n < 3) {

        if (hx_queue_empty(&cache->expire_queue)) {
            return;
        }

        q = hx_queue_last(&cache->expire_queue);
        file = hx_queue_data(q, hx_log_cached_file_t, queue);

        if (n++ != 0 && now - file->accessed <= cache->inactive) {
            return;
        }

        hx_queue_remove(q);
        hx_log_cache_free(cache, file, log);
    }
}


/* forgets an entry already taken off the queue */
static void
hx_log_cache_free(hx_log_cache_t *cache,
    hx_log_cached_file_t *file, hx_log_t *log)
{
    if (file->fd != HX_INVALID_FILE && hx_close_file(file->fd) == -1) {
        hx_log_error(HX_LOG_ALERT, log, hx_errno,
                     "close() \"%s\" failed", file->name.data);
    }

    cache->current--;
    hx_free(file);
}


/* the cycle pool's cleanup: closes every descriptor the cache keeps */
static void
hx_log_cache_cleanup(void *data)
{
    hx_log_cache_t  *cache = data;

    hx_queue_t            *q;
    hx_log_cached_file_t  *file;

    while (!hx_queue_empty(&cache->expire_queue)) {
        q = hx_queue_last(&cache->expire_queue);
        file = hx_queue_data(q, hx_log_cached_file_t, queue);

        hx_queue_remove(q);

        if (file->fd != HX_INVALID_FILE) {
            (void) hx_close_file(file->fd);
        }

        hx_free(file);
    }

    cache->current = 0;
}


char *
hx_log_cache_directive(hx_conf_t *cf, hx_log_cache_conf_t *c)
{
    time_t      inactive;
    hx_str_t   *value;
    hx_uint_t   i, max, off;

    if (c->cache != HX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    max = 0;
    inactive = 10;
    off = 0;

    c->cache = NULL;
    c->valid = 60;
    c->min_uses = 1;

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (hx_strcmp(value[i].data, "off") == 0) {
            off = 1;
            continue;
        }

        if (hx_log_cache_param(&value[i], &max, &inactive, c) != HX_OK) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid \"open_log_file_cache\" parameter "
                              "\"%V\"", &value[i]);
            return HX_CONF_ERROR;
        }
    }

    if (off) {
        return HX_CONF_OK;
    }

    if (max == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "\"open_log_file_cache\" must have \"max\" "
                          "parameter");
        return HX_CONF_ERROR;
    }

    c->cache = hx_log_cache_create(cf->pool, max, inactive);

    return c->cache ? HX_CONF_OK : HX_CONF_ERROR;
}


void
hx_log_cache_merge(hx_log_cache_conf_t *c, hx_log_cache_conf_t *prev)
{
    if (c->cache != HX_CONF_UNSET_PTR) {
        return;
    }

    *c = *prev;

    if (c->cache == HX_CONF_UNSET_PTR) {
        c->cache = NULL;
    }
}


/* one NAME=VALUE word of open_log_file_cache: HX_OK, or HX_ERROR */
static hx_int_t
hx_log_cache_param(hx_str_t *word, hx_uint_t *max, time_t *inactive,
    hx_log_cache_conf_t *c)
{
    time_t     *t;
    hx_int_t    n;
    hx_str_t    s;
    hx_uint_t  *u;

    u = NULL;
    t = NULL;

    if (hx_strncmp(word->data, "max=", 4) == 0) {
        u = max;

    } else if (hx_strncmp(word->data, "min_uses=", 9) == 0) {
        u = &c->min_uses;

    } else if (hx_strncmp(word->data, "inactive=", 9) == 0) {
        t = inactive;

    } else if (hx_strncmp(word->data, "valid=", 6) == 0) {
        t = &c->valid;

    } else {
        return HX_ERROR;
    }

    s.data = hx_strlchr(word->data, word->data + word->len, '=') + 1;
    s.len = word->data + word->len - s.data;

    if (t) {
        *t = hx_parse_time(&s, 1);
        return *t == (time_t) HX_ERROR ? HX_ERROR : HX_OK;
    }

    n = hx_atoi(s.data, s.len);

    /* max=0 would be no cache at all: nginx refuses it */

    if (n == HX_ERROR || (n == 0 && u == max)) {
        return HX_ERROR;
    }

    *u = (hx_uint_t) n;

    return HX_OK;
}


ssize_t
hx_log_cache_write(hx_log_cache_conf_t *c, hx_str_t *name, uint8_t *buf,
    size_t len, hx_log_t *log)
{
    hx_fd_t                fd;
    ssize_t                n;
    hx_err_t               err;
    hx_log_cached_file_t  *cached;

    if (c->cache) {
        fd = hx_log_cache_open(c->cache, name, c->valid, c->min_uses,
                               &cached, log);

    } else {
        cached = NULL;
        fd = hx_open_file(name->data, HX_FILE_APPEND, HX_FILE_CREATE_OR_OPEN,
                          HX_FILE_DEFAULT_ACCESS);
    }

    if (fd == HX_INVALID_FILE) {
        hx_log_error(HX_LOG_CRIT, log, hx_errno,
                     "open() \"%s\" failed", name->data);
        return len;
    }

    hx_log_debug(HX_LOG_DEBUG_CORE, log, 0, "log \"%s\" #%d", name->data,
                 fd);

    n = hx_write_fd(fd, buf, len);
    err = hx_errno;

    if (cached) {
        hx_log_cache_release(c->cache, cached, c->min_uses, log);

    } else if (hx_close_file(fd) == -1) {
        hx_log_error(HX_LOG_ALERT, log, hx_errno,
                     "close() \"%s\" failed", name->data);
    }

    hx_set_errno(err);

    return n;
}

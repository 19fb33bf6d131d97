/*
 * open_log_file_cache, for the http and stream access logs: the
 * descriptors of access logs whose names have variables, kept open per
 * worker in a small LRU list, with nginx's max, inactive, min_uses and
 * valid semantics; the directive's arguments; and the write of a line
 * to such a name through the cache or without one.
 */

#ifndef HX_CORE_HX_LOG_CACHE_H
#define HX_CORE_HX_LOG_CACHE_H


/* one remembered descriptor of open_log_file_cache */
typedef struct {
    hx_queue_t                  queue;     /* most recently used first */
    hx_uint_t                   hash;
    hx_str_t                    name;      /* NUL-terminated */
    hx_fd_t                     fd;
    hx_uint_t                   uses;
    time_t                      created;   /* when fd was last checked */
    time_t                      accessed;
    dev_t                       dev;
    ino_t                       ino;
} hx_log_cached_file_t;


typedef struct {
    hx_queue_t                  expire_queue;
    hx_uint_t                   current;
    hx_uint_t                   max;
    time_t                      inactive;
} hx_log_cache_t;


/* open_log_file_cache as set at one level */
typedef struct {
    hx_log_cache_t             *cache;     /* NULL: off or not set */
    time_t                      valid;
    hx_uint_t                   min_uses;
} hx_log_cache_conf_t;


/*
 * Reads "open_log_file_cache max=N [inactive=T] [min_uses=N] [valid=T]
 * | off" from cf->args into c, making the cache in cf->pool (nginx's
 * defaults: inactive=10s, min_uses=1, valid=60s; "off": c->cache NULL).
 * c->cache is HX_CONF_UNSET_PTR until the directive is given (the
 * create-conf hook sets it so).  HX_CONF_OK, "is duplicate", or
 * HX_CONF_ERROR after an [emerg].
 */
char *hx_log_cache_directive(hx_conf_t *cf, hx_log_cache_conf_t *c);

/* c inherits prev when not set; set nowhere, it is off */
void hx_log_cache_merge(hx_log_cache_conf_t *c, hx_log_cache_conf_t *prev);

/*
 * Appends buf to the file name (NUL-terminated), creating it, through
 * c's cache when there is one.  Returns what the write returned, with
 * errno kept (see hx_log_file_result); a file that cannot be opened is
 * logged at crit here and reported as written.
 */
ssize_t hx_log_cache_write(hx_log_cache_conf_t *c, hx_str_t *name,
    uint8_t *buf, size_t len, hx_log_t *log);

/*
 * A cache of at most max entries whose idle ones go after "inactive"
 * seconds; its descriptors are closed when pool is destroyed.  NULL on
 * no memory.
 */
hx_log_cache_t *hx_log_cache_create(hx_pool_t *pool,
    hx_uint_t max, time_t inactive);

/*
 * An open descriptor for the file name (NUL-terminated), creating it if
 * needed: a cached one, checked again after "valid" seconds (a file that
 * was moved is reopened), or a new one.  *cached is the entry that holds
 * it, to give back with hx_log_cache_release(), or NULL when the
 * descriptor is the caller's to close.  HX_INVALID_FILE with errno set
 * when the file cannot be opened.
 */
hx_fd_t hx_log_cache_open(hx_log_cache_t *cache,
    hx_str_t *name, time_t valid, hx_uint_t min_uses,
    hx_log_cached_file_t **cached, hx_log_t *log);

/*
 * After the write: an entry used fewer than min_uses times does not keep
 * its descriptor, and idle entries may go.
 */
void hx_log_cache_release(hx_log_cache_t *cache,
    hx_log_cached_file_t *file, hx_uint_t min_uses, hx_log_t *log);

#endif /* HX_CORE_HX_LOG_CACHE_H */

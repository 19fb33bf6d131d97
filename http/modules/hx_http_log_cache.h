/*
 * open_log_file_cache: the descriptors of access logs whose names have
 * variables, kept open per worker in a small LRU list, with nginx's max,
 * inactive, min_uses and valid semantics.
 */

#ifndef HX_HTTP_MODULES_HX_HTTP_LOG_CACHE_H
#define HX_HTTP_MODULES_HX_HTTP_LOG_CACHE_H


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
} hx_http_log_cached_file_t;


typedef struct {
    hx_queue_t                  expire_queue;
    hx_uint_t                   current;
    hx_uint_t                   max;
    time_t                      inactive;
} hx_http_log_file_cache_t;


/*
 * A cache of at most max entries whose idle ones go after "inactive"
 * seconds; its descriptors are closed when pool is destroyed.  NULL on
 * no memory.
 */
hx_http_log_file_cache_t *hx_http_log_cache_create(hx_pool_t *pool,
    hx_uint_t max, time_t inactive);

/*
 * An open descriptor for the file name (NUL-terminated), creating it if
 * needed: a cached one, checked again after "valid" seconds (a file that
 * was moved is reopened), or a new one.  *cached is the entry that holds
 * it, to give back with hx_http_log_cache_release(), or NULL when the
 * descriptor is the caller's to close.  HX_INVALID_FILE with errno set
 * when the file cannot be opened.
 */
hx_fd_t hx_http_log_cache_open(hx_http_log_file_cache_t *cache,
    hx_str_t *name, time_t valid, hx_uint_t min_uses,
    hx_http_log_cached_file_t **cached, hx_log_t *log);

/*
 * After the write: an entry used fewer than min_uses times does not keep
 * its descriptor, and idle entries may go.
 */
void hx_http_log_cache_release(hx_http_log_file_cache_t *cache,
    hx_http_log_cached_file_t *file, hx_uint_t min_uses, hx_log_t *log);

#endif /* HX_HTTP_MODULES_HX_HTTP_LOG_CACHE_H */

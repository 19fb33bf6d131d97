/*
 * Memory pools (STYLE.md section 5).  A pool hands out small allocations
 * from blocks it owns and frees them all at once when it is destroyed; big
 * allocations are tracked separately and may be freed early with
 * hx_pfree().  Cleanup handlers registered on a pool run, last registered
 * first, when the pool is destroyed: that is how descriptors, TLS objects
 * and regex match data are tied to a lifetime.
 */

#ifndef HX_CORE_HX_PALLOC_H
#define HX_CORE_HX_PALLOC_H


/* allocations larger than this go to the "large" list */
#define HX_MAX_ALLOC_FROM_POOL   (4096 - 1)

#define HX_DEFAULT_POOL_SIZE     (16 * 1024)
#define HX_POOL_ALIGNMENT        16
#define HX_MIN_POOL_SIZE                                                      \
    hx_align((sizeof(hx_pool_t) + 2 * sizeof(hx_pool_large_t)),              \
             HX_POOL_ALIGNMENT)


typedef void (*hx_pool_cleanup_pt)(void *data);

typedef struct hx_pool_cleanup_s  hx_pool_cleanup_t;

struct hx_pool_cleanup_s {
    hx_pool_cleanup_pt   handler;
    void                *data;
    hx_pool_cleanup_t   *next;
};


typedef struct hx_pool_large_s  hx_pool_large_t;

struct hx_pool_large_s {
    hx_pool_large_t     *next;
    void                *alloc;
};


typedef struct {
    uint8_t             *last;
    uint8_t             *end;
    hx_pool_t           *next;
    hx_uint_t            failed;
} hx_pool_data_t;


struct hx_pool_s {
    hx_pool_data_t       d;
    size_t               max;
    hx_pool_t           *current;
    hx_pool_large_t     *large;
    hx_pool_cleanup_t   *cleanup;
    hx_log_t            *log;
};


typedef struct {
    hx_fd_t              fd;
    uint8_t             *name;
    hx_log_t            *log;
} hx_pool_cleanup_file_t;


/* plain allocation with logging on failure */
void *hx_alloc(size_t size, hx_log_t *log);
void *hx_calloc(size_t size, hx_log_t *log);
void *hx_memalign(size_t alignment, size_t size, hx_log_t *log);
#define hx_free  free

hx_pool_t *hx_create_pool(size_t size, hx_log_t *log);
void hx_destroy_pool(hx_pool_t *pool);
/* frees large blocks, keeps the pool's own blocks for reuse */
void hx_reset_pool(hx_pool_t *pool);

void *hx_palloc(hx_pool_t *pool, size_t size);    /* aligned */
void *hx_pnalloc(hx_pool_t *pool, size_t size);   /* unaligned */
void *hx_pcalloc(hx_pool_t *pool, size_t size);
void *hx_pmemalign(hx_pool_t *pool, size_t size, size_t alignment);
/* frees a large allocation early; HX_DECLINED if p is not one */
hx_int_t hx_pfree(hx_pool_t *pool, void *p);

/* size bytes of data for the handler, or 0 for none */
hx_pool_cleanup_t *hx_pool_cleanup_add(hx_pool_t *p, size_t size);
void hx_pool_run_cleanup_file(hx_pool_t *p, hx_fd_t fd);
void hx_pool_cleanup_file(void *data);
void hx_pool_delete_file(void *data);

/* a NUL-terminated copy of src in the pool */
uint8_t *hx_pstrdup(hx_pool_t *pool, hx_str_t *src);

#endif /* HX_CORE_HX_PALLOC_H */

/*
 * Buffers and chains.  A buffer describes bytes in memory (start/pos/last/
 * end) or a region of a file (file_pos/file_last); a chain links buffers so
 * filters pass data along without copying it.
 */

#ifndef HX_CORE_HX_BUF_H
#define HX_CORE_HX_BUF_H


typedef void *  hx_buf_tag_t;

typedef struct hx_buf_s  hx_buf_t;

struct hx_buf_s {
    uint8_t         *pos;
    uint8_t         *last;
    off_t            file_pos;
    off_t            file_last;

    uint8_t         *start;         /* start of buffer */
    uint8_t         *end;           /* end of buffer */
    hx_buf_tag_t     tag;
    hx_file_t       *file;
    hx_buf_t        *shadow;

    unsigned         temporary:1;   /* memory we may change */
    unsigned         memory:1;      /* read-only memory */
    unsigned         mmap:1;
    unsigned         recycled:1;
    unsigned         in_file:1;
    unsigned         flush:1;
    unsigned         sync:1;
    unsigned         last_buf:1;
    unsigned         last_in_chain:1;
    unsigned         last_shadow:1;
    unsigned         temp_file:1;

    int              num;
};


struct hx_chain_s {
    hx_buf_t        *buf;
    hx_chain_t      *next;
};


typedef struct {
    hx_int_t         num;
    size_t           size;
} hx_bufs_t;


#define hx_buf_in_memory(b)       ((b)->temporary || (b)->memory || (b)->mmap)
#define hx_buf_in_memory_only(b)  (hx_buf_in_memory(b) && !(b)->in_file)
#define hx_buf_special(b)                                                     \
    (((b)->flush || (b)->last_buf || (b)->sync)                               \
     && !hx_buf_in_memory(b) && !(b)->in_file)
#define hx_buf_sync_only(b)                                                   \
    ((b)->sync && !hx_buf_in_memory(b)                                        \
     && !(b)->in_file && !(b)->flush && !(b)->last_buf)
#define hx_buf_size(b)                                                        \
    (hx_buf_in_memory(b) ? (off_t) ((b)->last - (b)->pos)                     \
                         : ((b)->file_last - (b)->file_pos))

#define hx_alloc_buf(pool)   hx_palloc(pool, sizeof(hx_buf_t))
#define hx_calloc_buf(pool)  hx_pcalloc(pool, sizeof(hx_buf_t))


/* a temporary buffer with size bytes of storage */
hx_buf_t *hx_create_temp_buf(hx_pool_t *pool, size_t size);
hx_chain_t *hx_create_chain_of_bufs(hx_pool_t *pool, hx_bufs_t *bufs);
hx_chain_t *hx_alloc_chain_link(hx_pool_t *pool);

/* appends copies of in's links to *chain */
hx_int_t hx_chain_add_copy(hx_pool_t *pool, hx_chain_t **chain,
    hx_chain_t *in);
/* a free link from *free or a new one with a calloc'ed buffer */
hx_chain_t *hx_chain_get_free_buf(hx_pool_t *p, hx_chain_t **free);
/* moves fully sent buffers of *out to *busy / *free (by tag) */
void hx_chain_update_chains(hx_pool_t *p, hx_chain_t **free,
    hx_chain_t **busy, hx_chain_t **out, hx_buf_tag_t tag);
/* advances buffers by sent bytes; returns the first unsent link */
hx_chain_t *hx_chain_update_sent(hx_chain_t *in, off_t sent);
off_t hx_chain_coalesce_file(hx_chain_t **in, off_t limit);

#endif /* HX_CORE_HX_BUF_H */

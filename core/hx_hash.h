/*
 * Static hashes built once at configuration time and read by every request:
 * exact names (header names, variables, server_name), wildcard names
 * ("*.example.com", ".example.com", "www.example.*") and the combination
 * used for server_name lookups.  Building takes the keys collected in an
 * hx_hash_keys_arrays_t, which also detects duplicates.
 */

#ifndef HX_CORE_HX_HASH_H
#define HX_CORE_HX_HASH_H


typedef struct {
    void            *value;
    uint16_t         len;
    uint8_t          name[1];
} hx_hash_elt_t;


typedef struct {
    hx_hash_elt_t  **buckets;
    hx_uint_t        size;
} hx_hash_t;


typedef struct {
    hx_hash_t        hash;
    void            *value;
} hx_hash_wildcard_t;


typedef struct {
    hx_str_t         key;
    hx_uint_t        key_hash;
    void            *value;
} hx_hash_key_t;


typedef hx_uint_t (*hx_hash_key_pt) (uint8_t *data, size_t len);


typedef struct {
    hx_hash_t            hash;
    hx_hash_wildcard_t  *wc_head;
    hx_hash_wildcard_t  *wc_tail;
} hx_hash_combined_t;


typedef struct {
    hx_hash_t       *hash;
    hx_hash_key_pt   key;

    hx_uint_t        max_size;
    hx_uint_t        bucket_size;

    char            *name;          /* for messages: "server_names_hash" */
    hx_pool_t       *pool;
    hx_pool_t       *temp_pool;
} hx_hash_init_t;


#define HX_HASH_SMALL            1
#define HX_HASH_LARGE            2

#define HX_HASH_LARGE_ASIZE      16384
#define HX_HASH_LARGE_HSIZE      10007

#define HX_HASH_WILDCARD_KEY     1
#define HX_HASH_READONLY_KEY     2


typedef struct {
    hx_uint_t        hsize;

    hx_pool_t       *pool;
    hx_pool_t       *temp_pool;

    hx_array_t       keys;
    hx_array_t      *keys_hash;

    hx_array_t       dns_wc_head;
    hx_array_t      *dns_wc_head_hash;

    hx_array_t       dns_wc_tail;
    hx_array_t      *dns_wc_tail_hash;
} hx_hash_keys_arrays_t;


/* key: the hash of name already lowercased; NULL when absent */
void *hx_hash_find(hx_hash_t *hash, hx_uint_t key, uint8_t *name, size_t len);
void *hx_hash_find_wc_head(hx_hash_wildcard_t *hwc, uint8_t *name,
    size_t len);
void *hx_hash_find_wc_tail(hx_hash_wildcard_t *hwc, uint8_t *name,
    size_t len);
void *hx_hash_find_combined(hx_hash_combined_t *hash, hx_uint_t key,
    uint8_t *name, size_t len);

/*
 * Builds hinit->hash (allocating it when NULL) from names.  Fails, with an
 * [emerg] through the pool's log naming hinit->name, when no table size up
 * to max_size fits every bucket into bucket_size.
 */
hx_int_t hx_hash_init(hx_hash_init_t *hinit, hx_hash_key_t *names,
    hx_uint_t nelts);
hx_int_t hx_hash_wildcard_init(hx_hash_init_t *hinit, hx_hash_key_t *names,
    hx_uint_t nelts);

#define hx_hash(key, c)  ((hx_uint_t) key * 31 + c)
hx_uint_t hx_hash_key(uint8_t *data, size_t len);
hx_uint_t hx_hash_key_lc(uint8_t *data, size_t len);
/* lowercases src into dst and returns its hash */
hx_uint_t hx_hash_strlow(uint8_t *dst, uint8_t *src, size_t n);

hx_int_t hx_hash_keys_array_init(hx_hash_keys_arrays_t *ha, hx_uint_t type);
/*
 * Adds key (lowercased in place unless HX_HASH_READONLY_KEY).  With
 * HX_HASH_WILDCARD_KEY, "*.x", ".x" and "x.*" go to the wildcard arrays.
 * Returns HX_BUSY for a duplicate, HX_DECLINED for an invalid wildcard.
 */
hx_int_t hx_hash_add_key(hx_hash_keys_arrays_t *ha, hx_str_t *key,
    void *value, hx_uint_t flags);

#endif /* HX_CORE_HX_HASH_H */

/*
 * Static hashes: built once from the configuration, then only read.
 *
 * Header names, variables, mime types and server names are looked up on
 * every request but never change between reloads, so the table is packed
 * for reading: each bucket is one contiguous run of hx_hash_elt_t records
 * (value, length, name bytes, padded to pointer alignment) closed by a
 * NULL value, so a lookup touches one or two cache lines and follows no
 * pointers.  Building searches for the smallest table size whose fullest
 * bucket still fits bucket_size bytes; the operator tunes the two limits
 * (server_names_hash_max_size and friends) as with nginx.
 *
 * Wildcard names are hashed one DNS label at a time.  "*.example.com"
 * becomes a table holding "com", whose value points to a table holding
 * "example", whose value is the user's value; a lookup walks the name's
 * labels from the right (for "www.example.*" from the left) and keeps the
 * most specific match.  Two low bits of each stored pointer say what it
 * is, which is why values must be at least 4-byte aligned:
 *
 *   bit 1 set    the pointer is a nested hx_hash_wildcard_t for the next
 *                label; its own value is the match for this label
 *   bit 0 set    the match at this label is of the "*.x" kind and needs
 *                at least one more label in the name ("*.x" does not
 *                match "x", ".x" does)
 *
 * hx_hash_keys_arrays_t collects keys before building: it lowercases
 * them, finds duplicates through small chained tables, rejects malformed
 * wildcards and rewrites head wildcards into reversed-label form
 * ("*.example.com" -> "com.example.", ".example.com" -> "com.example")
 * so that one builder serves both directions.
 */

#include <hx_config.h>
#include <hx_core.h>


/* bytes one record takes in a bucket, padded so the next one is aligned */
#define HX_HASH_ELT_SIZE(len)                                                 \
    hx_align(offsetof(hx_hash_elt_t, name) + (len), sizeof(void *))

/* buckets start on cache lines so a short bucket costs one line */
#define HX_HASH_CACHELINE        64

#define HX_HASH_SMALL_HSIZE      107
#define HX_HASH_SMALL_ASIZE      4

#define HX_HASH_WC_NESTED        2
#define HX_HASH_WC_SUBDOMAIN     1
#define HX_HASH_WC_MASK          3

#define hx_hash_wc_ptr(v)                                                     \
    ((void *) ((uintptr_t) (v) & ~(uintptr_t) HX_HASH_WC_MASK))


/* what hx_hash_add_key() makes of a key given with HX_HASH_WILDCARD_KEY */
typedef enum {
    HX_HASH_KEY_EXACT = 0,
    HX_HASH_KEY_STAR_HEAD,          /* "*.example.com" */
    HX_HASH_KEY_DOT_HEAD,           /* ".example.com" */
    HX_HASH_KEY_TAIL,               /* "www.example.*" */
    HX_HASH_KEY_INVALID
} hx_hash_key_kind_e;


static hx_int_t hx_hash_find_size(hx_hash_init_t *hinit, hx_hash_key_t *names,
    hx_uint_t nelts, size_t *fill, hx_uint_t *size);
static hx_int_t hx_hash_fill(hx_hash_init_t *hinit, hx_hash_key_t *names,
    hx_uint_t nelts, size_t *fill, hx_uint_t size);
static int hx_hash_wc_cmp(const void *one, const void *two);
static hx_int_t hx_hash_wildcard_level(hx_hash_init_t *hinit,
    hx_hash_key_t *names, hx_uint_t nelts);
static hx_hash_key_kind_e hx_hash_key_kind(hx_str_t *key);
static hx_int_t hx_hash_add_wildcard(hx_hash_keys_arrays_t *ha, uint8_t *data,
    size_t klen, void *value, hx_hash_key_kind_e kind);
static hx_int_t hx_hash_remember(hx_hash_keys_arrays_t *ha,
    hx_array_t *chain, uint8_t *data, size_t len, hx_uint_t check_only);
static uint8_t *hx_hash_reverse_labels(hx_pool_t *pool, uint8_t *data,
    size_t len, hx_uint_t trailing_dot);
static hx_uint_t hx_hash_has_upper(uint8_t *data, size_t len);


/*
 * The value stored for name in an exact hash, or NULL.  key is the hash of
 * name as hx_hash_key() computes it, and name must already be lowercased
 * (hx_hash_strlow() does both in one pass).
 */
void *
hx_hash_find(hx_hash_t *hash, hx_uint_t key, uint8_t *name, size_t len)
{
    hx_hash_elt_t  *elt;

    if (hash->size == 0) {
        return NULL;
    }

    elt = hash->buckets[key % hash->size];

    if (elt == NULL) {
        return NULL;
    }

    while (elt->value != NULL) {

        if (elt->len == len
            && (len == 0 || hx_memcmp(elt->name, name, len) == 0))
        {
            return elt->value;
        }

        elt = (hx_hash_elt_t *) hx_align_ptr(&elt->name[0] + elt->len,
                                             sizeof(void *));
    }

    return NULL;
}


/*
 * Matches a lowercased host name against head wildcards ("*.example.com",
 * ".example.com"); returns the value of the longest matching wildcard or
 * NULL.
 */
void *
hx_hash_find_wc_head(hx_hash_wildcard_t *hwc, uint8_t *name, size_t len)
{
    void                *value, *found;
    size_t               n, i;
    hx_uint_t            key;
    hx_hash_wildcard_t  *sub;

    /* the last label is name[n .. len) */

    for (n = len; n > 0 && name[n - 1] != '.'; n--) {
        /* void */
    }

    key = 0;

    for (i = n; i < len; i++) {
        key = hx_hash(key, name[i]);
    }

    value = hx_hash_find(&hwc->hash, key, &name[n], len - n);

    if (value == NULL) {
        return hwc->value;
    }

    if ((uintptr_t) value & HX_HASH_WC_NESTED) {
        sub = hx_hash_wc_ptr(value);

        if (n == 0) {
            /* no label left: only a ".x" wildcard matches x itself */
            if ((uintptr_t) value & HX_HASH_WC_SUBDOMAIN) {
                return NULL;
            }

            return sub->value;
        }

        found = hx_hash_find_wc_head(sub, name, n - 1);

        return (found != NULL) ? found : sub->value;
    }

    if ((uintptr_t) value & HX_HASH_WC_SUBDOMAIN) {
        return (n == 0) ? NULL : hx_hash_wc_ptr(value);
    }

    return value;
}


/*
 * Matches a lowercased host name against tail wildcards ("www.example.*");
 * the star stands for one or more labels.  Returns the value of the
 * longest matching wildcard or NULL.
 */
void *
hx_hash_find_wc_tail(hx_hash_wildcard_t *hwc, uint8_t *name, size_t len)
{
    void                *value, *found;
    size_t               i;
    hx_uint_t            key;
    hx_hash_wildcard_t  *sub;

    key = 0;

    for (i = 0; i < len && name[i] != '.'; i++) {
        key = hx_hash(key, name[i]);
    }

    if (i == len) {
        /* the star must stand for at least one label */
        return NULL;
    }

    value = hx_hash_find(&hwc->hash, key, name, i);

    if (value == NULL) {
        return hwc->value;
    }

    if ((uintptr_t) value & HX_HASH_WC_NESTED) {
        sub = hx_hash_wc_ptr(value);

        found = hx_hash_find_wc_tail(sub, &name[i + 1], len - i - 1);

        return (found != NULL) ? found : sub->value;
    }

    return hx_hash_wc_ptr(value);
}


/*
 * The server_name order: an exact match, else the longest head wildcard,
 * else the longest tail wildcard.  Any of the three may be absent (no
 * buckets, or a NULL wildcard pointer).  key is hx_hash_key(name).
 */
void *
hx_hash_find_combined(hx_hash_combined_t *hash, hx_uint_t key, uint8_t *name,
    size_t len)
{
    void  *value;

    if (hash->hash.buckets != NULL) {
        value = hx_hash_find(&hash->hash, key, name, len);

        if (value != NULL) {
            return value;
        }
    }

    if (len == 0) {
        return NULL;
    }

    if (hash->wc_head != NULL && hash->wc_head->hash.buckets != NULL) {
        value = hx_hash_find_wc_head(hash->wc_head, name, len);

        if (value != NULL) {
            return value;
        }
    }

    if (hash->wc_tail != NULL && hash->wc_tail->hash.buckets != NULL) {
        return hx_hash_find_wc_tail(hash->wc_tail, name, len);
    }

    return NULL;
}


/*
 * Builds an exact hash from names[0 .. nelts): entries whose key.data is
 * NULL are skipped, values must be non-NULL, key_hash must be
 * hx_hash_key() of the lowercased key; names are stored lowercased.
 * Tables and records come from hinit->pool.  When hinit->hash is NULL an
 * hx_hash_wildcard_t (zeroed) is allocated and the hash is its first
 * member, so the result can also serve as a wildcard level.
 *
 * Returns HX_OK, or HX_ERROR after logging at emerg why (a key longer than
 * a bucket, or no table size up to max_size that fits every bucket into
 * bucket_size) or after an allocation failure.
 */
hx_int_t
hx_hash_init(hx_hash_init_t *hinit, hx_hash_key_t *names, hx_uint_t nelts)
{
    size_t           *fill;
    hx_int_t          rc;
    hx_uint_t         n, size;

    if (hinit->max_size == 0) {
        hx_log_error(HX_LOG_EMERG, hinit->pool->log, 0,
                     "could not build %s, you should "
                     "increase %s_max_size: %ui",
                     hinit->name, hinit->name, hinit->max_size);
        return HX_ERROR;
    }

    if (hinit->bucket_size > 65536 - HX_HASH_CACHELINE) {
        hx_log_error(HX_LOG_EMERG, hinit->pool->log, 0,
                     "could not build %s, too large "
                     "%s_bucket_size: %ui",
                     hinit->name, hinit->name, hinit->bucket_size);
        return HX_ERROR;
    }

    /* every bucket needs room for one record and the closing NULL */

    for (n = 0; n < nelts; n++) {
        if (names[n].key.data == NULL) {
            continue;
        }

        if (hinit->bucket_size
            < HX_HASH_ELT_SIZE(names[n].key.len) + sizeof(void *))
        {
            break;
        }
    }

    if (n < nelts
        || hinit->bucket_size < HX_HASH_ELT_SIZE(0) + sizeof(void *))
    {
        hx_log_error(HX_LOG_EMERG, hinit->pool->log, 0,
                     "could not build %s, you should "
                     "increase %s_bucket_size: %ui",
                     hinit->name, hinit->name, hinit->bucket_size);
        return HX_ERROR;
    }

    fill = hx_alloc(hinit->max_size * sizeof(size_t), hinit->pool->log);
    if (fill == NULL) {
        return HX_ERROR;
    }

    rc = hx_hash_find_size(hinit, names, nelts, fill, &size);

    if (rc == HX_OK) {
        rc = hx_hash_fill(hinit, names, nelts, fill, size);

    } else {
        hx_log_error(HX_LOG_EMERG, hinit->pool->log, 0,
                     "could not build %s, you should "
                     "increase %s_max_size: %ui",
                     hinit->name, hinit->name, hinit->max_size);
        rc = HX_ERROR;
    }

    hx_free(fill);

    return rc;
}


/*
 * Finds the smallest table size in which no bucket's records plus its
 * terminator exceed bucket_size.  fill has max_size slots of scratch.
 */
static hx_int_t
hx_hash_find_size(hx_hash_init_t *hinit, hx_hash_key_t *names,
    hx_uint_t nelts, size_t *fill, hx_uint_t *size)
{
    size_t      room, total;
    hx_uint_t   n, k, tsize;

    room = hinit->bucket_size - sizeof(void *);

    /* fewer buckets than total / room cannot hold everything */

    total = 0;

    for (n = 0; n < nelts; n++) {
        if (names[n].key.data != NULL) {
            total += HX_HASH_ELT_SIZE(names[n].key.len);
        }
    }

    tsize = (total + room - 1) / room;

    if (tsize == 0) {
        tsize = 1;
    }

    for ( /* void */ ; tsize <= hinit->max_size; tsize++) {

        hx_memzero(fill, tsize * sizeof(size_t));

        for (n = 0; n < nelts; n++) {
            if (names[n].key.data == NULL) {
                continue;
            }

            k = names[n].key_hash % tsize;
            fill[k] += HX_HASH_ELT_SIZE(names[n].key.len);

            if (fill[k] > room) {
                break;
            }
        }

        if (n == nelts) {
            *size = tsize;
            return HX_OK;
        }
    }

    return HX_DECLINED;
}


/* lays the records out for the table size chosen */
static hx_int_t
hx_hash_fill(hx_hash_init_t *hinit, hx_hash_key_t *names, hx_uint_t nelts,
    size_t *fill, hx_uint_t size)
{
    size_t            len, total;
    uint8_t          *elts;
    hx_uint_t         n, k, i;
    hx_hash_elt_t    *elt, **buckets;

    hx_memzero(fill, size * sizeof(size_t));

    for (n = 0; n < nelts; n++) {
        if (names[n].key.data != NULL) {
            fill[names[n].key_hash % size] +=
                                      HX_HASH_ELT_SIZE(names[n].key.len);
        }
    }

    total = 0;

    for (k = 0; k < size; k++) {
        if (fill[k] != 0) {
            fill[k] = hx_align(fill[k] + sizeof(void *), HX_HASH_CACHELINE);
            total += fill[k];
        }
    }

    if (hinit->hash == NULL) {
        hinit->hash = hx_pcalloc(hinit->pool, sizeof(hx_hash_wildcard_t)
                                              + size * sizeof(void *));
        if (hinit->hash == NULL) {
            return HX_ERROR;
        }

        buckets = (hx_hash_elt_t **)
                      ((uint8_t *) hinit->hash + sizeof(hx_hash_wildcard_t));

    } else {
        buckets = hx_pcalloc(hinit->pool, size * sizeof(void *));
        if (buckets == NULL) {
            return HX_ERROR;
        }
    }

    elts = NULL;

    if (total != 0) {
        elts = hx_palloc(hinit->pool, total + HX_HASH_CACHELINE);
        if (elts == NULL) {
            return HX_ERROR;
        }

        elts = hx_align_ptr(elts, HX_HASH_CACHELINE);
    }

    /* fill[] now turns from bucket sizes into write offsets */

    for (k = 0; k < size; k++) {
        if (fill[k] != 0) {
            buckets[k] = (hx_hash_elt_t *) elts;
            elts += fill[k];
            fill[k] = 0;
        }
    }

    for (n = 0; n < nelts; n++) {
        if (names[n].key.data == NULL) {
            continue;
        }

        k = names[n].key_hash % size;
        len = names[n].key.len;

        elt = (hx_hash_elt_t *) ((uint8_t *) buckets[k] + fill[k]);
        elt->value = names[n].value;
        elt->len = (uint16_t) len;

        for (i = 0; i < len; i++) {
            elt->name[i] = hx_tolower(names[n].key.data[i]);
        }

        fill[k] += HX_HASH_ELT_SIZE(len);
    }

    for (k = 0; k < size; k++) {
        if (buckets[k] != NULL) {
            elt = (hx_hash_elt_t *) ((uint8_t *) buckets[k] + fill[k]);
            elt->value = NULL;
        }
    }

    hinit->hash->buckets = buckets;
    hinit->hash->size = size;

    return HX_OK;
}


/*
 * Builds a wildcard hash from keys in the form hx_hash_add_key() leaves in
 * dns_wc_head ("com.example." for "*.example.com", "com.example" for
 * ".example.com") or dns_wc_tail ("www.example" for "www.example.*").
 * The order of names does not matter and the array is not modified.
 * Values must be non-NULL and 4-byte aligned.  hinit->key hashes each
 * label (hx_hash_key_lc when NULL).  When hinit->hash is NULL the top
 * level is allocated; otherwise it must point to a zeroed
 * hx_hash_wildcard_t.  Returns as hx_hash_init() does.
 */
hx_int_t
hx_hash_wildcard_init(hx_hash_init_t *hinit, hx_hash_key_t *names,
    hx_uint_t nelts)
{
    hx_uint_t       n, m;
    hx_pool_t      *temp;
    hx_hash_key_t  *sorted;

    temp = hinit->temp_pool ? hinit->temp_pool : hinit->pool;

    sorted = hx_palloc(temp, (nelts ? nelts : 1) * sizeof(hx_hash_key_t));
    if (sorted == NULL) {
        return HX_ERROR;
    }

    m = 0;

    for (n = 0; n < nelts; n++) {
        if (names[n].key.data != NULL) {
            sorted[m++] = names[n];
        }
    }

    /* names sharing a first label become neighbours, at every depth */

    hx_qsort(sorted, m, sizeof(hx_hash_key_t), hx_hash_wc_cmp);

    return hx_hash_wildcard_level(hinit, sorted, m);
}


/*
 * Orders keys as DNS names compare label by label: '.' sorts before any
 * other byte and a prefix before its extensions, so "ab", "ab.c", "ab.d"
 * stay together ahead of "abc".
 */
static int
hx_hash_wc_cmp(const void *one, const void *two)
{
    size_t          i, n;
    unsigned        a, b;
    const hx_str_t  *s1, *s2;

    s1 = &((const hx_hash_key_t *) one)->key;
    s2 = &((const hx_hash_key_t *) two)->key;

    n = hx_min(s1->len, s2->len);

    for (i = 0; i < n; i++) {
        a = (s1->data[i] == '.') ? 0 : s1->data[i] + 1U;
        b = (s2->data[i] == '.') ? 0 : s2->data[i] + 1U;

        if (a != b) {
            return (a < b) ? -1 : 1;
        }
    }

    return (s1->len > s2->len) - (s1->len < s2->len);
}


/* one level of the label tree; names are sorted by hx_hash_wc_cmp() */
static hx_int_t
hx_hash_wildcard_level(hx_hash_init_t *hinit, hx_hash_key_t *names,
    hx_uint_t nelts)
{
    void                *leaf;
    size_t               llen, klen;
    uint8_t             *label, *dot;
    hx_uint_t            i, j, subdomain;
    hx_pool_t           *temp;
    hx_array_t           level, next;
    hx_hash_key_t       *entry, *rest;
    hx_hash_init_t       h;
    hx_hash_key_pt       key;
    hx_hash_wildcard_t  *wdc;

    temp = hinit->temp_pool ? hinit->temp_pool : hinit->pool;
    key = hinit->key ? hinit->key : hx_hash_key_lc;

    if (hx_array_init(&level, temp, nelts ? nelts : 1, sizeof(hx_hash_key_t))
        != HX_OK)
    {
        return HX_ERROR;
    }

    for (i = 0; i < nelts; i = j) {
        label = names[i].key.data;
        dot = hx_strlchr(label, label + names[i].key.len, '.');
        llen = dot ? (size_t) (dot - label) : names[i].key.len;

        if (hx_array_init(&next, temp, 4, sizeof(hx_hash_key_t)) != HX_OK) {
            return HX_ERROR;
        }

        leaf = NULL;
        subdomain = 0;

        /* every name that starts with this label, as "L", "L." or "L.rest" */

        for (j = i; j < nelts; j++) {
            klen = names[j].key.len;

            if (klen < llen
                || hx_memcmp(names[j].key.data, label, llen) != 0
                || (klen > llen && names[j].key.data[llen] != '.'))
            {
                break;
            }

            if (klen == llen) {
                leaf = names[j].value;
                subdomain = 0;

            } else if (klen == llen + 1) {
                leaf = names[j].value;
                subdomain = 1;

            } else {
                rest = hx_array_push(&next);
                if (rest == NULL) {
                    return HX_ERROR;
                }

                rest->key.data = names[j].key.data + llen + 1;
                rest->key.len = klen - llen - 1;
                rest->key_hash = 0;
                rest->value = names[j].value;
            }
        }

        entry = hx_array_push(&level);
        if (entry == NULL) {
            return HX_ERROR;
        }

        entry->key.data = label;
        entry->key.len = llen;
        entry->key_hash = key(label, llen);

        if (next.nelts == 0) {
            entry->value = (void *) ((uintptr_t) leaf
                                     | (subdomain ? HX_HASH_WC_SUBDOMAIN : 0));
            continue;
        }

        h = *hinit;
        h.hash = NULL;

        if (hx_hash_wildcard_level(&h, next.elts, next.nelts) != HX_OK) {
            return HX_ERROR;
        }

        wdc = (hx_hash_wildcard_t *) h.hash;
        wdc->value = leaf;

        entry->value = (void *) ((uintptr_t) wdc | HX_HASH_WC_NESTED
                                 | (subdomain ? HX_HASH_WC_SUBDOMAIN : 0));
    }

    return hx_hash_init(hinit, level.elts, level.nelts);
}


/* the hash of len bytes as they are */
hx_uint_t
hx_hash_key(uint8_t *data, size_t len)
{
    size_t     i;
    hx_uint_t  key;

    key = 0;

    for (i = 0; i < len; i++) {
        key = hx_hash(key, data[i]);
    }

    return key;
}


/* the hash of len bytes as if lowercased; data is not modified */
hx_uint_t
hx_hash_key_lc(uint8_t *data, size_t len)
{
    size_t     i;
    hx_uint_t  key;

    key = 0;

    for (i = 0; i < len; i++) {
        key = hx_hash(key, hx_tolower(data[i]));
    }

    return key;
}


/*
 * Copies n bytes of src to dst lowercased (dst may equal src) and returns
 * their hash, ready for hx_hash_find().
 */
hx_uint_t
hx_hash_strlow(uint8_t *dst, uint8_t *src, size_t n)
{
    hx_uint_t  key;

    key = 0;

    while (n--) {
        *dst = hx_tolower(*src);
        key = hx_hash(key, *dst);
        dst++;
        src++;
    }

    return key;
}


/*
 * Prepares ha for hx_hash_add_key(): HX_HASH_SMALL for a handful of keys
 * (a server's names), HX_HASH_LARGE for thousands (variables, map blocks).
 * ha->pool and ha->temp_pool must be set; everything here lives in
 * temp_pool.  Returns HX_OK or HX_ERROR.
 */
hx_int_t
hx_hash_keys_array_init(hx_hash_keys_arrays_t *ha, hx_uint_t type)
{
    hx_uint_t   asize;
    hx_pool_t  *temp;

    if (type == HX_HASH_SMALL) {
        asize = HX_HASH_SMALL_ASIZE;
        ha->hsize = HX_HASH_SMALL_HSIZE;

    } else {
        asize = HX_HASH_LARGE_ASIZE;
        ha->hsize = HX_HASH_LARGE_HSIZE;
    }

    temp = ha->temp_pool ? ha->temp_pool : ha->pool;

    if (hx_array_init(&ha->keys, temp, asize, sizeof(hx_hash_key_t))
        != HX_OK
        || hx_array_init(&ha->dns_wc_head, temp, asize,
                         sizeof(hx_hash_key_t))
           != HX_OK
        || hx_array_init(&ha->dns_wc_tail, temp, asize,
                         sizeof(hx_hash_key_t))
           != HX_OK)
    {
        return HX_ERROR;
    }

    /* the chains start empty (elts NULL) and are set up on first use */

    ha->keys_hash = hx_pcalloc(temp, sizeof(hx_array_t) * ha->hsize);
    ha->dns_wc_head_hash = hx_pcalloc(temp, sizeof(hx_array_t) * ha->hsize);
    ha->dns_wc_tail_hash = hx_pcalloc(temp, sizeof(hx_array_t) * ha->hsize);

    if (ha->keys_hash == NULL
        || ha->dns_wc_head_hash == NULL
        || ha->dns_wc_tail_hash == NULL)
    {
        return HX_ERROR;
    }

    return HX_OK;
}


/*
 * Adds key with value.  The key is lowercased in place, unless flags has
 * HX_HASH_READONLY_KEY, in which case a lowercased copy is kept when
 * needed.  Without HX_HASH_WILDCARD_KEY every key is exact.  With it:
 *
 *   "*.example.com"  matches names under example.com  -> ha->dns_wc_head
 *   ".example.com"   matches example.com and those    -> ha->dns_wc_head
 *                    (and reserves "example.com" as an exact name)
 *   "www.example.*"  matches www.example.<one or more labels>
 *                                                     -> ha->dns_wc_tail
 *   anything else without '*'                         -> ha->keys
 *
 * Returns HX_OK; HX_BUSY when the name (compared case-insensitively, and
 * for wildcards by the domain part, so "*.x" and ".x" collide) was added
 * before; HX_DECLINED for a malformed wildcard ("*", "**", "x.*.y",
 * "*.x.*", "a..b", ".x.*", a NUL byte); HX_ERROR when out of memory.
 */
hx_int_t
hx_hash_add_key(hx_hash_keys_arrays_t *ha, hx_str_t *key, void *value,
    hx_uint_t flags)
{
    uint8_t             *data;
    hx_int_t             rc;
    hx_uint_t            k;
    hx_pool_t           *temp;
    hx_hash_key_t       *hk;
    hx_hash_key_kind_e   kind;

    kind = HX_HASH_KEY_EXACT;

    if (flags & HX_HASH_WILDCARD_KEY) {
        kind = hx_hash_key_kind(key);

        if (kind == HX_HASH_KEY_INVALID) {
            return HX_DECLINED;
        }
    }

    temp = ha->temp_pool ? ha->temp_pool : ha->pool;

    /* lowercase once, in place or into a copy */

    data = key->data;

    if (!(flags & HX_HASH_READONLY_KEY)) {
        (void) hx_hash_strlow(data, data, key->len);

    } else if (hx_hash_has_upper(key->data, key->len)) {
        data = hx_pnalloc(temp, key->len);
        if (data == NULL) {
            return HX_ERROR;
        }

        (void) hx_hash_strlow(data, key->data, key->len);
    }

    if (kind != HX_HASH_KEY_EXACT) {
        return hx_hash_add_wildcard(ha, data, key->len, value, kind);
    }

    k = hx_hash_key(data, key->len);

    rc = hx_hash_remember(ha, &ha->keys_hash[k % ha->hsize], data, key->len,
                          0);
    if (rc != HX_OK) {
        return rc;
    }

    hk = hx_array_push(&ha->keys);
    if (hk == NULL) {
        return HX_ERROR;
    }

    hk->key.data = data;
    hk->key.len = key->len;
    hk->key_hash = k;
    hk->value = value;

    return HX_OK;
}


/*
 * The wildcard half of hx_hash_add_key(): data is the lowercased key of
 * the given kind.  Every duplicate table is checked before any is
 * changed, so HX_BUSY leaves no trace.
 */
static hx_int_t
hx_hash_add_wildcard(hx_hash_keys_arrays_t *ha, uint8_t *data, size_t klen,
    void *value, hx_hash_key_kind_e kind)
{
    size_t          len, skip;
    uint8_t        *domain;
    hx_uint_t       k, star;
    hx_pool_t      *temp;
    hx_array_t     *exact_chain, *wc_chain, *wc_keys;
    hx_hash_key_t  *hk;

    temp = ha->temp_pool ? ha->temp_pool : ha->pool;
    star = (kind == HX_HASH_KEY_STAR_HEAD);

    /* the domain part, without "*." / "." / ".*" */

    skip = star ? 2 : (kind == HX_HASH_KEY_DOT_HEAD) ? 1 : 0;
    len = klen - skip - (kind == HX_HASH_KEY_TAIL ? 2 : 0);
    domain = data + skip;

    k = hx_hash_key(domain, len) % ha->hsize;

    /* ".x" also answers for the exact name x */
    exact_chain = (kind == HX_HASH_KEY_DOT_HEAD) ? &ha->keys_hash[k] : NULL;

    if (kind == HX_HASH_KEY_TAIL) {
        wc_chain = &ha->dns_wc_tail_hash[k];
        wc_keys = &ha->dns_wc_tail;

    } else {
        wc_chain = &ha->dns_wc_head_hash[k];
        wc_keys = &ha->dns_wc_head;
    }

    if ((exact_chain != NULL
         && hx_hash_remember(ha, exact_chain, domain, len, 1) != HX_OK)
        || hx_hash_remember(ha, wc_chain, domain, len, 1) != HX_OK)
    {
        return HX_BUSY;
    }

    if ((exact_chain != NULL
         && hx_hash_remember(ha, exact_chain, domain, len, 0) != HX_OK)
        || hx_hash_remember(ha, wc_chain, domain, len, 0) != HX_OK)
    {
        return HX_ERROR;
    }

    hk = hx_array_push(wc_keys);
    if (hk == NULL) {
        return HX_ERROR;
    }

    if (kind == HX_HASH_KEY_TAIL) {
        hk->key.data = domain;
        hk->key.len = len;

    } else {
        hk->key.data = hx_hash_reverse_labels(temp, domain, len, star);
        if (hk->key.data == NULL) {
            return HX_ERROR;
        }

        hk->key.len = len + star;
    }

    hk->key_hash = hx_hash_key(hk->key.data, hk->key.len);
    hk->value = value;

    return HX_OK;
}


/* sorts a key given with HX_HASH_WILDCARD_KEY into its kind */
static hx_hash_key_kind_e
hx_hash_key_kind(hx_str_t *key)
{
    size_t     i, len;
    uint8_t   *p;
    hx_uint_t  stars;

    p = key->data;
    len = key->len;
    stars = 0;

    for (i = 0; i < len; i++) {
        if (p[i] == '*' && ++stars > 1) {
            return HX_HASH_KEY_INVALID;
        }

        if (p[i] == '.' && i + 1 < len && p[i + 1] == '.') {
            return HX_HASH_KEY_INVALID;
        }

        if (p[i] == '\0') {
            return HX_HASH_KEY_INVALID;
        }
    }

    if (len > 1 && p[0] == '.') {
        /* ".x" has no star and no empty last label */
        return (stars || p[len - 1] == '.') ? HX_HASH_KEY_INVALID
                                            : HX_HASH_KEY_DOT_HEAD;
    }

    if (len > 2 && p[0] == '*' && p[1] == '.') {
        return (p[len - 1] == '.') ? HX_HASH_KEY_INVALID
                                   : HX_HASH_KEY_STAR_HEAD;
    }

    if (len > 2 && p[len - 2] == '.' && p[len - 1] == '*') {
        return HX_HASH_KEY_TAIL;
    }

    return stars ? HX_HASH_KEY_INVALID : HX_HASH_KEY_EXACT;
}


/*
 * Looks for data in one duplicate-detection chain: HX_BUSY if present.
 * Otherwise, unless check_only, appends it.  HX_ERROR when out of memory.
 */
static hx_int_t
hx_hash_remember(hx_hash_keys_arrays_t *ha, hx_array_t *chain,
    uint8_t *data, size_t len, hx_uint_t check_only)
{
    hx_str_t   *name;
    hx_uint_t   i;
    hx_pool_t  *temp;

    name = chain->elts;

    if (name != NULL) {
        for (i = 0; i < chain->nelts; i++) {
            if (name[i].len == len
                && (len == 0 || hx_memcmp(name[i].data, data, len) == 0))
            {
                return HX_BUSY;
            }
        }
    }

    if (check_only) {
        return HX_OK;
    }

    if (name == NULL) {
        temp = ha->temp_pool ? ha->temp_pool : ha->pool;

        if (hx_array_init(chain, temp, 4, sizeof(hx_str_t)) != HX_OK) {
            return HX_ERROR;
        }
    }

    name = hx_array_push(chain);
    if (name == NULL) {
        return HX_ERROR;
    }

    name->data = data;
    name->len = len;

    return HX_OK;
}


static hx_uint_t
hx_hash_has_upper(uint8_t *data, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (data[i] >= 'A' && data[i] <= 'Z') {
            return 1;
        }
    }

    return 0;
}


/*
 * "example.com" -> "com.example", plus a final '.' for the "*." kind,
 * in a new pool buffer.
 */
static uint8_t *
hx_hash_reverse_labels(hx_pool_t *pool, uint8_t *data, size_t len,
    hx_uint_t trailing_dot)
{
    size_t    i, end;
    uint8_t  *buf, *p;

    buf = hx_pnalloc(pool, len + 1);
    if (buf == NULL) {
        return NULL;
    }

    p = buf;
    end = len;

    for (i = len; i > 0; i--) {
        if (data[i - 1] == '.') {
            p = hx_cpymem(p, &data[i], end - i);
            *p++ = '.';
            end = i - 1;
        }
    }

    p = hx_cpymem(p, data, end);

    if (trailing_dot) {
        *p = '.';
    }

    return buf;
}

/*
 * The address table behind geo (see hx_geo.h).
 *
 * Networks live in binary tries walked from the most significant bit:
 * a network of prefix length n is the node n levels down, and a lookup
 * keeps the value of the deepest node with one on its path, which is
 * the longest matching prefix.  A lookup costs at most 32 (128) steps
 * whatever the number of networks, and the structure needs no balancing
 * because it is built once.  nginx uses a radix tree of the same shape.
 *
 * Ranges are a sorted array of disjoint intervals: adding one inside an
 * existing interval splits that interval into up to three, so lookups
 * stay a plain binary search.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_geo.h>


struct hx_geo_node_s {
    hx_geo_node_t          *child[2];
    void                   *value;
};


static hx_int_t hx_geo_trie_add(hx_pool_t *pool, hx_geo_node_t *root,
    uint8_t *key, uint8_t *mask, hx_uint_t bytes, void *value, void **old);
static hx_int_t hx_geo_trie_delete(hx_geo_node_t *root, uint8_t *key,
    uint8_t *mask, hx_uint_t bytes);
static void *hx_geo_trie_find(hx_geo_node_t *node, uint8_t *key,
    hx_uint_t bits);
static void *hx_geo_range_find(hx_geo_t *geo, uint32_t addr);
static hx_int_t hx_geo_inet(uint8_t *p, size_t len, uint32_t *addr);


#define hx_geo_bit(key, i)  (((key)[(i) >> 3] >> (7 - ((i) & 7))) & 1)


static uint8_t  hx_geo_none[4] = { 0xff, 0xff, 0xff, 0xff };


hx_int_t
hx_geo_init(hx_geo_t *geo, hx_pool_t *pool, hx_uint_t is_ranges)
{
    hx_memzero(geo, sizeof(hx_geo_t));

    geo->pool = pool;
    geo->is_ranges = is_ranges ? 1 : 0;

    if (is_ranges) {
        geo->ranges = hx_array_create(pool, 16, sizeof(hx_geo_range_t));
        return geo->ranges ? HX_OK : HX_ERROR;
    }

    geo->tree = hx_pcalloc(pool, sizeof(hx_geo_node_t));
    geo->tree6 = hx_pcalloc(pool, sizeof(hx_geo_node_t));

    return (geo->tree && geo->tree6) ? HX_OK : HX_ERROR;
}


hx_int_t
hx_geo_add_cidr(hx_geo_t *geo, hx_cidr_t *cidr, void *value, void **old)
{
    void      *old4, *old6;
    hx_int_t   rc, rc6;
    uint8_t    none[16];

    switch (cidr->family) {

    case AF_INET:
        return hx_geo_trie_add(geo->pool, geo->tree,
                               (uint8_t *) &cidr->u.in.addr,
                               (uint8_t *) &cidr->u.in.mask, 4, value, old);

    case AF_INET6:
        return hx_geo_trie_add(geo->pool, geo->tree6,
                               cidr->u.in6.addr.s6_addr,
                               cidr->u.in6.mask.s6_addr, 16, value, old);
    }

    /* the default: both roots; the IPv4 one tells whether it was set */

    hx_memzero(none, sizeof(none));

    rc = hx_geo_trie_add(geo->pool, geo->tree, none, none, 4, value, &old4);
    rc6 = hx_geo_trie_add(geo->pool, geo->tree6, none, none, 16, value,
                          &old6);

    if (rc == HX_ERROR || rc6 == HX_ERROR) {
        return HX_ERROR;
    }

    *old = old4;

    return rc;
}


hx_int_t
hx_geo_delete_cidr(hx_geo_t *geo, hx_cidr_t *cidr)
{
    hx_int_t  rc, rc6;
    uint8_t   none[16];

    switch (cidr->family) {

    case AF_INET:
        return hx_geo_trie_delete(geo->tree, (uint8_t *) &cidr->u.in.addr,
                                  (uint8_t *) &cidr->u.in.mask, 4);

    case AF_INET6:
        return hx_geo_trie_delete(geo->tree6, cidr->u.in6.addr.s6_addr,
                                  cidr->u.in6.mask.s6_addr, 16);
    }

    hx_memzero(none, sizeof(none));

    rc = hx_geo_trie_delete(geo->tree, none, none, 4);
    rc6 = hx_geo_trie_delete(geo->tree6, none, none, 16);

    return (rc == HX_OK || rc6 == HX_OK) ? HX_OK : HX_DECLINED;
}


/* the node of key/mask (the mask's leading ones), made as needed */
static hx_int_t
hx_geo_trie_add(hx_pool_t *pool, hx_geo_node_t *root, uint8_t *key,
    uint8_t *mask, hx_uint_t bytes, void *value, void **old)
{
    hx_uint_t       i, bit;
    hx_geo_node_t  *node;

    node = root;

    for (i = 0; i < bytes * 8 && hx_geo_bit(mask, i); i++) {
        bit = hx_geo_bit(key, i);

        if (node->child[bit] == NULL) {
            node->child[bit] = hx_pcalloc(pool, sizeof(hx_geo_node_t));
            if (node->child[bit] == NULL) {
                return HX_ERROR;
            }
        }

        node = node->child[bit];
    }

    *old = node->value;
    node->value = value;

    return *old ? HX_BUSY : HX_OK;
}


static hx_int_t
hx_geo_trie_delete(hx_geo_node_t *root, uint8_t *key, uint8_t *mask,
    hx_uint_t bytes)
{
    hx_uint_t       i;
    hx_geo_node_t  *node;

    node = root;

    for (i = 0; node && i < bytes * 8 && hx_geo_bit(mask, i); i++) {
        node = node->child[hx_geo_bit(key, i)];
    }

    if (node == NULL || node->value == NULL) {
        return HX_DECLINED;
    }

    node->value = NULL;

    return HX_OK;
}


static void *
hx_geo_trie_find(hx_geo_node_t *node, uint8_t *key, hx_uint_t bits)
{
    void       *value;
    hx_uint_t   i;

    value = NULL;

    for (i = 0; node; i++) {

        if (node->value) {
            value = node->value;
        }

        if (i == bits) {
            break;
        }

        node = node->child[hx_geo_bit(key, i)];
    }

    return value;
}


/* one IPv4 address in host order; 255.255.255.255 included */
static hx_int_t
hx_geo_inet(uint8_t *p, size_t len, uint32_t *addr)
{
    in_addr_t  a;

    a = hx_inet_addr(p, len);

    if (a == INADDR_NONE
        && !(len == 15 && hx_strncmp(p, "255.255.255.255", 15) == 0))
    {
        return HX_ERROR;
    }

    *addr = ntohl(a);

    return HX_OK;
}


hx_int_t
hx_geo_parse_range(hx_str_t *text, uint32_t *start, uint32_t *end)
{
    uint8_t  *dash, *last;

    last = text->data + text->len;

    dash = hx_strlchr(text->data, last, '-');
    if (dash == NULL) {
        return HX_ERROR;
    }

    if (hx_geo_inet(text->data, dash - text->data, start) != HX_OK
        || hx_geo_inet(dash + 1, last - dash - 1, end) != HX_OK)
    {
        return HX_ERROR;
    }

    return (*start <= *end) ? HX_OK : HX_ERROR;
}


hx_int_t
hx_geo_add_range(hx_geo_t *geo, uint32_t start, uint32_t end, void *value,
    void **old, hx_geo_range_t *conflict)
{
    hx_uint_t        i, n, at, hi, mid, pieces;
    hx_geo_range_t  *range, was;

    range = geo->ranges->elts;
    n = geo->ranges->nelts;

    /*
     * the first range that does not end before start, by binary search:
     * a geo base of 100000 ranges in order must load in linear time
     */

    at = 0;
    hi = n;

    while (at < hi) {
        mid = at + (hi - at) / 2;

        if (range[mid].end < start) {
            at = mid + 1;

        } else {
            hi = mid;
        }
    }

    if (at == n || range[at].start > end) {

        /* in a gap: inserted before "at" */

        if (hx_array_push(geo->ranges) == NULL) {
            return HX_ERROR;
        }

        range = geo->ranges->elts;
        hx_memmove(&range[at + 1], &range[at],
                   (n - at) * sizeof(hx_geo_range_t));

        range[at].start = start;
        range[at].end = end;
        range[at].value = value;

        return HX_OK;
    }

    if (start < range[at].start || end > range[at].end) {
        *conflict = range[at];
        return HX_DECLINED;
    }

    if (start == range[at].start && end == range[at].end) {
        *old = range[at].value;
        range[at].value = value;
        return HX_BUSY;
    }

    /* inside one range: it splits into up to three pieces */

    was = range[at];
    pieces = 1 + (start > was.start) + (end < was.end);

    for (i = 1; i < pieces; i++) {
        if (hx_array_push(geo->ranges) == NULL) {
            return HX_ERROR;
        }
    }

    range = geo->ranges->elts;
    hx_memmove(&range[at + pieces], &range[at + 1],
               (n - at - 1) * sizeof(hx_geo_range_t));

    if (start > was.start) {
        range[at].start = was.start;
        range[at].end = start - 1;
        range[at].value = was.value;
        at++;
    }

    range[at].start = start;
    range[at].end = end;
    range[at].value = value;
    at++;

    if (end < was.end) {
        range[at].start = end + 1;
        range[at].end = was.end;
        range[at].value = was.value;
    }

    return HX_OK;
}


hx_int_t
hx_geo_delete_range(hx_geo_t *geo, uint32_t start, uint32_t end)
{
    hx_uint_t        i, n;
    hx_geo_range_t  *range;

    range = geo->ranges->elts;
    n = geo->ranges->nelts;

    for (i = 0; i < n; i++) {
        if (range[i].start == start && range[i].end == end) {
            hx_memmove(&range[i], &range[i + 1],
                       (n - i - 1) * sizeof(hx_geo_range_t));
            geo->ranges->nelts--;
            return HX_OK;
        }
    }

    return HX_DECLINED;
}


static void *
hx_geo_range_find(hx_geo_t *geo, uint32_t addr)
{
    hx_uint_t        lo, hi, mid;
    hx_geo_range_t  *range;

    range = geo->ranges->elts;
    lo = 0;
    hi = geo->ranges->nelts;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (addr < range[mid].start) {
            hi = mid;

        } else if (addr > range[mid].end) {
            lo = mid + 1;

        } else {
            return range[mid].value;
        }
    }

    return NULL;
}


void *
hx_geo_find(hx_geo_t *geo, struct sockaddr *sa)
{
    uint8_t              *key;
    hx_uint_t             bits;
    hx_geo_node_t        *tree;
    struct sockaddr_in6  *sin6;

    key = hx_geo_none;
    bits = 32;
    tree = geo->tree;

    if (sa && sa->sa_family == AF_INET) {
        key = (uint8_t *) &((struct sockaddr_in *) sa)->sin_addr.s_addr;

    } else if (sa && sa->sa_family == AF_INET6) {
        sin6 = (struct sockaddr_in6 *) sa;

        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
            key = sin6->sin6_addr.s6_addr + 12;

        } else if (!geo->is_ranges) {
            key = sin6->sin6_addr.s6_addr;
            bits = 128;
            tree = geo->tree6;
        }
    }

    if (geo->is_ranges) {
        return hx_geo_range_find(geo, ((uint32_t) key[0] << 24)
                                      | ((uint32_t) key[1] << 16)
                                      | ((uint32_t) key[2] << 8)
                                      | key[3]);
    }

    return hx_geo_trie_find(tree, key, bits);
}

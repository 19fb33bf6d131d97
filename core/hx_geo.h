/*
 * An address table: client addresses to opaque values, as the geo
 * modules of http and stream need it.  Two modes, as nginx's geo has:
 *
 *   networks  CIDRs (IPv4 and IPv6) in two binary tries, the value of
 *             the longest matching prefix wins, "default" is the value
 *             of 0.0.0.0/0 and ::/0;
 *   ranges    disjoint IPv4 ranges kept sorted, found by binary search;
 *             a range added inside an existing one splits it.
 *
 * The table is built from a pool at configuration time and only read
 * afterwards.  It knows nothing of variables or configuration syntax:
 * values are the caller's pointers.
 */

#ifndef HX_CORE_HX_GEO_H
#define HX_CORE_HX_GEO_H


typedef struct hx_geo_node_s  hx_geo_node_t;


typedef struct {
    uint32_t                start;      /* host order, inclusive */
    uint32_t                end;
    void                   *value;
} hx_geo_range_t;


typedef struct {
    hx_pool_t              *pool;
    hx_geo_node_t          *tree;       /* networks: IPv4 */
    hx_geo_node_t          *tree6;      /* networks: IPv6 */
    hx_array_t             *ranges;     /* ranges: hx_geo_range_t */
    unsigned                is_ranges:1;
} hx_geo_t;


/* an empty table in "networks" (is_ranges 0) or "ranges" mode */
hx_int_t hx_geo_init(hx_geo_t *geo, hx_pool_t *pool, hx_uint_t is_ranges);

/*
 * Networks mode.  cidr of family AF_UNSPEC stands for both 0.0.0.0/0
 * and ::/0.  add returns HX_OK, HX_BUSY when the network had a value
 * (then in *old; it is replaced) or HX_ERROR; delete returns HX_OK or
 * HX_DECLINED when the network had no value.
 */
hx_int_t hx_geo_add_cidr(hx_geo_t *geo, hx_cidr_t *cidr, void *value,
    void **old);
hx_int_t hx_geo_delete_cidr(hx_geo_t *geo, hx_cidr_t *cidr);

/* "a.b.c.d-e.f.g.h" into host-order bounds; HX_ERROR unless start <= end */
hx_int_t hx_geo_parse_range(hx_str_t *text, uint32_t *start, uint32_t *end);

/*
 * Ranges mode.  A range in a gap is inserted; one inside an existing
 * range takes its part of it (the rest keeps the old value); an equal
 * one replaces the value (HX_BUSY, old value in *old); one that crosses
 * a boundary is refused (HX_DECLINED, the range it overlaps in
 * *conflict).  HX_ERROR on no memory.  delete removes exactly
 * [start, end]: HX_OK or HX_DECLINED when there is no such range.
 */
hx_int_t hx_geo_add_range(hx_geo_t *geo, uint32_t start, uint32_t end,
    void *value, void **old, hx_geo_range_t *conflict);
hx_int_t hx_geo_delete_range(hx_geo_t *geo, uint32_t start, uint32_t end);

/*
 * The value for an address, or NULL when nothing matches.  IPv4-mapped
 * IPv6 counts as IPv4; anything that is not an IP address (a unix
 * socket, sa NULL) is looked up as 255.255.255.255, as nginx does.  In
 * ranges mode an IPv6 address is looked up as 255.255.255.255 too.
 */
void *hx_geo_find(hx_geo_t *geo, struct sockaddr *sa);

#endif /* HX_CORE_HX_GEO_H */

/*
 * The shared-memory zones of limit_conn and limit_req (http and stream):
 * the zone=name:size parameter and the zone's registration, the zone's
 * start (a red-black tree of per-key records keyed by crc32 of the key,
 * plus an LRU queue for who expires records), the lookup and insertion
 * of a key's record, and limit_conn's counters, taken for the life of a
 * pool and given back by its cleanup.
 *
 * A record lives in its rbtree node from the "color" byte on and starts
 * with hx_limit_node_t; the module's own fields follow, and the key's
 * bytes sit at "off" from the start, so one tree walk serves records of
 * any layout.  A module's zone context (shm_zone->data) starts with
 * hx_limit_zone_t.  The caller holds the zone's mutex around lookup and
 * insert; hx_limit_conn_take and its cleanup take it themselves.
 */

#ifndef HX_CORE_HX_LIMIT_ZONE_H
#define HX_CORE_HX_LIMIT_ZONE_H


typedef struct {
    uint8_t                 color;     /* the rbtree node's own */
    uint8_t                 off;       /* the key's bytes, from color */
    uint16_t                len;       /* of the key */
} hx_limit_node_t;


typedef struct {
    hx_rbtree_t             rbtree;
    hx_rbtree_node_t        sentinel;
    hx_queue_t              queue;     /* LRU, most recent first */
} hx_limit_zone_sh_t;


/* the first member of a limit module's zone context */
typedef struct {
    hx_limit_zone_sh_t     *sh;
    hx_slab_pool_t         *shpool;
    hx_str_t                key;       /* as written; a reload keeps it */
    const char             *name;      /* "limit_conn_zone", in messages */
    const char             *log_name;  /* in the slab's: "limit_req zone" */
    unsigned                quiet_nomem:1;   /* the module evicts */
} hx_limit_zone_t;


/* one limit_conn: at most conn counts at once in shm_zone */
typedef struct {
    hx_shm_zone_t          *shm_zone;
    hx_uint_t               conn;
} hx_limit_conn_limit_t;


#define hx_limit_node(n)       ((hx_limit_node_t *) &(n)->color)
#define hx_limit_node_key(h)   ((uint8_t *) (h) + (h)->off)

/* the size of a node whose key starts at off of its record */
#define hx_limit_node_size(off, len)                                          \
    (offsetof(hx_rbtree_node_t, color) + (off) + (len))


/*
 * A parameter of limit_*_zone other than zone=: HX_OK when it is one
 * of the module's (and read into data), HX_DECLINED when not, HX_ERROR
 * after an [emerg].
 */
typedef hx_int_t (*hx_limit_zone_param_pt)(hx_conf_t *cf, hx_str_t *arg,
    void *data);

/*
 * The parameters of "limit_*_zone key zone=name:size ..." from the
 * third word on, then the zone's registration (owned by tag) for z,
 * a zone context whose key, name, log_name and quiet_nomem are set;
 * its start is hx_limit_zone_init.  param (may be NULL) reads the
 * module's other parameters.  HX_CONF_OK or HX_CONF_ERROR after an
 * [emerg]: a bad zone= (no ":", bad size, under 8 pages), an unknown
 * parameter, no zone=, a zone already bound to a key.
 */
char *hx_limit_zone_directive(hx_conf_t *cf, hx_command_t *cmd,
    hx_limit_zone_t *z, void *tag, hx_limit_zone_param_pt param,
    void *data);

/*
 * The zone's start (shm_zone->init): takes over data, the old cycle's
 * context, when the key is unchanged (HX_ERROR after an [emerg] if it
 * changed); else finds the tree in an existing segment or builds it.
 */
hx_int_t hx_limit_zone_init(hx_shm_zone_t *shm_zone, void *data);

/* the node of key (whose crc32 is hash), or NULL */
hx_rbtree_node_t *hx_limit_zone_lookup(hx_limit_zone_t *z, hx_str_t *key,
    uint32_t hash);

/*
 * Fills the record head of node (allocated with hx_limit_node_size(off,
 * key->len)) with key at off and hash, and inserts it in the tree.
 */
void hx_limit_zone_insert(hx_limit_zone_t *z, hx_rbtree_node_t *node,
    size_t off, hx_str_t *key, uint32_t hash);

/*
 * limit_conn: one count of key (at most 255 bytes) in limit's zone for
 * the life of pool, whose cleanup gives it back.  HX_OK, HX_BUSY (the
 * key is at limit->conn), HX_DECLINED (the zone is full) or HX_ERROR
 * (no memory for the cleanup).
 */
hx_int_t hx_limit_conn_take(hx_limit_conn_limit_t *limit, hx_str_t *key,
    hx_pool_t *pool);

/*
 * Gives back now the counts hx_limit_conn_take registered on pool last
 * (the run of them at the head of its cleanups), as when a later limit
 * refuses.
 */
void hx_limit_conn_give_back(hx_pool_t *pool);

/*
 * limit_conn zone number: appends {zone, number} to limits (an array
 * that may still be unset, elts NULL).  HX_CONF_OK or an error
 * (logged, or "is duplicate" for the dispatcher).
 */
char *hx_limit_conn_directive(hx_conf_t *cf, hx_array_t *limits, void *tag);


#endif /* HX_CORE_HX_LIMIT_ZONE_H */

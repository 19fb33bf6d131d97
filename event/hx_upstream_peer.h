/*
 * Peer selection shared by http upstream {}, stream upstream {} and the
 * ha module's virtual_server: the peer groups, the per-connection state
 * and every balancer, with no knowledge of requests or sessions.
 *
 * Configuration.  A user embeds (or allocates) an hx_upstream_t, calls
 * hx_upstream_conf_init(), feeds it "server" lines through
 * hx_upstream_server() (or hx_upstream_add_server() for real_servers), may
 * pick a balancer (hx_upstream_method() for nginx's directives,
 * hx_upstream_ipvs_balancer() for keepalived's lb_algo), may bind a zone
 * (hx_upstream_zone()), and once the block is complete calls
 * hx_upstream_init(), which builds the primary and backup groups and the
 * balancer's tables.
 *
 * Per connection.  hx_upstream_init_peer() gives an hx_peer_connection_t
 * its get/free/data/tries: hx_event_connect_peer() calls get, and the
 * caller calls pc->free(pc, pc->data, 0 or HX_PEER_FAILED) when the
 * attempt ends, as nginx's peer API does.  get returns HX_OK with
 * pc->sockaddr/socklen/name set, or HX_BUSY (logged once, at error level,
 * as "no live upstreams"; pc->name is then the upstream's name).  The
 * inputs a balancer needs (hash key, client and local address) come in an
 * hx_upstream_select_t filled by the caller, so http and stream evaluate
 * their own variables and pass bytes.
 *
 * Shared state.  Without a zone each process keeps its own copy of the
 * peers (counters diverge per worker, as nginx's do).  With a zone the
 * groups are copied into shared memory when the zone is created, before
 * the workers fork; every get and free then runs under the group's
 * process-shared mutex, and a health checker in the master changes a
 * peer with hx_upstream_peer_set_down()/set_weight(), which the workers
 * see on their next choice.
 */

#ifndef HX_EVENT_HX_UPSTREAM_PEER_H
#define HX_EVENT_HX_UPSTREAM_PEER_H


/* server parameters a balancer accepts (hx_upstream_t.flags) */
#define HX_UPSTREAM_CREATE          0x0001
#define HX_UPSTREAM_WEIGHT          0x0002
#define HX_UPSTREAM_MAX_FAILS       0x0004
#define HX_UPSTREAM_FAIL_TIMEOUT    0x0008
#define HX_UPSTREAM_DOWN            0x0010
#define HX_UPSTREAM_BACKUP          0x0020
#define HX_UPSTREAM_MODIFY          0x0040
#define HX_UPSTREAM_MAX_CONNS       0x0100

#define HX_UPSTREAM_DEFAULT_FLAGS                                             \
    (HX_UPSTREAM_CREATE|HX_UPSTREAM_WEIGHT|HX_UPSTREAM_MAX_FAILS              \
     |HX_UPSTREAM_FAIL_TIMEOUT|HX_UPSTREAM_DOWN|HX_UPSTREAM_BACKUP            \
     |HX_UPSTREAM_MAX_CONNS)

/* balancer options (hx_upstream_t.balancer_flags) */
#define HX_UPSTREAM_HASH_PORT       0x0001   /* sh-port, mh-port */
#define HX_UPSTREAM_HASH_FALLBACK   0x0002   /* sh-fallback, mh-fallback */

/* tables of the IPVS hashing schedulers */
#define HX_UPSTREAM_SH_SIZE         256
#define HX_UPSTREAM_DH_SIZE         256
#define HX_UPSTREAM_MH_SIZE         65521    /* a prime, as Maglev needs */

/* nginx's limit on hash probes before falling back to round robin */
#define HX_UPSTREAM_HASH_TRIES      20

#define HX_UPSTREAM_CHASH_POINTS    160      /* ring points per weight unit */


typedef struct hx_upstream_s            hx_upstream_t;
typedef struct hx_upstream_peer_s       hx_upstream_peer_t;
typedef struct hx_upstream_peers_s      hx_upstream_peers_t;
typedef struct hx_upstream_balancer_s   hx_upstream_balancer_t;
typedef struct hx_upstream_affinity_s   hx_upstream_affinity_t;


/* one "server" line (or real_server) before it becomes peers */
typedef struct {
    hx_str_t                  name;          /* the address as written */
    hx_addr_t                *addrs;         /* what it resolved to */
    hx_uint_t                 naddrs;

    hx_uint_t                 weight;
    hx_uint_t                 max_conns;
    hx_uint_t                 max_fails;
    time_t                    fail_timeout;

    unsigned                  down:1;
    unsigned                  backup:1;
    unsigned                  resolve:1;     /* accepted; resolved at start */
} hx_upstream_server_t;


/*
 * One address of a server.  Everything below "server" changes at run
 * time and lives in the zone when there is one; all writes happen with
 * the group's lock held.
 */
struct hx_upstream_peer_s {
    struct sockaddr          *sockaddr;
    socklen_t                 socklen;
    hx_str_t                  name;          /* "10.0.0.1:80" */
    hx_str_t                  server;        /* the server line's address */

    hx_int_t                  current_weight;    /* smooth round robin */
    hx_int_t                  effective_weight;
    hx_int_t                  weight;        /* in force; 0: inhibited */
    hx_int_t                  conf_weight;   /* as configured */

    hx_uint_t                 conns;         /* attempts in progress */
    hx_uint_t                 max_conns;

    hx_uint_t                 fails;
    time_t                    accessed;      /* last failure */
    time_t                    checked;       /* last failure or probe */

    hx_uint_t                 max_fails;
    time_t                    fail_timeout;

    hx_uint_t                 requests;      /* times chosen, for status */

    unsigned                  down:1;        /* "down" in the configuration */
    unsigned                  hc_down:1;     /* a health checker's verdict */
    unsigned                  inhibited:1;   /* weight 0 by a checker */
};


/* the primary group, or the backup group hanging off its "next" */
struct hx_upstream_peers_s {
    hx_upstream_peer_t       *peer;          /* array of "number" */
    hx_uint_t                 number;

    hx_uint_t                 total_weight;  /* of the weights in force */
    hx_uint_t                 tries;         /* peers not "down" */

    unsigned                  single:1;      /* one peer, no backup */
    unsigned                  weighted:1;
    unsigned                  backup:1;

    hx_str_t                 *name;          /* the upstream's */
    hx_upstream_peers_t      *next;          /* the backup group */

    hx_shmtx_t               *lock;          /* NULL unless in a zone */

    /*
     * Bumped when a checker changes membership or weight: processes
     * rebuild their private tables (sh, dh, mh, random ranges) when it
     * differs from hx_upstream_t.generation.  Kept in the primary group.
     */
    hx_uint_t                 generation;

    /* IPVS rr and wrr positions, shared by all workers with a zone */
    hx_int_t                  ipvs_last;
    hx_uint_t                 wrr_generation;
    hx_int_t                  wrr_cw;
    hx_int_t                  wrr_mw;
    hx_int_t                  wrr_di;
};


/* what a balancer may look at for one connection; filled by the caller */
typedef struct {
    hx_str_t                  key;           /* hash: the evaluated key */
    struct sockaddr          *client;        /* ip_hash, sh, mh, affinity */
    socklen_t                 client_len;
    struct sockaddr          *local;         /* dh: the address dialled */
    socklen_t                 local_len;
} hx_upstream_select_t;


/* the state of one connection's attempts, pc->data */
typedef struct {
    hx_upstream_t            *upstream;
    hx_upstream_peers_t      *peers;         /* the group being tried */
    hx_upstream_peer_t       *current;
    uintptr_t                *tried;         /* bit i: peer i was tried */
    uintptr_t                 data;          /* the bitmap when small */

    hx_upstream_select_t      sel;

    uint32_t                  hash;          /* hash balancers' position */
    hx_uint_t                 rehash;
    hx_uint_t                 tries;         /* probes before rr fallback */

    hx_event_get_peer_pt      get;           /* the balancer's own get */
} hx_upstream_peer_data_t;


/*
 * A balancing method.  init runs once per upstream after the groups are
 * built (tables, rings); init_peer once per connection after the generic
 * state is set up; get picks a peer (hx_event_get_peer_pt, data is the
 * hx_upstream_peer_data_t).  init and init_peer may be NULL.
 */
struct hx_upstream_balancer_s {
    hx_str_t                  name;
    hx_uint_t                 flags;         /* HX_UPSTREAM_* accepted */
    hx_int_t                (*init)(hx_conf_t *cf, hx_upstream_t *us);
    hx_int_t                (*init_peer)(hx_upstream_peer_data_t *pd);
    hx_event_get_peer_pt      get;
};


/* keepalived's persistence_timeout / persistence_granularity */
typedef struct {
    time_t                    timeout;       /* seconds; 0: off */
    in_addr_t                 mask;          /* IPv4 granularity (net order) */
    hx_uint_t                 prefix6;       /* IPv6 granularity, bits */
} hx_upstream_affinity_conf_t;


struct hx_upstream_s {
    hx_str_t                  name;          /* upstream NAME, or the host */
    uint8_t                  *file_name;     /* where it was defined */
    hx_uint_t                 line;

    in_port_t                 port;          /* an implicit upstream's */
    in_port_t                 default_port;  /* server lines: 80 in http;
                                                0 means a port is required */

    hx_array_t               *servers;       /* hx_upstream_server_t */
    hx_uint_t                 flags;         /* HX_UPSTREAM_* accepted */

    const hx_upstream_balancer_t  *balancer; /* NULL: round robin */
    hx_uint_t                 balancer_flags;
    void                     *balancer_data; /* private tables */
    hx_uint_t                 generation;    /* of those tables */

    hx_upstream_peers_t      *peers;         /* after hx_upstream_init() */

    hx_shm_zone_t            *shm_zone;

    hx_upstream_affinity_conf_t  affinity_conf;
    hx_upstream_affinity_t   *affinity;      /* in the zone */
};


/* the balancers */
extern const hx_upstream_balancer_t  hx_upstream_round_robin;
extern const hx_upstream_balancer_t  hx_upstream_least_conn;
extern const hx_upstream_balancer_t  hx_upstream_ip_hash;
extern const hx_upstream_balancer_t  hx_upstream_hash;
extern const hx_upstream_balancer_t  hx_upstream_chash;
extern const hx_upstream_balancer_t  hx_upstream_random;
extern const hx_upstream_balancer_t  hx_upstream_random_two;  /* least_conn */

extern const hx_upstream_balancer_t  hx_upstream_ipvs_rr;
extern const hx_upstream_balancer_t  hx_upstream_ipvs_wrr;
extern const hx_upstream_balancer_t  hx_upstream_ipvs_lc;
extern const hx_upstream_balancer_t  hx_upstream_ipvs_wlc;
extern const hx_upstream_balancer_t  hx_upstream_ipvs_sed;
extern const hx_upstream_balancer_t  hx_upstream_ipvs_nq;
extern const hx_upstream_balancer_t  hx_upstream_ipvs_fo;
extern const hx_upstream_balancer_t  hx_upstream_ipvs_ovf;
extern const hx_upstream_balancer_t  hx_upstream_ipvs_sh;
extern const hx_upstream_balancer_t  hx_upstream_ipvs_dh;
extern const hx_upstream_balancer_t  hx_upstream_ipvs_mh;


/* ---- configuration (hx_upstream_peer.c) ---------------------------- */

/*
 * Sets up us for a new upstream block or implicit upstream: name, the
 * caller's file and line for messages, an empty servers array (created
 * when with_servers), round robin, nginx's default parameters.
 * default_port is what "server" lines without a port get (0: refuse them,
 * as stream does).  HX_OK or HX_ERROR (no memory).
 */
hx_int_t hx_upstream_conf_init(hx_conf_t *cf, hx_upstream_t *us,
    hx_str_t *name, in_port_t default_port, hx_uint_t with_servers);

/*
 * The "server ADDRESS [weight=N] [max_conns=N] [max_fails=N]
 * [fail_timeout=T] [backup] [down] [resolve]" directive, cf->args as the
 * dispatcher left them.  A name resolving to several addresses yields a
 * peer for each.  service= is refused.  Logs its own errors (nginx's
 * wording) and returns HX_CONF_OK or HX_CONF_ERROR.
 */
char *hx_upstream_server(hx_conf_t *cf, hx_upstream_t *us);

/*
 * A server added by code (the ha module's real_server): one address,
 * weight 1, max_fails 1, fail_timeout 10 (adjust the returned struct).
 * sockaddr and name are copied into pool.  NULL on no memory.
 */
hx_upstream_server_t *hx_upstream_add_server(hx_pool_t *pool,
    hx_upstream_t *us, struct sockaddr *sockaddr, socklen_t socklen,
    hx_str_t *name);

/*
 * Chooses the balancer: warns "load balancing method redefined" when one
 * was already chosen and takes its accepted server parameters.  Returns
 * HX_CONF_OK.
 */
char *hx_upstream_set_balancer(hx_conf_t *cf, hx_upstream_t *us,
    const hx_upstream_balancer_t *b, hx_uint_t balancer_flags);

/*
 * nginx's balancer directives, cf->args[0] being one of "least_conn",
 * "ip_hash", "hash KEY [consistent]" or "random [two [least_conn]]".  For
 * "hash" the caller compiles KEY itself (its own complex value) and
 * passes the evaluated bytes in hx_upstream_select_t.key per connection.
 * HX_CONF_OK, or HX_CONF_ERROR logged.
 */
char *hx_upstream_method(hx_conf_t *cf, hx_upstream_t *us);

/*
 * keepalived's lb_algo: the balancer for rr, wrr, lc, wlc, sed, nq, fo,
 * ovf, sh, dh, mh; NULL with *reason set for lblc, lblcr and unknown
 * names.
 */
const hx_upstream_balancer_t *hx_upstream_ipvs_balancer(hx_str_t *name,
    const char **reason);

/*
 * Builds the groups from the server lines (or, for an implicit upstream
 * with no servers array, resolves name:port) and runs the balancer's
 * init.  Call once the block is complete (init_main_conf).  Errors are
 * logged as "no servers in upstream "x" in file:line"; HX_OK / HX_ERROR.
 */
hx_int_t hx_upstream_init(hx_conf_t *cf, hx_upstream_t *us);


/* ---- per connection (hx_upstream_peer.c) --------------------------- */

/*
 * Prepares pc for a new connection through us: allocates the attempt
 * state from pool, copies sel (which may be NULL; the key bytes must
 * outlive the connection) and sets pc->get, free, data and tries (the
 * number of peers not "down", backup included).  HX_OK or HX_ERROR.
 */
hx_int_t hx_upstream_init_peer(hx_upstream_t *us, hx_peer_connection_t *pc,
    hx_pool_t *pool, hx_upstream_select_t *sel);

/*
 * For a destination known only at run time (proxy_pass with variables
 * that name addresses): a one-off group of the given addresses, round
 * robin, max_fails 1, fail_timeout 10, allocated from pool.  name is what
 * pc->name shows when all fail.  HX_OK or HX_ERROR.
 */
hx_int_t hx_upstream_create_peer(hx_peer_connection_t *pc, hx_pool_t *pool,
    hx_addr_t *addrs, hx_uint_t naddrs, hx_str_t *name);


/* ---- run-time state changes by health checks (hx_upstream_peer.c) -- */

/* the peer of us with that address (and port), or NULL */
hx_upstream_peer_t *hx_upstream_find_peer(hx_upstream_t *us,
    struct sockaddr *sockaddr, socklen_t socklen);

/*
 * A checker's verdict: down takes the peer out of every balancer at once
 * (for the IPVS hashing schedulers it leaves their tables, as a removed
 * real server leaves IPVS); up clears the passive failure count too.
 */
void hx_upstream_peer_set_down(hx_upstream_t *us, hx_upstream_peer_t *peer,
    hx_uint_t down);

/*
 * Changes the weight in force: 0 inhibits the peer (inhibit_on_failure,
 * it stays in the tables but is never chosen), any other value is a new
 * weight (misc_dynamic).  Negative restores the configured weight.
 */
void hx_upstream_peer_set_weight(hx_upstream_t *us, hx_upstream_peer_t *peer,
    hx_int_t weight);


/*
 * The slot table of an sh, dh or mh upstream (peer indexes, 0xffff for
 * none) as this process last built it, for status pages and tests; NULL
 * for the other balancers.
 */
uint16_t *hx_upstream_ipvs_slots(hx_upstream_t *us, hx_uint_t *size);


/* ---- pieces shared by the balancers -------------------------------- */

#define hx_upstream_lock(peers)                                               \
    if ((peers)->lock) {                                                      \
        hx_shmtx_lock((peers)->lock);                                         \
    }

#define hx_upstream_unlock(peers)                                             \
    if ((peers)->lock) {                                                      \
        hx_shmtx_unlock((peers)->lock);                                       \
    }

#define HX_UPSTREAM_TRIED_BITS   (8 * sizeof(uintptr_t))

#define hx_upstream_is_tried(pd, i)                                           \
    ((pd)->tried[(i) / HX_UPSTREAM_TRIED_BITS]                                \
     & ((uintptr_t) 1 << ((i) % HX_UPSTREAM_TRIED_BITS)))

#define hx_upstream_set_tried(pd, i)                                          \
    (pd)->tried[(i) / HX_UPSTREAM_TRIED_BITS]                                 \
        |= ((uintptr_t) 1 << ((i) % HX_UPSTREAM_TRIED_BITS))


/* in the group at all: not "down" and not taken out by a checker */
#define hx_upstream_peer_member(peer)  (!(peer)->down && !(peer)->hc_down)

/*
 * Whether peer may take a new connection now: a member, weight above 0,
 * not failed max_fails times within fail_timeout, below max_conns.
 */
static inline hx_uint_t
hx_upstream_peer_available(hx_upstream_peer_t *peer, time_t now)
{
    if (!hx_upstream_peer_member(peer) || peer->weight <= 0) {
        return 0;
    }

    if (peer->max_fails
        && peer->fails >= peer->max_fails
        && now - peer->checked <= peer->fail_timeout)
    {
        return 0;
    }

    if (peer->max_conns && peer->conns >= peer->max_conns) {
        return 0;
    }

    return 1;
}


/*
 * Records the choice of peer i of pd->peers (lock held): current, tried
 * bit, conns, the fail_timeout probe time, and pc's address.
 */
void hx_upstream_use_peer(hx_peer_connection_t *pc,
    hx_upstream_peer_data_t *pd, hx_uint_t i, time_t now);

/*
 * Moves pd to the backup group with a clean tried bitmap; 0 when there is
 * none (or pd already is there).
 */
hx_uint_t hx_upstream_switch_to_backup(hx_upstream_peer_data_t *pd);

/* nginx's smooth weighted round robin; also the fallback of the others */
hx_int_t hx_upstream_get_round_robin_peer(hx_peer_connection_t *pc,
    void *data);
void hx_upstream_free_peer(hx_peer_connection_t *pc, void *data,
    hx_uint_t state);

/* the groups in the configuration pool (hx_upstream_round_robin.c) */
hx_int_t hx_upstream_init_round_robin(hx_conf_t *cf, hx_upstream_t *us);

/* a process-private random number, reseeded after fork */
uint32_t hx_upstream_random_number(void);


/* ---- zones (hx_upstream_zone.c) ------------------------------------ */

/*
 * Binds us to the shared zone "name" (size 0: declared by another
 * upstream); several upstreams may share one zone.  Logs and returns
 * HX_CONF_ERROR on a conflicting declaration or a zone smaller than 8
 * pages.
 */
char *hx_upstream_zone(hx_conf_t *cf, hx_upstream_t *us, hx_str_t *name,
    size_t size);

/* the "zone NAME [SIZE]" directive with nginx's messages */
char *hx_upstream_zone_directive(hx_conf_t *cf, hx_upstream_t *us);

/*
 * A zone size that holds us's peers and, with persistence, about
 * "clients" affinity entries: for code that creates zones itself.
 */
size_t hx_upstream_zone_size(hx_upstream_t *us, hx_uint_t clients);

/*
 * The zone's init (hx_shm_zone_t.init): copies the groups of every
 * upstream bound to the zone into it and creates their affinity tables.
 * Exposed for tests that build a zone by hand.
 */
hx_int_t hx_upstream_init_zone(hx_shm_zone_t *shm_zone, void *data);


/* ---- client affinity (hx_upstream_affinity.c) ---------------------- */

/*
 * keepalived's persistence: a client (its address masked by the
 * granularity) keeps going to the same peer while it comes back within
 * timeout seconds.  Needs a zone (the table is shared by all workers);
 * hx_upstream_init() refuses persistence without one.
 */
void hx_upstream_set_persistence(hx_upstream_t *us, time_t timeout,
    in_addr_t mask, hx_uint_t prefix6);

/* creates the table in the zone's slab pool; NULL on no memory */
hx_upstream_affinity_t *hx_upstream_affinity_create(hx_slab_pool_t *shpool,
    hx_upstream_affinity_conf_t *conf);

/*
 * The peer remembered for client, or -1.  Encoded as index, plus
 * HX_UPSTREAM_AFFINITY_BACKUP for the backup group.  An expired entry is
 * removed and -1 returned.  The entry's clock restarts on a hit.
 */
#define HX_UPSTREAM_AFFINITY_BACKUP  0x10000

hx_int_t hx_upstream_affinity_lookup(hx_upstream_affinity_t *aff,
    struct sockaddr *client, socklen_t len);

/* remembers (or re-points) client → peer; HX_OK, HX_ERROR when full */
hx_int_t hx_upstream_affinity_store(hx_upstream_affinity_t *aff,
    struct sockaddr *client, socklen_t len, hx_uint_t peer);

/* forgets client */
void hx_upstream_affinity_remove(hx_upstream_affinity_t *aff,
    struct sockaddr *client, socklen_t len);

/* entries held, expired ones included until swept */
hx_uint_t hx_upstream_affinity_count(hx_upstream_affinity_t *aff);

#endif /* HX_EVENT_HX_UPSTREAM_PEER_H */

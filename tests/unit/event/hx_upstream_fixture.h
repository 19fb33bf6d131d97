/*
 * Shared fixture of the upstream tests: a configuration context over a
 * scratch pool, a log whose lines are kept for searching, a fake clock
 * (hx_time() and hx_current_msec set by hand), upstreams built from
 * "server ..." lines as the dispatcher would pass them, a shared zone made
 * the way the cycle makes one, and one-call connection attempts.  Each
 * test file includes it once; Criterion runs each test in its own
 * process, so the statics start fresh.
 */

#ifndef HX_TESTS_UNIT_EVENT_HX_UPSTREAM_FIXTURE_H
#define HX_TESTS_UNIT_EVENT_HX_UPSTREAM_FIXTURE_H

#include <hx_upstream_peer.h>


#define HXU_BACKUP  100     /* hxu_pick() adds it for a backup peer */
#define HXU_BUSY    -1


static hx_log_t      hxu_log;
static hx_cycle_t    hxu_cycle;
static hx_conf_t     hxu_cf;
static hx_time_t     hxu_time;
static char          hxu_logged[65536];
static size_t        hxu_logged_len;


static void
hxu_capture(hx_log_t *log, hx_uint_t level, uint8_t *buf, size_t len)
{
    (void) log;
    (void) level;

    len = hx_min(len, sizeof(hxu_logged) - 1 - hxu_logged_len);
    hx_memcpy(hxu_logged + hxu_logged_len, buf, len);
    hxu_logged_len += len;
    hxu_logged[hxu_logged_len] = '\0';
}


/* how many kept log lines contain s */
HX_UNUSED static hx_uint_t
hxu_logged_count(const char *s)
{
    hx_uint_t   n;
    char       *p;

    n = 0;
    p = hxu_logged;

    while ((p = strstr(p, s)) != NULL) {
        n++;
        p += strlen(s);
    }

    return n;
}


static void
hxu_setup(void)
{
    hx_time_init();
    hx_use_stderr = 0;

    hx_memzero(&hxu_log, sizeof(hx_log_t));
    hxu_log.log_level = HX_LOG_INFO;
    hxu_log.writer = hxu_capture;

    hxu_logged_len = 0;
    hxu_logged[0] = '\0';

    hx_memzero(&hxu_cycle, sizeof(hx_cycle_t));
    hxu_cycle.pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, &hxu_log);
    cr_assert_not_null(hxu_cycle.pool);
    hxu_cycle.log = &hxu_log;

    cr_assert_eq(hx_list_init(&hxu_cycle.shared_memory, hxu_cycle.pool, 1,
                              sizeof(hx_shm_zone_t)), HX_OK);

    hx_memzero(&hxu_cf, sizeof(hx_conf_t));
    hxu_cf.cycle = &hxu_cycle;
    hxu_cf.pool = hxu_cycle.pool;
    hxu_cf.temp_pool = hxu_cycle.pool;
    hxu_cf.log = &hxu_log;
    hxu_cf.args = hx_array_create(hxu_cf.pool, 8, sizeof(hx_str_t));
    cr_assert_not_null(hxu_cf.args);

    /* the fake clock */
    hx_memzero(&hxu_time, sizeof(hx_time_t));
    hxu_time.sec = 1000000;
    hx_cached_time = &hxu_time;
    hx_current_msec = 50000000;
}


static void
hxu_teardown(void)
{
    hx_destroy_pool(hxu_cycle.pool);
}


/* cf->args from a line of words, as the tokenizer leaves them */
static void
hxu_args(const char *line)
{
    size_t       n;
    hx_str_t    *w;
    const char  *p, *e;

    hxu_cf.args->nelts = 0;

    for (p = line; *p; p = e) {
        while (*p == ' ') {
            p++;
        }

        if (*p == '\0') {
            break;
        }

        for (e = p; *e && *e != ' '; e++) { /* void */ }

        n = e - p;

        w = hx_array_push(hxu_cf.args);
        cr_assert_not_null(w);

        w->data = hx_pnalloc(hxu_cf.pool, n + 1);
        cr_assert_not_null(w->data);
        hx_memcpy(w->data, p, n);
        w->data[n] = '\0';
        w->len = n;
    }
}


/* whether an hx_str_t (not NUL-terminated) holds exactly text */
HX_UNUSED static hx_uint_t
hxu_str_is(hx_str_t *s, const char *text)
{
    return s->len == strlen(text) && hx_memcmp(s->data, text, s->len) == 0;
}


/* a "server ..." line given to us */
HX_UNUSED static char *
hxu_server(hx_upstream_t *us, const char *line)
{
    hxu_args(line);
    return hx_upstream_server(&hxu_cf, us);
}


/*
 * An upstream "name" (http's default port 80) from server lines ending
 * with NULL, balanced by b (NULL: round robin) with balancer options;
 * not yet initialised, so a test may add a zone or persistence first.
 */
static hx_upstream_t *
hxu_upstream_conf(const hx_upstream_balancer_t *b, hx_uint_t bflags,
    const char **lines)
{
    hx_str_t        name = hx_string("backend");
    hx_upstream_t  *us;

    us = hx_pcalloc(hxu_cf.pool, sizeof(hx_upstream_t));
    cr_assert_not_null(us);

    cr_assert_eq(hx_upstream_conf_init(&hxu_cf, us, &name, 80, 1), HX_OK);

    if (b) {
        hx_upstream_set_balancer(&hxu_cf, us, b, bflags);
    }

    for ( /* void */ ; *lines; lines++) {
        cr_assert_eq(hxu_server(us, *lines), HX_CONF_OK, "%s", *lines);
    }

    return us;
}


/* the same, initialised */
HX_UNUSED static hx_upstream_t *
hxu_upstream(const hx_upstream_balancer_t *b, hx_uint_t bflags,
    const char **lines)
{
    hx_upstream_t  *us;

    us = hxu_upstream_conf(b, bflags, lines);
    cr_assert_eq(hx_upstream_init(&hxu_cf, us), HX_OK);

    return us;
}


/* maps a zone of size bytes the way the cycle does and binds us to it */
HX_UNUSED static hx_shm_zone_t *
hxu_zone(hx_upstream_t *us, const char *name, size_t size)
{
    hx_str_t         zname;
    hx_shm_zone_t   *zone;
    hx_slab_pool_t  *sp;

    zname.data = (uint8_t *) name;
    zname.len = strlen(name);

    cr_assert_eq(hx_upstream_zone(&hxu_cf, us, &zname, size), HX_CONF_OK);

    zone = us->shm_zone;
    cr_assert_not_null(zone);

    if (zone->shm.addr) {
        return zone;
    }

    zone->shm.log = &hxu_log;
    cr_assert_eq(hx_shm_alloc(&zone->shm), HX_OK);

    hx_slab_sizes_init();

    sp = (hx_slab_pool_t *) zone->shm.addr;
    sp->end = zone->shm.addr + zone->shm.size;
    sp->min_shift = 3;
    sp->addr = zone->shm.addr;

    cr_assert_eq(hx_shmtx_create(&sp->mutex, &hxu_log), HX_OK);
    hx_slab_init(sp);

    return zone;
}


/* runs the zone's init as the cycle would once all upstreams are built */
HX_UNUSED static void
hxu_zone_init(hx_shm_zone_t *zone)
{
    cr_assert_eq(zone->init(zone, NULL), HX_OK);
}


/* an IPv4 client or destination address */
HX_UNUSED static struct sockaddr *
hxu_addr(const char *ip, in_port_t port)
{
    struct sockaddr_in  *sin;

    sin = hx_pcalloc(hxu_cf.pool, sizeof(struct sockaddr_in));
    cr_assert_not_null(sin);

    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    cr_assert_eq(inet_pton(AF_INET, ip, &sin->sin_addr), 1);

    return (struct sockaddr *) sin;
}


HX_UNUSED static struct sockaddr *
hxu_addr6(const char *ip, in_port_t port)
{
    struct sockaddr_in6  *sin6;

    sin6 = hx_pcalloc(hxu_cf.pool, sizeof(struct sockaddr_in6));
    cr_assert_not_null(sin6);

    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    cr_assert_eq(inet_pton(AF_INET6, ip, &sin6->sin6_addr), 1);

    return (struct sockaddr *) sin6;
}


/* a selection with a client address (may be NULL) and a key */
HX_UNUSED static hx_upstream_select_t *
hxu_sel(struct sockaddr *client, const char *key)
{
    hx_upstream_select_t  *sel;

    sel = hx_pcalloc(hxu_cf.pool, sizeof(hx_upstream_select_t));
    cr_assert_not_null(sel);

    if (client) {
        sel->client = client;
        sel->client_len = (client->sa_family == AF_INET6)
                          ? sizeof(struct sockaddr_in6)
                          : sizeof(struct sockaddr_in);
    }

    if (key) {
        sel->key.data = (uint8_t *) key;
        sel->key.len = strlen(key);
    }

    return sel;
}


/* starts a connection: pc ready for pc->get */
static void
hxu_begin(hx_upstream_t *us, hx_upstream_select_t *sel,
    hx_peer_connection_t *pc)
{
    hx_memzero(pc, sizeof(hx_peer_connection_t));
    pc->log = &hxu_log;

    cr_assert_eq(hx_upstream_init_peer(us, pc, hxu_cf.pool, sel), HX_OK);
}


/* the peer pc->get chose, HXU_BACKUP + i for a backup, or HXU_BUSY */
static hx_int_t
hxu_get(hx_peer_connection_t *pc)
{
    hx_int_t                  rc;
    hx_upstream_peer_data_t  *pd;

    rc = pc->get(pc, pc->data);

    if (rc == HX_BUSY) {
        return HXU_BUSY;
    }

    cr_assert_eq(rc, HX_OK);

    pd = pc->data;
    cr_assert_not_null(pd->current);
    cr_assert_eq(pc->sockaddr, pd->current->sockaddr);

    return (pd->current - pd->peers->peer)
           + (pd->peers->backup ? HXU_BACKUP : 0);
}


/*
 * One whole connection: the first choice, then pc->free(state) at once
 * (state -1: kept open, the peer's conns stay counted).
 */
HX_UNUSED static hx_int_t
hxu_pick(hx_upstream_t *us, hx_upstream_select_t *sel, hx_int_t state)
{
    hx_int_t               i;
    hx_peer_connection_t   pc;

    hxu_begin(us, sel, &pc);

    i = hxu_get(&pc);

    if (i != HXU_BUSY && state >= 0) {
        pc.free(&pc, pc.data, state);
    }

    return i;
}


/* counts n picks per peer (index < 16) freed at once */
HX_UNUSED static void
hxu_count(hx_upstream_t *us, hx_upstream_select_t *sel, hx_uint_t n,
    hx_uint_t *counts)
{
    hx_int_t   i;
    hx_uint_t  k;

    for (k = 0; k < n; k++) {
        i = hxu_pick(us, sel, 0);
        cr_assert(i >= 0 && i < 16, "pick %lu gave %ld", k, (long) i);
        counts[i]++;
    }
}

#endif /* HX_TESTS_UNIT_EVENT_HX_UPSTREAM_FIXTURE_H */

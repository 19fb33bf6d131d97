/*
 * Tests for http/modules/hx_http_upstream_keepalive_module.c, the cache
 * of kept-alive backend connections, driven through its peer get/free
 * wrappers with connections over socketpairs: a parked connection is
 * given to the next request for the same address, past N the least
 * recently parked ones are closed only when the loop's posted events
 * run (so one freed and taken in the same turn is never closed), and a
 * connection whose response did not end cleanly is not parked.
 */

#include "hx_http_modules_fixture.h"

#define hx_http_upstream_keepalive_module  hxh_keepalive_copy
#include "hx_http_upstream_keepalive_module.c"
#undef hx_http_upstream_keepalive_module


TestSuite(http_upstream_keepalive, .init = hxh_init);


static hx_http_upstream_keepalive_srv_conf_t   hxk_conf;
static hx_http_upstream_keepalive_cache_t      hxk_items[1];
static hx_http_upstream_keepalive_peer_data_t  hxk_kp;
static hx_http_upstream_t                      hxk_u;
static struct sockaddr_in                      hxk_addr;
static hx_uint_t                               hxk_freed;
static int                                     hxk_other[8];


static hx_int_t
hxk_original_get(hx_peer_connection_t *pc, void *data)
{
    (void) data;

    pc->sockaddr = (struct sockaddr *) &hxk_addr;
    pc->socklen = sizeof(struct sockaddr_in);

    return HX_OK;
}


static void
hxk_original_free(hx_peer_connection_t *pc, void *data, hx_uint_t state)
{
    (void) pc;
    (void) data;
    (void) state;

    hxk_freed++;
}


/* a cache of max connections, as init_main_conf makes one */
static void
hxk_setup(hx_uint_t max)
{
    hx_uint_t  i;

    hx_cycle = &hxh_cycle;
    hx_event_posted_init();

    hx_memzero(&hxk_conf, sizeof(hxk_conf));
    hxk_conf.max_cached = max;
    hxk_conf.requests = 1000;
    hxk_conf.time = 3600000;
    hxk_conf.timeout = 60000;
    hxk_conf.pool = hxh_cycle.pool;

    hx_queue_init(&hxk_conf.cache);
    hx_queue_init(&hxk_conf.free);

    for (i = 0; i < max && i < hx_nelems(hxk_items); i++) {
        hx_memzero(&hxk_items[i], sizeof(hxk_items[i]));
        hxk_items[i].conf = &hxk_conf;
        hx_queue_insert_head(&hxk_conf.free, &hxk_items[i].queue);
    }

    hx_memzero(&hxk_u, sizeof(hxk_u));
    hxk_u.keepalive = 1;
    hxk_u.request_body_sent = 1;

    hx_memzero(&hxk_kp, sizeof(hxk_kp));
    hxk_kp.conf = &hxk_conf;
    hxk_kp.upstream = &hxk_u;
    hxk_kp.original_get_peer = hxk_original_get;
    hxk_kp.original_free_peer = hxk_original_free;

    hxk_addr.sin_family = AF_INET;
    hxk_addr.sin_port = htons(8080);
    hxk_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    hxk_freed = 0;
}


/* a backend connection over a socketpair, registered as far as it knows */
static hx_connection_t *
hxk_connection(hx_uint_t n)
{
    int               sv[2];
    hx_connection_t  *c;

    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    cr_assert_eq(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
    hxk_other[n] = sv[1];

    c = hx_pcalloc(hxh_cycle.pool, sizeof(hx_connection_t));
    cr_assert_not_null(c);

    c->read = hx_pcalloc(hxh_cycle.pool, sizeof(hx_event_t));
    c->write = hx_pcalloc(hxh_cycle.pool, sizeof(hx_event_t));
    cr_assert_not_null(c->read);
    cr_assert_not_null(c->write);

    c->pool = hx_create_pool(512, &hxh_log);
    cr_assert_not_null(c->pool);

    c->fd = sv[0];
    c->log = &hxh_log;
    c->requests = 1;
    c->start_time = hx_current_msec;

    c->read->data = c;
    c->read->log = &hxh_log;
    c->read->active = 1;
    c->write->data = c;
    c->write->log = &hxh_log;
    c->write->write = 1;
    c->write->active = 1;

    return c;
}


/* the response on c ended cleanly: the upstream frees its peer */
static void
hxk_free(hx_connection_t *c)
{
    hx_peer_connection_t  pc;

    hx_memzero(&pc, sizeof(pc));
    pc.connection = c;
    pc.sockaddr = (struct sockaddr *) &hxk_addr;
    pc.socklen = sizeof(struct sockaddr_in);
    pc.log = &hxh_log;

    hx_http_upstream_free_keepalive_peer(&pc, &hxk_kp, 0);

    cr_assert_eq(hxk_freed, 1, "the balancer always hears of it");
    hxk_freed = 0;
}


/* a request asks for a connection: the parked one, or NULL */
static hx_connection_t *
hxk_get(void)
{
    hx_int_t              rc;
    hx_peer_connection_t  pc;

    hx_memzero(&pc, sizeof(pc));
    pc.log = &hxh_log;

    rc = hx_http_upstream_get_keepalive_peer(&pc, &hxk_kp);

    cr_assert(rc == HX_OK || rc == HX_DONE);
    cr_assert_eq(rc == HX_DONE, pc.connection != NULL);

    return pc.connection;
}


Test(http_upstream_keepalive, a_parked_connection_serves_the_next_request)
{
    hx_connection_t  *c;

    hxk_setup(1);

    c = hxk_connection(0);
    hxk_free(c);

    cr_assert_eq(hxk_conf.cached, 1);
    cr_assert(c->idle);
    cr_assert(c->read->timer_set, "keepalive_timeout runs while parked");

    cr_assert_eq(hxk_get(), c);
    cr_assert_eq(hxk_conf.cached, 0);
    cr_assert(!c->idle);
    cr_assert(!c->read->timer_set);

    cr_assert_null(hxk_get(), "nothing left: the request connects");

    hx_close_connection(c);
    hx_destroy_pool(c->pool);
}


Test(http_upstream_keepalive, past_n_one_freed_and_taken_in_a_turn_stays_open)
{
    hx_connection_t  *a, *b;

    hxk_setup(1);

    a = hxk_connection(0);
    b = hxk_connection(1);

    /* two responses end in one turn of the loop, with room for one */

    hxk_free(a);
    hxk_free(b);

    cr_assert_eq(hxk_conf.cached, 2);
    cr_assert(hxk_conf.trim.posted);
    cr_assert_neq(a->fd, -1, "not closed before the turn's events ran");

    /* a request read in the same turn takes the most recent one */

    cr_assert_eq(hxk_get(), b);

    hx_event_process_posted(&hxh_cycle, &hx_posted_events);

    cr_assert_eq(hxk_conf.cached, 1);
    cr_assert_neq(a->fd, -1, "within N: kept");
    cr_assert_eq(hxk_get(), a);

    hx_close_connection(a);
    hx_close_connection(b);
    hx_destroy_pool(a->pool);
    hx_destroy_pool(b->pool);
}


Test(http_upstream_keepalive, past_n_the_oldest_parked_close_after_the_turn)
{
    hx_connection_t  *a, *b, *c;

    hxk_setup(1);

    a = hxk_connection(0);
    b = hxk_connection(1);
    c = hxk_connection(2);

    hxk_free(a);
    hxk_free(b);
    hxk_free(c);

    cr_assert_eq(hxk_conf.cached, 3);

    hx_event_process_posted(&hxh_cycle, &hx_posted_events);

    /* N = 1 idle for the next turn: the newest */

    cr_assert_eq(hxk_conf.cached, 1);
    cr_assert_eq(a->fd, -1);
    cr_assert_eq(b->fd, -1);
    cr_assert_neq(c->fd, -1);
    cr_assert_eq(hxk_get(), c);

    /* the items made past N are reused, not made again */

    hxk_free(c);
    cr_assert_eq(hxk_conf.cached, 1);
    cr_assert(!hxk_conf.trim.posted);

    hx_close_connection(c);
    hx_destroy_pool(c->pool);
}


Test(http_upstream_keepalive, a_response_not_ended_cleanly_is_not_parked)
{
    hx_connection_t  *c;

    hxk_setup(1);

    hxk_u.keepalive = 0;

    c = hxk_connection(0);
    hxk_free(c);

    cr_assert_eq(hxk_conf.cached, 0);
    cr_assert_null(hxk_get());

    hx_close_connection(c);
    hx_destroy_pool(c->pool);
}

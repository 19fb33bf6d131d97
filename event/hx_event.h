/*
 * The event layer's umbrella header: the event object, the backend's
 * action table, the events {} configuration, the loop, and the headers of
 * the rest of event/ (timers, posted queues, connections, I/O, connect).
 *
 * An event is one direction of one descriptor (or a bare timer): a
 * handler, a data pointer (the connection) and state bits.  A handler
 * checks "timedout" first, then does I/O until it would block.  The
 * backend (epoll, event/hx_epoll_module.c) is reached through
 * hx_event_actions so that the rest of the server never calls epoll_ctl
 * itself, as nginx's ngx_event_actions does.
 *
 * One loop, hx_process_events_and_timers(), serves workers and the master.
 * Workers call the event core module's init_process (hx_event_process_init)
 * which sizes the connection pool from worker_connections and arms every
 * listening socket.  The master never accepts; it calls
 * hx_event_master_init() once its cycle is loaded, and registers its own
 * descriptors (signalfd, VRRP raw sockets, health-check pipes) with
 * hx_event_add_fd(): each gets a slot of a small pool that outlives
 * reloads, and its handler runs from the same loop as timers and posted
 * events.  See the comment above hx_event_master_init() for the reload
 * and fork rules.
 */

#ifndef HX_EVENT_HX_EVENT_H
#define HX_EVENT_HX_EVENT_H

#include <sys/epoll.h>


#define HX_INVALID_INDEX  0xd0d0d0d0


struct hx_event_s {
    void                *data;        /* the connection, or the owner's */

    unsigned             write:1;
    unsigned             accept:1;    /* a listening socket's read event */

    /* flips when a slot is reused, to recognise stale epoll reports */
    unsigned             instance:1;

    unsigned             active:1;    /* registered with the backend */
    unsigned             disabled:1;
    unsigned             ready:1;     /* I/O may proceed without blocking */
    unsigned             oneshot:1;
    unsigned             complete:1;
    unsigned             eof:1;
    unsigned             error:1;
    unsigned             timedout:1;
    unsigned             timer_set:1;
    unsigned             delayed:1;   /* rate limiting holds the event */
    unsigned             deferred_accept:1;
    unsigned             pending_eof:1;   /* EPOLLRDHUP seen */
    unsigned             posted:1;
    unsigned             closed:1;
    unsigned             channel:1;

    /* a timer that does not keep a gracefully exiting worker alive */
    unsigned             cancelable:1;

    /*
     * accept: how many more connections multi_accept may take (0 or 1);
     * read with EPOLLRDHUP: -1 "unknown, read until EAGAIN", 0 "drained"
     */
    int                  available;

    hx_event_handler_pt  handler;

    hx_uint_t            index;
    hx_log_t            *log;

    hx_rbtree_node_t     timer;       /* key: absolute hx_current_msec */
    hx_queue_t           queue;       /* link in a posted queue */
};


/*
 * The backend's entry points.  add/del take HX_READ_EVENT or
 * HX_WRITE_EVENT and flags (HX_CLEAR_EVENT, HX_EXCLUSIVE_EVENT,
 * HX_CLOSE_EVENT, HX_DISABLE_EVENT); add_conn registers both directions
 * edge-triggered at once; process_events waits at most timer msec.
 */
typedef struct {
    hx_int_t  (*add)(hx_event_t *ev, hx_int_t event, hx_uint_t flags);
    hx_int_t  (*del)(hx_event_t *ev, hx_int_t event, hx_uint_t flags);

    hx_int_t  (*enable)(hx_event_t *ev, hx_int_t event, hx_uint_t flags);
    hx_int_t  (*disable)(hx_event_t *ev, hx_int_t event, hx_uint_t flags);

    hx_int_t  (*add_conn)(hx_connection_t *c);
    hx_int_t  (*del_conn)(hx_connection_t *c, hx_uint_t flags);

    hx_int_t  (*notify)(hx_event_handler_pt handler);

    hx_int_t  (*process_events)(hx_cycle_t *cycle, hx_msec_t timer,
                                hx_uint_t flags);

    hx_int_t  (*init)(hx_cycle_t *cycle, hx_msec_t timer);
    void      (*done)(hx_cycle_t *cycle);
} hx_event_actions_t;


extern hx_event_actions_t   hx_event_actions;
extern hx_uint_t            hx_event_flags;


/* hx_event_flags: what the backend is */
#define HX_USE_LEVEL_EVENT      0x00000001
#define HX_USE_CLEAR_EVENT      0x00000004   /* edge-triggered available */
#define HX_USE_GREEDY_EVENT     0x00000020   /* read until EAGAIN */
#define HX_USE_EPOLL_EVENT      0x00000040

/* the "event" argument of add/del */
#define HX_READ_EVENT           (EPOLLIN|EPOLLRDHUP)
#define HX_WRITE_EVENT          EPOLLOUT

/* the "flags" argument of add */
#define HX_LEVEL_EVENT          0
#define HX_CLEAR_EVENT          EPOLLET
#define HX_ONESHOT_EVENT        EPOLLONESHOT
#ifdef EPOLLEXCLUSIVE
#define HX_EXCLUSIVE_EVENT      EPOLLEXCLUSIVE
#else
#define HX_EXCLUSIVE_EVENT      0
#endif

/* the "flags" argument of del */
#define HX_CLOSE_EVENT          1    /* the fd is about to be closed */
#define HX_DISABLE_EVENT        2
#define HX_FLUSH_EVENT          4
#define HX_LOWAT_EVENT          0

/* the "flags" argument of process_events */
#define HX_UPDATE_TIME          1
#define HX_POST_EVENTS          2


#define hx_process_events   hx_event_actions.process_events
#define hx_done_events      hx_event_actions.done
#define hx_add_event        hx_event_actions.add
#define hx_del_event        hx_event_actions.del
#define hx_add_conn         hx_event_actions.add_conn
#define hx_del_conn         hx_event_actions.del_conn
#define hx_notify           hx_event_actions.notify


/* the context of an HX_EVENT_MODULE */
typedef struct {
    hx_str_t            *name;

    void              *(*create_conf)(hx_cycle_t *cycle);
    char              *(*init_conf)(hx_cycle_t *cycle, void *conf);

    hx_event_actions_t   actions;
} hx_event_module_t;


/* the directives of events {} */
#define HX_EVENT_CONF        0x02000000

#define HX_EVENT_DEFAULT_CONNECTIONS   512


typedef struct {
    hx_uint_t            connections;      /* worker_connections */
    hx_uint_t            use;              /* ctx_index of the backend */

    hx_flag_t            multi_accept;
    hx_flag_t            accept_mutex;     /* accepted, never used */

    hx_msec_t            accept_mutex_delay;

    uint8_t             *name;             /* "epoll" */

#if (HX_DEBUG)
    hx_array_t           debug_connection; /* hx_cidr_t */
#endif
} hx_event_conf_t;


#define hx_event_get_conf(conf_ctx, module)                                   \
    (*(hx_get_conf(conf_ctx, hx_events_module))) [module.ctx_index]


extern hx_module_t          hx_events_module;
extern hx_module_t          hx_event_core_module;
extern hx_module_t          hx_epoll_module;

extern hx_uint_t            hx_event_max_module;

/* accept bookkeeping, as nginx keeps it; the accept mutex is never used */
extern hx_int_t             hx_accept_disabled;
extern hx_uint_t            hx_use_accept_mutex;
extern hx_uint_t            hx_use_exclusive_accept;
extern hx_uint_t            hx_use_epoll_rdhup;

/*
 * The worker's number (0 .. worker_processes - 1): the process code sets
 * it before calling init_process, so that a "listen ... reuseport" socket
 * cloned per worker is armed by its own worker only.
 */
extern hx_uint_t            hx_event_worker;

/* serial numbers printed as "*N"; shared by the workers when possible */
extern uint64_t            *hx_connection_counter;


/*
 * Server-wide connection and request counters for stub_status, in the
 * same shared page as the serial counter, so every worker adds to one set.
 * Accepts count in event/, requests and their states in http/.
 */
#define HX_EVENT_STAT  1

typedef struct {
    uint64_t                accepted;
    uint64_t                handled;
    uint64_t                active;
    uint64_t                requests;
    uint64_t                reading;
    uint64_t                writing;
    uint64_t                waiting;
} hx_event_stat_t;

extern hx_event_stat_t     *hx_event_stat;

#define hx_event_stat_add(field, n)                                           \
    (void) __atomic_fetch_add(&hx_event_stat->field, (uint64_t) (n),          \
                              __ATOMIC_RELAXED)

#define hx_event_next_number()                                                \
    __atomic_fetch_add(hx_connection_counter, 1, __ATOMIC_RELAXED)


/*
 * One iteration of the loop: wait for the nearest timer at most, update
 * the cached clock, run posted accept events, then expired timers, then
 * the other posted events.  Workers and the master call it in a loop.
 */
void hx_process_events_and_timers(hx_cycle_t *cycle);

/*
 * Makes sure rev (wev) is registered so that the handler runs when the
 * socket becomes readable (writable).  Call after a handler got HX_AGAIN;
 * it is a no-op when the event is already armed.  lowat is remembered
 * only: Linux has no settable SO_SNDLOWAT.  HX_OK or HX_ERROR.
 */
hx_int_t hx_handle_read_event(hx_event_t *rev, hx_uint_t flags);
hx_int_t hx_handle_write_event(hx_event_t *wev, size_t lowat);
hx_int_t hx_send_lowat(hx_connection_t *c, size_t lowat);

/*
 * Worker setup, the event core module's init_process: the backend, the
 * connection pool (worker_connections slots), and a read event on every
 * listening socket of the cycle.  HX_OK or HX_ERROR (logged).
 *
 * Called again in the same process for a new cycle (a reload with
 * master_process off), it keeps the running loop, its timers and its
 * connections: the pool moves to the new cycle (its size stays until a
 * restart), the old cycle's listening slots are released and the new
 * cycle's sockets armed.
 */
hx_int_t hx_event_process_init(hx_cycle_t *cycle);

/* closes the backend and frees the pool hx_event_process_init made */
void hx_event_process_done(hx_cycle_t *cycle);

/*
 * Whether this process already runs a loop (built by
 * hx_event_process_init() or hx_event_master_init() in this very process,
 * not inherited through fork): then its pool moves to cycle if it lived
 * in another one, and the cycle that held it is returned.  NULL means the
 * loop is to be built.  hx_event_own_loop() records the builder.
 */
hx_cycle_t *hx_event_adopt_loop(hx_cycle_t *cycle);
void hx_event_own_loop(hx_cycle_t *cycle);

/* starts the backend "use" names (epoll); HX_OK or HX_ERROR, logged */
hx_int_t hx_event_init_backend(hx_cycle_t *cycle);

/*
 * Allocates n connection slots with their events for cycle (outside the
 * cycle's pool) and puts them all on the free list.  HX_OK or HX_ERROR.
 */
hx_int_t hx_event_alloc_connections(hx_cycle_t *cycle, hx_uint_t n);


/*
 * The master's loop.  hx_event_master_init(cycle) sets up the backend,
 * timers, posted queues and a pool of HX_EVENT_MASTER_CONNECTIONS slots
 * allocated outside any cycle; it arms no listening socket.  Call it when
 * the master's loop starts, and again with the new cycle right after a
 * reload has switched hx_cycle (before the old cycle is freed): the pool
 * and every registered descriptor move to the new cycle untouched.  With
 * master_process off, where init_process already built the loop, it
 * joins that loop instead of building another.
 *
 * After fork a worker calls hx_event_process_init(), which replaces the
 * inherited epoll instance, timers, posted queues and pool with its own;
 * the master's descriptors themselves must be closed by the process code.
 */
#define HX_EVENT_MASTER_CONNECTIONS  256

hx_int_t hx_event_master_init(hx_cycle_t *cycle);

/*
 * Watches fd for reading, level-triggered: handler(ev) runs whenever data
 * is pending, so it may consume one message per call.  ev->data is the
 * connection slot and c->data is "data"; ev->log is "log".  Timers may be
 * set on c->read / c->write as on any event.  Returns the slot or NULL
 * (logged).  The caller keeps owning fd: stop with hx_event_del_fd(),
 * not hx_close_connection().
 */
hx_connection_t *hx_event_add_fd(hx_fd_t fd, hx_event_handler_pt handler,
    void *data, hx_log_t *log);

/* stops watching: deletes the events and timers, frees the slot, keeps fd */
void hx_event_del_fd(hx_connection_t *c);


#include "hx_os_io.h"
#include "hx_connection.h"
#include "hx_event_timer.h"
#include "hx_event_posted.h"
#include "hx_event_connect.h"


/*
 * The read handler of a listening socket: accepts one connection (all
 * pending ones with multi_accept) and hands each to ls->handler.  The
 * new connection is not registered with epoll: the handler reads when
 * c->read->ready, and calls hx_handle_read_event() to wait otherwise.
 */
void hx_event_accept(hx_event_t *ev);

/* (re-)registers every listening socket not in epoll; HX_OK or HX_ERROR */
hx_int_t hx_enable_accept_events(hx_cycle_t *cycle);

/* takes the listening sockets out of epoll (all: also reuseport ones) */
hx_int_t hx_disable_accept_events(hx_cycle_t *cycle, hx_uint_t all);

/*
 * Called when a connection slot is freed: if accepting was paused because
 * the pool was empty, a posted event re-arms the listening sockets.
 */
void hx_event_accept_slot_freed(void);
extern hx_uint_t            hx_event_accept_paused;

/*
 * A log handler for a listening socket's log (ls->log.handler, with
 * ls->log.data = &ls->addr_text): " while accepting new connection on X"
 */
uint8_t *hx_accept_log_error(hx_log_t *log, uint8_t *buf, size_t len);

#if (HX_DEBUG)
/* debug_connection: full debug logging for a client in the listed nets */
void hx_debug_accepted_connection(hx_event_conf_t *ecf, hx_connection_t *c);
#endif

#endif /* HX_EVENT_HX_EVENT_H */

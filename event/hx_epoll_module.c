/*
 * The epoll backend (hx_epoll_module).
 *
 * Connections are registered once with EPOLLIN|EPOLLOUT|EPOLLET|EPOLLRDHUP
 * (add_conn): with edge triggering the kernel reports each readiness
 * change once, and the "ready" bit on the event remembers it until the
 * handler reads or writes to EAGAIN, so nothing needs re-arming per
 * request.  Listening sockets and the master's descriptors use level
 * triggering through add/del; listeners shared by several workers get
 * EPOLLEXCLUSIVE so that one connection wakes one worker.
 *
 * The data pointer of each registration is the connection with its read
 * event's instance bit in the low bit.  Slots are reused: when a handler
 * closes a connection and the slot is taken for a new descriptor in the
 * same iteration, reports still queued for the old descriptor carry the
 * old instance bit and are dropped as stale.
 *
 * process_events posts read events of listening sockets to
 * hx_posted_accept_events, those of connections the worker opened (no
 * listening socket: backends) to hx_posted_peer_events and everything
 * else to hx_posted_events when HX_POST_EVENTS is given, so the loop
 * decides the order.
 *
 * The epoll instance belongs to the process that created it: a worker
 * forked from the master creates its own (the inherited descriptor would
 * share the master's interest list).
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <sys/eventfd.h>


typedef struct {
    hx_uint_t  events;
} hx_epoll_conf_t;


static hx_int_t hx_epoll_init(hx_cycle_t *cycle, hx_msec_t timer);
static hx_int_t hx_epoll_notify_init(hx_log_t *log);
static void hx_epoll_notify_handler(hx_event_t *ev);
static void hx_epoll_test_rdhup(hx_cycle_t *cycle);
static void hx_epoll_done(hx_cycle_t *cycle);
static hx_int_t hx_epoll_add_event(hx_event_t *ev, hx_int_t event,
    hx_uint_t flags);
static hx_int_t hx_epoll_del_event(hx_event_t *ev, hx_int_t event,
    hx_uint_t flags);
static hx_int_t hx_epoll_add_connection(hx_connection_t *c);
static hx_int_t hx_epoll_del_connection(hx_connection_t *c,
    hx_uint_t flags);
static hx_int_t hx_epoll_notify(hx_event_handler_pt handler);
static hx_int_t hx_epoll_process_events(hx_cycle_t *cycle, hx_msec_t timer,
    hx_uint_t flags);

static void *hx_epoll_create_conf(hx_cycle_t *cycle);
static char *hx_epoll_init_conf(hx_cycle_t *cycle, void *conf);


static int                  ep = -1;
static pid_t                ep_pid;
static struct epoll_event  *event_list;
static hx_uint_t            nevents;

static int                  notify_fd = -1;
static hx_event_t           notify_event;
static hx_connection_t      notify_conn;
static hx_event_handler_pt  notify_handler;

hx_uint_t                   hx_use_epoll_rdhup;


static hx_str_t  epoll_name = hx_string("epoll");


static hx_command_t  hx_epoll_commands[] = {

    { hx_string("epoll_events"),
      HX_EVENT_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      0,
      offsetof(hx_epoll_conf_t, events),
      NULL },

    hx_null_command
};


static hx_event_module_t  hx_epoll_module_ctx = {
    &epoll_name,
    hx_epoll_create_conf,
    hx_epoll_init_conf,

    {
        hx_epoll_add_event,              /* add an event */
        hx_epoll_del_event,              /* delete an event */
        hx_epoll_add_event,              /* enable an event */
        hx_epoll_del_event,              /* disable an event */
        hx_epoll_add_connection,         /* add a connection */
        hx_epoll_del_connection,         /* delete a connection */
        hx_epoll_notify,                 /* trigger a notify */
        hx_epoll_process_events,         /* process the events */
        hx_epoll_init,                   /* init the events */
        hx_epoll_done                    /* done the events */
    }
};


hx_module_t  hx_epoll_module = {
    HX_MODULE_V1,
    "hx_epoll_module",
    &hx_epoll_module_ctx,
    hx_epoll_commands,
    HX_EVENT_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static hx_int_t
hx_epoll_init(hx_cycle_t *cycle, hx_msec_t timer)
{
    hx_uint_t         n;
    hx_epoll_conf_t  *epcf;

    (void) timer;

    n = 512;

    if (cycle->conf_ctx && hx_get_conf(cycle->conf_ctx, hx_events_module)) {
        epcf = hx_event_get_conf(cycle->conf_ctx, hx_epoll_module);
        if (epcf) {
            n = epcf->events;
        }
    }

    if (ep != -1 && ep_pid != getpid()) {

        /* inherited across fork: the parent's instance, not ours */

        (void) close(ep);
        ep = -1;

        if (notify_fd != -1) {
            (void) close(notify_fd);
            notify_fd = -1;
        }
    }

    if (ep == -1) {
        ep = epoll_create1(EPOLL_CLOEXEC);

        if (ep == -1) {
            hx_log_error(HX_LOG_EMERG, cycle->log, hx_errno,
                         "epoll_create() failed");
            return HX_ERROR;
        }

        ep_pid = getpid();

        if (hx_epoll_notify_init(cycle->log) != HX_OK) {
            hx_epoll_module_ctx.actions.notify = NULL;
        }

        hx_epoll_test_rdhup(cycle);
    }

    if (nevents < n) {
        if (event_list) {
            hx_free(event_list);
        }

        event_list = hx_alloc(sizeof(struct epoll_event) * n, cycle->log);
        if (event_list == NULL) {
            return HX_ERROR;
        }

        nevents = n;
    }

    hx_io = hx_os_io;

    hx_event_actions = hx_epoll_module_ctx.actions;

    hx_event_flags = HX_USE_CLEAR_EVENT|HX_USE_GREEDY_EVENT
                     |HX_USE_EPOLL_EVENT;

    return HX_OK;
}


static hx_int_t
hx_epoll_notify_init(hx_log_t *log)
{
    struct epoll_event  ee;

    notify_fd = eventfd(0, EFD_NONBLOCK|EFD_CLOEXEC);

    if (notify_fd == -1) {
        hx_log_error(HX_LOG_EMERG, log, hx_errno, "eventfd() failed");
        return HX_ERROR;
    }

    hx_memzero(&notify_event, sizeof(hx_event_t));
    hx_memzero(&notify_conn, sizeof(hx_connection_t));

    notify_event.handler = hx_epoll_notify_handler;
    notify_event.log = log;
    notify_event.active = 1;

    notify_conn.fd = notify_fd;
    notify_conn.read = &notify_event;
    notify_conn.write = &notify_event;
    notify_conn.log = log;

    ee.events = EPOLLIN|EPOLLET;
    ee.data.ptr = &notify_conn;

    if (epoll_ctl(ep, EPOLL_CTL_ADD, notify_fd, &ee) == -1) {
        hx_log_error(HX_LOG_EMERG, log, hx_errno,
                     "epoll_ctl(EPOLL_CTL_ADD, eventfd) failed");

        (void) close(notify_fd);
        notify_fd = -1;

        return HX_ERROR;
    }

    return HX_OK;
}


static void
hx_epoll_notify_handler(hx_event_t *ev)
{
    uint64_t  count;

    /* drain the counter: edge-triggered, it reports again on next write */

    while (read(notify_fd, &count, sizeof(uint64_t)) == sizeof(uint64_t)) {
        /* void */
    }

    if (notify_handler) {
        notify_handler(ev);
    }
}


/*
 * EPOLLRDHUP lets recv() skip the final read that would return 0; it is
 * only trusted after the kernel has shown it reports it.
 */
static void
hx_epoll_test_rdhup(hx_cycle_t *cycle)
{
    int                 s[2], events;
    struct epoll_event  ee;

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) == -1) {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "socketpair() failed");
        return;
    }

    ee.events = EPOLLET|EPOLLIN|EPOLLRDHUP;
    ee.data.ptr = NULL;

    if (epoll_ctl(ep, EPOLL_CTL_ADD, s[0], &ee) == -1) {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "epoll_ctl() failed");
        goto done;
    }

    (void) close(s[1]);
    s[1] = -1;

    events = epoll_wait(ep, &ee, 1, 5000);

    if (events == 1) {
        hx_use_epoll_rdhup = (ee.events & EPOLLRDHUP) ? 1 : 0;
    }

    (void) epoll_ctl(ep, EPOLL_CTL_DEL, s[0], &ee);

    hx_log_debug(HX_LOG_DEBUG_EVENT, cycle->log, 0,
                 "testing the EPOLLRDHUP flag: %s",
                 hx_use_epoll_rdhup ? "success" : "fail");

done:

    if (s[1] != -1) {
        (void) close(s[1]);
    }

    (void) close(s[0]);
}


static void
hx_epoll_done(hx_cycle_t *cycle)
{
    if (ep != -1 && close(ep) == -1) {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "epoll close() failed");
    }

    ep = -1;

    if (notify_fd != -1 && close(notify_fd) == -1) {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "eventfd close() failed");
    }

    notify_fd = -1;
    hx_epoll_module_ctx.actions.notify = hx_epoll_notify;

    hx_free(event_list);

    event_list = NULL;
    nevents = 0;
}


static hx_int_t
hx_epoll_add_event(hx_event_t *ev, hx_int_t event, hx_uint_t flags)
{
    int                  op;
    uint32_t             events, prev;
    hx_event_t          *e;
    hx_connection_t     *c;
    struct epoll_event   ee;

    c = ev->data;

    if (event == HX_READ_EVENT) {
        e = c->write;
        prev = EPOLLOUT;
        events = EPOLLIN|EPOLLRDHUP;

    } else {
        e = c->read;
        prev = EPOLLIN|EPOLLRDHUP;
        events = EPOLLOUT;
    }

    if (e->active) {
        op = EPOLL_CTL_MOD;
        events |= prev;

    } else {
        op = EPOLL_CTL_ADD;
    }

    if (flags & HX_EXCLUSIVE_EVENT) {
        /* the kernel refuses EPOLLRDHUP together with EPOLLEXCLUSIVE */
        events &= ~EPOLLRDHUP;
    }

    ee.events = events | (uint32_t) flags;
    ee.data.ptr = (void *) ((uintptr_t) c | ev->instance);

    hx_log_debug(HX_LOG_DEBUG_EVENT, ev->log, 0,
                 "epoll add event: fd:%d op:%d ev:%08XD",
                 c->fd, op, ee.events);

    if (epoll_ctl(ep, op, c->fd, &ee) == -1) {
        hx_log_error(HX_LOG_ALERT, ev->log, hx_errno,
                     "epoll_ctl(%d, %d) failed", op, c->fd);
        return HX_ERROR;
    }

    ev->active = 1;

    return HX_OK;
}


static hx_int_t
hx_epoll_del_event(hx_event_t *ev, hx_int_t event, hx_uint_t flags)
{
    int                  op;
    uint32_t             prev;
    hx_event_t          *e;
    hx_connection_t     *c;
    struct epoll_event   ee;

    /* closing the descriptor removes it from the interest list */

    if (flags & HX_CLOSE_EVENT) {
        ev->active = 0;
        return HX_OK;
    }

    c = ev->data;

    if (event == HX_READ_EVENT) {
        e = c->write;
        prev = EPOLLOUT;

    } else {
        e = c->read;
        prev = EPOLLIN|EPOLLRDHUP;
    }

    if (e->active) {
        op = EPOLL_CTL_MOD;
        ee.events = prev | (uint32_t) (flags & ~HX_DISABLE_EVENT);
        ee.data.ptr = (void *) ((uintptr_t) c | ev->instance);

    } else {
        op = EPOLL_CTL_DEL;
        ee.events = 0;
        ee.data.ptr = NULL;
    }

    hx_log_debug(HX_LOG_DEBUG_EVENT, ev->log, 0,
                 "epoll del event: fd:%d op:%d ev:%08XD",
                 c->fd, op, ee.events);

    if (epoll_ctl(ep, op, c->fd, &ee) == -1) {
        hx_log_error(HX_LOG_ALERT, ev->log, hx_errno,
                     "epoll_ctl(%d, %d) failed", op, c->fd);
        return HX_ERROR;
    }

    ev->active = 0;

    return HX_OK;
}


static hx_int_t
hx_epoll_add_connection(hx_connection_t *c)
{
    struct epoll_event  ee;

    ee.events = EPOLLIN|EPOLLOUT|EPOLLET|EPOLLRDHUP;
    ee.data.ptr = (void *) ((uintptr_t) c | c->read->instance);

    hx_log_debug(HX_LOG_DEBUG_EVENT, c->log, 0,
                 "epoll add connection: fd:%d ev:%08XD", c->fd, ee.events);

    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ee) == -1) {
        hx_log_error(HX_LOG_ALERT, c->log, hx_errno,
                     "epoll_ctl(EPOLL_CTL_ADD, %d) failed", c->fd);
        return HX_ERROR;
    }

    c->read->active = 1;
    c->write->active = 1;

    return HX_OK;
}


static hx_int_t
hx_epoll_del_connection(hx_connection_t *c, hx_uint_t flags)
{
    struct epoll_event  ee;

    if (flags & HX_CLOSE_EVENT) {
        c->read->active = 0;
        c->write->active = 0;
        return HX_OK;
    }

    hx_log_debug(HX_LOG_DEBUG_EVENT, c->log, 0,
                 "epoll del connection: fd:%d", c->fd);

    ee.events = 0;
    ee.data.ptr = NULL;

    if (epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, &ee) == -1) {
        hx_log_error(HX_LOG_ALERT, c->log, hx_errno,
                     "epoll_ctl(%d, %d) failed", EPOLL_CTL_DEL, c->fd);
        return HX_ERROR;
    }

    c->read->active = 0;
    c->write->active = 0;

    return HX_OK;
}


/*
 * Wakes the loop from elsewhere (a signal handler, another thread):
 * handler runs from the loop with the notify event.
 */
static hx_int_t
hx_epoll_notify(hx_event_handler_pt handler)
{
    uint64_t  inc = 1;

    notify_handler = handler;

    if (write(notify_fd, &inc, sizeof(uint64_t)) != sizeof(uint64_t)) {
        hx_log_error(HX_LOG_ALERT, notify_event.log, hx_errno,
                     "write() to eventfd %d failed", notify_fd);
        return HX_ERROR;
    }

    return HX_OK;
}


static hx_int_t
hx_epoll_process_events(hx_cycle_t *cycle, hx_msec_t timer, hx_uint_t flags)
{
    int                events, wait;
    uint32_t           revents;
    hx_int_t           i;
    hx_uint_t          instance, level;
    hx_err_t           err;
    hx_event_t        *rev, *wev;
    hx_queue_t        *queue;
    hx_connection_t   *c;

    if (timer == HX_TIMER_INFINITE) {
        wait = -1;

    } else {
        wait = (int) hx_min(timer, (hx_msec_t) INT_MAX);
    }

    hx_log_debug(HX_LOG_DEBUG_EVENT, cycle->log, 0, "epoll timer: %d", wait);

    events = epoll_wait(ep, event_list, (int) nevents, wait);

    err = (events == -1) ? hx_errno : 0;

    if (flags & HX_UPDATE_TIME) {
        hx_time_update();
    }

    if (err) {
        level = (err == EINTR) ? HX_LOG_INFO : HX_LOG_ALERT;

        hx_log_error(level, cycle->log, err, "epoll_wait() failed");
        return HX_ERROR;
    }

    if (events == 0) {
        if (wait != -1) {
            return HX_OK;
        }

        hx_log_error(HX_LOG_ALERT, cycle->log, 0,
                     "epoll_wait() returned no events without timeout");
        return HX_ERROR;
    }

    for (i = 0; i < events; i++) {
        c = event_list[i].data.ptr;

        instance = (uintptr_t) c & 1;
        c = (hx_connection_t *) ((uintptr_t) c & (uintptr_t) ~1);

        rev = c->read;

        if (c->fd == -1 || rev->instance != instance) {

            /* a descriptor closed earlier in this iteration */

            hx_log_debug(HX_LOG_DEBUG_EVENT, cycle->log, 0,
                         "epoll: stale event %p", c);
            continue;
        }

        revents = event_list[i].events;

        hx_log_debug(HX_LOG_DEBUG_EVENT, cycle->log, 0,
                     "epoll: fd:%d ev:%04XD d:%p",
                     c->fd, revents, event_list[i].data.ptr);

        if (revents & (EPOLLERR|EPOLLHUP)) {
            hx_log_debug(HX_LOG_DEBUG_EVENT, cycle->log, 0,
                         "epoll_wait() error on fd:%d ev:%04XD",
                         c->fd, revents);

            /*
             * let whichever handlers are armed find the error with
             * their next read or write
             */

            revents |= EPOLLIN|EPOLLOUT;
        }

        if ((revents & EPOLLIN) && rev->active) {

            if (revents & EPOLLRDHUP) {
                rev->pending_eof = 1;
            }

            rev->ready = 1;
            rev->available = -1;

            if (flags & HX_POST_EVENTS) {
                queue = rev->accept ? &hx_posted_accept_events
                        : c->listening ? &hx_posted_events
                        : &hx_posted_peer_events;

                hx_post_event(rev, queue);

            } else {
                rev->handler(rev);
            }
        }

        wev = c->write;

        if ((revents & EPOLLOUT) && wev->active) {

            if (c->fd == -1 || wev->instance != instance) {

                /* the read handler closed it */

                hx_log_debug(HX_LOG_DEBUG_EVENT, cycle->log, 0,
                             "epoll: stale event %p", c);
                continue;
            }

            wev->ready = 1;

            if (flags & HX_POST_EVENTS) {
                hx_post_event(wev, c->listening ? &hx_posted_events
                                                : &hx_posted_peer_events);

            } else {
                wev->handler(wev);
            }
        }
    }

    return HX_OK;
}


static void *
hx_epoll_create_conf(hx_cycle_t *cycle)
{
    hx_epoll_conf_t  *epcf;

    epcf = hx_palloc(cycle->pool, sizeof(hx_epoll_conf_t));
    if (epcf == NULL) {
        return NULL;
    }

    epcf->events = HX_CONF_UNSET_UINT;

    return epcf;
}


static char *
hx_epoll_init_conf(hx_cycle_t *cycle, void *conf)
{
    hx_epoll_conf_t  *epcf = conf;

    (void) cycle;

    hx_conf_init_uint_value(epcf->events, 512);

    if (epcf->events == 0) {
        epcf->events = 1;
    }

    return HX_CONF_OK;
}

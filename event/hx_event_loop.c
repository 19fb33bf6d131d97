/*
 * The loop shared by workers and the master, and the pieces both need to
 * start one: the backend, the connection pool, and (for the master) a way
 * to watch descriptors that are not client connections.
 *
 * One iteration: ask the timer tree for the nearest deadline, sleep in
 * epoll_wait() at most that long, refresh the cached clock once, run the
 * accepts epoll reported, then the timers that are due, then every other
 * reported event.  Reports are posted rather than handled inside the
 * backend so that this order holds whatever order epoll returned them in
 * (nginx's ngx_process_events_and_timers with NGX_POST_EVENTS).
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>


/* the process whose loop is set up, and the cycle holding its pool */
static pid_t             hx_event_loop_pid;
static hx_cycle_t       *hx_event_loop_cycle;


void
hx_process_events_and_timers(hx_cycle_t *cycle)
{
    hx_uint_t  flags;
    hx_msec_t  timer, delta;

    timer = hx_event_find_timer();
    flags = HX_UPDATE_TIME|HX_POST_EVENTS;

    if (!hx_queue_empty(&hx_posted_next_events)) {
        hx_event_move_posted_next(cycle);
        timer = 0;
    }

    if (!hx_queue_empty(&hx_posted_events)) {

        /* posted from outside the loop: run them without sleeping */

        timer = 0;
    }

    delta = hx_current_msec;

    (void) hx_process_events(cycle, timer, flags);

    delta = hx_current_msec - delta;

    hx_log_debug(HX_LOG_DEBUG_EVENT, cycle->log, 0,
                 "timer delta: %M", delta);

    (void) delta;

    hx_event_process_posted(cycle, &hx_posted_accept_events);

    hx_event_expire_timers();

    hx_event_process_posted(cycle, &hx_posted_peer_events);
    hx_event_process_posted(cycle, &hx_posted_events);
}


hx_int_t
hx_handle_read_event(hx_event_t *rev, hx_uint_t flags)
{
    (void) flags;

    /* edge-triggered: register once, the ready bit does the rest */

    if (!rev->active && !rev->ready) {
        if (hx_add_event(rev, HX_READ_EVENT, HX_CLEAR_EVENT) == HX_ERROR) {
            return HX_ERROR;
        }
    }

    return HX_OK;
}


hx_int_t
hx_handle_write_event(hx_event_t *wev, size_t lowat)
{
    hx_connection_t  *c;

    c = wev->data;

    if (lowat) {
        if (hx_send_lowat(c, lowat) == HX_ERROR) {
            return HX_ERROR;
        }
    }

    if (!wev->active && !wev->ready) {
        if (hx_add_event(wev, HX_WRITE_EVENT,
                         HX_CLEAR_EVENT | (lowat ? HX_LOWAT_EVENT : 0))
            == HX_ERROR)
        {
            return HX_ERROR;
        }
    }

    return HX_OK;
}


/*
 * Linux accepts no SO_SNDLOWAT for sockets (the option is read-only), so
 * a low-water mark is remembered and otherwise has no effect, as with
 * nginx's send_lowat on Linux.
 */
hx_int_t
hx_send_lowat(hx_connection_t *c, size_t lowat)
{
    if (lowat == 0 || c->sndlowat) {
        return HX_OK;
    }

    c->sndlowat = 1;

    return HX_OK;
}


/*
 * Starts the backend named by "use" (epoll when there is no events {}
 * configuration yet).  HX_OK or HX_ERROR, logged.
 */
hx_int_t
hx_event_init_backend(hx_cycle_t *cycle)
{
    hx_uint_t            m, use;
    hx_event_conf_t     *ecf;
    hx_event_module_t   *module;

    use = HX_CONF_UNSET_UINT;

    if (cycle->conf_ctx && hx_get_conf(cycle->conf_ctx, hx_events_module)) {
        ecf = hx_event_get_conf(cycle->conf_ctx, hx_event_core_module);
        use = ecf->use;
    }

    for (m = 0; cycle->modules[m]; m++) {
        if (cycle->modules[m]->type != HX_EVENT_MODULE) {
            continue;
        }

        module = cycle->modules[m]->ctx;

        if (module->actions.init == NULL) {
            continue;
        }

        if (use != HX_CONF_UNSET_UINT && cycle->modules[m]->ctx_index != use)
        {
            continue;
        }

        return module->actions.init(cycle, 0);
    }

    hx_log_error(HX_LOG_EMERG, cycle->log, 0, "no events module found");

    return HX_ERROR;
}


hx_int_t
hx_event_alloc_connections(hx_cycle_t *cycle, hx_uint_t n)
{
    hx_uint_t          i;
    hx_event_t        *rev, *wev;
    hx_connection_t   *c, *next;

    if (n == 0) {
        hx_log_error(HX_LOG_EMERG, cycle->log, 0,
                     "0 worker_connections are not enough");
        return HX_ERROR;
    }

    c = hx_calloc(sizeof(hx_connection_t) * n, cycle->log);
    rev = hx_calloc(sizeof(hx_event_t) * n, cycle->log);
    wev = hx_calloc(sizeof(hx_event_t) * n, cycle->log);

    if (c == NULL || rev == NULL || wev == NULL) {
        hx_free(c);
        hx_free(rev);
        hx_free(wev);
        return HX_ERROR;
    }

    for (i = 0; i < n; i++) {
        rev[i].closed = 1;
        rev[i].instance = 1;
        wev[i].closed = 1;
    }

    next = NULL;
    i = n;

    do {
        i--;

        c[i].data = next;
        c[i].read = &rev[i];
        c[i].write = &wev[i];
        c[i].fd = -1;

        next = &c[i];
    } while (i);

    cycle->connections = c;
    cycle->read_events = rev;
    cycle->write_events = wev;
    cycle->connection_n = n;
    cycle->free_connections = next;
    cycle->free_connection_n = n;

    return HX_OK;
}


void
hx_event_process_done(hx_cycle_t *cycle)
{
    if (hx_event_actions.done) {
        hx_event_actions.done(cycle);
    }

    hx_free(cycle->connections);
    hx_free(cycle->read_events);
    hx_free(cycle->write_events);

    cycle->connections = NULL;
    cycle->read_events = NULL;
    cycle->write_events = NULL;
    cycle->free_connections = NULL;
    cycle->free_connection_n = 0;

    hx_event_loop_cycle = NULL;
    hx_event_loop_pid = 0;
}


/*
 * The loop of this process belongs to "cycle" from now on: a later
 * hx_event_adopt_loop() in the same process moves it, one in a forked
 * child (another pid) declines so the child builds its own.
 */
void
hx_event_own_loop(hx_cycle_t *cycle)
{
    hx_event_loop_pid = getpid();
    hx_event_loop_cycle = cycle;
}


hx_cycle_t *
hx_event_adopt_loop(hx_cycle_t *cycle)
{
    hx_cycle_t  *old;

    old = hx_event_loop_cycle;

    if (old == NULL || hx_event_loop_pid != getpid()) {
        return NULL;
    }

    if (old != cycle) {

        /* a reload: the pool and its registrations move over */

        cycle->connections = old->connections;
        cycle->read_events = old->read_events;
        cycle->write_events = old->write_events;
        cycle->connection_n = old->connection_n;
        cycle->free_connections = old->free_connections;
        cycle->free_connection_n = old->free_connection_n;

        hx_event_loop_cycle = cycle;
    }

    return old;
}


hx_int_t
hx_event_master_init(hx_cycle_t *cycle)
{
    if (hx_event_adopt_loop(cycle)) {
        return HX_OK;
    }

    hx_event_posted_init();

    if (hx_event_timer_init(cycle->log) != HX_OK) {
        return HX_ERROR;
    }

    if (hx_event_init_backend(cycle) != HX_OK) {
        return HX_ERROR;
    }

    if (hx_event_alloc_connections(cycle, HX_EVENT_MASTER_CONNECTIONS)
        != HX_OK)
    {
        return HX_ERROR;
    }

    hx_event_own_loop(cycle);

    return HX_OK;
}


hx_connection_t *
hx_event_add_fd(hx_fd_t fd, hx_event_handler_pt handler, void *data,
    hx_log_t *log)
{
    hx_connection_t  *c;

    c = hx_get_connection(fd, log);
    if (c == NULL) {
        return NULL;
    }

    c->data = data;

    c->read->log = log;
    c->write->log = log;
    c->read->handler = handler;

    if (hx_add_event(c->read, HX_READ_EVENT, HX_LEVEL_EVENT) != HX_OK) {
        c->fd = -1;
        hx_free_connection(c);
        return NULL;
    }

    return c;
}


void
hx_event_del_fd(hx_connection_t *c)
{
    if (c->read->timer_set) {
        hx_del_timer(c->read);
    }

    if (c->write->timer_set) {
        hx_del_timer(c->write);
    }

    /* the fd stays open, so epoll must be told explicitly */

    if (c->read->active) {
        (void) hx_del_event(c->read, HX_READ_EVENT, 0);
    }

    if (c->write->active) {
        (void) hx_del_event(c->write, HX_WRITE_EVENT, 0);
    }

    if (c->read->posted) {
        hx_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        hx_delete_posted_event(c->write);
    }

    c->read->closed = 1;
    c->write->closed = 1;

    hx_free_connection(c);

    c->fd = -1;
}

/*
 * The events {} block and the event core module.
 *
 * hx_events_module is a core module whose one directive, "events", opens
 * a block for the HX_EVENT_MODULE modules: it gives each of them a conf
 * (created by its create_conf, indexed by ctx_index) and parses the block
 * with only their directives visible, as nginx's ngx_events_block does.
 *
 * hx_event_core_module holds the directives (worker_connections, use,
 * multi_accept, accept_mutex, accept_mutex_delay, debug_connection) and
 * the hooks: init_module in the master checks worker_connections against
 * the open file limit and sets up the shared connection counter;
 * init_process in each worker builds the connection pool and arms the
 * listening sockets (hx_event_process_init).
 *
 * The accept mutex is accepted for compatibility and never used: with
 * EPOLLEXCLUSIVE (or reuseport) the kernel already wakes one worker per
 * connection, which is why nginx turned it off by default.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>


static char *hx_events_block(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_event_init_conf(hx_cycle_t *cycle, void *conf);

static char *hx_event_connections(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_event_use(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_event_debug_connection(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);

static void *hx_event_core_create_conf(hx_cycle_t *cycle);
static char *hx_event_core_init_conf(hx_cycle_t *cycle, void *conf);

static hx_int_t hx_event_module_init(hx_cycle_t *cycle);
static hx_int_t hx_event_init_listening(hx_cycle_t *cycle,
    hx_listening_t *ls, hx_core_conf_t *ccf);
static void hx_event_release_listening(hx_cycle_t *old);


hx_uint_t             hx_event_max_module;

hx_event_actions_t    hx_event_actions;
hx_uint_t             hx_event_flags;

hx_int_t              hx_accept_disabled;
hx_uint_t             hx_use_accept_mutex;
hx_uint_t             hx_use_exclusive_accept;

hx_uint_t             hx_event_worker;

static uint64_t         hx_connection_counter_local = 1;
uint64_t               *hx_connection_counter = &hx_connection_counter_local;

static hx_event_stat_t  hx_event_stat_local;
hx_event_stat_t        *hx_event_stat = &hx_event_stat_local;
static hx_shm_t       hx_event_shm;


static hx_command_t  hx_events_commands[] = {

    { hx_string("events"),
      HX_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_NOARGS,
      hx_events_block,
      0,
      0,
      NULL },

    hx_null_command
};


static hx_core_module_t  hx_events_module_ctx = {
    hx_string("events"),
    NULL,
    hx_event_init_conf
};


hx_module_t  hx_events_module = {
    HX_MODULE_V1,
    "hx_events_module",
    &hx_events_module_ctx,
    hx_events_commands,
    HX_CORE_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static hx_str_t  event_core_name = hx_string("event_core");


static hx_command_t  hx_event_core_commands[] = {

    { hx_string("worker_connections"),
      HX_EVENT_CONF|HX_CONF_TAKE1,
      hx_event_connections,
      0,
      0,
      NULL },

    { hx_string("use"),
      HX_EVENT_CONF|HX_CONF_TAKE1,
      hx_event_use,
      0,
      0,
      NULL },

    { hx_string("multi_accept"),
      HX_EVENT_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      0,
      offsetof(hx_event_conf_t, multi_accept),
      NULL },

    { hx_string("accept_mutex"),
      HX_EVENT_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      0,
      offsetof(hx_event_conf_t, accept_mutex),
      NULL },

    { hx_string("accept_mutex_delay"),
      HX_EVENT_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      0,
      offsetof(hx_event_conf_t, accept_mutex_delay),
      NULL },

    { hx_string("debug_connection"),
      HX_EVENT_CONF|HX_CONF_TAKE1,
      hx_event_debug_connection,
      0,
      0,
      NULL },

    hx_null_command
};


static hx_event_module_t  hx_event_core_module_ctx = {
    &event_core_name,
    hx_event_core_create_conf,
    hx_event_core_init_conf,

    { NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }
};


hx_module_t  hx_event_core_module = {
    HX_MODULE_V1,
    "hx_event_core_module",
    &hx_event_core_module_ctx,
    hx_event_core_commands,
    HX_EVENT_MODULE,
    hx_event_module_init,                /* init module */
    NULL,                                /* init master */
    hx_event_process_init,               /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static char *
hx_events_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char                *rv;
    void              ***ctx;
    hx_uint_t            i;
    hx_conf_t            pcf;
    hx_module_t         *module;
    hx_event_module_t   *m;

    (void) cmd;

    if (*(void **) conf) {
        return "is duplicate";
    }

    hx_event_max_module = hx_count_modules(cf->cycle, HX_EVENT_MODULE);

    ctx = hx_pcalloc(cf->pool, sizeof(void *));
    if (ctx == NULL) {
        return HX_CONF_ERROR;
    }

    *ctx = hx_pcalloc(cf->pool, hx_event_max_module * sizeof(void *));
    if (*ctx == NULL) {
        return HX_CONF_ERROR;
    }

    *(void **) conf = ctx;

    for (i = 0; cf->cycle->modules[i]; i++) {
        module = cf->cycle->modules[i];

        if (module->type != HX_EVENT_MODULE) {
            continue;
        }

        m = module->ctx;

        if (m->create_conf) {
            (*ctx)[module->ctx_index] = m->create_conf(cf->cycle);
            if ((*ctx)[module->ctx_index] == NULL) {
                return HX_CONF_ERROR;
            }
        }
    }

    pcf = *cf;
    cf->ctx = ctx;
    cf->module_type = HX_EVENT_MODULE;
    cf->cmd_type = HX_EVENT_CONF;

    rv = hx_conf_parse(cf, NULL);

    *cf = pcf;

    if (rv != HX_CONF_OK) {
        return rv;
    }

    for (i = 0; cf->cycle->modules[i]; i++) {
        module = cf->cycle->modules[i];

        if (module->type != HX_EVENT_MODULE) {
            continue;
        }

        m = module->ctx;

        if (m->init_conf) {
            rv = m->init_conf(cf->cycle, (*ctx)[module->ctx_index]);
            if (rv != HX_CONF_OK) {
                return rv;
            }
        }
    }

    return HX_CONF_OK;
}


/*
 * The events module's init_conf runs after the whole file is parsed, so
 * it sees every listening socket the http and stream blocks created.
 */
static char *
hx_event_init_conf(hx_cycle_t *cycle, void *conf)
{
    hx_uint_t         i;
    hx_core_conf_t   *ccf;
    hx_listening_t   *ls;

    (void) conf;

    if (hx_get_conf(cycle->conf_ctx, hx_events_module) == NULL) {
        hx_log_error(HX_LOG_EMERG, cycle->log, 0,
                     "no \"events\" section in configuration");
        return HX_CONF_ERROR;
    }

    if (cycle->connection_n < cycle->listening.nelts + 2) {

        /*
         * a slot per listening socket, plus the worker's own two: the
         * master's channel and the signal self-pipe
         */

        hx_log_error(HX_LOG_EMERG, cycle->log, 0,
                     "%ui worker_connections are not enough "
                     "for %ui listening sockets",
                     cycle->connection_n, cycle->listening.nelts);

        return HX_CONF_ERROR;
    }

    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);

    if (hx_test_config || ccf == NULL || !ccf->master) {
        return HX_CONF_OK;
    }

    ls = cycle->listening.elts;
    for (i = 0; i < cycle->listening.nelts; i++) {

        if (!ls[i].reuseport || ls[i].worker != 0) {
            continue;
        }

        if (hx_clone_listening(cycle, &ls[i]) != HX_OK) {
            return HX_CONF_ERROR;
        }

        /* cloning may have moved the array */

        ls = cycle->listening.elts;
    }

    return HX_CONF_OK;
}


static char *
hx_event_connections(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_event_conf_t  *ecf = conf;

    hx_int_t   n;
    hx_str_t  *value;

    (void) cmd;

    if (ecf->connections != HX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    n = hx_atoi(value[1].data, value[1].len);
    if (n == HX_ERROR) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid number \"%V\"", &value[1]);
        return HX_CONF_ERROR;
    }

    ecf->connections = (hx_uint_t) n;
    cf->cycle->connection_n = ecf->connections;

    return HX_CONF_OK;
}


static char *
hx_event_use(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_event_conf_t  *ecf = conf;

    hx_uint_t            m;
    hx_str_t            *value;
    hx_module_t         *module;
    hx_event_module_t   *em;

    (void) cmd;

    if (ecf->use != HX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (m = 0; cf->cycle->modules[m]; m++) {
        module = cf->cycle->modules[m];

        if (module->type != HX_EVENT_MODULE) {
            continue;
        }

        em = module->ctx;

        /* only a backend can be "used": it has an init action */

        if (em->actions.init == NULL || !hx_str_eq(em->name, &value[1])) {
            continue;
        }

        ecf->use = module->ctx_index;
        ecf->name = em->name->data;

        return HX_CONF_OK;
    }

    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                      "invalid event type \"%V\"", &value[1]);

    return HX_CONF_ERROR;
}


static char *
hx_event_debug_connection(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
#if (HX_DEBUG)
    hx_event_conf_t  *ecf = conf;

    hx_int_t    rc;
    hx_str_t   *value;
    hx_cidr_t   cidr, *p;

    (void) cmd;

    value = cf->args->elts;

    if (value[1].len == sizeof("unix:") - 1
        && hx_strncmp(value[1].data, "unix:", sizeof("unix:") - 1) == 0)
    {
        p = hx_array_push(&ecf->debug_connection);
        if (p == NULL) {
            return HX_CONF_ERROR;
        }

        hx_memzero(p, sizeof(hx_cidr_t));
        p->family = AF_UNIX;

        return HX_CONF_OK;
    }

    rc = hx_ptocidr(&value[1], &cidr);

    if (rc == HX_ERROR) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid parameter \"%V\"", &value[1]);
        return HX_CONF_ERROR;
    }

    if (rc == HX_DONE) {
        hx_conf_log_error(HX_LOG_WARN, cf, 0,
                          "low address bits of %V are meaningless",
                          &value[1]);
    }

    p = hx_array_push(&ecf->debug_connection);
    if (p == NULL) {
        return HX_CONF_ERROR;
    }

    *p = cidr;

#else

    (void) cmd;
    (void) conf;

    hx_conf_log_error(HX_LOG_WARN, cf, 0,
                      "\"debug_connection\" is ignored, you need to rebuild "
                      "hanx using --with-debug option to enable it");

#endif

    return HX_CONF_OK;
}


static void *
hx_event_core_create_conf(hx_cycle_t *cycle)
{
    hx_event_conf_t  *ecf;

    ecf = hx_palloc(cycle->pool, sizeof(hx_event_conf_t));
    if (ecf == NULL) {
        return NULL;
    }

    ecf->connections = HX_CONF_UNSET_UINT;
    ecf->use = HX_CONF_UNSET_UINT;
    ecf->multi_accept = HX_CONF_UNSET;
    ecf->accept_mutex = HX_CONF_UNSET;
    ecf->accept_mutex_delay = HX_CONF_UNSET_MSEC;
    ecf->name = (void *) HX_CONF_UNSET;

#if (HX_DEBUG)

    if (hx_array_init(&ecf->debug_connection, cycle->pool, 4,
                      sizeof(hx_cidr_t))
        != HX_OK)
    {
        return NULL;
    }

#endif

    return ecf;
}


static char *
hx_event_core_init_conf(hx_cycle_t *cycle, void *conf)
{
    hx_event_conf_t  *ecf = conf;

    hx_uint_t           i;
    hx_module_t        *module;
    hx_event_module_t  *em;

    /* the first backend built in; only epoll exists */

    module = NULL;

    for (i = 0; cycle->modules[i]; i++) {
        if (cycle->modules[i]->type != HX_EVENT_MODULE) {
            continue;
        }

        em = cycle->modules[i]->ctx;

        if (em->actions.init) {
            module = cycle->modules[i];
            break;
        }
    }

    if (module == NULL) {
        hx_log_error(HX_LOG_EMERG, cycle->log, 0, "no events module found");
        return HX_CONF_ERROR;
    }

    hx_conf_init_uint_value(ecf->connections, HX_EVENT_DEFAULT_CONNECTIONS);
    cycle->connection_n = ecf->connections;

    hx_conf_init_uint_value(ecf->use, module->ctx_index);

    em = module->ctx;
    hx_conf_init_ptr_value(ecf->name, em->name->data);

    hx_conf_init_value(ecf->multi_accept, 0);
    hx_conf_init_value(ecf->accept_mutex, 0);
    hx_conf_init_msec_value(ecf->accept_mutex_delay, 500);

    return HX_CONF_OK;
}


/*
 * Master, after parsing (and on every reload): warns when
 * worker_connections exceed what the workers may open, and maps the
 * connection counter into shared memory so "*N" is unique across workers.
 */
static hx_int_t
hx_event_module_init(hx_cycle_t *cycle)
{
    hx_int_t           limit;
    uint64_t          *counter;
    struct rlimit      rlmt;
    hx_core_conf_t    *ccf;
    hx_event_conf_t   *ecf;

    ecf = hx_event_get_conf(cycle->conf_ctx, hx_event_core_module);
    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);

    if (!hx_test_config) {
        hx_log_error(HX_LOG_NOTICE, cycle->log, 0,
                     "using the \"%s\" event method", ecf->name);
    }

    if (getrlimit(RLIMIT_NOFILE, &rlmt) == -1) {
        hx_log_error(HX_LOG_ALERT, cycle->log, hx_errno,
                     "getrlimit(RLIMIT_NOFILE) failed, ignored");

    } else if (ecf->connections > (hx_uint_t) rlmt.rlim_cur
               && (ccf == NULL || ccf->rlimit_nofile == HX_CONF_UNSET
                   || ecf->connections > (hx_uint_t) ccf->rlimit_nofile))
    {
        limit = (ccf == NULL || ccf->rlimit_nofile == HX_CONF_UNSET)
                ? (hx_int_t) rlmt.rlim_cur : ccf->rlimit_nofile;

        hx_log_error(HX_LOG_WARN, cycle->log, 0,
                     "%ui worker_connections exceed "
                     "open file resource limit: %i",
                     ecf->connections, limit);
    }

    if (ccf == NULL || !ccf->master || hx_event_shm.addr) {
        return HX_OK;
    }

    /* one cache line, mapped before fork: every worker counts in it */

    hx_event_shm.size = 128;
    hx_str_set(&hx_event_shm.name, "hanx_shared_zone");
    hx_event_shm.log = cycle->log;

    if (hx_shm_alloc(&hx_event_shm) != HX_OK) {
        hx_event_shm.addr = NULL;
        return HX_ERROR;
    }

    counter = (uint64_t *) hx_event_shm.addr;
    *counter = *hx_connection_counter;
    hx_connection_counter = counter;

    /* the counters follow the serial, in the same cache-line-sized page */
    hx_event_stat = (hx_event_stat_t *) (hx_event_shm.addr
                                         + sizeof(uint64_t));
    *hx_event_stat = hx_event_stat_local;

    return HX_OK;
}


hx_int_t
hx_event_process_init(hx_cycle_t *cycle)
{
    hx_uint_t            i;
    hx_cycle_t          *old;
    hx_listening_t      *ls;
    hx_core_conf_t      *ccf;
    hx_event_conf_t     *ecf;

    ccf = (hx_core_conf_t *) hx_get_conf(cycle->conf_ctx, hx_core_module);
    ecf = hx_event_get_conf(cycle->conf_ctx, hx_event_core_module);

    old = hx_event_adopt_loop(cycle);

    if (old) {
        if (old != cycle) {
            hx_event_release_listening(old);
        }

    } else {
        hx_use_accept_mutex = 0;
        hx_use_exclusive_accept = 0;
        hx_accept_disabled = 0;
        hx_event_accept_paused = 0;

        /* what a forked worker inherited is the master's */

        hx_event_posted_init();

        if (hx_event_timer_init(cycle->log) != HX_OK) {
            return HX_ERROR;
        }

        if (hx_event_init_backend(cycle) != HX_OK) {
            return HX_ERROR;
        }

        if (hx_event_alloc_connections(cycle, ecf->connections) != HX_OK) {
            return HX_ERROR;
        }

        hx_event_own_loop(cycle);
    }

    ls = cycle->listening.elts;
    for (i = 0; i < cycle->listening.nelts; i++) {
        if (ls[i].connection) {
            continue;
        }

        if (hx_event_init_listening(cycle, &ls[i], ccf) != HX_OK) {
            return HX_ERROR;
        }
    }

    return HX_OK;
}


/*
 * Frees the slots the listening sockets of a replaced cycle held.  A
 * socket the new cycle kept is still open and must leave epoll
 * explicitly; one it closed has left already, and its number may belong
 * to another descriptor by now.
 */
static void
hx_event_release_listening(hx_cycle_t *old)
{
    hx_uint_t          i;
    hx_listening_t    *ls;
    hx_connection_t   *c;

    ls = old->listening.elts;
    for (i = 0; i < old->listening.nelts; i++) {

        c = ls[i].connection;

        if (c == NULL) {
            continue;
        }

        if (c->read->timer_set) {
            hx_del_timer(c->read);
        }

        if (c->read->posted) {
            hx_delete_posted_event(c->read);
        }

        if (c->read->active) {
            if (ls[i].remain && c->fd != -1) {
                (void) hx_del_event(c->read, HX_READ_EVENT, 0);
            }

            c->read->active = 0;
        }

        c->read->closed = 1;
        c->fd = -1;

        hx_free_connection(c);

        ls[i].connection = NULL;
    }
}


/* takes a slot for one listening socket and arms its accept event */
static hx_int_t
hx_event_init_listening(hx_cycle_t *cycle, hx_listening_t *ls,
    hx_core_conf_t *ccf)
{
    hx_event_t        *rev;
    hx_connection_t   *c;

    if (ls->fd == -1) {
        return HX_OK;
    }

    if (ls->reuseport && ls->worker != hx_event_worker) {

        /* another worker's copy: keeping it open would queue connections */

        hx_log_debug(HX_LOG_DEBUG_EVENT, cycle->log, 0,
                     "closing unused fd:%d listening on %V",
                     ls->fd, &ls->addr_text);

        if (close(ls->fd) == -1) {
            hx_log_error(HX_LOG_EMERG, cycle->log, hx_errno,
                         "close() socket %V failed", &ls->addr_text);
        }

        ls->fd = -1;

        return HX_OK;
    }

    c = hx_get_connection(ls->fd, cycle->log);
    if (c == NULL) {
        return HX_ERROR;
    }

    c->type = ls->type;
    c->log = &ls->log;

    c->listening = ls;
    ls->connection = c;

    rev = c->read;

    rev->log = c->log;
    rev->accept = 1;
    rev->deferred_accept = ls->deferred_accept;
    rev->handler = hx_event_accept;

    if (ls->type != SOCK_STREAM) {

        /* UDP listeners are read by their module, not accepted */

        rev->accept = 0;
        rev->handler = NULL;
        return HX_OK;
    }

    if (ls->reuseport) {
        return hx_add_event(rev, HX_READ_EVENT, 0);
    }

#if (HX_HAVE_EPOLLEXCLUSIVE)

    if (ccf && ccf->master && ccf->worker_processes > 1) {
        hx_use_exclusive_accept = 1;

        return hx_add_event(rev, HX_READ_EVENT, HX_EXCLUSIVE_EVENT);
    }

#else
    (void) ccf;
#endif

    return hx_add_event(rev, HX_READ_EVENT, 0);
}

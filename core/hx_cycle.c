/*
 * Building a cycle.  hx_init_cycle() parses the file into a fresh pool,
 * then acquires what the configuration names -- log files, shared zones,
 * listening sockets -- reusing the old cycle's where they are unchanged.
 * Everything is acquired before anything of the old cycle is released, so
 * a failure at any step (a typo, a port in use, a file that can't be
 * opened) unwinds the new cycle alone and the old one keeps serving.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>


static void hx_destroy_cycle_pools(hx_conf_t *conf);
static hx_int_t hx_cycle_create_conf(hx_cycle_t *cycle);
static hx_int_t hx_cycle_init_conf(hx_cycle_t *cycle);
static hx_int_t hx_cycle_open_files(hx_cycle_t *cycle);
static hx_int_t hx_cycle_init_zones(hx_cycle_t *cycle, hx_cycle_t *old);
static hx_shm_zone_t *hx_cycle_find_zone(hx_cycle_t *cycle,
    hx_shm_zone_t *zone);
static hx_int_t hx_init_zone_pool(hx_cycle_t *cycle, hx_shm_zone_t *zn);
static void hx_cycle_inherit_listening(hx_cycle_t *cycle, hx_cycle_t *old);
static void hx_cycle_release_old(hx_cycle_t *cycle, hx_cycle_t *old);
static void hx_cycle_unwind(hx_cycle_t *cycle, hx_cycle_t *old);
static void hx_cycle_close_files(hx_cycle_t *cycle);
static void hx_cycle_free_zones(hx_cycle_t *cycle, hx_cycle_t *other);
static hx_uint_t hx_cycle_maps_zone(hx_cycle_t *cycle, uint8_t *addr);


volatile hx_cycle_t  *hx_cycle;

hx_uint_t             hx_test_config;
hx_uint_t             hx_dump_config;
hx_uint_t             hx_quiet_mode;


hx_cycle_t *
hx_init_cycle(hx_cycle_t *old_cycle)
{
    void        *rv;
    char         hostname[HOST_NAME_MAX + 1];
    hx_log_t    *log;
    hx_conf_t    conf;
    hx_pool_t   *pool;
    hx_cycle_t  *cycle;

    hx_time_update();

    log = old_cycle->log;

    pool = hx_create_pool(HX_CYCLE_POOL_SIZE, log);
    if (pool == NULL) {
        return NULL;
    }

    pool->log = log;

    cycle = hx_pcalloc(pool, sizeof(hx_cycle_t));
    if (cycle == NULL) {
        hx_destroy_pool(pool);
        return NULL;
    }

    cycle->pool = pool;
    cycle->log = log;
    cycle->old_cycle = old_cycle;

    cycle->conf_prefix.len = old_cycle->conf_prefix.len;
    cycle->conf_prefix.data = hx_pstrdup(pool, &old_cycle->conf_prefix);
    cycle->prefix.len = old_cycle->prefix.len;
    cycle->prefix.data = hx_pstrdup(pool, &old_cycle->prefix);
    cycle->error_log.len = old_cycle->error_log.len;
    cycle->error_log.data = hx_pnalloc(pool, old_cycle->error_log.len + 1);
    cycle->conf_file.len = old_cycle->conf_file.len;
    cycle->conf_file.data = hx_pnalloc(pool, old_cycle->conf_file.len + 1);
    cycle->conf_param.len = old_cycle->conf_param.len;
    cycle->conf_param.data = hx_pstrdup(pool, &old_cycle->conf_param);

    if (cycle->conf_prefix.data == NULL || cycle->prefix.data == NULL
        || cycle->error_log.data == NULL || cycle->conf_file.data == NULL
        || cycle->conf_param.data == NULL)
    {
        hx_destroy_pool(pool);
        return NULL;
    }

    hx_cpystrn(cycle->error_log.data, old_cycle->error_log.data,
               old_cycle->error_log.len + 1);
    hx_cpystrn(cycle->conf_file.data, old_cycle->conf_file.data,
               old_cycle->conf_file.len + 1);

    if (hx_array_init(&cycle->paths, pool, 4, sizeof(hx_path_t *)) != HX_OK
        || hx_array_init(&cycle->config_dump, pool, 1,
                         sizeof(hx_conf_dump_t)) != HX_OK
        || hx_list_init(&cycle->open_files, pool, 20,
                        sizeof(hx_open_file_t)) != HX_OK
        || hx_list_init(&cycle->shared_memory, pool, 1,
                        sizeof(hx_shm_zone_t)) != HX_OK
        || hx_array_init(&cycle->listening, pool, 10,
                         sizeof(hx_listening_t)) != HX_OK)
    {
        hx_destroy_pool(pool);
        return NULL;
    }

    hx_queue_init(&cycle->reusable_connections_queue);

    if (gethostname(hostname, sizeof(hostname)) == -1) {
        hx_log_error(HX_LOG_EMERG, log, hx_errno, "gethostname() failed");
        hx_destroy_pool(pool);
        return NULL;
    }

    hostname[HOST_NAME_MAX] = '\0';
    cycle->hostname.len = hx_strlen(hostname);

    cycle->hostname.data = hx_pnalloc(pool, cycle->hostname.len);
    if (cycle->hostname.data == NULL) {
        hx_destroy_pool(pool);
        return NULL;
    }

    hx_strlow(cycle->hostname.data, (uint8_t *) hostname,
              cycle->hostname.len);

    if (hx_cycle_modules(cycle) != HX_OK) {
        hx_destroy_pool(pool);
        return NULL;
    }

    if (hx_cycle_create_conf(cycle) != HX_OK) {
        hx_destroy_pool(pool);
        return NULL;
    }

    hx_memzero(&conf, sizeof(hx_conf_t));

    conf.cycle = cycle;
    conf.pool = pool;
    conf.args = hx_array_create(pool, 10, sizeof(hx_str_t));
    conf.temp_pool = hx_create_pool(HX_CYCLE_POOL_SIZE, log);

    if (conf.args == NULL || conf.temp_pool == NULL) {
        hx_destroy_cycle_pools(&conf);
        return NULL;
    }

    conf.ctx = cycle->conf_ctx;
    conf.log = log;
    conf.module_type = HX_CORE_MODULE;
    conf.cmd_type = HX_MAIN_CONF;

    if (hx_conf_param(&conf) != HX_CONF_OK) {
        hx_destroy_cycle_pools(&conf);
        return NULL;
    }

    rv = hx_conf_parse(&conf, &cycle->conf_file);

    if (rv != HX_CONF_OK) {
        hx_destroy_cycle_pools(&conf);
        return NULL;
    }

    if (hx_test_config && !hx_quiet_mode) {
        hx_log_stderr(0, "the configuration file %s syntax is ok",
                      cycle->conf_file.data);
    }

    if (hx_cycle_init_conf(cycle) != HX_OK) {
        hx_destroy_cycle_pools(&conf);
        return NULL;
    }

    if (hx_process == HX_PROCESS_SIGNALLER) {
        /* "-s" needs only the pid file path: open nothing, touch nothing */
        hx_destroy_pool(conf.temp_pool);
        return cycle;
    }

    /* from here on, resources exist outside the pool: unwind on failure */

    if (hx_cycle_open_files(cycle) != HX_OK) {
        goto failed;
    }

    cycle->log = &cycle->new_log;
    pool->log = &cycle->new_log;

    if (hx_cycle_init_zones(cycle, old_cycle) != HX_OK) {
        goto failed;
    }

    hx_cycle_inherit_listening(cycle, old_cycle);

    if (hx_open_listening_sockets(cycle) != HX_OK) {
        goto failed;
    }

    if (!hx_test_config) {
        hx_configure_listening_sockets(cycle);
    }

    if (hx_init_modules(cycle) != HX_OK) {
        /* a module said why; nothing of the old cycle was touched yet */
        goto failed;
    }

    hx_destroy_pool(conf.temp_pool);

    hx_cycle_release_old(cycle, old_cycle);

    return cycle;

failed:

    hx_cycle_unwind(cycle, old_cycle);
    hx_destroy_cycle_pools(&conf);

    return NULL;
}


static void
hx_destroy_cycle_pools(hx_conf_t *conf)
{
    if (conf->temp_pool) {
        hx_destroy_pool(conf->temp_pool);
    }

    hx_destroy_pool(conf->pool);
}


static hx_int_t
hx_cycle_create_conf(hx_cycle_t *cycle)
{
    void               *rv;
    hx_uint_t           i;
    hx_core_module_t   *module;

    cycle->conf_ctx = hx_pcalloc(cycle->pool, hx_max_module * sizeof(void *));
    if (cycle->conf_ctx == NULL) {
        return HX_ERROR;
    }

    for (i = 0; cycle->modules[i]; i++) {
        if (cycle->modules[i]->type != HX_CORE_MODULE) {
            continue;
        }

        module = cycle->modules[i]->ctx;

        if (module->create_conf) {
            rv = module->create_conf(cycle);
            if (rv == NULL) {
                return HX_ERROR;
            }

            cycle->conf_ctx[cycle->modules[i]->index] = rv;
        }
    }

    return HX_OK;
}


static hx_int_t
hx_cycle_init_conf(hx_cycle_t *cycle)
{
    hx_uint_t           i;
    hx_core_module_t   *module;

    for (i = 0; cycle->modules[i]; i++) {
        if (cycle->modules[i]->type != HX_CORE_MODULE) {
            continue;
        }

        module = cycle->modules[i]->ctx;

        if (module->init_conf) {
            if (module->init_conf(cycle,
                                  cycle->conf_ctx[cycle->modules[i]->index])
                == HX_CONF_ERROR)
            {
                return HX_ERROR;
            }
        }
    }

    return HX_OK;
}


/*
 * Opens every file the configuration named (error and access logs), plus
 * the default error log when no error_log directive was given.
 */
static hx_int_t
hx_cycle_open_files(hx_cycle_t *cycle)
{
    hx_str_t          name;
    hx_log_t         *log;
    hx_open_file_t   *file;
    hx_list_iter_t    it;

    if (hx_log_get_file_log(&cycle->new_log) == NULL) {

        /* no error_log to a file (none at all, or syslog only): the
         * default file is added, beside any syslog target */

        if (cycle->error_log.len == 0
            || hx_strcmp(cycle->error_log.data, "stderr") == 0)
        {
            hx_str_null(&name);
            cycle->log_use_stderr = 1;

        } else {
            name = cycle->error_log;
        }

        log = &cycle->new_log;

        if (log->log_level != 0) {
            log = hx_pcalloc(cycle->pool, sizeof(hx_log_t));
            if (log == NULL) {
                return HX_ERROR;
            }
        }

        log->file = hx_conf_open_file(cycle, &name);
        if (log->file == NULL) {
            return HX_ERROR;
        }

        log->log_level = HX_LOG_ERR;

        if (log != &cycle->new_log) {
            hx_log_insert(&cycle->new_log, log);
        }
    }

    hx_list_iter_init(&it, &cycle->open_files);

    while ((file = hx_list_iter_next(&it)) != NULL) {

        if (file->name.len == 0) {
            continue;
        }

        file->fd = hx_open_file(file->name.data, HX_FILE_APPEND,
                                HX_FILE_CREATE_OR_OPEN,
                                HX_FILE_DEFAULT_ACCESS);

        if (file->fd == HX_INVALID_FILE) {
            hx_log_error(HX_LOG_EMERG, cycle->log, hx_errno,
                         "open() \"%s\" failed", file->name.data);
            return HX_ERROR;
        }
    }

    return HX_OK;
}


hx_shm_zone_t *
hx_shared_memory_add(hx_conf_t *cf, hx_str_t *name, size_t size, void *tag)
{
    hx_shm_zone_t   *zone;
    hx_list_iter_t   it;

    hx_list_iter_init(&it, &cf->cycle->shared_memory);

    while ((zone = hx_list_iter_next(&it)) != NULL) {

        if (!hx_str_eq(name, &zone->shm.name)) {
            continue;
        }

        if (tag != zone->tag) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "the shared memory zone \"%V\" is "
                              "already declared for a different use",
                              &zone->shm.name);
            return NULL;
        }

        if (zone->shm.size == 0) {
            zone->shm.size = size;
        }

        if (size && size != zone->shm.size) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "the size %uz of shared memory zone \"%V\" "
                              "conflicts with already declared size %uz",
                              size, &zone->shm.name, zone->shm.size);
            return NULL;
        }

        return zone;
    }

    zone = hx_list_push(&cf->cycle->shared_memory);
    if (zone == NULL) {
        return NULL;
    }

    hx_memzero(zone, sizeof(hx_shm_zone_t));

    zone->shm.size = size;
    zone->shm.name = *name;
    zone->shm.log = cf->cycle->log;
    zone->tag = tag;

    return zone;
}


/*
 * Maps every zone of the new cycle: one of the old cycle with the same
 * name, tag and size keeps its memory (the module's init is told so by
 * shm.exists and gets the old data); the rest are mapped fresh.
 */
static hx_int_t
hx_cycle_init_zones(hx_cycle_t *cycle, hx_cycle_t *old)
{
    hx_shm_zone_t   *zone, *oz;
    hx_list_iter_t   it;

    hx_list_iter_init(&it, &cycle->shared_memory);

    while ((zone = hx_list_iter_next(&it)) != NULL) {

        if (zone->shm.size == 0) {
            hx_log_error(HX_LOG_EMERG, cycle->log, 0,
                         "zero size shared memory zone \"%V\"",
                         &zone->shm.name);
            return HX_ERROR;
        }

        zone->shm.log = cycle->log;

        oz = zone->noreuse ? NULL : hx_cycle_find_zone(old, zone);

        if (oz) {
            zone->shm.addr = oz->shm.addr;
            zone->shm.exists = 1;

            if (zone->init(zone, oz->data) != HX_OK) {
                return HX_ERROR;
            }

            continue;
        }

        if (hx_shm_alloc(&zone->shm) != HX_OK) {
            return HX_ERROR;
        }

        if (hx_init_zone_pool(cycle, zone) != HX_OK) {
            return HX_ERROR;
        }

        if (zone->init(zone, NULL) != HX_OK) {
            return HX_ERROR;
        }
    }

    return HX_OK;
}


/* the zone of cycle that a zone of another cycle may take over, or NULL */
static hx_shm_zone_t *
hx_cycle_find_zone(hx_cycle_t *cycle, hx_shm_zone_t *zone)
{
    hx_shm_zone_t   *oz;
    hx_list_iter_t   it;

    hx_list_iter_init(&it, &cycle->shared_memory);

    while ((oz = hx_list_iter_next(&it)) != NULL) {
        if (hx_str_eq(&zone->shm.name, &oz->shm.name)
            && zone->tag == oz->tag
            && zone->shm.size == oz->shm.size
            && !oz->noreuse)
        {
            return oz;
        }
    }

    return NULL;
}


static hx_int_t
hx_init_zone_pool(hx_cycle_t *cycle, hx_shm_zone_t *zn)
{
    hx_slab_pool_t  *sp;

    sp = (hx_slab_pool_t *) zn->shm.addr;

    if (zn->shm.size < 8 * (size_t) getpagesize()) {
        hx_log_error(HX_LOG_EMERG, cycle->log, 0,
                     "zone \"%V\" is too small", &zn->shm.name);
        return HX_ERROR;
    }

    sp->end = zn->shm.addr + zn->shm.size;
    sp->min_shift = 3;
    sp->addr = zn->shm.addr;

    if (hx_shmtx_create(&sp->mutex, cycle->log) != HX_OK) {
        return HX_ERROR;
    }

    hx_slab_init(sp);

    return HX_OK;
}


/*
 * A listening socket whose address is unchanged keeps its descriptor
 * across a reload: clients queued in its backlog are never refused.
 */
static void
hx_cycle_inherit_listening(hx_cycle_t *cycle, hx_cycle_t *old)
{
    hx_uint_t         i, n;
    hx_listening_t   *ls, *nls;

    ls = old->listening.elts;

    for (i = 0; i < old->listening.nelts; i++) {
        ls[i].remain = 0;
    }

    nls = cycle->listening.elts;

    for (n = 0; n < cycle->listening.nelts; n++) {

        for (i = 0; i < old->listening.nelts; i++) {
            if (ls[i].ignore || ls[i].remain
                || ls[i].type != nls[n].type)
            {
                continue;
            }

            if (hx_cmp_sockaddr(nls[n].sockaddr, nls[n].socklen,
                                ls[i].sockaddr, ls[i].socklen, 1)
                == HX_OK)
            {
                nls[n].fd = ls[i].fd;
                nls[n].inherited = ls[i].inherited;
                nls[n].previous = &ls[i];
                ls[i].remain = 1;
                break;
            }
        }

        if (nls[n].fd == (hx_fd_t) -1) {
            nls[n].open = 1;
        }
    }
}


/* closes the files of a cycle, but not the terminal */
static void
hx_cycle_close_files(hx_cycle_t *cycle)
{
    hx_open_file_t  *file;
    hx_list_iter_t   it;

    hx_list_iter_init(&it, &cycle->open_files);

    while ((file = hx_list_iter_next(&it)) != NULL) {
        if (file->fd == HX_INVALID_FILE || file->fd == STDERR_FILENO) {
            continue;
        }

        (void) hx_close_file(file->fd);
        file->fd = HX_INVALID_FILE;
    }
}


/*
 * Unmaps the zones of cycle whose memory other (if any) does not map
 * too.  The mapping's address says it, whichever of the two cycles
 * mapped it first: a zone taken over at one reload and dropped at a
 * later one is freed then.
 */
static void
hx_cycle_free_zones(hx_cycle_t *cycle, hx_cycle_t *other)
{
    hx_shm_zone_t   *zone;
    hx_list_iter_t   it;

    hx_list_iter_init(&it, &cycle->shared_memory);

    while ((zone = hx_list_iter_next(&it)) != NULL) {
        if (zone->shm.addr == NULL) {
            continue;
        }

        if (other && hx_cycle_maps_zone(other, zone->shm.addr)) {
            continue;
        }

        hx_shm_free(&zone->shm);
    }
}


/* one of cycle's zones is mapped at addr */
static hx_uint_t
hx_cycle_maps_zone(hx_cycle_t *cycle, uint8_t *addr)
{
    hx_shm_zone_t   *zone;
    hx_list_iter_t   it;

    hx_list_iter_init(&it, &cycle->shared_memory);

    while ((zone = hx_list_iter_next(&it)) != NULL) {
        if (zone->shm.addr == addr) {
            return 1;
        }
    }

    return 0;
}


/* the new cycle is complete: close what the old one had and we don't */
static void
hx_cycle_release_old(hx_cycle_t *cycle, hx_cycle_t *old)
{
    hx_uint_t         i;
    hx_listening_t   *ls;

    ls = old->listening.elts;

    for (i = 0; i < old->listening.nelts; i++) {
        if (ls[i].remain || ls[i].fd == (hx_fd_t) -1) {
            continue;
        }

        if (close(ls[i].fd) == -1) {
            hx_log_error(HX_LOG_EMERG, cycle->log, hx_errno,
                         "close() socket listening on %V failed",
                         &ls[i].addr_text);
        }

        if (ls[i].sockaddr->sa_family == AF_UNIX && !hx_test_config) {
            (void) unlink(((struct sockaddr_un *) ls[i].sockaddr)->sun_path);
        }
    }

    hx_cycle_free_zones(old, cycle);
    hx_cycle_close_files(old);
}


/* undoes what a failed hx_init_cycle() opened; the old cycle stays */
static void
hx_cycle_unwind(hx_cycle_t *cycle, hx_cycle_t *old)
{
    hx_uint_t         i;
    hx_listening_t   *ls;

    ls = cycle->listening.elts;

    for (i = 0; i < cycle->listening.nelts; i++) {
        if (ls[i].fd == (hx_fd_t) -1 || !ls[i].open) {
            continue;
        }

        (void) close(ls[i].fd);
    }

    hx_cycle_free_zones(cycle, old);
    hx_cycle_close_files(cycle);
}

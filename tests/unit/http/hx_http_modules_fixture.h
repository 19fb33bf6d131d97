/*
 * Shared fixture of the http module tests: a cycle built by hand from the
 * real module list, so that "http { ... }" is parsed by the real
 * dispatcher and the real http core and modules, a log whose lines are
 * captured, configuration text written to a real file in a temporary
 * directory, and requests made up without any socket, on which variables
 * and the log phase can be run.  Criterion runs each test in its own
 * process, so the globals start fresh every time.
 */

#ifndef HX_TESTS_UNIT_HTTP_HX_HTTP_MODULES_FIXTURE_H
#define HX_TESTS_UNIT_HTTP_HX_HTTP_MODULES_FIXTURE_H

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>

#include <criterion/criterion.h>


static char             hxh_dir[64];
static char             hxh_logged[65536];
static size_t           hxh_logged_len;

static hx_cycle_t       hxh_cycle;
static hx_log_t         hxh_log;
static hx_core_conf_t   hxh_ccf;
static hx_conf_t        hxh_cf;

/* the pools of made-up requests, kept reachable until the process ends */
static hx_pool_t       *hxh_pools[1024];
static hx_uint_t        hxh_npools;


static void
hxh_capture(hx_log_t *log, hx_uint_t level, uint8_t *buf, size_t len)
{
    (void) log;
    (void) level;

    len = hx_min(len, sizeof(hxh_logged) - 2 - hxh_logged_len);
    hx_memcpy(hxh_logged + hxh_logged_len, buf, len);
    hxh_logged_len += len;
    hxh_logged[hxh_logged_len++] = '\n';
    hxh_logged[hxh_logged_len] = '\0';
}


/* whether some captured line contains s */
HX_UNUSED static int
hxh_logged_has(const char *s)
{
    return strstr(hxh_logged, s) != NULL;
}


/* the events {} confs, as the events block would have made them */
static void
hxh_event_confs(void)
{
    void               ***ctx;
    hx_uint_t             i;
    hx_module_t          *m;
    hx_event_module_t    *em;

    hx_event_max_module = hx_count_modules(&hxh_cycle, HX_EVENT_MODULE);

    ctx = hx_pcalloc(hxh_cycle.pool, sizeof(void *));
    cr_assert_not_null(ctx);
    *ctx = hx_pcalloc(hxh_cycle.pool, hx_event_max_module * sizeof(void *));
    cr_assert_not_null(*ctx);

    hxh_cycle.conf_ctx[hx_events_module.index] = (void ***) ctx;

    for (i = 0; hxh_cycle.modules[i]; i++) {
        m = hxh_cycle.modules[i];

        if (m->type != HX_EVENT_MODULE) {
            continue;
        }

        em = m->ctx;

        if (em->create_conf) {
            (*ctx)[m->ctx_index] = em->create_conf(&hxh_cycle);
            cr_assert_not_null((*ctx)[m->ctx_index]);
        }

        if (em->init_conf) {
            cr_assert_eq(em->init_conf(&hxh_cycle, (*ctx)[m->ctx_index]),
                         HX_CONF_OK);
        }
    }
}


/* the cycle, its log and the conf context, ready for hxh_parse() */
HX_UNUSED static void
hxh_init(void)
{
    hx_pool_t  *pool;

    strcpy(hxh_dir, "/tmp/hx_http_mod_test.XXXXXX");
    cr_assert_not_null(mkdtemp(hxh_dir));

    hx_time_init();

    hx_memzero(&hxh_log, sizeof(hx_log_t));
    hxh_log.log_level = HX_LOG_DEBUG;
    hxh_log.writer = hxh_capture;

    cr_assert_eq(hx_event_timer_init(&hxh_log), HX_OK);
    hxh_logged_len = 0;
    hxh_logged[0] = '\0';

    hx_use_stderr = 0;

    hx_preinit_modules();

    pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, &hxh_log);
    cr_assert_not_null(pool);

    hx_memzero(&hxh_cycle, sizeof(hx_cycle_t));
    hxh_cycle.pool = pool;
    hxh_cycle.log = &hxh_log;
    hxh_cycle.new_log = hxh_log;

    cr_assert_eq(hx_cycle_modules(&hxh_cycle), HX_OK);
    cr_assert_eq(hx_array_init(&hxh_cycle.listening, pool, 4,
                               sizeof(hx_listening_t)), HX_OK);
    cr_assert_eq(hx_array_init(&hxh_cycle.paths, pool, 4,
                               sizeof(hx_path_t *)), HX_OK);
    cr_assert_eq(hx_array_init(&hxh_cycle.config_dump, pool, 1,
                               sizeof(hx_conf_dump_t)), HX_OK);
    cr_assert_eq(hx_list_init(&hxh_cycle.open_files, pool, 4,
                              sizeof(hx_open_file_t)), HX_OK);
    cr_assert_eq(hx_list_init(&hxh_cycle.shared_memory, pool, 4,
                              sizeof(hx_shm_zone_t)), HX_OK);
    hx_queue_init(&hxh_cycle.reusable_connections_queue);

    hxh_cycle.prefix.len = strlen(hxh_dir) + 1;
    hxh_cycle.prefix.data = hx_pnalloc(pool, hxh_cycle.prefix.len + 1);
    cr_assert_not_null(hxh_cycle.prefix.data);
    sprintf((char *) hxh_cycle.prefix.data, "%s/", hxh_dir);
    hxh_cycle.conf_prefix = hxh_cycle.prefix;

    hx_str_set(&hxh_cycle.hostname, "testhost");

    hxh_cycle.conf_ctx = hx_pcalloc(pool, hx_max_module * sizeof(void *));
    cr_assert_not_null(hxh_cycle.conf_ctx);

    hx_memzero(&hxh_ccf, sizeof(hx_core_conf_t));
    hxh_ccf.master = 0;
    hxh_ccf.worker_processes = 1;
    hxh_ccf.rlimit_nofile = HX_CONF_UNSET;
    hxh_cycle.conf_ctx[hx_core_module.index] = (void ***) &hxh_ccf;

    hxh_event_confs();

    hx_cycle = &hxh_cycle;

    hx_memzero(&hxh_cf, sizeof(hx_conf_t));
    hxh_cf.cycle = &hxh_cycle;
    hxh_cf.pool = pool;
    hxh_cf.temp_pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, &hxh_log);
    cr_assert_not_null(hxh_cf.temp_pool);
    hxh_cf.args = hx_array_create(pool, 10, sizeof(hx_str_t));
    cr_assert_not_null(hxh_cf.args);
    hxh_cf.ctx = hxh_cycle.conf_ctx;
    hxh_cf.log = &hxh_log;
    hxh_cf.module_type = HX_CORE_MODULE;
    hxh_cf.cmd_type = HX_MAIN_CONF;
}


/* a file under the test directory with text in it; returns its path */
HX_UNUSED static char *
hxh_write(const char *name, const char *text)
{
    FILE  *f;
    char  *path;

    path = (char *) hx_pnalloc(hxh_cycle.pool, 256);
    cr_assert_not_null(path);
    snprintf(path, 256, "%s/%s", hxh_dir, name);

    f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fputs(text, f) >= 0, 1);
    cr_assert_eq(fclose(f), 0);

    return path;
}


/* the contents of a file under the test directory ("" when absent) */
HX_UNUSED static char *
hxh_read(const char *name)
{
    FILE    *f;
    char    *buf;
    char     path[256];
    size_t   n;

    buf = (char *) hx_pcalloc(hxh_cycle.pool, 65536);
    cr_assert_not_null(buf);

    snprintf(path, sizeof(path), "%s/%s", hxh_dir, name);

    f = fopen(path, "r");
    if (f == NULL) {
        return buf;
    }

    n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);

    return buf;
}


/*
 * Writes text to a file and parses it as the main configuration
 * (%s in text is replaced by the test directory).  HX_OK or HX_ERROR
 * (the reason is in the captured log).
 */
HX_UNUSED static hx_int_t
hxh_parse(const char *text)
{
    char      *conf, *p, *q;
    size_t     len;
    hx_str_t   file;

    len = strlen(text) + 32 * strlen(hxh_dir) + 1;
    conf = (char *) hx_pnalloc(hxh_cycle.pool, len);
    cr_assert_not_null(conf);

    for (p = (char *) text, q = conf; *p; p++) {
        if (p[0] == '%' && p[1] == 's') {
            q += sprintf(q, "%s", hxh_dir);
            p++;
            continue;
        }

        *q++ = *p;
    }

    *q = '\0';

    file.data = (uint8_t *) hxh_write("hanx.conf", conf);
    file.len = strlen((char *) file.data);

    return hx_conf_parse(&hxh_cf, &file) == HX_CONF_OK ? HX_OK : HX_ERROR;
}


/* parses text and fails the test, showing the log, if it is refused */
HX_UNUSED static void
hxh_parse_ok(const char *text)
{
    cr_assert_eq(hxh_parse(text), HX_OK, "configuration refused: %s",
                 hxh_logged);
}


/* parses text and checks it is refused with a message containing msg */
HX_UNUSED static void
hxh_parse_fails(const char *text, const char *msg)
{
    cr_assert_eq(hxh_parse(text), HX_ERROR, "configuration accepted");
    cr_assert(hxh_logged_has(msg), "no \"%s\" in: %s", msg, hxh_logged);
}


HX_UNUSED static hx_http_core_main_conf_t *
hxh_cmcf(void)
{
    hx_http_core_main_conf_t  *cmcf;

    cmcf = hx_http_cycle_get_module_main_conf((&hxh_cycle),
                                              hx_http_core_module);
    cr_assert_not_null(cmcf);

    return cmcf;
}


/*
 * A request without a socket, on the first server of the http block:
 * the client's address is given as text ("10.0.0.1:5555", "[::1]:80" or
 * "unix:"), the URI and arguments as text; its location is looked up
 * the way the find-config phase does.
 */
HX_UNUSED static hx_http_request_t *
hxh_request(const char *client, const char *uri, const char *args)
{
    hx_addr_t                   addr;
    hx_pool_t                  *pool, *cpool;
    hx_connection_t            *c;
    hx_http_request_t          *r;
    hx_http_conf_ctx_t         *ctx;
    hx_http_core_srv_conf_t   **cscfp;
    hx_http_core_main_conf_t   *cmcf;
    struct sockaddr_un         *sun;

    cmcf = hxh_cmcf();
    cr_assert_gt(cmcf->servers.nelts, 0);
    cscfp = cmcf->servers.elts;
    ctx = cscfp[0]->ctx;

    /* the connection outlives the request: a pool of its own */
    cpool = hx_create_pool(1024, &hxh_log);
    cr_assert_not_null(cpool);

    pool = hx_create_pool(4096, &hxh_log);
    cr_assert_not_null(pool);

    cr_assert_lt(hxh_npools + 2, hx_nelems(hxh_pools));
    hxh_pools[hxh_npools++] = cpool;
    hxh_pools[hxh_npools++] = pool;

    c = hx_pcalloc(cpool, sizeof(hx_connection_t));
    cr_assert_not_null(c);

    c->pool = cpool;
    c->log = &hxh_log;
    c->fd = -1;
    c->number = 7;

    /* registered already, as far as the handlers can tell */
    c->read = hx_pcalloc(cpool, sizeof(hx_event_t));
    c->write = hx_pcalloc(cpool, sizeof(hx_event_t));
    cr_assert_not_null(c->read);
    cr_assert_not_null(c->write);

    c->read->data = c;
    c->read->log = &hxh_log;
    c->read->active = 1;
    c->write->data = c;
    c->write->log = &hxh_log;
    c->write->write = 1;
    c->write->active = 1;

    if (strcmp(client, "unix:") == 0) {
        sun = hx_pcalloc(cpool, sizeof(struct sockaddr_un));
        cr_assert_not_null(sun);
        sun->sun_family = AF_UNIX;
        c->sockaddr = (struct sockaddr *) sun;
        c->socklen = sizeof(struct sockaddr_un);
        hx_str_set(&c->addr_text, "unix:");

    } else {
        cr_assert_eq(hx_parse_addr_port(cpool, &addr, (uint8_t *) client,
                                        strlen(client)), HX_OK);
        c->sockaddr = addr.sockaddr;
        c->socklen = addr.socklen;
        c->addr_text.data = hx_pnalloc(cpool, HX_SOCKADDR_STRLEN);
        cr_assert_not_null(c->addr_text.data);
        c->addr_text.len = hx_sock_ntop(c->sockaddr, c->socklen,
                                        c->addr_text.data,
                                        HX_SOCKADDR_STRLEN, 0);
    }

    r = hx_pcalloc(pool, sizeof(hx_http_request_t));
    cr_assert_not_null(r);

    r->signature = HX_HTTP_REQUEST_SIGNATURE;
    r->connection = c;
    r->pool = pool;
    r->main = r;
    r->count = 1;
    r->main_conf = ctx->main_conf;
    r->srv_conf = ctx->srv_conf;
    r->loc_conf = ctx->loc_conf;
    c->data = r;

    r->ctx = hx_pcalloc(pool, sizeof(void *) * hx_http_max_module);
    cr_assert_not_null(r->ctx);

    r->variables = hx_pcalloc(pool, (cmcf->variables.nelts + 1)
                                    * sizeof(hx_http_variable_value_t));
    cr_assert_not_null(r->variables);

    cr_assert_eq(hx_list_init(&r->headers_in.headers, pool, 4,
                              sizeof(hx_table_elt_t)), HX_OK);
    cr_assert_eq(hx_list_init(&r->headers_out.headers, pool, 4,
                              sizeof(hx_table_elt_t)), HX_OK);
    cr_assert_eq(hx_list_init(&r->headers_out.trailers, pool, 2,
                              sizeof(hx_table_elt_t)), HX_OK);

    r->headers_in.content_length_n = -1;
    r->headers_out.content_length_n = -1;
    r->headers_out.last_modified_time = -1;

    r->method = HX_HTTP_GET;
    hx_str_set(&r->method_name, "GET");
    r->http_version = HX_HTTP_VERSION_11;
    hx_str_set(&r->http_protocol, "HTTP/1.1");

    r->uri.data = (uint8_t *) uri;
    r->uri.len = strlen(uri);
    r->unparsed_uri = r->uri;

    if (args) {
        r->args.data = (uint8_t *) args;
        r->args.len = strlen(args);
    }

    r->start_sec = hx_time();
    r->start_msec = (hx_timeofday())->msec;

    (void) hx_http_find_location(r);

    return r;
}


/* adds a request header line (key, value copied by reference) */
HX_UNUSED static hx_table_elt_t *
hxh_header(hx_http_request_t *r, const char *key, const char *value)
{
    hx_table_elt_t  *h;

    h = hx_list_push(&r->headers_in.headers);
    cr_assert_not_null(h);

    h->hash = 1;
    h->key.data = (uint8_t *) key;
    h->key.len = strlen(key);
    h->value.data = (uint8_t *) value;
    h->value.len = strlen(value);
    h->lowcase_key = h->key.data;
    h->next = NULL;

    return h;
}


/* the value of $name for r, as a NUL-terminated string ("-" if none) */
HX_UNUSED static char *
hxh_var(hx_http_request_t *r, const char *name)
{
    char                      *s;
    hx_str_t                   n;
    hx_uint_t                  key;
    hx_http_variable_value_t  *vv;

    n.len = strlen(name);
    n.data = (uint8_t *) hx_pnalloc(r->pool, n.len);
    cr_assert_not_null(n.data);

    key = hx_hash_strlow(n.data, (uint8_t *) name, n.len);

    vv = hx_http_get_variable(r, &n, key);
    cr_assert_not_null(vv, "$%s failed", name);

    if (vv->not_found) {
        return "-";
    }

    s = (char *) hx_pnalloc(r->pool, vv->len + 1);
    cr_assert_not_null(s);
    hx_memcpy(s, vv->data, vv->len);
    s[vv->len] = '\0';

    return s;
}

/*
 * Maps the shared zones the configuration declared and lays a slab pool
 * over each, then calls the owner's init, as a fresh cycle does.
 */
HX_UNUSED static void
hxh_init_zones(void)
{
    hx_shm_zone_t   *zone;
    hx_slab_pool_t  *sp;
    hx_list_iter_t   it;

    hx_slab_sizes_init();

    hx_list_iter_init(&it, &hxh_cycle.shared_memory);

    while ((zone = hx_list_iter_next(&it)) != NULL) {
        cr_assert_gt(zone->shm.size, 0, "zone \"%.*s\" has no size",
                     (int) zone->shm.name.len, zone->shm.name.data);

        zone->shm.log = &hxh_log;
        cr_assert_eq(hx_shm_alloc(&zone->shm), HX_OK);

        sp = (hx_slab_pool_t *) zone->shm.addr;
        sp->end = zone->shm.addr + zone->shm.size;
        sp->min_shift = 3;
        sp->addr = zone->shm.addr;

        cr_assert_eq(hx_shmtx_create(&sp->mutex, &hxh_log), HX_OK);
        hx_slab_init(sp);

        cr_assert_eq(zone->init(zone, NULL), HX_OK);
    }
}


#endif /* HX_TESTS_UNIT_HTTP_HX_HTTP_MODULES_FIXTURE_H */

/*
 * The stream core module: the directives of stream {} and server {}
 * (server, listen, error_log, tcp_nodelay, preread_*, proxy_protocol_
 * timeout, variables_hash_*), and the phase checkers that the phase
 * engine runs.
 *
 * A checker wraps the handlers of one kind of phase and turns their
 * return codes into engine moves: next handler, next phase, wait, or
 * finalize.  The generic checker serves post_accept, preaccess, access
 * and ssl; the preread checker also owns the reading of the client's
 * first bytes into c->buffer (with MSG_PEEK when the event loop can tell
 * it about new data without consuming it, so the bytes stay in the
 * socket for the proxy); the content checker calls the server's one
 * content handler, which owns the session from then on.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>
#include <hx_listen_param.h>


static hx_uint_t hx_stream_preread_can_peek(hx_connection_t *c);
static hx_int_t hx_stream_preread_peek(hx_stream_session_t *s,
    hx_stream_phase_handler_t *ph);
static hx_int_t hx_stream_preread(hx_stream_session_t *s,
    hx_stream_phase_handler_t *ph);

static hx_int_t hx_stream_core_preconfiguration(hx_conf_t *cf);
static void *hx_stream_core_create_main_conf(hx_conf_t *cf);
static char *hx_stream_core_init_main_conf(hx_conf_t *cf, void *conf);
static void *hx_stream_core_create_srv_conf(hx_conf_t *cf);
static char *hx_stream_core_merge_srv_conf(hx_conf_t *cf, void *parent,
    void *child);

static char *hx_stream_core_error_log(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_stream_core_server(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_stream_core_listen(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_stream_check_udp_params(hx_stream_listen_opt_t *lsopt,
    hx_uint_t backlog);
static hx_int_t hx_stream_parse_buffer_size(hx_str_t *size, int *value);


static hx_command_t  hx_stream_core_commands[] = {

    { hx_string("variables_hash_max_size"),
      HX_STREAM_MAIN_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_STREAM_MAIN_CONF_OFFSET,
      offsetof(hx_stream_core_main_conf_t, variables_hash_max_size),
      NULL },

    { hx_string("variables_hash_bucket_size"),
      HX_STREAM_MAIN_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_STREAM_MAIN_CONF_OFFSET,
      offsetof(hx_stream_core_main_conf_t, variables_hash_bucket_size),
      NULL },

    { hx_string("server"),
      HX_STREAM_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_NOARGS,
      hx_stream_core_server,
      0,
      0,
      NULL },

    { hx_string("listen"),
      HX_STREAM_SRV_CONF|HX_CONF_1MORE,
      hx_stream_core_listen,
      HX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    { hx_string("error_log"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_1MORE,
      hx_stream_core_error_log,
      HX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    { hx_string("resolver"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_1MORE,
      hx_conf_unsupported,
      HX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    { hx_string("resolver_timeout"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_conf_unsupported,
      HX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    { hx_string("proxy_protocol_timeout"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_core_srv_conf_t, proxy_protocol_timeout),
      NULL },

    { hx_string("tcp_nodelay"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_core_srv_conf_t, tcp_nodelay),
      NULL },

    { hx_string("preread_buffer_size"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_conf_set_size_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_core_srv_conf_t, preread_buffer_size),
      NULL },

    { hx_string("preread_timeout"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_STREAM_SRV_CONF_OFFSET,
      offsetof(hx_stream_core_srv_conf_t, preread_timeout),
      NULL },

    hx_null_command
};


static hx_stream_module_t  hx_stream_core_module_ctx = {
    hx_stream_core_preconfiguration,      /* preconfiguration */
    NULL,                                 /* postconfiguration */

    hx_stream_core_create_main_conf,      /* create main configuration */
    hx_stream_core_init_main_conf,        /* init main configuration */

    hx_stream_core_create_srv_conf,       /* create server configuration */
    hx_stream_core_merge_srv_conf         /* merge server configuration */
};


hx_module_t  hx_stream_core_module = {
    HX_MODULE_V1,
    "hx_stream_core_module",
    &hx_stream_core_module_ctx,
    hx_stream_core_commands,
    HX_STREAM_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


void
hx_stream_core_run_phases(hx_stream_session_t *s)
{
    hx_int_t                      rc;
    hx_stream_phase_handler_t    *ph;
    hx_stream_core_main_conf_t   *cmcf;

    cmcf = hx_stream_get_module_main_conf(s, hx_stream_core_module);

    ph = cmcf->phase_engine.handlers;

    /* a checker returns HX_OK when the session is no longer ours to run */

    while (ph[s->phase_handler].checker) {

        rc = ph[s->phase_handler].checker(s, &ph[s->phase_handler]);

        if (rc == HX_OK) {
            return;
        }
    }
}


hx_int_t
hx_stream_core_generic_phase(hx_stream_session_t *s,
    hx_stream_phase_handler_t *ph)
{
    hx_int_t  rc;

    hx_log_debug(HX_LOG_DEBUG_STREAM, s->connection->log, 0,
                 "generic phase: %i", s->phase_handler);

    rc = ph->handler(s);

    if (rc == HX_OK) {
        s->phase_handler = (hx_int_t) ph->next;
        return HX_AGAIN;
    }

    if (rc == HX_DECLINED) {
        s->phase_handler++;
        return HX_AGAIN;
    }

    if (rc == HX_AGAIN || rc == HX_DONE) {
        return HX_OK;
    }

    if (rc == HX_ERROR) {
        rc = HX_STREAM_INTERNAL_SERVER_ERROR;
    }

    hx_stream_finalize_session(s, (hx_uint_t) rc);

    return HX_OK;
}


/*
 * Runs a preread handler over what the client has sent so far.  The
 * handler returns HX_AGAIN while it needs more; the checker then waits
 * for data (with preread_timeout), and a full buffer or the end of the
 * stream ends the waiting: a timeout or EOF lets the session go on
 * (HX_STREAM_OK moves to the next phase in nginx's checker as well).
 */
hx_int_t
hx_stream_core_preread_phase(hx_stream_session_t *s,
    hx_stream_phase_handler_t *ph)
{
    hx_int_t                     rc;
    hx_connection_t             *c;
    hx_stream_core_srv_conf_t   *cscf;

    c = s->connection;

    c->log->action = "prereading client data";

    cscf = hx_stream_get_module_srv_conf(s, hx_stream_core_module);

    if (c->read->timedout) {
        rc = HX_STREAM_OK;
        goto done;
    }

    if (!c->read->timer_set) {
        rc = ph->handler(s);

        if (rc != HX_AGAIN) {
            goto done;
        }
    }

    if (c->buffer == NULL) {
        c->buffer = hx_create_temp_buf(c->pool, cscf->preread_buffer_size);
        if (c->buffer == NULL) {
            rc = HX_ERROR;
            goto done;
        }
    }

    if (hx_stream_preread_can_peek(c)) {
        rc = hx_stream_preread_peek(s, ph);

    } else {
        rc = hx_stream_preread(s, ph);
    }

done:

    if (rc == HX_AGAIN) {
        if (hx_handle_read_event(c->read, 0) != HX_OK) {
            hx_stream_finalize_session(s, HX_STREAM_INTERNAL_SERVER_ERROR);
            return HX_OK;
        }

        if (!c->read->timer_set) {
            hx_add_timer(c->read, cscf->preread_timeout);
        }

        c->read->handler = hx_stream_session_handler;

        return HX_OK;
    }

    if (c->read->timer_set) {
        hx_del_timer(c->read);
    }

    if (rc == HX_OK) {
        s->phase_handler = (hx_int_t) ph->next;
        return HX_AGAIN;
    }

    if (rc == HX_DECLINED) {
        s->phase_handler++;
        return HX_AGAIN;
    }

    if (rc == HX_DONE) {
        return HX_OK;
    }

    if (rc == HX_ERROR) {
        rc = HX_STREAM_INTERNAL_SERVER_ERROR;
    }

    hx_stream_finalize_session(s, (hx_uint_t) rc);

    return HX_OK;
}


/*
 * Peeking needs a reliable "new data" report: an edge-triggered epoll
 * with EPOLLRDHUP, so that peeked-but-not-read bytes don't leave us
 * waiting for an event that never comes.  TLS must read for real.
 */
static hx_uint_t
hx_stream_preread_can_peek(hx_connection_t *c)
{
    /* a UDP session's socket is the listening one, shared by all */

    if (c->ssl || c->shared || c->type != SOCK_STREAM) {
        return 0;
    }

    if ((hx_event_flags & HX_USE_CLEAR_EVENT) == 0) {
        return 0;
    }

    return (hx_event_flags & HX_USE_EPOLL_EVENT) && hx_use_epoll_rdhup;
}


static hx_int_t
hx_stream_preread_peek(hx_stream_session_t *s, hx_stream_phase_handler_t *ph)
{
    ssize_t            n;
    hx_int_t           rc;
    hx_err_t           err;
    hx_connection_t   *c;

    c = s->connection;

    n = recv(c->fd, c->buffer->last, c->buffer->end - c->buffer->last,
             MSG_PEEK);

    err = hx_errno;

    hx_log_debug(HX_LOG_DEBUG_STREAM, c->log, 0, "stream recv(): %z", n);

    if (n == -1) {
        if (err == EAGAIN || err == EINTR) {
            c->read->ready = 0;
            return HX_AGAIN;
        }

        hx_connection_error(c, err, "recv() failed");
        return HX_STREAM_OK;
    }

    if (n == 0) {
        return HX_STREAM_OK;
    }

    c->buffer->last += n;

    rc = ph->handler(s);

    if (rc != HX_AGAIN) {
        c->buffer->last = c->buffer->pos;
        return rc;
    }

    if (c->buffer->last == c->buffer->end) {
        hx_log_error(HX_LOG_ERR, c->log, 0, "preread buffer full");
        return HX_STREAM_BAD_REQUEST;
    }

    if (c->read->pending_eof) {
        return HX_STREAM_OK;
    }

    /* the bytes are still in the socket: peek them all again next time */

    c->buffer->last = c->buffer->pos;

    return HX_AGAIN;
}


static hx_int_t
hx_stream_preread(hx_stream_session_t *s, hx_stream_phase_handler_t *ph)
{
    ssize_t            n;
    hx_int_t           rc;
    hx_connection_t   *c;

    c = s->connection;

    while (c->read->ready) {

        n = c->recv(c, c->buffer->last, c->buffer->end - c->buffer->last);

        if (n == HX_AGAIN) {
            return HX_AGAIN;
        }

        if (n == HX_ERROR || n == 0) {
            return HX_STREAM_OK;
        }

        c->buffer->last += n;

        rc = ph->handler(s);

        if (rc != HX_AGAIN) {
            return rc;
        }

        if (c->buffer->last == c->buffer->end) {
            hx_log_error(HX_LOG_ERR, c->log, 0, "preread buffer full");
            return HX_STREAM_BAD_REQUEST;
        }
    }

    return HX_AGAIN;
}


hx_int_t
hx_stream_core_content_phase(hx_stream_session_t *s,
    hx_stream_phase_handler_t *ph)
{
    hx_connection_t             *c;
    hx_stream_core_srv_conf_t   *cscf;

    (void) ph;

    c = s->connection;

    c->log->action = NULL;

    cscf = hx_stream_get_module_srv_conf(s, hx_stream_core_module);

    if (c->type == SOCK_STREAM
        && cscf->tcp_nodelay
        && hx_tcp_nodelay(c) != HX_OK)
    {
        hx_stream_finalize_session(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return HX_OK;
    }

    /* the phases are over: input is the content handler's business */

    c->read->handler = hx_stream_block_reading;

    if (cscf->handler == NULL) {
        hx_log_debug(HX_LOG_DEBUG_STREAM, c->log, 0,
                     "no handler for server");
        hx_stream_finalize_session(s, HX_STREAM_INTERNAL_SERVER_ERROR);
        return HX_OK;
    }

    cscf->handler(s);

    return HX_OK;
}


static hx_int_t
hx_stream_core_preconfiguration(hx_conf_t *cf)
{
    return hx_stream_variables_add_core_vars(cf);
}


static void *
hx_stream_core_create_main_conf(hx_conf_t *cf)
{
    hx_stream_core_main_conf_t  *cmcf;

    cmcf = hx_pcalloc(cf->pool, sizeof(hx_stream_core_main_conf_t));
    if (cmcf == NULL) {
        return NULL;
    }

    if (hx_array_init(&cmcf->servers, cf->pool, 4,
                      sizeof(hx_stream_core_srv_conf_t *))
        != HX_OK)
    {
        return NULL;
    }

    cmcf->variables_hash_max_size = HX_CONF_UNSET_UINT;
    cmcf->variables_hash_bucket_size = HX_CONF_UNSET_UINT;

    return cmcf;
}


static char *
hx_stream_core_init_main_conf(hx_conf_t *cf, void *conf)
{
    hx_stream_core_main_conf_t  *cmcf = conf;

    (void) cf;

    hx_conf_init_uint_value(cmcf->variables_hash_max_size, 1024);
    hx_conf_init_uint_value(cmcf->variables_hash_bucket_size, 64);

    cmcf->variables_hash_bucket_size =
        hx_align(cmcf->variables_hash_bucket_size, 64);

    if (cmcf->ncaptures) {
        cmcf->ncaptures = (cmcf->ncaptures + 1) * 3;
    }

    return HX_CONF_OK;
}


static void *
hx_stream_core_create_srv_conf(hx_conf_t *cf)
{
    hx_stream_core_srv_conf_t  *cscf;

    cscf = hx_pcalloc(cf->pool, sizeof(hx_stream_core_srv_conf_t));
    if (cscf == NULL) {
        return NULL;
    }

    /* hx_pcalloc() left handler, ctx, error_log and listen zero */

    if (cf->conf_file) {
        cscf->file_name = cf->conf_file->file.name.data;
        cscf->line = cf->conf_file->line;
    }

    cscf->proxy_protocol_timeout = HX_CONF_UNSET_MSEC;
    cscf->tcp_nodelay = HX_CONF_UNSET;
    cscf->preread_buffer_size = HX_CONF_UNSET_SIZE;
    cscf->preread_timeout = HX_CONF_UNSET_MSEC;

    return cscf;
}


static char *
hx_stream_core_merge_srv_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_stream_core_srv_conf_t  *prev = parent;
    hx_stream_core_srv_conf_t  *conf = child;

    if (conf->error_log == NULL) {
        conf->error_log = prev->error_log ? prev->error_log
                                          : &cf->cycle->new_log;
    }

    hx_conf_merge_msec_value(conf->proxy_protocol_timeout,
                             prev->proxy_protocol_timeout, 30000);

    hx_conf_merge_value(conf->tcp_nodelay, prev->tcp_nodelay, 1);

    hx_conf_merge_size_value(conf->preread_buffer_size,
                             prev->preread_buffer_size, 16384);

    hx_conf_merge_msec_value(conf->preread_timeout,
                             prev->preread_timeout, 30000);

    return HX_CONF_OK;
}


static char *
hx_stream_core_error_log(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_stream_core_srv_conf_t  *cscf = conf;

    (void) cmd;

    return hx_log_set_log(cf, &cscf->error_log);
}


static char *
hx_stream_core_server(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char                          *rv;
    hx_conf_t                      pcf;
    hx_stream_conf_ctx_t          *ctx;
    hx_stream_core_srv_conf_t     *cscf, **cscfp;
    hx_stream_core_main_conf_t    *cmcf;

    (void) cmd;
    (void) conf;

    ctx = hx_stream_create_srv_ctx(cf, cf->ctx);
    if (ctx == NULL) {
        return HX_CONF_ERROR;
    }

    cscf = ctx->srv_conf[hx_stream_core_module.ctx_index];
    cscf->ctx = ctx;

    cmcf = ctx->main_conf[hx_stream_core_module.ctx_index];

    cscfp = hx_array_push(&cmcf->servers);
    if (cscfp == NULL) {
        return HX_CONF_ERROR;
    }

    *cscfp = cscf;

    pcf = *cf;
    cf->ctx = ctx;
    cf->cmd_type = HX_STREAM_SRV_CONF;

    rv = hx_conf_parse(cf, NULL);

    *cf = pcf;

    if (rv == HX_CONF_OK && !cscf->listen) {
        hx_log_error(HX_LOG_EMERG, cf->log, 0,
                     "no \"listen\" is defined for server in %s:%ui",
                     cscf->file_name, cscf->line);
        return HX_CONF_ERROR;
    }

    return rv;
}


static char *
hx_stream_core_listen(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_stream_core_srv_conf_t  *cscf = conf;

    char                    *rv;
    hx_str_t                *value;
    hx_url_t                 u;
    hx_uint_t                n, i;
    hx_stream_listen_opt_t   lsopt;

    (void) cmd;

    cscf->listen = 1;

    value = cf->args->elts;

    hx_memzero(&u, sizeof(hx_url_t));

    u.url = value[1];
    u.listen = 1;

    if (hx_parse_url(cf->pool, &u) != HX_OK) {
        if (u.err) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "%s in \"%V\" of the \"listen\" directive",
                              u.err, &u.url);
        }

        return HX_CONF_ERROR;
    }

    if (u.no_port) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "no port in \"%V\" of the \"listen\" directive",
                          &u.url);
        return HX_CONF_ERROR;
    }

    hx_stream_listen_opt_init(&lsopt);

    rv = hx_stream_parse_listen_params(cf, value, 2, cf->args->nelts,
                                       &lsopt);
    if (rv != HX_CONF_OK) {
        return rv;
    }

    for (n = 0; n < u.naddrs; n++) {

        /* a name that resolves to the same address twice binds it once */

        for (i = 0; i < n; i++) {
            if (hx_cmp_sockaddr(u.addrs[n].sockaddr, u.addrs[n].socklen,
                                u.addrs[i].sockaddr, u.addrs[i].socklen, 1)
                == HX_OK)
            {
                break;
            }
        }

        if (i < n) {
            continue;
        }

        lsopt.sockaddr = u.addrs[n].sockaddr;
        lsopt.socklen = u.addrs[n].socklen;
        lsopt.addr_text = u.addrs[n].name;
        lsopt.wildcard = hx_inet_wildcard(lsopt.sockaddr);

        if (hx_stream_add_listen(cf, cscf, &lsopt) != HX_OK) {
            return HX_CONF_ERROR;
        }
    }

    return HX_CONF_OK;
}


void
hx_stream_listen_opt_init(hx_stream_listen_opt_t *lsopt)
{
    hx_memzero(lsopt, sizeof(hx_stream_listen_opt_t));

    lsopt->backlog = HX_LISTEN_BACKLOG;
    lsopt->type = SOCK_STREAM;
    lsopt->rcvbuf = -1;
    lsopt->sndbuf = -1;
    lsopt->fastopen = -1;
    lsopt->ipv6only = 1;
}


/*
 * Every parameter that changes the socket itself ("set") also implies
 * "bind": such an address can't share the port's wildcard socket.
 */
char *
hx_stream_parse_listen_params(hx_conf_t *cf, hx_str_t *value,
    hx_uint_t first, hx_uint_t n, hx_stream_listen_opt_t *lsopt)
{
    hx_str_t                size;
    hx_uint_t               i, backlog;
    hx_listen_keepalive_t   ka;

    backlog = 0;

    for (i = first; i < n; i++) {

        if (hx_strcmp(value[i].data, "default_server") == 0) {
            lsopt->default_server = 1;
            continue;
        }

        if (hx_strcmp(value[i].data, "udp") == 0) {
            lsopt->type = SOCK_DGRAM;
            continue;
        }

        if (hx_strcmp(value[i].data, "bind") == 0) {
            lsopt->set = 1;
            lsopt->bind = 1;
            continue;
        }

        if (hx_strncmp(value[i].data, "fastopen=", 9) == 0) {
            lsopt->fastopen = (int) hx_atoi(value[i].data + 9,
                                            value[i].len - 9);
            lsopt->set = 1;
            lsopt->bind = 1;

            if (lsopt->fastopen == HX_ERROR) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid fastopen \"%V\"", &value[i]);
                return HX_CONF_ERROR;
            }

            continue;
        }

        if (hx_strncmp(value[i].data, "backlog=", 8) == 0) {
            lsopt->backlog = (int) hx_atoi(value[i].data + 8,
                                           value[i].len - 8);
            lsopt->set = 1;
            lsopt->bind = 1;

            if (lsopt->backlog == HX_ERROR || lsopt->backlog == 0) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid backlog \"%V\"", &value[i]);
                return HX_CONF_ERROR;
            }

            backlog = 1;
            continue;
        }

        if (hx_strncmp(value[i].data, "rcvbuf=", 7) == 0) {
            size.len = value[i].len - 7;
            size.data = value[i].data + 7;

            if (hx_stream_parse_buffer_size(&size, &lsopt->rcvbuf)
                != HX_OK)
            {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid rcvbuf \"%V\"", &value[i]);
                return HX_CONF_ERROR;
            }

            lsopt->set = 1;
            lsopt->bind = 1;
            continue;
        }

        if (hx_strncmp(value[i].data, "sndbuf=", 7) == 0) {
            size.len = value[i].len - 7;
            size.data = value[i].data + 7;

            if (hx_stream_parse_buffer_size(&size, &lsopt->sndbuf)
                != HX_OK)
            {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid sndbuf \"%V\"", &value[i]);
                return HX_CONF_ERROR;
            }

            lsopt->set = 1;
            lsopt->bind = 1;
            continue;
        }

        if (hx_strncmp(value[i].data, "accept_filter=", 14) == 0) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "accept filters \"%V\" are not supported "
                              "on this platform, ignored", &value[i]);
            continue;
        }

        if (hx_strcmp(value[i].data, "deferred") == 0) {
            lsopt->deferred_accept = 1;
            lsopt->set = 1;
            lsopt->bind = 1;
            continue;
        }

        if (hx_strncmp(value[i].data, "ipv6only=o", 10) == 0) {
            if (hx_strcmp(&value[i].data[10], "n") == 0) {
                lsopt->ipv6only = 1;

            } else if (hx_strcmp(&value[i].data[10], "ff") == 0) {
                lsopt->ipv6only = 0;

            } else {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid ipv6only flags \"%s\"",
                                  &value[i].data[9]);
                return HX_CONF_ERROR;
            }

            lsopt->set = 1;
            lsopt->bind = 1;
            continue;
        }

        if (hx_strcmp(value[i].data, "reuseport") == 0) {
            lsopt->reuseport = 1;
            lsopt->set = 1;
            lsopt->bind = 1;
            continue;
        }

        if (hx_strcmp(value[i].data, "multipath") == 0) {
#ifdef IPPROTO_MPTCP
            lsopt->protocol = IPPROTO_MPTCP;
            lsopt->set = 1;
            lsopt->bind = 1;
#else
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "multipath is not supported "
                              "on this platform, ignored");
#endif
            continue;
        }

        if (hx_strcmp(value[i].data, "ssl") == 0) {

            /* TODO(issue 6/TLS): lsopt->ssl = 1 once the TLS layer is in */

            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "the \"ssl\" parameter requires "
                              "ngx_stream_ssl_module");
            return HX_CONF_ERROR;
        }

        if (hx_strncmp(value[i].data, "so_keepalive=", 13) == 0) {
            if (hx_listen_parse_keepalive(cf, &value[i], &ka) != HX_OK) {
                return HX_CONF_ERROR;
            }

            lsopt->so_keepalive = ka.mode;
            lsopt->tcp_keepidle = ka.idle;
            lsopt->tcp_keepintvl = ka.intvl;
            lsopt->tcp_keepcnt = ka.cnt;
            lsopt->set = 1;
            lsopt->bind = 1;
            continue;
        }

        if (hx_strcmp(value[i].data, "proxy_protocol") == 0) {
            lsopt->proxy_protocol = 1;
            continue;
        }

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid parameter \"%V\"", &value[i]);
        return HX_CONF_ERROR;
    }

    if (lsopt->type == SOCK_DGRAM) {
        return hx_stream_check_udp_params(lsopt, backlog);
    }

    return HX_CONF_OK;
}


static char *
hx_stream_check_udp_params(hx_stream_listen_opt_t *lsopt, hx_uint_t backlog)
{
    if (lsopt->fastopen != -1) {
        return "\"fastopen\" parameter is incompatible with \"udp\"";
    }

    if (backlog) {
        return "\"backlog\" parameter is incompatible with \"udp\"";
    }

    if (lsopt->deferred_accept) {
        return "\"deferred\" parameter is incompatible with \"udp\"";
    }

    if (lsopt->protocol != 0) {
        return "\"multipath\" parameter is incompatible with \"udp\"";
    }

    if (lsopt->so_keepalive) {
        return "\"so_keepalive\" parameter is incompatible with \"udp\"";
    }

    if (lsopt->proxy_protocol) {
        return "\"proxy_protocol\" parameter is incompatible with \"udp\"";
    }

    return HX_CONF_OK;
}


/* a socket buffer size: "64k"; HX_ERROR when invalid or above INT_MAX */
static hx_int_t
hx_stream_parse_buffer_size(hx_str_t *size, int *value)
{
    ssize_t  n;

    n = hx_parse_size(size);

    if (n == HX_ERROR || n > INT_MAX) {
        return HX_ERROR;
    }

    *value = (int) n;

    return HX_OK;
}

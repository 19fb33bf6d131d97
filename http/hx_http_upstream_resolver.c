/*
 * Run-time name resolution for proxy_pass with variables: "proxy_pass
 * http://$host:8080" names a host only when the request arrives, and when
 * no upstream {} has that name it must be looked up without blocking the
 * worker (DESIGN.md: no synchronous DNS after startup).  The "resolver"
 * directive names the DNS servers, as in nginx.
 *
 * A lookup is one connected UDP socket per request to a resolver
 * address, carrying an A query (and an AAAA query unless ipv6=off); the
 * answers' addresses become a one-off peer group (hx_upstream_create_peer)
 * and the upstream connects as usual.  resolver_timeout bounds the wait;
 * a server that does not answer in time is replaced by the next one of
 * the directive until every one was asked.  Answers are kept per worker
 * for their TTL (or valid=), in a small table of the most recently used
 * names, so a busy name costs one lookup per TTL.
 *
 * The message format is RFC 1035 (4.1): a 12-byte header, the question,
 * and resource records whose names may be compressed (4.1.4).  Building
 * and reading messages are separate pure functions, so that they can be
 * tested and fed hostile bytes without sockets.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_upstream.h>


#define HX_DNS_TYPE_A        1
#define HX_DNS_TYPE_CNAME    5
#define HX_DNS_TYPE_AAAA     28
#define HX_DNS_CLASS_IN      1

#define HX_DNS_MAX_MESSAGE   4096

/* names remembered per resolver, per worker */
#define HX_HTTP_RESOLVER_CACHE  32


typedef struct {
    uint8_t                         *name;       /* lowercased, malloc'ed */
    size_t                           len;
    hx_addr_t                       *addrs;      /* malloc'ed, with names */
    hx_uint_t                        naddrs;
    time_t                           expire;
    time_t                           used;
} hx_http_resolver_node_t;


struct hx_http_upstream_resolver_s {
    hx_addr_t                       *servers;
    hx_uint_t                        nservers;
    time_t                           valid;      /* 0: the answer's TTL */
    unsigned                         ipv4:1;
    unsigned                         ipv6:1;

    hx_uint_t                        next;       /* round robin of servers */
    hx_http_resolver_node_t          cache[HX_HTTP_RESOLVER_CACHE];
};


typedef struct {
    hx_http_request_t               *request;
    hx_http_upstream_resolver_t     *resolver;
    hx_connection_t                 *connection;

    hx_str_t                         name;       /* lowercased */
    in_port_t                        port;

    uint16_t                         id;         /* A; AAAA is id + 1 */
    unsigned                         wait_a:1;
    unsigned                         wait_aaaa:1;

    hx_uint_t                        tries;      /* servers left to ask */
    hx_uint_t                        server;

    hx_array_t                       addrs;      /* hx_addr_t */
    uint32_t                         ttl;
    hx_int_t                         rcode;      /* of a failed answer */
} hx_http_resolve_ctx_t;


static hx_int_t hx_http_upstream_resolve_send(hx_http_resolve_ctx_t *ctx);
static void hx_http_upstream_resolve_handler(hx_event_t *ev);
static void hx_http_upstream_resolve_done(hx_http_resolve_ctx_t *ctx);
static void hx_http_upstream_resolve_close(hx_http_resolve_ctx_t *ctx);
static hx_http_resolver_node_t *hx_http_upstream_resolver_lookup(
    hx_http_upstream_resolver_t *res, hx_str_t *name);
static void hx_http_upstream_resolver_store(hx_http_upstream_resolver_t *res,
    hx_str_t *name, hx_addr_t *addrs, hx_uint_t naddrs, time_t ttl);
static hx_int_t hx_http_upstream_resolved_connect(hx_http_request_t *r,
    hx_addr_t *addrs, hx_uint_t naddrs, in_port_t port);


/* ---- messages (RFC 1035 4.1) ----------------------------------------- */

/*
 * A query for name (type A or AAAA) with id into buf; returns its length,
 * or 0 when the name is not a valid host name or does not fit.
 */
size_t
hx_http_upstream_dns_query(uint8_t *buf, size_t size, hx_str_t *name,
    uint16_t id, uint16_t type)
{
    size_t    len;
    uint8_t  *p, *label, *end, *last;

    if (name->len == 0 || name->len > 253) {
        return 0;
    }

    len = 12 + name->len + 2 + 4;

    if (size < len) {
        return 0;
    }

    p = buf;

    *p++ = (uint8_t) (id >> 8);
    *p++ = (uint8_t) id;
    *p++ = 0x01;                  /* RD: recursion desired */
    *p++ = 0x00;
    *p++ = 0; *p++ = 1;           /* one question */
    *p++ = 0; *p++ = 0;
    *p++ = 0; *p++ = 0;
    *p++ = 0; *p++ = 0;

    /* "a.example" is written as 1 'a' 7 'example' 0 */

    end = name->data + name->len;
    label = name->data;

    for ( ;; ) {
        last = hx_strlchr(label, end, '.');

        if (last == NULL) {
            last = end;
        }

        if (last - label == 0 || last - label > 63) {
            return 0;
        }

        *p++ = (uint8_t) (last - label);
        p = hx_cpymem(p, label, last - label);

        if (last == end) {
            break;
        }

        label = last + 1;

        if (label == end) {
            break;                /* "example.com." */
        }
    }

    *p++ = 0;

    *p++ = (uint8_t) (type >> 8);
    *p++ = (uint8_t) type;
    *p++ = 0;
    *p++ = HX_DNS_CLASS_IN;

    return p - buf;
}


/* skips a (possibly compressed) name at *pp within [buf, last) */
static hx_int_t
hx_http_dns_skip_name(uint8_t *buf, uint8_t *last, uint8_t **pp)
{
    uint8_t  *p;

    (void) buf;

    p = *pp;

    while (p < last) {

        if (*p == 0) {
            *pp = p + 1;
            return HX_OK;
        }

        if ((*p & 0xc0) == 0xc0) {

            /* a pointer ends the name (RFC 1035 4.1.4) */

            if (last - p < 2) {
                return HX_ERROR;
            }

            *pp = p + 2;
            return HX_OK;
        }

        if (*p & 0xc0) {
            return HX_ERROR;
        }

        p += 1 + *p;
    }

    return HX_ERROR;
}


/*
 * Reads an answer to query id of type: the addresses it carries are
 * appended to addrs (with port, names printed from pool), *ttl gets the
 * smallest TTL.  HX_OK (possibly with no address), HX_DECLINED for a
 * message that is not this answer (other id, not a response), HX_ERROR
 * for a malformed one, or the server's error code (> 0: 3 is "no such
 * name").
 */
hx_int_t
hx_http_upstream_dns_answer(uint8_t *buf, size_t len, uint16_t id,
    uint16_t type, in_port_t port, hx_pool_t *pool, hx_array_t *addrs,
    uint32_t *ttl)
{
    size_t                 slen;
    uint8_t               *p, *last, *text;
    uint16_t               qdcount, ancount, rtype, rclass, rdlength;
    uint32_t               rttl;
    hx_uint_t              i, rcode;
    hx_addr_t             *addr;
    struct sockaddr_in    *sin;
    struct sockaddr_in6   *sin6;

    if (len < 12) {
        return HX_ERROR;
    }

    if (((buf[0] << 8) | buf[1]) != id || !(buf[2] & 0x80)) {
        return HX_DECLINED;
    }

    rcode = buf[3] & 0x0f;

    if (rcode) {
        return (hx_int_t) rcode;
    }

    if (buf[2] & 0x02) {
        /* truncated: nothing usable over UDP */
        return HX_ERROR;
    }

    qdcount = (buf[4] << 8) | buf[5];
    ancount = (buf[6] << 8) | buf[7];

    p = buf + 12;
    last = buf + len;

    for (i = 0; i < qdcount; i++) {
        if (hx_http_dns_skip_name(buf, last, &p) != HX_OK || last - p < 4) {
            return HX_ERROR;
        }

        p += 4;
    }

    for (i = 0; i < ancount; i++) {

        if (hx_http_dns_skip_name(buf, last, &p) != HX_OK || last - p < 10) {
            return HX_ERROR;
        }

        rtype = (p[0] << 8) | p[1];
        rclass = (p[2] << 8) | p[3];
        rttl = ((uint32_t) p[4] << 24) | ((uint32_t) p[5] << 16)
               | ((uint32_t) p[6] << 8) | p[7];
        rdlength = (p[8] << 8) | p[9];

        p += 10;

        if (last - p < rdlength) {
            return HX_ERROR;
        }

        if (rclass != HX_DNS_CLASS_IN || rtype != type
            || (type == HX_DNS_TYPE_A && rdlength != 4)
            || (type == HX_DNS_TYPE_AAAA && rdlength != 16))
        {
            /* a CNAME on the way, or something else: not an address */
            p += rdlength;
            continue;
        }

        addr = hx_array_push(addrs);
        if (addr == NULL) {
            return HX_ERROR;
        }

        if (type == HX_DNS_TYPE_A) {
            sin = hx_pcalloc(pool, sizeof(struct sockaddr_in));
            if (sin == NULL) {
                return HX_ERROR;
            }

            sin->sin_family = AF_INET;
            sin->sin_port = htons(port);
            hx_memcpy(&sin->sin_addr, p, 4);

            addr->sockaddr = (struct sockaddr *) sin;
            addr->socklen = sizeof(struct sockaddr_in);

        } else {
            sin6 = hx_pcalloc(pool, sizeof(struct sockaddr_in6));
            if (sin6 == NULL) {
                return HX_ERROR;
            }

            sin6->sin6_family = AF_INET6;
            sin6->sin6_port = htons(port);
            hx_memcpy(&sin6->sin6_addr, p, 16);

            addr->sockaddr = (struct sockaddr *) sin6;
            addr->socklen = sizeof(struct sockaddr_in6);
        }

        text = hx_pnalloc(pool, HX_SOCKADDR_STRLEN);
        if (text == NULL) {
            return HX_ERROR;
        }

        slen = hx_sock_ntop(addr->sockaddr, addr->socklen, text,
                            HX_SOCKADDR_STRLEN, 1);

        addr->name.len = slen;
        addr->name.data = text;

        if (rttl < *ttl) {
            *ttl = rttl;
        }

        p += rdlength;
    }

    return HX_OK;
}


/* ---- the "resolver" directive ---------------------------------------- */

char *
hx_http_upstream_resolver_directive(hx_conf_t *cf,
    hx_http_upstream_resolver_t **pres)
{
    hx_int_t                        rc;
    hx_str_t                       *value, s;
    hx_uint_t                       i;
    hx_addr_t                      *addr;
    hx_array_t                      servers;
    hx_http_upstream_resolver_t    *res;

    if (*pres != HX_CONF_UNSET_PTR && *pres != NULL) {
        return "is duplicate";
    }

    res = hx_pcalloc(cf->pool, sizeof(hx_http_upstream_resolver_t));
    if (res == NULL) {
        return HX_CONF_ERROR;
    }

    res->ipv4 = 1;
    res->ipv6 = 1;

    if (hx_array_init(&servers, cf->pool, 2, sizeof(hx_addr_t)) != HX_OK) {
        return HX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len > 6
            && hx_strncmp(value[i].data, "valid=", 6) == 0)
        {
            s.len = value[i].len - 6;
            s.data = value[i].data + 6;

            rc = hx_parse_time(&s, 1);

            if (rc == HX_ERROR || rc == 0) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid parameter: %V", &value[i]);
                return HX_CONF_ERROR;
            }

            res->valid = (time_t) rc;

            continue;
        }

        if (value[i].len > 5
            && (hx_strncmp(value[i].data, "ipv4=", 5) == 0
                || hx_strncmp(value[i].data, "ipv6=", 5) == 0))
        {
            if (hx_strcmp(value[i].data + 5, "on") == 0) {
                rc = 1;

            } else if (hx_strcmp(value[i].data + 5, "off") == 0) {
                rc = 0;

            } else {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid parameter: %V", &value[i]);
                return HX_CONF_ERROR;
            }

            if (value[i].data[3] == '4') {
                res->ipv4 = rc;

            } else {
                res->ipv6 = rc;
            }

            continue;
        }

        if (value[i].len > 12
            && hx_strncmp(value[i].data, "status_zone=", 12) == 0)
        {
            continue;
        }

        addr = hx_array_push(&servers);
        if (addr == NULL) {
            return HX_CONF_ERROR;
        }

        rc = hx_parse_addr_port(cf->pool, addr, value[i].data, value[i].len);

        if (rc != HX_OK) {
            if (rc == HX_DECLINED) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "%V in resolver \"%V\"",
                                  &value[i], &value[i]);
            }

            return HX_CONF_ERROR;
        }

        if (hx_inet_get_port(addr->sockaddr) == 0) {
            hx_inet_set_port(addr->sockaddr, 53);
        }

        addr->name = value[i];
    }

    if (!res->ipv4 && !res->ipv6) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "\"ipv4\" and \"ipv6\" cannot both be \"off\"");
        return HX_CONF_ERROR;
    }

    if (servers.nelts == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "no name servers defined");
        return HX_CONF_ERROR;
    }

    res->servers = servers.elts;
    res->nservers = servers.nelts;

    *pres = res;

    return HX_CONF_OK;
}


/* ---- lookups --------------------------------------------------------- */

hx_int_t
hx_http_upstream_resolve(hx_http_request_t *r, hx_http_upstream_t *u,
    hx_http_upstream_resolver_t *res)
{
    hx_uint_t                       i;
    hx_http_resolve_ctx_t          *ctx;
    hx_http_resolver_node_t        *node;
    hx_http_upstream_resolved_t    *ur;

    ur = u->resolved;

    ctx = hx_pcalloc(r->pool, sizeof(hx_http_resolve_ctx_t));
    if (ctx == NULL) {
        return HX_ERROR;
    }

    ctx->name.len = ur->host.len;
    ctx->name.data = hx_pnalloc(r->pool, ur->host.len);
    if (ctx->name.data == NULL) {
        return HX_ERROR;
    }

    hx_strlow(ctx->name.data, ur->host.data, ur->host.len);

    if (ctx->name.len && ctx->name.data[ctx->name.len - 1] == '.') {
        ctx->name.len--;
    }

    node = hx_http_upstream_resolver_lookup(res, &ctx->name);

    if (node) {
        hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                     "http upstream resolve: cached \"%V\"", &ctx->name);

        return hx_http_upstream_resolved_connect(r, node->addrs,
                                                 node->naddrs, ur->port);
    }

    ctx->request = r;
    ctx->resolver = res;
    ctx->port = ur->port;
    ctx->ttl = 0xffffffff;
    ctx->tries = res->nservers;
    ctx->server = res->next++ % res->nservers;

    if (hx_array_init(&ctx->addrs, r->pool, 4, sizeof(hx_addr_t)) != HX_OK) {
        return HX_ERROR;
    }

    ur->ctx = ctx;

    r->connection->log->action = "resolving";

    for (i = 0; i < res->nservers; i++) {
        if (hx_http_upstream_resolve_send(ctx) == HX_OK) {
            return HX_OK;
        }

        ctx->server = (ctx->server + 1) % res->nservers;
        ctx->tries--;
    }

    ur->ctx = NULL;

    hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                 "%V could not be resolved (2: Server failure)",
                 &ur->host);

    return HX_DECLINED;
}


/* opens a socket to the current server and sends the queries */
static hx_int_t
hx_http_upstream_resolve_send(hx_http_resolve_ctx_t *ctx)
{
    size_t                     n;
    ssize_t                    sent;
    uint8_t                    buf[512];
    hx_int_t                   rc;
    hx_addr_t                 *server;
    hx_connection_t           *c;
    hx_http_request_t         *r;
    hx_peer_connection_t       pc;
    hx_http_core_loc_conf_t   *clcf;

    r = ctx->request;
    server = &ctx->resolver->servers[ctx->server];

    hx_http_upstream_resolve_close(ctx);

    hx_memzero(&pc, sizeof(hx_peer_connection_t));

    pc.sockaddr = server->sockaddr;
    pc.socklen = server->socklen;
    pc.name = &server->name;
    pc.get = hx_event_get_peer;
    pc.log = r->connection->log;
    pc.log_error = HX_ERROR_ERR;
    pc.type = SOCK_DGRAM;

    rc = hx_event_connect_peer(&pc);

    if (rc != HX_OK && rc != HX_AGAIN) {
        return HX_ERROR;
    }

    c = pc.connection;
    ctx->connection = c;

    c->data = ctx;
    c->read->handler = hx_http_upstream_resolve_handler;
    c->write->handler = hx_http_upstream_resolve_handler;

    ctx->id = (uint16_t) (hx_upstream_random_number() & 0xfffe);
    ctx->wait_a = ctx->resolver->ipv4;
    ctx->wait_aaaa = ctx->resolver->ipv6;

    if (ctx->wait_a) {
        n = hx_http_upstream_dns_query(buf, sizeof(buf), &ctx->name, ctx->id,
                                       HX_DNS_TYPE_A);
        if (n == 0) {
            goto invalid;
        }

        sent = c->send(c, buf, n);
        if (sent != (ssize_t) n) {
            return HX_ERROR;
        }
    }

    if (ctx->wait_aaaa) {
        n = hx_http_upstream_dns_query(buf, sizeof(buf), &ctx->name,
                                       ctx->id + 1, HX_DNS_TYPE_AAAA);
        if (n == 0) {
            goto invalid;
        }

        sent = c->send(c, buf, n);
        if (sent != (ssize_t) n) {
            return HX_ERROR;
        }
    }

    clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    hx_add_timer(c->read, clcf->resolver_timeout);

    if (hx_handle_read_event(c->read, 0) != HX_OK) {
        return HX_ERROR;
    }

    return HX_OK;

invalid:

    ctx->rcode = 1;
    return HX_ERROR;
}


static void
hx_http_upstream_resolve_handler(hx_event_t *ev)
{
    ssize_t                  n;
    hx_int_t                 rc;
    hx_connection_t         *c;
    hx_http_request_t       *r;
    hx_http_resolve_ctx_t   *ctx;
    uint8_t                  buf[HX_DNS_MAX_MESSAGE];

    c = ev->data;
    ctx = c->data;
    r = ctx->request;

    if (ev->write) {
        return;
    }

    if (ev->timedout) {

        ev->timedout = 0;

        if (--ctx->tries > 0) {
            ctx->server = (ctx->server + 1) % ctx->resolver->nservers;

            if (hx_http_upstream_resolve_send(ctx) == HX_OK) {
                return;
            }
        }

        if (ctx->addrs.nelts == 0) {
            ctx->rcode = -1;
        }

        hx_http_upstream_resolve_done(ctx);
        hx_http_run_posted_requests(r->connection);
        return;
    }

    while (ctx->wait_a || ctx->wait_aaaa) {

        n = c->recv(c, buf, sizeof(buf));

        if (n == HX_AGAIN) {
            if (hx_handle_read_event(c->read, 0) != HX_OK) {
                break;
            }

            return;
        }

        if (n == HX_ERROR) {
            ctx->rcode = -2;
            break;
        }

        rc = HX_DECLINED;

        if (ctx->wait_a) {
            rc = hx_http_upstream_dns_answer(buf, n, ctx->id, HX_DNS_TYPE_A,
                                             ctx->port, r->pool, &ctx->addrs,
                                             &ctx->ttl);
            if (rc != HX_DECLINED) {
                ctx->wait_a = 0;
            }
        }

        if (rc == HX_DECLINED && ctx->wait_aaaa) {
            rc = hx_http_upstream_dns_answer(buf, n, ctx->id + 1,
                                             HX_DNS_TYPE_AAAA, ctx->port,
                                             r->pool, &ctx->addrs,
                                             &ctx->ttl);
            if (rc != HX_DECLINED) {
                ctx->wait_aaaa = 0;
            }
        }

        if (rc == HX_DECLINED) {
            continue;               /* someone else's datagram */
        }

        if (rc != HX_OK) {
            ctx->rcode = (rc == HX_ERROR) ? 1 : rc;
        }
    }

    hx_http_upstream_resolve_done(ctx);
    hx_http_run_posted_requests(r->connection);
}


static void
hx_http_upstream_resolve_done(hx_http_resolve_ctx_t *ctx)
{
    char                 *reason;
    hx_int_t              rc;
    hx_http_request_t    *r;
    hx_http_upstream_t   *u;

    r = ctx->request;
    u = r->upstream;

    hx_http_upstream_resolve_close(ctx);
    u->resolved->ctx = NULL;

    if (ctx->addrs.nelts) {

        hx_http_upstream_resolver_store(ctx->resolver, &ctx->name,
                                        ctx->addrs.elts, ctx->addrs.nelts,
                                        (time_t) ctx->ttl);

        rc = hx_http_upstream_resolved_connect(r, ctx->addrs.elts,
                                               ctx->addrs.nelts, ctx->port);
        if (rc == HX_ERROR) {
            hx_http_upstream_finalize_request(r, u,
                                          HX_HTTP_INTERNAL_SERVER_ERROR);
        }

        return;
    }

    switch (ctx->rcode) {
    case -1:
        reason = "110: Operation timed out";
        break;
    case 3:
        reason = "3: Host not found";
        break;
    case 0:
        reason = "3: Host not found";
        break;
    default:
        reason = "2: Server failure";
    }

    hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                 "%V could not be resolved (%s)", &u->resolved->host,
                 reason);

    hx_http_upstream_finalize_request(r, u, HX_HTTP_BAD_GATEWAY);
}


/* the lookup's socket goes; called on cancel too */
static void
hx_http_upstream_resolve_close(hx_http_resolve_ctx_t *ctx)
{
    if (ctx->connection) {
        hx_close_connection(ctx->connection);
        ctx->connection = NULL;
    }
}


void
hx_http_upstream_resolve_cancel(hx_http_upstream_t *u)
{
    hx_http_resolve_ctx_t  *ctx;

    if (u->resolved == NULL || u->resolved->ctx == NULL) {
        return;
    }

    ctx = u->resolved->ctx;
    u->resolved->ctx = NULL;

    hx_http_upstream_resolve_close(ctx);
}


/* the addresses are known: a peer group of them, and the connect */
static hx_int_t
hx_http_upstream_resolved_connect(hx_http_request_t *r, hx_addr_t *addrs,
    hx_uint_t naddrs, in_port_t port)
{
    size_t               len;
    uint8_t             *text;
    hx_uint_t            i;
    hx_addr_t           *copy;
    hx_http_upstream_t  *u;

    u = r->upstream;

    /* the cache's addresses carry the port they were stored with */

    copy = hx_palloc(r->pool, naddrs * sizeof(hx_addr_t));
    if (copy == NULL) {
        return HX_ERROR;
    }

    for (i = 0; i < naddrs; i++) {
        copy[i].socklen = addrs[i].socklen;
        copy[i].sockaddr = hx_palloc(r->pool, addrs[i].socklen);
        if (copy[i].sockaddr == NULL) {
            return HX_ERROR;
        }

        hx_memcpy(copy[i].sockaddr, addrs[i].sockaddr, addrs[i].socklen);
        hx_inet_set_port(copy[i].sockaddr, port);

        text = hx_pnalloc(r->pool, HX_SOCKADDR_STRLEN);
        if (text == NULL) {
            return HX_ERROR;
        }

        len = hx_sock_ntop(copy[i].sockaddr, copy[i].socklen, text,
                           HX_SOCKADDR_STRLEN, 1);

        copy[i].name.len = len;
        copy[i].name.data = text;
    }

    if (hx_upstream_create_peer(&u->peer, r->pool, copy, naddrs,
                                &u->resolved->host)
        != HX_OK)
    {
        return HX_ERROR;
    }

    hx_http_upstream_start(r, u);

    return HX_OK;
}


/* ---- the per-worker cache -------------------------------------------- */

static hx_http_resolver_node_t *
hx_http_upstream_resolver_lookup(hx_http_upstream_resolver_t *res,
    hx_str_t *name)
{
    time_t                     now;
    hx_uint_t                  i;
    hx_http_resolver_node_t   *node;

    now = hx_time();

    for (i = 0; i < HX_HTTP_RESOLVER_CACHE; i++) {
        node = &res->cache[i];

        if (node->name == NULL || node->len != name->len
            || hx_memcmp(node->name, name->data, name->len) != 0)
        {
            continue;
        }

        if (node->expire <= now) {
            return NULL;
        }

        node->used = now;

        return node;
    }

    return NULL;
}


static void
hx_http_upstream_resolver_store(hx_http_upstream_resolver_t *res,
    hx_str_t *name, hx_addr_t *addrs, hx_uint_t naddrs, time_t ttl)
{
    size_t                     size;
    uint8_t                   *p;
    hx_uint_t                  i, victim;
    hx_http_resolver_node_t   *node;

    victim = 0;

    for (i = 0; i < HX_HTTP_RESOLVER_CACHE; i++) {
        node = &res->cache[i];

        if (node->name && node->len == name->len
            && hx_memcmp(node->name, name->data, name->len) == 0)
        {
            victim = i;
            break;
        }

        if (node->name == NULL) {
            victim = i;
            break;
        }

        if (node->used < res->cache[victim].used) {
            victim = i;
        }
    }

    node = &res->cache[victim];

    hx_free(node->name);
    hx_free(node->addrs);
    hx_memzero(node, sizeof(hx_http_resolver_node_t));

    /* one block: the name, the address structs and the sockaddrs */

    size = name->len + HX_ALIGNMENT + naddrs * sizeof(hx_sockaddr_t);

    node->addrs = hx_alloc(naddrs * sizeof(hx_addr_t), hx_cycle->log);
    node->name = hx_alloc(size, hx_cycle->log);

    if (node->addrs == NULL || node->name == NULL) {
        hx_free(node->addrs);
        hx_free(node->name);
        hx_memzero(node, sizeof(hx_http_resolver_node_t));
        return;
    }

    p = hx_cpymem(node->name, name->data, name->len);
    p = hx_align_ptr(p, HX_ALIGNMENT);

    for (i = 0; i < naddrs; i++) {
        node->addrs[i].sockaddr = (struct sockaddr *) p;
        node->addrs[i].socklen = addrs[i].socklen;
        hx_memcpy(p, addrs[i].sockaddr, addrs[i].socklen);
        hx_str_null(&node->addrs[i].name);
        p += sizeof(hx_sockaddr_t);
    }

    if (res->valid) {
        ttl = res->valid;
    }

    node->len = name->len;
    node->naddrs = naddrs;
    node->used = hx_time();
    node->expire = node->used + ttl;
}

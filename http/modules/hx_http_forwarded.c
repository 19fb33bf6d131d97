/*
 * The address a client had before trusted proxies: X-Forwarded-For and
 * the like, for realip's real_ip_header and geo's "proxy".
 *
 * Each proxy appends the address it received the request from, so the
 * list is read from the right: the rightmost entry is what the last
 * (trusted) proxy saw.  Without recursion that entry is the answer; with
 * it, entries that are themselves trusted proxies are skipped, and when
 * a request carries several X-Forwarded-For lines they are read as one
 * list, last line first.  Parsing stops at the first entry that is not
 * an address, leaving the last good one.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_forwarded.h>


static hx_int_t hx_http_forwarded_list(hx_http_request_t *r,
    hx_addr_t *addr, uint8_t *xff, size_t xfflen, hx_array_t *proxies,
    hx_uint_t recursive);


hx_int_t
hx_http_get_forwarded_addr(hx_http_request_t *r, hx_addr_t *addr,
    hx_table_elt_t *headers, hx_str_t *value, hx_array_t *proxies,
    hx_uint_t recursive)
{
    hx_int_t          rc;
    hx_uint_t         found, i, n;
    hx_table_elt_t   *h, **lines;

    if (headers == NULL) {
        return hx_http_forwarded_list(r, addr, value->data, value->len,
                                      proxies, recursive);
    }

    n = 0;

    for (h = headers; h; h = h->next) {
        n++;
    }

    lines = hx_palloc(r->pool, n * sizeof(hx_table_elt_t *));
    if (lines == NULL) {
        return HX_DECLINED;
    }

    n = 0;

    for (h = headers; h; h = h->next) {
        lines[n++] = h;
    }

    /* the last line was added by the nearest proxy */

    rc = HX_DECLINED;
    found = 0;

    for (i = n; i > 0; i--) {
        h = lines[i - 1];

        rc = hx_http_forwarded_list(r, addr, h->value.data, h->value.len,
                                    proxies, recursive);

        if (!recursive) {
            break;
        }

        if (rc == HX_DECLINED && found) {
            rc = HX_DONE;
            break;
        }

        if (rc != HX_OK) {
            break;
        }

        found = 1;
    }

    return rc;
}


/* one comma-separated list, from its right end */
static hx_int_t
hx_http_forwarded_list(hx_http_request_t *r, hx_addr_t *addr, uint8_t *xff,
    size_t xfflen, hx_array_t *proxies, hx_uint_t recursive)
{
    uint8_t    *p, *start;
    hx_addr_t   paddr;
    hx_uint_t   found;

    found = 0;

    if (xfflen == 0) {
        return HX_DECLINED;
    }

    p = xff + xfflen;

    for ( ;; ) {

        if (hx_http_forwarded_cidr_match(addr->sockaddr, proxies) != HX_OK) {
            return found ? HX_DONE : HX_DECLINED;
        }

        /* skip separators at the end, then find the start of the entry */

        while (p > xff && (p[-1] == ' ' || p[-1] == ',')) {
            p--;
        }

        start = p;

        while (start > xff && start[-1] != ' ' && start[-1] != ',') {
            start--;
        }

        if (start == p
            || hx_parse_addr_port(r->pool, &paddr, start, p - start)
               != HX_OK)
        {
            return found ? HX_DONE : HX_DECLINED;
        }

        *addr = paddr;
        found = 1;

        p = start;

        if (!recursive || p == xff) {
            break;
        }
    }

    return HX_OK;
}


hx_int_t
hx_http_forwarded_cidr_match(struct sockaddr *sa, hx_array_t *proxies)
{
    hx_uint_t   i;
    hx_cidr_t  *cidr;

    if (sa->sa_family != AF_UNIX) {
        return hx_cidr_match(sa, proxies);
    }

    cidr = proxies->elts;

    for (i = 0; i < proxies->nelts; i++) {
        if (cidr[i].family == AF_UNIX || cidr[i].family == AF_UNSPEC) {
            return HX_OK;
        }
    }

    return HX_DECLINED;
}


hx_int_t
hx_http_forwarded_add_cidr(hx_conf_t *cf, hx_array_t **cidrs,
    hx_str_t *value, char *directive)
{
    hx_int_t              rc;
    hx_uint_t             i;
    hx_url_t              u;
    hx_cidr_t            *cidr;
    struct sockaddr_in   *sin;
    struct sockaddr_in6  *sin6;

    if (*cidrs == NULL) {
        *cidrs = hx_array_create(cf->pool, 2, sizeof(hx_cidr_t));
        if (*cidrs == NULL) {
            return HX_ERROR;
        }
    }

    if (value->len == 5 && hx_strncmp(value->data, "unix:", 5) == 0) {
        cidr = hx_array_push(*cidrs);
        if (cidr == NULL) {
            return HX_ERROR;
        }

        hx_memzero(cidr, sizeof(hx_cidr_t));
        cidr->family = AF_UNIX;

        return HX_OK;
    }

    cidr = hx_array_push(*cidrs);
    if (cidr == NULL) {
        return HX_ERROR;
    }

    rc = hx_ptocidr(value, cidr);

    if (rc != HX_ERROR) {
        if (rc == HX_DONE) {
            hx_conf_log_error(HX_LOG_WARN, cf, 0,
                              "low address bits of %V are meaningless",
                              value);
        }

        return HX_OK;
    }

    /* not an address: a host name, each of its addresses trusted */

    (*cidrs)->nelts--;

    hx_memzero(&u, sizeof(hx_url_t));
    u.host = *value;

    if (hx_inet_resolve_host(cf->pool, &u) != HX_OK) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "%s in %s \"%V\"",
                          u.err ? u.err : "invalid value", directive, value);
        return HX_ERROR;
    }

    cidr = hx_array_push_n(*cidrs, u.naddrs);
    if (cidr == NULL) {
        return HX_ERROR;
    }

    hx_memzero(cidr, u.naddrs * sizeof(hx_cidr_t));

    for (i = 0; i < u.naddrs; i++) {
        cidr[i].family = u.addrs[i].sockaddr->sa_family;

        if (cidr[i].family == AF_INET6) {
            sin6 = (struct sockaddr_in6 *) u.addrs[i].sockaddr;
            cidr[i].u.in6.addr = sin6->sin6_addr;
            hx_memset(cidr[i].u.in6.mask.s6_addr, 0xff, 16);

        } else {
            sin = (struct sockaddr_in *) u.addrs[i].sockaddr;
            cidr[i].u.in.addr = sin->sin_addr.s_addr;
            cidr[i].u.in.mask = 0xffffffff;
        }
    }

    return HX_OK;
}

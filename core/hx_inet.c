/*
 * Socket addresses as configurations write them and logs print them.
 *
 * The text parsers are written out here instead of calling inet_pton():
 * they take length-delimited strings straight from the config tokenizer
 * (no NUL-terminated copy), they accept exactly what nginx accepts (IPv4
 * octets with leading zeros, every RFC 4291 section 2.2 form of IPv6), and
 * they let hx_parse_url() tell "not an address" from "a bad address".
 * Printing follows RFC 5952 (lower case, the longest run of zero groups
 * shortened, IPv4-mapped addresses in dotted form) so the same address
 * always prints the same way in logs and in $remote_addr.
 *
 * hx_parse_url() gives nginx's ngx_parse_url() semantics, which every
 * "listen", "server" and "proxy_pass" depends on: the url's kind is
 * decided by its first bytes ("unix:", '[', anything else), a name is
 * resolved at configuration time into all of its addresses, and a listen
 * port range yields one address per port.
 */

#include <hx_config.h>
#include <hx_core.h>


static hx_int_t hx_inet_parse4(uint8_t *text, size_t len, in_addr_t *addr);
static uint8_t *hx_inet_put_dec(uint8_t *p, hx_uint_t v);
static uint8_t *hx_inet_put_ipv4(uint8_t *p, uint8_t *a);
static size_t hx_inet_copy(uint8_t *dst, size_t size, uint8_t *src,
    size_t len);
static void hx_cidr_mask(uint8_t *mask, size_t bytes, hx_uint_t bits);
static hx_int_t hx_parse_unix_url(hx_pool_t *pool, hx_url_t *u);
static hx_int_t hx_parse_inet_url(hx_pool_t *pool, hx_url_t *u);
static hx_int_t hx_parse_inet6_url(hx_pool_t *pool, hx_url_t *u);
static hx_int_t hx_url_port(hx_url_t *u, uint8_t *p, uint8_t *last);
static hx_uint_t hx_url_is_port(uint8_t *p, uint8_t *last);
static hx_int_t hx_url_add_addr(hx_pool_t *pool, hx_url_t *u,
    struct sockaddr *sa, socklen_t socklen, hx_uint_t total);


/*
 * Parses a dotted quad ("10.0.0.1"; each of the four parts 0-255, leading
 * zeros allowed).  Returns the address in network order, or INADDR_NONE,
 * which is also what "255.255.255.255" gives.
 */
in_addr_t
hx_inet_addr(uint8_t *text, size_t len)
{
    in_addr_t  addr;

    if (hx_inet_parse4(text, len, &addr) != HX_OK) {
        return INADDR_NONE;
    }

    return addr;
}


/*
 * Parses the RFC 4291 section 2.2 text forms of an IPv6 address: eight
 * groups of one to four hex digits, one "::" standing for one or more
 * zero groups, and an optional dotted IPv4 address in place of the last
 * two groups.  Writes 16 bytes to addr; HX_OK or HX_ERROR.
 */
hx_int_t
hx_inet6_addr(uint8_t *p, size_t len, uint8_t *addr)
{
    uint8_t     c, *start;
    size_t      i, digits;
    uint16_t    groups[8];
    hx_uint_t   n, v, gap, has_gap, k;
    in_addr_t   in4;

    n = 0;
    i = 0;
    gap = 0;
    has_gap = 0;

    if (len < 2) {
        return HX_ERROR;
    }

    if (p[0] == ':') {
        if (p[1] != ':') {
            return HX_ERROR;
        }

        has_gap = 1;
        i = 2;
    }

    while (i < len) {
        start = p + i;
        v = 0;

        for (digits = 0; i < len; i++, digits++) {
            c = p[i];

            if (c >= '0' && c <= '9') {
                v = v * 16 + (c - '0');

            } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
                v = v * 16 + ((c | 0x20) - 'a' + 10);

            } else {
                break;
            }

            if (digits == 4) {
                return HX_ERROR;
            }
        }

        if (i < len && p[i] == '.') {
            /* the embedded IPv4 address ends the text */
            if (n > 6) {
                return HX_ERROR;
            }

            if (hx_inet_parse4(start, p + len - start, &in4) != HX_OK) {
                return HX_ERROR;
            }

            in4 = ntohl(in4);
            groups[n++] = (uint16_t) (in4 >> 16);
            groups[n++] = (uint16_t) (in4 & 0xffff);
            i = len;
            break;
        }

        if (digits == 0 || n == 8) {
            return HX_ERROR;
        }

        groups[n++] = (uint16_t) v;

        if (i == len) {
            break;
        }

        if (p[i] != ':' || ++i == len) {
            return HX_ERROR;
        }

        if (p[i] == ':') {
            if (has_gap) {
                return HX_ERROR;
            }

            has_gap = 1;
            gap = n;
            i++;
        }
    }

    if (has_gap ? n > 7 : n != 8) {
        return HX_ERROR;
    }

    /* groups before the gap, zeros, then the groups after it */
    k = has_gap ? 8 - n : 0;

    hx_memzero(addr, 16);

    for (i = 0; i < n; i++) {
        v = (i < gap || !has_gap) ? i : i + k;
        addr[2 * v] = (uint8_t) (groups[i] >> 8);
        addr[2 * v + 1] = (uint8_t) (groups[i] & 0xff);
    }

    return HX_OK;
}


/*
 * Prints the 16-byte address p as RFC 5952 section 4 asks: lower-case hex
 * without leading zeros, the first longest run of two or more zero groups
 * as "::", and "::ffff:" addresses with the IPv4 part dotted (section 5).
 * Writes at most len bytes, no NUL; returns the count.
 */
size_t
hx_inet6_ntop(uint8_t *p, uint8_t *text, size_t len)
{
    static const uint8_t  hex[] = "0123456789abcdef";

    uint8_t    buf[HX_INET6_ADDRSTRLEN + 1], *t;
    hx_uint_t  i, g, best, best_len, cur, cur_len, colon, shift, started;

    t = buf;

    if (hx_memcmp(p, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
        t = hx_cpymem(t, "::ffff:", 7);
        t = hx_inet_put_ipv4(t, p + 12);
        return hx_inet_copy(text, len, buf, t - buf);
    }

    best = 8;
    best_len = 1;
    cur = 8;
    cur_len = 0;

    for (i = 0; i < 8; i++) {
        if (p[2 * i] == 0 && p[2 * i + 1] == 0) {
            if (cur_len++ == 0) {
                cur = i;
            }

            if (cur_len > best_len) {
                best = cur;
                best_len = cur_len;
            }

        } else {
            cur_len = 0;
        }
    }

    colon = 0;

    for (i = 0; i < 8; /* void */) {

        if (i == best) {
            *t++ = ':';
            *t++ = ':';
            i += best_len;
            colon = 0;
            continue;
        }

        if (colon) {
            *t++ = ':';
        }

        g = (hx_uint_t) p[2 * i] << 8 | p[2 * i + 1];
        started = 0;

        for (shift = 12; shift > 0; shift -= 4) {
            if (started || (g >> shift) & 0xf) {
                *t++ = hex[(g >> shift) & 0xf];
                started = 1;
            }
        }

        *t++ = hex[g & 0xf];
        colon = 1;
        i++;
    }

    return hx_inet_copy(text, len, buf, t - buf);
}


/*
 * Prints a socket address: "1.2.3.4", "::1", "unix:/path"; with port
 * set, "1.2.3.4:80" and "[::1]:80".  An abstract unix socket prints as
 * "unix:@name".  Writes at most len bytes, no NUL; returns the count, 0
 * for an unknown family.
 */
size_t
hx_sock_ntop(struct sockaddr *sa, socklen_t socklen, uint8_t *text,
    size_t len, hx_uint_t port)
{
    size_t                n;
    uint8_t               buf[HX_SOCKADDR_STRLEN + sizeof("[]:65535")];
    uint8_t              *t;
    struct sockaddr_in   *sin;
    struct sockaddr_in6  *sin6;
    struct sockaddr_un   *saun;

    t = buf;

    switch (sa->sa_family) {

    case AF_INET:
        sin = (struct sockaddr_in *) sa;
        t = hx_inet_put_ipv4(t, (uint8_t *) &sin->sin_addr);

        if (port) {
            *t++ = ':';
            t = hx_inet_put_dec(t, ntohs(sin->sin_port));
        }

        break;

    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) sa;

        if (port) {
            *t++ = '[';
        }

        t += hx_inet6_ntop(sin6->sin6_addr.s6_addr, t, HX_INET6_ADDRSTRLEN);

        if (port) {
            *t++ = ']';
            *t++ = ':';
            t = hx_inet_put_dec(t, ntohs(sin6->sin6_port));
        }

        break;

    case AF_UNIX:
        saun = (struct sockaddr_un *) sa;
        t = hx_cpymem(t, "unix:", 5);

        if (socklen <= (socklen_t) offsetof(struct sockaddr_un, sun_path)) {
            break;
        }

        n = socklen - offsetof(struct sockaddr_un, sun_path);
        n = hx_min(n, sizeof(saun->sun_path));

        if (saun->sun_path[0] == '\0') {
            /* Linux abstract namespace: every byte counts, no NUL end */
            *t++ = '@';
            t = hx_cpymem(t, saun->sun_path + 1, n - 1);

        } else {
            n = hx_strnlen((uint8_t *) saun->sun_path, n);
            t = hx_cpymem(t, saun->sun_path, n);
        }

        break;

    default:
        return 0;
    }

    return hx_inet_copy(text, len, buf, t - buf);
}


/*
 * Prints an in_addr (AF_INET) or in6_addr (AF_INET6).  Writes at most
 * len bytes; returns the count, 0 for another family.
 */
size_t
hx_inet_ntop(int family, void *addr, uint8_t *text, size_t len)
{
    uint8_t  buf[HX_INET_ADDRSTRLEN], *t;

    switch (family) {

    case AF_INET:
        t = hx_inet_put_ipv4(buf, addr);
        return hx_inet_copy(text, len, buf, t - buf);

    case AF_INET6:
        return hx_inet6_ntop(addr, text, len);

    default:
        return 0;
    }
}


/*
 * Parses "addr", "addr/bits" or "all" into cidr.  A plain address gets a
 * full mask; "all" gives family AF_UNSPEC, which hx_cidr_match() takes to
 * match any address of any family.  When bits are set beyond the mask
 * ("10.0.0.1/8"), they are cleared and HX_DONE is returned so that the
 * caller can warn, as nginx does.  HX_OK, HX_DONE or HX_ERROR.
 */
hx_int_t
hx_ptocidr(hx_str_t *text, hx_cidr_t *cidr)
{
    uint8_t    *addr, *mask, *slash;
    size_t      len, i, bytes;
    hx_int_t    bits, rc;
    hx_uint_t   max;

    hx_memzero(cidr, sizeof(hx_cidr_t));

    if (text->len == 3 && hx_strncmp(text->data, "all", 3) == 0) {
        cidr->family = AF_UNSPEC;
        return HX_OK;
    }

    slash = hx_strlchr(text->data, text->data + text->len, '/');
    len = (slash ? slash : text->data + text->len) - text->data;

    if (hx_inet_parse4(text->data, len, &cidr->u.in.addr) == HX_OK) {
        cidr->family = AF_INET;
        addr = (uint8_t *) &cidr->u.in.addr;
        mask = (uint8_t *) &cidr->u.in.mask;
        bytes = 4;

    } else if (hx_inet6_addr(text->data, len, cidr->u.in6.addr.s6_addr)
               == HX_OK)
    {
        cidr->family = AF_INET6;
        addr = cidr->u.in6.addr.s6_addr;
        mask = cidr->u.in6.mask.s6_addr;
        bytes = 16;

    } else {
        return HX_ERROR;
    }

    max = bytes * 8;

    if (slash == NULL) {
        bits = (hx_int_t) max;

    } else {
        bits = hx_atoi(slash + 1, text->data + text->len - slash - 1);

        if (bits == HX_ERROR || (hx_uint_t) bits > max) {
            return HX_ERROR;
        }
    }

    hx_cidr_mask(mask, bytes, (hx_uint_t) bits);

    rc = HX_OK;

    for (i = 0; i < bytes; i++) {
        if (addr[i] & ~mask[i]) {
            addr[i] &= mask[i];
            rc = HX_DONE;
        }
    }

    return rc;
}


/*
 * Checks sa against an array of hx_cidr_t.  An IPv4-mapped IPv6 peer is
 * compared as the IPv4 address it is; an AF_UNSPEC entry ("all") matches
 * anything.  HX_OK on the first match, else HX_DECLINED.
 */
hx_int_t
hx_cidr_match(struct sockaddr *sa, hx_array_t *cidrs)
{
    int                   family;
    uint8_t              *a6;
    in_addr_t             a4;
    hx_uint_t             i, j;
    hx_cidr_t            *cidr;
    struct sockaddr_in6  *sin6;

    family = sa->sa_family;
    a4 = 0;
    a6 = NULL;

    switch (family) {

    case AF_INET:
        a4 = ((struct sockaddr_in *) sa)->sin_addr.s_addr;
        break;

    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) sa;
        a6 = sin6->sin6_addr.s6_addr;

        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
            family = AF_INET;
            hx_memcpy(&a4, a6 + 12, 4);
        }

        break;
    }

    cidr = cidrs->elts;

    for (i = 0; i < cidrs->nelts; i++) {

        if (cidr[i].family == AF_UNSPEC) {
            return HX_OK;
        }

        if (cidr[i].family != (hx_uint_t) family) {
            continue;
        }

        if (family == AF_INET) {
            if ((a4 & cidr[i].u.in.mask) == cidr[i].u.in.addr) {
                return HX_OK;
            }

            continue;
        }

        if (family != AF_INET6) {
            continue;
        }

        for (j = 0; j < 16; j++) {
            if ((a6[j] & cidr[i].u.in6.mask.s6_addr[j])
                != cidr[i].u.in6.addr.s6_addr[j])
            {
                break;
            }
        }

        if (j == 16) {
            return HX_OK;
        }
    }

    return HX_DECLINED;
}


/*
 * Parses a bare IPv4 or IPv6 address (no brackets, no port) into a
 * sockaddr allocated from pool, port 0; addr->name points at text.
 * HX_OK, HX_DECLINED when text is no address, HX_ERROR when out of memory.
 */
hx_int_t
hx_parse_addr(hx_pool_t *pool, hx_addr_t *addr, uint8_t *text, size_t len)
{
    uint8_t               a6[16];
    in_addr_t             a4;
    struct sockaddr_in   *sin;
    struct sockaddr_in6  *sin6;

    if (hx_inet_parse4(text, len, &a4) == HX_OK) {
        sin = hx_pcalloc(pool, sizeof(struct sockaddr_in));
        if (sin == NULL) {
            return HX_ERROR;
        }

        sin->sin_family = AF_INET;
        sin->sin_addr.s_addr = a4;

        addr->sockaddr = (struct sockaddr *) sin;
        addr->socklen = sizeof(struct sockaddr_in);

    } else if (hx_inet6_addr(text, len, a6) == HX_OK) {
        sin6 = hx_pcalloc(pool, sizeof(struct sockaddr_in6));
        if (sin6 == NULL) {
            return HX_ERROR;
        }

        sin6->sin6_family = AF_INET6;
        hx_memcpy(sin6->sin6_addr.s6_addr, a6, 16);

        addr->sockaddr = (struct sockaddr *) sin6;
        addr->socklen = sizeof(struct sockaddr_in6);

    } else {
        return HX_DECLINED;
    }

    addr->name.len = len;
    addr->name.data = text;

    return HX_OK;
}


/*
 * Parses an address with an optional port: "10.0.0.1", "10.0.0.1:80",
 * "::1", "[::1]", "[::1]:80".  The port must be 1-65535.  Returns as
 * hx_parse_addr() does; addr->name is the whole text.
 */
hx_int_t
hx_parse_addr_port(hx_pool_t *pool, hx_addr_t *addr, uint8_t *text,
    size_t len)
{
    uint8_t   *last, *p, *host, *port;
    size_t     host_len;
    hx_int_t   rc, n;

    rc = hx_parse_addr(pool, addr, text, len);

    if (rc != HX_DECLINED) {
        return rc;
    }

    last = text + len;

    if (len > 0 && text[0] == '[') {
        p = hx_strlchr(text, last, ']');

        if (p == NULL) {
            return HX_DECLINED;
        }

        host = text + 1;
        host_len = p - host;

        if (p + 1 == last) {
            port = NULL;

        } else if (p[1] == ':') {
            port = p + 2;

        } else {
            return HX_DECLINED;
        }

        /* brackets hold IPv6 only */
        if (hx_strlchr(host, p, ':') == NULL) {
            return HX_DECLINED;
        }

    } else {
        p = hx_strlchr(text, last, ':');

        if (p == NULL) {
            return HX_DECLINED;
        }

        host = text;
        host_len = p - text;
        port = p + 1;
    }

    n = 0;

    if (port) {
        n = hx_atoi(port, last - port);

        if (n < 1 || n > 65535) {
            return HX_DECLINED;
        }
    }

    rc = hx_parse_addr(pool, addr, host, host_len);

    if (rc != HX_OK) {
        return rc;
    }

    hx_inet_set_port(addr->sockaddr, (in_port_t) n);

    addr->name.len = len;
    addr->name.data = text;

    return HX_OK;
}


/*
 * Parses u->url with nginx's rules (see hx_url_t):
 *
 *   unix:/path[:uri]      a unix socket (the ":uri" part with uri_part)
 *   [::1][:port][/uri]    an IPv6 address
 *   host[:port][/uri]     an IPv4 address or a name
 *   port, *:port          the wildcard address (listen only)
 *   :8000-8010            a port range, one address per port (listen only)
 *
 * With no port, u->no_port is set and u->port is u->default_port.  Names
 * are resolved unless no_resolve; u->addrs then holds every address, each
 * with its name printed as "addr:port", and u->sockaddr the first one.
 * On failure returns HX_ERROR with u->err set to a static reason ("invalid
 * host", "invalid port", "no host", "host not found", ...), or with
 * u->err NULL when memory ran out.
 */
hx_int_t
hx_parse_url(hx_pool_t *pool, hx_url_t *u)
{
    uint8_t  *p;
    size_t    len;

    p = u->url.data;
    len = u->url.len;

    if (len >= 5 && hx_strncasecmp(p, (uint8_t *) "unix:", 5) == 0) {
        return hx_parse_unix_url(pool, u);
    }

    if (len > 0 && p[0] == '[') {
        return hx_parse_inet6_url(pool, u);
    }

    return hx_parse_inet_url(pool, u);
}


/*
 * Resolves u->host (getaddrinfo(), so /etc/hosts and DNS, IPv4 and IPv6)
 * into u->addrs, every address with u->port (and the rest of a port
 * range).  This blocks: configuration time only.  HX_OK, or HX_ERROR with
 * u->err "host not found" (or NULL when out of memory).
 */
hx_int_t
hx_inet_resolve_host(hx_pool_t *pool, hx_url_t *u)
{
    uint8_t          *host;
    hx_uint_t         n;
    hx_int_t          rc;
    struct addrinfo   hints, *res, *rp;

    host = hx_pnalloc(pool, u->host.len + 1);
    if (host == NULL) {
        return HX_ERROR;
    }

    hx_memcpy(host, u->host.data, u->host.len);
    host[u->host.len] = '\0';

    hx_memzero(&hints, sizeof(struct addrinfo));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;

    if (getaddrinfo((char *) host, NULL, &hints, &res) != 0) {
        u->err = "host not found";
        return HX_ERROR;
    }

    n = 0;

    for (rp = res; rp != NULL; rp = rp->ai_next) {
        if (rp->ai_family == AF_INET || rp->ai_family == AF_INET6) {
            n++;
        }
    }

    rc = HX_OK;

    if (n == 0) {
        u->err = "host not found";
        rc = HX_ERROR;
    }

    for (rp = res; rc == HX_OK && rp != NULL; rp = rp->ai_next) {
        if (rp->ai_family == AF_INET || rp->ai_family == AF_INET6) {
            rc = hx_url_add_addr(pool, u, rp->ai_addr, rp->ai_addrlen, n);
        }
    }

    freeaddrinfo(res);

    return rc;
}


/*
 * HX_OK when the two addresses are equal: same family and address, and
 * the same port when cmp_port; unix sockets compare by path.  Else
 * HX_DECLINED.
 */
hx_int_t
hx_cmp_sockaddr(struct sockaddr *sa1, socklen_t slen1, struct sockaddr *sa2,
    socklen_t slen2, hx_uint_t cmp_port)
{
    size_t                len1, len2;
    struct sockaddr_in   *sin1, *sin2;
    struct sockaddr_in6  *sin61, *sin62;
    struct sockaddr_un   *saun1, *saun2;

    if (sa1->sa_family != sa2->sa_family) {
        return HX_DECLINED;
    }

    switch (sa1->sa_family) {

    case AF_INET:
        sin1 = (struct sockaddr_in *) sa1;
        sin2 = (struct sockaddr_in *) sa2;

        if (sin1->sin_addr.s_addr != sin2->sin_addr.s_addr
            || (cmp_port && sin1->sin_port != sin2->sin_port))
        {
            return HX_DECLINED;
        }

        return HX_OK;

    case AF_INET6:
        sin61 = (struct sockaddr_in6 *) sa1;
        sin62 = (struct sockaddr_in6 *) sa2;

        if (hx_memcmp(&sin61->sin6_addr, &sin62->sin6_addr, 16) != 0
            || (cmp_port && sin61->sin6_port != sin62->sin6_port))
        {
            return HX_DECLINED;
        }

        return HX_OK;

    case AF_UNIX:
        saun1 = (struct sockaddr_un *) sa1;
        saun2 = (struct sockaddr_un *) sa2;

        len1 = (slen1 > (socklen_t) offsetof(struct sockaddr_un, sun_path))
               ? slen1 - offsetof(struct sockaddr_un, sun_path) : 0;
        len2 = (slen2 > (socklen_t) offsetof(struct sockaddr_un, sun_path))
               ? slen2 - offsetof(struct sockaddr_un, sun_path) : 0;

        len1 = hx_min(len1, sizeof(saun1->sun_path));
        len2 = hx_min(len2, sizeof(saun2->sun_path));

        /* a pathname ends at its NUL; an abstract name has none */
        if (len1 && saun1->sun_path[0] != '\0') {
            len1 = hx_strnlen((uint8_t *) saun1->sun_path, len1);
        }

        if (len2 && saun2->sun_path[0] != '\0') {
            len2 = hx_strnlen((uint8_t *) saun2->sun_path, len2);
        }

        if (len1 != len2
            || hx_memcmp(saun1->sun_path, saun2->sun_path, len1) != 0)
        {
            return HX_DECLINED;
        }

        return HX_OK;

    default:
        return HX_DECLINED;
    }
}


/* the port in host order; 0 for a unix socket */
in_port_t
hx_inet_get_port(struct sockaddr *sa)
{
    switch (sa->sa_family) {

    case AF_INET:
        return ntohs(((struct sockaddr_in *) sa)->sin_port);

    case AF_INET6:
        return ntohs(((struct sockaddr_in6 *) sa)->sin6_port);

    default:
        return 0;
    }
}


/* sets the port (host order); no-op for a unix socket */
void
hx_inet_set_port(struct sockaddr *sa, in_port_t port)
{
    switch (sa->sa_family) {

    case AF_INET:
        ((struct sockaddr_in *) sa)->sin_port = htons(port);
        break;

    case AF_INET6:
        ((struct sockaddr_in6 *) sa)->sin6_port = htons(port);
        break;
    }
}


/* 1 for 0.0.0.0 and ::, else 0 */
hx_uint_t
hx_inet_wildcard(struct sockaddr *sa)
{
    switch (sa->sa_family) {

    case AF_INET:
        return ((struct sockaddr_in *) sa)->sin_addr.s_addr == INADDR_ANY;

    case AF_INET6:
        return IN6_IS_ADDR_UNSPECIFIED(
                   &((struct sockaddr_in6 *) sa)->sin6_addr) ? 1 : 0;

    default:
        return 0;
    }
}


/* a dotted quad into *addr (network order); HX_OK or HX_ERROR */
static hx_int_t
hx_inet_parse4(uint8_t *text, size_t len, in_addr_t *addr)
{
    uint8_t    *p, *last;
    uint32_t    a;
    hx_uint_t   octet, parts, digits;

    a = 0;
    octet = 0;
    parts = 0;
    digits = 0;
    last = text + len;

    for (p = text; p < last; p++) {

        if (*p >= '0' && *p <= '9') {
            octet = octet * 10 + (*p - '0');

            if (octet > 255) {
                return HX_ERROR;
            }

            digits++;
            continue;
        }

        if (*p != '.' || digits == 0 || parts == 3) {
            return HX_ERROR;
        }

        a = a << 8 | octet;
        octet = 0;
        digits = 0;
        parts++;
    }

    if (parts != 3 || digits == 0) {
        return HX_ERROR;
    }

    *addr = htonl(a << 8 | octet);

    return HX_OK;
}


static uint8_t *
hx_inet_put_dec(uint8_t *p, hx_uint_t v)
{
    uint8_t   tmp[HX_INT_T_LEN], *t;

    t = tmp + sizeof(tmp);

    do {
        *--t = (uint8_t) ('0' + v % 10);
        v /= 10;
    } while (v);

    return hx_cpymem(p, t, tmp + sizeof(tmp) - t);
}


/* the 4 bytes at a, in network order, as a dotted quad */
static uint8_t *
hx_inet_put_ipv4(uint8_t *p, uint8_t *a)
{
    p = hx_inet_put_dec(p, a[0]);
    *p++ = '.';
    p = hx_inet_put_dec(p, a[1]);
    *p++ = '.';
    p = hx_inet_put_dec(p, a[2]);
    *p++ = '.';

    return hx_inet_put_dec(p, a[3]);
}


static size_t
hx_inet_copy(uint8_t *dst, size_t size, uint8_t *src, size_t len)
{
    len = hx_min(len, size);
    hx_memcpy(dst, src, len);

    return len;
}


/* the first bits of bytes of mask set, the rest clear */
static void
hx_cidr_mask(uint8_t *mask, size_t bytes, hx_uint_t bits)
{
    size_t  i;

    for (i = 0; i < bytes; i++) {
        if (bits >= 8) {
            mask[i] = 0xff;
            bits -= 8;

        } else {
            mask[i] = (uint8_t) (0xff << (8 - bits));
            bits = 0;
        }
    }
}


/* "unix:/path", or "unix:/path:/uri" when uri_part */
static hx_int_t
hx_parse_unix_url(hx_pool_t *pool, hx_url_t *u)
{
    uint8_t             *path, *last, *colon;
    size_t               len;
    hx_addr_t           *addr;
    struct sockaddr_un  *saun;

    path = u->url.data + 5;
    last = u->url.data + u->url.len;

    if (u->uri_part) {
        colon = hx_strlchr(path, last, ':');

        if (colon) {
            u->uri.len = last - colon - 1;
            u->uri.data = colon + 1;
            last = colon;
        }
    }

    len = last - path;

    if (len == 0) {
        u->err = "no path in the unix domain socket";
        return HX_ERROR;
    }

    if (len + 1 > sizeof(saun->sun_path)) {
        u->err = "too long path in the unix domain socket";
        return HX_ERROR;
    }

    u->host.len = len;
    u->host.data = path;
    u->family = AF_UNIX;
    u->socklen = sizeof(struct sockaddr_un);

    hx_memzero(&u->sockaddr, sizeof(hx_sockaddr_t));
    saun = &u->sockaddr.sockaddr_un;
    saun->sun_family = AF_UNIX;
    hx_memcpy(saun->sun_path, path, len);

    addr = hx_pcalloc(pool, sizeof(hx_addr_t));
    saun = hx_palloc(pool, sizeof(struct sockaddr_un));

    if (addr == NULL || saun == NULL) {
        return HX_ERROR;
    }

    hx_memcpy(saun, &u->sockaddr.sockaddr_un, sizeof(struct sockaddr_un));

    addr->sockaddr = (struct sockaddr *) saun;
    addr->socklen = sizeof(struct sockaddr_un);
    addr->name.len = last - u->url.data;
    addr->name.data = u->url.data;

    u->addrs = addr;
    u->naddrs = 1;

    return HX_OK;
}


static hx_int_t
hx_parse_inet_url(hx_pool_t *pool, hx_url_t *u)
{
    uint8_t             *host, *last, *colon, *uri, *args;
    hx_int_t             rc;
    struct sockaddr_in  *sin;

    hx_memzero(&u->sockaddr, sizeof(hx_sockaddr_t));
    sin = &u->sockaddr.sockaddr_in;
    sin->sin_family = AF_INET;
    u->family = AF_INET;
    u->socklen = sizeof(struct sockaddr_in);

    host = u->url.data;
    last = host + u->url.len;

    uri = hx_strlchr(host, last, '/');
    args = hx_strlchr(host, last, '?');

    if (args && (uri == NULL || args < uri)) {
        uri = args;
    }

    if (uri) {
        if (u->listen || !u->uri_part) {
            u->err = "invalid host";
            return HX_ERROR;
        }

        u->uri.len = last - uri;
        u->uri.data = uri;
        last = uri;
    }

    colon = hx_strlchr(host, last, ':');

    if (colon) {
        if (hx_url_port(u, colon + 1, last) != HX_OK) {
            return HX_ERROR;
        }

        last = colon;

    } else if (u->listen && hx_url_is_port(host, last)) {
        /* "listen 80" and "listen 8000-8010" */
        if (hx_url_port(u, host, last) != HX_OK) {
            return HX_ERROR;
        }

        sin->sin_port = htons(u->port);
        u->wildcard = 1;

        return hx_url_add_addr(pool, u, &u->sockaddr.sockaddr, u->socklen,
                               1);

    } else {
        u->no_port = 1;
        u->port = u->default_port;
        u->last_port = 0;
    }

    sin->sin_port = htons(u->port);

    if (last == host) {
        u->err = "no host";
        return HX_ERROR;
    }

    u->host.len = last - host;
    u->host.data = host;

    if (u->listen && u->host.len == 1 && host[0] == '*') {
        sin->sin_addr.s_addr = INADDR_ANY;
        u->wildcard = 1;

        return hx_url_add_addr(pool, u, &u->sockaddr.sockaddr, u->socklen,
                               1);
    }

    if (hx_inet_parse4(host, u->host.len, &sin->sin_addr.s_addr) == HX_OK) {
        u->wildcard = (sin->sin_addr.s_addr == INADDR_ANY);

        return hx_url_add_addr(pool, u, &u->sockaddr.sockaddr, u->socklen,
                               1);
    }

    if (u->no_resolve) {
        return HX_OK;
    }

    rc = hx_inet_resolve_host(pool, u);

    if (rc != HX_OK) {
        return rc;
    }

    u->family = u->addrs[0].sockaddr->sa_family;
    u->socklen = u->addrs[0].socklen;
    hx_memcpy(&u->sockaddr, u->addrs[0].sockaddr, u->addrs[0].socklen);
    u->wildcard = hx_inet_wildcard(&u->sockaddr.sockaddr);

    return HX_OK;
}


static hx_int_t
hx_parse_inet6_url(hx_pool_t *pool, hx_url_t *u)
{
    uint8_t              *host, *last, *bracket, *after, *uri, *args;
    struct sockaddr_in6  *sin6;

    hx_memzero(&u->sockaddr, sizeof(hx_sockaddr_t));
    sin6 = &u->sockaddr.sockaddr_in6;
    sin6->sin6_family = AF_INET6;
    u->family = AF_INET6;
    u->socklen = sizeof(struct sockaddr_in6);

    host = u->url.data + 1;
    last = u->url.data + u->url.len;

    bracket = hx_strlchr(host, last, ']');

    if (bracket == NULL) {
        u->err = "invalid host";
        return HX_ERROR;
    }

    after = bracket + 1;

    uri = hx_strlchr(after, last, '/');
    args = hx_strlchr(after, last, '?');

    if (args && (uri == NULL || args < uri)) {
        uri = args;
    }

    if (uri) {
        if (u->listen || !u->uri_part) {
            u->err = "invalid host";
            return HX_ERROR;
        }

        u->uri.len = last - uri;
        u->uri.data = uri;
        last = uri;
    }

    if (after < last) {
        if (*after != ':') {
            u->err = "invalid host";
            return HX_ERROR;
        }

        if (hx_url_port(u, after + 1, last) != HX_OK) {
            return HX_ERROR;
        }

    } else {
        u->no_port = 1;
        u->port = u->default_port;
        u->last_port = 0;
    }

    sin6->sin6_port = htons(u->port);

    if (bracket == host) {
        u->err = "no host";
        return HX_ERROR;
    }

    /* the host keeps its brackets, as "Host:" and "proxy_set_header" want */
    u->host.len = bracket + 1 - u->url.data;
    u->host.data = u->url.data;

    if (hx_inet6_addr(host, bracket - host, sin6->sin6_addr.s6_addr)
        != HX_OK)
    {
        u->err = "invalid IPv6 address";
        return HX_ERROR;
    }

    u->wildcard = IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr) ? 1 : 0;

    return hx_url_add_addr(pool, u, &u->sockaddr.sockaddr, u->socklen, 1);
}


/*
 * The port of a url, [p, last): 1-65535, or with u->listen a range
 * "first-last" with first <= last.  Sets port, last_port (0 without a
 * range) and port_text; HX_ERROR with u->err set.
 */
static hx_int_t
hx_url_port(hx_url_t *u, uint8_t *p, uint8_t *last)
{
    uint8_t   *dash;
    hx_int_t   n, to;

    dash = u->listen ? hx_strlchr(p, last, '-') : NULL;
    to = 0;

    if (dash) {
        to = hx_atoi(dash + 1, last - dash - 1);

        if (to < 1 || to > 65535) {
            u->err = "invalid port";
            return HX_ERROR;
        }
    }

    n = hx_atoi(p, (dash ? dash : last) - p);

    if (n < 1 || n > 65535) {
        u->err = "invalid port";
        return HX_ERROR;
    }

    if (dash && n > to) {
        u->err = "invalid port range";
        return HX_ERROR;
    }

    u->port = (in_port_t) n;
    u->last_port = (in_port_t) to;
    u->port_text.len = last - p;
    u->port_text.data = p;

    return HX_OK;
}


/*
 * Whether a listen value without ':' is a port rather than a host:
 * digits, or digits '-' digits.  "8080" is a port; "backend-1" a host.
 */
static hx_uint_t
hx_url_is_port(uint8_t *p, uint8_t *last)
{
    hx_uint_t  digits, dashes;

    digits = 0;
    dashes = 0;

    for ( /* void */ ; p < last; p++) {
        if (*p >= '0' && *p <= '9') {
            digits++;

        } else if (*p == '-' && digits > 0 && dashes == 0) {
            dashes++;
            digits = 0;

        } else {
            return 0;
        }
    }

    return digits > 0;
}


/*
 * Appends sa to u->addrs, once per port of the range, with the port set
 * and the name printed.  total is the number of addresses the caller will
 * add, so the array is allocated once.
 */
static hx_int_t
hx_url_add_addr(hx_pool_t *pool, hx_url_t *u, struct sockaddr *sa,
    socklen_t socklen, hx_uint_t total)
{
    size_t            len;
    uint8_t          *p;
    hx_uint_t         i, nports;
    hx_addr_t        *addr;
    struct sockaddr  *copy;

    nports = u->last_port ? (hx_uint_t) (u->last_port - u->port) + 1 : 1;

    if (u->addrs == NULL) {
        u->addrs = hx_palloc(pool, total * nports * sizeof(hx_addr_t));
        if (u->addrs == NULL) {
            return HX_ERROR;
        }
    }

    for (i = 0; i < nports; i++) {
        copy = hx_pcalloc(pool, socklen);
        if (copy == NULL) {
            return HX_ERROR;
        }

        hx_memcpy(copy, sa, socklen);
        hx_inet_set_port(copy, (in_port_t) (u->port + i));

        len = HX_INET6_ADDRSTRLEN + sizeof("[]:65535") - 1;

        p = hx_pnalloc(pool, len);
        if (p == NULL) {
            return HX_ERROR;
        }

        addr = &u->addrs[u->naddrs++];

        addr->sockaddr = copy;
        addr->socklen = socklen;
        addr->name.len = hx_sock_ntop(copy, socklen, p, len, 1);
        addr->name.data = p;
    }

    return HX_OK;
}

/*
 * Socket addresses: parsing what configurations write ("127.0.0.1:80",
 * "[::1]:8080", "*:80", "80", "unix:/path", "example.com:8080" resolved at
 * start), printing addresses, CIDR masks for allow/deny, set_real_ip_from
 * and geo, and comparing addresses.
 */

#ifndef HX_CORE_HX_INET_H
#define HX_CORE_HX_INET_H


#define HX_INET_ADDRSTRLEN   (sizeof("255.255.255.255") - 1)
#define HX_INET6_ADDRSTRLEN                                                   \
    (sizeof("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255") - 1)
#define HX_UNIX_ADDRSTRLEN                                                    \
    (sizeof("unix:") - 1 +                                                    \
     sizeof(struct sockaddr_un) - offsetof(struct sockaddr_un, sun_path))
#define HX_SOCKADDR_STRLEN   (HX_UNIX_ADDRSTRLEN)
#define HX_SOCKADDRLEN       sizeof(hx_sockaddr_t)


typedef union {
    struct sockaddr           sockaddr;
    struct sockaddr_in        sockaddr_in;
    struct sockaddr_in6       sockaddr_in6;
    struct sockaddr_un        sockaddr_un;
} hx_sockaddr_t;


typedef struct {
    in_addr_t                 addr;
    in_addr_t                 mask;
} hx_in_cidr_t;


typedef struct {
    struct in6_addr           addr;
    struct in6_addr           mask;
} hx_in6_cidr_t;


typedef struct {
    hx_uint_t                 family;
    union {
        hx_in_cidr_t          in;
        hx_in6_cidr_t         in6;
    } u;
} hx_cidr_t;


typedef struct {
    struct sockaddr          *sockaddr;
    socklen_t                 socklen;
    hx_str_t                  name;
} hx_addr_t;


/*
 * What hx_parse_url() takes and gives.  Set url, default_port and the
 * flags; get host, port, and the resolved addrs (all of them when
 * no_resolve is 0).  err is a static message on failure.
 */
typedef struct {
    hx_str_t                  url;
    hx_str_t                  host;
    hx_str_t                  port_text;
    hx_str_t                  uri;

    in_port_t                 port;
    in_port_t                 default_port;
    in_port_t                 last_port;   /* "listen 8000-8010" */
    int                       family;

    unsigned                  listen:1;    /* "80" and "*:80" allowed */
    unsigned                  uri_part:1;  /* "host:port/uri" allowed */
    unsigned                  no_resolve:1;

    unsigned                  no_port:1;
    unsigned                  wildcard:1;

    socklen_t                 socklen;
    hx_sockaddr_t             sockaddr;

    hx_addr_t                *addrs;
    hx_uint_t                 naddrs;

    char                     *err;
} hx_url_t;


in_addr_t hx_inet_addr(uint8_t *text, size_t len);       /* INADDR_NONE */
hx_int_t hx_inet6_addr(uint8_t *p, size_t len, uint8_t *addr);
size_t hx_inet6_ntop(uint8_t *p, uint8_t *text, size_t len);

/* the address (and ":port" when port is set) of sa into text */
size_t hx_sock_ntop(struct sockaddr *sa, socklen_t socklen, uint8_t *text,
    size_t len, hx_uint_t port);
size_t hx_inet_ntop(int family, void *addr, uint8_t *text, size_t len);

/* "10.0.0.0/8", "::1", "all"; HX_DONE when host bits were set (nginx warns) */
hx_int_t hx_ptocidr(hx_str_t *text, hx_cidr_t *cidr);
hx_int_t hx_cidr_match(struct sockaddr *sa, hx_array_t *cidrs);

/* a bare address without port; HX_DECLINED when it is not one */
hx_int_t hx_parse_addr(hx_pool_t *pool, hx_addr_t *addr, uint8_t *text,
    size_t len);
/* an address with an optional port ("127.0.0.1:80", "[::1]") */
hx_int_t hx_parse_addr_port(hx_pool_t *pool, hx_addr_t *addr, uint8_t *text,
    size_t len);

hx_int_t hx_parse_url(hx_pool_t *pool, hx_url_t *u);
hx_int_t hx_inet_resolve_host(hx_pool_t *pool, hx_url_t *u);

/* HX_OK when equal (address, and port when cmp_port) */
hx_int_t hx_cmp_sockaddr(struct sockaddr *sa1, socklen_t slen1,
    struct sockaddr *sa2, socklen_t slen2, hx_uint_t cmp_port);
in_port_t hx_inet_get_port(struct sockaddr *sa);
void hx_inet_set_port(struct sockaddr *sa, in_port_t port);
hx_uint_t hx_inet_wildcard(struct sockaddr *sa);

#endif /* HX_CORE_HX_INET_H */

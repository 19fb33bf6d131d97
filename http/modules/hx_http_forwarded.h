/*
 * The client address behind trusted proxies, shared by realip and geo:
 * walks an X-Forwarded-For style list (or one address) from the right,
 * as long as the address so far belongs to a trusted network.
 */

#ifndef HX_HTTP_MODULES_HX_HTTP_FORWARDED_H
#define HX_HTTP_MODULES_HX_HTTP_FORWARDED_H


/*
 * Replaces *addr (initially the peer's address) with the address the
 * trusted proxies forwarded.  headers is a chain of header lines (by
 * ->next, in arrival order) or NULL, in which case value holds the one
 * candidate (X-Real-IP, a PROXY protocol source).  proxies is an array
 * of hx_cidr_t (family AF_UNIX for "unix:").  With recursive set, each
 * address that is itself a trusted proxy is skipped in favour of the one
 * before it, across header lines too.
 *
 * HX_OK (addr replaced, allocated from r->pool), HX_DONE (replaced; the
 * walk stopped at an untrusted or unparsable entry), or HX_DECLINED
 * (the peer is not trusted or the value holds no address).
 */
hx_int_t hx_http_get_forwarded_addr(hx_http_request_t *r, hx_addr_t *addr,
    hx_table_elt_t *headers, hx_str_t *value, hx_array_t *proxies,
    hx_uint_t recursive);

/* hx_cidr_match() that also knows "unix:" entries (family AF_UNIX) */
hx_int_t hx_http_forwarded_cidr_match(struct sockaddr *sa,
    hx_array_t *proxies);

/*
 * Parses "unix:", a CIDR or address, or a host name (resolved now, each
 * address a full-mask entry) and appends the entries to *cidrs (created
 * on first use).  Logs and returns HX_ERROR on failure.  directive names
 * the directive in messages.
 */
hx_int_t hx_http_forwarded_add_cidr(hx_conf_t *cf, hx_array_t **cidrs,
    hx_str_t *value, char *directive);

#endif /* HX_HTTP_MODULES_HX_HTTP_FORWARDED_H */

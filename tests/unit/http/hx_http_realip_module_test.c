/*
 * Tests for http/modules/hx_http_realip_module.c and the X-Forwarded-For
 * walk it shares with geo (hx_http_forwarded.c): which address a trusted
 * proxy chain yields, with and without recursion and across several
 * header lines; the handler replacing the connection's address only for
 * trusted peers, and the request pool's end giving it back; the
 * $realip_remote_* variables; and set_real_ip_from's parsing.
 */

#include "hx_http_modules_fixture.h"
#include <hx_proxy_protocol.h>
#include <hx_http_forwarded.h>

#define hx_http_realip_module  hxh_realip_copy
#include "hx_http_realip_module.c"
#undef hx_http_realip_module

extern hx_module_t  hx_http_realip_module;


TestSuite(http_realip, .init = hxh_init);


#define HXH_SRV  "http { server { listen 127.0.0.1:9000;\n"


static void
hxh_realip_parse_ok(const char *text)
{
    hxh_parse_ok(text);
    hxh_realip_copy.ctx_index = hx_http_realip_module.ctx_index;
}


/* the trusted networks 127.0.0.1/32 and 10.0.1.0/24 */
static hx_array_t *
hxh_proxies(void)
{
    hx_str_t     s;
    hx_array_t  *a;

    a = NULL;

    hx_str_set(&s, "127.0.0.1/32");
    cr_assert_eq(hx_http_forwarded_add_cidr(&hxh_cf, &a, &s, "t"), HX_OK);
    hx_str_set(&s, "10.0.1.0/24");
    cr_assert_eq(hx_http_forwarded_add_cidr(&hxh_cf, &a, &s, "t"), HX_OK);

    return a;
}


/* the address the walk ends at, as text */
static char *
hxh_forwarded(hx_http_request_t *r, hx_table_elt_t *h, hx_uint_t recursive,
    hx_int_t *rcp)
{
    char        *text;
    hx_addr_t    addr;

    addr.sockaddr = r->connection->sockaddr;
    addr.socklen = r->connection->socklen;

    *rcp = hx_http_get_forwarded_addr(r, &addr, h, NULL, hxh_proxies(),
                                      recursive);

    text = (char *) hx_pcalloc(r->pool, HX_SOCKADDR_STRLEN + 1);
    hx_sock_ntop(addr.sockaddr, addr.socklen, (uint8_t *) text,
                 HX_SOCKADDR_STRLEN, 0);

    return text;
}


Test(http_realip, without_recursion_the_rightmost_address_wins)
{
    hx_int_t            rc;
    hx_http_request_t  *r;

    hxh_parse_ok(HXH_SRV "} }\n");

    r = hxh_request("127.0.0.1:1", "/", NULL);

    cr_assert_str_eq(hxh_forwarded(r, hxh_header(r, "X-Forwarded-For",
                                   "192.0.2.1, 10.0.1.1, 127.0.0.1"), 0, &rc),
                     "127.0.0.1");
    cr_assert_eq(rc, HX_OK);
}


Test(http_realip, recursion_skips_trusted_addresses)
{
    hx_int_t            rc;
    hx_http_request_t  *r;

    hxh_parse_ok(HXH_SRV "} }\n");

    r = hxh_request("127.0.0.1:1", "/", NULL);

    cr_assert_str_eq(hxh_forwarded(r, hxh_header(r, "X-Forwarded-For",
                                   "10.0.1.1, 192.0.2.1, 127.0.0.1"), 1, &rc),
                     "192.0.2.1");
    cr_assert_eq(rc, HX_DONE);

    /* all trusted: the leftmost */
    r = hxh_request("127.0.0.1:1", "/", NULL);

    cr_assert_str_eq(hxh_forwarded(r, hxh_header(r, "X-Forwarded-For",
                                   "10.0.1.5 ,127.0.0.1"), 1, &rc),
                     "10.0.1.5");
    cr_assert_eq(rc, HX_OK);
}


Test(http_realip, several_lines_are_read_last_first)
{
    hx_int_t            rc;
    hx_table_elt_t     *a, *b, *c;
    hx_http_request_t  *r;

    hxh_parse_ok(HXH_SRV "} }\n");

    r = hxh_request("127.0.0.1:1", "/", NULL);
    a = hxh_header(r, "X-Forwarded-For", "10.0.1.1");
    b = hxh_header(r, "X-Forwarded-For", "192.0.2.1");
    c = hxh_header(r, "X-Forwarded-For", "127.0.0.1");
    a->next = b;
    b->next = c;

    cr_assert_str_eq(hxh_forwarded(r, a, 1, &rc), "192.0.2.1");

    r = hxh_request("127.0.0.1:1", "/", NULL);
    a = hxh_header(r, "X-Forwarded-For", "192.0.2.1");
    b = hxh_header(r, "X-Forwarded-For", "127.0.0.1, 10.0.1.1");
    a->next = b;

    cr_assert_str_eq(hxh_forwarded(r, a, 0, &rc), "10.0.1.1");
}


Test(http_realip, an_untrusted_peer_changes_nothing)
{
    hx_int_t            rc;
    hx_http_request_t  *r;

    hxh_parse_ok(HXH_SRV "} }\n");

    r = hxh_request("192.0.2.9:1", "/", NULL);

    cr_assert_str_eq(hxh_forwarded(r, hxh_header(r, "X-Forwarded-For",
                                   "10.9.9.9"), 1, &rc), "192.0.2.9");
    cr_assert_eq(rc, HX_DECLINED);
}


Test(http_realip, garbage_leaves_the_last_good_address)
{
    hx_int_t            rc;
    hx_http_request_t  *r;

    hxh_parse_ok(HXH_SRV "} }\n");

    r = hxh_request("127.0.0.1:1", "/", NULL);

    cr_assert_str_eq(hxh_forwarded(r, hxh_header(r, "X-Forwarded-For",
                                   "nonsense, 10.0.1.3"), 1, &rc),
                     "10.0.1.3");
    cr_assert_eq(rc, HX_DONE);

    r = hxh_request("127.0.0.1:1", "/", NULL);

    cr_assert_str_eq(hxh_forwarded(r, hxh_header(r, "X-Forwarded-For",
                                   ""), 1, &rc), "127.0.0.1");
    cr_assert_eq(rc, HX_DECLINED);
}


Test(http_realip, the_handler_swaps_the_address_until_the_pool_ends)
{
    hx_pool_t          *pool;
    hx_connection_t    *c;
    struct sockaddr    *peer;
    hx_http_request_t  *r;

    hxh_realip_parse_ok("http { set_real_ip_from 127.0.0.1;\n"
                        "server { listen 127.0.0.1:9000;\n"
                        "location / { } } }\n");

    r = hxh_request("127.0.0.1:4444", "/", NULL);
    r->headers_in.x_real_ip = hxh_header(r, "X-Real-IP", "192.0.2.1");
    c = r->connection;
    peer = c->sockaddr;

    cr_assert_eq(hx_http_realip_handler(r), HX_DECLINED);

    cr_assert_eq(c->addr_text.len, 9);
    cr_assert(memcmp(c->addr_text.data, "192.0.2.1", 9) == 0);
    cr_assert_str_eq(hxh_var(r, "realip_remote_addr"), "127.0.0.1");
    cr_assert_str_eq(hxh_var(r, "realip_remote_port"), "4444");

    /* the second run (preaccess) does nothing more */
    cr_assert_eq(hx_http_realip_handler(r), HX_DECLINED);

    /* the connection outlives the request and gets its peer back */
    pool = r->pool;
    hx_destroy_pool(pool);

    cr_assert_eq(c->sockaddr, peer);
    cr_assert_eq(c->addr_text.len, 9);
    cr_assert(memcmp(c->addr_text.data, "127.0.0.1", 9) == 0);
}


Test(http_realip, a_custom_header_and_an_untrusted_peer)
{
    hx_http_request_t  *r;

    hxh_realip_parse_ok("http { set_real_ip_from 127.0.0.1;\n"
                        "real_ip_header X-Client;\n"
                        "server { listen 127.0.0.1:9000;\n"
                        "location / { } } }\n");

    r = hxh_request("127.0.0.1:4444", "/", NULL);
    hxh_header(r, "x-client", "192.0.2.5");

    cr_assert_eq(hx_http_realip_handler(r), HX_DECLINED);
    cr_assert_str_eq(hxh_var(r, "remote_addr"), "192.0.2.5");

    r = hxh_request("10.0.0.1:4444", "/", NULL);
    hxh_header(r, "X-Client", "192.0.2.5");

    cr_assert_eq(hx_http_realip_handler(r), HX_DECLINED);
    cr_assert_str_eq(hxh_var(r, "remote_addr"), "10.0.0.1");
}


Test(http_realip, the_proxy_protocol_source_with_its_port)
{
    hx_proxy_protocol_t   pp;
    hx_http_request_t    *r;

    hxh_realip_parse_ok("http { set_real_ip_from 127.0.0.1;\n"
                        "real_ip_header proxy_protocol;\n"
                        "server { listen 127.0.0.1:9000;\n"
                        "location / { } } }\n");

    /* no PROXY header on the connection: nothing changes */
    r = hxh_request("127.0.0.1:4444", "/", NULL);
    cr_assert_eq(hx_http_realip_handler(r), HX_DECLINED);
    cr_assert_str_eq(hxh_var(r, "remote_addr"), "127.0.0.1");

    hx_memzero(&pp, sizeof(pp));
    hx_str_set(&pp.src_addr, "192.0.2.9");
    pp.src_port = 4242;

    r = hxh_request("127.0.0.1:4444", "/", NULL);
    r->connection->proxy_protocol = &pp;

    cr_assert_eq(hx_http_realip_handler(r), HX_DECLINED);
    cr_assert_str_eq(hxh_var(r, "remote_addr"), "192.0.2.9");
    cr_assert_str_eq(hxh_var(r, "remote_port"), "4242");
    cr_assert_str_eq(hxh_var(r, "realip_remote_port"), "4444");
}


Test(http_realip, without_realip_the_variables_show_the_peer)
{
    hx_http_request_t  *r;

    hxh_realip_parse_ok(HXH_SRV "} }\n");

    r = hxh_request("127.0.0.1:5555", "/", NULL);

    cr_assert_str_eq(hxh_var(r, "realip_remote_addr"), "127.0.0.1");
    cr_assert_str_eq(hxh_var(r, "realip_remote_port"), "5555");
}


Test(http_realip, unix_and_host_names_are_trusted_networks)
{
    hx_str_t     s;
    hx_cidr_t   *cidr;
    hx_array_t  *a;

    hxh_parse_ok(HXH_SRV "} }\n");

    a = NULL;

    hx_str_set(&s, "unix:");
    cr_assert_eq(hx_http_forwarded_add_cidr(&hxh_cf, &a, &s, "t"), HX_OK);
    hx_str_set(&s, "localhost");
    cr_assert_eq(hx_http_forwarded_add_cidr(&hxh_cf, &a, &s, "t"), HX_OK);

    cidr = a->elts;
    cr_assert_eq(cidr[0].family, AF_UNIX);
    cr_assert_geq(a->nelts, 2);

    cr_assert_eq(hx_http_forwarded_cidr_match(
                     hxh_request("unix:", "/", NULL)->connection->sockaddr,
                     a), HX_OK);
    cr_assert_eq(hx_http_forwarded_cidr_match(
                     hxh_request("127.0.0.1:1", "/", NULL)
                     ->connection->sockaddr, a), HX_OK);
    cr_assert_eq(hx_http_forwarded_cidr_match(
                     hxh_request("192.0.2.1:1", "/", NULL)
                     ->connection->sockaddr, a), HX_DECLINED);
}


Test(http_realip, a_bad_network_is_refused)
{
    hxh_parse_fails("http { set_real_ip_from no.such.host.invalid; }\n",
                    "host not found in set_real_ip_from "
                    "\"no.such.host.invalid\"");
}


Test(http_realip, real_ip_header_twice_is_refused)
{
    hxh_parse_fails("http { real_ip_header X-A; real_ip_header X-B; }\n",
                    "\"real_ip_header\" directive is duplicate");
}

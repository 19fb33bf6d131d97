/*
 * Tests for stream/hx_stream_variables.c: every core variable's value on
 * a session whose connection has no socket (addresses given as text),
 * lookups by index and by name, caching and its exceptions, and the
 * declaration rules (duplicates, prefix families, unknown names) on a
 * stream conf context made fresh for the test.
 */

#include "hx_stream_fixture.h"

#include <regex.h>


TestSuite(stream_vars, .init = hxs_init);


/* a session on the one server of a parsed block listening on "listen" */
static hx_stream_session_t *
session(const char *listen, int type, const char *client, const char *local)
{
    char  conf[256];

    snprintf(conf, sizeof(conf),
             "stream { server { listen %s%s; return x; } }\n", listen,
             type == SOCK_DGRAM ? " udp" : "");

    hxs_parse_ok(conf);

    cr_assert_eq(hxs_cycle.listening.nelts, 1);

    return hxs_fake_session(hxs_cycle.listening.elts, client, local);
}


/* the value of $name, looked up by name as map or "set" would */
static hx_stream_variable_value_t *
var(hx_stream_session_t *s, const char *name)
{
    hx_str_t                     n;
    hx_stream_variable_value_t  *vv;

    n.len = strlen(name);
    n.data = (uint8_t *) name;

    vv = hx_stream_get_variable(s, &n, hx_hash_key(n.data, n.len));
    cr_assert_not_null(vv, "$%s failed", name);

    return vv;
}


static void
assert_var(hx_stream_session_t *s, const char *name, const char *expected)
{
    hx_stream_variable_value_t  *vv;

    vv = var(s, name);

    cr_assert_not(vv->not_found, "$%s not found", name);
    cr_assert_eq(vv->len, strlen(expected), "$%s is \"%.*s\", not \"%s\"",
                 name, (int) vv->len, vv->data, expected);
    cr_assert_eq(memcmp(vv->data, expected, vv->len), 0,
                 "$%s is \"%.*s\", not \"%s\"",
                 name, (int) vv->len, vv->data, expected);
}


/* whether the value of $name matches the extended regex re */
static void
assert_var_like(hx_stream_session_t *s, const char *name, const char *re)
{
    char                         buf[256];
    regex_t                      preg;
    hx_stream_variable_value_t  *vv;

    vv = var(s, name);

    cr_assert_lt(vv->len, sizeof(buf));
    memcpy(buf, vv->data, vv->len);
    buf[vv->len] = '\0';

    cr_assert_eq(regcomp(&preg, re, REG_EXTENDED|REG_NOSUB), 0);
    cr_assert_eq(regexec(&preg, buf, 0, NULL, 0), 0,
                 "$%s is \"%s\", not like /%s/", name, buf, re);
    regfree(&preg);
}


Test(stream_vars, client_and_server_addresses_and_ports)
{
    hx_stream_session_t  *s;

    s = session("127.0.0.1:9000", SOCK_STREAM, "10.1.2.3:40000",
                "127.0.0.1:9000");

    assert_var(s, "remote_addr", "10.1.2.3");
    assert_var(s, "remote_port", "40000");
    assert_var(s, "server_addr", "127.0.0.1");
    assert_var(s, "server_port", "9000");
}


Test(stream_vars, ipv6_addresses_print_without_brackets)
{
    hx_stream_session_t  *s;

    s = session("[::1]:9000", SOCK_STREAM, "[::1]:40000", "[::1]:9000");

    assert_var(s, "server_addr", "::1");
    assert_var(s, "server_port", "9000");
    assert_var(s, "remote_port", "40000");
}


Test(stream_vars, binary_remote_addr_is_the_raw_address)
{
    hx_stream_session_t         *s;
    hx_stream_variable_value_t  *vv;
    static const uint8_t         v6[16] = {
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
    };

    s = session("127.0.0.1:9000", SOCK_STREAM, "10.1.2.3:40000",
                "127.0.0.1:9000");

    vv = var(s, "binary_remote_addr");
    cr_assert_eq(vv->len, 4);
    cr_assert_eq(memcmp(vv->data, "\x0a\x01\x02\x03", 4), 0);

    s = hxs_fake_session(hxs_cycle.listening.elts, "[2001:db8::1]:40000",
                         "127.0.0.1:9000");

    vv = var(s, "binary_remote_addr");
    cr_assert_eq(vv->len, 16);
    cr_assert_eq(memcmp(vv->data, v6, 16), 0);
}


Test(stream_vars, protocol_follows_the_socket_type)
{
    hx_stream_session_t  *s;

    s = session("127.0.0.1:9000", SOCK_STREAM, "10.1.2.3:1", "127.0.0.1:9000");
    assert_var(s, "protocol", "TCP");

    hxs_init();

    s = session("127.0.0.1:9000", SOCK_DGRAM, "10.1.2.3:1", "127.0.0.1:9000");
    assert_var(s, "protocol", "UDP");
}


Test(stream_vars, status_is_three_digits_and_follows_the_session)
{
    hx_stream_session_t  *s;

    s = session("127.0.0.1:9000", SOCK_STREAM, "10.1.2.3:1", "127.0.0.1:9000");

    assert_var(s, "status", "000");

    s->status = HX_STREAM_OK;
    assert_var(s, "status", "200");

    s->status = HX_STREAM_SERVICE_UNAVAILABLE;
    assert_var(s, "status", "503");
}


Test(stream_vars, byte_counters_are_read_when_used)
{
    hx_stream_session_t  *s;

    s = session("127.0.0.1:9000", SOCK_STREAM, "10.1.2.3:1", "127.0.0.1:9000");

    assert_var(s, "bytes_sent", "0");
    assert_var(s, "bytes_received", "0");

    s->connection->sent = 5000000000LL;
    s->received = 17;

    assert_var(s, "bytes_sent", "5000000000");
    assert_var(s, "bytes_received", "17");
}


Test(stream_vars, connection_serial_version_hostname_and_pid)
{
    char                  pid[32];
    hx_stream_session_t  *s;

    s = session("127.0.0.1:9000", SOCK_STREAM, "10.1.2.3:1", "127.0.0.1:9000");

    snprintf(pid, sizeof(pid), "%d", (int) getpid());

    assert_var(s, "connection", "42");
    assert_var(s, "nginx_version", HX_NGINX_VERSION);
    assert_var(s, "hostname", "testhost");
    assert_var(s, "pid", pid);
    assert_var(s, "server_name", "");
}


Test(stream_vars, time_variables_have_nginx_formats)
{
    hx_stream_session_t  *s;

    s = session("127.0.0.1:9000", SOCK_STREAM, "10.1.2.3:1", "127.0.0.1:9000");

    assert_var_like(s, "msec", "^[0-9]{10,}\\.[0-9]{3}$");
    assert_var_like(s, "session_time", "^[0-9]+\\.[0-9]{3}$");
    assert_var_like(s, "time_local",
                    "^[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:"
                    "[0-9]{2} [-+][0-9]{4}$");
    assert_var_like(s, "time_iso8601",
                    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:"
                    "[0-9]{2}[-+][0-9]{2}:[0-9]{2}$");
}


Test(stream_vars, session_time_counts_from_the_session_start)
{
    hx_stream_session_t  *s;

    s = session("127.0.0.1:9000", SOCK_STREAM, "10.1.2.3:1", "127.0.0.1:9000");

    s->start_sec = hx_time() - 3;
    s->start_msec = (hx_timeofday())->msec;

    assert_var(s, "session_time", "3.000");
}


Test(stream_vars, an_unknown_name_is_not_found_at_run_time)
{
    hx_stream_session_t  *s;

    s = session("127.0.0.1:9000", SOCK_STREAM, "10.1.2.3:1", "127.0.0.1:9000");

    cr_assert(var(s, "no_such_variable")->not_found);
}


Test(stream_vars, an_indexed_value_is_kept_unless_not_cacheable)
{
    hx_int_t                     port, sent;
    hx_stream_session_t         *s;
    hx_stream_variable_value_t  *vv;

    hxs_parse_ok("stream { server { listen 127.0.0.1:9000; "
                 "return $remote_port$bytes_sent; } }\n");

    s = hxs_fake_session(hxs_cycle.listening.elts, "10.1.2.3:1111",
                         "127.0.0.1:9000");

    port = 0;
    sent = 1;

    vv = hx_stream_get_flushed_variable(s, port);
    cr_assert_eq(vv->len, 4);

    /* a cached value stays even when the source changes */

    ((struct sockaddr_in *) s->connection->sockaddr)->sin_port = htons(2);
    vv = hx_stream_get_flushed_variable(s, port);
    cr_assert_eq(vv->len, 4);

    vv = hx_stream_get_flushed_variable(s, sent);
    cr_assert_eq(vv->data[0], '0');

    s->connection->sent = 9;
    vv = hx_stream_get_flushed_variable(s, sent);
    cr_assert_eq(vv->data[0], '9');
    cr_assert(vv->no_cacheable);

    cr_assert_null(hx_stream_get_indexed_variable(s, 2));
    cr_assert(hxs_logged_has("unknown variable index: 2"), "%s", hxs_logged);
}


/*
 * A stream conf context of its own, with the core module's main conf and
 * the core variables declared, as the block has them before parsing.
 */
static hx_conf_t
fresh_stream_conf(void)
{
    hx_conf_t              cf;
    hx_stream_module_t    *m;
    hx_stream_conf_ctx_t  *ctx;

    if (hxs_cycle.conf_ctx[hx_stream_module.index] == NULL) {
        hxs_parse_ok("stream { }\n");
    }

    ctx = hx_pcalloc(hxs_cycle.pool, sizeof(hx_stream_conf_ctx_t));
    cr_assert_not_null(ctx);
    ctx->main_conf = hx_pcalloc(hxs_cycle.pool,
                                hx_stream_max_module * sizeof(void *));
    cr_assert_not_null(ctx->main_conf);

    cf = hxs_cf;
    cf.ctx = ctx;

    m = hx_stream_core_module.ctx;
    ctx->main_conf[hx_stream_core_module.ctx_index] = m->create_main_conf(&cf);
    cr_assert_not_null(ctx->main_conf[hx_stream_core_module.ctx_index]);
    cr_assert_eq(m->init_main_conf(&cf,
                     ctx->main_conf[hx_stream_core_module.ctx_index]),
                 HX_CONF_OK);

    cr_assert_eq(hx_stream_variables_add_core_vars(&cf), HX_OK);

    return cf;
}


Test(stream_vars, declaring_a_core_variable_again_is_a_duplicate)
{
    hx_str_t   name = hx_string("Remote_Addr");
    hx_conf_t  cf;

    cf = fresh_stream_conf();

    cr_assert_null(hx_stream_add_variable(&cf, &name, 0));
    cr_assert(hxs_logged_has("the duplicate \"Remote_Addr\" variable"),
              "%s", hxs_logged);
}


Test(stream_vars, a_changeable_variable_may_be_declared_twice)
{
    hx_str_t               name = hx_string("mine");
    hx_conf_t              cf;
    hx_stream_variable_t  *v1, *v2;

    cf = fresh_stream_conf();

    v1 = hx_stream_add_variable(&cf, &name,
                                HX_STREAM_VAR_CHANGEABLE|HX_STREAM_VAR_WEAK);
    cr_assert_not_null(v1);

    v2 = hx_stream_add_variable(&cf, &name, HX_STREAM_VAR_CHANGEABLE);
    cr_assert_eq(v1, v2);
    cr_assert_not(v2->flags & HX_STREAM_VAR_WEAK);
}


static hx_int_t
prefix_handler(hx_stream_session_t *s, hx_stream_variable_value_t *v,
    uintptr_t data)
{
    hx_str_t  *name = (hx_str_t *) data;

    (void) s;

    /* the part of the name after "pfx_" */

    v->data = name->data + 4;
    v->len = name->len - 4;
    v->valid = 1;
    v->not_found = 0;

    return HX_OK;
}


Test(stream_vars, a_prefix_family_claims_the_names_it_starts)
{
    hx_str_t                     pfx = hx_string("pfx_");
    hx_str_t                     used = hx_string("pfx_hello");
    hx_str_t                     unknown = hx_string("other");
    hx_int_t                     index;
    hx_conf_t                    cf;
    hx_stream_variable_t        *v, *vars;
    hx_stream_core_main_conf_t  *cmcf;

    cf = fresh_stream_conf();

    v = hx_stream_add_variable(&cf, &pfx, HX_STREAM_VAR_PREFIX);
    cr_assert_not_null(v);
    v->get_handler = prefix_handler;

    index = hx_stream_get_variable_index(&cf, &used);
    cr_assert_geq(index, 0);

    cr_assert_eq(hx_stream_variables_init_vars(&cf), HX_OK, "%s", hxs_logged);

    cmcf = ((hx_stream_conf_ctx_t *) cf.ctx)
               ->main_conf[hx_stream_core_module.ctx_index];
    vars = cmcf->variables.elts;

    cr_assert_eq(vars[index].get_handler, prefix_handler);
    cr_assert_eq(((hx_str_t *) vars[index].data)->len, used.len);

    /* and a name that nothing declares fails the block */

    cf = fresh_stream_conf();

    cr_assert_geq(hx_stream_get_variable_index(&cf, &unknown), 0);
    cr_assert_eq(hx_stream_variables_init_vars(&cf), HX_ERROR);
    cr_assert(hxs_logged_has("unknown \"other\" variable"), "%s", hxs_logged);
}


Test(stream_vars, an_empty_name_is_refused)
{
    hx_str_t   empty = hx_null_string;
    hx_conf_t  cf;

    cf = fresh_stream_conf();

    cr_assert_null(hx_stream_add_variable(&cf, &empty, 0));
    cr_assert_eq(hx_stream_get_variable_index(&cf, &empty), HX_ERROR);
    cr_assert(hxs_logged_has("invalid variable name \"$\""), "%s", hxs_logged);
}


Test(stream_vars, the_same_name_gets_the_same_index)
{
    hx_str_t   a = hx_string("remote_addr");
    hx_str_t   b = hx_string("REMOTE_ADDR");
    hx_str_t   c = hx_string("remote_port");
    hx_conf_t  cf;

    cf = fresh_stream_conf();

    cr_assert_eq(hx_stream_get_variable_index(&cf, &a), 0);
    cr_assert_eq(hx_stream_get_variable_index(&cf, &b), 0);
    cr_assert_eq(hx_stream_get_variable_index(&cf, &c), 1);
}

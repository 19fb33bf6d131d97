/*
 * Helpers shared by the tests of the stream modules that define
 * variables or phase handlers: a session on the one server of a parsed
 * block, a variable's value by name, and running one phase's handlers.
 */

#ifndef HX_TESTS_UNIT_STREAM_HX_STREAM_MODULES_FIXTURE_H
#define HX_TESTS_UNIT_STREAM_HX_STREAM_MODULES_FIXTURE_H

#include "hx_stream_fixture.h"


/* a session from client on the server listening on 127.0.0.1:9000 */
HX_UNUSED static hx_stream_session_t *
hxm_session(const char *client)
{
    return hxs_fake_session(hxs_listening("127.0.0.1:9000", SOCK_STREAM),
                            client, "127.0.0.1:9000");
}


/* the value of $name as text ("<not found>" when it has none) */
HX_UNUSED static const char *
hxm_var(hx_stream_session_t *s, const char *name)
{
    char                        *p;
    hx_str_t                     n;
    hx_stream_variable_value_t  *vv;

    n.len = strlen(name);
    n.data = (uint8_t *) name;

    vv = hx_stream_get_variable(s, &n, hx_hash_key(n.data, n.len));
    cr_assert_not_null(vv, "$%s failed", name);

    if (vv->not_found) {
        return "<not found>";
    }

    p = hx_pnalloc(s->connection->pool, vv->len + 1);
    cr_assert_not_null(p);
    memcpy(p, vv->data, vv->len);
    p[vv->len] = '\0';

    return p;
}


/*
 * Runs the handlers of one phase in the order the engine runs them and
 * returns the first result that is not HX_DECLINED (or HX_DECLINED).
 */
HX_UNUSED static hx_int_t
hxm_run_phase(hx_stream_session_t *s, hx_uint_t phase)
{
    hx_int_t                rc;
    hx_uint_t               i;
    hx_stream_handler_pt   *h;
    hx_array_t             *a;

    a = &hxs_cmcf()->phases[phase].handlers;
    h = a->elts;

    for (i = a->nelts; i > 0; i--) {
        rc = h[i - 1](s);

        if (rc != HX_DECLINED) {
            return rc;
        }
    }

    return HX_DECLINED;
}

#endif /* HX_TESTS_UNIT_STREAM_HX_STREAM_MODULES_FIXTURE_H */

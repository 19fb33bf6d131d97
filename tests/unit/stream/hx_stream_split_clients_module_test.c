/*
 * Tests for stream/hx_stream_split_clients_module.c: the same key lands
 * in the same part, the parts follow their percentages, "*" takes the
 * rest, and totals above 100% are refused.
 */

#include "hx_stream_modules_fixture.h"


TestSuite(stream_split_clients, .init = hxs_init);


Test(stream_split_clients, keys_spread_by_percentage)
{
    char                 *first;
    hx_uint_t             i, a, pass;
    const char           *v;
    hx_stream_session_t  *s;

    hxs_parse_ok("stream { split_clients \"$remote_port-salt\" $part {"
                 " 30% a; * b; }"
                 " server { listen 127.0.0.1:9000; return x; } }\n");

    s = hxm_session("10.0.0.1:1");
    first = NULL;
    a = 0;

    for (pass = 0; pass < 2; pass++) {
        for (i = 1; i <= 400; i++) {

            /* another client port, and no cached values */

            hx_inet_set_port(s->connection->sockaddr, (in_port_t) i);
            hx_memzero(s->variables, hxs_cmcf()->variables.nelts
                                     * sizeof(hx_stream_variable_value_t));

            v = hxm_var(s, "part");

            cr_assert(strcmp(v, "a") == 0 || strcmp(v, "b") == 0, "%s", v);

            if (pass == 0) {
                a += (v[0] == 'a');

                if (i == 1) {
                    first = strdup(v);
                }

            } else if (i == 1) {

                /* the same key, the same part */
                cr_assert_str_eq(v, first);
            }
        }
    }

    free(first);

    cr_assert(a > 80 && a < 160, "a: %lu of 400", (unsigned long) a);
}


Test(stream_split_clients, more_than_100_percent_is_refused)
{
    cr_assert_eq(hxs_parse("stream { split_clients $remote_addr $p {"
                           " 60% a; 50% b; }"
                           " server { listen 127.0.0.1:9000; return x; }"
                           " }\n"), HX_ERROR);
    cr_assert(hxs_logged_has("percent total is greater than 100%"), "%s",
              hxs_logged);
}


Test(stream_split_clients, a_percentage_needs_its_sign)
{
    cr_assert_eq(hxs_parse("stream { split_clients $remote_addr $p {"
                           " 60 a; }"
                           " server { listen 127.0.0.1:9000; return x; }"
                           " }\n"), HX_ERROR);
    cr_assert(hxs_logged_has("invalid percent value \"60\""), "%s",
              hxs_logged);
}

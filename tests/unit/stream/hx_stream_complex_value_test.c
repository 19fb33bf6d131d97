/*
 * Tests for stream/hx_stream_complex_value.c: strings with "$name",
 * "${name}" and "$1".."$9" compiled from real "return" directives and
 * evaluated on a session whose connection has no socket (addresses given
 * as text), the compile errors with nginx's messages, and the NUL and
 * file-name prefix options.
 */

#include "hx_stream_fixture.h"


extern hx_module_t  hx_stream_return_module;


TestSuite(stream_cv, .init = hxs_init);


/*
 * The complex value that "return" compiled for the server on
 * 127.0.0.1:9000.  The return module's srv conf starts with it.
 */
static hx_stream_complex_value_t *
return_value(hx_stream_session_t *s)
{
    return hx_stream_get_module_srv_conf(s, hx_stream_return_module);
}


/* parses a server with "return text", evaluates it, returns the result */
static hx_str_t
eval_return(const char *text, const char *client)
{
    char                  conf[1024];
    hx_str_t              value;
    hx_listening_t       *ls;
    hx_stream_session_t  *s;

    snprintf(conf, sizeof(conf),
             "stream { server { listen 127.0.0.1:9000; return '%s'; } }\n",
             text);

    hxs_parse_ok(conf);

    ls = hxs_listening("127.0.0.1:9000", SOCK_STREAM);
    cr_assert_not_null(ls);

    s = hxs_fake_session(ls, client, "127.0.0.1:9000");

    cr_assert_eq(hx_stream_complex_value(s, return_value(s), &value), HX_OK);

    return value;
}


static void
assert_str(hx_str_t *s, const char *expected)
{
    cr_assert_eq(s->len, strlen(expected), "\"%.*s\" is not \"%s\"",
                 (int) s->len, s->data, expected);
    cr_assert_eq(memcmp(s->data, expected, s->len), 0,
                 "\"%.*s\" is not \"%s\"", (int) s->len, s->data, expected);
}


Test(stream_cv, a_constant_is_the_source_itself)
{
    hx_str_t  v;

    v = eval_return("plain text", "10.0.0.1:5555");

    assert_str(&v, "plain text");
}


Test(stream_cv, variables_are_replaced_by_their_values)
{
    hx_str_t  v;

    v = eval_return("$remote_addr:$remote_port to $server_addr:$server_port",
                    "10.0.0.1:5555");

    assert_str(&v, "10.0.0.1:5555 to 127.0.0.1:9000");
}


Test(stream_cv, braces_end_a_name_where_letters_follow)
{
    hx_str_t  v;

    v = eval_return("[${remote_port}x${protocol}]", "10.0.0.1:5555");

    assert_str(&v, "[5555xTCP]");
}


Test(stream_cv, a_name_ends_at_the_first_other_character)
{
    hx_str_t  v;

    v = eval_return("$protocol-$protocol.$protocol", "10.0.0.1:5555");

    assert_str(&v, "TCP-TCP.TCP");
}


Test(stream_cv, names_are_case_insensitive)
{
    hx_str_t  v;

    v = eval_return("$PROTOCOL", "10.0.0.1:5555");

    assert_str(&v, "TCP");
}


Test(stream_cv, a_variable_with_an_empty_value_adds_nothing)
{
    hx_str_t  v;

    v = eval_return("<$server_name>", "10.0.0.1:5555");

    assert_str(&v, "<>");
}


Test(stream_cv, a_not_cacheable_variable_is_read_again)
{
    hx_str_t              v;
    hx_stream_session_t  *s;

    hxs_parse_ok("stream { server { listen 127.0.0.1:9000; "
                 "return $bytes_sent; } }\n");

    s = hxs_fake_session(hxs_listening("127.0.0.1:9000", SOCK_STREAM),
                         "10.0.0.1:5555", "127.0.0.1:9000");

    cr_assert_eq(hx_stream_complex_value(s, return_value(s), &v), HX_OK);
    assert_str(&v, "0");

    s->connection->sent = 1234;

    cr_assert_eq(hx_stream_complex_value(s, return_value(s), &v), HX_OK);
    assert_str(&v, "1234");
}


Test(stream_cv, captures_come_from_the_session)
{
    hx_str_t              v;
    hx_stream_session_t  *s;
    static int            caps[] = { 0, 11, 0, 5, 6, 11 };

    hxs_parse_ok("stream { server { listen 127.0.0.1:9000; "
                 "return '$2/$1/$3'; } }\n");

    s = hxs_fake_session(hxs_listening("127.0.0.1:9000", SOCK_STREAM),
                         "10.0.0.1:5555", "127.0.0.1:9000");

    /* no match yet: every capture is empty */

    cr_assert_eq(hx_stream_complex_value(s, return_value(s), &v), HX_OK);
    assert_str(&v, "//");

    s->captures = caps;
    s->ncaptures = 6;
    s->captures_data = (uint8_t *) "hello world";

    cr_assert_eq(hx_stream_complex_value(s, return_value(s), &v), HX_OK);
    assert_str(&v, "world/hello/");

    cr_assert_geq(hxs_cmcf()->ncaptures, 3);
}


Test(stream_cv, a_dollar_at_the_end_is_an_invalid_name)
{
    cr_assert_eq(hxs_parse("stream { server { listen 127.0.0.1:9000; "
                           "return 'price: 5$'; } }\n"), HX_ERROR);

    cr_assert(hxs_logged_has("invalid variable name in "), "%s", hxs_logged);
}


Test(stream_cv, a_dollar_before_punctuation_is_an_invalid_name)
{
    cr_assert_eq(hxs_parse("stream { server { listen 127.0.0.1:9000; "
                           "return 'a$-b'; } }\n"), HX_ERROR);

    cr_assert(hxs_logged_has("invalid variable name"), "%s", hxs_logged);
}


Test(stream_cv, an_unclosed_brace_is_reported_with_the_name)
{
    cr_assert_eq(hxs_parse("stream { server { listen 127.0.0.1:9000; "
                           "return 'x${remote_addr'; } }\n"), HX_ERROR);

    cr_assert(hxs_logged_has("the closing bracket in \"remote_addr\" "
                             "variable is missing"), "%s", hxs_logged);
}


Test(stream_cv, empty_braces_are_an_invalid_name)
{
    cr_assert_eq(hxs_parse("stream { server { listen 127.0.0.1:9000; "
                           "return 'x${}'; } }\n"), HX_ERROR);

    cr_assert(hxs_logged_has("invalid variable name"), "%s", hxs_logged);
}


/* compiles text with the given options inside a parsed stream block */
static void
compile(const char *text, hx_stream_complex_value_t *cv, hx_uint_t zero,
    hx_uint_t conf_prefix)
{
    hx_str_t                            *value;
    hx_conf_t                            cf;
    hx_stream_compile_complex_value_t    ccv;

    value = hx_palloc(hxs_cycle.pool, sizeof(hx_str_t));
    cr_assert_not_null(value);

    value->len = strlen(text);
    value->data = (uint8_t *) hx_pnalloc(hxs_cycle.pool, value->len + 1);
    cr_assert_not_null(value->data);
    memcpy(value->data, text, value->len + 1);

    cf = hxs_cf;
    cf.ctx = hxs_cycle.conf_ctx[hx_stream_module.index];

    hx_memzero(&ccv, sizeof(hx_stream_compile_complex_value_t));
    ccv.cf = &cf;
    ccv.value = value;
    ccv.complex_value = cv;
    ccv.zero = zero;
    ccv.conf_prefix = conf_prefix;

    cr_assert_eq(hx_stream_compile_complex_value(&ccv), HX_OK,
                 "%s", hxs_logged);
}


Test(stream_cv, a_constant_file_name_is_made_absolute_at_compile_time)
{
    char                       expected[128];
    hx_stream_complex_value_t  cv;

    hxs_parse_ok("stream { }\n");

    compile("logs/x.log", &cv, 0, 1);

    snprintf(expected, sizeof(expected), "%s/logs/x.log", hxs_dir);

    cr_assert_null(cv.parts);
    assert_str(&cv.value, expected);
}


Test(stream_cv, a_relative_file_name_from_variables_gets_the_prefix)
{
    char                       expected[128];
    hx_str_t                   v;
    hx_stream_session_t       *s;
    hx_stream_complex_value_t  cv;

    /* "$protocol" must be a used variable before the block ends */

    hxs_parse_ok("stream { server { listen 127.0.0.1:9000; "
                 "return $protocol; } }\n");

    compile("$protocol.log", &cv, 1, 1);

    s = hxs_fake_session(hxs_listening("127.0.0.1:9000", SOCK_STREAM),
                         "10.0.0.1:5555", "127.0.0.1:9000");

    cr_assert_eq(hx_stream_complex_value(s, &cv, &v), HX_OK);

    snprintf(expected, sizeof(expected), "%s/TCP.log", hxs_dir);
    assert_str(&v, expected);

    /* zero: the value is NUL-terminated, the NUL not counted */

    cr_assert_eq(v.data[v.len], '\0');
}


Test(stream_cv, a_size_value_is_parsed_once_when_constant)
{
    hx_stream_complex_value_t  cv;

    hxs_parse_ok("stream { }\n");

    compile("16k", &cv, 0, 0);
    cv.u.size = 16384;

    cr_assert_eq(hx_stream_complex_value_size(NULL, &cv, 1), 16384);
    cr_assert_eq(hx_stream_complex_value_size(NULL, NULL, 77), 77);
}


Test(stream_cv, a_size_with_variables_falls_back_when_not_a_size)
{
    hx_stream_session_t       *s;
    hx_stream_complex_value_t  cv;

    hxs_parse_ok("stream { server { listen 127.0.0.1:9000; "
                 "return $remote_port$protocol; } }\n");

    compile("$remote_port", &cv, 0, 0);

    s = hxs_fake_session(hxs_listening("127.0.0.1:9000", SOCK_STREAM),
                         "10.0.0.1:5555", "127.0.0.1:9000");

    cr_assert_eq(hx_stream_complex_value_size(s, &cv, 1), 5555);

    compile("$protocol", &cv, 0, 0);

    cr_assert_eq(hx_stream_complex_value_size(s, &cv, 99), 99);
    cr_assert(hxs_logged_has("invalid size \"TCP\""), "%s", hxs_logged);
}


Test(stream_cv, counting_dollars_tells_whether_there_are_variables)
{
    hx_str_t  a = hx_string("no variables");
    hx_str_t  b = hx_string("$a and ${b} and $1");

    cr_assert_eq(hx_stream_script_variables_count(&a), 0);
    cr_assert_eq(hx_stream_script_variables_count(&b), 3);
}

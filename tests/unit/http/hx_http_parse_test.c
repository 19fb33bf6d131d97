/*
 * The HTTP parsers, fed whole and split at every byte: the result must not
 * depend on where the input was cut.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_http_parse.h>
#include <criterion/criterion.h>


typedef struct {
    hx_int_t          rc;
    hx_http_parser_t  p;
    size_t            consumed;
} parse_result_t;


/* parses a request line given in two parts: [0, split) and the rest */
static parse_result_t
parse_line_split(const char *text, size_t split)
{
    parse_result_t  res;
    hx_buf_t        b;
    size_t          len;

    len = strlen(text);
    hx_memzero(&res, sizeof(res));
    hx_memzero(&b, sizeof(b));

    b.start = (uint8_t *) text;
    b.pos = b.start;
    b.last = b.start + (split < len ? split : len);

    res.rc = hx_http_parse_request_line(&res.p, &b);

    if (res.rc == HX_AGAIN) {
        b.last = b.start + len;
        res.rc = hx_http_parse_request_line(&res.p, &b);
    }

    res.consumed = b.pos - b.start;

    return res;
}


static parse_result_t
parse_line(const char *text)
{
    return parse_line_split(text, strlen(text));
}


static hx_str_t
str_of(uint8_t *start, uint8_t *end)
{
    hx_str_t  s;

    s.data = start;
    s.len = (start && end) ? (size_t) (end - start) : 0;

    return s;
}


#define assert_str(s, text)                                                   \
    do {                                                                      \
        hx_str_t  s_ = (s);                                                   \
        cr_assert_eq(s_.len, strlen(text), "length %zu, expected \"%s\"",     \
                     s_.len, text);                                           \
        cr_assert(memcmp(s_.data, text, s_.len) == 0, "expected \"%s\"",      \
                  text);                                                      \
    } while (0)


Test(request_line, simple_get)
{
    parse_result_t  r;

    r = parse_line("GET /index.html HTTP/1.1\r\n");

    cr_assert_eq(r.rc, HX_OK);
    cr_assert_eq(r.p.method, HX_HTTP_GET);
    cr_assert_eq(r.p.http_version, HX_HTTP_VERSION_11);
    assert_str(str_of(r.p.uri_start, r.p.uri_end), "/index.html");
    assert_str(str_of(r.p.uri_ext, r.p.uri_end), "html");
    cr_assert_not(r.p.complex_uri);
    cr_assert_eq(r.consumed, strlen("GET /index.html HTTP/1.1\r\n"));
}


Test(request_line, same_result_at_every_split)
{
    const char      *req = "POST /a/b.php?x=1&y=2 HTTP/1.0\r\n";
    size_t           k;
    parse_result_t   r;

    for (k = 0; k <= strlen(req); k++) {
        r = parse_line_split(req, k);

        cr_assert_eq(r.rc, HX_OK, "split at %zu", k);
        cr_assert_eq(r.p.method, HX_HTTP_POST);
        cr_assert_eq(r.p.http_version, HX_HTTP_VERSION_10);
        assert_str(str_of(r.p.uri_start, r.p.uri_end), "/a/b.php?x=1&y=2");
        assert_str(str_of(r.p.args_start, r.p.uri_end), "x=1&y=2");
    }
}


Test(request_line, leading_empty_lines_are_skipped)
{
    parse_result_t  r;

    r = parse_line("\r\n\r\nGET / HTTP/1.1\r\n");

    cr_assert_eq(r.rc, HX_OK);
    assert_str(str_of(r.p.uri_start, r.p.uri_end), "/");
}


Test(request_line, absolute_form)
{
    parse_result_t  r;

    r = parse_line("GET http://example.com:8080/p?q HTTP/1.1\r\n");

    cr_assert_eq(r.rc, HX_OK);
    assert_str(str_of(r.p.schema_start, r.p.schema_end), "http");
    assert_str(str_of(r.p.host_start, r.p.host_end), "example.com");
    assert_str(str_of(r.p.uri_start, r.p.uri_end), "/p?q");

    r = parse_line("GET http://example.com HTTP/1.1\r\n");

    cr_assert_eq(r.rc, HX_OK);
    assert_str(str_of(r.p.uri_start, r.p.uri_end), "/");

    r = parse_line("GET http://[::1]:80/ HTTP/1.1\r\n");

    cr_assert_eq(r.rc, HX_OK);
    assert_str(str_of(r.p.host_start, r.p.host_end), "[::1]");
}


Test(request_line, http_09)
{
    parse_result_t  r;

    r = parse_line("GET /\r\n");
    cr_assert_eq(r.rc, HX_OK);
    cr_assert_eq(r.p.http_version, HX_HTTP_VERSION_9);

    r = parse_line("POST /\r\n");
    cr_assert_eq(r.rc, HX_HTTP_PARSE_INVALID_09_METHOD);
}


Test(request_line, errors)
{
    cr_assert_eq(parse_line("get / HTTP/1.1\r\n").rc,
                 HX_HTTP_PARSE_INVALID_METHOD);
    cr_assert_eq(parse_line("GET / HTTP/2.0\r\n").rc,
                 HX_HTTP_PARSE_INVALID_VERSION);
    cr_assert_eq(parse_line("GET / HTTP/1.1 x\r\n").rc,
                 HX_HTTP_PARSE_INVALID_REQUEST);
    cr_assert_eq(parse_line("GET / XTTP/1.1\r\n").rc,
                 HX_HTTP_PARSE_INVALID_REQUEST);
    cr_assert_eq(parse_line("GET /a\x01b HTTP/1.1\r\n").rc,
                 HX_HTTP_PARSE_INVALID_REQUEST);
    cr_assert_eq(parse_line("GET x HTTP/1.1\r\n").rc,
                 HX_HTTP_PARSE_INVALID_REQUEST);
    cr_assert_eq(parse_line("GET / HTTP/1.1\rX").rc,
                 HX_HTTP_PARSE_INVALID_REQUEST);
}


Test(request_line, complex_flags)
{
    cr_assert(parse_line("GET /a/../b HTTP/1.1\r\n").p.complex_uri);
    cr_assert(parse_line("GET //a HTTP/1.1\r\n").p.complex_uri);
    cr_assert(parse_line("GET /a%20b HTTP/1.1\r\n").p.quoted_uri);
    cr_assert(parse_line("GET /a+b HTTP/1.1\r\n").p.plus_in_uri);
    cr_assert_not(parse_line("GET /a/b.c HTTP/1.1\r\n").p.complex_uri);
}


static hx_int_t
complex_uri(const char *uri, char *out, hx_uint_t merge, hx_str_t *args)
{
    hx_int_t          rc;
    size_t            len;
    uint8_t          *a;
    hx_http_parser_t  p;

    hx_memzero(&p, sizeof(p));
    p.uri_start = (uint8_t *) uri;
    p.uri_end = (uint8_t *) uri + strlen(uri);

    rc = hx_http_parse_complex_uri(&p, (uint8_t *) out, &len, merge, &a,
                                   &args->len);
    args->data = a;

    if (rc == HX_OK) {
        out[len] = '\0';
    }

    return rc;
}


Test(complex_uri, normalises)
{
    char      out[256];
    hx_str_t  args;

    cr_assert_eq(complex_uri("/a/../b", out, 1, &args), HX_OK);
    cr_assert_str_eq(out, "/b");

    cr_assert_eq(complex_uri("/a/./b/.", out, 1, &args), HX_OK);
    cr_assert_str_eq(out, "/a/b/");

    cr_assert_eq(complex_uri("//a///b", out, 1, &args), HX_OK);
    cr_assert_str_eq(out, "/a/b");

    cr_assert_eq(complex_uri("//a///b", out, 0, &args), HX_OK);
    cr_assert_str_eq(out, "//a///b");

    cr_assert_eq(complex_uri("/a%20b?x=%20", out, 1, &args), HX_OK);
    cr_assert_str_eq(out, "/a b");
    cr_assert_eq(args.len, 5);
    cr_assert(memcmp(args.data, "x=%20", 5) == 0);

    cr_assert_eq(complex_uri("/a/b/..", out, 1, &args), HX_OK);
    cr_assert_str_eq(out, "/a/");

    cr_assert_eq(complex_uri("/a%3fb", out, 1, &args), HX_OK);
    cr_assert_str_eq(out, "/a?b");
}


Test(complex_uri, refuses_climbing_out)
{
    char      out[256];
    hx_str_t  args;

    cr_assert_eq(complex_uri("/..", out, 1, &args),
                 HX_HTTP_PARSE_INVALID_REQUEST);
    cr_assert_eq(complex_uri("/a/../../etc/passwd", out, 1, &args),
                 HX_HTTP_PARSE_INVALID_REQUEST);
    cr_assert_eq(complex_uri("/%2e%2e/etc", out, 1, &args),
                 HX_HTTP_PARSE_INVALID_REQUEST);
    cr_assert_eq(complex_uri("/a/%2E%2E%2f%2e%2e/x", out, 1, &args),
                 HX_HTTP_PARSE_INVALID_REQUEST);
    cr_assert_eq(complex_uri("/a%00b", out, 1, &args),
                 HX_HTTP_PARSE_INVALID_REQUEST);
    cr_assert_eq(complex_uri("/a%zz", out, 1, &args),
                 HX_HTTP_PARSE_INVALID_REQUEST);
    cr_assert_eq(complex_uri("/a%2", out, 1, &args),
                 HX_HTTP_PARSE_INVALID_REQUEST);
}


/* parses every header of text, split at k; returns the rc of the last */
static hx_int_t
parse_headers_split(const char *text, size_t k, hx_uint_t underscores,
    hx_str_t *names, hx_str_t *values, hx_uint_t *n, hx_uint_t *invalid)
{
    hx_int_t          rc;
    hx_buf_t          b;
    hx_http_parser_t  p;
    size_t            len;

    len = strlen(text);
    hx_memzero(&b, sizeof(b));
    hx_memzero(&p, sizeof(p));

    b.start = (uint8_t *) text;
    b.pos = b.start;
    b.last = b.start + (k < len ? k : len);
    *n = 0;
    *invalid = 0;

    for ( ;; ) {
        rc = hx_http_parse_header_line(&p, &b, underscores);

        if (rc == HX_AGAIN) {
            if (b.last == b.start + len) {
                return HX_AGAIN;
            }

            b.last = b.start + len;
            continue;
        }

        if (rc != HX_OK) {
            return rc;
        }

        if (p.invalid_header) {
            (*invalid)++;
            continue;
        }

        names[*n] = str_of(p.header_name_start, p.header_name_end);
        values[*n] = str_of(p.header_start, p.header_end);
        (*n)++;
    }
}


Test(header_line, every_split)
{
    const char  *text = "Host: example.com\r\n"
                        "X-Empty:\r\n"
                        "Content-Type:   text/plain  \r\n"
                        "\r\n";
    size_t       k;
    hx_str_t     names[8], values[8];
    hx_uint_t    n, invalid;

    for (k = 0; k <= strlen(text); k++) {
        cr_assert_eq(parse_headers_split(text, k, 0, names, values, &n,
                                         &invalid),
                     HX_HTTP_PARSE_HEADER_DONE, "split at %zu", k);
        cr_assert_eq(n, 3);
        assert_str(names[0], "Host");
        assert_str(values[0], "example.com");
        assert_str(values[1], "");
        assert_str(values[2], "text/plain");
    }
}


Test(header_line, underscores_and_invalid)
{
    hx_str_t   names[8], values[8];
    hx_uint_t  n, invalid;

    cr_assert_eq(parse_headers_split("X_A: 1\r\n\r\n", 100, 0, names, values,
                                     &n, &invalid),
                 HX_HTTP_PARSE_HEADER_DONE);
    cr_assert_eq(n, 0);
    cr_assert_eq(invalid, 1);

    cr_assert_eq(parse_headers_split("X_A: 1\r\n\r\n", 100, 1, names, values,
                                     &n, &invalid),
                 HX_HTTP_PARSE_HEADER_DONE);
    cr_assert_eq(n, 1);

    cr_assert_eq(parse_headers_split("Bad Name: 1\r\n\r\n", 100, 0, names,
                                     values, &n, &invalid),
                 HX_HTTP_PARSE_INVALID_HEADER);
    cr_assert_eq(parse_headers_split(" folded\r\n\r\n", 100, 0, names,
                                     values, &n, &invalid),
                 HX_HTTP_PARSE_INVALID_HEADER);
    cr_assert_eq(parse_headers_split("NoColon\r\n\r\n", 100, 0, names,
                                     values, &n, &invalid),
                 HX_HTTP_PARSE_INVALID_HEADER);
}


Test(header_line, nul_in_value_is_invalid)
{
    hx_buf_t          b;
    hx_http_parser_t  p;
    static uint8_t    text[] = "A: b\0c\r\n\r\n";

    hx_memzero(&b, sizeof(b));
    hx_memzero(&p, sizeof(p));
    b.pos = text;
    b.last = text + sizeof(text) - 1;

    cr_assert_eq(hx_http_parse_header_line(&p, &b, 0),
                 HX_HTTP_PARSE_INVALID_HEADER);
}


Test(header_line, hash_is_of_lowercased_name)
{
    hx_buf_t          b;
    hx_http_parser_t  p;
    const char       *text = "CoNtEnT-LeNgTh: 5\r\n";

    hx_memzero(&b, sizeof(b));
    hx_memzero(&p, sizeof(p));
    b.pos = (uint8_t *) text;
    b.last = b.pos + strlen(text);

    cr_assert_eq(hx_http_parse_header_line(&p, &b, 0), HX_OK);
    cr_assert_eq(p.header_hash,
                 hx_hash_key((uint8_t *) "content-length", 14));
    cr_assert(memcmp(p.lowcase_header, "content-length", 14) == 0);
}


/*
 * Decodes a chunked body fed in pieces of "step" bytes, keeping the
 * trailer section for the caller when keep is set; *end is where the
 * parser left b->pos when it returned.
 */
static hx_int_t
dechunk_keep(const char *body, size_t len, size_t step, hx_uint_t keep,
    char *out, size_t *olen, size_t *end)
{
    hx_int_t           rc;
    hx_buf_t           b;
    size_t             n, fed;
    hx_http_chunked_t  ctx;

    hx_memzero(&ctx, sizeof(ctx));
    ctx.trailers = keep ? 1 : 0;
    hx_memzero(&b, sizeof(b));
    b.pos = (uint8_t *) body;
    fed = hx_min(step, len);
    b.last = b.pos + fed;
    *olen = 0;

    for ( ;; ) {
        rc = hx_http_parse_chunked(&ctx, &b);

        if (rc == HX_OK) {
            n = hx_min((size_t) ctx.size, (size_t) (b.last - b.pos));
            memcpy(out + *olen, b.pos, n);
            *olen += n;
            b.pos += n;
            ctx.size -= n;
            continue;
        }

        if (rc == HX_AGAIN) {
            if (fed == len) {
                break;
            }

            fed = hx_min(fed + step, len);
            b.last = (uint8_t *) body + fed;
            continue;
        }

        break;
    }

    *end = b.pos - (uint8_t *) body;

    return rc;
}


static hx_int_t
dechunk(const char *body, size_t len, size_t step, char *out, size_t *olen)
{
    size_t  end;

    return dechunk_keep(body, len, step, 0, out, olen, &end);
}


Test(chunked, decodes_at_any_granularity)
{
    const char  *body = "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n"
                        "Trailer: x\r\n\r\n";
    char         out[64];
    size_t       step, olen;

    for (step = 1; step <= strlen(body); step++) {
        cr_assert_eq(dechunk(body, strlen(body), step, out, &olen), HX_DONE,
                     "step %zu", step);
        cr_assert_eq(olen, 11);
        cr_assert(memcmp(out, "hello world", 11) == 0);
    }
}


Test(chunked, refuses_bad_framing)
{
    char    out[64];
    size_t  olen;

    cr_assert_eq(dechunk("x\r\n", 3, 3, out, &olen), HX_ERROR);
    cr_assert_eq(dechunk("5\r\nhelloXX", 10, 10, out, &olen), HX_ERROR);
    cr_assert_eq(dechunk("ffffffffffffffffff\r\n", 20, 20, out, &olen),
                 HX_ERROR);
    cr_assert_eq(dechunk("5\r\nhel", 6, 6, out, &olen), HX_AGAIN);
}


Test(chunked, skips_the_trailer_section_unless_kept)
{
    const char  *body = "2\r\nok\r\n0\r\nX-A: 1\r\n\r\n";
    char         out[64];
    size_t       olen, end;

    cr_assert_eq(dechunk_keep(body, strlen(body), strlen(body), 0, out,
                              &olen, &end), HX_DONE);
    cr_assert_eq(end, strlen(body));
}


Test(chunked, kept_trailers_start_where_done_leaves_off)
{
    static const struct {
        const char  *body;
        const char  *section;
    } cases[] = {
        { "5\r\nhello\r\n0\r\nX-A: 1\r\nX-B: 2\r\n\r\n",
          "X-A: 1\r\nX-B: 2\r\n\r\n" },
        { "5\r\nhello\r\n0;ext=1\r\nX-A: 1\r\n\r\n", "X-A: 1\r\n\r\n" },
        { "5\nhello\n0\nX-A: 1\n\n", "X-A: 1\n\n" },
        { "5\r\nhello\r\n0\r\n\r\n", "\r\n" },
        { "5\r\nhello\r\n00\r\n\r\nnext", "\r\nnext" },
    };
    char         out[64];
    size_t       i, step, len, olen, end;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        len = strlen(cases[i].body);

        for (step = 1; step <= len; step++) {
            cr_assert_eq(dechunk_keep(cases[i].body, len, step, 1, out,
                                      &olen, &end),
                         HX_DONE, "case %zu step %zu", i, step);
            cr_assert_eq(olen, 5);
            cr_assert(memcmp(out, "hello", 5) == 0);
            cr_assert_str_eq(cases[i].body + end, cases[i].section,
                             "case %zu step %zu", i, step);
        }
    }
}


Test(chunked, kept_section_reads_as_header_lines)
{
    const char        *body = "0\r\nX-A:  1 \r\nX Bad: 2\r\n\r\n";
    char               out[8];
    size_t             olen, end;
    hx_buf_t           b;
    hx_http_parser_t   p;

    cr_assert_eq(dechunk_keep(body, strlen(body), 1, 1, out, &olen, &end),
                 HX_DONE);
    cr_assert_eq(olen, 0);

    hx_memzero(&p, sizeof(p));
    hx_memzero(&b, sizeof(b));
    b.pos = (uint8_t *) body + end;
    b.last = (uint8_t *) body + strlen(body);

    cr_assert_eq(hx_http_parse_header_line(&p, &b, 1), HX_OK);
    cr_assert_eq(p.header_name_end - p.header_name_start, 3);
    cr_assert_eq(p.header_end - p.header_start, 1);
    cr_assert_eq(*p.header_start, '1');

    cr_assert_eq(hx_http_parse_header_line(&p, &b, 1),
                 HX_HTTP_PARSE_INVALID_HEADER);
}


Test(chunked, kept_trailers_leave_framing_errors_as_they_were)
{
    char    out[64];
    size_t  olen, end;

    cr_assert_eq(dechunk_keep("0\rX", 3, 3, 1, out, &olen, &end), HX_ERROR);
    cr_assert_eq(dechunk_keep("5\r\nhel", 6, 6, 1, out, &olen, &end),
                 HX_AGAIN);
    cr_assert_eq(dechunk_keep("0\r\n", 3, 3, 1, out, &olen, &end), HX_DONE);
    cr_assert_eq(end, 3);
}


Test(status_line, parses_and_refuses)
{
    hx_buf_t          b;
    hx_http_status_t  st;
    const char       *line = "HTTP/1.1 404 Not Found\r\n";

    hx_memzero(&st, sizeof(st));
    hx_memzero(&b, sizeof(b));
    b.pos = (uint8_t *) line;
    b.last = b.pos + strlen(line);

    cr_assert_eq(hx_http_parse_status_line(&st, &b), HX_OK);
    cr_assert_eq(st.code, 404);
    cr_assert_eq(st.http_version, HX_HTTP_VERSION_11);

    hx_memzero(&st, sizeof(st));
    b.pos = (uint8_t *) "<html>";
    b.last = b.pos + 6;
    cr_assert_eq(hx_http_parse_status_line(&st, &b), HX_ERROR);
}


Test(args, lookup)
{
    hx_str_t  args = hx_string("a=1&bb=22&b=3");
    hx_str_t  v;

    cr_assert_eq(hx_http_arg(&args, (uint8_t *) "b", 1, &v), HX_OK);
    cr_assert_eq(v.len, 1);
    cr_assert_eq(v.data[0], '3');

    cr_assert_eq(hx_http_arg(&args, (uint8_t *) "bb", 2, &v), HX_OK);
    cr_assert_eq(v.len, 2);

    cr_assert_eq(hx_http_arg(&args, (uint8_t *) "c", 1, &v), HX_DECLINED);
}


Test(cookies, multi_header_lookup)
{
    hx_str_t  h = hx_string("a=1; bcd=2; bc=3");
    hx_str_t  name = hx_string("bc");
    hx_str_t  v;

    cr_assert_eq(hx_http_parse_multi_header_line(&h, &name, &v, ';'),
                 HX_OK);
    cr_assert_eq(v.len, 1);
    cr_assert_eq(v.data[0], '3');
}


/* as nginx 1.29.6: only ';' separates cookies, a ',' is part of a value */
Test(cookies, comma_is_not_a_separator)
{
    hx_str_t  h = hx_string("foo=1, qux=0; bar=2");
    hx_str_t  foo = hx_string("foo");
    hx_str_t  qux = hx_string("qux");
    hx_str_t  bar = hx_string("bar");
    hx_str_t  longer = hx_string("barbarbarbarbar");
    hx_str_t  v;

    cr_assert_eq(hx_http_parse_multi_header_line(&h, &foo, &v, ';'), HX_OK);
    cr_assert_eq(v.len, 8);
    cr_assert_eq(hx_strncmp(v.data, "1, qux=0", 8), 0);

    cr_assert_eq(hx_http_parse_multi_header_line(&h, &qux, &v, ';'),
                 HX_DECLINED);

    cr_assert_eq(hx_http_parse_multi_header_line(&h, &bar, &v, ';'), HX_OK);
    cr_assert_eq(v.len, 1);

    cr_assert_eq(hx_http_parse_multi_header_line(&h, &longer, &v, ';'),
                 HX_DECLINED);
}


Test(request_line, connect_takes_an_authority)
{
    parse_result_t  r;

    r = parse_line("CONNECT example.com:443 HTTP/1.1\r\n");

    cr_assert_eq(r.rc, HX_OK);
    cr_assert_eq(r.p.method, HX_HTTP_CONNECT);
    assert_str(str_of(r.p.host_start, r.p.host_end), "example.com");
    assert_str(str_of(r.p.port_start, r.p.port_end), "443");
    assert_str(str_of(r.p.uri_start, r.p.uri_end), "/");
}


Test(request_line, connect_without_port_or_with_path_is_invalid)
{
    cr_assert_eq(parse_line("CONNECT example.com HTTP/1.1\r\n").rc,
                 HX_HTTP_PARSE_INVALID_REQUEST);
    cr_assert_eq(parse_line("CONNECT / HTTP/1.1\r\n").rc,
                 HX_HTTP_PARSE_INVALID_REQUEST);
    cr_assert_eq(parse_line("CONNECT example.com:/ HTTP/1.1\r\n").rc,
                 HX_HTTP_PARSE_INVALID_REQUEST);
}


Test(request_line, absolute_port_is_marked)
{
    parse_result_t  r;

    r = parse_line("GET http://h:8080/ HTTP/1.1\r\n");

    cr_assert_eq(r.rc, HX_OK);
    assert_str(str_of(r.p.port_start, r.p.port_end), "8080");
    cr_assert_eq(parse_line("GET http://h:80:81/ HTTP/1.1\r\n").rc,
                 HX_HTTP_PARSE_INVALID_REQUEST);
}


Test(request_line, ipvfuture_accepts_sub_delims)
{
    parse_result_t  r;

    r = parse_line("GET http://[v1.a!$&'()*+,;=-._~:]/ HTTP/1.1\r\n");

    cr_assert_eq(r.rc, HX_OK);
    assert_str(str_of(r.p.host_start, r.p.host_end),
               "[v1.a!$&'()*+,;=-._~:]");
}


Test(complex_uri, fragment_is_not_in_args)
{
    char      out[256];
    hx_str_t  args;

    cr_assert_eq(complex_uri("/a/./b?x=1#frag", out, 1, &args), HX_OK);
    cr_assert_str_eq(out, "/a/b");
    assert_str(args, "x=1");
}

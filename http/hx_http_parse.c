/*
 * HTTP/1.x byte state machines: request line, header line, complex URI,
 * upstream status line and chunked framing.
 *
 * Each parser keeps its state in a small struct and walks the buffer one
 * byte at a time, recording pointers into it instead of copying, so that a
 * request split at any byte -- by the network or by a test -- parses the
 * same.  A "usual" URI (no %, no dot segments, no double slashes) is taken
 * as it is; anything else is flagged for hx_http_parse_complex_uri(), which
 * normalises it once into a separate buffer.  The rules for what is
 * accepted follow nginx, so the same requests get the same status codes.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_http_parse.h>


/*
 * Bytes a URI path may hold with no special handling, one bit per byte
 * (bit n of word w is byte 32 * w + n).  Not usual: controls, DEL, and
 * the bytes that make a path complex or end it: space # % + . / ?
 */
static const uint32_t  hx_http_usual[] = {
    0x00000000,
    0x7fff37d6,
    0xffffffff,
    0x7fffffff,
    0xffffffff,
    0xffffffff,
    0xffffffff,
    0xffffffff
};

#define hx_http_is_usual(ch)  (hx_http_usual[(ch) >> 5] & (1U << ((ch) & 0x1f)))


/* header name bytes: lowercased letters, digits and '-'; 0 = not a token */
static uint8_t
hx_http_header_lowcase(uint8_t ch)
{
    if (ch >= 'A' && ch <= 'Z') {
        return ch | 0x20;
    }

    if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-') {
        return ch;
    }

    return 0;
}


hx_uint_t
hx_http_method_bit(uint8_t *m, size_t len)
{
    static const struct {
        const char  *name;
        size_t       len;
        hx_uint_t    bit;
    } methods[] = {
        { "GET", 3, HX_HTTP_GET },
        { "HEAD", 4, HX_HTTP_HEAD },
        { "POST", 4, HX_HTTP_POST },
        { "PUT", 3, HX_HTTP_PUT },
        { "DELETE", 6, HX_HTTP_DELETE },
        { "MKCOL", 5, HX_HTTP_MKCOL },
        { "COPY", 4, HX_HTTP_COPY },
        { "MOVE", 4, HX_HTTP_MOVE },
        { "OPTIONS", 7, HX_HTTP_OPTIONS },
        { "PROPFIND", 8, HX_HTTP_PROPFIND },
        { "PROPPATCH", 9, HX_HTTP_PROPPATCH },
        { "LOCK", 4, HX_HTTP_LOCK },
        { "UNLOCK", 6, HX_HTTP_UNLOCK },
        { "PATCH", 5, HX_HTTP_PATCH },
        { "TRACE", 5, HX_HTTP_TRACE },
        { "CONNECT", 7, HX_HTTP_CONNECT }
    };

    hx_uint_t  i;

    for (i = 0; i < hx_nelems(methods); i++) {
        if (methods[i].len == len && hx_memcmp(m, methods[i].name, len) == 0) {
            return methods[i].bit;
        }
    }

    return HX_HTTP_UNKNOWN;
}


/* request-line states */
enum {
    rl_start = 0,
    rl_method,
    rl_spaces_before_uri,
    rl_spaces_before_host,
    rl_schema,
    rl_schema_slash,
    rl_schema_slash_slash,
    rl_host_start,
    rl_host,
    rl_host_end,
    rl_host_ip_literal,
    rl_port_start,
    rl_port,
    rl_after_slash_in_uri,
    rl_check_uri,
    rl_uri,
    rl_http_09,
    rl_http_H,
    rl_http_HT,
    rl_http_HTT,
    rl_http_HTTP,
    rl_first_major_digit,
    rl_major_digit,
    rl_first_minor_digit,
    rl_minor_digit,
    rl_spaces_after_digit,
    rl_almost_done
};


hx_int_t
hx_http_parse_request_line(hx_http_parser_t *r, hx_buf_t *b)
{
    uint8_t   c, ch, *p;
    hx_uint_t state;

    state = r->state;

    for (p = b->pos; p < b->last; p++) {
        ch = *p;

        switch (state) {

        case rl_start:
            r->request_start = p;

            if (ch == CR || ch == LF) {
                /* empty lines before a request are allowed (RFC 9112 2.2) */
                break;
            }

            if ((ch < 'A' || ch > 'Z') && ch != '_' && ch != '-') {
                return HX_HTTP_PARSE_INVALID_METHOD;
            }

            state = rl_method;
            break;

        case rl_method:
            if (ch == ' ') {
                r->method_end = p - 1;
                r->method = hx_http_method_bit(r->request_start,
                                               p - r->request_start);

                /* CONNECT names an authority, "host:port" (RFC 9112 3.2.3) */
                state = (r->method == HX_HTTP_CONNECT) ? rl_spaces_before_host
                                                        : rl_spaces_before_uri;
                break;
            }

            if ((ch < 'A' || ch > 'Z') && ch != '_' && ch != '-') {
                return HX_HTTP_PARSE_INVALID_METHOD;
            }

            break;

        case rl_spaces_before_uri:

            if (ch == '/') {
                r->uri_start = p;
                state = rl_after_slash_in_uri;
                break;
            }

            c = (uint8_t) (ch | 0x20);
            if (c >= 'a' && c <= 'z') {
                r->schema_start = p;
                state = rl_schema;
                break;
            }

            if (ch == ' ') {
                break;
            }

            return HX_HTTP_PARSE_INVALID_REQUEST;

        case rl_schema:

            c = (uint8_t) (ch | 0x20);
            if ((c >= 'a' && c <= 'z') || (ch >= '0' && ch <= '9')
                || ch == '+' || ch == '-' || ch == '.')
            {
                break;
            }

            if (ch == ':') {
                r->schema_end = p;
                state = rl_schema_slash;
                break;
            }

            return HX_HTTP_PARSE_INVALID_REQUEST;

        case rl_schema_slash:
            if (ch != '/') {
                return HX_HTTP_PARSE_INVALID_REQUEST;
            }

            state = rl_schema_slash_slash;
            break;

        case rl_schema_slash_slash:
            if (ch != '/') {
                return HX_HTTP_PARSE_INVALID_REQUEST;
            }

            state = rl_host_start;
            break;

        case rl_spaces_before_host:

            if (ch == ' ') {
                break;
            }

            /* fall through */

        case rl_host_start:
            r->host_start = p;

            if (ch == '[') {
                state = rl_host_ip_literal;
                break;
            }

            state = rl_host;

            /* fall through */

        case rl_host:

            c = (uint8_t) (ch | 0x20);
            if ((c >= 'a' && c <= 'z') || (ch >= '0' && ch <= '9')
                || ch == '.' || ch == '-')
            {
                break;
            }

            /* fall through */

        case rl_host_end:

            r->host_end = p;

            if (ch == ':') {
                r->port_start = p + 1;
                state = rl_port_start;
                break;
            }

            if (r->method == HX_HTTP_CONNECT) {
                return HX_HTTP_PARSE_INVALID_REQUEST;
            }

            switch (ch) {
            case '/':
                r->uri_start = p;
                state = rl_after_slash_in_uri;
                break;
            case '?':
                r->uri_start = p;
                r->args_start = p + 1;
                r->empty_path_in_uri = 1;
                state = rl_uri;
                break;
            case ' ':
                /* "GET http://host HTTP/1.1": the path is "/" */
                r->uri_start = r->schema_end + 1;
                r->uri_end = r->schema_end + 2;
                r->empty_path_in_uri = 1;
                state = rl_http_09;
                break;
            default:
                return HX_HTTP_PARSE_INVALID_REQUEST;
            }

            break;

        case rl_host_ip_literal:

            if (ch >= '0' && ch <= '9') {
                break;
            }

            c = (uint8_t) (ch | 0x20);
            if (c >= 'a' && c <= 'z') {
                break;
            }

            switch (ch) {
            case ':':
            case '.':
            case '-':
            case '_':
            case '~':
                /* unreserved */
                break;
            case '!':
            case '$':
            case '&':
            case '\'':
            case '(':
            case ')':
            case '*':
            case '+':
            case ',':
            case ';':
            case '=':
                /* sub-delims, allowed in IPvFuture (RFC 3986 3.2.2) */
                break;
            case ']':
                state = rl_host_end;
                break;
            default:
                return HX_HTTP_PARSE_INVALID_REQUEST;
            }

            break;

        case rl_port_start:

            state = rl_port;

            if (ch >= '0' && ch <= '9') {
                break;
            }

            if (r->method == HX_HTTP_CONNECT) {
                return HX_HTTP_PARSE_INVALID_REQUEST;
            }

            /* fall through */

        case rl_port:
            if (ch >= '0' && ch <= '9') {
                break;
            }

            if (r->method == HX_HTTP_CONNECT) {
                if (ch == ' ') {
                    r->port_end = p;
                    state = rl_http_09;
                    break;
                }

                return HX_HTTP_PARSE_INVALID_REQUEST;
            }

            switch (ch) {
            case '/':
                r->port_end = p;
                r->uri_start = p;
                state = rl_after_slash_in_uri;
                break;
            case '?':
                r->port_end = p;
                r->uri_start = p;
                r->args_start = p + 1;
                r->empty_path_in_uri = 1;
                state = rl_uri;
                break;
            case ' ':
                r->port_end = p;
                r->uri_start = r->schema_end + 1;
                r->uri_end = r->schema_end + 2;
                r->empty_path_in_uri = 1;
                state = rl_http_09;
                break;
            default:
                return HX_HTTP_PARSE_INVALID_REQUEST;
            }

            break;

        /* the first byte after a slash: a dot segment or a double slash
         * make the URI complex */
        case rl_after_slash_in_uri:

            if (hx_http_is_usual(ch)) {
                state = rl_check_uri;
                break;
            }

            switch (ch) {
            case ' ':
                r->uri_end = p;
                state = rl_http_09;
                break;
            case CR:
                r->uri_end = p;
                r->http_minor = 9;
                state = rl_almost_done;
                break;
            case LF:
                r->uri_end = p;
                r->http_minor = 9;
                goto done;
            case '.':
                r->complex_uri = 1;
                state = rl_uri;
                break;
            case '%':
                r->quoted_uri = 1;
                state = rl_uri;
                break;
            case '/':
                r->complex_uri = 1;
                state = rl_uri;
                break;
            case '?':
                r->args_start = p + 1;
                state = rl_uri;
                break;
            case '#':
                r->complex_uri = 1;
                state = rl_uri;
                break;
            case '+':
                r->plus_in_uri = 1;
                break;
            default:
                if (ch < 0x20 || ch == 0x7f) {
                    return HX_HTTP_PARSE_INVALID_REQUEST;
                }
                state = rl_check_uri;
                break;
            }

            break;

        case rl_check_uri:

            if (hx_http_is_usual(ch)) {
                break;
            }

            switch (ch) {
            case '/':
                r->uri_ext = NULL;
                state = rl_after_slash_in_uri;
                break;
            case '.':
                r->uri_ext = p + 1;
                break;
            case ' ':
                r->uri_end = p;
                state = rl_http_09;
                break;
            case CR:
                r->uri_end = p;
                r->http_minor = 9;
                state = rl_almost_done;
                break;
            case LF:
                r->uri_end = p;
                r->http_minor = 9;
                goto done;
            case '%':
                r->quoted_uri = 1;
                state = rl_uri;
                break;
            case '?':
                r->args_start = p + 1;
                state = rl_uri;
                break;
            case '#':
                r->complex_uri = 1;
                state = rl_uri;
                break;
            case '+':
                r->plus_in_uri = 1;
                break;
            default:
                if (ch < 0x20 || ch == 0x7f) {
                    return HX_HTTP_PARSE_INVALID_REQUEST;
                }
                break;
            }

            break;

        case rl_uri:

            if (hx_http_is_usual(ch)) {
                break;
            }

            switch (ch) {
            case ' ':
                r->uri_end = p;
                state = rl_http_09;
                break;
            case CR:
                r->uri_end = p;
                r->http_minor = 9;
                state = rl_almost_done;
                break;
            case LF:
                r->uri_end = p;
                r->http_minor = 9;
                goto done;
            case '#':
                r->complex_uri = 1;
                break;
            default:
                if (ch < 0x20 || ch == 0x7f) {
                    return HX_HTTP_PARSE_INVALID_REQUEST;
                }
                break;
            }

            break;

        /* after the URI: "HTTP/x.y", or the end of an HTTP/0.9 request */
        case rl_http_09:
            switch (ch) {
            case ' ':
                break;
            case CR:
                r->http_minor = 9;
                state = rl_almost_done;
                break;
            case LF:
                r->http_minor = 9;
                goto done;
            case 'H':
                r->http_protocol_start = p;
                state = rl_http_H;
                break;
            default:
                return HX_HTTP_PARSE_INVALID_REQUEST;
            }

            break;

        case rl_http_H:
            if (ch != 'T') {
                return HX_HTTP_PARSE_INVALID_REQUEST;
            }
            state = rl_http_HT;
            break;

        case rl_http_HT:
            if (ch != 'T') {
                return HX_HTTP_PARSE_INVALID_REQUEST;
            }
            state = rl_http_HTT;
            break;

        case rl_http_HTT:
            if (ch != 'P') {
                return HX_HTTP_PARSE_INVALID_REQUEST;
            }
            state = rl_http_HTTP;
            break;

        case rl_http_HTTP:
            if (ch != '/') {
                return HX_HTTP_PARSE_INVALID_REQUEST;
            }

            if (r->method == HX_HTTP_CONNECT) {
                /* a CONNECT request's URI is "/": the one in "HTTP/" */
                r->uri_start = p;
                r->uri_end = p + 1;
            }

            state = rl_first_major_digit;
            break;

        case rl_first_major_digit:
            if (ch < '1' || ch > '9') {
                return HX_HTTP_PARSE_INVALID_REQUEST;
            }

            r->http_major = ch - '0';

            if (r->http_major > 1) {
                return HX_HTTP_PARSE_INVALID_VERSION;
            }

            state = rl_major_digit;
            break;

        case rl_major_digit:
            if (ch == '.') {
                state = rl_first_minor_digit;
                break;
            }

            if (ch < '0' || ch > '9') {
                return HX_HTTP_PARSE_INVALID_REQUEST;
            }

            r->http_major = r->http_major * 10 + (ch - '0');

            if (r->http_major > 1) {
                return HX_HTTP_PARSE_INVALID_VERSION;
            }

            break;

        case rl_first_minor_digit:
            if (ch < '0' || ch > '9') {
                return HX_HTTP_PARSE_INVALID_REQUEST;
            }

            r->http_minor = ch - '0';
            state = rl_minor_digit;
            break;

        case rl_minor_digit:
            if (ch == CR) {
                state = rl_almost_done;
                break;
            }

            if (ch == LF) {
                goto done;
            }

            if (ch == ' ') {
                state = rl_spaces_after_digit;
                break;
            }

            if (ch < '0' || ch > '9') {
                return HX_HTTP_PARSE_INVALID_REQUEST;
            }

            if (r->http_minor > 99) {
                return HX_HTTP_PARSE_INVALID_REQUEST;
            }

            r->http_minor = r->http_minor * 10 + (ch - '0');
            break;

        case rl_spaces_after_digit:
            switch (ch) {
            case ' ':
                break;
            case CR:
                state = rl_almost_done;
                break;
            case LF:
                goto done;
            default:
                return HX_HTTP_PARSE_INVALID_REQUEST;
            }
            break;

        case rl_almost_done:
            r->request_end = p - 1;

            if (ch == LF) {
                goto done;
            }

            return HX_HTTP_PARSE_INVALID_REQUEST;
        }
    }

    b->pos = p;
    r->state = state;

    return HX_AGAIN;

done:

    b->pos = p + 1;

    if (r->request_end == NULL) {
        r->request_end = p;
    }

    r->http_version = r->http_major * 1000 + r->http_minor;
    r->state = rl_start;

    if (r->http_version == HX_HTTP_VERSION_9 && r->method != HX_HTTP_GET) {
        return HX_HTTP_PARSE_INVALID_09_METHOD;
    }

    return HX_OK;
}


/* header-line states */
enum {
    hl_start = 0,
    hl_name,
    hl_space_before_value,
    hl_value,
    hl_space_after_value,
    hl_almost_done,
    hl_header_almost_done
};


hx_int_t
hx_http_parse_header_line(hx_http_parser_t *r, hx_buf_t *b,
    hx_uint_t allow_underscores)
{
    uint8_t    c, ch, *p;
    hx_uint_t  hash, i, state;

    state = r->state;
    hash = r->header_hash;
    i = r->lowcase_index;

    for (p = b->pos; p < b->last; p++) {
        ch = *p;

        switch (state) {

        case hl_start:
            r->header_name_start = p;
            r->invalid_header = 0;

            switch (ch) {
            case CR:
                r->header_end = p;
                state = hl_header_almost_done;
                break;
            case LF:
                r->header_end = p;
                goto header_done;
            default:
                state = hl_name;

                c = hx_http_header_lowcase(ch);

                if (c) {
                    hash = hx_hash(0, c);
                    r->lowcase_header[0] = c;
                    i = 1;
                    break;
                }

                if (ch == '_') {
                    if (allow_underscores) {
                        hash = hx_hash(0, ch);
                        r->lowcase_header[0] = ch;
                        i = 1;

                    } else {
                        hash = 0;
                        i = 0;
                        r->invalid_header = 1;
                    }

                    break;
                }

                if (ch <= 0x20 || ch == 0x7f || ch == ':') {
                    r->header_end = p;
                    return HX_HTTP_PARSE_INVALID_HEADER;
                }

                hash = 0;
                i = 0;
                r->invalid_header = 1;
                break;
            }

            break;

        case hl_name:
            c = hx_http_header_lowcase(ch);

            if (c) {
                hash = hx_hash(hash, c);
                r->lowcase_header[i++] = c;
                i &= (HX_HTTP_LC_HEADER_LEN - 1);
                break;
            }

            if (ch == '_') {
                if (allow_underscores) {
                    hash = hx_hash(hash, ch);
                    r->lowcase_header[i++] = ch;
                    i &= (HX_HTTP_LC_HEADER_LEN - 1);

                } else {
                    r->invalid_header = 1;
                }

                break;
            }

            if (ch == ':') {
                r->header_name_end = p;
                state = hl_space_before_value;
                break;
            }

            if (ch <= 0x20 || ch == 0x7f) {
                /* no colon, or white space before it (RFC 9112 5.1) */
                r->header_end = p;
                return HX_HTTP_PARSE_INVALID_HEADER;
            }

            r->invalid_header = 1;
            break;

        case hl_space_before_value:
            switch (ch) {
            case ' ':
            case '\t':
                break;
            case CR:
                r->header_start = p;
                r->header_end = p;
                state = hl_almost_done;
                break;
            case LF:
                r->header_start = p;
                r->header_end = p;
                goto done;
            case '\0':
                r->header_end = p;
                return HX_HTTP_PARSE_INVALID_HEADER;
            default:
                r->header_start = p;
                state = hl_value;
                break;
            }
            break;

        case hl_value:
            switch (ch) {
            case ' ':
            case '\t':
                r->header_end = p;
                state = hl_space_after_value;
                break;
            case CR:
                r->header_end = p;
                state = hl_almost_done;
                break;
            case LF:
                r->header_end = p;
                goto done;
            case '\0':
                r->header_end = p;
                return HX_HTTP_PARSE_INVALID_HEADER;
            }
            break;

        /* trailing white space is not part of the value */
        case hl_space_after_value:
            switch (ch) {
            case ' ':
            case '\t':
                break;
            case CR:
                state = hl_almost_done;
                break;
            case LF:
                goto done;
            case '\0':
                r->header_end = p;
                return HX_HTTP_PARSE_INVALID_HEADER;
            default:
                state = hl_value;
                break;
            }
            break;

        case hl_almost_done:
            if (ch == LF) {
                goto done;
            }

            r->header_end = p;
            return HX_HTTP_PARSE_INVALID_HEADER;

        case hl_header_almost_done:
            if (ch == LF) {
                goto header_done;
            }

            r->header_end = p;
            return HX_HTTP_PARSE_INVALID_HEADER;
        }
    }

    b->pos = p;
    r->state = state;
    r->header_hash = hash;
    r->lowcase_index = i;

    return HX_AGAIN;

done:

    b->pos = p + 1;
    r->state = hl_start;
    r->header_hash = hash;
    r->lowcase_index = i;

    return HX_OK;

header_done:

    b->pos = p + 1;
    r->state = hl_start;

    return HX_HTTP_PARSE_HEADER_DONE;
}


/* complex-URI states */
enum {
    cu_usual = 0,
    cu_slash,
    cu_dot,
    cu_dot_dot,
    cu_quoted,
    cu_quoted_second
};


/* steps u back to just after the previous '/', or fails above the root */
static hx_int_t
hx_http_uri_back_one_segment(uint8_t *start, uint8_t **u)
{
    uint8_t  *q;

    q = *u - 1;     /* the '/' before the ".." */

    for ( ;; ) {
        if (q == start) {
            return HX_ERROR;
        }

        q--;

        if (*q == '/') {
            *u = q + 1;
            return HX_OK;
        }
    }
}


hx_int_t
hx_http_parse_complex_uri(hx_http_parser_t *r, uint8_t *dst, size_t *len,
    hx_uint_t merge_slashes, uint8_t **args, size_t *args_len)
{
    uint8_t    c, ch, decoded, *p, *u;
    hx_uint_t  state, quoted_state;

    state = cu_usual;
    quoted_state = cu_usual;
    decoded = 0;
    p = r->uri_start;
    u = dst;
    *args = NULL;
    *args_len = 0;
    r->uri_ext = NULL;

    while (p < r->uri_end) {

        ch = *p++;

    again:

        switch (state) {

        case cu_usual:
            switch (ch) {
            case '/':
                r->uri_ext = NULL;
                state = cu_slash;
                *u++ = ch;
                break;
            case '%':
                quoted_state = state;
                state = cu_quoted;
                break;
            case '?':
                goto args;
            case '#':
                goto done;
            case '.':
                r->uri_ext = u + 1;
                *u++ = ch;
                break;
            case '+':
                r->plus_in_uri = 1;
                /* fall through */
            default:
                *u++ = ch;
                break;
            }
            break;

        case cu_slash:
            switch (ch) {
            case '/':
                if (!merge_slashes) {
                    *u++ = ch;
                }
                break;
            case '.':
                state = cu_dot;
                *u++ = ch;
                break;
            case '%':
                quoted_state = state;
                state = cu_quoted;
                break;
            case '?':
                goto args;
            case '#':
                goto done;
            case '+':
                r->plus_in_uri = 1;
                /* fall through */
            default:
                state = cu_usual;
                *u++ = ch;
                break;
            }
            break;

        case cu_dot:
            switch (ch) {
            case '/':
                /* "/./" is "/" */
                state = cu_slash;
                u--;
                break;
            case '.':
                state = cu_dot_dot;
                *u++ = ch;
                break;
            case '%':
                quoted_state = state;
                state = cu_quoted;
                break;
            case '?':
                u--;
                goto args;
            case '#':
                u--;
                goto done;
            default:
                state = cu_usual;
                *u++ = ch;
                break;
            }
            break;

        case cu_dot_dot:
            switch (ch) {
            case '/':
            case '?':
            case '#':
                u -= 2;     /* drop ".." and step over the segment before */
                if (hx_http_uri_back_one_segment(dst, &u) != HX_OK) {
                    return HX_HTTP_PARSE_INVALID_REQUEST;
                }

                if (ch == '?') {
                    goto args;
                }

                if (ch == '#') {
                    goto done;
                }

                state = cu_slash;
                break;
            case '%':
                quoted_state = state;
                state = cu_quoted;
                break;
            default:
                state = cu_usual;
                *u++ = ch;
                break;
            }
            break;

        case cu_quoted:
            if (ch >= '0' && ch <= '9') {
                decoded = (uint8_t) (ch - '0');
                state = cu_quoted_second;
                break;
            }

            c = (uint8_t) (ch | 0x20);
            if (c >= 'a' && c <= 'f') {
                decoded = (uint8_t) (c - 'a' + 10);
                state = cu_quoted_second;
                break;
            }

            return HX_HTTP_PARSE_INVALID_REQUEST;

        case cu_quoted_second:
            if (ch >= '0' && ch <= '9') {
                ch = (uint8_t) ((decoded << 4) + (ch - '0'));

            } else {
                c = (uint8_t) (ch | 0x20);
                if (c < 'a' || c > 'f') {
                    return HX_HTTP_PARSE_INVALID_REQUEST;
                }

                ch = (uint8_t) ((decoded << 4) + (c - 'a') + 10);
            }

            if (ch == '\0') {
                return HX_HTTP_PARSE_INVALID_REQUEST;
            }

            if (ch == '%' || ch == '#' || ch == '?') {
                /* decoded delimiters are data, not syntax */
                state = cu_usual;
                *u++ = ch;
                break;
            }

            if (ch == '+') {
                r->plus_in_uri = 1;
            }

            /* a decoded '/' or '.' still forms dot segments: re-examine it
             * in the state before the escape, so "%2e%2e" can't climb out */
            state = quoted_state;
            goto again;
        }
    }

    if (state == cu_quoted || state == cu_quoted_second) {
        return HX_HTTP_PARSE_INVALID_REQUEST;
    }

    if (state == cu_dot) {
        u--;

    } else if (state == cu_dot_dot) {
        u -= 2;
        if (hx_http_uri_back_one_segment(dst, &u) != HX_OK) {
            return HX_HTTP_PARSE_INVALID_REQUEST;
        }
    }

    goto done;

args:

    /* the fragment is not part of the arguments */

    *args = p;

    while (p < r->uri_end && *p != '#') {
        p++;
    }

    *args_len = p - *args;

done:

    *len = u - dst;

    if (r->uri_ext && r->uri_ext >= u) {
        r->uri_ext = NULL;
    }

    return HX_OK;
}


hx_int_t
hx_http_parse_unsafe_uri(hx_str_t *uri, hx_str_t *args, hx_uint_t *flags)
{
    uint8_t  ch, *p, *src;
    size_t   len;

    len = uri->len;
    p = uri->data;

    if (len == 0 || p[0] == '?') {
        goto unsafe;
    }

    if (p[0] == '.' && len > 1 && p[1] == '.'
        && (len == 2 || p[2] == '/'))
    {
        goto unsafe;
    }

    for ( /* void */ ; len; len--) {

        ch = *p++;

        if (ch == '\0') {
            *flags |= HX_HTTP_ZERO_IN_URI;
            continue;
        }

        if (ch == '?') {
            args->len = len - 1;
            args->data = p;
            uri->len -= len;
            break;
        }

        if (ch != '/') {
            continue;
        }

        /* "/../" and "/.." at the end are unsafe */
        if (len > 2 && p[0] == '.' && p[1] == '.'
            && (len == 3 || p[2] == '/'))
        {
            goto unsafe;
        }
    }

    for (src = uri->data, len = uri->len; len; len--, src++) {
        if (*src == '%') {
            /* an escaped dot segment is as unsafe as a plain one */
            if (len > 2 && src[1] == '2' && (src[2] | 0x20) == 'e') {
                goto unsafe;
            }
        }
    }

    return HX_OK;

unsafe:

    return HX_ERROR;
}


/* status-line states */
enum {
    st_start = 0,
    st_H,
    st_HT,
    st_HTT,
    st_HTTP,
    st_first_major_digit,
    st_major_digit,
    st_first_minor_digit,
    st_minor_digit,
    st_status,
    st_space_after_status,
    st_status_text,
    st_almost_done
};


hx_int_t
hx_http_parse_status_line(hx_http_status_t *status, hx_buf_t *b)
{
    uint8_t    ch, *p;
    hx_uint_t  state, major, minor;

    state = status->state;
    major = status->http_version / 1000;
    minor = status->http_version % 1000;

    for (p = b->pos; p < b->last; p++) {
        ch = *p;

        switch (state) {

        case st_start:
            if (ch != 'H') {
                return HX_ERROR;
            }
            status->start = p;
            state = st_H;
            break;

        case st_H:
            if (ch != 'T') {
                return HX_ERROR;
            }
            state = st_HT;
            break;

        case st_HT:
            if (ch != 'T') {
                return HX_ERROR;
            }
            state = st_HTT;
            break;

        case st_HTT:
            if (ch != 'P') {
                return HX_ERROR;
            }
            state = st_HTTP;
            break;

        case st_HTTP:
            if (ch != '/') {
                return HX_ERROR;
            }
            state = st_first_major_digit;
            break;

        case st_first_major_digit:
            if (ch < '1' || ch > '9') {
                return HX_ERROR;
            }
            major = ch - '0';
            state = st_major_digit;
            break;

        case st_major_digit:
            if (ch == '.') {
                state = st_first_minor_digit;
                break;
            }

            if (ch < '0' || ch > '9' || major > 99) {
                return HX_ERROR;
            }

            major = major * 10 + (ch - '0');
            break;

        case st_first_minor_digit:
            if (ch < '0' || ch > '9') {
                return HX_ERROR;
            }
            minor = ch - '0';
            state = st_minor_digit;
            break;

        case st_minor_digit:
            if (ch == ' ') {
                state = st_status;
                break;
            }

            if (ch < '0' || ch > '9' || minor > 99) {
                return HX_ERROR;
            }

            minor = minor * 10 + (ch - '0');
            break;

        case st_status:
            if (ch == ' ') {
                break;
            }

            if (ch < '0' || ch > '9') {
                return HX_ERROR;
            }

            status->code = status->code * 10 + (ch - '0');

            if (++status->count == 3) {
                state = st_space_after_status;
            }

            break;

        case st_space_after_status:
            switch (ch) {
            case ' ':
                state = st_status_text;
                break;
            case CR:
                state = st_almost_done;
                break;
            case LF:
                goto done;
            default:
                return HX_ERROR;
            }
            break;

        case st_status_text:
            switch (ch) {
            case CR:
                state = st_almost_done;
                break;
            case LF:
                goto done;
            }
            break;

        case st_almost_done:
            status->end = p - 1;

            if (ch == LF) {
                goto done;
            }

            return HX_ERROR;
        }
    }

    b->pos = p;
    status->state = state;
    status->http_version = major * 1000 + minor;

    return HX_AGAIN;

done:

    b->pos = p + 1;

    if (status->end == NULL) {
        status->end = p;
    }

    status->http_version = major * 1000 + minor;
    status->state = st_start;

    if (status->code < 100) {
        return HX_ERROR;
    }

    return HX_OK;
}


/* chunked states */
enum {
    ch_chunk_start = 0,
    ch_chunk_size,
    ch_chunk_extension,
    ch_chunk_extension_almost_done,
    ch_chunk_data,
    ch_after_data,
    ch_after_data_almost_done,
    ch_last_chunk_extension,
    ch_last_chunk_extension_almost_done,
    ch_trailer,
    ch_trailer_almost_done,
    ch_trailer_header,
    ch_trailer_header_almost_done
};


static hx_int_t
hx_http_hex_digit(uint8_t ch)
{
    uint8_t  c;

    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }

    c = (uint8_t) (ch | 0x20);

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


hx_int_t
hx_http_parse_chunked(hx_http_chunked_t *ctx, hx_buf_t *b)
{
    uint8_t    ch, *p;
    hx_int_t   d;
    hx_uint_t  state;

    state = ctx->state;

    if (state == ch_chunk_data && ctx->size == 0) {
        state = ch_after_data;
    }

    for (p = b->pos; p < b->last; p++) {
        ch = *p;

        switch (state) {

        case ch_chunk_start:
            d = hx_http_hex_digit(ch);
            if (d < 0) {
                goto invalid;
            }

            ctx->size = d;
            state = ch_chunk_size;
            break;

        case ch_chunk_size:
            if (ctx->size > HX_MAX_OFF_T_VALUE / 16) {
                goto invalid;
            }

            d = hx_http_hex_digit(ch);
            if (d >= 0) {
                ctx->size = ctx->size * 16 + d;
                break;
            }

            if (ctx->size == 0) {
                switch (ch) {
                case CR:
                    state = ch_last_chunk_extension_almost_done;
                    break;
                case LF:
                    state = ch_trailer;
                    break;
                case ';':
                case ' ':
                case '\t':
                    state = ch_last_chunk_extension;
                    break;
                default:
                    goto invalid;
                }

                break;
            }

            switch (ch) {
            case CR:
                state = ch_chunk_extension_almost_done;
                break;
            case LF:
                state = ch_chunk_data;
                break;
            case ';':
            case ' ':
            case '\t':
                state = ch_chunk_extension;
                break;
            default:
                goto invalid;
            }

            break;

        case ch_chunk_extension:
            switch (ch) {
            case CR:
                state = ch_chunk_extension_almost_done;
                break;
            case LF:
                state = ch_chunk_data;
                break;
            }
            break;

        case ch_chunk_extension_almost_done:
            if (ch != LF) {
                goto invalid;
            }
            state = ch_chunk_data;
            break;

        case ch_chunk_data:
            /* data is the caller's: hand it over */
            goto data;

        case ch_after_data:
            switch (ch) {
            case CR:
                state = ch_after_data_almost_done;
                break;
            case LF:
                state = ch_chunk_start;
                break;
            default:
                goto invalid;
            }
            break;

        case ch_after_data_almost_done:
            if (ch != LF) {
                goto invalid;
            }
            state = ch_chunk_start;
            break;

        case ch_last_chunk_extension:
            switch (ch) {
            case CR:
                state = ch_last_chunk_extension_almost_done;
                break;
            case LF:
                state = ch_trailer;
                break;
            }
            break;

        case ch_last_chunk_extension_almost_done:
            if (ch != LF) {
                goto invalid;
            }
            state = ch_trailer;
            break;

        case ch_trailer:
            switch (ch) {
            case CR:
                state = ch_trailer_almost_done;
                break;
            case LF:
                goto last;
            default:
                state = ch_trailer_header;
            }
            break;

        case ch_trailer_almost_done:
            if (ch != LF) {
                goto invalid;
            }
            goto last;

        case ch_trailer_header:
            switch (ch) {
            case CR:
                state = ch_trailer_header_almost_done;
                break;
            case LF:
                state = ch_trailer;
            }
            break;

        case ch_trailer_header_almost_done:
            if (ch != LF) {
                goto invalid;
            }
            state = ch_trailer;
            break;
        }

        if (state == ch_trailer && ctx->trailers) {
            /* the trailer fields are the caller's (proxy_pass_trailers) */
            p++;
            goto trailers;
        }
    }

data:

    ctx->state = state;
    b->pos = p;

    /* a lower bound of what is still to come, for body size limits */
    switch (state) {
    case ch_chunk_start:
        ctx->length = 3 /* "0" LF LF */;
        break;
    case ch_chunk_size:
        ctx->length = 1 /* LF */
                      + (ctx->size ? ctx->size + 4 /* LF "0" LF LF */
                                   : 1 /* LF */);
        break;
    case ch_chunk_extension:
    case ch_chunk_extension_almost_done:
        ctx->length = 1 /* LF */ + ctx->size + 4 /* LF "0" LF LF */;
        break;
    case ch_chunk_data:
        ctx->length = ctx->size + 4 /* LF "0" LF LF */;
        break;
    case ch_after_data:
    case ch_after_data_almost_done:
        ctx->length = 4 /* LF "0" LF LF */;
        break;
    default:
        ctx->length = 2 /* LF LF */;
        break;
    }

    if (state == ch_chunk_data && p < b->last) {
        return HX_OK;
    }

    return HX_AGAIN;

last:

    p++;

trailers:

    ctx->state = ch_chunk_start;
    ctx->size = 0;
    ctx->length = 0;
    b->pos = p;

    return HX_DONE;

invalid:

    return HX_ERROR;
}


hx_int_t
hx_http_arg(hx_str_t *args, uint8_t *name, size_t len, hx_str_t *value)
{
    uint8_t  *p, *last;

    if (args->len == 0) {
        return HX_DECLINED;
    }

    p = args->data;
    last = p + args->len;

    for ( /* void */ ; p < last; p++) {

        /* the name must start the string or follow '&', and end in '=' */
        p = hx_strlcasestrn(p, last - 1, name, len - 1);

        if (p == NULL) {
            return HX_DECLINED;
        }

        if ((p == args->data || *(p - 1) == '&') && *(p + len) == '=') {

            value->data = p + len + 1;

            p = hx_strlchr(p, last, '&');

            if (p == NULL) {
                p = last;
            }

            value->len = p - value->data;

            return HX_OK;
        }
    }

    return HX_DECLINED;
}


void
hx_http_split_args(hx_str_t *uri, hx_str_t *args)
{
    uint8_t  *p, *last;

    last = uri->data + uri->len;

    p = hx_strlchr(uri->data, last, '?');

    if (p) {
        uri->len = p - uri->data;
        p++;
        args->len = last - p;
        args->data = p;

    } else {
        args->len = 0;
        args->data = NULL;
    }
}


hx_int_t
hx_http_parse_multi_header_line(hx_str_t *header, hx_str_t *name,
    hx_str_t *value, uint8_t sep)
{
    uint8_t  *start, *last, *end, ch;

    start = header->data;
    end = header->data + header->len;

    while (start < end) {

        if ((size_t) (end - start) < name->len
            || hx_strncasecmp(start, name->data, name->len) != 0)
        {
            goto skip;
        }

        for (start += name->len; start < end && *start == ' '; start++) {
            /* void */
        }

        if (value == NULL) {
            if (start == end || *start == sep) {
                return HX_OK;
            }

            goto skip;
        }

        if (start == end || *start++ != '=') {
            /* the name is only a prefix of another one */
            goto skip;
        }

        while (start < end && *start == ' ') {
            start++;
        }

        last = start;

        while (last < end && *last != sep) {
            last++;
        }

        value->len = last - start;
        value->data = start;

        return HX_OK;

    skip:

        while (start < end) {
            ch = *start++;
            if (ch == sep) {
                break;
            }
        }

        while (start < end && *start == ' ') {
            start++;
        }
    }

    return HX_DECLINED;
}

/*
 * The HTTP/1.x parsers: request line, header lines, complex URIs, chunked
 * bodies, upstream status lines, and the argument helpers.  They are pure
 * byte state machines with no I/O and no allocation: all state lives in a
 * parser struct embedded in the request, so input may be split at any
 * byte and parsing resumes where it stopped (STYLE.md section 11).  The
 * parsers point into the caller's buffer instead of copying.
 */

#ifndef HX_HTTP_HX_HTTP_PARSE_H
#define HX_HTTP_HX_HTTP_PARSE_H


/* methods, as bits so that limit_except and proxy can test sets */
#define HX_HTTP_UNKNOWN                   0x00000001
#define HX_HTTP_GET                       0x00000002
#define HX_HTTP_HEAD                      0x00000004
#define HX_HTTP_POST                      0x00000008
#define HX_HTTP_PUT                       0x00000010
#define HX_HTTP_DELETE                    0x00000020
#define HX_HTTP_MKCOL                     0x00000040
#define HX_HTTP_COPY                      0x00000080
#define HX_HTTP_MOVE                      0x00000100
#define HX_HTTP_OPTIONS                   0x00000200
#define HX_HTTP_PROPFIND                  0x00000400
#define HX_HTTP_PROPPATCH                 0x00000800
#define HX_HTTP_LOCK                      0x00001000
#define HX_HTTP_UNLOCK                    0x00002000
#define HX_HTTP_PATCH                     0x00004000
#define HX_HTTP_TRACE                     0x00008000
#define HX_HTTP_CONNECT                   0x00010000

#define HX_HTTP_VERSION_9                 9
#define HX_HTTP_VERSION_10                1000
#define HX_HTTP_VERSION_11                1001

/* parser results beyond HX_OK / HX_AGAIN / HX_DONE */
#define HX_HTTP_PARSE_HEADER_DONE         1
#define HX_HTTP_PARSE_INVALID_METHOD      10
#define HX_HTTP_PARSE_INVALID_REQUEST     11
#define HX_HTTP_PARSE_INVALID_VERSION     12
#define HX_HTTP_PARSE_INVALID_09_METHOD   13
#define HX_HTTP_PARSE_INVALID_HEADER      14

#define HX_HTTP_LC_HEADER_LEN             32


/*
 * Request-line and header-line state.  Pointers point into the buffer
 * being parsed; the caller keeps that buffer (or moves the pointers with
 * it when it grows a larger one).
 */
typedef struct {
    hx_uint_t        state;

    hx_uint_t        method;
    hx_uint_t        http_version;
    hx_uint_t        http_major;
    hx_uint_t        http_minor;

    uint8_t         *request_start;
    uint8_t         *request_end;
    uint8_t         *method_end;
    uint8_t         *schema_start;
    uint8_t         *schema_end;
    uint8_t         *host_start;
    uint8_t         *host_end;
    uint8_t         *port_start;
    uint8_t         *port_end;
    uint8_t         *uri_start;
    uint8_t         *uri_end;
    uint8_t         *uri_ext;
    uint8_t         *args_start;
    uint8_t         *http_protocol_start;   /* "HTTP/1.1" */

    /* the URI needs hx_http_parse_complex_uri() */
    unsigned         complex_uri:1;
    unsigned         quoted_uri:1;          /* has %XX */
    unsigned         plus_in_uri:1;
    unsigned         empty_path_in_uri:1;   /* "http://host?args" */

    /* header line */
    uint8_t         *header_name_start;
    uint8_t         *header_name_end;
    uint8_t         *header_start;          /* value */
    uint8_t         *header_end;
    hx_uint_t        header_hash;           /* of the lowercased name */
    hx_uint_t        lowcase_index;
    uint8_t          lowcase_header[HX_HTTP_LC_HEADER_LEN];

    unsigned         invalid_header:1;      /* with underscores or bad bytes */
} hx_http_parser_t;


/*
 * Parses the request line from b->pos.  Returns HX_OK when the line is
 * complete (b->pos past it), HX_AGAIN when more input is needed, or an
 * HX_HTTP_PARSE_INVALID_* code.
 */
hx_int_t hx_http_parse_request_line(hx_http_parser_t *p, hx_buf_t *b);

/*
 * Parses one header line.  Returns HX_OK for a header (name and value set,
 * invalid_header set when the name has characters nginx would ignore:
 * "_" unless allow_underscores, or others), HX_HTTP_PARSE_HEADER_DONE at
 * the empty line, HX_AGAIN, or HX_HTTP_PARSE_INVALID_HEADER.
 */
hx_int_t hx_http_parse_header_line(hx_http_parser_t *p, hx_buf_t *b,
    hx_uint_t allow_underscores);

/*
 * Normalises uri_start..uri_end into dst (at least as long as the URI):
 * decodes %XX, resolves "." and ".." segments (a ".." above the root is
 * HX_HTTP_PARSE_INVALID_REQUEST), merges slashes when merge_slashes, and
 * stops at '?' (args_start set).  Sets *len and *exten (the extension's
 * offset, or 0).
 */
hx_int_t hx_http_parse_complex_uri(hx_http_parser_t *p, uint8_t *dst,
    size_t *len, hx_uint_t merge_slashes, uint8_t **args, size_t *args_len);

/*
 * For URIs that reach us from a backend or a script (X-Accel-Redirect):
 * HX_ERROR when a dot segment could climb out of a location, plain or
 * %-escaped.  Splits off "?args"; sets HX_HTTP_ZERO_IN_URI for a NUL.
 */
hx_int_t hx_http_parse_unsafe_uri(hx_str_t *uri, hx_str_t *args,
    hx_uint_t *flags);

#define HX_HTTP_LOG_UNSAFE      1
#define HX_HTTP_ZERO_IN_URI     2


/* upstream status line "HTTP/1.1 200 OK" */
typedef struct {
    hx_uint_t        state;
    hx_uint_t        http_version;
    hx_uint_t        code;
    hx_uint_t        count;
    uint8_t         *start;
    uint8_t         *end;
} hx_http_status_t;

/* HX_OK, HX_AGAIN, or HX_ERROR for something that is no status line */
hx_int_t hx_http_parse_status_line(hx_http_status_t *status, hx_buf_t *b);


/* chunked transfer coding */
typedef struct {
    hx_uint_t        state;
    off_t            size;       /* bytes of data left in this chunk */
    off_t            length;     /* a lower bound of what is still to come */

    /* set by the caller: stop before the trailer section, keep it */
    unsigned         trailers:1;
} hx_http_chunked_t;

/*
 * Advances over b: returns HX_OK with ctx->size bytes of data available at
 * b->pos (the caller consumes min(size, available) and calls again),
 * HX_DONE after the last chunk and trailers, HX_AGAIN for more input, or
 * HX_ERROR for invalid framing (bad size, overflow, missing CRLF).
 * With ctx->trailers set, HX_DONE comes as soon as the last-chunk line
 * ends, with b->pos at the first byte of the trailer section: the caller
 * reads that section itself (hx_http_parse_header_line up to its empty
 * line).  Without it, the trailer section is skipped.
 */
hx_int_t hx_http_parse_chunked(hx_http_chunked_t *ctx, hx_buf_t *b);


/* "name=value&..." lookup; HX_OK with value pointing into args */
hx_int_t hx_http_arg(hx_str_t *args, uint8_t *name, size_t len,
    hx_str_t *value);
/* splits "uri?args" */
void hx_http_split_args(hx_str_t *uri, hx_str_t *args);
/* a cookie or other "name=value;" list lookup */
hx_int_t hx_http_parse_multi_header_line(hx_str_t *header, hx_str_t *name,
    hx_str_t *value, uint8_t sep);

/* method bit of "GET", "POST", ... (HX_HTTP_UNKNOWN when not a known one) */
hx_uint_t hx_http_method_bit(uint8_t *name, size_t len);

#endif /* HX_HTTP_HX_HTTP_PARSE_H */

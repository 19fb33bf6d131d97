/*
 * libFuzzer target: a backend's response header, parsed the way the
 * proxy parses it (hx_http_proxy_response.c): the status line, then
 * header lines with underscores allowed, interim (1xx) responses
 * skipped and the next status line parsed after them, the whole fed in
 * pieces whose size the first byte chooses, as reads from a backend
 * arrive into one growing header buffer.
 *
 * Beyond crashes, it checks what the proxy relies on: every pointer the
 * parsers return lies inside the bytes given so far, names and values
 * are well ordered, a status line has a three-digit code and the parsers
 * never move the buffer's position backwards or past its end.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_http_parse.h>


#define HXF_CHECK(cond)  if (!(cond)) { __builtin_trap(); }


static void
hxf_inside(uint8_t *p, uint8_t *start, uint8_t *last)
{
    HXF_CHECK(p >= start && p <= last);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t             step, fed;
    uint8_t           *copy, *pos;
    hx_int_t           rc;
    hx_buf_t           b;
    hx_uint_t          in_status, interim, lines;
    hx_http_status_t   status;
    hx_http_parser_t   parser;

    if (size < 1) {
        return 0;
    }

    step = (data[0] % 32) + 1;
    data++;
    size--;

    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }

    memcpy(copy, data, size);

    hx_memzero(&status, sizeof(hx_http_status_t));
    hx_memzero(&parser, sizeof(hx_http_parser_t));
    hx_memzero(&b, sizeof(hx_buf_t));

    b.start = copy;
    b.pos = copy;
    b.end = copy + size;
    fed = hx_min(step, size);
    b.last = copy + fed;

    in_status = 1;
    interim = 0;
    lines = 0;

    for ( ;; ) {

        pos = b.pos;

        if (in_status) {
            rc = hx_http_parse_status_line(&status, &b);

            HXF_CHECK(b.pos >= pos && b.pos <= b.last);

            if (rc == HX_OK) {
                HXF_CHECK(status.code >= 100 && status.code <= 999);
                hxf_inside(status.start, copy, b.last);
                hxf_inside(status.end, copy, b.last);
                HXF_CHECK(status.start <= status.end);

                in_status = 0;
                interim = (status.code < 200 && status.code != 101);
                hx_memzero(&parser, sizeof(hx_http_parser_t));
                continue;
            }

            if (rc == HX_ERROR) {
                /* an HTTP/0.9 answer: the proxy passes the bytes on */
                break;
            }

        } else {
            rc = hx_http_parse_header_line(&parser, &b, 1);

            HXF_CHECK(b.pos >= pos && b.pos <= b.last);

            if (rc == HX_OK) {
                hxf_inside(parser.header_name_start, copy, b.last);
                hxf_inside(parser.header_name_end, copy, b.last);
                hxf_inside(parser.header_start, copy, b.last);
                hxf_inside(parser.header_end, copy, b.last);
                HXF_CHECK(parser.header_name_start
                          <= parser.header_name_end);
                HXF_CHECK(parser.header_start <= parser.header_end);
                HXF_CHECK(parser.lowcase_index <= HX_HTTP_LC_HEADER_LEN);

                if (parser.header_name_end - parser.header_name_start
                    == (ssize_t) parser.lowcase_index)
                {
                    HXF_CHECK(hx_hash_key(parser.lowcase_header,
                                          parser.lowcase_index)
                              == parser.header_hash);
                }

                lines++;
                continue;
            }

            if (rc == HX_HTTP_PARSE_HEADER_DONE) {

                if (interim) {
                    /* the final response follows an interim one */
                    hx_memzero(&status, sizeof(hx_http_status_t));
                    in_status = 1;
                    continue;
                }

                break;
            }

            if (rc == HX_HTTP_PARSE_INVALID_HEADER) {
                hxf_inside(parser.header_end, copy, b.last);
                break;
            }
        }

        /* HX_AGAIN: the next read, unless the buffer is full */

        HXF_CHECK(rc == HX_AGAIN);

        if (fed == size) {
            break;
        }

        fed = hx_min(fed + step, size);
        b.last = copy + fed;
    }

    (void) lines;

    free(copy);

    return 0;
}

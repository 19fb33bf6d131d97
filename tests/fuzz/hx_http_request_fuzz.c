/*
 * libFuzzer target: the request-line and header parsers, then the complex
 * URI normaliser, fed the input in two pieces cut where the first byte
 * says.  Any crash, sanitizer report or a normalised URI that climbs above
 * the root is a finding.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_http_parse.h>


static void
check_uri(hx_http_parser_t *p)
{
    uint8_t   out[4096], *args;
    size_t    len, args_len;

    if (p->uri_start == NULL || p->uri_end == NULL
        || (size_t) (p->uri_end - p->uri_start) > sizeof(out))
    {
        return;
    }

    if (hx_http_parse_complex_uri(p, out, &len, 1, &args, &args_len)
        != HX_OK)
    {
        return;
    }

    /* a normalised path never holds a ".." segment */
    if (len >= 3 && memcmp(out, "/..", 3) == 0
        && (len == 3 || out[3] == '/'))
    {
        __builtin_trap();
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hx_int_t          rc;
    size_t            cut;
    uint8_t          *copy;
    hx_buf_t          b;
    hx_http_parser_t  p;

    if (size < 1) {
        return 0;
    }

    cut = data[0] % size;
    data++;
    size--;

    /* an exact-size heap copy lets ASan see reads past the end */
    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }

    memcpy(copy, data, size);

    hx_memzero(&b, sizeof(b));
    hx_memzero(&p, sizeof(p));
    b.start = copy;
    b.pos = copy;
    b.last = copy + (cut < size ? cut : size);

    rc = hx_http_parse_request_line(&p, &b);

    if (rc == HX_AGAIN) {
        b.last = copy + size;
        rc = hx_http_parse_request_line(&p, &b);
    }

    if (rc == HX_OK) {
        check_uri(&p);

        b.last = copy + size;

        do {
            rc = hx_http_parse_header_line(&p, &b, cut & 1);
        } while (rc == HX_OK);
    }

    free(copy);

    return 0;
}

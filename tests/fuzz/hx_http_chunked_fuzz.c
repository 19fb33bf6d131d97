/*
 * libFuzzer target: the chunked-body parser, fed in pieces whose size the
 * first byte chooses.  The decoded length must never exceed the input.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_http_parse.h>


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hx_int_t           rc;
    size_t             step, fed, n, decoded;
    uint8_t           *copy;
    hx_buf_t           b;
    hx_http_chunked_t  ctx;

    if (size < 1) {
        return 0;
    }

    step = (data[0] % 16) + 1;
    data++;
    size--;

    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }

    memcpy(copy, data, size);

    hx_memzero(&ctx, sizeof(ctx));
    hx_memzero(&b, sizeof(b));
    b.pos = copy;
    fed = hx_min(step, size);
    b.last = copy + fed;
    decoded = 0;

    for ( ;; ) {
        rc = hx_http_parse_chunked(&ctx, &b);

        if (rc == HX_OK) {
            if (ctx.size <= 0 || b.pos >= b.last) {
                __builtin_trap();
            }

            n = hx_min((size_t) ctx.size, (size_t) (b.last - b.pos));
            decoded += n;
            b.pos += n;
            ctx.size -= n;
            continue;
        }

        if (rc == HX_AGAIN && fed < size) {
            fed = hx_min(fed + step, size);
            b.last = copy + fed;
            continue;
        }

        break;
    }

    if (decoded > size) {
        __builtin_trap();
    }

    free(copy);

    return 0;
}

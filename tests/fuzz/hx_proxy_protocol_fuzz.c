/*
 * libFuzzer target: the PROXY protocol reader, fed the way the stream
 * handler feeds it -- the bytes received so far, growing by a step the
 * first input byte chooses, parsed from the start each time.  A header
 * must never be reported longer than the bytes given, and every TLV
 * name that variables can ask for is looked up in what was parsed,
 * its value inside the TLV area.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_proxy_protocol.h>


static hx_log_t  hx_fuzz_log;

static char     *hx_fuzz_tlv_names[] = {
    "alpn", "authority", "unique_id", "ssl", "netns", "0x01", "0xe0",
    "ssl_version", "ssl_cn", "ssl_cipher", "ssl_sig_alg", "ssl_key_alg",
    "ssl_verify", "ssl_0x21", "0x", "0xzz", "bogus", NULL
};


static void
hx_fuzz_tlvs(hx_proxy_protocol_t *pp, hx_pool_t *pool)
{
    hx_str_t   name, value;
    hx_int_t   rc;
    hx_uint_t  i;

    for (i = 0; hx_fuzz_tlv_names[i]; i++) {
        name.data = (uint8_t *) hx_fuzz_tlv_names[i];
        name.len = strlen(hx_fuzz_tlv_names[i]);

        rc = hx_proxy_protocol_get_tlv(pp, pool, &hx_fuzz_log, &name, &value);

        if (rc == HX_OK && pp
            && name.data[0] != 's'
            && (value.data < pp->tlvs.data
                || value.data + value.len > pp->tlvs.data + pp->tlvs.len))
        {
            __builtin_trap();
        }
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t                step, fed;
    uint8_t              *copy, *end;
    hx_int_t              rc;
    hx_pool_t            *pool;
    hx_proxy_protocol_t  *pp;

    if (size < 1) {
        return 0;
    }

    hx_fuzz_log.log_level = HX_LOG_STDERR;

    step = (data[0] % 32) + 1;
    data++;
    size--;

    pool = hx_create_pool(4096, &hx_fuzz_log);
    if (pool == NULL) {
        return 0;
    }

    for (fed = hx_min(step, size); ; fed = hx_min(fed + step, size)) {

        /* an exact-size copy: reading past the end is caught by ASan */

        copy = hx_pnalloc(pool, fed ? fed : 1);
        if (copy == NULL) {
            break;
        }

        memcpy(copy, data, fed);

        end = NULL;
        rc = hx_proxy_protocol_read(pool, &hx_fuzz_log, copy, copy + fed,
                                    &end, &pp);

        if (rc == HX_OK) {
            if (end == NULL || end <= copy || end > copy + fed) {
                __builtin_trap();
            }

            hx_fuzz_tlvs(pp, pool);
            break;
        }

        if (rc != HX_AGAIN || fed == size) {
            break;
        }
    }

    hx_destroy_pool(pool);

    return 0;
}

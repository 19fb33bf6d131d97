/*
 * MurmurHash2 by Austin Appleby, in the two variants hanx needs.
 *
 * The 32-bit one must give bit-for-bit the values nginx's split_clients
 * computes (seed 0 mixed with the length, input read as little-endian
 * 32-bit words whatever the host), so that a configuration moved from
 * nginx to hanx sends each client to the same bucket.  Words are assembled
 * from single bytes: that fixes the byte order and avoids unaligned loads.
 *
 * MurmurHash64A is the 64-bit variant for 64-bit hosts (8-byte words,
 * multiplier 0xc6a4a7935bd1e995, shift 47), for callers that want a wider
 * hash with a caller-chosen seed.
 */

#include <hx_config.h>
#include <hx_core.h>


#define HX_MURMUR2_M    0x5bd1e995U
#define HX_MURMUR2_R    24

#define HX_MURMUR64_M   0xc6a4a7935bd1e995ULL
#define HX_MURMUR64_R   47


/*
 * MurmurHash2 of len bytes at data with seed 0, equal to nginx's
 * ngx_murmur_hash2() for the same bytes.  The length enters the initial
 * state truncated to 32 bits, as in the reference implementation.
 */
uint32_t
hx_murmur_hash2(uint8_t *data, size_t len)
{
    uint32_t  h, k;

    h = (uint32_t) len;

    for ( /* void */ ; len >= 4; data += 4, len -= 4) {
        k = (uint32_t) data[0]
            | (uint32_t) data[1] << 8
            | (uint32_t) data[2] << 16
            | (uint32_t) data[3] << 24;

        k *= HX_MURMUR2_M;
        k ^= k >> HX_MURMUR2_R;
        k *= HX_MURMUR2_M;

        h *= HX_MURMUR2_M;
        h ^= k;
    }

    /* the 1-3 trailing bytes are folded in together, then mixed once */

    switch (len) {
    case 3:
        h ^= (uint32_t) data[2] << 16;
        /* fall through */
    case 2:
        h ^= (uint32_t) data[1] << 8;
        /* fall through */
    case 1:
        h ^= (uint32_t) data[0];
        h *= HX_MURMUR2_M;
    }

    h ^= h >> 13;
    h *= HX_MURMUR2_M;
    h ^= h >> 15;

    return h;
}


/*
 * MurmurHash64A of len bytes at data with the given seed, reading 8-byte
 * little-endian words; equal to the reference implementation on
 * little-endian hosts.
 */
uint64_t
hx_murmur_hash2_64(uint8_t *data, size_t len, uint64_t seed)
{
    size_t    i;
    uint64_t  h, k;

    h = seed ^ ((uint64_t) len * HX_MURMUR64_M);

    for ( /* void */ ; len >= 8; data += 8, len -= 8) {
        k = 0;

        for (i = 8; i > 0; i--) {
            k = (k << 8) | data[i - 1];
        }

        k *= HX_MURMUR64_M;
        k ^= k >> HX_MURMUR64_R;
        k *= HX_MURMUR64_M;

        h ^= k;
        h *= HX_MURMUR64_M;
    }

    if (len) {
        /* the tail bytes go in little-endian order, then one multiply */

        for (i = len; i > 0; i--) {
            h ^= (uint64_t) data[i - 1] << (8 * (i - 1));
        }

        h *= HX_MURMUR64_M;
    }

    h ^= h >> HX_MURMUR64_R;
    h *= HX_MURMUR64_M;
    h ^= h >> HX_MURMUR64_R;

    return h;
}

/*
 * Tests for core/hx_murmurhash.c.  The expected values were computed from
 * the algorithms' definitions (an independent script), and the 32-bit ones
 * agree with nginx's ngx_murmur_hash2, which split_clients uses; the 64-bit
 * ones agree with libstdc++'s std::_Hash_bytes, another MurmurHash64A.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <criterion/criterion.h>


typedef struct {
    const char  *input;
    size_t       len;
    uint32_t     h32;
    uint64_t     h64_seed0;
    uint64_t     h64_seeded;
} hx_murmur_vector_t;


#define HX_TEST_SEED  0x1234567890abcdefULL

static hx_murmur_vector_t  vectors[] = {
    { "", 0, 0x0, 0x0, 0xeb8f71ba4fd01d8dULL },
    { "a", 1, 0x92685f5e, 0x071717d2d36b6b11ULL, 0xf63eabaf81be7d1aULL },
    { "ab", 2, 0x1aa14063, 0x62be85b2fe53d1f8ULL, 0x4de4b987b8d9a7ccULL },
    { "abc", 3, 0x13577c9b, 0x9cc9c33498a95efbULL, 0x9541dd36da19bedaULL },
    { "abcd", 4, 0x26873021, 0xec1044c45cc5097aULL, 0x52f0c138fb8ef9f5ULL },
    { "hello", 5, 0xe56129cb, 0x1e68d17c457bf117ULL, 0xab6ac9c7f5a8b3f6ULL },
    { "127.0.0.1", 9, 0xb6131d91, 0x82d3f01f849692a6ULL,
      0x931f881f386644c1ULL },
    { "192.168.1.100AAA", 16, 0xe4cc7f7a, 0xe99e0f391d759492ULL,
      0xcb74b80563feb5b7ULL },
    { "The quick brown fox jumps over the lazy dog", 43, 0x212729d0,
      0x5589ca33042a861bULL, 0x2f401cd19e3606caULL },
    /* high bytes: catches sign extension and shifts into the sign bit */
    { "\xff\x80\xfe\x81\x7f", 5, 0x5d8237ad, 0x062b587c94375311ULL,
      0x5b3653441edd0dfeULL },
};


Test(hx_murmurhash, hash2_matches_nginx_values)
{
    size_t  i;

    for (i = 0; i < hx_nelems(vectors); i++) {
        cr_assert_eq(hx_murmur_hash2((uint8_t *) vectors[i].input,
                                     vectors[i].len),
                     vectors[i].h32, "input %zu", i);
    }
}


Test(hx_murmurhash, hash64a_matches_reference_with_seed_zero)
{
    size_t  i;

    for (i = 0; i < hx_nelems(vectors); i++) {
        cr_assert_eq(hx_murmur_hash2_64((uint8_t *) vectors[i].input,
                                        vectors[i].len, 0),
                     vectors[i].h64_seed0, "input %zu", i);
    }
}


Test(hx_murmurhash, hash64a_mixes_in_the_seed)
{
    size_t  i;

    for (i = 0; i < hx_nelems(vectors); i++) {
        cr_assert_eq(hx_murmur_hash2_64((uint8_t *) vectors[i].input,
                                        vectors[i].len, HX_TEST_SEED),
                     vectors[i].h64_seeded, "input %zu", i);
    }

    /* a published MurmurHash64A value (bitsquid-style murmur_hash_64) */
    cr_assert_eq(hx_murmur_hash2_64((uint8_t *) "hash me", 7, 22),
                 15828218858260124487ULL);
}


Test(hx_murmurhash, result_does_not_depend_on_alignment)
{
    uint8_t      buf[64];
    const char  *s;
    size_t       len, off;

    s = "The quick brown fox jumps over the lazy dog";
    len = strlen(s);

    for (off = 0; off < 8; off++) {
        memcpy(buf + off, s, len);

        cr_assert_eq(hx_murmur_hash2(buf + off, len), 0x212729d0);
        cr_assert_eq(hx_murmur_hash2_64(buf + off, len, 0),
                     0x5589ca33042a861bULL);
    }
}


Test(hx_murmurhash, every_tail_length_changes_the_hash)
{
    uint8_t   buf[16];
    uint32_t  seen32[17];
    uint64_t  seen64[17];
    size_t    len, j;

    memset(buf, 'x', sizeof(buf));

    for (len = 0; len <= sizeof(buf); len++) {
        seen32[len] = hx_murmur_hash2(buf, len);
        seen64[len] = hx_murmur_hash2_64(buf, len, 0);

        for (j = 0; j < len; j++) {
            cr_assert_neq(seen32[j], seen32[len], "len %zu vs %zu", j, len);
            cr_assert_neq(seen64[j], seen64[len], "len %zu vs %zu", j, len);
        }
    }
}

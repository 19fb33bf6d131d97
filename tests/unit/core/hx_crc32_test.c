/*
 * Tests for core/hx_crc32.c: the standard check value, a few published
 * vectors, incremental updates matching one-shot calls, and the literal
 * table matching the polynomial it claims to encode.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <criterion/criterion.h>


static uint32_t
crc_of(const char *s)
{
    return hx_crc32((uint8_t *) s, strlen(s));
}


Test(hx_crc32, check_value_of_123456789_is_cbf43926)
{
    cr_assert_eq(crc_of("123456789"), 0xcbf43926);
}


Test(hx_crc32, empty_input_gives_zero)
{
    cr_assert_eq(hx_crc32(NULL, 0), 0);
    cr_assert_eq(crc_of(""), 0);
}


Test(hx_crc32, matches_published_vectors)
{
    uint8_t  all[256];
    int      i;

    cr_assert_eq(crc_of("a"), 0xe8b7be43);
    cr_assert_eq(crc_of("The quick brown fox jumps over the lazy dog"),
                 0x414fa339);

    for (i = 0; i < 256; i++) {
        all[i] = (uint8_t) i;
    }

    cr_assert_eq(hx_crc32(all, sizeof(all)), 0x29058c73);
}


Test(hx_crc32, split_updates_equal_one_shot)
{
    uint8_t   *s;
    uint32_t   crc, whole;
    size_t     len, cut;

    s = (uint8_t *) "The quick brown fox jumps over the lazy dog";
    len = strlen((char *) s);
    whole = hx_crc32(s, len);

    for (cut = 0; cut <= len; cut++) {
        hx_crc32_init(crc);
        hx_crc32_update(&crc, s, cut);
        hx_crc32_update(&crc, s + cut, len - cut);
        hx_crc32_final(crc);

        cr_assert_eq(crc, whole, "split at %zu", cut);
    }
}


Test(hx_crc32, table_encodes_reflected_polynomial_edb88320)
{
    uint32_t  c;
    int       i, k;

    for (i = 0; i < 256; i++) {
        c = (uint32_t) i;

        for (k = 0; k < 8; k++) {
            c = (c & 1) ? (c >> 1) ^ 0xedb88320 : c >> 1;
        }

        cr_assert_eq(hx_crc32_table[i], c, "entry %d", i);
    }
}

/*
 * CRC-32 (IEEE 802.3 polynomial, as zlib and nginx's hash use it), one
 * table, byte at a time; used for keys of hashes and split_clients-like
 * distributions, never for bulk data.
 */

#ifndef HX_CORE_HX_CRC32_H
#define HX_CORE_HX_CRC32_H


extern const uint32_t  hx_crc32_table[256];

uint32_t hx_crc32(uint8_t *p, size_t len);

#define hx_crc32_init(crc)  crc = 0xffffffff
void hx_crc32_update(uint32_t *crc, uint8_t *p, size_t len);
#define hx_crc32_final(crc)  crc ^= 0xffffffff

#endif /* HX_CORE_HX_CRC32_H */

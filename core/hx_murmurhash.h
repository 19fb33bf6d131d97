/*
 * MurmurHash2 (32-bit), the function nginx's split_clients uses; hanx
 * must produce the same buckets for the same keys.
 */

#ifndef HX_CORE_HX_MURMURHASH_H
#define HX_CORE_HX_MURMURHASH_H


uint32_t hx_murmur_hash2(uint8_t *data, size_t len);
uint64_t hx_murmur_hash2_64(uint8_t *data, size_t len, uint64_t seed);

#endif /* HX_CORE_HX_MURMURHASH_H */

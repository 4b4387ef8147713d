/*
 * The one byte-order helper: fixed-width integers read from and written to unaligned
 * bytes, big-endian (network order: store packets, CHAO and Ethernet fields) and
 * little-endian (the store's log records). memcpy plus glibc's <endian.h>: compilers
 * turn each into one load or store and a byte swap, and no caller casts a byte pointer
 * to a wider type (unaligned access is undefined behaviour in C). Callers check bounds
 * first; these helpers read or write exactly the width in their name.
 */
#ifndef PH_BYTES_H
#define PH_BYTES_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t ph_get_be16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return be16toh(v);
}

static inline uint32_t ph_get_be32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return be32toh(v);
}

static inline uint32_t ph_get_le32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return le32toh(v);
}

static inline uint64_t ph_get_le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return le64toh(v);
}

static inline void ph_put_be16(uint8_t *p, uint16_t v)
{
    v = htobe16(v);
    memcpy(p, &v, sizeof v);
}

static inline void ph_put_be32(uint8_t *p, uint32_t v)
{
    v = htobe32(v);
    memcpy(p, &v, sizeof v);
}

static inline void ph_put_le32(uint8_t *p, uint32_t v)
{
    v = htole32(v);
    memcpy(p, &v, sizeof v);
}

static inline void ph_put_le64(uint8_t *p, uint64_t v)
{
    v = htole64(v);
    memcpy(p, &v, sizeof v);
}

#endif

/*
 * Types shared by every pure core: the one return convention and byte slices.
 *
 * Every core entry point returns an enum ph_status and fills a result struct that
 * carries, besides its protocol fields, the same three members:
 *
 *     size_t consumed;      PH_OK: bytes of input that belong to this unit
 *     <module>_error error; PH_REJECT: the named reason (0 otherwise)
 *     size_t error_offset;  PH_REJECT: offset into the input where it was found
 *
 * PH_INCOMPLETE means the input ended before the unit did: read more, call again.
 * Nothing is ever decided from bytes past the end of the input, so a prefix of a
 * buffer parses as PH_INCOMPLETE or exactly as the whole buffer does.
 */
#ifndef PH_TYPES_H
#define PH_TYPES_H

#include <stddef.h>
#include <stdint.h>

enum ph_status {
    PH_OK = 0,
    PH_INCOMPLETE = 1,
    PH_REJECT = 2,
};

/* A view into a caller's buffer; never owns memory. */
struct ph_slice {
    const uint8_t *ptr;
    size_t len;
};

const char *ph_status_name(enum ph_status status);

#endif

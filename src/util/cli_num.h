/*
 * The one number parser for command lines. Every flag that takes a number goes
 * through it, so "--expect-uid abc", "--max-size 12k", "-1", "" and values past the
 * range are each a usage error rather than a silent 0 or a wrapped value.
 */
#ifndef CLI_NUM_H
#define CLI_NUM_H

#include <stdbool.h>
#include <stdint.h>

/* A decimal integer in [min, max]: digits only (no sign, no spaces, no suffix), at least
 * one. Returns true and sets *out, or false and leaves *out alone. */
bool cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* A finite decimal number in [min, max] ("0.5", "10"), nothing after it. Returns true
 * and sets *out, or false and leaves *out alone. */
bool cli_parse_double(const char *s, double min, double max, double *out);

#endif

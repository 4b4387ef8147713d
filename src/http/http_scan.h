/*
 * Scanning loops of the HTTP core: each returns the offset of the first byte in
 * buf[pos..end) that is not in its class, or end. buf[0..end) must be readable (the SSE2
 * variants may load bytes before pos). Internal to src/http/.
 *
 * The plain C loops are the reference; the SSE2 variants (x86-64 always has SSE2) must
 * return exactly the same offsets, and the fuzz targets (split-oracle builds) and
 * tests/unit/test_http_scan.c check that they do. Build with -DPH_SIMD=OFF to use the
 * plain loops everywhere.
 *
 * Besides speed, the vector variants matter to fuzzing builds: coverage instrumentation
 * traces every scalar compare (a call per byte and per loop bound in the plain loops)
 * but not vector compares, so a field line costs a few traced compares, not dozens.
 */
#ifndef HTTP_SCAN_H
#define HTTP_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "http_chars.h"

#if defined(__SSE2__) && !defined(PH_NO_SIMD)
#define HTTP_SCAN_SSE2 1
#include <emmintrin.h>
#endif

static inline size_t http_scan_table(const uint8_t *buf, size_t pos, size_t end,
                                     const uint8_t table[256])
{
    while (pos < end && table[buf[pos]])
        pos++;
    return pos;
}

/* RFC 9110 5.5: field-vchar, obs-text, SP and HTAB. */
static inline size_t http_scan_value_plain(const uint8_t *buf, size_t pos, size_t end)
{
    return http_scan_table(buf, pos, end, http_value_char);
}

/* RFC 3986 pchar / "/" / "?" without "%". */
static inline size_t http_scan_target_plain(const uint8_t *buf, size_t pos, size_t end)
{
    return http_scan_table(buf, pos, end, http_target_char);
}

/* RFC 9110 5.6.2: tchar, the characters of a token (methods, field names). */
static inline size_t http_scan_token_plain(const uint8_t *buf, size_t pos, size_t end)
{
    return http_scan_table(buf, pos, end, http_tchar);
}

#ifdef HTTP_SCAN_SSE2
/* Each class has a function giving the stop bytes (non-members) among 16 as a bit mask,
 * bit i for byte i (tokens: candidate stops, each checked in the table), and a scanner
 * that steps 16 bytes at a time. The bytes left at the end, fewer than 16, take one more
 * load: the last 16 bytes of buf[0..end), which overlap bytes before pos, shifted out of
 * the mask. So the scanners read buf[0..end), not only buf[pos..end), and never past end;
 * inputs shorter than 16 bytes take the plain loop. */

static inline __m128i http_sse2_load(const uint8_t *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* The first stop at or after pos, given the stops of the 16 bytes ending at end (pos is
 * at most 16 before end). */
static inline size_t http_sse2_tail(unsigned stops, size_t pos, size_t end)
{
    stops >>= 16 - (end - pos);
    return stops != 0 ? pos + (size_t)__builtin_ctz(stops) : end;
}

/* The bytes of v in [lo, hi], for 0x00 < lo <= hi < 0x7f. The compares are signed, so bytes
 * 0x80-0xff look negative and are never in range. */
static inline __m128i http_sse2_in_range(__m128i v, uint8_t lo, uint8_t hi)
{
    return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)(lo - 1))),
                         _mm_cmplt_epi8(v, _mm_set1_epi8((char)(hi + 1))));
}

/* Field values stop at a control byte other than HTAB, or at DEL. SSE2 compares are
 * signed, so bytes 0x80-0xff (obs-text, allowed) look negative and are masked back out. */
static inline unsigned http_sse2_value_stops(__m128i v)
{
    __m128i below_space = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
    __m128i high = _mm_cmplt_epi8(v, _mm_setzero_si128());
    __m128i ctl = _mm_andnot_si128(high, below_space);
    ctl = _mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')), ctl);
    __m128i stop = _mm_or_si128(ctl, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
    return (unsigned)_mm_movemask_epi8(stop);
}

/* Targets: only 0x21-0x7e can be members, and thirteen of those are not; "%" is among
 * them because the caller checks pct-encoded apart. */
static inline unsigned http_sse2_target_stops(__m128i v)
{
    __m128i printable = http_sse2_in_range(v, 0x21, 0x7e);
    __m128i excluded = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    excluded = _mm_or_si128(excluded, _mm_cmpeq_epi8(v, _mm_set1_epi8('#')));
    excluded = _mm_or_si128(excluded, _mm_cmpeq_epi8(v, _mm_set1_epi8('%')));
    excluded = _mm_or_si128(excluded, _mm_cmpeq_epi8(v, _mm_set1_epi8('<')));
    excluded = _mm_or_si128(excluded, _mm_cmpeq_epi8(v, _mm_set1_epi8('>')));
    excluded = _mm_or_si128(excluded, _mm_cmpeq_epi8(v, _mm_set1_epi8('[')));
    excluded = _mm_or_si128(excluded, _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    excluded = _mm_or_si128(excluded, _mm_cmpeq_epi8(v, _mm_set1_epi8(']')));
    excluded = _mm_or_si128(excluded, _mm_cmpeq_epi8(v, _mm_set1_epi8('^')));
    excluded = _mm_or_si128(excluded, _mm_cmpeq_epi8(v, _mm_set1_epi8('`')));
    excluded = _mm_or_si128(excluded, _mm_cmpeq_epi8(v, _mm_set1_epi8('{')));
    excluded = _mm_or_si128(excluded, _mm_cmpeq_epi8(v, _mm_set1_epi8('|')));
    excluded = _mm_or_si128(excluded, _mm_cmpeq_epi8(v, _mm_set1_epi8('}')));
    __m128i member = _mm_andnot_si128(excluded, printable);
    return (unsigned)_mm_movemask_epi8(member) ^ 0xffffu;
}

/* tchar is ALPHA, DIGIT and "!#$%&'*+-.^_`|~" (RFC 9110 5.6.2). Methods and field names
 * are mostly letters, digits and "-", so the vector test is for those alone (upper case
 * folded onto lower by | 0x20, which takes no other byte into a-z): a byte that fails it is
 * a candidate stop, looked up in the table, where the rarer tchar pass. Cheaper than the
 * whole class in vector compares, and a name costs one lookup, at the byte after it. */
static inline unsigned http_sse2_token_candidates(__m128i v)
{
    __m128i member = http_sse2_in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z');
    member = _mm_or_si128(member, http_sse2_in_range(v, '0', '9'));
    member = _mm_or_si128(member, _mm_cmpeq_epi8(v, _mm_set1_epi8('-')));
    return (unsigned)_mm_movemask_epi8(member) ^ 0xffffu;
}

static inline size_t http_scan_value_sse2(const uint8_t *buf, size_t pos, size_t end)
{
    for (; end - pos >= 16; pos += 16) {
        unsigned stops = http_sse2_value_stops(http_sse2_load(buf + pos));
        if (stops != 0)
            return pos + (size_t)__builtin_ctz(stops);
    }
    if (end < 16)
        return http_scan_value_plain(buf, pos, end);
    return http_sse2_tail(http_sse2_value_stops(http_sse2_load(buf + end - 16)), pos, end);
}

static inline size_t http_scan_target_sse2(const uint8_t *buf, size_t pos, size_t end)
{
    for (; end - pos >= 16; pos += 16) {
        unsigned stops = http_sse2_target_stops(http_sse2_load(buf + pos));
        if (stops != 0)
            return pos + (size_t)__builtin_ctz(stops);
    }
    if (end < 16)
        return http_scan_target_plain(buf, pos, end);
    return http_sse2_tail(http_sse2_target_stops(http_sse2_load(buf + end - 16)), pos, end);
}

/* The first candidate (bit i: buf[pos + i]) that the table says is no tchar, or none. */
static inline size_t http_sse2_token_stop(const uint8_t *buf, size_t pos, unsigned candidates,
                                          size_t none)
{
    for (; candidates != 0; candidates &= candidates - 1) {
        size_t at = pos + (size_t)__builtin_ctz(candidates);
        if (!http_tchar[buf[at]])
            return at;
    }
    return none;
}

/* Methods and field names: a name of up to 15 bytes usually takes one load. */
static inline size_t http_scan_token_sse2(const uint8_t *buf, size_t pos, size_t end)
{
    for (; end - pos >= 16; pos += 16) {
        unsigned candidates = http_sse2_token_candidates(http_sse2_load(buf + pos));
        size_t stop = http_sse2_token_stop(buf, pos, candidates, end);
        if (stop != end)
            return stop;
    }
    if (end < 16)
        return http_scan_token_plain(buf, pos, end);
    unsigned candidates = http_sse2_token_candidates(http_sse2_load(buf + end - 16));
    return http_sse2_token_stop(buf, pos, candidates >> (16 - (end - pos)), end);
}
#endif

static inline size_t http_scan_value(const uint8_t *buf, size_t pos, size_t end)
{
#ifdef HTTP_SCAN_SSE2
    return http_scan_value_sse2(buf, pos, end);
#else
    return http_scan_value_plain(buf, pos, end);
#endif
}

static inline size_t http_scan_target(const uint8_t *buf, size_t pos, size_t end)
{
#ifdef HTTP_SCAN_SSE2
    return http_scan_target_sse2(buf, pos, end);
#else
    return http_scan_target_plain(buf, pos, end);
#endif
}

static inline size_t http_scan_token(const uint8_t *buf, size_t pos, size_t end)
{
#ifdef HTTP_SCAN_SSE2
    return http_scan_token_sse2(buf, pos, end);
#else
    return http_scan_token_plain(buf, pos, end);
#endif
}

#endif

/*
 * Scanning loops of the HTTP core: each returns the offset of the first byte in
 * buf[pos..end) that is not in its class, or end. Internal to src/http/.
 *
 * The plain C loops are the reference; the SSE2 variants (x86-64 always has SSE2) must
 * return exactly the same offsets, and the fuzz targets check that they do. Build with
 * -DPH_SIMD=OFF to use the plain loops everywhere.
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

#ifdef HTTP_SCAN_SSE2
/* Field values stop at a control byte other than HTAB, or at DEL. SSE2 compares are
 * signed, so bytes 0x80-0xff (obs-text, allowed) look negative and are masked back out. */
static inline size_t http_scan_value_sse2(const uint8_t *buf, size_t pos, size_t end)
{
    const __m128i space = _mm_set1_epi8(0x20);
    const __m128i del = _mm_set1_epi8(0x7f);
    const __m128i tab = _mm_set1_epi8('\t');
    const __m128i zero = _mm_setzero_si128();

    while (end - pos >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(buf + pos));
        __m128i below_space = _mm_cmplt_epi8(v, space);
        __m128i high = _mm_cmplt_epi8(v, zero);
        __m128i ctl = _mm_andnot_si128(high, below_space);
        ctl = _mm_andnot_si128(_mm_cmpeq_epi8(v, tab), ctl);
        __m128i stop = _mm_or_si128(ctl, _mm_cmpeq_epi8(v, del));
        unsigned mask = (unsigned)_mm_movemask_epi8(stop);
        if (mask != 0)
            return pos + (size_t)__builtin_ctz(mask);
        pos += 16;
    }
    return http_scan_value_plain(buf, pos, end);
}

/* Targets: only 0x21-0x7e can be members, and thirteen of those are not; "%" is among
 * them because the caller checks pct-encoded apart. */
static inline size_t http_scan_target_sse2(const uint8_t *buf, size_t pos, size_t end)
{
    const __m128i low = _mm_set1_epi8(0x20);
    const __m128i high = _mm_set1_epi8(0x7f);

    while (end - pos >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(buf + pos));
        __m128i printable = _mm_and_si128(_mm_cmpgt_epi8(v, low), _mm_cmplt_epi8(v, high));
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
        unsigned mask = (unsigned)_mm_movemask_epi8(member) ^ 0xffffu;
        if (mask != 0)
            return pos + (size_t)__builtin_ctz(mask);
        pos += 16;
    }
    return http_scan_target_plain(buf, pos, end);
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

#endif

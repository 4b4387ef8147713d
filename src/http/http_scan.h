/*
 * Scanning loops of the HTTP core: each returns the offset of the first byte in
 * buf[pos..end) that is not in its class, or end. buf[0..end) must be readable (the vector
 * variants may load bytes before pos). Internal to src/http/.
 *
 * The plain C loops are the reference. Three vector variants must return exactly the same
 * offsets: SSE2 (every x86-64 CPU has it), SSSE3 and AVX2. The last two test a byte's class
 * with two PSHUFB nibble lookups (below), 16 or 32 bytes at a time; they carry their
 * instruction set as a function attribute, so any file may call them, but only a CPU that
 * has it may run them: the parser is built once per instruction set (http_parse_isa.h) and
 * picks at run time. The fuzz targets (split-oracle builds) and tests/unit/test_http_scan.c
 * check every variant against the plain loops. Build with -DPH_SIMD=OFF to use the plain
 * loops everywhere.
 *
 * All of them test the first HTTP_SCAN_SCALAR_FIRST bytes of a span one by one (below: in
 * time, short spans are faster so), except in fuzzing builds: there coverage
 * instrumentation traces every scalar compare (a call per byte and per loop bound in the
 * plain loops) but not vector compares, so a field line costs a few traced compares, not
 * dozens.
 */
#ifndef HTTP_SCAN_H
#define HTTP_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http_chars.h"

#if defined(__SSE2__) && !defined(PH_NO_SIMD)
#define HTTP_SCAN_SSE2 1
#include <emmintrin.h>
#endif

/* SSSE3 and AVX2 need the compiler's target attribute (gcc and clang) and x86-64. */
#if defined(HTTP_SCAN_SSE2) && defined(__x86_64__) && defined(__GNUC__)
#define HTTP_SCAN_SSSE3 1
#define HTTP_SCAN_AVX2 1
#include <immintrin.h>
#endif

/* Eight bytes a round, each test its own branch: a loop that takes one branch back per byte
 * runs at most a byte or two a cycle, while eight tests that fall through run as fast as
 * the core loads. */
static inline size_t http_scan_table(const uint8_t *buf, size_t pos, size_t end,
                                     const uint8_t table[256])
{
    for (; end - pos >= 8; pos += 8) {
        for (size_t i = 0; i < 8; i++) {
            if (!table[buf[pos + i]])
                return pos + i;
        }
    }
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

/* RFC 3986 3.2.2: reg-name characters without "%" (Host, which checks pct-encoded apart). */
static inline size_t http_scan_reg_name_plain(const uint8_t *buf, size_t pos, size_t end)
{
    return http_scan_table(buf, pos, end, http_reg_name_char);
}

/*
 * The vector scanners test the first HTTP_SCAN_SCALAR_FIRST bytes one by one, unrolled,
 * before their first load. Most spans of a head (methods, field names, short values) end
 * there, and for them the byte tests are faster in time though not in instructions: the
 * branch predictor learns where a byte loop stops, so the core runs on to the next span at
 * once, while a vector step's stop comes out of a load, the class lookup, a mask move and a
 * count (15 to 20 cycles), and every span of a head starts where the one before stopped.
 * Long spans (cookies, user agents, long targets) still go 16 or 32 bytes a step after it.
 */
#ifndef HTTP_SCAN_SCALAR_FIRST
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
/* Not in libFuzzer and AFL++ builds: there every byte test is a traced compare, a coverage
 * edge and a sanitizer check, and the prefix cost httpd_session a third of its exec/s
 * (16.7 k against 24-29 k, same corpus and seed). Fuzzing runs the vector steps alone;
 * tests/unit/test_http_scan.c and the sanitizer build's corpus replays run the prefix. */
#define HTTP_SCAN_SCALAR_FIRST 0
#else
#define HTTP_SCAN_SCALAR_FIRST 16
#endif
#endif

/* Returns true when buf[*pos..) stops within the first HTTP_SCAN_SCALAR_FIRST bytes, or
 * fewer remain, with *pos the stop (or end); false with *pos moved past those bytes, all in
 * the class, for the vector loop to go on from. Its own loop of a constant trip count, which
 * the compiler unrolls whole: http_scan_table over the same bytes measured 4% more
 * instructions and up to 9% more time. */
static inline bool http_scan_scalar_first(const uint8_t *buf, size_t *pos, size_t end,
                                          const uint8_t table[256])
{
#if HTTP_SCAN_SCALAR_FIRST == 0 /* -DHTTP_SCAN_SCALAR_FIRST=0: vector steps only */
    (void)buf, (void)pos, (void)end, (void)table;
    return false;
#else
    size_t p = *pos;
    if (end - p < HTTP_SCAN_SCALAR_FIRST) {
        *pos = http_scan_table(buf, p, end, table);
        return true;
    }
    for (size_t i = 0; i < HTTP_SCAN_SCALAR_FIRST; i++) {
        if (!table[buf[p + i]]) {
            *pos = p + i;
            return true;
        }
    }
    *pos = p + HTTP_SCAN_SCALAR_FIRST;
    return false;
#endif
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
    if (http_scan_scalar_first(buf, &pos, end, http_value_char))
        return pos;
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
    if (http_scan_scalar_first(buf, &pos, end, http_target_char))
        return pos;
    for (; end - pos >= 16; pos += 16) {
        unsigned stops = http_sse2_target_stops(http_sse2_load(buf + pos));
        if (stops != 0)
            return pos + (size_t)__builtin_ctz(stops);
    }
    if (end < 16)
        return http_scan_target_plain(buf, pos, end);
    return http_sse2_tail(http_sse2_target_stops(http_sse2_load(buf + end - 16)), pos, end);
}

/* Host names: letters, digits, "-" and "."; the other reg-name characters are candidates
 * looked up in the table, as for tokens. */
static inline unsigned http_sse2_reg_name_candidates(__m128i v)
{
    __m128i member = http_sse2_in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z');
    member = _mm_or_si128(member, http_sse2_in_range(v, '-', '9')); /* "-", ".", "/", digits */
    member = _mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('/')), member);
    return (unsigned)_mm_movemask_epi8(member) ^ 0xffffu;
}

/* The first candidate (bit i: buf[pos + i]) that is not in table, or none. */
static inline size_t http_sse2_candidate_stop(const uint8_t *buf, size_t pos, unsigned candidates,
                                              size_t none, const uint8_t table[256])
{
    for (; candidates != 0; candidates &= candidates - 1) {
        size_t at = pos + (size_t)__builtin_ctz(candidates);
        if (!table[buf[at]])
            return at;
    }
    return none;
}

/* A class by candidates and table: 16 bytes a step, then the tail load. */
static inline size_t http_scan_candidates_sse2(const uint8_t *buf, size_t pos, size_t end,
                                               unsigned (*candidates_of)(__m128i),
                                               const uint8_t table[256])
{
    if (http_scan_scalar_first(buf, &pos, end, table))
        return pos;
    for (; end - pos >= 16; pos += 16) {
        unsigned candidates = candidates_of(http_sse2_load(buf + pos));
        size_t stop = http_sse2_candidate_stop(buf, pos, candidates, end, table);
        if (stop != end)
            return stop;
    }
    if (end < 16)
        return http_scan_table(buf, pos, end, table);
    unsigned candidates = candidates_of(http_sse2_load(buf + end - 16));
    return http_sse2_candidate_stop(buf, pos, candidates >> (16 - (end - pos)), end, table);
}

/* Methods and field names: a name of up to 15 bytes usually takes one load. */
static inline size_t http_scan_token_sse2(const uint8_t *buf, size_t pos, size_t end)
{
    return http_scan_candidates_sse2(buf, pos, end, http_sse2_token_candidates, http_tchar);
}

static inline size_t http_scan_reg_name_sse2(const uint8_t *buf, size_t pos, size_t end)
{
    return http_scan_candidates_sse2(buf, pos, end, http_sse2_reg_name_candidates,
                                     http_reg_name_char);
}
#endif

#ifdef HTTP_SCAN_SSSE3
/*
 * A class of bytes as two 16-byte tables, indexed by a byte's low and high nibble: the byte
 * is a member when lo[c & 15] & hi[c >> 4] is not zero. Each high nibble gets one bit (high
 * nibbles with the same members share it), and lo[l] has the bits of the high nibbles h for
 * which (h << 4 | l) is a member. PSHUFB looks up 16 bytes' nibbles at once, so any class
 * whose high nibbles fall into at most 8 groups costs the same eight instructions per load;
 * ours need at most six. tests/unit/test_http_scan.c checks every byte of every class
 * against the tables of http_chars.c.
 */
/* Each table is stored twice over, so that the AVX2 scanner loads it for both 16-byte lanes
 * in one instruction; the SSSE3 one reads the first copy. */
/* clang-format off */
#define HTTP_NIBBLES(l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, la, lb, lc, ld, le, lf)            \
    {l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, la, lb, lc, ld, le, lf,                             \
     l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, la, lb, lc, ld, le, lf}
/* clang-format on */

struct http_nibble_class {
    uint8_t lo[32];
    uint8_t hi[32];
};

/* The low-nibble mask, as a constant in memory: one load, where _mm256_set1_epi8 makes the
 * compiler build it in three instructions at every scan. */
static const uint8_t http_nibble_mask[32] = {
    0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,
    0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,
};

/* field-vchar, obs-text, SP, HTAB: HTAB alone in 0x0_ (bit 0); 0x2_-0x6_ and 0x8_-0xf_ whole
 * (bit 1); 0x7_ but DEL (bit 2). */
static const struct http_nibble_class http_value_nibbles = {
    HTTP_NIBBLES(0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x07, 0x06, 0x06, 0x06, 0x06,
                 0x06, 0x02),
    HTTP_NIBBLES(0x01, 0x00, 0x02, 0x02, 0x02, 0x02, 0x02, 0x04, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,
                 0x02, 0x02),
};

/* Target characters (http_target_char): one bit per high nibble 0x2_ to 0x7_. */
static const struct http_nibble_class http_target_nibbles = {
    HTTP_NIBBLES(0x2e, 0x3f, 0x3e, 0x3e, 0x3f, 0x3e, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x17, 0x15, 0x17,
                 0x35, 0x1f),
    HTTP_NIBBLES(0x00, 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                 0x00, 0x00),
};

/* tchar (http_tchar): one bit per high nibble 0x2_ to 0x7_. */
static const struct http_nibble_class http_token_nibbles = {
    HTTP_NIBBLES(0x3a, 0x3f, 0x3e, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3e, 0x3e, 0x3d, 0x15, 0x34, 0x15,
                 0x3d, 0x1c),
    HTTP_NIBBLES(0x00, 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                 0x00, 0x00),
};

/* reg-name without "%" (http_reg_name_char): one bit per high nibble 0x2_ to 0x7_. */
static const struct http_nibble_class http_reg_name_nibbles = {
    HTTP_NIBBLES(0x2a, 0x3f, 0x3e, 0x3e, 0x3f, 0x3e, 0x3f, 0x3f, 0x3f, 0x3f, 0x3d, 0x17, 0x15, 0x17,
                 0x35, 0x1c),
    HTTP_NIBBLES(0x00, 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                 0x00, 0x00),
};

#define HTTP_SSSE3 __attribute__((target("ssse3")))
#define HTTP_AVX2 __attribute__((target("avx2")))

/* The stops (non-members) among 16 bytes as a bit mask, bit i for byte i. */
HTTP_SSSE3 static inline unsigned http_ssse3_stops(__m128i v, const struct http_nibble_class *c)
{
    __m128i nibble = _mm_loadu_si128((const __m128i *)(const void *)http_nibble_mask);
    __m128i lo = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)c->lo),
                                  _mm_and_si128(v, nibble));
    __m128i hi = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)c->hi),
                                  _mm_and_si128(_mm_srli_epi16(v, 4), nibble));
    __m128i none = _mm_cmpeq_epi8(_mm_and_si128(lo, hi), _mm_setzero_si128());
    return (unsigned)_mm_movemask_epi8(none);
}

/* The vector part of http_scan_value_sse2 and the others, for any class: 16 bytes a step,
 * the last (fewer than 16) bytes by one more load of the 16 ending at end, shifted; inputs
 * shorter than 16 bytes take the plain loop. */
HTTP_SSSE3 static inline size_t http_scan_ssse3_steps(const uint8_t *buf, size_t pos, size_t end,
                                                      const struct http_nibble_class *c,
                                                      const uint8_t table[256])
{
    for (; end - pos >= 16; pos += 16) {
        unsigned stops = http_ssse3_stops(http_sse2_load(buf + pos), c);
        if (stops != 0)
            return pos + (size_t)__builtin_ctz(stops);
    }
    if (end < 16)
        return http_scan_table(buf, pos, end, table);
    return http_sse2_tail(http_ssse3_stops(http_sse2_load(buf + end - 16), c), pos, end);
}

/* The scanner of one class: the first bytes one by one, then 16-byte steps. */
HTTP_SSSE3 static inline size_t http_scan_ssse3(const uint8_t *buf, size_t pos, size_t end,
                                                const struct http_nibble_class *c,
                                                const uint8_t table[256])
{
    if (http_scan_scalar_first(buf, &pos, end, table))
        return pos;
    return http_scan_ssse3_steps(buf, pos, end, c, table);
}

HTTP_SSSE3 static inline size_t http_scan_value_ssse3(const uint8_t *buf, size_t pos, size_t end)
{
    return http_scan_ssse3(buf, pos, end, &http_value_nibbles, http_value_char);
}

HTTP_SSSE3 static inline size_t http_scan_target_ssse3(const uint8_t *buf, size_t pos, size_t end)
{
    return http_scan_ssse3(buf, pos, end, &http_target_nibbles, http_target_char);
}

HTTP_SSSE3 static inline size_t http_scan_token_ssse3(const uint8_t *buf, size_t pos, size_t end)
{
    return http_scan_ssse3(buf, pos, end, &http_token_nibbles, http_tchar);
}

HTTP_SSSE3 static inline size_t http_scan_reg_name_ssse3(const uint8_t *buf, size_t pos, size_t end)
{
    return http_scan_ssse3(buf, pos, end, &http_reg_name_nibbles, http_reg_name_char);
}

/* The same lookup on 32 bytes: VPSHUFB looks up within each 16-byte lane, so the tables
 * are repeated in both lanes (stored so). */
HTTP_AVX2 static inline uint32_t http_avx2_stops(__m256i v, const struct http_nibble_class *c)
{
    __m256i nibble = _mm256_loadu_si256((const __m256i *)(const void *)http_nibble_mask);
    __m256i lo_table = _mm256_loadu_si256((const __m256i *)(const void *)c->lo);
    __m256i hi_table = _mm256_loadu_si256((const __m256i *)(const void *)c->hi);
    __m256i lo = _mm256_shuffle_epi8(lo_table, _mm256_and_si256(v, nibble));
    __m256i hi = _mm256_shuffle_epi8(hi_table, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
    __m256i none = _mm256_cmpeq_epi8(_mm256_and_si256(lo, hi), _mm256_setzero_si256());
    return (uint32_t)_mm256_movemask_epi8(none);
}

/* The first bytes one by one, then 32 bytes a step; then what is left as the SSSE3 steps
 * take it (one 16-byte step at most, the tail load, or the plain loop for inputs shorter
 * than 16 bytes). */
HTTP_AVX2 static inline size_t http_scan_avx2(const uint8_t *buf, size_t pos, size_t end,
                                              const struct http_nibble_class *c,
                                              const uint8_t table[256])
{
    if (http_scan_scalar_first(buf, &pos, end, table))
        return pos;
    if (end - pos >= 32) {
        do {
            const __m256i *p = (const __m256i *)(const void *)(buf + pos);
            uint32_t stops = http_avx2_stops(_mm256_loadu_si256(p), c);
            if (stops != 0)
                return pos + (size_t)__builtin_ctz(stops);
            pos += 32;
        } while (end - pos >= 32);
    }
    return http_scan_ssse3_steps(buf, pos, end, c, table);
}

HTTP_AVX2 static inline size_t http_scan_value_avx2(const uint8_t *buf, size_t pos, size_t end)
{
    return http_scan_avx2(buf, pos, end, &http_value_nibbles, http_value_char);
}

HTTP_AVX2 static inline size_t http_scan_target_avx2(const uint8_t *buf, size_t pos, size_t end)
{
    return http_scan_avx2(buf, pos, end, &http_target_nibbles, http_target_char);
}

HTTP_AVX2 static inline size_t http_scan_token_avx2(const uint8_t *buf, size_t pos, size_t end)
{
    return http_scan_avx2(buf, pos, end, &http_token_nibbles, http_tchar);
}

HTTP_AVX2 static inline size_t http_scan_reg_name_avx2(const uint8_t *buf, size_t pos, size_t end)
{
    return http_scan_avx2(buf, pos, end, &http_reg_name_nibbles, http_reg_name_char);
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

static inline size_t http_scan_reg_name(const uint8_t *buf, size_t pos, size_t end)
{
#ifdef HTTP_SCAN_SSE2
    return http_scan_reg_name_sse2(buf, pos, end);
#else
    return http_scan_reg_name_plain(buf, pos, end);
#endif
}

#endif

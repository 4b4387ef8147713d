/*
 * The scanning loops of src/http/http_scan.h: a spec table of character classes, one
 * behaviour per row, then every byte value at every place for every scanner.
 *
 * Each scanner returns the offset of the first byte in buf[pos..end) outside its class, or
 * end. The plain loops are the reference; the SSE2, SSSE3 and AVX2 variants (when built,
 * PH_SIMD=ON on x86-64) must return exactly the same offsets for every input, start and
 * length, and must read nothing outside buf[0..end). Every variant this CPU can run is
 * tested, whichever one the parser's dispatch picks; one the CPU lacks is reported skipped. Every input is placed twice: ending right before a
 * PROT_NONE page (tests/lib/guard_buf.h) and starting right after one, so a read past
 * either end faults even without ASan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "guard_buf.h"
#include "http/http_chars.h"
#include "http/http_parse_isa.h"
#include "http/http_scan.h"

typedef size_t (*scan_fn)(const uint8_t *buf, size_t pos, size_t end);

struct scanner {
    const char *name;
    const uint8_t *members;      /* the class, as http_chars.c defines it */
    scan_fn scan;                /* what code outside the parser calls (http_scan_value() ...) */
    scan_fn isa[HTTP_ISA_COUNT]; /* plain first; NULL where the build has no such variant */
};

#ifdef HTTP_SCAN_SSE2
#define SSE2(fn) fn
#else
#define SSE2(fn) NULL
#endif
#ifdef HTTP_SCAN_SSSE3
#define SSSE3(fn) fn
#define AVX2(fn) fn
#else
#define SSSE3(fn) NULL
#define AVX2(fn) NULL
#endif

enum { VALUE, TARGET, TOKEN, REG_NAME };

/* clang-format off */
#define VARIANTS(class)                                                                       \
    {                                                                                         \
        [HTTP_ISA_PLAIN] = http_scan_##class##_plain,                                         \
        [HTTP_ISA_SSE2] = SSE2(http_scan_##class##_sse2),                                     \
        [HTTP_ISA_SSSE3] = SSSE3(http_scan_##class##_ssse3),                                  \
        [HTTP_ISA_AVX2] = AVX2(http_scan_##class##_avx2),                                     \
    }
/* clang-format on */

static const struct scanner scanners[] = {
    [VALUE] = {"value", http_value_char, http_scan_value, VARIANTS(value)},
    [TARGET] = {"target", http_target_char, http_scan_target, VARIANTS(target)},
    [TOKEN] = {"token", http_tchar, http_scan_token, VARIANTS(token)},
    [REG_NAME] = {"reg-name", http_reg_name_char, http_scan_reg_name, VARIANTS(reg_name)},
};

/* Whether this CPU runs the variants of isa: the parser's answer (http_parse_isa.h), so a
 * test and the dispatch never disagree on it. */
static bool cpu_runs(int isa)
{
    return http_parse_request_for((enum http_isa)isa) != NULL;
}

#define NSCANNERS (sizeof(scanners) / sizeof(scanners[0]))

/* ---- buffers with a guard page before them --------------------------------------- */

/* Copies data[0..len) to the start of a page that follows a PROT_NONE page. */
static uint8_t *guard_before_new(const void *data, size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t total = page + (len + page - 1) / page * page + page;
    uint8_t *base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        perror("guard_before_new: mmap");
        abort();
    }
    if (mprotect(base, page, PROT_NONE) != 0) {
        perror("guard_before_new: mprotect");
        abort();
    }
    if (len > 0)
        memcpy(base + page, data, len);
    return base + page;
}

static void guard_before_free(uint8_t *buf, size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    munmap(buf - page, page + (len + page - 1) / page * page + page);
}

/* Runs every variant of scanner s over data[pos..len), placed against a guard page at
 * either end, and checks each against want. */
static void check_scan(const struct scanner *s, const uint8_t *data, size_t pos, size_t len,
                       size_t want, const char *label)
{
    uint8_t *after = guard_buf_new(data, len);
    uint8_t *before = guard_before_new(data, len);
    const uint8_t *placed[] = {after, before};
    for (size_t i = 0; i < 2; i++) {
        const uint8_t *b = placed[i];
        size_t got = s->scan(b, pos, len);
        if (got != want)
            fail_msg("%s: %s scanner (default) from %zu of %zu: got %zu, want %zu", label, s->name,
                     pos, len, got, want);
        for (int isa = 0; isa < HTTP_ISA_COUNT; isa++) {
            if (s->isa[isa] == NULL || !cpu_runs(isa))
                continue;
            got = s->isa[isa](b, pos, len);
            if (got != want)
                fail_msg("%s: %s scanner (%s) from %zu of %zu: got %zu, want %zu", label, s->name,
                         http_isa_name((enum http_isa)isa), pos, len, got, want);
        }
    }
    guard_buf_free(after, len);
    guard_before_free(before, len);
}

/* ---- the spec table ---------------------------------------------------------------- */

struct scan_row {
    const char *label;
    int scanner;
    const char *in;
    size_t len;
    size_t pos;  /* where the scan starts */
    size_t stop; /* the expected offset */
};

#define IN(s) .in = (s), .len = sizeof(s) - 1
#define ALL(s) IN(s), .stop = sizeof(s) - 1 /* the whole input is in the class */

/* clang-format off */
static const struct scan_row rows[] = {
    /* RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
     * "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
    {"token: every tchar", TOKEN, ALL("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"
                                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ")},
    {"token: a field name stops at its colon", TOKEN, IN("Content-Length: 5\r\n"), .stop = 14},
    {"token: a long name stops at its colon", TOKEN,
     IN("Access-Control-Request-Headers: x\r\n"), .stop = 30},
    {"token: a method stops at SP", TOKEN, IN("M-SEARCH * HTTP/1.1\r\n"), .stop = 8},
    {"token: DQUOTE is a delimiter", TOKEN, IN("abcdefghijklmnop\"rs"), .stop = 16},
    {"token: '(' is a delimiter", TOKEN, IN("abc(defghijklmnopqrs"), .stop = 3},
    {"token: ')' is a delimiter", TOKEN, IN("abcdefghijklmnopqrs)"), .stop = 19},
    {"token: ',' is a delimiter", TOKEN, IN("a,"), .stop = 1},
    {"token: '/' is a delimiter", TOKEN, IN("abcdefghijklmnopqrs/t"), .stop = 19},
    {"token: ';' '<' '=' '>' '?' '@' are delimiters", TOKEN, IN(";<=>?@"), .stop = 0},
    {"token: '[' '\\' ']' are delimiters", TOKEN, IN("Z[\\]"), .stop = 1},
    {"token: '{' '}' are delimiters", TOKEN, IN("z{}"), .stop = 1},
    {"token: '@' and '[' next to the letters are delimiters", TOKEN, IN("AZ@"), .stop = 2},
    {"token: '`' ends the range after '^' '_'", TOKEN, IN("^_`{"), .stop = 3},
    {"token: SP", TOKEN, IN("Host : a"), .stop = 4},
    {"token: HTAB", TOKEN, IN("Host\t: a"), .stop = 4},
    {"token: DEL", TOKEN, IN("Host\x7f: a"), .stop = 4},
    {"token: bytes >= 0x80 (0xc1 | 0x20 is 0xe1, not 'a')", TOKEN,
     IN("abcdefghijklmnopqrstuvwxyz\xc1"), .stop = 26},
    {"token: NUL", TOKEN, IN("abcdefghijklmnopq\0"), .stop = 17},
    {"token: started inside the input", TOKEN, IN("GET /x"), .pos = 1, .stop = 3},
    {"token: started at the end", TOKEN, IN("GET"), .pos = 3, .stop = 3},
    {"token: empty input", TOKEN, IN(""), .stop = 0},
    /* RFC 9110 5.5: field-value bytes are VCHAR, obs-text, SP and HTAB */
    {"value: VCHAR, SP, HTAB and obs-text", VALUE,
     ALL("text/html, */*;q=0.8\t\x80\xff \"quoted\" ~!@#$%^&*()_+`-={}|[]\\:;'<>?,./")},
    {"value: stops at CR", VALUE, IN("Mozilla/5.0 (X11; Linux x86_64)\r\n"), .stop = 31},
    {"value: stops at LF", VALUE, IN("abcdefghijklmnopqrstuvwx\n"), .stop = 24},
    {"value: stops at NUL", VALUE, IN("a\0"), .stop = 1},
    {"value: stops at DEL", VALUE, IN("abcdefghijklmnop\x7f"), .stop = 16},
    {"value: stops at other CTLs", VALUE, IN("abcdefghijklmnop\x1f"), .stop = 16},
    {"value: a long tail after 16-byte steps", VALUE,
     IN("0123456789abcdef0123456789abcdef0123456789\r"), .stop = 42},
    /* RFC 3986 pchar / "/" / "?", "%" left to the caller */
    {"target: path and query characters", TARGET,
     ALL("/-._~!$&'()*+,;=:@AZaz09?/?:@/index.html?a=b&c=d")},
    {"target: stops at SP", TARGET, IN("/search?q=fuzzing HTTP/1.1"), .stop = 17},
    {"target: stops at '%' (pct-encoded is checked apart)", TARGET, IN("/a%20b"), .stop = 2},
    {"target: stops at '#'", TARGET, IN("/abcdefghijklmnopq#f"), .stop = 18},
    {"target: stops at '[' and ']' (IP-literal is placed apart)", TARGET, IN("//[::1]"),
     .stop = 2},
    {"target: stops at bytes >= 0x80", TARGET, IN("/caf\xc3\xa9"), .stop = 4},
    {"target: stops at each excluded printable", TARGET, IN("/\"#<>\\^`{|}"), .stop = 1},
};
/* clang-format on */

static void test_spec_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct scan_row *r = &rows[i];
        check_scan(&scanners[r->scanner], (const uint8_t *)r->in, r->pos, r->len, r->stop,
                   r->label);
    }
}

/* The tables themselves, against the grammar's lists. */
static void test_classes(void **state)
{
    (void)state;
    static const char tchar[] = "!#$%&'*+-.^_`|~";
    static const char target_extra[] = "-._~!$&'()*+,;=:@/?";
    static const char reg_name_extra[] = "-._~!$&'()*+,;=";
    for (unsigned c = 0; c < 256; c++) {
        bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        bool token = alnum || (c != 0 && strchr(tchar, (int)c) != NULL);
        bool target = alnum || (c != 0 && strchr(target_extra, (int)c) != NULL);
        bool reg_name = alnum || (c != 0 && strchr(reg_name_extra, (int)c) != NULL);
        bool value = c == '\t' || (c >= 0x20 && c != 0x7f);
        assert_int_equal(http_tchar[c] != 0, token);
        assert_int_equal(http_target_char[c] != 0, target);
        assert_int_equal(http_reg_name_char[c] != 0, reg_name);
        assert_int_equal(http_value_char[c] != 0, value);
    }
}

/* ---- every byte at every place ------------------------------------------------------ */

/* Up to 72 bytes: shorter than one 16-byte step, exactly one, two and four, two 32-byte
 * steps and every tail after them. */
#define MAX_LEN 72

/* For every byte value b, every length, every place k of b among member bytes, and starts
 * before, at and after 16- and 32-byte boundaries: the scan stops at k when b is outside
 * the class, else runs to the end. One variant at a time, so a failure names it. */
static void check_every_byte_every_place(const struct scanner *sc, const char *variant, scan_fn fn)
{
    static const size_t starts[] = {0, 1, 2, 7, 15, 16, 17, 31, 32, 33, 47};
    for (size_t len = 1; len <= MAX_LEN; len++) {
        uint8_t data[MAX_LEN];
        memset(data, 'a', len); /* a member of every class */
        uint8_t *end_guarded = guard_buf_new(data, len);
        uint8_t *start_guarded = guard_before_new(data, len);
        for (unsigned b = 0; b < 256; b++) {
            for (size_t k = 0; k < len; k++) {
                end_guarded[k] = start_guarded[k] = (uint8_t)b;
                size_t stop = sc->members[b] ? len : k;
                for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
                    size_t pos = starts[i];
                    if (pos > k)
                        break;
                    size_t got_end = fn(end_guarded, pos, len);
                    size_t got_start = fn(start_guarded, pos, len);
                    if (got_end != stop || got_start != stop)
                        fail_msg("%s (%s): byte 0x%02x at %zu of %zu from %zu: got %zu and %zu, "
                                 "want %zu",
                                 sc->name, variant, b, k, len, pos, got_end, got_start, stop);
                }
                end_guarded[k] = start_guarded[k] = 'a';
            }
        }
        guard_buf_free(end_guarded, len);
        guard_before_free(start_guarded, len);
    }
}

static void test_every_byte_every_place(void **state)
{
    (void)state;
    for (size_t s = 0; s < NSCANNERS; s++) {
        const struct scanner *sc = &scanners[s];
        check_every_byte_every_place(sc, "default", sc->scan);
        for (int isa = 0; isa < HTTP_ISA_COUNT; isa++) {
            const char *name = http_isa_name((enum http_isa)isa);
            if (sc->isa[isa] == NULL) {
                print_message("%s scanner: no %s variant in this build\n", sc->name, name);
            } else if (!cpu_runs(isa)) {
                print_message("%s scanner: %s skipped, this CPU lacks it\n", sc->name, name);
            } else {
                check_every_byte_every_place(sc, name, sc->isa[isa]);
            }
        }
    }
}

/* The nibble tables of the SSSE3 and AVX2 scanners are the classes of http_chars.c: every
 * byte value, alone in a 32-byte buffer (so both the 16- and the 32-byte lookups see it at
 * every lane), stops exactly the scanners of the classes it is not in. */
static void test_nibble_tables(void **state)
{
    (void)state;
    for (size_t s = 0; s < NSCANNERS; s++) {
        const struct scanner *sc = &scanners[s];
        for (int isa = HTTP_ISA_SSSE3; isa <= HTTP_ISA_AVX2; isa++) {
            if (sc->isa[isa] == NULL || !cpu_runs(isa))
                continue;
            for (unsigned b = 0; b < 256; b++) {
                for (size_t k = 0; k < 32; k++) {
                    uint8_t data[64];
                    memset(data, 'a', sizeof(data));
                    data[k] = (uint8_t)b;
                    size_t want = sc->members[b] ? sizeof(data) : k;
                    assert_int_equal(sc->isa[isa](data, 0, sizeof(data)), want);
                }
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_spec_table),
        cmocka_unit_test(test_every_byte_every_place),
        cmocka_unit_test(test_nibble_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

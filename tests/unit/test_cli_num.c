/*
 * src/util/cli_num.c, the one command-line number parser: a table of what a flag's
 * value may be and what it must refuse (the bug it replaced: "--expect-uid abc" read
 * as uid 0 by an unchecked strtoul).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/cli_num.h"

struct u64_row {
    const char *label;
    const char *in;
    uint64_t min, max;
    bool ok;
    uint64_t want;
};

static const struct u64_row u64_rows[] = {
    {"zero", "0", 0, 10, true, 0},
    {"at the maximum", "10", 0, 10, true, 10},
    {"past the maximum", "11", 0, 10, false, 0},
    {"below the minimum", "0", 1, 10, false, 0},
    {"leading zeros are decimal", "010", 0, 100, true, 10},
    {"letters", "abc", 0, 10, false, 0},
    {"empty", "", 0, 10, false, 0},
    {"a sign", "-1", 0, UINT64_MAX, false, 0},
    {"a plus sign", "+1", 0, 10, false, 0},
    {"leading space", " 1", 0, 10, false, 0},
    {"trailing space", "1 ", 0, 10, false, 0},
    {"a suffix", "12k", 0, 100000, false, 0},
    {"hex is not decimal", "0x10", 0, 100, false, 0},
    {"UINT64_MAX", "18446744073709551615", 0, UINT64_MAX, true, UINT64_MAX},
    {"past UINT64_MAX", "18446744073709551616", 0, UINT64_MAX, false, 0},
};

static void test_u64_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof u64_rows / sizeof u64_rows[0]; i++) {
        const struct u64_row *r = &u64_rows[i];
        uint64_t out = 12345;
        bool ok = cli_parse_u64(r->in, r->min, r->max, &out);
        if (ok != r->ok)
            fail_msg("%s: \"%s\" gave %s", r->label, r->in, ok ? "ok" : "refused");
        assert_true(out == (r->ok ? r->want : 12345)); /* refused: *out untouched */
    }
    uint64_t out;
    assert_false(cli_parse_u64(NULL, 0, 1, &out));
}

struct double_row {
    const char *label;
    const char *in;
    bool ok;
    double want;
};

static const struct double_row double_rows[] = {
    {"integer", "10", true, 10.0},          {"fraction", "0.5", true, 0.5},
    {"leading dot", ".25", true, 0.25},     {"below the minimum", "0", false, 0},
    {"past the maximum", "1001", false, 0}, {"negative", "-1", false, 0},
    {"letters", "abc", false, 0},           {"empty", "", false, 0},
    {"trailing junk", "1s", false, 0},      {"not a number", "nan", false, 0},
    {"infinity", "inf", false, 0},
};

static void test_double_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof double_rows / sizeof double_rows[0]; i++) {
        const struct double_row *r = &double_rows[i];
        double out = -7;
        bool ok = cli_parse_double(r->in, 0.001, 1000, &out);
        if (ok != r->ok)
            fail_msg("%s: \"%s\" gave %s", r->label, r->in, ok ? "ok" : "refused");
        if (r->ok)
            assert_true(out == r->want);
        else
            assert_true(out == -7);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u64_table),
        cmocka_unit_test(test_double_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

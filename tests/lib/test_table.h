/*
 * Tests as spec tables (STYLE.md 9): a row per behaviour, each with a label, checked by a
 * function that returns how many of its checks failed and says each in one line, so that a
 * table reports every failing row, not only the first, before the test fails.
 */
#ifndef TEST_TABLE_H
#define TEST_TABLE_H

#include <stddef.h>
#include <stdio.h>

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

/* One failed check of the row labelled `label`: "  FAIL [label] message" on stderr, the
 * message a printf format and its arguments. Is 1, to be added to the row's failures. */
#define row_fail(label, ...) \
    (fprintf(stderr, "  FAIL [%s] ", (label)), fprintf(stderr, __VA_ARGS__), fputc('\n', stderr), 1)

/* Every row of table t through check (int check(const row *): its failures); the cmocka
 * test fails after the last row when any row failed. */
#define RUN_TABLE(t, check)                      \
    do {                                         \
        int failed_ = 0;                         \
        for (size_t i_ = 0; i_ < NROWS(t); i_++) \
            failed_ += check(&(t)[i_]);          \
        assert_int_equal(failed_, 0);            \
    } while (0)

#endif

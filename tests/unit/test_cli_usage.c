/*
 * src/util/cli_usage.c, what every tool's option loop does alike: where the usage goes and
 * which exit status it ends with for --help, an unknown option and missing operands, and
 * the one line a bad value gets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/cli_usage.h"

static FILE *usage_out; /* where the last usage() call printed */
static int usage_calls;

static void usage(FILE *out)
{
    usage_out = out;
    usage_calls++;
}

struct row {
    const char *label;
    int opt;
    int want_status;
    FILE **want_out;
};

static void test_help_or_usage(void **state)
{
    (void)state;
    const struct row rows[] = {
        {"-h, --help: usage on stdout, exit 0", 'h', 0, &stdout},
        {"unknown option or missing argument: usage on stderr, 64", '?', 64, &stderr},
        {"an option the tool forgot: the same as unknown", 'x', 64, &stderr},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        usage_out = NULL;
        usage_calls = 0;
        int status = cli_help_or_usage(rows[i].opt, usage);
        if (status != rows[i].want_status || usage_out != *rows[i].want_out || usage_calls != 1)
            fail_msg("%s: status %d, %d usage calls", rows[i].label, status, usage_calls);
    }
    usage_out = NULL;
    assert_int_equal(cli_usage_error(usage), CLI_EXIT_USAGE);
    assert_ptr_equal(usage_out, stderr);
}

/* What cli_fail writes on stderr, read back through a temporary file on fd 2. */
static void test_fail_line(void **state)
{
    (void)state;
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
    int status = cli_fail("ph-x", "--%s %s: takes 1..%u", "max-size", "0", 5u);
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    assert_int_equal(status, CLI_EXIT_USAGE);

    char line[128] = {0};
    rewind(tmp);
    size_t n = fread(line, 1, sizeof(line) - 1, tmp);
    fclose(tmp);
    const char *want = "ph-x: --max-size 0: takes 1..5 (ph-x --help)\n";
    assert_int_equal(n, strlen(want));
    assert_string_equal(line, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_or_usage),
        cmocka_unit_test(test_fail_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

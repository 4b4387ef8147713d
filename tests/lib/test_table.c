/* Tests as spec tables (tests/lib/test_table.h). */
#include "test_table.h"

#include <stdarg.h>
#include <stdio.h>

int row_fail(const char *label, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "  FAIL [%s] ", label);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

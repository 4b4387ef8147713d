/* The tools' usage errors (util/cli_usage.h). */
#include "cli_usage.h"

#include <stdarg.h>

int cli_help_or_usage(int opt, void (*usage)(FILE *out))
{
    if (opt == 'h') {
        usage(stdout);
        return 0;
    }
    return cli_usage_error(usage);
}

int cli_usage_error(void (*usage)(FILE *out))
{
    usage(stderr);
    return CLI_EXIT_USAGE;
}

int cli_fail(const char *prog, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (%s --help)\n", prog);
    return CLI_EXIT_USAGE;
}

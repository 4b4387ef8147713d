#include "cli_num.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

bool cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    /* strtoull takes a sign and leading spaces ("-1" becomes UINT64_MAX): refuse both
     * by asking for a digit first. */
    if (s == NULL || s[0] < '0' || s[0] > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool cli_parse_double(const char *s, double min, double max, double *out)
{
    if (s == NULL || ((s[0] < '0' || s[0] > '9') && s[0] != '.'))
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v) || v < min || v > max)
        return false;
    *out = v;
    return true;
}

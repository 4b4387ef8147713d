/*
 * Not a core: what the purity check must reject. Each function calls something the old
 * deny-list let through (a file, a mapping, the clock, the environment, a locale-aware
 * number parser). The test core_purity_rejects runs tests/check_core_purity.sh on this
 * library and expects it to fail, so the check is seen to fail, not only to pass.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

int impure_file(const char *path);
void *impure_map(size_t len);
long impure_clock(void);
long impure_env(void);

int impure_file(const char *path)
{
    return fopen(path, "r") != NULL;
}

void *impure_map(size_t len)
{
    return mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

long impure_clock(void)
{
    return (long)time(NULL);
}

long impure_env(void)
{
    return strtol(getenv("PH_IMPURE") ? getenv("PH_IMPURE") : "0", NULL, 10);
}

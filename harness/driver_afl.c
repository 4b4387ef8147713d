/*
 * AFL++ driver: persistent mode with the test case in shared memory. Built with
 * afl-clang-fast, which defines the __AFL_* macros. The forkserver starts after
 * LLVMFuzzerInitialize (deferred), so one-time setup is not repeated per fork.
 */
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "fuzz_check.h"

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Test cases per forked child before AFL++ forks a fresh one. */
#define AFL_PERSISTENT_ITERATIONS 100000

__AFL_FUZZ_INIT();

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize != NULL)
        LLVMFuzzerInitialize(&argc, &argv);
    __AFL_INIT();
    const unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
    while (__AFL_LOOP(AFL_PERSISTENT_ITERATIONS)) {
        size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;
        LLVMFuzzerTestOneInput(buf, len);
    }
    return 0;
}

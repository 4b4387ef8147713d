/*
 * A fuzz target with a bug planted on purpose, for tests/fuzz/test_campaign.sh (which
 * copies it into harness/ of a copy of the tree; it is never a target of the project).
 *
 * An input holding "BUG" reads one byte past its end: a heap-buffer-overflow in every
 * build. The deep build (PH_SPLIT_ORACLE) costs 400 ms a run, as a slow oracle would:
 * minimizing the test's 4 KiB seed down to "BUG" takes 40 runs, at least 16 s on any
 * machine, more than the test's triage deadline, so the cut by the deadline is certain;
 * the campaign must still end on time, keeping the smallest reproducer found by then.
 */
#include <string.h>
#include <time.h>

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#ifdef PH_SPLIT_ORACLE
    const struct timespec slow = {0, 400 * 1000 * 1000};
    nanosleep(&slow, NULL);
#endif
    if (memmem(data, size, "BUG", 3) != NULL) {
        volatile uint8_t past = data[size];
        (void)past;
    }
    return 0;
}

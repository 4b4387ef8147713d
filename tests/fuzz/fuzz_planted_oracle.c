/*
 * A fuzz target with a bug only its deep build sees, for tests/fuzz/test_campaign.sh
 * (copied into harness/ of a copy of the tree; never a target of the project): the
 * stand-in for a split-oracle failure. An input starting with 'D' takes a branch of its
 * own (so it enters the corpus) and, in PH_SPLIT_ORACLE builds only, fails a check.
 */
#include "fuzz_check.h"

static volatile unsigned branch_taken;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0 && data[0] == 'D') {
        branch_taken++;
#ifdef PH_SPLIT_ORACLE
        FUZZ_CHECK(size == 0 || data[0] != 'D');
#endif
    }
    return 0;
}

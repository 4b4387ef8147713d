/*
 * The empty fuzz target: does nothing with its input. ci/bench.sh fuzz builds it the way
 * each engine builds real targets and divides their exec/s by its own, so the ratio says
 * what a target costs beyond the engine's fixed cost per execution.
 */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)data;
    (void)size;
    return 0;
}

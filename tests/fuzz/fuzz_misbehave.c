/*
 * A fuzz target that misbehaves on purpose, to test the standalone driver (built only
 * by tests/fuzz). The input's first word picks what it does:
 *
 *   crash   abort()                      hang          spin forever
 *   leak    lose a malloc'd block        hang-masked   spin with SIGALRM blocked
 *   oom     touch memory until killed    exit          exit(3)
 *   overread  read one byte past the input   anything else: return normally
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

#define MISBEHAVE_OOM_CAP (1024u << 20) /* never more than 1 GiB, watchdog or not */

static int is(const uint8_t *data, size_t size, const char *word)
{
    size_t n = strlen(word);
    return size == n || (size > n && data[n] == '\n') ? memcmp(data, word, n) == 0 : 0;
}

/* Out of line, so no register or live stack slot keeps the pointer. */
__attribute__((noinline)) static void lose_block(void)
{
    volatile char *lost = malloc(64);
    FUZZ_CHECK(lost != NULL);
    lost[0] = 1;
}

static void spin(void)
{
    volatile unsigned long n = 0;
    for (;;)
        n++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (is(data, size, "crash")) {
        abort();
    } else if (is(data, size, "hang")) {
        spin();
    } else if (is(data, size, "hang-masked")) {
        sigset_t alrm;
        sigemptyset(&alrm);
        sigaddset(&alrm, SIGALRM);
        sigprocmask(SIG_BLOCK, &alrm, NULL);
        spin();
    } else if (is(data, size, "leak")) {
        lose_block();
    } else if (is(data, size, "oom")) {
        static void *volatile last; /* the blocks stay reachable: not a leak */
        for (size_t total = 0; total < MISBEHAVE_OOM_CAP; total += 16u << 20) {
            volatile char *block = malloc(16u << 20);
            FUZZ_CHECK(block != NULL);
            for (size_t i = 0; i < 16u << 20; i += 4096)
                block[i] = 1; /* volatile: each page is really touched */
            block[0] = (char)(uintptr_t)last;
            last = (void *)block;
        }
    } else if (is(data, size, "exit")) {
        exit(3);
    } else if (is(data, size, "overread")) {
        volatile uint8_t past = data[size];
        (void)past;
    }
    return 0;
}

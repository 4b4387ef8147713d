/*
 * AFL++ plain driver: one input per process, read from the file named by the first
 * argument (afl-fuzz/afl-tmin/afl-showmap "@@") or from standard input. No persistent
 * loop and no shared-memory test case, so the AFL++ tools that abort on persistent
 * binaries in Debian's AFL++ 4.04c (afl-tmin, afl-showmap, the awk afl-cmin) work, and
 * so does afl-fuzz in plain forkserver mode. Built as bin/plain/fuzz_<target>.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_check.h"

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Reads all of fd into a malloc'd buffer of exactly the input's size. */
static uint8_t *read_input(int fd, size_t *len)
{
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    FUZZ_CHECK(buf != NULL);
    for (;;) {
        if (n == cap) {
            uint8_t *bigger = realloc(buf, cap *= 2);
            FUZZ_CHECK(bigger != NULL);
            buf = bigger;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r == 0)
            break;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            perror("read");
            exit(1);
        }
        n += (size_t)r;
    }
    uint8_t *exact = malloc(n ? n : 1); /* ASan sees a one-byte over-read */
    FUZZ_CHECK(exact != NULL);
    memcpy(exact, buf, n);
    free(buf);
    *len = n;
    return exact;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize != NULL)
        LLVMFuzzerInitialize(&argc, &argv);
    int fd = STDIN_FILENO;
    if (argc > 1 && strcmp(argv[1], "-") != 0) {
        fd = open(argv[1], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
            return 1;
        }
    }
    size_t len;
    uint8_t *data = read_input(fd, &len);
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    return 0;
}

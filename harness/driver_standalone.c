/*
 * Standalone replay driver: runs a fuzz target over files and directories with no
 * fuzzing engine, so any compiler (gcc included) can build it and ctest can replay
 * every committed corpus file and crash reproducer under ASan+UBSan.
 *
 *   fuzz_<target> [-timeout=SECONDS] [-rss_limit_mb=MB] [-q] PATH...
 *
 * Each input is copied into a buffer of exactly its size (ASan sees a one-byte
 * over-read). A hang is cut off after -timeout seconds; a leak is found after each
 * input when built with LeakSanitizer. Either ends the run with the file's name and a
 * non-zero status; a crash ends it through the sanitizer, after the "running" line.
 * Other libFuzzer-style -flags are accepted and ignored, so command lines carry over.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_check.h"
#include "util/file_io.h"

#if defined(__SANITIZE_ADDRESS__)
#define DRIVER_HAS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DRIVER_HAS_ASAN 1
#endif
#endif

#ifdef DRIVER_HAS_ASAN
int __lsan_do_recoverable_leak_check(void);
#endif

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

enum {
    DRIVER_EXIT_OK = 0,
    DRIVER_EXIT_FAIL = 1,  /* leak or unreadable input */
    DRIVER_EXIT_HANG = 70, /* EX_SOFTWARE: an input ran past -timeout */
    DRIVER_EXIT_USAGE = 64,
};

#define DRIVER_DEFAULT_TIMEOUT 25 /* seconds; libFuzzer's default is 1200, too long for ctest */

struct driver {
    unsigned timeout;
    bool quiet;
    size_t passed;
};

/* The input being run, for the SIGALRM handler. */
static const char *current_input;

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "HANG: input ran past -timeout: ";
    if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0 || current_input == NULL)
        _exit(DRIVER_EXIT_HANG);
    if (write(STDERR_FILENO, current_input, strlen(current_input)) < 0 ||
        write(STDERR_FILENO, "\n", 1) < 0)
        _exit(DRIVER_EXIT_HANG);
    _exit(DRIVER_EXIT_HANG);
}

static int run_file(struct driver *d, const char *path)
{
    uint8_t *data;
    size_t len;
    if (file_read_all(path, &data, &len) != 0) {
        fprintf(stderr, "FAIL: %s: %s\n", path, strerror(errno));
        return DRIVER_EXIT_FAIL;
    }
    if (!d->quiet)
        fprintf(stderr, "running %s (%zu bytes)\n", path, len);
    current_input = path;
    alarm(d->timeout);
    LLVMFuzzerTestOneInput(data, len);
    alarm(0);
    free(data);
#ifdef DRIVER_HAS_ASAN
    if (__lsan_do_recoverable_leak_check() != 0) {
        fprintf(stderr, "LEAK: %s\n", path);
        return DRIVER_EXIT_FAIL;
    }
#endif
    d->passed++;
    return DRIVER_EXIT_OK;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(struct driver *d, const char *path);

/* Entries in name order, so runs are reproducible; hidden files are skipped. */
static int run_dir(struct driver *d, const char *path)
{
    DIR *dir = opendir(path);
    if (dir == NULL) {
        fprintf(stderr, "FAIL: %s: %s\n", path, strerror(errno));
        return DRIVER_EXIT_FAIL;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **bigger = realloc(names, cap * sizeof(*names));
            FUZZ_CHECK(bigger != NULL);
            names = bigger;
        }
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        FUZZ_CHECK(names[n] != NULL);
        snprintf(names[n], len, "%s/%s", path, e->d_name);
        n++;
    }
    closedir(dir);
    qsort(names, n, sizeof(*names), compare_names);
    int rc = DRIVER_EXIT_OK;
    for (size_t i = 0; i < n; i++) {
        if (rc == DRIVER_EXIT_OK)
            rc = run_path(d, names[i]);
        free(names[i]);
    }
    free(names);
    return rc;
}

static int run_path(struct driver *d, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "FAIL: %s: %s\n", path, strerror(errno));
        return DRIVER_EXIT_FAIL;
    }
    if (S_ISDIR(st.st_mode))
        return run_dir(d, path);
    return run_file(d, path);
}

static void limit_memory(unsigned long mb)
{
#ifdef DRIVER_HAS_ASAN
    /* ASan reserves terabytes of address space for its shadow: RLIMIT_AS would kill it. */
    (void)mb;
#else
    struct rlimit rl = {mb << 20, mb << 20};
    if (setrlimit(RLIMIT_AS, &rl) != 0)
        perror("setrlimit(RLIMIT_AS)");
#endif
}

int main(int argc, char **argv)
{
    struct driver d = {.timeout = DRIVER_DEFAULT_TIMEOUT};
    unsigned long rss_limit_mb = 2048;
    int first_path = argc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "-timeout=", 9) == 0)
            d.timeout = (unsigned)strtoul(a + 9, NULL, 10);
        else if (strncmp(a, "-rss_limit_mb=", 14) == 0)
            rss_limit_mb = strtoul(a + 14, NULL, 10);
        else if (strcmp(a, "-q") == 0)
            d.quiet = true;
        else if (a[0] == '-' && a[1] != '\0')
            continue; /* another engine's flag */
        else {
            first_path = i;
            break;
        }
    }
    if (first_path == argc) {
        fprintf(stderr, "usage: %s [-timeout=S] [-rss_limit_mb=MB] [-q] FILE|DIR...\n", argv[0]);
        return DRIVER_EXIT_USAGE;
    }
    if (rss_limit_mb > 0)
        limit_memory(rss_limit_mb);
    signal(SIGALRM, on_alarm);
    if (LLVMFuzzerInitialize != NULL)
        LLVMFuzzerInitialize(&argc, &argv);

    int rc = DRIVER_EXIT_OK;
    for (int i = first_path; i < argc && rc == DRIVER_EXIT_OK; i++)
        rc = run_path(&d, argv[i]);
    printf("replay: %zu passed, %d failed\n", d.passed, rc == DRIVER_EXIT_OK ? 0 : 1);
    return rc;
}

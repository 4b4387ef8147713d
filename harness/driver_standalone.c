/*
 * Standalone replay driver: runs a fuzz target over files and directories with no
 * fuzzing engine, so any compiler (gcc included) can build it and ctest can replay
 * every committed corpus file and crash reproducer under ASan+UBSan.
 *
 *   fuzz_<target> [-timeout=S] [-rss_limit_mb=MB] [-in_process=1] [-q] PATH...
 *
 * Directories are walked recursively in name order (hidden files skipped). Each input
 * runs in a forked child, in a buffer of exactly its size (ASan sees a one-byte
 * over-read). The parent is the watchdog: it kills a child that runs past -timeout
 * seconds (a hang) or whose resident memory passes -rss_limit_mb (an OOM), so a bad
 * input can neither stall ctest nor take the machine's memory. A child that crashes,
 * leaks (LeakSanitizer builds) or exits by itself is a failure too. Each input gets one
 * result line (only failures with -q), then a summary; the first failure ends the run
 * with the input's name and a non-zero status.
 *
 * -in_process=1 runs every input in this process instead, with no watchdog: for
 * debuggers, profilers and coverage builds (a forked child's profile would be lost).
 * Other libFuzzer-style -flags are accepted and ignored, so command lines carry over.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));

/* As libFuzzer does: a leak check (tens of ms) only after a run that malloc'd more
 * blocks than it freed. */
static volatile size_t mallocs, frees;
static void count_malloc(const volatile void *ptr, size_t size)
{
    (void)ptr;
    (void)size;
    mallocs++;
}
static void count_free(const volatile void *ptr)
{
    (void)ptr;
    frees++;
}
#endif
/* Present in sanitizer builds only. */
__attribute__((weak)) void __sanitizer_print_stack_trace(void);
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Exit statuses, of the driver and of its children. */
enum {
    DRIVER_EXIT_OK = 0,
    DRIVER_EXIT_CRASH = 1, /* what sanitizers exit with; also an unreadable input */
    DRIVER_EXIT_USAGE = 64,
    DRIVER_EXIT_HANG = 70, /* EX_SOFTWARE, as libFuzzer's -timeout_exitcode */
    DRIVER_EXIT_LEAK = 71,
    DRIVER_EXIT_OOM = 72,
    DRIVER_EXIT_EXIT = 73, /* the target called exit() */
};

#define DRIVER_DEFAULT_TIMEOUT 25  /* seconds; libFuzzer's 1200 is too long for ctest */
#define DRIVER_DEFAULT_RSS_MB 2048 /* as libFuzzer's -rss_limit_mb */
#define DRIVER_HANG_GRACE_MS 2000  /* after -timeout, for the child's own report */
#define DRIVER_TICK_MS 10          /* watchdog period */

struct driver {
    unsigned timeout;     /* seconds, 0 = none */
    unsigned long rss_mb; /* 0 = none */
    bool in_process;
    bool quiet;
    char **inputs; /* every file, in run order */
    size_t n_inputs, cap_inputs;
};

/* ---- collecting inputs ------------------------------------------------------------ */

static void add_input(struct driver *d, char *path)
{
    if (d->n_inputs == d->cap_inputs) {
        d->cap_inputs = d->cap_inputs ? d->cap_inputs * 2 : 64;
        char **bigger = realloc(d->inputs, d->cap_inputs * sizeof(*d->inputs));
        FUZZ_CHECK(bigger != NULL);
        d->inputs = bigger;
    }
    d->inputs[d->n_inputs++] = path;
}

/* Adds path, or every file under it in name order. Returns 0, or -1 after a message. */
static int collect(struct driver *d, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "FAIL: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        char *copy = strdup(path);
        FUZZ_CHECK(copy != NULL);
        add_input(d, copy);
        return 0;
    }
    char **names;
    size_t n;
    if (file_list_dir(path, &names, &n) != 0) {
        fprintf(stderr, "FAIL: %s: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = collect(d, names[i]);
    file_list_free(names, n);
    return rc;
}

/* ---- running one input ------------------------------------------------------------ */

/* The input being run, for the child's SIGALRM handler. */
static const char *current_input;

static void write_str(const char *s)
{
    if (write(STDERR_FILENO, s, strlen(s)) < 0)
        return;
}

/* The child's own hang report: a stack trace shows where it was stuck. */
static void on_alarm(int sig)
{
    (void)sig;
    write_str("==HANG== input ran past -timeout: ");
    write_str(current_input != NULL ? current_input : "?");
    write_str("\n");
    if (__sanitizer_print_stack_trace != NULL)
        __sanitizer_print_stack_trace();
    _exit(DRIVER_EXIT_HANG);
}

/* Runs the target once on data; returns DRIVER_EXIT_OK or DRIVER_EXIT_LEAK. */
static int run_target(const uint8_t *data, size_t len)
{
#ifdef DRIVER_HAS_ASAN
    size_t mallocs_before = mallocs, frees_before = frees;
#endif
    LLVMFuzzerTestOneInput(data, len);
#ifdef DRIVER_HAS_ASAN
    if (mallocs - mallocs_before != frees - frees_before && __lsan_do_recoverable_leak_check() != 0)
        return DRIVER_EXIT_LEAK;
#endif
    return DRIVER_EXIT_OK;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Resident set of a process in MiB, or 0 when /proc cannot tell. */
static unsigned long rss_mb(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    unsigned long size, resident = 0;
    if (fscanf(f, "%lu %lu", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * (unsigned long)sysconf(_SC_PAGESIZE) >> 20;
}

/* A child's wait status as a driver exit code, with a note for the result line. */
static int classify(int status, char *note, size_t cap)
{
    if (WIFSIGNALED(status)) {
        snprintf(note, cap, "killed by signal %d, %s", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
        return DRIVER_EXIT_CRASH;
    }
    int code = WEXITSTATUS(status);
    switch (code) {
    case DRIVER_EXIT_OK:
    case DRIVER_EXIT_HANG:
    case DRIVER_EXIT_LEAK:
        return code;
    case DRIVER_EXIT_CRASH:
        snprintf(note, cap, "exit 1, a sanitizer report or abort");
        return DRIVER_EXIT_CRASH;
    default:
        snprintf(note, cap, "the target exited with %d", code);
        return DRIVER_EXIT_EXIT;
    }
}

/*
 * Forks a child for one input and watches it. SIGCHLD stays blocked in the parent
 * (main), so sigtimedwait wakes as soon as the child ends and otherwise every tick.
 */
static int run_forked(const struct driver *d, const uint8_t *data, size_t len, char *note,
                      size_t cap)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(note, cap, "fork: %s", strerror(errno));
        return DRIVER_EXIT_CRASH;
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGALRM, on_alarm);
        alarm(d->timeout);
        int rc = run_target(data, len);
        fflush(NULL);
        _exit(rc);
    }

    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    double start = now_ms();
    double deadline = d->timeout ? start + d->timeout * 1e3 + DRIVER_HANG_GRACE_MS : 0;
    const struct timespec tick = {0, DRIVER_TICK_MS * 1000000L};
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return classify(status, note, cap);
        if (r < 0 && errno != EINTR) {
            snprintf(note, cap, "waitpid: %s", strerror(errno));
            return DRIVER_EXIT_CRASH;
        }
        unsigned long rss = d->rss_mb ? rss_mb(pid) : 0;
        int verdict = DRIVER_EXIT_OK;
        if (rss > d->rss_mb) {
            snprintf(note, cap, "rss %lu MB > -rss_limit_mb=%lu", rss, d->rss_mb);
            verdict = DRIVER_EXIT_OOM;
        } else if (deadline && now_ms() > deadline) {
            snprintf(note, cap, "still running %u s after -timeout=%u, killed",
                     (unsigned)(DRIVER_HANG_GRACE_MS / 1000), d->timeout);
            verdict = DRIVER_EXIT_HANG;
        }
        if (verdict != DRIVER_EXIT_OK) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            return verdict;
        }
        sigtimedwait(&chld, NULL, &tick);
    }
}

static const char *result_name(int rc)
{
    switch (rc) {
    case DRIVER_EXIT_OK:
        return "PASS";
    case DRIVER_EXIT_HANG:
        return "HANG";
    case DRIVER_EXIT_LEAK:
        return "LEAK";
    case DRIVER_EXIT_OOM:
        return "OOM";
    case DRIVER_EXIT_EXIT:
        return "EXIT";
    default:
        return "CRASH";
    }
}

/* Runs one file and prints its result line; returns a DRIVER_EXIT_* code. */
static int run_file(const struct driver *d, const char *path)
{
    uint8_t *file;
    size_t len;
    if (file_read_all(path, &file, &len) != 0) {
        fprintf(stderr, "FAIL  %s: %s\n", path, strerror(errno));
        return DRIVER_EXIT_CRASH;
    }
    uint8_t *data = malloc(len ? len : 1); /* exactly its size: ASan sees an over-read */
    FUZZ_CHECK(data != NULL);
    memcpy(data, file, len);
    free(file);

    char note[160] = "";
    current_input = path;
    double start = now_ms();
    int rc;
    if (d->in_process) {
        alarm(d->timeout);
        rc = run_target(data, len);
        alarm(0);
    } else {
        rc = run_forked(d, data, len, note, sizeof(note));
    }
    double ms = now_ms() - start;
    free(data);
    if (rc == DRIVER_EXIT_HANG && note[0] == '\0')
        snprintf(note, sizeof(note), "ran past -timeout=%u", d->timeout);
    if (rc == DRIVER_EXIT_LEAK)
        snprintf(note, sizeof(note), "LeakSanitizer report above");

    if (rc == DRIVER_EXIT_OK) {
        if (!d->quiet)
            fprintf(stderr, "PASS  %s (%zu bytes, %.1f ms)\n", path, len, ms);
    } else {
        fprintf(stderr, "%-5s %s (%zu bytes, %.1f ms%s%s)\n", result_name(rc), path, len, ms,
                note[0] ? "; " : "", note);
    }
    return rc;
}

/* ---- main ------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    struct driver d = {.timeout = DRIVER_DEFAULT_TIMEOUT, .rss_mb = DRIVER_DEFAULT_RSS_MB};
    int first_path = argc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "-timeout=", 9) == 0)
            d.timeout = (unsigned)strtoul(a + 9, NULL, 10);
        else if (strncmp(a, "-rss_limit_mb=", 14) == 0)
            d.rss_mb = strtoul(a + 14, NULL, 10);
        else if (strncmp(a, "-in_process=", 12) == 0)
            d.in_process = strtoul(a + 12, NULL, 10) != 0;
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
        fprintf(stderr,
                "usage: %s [-timeout=S] [-rss_limit_mb=MB] [-in_process=1] [-q] FILE|DIR...\n",
                argv[0]);
        return DRIVER_EXIT_USAGE;
    }
    for (int i = first_path; i < argc; i++) {
        if (collect(&d, argv[i]) != 0)
            return DRIVER_EXIT_CRASH;
    }

    /* The watchdog waits for SIGCHLD with sigtimedwait; in-process runs use SIGALRM. */
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    signal(SIGALRM, on_alarm);
#ifdef DRIVER_HAS_ASAN
    __sanitizer_install_malloc_and_free_hooks(count_malloc, count_free);
#endif
    if (LLVMFuzzerInitialize != NULL)
        LLVMFuzzerInitialize(&argc, &argv);

    int rc = DRIVER_EXIT_OK;
    size_t passed = 0, failed = 0;
    for (size_t i = 0; i < d.n_inputs && rc == DRIVER_EXIT_OK; i++) {
        rc = run_file(&d, d.inputs[i]);
        if (rc == DRIVER_EXIT_OK)
            passed++;
        else
            failed++;
    }
    printf("replay: %zu passed, %zu failed, %zu skipped\n", passed, failed,
           d.n_inputs - passed - failed);
    for (size_t i = 0; i < d.n_inputs; i++)
        free(d.inputs[i]);
    free(d.inputs);
    return rc;
}

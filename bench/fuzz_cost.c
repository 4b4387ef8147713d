/*
 * ph-fuzz-cost: what a fuzz target hands libFuzzer per run, counted. Linked in place of
 * libFuzzer into a target built with -fsanitize=fuzzer-no-link (the instrumentation
 * libFuzzer builds use), it runs the target once over each input file and prints the mean
 * number of distinct edges a run leaves hit (coverage counters non-zero: libFuzzer does
 * bookkeeping for each) and of traced compares (the __sanitizer_cov_trace_*cmp* and
 * switch calls, several nanoseconds each under libFuzzer):
 *
 *     fuzz_<target> PATH...   (files, or directories of files, not recursive)
 *     inputs=610 edges_per_run=27.4 cmps_per_run=224.9
 *
 * ci/bench.sh fuzz prints these beside each target's exec/s. This file is compiled
 * without instrumentation: it provides the hooks the instrumentation calls.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define COST_MAX_REGIONS 16
#define COST_MAX_INPUT (1u << 20) /* above every target's max_len */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static struct {
    uint8_t *start, *stop;
} regions[COST_MAX_REGIONS];
static size_t num_regions;
static unsigned long long cmps;

/* ---- the hooks -fsanitize=fuzzer-no-link calls (libFuzzer's runtime is not linked) ---- */

void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *stop);
void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *stop)
{
    if (num_regions == COST_MAX_REGIONS) {
        fprintf(stderr, "ph-fuzz-cost: more than %d counter regions\n", COST_MAX_REGIONS);
        exit(1);
    }
    regions[num_regions].start = start;
    regions[num_regions].stop = stop;
    num_regions++;
}

void __sanitizer_cov_pcs_init(const uintptr_t *start, const uintptr_t *stop);
void __sanitizer_cov_pcs_init(const uintptr_t *start, const uintptr_t *stop)
{
    (void)start;
    (void)stop;
}

/* -fsanitize=fuzzer-no-link also tracks the deepest stack a run reaches (libFuzzer's
 * stack-depth feature): every instrumented function compares its frame with this. */
_Thread_local uintptr_t __sancov_lowest_stack;

void __sanitizer_cov_trace_pc_indir(uintptr_t callee);
void __sanitizer_cov_trace_pc_indir(uintptr_t callee)
{
    (void)callee;
}

#define COST_CMP_HOOK(name, type) \
    void name(type a, type b);    \
    void name(type a, type b)     \
    {                             \
        (void)a;                  \
        (void)b;                  \
        cmps++;                   \
    }
COST_CMP_HOOK(__sanitizer_cov_trace_cmp1, uint8_t)
COST_CMP_HOOK(__sanitizer_cov_trace_cmp2, uint16_t)
COST_CMP_HOOK(__sanitizer_cov_trace_cmp4, uint32_t)
COST_CMP_HOOK(__sanitizer_cov_trace_cmp8, uint64_t)
COST_CMP_HOOK(__sanitizer_cov_trace_const_cmp1, uint8_t)
COST_CMP_HOOK(__sanitizer_cov_trace_const_cmp2, uint16_t)
COST_CMP_HOOK(__sanitizer_cov_trace_const_cmp4, uint32_t)
COST_CMP_HOOK(__sanitizer_cov_trace_const_cmp8, uint64_t)

void __sanitizer_cov_trace_switch(uint64_t value, uint64_t *cases);
void __sanitizer_cov_trace_switch(uint64_t value, uint64_t *cases)
{
    (void)value;
    (void)cases;
    cmps++;
}

/* ---- the driver ---------------------------------------------------------------------- */

static uint8_t input[COST_MAX_INPUT];
static unsigned long long runs, edges, cmps_total;

static void clear_counters(void)
{
    for (size_t r = 0; r < num_regions; r++)
        memset(regions[r].start, 0, (size_t)(regions[r].stop - regions[r].start));
}

static size_t hit_counters(void)
{
    size_t hit = 0;
    for (size_t r = 0; r < num_regions; r++) {
        for (const uint8_t *c = regions[r].start; c < regions[r].stop; c++)
            hit += *c != 0;
    }
    return hit;
}

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    size_t size = fread(input, 1, sizeof input, f);
    fclose(f);
    /* A buffer of exactly the input's size, as libFuzzer gives. */
    uint8_t *copy = malloc(size ? size : 1);
    if (copy == NULL) {
        perror("malloc");
        return -1;
    }
    memcpy(copy, input, size);
    clear_counters();
    cmps = 0;
    LLVMFuzzerTestOneInput(copy, size);
    free(copy);
    edges += hit_counters();
    cmps_total += cmps;
    runs++;
    return 0;
}

static int run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return run_file(path);
    DIR *dir = opendir(path);
    if (dir == NULL) {
        perror(path);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char file[4096];
        if (snprintf(file, sizeof file, "%s/%s", path, e->d_name) >= (int)sizeof file) {
            fprintf(stderr, "ph-fuzz-cost: path too long in %s\n", path);
            rc = -1;
            break;
        }
        if (stat(file, &st) == 0 && S_ISREG(st.st_mode))
            rc = run_file(file);
    }
    closedir(dir);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PATH...\n", argv[0]);
        return 64;
    }
    if (LLVMFuzzerInitialize != NULL)
        LLVMFuzzerInitialize(&argc, &argv);
    if (num_regions == 0) {
        fprintf(stderr, "ph-fuzz-cost: the target has no coverage counters: build it with "
                        "-fsanitize=fuzzer-no-link\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        if (run_path(argv[i]) != 0)
            return 1;
    }
    if (runs == 0) {
        fprintf(stderr, "ph-fuzz-cost: no input files\n");
        return 1;
    }
    printf("inputs=%llu edges_per_run=%.1f cmps_per_run=%.1f\n", runs, (double)edges / (double)runs,
           (double)cmps_total / (double)runs);
    return 0;
}

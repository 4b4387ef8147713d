#!/usr/bin/env bash
# The main job: set up, build every fuzz target with libFuzzer + ASan/UBSan, and fuzz
# each for a time budget over a working copy of its corpus, with its dictionary.
#
#   ci/fuzz.sh [--time SECONDS] [--no-split-oracle] [TARGET...]
#
# Everything it writes lives under build/fuzz/: corpus/ in the git tree is only read.
# Re-running continues from the working corpora there. Exits 1 when any target crashed;
# each crash is kept as build/fuzz/<target>/crashes/crash-* with a replay command.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 64
}

seconds=30
split_oracle=ON
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
    --time) seconds=${2:?--time needs seconds}; shift 2 ;;
    --time=*) seconds=${1#--time=}; shift ;;
    --no-split-oracle) split_oracle=OFF; shift ;;
    -h|--help) usage ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; usage ;;
    *) targets+=("$1"); shift ;;
    esac
done
case "$seconds" in
'' | *[!0-9]*) echo "fuzz.sh: --time takes whole seconds" >&2; exit 64 ;;
esac

# Every target, as harness/fuzz_<name>.c names it.
all_targets=()
for f in harness/fuzz_*.c; do
    t=${f#harness/fuzz_}
    all_targets+=("${t%.c}")
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
    [ -f "harness/fuzz_$t.c" ] || { echo "fuzz.sh: no target $t (have: ${all_targets[*]})" >&2; exit 64; }
done

ci/setup.sh

build=build/fuzz/libfuzzer
echo "== building fuzz targets (libFuzzer, ASan+UBSan, split oracle $split_oracle)"
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DPH_FUZZ_ENGINE=libfuzzer \
    -DPH_SANITIZE='address;undefined' -DPH_SPLIT_ORACLE="$split_oracle" \
    -DPH_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null

# The dictionary and max_len a target's .options file names.
option_value() {
    local file=harness/$1.options key=$2
    [ -f "$file" ] || return 0
    sed -n "s/^[[:space:]]*$key[[:space:]]*=[[:space:]]*//p" "$file" | head -n 1
}

summary=build/fuzz/summary.tsv
printf 'target\texecs\texec_per_s\tcov\tfeatures\tcorpus\tcrashes\n' >"$summary"
crashed=0
for t in "${targets[@]}"; do
    work=build/fuzz/$t
    mkdir -p "$work/corpus" "$work/crashes"
    # First run: start from the committed corpus. Later runs: continue from the working
    # copy, which libFuzzer grows, and still read the committed one.
    dict=$(option_value "$t" dict)
    max_len=$(option_value "$t" max_len)
    args=(-max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$work/crashes/")
    [ -n "$dict" ] && args+=(-dict="dict/$dict")
    [ -n "$max_len" ] && args+=(-max_len="$max_len")
    echo "== fuzzing $t for ${seconds}s"
    log=$work/fuzz.log
    set +e
    "$build/bin/fuzz_$t" "${args[@]}" "$work/corpus" "corpus/$t" >"$log" 2>&1
    rc=$?
    set -e
    # libFuzzer prints progress lines "#N ... cov: C ft: F corp: K/..." and final stats.
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    corp=$(find "$work/corpus" -type f | wc -l)
    crashes=$(find "$work/crashes" -type f | wc -l)
    if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then
        crashed=1
        echo "   CRASH in $t (exit $rc); log: $log"
        for c in "$work"/crashes/*; do
            [ -f "$c" ] && echo "   reproduce: $build/bin/fuzz_$t $c"
        done
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "${execs:-0}" "${rate:-0}" "${cov:-0}" \
        "${ft:-0}" "$corp" "$crashes" >>"$summary"
done

echo
column -t -s "$(printf '\t')" "$summary"
echo
echo "summary: $summary; working corpora and crashes: build/fuzz/<target>/"
exit "$crashed"

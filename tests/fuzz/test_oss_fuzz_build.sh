#!/usr/bin/env bash
# test_oss_fuzz_build.sh [SANITIZER [ENGINE]]: runs ci/oss-fuzz/build.sh as OSS-Fuzz would,
# without Docker, and checks its $OUT as OSS-Fuzz's runner would use it.
#   SANITIZER  address (default), undefined, memory, or coverage (libFuzzer only)
#   ENGINE     libfuzzer (default) or afl (AFL++ with libAFLDriver; OSS-Fuzz builds AFL with
#              address only, undefined/afl is an extra)
#
# Build: the environment base-builder's `compile` gives build.sh (temporary $SRC $WORK $OUT,
# $SRC/build.sh the copy the Dockerfile makes, run as `bash -eux $SRC/build.sh` from
# $SRC/protoharness; CC, CXX, CFLAGS = base flags + sanitizer flags + engine coverage flags,
# CXXFLAGS the same less -stdlib=libc++, which is not installed here; LIB_FUZZING_ENGINE).
# AFL++ builds turn on the two options OSS-Fuzz's compile_afl picks most often, CmpLog and
# a dictionary written to $OUT/afl++.dict.
#
# Checks, per fuzz target (harness/fuzz_<name>.c), with base-runner's *SAN_OPTIONS and
# FUZZER_ARGS, from $OUT, with the target's .options appended as run_fuzzer does:
#   - fuzz_<name>, its .options, the .dict the options name, and the seed corpus zip are there;
#   - sanitizer builds: instrumented for that sanitizer and no other (calls into each
#     sanitizer's runtime counted as bad_build_check does);
#   - libFuzzer: starts with an empty corpus (-runs=4, >= 100 edges), runs its seed corpus
#     clean (-runs=0), then fuzzes briefly from it with its options and dictionary;
#   - coverage: runs its seeds the way OSS-Fuzz's coverage job does (-merge=1,
#     LLVM_PROFILE_FILE), writes a .profraw, and llvm-profdata/llvm-cov find lines covered;
#   - AFL++: every seed through the binary (libAFLDriver runs the files it is given), then
#     afl-fuzz starts on it (run_fuzzer's settings, CmpLog, both dictionaries) for a moment.
# OSSFUZZ_TEST_KEEP=1 keeps the temporary folders and prints where they are.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=ci/lib.sh
. "$root/ci/lib.sh"
ph_run_tag
sanitizer=${1:-address}
engine=${2:-libfuzzer}
case $sanitizer/$engine in
address/libfuzzer | undefined/libfuzzer | memory/libfuzzer | coverage/libfuzzer) ;;
address/afl | undefined/afl) ;;
*)
    echo "usage: $0 [address|undefined|memory|coverage [libfuzzer|afl]] (coverage and memory: libfuzzer)" >&2
    exit 64
    ;;
esac

tmp=$(mktemp -d)
if [ "${OSSFUZZ_TEST_KEEP:-0}" = 1 ]; then
    echo "keeping $tmp"
else
    trap 'rm -rf "$tmp"' EXIT
fi
export SRC=$tmp/src WORK=$tmp/work OUT=$tmp/out
mkdir -p "$SRC" "$WORK" "$OUT" "$tmp/lib"
ln -s "$root" "$SRC/protoharness"
cp "$root/ci/oss-fuzz/build.sh" "$SRC/build.sh"

# ---- the build environment (base-builder's Dockerfile, compile, compile_afl) ----------
base="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
ubsan_checks=array-bounds,bool,builtin,enum,float-divide-by-zero,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unreachable,vla-bound,vptr
case $sanitizer in
address) sanitizer_flags="-fsanitize=address -fsanitize-address-use-after-scope" ;;
# unsigned-integer-overflow is a coverage signal only: recoverable, and silenced at run time.
undefined) sanitizer_flags="-fsanitize=$ubsan_checks,unsigned-integer-overflow -fno-sanitize-recover=$ubsan_checks" ;;
memory) sanitizer_flags="-fsanitize=memory -fsanitize-memory-track-origins" ;;
coverage) sanitizer_flags="" ;;
esac
case $sanitizer/$engine in
coverage/*) coverage_flags="-fprofile-instr-generate -fcoverage-mapping -pthread -Wl,--no-as-needed -Wl,-ldl -Wl,-lm -Wno-unused-command-line-argument" ;;
*/libfuzzer) coverage_flags="-fsanitize=fuzzer-no-link" ;;
*/afl) coverage_flags="" ;; # afl-clang-fast instruments
esac
if [ "$engine" = libfuzzer ]; then
    export CC=clang CXX=clang++ LIB_FUZZING_ENGINE=-fsanitize=fuzzer
else
    # OSS-Fuzz copies libAFLDriver.a to a fixed path and names that; Debian ships it here.
    cp /usr/lib/afl/libAFLDriver.a "$tmp/lib/libFuzzingEngine.a"
    export CC=afl-clang-fast CXX=afl-clang-fast++ LIB_FUZZING_ENGINE=$tmp/lib/libFuzzingEngine.a
    export AFL_QUIET=1 AFL_LLVM_CMPLOG=1 AFL_LLVM_DICT2FILE=$OUT/afl++.dict
    touch "$OUT/afl_cmplog.txt" # what tells run_fuzzer to pass -c
fi
export CFLAGS="$base $sanitizer_flags $coverage_flags"
export CXXFLAGS=$CFLAGS
export SANITIZER=$sanitizer FUZZING_ENGINE=$engine ARCHITECTURE=x86_64 FUZZING_LANGUAGE=c
export UBSAN_OPTIONS=silence_unsigned_overflow=1
[ "$engine" = afl ] && export ASAN_OPTIONS=detect_leaks=0:symbolize=0:detect_odr_violation=0:abort_on_error=1

passed=0
failed=0
check() { # check LABEL COMMAND...: a result line, then the command's "note:" lines, or
    local label=$1 # on failure the end of its output
    shift
    if "$@" >"$tmp/check.log" 2>&1; then
        passed=$((passed + 1))
        echo "ok   $label"
        sed -n 's/^note: /     /p' "$tmp/check.log"
    else
        failed=$((failed + 1))
        echo "FAIL $label"
        tail -n 25 "$tmp/check.log" | sed 's/^/     | /'
    fi
}

run_build() (
    cd "$SRC/protoharness" && bash -eux "$SRC/build.sh"
)
check "build.sh ($sanitizer, $engine)" run_build
# The instrumentation check's reference: the empty target, compiled and linked the same way.
# shellcheck disable=SC2086 # flags are lists of words, as in OSS-Fuzz's build.sh files
reference_build() (
    mkdir -p "$tmp/ref" && cd "$tmp/ref" &&
        $CC $CFLAGS -c "$root/tests/fuzz/fuzz_empty.c" -o fuzz_empty.o &&
        $CXX $CXXFLAGS fuzz_empty.o $LIB_FUZZING_ENGINE -o fuzz_empty
)
[ "$sanitizer" = coverage ] || check "reference build: tests/fuzz/fuzz_empty.c" reference_build
if [ "$failed" -ne 0 ]; then
    echo "oss-fuzz build tests ($sanitizer, $engine): the build failed"
    exit 1
fi
unset AFL_QUIET AFL_LLVM_CMPLOG AFL_LLVM_DICT2FILE CC CXX CFLAGS CXXFLAGS

# ---- the run environment (base-runner's Dockerfile, run_fuzzer) ------------------------
# test_all runs the targets from another folder than the build's $OUT, to catch paths
# baked in at build time; so does this.
mkdir -p "$tmp/not-out/out"
[ -n "$(ls -A "$OUT")" ] && mv "$OUT"/* "$tmp/not-out/out/"
rm -rf "$OUT"
OUT=$tmp/not-out/out
export ASAN_OPTIONS=alloc_dealloc_mismatch=0:allocator_may_return_null=1:detect_leaks=1:detect_stack_use_after_return=1:detect_container_overflow=1:detect_odr_violation=0:strict_memcmp=1:handle_abort=1:handle_segv=1:handle_sigill=1:symbolize=1:dedup_token_length=3
export MSAN_OPTIONS=print_stats=1:symbolize=1:dedup_token_length=3
export UBSAN_OPTIONS=print_stacktrace=1:print_summary=1:silence_unsigned_overflow=1:symbolize=1:dedup_token_length=3
fuzzer_args=(-rss_limit_mb=2560 -timeout=25)
export LLVM_PROFILE_FILE=$tmp/default-%p.profraw # a coverage build run by mistake writes here
if [ "$engine" = afl ]; then
    ASAN_OPTIONS=$ASAN_OPTIONS:abort_on_error=1:symbolize=0
    MSAN_OPTIONS=$MSAN_OPTIONS:exit_code=86:symbolize=0
    UBSAN_OPTIONS=$UBSAN_OPTIONS:symbolize=0
    export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_FAST_CAL=1
    export AFL_CMPLOG_ONLY_NEW=1 AFL_FORKSRV_INIT_TMOUT=30000 AFL_IGNORE_UNKNOWN_ENVS=1
    export AFL_NO_AFFINITY=1 # run_fuzzer tries to pin a core; not on a machine shared with benchmarks
fi

# options_args EXE: the [libfuzzer] section of $OUT/EXE.options as -key=value arguments,
# one a line (mapfile them).
options_args() {
    [ -f "$OUT/$1.options" ] || return 0
    awk -F '[[:space:]]*=[[:space:]]*' '
        /^[[:space:]]*\[/ { section = $0; gsub(/[][[:space:]]/, "", section); next }
        section == "libfuzzer" && NF == 2 { gsub(/^[[:space:]]+|[[:space:]]+$/, ""); print "-" $1 "=" $2 }
    ' "$OUT/$1.options"
}

# has_dict EXE: the dictionary EXE.options names is in $OUT.
has_dict() {
    local dict
    dict=$(sed -n 's/^[[:space:]]*dict[[:space:]]*=[[:space:]]*//p' "$OUT/$1.options" | tail -n 1)
    echo "options name: $dict"
    [ -n "$dict" ] && [ -s "$OUT/$dict" ]
}

# sanitizer_calls FILE: "ASAN MSAN UBSAN", the calls into each sanitizer's runtime in FILE,
# counted as bad_build_check counts them.
sanitizer_calls() {
    objdump -d --no-show-raw-insn "$1" | grep -oE 'call[q]?[[:space:]]+[0-9a-f]+ <__(asan|msan|ubsan)' |
        awk '{ n[substr($3, 4)]++ } END { print n["asan"] + 0, n["msan"] + 0, n["ubsan"] + 0 }'
}

# instrumented EXE: our code calls the build's sanitizer and no other. bad_build_check's
# absolute thresholds count the runtime's own calls too, which differ between clang
# versions (here an empty target has about 830 ASan, 1460 MSan, 3 UBSan calls), so the
# calls are counted beyond those of tests/fuzz/fuzz_empty.c built the same way; the
# absolute ASan and MSan counts are printed against OSS-Fuzz's thresholds as a note.
instrumented() {
    local a m u ra rm ru own total
    read -r a m u <<<"$(sanitizer_calls "$OUT/$1")"
    read -r ra rm ru <<<"$(sanitizer_calls "$tmp/ref/fuzz_empty")"
    echo "calls: asan $a, msan $m, ubsan $u; fuzz_empty: asan $ra, msan $rm, ubsan $ru"
    case $sanitizer in
    address) own=$((a - ra)) total=$a ;;
    memory) own=$((m - rm)) total=$m ;;
    undefined) own=$((u - ru)) total= ;;
    esac
    [ -z "$total" ] || [ "$total" -ge 1000 ] ||
        echo "note: $1 has $total $sanitizer calls in all: under the 1000 bad_build_check wants (docs/fuzzing.md)"
    [ "$own" -gt 0 ] || { echo "no $sanitizer calls from the target's own code"; return 1; }
    [ "$sanitizer" = address ] || [ "$a" -eq "$ra" ] || { echo "ASan calls in a $sanitizer build"; return 1; }
    [ "$sanitizer" = memory ] || [ "$m" -eq "$rm" ] || { echo "MSan calls in a $sanitizer build"; return 1; }
    [ "$sanitizer" = undefined ] || [ "$u" -eq "$ru" ] || { echo "UBSan calls in a $sanitizer build"; return 1; }
}

# starts EXE: libFuzzer from an empty corpus, 4 runs (bad_build_check's startup checks).
starts() {
    local exe=$1 corpus=$tmp/empty/$1 edges opts
    mkdir -p "$corpus"
    mapfile -t opts < <(options_args "$exe")
    (cd "$OUT" && "./$exe" "${fuzzer_args[@]}" -seed=1337 -runs=4 "$corpus" "${opts[@]}" </dev/null) \
        >"$tmp/start.log" 2>&1
    local rc=$?
    cat "$tmp/start.log"
    [ "$rc" -eq 0 ] && grep -q 'Done 4 runs' "$tmp/start.log" || return 1
    edges=$(grep -oE 'INFO: Loaded [0-9]+ modules? +\([0-9]+' "$tmp/start.log" | grep -oE '[0-9]+$')
    echo "edges: ${edges:-none}"
    [ "${edges:-0}" -ge 100 ]
}

# runs_seeds EXE DIR: libFuzzer over the seed corpus once, then a short fuzz from it.
runs_seeds() (
    exe=$1 seeds=$2 work=$tmp/work-corpus/$1
    mapfile -t opts < <(options_args "$exe")
    mkdir -p "$work" && cd "$OUT" || exit 1
    "./$exe" "${fuzzer_args[@]}" -runs=0 "$seeds" "${opts[@]}" </dev/null &&
        "./$exe" "${fuzzer_args[@]}" -seed=1 -runs=300 "$work" "$seeds" "${opts[@]}" </dev/null
)

# covers_seeds EXE DIR: OSS-Fuzz's coverage job on one target: a profile, lines covered.
covers_seeds() {
    local exe=$1 seeds=$2 dumps=$tmp/dumps dummy=$tmp/dummy/$1
    mkdir -p "$dumps" "$dummy"
    (cd "$OUT" && LLVM_PROFILE_FILE="$dumps/$exe.%1m.profraw" \
        "./$exe" -merge=1 -timeout=100 "$dummy" "$seeds" </dev/null) || return 1
    ls -l "$dumps/$exe".*.profraw || return 1
    llvm-profdata merge -sparse "$dumps/$exe".*.profraw -o "$dumps/$exe.profdata" || return 1
    llvm-cov export -summary-only -instr-profile="$dumps/$exe.profdata" -object="$OUT/$exe" \
        >"$dumps/$exe.json" || return 1
    python3 -c 'import json, sys
lines = json.load(open(sys.argv[1]))["data"][0]["totals"]["lines"]
print("note: the seeds cover", lines["covered"], "of", lines["count"], "lines")
sys.exit(0 if lines["covered"] > 0 else 1)' "$dumps/$exe.json"
}

# afl_runs_seeds EXE DIR: each seed through the libAFLDriver binary, which runs the files it
# is named (a file it cannot open is skipped silently, so each must say it ran).
afl_runs_seeds() {
    local exe=$1 f
    for f in "$2"/*; do
        [ -s "$f" ] || continue
        "$OUT/$exe" "$f" </dev/null >"$tmp/afl-run.log" 2>&1 || { cat "$tmp/afl-run.log"; return 1; }
        grep -q 'Execution successful' "$tmp/afl-run.log" || { cat "$tmp/afl-run.log"; return 1; }
    done
}

# afl_starts EXE DIR: afl-fuzz as run_fuzzer starts it, with CmpLog and both dictionaries,
# for a second past its dry run ("All set and ready to roll" is bad_build_check's test).
afl_starts() {
    local exe=$1 out=$tmp/afl-out/$1 dict=() cmplog=() d
    [ -e "$OUT/afl_cmplog.txt" ] && cmplog=(-c "$OUT/$exe")
    d=$(sed -n 's/^[[:space:]]*dict[[:space:]]*=[[:space:]]*//p' "$OUT/$exe.options" 2>/dev/null | tail -n 1)
    mkdir -p "$tmp/afl-out"
    [ -n "$d" ] && dict+=(-x "$d")
    [ -s "$OUT/afl++.dict" ] && dict+=(-x "$OUT/afl++.dict")
    (cd "$OUT" && timeout -s INT 60 env "$ph_tag" afl-fuzz -m none -t 5000+ "${cmplog[@]}" \
        -V 1 -i "$2" -o "$out" "${dict[@]}" -- "$OUT/$exe") >"$tmp/afl-fuzz.log" 2>&1
    local rc=$?
    ph_reap_tagged # a CmpLog target AFL++ 4.04c may leave stopped (ci/lib.sh)
    tail -n 15 "$tmp/afl-fuzz.log"
    [ "$rc" -eq 0 ] && grep -q 'All set and ready to roll' "$tmp/afl-fuzz.log"
}

for src in "$root"/harness/fuzz_*.c; do
    exe=$(basename "$src" .c)
    name=${exe#fuzz_}
    check "$exe is in \$OUT" test -x "$OUT/$exe"
    [ -x "$OUT/$exe" ] || continue
    if [ -f "$root/harness/$name.options" ]; then
        check "$exe.options is in \$OUT" test -f "$OUT/$exe.options"
        if grep -q '^[[:space:]]*dict' "$root/harness/$name.options"; then
            check "$exe.dict is in \$OUT, named by its options" has_dict "$exe"
        fi
    fi
    seeds=$tmp/seeds/$name
    mkdir -p "$seeds"
    if [ -d "$root/corpus/$name" ]; then
        check "${exe}_seed_corpus.zip is in \$OUT" unzip -q "$OUT/${exe}_seed_corpus.zip" -d "$seeds"
    fi
    [ -n "$(ls -A "$seeds")" ] || printf 'x' >"$seeds/one-byte"
    [ "$sanitizer" = coverage ] || check "$exe is built with $sanitizer only" instrumented "$exe"
    case $sanitizer/$engine in
    coverage/*)
        check "$exe runs its seeds and writes a profile" covers_seeds "$exe" "$seeds"
        ;;
    */libfuzzer)
        check "$exe starts (-runs=4, empty corpus)" starts "$exe"
        check "$exe runs its seed corpus clean, then fuzzes 300 runs" runs_seeds "$exe" "$seeds"
        ;;
    */afl)
        check "$exe runs each seed clean" afl_runs_seeds "$exe" "$seeds"
        check "$exe starts under afl-fuzz" afl_starts "$exe" "$seeds"
        ;;
    esac
done

echo "oss-fuzz build tests ($sanitizer, $engine): $passed passed, $failed failed"
[ "$failed" -eq 0 ]

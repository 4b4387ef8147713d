#!/usr/bin/env bash
# The main job: a fuzzing campaign over every fuzz target (harness/fuzz_<name>.c), or the
# targets named, then triage, coverage and a report. docs/fuzzing.md tells the whole flow.
#
#   ci/fuzz.sh [--time S] [--triage-time S] [--engine libfuzzer|afl|both] [--jobs N]
#              [--resume] [--msan] [--no-split-oracle | --deep-fuzz] [--no-report] [TARGET...]
#   ci/fuzz.sh --merge [--engine E] [TARGET...]      the one step that writes corpus/
#   ci/fuzz.sh --import SOURCE [--import SOURCE]... TARGET
#                   --merge for one target, from outside: a pcap/pcapng file (each frame
#                   a case: ph-parse chao --write-frames) or a folder of cases, such as
#                   the <corpus>/<target>/ that ph-store filled from a --record shell
#
#   --time S        seconds per target (default 30); with --engine both, both run at once
#   --triage-time S deadline, in seconds, for each target's work after its engines stop:
#                   the deep check's last inputs, replay, minimization (default 30); also
#                   for the coverage replay. The run takes at most, after the builds,
#                   targets x (--time + 15 + --triage-time) + --triage-time + llvm-cov
#   --engine E      libfuzzer (default; ASan+UBSan), afl (AFL++ persistent shared-memory
#                   mode, ASan+UBSan, a CmpLog build on the main instance), or both
#   --jobs N        workers per engine: libFuzzer -fork=N, AFL++ -M main + -S s1..s(N-1)
#   --resume        continue the last campaign (AFL_AUTORESUME, libFuzzer's working corpus)
#                   instead of starting afresh from corpus/<target>/
#   --msan          libFuzzer with MemorySanitizer instead of ASan+UBSan
#   (default)       the engines fuzz the fast build (no split oracle); every input that
#                   enters a corpus is checked by the deep (split-oracle) standalone build
#                   while they run, and its failures are triaged like crashes
#   --no-split-oracle  no deep build and no deep check (faster, shallower)
#   --deep-fuzz     the engines fuzz the deep build itself (every execution checked, at a
#                   fraction of the speed); no separate check
#   --no-report     skip the coverage build and report (faster)
#   --merge         minimize what campaigns collected into corpus/<target>/ (libFuzzer
#                   -merge=1, or afl-cmin.bash with --engine afl); no fuzzing
#
# Everything else it writes lives under build/fuzz/. Crashes, hangs, leaks and OOMs, and
# the deep check's failures, are replayed through the standalone ASan+UBSan build (the deep
# one unless --no-split-oracle), de-duplicated by sanitizer stack signature, minimized in
# it until the triage deadline and written to build/fuzz/regressions/<target>/crash-* with
# a one-line reproduction command. When ph-store is built, a private one collects corpus
# entries and crashes. Exit status: 0 clean, 1 a crash was found, 64 usage, 2 setup error.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=ci/lib.sh
. ci/lib.sh

usage() {
    # the comment at the top of this file, without its #
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
    exit 64
}

# ---- options ---------------------------------------------------------------------------

seconds=30
engine=libfuzzer
jobs=1
resume=0
merge=0
imports=()
import_dirs=()
msan=0
report=1
oracle=check # check: fast engines, deep check of the corpora; deep: deep engines; off
triage_seconds=30
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
    --time) seconds=${2:-}; shift 2 || usage ;;
    --time=*) seconds=${1#--time=}; shift ;;
    --triage-time) triage_seconds=${2:-}; shift 2 || usage ;;
    --triage-time=*) triage_seconds=${1#--triage-time=}; shift ;;
    --engine) engine=${2:-}; shift 2 || usage ;;
    --engine=*) engine=${1#--engine=}; shift ;;
    --jobs) jobs=${2:-}; shift 2 || usage ;;
    --jobs=*) jobs=${1#--jobs=}; shift ;;
    --resume) resume=1; shift ;;
    --merge) merge=1; shift ;;
    --import) imports+=("${2:?--import needs a pcap file or a folder}"); merge=1; shift 2 ;;
    --msan) msan=1; shift ;;
    --no-report) report=0; shift ;;
    --no-split-oracle) oracle=off; shift ;;
    --deep-fuzz) oracle=deep; shift ;;
    -h | --help) usage ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; usage ;;
    *) targets+=("$1"); shift ;;
    esac
done
case "$seconds" in '' | *[!0-9]* | 0) echo "fuzz.sh: --time takes whole seconds > 0" >&2; exit 64 ;; esac
case "$triage_seconds" in '' | *[!0-9]* | 0) echo "fuzz.sh: --triage-time takes whole seconds > 0" >&2; exit 64 ;; esac
case "$jobs" in '' | *[!0-9]* | 0) echo "fuzz.sh: --jobs takes a number > 0" >&2; exit 64 ;; esac
case "$engine" in libfuzzer | afl | both) ;; *) echo "fuzz.sh: --engine libfuzzer|afl|both" >&2; exit 64 ;; esac
use_lf=0 use_afl=0
# PH_SPLIT_ORACLE of the engines' builds and of the standalone build (replay, triage, check)
engine_oracle=OFF check_oracle=ON
[ "$oracle" = deep ] && engine_oracle=ON
[ "$oracle" = off ] && check_oracle=OFF
[ "$engine" = afl ] || use_lf=1
[ "$engine" = libfuzzer ] || use_afl=1

# Every target, as harness/fuzz_<name>.c names it: new targets join without edits here.
all_targets=()
for f in harness/fuzz_*.c; do
    t=${f#harness/fuzz_}
    all_targets+=("${t%.c}")
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
    [ -f "harness/fuzz_$t.c" ] || { echo "fuzz.sh: no target $t (have: ${all_targets[*]})" >&2; exit 64; }
done

FUZZ=build/fuzz
LF_BUILD=$FUZZ/libfuzzer
[ "$msan" = 0 ] || LF_BUILD=$FUZZ/libfuzzer-msan
AFL_BUILD=$FUZZ/afl
CMPLOG_BUILD=$FUZZ/afl-cmplog
ST_BUILD=$FUZZ/standalone # ASan+UBSan replay: triage, reproduction, ph-store/ph-send
COV_BUILD=$FUZZ/coverage
STORE_DIR=$FUZZ/store     # <target>/<sha1>: the store's folder, or a plain hub without it
REGRESSIONS=$FUZZ/regressions
REPORT=$FUZZ/report
mkdir -p "$FUZZ"

# ---- output ----------------------------------------------------------------------------

# On a terminal, progress rewrites one line per target; elsewhere (CI, a pipe) it prints
# a plain line every PROGRESS_EVERY seconds.
interactive=0
[ -t 1 ] && interactive=1
PROGRESS_EVERY=10

say() { printf '%s\n' "$*"; }
die() { printf 'fuzz.sh: %s\n' "$*" >&2; exit 2; }

# ---- building --------------------------------------------------------------------------

# configure_build DIR CC SPLIT_ORACLE [cmake args...]: configure DIR and build only what
# a campaign runs (the fuzz targets; ph-store and ph-send where CMake defines them), so a
# tool that does not build at the moment stops nothing. On failure the log is printed.
configure_build() {
    local dir=$1 cc=$2 split=$3
    shift 3
    mkdir -p "$dir"
    if ! CC=$cc cmake -S . -B "$dir" -DCMAKE_C_COMPILER="$cc" -DPH_BUILD_TESTS=OFF \
        -DPH_SPLIT_ORACLE="$split" "$@" >"$dir/build.log" 2>&1; then
        tail -n 40 "$dir/build.log" >&2
        die "configure of $dir failed (log: $dir/build.log)"
    fi
    local want=() t plain=()
    for t in "${targets[@]}"; do
        want+=("fuzz_$t")
    done
    if grep -q 'PH_FUZZ_ENGINE:STRING=afl' "$dir/CMakeCache.txt"; then
        for t in "${targets[@]}"; do plain+=("fuzz_${t}_plain"); done
    fi
    local avail
    avail=$(cmake --build "$dir" --target help 2>/dev/null)
    for t in ph-store ph-send ph-parse; do
        grep -q "^\.\.\. $t\$" <<<"$avail" && want+=("$t")
    done
    if ! cmake --build "$dir" -j "$(nproc)" --target "${want[@]}" "${plain[@]}" \
        >>"$dir/build.log" 2>&1; then
        tail -n 40 "$dir/build.log" >&2
        die "build of $dir failed (log: $dir/build.log)"
    fi
}

build_all() {
    say "== building in $FUZZ/ (split oracle: engines $engine_oracle," \
        "replay and check $check_oracle)"
    local e=$engine_oracle
    configure_build "$ST_BUILD" clang "$check_oracle" -DPH_FUZZ_ENGINE=standalone \
        -DPH_SANITIZE='address;undefined'
    if [ "$use_lf" = 1 ]; then
        if [ "$msan" = 1 ]; then
            configure_build "$LF_BUILD" clang "$e" -DPH_FUZZ_ENGINE=libfuzzer \
                -DPH_SANITIZE=memory -DCMAKE_C_FLAGS=-fsanitize-memory-track-origins
        else
            configure_build "$LF_BUILD" clang "$e" -DPH_FUZZ_ENGINE=libfuzzer \
                -DPH_SANITIZE='address;undefined'
        fi
    fi
    if [ "$use_afl" = 1 ]; then
        configure_build "$AFL_BUILD" afl-clang-fast "$e" -DPH_FUZZ_ENGINE=afl \
            -DPH_SANITIZE='address;undefined'
        # CmpLog: the same code with comparison logging, run by the main instance (-c).
        AFL_LLVM_CMPLOG=1 configure_build "$CMPLOG_BUILD" afl-clang-fast "$e" -DPH_FUZZ_ENGINE=afl
    fi
    if [ "$report" = 1 ] && [ "$merge" = 0 ]; then
        configure_build "$COV_BUILD" clang "$e" -DPH_FUZZ_ENGINE=standalone \
            -DCMAKE_C_FLAGS='-fprofile-instr-generate -fcoverage-mapping'
    fi
}

# The value of KEY in harness/<target>.options ("key = value"), or nothing.
option_value() {
    local file=harness/$1.options key=$2
    [ -f "$file" ] || return 0
    sed -n "s/^[[:space:]]*${key}[[:space:]]*=[[:space:]]*//p" "$file" | head -n 1
}

# ---- the store -------------------------------------------------------------------------

# With ph-store built, a private one (socket in a private folder) collects every new
# corpus entry and crash in $STORE_DIR/<target>/<sha1>; without it, new corpus entries
# are copied there directly. Either way $STORE_DIR/<target> is the hub the engines read
# arrivals from: AFL++ with -F, libFuzzer through its working corpus and -reload.
store_bin="" send_bin="" store_pid="" store_sock="" store_tmp=""

find_store() {
    local dir
    for dir in "$ST_BUILD/bin" build/bin; do
        if [ -x "$dir/ph-store" ] && [ -x "$dir/ph-send" ]; then
            store_bin=$dir/ph-store
            send_bin=$dir/ph-send
            return
        fi
    done
}

start_store() {
    find_store
    mkdir -p "$STORE_DIR"
    if [ -z "$store_bin" ]; then
        say "== store: ph-store is not built; new corpus entries go straight to $STORE_DIR/"
        return
    fi
    store_tmp=$(mktemp -d /tmp/ph-fuzz.XXXXXX)
    chmod 700 "$store_tmp"
    store_sock=$store_tmp/store.sock
    "$store_bin" --corpus "$STORE_DIR" --socket "$store_sock" >"$FUZZ/store.log" 2>&1 &
    store_pid=$!
    local i
    for ((i = 0; i < 50; i++)); do
        [ -S "$store_sock" ] && break
        kill -0 "$store_pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ ! -S "$store_sock" ]; then
        tail -n 20 "$FUZZ/store.log" >&2
        die "ph-store did not start (log: $FUZZ/store.log)"
    fi
    say "== store: $store_bin on $store_sock, collecting into $STORE_DIR/"
}

stop_store() {
    [ -n "$store_pid" ] || return 0
    kill "$store_pid" 2>/dev/null || true
    wait "$store_pid" 2>/dev/null || true
    store_pid=""
    rm -rf "$store_tmp"
}

# deliver TARGET KIND FILE...: hand files to the store (KIND queue|crash|hang).
deliver() {
    local t=$1 kind=$2 f sum
    shift 2
    [ $# -gt 0 ] || return 0
    if [ -n "$store_pid" ]; then
        # Exit 1: a file was refused or vanished (libFuzzer replaces reduced inputs);
        # exit 2: the store is gone.
        local rc=0
        "$send_bin" --socket "$store_sock" --target "$t" --kind "$kind" "$@" \
            >>"$FUZZ/store-send.log" 2>&1 || rc=$?
        [ "$rc" -le 1 ] || say "   (ph-send: exit $rc; see $FUZZ/store-send.log)"
        return 0
    fi
    [ "$kind" = queue ] || return 0 # without a store, crashes stay with their engine
    mkdir -p "$STORE_DIR/$t"
    sha1sum -- "$@" 2>/dev/null | while read -r sum f; do
        [ -e "$STORE_DIR/$t/$sum" ] || cp -- "$f" "$STORE_DIR/$t/$sum"
    done
}

# ---- engines ---------------------------------------------------------------------------

pids=()
checker_pid="" # the deep check of the target being fuzzed
declare -A phase_fuzz=() phase_check=() phase_triage=()

# Every engine runs with $ph_tag in its environment (ci/lib.sh), and so does every process
# it starts: once the engines end, or the script does, what they left is killed by it.
# The deep check carries a mark of its own: it outlives its target's engines, whose
# leftovers are reaped as soon as they stop.
ph_run_tag
check_tag=$ph_tag.check

cleanup() {
    local p
    for p in "${pids[@]}" $checker_pid; do
        kill "$p" 2>/dev/null || true
    done
    ph_reap_tagged
    local ph_tag=$check_tag # ph_reap_tagged reads it
    ph_reap_tagged
    stop_store
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Seeds for AFL++, which needs at least one file: the committed corpus and the hub.
afl_seeds() {
    local t=$1 dir=$2 src
    mkdir -p "$dir"
    # Whole folders in a few cp calls, not one per file: the hub keeps every case of every
    # campaign (22 000 for http_differential after a few here), and one cp per file made
    # AFL++ start minutes late. -size -1025k: at most 1 MiB (AFL++'s limit).
    for src in corpus/"$t" "$STORE_DIR/$t"; do
        [ -d "$src" ] && find "$src" -maxdepth 1 -type f -size -1025k -exec cp -t "$dir" -- {} +
    done
    [ -n "$(ls -A "$dir")" ] || printf '\n' >"$dir/empty"
}

start_libfuzzer() {
    local t=$1
    local w=$FUZZ/$t/libfuzzer dict max_len
    # A resumed run keeps the failing inputs of earlier runs (triaged then) beside its own,
    # as AFL++ keeps its crashes folder: the progress line, the triage and the summary
    # count and replay only this run's.
    if [ -n "$(ls -A "$w/artifacts" 2>/dev/null)" ]; then
        mv -T "$w/artifacts" "$(mktemp -d "$w/artifacts.$(date +%Y-%m-%dT%H%M%S).XXXX")"
    fi
    mkdir -p "$w/corpus" "$w/artifacts"
    dict=$(option_value "$t" dict)
    max_len=$(option_value "$t" max_len)
    local args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10 -reload=1
        -artifact_prefix="$w/artifacts/")
    [ -n "$dict" ] && args+=(-dict="dict/$dict")
    [ -n "$max_len" ] && args+=(-max_len="$max_len")
    [ "$jobs" -gt 1 ] && args+=(-fork="$jobs")
    local dirs=("$w/corpus")
    [ -d "corpus/$t" ] && dirs+=("corpus/$t")
    [ -d "$STORE_DIR/$t" ] && dirs+=("$STORE_DIR/$t")
    env "$ph_tag" "$LF_BUILD/bin/fuzz_$t" "${args[@]}" "${dirs[@]}" >"$w/fuzz.log" 2>&1 &
    pids+=($!)
}

start_afl() {
    local t=$1
    local w=$FUZZ/$t/afl dict i
    mkdir -p "$w" "$STORE_DIR/$t"
    dict=$(option_value "$t" dict)
    local input=$FUZZ/$t/afl-seeds
    if [ "$resume" = 0 ] || [ ! -d "$w/out/main" ]; then
        afl_seeds "$t" "$input"
    fi
    local common=(-i "$input" -o "$w/out" -V "$seconds" -t 2000 -m none)
    [ -n "$dict" ] && common+=(-x "dict/$dict")
    # AFL++ picks its own ASAN_OPTIONS and UBSAN_OPTIONS (abort_on_error, symbolize=0).
    local env=(env -u ASAN_OPTIONS -u UBSAN_OPTIONS "$ph_tag" AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1
        AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CRASHES=1
        AFL_AUTORESUME=1)
    "${env[@]}" afl-fuzz "${common[@]}" -M main -F "$STORE_DIR/$t" \
        -c "$CMPLOG_BUILD/bin/fuzz_$t" -- "$AFL_BUILD/bin/fuzz_$t" >"$w/main.log" 2>&1 &
    pids+=($!)
    for ((i = 1; i < jobs; i++)); do
        "${env[@]}" afl-fuzz "${common[@]}" -S "s$i" -- "$AFL_BUILD/bin/fuzz_$t" \
            >"$w/s$i.log" 2>&1 &
        pids+=($!)
    done
}

# ---- progress --------------------------------------------------------------------------

# libFuzzer's last status line, "#N ... cov: C ft: F corp: K/... exec/s: E", or in fork
# mode "#N: cov: C ft: F corp: K exec/s: E ...": prints "execs exec/s cov ft corp".
lf_progress() {
    local log=$1 line
    line=$(grep -a '^#[0-9]' "$log" 2>/dev/null | tail -n 1) || true
    [ -n "$line" ] || { echo "0 0 0 0 0"; return; }
    awk '{
        execs = $1; gsub(/[^0-9]/, "", execs)
        for (i = 1; i <= NF; i++) {
            if ($i == "cov:") cov = $(i + 1)
            if ($i == "ft:") ft = $(i + 1)
            if ($i == "corp:") { corp = $(i + 1); sub(/\/.*/, "", corp) }
            if ($i == "exec/s:" || $i == "exec/s") rate = $(i + 1)
        }
        printf "%d %d %d %d %d\n", execs, rate, cov, ft, corp }' <<<"$line"
}

# AFL++'s plot_data (every 5 s; fuzzer_stats only every minute), summed over instances:
# prints "execs exec/s edges corpus crashes hangs".
afl_progress() {
    local out=$1
    local files=("$out"/*/plot_data)
    [ -f "${files[0]}" ] || { echo "0 0 0 0 0 0"; return; }
    local f
    for f in "${files[@]}"; do
        grep -v '^#' "$f" | tail -n 1
    done | awk -F', *' '{
        execs += $12; rate += $11; if ($13 > edges) edges = $13
        corpus += $4; crashes += $8; hangs += $9 }
        END { printf "%d %d %d %d %d %d\n", execs, rate, edges, corpus, crashes, hangs }'
}

count_files() {
    local n=0 d
    for d in "$@"; do
        [ -d "$d" ] && n=$((n + $(find "$d" -maxdepth 1 -type f ! -name '.*' | wc -l)))
    done
    echo "$n"
}

human() {
    awk -v n="$1" 'BEGIN {
        if (n >= 1e9) printf "%.1fG", n / 1e9; else if (n >= 1e6) printf "%.1fM", n / 1e6
        else if (n >= 1e4) printf "%.0fk", n / 1e3; else printf "%d", n }'
}

progress_line() {
    local t=$1 elapsed=$2 line="" s
    line=$(printf '[%3ds/%ds] %-22s' "$elapsed" "$seconds" "$t")
    if [ "$use_lf" = 1 ]; then
        read -r execs rate cov ft corp <<<"$(lf_progress "$FUZZ/$t/libfuzzer/fuzz.log")"
        s=$(count_files "$FUZZ/$t/libfuzzer/artifacts")
        line+=" libFuzzer $(human "$execs") execs $(human "$rate")/s cov $cov corpus $corp crashes $s"
    fi
    if [ "$use_afl" = 1 ]; then
        read -r execs rate edges corp crashes hangs <<<"$(afl_progress "$FUZZ/$t/afl/out")"
        line+=" | AFL++ $(human "$execs") execs $(human "$rate")/s edges $edges corpus $corp"
        line+=" crashes $crashes hangs $hangs"
    fi
    if [ -f "$FUZZ/$t/check/status" ]; then
        local checked queued failed lag
        read -r checked queued failed lag <"$FUZZ/$t/check/status" || true
        line+=" | deep check $checked (queue $queued, lag ${lag}s) failures $failed"
    fi
    printf '%s' "$line"
}

# ---- exchanging cases while engines run -------------------------------------------------

# New corpus entries of each engine go to the store (or hub); arrivals in the hub go into
# libFuzzer's working corpus, which -reload=1 re-reads (AFL++ reads the hub with -F).
# The names already handed over are kept in $FUZZ/<target>/sent.
sync_cases() {
    local t=$1
    local sent=$FUZZ/$t/sent new
    touch "$sent"
    new=$(
        {
            if [ "$use_lf" = 1 ]; then
                find "$FUZZ/$t/libfuzzer/corpus" -maxdepth 1 -type f
            fi
            if [ "$use_afl" = 1 ]; then
                find "$FUZZ/$t/afl/out" -path '*/queue/id:*' -type f
            fi
        } 2>/dev/null | sort | comm -23 - <(sort "$sent") || true
    )
    if [ -n "$new" ]; then
        mapfile -t files <<<"$new"
        deliver "$t" queue "${files[@]}"
        printf '%s\n' "${files[@]}" >>"$sent"
    fi
    if [ "$use_lf" = 1 ] && [ -d "$STORE_DIR/$t" ]; then
        # The hub's cases libFuzzer's working corpus lacks, in a few cp calls (a case that
        # vanished meanwhile is skipped quietly).
        local lfc=$FUZZ/$t/libfuzzer/corpus
        comm -23 <(find "$STORE_DIR/$t" -maxdepth 1 -type f -printf '%f\n' | sort) \
            <(find "$lfc" -maxdepth 1 -type f -printf '%f\n' | sort) |
            sed "s|^|$STORE_DIR/$t/|" | xargs -r -d '\n' cp -t "$lfc" -- 2>/dev/null || true
    fi
}

# ---- the deep check ----------------------------------------------------------------------

# The campaign's text and numeric processing: signatures, minimization, the deep check,
# coverage totals, the summary (ci/fuzzkit/, tested by tests/fuzzkit/).
fuzzkit() {
    PYTHONPATH=ci${PYTHONPATH:+:$PYTHONPATH} PYTHONDONTWRITEBYTECODE=1 python3 -m fuzzkit "$@"
}

# start_checker TARGET: in the default mode, ci/fuzzkit/checker.py follows the engines'
# corpora (libFuzzer's working corpus, every AFL++ instance's queue) and runs each input
# that enters them through the deep standalone build; its failures land in
# $FUZZ/<target>/check/failures/ for triage. What corpus/<target>/ and the hub held at the
# start is not checked again.
start_checker() {
    local t=$1
    [ "$oracle" = check ] || return 0
    mkdir -p "$FUZZ/$t/check"
    rm -f "$FUZZ/$t/check/stop" "$FUZZ/$t/check/status"
    # --since: what the hub gets from now on (the engines' entries, copied there within a
    # second) is this campaign's and gets checked, however late the checker reads the hub.
    env "$check_tag" PYTHONPATH=ci PYTHONDONTWRITEBYTECODE=1 python3 -m fuzzkit check \
        --driver "$ST_BUILD/bin/fuzz_$t" --work "$FUZZ/$t/check" \
        --watch "$FUZZ/$t/libfuzzer/corpus" --watch "$FUZZ/$t/afl/out/*/queue" \
        --known "corpus/$t" --known "$STORE_DIR/$t" --since "${EPOCHREALTIME/,/.}" \
        >"$FUZZ/$t/check.log" 2>&1 &
    checker_pid=$!
    # Started before the engines, and waited for (at most 10 s) until it has read what is
    # known (its first status line), so its lag figures start with the engines.
    local i
    for ((i = 0; i < 100; i++)); do
        [ -f "$FUZZ/$t/check/status" ] && break
        kill -0 "$checker_pid" 2>/dev/null || break
        sleep 0.1
    done
}

# stop_checker TARGET DEADLINE: the engines have stopped; the checker checks what is left
# until DEADLINE (epoch seconds), writes its stats and exits (killed 5 s later if not).
stop_checker() {
    local t=$1 deadline=$2
    [ -n "$checker_pid" ] || return 0
    echo "$deadline" >"$FUZZ/$t/check/stop"
    while kill -0 "$checker_pid" 2>/dev/null && [ "$EPOCHSECONDS" -le $((deadline + 5)) ]; do
        sleep 0.1
    done
    kill "$checker_pid" 2>/dev/null || true
    wait "$checker_pid" 2>/dev/null || true
    checker_pid=""
    local checked failures p50 max unchecked
    read -r checked failures p50 max unchecked <<<"$(fuzzkit check-stats "$FUZZ/$t/check")"
    say "   $t: deep check: $checked inputs checked, $failures failing, lag median ${p50}s" \
        "max ${max}s$([ "$unchecked" = 0 ] || echo ", $unchecked left unchecked at the deadline")"
}

# ---- fuzzing one target ----------------------------------------------------------------

fuzz_target() {
    local t=$1
    if [ "$resume" = 0 ]; then
        # A fresh campaign: this target's working state goes; the hub and regressions stay.
        rm -rf "${FUZZ:?}/$t"
    fi
    mkdir -p "$FUZZ/$t"
    pids=()
    start_checker "$t"
    fuzz_started=$EPOCHREALTIME
    [ "$use_lf" = 1 ] && start_libfuzzer "$t"
    [ "$use_afl" = 1 ] && start_afl "$t"

    local start=$SECONDS elapsed last_print=-$PROGRESS_EVERY p running
    # Engines stop themselves; this is the backstop. 15 s: libFuzzer and AFL++ let one
    # input run for 10 s before calling it a hang.
    local hard_stop=$((seconds + 15))
    while :; do
        running=0
        for p in "${pids[@]}"; do
            kill -0 "$p" 2>/dev/null && running=1
        done
        elapsed=$((SECONDS - start))
        sync_cases "$t"
        if [ "$interactive" = 1 ]; then
            printf '\r\033[K%s' "$(progress_line "$t" "$elapsed")"
        elif [ $((elapsed - last_print)) -ge "$PROGRESS_EVERY" ] || [ "$running" = 0 ]; then
            progress_line "$t" "$elapsed"
            echo
            last_print=$elapsed
        fi
        [ "$running" = 1 ] || break
        if [ "$elapsed" -gt "$hard_stop" ]; then
            echo
            say "   $t: engines still running ${hard_stop}s in; stopping them"
            for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        fi
        sleep 1
    done
    [ "$interactive" = 0 ] || echo
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    pids=()
    ph_reap_tagged
    sync_cases "$t"
}

# ---- triage: replay, signature, dedup, minimize ----------------------------------------

# Every failing input kept for TARGET, one "SOURCE PATH" per line: SOURCE is the engine
# that kept it (libfuzzer, afl) or split-oracle, the deep check's failures.
# Each folder is looked for before find runs, and no find's status counts: this runs as a
# process substitution, which inherits set -e and pipefail, so a folder the engine in use
# never made (afl/out with --engine libfuzzer) ended the list there, silently, before the
# deep check's failures.
failing_inputs() {
    local t=$1 d
    {
        d=$FUZZ/$t/libfuzzer/artifacts
        [ ! -d "$d" ] || find "$d" -maxdepth 1 -type f \
            \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) |
            sed 's/^/libfuzzer /' || true
        d=$FUZZ/$t/afl/out
        [ ! -d "$d" ] || find "$d" -type f \( -path '*/crashes/id:*' -o -path '*/hangs/id:*' \) |
            sed 's/^/afl /' || true
        d=$FUZZ/$t/check/failures
        [ ! -d "$d" ] || find "$d" -maxdepth 1 -type f | sed 's/^/split-oracle /' || true
    } 2>/dev/null | sort -k2
}

# replay TARGET FILE LOG DEADLINE: run FILE through the standalone ASan+UBSan build (its
# watchdog catches hangs and OOMs) and print "KIND SIGNATURE", KIND one of crash hang leak
# oom exit pass, or "timeout -" when DEADLINE (epoch seconds) came first. The signature
# (ci/fuzzkit/signature.py) is the first report's kind and the top three frames in the
# target and the cores, so one bug found by many inputs is one finding.
replay() {
    fuzzkit replay --driver "$ST_BUILD/bin/fuzz_$1" --log "$3" --deadline "$4" "$2"
}

# Triage of one target, until DEADLINE: appends to $FUZZ/crashes.tsv one row per new
# signature. Inputs not replayed by then are counted; each signature gets an equal share
# of the time left for its minimization, which keeps the best reproducer found by then.
triage_target() {
    local t=$1 deadline=$2
    local dir=$FUZZ/$t/triage src f kind sig
    mkdir -p "$dir" "$REGRESSIONS/$t"
    declare -A best=() best_size=() best_kind=() found_by=()
    local n=0 late=0 size
    while read -r src f; do
        [ -n "$f" ] || continue
        n=$((n + 1))
        if [ "$EPOCHSECONDS" -ge "$deadline" ]; then
            late=$((late + 1))
            continue
        fi
        read -r kind sig <<<"$(replay "$t" "$f" "$dir/replay-$n.log" "$deadline")"
        case $kind in
        timeout) late=$((late + 1)); continue ;;
        pass)
            say "   $t: $(basename "$f") does not reproduce in the standalone build (flaky or engine-only)"
            continue
            ;;
        esac
        case ",${found_by[$sig]:-}," in
        *",$src,"*) ;;
        *) found_by[$sig]=${found_by[$sig]:+${found_by[$sig]},}$src ;;
        esac
        size=$(stat -c %s "$f")
        if [ -z "${best[$sig]:-}" ] || [ "$size" -lt "${best_size[$sig]}" ]; then
            best[$sig]=$f
            best_size[$sig]=$size
            best_kind[$sig]=$kind
        fi
    done < <(failing_inputs "$t")
    [ "$n" -gt 0 ] || return 0
    say "== $t: $n failing inputs, ${#best[@]} distinct signatures"
    [ "$late" = 0 ] || say "   $t: triage deadline: $late failing input(s) not replayed"
    local left=${#best[@]}
    for sig in "${!best[@]}"; do
        kind=${best_kind[$sig]}
        local name out how from status share
        name=$(fuzzkit slug "$kind" "$sig")
        out=$REGRESSIONS/$t/$name
        from=${best_size[$sig]}
        if [ -f "$out" ]; then
            status=kept # an earlier campaign's, already minimized
        else
            share=$(((deadline - EPOCHSECONDS) / left))
            read -r status _ _ _ <<<"$(fuzzkit minimize --driver "$ST_BUILD/bin/fuzz_$t" \
                --kind "$kind" --signature "$sig" --deadline $((EPOCHSECONDS + share)) \
                --out "$out" --work "$dir/minimize" "${best[$sig]}")"
            [ -f "$out" ] || { cp "${best[$sig]}" "$out"; status=failed; }
        fi
        left=$((left - 1))
        deliver "$t" "$([ "$kind" = hang ] && echo hang || echo crash)" "$out"
        local repro="$ST_BUILD/bin/fuzz_$t $out" bytes
        bytes=$(stat -c %s "$out")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$kind" "${found_by[$sig]}" "$sig" \
            "$out" "$bytes" "$from" "$status" "$repro" >>"$FUZZ/crashes.tsv"
        how=${found_by[$sig]}
        [ "$how" = split-oracle ] && how="split-oracle failure: the deep check of the corpus"
        say "   $kind ($how): ${sig%%|*}"
        say "     stack:     ${sig#*|}"
        say "     file:      $out ($bytes bytes, from $from of $(basename "${best[$sig]}");" \
            "minimization: $status)"
        say "     reproduce: $repro"
        say "     commit:    cp $out corpus/$t/   # once fixed: ctest -L replay replays it"
    done
}

# ---- results: stats, coverage, report ---------------------------------------------------

SUMMARY_HEAD=$(printf '%s\t' target engine execs exec_per_s coverage features corpus crashes \
    stability deep_checked deep_failures check_lag_p50_s check_lag_max_s first_finding_s \
    fuzz_s check_s triage_s)

# Phase times, in seconds with one decimal, into $FUZZ/phases.tsv ("phase target seconds";
# target "-" for the whole run): ms_now is a start, `phase NAME TARGET START` a row.
ms_now() {
    local t=$EPOCHREALTIME
    echo $((${t%[.,]*} * 1000 + 10#${t#*[.,]} / 1000))
}
phase() {
    local d=$(($(ms_now) - $3))
    phase_s=$(printf '%d.%d' $((d / 1000)) $((d % 1000 / 100)))
    printf '%s\t%s\t%s\n' "$1" "$2" "$phase_s" >>"$FUZZ/phases.tsv"
}

# The columns every row of TARGET ends with: the deep check's figures, when the first
# finding came (seconds from the engines' start), and the target's phase times.
target_columns() {
    local t=$1 checked=- failures=- p50=- max=- first
    if [ "$oracle" = check ]; then
        read -r checked failures p50 max _ <<<"$(fuzzkit check-stats "$FUZZ/$t/check")"
    fi
    first=$(fuzzkit first-finding --since "${fuzz_started/,/.}" \
        --checker "$FUZZ/$t/check/failures.tsv" "$FUZZ/$t/libfuzzer/artifacts/*" \
        "$FUZZ/$t/afl/out/*/crashes/id:*" "$FUZZ/$t/afl/out/*/hangs/id:*")
    printf '%s\t' "$checked" "$failures" "$p50" "$max" "$first" "${phase_fuzz[$t]}" \
        "${phase_check[$t]:--}" "${phase_triage[$t]}"
}

# One TSV row per target and engine into $FUZZ/summary.tsv.
collect_stats() {
    local t=$1 execs rate cov ft corp crashes stab tail
    tail=$(target_columns "$t")
    tail=${tail%$'\t'}
    if [ "$use_lf" = 1 ]; then
        local log=$FUZZ/$t/libfuzzer/fuzz.log
        read -r execs rate cov ft corp <<<"$(lf_progress "$log")"
        local final
        final=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        [ -n "$final" ] && execs=$final
        final=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
        [ -n "$final" ] && rate=$final
        corp=$(count_files "$FUZZ/$t/libfuzzer/corpus")
        crashes=$(count_files "$FUZZ/$t/libfuzzer/artifacts")
        printf '%s\tlibfuzzer\t%s\t%s\t%s\t%s\t%s\t%s\t-\t%s\n' "$t" "$execs" "$rate" \
            "$cov" "$ft" "$corp" "$crashes" "$tail" >>"$FUZZ/summary.tsv"
    fi
    if [ "$use_afl" = 1 ]; then
        local s execs=0 rate=0 edges=0 corp=0 crashes=0 stabs=()
        for s in "$FUZZ/$t"/afl/out/*/fuzzer_stats; do
            [ -f "$s" ] || continue
            local v
            v=$(awk -F' *: *' '{ k[$1] = $2 } END {
                printf "%d %.0f %d %d %d %s", k["execs_done"], k["execs_per_sec"],
                    k["edges_found"], k["corpus_count"], k["saved_crashes"] + k["saved_hangs"],
                    k["stability"] }' "$s")
            read -r e r ed c cr st <<<"$v"
            execs=$((execs + e)) rate=$((rate + r)) corp=$((corp + c)) crashes=$((crashes + cr))
            [ "$ed" -gt "$edges" ] && edges=$ed
            stabs+=("${st:-?}")
        done
        stab=$(IFS=/; echo "${stabs[*]:-?}")
        printf '%s\tafl\t%s\t%s\t%s\t-\t%s\t%s\t%s\t%s\n' "$t" "$execs" "$rate" "$edges" \
            "$corp" "$crashes" "$stab" "$tail" >>"$FUZZ/summary.tsv"
    fi
}

# summary.json and the report's tables (ci/fuzzkit/summary.py).
write_json() {
    local cov=()
    [ -s "$REPORT/coverage-summary.json" ] && cov=(--coverage "$REPORT/coverage-summary.json")
    fuzzkit summary --summary "$FUZZ/summary.tsv" --crashes "$FUZZ/crashes.tsv" \
        --phases "$FUZZ/phases.tsv" "${cov[@]}" --json "$FUZZ/summary.json" \
        --markdown "$FUZZ/summary.md"
}

coverage_report() {
    [ "$report" = 1 ] || return 0
    local prof=$REPORT/profiles t objects=() deadline=$((EPOCHSECONDS + triage_seconds)) left
    rm -rf "$prof" "$REPORT/coverage" "$REPORT/coverage-summary.json"
    mkdir -p "$prof"
    say "== coverage over the final corpora (llvm-cov)"
    for t in "${targets[@]}"; do
        left=$((deadline - EPOCHSECONDS))
        if [ "$left" -le 0 ]; then
            say "   $t: no time left for its coverage replay (--triage-time $triage_seconds)"
            continue
        fi
        local dirs=()
        for d in corpus/"$t" "$FUZZ/$t/libfuzzer/corpus" "$FUZZ/$t"/afl/out/*/queue; do
            [ -d "$d" ] && dirs+=("$d")
        done
        [ ${#dirs[@]} -gt 0 ] || continue
        # In process (a forked child's profile would be lost), without the crash-*
        # reproducers: one that still crashes would end the run.
        # Within the deadline: a replay cut short writes no profile for its last batch.
        find "${dirs[@]}" -maxdepth 1 -type f ! -name 'crash-*' ! -name '.*' -print0 |
            LLVM_PROFILE_FILE="$prof/$t-%p.profraw" timeout "$left" xargs -0 -r \
                "$COV_BUILD/bin/fuzz_$t" -in_process=1 -q -timeout=10 >"$prof/$t.log" 2>&1 ||
            say "   $t: coverage replay stopped early (see $prof/$t.log)"
        objects+=(-object "$COV_BUILD/bin/fuzz_$t")
    done
    ls "$prof"/*.profraw >/dev/null 2>&1 || return 0
    llvm-profdata merge -sparse "$prof"/*.profraw -o "$prof/all.profdata"
    local ignore='(^/usr/|tests/|harness/driver_)'
    llvm-cov show -format=html -output-dir="$REPORT/coverage" -instr-profile="$prof/all.profdata" \
        -ignore-filename-regex="$ignore" -show-line-counts-or-regions "${objects[@]:1}" \
        >"$prof/llvm-cov.log" 2>&1
    llvm-cov report -instr-profile="$prof/all.profdata" -ignore-filename-regex="$ignore" \
        "${objects[@]:1}" >"$REPORT/coverage.txt" 2>>"$prof/llvm-cov.log"
    # The totals by name from llvm-cov's JSON, not by column from its table.
    llvm-cov export -summary-only -instr-profile="$prof/all.profdata" \
        -ignore-filename-regex="$ignore" "${objects[@]:1}" >"$REPORT/coverage-summary.json" \
        2>>"$prof/llvm-cov.log"
    say "   $REPORT/coverage/index.html ($(fuzzkit coverage "$REPORT/coverage-summary.json"))"
}

afl_plots() {
    [ "$use_afl" = 1 ] && [ "$report" = 1 ] || return 0
    command -v gnuplot >/dev/null || { say "   (no gnuplot: no AFL++ plots)"; return 0; }
    local t inst
    mkdir -p "$REPORT"
    for t in "${targets[@]}"; do
        for inst in "$FUZZ/$t"/afl/out/*/; do
            [ -f "$inst/plot_data" ] || continue
            afl-plot "$inst" "$REPORT/afl/$t/$(basename "$inst")" >"$REPORT/afl-plot.log" 2>&1 ||
                say "   afl-plot $t/$(basename "$inst"): $(grep -a 'Error' "$REPORT/afl-plot.log" | tail -n 1)"
        done
    done
}

write_report() {
    [ "$report" = 1 ] || return 0
    local md=$REPORT/index.md
    {
        echo "# Fuzzing campaign, $(date '+%Y-%m-%d %H:%M')"
        echo
        echo "commit \`$(git rev-parse --short HEAD 2>/dev/null || echo '?')\`, engine $engine," \
            "${seconds} s per target, triage deadline ${triage_seconds} s, $jobs job(s) per" \
            "engine, split oracle: $(oracle_mode),"  \
            "sanitizers $([ "$msan" = 1 ] && echo MSan || echo ASan+UBSan)," \
            "store $([ -n "$store_bin" ] && echo "$store_bin" || echo 'none (plain hub)')"
        echo
        cat "$FUZZ/summary.md"
        echo
        echo "## Coverage"
        echo
        if [ -f "$REPORT/coverage.txt" ]; then
            echo "HTML: [coverage/index.html](coverage/index.html), over each target's final corpus."
            echo
            echo '```'
            cat "$REPORT/coverage.txt"
            echo '```'
        else
            echo "not measured"
        fi
        if [ -d "$REPORT/afl" ]; then
            echo
            echo "## AFL++ plots"
            echo
            for d in "$REPORT"/afl/*/*/; do
                echo "- [${d#"$REPORT"/}](${d#"$REPORT"/}index.html)"
            done
        fi
        echo
        echo "Logs: build/fuzz/<target>/libfuzzer/fuzz.log, build/fuzz/<target>/afl/*.log;" \
            "JSON: build/fuzz/summary.json"
    } >"$md"
    say "   report: $md"
}

# ---- merge -----------------------------------------------------------------------------

# What campaigns collected for TARGET, minimized into corpus/<target>/: only files that
# add coverage are added (named by their SHA-1); nothing committed is removed.
merge_target() {
    local t=$1 sources=() d before after
    for d in "$FUZZ/$t/libfuzzer/corpus" "$FUZZ/$t"/afl/out/*/queue "$STORE_DIR/$t" \
        "${import_dirs[@]}"; do
        [ -d "$d" ] && [ -n "$(ls -A "$d" 2>/dev/null)" ] && sources+=("$d")
    done
    if [ ${#sources[@]} -eq 0 ]; then
        say "   $t: nothing collected"
        return 0
    fi
    mkdir -p "corpus/$t"
    before=$(count_files "corpus/$t")
    if [ "$use_lf" = 1 ]; then
        "$LF_BUILD/bin/fuzz_$t" -merge=1 -timeout=10 "corpus/$t" "${sources[@]}" \
            >"$FUZZ/$t.merge.log" 2>&1 || die "merge of $t failed (log: $FUZZ/$t.merge.log)"
    else
        local all=$FUZZ/$t/cmin-in min=$FUZZ/$t/cmin-out f sum
        rm -rf "$all" "$min"
        mkdir -p "$all"
        for d in "corpus/$t" "${sources[@]}"; do
            for f in "$d"/*; do
                [ -f "$f" ] && cp "$f" "$all/$(sha1sum <"$f" | cut -c1-40)"
            done
        done
        env -u ASAN_OPTIONS AFL_SKIP_CPUFREQ=1 afl-cmin.bash -m none -t 10000 -i "$all" -o "$min" \
            -- "$AFL_BUILD/bin/plain/fuzz_$t" @@ >"$FUZZ/$t.merge.log" 2>&1 ||
            die "afl-cmin.bash of $t failed (log: $FUZZ/$t.merge.log)"
        declare -A have=()
        for f in corpus/"$t"/*; do
            [ -f "$f" ] && have[$(sha1sum <"$f" | cut -c1-40)]=1
        done
        for f in "$min"/*; do
            sum=$(basename "$f")
            [ -n "${have[$sum]:-}" ] || cp "$f" "corpus/$t/$sum"
        done
    fi
    after=$(count_files "corpus/$t")
    say "   corpus/$t: $before -> $after files (+$((after - before)))"
}

# --import sources as folders of cases: a folder as it is, a capture cut into its frames.
prepare_imports() {
    local src n=0 dir
    for src in "${imports[@]}"; do
        if [ -d "$src" ]; then
            import_dirs+=("$src")
        elif [ -f "$src" ]; then
            n=$((n + 1))
            dir=$FUZZ/import/$n
            rm -rf "$dir"
            mkdir -p "$dir"
            local rc=0
            "$ST_BUILD/bin/ph-parse" chao --write-frames "$dir" "$src" >/dev/null || rc=$?
            # 0 or 1: frames written (1: some did not decode, still cases worth keeping)
            [ "$rc" -le 1 ] || die "$src: not a pcap or pcapng capture (ph-parse exit $rc)"
            say "   $src: $(count_files "$dir") frames"
            import_dirs+=("$dir")
        else
            die "--import $src: no such file or folder"
        fi
    done
}

# ---- main ------------------------------------------------------------------------------

oracle_mode() {
    case $oracle in
    check) echo "fast engines, deep check of every corpus entry" ;;
    deep) echo "the engines run the deep build (--deep-fuzz)" ;;
    off) echo "off (--no-split-oracle)" ;;
    esac
}

main() {
    local run_start
    run_start=$(ms_now)
    ci/setup.sh
    build_all
    if [ ${#imports[@]} -gt 0 ]; then
        [ ${#targets[@]} -eq 1 ] || die "--import takes exactly one TARGET"
        prepare_imports
        say "== importing ${#imports[@]} source(s) into corpus/${targets[0]}/"
        merge_target "${targets[0]}"
        say "review with git status corpus/, then commit"
        return 0
    fi
    if [ "$merge" = 1 ]; then
        say "== merging collected corpora into corpus/"
        for t in "${targets[@]}"; do merge_target "$t"; done
        say "review with git status corpus/, then commit"
        return 0
    fi
    : >"$FUZZ/phases.tsv"
    phase build - "$run_start"
    start_store
    printf '%s\n' "${SUMMARY_HEAD%$'\t'}" >"$FUZZ/summary.tsv"
    : >"$FUZZ/crashes.tsv"
    say "== fuzzing ${#targets[@]} target(s) for ${seconds}s each with $engine; split oracle:" \
        "$(oracle_mode); triage deadline ${triage_seconds}s per target"
    local t t0 deadline
    for t in "${targets[@]}"; do
        t0=$(ms_now)
        fuzz_target "$t"
        phase fuzz "$t" "$t0"
        phase_fuzz[$t]=$phase_s
        # Everything after the engines, for this target, ends by this deadline.
        deadline=$((EPOCHSECONDS + triage_seconds))
        if [ "$oracle" = check ]; then
            t0=$(ms_now)
            stop_checker "$t" "$deadline"
            phase check "$t" "$t0"
            phase_check[$t]=$phase_s
        fi
        t0=$(ms_now)
        triage_target "$t" "$deadline"
        phase triage "$t" "$t0"
        phase_triage[$t]=$phase_s
        collect_stats "$t"
    done
    [ -s "$FUZZ/crashes.tsv" ] || say "== no findings"
    t0=$(ms_now)
    coverage_report
    afl_plots
    [ "$report" = 0 ] || phase report - "$t0"
    stop_store
    phase total - "$run_start"
    local phases
    phases=$(write_json)
    write_report
    echo
    column -t -s "$(printf '\t')" "$FUZZ/summary.tsv"
    echo
    say "$phases"
    say "summary: $FUZZ/summary.tsv, $FUZZ/summary.json; working state: $FUZZ/<target>/"
    if [ -s "$FUZZ/crashes.tsv" ]; then
        say "CRASH: $(wc -l <"$FUZZ/crashes.tsv") distinct finding(s); regression files in $REGRESSIONS/"
        return 1
    fi
}

main

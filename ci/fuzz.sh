#!/usr/bin/env bash
# The main job: a fuzzing campaign over every fuzz target (harness/fuzz_<name>.c), or the
# targets named, then triage, coverage and a report. docs/fuzzing.md tells the whole flow.
#
#   ci/fuzz.sh [--time S] [--engine libfuzzer|afl|both] [--jobs N] [--resume] [--msan]
#              [--no-split-oracle] [--no-report] [TARGET...]
#   ci/fuzz.sh --merge [--engine E] [TARGET...]      the one step that writes corpus/
#   ci/fuzz.sh --import SOURCE [--import SOURCE]... TARGET
#                   --merge for one target, from outside: a pcap/pcapng file (each frame
#                   a case: ph-parse chao --write-frames) or a folder of cases, such as
#                   the <corpus>/<target>/ that ph-store filled from a --record shell
#
#   --time S        seconds per target (default 30); with --engine both, both run at once
#   --engine E      libfuzzer (default; ASan+UBSan), afl (AFL++ persistent shared-memory
#                   mode, ASan+UBSan, a CmpLog build on the main instance), or both
#   --jobs N        workers per engine: libFuzzer -fork=N, AFL++ -M main + -S s1..s(N-1)
#   --resume        continue the last campaign (AFL_AUTORESUME, libFuzzer's working corpus)
#                   instead of starting afresh from corpus/<target>/
#   --msan          libFuzzer with MemorySanitizer instead of ASan+UBSan
#   --no-report     skip the coverage build and report (faster)
#   --merge         minimize what campaigns collected into corpus/<target>/ (libFuzzer
#                   -merge=1, or afl-cmin.bash with --engine afl); no fuzzing
#
# Everything else it writes lives under build/fuzz/. Crashes, hangs, leaks and OOMs are
# replayed through the standalone ASan+UBSan build, de-duplicated by sanitizer stack
# signature, minimized and written to build/fuzz/regressions/<target>/crash-* with a
# one-line reproduction command. When ph-store is built, a private one collects corpus
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
split_oracle=ON
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
    --time) seconds=${2:-}; shift 2 || usage ;;
    --time=*) seconds=${1#--time=}; shift ;;
    --engine) engine=${2:-}; shift 2 || usage ;;
    --engine=*) engine=${1#--engine=}; shift ;;
    --jobs) jobs=${2:-}; shift 2 || usage ;;
    --jobs=*) jobs=${1#--jobs=}; shift ;;
    --resume) resume=1; shift ;;
    --merge) merge=1; shift ;;
    --import) imports+=("${2:?--import needs a pcap file or a folder}"); merge=1; shift 2 ;;
    --msan) msan=1; shift ;;
    --no-report) report=0; shift ;;
    --no-split-oracle) split_oracle=OFF; shift ;;
    -h | --help) usage ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; usage ;;
    *) targets+=("$1"); shift ;;
    esac
done
case "$seconds" in '' | *[!0-9]* | 0) echo "fuzz.sh: --time takes whole seconds > 0" >&2; exit 64 ;; esac
case "$jobs" in '' | *[!0-9]* | 0) echo "fuzz.sh: --jobs takes a number > 0" >&2; exit 64 ;; esac
case "$engine" in libfuzzer | afl | both) ;; *) echo "fuzz.sh: --engine libfuzzer|afl|both" >&2; exit 64 ;; esac
use_lf=0 use_afl=0
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

# configure_build DIR CC [cmake args...]: configure DIR and build only what a campaign
# runs (the fuzz targets; ph-store and ph-send where CMake defines them), so a tool that
# does not build at the moment stops nothing. On failure the log is printed.
configure_build() {
    local dir=$1 cc=$2
    shift 2
    mkdir -p "$dir"
    if ! CC=$cc cmake -S . -B "$dir" -DCMAKE_C_COMPILER="$cc" -DPH_BUILD_TESTS=OFF \
        -DPH_SPLIT_ORACLE="$split_oracle" "$@" >"$dir/build.log" 2>&1; then
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
    say "== building in $FUZZ/ (split oracle $split_oracle)"
    configure_build "$ST_BUILD" clang -DPH_FUZZ_ENGINE=standalone -DPH_SANITIZE='address;undefined'
    if [ "$use_lf" = 1 ]; then
        if [ "$msan" = 1 ]; then
            configure_build "$LF_BUILD" clang -DPH_FUZZ_ENGINE=libfuzzer -DPH_SANITIZE=memory \
                -DCMAKE_C_FLAGS=-fsanitize-memory-track-origins
        else
            configure_build "$LF_BUILD" clang -DPH_FUZZ_ENGINE=libfuzzer \
                -DPH_SANITIZE='address;undefined'
        fi
    fi
    if [ "$use_afl" = 1 ]; then
        configure_build "$AFL_BUILD" afl-clang-fast -DPH_FUZZ_ENGINE=afl \
            -DPH_SANITIZE='address;undefined'
        # CmpLog: the same code with comparison logging, run by the main instance (-c).
        AFL_LLVM_CMPLOG=1 configure_build "$CMPLOG_BUILD" afl-clang-fast -DPH_FUZZ_ENGINE=afl
    fi
    if [ "$report" = 1 ] && [ "$merge" = 0 ]; then
        configure_build "$COV_BUILD" clang -DPH_FUZZ_ENGINE=standalone \
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

# Every engine runs with $ph_tag in its environment (ci/lib.sh), and so does every process
# it starts: once the engines end, or the script does, what they left is killed by it.
ph_run_tag

cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
    done
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

# ---- fuzzing one target ----------------------------------------------------------------

fuzz_target() {
    local t=$1
    if [ "$resume" = 0 ]; then
        # A fresh campaign: this target's working state goes; the hub and regressions stay.
        rm -rf "${FUZZ:?}/$t"
    fi
    mkdir -p "$FUZZ/$t"
    pids=()
    [ "$use_lf" = 1 ] && start_libfuzzer "$t"
    [ "$use_afl" = 1 ] && start_afl "$t"

    local start=$SECONDS elapsed last_print=-$PROGRESS_EVERY p running
    local hard_stop=$((seconds + 120)) # engines stop themselves; this is the backstop
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

# Every failing input an engine kept for TARGET, one path per line.
failing_inputs() {
    local t=$1
    {
        find "$FUZZ/$t/libfuzzer/artifacts" -maxdepth 1 -type f \
            \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \)
        find "$FUZZ/$t/afl/out" -type f \( -path '*/crashes/id:*' -o -path '*/hangs/id:*' \)
    } 2>/dev/null | sort
}

TRIAGE_ENV=(env ASAN_OPTIONS=handle_abort=1:detect_leaks=1:symbolize=1:allocator_may_return_null=1
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:symbolize=1)

# replay TARGET FILE LOG: run FILE through the standalone ASan+UBSan build (its watchdog
# catches hangs and OOMs) and print "KIND SIGNATURE", KIND one of crash hang leak oom
# exit pass. The signature is the first report line's kind and the top three frames in
# the target and the cores, so one bug found by many inputs is one finding.
replay() {
    local t=$1 file=$2 log=$3
    "${TRIAGE_ENV[@]}" "$ST_BUILD/bin/fuzz_$t" -timeout=10 -rss_limit_mb=2048 "$file" \
        >"$log" 2>&1 || true
    awk '
        /^(PASS|CRASH|HANG|LEAK|OOM|EXIT) / && !result { result = tolower($1) }
        /fuzz invariant failed:/ && !what {
            s = $0; sub(/.*fuzz invariant failed: /, "", s); sub(/.*\(/, "", s); sub(/\).*/, "", s)
            n = split(s, parts, "/"); what = "invariant@" parts[n] }
        /differential: / && !diff { diff = $0; sub(/.*differential: /, "", diff) }
        /ERROR: AddressSanitizer: / && !what { what = $3 }
        /ERROR: MemorySanitizer: / && !what { what = $3 }
        /ERROR: LeakSanitizer: / && !what { what = "leak" }
        /runtime error: / && !what { s = $0; sub(/.*runtime error: /, "", s)
            gsub(/[^A-Za-z ]/, "", s); split(s, w, " "); what = "ubsan-" w[1] "-" w[2] }
        /^==HANG==/ && !what { what = "hang" }
        /^ *#[0-9]+ 0x[0-9a-f]+ in / && nframes < 3 {
            fn = $4
            if (fn ~ /^(__sanitizer|__asan|__ubsan|__msan|__lsan|__interceptor|__pthread_kill|pthread_kill|__GI_|gsignal|abort|raise|on_alarm|run_target|run_forked|run_file|main|__libc|_start|malloc|calloc|realloc|free|fuzz_check|report|LLVMFuzzer.*Driver)/) next
            frames = frames (nframes ? ">" : "") fn; nframes++ }
        END {
            if (!result) result = "crash"
            if (!what) what = result
            if (diff != "") what = what ":" diff
            gsub(/ /, "_", what)
            printf "%s %s|%s\n", result, what, frames }' "$log"
}

# A file name for a finding: crash-[<kind>-]<what>-<hash of the signature>, where <what>
# is a differential check's message, an invariant's line or the sanitizer's error kind.
slug() {
    local kind=$1 sig=$2 what hash
    what=${sig%%|*}
    case $what in
    invariant@*:*:*) what=${what##*:} ;;
    invariant@*) what=invariant-line-${what##*:} ;;
    esac
    what=$(tr -c 'A-Za-z0-9\n' '-' <<<"$what" | tr '[:upper:]' '[:lower:]' | sed 's/--*/-/g; s/^-//; s/-$//' | cut -c1-48)
    hash=$(printf '%s' "$sig" | sha1sum | cut -c1-8)
    local name=crash
    [ "$kind" = crash ] || name+=-$kind
    [ "$what" = "$kind" ] || name+=-${what%-}
    echo "$name-$hash"
}

# minimize TARGET KIND FILE OUT: a smaller input with the same signature, or FILE itself.
minimize() {
    local t=$1 kind=$2 file=$3 out=$4 budget=$((seconds < 30 ? seconds : 30))
    local tmp=$out.min
    rm -f "$tmp"
    if [ -x "$LF_BUILD/bin/fuzz_$t" ] && [ "$msan" = 0 ]; then
        "$LF_BUILD/bin/fuzz_$t" -minimize_crash=1 -max_total_time="$budget" -timeout=10 \
            -exact_artifact_path="$tmp" "$file" >"$out.minimize.log" 2>&1 || true
    elif [ -x "$AFL_BUILD/bin/plain/fuzz_$t" ]; then
        local hang=()
        [ "$kind" = hang ] && hang=(-H)
        env -u ASAN_OPTIONS AFL_SKIP_CPUFREQ=1 timeout $((budget + 30)) afl-tmin "${hang[@]}" \
            -m none -t 10000 -i "$file" -o "$tmp" -- "$AFL_BUILD/bin/plain/fuzz_$t" @@ \
            >"$out.minimize.log" 2>&1 || true
    fi
    if [ -s "$tmp" ] && [ "$(stat -c %s "$tmp")" -lt "$(stat -c %s "$file")" ] &&
        [ "$(replay "$t" "$tmp" "$out.minimized.log")" = "$kind $5" ]; then
        mv "$tmp" "$out"
    else
        rm -f "$tmp"
        cp "$file" "$out"
    fi
}

# Triage of one target: appends to $FUZZ/crashes.tsv one row per new signature.
triage_target() {
    local t=$1
    local dir=$FUZZ/$t/triage f kind sig key
    mkdir -p "$dir" "$REGRESSIONS/$t"
    declare -A best=() best_size=() best_kind=()
    local n=0 size
    while read -r f; do
        [ -n "$f" ] || continue
        n=$((n + 1))
        read -r kind sig <<<"$(replay "$t" "$f" "$dir/replay-$n.log")"
        if [ "$kind" = pass ]; then
            say "   $t: $(basename "$f") does not reproduce in the standalone build (flaky or engine-only)"
            continue
        fi
        size=$(stat -c %s "$f")
        if [ -z "${best[$sig]:-}" ] || [ "$size" -lt "${best_size[$sig]}" ]; then
            best[$sig]=$f
            best_size[$sig]=$size
            best_kind[$sig]=$kind
        fi
    done < <(failing_inputs "$t")
    [ "$n" -gt 0 ] || return 0
    say "== $t: $n failing inputs, ${#best[@]} distinct signatures"
    for sig in "${!best[@]}"; do
        kind=${best_kind[$sig]}
        local name out
        name=$(slug "$kind" "$sig")
        out=$REGRESSIONS/$t/$name
        if [ ! -f "$out" ]; then
            minimize "$t" "$kind" "${best[$sig]}" "$out" "$sig"
            rm -f "$out".*.log
        fi
        deliver "$t" "$([ "$kind" = hang ] && echo hang || echo crash)" "$out"
        local repro="$ST_BUILD/bin/fuzz_$t $out"
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$kind" "$sig" "$out" "$(stat -c %s "$out")" \
            "$repro" >>"$FUZZ/crashes.tsv"
        say "   $kind: ${sig%%|*}"
        say "     stack:     ${sig#*|}"
        say "     file:      $out ($(stat -c %s "$out") bytes, from $(basename "${best[$sig]}"))"
        say "     reproduce: $repro"
        say "     commit:    cp $out corpus/$t/   # once fixed: ctest -L replay replays it"
    done
}

# ---- results: stats, coverage, report ---------------------------------------------------

# One TSV row per target and engine into $FUZZ/summary.tsv.
collect_stats() {
    local t=$1 execs rate cov ft corp crashes stab
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
        printf '%s\tlibfuzzer\t%s\t%s\t%s\t%s\t%s\t%s\t-\n' "$t" "$execs" "$rate" "$cov" \
            "$ft" "$corp" "$crashes" >>"$FUZZ/summary.tsv"
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
        printf '%s\tafl\t%s\t%s\t%s\t-\t%s\t%s\t%s\n' "$t" "$execs" "$rate" "$edges" "$corp" \
            "$crashes" "$stab" >>"$FUZZ/summary.tsv"
    fi
}

write_json() {
    python3 - "$FUZZ/summary.tsv" "$FUZZ/crashes.tsv" "$FUZZ/summary.json" <<'EOF'
import csv, json, sys, time
def rows(path):
    with open(path) as f:
        return list(csv.reader(f, delimiter="\t"))
def num(v):
    try:
        return int(v)
    except ValueError:
        try:
            return float(v)
        except ValueError:
            return v
summary = rows(sys.argv[1])
head, body = summary[0], summary[1:]
targets = [{k: num(v) for k, v in zip(head, r)} for r in body]
crashes = [dict(zip(["target", "kind", "signature", "file", "bytes", "reproduce"], r))
           for r in rows(sys.argv[2])]
out = {"finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "targets": targets, "crashes": crashes}
with open(sys.argv[3], "w") as f:
    json.dump(out, f, indent=2)
    f.write("\n")
EOF
}

coverage_report() {
    [ "$report" = 1 ] || return 0
    local prof=$REPORT/profiles t objects=()
    rm -rf "$prof" "$REPORT/coverage"
    mkdir -p "$prof"
    say "== coverage over the final corpora (llvm-cov)"
    for t in "${targets[@]}"; do
        local dirs=()
        for d in corpus/"$t" "$FUZZ/$t/libfuzzer/corpus" "$FUZZ/$t"/afl/out/*/queue; do
            [ -d "$d" ] && dirs+=("$d")
        done
        [ ${#dirs[@]} -gt 0 ] || continue
        # In process (a forked child's profile would be lost), without the crash-*
        # reproducers: one that still crashes would end the run.
        find "${dirs[@]}" -maxdepth 1 -type f ! -name 'crash-*' ! -name '.*' -print0 |
            LLVM_PROFILE_FILE="$prof/$t-%p.profraw" xargs -0 -r "$COV_BUILD/bin/fuzz_$t" \
                -in_process=1 -q -timeout=10 >"$prof/$t.log" 2>&1 ||
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
    say "   $REPORT/coverage/index.html ($(awk '/^TOTAL/ { print "lines " $10 ", regions " $4 ", functions " $7 }' "$REPORT/coverage.txt"))"
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
            "${seconds} s per target, $jobs job(s) per engine, split oracle $split_oracle," \
            "sanitizers $([ "$msan" = 1 ] && echo MSan || echo ASan+UBSan)," \
            "store $([ -n "$store_bin" ] && echo "$store_bin" || echo 'none (plain hub)')"
        echo
        echo "## Targets"
        echo
        awk -F'\t' 'NR == 1 { h = "|"; s = "|"; for (i = 1; i <= NF; i++) { h = h " " $i " |"; s = s "---|" }
            print h; print s; next } { r = "|"; for (i = 1; i <= NF; i++) r = r " " $i " |"; print r }' \
            "$FUZZ/summary.tsv"
        echo
        echo "## Crashes"
        echo
        if [ -s "$FUZZ/crashes.tsv" ]; then
            awk -F'\t' '{ printf "- **%s** `%s` %s: `%s` (%s bytes)\n  - reproduce: `%s`\n  - commit once fixed: `cp %s corpus/%s/`\n", $1, $2, $3, $4, $5, $6, $4, $1 }' \
                "$FUZZ/crashes.tsv"
        else
            echo "none"
        fi
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

main() {
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
    start_store
    printf 'target\tengine\texecs\texec_per_s\tcoverage\tfeatures\tcorpus\tcrashes\tstability\n' \
        >"$FUZZ/summary.tsv"
    : >"$FUZZ/crashes.tsv"
    say "== fuzzing ${#targets[@]} target(s) for ${seconds}s each with $engine"
    local t
    for t in "${targets[@]}"; do
        fuzz_target "$t"
        collect_stats "$t"
    done
    say "== triage"
    for t in "${targets[@]}"; do triage_target "$t"; done
    [ -s "$FUZZ/crashes.tsv" ] || say "   no crashes"
    coverage_report
    afl_plots
    stop_store
    write_json
    write_report
    echo
    column -t -s "$(printf '\t')" "$FUZZ/summary.tsv"
    echo
    say "summary: $FUZZ/summary.tsv, $FUZZ/summary.json; working state: $FUZZ/<target>/"
    if [ -s "$FUZZ/crashes.tsv" ]; then
        say "CRASH: $(wc -l <"$FUZZ/crashes.tsv") distinct finding(s); regression files in $REGRESSIONS/"
        return 1
    fi
}

main

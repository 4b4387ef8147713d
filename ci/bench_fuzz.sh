#!/usr/bin/env bash
# ci/bench.sh fuzz [--rounds N] [--targets a,b]: exec/s of every fuzz target vs an empty
# target on the same warmed corpus under libFuzzer (split oracle off and on), the edges
# and traced compares each run hands libFuzzer, reference targets of 10-160 edges, our
# HTTP parser and llhttp alone, and AFL++ persistent vs forkserver: medians of N
# interleaved rounds (default 3, at least 3). docs/bench.md and docs/fuzzing.md say how;
# ci/benchstat.py does the arithmetic.
#
# Exit status: 0 when the benchmark ran (a missed target is printed, not an error), 64 on a
# usage error, anything else when setup, the build or a benchmark program failed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=ci/lib.sh
. ci/lib.sh
ph_bench_area fuzz "[--rounds N>=3] [--targets a,b]"


# Executions per timed libFuzzer run: about half a second for the empty target, a few
# seconds for the slowest real one.
FUZZ_LF_RUNS=500000
FUZZ_LF_SPLIT_RUNS=20000 # the split oracle re-parses every prefix: far slower
# Untimed runs, once per target, that grow the corpus every timed run starts from.
FUZZ_WARM_RUNS=300000
FUZZ_AFL_PERSISTENT_EXECS=50000
FUZZ_AFL_FORK_EXECS=5000
FUZZ_ONLY= # --targets a,b
# Reference targets that touch exactly this many distinct edges per run and do nothing else
# (tests/fuzz/fuzz_edges.c): what libFuzzer's bookkeeping per hit counter costs by itself.
FUZZ_EDGE_COUNTS=(10 20 40 80 160)

# fuzz_build DIR CC [cmake args...]: a Release build of every fuzz target in DIR.
fuzz_build() {
    local dir=$1 cc=$2 t targets=()
    shift 2
    for t in "${FUZZ_TARGETS[@]}"; do targets+=("fuzz_$t"); done
    if grep -q afl <<<"$cc"; then
        for t in "${FUZZ_TARGETS[@]}"; do targets+=("fuzz_${t}_plain"); done
    fi
    CC=$cc cmake -S . -B "$dir" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_C_FLAGS=-O2 -DPH_BUILD_TESTS=OFF -DPH_SANITIZE= "$@" >"$dir.configure.log" 2>&1 || {
        cat "$dir.configure.log" >&2
        echo "bench: cmake configure of $dir failed" >&2
        exit 1
    }
    cmake --build "$dir" --parallel "$(nproc)" --target "${targets[@]}" >&2
}

# The empty target, built as each engine builds real ones, and the edge-count references.
fuzz_build_empty() {
    local out=$BUILD/fuzz-empty n
    mkdir -p "$out/plain"
    clang -O2 -fsanitize=fuzzer tests/fuzz/fuzz_empty.c -o "$out/lf" >&2
    for n in "${FUZZ_EDGE_COUNTS[@]}"; do
        clang -O2 -fsanitize=fuzzer -DPH_EDGES="$n" tests/fuzz/fuzz_edges.c -o "$out/lf-edges-$n" >&2
    done
    clang -O2 -fsanitize=fuzzer,address,undefined tests/fuzz/fuzz_empty.c -o "$out/lf-asan" >&2
    afl-clang-fast -O2 -Iharness tests/fuzz/fuzz_empty.c harness/driver_afl.c -o "$out/afl" \
        2>/dev/null >&2
    afl-clang-fast -O2 -Iharness tests/fuzz/fuzz_empty.c harness/driver_afl_plain.c \
        -o "$out/plain/afl" 2>/dev/null >&2
}

# The HTTP request parsers alone (bench/fuzz_bare_*.c), ours and llhttp, built as libFuzzer
# builds the targets, against the libraries of the build in DIR (CFLAGS: its instrumentation)
# and linked by LINK: OUT/bare-http_request and OUT/bare-llhttp.
fuzz_build_bare() {
    local dir=$1 out=$2 cflags=$3 link=$4 llhttp_include
    cmake --build "$dir" --parallel "$(nproc)" --target ph_core ph_peer_llhttp >&2
    llhttp_include=$(sed -n 's/^PH_LLHTTP_INCLUDE:PATH=//p' "$dir/CMakeCache.txt")
    mkdir -p "$out"
    # shellcheck disable=SC2086 # CFLAGS and LINK are lists of flags
    clang -O2 $cflags -Isrc bench/fuzz_bare_http_request.c "$dir/lib/libph_core.a" $link \
        -o "$out/bare-http_request" >&2
    # shellcheck disable=SC2086
    clang -O2 $cflags -Isrc -Iharness -isystem "$llhttp_include" bench/fuzz_bare_llhttp.c \
        harness/llhttp_view.c "$dir/lib/libph_peer_llhttp.a" $link -o "$out/bare-llhttp" >&2
}

# Every target built with libFuzzer's instrumentation but linked with bench/fuzz_cost.c
# instead of libFuzzer: it counts the distinct edges and the traced compares per run.
fuzz_build_cost() {
    local obj=$BUILD/fuzz-cost.o
    clang -O2 -c bench/fuzz_cost.c -o "$obj" >&2
    CXX=clang++ fuzz_build "$BUILD/fuzz-cost" clang -DPH_FUZZ_ENGINE=external \
        -DCMAKE_C_FLAGS="-O2 -fsanitize=fuzzer-no-link" -DPH_SPLIT_ORACLE=OFF \
        -DPH_FUZZ_LINK="$ROOT/$obj"
    fuzz_build_bare "$BUILD/fuzz-cost" "$BUILD/fuzz-cost/bin" -fsanitize=fuzzer-no-link "$ROOT/$obj"
}

# fuzz_cost TARGET [BIN]: "EDGES CMPS", per run of the target (or of BIN, in fuzz-cost/bin)
# over TARGET's warmed corpus.
fuzz_cost() {
    local line
    line=$("$BUILD/fuzz-cost/bin/${2:-fuzz_$1}" "$FUZZ_TMP/warm/$1") || {
        echo "bench: counting edges and compares of $1 failed" >&2
        exit 1
    }
    ph_stat field edges_per_run cmps_per_run <<<" $line" | paste -sd ' '
}

# Every corpus a run reads or writes lives in FUZZ_TMP, on a tmpfs: /dev/shm when it is
# one, else a tmpfs mounted at build/bench/fuzz-tmpfs, else (no tmpfs, not root) the disk,
# said on stderr. A run that finds coverage writes a file per new unit; on this VM's disk
# those writes cost a fuzz target a fifth of its time, which the empty target (it finds
# nothing) never pays.
fuzz_scratch() {
    FUZZ_MOUNTED=
    if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
        FUZZ_TMP=$(mktemp -d /dev/shm/ph-bench-fuzz.XXXXXX)
    else
        FUZZ_TMP=$BUILD/fuzz-tmpfs
        mkdir -p "$FUZZ_TMP"
        if ! mountpoint -q "$FUZZ_TMP" &&
            ! { mount -t tmpfs -o size=2g,mode=0700 tmpfs "$FUZZ_TMP" 2>/dev/null &&
                FUZZ_MOUNTED=1; }; then
            echo "bench: no tmpfs (/dev/shm is none, mount refused): corpora on the disk" >&2
        fi
    fi
    trap fuzz_cleanup EXIT
    trap 'exit 130' INT TERM
}

fuzz_cleanup() {
    [ -n "${FUZZ_TMP:-}" ] || return 0
    if [ -n "$FUZZ_MOUNTED" ]; then
        umount -l "$FUZZ_TMP" 2>/dev/null || true
    else
        rm -rf "$FUZZ_TMP"
    fi
}

# fuzz_seeds TARGET DIR: the target's committed seeds in DIR, without crash-* reproducers
# (one not yet fixed would stop the run), or one byte when there are none.
fuzz_seeds() {
    local t=$1 dir=$2 f
    mkdir -p "$dir"
    for f in corpus/"$t"/*; do
        [ -f "$f" ] && [[ $(basename "$f") != crash-* ]] && cp "$f" "$dir/"
    done
    [ -n "$(ls -A "$dir")" ] || printf 'x' >"$dir/one"
}

# lf_run BIN DIR RUNS: libFuzzer over the corpus in DIR for RUNS runs (seed 1), writing
# what it finds into DIR. -keep_seed=1 keeps every input of DIR in the fuzzing corpus even
# where it adds no coverage: without it the empty target (and the edge references) would
# keep one input of one byte and mutate that, not the inputs the target is measured on.
# Prints "LOOP_EXECS LOOP_S EXECS S" (ph_lf_span, ci/lib.sh); the log goes to
# FUZZ_TMP/last.log.
lf_run() {
    ph_lf_span "$FUZZ_TMP/last.log" "$1" -runs="$3" -seed=1 -keep_seed=1 -max_len=4096 \
        -timeout=30 "$2"
}

# fuzz_warm TARGET: the corpus every timed run on TARGET's inputs starts from, kept in
# FUZZ_TMP/warm/TARGET: the committed seeds plus what FUZZ_WARM_RUNS untimed runs of the
# target add. Timed runs then measure fuzzing in its steady state, where new coverage is
# rare, rather than the first seconds from the seeds, where most runs find something.
fuzz_warm() {
    local t=$1 dir=$FUZZ_TMP/warm/$1
    fuzz_seeds "$t" "$dir"
    lf_run "$BUILD/fuzz-lf/bin/fuzz_$t" "$dir" "$FUZZ_WARM_RUNS" >/dev/null
}

# lf_rate LABEL BIN TARGET [RUNS]: exec/s of libFuzzer binary BIN (TARGET's or the empty
# one) over RUNS runs (default FUZZ_LF_RUNS) from a fresh copy of TARGET's warmed corpus,
# counted from the end of corpus loading: libFuzzer's start-up (0.15-0.25 s here, more than
# the empty target's 500000 runs take) and the loading of the corpus are left out. The raw
# line, with the whole process's rate too, goes to FUZZ_RAW under LABEL.
lf_rate() {
    local label=$1 bin=$2 t=$3 runs=${4:-$FUZZ_LF_RUNS} run=$FUZZ_TMP/run times
    rm -rf "$run"
    cp -r "$FUZZ_TMP/warm/$t" "$run"
    times=$(lf_run "$bin" "$run" "$runs")
    ph_stat lf-rate "$label" "$FUZZ_RAW" <<<"$times"
}

# afl_rate LABEL MODE BIN TARGET: exec/s of afl-fuzz over a fixed number of executions from the
# committed seeds, MODE persistent (shared-memory test cases) or fork (plain binary, @@
# file, forkserver). The rate is afl-fuzz's own execs_per_sec, counted in milliseconds from
# its start (fuzzer_stats' run_time is whole seconds). AFL_BENCH_JUST_ONE must stay unset:
# afl-fuzz tests whether a flag is set, not its value, and AFL_BENCH_JUST_ONE=0 made it stop
# after its first queue entry, within a second on the empty target and chao_frame.
afl_rate() {
    local label=$1 mode=$2 bin=$3 t=$4 out=$FUZZ_TMP/afl-out in=$FUZZ_TMP/afl-in execs
    rm -rf "$out" "$in"
    fuzz_seeds "$t" "$in"
    local args=(-i "$in" -o "$out" -s 1 -t 5000 -m none)
    if [ "$mode" = fork ]; then
        execs=$FUZZ_AFL_FORK_EXECS
        args+=(-E "$execs" -- "$bin" @@)
    else
        execs=$FUZZ_AFL_PERSISTENT_EXECS
        args+=(-E "$execs" -- "$bin")
    fi
    env -u ASAN_OPTIONS -u AFL_BENCH_JUST_ONE AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 \
        AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CRASHES=1 \
        afl-fuzz "${args[@]}" >"$FUZZ_TMP/last.log" 2>&1 ||
        { echo "bench: afl-fuzz on $bin failed:" >&2; tail "$FUZZ_TMP/last.log" >&2; exit 1; }
    ph_stat afl-rate "$label" "$execs" "$bin" "$FUZZ_RAW" "$out/default/fuzzer_stats"
}

# Files and mean bytes of TARGET's warmed corpus, as "N B".
fuzz_corpus_size() {
    find "$FUZZ_TMP/warm/$1" -type f -printf '%s\n' | ph_stat sizes
}

bench_fuzz() {
    local rounds=$ROUNDS
    [ "$ROUNDS_SET" = 1 ] || rounds=3 # a round takes about two minutes
    FUZZ_TARGETS=()
    local f t all
    for f in harness/fuzz_*.c; do
        t=${f#harness/fuzz_}
        FUZZ_TARGETS+=("${t%.c}")
    done
    if [ -n "$FUZZ_ONLY" ]; then
        all=" ${FUZZ_TARGETS[*]} "
        IFS=, read -ra FUZZ_TARGETS <<<"$FUZZ_ONLY"
        for t in "${FUZZ_TARGETS[@]}"; do
            if [[ $all != *" $t "* ]]; then
                echo "bench: --targets: no fuzz target $t (harness/fuzz_$t.c)" >&2
                exit 64
            fi
        done
    fi
    "$ROOT/ci/setup.sh"
    mkdir -p "$BUILD"
    echo "bench: building fuzz targets (libFuzzer, AFL++; split oracle off and on)" >&2
    fuzz_build "$BUILD/fuzz-lf" clang -DPH_FUZZ_ENGINE=libfuzzer -DPH_SPLIT_ORACLE=OFF
    fuzz_build "$BUILD/fuzz-lf-split" clang -DPH_FUZZ_ENGINE=libfuzzer -DPH_SPLIT_ORACLE=ON
    fuzz_build "$BUILD/fuzz-afl" afl-clang-fast -DPH_FUZZ_ENGINE=afl -DPH_SPLIT_ORACLE=OFF
    fuzz_build_cost
    fuzz_build_empty
    fuzz_build_bare "$BUILD/fuzz-lf" "$BUILD/fuzz-empty" -fsanitize=fuzzer ""
    fuzz_scratch
    FUZZ_RAW=$BUILD/fuzz-raw.txt
    : >"$FUZZ_RAW"
    local e=$BUILD/fuzz-empty
    declare -A cost=()
    for t in "${FUZZ_TARGETS[@]}"; do
        echo "bench: warming up $t's corpus ($FUZZ_WARM_RUNS untimed runs)" >&2
        fuzz_warm "$t"
        cost[$t]=$(fuzz_cost "$t")
    done
    # The edge references run on one target's corpus, http_request's when it is measured;
    # so do the HTTP parsers alone (ours and llhttp), which need that corpus.
    local ref=${FUZZ_TARGETS[0]} n bare=()
    if [[ " ${FUZZ_TARGETS[*]} " == *" http_request "* ]]; then
        ref=http_request
        bare=(http_request llhttp)
        for n in "${bare[@]}"; do cost[bare-$n]=$(fuzz_cost http_request "bare-$n"); done
    fi
    # Contenders: target:mode. Each round runs every contender once, in this order, except
    # that a target and the empty target on its corpus swap places every other round.
    local names=(empty:afl-persistent empty:afl-fork)
    for t in "${FUZZ_TARGETS[@]}"; do
        names+=("$t:lf" "$t:lf-empty")
        # the parsers alone next to the target and the empty target on the same corpus
        if [ "$t" = "$ref" ]; then
            for n in "${bare[@]}"; do names+=("bare-$n:lf-ref"); done
        fi
        names+=("$t:lf-split" "$t:afl-persistent" "$t:afl-fork")
    done
    for n in "${FUZZ_EDGE_COUNTS[@]}"; do names+=("edges-$n:lf-ref"); done
    declare -A samples=()
    local round name tgt mode rate i label
    for ((round = 1; round <= rounds; round++)); do
        local order=("${names[@]}")
        if ((round % 2 == 0)); then
            for ((i = 0; i < ${#order[@]}; i++)); do
                case ${order[i]} in
                *:lf) order[i]=${order[i]}-empty ;;
                *:lf-empty) order[i]=${order[i]%-empty} ;;
                esac
            done
        fi
        for name in "${order[@]}"; do
            tgt=${name%%:*}
            mode=${name#*:}
            echo "bench: fuzz round $round/$rounds $name (${SECONDS}s)" >&2
            label="round=$round $name"
            case $tgt:$mode in
            empty:afl-persistent) rate=$(afl_rate "$label" persistent "$e/afl" empty) ;;
            empty:afl-fork) rate=$(afl_rate "$label" fork "$e/plain/afl" empty) ;;
            *:lf) rate=$(lf_rate "$label" "$BUILD/fuzz-lf/bin/fuzz_$tgt" "$tgt") ;;
            *:lf-empty) rate=$(lf_rate "$label" "$e/lf" "$tgt") ;;
            edges-*:lf-ref) rate=$(lf_rate "$label" "$e/lf-$tgt" "$ref") ;;
            bare-*:lf-ref) rate=$(lf_rate "$label" "$e/$tgt" "$ref") ;;
            *:lf-split)
                rate=$(lf_rate "$label" "$BUILD/fuzz-lf-split/bin/fuzz_$tgt" "$tgt" \
                    "$FUZZ_LF_SPLIT_RUNS")
                ;;
            *:afl-persistent)
                rate=$(afl_rate "$label" persistent "$BUILD/fuzz-afl/bin/fuzz_$tgt" "$tgt")
                ;;
            *:afl-fork) rate=$(afl_rate "$label" fork "$BUILD/fuzz-afl/bin/plain/fuzz_$tgt" "$tgt") ;;
            esac
            samples[$name]+="$rate"$'\n'
        done
    done
    declare -A med=()
    for name in "${names[@]}"; do
        med[$name]=$(ph_median <<<"${samples[$name]%$'\n'}")
    done
    ratio() { ph_stat ratio "$1" "$2"; }
    # The median of FIELD over NAME's raw lines.
    raw_median() { ph_stat raw-median "$1" "$2" "$FUZZ_RAW"; }
    # Reference points "EDGES EXEC/S": the empty target (one edge) and edges-N, on REF's corpus.
    local points="1 ${med[$ref:lf-empty]}"$'\n'
    for n in "${FUZZ_EDGE_COUNTS[@]}"; do points+="$n ${med[edges-$n:lf-ref]}"$'\n'; done
    # floor EDGES: the /empty ratio of a target that only touched EDGES edges per run: time
    # per run interpolated linearly between the reference points (extrapolated past them).
    floor() {
        ph_stat floor "$1" <<<"${points%$'\n'}"
    }
    echo
    echo "libFuzzer exec/s, median of $rounds interleaved rounds (no sanitizers, -O2):"
    echo "$FUZZ_LF_RUNS runs ($FUZZ_LF_SPLIT_RUNS with the split oracle) from the target's corpus,"
    echo "warmed by $FUZZ_WARM_RUNS runs, on tmpfs, every input kept (-keep_seed=1); 'empty' is the"
    echo "empty target on that same corpus; exec/s from the end of corpus loading to the last run"
    echo "('whole': of the whole process, for comparison). edges and cmps: distinct edges hit and"
    echo "compares traced per run over the warmed corpus (bench/fuzz_cost.c); floor: the /empty of"
    echo "a target that did nothing but hit that many edges (the reference rows below)."
    printf '%-18s %5s %5s %6s %6s %10s %10s %6s %6s %6s %9s %6s\n' target files avg_B edges \
        cmps exec/s empty /empty whole floor "+split" /empty
    local missed=() size c r_lf r_pf r_whole
    for t in "${FUZZ_TARGETS[@]}"; do
        local lf le lfs
        lf=${med[$t:lf]} le=${med[$t:lf-empty]} lfs=${med[$t:lf-split]}
        read -r -a size <<<"$(fuzz_corpus_size "$t")"
        read -r -a c <<<"${cost[$t]}"
        r_lf=$(ratio "$lf" "$le")
        r_whole=$(ratio "$(raw_median "$t:lf" rate)" "$(raw_median "$t:lf-empty" rate)")
        printf '%-18s %5s %5s %6s %6s %10.0f %10.0f %6s %6s %6s %9.0f %6s\n' "$t" "${size[0]}" \
            "${size[1]}" "${c[0]}" "${c[1]}" "$lf" "$le" "$r_lf" "$r_whole" "$(floor "${c[0]}")" \
            "$lfs" "$(ratio "$lfs" "$le")"
        ph_stat check "$r_lf" lt 0.5 && missed+=("$t: libFuzzer ${r_lf} of empty (< 0.50)")
    done
    if [ ${#bare[@]} -gt 0 ]; then
        echo
        echo "HTTP request parsers alone under libFuzzer, same rounds, on http_request's corpus:"
        echo "http_parse_request without the target's checks (bench/fuzz_bare_http_request.c), and"
        echo "llhttp doing the same work, built and instrumented the same way (bench/fuzz_bare_llhttp.c)."
        printf '%-18s %6s %6s %10s %6s %6s\n' parser edges cmps exec/s /empty floor
        for n in "${bare[@]}"; do
            read -r -a c <<<"${cost[bare-$n]}"
            printf '%-18s %6s %6s %10.0f %6s %6s\n' "$n" "${c[0]}" "${c[1]}" \
                "${med[bare-$n:lf-ref]}" "$(ratio "${med[bare-$n:lf-ref]}" "${med[$ref:lf-empty]}")" \
                "$(floor "${c[0]}")"
        done
    fi
    echo
    echo "AFL++ exec/s, same rounds: from the committed seeds, $FUZZ_AFL_PERSISTENT_EXECS executions"
    echo "in persistent mode (shared-memory test cases), $FUZZ_AFL_FORK_EXECS under the forkserver (@@)."
    printf '%-18s %11s %9s %9s\n' target persistent fork pers/fork
    for t in "${FUZZ_TARGETS[@]}" empty; do
        local ap=${med[$t:afl-persistent]} af=${med[$t:afl-fork]}
        r_pf=$(ratio "$ap" "$af")
        printf '%-18s %11.0f %9.0f %8sx\n' "$([ "$t" = empty ] && echo "(empty target)" || echo "$t")" \
            "$ap" "$af" "$r_pf"
        if [ "$t" != empty ] && ph_stat check "$r_pf" lt 10; then
            missed+=("$t: AFL++ persistent/fork ${r_pf}x (< 10x)")
        fi
    done
    echo
    echo "libFuzzer's bookkeeping per hit edge: reference targets that hit N distinct edges per run"
    echo "and do nothing else (tests/fuzz/fuzz_edges.c), on $ref's corpus, same rounds."
    printf '%-18s %10s %6s %9s\n' "edges per run" exec/s /empty us/run
    while read -r n rate; do
        printf '%-18s %10.0f %6s %9.3f\n' "$n$([ "$n" = 1 ] && echo " (empty)")" "$rate" \
            "$(ratio "$rate" "${med[$ref:lf-empty]}")" "$(ph_stat usecs "$rate")"
    done <<<"${points%$'\n'}"
    echo
    echo "targets: libFuzzer >= 0.50 of the empty target (split oracle off); AFL++ persistent >= 10x fork"
    if [ ${#missed[@]} -eq 0 ]; then
        echo "all targets met"
    else
        printf 'target NOT met: %s\n' "${missed[@]}"
    fi
    echo "raw lines: $FUZZ_RAW"
}

while [ $# -gt 0 ]; do
    case $1 in
    --rounds) ph_bench_rounds "${2:-}" && shift 2 ;;
    --targets)
        if [ $# -lt 2 ] || ! [[ $2 =~ ^[a-z0-9_]+(,[a-z0-9_]+)*$ ]]; then
            ph_bench_usage
        fi
        FUZZ_ONLY=$2
        shift 2
        ;;
    *) ph_bench_usage ;;
    esac
done
bench_fuzz

#!/usr/bin/env bash
# Benchmarks, one area per first argument:
#
#     ci/bench.sh http [--rounds N] [--no-callgrind]  http_parse_request and http_decode_chunked
#                                                   vs libhttp-parser, llhttp, picohttpparser
#                                                   (PICO_DIR=checkout) with instructions/request
#     ci/bench.sh fuzz [--rounds N] [--targets a,b] exec/s of every fuzz target vs an empty one,
#                                                   libFuzzer and AFL++ persistent vs forkserver
#     ci/bench.sh store [--rounds N] [--quick]      ph-store vs a discard loop and the disk
#     ci/bench.sh httpd [--rounds N] [--seconds S] [--connections C]
#                                                   ph-httpd vs nginx (one worker) under wrk
#     ci/bench.sh chao [--rounds N] [--seconds S]   CHAO decode rate; ph-chao serve's ring vs
#                                                   recvmsg over a veth pair (root)
#     ci/bench.sh diff [--seconds S]                request streams/s through ph-diff, each
#                                                   server alone and all together (ci/bench_diff.sh)
#
# Each area builds what it measures in build/bench (Release, -O2, no sanitizers, no tests),
# runs the contenders interleaved for N rounds (default 5, at least 3) and prints the median
# of each. This VM's timings swing by +-30% from run to run; a median of interleaved rounds
# is what stays comparable. docs/bench.md says what each input is and how numbers are made.
#
# Exit status: 0 when the benchmark ran (a missed target is printed, not an error), 64 on a
# usage error, anything else when setup, the build or a benchmark program failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=build/bench
ROUNDS=5
ROUNDS_SET=0
CALLGRIND=1 # http: instructions per request by default; --no-callgrind skips them
QUICK=0

usage() {
    cat >&2 <<'EOF'
usage: ci/bench.sh AREA [--rounds N] [--quick] [--no-callgrind] [--targets a,b]
  AREA: http   http_parse_request (every build) vs libhttp-parser, llhttp and, with
               PICO_DIR=checkout, picohttpparser plain and -msse4.2 on browser, minimal,
               corpus/http_request; http_decode_chunked vs phr_decode_chunked on
               chunked-small and chunked-large; instructions per request with callgrind
        fuzz   exec/s of every fuzz target vs an empty target: libFuzzer (split oracle off
               and on) from a warmed corpus on tmpfs, the empty target on the same corpus,
               edges and traced compares per run, reference targets of 10-160 edges;
               AFL++ persistent shared memory vs forkserver (@@) (3 rounds unless --rounds)
        store  ph-store's acknowledged cases/s next to a discard loop on the same socket
               type and the disk's fdatasync write rate (3 rounds unless --rounds)
        httpd  wrk against ph-httpd and nginx with one worker, same page, pinned cores
               (ci/bench_httpd.sh: --rounds N, --seconds S, --connections C)
        chao   the CHAO core's decode rate, and frames/s ph-chao serve receives over a veth
               pair between two namespaces, TPACKET_V3 ring vs recvmsg, with and without
               RPS, with drops (ci/bench_chao.sh: --rounds N, --seconds S; root)
        diff   request streams/s through ph-diff: every server alone, then all together,
               and which one limits the rate (ci/bench_diff.sh: --seconds S)
  --rounds N   interleaved rounds per input, N >= 3 (default 5); medians are reported
  --quick      store: shorter loads and a 200000-case burst instead of 1 million
  --targets a,b  fuzz: only these targets (names of harness/fuzz_<name>.c), to iterate
  --no-callgrind  http: skip the instruction counts (valgrind; the steady numbers)
  --callgrind  http: count them (the default; kept for old command lines)
EOF
    exit 64
}

# Installs packages, configures build/bench once per call and builds only the named targets.
BENCH_CMAKE_ARGS=() # more -D options for build/bench, set by an area
build_targets() {
    "$ROOT/ci/setup.sh"
    mkdir -p "$BUILD"
    cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS=-O2 \
        -DPH_BUILD_TESTS=OFF -DPH_SANITIZE= "${BENCH_CMAKE_ARGS[@]}" >"$BUILD/configure.log" 2>&1 || {
        cat "$BUILD/configure.log" >&2
        echo "bench: cmake configure failed" >&2
        exit 1
    }
    # Build chatter goes to stderr: stdout is the table alone.
    cmake --build "$BUILD" --parallel "$(nproc)" --target "$@" >&2
}

# Median of the numbers on stdin, one per line; the mean of the middle two for an even count.
median() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.3f\n", m }'
}

# The value of key=value in a ph-bench-* output line.
field() {
    local key=$1 line=$2
    sed -n "s/.* $key=\([^ ]*\).*/\1/p" <<<"$line"
}

# ---- http ------------------------------------------------------------------------------

# picohttpparser is not in Debian: PICO_DIR=/path/to/checkout adds its rows (compiled in
# build/bench only, never into the tree); without it they are skipped, and the table says so.
PICO_DIR=${PICO_DIR:-}
HTTP_INPUTS=(browser minimal corpus:corpus/http_request chunked-small chunked-large)

bench_http() {
    BENCH_CMAKE_ARGS=("-DPH_PICO_DIR=$PICO_DIR")
    if [ -n "$PICO_DIR" ] && [ ! -f "$PICO_DIR/picohttpparser.c" ]; then
        echo "bench: PICO_DIR=$PICO_DIR has no picohttpparser.c" >&2
        exit 1
    fi
    build_targets ph-bench-http
    # CMakeLists.txt only declares the target when it finds libhttp-parser.
    local bin=$BUILD/bin/ph-bench-http
    if [ ! -x "$bin" ]; then
        echo "bench: $bin was not built: is libhttp-parser-dev installed (ci/setup.sh)?" >&2
        exit 1
    fi

    local raw=$BUILD/http-raw.txt
    : >"$raw"
    local input parser round line rc
    declare -A rps=() mbs=() note=() parsers=()
    for input in "${HTTP_INPUTS[@]}"; do
        parsers[$input]=$("$bin" --list "$input" | tr '\n' ' ')
    done

    # Every round runs every parser on every input, each in its own process, so a slow
    # phase of the VM hits all of them alike; the table shows the median of the rounds.
    for ((round = 1; round <= ROUNDS; round++)); do
        echo "bench: http round $round/$ROUNDS" >&2
        for input in "${HTTP_INPUTS[@]}"; do
            [ -n "${note[$input]:-}" ] && [ -z "${rps[$input:ours]:-}" ] && continue
            for parser in ${parsers[$input]}; do
                rc=0
                line=$("$bin" --parser "$parser" "$input") || rc=$?
                if [ "$rc" -eq 66 ]; then
                    note[$input]="no request head every parser accepts"
                    break
                elif [ "$rc" -ne 0 ]; then
                    echo "bench: ph-bench-http --parser $parser $input failed (exit $rc)" >&2
                    exit 1
                fi
                echo "$line" >>"$raw"
                rps[$input:$parser]+="$(field req_per_s "$line")"$'\n'
                mbs[$input:$parser]+="$(field mb_per_s "$line")"$'\n'
                if [[ $input == corpus:* ]]; then
                    note[$input]="$(field inputs "$line") heads every parser accepts, $(field skipped "$line") files skipped"
                fi
            done
        done
    done

    declare -A instr=()
    if [ "$CALLGRIND" -eq 1 ]; then
        http_instructions "$bin" instr
    fi

    local isa pico_note=""
    isa=$("$bin" --isa)
    [ -z "$PICO_DIR" ] && pico_note="picohttpparser rows skipped: no PICO_DIR given (PICO_DIR=/path/to/checkout ci/bench.sh http)"
    echo
    echo "HTTP parsing, median of $ROUNDS interleaved rounds (MB = 10^6 bytes)."
    echo "ours = http_parse_request as shipped, which runs its $isa build on this CPU; ours-<isa> = one"
    echo "build forced. ours/this = ours's req/s over this row's. Load: whatever else runs on the machine."
    [ -n "$pico_note" ] && echo "$pico_note"
    declare -A med=()
    for input in "${HTTP_INPUTS[@]}"; do
        echo
        echo "$input${note[$input]:+   (${note[$input]})}"
        [ -z "${rps[$input:ours]:-}" ] && continue
        printf '  %-13s %13s %10s %11s %9s\n' parser "req/s" "MB/s" "instr/req" "ours/this"
        local o_rps
        o_rps=$(median <<<"${rps[$input:ours]%$'\n'}")
        for parser in ${parsers[$input]}; do
            local r m ratio
            r=$(median <<<"${rps[$input:$parser]%$'\n'}")
            m=$(median <<<"${mbs[$input:$parser]%$'\n'}")
            med[$input:$parser]=$r
            ratio=$(awk -v a="$o_rps" -v b="$r" 'BEGIN { printf "%.2f", a / b }')
            printf '  %-13s %13.0f %10.1f %11s %8sx\n' "$parser" "$r" "$m" \
                "${instr[$input:$parser]:--}" "$ratio"
        done
    done
    echo
    http_targets med
    echo "raw lines: $raw"
}

# The issue's targets: ours at least picohttpparser -msse4.2 on browser and at least
# picohttpparser's best build on minimal, in this run; ours at least pico's decoder.
http_targets() {
    local -n m=$1
    if [ -z "$PICO_DIR" ]; then
        echo "targets against picohttpparser: not measured (no PICO_DIR)"
        return
    fi
    local best_min
    best_min=$(awk -v a="${m[minimal:pico]}" -v b="${m[minimal:pico-sse42]:-0}" \
        'BEGIN { print (a > b ? a : b) }')
    http_target "browser: ours vs pico-sse42" "${m[browser:ours]}" "${m[browser:pico-sse42]:-}"
    http_target "minimal: ours vs pico's best" "${m[minimal:ours]}" "$best_min"
    http_target "chunked-small: ours vs pico" "${m[chunked-small:ours]}" "${m[chunked-small:pico]}"
    http_target "chunked-large: ours vs pico" "${m[chunked-large:ours]}" "${m[chunked-large:pico]}"
}

http_target() {
    local what=$1 ours=$2 theirs=$3 verdict="NOT met"
    if [ -z "$theirs" ]; then
        echo "target $what: not measured"
        return
    fi
    awk -v a="$ours" -v b="$theirs" 'BEGIN { exit !(a >= b) }' && verdict=met
    printf 'target %s: %.2fx, %s\n' "$what" "$(awk -v a="$ours" -v b="$theirs" 'BEGIN { print a / b }')" "$verdict"
}

# Instructions per request (or per body) of every parser on every built-in input, which
# unlike time do not move with the machine's load. Two iteration counts, so start-up and
# the input checks cancel out of the difference. Fills the associative array named $2.
http_instructions() {
    local bin=$1 input parser lo hi n1 n2 count
    local -n out=$2
    if ! command -v valgrind >/dev/null; then
        echo "bench: instruction counts need valgrind (apt-get install valgrind); skipped" >&2
        return
    fi
    for input in browser minimal chunked-small chunked-large; do
        n1=2000 n2=4000
        [[ $input == chunked-* ]] && n1=100 n2=200
        for parser in $("$bin" --list "$input"); do
            echo "bench: callgrind $parser $input" >&2
            lo=$(http_callgrind "$bin" "$parser" "$n1" "$input")
            hi=$(http_callgrind "$bin" "$parser" "$n2" "$input")
            if [ -z "$lo" ] || [ -z "$hi" ]; then
                # valgrind 3.19 has no PCMPESTRI with picohttpparser's ranges (imm8 0x04)
                out[$input:$parser]="n/a"
                continue
            fi
            count=$(((hi - lo) / (n2 - n1)))
            out[$input:$parser]=$count
        done
    done
}

# The instructions callgrind counts for one run, or nothing when the run failed.
http_callgrind() {
    local bin=$1 parser=$2 iters=$3 input=$4 log
    log=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        "$bin" --parser "$parser" --iters "$iters" "$input" 2>&1 >/dev/null) || return 0
    sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' <<<"$log"
}

# ---- fuzz ------------------------------------------------------------------------------

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
    clang -O2 $cflags -isystem "$llhttp_include" bench/fuzz_bare_llhttp.c \
        "$dir/lib/libph_peer_llhttp.a" $link -o "$out/bare-llhttp" >&2
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
    echo "$(field edges_per_run " $line") $(field cmps_per_run " $line")"
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
# Prints "LOOP_EXECS LOOP_S EXECS S": the executions and seconds from
# the end of corpus loading (libFuzzer's INITED line) to DONE, then of the whole process.
# The log goes to FUZZ_TMP/last.log, and its end to stderr on failure.
lf_run() {
    local bin=$1 dir=$2 runs=$3 log=$FUZZ_TMP/last.log start=$EPOCHREALTIME
    {
        "$bin" -runs="$runs" -seed=1 -keep_seed=1 -max_len=4096 -timeout=30 "$dir" 2>&1
        echo "bench: exit $?"
    } | {
        # Lines are stamped as they arrive: libFuzzer writes them unbuffered.
        local line t0='' t1='' n0='' n1='' rc=1
        while IFS= read -r line; do
            printf '%s\n' "$line"
            case $line in
            '#'*INITED*) t0=$EPOCHREALTIME n0=${line%%[[:space:]]*} ;;
            '#'*DONE*) t1=$EPOCHREALTIME n1=${line%%[[:space:]]*} ;;
            'bench: exit '*) rc=${line#bench: exit } ;;
            esac
        done >"$log"
        if [ "$rc" != 0 ] || [ -z "$t0" ] || [ -z "$t1" ]; then
            echo "bench: $bin failed:" >&2
            tail "$log" >&2
            exit 1
        fi
        awk -v n0="${n0#\#}" -v n1="${n1#\#}" -v t0="$t0" -v t1="$t1" -v s="$start" \
            -v e="$EPOCHREALTIME" \
            'BEGIN { printf "%d %.6f %d %.6f\n", n1 - n0, t1 - t0, n1, e - s }'
    }
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
    awk -v l="$label" '{ printf "%s loop_execs=%d loop_s=%.3f loop_rate=%.0f", l, $1, $2, $1 / $2
        printf " execs=%d s=%.3f rate=%.0f\n", $3, $4, $3 / $4 }' <<<"$times" >>"$FUZZ_RAW"
    awk '{ printf "%.0f\n", $1 / $2 }' <<<"$times"
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
    awk -F' *: *' -v want="$execs" -v bin="$bin" -v l="$label" -v raw="$FUZZ_RAW" '
        $1 == "execs_done" { e = $2 } $1 == "execs_per_sec" { r = $2 }
        END {
            printf "%s execs=%d rate=%.0f\n", l, e, r >>raw
            if (e < want) {
                printf "bench: afl-fuzz on %s stopped after %d of %d executions\n", bin, e,
                    want > "/dev/stderr"
                print "nan"
            } else {
                printf "%.0f\n", r
            }
        }' "$out/default/fuzzer_stats"
}

# Files and mean bytes of TARGET's warmed corpus, as "N B".
fuzz_corpus_size() {
    find "$FUZZ_TMP/warm/$1" -type f -printf '%s\n' |
        awk '{ n++; b += $1 } END { printf "%d %.0f\n", n, n ? b / n : 0 }'
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
        med[$name]=$(median <<<"${samples[$name]%$'\n'}")
    done
    local ratio
    ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }
    # The median of FIELD over NAME's raw lines.
    raw_median() { grep -F " $1 " "$FUZZ_RAW" | sed -n "s/.* $2=\([^ ]*\).*/\1/p" | median; }
    # Reference points "EDGES EXEC/S": the empty target (one edge) and edges-N, on REF's corpus.
    local points="1 ${med[$ref:lf-empty]}"$'\n'
    for n in "${FUZZ_EDGE_COUNTS[@]}"; do points+="$n ${med[edges-$n:lf-ref]}"$'\n'; done
    # floor EDGES: the /empty ratio of a target that only touched EDGES edges per run: time
    # per run interpolated linearly between the reference points (extrapolated past them).
    floor() {
        awk -v e="$1" '{ x[NR] = $1; t[NR] = 1 / $2 } END {
            i = 2
            while (i < NR && x[i] < e) i++
            f = t[i - 1] + (t[i] - t[i - 1]) * (e - x[i - 1]) / (x[i] - x[i - 1])
            printf "%.2f", t[1] / f }' <<<"${points%$'\n'}"
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
        awk -v r="$r_lf" 'BEGIN { exit !(r < 0.5) }' && missed+=("$t: libFuzzer ${r_lf} of empty (< 0.50)")
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
        if [ "$t" != empty ] && awk -v r="$r_pf" 'BEGIN { exit !(r < 10) }'; then
            missed+=("$t: AFL++ persistent/fork ${r_pf}x (< 10x)")
        fi
    done
    echo
    echo "libFuzzer's bookkeeping per hit edge: reference targets that hit N distinct edges per run"
    echo "and do nothing else (tests/fuzz/fuzz_edges.c), on $ref's corpus, same rounds."
    printf '%-18s %10s %6s %9s\n' "edges per run" exec/s /empty us/run
    while read -r n rate; do
        printf '%-18s %10.0f %6s %9.3f\n' "$n$([ "$n" = 1 ] && echo " (empty)")" "$rate" \
            "$(ratio "$rate" "${med[$ref:lf-empty]}")" "$(awk -v r="$rate" 'BEGIN { printf "%.3f", 1e6 / r }')"
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

# ---- store -----------------------------------------------------------------------------

# ph-store against its two limits (docs/bench.md). Durable runs keep their corpus on the disk
# the issue's numbers are about (build/bench/store-corpus) and, labelled, on a tmpfs.
STORE_SIZES=(64 1024 65536)
STORE_CLIENTS=(1 16 64)
# bytes per write, writes per fdatasync, O_DIRECT (as ph-store's log) or through the page cache
STORE_DISK_ROWS=("65536 16 0" "1048576 8 0" "1048576 64 0" "65536 16 1" "1048576 8 1" "1048576 64 1")
STORE_SECONDS=0.5                                      # per load; --quick: 0.2
STORE_BURST=1000000                                    # the target's burst; --quick: 200000

# Starts ph-store on a fresh corpus and waits until it serves; sets STORE_PID.
store_start() {
    local corpus=$1 log=$2
    "$STORE_BIN" --corpus "$corpus" --socket "$STORE_SOCK" 2>"$log" &
    STORE_PID=$!
    for _ in $(seq 400); do
        grep -q serving "$log" && return 0
        kill -0 "$STORE_PID" 2>/dev/null || break
        sleep 0.025
    done
    echo "bench: ph-store did not start:" >&2
    cat "$log" >&2
    exit 1
}

# After a load: the daemon's counters (SIGUSR1) and its threads' CPU time, then kill -9,
# because a clean stop would first write out the whole backlog, which is not what is timed.
# Sets STORE_EXTRA to "daemon_cpu_s=... other_threads_cpu_s=... backlog=...".
store_stop() {
    local log=$1 tick t f main=0 mat=0 backlog=nan
    kill -USR1 "$STORE_PID"
    for _ in $(seq 100); do
        grep -q 'stats (SIGUSR1)' "$log" && break
        sleep 0.02
    done
    tick=$(getconf CLK_TCK)
    for t in /proc/"$STORE_PID"/task/*; do
        f=$(<"$t/stat")
        read -ra f <<<"${f##*) }" # fields from the 3rd on: utime, stime are the 14th, 15th
        if [ "${t##*/}" = "$STORE_PID" ]; then
            main=$((f[11] + f[12]))
        else
            mat=$((mat + f[11] + f[12]))
        fi
    done
    kill -9 "$STORE_PID"
    wait "$STORE_PID" 2>/dev/null || true
    STORE_PID=
    backlog=$(sed -n 's/.*stats (SIGUSR1).* backlog \([0-9]*\) cases.*/\1/p' "$log" | tail -1)
    STORE_EXTRA=$(awk -v a="$main" -v b="$mat" -v t="$tick" -v q="${backlog:-nan}" \
        'BEGIN { printf "daemon_cpu_s=%.2f other_threads_cpu_s=%.2f backlog=%s", a / t, b / t, q }')
}

# The daemon's main thread: nanoseconds on a CPU, waiting for one (runnable), and the
# clock, as "run wait now" (/proc/PID/schedstat; "0 0 0" where the kernel lacks it).
store_schedstat() {
    local st run wt
    st=$(cat /proc/"$STORE_PID"/schedstat 2>/dev/null) || st=
    if [ -z "$st" ]; then
        echo "0 0 0"
        return
    fi
    read -r run wt _ <<<"$st"
    echo "$run $wt $(date +%s%N)"
}

# store_sample KEY LINE: keeps LINE and adds its numbers to the samples of KEY.
store_sample() {
    local key=$1 line=$2 k
    echo "$key $line" >>"$STORE_RAW"
    for k in cases_per_s mb_per_s cpu_s daemon_cpu_s other_threads_cpu_s backlog cases stored \
        main_run_pct main_wait_pct main_blocked_pct; do
        STORE_S[$key:$k]+="$(field "$k" " $line")"$'\n'
    done
}

# store_load KEY WHERE ARGS...: one ph-bench-store store run against a fresh daemon whose
# corpus is on WHERE (disk: a new folder per run, deleted at the end; tmpfs: deleted now).
store_load() {
    local key=$1 where=$2 line rc=0 corpus log
    shift 2
    STORE_RUNS=$((STORE_RUNS + 1))
    log=$STORE_LOGS/run-$STORE_RUNS.log
    if [ "$where" = tmpfs ]; then
        corpus=$STORE_TMPFS/run-$STORE_RUNS
    else
        corpus=$STORE_DISK/run-$STORE_RUNS
    fi
    store_start "$corpus" "$log"
    local s0 s1
    s0=$(store_schedstat)
    line=$("$STORE_LOAD" store --socket "$STORE_SOCK" --seed "$STORE_RUNS" "$@") || rc=$?
    s1=$(store_schedstat)
    store_stop "$log"
    if [ "$rc" -ne 0 ]; then
        echo "bench: ph-bench-store store $* failed (exit $rc); daemon log: $log" >&2
        exit 1
    fi
    STORE_EXTRA+=$(awk -v a="$s0" -v b="$s1" 'BEGIN {
        split(a, x); split(b, y); w = y[3] - x[3]
        if (w <= 0) { print " main_run_pct=nan main_wait_pct=nan main_blocked_pct=nan"; exit }
        r = (y[1] - x[1]) / w * 100; q = (y[2] - x[2]) / w * 100
        printf " main_run_pct=%.0f main_wait_pct=%.0f main_blocked_pct=%.0f", r, q, 100 - r - q }')
    store_sample "$key" "$line $STORE_EXTRA"
    if [ "$where" = tmpfs ]; then
        rm -rf "$corpus"
    else
        mv "$corpus" "$STORE_TRASH/"
    fi
}

# store_limit KEY ARGS...: one ph-bench-store discard or disk run.
store_limit() {
    local key=$1 line rc=0
    shift
    line=$("$STORE_LOAD" "$@") || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "bench: ph-bench-store $* failed (exit $rc)" >&2
        exit 1
    fi
    store_sample "$key" "$line"
}

store_med() { median <<<"${STORE_S[$1]%$'\n'}"; }
store_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }

# Deletes what the runs left on the disk: in the background and gently, since mass
# deletion on this disk slows file creation for minutes. The tmpfs goes now.
store_cleanup() {
    if [ -n "${STORE_PID:-}" ]; then
        kill -9 "$STORE_PID" 2>/dev/null || true
        wait "$STORE_PID" 2>/dev/null || true
    fi
    [ -n "${STORE_MOUNTED:-}" ] && umount -l "$STORE_TMPFS" 2>/dev/null
    rm -rf "${STORE_SOCK_DIR:?}"
    if [ -d "${STORE_TRASH:-}" ]; then
        nohup nice -n 19 ionice -c 3 rm -rf "$STORE_TRASH" >/dev/null 2>&1 &
    fi
}

bench_store() {
    build_targets ph-store ph-bench-store
    local rounds=$ROUNDS
    [ "$ROUNDS_SET" = 1 ] || rounds=3 # a round takes about two minutes
    if [ "$QUICK" = 1 ]; then
        STORE_SECONDS=0.2
        STORE_BURST=200000
    fi
    STORE_BIN=$BUILD/bin/ph-store
    STORE_LOAD=$BUILD/bin/ph-bench-store
    STORE_DISK=$BUILD/store-corpus
    STORE_TMPFS=$BUILD/store-tmpfs
    STORE_LOGS=$BUILD/store-logs
    STORE_RAW=$BUILD/store-raw.txt
    STORE_RUNS=0
    STORE_PID=
    STORE_MOUNTED=
    declare -gA STORE_S=()
    # Leftovers of an earlier run would slow this one's file creation: gone first.
    if [ -d "$STORE_DISK" ] && [ -n "$(ls -A "$STORE_DISK")" ]; then
        echo "bench: deleting what an earlier run left in $STORE_DISK" >&2
        rm -rf "$STORE_DISK"
    fi
    rm -rf "$STORE_LOGS"
    mkdir -p "$STORE_DISK" "$STORE_LOGS" "$STORE_TMPFS"
    STORE_TRASH=$STORE_DISK/trash
    mkdir -p "$STORE_TRASH"
    STORE_SOCK_DIR=$(mktemp -d /tmp/ph-bench-store.XXXXXX) # socket paths must stay short
    STORE_SOCK=$STORE_SOCK_DIR/store.sock
    trap store_cleanup EXIT
    if mountpoint -q "$STORE_TMPFS" ||
        { mount -t tmpfs -o size=6g tmpfs "$STORE_TMPFS" 2>/dev/null && STORE_MOUNTED=1; }; then
        local have_tmpfs=1
    else
        local have_tmpfs=0
        echo "bench: cannot mount a tmpfs at $STORE_TMPFS (not root?): no tmpfs runs" >&2
    fi
    : >"$STORE_RAW"

    local round size clients row chunk every s=$STORE_SECONDS
    local load=(--seconds "$s")
    for ((round = 1; round <= rounds; round++)); do
        for size in "${STORE_SIZES[@]}"; do
            for clients in "${STORE_CLIENTS[@]}"; do
                echo "bench: store round $round/$rounds, $size-byte cases, $clients clients (${SECONDS}s)" >&2
                local c=(--clients "$clients" --size "$size" "${load[@]}")
                store_limit "discard:$size:$clients" discard --socket "$STORE_SOCK_DIR/d.sock" "${c[@]}"
                store_limit "reply:$size:$clients" discard --reply --socket "$STORE_SOCK_DIR/d.sock" "${c[@]}"
                store_load "disk:$size:$clients" disk "${c[@]}"
                [ "$have_tmpfs" = 1 ] && store_load "tmpfs:$size:$clients" tmpfs "${c[@]}"
                store_load "dup:$size:$clients" disk "${c[@]}" --duplicates
            done
        done
        for row in "${STORE_DISK_ROWS[@]}"; do
            read -r chunk every direct <<<"$row"
            local how=()
            [ "$direct" = 1 ] && how=(--direct)
            store_limit "fsync:$chunk:$every:$direct" disk --dir "$STORE_DISK" --chunk "$chunk" \
                --sync-every "$every" "${how[@]}" --seconds "$s"
        done
        echo "bench: store round $round/$rounds, burst of $STORE_BURST cases (${SECONDS}s)" >&2
        store_load burst:disk disk --clients 16 --size 1024 --cases "$STORE_BURST"
        [ "$have_tmpfs" = 1 ] && store_load burst:tmpfs tmpfs --clients 16 --size 1024 --cases "$STORE_BURST"
    done
    store_report "$rounds" "$have_tmpfs"
}

store_report() {
    local rounds=$1 have_tmpfs=$2 size clients key fs
    fs=$(df --output=fstype,source "$STORE_DISK" | tail -1 | awk '{ print $1 " on " $2 }')
    echo
    echo "ph-store, median of $rounds interleaved rounds, ${STORE_SECONDS} s of sending per load"
    echo "cases/s: acknowledged cases per second (limit 1: packets received); MB = 10^6 case bytes"
    echo "corpus: $STORE_DISK ($fs), or a tmpfs at $STORE_TMPFS"
    echo
    printf '%15s| %-19s | %-36s | %-17s |\n' "" "limit 1" "ph-store, distinct cases (durable)" \
        "ph-store, all-dup"
    printf '%15s| %9s %9s | %-17s  %-17s | %-17s | %7s\n' "" "discard" "reply" "corpus on disk" \
        "corpus on tmpfs" "(no disk)" "dup/"
    printf '%6s %7s | %9s %9s | %9s %7s  %9s %7s | %9s %7s | %7s\n' size clients cases/s \
        "64 in fl." cases/s MB/s cases/s MB/s cases/s MB/s discard
    for size in "${STORE_SIZES[@]}"; do
        for clients in "${STORE_CLIENTS[@]}"; do
            key=$size:$clients
            local dis rep dc dm tc=nan tm=nan uc um
            dis=$(store_med "discard:$key:cases_per_s")
            rep=$(store_med "reply:$key:cases_per_s")
            dc=$(store_med "disk:$key:cases_per_s")
            dm=$(store_med "disk:$key:mb_per_s")
            if [ "$have_tmpfs" = 1 ]; then
                tc=$(store_med "tmpfs:$key:cases_per_s")
                tm=$(store_med "tmpfs:$key:mb_per_s")
            fi
            uc=$(store_med "dup:$key:cases_per_s")
            um=$(store_med "dup:$key:mb_per_s")
            printf '%6s %7s | %9.0f %9.0f | %9.0f %7.1f  %9.0f %7.1f | %9.0f %7.1f | %7s\n' \
                "$size" "$clients" "$dis" "$rep" "$dc" "$dm" "$tc" "$tm" "$uc" "$um" \
                "$(store_ratio "$uc" "$dis")"
        done
    done

    echo
    echo "limit 2: sequential writes + fdatasync into a new file in $STORE_DISK (the best row)"
    printf '%12s %12s %-12s %9s\n' "bytes/write" "writes/sync" "I/O" "MB/s"
    local row chunk every direct io m disk_best=0 disk_best_row=""
    for row in "${STORE_DISK_ROWS[@]}"; do
        read -r chunk every direct <<<"$row"
        io=buffered
        [ "$direct" = 1 ] && io=O_DIRECT
        m=$(store_med "fsync:$chunk:$every:$direct:mb_per_s")
        printf '%12s %12s %-12s %9.1f\n' "$chunk" "$every" "$io" "$m"
        if awk -v a="$m" -v b="$disk_best" 'BEGIN { exit !(a > b) }'; then
            disk_best=$m
            disk_best_row="$chunk x $every $io"
        fi
    done

    echo
    echo "burst: $STORE_BURST distinct 1 KiB cases from 16 clients, until the last ack"
    printf '%-6s %9s %7s %11s | %-30s | %s\n' corpus cases/s MB/s "files/s" \
        "daemon main thread: % of time" "CPU us: main/case, log+materializer/file, clients/case"
    printf '%-6s %9s %7s %11s | %8s %10s %10s |\n' "" "" "" "(corpus)" running "CPU-wait" blocked
    local where
    for where in disk tmpfs; do
        [ "$where" = tmpfs ] && [ "$have_tmpfs" = 0 ] && continue
        store_burst_row "$where"
    done
    echo "files/s: corpus files the materializer wrote while the clients ran; CPU-wait: runnable,"
    echo "waiting for a CPU; blocked: in fdatasync or waiting for packets (/proc/PID/schedstat)"

    echo
    echo "daemon main thread, distinct cases, corpus on disk: % of time running / CPU-wait / blocked"
    printf '%6s' size
    for clients in "${STORE_CLIENTS[@]}"; do printf ' %18s' "$clients clients"; done
    echo
    for size in "${STORE_SIZES[@]}"; do
        printf '%6s' "$size"
        for clients in "${STORE_CLIENTS[@]}"; do
            key=disk:$size:$clients
            printf ' %18s' "$(store_med "$key:main_run_pct" | xargs printf '%.0f') / $(
                store_med "$key:main_wait_pct" | xargs printf '%.0f') / $(
                store_med "$key:main_blocked_pct" | xargs printf '%.0f')"
        done
        echo
    done

    echo
    local burst dup dis r64 best64=0 best64_clients=""
    burst=$(store_med burst:disk:cases_per_s)
    dup=$(store_med dup:1024:16:cases_per_s)
    dis=$(store_med discard:1024:16:cases_per_s)
    for clients in "${STORE_CLIENTS[@]}"; do
        m=$(store_med "disk:65536:$clients:mb_per_s")
        if awk -v a="$m" -v b="$best64" 'BEGIN { exit !(a > b) }'; then
            best64=$m
            best64_clients=$clients
        fi
    done
    r64=$(store_ratio "$best64" "$disk_best")
    echo "targets (ratios of medians)"
    store_target "distinct durable 1 KiB cases/s, 16 clients, burst of $STORE_BURST, disk" \
        "$(printf '%.0f' "$burst")" 100000
    [ "$STORE_BURST" -ge 1000000 ] ||
        echo "  (--quick: a burst under the 1 million cases the target asks for)"
    store_target "all-duplicate / discard loop, 1 KiB, 16 clients" \
        "$(store_ratio "$dup" "$dis")" 0.50
    store_target "distinct 64 KiB on disk ($best64_clients clients) / disk ($disk_best_row)" \
        "$r64" 0.50
    echo "raw lines: $STORE_RAW; daemon logs: $STORE_LOGS/"
}

# One row of the burst table: medians over the rounds.
store_burst_row() {
    local where=$1 key=burst:$1 per
    # Per round: files written, CPU us per case (main, clients) and per file (materializer).
    per=$(paste <(printf '%s' "${STORE_S[$key:stored]}") <(printf '%s' "${STORE_S[$key:backlog]}") \
        <(printf '%s' "${STORE_S[$key:cases_per_s]}") <(printf '%s' "${STORE_S[$key:daemon_cpu_s]}") \
        <(printf '%s' "${STORE_S[$key:other_threads_cpu_s]}") <(printf '%s' "${STORE_S[$key:cpu_s]}") |
        awk -v n="$STORE_BURST" '{ f = $1 - $2
            printf "%.0f %.1f %.1f %.1f\n", f / (n / $3), $4 * 1e6 / n, (f > 0 ? $5 * 1e6 / f : 0),
                $6 * 1e6 / n }')
    local col=() i
    for i in 1 2 3 4; do col+=("$(awk -v i=$i '{ print $i }' <<<"$per" | median)"); done
    printf '%-6s %9.0f %7.1f %11.0f | %7.0f%% %9.0f%% %9.0f%% | %.1f, %.1f, %.1f\n' "$where" \
        "$(store_med "$key:cases_per_s")" "$(store_med "$key:mb_per_s")" "${col[0]}" \
        "$(store_med "$key:main_run_pct")" "$(store_med "$key:main_wait_pct")" \
        "$(store_med "$key:main_blocked_pct")" "${col[1]}" "${col[2]}" "${col[3]}"
}

# store_target WHAT VALUE MIN: one line saying whether VALUE >= MIN.
store_target() {
    local what=$1 value=$2 min=$3 verdict="NOT met"
    awk -v v="$value" -v m="$min" 'BEGIN { exit !(v >= m) }' && verdict=met
    printf '  %s: %s (target >= %s): %s\n' "$what" "$value" "$min" "$verdict"
}

# ---- main ------------------------------------------------------------------------------

main() {
    [ $# -ge 1 ] || usage
    local area=$1
    shift
    # httpd has options of its own and lives in its own script
    [ "$area" = httpd ] && exec "$ROOT/ci/bench_httpd.sh" "$@"
    [ "$area" = chao ] && exec "$ROOT/ci/bench_chao.sh" "$@"
    [ "$area" = diff ] && exec "$ROOT/ci/bench_diff.sh" "$@"
    while [ $# -gt 0 ]; do
        case $1 in
        --rounds)
            if [ $# -lt 2 ] || ! [[ $2 =~ ^[0-9]+$ ]] || [ "$2" -lt 3 ]; then
                usage
            fi
            ROUNDS=$2
            ROUNDS_SET=1
            shift 2
            ;;
        --callgrind)
            CALLGRIND=1
            shift
            ;;
        --no-callgrind)
            CALLGRIND=0
            shift
            ;;
        --quick)
            QUICK=1
            shift
            ;;
        --targets)
            if [ $# -lt 2 ] || ! [[ $2 =~ ^[a-z0-9_]+(,[a-z0-9_]+)*$ ]]; then
                usage
            fi
            FUZZ_ONLY=$2
            shift 2
            ;;
        *) usage ;;
        esac
    done

    cd "$ROOT"
    case $area in
    http) bench_http ;;
    fuzz) bench_fuzz ;;
    store) bench_store ;;
    *) usage ;;
    esac
}

main "$@"

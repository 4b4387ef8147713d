#!/usr/bin/env bash
# Benchmarks, one area per first argument:
#
#     ci/bench.sh http [--rounds N] [--callgrind]   http_parse_request vs Debian's libhttp-parser
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
CALLGRIND=0

usage() {
    cat >&2 <<'EOF'
usage: ci/bench.sh AREA [--rounds N]
  AREA: http   http_parse_request vs libhttp-parser on browser, minimal, corpus/http_request
  --rounds N   interleaved rounds per input, N >= 3 (default 5); medians are reported
  --callgrind  also count instructions per request on browser with valgrind (steady numbers)
EOF
    exit 64
}

# Installs packages, configures build/bench once per call and builds only the named targets.
build_targets() {
    "$ROOT/ci/setup.sh"
    mkdir -p "$BUILD"
    cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS=-O2 \
        -DPH_BUILD_TESTS=OFF -DPH_SANITIZE= >"$BUILD/configure.log" 2>&1 || {
        cat "$BUILD/configure.log" >&2
        echo "bench: cmake configure failed" >&2
        exit 1
    }
    cmake --build "$BUILD" --parallel "$(nproc)" --target "$@"
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

bench_http() {
    build_targets ph-bench-http
    # CMakeLists.txt only declares the target when it finds libhttp-parser.
    local bin=$BUILD/bin/ph-bench-http
    if [ ! -x "$bin" ]; then
        echo "bench: $bin was not built: is libhttp-parser-dev installed (ci/setup.sh)?" >&2
        exit 1
    fi

    local raw=$BUILD/http-raw.txt
    : >"$raw"
    local inputs=(browser minimal corpus:corpus/http_request)
    local rows=() browser_ratio=""
    local input parser round line rc

    for input in "${inputs[@]}"; do
        local ours_rps="" ours_mbs="" hp_rps="" hp_mbs="" note=""
        for ((round = 1; round <= ROUNDS; round++)); do
            echo "bench: $input round $round/$ROUNDS" >&2
            # One process per measurement, ours first then http_parser, so slow phases of
            # the VM hit both alike.
            for parser in ours http_parser; do
                rc=0
                line=$("$bin" --parser "$parser" "$input") || rc=$?
                if [ "$rc" -eq 66 ]; then
                    note="no request head both parsers accept"
                    break 2
                elif [ "$rc" -ne 0 ]; then
                    echo "bench: ph-bench-http --parser $parser $input failed (exit $rc)" >&2
                    exit 1
                fi
                echo "$line" >>"$raw"
                if [ "$parser" = ours ]; then
                    ours_rps+="$(field req_per_s "$line")"$'\n'
                    ours_mbs+="$(field mb_per_s "$line")"$'\n'
                else
                    hp_rps+="$(field req_per_s "$line")"$'\n'
                    hp_mbs+="$(field mb_per_s "$line")"$'\n'
                fi
            done
            if [ "$round" -eq 1 ] && [[ $input == corpus:* ]]; then
                note="$(field inputs "$line") heads used, $(field skipped "$line") files skipped"
            fi
        done

        if [ -z "$ours_rps" ]; then
            rows+=("$(printf '%-28s %s' "$input" "n/a: $note")")
            continue
        fi
        local o_rps o_mbs h_rps h_mbs ratio
        o_rps=$(median <<<"${ours_rps%$'\n'}")
        o_mbs=$(median <<<"${ours_mbs%$'\n'}")
        h_rps=$(median <<<"${hp_rps%$'\n'}")
        h_mbs=$(median <<<"${hp_mbs%$'\n'}")
        ratio=$(awk -v a="$o_rps" -v b="$h_rps" 'BEGIN { printf "%.2f", a / b }')
        [ "$input" = browser ] && browser_ratio=$ratio
        rows+=("$(printf '%-28s %12.0f %10.1f %18.0f %17.1f %6sx%s' "$input" "$o_rps" \
            "$o_mbs" "$h_rps" "$h_mbs" "$ratio" "${note:+   ($note)}")")
    done

    echo
    echo "HTTP request-head parsing, median of $ROUNDS interleaved rounds (MB = 10^6 bytes)"
    printf '%-28s %12s %10s %18s %17s %7s\n' input "ours req/s" "ours MB/s" \
        "http_parser req/s" "http_parser MB/s" ratio
    printf '%s\n' "${rows[@]}"
    echo
    echo "target: >= 4x on browser"
    if awk -v r="$browser_ratio" 'BEGIN { exit !(r >= 4) }'; then
        echo "target met: ours/http_parser = ${browser_ratio}x"
    else
        echo "target NOT met: ours/http_parser = ${browser_ratio}x"
    fi
    echo "raw lines: $raw"
    if [ "$CALLGRIND" -eq 1 ]; then
        http_instructions "$bin"
    fi
}

# Instructions per request on browser, which unlike time do not move with the machine.
# Two iteration counts, so start-up and the input checks cancel out of the difference.
http_instructions() {
    local bin=$1 parser n lo hi
    if ! command -v valgrind >/dev/null; then
        echo "bench: --callgrind needs valgrind (apt-get install valgrind)" >&2
        exit 1
    fi
    echo
    for parser in ours http_parser; do
        for n in 10000 20000; do
            hi=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
                "$bin" --parser "$parser" --iters "$n" browser 2>&1 >/dev/null |
                sed -n 's/.*Collected : *\([0-9]*\).*/\1/p')
            [ "$n" -eq 10000 ] && lo=$hi
        done
        echo "instructions per request, $parser browser: $(((hi - lo) / 10000))"
    done
}

# ---- main ------------------------------------------------------------------------------

main() {
    [ $# -ge 1 ] || usage
    local area=$1
    shift
    while [ $# -gt 0 ]; do
        case $1 in
        --rounds)
            if [ $# -lt 2 ] || ! [[ $2 =~ ^[0-9]+$ ]] || [ "$2" -lt 3 ]; then
                usage
            fi
            ROUNDS=$2
            shift 2
            ;;
        --callgrind)
            CALLGRIND=1
            shift
            ;;
        *) usage ;;
        esac
    done

    cd "$ROOT"
    case $area in
    http) bench_http ;;
    # store) bench_store ;;   fuzz) bench_fuzz ;;   each builds its own targets
    *) usage ;;
    esac
}

main "$@"

#!/usr/bin/env bash
# ci/bench.sh http [--rounds N] [--no-callgrind]: http_parse_request (every build),
# http_parse_response and http_decode_chunked vs libhttp-parser, llhttp and, with
# PICO_DIR=checkout, picohttpparser, on built-in inputs, corpus/http_request and
# corpus/http_response: the median req/s (responses/s, bodies/s) and MB/s of N interleaved
# rounds (default 5, at least 3) and instructions per request (callgrind).
# docs/bench.md says what each input is and how numbers are made; ci/benchstat.py does
# the arithmetic.
#
# Exit status: 0 when the benchmark ran (a missed target is printed, not an error), 64 on a
# usage error, anything else when setup, the build or a benchmark program failed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=ci/lib.sh
. ci/lib.sh
ph_bench_area http "[--rounds N>=3] [--no-callgrind]"
CALLGRIND=1 # instructions per request by default; --no-callgrind skips them


# build/bench only, never into the tree); without it they are skipped, and the table says so.
PICO_DIR=${PICO_DIR:-}
HTTP_INPUTS=(browser minimal corpus:corpus/http_request response
    corpus-response:corpus/http_response chunked-small chunked-large)

bench_http() {
    if [ -n "$PICO_DIR" ] && [ ! -f "$PICO_DIR/picohttpparser.c" ]; then
        echo "bench: PICO_DIR=$PICO_DIR has no picohttpparser.c" >&2
        exit 1
    fi
    ph_bench_build "-DPH_PICO_DIR=$PICO_DIR" ph-bench-http
    # CMakeLists.txt only declares the target when it finds libhttp-parser.
    local bin=$BUILD/bin/ph-bench-http
    if [ ! -x "$bin" ]; then
        echo "bench: $bin was not built: is libhttp-parser-dev installed (ci/setup.sh)?" >&2
        exit 1
    fi

    local raw=$BUILD/http-raw.txt
    : >"$raw"
    local input parser round line rc v
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
                    note[$input]="no head every parser accepts"
                    break
                elif [ "$rc" -ne 0 ]; then
                    echo "bench: ph-bench-http --parser $parser $input failed (exit $rc)" >&2
                    exit 1
                fi
                echo "$line" >>"$raw"
                mapfile -t v < <(ph_stat field req_per_s mb_per_s inputs skipped <<<" $line")
                rps[$input:$parser]+="${v[0]}"$'\n'
                mbs[$input:$parser]+="${v[1]}"$'\n'
                if [[ $input == corpus:* || $input == corpus-response:* ]]; then
                    note[$input]="${v[2]} heads every parser accepts, ${v[3]} files skipped"
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
        o_rps=$(ph_median <<<"${rps[$input:ours]%$'\n'}")
        for parser in ${parsers[$input]}; do
            local r m ratio
            r=$(ph_median <<<"${rps[$input:$parser]%$'\n'}")
            m=$(ph_median <<<"${mbs[$input:$parser]%$'\n'}")
            # shellcheck disable=SC2034 # read by http_targets, through a nameref
            med[$input:$parser]=$r
            ratio=$(ph_stat ratio "$o_rps" "$r")
            printf '  %-13s %13.0f %10.1f %11s %8sx\n' "$parser" "$r" "$m" \
                "${instr[$input:$parser]:--}" "$ratio"
        done
    done
    echo
    http_targets med
    http_response_ratios med
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
    best_min=$(ph_stat max "${m[minimal:pico]}" "${m[minimal:pico-sse42]:-0}")
    http_target "browser: ours vs pico-sse42" "${m[browser:ours]}" "${m[browser:pico-sse42]:-}"
    http_target "minimal: ours vs pico's best" "${m[minimal:ours]}" "$best_min"
    http_target "chunked-small: ours vs pico" "${m[chunked-small:ours]}" "${m[chunked-small:pico]}"
    http_target "chunked-large: ours vs pico" "${m[chunked-large:ours]}" "${m[chunked-large:pico]}"
}

# Issue #15 sets no target for responses: ours's ratio to pico-sse42 and llhttp on the
# built-in response is printed, not judged.
http_response_ratios() {
    local -n rm=$1
    [ -z "${rm[response:ours]:-}" ] && return
    http_ratio "response: ours vs pico-sse42" "${rm[response:ours]}" "${rm[response:pico-sse42]:-}"
    http_ratio "response: ours vs llhttp" "${rm[response:ours]}" "${rm[response:llhttp]:-}"
}

http_ratio() {
    local what=$1 ours=$2 theirs=$3
    if [ -z "$theirs" ]; then
        echo "ratio $what: not measured"
        return
    fi
    printf 'ratio %s: %sx (no target)\n' "$what" "$(ph_stat ratio "$ours" "$theirs")"
}

http_target() {
    local what=$1 ours=$2 theirs=$3 verdict="NOT met"
    if [ -z "$theirs" ]; then
        echo "target $what: not measured"
        return
    fi
    ph_stat check "$ours" ge "$theirs" && verdict=met
    printf 'target %s: %sx, %s\n' "$what" "$(ph_stat ratio "$ours" "$theirs")" "$verdict"
}

# Instructions per request (or response, or body) of every parser on every built-in input,
# which unlike time do not move with the machine's load. Two iteration counts, so start-up and
# the input checks cancel out of the difference. Fills the associative array named $2.
http_instructions() {
    local bin=$1 input parser lo hi n1 n2 count
    local -n out=$2
    if ! command -v valgrind >/dev/null; then
        echo "bench: instruction counts need valgrind (apt-get install valgrind); skipped" >&2
        return
    fi
    for input in browser minimal response chunked-small chunked-large; do
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
            # shellcheck disable=SC2034 # a nameref: the caller's array
            out[$input:$parser]=$count
        done
    done
}

# The instructions callgrind counts for one run, or nothing when the run failed.
http_callgrind() {
    local bin=$1 parser=$2 iters=$3 input=$4 log
    log=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        "$bin" --parser "$parser" --iters "$iters" "$input" 2>&1 >/dev/null) || return 0
    ph_stat callgrind <<<"$log"
}

while [ $# -gt 0 ]; do
    case $1 in
    --rounds) ph_bench_rounds "${2:-}" && shift 2 ;;
    --callgrind) CALLGRIND=1 && shift ;;
    --no-callgrind) CALLGRIND=0 && shift ;;
    *) ph_bench_usage ;;
    esac
done
bench_http

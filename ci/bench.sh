#!/usr/bin/env bash
# Benchmarks, one area per first argument, each in a script of its own (ci/bench_<area>.sh,
# sharing ci/lib.sh; the arithmetic and parsing in ci/benchstat.py, tested by ctest):
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
#     ci/bench.sh session [--rounds N] [--seconds S]  httpd_session and store_session exec/s
#                                                   (libFuzzer+ASan, steady state) vs the same
#                                                   inputs to ph-httpd, a connection each, to one
#                                                   server and to a server started per input
#     ci/bench.sh diff [--seconds S]                request streams/s through ph-diff, each
#                                                   server alone and all together
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

usage_text() {
    cat <<'EOF'
usage: ci/bench.sh AREA [--rounds N] [--quick] [--no-callgrind] [--targets a,b]
       ci/bench.sh --help      (this text; exit 0)
  AREA (its script: ci/bench_AREA.sh; the options it takes are below)
        http   http_parse_request (every build) vs libhttp-parser, llhttp and, with
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
               (--rounds N, --seconds S, --connections C)
        chao   the CHAO core's decode rate, and frames/s ph-chao serve receives over a veth
               pair between two namespaces, TPACKET_V3 ring vs recvmsg, with and without
               RPS, with drops (--rounds N, --seconds S; root)
        session  httpd_session and store_session fuzz exec/s (libFuzzer, ASan+UBSan,
               steady state from a warmed corpus) vs the same inputs sent to ph-httpd, one
               loopback connection each, to a live server and to one started fresh per
               input (AFLNet's default), and both ratios (--rounds N, --seconds S)
        diff   request streams/s through ph-diff: every server alone, then all together,
               and which one limits the rate (--seconds S)
  --rounds N   interleaved rounds per input, N >= 3 (default 5); medians are reported
  --quick      store: shorter loads and a 200000-case burst instead of 1 million
  --targets a,b  fuzz: only these targets (names of harness/fuzz_<name>.c), to iterate
  --no-callgrind  http: skip the instruction counts (valgrind; the steady numbers)
  --callgrind  http: count them (the default; kept for old command lines)
EOF
}

usage() {
    usage_text >&2
    exit 64
}

[ $# -ge 1 ] || usage
area=$1
shift
case $area in
http | fuzz | store | httpd | chao | diff | session) exec "$ROOT/ci/bench_$area.sh" "$@" ;;
-h | --help) usage_text ;;
*) usage ;;
esac

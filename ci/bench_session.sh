#!/usr/bin/env bash
# ci/bench.sh session: the httpd_session fuzz target's exec/s under libFuzzer with ASan and
# UBSan (as campaigns run it), next to the same inputs sent to a live ph-httpd over
# loopback, one connection per input (bench/bench_session.c), and the ratio; medians of
# N interleaved rounds (default 3, at least 3).
#
#   ci/bench_session.sh [--rounds N] [--seconds S]
#
# The inputs are corpus/httpd_session/ (the fuzzer starts from them, mutating; the socket
# client replays their client bytes round-robin). ph-httpd runs with the limits of the
# recorded seeds (ci/record-httpd-session-seeds.sh) on core 0, the client on core 1; the
# fuzzer on core 1. The issue's targets: ratio >= 100, >= 10000 exec/s.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=ci/lib.sh
. ci/lib.sh

ph_bench_opts session 3 5 "$@" # exits 64 on a usage error or fewer than 3 rounds

ph_bench_build ph-httpd ph-bench-session
lf=build/bench/session-lf
cmake -S . -B "$lf" -DCMAKE_C_COMPILER=clang -DPH_FUZZ_ENGINE=libfuzzer \
    -DPH_SANITIZE='address;undefined' -DPH_BUILD_TESTS=OFF >"$lf.configure.log" 2>&1 ||
    { cat "$lf.configure.log" >&2; exit 1; }
cmake --build "$lf" --parallel "$(nproc)" --target fuzz_httpd_session >&2

ph_workdir ph-bench-session
taskset -c 0 build/bench/bin/ph-httpd --listen 127.0.0.1:0 --max-head 1024 --max-body 1024 \
    --max-output 16384 --header-timeout 1000 --body-timeout 1000 --idle-timeout 8000 \
    --status-file "$work/httpd.json" 2>"$work/httpd.log" &
pids+=($!)
ph_status_wait "$work/httpd.json" ready "$!" || { cat "$work/httpd.log" >&2; exit 1; }
addr=$(jq -r .listen "$work/httpd.json")

inputs=(corpus/httpd_session/*)
fuzz=() sock=()
for r in $(seq "$rounds"); do
    rm -rf "$work/corpus" && mkdir "$work/corpus"
    line=$(taskset -c 1 "$lf/bin/fuzz_httpd_session" -max_total_time="$seconds" -seed="$r" \
        -max_len=4096 -dict=dict/httpd_session.dict -print_final_stats=1 \
        "$work/corpus" corpus/httpd_session 2>&1 | grep average_exec_per_sec) ||
        { echo "bench: fuzz_httpd_session failed" >&2; exit 1; }
    fuzz+=("${line##* }")
    line=$(taskset -c 1 build/bench/bin/ph-bench-session --connect "$addr" \
        --seconds "$seconds" "${inputs[@]}")
    sock+=("$(ph_field conns_per_s "$line")")
    echo "round $r: fuzz_exec_per_s=${fuzz[-1]} $line" >&2
done
fuzz_med=$(printf '%s\n' "${fuzz[@]}" | ph_median)
sock_med=$(printf '%s\n' "${sock[@]}" | ph_median)
ratio=$(ph_stat ratio "$fuzz_med" "$sock_med")
printf '%-44s %12s\n' "httpd_session, libFuzzer+ASan+UBSan exec/s" "$fuzz_med"
printf '%-44s %12s\n' "ph-httpd over loopback, connections/s" "$sock_med"
printf '%-44s %12s\n' "ratio (target >= 100)" "$ratio"
awk -v f="$fuzz_med" -v r="$ratio" 'BEGIN {
    if (f < 10000) print "missed: fewer than 10000 exec/s";
    if (r < 100) print "missed: ratio under 100" }'

#!/usr/bin/env bash
# ci/bench.sh session: the session fuzz targets' exec/s under libFuzzer with ASan and UBSan
# (as campaigns run them), next to the same httpd_session inputs sent to ph-httpd over
# loopback, one connection per input, two ways: to one ph-httpd that keeps running (the
# way socket-level network fuzzers run against a live server), and to a ph-httpd started
# fresh for every input (AFLNet's default mode); and the ratios. Medians of N interleaved
# rounds (default 3, at least 3).
#
#   ci/bench_session.sh [--rounds N] [--seconds S]
#
# Fuzzing rates are steady-state: each target first fuzzes WARM_SECONDS (20) untimed from
# corpus/<target>/ into a warm corpus; every timed run starts from a copy of it and is
# counted from the end of corpus loading (libFuzzer's INITED line) to DONE, so start-up,
# corpus loading and the first seconds, where most runs find something new, are left
# out. The socket clients replay the client bytes of corpus/httpd_session/ round-robin
# (bench/bench_session.c). ph-httpd runs on core 0 with the limits of the recorded seeds
# (ci/record-httpd-session-seeds.sh), the clients and the fuzzer on core 1. The issue's
# targets: >= 10000 exec/s for each session target, httpd_session >= 100 times the
# persistent server.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=ci/lib.sh
. ci/lib.sh

WARM_SECONDS=${PH_BENCH_WARM_SECONDS:-20} # a quick check of the script: set it lower
ph_bench_opts session 3 10 "$@" # exits 64 on a usage error or fewer than 3 rounds

ph_bench_build ph-httpd ph-bench-session
lf=build/bench/session-lf
cmake -S . -B "$lf" -DCMAKE_C_COMPILER=clang -DPH_FUZZ_ENGINE=libfuzzer \
    -DPH_SANITIZE='address;undefined' -DPH_BUILD_TESTS=OFF >"$lf.configure.log" 2>&1 ||
    { cat "$lf.configure.log" >&2; exit 1; }
cmake --build "$lf" --parallel "$(nproc)" --target fuzz_httpd_session fuzz_store_session >&2

ph_workdir ph-bench-session
httpd=(build/bench/bin/ph-httpd --max-head 1024 --max-body 1024 --max-output 16384
    --header-timeout 1000 --body-timeout 1000 --idle-timeout 8000)
taskset -c 0 "${httpd[@]}" --listen 127.0.0.1:0 --status-file "$work/httpd.json" \
    2>"$work/httpd.log" &
pids+=($!)
ph_status_wait "$work/httpd.json" ready "$!" || { cat "$work/httpd.log" >&2; exit 1; }
addr=$(jq -r .listen "$work/httpd.json")
fresh_addr=127.0.0.1:$(ph_free_port)

# fuzz ARG...: libFuzzer on core 1, its flags for the target, ARGs after them.
fuzz() {
    local t=$1
    shift
    taskset -c 1 "$lf/bin/fuzz_$t" -max_len=4096 -dict="dict/$t.dict" -timeout=30 "$@"
}

targets=(httpd_session store_session)
for t in "${targets[@]}"; do
    mkdir -p "$work/warm/$t"
    cp corpus/"$t"/* "$work/warm/$t/"
    echo "warming $t: ${WARM_SECONDS}s" >&2
    ph_lf_span "$work/warm-$t.log" fuzz "$t" -seed=99 -max_total_time="$WARM_SECONDS" \
        "$work/warm/$t" >/dev/null
done

inputs=(corpus/httpd_session/*)
declare -A rate
for r in $(seq "$rounds"); do
    for t in "${targets[@]}"; do
        rm -rf "$work/run" && cp -r "$work/warm/$t" "$work/run"
        span=$(ph_lf_span "$work/run.log" fuzz "$t" -seed="$r" -max_total_time="$seconds" \
            "$work/run")
        rate[$t]+="$(ph_stat lf-rate "round=$r $t" "$work/raw" <<<"$span") "
    done
    line=$(taskset -c 1 build/bench/bin/ph-bench-session --connect "$addr" \
        --seconds "$seconds" "${inputs[@]}")
    rate[persistent]+="$(ph_field conns_per_s "$line") "
    echo "round $r: $line" >&2
    line=$(taskset -c 1 build/bench/bin/ph-bench-session --connect "$fresh_addr" \
        --seconds "$seconds" --server-cpu 0 "${inputs[@]}" -- "${httpd[@]}" \
        --listen "$fresh_addr")
    rate[fresh]+="$(ph_field conns_per_s "$line") "
    echo "round $r: $line" >&2
    tail -n "${#targets[@]}" "$work/raw" | sed "s/^/round $r: /" >&2
done

declare -A med
for k in httpd_session store_session persistent fresh; do
    # shellcheck disable=SC2086 # the rates: one word each
    med[$k]=$(printf '%s\n' ${rate[$k]} | ph_median)
done
ratio=$(ph_stat ratio "${med[httpd_session]}" "${med[persistent]}")
ratio_fresh=$(ph_stat ratio "${med[httpd_session]}" "${med[fresh]}")
printf '%-52s %12s\n' "httpd_session, libFuzzer+ASan+UBSan exec/s" "${med[httpd_session]}"
printf '%-52s %12s\n' "store_session, libFuzzer+ASan+UBSan exec/s" "${med[store_session]}"
printf '%-52s %12s\n' "ph-httpd over loopback, connections/s" "${med[persistent]}"
printf '%-52s %12s\n' "ph-httpd started fresh per input, connections/s" "${med[fresh]}"
printf '%-52s %12s\n' "ratio httpd_session / persistent (target >= 100)" "$ratio"
printf '%-52s %12s\n' "ratio httpd_session / fresh per input" "$ratio_fresh"
for t in "${targets[@]}"; do
    ph_stat check "${med[$t]}" ge 10000 || echo "missed: $t under 10000 exec/s"
done
ph_stat check "$ratio" ge 100 || echo "missed: ratio to the persistent server under 100"

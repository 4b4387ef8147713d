#!/usr/bin/env bash
# ci/bench.sh diff [--seconds S]: request streams per second through ph-diff (ci/diff.sh,
# no minimization), every server alone and then all of them together, built with -O2 in
# build/bench. Prints per server its rate alone, its mean connection time and how often
# it finished a stream last in the run with all servers (the one that limits the rate),
# with the load average around the run: other work on the machine moves these figures.
# ci/benchstat.py reads the reports.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=ci/lib.sh
. "$ROOT/ci/lib.sh"
PATH=/usr/bin:$PATH
seconds=10
while [ $# -gt 0 ]; do
    case $1 in
    --seconds) seconds=$2; shift 2 ;;
    *) ph_bench_usage diff "[--seconds S]" ;;
    esac
done
cd "$ROOT"
BUILD=build/bench
ph_bench_build ph-diff ph-httpd ph-store
out=$(mktemp -d /tmp/ph-bench-diff.XXXXXX)
trap 'rm -rf "$out"' EXIT

# One run; prints "rate" from the report.
run() {
    local name=$1 servers=$2
    "$ROOT/ci/diff.sh" --time "$seconds" --servers "$servers" --bin "$BUILD/bin" \
        --out "$out/$name" -- --no-minimize >"$out/$name.log" 2>&1 || true
    ph_stat diff-rate "$out/$name/report.json"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-12s %10s\n' server "streams/s alone"
for s in httpd node python nginx nginx-proxy; do
    printf '%-12s %10s\n' "$s" "$(run "$s" "$s")"
done
load0=$(cut -d' ' -f1 /proc/loadavg)
all=$(run all httpd,node,python,nginx,nginx-proxy)
echo "all servers together: $all streams/s (load average $load0 -> $(cut -d' ' -f1 /proc/loadavg))"
ph_stat diff-table "$out/all/report.json"

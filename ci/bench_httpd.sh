#!/usr/bin/env bash
# ci/bench.sh httpd: wrk against ph-httpd and against nginx with one worker serving the
# same hello page, both on loopback, same connections, interleaved rounds, medians.
#
#   ci/bench_httpd.sh [--rounds N] [--seconds S] [--connections C]
#
# The machine has two cores: the server runs on core 0 and wrk (one thread) on core 1,
# pinned with taskset the same way for both servers. Called by ci/bench.sh httpd. ph-httpd
# listens on a port the kernel picks and says which in its --status-file (.listen); the
# arithmetic is ci/benchstat.py's.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=ci/lib.sh
. ci/lib.sh

rounds=3
seconds=5
conns=50
while [ $# -gt 0 ]; do
    case $1 in
    --rounds) rounds=${2:?}; shift 2 ;;
    --seconds) seconds=${2:?}; shift 2 ;;
    --connections) conns=${2:?}; shift 2 ;;
    *) ph_bench_usage httpd "[--rounds N>=3] [--seconds S] [--connections C]" ;;
    esac
done
ph_bench_rounds "$rounds" # exits 64 unless >= 3

ph_bench_build ph-httpd
command -v wrk >/dev/null || { echo "bench: wrk missing (ci/setup.sh installs it)" >&2; exit 1; }
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "bench: nginx missing (ci/setup.sh installs nginx-light)" >&2; exit 1; }

build=build/bench
ph_workdir ph-bench-httpd
# shellcheck disable=SC2154 # $work: set by ph_workdir (ci/lib.sh)
chmod 0755 "$work" # nginx workers run as nobody and must read the page

# ph-httpd's own hello page, so both servers send the same bytes.
taskset -c 0 "$build/bin/ph-httpd" --listen 127.0.0.1:0 --status-file "$work/httpd.json" \
    2>"$work/httpd.log" &
pids+=($!)
ph_status_wait "$work/httpd.json" ready "$!" || { cat "$work/httpd.log" >&2; exit 1; }
httpd_port=$(jq -r .listen "$work/httpd.json")
httpd_port=${httpd_port##*:}
curl -s "http://127.0.0.1:$httpd_port/" >"$work/index.html"

nginx_port=$(ph_free_port)
mkdir -p "$work/nginx/html"
cp "$work/index.html" "$work/nginx/html/index.html"
ph_nginx_conf "$work/nginx" "$nginx_port" "root $work/nginx/html;"
taskset -c 0 "$nginx" -c "$work/nginx/nginx.conf" -p "$work/nginx" 2>"$work/nginx.stderr" &
pids+=($!)
ph_wait_port "$nginx_port" "$!" || { cat "$work/nginx.stderr" >&2; exit 1; }
cmp -s "$work/index.html" <(curl -s "http://127.0.0.1:$nginx_port/") ||
    { echo "bench: nginx does not serve the same page" >&2; exit 1; }

# One wrk run: prints "req_per_s p50_ms p99_ms".
run_wrk() {
    taskset -c 1 wrk -t1 -c"$conns" -d"${seconds}s" --latency "http://127.0.0.1:$1/" |
        ph_stat wrk
}

: >"$work/ours.txt" && : >"$work/nginx.txt"
for r in $(seq "$rounds"); do
    echo "bench: round $r/$rounds" >&2
    run_wrk "$httpd_port" >>"$work/ours.txt"
    run_wrk "$nginx_port" >>"$work/nginx.txt"
done
cp "$work/ours.txt" build/bench/httpd-raw-ours.txt
cp "$work/nginx.txt" build/bench/httpd-raw-nginx.txt

col() { ph_stat median --column "$1" "$2"; }
ours_rps=$(col 1 "$work/ours.txt")
nginx_rps=$(col 1 "$work/nginx.txt")
printf '%-28s %12s %9s %9s\n' "server ($conns connections)" "req/s" "p50 ms" "p99 ms"
printf '%-28s %12.0f %9.3f %9.3f\n' "ph-httpd" "$ours_rps" "$(col 2 "$work/ours.txt")" "$(col 3 "$work/ours.txt")"
printf '%-28s %12.0f %9.3f %9.3f\n' "nginx, 1 worker" "$nginx_rps" "$(col 2 "$work/nginx.txt")" "$(col 3 "$work/nginx.txt")"
ratio=$(ph_stat ratio "$ours_rps" "$nginx_rps")
echo
echo "ratio ph-httpd/nginx: ${ratio}x (median of $rounds interleaved ${seconds}s rounds; target >= 1.00x)"

#!/usr/bin/env bash
# The differential campaign against live HTTP servers (docs/diff.md): starts every server
# on a free loopback port, runs build/bin/ph-diff against them, stops them, and leaves
# the report in build/diff/ (report.md, report.json, findings/, corpus/ of the private
# ph-store the reproducers go to).
#
#   ci/diff.sh [--time S] [--servers LIST] [--server HOST:PORT]... [--echo-server HOST:PORT]...
#              [--store SOCKET] [--out DIR] [--bin DIR] [--check] [-- PH-DIFF-OPTIONS...]
#
#   --time S             fuzz for S seconds (default 60)
#   --servers LIST       which servers to start, comma-separated (default all):
#                        httpd        ph-httpd --echo-all (echo)
#                        node         Node's http server, tests/diff/echo_node.js (echo)
#                        python       Python's http.server, tests/diff/echo_python.py (echo)
#                        nginx        nginx-light as an origin (verdict only)
#                        nginx-proxy  nginx as a reverse proxy in front of a second
#                                     ph-httpd --echo-all: shows what nginx forwards (echo)
#                        none         only the servers named below
#   --server HOST:PORT   also a running server, its verdicts only (repeatable)
#   --echo-server HOST:PORT  also a running server that speaks the echo contract
#   --store SOCKET       send reproducers to this ph-store instead of a private one
#   --out DIR            report folder (default build/diff; emptied first)
#   --bin DIR            binaries (default build/bin; built there when missing)
#   --replay FILE...     no campaign: send each file once to every server and print
#                        what each did (the reproducers in build/diff/findings/)
#   --check              fail (exit 1) unless the differences in tests/diff/expected.tsv
#                        are found and ph-parse and ph-httpd agree on every finding
#
# ph-parse (our core, in ph-diff's process) always takes part. Every process this starts,
# it stops; traffic stays on 127.0.0.1.
set -euo pipefail
# Debian's interpreters and servers first: they are the ones under test (and a version
# manager's python3 shim costs a second per call, which ci/lib.sh's port checks make).
PATH=/usr/bin:$PATH
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bin=$root/build/bin
out=$root/build/diff
seconds=60
servers=httpd,node,python,nginx,nginx-proxy
store=
check=0
replay=()
extra=()
diff_args=()

usage() { sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
    --time) seconds=$2; shift 2 ;;
    --servers) servers=$2; shift 2 ;;
    --server) extra+=(--server "$2"); shift 2 ;;
    --echo-server) extra+=(--echo-server "$2"); shift 2 ;;
    --store) store=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --check) check=1; shift ;;
    --replay) shift; replay=("$@"); break ;;
    -h | --help) usage; exit 0 ;;
    --) shift; diff_args+=("$@"); break ;;
    *) echo "diff: unknown option $1" >&2; usage >&2; exit 64 ;;
    esac
done
want() { [[ ",$servers," == *",$1,"* ]]; }

for s in ${servers//,/ }; do
    case $s in httpd | node | python | nginx | nginx-proxy | none) ;;
    *) echo "diff: unknown server $s (httpd, node, python, nginx, nginx-proxy, none)" >&2; exit 64 ;;
    esac
done
if want node && ! command -v node >/dev/null; then
    echo "diff: node missing: run ci/setup.sh (apt-get install nodejs), or leave node out of --servers" >&2
    exit 1
fi
nginx=$(command -v nginx || echo /usr/sbin/nginx)
if { want nginx || want nginx-proxy; } && [ ! -x "$nginx" ]; then
    echo "diff: nginx missing: run ci/setup.sh (apt-get install nginx-light), or leave nginx and nginx-proxy out of --servers" >&2
    exit 1
fi
if want python && ! command -v python3 >/dev/null; then
    echo "diff: python3 missing: apt-get install python3" >&2
    exit 1
fi
if [ ! -x "$bin/ph-diff" ] || [ ! -x "$bin/ph-httpd" ] || [ ! -x "$bin/ph-store" ]; then
    echo "diff: building ph-diff, ph-httpd and ph-store in $(dirname "$bin")" >&2
    cmake -S "$root" -B "$(dirname "$bin")" >/dev/null
    cmake --build "$(dirname "$bin")" -j2 --target ph-diff ph-httpd ph-store >/dev/null
fi

# shellcheck source=ci/lib.sh
. "$root/ci/lib.sh"
ph_workdir ph-diff
args=()

# Starts ph-httpd --echo-all on a free port; prints HOST:PORT.
start_httpd() {
    ph_start_daemon "$work/httpd.$1.status" "$work/httpd.$1.log" "$bin/ph-httpd" \
        --listen 127.0.0.1:0 --echo-all || exit 1
    httpd_addr=$(jq -r .listen "$work/httpd.$1.status")
}

# Starts a server that prints its port on stdout; sets port.
start_port_printer() {
    local name=$1; shift
    "$@" >"$work/$name.port" 2>"$work/$name.log" &
    pids+=($!)
    for _ in $(seq 200); do [ -s "$work/$name.port" ] && break; sleep 0.05; done
    port=$(head -1 "$work/$name.port")
    [ -n "$port" ] || { cat "$work/$name.log" >&2; echo "diff: $name did not start" >&2; exit 1; }
}

# nginx in the foreground from a configuration in the work folder: pid, error log and
# temporary files there, nothing under /var or /run.
start_nginx() {
    local name=$1 location=$2 prelude=${3:-}
    port=$(ph_free_port)
    ph_nginx_conf "$work/$name" "$port" "$location" "$prelude"
    "$nginx" -c "$work/$name/nginx.conf" -p "$work/$name" -e "$work/$name/error.log" \
        2>"$work/$name/stderr" &
    pids+=($!)
    ph_wait_port "$port" "$!" || { cat "$work/$name/stderr" >&2; echo "diff: $name did not start" >&2; exit 1; }
}

if want httpd; then
    start_httpd origin
    args+=(--echo-server "ph-httpd=$httpd_addr")
fi
if want node; then
    start_port_printer node node "$root/tests/diff/echo_node.js"
    args+=(--echo-server "node=127.0.0.1:$port")
fi
if want python; then
    start_port_printer python python3 "$root/tests/diff/echo_python.py"
    args+=(--echo-server "python=127.0.0.1:$port")
fi
if want nginx; then
    # The echo module (nginx-light) makes nginx read and judge the whole body before it
    # answers, as the others do; nginx cannot echo what it parsed, so: verdicts only.
    echo_mod=/usr/lib/nginx/modules/ngx_http_echo_module.so
    [ -f "$echo_mod" ] || { echo "diff: $echo_mod missing: apt-get install nginx-light" >&2; exit 1; }
    start_nginx nginx 'echo_read_request_body; echo "hello";' "load_module $echo_mod;"
    args+=(--server "nginx=127.0.0.1:$port")
fi
if want nginx-proxy; then
    # The transducer: nginx forwards to a ph-httpd of its own, whose echo shows what
    # nginx made of the request: Host as the client sent it (none when it sent none, so
    # HTTP/1.0 upstream, where Host is optional; nginx buffers a body and sends it with
    # Content-Length either way).
    start_httpd upstream
    start_nginx nginx-proxy "proxy_pass http://$httpd_addr; proxy_http_version 1.0; \
proxy_set_header Host \$http_host; proxy_buffering off;"
    args+=(--echo-server "nginx-proxy=127.0.0.1:$port")
fi

if [ ${#replay[@]} -gt 0 ]; then
    "$bin/ph-diff" --replay --quirks "$root/tests/diff/quirks.tsv" "${args[@]}" "${extra[@]}" \
        "${replay[@]}"
    exit
fi
rm -rf "$out"
mkdir -p "$out"
if [ -z "$store" ]; then
    ph_start_daemon "$work/store.status" "$work/store.log" "$bin/ph-store" \
        --corpus "$out/corpus" --socket "$work/store.sock" || exit 1
    store_pid=$daemon
    store=$work/store.sock
fi
if [ "$check" = 1 ]; then
    args+=(--expect "$root/tests/diff/expected.tsv" --must-agree "ph-parse,ph-httpd")
fi

rc=0
"$bin/ph-diff" --time "$seconds" --out "$out" --store "$store" \
    --seeds "$root/corpus/http_request" --seeds "$root/tests/conformance/cases" \
    --dict "$root/dict/http.dict" --quirks "$root/tests/diff/quirks.tsv" \
    "${args[@]}" "${extra[@]}" "${diff_args[@]}" || rc=$?
# A clean stop: ph-store writes out what it acknowledged on SIGTERM.
if [ -n "${store_pid:-}" ]; then
    kill -TERM "$store_pid" 2>/dev/null || true
    wait "$store_pid" 2>/dev/null || true
fi
echo "diff: report in $out/report.md" >&2
exit "$rc"

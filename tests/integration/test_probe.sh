#!/usr/bin/env bash
# test_probe.sh BIN_DIR SOURCE_DIR: ph-probe's bounds (issue #12 item 4) against
# misbehaving servers on 127.0.0.1 (tests/integration/probe_server.py): a total deadline,
# caps on responses and 1xx with named errors and bounded memory (VmHWM from
# /proc/PID/status, generous bounds, no timing asserts), incomplete responses with their
# own exit status, after_half_close, too_large at the input cap.
set -uo pipefail
bin=$1 src=$2
probe=$bin/ph-probe
# shellcheck source=ci/lib.sh
. "$src/ci/lib.sh" # ph_workdir
ph_workdir ph-probe-test
printf 'GET / HTTP/1.1\r\nHost: a\r\n\r\n' >"$work/get"
passed=0 failed=0
check() {
    local what=$1
    shift
    if "$@"; then echo "ok   $what"; passed=$((passed + 1)); else echo "FAIL $what"; failed=$((failed + 1)); fi
}

# serve MODE: starts the server, sets $addr
serve() {
    rm -f "$work/port"
    python3 "$src/tests/integration/probe_server.py" "$1" "$work/port" &
    pids+=($!)
    for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
    addr=127.0.0.1:$(cat "$work/port")
}

# probe OUT ARGS...: runs ph-probe, keeps its exit status in $rc and its peak resident
# memory (kB, VmHWM) in $hwm
probe() {
    local out=$1
    shift
    "$probe" "$@" >"$out" 2>"$out.err" &
    local pid=$! h
    hwm=0
    while kill -0 "$pid" 2>/dev/null; do
        h=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
        [ -n "$h" ] && [ "$h" -gt "$hwm" ] && hwm=$h
        sleep 0.05
    done
    wait "$pid"
    rc=$?
}
field() { python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); print(eval(sys.argv[2]))' "$@"; }

echo "== a server that drips one byte every 50 ms: --max-time ends it"
serve drip
probe "$work/drip.json" --max-time 3000 "$addr" "$work/get"
check "exit 1" test "$rc" = 1
check "error max_time" test "$(field "$work/drip.json" 'r["error"]')" = max_time
check "the response is listed, not complete" test "$(field "$work/drip.json" 'r["responses"][0]["complete"]')" = False

echo "== 2 000 000 interim responses: a named error, memory bounded by the cap"
serve continue
probe "$work/cont.json" --quiet 100 "$addr" "$work/get"
check "error too_many_interim" test "$(field "$work/cont.json" 'r["error"]')" = too_many_interim
check "64 responses kept" test "$(field "$work/cont.json" 'len(r["responses"])')" = 64
check "the JSON line is small ($(wc -c <"$work/cont.json") bytes)" test "$(wc -c <"$work/cont.json")" -lt 100000
check "peak resident memory ${hwm} kB < 100 MB" test "$hwm" -lt 100000

echo "== a response cut off by the close: incomplete, exit 2"
serve cut
probe "$work/cut.json" --quiet 100 "$addr" "$work/get"
check "exit 2" test "$rc" = 2
check "result incomplete" test "$(field "$work/cut.json" 'r["result"]')" = incomplete

echo "== after_half_close: when the response arrived"
serve late
probe "$work/late.json" --quiet 100 "$addr" "$work/get"
check "an answer sent after our FIN is after_half_close" test "$(field "$work/late.json" 'r["responses"][0]["after_half_close"]')" = True
serve early-close
probe "$work/early.json" --quiet 100 "$addr" "$work/get"
check "exit 0" test "$rc" = 0
check "a close-delimited answer that arrived before our FIN is not" test "$(field "$work/early.json" 'r["responses"][0]["after_half_close"]')" = False

echo "== 100 MiB of response: too_large at the 64 MiB input cap"
serve huge
probe "$work/huge.json" --quiet 100 "$addr" "$work/get"
check "error too_large" test "$(field "$work/huge.json" 'r["error"]')" = too_large
check "peak resident memory ${hwm} kB < 200 MB" test "$hwm" -lt 200000

echo "probe integration: $passed passed, $failed failed"
[ "$failed" = 0 ]

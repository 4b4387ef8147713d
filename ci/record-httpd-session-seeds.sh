#!/usr/bin/env bash
# Builds the seed corpus of the httpd_session fuzz target from real connections: curl and
# a scripted client (ci/httpd_session_recorder.py client) against a live ph-httpd, through
# the recorder's relay, which writes each connection as an event script
# (harness/fuzz_httpd_session.c) to corpus/httpd_session/seed-<what>.
#
# Needs a standalone build (BIN, default build/bin) with ph-httpd. Everything runs in a
# temporary folder; the daemons it starts, it stops. Idempotent: the same names are
# overwritten. Usage: ci/record-httpd-session-seeds.sh [BIN] (see docs/corpus.md)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$(cd "${1:-$ROOT/build/bin}" && pwd)
OUT=$ROOT/corpus/httpd_session
RECORDER=$ROOT/ci/httpd_session_recorder.py
mkdir -p "$OUT"
# shellcheck source=ci/lib.sh
. "$ROOT/ci/lib.sh" # ph_workdir, ph_start_daemon

ph_workdir ph-httpd-seeds

# The limits of the recorder's script header (ci/httpd_session_recorder.py).
start_httpd() {
    ph_start_daemon "$work/httpd.status" "$work/httpd.log" "$BIN/ph-httpd" \
        --listen 127.0.0.1:0 --max-head 1024 --max-body 1024 --max-output 16384 \
        --header-timeout 1000 --body-timeout 1000 --idle-timeout 8000 || exit 1
    upstream=$(jq -r .listen "$work/httpd.status")
}

# record NAME [--drain-after S] -- CLIENT...: one connection, recorded as seed-NAME; the
# client command's ADDR argument is replaced by the relay's address.
record() {
    local name=$1 drain=() args=() a
    shift
    if [ "$1" = --drain-after ]; then
        drain=(--drain-after "$2" --drain-pid "$daemon")
        shift 2
    fi
    shift # --
    rm -f "$work/port"
    timeout 30 python3 "$RECORDER" relay --port-file "$work/port" --upstream "$upstream" \
        --out "$OUT/seed-$name" --max-seconds 20 "${drain[@]}" &
    local rec=$!
    for _ in $(seq 100); do
        [ -s "$work/port" ] && break
        sleep 0.05
    done
    for a in "$@"; do args+=("${a//ADDR/127.0.0.1:$(cat "$work/port")}"); done
    timeout 20 "${args[@]}" >/dev/null 2>&1 || true
    wait "$rec"
    echo "wrote corpus/httpd_session/seed-$name ($(wc -c <"$OUT/seed-$name") bytes)"
}

client=(python3 "$RECORDER" client ADDR)
curl=(curl -s --http1.1 --noproxy '*' -o /dev/null)
head -c 600 /dev/zero | tr '\0' 'b' >"$work/body600"
head -c 2000 /dev/zero | tr '\0' 'B' >"$work/body2000"
get='GET /echo HTTP/1.1\r\nHost: a\r\n\r\n'

start_httpd
record curl-keep-alive -- "${curl[@]}" http://ADDR/ http://ADDR/echo http://ADDR/nope
record curl-head -- "${curl[@]}" -I http://ADDR/
record curl-100-continue -- "${curl[@]}" -H 'Expect: 100-continue' --data-binary @"$work/body600" http://ADDR/echo
record curl-chunked -- "${curl[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$work/body600" http://ADDR/echo
record curl-413 -- "${curl[@]}" --data-binary @"$work/body2000" http://ADDR/echo
record curl-431 -- "${curl[@]}" -H "X-Big: $(head -c 1100 /dev/zero | tr '\0' x)" http://ADDR/
record pipelining -- "${client[@]}" "s:$get${get}HEAD / HTTP/1.1\r\nHost: a\r\n\r\nPOST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc$get" h
record split-head -- "${client[@]}" 's:GET /echo HT' w:50 's:TP/1.1\r\nHo' w:50 's:st: a\r\n\r\n' h
record half-close-mid-request -- "${client[@]}" 's:POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc' h
record chunked-pieces -- "${client[@]}" 's:POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n' w:50 's:2;x=y\r\nde\r\n0\r\nT: v\r\n\r\n' h
record chunk-size-over-limit -- "${client[@]}" 's:POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n'
record http10 -- "${client[@]}" 's:GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n'
record bad-request -- "${client[@]}" 's:GET / HTTP/1.1\r\nHost : a\r\n\r\n'
record 408-slow-head -- "${client[@]}" 's:GET / HTTP/1.1\r\nHost: a\r\n' w:1500 's:\r\n'
record 408-slow-body -- "${client[@]}" 's:POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab' w:1500 's:cde'
record drain --drain-after 0.5 -- "${client[@]}" "s:$get" w:1000 "s:$get"

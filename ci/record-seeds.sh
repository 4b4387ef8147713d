#!/usr/bin/env bash
# Builds the seed corpora of the http_request and http_chunked fuzz targets.
#
#   corpus/http_request/seed-<client>-<what>  the exact bytes a real client sent to
#                                              ci/seed_recorder.py on 127.0.0.1
#   corpus/http_chunked/seed-<client>-<what>  the body bytes (after the head) of those
#                                              recordings that used chunked
#   corpus/*/seed-edge-<what>                  hand-written with printf, below
#
# Idempotent: re-running overwrites the same names. Traffic goes to 127.0.0.1 only,
# every client call and the recorder have a hard time limit, and the recorder is stopped
# on exit. A client that is not installed is skipped; an installed client whose
# recording is missing, or a seed that is not a valid strict RFC 9112 message, makes the
# script exit 1. Usage: ci/record-seeds.sh   (see docs/corpus.md)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REQ_DIR=$ROOT/corpus/http_request
CHUNK_DIR=$ROOT/corpus/http_chunked
RECORDER=$ROOT/ci/seed_recorder.py

# A fixed port keeps the Host fields, and so the recorded bytes, the same from run to
# run; the recorder falls back to any free port when this one is taken.
PREFERRED_PORT=${PH_SEED_PORT:-38080}
CLIENT_TIMEOUT=10     # seconds, hard limit (SIGKILL 2 s later) on each client call
RECORDER_SECONDS=240  # the recorder exits by itself after this long
MAX_SEEDS=60          # per corpus folder; seeds are for coverage, not volume

# Never send anything through a proxy from the environment: only 127.0.0.1 is spoken to.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY \
    no_proxy NO_PROXY ftp_proxy FTP_PROXY

# The interpreter itself, not a version-manager shim: it is started once per seed.
PYTHON=$(python3 -c 'import sys; print(sys.executable)')

failures=()
warnings=()

say() { printf '%s\n' "$*"; }

# ---- hand-written seeds -------------------------------------------------------------------

# edge <dir> <name> <printf format> [args...]: writes <dir>/seed-edge-<name> exactly.
edge() {
    local dir=$1 name=$2
    shift 2
    # shellcheck disable=SC2059 # the format is ours and is the point
    printf "$@" >"$dir/seed-edge-$name"
    say "wrote ${dir#"$ROOT"/}/seed-edge-$name ($(wc -c <"$dir/seed-edge-$name") bytes)"
}

write_edge_seeds() {
    local R=$REQ_DIR C=$CHUNK_DIR H='Host: example.test\r\n'

    # http_request: each file is one or more complete, strictly valid RFC 9112 requests.
    edge "$R" pipelined-get \
        "GET /one HTTP/1.1\r\n${H}\r\nGET /two HTTP/1.1\r\n${H}\r\nGET /three HTTP/1.1\r\n${H}\r\n"
    edge "$R" pipelined-post-get \
        "POST /form HTTP/1.1\r\n${H}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\na=1&b=helloGET /after HTTP/1.1\r\n${H}\r\n"
    edge "$R" options-asterisk "OPTIONS * HTTP/1.1\r\n${H}\r\n"
    edge "$R" head "HEAD /index.html HTTP/1.1\r\n${H}Accept: */*\r\n\r\n"
    # HTTP/1.0 needs no Host; keep-alive must be asked for (RFC 9112 9.3).
    edge "$R" http10-keepalive "GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
    # RFC 9112 2.2: a server SHOULD ignore at least one empty line before the request-line.
    edge "$R" leading-crlf "\r\nGET / HTTP/1.1\r\n${H}\r\n"
    # RFC 9110 5.5: obs-text (%x80-FF) is allowed in a field value.
    edge "$R" obs-text "GET / HTTP/1.1\r\n${H}X-Name: caf\xc3\xa9 \xff\x80 end\r\n\r\n"
    # RFC 9112 5.1: OWS (SP / HTAB) around the field value is not part of it.
    edge "$R" ows "GET / HTTP/1.1\r\nHost:example.test\r\nX-Padded: \t  two  words \t \r\nX-Empty: \t\r\n\r\n"
    edge "$R" percent-query \
        "GET /search/caf%%C3%%A9?q=a%%20b%%2Bc&lang=en&x=%%7e HTTP/1.1\r\n${H}\r\n"
    edge "$R" host-ipv6 "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"

    local fields='' i
    for i in $(seq -w 1 99); do
        fields+="X-Field-$i: value $i\\r\\n"
    done
    edge "$R" 100-headers "GET /many HTTP/1.1\r\n${H}${fields}\r\n"

    local target=/static
    for i in $(seq 1 776); do
        target+=/seg$((i % 10))-abc
    done
    target+='?q=1'
    edge "$R" long-target "GET ${target} HTTP/1.1\r\n${H}\r\n"

    # http_chunked: each file is a chunked body (RFC 9112 7.1), starting at a chunk-size.
    edge "$C" chunk-ext '5;name=value\r\nhello\r\n6;flag;n2=v2\r\n world\r\n0\r\n\r\n'
    edge "$C" chunk-ext-quoted \
        '5;name="quoted \\"value\\" here"\r\nhello\r\n0;last="x"\r\n\r\n'
    edge "$C" trailers '4\r\ndata\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n'
    edge "$C" uppercase-hex \
        'A\r\n0123456789\r\n1F\r\nabcdefghijklmnopqrstuvwxyz01234\r\n0\r\n\r\n'
    edge "$C" leading-zeros '0005\r\nhello\r\n00000001\r\n!\r\n000\r\n\r\n'
    edge "$C" empty '0\r\n\r\n'
    local ones=''
    for i in $(seq 0 63); do
        ones+="1\\r\\n$((i % 10))\\r\\n"
    done
    edge "$C" one-byte-chunks "${ones}0\r\n\r\n"
    edge "$C" then-pipelined "5\r\nhello\r\n0\r\n\r\nGET /next HTTP/1.1\r\n${H}\r\n"
}

# ---- recording --------------------------------------------------------------------------

work=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# start_recorder: starts ci/seed_recorder.py in the background and sets PORT.
start_recorder() {
    "$PYTHON" -I "$RECORDER" serve --out "$work/rec" --label-file "$work/label" \
        --port-file "$work/port" --port "$PREFERRED_PORT" \
        --max-seconds "$RECORDER_SECONDS" 2>"$work/recorder.log" &
    server_pid=$!
    local i
    for i in $(seq 50); do
        [ -s "$work/port" ] && break
        sleep 0.1
    done
    if [ ! -s "$work/port" ]; then
        echo "record-seeds: recorder did not start:" >&2
        cat "$work/recorder.log" >&2
        exit 1
    fi
    PORT=$(cat "$work/port")
    if [ "$PORT" != "$PREFERRED_PORT" ]; then
        warnings+=("port $PREFERRED_PORT was taken, used $PORT: Host fields differ from the committed seeds")
    fi
    say "recorder: listening on 127.0.0.1:$PORT"
}

# record <label> [--may-fail] <command...>: runs the client command under a hard time
# limit with the recorder naming its connection <label>, then copies the recording to
# corpus/http_request/seed-<label>, and its chunked body (if any) to corpus/http_chunked.
record() {
    local label=$1 may_fail=0 rc=0 i
    shift
    if [ "$1" = --may-fail ]; then
        may_fail=1
        shift
    fi
    printf '%s\n' "$label" >"$work/label"
    timeout -k 2 "$CLIENT_TIMEOUT" "$@" >"$work/client.out" 2>&1 || rc=$?

    # The recorder writes the file when the connection ends: at once when the client
    # closes, at the latest after its own 8 s connection limit.
    for i in $(seq 100); do
        [ -e "$work/rec/$label" ] && break
        sleep 0.1
    done
    if [ ! -e "$work/rec/$label" ]; then
        failures+=("seed-$label: no recording (client exit $rc: $(head -c 200 "$work/client.out" | tr '\n' ' '))")
        say "FAILED: seed-$label (client exit $rc)"
        return
    fi
    if [ "$rc" -ne 0 ] && [ "$may_fail" -eq 0 ]; then
        warnings+=("seed-$label: client exited $rc: $(head -c 200 "$work/client.out" | tr '\n' ' ')")
    fi

    cp "$work/rec/$label" "$REQ_DIR/seed-$label"
    say "wrote corpus/http_request/seed-$label ($(wc -c <"$REQ_DIR/seed-$label") bytes, client exit $rc)"
    if "$PYTHON" -I "$RECORDER" chunked-body "$work/rec/$label" "$CHUNK_DIR/seed-$label"; then
        say "wrote corpus/http_chunked/seed-$label ($(wc -c <"$CHUNK_DIR/seed-$label") bytes)"
    fi
}

have() {
    if command -v "$1" >/dev/null; then
        return 0
    fi
    warnings+=("$1 is not installed: its seeds were not recorded (ci/setup.sh installs it)")
    return 1
}

record_curl() {
    local url=http://127.0.0.1:$PORT proxy=http://127.0.0.1:$PORT i
    # -q first: ignore ~/.curlrc. --noproxy '*' on direct requests: no proxy at all.
    local c=(curl -q -sS -o /dev/null --max-time 5 --expect100-timeout 2)
    local d=("${c[@]}" --noproxy '*')

    printf 'first line of the chunked upload\nsecond line\n' >"$work/chunked.txt"
    for i in $(seq -w 1 60); do
        printf 'line %s of the expect-100 upload: 0123456789abcdefghij\n' "$i"
    done >"$work/expect.txt"

    record curl-get "${d[@]}" "$url/"
    record curl-get-reuse "${d[@]}" "$url/first" "$url/second?page=2"
    record curl-head "${d[@]}" -I "$url/index.html"
    record curl-post-form "${d[@]}" -d 'name=alice&age=42&city=Z%C3%BCrich' "$url/form"
    record curl-post-json "${d[@]}" --json '{"id":1,"tags":["a","b"],"ok":true}' "$url/api/items"
    record curl-post-chunked "${d[@]}" -H 'Transfer-Encoding: chunked' \
        --data-binary @"$work/chunked.txt" "$url/upload"
    record curl-get-http10 "${d[@]}" -0 "$url/old"
    record curl-post-expect "${d[@]}" -H 'Expect: 100-continue' \
        --data-binary @"$work/expect.txt" "$url/big"
    record curl-headers "${d[@]}" -A 'protoharness-seed/1.0' -e 'http://example.test/from' \
        -H 'Accept: text/html, application/xhtml+xml;q=0.9, */*;q=0.8' \
        -H 'Accept-Language: en-GB,en;q=0.7' -H 'Cache-Control: no-cache' \
        -H 'Cookie: session=abc123; theme=dark' -H 'X-Request-Id: 7f3c9a' \
        -H 'If-None-Match: "v1"' -u 'user:pa55' --compressed "$url/headers"
    # Absolute-form (RFC 9112 3.2.2): the request goes to the proxy, 127.0.0.1.
    record curl-proxy-absolute "${c[@]}" -x "$proxy" 'http://example.test/path?q=1'
    # Authority-form (RFC 9112 3.2.3): CONNECT; the recorder closes after the tunnel opens,
    # so curl fails; only the CONNECT request is recorded.
    record curl-connect --may-fail "${c[@]}" -p -x "$proxy" 'http://example.test/'
}

record_wget() {
    local url=http://127.0.0.1:$PORT
    local w=(wget --no-config -q -O /dev/null --tries=1 --timeout=5 --no-proxy)
    record wget-get "${w[@]}" "$url/wget"
    record wget-post "${w[@]}" --post-data 'user=bob&lang=en' "$url/wget-form"
}

record_python() {
    local url=http://127.0.0.1:$PORT
    record python-urllib-get "$PYTHON" -I -c '
import sys, urllib.request
urllib.request.urlopen(sys.argv[1] + "/urllib", timeout=5).read()
' "$url"
    record python-urllib-post "$PYTHON" -I -c '
import sys, urllib.request
urllib.request.urlopen(sys.argv[1] + "/urllib-form", data=b"k=v&x=1", timeout=5).read()
' "$url"
    record python-httpclient-post-chunked "$PYTHON" -I -c '
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
c.request("POST", "/upload", body=iter([b"hello ", b"chunked ", b"world\n"]),
          headers={"Content-Type": "text/plain"}, encode_chunked=True)
c.getresponse().read()
c.close()
' "$PORT"
}

record_node() {
    local guard='setTimeout(() => { console.error("timeout"); process.exit(1); }, 5000).unref();'
    record node-get-keepalive env PORT="$PORT" node -e "$guard"'
const http = require("http");
const agent = new http.Agent({ keepAlive: true });
http.get({ host: "127.0.0.1", port: +process.env.PORT, path: "/node", agent }, (res) => {
    res.resume();
    res.on("end", () => agent.destroy());
}).on("error", (e) => { console.error(e.message); process.exitCode = 1; });
'
    # No Content-Length and several write()s: Node sends Transfer-Encoding: chunked.
    record node-post-chunked env PORT="$PORT" node -e "$guard"'
const http = require("http");
const req = http.request({ host: "127.0.0.1", port: +process.env.PORT, method: "POST",
                           path: "/node-upload", agent: false,
                           headers: { "Content-Type": "text/plain" } }, (res) => res.resume());
req.on("error", (e) => { console.error(e.message); process.exitCode = 1; });
req.write("first piece\n");
req.write("second\n");
req.end("last");
'
}

# ---- main -------------------------------------------------------------------------------

mkdir -p "$REQ_DIR" "$CHUNK_DIR" "$work/rec"
write_edge_seeds
start_recorder
if have curl; then record_curl; fi
if have wget; then record_wget; fi
record_python
if have node; then record_node; fi

# Every seed must be valid strict RFC 9112: a seed the parser rejects covers little.
if ! "$PYTHON" -I "$RECORDER" check-request "$REQ_DIR"/seed-* ||
    ! "$PYTHON" -I "$RECORDER" check-chunked "$CHUNK_DIR"/seed-*; then
    failures+=("some seeds are not valid strict RFC 9112 (see above)")
fi
for dir in "$REQ_DIR" "$CHUNK_DIR"; do
    n=$(find "$dir" -maxdepth 1 -type f | wc -l)
    if [ "$n" -gt "$MAX_SEEDS" ]; then
        warnings+=("${dir#"$ROOT"/} holds $n files (more than $MAX_SEEDS)")
    fi
done

for w in "${warnings[@]+"${warnings[@]}"}"; do
    say "warning: $w"
done
if [ "${#failures[@]}" -gt 0 ]; then
    for f in "${failures[@]}"; do
        say "error: $f"
    done
    echo "recorder log:"
    cat "$work/recorder.log"
    exit 1
fi
say "record-seeds: done"

#!/usr/bin/env bash
# test_parse_stream.sh BIN_DIR SOURCE_DIR: `ph-parse http` and `ph-parse chao` stream
# (issue #12 item 3). Endless and large inputs come from generators through FIFOs, so no
# disk is needed but for one capture; each run is watched: its peak resident memory
# (VmHWM, /proc/PID/status) must stay under a generous bound, and a run past the bound or
# its deadline is killed, so the pre-streaming binary fails fast instead of eating memory.
# No timing asserts beyond the deadlines. The output on the committed requests must stay
# what it was: parse_stream.expected is the output of the pre-streaming ph-parse (commit
# 3cb44cc) on corpus/http_request and tests/conformance/cases.
set -uo pipefail
bin=$1 src=$2
parse=$bin/ph-parse
# shellcheck source=ci/lib.sh
. "$src/ci/lib.sh" # ph_workdir
ph_workdir phparse-stream
. "$src/tests/integration/check_lib.sh"

# Bounds on the peak resident memory: ph-parse http holds 128 KiB of input, a 1 MiB body
# window and its JSON line (about 9 MiB with ASan's runtime); 32 MiB is generous and
# still below what the pre-streaming binary held for 50 MiB of input. The chao bound is
# set further down.
limit_kb=$((32 * 1024))
deadline=60             # seconds for any one run: generous on a loaded machine

# watched PID: waits for PID, polling its VmHWM; kills it past $limit_kb or $deadline.
# Sets $hwm (kB), $rc and $why (empty, or why it was killed).
watched() {
    local pid=$1 h polls=0
    hwm=0 why=
    while [ -r "/proc/$pid/status" ]; do
        h=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
        [ -z "$h" ] && break # a zombie: it has ended
        [ "$h" -gt "$hwm" ] && hwm=$h
        if [ "$hwm" -gt "$limit_kb" ]; then
            why="resident memory past $limit_kb kB" && kill "$pid" && break
        fi
        polls=$((polls + 1))
        if [ "$polls" -gt $((deadline * 20)) ]; then
            why="still running after ${deadline}s" && kill "$pid" && break
        fi
        sleep 0.05
    done
    wait "$pid"
    rc=$?
    echo "     (exit $rc, VmHWM $hwm kB${why:+, killed: $why})"
}

# feed NAME COMMAND...: runs COMMAND into a FIFO $work/NAME.in in the background.
feed() {
    local name=$1
    shift
    rm -f "$work/$name.in"
    mkfifo "$work/$name.in"
    "$@" >"$work/$name.in" 2>/dev/null &
    pids+=($!)
}

# parse_http NAME: ph-parse http on $work/NAME.in, output in $work/NAME.out, watched.
parse_http() {
    "$parse" http <"$work/$1.in" >"$work/$1.out" 2>"$work/$1.err" &
    watched $!
}

line() { sed -n "${2}p" "$work/$1.out"; }
field() { python3 -c 'import json,sys; r=json.loads(sys.stdin.readline()); print(eval(sys.argv[1]))' "$1"; }

echo "== /dev/zero: the METHOD error at offset 0 at once, while the input goes on"
feed zero cat /dev/zero
parse_http zero
check "exit 1 before the input ends" test "$rc" = 1 -a -z "$why"
check "METHOD at offset 0" test "$(line zero 1)" = \
    '{"result":"error","error":"METHOD","status":400,"offset":0,"message":"method is not a token"}'
check "resident memory under $limit_kb kB" test "$hwm" -lt "$limit_kb"

echo "== a request on a connection that stays open: printed before the input ends"
feed open sh -c 'printf "GET / HTTP/1.1\r\nHost: a\r\n\r\n"; sleep 30'
"$parse" http <"$work/open.in" >"$work/open.out" 2>"$work/open.err" &
pid=$!
for _ in $(seq 200); do [ -s "$work/open.out" ] && break; sleep 0.05; done
check "the line is out within 10 s" test -s "$work/open.out"
check "while ph-parse still waits for more" kill -0 "$pid"
check "it is the request" test "$(line open 1 | field 'r["target"]')" = /
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

echo "== a 1 GiB Content-Length body through a pipe: counted, 1 MiB of it printed"
feed length sh -c 'printf "POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: 1073741824\r\n\r\n";
                    head -c 1073741824 /dev/zero; printf "GET /next HTTP/1.1\r\nHost: a\r\n\r\n"'
parse_http length
check "exit 0" test "$rc" = 0 -a -z "$why"
check "content_length is the whole body" test "$(line length 1 | field 'r["content_length"]')" = 1073741824
check "body_base64 is its first 1 MiB, body_truncated" test "$(line length 1 |
    field 'len(__import__("base64").b64decode(r["body_base64"])), r["body_truncated"]')" = "(1048576, True)"
check "the pipelined request after it" test "$(line length 2 | field 'r["target"]')" = /next
check "resident memory under $limit_kb kB" test "$hwm" -lt "$limit_kb"

echo "== a 512 MiB chunked body: decoded a window at a time"
feed chunked python3 -c '
import sys
out = sys.stdout.buffer
out.write(b"POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
chunk = b"100000;x=y\r\n" + b"z" * 0x100000 + b"\r\n"
for _ in range(512):
    out.write(chunk)
out.write(b"0\r\nT: 1\r\n\r\nGET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")'
parse_http chunked
check "exit 0" test "$rc" = 0 -a -z "$why"
check "content_length is the decoded length" test "$(line chunked 1 | field 'r["content_length"]')" = 536870912
check "body_base64 is its first 1 MiB of z" test "$(line chunked 1 |
    field '__import__("base64").b64decode(r["body_base64"]) == b"z" * 1048576')" = True
check "the pipelined request after it" test "$(line chunked 2 | field 'r["target"]')" = /after
check "resident memory under $limit_kb kB" test "$hwm" -lt "$limit_kb"

echo "== 50 MiB of pipelined requests (GET, Content-Length, chunked): flat memory"
python3 - "$work" <<'EOF'
import sys
get = b"GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: gen\r\nAccept: */*\r\n\r\n"
body = b"x" * 300
post = b"POST /upload HTTP/1.1\r\nHost: example.com\r\nContent-Length: %d\r\n\r\n" % len(body) + body
chunks = b"".join(b"%x;ext=1\r\n%s\r\n" % (n, b"y" * n) for n in (1, 100, 255))
chunked = b"POST /chunks HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\nTrailer-A: b\r\n\r\n"
unit = get + post + chunked
open(sys.argv[1] + "/unit", "wb").write(unit)
open(sys.argv[1] + "/block", "wb").write(unit * ((1 << 20) // len(unit)))
EOF
units=$((50 * ((1 << 20) / $(stat -c %s "$work/unit"))))
feed pipelined sh -c 'for i in $(seq 50); do cat "$1"; done' sh "$work/block"
parse_http pipelined
check "exit 0" test "$rc" = 0 -a -z "$why"
check "one line per request ($((3 * units)))" test "$(wc -l <"$work/pipelined.out")" = $((3 * units))
"$parse" http "$work/unit" >"$work/unit.out"
sort "$work/pipelined.out" | uniq -c | sed 's/^ *[0-9]* //' | sort >"$work/pipelined.distinct"
check "every line is one of the unit's three" cmp -s "$work/pipelined.distinct" <(sort "$work/unit.out")
check "resident memory under $limit_kb kB" test "$hwm" -lt "$limit_kb"

echo "== the committed requests: output and exit status as before streaming"
for f in $(sed -n 's/^== \([^ ]*\) rc=.*/\1/p' "$src/tests/integration/parse_stream.expected"); do
    out=$("$parse" http "$src/$f")
    printf '== %s rc=%d\n%s\n' "$f" $? "$out"
done >"$work/expected.file"
check "read from the file" diff -u "$src/tests/integration/parse_stream.expected" "$work/expected.file"
# The same bytes through a pipe in pieces of 1 to 13 bytes: how reads split the input
# must not change a result (the parser is stateless over what has arrived).
python3 - "$parse" "$src" "$src/tests/integration/parse_stream.expected" \
    >"$work/expected.pipe" <<'EOF'
import re, subprocess, sys, time
parse, src, expected = sys.argv[1:]
for f in re.findall(r"^== (\S+) rc=", open(expected).read(), re.M):
    data = open(src + "/" + f, "rb").read()
    p = subprocess.Popen([parse, "http"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    i = k = 0
    try:
        while i < len(data):
            n = 1 + k % 13
            p.stdin.write(data[i:i + n])
            i, k = i + n, k + 1
            time.sleep(0.0002)
        p.stdin.close()
    except BrokenPipeError:
        pass  # it stopped reading after a request that closes the connection
    out = p.stdout.read().decode().rstrip("\n")
    sys.stdout.write("== %s rc=%d\n%s\n" % (f, p.wait(), out))
EOF
check "trickled through a pipe" diff -u "$src/tests/integration/parse_stream.expected" "$work/expected.pipe"

echo "== ph-parse chao on a 125 MiB capture: libpcap reads it a record at a time"
# pcap (microseconds, Ethernet): 128 blocks of 5 frames of 200 KiB that are not CHAO (an
# IPv4 EtherType: a short error line each, so the output stays small) and one native
# CHAO/1 request.
python3 - "$work/big.pcap" <<'EOF'
import struct, sys
def record(frame):
    return struct.pack("<IIII", 0, 0, len(frame), len(frame)) + frame
macs = bytes.fromhex("020000000002" "020000000001")
body = bytes(range(256)) * 5 + bytes(120)
chao = macs + bytes.fromhex("88b5") + b"CHAO" + struct.pack(">BBHH", 1, 1, 7, len(body)) + body
other = macs + bytes.fromhex("0800") + bytes(200 << 10)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 1 << 21, 1))
    for _ in range(128):
        for _ in range(5):
            f.write(record(other))
        f.write(record(chao))
EOF
frames=$((128 * 6))
limit_kb=$((64 * 1024)) # libpcap's buffers for 200 KiB records, with ASan's quarantine
"$parse" chao "$work/big.pcap" >"$work/chao.out" 2>"$work/chao.err" &
watched $!
check "exit 1 (the frames that are not CHAO)" test "$rc" = 1 -a -z "$why"
check "one line per frame ($frames)" test "$(wc -l <"$work/chao.out")" = "$frames"
check "every 6th frame decoded" \
    test "$(grep -c '"result":"ok".*"seq":7,"length":1400' "$work/chao.out")" = 128
check "the others are NOT_CHAO" test "$(grep -c '"error":"NOT_CHAO"' "$work/chao.out")" = $((5 * 128))
check "resident memory under $limit_kb kB" test "$hwm" -lt "$limit_kb"
head -c $((24 + 3 * (16 + 14 + (200 << 10)))) "$work/big.pcap" >"$work/small.pcap"
check "a capture on stdin decodes as from a file" cmp -s <("$parse" chao - <"$work/small.pcap") \
    <("$parse" chao "$work/small.pcap")

check_summary parse_stream

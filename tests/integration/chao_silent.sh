#!/usr/bin/env bash
# chao_silent.sh BIN_DIR: a ph-chao server (host B) stays silent for replies, errors,
# garbage, malformed CHAO, frames for another host, a group source, and its own host's
# outgoing frames (PACKET_OUTGOING: a bare request starts with CHAO like its reply); and
# its replies to a flood are rate-limited, so it cannot be used as an amplifier. Host A
# captures everything that arrives; nothing from B may be a reply or an error.
source "$(dirname "$0")/chao_lib.sh"
setup_link

A=$(echo "$MAC_A" | tr -d :)
B=$(echo "$MAC_B" | tr -d :)
HDR=88b54348414f01 # EtherType, "CHAO", version 1

start capture "$NS_A" "$BIN/ph-chao" capture --iface chao0 -w "$TMP/a.pcap"
CAPTURE=$LAST_PID
start serve "$NS_B" "$BIN/ph-chao" serve --iface chao0
SERVE=$LAST_PID

send_raw "$NS_A" \
    "$B$A${HDR}020007000568656c6c6f" \
    "$B$A${HDR}03000700024f4b" \
    "ffffffffffff$A${HDR}0200010000" \
    "$B${A}0800450000140000400040110000" \
    "$B${A}0806000108000604000102000000000100000000" \
    "$(head -c 60 /dev/urandom | od -An -tx1 -v | tr -d ' \n')" \
    "$B$A${HDR}" \
    "$B${A}88b54348414f020100010000" \
    "$B${A}88b54348415801010001000000" \
    "020000000003$A${HDR}0100010000" \
    "${B}01005e000001${HDR}0100010000" \
    "$B$A${A}810000648100006481000064${HDR}0100010000"
# The server's own host: a native request and a bare frame leaving B's interface.
in_b "$BIN/ph-chao" send --iface chao0 --no-wait "own native request" 2>/dev/null
in_b "$BIN/ph-chao" send --iface chao0 --bare --no-wait "own bare frame" 2>/dev/null
sleep 0.3

# A flood of 3000 requests in a burst (a fraction of a second): answered at most the burst
# (100) and the refill (1000/s), so well under half of them even on a slow machine.
ip netns exec "$NS_A" python3 - "$B$A${HDR}01" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("chao0", 0))
head = bytes.fromhex(sys.argv[1])
start = time.monotonic()
for seq in range(3000):
    s.send(head + seq.to_bytes(2, "big") + b"\x00\x00" + bytes(36))
print("flood: %.3f s" % (time.monotonic() - start))
PY
sleep 0.3
stop "$SERVE"
stop "$CAPTURE"

summary=$(tail -1 "$TMP/serve.err")
echo "$summary"
python3 - "$summary" <<'PY' && pass "flood: replies rate-limited" || fail "flood: $summary"
import re, sys
s = sys.argv[1]
n = lambda k: int(re.search(r"(\d+) " + k, s).group(1))
# at most CHAO_REPLY_BURST at once plus CHAO_REPLY_RATE/s while they arrive
answered, limited = n("answered"), n("rate-limited")
sys.exit(0 if 100 <= answered < 1500 and answered + limited == 3000 else 1)
PY
grep -q " 2 own," "$TMP/serve.err" && pass "own outgoing frames seen and ignored" ||
    fail "own frames: $summary"

"$BIN/ph-parse" chao "$TMP/a.pcap" >"$TMP/a.json" || true
python3 - "$TMP/a.json" "$MAC_B" <<'PY' && pass "silent for everything but the flood's requests" || fail "server answered what it must not"
import json, sys
mac_b = sys.argv[2]
bad = []
for line in open(sys.argv[1]):
    f = json.loads(line)
    if f["result"] != "ok":
        continue
    if f.get("src") == mac_b and f.get("type") in ("reply", "error") and f["seq"] >= 3000:
        bad.append(f)  # a reply to something that was not a flood request
    if f["framing"] == "bare" and f["body_base64"] == "SGVsbG8sIGN1c3RvbSBjaGFvIHByb3RvY29sIQ==":
        bad.append(f)
    if f.get("src") == mac_b and f.get("type") == "error":
        bad.append(f)
for b in bad:
    print("unexpected:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
finish

#!/usr/bin/env bash
# chao_exchange.sh BIN_DIR: ph-chao serve on host B, ph-chao send on host A, over a veth
# pair between two network namespaces: native, bare, VLAN-tagged (one tag and Q-in-Q, sent
# with --vlan on the plain veth: this kernel has no 8021q module), an error reply, and UDP.
# ph-chao capture records the exchange on B; every frame must decode with ph-parse chao.
source "$(dirname "$0")/chao_lib.sh"
setup_link

start capture "$NS_B" "$BIN/ph-chao" capture --iface chao0 -w "$TMP/exchange.pcap" --chao-only
CAPTURE=$LAST_PID
start serve "$NS_B" "$BIN/ph-chao" serve --iface chao0
SERVE=$LAST_PID

# expect NAME WANT_OUTPUT WANT_STATUS ARGS...: runs send on host A.
expect() {
    local name=$1 want=$2 want_rc=$3
    shift 3
    local got rc=0
    got=$(in_a "$BIN/ph-chao" send --iface chao0 --timeout 500 "$@" 2>"$TMP/send.err") || rc=$?
    if [ "$rc" -ne "$want_rc" ] || [ "$got" != "$want" ]; then
        fail "$name: exit $rc, output '$got' (want $want_rc, '$want'): $(cat "$TMP/send.err")"
    else
        pass "$name"
    fi
}

expect "native, broadcast" "hello native" 0 --seq 7 "hello native"
expect "native, unicast" "to you" 0 --to "$MAC_B" --seq 8 "to you"
expect "native, one C-tag" "tagged" 0 --vlan 100 --seq 9 "tagged"
expect "native, S-tag over C-tag" "double" 0 --vlan 200 --vlan 100 --seq 10 "double"
expect "bare, the original request" "Hello, custom chao protocol!" 0 --bare \
    "Hello, custom chao protocol!"
expect "bare, another message" "Hello, custom chao protocol!" 0 --bare "anything at all"
expect "native, large body" "$(head -c 1490 /dev/zero | tr '\0' x)" 0 --seq 11 \
    "$(head -c 1490 /dev/zero | tr '\0' x)"
expect "native, over the MTU" "" 64 "$(head -c 1491 /dev/zero | tr '\0' x)"
expect "bare, shorter than an Ethernet header" "" 64 --bare "short"

# An unknown type gets an error reply with the same seq and the error's name.
send_raw "$NS_A" "$(echo "$MAC_B$MAC_A" | tr -d :)88b54348414f0107002a0000"
sleep 0.3
stop "$SERVE"
stop "$CAPTURE"
grep -q "native UNKNOWN_TYPE seq 42 from $MAC_A" "$TMP/serve.out" &&
    pass "error reply to an unknown type" || fail "no error reply: $(cat "$TMP/serve.out")"
grep -q " 0 rate-limited, 0 send errors" "$TMP/serve.err" &&
    pass "server summary" || fail "server summary: $(cat "$TMP/serve.err")"

# The capture holds every request and reply, and each decodes but the one with a bad type
# (ph-parse goes on after it, and exits 1).
"$BIN/ph-parse" chao "$TMP/exchange.pcap" >"$TMP/exchange.json" && rc=0 || rc=$?
errors=$(grep -c '"result":"error"' "$TMP/exchange.json" || true)
[ "$rc" -eq 1 ] && [ "$errors" -eq 1 ] &&
    grep -q '"result":"error","frame":[0-9]*,"error":"UNKNOWN_TYPE","offset":19' "$TMP/exchange.json" &&
    pass "ph-parse chao: every captured frame decodes but the bad one" ||
    fail "ph-parse chao exit $rc, $errors errors: $(grep error "$TMP/exchange.json" || true)"
python3 - "$TMP/exchange.json" <<'PY' && pass "capture: requests and replies as sent" || fail "capture contents"
import json, sys
frames = [json.loads(l) for l in open(sys.argv[1])]
def find(**kw):
    return [f for f in frames if all(f.get(k) == v for k, v in kw.items())]
checks = [
    find(framing="native", type="request", seq=7, dst="ff:ff:ff:ff:ff:ff"),
    find(framing="native", type="reply", seq=7, dst="02:00:00:00:00:01", src="02:00:00:00:00:02"),
    find(framing="native", type="request", seq=9, vlan=[100]),
    find(framing="native", type="reply", seq=9, vlan=[100]),
    find(framing="native", type="request", seq=10, vlan=[200, 100], vlan_tpid=["0x88a8", "0x8100"]),
    find(framing="native", type="reply", seq=10, vlan=[200, 100]),
    find(framing="native", type="error", seq=42),
    find(framing="bare", dst="43:48:41:4f:48:65"),
]
bad = [i for i, c in enumerate(checks) if not c]
for f in frames:
    if f.get("framing") == "native" and f["length"] < 46 and f["padding"] + f["length"] + 24 + 4 * len(f["vlan"]) < 60:
        bad.append("unpadded native frame %s" % f)
if bad:
    print("missing:", bad, file=sys.stderr)
    sys.exit(1)
PY

# UDP: the same messages without CAP_NET_RAW.
start userve "$NS_B" "$BIN/ph-chao" serve --udp "$IP_B:7007" --status-file "$TMP/userve.json"
USERVE=$LAST_PID
jq -e --arg u "$IP_B:7007" '.daemon == "ph-chao" and .state == "ready" and .udp == $u' \
    "$TMP/userve.json" >/dev/null && pass "udp serve: status file ready" ||
    fail "udp serve: status file: $(cat "$TMP/userve.json")"
got=$(in_a "$BIN/ph-chao" send --udp "$IP_B:7007" --timeout 500 "over udp") &&
    [ "$got" = "over udp" ] && pass "udp exchange" || fail "udp exchange: '$got'"
got=$(in_a setpriv --inh-caps=-all --bounding-set=-net_raw "$BIN/ph-chao" send \
    --udp "$IP_B:7007" --timeout 500 "no CAP_NET_RAW") && [ "$got" = "no CAP_NET_RAW" ] &&
    pass "udp without CAP_NET_RAW" || fail "udp without CAP_NET_RAW: '$got'"
rc=0
in_a "$BIN/ph-chao" send --udp "$IP_B:7008" --timeout 200 --retries 1 "nobody" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] && pass "udp: no server, exit 2" || fail "udp: no server: exit $rc"
stop "$USERVE"
jq -e '.state == "stopped" and .stats.answered == 2 and .stats.decoded == 2' \
    "$TMP/userve.json" >/dev/null && pass "udp serve: status file stopped, 2 answered" ||
    fail "udp serve: final status: $(cat "$TMP/userve.json")"

# Clear errors: no interface, no privilege, bad MAC.
rc=0
in_a "$BIN/ph-chao" send --iface nosuch0 "x" 2>"$TMP/e1" || rc=$?
[ "$rc" -eq 1 ] && grep -q "no such interface: nosuch0" "$TMP/e1" && pass "missing interface" ||
    fail "missing interface: exit $rc: $(cat "$TMP/e1")"
rc=0
in_a setpriv --inh-caps=-all --bounding-set=-net_raw "$BIN/ph-chao" serve --iface chao0 \
    2>"$TMP/e2" || rc=$?
[ "$rc" -eq 1 ] && grep -q "needs CAP_NET_RAW" "$TMP/e2" && pass "missing privilege" ||
    fail "missing privilege: exit $rc: $(cat "$TMP/e2")"
rc=0
in_a "$BIN/ph-chao" send --iface chao0 --to 02:00:00:00:00 "x" 2>"$TMP/e3" || rc=$?
[ "$rc" -eq 64 ] && grep -q "bad MAC address" "$TMP/e3" && pass "bad MAC" ||
    fail "bad MAC: exit $rc: $(cat "$TMP/e3")"
finish

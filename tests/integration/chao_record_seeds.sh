#!/usr/bin/env bash
# chao_record_seeds.sh BIN_DIR: writes the seed corpora of the CHAO fuzz targets.
#
#   corpus/chao_frame/seed-edge-*   hand-written frames (printf below), one rule each
#   corpus/chao_frame/seed-veth-*   frames captured by `ph-chao capture` on host B while
#                                   `ph-chao send` on host A talks to `ph-chao serve` on B
#                                   over a veth pair between two network namespaces (as
#                                   root); ARP frames included, UDP datagrams as payloads
#   corpus/chao_roundtrip/          the same files: that target reads the same frames
#
# BIN_DIR holds ph-chao (e.g. build/bin). Re-running writes the same bytes: addresses,
# sequence numbers and messages are fixed, IPs are 10.99.250.1-2 inside the namespaces,
# and only frame bytes are kept (no timestamps, no IP or UDP headers with their random ports).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FRAME=$ROOT/corpus/chao_frame
ROUNDTRIP=$ROOT/corpus/chao_roundtrip
export CHAO_NET=10.99.250
source "$(dirname "${BASH_SOURCE[0]}")/chao_lib.sh"

A='\x02\x00\x00\x00\x00\x0a' # the client's address in the edge seeds
B='\x02\x00\x00\x00\x00\x0b' # the server's
E='\x88\xb5'

edge() {
    local name=$1 bytes=$2
    printf "$bytes" >"$FRAME/seed-edge-$name"
}

write_edge_seeds() {
    mkdir -p "$FRAME" "$ROUNDTRIP"
    rm -f "$FRAME"/seed-edge-*
    edge bare-original 'CHAOHello, custom chao protocol!'
    edge bare-short 'CHAOhi'
    edge bare-ethernet-header 'CHAO1234567890' # 14 bytes: the shortest bare frame with "addresses"
    edge bare-padded 'CHAOhello\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
    edge native-request "$B$A$E"'CHAO\x01\x01\x00\x07\x00\x05hello'
    edge native-request-padded "$B$A$E"'CHAO\x01\x01\x00\x07\x00\x05hello\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
    edge native-broadcast '\xff\xff\xff\xff\xff\xff'"$A$E"'CHAO\x01\x01\x00\x01\x00\x02hi'
    edge native-reply "$A$B$E"'CHAO\x01\x02\x00\x07\x00\x05hello'
    edge native-error "$A$B$E"'CHAO\x01\x03\x00\x07\x00\x0cUNKNOWN_TYPE'
    edge native-empty-body "$B$A$E"'CHAO\x01\x01\xff\xff\x00\x00'
    edge vlan-ctag "$B$A"'\x81\x00\xa0\x64'"$E"'CHAO\x01\x01\x00\x02\x00\x04vlan'
    edge vlan-qinq "$B$A"'\x88\xa8\x00\xc8\x81\x00\x00\x64'"$E"'CHAO\x01\x01\x00\x03\x00\x04qinq'
    edge vlan-three-tags "$B$A"'\x88\xa8\x00\x01\x81\x00\x00\x02\x81\x00\x00\x03'"$E"'CHAO\x01\x01\x00\x00\x00\x00'
    edge vlan-reserved "$B$A"'\x81\x00\x0f\xff'"$E"'CHAO\x01\x01\x00\x00\x00\x00'
    edge not-chao-ipv4 "$B$A"'\x08\x00\x45\x00\x00\x1c\x00\x00\x40\x00\x40\x11\x00\x00\x7f\x00\x00\x01\x7f\x00\x00\x01'
    edge bad-magic "$B$A$E"'CHAX\x01\x01\x00\x00\x00\x00'
    edge unknown-version "$B$A$E"'CHAO\x02\x01\x00\x00\x00\x00'
    edge unknown-type "$B$A$E"'CHAO\x01\x07\x00\x09\x00\x00'
    edge length-past-end "$B$A$E"'CHAO\x01\x01\x00\x00\x01\x00short'
    edge group-source "$B"'\x01\x00\x5e\x00\x00\x01'"$E"'CHAO\x01\x01\x00\x00\x00\x00'
    edge truncated-header "$B$A$E"'CHAO\x01'
    edge udp-request 'CHAO\x01\x01\x00\x07\x00\x05hello'
    edge udp-trailing 'CHAO\x01\x01\x00\x07\x00\x01ab'
    edge vlan-stag "$B$A"'\x88\xa8\x00\x05'"$E"'CHAO\x01\x01\x00\x04\x00\x05stag!'
}


# The frames of a pcap, one file each, named PREFIX-<n>; IPv4/UDP frames give their UDP
# payload (a CHAO datagram) instead. Reads the classic pcap format that libpcap wrote.
split_capture() {
    python3 - "$1" "$2" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
magic = struct.unpack("<I", data[:4])[0]
assert magic == 0xa1b2c3d4, "not a little-endian microsecond pcap"
off, n = 24, 0
while off < len(data):
    _, _, caplen, _ = struct.unpack("<IIII", data[off:off + 16])
    frame = data[off + 16:off + 16 + caplen]
    off += 16 + caplen
    n += 1
    if frame[12:14] == b"\x08\x00" and frame[23] == 17:  # IPv4, UDP
        ihl = (frame[14] & 15) * 4
        payload = frame[14 + ihl + 8:]
        open("%s-udp-%02d" % (sys.argv[2], n), "wb").write(payload)
        continue
    open("%s-%02d" % (sys.argv[2], n), "wb").write(frame)
PY
}

record_veth_seeds() {
    rm -f "$FRAME"/seed-veth-*
    setup_link
    start capture "$NS_B" "$BIN/ph-chao" capture --iface chao0 -w "$TMP/seeds.pcap"
    local capture=$LAST_PID
    start serve "$NS_B" "$BIN/ph-chao" serve --iface chao0
    local serve=$LAST_PID
    start userve "$NS_B" "$BIN/ph-chao" serve --udp "$IP_B:7007"
    local userve=$LAST_PID
    local send=("$BIN/ph-chao" send --iface chao0 --timeout 500)
    in_a "${send[@]}" --seq 1 "hello native" >/dev/null
    in_a "${send[@]}" --seq 2 --to "$MAC_B" "to you" >/dev/null
    in_a "${send[@]}" --seq 3 --vlan 100 "tagged" >/dev/null
    in_a "${send[@]}" --seq 4 --vlan 200 --vlan 100 "double" >/dev/null
    in_a "${send[@]}" --bare "Hello, custom chao protocol!" >/dev/null
    in_a "${send[@]}" --seq 5 "$(head -c 1490 /dev/zero | tr '\0' x)" >/dev/null
    in_a "${send[@]}" --seq 6 --type error --no-wait "error" >/dev/null
    send_raw "$NS_A" "$(echo "$MAC_B$MAC_A" | tr -d :)88b54348414f0107002a0000"
    in_a "$BIN/ph-chao" send --udp "$IP_B:7007" --seq 7 "over udp" >/dev/null
    sleep 0.3
    stop "$serve"
    stop "$userve"
    stop "$capture"
    split_capture "$TMP/seeds.pcap" "$FRAME/seed-veth"
}

copy_to_roundtrip() {
    rm -f "$ROUNDTRIP"/seed-*
    cp "$FRAME"/seed-* "$ROUNDTRIP"/
}

write_edge_seeds
record_veth_seeds
copy_to_roundtrip
echo "chao_record_seeds: $(ls "$FRAME" | wc -l) seeds in corpus/chao_frame and corpus/chao_roundtrip"

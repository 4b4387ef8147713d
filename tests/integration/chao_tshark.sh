#!/usr/bin/env bash
# chao_tshark.sh BIN_DIR SOURCE_DIR: cross-checks `ph-parse chao` against Wireshark's
# dissector (tshark, Debian) on a pcap of encoded frames: every seed of corpus/chao_frame
# (hand-written frames and frames captured between two namespaces), written into one pcap
# by text2pcap. chao_compare.py compares addresses, VLAN ids, EtherType and payload bytes.
set -euo pipefail

BIN=${1:?usage: $0 BIN_DIR SOURCE_DIR}
SRC=${2:?usage: $0 BIN_DIR SOURCE_DIR}
command -v tshark >/dev/null || { echo "SKIP: tshark is not installed: run ci/setup.sh"; exit 77; }
TMP=$(mktemp -d /tmp/phchao-tshark.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# One hex dump per frame; text2pcap starts a new frame where the offset goes back to 0.
n=0
for f in "$SRC"/corpus/chao_frame/seed-*; do
    od -Ax -tx1 -v "$f"
    n=$((n + 1))
done >"$TMP/frames.hex"
text2pcap -q "$TMP/frames.hex" "$TMP/frames.pcap"

"$BIN/ph-parse" chao "$TMP/frames.pcap" >"$TMP/ours.json" || true # rejects are in the corpus
got=$(wc -l <"$TMP/ours.json")
[ "$got" -eq "$n" ] || { echo "FAIL: ph-parse printed $got lines for $n frames"; exit 1; }
tshark -r "$TMP/frames.pcap" -T fields -E separator='|' -e frame.number -e eth.dst -e eth.src \
    -e eth.type -e ieee8021ad.id -e ieee8021ah.etype -e vlan.id -e vlan.etype -e data.data \
    >"$TMP/tshark.txt" 2>"$TMP/tshark.err" || { cat "$TMP/tshark.err"; exit 1; }
python3 "$(dirname "$0")/chao_compare.py" "$TMP/ours.json" "$TMP/tshark.txt"

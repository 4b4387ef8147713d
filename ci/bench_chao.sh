#!/usr/bin/env bash
# ci/bench.sh chao: the CHAO core's decode rate, and frames/s that ph-chao serve receives,
# filters and decodes from a flood over a veth pair between two network namespaces this
# script creates (and removes), with its TPACKET_V3 ring and with one recvmsg per frame,
# next to each other in the same run, with the kernel's drop counts (PACKET_STATISTICS).
#
#   ci/bench_chao.sh [--rounds N] [--seconds S]
#
# Two setups: "default" (the kernel's receive work runs on the sender's core) and "rps"
# (receive work steered to the server's core through rps_cpus). The sender is pinned to
# core 0 and the server to core 1 in both. Needs root (namespaces, raw sockets).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3
seconds=3
while [ $# -gt 0 ]; do
    case $1 in
    --rounds) rounds=${2:?}; shift 2 ;;
    --seconds) seconds=${2:?}; shift 2 ;;
    *) echo "usage: ci/bench.sh chao [--rounds N>=3] [--seconds S]" >&2; exit 64 ;;
    esac
done
[ "$rounds" -ge 3 ] || { echo "bench: --rounds must be at least 3" >&2; exit 64; }
[ "$(id -u)" = 0 ] || { echo "bench: chao needs root (network namespaces, CAP_NET_RAW)" >&2; exit 1; }

ci/setup.sh
build=build/bench
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS=-O2 -DPH_BUILD_TESTS=OFF \
    -DPH_SANITIZE= >"$build.configure.log" 2>&1 || { cat "$build.configure.log" >&2; exit 1; }
cmake --build "$build" --parallel "$(nproc)" --target ph-chao ph-bench-chao >&2
bin=$build/bin

a=phbench-a-$$
b=phbench-b-$$
if=chb0
# shellcheck source=ci/lib.sh
. ci/lib.sh
ph_workdir ph-bench-chao
cleanup_netns() {
    ph_cleanup
    ip netns del "$a" 2>/dev/null || true
    ip netns del "$b" 2>/dev/null || true
}
trap cleanup_netns EXIT
ip netns add "$a"
ip netns add "$b"
ip link add "$if" netns "$a" type veth peer name "$if" netns "$b"
ip -n "$a" link set "$if" address 02:00:00:00:0b:01 up
ip -n "$b" link set "$if" address 02:00:00:00:0b:02 up

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "bench: decode (pure core)" >&2
for _ in $(seq "$rounds"); do
    "$bin/ph-bench-chao" decode --seconds 1 | sed -n 's/.*frames_per_s=//p'
done >"$work/decode"

# serve_round MODE: one flood of $seconds s at a server in MODE (ring or recvmsg); appends
# "received_per_s dropped sent_per_s" to $work/<setup>-<mode>.
serve_round() {
    local mode=$1 setup=$2 rate=${3:-0} args=(--quiet --seconds "$((seconds + 1))")
    [ "$mode" = recvmsg ] && args+=(--no-ring)
    ip netns exec "$b" taskset -c 1 "$PWD/$bin/ph-chao" serve --iface "$if" "${args[@]}" \
        2>"$work/serve.log" &
    local server=$!
    pids+=("$server")
    for _ in $(seq 100); do grep -q listening "$work/serve.log" && break; sleep 0.02; done
    local flood
    flood=$(ip netns exec "$a" taskset -c 0 "$PWD/$bin/ph-bench-chao" flood --iface "$if" \
        --seconds "$seconds" --rate "$rate")
    wait "$server" || true
    local frames dropped sent
    frames=$(sed -n 's/.*s, \([0-9]*\) frames.*/\1/p' "$work/serve.log")
    dropped=$(sed -n 's/.* seen, \([0-9]*\) dropped.*/\1/p' "$work/serve.log")
    sent=$(echo "$flood" | sed -n 's/.*frames_per_s=//p')
    echo "$(awk -v f="${frames:-0}" -v s="$seconds" 'BEGIN { printf "%.0f", f / s }') ${dropped:-0} $sent" \
        >>"$work/$setup-$mode"
}

for setup in default rps; do
    mask=0
    [ "$setup" = rps ] && mask=2 # core 1, where the server runs
    ip netns exec "$b" sh -c "echo $mask > /sys/class/net/$if/queues/rx-0/rps_cpus"
    for r in $(seq "$rounds"); do
        echo "bench: $setup round $r/$rounds" >&2
        serve_round ring "$setup"
        serve_round recvmsg "$setup"
    done
done

col() { awk -v c="$1" '{ print $c }' "$2" | median; }

# The ring again, at the rate the recvmsg loop managed with RPS: how many does it drop?
paced=$(col 1 "$work/rps-recvmsg")
ip netns exec "$b" sh -c "echo 2 > /sys/class/net/$if/queues/rx-0/rps_cpus"
for r in $(seq "$rounds"); do
    echo "bench: rps ring at ${paced}/s, round $r/$rounds" >&2
    serve_round ring rps-paced "$paced"
done
printf 'decode (pure core, one thread): %.0f frames/s\n\n' "$(median <"$work/decode")"
printf '%-8s %-8s %14s %14s %12s\n' setup path "received/s" "sender/s" "dropped"
for setup in default rps; do
    for mode in ring recvmsg; do
        f=$work/$setup-$mode
        printf '%-8s %-8s %14.0f %14.0f %12.0f\n' "$setup" "$mode" "$(col 1 "$f")" "$(col 3 "$f")" \
            "$(col 2 "$f")"
    done
    ratio=$(awk -v a="$(col 1 "$work/$setup-ring")" -v b="$(col 1 "$work/$setup-recvmsg")" \
        'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
    echo "$setup: ring/recvmsg = ${ratio}x"
done
f=$work/rps-paced-ring
printf 'rps ring at the recvmsg rate (%s/s): received %.0f/s, dropped %.0f\n' "$paced" \
    "$(col 1 "$f")" "$(col 2 "$f")"
echo
echo "target (rps setup): ring >= 2x recvmsg, with no drops at the rate recvmsg manages"
echo "medians of $rounds interleaved rounds of ${seconds}s; raw: build/bench/chao-raw/"
mkdir -p build/bench/chao-raw && cp "$work"/default-* "$work"/rps-* "$work/decode" build/bench/chao-raw/

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
# core 0 and the server to core 1 in both. Needs root (namespaces, raw sockets). The
# arithmetic and the reading of ph-chao serve's closing line are ci/benchstat.py's.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=ci/lib.sh
. ci/lib.sh

ph_bench_opts chao 3 3 "$@" # exits 64 on a usage error or fewer than 3 rounds
[ "$(id -u)" = 0 ] || { echo "bench: chao needs root (network namespaces, CAP_NET_RAW)" >&2; exit 1; }

ph_bench_build ph-chao ph-bench-chao
bin=build/bench/bin

a=phbench-a-$$
b=phbench-b-$$
if=chb0
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

echo "bench: decode (pure core)" >&2
# shellcheck disable=SC2154 # $work: set by ph_workdir (ci/lib.sh)
for _ in $(seq "$rounds"); do
    ph_field frames_per_s " $("$bin/ph-bench-chao" decode --seconds 1)"
done >"$work/decode"

# serve_round MODE: one flood of $seconds s at a server in MODE (ring or recvmsg); appends
# "received_per_s dropped sent_per_s" to $work/<setup>-<mode>.
serve_round() {
    local mode=$1 setup=$2 rate=${3:-0} args=(--quiet --seconds "$((seconds + 1))")
    [ "$mode" = recvmsg ] && args+=(--no-ring)
    rm -f "$work/serve.json"
    ip netns exec "$b" taskset -c 1 "$PWD/$bin/ph-chao" serve --iface "$if" "${args[@]}" \
        --status-file "$work/serve.json" 2>"$work/serve.log" &
    local server=$!
    pids+=("$server")
    ph_wait_ready "$work/serve.json" "$server" || { cat "$work/serve.log" >&2; exit 1; }
    local flood
    flood=$(ip netns exec "$a" taskset -c 0 "$PWD/$bin/ph-bench-chao" flood --iface "$if" \
        --seconds "$seconds" --rate "$rate")
    wait "$server" || true
    echo "$(ph_stat chao-serve "$seconds" <"$work/serve.log") $(ph_field frames_per_s " $flood")" \
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

col() { ph_stat median --column "$1" "$2"; }

# The ring again, at the rate the recvmsg loop managed with RPS: how many does it drop?
paced=$(ph_stat median --column 1 --format %.0f "$work/rps-recvmsg")
ip netns exec "$b" sh -c "echo 2 > /sys/class/net/$if/queues/rx-0/rps_cpus"
for r in $(seq "$rounds"); do
    echo "bench: rps ring at ${paced}/s, round $r/$rounds" >&2
    serve_round ring rps-paced "$paced"
done
printf 'decode (pure core, one thread): %.0f frames/s\n\n' "$(ph_median <"$work/decode")"
printf '%-8s %-8s %14s %14s %12s\n' setup path "received/s" "sender/s" "dropped"
for setup in default rps; do
    for mode in ring recvmsg; do
        f=$work/$setup-$mode
        printf '%-8s %-8s %14.0f %14.0f %12.0f\n' "$setup" "$mode" "$(col 1 "$f")" "$(col 3 "$f")" \
            "$(col 2 "$f")"
    done
    ratio=$(ph_stat ratio "$(col 1 "$work/$setup-ring")" "$(col 1 "$work/$setup-recvmsg")")
    echo "$setup: ring/recvmsg = ${ratio}x"
done
f=$work/rps-paced-ring
printf 'rps ring at the recvmsg rate (%s/s): received %.0f/s, dropped %.0f\n' "$paced" \
    "$(col 1 "$f")" "$(col 2 "$f")"
echo
echo "target (rps setup): ring >= 2x recvmsg, with no drops at the rate recvmsg manages"
echo "medians of $rounds interleaved rounds of ${seconds}s; raw: build/bench/chao-raw/"
mkdir -p build/bench/chao-raw && cp "$work"/default-* "$work"/rps-* "$work/decode" build/bench/chao-raw/

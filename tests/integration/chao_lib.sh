# shellcheck shell=bash
# Sourced by the CHAO integration tests (chao_*.sh BIN_DIR): two network namespaces joined
# by a veth pair, the background processes a test starts, and cleanup of all of it.
#
#   host A: namespace phchao-<pid>-a, interface chao0, 02:00:00:00:00:01, 10.99.<n>.1/24
#   host B: namespace phchao-<pid>-b, interface chao0, 02:00:00:00:00:02, 10.99.<n>.2/24
#
# Only these namespaces and what runs in them are touched; the trap removes the namespaces
# (which removes the veth pair) and stops every process the test started, whatever happens.
# Exit 77 (ctest SKIP_RETURN_CODE) with a clear line where the machine forbids namespaces.
set -euo pipefail

BIN=${1:?usage: $0 BIN_DIR}
BIN=$(cd "$BIN" && pwd)
NS_A=phchao-$$-a
NS_B=phchao-$$-b
MAC_A=02:00:00:00:00:01
MAC_B=02:00:00:00:00:02
NET=${CHAO_NET:-10.99.$(($$ % 250 + 1))} # a private range inside our own namespaces only
IP_A=$NET.1
IP_B=$NET.2
TMP=$(mktemp -d /tmp/phchao.XXXXXX)
PIDS=()
FAILED=0

skip() {
    echo "SKIP: $*"
    exit 77
}

fail() {
    echo "FAIL: $*"
    FAILED=$((FAILED + 1))
}

pass() {
    echo "ok: $*"
}

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    ip netns del "$NS_A" 2>/dev/null || true
    ip netns del "$NS_B" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }

# Two namespaces and a veth pair between them, up, with fixed addresses.
setup_link() {
    [ "$(id -u)" -eq 0 ] || skip "needs root for ip netns and CAP_NET_RAW (CI runs as root)"
    command -v ip >/dev/null || skip "ip (iproute2) is not installed: run ci/setup.sh"
    ip netns add "$NS_A" 2>"$TMP/netns.err" ||
        skip "this machine forbids network namespaces: $(cat "$TMP/netns.err")"
    ip netns add "$NS_B"
    ip link add chao0 netns "$NS_A" type veth peer name chao0 netns "$NS_B"
    in_a ip link set chao0 address "$MAC_A"
    in_b ip link set chao0 address "$MAC_B"
    in_a ip addr add "$IP_A/24" dev chao0
    in_b ip addr add "$IP_B/24" dev chao0
    in_a ip link set lo up
    in_b ip link set lo up
    in_a ip link set chao0 up
    in_b ip link set chao0 up
    # IPv6 would send its own frames (router solicitations) into captures: keep it quiet.
    in_a sysctl -qw net.ipv6.conf.chao0.disable_ipv6=1 2>/dev/null || true
    in_b sysctl -qw net.ipv6.conf.chao0.disable_ipv6=1 2>/dev/null || true
}

# start NAME NS CMD...: runs CMD in namespace NS in the background (stdout, stderr in
# $TMP/NAME.out, .err), waits until it prints "listening" on stderr, sets LAST_PID.
start() {
    local name=$1 ns=$2
    shift 2
    ip netns exec "$ns" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
    local i
    for ((i = 0; i < 100; i++)); do
        grep -q listening "$TMP/$name.err" 2>/dev/null && return 0
        kill -0 "$LAST_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "FAIL: $name did not start:"
    cat "$TMP/$name.err"
    exit 1
}

# stop PID: SIGTERM, and wait for it to write its summary.
stop() {
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# send_raw NS HEX...: sends each hex string as one frame out of chao0 (python3 packet(7)),
# for frames ph-chao would never build.
send_raw() {
    local ns=$1
    shift
    ip netns exec "$ns" python3 - "$@" <<'PY'
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("chao0", 0))
for h in sys.argv[1:]:
    s.send(bytes.fromhex(h))
PY
}

finish() {
    if [ "$FAILED" -ne 0 ]; then
        echo "$FAILED check(s) failed"
        exit 1
    fi
    echo "all checks passed"
}

#!/usr/bin/env bash
# Integration tests of ph-store: the real daemon, real clients, its corpus on a tmpfs
# this test mounts (mass deletion on the VM's disk slows later file creation for
# minutes). Every daemon it starts, it stops; the mounts go on exit.
#
#   test_store.sh BIN_DIR SOURCE_DIR
set -euo pipefail

bin=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
store=$bin/ph-store
send=$bin/ph-send
torture=$bin/store_torture

work=$(mktemp -d /tmp/ph-store-test.XXXXXX)
: >"$work/daemon.log"
pids=()
mounts=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for m in "${mounts[@]}"; do umount -l "$m" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=tests/integration/check_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/check_lib.sh"
# shellcheck source=ci/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../ci/lib.sh" # ph_wait_ready

# A tmpfs of SIZE at DIR when we may mount; else a plain folder (and ENOSPC is skipped).
can_mount=1
make_fs() {
    mkdir -p "$1"
    if [ "$can_mount" = 1 ] && mount -t tmpfs -o "size=$2" tmpfs "$1" 2>/dev/null; then
        mounts+=("$1")
        return 0
    fi
    can_mount=0
    return 1
}

daemon_pid=
start_daemon() { # start_daemon CORPUS SOCKET [ARGS...]; status in $work/daemon.status
    local corpus=$1 sock=$2
    shift 2
    # Ready when its status file says so: a stale socket file may be there before it is.
    rm -f "$work/daemon.status"
    "$store" --corpus "$corpus" --socket "$sock" --status-file "$work/daemon.status" "$@" \
        2>>"$work/daemon.log" &
    daemon_pid=$!
    pids+=("$daemon_pid")
    ph_wait_ready "$work/daemon.status" "$daemon_pid"
}
stop_daemon() { # SIGTERM, and wait for a clean exit
    kill -TERM "$daemon_pid"
    local rc=0
    wait "$daemon_pid" || rc=$?
    return $rc
}
no_leftovers() { # nothing in tmp/ and no log after a clean stop
    [ -z "$(ls -A "$1/.store/tmp")" ] && [ -z "$(ls -A "$1/.store/wal")" ]
}

make_fs "$work/fs" 2g || echo "note: cannot mount tmpfs here; using $work/fs on the disk"
fs=$work/fs

echo "== 64 clients at once, thousands of cases each"
start_daemon "$fs/c1" "$work/s1.sock"
check "64 clients x 2000 cases: all acknowledged" \
    "$torture" stream "$work/s1.sock" many 64 2000 200 1 "$work/acks1"
kill -USR1 "$daemon_pid"
check "clean shutdown on SIGTERM exits 0" stop_daemon
check "every acknowledged case on disk once, byte for byte" \
    "$torture" verify "$fs/c1" many 1 200 "$work/acks1"
check "socket removed, log and tmp empty after shutdown" \
    bash -c "[ ! -e '$work/s1.sock' ] && [ -z \"\$(ls -A '$fs/c1/.store/tmp' '$fs/c1/.store/wal' | grep -v :)\" ]"
check "statistics logged on SIGUSR1" grep -q "stats (SIGUSR1)" "$work/daemon.log"
expected=$((64 * (2000 - (2000 - 1) / 10))) # every 10th case, from the 10th, repeats one
check "distinct cases stored: $expected" \
    test "$(find "$fs/c1/many" -type f | wc -l)" -eq "$expected"
check "the status file says stopped, $expected stored, the rest duplicates" \
    jq -e ".state == \"stopped\" and .stats.stored == $expected and
           .stats.duplicates == $((64 * 2000 - expected))" "$work/daemon.status"

echo "== kill -9 in the middle of a stream, then restart"
start_daemon "$fs/c2" "$work/s2.sock"
"$torture" stream "$work/s2.sock" crashy 16 20000 300 2 "$work/acks2" 2>/dev/null &
stream_pid=$!
sleep 1.5
kill -9 "$daemon_pid"
wait "$stream_pid" || true
acked=$(cat "$work"/acks2/* | wc -l)
check "some cases were acknowledged before the kill ($acked)" test "$acked" -gt 0
check "the dead daemon left its socket file" test -S "$work/s2.sock"
check "a new daemon replaces the stale socket and recovers" start_daemon "$fs/c2" "$work/s2.sock"
check "clean shutdown after recovery" stop_daemon
check "no acknowledged case lost, no partial file" \
    "$torture" verify "$fs/c2" crashy 2 300 "$work/acks2"
check "recovery logged" grep -q "recovered:" "$work/daemon.log"

echo "== a live socket is never stolen"
start_daemon "$fs/c3" "$work/s3.sock"
live=$daemon_pid
if "$store" --corpus "$fs/c3b" --socket "$work/s3.sock" 2>>"$work/daemon.log"; then
    bad "a second daemon started on a live socket"
else
    ok "a second daemon refuses a live socket"
fi
check "the first daemon still serves" "$send" --socket "$work/s3.sock" --target t "$0"
check "a second daemon refuses a corpus in use" \
    bash -c "! '$store' --corpus '$fs/c3' --socket '$work/other.sock' 2>>'$work/daemon.log'"

echo "== malformed, oversized, empty and truncated packets"
daemon_pid=$live
stop_daemon
start_daemon "$fs/c4" "$work/s4.sock" --max-size 4096
check "each gets its named reject; the connection stays up" \
    "$torture" malformed "$work/s4.sock" 4096
check "the daemon is still alive" kill -0 "$daemon_pid"

echo "== peers: socket mode and uid"
check "the socket file is 0600" test "$(stat -c %a "$work/s4.sock")" = 600
nobody=$(id -u nobody 2>/dev/null || echo 65534)
if [ "$(id -u)" = 0 ]; then
    chmod 0755 "$work" # let the other uid reach the socket file; its own mode decides
    check "another uid cannot open a 0600 socket" "$torture" foreign "$work/s4.sock" "$nobody"
    chmod 0666 "$work/s4.sock"
    check "another uid that gets through is cut off (SO_PEERCRED)" \
        bash -c "'$torture' foreign '$work/s4.sock' '$nobody'; test \$? = 10"
    check "the refusal is logged" grep -q "refused a client" "$work/daemon.log"
else
    echo "skip foreign-uid tests: need root to change uid"
fi
check "a client refuses a daemon of another uid" \
    bash -c "! '$send' --socket '$work/s4.sock' --target t --expect-uid 4242 '$0' 2>/dev/null"
stop_daemon

echo "== raw mode: bare packets, no acks"
start_daemon "$fs/c5" "$work/s5.sock" --raw rawtarget
check "ph-send --raw sends a directory" "$send" --socket "$work/s5.sock" --raw "$src/corpus/http_request"
sleep 0.5
stop_daemon
check "raw cases are in the corpus" \
    test "$(ls "$fs/c5/rawtarget" | wc -l)" -eq "$(ls "$src/corpus/http_request" | wc -l)"

echo "== --record: a live shell mirrors what it receives into the store"
if [ -x "$bin/ph-chao" ]; then
    start_daemon "$fs/c7" "$work/s7.sock"
    port=$((40000 + RANDOM % 20000))
    "$bin/ph-chao" serve --udp "127.0.0.1:$port" --record "$work/s7.sock" --quiet \
        2>>"$work/daemon.log" &
    chao_pid=$!
    pids+=("$chao_pid")
    sleep 0.3
    "$bin/ph-chao" send --udp "127.0.0.1:$port" "recorded one" >/dev/null
    "$bin/ph-chao" send --udp "127.0.0.1:$port" "recorded two" >/dev/null
    sleep 0.3
    stop_daemon
    check "both requests are chao_frame cases" test "$(ls "$fs/c7/chao_frame" | wc -l)" -eq 2
    # The store restarts under a running shell: the shell reconnects (at most once a
    # second) and records again; what came while the store was away is dropped, counted.
    "$bin/ph-chao" send --udp "127.0.0.1:$port" "while the store is away" >/dev/null
    start_daemon "$fs/c7" "$work/s7.sock"
    sleep 1.2
    for i in 1 2 3; do
        "$bin/ph-chao" send --udp "127.0.0.1:$port" "after the restart $i" >/dev/null
        sleep 0.1
    done
    sleep 0.3
    kill -TERM "$chao_pid"
    wait "$chao_pid" || true
    stop_daemon
    check "the shell reconnects to a restarted store" \
        test "$(ls "$fs/c7/chao_frame" | wc -l)" -ge 4
else
    echo "skip --record test: ph-chao not built"
fi

# issue #12: a corpus folder shared with other tools may hold a file, a link or a folder
# the daemon may not write where a target's folder should be. Such a target is rejected
# before the ack (TARGET_UNUSABLE), nothing is written through a link, the other targets
# go on, and recovery sets such cases aside instead of refusing to start. Run with
# openat2 and with the O_NOFOLLOW walk older kernels get (PH_STORE_NO_OPENAT2=1).
wait_file() { # wait_file PATH: up to 3 s for it to appear
    for _ in $(seq 60); do
        [ -e "$1" ] && return 0
        sleep 0.05
    done
    return 1
}
sha1_of() { printf '%s' "$1" | sha1sum | cut -d' ' -f1; }
hostile_folders() { # hostile_folders NAME [ENV...]
    local name=$1
    shift
    local c=$fs/h_$name out=$fs/outside_$name sock=$work/h_$name.sock # out: same filesystem, so a rename through the link would work
    mkdir -p "$c/.store/crashes" "$out"
    echo hi >"$c/plainfile"
    ln -s /nonexistent/dir "$c/dangling"
    ln -s "$out" "$c/evil"
    ln -s "$out" "$c/.store/crashes/evil"
    printf 'case for plainfile' >"$work/p1"
    printf 'case for dangling' >"$work/p2"
    printf 'case for evil' >"$work/p3"
    printf 'case for t' >"$work/p4"
    printf 'second case for late' >"$work/p6"
    printf 'case for t2' >"$work/p7"
    start_daemon_env "$c" "$sock" "$@"
    check "$name: a link to a folder outside: TARGET_UNUSABLE" \
        bash -c "'$send' --socket '$sock' --target evil '$work/p3' | grep -q 'rejected.*cannot be used'"
    check "$name: a link at .store/crashes/<target>, kind crash: TARGET_UNUSABLE" \
        bash -c "'$send' --socket '$sock' --target evil --kind crash '$work/p3' | grep -q 'rejected.*cannot be used'"
    sleep 0.3 # time enough for a write through the link, if one were made
    check "$name: nothing written outside the corpus through a link" \
        test -z "$(ls -A "$out")"
    check "$name: a plain file in the target's place: TARGET_UNUSABLE before any ack" \
        bash -c "'$send' --socket '$sock' --target plainfile '$work/p1' | grep -q 'rejected.*cannot be used'"
    check "$name: a dangling link in the target's place: TARGET_UNUSABLE" \
        bash -c "'$send' --socket '$sock' --target dangling '$work/p2' | grep -q 'rejected.*cannot be used'"
    check "$name: a good target after them is stored" "$send" --socket "$sock" --target t "$work/p4"
    check "$name: and its file appears" wait_file "$c/t/$(sha1_of 'case for t')"
    # A folder that goes bad after it was found usable: the case acknowledged for it is
    # set aside, never stranded, and does not hold up the next target.
    printf 'first case for late' >"$work/p5"
    "$send" --socket "$sock" --target late "$work/p5" >/dev/null
    wait_file "$c/late/$(sha1_of 'first case for late')" || true
    rm -rf "${c:?}/late"
    echo file >"$c/late"
    local verdict
    verdict=$("$send" --socket "$sock" --target late -v "$work/p6" || true)
    "$send" --socket "$sock" --target t2 "$work/p7" >/dev/null
    check "$name: a target behind the bad one is not held up" \
        wait_file "$c/t2/$(sha1_of 'case for t2')"
    if [[ $verdict == stored* ]]; then
        check "$name: the case acknowledged for a folder gone bad is set aside" \
            wait_file "$c/.store/quarantine/$(sha1_of 'second case for late').0.late"
    else
        check "$name: a case for a folder gone bad is rejected before its ack" \
            grep -q 'cannot be used' <<<"$verdict"
    fi
    # Something else under the case's own name (a folder): the same, set aside.
    printf 'planted' >"$work/p8"
    printf 'after planted' >"$work/p9"
    mkdir -p "$c/t4/$(sha1_of 'planted')"
    "$send" --socket "$sock" --target t4 "$work/p8" >/dev/null
    "$send" --socket "$sock" --target t5 "$work/p9" >/dev/null
    check "$name: a folder at the case's own name does not hold up the next target" \
        wait_file "$c/t5/$(sha1_of 'after planted')"
    check "$name: the case acknowledged there is set aside" \
        wait_file "$c/.store/quarantine/$(sha1_of 'planted').0.t4"
    check "$name: clean shutdown, nothing left in the log" stop_daemon
    check "$name: log empty after shutdown" test -z "$(ls -A "$c/.store/wal")"
    check "$name: nothing said it could not be written" \
        bash -c "! grep -q 'could not be written' '$work/daemon.log'"

    # Recovery of a log that holds cases for folders that cannot be used (what a daemon
    # before this fix left behind): set aside, logged, counted; the good one written.
    python3 "$src/tests/integration/store_wal_write.py" "$c/.store/wal/00000000000000f0.wal" \
        "queue:plainfile:stranded one" "crash:evil:stranded crash" "queue:t3:behind them" \
        "queue:dangling:stranded two"
    check "$name: recovery starts despite unusable target folders" \
        start_daemon_env "$c" "$sock" "$@"
    check "$name: recovery writes the good case" test -f "$c/t3/$(sha1_of 'behind them')"
    check "$name: recovery sets the other three aside" \
        test "$(ls "$c/.store/quarantine" | wc -l)" -ge 3
    check "$name: recovery wrote nothing outside the corpus" test -z "$(ls -A "$out")"
    check "$name: recovery logged what it set aside" \
        grep -q "recovery: the crash folder of target evil cannot be used" "$work/daemon.log"
    check "$name: clean shutdown after recovery" stop_daemon
    check "$name: the statistics count the cases set aside" \
        bash -c "tail -n 3 '$work/daemon.log' | grep -q 'quarantined 3'"
    if [ "$(id -u)" != 0 ]; then
        mkdir -p "$c/ro"
        chmod 0500 "$c/ro"
        start_daemon_env "$c" "$sock" "$@"
        check "$name: a folder without write permission: TARGET_UNUSABLE" \
            bash -c "'$send' --socket '$sock' --target ro '$work/p4' | grep -q 'rejected.*cannot be used'"
        stop_daemon
    fi
}
start_daemon_env() { # start_daemon_env CORPUS SOCKET [ENV or PREFIX...] [-- DAEMON ARGS...]
    local corpus=$1 sock=$2 prefix=() args=()
    shift 2
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        prefix+=("$1")
        shift
    done
    [ $# -gt 0 ] && shift
    args=("$@")
    # The daemon may run as another user (setpriv): its status file goes to a folder
    # anyone may write, as /tmp.
    mkdir -p "$work/status" && chmod 1777 "$work/status"
    rm -f "$work/status/daemon.status"
    env "${prefix[@]}" "$store" --corpus "$corpus" --socket "$sock" \
        --status-file "$work/status/daemon.status" "${args[@]}" 2>>"$work/daemon.log" &
    daemon_pid=$!
    pids+=("$daemon_pid")
    ph_wait_ready "$work/status/daemon.status" "$daemon_pid"
}
echo "== hostile corpus folders (openat2)"
hostile_folders openat2 PH_STORE_NO_OPENAT2=0
echo "== hostile corpus folders (O_NOFOLLOW walk)"
hostile_folders walk PH_STORE_NO_OPENAT2=1

echo "== a target folder the daemon may not write"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    # As root every folder is writable: run the daemon as nobody, in a corpus of its
    # own with one folder that stays root's.
    nob=$(id -u nobody 2>/dev/null || echo 65534)
    pc=$fs/perm
    mkdir -p "$pc/ro" "$work/ps"
    chown -R "$nob" "$pc" "$work/ps"
    chown root "$pc/ro"
    chmod 0755 "$pc/ro" "$work"
    printf 'case for ro' >"$work/p10"
    printf 'case for rw' >"$work/p11"
    if start_daemon_env "$pc" "$work/ps/s.sock" setpriv --reuid="$nob" --regid="$nob" \
        --clear-groups -- --allow-uid 0; then
        check "no permission on the target's folder: TARGET_UNUSABLE" \
            bash -c "'$send' --socket '$work/ps/s.sock' --expect-uid '$nob' --target ro '$work/p10' | grep -q 'rejected.*cannot be used'"
        check "another target is stored" \
            "$send" --socket "$work/ps/s.sock" --expect-uid "$nob" --target rw "$work/p11"
        check "and written" wait_file "$pc/rw/$(sha1_of 'case for rw')"
        check "clean shutdown" stop_daemon
    else
        bad "ph-store did not start as nobody"
    fi
else
    echo "skip: the permission test runs as root (it starts the daemon as nobody)"
fi

echo "== a full disk"
if make_fs "$work/small" 3m; then
    start_daemon "$work/small/c" "$work/s6.sock"
    "$torture" stream "$work/s6.sock" full 4 400 4000 3 "$work/acks6" --allow-rejects || true
    rejected=$(grep -c rejected "$work"/acks6/* | awk -F: '{s += $2} END {print s}')
    check "cases past the space are rejected ($rejected), not lost" test "$rejected" -gt 0
    check "the daemon keeps running" kill -0 "$daemon_pid"
    check "the full disk is logged" grep -q "nearly full" "$work/daemon.log"
    check "clean shutdown" stop_daemon
    check "every acknowledged case is whole; nothing partial" \
        "$torture" verify "$work/small/c" full 3 4000 "$work/acks6"
else
    echo "skip ENOSPC test: cannot mount a small tmpfs here"
fi

echo
if [ "$fail" -gt 0 ]; then
    echo "--- daemon log (last 40 lines)"
    tail -n 40 "$work/daemon.log"
fi
check_summary "store integration"

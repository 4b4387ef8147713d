#!/usr/bin/env bash
# Builds the seed corpus of the store_session fuzz target from real sessions: ph-send
# against ph-store, through ci/store_session_recorder.py, which relays the packets and
# writes each session as an event script (harness/fuzz_store_session.c) to
# corpus/store_session/seed-<what>.
#
# Needs a standalone build (BIN, default build/bin) with ph-store and ph-send. Everything
# runs in a temporary folder with its own sockets; the daemons it starts, it stops.
# Idempotent: the same names are overwritten. Usage: ci/record-store-seeds.sh [BIN]
# (see docs/corpus.md)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$(cd "${1:-$ROOT/build/bin}" && pwd)
OUT=$ROOT/corpus/store_session
RECORDER=$ROOT/ci/store_session_recorder.py
mkdir -p "$OUT"
# shellcheck source=ci/lib.sh
. "$ROOT/ci/lib.sh" # ph_workdir, ph_start_daemon

ph_workdir ph-store-seeds

start_store() { # start_store [ARGS...]: a fresh corpus each time
    rm -rf "$work/corpus"
    ph_start_daemon "$work/store.status" "$work/store.log" "$BIN/ph-store" \
        --corpus "$work/corpus" --socket "$work/store.sock" "$@" || exit 1
}
stop_store() {
    kill -TERM "$daemon"
    wait "$daemon" || true
    daemon=
}

# record NAME [--raw] -- PH-SEND ARGS...: one session, recorded as seed-NAME.
record() {
    local name=$1 raw=()
    shift
    if [ "$1" = --raw ]; then
        raw=(--raw)
        shift
    fi
    shift # --
    timeout 30 python3 "$RECORDER" --listen "$work/rec.sock" --upstream "$work/store.sock" \
        --out "$OUT/seed-$name" "${raw[@]}" --max-seconds 20 &
    local rec=$!
    for _ in $(seq 100); do
        [ -S "$work/rec.sock" ] && break
        sleep 0.05
    done
    timeout 20 "$BIN/ph-send" --socket "$work/rec.sock" "$@" >/dev/null || true
    wait "$rec"
    echo "wrote corpus/store_session/seed-$name ($(wc -c <"$OUT/seed-$name") bytes)"
}

# Small inputs: the cases fit the script's --max-size of 1021 bytes, the script 4 KiB.
mkdir -p "$work/cases" "$work/big"
printf 'GET / HTTP/1.1\r\nHost: a\r\n\r\n' >"$work/cases/get"
printf 'POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi' >"$work/cases/post"
printf 'CHAO\x01\x00\x02hi' >"$work/cases/chao"
printf 'x' >"$work/cases/one-byte"
head -c 1500 /dev/zero | tr '\0' 'A' >"$work/big/over-the-script-limit"
head -c 2500 /dev/zero | tr '\0' 'B' >"$work/big/over-the-daemon-limit"

start_store --max-size 2048
record queue-three -- --target http_request "$work/cases/get" "$work/cases/post" "$work/cases/chao"
record duplicates -- --target http_request "$work/cases/get" "$work/cases/get" "$work/cases/post" "$work/cases/get"
record crash-kind -- --target chao_frame --kind crash "$work/cases/chao" "$work/cases/one-byte"
record hang-kind -- --target t --kind hang "$work/cases/one-byte"
record too-large -- --target http_request "$work/big/over-the-daemon-limit" "$work/cases/get"
record script-limit -- --target t "$work/big/over-the-script-limit" "$work/cases/post"
stop_store

start_store --max-size 4096 --max-cases 1
record target-full -- --target http_request "$work/cases/get" "$work/cases/post" "$work/cases/get"
stop_store

start_store --raw rawtarget
record raw -- --raw "$work/cases/get" "$work/cases/chao" "$work/cases/get"
stop_store

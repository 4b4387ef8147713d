#!/usr/bin/env bash
# test_driver_standalone.sh BIN HAS_ASAN: the standalone driver's contract, on
# fuzz_misbehave. Each row runs the driver on made-up inputs and checks its exit status,
# its result lines and that a hang or an OOM is cut off quickly. HAS_ASAN=1 when the
# build has ASan (leaks and over-reads are only seen then).
set -uo pipefail

bin=${1:?usage: test_driver_standalone.sh BIN HAS_ASAN}
has_asan=${2:-0}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

# mk NAME CONTENT: an input file under $work/in.
mk() {
    mkdir -p "$work/in/$(dirname "$1")"
    printf '%s' "$2" >"$work/in/$1"
}

# row LABEL WANT_STATUS MAX_SECONDS PCRE -- DRIVER_ARGS...   (PCRE spans lines; ^ $ per line)
row() {
    local label=$1 want=$2 max=$3 pattern=$4
    shift 5
    local start=$SECONDS
    timeout 60 "$bin" "$@" >"$work/out" 2>&1
    local rc=$? took=$((SECONDS - start))
    if [ "$rc" -eq "$want" ] && [ "$took" -le "$max" ] && grep -Pzq -- "(?ms)$pattern" "$work/out"; then
        passed=$((passed + 1))
        echo "ok   $label"
    else
        failed=$((failed + 1))
        echo "FAIL $label: exit $rc (want $want), ${took}s (max ${max}s), pattern '$pattern'"
        sed 's/^/     | /' "$work/out" | tail -n 30
    fi
}

mk ok/a "hello"
mk ok/b ""
mk ok/sub/c "x"
mk mixed/1-ok "fine"
mk mixed/2-crash "crash"
mk mixed/3-ok "fine"
mk hang "hang"
mk hang-masked "hang-masked"
mk leak "leak"
mk oom "oom"
mk exit "exit"
mk overread "overread"
in=$work/in

row "passes a directory recursively, in name order" 0 10 \
    '^replay: 3 passed, 0 failed, 0 skipped$' -- "$in/ok"
row "one result line per input" 0 10 "^PASS  $in/ok/sub/c \(1 bytes" -- "$in/ok"
row "-q prints only the summary when all pass" 0 10 '^replay: 3 passed' -- -q "$in/ok"
row "stops at the first crash, naming the file" 1 10 \
    "^CRASH $in/mixed/2-crash .*^replay: 1 passed, 1 failed, 1 skipped$" -- -q "$in/mixed"
row "a hang is cut off at -timeout with exit 70" 70 8 "^HANG  $in/hang .*ran past -timeout=1" \
    -- -timeout=1 "$in/hang"
row "a hang that blocks SIGALRM is killed by the watchdog" 70 10 \
    "^HANG  $in/hang-masked .*killed" -- -timeout=1 "$in/hang-masked"
row "memory past -rss_limit_mb is an OOM, exit 72" 72 20 "^OOM   $in/oom .*-rss_limit_mb=200" \
    -- -rss_limit_mb=200 "$in/oom"
row "a target calling exit() fails with 73" 73 10 "^EXIT  $in/exit" -- "$in/exit"
row "-in_process=1 runs inputs without forking" 0 10 '^replay: 3 passed' -- -in_process=1 "$in/ok"
row "-in_process=1 still cuts a hang off" 70 8 "HANG.* $in/hang" -- -in_process=1 -timeout=1 "$in/hang"
row "unknown -flags are ignored" 0 10 '^replay: 3 passed' -- -max_len=10 -runs=5 "$in/ok"
row "a missing input fails with its name" 1 10 "$in/nope" -- "$in/nope"
row "no input is a usage error" 64 10 '^usage:' --
if [ "$has_asan" = 1 ]; then
    row "a leak fails with exit 71 and the file's name" 71 20 "^LEAK  $in/leak" -- "$in/leak"
    row "a one-byte over-read is caught (exact-size buffer)" 1 20 \
        "heap-buffer-overflow.*CRASH $in/overread" -- "$in/overread"
else
    row "without LeakSanitizer a leak passes" 0 10 '^replay: 1 passed' -- "$in/leak"
fi

echo "driver tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

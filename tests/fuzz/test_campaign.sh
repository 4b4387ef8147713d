#!/usr/bin/env bash
# test_campaign.sh: the README's first command, ci/fuzz.sh, end to end on one target with
# both engines, then resumed, in a copy of the source tree (ci/fuzz.sh works in build/fuzz
# of its tree; a test must not touch the user's campaign there).
#
# Checks:
#   - a campaign on store_packet (the cheapest target to build and run) with libFuzzer and
#     AFL++ exits 0 and writes a summary row per engine with executions;
#   - it leaves no process behind: nothing still runs from the copy's build tree (AFL++
#     4.04c can leave its CmpLog target stopped; ci/fuzz.sh kills what it leaves);
#   - --resume after it: AFL++ really fuzzes again (its executions grow; before the fix, the
#     leftover held the output folder's lock and afl-fuzz aborted, "Directory ... is in use")
#     and failing inputs planted as earlier runs' (one per engine, which do not fail) are
#     moved aside, not triaged again nor counted in the summary's crashes column.
# CAMPAIGN_TEST_KEEP=1 keeps the copy and prints where it is.
# shellcheck disable=SC2317 # the functions below run through check, which shellcheck misses
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
target=store_packet
seconds=5

tmp=$(mktemp -d)
if [ "${CAMPAIGN_TEST_KEEP:-0}" = 1 ]; then
    echo "keeping $tmp"
else
    trap 'rm -rf "$tmp"' EXIT
fi
src=$tmp/src
mkdir -p "$src"
# The tree as it is, without its builds.
tar -C "$root" --exclude=./build --exclude=./.git -cf - . | tar -C "$src" -xf - || exit 1

failed=0
check() {
    local what=$1
    shift
    if "$@"; then
        echo "ok: $what"
    else
        echo "FAIL: $what"
        failed=1
    fi
}

campaign() {
    (cd "$src" && ci/fuzz.sh --time "$seconds" --engine both "$@" "$target") >"$tmp/run.log" 2>&1
    local rc=$?
    tail -n 12 "$tmp/run.log"
    return "$rc"
}

# The summary's FIELD (a column of build/fuzz/summary.tsv) for ENGINE.
summary() {
    awk -F'\t' -v e="$1" -v f="$2" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        $2 == e { print $col[f] }' "$src/build/fuzz/summary.tsv"
}

# No process runs a program from the copy's build tree.
nothing_left() {
    local exe left=0 p
    for exe in /proc/[0-9]*/exe; do
        p=$(readlink "$exe" 2>/dev/null) || continue
        if [[ $p == "$src/build/"* ]]; then
            echo "  left running: pid $(basename "$(dirname "$exe")") $p"
            left=1
        fi
    done
    return "$left"
}

afl_execs() {
    sed -n 's/^execs_done *: *//p' "$src/build/fuzz/$target/afl/out/main/fuzzer_stats"
}

positive() { [ -n "$1" ] && [ "$1" -gt 0 ]; }
not_in() { ! grep -q "$1" "$2"; }
exists() { [ -e "$1" ]; } # a glob that matched nothing stays itself

check "a campaign on $target with both engines exits 0" campaign
lf_execs=$(summary libfuzzer execs)
afl_first=$(afl_execs)
check "libFuzzer ran ($lf_execs executions)" positive "$lf_execs"
check "AFL++ ran ($afl_first executions)" positive "$afl_first"
check "no process is left running" nothing_left

# Inputs that pass, planted where the engines keep failing ones, as if an earlier run had
# kept them.
w=$src/build/fuzz/$target
printf 'planted' >"$w/libfuzzer/artifacts/crash-planted"
printf 'planted' >"$w/afl/out/main/crashes/id:000000,sig:06,planted"

check "the campaign resumed exits 0" campaign --resume
afl_second=$(afl_execs)
check "AFL++ fuzzed again when resumed ($afl_first, then $afl_second executions)" \
    test "${afl_second:-0}" -gt "${afl_first:-0}"
check "afl-fuzz found its output folder free" not_in "is in use" "$w/afl/main.log"
check "the earlier libFuzzer artifact was moved aside" \
    exists "$w"/libfuzzer/artifacts.*/crash-planted
check "AFL++ moved its earlier crashes aside" \
    exists "$w"/afl/out/main/crashes.*/id:000000,sig:06,planted
check "the planted inputs were not triaged" not_in planted "$tmp/run.log"
check "the summary counts no crash for either engine" \
    test "$(summary libfuzzer crashes)/$(summary afl crashes)" = 0/0
check "no process is left running after the resumed campaign" nothing_left

exit "$failed"

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
#     moved aside, not triaged again nor counted in the summary's crashes column;
#   - a campaign with planted bugs ends within its stated bound: two targets copied from
#     tests/fuzz/ (planted_crash: an over-read on "BUG", found at once on a 4 KiB seed, in
#     a deep build that costs 400 ms a run, so minimizing it takes at least 16 s;
#     planted_oracle: a failure only the deep build has, on inputs starting with 'D'),
#     --time 4 --triage-time 12: each target's fuzzing within --time + 15 s, its deep check
#     and triage within --triage-time + 2 s; the findings triaged, the over-read's
#     reproducer smaller than the seed though cut by the deadline, the deep check's failure
#     marked as a split-oracle failure; the phase times in summary.json.
# Every ci/fuzz.sh run is bounded (CAMPAIGN_LIMIT_S) so a stuck campaign fails here, with
# its log, rather than at ctest's timeout. The planted bugs are found in a handful of
# executions (the seed; libFuzzer's comparison tracing gives 'D'), so only the bounds, not
# luck, decide the outcome; on a loaded machine the triage deadline of 12 s still leaves the
# over-read's minimization a few seconds for its first cut.
# CAMPAIGN_TEST_KEEP=1 keeps the copy and prints where it is.
# shellcheck disable=SC2317 # the functions below run through check, which shellcheck misses
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
target=store_packet
seconds=5
limit_s=${CAMPAIGN_LIMIT_S:-600} # one ci/fuzz.sh run, builds included

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
# The planted targets, found by ci/fuzz.sh's glob like any other, in the copy only.
for t in planted_crash planted_oracle; do
    cp "$root/tests/fuzz/fuzz_$t.c" "$src/harness/" || exit 1
done
mkdir -p "$src/corpus/planted_crash"
{ head -c 3000 /dev/zero | tr '\0' a; printf 'BUG'; head -c 1093 /dev/zero | tr '\0' b; } \
    >"$src/corpus/planted_crash/seed-big"

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
    (cd "$src" && timeout -k 10 "$limit_s" ci/fuzz.sh --time "$seconds" --engine both "$@" \
        "$target") >"$tmp/run.log" 2>&1
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

# ---- planted bugs: the campaign ends when it says it will --------------------------------
time_s=4 triage_s=12
planted() {
    (cd "$src" && timeout -k 10 "$limit_s" ci/fuzz.sh --time "$time_s" \
        --triage-time "$triage_s" --no-report planted_crash planted_oracle) \
        >"$tmp/planted.log" 2>&1
    local rc=$?
    tail -n 30 "$tmp/planted.log"
    return "$rc"
}
exit_is() { [ "$1" = "$2" ]; }
planted
check "the planted campaign exits 1 (it found something)" exit_is $? 1

# phase_of PHASE TARGET: its seconds from build/fuzz/phases.tsv, as whole tenths.
phase_of() {
    awk -F'\t' -v p="$1" -v t="$2" '$1 == p && $2 == t { printf "%d", $3 * 10 }' \
        "$src/build/fuzz/phases.tsv"
}
within() { [ -n "$1" ] && [ "$1" -le "$2" ]; }
for t in planted_crash planted_oracle; do
    f=$(phase_of fuzz "$t") c=$(phase_of check "$t") r=$(phase_of triage "$t")
    check "$t: fuzzing took ${f:-?}/10 s, within --time + 15 s" within "$f" $(((time_s + 15) * 10))
    check "$t: deep check and triage took $((${c:-0} + ${r:-0}))/10 s, within --triage-time + 2 s" \
        within "$((${c:-0} + ${r:-999}))" $(((triage_s + 2) * 10))
done
total=$(phase_of total -) built=$(phase_of build -)
after=$((${total:-99999} - ${built:-0}))
check "the run after its builds took $after/10 s, within the stated bound" \
    within "$after" $((2 * (time_s + 15 + triage_s) * 10))

# finding TARGET FIELD: a field of the target's row in crashes.tsv (fuzzkit's order).
finding() {
    local i
    case $2 in kind) i=2 ;; found_by) i=3 ;; signature) i=4 ;; file) i=5 ;; bytes) i=6 ;;
    from_bytes) i=7 ;; minimize) i=8 ;; esac
    awk -F'\t' -v t="$1" -v i="$i" '$1 == t { print $i; exit }' "$src/build/fuzz/crashes.tsv"
}
# shellcheck disable=SC2053 # $2 is a pattern on purpose
matches() { [[ $1 == $2 ]]; }
smaller() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -lt "$2" ]; }
check "the over-read is a finding of libFuzzer's" matches "$(finding planted_crash found_by)" libfuzzer
check "its signature names it" matches "$(finding planted_crash signature)" 'heap-buffer-overflow|*'
check "its minimization was cut by the deadline" matches "$(finding planted_crash minimize)" deadline
check "and kept a smaller reproducer ($(finding planted_crash bytes) of 4096 bytes)" \
    smaller "$(finding planted_crash bytes)" 4096
reproduces() {
    (cd "$src" && build/fuzz/standalone/bin/fuzz_planted_crash "$(finding planted_crash file)") \
        >/dev/null 2>&1
    [ $? = 1 ]
}
check "the kept reproducer still crashes" reproduces
check "the deep-only bug is a split-oracle failure" \
    matches "$(finding planted_oracle found_by)" split-oracle
check "found by its check: $(finding planted_oracle signature)" \
    matches "$(finding planted_oracle signature)" 'invariant@fuzz_planted_oracle.c:*'
check "summary.json has the phase times" grep -q '"phase": "triage"' "$src/build/fuzz/summary.json"
deep_checked=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $1 == "planted_oracle" { print $col["deep_checked"] }' "$src/build/fuzz/summary.tsv")
check "the deep check checked the corpus ($deep_checked inputs)" positive "$deep_checked"
check "no process is left running after the planted campaign" nothing_left

exit "$failed"

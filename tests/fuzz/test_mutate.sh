#!/usr/bin/env bash
# ci/mutate.sh on four chosen mutants of the store core, in a fresh output folder. Each has
# a known fate, so the test fails when a stage stops killing (or starts killing what it
# cannot): one the committed corpus kills on replay, one only a unit test kills, one that
# survives everything (so the survivors list must name it), and one that this test's own
# equivalence file marks (never run, left out of the score). Run again, it must resume
# with nothing to run and score the same. No libFuzzer stage (--fuzz-time 0): that stage
# needs a second full build, which would take minutes on a loaded machine; the campaign
# (ci/mutate.sh CORE) runs it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

fail() {
    echo "test_mutate: $*" >&2
    exit 1
}

# Ids are stable while the mutated text and its function stay the same (docs/fuzzing.md);
# if store_ack.c, store_packet.c or store_session.c changes there, pick new ones with
# `ci/mutate.sh --list src/store` and the fates in build/mutate/state.json.
by_replay=store_ack:store_ack_decode:stmt:08d45d0b # `ack->nruns = nruns` deleted
# `*full = s->disk_full` deleted: fuzz_store_session never asks (the shell's question)
by_unit=store_session:store_server_disk_changed:stmt:7e06f60b
survivor=store_ack:store_ack_add:cmp:5449ee76      # `count < UINT32_MAX` as <=: 2^32 acks
marked=store_packet:store_handle_raw_packet:const:f52023ff

printf '%s marked by tests/fuzz/test_mutate.sh\n' "$marked" >"$out/equivalent.txt"
args=(--jobs 2 --fuzz-time 0 --out "$out/m" --equivalent "$out/equivalent.txt"
      --only "^($by_replay|$by_unit|$survivor|$marked)\$" src/store)
"$root/ci/mutate.sh" --list "${args[@]}" >"$out/list" || fail "--list failed"
[ "$(wc -l <"$out/list")" -eq 4 ] || { cat "$out/list"; fail "not 4 mutants: did an id change?"; }

"$root/ci/mutate.sh" "${args[@]}" >"$out/run1.log" 2>&1 || { cat "$out/run1.log"; fail "first run failed"; }
cat "$out/run1.log"
grep -q '^mutate: 3 to run, 0 done before, 1 marked equivalent' "$out/run1.log" ||
    fail "the marked mutant was run"
grep -q '^| src/store | 4 | 1 | 2 | 1 | 0 | 0 | 66.7% |' "$out/m/report.md" ||
    fail "src/store's row in report.md is not 4 mutants, 1 equivalent, 2 killed, 1 survived"
grep -q '^| store_packet | 1 | 1 | 100.0% |' "$out/m/report.md" || fail "no per-target score"
grep -q "^| \`$survivor\` | src/store/store_ack.c:26 | cmp | " "$out/m/report.md" ||
    fail "the survivor is not in report.md's survivors"
head -1 "$out/m/survivors.tsv" | grep -q '^id	file	line	op' || fail "survivors.tsv has no header"
[ "$(tail -n +2 "$out/m/survivors.tsv" | cut -f1,7)" = "$survivor	survived" ] ||
    fail "survivors.tsv does not list exactly the survivor"
/usr/bin/python3 - "$out/m" "$by_replay" "$by_unit" "$survivor" "$marked" <<'PY' ||
import json, sys
out, by_replay, by_unit, survivor, marked = sys.argv[1:]
st = json.load(open(out + "/state.json"))["results"]
s = json.load(open(out + "/summary.json"))
assert st[by_replay]["status"] == "killed" and st[by_replay]["by"] == "replay:store_packet", st
# Which unit test kills it first depends on their times (cheapest first), not which stage.
assert st[by_unit]["status"] == "killed" and st[by_unit]["by"].startswith("unit:test_store_session/"), st
assert st[survivor]["status"] == "survived", st
assert marked not in st, st
assert [m["id"] for m in s["survivors"]] == [survivor], s["survivors"]
# The store_session target and both unit programs run store_ack_add; store_packet does not.
assert s["survivors"][0]["reached_by"] == ["store_session", "test_store", "test_store_session"], s["survivors"]
assert s["cores"]["src/store"]["score"] == "66.7%", s["cores"]
PY
    fail "state.json or summary.json is wrong"

grep '^| src/store' "$out/m/report.md" >"$out/score1"
"$root/ci/mutate.sh" "${args[@]}" >"$out/run2.log" 2>&1 || { cat "$out/run2.log"; fail "second run failed"; }
grep -q '^mutate: 0 to run, 3 done before, 1 marked equivalent' "$out/run2.log" ||
    { cat "$out/run2.log"; fail "did not resume"; }
grep '^| src/store' "$out/m/report.md" | cmp -s - "$out/score1" || fail "the resumed run scored differently"
echo "test_mutate: ok"

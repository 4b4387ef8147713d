#!/usr/bin/env bash
# ci/mutate.sh on a handful of mutants of the store core, in a fresh output folder: it
# must build the mutant schemata, run the stages, and produce the score and the survivors
# list; run again, it must resume (nothing left to run) from its state file.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

fail() {
    echo "test_mutate: $*" >&2
    exit 1
}

args=(--jobs 2 --fuzz-time 2 --sample 6 --out "$out" src/store)
"$root/ci/mutate.sh" "${args[@]}" >"$out/run1.log" 2>&1 || { cat "$out/run1.log"; fail "first run failed"; }
cat "$out/run1.log"
grep -q '^mutate: 6 mutants of src/store' "$out/run1.log" || fail "not 6 mutants"
grep -Eq '^\| src/store \| 6 \| [0-9]+ \| [0-9]+ \| [0-9]+ \| [0-9]+ \| 0 \| [0-9.]+%' "$out/report.md" ||
    fail "no score for src/store in report.md"
grep -q '^| store_packet | ' "$out/report.md" || fail "no per-target score"
grep -q '^## Survivors' "$out/report.md" || fail "no survivors section"
head -1 "$out/survivors.tsv" | grep -q '^id	file	line	op' || fail "survivors.tsv has no header"
/usr/bin/python3 - "$out" <<'PY' || fail "summary.json or state.json is wrong"
import json, sys
out = sys.argv[1]
s = json.load(open(out + "/summary.json"))
st = json.load(open(out + "/state.json"))
core = s["cores"]["src/store"]
assert core["mutants"] == 6 and core["pending"] == 0, core
assert core["killed"] + core["survived"] + core["not_covered"] + core["equivalent"] == 6, core
assert len(s["survivors"]) == core["survived"] + core["not_covered"], s["survivors"]
assert all(r["status"] in ("killed", "survived", "not_covered") for r in st["results"].values())
assert len(st["results"]) == 6 - core["equivalent"], st["results"]
PY

grep '^| src/store' "$out/report.md" >"$out/score1"
"$root/ci/mutate.sh" "${args[@]}" >"$out/run2.log" 2>&1 || { cat "$out/run2.log"; fail "second run failed"; }
grep -q '^mutate: 0 to run, ' "$out/run2.log" || { cat "$out/run2.log"; fail "did not resume"; }
grep '^| src/store' "$out/report.md" | sed 's/|[^|]*$//' >"$out/score2"
sed -i 's/|[^|]*$//' "$out/score1"
cmp -s "$out/score1" "$out/score2" || fail "the resumed run scored differently"
echo "test_mutate: ok"

#!/usr/bin/env bash
# time_to_finding.sh: how long ci/fuzz.sh takes to find a bug planted on purpose, in a
# copy of the tree with one of tests/fuzz/planted/*.patch applied (docs/fuzzing.md has the
# figures). Not a ctest: each run lasts up to SECONDS.
#
#   tests/fuzz/time_to_finding.sh PATCH TARGET RUNS SECONDS [ci/fuzz.sh options...]
#   e.g. tests/fuzz/time_to_finding.sh tests/fuzz/planted/header-overflow.patch \
#            http_request 3 120 --deep-fuzz
#
# Every run starts afresh: the hub and the regression files of the run before are removed,
# so no run starts from what an earlier one found. Prints one line per run:
#   run N: S s (KIND, found by ENGINE-OR-split-oracle: SIGNATURE)   or   run N: none in SECONDS s
# The copy (with its builds, reused by the next call) is $TTFF_DIR, by default
# /tmp/ph-ttff-<patch name>.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 4 ] || { sed -n '2,17s/^# \{0,1\}//p' "$0"; exit 64; }
patch=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
target=$2 runs=$3 seconds=$4
shift 4
work=${TTFF_DIR:-/tmp/ph-ttff-$(basename "$patch" .patch)}
src=$work/src
if [ ! -f "$work/applied" ]; then
    rm -rf "$src"
    mkdir -p "$src"
    tar -C "$root" --exclude=./build --exclude=./.git -cf - . | tar -C "$src" -xf -
    (cd "$src" && git apply "$patch")
    touch "$work/applied"
fi

# column_of NAME: a column (by its header name) of summary.tsv's row for the target.
column_of() {
    awk -F'\t' -v t="$target" -v c="$1" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        $1 == t { print $col[c]; exit }' "$src/build/fuzz/summary.tsv"
}

for ((i = 1; i <= runs; i++)); do
    rm -rf "$src/build/fuzz/store" "$src/build/fuzz/regressions"
    (cd "$src" && ci/fuzz.sh --time "$seconds" --no-report "$@" "$target") \
        >"$work/run-$i.log" 2>&1 || true
    first=$(column_of first_finding_s 2>/dev/null || true)
    if [ -z "$first" ] || [ "$first" = - ]; then
        echo "run $i: none in $seconds s"
        continue
    fi
    echo "run $i: $first s ($(awk -F'\t' -v t="$target" '$1 == t {
        sub(/\|.*/, "", $4); print $2 ", found by " $3 ": " $4; exit }' \
        "$src/build/fuzz/crashes.tsv"))"
done

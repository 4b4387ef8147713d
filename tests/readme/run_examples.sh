#!/usr/bin/env bash
# Runs the README's example blocks that need nothing but loopback or a network namespace:
# every ```sh block right after a line "<!-- readme-example -->", as written, from the
# top of the tree, after ci/test.sh's builds (build/bin, build/libfuzzer). Each block runs
# in its own bash with -e, bounded by a timeout; the step fails on the first block that
# fails, printing it and its output. Blocks that need root (ip netns) are skipped, with a
# note, when not run as root.
#
#   tests/readme/run_examples.sh [README]      exit 0 all passed, 1 a block failed
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
readme=${1:-$root/README.md}
limit_s=${README_EXAMPLE_LIMIT_S:-300}
work=$(mktemp -d /tmp/ph-readme.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Split the marked blocks into $work/block.N.sh.
awk -v dir="$work" '
    /^<!-- readme-example -->$/ { marked = 1; next }
    marked && /^```sh$/ { n++; file = dir "/block." n ".sh"; inside = 1; marked = 0; next }
    inside && /^```$/ { inside = 0; close(file); next }
    inside { print > file; next }
    { marked = 0 }
' "$readme"

blocks=("$work"/block.*.sh)
[ -e "${blocks[0]}" ] || { echo "readme: no marked example blocks in $readme" >&2; exit 1; }
failed=0
for b in "${blocks[@]}"; do
    name=$(head -n 1 "$b" | cut -c1-60)
    if grep -q '^ip netns' "$b" && [ "$(id -u)" != 0 ]; then
        echo "skip $name (needs root)"
        continue
    fi
    start=$(date +%s)
    (cd "$root" && timeout -k 10 "$limit_s" bash -e "$b") >"$b.log" 2>&1
    rc=$?
    # A block that stopped half-way leaves its namespaces: remove them, so the next run
    # (and the block's own "ip netns add") starts clean.
    for ns in $(grep -o 'ip netns add [A-Za-z0-9_-]*' "$b" | awk '{print $4}'); do
        ip netns del "$ns" 2>/dev/null || true
    done
    if [ "$rc" -eq 0 ]; then
        echo "ok   $name ($(($(date +%s) - start)) s)"
    else
        echo "FAIL $name (exit $rc)"
        sed 's/^/    | /' "$b"
        tail -n 40 "$b.log" | sed 's/^/    > /'
        failed=1
    fi
done
exit "$failed"

#!/usr/bin/env bash
# ctest diff_known (label integration): a short differential campaign (ci/diff.sh) against
# ph-httpd, Node, Python, nginx and nginx as a proxy must find the differences that
# tests/diff/expected.tsv lists (nginx and Node are lenient where our parser is strict)
# and no finding may put ph-parse and ph-httpd's echo apart (--check); the report, the
# reproducers and their copies in the private ph-store must be there.
#
#   tests/integration/diff_known.sh BIN_DIR [SECONDS]
#
# Exit 77 (skipped) when node or nginx is missing.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=$(cd "$1" && pwd)
seconds=${2:-20}
PATH=/usr/bin:$PATH
for tool in node nginx; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool missing (ci/setup.sh installs it)"; exit 77; }
done
out=$(mktemp -d /tmp/ph-diff-test.XXXXXX)
trap 'rm -rf "$out"' EXIT

rc=0
"$root/ci/diff.sh" --time "$seconds" --bin "$bin" --out "$out/report" --check >"$out/log" 2>&1 || rc=$?
tail -5 "$out/log"
[ "$rc" = 0 ] || { grep -E "expected difference|disagree" "$out/log" || cat "$out/log"; echo "FAIL: ci/diff.sh --check exited $rc"; exit 1; }

python3 - "$out/report" <<'PY'
import json, os, sys
d = sys.argv[1]
r = json.load(open(os.path.join(d, "report.json")))
assert os.path.getsize(os.path.join(d, "report.md")) > 0, "no report.md"
names = [s["name"] for s in r["servers"]]
for want in ("ph-parse", "ph-httpd", "node", "python", "nginx", "nginx-proxy"):
    assert want in names, "server %s missing from the report" % want
assert r["findings"], "no findings at all"
for e in r["expected"]:
    assert e["findings"] > 0, "expected difference missing: %s" % e
for f in r["findings"]:
    # every finding: a class, a reproducer that is there, groups that are really apart
    assert f["class"] in ("boundary", "accept-vs-reject", "interpretation", "status-only"), f
    assert os.path.getsize(os.path.join(d, f["file"])) == len(f["bytes"].encode("latin-1")), f["file"]
    if f["groups"] == "(all agree now)":
        # Where one request ends can depend on timing (a proxy that forwards pipelined
        # requests as they arrive): the last run to describe it may see no difference.
        # Reported as such (docs/diff.md); only a boundary may do that.
        assert f["class"] == "boundary", f
        continue
    assert " / " in f["groups"], f
    groups = [g.split(",") for g in f["groups"].split(" / ")]
    g_of = {n: i for i, g in enumerate(groups) for n in g}
    assert g_of["ph-parse"] == g_of["ph-httpd"], "ph-parse and ph-httpd apart: %s" % f
assert r["must_agree_held"] is True
stored = os.listdir(os.path.join(d, "corpus", "http_request"))
assert len(stored) >= 1, "no reproducer reached ph-store"
print("diff_known: %d findings (%s), %d in ph-store, expected %s" % (
    len(r["findings"]),
    ", ".join("%s %d" % (c, sum(f["class"] == c for f in r["findings"]))
              for c in ("boundary", "accept-vs-reject", "interpretation", "status-only")),
    len(stored), ", ".join("%s/%s" % (e["server"], e["ph_parse"]) for e in r["expected"])))
PY
echo "PASS"

"""The campaign's summary: summary.json from the TSV files ci/fuzz.sh writes, the report's
tables in Markdown, and when a target's first finding came.

  summary.tsv   one row per target and engine (header row first)
  crashes.tsv   one row per distinct finding (FINDING_FIELDS, no header)
  phases.tsv    phase, target ("-" for the whole run), seconds (no header)
"""
import csv
import glob
import os
import time

FINDING_FIELDS = ["target", "kind", "found_by", "signature", "file", "bytes", "from_bytes",
                  "minimize", "reproduce"]


def _rows(path):
    if not path or not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return [r for r in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if r]


def _num(v):
    for conv in (int, float):
        try:
            return conv(v)
        except ValueError:
            pass
    return v


def load(summary_tsv, crashes_tsv, phases_tsv, coverage=None):
    """The whole summary as one dict (what summary.json holds)."""
    summary = _rows(summary_tsv)
    head, body = (summary[0], summary[1:]) if summary else ([], [])
    return {
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "targets": [{k: _num(v) for k, v in zip(head, r)} for r in body],
        "findings": [{k: _num(v) if k in ("bytes", "from_bytes") else v
                      for k, v in zip(FINDING_FIELDS, r)} for r in _rows(crashes_tsv)],
        "phases": [{"phase": r[0], "target": r[1], "seconds": _num(r[2])}
                   for r in _rows(phases_tsv)],
        "coverage": coverage,
    }


def markdown(s):
    """The report's tables: targets, findings, phase times."""
    out = ["## Targets", ""]
    if s["targets"]:
        head = list(s["targets"][0].keys())
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "---|" * len(head))
        for t in s["targets"]:
            out.append("| " + " | ".join(str(t[k]) for k in head) + " |")
    out += ["", "## Findings", ""]
    for c in s["findings"]:
        how = "split-oracle failure (deep check of the corpus)" \
            if c["found_by"] == "split-oracle" else "found by " + c["found_by"]
        out.append("- **%s** `%s` %s: `%s` (%s bytes, minimized from %s: %s), %s" % (
            c["target"], c["kind"], c["signature"], c["file"], c["bytes"], c["from_bytes"],
            c["minimize"], how))
        out.append("  - reproduce: `%s`" % c["reproduce"])
        out.append("  - commit once fixed: `cp %s corpus/%s/`" % (c["file"], c["target"]))
    if not s["findings"]:
        out.append("none")
    out += ["", "## Time per phase", "", "| phase | target | seconds |", "|---|---|---|"]
    for p in s["phases"]:
        out.append("| %s | %s | %s |" % (p["phase"], p["target"], p["seconds"]))
    return "\n".join(out) + "\n"


def phases_line(s):
    """The phases summed over targets, in the order they ran: "build 50.2 s, fuzz ..."."""
    order, total = [], {}
    for p in s["phases"]:
        if p["phase"] not in total:
            order.append(p["phase"])
            total[p["phase"]] = 0.0
        total[p["phase"]] += float(p["seconds"])
    return ", ".join("%s %.1f s" % (k, total[k]) for k in order)


def first_finding(since, patterns, checker_tsv=None):
    """Seconds from since (epoch) to the earliest finding: an engine's failing input
    (its file's mtime) or a failure of the deep check (when its check ended); None."""
    times = []
    for pattern in patterns:
        for path in glob.glob(pattern):
            try:
                times.append(os.stat(path).st_mtime)
            except OSError:
                pass
    for r in _rows(checker_tsv):
        times.append(float(r[2]))
    return round(min(times) - since, 1) if times else None

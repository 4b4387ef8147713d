"""Coverage totals from `llvm-cov export -summary-only` (JSON), read by name, not by the
column positions of `llvm-cov report`'s table, which move between LLVM versions."""
import json

KINDS = ("lines", "regions", "functions", "branches")


def totals(export):
    """{kind: {"count", "covered", "percent"}} for the kinds the export has, from the
    parsed JSON of `llvm-cov export -summary-only` (one "data" entry per export)."""
    data = export.get("data") or []
    if not data or "totals" not in data[0]:
        raise ValueError("not an llvm-cov export: no data[0].totals")
    out = {}
    for kind in KINDS:
        t = data[0]["totals"].get(kind)
        if t is None:
            continue
        count, covered = int(t.get("count", 0)), int(t.get("covered", 0))
        percent = t.get("percent")
        if percent is None:
            percent = 100.0 * covered / count if count else 0.0
        out[kind] = {"count": count, "covered": covered, "percent": round(float(percent), 2)}
    return out


def line(tot):
    """One line for the terminal: "lines 85.12%, regions 80.00%, functions 90.91%"."""
    return ", ".join("%s %.2f%%" % (k, tot[k]["percent"])
                     for k in ("lines", "regions", "functions") if k in tot)


def load(path):
    with open(path) as f:
        return totals(json.load(f))

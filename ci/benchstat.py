#!/usr/bin/env python3
"""The arithmetic and parsing behind ci/bench_*.sh, one subcommand per job.

The scripts orchestrate (build, start, load, stop); everything that turns what a program
printed into a figure is here, so it can be unit-tested on captured inputs
(tests/bench/test_benchstat.py) instead of only through a benchmark run. Every output
keeps the format the scripts printed before (docs/bench.md quotes them).

    median [-c COL] [-f FMT] [FILE...]   median of the numbers (column COL) of FILEs or stdin
    ratio A B [-f FMT]                   A / B, "nan" unless B > 0
    check A OP B                         exit 0 when A OP B holds (OP: ge, gt, lt)
    max A B                              the larger of A and B, as written
    field KEY... < LINE                  the value of each " KEY=value" in LINE, one a line
    raw-median NAME FIELD FILE           median of FIELD over the lines of FILE with " NAME "
    floor EDGES < POINTS                 libFuzzer's /empty for a target of EDGES edges
    usecs RATE                           microseconds per run at RATE runs/s
    lf-span N0 N1 T0 T1 START END        a libFuzzer run's loop and whole executions, seconds
    lf-rate LABEL RAW < SPAN             appends the raw line to RAW, prints the loop's exec/s
    afl-rate LABEL WANT BIN RAW STATS    afl-fuzz's exec/s from its fuzzer_stats
    sizes < BYTES                        files and mean size, as "N B"
    callgrind < LOG                      the instructions valgrind's callgrind collected
    cpu MAIN OTHER TICKS BACKLOG         a daemon's CPU seconds and its backlog, as key=value
    sched "RUN WAIT NOW" "RUN WAIT NOW"  % of time the main thread ran, waited, was blocked
    burst CASES < TSV                    medians of the burst's per-case and per-file costs
    wrk < OUTPUT                         "req_per_s p50_ms p99_ms" of a wrk --latency run
    chao-serve SECONDS < LOG             "received_per_s dropped" of a ph-chao serve log
    diff-rate REPORT                     streams/s of a ph-diff report.json
    diff-table REPORT                    per-server table of a ph-diff report.json
"""
import argparse
import json
import math
import re
import sys


def number(text):
    """A float, or None for what is not a finite number ("nan", "", "-")."""
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def median_of(values):
    """The median of the numbers in values, None when there are none; the mean of the
    middle two for an even count. Anything not a number is left out."""
    v = sorted(x for x in (number(t) for t in values) if x is not None)
    if not v:
        return None
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def fmt(value, form):
    return "nan" if value is None else form % value


def ratio(a, b, form="%.2f"):
    a, b = number(a), number(b)
    if a is None or b is None or b <= 0:
        return "nan"
    return form % (a / b)


def field(key, line):
    """The value of the last " KEY=value" in line, or "" (as sed's greedy match did)."""
    found = re.findall(" " + re.escape(key) + "=([^ ]*)", line)
    return found[-1] if found else ""


def column(lines, col):
    for line in lines:
        parts = line.split()
        if len(parts) >= col:
            yield parts[col - 1]


def floor(edges, points):
    """The /empty ratio of a target that only touched EDGES edges per run: time per run
    interpolated linearly between the reference points "EDGES EXEC/S" (extrapolated past
    them); the first point is the empty target."""
    pts = [(float(x), 1 / float(r)) for x, r in (p.split()[:2] for p in points if p.strip())]
    i = 1
    while i < len(pts) - 1 and pts[i][0] < edges:
        i += 1
    (x0, t0), (x1, t1) = pts[i - 1], pts[i]
    f = t0 + (t1 - t0) * (edges - x0) / (x1 - x0)
    return "%.2f" % (pts[0][1] / f)


def lf_span(n0, n1, t0, t1, start, end):
    """Executions and seconds from libFuzzer's INITED line to DONE, then of the process."""
    n0, n1 = int(n0.lstrip("#")), int(n1.lstrip("#"))
    return "%d %.6f %d %.6f" % (n1 - n0, float(t1) - float(t0), n1, float(end) - float(start))


def lf_rate(label, span):
    """The raw line of a libFuzzer run and its loop's exec/s, from lf_span's output."""
    le, ls, e, s = span.split()
    le, ls, e, s = int(le), float(ls), int(e), float(s)
    raw = "%s loop_execs=%d loop_s=%.3f loop_rate=%.0f execs=%d s=%.3f rate=%.0f" % (
        label, le, ls, le / ls, e, s, e / s)
    return raw, "%.0f" % (le / ls)


def afl_rate(label, want, stats):
    """(raw line, rate or "nan", warning or None) from afl-fuzz's fuzzer_stats text."""
    execs, rate = 0, 0.0
    for line in stats.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "execs_done":
            execs = int(value)
        elif key.strip() == "execs_per_sec":
            rate = float(value)
    raw = "%s execs=%d rate=%.0f" % (label, execs, rate)
    if execs < want:
        return raw, "nan", "stopped after %d of %d executions" % (execs, want)
    return raw, "%.0f" % rate, None


def sizes(lines):
    v = [int(t) for t in lines if t.strip()]
    return "%d %.0f" % (len(v), sum(v) / len(v) if v else 0)


def callgrind(log):
    found = re.findall(r"Collected : *([0-9]*)", log)
    return found[-1] if found else ""


def cpu(main, other, ticks, backlog):
    main, other, ticks = int(main), int(other), int(ticks)
    return "daemon_cpu_s=%.2f other_threads_cpu_s=%.2f backlog=%s" % (
        main / ticks, other / ticks, backlog or "nan")


def sched(before, after):
    """Shares of the wall time between two /proc/PID/schedstat readings ("run wait now",
    nanoseconds) that the thread ran, waited for a CPU, and was blocked."""
    x = [int(t) for t in before.split()]
    y = [int(t) for t in after.split()]
    wall = y[2] - x[2]
    if wall <= 0:
        return " main_run_pct=nan main_wait_pct=nan main_blocked_pct=nan"
    r = (y[0] - x[0]) / wall * 100
    q = (y[1] - x[1]) / wall * 100
    return " main_run_pct=%.0f main_wait_pct=%.0f main_blocked_pct=%.0f" % (r, q, 100 - r - q)


def burst(cases, rows):
    """Medians over the rounds of a burst: corpus files written per second, CPU us per case
    of the daemon's main thread, per file of its other threads, per case of the clients.
    Rows: "stored backlog cases_per_s daemon_cpu_s other_threads_cpu_s cpu_s". Each round
    is rounded as the table shows it before the median, as before."""
    cols = [[], [], [], []]
    for row in rows:
        if not row.strip():
            continue
        stored, backlog, rate, main, other, clients = (float(t) for t in row.split())
        files = stored - backlog
        cols[0].append("%.0f" % (files / (cases / rate)))
        cols[1].append("%.1f" % (main * 1e6 / cases))
        cols[2].append("%.1f" % (other * 1e6 / files if files > 0 else 0))
        cols[3].append("%.1f" % (clients * 1e6 / cases))
    return " ".join(fmt(median_of(c), "%.3f") for c in cols)


def wrk_ms(value):
    """wrk's latency ("812.00us", "1.20ms", "2.01s") in milliseconds."""
    for unit, scale in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if value.endswith(unit):
            return float(value[: -len(unit)]) * scale
    return float(value)


def wrk(output):
    rps, p50, p99 = "", 0.0, 0.0
    for line in output.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "Requests/sec:":
            rps = parts[1]
        elif parts[0] == "50%":
            p50 = wrk_ms(parts[1])
        elif parts[0] == "99%":
            p99 = wrk_ms(parts[1])
    return "%s %.3f %.3f" % (rps, p50, p99)


def chao_serve(seconds, log):
    """Frames per second and drops from ph-chao serve's closing line
    ("... S s, N frames ..., M seen, D dropped ...")."""
    frames = re.findall(r"s, ([0-9]+) frames", log)
    dropped = re.findall(r" seen, ([0-9]+) dropped", log)
    f = int(frames[-1]) if frames else 0
    return "%.0f %s" % (f / float(seconds), dropped[-1] if dropped else "0")


def diff_rate(report):
    return "%.0f" % report["streams_per_second"]


def diff_table(report):
    out = ["%-12s %12s %14s %8s" % ("server", "mean conn ms", "finished last", "errors")]
    live = [s for s in report["servers"] if s["kind"] != "in-process"]
    for s in live:
        out.append("%-12s %12.1f %14d %8d" % (
            s["name"], s["mean_connection_ms"], s["finished_last"], s["errors"]))
    slow = max(live, key=lambda s: s["finished_last"])
    out.append("limits the rate: %s (finished %d of %d streams last)" % (
        slow["name"], slow["finished_last"], report["streams"] + report["seed_streams"]))
    return "\n".join(out)


def read_lines(files):
    if not files:
        return sys.stdin.read().splitlines()
    lines = []
    for name in files:
        with open(name) as f:
            lines += f.read().splitlines()
    return lines


def main(argv):
    p = argparse.ArgumentParser(prog="benchstat.py", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("median")
    s.add_argument("-c", "--column", type=int, default=0)
    s.add_argument("-f", "--format", default="%.3f")
    s.add_argument("files", nargs="*")
    s = sub.add_parser("ratio")
    s.add_argument("a")
    s.add_argument("b")
    s.add_argument("-f", "--format", default="%.2f")
    s = sub.add_parser("check")
    s.add_argument("a")
    s.add_argument("op", choices=["ge", "gt", "lt"])
    s.add_argument("b")
    s = sub.add_parser("max")
    s.add_argument("a")
    s.add_argument("b")
    s = sub.add_parser("field")
    s.add_argument("keys", nargs="+")
    s = sub.add_parser("raw-median")
    s.add_argument("name")
    s.add_argument("field")
    s.add_argument("file")
    s = sub.add_parser("floor")
    s.add_argument("edges", type=float)
    s = sub.add_parser("usecs")
    s.add_argument("rate", type=float)
    s = sub.add_parser("lf-span")
    for a in ("n0", "n1", "t0", "t1", "start", "end"):
        s.add_argument(a)
    s = sub.add_parser("lf-rate")
    s.add_argument("label")
    s.add_argument("raw")
    s = sub.add_parser("afl-rate")
    s.add_argument("label")
    s.add_argument("want", type=int)
    s.add_argument("bin")
    s.add_argument("raw")
    s.add_argument("stats")
    sub.add_parser("sizes")
    sub.add_parser("callgrind")
    s = sub.add_parser("cpu")
    for a in ("main", "other", "ticks"):
        s.add_argument(a)
    s.add_argument("backlog", nargs="?", default="")
    s = sub.add_parser("sched")
    s.add_argument("before")
    s.add_argument("after")
    s = sub.add_parser("burst")
    s.add_argument("cases", type=float)
    sub.add_parser("wrk")
    s = sub.add_parser("chao-serve")
    s.add_argument("seconds")
    for name in ("diff-rate", "diff-table"):
        s = sub.add_parser(name)
        s.add_argument("report")
    a = p.parse_args(argv)

    out = None
    if a.cmd == "median":
        lines = read_lines(a.files)
        out = fmt(median_of(column(lines, a.column) if a.column else lines), a.format)
    elif a.cmd == "ratio":
        out = ratio(a.a, a.b, a.format)
    elif a.cmd == "check":
        x, y = number(a.a), number(a.b)
        ops = {"ge": lambda: x >= y, "gt": lambda: x > y, "lt": lambda: x < y}
        return 0 if x is not None and y is not None and ops[a.op]() else 1
    elif a.cmd == "max":
        x, y = number(a.a), number(a.b)
        out = a.a if y is None or (x is not None and x > y) else a.b
    elif a.cmd == "field":
        line = sys.stdin.read().rstrip("\n")
        out = "\n".join(field(k, line) for k in a.keys)
    elif a.cmd == "raw-median":
        with open(a.file) as f:
            rows = [field(a.field, ln) for ln in f.read().splitlines() if " %s " % a.name in ln]
        out = fmt(median_of(rows), "%.3f")
    elif a.cmd == "floor":
        out = floor(a.edges, sys.stdin.read().splitlines())
    elif a.cmd == "usecs":
        out = "%.3f" % (1e6 / a.rate) if a.rate > 0 else "nan"
    elif a.cmd == "lf-span":
        out = lf_span(a.n0, a.n1, a.t0, a.t1, a.start, a.end)
    elif a.cmd == "lf-rate":
        raw, out = lf_rate(a.label, sys.stdin.read())
        with open(a.raw, "a") as f:
            f.write(raw + "\n")
    elif a.cmd == "afl-rate":
        with open(a.stats) as f:
            raw, out, warning = afl_rate(a.label, a.want, f.read())
        with open(a.raw, "a") as f:
            f.write(raw + "\n")
        if warning:
            print("bench: afl-fuzz on %s %s" % (a.bin, warning), file=sys.stderr)
    elif a.cmd == "sizes":
        out = sizes(sys.stdin.read().splitlines())
    elif a.cmd == "callgrind":
        out = callgrind(sys.stdin.read())
    elif a.cmd == "cpu":
        out = cpu(a.main, a.other, a.ticks, a.backlog)
    elif a.cmd == "sched":
        out = sched(a.before, a.after)
    elif a.cmd == "burst":
        out = burst(a.cases, sys.stdin.read().splitlines())
    elif a.cmd == "wrk":
        out = wrk(sys.stdin.read())
    elif a.cmd == "chao-serve":
        out = chao_serve(a.seconds, sys.stdin.read())
    elif a.cmd in ("diff-rate", "diff-table"):
        with open(a.report) as f:
            report = json.load(f)
        out = (diff_rate if a.cmd == "diff-rate" else diff_table)(report)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

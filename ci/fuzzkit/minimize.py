"""Minimization with a deadline: removes chunks of an input while it still fails with the
same kind and signature in the given (deep) standalone build, halving the chunk size
when a sweep removes nothing (afl-tmin's block deletion, ddmin's halving). Every smaller
reproducer found is written to OUT at once, so whenever the deadline stops the search,
OUT holds the best one found by then.

Why not libFuzzer -minimize_crash=1: it runs child after child, each for -max_total_time,
as long as each finds something smaller (a 2.9 KB input took more than 9 minutes), and
it keeps any crash, not the same one. This keeps the same signature and stops on time.
"""
import os
import time

from . import driver as drv
from . import signature as sg

BATCH = 256  # candidates per driver run


class Result:
    def __init__(self, data, status, runs):
        self.data, self.status, self.runs = data, status, runs


def _write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def first_same(driver, files, kind, sig, deadline, timeout_s):
    """(index of the first file failing as (kind, sig) or None, runs, timed out)."""
    start = runs = 0
    while start < len(files):
        o = drv.run(driver, files[start:], timeout_s, deadline)
        if o.timed_out:
            return None, runs, True
        if o.failed is None:
            return None, runs + len(files) - start, False
        runs += o.failed + 1
        if sg.parse(o.log) == (kind, sig):
            return start + o.failed, runs, False
        start += o.failed + 1
    return None, runs, False


def minimize(driver, data, kind, sig, deadline, out, work, timeout_s=10):
    """Minimizes data (bytes); returns a Result whose status is "done" (no chunk can
    go) or "deadline". OUT always holds the best input found."""
    os.makedirs(work, exist_ok=True)
    best, runs = data, 0
    _write_atomic(out, best)
    chunk = len(best)
    while chunk >= 1:
        progress, pos = False, 0
        while pos < len(best):
            if time.time() >= deadline:
                return Result(best, "deadline", runs)
            starts = list(range(pos, len(best), chunk))[:BATCH]
            files = []
            for i, j in enumerate(starts):
                path = os.path.join(work, "cand-%d" % i)
                with open(path, "wb") as f:
                    f.write(best[:j] + best[j + chunk:])
                files.append(path)
            idx, n, timed_out = first_same(driver, files, kind, sig, deadline, timeout_s)
            runs += n
            if timed_out:
                return Result(best, "deadline", runs)
            if idx is None:
                pos = starts[-1] + chunk
                continue
            j = starts[idx]
            best = best[:j] + best[j + chunk:]
            _write_atomic(out, best)
            progress, pos = True, j
        if not progress:
            chunk //= 2
    return Result(best, "done", runs)


def main(args):
    with open(args.input, "rb") as f:
        data = f.read()
    r = minimize(args.driver, data, args.kind, args.signature, args.deadline, args.out,
                 args.work, args.timeout)
    print("%s %d %d %d" % (r.status, len(data), len(r.data), r.runs))
    return 0

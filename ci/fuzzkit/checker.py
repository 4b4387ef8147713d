"""The deep check: campaigns fuzz the fast build (no split oracle) and this runs every
input that enters a corpus through the deep standalone build, while the engines run.

An input enters a corpus when an engine keeps it: libFuzzer's new units (its working
corpus), AFL++'s queue entries (every instance's). Each is copied at once (libFuzzer
deletes the inputs it reduces), named by its SHA-1 (the same input in two corpora is
checked once), and checked in batches through the replay driver, in process (see
driver.py). What the committed corpus and the hub held when the campaign started is not
checked again: ctest's replay runs the committed corpus through the deep build, and the
hub holds what earlier campaigns collected. "At the start" is by time, not by when the
checker gets to read a folder: a file written in a known folder after `since` (the
campaign's start) is this campaign's, such as an engine's first entry that ci/fuzz.sh
copied to the hub before a slow start of the checker read it, and is checked.

What the watched folders hold when the checker starts is checked like what arrives
later: the first scan reads them all (the engines may have written their seeds and
first entries before it).

Work folder:
  pending/<sha1>    copies waiting for their check
  failures/<sha1>   inputs the deep build fails on (triaged by ci/fuzz.sh like crashes)
  failures.tsv      sha1, appeared (the file's mtime), found (check done), source path
  status            "checked queued failures lag_p50_s" for the progress line, every loop
  stats.json        at the end: counts and lag (seconds from a file's mtime to its check)
  stop              written by ci/fuzz.sh when the engines have stopped: the time (epoch
                    seconds) by which the drain must end; the checker then checks what is
                    left, writes stats.json and exits (ci/fuzz.sh removes an old one
                    before it starts the checker)
"""
import glob
import hashlib
import json
import math
import os
import shutil
import signal
import time

from . import driver as drv

BATCH = 50      # files per driver run: a backlog never blocks a check for long
SETTLE = 0.1    # seconds a file must be old before it is read (engines write in place)
POLL = 0.25     # seconds between scans when nothing waits


def percentile(values, p):
    """The p-th percentile (nearest rank) of values, or None when there are none."""
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(p / 100.0 * len(s)) - 1))
    return s[k]


class Checker:
    def __init__(self, driver, work, watch, known=(), timeout_s=10, clock=time.time,
                 since=None):
        self.driver, self.work, self.watch = driver, work, list(watch)
        self.since = since      # epoch seconds; None: everything in known counts
        self.timeout_s, self.clock = timeout_s, clock
        self.pending = os.path.join(work, "pending")
        self.failed_dir = os.path.join(work, "failures")
        self.seen_paths = set()
        self.hashes = set()     # known at start, queued or checked
        self.queue = []         # (sha1, appeared, source)
        self.lags = []
        self.checked = self.duplicates = self.errors = 0
        self.failures = []      # (sha1, appeared, found, source)
        self.started = clock()
        for d in (self.pending, self.failed_dir):
            os.makedirs(d, exist_ok=True)
        for d in known:
            self._learn(d)

    def _learn(self, folder):
        """Inputs in folder before since count as checked (see the module's comment)."""
        if not os.path.isdir(folder):
            return
        for e in os.scandir(folder):
            if not e.is_file() or e.name.startswith("."):
                continue
            try:
                if self.since is not None and e.stat().st_mtime >= self.since:
                    continue
                with open(e.path, "rb") as f:
                    self.hashes.add(hashlib.sha1(f.read()).hexdigest())
            except OSError:
                pass

    def scan(self, settle=SETTLE):
        """Queues the inputs that appeared in the watched folders; returns how many."""
        now, added = self.clock(), 0
        for pattern in self.watch:
            for folder in sorted(glob.glob(pattern)):
                try:
                    entries = list(os.scandir(folder))
                except OSError:
                    continue
                for e in entries:
                    if e.path in self.seen_paths or e.name.startswith("."):
                        continue
                    try:
                        if not e.is_file():
                            continue
                        mtime = e.stat().st_mtime
                        if settle and now - mtime < settle:
                            continue  # maybe still being written; next scan
                        with open(e.path, "rb") as f:
                            data = f.read()
                    except OSError:
                        continue  # gone meanwhile (libFuzzer replaced it)
                    self.seen_paths.add(e.path)
                    h = hashlib.sha1(data).hexdigest()
                    if h in self.hashes:
                        self.duplicates += 1
                        continue
                    self.hashes.add(h)
                    with open(os.path.join(self.pending, h), "wb") as f:
                        f.write(data)
                    self.queue.append((h, mtime, e.path))
                    added += 1
        return added

    def check_batch(self, deadline=None, stop=None):
        """Checks up to BATCH queued inputs; False when the deadline or stop() stopped it
        (what was not checked is queued again)."""
        batch, self.queue = self.queue[:BATCH], self.queue[BATCH:]
        files = [os.path.join(self.pending, h) for h, _, _ in batch]
        while batch:
            # In process: about 20 times faster under ASan; triage replays what fails in
            # the forked driver, which classifies it.
            o = drv.run(self.driver, files, self.timeout_s, deadline, in_process=True,
                        stop=stop)
            if o.timed_out:
                self.queue[:0] = batch
                return False
            done = self.clock()
            n = len(batch) if o.failed is None else o.failed + 1
            if o.error:
                self.errors += len(batch)
            for i, (h, appeared, source) in enumerate(batch[:n]):
                self.checked += 1
                self.lags.append(max(0.0, done - appeared))
                if i == o.failed:
                    os.replace(files[i], os.path.join(self.failed_dir, h))
                    self.failures.append((h, appeared, done, source))
                    with open(os.path.join(self.work, "failures.tsv"), "a") as f:
                        f.write("%s\t%.3f\t%.3f\t%s\n" % (h, appeared, done, source))
                else:
                    try:
                        os.unlink(files[i])
                    except OSError:
                        pass
            batch, files = batch[n:], files[n:]
        return True

    def stats(self):
        return {
            "checked": self.checked,
            "failures": len(self.failures),
            "duplicates": self.duplicates,
            "errors": self.errors,
            "unchecked": len(self.queue),
            "lag_s": {
                "p50": _round(percentile(self.lags, 50)),
                "p95": _round(percentile(self.lags, 95)),
                "max": _round(max(self.lags) if self.lags else None),
            },
            "first_failure_s": _round(self.failures[0][2] - self.started
                                      if self.failures else None),
        }

    def write_status(self):
        lag = percentile(self.lags, 50)
        _write_atomic(os.path.join(self.work, "status"), "%d %d %d %s\n" % (
            self.checked, len(self.queue), len(self.failures),
            "-" if lag is None else "%.1f" % lag))

    def write_stats(self):
        self.write_status()
        _write_atomic(os.path.join(self.work, "stats.json"),
                      json.dumps(self.stats(), indent=2) + "\n")

    def run(self):
        """Follows the corpora until the stop file appears, then drains and exits."""
        stop = os.path.join(self.work, "stop")
        self.write_status()  # ready: ci/fuzz.sh starts the engines after this
        def stopped():
            return os.path.exists(stop)

        while not stopped():
            self.scan()
            if self.queue:
                # A batch (a slow input, a hang until -timeout) must not hold back the
                # drain, whose deadline is the only bound ci/fuzz.sh gives the check.
                self.check_batch(stop=stopped)
            else:
                time.sleep(POLL)
            self.write_status()
        deadline = _read_deadline(stop)
        while self.clock() < deadline:
            self.scan(settle=0)
            if not self.queue or not self.check_batch(deadline):
                break
        self.write_stats()


def _round(v):
    return None if v is None else round(v, 3)


def _write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def _read_deadline(path):
    try:
        with open(path) as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return time.time()


def move_aside(work):
    """A resumed campaign keeps earlier failures (triaged then) in failures.<time>/."""
    failed = os.path.join(work, "failures")
    if os.path.isdir(failed) and os.listdir(failed):
        os.replace(failed, failed + time.strftime(".%Y-%m-%dT%H%M%S"))
    for name in ("failures.tsv", "stats.json", "status"):
        try:
            os.unlink(os.path.join(work, name))
        except OSError:
            pass
    shutil.rmtree(os.path.join(work, "pending"), ignore_errors=True)


def main(args):
    os.makedirs(args.work, exist_ok=True)
    move_aside(args.work)
    c = Checker(args.driver, args.work, args.watch, args.known, args.timeout,
                since=args.since)

    def on_term(signum, frame):
        c.write_stats()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_term)
    c.run()
    return 0


def brief(work):
    """"checked failures lag_p50_s lag_max_s unchecked" of a finished check ("-" for what
    is unknown), for ci/fuzz.sh's summary row."""
    try:
        with open(os.path.join(work, "stats.json")) as f:
            st = json.load(f)
    except (OSError, ValueError):
        return "- - - - -"
    def v(x):
        return "-" if x is None else str(x)
    return " ".join(v(x) for x in (st["checked"], st["failures"], st["lag_s"]["p50"],
                                   st["lag_s"]["max"], st["unchecked"]))

"""Running the standalone replay driver (harness/driver_standalone.c) over a batch of
files: it forks a child per file and stops at the first failure, naming it.

In process (-in_process=1) it runs about twenty times faster under ASan (no fork of a
process with ASan's shadow mappings per input) but a crash ends the process without a
result line: the failing file is then the first one without a PASS line. A hang still
names its file (==HANG==); a leak gets its result line. The forked run classifies better
(hang, OOM), so triage replays what an in-process run found that way."""
import os
import re
import signal
import subprocess
import time

# As ci/fuzz.sh's replays: abort and leaks are failures, reports are symbolized.
ENV = {
    "ASAN_OPTIONS": "handle_abort=1:detect_leaks=1:symbolize=1:allocator_may_return_null=1",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:symbolize=1",
}
# The driver's result line for a failure: "CRASH path (N bytes, ...)", "HANG  path (...",
# or "FAIL  path: reason" for an unreadable file.
_FAILED = re.compile(r"^(?:CRASH|HANG|LEAK|OOM|EXIT) +(\S+) \(|^FAIL:? +(\S+):"
                     r"|^==HANG== input ran past -timeout: (\S+)$", re.M)
_PASSED = re.compile(r"^PASS +(\S+) \(", re.M)
WAIT_STEP = 0.25  # seconds between two looks at stop()


class Outcome:
    """One driver run: failed is the index of the failing file (None: all passed or
    none ran), log its stderr, timed_out when the deadline stopped it."""

    def __init__(self, failed=None, log="", timed_out=False, error=None):
        self.failed, self.log, self.timed_out, self.error = failed, log, timed_out, error


def run(driver, files, timeout_s=10, deadline=None, in_process=False, stop=None):
    """Runs files (paths without spaces) through driver until one fails, deadline
    (time.time() seconds) passes or stop() (asked every WAIT_STEP seconds) is true; the
    driver and its children are then killed and the outcome is timed_out."""
    if not files:
        return Outcome()
    if deadline is not None and deadline <= time.time():
        return Outcome(timed_out=True)
    args = [driver, "-timeout=%d" % max(1, timeout_s), "-rss_limit_mb=2048"]
    args += ["-in_process=1"] if in_process else ["-q"]
    env = dict(os.environ, **ENV)
    p = subprocess.Popen(args + list(files), stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                         start_new_session=True)
    err = _wait(p, deadline, stop)
    if err is None:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return Outcome(timed_out=True)
    log = err.decode("utf-8", "replace")
    if p.returncode == 0:
        return Outcome(log=log)
    m = _FAILED.search(log)
    path = m and (m.group(1) or m.group(2) or m.group(3))
    if in_process:
        passes = list(_PASSED.finditer(log))
        if path is None:
            passed = {m.group(1) for m in passes}
            path = next((f for f in files if f not in passed), None)
        # The failing run's report: what follows the last PASS line.
        if passes:
            log = log[log.index("\n", passes[-1].start()) + 1:]
    if path not in files:
        return Outcome(log=log, error="driver exit %d without a result line" % p.returncode)
    return Outcome(failed=list(files).index(path), log=log)


def _wait(p, deadline, stop):
    """p's stderr once it exits, or None when deadline or stop() came first. communicate()
    again after its timeout loses no output (subprocess's documentation)."""
    while True:
        step = None if stop is None else WAIT_STEP
        if deadline is not None:
            left = deadline - time.time()
            if left <= 0:
                return None
            step = left if step is None else min(step, left)
        try:
            return p.communicate(timeout=step)[1]
        except subprocess.TimeoutExpired:
            if stop is not None and stop():
                return None

"""Crash signatures: one bug found by many inputs is one finding.

A signature is "<what>|<frames>": what failed (a sanitizer's error kind, a fuzz
invariant's file:line, a UBSan check, a differential check's message, a hang or a leak)
and the top three stack frames in the target and the cores, without the sanitizer,
driver and libc frames every report shares.
"""
import hashlib
import re

RESULTS = ("PASS", "CRASH", "HANG", "LEAK", "OOM", "EXIT")
_RESULT = re.compile(r"^(PASS|CRASH|HANG|LEAK|OOM|EXIT) ")
_FRAME = re.compile(r"^ *#[0-9]+ 0x[0-9a-f]+ in (\S+)")
# Frames every report shares: sanitizer runtimes, libc, the drivers, the check macro.
_SKIP = re.compile(
    r"^(__sanitizer|__asan|__ubsan|__msan|__lsan|__interceptor|__pthread_kill|pthread_kill"
    r"|__GI_|gsignal|abort|raise|on_alarm|run_target|run_forked|run_file|main|__libc|_start"
    r"|malloc|calloc|realloc|free|fuzz_check|report|LLVMFuzzer.*Driver)")
FRAMES = 3


def parse(log):
    """(kind, signature) of a replay log: kind is pass, crash, hang, leak, oom or exit
    (the driver's result line; crash when there is none)."""
    result = what = diff = None
    frames = []
    for line in log.splitlines():
        if result is None:
            m = _RESULT.match(line)
            if m:
                result = m.group(1).lower()
        if what is None:
            what = _what(line)
        if diff is None and "differential: " in line:
            diff = line.split("differential: ", 1)[1]
        m = _FRAME.match(line)
        if m and len(frames) < FRAMES and not _SKIP.match(m.group(1)):
            frames.append(m.group(1))
    result = result or "crash"
    what = what or result
    if diff is not None:
        what += ":" + diff
    return result, what.replace(" ", "_") + "|" + ">".join(frames)


def _what(line):
    """What one line of a report says failed, or None."""
    if "fuzz invariant failed:" in line:
        # "fuzz invariant failed: COND (path/file.c:LINE)": the last parenthesis.
        where = line.split("fuzz invariant failed: ", 1)[1].rsplit("(", 1)[-1]
        return "invariant@" + where.split(")", 1)[0].rsplit("/", 1)[-1]
    m = re.search(r"(ERROR|WARNING): (AddressSanitizer|MemorySanitizer): (\S+)", line)
    if m:
        return m.group(3)
    if "ERROR: LeakSanitizer: " in line:
        return "leak"
    if "runtime error: " in line:
        words = re.sub(r"[^A-Za-z ]", "", line.split("runtime error: ", 1)[1]).split()
        return "ubsan-" + "-".join((words + ["", ""])[:2])
    if line.startswith("==HANG=="):
        return "hang"
    return None


def slug(kind, signature):
    """A finding's file name: crash-[<kind>-]<what>-<8 hex of the signature's SHA-1>,
    <what> being a differential check's message, an invariant's line or the error kind."""
    what = signature.split("|", 1)[0]
    if what.startswith("invariant@"):
        parts = what.split(":")
        what = parts[-1] if len(parts) >= 3 else "invariant-line-" + parts[-1]
    what = re.sub(r"-+", "-", re.sub(r"[^a-z0-9]", "-", what.lower())).strip("-")[:48]
    what = what.rstrip("-")
    digest = hashlib.sha1(signature.encode()).hexdigest()[:8]
    name = "crash"
    if kind != "crash":
        name += "-" + kind
    if what and what != kind:
        name += "-" + what
    return name + "-" + digest

"""Tests of ci/fuzzkit (ctest: fuzzkit, label unit).

The parsers run on captured inputs in data/ (README there says where each came from).
The checker and the minimizer run the real standalone driver on tests/fuzz/fuzz_misbehave
(FUZZKIT_DRIVER: its path; ctest sets it), which fails on purpose on inputs starting
with the word "crash" (abort) or "hang".
"""
import hashlib
import json
import os
import tempfile
import threading
import time
import unittest

from fuzzkit import checker, covsummary, driver, minimize, signature, summary

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
DRIVER = os.environ.get("FUZZKIT_DRIVER")


def read(name):
    with open(os.path.join(DATA, name), errors="replace") as f:
        return f.read()


class Signature(unittest.TestCase):
    # Each captured log and the (kind, signature) it must give: the same as the awk in
    # ci/fuzz.sh gave before (checked when it moved here), except MSan's report, which
    # says WARNING and which the awk missed.
    ROWS = [
        ("misbehave-overread.log", "crash", "heap-buffer-overflow|LLVMFuzzerTestOneInput"),
        ("misbehave-crash.log", "crash", "ABRT|LLVMFuzzerTestOneInput"),
        ("misbehave-hang.log", "hang", "hang|spin>LLVMFuzzerTestOneInput"),
        ("misbehave-leak.log", "leak", "leak|lose_block>LLVMFuzzerTestOneInput"),
        ("invariant.log", "crash", "invariant@fuzz_planted_oracle.c:16|LLVMFuzzerTestOneInput"),
        ("ubsan.log", "crash", "ubsan-signed-integer|add>LLVMFuzzerTestOneInput"),
        ("msan.log", "crash", "use-of-uninitialized-value|decide>LLVMFuzzerTestOneInput"),
        ("differential.log", "crash",
         "invariant@fuzz_http_differential.c:462:the_body_ends_at_different_offsets"
         "|compare>LLVMFuzzerTestOneInput"),
    ]

    def test_captured_logs(self):
        for name, kind, sig in self.ROWS:
            with self.subTest(log=name):
                self.assertEqual(signature.parse(read(name)), (kind, sig))

    def test_no_report_is_the_driver_result(self):
        self.assertEqual(signature.parse("PASS  x (3 bytes, 0.1 ms)\n"), ("pass", "pass|"))
        self.assertEqual(signature.parse(""), ("crash", "crash|"))

    def test_only_three_frames_outside_the_runtime(self):
        log = "".join("    #%d 0x1 in %s f.c:1\n" % (i, fn) for i, fn in enumerate(
            ["__asan_memcpy", "a", "malloc", "b", "c", "d"]))
        self.assertEqual(signature.parse(log)[1], "crash|a>b>c")

    def test_slugs(self):
        # Names as the shell's slug gave them, so earlier regression files keep theirs.
        rows = [
            ("crash", "the_body_ends_at_different_offsets", None),
            ("crash", "invariant@fuzz_http_differential.c:462:the_body_ends_at_different_"
             "offsets|compare>LLVMFuzzerTestOneInput",
             "crash-the-body-ends-at-different-offsets-a5aebc16"),
            ("crash", "invariant@fuzz_planted_oracle.c:16|LLVMFuzzerTestOneInput",
             "crash-invariant-line-16-6713318f"),
            ("crash", "heap-buffer-overflow|LLVMFuzzerTestOneInput",
             "crash-heap-buffer-overflow-b6e3f984"),
            ("hang", "hang|spin>LLVMFuzzerTestOneInput", "crash-hang-c2090820"),
            ("leak", "leak|lose_block>LLVMFuzzerTestOneInput", "crash-leak-a7953d21"),
            ("crash", "ubsan-signed-integer|add>LLVMFuzzerTestOneInput",
             "crash-ubsan-signed-integer-becdce2d"),
        ]
        for kind, sig, want in rows:
            if want is None:
                continue
            with self.subTest(sig=sig):
                self.assertEqual(signature.slug(kind, sig), want)

    def test_slug_is_a_safe_short_name(self):
        name = signature.slug("crash", "x@" + "Long/../Name " * 20 + "|f")
        self.assertRegex(name, r"^crash-[a-z0-9-]+-[0-9a-f]{8}$")
        self.assertLessEqual(len(name), len("crash-") + 48 + 9)


class Coverage(unittest.TestCase):
    def test_captured_export(self):
        tot = covsummary.load(os.path.join(DATA, "llvm-cov-export.json"))
        self.assertEqual(tot["lines"], {"count": 12, "covered": 6, "percent": 50.0})
        self.assertEqual(tot["regions"]["percent"], 66.67)
        self.assertEqual(tot["functions"]["covered"], 2)
        self.assertEqual(covsummary.line(tot), "lines 50.00%, regions 66.67%, functions 66.67%")

    def test_percent_computed_when_absent(self):
        tot = covsummary.totals({"data": [{"totals": {"lines": {"count": 4, "covered": 1}}}]})
        self.assertEqual(tot["lines"]["percent"], 25.0)
        self.assertEqual(covsummary.line(tot), "lines 25.00%")

    def test_not_an_export(self):
        with self.assertRaises(ValueError):
            covsummary.totals({"version": "2.0.1"})


class Summary(unittest.TestCase):
    def test_percentile(self):
        self.assertIsNone(checker.percentile([], 50))
        self.assertEqual(checker.percentile([3, 1, 2], 50), 2)
        self.assertEqual(checker.percentile(list(range(1, 101)), 95), 95)
        self.assertEqual(checker.percentile([7], 95), 7)

    def test_json_and_markdown(self):
        with tempfile.TemporaryDirectory() as d:
            def put(name, text):
                with open(os.path.join(d, name), "w") as f:
                    f.write(text)
            put("s.tsv", "target\tengine\texecs\tfuzz_s\nhttp_request\tlibfuzzer\t1200\t30\n")
            put("c.tsv", "http_request\tcrash\tsplit-oracle\tinvariant@f.c:1|g\tbuild/x\t12"
                "\t2900\tdeadline\tbuild/bin/fuzz_http_request build/x\n")
            put("p.tsv", "fuzz\thttp_request\t30\ntotal\t-\t75\n")
            s = summary.load(os.path.join(d, "s.tsv"), os.path.join(d, "c.tsv"),
                             os.path.join(d, "p.tsv"))
            self.assertEqual(s["targets"], [{"target": "http_request", "engine": "libfuzzer",
                                             "execs": 1200, "fuzz_s": 30}])
            self.assertEqual(s["findings"][0]["found_by"], "split-oracle")
            self.assertEqual(s["findings"][0]["bytes"], 12)
            self.assertEqual(s["phases"][1], {"phase": "total", "target": "-", "seconds": 75})
            md = summary.markdown(s)
            self.assertIn("| http_request | libfuzzer | 1200 | 30 |", md)
            self.assertIn("split-oracle failure", md)
            self.assertIn("| total | - | 75 |", md)
            self.assertEqual(summary.phases_line(s), "fuzz 30.0 s, total 75.0 s")

    def test_first_finding(self):
        with tempfile.TemporaryDirectory() as d:
            a = os.path.join(d, "crash-a")
            open(a, "w").close()
            os.utime(a, (1000.0, 1000.0))
            tsv = os.path.join(d, "failures.tsv")
            with open(tsv, "w") as f:
                f.write("abc\t990.0\t995.5\tsrc\n")
            self.assertEqual(summary.first_finding(990.0, [os.path.join(d, "crash-*")], tsv),
                             5.5)
            self.assertEqual(summary.first_finding(990.0, [os.path.join(d, "crash-*")]), 10.0)
            self.assertIsNone(summary.first_finding(990.0, [os.path.join(d, "none-*")]))


@unittest.skipUnless(DRIVER, "FUZZKIT_DRIVER (fuzz_misbehave) not set")
class WithDriver(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def put(self, folder, name, data, age=1.0):
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, name)
        with open(path, "wb") as f:
            f.write(data)
        t = time.time() - age
        os.utime(path, (t, t))
        return path

    def test_driver_names_the_failing_file(self):
        files = [self.put(self.d, n, c) for n, c in
                 [("a", b"fine"), ("b", b"crash"), ("c", b"fine too")]]
        for in_process in (False, True):
            with self.subTest(in_process=in_process):
                o = driver.run(DRIVER, files, in_process=in_process)
                self.assertEqual(o.failed, 1)
                self.assertEqual(signature.parse(o.log)[0], "crash")
                self.assertIsNone(driver.run(DRIVER, [files[0], files[2]],
                                             in_process=in_process).failed)

    def test_driver_stops_at_the_deadline(self):
        f = self.put(self.d, "h", b"hang")
        start = time.time()
        o = driver.run(DRIVER, [f], timeout_s=20, deadline=start + 1.0)
        self.assertTrue(o.timed_out)
        self.assertLess(time.time() - start, 5)

    def test_checker_follows_checks_and_drains(self):
        corpus, queue, known = (os.path.join(self.d, n) for n in ("corpus", "afl", "seeds"))
        self.put(known, "seed", b"crash seed already known")
        work = os.path.join(self.d, "check")
        c = checker.Checker(DRIVER, work, [corpus, os.path.join(queue, "*", "queue")], [known])
        self.put(corpus, "1", b"fine")
        self.put(corpus, "2", b"crash\nfrom libFuzzer")
        self.put(corpus, "3", b"crash seed already known")      # known: not checked
        self.put(os.path.join(queue, "main", "queue"), "id:000001", b"fine")  # duplicate
        self.put(os.path.join(queue, "s1", "queue"), "id:000000", b"also fine")
        # Not settled (its mtime is ahead): left for a later scan, but not by the drain.
        self.put(corpus, "young", b"crash\njust written", age=-5)
        self.assertEqual(c.scan(), 3)
        self.assertTrue(c.check_batch())
        st = c.stats()
        self.assertEqual((st["checked"], st["failures"], st["duplicates"]), (3, 1, 2))
        self.assertGreaterEqual(st["lag_s"]["p50"], 1.0)  # the files are 1 s old
        failed = os.listdir(os.path.join(work, "failures"))
        self.assertEqual(len(failed), 1)
        with open(os.path.join(work, "failures", failed[0]), "rb") as f:
            self.assertEqual(f.read(), b"crash\nfrom libFuzzer")
        # The stop file: the young file is drained (no settling then), stats written.
        with open(os.path.join(work, "stop"), "w") as f:
            f.write("%f\n" % (time.time() + 30))
        c.run()
        with open(os.path.join(work, "stats.json")) as f:
            st = json.load(f)
        self.assertEqual((st["checked"], st["failures"], st["unchecked"]), (4, 2, 0))
        with open(os.path.join(work, "failures.tsv")) as f:
            self.assertEqual(len(f.readlines()), 2)

    def test_checker_checks_what_was_there_before_it_started(self):
        # An engine's seeds and first entries, written before the checker's first scan;
        # one of them already copied to the hub (a known folder) before the checker read
        # it: written after since, it is this campaign's and is checked too.
        corpus, hub = os.path.join(self.d, "corpus"), os.path.join(self.d, "hub")
        work = os.path.join(self.d, "check")
        self.put(hub, "old", b"crash\nfrom an earlier campaign", age=60)
        self.put(corpus, "old", b"crash\nfrom an earlier campaign", age=60)
        since = time.time() - 30
        self.put(corpus, "first", b"crash\nfirst entry", age=2)
        self.put(hub, "first", b"crash\nfirst entry", age=1)
        self.put(corpus, "second", b"fine", age=2)
        c = checker.Checker(DRIVER, work, [corpus], [hub], since=since)
        with open(os.path.join(work, "stop"), "w") as f:
            f.write("%f\n" % (time.time() + 30))
        c.run()
        st = c.stats()
        self.assertEqual((st["checked"], st["failures"], st["duplicates"]), (2, 1, 1))
        self.assertEqual(os.listdir(os.path.join(work, "failures")),
                         [hashlib.sha1(b"crash\nfirst entry").hexdigest()])

    def test_checker_drain_respects_its_deadline(self):
        corpus, work = os.path.join(self.d, "corpus"), os.path.join(self.d, "check")
        c = checker.Checker(DRIVER, work, [corpus], timeout_s=20)
        self.put(corpus, "h", b"hang")
        self.put(corpus, "f", b"fine")
        with open(os.path.join(work, "stop"), "w") as f:
            f.write("%f\n" % (time.time() + 1.0))
        start = time.time()
        c.run()
        self.assertLess(time.time() - start, 5)
        self.assertEqual(c.stats()["unchecked"], 2)

    def test_checker_stop_cuts_a_batch_short(self):
        # A hang in a batch checked while following: the stop file (the engines ended)
        # ends that batch, and the drain's deadline bounds the rest, not -timeout.
        corpus, work = os.path.join(self.d, "corpus"), os.path.join(self.d, "check")
        c = checker.Checker(DRIVER, work, [corpus], timeout_s=20)
        self.put(corpus, "h", b"hang")
        t = threading.Thread(target=c.run)
        start = time.time()
        t.start()
        time.sleep(1.0)
        with open(os.path.join(work, "stop"), "w") as f:
            f.write("%f\n" % (time.time() + 1.0))
        t.join(60)
        self.assertLess(time.time() - start, 8)
        self.assertEqual((c.stats()["checked"], c.stats()["unchecked"]), (0, 1))

    def test_checker_runs_while_files_arrive(self):
        corpus, work = os.path.join(self.d, "corpus"), os.path.join(self.d, "check")
        c = checker.Checker(DRIVER, work, [corpus])
        t = threading.Thread(target=c.run)
        t.start()
        for i in range(5):
            self.put(corpus, "in%d" % i, b"fine %d" % i, age=0)
            time.sleep(0.1)
        time.sleep(1.0)
        with open(os.path.join(work, "stop"), "w") as f:
            f.write("%f\n" % (time.time() + 30))
        t.join(60)
        st = c.stats()
        self.assertEqual((st["checked"], st["unchecked"]), (5, 0))
        self.assertLess(st["lag_s"]["max"], 10)

    def test_minimize_keeps_the_signature(self):
        # fuzz_misbehave aborts on "crash" alone or followed by a newline; anything else
        # passes, so the smallest same-signature input is exactly "crash".
        data = b"crash\n" + bytes(range(32, 127)) * 2
        src = self.put(self.d, "in", data)
        o = driver.run(DRIVER, [src])
        kind, sig = signature.parse(o.log)
        out = os.path.join(self.d, "out")
        r = minimize.minimize(DRIVER, data, kind, sig, time.time() + 120, out,
                              os.path.join(self.d, "w"))
        self.assertEqual((r.status, r.data), ("done", b"crash"))
        with open(out, "rb") as f:
            self.assertEqual(f.read(), b"crash")

    def test_minimize_rejects_another_failure(self):
        # "hang\ncrash" hangs; cutting its first half leaves "crash", which fails too, but
        # differently: a minimizer that kept any failure would end on "crash".
        data = b"hang\ncrash"
        src = self.put(self.d, "in", data)
        o = driver.run(DRIVER, [src], timeout_s=1)
        kind, sig = signature.parse(o.log)
        self.assertEqual(kind, "hang")
        r = minimize.minimize(DRIVER, data, kind, sig, time.time() + 120,
                              os.path.join(self.d, "out"), os.path.join(self.d, "w"),
                              timeout_s=1)
        self.assertEqual((r.status, r.data), ("done", b"hang"))

    def test_minimize_stops_at_its_deadline_with_the_best_so_far(self):
        data = b"crash\n" + b"x" * 4000
        src = self.put(self.d, "in", data)
        kind, sig = signature.parse(driver.run(DRIVER, [src]).log)
        out = os.path.join(self.d, "out")
        start = time.time()
        r = minimize.minimize(DRIVER, data, kind, sig, start, out, os.path.join(self.d, "w"))
        self.assertEqual((r.status, r.data), ("deadline", data))
        with open(out, "rb") as f:
            self.assertEqual(f.read(), data)
        r = minimize.minimize(DRIVER, data, kind, sig, time.time() + 1.5, out,
                              os.path.join(self.d, "w"))
        self.assertLess(time.time() - start, 6)
        with open(out, "rb") as f:
            kept = f.read()
        self.assertEqual(kept, r.data)
        self.assertTrue(kept.startswith(b"crash"))
        self.assertLessEqual(len(kept), len(data))


if __name__ == "__main__":
    unittest.main()

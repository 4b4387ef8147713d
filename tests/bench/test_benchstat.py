"""ci/benchstat.py on inputs captured from real runs (tests/bench/data/): the figures the
benchmark tables print must come out of the raw lines they were made from, in the same
format. Run by ctest (label unit): python3 -m unittest tests/bench/test_benchstat.py."""
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest
from contextlib import redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
SCRIPT = os.path.join(HERE, "..", "..", "ci", "benchstat.py")
sys.path.insert(0, os.path.dirname(SCRIPT))
import benchstat  # noqa: E402


def data(name):
    with open(os.path.join(DATA, name)) as f:
        return f.read()


def run(*args, stdin=""):
    """benchstat.py ARGS as the scripts call it: (exit status, stdout)."""
    p = subprocess.run([sys.executable, SCRIPT, *args], input=stdin, capture_output=True,
                       text=True, check=False)
    return p.returncode, p.stdout


class Median(unittest.TestCase):
    def test_odd_even_empty(self):
        rows = [
            ("odd count: the middle one", ["3", "1", "2"], "2.000"),
            ("even count: mean of the middle two", ["4", "1", "3", "2"], "2.500"),
            ("numeric, not text, order", ["10", "9", "100"], "10.000"),
            ("one value", ["7.25"], "7.250"),
            ("none: nan", [], "nan"),
            ("blank lines are no values", ["", "5", ""], "5.000"),
            ("nan (a stopped run) is left out", ["nan", "3", "1"], "2.000"),
        ]
        for label, values, want in rows:
            with self.subTest(label):
                self.assertEqual(benchstat.fmt(benchstat.median_of(values), "%.3f"), want)

    def test_cli_stdin_column_format(self):
        self.assertEqual(run("median", stdin="5\n1\n3\n"), (0, "3.000\n"))
        self.assertEqual(run("median", stdin=""), (0, "nan\n"))
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            f.write("12 0.5 1.0\n10 0.7 2.0\n11 0.6 9.0\n")
            f.flush()
            self.assertEqual(run("median", "--column", "3", f.name), (0, "2.000\n"))
            self.assertEqual(run("median", "-c", "1", "-f", "%.0f", f.name), (0, "11\n"))

    def test_http_table_from_raw_lines(self):
        # The captured table's req/s and MB/s are the medians of the captured raw lines.
        raw = data("http-raw.txt").splitlines()
        table = data("http-table.txt")
        rows = {("browser", "ours"): None, ("minimal", "llhttp"): None,
                ("corpus:corpus/http_request", "http_parser"): None}
        for (inp, parser) in rows:
            lines = [ln for ln in raw if ln.startswith("%s %s " % (parser, inp))]
            self.assertEqual(len(lines), 3, (inp, parser))
            rps = benchstat.median_of(benchstat.field("req_per_s", " " + ln) for ln in lines)
            mbs = benchstat.median_of(benchstat.field("mb_per_s", " " + ln) for ln in lines)
            section = table.split("\n%s" % inp, 1)[1].split("\n\n", 1)[0]
            row = [r for r in section.splitlines() if r.split()[:1] == [parser]][0]
            self.assertEqual(row.split()[1:3], ["%.0f" % rps, "%.1f" % mbs], (inp, parser))


class Callgrind(unittest.TestCase):
    def test_collected(self):
        self.assertEqual(benchstat.callgrind(data("callgrind-minimal.log")), "1090074")
        # A run valgrind could not finish (no "Collected" line): nothing, and "n/a" follows.
        self.assertEqual(benchstat.callgrind("==1== valgrind: Unrecognised instruction\n"), "")


class Ratio(unittest.TestCase):
    def test_rows(self):
        rows = [
            ("plain", ("3", "2"), "%.2f", "1.50"),
            ("rounds half to even like printf", ("1", "8"), "%.2f", "0.12"),
            ("zero denominator: nan", ("3", "0"), "%.2f", "nan"),
            ("negative denominator: nan", ("3", "-1"), "%.2f", "nan"),
            ("nan numerator: nan", ("nan", "2"), "%.2f", "nan"),
            ("empty: nan", ("", "2"), "%.2f", "nan"),
            ("other format", ("1", "3"), "%.6g", "0.333333"),
        ]
        for label, (a, b), form, want in rows:
            with self.subTest(label):
                self.assertEqual(benchstat.ratio(a, b, form), want)

    def test_check_and_max(self):
        self.assertEqual(run("check", "2", "ge", "2")[0], 0)
        self.assertEqual(run("check", "1.99", "ge", "2")[0], 1)
        self.assertEqual(run("check", "0.49", "lt", "0.5")[0], 0)
        self.assertEqual(run("check", "nan", "lt", "0.5")[0], 1)  # no verdict on nan
        self.assertEqual(run("check", "3", "gt", "3")[0], 1)
        self.assertEqual(run("max", "120.500", "0"), (0, "120.500\n"))
        self.assertEqual(run("max", "1", "2.5"), (0, "2.5\n"))


class Fields(unittest.TestCase):
    def test_field(self):
        line = " ours browser req_per_s=2746531 mb_per_s=1939.1 inputs=1 skipped=0"
        self.assertEqual(benchstat.field("req_per_s", line), "2746531")
        self.assertEqual(benchstat.field("mb_per_s", line), "1939.1")
        self.assertEqual(benchstat.field("missing", line), "")
        # a key twice: the last one, as the greedy sed this replaced took
        self.assertEqual(benchstat.field("rate", " a rate=1 b rate=2"), "2")
        # whole keys only: cpu_s is not daemon_cpu_s
        store = " x cpu_s=0.03 daemon_cpu_s=0.08"
        self.assertEqual(benchstat.field("cpu_s", store), "0.03")
        self.assertEqual(run("field", "skipped", "inputs", stdin=line + "\n"), (0, "0\n1\n"))

    def test_raw_median(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            f.write("round=1 http_request:lf loop_execs=1 rate=100\n"
                    "round=1 http_request:lf-empty loop_execs=1 rate=999\n"
                    "round=2 http_request:lf loop_execs=1 rate=300\n")
            f.flush()
            self.assertEqual(run("raw-median", "http_request:lf", "rate", f.name),
                             (0, "200.000\n"))


class Fuzz(unittest.TestCase):
    POINTS = ["1 1000", "10 800", "20 500"]

    def test_floor(self):
        # On the points: the empty target's time over that point's.
        self.assertEqual(benchstat.floor(1, self.POINTS), "1.00")
        self.assertEqual(benchstat.floor(10, self.POINTS), "0.80")
        # Between 10 and 20: time per run 1/800 + (1/500 - 1/800) / 2.
        self.assertEqual(benchstat.floor(15, self.POINTS), "0.62")
        # Past the last point: extrapolated from the last two.
        self.assertEqual(benchstat.floor(30, self.POINTS), "0.36")

    def test_lf_span_and_rate(self):
        span = benchstat.lf_span("#2", "#500002", "100.25", "101.25", "100.0", "101.5")
        self.assertEqual(span, "500000 1.000000 500002 1.500000")
        raw, rate = benchstat.lf_rate("round=1 http_request:lf", span)
        self.assertEqual(rate, "500000")
        self.assertEqual(raw, "round=1 http_request:lf loop_execs=500000 loop_s=1.000 "
                              "loop_rate=500000 execs=500002 s=1.500 rate=333335")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "raw.txt")
            self.assertEqual(run("lf-rate", "L", path, stdin=span + "\n"), (0, "500000\n"))
            with open(path) as f:
                self.assertTrue(f.read().startswith("L loop_execs=500000 "))

    def test_afl_rate(self):
        stats = data("afl-fuzzer_stats")
        raw, rate, warning = benchstat.afl_rate("round=1 empty:afl-fork", 5000, stats)
        self.assertEqual((raw, rate, warning),
                         ("round=1 empty:afl-fork execs=337099 rate=560", "560", None))
        # Fewer executions than asked: afl-fuzz stopped early, the rate means nothing.
        raw, rate, warning = benchstat.afl_rate("x", 400000, stats)
        self.assertEqual((rate, warning), ("nan", "stopped after 337099 of 400000 executions"))

    def test_sizes_usecs(self):
        self.assertEqual(benchstat.sizes(["10", "20", "31"]), "3 20")
        self.assertEqual(benchstat.sizes([]), "0 0")
        self.assertEqual(run("usecs", "400000"), (0, "2.500\n"))
        self.assertEqual(run("usecs", "nan"), (0, "nan\n"))


class Store(unittest.TestCase):
    def test_cpu_sched(self):
        self.assertEqual(benchstat.cpu("250", "50", "100", "9124"),
                         "daemon_cpu_s=2.50 other_threads_cpu_s=0.50 backlog=9124")
        self.assertEqual(benchstat.cpu("1", "0", "100", ""),
                         "daemon_cpu_s=0.01 other_threads_cpu_s=0.00 backlog=nan")
        self.assertEqual(benchstat.sched("100 200 1000", "400 500 2000"),
                         " main_run_pct=30 main_wait_pct=30 main_blocked_pct=40")
        self.assertEqual(benchstat.sched("0 0 0", "0 0 0"),
                         " main_run_pct=nan main_wait_pct=nan main_blocked_pct=nan")

    def test_table_from_raw_lines(self):
        # Every row of the captured main table: medians of the captured raw lines.
        raw = data("store-raw.txt").splitlines()
        table = data("store-table.txt").split(" discard\n", 1)[1].split("\n\n", 1)[0]

        def med(key, name):
            lines = [" " + ln for ln in raw if ln.startswith(key + " ")]
            self.assertEqual(len(lines), 3, key)
            return benchstat.median_of(benchstat.field(name, ln) for ln in lines)

        rows = table.splitlines()
        self.assertEqual(len(rows), 9)
        for row in rows:
            cols = row.replace("|", " ").split()
            k = "%s:%s" % (cols[0], cols[1])
            dis = med("discard:" + k, "cases_per_s")
            uc = med("dup:" + k, "cases_per_s")
            want = ["%.0f" % dis, "%.0f" % med("reply:" + k, "cases_per_s"),
                    "%.0f" % med("disk:" + k, "cases_per_s"), "%.1f" % med("disk:" + k, "mb_per_s"),
                    "%.0f" % med("tmpfs:" + k, "cases_per_s"),
                    "%.1f" % med("tmpfs:" + k, "mb_per_s"), "%.0f" % uc,
                    "%.1f" % med("dup:" + k, "mb_per_s"),
                    benchstat.ratio("%.3f" % uc, "%.3f" % dis)]
            self.assertEqual(cols[2:], want, row)

    def test_burst_from_raw_lines(self):
        # The captured burst rows are the medians of the captured raw lines (checked against
        # the awk pipeline this replaced, on the same lines).
        raw = [ln for ln in data("store-raw.txt").splitlines() if ln.startswith("burst:")]
        table = data("store-table.txt")
        cases = int(table.split("burst: ", 1)[1].split()[0])
        for where in ("disk", "tmpfs"):
            lines = [" " + ln for ln in raw if ln.startswith("burst:%s " % where)]
            self.assertEqual(len(lines), 3, where)
            keys = ("stored", "backlog", "cases_per_s", "daemon_cpu_s", "other_threads_cpu_s",
                    "cpu_s")
            rows = [" ".join(benchstat.field(k, ln) for k in keys) for ln in lines]
            files, main, other, clients = (float(v) for v in benchstat.burst(cases, rows).split())
            row = [r for r in table.splitlines() if r.startswith(where + " ")][0]
            self.assertEqual(row.split()[3], "%.0f" % files, where)
            self.assertTrue(row.endswith("| %.1f, %.1f, %.1f" % (main, other, clients)), row)

    def test_burst_rows(self):
        # Per round: files/s = (stored - backlog) / (cases / cases_per_s); us per case of
        # the main thread and the clients; us per file of the other threads (0: no file).
        rows = ["1000 200 50000 0.5 0.8 0.1", "1000 0 40000 0.7 1.0 0.3",
                "1000 1000 10000 0.6 0.9 0.2"]
        self.assertEqual(benchstat.burst(100000, rows), "400.000 6.000 1000.000 2.000")
        # Each round is rounded as the table shows it (4.44 us: 4.4) before the median.
        self.assertEqual(benchstat.burst(100000, ["1000 0 50000 0.444 1.0 0.1"]),
                         "500.000 4.400 1000.000 1.000")


class Wrk(unittest.TestCase):
    def test_wrk(self):
        self.assertEqual(benchstat.wrk(data("wrk.txt")), data("wrk.want").strip())

    def test_units(self):
        for text, ms in (("812.00us", 0.812), ("1.20ms", 1.2), ("2.01s", 2010.0), ("3", 3.0)):
            with self.subTest(text):
                self.assertAlmostEqual(benchstat.wrk_ms(text), ms)


class Chao(unittest.TestCase):
    def test_serve_log(self):
        self.assertEqual(benchstat.chao_serve("1", data("chao-serve.log")),
                         data("chao-serve.want").strip())

    def test_drops_are_the_kernels(self):
        log = data("chao-serve.log").replace("308672 seen, 0 dropped", "309000 seen, 328 dropped")
        self.assertEqual(benchstat.chao_serve("2", log), "154336 328")

    def test_udp_log_has_no_drops(self):
        log = "ph-chao serve: 3.00 s, 30 frames (10/s), 0 own, 30 decoded, 30 answered, " \
              "0 silent, 0 rate-limited, 0 send errors\n"
        self.assertEqual(benchstat.chao_serve("3", log), "10 0")


class Diff(unittest.TestCase):
    def test_report(self):
        with open(os.path.join(DATA, "diff-report.json")) as f:
            report = json.load(f)
        self.assertEqual(benchstat.diff_rate(report), "101")
        out = io.StringIO()
        with redirect_stdout(out):
            benchstat.main(["diff-table", os.path.join(DATA, "diff-report.json")])
        self.assertEqual(out.getvalue(), data("diff-table.want"))


if __name__ == "__main__":
    unittest.main()

"""Command line: PYTHONPATH=ci python3 -m fuzzkit COMMAND ... (see __init__.py)."""
import argparse
import json
import sys

from . import checker, covsummary, driver, minimize, signature, summary


def main(argv=None):
    p = argparse.ArgumentParser(prog="fuzzkit")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("signature", help="KIND SIGNATURE of a replay log")
    s.add_argument("log")
    s = sub.add_parser("slug", help="a finding's file name")
    s.add_argument("kind")
    s.add_argument("signature")
    s = sub.add_parser("coverage", help="totals of llvm-cov export -summary-only")
    s.add_argument("export")
    s.add_argument("--json", action="store_true", help="the totals as JSON")

    s = sub.add_parser("check", help="follow corpora, check new inputs in the deep build")
    s.add_argument("--driver", required=True)
    s.add_argument("--work", required=True)
    s.add_argument("--watch", action="append", default=[], help="a folder (glob) to follow")
    s.add_argument("--known", action="append", default=[], help="a folder already checked")
    s.add_argument("--since", type=float,
                   help="epoch seconds: files in --known folders from then on are checked")
    s.add_argument("--timeout", type=int, default=10)

    s = sub.add_parser("check-stats", help="checked failures lag_p50 lag_max unchecked")
    s.add_argument("work")

    s = sub.add_parser("replay", help="run FILE in the standalone build: KIND SIGNATURE")
    s.add_argument("--driver", required=True)
    s.add_argument("--log", required=True)
    s.add_argument("--deadline", type=float, help="epoch seconds; then prints timeout -")
    s.add_argument("--timeout", type=int, default=10)
    s.add_argument("file")

    s = sub.add_parser("minimize", help="minimize INPUT until --deadline")
    s.add_argument("--driver", required=True)
    s.add_argument("--kind", required=True)
    s.add_argument("--signature", required=True)
    s.add_argument("--deadline", type=float, required=True, help="epoch seconds")
    s.add_argument("--out", required=True)
    s.add_argument("--work", required=True)
    s.add_argument("--timeout", type=int, default=10)
    s.add_argument("input")

    s = sub.add_parser("summary", help="summary.json and the report's tables")
    s.add_argument("--summary", required=True)
    s.add_argument("--crashes", required=True)
    s.add_argument("--phases", required=True)
    s.add_argument("--coverage", help="llvm-cov export -summary-only JSON")
    s.add_argument("--json", required=True)
    s.add_argument("--markdown")

    s = sub.add_parser("first-finding", help="seconds from --since to the first finding")
    s.add_argument("--since", type=float, required=True)
    s.add_argument("--checker", help="the deep check's failures.tsv")
    s.add_argument("patterns", nargs="*")

    a = p.parse_args(argv)
    if a.command == "signature":
        with open(a.log, errors="replace") as f:
            print("%s %s" % signature.parse(f.read()))
    elif a.command == "slug":
        print(signature.slug(a.kind, a.signature))
    elif a.command == "coverage":
        tot = covsummary.load(a.export)
        print(json.dumps(tot) if a.json else covsummary.line(tot))
    elif a.command == "check":
        return checker.main(a)
    elif a.command == "check-stats":
        print(checker.brief(a.work))
    elif a.command == "replay":
        o = driver.run(a.driver, [a.file], a.timeout, a.deadline)
        with open(a.log, "w") as f:
            f.write(o.log)
        if o.timed_out:
            print("timeout -")
        elif o.failed is None and o.error is None:
            print("pass pass|")
        else:
            print("%s %s" % signature.parse(o.log))
    elif a.command == "minimize":
        return minimize.main(a)
    elif a.command == "summary":
        cov = covsummary.load(a.coverage) if a.coverage else None
        s = summary.load(a.summary, a.crashes, a.phases, cov)
        with open(a.json, "w") as f:
            json.dump(s, f, indent=2)
            f.write("\n")
        if a.markdown:
            with open(a.markdown, "w") as f:
                f.write(summary.markdown(s))
        print("time per phase: " + summary.phases_line(s))
    elif a.command == "first-finding":
        t = summary.first_finding(a.since, a.patterns, a.checker)
        print("-" if t is None else t)
    return 0


if __name__ == "__main__":
    sys.exit(main())

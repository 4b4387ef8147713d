#!/usr/bin/env bash
# The conformance request set (tests/conformance/cases/, verdicts in expected.tsv) through
# `ph-parse http` and, over TCP with ph-probe, through live servers; prints a table:
# case, expected verdict, what each implementation did, and whether it matches.
#
#   ci/conformance.sh [--bin DIR] [--server HOST:PORT]... [--httpd] [--nginx] [--node]
#                     [--quiet MS] [--check] [--tsv FILE] [CASE...]
#
#   --server HOST:PORT  probe a server that is already running (repeatable)
#   --httpd             start BIN/ph-httpd on a free loopback port and probe it
#   --nginx             start Debian's nginx (one worker, loopback, `return 200` for every
#                       location) and probe it
#   --node              start Node's built-in http server (loopback) and probe it
#   --check             exit 1 when ph-parse or ph-httpd gives a verdict the RFC does not
#                       allow (other servers' differences are findings, not failures)
#
# A live answer becomes a verdict from the responses sent before the probe half-closes
# its side (ph-probe --quiet MS after the last byte): any 4xx/5xx -> error; else N 2xx ->
# ok:N; none -> incomplete, or error(close)/error(reset) when the server ended the
# connection without answering. Every process it starts, it stops; loopback only.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$root/build/bin
cases_dir=$root/tests/conformance/cases
expected=$root/tests/conformance/expected.tsv
quiet=200
check=0
tsv=
servers=()  # label=HOST:PORT
start_httpd=0 start_nginx=0 start_node=0
only=()

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
    --bin) bin=$(cd "$2" && pwd); shift 2 ;;
    --server) servers+=("$2=$2"); shift 2 ;;
    --httpd) start_httpd=1; shift ;;
    --nginx) start_nginx=1; shift ;;
    --node) start_node=1; shift ;;
    --quiet) quiet=$2; shift 2 ;;
    --check) check=1; shift ;;
    --tsv) tsv=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "conformance: unknown option $1" >&2; usage >&2; exit 64 ;;
    *) only+=("$1"); shift ;;
    esac
done
for b in ph-parse ph-probe; do
    [ -x "$bin/$b" ] || { echo "conformance: $bin/$b missing: build first (README)" >&2; exit 1; }
done

# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"
ph_workdir ph-conformance

if [ "$start_httpd" = 1 ]; then
    ph_start_daemon "$work/httpd.status" "$work/httpd.log" "$bin/ph-httpd" \
        --listen 127.0.0.1:0 || exit 1
    addr=$(jq -r .listen "$work/httpd.status")
    servers+=("ph-httpd=$addr")
fi

if [ "$start_nginx" = 1 ]; then
    nginx=$(command -v nginx || echo /usr/sbin/nginx)
    [ -x "$nginx" ] || { echo "conformance: nginx missing: apt-get install nginx-light" >&2; exit 1; }
    port=$(ph_free_port)
    # With the echo module (libnginx-mod-http-echo, which nginx-light brings), nginx reads
    # and checks the whole body before it answers, as ph-httpd does; plain `return 200`
    # answers first and discards the body afterwards.
    echo_mod=/usr/lib/nginx/modules/ngx_http_echo_module.so
    load='' handler='return 200 "hello\n";'
    if [ -f "$echo_mod" ]; then
        load="load_module $echo_mod;"
        handler='echo_read_request_body; echo "hello";'
    fi
    ph_nginx_conf "$work/nginx" "$port" "$handler" "$load"
    "$nginx" -c "$work/nginx/nginx.conf" -p "$work/nginx" 2>"$work/nginx/stderr" &
    pids+=($!)
    ph_wait_port "$port" "$!" || { cat "$work/nginx/stderr" >&2; exit 1; }
    servers+=("nginx=127.0.0.1:$port")
fi

if [ "$start_node" = 1 ]; then
    command -v node >/dev/null || { echo "conformance: node missing" >&2; exit 1; }
    node -e '
const http = require("http");
const s = http.createServer((req, res) => {
  let n = 0; req.on("data", (d) => n += d.length);
  req.on("end", () => res.end(JSON.stringify({method: req.method, url: req.url, body: n})));
});
s.listen(0, "127.0.0.1", () => console.log(s.address().port));' >"$work/node.port" &
    pids+=($!)
    for _ in $(seq 200); do [ -s "$work/node.port" ] && break; sleep 0.05; done
    [ -s "$work/node.port" ] || { echo "conformance: node server did not start" >&2; exit 1; }
    servers+=("node-$(node --version)=127.0.0.1:$(head -1 "$work/node.port")")
fi

# ---- run ------------------------------------------------------------------------------
mapfile -t rows < <(grep -v '^#' "$expected" | grep -v '^$')
names=()
for row in "${rows[@]}"; do
    name=${row%%$'\t'*}
    if [ ${#only[@]} -gt 0 ] && ! printf '%s\n' "${only[@]}" | grep -qx "$name"; then continue; fi
    names+=("$name")
done

impls=(ph-parse)
for s in "${servers[@]}"; do impls+=("${s%%=*}"); done
mkdir -p "$work/out"
for name in "${names[@]}"; do
    "$bin/ph-parse" http "$cases_dir/$name" >"$work/out/$name.ph-parse" 2>/dev/null || true
done
for s in "${servers[@]}"; do
    label=${s%%=*} addr=${s#*=}
    files=()
    for name in "${names[@]}"; do files+=("$cases_dir/$name"); done
    "$bin/ph-probe" --quiet "$quiet" --timeout 3000 "$addr" "${files[@]}" \
        >"$work/out/probe.$label" 2>/dev/null || true
done

python3 - "$work/out" "$expected" "$check" "$tsv" "${impls[@]}" -- "${names[@]}" <<'PY'
import json, os, sys

out, expected_path, check, tsv = sys.argv[1:5]
rest = sys.argv[5:]
sep = rest.index("--")
impls, names = rest[:sep], rest[sep + 1:]
expected = {}
rules = {}
for line in open(expected_path):
    if line.startswith("#") or not line.strip():
        continue
    name, verdict, rule = (line.rstrip("\n").split("\t") + ["", ""])[:3]
    expected[name] = verdict.split("|")
    rules[name] = rule

def parse_verdict(name):
    path = os.path.join(out, name + ".ph-parse")
    lines = [json.loads(l) for l in open(path) if l.strip()]
    oks = sum(1 for l in lines if l["result"] == "ok")
    if any(l["result"] == "error" for l in lines):
        return "error"
    return "ok:%d" % oks if oks else "incomplete"

def live_verdict(rec):
    before = [r for r in rec["responses"] if not r["after_half_close"] and r["status"] >= 200]
    if any(r["status"] >= 400 for r in before):
        return "error"
    oks = sum(1 for r in before if 200 <= r["status"] < 300)
    if oks:
        return "ok:%d" % oks
    if rec.get("error") == "reset":
        return "error(reset)"
    if rec["closed"] and rec.get("half_close_ms") is None:
        return "error(close)"
    return "incomplete"

results = {impl: {} for impl in impls}
for name in names:
    results["ph-parse"][name] = parse_verdict(name)
for impl in impls[1:]:
    by_file = {}
    for line in open(os.path.join(out, "probe." + impl)):
        rec = json.loads(line)
        by_file[os.path.basename(rec["file"])] = rec
    for name in names:
        rec = by_file.get(name)
        results[impl][name] = live_verdict(rec) if rec else "no-result"

def matches(verdict, allowed):
    v = "error" if verdict.startswith("error") else verdict
    return v in allowed

header = ["case", "expected"] + impls + ["matches"]
table = []
tally = {impl: 0 for impl in impls}
strict_fail = []
for name in names:
    allowed = expected[name]
    row = [name, "|".join(allowed)]
    bad = []
    for impl in impls:
        v = results[impl][name]
        ok = matches(v, allowed)
        if ok:
            tally[impl] += 1
        else:
            bad.append(impl)
        # '≠' marks a verdict that differs from ph-parse (ours), '!' one the RFC forbids
        mark = "" if ok else " !"
        if impl != "ph-parse" and v.split("(")[0] != results["ph-parse"][name]:
            mark += " ≠"
        row.append(v + mark)
    row.append("yes" if not bad else "NO: " + ",".join(bad))
    table.append(row)
    if check == "1" and any(i in ("ph-parse", "ph-httpd") for i in bad):
        strict_fail.append(name)

widths = [max(len(r[i]) for r in [header] + table) for i in range(len(header))]
fmt = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
print(fmt(header))
print(fmt(["-" * w for w in widths]))
for r in table:
    print(fmt(r))
print()
print("! = a verdict the RFC does not allow here; ≠ = differs from ph-parse (protoharness)")
for impl in impls:
    diff = sum(1 for n in names if impl != "ph-parse" and
               results[impl][n].split("(")[0] != results["ph-parse"][n])
    extra = "" if impl == "ph-parse" else ", %d differ from ph-parse" % diff
    print("%s: %d of %d match the RFC%s" % (impl, tally[impl], len(names), extra))
if tsv:
    with open(tsv, "w") as f:
        f.write("\t".join(header) + "\n")
        for r in table:
            f.write("\t".join(r) + "\n")
if strict_fail:
    print("conformance: FAILED (ph-parse/ph-httpd): " + " ".join(strict_fail))
    sys.exit(1)
PY

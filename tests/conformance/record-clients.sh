#!/usr/bin/env bash
# Records real clients' bytes into tests/conformance/cases/client-<name> the way a
# deployment would: ph-httpd --record mirrors each request into ph-store, and the one
# case the store collected for a client becomes its conformance case (expected ok:N).
# Loopback only; every process started is stopped on exit. A client that is not
# installed is skipped.  Usage: record-clients.sh [BIN_DIR]   (default: build/bin)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(cd "${1:-$root/build/bin}" && pwd)
out=$here/cases
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

# shellcheck source=ci/lib.sh
. "$root/ci/lib.sh"
ph_workdir ph-record-clients

# record NAME CMD...: one store and one server per client, so the case is the client's.
record() {
    local name=$1
    shift
    local corpus=$work/$name sock=$work/$name.sock log=$work/$name.log
    "$bin/ph-store" --corpus "$corpus" --socket "$sock" --status-file "$log.store.status" \
        2>"$log.store" &
    local store=$!
    pids+=("$store")
    ph_wait_ready "$log.store.status" "$store" || { cat "$log.store" >&2; return 1; }
    "$bin/ph-httpd" --listen 127.0.0.1:0 --record "$sock" --status-file "$log.status" \
        2>"$log" &
    local httpd=$!
    pids+=("$httpd")
    ph_wait_ready "$log.status" "$httpd" || { cat "$log" >&2; return 1; }
    local url
    url=http://$(jq -r .listen "$log.status")/echo
    timeout 10 env URL="$url" "$@" >/dev/null 2>&1 || echo "note: $name exited non-zero"
    kill -TERM "$httpd" && wait "$httpd" || true
    kill -TERM "$store" && wait "$store" || true
    # The store names cases by content; one connection's requests are concatenated.
    local files=("$corpus"/http_request/*)
    if [ ! -e "${files[0]}" ]; then
        echo "FAIL $name: nothing recorded" >&2
        return 1
    fi
    cat "${files[@]}" >"$out/client-$name"
    echo "recorded client-$name: ${#files[@]} request(s), $(wc -c <"$out/client-$name") bytes"
}

if command -v curl >/dev/null; then
    c="curl -q -sS -o /dev/null --noproxy '*' --max-time 5"
    record curl-get sh -c "$c \"\$URL\""
    record curl-post-json sh -c "$c --json '{\"id\":1,\"ok\":true}' \"\$URL\""
    record curl-post-chunked sh -c "$c -H 'Transfer-Encoding: chunked' -d 'a=1&b=two' \"\$URL\""
    record curl-expect sh -c "$c -H 'Expect: 100-continue' -d 'expecting=yes' \"\$URL\""
    record curl-http10 sh -c "$c -0 \"\$URL\""
    record curl-head sh -c "$c -I \"\$URL\""
fi
if command -v wget >/dev/null; then
    w='wget --no-config -q -O /dev/null --tries=1 --timeout=5 --no-proxy'
    record wget-get sh -c "$w \"\$URL\""
    record wget-post sh -c "$w --post-data 'user=bob&lang=en' \"\$URL\""
fi
if command -v python3 >/dev/null; then
    record python-urllib-get python3 -I -c 'import os, urllib.request
urllib.request.urlopen(os.environ["URL"], timeout=5).read()'
    record python-httpclient-chunked python3 -I -c 'import os, http.client, urllib.parse
u = urllib.parse.urlsplit(os.environ["URL"])
c = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
c.request("POST", u.path, body=iter([b"first ", b"second"]), encode_chunked=True)
c.getresponse().read()'
fi
if command -v node >/dev/null; then
    record node-get-keepalive node -e '
const http = require("http"); const agent = new http.Agent({ keepAlive: true });
const get = (n) => http.get(process.env.URL + "?n=" + n, { agent }, (res) => {
  res.resume(); res.on("end", () => n < 2 ? get(n + 1) : agent.destroy()); });
get(1);'
    record node-post-chunked node -e '
const http = require("http");
const req = http.request(process.env.URL, { method: "POST" }, (res) => res.resume());
req.write("first piece"); req.end("last piece");'
fi

#!/usr/bin/env bash
# Records seeds of the http_response fuzz target from real servers on 127.0.0.1:
# Debian's nginx (nginx-light) and Node's http server, each started and stopped here,
# each sent request files with ph-probe --raw. Writes corpus/http_response/seed-<server>-<what>:
# a flag byte (0x00 for GET, 0x01 for HEAD: harness/fuzz_http_response.c) and the response
# bytes exactly as they arrived. Usage: ci/record-response-seeds.sh [BIN_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/bin}
out=$root/corpus/http_response
# shellcheck source=ci/lib.sh
. "$root/ci/lib.sh" # ph_workdir, ph_free_port
ph_workdir ph-response-seeds

# the requests: name, flag byte, bytes
mkdir -p "$work/req" "$work/raw"
req() { printf "$3" >"$work/req/$1"; printf "$2" >"$work/req/$1.flag"; }
req get '\x00' 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'
req head '\x01' 'HEAD / HTTP/1.1\r\nHost: a\r\n\r\n'
req missing '\x00' 'GET /missing HTTP/1.1\r\nHost: a\r\n\r\n'
req http10 '\x00' 'GET / HTTP/1.0\r\n\r\n'
req bad '\x00' 'GET / HTTP/1.1\r\n\r\n'
req post-expect '\x00' 'POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello'
req post-chunked '\x00' 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'

record() { # record SERVER ADDR
    rm -f "$work/raw/"*
    "$bin/ph-probe" --quiet 200 --timeout 2000 --max-time 5000 --raw "$work/raw" "$2" \
        "$work/req/get" "$work/req/head" "$work/req/missing" "$work/req/http10" \
        "$work/req/bad" "$work/req/post-expect" "$work/req/post-chunked" >/dev/null || true
    for f in "$work/raw/"*.response; do
        name=$(basename "$f" .response)
        [ -s "$f" ] || continue
        cat "$work/req/$name.flag" "$f" >"$out/seed-$1-$name"
        echo "wrote corpus/http_response/seed-$1-$name ($(wc -c <"$out/seed-$1-$name") bytes)"
    done
}

# nginx: a private prefix, config, and port
port=$(ph_free_port)
mkdir -p "$work/nginx/logs" "$work/nginx/html"
echo "hello from nginx" >"$work/nginx/html/index.html"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    server { listen 127.0.0.1:$port; root $work/nginx/html;
             location / { if (\$request_method = POST) { return 200 "posted\n"; } } }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null && break; sleep 0.05; done
record nginx "127.0.0.1:$port"

# node: echoes the method and body length, chunked (no Content-Length)
node -e '
const s = require("http").createServer((req, res) => {
  let n = 0; req.on("data", (d) => n += d.length);
  req.on("end", () => { res.write(req.method + " "); res.end(String(n)); });
});
s.listen(0, "127.0.0.1", () => console.log(s.address().port));' >"$work/node.port" &
pids+=($!)
for _ in $(seq 200); do [ -s "$work/node.port" ] && break; sleep 0.05; done
record node "127.0.0.1:$(head -1 "$work/node.port")"

# shellcheck shell=bash
# Shell helpers shared by the scripts that start servers or fuzzers of their own
# (ci/conformance.sh, ci/bench_httpd.sh, ci/fuzz.sh, tests/conformance/record-clients.sh,
# tests/fuzz/test_oss_fuzz_build.sh). Source it; it defines:
#
#   ph_workdir PREFIX      sets $work to a new temporary folder and $pids to (); on exit,
#                          every pid in $pids is killed and $work removed
#   ph_free_port           prints a free TCP port on 127.0.0.1
#   ph_wait_port PORT PID  waits until something accepts on 127.0.0.1:PORT (fails when PID
#                          dies or after 10 s)
#   ph_nginx_conf DIR PORT LOCATION [PRELUDE]
#                          writes DIR/nginx.conf: one worker, in the foreground, logs and
#                          temporary files under DIR, `location / { LOCATION }` on PORT
#   ph_run_tag             sets $ph_tag to PH_RUN=<unique>: start a program with
#                          `env "$ph_tag" PROGRAM ...` and it, and every process it starts,
#                          carries the mark in its environment
#   ph_reap_tagged         kills with SIGKILL every process that carries $ph_tag (not the
#                          calling shell): what a program left behind, whatever its session
#   ph_wait_ready FILE PID waits until the daemon PID (ph-httpd, ph-store) has written
#                          "state":"ready" to its --status-file FILE (fails when PID dies
#                          or after 30 s); read figures with jq, e.g. jq -r .listen FILE

ph_workdir() {
    work=$(mktemp -d "/tmp/$1.XXXXXX")
    pids=()
    trap ph_cleanup EXIT
}

ph_cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}

ph_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

ph_wait_port() {
    local _
    for _ in $(seq 200); do
        kill -0 "$2" 2>/dev/null || return 1
        python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),0.2)" \
            2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

ph_nginx_conf() {
    local dir=$1 port=$2 location=$3 prelude=${4:-}
    mkdir -p "$dir"
    cat >"$dir/nginx.conf" <<EOF
$prelude
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    default_type text/html;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$port;
        location / { $location }
    }
}
EOF
}

ph_run_tag() {
    ph_tag=PH_RUN=$$.$EPOCHREALTIME
}

# AFL++ 4.04c can leave its CmpLog target behind when afl-fuzz ends: stopped (persistent
# mode), in a session of its own (its forkserver calls setsid), still holding the output
# folder's lock, so the next afl-fuzz on that folder aborts ("Directory ... is in use").
# Neither a process group nor a session reaches it; its environment does. SIGKILL, because
# a stopped process acts on no other signal until it is continued.
# One grep over every process's environment: one per process took seconds on a busy
# machine, at the end of every target of a campaign.
ph_reap_tagged() {
    local environ p
    while read -r environ; do
        p=${environ#/proc/}
        p=${p%/environ}
        [ "$p" != $$ ] || continue
        kill -KILL "$p" 2>/dev/null || true
    done < <(grep -lzxF "$ph_tag" /proc/[0-9]*/environ 2>/dev/null)
}

ph_wait_ready() {
    local _
    for _ in $(seq 600); do
        jq -e '.state == "ready"' "$1" >/dev/null 2>&1 && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# Shell helpers shared by the scripts that start servers of their own (ci/conformance.sh,
# ci/bench_httpd.sh, tests/conformance/record-clients.sh). Source it; it defines:
#
#   ph_workdir PREFIX      sets $work to a new temporary folder and $pids to (); on exit,
#                          every pid in $pids is killed and $work removed
#   ph_free_port           prints a free TCP port on 127.0.0.1
#   ph_wait_port PORT PID  waits until something accepts on 127.0.0.1:PORT (fails when PID
#                          dies or after 10 s)
#   ph_nginx_conf DIR PORT LOCATION [PRELUDE]
#                          writes DIR/nginx.conf: one worker, in the foreground, logs and
#                          temporary files under DIR, `location / { LOCATION }` on PORT

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

# shellcheck shell=bash
# Shell helpers shared by the scripts that start servers or fuzzers of their own
# (ci/conformance.sh, ci/bench_*.sh, ci/fuzz.sh, tests/conformance/record-clients.sh,
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
#   ph_start_daemon FILE LOG DAEMON ARGS...
#                          starts DAEMON ARGS... --status-file FILE in the background
#                          (FILE removed first, stderr appended to LOG), sets $daemon to
#                          its pid and adds it to $pids, and waits until it is ready (as
#                          ph_wait_ready); fails with LOG on stderr when it is not
#
# and, for the benchmarks (ci/bench_<area>.sh, from the tree's root):
#
#   ph_bench_area AREA OPTIONS
#                          for an area script that takes --rounds into $ROUNDS: sets
#                          BUILD=build/bench, ROUNDS=5, ROUNDS_SET=0, and the usage line
#                          ph_bench_usage prints
#   ph_bench_usage [AREA OPTIONS]
#                          "usage: ci/bench.sh AREA OPTIONS (ci/bench.sh --help)" on stderr
#                          (by default ph_bench_area's), then exit 64
#   ph_bench_build [-DOPTION=VALUE...] TARGET...
#                          runs ci/setup.sh, configures build/bench (Release, -O2, no
#                          sanitizers, no tests, and the -D options) and builds TARGETs;
#                          build chatter on stderr: stdout stays the table
#   ph_bench_rounds N      sets ROUNDS=N and ROUNDS_SET=1 (--rounds N); exits 64 unless N
#                          is a number of rounds >= 3
#   ph_bench_opts AREA ROUNDS SECONDS ARGS...
#                          parses --rounds N and --seconds S of ARGS into $rounds and
#                          $seconds (by default ROUNDS and SECONDS), then ph_bench_rounds;
#                          anything else is a usage error (exit 64)
#   ph_stat CMD ARGS...    ci/benchstat.py CMD: every median, ratio and parsed figure
#   ph_median              the median of the numbers on stdin, "%.3f" ("nan" for none)
#   ph_field KEY LINE      the value of " KEY=value" in LINE (a ph-bench-* output line)
#   ph_status_wait FILE STATE PID
#                          waits until the daemon PID's --status-file FILE says STATE
#                          (fails when PID dies or after 10 s)
#   ph_lf_span LOG BIN ARG...
#                          runs the libFuzzer binary BIN with ARGs, its output in LOG, and
#                          prints "LOOP_EXECS LOOP_S EXECS S": executions and seconds from
#                          the end of corpus loading (the INITED line) to DONE, then of
#                          the whole process (for ph_stat lf-rate); on a failure the end
#                          of LOG goes to stderr and it exits 1

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

ph_start_daemon() {
    local status=$1 log=$2
    shift 2
    rm -f "$status"
    "$@" --status-file "$status" 2>>"$log" &
    daemon=$!
    pids+=("$daemon")
    ph_wait_ready "$status" "$daemon" && return 0
    echo "${1##*/} did not start; its log ($log):" >&2
    cat "$log" >&2
    return 1
}

# Debian's interpreter: a python3 earlier in PATH (pyenv's shim) costs far more per call.
PH_PYTHON=${PH_PYTHON:-/usr/bin/python3}
PH_CI=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# shellcheck disable=SC2034 # BUILD, ROUNDS, ROUNDS_SET: the area script's
ph_bench_area() {
    PH_BENCH_USAGE="$1 $2"
    BUILD=build/bench ROUNDS=5 ROUNDS_SET=0
}

ph_bench_usage() {
    local usage=${PH_BENCH_USAGE:-}
    [ $# -eq 0 ] || usage="$1 $2"
    echo "usage: ci/bench.sh $usage (ci/bench.sh --help)" >&2
    exit 64
}

ph_bench_build() {
    local defs=()
    while [[ ${1:-} == -D* ]]; do
        defs+=("$1")
        shift
    done
    "$PH_CI/setup.sh"
    mkdir -p build/bench
    cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS=-O2 \
        -DPH_BUILD_TESTS=OFF -DPH_SANITIZE= "${defs[@]}" \
        >build/bench/configure.log 2>&1 || {
        cat build/bench/configure.log >&2
        echo "bench: cmake configure failed" >&2
        exit 1
    }
    cmake --build build/bench --parallel "$(nproc)" --target "$@" >&2
}

ph_bench_rounds() {
    if ! [[ $1 =~ ^[0-9]+$ ]] || [ "$1" -lt 3 ]; then
        echo "bench: --rounds must be a number, at least 3" >&2
        exit 64
    fi
    # shellcheck disable=SC2034 # the area script's
    ROUNDS=$1 ROUNDS_SET=1
}

# shellcheck disable=SC2034 # rounds, seconds: the area script's
ph_bench_opts() {
    local area=$1
    rounds=$2 seconds=$3
    shift 3
    while [ $# -gt 0 ]; do
        case $1 in
        --rounds) rounds=${2:?}; shift 2 ;;
        --seconds) seconds=${2:?}; shift 2 ;;
        *) ph_bench_usage "$area" "[--rounds N>=3] [--seconds S]" ;;
        esac
    done
    ph_bench_rounds "$rounds"
}

ph_stat() { "$PH_PYTHON" "$PH_CI/benchstat.py" "$@"; }
ph_median() { ph_stat median; }
ph_field() { ph_stat field "$1" <<<"$2"; }

# Daemons replace the file atomically (rename), so jq never reads half an object.
ph_status_wait() {
    local file=$1 state=$2 pid=$3 _
    for _ in $(seq 400); do
        [ "$(jq -r .state "$file" 2>/dev/null)" = "$state" ] && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.025
    done
    return 1
}

ph_lf_span() {
    local log=$1 bin=$2 start=$EPOCHREALTIME
    shift 2
    {
        "$bin" "$@" 2>&1
        echo "bench: exit $?"
    } | {
        # Lines are stamped as they arrive: libFuzzer writes them unbuffered.
        local line t0='' t1='' n0='' n1='' rc=1
        while IFS= read -r line; do
            printf '%s\n' "$line"
            case $line in
            '#'*INITED*) t0=$EPOCHREALTIME n0=${line%%[[:space:]]*} ;;
            '#'*DONE*) t1=$EPOCHREALTIME n1=${line%%[[:space:]]*} ;;
            'bench: exit '*) rc=${line#bench: exit } ;;
            esac
        done >"$log"
        if [ "$rc" != 0 ] || [ -z "$t0" ] || [ -z "$t1" ]; then
            echo "bench: $bin failed:" >&2
            tail "$log" >&2
            exit 1
        fi
        ph_stat lf-span "$n0" "$n1" "$t0" "$t1" "$start" "$EPOCHREALTIME"
    }
}

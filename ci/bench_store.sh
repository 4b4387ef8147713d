#!/usr/bin/env bash
# ci/bench.sh store [--rounds N] [--quick]: ph-store's acknowledged cases/s next to a
# discard loop on the same socket type and the disk's fdatasync write rate, medians of N
# interleaved rounds (default 3, at least 3). The daemon's readiness and counters come from
# its --status-file (jq), the arithmetic from ci/benchstat.py. docs/bench.md says how.
#
# Exit status: 0 when the benchmark ran (a missed target is printed, not an error), 64 on a
# usage error, anything else when setup, the build or a benchmark program failed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=ci/lib.sh
. ci/lib.sh
ph_bench_area store "[--rounds N>=3] [--quick]"
QUICK=0


# ph-store against its two limits (docs/bench.md). Durable runs keep their corpus on the disk
# the issue's numbers are about (build/bench/store-corpus) and, labelled, on a tmpfs.
STORE_SIZES=(64 1024 65536)
STORE_CLIENTS=(1 16 64)
# bytes per write, writes per fdatasync, O_DIRECT (as ph-store's log) or through the page cache
STORE_DISK_ROWS=("65536 16 0" "1048576 8 0" "1048576 64 0" "65536 16 1" "1048576 8 1" "1048576 64 1")
STORE_SECONDS=0.5                                      # per load; --quick: 0.2
STORE_BURST=1000000                                    # the target's burst; --quick: 200000

# Starts ph-store on a fresh corpus, its status file beside LOG (run-N.json), and waits
# until that says ready; sets STORE_PID.
store_start() {
    local corpus=$1 log=$2
    "$STORE_BIN" --corpus "$corpus" --socket "$STORE_SOCK" --status-file "${log%.log}.json" \
        2>"$log" &
    STORE_PID=$!
    ph_status_wait "${log%.log}.json" ready "$STORE_PID" && return 0
    echo "bench: ph-store did not start:" >&2
    cat "$log" >&2
    exit 1
}

# After a load: the daemon's counters (SIGUSR1) and its threads' CPU time, then kill -9,
# because a clean stop would first write out the whole backlog, which is not what is timed.
# Sets STORE_EXTRA to "daemon_cpu_s=... other_threads_cpu_s=... backlog=...".
store_stop() {
    local status=${1%.log}.json tick t f main=0 mat=0 backlog=nan
    kill -USR1 "$STORE_PID"
    # SIGUSR1 rewrites the status file with state "running" (it said "ready" until then).
    if ph_status_wait "$status" running "$STORE_PID"; then
        backlog=$(jq -r .stats.backlog_cases "$status")
    fi
    tick=$(getconf CLK_TCK)
    for t in /proc/"$STORE_PID"/task/*; do
        f=$(<"$t/stat")
        read -ra f <<<"${f##*) }" # fields from the 3rd on: utime, stime are the 14th, 15th
        if [ "${t##*/}" = "$STORE_PID" ]; then
            main=$((f[11] + f[12]))
        else
            mat=$((mat + f[11] + f[12]))
        fi
    done
    kill -9 "$STORE_PID"
    wait "$STORE_PID" 2>/dev/null || true
    STORE_PID=
    STORE_EXTRA=$(ph_stat cpu "$main" "$mat" "$tick" "$backlog")
}

# The daemon's main thread: nanoseconds on a CPU, waiting for one (runnable), and the
# clock, as "run wait now" (/proc/PID/schedstat; "0 0 0" where the kernel lacks it).
store_schedstat() {
    local st run wt
    st=$(cat /proc/"$STORE_PID"/schedstat 2>/dev/null) || st=
    if [ -z "$st" ]; then
        echo "0 0 0"
        return
    fi
    read -r run wt _ <<<"$st"
    echo "$run $wt $(date +%s%N)"
}

# store_sample KEY LINE: keeps LINE and adds its numbers to the samples of KEY.
store_sample() {
    local key=$1 line=$2 i v keys=(cases_per_s mb_per_s cpu_s daemon_cpu_s other_threads_cpu_s
        backlog cases stored main_run_pct main_wait_pct main_blocked_pct)
    echo "$key $line" >>"$STORE_RAW"
    mapfile -t v < <(ph_stat field "${keys[@]}" <<<" $line")
    for i in "${!keys[@]}"; do
        STORE_S[$key:${keys[i]}]+="${v[i]}"$'\n'
    done
}

# store_load KEY WHERE ARGS...: one ph-bench-store store run against a fresh daemon whose
# corpus is on WHERE (disk: a new folder per run, deleted at the end; tmpfs: deleted now).
store_load() {
    local key=$1 where=$2 line rc=0 corpus log
    shift 2
    STORE_RUNS=$((STORE_RUNS + 1))
    log=$STORE_LOGS/run-$STORE_RUNS.log
    if [ "$where" = tmpfs ]; then
        corpus=$STORE_TMPFS/run-$STORE_RUNS
    else
        corpus=$STORE_DISK/run-$STORE_RUNS
    fi
    store_start "$corpus" "$log"
    local s0 s1
    s0=$(store_schedstat)
    line=$("$STORE_LOAD" store --socket "$STORE_SOCK" --seed "$STORE_RUNS" "$@") || rc=$?
    s1=$(store_schedstat)
    store_stop "$log"
    if [ "$rc" -ne 0 ]; then
        echo "bench: ph-bench-store store $* failed (exit $rc); daemon log: $log" >&2
        exit 1
    fi
    STORE_EXTRA+=$(ph_stat sched "$s0" "$s1")
    store_sample "$key" "$line $STORE_EXTRA"
    if [ "$where" = tmpfs ]; then
        rm -rf "$corpus"
    else
        mv "$corpus" "$STORE_TRASH/"
    fi
}

# store_limit KEY ARGS...: one ph-bench-store discard or disk run.
store_limit() {
    local key=$1 line rc=0
    shift
    line=$("$STORE_LOAD" "$@") || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "bench: ph-bench-store $* failed (exit $rc)" >&2
        exit 1
    fi
    store_sample "$key" "$line"
}

store_med() { ph_median <<<"${STORE_S[$1]%$'\n'}"; }
store_ratio() { ph_stat ratio "$1" "$2"; }

# Deletes what the runs left on the disk: in the background and gently, since mass
# deletion on this disk slows file creation for minutes. The tmpfs goes now.
store_cleanup() {
    if [ -n "${STORE_PID:-}" ]; then
        kill -9 "$STORE_PID" 2>/dev/null || true
        wait "$STORE_PID" 2>/dev/null || true
    fi
    [ -n "${STORE_MOUNTED:-}" ] && umount -l "$STORE_TMPFS" 2>/dev/null
    rm -rf "${STORE_SOCK_DIR:?}"
    if [ -d "${STORE_TRASH:-}" ]; then
        nohup nice -n 19 ionice -c 3 rm -rf "$STORE_TRASH" >/dev/null 2>&1 &
    fi
}

bench_store() {
    ph_bench_build ph-store ph-bench-store
    local rounds=$ROUNDS
    [ "$ROUNDS_SET" = 1 ] || rounds=3 # a round takes about two minutes
    if [ "$QUICK" = 1 ]; then
        STORE_SECONDS=0.2
        STORE_BURST=200000
    fi
    STORE_BIN=$BUILD/bin/ph-store
    STORE_LOAD=$BUILD/bin/ph-bench-store
    STORE_DISK=$BUILD/store-corpus
    STORE_TMPFS=$BUILD/store-tmpfs
    STORE_LOGS=$BUILD/store-logs
    STORE_RAW=$BUILD/store-raw.txt
    STORE_RUNS=0
    STORE_PID=
    STORE_MOUNTED=
    declare -gA STORE_S=()
    # Leftovers of an earlier run would slow this one's file creation: gone first.
    if [ -d "$STORE_DISK" ] && [ -n "$(ls -A "$STORE_DISK")" ]; then
        echo "bench: deleting what an earlier run left in $STORE_DISK" >&2
        rm -rf "$STORE_DISK"
    fi
    rm -rf "$STORE_LOGS"
    mkdir -p "$STORE_DISK" "$STORE_LOGS" "$STORE_TMPFS"
    STORE_TRASH=$STORE_DISK/trash
    mkdir -p "$STORE_TRASH"
    STORE_SOCK_DIR=$(mktemp -d /tmp/ph-bench-store.XXXXXX) # socket paths must stay short
    STORE_SOCK=$STORE_SOCK_DIR/store.sock
    trap store_cleanup EXIT
    if mountpoint -q "$STORE_TMPFS" ||
        { mount -t tmpfs -o size=6g tmpfs "$STORE_TMPFS" 2>/dev/null && STORE_MOUNTED=1; }; then
        local have_tmpfs=1
    else
        local have_tmpfs=0
        echo "bench: cannot mount a tmpfs at $STORE_TMPFS (not root?): no tmpfs runs" >&2
    fi
    : >"$STORE_RAW"

    local round size clients row chunk every s=$STORE_SECONDS
    local load=(--seconds "$s")
    for ((round = 1; round <= rounds; round++)); do
        for size in "${STORE_SIZES[@]}"; do
            for clients in "${STORE_CLIENTS[@]}"; do
                echo "bench: store round $round/$rounds, $size-byte cases, $clients clients (${SECONDS}s)" >&2
                local c=(--clients "$clients" --size "$size" "${load[@]}")
                store_limit "discard:$size:$clients" discard --socket "$STORE_SOCK_DIR/d.sock" "${c[@]}"
                store_limit "reply:$size:$clients" discard --reply --socket "$STORE_SOCK_DIR/d.sock" "${c[@]}"
                store_load "disk:$size:$clients" disk "${c[@]}"
                [ "$have_tmpfs" = 1 ] && store_load "tmpfs:$size:$clients" tmpfs "${c[@]}"
                store_load "dup:$size:$clients" disk "${c[@]}" --duplicates
            done
        done
        for row in "${STORE_DISK_ROWS[@]}"; do
            read -r chunk every direct <<<"$row"
            local how=()
            [ "$direct" = 1 ] && how=(--direct)
            store_limit "fsync:$chunk:$every:$direct" disk --dir "$STORE_DISK" --chunk "$chunk" \
                --sync-every "$every" "${how[@]}" --seconds "$s"
        done
        echo "bench: store round $round/$rounds, burst of $STORE_BURST cases (${SECONDS}s)" >&2
        store_load burst:disk disk --clients 16 --size 1024 --cases "$STORE_BURST"
        [ "$have_tmpfs" = 1 ] && store_load burst:tmpfs tmpfs --clients 16 --size 1024 --cases "$STORE_BURST"
    done
    store_report "$rounds" "$have_tmpfs"
}

store_report() {
    local rounds=$1 have_tmpfs=$2 size clients key fs
    local fstype source
    read -r fstype source < <(df --output=fstype,source "$STORE_DISK" | tail -1)
    fs="$fstype on $source"
    echo
    echo "ph-store, median of $rounds interleaved rounds, ${STORE_SECONDS} s of sending per load"
    echo "cases/s: acknowledged cases per second (limit 1: packets received); MB = 10^6 case bytes"
    echo "corpus: $STORE_DISK ($fs), or a tmpfs at $STORE_TMPFS"
    echo
    printf '%15s| %-19s | %-36s | %-17s |\n' "" "limit 1" "ph-store, distinct cases (durable)" \
        "ph-store, all-dup"
    printf '%15s| %9s %9s | %-17s  %-17s | %-17s | %7s\n' "" "discard" "reply" "corpus on disk" \
        "corpus on tmpfs" "(no disk)" "dup/"
    printf '%6s %7s | %9s %9s | %9s %7s  %9s %7s | %9s %7s | %7s\n' size clients cases/s \
        "64 in fl." cases/s MB/s cases/s MB/s cases/s MB/s discard
    for size in "${STORE_SIZES[@]}"; do
        for clients in "${STORE_CLIENTS[@]}"; do
            key=$size:$clients
            local dis rep dc dm tc=nan tm=nan uc um
            dis=$(store_med "discard:$key:cases_per_s")
            rep=$(store_med "reply:$key:cases_per_s")
            dc=$(store_med "disk:$key:cases_per_s")
            dm=$(store_med "disk:$key:mb_per_s")
            if [ "$have_tmpfs" = 1 ]; then
                tc=$(store_med "tmpfs:$key:cases_per_s")
                tm=$(store_med "tmpfs:$key:mb_per_s")
            fi
            uc=$(store_med "dup:$key:cases_per_s")
            um=$(store_med "dup:$key:mb_per_s")
            printf '%6s %7s | %9.0f %9.0f | %9.0f %7.1f  %9.0f %7.1f | %9.0f %7.1f | %7s\n' \
                "$size" "$clients" "$dis" "$rep" "$dc" "$dm" "$tc" "$tm" "$uc" "$um" \
                "$(store_ratio "$uc" "$dis")"
        done
    done

    echo
    echo "limit 2: sequential writes + fdatasync into a new file in $STORE_DISK (the best row)"
    printf '%12s %12s %-12s %9s\n' "bytes/write" "writes/sync" "I/O" "MB/s"
    local row chunk every direct io m disk_best=0 disk_best_row=""
    for row in "${STORE_DISK_ROWS[@]}"; do
        read -r chunk every direct <<<"$row"
        io=buffered
        [ "$direct" = 1 ] && io=O_DIRECT
        m=$(store_med "fsync:$chunk:$every:$direct:mb_per_s")
        printf '%12s %12s %-12s %9.1f\n' "$chunk" "$every" "$io" "$m"
        if ph_stat check "$m" gt "$disk_best"; then
            disk_best=$m
            disk_best_row="$chunk x $every $io"
        fi
    done

    echo
    echo "burst: $STORE_BURST distinct 1 KiB cases from 16 clients, until the last ack"
    printf '%-6s %9s %7s %11s | %-30s | %s\n' corpus cases/s MB/s "files/s" \
        "daemon main thread: % of time" "CPU us: main/case, log+materializer/file, clients/case"
    printf '%-6s %9s %7s %11s | %8s %10s %10s |\n' "" "" "" "(corpus)" running "CPU-wait" blocked
    local where
    for where in disk tmpfs; do
        [ "$where" = tmpfs ] && [ "$have_tmpfs" = 0 ] && continue
        store_burst_row "$where"
    done
    echo "files/s: corpus files the materializer wrote while the clients ran; CPU-wait: runnable,"
    echo "waiting for a CPU; blocked: in fdatasync or waiting for packets (/proc/PID/schedstat)"

    echo
    echo "daemon main thread, distinct cases, corpus on disk: % of time running / CPU-wait / blocked"
    printf '%6s' size
    for clients in "${STORE_CLIENTS[@]}"; do printf ' %18s' "$clients clients"; done
    echo
    for size in "${STORE_SIZES[@]}"; do
        printf '%6s' "$size"
        for clients in "${STORE_CLIENTS[@]}"; do
            key=disk:$size:$clients
            printf ' %18s' "$(store_med "$key:main_run_pct" | xargs printf '%.0f') / $(
                store_med "$key:main_wait_pct" | xargs printf '%.0f') / $(
                store_med "$key:main_blocked_pct" | xargs printf '%.0f')"
        done
        echo
    done

    echo
    local burst dup dis r64 best64=0 best64_clients=""
    burst=$(store_med burst:disk:cases_per_s)
    dup=$(store_med dup:1024:16:cases_per_s)
    dis=$(store_med discard:1024:16:cases_per_s)
    for clients in "${STORE_CLIENTS[@]}"; do
        m=$(store_med "disk:65536:$clients:mb_per_s")
        if ph_stat check "$m" gt "$best64"; then
            best64=$m
            best64_clients=$clients
        fi
    done
    r64=$(store_ratio "$best64" "$disk_best")
    echo "targets (ratios of medians)"
    store_target "distinct durable 1 KiB cases/s, 16 clients, burst of $STORE_BURST, disk" \
        "$(printf '%.0f' "$burst")" 100000
    [ "$STORE_BURST" -ge 1000000 ] ||
        echo "  (--quick: a burst under the 1 million cases the target asks for)"
    store_target "all-duplicate / discard loop, 1 KiB, 16 clients" \
        "$(store_ratio "$dup" "$dis")" 0.50
    store_target "distinct 64 KiB on disk ($best64_clients clients) / disk ($disk_best_row)" \
        "$r64" 0.50
    echo "raw lines: $STORE_RAW; daemon logs: $STORE_LOGS/"
}

# One row of the burst table: medians over the rounds.
store_burst_row() {
    local where=$1 key=burst:$1 col
    # Medians over the rounds of the files written, CPU us per case (main, clients) and per
    # file (materializer).
    read -r -a col < <(paste <(printf '%s' "${STORE_S[$key:stored]}") \
        <(printf '%s' "${STORE_S[$key:backlog]}") <(printf '%s' "${STORE_S[$key:cases_per_s]}") \
        <(printf '%s' "${STORE_S[$key:daemon_cpu_s]}") \
        <(printf '%s' "${STORE_S[$key:other_threads_cpu_s]}") <(printf '%s' "${STORE_S[$key:cpu_s]}") |
        ph_stat burst "$STORE_BURST")
    printf '%-6s %9.0f %7.1f %11.0f | %7.0f%% %9.0f%% %9.0f%% | %.1f, %.1f, %.1f\n' "$where" \
        "$(store_med "$key:cases_per_s")" "$(store_med "$key:mb_per_s")" "${col[0]}" \
        "$(store_med "$key:main_run_pct")" "$(store_med "$key:main_wait_pct")" \
        "$(store_med "$key:main_blocked_pct")" "${col[1]}" "${col[2]}" "${col[3]}"
}

# store_target WHAT VALUE MIN: one line saying whether VALUE >= MIN.
store_target() {
    local what=$1 value=$2 min=$3 verdict="NOT met"
    ph_stat check "$value" ge "$min" && verdict=met
    printf '  %s: %s (target >= %s): %s\n' "$what" "$value" "$min" "$verdict"
}

while [ $# -gt 0 ]; do
    case $1 in
    --rounds) ph_bench_rounds "${2:-}" && shift 2 ;;
    --quick) QUICK=1 && shift ;;
    *) ph_bench_usage ;;
    esac
done
bench_store

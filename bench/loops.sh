#!/usr/bin/env bash
# Deliver 6 of issue #24, measured the only way this build allows: what a second event loop would
# add. ackhook runs its whole request path on one thread (HTTP, publish, PubAck, answer); N loops
# would each own a listener (SO_REUSEPORT) and a NATS connection. Two ackhook processes, each with
# its own listener and connection in front of the same nats-server, are that design without the
# shared in-flight bound and request log: an upper bound of what two loops in one process get.
# Rounds alternate between one process under wrk -c64 and two under wrk -c32 each, at once.
# Not a test: it asserts nothing, it prints.
#   bench/loops.sh [seconds per run, default 8] [rounds, default 3]
# Environment: ACKHOOK_BIN=path (default build/release/app/ackhook).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
DURATION=${1:-8}
ROUNDS=${2:-3}
ACKHOOK=${ACKHOOK_BIN:-build/release/app/ackhook}
[ -x "$ACKHOOK" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk missing: apt-get install wrk" >&2; exit 2; }
NATS_SERVER=$(command -v nats-server || echo /usr/sbin/nats-server)

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

start_nats
declare -A port pid
for name in one a b; do
    port[$name]=$(free_port)
    "$ACKHOOK" --headless --listen "127.0.0.1:${port[$name]}" --nats-url "nats://127.0.0.1:$nats_port" \
        --data-dir "$work/$name" --max-inflight 65536 --admin-listen 127.0.0.1:0 --no-fault-proxy \
        >"$work/$name.log" 2>&1 &
    pid[$name]=$!
    pids+=($!)
done
for name in one a b; do
    warm_up "http://127.0.0.1:${port[$name]}/webhook" "warmup-$name"
done

machine_line
echo "ackhook at $(git rev-parse --short HEAD)$(git diff --quiet || echo '+dirty'); $DURATION s per run, $ROUNDS rounds alternating; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-5s %9s %9s %11s %11s\n' loops round req/s p99-ms cpu-us/req nats-us/req
hz=$(getconf CLK_TCK)
wrk_run() { # port conns threads out
    ACKHOOK_BENCH_RUN="loops-$1-$$-$RANDOM" wrk -t"$3" -c"$2" -d"${DURATION}s" --latency -s bench/ingest.lua \
        "http://127.0.0.1:$1/webhook" >"$4"
}
measure() { # loops round
    local loops=$1 round=$2 procs before nats_before
    if [ "$loops" = 1 ]; then procs=("${pid[one]}"); else procs=("${pid[a]}" "${pid[b]}"); fi
    before=$(cpu_ticks "${procs[@]}"); nats_before=$(cpu_ticks "$nats_pid")
    if [ "$loops" = 1 ]; then
        wrk_run "${port[one]}" 64 2 "$work/w1"
        files=("$work/w1")
    else
        wrk_run "${port[a]}" 32 1 "$work/wa" & local wa=$!
        wrk_run "${port[b]}" 32 1 "$work/wb"
        wait "$wa"
        files=("$work/wa" "$work/wb")
    fi
    local cpu=$(( $(cpu_ticks "${procs[@]}") - before )) nats=$(( $(cpu_ticks "$nats_pid") - nats_before ))
    local ok=0 rate=0 p99=0 f
    for f in "${files[@]}"; do
        local total non2xx
        total=$(awk '/requests in/ {print $1}' "$f"); non2xx=$(awk '/Non-2xx/ {print $5}' "$f"); non2xx=${non2xx:-0}
        ok=$((ok + total - non2xx))
        rate=$(awk -v r="$rate" '/Requests\/sec/ {printf "%.0f", r + $2}' "$f")
        p99=$(awk '$1=="99%" {print $2}' "$f" | to_ms | awk -v p="$p99" '{print ($1 > p ? $1 : p)}')
    done
    printf '%-6s %-5s %9s %9s %11s %11s\n' "$loops" "$round" "$rate" "$p99" \
        "$(awk -v c="$cpu" -v n="$ok" -v hz="$hz" 'BEGIN {printf "%.1f", n ? c*1e6/hz/n : 0}')" \
        "$(awk -v c="$nats" -v n="$ok" -v hz="$hz" 'BEGIN {printf "%.1f", n ? c*1e6/hz/n : 0}')" | tee -a "$work/raw"
}
for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) -eq 1 ]; then measure 1 "$round"; measure 2 "$round"; else measure 2 "$round"; measure 1 "$round"; fi
done
echo
for loops in 1 2; do
    printf 'median, %s loop(s): %s req/s, p99 %s ms, %s us CPU per acked request (nats-server %s us)\n' "$loops" \
        "$(awk -v l="$loops" '$1==l {print $3}' "$work/raw" | median)" "$(awk -v l="$loops" '$1==l {print $4}' "$work/raw" | median)" \
        "$(awk -v l="$loops" '$1==l {print $5}' "$work/raw" | median)" "$(awk -v l="$loops" '$1==l {print $6}' "$work/raw" | median)"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

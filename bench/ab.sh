#!/usr/bin/env bash
# Before/after of one change: two ackhook binaries side by side (one nats-server), wrk runs
# alternating between them, medians and ratios of req/s and CPU per answered request.
# Not a test: it asserts nothing.
#   bench/ab.sh OLD_BINARY NEW_BINARY [seconds per run, default 10] [rounds, default 5]
# Environment: MODE=acked (default), ceiling (ACKHOOK_BENCH_NO_NATS=1, no NATS at all: pass two
#   ackhook-bench binaries, built with -DACKHOOK_BENCH_CEILING=ON; ackhook ignores it) or down (no
#   NATS reachable: every webhook is a 500 "disconnected" recorded in the failed-event queue),
#   CONNS=64, LUA=bench/ingest.lua (bench/pipeline.lua: 8 pipelined requests per write),
#   FLAGS="--fault-proxy" (more ackhook flags, for both binaries).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
[ $# -ge 2 ] || { sed -n '2,7p' "$0"; exit 2; }
OLD=$1 NEW=$2
DURATION=${3:-10}
ROUNDS=${4:-5}
MODE=${MODE:-acked}
CONNS=${CONNS:-64}
LUA=${LUA:-bench/ingest.lua}
NATS_SERVER=$(command -v nats-server || echo /usr/sbin/nats-server)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

nats_url=nats://127.0.0.1:9 # nothing listens there: the ceiling needs no NATS
env=()
flags=()
if [ "$MODE" = ceiling ]; then
    env=(ACKHOOK_BENCH_NO_NATS=1); flags=(--no-fault-proxy)
elif [ "$MODE" = down ]; then
    flags=(--no-fault-proxy)
else
    nats_port=$(free_port)
    "$NATS_SERVER" -a 127.0.0.1 -p "$nats_port" -js -sd "$work/js" >"$work/nats.log" 2>&1 &
    pids+=($!)
    nats_url=nats://127.0.0.1:$nats_port
fi
read -r -a more_flags <<<"${FLAGS:-}"
flags+=("${more_flags[@]}")
declare -A port pid
for v in old new; do
    bin=$OLD; [ "$v" = new ] && bin=$NEW
    port[$v]=$(free_port)
    env "${env[@]}" "$bin" --headless --listen "127.0.0.1:${port[$v]}" --nats-url "$nats_url" --data-dir "$work/data-$v" \
        --max-inflight 65536 --admin-listen 127.0.0.1:0 "${flags[@]}" >"$work/$v.log" 2>&1 &
    pid[$v]=$!; pids+=($!)
    for _ in $(seq 1 100); do
        if [ "$MODE" = down ]; then curl -s -o /dev/null "http://127.0.0.1:${port[$v]}/health" && break
        else curl -sf -o /dev/null -d '{}' -H "X-Event-Id: warmup-$v" "http://127.0.0.1:${port[$v]}/webhook" && break; fi
        sleep 0.1
    done
done
machine_line
echo "old $OLD, new $NEW; MODE=$MODE, wrk -t2 -c$CONNS -s $LUA, $DURATION s per run, $ROUNDS rounds alternating; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-4s %-5s %9s %9s %8s %10s\n' v round req/s p99-ms non2xx cpu-us/req
for round in $(seq 1 "$ROUNDS"); do
    order=(old new); [ $((round % 2)) -eq 0 ] && order=(new old)
    for v in "${order[@]}"; do
        before=$(awk '{print $14 + $15}' "/proc/${pid[$v]}/stat")
        out=$(ACKHOOK_BENCH_RUN="ab-$v-$round-$$" wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$LUA" \
            "http://127.0.0.1:${port[$v]}/webhook")
        cpu=$(( $(awk '{print $14 + $15}' "/proc/${pid[$v]}/stat") - before ))
        total=$(awk '/requests in/ {print $1}' <<<"$out")
        non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out"); non2xx=${non2xx:-0}
        rate=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
        p99=$(awk '$1=="99%" {print $2}' <<<"$out")
        answered=$((total - non2xx)); [ "$MODE" = down ] && answered=$total # there, every answer is a 500
        per=$(awk -v c="$cpu" -v n="$answered" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", n ? c*1e6/hz/n : 0}')
        printf '%-4s %-5s %9s %9s %8s %10s\n' "$v" "$round" "$rate" "$p99" "$non2xx" "$per" | tee -a "$work/raw"
    done
done
m() { awk -v v="$1" -v k="$2" '$1==v {print $k}' "$work/raw" | median; }
printf 'median req/s: old %s, new %s (new/old %s); cpu per answer: old %s us, new %s us (new/old %s)\n' \
    "$(m old 3)" "$(m new 3)" "$(awk -v a="$(m new 3)" -v b="$(m old 3)" 'BEGIN {printf "%.3f", a/b}')" \
    "$(m old 6)" "$(m new 6)" "$(awk -v a="$(m new 6)" -v b="$(m old 6)" 'BEGIN {printf "%.3f", a/b}')"

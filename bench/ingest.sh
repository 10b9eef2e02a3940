#!/usr/bin/env bash
# Acked ingest benchmark: wrk drives ackhook --headless (release build) in front of a real
# nats-server; prints req/s and latency per run, medians per concurrency, and compares the number
# of 200 answers with the messages the stream gained. Not a test: it asserts nothing.
#   bench/ingest.sh [seconds per run, default 10] [runs per concurrency, default 3]
# Environment: CONNS="5 64" (concurrencies), ACKHOOK_FLAGS="" (extra ackhook flags, e.g. --no-fault-proxy).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
DURATION=${1:-10}
RUNS=${2:-3}
read -r -a CONCURRENCY <<<"${CONNS:-5 64}"
read -r -a EXTRA_FLAGS <<<"${ACKHOOK_FLAGS:-}"
ACKHOOK=build/release/app/ackhook
[ -x "$ACKHOOK" ] || { echo "build first: ./dev bench (or cmake --preset release && cmake --build --preset release)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk missing: apt-get install wrk" >&2; exit 2; }
NATS_SERVER=$(command -v nats-server || echo /usr/sbin/nats-server)

work=$(mktemp -d)
nats_port=$(free_port); monitor_port=$(free_port); http_port=$(free_port)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$NATS_SERVER" -a 127.0.0.1 -p "$nats_port" -m "$monitor_port" -js -sd "$work/js" >"$work/nats.log" 2>&1 &
pids+=($!)
"$ACKHOOK" --headless --listen "127.0.0.1:$http_port" --nats-url "nats://127.0.0.1:$nats_port" \
    --data-dir "$work/data" --max-inflight 65536 --admin-listen 127.0.0.1:0 "${EXTRA_FLAGS[@]}" >"$work/ackhook.log" 2>&1 &
pids+=($!)

stream_messages() {
    curl -sf "http://127.0.0.1:$monitor_port/jsz?streams=true" |
        python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(s["state"]["messages"] for a in d.get("account_details",[]) for s in a.get("stream_detail",[]) if s["name"]=="EVENTS"))'
}
ready=""
for _ in $(seq 1 100); do
    curl -sf -o /dev/null -d '{}' -H 'X-Event-Id: warmup' "http://127.0.0.1:$http_port/webhook" && { ready=1; break; }
    sleep 0.1
done
[ -n "$ready" ] || { echo "ackhook never answered 200; its log:" >&2; cat "$work/ackhook.log" >&2; exit 1; }

machine_line
echo "ackhook $("$ACKHOOK" --version | head -1 | cut -d' ' -f2) ${EXTRA_FLAGS[*]}, nats-server $("$NATS_SERVER" --version | head -1 | cut -d' ' -f2), wrk $DURATION s per run, $RUNS runs"
printf '%-6s %-4s %10s %9s %9s %9s %10s %10s\n' conns run req/s p50 p99 non2xx 200s stored

for conns in "${CONCURRENCY[@]}"; do
    rates=(); p50s=(); p99s=()
    for run in $(seq 1 "$RUNS"); do
        before=$(stream_messages)
        out=$(ACKHOOK_BENCH_RUN="c$conns-r$run-$$" wrk -t2 -c"$conns" -d"${DURATION}s" --latency \
            -s bench/ingest.lua "http://127.0.0.1:$http_port/webhook")
        after=$(stream_messages)
        total=$(awk '/requests in/ {print $1}' <<<"$out")
        non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out"); non2xx=${non2xx:-0}
        rate=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
        p50=$(awk '$1=="50%" {print $2}' <<<"$out" | to_ms)
        p99=$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms)
        printf '%-6s %-4s %10s %8sms %8sms %9s %10s %10s\n' "$conns" "$run" "$rate" "$p50" "$p99" "$non2xx" \
            "$((total - non2xx))" "$((after - before))"
        rates+=("$rate"); p50s+=("$p50"); p99s+=("$p99")
    done
    printf '%-6s %-4s %10s %8sms %8sms\n' "$conns" median "$(printf '%s\n' "${rates[@]}" | median)" \
        "$(printf '%s\n' "${p50s[@]}" | median)" "$(printf '%s\n' "${p99s[@]}" | median)"
done
echo "stored >= 200s in every run means no acknowledged event is missing (wrk does not count answers still in flight when it stops)."

#!/usr/bin/env bash
# Soak: at least TOTAL requests (default 1,000,000) through ackhook --headless (release, embedded
# nats-server) with wrk, 10-s segments, while the simulated outage cycles through down, blackhole,
# ack-loss, flap and latency in the middle of every other segment. Prints, per segment, the
# requests so far and ackhook's RSS, open file descriptors and threads: all should stay flat.
# Not a test: it asserts nothing.
#   bench/soak.sh [total requests, default 1000000] [connections, default 64]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
TOTAL=${1:-1000000}
CONNS=${2:-64}
ACKHOOK=build/release/app/ackhook
[ -x "$ACKHOOK" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk missing: apt-get install wrk" >&2; exit 2; }

work=$(mktemp -d)
http=$(free_port); admin=$(free_port)
"$ACKHOOK" --headless --listen "127.0.0.1:$http" --admin-listen "127.0.0.1:$admin" --data-dir "$work/data" \
    --ack-timeout 1000 --max-inflight 65536 >"$work/ackhook.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
    curl -sf -o /dev/null -d '{}' -H 'X-Event-Id: warmup' "http://127.0.0.1:$http/webhook" && break
    sleep 0.1
done

sample() { # rss MiB, fds, threads
    printf '%s %s %s' "$(awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/$pid/status)" \
        "$(ls /proc/$pid/fd | wc -l)" "$(awk '/Threads/ {print $2}' /proc/$pid/status)"
}
failed_queue() { curl -sf "http://127.0.0.1:$admin/api/status" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("failed_queue",{}).get("pending","?"))' 2>/dev/null || echo "?"; }

machine_line
echo "ackhook $("$ACKHOOK" --version | head -1 | cut -d' ' -f2) --headless, embedded nats-server, wrk -c$CONNS in 10-s segments, target $TOTAL requests"
printf '%-4s %-10s %10s %9s %9s %8s %5s %7s %8s\n' seg outage requests 'non2xx' 'req/s' 'rss-MiB' fds threads pending
read -r rss fds threads <<<"$(sample)"
printf '%-4s %-10s %10s %9s %9s %8s %5s %7s %8s\n' 0 - 0 0 - "$rss" "$fds" "$threads" "$(failed_queue)"
modes=(down blackhole ack-loss flap latency)
done_requests=0; segment=0
while [ "$done_requests" -lt "$TOTAL" ]; do
    segment=$((segment + 1))
    mode="-"
    switcher=""
    if [ $((segment % 2)) -eq 0 ]; then
        mode=${modes[$(( (segment / 2 - 1) % ${#modes[@]} ))]}
        # The outage holds from second 3 to second 6 of the segment.
        ( sleep 3; curl -s -o /dev/null -X PUT -H 'Content-Type: application/json' -d "{\"mode\":\"$mode\",\"latency_ms\":50}" "http://127.0.0.1:$admin/api/outage"
          sleep 3; curl -s -o /dev/null -X PUT -H 'Content-Type: application/json' -d '{"mode":"off"}' "http://127.0.0.1:$admin/api/outage" ) &
        switcher=$!
    fi
    out=$(ACKHOOK_BENCH_RUN="soak-$segment-$$" wrk -t2 -c"$CONNS" -d10s -s bench/ingest.lua "http://127.0.0.1:$http/webhook")
    [ -z "$switcher" ] || wait "$switcher" # (a bare wait would wait for ackhook too)
    total=$(awk '/requests in/ {print $1}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out"); non2xx=${non2xx:-0}
    rate=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
    done_requests=$((done_requests + total))
    read -r rss fds threads <<<"$(sample)"
    printf '%-4s %-10s %10s %9s %9s %8s %5s %7s %8s\n' "$segment" "$mode" "$done_requests" "$non2xx" "$rate" "$rss" \
        "$fds" "$threads" "$(failed_queue)"
done

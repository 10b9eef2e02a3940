#!/usr/bin/env bash
# The monitor window under load: wrk drives 64 connections against ackhook with its window open
# (under Xvfb) and against ackhook --headless, alternating. Prints throughput of both, the GUI
# event-loop lag (a 20 ms timer measuring its own delay, reported every 5 s) and the RSS of each
# process before and after every run. Not a test: it asserts nothing.
#   bench/gui.sh [seconds per run, default 30] [runs per mode, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
if [ -z "${DISPLAY:-}" ]; then
    command -v xvfb-run >/dev/null || { echo "xvfb-run missing: apt-get install xvfb xauth" >&2; exit 2; }
    exec xvfb-run -a -s "-screen 0 1280x900x24" "$0" "$@"
fi
DURATION=${1:-30}
RUNS=${2:-3}
CONNS=${CONNS:-64}
ACKHOOK=build/release/app/ackhook
[ -x "$ACKHOOK" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk missing: apt-get install wrk" >&2; exit 2; }
NATS_SERVER=$(command -v nats-server || echo /usr/sbin/nats-server)

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

nats_port=$(free_port)
"$NATS_SERVER" -a 127.0.0.1 -p "$nats_port" -js -sd "$work/js" >"$work/nats.log" 2>&1 &
pids+=($!)

declare -A port pid
start_ackhook() { # mode: headless | window
    local mode=$1 flags=()
    port[$mode]=$(free_port)
    [ "$mode" = headless ] && flags+=(--headless)
    # The window's settings stay out of the user's: a throwaway XDG config home.
    XDG_CONFIG_HOME="$work/config" ACKHOOK_LAG_REPORT=1 "$ACKHOOK" "${flags[@]}" --listen "127.0.0.1:${port[$mode]}" \
        --nats-url "nats://127.0.0.1:$nats_port" --data-dir "$work/data-$mode" --max-inflight 65536 \
        --admin-listen 127.0.0.1:0 >"$work/$mode.out" 2>"$work/$mode.err" &
    pid[$mode]=$!
    pids+=($!)
    for _ in $(seq 1 100); do
        curl -sf -o /dev/null -d '{}' -H "X-Event-Id: warmup-$mode" "http://127.0.0.1:${port[$mode]}/webhook" && return 0
        sleep 0.1
    done
    echo "ackhook ($mode) never answered 200:" >&2; cat "$work/$mode.err" >&2; exit 1
}
rss_mib() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }

start_ackhook headless
start_ackhook window
sleep 2 # the window is up and painted

machine_line
echo "ackhook $("$ACKHOOK" --version | head -1 | cut -d' ' -f2), wrk -c$CONNS, $DURATION s per run, $RUNS runs per mode, alternating; window under Xvfb"
printf '%-9s %-4s %10s %9s %11s %11s %10s %10s\n' mode run req/s non2xx lag-p50 lag-p99 rss-start rss-end
declare -A rates
lag50s=(); lag99s=()
for run in $(seq 1 "$RUNS"); do
    for mode in headless window; do
        rss_start=$(rss_mib "${pid[$mode]}")
        lines_before=$(wc -l <"$work/$mode.err")
        out=$(ACKHOOK_BENCH_RUN="$mode-r$run-$$" wrk -t2 -c"$CONNS" -d"${DURATION}s" -s bench/ingest.lua \
            "http://127.0.0.1:${port[$mode]}/webhook")
        rss_end=$(rss_mib "${pid[$mode]}")
        rate=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
        non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out"); non2xx=${non2xx:-0}
        rates[$mode]+="$rate "
        lag50="-"; lag99="-"
        if [ "$mode" = window ]; then
            # The 5-s windows that fell inside this run: median of their p50, worst of their p99.
            window_lines=$(tail -n +"$((lines_before + 1))" "$work/$mode.err" | grep '^gui-lag' || true)
            lag50=$(sed -n 's/.*p50_ms=\([0-9.]*\).*/\1/p' <<<"$window_lines" | median)
            lag99=$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$window_lines" | sort -n | tail -1)
            lag50s+=("$lag50"); lag99s+=("$lag99")
            lag50="${lag50}ms"; lag99="${lag99}ms"
        fi
        printf '%-9s %-4s %10s %9s %11s %11s %9sM %9sM\n' "$mode" "$run" "$rate" "$non2xx" "$lag50" "$lag99" \
            "$rss_start" "$rss_end"
    done
done
headless=$(tr ' ' '\n' <<<"${rates[headless]}" | grep . | median)
window=$(tr ' ' '\n' <<<"${rates[window]}" | grep . | median)
echo "median req/s: headless $headless, window $window ($(awk -v w="$window" -v h="$headless" 'BEGIN {printf "%.1f", 100*w/h}') % of headless)"
echo "GUI lag: p50 $(printf '%s\n' "${lag50s[@]}" | median) ms (median of runs), p99 $(printf '%s\n' "${lag99s[@]}" | median) ms (median of each run's worst 5-s window)"

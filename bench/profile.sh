#!/usr/bin/env bash
# Where ackhook's CPU goes under acked ingest: perf record -e cpu-clock -g on the ackhook process
# while wrk drives 64 connections (1 KiB bodies, unique ids), then the split by thread, the top
# symbols (self time) and the kernel share. Not a test: it asserts nothing.
#   bench/profile.sh [seconds, default 10] [connections, default 64]
# Environment: ACKHOOK_FLAGS="" (extra ackhook flags), ACKHOOK_BIN=path (default build/release/app/ackhook),
#   ACKHOOK_ENV="" (e.g. ACKHOOK_BENCH_NO_NATS=1 with ACKHOOK_BIN=build/release/app/ackhook-bench: the ceiling),
#   KEEP=DIR (keep perf.data there).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
DURATION=${1:-10}
CONNS=${2:-64}
read -r -a EXTRA_FLAGS <<<"${ACKHOOK_FLAGS:-}"
read -r -a EXTRA_ENV <<<"${ACKHOOK_ENV:-}"
ACKHOOK=${ACKHOOK_BIN:-build/release/app/ackhook}
[ -x "$ACKHOOK" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 2; }
command -v perf >/dev/null || { echo "perf missing: apt-get install linux-perf" >&2; exit 2; }
NATS_SERVER=$(command -v nats-server || echo /usr/sbin/nats-server)

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT
start_gateway "${EXTRA_FLAGS[@]}"
machine_line
echo "ackhook at $(git rev-parse --short HEAD)$(git diff --quiet || echo '+dirty') ${EXTRA_ENV[*]} ${EXTRA_FLAGS[*]}; wrk -c$CONNS for $DURATION s; perf -e cpu-clock -g on ackhook only"
# Warm up, then record during the middle of a longer wrk run.
ACKHOOK_BENCH_RUN="profile-$$" wrk -t2 -c"$CONNS" -d"$((DURATION + 4))s" -s bench/ingest.lua \
    "http://127.0.0.1:$http_port/webhook" >"$work/wrk.out" &
wrk_pid=$!
sleep 2
perf record -q -e cpu-clock -g -p "$ackhook" -o "$work/perf.data" -- sleep "$DURATION" 2>/dev/null
wait "$wrk_pid"
grep -E 'Requests/sec' "$work/wrk.out"
echo
echo "## CPU by thread (% of ackhook's samples; cnats' threads inherit the name of the thread that made them)"
perf report -i "$work/perf.data" --no-children --sort pid --stdio 2>/dev/null | grep -E '^ +[0-9.]+%' | head -12 || true
echo
echo "## by system call and hot path (inclusive: time under these entry points, all threads)"
perf report -i "$work/perf.data" --children --sort sym --stdio -g none 2>/dev/null | grep -E '^ +[0-9.]+%' |
    grep -E '__x64_sys_|malloc|free$|cfree|deliverReports|processInput|handleWebhook|publishAsync|ackHandler|writeNow|onReadable|writeRecords|RequestLog|QJson|_natsDeliverMsgs|_readLoop|natsSock_' | head -40 || true
echo
echo "## kernel vs user"
perf report -i "$work/perf.data" --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9.]+%' | head -12 || true
echo
echo "## top symbols, self time"
perf report -i "$work/perf.data" --no-children --sort comm,sym --stdio 2>/dev/null | grep -E '^ +[0-9.]+%' | head -40 || true
[ -z "${KEEP:-}" ] || { mkdir -p "$KEEP"; cp "$work/perf.data" "$KEEP/"; echo "perf.data kept in $KEEP"; }

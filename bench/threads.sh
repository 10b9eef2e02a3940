#!/usr/bin/env bash
# Context switches and CPU per acked request, per thread of ackhook, under wrk (1 KiB bodies, unique
# ids) against one nats-server: where the wake-ups are. Not a test: it asserts nothing.
#   bench/threads.sh [seconds, default 8] [connections, default 64]
# Environment: ACKHOOK_ENV="" (e.g. ACKHOOK_NATS_EVENT_LOOP=1), ACKHOOK_BIN=path (default
#   build/release/app/ackhook), ACKHOOK_FLAGS="" (more flags; --no-fault-proxy is always given).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
DURATION=${1:-8}
CONNS=${2:-64}
read -r -a EXTRA_ENV <<<"${ACKHOOK_ENV:-}"
read -r -a EXTRA_FLAGS <<<"${ACKHOOK_FLAGS:-}"
ACKHOOK=${ACKHOOK_BIN:-build/release/app/ackhook}
NATS_SERVER=$(command -v nats-server || echo /usr/sbin/nats-server)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
start_gateway --no-fault-proxy "${EXTRA_FLAGS[@]}"
snapshot() { # tid ctxt-switches(vol+invol) cpu-ticks, one line per thread
    for t in /proc/"$ackhook"/task/*; do
        printf '%s %s %s\n' "${t##*/}" \
            "$(awk '/voluntary_ctxt_switches/ {s += $2} END {print s}' "$t/status")" \
            "$(awk '{print $14 + $15}' "$t/stat")"
    done | sort -n
}
snapshot >"$work/before"
out=$(ACKHOOK_BENCH_RUN="threads-$$" wrk -t2 -c"$CONNS" -d"${DURATION}s" -s bench/ingest.lua "http://127.0.0.1:$http_port/webhook")
snapshot >"$work/after"
total=$(awk '/requests in/ {print $1}' <<<"$out")
non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out"); ok=$((total - ${non2xx:-0}))
machine_line
echo "ackhook ${EXTRA_ENV[*]}; wrk -c$CONNS ${DURATION}s: $(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out") req/s, $ok acked"
printf '%-8s %12s %14s %12s\n' tid switches switches/req cpu-us/req
join "$work/before" "$work/after" | awk -v n="$ok" -v hz="$(getconf CLK_TCK)" \
    '{ds = $4 - $2; dc = $5 - $3; if (ds > 0 || dc > 0) {printf "%-8s %12d %14.3f %12.1f\n", $1, ds, ds / n, dc * 1e6 / hz / n; S += ds; C += dc}}
     END {printf "%-8s %12d %14.3f %12.1f\n", "all", S, S / n, C * 1e6 / hz / n}'

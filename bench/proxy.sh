#!/usr/bin/env bash
# Cost of the fault proxy in mode "off": acked ingest at 64 connections through the proxy and
# direct (--no-fault-proxy), runs alternating so both see the same machine state. Prints medians.
#   bench/proxy.sh [seconds per run, default 10] [runs each, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
DURATION=${1:-10}
RUNS=${2:-5}
declare -A rate p50 p99
for run in $(seq 1 "$RUNS"); do
    for variant in proxy direct; do
        flags="--fault-proxy"; [ "$variant" = direct ] && flags="--no-fault-proxy"
        line=$(CONNS=64 ACKHOOK_FLAGS="$flags" bench/ingest.sh "$DURATION" 1 | awk '$2=="1" {print $3, $4, $5, $6}')
        read -r r a b errors <<<"$line"
        if [ -z "$r" ] || [ "$errors" != 0 ]; then
            echo "run $run $variant: discarded (${errors:-no result} non-2xx answers)"; continue
        fi
        echo "run $run $variant: $r req/s, p50 $a, p99 $b"
        rate[$variant]+="$r "; p50[$variant]+="${a%ms} "; p99[$variant]+="${b%ms} "
    done
done
for variant in direct proxy; do
    printf '%-7s median %8s req/s  p50 %6s ms  p99 %6s ms\n' "$variant" \
        "$(tr ' ' '\n' <<<"${rate[$variant]}" | grep . | median)" \
        "$(tr ' ' '\n' <<<"${p50[$variant]}" | grep . | median)" "$(tr ' ' '\n' <<<"${p99[$variant]}" | grep . | median)"
done
d=$(tr ' ' '\n' <<<"${rate[direct]}" | grep . | median); p=$(tr ' ' '\n' <<<"${rate[proxy]}" | grep . | median)
awk -v d="$d" -v p="$p" 'BEGIN {printf "proxy cost: %.1f %% of direct throughput at 64 connections\n", (d-p)*100/d}'

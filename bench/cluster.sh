#!/usr/bin/env bash
# Acked ingest against an R1 and an R3 stream on a 3-node loopback NATS cluster (issue #17), beside
# the HTTP ceiling, with the wrk runs of the variants interleaved: the ratios hold on a noisy machine,
# absolute numbers drift. Not a test: it asserts nothing, it prints.
#   bench/cluster.sh [seconds per wrk run, default 10] [rounds, default 3]
# Environment: ACKHOOK_BIN=path (default build/release/app/ackhook), RESULTS=FILE (keep the raw table).
#
# Three nats-server processes (JetStream, file storage, each its own store, cluster routes on
# loopback); two streams made before ackhook starts: R1 (subjects r1.>, one replica, placed by the
# cluster on any node) and R3 (r3.>, three replicas: a PubAck only after a quorum of 2 stored it).
# Variants, 1 KiB bodies, unique X-Event-Id, each ackhook --headless --no-fault-proxy with every node
# as a seed URL:
#   r1        ackhook publishing to the R1 stream
#   r3        ackhook publishing to the R3 stream
#   ceiling   the same program answering 200 without NATS (ackhook-bench with ACKHOOK_BENCH_NO_NATS=1;
#             CMake option ACKHOOK_BENCH_CEILING=ON, benchmark only: the shipped ackhook ignores it)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
DURATION=${1:-10}
ROUNDS=${2:-3}
ACKHOOK=${ACKHOOK_BIN:-build/release/app/ackhook}
CEILING=${CEILING_BIN:-$(dirname "$ACKHOOK")/ackhook-bench}
[ -x "$ACKHOOK" ] || { echo "build first: cmake --preset release && cmake --build build/release" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk missing: apt-get install wrk" >&2; exit 2; }
NATS_SERVER=$(command -v nats-server || echo /usr/sbin/nats-server)

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
raw=${RESULTS:-$work/results}
: >"$raw"

wait_http() { # url, extra curl args...: until it answers 2xx (10 s at most)
    local url=$1; shift
    for _ in $(seq 1 100); do curl -sf -o /dev/null "$@" "$url" && return 0; sleep 0.1; done
    return 1
}

# ---- The cluster -------------------------------------------------------------------------------
client_ports=(); route_ports=(); nats_pids=()
for i in 0 1 2; do client_ports+=("$(free_port)"); route_ports+=("$(free_port)"); done
routes=$(printf 'nats-route://127.0.0.1:%s,' "${route_ports[@]}"); routes=${routes%,}
for i in 0 1 2; do
    cat >"$work/n$i.conf" <<EOF
server_name: n$i
listen: 127.0.0.1:${client_ports[$i]}
jetstream { store_dir: "$work/n$i" }
cluster { name: bench, listen: 127.0.0.1:${route_ports[$i]}, routes: [${routes//,/, }] }
EOF
    "$NATS_SERVER" -c "$work/n$i.conf" >"$work/n$i.log" 2>&1 &
    pids+=($!); nats_pids+=($!)
done
seeds=$(printf 'nats://127.0.0.1:%s,' "${client_ports[@]}"); seeds=${seeds%,}

# JetStream API calls over the plain NATS protocol (no nats CLI on Debian 12): prints the reply.
jsapi() { # subject json
    python3 - "${client_ports[0]}" "$1" "$2" <<'EOF'
import socket, sys, time
port, subject, payload = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
s = socket.create_connection(("127.0.0.1", port), timeout=10)
f = s.makefile("rb")
f.readline()  # INFO
s.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nSUB _INBOX.bench 1\r\n')
s.sendall(b"PUB %s _INBOX.bench %d\r\n%s\r\n" % (subject.encode(), len(payload), payload))
while True:
    line = f.readline()
    if not line:
        sys.exit("connection closed")
    if line.startswith(b"PING"):
        s.sendall(b"PONG\r\n")
    elif line.startswith(b"MSG"):
        size = int(line.split()[-1])
        print(f.read(size + 2)[:-2].decode())
        break
EOF
}
create_stream() { # name subject replicas: until the cluster can place it (a meta leader, its peers)
    local reply
    for _ in $(seq 1 100); do
        reply=$(jsapi "\$JS.API.STREAM.CREATE.$1" \
            "{\"name\":\"$1\",\"subjects\":[\"$2\"],\"storage\":\"file\",\"num_replicas\":$3,\"duplicate_window\":120000000000}" \
            2>/dev/null || true)
        grep -q '"config"' <<<"$reply" && return 0
        sleep 0.2
    done
    echo "cannot create stream $1: $reply" >&2; exit 1
}
stream_messages() { jsapi "\$JS.API.STREAM.INFO.$1" '' | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"]["messages"])'; }
create_stream R1 'r1.>' 1
create_stream R3 'r3.>' 3

# ---- The ackhook instances ---------------------------------------------------------------------
declare -A port pid admin
start_ackhook() { # variant subject-prefix nats-url extra-flags...
    local variant=$1 prefix=$2 url=$3; shift 3
    port[$variant]=$(free_port); admin[$variant]=$(free_port)
    cat >"$work/$variant.toml" <<EOF
[stream]
name = "$(tr a-z A-Z <<<"$prefix")"
subjects = ["$prefix.>"]

[[endpoint]]
path = "/webhook"
subject = "$prefix.webhook"
EOF
    "${BIN:-$ACKHOOK}" --headless --config "$work/$variant.toml" --listen "127.0.0.1:${port[$variant]}" --nats-url "$url" \
        --no-fault-proxy --data-dir "$work/data-$variant" --max-inflight 65536 --admin-listen "127.0.0.1:${admin[$variant]}" "$@" \
        >"$work/$variant.log" 2>&1 &
    pid[$variant]=$!
    pids+=($!)
    wait_http "http://127.0.0.1:${port[$variant]}/health" ||
        { echo "ackhook ($variant) never answered; its log:" >&2; cat "$work/$variant.log" >&2; exit 1; }
}
start_ackhook r1 r1 "$seeds"
start_ackhook r3 r3 "$seeds"
for v in r1 r3; do
    wait_http "http://127.0.0.1:${port[$v]}/webhook" -d '{}' -H "X-Event-Id: warmup-$v" ||
        { echo "ackhook ($v) never answered 200; its log:" >&2; cat "$work/$v.log" >&2; exit 1; }
done
# No NATS behind it: the switch must not need one (port 9 is discard, nothing listens there).
[ -x "$CEILING" ] || { echo "no $CEILING: configure with -DACKHOOK_BENCH_CEILING=ON (no ceiling)" >&2; exit 1; }
ACKHOOK_BENCH_NO_NATS=1 BIN=$CEILING start_ackhook ceiling ceiling nats://127.0.0.1:9
grep -q '"stream":"bench-no-nats"' <<<"$(curl -s -d '{}' -H 'X-Event-Id: probe' "http://127.0.0.1:${port[ceiling]}/webhook")" ||
    { echo "$CEILING did not answer as the ceiling" >&2; exit 1; }

machine_line
echo "kernel $(uname -r); ackhook $("$ACKHOOK" --version | head -1 | cut -d' ' -f2) ${ACKHOOK_BIN:-at $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+dirty')}; nats-server $("$NATS_SERVER" --version | head -1 | cut -d' ' -f2) x3 (cluster on loopback); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk -t2, $DURATION s per run, $ROUNDS rounds, variants interleaved"
echo
printf '%-8s %-5s %-5s %9s %9s %9s %8s %10s %10s %9s %9s\n' variant conns round req/s p50-ms p99-ms non2xx cpu-us/req nats-us/req 200s stored
run_wrk() { # variant conns round
    local variant=$1 conns=$2 round=$3 stream
    stream=$(tr a-z A-Z <<<"$variant")
    local before_cpu before_nats before_msgs=0 out
    before_cpu=$(cpu_ticks "${pid[$variant]}"); before_nats=$(cpu_ticks "${nats_pids[@]}")
    [ "$variant" = ceiling ] || before_msgs=$(stream_messages "$stream")
    out=$(ACKHOOK_BENCH_RUN="$variant-c$conns-r$round-$$" wrk -t2 -c"$conns" -d"${DURATION}s" --latency \
        -s bench/ingest.lua "http://127.0.0.1:${port[$variant]}/webhook")
    local cpu=$(( $(cpu_ticks "${pid[$variant]}") - before_cpu )) nats_cpu=$(( $(cpu_ticks "${nats_pids[@]}") - before_nats ))
    local stored="-"
    [ "$variant" = ceiling ] || stored=$(( $(stream_messages "$stream") - before_msgs ))
    local total non2xx rate p50 p99
    total=$(awk '/requests in/ {print $1}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out"); non2xx=${non2xx:-0}
    rate=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out" | to_ms)
    p99=$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms)
    local per nats_per
    per=$(awk -v c="$cpu" -v n="$((total - non2xx))" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", n ? c*1e6/hz/n : 0}')
    nats_per=$(awk -v c="$nats_cpu" -v n="$((total - non2xx))" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", n ? c*1e6/hz/n : 0}')
    [ "$variant" = ceiling ] && nats_per="-"
    printf '%-8s %-5s %-5s %9s %9s %9s %8s %10s %10s %9s %9s\n' "$variant" "$conns" "$round" "$rate" "$p50" "$p99" \
        "$non2xx" "$per" "$nats_per" "$((total - non2xx))" "$stored" | tee -a "$raw"
}
for round in $(seq 1 "$ROUNDS"); do
    # Alternate the order from round to round, so no variant always runs right after the same one.
    if [ $((round % 2)) -eq 1 ]; then order5=(r1 r3); order64=(ceiling r1 r3); else order5=(r3 r1); order64=(r3 r1 ceiling); fi
    for v in "${order5[@]}"; do run_wrk "$v" 5 "$round"; done
    for v in "${order64[@]}"; do run_wrk "$v" 64 "$round"; done
done
med() { # variant conns column(4=req/s 5=p50 6=p99 8=cpu 9=nats cpu)
    awk -v v="$1" -v c="$2" -v k="$3" '$1==v && $2==c {print $k}' "$raw" | median
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b ? a/b : 0}'; }
echo
echo "medians of $ROUNDS interleaved runs (req/s; p50/p99 in ms; CPU per 200: the ackhook process, the three nats-servers together):"
for v in r1 r3; do
    printf '  %-3s  c5 %6s (p50 %6s p99 %7s)  c64 %6s (p50 %6s p99 %7s)  cpu/req c64 %6s us  nats cpu/req c64 %6s us\n' "$v" \
        "$(med "$v" 5 4)" "$(med "$v" 5 5)" "$(med "$v" 5 6)" "$(med "$v" 64 4)" "$(med "$v" 64 5)" "$(med "$v" 64 6)" \
        "$(med "$v" 64 8)" "$(med "$v" 64 9)"
done
printf '  ceiling                               c64 %6s (p50 %6s p99 %7s)  cpu/req c64 %6s us\n' "$(med ceiling 64 4)" \
    "$(med ceiling 64 5)" "$(med ceiling 64 6)" "$(med ceiling 64 8)"
echo
echo "ratios: R3/R1 req/s c5 $(ratio "$(med r3 5 4)" "$(med r1 5 4)"), c64 $(ratio "$(med r3 64 4)" "$(med r1 64 4)"); R1/ceiling c64 $(ratio "$(med r1 64 4)" "$(med ceiling 64 4)"); R3/ceiling c64 $(ratio "$(med r3 64 4)" "$(med ceiling 64 4)")"
echo "       R3/R1 nats-server CPU per 200 at c64: $(ratio "$(med r3 64 9)" "$(med r1 64 9)")"
node_of() { # an ackhook variant: the node its NATS connection is on (by client port)
    local url i
    url=$(curl -sf "http://127.0.0.1:${admin[$1]}/api/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["nats"].get("cluster",{}).get("connected_url",""))')
    for i in 0 1 2; do [ "$url" = "nats://127.0.0.1:${client_ports[$i]}" ] && { echo "n$i"; return; }; done
    echo "? ($url)"
}
echo "ackhook r1 connected to $(node_of r1), r3 to $(node_of r3) (a publish to a stream led elsewhere takes one route hop more)"
echo "R1 stream placed on $(jsapi '$JS.API.STREAM.INFO.R1' '' | python3 -c 'import json,sys; print(json.load(sys.stdin)["cluster"].get("leader","?"))'); R3 leader $(jsapi '$JS.API.STREAM.INFO.R3' '' | python3 -c 'import json,sys; print(json.load(sys.stdin)["cluster"].get("leader","?"))')"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

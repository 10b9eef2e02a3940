#!/usr/bin/env bash
# Every figure of the ingest targets (issue #18) in one run, each against its ceiling and its
# baseline measured in the same run, with the wrk runs of the variants interleaved: ratios hold on
# a noisy machine, absolute numbers drift. Not a test: it asserts nothing, it prints.
#   bench/targets.sh [seconds per wrk run, default 10] [rounds, default 3]
# Environment: TOTAL=1000000 (requests of the RSS run; 0 skips it), GUI=1 (0 skips the window run),
#   PNG=docs/benchmarks-targets.png (chart of the medians; empty: none), RESULTS=FILE (keep the raw table),
#   REFERENCE=path/to/an/older/ackhook (adds it as variant "reference" to the c5 and c64 rotation: before/after),
#   REFERENCE_FLAGS="--fault-proxy" (flags for it only).
#   ACKHOOK_BIN=path (the ackhook to measure; default build/release/app/ackhook),
#   CEILING_BIN=path (the ceiling's program; default ackhook-bench next to ACKHOOK_BIN).
#
# Variants, all behind one nats-server (JetStream, file storage), 1 KiB bodies, unique X-Event-Id:
#   ackhook   release build, --headless, through its fault proxy in mode off (the default)
#   direct    the same with --no-fault-proxy (the proxy's cost)
#   ceiling   the same program answering 200 without NATS: ackhook-bench (built with the CMake option
#             ACKHOOK_BENCH_CEILING=ON, as ./dev bench-targets does) with ACKHOOK_BENCH_NO_NATS=1; the
#             shipped ackhook ignores the variable. Without ackhook-bench: GET /health on ackhook
#   threaded  direct with ACKHOOK_NATS_EVENT_LOOP=0: cnats' own reader and ack delivery threads, the
#             path TLS connections use (the default before issue #24: the before/after). THREADED=0 skips it
#   baseline  bench/baseline/syncgateway.cpp: thread per connection, one synchronous js_Publish each
#   go        bench/baseline/gogateway: Go net/http + nats.go, one js.Publish(subject, body, nats.MsgId(id))
#             per request in its handler, 200 after the PubAck (the gateway a user would write instead);
#             built here offline from Debian's golang-go and golang-github-nats-io-go-nats-dev
#             (GOPATH mode, GO111MODULE=off); skipped with a note when Go is not installed
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
DURATION=${1:-10}
ROUNDS=${2:-3}
TOTAL=${TOTAL:-1000000}
GUI=${GUI:-1}
PNG=${PNG-docs/benchmarks-targets.png}
ACKHOOK=${ACKHOOK_BIN:-build/release/app/ackhook}
CEILING=${CEILING_BIN:-$(dirname "$ACKHOOK")/ackhook-bench}
[ -x "$CEILING" ] || CEILING=$ACKHOOK # no ceiling switch there: /health below
BASELINE=build/release/bench/syncgateway
GOGATEWAY=build/release/bench/gogateway
[ -x "$ACKHOOK" ] || { echo "build first: ./dev bench-targets (or cmake --preset release && cmake --build --preset release)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk missing: apt-get install wrk" >&2; exit 2; }
NATS_SERVER=$(command -v nats-server || echo /usr/sbin/nats-server)
if [ ! -x "$BASELINE" ] || [ bench/baseline/syncgateway.cpp -nt "$BASELINE" ]; then
    mkdir -p "$(dirname "$BASELINE")"
    nice g++ -O2 -std=c++20 -o "$BASELINE" bench/baseline/syncgateway.cpp -lnats -lpthread
fi
goworld=()
if command -v go >/dev/null && [ -d /usr/share/gocode/src/github.com/nats-io/nats.go ]; then
    if [ ! -x "$GOGATEWAY" ] || [ bench/baseline/gogateway/main.go -nt "$GOGATEWAY" ]; then
        gocache=$(mktemp -d)
        GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=$gocache nice go build -o "$GOGATEWAY" ./bench/baseline/gogateway
        rm -rf "$gocache"
    fi
    goworld=(go)
else
    echo "no Go baseline: apt-get install golang-go golang-github-nats-io-go-nats-dev (./dev bench-targets does)" >&2
fi

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
start_nats() { # name port: a nats-server with JetStream on $work/js-name, monitor on port+1 is not assumed
    "$NATS_SERVER" -a 127.0.0.1 -p "$2" -js -sd "$work/js-$1" >>"$work/nats-$1.log" 2>&1 &
    echo $!
}
stream_messages() {
    curl -sf "http://127.0.0.1:$monitor_port/jsz?streams=true" |
        python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(s["state"]["messages"] for a in d.get("account_details",[]) for s in a.get("stream_detail",[]) if s["name"]=="EVENTS"))'
}

nats_port=$(free_port); monitor_port=$(free_port)
"$NATS_SERVER" -a 127.0.0.1 -p "$nats_port" -m "$monitor_port" -js -sd "$work/js" >"$work/nats.log" 2>&1 &
pids+=($!)
nats_pid=$!

declare -A port pid admin
# A run stores a few GiB: the stream's default bound (1 GiB, oldest dropped) would drop events while
# they are counted and make the "stored" column meaningless.
printf '[stream]\nmax_bytes = "16GiB"\n' >"$work/bench.toml"
start_ackhook() { # variant nats-url extra-flags...
    local variant=$1 url=$2; shift 2
    port[$variant]=$(free_port); admin[$variant]=$(free_port)
    "${BIN:-$ACKHOOK}" --headless --listen "127.0.0.1:${port[$variant]}" --nats-url "$url" --config "$work/bench.toml" \
        --data-dir "$work/data-$variant" --max-inflight 65536 --admin-listen "127.0.0.1:${admin[$variant]}" "$@" \
        >"$work/$variant.log" 2>&1 &
    pid[$variant]=$!
    pids+=($!)
    wait_http "http://127.0.0.1:${port[$variant]}/health" ||
        { echo "ackhook ($variant) never answered; its log:" >&2; cat "$work/$variant.log" >&2; exit 1; }
}
start_ackhook ackhook "nats://127.0.0.1:$nats_port" --fault-proxy # headless + external NATS: off unless asked
wait_http "http://127.0.0.1:${port[ackhook]}/webhook" -d '{}' -H 'X-Event-Id: warmup' ||
    { echo "ackhook never answered 200; its log:" >&2; cat "$work/ackhook.log" >&2; exit 1; }
start_ackhook direct "nats://127.0.0.1:$nats_port" --no-fault-proxy
reference=()
threadedvariant=()
if [ "${THREADED:-1}" = 1 ]; then
    ACKHOOK_NATS_EVENT_LOOP=0 start_ackhook threaded "nats://127.0.0.1:$nats_port" --no-fault-proxy
    wait_http "http://127.0.0.1:${port[threaded]}/webhook" -d '{}' -H 'X-Event-Id: warmup-threaded' ||
        { echo "ackhook (threaded) never answered 200; its log:" >&2; cat "$work/threaded.log" >&2; exit 1; }
    threadedvariant=(threaded)
fi
if [ -n "${REFERENCE:-}" ]; then
    # shellcheck disable=SC2086 # REFERENCE_FLAGS: several flags, e.g. --fault-proxy for an older build
    BIN=$REFERENCE start_ackhook reference "nats://127.0.0.1:$nats_port" ${REFERENCE_FLAGS:-}
    reference=(reference)
fi
# No NATS behind it: the switch must not need one (port 9 is discard, nothing listens there).
ACKHOOK_BENCH_NO_NATS=1 BIN=$CEILING start_ackhook ceiling nats://127.0.0.1:9 --no-fault-proxy
ceiling_answer=$(curl -s -d '{}' -H 'X-Event-Id: probe' "http://127.0.0.1:${port[ceiling]}/webhook" || true)
if grep -q '"stream":"bench-no-nats"' <<<"$ceiling_answer"; then
    ceiling_kind="POST /webhook answered without NATS (ackhook-bench, ACKHOOK_BENCH_NO_NATS=1)"
    ceiling_url="http://127.0.0.1:${port[ceiling]}/webhook"; ceiling_script=(-s bench/ingest.lua)
else
    ceiling_kind="GET /health (no ackhook-bench: configure with -DACKHOOK_BENCH_CEILING=ON)"
    ceiling_url="http://127.0.0.1:${port[ceiling]}/health"; ceiling_script=()
fi
port[baseline]=$(free_port)
"$BASELINE" "${port[baseline]}" "nats://127.0.0.1:$nats_port" >"$work/baseline.log" 2>&1 &
pid[baseline]=$!
pids+=($!)
wait_http "http://127.0.0.1:${port[baseline]}/webhook" -d '{}' -H 'X-Event-Id: warmup-baseline' ||
    { echo "baseline never answered 200:" >&2; cat "$work/baseline.log" >&2; exit 1; }

if [ ${#goworld[@]} -gt 0 ]; then
    port[go]=$(free_port)
    "$GOGATEWAY" "${port[go]}" "nats://127.0.0.1:$nats_port" >"$work/go.log" 2>&1 &
    pid[go]=$!
    pids+=($!)
    wait_http "http://127.0.0.1:${port[go]}/webhook" -d '{}' -H 'X-Event-Id: warmup-go' ||
        { echo "Go baseline never answered 200:" >&2; cat "$work/go.log" >&2; exit 1; }
fi

machine_line
echo "kernel $(uname -r); ackhook $("$ACKHOOK" --version | head -1 | cut -d' ' -f2) ${ACKHOOK_BIN:-at $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+dirty')}; nats-server $("$NATS_SERVER" --version | head -1 | cut -d' ' -f2); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk -t2, $DURATION s per run, $ROUNDS rounds, variants interleaved; ceiling: $ceiling_kind"
echo
printf '%-9s %-5s %-5s %9s %9s %9s %8s %10s %10s %9s %9s\n' variant conns round req/s p50-ms p99-ms non2xx cpu-us/req nats-us/req 200s stored
run_wrk() { # variant conns round
    local variant=$1 conns=$2 round=$3 url script=(-s bench/ingest.lua)
    url="http://127.0.0.1:${port[$variant]}/webhook"
    if [ "$variant" = ceiling ]; then url=$ceiling_url; script=("${ceiling_script[@]}"); fi
    local before_cpu before_msgs out
    before_cpu=$(cpu_ticks "${pid[$variant]}"); local before_nats; before_nats=$(cpu_ticks "$nats_pid")
    before_msgs=$(stream_messages)
    out=$(ACKHOOK_BENCH_RUN="$variant-c$conns-r$round-$$" wrk -t2 -c"$conns" -d"${DURATION}s" --latency \
        "${script[@]}" "$url")
    local cpu=$(( $(cpu_ticks "${pid[$variant]}") - before_cpu )) stored=$(( $(stream_messages) - before_msgs ))
    local nats_cpu=$(( $(cpu_ticks "$nats_pid") - before_nats ))
    local total non2xx rate p50 p99
    total=$(awk '/requests in/ {print $1}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out"); non2xx=${non2xx:-0}
    rate=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out" | to_ms)
    p99=$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms)
    local per=$(awk -v c="$cpu" -v n="$((total - non2xx))" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", n ? c*1e6/hz/n : 0}')
    local nats_per=$(awk -v c="$nats_cpu" -v n="$((total - non2xx))" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", n ? c*1e6/hz/n : 0}')
    [ "$variant" = ceiling ] && stored="-"
    printf '%-9s %-5s %-5s %9s %9s %9s %8s %10s %10s %9s %9s\n' "$variant" "$conns" "$round" "$rate" "$p50" "$p99" \
        "$non2xx" "$per" "$nats_per" "$((total - non2xx))" "$stored" | tee -a "$raw"
}
for round in $(seq 1 "$ROUNDS"); do
    # Alternate the order from round to round, so no variant always runs right after the same one.
    if [ $((round % 2)) -eq 1 ]; then order5=(ackhook direct "${threadedvariant[@]}" baseline "${goworld[@]}" "${reference[@]}"); order64=(ceiling ackhook direct "${threadedvariant[@]}" baseline "${goworld[@]}" "${reference[@]}")
    else order5=("${reference[@]}" "${goworld[@]}" baseline "${threadedvariant[@]}" direct ackhook); order64=("${reference[@]}" "${goworld[@]}" baseline "${threadedvariant[@]}" direct ackhook ceiling); fi
    for v in "${order5[@]}"; do run_wrk "$v" 5 "$round"; done
    for v in "${order64[@]}"; do run_wrk "$v" 64 "$round"; done
done
med() { # variant conns column(4=req/s 5=p50 6=p99 8=cpu)
    awk -v v="$1" -v c="$2" -v k="$3" '$1==v && $2==c {print $k}' "$raw" | median
}
for v in ackhook direct ceiling baseline "${threadedvariant[@]}" "${goworld[@]}" "${reference[@]}"; do kill "${pid[$v]}" 2>/dev/null || true; done

# ---- NATS really down: time to 500, then time to the first 200 once nats-server is back --------
outage_port=$(free_port)
outage_nats=$(start_nats outage "$outage_port"); pids+=("$outage_nats")
sleep 0.5
port[outage]=$(free_port); admin[outage]=$(free_port)
"$ACKHOOK" --headless --listen "127.0.0.1:${port[outage]}" --nats-url "nats://127.0.0.1:$outage_port" \
    --data-dir "$work/data-outage" --max-inflight 65536 --admin-listen "127.0.0.1:${admin[outage]}" \
    >"$work/outage.log" 2>&1 &
pid[outage]=$!; pids+=($!)
wait_http "http://127.0.0.1:${port[outage]}/webhook" -d '{}' -H 'X-Event-Id: warmup-outage' ||
    { echo "ackhook (outage) never answered 200:" >&2; cat "$work/outage.log" >&2; exit 1; }
echo
printf '%-7s %-5s %9s %9s %9s %9s %14s %14s\n' outage round '500/s' p50-ms p99-ms 'p99-ms(c64)' 'first200-ms' 'from-launch-ms'
fivehundreds=(); p99s5=(); p99s64=(); backs=(); launches=()
for round in $(seq 1 "$ROUNDS"); do
    kill -9 "$outage_nats"; wait "$outage_nats" 2>/dev/null || true
    sleep 1.5 # the client notices at once (the socket closes); give it its reconnect loop
    out5=$(ACKHOOK_BENCH_RUN="outage5-r$round-$$" wrk -t2 -c5 -d5s --latency -s bench/ingest.lua "http://127.0.0.1:${port[outage]}/webhook")
    out64=$(ACKHOOK_BENCH_RUN="outage64-r$round-$$" wrk -t2 -c64 -d5s --latency -s bench/ingest.lua "http://127.0.0.1:${port[outage]}/webhook")
    rate=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out5")
    non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out5"); total=$(awk '/requests in/ {print $1}' <<<"$out5")
    [ "${non2xx:-0}" = "$total" ] || echo "round $round: not every answer was a 500 while NATS was down ($non2xx of $total)"
    p50=$(awk '$1=="50%" {print $2}' <<<"$out5" | to_ms); p99=$(awk '$1=="99%" {print $2}' <<<"$out5" | to_ms)
    p99b=$(awk '$1=="99%" {print $2}' <<<"$out64" | to_ms)
    # Back: launch nats-server on the same port and store, note when its port accepts, poll for a 200.
    read -r launch back <<<"$(python3 - "$NATS_SERVER" "$outage_port" "$work/js-outage" "${port[outage]}" "$work/nats-outage.log" <<'EOF'
import http.client, socket, subprocess, sys, time
server, nport, store, hport, log = sys.argv[1:]
t0 = time.monotonic()
proc = subprocess.Popen([server, "-a", "127.0.0.1", "-p", nport, "-js", "-sd", store],
                        stdout=open(log, "a"), stderr=subprocess.STDOUT, start_new_session=True)
up = None
first = None
i = 0
while time.monotonic() - t0 < 15:
    if up is None:
        try:
            socket.create_connection(("127.0.0.1", int(nport)), timeout=0.05).close()
            up = time.monotonic()
        except OSError:
            pass
    c = http.client.HTTPConnection("127.0.0.1", int(hport), timeout=2)
    i += 1
    c.request("POST", "/webhook", body=b"{}", headers={"X-Event-Id": "back-%d-%d" % (proc.pid, i)})
    status = c.getresponse().status
    c.close()
    if status == 200 and up is not None:
        first = time.monotonic()
        break
    time.sleep(0.005)
print(proc.pid, file=open(log + ".pid", "w"))
if first is None:
    print("timeout timeout")
else:
    print("%.0f %.0f" % ((first - t0) * 1000, (first - up) * 1000))
EOF
)"
    outage_nats=$(cat "$work/nats-outage.log.pid"); pids+=("$outage_nats")
    printf '%-7s %-5s %9s %9s %9s %9s %14s %14s\n' down "$round" "$rate" "$p50" "$p99" "$p99b" "$back" "$launch"
    fivehundreds+=("$rate"); p99s5+=("$p99"); p99s64+=("$p99b"); backs+=("$back"); launches+=("$launch")
    sleep 1
done
kill "${pid[outage]}" "$outage_nats" 2>/dev/null || true

# ---- RSS over TOTAL requests, headless ---------------------------------------------------------
rss_line="skipped (TOTAL=0)"
if [ "$TOTAL" -gt 0 ]; then
    start_ackhook rss "nats://127.0.0.1:$nats_port"
    rss_mib() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/${pid[rss]}/status"; }
    echo
    printf '%-4s %10s %9s %9s\n' seg requests req/s rss-MiB
    printf '%-4s %10s %9s %9s\n' 0 0 - "$(rss_mib)"
    done_requests=0; segment=0; rss_samples=(); started=$SECONDS
    # Bounded by count and by time (TOTAL at 2,000 req/s at worst).
    while [ "$done_requests" -lt "$TOTAL" ] && [ $((SECONDS - started)) -lt $((TOTAL / 2000 + 60)) ]; do
        segment=$((segment + 1))
        out=$(ACKHOOK_BENCH_RUN="rss-$segment-$$" wrk -t2 -c64 -d10s -s bench/ingest.lua "http://127.0.0.1:${port[rss]}/webhook")
        done_requests=$((done_requests + $(awk '/requests in/ {print $1}' <<<"$out")))
        rss_samples+=("$(rss_mib)")
        printf '%-4s %10s %9s %9s\n' "$segment" "$done_requests" "$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")" "${rss_samples[-1]}"
    done
    rss_first=${rss_samples[0]}; rss_last=${rss_samples[-1]}
    rss_max=$(printf '%s\n' "${rss_samples[@]}" | sort -n | tail -1)
    rss_line="$done_requests requests: after the first segment $rss_first MiB, at the end $rss_last MiB, max $rss_max MiB"
    kill "${pid[rss]}" 2>/dev/null || true
fi

# ---- The window against headless (bench/gui.sh, its own processes) -----------------------------
gui_rate="skipped (GUI=0)"; gui_lag="skipped"
if [ "$GUI" = 1 ]; then
    echo
    # (Not tee /dev/stderr: when stdout and stderr are one file, reopening it truncates what is above.)
    bench/gui.sh "$DURATION" "$ROUNDS" 2>&1 | grep -v '^[[:space:]]*$' >"$work/gui.out" || true
    cat "$work/gui.out"
    gui_out=$(cat "$work/gui.out")
    gui_rate=$(sed -n 's/^median req\/s: //p' <<<"$gui_out")
    gui_lag=$(sed -n 's/^GUI lag: //p' <<<"$gui_out")
    gui_ratio=$(sed -n 's/.*(\([0-9.]*\) % of headless).*/\1/p' <<<"$gui_out")
    gui_p99=$(sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' <<<"$gui_out")
fi

# ---- Summary ------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b ? a/b : 0}'; }
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {ok = (op == ">=") ? v >= t : v <= t; print ok ? "met" : "NOT met"}'; }
a64=$(med ackhook 64 4); a5=$(med ackhook 5 4); b64=$(med baseline 64 4); b5=$(med baseline 5 4)
c64=$(med ceiling 64 4); d64=$(med direct 64 4)
acpu=$(med ackhook 64 8); bcpu=$(med baseline 64 8); acpu5=$(med ackhook 5 8); bcpu5=$(med baseline 5 8)
ncpu=$(med ackhook 64 9); nbcpu=$(med baseline 64 9)
ap99=$(med ackhook 64 6); bp99=$(med baseline 64 6)
p99_500=$(printf '%s\n' "${p99s5[@]}" | median); p99_500b=$(printf '%s\n' "${p99s64[@]}" | median)
back=$(printf '%s\n' "${backs[@]}" | median)
proxy_cost=$(awk -v d="$d64" -v a="$a64" 'BEGIN {printf "%.1f", (d-a)*100/d}')
echo
echo "medians of $ROUNDS interleaved runs (req/s; p99 in ms; CPU = user+sys of the gateway process per 200):"
printf '  ackhook   c5 %6s  c64 %6s  p99(c64) %7s  cpu/req c5 %6s us  c64 %6s us\n' "$a5" "$a64" "$ap99" "$acpu5" "$acpu"
printf '  baseline  c5 %6s  c64 %6s  p99(c64) %7s  cpu/req c5 %6s us  c64 %6s us\n' "$b5" "$b64" "$bp99" "$bcpu5" "$bcpu"
printf '  direct    c5 %6s  c64 %6s  p99(c64) %7s  cpu/req c5 %6s us  c64 %6s us   (--no-fault-proxy)\n' "$(med direct 5 4)" "$d64" \
    "$(med direct 64 6)" "$(med direct 5 8)" "$(med direct 64 8)"
printf '  ceiling       c64 %6s  p99(c64) %7s  cpu/req c64 %6s us   (%s)\n' "$c64" "$(med ceiling 64 6)" "$(med ceiling 64 8)" "$ceiling_kind"
printf '  nats-server CPU per acked request at c64: behind ackhook %s us, behind the baseline %s us\n' "$ncpu" "$nbcpu"
if [ ${#goworld[@]} -gt 0 ]; then
    g64=$(med go 64 4); g5=$(med go 5 4); gcpu=$(med go 64 8); gp99=$(med go 64 6)
    printf '  go        c5 %6s  c64 %6s  p99(c64) %7s  cpu/req c5 %6s us  c64 %6s us   (net/http + nats.go)\n' "$g5" "$g64" \
        "$gp99" "$(med go 5 8)" "$gcpu"
    printf '  nats-server CPU per acked request at c64 behind the Go baseline: %s us\n' "$(med go 64 9)"
fi
if [ -n "${REFERENCE:-}" ]; then
    printf '  reference c5 %6s  c64 %6s  p99(c64) %7s  cpu/req c5 %6s us  c64 %6s us   (%s)\n' "$(med reference 5 4)" \
        "$(med reference 64 4)" "$(med reference 64 6)" "$(med reference 5 8)" "$(med reference 64 8)" "$REFERENCE"
    printf '  ackhook / reference: req/s c5 %s, c64 %s; cpu/req c5 %s, c64 %s\n' "$(ratio "$a5" "$(med reference 5 4)")" \
        "$(ratio "$a64" "$(med reference 64 4)")" "$(ratio "$acpu5" "$(med reference 5 8)")" "$(ratio "$acpu" "$(med reference 64 8)")"
fi
echo
printf '%-58s %-9s %-16s %s\n' figure target measured verdict
line() { printf '%-58s %-9s %-16s %s\n' "$1" "$2 $3" "$4" "$(verdict "$4" "$2" "$3")"; }
line "acked req/s c64 / HTTP ceiling" ">=" 0.65 "$(ratio "$a64" "$c64")"
line "acked req/s c5 / baseline" ">=" 1.4 "$(ratio "$a5" "$b5")"
line "acked req/s c64 / baseline" ">=" 1.4 "$(ratio "$a64" "$b64")"
line "CPU per acked request c64 / baseline's" "<=" 0.6 "$(ratio "$acpu" "$bcpu")"
line "p99 c64 / baseline's p99" "<=" 0.5 "$(ratio "$ap99" "$bp99")"
line "time to 500 with NATS down, p99 ms (c5)" "<=" 2 "$p99_500"
printf '%-58s %-9s %-16s %s\n' "  (the same at c64, queueing included)" "" "$p99_500b" "info"
line "time to first 200 after nats-server is back, ms" "<=" 1000 "$back"
if [ ${#goworld[@]} -gt 0 ]; then
    # Issue #24 compares ackhook --headless as it runs against an external NATS: no fault proxy (direct).
    dd5=$(med direct 5 4); dcpu=$(med direct 64 8); dp99=$(med direct 64 6); dn=$(med direct 64 9)
    line "direct req/s c5 / Go baseline (issue #24)" ">=" 1.2 "$(ratio "$dd5" "$g5")"
    line "direct req/s c64 / Go baseline (issue #24)" ">=" 1.2 "$(ratio "$d64" "$g64")"
    line "direct CPU per acked request c64 / Go's" "<=" 0.8 "$(ratio "$dcpu" "$gcpu")"
    line "nats-server CPU/req c64 behind direct / behind Go" "<=" 1 "$(ratio "$dn" "$(med go 64 9)")"
    line "direct p99 c64 / Go baseline's p99" "<=" 1 "$(ratio "$dp99" "$gp99")"
    line "direct req/s c64 / HTTP ceiling (issue #24)" ">=" 0.75 "$(ratio "$d64" "$c64")"
    if [ ${#threadedvariant[@]} -gt 0 ]; then
        t64=$(med threaded 64 4)
        printf '  threaded  c5 %6s  c64 %6s  p99(c64) %7s  cpu/req c5 %6s us  c64 %6s us   (ACKHOOK_NATS_EVENT_LOOP=0, no proxy)\n' \
            "$(med threaded 5 4)" "$t64" "$(med threaded 64 6)" "$(med threaded 5 8)" "$(med threaded 64 8)"
        printf '  direct (event loop) / threaded: req/s c64 %s, cpu/req c64 %s\n' "$(ratio "$d64" "$t64")" \
            "$(ratio "$dcpu" "$(med threaded 64 8)")"
    fi
fi
line "fault proxy off: throughput cost, % (direct vs proxy)" "<=" 2 "$proxy_cost"
if [ "$GUI" = 1 ]; then
    line "window / headless throughput, %" ">=" 90 "$gui_ratio"
    line "GUI event-loop lag p99 at c64, ms" "<=" 16 "$gui_p99"
fi
echo "RSS, headless: $rss_line (target: flat, <= 80 MB)"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ -n "$PNG" ] && command -v gnuplot >/dev/null; then
    cat >"$work/chart.dat" <<EOF
"ackhook c5" $a5
"direct c5" $(med direct 5 4)
"baseline c5" $b5
"ackhook c64" $a64
"direct c64" $d64
"baseline c64" $b64
"ceiling c64" $c64
EOF
    [ -z "${REFERENCE:-}" ] || printf '"reference c5" %s\n"reference c64" %s\n' "$(med reference 5 4)" "$(med reference 64 4)" >>"$work/chart.dat"
    gnuplot <<EOF
set terminal pngcairo size 1100,440 font "DejaVu Sans,10"
set output "$PNG"
set title "req/s (200s stored in JetStream; ceiling: 200 without NATS), medians of $ROUNDS interleaved runs ($(git rev-parse --short HEAD 2>/dev/null), $(date -u +%F))"
set style fill solid 0.8 border -1
set boxwidth 0.6
set yrange [0:*]
set grid ytics
unset key
plot "$work/chart.dat" using 0:2:xtic(1) with boxes lc rgb "#3b7dd8", "" using 0:2:(sprintf("%d",\$2)) with labels offset 0,0.7
EOF
    echo "chart: $PNG"
fi

# Shared helpers of the bench/ scripts (sourced, not run).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
machine_line() {
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB"
}

# A wrk latency ("850.12us", "1.20ms", "2.00s") in milliseconds.
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; printf "%.3f", v}'; }
# CPU time (user + system, clock ticks) of the given PIDs together.
cpu_ticks() { local sum=0 p; for p in "$@"; do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $sum; }
# One nats-server with JetStream in $work/js. Sets nats_port and nats_pid; adds the PID to pids.
start_nats() {
    nats_port=$(free_port)
    "$NATS_SERVER" -a 127.0.0.1 -p "$nats_port" -js -sd "$work/js" >"$work/nats.log" 2>&1 &
    nats_pid=$!
    pids+=($!)
}
# Posts one event to URL until it is answered 2xx (at most 10 s): the gateway is up and warm.
warm_up() { # url id
    for _ in $(seq 1 100); do
        curl -sf -o /dev/null -d '{}' -H "X-Event-Id: $2" "$1" && return 0
        sleep 0.1
    done
}
# One nats-server (start_nats) and ackhook --headless in front of it, warmed up with one event.
# Sets nats_port, http_port and ackhook (its PID); adds both PIDs to pids. Reads NATS_SERVER,
# ACKHOOK, EXTRA_ENV and work; its arguments are more ackhook flags.
start_gateway() {
    start_nats
    http_port=$(free_port)
    env "${EXTRA_ENV[@]}" "$ACKHOOK" --headless --listen "127.0.0.1:$http_port" --nats-url "nats://127.0.0.1:$nats_port" \
        --data-dir "$work/data" --max-inflight 65536 --admin-listen 127.0.0.1:0 "$@" >"$work/ackhook.log" 2>&1 &
    ackhook=$!
    pids+=($!)
    warm_up "http://127.0.0.1:$http_port/webhook" warmup
}

#!/usr/bin/env bash
# Start-up time of ackhook (an AppImage or an executable): seconds from exec until the first
# webhook is answered 200 by its embedded nats-server, headless, 5 runs, each with a fresh data
# directory; prints the runs sorted and the median.
#   packaging/tests/startup-time.sh ackhook-VERSION-x86_64.AppImage [--appimage-extract-and-run]
set -euo pipefail
program=${1:?usage: startup-time.sh APPIMAGE_OR_EXECUTABLE [runtime option]}
shift
free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
}
runs=()
for _ in 1 2 3 4 5; do
    data=$(mktemp -d)
    port=$(free_port); admin=$(free_port)
    start=$(date +%s%N)
    "$program" "$@" --headless --listen "127.0.0.1:$port" --admin-listen "127.0.0.1:$admin" --data-dir "$data" \
        >/dev/null 2>&1 &
    pid=$!
    until curl -sf -o /dev/null -d '{}' "127.0.0.1:$port/webhook"; do
        kill -0 "$pid" 2>/dev/null || { echo "startup-time: $program exited" >&2; exit 1; }
        sleep 0.02
    done
    end=$(date +%s%N)
    kill -TERM "$pid"; wait "$pid" || true
    rm -rf "$data"
    runs+=("$(( (end - start) / 1000000 ))")
done
sorted=($(printf '%s\n' "${runs[@]}" | sort -n))
echo "runs (ms): ${sorted[*]}; median $(printf '%d.%02d' $((sorted[2] / 1000)) $((sorted[2] % 1000 / 10))) s"

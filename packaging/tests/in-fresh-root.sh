#!/usr/bin/env bash
# Runs inside the fresh root of fresh-root.sh: the AppImage without Qt or nats-server on the
# system, headless and with the window (offscreen), extracted and through FUSE.
set -uo pipefail
appimage=$1
failures=0
passed=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; passed=$((passed + 1)); }

if ls /usr/lib/x86_64-linux-gnu/libQt6* >/dev/null 2>&1; then fail "Qt is installed in the fresh root"; fi
if command -v nats-server >/dev/null || [ -e /usr/sbin/nats-server ]; then fail "nats-server is installed"; fi

# A free loopback port (the root shares the host's network).
free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
}

# start NAME ENV... -- ARGS...: starts the AppImage in the background with its own ports and data
# directory, waits until its admin API answers.
start() {
    name=$1; shift
    local env=()
    while [ "$1" != -- ]; do env+=("$1"); shift; done; shift
    port=$(free_port); admin=$(free_port)
    data=$(mktemp -d)
    log=/tmp/$name.log
    env "${env[@]}" "$appimage" "$@" --listen "127.0.0.1:$port" --admin-listen "127.0.0.1:$admin" \
        --data-dir "$data" >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 1 150); do
        curl -sf "http://127.0.0.1:$admin/api/status" >/dev/null 2>&1 && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    fail "$name: no admin API within 30 s"; tail -20 "$log"
    return 1
}

webhook_200() {
    local answer
    answer=$(curl -s -w ' %{http_code}' -d '{"fresh":"root"}' -H "Idempotency-Key: $name" "http://127.0.0.1:$port/webhook")
    answer=$(printf '%s' "$answer" | tr -d '\n')
    case "$answer" in
    *'"seq":'*' 200') pass "$name: webhook answered 200 ($answer)" ;;
    *) fail "$name: webhook answer: $answer"; tail -20 "$log" ;;
    esac
}

stop_exit_0() {
    kill -TERM "$pid"
    local status=0
    timeout 20 tail --pid="$pid" -f /dev/null || { fail "$name: still running 20 s after SIGTERM"; kill -9 "$pid"; }
    wait "$pid"; status=$?
    [ "$status" -eq 0 ] && pass "$name: exit 0 on SIGTERM" || { fail "$name: exit $status on SIGTERM"; tail -20 "$log"; }
}

no_leftovers() {
    for _ in $(seq 1 50); do
        left=$(ls -d /tmp/appimage_extracted_* /tmp/.mount_appimage_* 2>/dev/null; grep -c ' fuse\.squashfuse ' /proc/mounts | grep -v '^0$')
        [ -z "$left" ] && { pass "$name: no temporary directory or mount left"; return; }
        sleep 0.1
    done
    fail "$name: left behind: $left"
}

chmod +x "$appimage"
echo "AppImage: $appimage ($(stat -c %s "$appimage") bytes); $("$appimage" --appimage-version)"

if start headless-extracted -- --appimage-extract-and-run --headless; then
    grep -q 'nats' "$log" || true
    pgrep -a nats-server | grep -q appimage_extracted_ && pass "$name: bundled nats-server runs" || fail "$name: no bundled nats-server: $(pgrep -a nats-server)"
    webhook_200; stop_exit_0; no_leftovers
fi

if start window-offscreen QT_QPA_PLATFORM=offscreen -- --appimage-extract-and-run; then
    sleep 3
    kill -0 "$pid" 2>/dev/null && pass "$name: the window is still up after 3 s" || fail "$name: the window exited"
    webhook_200; stop_exit_0; no_leftovers
fi

if [ -c /dev/fuse ]; then
    if start headless-fuse -- --headless; then
        grep -q ' fuse\.squashfuse ' /proc/mounts && pass "$name: runs from a FUSE mount" || echo "note: $name fell back to extraction: $(head -2 "$log")"
        webhook_200; stop_exit_0; no_leftovers
    fi
else
    echo "skip: no /dev/fuse in the fresh root: the FUSE start is tested on the host (ctest -L packaging)"
fi

echo "fresh root: $passed passed, $failures failed"
[ "$failures" -eq 0 ]

# shellcheck shell=bash
# Sourced by take.sh and demo.sh (from the repository's root, under an X server): starts openbox
# (when installed) and the real ackhook on a fresh data directory and configuration, and gives the
# scripts the few verbs they drive it with. Every process started here is stopped by stop_all (the
# scripts' EXIT trap); every wait is bounded.
#   ACKHOOK_BUILD   build directory holding app/ackhook (default build/release)
#   DARK=1          (for start_ackhook) a dark desktop palette: KDE's colours as Qt's own kde
#                   platform theme reads them from kdeglobals, the way a Plasma session hands them over

work=$(mktemp -d)
started=()
stop_all() {
    local p
    for p in "${started[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${started[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}

die() { echo "${0##*/}: $*" >&2; [ -f "$work/ackhook.log" ] && tail -20 "$work/ackhook.log" >&2; exit 1; }

# A free port below the kernel's ephemeral range, so neither ackhook's own fault proxy nor its
# nats-server (both bind port 0) can take it between this probe and ackhook's bind.
free_port() {
    python3 - "$@" <<'EOF'
import random, socket, sys
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
taken = set(int(a) for a in sys.argv[1:])
for _ in range(200):
    port = random.randrange(20000, max(low, 20001))
    if port in taken:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    sys.exit(0)
sys.exit("no free port")
EOF
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.1 s.
wait_until() {
    local seconds=$1 what=$2 i
    shift 2
    for ((i = 0; i < seconds * 10; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    die "timed out after ${seconds} s waiting for $what"
}

# status PYTHON_EXPRESSION: evaluates it on GET /api/status's JSON (as d) and prints the result.
status() {
    curl -sf -m 5 "http://127.0.0.1:$admin/api/status" |
        python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}
status_is() { [ "$(status "$1")" = "$2" ]; }
# answered N: N requests so far, none of them waiting for an answer.
answered() { status_is '(d["counters"]["requests"], d["counters"]["in_flight"])' "($1, 0)"; }
connected() { status_is 'd["connectivity"]' connected; }

# admin METHOD PATH JSON: a state change on the admin API (it wants Content-Type: application/json).
admin_call() {
    curl -sf -m 10 -o /dev/null -X "$1" -H 'Content-Type: application/json' -d "$3" \
        "http://127.0.0.1:$admin$2" || die "admin $1 $2 $3 failed"
}
outage() { admin_call PUT /api/outage "{\"mode\":\"$1\"}"; }

# send FIRST LAST [PAUSE]: one webhook per order number, PAUSE seconds apart (default 0.15).
send() {
    local i
    for i in $(seq "$1" "$2"); do
        curl -s -m 10 -o /dev/null -d "{\"order\":$i,\"total\":$((i * 7)).50}" -H "Idempotency-Key: order-$i" \
            -H 'Content-Type: application/json' -H 'Authorization: Bearer s3cret' \
            "http://127.0.0.1:$http/webhook"
        sleep "${3:-0.15}"
    done
}

# start_ackhook: openbox (maximising every window, so the monitor fills the 1366×768 screen under a
# title bar, as on a laptop), then ackhook on the failed-event queue tab (the window remembers the
# last tab), NATS connected and the window shown. Again after stop_ackhook: a fresh ackhook.
start_ackhook() {
    local binary="${ACKHOOK_BUILD:-build/release}/app/ackhook"
    [ -x "$binary" ] || die "no $binary (build it, or set ACKHOOK_BUILD)"
    rm -rf "$work/data" "$work/config/ackhook" "$work/config/kdeglobals"
    mkdir -p "$work/config/ackhook" "$work/config/openbox"
    printf '[window]\ntab=1\n' >"$work/config/ackhook/ackhook.conf"
    local theme=()
    if [ -n "${DARK:-}" ]; then
        cat >"$work/config/kdeglobals" <<'EOF'
[General]
ColorScheme=BreezeDark
[Colors:Window]
BackgroundNormal=43,43,43
ForegroundNormal=232,232,232
[Colors:View]
BackgroundNormal=30,30,30
BackgroundAlternate=38,38,38
ForegroundNormal=232,232,232
[Colors:Button]
BackgroundNormal=53,53,53
ForegroundNormal=232,232,232
[Colors:Selection]
BackgroundNormal=42,111,184
ForegroundNormal=255,255,255
[Colors:Tooltip]
BackgroundNormal=58,58,58
ForegroundNormal=232,232,232
[KDE]
widgetStyle=Fusion
EOF
        theme=(env QT_QPA_PLATFORMTHEME=kde KDE_SESSION_VERSION=5 KDE_FULL_SESSION=true)
    fi
    if [ -z "${openbox_started:-}" ] && command -v openbox >/dev/null; then
        openbox_started=1
        cat >"$work/config/openbox/rc.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<openbox_config xmlns="http://openbox.org/3.4/rc">
  <theme><name>Clearlooks</name><titleLayout>NLIMC</titleLayout></theme>
  <desktops><number>1</number></desktops>
  <applications><application class="*"><maximized>yes</maximized></application></applications>
</openbox_config>
EOF
        XDG_CONFIG_HOME="$work/config" openbox --config-file "$work/config/openbox/rc.xml" >"$work/openbox.log" 2>&1 &
        started+=($!)
        wait_until 10 "openbox" xprop -root _NET_SUPPORTING_WM_CHECK
    fi
    http=$(free_port)
    admin=$(free_port "$http")
    XDG_CONFIG_HOME="$work/config" "${theme[@]}" "$binary" --data-dir "$work/data" --listen "127.0.0.1:$http" \
        --admin-listen "127.0.0.1:$admin" --ack-timeout 3000 >"$work/ackhook.log" 2>&1 &
    ackhook_pid=$!
    started+=($!)
    wait_until 30 "ackhook's admin API" curl -sf -o /dev/null "http://127.0.0.1:$admin/api/status"
    wait_until 30 "NATS connected" connected
    wait_until 10 "the ackhook window" xdotool search --onlyvisible --name '^ackhook'
    # The active window, as on a user's desktop (openbox draws an inactive title greyed out).
    timeout 5 xdotool search --onlyvisible --name '^ackhook' windowactivate --sync >/dev/null 2>&1 || true
    sleep 1 # the first paint, and openbox's maximising
}

# stop_ackhook: the running ackhook ends (SIGTERM: it answers what is in flight, then exits).
stop_ackhook() {
    kill "$ackhook_pid" 2>/dev/null || true
    wait "$ackhook_pid" 2>/dev/null || true
}

#!/usr/bin/env bash
# Runs inside the fresh root of fresh-root.sh: the AppImage without Qt or nats-server on the
# system, headless and with the window (offscreen, and on Wayland under a headless weston),
# extracted and through FUSE.
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

# HTTPS: Qt's TLS backend is a plugin the AppImage must bring (Qt is not installed here), and
# Qt only finds it through the AppImage's qt.conf once the application object exists.
tls_dir=$(mktemp -d)
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tls_dir/key.pem" -out "$tls_dir/cert.pem" -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1; then
    chmod 600 "$tls_dir/key.pem"
    if start headless-https -- --appimage-extract-and-run --headless --tls-cert-file "$tls_dir/cert.pem" \
        --tls-key-file "$tls_dir/key.pem"; then
        answer=$(curl -s --cacert "$tls_dir/cert.pem" -w ' %{http_code}' -d '{"fresh":"tls"}' \
            -H "Idempotency-Key: $name" "https://127.0.0.1:$port/webhook" | tr -d '\n')
        case "$answer" in
        *'"seq":'*' 200') pass "$name: webhook over HTTPS answered 200 ($answer)" ;;
        *) fail "$name: HTTPS answer: $answer"; tail -20 "$log" ;;
        esac
        grep -q 'nullptr parameter' "$log" && fail "$name: Qt warned: $(grep 'nullptr parameter' "$log")"
        stop_exit_0; no_leftovers
    fi
else
    fail "openssl could not make a test certificate"
fi

if start window-offscreen QT_QPA_PLATFORM=offscreen -- --appimage-extract-and-run; then
    sleep 3
    kill -0 "$pid" 2>/dev/null && pass "$name: the window is still up after 3 s" || fail "$name: the window exited"
    webhook_200; stop_exit_0; no_leftovers
fi

# The window on a Wayland desktop: weston's headless backend as the compositor, no DISPLAY, and
# AppRun's choice (wayland;xcb), not QT_QPA_PLATFORM. Proofs from outside ackhook: its process has
# Qt's Wayland platform plugin mapped and not xcb's, holds a connection to weston's socket, and has
# loaded the xdg-shell integration and bradient, which Qt loads for a decorated toplevel window
# (weston draws no title bars).
wayland_dir=$(mktemp -d) # mktemp -d: mode 0700, as XDG_RUNTIME_DIR must be
chmod 0700 "$wayland_dir"
wayland_socket=ackhook-test
XDG_RUNTIME_DIR=$wayland_dir weston --backend=headless-backend.so --socket="$wayland_socket" --idle-time=0 \
    >/tmp/weston.log 2>&1 &
weston_pid=$!
weston_up=0
for _ in $(seq 1 100); do # 20 s
    [ -S "$wayland_dir/$wayland_socket" ] && { weston_up=1; break; }
    kill -0 "$weston_pid" 2>/dev/null || break
    sleep 0.2
done
wayland_session=(XDG_RUNTIME_DIR="$wayland_dir" WAYLAND_DISPLAY="$wayland_socket") # after env's -u options

# mapped PID FILE: whether the process maps a file of that name.
mapped() { grep -q "/$2\$" "/proc/$1/maps" 2>/dev/null; }
# connected_to_weston PID: whether one of the process's sockets is the peer of a connection
# accepted on weston's socket (ss lists that side with the socket's path as its local address).
connected_to_weston() {
    local inodes
    inodes=$(find "/proc/$1/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null | tr -dc '0-9\n')
    [ -n "$inodes" ] || return 1
    ss -xn 2>/dev/null | awk -v path="$wayland_dir/$wayland_socket" '$2 == "ESTAB" && $5 == path { print $8 }' |
        grep -qxFf <(printf '%s\n' "$inodes")
}

if [ "$weston_up" = 1 ]; then
    pass "weston (headless) listens on $wayland_dir/$wayland_socket"
    if start window-wayland -u DISPLAY -u QT_QPA_PLATFORM "${wayland_session[@]}" -- --appimage-extract-and-run; then
        on_wayland=0
        for _ in $(seq 1 75); do # 15 s for the window to come up
            if mapped "$pid" libqwayland-generic.so && connected_to_weston "$pid" && mapped "$pid" libxdg-shell.so &&
                mapped "$pid" libbradient.so; then on_wayland=1; break; fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        if [ "$on_wayland" = 1 ]; then
            pass "$name: the window is on Wayland (libqwayland-generic, xdg-shell, bradient mapped; connected to weston's socket)"
        else
            fail "$name: no window on Wayland: $(grep -oE '(platforms|wayland-[a-z-]+)/[^/]*$' "/proc/$pid/maps" 2>/dev/null | sort -u | tr '\n' ' ')"
            tail -20 "$log"
        fi
        mapped "$pid" libqxcb.so && fail "$name: libqxcb.so is loaded too" || pass "$name: xcb not loaded"
        # AppRun's choice, in the environment ackhook was started with (AppRun execs it, same pid).
        tr '\0' '\n' <"/proc/$pid/environ" | grep -qx 'QT_QPA_PLATFORM=wayland;xcb' &&
            pass "$name: AppRun set QT_QPA_PLATFORM=wayland;xcb" ||
            fail "$name: QT_QPA_PLATFORM: $(tr '\0' '\n' <"/proc/$pid/environ" | grep '^QT_QPA_PLATFORM=')"
        # Not a check (no GPU here, and Mesa's drivers are not installed): what Qt warned about.
        grep -E ' warning (qt|default)' "$log" | sed "s/^/note: $name: /" | head -5
        kill -0 "$pid" 2>/dev/null && pass "$name: the window is still up" || { fail "$name: the window exited"; tail -20 "$log"; }
        webhook_200; stop_exit_0; no_leftovers
    else
        kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null # start() gave up on it
    fi
    # A QT_QPA_PLATFORM the user set wins over AppRun's choice, also in a Wayland session.
    if start wayland-user-platform -u DISPLAY QT_QPA_PLATFORM=offscreen "${wayland_session[@]}" -- --appimage-extract-and-run; then
        if mapped "$pid" libqoffscreen.so && ! mapped "$pid" libqwayland-generic.so && ! connected_to_weston "$pid" &&
            tr '\0' '\n' <"/proc/$pid/environ" | grep -qx 'QT_QPA_PLATFORM=offscreen'; then
            pass "$name: QT_QPA_PLATFORM=offscreen kept (offscreen mapped, no Wayland)"
        else
            fail "$name: QT_QPA_PLATFORM=offscreen not kept: $(grep -o 'platforms/[^/]*$' "/proc/$pid/maps" 2>/dev/null | sort -u | tr '\n' ' ')"
        fi
        webhook_200; stop_exit_0; no_leftovers
    else
        kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    fi
else
    fail "weston: no socket $wayland_dir/$wayland_socket within 20 s"; tail -20 /tmp/weston.log
fi
# weston's helper clients (desktop shell, keyboard) are its children: stopped with it.
weston_children=$(pgrep -P "$weston_pid" | tr '\n' ' ')
kill -TERM "$weston_pid" 2>/dev/null
timeout 10 tail --pid="$weston_pid" -f /dev/null || kill -KILL "$weston_pid" 2>/dev/null
wait "$weston_pid" 2>/dev/null
for child in $weston_children; do
    timeout 5 tail --pid="$child" -f /dev/null || kill -KILL "$child" 2>/dev/null
done
rm -rf "$wayland_dir"

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

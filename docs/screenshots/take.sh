#!/usr/bin/env bash
# Takes the README's screenshots from the real program under Xvfb on a 1366×768 laptop-sized
# screen: all green, a simulated outage with red rows and a filling failed queue, a blackhole with
# requests waiting for their PubAck, recovered after "Replay all".
#   docs/screenshots/take.sh   (needs a build, xvfb-run, imagemagick's import, curl;
#                               ACKHOOK_BUILD=build/dev to use the debug build instead of build/release)
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${DISPLAY:-}" ]; then
    exec xvfb-run -a -s "-screen 0 1366x768x24" "$0" "$@"
fi
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http=$(free_port); admin=$(free_port)
# A fresh configuration that opens the failed-event queue tab (the window remembers the last tab).
mkdir -p "$work/config/ackhook"
printf '[window]\ntab=1\n' >"$work/config/ackhook/ackhook.conf"
XDG_CONFIG_HOME="$work/config" "${ACKHOOK_BUILD:-build/release}/app/ackhook" --data-dir "$work/data" --listen "127.0.0.1:$http" \
    --admin-listen "127.0.0.1:$admin" --ack-timeout 3000 >"$work/ackhook.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf -o /dev/null "localhost:$admin/api/status" && break; sleep 0.1; done
send() { # first last [extra curl args]
    for i in $(seq "$1" "$2"); do
        curl -s -o /dev/null -d "{\"order\":$i,\"total\":$((i * 7)).50}" -H "Idempotency-Key: order-$i" \
            -H 'Content-Type: application/json' -H 'Authorization: Bearer s3cret' "localhost:$http/webhook"
        sleep 0.15
    done
}
sleep 2
send 1 14
curl -s -o /dev/null -d '{"no":"key"}' "localhost:$http/webhook"
sleep 1.5
import -window root docs/screenshots/1-all-green.png
curl -s -o /dev/null -X PUT -d '{"mode":"down"}' "localhost:$admin/api/outage"
sleep 0.5
send 15 26
sleep 1.5
import -window root docs/screenshots/2-outage.png
# A blackhole on a live connection (so end the "down" first and let the client reconnect): nothing
# answers, so requests wait for their PubAck (here up to the 3 s ack timeout).
curl -s -o /dev/null -X PUT -d '{"mode":"off"}' "localhost:$admin/api/outage"
for _ in $(seq 1 100); do
    curl -s "localhost:$admin/api/status" | grep -q '"connectivity":"connected"' && break
    sleep 0.1
done
curl -s -o /dev/null -X PUT -d '{"mode":"blackhole"}' "localhost:$admin/api/outage"
sleep 0.5
for i in 27 28 29; do
    curl -s -o /dev/null -m 10 -d "{\"order\":$i}" -H "Idempotency-Key: order-$i" "localhost:$http/webhook" &
    sleep 0.2
done
sleep 1.2
import -window root docs/screenshots/4-waiting.png
wait_for_jobs() { for job in $(jobs -p); do [ "$job" = "$pid" ] || wait "$job" || true; done; }
wait_for_jobs
curl -s -o /dev/null -X PUT -d '{"mode":"off"}' "localhost:$admin/api/outage"
sleep 1.5
curl -s -o /dev/null -X POST -d '{"all":true}' "localhost:$admin/api/failed/replay"
send 30 35
sleep 1.5
import -window root docs/screenshots/3-recovered.png
echo "screenshots written to docs/screenshots/"

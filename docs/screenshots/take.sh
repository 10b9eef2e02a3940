#!/usr/bin/env bash
# Takes the README's screenshots from the real program under Xvfb on a 1366×768 laptop-sized
# screen: all green, a simulated outage with red rows and a filling failed queue, a blackhole with
# requests waiting for their PubAck, recovered after "Replay all", and the window under a dark
# desktop palette (dark.png); then demo.sh makes the animation (demo.gif), so one run of this
# script makes every picture of the README.
#   docs/screenshots/take.sh   (needs a build, xvfb-run, imagemagick's import, curl, python3, xdotool;
#                               openbox when installed; ACKHOOK_BUILD=build/dev to use the debug
#                               build instead of build/release)
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${DISPLAY:-}" ]; then
    exec xvfb-run -a -s "-screen 0 1366x768x24" "$0" "$@"
fi
. docs/screenshots/common.sh
trap stop_all EXIT
start_ackhook
shot() { sleep 1.2; import -window root "docs/screenshots/$1.png"; }

send 1 14
curl -s -o /dev/null -d '{"no":"key"}' "http://127.0.0.1:$http/webhook"
wait_until 10 "15 answers" answered 15
shot 1-all-green

outage down
wait_until 10 "the outage" status_is 'd["connectivity"]' 'simulated outage (down)'
send 15 26
wait_until 10 "12 queued events" status_is 'd["failed_queue"]["pending"]' 12
shot 2-outage

# A blackhole on a live connection (so end the "down" first and let the client reconnect): nothing
# answers, so requests wait for their PubAck (here up to the 3 s ack timeout).
outage off
wait_until 30 "NATS reconnected" connected
outage blackhole
sleep 0.5
for i in 27 28 29; do
    curl -s -o /dev/null -m 10 -d "{\"order\":$i}" -H "Idempotency-Key: order-$i" "http://127.0.0.1:$http/webhook" &
    sleep 0.2
done
wait_until 5 "3 requests in flight" status_is 'd["counters"]["in_flight"]' 3
import -window root docs/screenshots/4-waiting.png
for job in $(jobs -p); do
    case " ${started[*]} " in *" $job "*) ;; *) wait "$job" || true ;; esac
done

outage off
wait_until 30 "NATS reconnected" connected
admin_call POST /api/failed/replay '{"all":true}'
wait_until 20 "the replayed queue" status_is 'd["failed_queue"]["pending"]' 0
send 30 35
wait_until 10 "36 answers" answered 36
shot 3-recovered

# The same window under a dark desktop palette: green and red rows, a simulated outage shaded in
# the chart, the chart's tooltip for one second.
stop_ackhook
DARK=1 start_ackhook
send 1 8 0.4
outage down
wait_until 10 "the outage" status_is 'd["connectivity"]' 'simulated outage (down)'
send 9 12 0.4
outage off
wait_until 30 "NATS reconnected" connected
send 13 18 0.4
wait_until 10 "18 answers" answered 18
xdotool mousemove 1120 560 && sleep 0.3 && xdotool mousemove_relative 3 0 # over the chart: its tooltip
shot dark
echo "screenshots written to docs/screenshots/"

# Then the animation at the top of the README, in the same X server: one run makes every picture
# (STILLS_ONLY=1 stops here).
stop_all
trap - EXIT
[ -n "${STILLS_ONLY:-}" ] || exec docs/screenshots/demo.sh

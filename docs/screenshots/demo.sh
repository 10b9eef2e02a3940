#!/usr/bin/env bash
# Makes docs/screenshots/demo.gif, the README's animated picture: the real program under Xvfb on a
# 1366×768 screen, filmed for about 25 s while curl drives it through its webhook port and admin
# API: events acknowledged (200, green rows), a simulated outage (500, red rows, the failed-event
# queue fills), the outage ended and the queue replayed (500 → recovered). A caption under the
# window says which of the three phases is on.
#   docs/screenshots/demo.sh   (needs a build, xvfb-run, xwd, imagemagick, curl, python3, xdotool;
#                               openbox when installed; ACKHOOK_BUILD=build/dev to use the debug
#                               build instead of build/release; FPS=4 frames per second)
# take.sh takes the still screenshots and then runs this script: one run makes every picture; this
# one alone retakes only the animation (about a minute).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${DISPLAY:-}" ]; then
    exec xvfb-run -a -s "-screen 0 1366x768x24" "$0" "$@"
fi
. docs/screenshots/common.sh
trap stop_all EXIT
out=docs/screenshots/demo.gif
fps=${FPS:-4}
width=960      # of the GIF
bar=40         # the caption's height, under the window
hold=300       # the last frame's delay, in 1/100 s
captions=(
    "ackhook: a webhook answers 200 only once NATS JetStream has stored the event"
    "1 · events arrive, JetStream acknowledges each one → 200"
    "2 · simulated outage: NATS is unreachable → 500, the event is queued"
    "3 · outage ended, the queue replayed: each 500 → recovered"
)
colours=("#37474f" "#2e7d32" "#c62828" "#1565c0")

now_us() { echo "${EPOCHREALTIME//[!0-9]/}"; }
# phase N: the caption from now on (frames are matched to phases by time).
phase() { echo "$1 $(now_us)" >>"$work/phases"; }

start_ackhook
mkdir -p "$work/frames"

# Films the screen: xwd (a raw dump, faster than import's PNG) every 1/fps s, each frame's time
# written beside it; stops when $work/stop appears, or after 90 s at most.
film() {
    local n=0 t next step=$((1000000 / fps))
    next=$(now_us)
    while [ ! -e "$work/stop" ] && [ $n -lt $((90 * fps)) ]; do
        t=$(now_us)
        xwd -root -silent >"$work/frames/$(printf %04d $n).xwd"
        echo "$n $t" >>"$work/frames/times"
        n=$((n + 1))
        next=$((next + step))
        t=$(now_us)
        if [ "$next" -gt "$t" ]; then
            sleep "$(printf '0.%06d' $((next - t)))"
        else
            next=$t
        fi
    done
}
phase 0
film &
film_pid=$!
started+=("$film_pid")
sleep 2

phase 1
send 1 6 0.5
wait_until 10 "6 answers" answered 6
sleep 2

phase 2
outage down
wait_until 10 "the outage" status_is 'd["connectivity"]' 'simulated outage (down)'
sleep 0.5
send 7 13 0.5
wait_until 10 "7 queued events" status_is 'd["failed_queue"]["pending"]' 7
sleep 2

phase 3
outage off
wait_until 30 "NATS reconnected" connected
sleep 2
admin_call POST /api/failed/replay '{"all":true}'
wait_until 20 "the replayed queue" status_is 'd["failed_queue"]["pending"]' 0
sleep 1
send 14 16 0.5
wait_until 10 "16 answers" answered 16
sleep 1
touch "$work/stop"
wait "$film_pid" || true
frames=$(wc -l <"$work/frames/times")
echo "demo: filmed $frames frames in $(( ($(now_us) - $(head -1 "$work/phases" | cut -d' ' -f2)) / 1000000 )) s; assembling"

# Each frame: scaled to the GIF's width, the caption of its phase in a coloured bar underneath, its
# delay the time to the next frame (so the animation runs at the real pace whatever the frame rate
# reached), the last one held.
mapfile -t phase_lines <"$work/phases"
mapfile -t frame_lines <"$work/frames/times"
args=()
for ((i = 0; i < frames; i++)); do
    read -r n t <<<"${frame_lines[i]}"
    p=0
    for line in "${phase_lines[@]}"; do
        read -r pn pt <<<"$line"
        [ "$pt" -le "$t" ] && p=$pn
    done
    if ((i + 1 < frames)); then
        read -r _ t_next <<<"${frame_lines[i + 1]}"
        delay=$(((t_next - t + 5000) / 10000))
    else
        delay=$hold
    fi
    png="$work/frames/$(printf %04d "$n").png"
    convert "xwd:$work/frames/$(printf %04d "$n").xwd" -resize "${width}x" \
        -background "${colours[p]}" -gravity south -splice "0x$bar" \
        -font DejaVu-Sans-Bold -pointsize 19 -fill white -gravity southwest -annotate +14+9 "${captions[p]}" \
        "$png"
    rm -f "$work/frames/$(printf %04d "$n").xwd"
    args+=(-delay "$delay" "$png")
done
# One palette for every frame, from every fifth one (no flicker between frames, small deltas), then
# only what changed from frame to frame.
sample=()
for ((i = 2; i < ${#args[@]}; i += 15)); do sample+=("${args[i]}"); done # every fifth frame's file
convert "${sample[@]}" -append +dither -colors 128 -unique-colors "$work/palette.gif"
convert "${args[@]}" +dither -remap "$work/palette.gif" -layers RemoveDups -layers Optimize -loop 0 "$out"
echo "demo: $out, $(du -k "$out" | cut -f1) KiB, $(identify "$out" | wc -l) frames"

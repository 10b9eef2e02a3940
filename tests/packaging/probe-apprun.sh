#!/bin/sh
# AppRun of the runtime tests' probe AppImage: records its arguments, environment and signals in
# files named after $PROBE_OUT, then exits with $PROBE_EXIT, or waits for SIGTERM with PROBE_WAIT=1.
out=${PROBE_OUT:?PROBE_OUT not set}
printf '%s\n' "APPIMAGE=$APPIMAGE" "APPDIR=$APPDIR" "OWD=$OWD" "ARGV0=$ARGV0" "PWD=$(pwd)" >"$out.env"
: >"$out.args"
for argument in "$@"; do printf '%s\0' "$argument" >>"$out.args"; done
if [ "${PROBE_WAIT:-}" = 1 ]; then
    trap 'echo TERM >"$out.signal"; exit 42' TERM
    echo ready >"$out.ready"
    # Short sleeps: no long-lived child keeps the AppImage's mount alive after a kill -9.
    while :; do sleep 0.1; done
fi
exit "${PROBE_EXIT:-0}"

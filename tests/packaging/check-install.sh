#!/usr/bin/env bash
# `cmake --install` into a scratch prefix, then Debian's validators on what it installed:
# desktop-file-validate, appstreamcli validate, man's own warnings, systemd-analyze verify.
#   check-install.sh BUILD_DIR
set -euo pipefail
build=$1
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
status=0
check() { if "$@"; then echo "ok: $*"; else echo "FAIL: $*"; status=1; fi; }
expect() { if [ -e "$prefix/$1" ]; then echo "ok: installed $1"; else echo "FAIL: missing $1"; status=1; fi; }

expect bin/ackhook
expect bin/lossyfs # the lab's power cut (--lab-lossy-store)
expect share/applications/org.ackhook.ackhook.desktop
expect share/metainfo/org.ackhook.ackhook.metainfo.xml
expect share/icons/hicolor/scalable/apps/ackhook.svg
for size in 16 24 32 48 64 128 256 512; do expect "share/icons/hicolor/${size}x${size}/apps/ackhook.png"; done
expect share/man/man1/ackhook.1
expect lib/systemd/system/ackhook.service
[ ! -e "$prefix/lib/libQt6Core.so.6" ] && [ ! -e "$prefix/bin/nats-server" ] && echo "ok: no AppDir files in a plain install" \
    || { echo "FAIL: the appdir component leaked into a plain install"; status=1; }

output=$(desktop-file-validate "$prefix/share/applications/org.ackhook.ackhook.desktop" 2>&1) && [ -z "$output" ] \
    && echo "ok: desktop-file-validate (no remark)" || { echo "FAIL: desktop-file-validate: $output"; status=1; }
check appstreamcli validate --no-net --pedantic "$prefix/share/metainfo/org.ackhook.ackhook.metainfo.xml"
warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$prefix/share/man/man1/ackhook.1" 2>&1 >/dev/null)
[ -z "$warnings" ] && echo "ok: man page without warnings" || { echo "FAIL: man: $warnings"; status=1; }
for size in 16 256; do
    file "$prefix/share/icons/hicolor/${size}x${size}/apps/ackhook.png" | grep -q "PNG image data, $size x $size" \
        && echo "ok: ${size}px icon" || { echo "FAIL: ${size}px icon"; status=1; }
done

# The unit names <prefix>/bin/ackhook; verify a copy that names the binary just installed.
unit=$prefix/lib/systemd/system/ackhook.service
if command -v systemd-analyze >/dev/null; then
    sed "s|^ExecStart=[^ ]*/ackhook |ExecStart=$prefix/bin/ackhook |" "$unit" >"$prefix/ackhook.service"
    output=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$prefix/ackhook.service" 2>&1) && [ -z "$output" ] \
        && echo "ok: systemd-analyze verify" || { echo "FAIL: systemd-analyze verify: $output"; status=1; }
    # systemd's rating of the sandboxing, 0 (locked down) to 10 (exposed); --threshold is in tenths.
    output=$(systemd-analyze security --offline=yes --threshold=20 "$prefix/ackhook.service" 2>&1) \
        && echo "ok: systemd-analyze security: $(echo "$output" | grep -o 'exposure level.*')" \
        || { echo "FAIL: systemd-analyze security: $(echo "$output" | tail -1)"; status=1; }
    grep -q '^DynamicUser=yes' "$unit" && grep -q '^StateDirectory=ackhook' "$unit" \
        && grep -q -- '--data-dir /var/lib/ackhook' "$unit" && echo "ok: DynamicUser, StateDirectory, --data-dir" \
        || { echo "FAIL: unit settings"; status=1; }
    # Every connection is a file: systemd's default soft limit (1,024) is below one listener's cap.
    limit=$(sed -n 's/^LimitNOFILE=//p' "$unit")
    [ -n "$limit" ] && [ "${limit%%:*}" -ge 16384 ] && echo "ok: LimitNOFILE=$limit" \
        || { echo "FAIL: LimitNOFILE missing or below 16384 ($limit)"; status=1; }
else
    echo "FAIL: systemd-analyze not installed (./dev test installs systemd)"; status=1
fi
[ "$status" -eq 0 ] && echo "install rules: all checks passed"
exit $status

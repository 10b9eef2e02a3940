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

# The unit names /usr/local/bin/ackhook (or the configured prefix); verify it with the installed
# binary in its place, under a scratch root.
unit=$prefix/lib/systemd/system/ackhook.service
bindir=$(sed -n 's|^ExecStart=\(.*\)/ackhook .*|\1|p' "$unit")
if command -v systemd-analyze >/dev/null; then
    root=$(mktemp -d)
    mkdir -p "$root$bindir" "$root/etc/systemd/system"
    cp "$prefix/bin/ackhook" "$root$bindir/"
    cp "$unit" "$root/etc/systemd/system/"
    output=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --root="$root" ackhook.service 2>&1) \
        && echo "ok: systemd-analyze verify" || { echo "FAIL: systemd-analyze verify: $output"; status=1; }
    rm -rf "$root"
    grep -q '^DynamicUser=yes' "$unit" && grep -q '^StateDirectory=ackhook' "$unit" \
        && grep -q -- '--data-dir /var/lib/ackhook' "$unit" && echo "ok: DynamicUser, StateDirectory, --data-dir" \
        || { echo "FAIL: unit settings"; status=1; }
else
    echo "skip: systemd-analyze not installed"
fi
[ "$status" -eq 0 ] && echo "install rules: all checks passed"
exit $status

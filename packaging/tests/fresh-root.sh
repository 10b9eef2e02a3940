#!/usr/bin/env bash
# The AppImage on a machine that has neither Qt nor nats-server: a brand-new Debian 12 root with
# only the libraries that the AppImage excludelist (packaging/appimage/excludelist) expects every
# desktop system to have. Runs in-fresh-root.sh there. Needs root (the fresh root is a chroot).
#   packaging/tests/fresh-root.sh [path/to/ackhook-VERSION-x86_64.AppImage]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
appimage=${1:-$(ls "$repo"/build/release/ackhook-*-x86_64.AppImage 2>/dev/null | head -1)}
[ -f "$appimage" ] || { echo "fresh-root: no AppImage (build one: cmake --build --preset release --target appimage)" >&2; exit 2; }
shared=${ACKHOOK_SHARED:-$(cd "$repo/.." && pwd)/shared}
[ -x "$shared/fresh-debian.sh" ] || shared=/work/shared

# What a desktop has and the AppImage leaves out (see the excludelist), and curl and openssl (a
# certificate for the HTTPS start) for the test.
# Neither Qt nor nats-server: the AppImage must bring both. For the Wayland start: the compositor,
# weston (its headless backend needs no GPU or seat), and ss (iproute2) to see the window's
# connection to it; libwayland-client0 and libwayland-egl1, a Wayland desktop's and excluded, are
# listed for themselves although weston pulls them in.
desktop_base=libegl1,libglx0,libopengl0,libx11-6,libx11-xcb1,libxcb1,libice6,libsm6,libfontconfig1,libfreetype6,libharfbuzz0b,libcom-err2,libgpg-error0,libwayland-client0,libwayland-egl1
export FRESH_INCLUDE="curl,openssl,procps,weston,iproute2,$desktop_base"
export FRESH_COPY="$appimage $here/in-fresh-root.sh"
exec "$shared/fresh-debian.sh" --bare "bash /opt/fresh/in-fresh-root.sh /opt/fresh/$(basename "$appimage")"

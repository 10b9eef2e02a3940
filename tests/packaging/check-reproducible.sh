#!/usr/bin/env bash
# Builds the AppImage a second time from the same build tree into a scratch directory and compares
# it byte for byte with the one `--target appimage` made.
#   check-reproducible.sh APPIMAGE -DBUILD_DIR=... (the make-appimage.cmake arguments)
set -euo pipefail
first=$1; shift
script=$1; shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake "$@" -DAPPDIR="$work/AppDir" -DOUTPUT="$work/second.AppImage" -P "$script" >/dev/null
if cmp "$first" "$work/second.AppImage"; then
    echo "reproducible: two builds are byte-identical ($(stat -c %s "$first") bytes, sha256 $(sha256sum <"$first" | cut -c1-16)…)"
else
    echo "NOT reproducible: $first and a second build differ"
    exit 1
fi

#!/usr/bin/env bash
# `cmake --install` into an empty prefix gives exactly the expected tree, and
# the staged sluiced runs from it (its Qt libraries are the system's).
#   check-install.sh BUILD_DIR
set -euo pipefail
build="$1"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cmake --install "$build" --prefix "$stage" >/dev/null
id=io.github.sluice.Sluice
expected=(
    bin/sluice
    bin/sluiced
    lib/systemd/system/sluiced.service
    lib/sysusers.d/sluice.conf
    lib/tmpfiles.d/sluice.conf
    libexec/sluice/sluice-thumbnail
    share/applications/$id.desktop
    share/doc/Sluice/README.md
    share/doc/Sluice/api.md
    share/doc/Sluice/reliability.md
    share/icons/hicolor/scalable/apps/$id.svg
    share/man/man1/sluice.1
    share/man/man1/sluiced.1
    share/metainfo/$id.metainfo.xml
)
for size in 16 24 32 48 64 128 256 512; do
    expected+=("share/icons/hicolor/${size}x${size}/apps/$id.png")
done
actual="$(cd "$stage" && find . -type f -printf '%P\n' | LC_ALL=C sort)"
wanted="$(printf '%s\n' "${expected[@]}" | LC_ALL=C sort)"
if [ "$actual" != "$wanted" ]; then
    echo "installed tree differs from the expected one (< expected, > installed):" >&2
    diff <(echo "$wanted") <(echo "$actual") >&2 || true
    exit 1
fi
"$stage/bin/sluiced" --version | grep -qx "sluiced [0-9.]*" || { echo "staged sluiced --version failed" >&2; exit 1; }
echo "install tree OK: ${#expected[@]} files"

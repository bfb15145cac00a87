#!/usr/bin/env bash
# Builds and runs tests/ui/ui_screenshots: the window in front of the real
# service at work (exports, uploads, a live export, refusals), offscreen, at
# 1280x800, saving every tab and dialog to docs/screenshots/; then the
# variants: dark, German, and at scale factor 2.
# Usage: packaging/screenshots.sh [seconds-of-samples]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${SLUICE_BUILD_DIR:-$root/build}"
out="$root/docs/screenshots"
seconds="${1:-40}"
cmake --build "$build" --target ui_screenshots sluiced sluice-thumbnail -j2
shots() {
    SLUICE_BIN_DIR="$build/app" QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" \
        "$build/tests/ui/ui_screenshots" "$out" "$@"
}
export LANG=C.UTF-8 LANGUAGE=
shots --seconds "$seconds"
shots --seconds 20 --prefix dark- --appearance dark --tabs dashboard,jobs --no-remote
LANG=de_DE.UTF-8 LANGUAGE=de shots --seconds 15 --prefix de- --tabs jobs,limits,new-export --no-remote
QT_SCALE_FACTOR=2 shots --seconds 15 --prefix scale2- --tabs dashboard,jobs --no-remote

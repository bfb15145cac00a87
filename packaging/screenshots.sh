#!/usr/bin/env bash
# Builds and runs tests/ui/ui_screenshots: the window in front of a real
# service with some traffic, offscreen, saving every tab to docs/screenshots/.
# Usage: packaging/screenshots.sh [seconds-of-samples]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${SLUICE_BUILD_DIR:-$root/build}"
cmake --build "$build" --target ui_screenshots -j1
cmake --build "$build" --target sluiced -j1
SLUICE_BIN_DIR="$build/app" QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" \
    "$build/tests/ui/ui_screenshots" "$root/docs/screenshots" "${1:-40}"

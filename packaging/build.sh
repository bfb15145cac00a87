#!/usr/bin/env bash
# Configures and builds Sluice into build/ (shared by run.sh and test.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${SLUICE_BUILD_DIR:-$root/build}"
type="${SLUICE_BUILD_TYPE:-RelWithDebInfo}"
if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="$type" "$@" >/dev/null
fi
# Two cores: two jobs.
cmake --build "$build" --parallel "${SLUICE_JOBS:-2}"

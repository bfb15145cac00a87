#!/usr/bin/env bash
# Command 1: install what is missing, build, and run Sluice on the default
# data dir (the window when a display exists, otherwise the headless sluiced).
# Extra arguments go to the program, e.g. --listen 127.0.0.1:9090.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/packaging/install-deps.sh"
# Only the two programs: the test command builds the tests and benchmarks.
"$root/packaging/build.sh" --target sluice --target sluiced
build="${SLUICE_BUILD_DIR:-$root/build}"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    exec "$build/app/sluice" "$@"
else
    exec "$build/app/sluiced" "$@"
fi

#!/usr/bin/env bash
# Configures and builds Sluice into build/ (shared by run.sh and test.sh).
#   packaging/build.sh [--target T ...] [-DNAME=VALUE ...]
# Targets: what to build (default: everything, tests and benchmarks too).
# -D options: cache settings, applied to a new or an existing build dir.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${SLUICE_BUILD_DIR:-$root/build}"
type="${SLUICE_BUILD_TYPE:-RelWithDebInfo}"
targets=()
settings=()
while [ $# -gt 0 ]; do
    case "$1" in
        --target) targets+=(--target "$2"); shift 2 ;;
        -D*) settings+=("$1"); shift ;;
        *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ ! -f "$build/CMakeCache.txt" ] || [ ${#settings[@]} -gt 0 ]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="$type" "${settings[@]}" >/dev/null
fi
# Two cores: two jobs.
cmake --build "$build" --parallel "${SLUICE_JOBS:-2}" "${targets[@]}"

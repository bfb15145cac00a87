#!/usr/bin/env bash
# Command 2: install what is missing, build, and run the whole test suite.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/packaging/install-deps.sh"
# Warnings are errors here, so that a new one cannot land.
"$root/packaging/build.sh" -DSLUICE_WERROR=ON
build="${SLUICE_BUILD_DIR:-$root/build}"
export QT_QPA_PLATFORM=offscreen
cd "$build"
ctest --output-on-failure --parallel "${SLUICE_TEST_JOBS:-2}" --timeout 600

#!/usr/bin/env bash
# Scenario 6 of issue 8: a fresh sluiced with the demo dataset; two large
# export jobs while an upload is still open, then everything is cancelled.
# Prints bench_drain's RESULT line. Deletes everything it creates.
#
#   tests/bench/run-drain.sh        # BUILD_DIR=build BENCH_DIR=/var/tmp
set -euo pipefail
# shellcheck source=tests/bench/sluiced.sh
source "$(dirname "${BASH_SOURCE[0]}")/sluiced.sh"
bench_setup drain bench_drain
bench_start
"$BUILD/tests/bench/bench_drain" --port "$PORT" --pid "$PID" --token "$TOKEN" --temp-dir "$DATA/tmp"

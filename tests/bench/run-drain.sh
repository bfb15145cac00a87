#!/usr/bin/env bash
# Scenario 6 of issue 8: a fresh sluiced with the demo dataset; two large
# export jobs while an upload is still open, then everything is cancelled.
# Prints bench_drain's RESULT line. Deletes everything it creates.
#
#   tests/bench/run-drain.sh        # BUILD_DIR=build BENCH_DIR=/var/tmp
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j1 --target sluiced bench_drain >/dev/null

WORK=$(mktemp -d "${BENCH_DIR:-/var/tmp}/sluice-drain.XXXXXX")
PID=
cleanup() {
    [[ -n "$PID" ]] && { kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DATA="$WORK/data"
mkdir -p "$DATA"
TOKEN=$("$BUILD/app/sluiced" --data-dir "$DATA" token add bench --admin | tail -1)
: >"$WORK/server.out"
"$BUILD/app/sluiced" --data-dir "$DATA" --listen 127.0.0.1:0 >"$WORK/server.out" 2>"$WORK/server.err" &
PID=$!
PORT=
for _ in $(seq 150); do
    PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$WORK/server.out")
    [[ -n "$PORT" ]] && break
    sleep 0.1
done
[[ -n "$PORT" ]] || { echo "run-drain: sluiced did not start" >&2; cat "$WORK/server.err" >&2; exit 1; }
"$BUILD/tests/bench/bench_drain" --port "$PORT" --pid "$PID" --token "$TOKEN" --temp-dir "$DATA/tmp"

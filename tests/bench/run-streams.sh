#!/usr/bin/env bash
# Issue 20: what GET /api/stream subscribers (admins, metrics_interval_ms at
# 1 s) cost sluiced in CPU and RSS. One fresh sluiced per scenario, on a fresh
# data dir: 0 subscribers (the baseline), 50, 200, then 50 of which 10 stop
# reading when the window opens. Prints bench_streams' RESULT lines, then a
# per-subscriber summary against the baseline. Deletes everything it creates.
#
# The server that runs is a copy of BUILD/app/sluiced (and sluice-thumbnail)
# taken at the start, so that a rebuild during the run changes nothing; it is
# built (-j1) only if missing. SLUICED_DIR takes the binaries from elsewhere.
#
#   tests/bench/run-streams.sh     # SCENARIOS="0 50 200 50:10" SECONDS_EACH=60 BUILD_DIR=build
#   SCENARIOS=50:10 SECONDS_EACH=240 tests/bench/run-streams.sh   # until the stalled ones fill the kernel buffers
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
SLUICED_DIR=${SLUICED_DIR:-$BUILD/app}
SCENARIOS=${SCENARIOS:-"0 50 200 50:10"}
SECONDS_EACH=${SECONDS_EACH:-60}

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
if [[ ! -x "$SLUICED_DIR/sluiced" ]]; then
    cmake --build "$BUILD" -j1 --target sluiced >/dev/null
fi
cmake --build "$BUILD" -j1 --target bench_streams >/dev/null

# shellcheck source=tests/bench/sluiced.sh
source "$(dirname "${BASH_SOURCE[0]}")/sluiced.sh" # bench_start, bench_cleanup
WORK=$(mktemp -d "${BENCH_DIR:-/var/tmp}/sluice-streams.XXXXXX")
PID=
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$WORK/bin"
cp "$SLUICED_DIR/sluiced" "$SLUICED_DIR/sluice-thumbnail" "$WORK/bin/"
SLUICED=$WORK/bin/sluiced
ulimit -n "$(ulimit -Hn)"

echo "# $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r)"
echo "# commit $(git -C "$ROOT" rev-parse --short HEAD), sluiced built $(date -u -r "$SLUICED_DIR/sluiced" '+%F %T') UTC"
echo "# $(date -u '+%F %T') UTC, load: $(cut -d' ' -f1-3 /proc/loadavg)"

start_server() { # a fresh data dir with an admin token, limits raised for 200+ streams
    DATA="$WORK/data"
    rm -rf "$DATA"
    mkdir -p "$DATA"
    TOKEN=$("$SLUICED" --data-dir "$DATA" token add bench --admin 2>/dev/null | tail -1)
    python3 - "$DATA/config.json" <<'PY'
import json, sys
path = sys.argv[1]
config = json.load(open(path))
limits = config.setdefault("limits", {})
limits["max_streams"] = 1000
limits["max_connections"] = 2000
limits["max_connections_per_client"] = 2000
limits["max_unauthenticated_connections"] = 1000
limits["metrics_interval_ms"] = 1000
json.dump(config, open(path, "w"), indent=4)
PY
    bench_start
}

for scenario in $SCENARIOS; do
    n=${scenario%%:*}
    stalled=0
    [[ "$scenario" == *:* ]] && stalled=${scenario#*:}
    start_server
    "$BUILD/tests/bench/bench_streams" --port "$PORT" --pid "$PID" --token "$TOKEN" \
        --subscribers "$n" --stalled "$stalled" --seconds "$SECONDS_EACH" | tee -a "$WORK/results"
    kill -TERM "$PID"
    wait "$PID" || true
    PID=
done
echo "# $(date -u '+%F %T') UTC, load: $(cut -d' ' -f1-3 /proc/loadavg)"

# Per subscriber: CPU above the 0-subscriber run, RSS at the window's end above
# the same server's settled RSS before any stream was opened.
python3 - "$WORK/results" <<'PY'
import sys
rows = []
for line in open(sys.argv[1]):
    if line.startswith("RESULT "):
        rows.append(dict(f.split("=", 1) for f in line.split()[1:]))
base = next((r for r in rows if r["subscribers"] == "0"), None)
for r in rows:
    n = int(r["subscribers"])
    if n == 0 or base is None:
        continue
    cpu = (float(r["server_cpu_pct"]) - float(base["server_cpu_pct"])) / n
    rss = (float(r["rss_end_mib"]) - float(r["rss_settled_mib"])) * 1024 / n
    print("SUMMARY subscribers=%d stalled=%s cpu_pct_per_subscriber=%.4f rss_kib_per_subscriber=%.1f "
          "rss_growth_in_window_mib=%.1f" % (n, r["stalled"], cpu, rss,
          float(r["rss_peak_sampled_mib"]) - float(r["rss_window_start_mib"])))
PY

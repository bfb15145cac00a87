#!/usr/bin/env bash
# Every benchmark of issue 8 in one command, on this machine, in one go:
#   1, 2, 3  uploads 256 MiB / 1 GiB / 4 GiB, 4 x 1 GiB with /healthz at 20 Hz,
#            30 aborted + 3 stalled uploads (run-uploads.sh: Sluice, Node.js
#            stream.pipeline, QHttpServer);
#   4        exports, fast and 1.5 MiB/s clients (run-exports.sh: Sluice, Node.js
#            better-sqlite3, sqlite3 -csv);
#   5        a slow and a stalled database during live exports (run-slowdb.sh);
#   6        two export jobs and an open upload, then everything cancelled
#            (run-drain.sh);
# plus the page-cache and disk write rates (dd) and the RSS plots
# (docs/plots/uploads-*.png). Installs what the peers need, builds what it
# runs, prints each part's table and then the goals. About 12 minutes on 2
# cores. Everything it creates is deleted, except the plots and their CSVs.
#
#   tests/bench/run-all.sh          # REPEATS=3 (uploads), BUILD_DIR=build, BENCH_DIR=/var/tmp
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export BUILD_DIR=${BUILD_DIR:-$ROOT/build}
export REPEATS=${REPEATS:-3}
LOG=$(mktemp "${BENCH_DIR:-/var/tmp}/sluice-bench-all.XXXXXX")
trap 'rm -f "$LOG"' EXIT
started=$(date +%s)

"$ROOT/packaging/install-deps.sh" --bench
cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j2 --target sluiced bench_uploads bench_plot peer_qhttpserver \
    bench_export bench_slowdb bench_drain >/dev/null

part() {
    echo
    echo "=== $1 ($(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg))"
}
part "scenarios 1-3: uploads"
"$ROOT/tests/bench/run-uploads.sh" | tee -a "$LOG"
part "scenario 4: exports"
"$ROOT/tests/bench/run-exports.sh" | tee -a "$LOG"
part "scenario 5: a slow database"
"$ROOT/tests/bench/run-slowdb.sh" | tee -a "$LOG" || echo "scenario 5: bench_slowdb reported a failure"
part "scenario 6: cancel everything"
"$ROOT/tests/bench/run-drain.sh" | tee -a "$LOG" || echo "scenario 6: bench_drain reported a failure"

value() { grep "^RESULT scenario=$1 " "$LOG" | tr ' ' '\n' | sed -n "s/^$2=//p" | tail -1; }
verdict() { awk -v v="$1" 'BEGIN { print (v ? "met" : "NOT met") }'; }

echo
echo "=== goals (issue 8), $(($(date +%s) - started)) s in all"
# The upload and export parts judge their own goals; repeat their verdicts.
grep -E '^- .*: (met|NOT met)$' "$LOG" | sort -u
slow_ok=$(value slowdb-slow complete)
stalled_ok=$(value slowdb-stalled complete)
p99_slow=$(value slowdb-slow p99_ms)
p99_stalled=$(value slowdb-stalled p99_ms)
echo "- scenario 5, slow database: slow export completes ($slow_ok), stalled export truncated ($((1 - ${stalled_ok:-1}))), health p99 $p99_slow / $p99_stalled ms <= 10:" \
    "$(verdict "$(awk -v a="$slow_ok" -v b="$stalled_ok" -v p="$p99_slow" -v q="$p99_stalled" 'BEGIN { print (a == 1 && b == 0 && p <= 10 && q <= 10) }')")"
temp_after=$(value drain temp_files_after)
jobs_after=$(value drain active_jobs_after)
rss_after=$(value drain rss_growth_after_mib)
rss_peak=$(value drain rss_growth_peak_mib)
echo "- scenario 6, cancel everything: temp files after $temp_after, queued or running jobs after $jobs_after," \
    "RSS above idle $rss_peak MiB busy -> $rss_after MiB after:" \
    "$(verdict "$(awk -v t="$temp_after" -v j="$jobs_after" -v a="$rss_after" -v p="$rss_peak" 'BEGIN { print (t == 0 && j == 0 && a < p) }')")"

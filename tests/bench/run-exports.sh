#!/usr/bin/env bash
# Export benchmark: Sluice (in bench_export's process), the Node.js peer
# (tests/bench/peers/node-export/server.js, better-sqlite3) and the QHttpServer
# peer (tests/bench/peers/qhttpserver) against the same
# generated demo database, in one run of bench_export, with `sqlite3 -csv` of
# the same query as the yardstick. Builds bench_export (niced, -j1), installs
# the peer's packages when they are missing, prints the machine and its load
# before and after, then bench_export's lines and table (docs/benchmarks.md).
# Without node (or when npm install fails) the peer is skipped, not the run.
#
#   tests/bench/run-exports.sh [rows, default 1000000] [slow client seconds, default 10]
#   BUILD_DIR=build (default)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
PEER_DIR="$ROOT/tests/bench/peers/node-export"

nice -n 19 cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
nice -n 19 cmake --build "$BUILD" -j1 --target bench_export >/dev/null
# Qt's QHttpServer peer, where Debian's qt6-httpserver-dev is installed
# (packaging/install-deps.sh --bench; tests/bench/run-all.sh runs that).
QHTTP_PEER=()
if nice -n 19 cmake --build "$BUILD" -j1 --target peer_qhttpserver >/dev/null 2>&1; then
    QHTTP_PEER=(--qhttpserver-peer "$BUILD/tests/bench/peer_qhttpserver")
else
    echo "run-exports: peer_qhttpserver cannot be built (no qt6-httpserver-dev?): the QHttpServer peer is skipped"
fi

if ! command -v node >/dev/null; then
    echo "run-exports: node is not installed: the Node.js peer is skipped"
elif [[ ! -d "$PEER_DIR/node_modules/better-sqlite3" ]]; then
    if ! command -v npm >/dev/null; then
        echo "run-exports: npm is not installed: the Node.js peer is skipped"
    else
        # When no prebuilt better-sqlite3 binary can be fetched, npm builds it
        # from source with node-gyp, which needs Node's headers: use those a
        # distribution's nodejs package installs rather than downloading them.
        prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
        if [[ -z "${npm_config_nodedir:-}" && -f "$prefix/include/node/node.h" ]]; then
            export npm_config_nodedir="$prefix"
        fi
        echo "run-exports: installing the Node.js peer's packages (may build better-sqlite3 from source)"
        (cd "$PEER_DIR" && nice -n 19 npm install --no-audit --no-fund --no-package-lock >/dev/null) ||
            echo "run-exports: npm install failed: the Node.js peer will be skipped"
    fi
fi

load() {
    echo "load average $(cut -d' ' -f1-3 /proc/loadavg); compilers running: $(pgrep -c -x cc1plus || true)"
}
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
    "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)," \
    "sqlite3 $(sqlite3 --version | cut -d' ' -f1), node $(node --version 2>/dev/null || echo none)"
echo "at start: $(load)"
"$BUILD/tests/bench/bench_export" --node-peer "$PEER_DIR/server.js" "${QHTTP_PEER[@]}" "$@"
echo "at end: $(load)"

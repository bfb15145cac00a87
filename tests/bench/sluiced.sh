# Sourced by the benchmark scripts that drive one fresh sluiced
# (run-drain.sh, run-slowdb.sh). Defines:
#   bench_setup NAME TARGET...   builds sluiced and TARGETs; sets ROOT, BUILD,
#                                WORK (deleted at exit), DATA and TOKEN (admin)
#   bench_start                  starts sluiced (SLUICED, default BUILD/app/sluiced)
#                                on DATA; sets PID and PORT
# The caller may write DATA/config.json between the two.
bench_setup() {
    local name=$1
    shift
    ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    BUILD=${BUILD_DIR:-$ROOT/build}
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$BUILD" -j1 --target sluiced "$@" >/dev/null
    WORK=$(mktemp -d "${BENCH_DIR:-/var/tmp}/sluice-$name.XXXXXX")
    PID=
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
    DATA="$WORK/data"
    mkdir -p "$DATA"
    TOKEN=$("$BUILD/app/sluiced" --data-dir "$DATA" token add bench --admin | tail -1)
}

bench_cleanup() {
    [[ -n "$PID" ]] && { kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
    rm -rf "$WORK"
}

bench_start() {
    : >"$WORK/server.out" # exists before the server's own redirect does
    "${SLUICED:-$BUILD/app/sluiced}" --data-dir "$DATA" --listen 127.0.0.1:0 \
        >"$WORK/server.out" 2>"$WORK/server.err" &
    PID=$!
    PORT=
    for _ in $(seq 150); do
        PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$WORK/server.out")
        [[ -n "$PORT" ]] && return 0
        sleep 0.1
    done
    echo "sluiced did not start" >&2
    cat "$WORK/server.err" >&2
    exit 1
}

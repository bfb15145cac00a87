#!/usr/bin/env bash
# Issue 21: N slow downloaders (16 KiB/s each) of one stored 64 MiB upload,
# /healthz probed on fresh connections, against a fresh sluiced and then the
# Node.js peer (tests/bench/peers/node-download/server.js) serving the same
# file, each restarted for every N. Prints bench_slowreaders' RESULT lines.
# Deletes everything it creates.
#
# Then, Sluice only: the same slow clients on a job result (an export job's
# CSV, N = 1,000) and on a live export (pulled from the database as they read,
# through the send budget; LIVE_CLIENTS, default 64, with max_live_exports
# raised to match).
#
#   tests/bench/run-slowreaders.sh       # CLIENTS="1000 5000" SECONDS_EACH=20 BUILD_DIR=build
set -euo pipefail
# shellcheck source=tests/bench/sluiced.sh
source "$(dirname "${BASH_SOURCE[0]}")/sluiced.sh"
bench_setup slowreaders bench_slowreaders
CLIENTS=${CLIENTS:-"1000 5000"}
LIVE_CLIENTS=${LIVE_CLIENTS:-64}
SECONDS_EACH=${SECONDS_EACH:-20}
NODE=${NODE:-node}
ulimit -n "$(ulimit -Hn)" # the servers inherit it; each client is one descriptor on each side
python3 - "$DATA/config.json" <<'PY'
import json, sys
path = sys.argv[1]
config = json.load(open(path))
limits = config.setdefault("limits", {})
limits["max_connections"] = 20000
limits["max_connections_per_client"] = 20000
limits["max_unauthenticated_connections"] = 2000
limits["max_live_exports"] = 256
limits["max_live_exports_per_account"] = 256
config["upload_types"] = ["application/octet-stream"]  # the file is random bytes
json.dump(config, open(path, "w"), indent=4)
PY
head -c $((64 * 1024 * 1024)) /dev/urandom >"$WORK/file.bin"
echo "# $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r)"

wait_for_jobs() { # until no job is queued or running
    for _ in $(seq 600); do
        active=0
        for state in queued running; do
            active=$((active + $(curl -sS -H "Authorization: Bearer $TOKEN" \
                "http://127.0.0.1:$PORT/jobs?limit=1&state=$state" |
                python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')))
        done
        [[ $active -eq 0 ]] && return 0
        sleep 0.2
    done
}

stored_path() { # upload the file once, print the content URL once its processing job is over
    local id
    id=$(curl -sS --fail -X PUT -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/octet-stream" \
        --data-binary @"$WORK/file.bin" "http://127.0.0.1:$PORT/uploads/file.bin" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    wait_for_jobs # bench_slowreaders then waits for the memory to settle
    echo "/uploads/$id/content"
}

send_metrics() { # what Sluice's send budget and sendfile did, as comments
    curl -sS -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/metrics" |
        grep -E '^sluice_(send_buffer|sent_direct)' | sed 's/^/# /'
}

for n in $CLIENTS; do
    bench_start
    path=$(stored_path)
    "$BUILD/tests/bench/bench_slowreaders" --name sluice --port "$PORT" --pid "$PID" \
        --token "$TOKEN" --path "$path" --clients "$n" --seconds "$SECONDS_EACH"
    send_metrics
    kill -TERM "$PID"
    wait "$PID" || true
    PID=

    SLUICE_BENCH_TOKEN=$TOKEN "$NODE" "$ROOT/tests/bench/peers/node-download/server.js" \
        --file "$WORK/file.bin" --listen 127.0.0.1:0 >"$WORK/node.out" 2>&1 &
    NODE_PID=$!
    for _ in $(seq 100); do
        NODE_PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$WORK/node.out")
        [[ -n "$NODE_PORT" ]] && break
        sleep 0.1
    done
    "$BUILD/tests/bench/bench_slowreaders" --name node --port "$NODE_PORT" --pid "$NODE_PID" \
        --token "$TOKEN" --path /file.bin --clients "$n" --seconds "$SECONDS_EACH"
    kill -TERM "$NODE_PID"
    wait "$NODE_PID" || true
done

bench_start
job=$(curl -sS --fail -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
    -d '{"dataset": "orders", "from": "2025-01-01", "to": "2025-12-31", "format": "csv"}' \
    "http://127.0.0.1:$PORT/exports" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
wait_for_jobs
curl -sS -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/jobs/$job" |
    python3 -c 'import json,sys; j=json.load(sys.stdin); print("# job result:", j["state"], j["progress"])'
"$BUILD/tests/bench/bench_slowreaders" --name sluice-job-result --port "$PORT" --pid "$PID" \
    --token "$TOKEN" --path "/jobs/$job/result" --clients 1000 --seconds "$SECONDS_EACH"
"$BUILD/tests/bench/bench_slowreaders" --name sluice-live-export --port "$PORT" --pid "$PID" \
    --token "$TOKEN" --path "/exports/orders.csv?from=2025-01-01&to=2025-01-31" \
    --clients "$LIVE_CLIENTS" --seconds "$SECONDS_EACH"
send_metrics

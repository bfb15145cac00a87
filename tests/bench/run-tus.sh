#!/usr/bin/env bash
# Resumable uploads (issue 24): one 1 GiB upload through tus 1.0 in 16 MiB
# PATCHes against Sluice's plain PUT /uploads/NAME on the same server, the
# same tus upload against @tus/server with @tus/file-store
# (tests/bench/peers/node-tus, versions pinned in its package-lock.json), and
# the tus upload cut mid-PATCH at 50 % and resumed from the offset HEAD
# reports, on both servers. Every run starts a fresh server on a fresh data dir.
# Prints the machine, every run (RESULT lines) and a table with the goals.
# Deletes everything it creates (npm's own cache in ~/.npm stays).
#
#   tests/bench/run-tus.sh      # REPEATS=3 MIB=1024 CHUNK_MIB=16 BUILD_DIR=build BENCH_DIR=/var/tmp
#   SLUICED=PATH                # run that sluiced instead of building one
#
# The resume runs twice: with the HEAD sent at once after the cut
# ("resume", as tus-js-client's first retry, whose delay is 0) and 1 s later
# ("resume-1s", once the server has read what the client sent before it
# closed).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
REPEATS=${REPEATS:-3}
MIB=${MIB:-1024}
CHUNK_MIB=${CHUNK_MIB:-16}
NODE=${NODE:-node}

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# SLUICED=PATH runs that binary instead of building one.
targets=(bench_tus)
[[ -z "${SLUICED:-}" ]] && targets+=(sluiced)
cmake --build "$BUILD" -j1 --target "${targets[@]}" >/dev/null
SLUICED=${SLUICED:-$BUILD/app/sluiced}

WORK=$(mktemp -d "${BENCH_DIR:-/var/tmp}/sluice-tus.XXXXXX")
RESULTS="$WORK/results.txt"
SERVER_PID=
DATA=
stop_server() {
    if [[ -n "$SERVER_PID" ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 150); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
    [[ -n "$DATA" ]] && rm -rf "$DATA"
    DATA=
}
trap 'stop_server; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

# One upload at a time, plus Sluice's min_free_disk_bytes floor.
free_kib=$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')
if ((free_kib < (MIB + 3 * 1024) * 1024)); then
    echo "run-tus: need $((MIB + 3 * 1024)) MiB free in $WORK, have $((free_kib / 1024)) MiB" >&2
    exit 1
fi

# The peer runs from a copy in WORK, with its pinned packages installed there.
PEER="$WORK/node-tus"
mkdir -p "$PEER"
cp "$ROOT/tests/bench/peers/node-tus/"{package.json,package-lock.json,server.js} "$PEER/"
(cd "$PEER" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null 2>&1) || {
    echo "run-tus: npm ci failed in $PEER" >&2
    exit 1
}

# start_server NAME: a fresh data dir, the server as SERVER_PID on PORT; TOKEN
# for Sluice (none for @tus/server).
start_server() {
    DATA="$WORK/data-$1"
    mkdir -p "$DATA"
    : >"$WORK/server.out" # exists before the server's own redirect does
    case "$1" in
    sluice)
        TOKEN=$("$SLUICED" --data-dir "$DATA" token add bench --admin 2>>"$WORK/server.err" | tail -1)
        # No datasets: the first-run demo database is not what this measures.
        # upload_types and limits stay at their defaults (text/csv is allowed).
        python3 - "$DATA/config.json" <<'PY'
import json, sys
path = sys.argv[1]
config = json.load(open(path))
config["datasets"] = []
json.dump(config, open(path, "w"), indent=4)
PY
        "$SLUICED" --data-dir "$DATA" --listen 127.0.0.1:0 >"$WORK/server.out" 2>"$WORK/server.err" & ;;
    tus-node)
        TOKEN=
        (cd "$PEER" && exec "$NODE" server.js --data-dir "$DATA" --listen 127.0.0.1:0) \
            >"$WORK/server.out" 2>"$WORK/server.err" & ;;
    esac
    SERVER_PID=$!
    PORT=
    for _ in $(seq 150); do
        PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$WORK/server.out")
        [[ -n "$PORT" ]] && break
        sleep 0.1
    done
    if [[ -z "$PORT" ]]; then
        echo "run-tus: $1 did not start" >&2
        cat "$WORK/server.out" "$WORK/server.err" >&2
        exit 1
    fi
}

# bench SERVER SCENARIO: one run against a fresh server, its RESULT line
# printed and kept; then the page cache is written back and dropped (as root;
# elsewhere only the sync), so that every run starts alike.
bench() {
    local started=$SECONDS
    start_server "$1"
    local args=(--scenario "$2")
    [[ "$2" == resume-1s ]] && args=(--scenario resume --name "$2" --resume-delay-ms 1000)
    [[ "$1" == tus-node ]] && args+=(--stored-dir "$DATA/files")
    if ! "$BUILD/tests/bench/bench_tus" --port "$PORT" --pid "$SERVER_PID" --token "$TOKEN" \
        --server "$1" --mib "$MIB" --chunk-mib "$CHUNK_MIB" "${args[@]}" </dev/null >"$WORK/run.out"; then
        echo "run-tus: $1 $2 failed; the server said:" >&2
        tail -20 "$WORK/server.err" >&2
    fi
    stop_server
    tee -a "$RESULTS" <"$WORK/run.out"
    sync
    echo 3 2>/dev/null >/proc/sys/vm/drop_caches || true
    echo "($1 $2: $((SECONDS - started)) s with start, warm-up, checks and clean-up)"
}

load() {
    echo "load average $(cut -d' ' -f1-3 /proc/loadavg); compilers running: $(pgrep -c -x cc1plus || true)"
}
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
    "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)," \
    "node $("$NODE" --version), @tus/server $(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$PEER/node_modules/@tus/server/package.json")," \
    "@tus/file-store $(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$PEER/node_modules/@tus/file-store/package.json")"
echo "data dirs: $WORK ($(df -PT "$WORK" | awk 'NR == 2 { print $2 }'))"
echo "upload: $MIB MiB of generated CSV, tus in $CHUNK_MIB MiB PATCHes; resume: cut at 50 % (half a PATCH further when that is a PATCH boundary), HEAD at once or 1 s later"
echo "at start: $(load)"

# Odd rounds in this order, even rounds in the reverse one, so that each
# server (and PUT against tus on Sluice) takes turns going first.
all=(sluice/put sluice/tus tus-node/tus sluice/resume tus-node/resume sluice/resume-1s tus-node/resume-1s)
order=("${all[@]}")
for ((run = 1; run <= REPEATS; ++run)); do
    runs=("${order[@]}")
    if ((run % 2 == 0)); then
        runs=()
        for ((i = ${#order[@]} - 1; i >= 0; --i)); do runs+=("${order[i]}"); done
    fi
    for entry in "${runs[@]}"; do
        bench "${entry%/*}" "${entry#*/}"
    done
done
echo "at end: $(load)"

# field SCENARIO SERVER NAME: one value per run.
field() { grep "scenario=$1 server=$2 " "$RESULTS" | tr ' ' '\n' | sed -n "s/^$3=//p" || true; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; else print "?" }'; }
worst() { sort -g | tail -1; }
best() { sort -g | head -1; }
mib() { awk '{ printf "%s%.2f", (NR > 1 ? ", " : ""), $1 / 1048576 }'; }
names() { case "$1" in sluice) echo Sluice ;; tus-node) echo "@tus/server" ;; esac; }

echo
echo "| scenario | server | runs | MiB/s median (range) | last byte to answer, s | server CPU s/GiB | RSS growth MiB, worst run | requests | waiting for answers after the body, s (all requests) | stored SHA-256 right |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for entry in "${all[@]}"; do
    server=${entry%/*} scenario=${entry#*/}
    n=$(field "$scenario" "$server" mib_s | wc -l)
    if ((n == 0)); then
        echo "| $scenario | $(names "$server") | 0 (failed) | | | | | | | |"
        continue
    fi
    echo "| $scenario | $(names "$server") | $n | $(field "$scenario" "$server" mib_s | median) ($(field "$scenario" "$server" mib_s | best)–$(field "$scenario" "$server" mib_s | worst)) |" \
        "$(field "$scenario" "$server" after_last_byte_s | median) | $(field "$scenario" "$server" server_cpu_s_per_gib | median) |" \
        "$(field "$scenario" "$server" rss_growth_mib | worst) | $(field "$scenario" "$server" requests | median) |" \
        "$(field "$scenario" "$server" answer_wait_s | median) |" \
        "$(field "$scenario" "$server" content_ok | awk '{ s += $1 } END { print s "/" NR }') |"
done

echo
echo "| resume, per run | server | last 204 before the cut, MiB | client had sent, MiB | HEAD offset after the cut, MiB | sent twice, MiB | acknowledged and lost, MiB | body bytes sent in all, MiB |"
echo "|---|---|---|---|---|---|---|---|"
for scenario in resume resume-1s; do
    for server in sluice tus-node; do
        echo "| $scenario | $(names "$server") | $(field $scenario "$server" acked_before_cut | mib) | $(field $scenario "$server" sent_before_cut | mib) |" \
            "$(field $scenario "$server" head_offset | mib) | $(field $scenario "$server" sent_twice | mib) |" \
            "$(field $scenario "$server" acked_lost | mib) | $(field $scenario "$server" body_bytes_sent | mib) |"
    done
done

verdict() { awk -v v="$1" 'BEGIN { print (v ? "met" : "NOT met") }'; }
echo
echo "goals (Sluice):"
put=$(field put sluice mib_s | median)
tus=$(field tus sluice mib_s | median)
ratio=$(awk -v a="$tus" -v b="$put" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "?" }')
echo "- tus within 10 % of PUT's throughput: tus $tus vs PUT $put MiB/s (${ratio}x): $(verdict "$(awk -v r="$ratio" 'BEGIN { print (r != "?" && r >= 0.9) }')")"
growth=$( (field tus sluice rss_growth_mib; field resume sluice rss_growth_mib; field resume-1s sluice rss_growth_mib) | worst)
echo "- flat RSS (tus growth < 32 MiB, as issue 5's goal for uploads): worst ${growth:-?} MiB (PUT: $(field put sluice rss_growth_mib | worst) MiB): $(verdict "$(awk -v g="${growth:-999}" 'BEGIN { print (g < 32) }')")"
for scenario in resume resume-1s; do
    twice=$(field $scenario sluice sent_twice | worst)
    lost=$(field $scenario sluice acked_lost | worst)
    echo "- $scenario: no byte sent twice beyond the last acknowledged offset: at most ${twice:-?} bytes sent twice, ${lost:-?} acknowledged bytes lost: $(verdict "$(awk -v t="${twice:-1}" -v l="${lost:-1}" 'BEGIN { print (t == 0 && l == 0) }')")"
done

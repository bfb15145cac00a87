#!/usr/bin/env bash
# Scenario 5 of issue 8: a slow database during live exports. Makes a SQLite
# file with t (6,000 rows over January 2025) and two pad tables, a config with
# two datasets over it (`slow`: ~0.3 s per 1,000-row batch; `stalled`: ~5 s
# per batch, over export_stall_timeout_ms of 2 s), starts sluiced and runs
# bench_slowdb. Deletes everything it creates.
#
#   tests/bench/run-slowdb.sh        # BUILD_DIR=build BENCH_DIR=/var/tmp
set -euo pipefail
# shellcheck source=tests/bench/sluiced.sh
source "$(dirname "${BASH_SOURCE[0]}")/sluiced.sh"
bench_setup slowdb bench_slowdb
sqlite3 "$DATA/slow.sqlite" <<'SQL'
CREATE TABLE t (id INTEGER PRIMARY KEY, at TEXT NOT NULL, label TEXT);
CREATE INDEX t_at ON t (at);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000)
INSERT INTO t SELECT i, strftime('%Y-%m-%d %H:%M:%S', '2025-01-01', '+' || (i * 440) || ' seconds'),
                     'row ' || i FROM n;
CREATE TABLE pad_small (v INTEGER);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000)
INSERT INTO pad_small SELECT i FROM n;
CREATE TABLE pad_big (v INTEGER);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO pad_big SELECT i FROM n;
SQL
python3 - "$DATA/config.json" <<'PY'
import json, sys
path = sys.argv[1]
config = json.load(open(path))
def dataset(name, pad):
    return {"name": name, "database": "slow.sqlite", "time_column": "at",
            "columns": ["id", "at", "label"],
            "query": "SELECT id, at, label || (SELECT count(*) FROM %s WHERE v <> t.id) AS label FROM t" % pad}
config["datasets"] = [dataset("slow", "pad_small"), dataset("stalled", "pad_big")]
limits = config.setdefault("limits", {})
limits["export_batch_rows"] = 1000
limits["export_stall_timeout_ms"] = 2000
json.dump(config, open(path, "w"), indent=4)
PY
bench_start
"$BUILD/tests/bench/bench_slowdb" --port "$PORT" --token "$TOKEN" --temp-dir "$DATA/tmp" \
    --range "from=2025-01-01&to=2025-01-31"

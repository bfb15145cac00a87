#!/usr/bin/env bash
# Checks resources/systemd/sluiced.service (issue 22): systemd accepts every
# line of it (verify, with ExecStart pointed at the sluiced just built), and
# its hardening keeps `systemd-analyze security` exposure at most 2.0.
#   check-unit.sh UNIT SLUICED
set -euo pipefail
unit="$1"
sluiced="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sed "s|^ExecStart=/usr/bin/sluiced|ExecStart=$sluiced|" "$unit" > "$work/sluiced.service"
# verify prints problems (unknown directives, bad values) but may exit 0.
problems="$(systemd-analyze verify --man=no "$work/sluiced.service" 2>&1 || true)"
if [ -n "$problems" ]; then
    echo "systemd-analyze verify: $problems" >&2
    exit 1
fi
# --threshold is in tenths: fails above 2.0.
systemd-analyze security --offline=yes --threshold=20 --no-pager "$work/sluiced.service" \
    | tail -n 1

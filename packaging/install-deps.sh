#!/usr/bin/env bash
# Installs every Debian 12 package Sluice needs to build, run and test.
# Idempotent and non-interactive: packages already present are skipped, and
# `apt-get update` runs at most once per call (only when something is missing).
#   packaging/install-deps.sh           # build, run, test
#   packaging/install-deps.sh --bench   # and the benchmarks' peers
set -euo pipefail

packages=(
    # toolchain
    build-essential cmake ninja-build pkg-config git
    # Qt 6.4
    qt6-base-dev qt6-base-dev-tools qt6-charts-dev
    # the window's translations: lupdate/lrelease and their CMake package,
    # and Qt's own German for standard buttons (docs/decisions/0031)
    qt6-tools-dev qt6-l10n-tools qt6-translations-l10n
    libqt6sql6-sqlite libqt6sql6-psql libqt6opengl6-dev
    libgl-dev libglx-dev libvulkan-dev
    # the window's tokens for remote services, in the desktop's keyring (QtKeychain)
    qtkeychain-qt6-dev
    # parsing, hashing, compression
    libboost1.81-dev libssl-dev zlib1g-dev
    # exports: SQLite rows through the driver's handle, PostgreSQL query
    # cancellation (libpq), and a real PostgreSQL server for the export tests
    libsqlite3-dev libpq-dev postgresql
    # sluiced under systemd: Type=notify, watchdog (sd_notify)
    libsystemd-dev
    # the icon's PNG sizes from its SVG; checks of the desktop entry and the
    # AppStream metainfo (tests/packaging)
    librsvg2-bin desktop-file-utils appstream
    # runtime helpers used by the tests and the demo
    sqlite3 curl ca-certificates xauth xvfb
    # promtool, which checks the /metrics text in tst_prometheus. Debian ships
    # it only in the server package, whose prometheus.service (port 9090) gets
    # enabled on hosts running systemd.
    prometheus
    # tus interop (tst_tusclients): tus.io's official Python client
    python3-tuspy
)
# ...and its JavaScript client, tus-js-client (Node >= 18, installed by the
# ctest fixture with npm ci). Debian 12 has nodejs 18 and npm as two packages,
# but NodeSource's nodejs (Node 20 on the CI machine) bundles npm and
# Conflicts: npm, so asking apt for Debian's npm there would replace that
# Node with Debian's. Each is added only when its command is missing.
if ! command -v node >/dev/null && ! command -v nodejs >/dev/null; then
    packages+=(nodejs)
fi
if ! command -v npm >/dev/null; then
    packages+=(npm)
fi
if [[ "${1:-}" == --bench ]]; then
    # Qt's QHttpServer peer (tests/bench/peers/qhttpserver). Its CMake package
    # needs Qt6WebSockets, which the Debian package does not pull in.
    packages+=(qt6-httpserver-dev qt6-websockets-dev)
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"

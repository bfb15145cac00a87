#!/usr/bin/env bash
# Checks the packages packaging/build-deb.sh left in build/deb/:
#   packaging/check-deb.sh
# - lintian: no error and no warning (overrides, with reasons, live in
#   packaging/debian/*.lintian-overrides);
# - the desktop entry and the AppStream metainfo as packaged validate; the
#   entry's Exec and Icon name files the packages install; sluiced's package
#   pulls in neither Widgets nor Charts;
# - as root with CI=true (or SLUICE_INSTALL_DEBS=1): installs both packages,
#   runs sluiced as the service would (user sluice, /etc/sluice,
#   /var/lib/sluice), adds a token as root while it runs, launches the window
#   from its desktop entry under Xvfb and reads its icon off the X window,
#   then purges both and checks nothing is left. Elsewhere it runs the
#   programs from the unpacked packages instead of installing them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
debs="${SLUICE_BUILD_DIR:-$root/build}/deb"
version="$(dpkg-parsechangelog -l "$root/packaging/debian/changelog" -S Version)"
arch="$(dpkg --print-architecture)"
sluiced_deb="$debs/sluiced_${version}_${arch}.deb"
sluice_deb="$debs/sluice_${version}_${arch}.deb"
app_id=io.github.sluice.Sluice
fail() { echo "check-deb: FAIL: $*" >&2; exit 1; }
step() { echo "check-deb: $*"; }
[ -f "$sluiced_deb" ] && [ -f "$sluice_deb" ] || fail "no packages in $debs: run packaging/build-deb.sh"

work="$(mktemp -d)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

step "lintian"
# lintian says it should not run as root; it checks the same either way.
lintian --fail-on error,warning --display-info "$sluiced_deb" "$sluice_deb" 2>&1 \
    | grep -v '^running with root privileges' || true
lintian --fail-on error,warning "$sluiced_deb" "$sluice_deb" >/dev/null 2>&1 \
    || fail "lintian reports errors or warnings (run it on $debs/*.deb)"

step "packaged desktop entry and metainfo"
dpkg-deb -x "$sluiced_deb" "$work/sluiced"
dpkg-deb -x "$sluice_deb" "$work/sluice"
desktop="$work/sluice/usr/share/applications/$app_id.desktop"
metainfo="$work/sluice/usr/share/metainfo/$app_id.metainfo.xml"
desktop-file-validate "$desktop" || fail "desktop-file-validate $app_id.desktop"
appstreamcli validate --no-net "$metainfo" >/dev/null || fail "appstreamcli validate $app_id.metainfo.xml"
exec_name="$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$desktop")"
icon_name="$(sed -n 's/^Icon=//p' "$desktop")"
[ -x "$work/sluice/usr/bin/$exec_name" ] || fail "Exec=$exec_name is not in the sluice package"
for size in 16 24 32 48 64 128 256 512; do
    [ -s "$work/sluice/usr/share/icons/hicolor/${size}x${size}/apps/$icon_name.png" ] \
        || fail "no ${size}x${size} icon named $icon_name"
done
[ -s "$work/sluice/usr/share/icons/hicolor/scalable/apps/$icon_name.svg" ] || fail "no scalable icon"
[ -s "$work/sluiced/lib/systemd/system/sluiced.service" ] || fail "no unit in sluiced"

step "sluiced needs neither Widgets nor Charts"
depends="$(dpkg-deb -f "$sluiced_deb" Depends)"
case "$depends" in *widgets*|*charts*) fail "sluiced depends on $depends" ;; esac
for bin in usr/bin/sluiced usr/libexec/sluice/sluice-thumbnail; do
    if objdump -p "$work/sluiced/$bin" | grep -E 'NEEDED.*(Widgets|Charts)'; then
        fail "$bin links Widgets or Charts"
    fi
done

install=0
if [ "$(id -u)" -eq 0 ] && { [ "${CI:-}" = true ] || [ "${SLUICE_INSTALL_DEBS:-}" = 1 ]; }; then
    install=1
fi
if [ "$install" -eq 0 ]; then
    step "not installing (root with CI=true or SLUICE_INSTALL_DEBS=1 does): running the unpacked programs"
    out="$("$work/sluiced/usr/bin/sluiced" --version)"
    [ "$out" = "sluiced $version" ] || fail "sluiced --version printed '$out'"
    out="$(QT_QPA_PLATFORM=offscreen "$work/sluice/usr/bin/sluice" --version)"
    [ "$out" = "sluice $version" ] || fail "sluice --version printed '$out'"
    step "OK (not installed)"
    exit 0
fi

# Waits until FILE has a line matching PATTERN (the programs print
# "listening on http://ADDR" once they listen), at most 60 s.
wait_for_line() {
    local file="$1" pattern="$2"
    for _ in $(seq 600); do
        grep -q "$pattern" "$file" 2>/dev/null && return 0
        sleep 0.1
    done
    cat "$file" >&2
    fail "no line '$pattern' in $file"
}

step "installing both packages"
export DEBIAN_FRONTEND=noninteractive
for p in sluice sluiced; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        fail "$p is installed already; this check installs and purges it, so remove it first"
    fi
done
# Xvfb and xprop, to launch the window and read its icon.
apt-get install -y -qq --no-install-recommends xvfb x11-utils >/dev/null
apt-get install -y -qq --no-install-recommends "$sluiced_deb" "$sluice_deb" >/dev/null
[ -x /usr/bin/sluice ] || fail "/usr/bin/sluice missing"
[ -x /usr/bin/sluiced ] || fail "/usr/bin/sluiced missing"
[ "$(sluiced --version)" = "sluiced $version" ] || fail "sluiced --version printed '$(sluiced --version)'"
getent passwd sluice >/dev/null || fail "no system user sluice (sysusers)"
[ "$(stat -c '%U %a' /etc/sluice)" = "sluice 750" ] || fail "/etc/sluice is $(stat -c '%U %a' /etc/sluice) (tmpfiles)"

step "sluiced as the service runs it"
# What StateDirectory=sluice does before ExecStart.
install -d -o sluice -g sluice -m 0750 /var/lib/sluice
setpriv --reuid=sluice --regid=sluice --init-groups --inh-caps=-all \
    sluiced --config /etc/sluice/config.json --data-dir /var/lib/sluice --listen 127.0.0.1:0 \
    >"$work/sluiced.log" 2>&1 &
pids+=($!)
wait_for_line "$work/sluiced.log" "listening on http://"
address="$(sed -n 's|.*listening on http://||p' "$work/sluiced.log" | head -n1)"
token="$(sed -n 's/^token //p' "$work/sluiced.log" | head -n1)"
[ -n "$token" ] || fail "the first start printed no admin token"
[ "$(stat -c %U /etc/sluice/config.json)" = sluice ] || fail "config.json is not owned by sluice"
curl -fsS "http://$address/healthz" >/dev/null || fail "GET /healthz"
curl -fsS -H "Authorization: Bearer $token" "http://$address/api/status" >/dev/null || fail "GET /api/status as operator"

step "token add as root, while the service runs"
alice="$(sluiced --config /etc/sluice/config.json --data-dir /var/lib/sluice token add alice | tail -n1)"
[ "$(stat -c %U /etc/sluice/config.json)" = sluice ] || fail "token add as root changed config.json's owner"
ok=0
for _ in $(seq 100); do
    code="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $alice" "http://$address/jobs")"
    [ "$code" = 200 ] && { ok=1; break; }
    sleep 0.1
done
[ "$ok" = 1 ] || fail "the running service did not take alice's new token (last status $code)"
kill -TERM "${pids[0]}"
wait "${pids[0]}" || fail "sluiced did not stop cleanly on SIGTERM"
pids=()

step "the window, launched from its desktop entry, with its icon"
exec_line="$(sed -n 's/^Exec=//p' /usr/share/applications/$app_id.desktop)"
mkdir -p "$work/home"
HOME="$work/home" QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    '"$exec_line"' --listen 127.0.0.1:0 >"'"$work"'/sluice.log" 2>&1 &
    app=$!
    for _ in $(seq 600); do
        grep -q "listening on http://" "'"$work"'/sluice.log" && break
        sleep 0.1
    done
    window="$(xwininfo -root -tree | awk "/\"Sluice\": \\(\"sluice\"/ {print \$1; exit}")"
    if [ -n "$window" ]; then xprop -id "$window" _NET_WM_ICON WM_CLASS >"'"$work"'/xprop.txt" 2>&1; fi
    kill -TERM $app; wait $app || true' || true
grep -q "listening on http://" "$work/sluice.log" || { cat "$work/sluice.log" >&2; fail "the window did not start its service"; }
grep -q '^_NET_WM_ICON(CARDINAL)' "$work/xprop.txt" 2>/dev/null || { cat "$work/xprop.txt" >&2 || true; fail "the window has no icon"; }
grep -q '"sluice"' "$work/xprop.txt" || fail "WM_CLASS does not match StartupWMClass=sluice"

step "purging both packages"
apt-get purge -y -qq sluice sluiced >/dev/null
for path in /usr/bin/sluice /usr/bin/sluiced /etc/sluice /var/lib/sluice /lib/systemd/system/sluiced.service; do
    [ ! -e "$path" ] || fail "$path left after purge"
done
step "OK (installed, ran, purged)"

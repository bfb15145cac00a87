#!/usr/bin/env bash
# Checks the packages packaging/build-deb.sh left in build/deb/:
#   packaging/check-deb.sh
# - lintian: no error and no warning (overrides, with reasons, live in
#   packaging/debian/*.lintian-overrides);
# - the desktop entry and the AppStream metainfo as packaged validate; the
#   entry's Exec and Icon name files the packages install; sluiced and the
#   helper pull in neither Widgets nor Charts, and the window's package does
#   not pull in the service (whose unit would take the window's port);
# - as root with CI=true (or SLUICE_INSTALL_DEBS=1): installs the packages,
#   adds a token as root before the first start (the files stay the
#   service's), runs sluiced as the unit would (user sluice, /etc/sluice,
#   /var/lib/sluice), adds a token as root while it runs, launches the window
#   from its desktop entry under Xvfb and reads its icon off the X window,
#   then purges them and checks nothing is left (also when a check fails).
#   Elsewhere it runs the programs from the unpacked packages instead.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
debs="${SLUICE_BUILD_DIR:-$root/build}/deb"
version="$(dpkg-parsechangelog -l "$root/packaging/debian/changelog" -S Version)"
arch="$(dpkg --print-architecture)"
sluiced_deb="$debs/sluiced_${version}_${arch}.deb"
sluice_deb="$debs/sluice_${version}_${arch}.deb"
common_deb="$debs/sluice-common_${version}_${arch}.deb"
app_id=io.github.sluice.Sluice
fail() { echo "check-deb: FAIL: $*" >&2; exit 1; }
step() { echo "check-deb: $*"; }
for deb in "$sluiced_deb" "$sluice_deb" "$common_deb"; do
    [ -f "$deb" ] || fail "no $deb: run packaging/build-deb.sh"
done

work="$(mktemp -d)"
pids=()
installed=0
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    # A check that failed after installing leaves nothing installed either.
    if [ "$installed" = 1 ]; then
        apt-get purge -y -qq sluice sluiced sluice-common >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

step "lintian"
# lintian says it should not run as root; it checks the same either way.
if ! lintian --fail-on error,warning --display-info "$sluiced_deb" "$sluice_deb" "$common_deb" \
        >"$work/lintian.txt" 2>&1; then
    grep -v '^running with root privileges' "$work/lintian.txt" >&2 || true
    fail "lintian reports errors or warnings"
fi
grep -v '^running with root privileges' "$work/lintian.txt" || true

step "packaged desktop entry and metainfo"
dpkg-deb -x "$sluiced_deb" "$work/sluiced"
dpkg-deb -x "$sluice_deb" "$work/sluice"
dpkg-deb -x "$common_deb" "$work/common"
desktop="$work/sluice/usr/share/applications/$app_id.desktop"
metainfo="$work/sluice/usr/share/metainfo/$app_id.metainfo.xml"
desktop-file-validate "$desktop" || fail "desktop-file-validate $app_id.desktop"
appstreamcli validate --no-net "$metainfo" >/dev/null || fail "appstreamcli validate $app_id.metainfo.xml"
exec_name="$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$desktop")"
icon_name="$(sed -n 's/^Icon=//p' "$desktop")"
[ -n "$exec_name" ] && [ -f "$work/sluice/usr/bin/$exec_name" ] && [ -x "$work/sluice/usr/bin/$exec_name" ] \
    || fail "Exec=$exec_name is not a program of the sluice package"
[ -n "$icon_name" ] || fail "no Icon= in the desktop entry"
for size in 16 24 32 48 64 128 256 512; do
    [ -s "$work/sluice/usr/share/icons/hicolor/${size}x${size}/apps/$icon_name.png" ] \
        || fail "no ${size}x${size} icon named $icon_name"
done
[ -s "$work/sluice/usr/share/icons/hicolor/scalable/apps/$icon_name.svg" ] || fail "no scalable icon"
[ -s "$work/sluiced/lib/systemd/system/sluiced.service" ] || fail "no unit in sluiced"

step "sluiced needs neither Widgets nor Charts; the window does not pull in the service"
for deb in "$sluiced_deb" "$common_deb"; do
    depends="$(dpkg-deb -f "$deb" Depends)"
    case "$depends" in *widgets*|*charts*) fail "$(basename "$deb") depends on $depends" ;; esac
done
for bin in sluiced/usr/bin/sluiced common/usr/libexec/sluice/sluice-thumbnail; do
    [ -f "$work/$bin" ] || fail "${bin#*/} is not in its package"
    needed="$(objdump -p "$work/$bin")" || fail "objdump cannot read ${bin#*/}"
    if grep -E 'NEEDED.*(Widgets|Charts)' <<<"$needed"; then
        fail "${bin#*/} links Widgets or Charts"
    fi
done
case "$(dpkg-deb -f "$sluice_deb" Depends)" in
    *"sluiced "*|*"sluiced,"*|*sluiced) fail "the window's package depends on the service's" ;;
esac

install=0
if [ "$(id -u)" -eq 0 ] && { [ "${CI:-}" = true ] || [ "${SLUICE_INSTALL_DEBS:-}" = 1 ]; }; then
    install=1
fi
if [ "$install" -eq 0 ]; then
    step "not installing (root with CI=true or SLUICE_INSTALL_DEBS=1 does): running the unpacked programs"
    out="$("$work/sluiced/usr/bin/sluiced" --version)"
    [ "$out" = "sluiced $version" ] || fail "sluiced --version printed '$out'"
    out="$(QT_QPA_PLATFORM=offscreen "$work/sluice/usr/bin/sluice" --version 2>/dev/null)"
    [ "$out" = "sluice $version" ] || fail "sluice --version printed '$out'"
    step "OK (not installed)"
    exit 0
fi

# Waits until FILE has a line matching PATTERN (the programs print
# "listening on http://ADDR" once they listen), at most 60 s, or until PID
# has exited.
wait_for_line() {
    local file="$1" pattern="$2" pid="$3"
    for _ in $(seq 600); do
        grep -q "$pattern" "$file" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$file" >&2
    fail "no line '$pattern' in $file"
}

step "installing the packages"
export DEBIAN_FRONTEND=noninteractive
for p in sluice sluiced sluice-common; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        fail "$p is installed already; this check installs and purges it, so remove it first"
    fi
done
installed=1
apt-get install -y -qq --no-install-recommends "$sluiced_deb" "$sluice_deb" "$common_deb" >/dev/null
[ -x /usr/bin/sluice ] || fail "/usr/bin/sluice missing"
[ -x /usr/bin/sluiced ] || fail "/usr/bin/sluiced missing"
[ "$(sluiced --version)" = "sluiced $version" ] || fail "sluiced --version printed '$(sluiced --version)'"
getent passwd sluice >/dev/null || fail "no system user sluice (sysusers)"
[ "$(stat -c '%U %a' /etc/sluice)" = "sluice 750" ] || fail "/etc/sluice is $(stat -c '%U %a' /etc/sluice) (tmpfiles)"
# Installed, not enabled: the administrator enables it.
[ ! -e /etc/systemd/system/multi-user.target.wants/sluiced.service ] || fail "sluiced.service was enabled on install"

# What StateDirectory=sluice does before ExecStart.
install -d -o sluice -g sluice -m 0750 /var/lib/sluice
service=(sluiced --config /etc/sluice/config.json --data-dir /var/lib/sluice)

step "token add as root before the first start"
# It creates the config: the files stay the service's, and the admin's
# token of the new config is shown (stderr), not lost.
early="$("${service[@]}" token add early 2>"$work/first.err" | tail -n1)"
token="$(sed -n 's/^token //p' "$work/first.err" | head -n1)"
[ -n "$early" ] && [ -n "$token" ] || { cat "$work/first.err" >&2; fail "token add before the first start"; }
for f in /etc/sluice/config.json /etc/sluice/config.json.lock; do
    [ "$(stat -c %U "$f")" = sluice ] || fail "$f is owned by $(stat -c %U "$f"), not sluice"
done

step "sluiced as the service runs it"
setpriv --reuid=sluice --regid=sluice --init-groups --inh-caps=-all \
    "${service[@]}" --listen 127.0.0.1:0 >"$work/sluiced.log" 2>&1 &
pids+=($!)
wait_for_line "$work/sluiced.log" "listening on http://" "${pids[0]}"
address="$(sed -n 's|.*listening on http://||p' "$work/sluiced.log" | head -n1)"
[ "$(stat -c %U /etc/sluice/config.json)" = sluice ] || fail "config.json is not owned by sluice"
curl -fsS "http://$address/healthz" >/dev/null || fail "GET /healthz"
curl -fsS -H "Authorization: Bearer $token" "http://$address/api/status" >/dev/null || fail "GET /api/status as operator"
curl -fsS -H "Authorization: Bearer $early" "http://$address/jobs" >/dev/null || fail "GET /jobs as early"

step "token add as root, while the service runs"
alice="$("${service[@]}" token add alice | tail -n1)"
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

step "purging the packages"
apt-get purge -y -qq sluice sluiced sluice-common >/dev/null
installed=0
for path in /usr/bin/sluice /usr/bin/sluiced /usr/libexec/sluice /etc/sluice /var/lib/sluice \
    /lib/systemd/system/sluiced.service; do
    [ ! -e "$path" ] || fail "$path left after purge"
done
step "OK (installed, ran, purged)"

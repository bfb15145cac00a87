#!/usr/bin/env bash
# Builds the Debian packages sluiced (the service), sluice (the window) and
# sluice-common (what both use) from this checkout and leaves them in
# build/deb/:
#   packaging/build-deb.sh
# It copies the tracked (and new, not ignored) files to build/deb/src,
# puts packaging/debian/ where dpkg-buildpackage wants it (the top level keeps
# the project's own layout), and builds binary packages only, unsigned.
# Needs nothing beyond the Debian archive: the build dependencies come from
# packaging/debian/control, installed with apt when missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${SLUICE_BUILD_DIR:-$root/build}/deb"
mkdir -p "$out"

# What it and check-deb.sh use (xvfb and x11-utils: the window under Xvfb).
tools=(dpkg-dev debhelper fakeroot lintian desktop-file-utils appstream xvfb xauth x11-utils)
missing=()
for p in "${tools[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ]; then
    echo "build-deb: installing ${missing[*]}"
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

version="$(dpkg-parsechangelog -l "$root/packaging/debian/changelog" -S Version)"
work="$out/src"
src="$work/sluice-$version"
# The copy and its build go when this script ends, whether it built or not;
# the .deb files of an earlier run stay until this one has built new ones.
trap 'rm -rf "$work"' EXIT
rm -rf "$work"
mkdir -p "$src"
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked files as they are now (uncommitted changes included), plus new
    # ones not ignored; files deleted but not committed are skipped.
    (cd "$root" && git ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
        | tar --null --files-from=- -cf -) | tar -xf - -C "$src"
else
    (cd "$root" && tar --exclude=./build --exclude="./${out#"$root"/}" --exclude=./node_modules -cf - .) \
        | tar -xf - -C "$src"
fi
cp -r "$root/packaging/debian" "$src/debian"

# Build dependencies: apt reads them from the copy's debian/control.
if ! (cd "$src" && dpkg-checkbuilddeps) >/dev/null 2>&1; then
    echo "build-deb: installing the build dependencies"
    $sudo apt-get update -qq
    $sudo apt-get build-dep -y -qq "$src" >/dev/null
fi

# Two cores: two jobs. Binary packages only, unsigned.
(cd "$src" && DEB_BUILD_OPTIONS="parallel=${SLUICE_JOBS:-2} nocheck ${DEB_BUILD_OPTIONS:-}" \
    dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1 || {
    tail -n 60 "$out/build.log" >&2
    echo "build-deb: dpkg-buildpackage failed; the whole log is $out/build.log" >&2
    exit 1
}
# dpkg-buildpackage leaves its results beside the source tree.
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
mv "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out"/
ls "$out"/*.deb

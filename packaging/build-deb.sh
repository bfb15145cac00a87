#!/usr/bin/env bash
# Builds the Debian packages sluiced and sluice from this checkout and leaves
# them in build/deb/:
#   packaging/build-deb.sh
# It copies the tracked (and new, not ignored) files to build/deb/src,
# puts packaging/debian/ where dpkg-buildpackage wants it (the top level keeps
# the project's own layout), and builds binary packages only, unsigned.
# Needs nothing beyond the Debian archive: the build dependencies come from
# packaging/debian/control, installed with apt when missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${SLUICE_BUILD_DIR:-$root/build}/deb"

tools=(dpkg-dev debhelper fakeroot lintian desktop-file-utils appstream)
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
src="$out/src/sluice-$version"
rm -rf "$out"
mkdir -p "$src"
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked files as they are now, plus new ones not ignored; files deleted
    # but not committed are skipped.
    (cd "$root" && git ls-files -z --cached --others --exclude-standard \
        | tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$src"
else
    (cd "$root" && tar --exclude=./build --exclude=./node_modules -cf - .) | tar -xf - -C "$src"
fi
cp -r "$root/packaging/debian" "$src/debian"

# Build dependencies: whatever control names and the machine lacks.
if ! (cd "$src" && dpkg-checkbuilddeps) 2>/dev/null; then
    needs="$(cd "$src" && dpkg-checkbuilddeps 2>&1 | sed -n 's/.*Unmet build dependencies: //p' \
             | sed 's/([^)]*)//g; s/|[^ ]*//g')"
    echo "build-deb: installing build dependencies $needs"
    $sudo apt-get update -qq
    # shellcheck disable=SC2086 # one word per package
    $sudo apt-get install -y -qq --no-install-recommends $needs >/dev/null
fi

# Two cores: two jobs. Binary packages only, unsigned.
(cd "$src" && DEB_BUILD_OPTIONS="parallel=${SLUICE_JOBS:-2} nocheck ${DEB_BUILD_OPTIONS:-}" \
    dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1 || {
    tail -n 60 "$out/build.log" >&2
    echo "build-deb: dpkg-buildpackage failed; the whole log is $out/build.log" >&2
    exit 1
}
# dpkg-buildpackage leaves its results beside the source tree.
mv "$out/src"/*.deb "$out/src"/*.changes "$out/src"/*.buildinfo "$out"/
rm -rf "$out/src"
ls "$out"/*.deb

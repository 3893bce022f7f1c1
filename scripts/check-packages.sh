#!/usr/bin/env bash
# check-packages.sh [DIST]: check what `make package` made (CI runs it). The
# .deb must hold the binary, a desktop entry naming it and the icon that entry
# names, with a control file naming the package, FyneApp.toml's version, this
# machine's architecture and the GL/X11 libraries; the tarball must hold the
# same three files; and the packaged binary must run.
set -euo pipefail
dist=${1:-dist}
version=$(sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
arch=$(dpkg --print-architecture)
deb=$dist/coplan_${version}_${arch}.deb
tarball=$dist/coplan-${version}-linux-${arch}.tar.xz
fail() { echo "check-packages: $*" >&2; exit 1; }
[ -f "$deb" ] || fail "no $deb"
[ -f "$tarball" ] || fail "no $tarball"

info=$(dpkg-deb --info "$deb")
echo "$info"
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = coplan ] || fail "Package is not coplan"
[ "$(field Version)" = "$version" ] || fail "Version is not $version"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture is not $arch"
for lib in libc6 libgl1 libx11-6; do
	field Depends | tr ',' '\n' | grep -q "^ *$lib\b" || fail "Depends lacks $lib"
done

contents=$(dpkg-deb --contents "$deb")
echo "$contents"
has() { grep -qE "$1" <<<"$2" || fail "$3"; }
has ' \./usr/bin/coplan$' "$contents" "the .deb has no /usr/bin/coplan"
has '^-rwxr-xr-x .* \./usr/bin/coplan$' "$contents" "/usr/bin/coplan is not executable"
has ' \./usr/share/applications/[^/]+\.desktop$' "$contents" "the .deb has no desktop entry"

x=$(mktemp -d)
trap 'rm -rf "$x"' EXIT
dpkg-deb -x "$deb" "$x/deb"
desktop=$(ls "$x"/deb/usr/share/applications/*.desktop)
grep -qx 'Exec=coplan\( .*\)\?' "$desktop" || fail "the desktop entry does not run coplan"
icon=$(sed -n 's/^Icon=//p' "$desktop")
[ -n "$icon" ] || fail "the desktop entry names no icon"
has " \./usr/share/(pixmaps|icons/hicolor/[^/]+/apps)/$icon\.png$" "$contents" "the .deb has no icon $icon.png"
"$x/deb/usr/bin/coplan" help >/dev/null || fail "the packaged binary does not run"

listing=$(tar -tJf "$tarball")
has '/usr(/local)?/bin/coplan$' "$listing" "the tarball has no bin/coplan"
has '/usr(/local)?/share/applications/[^/]+\.desktop$' "$listing" "the tarball has no desktop entry"
has "/usr(/local)?/share/pixmaps/$icon\.png$" "$listing" "the tarball has no icon"
echo "check-packages: $deb and $tarball hold the binary, the desktop entry and the icon"

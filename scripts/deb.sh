#!/usr/bin/env bash
# deb.sh TARBALL VERSION OUTDIR: turn the Linux tarball that `fyne package`
# makes (binary, desktop entry, icon under usr/local or usr) into a .deb in
# OUTDIR. Files move to /usr, as Debian packages keep /usr/local for the
# administrator; Depends comes from the binary's shared libraries
# (dpkg-shlibdeps), so it names libgl1, libx11-6 and the rest as they are.
# Called by `make package`.
set -euo pipefail
tarball=$1 version=$2 out=$3
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tar -xJf "$tarball" -C "$work"
src=$(find "$work" -path '*/usr/bin/coplan' -o -path '*/usr/local/bin/coplan' | head -n1)
[ -n "$src" ] || { echo "deb.sh: no usr/bin/coplan in $tarball" >&2; exit 1; }
prefix=$(dirname "$(dirname "$src")") # .../usr or .../usr/local

root=$work/root
mkdir -p "$root/usr" "$root/DEBIAN"
cp -R "$prefix/." "$root/usr/"
find "$root" -type d -exec chmod 755 {} +
find "$root/usr" -type f -exec chmod 644 {} +
chmod 755 "$root/usr/bin/coplan"
for f in "$root"/usr/share/applications/*.desktop; do
	grep -q '^Exec=' "$f" || { echo "deb.sh: $f has no Exec line" >&2; exit 1; }
done

# dpkg-shlibdeps wants to run in a source tree: give it the smallest one.
mkdir -p "$work/src/debian"
printf 'Source: coplan\n\nPackage: coplan\nArchitecture: any\n' >"$work/src/debian/control"
depends=$(cd "$work/src" && dpkg-shlibdeps -O -e"$root/usr/bin/coplan" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "deb.sh: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
website=$(sed -n 's/^Website *= *"\(.*\)"/\1/p' FyneApp.toml 2>/dev/null || true)

cat >"$root/DEBIAN/control" <<EOF
Package: coplan
Version: $version
Architecture: $arch
Maintainer: ${DEB_MAINTAINER:-Coplan developers <https://github.com/coplan/coplan/issues>}
Installed-Size: $(du -sk "$root/usr" | cut -f1)
Depends: $depends
Section: misc
Priority: optional
Homepage: ${website:-https://github.com/coplan/coplan}
Description: draft an OGP National Action Plan together, offline first
 Coplan is where a government and civil society write their Open Government
 Partnership National Action Plan together. Every drafter edits on their own
 laptop, offline; when drafters meet, their laptops find each other on the
 local network and merge every edit, with no central server. The minister
 signs a release that anyone can check with ssh-keygen.
EOF

deb=$out/coplan_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "deb.sh: wrote $deb"

#!/usr/bin/env bash
# Builds presso_<version>_<arch>.deb with dpkg-deb (no debhelper): the release binaries built
# with the Swift standard library linked in (--static-swift-stdlib: no Swift runtime on the
# board), the files scripts/install.sh installs, maintainer scripts from packaging/deb/.
#
#   scripts/build-deb.sh [--out DIR] [--no-build]
#
# --out DIR (default out/, gitignored): where the .deb goes; its path is the last line printed.
# --no-build: package the binaries already in .build/release.
# Depends: the packages the daemon talks to (bluez, dbus) and creates its user with (systemd:
# systemd-sysusers), plus the package of every shared library the binaries load (ldd, mapped
# with dpkg -S): libdbus-1-3, libgpiod2, libbluetooth3, libc6, ... Versions are not pinned.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null 2>&1 || export PATH=$PATH:/opt/swift/usr/bin

OUT=out
BUILD_ARG=()
while [ $# -gt 0 ]; do
    case "$1" in
        --out) OUT=$2; shift 2 ;;
        --no-build) BUILD_ARG=(--no-build); shift ;;
        *) echo "build-deb.sh: unknown argument '$1'" >&2; exit 64 ;;
    esac
done

VERSION=$(sed -n 's/.*static let version = "\([^"]*\)".*/\1/p' Sources/pressod/Pressod.swift)
ARCH=$(dpkg --print-architecture)
[ -n "$VERSION" ] || { echo "build-deb.sh: no version in Sources/pressod/Pressod.swift" >&2; exit 1; }
STAGE=$(mktemp -d /tmp/presso-deb.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
ROOT=$STAGE/root

bash scripts/install.sh --destdir "$ROOT" "${BUILD_ARG[@]}" >&2

# The libraries the binaries load themselves (NEEDED), resolved to paths by ldd; their own
# dependencies are their packages' business.
LIBS=$(for b in "$ROOT"/usr/bin/*; do
    paths=$(ldd "$b")
    for soname in $(readelf -d "$b" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
        echo "$paths" | awk -v so="$soname" '$1 == so && $2 == "=>" {print $3}'
    done
done | sort -u)
# The Swift runtime must not be needed: no libswift*.so among them.
if echo "$LIBS" | grep -q 'libswift\|libFoundation\|libdispatch'; then
    echo "build-deb.sh: binaries load the Swift runtime (not --static-swift-stdlib?):" >&2
    echo "$LIBS" | grep 'swift\|Foundation\|dispatch' >&2
    exit 1
fi
declare -A DEPENDS=([bluez]=1 [dbus]=1 [systemd]=1 [init-system-helpers]=1)
for lib in $LIBS; do
    # usrmerge: the library may be registered under /lib or /usr/lib.
    pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "${lib#/usr}" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null) \
        || { echo "build-deb.sh: no Debian package ships $lib" >&2; exit 1; }
    pkg=${pkg%%:*}
    DEPENDS[$pkg]=1
done
DEPENDS_LINE=$(printf '%s\n' "${!DEPENDS[@]}" | sort | paste -sd, | sed 's/,/, /g')

mkdir -p "$ROOT/DEBIAN"
install -m 755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$ROOT/DEBIAN/"
echo /etc/presso/pressod.conf > "$ROOT/DEBIAN/conffiles"
cat > "$ROOT/DEBIAN/control" <<CONTROL
Package: presso
Version: $VERSION
Architecture: $ARCH
Maintainer: Presso developers <presso@localhost>
Section: misc
Priority: optional
Depends: $DEPENDS_LINE
Installed-Size: $(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
Homepage: file:/usr/share/doc/presso/README.md
Description: Bluetooth LE daemon of pressotherapy boots
 pressod serves the boots' GATT profile through BlueZ, drives pump and valves
 through libgpiod (or a simulated pump) and keeps every chamber safe; it runs
 as pressod.service. "pressod doctor" checks what it needs on this machine.
CONTROL

mkdir -p "$OUT"
DEB=$OUT/presso_${VERSION}_${ARCH}.deb
dpkg-deb --root-owner-group -Zxz --build "$ROOT" "$DEB" >&2
echo "build-deb.sh: $(du -h "$DEB" | cut -f1) $(dpkg-deb -f "$DEB" Depends)" >&2
echo "$DEB"

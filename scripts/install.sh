#!/usr/bin/env bash
# Installs Presso to the standard Debian paths, or under a staging root (packaging, tests).
#
#   scripts/install.sh [--destdir DIR] [--bin-dir DIR] [--no-build]
#
#   --destdir DIR   install under DIR (as `make install DESTDIR=DIR`); default: / (the system)
#   --bin-dir DIR   take the binaries from DIR instead of building them
#   --no-build      with --bin-dir's default (.build/release): use what is built
#
# Builds the release binaries first: `swift build -c release --static-swift-stdlib` of pressod
# and, when Package.swift declares it, pressoctl. Static Swift standard library: the board needs
# no Swift runtime, only the C libraries the package depends on (see build-deb.sh's Depends).
#
# Installed (paths as in README "Installing on a board"):
#   /usr/bin/pressod, /usr/bin/pressoctl (if built)
#   /usr/lib/systemd/system/pressod.service
#   /usr/lib/sysusers.d/presso.conf
#   /usr/lib/udev/rules.d/60-presso-gpio.rules
#   /usr/share/dbus-1/system.d/org.presso.Boots.conf
#   /etc/presso/pressod.conf              (kept if it exists: it is the user's configuration)
#   /usr/share/doc/presso/                README.md, pressod.conf and pressod-gpio.example.conf
#                                         (examples), bluetooth.service.d/presso.conf (the
#                                         optional bluetoothd drop-in pressod doctor points to)
# Installing to / also runs what the package's postinst does: systemd-sysusers, udev reload,
# and, when systemd runs, daemon-reload (enabling and starting is left to you:
# systemctl enable --now pressod).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null 2>&1 || export PATH=$PATH:/opt/swift/usr/bin

DESTDIR=${DESTDIR:-}
BIN_DIR=
BUILD=1
while [ $# -gt 0 ]; do
    case "$1" in
        --destdir) DESTDIR=$2; shift 2 ;;
        --destdir=*) DESTDIR=${1#*=}; shift ;;
        --bin-dir) BIN_DIR=$2; BUILD=0; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown argument '$1' (see --help)" >&2; exit 64 ;;
    esac
done

# The products this checkout has: pressoctl only once Package.swift declares it.
PRODUCTS=(pressod)
grep -q '\.executable(name: "pressoctl"' Package.swift && PRODUCTS+=(pressoctl)

if [ "$BUILD" = 1 ]; then
    for product in "${PRODUCTS[@]}"; do
        echo "install.sh: swift build -c release --static-swift-stdlib --product $product" >&2
        swift build -c release --static-swift-stdlib --product "$product" >&2
    done
fi
BIN_DIR=${BIN_DIR:-$(swift build -c release --show-bin-path)}
for product in "${PRODUCTS[@]}"; do
    [ -x "$BIN_DIR/$product" ] || { echo "install.sh: $BIN_DIR/$product is not built" >&2; exit 1; }
done

root=${DESTDIR%/}
put() {   # put MODE SOURCE DESTINATION
    install -D -m "$1" "$2" "$root$3"
    echo "  $3"
}
echo "install.sh: installing to ${DESTDIR:-/}" >&2
for product in "${PRODUCTS[@]}"; do
    put 755 "$BIN_DIR/$product" "/usr/bin/$product"
done
put 644 systemd/pressod.service /usr/lib/systemd/system/pressod.service
put 644 systemd/presso.sysusers.conf /usr/lib/sysusers.d/presso.conf
put 644 systemd/60-presso-gpio.rules /usr/lib/udev/rules.d/60-presso-gpio.rules
put 644 systemd/org.presso.Boots.conf /usr/share/dbus-1/system.d/org.presso.Boots.conf
put 644 README.md /usr/share/doc/presso/README.md
put 644 systemd/pressod.conf /usr/share/doc/presso/pressod.conf
put 644 systemd/pressod-gpio.example.conf /usr/share/doc/presso/pressod-gpio.example.conf
put 644 systemd/bluetooth.service.d/presso.conf /usr/share/doc/presso/bluetooth.service.d/presso.conf
if [ -e "$root/etc/presso/pressod.conf" ]; then
    echo "  /etc/presso/pressod.conf kept (exists); the shipped one is /usr/share/doc/presso/pressod.conf"
else
    put 644 systemd/pressod.conf /etc/presso/pressod.conf
fi

if [ -z "$root" ]; then
    systemd-sysusers /usr/lib/sysusers.d/presso.conf
    if [ -d /run/udev ]; then
        udevadm control --reload-rules && udevadm trigger --subsystem-match=gpio --action=change
    fi
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload
        echo "install.sh: now: pressod doctor; systemctl enable --now pressod" >&2
    fi
fi

#!/usr/bin/env bash
# Installs what Presso needs on Debian 12 (as root), idempotently: nothing is fetched when
# everything is already there. Usage: scripts/setup.sh GROUP...
#   build  C libraries the Swift package links (libdbus-1, libgpiod v1, libbluetooth)
#   test   tools the fast test tier runs against (dbus-daemon, busctl, gdbus, python3-dbus,
#          python3-jsonschema for the GATT contract checks)
#   vm     the real-BlueZ tier: QEMU, Debian's kernel, BlueZ, btvirt, virtme-ng/bleak/pexpect
set -euo pipefail

apt_groups_build="pkg-config libdbus-1-dev libgpiod-dev libbluetooth-dev gcc libc6-dev"
apt_groups_test="dbus systemd libglib2.0-bin python3-dbus python3-gi gpiod python3-jsonschema"
apt_groups_vm="qemu-system-x86 linux-image-amd64 busybox-static kmod bluez bluez-test-tools python3-venv make"

# Where the Python virtualenv for the VM tier lives; outside the clone so CI reuses it.
PRESSO_CACHE=${PRESSO_CACHE:-/var/cache/presso}

need_root() {
    if [ "$(id -u)" != 0 ]; then echo "setup.sh: run as root (it installs Debian packages)" >&2; exit 1; fi
}

missing_debs() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
    done
}

apt_install() {
    local missing
    missing=$(missing_debs "$@")
    [ -z "$missing" ] && return 0
    need_root
    echo "setup.sh: installing $(echo $missing | tr '\n' ' ')" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing >/dev/null
}

kernel_version() {
    dpkg-query -W -f='${Depends}' linux-image-amd64 | sed -E 's/.*linux-image-([0-9][^ ,]*).*/\1/'
}

setup_vm() {
    apt_install $apt_groups_vm
    apt_install "linux-headers-$(kernel_version)"
    local venv=$PRESSO_CACHE/venv
    if [ ! -x "$venv/bin/vng" ] || [ ! -x "$venv/bin/python3" ] \
        || ! "$venv/bin/python3" -c 'import bleak, pexpect' 2>/dev/null; then
        mkdir -p "$PRESSO_CACHE"
        /usr/bin/python3 -m venv "$venv"
        "$venv/bin/pip" install -q virtme-ng bleak pexpect
    fi
}

check_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        for d in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
            [ -x "$d/swift" ] && { echo "setup.sh: swift is at $d; add it to PATH" >&2; exit 1; }
        done
        echo "setup.sh: no Swift toolchain on PATH (Swift 6.2 or newer is needed)" >&2
        exit 1
    fi
}

for group in "$@"; do
    case $group in
        build) check_swift; apt_install $apt_groups_build ;;
        test) apt_install $apt_groups_test ;;
        vm) setup_vm ;;
        *) echo "setup.sh: unknown group '$group' (build, test, vm)" >&2; exit 2 ;;
    esac
done

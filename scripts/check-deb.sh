#!/usr/bin/env bash
# Installs a presso .deb into a FRESH, empty root with dpkg and checks the result; then purges it.
#
#   scripts/check-deb.sh out/presso_0.1.0_amd64.deb
#
# The root starts as nothing but an empty dpkg database. dpkg unpacks the package there and runs
# its maintainer scripts chrootless (--force-script-chrootless: the root has no shell of its
# own) with DPKG_ROOT set, so systemd-sysusers and deb-systemd-helper work on the fresh root.
# The package's dependencies are not in that root (--force-depends): this proves the package's
# own content and scripts — files, modes, conffile, user and groups, the unit enabled, the unit
# valid (systemd-analyze verify --root), a clean purge — not that apt resolves its Depends (the
# VM scenario Tests/Real/scenarios/40-install-deb.sh installs it on a full system with dpkg -i).
# Prints one PASS/FAIL line per check; exits non-zero on any FAIL.
set -uo pipefail
DEB=${1:?usage: check-deb.sh DEB}
[ -f "$DEB" ] || { echo "check-deb.sh: no $DEB" >&2; exit 2; }
ROOT=$(mktemp -d /tmp/presso-fresh-root.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT
LOG=$ROOT.log
failed=0
check() {   # check NAME COMMAND...
    local name=$1; shift
    if "$@" >> "$LOG" 2>&1; then echo "PASS $name"; else echo "FAIL $name (see $LOG)"; failed=1; fi
}
: > "$LOG"
mkdir -p "$ROOT/var/lib/dpkg/info" "$ROOT/var/lib/dpkg/updates" "$ROOT/var/lib/dpkg/triggers"
: > "$ROOT/var/lib/dpkg/status"
DPKG=(dpkg --root="$ROOT" --force-script-chrootless --force-depends --log=/dev/null)

control() { dpkg-deb -f "$DEB" Depends | tr -d ' ' | tr ',' '\n' | sort > "$ROOT.depends"
    for p in bluez dbus libbluetooth3 libdbus-1-3 libgpiod2 systemd; do grep -qx "$p" "$ROOT.depends" || { echo "Depends lacks $p"; return 1; }; done
    ! grep -q swift "$ROOT.depends"; }
install() { "${DPKG[@]}" -i "$DEB"; }
status() { dpkg-query --admindir="$ROOT/var/lib/dpkg" -W -f='${Status}' presso | grep -qx 'install ok installed'; }
files() {
    local rc=0 entry path mode
    for entry in 755:/usr/bin/pressod 644:/usr/lib/systemd/system/pressod.service 644:/usr/lib/sysusers.d/presso.conf \
        644:/usr/lib/udev/rules.d/60-presso-gpio.rules 644:/usr/share/dbus-1/system.d/org.presso.Boots.conf \
        644:/etc/presso/pressod.conf 644:/usr/share/doc/presso/README.md 644:/usr/share/doc/presso/pressod-gpio.example.conf \
        644:/usr/share/doc/presso/bluetooth.service.d/presso.conf; do
        mode=${entry%%:*}; path=${entry#*:}
        [ "$(stat -c %a "$ROOT$path" 2>/dev/null)" = "$mode" ] && [ "$(stat -c %U:%G "$ROOT$path")" = root:root ] \
            || { echo "$path: $(stat -c '%a %U:%G' "$ROOT$path" 2>&1), want $mode root:root"; rc=1; }
    done
    if grep -q '\.executable(name: "pressoctl"' "$(dirname "$0")/../Package.swift"; then
        [ -x "$ROOT/usr/bin/pressoctl" ] || { echo "pressoctl is declared but not packaged"; rc=1; }
    fi
    return $rc
}
conffile() { grep -qx /etc/presso/pressod.conf "$ROOT/var/lib/dpkg/info/presso.conffiles"; }
user() { grep -q '^presso:x:[0-9]*:[0-9]*:Presso boots daemon:/var/lib/presso:' "$ROOT/etc/passwd" \
    && grep -q '^gpio:x:[0-9]*:presso$' "$ROOT/etc/group" && grep -q '^bluetooth:x:[0-9]*:presso$' "$ROOT/etc/group" \
    && grep -q '^presso-admin:' "$ROOT/etc/group"; }
enabled() { [ "$(readlink "$ROOT/etc/systemd/system/multi-user.target.wants/pressod.service")" = /usr/lib/systemd/system/pressod.service ] \
    || [ "$(readlink "$ROOT/etc/systemd/system/multi-user.target.wants/pressod.service")" = /lib/systemd/system/pressod.service ]; }
# The unit is verified inside the root, against the unit files its dependencies would bring
# (systemd's targets, bluez's bluetooth.service, dbus.service): copied from this machine's
# installed packages, never over a file of the package.
verify() {
    local unit
    for unit in $(dpkg -L systemd bluez dbus | grep -E '^(/usr)?/lib/systemd/system/[^/]+$'); do
        [ -e "$unit" ] && [ ! -e "$ROOT/usr/lib/systemd/system/$(basename "$unit")" ] \
            && cp -P "$unit" "$ROOT/usr/lib/systemd/system/"
    done
    systemd-analyze verify --root="$ROOT" /usr/lib/systemd/system/pressod.service > "$ROOT.verify" 2>&1
    local rc=$?
    cat "$ROOT.verify"
    [ $rc = 0 ] && ! grep -q . "$ROOT.verify"
}
statically_linked_swift() { ! ldd "$ROOT/usr/bin/pressod" | grep -qi 'swift\|libFoundation\|libdispatch\|not found'; }
purge() { "${DPKG[@]}" --purge presso && [ ! -e "$ROOT/usr/bin/pressod" ] && [ ! -e "$ROOT/etc/presso" ] \
    && [ ! -e "$ROOT/etc/systemd/system/multi-user.target.wants/pressod.service" ] && [ ! -e "$ROOT/var/lib/presso" ]; }

check control-depends control
check dpkg-install install
check status-installed status
check files-and-modes files
check conffile-registered conffile
check user-and-groups user
check unit-enabled enabled
check unit-verifies verify
check no-swift-runtime statically_linked_swift
mkdir -p "$ROOT/var/lib/presso" && touch "$ROOT/var/lib/presso/settings.json"   # as a run would leave
check dpkg-purge purge
rm -f "$ROOT.depends" "$ROOT.verify"
[ "$failed" = 0 ] && rm -f "$LOG"
exit $failed

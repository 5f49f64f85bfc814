#!/bin/bash
# The .deb installed with dpkg in the VM, then `pressod doctor` against the VM's real bluetoothd.
# requires: deb
# requires: gpio-sim
#
# The guest's / is the host's root seen through writable overlays (writes stay in the guest):
# dpkg unpacks into /usr and records into /var/lib/dpkg as on a board. If /usr is not writable
# (an older virtme-ng), a tmpfs overlay is put on it. virtme-ng mounts files of its own over the
# account databases (/etc/shadow, ...): systemd-sysusers replaces them by rename(2), which a
# mount point refuses (EBUSY), so those mounts are lifted first and the overlay's files show.
# systemd is not PID 1 in the guest, so the postinst takes its "no systemd" path: user created,
# unit enabled (link), nothing started.
set -u
. "$PRESSO_REAL/guest/stack.sh"
OUT=$PRESSO_SCENARIO_OUT

usr_writable() {
    touch /usr/.presso-write-test 2>/dev/null && rm -f /usr/.presso-write-test && return 0
    mkdir -p /tmp/usr-overlay/upper /tmp/usr-overlay/work \
        && mount -t overlay overlay -o lowerdir=/usr,upperdir=/tmp/usr-overlay/upper,workdir=/tmp/usr-overlay/work /usr
}
not_installed() { ! dpkg-query -W presso >/dev/null 2>&1 && [ ! -e /usr/bin/pressod ]; }
install_deb() { dpkg -i "$PRESSO_DEB" > "$OUT/dpkg-install.log" 2>&1; }
installed_files() {
    local f rc=0
    for f in /usr/bin/pressod /usr/lib/systemd/system/pressod.service /usr/lib/sysusers.d/presso.conf \
        /usr/lib/udev/rules.d/60-presso-gpio.rules /usr/share/dbus-1/system.d/org.presso.Boots.conf \
        /etc/presso/pressod.conf /usr/share/doc/presso/pressod-gpio.example.conf \
        /usr/share/doc/presso/bluetooth.service.d/presso.conf; do
        [ -e "$f" ] || { echo "missing: $f"; rc=1; }
    done
    dpkg-query -W -f='${Status} ${Version}\n' presso | tee "$OUT/dpkg-status.txt" | grep -q '^install ok installed '
    grep -qx /etc/presso/pressod.conf /var/lib/dpkg/info/presso.conffiles || { echo "conffile not registered"; rc=1; }
    dpkg -L presso > "$OUT/dpkg-L.txt"
    return $rc
}
user_made() { id presso | tee "$OUT/id-presso.txt" | grep -q '(bluetooth)' && grep -q '(gpio)' "$OUT/id-presso.txt" && getent group presso-admin >/dev/null; }
unit_enabled() { [ "$(readlink -f /etc/systemd/system/multi-user.target.wants/pressod.service)" = /usr/lib/systemd/system/pressod.service ]; }
unit_verifies() { systemd-analyze verify /usr/lib/systemd/system/pressod.service > "$OUT/verify.txt" 2>&1; }
no_swift_runtime() { ldd /usr/bin/pressod > "$OUT/ldd.txt" && ! grep -qi 'swift\|Foundation\|dispatch' "$OUT/ldd.txt" && ! grep -q 'not found' "$OUT/ldd.txt"; }

# doctor NAME: runs the installed pressod doctor, output in doctor-NAME.txt, exit in doctor-NAME.rc
doctor() { local name=$1; shift; /usr/bin/pressod doctor "$@" > "$OUT/doctor-$name.txt" 2>&1; echo $? > "$OUT/doctor-$name.rc"; cat "$OUT/doctor-$name.txt"; }
line_is() { grep -qE "^$2 +$3 " "$OUT/doctor-$1.txt" || { echo "expected '$2 $3' in doctor-$1.txt"; return 1; }; }
exit_is() { [ "$(cat "$OUT/doctor-$1.rc")" = "$2" ]; }

accounts_replaceable() {
    local f
    for f in /etc/passwd /etc/group /etc/shadow /etc/gshadow; do
        if mountpoint -q "$f"; then echo "lifting the mount on $f"; umount "$f" || return 1; fi
    done
}
check usr-writable usr_writable
check accounts-replaceable accounts_replaceable
check not-installed-before not_installed
check dpkg-install install_deb
check files-installed installed_files
check user-and-groups user_made
check unit-enabled unit_enabled
check unit-verifies unit_verifies
check no-swift-runtime no_swift_runtime

# The stack as the runner left it: bluetoothd -E, hci0 and hci1 powered.
doctor stack
check doctor-config line_is stack ok config
check doctor-bus line_is stack ok "system bus"
check doctor-bluetoothd line_is stack ok bluetoothd
check doctor-adapter line_is stack ok adapter
check doctor-experimental line_is stack ok experimental
check doctor-bus-policy line_is stack ok "bus policy"
check doctor-exit-0 exit_is stack 0

# bluetoothd without -E: the experimental line turns to warn (does not block: exit 0).
start_plain_bluetoothd() {
    stack_stop_bluetoothd
    stack_spawn bluetoothd "$STACK_LOGS/bluetoothd.plain.log" "$BLUETOOTHD" -n -f "$PRESSO_REAL/guest/main.conf"
    wait_for 30 stack_adapter_on_bus hci0 && stack_power_adapters hci0
}
check bluetoothd-without-E start_plain_bluetoothd
doctor plain
check doctor-experimental-off line_is plain warn experimental
check doctor-plain-exit-0 exit_is plain 0

# Adapter powered off: warn. bluetoothd gone: FAIL, exit 1.
busctl --system set-property org.bluez /org/bluez/hci0 org.bluez.Adapter1 Powered b false
doctor off
check doctor-adapter-off line_is off warn adapter
stack_stop_bluetoothd
doctor gone
check doctor-bluetoothd-gone line_is gone FAIL bluetoothd
check doctor-gone-exit-1 exit_is gone 1
check bluetoothd-restored stack_start_bluetoothd
stack_power_adapters

# GPIO wiring on a gpio-sim chip: every line free, then one held by another program.
CHIP=$(gpio_sim_create presso-doctor pump inlet1 inlet2 exhaust)
cat > /tmp/doctor-gpio.conf <<CONF
[hardware]
chambers = 2
[pump]
line = presso-doctor:pump
[valves]
inlet1 = presso-doctor:inlet1 active-low
inlet2 = presso-doctor:inlet2 active-low
[exhaust]
layout = common
line = presso-doctor:exhaust
[sensor]
type = none
CONF
doctor gpio-free --config /tmp/doctor-gpio.conf
check doctor-gpio-free line_is gpio-free ok gpio
gpioset --mode=signal "$CHIP" 2=1 & HOLDER=$!
wait_for 5 bash -c "gpioinfo $CHIP | grep -q gpioset"
doctor gpio-held --config /tmp/doctor-gpio.conf
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null
held_named() { grep -q '^FAIL  gpio .*\[valves\] inlet2 presso-doctor:inlet2 active-low (.* line 2) is held by "gpioset"' "$OUT/doctor-gpio-held.txt"; }
check doctor-gpio-held held_named
check doctor-gpio-held-exit-1 exit_is gpio-held 1

purge() { dpkg --purge presso > "$OUT/dpkg-purge.log" 2>&1 && [ ! -e /usr/bin/pressod ] && [ ! -e /etc/presso/pressod.conf ] \
    && [ ! -e /etc/systemd/system/multi-user.target.wants/pressod.service ]; }
check dpkg-purge purge
! grep -q "^FAIL $PRESSO_SCENARIO/" "$PRESSO_OUT/results.txt"

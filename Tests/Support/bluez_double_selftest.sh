#!/usr/bin/env bash
# Self-test of the BlueZ test double (bluez_double.py) on a private dbus-daemon, with busctl as
# the client and bluez_double_selftest_app.py as a GATT application. Needs dbus, systemd (busctl),
# python3-dbus, python3-gi. Prints "N passed, N failed"; exits non-zero on any failure.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d /tmp/bluez-double-selftest.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap "cat $TMP/double.log" EXIT

dbus-daemon --session --nofork --address="unix:path=$TMP/bus" >/dev/null 2>&1 & PIDS+=($!)
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$TMP/bus
for _ in $(seq 50); do [ -S "$TMP/bus" ] && break; sleep 0.1; done
/usr/bin/python3 -u "$HERE/bluez_double.py" > "$TMP/double.log" 2>&1 & PIDS+=($!)
for _ in $(seq 50); do grep -q READY "$TMP/double.log" && break; sleep 0.1; done

pass=0; fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
expect() {   # expect NAME PATTERN COMMAND...: COMMAND's stdout+stderr must match PATTERN (grep -E)
    local name=$1 pattern=$2 out; shift 2
    out=$("$@" 2>&1)
    if echo "$out" | grep -qE -- "$pattern"; then ok "$name"; else ko "$name" "got: $(echo "$out" | head -c 300)"; fi
}
bz() { busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" "$@"; }
ctl() { bz call org.presso.Test.BlueZDouble /org/presso/test org.presso.Test.BlueZDouble "$@"; }
adapter() { bz "$1" org.bluez /org/bluez/hci0 "${@:2}"; }
app() {   # app NAME MODE: starts the self-test application, waits for its registration outcome
    /usr/bin/python3 -u "$HERE/bluez_double_selftest_app.py" "$2" > "$TMP/$1.log" 2>&1 & PIDS+=($!)
    eval "APP_$1=$!"
    for _ in $(seq 50); do grep -q '^adv:' "$TMP/$1.log" && break; sleep 0.1; done
}
CHAR0=/org/presso/selftest/service0/char0
CHAR1=/org/presso/selftest/service0/char1

expect "owns org.bluez" 'org.bluez' bz list
expect "adapter in GetManagedObjects" '/org/bluez/hci0' bz call org.bluez / org.freedesktop.DBus.ObjectManager GetManagedObjects
expect "adapter starts unpowered" '^b false' adapter get-property org.bluez.Adapter1 Powered
adapter set-property org.bluez.Adapter1 Powered b true
expect "Powered is settable" '^b true' adapter get-property org.bluez.Adapter1 Powered
expect "Address is read-only" 'read-only' adapter set-property org.bluez.Adapter1 Address s 11:22:33:44:55:66
expect "RegisterAgent refuses an unknown capability" 'Invalid arguments' \
    bz call org.bluez /org/bluez org.bluez.AgentManager1 RegisterAgent os /agent Telepathy
expect "RequestDefaultAgent of an unknown agent" 'Does Not Exist' \
    bz call org.bluez /org/bluez org.bluez.AgentManager1 RequestDefaultAgent o /agent
expect "RegisterApplication checks the signature" 'Invalid arguments' \
    adapter call org.bluez.GattManager1 RegisterApplication s /x

app valid valid
expect "valid application registers (after GetManagedObjects)" '^app: ok' cat "$TMP/valid.log"
expect "advertisement registers (after GetAll)" '^adv: ok' cat "$TMP/valid.log"
expect "ActiveInstances counts it" '^y 1' adapter get-property org.bluez.LEAdvertisingManager1 ActiveInstances
expect "Registered lists the characteristic" "$CHAR0" ctl Registered
expect "RegisteredJSON lists the advertisement" 'LocalName.{1,4}: .{1,4}Presso-Double' ctl RegisteredJSON
expect "ReadValue through the double" '^ayss 1 1 "" ""' ctl ReadValue oa{sv} "$CHAR0" 0
expect "BlueZ's options are passed" "read options: \['device', 'link', 'mtu'\]" cat "$TMP/valid.log"
expect "WriteValue accepted" '^ss "" ""' ctl WriteValue oaya{sv} "$CHAR0" 1 7 0
expect "written value reads back" '^ayss 1 7 ' ctl ReadValue oa{sv} "$CHAR0" 0
expect "WriteValue refused with name and message" '"org.bluez.Error.Failed" "0x80"' ctl WriteValue oaya{sv} "$CHAR0" 1 255 0
ctl StartNotify o "$CHAR1" >/dev/null; sleep 1
ctl StopNotify o "$CHAR1" >/dev/null
expect "notifications collected" '^aay [3-9] ' ctl Notifications o "$CHAR1"

app twice twice; sleep 0.6
expect "second registration of one app: AlreadyExists" '^app-again: org.bluez.Error.AlreadyExists' cat "$TMP/twice.log"
kill "$APP_twice"; sleep 0.3
app badflag bad-flag
expect "unknown characteristic flag refused" '^app: org.bluez.Error.Failed No valid service object found' cat "$TMP/badflag.log"
app noprimary no-primary
expect "service without Primary refused" '^app: org.bluez.Error.Failed' cat "$TMP/noprimary.log"
app dangling dangling-service
expect "characteristic of an unknown service refused" '^app: org.bluez.Error.Failed' cat "$TMP/dangling.log"
kill "$APP_badflag" "$APP_noprimary" "$APP_dangling"; sleep 0.3

expect "ReleaseAdvertisement calls Release" '^b true' ctl ReleaseAdvertisement o /org/presso/selftest/adv0
sleep 0.3
expect "the application saw Release" '^released' cat "$TMP/valid.log"
expect "ActiveInstances back to 0" '^y 0' adapter get-property org.bluez.LEAdvertisingManager1 ActiveInstances

DEV=$(ctl AddDevice sb 11:22:33:44:55:66 true | awk '{print $2}' | tr -d '"')
expect "AddDevice adds Device1" 'dev_11_22_33_44_55_66' bz call org.bluez / org.freedesktop.DBus.ObjectManager GetManagedObjects
ctl SetDeviceConnected ob "$DEV" false
expect "SetDeviceConnected" '^b false' bz get-property org.bluez "$DEV" org.bluez.Device1 Connected
ctl RemoveDevice o "$DEV"
expect "RemoveDevice" '^0$' bash -c "busctl --address=$DBUS_SYSTEM_BUS_ADDRESS call org.bluez / org.freedesktop.DBus.ObjectManager GetManagedObjects | grep -c dev_11"

ctl RemoveAdapter
expect "RemoveAdapter drops hci0 and its registrations" '"applications" as 0' ctl Registered
expect "hci0 gone" '^0$' bash -c "busctl --address=$DBUS_SYSTEM_BUS_ADDRESS call org.bluez / org.freedesktop.DBus.ObjectManager GetManagedObjects | grep -c Adapter1"
ctl AddAdapter
expect "AddAdapter: back, unpowered" '^b false' adapter get-property org.bluez.Adapter1 Powered

kill "$APP_valid"; sleep 0.3
app again valid
ctl Restart u 500
expect "Restart releases org.bluez" 'ServiceUnknown|not activatable|was not provided|Unknown' \
    adapter get-property org.bluez.Adapter1 Powered
expect "Restart called Release on the advertisement" '^released' cat "$TMP/again.log"
sleep 0.8
expect "org.bluez owned again after the downtime" '^b false' adapter get-property org.bluez.Adapter1 Powered
expect "Restart forgot every registration" '"applications" as 0' ctl Registered
expect "Calls records the clients' calls" 'GattManager1.RegisterApplication' ctl Calls

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

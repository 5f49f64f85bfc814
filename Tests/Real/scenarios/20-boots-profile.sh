#!/bin/bash
# requires-product: pressod
#
# pressod (simulated pump, security = open: pairing is another scenario's) serves the boots'
# GATT profile on hci0 through real bluetoothd; centrals on hci1 run a whole session through it
# (clients/boots_profile.py): scan shows Presso-XXXX with the service UUID and the live status;
# connect; read and decode every characteristic; set pressure 120 mmHg, 4 chambers, 60 s;
# indications on the control point, Select Program (hold 2 s, release 1 s); notify on Live
# State; start; the active chamber climbs 1..4, the boots hold, then vent; 300 mmHg is refused
# (ATT 0x80) and the pressure reads back unchanged; stop.
#   1. bluetoothctl (clients/boots_btctl.py), transcript with every value decoded:
#      bluetoothctl.txt;
#   2. bluetoothd restarts: pressod registers again by itself; then the same session with bleak
#      (clients/boots_bleak.py): bleak.log;
#   3. SIGTERM: pressod exits 0 with the chambers vented.
set -u
. "$PRESSO_REAL/guest/stack.sh"
. "$PRESSO_REAL/guest/boots.sh"
CLIENTS=$PRESSO_REAL/clients
OUT=$PRESSO_SCENARIO_OUT

# The system bus's PropertiesChanged signals (characteristic values as the centrals' bluetoothd
# emits them): evidence for what a D-Bus client such as bluetoothctl could see.
program_start dbus-monitor "$OUT/dbus-monitor.txt" dbus-monitor --system \
    "type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',path_namespace='/org/bluez/hci1'"
boots_pressod_start "$OUT"
check pressod-registers boots_registered || exit 1
check pressod-advertises-as-"$BOOTS_NAME" boots_named "$OUT" || exit 1

"$PRESSO_PY" "$CLIENTS/boots_btctl.py" --central "$BOOTS_CENTRAL" --peripheral "$BOOTS_PERIPHERAL" --name "$BOOTS_NAME" \
    --prefix btctl --transcript "$OUT/bluetoothctl.txt"

# A fresh bluetoothd for an independent client (see real-bluez.md); pressod is not restarted.
stack_restart_bluetoothd
check reregisters-after-bluetoothd-restart boots_registered \
    && "$PRESSO_PY" "$CLIENTS/boots_bleak.py" --peripheral "$BOOTS_PERIPHERAL" --name "$BOOTS_NAME" \
        --prefix bleak --log "$OUT/bleak.log"

check pressod-still-running program_running pressod
PID=$(stack_pid prog-pressod)
check pressod-stops-on-sigterm program_stop pressod
exited_zero() { wait "$PID"; local rc=$?; stack_log "pressod exit status $rc"; [ "$rc" = 0 ]; }
check pressod-exit-status-0 exited_zero
check pressod-vented-on-exit grep -q "pump off, chambers vented" "$OUT/pressod.log"
program_stop dbus-monitor

! grep -q "^FAIL $PRESSO_SCENARIO/" "$PRESSO_OUT/results.txt"

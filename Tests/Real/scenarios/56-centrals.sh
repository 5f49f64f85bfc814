#!/bin/bash
# requires-product: pressod
# scenario-timeout: 600
#
# pressod (simulated pump, security = open; guest/boots.sh) with the adapter pulled from under it,
# and with two phones at once:
#   1. adapter removed and re-added: btvirt is stopped (every controller leaves the kernel, and
#      bluetoothd drops their adapter objects) and started again with THREE controllers. pressod
#      logs the removal, then registers on the returning hci0 by itself (powering it on; only the
#      centrals are powered by this script) and bluetoothd broadcasts its advertisement; hci0 keeps
#      its address. Times in readd-times.txt (measured, never asserted).
#   2. two centrals at once, bleak on hci1 and hci2 (clients/two_centrals.py): the second finds
#      the boots while the first is connected; both are notified the same Live State and Pressure
#      values; simultaneous writes are serialised (simultaneous Pressure writes: one order for
#      both, no lost or invented value; simultaneous Pause / Resume: exactly one of each pair
#      wins); pressod logs both centrals.
#   3. removed and re-added once more, back to the usual two controllers (hci0 peripheral, hci1
#      central, as every other scenario expects): pressod registers again.
set -u
. "$PRESSO_REAL/guest/stack.sh"
. "$PRESSO_REAL/guest/boots.sh"
OUT=$PRESSO_SCENARIO_OUT

boots_pressod_start "$OUT"
check pressod-registers boots_registered || exit 1
check pressod-advertises-as-"$BOOTS_NAME" boots_named "$OUT" || exit 1

adapters_on_bus() { local i; for i in $(seq 0 $(($1 - 1))); do stack_adapter_on_bus "hci$i" || return 1; done; }
# Per re-add: controllers, wall seconds from starting btvirt to pressod's log line (0.2 s polling;
# the kernel's and bluetoothd's set-up of the new controllers included), pressod's own figure
# from the adapter's appearance on the bus to registered.
: > "$OUT/readd-times.txt"
readd() {   # readd COUNT: btvirt stopped, started with COUNT controllers; pressod registers again
    local count=$1 removed registered t0 t1 own
    removed=$(boots_log_count 'adapter hci0 was removed'); registered=$(boots_registrations)
    stack_stop_btvirt || { echo "controllers still there: $(ls /sys/class/bluetooth)" >&2; return 1; }
    wait_for 20 boots_log_at_least 'adapter hci0 was removed' $((removed + 1)) || { echo "pressod logged no removal" >&2; return 1; }
    wait_for 5 bash -c '! busctl --system get-property org.bluez /org/bluez/hci0 org.bluez.Adapter1 Address' \
        || { echo "bluetoothd still lists hci0" >&2; return 1; }
    t0=$(date +%s.%N)
    stack_start_btvirt "$PRESSO_SHIM" "$count" stack_adapter_on_bus || return 1
    wait_for 30 boots_registered_times $((registered + 1)) || { echo "pressod did not register again" >&2; return 1; }
    t1=$(date +%s.%N)
    own=$(grep 'registered on hci0 in' "$BOOTS_LOG" | tail -n 1 | sed -n 's/.* in \([0-9.]*\) seconds.*/\1/p')
    echo "$count $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') $own" >> "$OUT/readd-times.txt"
    stack_wait_advertising 15 || { echo "bluetoothd broadcasts no advertisement" >&2; return 1; }
    wait_for 20 adapters_on_bus "$count" && stack_power_adapters $(seq -f 'hci%g' 1 $((count - 1))) || return 1
    [ "$(stack_adapter_address hci0)" = "$BOOTS_PERIPHERAL" ] || { echo "hci0 is $(stack_adapter_address hci0) now" >&2; return 1; }
    [ "$(stack_controller_count)" = "$count" ]
}

# ---- 1. removed, re-added with a third controller ----------------------------------------------
check adapter-readded-3-reregisters readd 3 || exit 1
# (BlueZ may release the advertisement before it removes the adapter: either reason is logged.)
check pressod-logged-unregistered grep -q 'Bluetooth registration lost' "$BOOTS_LOG"

# ---- 2. two centrals at once ---------------------------------------------------------------------
"$PRESSO_PY" "$PRESSO_REAL/clients/two_centrals.py" --peripheral "$BOOTS_PERIPHERAL" --name "$BOOTS_NAME" \
    --adapters hci1,hci2 --prefix two-centrals --log "$OUT/two-centrals.log"
both_logged() {   # pressod saw the two centrals connected, each a different device
    [ "$(grep 'central connected:' "$BOOTS_LOG" | sed 's/.*central connected: //' | sort -u | wc -l)" -ge 2 ]
}
check pressod-logged-two-centrals both_logged

# ---- 3. removed, re-added with the usual two -----------------------------------------------------
check adapter-readded-2-reregisters readd 2
{ echo "controllers wall_s_btvirt_start_to_registered pressod_s_adapter_to_registered"; cat "$OUT/readd-times.txt"; } \
    >&"${PRESSO_CONSOLE_FD:-2}"
check pressod-stops-on-sigterm boots_pressod_stop "$OUT"
! grep -q "^FAIL $PRESSO_SCENARIO/" "$PRESSO_OUT/results.txt"

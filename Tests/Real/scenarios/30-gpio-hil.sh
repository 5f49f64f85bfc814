#!/bin/bash
# requires-product: pressod
# requires-product: gpio-sim-plant
# requires: gpio-sim
#
# Hardware in the loop on real GPIO: pressod drives a gpio-sim chip (lines found by name) through
# libgpiod, and gpio-sim-plant, on the simulator side, reads the pump/valve levels, integrates
# the pneumatics (PumpSimulator.PumpPhysics) and writes the manifold pressure as an IIO channel
# that pressod's sensor reads. pressod also registers with bluetoothd on hci0 (security = open).
# hil/gpio_hil.py then records, each as a step: safe levels at start-up; driven over Bluetooth by
# bluetoothctl on hci1 (hil/hil_bluetooth.py, transcript bluetoothctl.txt), a control point
# Start runs the chamber wave on the lines (chamber 1 first), the pressures follow (the plant's
# and pressod's Live State alike), a control point Stop vents; then a button press from the
# simulator side starts a session; the chamber wave (1..6 in order) and its pressures; a second
# press stops it, vented; an over-pressure injected by the
# plant vents (time measured); SIGTERM exits 0 vented; what released lines do; SIGKILL mid-
# inflation, then a restart that vents before anything else. Latencies: hil/latency.txt.
# Environment: PRESSO_HIL_BLUETOOTH (1; 0 leaves the Bluetooth-driven session out),
# PRESSO_HIL_BUTTON_SAMPLES (10),
# PRESSO_HIL_OVER_PRESSURE_SAMPLES (5).
set -u
. "$PRESSO_REAL/guest/stack.sh"
. "$PRESSO_REAL/guest/boots.sh"
. "$PRESSO_REAL/hil/plant.sh"
OUT=$PRESSO_SCENARIO_OUT

hil_plant_start "$OUT" || exit 1
"$PRESSO_PY" "$PRESSO_REAL/hil/gpio_hil.py" --pressod "$PRESSO_BIN_DIR/pressod" \
    --config "$PRESSO_REAL/hil/pressod-gpio-sim.conf" --chip "$HIL_CHIP" --plant-log "$OUT/plant.log" \
    --control "$HIL_CONTROL" --out "$OUT" \
    --central "$BOOTS_CENTRAL" --peripheral "$BOOTS_PERIPHERAL" --name "$BOOTS_NAME" --transcript "$OUT/bluetoothctl.txt" \
    $([ "${PRESSO_HIL_BLUETOOTH:-1}" = 0 ] || echo --bluetooth) \
    --button-samples "${PRESSO_HIL_BUTTON_SAMPLES:-10}" \
    --over-pressure-samples "${PRESSO_HIL_OVER_PRESSURE_SAMPLES:-5}"

hil_plant_stop
! grep -q "^FAIL $PRESSO_SCENARIO/" "$PRESSO_OUT/results.txt"

#!/bin/bash
# requires-product: pressod
# requires-product: gpio-sim-plant
# requires: gpio-sim
#
# Hardware in the loop on real GPIO: pressod drives a gpio-sim chip (lines found by name) through
# libgpiod, and gpio-sim-plant, on the simulator side, reads the pump/valve levels, integrates
# the pneumatics (PumpSimulator.PumpPhysics) and writes the manifold pressure as an IIO channel
# that pressod's sensor reads. hil/gpio_hil.py then records, each as a step: safe levels at
# start-up; a button press from the simulator side starts a session; the chamber wave (1..6 in
# order) and its pressures; a second press stops it, vented; an over-pressure injected by the
# plant vents (time measured); SIGTERM exits 0 vented; what released lines do; SIGKILL mid-
# inflation, then a restart that vents before anything else. Latencies: hil/latency.txt.
# Environment: PRESSO_HIL_BUTTON_SAMPLES (10), PRESSO_HIL_OVER_PRESSURE_SAMPLES (5).
set -u
. "$PRESSO_REAL/guest/stack.sh"
OUT=$PRESSO_SCENARIO_OUT
WORK=/tmp/presso-hil
rm -rf "$WORK" && mkdir -p "$WORK/iio:device0" "$WORK/state"

CHIP=$(gpio_sim_create presso-hil pump inlet1 inlet2 inlet3 inlet4 inlet5 inlet6 exhaust button)
check gpio-sim-chip test -n "$CHIP" || exit 1
LINES=$(dirname "$(gpio_sim_line_dir presso-hil 0)")
stack_log "gpio-sim chip $CHIP, simulator side $LINES"

mkfifo "$WORK/plant.ctl"
line_args=(--line pump=0 --line exhaust=7 --line button=8:active-low)
for c in 1 2 3 4 5 6; do line_args+=(--line "inlet$c=$c:active-low"); done
program_start plant "$OUT/plant.log" "$PRESSO_BIN_DIR/gpio-sim-plant" --lines "$LINES" \
    --iio "$WORK/iio:device0" --control "$WORK/plant.ctl" --zero-mv 200 --mv-per-kpa 45 "${line_args[@]}"
check plant-ready wait_for 30 grep -q plant-ready "$OUT/plant.log" || exit 1

"$PRESSO_PY" "$PRESSO_REAL/hil/gpio_hil.py" --pressod "$PRESSO_BIN_DIR/pressod" \
    --config "$PRESSO_REAL/hil/pressod-gpio-sim.conf" --chip "$CHIP" --plant-log "$OUT/plant.log" \
    --control "$WORK/plant.ctl" --out "$OUT" \
    --button-samples "${PRESSO_HIL_BUTTON_SAMPLES:-10}" \
    --over-pressure-samples "${PRESSO_HIL_OVER_PRESSURE_SAMPLES:-5}"

program_stop plant
gpio_sim_remove presso-hil
! grep -q "^FAIL $PRESSO_SCENARIO/" "$PRESSO_OUT/results.txt"

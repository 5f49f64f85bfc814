#!/bin/bash
# requires-product: pressod
# requires-product: gpio-sim-plant
# requires: gpio-sim
#
# A benchmark in the real tier's VM, not a test (CI never lists this folder; run it with
# scripts/bench-gpio-actuation.sh): GATT write -> valve/pump line change on gpio-sim. pressod
# drives the chip of hil/plant.sh with hil/pressod-gpio-sim.conf and registers with bluetoothd
# on hci0; gpio_actuation.py writes Stop to its control point many times, directly over the
# system bus as bluetoothd would, then fewer times from bluetoothctl on hci1, and matches each
# write to the plant's time stamp of the line change (CLOCK_MONOTONIC, one clock in the guest).
# Output: actuation.txt (p50/p90/p99/max), dbus.csv, btctl.csv, bluetoothctl.txt, plant.log.
# Environment: PRESSO_BENCH_WRITES (1000), PRESSO_BENCH_BTCTL_WRITES (20).
set -u
. "$PRESSO_REAL/guest/stack.sh"
. "$PRESSO_REAL/guest/boots.sh"
. "$PRESSO_REAL/hil/plant.sh"
OUT=$PRESSO_SCENARIO_OUT

# The plant and pressod on the guest's CPU 1 (hil/plant.sh says why), at normal priority.
HIL_CPU=1
hil_plant_start "$OUT" || exit 1
program_start pressod "$OUT/pressod.log" taskset -c "$HIL_CPU" "$PRESSO_BIN_DIR/pressod" run --config "$PRESSO_REAL/hil/pressod-gpio-sim.conf"
# Registering can take a minute on a loaded host (28 s seen): more than boots_registered waits.
check pressod-registers wait_for 120 stack_advertising hci0 || exit 1
check pressod-advertises-as-"$BOOTS_NAME" boots_named "$OUT" || exit 1

"$PRESSO_PY" "$PRESSO_REPO/Benchmarks/gpio-sim/gpio_actuation.py" --plant-log "$OUT/plant.log" \
    --control "$HIL_CONTROL" --out "$OUT" --pid "$(stack_pid prog-pressod)" \
    --central "$BOOTS_CENTRAL" --peripheral "$BOOTS_PERIPHERAL" --name "$BOOTS_NAME" \
    --writes "${PRESSO_BENCH_WRITES:-1000}" --btctl-writes "${PRESSO_BENCH_BTCTL_WRITES:-20}"

check pressod-stops-on-sigterm program_stop pressod
hil_plant_stop
! grep -q "^FAIL $PRESSO_SCENARIO/" "$PRESSO_OUT/results.txt"

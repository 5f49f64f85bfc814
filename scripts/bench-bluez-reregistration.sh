#!/usr/bin/env bash
# How fast the BlueZ module registers again after bluetoothd restarts, measured where it counts:
# real bluetoothd 5.66 in the real tier's VM (scenario 10 restarts bluetoothd twice under the
# example peripheral). Prints, per registration, the time from bluetoothd appearing on the bus
# and from the adapter appearing, and how long BlueZ took for each Register call — as the
# peripheral logged them.
# Usage: scripts/bench-bluez-reregistration.sh [VM_OUT]   (default: run the scenario, vm-out/)
#   With VM_OUT, only reads an earlier run's output folder.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-}
if [ -z "$out" ]; then
    PRESSO_REAL_ONLY=10 Tests/Real/run.sh >/dev/null || { echo "the real-tier run failed: see vm-out/"; exit 1; }
    out=vm-out
fi
log=$out/10-gatt-example/peripheral.log
[ -f "$log" ] || { echo "no $log"; exit 1; }
n=0
grep 'registered on' "$log" | while read -r line; do
    n=$((n + 1))
    case $n in 1) what="start" ;; *) what="after restart $((n - 1))" ;; esac
    echo "$what: ${line#*registered on }"
done

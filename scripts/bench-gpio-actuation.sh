#!/usr/bin/env bash
# GATT write -> valve/pump line change on gpio-sim, in the real tier's VM (QEMU TCG): boots the
# VM with Tests/Real/run.sh on the benchmark scenario Benchmarks/gpio-sim/10-gpio-actuation.sh
# (a folder CI does not list), then prints its figures (p50/p90/p99/max) and the host's load.
# Usage: scripts/bench-gpio-actuation.sh [WRITES] [BTCTL_WRITES]   (defaults: 1000 20)
#   WRITES        WriteValue(Stop) calls on pressod's control point over the system bus
#   BTCTL_WRITES  Stop writes from bluetoothctl on hci1 over the emulated radio
# Each write is preceded by a Start and the 2 s start-up vent: about 2.5 s a write under TCG.
# Output: vm-out-bench-gpio/ (10-gpio-actuation/actuation.txt, dbus.csv, btctl.csv, plant.log).
set -uo pipefail
cd "$(dirname "$0")/.."
writes=${1:-1000}
btctl=${2:-20}
out=${PRESSO_REAL_OUT:-$PWD/vm-out-bench-gpio}
# Time boxes: the writes, plus boot, stack and the bluetoothctl set-up.
budget=$(( writes * 5 + btctl * 20 + 600 ))
echo "# host: $(nproc) CPUs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# The host's 1-minute load every 30 s while the VM runs (other work shares these CPUs).
loads=$(mktemp)
( while sleep 30; do cut -d' ' -f1 /proc/loadavg; done > "$loads" ) &
sampler=$!
trap 'kill "$sampler" 2>/dev/null; rm -f "$loads"' EXIT
PRESSO_REAL_SCENARIO_DIRS=$PWD/Benchmarks/gpio-sim PRESSO_REAL_ONLY=gpio-actuation PRESSO_REAL_OUT=$out \
    PRESSO_BENCH_WRITES=$writes PRESSO_BENCH_BTCTL_WRITES=$btctl \
    PRESSO_SCENARIO_TIMEOUT=$budget PRESSO_REAL_TIMEOUT=$(( budget + 300 )) \
    bash Tests/Real/run.sh | tail -n 3
rc=${PIPESTATUS[0]}
echo "# host load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
sort -n "$loads" | awk '{v[NR]=$1} END {if (NR) printf "# host 1-min load during the run (%d samples): min %s median %s max %s\n", NR, v[1], v[int((NR+1)/2)], v[NR]}'
cat "$out/10-gpio-actuation/actuation.txt" 2>/dev/null || echo "no figures: see $out"
exit "$rc"

#!/usr/bin/env bash
# Write → actuation latency on the simulated backend: WriteValue(control point: Stop) over D-Bus
# to the pump turning off, and the write handler called directly, p50/p99 over SAMPLES writes
# each (Benchmarks/ActuationBenchmark). A private bus with the BlueZ double as bluetoothd; every
# process pinned to one CPU.
# Usage: scripts/bench-actuation.sh [SAMPLES] [CPU]     (defaults: 10000 0)
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/prepare.sh
prepare_bench ActuationBenchmark
samples=${1:-10000}
cpu=${2:-0}
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; rm -rf "$bench_bin"; }
trap cleanup EXIT
taskset -c "$cpu" dbus-daemon --session --nofork --nopidfile --print-address=1 >"$bench_bin/address" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do [ -s "$bench_bin/address" ] && break; sleep 0.05; done
address=$(head -1 "$bench_bin/address")
taskset -c "$cpu" /usr/bin/python3 Tests/Support/bluez_double.py --address "$address" >"$bench_bin/double.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do grep -q READY "$bench_bin/double.log" && break; sleep 0.05; done
echo "# load average $(cut -d' ' -f1-3 /proc/loadavg); pinned to CPU $cpu; $samples samples each"
taskset -c "$cpu" "$bench_bin/ActuationBenchmark" "$address" "$samples"
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

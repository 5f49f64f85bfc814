#!/usr/bin/env bash
# Write → actuation latency on the simulated backend: WriteValue(control point: Stop) over D-Bus
# to the pump turning off, and the write handler called directly, p50/p99 over SAMPLES writes
# each (Benchmarks/ActuationBenchmark). A private bus with the BlueZ double as bluetoothd. Two
# runs in one invocation: every process pinned to CPU (daemon, double, benchmark), then nothing
# pinned (the scheduler free to use both CPUs, as on a board).
# Usage: scripts/bench-actuation.sh [SAMPLES] [CPU]     (defaults: 10000 0)
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/prepare.sh
prepare_bench ActuationBenchmark
samples=${1:-10000}
cpu=${2:-0}
pids=()
stop_all() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; pids=(); }
trap 'stop_all; rm -rf "$bench_bin"' EXIT

run() {  # run PIN...: PIN is the taskset prefix, empty for none
    rm -f "$bench_bin/address" "$bench_bin/double.log"
    "$@" dbus-daemon --session --nofork --nopidfile --print-address=1 >"$bench_bin/address" 2>/dev/null &
    pids+=($!)
    for _ in $(seq 100); do [ -s "$bench_bin/address" ] && break; sleep 0.05; done
    local address
    address=$(head -1 "$bench_bin/address")
    "$@" /usr/bin/python3 Tests/Support/bluez_double.py --address "$address" >"$bench_bin/double.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 200); do grep -q READY "$bench_bin/double.log" && break; sleep 0.05; done
    "$@" "$bench_bin/ActuationBenchmark" "$address" "$samples"
    stop_all
}

echo "# $(nproc) CPUs; $samples samples per row"
echo "## every process pinned to CPU $cpu; load average $(cut -d' ' -f1-3 /proc/loadavg)"
run taskset -c "$cpu"
echo "## nothing pinned; load average $(cut -d' ' -f1-3 /proc/loadavg)"
run env
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

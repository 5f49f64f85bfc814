#!/usr/bin/env bash
# The control loop under a loaded CPU, side by side in one run (release build): sequencer-demo's
# bench (tick cost; jitter and tick wall time at 50 Hz and 200 Hz on the real clock) pinned to one
# CPU, (a) with that CPU otherwise as the machine has it, (b) with LOADERS busy loops pinned to the
# same CPU at the same priority (nice 0), (c) as (b) with the loop SCHED_FIFO 20 (the drop-in
# pressod.service documents for HX710B boards). Figures only, no pass/fail.
# Usage: scripts/bench-sequencer-load.sh [SECONDS_PER_RATE] [LOADERS] [CPU]   (defaults: 10 2 0)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null 2>&1 || export PATH=$PATH:/opt/swift/usr/bin
seconds=${1:-10}
loaders=${2:-2}
cpu=${3:-0}
swift build -c release --product sequencer-demo >/dev/null
bin=$(swift build -c release --show-bin-path)/sequencer-demo

pids=()
stop_load() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    pids=()
}
trap stop_load EXIT

echo "# $(nproc) CPUs, $(uname -r); load average $(cut -d' ' -f1-3 /proc/loadavg); bench pinned to CPU $cpu"
echo "## (a) CPU $cpu as the machine has it"
taskset -c "$cpu" "$bin" bench --seconds "$seconds" --rates 50,200
for _ in $(seq "$loaders"); do
    taskset -c "$cpu" bash -c 'while :; do :; done' &
    pids+=($!)
done
echo "## (b) + $loaders busy loops pinned to CPU $cpu (nice 0)"
taskset -c "$cpu" "$bin" bench --seconds "$seconds" --rates 50,200
echo "## (c) as (b), the bench SCHED_FIFO 20"
chrt -f 20 taskset -c "$cpu" "$bin" bench --seconds "$seconds" --rates 50,200
stop_load
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# Round-trip D-Bus method calls per second: the Swift DBus module's exported object versus a C
# echo service written on bare libdbus, same client, same private dbus-daemon, one run.
# Usage: scripts/bench-dbus.sh [CALLS_PER_ROUND] [ROUNDS]      (defaults: 20000 7)
# Pinning (2 cores): the daemon and the client on CPU 0, both services on CPU 1.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null 2>&1 || export PATH=$PATH:/opt/swift/usr/bin
calls=${1:-20000}
rounds=${2:-7}

swift build -c release --product DBusBenchmark >/dev/null
bin=$(swift build -c release --show-bin-path)/DBusBenchmark
work=$(mktemp -d)
gcc -O2 -o "$work/c-echo" Benchmarks/c-echo/echo.c $(pkg-config --cflags --libs dbus-1)

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

pin() { if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then taskset -c "$1" "${@:2}"; else "${@:2}"; fi; }

pin 0 dbus-daemon --session --nofork --nopidfile --print-address=1 >"$work/address" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/address" ] && break; sleep 0.05; done
address=$(head -1 "$work/address")

wait_ready() { for _ in $(seq 200); do grep -q ready "$1" 2>/dev/null && return 0; sleep 0.05; done; echo "service did not start: $(cat "$1")"; exit 1; }
pin 1 "$bin" serve "$address" presso.bench.Swift >"$work/swift.log" 2>&1 &
pids+=($!)
pin 1 "$work/c-echo" "$address" presso.bench.C >"$work/c.log" 2>&1 &
pids+=($!)
wait_ready "$work/swift.log"
wait_ready "$work/c.log"

echo "dbus-daemon $(dbus-daemon --version | head -1 | awk '{print $NF}'), $(nproc) CPUs, $(uname -r)"
pin 0 "$bin" client "$address" presso.bench.Swift presso.bench.C "$calls" "$rounds"

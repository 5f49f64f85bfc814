#!/usr/bin/env bash
# GATT ReadValue/WriteValue over D-Bus as bluetoothd calls them, side by side in one run:
# pressod vs BlueZ's Python example-gatt-server vs bless vs a bare libdbus C service, every
# process pinned to one CPU; calls/s, × the C limit, peer CPU µs per call (/proc/PID/stat and
# schedstat). See Benchmarks/gatt/bench_gatt.py and BENCHMARKS.md.
# Usage: scripts/bench-gatt.sh [CALLS_PER_RUN] [ROUNDS] [CPU]     (defaults: 20000 5 0)
# PRESSOD_BEFORE=/path/to/another/pressod adds it as peer "pressod-before" (a before/after run).
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/prepare.sh
prepare_bench pressod
prepare_bless
before=()
[ -n "${PRESSOD_BEFORE:-}" ] && before=(--pressod-before "$PRESSOD_BEFORE" --peers pressod,pressod-before,example,bless,c)
/usr/bin/python3 Benchmarks/gatt/bench_gatt.py --bin "$bench_bin" --bless-python "$bless_python" \
    --calls "${1:-20000}" --rounds "${2:-5}" --cpu "${3:-0}" "${before[@]}"

#!/usr/bin/env bash
# Footprint, side by side: exec → registered with the BlueZ double (dbus-monitor timestamps),
# RSS/PSS idle and in a session, for pressod, BlueZ's Python example-gatt-server and bless; and
# pressod's binary size, dynamic and with --static-swift-stdlib (built into .build-static).
# Usage: scripts/bench-footprint.sh [ROUNDS] [CPU]    (defaults: 7 0)
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/prepare.sh
prepare_bench pressod
prepare_bless
# A separate scratch path, so the dynamic build is not relinked back and forth.
swift build -c release --product pressod --static-swift-stdlib --scratch-path .build-static >/dev/null
static=$(swift build -c release --static-swift-stdlib --scratch-path .build-static --show-bin-path)/pressod
echo "# pressod dynamic: $(ldd "$bench_bin/pressod" | grep -c swift) Swift runtime libraries loaded from $(dirname "$(ldd "$bench_bin/pressod" | awk '/libswiftCore/ {print $3}')")"
/usr/bin/python3 Benchmarks/footprint/bench_footprint.py --bin "$bench_bin" --bless-python "$bless_python" \
    --static "$static" --rounds "${1:-7}" --cpu "${2:-0}"

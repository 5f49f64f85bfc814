#!/usr/bin/env bash
# Notifications: PropertiesChanged emitted as fast as possible, Swift DBus module vs bare libdbus;
# and pressod's CPU per second idle, in a session, and in a session with Live State subscribed
# (its 10 Hz throttle), every process pinned to one CPU. See Benchmarks/notify/bench_notify.py.
# Usage: scripts/bench-notify.sh [SIGNALS] [ROUNDS] [SECONDS] [CPU]   (defaults: 50000 5 5 0)
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/prepare.sh
prepare_bench pressod DBusBenchmark
/usr/bin/python3 Benchmarks/notify/bench_notify.py --bin "$bench_bin" --signals "${1:-50000}" \
    --rounds "${2:-5}" --seconds "${3:-5}" --cpu "${4:-0}"

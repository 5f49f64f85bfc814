#!/usr/bin/env bash
# Benchmarks the sequencer's control loop on the simulated pump (release build):
#   tick cost: thread CPU time of one tick (read sensor + step + drive), p50/p99/max;
#   real time: run() on ContinuousClock at 50 Hz and 200 Hz for 20 s each, jitter (actual tick
#   start - scheduled start) and tick wall time, p50/p99/max.
# Figures only, no pass/fail: timings are never asserted in tests. Extra arguments go to the
# bench (e.g. --seconds 5 --rates 50,100,200 --chambers 12).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null 2>&1 || export PATH=$PATH:/opt/swift/usr/bin
swift build -c release --product sequencer-demo
exec .build/release/sequencer-demo bench "$@"

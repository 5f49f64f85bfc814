#!/usr/bin/env bash
# Sets up and runs Presso's whole test suite on Debian 12 (as root):
#   0. the GATT contract: gatt-schema/presso-boots.json checked, REFERENCE.md not stale
#      (Python unittest, a second or two);
#   1. the fast tier: `swift test` (private dbus-daemons, BlueZ test double, test clocks);
#      then a short libFuzzer run over every GATT write (scripts/fuzz.sh, Fuzz/README.md);
#   2. the package: scripts/build-deb.sh (release build, static Swift standard library), then
#      scripts/check-deb.sh installs it into a fresh, empty root and checks it;
#   3. the real tier: every scenario under Tests/Real/ that needs a real kernel stack
#      (bluetoothd + btvirt, gpio-sim) runs inside a small VM booting Debian's kernel.
# Set PRESSO_SKIP_REAL=1 to run the fast tier only (a developer loop, never CI).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null 2>&1 || export PATH=$PATH:/opt/swift/usr/bin

bash scripts/setup.sh build test
/usr/bin/python3 -m unittest discover -s Tests/Schema \
    || { echo "GATT contract tests failed (python3 scripts/gatt-schema.py check)"; exit 1; }
swift build --build-tests
# A hang must fail the run with a message, not eat the CI budget (the suite takes < 1 min).
timeout 900 swift test 2>&1 | tee /tmp/presso-swift-test.log
status=${PIPESTATUS[0]}
[ "$status" = 0 ] || { echo "fast tier failed (exit $status)"; exit "$status"; }
# Fuzzing, short and bounded: 200 000 GATT writes through the profile (scripts/fuzz.sh: ~30 s on
# a quiet machine, ~1 min with both cores busy, plus a 12 s compile when the modules changed); a
# crash fails the run and leaves its input in Fuzz/crashes/.
bash scripts/fuzz.sh --runs "${PRESSO_FUZZ_RUNS:-200000}" || { echo "fuzzing failed (see above)"; exit 1; }

deb=$(bash scripts/build-deb.sh | tail -n1) || { echo "building the .deb failed"; exit 1; }
bash scripts/check-deb.sh "$deb" || { echo "the .deb failed its fresh-root install check"; exit 1; }

if [ "${PRESSO_SKIP_REAL:-0}" != 1 ] && [ -x Tests/Real/run.sh ]; then
    bash scripts/setup.sh vm
    Tests/Real/run.sh
fi

#!/usr/bin/env bash
# Runs the Presso daemon (as root, Debian 12).
#
# Where the kernel has Bluetooth (/sys/class/bluetooth/hci*): builds pressod (release) and runs it
# for real; it advertises as Presso-XXXX, with a simulated pump unless the configuration wires GPIO.
#   - configuration: $PRESSO_CONFIG, else /etc/presso/pressod.conf, else built-in defaults;
#   - state (user settings) in $PRESSO_STATE_DIR (default /var/lib/presso).
#   Extra arguments go to `pressod run` (e.g. --start-session, --log-level debug).
#
# Where it has none (this kind of machine, CI): runs pressod inside the test VM instead (Debian's
# kernel, two virtual controllers, real bluetoothd; see Tests/Real/README.md) and shows a scripted
# bluetoothctl session on the second controller driving a whole session, the live state decoded
# as it changes (Tests/Real/demo/; everything is kept in vm-out/demo/).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null 2>&1 || export PATH=$PATH:/opt/swift/usr/bin

if ! compgen -G '/sys/class/bluetooth/hci*' >/dev/null; then
    echo "run.sh: this kernel has no Bluetooth: pressod runs in the test VM, driven by bluetoothctl" >&2
    bash scripts/setup.sh build vm
    PRESSO_REAL_SCENARIO_DIRS=Tests/Real/demo PRESSO_REAL_SHOW_CONSOLE=1 PRESSO_REAL_OUT=$PWD/vm-out/demo \
        exec Tests/Real/run.sh
fi

bash scripts/setup.sh build
swift build -c release --product pressod
args=(run --state-directory "${PRESSO_STATE_DIR:-/var/lib/presso}")
[ -n "${PRESSO_CONFIG:-}" ] && args+=(--config "$PRESSO_CONFIG")
exec .build/release/pressod "${args[@]}" "$@"

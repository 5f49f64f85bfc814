#!/bin/bash
# requires-product: pressod
#
# The README's run command where the kernel has no Bluetooth (scripts/run.sh runs this folder
# through Tests/Real/run.sh with the console shown): pressod serves the boots on hci0 of the test
# VM through real bluetoothd, and a scripted bluetoothctl on hci1 drives a whole session — the
# same as the test scenario 20-boots-profile's first half (clients/boots_btctl.py) — while
# bluetoothctl's own lines and every value, decoded from the contract, stream to the console.
# The stream is kept in demo.txt, bluetoothctl's raw transcript in bluetoothctl.txt.
set -u
. "$PRESSO_REAL/guest/stack.sh"
. "$PRESSO_REAL/guest/boots.sh"
OUT=$PRESSO_SCENARIO_OUT
# The guest's console (the host shows it with PRESSO_REAL_SHOW_CONSOLE=1): a descriptor.
CONSOLE_FD=${PRESSO_CONSOLE_FD:-2}
show() { tee -a "$OUT/demo.txt" >&"$CONSOLE_FD"; }
say() { echo "== $*" | show; }

boots_pressod_start "$OUT"
check pressod-registers boots_registered || exit 1
check pressod-advertises-as-"$BOOTS_NAME" boots_named "$OUT" || exit 1
say "pressod runs on hci0 ($BOOTS_PERIPHERAL) as $BOOTS_NAME; bluetoothctl drives it from hci1 ($BOOTS_CENTRAL)"
say "bluetoothctl's lines are shown with '|', each value decoded from gatt-schema/ with '#####'"
"$PRESSO_PY" -u "$PRESSO_REAL/clients/boots_btctl.py" --central "$BOOTS_CENTRAL" --peripheral "$BOOTS_PERIPHERAL" \
    --name "$BOOTS_NAME" --prefix bluetoothctl --transcript "$OUT/bluetoothctl.txt" --echo 2>&1 | show
check pressod-stops-on-sigterm program_stop pressod
say "pressod's log:"
show < "$OUT/pressod.log"

! grep -q "^FAIL $PRESSO_SCENARIO/" "$PRESSO_OUT/results.txt"

#!/bin/bash
# requires-product: gatt-example-peripheral
#
# The example peripheral against real bluetoothd, on hci0; centrals on hci1.
#   1. bluetoothctl: scan (LocalName + service UUID), connect, list attributes, read, write,
#      refused write (bluetoothctl's message, and ATT 0x80 through gdbus on the central side),
#      accepted write, notify (a counter that counts up), disconnect.
#   2. bluetoothd restarts, the peripheral does NOT: it must notice and register its
#      application and advertisement again by itself; then the same bluetoothctl run.
#   3. another bluetoothd restart (a fresh daemon for an independent client), then bleak does
#      scan/connect/read/write/refused write/notify/disconnect.
#   4. the peripheral stops on SIGTERM.
# Environment:
#   PRESSO_PERIPHERAL_CMD   shell command of the peripheral (default: the Swift product
#                           $PRESSO_BIN_DIR/gatt-example-peripheral); it gets PRESSO_ADAPTER=hci0
#   PRESSO_CONTRACT_ARGS    options for the clients when the peripheral serves another contract
#                           (see Tests/Real/clients/gatt_contract.py; default: none)
set -u
. "$PRESSO_REAL/guest/stack.sh"
CLIENTS=$PRESSO_REAL/clients
OUT=$PRESSO_SCENARIO_OUT
PERIPHERAL=${PRESSO_PERIPHERAL_CMD:-$PRESSO_BIN_DIR/gatt-example-peripheral}
CENTRAL=$(stack_adapter_address hci1)
# shellcheck disable=SC2206
CONTRACT=(${PRESSO_CONTRACT_ARGS:-})

btctl_run() {   # btctl_run PREFIX: one full bluetoothctl run; its steps are recorded by the client
    "$PRESSO_PY" "$CLIENTS/gatt_example_btctl.py" --central "$CENTRAL" --prefix "$1" \
        --transcript "$OUT/bluetoothctl.$1.txt" "${CONTRACT[@]}"
}
peripheral_registered() {   # the peripheral runs and bluetoothd broadcasts its advertisement
    program_running peripheral && stack_wait_advertising 30 hci0
}

stack_log "peripheral: $PERIPHERAL"
PRESSO_ADAPTER=hci0 program_start peripheral "$OUT/peripheral.log" bash -c "exec $PERIPHERAL"
check peripheral-registers peripheral_registered || exit 1

btctl_run btctl

stack_restart_bluetoothd
check reregisters-after-bluetoothd-restart peripheral_registered && btctl_run btctl-after-restart

stack_restart_bluetoothd
check reregisters-after-second-restart peripheral_registered \
    && "$PRESSO_PY" "$CLIENTS/gatt_example_bleak.py" --log "$OUT/bleak.log" "${CONTRACT[@]}"

check peripheral-still-running program_running peripheral
check peripheral-stops-on-sigterm program_stop peripheral

! grep -q "^FAIL $PRESSO_SCENARIO/" "$PRESSO_OUT/results.txt"

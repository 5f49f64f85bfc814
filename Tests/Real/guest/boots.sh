# pressod in the guest, for scenarios that drive the boots over Bluetooth. Source it after
# stack.sh. Sets BOOTS_PERIPHERAL (hci0's address), BOOTS_CENTRAL (hci1's) and BOOTS_NAME (the
# name pressod gives itself: Presso- and the last 4 hex digits of hci0's address).
BOOTS_PERIPHERAL=$(stack_adapter_address hci0)
BOOTS_CENTRAL=$(stack_adapter_address hci1)
BOOTS_NAME=Presso-$(echo "$BOOTS_PERIPHERAL" | tr -d : | tail -c 5)

# boots_pressod_start DIR: pressod on hci0 with DIR/pressod.conf (simulated pump, 6 chambers,
# cap 200 mmHg, security = open: anyone may write; pairing is not these scenarios' subject), a
# fresh state directory, its log in DIR/pressod.log; the program's name is "pressod". The guest is
# emulated (TCG) on a shared host and its threads can stall for most of a second: the stall rule
# (fault 0x0A, proven in SequencerTests) gets 3 s here so emulation does not end the session.
boots_pressod_start() {
    local dir=$1 state=/tmp/presso-boots-state
    rm -rf "$state"
    printf '[bluetooth]\nadapter = hci0\nsecurity = open\n[safety]\nstall_timeout_ms = 3000\n[simulator]\nchambers = 6\n' > "$dir/pressod.conf"
    program_start pressod "$dir/pressod.log" "$PRESSO_BIN_DIR/pressod" run --config "$dir/pressod.conf" \
        --state-directory "$state"
}

# pressod runs and bluetoothd broadcasts its advertisement (after a start or a bluetoothd restart).
boots_registered() { program_running pressod && stack_wait_advertising 30 hci0; }

# pressod has renamed itself after its adapter (it registers first, then learns the address).
boots_named() { wait_for 20 grep -q "advertising as $BOOTS_NAME" "$1/pressod.log"; }

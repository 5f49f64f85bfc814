# pressod in the guest, for scenarios that drive the boots over Bluetooth. Source it after
# stack.sh. Sets BOOTS_PERIPHERAL (hci0's address), BOOTS_CENTRAL (hci1's) and BOOTS_NAME (the
# name pressod gives itself: Presso- and the last 4 hex digits of hci0's address).
BOOTS_PERIPHERAL=$(stack_adapter_address hci0)
BOOTS_CENTRAL=$(stack_adapter_address hci1)
BOOTS_NAME=Presso-$(echo "$BOOTS_PERIPHERAL" | tr -d : | tail -c 5)

# boots_write_config FILE STATE_DIR [KEY=VALUE...]: the pressod config of these scenarios: state in
# STATE_DIR, the simulated pump with 6 chambers (cap 200 mmHg), Bluetooth on hci0 with the
# [bluetooth] KEY=VALUE lines given (security, name, ...). The guest is emulated (TCG) on a shared
# host and its threads can stall for most of a second: the stall rule (fault 0x0A, proven in
# SequencerTests) gets 3 s here so emulation does not end the session.
boots_write_config() {
    local file=$1 state=$2 setting; shift 2
    {
        printf '[daemon]\nstate_directory = %s\n[bluetooth]\nadapter = hci0\n' "$state"
        for setting in "$@"; do printf '%s = %s\n' "${setting%%=*}" "${setting#*=}"; done
        printf '[safety]\nstall_timeout_ms = 3000\n[simulator]\nchambers = 6\n'
    } > "$file"
}

# boots_pressod_start DIR [ARGS...]: pressod with DIR/pressod.conf (boots_write_config, security =
# open: anyone may write; pairing is not these scenarios' subject), a fresh state directory, its
# log in DIR/pressod.log (BOOTS_LOG); the program's name is "pressod".
boots_pressod_start() {
    local dir=$1 state=/tmp/presso-boots-state
    rm -rf "$state"
    boots_write_config "$dir/pressod.conf" "$state" security=open
    shift
    BOOTS_LOG=$dir/pressod.log
    program_start pressod "$BOOTS_LOG" "$PRESSO_BIN_DIR/pressod" run --config "$dir/pressod.conf" "$@"
}

# boots_pressod_stop DIR [LOG]: SIGTERM; pressod must exit by itself within 30 s with its chambers
# vented: gracefully ("pump off, chambers vented", exit 0) or through its ShutdownGuard (exit 70,
# "venting from the guard"). How and how fast goes to DIR/sigterm-times.txt (measured). Otherwise
# its stacks are saved and it is killed (program_stop): that is how the snapshot-reader deadlock
# (control loop, graceful shutdown and the guard all stuck on the sequencer's lock) was found.
boots_pressod_stop() {
    local dir=$1 log=${2:-$1/pressod.log} pid t0 seconds how
    pid=$(stack_pid prog-pressod) || return 1
    t0=$(date +%s.%N)
    kill -TERM "$pid"
    if ! wait_for 30 bash -c "! kill -0 $pid"; then
        echo "pressod still running 30 s after SIGTERM" >&2
        program_stop pressod
        return 1
    fi
    rm -f "$STACK_RUN/prog-pressod.pid"
    seconds=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}')
    if grep -q 'control loop stopped; pump off, chambers vented' "$log"; then how=graceful
    elif grep -q 'venting from the guard' "$log"; then how=guard
    else how=unvented; fi
    echo "$(basename "$log") $how ${seconds}s" | tee -a "$dir/sigterm-times.txt" >&2
    [ "$how" != unvented ]
}

# pressod runs and bluetoothd broadcasts its advertisement (after a start or a bluetoothd restart).
boots_registered() { program_running pressod && stack_wait_advertising 30 hci0; }

# ---- pressod with a scenario's own config, run after run ----------------------------------------
# boots_pressod_run CONFIG [ARGS...]: pressod (program "pressod") once more; each run logs to its
# own $PRESSO_SCENARIO_OUT/pressod.N.log, the latest being BOOTS_LOG.
BOOTS_RUNS=0
BOOTS_LOG=
boots_pressod_run() {
    BOOTS_RUNS=$((BOOTS_RUNS + 1)); BOOTS_LOG=$PRESSO_SCENARIO_OUT/pressod.$BOOTS_RUNS.log
    program_start pressod "$BOOTS_LOG" "$PRESSO_BIN_DIR/pressod" run --config "$1" "${@:2}"
}
# boots_log_count PATTERN: lines of the latest run's log (BOOTS_LOG) matching PATTERN so far;
# boots_log_at_least PATTERN N: at least N of them.
boots_log_count() { grep -c "$1" "$BOOTS_LOG" 2>/dev/null; }
boots_log_at_least() { [ "$(boots_log_count "$1")" -ge "$2" ]; }
# How often the latest run has registered on hci0 (application and advertisement) so far.
boots_registrations() { boots_log_count 'registered on hci0 in'; }
boots_registered_times() { boots_log_at_least 'registered on hci0 in' "$1"; }
# boots_wait_registered SECONDS [TIMES]: the latest run runs, has registered TIMES (1) times within
# SECONDS, and bluetoothd broadcasts its advertisement.
boots_wait_registered() {
    program_running pressod && wait_for "$1" boots_registered_times "${2:-1}" && stack_wait_advertising 10
}

# boots_security_client ACTION PREFIX [ARGS...]: one clients/security_btctl.py run from hci1 (it
# says what ACTION does), its bluetoothctl transcript $PRESSO_SCENARIO_OUT/bluetoothctl.PREFIX.txt.
boots_security_client() {
    local action=$1 prefix=$2; shift 2
    "$PRESSO_PY" "$PRESSO_REAL/clients/security_btctl.py" "$action" --central "$BOOTS_CENTRAL" \
        --prefix "$prefix" --transcript "$PRESSO_SCENARIO_OUT/bluetoothctl.$prefix.txt" "$@"
}

# pressod has renamed itself after its adapter (it registers first, then learns the address).
boots_named() { wait_for 20 grep -q "advertising as $BOOTS_NAME" "$1/pressod.log"; }

# ---- pressoctl status (pressod needs its D-Bus policy: stack_install_dbus_policy) ----------------
# boots_read_status [FILE]: `pressoctl status` into BOOTS_STATUS (its error text on failure), also
# written to FILE when given (wait_for hides a function's output: the file shows the last look).
BOOTS_STATUS=
boots_read_status() {
    BOOTS_STATUS=$("$PRESSO_BIN_DIR/pressoctl" status 2>&1); local rc=$?
    [ -z "${1:-}" ] || echo "$BOOTS_STATUS" > "$1"
    return $rc
}
# boots_status_field phase|elapsed|remaining|pressure, from BOOTS_STATUS. pressoctl prints
# (StatusView.table) "Phase         inflating chamber 3", "Time          19:37 left (0:23 of
# 20:00 run)", "Set pressure  60 mmHg"; times are M:SS, given here in seconds.
boots_status_field() {
    case $1 in
        phase) echo "$BOOTS_STATUS" | sed -n 's/^Phase  *//p' ;;
        elapsed) echo "$BOOTS_STATUS" | sed -n 's/^Time .*(\([0-9]*\):\([0-9]*\) of.*/\1 \2/p' | awk '{print $1*60+$2}' ;;
        remaining) echo "$BOOTS_STATUS" | sed -n 's/^Time  *\([0-9]*\):\([0-9]*\) left.*/\1 \2/p' | awk '{print $1*60+$2}' ;;
        pressure) echo "$BOOTS_STATUS" | sed -n 's/^Set pressure  *\([0-9]*\) mmHg.*/\1/p' ;;
    esac
}
# A session runs: not idle, paused or faulted (pressoctl shows a fault as "faulted (vented)").
boots_running_phase() { case $1 in idle*|paused*|faulted*|FAULT*|"") return 1 ;; esac; }

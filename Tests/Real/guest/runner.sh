#!/bin/bash
# Entry point INSIDE the virtme-ng guest (root; the host's root filesystem read-only with tmpfs
# overlays; only $1 is shared read-write with the host). Started by Tests/Real/run.sh.
# usage: runner.sh OUT_DIR
#   OUT_DIR/guest.env       settings written by run.sh (sourced)
#   OUT_DIR/scenarios.list  the scenarios to run, in order: a line each, its time box (s) and
#                           absolute path (run.sh reads `# scenario-timeout:`)
# Writes OUT_DIR/results.txt (PASS/FAIL lines), timings.txt, stack/ logs, one folder per scenario,
# and OUT_DIR/guest.done as its very last act.
set -u
export PRESSO_OUT=$1
# shellcheck disable=SC1091
. "$PRESSO_OUT/guest.env"
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
# Scenarios get the guest's console (this runner's stderr: console.log on the host) as file
# descriptor PRESSO_CONSOLE_FD, to show something as it happens (their output goes to
# scenario.log). A descriptor, not a path: the console tty cannot be opened a second time (EBUSY).
export PRESSO_CONSOLE_FD=3
. "$PRESSO_REAL/guest/stack.sh"
: > "$PRESSO_OUT/results.txt"
: > "$PRESSO_OUT/step-times.txt"
T_START=$(stack_uptime)
stack_log "guest up (kernel $(uname -r)), runner started at uptime ${T_START}s"

finish() {
    stack_down
    free -m > "$PRESSO_OUT/stack/free.txt" 2>&1
    echo "end=$(stack_uptime)" >> "$PRESSO_OUT/timings.txt"
    date +%s > "$PRESSO_OUT/guest.done"
    sync
}

echo "guest_start=$T_START" > "$PRESSO_OUT/timings.txt"
if ! stack_up "$PRESSO_SHIM" "${PRESSO_GPIO_SIM_KO:-}"; then
    echo "FAIL stack/start (see stack/ logs)" >> "$PRESSO_OUT/results.txt"
    finish; exit 1
fi
T_READY=$(stack_uptime)
echo "stack_ready=$T_READY" >> "$PRESSO_OUT/timings.txt"
stack_log "stack ready: hci0 (peripheral) $(stack_adapter_address hci0), hci1 (central) $(stack_adapter_address hci1)"

first=1
while read -r limit scenario; do
    [ -n "$scenario" ] || continue
    name=$(basename "$scenario" .sh)
    # A fresh bluetoothd per scenario: no device objects, caches or pending timers left by the
    # previous central (the peripheral adapter deletes its object for a departed central ~30 s
    # later, which can drop a new link). See real-bluez.md.
    if [ "$first" = 0 ]; then
        stack_restart_bluetoothd || { echo "FAIL $name/stack-restart" >> "$PRESSO_OUT/results.txt"; continue; }
    fi
    first=0
    mkdir -p "$PRESSO_OUT/$name"
    t0=$(stack_uptime)
    stack_log "=== scenario $name (time box $limit s)"
    PRESSO_SCENARIO=$name PRESSO_SCENARIO_OUT=$PRESSO_OUT/$name \
        timeout -k 10 "$limit" bash "$scenario" 3>&2 > "$PRESSO_OUT/$name/scenario.log" 2>&1
    rc=$?
    # Programs a scenario left running would disturb the next one.
    for pidfile in "$STACK_RUN"/prog-*.pid; do
        [ -e "$pidfile" ] || continue
        prog=$(basename "$pidfile" .pid); prog=${prog#prog-}
        stack_log "scenario $name left '$prog' running: stopping it"; program_stop "$prog"
    done
    t1=$(stack_uptime)
    echo "scenario_$name=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')" >> "$PRESSO_OUT/timings.txt"
    steps=$(grep -c " $name/" "$PRESSO_OUT/results.txt")
    fails=$(grep -c "^FAIL $name/" "$PRESSO_OUT/results.txt")
    if [ "$rc" != 0 ] && [ "$fails" = 0 ]; then
        echo "FAIL $name/exit (scenario exited $rc$([ $rc = 124 ] && echo ', timed out'))" >> "$PRESSO_OUT/results.txt"
    elif [ "$rc" = 0 ] && [ "$steps" = 0 ]; then
        echo "FAIL $name/no-steps (scenario recorded no step)" >> "$PRESSO_OUT/results.txt"
    fi
    stack_log "=== scenario $name done (exit $rc) in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')s"
    tail -n 40 "$PRESSO_OUT/$name/scenario.log" | sed "s/^/[$name] /" >&2
done < "$PRESSO_OUT/scenarios.list"

finish
stack_log "results:"; cat "$PRESSO_OUT/results.txt" >&2

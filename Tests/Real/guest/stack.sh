# Guest-side stack library of the real tier: source it (bash) inside the virtme-ng guest.
# It starts and controls a real Bluetooth stack: kernel bluetooth + hci_vhci, the system
# dbus-daemon, btvirt (two LE controllers hci0/hci1 joined by an emulated radio), bluetoothd,
# btmon, and optionally gpio-sim. State shared between the runner and the scenarios (which are
# separate processes) lives in /run/presso; logs go to $PRESSO_OUT/stack.
#
# Conventions: hci0 is the PERIPHERAL adapter (the program under test), hci1 the CENTRAL (clients).
# Every function returns non-zero on failure and says why on stderr.

PRESSO_REAL=${PRESSO_REAL:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PRESSO_OUT=${PRESSO_OUT:-/tmp/presso-real-out}
STACK_RUN=/run/presso
STACK_LOGS=$PRESSO_OUT/stack
BLUETOOTHD=${BLUETOOTHD:-/usr/libexec/bluetooth/bluetoothd}
mkdir -p "$STACK_RUN" "$STACK_LOGS"

stack_uptime() { cut -d' ' -f1 /proc/uptime; }
stack_log() { echo "[guest $(stack_uptime)s] $*" >&2; }

# wait_for SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_for() {
    local deadline=$(( $(date +%s) + $1 )); shift
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -ge "$deadline" ] && return 1
        sleep 0.2
    done
}

# Start PIDNAME LOG COMMAND...: runs COMMAND in the background, pid in /run/presso/PIDNAME.pid.
stack_spawn() {
    local name=$1 log=$2; shift 2
    "$@" >"$log" 2>&1 &
    echo $! > "$STACK_RUN/$name.pid"
}
stack_pid() { cat "$STACK_RUN/$1.pid" 2>/dev/null; }
stack_stop() {    # stack_stop PIDNAME: SIGTERM, then SIGKILL after 5 s; waits for the exit
    local pid; pid=$(stack_pid "$1") || return 0
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null
    wait_for 5 bash -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null
    wait_for 2 bash -c "! kill -0 $pid"
    rm -f "$STACK_RUN/$1.pid"
}

# stack_load_modules [GPIO_SIM_KO]: bluetooth + hci_vhci; with a path, also configfs + gpio-sim.
stack_load_modules() {
    modprobe bluetooth && modprobe hci_vhci || { stack_log "modprobe bluetooth/hci_vhci failed"; return 1; }
    if [ -n "${1:-}" ]; then
        modprobe configfs 2>/dev/null
        mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config || return 1
        lsmod | grep -q '^gpio_sim ' || insmod "$1" || { stack_log "insmod $1 failed"; return 1; }
    fi
}

stack_start_dbus() {
    mkdir -p /run/dbus
    dbus-daemon --system --fork --print-pid > "$STACK_RUN/dbus.pid" || return 1
    wait_for 10 test -S /run/dbus/system_bus_socket || { stack_log "system bus socket missing"; return 1; }
}

# The default system-bus policy refuses to let a process own a well-known name. A daemon with a
# name of its own ships a policy file; install it the way the package would, then reload.
stack_install_dbus_policy() {   # stack_install_dbus_policy FILE.conf
    install -m 644 "$1" /etc/dbus-1/system.d/ || return 1
    dbus-send --system --print-reply --dest=org.freedesktop.DBus / \
        org.freedesktop.DBus.ReloadConfig >/dev/null
}

stack_start_btmon() {
    stack_spawn btmon "$STACK_LOGS/btmon.txt" btmon -t
    sleep 0.3
}

stack_have_controllers() { [ "$(ls /sys/class/bluetooth 2>/dev/null | grep -c '^hci')" -ge "$1" ]; }

# A controller is set up once the kernel lists it in mgmt with its (non-zero) address.
stack_controller_ready() {
    timeout 5 btmgmt --index "${1#hci}" info 2>/dev/null | grep -qE 'addr ([0-9A-F]{2}:){5}[0-9A-F]{2}' \
        && ! timeout 5 btmgmt --index "${1#hci}" info 2>/dev/null | grep -q 'addr 00:00:00:00:00:00'
}

# stack_start_btvirt SHIM_SO [COUNT [READY]]: COUNT (default 2) LE-only controllers
# hci0..hci(COUNT-1) with the btvirt shim preloaded (Tests/Real/host/btvirt_shim.c explains
# its two reorderings and its connection-handle fix); hci0 is the peripheral, hci1 the central,
# others more centrals.
# Each is awaited with `READY hciN` (default stack_controller_ready: the kernel knows its
# address; with bluetoothd running, stack_adapter_on_bus is what counts). Once (1 run in 4, on a
# loaded host) hci0 was created but the kernel never initialised it (btmon: New Index, no Open
# Index), so bluetoothd never saw it: when that happens btvirt is started once more, and the log
# says so. Logs: stack/btvirt.N.log, one per start.
stack_start_btvirt() {
    local shim=$1 count=${2:-2} is_ready=${3:-stack_controller_ready} attempt n i ready
    for attempt in 1 2; do
        n=$(( $(cat "$STACK_RUN/btvirt.count" 2>/dev/null || echo 0) + 1 ))
        echo "$n" > "$STACK_RUN/btvirt.count"
        stack_spawn btvirt "$STACK_LOGS/btvirt.$n.log" env LD_PRELOAD="$shim" btvirt -L -l"$count"
        ready=0
        if wait_for 30 stack_have_controllers "$count"; then
            ready=1
            for i in $(seq 0 $((count - 1))); do
                wait_for 20 "$is_ready" "hci$i" || { ready=0; break; }
            done
        fi
        [ "$ready" = 1 ] && return 0
        stack_log "btvirt attempt $attempt: controllers not set up ($(ls /sys/class/bluetooth | tr '\n' ' '); hci$i not $is_ready; btmgmt: $(timeout 5 btmgmt --index "$i" info 2>&1 | head -n 2 | tr '\n\t' '  '))"
        stack_stop_btvirt
    done
    return 1
}
# Every controller leaves the kernel (hot-unplug): bluetoothd drops their adapter objects.
stack_stop_btvirt() {
    stack_stop btvirt
    wait_for 10 bash -c '! ls /sys/class/bluetooth | grep -q hci'
}
stack_controller_count() { ls /sys/class/bluetooth 2>/dev/null | grep -c '^hci'; }

stack_adapter_on_bus() {   # stack_adapter_on_bus hciN
    busctl --system get-property org.bluez "/org/bluez/$1" org.bluez.Adapter1 Address >/dev/null 2>&1
}

stack_bluetoothd_runs() { cat "$STACK_RUN/bluetoothd.count" 2>/dev/null || echo 0; }

# Starts bluetoothd with the tier's main.conf (override: PRESSO_BLUETOOTHD_CONF) and waits until
# both adapters are on D-Bus. -E (experimental) is needed for LEAdvertisement1.Discoverable.
# Each run logs to stack/bluetoothd.N.log.
stack_start_bluetoothd() {
    local n=$(( $(stack_bluetoothd_runs) + 1 )) debug=-d
    echo "$n" > "$STACK_RUN/bluetoothd.count"
    [ "${PRESSO_BLUETOOTHD_DEBUG:-1}" = 1 ] || debug=
    stack_spawn bluetoothd "$STACK_LOGS/bluetoothd.$n.log" \
        "$BLUETOOTHD" -n -E -f "${PRESSO_BLUETOOTHD_CONF:-$PRESSO_REAL/guest/main.conf}" $debug
    wait_for 30 stack_adapter_on_bus hci0 && wait_for 10 stack_adapter_on_bus hci1 \
        || { stack_log "bluetoothd run $n: adapters not on D-Bus"; return 1; }
    stack_log "bluetoothd run $n up, pid $(stack_pid bluetoothd)"
}
stack_stop_bluetoothd() { stack_stop bluetoothd; }
stack_kill_bluetoothd() {   # a crash, not a shutdown: no Release calls, no cleanup
    local pid; pid=$(stack_pid bluetoothd) && kill -9 "$pid" 2>/dev/null
    wait_for 5 bash -c "! kill -0 $pid"; rm -f "$STACK_RUN/bluetoothd.pid"
}
# Restart = what a systemctl restart does; adapters come back powered (as main.conf's AutoEnable
# would do on a real board).
stack_restart_bluetoothd() {
    stack_stop_bluetoothd && stack_start_bluetoothd && stack_power_adapters
}

stack_adapter_prop() {   # stack_adapter_prop hciN PROPERTY -> busctl value text
    busctl --system get-property org.bluez "/org/bluez/$1" org.bluez.Adapter1 "$2" 2>/dev/null
}
stack_adapter_address() { stack_adapter_prop "$1" Address | awk -F'"' '{print $2}'; }
stack_adapter_powered() { [ "$(stack_adapter_prop "$1" Powered)" = "b true" ]; }

# Adapters start powered off.
stack_power_adapters() {
    local h
    for h in ${*:-hci0 hci1}; do
        wait_for 10 stack_adapter_on_bus "$h" \
            && busctl --system set-property org.bluez "/org/bluez/$h" org.bluez.Adapter1 Powered b true \
            && wait_for 10 stack_adapter_powered "$h" \
            || { stack_log "power on $h failed"; return 1; }
    done
}

# Number of advertisements bluetoothd currently broadcasts on hciN (0 if unknown).
stack_active_advertisements() {
    busctl --system get-property org.bluez "/org/bluez/${1:-hci0}" \
        org.bluez.LEAdvertisingManager1 ActiveInstances 2>/dev/null | awk '{print $2+0}'
}
# stack_wait_advertising SECONDS [hciN]: a registered advertisement is the tier's generic sign
# that a peripheral has (re-)registered with bluetoothd.
stack_advertising() { [ "$(stack_active_advertisements "${1:-hci0}")" -ge 1 ]; }
stack_wait_advertising() { wait_for "$1" stack_advertising "${2:-hci0}"; }

# Everything a Bluetooth scenario needs, in order. Sets nothing but /run/presso state.
stack_up() {   # stack_up SHIM_SO [GPIO_SIM_KO]
    stack_load_modules "${2:-}" && stack_start_dbus && stack_start_btmon \
        && stack_start_btvirt "$1" && stack_start_bluetoothd && stack_power_adapters
}
stack_down() {
    local p
    for p in bluetoothd btvirt btmon; do stack_stop "$p"; done
}

# ---- programs under test ---------------------------------------------------------------------
# program_start NAME LOG COMMAND...: runs a program under test in the background (its own
# session, so program_stop reaches its children); program_stop NAME: SIGTERM, then SIGKILL.
program_start() { local name=$1 log=$2; shift 2; stack_spawn "prog-$name" "$log" setsid "$@"; }
program_running() { local pid; pid=$(stack_pid "prog-$1") && kill -0 "$pid" 2>/dev/null; }
# Returns non-zero if the program had to be killed (it ignored SIGTERM for 8 s: pressod's own
# shutdown guard acts after 4 s, and this emulated guest on a busy host was seen to need 1-5 s for
# a clean exit); its threads' stacks are then saved first (gdb) to stack/NAME.stacks.N.txt.
program_stop() {
    local pid rc=0 stacks; pid=$(stack_pid "prog-$1") || return 0
    kill -TERM -- "-$pid" 2>/dev/null
    if ! wait_for 8 bash -c "! kill -0 $pid"; then
        stacks=$STACK_LOGS/$1.stacks.$pid.txt
        stack_log "program $1 ignored SIGTERM for 8 s: its stacks to $stacks, then SIGKILL"
        timeout 90 gdb -p "$pid" -batch -ex 'info threads' -ex 'thread apply all bt' > "$stacks" 2>&1
        kill -KILL -- "-$pid" 2>/dev/null; rc=1
    fi
    rm -f "$STACK_RUN/prog-$1.pid"
    return $rc
}

# ---- gpio-sim ---------------------------------------------------------------------------------
# gpio_sim_create NAME LINE_NAME...: a live simulated chip with one named line per argument
# (line 0 = first name). Prints the gpiochip name (e.g. gpiochip0). Needs stack_load_modules KO.
gpio_sim_create() {
    local name=$1 dir=/sys/kernel/config/gpio-sim/$1 i=0 line; shift
    mkdir "$dir" "$dir/bank0" || return 1
    echo "$#" > "$dir/bank0/num_lines"
    echo "$name" > "$dir/bank0/label"
    for line in "$@"; do
        mkdir "$dir/bank0/line$i" && echo "$line" > "$dir/bank0/line$i/name" || return 1
        i=$((i + 1))
    done
    echo 1 > "$dir/live" || return 1
    cat "$dir/bank0/chip_name"
}
# gpio_sim_line_dir NAME OFFSET: sysfs folder of the simulator side of a line: read `value`
# (what the consumer drives), write `pull` (pull-up/pull-down: what the consumer reads).
gpio_sim_line_dir() {
    local dir=/sys/kernel/config/gpio-sim/$1
    echo "/sys/devices/platform/$(cat "$dir/dev_name")/$(cat "$dir/bank0/chip_name")/sim_gpio$2"
}
gpio_sim_remove() {   # gpio_sim_remove NAME
    local dir=/sys/kernel/config/gpio-sim/$1
    echo 0 > "$dir/live" && rmdir "$dir"/bank0/line* "$dir/bank0" "$dir"
}

# ---- results ----------------------------------------------------------------------------------
# check NAME COMMAND...: runs one step of the current scenario and records PASS/FAIL NAME.
check() {
    local name="${PRESSO_SCENARIO:-adhoc}/$1" t0 rc; shift
    t0=$(stack_uptime)
    stack_log "STEP $name: $*"
    "$@"; rc=$?
    if [ "$rc" = 0 ]; then
        echo "PASS $name" >> "$PRESSO_OUT/results.txt"
    else
        echo "FAIL $name (exit $rc)" >> "$PRESSO_OUT/results.txt"
    fi
    stack_log "$( [ $rc = 0 ] && echo PASS || echo FAIL ) $name ($(awk -v a="$t0" -v b="$(stack_uptime)" 'BEGIN{printf "%.1f", b-a}')s)"
    echo "$name $t0 $(stack_uptime) $rc" >> "$PRESSO_OUT/step-times.txt"
    return $rc
}

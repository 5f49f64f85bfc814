#!/usr/bin/env bash
# The real-kernel test tier: every scenario under Tests/Real/scenarios/ runs against real
# bluetoothd on a real kernel Bluetooth stack (btvirt controllers) inside ONE virtme-ng VM that
# boots Debian's kernel under QEMU/TCG. Run as root after `scripts/setup.sh vm`.
#
#   Tests/Real/run.sh
#
# Environment:
#   PRESSO_REAL_ONLY=REGEX        run only scenarios whose file name matches (grep -E)
#   PRESSO_REAL_SCENARIO_DIRS=D:E scenario folders (default Tests/Real/scenarios)
#   PRESSO_PERIPHERAL_CMD=CMD     peripheral command for scenarios that need one, instead of their
#                                 Swift product (then their `requires-product` is not built)
#   PRESSO_CONTRACT_ARGS=ARGS     client options for such a peripheral (clients/gatt_contract.py)
#   PRESSO_REAL_OUT=DIR           output folder (default vm-out/ in the repository root)
#   PRESSO_REAL_TIMEOUT=S         time box of the whole VM run (default: 240 s for boot, stack and
#                                 shutdown plus every chosen scenario's time box)
#   PRESSO_SCENARIO_TIMEOUT=S     time box of one scenario inside the VM (default 400 s; a scenario
#                                 that needs longer declares `# scenario-timeout: S`, and the
#                                 longer of the two applies)
#   PRESSO_REAL_GPIO_SIM=1        build and load gpio-sim even if no scenario asks for it
#   PRESSO_REAL_SHOW_CONSOLE=1    also show the guest's console here as it runs (scripts/run.sh's demo)
#   PRESSO_KVER=VERSION           guest kernel (default: the one linux-image-amd64 depends on)
#   PRESSO_HIL_BLUETOOTH=0        30-gpio-hil leaves out its session driven over Bluetooth
#   PRESSO_BENCH_*                handed to the guest as they are (benchmark scenarios' settings)
#
# A scenario is a bash file NN-name.sh, run in the guest after sourcing guest/stack.sh. Header
# lines declare what it needs:  `# requires-product: NAME` (a `swift build` product; built here
# when Package.swift declares it, else the scenario is SKIPPED), `# requires: gpio-sim`,
# `# requires: deb` (scripts/build-deb.sh builds the package on the host; its path is
# PRESSO_DEB in the guest) and `# scenario-timeout: S` (a time box longer than the default).
# Output: vm-out/ (results.txt, timings.txt, console.log, stack/ logs, one folder per scenario).
# The last line printed is exactly "N passed, N failed"; the exit status is non-zero on any
# failure. If no scenario can run because the binaries they need do not exist yet, a SKIP line
# says so and the exit status is 0.
set -uo pipefail
REAL=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$REAL/../.." && pwd)
OUT=${PRESSO_REAL_OUT:-$REPO/vm-out}
PRESSO_CACHE=${PRESSO_CACHE:-/var/cache/presso}
VENV=$PRESSO_CACHE/venv
export PATH=$VENV/bin:$PATH:/opt/swift/usr/bin
. "$REAL/host/build.sh"
T0=$(date +%s.%N)
say() { echo "real-tier: $*"; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }

rm -rf "$OUT" && mkdir -p "$OUT" || exit 1
: > "$OUT/results.txt"
[ "$(id -u)" = 0 ] || { say "run as root"; exit 2; }
[ -x "$VENV/bin/vng" ] && [ -x "$VENV/bin/python3" ] || { say "no virtme-ng venv: run scripts/setup.sh vm"; exit 2; }
KVER=${PRESSO_KVER:-$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null | sed -E 's/.*linux-image-([0-9][^ ,]*).*/\1/')}
[ -f "/boot/vmlinuz-$KVER" ] || { say "no guest kernel /boot/vmlinuz-$KVER: run scripts/setup.sh vm"; exit 2; }

# ---- choose scenarios, and what they need ----------------------------------------------------
declare -a RUN=() LIMITS=() SKIPPED=() PRODUCTS=()
NEED_GPIO=${PRESSO_REAL_GPIO_SIM:-0}
NEED_DEB=0
BOX=240     # the VM's time box: boot, stack and shutdown, plus each scenario's (below)
IFS=: read -r -a DIRS <<< "${PRESSO_REAL_SCENARIO_DIRS:-$REAL/scenarios}"
for scenario in $(for d in "${DIRS[@]}"; do ls "$d"/[0-9]*.sh 2>/dev/null; done \
        | awk -F/ '{print $NF "\t" $0}' | sort | cut -f2); do
    name=$(basename "$scenario" .sh)
    [ -n "${PRESSO_REAL_ONLY:-}" ] && ! echo "$name" | grep -qE "$PRESSO_REAL_ONLY" && continue
    missing=
    for product in $(sed -n 's/^# requires-product: *//p' "$scenario"); do
        if [ -n "${PRESSO_PERIPHERAL_CMD:-}" ]; then
            say "$name: '$product' replaced by PRESSO_PERIPHERAL_CMD"
        elif grep -q "\"$product\"" "$REPO/Package.swift"; then
            PRODUCTS+=("$product")
        else
            missing="$missing $product"
        fi
    done
    if [ -n "$missing" ]; then
        SKIPPED+=("$name (product not in Package.swift yet:$missing)")
        continue
    fi
    grep -q '^# requires: *gpio-sim' "$scenario" && NEED_GPIO=1
    grep -q '^# requires: *deb' "$scenario" && NEED_DEB=1
    # Its time box: PRESSO_SCENARIO_TIMEOUT, or its own `# scenario-timeout: S` if longer.
    declared=$(sed -n 's/^# scenario-timeout: *\([0-9][0-9]*\).*/\1/p' "$scenario" | head -n 1)
    LIMITS+=("$(( ${declared:-0} > ${PRESSO_SCENARIO_TIMEOUT:-400} ? declared : ${PRESSO_SCENARIO_TIMEOUT:-400} ))")
    BOX=$(( BOX + ${LIMITS[-1]} ))
    RUN+=("$(cd "$(dirname "$scenario")" && pwd)/$(basename "$scenario")")
done
for s in "${SKIPPED[@]}"; do say "SKIP $s"; done

# ---- host builds ------------------------------------------------------------------------------
BIN_DIR=
if [ ${#PRODUCTS[@]} -gt 0 ]; then
    for product in $(printf '%s\n' "${PRODUCTS[@]}" | sort -u); do
        say "swift build --product $product"
        if ! (cd "$REPO" && swift build --product "$product" 2>&1 | tail -n 20); then
            echo "FAIL build/$product (swift build failed)" >> "$OUT/results.txt"
        fi
    done
    BIN_DIR=$(cd "$REPO" && swift build --show-bin-path)
fi
PRESSO_DEB=
if [ "$NEED_DEB" = 1 ] && [ ${#RUN[@]} -gt 0 ]; then
    say "scripts/build-deb.sh (release build, static Swift standard library)"
    if ! PRESSO_DEB=$(cd "$REPO" && bash scripts/build-deb.sh --out "$OUT/deb" 2> "$OUT/build-deb.log" | tail -n1); then
        tail -n 20 "$OUT/build-deb.log"
        echo "FAIL build/deb (scripts/build-deb.sh failed; see build-deb.log)" >> "$OUT/results.txt"
    fi
    PRESSO_DEB=$(cd "$REPO" && realpath "$PRESSO_DEB" 2>/dev/null)
fi
if grep -q '^FAIL' "$OUT/results.txt"; then
    RUN=()     # a scenario must never run an old binary
fi

finish() {   # finish: prints the closing line and exits with the right status
    local passed failed
    passed=$(grep -c '^PASS' "$OUT/results.txt"); failed=$(grep -c '^FAIL' "$OUT/results.txt")
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
    exit
}

if [ ${#RUN[@]} = 0 ]; then
    if [ ${#SKIPPED[@]} -gt 0 ] && ! grep -q '^FAIL' "$OUT/results.txt"; then
        say "SKIP: no real-tier scenario ran: the binaries they test do not exist yet (${#SKIPPED[@]} skipped)"
    elif ! grep -q '^FAIL' "$OUT/results.txt"; then
        echo "FAIL select (no scenario matches '${PRESSO_REAL_ONLY:-}')" >> "$OUT/results.txt"
    fi
    finish
fi

SHIM=$(build_btvirt_shim) || { echo "FAIL build/btvirt-shim" >> "$OUT/results.txt"; finish; }
# Its connection-handle bookkeeping, checked on the host in a second (PASS/FAIL btvirt-shim/...,
# added to results.txt after the VM, which starts that file afresh). A broken shim would make
# every scenario's failures meaningless: then the VM does not boot.
/usr/bin/python3 "$REAL/host/test_btvirt_shim.py" "$SHIM" > "$OUT/btvirt-shim-test.txt" 2>&1
shim_rc=$?
shim_results() {
    grep -E '^(PASS|FAIL) ' "$OUT/btvirt-shim-test.txt"
    [ "$shim_rc" = 0 ] || echo "FAIL btvirt-shim/test (exit $shim_rc; see btvirt-shim-test.txt)"
}
[ "$shim_rc" = 0 ] || { shim_results >> "$OUT/results.txt"; finish; }
GPIO_SIM_KO=
if [ "$NEED_GPIO" = 1 ]; then
    GPIO_SIM_KO=$(build_gpio_sim "$KVER") || { echo "FAIL build/gpio-sim" >> "$OUT/results.txt"; finish; }
fi
T_BUILT=$(date +%s.%N)
for i in "${!RUN[@]}"; do echo "${LIMITS[i]} ${RUN[i]}"; done > "$OUT/scenarios.list"
{
    printf 'export PRESSO_REAL=%q PRESSO_REPO=%q PRESSO_BIN_DIR=%q\n' "$REAL" "$REPO" "$BIN_DIR"
    printf 'export PRESSO_PY=%q PRESSO_SHIM=%q PRESSO_GPIO_SIM_KO=%q\n' "$VENV/bin/python3" "$SHIM" "$GPIO_SIM_KO"
    printf 'export PRESSO_DEB=%q\n' "$PRESSO_DEB"
    for v in PRESSO_PERIPHERAL_CMD PRESSO_CONTRACT_ARGS PRESSO_BLUETOOTHD_DEBUG PRESSO_HIL_BUTTON_SAMPLES \
            PRESSO_HIL_OVER_PRESSURE_SAMPLES PRESSO_HIL_BLUETOOTH $(compgen -v PRESSO_BENCH_); do
        [ -n "${!v:-}" ] && printf 'export %s=%q\n' "$v" "${!v}"
    done
} > "$OUT/guest.env"

# ---- the VM -----
# virtme-ng mounts an empty tmpfs on the guest's /var/cache: the cache (venv, shim, gpio-sim.ko)
# is handed in read-only with --rodir. Only $OUT is writable from the guest.------------------------------------------------------------------------------
say "booting $KVER (TCG) for ${#RUN[@]} scenario(s): $(for s in "${RUN[@]}"; do basename "$s" .sh; done | tr '\n' ' ')"
run_vm() {
    timeout -k 20 "${PRESSO_REAL_TIMEOUT:-$BOX}" vng --run "/boot/vmlinuz-$KVER" --disable-kvm \
        --memory 2G --cpus 2 --rwdir "$OUT" --rodir "$PRESSO_CACHE" --exec "$REAL/guest/runner.sh $OUT" \
        2>&1 < /dev/null
}
if [ "${PRESSO_REAL_SHOW_CONSOLE:-0}" = 1 ]; then
    run_vm | tee "$OUT/console.log"
    vng_rc=${PIPESTATUS[0]}
else
    run_vm > "$OUT/console.log"
    vng_rc=$?
fi
T_VM=$(elapsed "$T_BUILT")
[ -f "$OUT/guest.done" ] || echo "FAIL vm (guest did not finish: vng exit $vng_rc$([ $vng_rc = 124 ] && echo ', timed out'); see console.log)" >> "$OUT/results.txt"
shim_results >> "$OUT/results.txt"

# ---- report -----------------------------------------------------------------------------------
val() { sed -n "s/^$1=//p" "$OUT/timings.txt" 2>/dev/null | head -n1; }
{
    echo "host build: $(awk -v a="$T0" -v b="$T_BUILT" 'BEGIN{printf "%.1f", b-a}') s"
    echo "vm run (boot + stack + scenarios + shutdown): $T_VM s"
    echo "guest uptime at runner start (boot): $(val guest_start) s"
    echo "guest uptime when stack ready: $(val stack_ready) s"
    sed -n 's/^scenario_\(.*\)=\(.*\)/scenario \1: \2 s/p' "$OUT/timings.txt" 2>/dev/null
    echo "total: $(elapsed "$T0") s"
} > "$OUT/host-timings.txt"
sed 's/^/real-tier: time: /' "$OUT/host-timings.txt"
grep -E '^(PASS|FAIL)' "$OUT/results.txt" | sed 's/^/real-tier: /'

if grep -q '^FAIL' "$OUT/results.txt"; then
    say "FAILED; logs in $OUT"
    show() { [ -f "$1" ] && { echo "----- tail -n $2 $1"; tail -n "$2" "$1"; }; }
    show "$OUT/console.log" 30
    while read -r line; do
        scenario=${line#FAIL }; scenario=${scenario%%/*}
        [ -d "$OUT/$scenario" ] || continue
        show "$OUT/$scenario/scenario.log" 60
        for f in "$OUT/$scenario"/bluetoothctl.*.txt "$OUT/$scenario"/*.log; do
            [ "$f" = "$OUT/$scenario/scenario.log" ] || show "$f" 40
        done
    done < <(grep '^FAIL' "$OUT/results.txt" | sort -u -t/ -k1,1)
    show "$(ls -v "$OUT"/stack/bluetoothd.*.log 2>/dev/null | tail -n1)" 60
    show "$OUT/stack/btmon.txt" 80
    for f in "$OUT"/stack/btvirt.*.log; do show "$f" 10; done
fi
finish

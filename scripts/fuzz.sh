#!/usr/bin/env bash
# Fuzzes the boots' GATT writes with libFuzzer (see Fuzz/README.md): every characteristic's write
# decoding and the control point, through ProfileHandler over a real InflationSequencer on the
# simulated pump, with invariants checked on every input.
#
#   scripts/fuzz.sh                  short run: 200 000 executions (what CI runs)
#   scripts/fuzz.sh --runs N         N executions
#   scripts/fuzz.sh --time S         a long run: S seconds (executions unbounded)
#   scripts/fuzz.sh --build-only     compile the fuzzer, nothing else
#   scripts/fuzz.sh --replay FILE    run one input (a crash from Fuzz/crashes/) and show the verdict
#   scripts/fuzz.sh ... -- FLAGS     extra libFuzzer flags (e.g. -seed=1)
#
# SwiftPM cannot pass -sanitize=fuzzer, so the modules are compiled with swiftc directly into
# .build-fuzz/ (each module once, again only when its sources change). The seed corpus is made
# from the contract's write vectors each run; a short run starts from the seeds alone, a long
# run also from what earlier long runs found (.build-fuzz/corpus). A crash leaves its input in
# Fuzz/crashes/ and the script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swiftc >/dev/null 2>&1 || export PATH=$PATH:/opt/swift/usr/bin

runs=200000
seconds=
build_only=0
replay=
extra=()
while [ $# -gt 0 ]; do
    case $1 in
        --runs) runs=$2; shift 2 ;;
        --time) seconds=$2; shift 2 ;;
        --build-only) build_only=1; shift ;;
        --replay) replay=$2; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        *) echo "fuzz.sh: unknown argument '$1' (--runs N, --time S, --build-only, --replay FILE, -- FLAGS)" >&2; exit 2 ;;
    esac
done

# A broken invariant is a fatalError: let it trap straight into libFuzzer's crash handler (Swift's
# backtracer would run first, and trips ASan). ASan's allocation stacks cost ~15 % of the speed and
# matter little in Swift code; set ASAN_OPTIONS to get them back.
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}
export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=0}

# libFuzzer's runtime ships with the Swift toolchain (not with Debian's Swift-less clang packages).
toolchain=$(dirname "$(command -v swiftc)")/..
if ! compgen -G "$toolchain/lib/clang/*/lib/linux/libclang_rt.fuzzer-$(uname -m).a" >/dev/null; then
    echo "fuzz.sh: no libFuzzer runtime in the Swift toolchain at $toolchain (lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a)" >&2
    exit 1
fi

build=.build-fuzz
crashes=Fuzz/crashes
fuzzer=$build/gatt-write-fuzzer
mkdir -p "$build/modules" "$crashes"
common=(-parse-as-library -O -g -swift-version 6 -warnings-as-errors)
# Coverage-guided code: the contract and the sequencer. The simulator only stands in for the
# boots (no coverage feedback wanted from its physics), but is checked by ASan all the same.
flags=(-sanitize=fuzzer,address "${common[@]}")
simulator_flags=(-sanitize=address "${common[@]}")

# Compiles one module (whole-module, one object file) unless its sources, its dependencies and
# the flags are those of the last build. $1 module, $2 name of its flags array, $3 stamp of the
# modules it imports, $4... sources.
stamp_of() { cat "$build/modules/$1.stamp"; }
compile_module() {
    local module=$1 deps=$3
    local -n module_flags=$2
    shift 3
    local stamp
    stamp=$( { printf '%s\n' "${module_flags[*]}" "$deps"; cat "$@"; } | sha256sum | cut -d' ' -f1)
    if [ -f "$build/modules/$module.o" ] && [ "$(cat "$build/modules/$module.stamp" 2>/dev/null)" = "$stamp" ]; then
        return 0
    fi
    echo "fuzz: compiling $module ($# files)"
    swiftc "${module_flags[@]}" -wmo -c -module-name "$module" -I "$build/modules" \
        -emit-module -emit-module-path "$build/modules/$module.swiftmodule" \
        "$@" -o "$build/modules/$module.o"
    echo "$stamp" > "$build/modules/$module.stamp"
}

sources() { find "$1" -name '*.swift' | LC_ALL=C sort; }
mapfile -t sequencer < <(sources Sources/Sequencer)
mapfile -t simulator < <(sources Sources/PumpSimulator)
mapfile -t protocol < <(sources Sources/BootsProtocol)
mapfile -t entry < <(sources Fuzz)

started=$SECONDS
compile_module Sequencer flags "" "${sequencer[@]}"
compile_module PumpSimulator simulator_flags "$(stamp_of Sequencer)" "${simulator[@]}"
compile_module BootsProtocol flags "$(stamp_of Sequencer)" "${protocol[@]}"
link_stamp=$( { stamp_of Sequencer; stamp_of PumpSimulator; stamp_of BootsProtocol; cat "${entry[@]}"; } | sha256sum | cut -d' ' -f1)
if [ ! -x "$fuzzer" ] || [ "$(cat "$build/fuzzer.stamp" 2>/dev/null)" != "$link_stamp" ]; then
    echo "fuzz: compiling and linking the fuzzer"
    # lld: gold warns about ASan's local symbols on every link.
    swiftc "${flags[@]}" -use-ld=lld -module-name GATTWriteFuzzer -I "$build/modules" "${entry[@]}" \
        "$build/modules/Sequencer.o" "$build/modules/PumpSimulator.o" "$build/modules/BootsProtocol.o" -o "$fuzzer"
    echo "$link_stamp" > "$build/fuzzer.stamp"
fi
echo "fuzz: fuzzer ready in $((SECONDS - started)) s ($fuzzer)"
[ "$build_only" = 1 ] && exit 0
if [ -n "$replay" ]; then
    exec "$fuzzer" "${extra[@]}" "$replay"
fi

# Seeds: every write vector of the contract, for its characteristic's selector byte, in every
# sequencer state and on every boots variant (Fuzz/FuzzRig.swift decodes the selector).
seeds=$build/seeds
rm -rf "$seeds"
mkdir -p "$seeds"
/usr/bin/python3 scripts/gatt-schema.py vectors --json | /usr/bin/python3 -c '
import json, sys
out = sys.argv[1]
# The low nibble of FuzzCase.targets for each characteristic written at offset 0.
selector = {"pressure": 0, "chambers": 1, "timer": 2, "controlPoint": 3, "liveState": 4, "program": 5}
count = 0
for v in json.load(sys.stdin)["vectors"]:
    c = v.get("characteristic")
    # Write vectors; the read-only characteristics value vectors, written to check the refusal.
    if c not in selector or not (v["kind"] == "write" or (v["kind"] == "value" and selector[c] >= 4)):
        continue
    value = bytes.fromhex(v["bytes"])
    for high in range(16):  # bits 4-5 the state, bits 6-7 the boots
        with open(f"{out}/{c}-{count:03d}-{high:x}", "wb") as f:
            f.write(bytes([high << 4 | selector[c]]) + value)
    count += 1
print(f"fuzz: {count} contract vectors seeded ({count * 16} inputs)")
' "$seeds"

if [ -n "$seconds" ]; then
    corpus=$build/corpus
    limit=(-max_total_time="$seconds")
else
    corpus=$build/corpus-short
    rm -rf "$corpus"
    limit=(-runs="$runs")
fi
mkdir -p "$corpus"
log=$build/last-run.log
set +e
"$fuzzer" "${limit[@]}" -max_len=64 -timeout=10 -print_final_stats=1 -artifact_prefix="$crashes/" \
    "${extra[@]}" "$corpus" "$seeds" 2>&1 | tee "$log" | grep -E '^(INFO: Seed|#[0-9]+[[:space:]]+(INITED|DONE)|Done |==[0-9]+==|SUMMARY|.*Fatal error|.*invariant broken|Test unit written)'
status=${PIPESTATUS[0]}
set -e

done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
executions=$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{print $2}' || true)
rate=$(grep -E '^stat::average_exec_per_sec:' "$log" | awk '{print $2}' || true)
coverage=$(echo "$done_line" | grep -oE 'cov: [0-9]+ ft: [0-9]+' || true)
if [ "$status" = 0 ]; then
    echo "fuzz: ${executions:-?} runs, 0 crashes (${coverage:-coverage ?}, ${rate:-?} exec/s)"
else
    crash=$(grep -oE 'Test unit written to [^ ]+' "$log" | tail -1 | sed 's/Test unit written to //' || true)
    echo "fuzz: ${executions:-?} runs, 1 crash (exit $status): input in ${crash:-$crashes/}; full log $log"
    echo "fuzz: replay with: scripts/fuzz.sh --replay ${crash:-CRASH-FILE}"
    exit 1
fi

# Sourced by scripts/bench-{gatt,notify,footprint,actuation}.sh: builds what the benchmarks run
# (release) and links it into one directory, $bench_bin (removed on exit).
#   prepare_bench PRODUCT...    Swift products to build (pressod, DBusBenchmark, ...)
#   prepare_bless               a venv with bless from PyPI, outside the repository: $bless_python
command -v swift >/dev/null 2>&1 || export PATH=$PATH:/opt/swift/usr/bin
bench_bin=$(mktemp -d /tmp/presso-bench-bin.XXXXXX)
trap 'rm -rf "$bench_bin"' EXIT

prepare_bench() {
    for product in "$@"; do swift build -c release --product "$product" >/dev/null; done
    local path
    path=$(swift build -c release --show-bin-path)
    for product in "$@"; do ln -s "$path/$product" "$bench_bin/$product"; done
    gcc -O2 -Wall -o "$bench_bin/c-echo" Benchmarks/c-echo/echo.c $(pkg-config --cflags --libs dbus-1)
    gcc -O2 -Wall -o "$bench_bin/gatt-client" Benchmarks/gatt/gatt-client.c $(pkg-config --cflags --libs dbus-1)
    for need in taskset /usr/bin/python3; do command -v "$need" >/dev/null || { echo "needs $need"; exit 1; }; done
    /usr/bin/python3 -c 'import dbus, gi' || { echo "needs python3-dbus and python3-gi (apt)"; exit 1; }
    [ -x /usr/share/doc/bluez-test-scripts/examples/example-gatt-server ] || [ -f /usr/share/doc/bluez-test-scripts/examples/example-gatt-server ] \
        || { echo "needs bluez-test-scripts (apt) for example-gatt-server"; exit 1; }
}

prepare_bless() {
    local venv=${PRESSO_BENCH_VENV:-/var/cache/presso/bench-venv}
    if ! "$venv/bin/python" -c 'import bless' 2>/dev/null; then
        /usr/bin/python3 -m venv "$venv"
        "$venv/bin/pip" install -q bless
    fi
    bless_python=$venv/bin/python
    echo "# bless $("$bless_python" -m pip show bless 2>/dev/null | awk '/^Version/ {print $2}')"
}

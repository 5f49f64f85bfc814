# Host-side builds for the real tier, sourced by Tests/Real/run.sh. Results are cached under
# $PRESSO_CACHE (default /var/cache/presso) so CI and repeated runs rebuild nothing.
#   build_btvirt_shim       -> prints the path of the btvirt LD_PRELOAD library (its event-order and handle fixes)
#   build_gpio_sim KVER     -> prints the path of gpio-sim.ko built for kernel KVER
# Both write their progress to stderr and return non-zero on failure.

PRESSO_CACHE=${PRESSO_CACHE:-/var/cache/presso}
REAL_HOST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Keyed by the source's hash: editing the shim rebuilds it, nothing else does.
build_btvirt_shim() {
    local src=$REAL_HOST_DIR/btvirt_shim.c key dir
    key=$(sha256sum "$src" | cut -c1-16)
    dir=$PRESSO_CACHE/btvirt-shim/$key
    if [ ! -f "$dir/btvirt_shim.so" ]; then
        mkdir -p "$dir"
        gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o "$dir/btvirt_shim.so.tmp" "$src" -ldl >&2 \
            || return 1
        mv "$dir/btvirt_shim.so.tmp" "$dir/btvirt_shim.so"
        echo "build: btvirt shim built in $dir" >&2
    fi
    echo "$dir/btvirt_shim.so"
}

# Debian's kernels ship neither gpio-sim nor IRQ_SIM; build both out of tree from the matching
# linux-source package. irq_to_desc() is not exported to modules, so irq_sim.c calls
# generic_handle_irq(), which runs the same handle_simple_irq() through the descriptor lookup.
build_gpio_sim() {
    local kver=$1 series dir deb src
    series=$(echo "$kver" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
    dir=$PRESSO_CACHE/gpio-sim/$kver
    if [ -f "$dir/gpio-sim.ko" ] && modinfo -F vermagic "$dir/gpio-sim.ko" | grep -q "^$kver "; then
        echo "$dir/gpio-sim.ko"; return 0
    fi
    [ -d "/lib/modules/$kver/build" ] || { echo "build: linux-headers-$kver missing (scripts/setup.sh vm)" >&2; return 1; }
    mkdir -p "$PRESSO_CACHE/debs"
    deb=$(ls "$PRESSO_CACHE"/debs/linux-source-"${series}"_*_all.deb 2>/dev/null | tail -n1)
    if [ -z "$deb" ]; then
        echo "build: downloading linux-source-$series (once, ~140 MB)" >&2
        (cd "$PRESSO_CACHE/debs" && apt-get download -q "linux-source-$series" >&2) || return 1
        deb=$(ls "$PRESSO_CACHE"/debs/linux-source-"${series}"_*_all.deb | tail -n1)
    fi
    rm -rf "$dir" && mkdir -p "$dir/src"
    src=linux-source-$series
    dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$src.tar.xz" \
        | tar -xJ -C "$dir/src" --strip-components=1 \
            "$src/drivers/gpio/gpio-sim.c" "$src/drivers/gpio/gpiolib.h" "$src/kernel/irq/irq_sim.c" \
        || return 1
    cp "$dir/src/drivers/gpio/gpio-sim.c" "$dir/gpio-sim-main.c"
    cp "$dir/src/drivers/gpio/gpiolib.h" "$dir/src/kernel/irq/irq_sim.c" "$dir/"
    sed -i 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' "$dir/irq_sim.c"
    grep -q 'generic_handle_irq(irqnum);' "$dir/irq_sim.c" \
        || { echo "build: irq_sim.c patch did not apply for $kver" >&2; return 1; }
    printf 'obj-m := gpio-sim.o\ngpio-sim-objs := gpio-sim-main.o irq_sim.o\n' > "$dir/Makefile"
    make -s -C "/lib/modules/$kver/build" M="$dir" modules >&2 || return 1
    echo "build: gpio-sim.ko built for $kver in $dir" >&2
    echo "$dir/gpio-sim.ko"
}

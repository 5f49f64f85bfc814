// swift-tools-version: 6.2
// Presso: the Bluetooth LE daemon of pressotherapy boots.
//
// Layering (arrows point one way only):
//   pressod ─┬─ BootsProfile ── BlueZ ── DBus ── CDBus (libdbus-1)
//            └─ Sequencer ◄── PumpSimulator | GPIOHardware ── GPIO ── CGPIOD (libgpiod v1)
import PackageDescription

let package = Package(
    name: "Presso",
    products: [
        .library(name: "Sequencer", targets: ["Sequencer"]),
        .library(name: "DBus", targets: ["DBus"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/pointfreeco/swift-clocks.git", from: "1.1.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // C libraries, each wrapped once in its own Swift module.
        .systemLibrary(
            name: "CDBus", pkgConfig: "dbus-1",
            providers: [.apt(["libdbus-1-dev"])]),
        .systemLibrary(
            name: "CGPIOD", pkgConfig: "libgpiod",
            providers: [.apt(["libgpiod-dev"])]),
        .systemLibrary(
            name: "CBluetooth", pkgConfig: "bluez",
            providers: [.apt(["libbluetooth-dev"])]),

        .target(name: "Sequencer"),

        // D-Bus: libdbus-1 wrapped once (connection, values, export, signals).
        .target(name: "DBus", dependencies: ["CDBus"]),
        .testTarget(
            name: "DBusTests",
            dependencies: ["DBus", .product(name: "PropertyBased", package: "swift-property-based")]),
        // Round-trip calls/s benchmark (run by scripts/bench-dbus.sh, never by `swift test`).
        .executableTarget(name: "DBusBenchmark", dependencies: ["DBus"], path: "Benchmarks/DBusBenchmark"),
    ]
)

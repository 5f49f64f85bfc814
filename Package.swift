// swift-tools-version: 6.2
// Presso: the Bluetooth LE daemon of pressotherapy boots.
//
// Layering (arrows point one way only):
//   pressod ─┬─ BootsProfile ── BlueZ ── DBus ── CDBus (libdbus-1)
//            │     └─ BootsProtocol (pure: the GATT contract's bytes) ── Sequencer
//            └─ Sequencer ◄── PumpSimulator | GPIOHardware ── GPIO ── CGPIOD (libgpiod v1)
import PackageDescription

let package = Package(
    name: "Presso",
    products: [
        .executable(name: "pressod", targets: ["pressod"]),
        .library(name: "Sequencer", targets: ["Sequencer"]),
        .library(name: "GPIOHardware", targets: ["GPIOHardware"]),
        .library(name: "PumpSimulator", targets: ["PumpSimulator"]),
        .library(name: "BootsProtocol", targets: ["BootsProtocol"]),
        .executable(name: "sequencer-demo", targets: ["sequencer-demo"]),
        .library(name: "DBus", targets: ["DBus"]),
        .library(name: "BlueZ", targets: ["BlueZ"]),
        .executable(name: "gatt-example-peripheral", targets: ["gatt-example-peripheral"]),
        .executable(name: "gpio-sim-plant", targets: ["gpio-sim-plant"]),
        .executable(name: "pressoctl", targets: ["pressoctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/pointfreeco/swift-clocks.git", from: "1.1.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // The boots' GATT contract (gatt-schema/) at the byte level: codecs, write validation,
        // control point, notification throttle, catalog. Pure: no D-Bus, no BlueZ.
        .target(name: "BootsProtocol", dependencies: ["Sequencer"]),
        .testTarget(
            name: "BootsProtocolTests",
            dependencies: [
                "BootsProtocol", "Sequencer", "PumpSimulator",
                .product(name: "Clocks", package: "swift-clocks"),
            ]),

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

        // The inflation sequencer: programs, session timer, safety rules (pure, injected clock).
        .target(name: "Sequencer"),

        // The daemon's files: configuration (read-only, line-accurate errors) and user settings
        // (crash-safe JSON).
        .target(name: "PressoConfig", dependencies: ["Sequencer", "GPIOHardware"]),
        .target(name: "SettingsStore", dependencies: ["Sequencer"]),
        .testTarget(name: "PressoConfigTests", dependencies: ["PressoConfig", "SettingsStore", "Sequencer"]),

        // libgpiod v1, wrapped once; and the boots' pump, valves, sensor and button on top of it.
        .target(name: "GPIO", dependencies: ["CGPIOD"]),
        .target(name: "GPIOHardware", dependencies: ["GPIO", "Sequencer"]),
        .executableTarget(name: "gpio-probe", dependencies: ["GPIO"]),
        .testTarget(name: "GPIOTests", dependencies: ["GPIO"]),
        .testTarget(name: "GPIOHardwareTests", dependencies: ["GPIOHardware", "GPIO", "Sequencer"]),
        // A physics model of pump, valves and sensors standing in for the boots.
        .target(name: "PumpSimulator", dependencies: ["Sequencer"]),
        // Test-only: the boots' pneumatics on the simulator side of a gpio-sim chip, closing the
        // loop for the hardware-in-the-loop scenario (Tests/Real/scenarios/30-gpio-hil.sh).
        .executableTarget(name: "gpio-sim-plant", dependencies: ["PumpSimulator", "Sequencer"], path: "Tests/Real/plant"),
        // Watch a real-time session on the simulated pump; `bench` measures the control loop.
        .executableTarget(name: "sequencer-demo", dependencies: ["Sequencer", "PumpSimulator"]),
        .testTarget(
            name: "SequencerTests",
            dependencies: [
                "Sequencer", "PumpSimulator",
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),
    
        // systemd's notification protocol (READY, STATUS, STOPPING, WATCHDOG) without libsystemd;
        // and the daemon's use of it: status line, readiness, watchdog fed by the control loop.
        .target(name: "SystemdNotify"),
        .target(
            name: "Supervision",
            dependencies: [
                "Sequencer", "SystemdNotify",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // Spawning the real pressod (or any daemon) from tests: empty signal mask, always reaped.
        .target(name: "PressoTestSupport", path: "Tests/PressoTestSupport"),
        .testTarget(
            name: "SystemdTests",
            dependencies: [
                "SystemdNotify", "Supervision", "Sequencer", "PumpSimulator", "PressoTestSupport",
                .product(name: "Clocks", package: "swift-clocks"),
            ]),

        // pressod's local control interface (org.presso.Boots1 on the system bus) as both sides
        // see it: names, errors, the program notation, the status read from properties.
        .target(name: "BootsControlAPI", dependencies: ["DBus"]),
        // The daemon's side: the sequencer as org.presso.Boots1 (properties, methods, caller
        // check) and the session history it serves.
        .target(
            name: "LocalControl",
            dependencies: [
                "BootsControlAPI", "DBus", "Sequencer", "SettingsStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // `pressoctl`: the command line on org.presso.Boots1 (D-Bus only).
        .executableTarget(
            name: "pressoctl",
            dependencies: ["BootsControlAPI", "DBus", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(
            name: "LocalControlTests",
            dependencies: ["LocalControl", "BootsControlAPI", "DBus", "Sequencer", "PumpSimulator", "PressoTestSupport"]),
        // libbluetooth's HCI device information, wrapped once (controllers present, up, LE).
        .target(name: "HCI", dependencies: ["CBluetooth"]),
        // `pressod doctor`: checks as pure verdicts over facts (Doctor), and the probes that
        // gather the facts from the system (DoctorProbes: D-Bus, HCI, libgpiod, /proc).
        .target(name: "Doctor"),
        .target(name: "DoctorProbes", dependencies: ["Doctor", "DBus", "HCI", "GPIO", "GPIOHardware"]),
        .testTarget(name: "DoctorTests", dependencies: ["Doctor", "HCI", "PressoTestSupport"]),

        // The daemon: configuration, CLI and lifecycle; wiring only.
        .executableTarget(
            name: "pressod",
            dependencies: [
                "PressoConfig", "SettingsStore", "Sequencer", "PumpSimulator", "GPIOHardware",
                "BlueZ", "BootsProfile", "BootsProtocol", "DBus",
                "Supervision", "SystemdNotify", "LocalControl", "BootsControlAPI", "Doctor", "DoctorProbes",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // D-Bus: libdbus-1 wrapped once (connection, values, export, signals).
        .target(name: "DBus", dependencies: ["CDBus"]),
        .testTarget(
            name: "DBusTests",
            dependencies: ["DBus", .product(name: "PropertyBased", package: "swift-property-based")]),
        // BlueZ over D-Bus: GATT application as a value, advertising, agent, adapter lifecycle.
        .target(
            name: "BlueZ",
            dependencies: ["DBus", .product(name: "Logging", package: "swift-log")]),
        // The real tier's example peripheral (Tests/Real/scenarios/10-gatt-example.sh), on BlueZ alone.
        .executableTarget(
            name: "gatt-example-peripheral",
            dependencies: ["BlueZ", "DBus", .product(name: "Logging", package: "swift-log")]),
        // Fast tier: against the BlueZ double (Tests/Support/bluez_double.py) on private buses.
        .testTarget(
            name: "BlueZTests",
            dependencies: ["BlueZ", "DBus", "PressoTestSupport", .product(name: "Logging", package: "swift-log")]),
        // The boots' GATT profile on BlueZ: routes the contract (BootsProtocol) to the sequencer.
        .target(name: "BootsProfile", dependencies: ["BlueZ", "BootsProtocol", "Sequencer"]),
        .testTarget(name: "BootsProfileTests", dependencies: ["BootsProfile", "BlueZ", "BootsProtocol", "Sequencer", "PumpSimulator"]),
        // The real pressod (simulated pump) against the BlueZ double on a private bus: the
        // registered tree, reads, writes, control point, notifications and lifecycle checked
        // against gatt-schema/ with an independent decoder (Tests/Support/boots_decoder.py).
        .testTarget(name: "PressodProfileTests", dependencies: ["DBus", "PressoTestSupport"]),
        // Round-trip calls/s benchmark (run by scripts/bench-dbus.sh, never by `swift test`).
        .executableTarget(name: "DBusBenchmark", dependencies: ["DBus"], path: "Benchmarks/DBusBenchmark"),
        // Write → actuation latency through the boots' GATT profile (scripts/bench-actuation.sh).
        .executableTarget(
            name: "ActuationBenchmark",
            dependencies: [
                "BlueZ", "BootsProfile", "BootsProtocol", "DBus", "Sequencer", "PumpSimulator",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/ActuationBenchmark"),
    ]
)

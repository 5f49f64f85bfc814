import Testing
@testable import Doctor

/// Probes answering from fixed facts, so the whole run is checked without a system.
struct FakeProbes: DoctorProbing {
    var bus: SystemBusFacts = BluetoothVerdictTests.bus
    var kernel: KernelBluetoothFacts = .controllers([BluetoothVerdictTests.hci0])
    var policies = ["/usr/share/dbus-1/system.d/org.presso.Boots.conf"]
    var lines: [GPIOLineFacts] = []
    var pressod = false
    var directoryFacts = DirectoryFacts.directory(writable: true, owner: "presso")
    var userName = "root"

    func systemBus() async -> SystemBusFacts { bus }
    func kernelBluetooth() -> KernelBluetoothFacts { kernel }
    func busPolicyFiles(for name: String) -> [String] { name == "org.presso.Boots" ? policies : [] }
    func gpioLines(_ asked: [GPIOPlan.Line]) -> [GPIOLineFacts] { Array(lines.prefix(asked.count)) }
    func otherPressodRunning() -> Bool { pressod }
    func directory(_ path: String) -> DirectoryFacts { directoryFacts }
}

struct DoctorRunTests {
    static let plan = DoctorPlan(
        configuration: .valid(path: "/etc/presso/pressod.conf", summary: "hardware: GPIO"), adapter: "hci0",
        gpio: SystemVerdictTests.plan, stateDirectory: "/var/lib/presso")
    static let freeLines: [GPIOLineFacts] = [
        .found(chip: "gpiochip0 [x]", offset: 17, used: false, consumer: nil),
        .found(chip: "gpiochip0 [x]", offset: 5, used: false, consumer: nil),
    ]

    @Test func allWellExitsZero() async {
        let report = await Doctor.examine(Self.plan, with: FakeProbes(lines: Self.freeLines))
        #expect(report.results.map(\.name) == ["config", "system bus", "bluetoothd", "adapter", "experimental", "bus policy", "gpio", "state dir"])
        #expect(report.results.allSatisfy { $0.status == .ok })
        #expect(report.exitCode == 0)
        #expect(report.text.hasSuffix("nothing blocks operation (0 warnings)"))
    }

    @Test func warningsDoNotBlock() async {
        let report = await Doctor.examine(Self.plan, with: FakeProbes(policies: [], lines: Self.freeLines))
        #expect(report.exitCode == 0)
        #expect(report.text.contains("warn  bus policy    no D-Bus policy"))
        #expect(report.text.hasSuffix("nothing blocks operation (1 warning)"))
    }

    @Test func oneFailureBlocksAndSaysTheFix() async {
        let report = await Doctor.examine(Self.plan, with: FakeProbes(kernel: .unavailable(reason: "kernel has no Bluetooth (AF_BLUETOOTH unsupported)", noBluetooth: true), lines: Self.freeLines))
        #expect(report.exitCode == 1)
        let line = report.text.split(separator: "\n").first { $0.hasPrefix("FAIL") }
        #expect(line?.hasPrefix("FAIL  adapter       kernel has no Bluetooth (AF_BLUETOOTH unsupported) — fix: boot a kernel with Bluetooth") == true)
        #expect(report.text.hasSuffix("1 problem blocks operation, 0 warnings"))
    }

    @Test func heldLinesNeedARunningPressod() async {
        let held: [GPIOLineFacts] = [.found(chip: "c", offset: 17, used: true, consumer: "pressod"), Self.freeLines[1]]
        #expect(await Doctor.examine(Self.plan, with: FakeProbes(lines: held, pressod: true)).exitCode == 0)
        #expect(await Doctor.examine(Self.plan, with: FakeProbes(lines: held, pressod: false)).exitCode == 1)
    }
}

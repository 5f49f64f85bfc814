import Foundation
import Glibc
import PressoTestSupport
import Testing

/// The real `pressod doctor` on the machine running the tests, against a private dbus-daemon
/// standing in for the system bus (no bluetoothd on it). Where the kernel has no Bluetooth (the
/// build machines) the adapter line must say so, with the fix, and the exit status must be 1.
@Suite(.serialized)
struct PressodDoctorTests {
    let directory: TemporaryDirectory
    let pressod = PackageBuild.product("pressod")

    init() throws {
        directory = try TemporaryDirectory(prefix: "pressod-doctor")
        try "[daemon]\nstate_directory = \(directory.file("state"))\n[simulator]\nchambers = 6\n"
            .write(toFile: directory.file("pressod.conf"), atomically: true, encoding: .utf8)
    }

    private func startBus() async throws -> (ChildProcess, String) {
        let address = "unix:path=\(directory.file("bus"))"
        let bus = try ChildProcess(executable: "/usr/bin/dbus-daemon",
                                   arguments: ["--session", "--nofork", "--address=\(address)", "--print-address=1"],
                                   environment: [:], outputPrefix: directory.file("dbus-daemon"))
        let deadline = ContinuousClock.now + .seconds(20)
        while bus.standardOutput.isEmpty, bus.poll() == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        return (bus, address)
    }

    private func doctor(_ arguments: [String], bus: String) async throws -> ToolRun {
        #expect(FileManager.default.isExecutableFile(atPath: pressod), "build pressod first: swift build")
        return try await runTool(pressod, ["doctor"] + arguments, in: directory,
                                 environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DBUS_SYSTEM_BUS_ADDRESS": bus])
    }

    private func line(_ name: String, in output: String) -> String? {
        output.split(separator: "\n").map(String.init).first { $0.dropFirst(6).hasPrefix(name + " ") }
    }

    @Test func reportsWhatThisMachineLacks() async throws {
        let (bus, address) = try await startBus()
        defer { _ = bus.stop() }
        let run = try await doctor(["--config", directory.file("pressod.conf")], bus: address)
        let out = run.standardOutput
        #expect(run.termination == .exited(1), "\(run.output)")
        #expect(line("config", in: out)?.hasPrefix("ok    config") == true, "\(out)")
        #expect(line("system bus", in: out)?.hasPrefix("ok ") == true, "\(out)")
        let bluetoothd = try #require(line("bluetoothd", in: out), "\(out)")
        #expect(bluetoothd.hasPrefix("FAIL") && bluetoothd.contains("org.bluez has no owner") && bluetoothd.contains("— fix: apt install bluez"))
        let adapter = try #require(line("adapter", in: out), "\(out)")
        if !HCITests.kernelHasBluetooth {
            #expect(adapter.hasPrefix("FAIL"))
            #expect(adapter.contains("kernel has no Bluetooth (AF_BLUETOOTH unsupported"), "\(adapter)")
            #expect(adapter.contains("— fix: boot a kernel with Bluetooth"))
        }
        #expect(line("gpio", in: out)?.hasPrefix("warn") == true, "simulated pump: \(out)")
        #expect(line("state dir", in: out)?.contains("ReadWritePaths=") == true, "\(out)")
        #expect(out.split(separator: "\n").last?.contains("block") == true)
    }

    @Test func invalidConfigurationNamesFileLineAndField() async throws {
        try "[safety]\nmax_pressure = 400\n".write(toFile: directory.file("bad.conf"), atomically: true, encoding: .utf8)
        let run = try await doctor(["--config", directory.file("bad.conf")], bus: "unix:path=\(directory.file("no-bus"))")
        #expect(run.termination == .exited(1))
        let config = try #require(line("config", in: run.standardOutput), "\(run.output)")
        #expect(config.hasPrefix("FAIL  config "), "\(config)")
        #expect(config.contains(" \(directory.file("bad.conf")):2: safety.max_pressure: 400 is out of range"), "\(config)")
        let bus = try #require(line("system bus", in: run.standardOutput))
        #expect(bus.hasPrefix("FAIL") && bus.contains("no-bus"))
    }
}

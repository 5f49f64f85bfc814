import Foundation
import Glibc
import PressoTestSupport
import Testing

/// The real pressod (simulated pump, temporary state directory) on a private bus standing in for
/// the system bus (DBUS_SYSTEM_BUS_ADDRESS), driven by the real pressoctl. The bus allows
/// everything, so every refusal seen here comes from pressod itself.
@Suite(.serialized) struct PressoctlEndToEndTests {
    let directory: TemporaryDirectory
    let pressod = PackageBuild.product("pressod")
    let pressoctl = PackageBuild.product("pressoctl")

    init() throws {
        directory = try TemporaryDirectory(prefix: "presso-ctl")
        chmod(directory.path, 0o755)  // nobody must reach the bus socket
        try "[simulator]\nchambers = 6\n".write(toFile: directory.file("pressod.conf"), atomically: true, encoding: .utf8)
    }

    var address: String { "unix:path=\(directory.file("bus"))" }
    var environment: [String: String] { ["DBUS_SYSTEM_BUS_ADDRESS": address, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"] }

    private func startBus() async throws -> ChildProcess {
        let config = directory.file("bus.conf")
        try """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>system</type>
              <listen>\(address)</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow user="*"/>
                <allow own="*"/>
                <allow send_type="method_call"/>
                <allow send_type="signal"/>
                <allow send_requested_reply="true" send_type="method_return"/>
                <allow send_requested_reply="true" send_type="error"/>
                <allow receive_type="method_call"/>
                <allow receive_type="method_return"/>
                <allow receive_type="error"/>
                <allow receive_type="signal"/>
              </policy>
            </busconfig>
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let bus = try ChildProcess(
            executable: "/usr/bin/dbus-daemon", arguments: ["--config-file=\(config)", "--nofork", "--print-address=1"],
            environment: [:], outputPrefix: directory.file("dbus-daemon"))
        let ready = await until { !bus.standardOutput.isEmpty || bus.poll() != nil }
        try #require(ready && bus.poll() == nil, "dbus-daemon: \(bus.standardError)")
        return bus
    }

    private func startPressod() async throws -> ChildProcess {
        #expect(FileManager.default.isExecutableFile(atPath: pressoctl), "build first: swift build")
        let daemon = try ChildProcess(
            executable: pressod,
            arguments: ["run", "--config", directory.file("pressod.conf"), "--state-directory", directory.file("state")],
            environment: environment, outputPrefix: directory.file("pressod"))
        let serving = await until { daemon.standardError.contains("local control: org.presso.Boots1") || daemon.poll() != nil }
        try #require(serving && daemon.poll() == nil, "pressod: \(daemon.standardError)")
        return daemon
    }

    /// Polls `condition` every 20 ms for up to 30 s (a deadlock guard, not a timing assertion).
    private func until(_ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    private func ctl(_ arguments: String...) async throws -> ToolRun {
        try await runTool(pressoctl, arguments, in: directory, environment: environment, timeout: .seconds(30))
    }

    @Test func statusSetStartStopHistoryAndWatch() async throws {
        let bus = try await startBus()
        defer { bus.stop() }
        let daemon = try await startPressod()
        defer { daemon.stop() }

        let idle = try await ctl("status")
        #expect(idle.succeeded, "\(idle.output)")
        #expect(idle.standardOutput.contains("Phase         idle") && idle.standardOutput.contains("Set pressure  60 mmHg"),
                "\(idle.standardOutput)")

        let refused = try await ctl("set", "pressure", "300")
        #expect(refused.termination == .exited(1))
        #expect(refused.standardError == "pressoctl: pressure 300 mmHg is out of range: the set pressure must be 20–200 mmHg\n")
        #expect(try await ctl("status").standardOutput.contains("Set pressure  60 mmHg"), "a refusal changes nothing")

        #expect(try await ctl("set", "pressure", "90").succeeded)
        #expect(try await ctl("status").standardOutput.contains("Set pressure  90 mmHg"))

        #expect(try await ctl("start").succeeded)
        let running = try await ctl("status")
        #expect(!running.standardOutput.contains("Phase         idle"), "\(running.standardOutput)")
        #expect(running.standardOutput.contains("Cycle") && running.standardOutput.contains("left"))

        // Not a terminal: plain lines, as the session changes; SIGINT ends it cleanly.
        let watch = try ChildProcess(executable: pressoctl, arguments: ["watch"], environment: environment,
                                     outputPrefix: directory.file("watch"))
        defer { watch.stop() }
        let printed = await until { watch.standardOutput.split(separator: "\n").count >= 2 || watch.poll() != nil }
        watch.send(SIGINT)
        #expect(await watch.wait(timeout: .seconds(30)) == .exited(0), "\(watch.standardError)")
        #expect(printed, "watch printed: \(watch.standardOutput) \(watch.standardError)")
        let lines = watch.standardOutput.split(separator: "\n")
        #expect(lines.allSatisfy { $0.contains(" left, 90 mmHg | 1:") && !$0.contains("\u{1B}") }, "\(lines)")

        #expect(try await ctl("stop").succeeded)
        let history = try await ctl("history")
        let entries = Array(history.standardOutput.split(separator: "\n").dropFirst())
        #expect(entries.count == 1 && entries[0].contains("wave") && entries[0].contains("90 mmHg")
                && entries[0].hasSuffix("stopped"), "\(history.output)")

        // A second session, ended by the daemon stopping, is recorded as such.
        #expect(try await ctl("start").succeeded)
        daemon.send(SIGTERM)
        #expect(await daemon.wait(timeout: .seconds(30)) == .exited(0), "\(daemon.standardError)")
        let stored = try String(contentsOfFile: directory.file("state/history.json"), encoding: .utf8)
        #expect(stored.contains("\"ending\" : \"stopped\"") && stored.contains("\"ending\" : \"daemon stopped\""), "\(stored)")
    }

    @Test func bluetoothMethodsAreNotAvailableAndRefusalsExitNonZero() async throws {
        let bus = try await startBus()
        defer { bus.stop() }
        let daemon = try await startPressod()
        defer { daemon.stop() }
        let pair = try await ctl("pair", "--seconds", "60")
        #expect(pair.termination == .exited(1) && pair.standardError == "pressoctl: Bluetooth not running\n", "\(pair.output)")
        let stop = try await ctl("stop")
        #expect(stop.termination == .exited(1) && stop.standardError == "pressoctl: no session is running\n")
        let chambers = try await ctl("set", "chambers", "1,7")
        #expect(chambers.standardError.contains("chamber 7 is not installed: these boots have chambers 1–6"))
        let program = try await ctl("set", "program", "gradient:8", "--hold", "5")
        #expect(program.succeeded, "\(program.output)")
        #expect(try await ctl("status").standardOutput.contains("Program       gradient:8, hold 5 s, release 8 s, rest 4 s"))
    }

    /// Behind the bus policy, pressod checks callers itself: on this permissive bus, user
    /// nobody reaches the method and is turned away by pressod.
    @Test(.enabled(if: getuid() == 0, "needs root to run a client as nobody"))
    func pressodRefusesCallersOutsideTheAdminGroup() async throws {
        let bus = try await startBus()
        defer { bus.stop() }
        let daemon = try await startPressod()
        defer { daemon.stop() }
        let asNobody = try await runTool(
            "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", pressoctl, "start"],
            in: directory, environment: environment)
        #expect(asNobody.termination == .exited(77), "\(asNobody.output)")
        #expect(asNobody.standardError == "pressoctl: uid 65534 may not control the boots: only root and members of group presso-admin may\n")
        #expect(try await ctl("status").standardOutput.contains("Phase         idle"), "nothing started")
    }
}

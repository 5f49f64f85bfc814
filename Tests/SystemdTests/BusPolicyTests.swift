import Foundation
import Glibc
import PressoTestSupport
import Testing

/// systemd/org.presso.Boots.conf in a real dbus-daemon. The bus around it is permissive (anyone
/// may own any name and call anything), so every denial seen here comes from the policy file.
/// Run as root (the fast tier is); clients drop to nobody with setpriv. Users presso and group
/// presso-admin do not exist on a build machine, so their rules (ignored by dbus-daemon with a
/// warning) are not exercised here: root's and everyone else's are.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root to run clients as nobody"))
struct BusPolicyTests {
    let directory: TemporaryDirectory
    static let policy = PackageBuild.packageRoot() + "/systemd/org.presso.Boots.conf"

    init() throws {
        directory = try TemporaryDirectory(prefix: "presso-bus-policy")
        chmod(directory.path, 0o755)  // nobody must reach the bus socket
    }

    private func startBus(including policy: String) throws -> (ChildProcess, String) {
        let config = directory.file("bus.conf")
        try """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>system</type>
              <listen>unix:path=\(directory.file("bus"))</listen>
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
              <include>\(policy)</include>
            </busconfig>
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let bus = try ChildProcess(
            executable: "/usr/bin/dbus-daemon", arguments: ["--config-file=\(config)", "--nofork", "--print-address=1"],
            environment: [:], outputPrefix: directory.file("dbus-daemon"))
        return (bus, "unix:path=\(directory.file("bus"))")
    }

    private func waitForOutput(of child: ChildProcess) async -> String? {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if !child.standardOutput.isEmpty { return child.standardOutput }
            if child.poll() != nil { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// A root process that owns `name` until stopped; libdbus answers org.freedesktop.DBus.Peer.Ping.
    private func owner(of name: String, on address: String) async throws -> ChildProcess {
        let script = """
            import sys, dbus, dbus.mainloop.glib
            from gi.repository import GLib
            dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
            bus = dbus.bus.BusConnection(sys.argv[1])
            print(bus.request_name(sys.argv[2], dbus.bus.NAME_FLAG_DO_NOT_QUEUE), flush=True)
            GLib.MainLoop().run()
            """
        let child = try ChildProcess(executable: "/usr/bin/python3", arguments: ["-c", script, address, name],
                                     environment: [:], outputPrefix: directory.file("owner-\(name)"))
        let reply = await waitForOutput(of: child)
        try #require(reply == "1\n", "RequestName \(name): \(reply ?? "no answer") \(child.standardError)")
        return child
    }

    private func busctl(_ arguments: [String], address: String, asNobody: Bool) async throws -> ToolRun {
        let busctl = ["/usr/bin/busctl", "--address=\(address)"] + arguments
        return asNobody
            ? try await runTool("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups"] + busctl, in: directory)
            : try await runTool(busctl[0], Array(busctl.dropFirst()), in: directory)
    }

    private func ping(_ name: String, address: String, asNobody: Bool) async throws -> ToolRun {
        try await busctl(["call", name, "/", "org.freedesktop.DBus.Peer", "Ping"], address: address, asNobody: asNobody)
    }

    private func requestName(_ name: String, address: String, asNobody: Bool) async throws -> ToolRun {
        try await busctl(["call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                          "RequestName", "su", name, "4"], address: address, asNobody: asNobody)
    }

    @Test func onlyRootMayCallOrOwnTheBootsName() async throws {
        let (bus, address) = try startBus(including: Self.policy)
        defer { bus.stop() }
        try #require(await waitForOutput(of: bus) != nil, "dbus-daemon refused the policy: \(bus.standardError)")

        let boots = try await owner(of: "org.presso.Boots", on: address)
        defer { boots.stop() }
        let other = try await owner(of: "org.presso.Other", on: address)
        defer { other.stop() }

        let rootCall = try await ping("org.presso.Boots", address: address, asNobody: false)
        #expect(rootCall.succeeded, "\(rootCall.output)")
        let nobodyCallsOther = try await ping("org.presso.Other", address: address, asNobody: true)
        #expect(nobodyCallsOther.succeeded, "control: \(nobodyCallsOther.output)")
        let nobodyCall = try await ping("org.presso.Boots", address: address, asNobody: true)
        #expect(!nobodyCall.succeeded && nobodyCall.output.contains("Access denied"), "\(nobodyCall.output)")

        boots.stop()
        let nobodyOwnsAnother = try await requestName("org.presso.Another", address: address, asNobody: true)
        #expect(nobodyOwnsAnother.succeeded, "control: \(nobodyOwnsAnother.output)")
        let nobodyOwns = try await requestName("org.presso.Boots", address: address, asNobody: true)
        #expect(!nobodyOwns.succeeded && nobodyOwns.output.contains("Access denied"), "\(nobodyOwns.output)")
        let rootOwns = try await requestName("org.presso.Boots", address: address, asNobody: false)
        #expect(rootOwns.succeeded, "\(rootOwns.output)")
    }

    /// The start-up check above is not a no-op: dbus-daemon refuses a malformed policy.
    @Test func dbusDaemonRefusesAMalformedPolicy() async throws {
        let broken = directory.file("broken.conf")
        let text = try String(contentsOfFile: Self.policy, encoding: .utf8)
        try text.replacingOccurrences(of: "</busconfig>", with: "").write(toFile: broken, atomically: true, encoding: .utf8)
        let (bus, _) = try startBus(including: broken)
        defer { bus.stop() }
        let ended = await bus.wait(timeout: .seconds(20))
        #expect(ended != nil && ended != .exited(0), "\(bus.standardError)")
    }
}

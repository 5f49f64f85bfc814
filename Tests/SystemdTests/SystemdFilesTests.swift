import Foundation
import Glibc
import PressoTestSupport
import Testing

/// The files under systemd/, checked by the tools that will read them: systemd-analyze (unit),
/// systemd-sysusers (accounts), dbus-daemon (bus policy), udevadm (rules, where it can).
@Suite struct SystemdFilesTests {
    static let files = PackageBuild.packageRoot() + "/systemd/"
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory(prefix: "presso-systemd-files")
    }

    /// The unit as installed, but starting the pressod this checkout built: `verify` checks that
    /// the ExecStart binary exists and is executable.
    private func unitCopy(replacing old: String? = nil, with new: String = "") throws -> String {
        var unit = try String(contentsOfFile: Self.files + "pressod.service", encoding: .utf8)
        let execStart = "ExecStart=/usr/bin/pressod "
        try #require(unit.contains(execStart))
        unit = unit.replacingOccurrences(of: execStart, with: "ExecStart=\(PackageBuild.product("pressod")) ")
        if let old {
            try #require(unit.contains(old))
            unit = unit.replacingOccurrences(of: old, with: new)
        }
        let path = directory.file("pressod.service")
        try unit.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func unitPassesSystemdAnalyzeVerifyWithoutAWord() async throws {
        let run = try await runTool("/usr/bin/systemd-analyze", ["verify", "--man=no", try unitCopy()], in: directory)
        #expect(run.succeeded, "\(run.output)")
        #expect(run.output.isEmpty, "\(run.output)")
    }

    /// The check above is not a no-op: a misspelt hardening directive is reported.
    @Test func verifyCatchesAMisspeltDirective() async throws {
        let unit = try unitCopy(replacing: "ProtectSystem=strict", with: "ProtectSystme=strict")
        let run = try await runTool("/usr/bin/systemd-analyze", ["verify", "--man=no", unit], in: directory)
        #expect(run.output.contains("ProtectSystme"), "\(run.output)")
    }

    @Test func securityExposureIsAtMost2Point5() async throws {
        let run = try await runTool("/usr/bin/systemd-analyze", ["security", "--offline=true", try unitCopy()], in: directory)
        #expect(run.succeeded, "\(run.output)")
        let exposure = try #require(Self.overallExposure(run.standardOutput), "\(run.output)")
        #expect(exposure <= 2.5, "\(run.standardOutput)")
    }

    /// "→ Overall exposure level for pressod.service: 0.7 SAFE 😀" (":-}" without a UTF-8 locale) → 0.7
    static func overallExposure(_ report: String) -> Double? {
        guard let match = report.firstMatch(of: /Overall exposure level for [^ ]+: ([0-9]+\.[0-9]+)/) else { return nil }
        return Double(match.1)
    }

    @Test func exposureFigureParses() {
        #expect(Self.overallExposure("→ Overall exposure level for pressod.service: 0.7 SAFE :-}") == 0.7)
        #expect(Self.overallExposure("→ Overall exposure level for x.service: 9.6 UNSAFE 😨") == 9.6)
        #expect(Self.overallExposure("no figure") == nil)
    }

    @Test func sysusersCreatesTheDaemonUserInItsGroups() async throws {
        let root = directory.file("root")
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try "root:x:0:0:root:/root:/bin/bash\n".write(toFile: root + "/etc/passwd", atomically: true, encoding: .utf8)
        // bluetooth exists when bluez is installed; gpio does not on Debian.
        try "root:x:0:\nbluetooth:x:109:\n".write(toFile: root + "/etc/group", atomically: true, encoding: .utf8)
        let run = try await runTool("/usr/bin/systemd-sysusers", ["--root=\(root)", Self.files + "presso.sysusers.conf"], in: directory)
        #expect(run.succeeded, "\(run.output)")
        let passwd = try String(contentsOfFile: root + "/etc/passwd", encoding: .utf8)
        let group = try String(contentsOfFile: root + "/etc/group", encoding: .utf8).split(separator: "\n")
        #expect(passwd.contains(":Presso boots daemon:/var/lib/presso:/usr/sbin/nologin"), "\(passwd)")
        #expect(group.contains { $0.hasPrefix("bluetooth:x:109:") && $0.hasSuffix(":presso") }, "\(group)")
        #expect(group.contains { $0.hasPrefix("gpio:x:") && $0.hasSuffix(":presso") }, "\(group)")
        #expect(group.contains { $0.hasPrefix("presso-admin:x:") }, "\(group)")
        #expect(group.contains { $0.hasPrefix("presso:x:") }, "\(group)")
    }

    /// `udevadm verify` came with systemd 254; Debian 12 has 252, where this is skipped.
    @Test(.enabled(if: udevadmCanVerify())) func udevRuleVerifies() async throws {
        let run = try await runTool("/usr/bin/udevadm", ["verify", Self.files + "60-presso-gpio.rules"], in: directory)
        #expect(run.succeeded, "\(run.output)")
    }
}

private func udevadmCanVerify() -> Bool {
    guard let directory = try? TemporaryDirectory(prefix: "presso-udevadm"),
          let child = try? ChildProcess(executable: "/usr/bin/udevadm", arguments: ["verify", "--help"],
                                        environment: [:], outputPrefix: directory.file("udevadm")) else { return false }
    let deadline = ContinuousClock.now + .seconds(10)
    while child.poll() == nil, ContinuousClock.now < deadline { usleep(10_000) }
    return child.stop() == .exited(0)
}

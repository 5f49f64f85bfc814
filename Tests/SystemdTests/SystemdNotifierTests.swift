import Glibc
import PressoTestSupport
import Testing
@testable import SystemdNotify

@Suite struct SystemdNotifierTests {
    @Test func watchdogFollowsSdWatchdogEnabled() {
        let me: pid_t = 4242
        #expect(SystemdNotifier.watchdogInterval(usec: "5000000", pid: nil, ownPID: me) == .seconds(5))
        #expect(SystemdNotifier.watchdogInterval(usec: "200000", pid: "4242", ownPID: me) == .milliseconds(200))
        // Inherited from a parent that is supervised: not ours to feed.
        #expect(SystemdNotifier.watchdogInterval(usec: "200000", pid: "4243", ownPID: me) == nil)
        #expect(SystemdNotifier.watchdogInterval(usec: "200000", pid: "nonsense", ownPID: me) == nil)
        #expect(SystemdNotifier.watchdogInterval(usec: "0", pid: nil, ownPID: me) == nil)
        #expect(SystemdNotifier.watchdogInterval(usec: "-5", pid: nil, ownPID: me) == nil)
        #expect(SystemdNotifier.watchdogInterval(usec: nil, pid: "4242", ownPID: me) == nil)
    }

    @Test func socketAddressesArePathsOrAbstractNames() throws {
        let path = try #require(SystemdNotifier.address(for: "/run/systemd/notify"))
        #expect(Int(path.1) == MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + "/run/systemd/notify".utf8.count + 1)
        let abstract = try #require(SystemdNotifier.address(for: "@presso/notify"))
        #expect(Int(abstract.1) == MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + "@presso/notify".utf8.count)
        #expect(abstract.0.sun_path.0 == 0)
        #expect(SystemdNotifier.address(for: "relative/notify") == nil)
        #expect(SystemdNotifier.address(for: "") == nil)
        #expect(SystemdNotifier.address(for: "@") == nil)
        #expect(SystemdNotifier.address(for: "/" + String(repeating: "x", count: 200)) == nil)
    }

    @Test func unsupervisedNotifierDoesNothingAndSucceeds() throws {
        let notifier = SystemdNotifier(environment: { _ in nil })
        #expect(notifier.socketPath == nil)
        #expect(notifier.watchdogInterval == nil)
        try notifier.ready()
        try notifier.watchdog()
    }

    @Test func relativeSocketIsRejectedNotUsed() throws {
        let notifier = SystemdNotifier(environment: { $0 == "NOTIFY_SOCKET" ? "notify" : nil })
        #expect(notifier.socketPath == nil)
        #expect(notifier.rejectedSocketPath == "notify")
        try notifier.ready()
    }

    @Test func sendsDatagramsToAPathSocket() throws {
        let directory = try TemporaryDirectory()
        let listener = try NotifySocketListener(path: directory.file("notify"))
        let notifier = SystemdNotifier(environment: { $0 == "NOTIFY_SOCKET" ? listener.path : nil })
        try notifier.ready()
        try notifier.status("inflating chamber 3,\ncycle 2")
        try notifier.watchdog()
        try notifier.stopping()
        #expect(listener.receive(timeout: .seconds(5)) == "READY=1")
        #expect(listener.receive(timeout: .seconds(5)) == "STATUS=inflating chamber 3, cycle 2")
        #expect(listener.receive(timeout: .seconds(5)) == "WATCHDOG=1")
        #expect(listener.receive(timeout: .seconds(5)) == "STOPPING=1")
    }

    @Test func sendsDatagramsToAnAbstractSocket() throws {
        let name = "@presso-notify-test-\(getpid())"
        let listener = try NotifySocketListener(path: name)
        let notifier = SystemdNotifier(environment: { $0 == "NOTIFY_SOCKET" ? name : nil })
        try notifier.ready()
        #expect(listener.receive(timeout: .seconds(5)) == "READY=1")
    }

    @Test func aVanishedManagerIsAnErrorNotACrash() throws {
        let directory = try TemporaryDirectory()
        let notifier = SystemdNotifier(environment: { $0 == "NOTIFY_SOCKET" ? directory.file("gone") : nil })
        #expect(throws: NotifyError.self) { try notifier.ready() }
    }
}

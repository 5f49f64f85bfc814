import Testing
@testable import Doctor

/// Configuration, bus policy, GPIO and state directory verdicts over hand-written facts.
struct SystemVerdictTests {
    static let plan = GPIOPlan(consumer: "pressod", lines: [
        .init(entry: "[pump] line", spec: "gpiochip0:17"),
        .init(entry: "[valves] inlet1", spec: "gpiochip0:5 active-low"),
    ])
    static let chip = "gpiochip0 [pinctrl-bcm2711]"

    @Test func configuration() {
        #expect(SystemChecks.configuration(.valid(path: "/etc/presso/pressod.conf", summary: "hardware: x")).status == .ok)
        #expect(SystemChecks.configuration(.defaults(path: "/etc/presso/pressod.conf")).status == .warn)
        let invalid = SystemChecks.configuration(.invalid(message: "/etc/presso/pressod.conf:12: safety.max_pressure: 300 is not in 20...250"))
        #expect(invalid.status == .fail)
        #expect(invalid.finding == "/etc/presso/pressod.conf:12: safety.max_pressure: 300 is not in 20...250")
        #expect(invalid.fix?.contains("pressod check-config") == true)
    }

    @Test func busPolicy() {
        #expect(SystemChecks.busPolicy(installed: ["/usr/share/dbus-1/system.d/org.presso.Boots.conf"]).status == .ok)
        let missing = SystemChecks.busPolicy(installed: [])
        #expect(missing.status == .warn)
        #expect(missing.fix?.contains("/usr/share/dbus-1/system.d/org.presso.Boots.conf") == true)
    }

    @Test func gpioFreeLines() {
        let result = SystemChecks.gpio(Self.plan, facts: [
            .found(chip: Self.chip, offset: 17, used: false, consumer: nil),
            .found(chip: Self.chip, offset: 5, used: false, consumer: nil),
        ], pressodRunning: false)
        #expect(result.status == .ok)
        #expect(result.finding == "2 configured lines available on \(Self.chip)")
    }

    @Test func gpioHeldByPressodIsFineOnlyWhileItRuns() {
        let facts: [GPIOLineFacts] = [
            .found(chip: Self.chip, offset: 17, used: true, consumer: "pressod"),
            .found(chip: Self.chip, offset: 5, used: false, consumer: nil),
        ]
        let running = SystemChecks.gpio(Self.plan, facts: facts, pressodRunning: true)
        #expect(running.status == .ok)
        #expect(running.finding.hasSuffix("1 held by the running pressod"))
        let stale = SystemChecks.gpio(Self.plan, facts: facts, pressodRunning: false)
        #expect(stale.status == .fail)
        #expect(stale.finding.contains("no pressod runs"))
    }

    @Test func gpioHeldByAnotherOrMissing() {
        let busy = SystemChecks.gpio(Self.plan, facts: [
            .found(chip: Self.chip, offset: 17, used: false, consumer: nil),
            .found(chip: Self.chip, offset: 5, used: true, consumer: "gpioset"),
        ], pressodRunning: true)
        #expect(busy.status == .fail)
        #expect(busy.finding == "[valves] inlet1 gpiochip0:5 active-low (\(Self.chip) line 5) is held by \"gpioset\"")
        let kernel = SystemChecks.gpio(Self.plan, facts: [
            .found(chip: Self.chip, offset: 17, used: true, consumer: nil),
            .found(chip: Self.chip, offset: 5, used: false, consumer: nil),
        ], pressodRunning: true)
        #expect(kernel.finding.contains("held by the kernel"))
        let noChip = SystemChecks.gpio(Self.plan, facts: [
            .chipUnavailable(reason: "chip 'gpiochip0': open chip: No such file or directory", permissionDenied: false),
            .chipUnavailable(reason: "chip 'gpiochip0': open chip: No such file or directory", permissionDenied: false),
        ], pressodRunning: false)
        #expect(noChip.status == .fail)
        #expect(noChip.finding == "chip 'gpiochip0': open chip: No such file or directory (needed by 2 lines: [pump] line, [valves] inlet1)")
        let denied = SystemChecks.gpio(Self.plan, facts: [
            .chipUnavailable(reason: "Permission denied", permissionDenied: true), .lineMissing(reason: "x"),
        ], pressodRunning: false)
        #expect(denied.fix?.contains("group gpio") == true)
    }

    @Test func gpioNotConfigured() {
        #expect(SystemChecks.gpio(nil, facts: [], pressodRunning: false).status == .warn)
    }

    @Test func stateDirectory() {
        let service = SystemChecks.serviceStateDirectory
        #expect(SystemChecks.stateDirectory(service, .directory(writable: true, owner: "presso"), user: "root").status == .ok)
        #expect(SystemChecks.stateDirectory(service, .missing(creatable: false), user: "pi").status == .ok)
        #expect(SystemChecks.stateDirectory(service, .directory(writable: false, owner: "presso"), user: "pi").status == .fail)
        #expect(SystemChecks.stateDirectory(service, .notADirectory, user: "root").status == .fail)
        // Elsewhere: the unit's sandbox would keep pressod from writing it.
        let elsewhere = SystemChecks.stateDirectory("/srv/presso", .directory(writable: true, owner: "root"), user: "root")
        #expect(elsewhere.status == .warn)
        #expect(elsewhere.fix?.contains("ReadWritePaths=/srv/presso") == true)
        #expect(SystemChecks.stateDirectory("/srv/presso", .missing(creatable: false), user: "pi").status == .fail)
    }
}

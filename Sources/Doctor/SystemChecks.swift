/// Verdicts on the configuration and the rest of the system: pure functions of the facts.
public enum SystemChecks {
    /// The bus name of pressod's local control interface (systemd/org.presso.Boots.conf).
    public static let busName = "org.presso.Boots"
    /// The state directory pressod.service provides (StateDirectory=presso); the sandbox
    /// (ProtectSystem=strict) leaves no other directory writable.
    public static let serviceStateDirectory = "/var/lib/presso"

    public static func configuration(_ facts: ConfigurationFacts) -> CheckResult {
        switch facts {
        case .valid(let path, let summary):
            .ok("config", "\(path) is valid: \(summary)")
        case .defaults(let path):
            .warn("config", "no \(path): built-in defaults run a simulated pump",
                  fix: "install a configuration (the package's conffile, or systemd/pressod.conf) and the GPIO wiring (pressod-gpio.example.conf)")
        case .invalid(let message):
            .fail("config", message, fix: "correct the named line and field, then check again: pressod check-config")
        }
    }

    public static func busPolicy(installed paths: [String]) -> CheckResult {
        if paths.isEmpty {
            return .warn("bus policy", "no D-Bus policy for \(busName): the bus refuses pressod the name, so its local control interface (pressoctl) is unavailable",
                         fix: "install systemd/org.presso.Boots.conf as /usr/share/dbus-1/system.d/org.presso.Boots.conf (dbus reloads policies itself)")
        }
        return .ok("bus policy", "\(busName) allowed by \(paths.joined(separator: ", "))")
    }

    /// Every configured line: its chip there and the line free (or held by a running pressod).
    public static func gpio(_ plan: GPIOPlan?, facts: [GPIOLineFacts], pressodRunning: Bool) -> CheckResult {
        let name = "gpio"
        guard let plan else {
            return .warn(name, "not used: no GPIO wiring in the configuration, a simulated pump stands in for the boots",
                         fix: "wire the boots: add [hardware], [pump], [valves], [exhaust], [sensor] (see pressod-gpio.example.conf)")
        }
        var problems: [(finding: String, fix: String)] = []
        // One unavailable chip fails every line on it: say it once, naming the lines.
        var chipFailures: [(reason: String, entries: [String], denied: Bool)] = []
        var chips: [String] = []
        var heldByPressod = 0
        for (line, fact) in zip(plan.lines, facts) {
            let what = "\(line.entry) \(line.spec)"
            switch fact {
            case .chipUnavailable(let reason, let denied):
                if let index = chipFailures.firstIndex(where: { $0.reason == reason }) {
                    chipFailures[index].entries.append(line.entry)
                } else {
                    chipFailures.append((reason, [line.entry], denied))
                }
            case .lineMissing(let reason):
                problems.append(("\(what): \(reason)", "correct \(line.entry) (gpioinfo lists each chip's lines)"))
            case let .found(chip, offset, used, consumer):
                if !chips.contains(chip) { chips.append(chip) }
                guard used else { continue }
                if consumer == plan.consumer {
                    if pressodRunning { heldByPressod += 1; continue }
                    problems.append(("\(what) (\(chip) line \(offset)) is held by \"\(plan.consumer)\" but no pressod runs",
                                     "find the process holding it (gpioinfo; lsof /dev/gpiochip*) and stop it"))
                } else {
                    problems.append(("\(what) (\(chip) line \(offset)) is held by \(consumer.map { "\"\($0)\"" } ?? "the kernel")",
                                     "stop whatever holds it or wire \(line.entry) to a free line (gpioinfo shows the holders)"))
                }
            }
        }
        problems = chipFailures.map { failure in
            let lines = failure.entries.count == 1 ? failure.entries[0] : "\(failure.entries.count) lines: \(failure.entries.joined(separator: ", "))"
            return ("\(failure.reason) (needed by \(lines))", failure.denied
                ? "run pressod doctor as root, or add the user to group gpio (60-presso-gpio.rules gives it /dev/gpiochip*)"
                : "check the chip name (gpio-probe or gpiodetect lists the chips) and that its driver is loaded")
        } + problems
        if let first = problems.first {
            let more = problems.count > 1 ? " (and \(problems.count - 1) more: \(problems.dropFirst().map(\.finding).joined(separator: "; ")))" : ""
            return .fail(name, first.finding + more, fix: first.fix)
        }
        let held = heldByPressod > 0 ? ", \(heldByPressod) held by the running pressod" : ""
        return .ok(name, "\(plan.lines.count) configured lines available on \(chips.joined(separator: ", "))\(held)")
    }

    public static func stateDirectory(_ path: String, _ facts: DirectoryFacts, user: String) -> CheckResult {
        let name = "state dir"
        let sandbox = path == serviceStateDirectory ? nil
            : "pressod.service's sandbox only lets pressod write \(serviceStateDirectory): add ReadWritePaths=\(path) in a drop-in (systemctl edit pressod), or use \(serviceStateDirectory)"
        switch facts {
        case .notADirectory:
            return .fail(name, "\(path) exists but is not a directory", fix: "remove it or set [daemon] state_directory elsewhere")
        case .missing(false):
            if path == serviceStateDirectory {
                return .ok(name, "\(path) does not exist yet; systemd creates it for pressod.service (StateDirectory=presso)")
            }
            return .fail(name, "\(path) does not exist and cannot be created by \(user)",
                         fix: sandbox ?? "create it, owned by presso (install -d -o presso -m 700 \(path))")
        case .missing(true):
            if let sandbox { return .warn(name, "\(path) does not exist; pressod creates it at start", fix: sandbox) }
            return .ok(name, "\(path) does not exist yet; pressod (or systemd: StateDirectory=presso) creates it at start")
        case .directory(false, let owner):
            return .fail(name, "\(path) (owner \(owner)) is not writable by \(user)",
                         fix: "chown presso \(path) (pressod runs as presso), or run pressod doctor as root or presso")
        case .directory(true, let owner):
            if let sandbox { return .warn(name, "\(path) is writable (owner \(owner))", fix: sandbox) }
            return .ok(name, "\(path) is writable (owner \(owner))")
        }
    }
}

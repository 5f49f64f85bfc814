/// How one check came out. `fail` is what blocks operation and makes `pressod doctor` exit 1.
public enum CheckStatus: Sendable, Equatable, Comparable {
    case ok, warn, fail

    /// The mark printed in front of the line.
    public var mark: String {
        switch self {
        case .ok: "ok"
        case .warn: "warn"
        case .fail: "FAIL"
        }
    }
}

/// One line of the doctor's report: what was checked, what was found and, when it is not ok,
/// what to do about it.
public struct CheckResult: Sendable, Equatable {
    /// Short name of the check, e.g. "bluetoothd".
    public var name: String
    public var status: CheckStatus
    /// What was found, in words a technician can act on.
    public var finding: String
    /// What to do; present whenever the status is not ok.
    public var fix: String?

    public init(_ name: String, _ status: CheckStatus, _ finding: String, fix: String? = nil) {
        self.name = name
        self.status = status
        self.finding = finding
        self.fix = fix
    }

    static func ok(_ name: String, _ finding: String) -> CheckResult { .init(name, .ok, finding) }
    static func warn(_ name: String, _ finding: String, fix: String) -> CheckResult { .init(name, .warn, finding, fix: fix) }
    static func fail(_ name: String, _ finding: String, fix: String) -> CheckResult { .init(name, .fail, finding, fix: fix) }
}

/// All results of one doctor run, in the order they were checked.
public struct DoctorReport: Sendable, Equatable {
    public var results: [CheckResult]

    public init(results: [CheckResult]) { self.results = results }

    /// True when some check found a problem that stops the boots from working.
    public var blocksOperation: Bool { results.contains { $0.status == .fail } }

    /// 0 when nothing blocks operation (warnings allowed), 1 otherwise.
    public var exitCode: Int32 { blocksOperation ? 1 : 0 }

    /// One line per check: `MARK  name  finding — fix: …`, then a closing summary line.
    public var text: String {
        let width = results.map(\.name.count).max() ?? 0
        var lines = results.map { result in
            let mark = result.status.mark.padding(4)
            var line = "\(mark)  \(result.name.padding(width))  \(result.finding)"
            if let fix = result.fix, result.status != .ok { line += " — fix: \(fix)" }
            return line
        }
        let failed = results.filter { $0.status == .fail }.count
        let warned = results.filter { $0.status == .warn }.count
        lines.append(failed == 0
            ? "nothing blocks operation (\(warned) warning\(warned == 1 ? "" : "s"))"
            : "\(failed) problem\(failed == 1 ? "" : "s") block\(failed == 1 ? "s" : "") operation, \(warned) warning\(warned == 1 ? "" : "s")")
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

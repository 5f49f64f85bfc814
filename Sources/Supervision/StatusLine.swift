import Sequencer

extension SequencerSnapshot {
    /// One line for `systemctl status` (STATUS=): what the boots do now, e.g.
    /// "idle, 6 chambers, 60 mmHg", "inflating chamber 3, cycle 2, 17:12 left",
    /// "FAULT 0x03 chamber did not reach target in time (leak), chamber 2".
    public var statusLine: String {
        if let fault {
            let code = "0x" + String(fault.code.rawValue, radix: 16, uppercase: true).leftPadded(to: 2)
            return "FAULT \(code) \(fault.code)" + (fault.chamber.map { ", chamber \($0)" } ?? "")
        }
        switch phase {
        case .idle:
            let count = settings.activeChambers.chambers.count
            return "idle, \(count) chamber\(count == 1 ? "" : "s"), \(settings.pressure) mmHg"
        default:
            var parts = ["\(phase)" + (activeChamber.map { " chamber \($0)" } ?? "")]
            if cycle > 0 { parts.append("cycle \(cycle)") }
            parts.append("\(remaining.minutesAndSeconds) left")
            return parts.joined(separator: ", ")
        }
    }
}

extension Duration {
    /// "17:12": whole minutes and seconds, rounded down (a countdown never shows 0:00 early).
    var minutesAndSeconds: String {
        let seconds = max(0, components.seconds)
        return "\(seconds / 60):" + String(seconds % 60).leftPadded(to: 2)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

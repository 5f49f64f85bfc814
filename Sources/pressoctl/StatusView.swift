import ArgumentParser
import BootsControlAPI
import Foundation

/// How pressoctl shows the boots' state: the `status` table, and the pieces `watch` draws.
enum StatusView {
    /// `inflating chamber 3`, `paused`, `FAULT 0x03 …`.
    static func phaseText(_ s: BootsStatus) -> String {
        if let fault = s.fault { return "FAULT " + hex(fault.code) }
        return s.phase + (s.activeChamber.map { " chamber \($0)" } ?? "")
    }

    static func hex(_ code: Int) -> String { "0x" + (code < 16 ? "0" : "") + String(code, radix: 16, uppercase: true) }

    static func faultText(_ s: BootsStatus) -> String {
        guard let fault = s.fault else { return "none" }
        return "\(hex(fault.code)) \(fault.text) (clear with: pressoctl clear-fault)"
    }

    static func timeText(_ s: BootsStatus) -> String {
        if s.phase == "idle" && s.elapsedSeconds == 0 { return "\(Notation.clock(s.durationSeconds)) session, not started" }
        return "\(Notation.clock(s.remainingSeconds)) left (\(Notation.clock(s.elapsedSeconds)) of \(Notation.clock(s.durationSeconds)) run)"
    }

    /// One decimal; sensor noise around zero shows as 0.0, not -0.0. "-" when nothing measures it.
    static func reading(_ value: Double?) -> String {
        value.map { String(format: "%.1f", abs($0) < 0.05 ? 0 : $0) } ?? "-"
    }

    /// The `status` table.
    static func table(_ s: BootsStatus) -> String {
        let rows: [(String, String)] = [
            ("Phase", s.fault == nil ? phaseText(s) : "faulted (vented)"),
            ("Cycle", s.cycle == 0 ? "-" : "\(s.cycle)"),
            ("Time", timeText(s)),
            ("Set pressure", "\(s.pressure) mmHg"),
            ("Chambers", Notation.chamberList(s.chambers)),
            ("Program", s.program.summary),
            ("Fault", faultText(s)),
            ("Sensing", s.openLoop ? "none (open loop: timed inflation)" : "measured"),
        ]
        var lines = rows.map { $0.0.padding(toLength: 14, withPad: " ", startingAt: 0) + $0.1 }
        lines.append("")
        lines.append("Chamber  Target  Measured  (mmHg)")
        for (index, target) in s.chamberTargets.enumerated() {
            let chamber = index + 1
            let measured = index < s.chamberPressures.count ? s.chamberPressures[index] : nil
            let marker = s.activeChamber == chamber ? "  <- inflating" : (s.chambers.contains(chamber) ? "" : "  (off)")
            lines.append(pad("\(chamber)", 7) + pad(String(format: "%.1f", target), 8) + pad(reading(measured), 10) + marker)
        }
        return lines.joined(separator: "\n")
    }

    /// One line for `watch` when stdout is not a terminal.
    static func line(_ s: BootsStatus) -> String {
        var parts = [phaseText(s)]
        if s.cycle > 0 { parts.append("cycle \(s.cycle)") }
        parts.append("\(Notation.clock(s.remainingSeconds)) left")
        parts.append("\(s.pressure) mmHg")
        let pressures = s.chamberPressures.enumerated().map { "\($0.offset + 1):\(reading($0.element))" }
        return parts.joined(separator: ", ") + " | " + pressures.joined(separator: " ")
    }

    /// The live view for a terminal `width` columns wide.
    static func frame(_ s: BootsStatus, width: Int) -> String {
        let barWidth = max(10, min(60, width - 30))
        var lines: [String] = []
        lines.append("Presso boots: \(phaseText(s))" + (s.cycle > 0 ? ", cycle \(s.cycle)" : "") + "   (Ctrl-C to quit)")
        let done = s.durationSeconds > 0 ? Double(s.elapsedSeconds) / Double(s.durationSeconds) : 0
        lines.append("Session  " + bar(done, width: barWidth) + String(format: " %3.0f%%  ", done * 100)
                     + "\(Notation.clock(s.remainingSeconds)) left of \(Notation.clock(s.durationSeconds))")
        lines.append("Settings \(s.pressure) mmHg, chambers \(Notation.chamberList(s.chambers)), \(s.program.summary)")
        if let fault = s.fault { lines.append("FAULT    \(hex(fault.code)) \(fault.text): vented; pressoctl clear-fault") }
        lines.append("")
        // The wave drawn as the leg stands: the top chamber first, the feet (chamber 1) last.
        let scale = max(Double(s.pressure), (s.chamberTargets + s.chamberPressures.compactMap { $0 }).max() ?? 0, 1) * 1.1
        for index in s.chamberTargets.indices.reversed() {
            let chamber = index + 1
            let measured = index < s.chamberPressures.count ? s.chamberPressures[index] : nil
            let pointer = s.activeChamber == chamber ? ">" : " "
            lines.append(pad("\(chamber)", 3) + pointer + " " + bar((measured ?? 0) / scale, width: barWidth) + " "
                         + pad(reading(measured), 6) + " / " + String(format: "%.0f", s.chamberTargets[index]) + " mmHg")
        }
        return lines.joined(separator: "\n")
    }

    static func bar(_ fraction: Double, width: Int) -> String {
        let filled = Int((min(max(fraction, 0), 1) * Double(width)).rounded())
        return "[" + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + "]"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the boots' state as a table.")

    func run() async throws {
        print(StatusView.table(try await BootsClient.connect().status()))
    }
}

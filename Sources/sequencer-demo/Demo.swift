import Glibc
import PumpSimulator
import Sequencer

/// A real-time session on the simulated pump, printed twice a second: one line per sample, a bar
/// per chamber (feet on the left), so the wave can be watched climbing the leg.
enum Demo {
    static func run(_ options: Options) async throws {
        var config = SequencerConfig()
        config.pressureCap = options.cap
        config.minimumDuration = .seconds(10)  // demos may be short; the product minimum is 1 min
        let pump = SimulatedPump(layout: options.layout, seed: options.seed)
        let sequencer = try InflationSequencer(hardware: pump, config: config)
        try sequencer.update(.pressure(options.pressure))
        try sequencer.update(.program(options.program))
        try sequencer.update(.duration(options.duration))
        try sequencer.start()
        let start = sequencer.snapshot
        print("""
            \(options.chambers) chambers, \(options.exhaust == .perChamber ? "per-chamber" : "manifold") exhaust, \
            \(sensingName(options.sensing)) sensing\(start.openLoop ? " (OPEN LOOP: timed fills, pressures not measured)" : ""); \
            \(options.pressure) mmHg \(programName(options.program.kind)), \(seconds(options.duration)) s, cap \(options.cap) mmHg
            chambers left to right: 1 (feet) … \(options.chambers); bar = true simulated pressure, number = mmHg
            """)
        let loop = Task { await sequencer.run() }
        let clock = ContinuousClock()
        var next = clock.now
        while true {
            let snapshot = sequencer.snapshot
            print(line(snapshot, pressures: pump.chamberPressures, cap: Double(options.cap)))
            fflush(nil)  // show the wave as it happens, also through a pipe or into a log
            if snapshot.phase == .idle || snapshot.phase == .faulted { break }
            next += .milliseconds(500)
            try await clock.sleep(until: next)
        }
        loop.cancel()
        await loop.value
        let end = sequencer.snapshot
        print(end.fault.map { "FAULT 0x\(String($0.code.rawValue, radix: 16)): \($0)" }
              ?? "session over after \(seconds(end.elapsed)) s, \(end.cycle) cycles; peak \(Int(pump.peakChamberPressure)) mmHg; vented")
    }

    static func line(_ s: SequencerSnapshot, pressures: [Double], cap: Double) -> String {
        let levels = Array(" ▁▂▃▄▅▆▇█")
        let bars = s.chambers.map { status -> String in
            let p = pressures[status.chamber - 1]
            let level = min(levels.count - 1, max(0, Int((p / cap * Double(levels.count - 1)).rounded(.up))))
            let mark = s.activeChamber == status.chamber ? ">" : status.active ? " " : "x"
            return "\(mark)\(levels[level])\(pad(Int(p.rounded()), 3))"
        }.joined(separator: " ")
        let phase = s.phase.description.padding(toLength: 9, withPad: " ", startingAt: 0)
        return "\(pad(seconds(s.elapsed), 6))s  c\(pad(s.cycle, 2)) \(phase) |\(bars) |"
    }

    static func seconds(_ d: Duration) -> String {
        let tenths = Int(d / .milliseconds(100))
        return "\(tenths / 10).\(tenths % 10)"
    }

    static func pad(_ value: some CustomStringConvertible, _ width: Int) -> String {
        let s = value.description
        return String(repeating: " ", count: max(0, width - s.count)) + s
    }

    static func sensingName(_ s: PressureSensing) -> String {
        switch s {
        case .none: "no"
        case .manifold: "manifold"
        case .perChamber: "per-chamber"
        }
    }

    static func programName(_ kind: ProgramKind) -> String {
        switch kind {
        case .sequentialWave: "sequential wave"
        case .gradient(let step): "gradient -\(step) %/chamber"
        case .zoneBoost(let zones, let boost): "zone boost +\(boost) mmHg on \(zones)"
        }
    }
}

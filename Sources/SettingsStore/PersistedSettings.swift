import Sequencer

/// The user's choices as stored in `settings.json`: what a phone set (pressure, chambers,
/// duration, program), kept across restarts. The JSON has explicit field names and units so a
/// person can read it; `sessionSettings(layout:config:)` validates it like any write, so a file
/// edited into nonsense is rejected, never trusted.
public struct PersistedSettings: Codable, Sendable, Equatable {
    public struct StoredProgram: Codable, Sendable, Equatable {
        /// "wave", "gradient" or "zone-boost".
        public var kind: String
        public var gradientStepPercent: Int?
        public var zoneBoostMmHg: Int?
        public var zones: [Int]?
        public var holdSeconds: Int
        public var releaseSeconds: Int
        public var restSeconds: Int
        public var warmUpCycles: Int?
        public var warmUpStartPercent: Int?
    }

    public var version = 1
    public var pressureMmHg: Int
    public var chambers: [Int]
    public var durationSeconds: Int
    public var program: StoredProgram

    public init(_ settings: SessionSettings) {
        pressureMmHg = settings.pressure
        chambers = settings.activeChambers.chambers
        durationSeconds = Int(settings.duration.components.seconds)
        let p = settings.program
        var stored = StoredProgram(
            kind: "wave", holdSeconds: Int(p.hold.components.seconds), releaseSeconds: Int(p.release.components.seconds),
            restSeconds: Int(p.rest.components.seconds), warmUpCycles: p.warmUp?.cycles, warmUpStartPercent: p.warmUp?.startPercent)
        switch p.kind {
        case .sequentialWave: break
        case .gradient(let step):
            stored.kind = "gradient"
            stored.gradientStepPercent = step
        case .zoneBoost(let zones, let boost):
            stored.kind = "zone-boost"
            stored.zones = zones.chambers
            stored.zoneBoostMmHg = boost
        }
        program = stored
    }

    /// Why stored settings could not be used.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The stored settings as the sequencer's, validated against these boots and this config.
    public func sessionSettings(layout: HardwareLayout, config: SequencerConfig) throws(Invalid) -> SessionSettings {
        guard version == 1 else { throw Invalid(description: "unknown version \(version)") }
        func chamberSet(_ list: [Int], _ field: String) throws(Invalid) -> ChamberSet {
            var set = ChamberSet()
            for chamber in list {
                guard (1...ChamberSet.maxChambers).contains(chamber) else { throw Invalid(description: "\(field): no chamber \(chamber)") }
                set.insert(ChamberSet(chamber: chamber))
            }
            return set
        }
        let kind: ProgramKind
        switch program.kind {
        case "wave": kind = .sequentialWave
        case "gradient": kind = .gradient(stepPercent: program.gradientStepPercent ?? 0)
        case "zone-boost": kind = .zoneBoost(zones: try chamberSet(program.zones ?? [], "program.zones"), boost: program.zoneBoostMmHg ?? 0)
        default: throw Invalid(description: "program.kind: unknown program '\(program.kind)'")
        }
        var warmUp: WarmUp?
        if let cycles = program.warmUpCycles {
            warmUp = WarmUp(cycles: cycles, startPercent: program.warmUpStartPercent ?? 0)
        }
        let settings = SessionSettings(
            pressure: pressureMmHg, activeChambers: try chamberSet(chambers, "chambers"),
            program: Program(kind: kind, hold: .seconds(program.holdSeconds), release: .seconds(program.releaseSeconds),
                             rest: .seconds(program.restSeconds), warmUp: warmUp),
            duration: .seconds(durationSeconds))
        do {
            try settings.validate(layout: layout, config: config)
        } catch {
            throw Invalid(description: "\(error)")
        }
        return settings
    }
}

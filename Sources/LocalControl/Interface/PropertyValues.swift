import BootsControlAPI
import DBus
import Sequencer

/// The values of `org.presso.Boots1`'s properties for one sequencer snapshot. Pure, so the
/// mapping is tested without a bus.
public enum BootsPropertyValues {
    /// Every property, by name. Settings read back as written: a change waiting for the next
    /// cycle (`pendingSettings`) shows at once, as on the GATT side.
    public static func all(_ snapshot: SequencerSnapshot) -> [String: DBusValue] {
        var values: [String: DBusValue] = [:]
        for property in BootsProperty.allCases { values[property.rawValue] = value(property, snapshot) }
        return values
    }

    public static func value(_ property: BootsProperty, _ snapshot: SequencerSnapshot) -> DBusValue {
        let wanted = snapshot.pendingSettings ?? snapshot.settings
        switch property {
        case .phase: return .string(snapshot.phase.description)
        case .activeChamber: return .uint16(UInt16(snapshot.activeChamber ?? 0))
        case .cycle: return .uint32(UInt32(clamping: snapshot.cycle))
        case .elapsed: return .uint32(UInt32(clamping: snapshot.elapsed.components.seconds))
        case .remaining: return .uint32(UInt32(clamping: snapshot.remaining.components.seconds))
        case .pressure: return .uint16(UInt16(clamping: wanted.pressure))
        case .chambers: return .array(element: "q", wanted.activeChambers.chambers.map { .uint16(UInt16($0)) })
        case .duration: return .uint32(UInt32(clamping: wanted.duration.components.seconds))
        case .program: return ProgramSpec(wanted.program).dbusValue
        case .fault:
            guard let fault = snapshot.fault else { return .structure([.byte(0), .string("")]) }
            return .structure([.byte(fault.code.rawValue), .string(fault.description)])
        case .openLoop: return .bool(snapshot.openLoop)
        case .chamberPressures: return .array(element: "d", snapshot.chambers.map { .double($0.measured ?? .nan) })
        case .chamberTargets: return .array(element: "d", snapshot.chambers.map { .double($0.target) })
        }
    }
}

extension ProgramSpec {
    /// The sequencer's program in the notation people and D-Bus use (whole seconds).
    public init(_ program: Program) {
        let kind: Kind
        switch program.kind {
        case .sequentialWave: kind = .wave
        case .gradient(let step): kind = .gradient(stepPercent: step)
        case .zoneBoost(let zones, let boost): kind = .boost(zones: zones.chambers, mmHg: boost)
        }
        self.init(
            kind: kind, holdSeconds: Int(program.hold.components.seconds),
            releaseSeconds: Int(program.release.components.seconds), restSeconds: Int(program.rest.components.seconds),
            warmUp: program.warmUp.map { WarmUp(cycles: $0.cycles, startPercent: $0.startPercent) })
    }
}

extension Program {
    /// The program a spec describes. Ranges are left to the sequencer's validation (which names
    /// the rule); only chamber numbers that cannot exist on any boots are refused here.
    public init(_ spec: ProgramSpec) throws(DBusError) {
        let kind: ProgramKind
        switch spec.kind {
        case .wave: kind = .sequentialWave
        case .gradient(let step): kind = .gradient(stepPercent: step)
        case .boost(let zones, let mmHg): kind = .zoneBoost(zones: try ChamberSet(numbers: zones, what: "zone"), boost: mmHg)
        }
        self.init(
            kind: kind, hold: .seconds(spec.holdSeconds), release: .seconds(spec.releaseSeconds),
            rest: .seconds(spec.restSeconds),
            warmUp: spec.warmUp.map { WarmUp(cycles: $0.cycles, startPercent: $0.startPercent) })
    }
}

extension ChamberSet {
    /// Chambers by number; `InvalidValue` for a number outside 1–12 (whether one that exists
    /// is installed is the sequencer's rule).
    init(numbers: [Int], what: String = "chamber") throws(DBusError) {
        var set = ChamberSet()
        for number in numbers {
            guard (1...ChamberSet.maxChambers).contains(number) else {
                throw .invalidValue("\(what) \(number) does not exist: chambers are numbered 1 to \(ChamberSet.maxChambers), feet first")
            }
            set.insert(ChamberSet(chamber: number))
        }
        self = set
    }
}

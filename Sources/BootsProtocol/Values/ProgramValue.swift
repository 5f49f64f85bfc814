import Sequencer

/// Program (4012bb65) and the parameters of the control point's Select Program: 12 bytes.
/// Holds the wire fields as they are; `program()` turns them into a `Program`.
public struct ProgramValue: Sendable, Equatable {
    /// The program kinds' wire numbers.
    public enum Kind: UInt8, Sendable, CaseIterable {
        case sequentialWave = 0
        case gradient = 1
        case zoneBoost = 2

        public init(_ kind: ProgramKind) {
            switch kind {
            case .sequentialWave: self = .sequentialWave
            case .gradient: self = .gradient
            case .zoneBoost: self = .zoneBoost
            }
        }
    }

    public var kind: UInt8
    /// Seconds.
    public var hold: UInt16
    public var release: UInt16
    public var rest: UInt16
    /// Gradient: step in % below the previous chamber; zone boost: mmHg added; sequential wave: 0.
    public var parameter: UInt8
    /// Zone boost: the boosted chambers (mask); otherwise 0.
    public var zones: UInt16
    /// 0: no warm-up.
    public var warmUpCycles: UInt8
    /// % of each target in the first cycle; 0 without a warm-up.
    public var warmUpStart: UInt8

    public static let length = 12

    public init(kind: UInt8, hold: UInt16, release: UInt16, rest: UInt16, parameter: UInt8, zones: UInt16,
                warmUpCycles: UInt8, warmUpStart: UInt8) {
        self.kind = kind
        self.hold = hold
        self.release = release
        self.rest = rest
        self.parameter = parameter
        self.zones = zones
        self.warmUpCycles = warmUpCycles
        self.warmUpStart = warmUpStart
    }

    /// The wire form of a program. Durations are rounded down to whole seconds (programs written
    /// over Bluetooth always hold whole seconds); values beyond a field are clamped, which a
    /// validated program never needs.
    public init(_ program: Program) {
        kind = Kind(program.kind).rawValue
        hold = program.hold.wireSeconds
        release = program.release.wireSeconds
        rest = program.rest.wireSeconds
        switch program.kind {
        case .sequentialWave:
            parameter = 0
            zones = 0
        case .gradient(let step):
            parameter = UInt8(clamping: step)
            zones = 0
        case .zoneBoost(let boostZones, let boost):
            parameter = UInt8(clamping: boost)
            zones = boostZones.rawValue
        }
        warmUpCycles = UInt8(clamping: program.warmUp?.cycles ?? 0)
        warmUpStart = UInt8(clamping: program.warmUp?.startPercent ?? 0)
    }

    /// Parses 12 bytes (the Program layout).
    public init(bytes: [UInt8]) throws(GATTResponseError) {
        guard bytes.count == ProgramValue.length else { throw .invalidValueLength }
        var reader = ByteReader(bytes)
        kind = reader.uint8()
        hold = reader.uint16()
        release = reader.uint16()
        rest = reader.uint16()
        parameter = reader.uint8()
        zones = reader.uint16()
        warmUpCycles = reader.uint8()
        warmUpStart = reader.uint8()
    }

    public var bytes: [UInt8] {
        var writer = ByteWriter()
        writer.uint8(kind)
        writer.uint16(hold)
        writer.uint16(release)
        writer.uint16(rest)
        writer.uint8(parameter)
        writer.uint16(zones)
        writer.uint8(warmUpCycles)
        writer.uint8(warmUpStart)
        return writer.bytes
    }

    /// The program these fields describe, after the checks only the wire form knows:
    /// - an unknown kind, or zones with reserved bits 12-15 set: 0x85;
    /// - a field that must be 0 and is not (parameter of a sequential wave, zones outside zone
    ///   boost, warm-up start without warm-up cycles): 0x80.
    /// Every range (hold, release, rest, step, boost, warm-up, zones installed and not empty) is
    /// the sequencer's to check, with the other settings, in `WriteValidation`.
    public func program() -> Result<Program, ApplicationError> {
        guard let kind = Kind(rawValue: kind) else { return .failure(.reservedBitsSet) }
        guard zones & ~ChamberSelection.maskBits == 0 else { return .failure(.reservedBitsSet) }
        let programKind: ProgramKind
        switch kind {
        case .sequentialWave:
            guard parameter == 0, zones == 0 else { return .failure(.outOfRange) }
            programKind = .sequentialWave
        case .gradient:
            guard zones == 0 else { return .failure(.outOfRange) }
            programKind = .gradient(stepPercent: Int(parameter))
        case .zoneBoost:
            programKind = .zoneBoost(zones: ChamberSet(rawValue: zones), boost: Int(parameter))
        }
        let warmUp: WarmUp?
        if warmUpCycles == 0 {
            guard warmUpStart == 0 else { return .failure(.outOfRange) }
            warmUp = nil
        } else {
            warmUp = WarmUp(cycles: Int(warmUpCycles), startPercent: Int(warmUpStart))
        }
        return .success(Program(kind: programKind, hold: .seconds(Int(hold)), release: .seconds(Int(release)),
                                rest: .seconds(Int(rest)), warmUp: warmUp))
    }
}

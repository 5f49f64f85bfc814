import Sequencer

// The values of the three writable settings characteristics (Pressure, Chamber Count, Session
// Timer): their read forms, built from a snapshot, and their write forms, parsed from bytes.
//
// What a settings characteristic reads: the latest accepted settings, `pendingSettings ??
// settings`. A change written while a session runs is read back at once, although the wave
// takes it up only at the next cycle (Live State's flag bit 3 says a change is pending; Live
// State's other fields show what runs now).

/// The settings a read shows: the latest accepted ones (see the file comment).
extension SequencerSnapshot {
    var requestedSettings: SessionSettings { pendingSettings ?? settings }
}

/// Pressure (4012bb61): the set pressure, chamber 1's target, in mmHg. Read and write form alike.
public struct PressureValue: Sendable, Equatable {
    public var target: UInt16

    public init(target: UInt16) { self.target = target }

    public init(_ snapshot: SequencerSnapshot) {
        target = UInt16(clamping: snapshot.requestedSettings.pressure)
    }

    public static let length = 2

    public var bytes: [UInt8] {
        var writer = ByteWriter()
        writer.uint16(target)
        return writer.bytes
    }

    /// Parses a write: exactly 2 bytes. Ranges are the sequencer's to check (see `WriteValidation`).
    public init(bytes: [UInt8]) throws(GATTResponseError) {
        guard bytes.count == PressureValue.length else { throw .invalidValueLength }
        var reader = ByteReader(bytes)
        target = reader.uint16()
    }

    public var change: SettingsChange { .pressure(Int(target)) }
}

/// Chamber Count (4012bb62), read form: chambers in use, chambers installed, mask in use.
public struct ChamberCountValue: Sendable, Equatable {
    public var inUse: UInt8
    public var installed: UInt8
    public var mask: UInt16

    public init(inUse: UInt8, installed: UInt8, mask: UInt16) {
        self.inUse = inUse
        self.installed = installed
        self.mask = mask
    }

    public init(_ snapshot: SequencerSnapshot, layout: HardwareLayout) {
        let active = snapshot.requestedSettings.activeChambers
        inUse = UInt8(active.rawValue.nonzeroBitCount)
        installed = UInt8(layout.installedChambers)
        mask = active.rawValue
    }

    public var bytes: [UInt8] {
        var writer = ByteWriter()
        writer.uint8(inUse)
        writer.uint8(installed)
        writer.uint16(mask)
        return writer.bytes
    }
}

/// Chamber Count, write forms: a count (1 byte, chambers 1...count) or a mask (2 bytes).
public enum ChamberSelection: Sendable, Equatable {
    case count(UInt8)
    case mask(UInt16)

    /// The bits a mask may set: chambers 1...12. Bits 12-15 are reserved.
    public static let maskBits = UInt16((1 << ChamberSet.maxChambers) - 1)

    public init(bytes: [UInt8]) throws(GATTResponseError) {
        var reader = ByteReader(bytes)
        switch bytes.count {
        case 1: self = .count(reader.uint8())
        case 2: self = .mask(reader.uint16())
        default: throw .invalidValueLength
        }
    }

    public var bytes: [UInt8] {
        var writer = ByteWriter()
        switch self {
        case .count(let count): writer.uint8(count)
        case .mask(let mask): writer.uint16(mask)
        }
        return writer.bytes
    }

    /// The chambers selected, after the checks that only the wire form knows: a count must be
    /// 1...installed (0x80), a mask must leave bits 12-15 clear (0x85). Whether a mask is empty
    /// (0x83) or names a chamber that is not installed (0x82) is the sequencer's rule, checked
    /// with every other setting in `WriteValidation`.
    public func chambers(installed: Int) -> Result<ChamberSet, ApplicationError> {
        switch self {
        case .count(let count):
            guard (1...installed).contains(Int(count)) else { return .failure(.outOfRange) }
            return .success(.first(Int(count)))
        case .mask(let mask):
            guard mask & ~ChamberSelection.maskBits == 0 else { return .failure(.reservedBitsSet) }
            return .success(ChamberSet(rawValue: mask))
        }
    }
}

/// Session Timer (4012bb63), read form: duration, elapsed, remaining (all whole seconds), cycles.
public struct SessionTimerValue: Sendable, Equatable {
    public var duration: UInt16
    public var elapsed: UInt16
    public var remaining: UInt16
    public var cycles: UInt16

    public init(duration: UInt16, elapsed: UInt16, remaining: UInt16, cycles: UInt16) {
        self.duration = duration
        self.elapsed = elapsed
        self.remaining = remaining
        self.cycles = cycles
    }

    /// Elapsed is rounded down to whole seconds and remaining is `duration - elapsed`, as the
    /// contract defines it, so the three always add up (remaining counts a started second).
    public init(_ snapshot: SequencerSnapshot) {
        duration = snapshot.requestedSettings.duration.wireSeconds
        elapsed = min(snapshot.elapsed.wireSeconds, duration)
        remaining = duration - elapsed
        cycles = UInt16(clamping: snapshot.cycle)
    }

    public var bytes: [UInt8] {
        var writer = ByteWriter()
        writer.uint16(duration)
        writer.uint16(elapsed)
        writer.uint16(remaining)
        writer.uint16(cycles)
        return writer.bytes
    }
}

/// Session Timer, write form: the session's new length in seconds (2 bytes).
public struct SessionDurationWrite: Sendable, Equatable {
    public var duration: UInt16

    public init(duration: UInt16) { self.duration = duration }

    public init(bytes: [UInt8]) throws(GATTResponseError) {
        guard bytes.count == 2 else { throw .invalidValueLength }
        var reader = ByteReader(bytes)
        duration = reader.uint16()
    }

    public var bytes: [UInt8] {
        var writer = ByteWriter()
        writer.uint16(duration)
        return writer.bytes
    }

    public var change: SettingsChange { .duration(.seconds(Int(duration))) }
}

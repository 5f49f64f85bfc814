import Sequencer

/// The application error codes of the contract's error table (0x80–0x87). BlueZ sends one to the
/// central when a GATT application answers `org.bluez.Error.Failed` with the message "0x8N".
public enum ApplicationError: UInt8, Error, Sendable, CaseIterable, CustomStringConvertible {
    /// A field is outside its documented range.
    case outOfRange = 0x80
    /// A pressure (set, or a chamber's target derived from it) above the configured cap.
    case aboveCap = 0x81
    /// A chamber mask names a chamber these boots do not have.
    case chamberNotInstalled = 0x82
    /// A chamber mask with no chamber in it.
    case noChambers = 0x83
    /// The session would be shortened to or below the time it has already run.
    case durationNotAfterElapsed = 0x84
    /// Reserved bits or an unknown enumeration value.
    case reservedBitsSet = 0x85
    /// A fault is latched (control point reason only).
    case faultLatched = 0x86
    /// The command does not apply in the current state (control point reason only).
    case invalidState = 0x87

    public var description: String {
        switch self {
        case .outOfRange: "OutOfRange"
        case .aboveCap: "AboveCap"
        case .chamberNotInstalled: "ChamberNotInstalled"
        case .noChambers: "NoChambers"
        case .durationNotAfterElapsed: "DurationNotAfterElapsed"
        case .reservedBitsSet: "ReservedBitsSet"
        case .faultLatched: "FaultLatched"
        case .invalidState: "InvalidState"
        }
    }

    /// The contract's code for every way the sequencer refuses a settings change.
    public init(_ error: SettingsError) {
        switch error {
        case .pressureOutOfRange, .durationOutOfRange, .holdOutOfRange, .releaseOutOfRange,
             .restOutOfRange, .warmUpOutOfRange, .gradientStepOutOfRange, .zoneBoostOutOfRange:
            self = .outOfRange
        case .aboveCap: self = .aboveCap
        case .chamberNotInstalled: self = .chamberNotInstalled
        // An empty zone-boost mask is "a chamber mask with no chamber in it", like an empty selection.
        case .noActiveChambers, .noZones: self = .noChambers
        case .durationNotAfterElapsed: self = .durationNotAfterElapsed
        }
    }

    /// The contract's code for every way the sequencer refuses a command.
    public init(_ error: CommandError) {
        switch error {
        case .faultLatched: self = .faultLatched
        case .alreadyRunning, .notRunning, .notPaused, .noFaultLatched: self = .invalidState
        }
    }
}

/// How a read or write is refused at the ATT level. The BlueZ layer turns each case into the
/// D-Bus error `dbusName` (with `dbusMessage`), which bluetoothd maps to `attCode`
/// (see /work/shared/docs/bluez-facts.md, "D-Bus error name → ATT error code").
public enum GATTResponseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// ATT 0x0D: the value does not have a length this characteristic accepts.
    case invalidValueLength
    /// ATT 0x07: a non-zero offset; every value fits one PDU, so offsets are not supported.
    case invalidOffset
    /// ATT 0x02: the characteristic is not readable. BlueZ normally refuses such a read itself,
    /// from the flags; this answers one that reaches the application anyway.
    case readNotPermitted
    /// ATT 0x03: the characteristic is not writable (as `readNotPermitted`).
    case writeNotPermitted
    /// An application code from the contract's table.
    case application(ApplicationError)

    /// The ATT error code the central receives.
    public var attCode: UInt8 {
        switch self {
        case .invalidValueLength: 0x0D
        case .invalidOffset: 0x07
        case .readNotPermitted: 0x02
        case .writeNotPermitted: 0x03
        case .application(let code): code.rawValue
        }
    }

    /// The D-Bus error name a GATT application replies with to produce `attCode`.
    public var dbusName: String {
        switch self {
        case .invalidValueLength: "org.bluez.Error.InvalidValueLength"
        case .invalidOffset: "org.bluez.Error.InvalidOffset"
        case .readNotPermitted, .writeNotPermitted: "org.bluez.Error.NotPermitted"
        case .application: "org.bluez.Error.Failed"
        }
    }

    /// The D-Bus error message. For application codes it must be exactly "0x8N": bluetoothd
    /// parses it into the ATT code (any other text becomes 0x80).
    public var dbusMessage: String {
        switch self {
        case .invalidValueLength: "Invalid value length"
        case .invalidOffset: "Invalid offset"
        case .readNotPermitted: "Read not permitted"
        case .writeNotPermitted: "Write not permitted"
        case .application(let code): "0x" + String(code.rawValue, radix: 16)
        }
    }

    public var description: String {
        switch self {
        case .application(let code): "\(code) (\(dbusMessage))"
        default: dbusName
        }
    }
}

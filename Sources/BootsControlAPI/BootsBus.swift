import DBus

/// Where pressod's local control interface lives on the system bus, and the names of the errors
/// it answers with. Shared by the daemon (LocalControl) and its clients (pressoctl), so both
/// sides spell them the same way. The interface is described in docs/local-control.md.
public enum BootsBus {
    /// The well-known name pressod owns (the bus policy lets only user presso and root own it).
    public static let name = "org.presso.Boots"
    public static let path: DBusObjectPath = "/org/presso/Boots"
    public static let interface = "org.presso.Boots1"
}

/// The error names of `org.presso.Boots1`. Every refusal changes nothing; its message names the
/// rule that refused it.
public enum BootsErrorName {
    /// A value outside its range or not fitting these boots (a pressure above the cap, a chamber
    /// that is not installed, an unknown program parameter, …).
    public static let invalidValue = "org.presso.Boots1.Error.InvalidValue"
    /// The command does not apply in the current state (stop when no session runs, …).
    public static let notPermittedNow = "org.presso.Boots1.Error.NotPermittedNow"
    /// A fault is latched: the boots stay vented until `ClearFault`.
    public static let faultLatched = "org.presso.Boots1.Error.FaultLatched"
    /// The part of pressod that would do it is not running (Bluetooth, for pairing and bonds).
    public static let notAvailable = "org.presso.Boots1.Error.NotAvailable"
    /// The caller is neither root nor a member of the admin group (checked by pressod itself,
    /// behind the bus policy).
    public static let accessDenied = DBusError.Name.accessDenied
}

extension DBusError {
    public static func invalidValue(_ message: String) -> DBusError { .init(name: BootsErrorName.invalidValue, message: message) }
    public static func notPermittedNow(_ message: String) -> DBusError {
        .init(name: BootsErrorName.notPermittedNow, message: message)
    }
    public static func faultLatched(_ message: String) -> DBusError { .init(name: BootsErrorName.faultLatched, message: message) }
    public static func notAvailable(_ message: String) -> DBusError { .init(name: BootsErrorName.notAvailable, message: message) }
}

/// The property names of `org.presso.Boots1`, with their D-Bus types.
public enum BootsProperty: String, CaseIterable, Sendable {
    /// s: idle, venting, inflating, holding, releasing, resting, paused, faulted.
    case phase = "Phase"
    /// q: the chamber being inflated; 0 when none is.
    case activeChamber = "ActiveChamber"
    /// u: the cycle running (1-based); 0 before the first.
    case cycle = "Cycle"
    /// u: seconds the session has run (paused time excluded).
    case elapsed = "Elapsed"
    /// u: seconds left in the session.
    case remaining = "Remaining"
    /// q: the set pressure (mmHg) of chamber 1; a change waiting for the next cycle shows at once.
    case pressure = "Pressure"
    /// aq: the chambers taking part in the wave, feet first.
    case chambers = "Chambers"
    /// u: the session's length in seconds.
    case duration = "Duration"
    /// (sa{sv}): the program's kind and parameters, as `SetProgram` takes them.
    case program = "Program"
    /// (ys): the latched fault's code (0 = none) and text.
    case fault = "Fault"
    /// b: no pressure sensor; chambers are filled for a fixed time.
    case openLoop = "OpenLoop"
    /// ad: the latest reading per installed chamber (mmHg), NaN where nothing measures it now.
    case chamberPressures = "ChamberPressures"
    /// ad: this cycle's target per installed chamber (mmHg), 0 when not inflated this cycle.
    case chamberTargets = "ChamberTargets"

    public var signature: DBusSignature {
        switch self {
        case .phase: "s"
        case .activeChamber, .pressure: "q"
        case .cycle, .elapsed, .remaining, .duration: "u"
        case .chambers: "aq"
        case .program: "(sa{sv})"
        case .fault: "(ys)"
        case .openLoop: "b"
        case .chamberPressures, .chamberTargets: "ad"
        }
    }
}

extension DBusValue {
    /// Any integer type as an `Int` (busctl and gdbus users pick the width they like); nil for
    /// other types.
    public var integerValue: Int? {
        switch unwrappingVariants {
        case .byte(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int64(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        default: nil
        }
    }
}

import DBus

/// A treatment program as people and D-Bus write it: the wave's kind in a short notation
/// (`wave`, `gradient:8`, `boost:1,3:10`) plus its timing and an optional warm-up.
///
/// Only the notation is checked here; ranges (hold 0–120 s, step 1–30 %, …) are the sequencer's
/// rules and are checked by pressod, which names the rule when it refuses.
public struct ProgramSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Every active chamber to the set pressure.
        case wave
        /// Each chamber `stepPercent` % below the one before it.
        case gradient(stepPercent: Int)
        /// The set pressure plus `mmHg` on the `zones` chambers.
        case boost(zones: [Int], mmHg: Int)
    }

    public struct WarmUp: Sendable, Equatable {
        public var cycles: Int
        public var startPercent: Int
        public init(cycles: Int, startPercent: Int) {
            self.cycles = cycles
            self.startPercent = startPercent
        }
    }

    public var kind: Kind
    public var holdSeconds: Int
    public var releaseSeconds: Int
    public var restSeconds: Int
    public var warmUp: WarmUp?

    /// Defaults are the sequencer's standard program timing: hold 10 s, release 8 s, rest 4 s.
    public init(kind: Kind, holdSeconds: Int = 10, releaseSeconds: Int = 8, restSeconds: Int = 4, warmUp: WarmUp? = nil) {
        self.kind = kind
        self.holdSeconds = holdSeconds
        self.releaseSeconds = releaseSeconds
        self.restSeconds = restSeconds
        self.warmUp = warmUp
    }

    /// A notation that could not be read.
    public struct NotationError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    // MARK: The short notation

    /// `wave`, `gradient:STEP%`, `boost:ZONES[:MMHG]` (zones comma-separated; boost 10 mmHg
    /// when left out).
    public var kindText: String {
        switch kind {
        case .wave: "wave"
        case .gradient(let step): "gradient:\(step)"
        case .boost(let zones, let mmHg): "boost:" + zones.map(String.init).joined(separator: ",") + ":\(mmHg)"
        }
    }

    /// Reads the kind notation (`kindText`); timing stays at the defaults.
    public init(kindText text: String) throws(NotationError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func number(_ s: String, _ what: String) throws(NotationError) -> Int {
            guard let n = Int(s), n >= 0 else { throw NotationError(description: "\(what) '\(s)' is not a number") }
            return n
        }
        switch (parts[0], parts.count) {
        case ("wave", 1):
            self.init(kind: .wave)
        case ("gradient", 2):
            self.init(kind: .gradient(stepPercent: try number(parts[1], "gradient step")))
        case ("boost", 2), ("boost", 3):
            var zones: [Int] = []
            for zone in parts[1].split(separator: ",", omittingEmptySubsequences: false) {
                zones.append(try number(String(zone), "zone"))
            }
            self.init(kind: .boost(zones: zones, mmHg: parts.count == 3 ? try number(parts[2], "boost") : 10))
        default:
            throw NotationError(
                description: "unknown program '\(text)': use wave, gradient:STEP (e.g. gradient:8) or boost:ZONES[:MMHG] (e.g. boost:1,3:10)")
        }
    }

    /// One line for people: `gradient:8, hold 10 s, release 8 s, rest 4 s, warm-up 3 cycles from 50 %`.
    public var summary: String {
        var text = "\(kindText), hold \(holdSeconds) s, release \(releaseSeconds) s, rest \(restSeconds) s"
        if let warmUp { text += ", warm-up \(warmUp.cycles) cycles from \(warmUp.startPercent) %" }
        return text
    }

    // MARK: D-Bus: SetProgram(s kind, a{sv} parameters) and the Program property (sa{sv})

    /// The parameter keys of `SetProgram` and `Program`. Integers of any width are accepted.
    public enum Parameter {
        public static let stepPercent = "step-percent"
        public static let zones = "zones"
        public static let boost = "boost"
        public static let hold = "hold"
        public static let release = "release"
        public static let rest = "rest"
        public static let warmUpCycles = "warm-up-cycles"
        public static let warmUpStartPercent = "warm-up-start-percent"
    }

    /// `wave`, `gradient` or `boost`.
    public var dbusKind: String {
        switch kind {
        case .wave: "wave"
        case .gradient: "gradient"
        case .boost: "boost"
        }
    }

    public var dbusParameters: [String: DBusValue] {
        var parameters: [String: DBusValue] = [
            Parameter.hold: .uint32(UInt32(clamping: holdSeconds)),
            Parameter.release: .uint32(UInt32(clamping: releaseSeconds)),
            Parameter.rest: .uint32(UInt32(clamping: restSeconds)),
        ]
        switch kind {
        case .wave: break
        case .gradient(let step): parameters[Parameter.stepPercent] = .uint16(UInt16(clamping: step))
        case .boost(let zones, let mmHg):
            parameters[Parameter.zones] = .array(element: "q", zones.map { .uint16(UInt16(clamping: $0)) })
            parameters[Parameter.boost] = .uint16(UInt16(clamping: mmHg))
        }
        if let warmUp {
            parameters[Parameter.warmUpCycles] = .uint16(UInt16(clamping: warmUp.cycles))
            parameters[Parameter.warmUpStartPercent] = .uint16(UInt16(clamping: warmUp.startPercent))
        }
        return parameters
    }

    /// The `Program` property's value.
    public var dbusValue: DBusValue { .structure([.string(dbusKind), .stringVariantDictionary(dbusParameters)]) }

    /// Reads `SetProgram`'s arguments. Timing left out takes the defaults (hold 10 s, release
    /// 8 s, rest 4 s, no warm-up): a program is exactly what the call says. Throws
    /// `InvalidValue` for an unknown kind or key, a key that does not belong to the kind, a
    /// missing required key, or a value of the wrong type.
    public init(dbusKind: String, parameters: [String: DBusValue]) throws(DBusError) {
        var remaining = parameters.mapValues(\.unwrappingVariants)
        func take(_ key: String) throws(DBusError) -> Int? {
            guard let value = remaining.removeValue(forKey: key) else { return nil }
            guard let n = value.integerValue, n >= 0 else {
                throw .invalidValue("program parameter '\(key)' must be a non-negative integer, got \(value.signature)")
            }
            return n
        }
        func required(_ key: String) throws(DBusError) -> Int {
            guard let n = try take(key) else { throw .invalidValue("program '\(dbusKind)' needs the parameter '\(key)'") }
            return n
        }
        let kind: Kind
        switch dbusKind {
        case "wave":
            kind = .wave
        case "gradient":
            kind = .gradient(stepPercent: try required(Parameter.stepPercent))
        case "boost":
            guard let value = remaining.removeValue(forKey: Parameter.zones) else {
                throw .invalidValue("program 'boost' needs the parameter 'zones' (aq)")
            }
            let items: [DBusValue]
            if case .array(_, let elements) = value { items = elements } else { items = [] }
            let zones = items.compactMap(\.integerValue)
            guard case .array = value, zones.count == items.count else {
                throw .invalidValue("program parameter 'zones' must be an array of chamber numbers (aq)")
            }
            kind = .boost(zones: zones, mmHg: try take(Parameter.boost) ?? 10)
        default:
            throw .invalidValue("unknown program kind '\(dbusKind)': use wave, gradient or boost")
        }
        self.init(kind: kind)
        holdSeconds = try take(Parameter.hold) ?? holdSeconds
        releaseSeconds = try take(Parameter.release) ?? releaseSeconds
        restSeconds = try take(Parameter.rest) ?? restSeconds
        let cycles = try take(Parameter.warmUpCycles)
        let start = try take(Parameter.warmUpStartPercent)
        if cycles != nil || start != nil {
            guard let cycles, let start else {
                throw .invalidValue("a warm-up needs both '\(Parameter.warmUpCycles)' and '\(Parameter.warmUpStartPercent)'")
            }
            warmUp = WarmUp(cycles: cycles, startPercent: start)
        }
        if let stray = remaining.keys.sorted().first {
            throw .invalidValue("program '\(dbusKind)' has no parameter '\(stray)'")
        }
    }

    /// Reads the `Program` property's value.
    public init(dbusValue: DBusValue) throws(DBusError) {
        guard case .structure(let fields) = dbusValue.unwrappingVariants, fields.count == 2,
            case .string(let kind) = fields[0], let parameters = try? [String: DBusValue](dbusValue: fields[1])
        else { throw .invalidArgs("Program is not (sa{sv})") }
        try self.init(dbusKind: kind, parameters: parameters)
    }
}

import DBus

/// The boots' state as a client reads it: `GetAll("org.presso.Boots1")`, kept current by
/// applying `PropertiesChanged`.
public struct BootsStatus: Sendable, Equatable {
    public var phase = "idle"
    /// The chamber being inflated, if any.
    public var activeChamber: Int?
    public var cycle = 0
    public var elapsedSeconds = 0
    public var remainingSeconds = 0
    public var pressure = 0
    public var chambers: [Int] = []
    public var durationSeconds = 0
    public var program = ProgramSpec(kind: .wave)
    /// Code (1–255) and text of the latched fault, if any.
    public var fault: (code: Int, text: String)?
    public var openLoop = false
    /// Per installed chamber, feet first; nil where nothing measures it now.
    public var chamberPressures: [Double?] = []
    public var chamberTargets: [Double] = []

    public init() {}

    /// Decodes `GetAll`'s dictionary; throws if a property is missing or of the wrong type.
    public init(properties: [String: DBusValue]) throws(DBusError) {
        for property in BootsProperty.allCases {
            guard properties[property.rawValue] != nil else { throw .invalidArgs("property \(property.rawValue) missing") }
        }
        try apply(properties)
    }

    /// Applies the `changed` part of a `PropertiesChanged` signal (unknown names are ignored,
    /// so a newer daemon's extra properties do not break an older client).
    public mutating func apply(_ changed: [String: DBusValue]) throws(DBusError) {
        for (name, raw) in changed {
            guard let property = BootsProperty(rawValue: name) else { continue }
            let value = raw.unwrappingVariants
            guard value.signature == property.signature else {
                throw .invalidArgs("property \(name) has type \(value.signature), expected \(property.signature)")
            }
            switch (property, value) {
            case (.phase, .string(let s)): phase = s
            case (.activeChamber, .uint16(let n)): activeChamber = n == 0 ? nil : Int(n)
            case (.cycle, .uint32(let n)): cycle = Int(n)
            case (.elapsed, .uint32(let n)): elapsedSeconds = Int(n)
            case (.remaining, .uint32(let n)): remainingSeconds = Int(n)
            case (.pressure, .uint16(let n)): pressure = Int(n)
            case (.chambers, _): chambers = try [UInt16](dbusValue: value).map(Int.init)
            case (.duration, .uint32(let n)): durationSeconds = Int(n)
            case (.program, _): program = try ProgramSpec(dbusValue: value)
            case (.fault, .structure(let fields)):
                if case .byte(let code) = fields[0], case .string(let text) = fields[1] {
                    fault = code == 0 ? nil : (Int(code), text)
                }
            case (.openLoop, .bool(let b)): openLoop = b
            case (.chamberPressures, _): chamberPressures = try [Double](dbusValue: value).map { $0.isNaN ? nil : $0 }
            case (.chamberTargets, _): chamberTargets = try [Double](dbusValue: value)
            default: break
            }
        }
    }

    public static func == (a: BootsStatus, b: BootsStatus) -> Bool {
        a.phase == b.phase && a.activeChamber == b.activeChamber && a.cycle == b.cycle
            && a.elapsedSeconds == b.elapsedSeconds && a.remainingSeconds == b.remainingSeconds
            && a.pressure == b.pressure && a.chambers == b.chambers && a.durationSeconds == b.durationSeconds
            && a.program == b.program && a.fault?.code == b.fault?.code && a.fault?.text == b.fault?.text
            && a.openLoop == b.openLoop && a.chamberPressures == b.chamberPressures
            && a.chamberTargets == b.chamberTargets
    }
}

/// One finished session, as `History` returns it: a(ttsqqs).
public struct SessionSummary: Sendable, Equatable {
    /// Unix time (seconds) the session started.
    public var started: UInt64
    /// Seconds it ran (paused time excluded).
    public var durationSeconds: UInt64
    /// The program in the short notation (`wave`, `gradient:8`, `boost:1,3:10`).
    public var program: String
    /// The set pressure (mmHg) last in force.
    public var pressure: Int
    public var cycles: Int
    /// completed, stopped, emergency stop, fault 0xNN …, daemon stopped, interrupted.
    public var ending: String

    public init(started: UInt64, durationSeconds: UInt64, program: String, pressure: Int, cycles: Int, ending: String) {
        self.started = started
        self.durationSeconds = durationSeconds
        self.program = program
        self.pressure = pressure
        self.cycles = cycles
        self.ending = ending
    }

    public static let signature: DBusSignature = "(ttsqqs)"

    public var dbusValue: DBusValue {
        .structure([
            .uint64(started), .uint64(durationSeconds), .string(program), .uint16(UInt16(clamping: pressure)),
            .uint16(UInt16(clamping: cycles)), .string(ending),
        ])
    }

    public init(dbusValue: DBusValue) throws(DBusError) {
        guard case .structure(let f) = dbusValue, f.count == 6, case .uint64(let started) = f[0],
            case .uint64(let duration) = f[1], case .string(let program) = f[2], case .uint16(let pressure) = f[3],
            case .uint16(let cycles) = f[4], case .string(let ending) = f[5]
        else { throw .invalidArgs("a history entry is not (ttsqqs)") }
        self.init(started: started, durationSeconds: duration, program: program, pressure: Int(pressure),
                  cycles: Int(cycles), ending: ending)
    }
}

/// A bonded phone or tablet, as `ListBonds` returns it: (ssb) address, name, connected now.
public struct BondedDevice: Sendable, Equatable {
    public var address: String
    public var name: String
    public var connected: Bool

    public init(address: String, name: String, connected: Bool) {
        self.address = address
        self.name = name
        self.connected = connected
    }

    public static let signature: DBusSignature = "(ssb)"

    public var dbusValue: DBusValue { .structure([.string(address), .string(name), .bool(connected)]) }

    public init(dbusValue: DBusValue) throws(DBusError) {
        guard case .structure(let f) = dbusValue, f.count == 3, case .string(let address) = f[0],
            case .string(let name) = f[1], case .bool(let connected) = f[2]
        else { throw .invalidArgs("a bond is not (ssb)") }
        self.init(address: address, name: name, connected: connected)
    }
}

/// The hardware boundary: everything the sequencer needs from the boots' pump, valves and
/// pressure sensor, and nothing more. Implemented by the simulated pump (`PumpSimulator`) and by
/// the libgpiod backend (`GPIOHardware`). The sequencer calls it from its control loop only, once
/// per tick; implementations must be safe to call from any thread (they are `Sendable`).

/// A set of chambers, chamber 1 (the feet) in bit 0, up to chamber 12 in bit 11.
public struct ChamberSet: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The set holding one chamber (1-based).
    public init(chamber: Int) {
        precondition((1...ChamberSet.maxChambers).contains(chamber), "chamber \(chamber) out of 1...12")
        self.rawValue = 1 << UInt16(chamber - 1)
    }

    /// Chambers 1...count.
    public static func first(_ count: Int) -> ChamberSet {
        precondition((0...maxChambers).contains(count))
        return ChamberSet(rawValue: UInt16((1 << count) - 1))
    }

    public static let maxChambers = 12

    // A bit test, not `contains(ChamberSet(...))`: the control loop asks this many times a tick,
    // and the generic OptionSet path is slow in debug builds (and so in tests).
    public func contains(chamber: Int) -> Bool {
        chamber >= 1 && chamber <= ChamberSet.maxChambers && rawValue & (1 << UInt16(chamber - 1)) != 0
    }

    /// The chambers in the set, in ascending order (feet first).
    public var chambers: [Int] {
        var result: [Int] = []
        result.reserveCapacity(rawValue.nonzeroBitCount)
        var bits = rawValue & ((1 << UInt16(ChamberSet.maxChambers)) - 1)
        while bits != 0 {
            result.append(bits.trailingZeroBitCount + 1)
            bits &= bits - 1
        }
        return result
    }

    public var description: String { "{" + chambers.map(String.init).joined(separator: ",") + "}" }
}

/// How air leaves the chambers.
public enum ExhaustLayout: Sendable, Equatable {
    /// One exhaust valve per chamber, venting that chamber directly.
    case perChamber
    /// One exhaust valve on the manifold: a chamber vents through its open inlet valve.
    case commonManifold
}

/// What measures pressure.
public enum PressureSensing: Sendable, Equatable {
    /// No sensor: the sequencer can only run open-loop (timed inflation) and says so.
    case none
    /// One sensor on the manifold: it reads the chamber(s) whose inlet valve is open.
    case manifold
    /// One sensor per chamber.
    case perChamber
}

/// The physical build of one set of boots.
public struct HardwareLayout: Sendable, Equatable {
    /// Chambers installed, 1...12 (chamber 1 is the feet).
    public var installedChambers: Int
    public var exhaust: ExhaustLayout
    public var sensing: PressureSensing

    public init(installedChambers: Int, exhaust: ExhaustLayout, sensing: PressureSensing) {
        precondition((1...ChamberSet.maxChambers).contains(installedChambers))
        self.installedChambers = installedChambers
        self.exhaust = exhaust
        self.sensing = sensing
    }

    public var installed: ChamberSet { .first(installedChambers) }
}

/// The outputs at one instant: pump, inlet valves, exhaust valves.
public struct ActuatorState: Sendable, Equatable, CustomStringConvertible {
    public var pumpOn: Bool
    /// Chambers whose inlet valve is open (connected to the manifold).
    public var openInlets: ChamberSet
    /// Open exhaust valves: per chamber, or, for a common manifold exhaust, `true` in `manifoldExhaustOpen`.
    public var openExhausts: ChamberSet
    public var manifoldExhaustOpen: Bool

    public init(pumpOn: Bool, openInlets: ChamberSet, openExhausts: ChamberSet = [], manifoldExhaustOpen: Bool = false) {
        self.pumpOn = pumpOn
        self.openInlets = openInlets
        self.openExhausts = openExhausts
        self.manifoldExhaustOpen = manifoldExhaustOpen
    }

    /// The safe state: pump off and every installed chamber open to the air.
    /// With per-chamber exhausts the inlets close and every exhaust opens; with a common manifold
    /// exhaust every inlet must open too, or the chambers would stay full behind closed valves.
    public static func vented(_ layout: HardwareLayout) -> ActuatorState {
        switch layout.exhaust {
        case .perChamber:
            return ActuatorState(pumpOn: false, openInlets: [], openExhausts: layout.installed)
        case .commonManifold:
            return ActuatorState(pumpOn: false, openInlets: layout.installed, manifoldExhaustOpen: true)
        }
    }

    public var description: String {
        "pump \(pumpOn ? "on" : "off") inlets \(openInlets) exhausts \(openExhausts)\(manifoldExhaustOpen ? " manifold-exhaust" : "")"
    }
}

/// Pressures read in one tick, in mmHg; nil where nothing measures it.
public struct PressureSample: Sendable, Equatable {
    /// The manifold sensor's reading (`PressureSensing.manifold`).
    public var manifold: Double?
    /// Per-chamber readings indexed by chamber - 1 (`PressureSensing.perChamber`).
    public var chambers: [Double?]

    public init(manifold: Double? = nil, chambers: [Double?] = []) {
        self.manifold = manifold
        self.chambers = chambers
    }
}

/// A hardware failure: a line that could not be driven, a sensor that did not answer.
public struct HardwareError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case actuator   // a pump or valve output could not be driven
        case sensor     // a pressure reading failed or timed out
    }
    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind) failure: \(message)" }
}

/// The pump, valves and pressure sensor of one set of boots.
public protocol PumpHardware: AnyObject, Sendable {
    var layout: HardwareLayout { get }
    /// Drives every output to `state`. On error, implementations still drive every output they
    /// can (a failed valve must not keep the pump running).
    func drive(_ state: ActuatorState) throws(HardwareError)
    /// Reads the pressure sensor(s). Called once per control tick.
    func readPressure() throws(HardwareError) -> PressureSample
}

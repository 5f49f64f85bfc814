import Sequencer

/// A failure the simulated pump can be told to have, to test the sequencer's safety rules.
public enum SimulatedFault: Sendable, Hashable, CustomStringConvertible {
    /// A leak too large for the pump to reach ~100 mmHg in that chamber.
    case leak(chamber: Int)
    /// The chamber's hose is off: it is open to the air.
    case hoseOff(chamber: Int)
    /// The chamber's inlet valve ignores commands.
    case inletStuck(chamber: Int, open: Bool)
    /// The chamber's own exhaust valve ignores commands (`ExhaustLayout.perChamber`).
    case exhaustStuck(chamber: Int, open: Bool)
    /// The common manifold exhaust ignores commands (`ExhaustLayout.commonManifold`).
    case manifoldExhaustStuck(open: Bool)
    /// Every sensor repeats the sample it gave when the fault was injected.
    case sensorStuck
    /// Every sensor reads this value (mmHg), e.g. -40 or 400: unplugged, shorted.
    case sensorOutOfRange(reading: Double)
    /// Extra gaussian noise of this standard deviation (mmHg).
    case sensorNoisy(sigma: Double)
    /// Reads throw `HardwareError(.sensor, …)`.
    case sensorFailing
    /// The pump keeps running whatever it is told.
    case pumpRunsOn
    /// `drive` applies what it can, then throws `HardwareError(.actuator, …)`.
    case actuatorFailing

    /// Faults that cannot hold together with this one (the newer one wins).
    func conflicts(with other: SimulatedFault) -> Bool {
        switch (self, other) {
        case let (.leak(a), .hoseOff(b)), let (.hoseOff(a), .leak(b)): return a == b
        case let (.inletStuck(a, _), .inletStuck(b, _)): return a == b
        case let (.exhaustStuck(a, _), .exhaustStuck(b, _)): return a == b
        case (.manifoldExhaustStuck, .manifoldExhaustStuck): return true
        default: return isSensorFault && other.isSensorFault
        }
    }

    var isSensorFault: Bool {
        switch self {
        case .sensorStuck, .sensorOutOfRange, .sensorNoisy, .sensorFailing: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .leak(let c): "leak in chamber \(c)"
        case .hoseOff(let c): "hose off chamber \(c)"
        case .inletStuck(let c, let open): "inlet \(c) stuck \(open ? "open" : "closed")"
        case .exhaustStuck(let c, let open): "exhaust \(c) stuck \(open ? "open" : "closed")"
        case .manifoldExhaustStuck(let open): "manifold exhaust stuck \(open ? "open" : "closed")"
        case .sensorStuck: "sensor stuck"
        case .sensorOutOfRange(let r): "sensor reads \(r) mmHg"
        case .sensorNoisy(let s): "sensor noise σ \(s) mmHg"
        case .sensorFailing: "sensor failing"
        case .pumpRunsOn: "pump runs on"
        case .actuatorFailing: "actuator failing"
        }
    }
}

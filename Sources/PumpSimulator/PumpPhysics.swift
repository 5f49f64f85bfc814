import Foundation
import Sequencer

/// A lumped model of the boots' pneumatics, good enough to make the sequencer's job realistic:
/// each chamber and the manifold are compliances (mL of free air per mmHg); the pump delivers a
/// flow that falls linearly to zero at its stall pressure; exhausts and leaks are linear
/// conductances (mL/s per mmHg). Chambers connected through open inlets share one pressure
/// with the manifold (the valves are wide compared with the flows).
///
/// Between two calls the valves and the pump do not change, so each connected group obeys
/// C·dP/dt = Q0 − (Q0/Pstall + k)·P, which is integrated exactly: stable for any step.
public struct PumpPhysics: Sendable, Equatable {
    public struct Parameters: Sendable, Equatable {
        /// mL of free air per mmHg in one chamber (a leg sleeve chamber holds ~1.5 L).
        public var chamberCompliance = 1.75
        /// mL per mmHg in the manifold and hoses.
        public var manifoldCompliance = 0.05
        /// Free-flow output of the pump (mL/s): a 12 V diaphragm pump, ~6 L/min.
        public var pumpFlow = 100.0
        /// Pressure at which the pump's flow falls to zero (mmHg).
        public var pumpStallPressure = 400.0
        /// One chamber's exhaust valve (mL/s per mmHg).
        public var chamberExhaust = 2.6
        /// The common manifold exhaust valve (mL/s per mmHg).
        public var manifoldExhaust = 8.0
        /// The slow leak of a healthy chamber (mL/s per mmHg).
        public var healthyLeak = 0.004
        /// An injected leak (mL/s per mmHg): enough that 100 mmHg cannot be reached.
        public var faultLeak = 1.0
        /// A hose off: the chamber is open to the air.
        public var hoseOff = 30.0
        /// Standard deviation of sensor noise (mmHg).
        public var sensorNoise = 0.3

        public init() {}
    }

    public var parameters: Parameters
    /// Chamber pressures (mmHg, gauge), index chamber - 1.
    public private(set) var chambers: [Double]
    public private(set) var manifold = 0.0

    public init(installedChambers: Int, parameters: Parameters = Parameters()) {
        self.parameters = parameters
        self.chambers = Array(repeating: 0, count: installedChambers)
    }

    /// Advances the model by `dt` seconds with the effective outputs `state` and the per-chamber
    /// extra leak conductances `leaks` (index chamber - 1).
    public mutating func advance(by dt: Double, state: ActuatorState, leaks: [Double]) {
        let p = parameters
        let group = state.openInlets.chambers.filter { $0 <= chambers.count }
        // Opening a valve equalizes at once: conserve air over the connected volume.
        let groupCompliance = p.manifoldCompliance + Double(group.count) * p.chamberCompliance
        let groupAir = p.manifoldCompliance * manifold + group.reduce(0) { $0 + p.chamberCompliance * chambers[$1 - 1] }
        var groupPressure = groupAir / groupCompliance

        func outflow(_ chamber: Int) -> Double {
            p.healthyLeak + leaks[chamber - 1] + (state.openExhausts.contains(chamber: chamber) ? p.chamberExhaust : 0)
        }
        var k = group.reduce(0) { $0 + outflow($1) } + (state.manifoldExhaustOpen ? p.manifoldExhaust : 0)
        var q0 = 0.0
        if state.pumpOn {
            q0 = p.pumpFlow
            k += p.pumpFlow / p.pumpStallPressure
        }
        groupPressure = PumpPhysics.settle(from: groupPressure, source: q0, conductance: k, compliance: groupCompliance, dt: dt)
        manifold = groupPressure
        for chamber in 1...chambers.count {
            if state.openInlets.contains(chamber: chamber) {
                chambers[chamber - 1] = groupPressure
            } else {
                chambers[chamber - 1] = PumpPhysics.settle(
                    from: chambers[chamber - 1], source: 0, conductance: outflow(chamber),
                    compliance: p.chamberCompliance, dt: dt)
            }
        }
    }

    /// Exact solution of C·dP/dt = q0 − k·P over dt.
    static func settle(from p0: Double, source q0: Double, conductance k: Double, compliance c: Double, dt: Double) -> Double {
        guard k > 0 else { return p0 + q0 * dt / c }
        let final = q0 / k
        return final + (p0 - final) * exp(-k / c * dt)
    }
}

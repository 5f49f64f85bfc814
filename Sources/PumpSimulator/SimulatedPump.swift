import Sequencer
import Synchronization

/// A pump, valves and pressure sensor(s) in software: `PumpHardware` over `PumpPhysics`, for
/// development without boots, the demo, and the sequencer's tests.
///
/// Physics advance on the injected clock: every call first integrates from the previous call
/// to `clock.now` with the outputs then in force, so a test clock drives it deterministically
/// and the real clock makes it run in real time. Sensor noise comes from a seeded generator.
/// Faults can be injected and repaired from any thread at any time.
public final class SimulatedPump: PumpHardware {
    private struct State {
        var physics: PumpPhysics
        var commanded: ActuatorState
        var updatedAt: Duration
        var faults: Set<SimulatedFault> = []
        var random: SeededRandom
        var frozen: PressureSample?
        var lastSample: PressureSample?
        var peak = 0.0
    }

    public let layout: HardwareLayout
    private let time: ClockReader
    private let state: Mutex<State>

    public init(layout: HardwareLayout, parameters: PumpPhysics.Parameters = PumpPhysics.Parameters(),
                seed: UInt64 = 0x5EED, clock: any Clock<Duration> = ContinuousClock()) {
        self.layout = layout
        let time = ClockReader(clock)
        self.time = time
        self.state = Mutex(State(
            physics: PumpPhysics(installedChambers: layout.installedChambers, parameters: parameters),
            commanded: ActuatorState(pumpOn: false, openInlets: []), updatedAt: time.now(),
            random: SeededRandom(seed: seed)))
    }

    // MARK: PumpHardware

    public func drive(_ outputs: ActuatorState) throws(HardwareError) {
        let now = time.now()
        let failing = state.withLock { s in
            advance(&s, to: now)
            s.commanded = outputs
            s.physics.advance(by: 0, state: effective(s), leaks: leaks(s))  // valves equalize at once
            return s.faults.contains(.actuatorFailing)
        }
        if failing { throw HardwareError(.actuator, "simulated output failure") }
    }

    public func readPressure() throws(HardwareError) -> PressureSample {
        let now = time.now()
        let result: PressureSample? = state.withLock { s in
            advance(&s, to: now)
            if s.faults.contains(.sensorFailing) { return nil }
            if let frozen = s.frozen { return frozen }
            let sample = sample(&s)
            s.lastSample = sample
            return sample
        }
        guard let result else { throw HardwareError(.sensor, "simulated sensor timeout") }
        return result
    }

    // MARK: Faults

    public func inject(_ fault: SimulatedFault) {
        let now = time.now()
        state.withLock { s in
            advance(&s, to: now)
            s.faults = s.faults.filter { !$0.conflicts(with: fault) }
            s.faults.insert(fault)
            s.frozen = nil
            if fault == .sensorStuck { s.frozen = s.lastSample ?? sample(&s) }
        }
    }

    public func repair(_ fault: SimulatedFault) {
        let now = time.now()
        state.withLock { s in
            advance(&s, to: now)
            s.faults.remove(fault)
            if fault == .sensorStuck { s.frozen = nil }
        }
    }

    public func repairAll() {
        let now = time.now()
        state.withLock { s in
            advance(&s, to: now)
            s.faults = []
            s.frozen = nil
        }
    }

    public var faults: Set<SimulatedFault> { state.withLock { $0.faults } }

    // MARK: Inspection (true values, not sensor readings)

    /// True chamber pressures now (mmHg), index chamber - 1.
    public var chamberPressures: [Double] { inspect { $0.physics.chambers } }
    public var manifoldPressure: Double { inspect { $0.physics.manifold } }
    /// The highest chamber pressure since the pump was made.
    public var peakChamberPressure: Double { inspect { $0.peak } }
    /// The outputs last commanded.
    public var commanded: ActuatorState { inspect { $0.commanded } }
    /// What the hardware actually does: the commanded outputs with stuck parts applied.
    public var effectiveOutputs: ActuatorState { inspect { effective($0) } }

    // MARK: Internals

    private func inspect<T: Sendable>(_ read: (State) -> T) -> T {
        let now = time.now()
        return state.withLock { s in
            advance(&s, to: now)
            return read(s)
        }
    }

    private func advance(_ s: inout State, to now: Duration) {
        let dt = Double((now - s.updatedAt) / .microseconds(1)) / 1_000_000
        s.updatedAt = now
        s.physics.advance(by: max(dt, 0), state: effective(s), leaks: leaks(s))
        s.peak = max(s.peak, s.physics.chambers.max() ?? 0)
    }

    private func effective(_ s: State) -> ActuatorState {
        var out = s.commanded
        for fault in s.faults {
            switch fault {
            case .pumpRunsOn:
                out.pumpOn = true
            case .inletStuck(let chamber, let open):
                if open { out.openInlets.insert(ChamberSet(chamber: chamber)) } else { out.openInlets.remove(ChamberSet(chamber: chamber)) }
            case .exhaustStuck(let chamber, let open):
                if open { out.openExhausts.insert(ChamberSet(chamber: chamber)) } else { out.openExhausts.remove(ChamberSet(chamber: chamber)) }
            case .manifoldExhaustStuck(let open):
                out.manifoldExhaustOpen = open
            default:
                break
            }
        }
        return out
    }

    private func leaks(_ s: State) -> [Double] {
        var leaks = [Double](repeating: 0, count: layout.installedChambers)
        for fault in s.faults {
            switch fault {
            case .leak(let c) where c <= leaks.count: leaks[c - 1] = s.physics.parameters.faultLeak
            case .hoseOff(let c) where c <= leaks.count: leaks[c - 1] = s.physics.parameters.hoseOff
            default: break
            }
        }
        return leaks
    }

    private func sample(_ s: inout State) -> PressureSample {
        var sigma = s.physics.parameters.sensorNoise
        var forced: Double?
        for fault in s.faults {
            if case .sensorNoisy(let extra) = fault { sigma = (sigma * sigma + extra * extra).squareRoot() }
            if case .sensorOutOfRange(let value) = fault { forced = value }
        }
        func read(_ truth: Double) -> Double { forced ?? truth + s.random.gaussian(sigma: sigma) }
        switch layout.sensing {
        case .none:
            return PressureSample()
        case .manifold:
            return PressureSample(manifold: read(s.physics.manifold))
        case .perChamber:
            return PressureSample(chambers: s.physics.chambers.map { Optional(read($0)) })
        }
    }
}

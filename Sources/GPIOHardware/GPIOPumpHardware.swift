import GPIO
import Sequencer
import Synchronization

/// The boots' pump, valves and pressure sensor on GPIO lines (libgpiod), implementing the
/// sequencer's hardware boundary.
///
/// Fail-safe by construction:
/// - every output is requested already at its level in `ActuatorState.vented(layout)` (pump off,
///   chambers open to the air), pump first, so nothing is ever driven to any other level before
///   the sequencer asks;
/// - `drive` sets every line even when one fails, then throws naming each failure;
/// - `close()` (and `deinit`) vents, then releases every line.
///
/// What released lines do after `close()` or process exit is up to the GPIO driver (gpio-sim
/// returns them to their pull: a vented exhaust line fell back to 0 in the VM). Only the wiring
/// can make "not driven" safe: normally-open exhaust valves (`normally_open = true`) and gate
/// pull-downs on the pump and valve drivers.
///
/// The sensor is sampled on a thread of its own (`PressureSampler`): `readPressure()` returns the
/// latest sample at once instead of waiting for a conversion inside the control tick, and a
/// stale sample or a failed acquisition is a `.sensor` error. Only right after the outputs change
/// does it wait, for the first sample taken wholly under the new outputs.
public final class GPIOPumpHardware: PumpHardware {
    public let layout: HardwareLayout
    public let configuration: GPIOHardwareConfiguration

    private struct DrivenOutput: Sendable {
        let output: ActuatorOutput
        let line: any DigitalOutput
    }
    /// nil once closed.
    private let outputs: Mutex<[DrivenOutput]?>
    /// The outputs last driven and when they last changed (samples older than that are not used).
    private let lastChange: Mutex<(state: ActuatorState, at: Duration)>
    private let sampler: PressureSampler?
    private let clock: any MonotonicClock

    /// Opens the hardware through libgpiod.
    public convenience init(configuration: GPIOHardwareConfiguration) throws(GPIOHardwareStartupError) {
        try self.init(configuration: configuration, lines: LibgpiodLineProvider())
    }

    /// Opens the hardware with lines from `lines` (libgpiod, or an in-memory fake in tests).
    /// Throws, with everything already requested released, if the wiring is invalid or any line
    /// or the sensor cannot be had; the error names the config entry.
    public convenience init(
        configuration: GPIOHardwareConfiguration, lines: any GPIOLineProvider,
        clock: any MonotonicClock = SystemMonotonicClock()
    ) throws(GPIOHardwareStartupError) {
        try self.init(configuration: configuration, lines: lines, clock: clock, startSampling: true)
    }

    /// `startSampling: false` leaves the sampler idle: tests then acquire samples themselves.
    init(
        configuration: GPIOHardwareConfiguration, lines: any GPIOLineProvider,
        clock: any MonotonicClock, startSampling: Bool
    ) throws(GPIOHardwareStartupError) {
        do { try configuration.validate() } catch { throw GPIOHardwareStartupError(error) }
        let layout = configuration.layout
        let safe = ActuatorState.vented(layout)
        var driven: [DrivenOutput] = []
        for output in configuration.outputs {
            do {
                let line = try lines.requestOutput(output.spec, consumer: configuration.consumer, initialValue: output.level(in: safe))
                driven.append(DrivenOutput(output: output, line: line))
            } catch {
                driven.forEach { $0.line.release() }
                throw GPIOHardwareStartupError(entry: output.entry, spec: output.spec, error)
            }
        }
        let sensor: (any PressureSensor)?
        do {
            sensor = try makePressureSensor(configuration.sensor, consumer: configuration.consumer, lines: lines, clock: clock)
        } catch {
            driven.forEach { $0.line.release() }
            throw error
        }
        self.layout = layout
        self.configuration = configuration
        self.outputs = Mutex(driven)
        self.clock = clock
        self.lastChange = Mutex((safe, clock.now()))
        if let sensor, let plan = SamplingPlan.forSensor(configuration.sensor) {
            sampler = PressureSampler(sensor: sensor, clock: clock, plan: plan)
            if startSampling { sampler?.start() }
        } else {
            sampler = nil
        }
    }

    deinit { try? close() }

    public func drive(_ state: ActuatorState) throws(HardwareError) {
        let failures: [String]? = outputs.withLock { outputs -> [String]? in
            guard let outputs else { return nil }
            // Pump off before valves move; pump on only after they have.
            let ordered = state.pumpOn ? outputs.filter { $0.output.role != .pump } + outputs.filter { $0.output.role == .pump }
                                       : outputs
            let failures = ordered.compactMap { driven -> String? in
                do {
                    try driven.line.setValue(driven.output.level(in: state))
                    return nil
                } catch {
                    return "\(driven.output.role) (\(driven.output.entry) = \(driven.output.spec)): \(error)"
                }
            }
            // Stamped after the lines moved: a conversion that began later saw the new outputs.
            let now = clock.now()
            lastChange.withLock { if $0.state != state { $0 = (state, now) } }
            return failures
        }
        guard let failures else { throw HardwareError(.actuator, "the GPIO hardware is closed") }
        if !failures.isEmpty { throw HardwareError(.actuator, failures.joined(separator: "; ")) }
    }

    /// The latest sample, at once; right after an output change, the first sample taken under
    /// the new outputs (see `PressureSampler`).
    public func readPressure() throws(HardwareError) -> PressureSample {
        guard outputs.withLock({ $0 != nil }) else { throw HardwareError(.sensor, "the GPIO hardware is closed") }
        guard let sampler else { return PressureSample() }
        return PressureSample(manifold: try sampler.reading(since: lastChange.withLock { $0.at }))
    }

    /// Takes one sample now, on the calling thread (for tests that do not start the sampler).
    func acquireSample() { sampler?.acquire() }

    /// Vents (pump off, every chamber open to the air), then releases every line. Idempotent.
    /// Throws if a line could not be driven to the safe state; every line is released anyway.
    public func close() throws(HardwareError) {
        var failure: HardwareError?
        do { try drive(.vented(layout)) } catch { failure = error }
        let released = outputs.withLock { outputs in
            defer { outputs = nil }
            outputs?.forEach { $0.line.release() }
            return outputs != nil
        }
        sampler?.stop()
        if released, let failure { throw failure }
    }
}

/// The hardware could not start: which config entry, which line, and why.
public struct GPIOHardwareStartupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The config entry, e.g. "[valves] inlet3".
    public var entry: String
    /// The entry's value, e.g. "gpiochip0:22 active-low", when a line was involved.
    public var spec: GPIOLineSpec?
    /// What went wrong, e.g. `line 'GPIO22' (gpiochip0:22): request as output: Device or resource busy (held by "gpioset")`.
    public var reason: String
    /// The libgpiod error behind it, if any.
    public var gpioError: GPIOError?

    public init(entry: String, spec: GPIOLineSpec?, reason: String, gpioError: GPIOError? = nil) {
        self.entry = entry
        self.spec = spec
        self.reason = reason
        self.gpioError = gpioError
    }

    init(entry: String, spec: GPIOLineSpec, _ error: GPIOError) {
        self.init(entry: entry, spec: spec, reason: error.description, gpioError: error)
    }

    init(_ error: GPIOConfigurationError) {
        self.init(entry: error.entry, spec: nil, reason: error.message)
    }

    public var description: String {
        "\(entry)\(spec.map { " = \($0)" } ?? ""): \(reason)"
    }
}

import Sequencer
import Synchronization

/// How one kind of sensor is sampled off the control loop.
public struct SamplingPlan: Sendable, Equatable {
    /// The least time from the start of one acquisition to the start of the next (zero: back to
    /// back, the sensor paces itself, as the HX710B does by blocking until its next conversion).
    public var interval: Duration
    /// A sample older than this is a sensor failure; so is no usable sample this long after the
    /// outputs changed.
    public var staleAfter: Duration
    /// True when a reading's conversion began as the previous reading ended (the HX710B converts
    /// continuously, so what it reports was integrated before the read); false when the read
    /// itself converts (an IIO `_raw` read), so the conversion began when the read did.
    public var continuousConversions: Bool

    public init(interval: Duration, staleAfter: Duration, continuousConversions: Bool) {
        self.interval = interval
        self.staleAfter = staleAfter
        self.continuousConversions = continuousConversions
    }

    /// The plan for a configured sensor: an HX710B back to back (25 or 100 ms a conversion), stale
    /// after three conversion periods; an IIO channel every 2 ms, stale after its `stale_ms` (100 ms
    /// by default, five control ticks at 50 Hz: an ADC driver that hangs that long is broken, a
    /// scheduling hiccup is not).
    public static func forSensor(_ configuration: SensorConfiguration) -> SamplingPlan? {
        switch configuration {
        case .none:
            return nil
        case .hx710b(let adc):
            let period: Duration = adc.mode == .differential10Hz ? .milliseconds(100) : .milliseconds(25)
            return SamplingPlan(interval: .zero, staleAfter: period * 3, continuousConversions: true)
        case .iio(let channel):
            return SamplingPlan(interval: .milliseconds(2), staleAfter: channel.staleAfter, continuousConversions: false)
        }
    }
}

/// Samples a pressure sensor on a thread of its own, so the control loop never waits for a
/// conversion (an HX710B read blocks up to a conversion period, 25–100 ms, longer than a tick).
///
/// `reading(since:)` answers at once with the latest sample, with two exceptions that keep the
/// sequencer's view honest:
/// - a sample is only used if its conversion began after the outputs last changed: the sequencer
///   judges a sample against the outputs in force while it was taken (a manifold sample from
///   before an inlet opened must never count as the new chamber's pressure). Right after a
///   change, the call therefore waits for the first such sample, at most `staleAfter` after the
///   change (an IIO channel: one sampling interval; an HX710B: up to two conversions);
/// - a sample older than `staleAfter`, or a failed last acquisition, is thrown as a `.sensor`
///   error, so the sequencer's sensor-failure rule fires.
final class PressureSampler: Sendable {
    struct Sample: Sendable, Equatable {
        var millimetresOfMercury: Double
        /// When the conversion behind it began; nil when unknown (the first HX710B reading: the
        /// chip was already converting when sampling started).
        var began: Duration?
        var finished: Duration
    }

    private struct State: Sendable {
        var latest: Sample?
        /// The last acquisition's error, until an acquisition succeeds.
        var failure: HardwareError?
        /// When the previous acquisition ended (for continuous conversions).
        var previousEnd: Duration?
        var stopping = false
    }

    let sensor: any PressureSensor
    let clock: any MonotonicClock
    let plan: SamplingPlan
    private let state = Mutex(State())
    private let thread = Mutex<BackgroundThread?>(nil)
    /// How often a reader waiting for a fresh sample looks again.
    let waitPoll: Duration = .microseconds(250)

    /// A sampler that does not run until `start()` (tests call `acquire()` themselves).
    init(sensor: any PressureSensor, clock: any MonotonicClock, plan: SamplingPlan) {
        self.sensor = sensor
        self.clock = clock
        self.plan = plan
    }

    /// Starts the sampling thread.
    func start() {
        thread.withLock { thread in
            guard thread == nil else { return }
            thread = BackgroundThread { [self] in run() }
        }
    }

    /// One acquisition: reads the sensor (blocking as long as it takes) and records the result.
    func acquire() {
        let started = clock.now()
        let result: Result<Double, HardwareError>
        do throws(HardwareError) { result = .success(try sensor.readMillimetresOfMercury()) } catch { result = .failure(error) }
        let finished = clock.now()
        state.withLock { state in
            let began = plan.continuousConversions ? state.previousEnd : started
            state.previousEnd = finished
            switch result {
            case .success(let value):
                state.latest = Sample(millimetresOfMercury: value, began: began, finished: finished)
                state.failure = nil
            case .failure(let error):
                state.failure = error
                // A failed read leaves the chip's conversion state unknown (reset, timeout).
                if plan.continuousConversions { state.previousEnd = nil }
            }
        }
    }

    /// The latest sample whose conversion began after `change` (the last output change).
    func reading(since change: Duration) throws(HardwareError) -> Double {
        while true {
            let now = clock.now()
            let (latest, failure) = state.withLock { ($0.latest, $0.failure) }
            if let failure { throw failure }
            if let latest, let began = latest.began, began > change {
                let age = now - latest.finished
                guard age <= plan.staleAfter else {
                    throw HardwareError(.sensor, "stale reading: the last sample is \(age) old (limit \(plan.staleAfter)): the sensor stopped answering")
                }
                return latest.millimetresOfMercury
            }
            guard now - change <= plan.staleAfter else {
                throw HardwareError(.sensor, "no reading within \(plan.staleAfter) of the outputs changing: the sensor stopped answering")
            }
            clock.sleep(for: waitPoll)
        }
    }

    /// Stops the thread (waiting for an acquisition in progress, at most the sensor's timeout),
    /// then closes the sensor. Idempotent.
    func stop() {
        state.withLock { $0.stopping = true }
        let running = thread.withLock { thread in
            defer { thread = nil }
            return thread
        }
        running?.join()
        sensor.close()
    }

    private func run() {
        while !state.withLock({ $0.stopping }) {
            let started = clock.now()
            acquire()
            let next = started + plan.interval
            let now = clock.now()
            if next > now { clock.sleep(for: next - now) }
        }
    }
}

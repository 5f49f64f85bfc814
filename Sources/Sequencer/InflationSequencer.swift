import Synchronization

/// The inflation sequencer as the daemon runs it: owns a `SequencerCore`, the pump hardware and
/// the fixed-rate control loop on an injected clock.
///
/// Concurrency: one mutex guards the core *and* the hardware, so a tick (read → step → drive)
/// and a command (which may vent at once) never interleave. Commands are synchronous and cheap,
/// callable from any thread (a D-Bus callback, a button handler). Observers are called outside
/// the lock.
///
/// Every path out vents: construction drives `.vented` before anything else, `run()` vents
/// when cancelled, `shutDown()` vents, and every fault vents within the tick that sees it.
public final class InflationSequencer: Sendable {
    /// One tick of the loop, for watchdogs and benchmarks: offsets on the sequencer's clock.
    public struct TickReport: Sendable {
        public var scheduled: Duration
        public var started: Duration
        public var finished: Duration
    }

    private struct State {
        var core: SequencerCore
        var observers: [Int: AsyncStream<SequencerSnapshot>.Continuation] = [:]
        var nextObserver = 0
    }

    public let hardware: any PumpHardware
    public let config: SequencerConfig
    public let layout: HardwareLayout
    private let time: ClockReader
    private let state: Mutex<State>

    /// Vents the hardware at once (a failed vent latches `actuatorFailure`).
    public init(hardware: any PumpHardware, config: SequencerConfig = SequencerConfig(),
                clock: any Clock<Duration> = ContinuousClock()) throws(ConfigurationError) {
        var core = try SequencerCore(layout: hardware.layout, config: config)
        let time = ClockReader(clock)
        do {
            try hardware.drive(.vented(hardware.layout))
        } catch {
            core.actuatorFailed(error, at: time.now())
        }
        self.hardware = hardware
        self.config = config
        self.layout = hardware.layout
        self.time = time
        self.state = Mutex(State(core: core))
    }

    // MARK: Live state

    /// The live state now.
    public var snapshot: SequencerSnapshot {
        let now = time.now()
        return state.withLock { $0.core.snapshot(at: now) }
    }

    /// Live state after every tick and every command, newest only (a slow reader skips
    /// snapshots, never falls behind). Starts with the current snapshot.
    public func snapshots() -> AsyncStream<SequencerSnapshot> {
        snapshots(bufferingPolicy: .bufferingNewest(1))
    }

    /// The same with another buffering policy (tests count every snapshot published).
    func snapshots(bufferingPolicy: AsyncStream<SequencerSnapshot>.Continuation.BufferingPolicy)
        -> AsyncStream<SequencerSnapshot>
    {
        let (stream, continuation) = AsyncStream.makeStream(of: SequencerSnapshot.self, bufferingPolicy: bufferingPolicy)
        let now = time.now()
        state.withLock { s in
            s.observers[s.nextObserver] = continuation
            s.nextObserver += 1
            continuation.yield(s.core.snapshot(at: now))
        }
        // No `onTermination` that takes `state`: it runs inside the Swift runtime's lock of the
        // cancelled reader task, while `publish` yields (and so resumes that reader, which takes
        // the same runtime lock) with `state` held — the two threads would deadlock (seen in the
        // VM: SIGTERM cancelled the status reporter during a tick, and pressod never exited).
        // `publish` drops a finished stream at its next yield instead.
        return stream
    }

    // MARK: Commands

    public func start() throws(CommandError) {
        try command { (core, now) throws(CommandError) in try core.start(at: now) }
    }

    /// Vents and freezes the timer.
    public func pause() throws(CommandError) {
        try command { (core, now) throws(CommandError) in try core.pause(at: now) }
    }

    public func resume() throws(CommandError) {
        try command { (core, now) throws(CommandError) in try core.resume(at: now) }
    }

    public func stop() throws(CommandError) {
        try command { (core, now) throws(CommandError) in try core.stop(at: now) }
    }

    /// Vents at once and latches `FaultCode.emergencyStop`. Always accepted.
    public func emergencyStop() {
        command { (core, now) throws(Never) in core.emergencyStop(at: now) }
    }

    public func clearFault() throws(CommandError) {
        try command { (core, now) throws(CommandError) in try core.clearFault(at: now) }
    }

    /// Validates and applies a parameter write (safe boundaries: see `SequencerCore`). A write
    /// that leaves the live state as it was (the value already in force) publishes nothing: each
    /// snapshot published wakes every observer, and a phone may repeat a write many times.
    public func update(_ change: SettingsChange) throws(SettingsError) {
        let now = time.now()
        try state.withLock { (s: inout State) throws(SettingsError) in
            let before = s.core.snapshot(at: now)
            try s.core.update(change, at: now)
            let after = s.core.snapshot(at: now)
            if after != before { publish(after, to: &s) }
        }
    }

    // MARK: The loop

    /// One control step now: read the sensor, step the core, drive the outputs.
    public func tick() {
        let now = time.now()
        state.withLock { s in
            let sample: Result<PressureSample, HardwareError>
            if layout.sensing == .none {
                sample = .success(PressureSample())
            } else {
                do throws(HardwareError) { sample = .success(try hardware.readPressure()) } catch { sample = .failure(error) }
            }
            let output = s.core.tick(now: now, sample: sample)
            drive(output, &s.core, at: now)
            // Snapshots are built only when someone listens: the loop stays cheap otherwise.
            if !s.observers.isEmpty { publish(s.core.snapshot(at: now), to: &s) }
        }
    }

    /// Runs the control loop at `config.tickRate` until the task is cancelled, then vents.
    /// A late tick is not made up for with a burst: the schedule restarts from now (and the core
    /// faults `loopStalled` if the gap exceeded `maxTickGap`).
    public func run(onTick: (@Sendable (TickReport) -> Void)? = nil) async {
        let period = config.tickPeriod
        var scheduled = time.now()
        while !Task.isCancelled {
            let started = time.now()
            tick()
            onTick?(TickReport(scheduled: scheduled, started: started, finished: time.now()))
            scheduled += period
            let now = time.now()
            if scheduled < now { scheduled = now }
            do { try await time.sleep(scheduled) } catch { break }
        }
        shutDown()
    }

    /// Ends any session and vents: for SIGTERM, fatal errors and every other way out.
    public func shutDown() {
        let now = time.now()
        state.withLock { s in
            if s.core.isRunning || s.core.phase == .paused { try? s.core.stop(at: now) }
            drive(.vented(layout), &s.core, at: now)
            publish(s.core.snapshot(at: now), to: &s)
        }
    }

    // MARK: Internals

    private func command<E: Error>(_ body: (inout SequencerCore, Duration) throws(E) -> Void) throws(E) {
        let now = time.now()
        try state.withLock { (s: inout State) throws(E) in
            let before = s.core.output
            try body(&s.core, now)
            if s.core.output != before { drive(s.core.output, &s.core, at: now) }
            publish(s.core.snapshot(at: now), to: &s)
        }
    }

    /// Drives the outputs; on failure latches `actuatorFailure` and vents best-effort.
    private func drive(_ output: ActuatorState, _ core: inout SequencerCore, at now: Duration) {
        do {
            try hardware.drive(output)
        } catch {
            core.actuatorFailed(error, at: now)
            try? hardware.drive(.vented(layout))
        }
    }

    /// Hands a snapshot to every observer. Called with the state locked, so observers get
    /// snapshots in the order the state changed: yielded after the lock, a tick's snapshot could
    /// overtake a command's newer one (seen on a slow VM: Live State notified idle → venting →
    /// idle again after a Start), and a stale snapshot could be the last one a reader keeps.
    /// `yield` only buffers (and schedules a waiting reader); it never calls back into here.
    /// A reader that has gone (its stream finished or its task cancelled) is forgotten here.
    private func publish(_ snapshot: SequencerSnapshot, to s: inout State) {
        var gone: [Int] = []
        for (id, observer) in s.observers {
            if case .terminated = observer.yield(snapshot) { gone.append(id) }
        }
        for id in gone { s.observers.removeValue(forKey: id) }
    }

    /// Readers of `snapshots()` not yet known to have gone (for tests).
    var observerCount: Int { state.withLock { $0.observers.count } }
}

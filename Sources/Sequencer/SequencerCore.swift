/// The inflation sequencer's logic, with no clock, no thread and no hardware: a value stepped
/// once per control tick with the time and the sensor sample, returning the outputs to drive.
/// Every command and every tick is a pure state change, so it can be tested exhaustively.
///
/// Times are offsets (`Duration`) on the caller's clock. The runtime (`InflationSequencer`)
/// owns the clock, the hardware and the loop.
///
/// Safe boundaries for parameter changes (see `update(_:at:)`):
/// - duration: at once (it only moves the end of the session);
/// - pressure, active chambers, program: at the start of the next cycle, or on resume, when
///   every chamber has been vented; immediately when no session runs.
public struct SequencerCore: Sendable {
    public let layout: HardwareLayout
    public let config: SequencerConfig
    /// The settings of the current cycle (or of the next session, when idle).
    public private(set) var settings: SessionSettings
    /// A validated change waiting for the next cycle start.
    public private(set) var pending: SessionSettings?
    public private(set) var phase: SessionPhase = .idle
    public private(set) var fault: Fault?
    /// The current cycle (1-based); 0 before the first.
    public private(set) var cycle = 0
    /// The chamber being inflated.
    public private(set) var activeChamber: Int?
    /// The outputs commanded at the last tick or command.
    public private(set) var output: ActuatorState
    public private(set) var timer: SessionTimer

    private var phaseStart: Duration = .zero
    /// Chambers inflated this cycle and sealed at their target.
    private var full: ChamberSet = []
    /// This cycle's targets, by chamber - 1.
    private var targets = [Double](repeating: 0, count: ChamberSet.maxChambers)
    private var measured = [Double?](repeating: nil, count: ChamberSet.maxChambers)
    /// When the open inlets last changed, and which of them opened then: until a valve can have
    /// opened (`inletSettle`) the manifold still holds the previous chamber's air, so its reading
    /// is not that chamber's (neither for "full" nor for what Live State reports).
    private var inletsChangedAt: Duration = .zero
    private var justOpened: ChamberSet = []
    private var monitor: SafetyMonitor
    private var lastTick: Duration?
    private var lastTickRunning = false
    /// Set by pause: the interrupted cycle is run again from chamber 1 on resume.
    private var redoCycle = false

    /// Starts idle with every chamber vented (`output` is `.vented(layout)`).
    public init(layout: HardwareLayout, config: SequencerConfig = SequencerConfig()) throws(ConfigurationError) {
        try config.validate()
        self.layout = layout
        self.config = config
        self.settings = .defaults(for: layout)
        self.output = .vented(layout)
        self.timer = SessionTimer(duration: settings.duration)
        self.monitor = SafetyMonitor(layout: layout, config: config)
    }

    public var isOpenLoop: Bool { layout.sensing == .none }

    /// A session is running and may inflate (not idle, paused or faulted).
    public var isRunning: Bool {
        switch phase {
        case .venting, .inflating, .holding, .releasing, .resting: true
        case .idle, .paused, .faulted: false
        }
    }

    // MARK: Commands

    public mutating func start(at now: Duration) throws(CommandError) {
        if let fault { throw .faultLatched(fault.code) }
        guard phase == .idle else { throw .alreadyRunning }
        if let pending { settings = pending }
        pending = nil
        timer = SessionTimer(duration: settings.duration)
        timer.start(at: now)
        cycle = 0
        redoCycle = false
        enter(.venting, at: now)
    }

    /// Vents everything and freezes the timer.
    public mutating func pause(at now: Duration) throws(CommandError) {
        if let fault { throw .faultLatched(fault.code) }
        guard isRunning else { throw .notRunning }
        timer.pause(at: now)
        redoCycle = true
        enter(.paused, at: now)
    }

    /// Vents (for `startupVent`), then runs the interrupted cycle again from chamber 1.
    public mutating func resume(at now: Duration) throws(CommandError) {
        if let fault { throw .faultLatched(fault.code) }
        guard phase == .paused else { throw .notPaused }
        timer.resume(at: now)
        enter(.venting, at: now)
    }

    /// Ends the session: vents, idle.
    public mutating func stop(at now: Duration) throws(CommandError) {
        if let fault { throw .faultLatched(fault.code) }
        guard isRunning || phase == .paused else { throw .notRunning }
        timer.stop(at: now)
        enter(.idle, at: now)
    }

    /// Vents at once and latches `FaultCode.emergencyStop` (unless a fault is already latched).
    /// Always accepted.
    public mutating func emergencyStop(at now: Duration) {
        latch(Fault(code: .emergencyStop, at: now), at: now)
    }

    /// Unlatches the fault; the sequencer becomes idle (the session that faulted is over).
    public mutating func clearFault(at now: Duration) throws(CommandError) {
        guard fault != nil else { throw .noFaultLatched }
        fault = nil
        monitor.reset()
        enter(.idle, at: now)
    }

    /// A pump or valve output failed: latch and vent (the runtime then drives `.vented` best-effort).
    public mutating func actuatorFailed(_ error: HardwareError, at now: Duration) {
        latch(Fault(code: .actuatorFailure, at: now, detail: error.message), at: now)
    }

    /// Validates a parameter write against everything else in force and applies it at its safe
    /// boundary (type doc). An invalid write throws and changes nothing.
    public mutating func update(_ change: SettingsChange, at now: Duration) throws(SettingsError) {
        let sessionActive = isRunning || phase == .paused
        let candidate = change.applied(to: pending ?? settings)
        try candidate.validate(layout: layout, config: config)
        if case .duration(let duration) = change {
            if sessionActive {
                let elapsed = timer.elapsed(at: now)
                guard duration > elapsed else { throw .durationNotAfterElapsed(elapsed: elapsed) }
                timer.duration = duration
            } else {
                timer = SessionTimer(duration: duration)
            }
            settings.duration = duration
            pending?.duration = duration
            if pending == settings { pending = nil }
            return
        }
        if sessionActive {
            pending = candidate == settings ? nil : candidate
        } else {
            settings = candidate
            pending = nil
        }
    }

    // MARK: The control tick

    /// One control step: applies the safety rules to `sample` (taken while the previous
    /// outputs were in force), advances the cycle and returns the outputs to drive now.
    public mutating func tick(now: Duration, sample: Result<PressureSample, HardwareError>) -> ActuatorState {
        defer {
            lastTick = now
            lastTickRunning = isRunning
        }
        if fault == nil, lastTickRunning, let last = lastTick, now - last > config.maxTickGap {
            latch(Fault(code: .loopStalled, at: now, detail: "\(now - last) between ticks"), at: now)
        }
        guard fault == nil else { return vent(at: now) }
        if !isOpenLoop {
            switch sample {
            case .failure(let error):
                latch(Fault(code: .sensorFailure, at: now, detail: error.message), at: now)
                return output
            case .success(let s):
                if let broken = monitor.check(s, safetyContext(now)) {
                    latch(broken, at: now)
                    return output
                }
                record(s, at: now)
            }
        }
        if isRunning && timer.isExpired(at: now) {
            timer.stop(at: now)
            enter(.idle, at: now)
            return output
        }
        if let broken = advance(now: now, sample: try? sample.get()) {
            latch(broken, at: now)
            return output
        }
        let next = outputsForPhase()
        if let broken = SafetyMonitor.interlock(next, at: now) {
            latch(broken, at: now)
            return output
        }
        setOutput(next, at: now)
        return output
    }

    // MARK: Snapshot

    public func snapshot(at now: Duration) -> SequencerSnapshot {
        let chambers = layout.installed.chambers.map { chamber in
            ChamberStatus(chamber: chamber, active: settings.activeChambers.contains(chamber: chamber),
                          target: targets[chamber - 1], measured: measured[chamber - 1],
                          full: full.contains(chamber: chamber))
        }
        return SequencerSnapshot(
            phase: phase, activeChamber: phase == .inflating ? activeChamber : nil, chambers: chambers,
            cycle: cycle, elapsed: timer.elapsed(at: now), remaining: timer.remaining(at: now),
            settings: settings, pendingSettings: pending, openLoop: isOpenLoop, fault: fault,
            output: output, time: now)
    }

    // MARK: Internals

    private mutating func enter(_ next: SessionPhase, at now: Duration) {
        phase = next
        phaseStart = now
        if next != .inflating && next != .holding {
            activeChamber = nil
            full = []
        }
        if next == .idle || next == .paused || next == .faulted { targets = targets.map { _ in 0 } }
        setOutput(outputsForPhase(), at: now)
    }

    private mutating func vent(at now: Duration) -> ActuatorState {
        setOutput(.vented(layout), at: now)
        return output
    }

    private mutating func setOutput(_ next: ActuatorState, at now: Duration) {
        if next.openInlets != output.openInlets {
            justOpened = ChamberSet(rawValue: next.openInlets.rawValue & ~output.openInlets.rawValue)
            inletsChangedAt = now
        }
        output = next
    }

    private mutating func latch(_ broken: Fault, at now: Duration) {
        if fault == nil { fault = broken }
        timer.stop(at: now)
        monitor.reset()
        enter(.faulted, at: now)
    }

    private mutating func beginCycle(at now: Duration) {
        if let pending { settings = pending }
        pending = nil
        if !(redoCycle && cycle > 0) { cycle += 1 }
        redoCycle = false
        targets = settings.program.targets(pressure: settings.pressure, active: settings.activeChambers, cycle: cycle)
        enter(.inflating, at: now)
        activeChamber = settings.activeChambers.chambers.first
    }

    /// Moves through the cycle; zero-length phases chain within one tick. Returns a broken rule.
    private mutating func advance(now: Duration, sample: PressureSample?) -> Fault? {
        let program = settings.program
        for _ in 0..<8 {
            let inPhase = now - phaseStart
            switch phase {
            case .venting:
                guard inPhase >= config.startupVent else { return nil }
                beginCycle(at: now)
                return nil
            case .inflating:
                guard let chamber = activeChamber else { return nil }
                if reached(chamber, sample: sample, inPhase: inPhase) {
                    full = ChamberSet(rawValue: full.rawValue | ChamberSet(chamber: chamber).rawValue)
                    if let next = settings.activeChambers.chambers.first(where: { $0 > chamber }) {
                        activeChamber = next
                        phaseStart = now
                    } else {
                        enter(.holding, at: now)
                    }
                    return nil
                }
                if !isOpenLoop && inPhase > config.fillTimeout {
                    return Fault(code: .fillTimeout, chamber: chamber, at: now,
                                 detail: "not at \(targets[chamber - 1]) mmHg after \(inPhase)")
                }
                return nil
            case .holding:
                guard inPhase >= program.hold else { return nil }
                enter(.releasing, at: now)
            case .releasing:
                guard inPhase >= program.release else { return nil }
                enter(.resting, at: now)
            case .resting:
                guard inPhase >= program.rest else { return nil }
                beginCycle(at: now)
                return nil
            case .idle, .paused, .faulted:
                return nil
            }
        }
        return nil
    }

    private func reached(_ chamber: Int, sample: PressureSample?, inPhase: Duration) -> Bool {
        let target = targets[chamber - 1]
        if isOpenLoop {
            let fill = Duration.seconds(target / config.openLoopFillRate)
            return inPhase >= fill
        }
        guard let sample else { return false }
        let reading: Double?
        switch layout.sensing {
        case .perChamber:
            reading = chamber <= sample.chambers.count ? sample.chambers[chamber - 1] : nil
        case .manifold:
            // The manifold reads this chamber only once its inlet has been open for a tick, and
            // long enough for the valve to have opened (`inletSettle`).
            reading = output.openInlets.contains(chamber: chamber) && inPhase >= config.inletSettle ? sample.manifold : nil
        case .none:
            reading = nil
        }
        guard let reading else { return false }
        return reading >= target - config.targetTolerance
    }

    private func outputsForPhase() -> ActuatorState {
        switch phase {
        case .inflating:
            guard let chamber = activeChamber else { return .vented(layout) }
            let inlet = ChamberSet(chamber: chamber)
            switch layout.exhaust {
            case .perChamber:
                return ActuatorState(pumpOn: true, openInlets: inlet,
                                     openExhausts: ChamberSet(rawValue: layout.installed.rawValue & ~full.rawValue & ~inlet.rawValue))
            case .commonManifold:
                return ActuatorState(pumpOn: true, openInlets: inlet)
            }
        case .holding:
            switch layout.exhaust {
            case .perChamber:
                return ActuatorState(pumpOn: false, openInlets: [], openExhausts: ChamberSet(rawValue: layout.installed.rawValue & ~full.rawValue))
            case .commonManifold:
                return ActuatorState(pumpOn: false, openInlets: [])
            }
        case .idle, .venting, .releasing, .resting, .paused, .faulted:
            return .vented(layout)
        }
    }

    private func safetyContext(_ now: Duration) -> SafetyMonitor.Context {
        var limits = [Double?](repeating: nil, count: ChamberSet.maxChambers)
        var guarded = full
        if phase == .inflating, let chamber = activeChamber { guarded.insert(ChamberSet(chamber: chamber)) }
        if phase == .inflating || phase == .holding {
            for chamber in guarded.chambers { limits[chamber - 1] = targets[chamber - 1] + config.overPressureMargin }
        }
        return SafetyMonitor.Context(
            now: now, output: output, inflating: phase == .inflating ? activeChamber : nil,
            releasing: phase == .releasing, limits: limits)
    }

    private mutating func record(_ sample: PressureSample, at now: Duration) {
        for chamber in layout.installed.chambers {
            let i = chamber - 1
            switch layout.sensing {
            case .perChamber:
                measured[i] = i < sample.chambers.count ? sample.chambers[i] : nil
            case .manifold:
                if output.openInlets.contains(chamber: chamber) {
                    // Found on gpio-sim under load: the first reading after chamber 3's inlet
                    // opened was chamber 2's 60 mmHg, and Live State told the phone chamber 3
                    // was at 60. Until the valve can have opened the chamber's reading is unknown.
                    if !justOpened.contains(chamber: chamber) || now - inletsChangedAt >= config.inletSettle {
                        measured[i] = sample.manifold
                    }
                } else if !(full.contains(chamber: chamber) && (phase == .inflating || phase == .holding)) {
                    measured[i] = nil
                }
            case .none:
                measured[i] = nil
            }
        }
    }
}

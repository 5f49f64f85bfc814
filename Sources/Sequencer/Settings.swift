/// Fixed for the life of a sequencer: the hardware's limits and the safety rules' thresholds.
/// Set from the daemon's configuration file, never from Bluetooth.
public struct SequencerConfig: Sendable, Equatable {
    /// The hard pressure cap (mmHg). Targets above it are rejected; readings above it fault.
    public var pressureCap: Int = 200
    /// Over-pressure: a chamber being inflated or held reading above target + margin faults.
    public var overPressureMargin: Double = 15
    /// A chamber counts as full when its reading is within this of its target.
    public var targetTolerance: Double = 0.5
    /// With a manifold sensor, a chamber's reading counts towards "full" only once its inlet has
    /// been open this long: solenoid valves take 10–50 ms to open, and until then the manifold
    /// (sealed, still at the previous chamber's pressure) reads the previous chamber, not this
    /// one. Found on gpio-sim (Tests/Real/scenarios/30-gpio-hil.sh): a chamber was taken as full
    /// 30 ms after its inlet opened. The safety rules judge every reading regardless, except that
    /// the manifold's slew is not judged for this long after the open inlets change (it jumps
    /// when a valve connects it to another chamber, whenever the valve gets there).
    public var inletSettle: Duration = .milliseconds(100)
    /// A chamber that is not full after this long faults (`FaultCode.fillTimeout`).
    public var fillTimeout: Duration = .seconds(20)
    /// How long everything vents at session start and on resume before the first inflation.
    public var startupVent: Duration = .seconds(2)
    /// Control loop rate (Hz).
    public var tickRate: Int = 50
    /// Open-loop mode (no sensor): a chamber is filled for target / this rate (mmHg/s). Set it
    /// to no more than the real fill rate of the boots, so open loop under-fills, never over-fills.
    public var openLoopFillRate: Double = 50
    /// Readings outside this range (mmHg) are implausible: sensor unplugged or broken.
    public var sensorRange: ClosedRange<Double> = -20...320
    /// A reading frozen (within `stuckTolerance`) this long while it must change faults.
    public var stuckWindow: Duration = .milliseconds(300)
    public var stuckTolerance: Double = 0.05
    /// Readings changing faster than this (mmHg/s) are implausible: air does not move that fast.
    /// Generous: a chamber equalizing through a valve stuck open drops ~50 mmHg in one tick.
    public var maxSlewRate: Double = 3000
    /// Sensor noise allowed on top of the slew rate (mmHg): two ticks close together (after a
    /// late one) differ by noise alone, which divided by a tiny interval looks like a huge rate.
    public var slewNoiseAllowance: Double = 5
    /// Ticks further apart than this fault (`FaultCode.loopStalled`) while a session runs.
    public var maxTickGap: Duration = .milliseconds(500)
    /// The shortest session accepted. Product rule: 1 minute; a demo may lower it to 10 s.
    public var minimumDuration: Duration = .seconds(60)

    public init() {}

    /// No configuration may raise the cap above this (mmHg).
    public static let absoluteCap = 250
    /// Sessions never last longer than this.
    public static let maximumDuration: Duration = .seconds(60 * 60)
    public static let tickRateRange = 1...1000

    public var tickPeriod: Duration { .seconds(1) / tickRate }
    public var durationRange: ClosedRange<Duration> { minimumDuration...SequencerConfig.maximumDuration }

    /// Checks the configuration once, at wiring time.
    public func validate() throws(ConfigurationError) {
        guard (SessionSettings.pressureRange.lowerBound...SequencerConfig.absoluteCap).contains(pressureCap) else {
            throw .pressureCapOutOfRange(pressureCap)
        }
        guard SequencerConfig.tickRateRange.contains(tickRate) else { throw .tickRateOutOfRange(tickRate) }
        guard overPressureMargin > 0, targetTolerance >= 0, openLoopFillRate > 0, maxSlewRate > 0, slewNoiseAllowance >= 0,
            fillTimeout > .zero, stuckWindow > .zero, maxTickGap > tickPeriod, inletSettle >= .zero, inletSettle < fillTimeout
        else { throw .thresholdOutOfRange }
        guard (.seconds(10)...SequencerConfig.maximumDuration).contains(minimumDuration) else {
            throw .minimumDurationOutOfRange
        }
    }
}

public enum ConfigurationError: Error, Sendable, Equatable {
    case pressureCapOutOfRange(Int)
    case tickRateOutOfRange(Int)
    case thresholdOutOfRange
    case minimumDurationOutOfRange
}

/// What the user chooses for a session. Every write is validated as a whole against the
/// layout and the configuration before anything changes.
public struct SessionSettings: Sendable, Equatable {
    /// The set pressure (mmHg) of chamber 1; the program derives the other chambers' targets.
    public var pressure: Int
    public var activeChambers: ChamberSet
    public var program: Program
    public var duration: Duration

    public init(pressure: Int = 60, activeChambers: ChamberSet, program: Program = .sequentialWave,
                duration: Duration = .seconds(20 * 60)) {
        self.pressure = pressure
        self.activeChambers = activeChambers
        self.program = program
        self.duration = duration
    }

    /// Defaults for a layout: 60 mmHg, every installed chamber, sequential wave, 20 minutes.
    public static func defaults(for layout: HardwareLayout) -> SessionSettings {
        SessionSettings(activeChambers: layout.installed)
    }

    public static let pressureRange = 20...250

    public func validate(layout: HardwareLayout, config: SequencerConfig) throws(SettingsError) {
        guard SessionSettings.pressureRange.contains(pressure) else { throw .pressureOutOfRange(pressure) }
        guard pressure <= config.pressureCap else { throw .aboveCap(target: pressure, cap: config.pressureCap) }
        guard !activeChambers.isEmpty else { throw .noActiveChambers }
        if let stray = activeChambers.subtracting(layout.installed).chambers.first {
            throw .chamberNotInstalled(stray)
        }
        guard config.durationRange.contains(duration) else { throw .durationOutOfRange(duration) }
        guard Program.holdRange.contains(program.hold) else { throw .holdOutOfRange(program.hold) }
        guard Program.releaseRange.contains(program.release) else { throw .releaseOutOfRange(program.release) }
        guard Program.restRange.contains(program.rest) else { throw .restOutOfRange(program.rest) }
        if let warmUp = program.warmUp {
            guard WarmUp.cycleRange.contains(warmUp.cycles), WarmUp.startPercentRange.contains(warmUp.startPercent)
            else { throw .warmUpOutOfRange }
        }
        switch program.kind {
        case .sequentialWave:
            break
        case .gradient(let step):
            guard Program.gradientStepRange.contains(step) else { throw .gradientStepOutOfRange(step) }
        case .zoneBoost(let zones, let boost):
            guard Program.zoneBoostRange.contains(boost) else { throw .zoneBoostOutOfRange(boost) }
            guard !zones.isEmpty else { throw .noZones }
            if let stray = zones.subtracting(layout.installed).chambers.first { throw .chamberNotInstalled(stray) }
        }
        let peak = Int(program.peakTarget(pressure: pressure, active: activeChambers).rounded(.up))
        guard peak <= config.pressureCap else { throw .aboveCap(target: peak, cap: config.pressureCap) }
    }
}

/// One parameter write, as the control point or a characteristic delivers it.
public enum SettingsChange: Sendable, Equatable {
    case pressure(Int)
    case activeChambers(ChamberSet)
    case program(Program)
    /// Extends or shortens the session; while running it must stay after the time already elapsed.
    case duration(Duration)

    func applied(to settings: SessionSettings) -> SessionSettings {
        var s = settings
        switch self {
        case .pressure(let p): s.pressure = p
        case .activeChambers(let c): s.activeChambers = c
        case .program(let p): s.program = p
        case .duration(let d): s.duration = d
        }
        return s
    }
}

/// Why a parameter write was rejected. A rejected write changes nothing.
public enum SettingsError: Error, Sendable, Equatable {
    case pressureOutOfRange(Int)
    /// The target (set pressure, or a chamber's derived target) is above the hard cap; never clamped.
    case aboveCap(target: Int, cap: Int)
    case noActiveChambers
    case chamberNotInstalled(Int)
    case durationOutOfRange(Duration)
    /// Shortening a running session to or below the time it has already run.
    case durationNotAfterElapsed(elapsed: Duration)
    case holdOutOfRange(Duration)
    case releaseOutOfRange(Duration)
    case restOutOfRange(Duration)
    case warmUpOutOfRange
    case gradientStepOutOfRange(Int)
    case zoneBoostOutOfRange(Int)
    case noZones
}

/// Why a command (start, pause, …) was refused in the current state. Refusals change nothing.
public enum CommandError: Error, Sendable, Equatable {
    /// A fault is latched; `clearFault()` first.
    case faultLatched(FaultCode)
    case alreadyRunning
    case notRunning
    case notPaused
    case noFaultLatched
}

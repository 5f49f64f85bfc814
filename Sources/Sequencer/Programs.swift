/// The shape of the wave: which pressure each chamber is inflated to.
public enum ProgramKind: Sendable, Equatable {
    /// Every active chamber to the set pressure, one after another from the feet up.
    case sequentialWave
    /// Chamber 1 at the set pressure, each next chamber `stepPercent` % below the one before it
    /// (by position on the limb, so a disabled chamber still counts as a step): distal highest.
    case gradient(stepPercent: Int)
    /// The set pressure everywhere, plus `boost` mmHg on the chosen chambers (Normatec's Zone Boost).
    case zoneBoost(zones: ChamberSet, boost: Int = 10)
}

/// A warm-up ramp: the first `cycles` cycles run below target, rising evenly from
/// `startPercent` % of every target towards 100 %, which the cycle after the ramp reaches.
public struct WarmUp: Sendable, Equatable {
    public var cycles: Int
    public var startPercent: Int

    public init(cycles: Int = 3, startPercent: Int = 50) {
        self.cycles = cycles
        self.startPercent = startPercent
    }

    public static let cycleRange = 1...10
    public static let startPercentRange = 20...95

    /// The fraction of the target used in `cycle` (1-based).
    public func fraction(cycle: Int) -> Double {
        guard cycle <= cycles else { return 1 }
        let start = Double(startPercent) / 100
        return start + (1 - start) * Double(max(cycle, 1) - 1) / Double(cycles)
    }
}

/// A treatment program: the wave's shape, its timing, and an optional warm-up.
/// One cycle is: inflate each active chamber in turn (feet first) and keep it full, hold them
/// all for `hold`, vent them all for `release`, stay vented for `rest`.
public struct Program: Sendable, Equatable {
    public var kind: ProgramKind
    public var hold: Duration
    public var release: Duration
    public var rest: Duration
    public var warmUp: WarmUp?

    public init(
        kind: ProgramKind = .sequentialWave, hold: Duration = .seconds(10), release: Duration = .seconds(8),
        rest: Duration = .seconds(4), warmUp: WarmUp? = nil
    ) {
        self.kind = kind
        self.hold = hold
        self.release = release
        self.rest = rest
        self.warmUp = warmUp
    }

    public static let sequentialWave = Program()

    public static let holdRange: ClosedRange<Duration> = .zero ... .seconds(120)
    /// Venting takes time: a release shorter than a second would leave air in the chambers.
    public static let releaseRange: ClosedRange<Duration> = .seconds(1) ... .seconds(120)
    public static let restRange: ClosedRange<Duration> = .zero ... .seconds(300)
    public static let gradientStepRange = 1...30
    public static let zoneBoostRange = 1...30

    /// The pressure (mmHg) each chamber is inflated to in `cycle` (1-based), indexed by
    /// chamber - 1, `ChamberSet.maxChambers` entries; 0 for chambers that are not active.
    public func targets(pressure: Int, active: ChamberSet, cycle: Int) -> [Double] {
        let fraction = warmUp?.fraction(cycle: cycle) ?? 1
        return (1...ChamberSet.maxChambers).map { chamber in
            guard active.contains(chamber: chamber) else { return 0 }
            return fraction * fullTarget(pressure: pressure, chamber: chamber)
        }
    }

    /// The highest pressure any chamber is asked for once the warm-up is over.
    public func peakTarget(pressure: Int, active: ChamberSet) -> Double {
        active.chambers.map { fullTarget(pressure: pressure, chamber: $0) }.max() ?? 0
    }

    private func fullTarget(pressure: Int, chamber: Int) -> Double {
        switch kind {
        case .sequentialWave:
            return Double(pressure)
        case .gradient(let step):
            var target = Double(pressure)
            for _ in 1..<chamber { target *= 1 - Double(step) / 100 }
            return target
        case .zoneBoost(let zones, let boost):
            return Double(pressure + (zones.contains(chamber: chamber) ? boost : 0))
        }
    }
}

import BootsControlAPI
import DBus
import Sequencer

/// The sequencer's refusals as D-Bus errors: a name a program can switch on and a message that
/// names the rule, with the limits of these boots (their chambers, their pressure cap).
public struct Refusals: Sendable {
    public let layout: HardwareLayout
    public let config: SequencerConfig

    public init(layout: HardwareLayout, config: SequencerConfig) {
        self.layout = layout
        self.config = config
    }

    /// Every settings refusal is `InvalidValue`.
    public func error(_ refusal: SettingsError) -> DBusError {
        .invalidValue(message(refusal))
    }

    public func message(_ refusal: SettingsError) -> String {
        switch refusal {
        case .pressureOutOfRange(let p):
            let range = SessionSettings.pressureRange
            return "pressure \(p) mmHg is out of range: the set pressure must be \(range.lowerBound)–\(min(range.upperBound, config.pressureCap)) mmHg"
        case .aboveCap(let target, let cap):
            return "a chamber's target would be \(target) mmHg, above these boots' pressure cap of \(cap) mmHg"
        case .noActiveChambers:
            return "no chamber selected: at least one chamber must take part in the wave"
        case .chamberNotInstalled(let chamber):
            return "chamber \(chamber) is not installed: these boots have chambers 1–\(layout.installedChambers)"
        case .durationOutOfRange(let d):
            return "duration \(Self.clock(d)) is out of range: a session lasts \(Self.clock(config.minimumDuration)) to \(Self.clock(SequencerConfig.maximumDuration))"
        case .durationNotAfterElapsed(let elapsed):
            return "the session has already run \(Self.clock(elapsed)): the duration must be longer than that"
        case .holdOutOfRange(let d):
            return "hold \(d.components.seconds) s is out of range: \(Self.seconds(Program.holdRange))"
        case .releaseOutOfRange(let d):
            return "release \(d.components.seconds) s is out of range: \(Self.seconds(Program.releaseRange))"
        case .restOutOfRange(let d):
            return "rest \(d.components.seconds) s is out of range: \(Self.seconds(Program.restRange))"
        case .warmUpOutOfRange:
            return "warm-up is out of range: \(WarmUp.cycleRange.lowerBound)–\(WarmUp.cycleRange.upperBound) cycles starting at \(WarmUp.startPercentRange.lowerBound)–\(WarmUp.startPercentRange.upperBound) % of the targets"
        case .gradientStepOutOfRange(let step):
            return "gradient step \(step) % is out of range: \(Program.gradientStepRange.lowerBound)–\(Program.gradientStepRange.upperBound) %"
        case .zoneBoostOutOfRange(let boost):
            return "zone boost \(boost) mmHg is out of range: \(Program.zoneBoostRange.lowerBound)–\(Program.zoneBoostRange.upperBound) mmHg"
        case .noZones:
            return "zone boost needs at least one zone"
        }
    }

    /// Command refusals: `FaultLatched` while a fault holds the boots vented, else `NotPermittedNow`.
    public func error(_ refusal: CommandError) -> DBusError {
        switch refusal {
        case .faultLatched(let code):
            .faultLatched("fault \(Self.hex(code)) (\(code)) is latched: the boots stay vented until it is cleared (ClearFault)")
        case .alreadyRunning: .notPermittedNow("a session is already running")
        case .notRunning: .notPermittedNow("no session is running")
        case .notPaused: .notPermittedNow("the session is not paused")
        case .noFaultLatched: .notPermittedNow("no fault is latched")
        }
    }

    /// `0x0B`.
    public static func hex(_ code: FaultCode) -> String {
        let digits = String(code.rawValue, radix: 16, uppercase: true)
        return "0x" + (digits.count < 2 ? "0" : "") + digits
    }

    /// `25:00`, `1:30`, `0:10`.
    static func clock(_ d: Duration) -> String {
        let s = max(0, d.components.seconds)
        return "\(s / 60):" + (s % 60 < 10 ? "0" : "") + "\(s % 60)"
    }

    private static func seconds(_ range: ClosedRange<Duration>) -> String {
        "\(range.lowerBound.components.seconds)–\(range.upperBound.components.seconds) s"
    }
}

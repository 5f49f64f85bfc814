import PumpSimulator
import Sequencer
import Synchronization

/// A clock that moves only when a test moves it.
final class ManualClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let current = Mutex(Instant(offset: .zero))
    var now: Instant { current.withLock { $0 } }
    var minimumResolution: Duration { .zero }

    func advance(by duration: Duration) { current.withLock { $0 = $0.advanced(by: duration) } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        while now < deadline {
            try Task.checkCancellation()
            await Task.yield()
        }
    }
}

/// A sequencer on a simulated 6-chamber pump (per-chamber sensors), stepped tick by tick.
struct Rig {
    let clock = ManualClock()
    let sequencer: InflationSequencer

    init(chambers: Int = 6, sensing: PressureSensing = .perChamber, config: SequencerConfig = Rig.quick) throws {
        let layout = HardwareLayout(installedChambers: chambers, exhaust: .perChamber, sensing: sensing)
        let pump = SimulatedPump(layout: layout, seed: 7, clock: clock)
        sequencer = try InflationSequencer(hardware: pump, config: config, clock: clock)
    }

    /// Sessions may be as short as 10 s, so a whole one runs in a test quickly.
    static var quick: SequencerConfig {
        var config = SequencerConfig()
        config.minimumDuration = .seconds(10)
        return config
    }

    /// Advances `duration` in control periods, ticking each.
    func run(for duration: Duration) {
        let period = sequencer.config.tickPeriod
        var left = duration
        while left > .zero {
            clock.advance(by: period)
            sequencer.tick()
            left -= period
        }
    }
}

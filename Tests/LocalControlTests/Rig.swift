import PumpSimulator
import Sequencer
import Synchronization

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

import PumpSimulator
@testable import Sequencer

/// A sequencer on a simulated pump, both on one manual clock, stepped tick by tick.
struct Rig {
    let clock = ManualClock()
    let pump: SimulatedPump
    let sequencer: InflationSequencer
    let period: Duration

    init(layout: HardwareLayout = Rig.legs(4), config: SequencerConfig = SequencerConfig(),
         parameters: PumpPhysics.Parameters = PumpPhysics.Parameters(), seed: UInt64 = 1) throws {
        pump = SimulatedPump(layout: layout, parameters: parameters, seed: seed, clock: clock)
        sequencer = try InflationSequencer(hardware: pump, config: config, clock: clock)
        period = config.tickPeriod
    }

    static func legs(_ chambers: Int, exhaust: ExhaustLayout = .perChamber,
                     sensing: PressureSensing = .perChamber) -> HardwareLayout {
        HardwareLayout(installedChambers: chambers, exhaust: exhaust, sensing: sensing)
    }

    /// Advances one period and ticks, `count` times.
    func step(_ count: Int = 1) {
        for _ in 0..<count {
            clock.advance(by: period)
            sequencer.tick()
        }
    }

    /// As `step`, with `each` seeing the snapshot after every tick.
    func step(_ count: Int, each: (SequencerSnapshot) -> Void) {
        for _ in 0..<count {
            step()
            each(sequencer.snapshot)
        }
    }

    /// Ticks for `duration` of clock time.
    func run(for duration: Duration) { step(Int(duration / period)) }

    func run(for duration: Duration, each: (SequencerSnapshot) -> Void) {
        step(Int(duration / period), each: each)
    }

    /// Ticks until `condition` holds or `limit` passes; returns whether it held.
    @discardableResult
    func run(until condition: (SequencerSnapshot) -> Bool, limit: Duration = .seconds(120)) -> Bool {
        for _ in 0..<Int(limit / period) {
            step()
            if condition(sequencer.snapshot) { return true }
        }
        return false
    }

    var snapshot: SequencerSnapshot { sequencer.snapshot }
}

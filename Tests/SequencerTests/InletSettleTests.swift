import Synchronization
import Testing
@testable import Sequencer

/// A manifold sensor that reads whatever the test says, whatever the valves do: here, a valve
/// slower than the control tick (the manifold still holds the previous chamber's pressure).
private final class ScriptedManifold: PumpHardware {
    let layout = HardwareLayout(installedChambers: 3, exhaust: .commonManifold, sensing: .manifold)
    let reading = Mutex(0.0)
    func drive(_ state: ActuatorState) throws(HardwareError) {}
    func readPressure() throws(HardwareError) -> PressureSample { PressureSample(manifold: reading.withLock { $0 }) }
}

@Suite struct InletSettleTests {
    /// Ticks of chamber 2's inflation when the manifold reads 60 mmHg from chamber 1 onwards.
    func ticksInflatingChamberTwo(settle: Duration) throws -> Int {
        var config = SequencerConfig()
        config.inletSettle = settle
        let clock = ManualClock()
        let hardware = ScriptedManifold()
        let sequencer = try InflationSequencer(hardware: hardware, config: config, clock: clock)
        try sequencer.start()
        var ticks = 0
        for n in 0..<400 {
            clock.advance(by: config.tickPeriod)
            // Rising while chamber 1 fills (the stuck rule wants movement), then stuck at target.
            hardware.reading.withLock { $0 = min(60, Double(n) * 0.5) }
            sequencer.tick()
            let snapshot = sequencer.snapshot
            #expect(snapshot.fault == nil)
            if snapshot.activeChamber == 2 { ticks += 1 }
            if snapshot.activeChamber == 3 { break }
        }
        return ticks
    }

    @Test func aReadingTakenBeforeTheInletCouldOpenDoesNotFillTheChamber() throws {
        // Without the settle time, chamber 2 "fills" on the first tick its inlet is open.
        #expect(try ticksInflatingChamberTwo(settle: .zero) == 1)
        // With it, the manifold's reading counts only after 100 ms (5 ticks at 50 Hz).
        #expect(try ticksInflatingChamberTwo(settle: .milliseconds(100)) == 5)
    }

    @Test func theSettleTimeMustBeShorterThanTheFillTimeout() {
        var config = SequencerConfig()
        config.inletSettle = config.fillTimeout
        #expect(throws: ConfigurationError.thresholdOutOfRange) { try config.validate() }
    }
}

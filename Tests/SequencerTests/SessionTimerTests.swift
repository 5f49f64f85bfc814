import PumpSimulator
import Testing
@testable import Sequencer

@Suite struct SessionTimerTests {
    @Test func timerFreezesWhilePausedAndNeverReportsMoreThanItsDuration() {
        var timer = SessionTimer(duration: .seconds(60))
        timer.start(at: .seconds(10))
        #expect(timer.elapsed(at: .seconds(40)) == .seconds(30))
        timer.pause(at: .seconds(40))
        #expect(timer.elapsed(at: .seconds(500)) == .seconds(30))
        timer.resume(at: .seconds(500))
        #expect(timer.remaining(at: .seconds(510)) == .seconds(20))
        #expect(!timer.isExpired(at: .seconds(529)))
        #expect(timer.isExpired(at: .seconds(530)))
        #expect(timer.elapsed(at: .seconds(9999)) == .seconds(60))
    }

    @Test func pauseAtTheLastSecondVentsFreezesAndResumeRunsOnlyThatSecond() throws {
        let rig = try Rig()
        try rig.sequencer.update(.duration(.seconds(60)))
        try rig.sequencer.start()
        rig.run(for: .seconds(59))
        #expect(rig.snapshot.remaining == .seconds(1))
        try rig.sequencer.pause()
        // Vented by the command itself, before any tick.
        #expect(rig.pump.commanded == .vented(rig.sequencer.layout))
        rig.run(for: .seconds(600))
        let paused = rig.snapshot
        #expect(paused.phase == .paused && paused.remaining == .seconds(1) && paused.elapsed == .seconds(59))
        #expect(paused.output == .vented(rig.sequencer.layout))
        try rig.sequencer.resume()
        rig.step(49)
        #expect(rig.snapshot.phase == .venting)  // resume vents first
        rig.step()
        let over = rig.snapshot
        #expect(over.phase == .idle && over.elapsed == .seconds(60) && over.remaining == .zero)
        #expect(over.output == .vented(rig.sequencer.layout))
    }

    @Test func extendWhileHoldingKeepsTheHoldAndMovesTheEnd() throws {
        let rig = try Rig()
        try rig.sequencer.update(.duration(.seconds(120)))
        try rig.sequencer.start()
        #expect(rig.run(until: { $0.phase == .holding }))
        rig.step(10)
        let before = rig.snapshot
        try rig.sequencer.update(.duration(.seconds(300)))
        let after = rig.snapshot
        #expect(after.phase == .holding && after.output == before.output)
        #expect(after.remaining == before.remaining + .seconds(180))
        #expect(after.pendingSettings == nil && after.settings.duration == .seconds(300))
        rig.run(for: .seconds(300) - before.elapsed - rig.period)
        #expect(rig.snapshot.phase != .idle)
        rig.step()
        #expect(rig.snapshot.phase == .idle && rig.snapshot.elapsed == .seconds(300))
    }

    @Test func shortenWhileRunningEndsEarlierButNeverBeforeNow() throws {
        let rig = try Rig()
        try rig.sequencer.update(.duration(.seconds(600)))
        try rig.sequencer.start()
        rig.run(for: .seconds(90))
        let before = rig.snapshot
        #expect(throws: SettingsError.durationNotAfterElapsed(elapsed: .seconds(90))) {
            try rig.sequencer.update(.duration(.seconds(90)))
        }
        #expect(rig.snapshot == before)
        try rig.sequencer.update(.duration(.seconds(100)))
        rig.run(for: .seconds(10))
        #expect(rig.snapshot.phase == .idle && rig.snapshot.elapsed == .seconds(100))
    }

    @Test func stopWhileVentingEndsAtOnceAndVents() throws {
        let rig = try Rig()
        try rig.sequencer.start()
        #expect(rig.run(until: { $0.phase == .releasing }))
        rig.step(5)
        try rig.sequencer.stop()
        let stopped = rig.snapshot
        #expect(stopped.phase == .idle && stopped.output == .vented(rig.sequencer.layout))
        let elapsed = stopped.elapsed
        rig.run(for: .seconds(30))
        #expect(rig.snapshot.elapsed == elapsed && rig.snapshot.phase == .idle)
        #expect(throws: CommandError.notRunning) { try rig.sequencer.stop() }
        #expect(rig.pump.chamberPressures.allSatisfy { $0 < 1 })
    }

    @Test func sessionEndingMidInflationVentsThatTick() throws {
        let rig = try Rig(layout: Rig.legs(4, exhaust: .commonManifold, sensing: .manifold))
        try rig.sequencer.update(.duration(.seconds(60)))
        try rig.sequencer.start()
        // Put the end of the session in the middle of an inflation: 2 s vent + 3 short cycles.
        rig.run(for: .seconds(60) - rig.period)
        let last = rig.snapshot
        rig.step()
        #expect(last.phase != .idle)
        #expect(rig.snapshot.phase == .idle && rig.pump.commanded == .vented(rig.sequencer.layout))
    }

    @Test func durationHasAHardRangeOfOneToSixtyMinutes() throws {
        let rig = try Rig()
        for bad in [Duration.seconds(59), .seconds(3601), .zero, .seconds(-5)] {
            #expect(throws: SettingsError.durationOutOfRange(bad)) { try rig.sequencer.update(.duration(bad)) }
        }
        try rig.sequencer.update(.duration(.seconds(60)))
        try rig.sequencer.update(.duration(.seconds(3600)))
        #expect(rig.snapshot.settings.duration == .seconds(3600))
        var config = SequencerConfig()
        config.minimumDuration = .seconds(5)
        #expect(throws: ConfigurationError.minimumDurationOutOfRange) { try config.validate() }
    }

    @Test func commandsOutOfTurnAreRefusedAndChangeNothing() throws {
        let rig = try Rig()
        #expect(throws: CommandError.notRunning) { try rig.sequencer.pause() }
        #expect(throws: CommandError.notPaused) { try rig.sequencer.resume() }
        #expect(throws: CommandError.noFaultLatched) { try rig.sequencer.clearFault() }
        try rig.sequencer.start()
        #expect(throws: CommandError.alreadyRunning) { try rig.sequencer.start() }
        rig.step(10)
        let before = rig.snapshot
        #expect(throws: CommandError.notPaused) { try rig.sequencer.resume() }
        #expect(rig.snapshot == before)
    }
}

import Clocks
import Foundation
import PumpSimulator
import Sequencer
import Supervision
import Synchronization
import Testing

@Suite struct StatusLineTests {
    @Test func idleSaysChambersAndPressure() throws {
        let sequencer = try InflationSequencer(hardware: SimulatedPump(layout: HardwareLayout.sixChambers))
        #expect(sequencer.snapshot.statusLine == "idle, 6 chambers, 60 mmHg")
        try sequencer.update(.pressure(80))
        try sequencer.update(.activeChambers(ChamberSet(chamber: 2)))
        #expect(sequencer.snapshot.statusLine == "idle, 1 chamber, 80 mmHg")
    }

    @Test func runningSaysPhaseChamberCycleAndTimeLeft() async throws {
        let clock = TestClock()
        let sequencer = try InflationSequencer(
            hardware: SimulatedPump(layout: HardwareLayout.sixChambers), clock: clock)
        try sequencer.start()
        var snapshot = sequencer.snapshot
        for _ in 0..<2_000 where snapshot.phase != .inflating {
            await clock.advance(by: .milliseconds(20))
            sequencer.tick()
            snapshot = sequencer.snapshot
        }
        try #require(snapshot.phase == .inflating)
        let left = snapshot.remaining.components.seconds
        #expect(snapshot.statusLine == String(format: "inflating chamber 1, cycle 1, %d:%02d left", left / 60, left % 60))
    }

    @Test func faultSaysCodeAndWhat() throws {
        let sequencer = try InflationSequencer(hardware: SimulatedPump(layout: HardwareLayout.sixChambers))
        sequencer.emergencyStop()
        #expect(sequencer.snapshot.statusLine == "FAULT 0x0B emergency stop")
    }
}

@Suite struct StatusThrottleTests {
    @Test func changesGoOutAtMostOnceASecondNewestFirst() {
        var throttle = StatusThrottle(minimumSpacing: .seconds(1))
        #expect(throttle.offer("idle", at: .zero) == "idle")
        #expect(throttle.offer("idle", at: .milliseconds(20)) == nil)
        #expect(throttle.offer("venting", at: .milliseconds(40)) == nil)
        #expect(throttle.offer("inflating chamber 1", at: .milliseconds(60)) == nil)
        #expect(throttle.nextDue == .seconds(1))
        #expect(throttle.due(at: .milliseconds(999)) == nil)
        #expect(throttle.offer("inflating chamber 1", at: .seconds(1)) == "inflating chamber 1")
        #expect(throttle.offer("inflating chamber 1", at: .seconds(3)) == nil)
        // After a quiet spell a change goes out at once.
        #expect(throttle.offer("holding", at: .seconds(3)) == "holding")
    }

    @Test func aChangeUndoneBeforeItWentOutIsNotSent() {
        var throttle = StatusThrottle(minimumSpacing: .seconds(1))
        #expect(throttle.offer("idle", at: .zero) == "idle")
        #expect(throttle.offer("paused", at: .milliseconds(100)) == nil)
        #expect(throttle.offer("idle", at: .milliseconds(200)) == nil)
        #expect(throttle.due(at: .seconds(2)) == nil)
    }
}

@Suite struct WatchdogFeederTests {
    @Test func feedsAtHalfTheIntervalFromTicks() {
        let feeds = Mutex(0)
        let feeder = WatchdogFeeder(watchdogInterval: .milliseconds(200)) { feeds.withLock { $0 += 1 } }
        #expect(feeder.feedInterval == .milliseconds(100))
        for tick in 0..<50 { feeder.tick(at: .milliseconds(20 * tick)) }  // 0 ... 980 ms
        #expect(feeds.withLock { $0 } == 10)
        #expect(feeder.ticks == 50)
    }

    @Test func noWatchdogNoFeeding() {
        let feeds = Mutex(0)
        let feeder = WatchdogFeeder(watchdogInterval: nil) { feeds.withLock { $0 += 1 } }
        for tick in 0..<50 { feeder.tick(at: .milliseconds(20 * tick)) }
        #expect(feeds.withLock { $0 } == 0)
    }

    /// The chain the daemon uses: the sequencer's own loop feeds; when its clock stops moving
    /// (the loop stalls) the feeding stops.
    @Test func theControlLoopFeedsAndAStalledLoopDoesNot() async throws {
        let clock = TestClock()
        let sequencer = try InflationSequencer(hardware: SimulatedPump(layout: HardwareLayout.sixChambers), clock: clock)
        let feeds = Mutex(0)
        let feeder = WatchdogFeeder(watchdogInterval: .seconds(5)) { feeds.withLock { $0 += 1 } }
        let loop = Task { await sequencer.run(onTick: feeder.tick) }
        #expect(await feeder.firstTick())
        for _ in 0..<500 { await clock.advance(by: .milliseconds(20)) }  // 10 s of ticks
        let fedWhileRunning = feeds.withLock { $0 }
        #expect(fedWhileRunning >= 4)
        // A stalled loop: no time passes for it, no tick, no feed.
        try await Task.sleep(for: .milliseconds(50))
        #expect(feeds.withLock { $0 } == fedWhileRunning)
        loop.cancel()
        await loop.value
    }

    @Test func waitingForTheFirstTickEndsOnCancellation() async {
        let feeder = WatchdogFeeder(watchdogInterval: nil) {}
        let waiter = Task { await feeder.firstTick() }
        waiter.cancel()
        #expect(await waiter.value == false)
    }
}

extension HardwareLayout {
    static let sixChambers = HardwareLayout(installedChambers: 6, exhaust: .commonManifold, sensing: .manifold)
}

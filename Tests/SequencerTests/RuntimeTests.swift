import Clocks
import PumpSimulator
import Synchronization
import Testing
@testable import Sequencer

/// The control loop itself (`run()`), on swift-clocks' `TestClock`.
@Suite struct RuntimeTests {
    /// Collects the loop's tick reports, so a test can wait for each tick before moving the clock
    /// again: `TestClock.advance` only wakes sleepers already registered, and under load the loop
    /// may not have reached its sleep yet.
    final class LoopProbe: Sendable {
        let reports = Mutex<[InflationSequencer.TickReport]>([])
        var count: Int { reports.withLock { $0.count } }
        func record(_ report: InflationSequencer.TickReport) { reports.withLock { $0.append(report) } }

        func waitForTicks(_ n: Int) async {
            while count < n { await Task.yield() }
        }
    }

    struct Loop {
        let clock: TestClock<Duration>
        let probe = LoopProbe()
        let period: Duration
        let task: Task<Void, Never>

        init(_ sequencer: InflationSequencer, clock: TestClock<Duration>) async {
            self.clock = clock
            self.period = sequencer.config.tickPeriod
            let probe = self.probe
            task = Task { await sequencer.run { probe.record($0) } }
            await probe.waitForTicks(1)
        }

        /// Advances the clock one period at a time, waiting for each tick.
        func advance(by duration: Duration) async {
            for _ in 0..<Int(duration / period) {
                let expected = probe.count + 1
                await clock.advance(by: period)
                await probe.waitForTicks(expected)
            }
        }

        func stop() async {
            task.cancel()
            await clock.advance(by: period)
            await task.value
        }
    }

    func make(rate: Int = 50, layout: HardwareLayout = Rig.legs(4)) throws -> (TestClock<Duration>, SimulatedPump, InflationSequencer) {
        let clock = TestClock()
        var config = SequencerConfig()
        config.tickRate = rate
        let pump = SimulatedPump(layout: layout, clock: clock)
        return (clock, pump, try InflationSequencer(hardware: pump, config: config, clock: clock))
    }

    @Test(arguments: [50, 200])
    func theLoopTicksOnScheduleAtItsRate(rate: Int) async throws {
        let (clock, _, sequencer) = try make(rate: rate)
        let loop = await Loop(sequencer, clock: clock)
        await loop.advance(by: .seconds(2))
        await loop.stop()
        let ticks = loop.probe.reports.withLock { $0 }
        let period = Duration.seconds(1) / rate
        #expect(ticks.count >= 2 * rate + 1)
        for (n, tick) in ticks.prefix(2 * rate + 1).enumerated() {
            #expect(tick.scheduled == period * n)
            #expect(tick.started == tick.scheduled)  // a test clock never runs late
        }
    }

    @Test func cancellingTheLoopEndsTheSessionAndVents() async throws {
        let (clock, pump, sequencer) = try make()
        try sequencer.start()
        let loop = await Loop(sequencer, clock: clock)
        await loop.advance(by: .seconds(3))
        #expect(sequencer.snapshot.phase == .inflating)
        #expect(pump.commanded.pumpOn)
        await loop.stop()
        #expect(sequencer.snapshot.phase == .idle)
        #expect(pump.commanded == .vented(sequencer.layout))
    }

    @Test func liveStateStreamsSnapshotsOfTheWave() async throws {
        let (clock, _, sequencer) = try make()
        let stream = sequencer.snapshots()
        var iterator = stream.makeAsyncIterator()
        let first = await iterator.next()
        #expect(first?.phase == .idle)
        let loop = await Loop(sequencer, clock: clock)
        try sequencer.start()
        #expect(await iterator.next()?.phase == .venting)
        await loop.advance(by: .seconds(10))
        // Newest only: the stream holds the latest snapshot, not a backlog.
        let latest = await iterator.next()
        #expect(latest?.time == .seconds(10))
        #expect(latest?.phase == .inflating || latest?.phase == .holding)
        #expect(latest?.cycle == 1)
        await loop.stop()
    }

    @Test func commandsFromAnotherTaskTakeEffectBetweenTicks() async throws {
        let (clock, pump, sequencer) = try make()
        let loop = await Loop(sequencer, clock: clock)
        try sequencer.start()
        await loop.advance(by: .seconds(4))
        try await Task.detached { try sequencer.pause() }.value
        #expect(pump.commanded == .vented(sequencer.layout))
        await loop.advance(by: .seconds(4))
        #expect(sequencer.snapshot.phase == .paused && sequencer.snapshot.elapsed == .seconds(4))
        try sequencer.resume()
        await loop.advance(by: .seconds(1))
        #expect(sequencer.snapshot.elapsed == .seconds(5))
        #expect(sequencer.snapshot.fault == nil)
        await loop.stop()
    }

    @Test func aWriteThatChangesNothingPublishesNoSnapshot() async throws {
        let (_, _, sequencer) = try make()
        // Every snapshot published, in order (not newest only).
        var iterator = sequencer.snapshots(bufferingPolicy: .unbounded).makeAsyncIterator()
        let first = try #require(await iterator.next())
        try sequencer.update(.pressure(first.settings.pressure))  // the value in force: nothing new
        try sequencer.update(.pressure(first.settings.pressure + 10))
        #expect(await iterator.next()?.settings.pressure == first.settings.pressure + 10)
        try sequencer.update(.pressure(first.settings.pressure + 10))
        try sequencer.start()
        #expect(await iterator.next()?.phase == .venting)
        // A write that changes something during a session is published (it reads back at once).
        try sequencer.update(.pressure(first.settings.pressure + 20))
        #expect(await iterator.next()?.pendingSettings?.pressure == first.settings.pressure + 20)
    }

    @Test func shutDownVentsFromAnyState() async throws {
        let (clock, pump, sequencer) = try make(layout: Rig.legs(4, exhaust: .commonManifold, sensing: .manifold))
        let loop = await Loop(sequencer, clock: clock)
        try sequencer.start()
        await loop.advance(by: .seconds(3))
        #expect(pump.commanded.pumpOn)
        sequencer.shutDown()
        #expect(pump.commanded == .vented(sequencer.layout) && sequencer.snapshot.phase == .idle)
        await loop.stop()
    }
}

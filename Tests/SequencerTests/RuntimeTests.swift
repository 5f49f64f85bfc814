import Clocks
import PumpSimulator
import Synchronization
import Testing
@testable import Sequencer

/// The control loop itself (`run()`), on swift-clocks' `TestClock`.
@Suite struct RuntimeTests {
    final class Reports: Sendable {
        let all = Mutex<[InflationSequencer.TickReport]>([])
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
        let reports = Reports()
        let loop = Task { await sequencer.run { report in reports.all.withLock { $0.append(report) } } }
        await clock.advance(by: .seconds(2))
        loop.cancel()
        await loop.value
        let ticks = reports.all.withLock { $0 }
        let period = Duration.seconds(1) / rate
        #expect(ticks.count == 2 * rate + 1)
        for (n, tick) in ticks.enumerated() {
            #expect(tick.scheduled == period * n)
            #expect(tick.started == tick.scheduled)  // a test clock never runs late
        }
    }

    @Test func cancellingTheLoopEndsTheSessionAndVents() async throws {
        let (clock, pump, sequencer) = try make()
        try sequencer.start()
        let loop = Task { await sequencer.run() }
        await clock.advance(by: .seconds(3))
        #expect(sequencer.snapshot.phase == .inflating)
        #expect(pump.commanded.pumpOn)
        loop.cancel()
        await loop.value
        #expect(sequencer.snapshot.phase == .idle)
        #expect(pump.commanded == .vented(sequencer.layout))
    }

    @Test func liveStateStreamsSnapshotsOfTheWave() async throws {
        let (clock, _, sequencer) = try make()
        let stream = sequencer.snapshots()
        var iterator = stream.makeAsyncIterator()
        let first = await iterator.next()
        #expect(first?.phase == .idle)
        let loop = Task { await sequencer.run() }
        try sequencer.start()
        #expect(await iterator.next()?.phase == .venting)
        await clock.advance(by: .seconds(10))
        // Newest only: the stream holds the latest snapshot, not a backlog.
        let latest = await iterator.next()
        #expect(latest?.time == .seconds(10))
        #expect(latest?.phase == .inflating || latest?.phase == .holding)
        #expect(latest?.cycle == 1)
        loop.cancel()
        await loop.value
    }

    @Test func commandsFromAnotherTaskTakeEffectBetweenTicks() async throws {
        let (clock, pump, sequencer) = try make()
        let loop = Task { await sequencer.run() }
        try sequencer.start()
        await clock.advance(by: .seconds(4))
        try await Task.detached { try sequencer.pause() }.value
        #expect(pump.commanded == .vented(sequencer.layout))
        await clock.advance(by: .seconds(4))
        #expect(sequencer.snapshot.phase == .paused && sequencer.snapshot.elapsed == .seconds(4))
        try sequencer.resume()
        await clock.advance(by: .seconds(1))
        #expect(sequencer.snapshot.elapsed == .seconds(5))
        loop.cancel()
        await loop.value
    }

    @Test func shutDownVentsFromAnyState() async throws {
        let (clock, pump, sequencer) = try make(layout: Rig.legs(4, exhaust: .commonManifold, sensing: .manifold))
        let loop = Task { await sequencer.run() }
        try sequencer.start()
        await clock.advance(by: .seconds(3))
        #expect(pump.commanded.pumpOn)
        sequencer.shutDown()
        #expect(pump.commanded == .vented(sequencer.layout) && sequencer.snapshot.phase == .idle)
        loop.cancel()
        await loop.value
    }
}

import Clocks
import Foundation
import PumpSimulator
import Synchronization
import Testing
@testable import Sequencer

/// Readers of `InflationSequencer.snapshots()` come and go while the loop publishes: the status
/// reporter, the Live State notifier and the local interface are all cancelled at SIGTERM, in
/// the middle of ticks.
@Suite struct SnapshotReaderTests {
    func make() throws -> InflationSequencer {
        let clock = TestClock()
        let pump = SimulatedPump(layout: Rig.legs(4), clock: clock)
        return try InflationSequencer(hardware: pump, config: SequencerConfig(), clock: clock)
    }

    /// Regression: cancelling a reader ran the stream's termination handler inside the Swift
    /// runtime's lock of that reader's task, and the handler took the sequencer's lock; a tick
    /// holding the sequencer's lock while resuming the same reader waited for the runtime's
    /// lock. pressod then never finished SIGTERM. Readers are cancelled here while a thread
    /// ticks without pause; the test fails (instead of hanging) if the rounds stop progressing.
    @Test func cancellingReadersWhileTheLoopPublishesNeverDeadlocks() async throws {
        let sequencer = try make()
        try sequencer.start()
        let stop = Atomic<Bool>(false)
        let ticks = Atomic<Int>(0)
        let ticker = Thread {
            while !stop.load(ordering: .relaxed) {
                sequencer.tick()
                ticks.add(1, ordering: .relaxed)
            }
        }
        ticker.start()
        defer { stop.store(true, ordering: .relaxed) }

        let rounds = 400
        let done = Atomic<Int>(0)
        // Every loop here also ends once `stop` is set, so a failed run leaves nothing spinning.
        let worker = Task.detached {
            for _ in 0..<rounds where !stop.load(ordering: .relaxed) {
                let reader = Task.detached {
                    for await _ in sequencer.snapshots() {}
                }
                // Let the reader wait in `next()` for a few published snapshots, then cancel.
                let seen = ticks.load(ordering: .relaxed)
                while ticks.load(ordering: .relaxed) < seen + 3, !stop.load(ordering: .relaxed) { await Task.yield() }
                reader.cancel()
                await reader.value
                done.add(1, ordering: .relaxed)
            }
        }
        // Wall time only bounds a hang; how long the rounds take is not judged.
        let deadline = Date().addingTimeInterval(120)
        while done.load(ordering: .relaxed) < rounds, Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(done.load(ordering: .relaxed) == rounds, "stuck after \(done.load(ordering: .relaxed)) rounds: deadlock")
        if done.load(ordering: .relaxed) == rounds { await worker.value }
    }

    @Test func aReaderThatHasGoneIsForgottenAtTheNextPublish() async throws {
        let sequencer = try make()
        let reader = Task { for await _ in sequencer.snapshots() {} }
        while sequencer.observerCount == 0 { await Task.yield() }
        reader.cancel()
        await reader.value
        sequencer.tick()
        #expect(sequencer.observerCount == 0)
    }
}

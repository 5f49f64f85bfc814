import Synchronization

/// A clock that moves only when a test moves it, synchronously. The full-session tests step the
/// sequencer tick by tick on it: `TestClock.advance` hops through ~20 tasks per sleep
/// (`Task.megaYield`), which makes 90 000 ticks take about a minute; this clock costs nothing.
/// The loop itself (`run()`) is tested on swift-clocks' `TestClock`.
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

    func advance(by duration: Duration) {
        current.withLock { $0 = $0.advanced(by: duration) }
    }

    /// Waits (yielding) until a test has advanced the clock past `deadline`.
    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        while now < deadline {
            try Task.checkCancellation()
            await Task.yield()
        }
    }
}

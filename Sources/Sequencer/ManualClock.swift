import Synchronization

/// A clock that moves only when its owner moves it, synchronously: for tests, benchmarks and the
/// fuzzer, which step the sequencer tick by tick. Two reads without a step see the same instant,
/// so snapshots compare equal. (swift-clocks' `TestClock` hops through ~20 tasks per sleep,
/// which makes a 30-minute session of 90 000 ticks take about a minute; this costs nothing.)
public final class ManualClock: Clock, Sendable {
    public struct Instant: InstantProtocol {
        public var offset: Duration
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let current = Mutex(Instant(offset: .zero))

    public init() {}

    public var now: Instant { current.withLock { $0 } }
    public var minimumResolution: Duration { .zero }

    public func advance(by duration: Duration) {
        current.withLock { $0 = $0.advanced(by: duration) }
    }

    /// Waits, yielding, until the clock has been moved past `deadline`.
    public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        while now < deadline {
            try Task.checkCancellation()
            await Task.yield()
        }
    }
}

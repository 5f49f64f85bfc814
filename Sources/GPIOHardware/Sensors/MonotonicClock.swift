#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A synchronous monotonic clock: bit-banging and button polling run on a plain thread, below
/// Swift concurrency, and their timing logic is tested against a scripted clock.
public protocol MonotonicClock: Sendable {
    /// Time since an arbitrary fixed origin; never goes backwards.
    func now() -> Duration
    /// Blocks the calling thread for about `duration`.
    func sleep(for duration: Duration)
}

/// CLOCK_MONOTONIC, the clock the kernel (≥ 5.7) stamps GPIO edge events with.
public struct SystemMonotonicClock: MonotonicClock {
    public init() {}

    public func now() -> Duration {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
    }

    public func sleep(for duration: Duration) {
        guard duration > .zero else { return }
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
    }
}

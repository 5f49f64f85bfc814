import Sequencer
import Synchronization

/// Feeds the service manager's watchdog from the control loop itself: `tick(_:)` is the
/// sequencer's `onTick`, and sends `WATCHDOG=1` when half the watchdog interval has passed since
/// the last feed. A stalled or hung control loop therefore stops feeding, systemd kills the
/// process, and the restarted daemon vents at start — the watchdog watches the loop that drives
/// the pump, not some other thread that would keep running while the loop is stuck.
///
/// It also remembers that the loop has ticked at least once (readiness, see `SupervisionService`).
public final class WatchdogFeeder: Sendable {
    /// Half the watchdog interval (sd_watchdog_enabled(3) advice), or nil when there is no watchdog.
    public let feedInterval: Duration?
    private let feed: @Sendable () -> Void
    private let state = Mutex<State>(State())
    private let started: AsyncStream<Void>
    private let startedContinuation: AsyncStream<Void>.Continuation

    private struct State {
        var lastFed: Duration?
        var ticks = 0
    }

    /// - Parameters:
    ///   - watchdogInterval: `WATCHDOG_USEC` as read by `SystemdNotifier`; nil: never feed.
    ///   - feed: sends `WATCHDOG=1` (never blocks: it runs on the control loop).
    public init(watchdogInterval: Duration?, feed: @escaping @Sendable () -> Void) {
        self.feedInterval = watchdogInterval.map { $0 / 2 }
        self.feed = feed
        (started, startedContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Call after every control tick (`InflationSequencer.run(onTick:)`).
    public func tick(_ report: InflationSequencer.TickReport) {
        tick(at: report.finished)
    }

    /// A control tick that finished at `finished` (an offset on the sequencer's clock).
    public func tick(at finished: Duration) {
        let (due, first) = state.withLock { s -> (Bool, Bool) in
            s.ticks += 1
            let first = s.ticks == 1
            guard let feedInterval else { return (false, first) }
            if let last = s.lastFed, finished - last < feedInterval { return (false, first) }
            s.lastFed = finished
            return (true, first)
        }
        if due { feed() }
        if first {
            startedContinuation.yield()
            startedContinuation.finish()
        }
    }

    /// Control ticks seen so far.
    public var ticks: Int { state.withLock { $0.ticks } }

    /// Returns true once the control loop has ticked at least once; false if the calling task
    /// is cancelled first. One caller at a time.
    public func firstTick() async -> Bool {
        for await _ in started { return true }
        return ticks > 0
    }
}

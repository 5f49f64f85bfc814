/// The session clock: counts the time a session has run, frozen while paused, and ends it when
/// the duration is reached. Times are offsets on the sequencer's injected clock.
public struct SessionTimer: Sendable, Equatable {
    public var duration: Duration
    /// Time run before the current stretch (before the last pause).
    private var accumulated: Duration = .zero
    /// Start of the current running stretch; nil while paused or stopped.
    private var runningSince: Duration?

    public init(duration: Duration) {
        self.duration = duration
    }

    public var isRunning: Bool { runningSince != nil }

    /// Time the session has run, never more than its duration.
    public func elapsed(at now: Duration) -> Duration {
        let stretch = runningSince.map { max(now - $0, .zero) } ?? .zero
        return min(accumulated + stretch, duration)
    }

    public func remaining(at now: Duration) -> Duration { duration - elapsed(at: now) }

    public func isExpired(at now: Duration) -> Bool { elapsed(at: now) >= duration }

    public mutating func start(at now: Duration) {
        accumulated = .zero
        runningSince = now
    }

    /// Freezes the timer.
    public mutating func pause(at now: Duration) {
        accumulated = elapsed(at: now)
        runningSince = nil
    }

    public mutating func resume(at now: Duration) {
        if runningSince == nil { runningSince = now }
    }

    /// Stops for good: elapsed stays readable.
    public mutating func stop(at now: Duration) { pause(at: now) }
}

/// An injected clock read as offsets from the moment it was wrapped, so pure code can work in
/// plain `Duration`s whatever the clock's `Instant` type is (`ContinuousClock` on the device,
/// a test clock in tests). Opening the existential once here keeps `any Clock<Duration>` out of
/// every other signature.
public struct ClockReader: Sendable {
    /// Time since the reader was made.
    public let now: @Sendable () -> Duration
    /// Suspends until the offset `deadline` (since the reader was made).
    public let sleep: @Sendable (_ deadline: Duration) async throws -> Void

    public init(_ clock: any Clock<Duration>) {
        self = ClockReader.opening(clock)
    }

    private init(now: @escaping @Sendable () -> Duration, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }

    private static func opening<C: Clock<Duration>>(_ clock: C) -> ClockReader {
        let origin = clock.now
        return ClockReader(
            now: { origin.duration(to: clock.now) },
            sleep: { deadline in try await clock.sleep(until: origin.advanced(by: deadline), tolerance: nil) })
    }
}

import GPIOHardware
import Synchronization

/// A monotonic clock that only moves when told to (or when something sleeps on it).
final class ScriptedClock: MonotonicClock {
    private let time = Mutex<Duration>(.zero)

    init(at start: Duration = .zero) { time.withLock { $0 = start } }

    func now() -> Duration { time.withLock { $0 } }
    func sleep(for duration: Duration) { advance(by: duration) }
    func advance(by duration: Duration) { time.withLock { $0 += max(duration, .zero) } }
    func advance(to instant: Duration) { time.withLock { $0 = max($0, instant) } }
}

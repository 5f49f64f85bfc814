import GPIO
import Sequencer
import Synchronization

/// The boots' push button on a GPIO line with edge events: short presses (start/stop) and long
/// presses (pairing window), debounced.
///
/// Blocking by design: the daemon calls `nextEvent(timeout:)` in a loop on a thread of its own.
/// Sendable: the classifier sits behind a lock; calls from several threads are serialised.
public final class GPIOButton: Sendable {
    public let configuration: ButtonConfiguration
    private let line: any DigitalInput
    private let clock: any MonotonicClock
    private struct State: Sendable {
        var classifier: ButtonPressClassifier
        var pending: [ButtonEvent] = []
    }
    private let state: Mutex<State>

    /// Requests the button's line (both edges) through libgpiod.
    public convenience init(_ configuration: ButtonConfiguration, consumer: String = "pressod") throws(GPIOHardwareStartupError) {
        try self.init(configuration, consumer: consumer, lines: LibgpiodLineProvider())
    }

    public init(
        _ configuration: ButtonConfiguration, consumer: String, lines: any GPIOLineProvider,
        clock: any MonotonicClock = SystemMonotonicClock()
    ) throws(GPIOHardwareStartupError) {
        do { try configuration.validate() } catch { throw GPIOHardwareStartupError(error) }
        let line: any DigitalInput
        let pressed: Bool
        do {
            line = try lines.requestInput(configuration.line, consumer: consumer, edges: .both)
            pressed = try line.value()
        } catch {
            throw GPIOHardwareStartupError(entry: "[button] line", spec: configuration.line, error)
        }
        self.configuration = configuration
        self.line = line
        self.clock = clock
        self.state = Mutex(State(classifier: ButtonPressClassifier(
            debounce: configuration.debounce, longPress: configuration.longPress, initiallyPressed: pressed, at: clock.now())))
    }

    deinit { line.release() }

    /// Waits up to `timeout` for the next press; nil if none completed in time.
    public func nextEvent(timeout: Duration) throws(GPIOError) -> ButtonEvent? {
        let deadline = clock.now() + timeout
        let result: Result<ButtonEvent?, GPIOError> = state.withLock { state in
            while true {
                if !state.pending.isEmpty { return .success(state.pending.removeFirst()) }
                let now = clock.now()
                state.pending = state.classifier.advance(to: now)
                if !state.pending.isEmpty { continue }
                guard now < deadline else { return .success(nil) }
                let wake = min(deadline, state.classifier.nextDeadline ?? deadline)
                do throws(GPIOError) {
                    guard let edge = try line.waitForEdge(timeout: max(wake - now, .zero)) else { continue }
                    // Kernel timestamps are CLOCK_MONOTONIC from Linux 5.7; on anything else
                    // (an older kernel's CLOCK_REALTIME) fall back to the time of reading.
                    let received = clock.now()
                    let time = (received - edge.timestamp) < .seconds(10) && edge.timestamp <= received ? edge.timestamp : received
                    state.classifier.edge(pressed: edge.kind == .rising, at: time)
                } catch {
                    return .failure(error)
                }
            }
        }
        return try result.get()
    }
}

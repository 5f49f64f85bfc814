import CGPIOD
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Which edges an input line reports as events.
public enum GPIOEdgeDetection: Sendable, Equatable {
    case none, rising, falling, both
}

/// One edge seen on an input line.
public struct GPIOEdgeEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The logical value went 0 → 1 (with `.activeLow`, the pin went low).
        case rising
        /// The logical value went 1 → 0.
        case falling
    }
    public var kind: Kind
    /// When the kernel saw the edge. On Linux ≥ 5.7 the v1 uAPI stamps events with
    /// CLOCK_MONOTONIC (before that, CLOCK_REALTIME): compare it with a monotonic clock only.
    public var timestamp: Duration

    public init(kind: Kind, timestamp: Duration) {
        self.kind = kind
        self.timestamp = timestamp
    }
}

extension GPIOChip {
    /// Requests the line at `offset` as an output, driven to `initialValue` (a logical value,
    /// see `GPIOLineFlags.activeLow`) in the same call: the line is never at any other level.
    public func requestOutput(
        offset: UInt32, consumer: String, initialValue: Bool, flags: GPIOLineFlags = []
    ) throws(GPIOError) -> GPIOOutputLine {
        let line = try request(offset, operation: "request as output") { line in
            gpiod_line_request_output_flags(line, consumer, flags.rawValue, initialValue ? 1 : 0)
        }
        return GPIOOutputLine(line)
    }

    /// Requests the line at `offset` as an input, with edge events if `edges` is not `.none`.
    public func requestInput(
        offset: UInt32, consumer: String, flags: GPIOLineFlags = [], edges: GPIOEdgeDetection = .none
    ) throws(GPIOError) -> GPIOInputLine {
        let line = try request(offset, operation: edges == .none ? "request as input" : "request edge events") { line in
            switch edges {
            case .none: gpiod_line_request_input_flags(line, consumer, flags.rawValue)
            case .rising: gpiod_line_request_rising_edge_events_flags(line, consumer, flags.rawValue)
            case .falling: gpiod_line_request_falling_edge_events_flags(line, consumer, flags.rawValue)
            case .both: gpiod_line_request_both_edges_events_flags(line, consumer, flags.rawValue)
            }
        }
        return GPIOInputLine(line, edges: edges)
    }

    private func request(
        _ offset: UInt32, operation: String, _ call: (OpaquePointer) -> Int32
    ) throws(GPIOError) -> RequestedLine {
        try withLine(offset, operation: operation) { line throws(GPIOError) in
            let name = gpiod_line_name(line).map { String(cString: $0) }
            if call(line) != 0 {
                let code = Errno.current
                var detail: String?
                if code == .busy, gpiod_line_update(line) == 0 {
                    detail = gpiod_line_consumer(line).map { "held by \"\(String(cString: $0))\"" } ?? "held by another user"
                }
                throw GPIOError(code, operation: operation, subject: lineSubject(offset, name: name), detail: detail)
            }
            return RequestedLine(chip: self, line: line, offset: offset, name: name)
        }
    }
}

/// A requested line: the `gpiod_line` while it is held, nil once released.
final class RequestedLine: Sendable {
    let chip: GPIOChip
    let offset: UInt32
    let name: String?
    let subject: String
    private let line: Mutex<LibgpiodHandle?>

    init(chip: GPIOChip, line: OpaquePointer, offset: UInt32, name: String?) {
        self.chip = chip
        self.offset = offset
        self.name = name
        self.subject = chip.lineSubject(offset, name: name)
        self.line = Mutex(LibgpiodHandle(pointer: line))
    }

    deinit { release() }

    /// Runs `call` on the held line; a negative result is an error with `errno`.
    func perform(_ operation: String, _ call: (OpaquePointer) -> Int32) throws(GPIOError) -> Int32 {
        let result: Result<Int32, GPIOError> = line.withLock { line in
            guard let line else {
                return .failure(GPIOError(.badFileDescriptor, operation: operation, subject: subject, detail: "the line was released"))
            }
            let value = call(line.pointer)
            return value < 0 ? .failure(GPIOError(.current, operation: operation, subject: subject)) : .success(value)
        }
        return try result.get()
    }

    /// Gives the line back to the kernel. Idempotent. Lock order: line, then chip.
    func release() {
        line.withLock { line in
            guard let held = line else { return }
            chip.handle.withLock { _ in gpiod_line_release(held.pointer) }
            line = nil
        }
    }
}

/// A line requested as an output. Released on `release()` or when the last reference goes.
/// Sendable: every call runs under the line's own lock.
public final class GPIOOutputLine: Sendable {
    let requested: RequestedLine
    init(_ requested: RequestedLine) { self.requested = requested }

    public var chipName: String { requested.chip.name }
    public var offset: UInt32 { requested.offset }
    /// The kernel's name for the line, if it has one.
    public var name: String? { requested.name }

    /// Drives the line to a logical value (inverted at the pin for `.activeLow`).
    public func setValue(_ value: Bool) throws(GPIOError) {
        _ = try requested.perform("set value to \(value ? 1 : 0)") { gpiod_line_set_value($0, value ? 1 : 0) }
    }

    /// The logical value the line is driven to.
    public func value() throws(GPIOError) -> Bool {
        try requested.perform("read value") { gpiod_line_get_value($0) } != 0
    }

    /// Gives the line back. What the pin does then is the driver's choice, not ours: many SoC
    /// drivers keep the last level, gpio-sim returns the line to its pull (seen in the VM).
    public func release() { requested.release() }
}

/// A line requested as an input, with or without edge events.
/// Sendable: every call runs under the line's own lock, so a thread blocked in `waitForEdge`
/// delays other calls on this line (never on other lines) until the wait ends.
public final class GPIOInputLine: Sendable {
    let requested: RequestedLine
    /// The edges this line was requested to report.
    public let edges: GPIOEdgeDetection

    init(_ requested: RequestedLine, edges: GPIOEdgeDetection) {
        self.requested = requested
        self.edges = edges
    }

    public var chipName: String { requested.chip.name }
    public var offset: UInt32 { requested.offset }
    public var name: String? { requested.name }

    /// The logical value of the line (inverted at the pin for `.activeLow`).
    public func value() throws(GPIOError) -> Bool {
        try requested.perform("read value") { gpiod_line_get_value($0) } != 0
    }

    /// Waits up to `timeout` for the next edge and returns it, or nil if none came in time (or a
    /// signal interrupted the wait). Events queue in the kernel between calls; none are lost
    /// unless the kernel's queue (16 events in v1) overflows.
    public func waitForEdge(timeout: Duration) throws(GPIOError) -> GPIOEdgeEvent? {
        guard edges != .none else {
            throw GPIOError(.invalidArgument, operation: "wait for edge", subject: requested.subject,
                            detail: "the line was requested without edge events")
        }
        let (seconds, attoseconds) = max(timeout, .zero).components
        var wait = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var event = gpiod_line_event()
        let ready: Int32
        do {
            ready = try requested.perform("wait for edge") { line in
                let ready = gpiod_line_event_wait(line, &wait)
                if ready == 1 { return gpiod_line_event_read(line, &event) == 0 ? 1 : -1 }
                return ready
            }
        } catch where error.errno == .interrupted {
            return nil
        }
        guard ready == 1 else { return nil }
        let kind: GPIOEdgeEvent.Kind = Int(event.event_type) == GPIOD_LINE_EVENT_RISING_EDGE ? .rising : .falling
        return GPIOEdgeEvent(kind: kind, timestamp: .seconds(event.ts.tv_sec) + .nanoseconds(event.ts.tv_nsec))
    }

    public func release() { requested.release() }
}

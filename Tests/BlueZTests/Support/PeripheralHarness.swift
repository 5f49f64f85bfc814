import BlueZ
import DBus
import Logging
import Synchronization
import Testing

/// Every event a peripheral emitted, in order; tests wait for the ones they expect.
final class EventRecorder: Sendable {
    private let recorded = Mutex<[PeripheralEvent]>([])

    var events: [PeripheralEvent] { recorded.withLock { $0 } }

    func record(_ stream: AsyncStream<PeripheralEvent>) -> Task<Void, Never> {
        Task { for await event in stream { recorded.withLock { $0.append(event) } } }
    }

    /// Waits until `predicate` holds for the events so far (a deadlock guard of 20 s, not a
    /// timing assertion), and returns them.
    @discardableResult
    func wait(for what: String, _ predicate: ([PeripheralEvent]) -> Bool) async throws -> [PeripheralEvent] {
        try await eventually(what) { predicate(self.events) ? self.events : nil }
    }

    func count(_ predicate: (PeripheralEvent) -> Bool) -> Int { events.filter(predicate).count }
}

/// Log lines a peripheral wrote, for tests of what it says.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }

    var logger: Logger {
        var logger = Logger(label: "presso.bluez.test") { _ in Handler(capture: self) }
        logger.logLevel = .debug
        return logger
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            capture.lines.withLock { $0.append("\(event.level): \(event.message)") }
        }
    }
}

/// Polls `probe` every 20 ms until it returns a value; fails after 20 s (a deadlock guard).
func eventually<T>(_ what: String, seconds: Int = 20, _ probe: () async throws -> T?) async throws -> T {
    let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
    while true {
        if let value = try await probe() { return value }
        guard ContinuousClock.now < deadline else { throw TestFailure("gave up waiting for \(what) after \(seconds) s") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// A peripheral serving `TestApplication` on a rig's bus, plus a client connection with the
/// double's control API.
struct Running {
    let peripheral: BluetoothPeripheral
    let app: TestApplication
    let events: EventRecorder
    let logs: LogCapture
    let control: DoubleControl
    let rig: DoubleRig

    var client: DBusConnection { control.connection }

    func waitRegistered(count: Int = 1) async throws {
        try await events.wait(for: "registered event #\(count)") { events in
            events.filter { if case .registered = $0 { true } else { false } }.count >= count
        }
    }
}

/// Runs `body` with a double, a peripheral and a client; stops the peripheral (cancelling
/// `run()` and waiting for it), closes the connections and kills both processes, whatever
/// happens.
func withPeripheral(
    doubleFirst: Bool = true, configure: (inout PeripheralConfiguration) -> Void = { _ in },
    _ body: (Running) async throws -> Void
) async throws {
    let rig = try await DoubleRig.start(withDouble: doubleFirst)
    defer { rig.stop() }
    let server = try await rig.connect()
    let client = try await rig.connect()
    let app = TestApplication()
    var configuration = PeripheralConfiguration(application: app.application, advertisement: TestApplication.advertisement)
    configure(&configuration)
    let logs = LogCapture()
    let peripheral = try BluetoothPeripheral(connection: server, configuration: configuration, logger: logs.logger)
    let events = EventRecorder()
    let recording = events.record(peripheral.events)
    let run = Task { try await peripheral.run() }
    let running = Running(peripheral: peripheral, app: app, events: events, logs: logs,
                          control: DoubleControl(connection: client), rig: rig)
    var failure: (any Error)?
    do { try await body(running) } catch { failure = error }
    run.cancel()
    do {
        try await deadlockGuard("run() to end after cancellation") { try await run.value }
    } catch { failure = failure ?? error }
    recording.cancel()
    await client.close()
    await server.close()
    if let failure {
        Issue.record("double's log: \(rig.log)\nperipheral's log:\n\(logs.all.joined(separator: "\n"))")
        throw failure
    }
}

/// Fails instead of hanging if `operation` does not finish in a generous time: a deadlock
/// guard, never a timing assertion.
func deadlockGuard<T: Sendable>(
    _ what: String, seconds: Int = 20, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw TestFailure("deadlock guard: \(what) not done after \(seconds) s")
        }
        return value
    }
}

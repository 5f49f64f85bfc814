import DBus
import Foundation
import Synchronization

/// A private dbus-daemon for one test: started on a fresh unix:tmpdir address, always killed
/// (SIGKILL) and reaped when the test ends, passes or fails.
final class TestBus: Sendable {
    let pid: pid_t
    let address: String
    /// Read end of the daemon's stdout, kept open while it runs: closing it early makes the
    /// daemon die of SIGPIPE the next time it prints.
    private let output: Int32
    private let stopped = Mutex(false)

    private init(pid: pid_t, address: String, output: Int32) {
        self.pid = pid
        self.address = address
        self.output = output
    }

    static func start() throws -> TestBus {
        let (pid, output) = try spawn(
            ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"], quietErrors: true)
        var line = [UInt8]()
        var byte: UInt8 = 0
        while read(output, &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
        let address = String(decoding: line, as: UTF8.self)
        let bus = TestBus(pid: pid, address: address, output: output)
        guard address.hasPrefix("unix:") else {
            bus.stop()
            throw SpawnError(message: "dbus-daemon printed no address: \(address)")
        }
        return bus
    }

    /// SIGKILL and reap; idempotent.
    func stop() {
        let already = stopped.withLock { was in
            defer { was = true }
            return was
        }
        guard !already else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(output)
    }

    deinit { stop() }

    func connect() async throws -> DBusConnection {
        try await DBusConnection.connect(address: address)
    }

    /// busctl/gdbus/dbus-send pointed at this bus.
    func busctl(_ args: String...) async throws -> ToolResult {
        try await runTool(["busctl", "--address=\(address)"] + args)
    }
    func gdbus(_ command: String, _ args: String...) async throws -> ToolResult {
        try await runTool(["gdbus", command, "--address", address] + args)
    }
    func dbusSend(_ args: String...) async throws -> ToolResult {
        try await runTool(["dbus-send", "--bus=\(address)", "--print-reply"] + args)
    }
}

/// Runs `body` with a private bus and two connections to it, closing and reaping everything
/// afterwards whatever happens.
func withBus(
    _ body: (TestBus, DBusConnection, DBusConnection) async throws -> Void
) async throws {
    let bus = try TestBus.start()
    defer { bus.stop() }
    let server = try await bus.connect()
    let client = try await bus.connect()
    do {
        try await body(bus, server, client)
    } catch {
        await client.close()
        await server.close()
        throw error
    }
    await client.close()
    await server.close()
}

/// Fails the test instead of hanging if `operation` does not finish in a generous time:
/// a deadlock guard only, never a timing assertion.
func deadlockGuard<T: Sendable>(
    seconds: Int = 20, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        guard let first = try await group.next(), let value = first else {
            group.cancelAll()
            throw SpawnError(message: "deadlock guard: no result after \(seconds) s")
        }
        group.cancelAll()
        return value
    }
}

/// The first `count` elements of a stream (fewer if it ends first).
func collect<Element: Sendable>(_ stream: AsyncStream<Element>, _ count: Int) async -> [Element] {
    var result: [Element] = []
    for await element in stream {
        result.append(element)
        if result.count == count { break }
    }
    return result
}

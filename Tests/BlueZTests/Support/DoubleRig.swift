import DBus
import Foundation
import Synchronization

/// A private dbus-daemon with the BlueZ double (Tests/Support/bluez_double.py) on it, for one
/// test. Both processes are killed (SIGKILL) and reaped when the test ends, however it ends.
final class DoubleRig: Sendable {
    let bus: Child
    let address: String
    private let double = Mutex<Child?>(nil)
    /// The double's stderr (Python tracebacks), kept for a failing test to show.
    let doubleLog: String

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Support/bluez_double.py").standardized.path

    private init(bus: Child, address: String) {
        self.bus = bus
        self.address = address
        doubleLog = NSTemporaryDirectory() + "bluez-double-\(bus.pid).log"
    }

    /// Starts the bus and, unless `withDouble` is false, the double on it.
    static func start(withDouble: Bool = true) async throws -> DoubleRig {
        let bus = try Child(["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"])
        let address = await onThread { bus.readLine() }
        let rig = DoubleRig(bus: bus, address: address)
        guard address.hasPrefix("unix:") else {
            rig.stop()
            throw SpawnError("dbus-daemon printed no address: \(address)")
        }
        if withDouble {
            do { try await rig.startDouble() } catch {
                rig.stop()
                throw error
            }
        }
        return rig
    }

    /// Starts the double (Debian's python3, which has python3-dbus) and waits for its READY.
    func startDouble() async throws {
        let child = try Child(["/usr/bin/python3", "-u", Self.script, "--address", address], stderrPath: doubleLog)
        double.withLock { $0 = child }
        let line = await onThread { child.readLine() }
        guard line == "READY" else { throw SpawnError("the BlueZ double did not start: \(line) \(log)") }
    }

    var log: String { (try? String(contentsOfFile: doubleLog, encoding: .utf8)) ?? "" }

    func stop() {
        double.withLock { $0?.stop() }
        bus.stop()
        unlink(doubleLog)
    }

    deinit { stop() }

    func connect() async throws -> DBusConnection {
        try await DBusConnection.connect(address: address)
    }
}

/// Runs blocking work on a thread of its own, keeping the cooperative pool free.
func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: work()) }
    }
}

/// The double's control API (`org.presso.Test.BlueZDouble`).
struct DoubleControl {
    let connection: DBusConnection

    @discardableResult
    func call(_ method: String, _ arguments: [DBusValue] = []) async throws -> [DBusValue] {
        try await connection.call(
            destination: "org.presso.Test.BlueZDouble", path: "/org/presso/test",
            interface: "org.presso.Test.BlueZDouble", method: method, arguments: arguments, timeout: .seconds(15))
    }

    /// `RegisteredJSON` decoded: applications, services, characteristics, descriptors,
    /// advertisements, agents, default_agent.
    func registered() async throws -> [String: Any] {
        let json: String = try await call("RegisteredJSON").argument(0)
        return try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] ?? [:]
    }

    func calls() async throws -> [String] { try await call("Calls").argument(0) }

    /// `ReadValue` through the double, as BlueZ would call it: value, error name, error message.
    func read(_ path: String, _ options: [String: DBusValue] = [:]) async throws -> (value: [UInt8], error: String, message: String) {
        let reply = try await call("ReadValue", [.objectPath(DBusObjectPath(rawValue: path)!), options.dbusValue])
        return (try reply.argument(0), try reply.argument(1), try reply.argument(2))
    }

    func write(_ path: String, _ value: [UInt8], _ options: [String: DBusValue] = [:]) async throws -> (error: String, message: String) {
        let reply = try await call("WriteValue", [.objectPath(DBusObjectPath(rawValue: path)!), .bytes(value), options.dbusValue])
        return (try reply.argument(0), try reply.argument(1))
    }

    func adapterProperty(_ name: String) async throws -> DBusValue {
        let reply = try await connection.call(
            destination: "org.bluez", path: "/org/bluez/hci0", interface: "org.freedesktop.DBus.Properties",
            method: "Get", arguments: [.string("org.bluez.Adapter1"), .string(name)])
        return try reply.argument(0, as: DBusValue.self)
    }
}

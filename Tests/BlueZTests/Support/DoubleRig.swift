import DBus
import Foundation
import PressoTestSupport
import Synchronization

/// A private dbus-daemon with the BlueZ double (Tests/Support/bluez_double.py) on it, for one
/// test. Both processes are killed (SIGKILL) and reaped when the test ends, however it ends
/// (`ChildProcess`), and their output folder is removed.
final class DoubleRig: Sendable {
    let bus: ChildProcess
    let address: String
    private let directory: TemporaryDirectory
    private let double = Mutex<ChildProcess?>(nil)

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Support/bluez_double.py").standardized.path

    private init(bus: ChildProcess, address: String, directory: TemporaryDirectory) {
        self.bus = bus
        self.address = address
        self.directory = directory
    }

    /// Starts the bus and, unless `withDouble` is false, the double on it.
    static func start(withDouble: Bool = true) async throws -> DoubleRig {
        let directory = try TemporaryDirectory(prefix: "presso-bluez-double")
        let bus = try ChildProcess(
            executable: "/usr/bin/dbus-daemon", arguments: ["--session", "--nofork", "--nopidfile", "--print-address=1"],
            environment: [:], outputPrefix: directory.file("bus"))
        let address: String
        do {
            address = try await eventually("the bus address") { () -> String? in
                guard bus.poll() == nil else { throw TestFailure("dbus-daemon ended: \(bus.standardError)") }
                let line = bus.standardOutput.split(separator: "\n").first.map(String.init)
                return line?.hasPrefix("unix:") == true ? line : nil
            }
        } catch {
            bus.stop()
            throw error
        }
        let rig = DoubleRig(bus: bus, address: address, directory: directory)
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
        let child = try ChildProcess(
            executable: "/usr/bin/python3", arguments: ["-u", Self.script, "--address", address],
            environment: ["PATH": "/usr/bin:/bin"], outputPrefix: directory.file("double"))
        double.withLock { $0 = child }
        _ = try await eventually("the BlueZ double's READY") { () -> Bool? in
            guard child.poll() == nil else { throw TestFailure("the BlueZ double ended: \(child.standardError)") }
            return child.standardOutput.contains("READY") ? true : nil
        }
    }

    /// The double's stderr (Python tracebacks), for a failing test to show.
    var log: String { double.withLock { $0?.standardError } ?? "" }

    func stop() {
        double.withLock { _ = $0?.stop() }
        bus.stop()
    }

    deinit { stop() }

    func connect() async throws -> DBusConnection {
        try await DBusConnection.connect(address: address)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
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

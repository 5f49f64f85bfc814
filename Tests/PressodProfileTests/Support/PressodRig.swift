import DBus
import Foundation
import Glibc
import PressoTestSupport
import Synchronization
import Testing

/// The real pressod binary (simulated pump) on a PRIVATE bus with the BlueZ double
/// (Tests/Support/bluez_double.py) standing in for bluetoothd, driven as BlueZ would drive it:
/// through the double's control API (ReadValue, WriteValue, StartNotify, Notifications, Restart).
/// Every process is SIGKILLed and reaped when the rig is released, however a test ends.
final class PressodRig: Sendable {
    let directory: TemporaryDirectory
    let address: String
    let configuration: String
    private let bus: ChildProcess
    private let double: ChildProcess
    private let daemon = Mutex<ChildProcess?>(nil)
    private let starts = Mutex(0)
    let client: DBusConnection

    static let root = PackageBuild.packageRoot()
    static let pressod = PackageBuild.product("pressod")
    static let doubleScript = root + "/Tests/Support/bluez_double.py"
    /// The double's adapter (hci0) address, hence the boots' name and serial number.
    static let adapterAddress = "00:AA:01:00:00:23"
    static let localName = "Presso-0023"

    /// Bus and double running, pressod not yet (see `startPressod`). `config` is pressod.conf.
    init(config: String) async throws {
        directory = try TemporaryDirectory(prefix: "pressod-profile")
        configuration = directory.file("pressod.conf")
        try config.write(toFile: configuration, atomically: true, encoding: .utf8)
        bus = try ChildProcess(
            executable: "/usr/bin/dbus-daemon", arguments: ["--session", "--nofork", "--nopidfile", "--print-address=1"],
            environment: ["PATH": "/usr/bin:/bin"], outputPrefix: directory.file("bus"))
        let bus = bus
        address = try await eventually("dbus-daemon's address") {
            bus.standardOutput.split(separator: "\n").first.map(String.init)
        }
        double = try ChildProcess(
            executable: "/usr/bin/python3", arguments: ["-u", Self.doubleScript, "--address", address],
            environment: ["PATH": "/usr/bin:/bin"], outputPrefix: directory.file("double"))
        let double = double
        try await waitUntil("the BlueZ double's READY") { double.standardOutput.hasPrefix("READY") }
        client = try await DBusConnection.connect(address: address)
    }

    /// Runs `body` with a rig whose pressod is registered (`prepare` runs before pressod
    /// starts); closes and kills everything after.
    static func with(config: String, prepare: (PressodRig) throws -> Void = { _ in },
                     _ body: (PressodRig) async throws -> Void) async throws {
        #expect(FileManager.default.isExecutableFile(atPath: pressod), "build pressod first: swift build")
        let rig = try await PressodRig(config: config)
        var failure: (any Error)?
        do {
            try prepare(rig)
            try await rig.startPressod()
            try await body(rig)
        } catch { failure = error }
        await rig.client.close()
        rig.stopAll()
        if let failure {
            Issue.record("pressod's log:\n\(rig.log)\ndouble's log:\n\(rig.doubleLog)")
            throw failure
        }
    }

    var stateDirectory: String { directory.file("state") }

    /// Starts pressod and waits until the double holds its whole application, its advertisement
    /// and its final name (the rename follows the registration).
    func startPressod(extraArguments: [String] = []) async throws {
        let run = starts.withLock { count in
            count += 1
            return count
        }
        let child = try ChildProcess(
            executable: Self.pressod,
            arguments: ["run", "--config", configuration, "--state-directory", stateDirectory] + extraArguments,
            environment: ["DBUS_SYSTEM_BUS_ADDRESS": address, "PATH": "/usr/bin:/bin"],
            outputPrefix: directory.file("pressod.\(run)"))
        daemon.withLock { $0 = child }
        try await waitRegistered()
    }

    func waitRegistered() async throws {
        try await waitUntil("pressod's application and advertisement on the double") {
            guard let tree = try? await self.registered() else { return false }
            return tree.characteristics.count == Contract.presso.characteristicCount
                && tree.advertisements.values.contains { $0["LocalName"] as? String == Self.localName }
        }
    }

    var process: ChildProcess? { daemon.withLock { $0 } }

    /// Sends SIGTERM and waits (a deadlock guard, not a timing assertion) for pressod's end.
    func terminate() async -> ChildProcess.Termination? {
        guard let child = process else { return nil }
        child.send(SIGTERM)
        return await child.wait(timeout: .seconds(30)) ?? child.stop()
    }

    /// Everything every pressod run of this rig wrote (stderr: the log).
    var log: String {
        (1 ... max(1, starts.withLock { $0 })).map { run in
            "--- run \(run)\n" + ((try? String(contentsOfFile: directory.file("pressod.\(run).stderr"), encoding: .utf8)) ?? "")
        }.joined(separator: "\n")
    }

    /// The log of the current (last) pressod run.
    var currentLog: String { process?.standardError ?? "" }

    var doubleLog: String { double.standardError }

    func stopAll() {
        process?.stop()
        double.stop()
        bus.stop()
    }

    // MARK: The double's control API

    @discardableResult
    func control(_ method: String, _ arguments: [DBusValue] = []) async throws -> [DBusValue] {
        try await client.call(
            destination: "org.presso.Test.BlueZDouble", path: DBusObjectPath(rawValue: "/org/presso/test")!,
            interface: "org.presso.Test.BlueZDouble", method: method, arguments: arguments, timeout: .seconds(15))
    }

    func registered() async throws -> RegisteredTree {
        let json: String = try await control("RegisteredJSON").argument(0)
        return try RegisteredTree(json: json)
    }

    private func objectPath(_ path: String) -> DBusValue { .objectPath(DBusObjectPath(rawValue: path)!) }

    /// The object path of characteristic `id` (a contract id) in the registered tree.
    func path(_ id: String) async throws -> String {
        let uuid = Contract.presso.characteristic(id).uuid
        return try #require(try await registered().characteristicPath(uuid: uuid), "\(id) (\(uuid)) not registered")
    }

    /// ReadValue as BlueZ calls it; value, error name ("" on success), error message.
    func read(_ id: String, options: [String: DBusValue] = [:]) async throws -> (value: [UInt8], error: String, message: String) {
        let reply = try await control("ReadValue", [objectPath(try await path(id)), .stringVariantDictionary(options)])
        return (try reply.argument(0), try reply.argument(1), try reply.argument(2))
    }

    /// Reads a characteristic that must answer.
    func value(_ id: String) async throws -> [UInt8] {
        let answer = try await read(id)
        try #require(answer.error.isEmpty, "read \(id): \(answer.error) \(answer.message)")
        return answer.value
    }

    /// WriteValue as BlueZ calls it; error name ("" on success) and message.
    func write(_ id: String, _ value: [UInt8], options: [String: DBusValue] = [:]) async throws -> (error: String, message: String) {
        let reply = try await control("WriteValue", [objectPath(try await path(id)), .bytes(value), .stringVariantDictionary(options)])
        return (try reply.argument(0), try reply.argument(1))
    }

    /// A write that must be accepted.
    func accept(_ id: String, _ value: [UInt8]) async throws {
        let answer = try await write(id, value)
        try #require(answer.error.isEmpty, "write \(id) \(value.hex): \(answer.error) \(answer.message)")
    }

    func startNotify(_ id: String) async throws {
        let reply = try await control("StartNotify", [objectPath(try await path(id))])
        let error: String = try reply.argument(0)
        try #require(error.isEmpty, "StartNotify \(id): \(error)")
    }

    /// Values notified (or indicated) since StartNotify, oldest first.
    func notifications(_ id: String) async throws -> [[UInt8]] {
        try await control("Notifications", [objectPath(try await path(id))]).argument(0)
    }

    /// Waits until more than `count` values were notified, and returns them all.
    func notifications(_ id: String, moreThan count: Int) async throws -> [[UInt8]] {
        try await eventually("a notification of \(id) after #\(count)") {
            let all = try await self.notifications(id)
            return all.count > count ? all : nil
        }
    }

    /// A descriptor's ReadValue, called on pressod itself (the double forwards characteristics
    /// only): as bluetoothd does it, with the `device` option.
    func readDescriptor(_ path: String, owner: String) async throws -> [UInt8] {
        try await client.call(
            destination: owner, path: DBusObjectPath(rawValue: path)!, interface: "org.bluez.GattDescriptor1",
            method: "ReadValue",
            arguments: [.stringVariantDictionary(["device": objectPath("/org/bluez/hci0/dev_00_00_00_00_00_01")])],
            timeout: .seconds(10)
        ).argument(0)
    }
}

/// Polls `probe` every 20 ms until it returns a value; fails after `seconds` (a deadlock
/// guard, never a timing assertion).
@discardableResult
func eventually<T>(_ what: String, seconds: Int = 20, _ probe: () async throws -> T?) async throws -> T {
    let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
    while true {
        if let value = try await probe() { return value }
        guard ContinuousClock.now < deadline else { throw RigError("gave up waiting for \(what) after \(seconds) s") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// `eventually` for a condition.
func waitUntil(_ what: String, seconds: Int = 20, _ condition: () async throws -> Bool) async throws {
    try await eventually(what, seconds: seconds) { try await condition() ? true : nil }
}

struct RigError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension [UInt8] {
    var hex: String { map { String(format: "%02x", $0) }.joined() }

    init(hex: String) {
        let digits = Array(hex.replacingOccurrences(of: " ", with: "").utf8)
        self = stride(from: 0, to: digits.count - 1, by: 2).map { UInt8(String(decoding: digits[$0 ... $0 + 1], as: UTF8.self), radix: 16)! }
    }
}

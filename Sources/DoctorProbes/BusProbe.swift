import DBus
import Doctor
import Foundation

/// The system bus and bluetoothd on it, asked the way pressod itself asks them.
struct BusProbe {
    static let bluez = "org.bluez"

    /// Where `DBusConnection.system()` connects.
    static var address: String {
        ProcessInfo.processInfo.environment["DBUS_SYSTEM_BUS_ADDRESS"] ?? "unix:path=/var/run/dbus/system_bus_socket"
    }

    func facts() async -> SystemBusFacts {
        let connection: DBusConnection
        do {
            connection = try await DBusConnection.system()
        } catch {
            return .unreachable(reason: "\(Self.address): \(error)")
        }
        defer { Task { await connection.close() } }
        let owner: String?
        do {
            owner = try await connection.nameOwner(Self.bluez)
        } catch {
            return .unreachable(reason: "asking for \(Self.bluez)'s owner failed: \(error)")
        }
        guard let owner else { return .reachable(address: Self.address, bluetoothd: nil) }
        var daemon = BluetoothdFacts(owner: owner)
        daemon.pid = try? await connection.call(
            destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
            method: "GetConnectionUnixProcessID", arguments: [.string(owner)], timeout: .seconds(5)
        ).argument(0, as: UInt32.self)
        daemon.commandLine = daemon.pid.flatMap(Self.commandLine(of:))
        daemon.version = Self.version(executable: daemon.pid.flatMap(Self.executable(of:)))
        daemon.adapters = try? await adapters(connection, owner: owner)
        return .reachable(address: Self.address, bluetoothd: daemon)
    }

    /// Every Adapter1 object bluetoothd has, from its ObjectManager.
    private func adapters(_ connection: DBusConnection, owner: String) async throws -> [BusAdapter] {
        let reply = try await connection.call(
            destination: owner, path: "/", interface: "org.freedesktop.DBus.ObjectManager",
            method: "GetManagedObjects", timeout: .seconds(10))
        let objects = try reply.argument(0, as: [DBusObjectPath: [String: [String: DBusValue]]].self)
        return objects.compactMap { path, interfaces -> BusAdapter? in
            guard let adapter = interfaces["org.bluez.Adapter1"] else { return nil }
            let name = String(path.rawValue.split(separator: "/").last ?? "")
            let address: String = if case .string(let text)? = adapter["Address"]?.unwrappingVariants { text } else { "?" }
            let powered = adapter["Powered"]?.unwrappingVariants == .bool(true)
            return BusAdapter(name: name, address: address, powered: powered, showsExperimentalProperty: adapter["PowerState"] != nil)
        }.sorted { $0.name < $1.name }
    }

    static func commandLine(of pid: UInt32) -> [String]? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    static func executable(of pid: UInt32) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
    }

    /// "5.66": `bluetoothd --version` of the running binary (or Debian's), else the bluez
    /// package's version.
    static func version(executable: String?) -> String? {
        for path in [executable, "/usr/libexec/bluetooth/bluetoothd", "/usr/sbin/bluetoothd"].compactMap({ $0 })
        where FileManager.default.isExecutableFile(atPath: path) {
            if let out = run(path, ["--version"]), let first = out.split(separator: "\n").first, BlueZVersionText.looksLikeVersion(first) {
                return String(first)
            }
        }
        return run("/usr/bin/dpkg-query", ["-W", "-f", "${Version}", "bluez"]).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Runs a short tool and returns its trimmed standard output, nil when it fails.
    static func run(_ executable: String, _ arguments: [String]) -> String? {
        guard FileManager.default.isExecutableFile(atPath: executable) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

enum BlueZVersionText {
    static func looksLikeVersion(_ text: Substring) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isNumber || $0 == "." } && text.contains(".")
    }
}

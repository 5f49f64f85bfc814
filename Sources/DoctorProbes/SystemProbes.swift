import Doctor
import Foundation
import GPIO
import GPIOHardware
import HCI
#if canImport(Glibc)
import Glibc
#endif

/// The doctor's probes on the real system: D-Bus, libbluetooth, libgpiod, /proc, the file system.
public struct SystemProbes: DoctorProbing {
    /// Folders where dbus-daemon reads system bus policies (Debian's dbus 1.14).
    static let policyFolders = ["/usr/share/dbus-1/system.d", "/etc/dbus-1/system.d"]

    public init() {}

    public func systemBus() async -> SystemBusFacts {
        await BusProbe().facts()
    }

    public func kernelBluetooth() -> KernelBluetoothFacts {
        do {
            return .controllers(try HCIAdapters.all().map {
                .init(name: $0.name, address: $0.address, isUp: $0.isUp, supportsLE: $0.supportsLE, isLEOnly: $0.isLEOnly)
            })
        } catch {
            return .unavailable(reason: "\(error)", noBluetooth: error.kernelHasNoBluetooth)
        }
    }

    public func busPolicyFiles(for name: String) -> [String] {
        Self.policyFolders.map { "\($0)/\(name).conf" }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    public func gpioLines(_ lines: [GPIOPlan.Line]) -> [GPIOLineFacts] {
        let provider = LibgpiodLineProvider()
        return lines.map { line in
            let spec: GPIOLineSpec
            do { spec = try GPIOLineSpec(parsing: line.spec) } catch { return .lineMissing(reason: "\(error)") }
            do throws(GPIOError) {
                let (chip, info) = try provider.inspect(spec)
                return .found(chip: chip, offset: info.offset, used: info.isUsed, consumer: info.consumer)
            } catch {
                guard error.operation == "open chip" else { return .lineMissing(reason: "\(error)") }
                return .chipUnavailable(reason: "\(error)", permissionDenied: error.errno == .permissionDenied)
            }
        }
    }

    public func otherPressodRunning() -> Bool {
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.contains { entry in
            guard let pid = Int32(entry), pid != me,
                let comm = FileManager.default.contents(atPath: "/proc/\(entry)/comm")
            else { return false }
            return String(decoding: comm, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "pressod"
        }
    }

    public func directory(_ path: String) -> DirectoryFacts {
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else { return .notADirectory }
            return .directory(writable: access(path, W_OK) == 0, owner: Self.user(info.st_uid))
        }
        // The nearest existing ancestor decides whether pressod's createDirectory succeeds.
        var parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        while parent != "/" && stat(parent, &info) != 0 {
            parent = URL(fileURLWithPath: parent).deletingLastPathComponent().path
        }
        return .missing(creatable: access(parent, W_OK) == 0)
    }

    public var userName: String { Self.user(geteuid()) }

    static func user(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid) else { return "uid \(uid)" }
        return String(cString: entry.pointee.pw_name)
    }
}

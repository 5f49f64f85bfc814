import ArgumentParser
import BootsControlAPI
import DBus
import Foundation

/// pressoctl's side of org.presso.Boots1: one connection to the system bus, calls by method
/// name, and every failure turned into one line on stderr and an exit status.
struct BootsClient {
    let connection: DBusConnection

    /// Connects to the system bus, or exits 69 saying why not.
    static func connect() async throws -> BootsClient {
        do {
            return BootsClient(connection: try await DBusConnection.system())
        } catch {
            throw fail("cannot reach the system bus: \(error.message)", status: 69)
        }
    }

    /// Calls `method` of org.presso.Boots1; a refusal exits with its message.
    @discardableResult
    func call(_ method: String, _ arguments: [DBusValue] = []) async throws -> [DBusValue] {
        do {
            return try await connection.call(
                destination: BootsBus.name, path: BootsBus.path, interface: BootsBus.interface, method: method,
                arguments: arguments)
        } catch {
            throw Self.fail(error)
        }
    }

    /// Every property, read at once.
    func status() async throws -> BootsStatus {
        do {
            let reply = try await connection.call(
                destination: BootsBus.name, path: BootsBus.path, interface: "org.freedesktop.DBus.Properties",
                method: "GetAll", arguments: [.string(BootsBus.interface)])
            return try BootsStatus(properties: try reply.argument(0, as: [String: DBusValue].self))
        } catch {
            throw Self.fail(error)
        }
    }

    /// Prints `error` the way a person needs it and returns the exit status to throw.
    static func fail(_ error: DBusError) -> ExitCode {
        switch error.name {
        case DBusError.Name.serviceUnknown, DBusError.Name.nameHasNoOwner:
            return fail("pressod is not running (nobody owns \(BootsBus.name) on the system bus)", status: 69)
        case DBusError.Name.accessDenied:
            // pressod's own refusal names the rule; the bus policy's does not.
            let hint = error.message.contains("presso-admin") ? "" : " (run as root or as a member of group presso-admin)"
            return fail(error.message + hint, status: 77)
        case DBusError.Name.noReply, DBusError.Name.timeout, DBusError.Name.disconnected:
            return fail("pressod did not answer: \(error.message)", status: 69)
        default:
            return fail(error.message.isEmpty ? error.name : error.message, status: 1)
        }
    }

    /// An argument pressoctl cannot read: exit 64 (EX_USAGE), nothing sent.
    static func usage(_ message: String) -> ExitCode { fail(message, status: 64) }

    static func fail(_ message: String, status: Int32) -> ExitCode {
        FileHandle.standardError.write(Data("pressoctl: \(message)\n".utf8))
        return ExitCode(status)
    }
}

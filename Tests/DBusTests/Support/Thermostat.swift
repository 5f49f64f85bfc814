import DBus
import Synchronization

/// A test object with a read-only and a writable property, the way a GATT characteristic has
/// read-only UUID and a changing Value.
final class Thermostat: Sendable {
    static let interface = "presso.test.Thermostat1"
    let target = Mutex<Int32>(20)

    func interfaceDescription() -> DBusInterface {
        DBusInterface(
            Self.interface,
            methods: [DBusMethod("Reset") { [self] _ in
                target.withLock { $0 = 20 }
                return []
            }],
            properties: [
                DBusProperty("Model", type: "s", get: { .string("T-1000") }),
                DBusProperty(
                    "Target", type: "i", get: { [self] in .int32(target.withLock { $0 }) },
                    set: { [self] value throws(DBusError) in
                        let degrees: Int32 = try value.as()
                        guard (5...30).contains(degrees) else { throw .invalidArgs("target out of range") }
                        target.withLock { $0 = degrees }
                    }),
            ],
            signals: [DBusSignalDescription("Overheated", arguments: [.init("degrees", "i")])])
    }
}

/// `org.freedesktop.DBus.ObjectManager`: `GetManagedObjects` and the `InterfacesAdded` /
/// `InterfacesRemoved` payloads (what BlueZ reads to learn a GATT application).
extension ObjectTree {
    func resolveObjectManager(_ call: DBusMessage, member: String, path: DBusObjectPath) -> Resolution {
        guard member == "GetManagedObjects" else {
            return .error(.unknownMethod("\(StandardInterface.objectManager) has no method \(member)"))
        }
        if let mismatch = checkSignature(call, expected: .empty) { return .error(mismatch) }
        let managed = objects(below: path)
        return .reply({ () throws(DBusError) in
            var result: [DBusValue: DBusValue] = [:]
            for object in managed {
                result[.objectPath(object.path)] = try await Self.interfacesAndProperties(object.interfaces)
            }
            return [.dictionary(key: "o", value: "a{sa{sv}}", result)]
        }, outputSignature: "a{oa{sa{sv}}}")
    }

    /// `a{sa{sv}}`: each interface with its current properties.
    static func interfacesAndProperties(_ interfaces: [DBusInterface]) async throws(DBusError) -> DBusValue {
        var entries: [DBusValue: DBusValue] = [:]
        for interface in interfaces {
            entries[.string(interface.name)] = try await readAll(interface.properties, skippingFailures: true)
        }
        return .dictionary(key: "s", value: "a{sv}", entries)
    }
}

/// `org.freedesktop.DBus.Properties` for exported objects: `Get`, `GetAll`, `Set`.
extension ObjectTree {
    func resolveProperties(_ call: DBusMessage, member: String, interfaces: [DBusInterface]) -> Resolution {
        func find(_ interfaceName: String) -> Result<DBusInterface, DBusError> {
            guard let interface = interfaces.first(where: { $0.name == interfaceName }) else {
                return .failure(.unknownInterface("no interface \(interfaceName) at \(call.path?.rawValue ?? "")"))
            }
            return .success(interface)
        }
        func findProperty(_ interfaceName: String, _ name: String) -> Result<DBusProperty, DBusError> {
            find(interfaceName).flatMap { interface in
                guard let property = interface.property(named: name) else {
                    return .failure(.unknownProperty("interface \(interfaceName) has no property \(name)"))
                }
                return .success(property)
            }
        }
        let args = call.arguments
        switch member {
        case "Get":
            if let mismatch = checkSignature(call, expected: "ss") { return .error(mismatch) }
            guard case .string(let interfaceName) = args[0], case .string(let name) = args[1] else {
                return .error(.invalidArgs("Get takes (ss)"))
            }
            switch findProperty(interfaceName, name) {
            case .failure(let error): return .error(error)
            case .success(let property):
                return .reply({ () throws(DBusError) in [.variant(try await Self.read(property))] }, outputSignature: "v")
            }
        case "GetAll":
            if let mismatch = checkSignature(call, expected: "s") { return .error(mismatch) }
            guard case .string(let interfaceName) = args[0] else { return .error(.invalidArgs("GetAll takes (s)")) }
            let properties: [DBusProperty]
            if interfaceName.isEmpty {
                properties = interfaces.flatMap(\.properties)
            } else {
                switch find(interfaceName) {
                case .failure(let error): return .error(error)
                case .success(let interface): properties = interface.properties
                }
            }
            return .reply(
                { () throws(DBusError) in [try await Self.readAll(properties, skippingFailures: false)] },
                outputSignature: "a{sv}")
        case "Set":
            if let mismatch = checkSignature(call, expected: "ssv") { return .error(mismatch) }
            guard case .string(let interfaceName) = args[0], case .string(let name) = args[1],
                case .variant(let value) = args[2]
            else { return .error(.invalidArgs("Set takes (ssv)")) }
            switch findProperty(interfaceName, name) {
            case .failure(let error): return .error(error)
            case .success(let property):
                guard let set = property.setter else {
                    return .error(.propertyReadOnly("property \(interfaceName).\(name) is read-only"))
                }
                guard value.signature == property.type else {
                    return .error(
                        .invalidArgs("property \(name) has type \"\(property.type)\", not \"\(value.signature)\""))
                }
                return .reply({ () throws(DBusError) in
                    try await set(value)
                    return []
                }, outputSignature: .empty)
            }
        default:
            return .error(.unknownMethod("\(StandardInterface.properties) has no method \(member)"))
        }
    }

    /// Reads one property and checks its getter returned the declared type.
    static func read(_ property: DBusProperty) async throws(DBusError) -> DBusValue {
        let value = try await property.getter()
        guard value.signature == property.type else {
            throw .failed("property \(property.name) read as \"\(value.signature)\", declared \"\(property.type)\"")
        }
        return value
    }

    /// `a{sv}` of properties. With `skippingFailures` a property whose getter fails is left out
    /// (object-manager listings should not vanish because of one unreadable value).
    static func readAll(_ properties: [DBusProperty], skippingFailures: Bool) async throws(DBusError) -> DBusValue {
        var entries: [DBusValue: DBusValue] = [:]
        for property in properties {
            do {
                entries[.string(property.name)] = .variant(try await read(property))
            } catch where skippingFailures {
                continue
            }
        }
        return .dictionary(key: "s", value: "v", entries)
    }
}

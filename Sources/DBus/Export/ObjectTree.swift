/// The exported objects of one connection and how a method call finds its handler.
///
/// A plain value: it decides, for a call, either an immediate error reply or the async work
/// whose result is the reply. The connection runs that work off its queue, so a handler may
/// wait as long as it needs without holding up other messages.
struct ObjectTree {
    /// Interfaces of each exported object, in export order.
    private(set) var objects: [DBusObjectPath: [DBusInterface]] = [:]
    /// Paths that answer `org.freedesktop.DBus.ObjectManager` for the objects below them.
    private(set) var managers: Set<DBusObjectPath> = []

    /// The async part of answering a call; returns the reply's values.
    typealias Work = @Sendable () async throws(DBusError) -> [DBusValue]

    enum Resolution {
        case reply(Work, outputSignature: DBusSignature)
        case error(DBusError)
    }

    mutating func add(_ interfaces: [DBusInterface], at path: DBusObjectPath) throws(DBusError) {
        guard objects[path] == nil else { throw .invalidArgs("an object is already exported at \(path)") }
        var seen: Set<String> = []
        for interface in interfaces {
            guard !Self.isStandard(interface.name) else { throw .invalidArgs("\(interface.name) is provided by the connection itself") }
            guard seen.insert(interface.name).inserted else { throw .invalidArgs("interface \(interface.name) given twice") }
        }
        objects[path] = interfaces
    }

    static func isStandard(_ name: String) -> Bool {
        [StandardInterface.properties, StandardInterface.introspectable, StandardInterface.peer,
         StandardInterface.objectManager].contains(name)
    }

    mutating func remove(at path: DBusObjectPath) -> [DBusInterface]? { objects.removeValue(forKey: path) }

    mutating func addManager(at path: DBusObjectPath) { managers.insert(path) }
    mutating func removeManager(at path: DBusObjectPath) { managers.remove(path) }

    /// The object manager responsible for `path`: the closest one strictly above it.
    func manager(for path: DBusObjectPath) -> DBusObjectPath? {
        managers.filter { path.isDescendant(of: $0) }.max { $0.rawValue.count < $1.rawValue.count }
    }

    /// Exported objects strictly below `path`, sorted by path.
    func objects(below path: DBusObjectPath) -> [(path: DBusObjectPath, interfaces: [DBusInterface])] {
        objects.filter { $0.key.isDescendant(of: path) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Names of the direct children of `path` that lead to exported objects or managers.
    func childNames(of path: DBusObjectPath) -> [String] {
        let prefix = path.rawValue == "/" ? "/" : path.rawValue + "/"
        var names: Set<String> = []
        for other in Set(objects.keys).union(managers) where other.isDescendant(of: path) {
            let rest = other.rawValue.dropFirst(prefix.count)
            names.insert(String(rest.prefix { $0 != "/" }))
        }
        return names.sorted()
    }

    /// Decides how to answer a method call addressed to this connection.
    func resolve(_ call: DBusMessage) -> Resolution {
        guard let path = call.path, let member = call.member else {
            return .error(.invalidArgs("a method call needs a path and a member"))
        }
        let own = objects[path]
        let isManager = managers.contains(path)
        if call.interface == StandardInterface.introspectable || (call.interface == nil && member == "Introspect"),
            member == "Introspect", own != nil || isManager || !childNames(of: path).isEmpty
        {
            if let mismatch = checkSignature(call, expected: .empty) { return .error(mismatch) }
            let xml = introspectionXML(at: path)
            return .reply({ () throws(DBusError) in [.string(xml)] }, outputSignature: "s")
        }
        guard own != nil || isManager else {
            return .error(.unknownObject("no object at path \(path)"))
        }
        let interfaces = own ?? []
        switch call.interface {
        case StandardInterface.properties?:
            return resolveProperties(call, member: member, interfaces: interfaces)
        case StandardInterface.objectManager? where isManager:
            return resolveObjectManager(call, member: member, path: path)
        case let name?:
            guard let interface = interfaces.first(where: { $0.name == name }) else {
                return .error(.unknownInterface("object \(path) has no interface \(name)"))
            }
            guard let method = interface.method(named: member) else {
                return .error(.unknownMethod("interface \(name) has no method \(member)"))
            }
            return resolve(call, method)
        case nil:
            guard let method = interfaces.lazy.compactMap({ $0.method(named: member) }).first else {
                return .error(.unknownMethod("object \(path) has no method \(member)"))
            }
            return resolve(call, method)
        }
    }

    private func resolve(_ call: DBusMessage, _ method: DBusMethod) -> Resolution {
        if let mismatch = checkSignature(call, expected: method.inputSignature) { return .error(mismatch) }
        let handler = method.handler
        return .reply({ () throws(DBusError) in try await handler(call) }, outputSignature: method.outputSignature)
    }

    /// `InvalidArgs` unless the call's arguments have exactly the `expected` types.
    func checkSignature(_ call: DBusMessage, expected: DBusSignature) -> DBusError? {
        guard call.signature != expected else { return nil }
        return .invalidArgs(
            "\(call.member ?? "call") takes arguments of type \"\(expected)\", got \"\(call.signature)\"")
    }
}

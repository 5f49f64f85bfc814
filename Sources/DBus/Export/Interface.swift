/// A named argument of a method or signal: exactly one complete type (introspection lists one
/// `<arg>` per argument, and D-Bus tools reject anything else).
public struct DBusArgument: Hashable, Sendable {
    public var name: String
    public var type: DBusSignature

    public init(_ name: String, _ type: DBusSignature) {
        precondition(type.isSingleCompleteType, "argument \(name): \"\(type)\" is not one complete type")
        self.name = name
        self.type = type
    }
}

/// Handles one call of an exported method: gets the call, returns the reply's values (matching
/// the declared outputs) or throws a `DBusError`, whose name the caller receives. It may take
/// as long as it likes — including calling back the caller — the connection keeps running.
public typealias DBusMethodHandler = @Sendable (DBusMessage) async throws(DBusError) -> [DBusValue]

/// An exported method: its name, typed arguments and results, and its handler.
public struct DBusMethod: Sendable {
    public var name: String
    public var inputs: [DBusArgument]
    public var outputs: [DBusArgument]
    public var handler: DBusMethodHandler

    public init(
        _ name: String, inputs: [DBusArgument] = [], outputs: [DBusArgument] = [],
        handler: @escaping DBusMethodHandler
    ) {
        precondition(NameCheck.isMember(name), "invalid method name \"\(name)\"")
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.handler = handler
    }

    var inputSignature: DBusSignature { DBusSignature(trusted: inputs.map(\.type.rawValue).joined()) }
    var outputSignature: DBusSignature { DBusSignature(trusted: outputs.map(\.type.rawValue).joined()) }
}

/// An exported property, read through `get` and (when writable) written through `set`.
///
/// The connection checks access and type before `set` runs: a read-only property answers `Set`
/// with `PropertyReadOnly`, a value of another type with `InvalidArgs`. Changes are announced
/// with ``DBusConnection/emitPropertiesChanged(path:interface:changed:invalidated:)``.
public struct DBusProperty: Sendable {
    public typealias Getter = @Sendable () async throws(DBusError) -> DBusValue
    public typealias Setter = @Sendable (DBusValue) async throws(DBusError) -> Void

    public var name: String
    public var type: DBusSignature
    public var getter: Getter
    public var setter: Setter?

    /// A property of `type` (one complete type). Read-only when `set` is nil.
    public init(_ name: String, type: DBusSignature, get: @escaping Getter, set: Setter? = nil) {
        precondition(NameCheck.isMember(name), "invalid property name \"\(name)\"")
        precondition(type.isSingleCompleteType, "property \(name): \"\(type)\" is not one complete type")
        self.name = name
        self.type = type
        self.getter = get
        self.setter = set
    }

    public var isWritable: Bool { setter != nil }
}

/// A signal an interface declares (for introspection; emit it with `emitSignal`).
public struct DBusSignalDescription: Hashable, Sendable {
    public var name: String
    public var arguments: [DBusArgument]

    public init(_ name: String, arguments: [DBusArgument] = []) {
        precondition(NameCheck.isMember(name), "invalid signal name \"\(name)\"")
        self.name = name
        self.arguments = arguments
    }
}

/// One interface of an exported object: what it answers, as a value (like an sd-bus vtable).
public struct DBusInterface: Sendable {
    public var name: String
    public var methods: [DBusMethod]
    public var properties: [DBusProperty]
    public var signals: [DBusSignalDescription]

    public init(
        _ name: String, methods: [DBusMethod] = [], properties: [DBusProperty] = [],
        signals: [DBusSignalDescription] = []
    ) {
        precondition(NameCheck.isInterface(name), "invalid interface name \"\(name)\"")
        self.name = name
        self.methods = methods
        self.properties = properties
        self.signals = signals
    }

    func method(named name: String) -> DBusMethod? { methods.first { $0.name == name } }
    func property(named name: String) -> DBusProperty? { properties.first { $0.name == name } }
}

/// The standard interfaces every exported object answers.
enum StandardInterface {
    static let properties = "org.freedesktop.DBus.Properties"
    static let introspectable = "org.freedesktop.DBus.Introspectable"
    static let peer = "org.freedesktop.DBus.Peer"
    static let objectManager = "org.freedesktop.DBus.ObjectManager"
}

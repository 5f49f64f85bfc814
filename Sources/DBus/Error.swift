import CDBus

/// An error as D-Bus carries it: a well-known error name plus a human-readable message.
///
/// Every failure of this module is a `DBusError`: remote error replies keep the name the peer
/// sent (`org.bluez.Error.Failed`, …), local failures use the standard names below, so callers
/// can switch on `name` whatever the origin. Method handlers throw it to reply with an error.
public struct DBusError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The D-Bus error name, e.g. `org.freedesktop.DBus.Error.UnknownMethod`.
    public var name: String
    /// Human-readable explanation (may be empty).
    public var message: String

    /// Creates an error with the given D-Bus error name and message.
    public init(name: String, message: String = "") {
        self.name = name
        self.message = message
    }

    public var description: String { message.isEmpty ? name : "\(name): \(message)" }
}

extension DBusError {
    /// The standard error names of the D-Bus specification (`org.freedesktop.DBus.Error.*`).
    public enum Name {
        public static let failed = "org.freedesktop.DBus.Error.Failed"
        public static let noMemory = "org.freedesktop.DBus.Error.NoMemory"
        public static let serviceUnknown = "org.freedesktop.DBus.Error.ServiceUnknown"
        public static let nameHasNoOwner = "org.freedesktop.DBus.Error.NameHasNoOwner"
        public static let noReply = "org.freedesktop.DBus.Error.NoReply"
        public static let timeout = "org.freedesktop.DBus.Error.Timeout"
        public static let disconnected = "org.freedesktop.DBus.Error.Disconnected"
        public static let invalidArgs = "org.freedesktop.DBus.Error.InvalidArgs"
        public static let invalidSignature = "org.freedesktop.DBus.Error.InvalidSignature"
        public static let unknownMethod = "org.freedesktop.DBus.Error.UnknownMethod"
        public static let unknownObject = "org.freedesktop.DBus.Error.UnknownObject"
        public static let unknownInterface = "org.freedesktop.DBus.Error.UnknownInterface"
        public static let unknownProperty = "org.freedesktop.DBus.Error.UnknownProperty"
        public static let propertyReadOnly = "org.freedesktop.DBus.Error.PropertyReadOnly"
        public static let accessDenied = "org.freedesktop.DBus.Error.AccessDenied"
        public static let notSupported = "org.freedesktop.DBus.Error.NotSupported"
        public static let matchRuleInvalid = "org.freedesktop.DBus.Error.MatchRuleInvalid"
    }

    public static func failed(_ message: String) -> DBusError { .init(name: Name.failed, message: message) }
    public static func invalidArgs(_ message: String) -> DBusError {
        .init(name: Name.invalidArgs, message: message)
    }
    public static func unknownMethod(_ message: String) -> DBusError {
        .init(name: Name.unknownMethod, message: message)
    }
    public static func unknownObject(_ message: String) -> DBusError {
        .init(name: Name.unknownObject, message: message)
    }
    public static func unknownInterface(_ message: String) -> DBusError {
        .init(name: Name.unknownInterface, message: message)
    }
    public static func unknownProperty(_ message: String) -> DBusError {
        .init(name: Name.unknownProperty, message: message)
    }
    public static func propertyReadOnly(_ message: String) -> DBusError {
        .init(name: Name.propertyReadOnly, message: message)
    }
    public static func notSupported(_ message: String) -> DBusError {
        .init(name: Name.notSupported, message: message)
    }
    /// The connection is closed or was lost; nothing more can be sent on it.
    public static let disconnected = DBusError(name: Name.disconnected, message: "the connection is closed")
    /// The awaiting task was cancelled before a reply arrived.
    public static let cancelled = DBusError(name: "org.freedesktop.DBus.Error.Cancelled", message: "the call was cancelled")

    /// Takes the error out of a filled libdbus `DBusError` (and frees it).
    init?(consuming raw: inout CDBus.DBusError) {
        guard dbus_error_is_set(&raw) != 0 else { return nil }
        name = raw.name.map { String(cString: $0) } ?? Name.failed
        message = raw.message.map { String(cString: $0) } ?? ""
        dbus_error_free(&raw)
    }
}

/// Runs `body` with an initialised libdbus error and turns a set error into a thrown `DBusError`.
func withRawError<T>(_ body: (inout CDBus.DBusError) -> T) throws(DBusError) -> T {
    var raw = CDBus.DBusError()
    dbus_error_init(&raw)
    let result = body(&raw)
    if let error = DBusError(consuming: &raw) { throw error }
    return result
}

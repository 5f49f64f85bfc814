import CDBus

/// A received D-Bus message, decoded: header fields plus arguments as `DBusValue`s.
///
/// A plain value (`Sendable`), so it can travel to any task; libdbus' own message object stays
/// inside this module.
public struct DBusMessage: Sendable, CustomStringConvertible {
    /// The four kinds of D-Bus message.
    public enum Kind: Sendable, Hashable {
        case methodCall, methodReturn, error, signal
    }

    public var kind: Kind
    /// Serial number the sender gave this message.
    public var serial: UInt32
    /// For replies: the serial of the call answered.
    public var replySerial: UInt32
    /// Unique bus name of the sender (`:1.42`), or `org.freedesktop.DBus` for the daemon.
    public var sender: String?
    public var destination: String?
    public var path: DBusObjectPath?
    public var interface: String?
    /// Method or signal name.
    public var member: String?
    /// For error replies: the error name.
    public var errorName: String?
    /// Signature of `arguments`.
    public var signature: DBusSignature
    public var arguments: [DBusValue]
    /// Whether the caller asked for no reply (`NO_REPLY_EXPECTED`).
    public var noReplyExpected: Bool

    public var description: String {
        "\(kind) \(path?.rawValue ?? "-") \(interface ?? "-").\(member ?? errorName ?? "-")(\(signature))"
    }

    /// Decodes a libdbus message; `nil` only if its arguments cannot be decoded.
    init?(decoding message: OpaquePointer) {
        switch dbus_message_get_type(message) {
        case DBUS_MESSAGE_TYPE_METHOD_CALL: kind = .methodCall
        case DBUS_MESSAGE_TYPE_METHOD_RETURN: kind = .methodReturn
        case DBUS_MESSAGE_TYPE_ERROR: kind = .error
        case DBUS_MESSAGE_TYPE_SIGNAL: kind = .signal
        default: return nil
        }
        guard let arguments = readArguments(of: message) else { return nil }
        func string(_ pointer: UnsafePointer<CChar>?) -> String? { pointer.map { String(cString: $0) } }
        self.arguments = arguments
        serial = dbus_message_get_serial(message)
        replySerial = dbus_message_get_reply_serial(message)
        sender = string(dbus_message_get_sender(message))
        destination = string(dbus_message_get_destination(message))
        path = string(dbus_message_get_path(message)).map(DBusObjectPath.init(trusted:))
        interface = string(dbus_message_get_interface(message))
        member = string(dbus_message_get_member(message))
        errorName = string(dbus_message_get_error_name(message))
        signature = DBusSignature(trusted: string(dbus_message_get_signature(message)) ?? "")
        noReplyExpected = dbus_message_get_no_reply(message) != 0
    }

    /// The D-Bus error this message carries, for an error reply: name plus first string argument.
    var asError: DBusError? {
        guard kind == .error else { return nil }
        var text = ""
        if case .string(let s)? = arguments.first { text = s }
        return DBusError(name: errorName ?? DBusError.Name.failed, message: text)
    }
}

/// Owns one reference to an outgoing libdbus message.
///
/// `@unchecked Sendable`: the handle is immutable after creation and only ever holds messages
/// this module built (never received ones, whose release touches the connection); libdbus
/// reference-counts messages atomically, and a built message is only handed to
/// `dbus_connection_send` (on the connection's queue) after it is complete.
final class MessageHandle: @unchecked Sendable {
    let raw: OpaquePointer

    /// Takes over a reference the caller already owns.
    init(owning raw: OpaquePointer) { self.raw = raw }

    deinit { dbus_message_unref(raw) }

    /// A method call; names are checked first because libdbus aborts on invalid ones.
    static func methodCall(
        destination: String?, path: DBusObjectPath, interface: String?, method: String,
        arguments: [DBusValue]
    ) throws(DBusError) -> MessageHandle {
        if let destination, !NameCheck.isBusName(destination) {
            throw .invalidArgs("invalid bus name \"\(destination)\"")
        }
        if let interface, !NameCheck.isInterface(interface) {
            throw .invalidArgs("invalid interface name \"\(interface)\"")
        }
        guard NameCheck.isMember(method) else { throw .invalidArgs("invalid method name \"\(method)\"") }
        guard let raw = dbus_message_new_method_call(destination, path.rawValue, interface, method) else {
            throw DBusError(name: DBusError.Name.noMemory, message: "out of memory")
        }
        let handle = MessageHandle(owning: raw)
        try appendArguments(arguments, to: raw)
        return handle
    }

    static func signal(
        path: DBusObjectPath, interface: String, name: String, arguments: [DBusValue], destination: String? = nil
    ) throws(DBusError) -> MessageHandle {
        guard NameCheck.isInterface(interface) else { throw .invalidArgs("invalid interface name \"\(interface)\"") }
        guard NameCheck.isMember(name) else { throw .invalidArgs("invalid signal name \"\(name)\"") }
        guard let raw = dbus_message_new_signal(path.rawValue, interface, name) else {
            throw DBusError(name: DBusError.Name.noMemory, message: "out of memory")
        }
        let handle = MessageHandle(owning: raw)
        if let destination {
            guard NameCheck.isBusName(destination) else { throw .invalidArgs("invalid bus name \"\(destination)\"") }
            dbus_message_set_destination(raw, destination)
        }
        try appendArguments(arguments, to: raw)
        return handle
    }

    /// A method return answering the call at `address`.
    static func methodReturn(to address: ReplyAddress, _ values: [DBusValue]) throws(DBusError) -> MessageHandle {
        guard let raw = dbus_message_new(DBUS_MESSAGE_TYPE_METHOD_RETURN) else {
            throw DBusError(name: DBusError.Name.noMemory, message: "out of memory")
        }
        let handle = MessageHandle(owning: raw)
        address.stamp(raw)
        try appendArguments(values, to: raw)
        return handle
    }

    /// An error reply to the call at `address`. An invalid error name becomes `Failed` (libdbus
    /// would abort on it).
    static func errorReply(to address: ReplyAddress, _ error: DBusError) -> MessageHandle? {
        guard let raw = dbus_message_new(DBUS_MESSAGE_TYPE_ERROR) else { return nil }
        let handle = MessageHandle(owning: raw)
        address.stamp(raw)
        _ = dbus_message_set_error_name(raw, NameCheck.isErrorName(error.name) ? error.name : DBusError.Name.failed)
        let text = error.message.utf8.contains(0) ? "" : error.message
        return (try? appendArguments([.string(text)], to: raw)) != nil ? handle : nil
    }
}

/// Where a reply goes: the call's serial and sender. Replies are built from this rather than
/// from the received call, because releasing a received message off the connection's queue
/// makes libdbus toggle the connection's read watch from that thread.
struct ReplyAddress: Sendable {
    let serial: UInt32
    let destination: String?

    init(of call: OpaquePointer) {
        serial = dbus_message_get_serial(call)
        destination = dbus_message_get_sender(call).map { String(cString: $0) }
    }

    func stamp(_ reply: OpaquePointer) {
        _ = dbus_message_set_reply_serial(reply, serial)
        if let destination { _ = dbus_message_set_destination(reply, destination) }
        dbus_message_set_no_reply(reply, 1)
    }
}

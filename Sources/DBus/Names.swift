/// The bus daemon's own name, path and interface.
let busName = "org.freedesktop.DBus"
let busPath: DBusObjectPath = "/org/freedesktop/DBus"

/// Options of `RequestName` (the bus daemon's flags).
public struct DBusNameFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Let a later requester with `replaceExisting` take the name over.
    public static let allowReplacement = DBusNameFlags(rawValue: 1)
    /// Take the name over if its owner allowed replacement.
    public static let replaceExisting = DBusNameFlags(rawValue: 2)
    /// Fail instead of waiting in the queue when the name is taken.
    public static let doNotQueue = DBusNameFlags(rawValue: 4)
}

/// What `RequestName` achieved.
public enum DBusRequestNameReply: UInt32, Sendable {
    case primaryOwner = 1, inQueue = 2, exists = 3, alreadyOwner = 4
}

/// What `ReleaseName` did.
public enum DBusReleaseNameReply: UInt32, Sendable {
    case released = 1, nonExistent = 2, notOwner = 3
}

/// A change of a bus name's owner (`NameOwnerChanged`); an empty owner means none.
public struct DBusNameOwnerChange: Hashable, Sendable {
    public var name: String
    public var oldOwner: String?
    public var newOwner: String?

    public init(name: String, oldOwner: String?, newOwner: String?) {
        self.name = name
        self.oldOwner = oldOwner
        self.newOwner = newOwner
    }
}

extension DBusConnection {
    /// Calls a method of the bus daemon itself.
    @discardableResult
    func callBus(_ method: String, _ arguments: [DBusValue]) async throws(DBusError) -> [DBusValue] {
        try await call(destination: busName, path: busPath, interface: busName, method: method, arguments: arguments)
    }

    /// Asks the bus for a well-known name (`org.bluez.presso`, …).
    public func requestName(_ name: String, flags: DBusNameFlags = .doNotQueue) async throws(DBusError)
        -> DBusRequestNameReply
    {
        let reply = try await callBus("RequestName", [.string(name), .uint32(flags.rawValue)])
        guard let code = try? reply.argument(0, as: UInt32.self), let result = DBusRequestNameReply(rawValue: code)
        else { throw .failed("unexpected RequestName reply \(reply)") }
        return result
    }

    /// Gives a well-known name back.
    @discardableResult
    public func releaseName(_ name: String) async throws(DBusError) -> DBusReleaseNameReply {
        let reply = try await callBus("ReleaseName", [.string(name)])
        guard let code = try? reply.argument(0, as: UInt32.self), let result = DBusReleaseNameReply(rawValue: code)
        else { throw .failed("unexpected ReleaseName reply \(reply)") }
        return result
    }

    /// The unique name owning `name`, or `nil` when nobody does.
    public func nameOwner(_ name: String) async throws(DBusError) -> String? {
        do {
            return try await callBus("GetNameOwner", [.string(name)]).argument(0, as: String.self)
        } catch where error.name == DBusError.Name.nameHasNoOwner {
            return nil
        }
    }

    /// Owner changes of `name` (or of every name when `nil`), e.g. to notice bluetoothd
    /// restarting: a change to `newOwner == nil` means it went away.
    public func nameOwnerChanges(of name: String? = nil) async throws(DBusError) -> AsyncStream<DBusNameOwnerChange> {
        let rule = DBusMatchRule(
            sender: busName, interface: busName, member: "NameOwnerChanged", path: busPath,
            arguments: name.map { [0: $0] } ?? [:])
        return try await subscribe(rule) { message in
            guard let name = try? message.arguments.argument(0, as: String.self),
                let old = try? message.arguments.argument(1, as: String.self),
                let new = try? message.arguments.argument(2, as: String.self)
            else { return nil }
            return DBusNameOwnerChange(name: name, oldOwner: old.isEmpty ? nil : old, newOwner: new.isEmpty ? nil : new)
        }
    }
}

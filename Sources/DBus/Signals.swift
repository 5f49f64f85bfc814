import CDBus

/// A D-Bus match rule: which signals a subscription wants.
///
/// The bus daemon routes by the rule (`AddMatch`); the connection then filters locally with the
/// same rule so each stream only sees its own signals. Locally, `sender` is compared only when
/// it is a unique name (`:1.7`) or the daemon itself: a well-known name is resolved by the
/// daemon alone, so another subscription on the same connection with a broader rule could let
/// a same-shaped signal from another sender through.
public struct DBusMatchRule: Hashable, Sendable {
    public var sender: String?
    public var interface: String?
    public var member: String?
    public var path: DBusObjectPath?
    /// Matches `path` and every object below it.
    public var pathNamespace: DBusObjectPath?
    /// String arguments by index (`arg0='org.bluez'`).
    public var arguments: [Int: String]

    public init(
        sender: String? = nil, interface: String? = nil, member: String? = nil,
        path: DBusObjectPath? = nil, pathNamespace: DBusObjectPath? = nil, arguments: [Int: String] = [:]
    ) {
        self.sender = sender
        self.interface = interface
        self.member = member
        self.path = path
        self.pathNamespace = pathNamespace
        self.arguments = arguments
    }

    /// The rule as the bus daemon reads it: `type='signal',interface='…',…`.
    public var ruleString: String {
        func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        var parts = ["type='signal'"]
        if let sender { parts.append("sender=" + quoted(sender)) }
        if let interface { parts.append("interface=" + quoted(interface)) }
        if let member { parts.append("member=" + quoted(member)) }
        if let path { parts.append("path=" + quoted(path.rawValue)) }
        if let pathNamespace { parts.append("path_namespace=" + quoted(pathNamespace.rawValue)) }
        for (index, value) in arguments.sorted(by: { $0.key < $1.key }) {
            parts.append("arg\(index)=" + quoted(value))
        }
        return parts.joined(separator: ",")
    }

    /// Whether a received signal satisfies this rule (see the type's note on `sender`).
    public func matches(_ message: DBusMessage) -> Bool {
        guard message.kind == .signal else { return false }
        if let sender, sender.hasPrefix(":") || sender == "org.freedesktop.DBus", message.sender != sender {
            return false
        }
        if let interface, message.interface != interface { return false }
        if let member, message.member != member { return false }
        if let path, message.path != path { return false }
        if let pathNamespace, let messagePath = message.path,
            messagePath != pathNamespace, !messagePath.isDescendant(of: pathNamespace)
        {
            return false
        }
        for (index, value) in arguments {
            guard message.arguments.indices.contains(index), case .string(let s) = message.arguments[index],
                s == value
            else { return false }
        }
        return true
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

/// One live signal stream of a connection.
struct SignalSubscription {
    let rule: DBusMatchRule
    let deliver: @Sendable (DBusMessage) -> Void
    let finish: @Sendable () -> Void
}

extension DBusConnection {
    /// Subscribes to signals matching `rule` and returns them as an async sequence.
    ///
    /// The match is registered with the bus before this returns, so no signal sent afterwards
    /// is missed. Ending the iteration (or dropping the stream) removes the match; closing the
    /// connection finishes the stream.
    public func signals(matching rule: DBusMatchRule) async throws(DBusError) -> AsyncStream<DBusMessage> {
        try await subscribe(rule) { $0 }
    }

    /// Signals matching `rule`, each turned into a `T` (messages `transform` rejects are skipped).
    func subscribe<T: Sendable>(
        _ rule: DBusMatchRule, _ transform: @escaping @Sendable (DBusMessage) -> T?
    ) async throws(DBusError) -> AsyncStream<T> {
        let (stream, continuation) = AsyncStream.makeStream(of: T.self, bufferingPolicy: .unbounded)
        let core = self.core
        let ruleString = rule.ruleString
        let id: UInt64 = core.sync {
            core.nextSubscriptionID += 1
            core.subscriptions[core.nextSubscriptionID] = SignalSubscription(
                rule: rule,
                deliver: { message in if let value = transform(message) { continuation.yield(value) } },
                finish: { continuation.finish() })
            return core.nextSubscriptionID
        }
        do {
            try await callBus("AddMatch", [.string(ruleString)])
        } catch {
            core.queue.async { core.subscriptions[id] = nil }
            continuation.finish()
            throw error
        }
        continuation.onTermination = { _ in
            core.queue.async {
                guard core.subscriptions.removeValue(forKey: id) != nil,
                    let removeMatch = try? MessageHandle.methodCall(
                        destination: busName, path: busPath, interface: busName, method: "RemoveMatch",
                        arguments: [.string(ruleString)])
                else { return }
                dbus_message_set_no_reply(removeMatch.raw, 1)
                core.send(removeMatch)
            }
        }
        return stream
    }
}

extension ConnectionCore {
    func deliverSignal(_ raw: OpaquePointer) {
        confined()
        guard !subscriptions.isEmpty, let message = DBusMessage(decoding: raw) else { return }
        for (_, subscription) in subscriptions where subscription.rule.matches(message) {
            subscription.deliver(message)
        }
    }
}

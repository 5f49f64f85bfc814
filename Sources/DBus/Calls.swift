import CDBus
import Dispatch
import Synchronization

/// The awaiting side of one method call: resumed exactly once, by the reply, a failure, or
/// cancellation of the calling task — whichever comes first.
final class PendingReply: Sendable {
    typealias Continuation = CheckedContinuation<Result<DBusMessage, DBusError>, Never>
    private let state = Mutex<(continuation: Continuation?, finished: Bool)>((nil, false))

    /// Installs the continuation; resumes it at once if the outcome is already known.
    func wait(with continuation: Continuation) {
        let early: Bool = state.withLock {
            if $0.finished { return true }
            $0.continuation = continuation
            return false
        }
        if early { continuation.resume(returning: .failure(.cancelled)) }
    }

    /// Delivers the outcome; later outcomes are ignored. Returns whether this one was delivered.
    @discardableResult
    func finish(_ outcome: Result<DBusMessage, DBusError>) -> Bool {
        let continuation: Continuation?? = state.withLock { state in
            if state.finished { return .none }
            state.finished = true
            defer { state.continuation = nil }
            return .some(state.continuation)
        }
        guard case .some(let waiting) = continuation else { return false }
        waiting?.resume(returning: outcome)
        return true
    }
}

/// A call libdbus is waiting on, as the connection tracks it (used on its queue only).
struct PendingCall {
    let raw: OpaquePointer
    let reply: PendingReply
}

/// Lets the libdbus notify callback find its `PendingReply` and connection.
private final class PendingCallContext {
    let core: ConnectionCore
    let reply: PendingReply
    init(core: ConnectionCore, reply: PendingReply) {
        self.core = core
        self.reply = reply
    }
}

extension DBusConnection {
    /// Calls a method and waits, without blocking any thread, for its reply.
    ///
    /// - Parameters:
    ///   - timeout: after this long without a reply the call fails with
    ///     `org.freedesktop.DBus.Error.NoReply`; `nil` means libdbus' default (25 s).
    /// - Returns: the reply message (its `arguments` are the method's results).
    /// - Throws: the error reply the peer sent (its name and message), `NoReply` on timeout,
    ///   `Disconnected`, `InvalidArgs` for arguments D-Bus cannot carry, or `cancelled` when the
    ///   calling task is cancelled first.
    public func callMessage(
        destination: String?, path: DBusObjectPath, interface: String?, method: String,
        arguments: [DBusValue] = [], timeout: Duration? = nil
    ) async throws(DBusError) -> DBusMessage {
        let message = try MessageHandle.methodCall(
            destination: destination, path: path, interface: interface, method: method, arguments: arguments)
        let answer = try await core.call(message, timeout: timeout)
        if let error = answer.asError { throw error }
        return answer
    }

    /// Calls a method and returns its results (the reply's arguments).
    /// See ``callMessage(destination:path:interface:method:arguments:timeout:)`` for errors.
    @discardableResult
    public func call(
        destination: String?, path: DBusObjectPath, interface: String?, method: String,
        arguments: [DBusValue] = [], timeout: Duration? = nil
    ) async throws(DBusError) -> [DBusValue] {
        try await callMessage(
            destination: destination, path: path, interface: interface, method: method,
            arguments: arguments, timeout: timeout
        ).arguments
    }

    /// Sends a method call without asking for a reply (`NO_REPLY_EXPECTED`).
    public func callNoReply(
        destination: String?, path: DBusObjectPath, interface: String?, method: String,
        arguments: [DBusValue] = []
    ) throws(DBusError) {
        let message = try MessageHandle.methodCall(
            destination: destination, path: path, interface: interface, method: method, arguments: arguments)
        dbus_message_set_no_reply(message.raw, 1)
        core.send(message)
    }
}

extension ConnectionCore {
    /// Sends `message` and waits for the reply message (which may be an error reply).
    func call(_ message: MessageHandle, timeout: Duration?) async throws(DBusError) -> DBusMessage {
        let reply = PendingReply()
        let core = self
        let milliseconds = timeout.map { Int32(clamping: $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) } ?? -1
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                reply.wait(with: continuation)
                core.queue.async { core.startCall(message, reply: reply, timeoutMilliseconds: milliseconds) }
            }
        } onCancel: {
            reply.finish(.failure(.cancelled))
        }
        return try result.get()
    }

    func startCall(_ message: MessageHandle, reply: PendingReply, timeoutMilliseconds: Int32) {
        confined()
        guard let raw else {
            reply.finish(.failure(.disconnected))
            return
        }
        var pending: OpaquePointer?
        guard dbus_connection_send_with_reply(raw, message.raw, &pending, timeoutMilliseconds) != 0 else {
            reply.finish(.failure(DBusError(name: DBusError.Name.noMemory, message: "out of memory")))
            return
        }
        guard let pending else {
            reply.finish(.failure(.disconnected))
            return
        }
        let context = Unmanaged.passRetained(PendingCallContext(core: self, reply: reply)).toOpaque()
        pendingCalls[Int(bitPattern: pending)] = PendingCall(raw: pending, reply: reply)
        let installed = dbus_pending_call_set_notify(pending, pendingCallCompleted, context) {
            $0.map { Unmanaged<PendingCallContext>.fromOpaque($0).release() }
        }
        if installed == 0 {
            pendingCalls[Int(bitPattern: pending)] = nil
            dbus_pending_call_cancel(pending)
            dbus_pending_call_unref(pending)
            reply.finish(.failure(DBusError(name: DBusError.Name.noMemory, message: "out of memory")))
        } else if dbus_pending_call_get_completed(pending) != 0 {
            completePendingCall(pending, reply: reply)
        }
    }

    /// The reply (or libdbus' synthetic NoReply/Disconnected error) for `pending` is in.
    func completePendingCall(_ pending: OpaquePointer, reply: PendingReply) {
        confined()
        guard pendingCalls.removeValue(forKey: Int(bitPattern: pending)) != nil else { return }
        defer { releaseLater(pending) }
        guard let message = dbus_pending_call_steal_reply(pending) else {
            reply.finish(.failure(.disconnected))
            return
        }
        defer { dbus_message_unref(message) }
        if let decoded = DBusMessage(decoding: message) {
            reply.finish(.success(decoded))
        } else {
            reply.finish(.failure(.invalidArgs("the reply could not be decoded")))
        }
    }

    /// Used by `shutdown`: every call still waiting fails with `error`.
    func failAllPendingCalls(with error: DBusError) {
        confined()
        let calls = pendingCalls
        pendingCalls = [:]
        for (_, call) in calls {
            dbus_pending_call_cancel(call.raw)
            call.reply.finish(.failure(error))
            releaseLater(call.raw)
        }
    }

    /// Unref outside the libdbus callback that handed us `pending`.
    func releaseLater(_ pending: OpaquePointer) {
        let item = LoopItem(raw: pending)
        queue.async { dbus_pending_call_unref(item.raw) }
    }
}

private let pendingCallCompleted: DBusPendingCallNotifyFunction = { pending, data in
    guard let pending, let data else { return }
    let context = Unmanaged<PendingCallContext>.fromOpaque(data).takeUnretainedValue()
    context.core.completePendingCall(pending, reply: context.reply)
}

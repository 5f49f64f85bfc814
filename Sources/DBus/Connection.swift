import CDBus
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A connection to a message bus (system, session, or any address), with its own main loop.
///
/// Every libdbus call on the connection runs on one private serial `DispatchQueue`, driven by
/// libdbus' watch and timeout functions as `DispatchSource`s; a message sent from any task is
/// handed to that queue and written at once. Nothing here ever blocks on a reply: calls are
/// `async`, so a peer may call back into objects exported here before it answers (BlueZ does,
/// for `RegisterApplication`).
///
/// Closing (``close()``, or dropping the last reference) unregisters every exported object and
/// signal subscription, fails calls still waiting with `Disconnected`, and closes the socket.
public final class DBusConnection: Sendable {
    let core: ConnectionCore
    /// The unique name the bus gave this connection (`:1.42`); empty on a peer-to-peer connection.
    public let uniqueName: String

    private init(core: ConnectionCore, uniqueName: String) {
        self.core = core
        self.uniqueName = uniqueName
    }

    deinit {
        let core = self.core
        core.queue.async { core.shutdown() }
    }

    /// Connects to the system bus: `DBUS_SYSTEM_BUS_ADDRESS` when set, else the standard socket.
    public static func system() async throws(DBusError) -> DBusConnection {
        let address = getenv("DBUS_SYSTEM_BUS_ADDRESS").map { String(cString: $0) }
        return try await connect(address: address ?? "unix:path=/var/run/dbus/system_bus_socket")
    }

    /// Connects to the session bus named by `DBUS_SESSION_BUS_ADDRESS`.
    public static func session() async throws(DBusError) -> DBusConnection {
        guard let address = getenv("DBUS_SESSION_BUS_ADDRESS").map({ String(cString: $0) }) else {
            throw .failed("DBUS_SESSION_BUS_ADDRESS is not set")
        }
        return try await connect(address: address)
    }

    /// Connects to the bus at `address` (e.g. `unix:path=/run/dbus/system_bus_socket`) and, when
    /// `registerOnBus` is true, says `Hello` to obtain a unique name (false for a direct peer).
    ///
    /// `Hello` goes through the connection's own asynchronous machinery: libdbus' blocking
    /// `dbus_bus_register` was seen to fail with NoReply when several connections start at once.
    public static func connect(address: String, registerOnBus: Bool = true) async throws(DBusError)
        -> DBusConnection
    {
        ConnectionCore.initialiseThreads
        // Opening a socket may block briefly (connect(2)); keep it off the cooperative pool.
        let opened: Result<ConnectionCore, DBusError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    returning: Result { () throws(DBusError) in
                        let raw = try withRawError { error in dbus_connection_open_private(address, &error) }
                        guard let raw else { throw .failed("could not connect to \(address)") }
                        dbus_connection_set_exit_on_disconnect(raw, 0)
                        let core = ConnectionCore(raw: raw)
                        core.sync { core.start() }
                        return core
                    })
            }
        }
        let core = try opened.get()
        guard registerOnBus else { return DBusConnection(core: core, uniqueName: "") }
        do throws(DBusError) {
            let hello = try MessageHandle.methodCall(
                destination: busName, path: busPath, interface: busName, method: "Hello", arguments: [])
            let reply = try await core.call(hello, timeout: nil)
            if let error = reply.asError { throw error }
            let name: String = try reply.arguments.argument(0)
            core.sync { if let raw = core.raw { _ = dbus_bus_set_unique_name(raw, name) } }
            return DBusConnection(core: core, uniqueName: name)
        } catch {
            core.sync { core.shutdown() }
            throw error
        }
    }

    /// Whether the connection is still open (not closed locally, not lost).
    public var isConnected: Bool {
        core.sync { core.isOpen }
    }

    /// Closes the connection: unregisters everything, fails pending calls with `Disconnected`,
    /// ends signal streams. Idempotent.
    public func close() async {
        let core = self.core
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            core.queue.async {
                core.shutdown()
                continuation.resume()
            }
        }
    }

    /// Sends a signal from `path`. Returns once the message is queued for writing.
    public func emitSignal(
        path: DBusObjectPath, interface: String, name: String, arguments: [DBusValue] = [],
        destination: String? = nil
    ) throws(DBusError) {
        let message = try MessageHandle.signal(
            path: path, interface: interface, name: name, arguments: arguments, destination: destination)
        core.send(message)
    }
}

/// The libdbus connection and everything attached to it.
///
/// `@unchecked Sendable`, and why that is sound: every stored property is read and written only
/// on `queue` (a serial queue). Public entry points reach it through `queue.async`/`sync`;
/// libdbus calls back into it (watches, timeouts, filter, pending replies, dispatch status) only
/// from libdbus functions that this core itself calls on `queue`. `confined()` asserts it.
final class ConnectionCore: @unchecked Sendable {
    let queue = DispatchQueue(label: "presso.dbus.connection")
    /// Set to nil by `shutdown`; every use checks it.
    private(set) var raw: OpaquePointer?
    var dispatchScheduled = false
    var watches: [Int: (LoopItem, generation: UInt64)] = [:]
    var nextGeneration: UInt64 = 0
    var timeouts: [Int: TimeoutSource] = [:]
    let poller = SocketPoller()
    var pendingCalls: [Int: PendingCall] = [:]
    var subscriptions: [UInt64: SignalSubscription] = [:]
    var nextSubscriptionID: UInt64 = 0
    var objects = ObjectTree()
    /// True while `handleReady` reads and drains: dispatch-status changes are drained there.
    var draining = false

    /// Marks `queue`, so that code can tell whether it already runs there (`sync`).
    private static let queueKey = DispatchSpecificKey<ObjectIdentifier>()

    init(raw: OpaquePointer) {
        self.raw = raw
        queue.setSpecific(key: Self.queueKey, value: ObjectIdentifier(self))
    }

    /// Whether the caller runs on `queue` (in one of its blocks, on whatever thread).
    var isOnQueue: Bool { DispatchQueue.getSpecific(key: Self.queueKey) == ObjectIdentifier(self) }

    /// Runs `body` on the queue and returns its result: at once when already there — a method
    /// handler starts on the queue (`handleMethodCall`) and may call the public API, which must
    /// not `queue.sync` onto the queue it holds — else through `queue.sync`, which runs `body` on
    /// the calling thread when the queue is idle.
    func sync<T>(_ body: () throws -> T) rethrows -> T {
        isOnQueue ? try body() : try queue.sync(execute: body)
    }

    /// libdbus must be told once per process that several threads may use it.
    static let initialiseThreads: Void = { _ = dbus_threads_init_default() }()

    var isOpen: Bool { raw.map { dbus_connection_get_is_connected($0) != 0 } ?? false }

    func confined() { dispatchPrecondition(condition: .onQueue(queue)) }

    /// Installs the main loop and the message filter, then delivers anything already queued.
    func start() {
        confined()
        guard let raw else { return }
        installMainLoop(on: raw)
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = dbus_connection_add_filter(raw, messageFilter, me, nil)
        scheduleDispatch()
    }

    /// Queues a message for writing; libdbus writes what it can right away and arms the write
    /// watch for the rest. Never waits for the queue (signals are sent from any context).
    func send(_ message: MessageHandle) {
        queue.async { [self] in
            guard let raw else { return }
            dbus_connection_send(raw, message.raw, nil)
        }
    }

    /// Like `send`, but hands the message to libdbus before returning (`sync`): for replies,
    /// where it saves the hop to a Dispatch worker thread that `queue.async` costs per call.
    func sendNow(_ message: MessageHandle) {
        sync {
            guard let raw else { return }
            dbus_connection_send(raw, message.raw, nil)
        }
    }

    /// Every incoming message that is not a reply to one of our calls comes here.
    func filter(_ message: OpaquePointer) -> DBusHandlerResult {
        confined()
        switch dbus_message_get_type(message) {
        case DBUS_MESSAGE_TYPE_METHOD_CALL:
            handleMethodCall(message)
            return DBUS_HANDLER_RESULT_HANDLED
        case DBUS_MESSAGE_TYPE_SIGNAL:
            if dbus_message_is_signal(message, "org.freedesktop.DBus.Local", "Disconnected") != 0 {
                shutdown()
                return DBUS_HANDLER_RESULT_HANDLED
            }
            deliverSignal(message)
            return DBUS_HANDLER_RESULT_NOT_YET_HANDLED
        default:
            return DBUS_HANDLER_RESULT_NOT_YET_HANDLED
        }
    }

    /// Unregisters everything and closes the connection. Safe to call more than once.
    func shutdown() {
        confined()
        guard let raw else { return }
        objects = ObjectTree()
        for (_, subscription) in subscriptions { subscription.finish() }
        subscriptions = [:]
        failAllPendingCalls(with: .disconnected)
        dbus_connection_remove_filter(raw, messageFilter, Unmanaged.passUnretained(self).toOpaque())
        dbus_connection_close(raw)
        removeMainLoop(from: raw)
        self.raw = nil
        dbus_connection_unref(raw)
    }
}

/// The one libdbus filter of a connection; `user_data` is its (unretained) `ConnectionCore`.
private let messageFilter: DBusHandleMessageFunction = { _, message, data in
    guard let message, let data else { return DBUS_HANDLER_RESULT_NOT_YET_HANDLED }
    return Unmanaged<ConnectionCore>.fromOpaque(data).takeUnretainedValue().filter(message)
}

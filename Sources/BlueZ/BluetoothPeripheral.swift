import DBus
import Logging
import Synchronization

/// A BLE peripheral served by bluetoothd: a GATT application, an LE advertisement and a
/// pairing agent, kept registered for as long as `run()` runs.
///
/// `run()` exports the objects, then supervises: it waits for bluetoothd and the adapter (saying
/// so in the log), powers the adapter on, sets its alias, registers agent, application and
/// advertisement, and registers them again whenever bluetoothd restarts, the adapter goes and
/// comes back, BlueZ releases the advertisement, or the adapter stops advertising
/// (`ActiveInstances` 0). Cancelling the task that runs it unregisters everything.
///
/// ```swift
/// let peripheral = try BluetoothPeripheral(connection: try await .system(), configuration: .init(
///     application: app, advertisement: LEAdvertisement(localName: "Presso", serviceUUIDs: [uuid])))
/// Task { for await event in peripheral.events { print(event) } }
/// try await peripheral.run()
/// ```
public final class BluetoothPeripheral: Sendable {
    public let connection: DBusConnection
    public let configuration: PeripheralConfiguration
    let logger: Logger
    let shared = Shared()
    let links = LinkMTUs()
    let applicationExport: ApplicationExport
    let advertisementObject: AdvertisementObject
    let agentPath: DBusObjectPath

    /// Checks the application and advertisement (`GATTApplicationError` lists every problem);
    /// nothing is exported before `run()`.
    public init(connection: DBusConnection, configuration: PeripheralConfiguration,
                logger: Logger = Logger(label: "presso.bluez")) throws(GATTApplicationError) {
        try configuration.application.validate()
        try configuration.advertisement.validate()
        self.connection = connection
        self.configuration = configuration
        self.logger = logger
        let root = configuration.objectRoot
        applicationExport = ApplicationExport(
            configuration.application, root: root.child("app"), connection: connection, links: links, logger: logger)
        agentPath = root.child("agent")
        let shared = self.shared
        advertisementObject = AdvertisementObject(
            configuration.advertisement, path: root.child("advertisement0"), connection: connection,
            onRelease: { call in shared.withLock { $0.inbox }?.yield(.advertisementReleased(call)) })
    }

    /// Serves until the calling task is cancelled, then unregisters and unexports everything.
    /// Throws only if the objects cannot be exported (their paths are taken on this connection).
    public func run() async throws(DBusError) {
        try await Supervisor(self).run()
    }

    /// What happens from now on (each access is a new subscription; nothing is replayed).
    public var events: AsyncStream<PeripheralEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: PeripheralEvent.self)
        let id = shared.withLock { $0.observers.add(continuation) }
        let shared = self.shared
        continuation.onTermination = { _ in shared.withLock { $0.observers.remove(id) } }
        return stream
    }

    /// Whether application and advertisement are registered right now.
    public var isRegistered: Bool { shared.withLock { $0.registered } }

    /// Centrals connected to the adapter (their `org.bluez.Device1` paths).
    public var connectedCentrals: Set<String> { shared.withLock { $0.connected } }

    /// The advertisement as it is now.
    public var advertisement: LEAdvertisement { advertisementObject.advertisement }

    /// Changes what is advertised. BlueZ 5.66 refreshes a registered advertisement from its
    /// `PropertiesChanged`; when a property appears or disappears (`LocalName`, `Appearance`)
    /// the advertisement is registered again. With no explicit alias, a new local name becomes
    /// the adapter's alias too.
    public func updateAdvertisement(_ advertisement: LEAdvertisement) throws(GATTApplicationError) {
        try advertisement.validate()
        let outcome = advertisementObject.update(to: advertisement)
        let inbox = shared.withLock { $0.inbox }
        if outcome == .needsRegistration { inbox?.yield(.advertisementNeedsRegistration) }
        inbox?.yield(.reconcile)   // the alias may follow the local name
    }

    /// Opens a pairing window: the adapter becomes `Pairable` for `duration` (BlueZ closes it
    /// by itself afterwards through `PairableTimeout`), and the agent accepts Just Works pairing
    /// requests meanwhile. Kept across bluetoothd restarts until it ends.
    public func openPairingWindow(for duration: Duration) async throws(DBusError) {
        let seconds = max(1, UInt32(clamping: duration.components.seconds))
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        guard let target = shared.withLock({ state in
            state.pairingWindowEnd = deadline
            return state.target
        }) else { return }   // applied when an adapter is in use
        try await setPairable(true, timeout: seconds, on: target)
        logger.info("pairing window open for \(seconds) s on \(target.adapter.lastComponent)")
    }

    /// Closes the pairing window now.
    public func closePairingWindow() async throws(DBusError) {
        guard let target = shared.withLock({ state in
            state.pairingWindowEnd = nil
            return state.target
        }) else { return }
        try await setPairable(false, timeout: nil, on: target)
        logger.info("pairing window closed on \(target.adapter.lastComponent)")
    }

    /// Seconds left in the pairing window; nil when it is closed.
    var pairingWindowRemaining: UInt32? {
        guard let end = shared.withLock({ $0.pairingWindowEnd }) else { return nil }
        let left = ContinuousClock.now.duration(to: end)
        return left > .zero ? max(1, UInt32(clamping: left.components.seconds)) : nil
    }

    func setPairable(_ pairable: Bool, timeout: UInt32?, on target: SharedState.Target) async throws(DBusError) {
        let client = BlueZClient(connection: connection, owner: target.owner)
        // BlueZ arms its timer when Pairable becomes true, with the PairableTimeout it has then.
        if let timeout { _ = try await client.set(target.adapter, BlueZ.adapter, "PairableTimeout", .uint32(timeout)) }
        _ = try await client.set(target.adapter, BlueZ.adapter, "Pairable", .bool(pairable))
    }

    func emit(_ event: PeripheralEvent) {
        for observer in shared.withLock({ $0.observers.all }) { observer.yield(event) }
    }
}

/// `SharedState` behind a lock, as a reference closures can hold.
final class Shared: Sendable {
    private let state = Mutex(SharedState())

    func withLock<T>(_ body: (inout SharedState) -> T) -> T {
        state.withLock { body(&$0) }
    }
}

/// State shared between the supervising task and the public API.
struct SharedState {
    struct Target: Sendable {
        var owner: String
        var adapter: DBusObjectPath
    }

    /// The supervisor's trigger queue, while `run()` runs.
    var inbox: AsyncStream<Trigger>.Continuation?
    /// bluetoothd and the adapter in use.
    var target: Target?
    var registered = false
    var connected: Set<String> = []
    var pairingWindowEnd: ContinuousClock.Instant?
    var observers = Observers<PeripheralEvent>()
}

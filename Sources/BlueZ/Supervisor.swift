import DBus
import Logging

/// Keeps one `BluetoothPeripheral` registered with whichever bluetoothd is on the bus.
///
/// One task handles every trigger in arrival order (`Trigger`), so its state needs no lock:
/// who owns `org.bluez`, what that bluetoothd shows (`BlueZView`), the adapter in use, and what
/// is registered with it. Each trigger is answered by looking at the facts — the name's owner,
/// BlueZ's objects — and doing whatever is missing (`converge`), never by replaying a script:
/// a restart, an adapter coming back, or a Release all end in the same place.
final class Supervisor {
    /// A registration BlueZ confirmed: with which bluetoothd, on which adapter, and the serial
    /// of its reply (signals older than that cannot be about it).
    struct Registration: Sendable {
        var owner: String
        var adapter: DBusObjectPath
        var serial: UInt32
    }

    enum Part { case application, advertisement, agent }

    let peripheral: BluetoothPeripheral
    let logger: Logger
    let inbox: AsyncStream<Trigger>.Continuation
    private let triggers: AsyncStream<Trigger>

    var owner: String?
    var view: BlueZView?
    var adapter: DBusObjectPath?
    var application: Registration?
    var advertisement: Registration?
    var agent: Registration?
    /// The pairing window was applied to this adapter of this bluetoothd.
    var pairingApplied: SharedState.Target?
    /// Application and advertisement both registered, and said so.
    var announced = false
    /// Since when registering has been possible and needed (for `registered`'s elapsed time).
    var pendingSince: ContinuousClock.Instant?
    var ownerAppeared: ContinuousClock.Instant?
    var adapterAppeared: ContinuousClock.Instant?
    var connected: Set<DBusObjectPath> = []
    var pairable = false
    /// The last "waiting for …" line logged, so it is said once.
    var waitingFor: String?
    /// After a failed call, nothing is tried again before this (a retry trigger is pending).
    var blockedUntil: ContinuousClock.Instant?
    var retryScheduled = false
    static let firstRetryDelay: Duration = .milliseconds(500)
    var retryDelay = firstRetryDelay

    init(_ peripheral: BluetoothPeripheral) {
        self.peripheral = peripheral
        self.logger = peripheral.logger
        (triggers, inbox) = AsyncStream.makeStream(of: Trigger.self)
    }

    var connection: DBusConnection { peripheral.connection }
    var configuration: PeripheralConfiguration { peripheral.configuration }

    func run() async throws(DBusError) {
        try await exportObjects()
        let owners: AsyncStream<DBusNameOwnerChange>
        let signals: AsyncStream<DBusMessage>
        do throws(DBusError) {
            // Subscribed before the first look, so no change between the two is missed.
            owners = try await connection.nameOwnerChanges(of: BlueZ.busName)
            signals = try await connection.signals(matching: DBusMatchRule(sender: BlueZ.busName))
        } catch {
            unexportObjects(peripheral)
            throw error
        }
        let inbox = self.inbox
        peripheral.shared.withLock { $0.inbox = inbox }
        inbox.yield(.reconcile)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for await change in owners { inbox.yield(.ownerChanged(change)) } }
            group.addTask {
                // The connection filters a well-known sender only at the bus; other signals it
                // receives for other subscriptions are told apart by sender in `apply`.
                for await message in signals
                where message.interface == BlueZ.objectManager || message.interface == BlueZ.properties {
                    inbox.yield(.bluezSignal(message))
                }
            }
            for await trigger in triggers { await handle(trigger) }   // ends when cancelled
            group.cancelAll()
        }
        await shutDown()
    }

    private func handle(_ trigger: Trigger) async {
        switch trigger {
        case .reconcile:
            await reconcile()
        case .retry:
            retryScheduled = false
            blockedUntil = nil
            await reconcile()
        case .ownerChanged(let change):
            if let owner, change.oldOwner == owner, change.newOwner != owner { bluetoothdGone() }
            await reconcile()
        case .bluezSignal(let message):
            await apply(message)
        case .advertisementReleased(let call):
            if let registration = advertisement, call.sender == registration.owner, call.serial > registration.serial {
                logger.warning("BlueZ released the advertisement: registering it again")
                lose([.advertisement], .advertisementReleased, stillPossible: true)
            }
            await converge()
        case .agentReleased(let call):
            if let registration = agent, call.sender == registration.owner, call.serial > registration.serial {
                logger.notice("BlueZ released the pairing agent: registering it again")
                lose([.agent], .bluetoothdStopped, stillPossible: true)
            }
            await converge()
        case .advertisementNeedsRegistration:
            await renewAdvertisement()
        }
    }

    /// Finds out who owns `org.bluez` now and what it shows, then converges.
    private func reconcile() async {
        let current: String?
        do throws(DBusError) {
            current = try await connection.nameOwner(BlueZ.busName)
        } catch {
            logger.warning("cannot ask the bus who owns org.bluez: \(error)")
            scheduleRetry()
            return
        }
        if current != owner {
            if owner != nil { bluetoothdGone() }
            owner = current
            if let current {
                logger.info("bluetoothd is on the bus (\(current))")
                let now = ContinuousClock.now
                ownerAppeared = now
                pendingSince = now
                blockedUntil = nil
                retryDelay = Self.firstRetryDelay
            }
        }
        guard let current else {
            waiting("bluetoothd (org.bluez) is not on the system bus: waiting for it")
            return
        }
        if view == nil {
            do throws(DBusError) {
                let (objects, serial) = try await BlueZClient(connection: connection, owner: current).managedObjects()
                guard owner == current else { return }
                view = BlueZView(owner: current, objects: objects, serial: serial)
            } catch {
                logger.warning("cannot list BlueZ's objects: \(error)")
                scheduleRetry()
                return
            }
        }
        await converge()
    }

    /// A signal of bluetoothd's object tree: applied if it is news, then acted on.
    private func apply(_ message: DBusMessage) async {
        guard var view, message.sender == view.owner else {
            // Perhaps from a bluetoothd whose arrival has not been read yet: look.
            if message.sender != owner { await reconcile() }
            return
        }
        guard view.isNew(message) else { return }
        view.apply(message)
        self.view = view
        if let adapter, !view.has(adapter, BlueZ.adapter) {
            logger.warning("adapter \(adapter.lastComponent) was removed")
            lose([.application, .advertisement], .adapterRemoved, stillPossible: false)
            setAdapter(nil)
        }
        // The advertising watchdog: some controllers stop advertising (after a central
        // disconnects) and BlueZ drops the instance; an advertisement is registered again.
        if let registration = advertisement, message.path == registration.adapter, message.member == "PropertiesChanged",
            message.serial > registration.serial,
            (try? message.arguments.argument(0, as: String.self)) == BlueZ.advertisingManager,
            let changed = try? message.arguments.argument(1, as: [String: DBusValue].self),
            changed["ActiveInstances"] == .byte(0)
        {
            logger.warning("advertising watchdog: \(registration.adapter.lastComponent) has no active advertisement: registering it again")
            if let owner { try? await BlueZClient(connection: connection, owner: owner).unregisterAdvertisement(
                peripheral.advertisementObject.path, on: registration.adapter) }
            lose([.advertisement], .advertisingStopped, stillPossible: true)
        }
        viewChanged()
        await converge()
    }

    /// The advertisement's set of properties changed: unregister, export anew, register.
    private func renewAdvertisement() async {
        if let registration = advertisement, let owner {
            try? await BlueZClient(connection: connection, owner: owner).unregisterAdvertisement(
                peripheral.advertisementObject.path, on: registration.adapter)
            lose([.advertisement], .advertisementChanged, stillPossible: true)
        }
        do throws(DBusError) {
            try await peripheral.advertisementObject.reexport()
        } catch {
            logger.error("cannot export the changed advertisement: \(error)")
        }
        await converge()
    }

    func waiting(_ line: String) {
        guard waitingFor != line else { return }
        waitingFor = line
        logger.notice("\(line)")
    }

    func scheduleRetry() {
        blockedUntil = ContinuousClock.now.advanced(by: retryDelay)
        guard !retryScheduled else { return }
        retryScheduled = true
        let inbox = self.inbox, delay = retryDelay
        Task {
            try? await Task.sleep(for: delay)
            inbox.yield(.retry)
        }
        retryDelay = min(retryDelay * 2, .seconds(5))
    }
}

import BootsControlAPI
import DBus
import Logging
import Sequencer
import ServiceLifecycle

/// Serves `org.presso.Boots1` on the system bus for the life of the daemon: owns
/// `org.presso.Boots`, exports the object, and announces changes with `PropertiesChanged`.
///
/// The boots do not depend on it: when the system bus cannot be reached or the name is taken,
/// it logs why and tries again every `retryInterval`, while the pump runs on.
public struct LocalControlService: Service {
    let object: BootsControlObject
    let sequencer: InflationSequencer
    let connect: @Sendable () async throws(DBusError) -> DBusConnection
    let retryInterval: Duration
    let logger: Logger

    /// `connect` defaults to the system bus (`DBUS_SYSTEM_BUS_ADDRESS` when set).
    public init(
        object: BootsControlObject, sequencer: InflationSequencer, retryInterval: Duration = .seconds(10),
        logger: Logger, connect: @escaping @Sendable () async throws(DBusError) -> DBusConnection = { () throws(DBusError) in
            try await DBusConnection.system()
        }
    ) {
        self.object = object
        self.sequencer = sequencer
        self.connect = connect
        self.retryInterval = retryInterval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastFailure: String?
            while !Task.isCancelled {
                do throws(DBusError) {
                    let connection = try await serve()
                    lastFailure = nil
                    await announceChanges(on: connection)
                    let lost = !Task.isCancelled
                    await connection.close()
                    if lost { logger.warning("local control: lost the system bus; reconnecting") }
                } catch {
                    // Say it once, not every retry.
                    if lastFailure != error.description {
                        logger.error("local control interface unavailable (\(error)); retrying every \(retryInterval)")
                        lastFailure = error.description
                    }
                }
                if Task.isCancelled { break }
                try? await Task.sleep(for: retryInterval)
            }
        }
    }

    /// Connects, exports the object and takes the name.
    private func serve() async throws(DBusError) -> DBusConnection {
        let connection = try await connect()
        do throws(DBusError) {
            let check = CallerCheck(connection: connection)
            try await connection.export(
                [object.interface { call throws(DBusError) in try await check.authorize(call) }], at: BootsBus.path)
            switch try await connection.requestName(BootsBus.name, flags: .doNotQueue) {
            case .primaryOwner, .alreadyOwner:
                logger.info("local control: \(BootsBus.interface) at \(BootsBus.path) as \(BootsBus.name)")
                return connection
            case .exists, .inQueue:
                throw DBusError.failed("\(BootsBus.name) is owned by another process")
            }
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Emits `PropertiesChanged` for every snapshot that changes a property (pressures at most
    /// 5 Hz) until the task is cancelled or the connection is lost.
    private func announceChanges(on connection: DBusConnection) async {
        let first = sequencer.snapshot
        var throttle = PropertiesChangedThrottle(initial: BootsPropertyValues.all(first))
        var lastLivenessCheck = first.time
        for await snapshot in sequencer.snapshots() {
            let changed = throttle.offer(BootsPropertyValues.all(snapshot), at: snapshot.time)
            if !changed.isEmpty {
                do {
                    try connection.emitPropertiesChanged(path: BootsBus.path, interface: BootsBus.interface, changed: changed)
                } catch {
                    logger.warning("local control: could not announce changes: \(error)")
                }
            }
            if snapshot.time - lastLivenessCheck >= .seconds(1) {
                lastLivenessCheck = snapshot.time
                if !connection.isConnected { return }
            }
        }
    }
}

import BootsControlAPI
import DBus
import Synchronization

/// What the local control interface asks of the Bluetooth side: open the pairing window, list
/// and remove bonds. pressod creates one `BluetoothControls` and hands it to both sides; the
/// Bluetooth service installs its operations while it runs and removes them when it stops, so
/// the methods answer `NotAvailable` ("Bluetooth not running") whenever there is no one to do it.
public final class BluetoothControls: Sendable {
    public struct Operations: Sendable {
        /// Opens the pairing window for the given time.
        public var openPairingWindow: @Sendable (Duration) async throws -> Void
        public var listBonds: @Sendable () async throws -> [BondedDevice]
        /// Removes the bond with the device at this address ("AA:BB:CC:DD:EE:FF").
        public var removeBond: @Sendable (String) async throws -> Void

        public init(
            openPairingWindow: @escaping @Sendable (Duration) async throws -> Void,
            listBonds: @escaping @Sendable () async throws -> [BondedDevice],
            removeBond: @escaping @Sendable (String) async throws -> Void
        ) {
            self.openPairingWindow = openPairingWindow
            self.listBonds = listBonds
            self.removeBond = removeBond
        }
    }

    private let installed = Mutex<Operations?>(nil)

    public init() {}

    /// Makes the operations available (the Bluetooth service, once it runs).
    public func install(_ operations: Operations) { installed.withLock { $0 = operations } }

    /// Withdraws them (the Bluetooth service, when it stops).
    public func remove() { installed.withLock { $0 = nil } }

    /// Runs `body` with the installed operations; `NotAvailable` when none are. An error the
    /// operation throws reaches the caller as is if it is a `DBusError`, else as `Failed`.
    func perform<T>(_ body: (Operations) async throws -> T) async throws(DBusError) -> T {
        guard let operations = installed.withLock({ $0 }) else { throw .notAvailable("Bluetooth not running") }
        do {
            return try await body(operations)
        } catch let error as DBusError {
            throw error
        } catch {
            throw .failed("\(error)")
        }
    }
}

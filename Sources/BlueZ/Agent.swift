import DBus
import Logging

/// The pairing agent of a device with neither display nor keyboard (doc/agent-api.txt),
/// registered with capability `NoInputNoOutput` as bluetoothd's default agent: pairing is then
/// Just Works, and the adapter's `Pairable` window is what lets a central pair at all.
///
/// What it answers:
/// - `RequestAuthorization` (an incoming Just Works pairing BlueZ wants confirmed, e.g. a
///   re-pairing) and `AuthorizeService`: accepted while the pairing window is open, otherwise
///   `Rejected`;
/// - everything that needs a display or keys (`RequestPinCode`, `RequestPasskey`,
///   `DisplayPinCode`, `DisplayPasskey`, `RequestConfirmation`): `Rejected` — with
///   `NoInputNoOutput` BlueZ should never ask, so asking anyway is refused, not guessed;
/// - `Release` (BlueZ unregistered it) is reported so it is registered again; `Cancel` is logged.
struct PairingAgent {
    static let capability = "NoInputNoOutput"

    let isPairingWindowOpen: @Sendable () -> Bool
    let onRelease: @Sendable (DBusMessage) -> Void
    let logger: Logger

    var interface: DBusInterface {
        let isOpen = isPairingWindowOpen, onRelease = self.onRelease, logger = self.logger
        @Sendable func rejected(_ method: String, _ call: DBusMessage) -> DBusError {
            logger.notice("pairing agent: \(method) for \(Self.device(call)) refused (no display, no keys)")
            return DBusError(name: BlueZ.Error.rejected, message: "\(method) needs a display or keys")
        }
        @Sendable func authorize(_ method: String, _ call: DBusMessage) throws(DBusError) -> [DBusValue] {
            guard isOpen() else {
                logger.notice("pairing agent: \(method) for \(Self.device(call)) rejected: pairing window closed")
                throw DBusError(name: BlueZ.Error.rejected, message: "the pairing window is closed")
            }
            logger.info("pairing agent: \(method) for \(Self.device(call)) accepted (pairing window open)")
            return []
        }
        let device = DBusArgument("device", "o")
        return DBusInterface(BlueZ.agent, methods: [
            DBusMethod("Release") { call in
                logger.info("pairing agent released by bluetoothd")
                onRelease(call)
                return []
            },
            DBusMethod("RequestPinCode", inputs: [device], outputs: [DBusArgument("pincode", "s")]) {
                call throws(DBusError) in throw rejected("RequestPinCode", call)
            },
            DBusMethod("DisplayPinCode", inputs: [device, DBusArgument("pincode", "s")]) {
                call throws(DBusError) in throw rejected("DisplayPinCode", call)
            },
            DBusMethod("RequestPasskey", inputs: [device], outputs: [DBusArgument("passkey", "u")]) {
                call throws(DBusError) in throw rejected("RequestPasskey", call)
            },
            DBusMethod("DisplayPasskey", inputs: [device, DBusArgument("passkey", "u"), DBusArgument("entered", "q")]) {
                call throws(DBusError) in throw rejected("DisplayPasskey", call)
            },
            DBusMethod("RequestConfirmation", inputs: [device, DBusArgument("passkey", "u")]) {
                call throws(DBusError) in throw rejected("RequestConfirmation", call)
            },
            DBusMethod("RequestAuthorization", inputs: [device]) { call throws(DBusError) in
                try authorize("RequestAuthorization", call)
            },
            DBusMethod("AuthorizeService", inputs: [device, DBusArgument("uuid", "s")]) { call throws(DBusError) in
                try authorize("AuthorizeService", call)
            },
            DBusMethod("Cancel") { _ in
                logger.info("pairing agent: bluetoothd cancelled its request")
                return []
            },
        ])
    }

    private static func device(_ call: DBusMessage) -> String {
        (try? call.arguments.argument(0, as: DBusObjectPath.self).rawValue) ?? "?"
    }
}

import Synchronization

/// The ATT MTU of each connected central's link, as far as BlueZ has told it.
///
/// BlueZ passes `mtu` only in the options of `ReadValue`/`WriteValue`; `StartNotify` carries no
/// options, and a notification goes to every subscribed central. So the limit for a notified
/// value is that of the smallest link: a connected central whose MTU is not known yet counts
/// with the ATT default of 23, and so does "nobody connected".
final class LinkMTUs: Sendable {
    static let defaultMTU = 23

    /// Device object path → ATT MTU.
    private let links = Mutex<[String: Int]>([:])

    init() {}

    /// A central connected: its link counts with the default MTU until it says more.
    func connected(_ device: String) {
        links.withLock { $0[device] = $0[device] ?? Self.defaultMTU }
    }

    func disconnected(_ device: String) {
        _ = links.withLock { $0.removeValue(forKey: device) }
    }

    /// Everyone is gone (bluetoothd stopped, adapter removed).
    func removeAll() {
        links.withLock { $0.removeAll() }
    }

    /// Notes what one request says about its link.
    func note(_ request: GATTRequest) {
        guard let device = request.device, let mtu = request.mtu else { return }
        links.withLock { $0[device] = max(Self.defaultMTU, mtu) }
    }

    /// ATT_MTU − 3 of the smallest known link (20 when none is known).
    var maximumNotificationLength: Int {
        links.withLock { $0.values.min() ?? Self.defaultMTU } - 3
    }
}

import DBus

/// What a `BluetoothPeripheral` serves, and where.
public struct PeripheralConfiguration: Sendable {
    /// The adapter to use: `hci0`, its object path, or its address (`AA:BB:CC:DD:EE:FF`); nil for
    /// the first one BlueZ lists. A configured adapter that is missing is waited for.
    public var adapter: String?
    /// The adapter's `Alias` — the GAP Device Name a phone shows once connected; nil: the
    /// advertisement's local name (and the adapter's alias is left alone when that is nil too).
    public var alias: String?
    public var application: GATTApplication
    public var advertisement: LEAdvertisement
    /// Where the objects go on the bus: the application at `objectRoot/app`, the advertisement
    /// at `objectRoot/advertisement0`, the agent at `objectRoot/agent`.
    public var objectRoot: DBusObjectPath
    /// Registers the `NoInputNoOutput` pairing agent as bluetoothd's default agent.
    public var pairingAgent: Bool

    public init(adapter: String? = nil, alias: String? = nil, application: GATTApplication,
                advertisement: LEAdvertisement, objectRoot: DBusObjectPath = "/org/presso/peripheral",
                pairingAgent: Bool = true) {
        self.adapter = adapter
        self.alias = alias
        self.application = application
        self.advertisement = advertisement
        self.objectRoot = objectRoot
        self.pairingAgent = pairingAgent
    }
}

/// What happens to a running peripheral, in order.
public enum PeripheralEvent: Sendable, Equatable {
    /// Application and advertisement are registered on `adapter` (`hci0`). `elapsed` runs from
    /// the moment registering became possible and needed — bluetoothd appearing (start-up, a
    /// restart), the adapter appearing, or the loss being noticed — to BlueZ's last reply.
    case registered(adapter: String, elapsed: Duration)
    /// The registration is gone (or, for the advertisement, being renewed).
    case unregistered(UnregistrationReason)
    /// A central connected to the adapter (its `org.bluez.Device1` path).
    case centralConnected(String)
    case centralDisconnected(String)
    /// The adapter's `Pairable` changed (a pairing window opened or closed).
    case pairingWindow(open: Bool)
}

public enum UnregistrationReason: Sendable, Equatable {
    /// bluetoothd left the bus (stopped, restarted, crashed).
    case bluetoothdStopped
    /// The adapter disappeared (unplugged, powered down by the kernel, hciN removed).
    case adapterRemoved
    /// BlueZ called `Release` on the advertisement.
    case advertisementReleased
    /// Watchdog: the adapter's `ActiveInstances` dropped to 0 while ours was registered.
    case advertisingStopped
    /// The advertisement changed its set of properties and is registered anew.
    case advertisementChanged
    /// `run()` ended: everything was unregistered on the way out.
    case stopped
}

/// Things the supervisor reacts to, in the order they arrive.
enum Trigger: Sendable {
    /// Look at bluetoothd afresh (start, retry, pairing window, alias change).
    case reconcile
    /// A retry after a failed call is due.
    case retry
    case ownerChanged(DBusNameOwnerChange)
    /// A signal from bluetoothd's object tree.
    case bluezSignal(DBusMessage)
    /// BlueZ called `Release` on the advertisement or the agent.
    case advertisementReleased(DBusMessage)
    case agentReleased(DBusMessage)
    /// The advertisement's set of properties changed: it must be registered again.
    case advertisementNeedsRegistration
}
